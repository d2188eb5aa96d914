//! The plan's pages: the loaded plan (read only) with its files to download (the plan
//! workbook, the TOML file), its history, and for the administrator the amendment:
//! upload a new version, read the difference and what it would strand, confirm. The
//! confirmed version replaces the running application at once (`web::live`).

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_app::plans::{self, Amendment};
use duikou_domain::plan::UnitKind;
use duikou_domain::plan::amend::{Change, ChangeKind};
use duikou_domain::roles::Role;

use super::{Ctx, ErrorLink, Form, Req, file_response, html, html_status, see_other};
use crate::web::AppState;
use crate::web::auth::constant_time_eq;

pub struct UnitGroupView {
    pub label: String,
    pub names: String,
}

pub struct IndicatorView {
    pub id: String,
    pub item: String,
    pub name: String,
    pub kind: String,
    pub scope: String,
    pub targets: String,
    pub deadline: String,
}

pub struct ItemView {
    pub no: String,
    pub title: String,
    pub text: String,
    pub time_limit: String,
    pub responsible: String,
    pub is_action: bool,
}

#[derive(Template)]
#[template(path = "admin_plan.html")]
struct PlanPage {
    ctx: Ctx,
    title: String,
    version: u32,
    /// The administrator may upload an amended version.
    can_amend: bool,
    errors: Vec<ErrorLink>,
    file_error: String,
    meta: Vec<(String, String)>,
    units: Vec<UnitGroupView>,
    pairings: Vec<(String, String, String)>,
    items: Vec<ItemView>,
    indicators: Vec<IndicatorView>,
}

/// Who sees the plan, its history and its files: the administrator, who amends it, and
/// the coordinators, who run it.
fn may_view(req: &Req) -> bool {
    matches!(req.role(), Role::Admin | Role::Coordinator)
}

pub async fn plan(State(state): State<AppState>, req: Req) -> Response {
    if !may_view(&req) {
        return req.forbidden();
    }
    html(&plan_page(&state, &req))
}

fn plan_page(state: &AppState, req: &Req) -> PlanPage {
    let l = req.l;
    let plan = state.plan();
    let m = &plan.meta;
    let meta = vec![
        (l.t("编号", "Id"), m.id.clone()),
        (l.t("发文单位", "Issued by"), m.issuer.clone()),
        (l.t("文号", "Document"), m.document_no.clone()),
        (
            l.t("计划年度", "Years"),
            format!("{}–{}", m.first_year, m.last_year),
        ),
        (
            l.t("帮扶方 → 受帮扶方", "Assisting → assisted"),
            format!("{} → {}", m.east, m.west),
        ),
        (l.t("目标", "Goal"), m.goal.clone()),
    ];
    let units = [
        UnitKind::City,
        UnitKind::Provincial,
        UnitKind::WorkingGroup,
        UnitKind::Department,
        UnitKind::County,
        UnitKind::Town,
    ]
    .iter()
    .filter_map(|k| {
        let names: Vec<String> = plan
            .units_of_kind(*k)
            .map(|u| match (&u.code, u.town_role) {
                (Some(c), _) => format!("{}（{c}）", u.name),
                (None, Some(r)) => format!("{}［{}］", u.name, r.label_zh()),
                _ => u.name.clone(),
            })
            .collect();
        (!names.is_empty()).then(|| UnitGroupView {
            label: format!("{}（{}）", k.label_zh(), names.len()),
            names: names.join("、"),
        })
    })
    .collect();
    let mut items = Vec::new();
    for a in &plan.actions {
        items.push(ItemView {
            no: a.no.clone(),
            title: a.title.clone(),
            text: String::new(),
            time_limit: String::new(),
            responsible: String::new(),
            is_action: true,
        });
        for i in plan.items.iter().filter(|i| i.action == a.no) {
            items.push(ItemView {
                no: i.no.clone(),
                title: i.title.clone(),
                text: i.text.clone(),
                time_limit: i.time_limit.clone(),
                responsible: i.responsible.join("、"),
                is_action: false,
            });
        }
    }
    let indicators = plan
        .indicators
        .iter()
        .map(|ind| {
            let targets = plan
                .years()
                .map(|y| {
                    format!(
                        "{y}: {}",
                        ind.target_for(y)
                            .map(|t| { duikou_domain::target_text::of_target(ind, t, l.style()) })
                            .unwrap_or_else(|| l.t("跟踪", "tracked"))
                    )
                })
                .collect::<Vec<_>>()
                .join("；");
            IndicatorView {
                id: ind.id.clone(),
                item: ind.item.clone(),
                name: ind.name.clone(),
                kind: l.kind(ind.kind).to_string(),
                scope: ind.scope.label_zh(plan),
                targets,
                deadline: ind.deadline_text(),
            }
        })
        .collect();
    PlanPage {
        ctx: req.ctx(l.t("计划", "Plan")),
        title: m.title.clone(),
        version: plan.version,
        can_amend: req.actor().can_manage_users(),
        errors: Vec::new(),
        file_error: String::new(),
        meta,
        units,
        pairings: plan
            .pairings
            .iter()
            .map(|p| (p.county.clone(), p.lead.clone(), p.assisting.join("、")))
            .collect(),
        items,
        indicators,
    }
}

// ------------------------------------------------------------------ files

/// `/admin/plan/plan.xlsx` (the plan workbook) and `/admin/plan/plan.toml`, of the
/// version loaded.
pub async fn download(
    State(state): State<AppState>,
    req: Req,
    Path(file): Path<String>,
) -> Response {
    if !may_view(&req) {
        return req.forbidden();
    }
    let plan = state.plan();
    let source = match state.store().plan_version(plan.version).await {
        Ok(Some((_, source))) => source,
        Ok(None) => return req.not_found(),
        Err(e) => return req.internal(e),
    };
    let stem = format!("{}-v{}", plan.meta.id, plan.version);
    match file.as_str() {
        "plan.toml" => file_response(
            &format!("{stem}.toml"),
            "application/toml; charset=utf-8",
            source.into_bytes(),
            false,
        ),
        "plan.xlsx" => match duikou_app::plan_book::write_plan_workbook(&source, &[]) {
            Ok(bytes) => file_response(
                &format!("{stem}.xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes,
                false,
            ),
            Err(e) => req.internal(e),
        },
        _ => req.not_found(),
    }
}

// ------------------------------------------------------------------ history

pub struct VersionView {
    pub version: u32,
    pub loaded_at: String,
    pub loaded_by: String,
    pub changes: Vec<ChangeView>,
}

pub struct ChangeView {
    pub sign: &'static str,
    pub text: String,
}

fn change_view(req: &Req, c: &Change) -> ChangeView {
    let m = c.message();
    ChangeView {
        sign: match c.change {
            ChangeKind::Added => "+",
            ChangeKind::Removed => "−",
            ChangeKind::Changed => "~",
        },
        text: if req.l.is_en() { m.en } else { m.zh },
    }
}

#[derive(Template)]
#[template(path = "plan_history.html")]
struct HistoryPage {
    ctx: Ctx,
    plan_id: String,
    versions: Vec<VersionView>,
}

pub async fn history(State(state): State<AppState>, req: Req) -> Response {
    if !may_view(&req) {
        return req.forbidden();
    }
    let l = req.l;
    let versions = match plans::history(state.store()).await {
        Ok(v) => v,
        Err(e) => return req.internal(e),
    };
    let versions = versions
        .into_iter()
        .rev()
        .map(|v| VersionView {
            version: v.version,
            loaded_at: l.timestamp(&v.loaded_at),
            loaded_by: v.loaded_by,
            changes: v
                .changes
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| serde_json::from_value::<Change>(c.clone()).ok())
                .map(|c| change_view(&req, &c))
                .collect(),
        })
        .collect();
    html(&HistoryPage {
        ctx: req.ctx(l.t("计划版本", "Plan versions")),
        plan_id: state.plan().meta.id.clone(),
        versions,
    })
}

// ------------------------------------------------------------------ amendment

#[derive(Template)]
#[template(path = "plan_update.html")]
struct UpdatePage {
    ctx: Ctx,
    file_name: String,
    from_version: u32,
    changes: Vec<ChangeView>,
    strands: Vec<String>,
    /// The confirmation form's fields, when the amendment may be applied.
    confirm: Option<(String, String)>,
}

/// What binds a confirmation to the user, the uploaded version and the version it was
/// compared with: a confirmation cannot be replayed on a later version or by another.
fn token(state: &AppState, username: &str, sha: &str, from_version: u32) -> String {
    state
        .services
        .key
        .blind_index(&format!("plan-update|{username}|{sha}|{from_version}"))
}

fn refuse_file(state: &AppState, req: &Req, message: String) -> Response {
    let mut p = plan_page(state, req);
    p.errors.push(ErrorLink::new("plan-file", message.clone()));
    p.file_error = message;
    html_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
}

fn update_page(
    state: &AppState,
    req: &Req,
    file_name: String,
    a: &Amendment,
    sha: &str,
) -> UpdatePage {
    let l = req.l;
    UpdatePage {
        ctx: req.ctx(l.t("修改计划", "Amend the plan")),
        file_name,
        from_version: a.current.version,
        changes: a.diff.changes.iter().map(|c| change_view(req, c)).collect(),
        strands: a
            .strands
            .iter()
            .map(|s| {
                if l.is_en() {
                    s.en.clone()
                } else {
                    s.zh.clone()
                }
            })
            .collect(),
        confirm: (a.may_apply() && !a.is_empty()).then(|| {
            (
                sha.to_string(),
                token(state, &req.actor().username, sha, a.current.version),
            )
        }),
    }
}

/// POST /admin/plan/update: the uploaded file (TOML or plan workbook) is checked whole
/// and compared with the loaded version; nothing is written but the pending upload.
pub async fn upload(State(state): State<AppState>, req: Req, mut multipart: Multipart) -> Response {
    let l = req.l;
    let broken = || {
        req.bad_request(l.t(
            "上传失败：文件过大或传输中断",
            "The upload failed: the file is too large or the transfer broke off",
        ))
    };
    let mut csrf = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "csrf_token" => csrf = field.text().await.ok(),
                "file" => {
                    let name = field.file_name().unwrap_or_default().to_string();
                    match field.bytes().await {
                        Ok(b) => file = Some((name, b.to_vec())),
                        Err(_) => return broken(),
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => return broken(),
        }
    }
    if let Err(r) = req.check_csrf(csrf.as_deref()) {
        return r;
    }
    if !req.actor().can_manage_users() {
        return req.forbidden();
    }
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        return refuse_file(
            &state,
            &req,
            l.t(
                "请选择计划文件（计划工作簿 .xlsx 或 .toml）",
                "Choose a plan file (a plan workbook .xlsx or a .toml file)",
            ),
        );
    };
    let Some(file_name) = duikou_app::evidence_store::clean_file_name(&name) else {
        return refuse_file(
            &state,
            &req,
            l.t("文件名无效", "The file name is not valid"),
        );
    };
    let read = tokio::task::spawn_blocking({
        let file_name = file_name.clone();
        move || plans::plan_from_bytes(&bytes, &file_name)
    })
    .await;
    let (new, source) = match read {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            return refuse_file(&state, &req, e.message().in_english(l.is_en()).to_string());
        }
        Err(e) => return req.internal(e),
    };
    let a = match plans::propose(state.store(), new, source).await {
        Ok(a) => a,
        Err(e) => return refuse_file(&state, &req, e.message().in_english(l.is_en()).to_string()),
    };
    // The checked version waits for the confirmation as its TOML text.
    let uploads = state.services.uploads.clone();
    let text = a.source.clone().into_bytes();
    let sha = match tokio::task::spawn_blocking(move || uploads.put(&text)).await {
        Ok(Ok(sha)) => sha,
        Ok(Err(e)) => return req.internal(e),
        Err(e) => return req.internal(e),
    };
    let status = if a.may_apply() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_status(status, &update_page(&state, &req, file_name, &a, &sha))
}

/// POST /admin/plan/confirm: apply the version checked on upload, if the loaded plan is
/// still the one it was compared with; then serve the new version.
pub async fn confirm(State(state): State<AppState>, req: Req, form: Form) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let l = req.l;
    let actor = req.actor();
    if !actor.can_manage_users() {
        return req.forbidden();
    }
    let sha = form.text("sha");
    let from_version: u32 = form.text("from_version").parse().unwrap_or(0);
    let expected = token(&state, &actor.username, &sha, from_version);
    if !constant_time_eq(expected.as_bytes(), form.text("token").as_bytes()) {
        return req.bad_request(l.t(
            "确认无效，请重新上传计划文件",
            "The confirmation is not valid; upload the plan file again",
        ));
    }
    let uploads = state.services.uploads.clone();
    let key = sha.clone();
    let source = match tokio::task::spawn_blocking(move || uploads.get(&key)).await {
        Ok(Ok(b)) => String::from_utf8(b).unwrap_or_default(),
        _ => {
            return req.bad_request(l.t(
                "上传的计划已过期，请重新上传",
                "The uploaded plan has expired; upload it again",
            ));
        }
    };
    let outcome = async {
        let (new, source) = plans::plan_from_bytes(source.as_bytes(), "plan.toml")?;
        let a = plans::propose(state.store(), new, source).await?;
        if a.current.version != from_version {
            return Err(duikou_app::error::AppError::input(
                format!(
                    "计划已被修改（现为第 {} 版）；请重新上传并查看差异",
                    a.current.version
                ),
                format!(
                    "the plan was changed meanwhile (it is at version {}); upload again and review the difference",
                    a.current.version
                ),
            ));
        }
        plans::apply(state.store(), &a, &actor.username).await?;
        state.store().plan().await.map_err(Into::into)
    }
    .await;
    match outcome {
        Ok(Some(plan)) => {
            state.services.uploads.remove(&sha);
            if let Ok(plans) = state.store().plans().await {
                let default = state.live.plans_default();
                state.live.set_plans(plans, default);
            }
            state.live.switch(state.with_plan(plan));
            see_other("/admin/plan?done=plan-updated")
        }
        Ok(None) => req.internal("the plan vanished"),
        Err(e) => refuse_file(&state, &req, e.message().in_english(l.is_en()).to_string()),
    }
}
