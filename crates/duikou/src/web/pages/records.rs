//! Records: lists with filters and paging, forms generated from the schema, the detail
//! page with its review actions, evidence files and history. Every change goes through
//! `Services` (role, unit, state and validation rules); this module only shows.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::record::{FieldInput, Status, Transition};
use duikou_domain::roles::{Actor, Role};
use duikou_domain::schema::{BuiltinKind, FieldType, RecordKind};
use duikou_storage::records::{RecordQuery, StoredRecord};
use serde::Deserialize;

use super::forms::{
    FormField, Opt, OptGroup, build_fields, defaults_for, inputs_from_form, unit_groups,
    values_from_form, values_of,
};
use super::recview::{FieldView, date, field_views, summary};
use super::{
    Ctx, ErrorLink, Form, Lang, Req, file_response, html, html_status, safe_local, see_other,
};
use crate::web::AppState;
use crate::web::auth::urlencode;
use duikou_app::evidence_store::{MAX_EVIDENCE_BYTES, clean_file_name, content_type_for};
use duikou_app::service::{ServiceError, facts};

pub const PER_PAGE: u64 = 50;

/// A kind of the plan by its key (as in `/records/{kind}`).
pub fn parse_kind(plan: &duikou_domain::plan::Plan, s: &str) -> Option<RecordKind> {
    plan.kinds().iter().copied().find(|k| k.key() == s)
}

/// May this user start a new record of this kind (the unit is checked on saving)?
pub fn may_create(actor: &Actor, kind: RecordKind) -> bool {
    match actor.role {
        Role::Coordinator | Role::Reporter => true,
        Role::Receiver => actor.may_report_kind(kind),
        _ => false,
    }
}

// ------------------------------------------------------------------ index

pub struct KindCount {
    pub key: &'static str,
    pub label: String,
    pub count: u64,
    pub href: String,
    pub can_create: bool,
}

#[derive(Template)]
#[template(path = "records_index.html")]
struct IndexPage {
    ctx: Ctx,
    kinds: Vec<KindCount>,
    status_label: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub year: Option<String>,
    pub unit: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub async fn index(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<ListQuery>,
) -> Response {
    let actor = req.actor();
    let l = req.l;
    let status = nonempty(&q.status).and_then(Status::from_key);
    let mut kinds = Vec::new();
    for kind in state
        .plan()
        .kinds()
        .iter()
        .copied()
        .filter(|k| actor.can_list_kind(*k))
    {
        let rq = RecordQuery {
            kind: Some(kind),
            status,
            per_page: 1,
            ..Default::default()
        };
        let count = match crate::web::cache::list(&state, &req.auth, rq).await {
            Ok(listed) => listed.1,
            Err(e) => return req.service_error(e),
        };
        let href = match status {
            Some(s) => format!("/records/{}?status={}", kind.key(), s.key()),
            None => format!("/records/{}", kind.key()),
        };
        kinds.push(KindCount {
            key: kind.key(),
            label: l.kind(kind).to_string(),
            count,
            href,
            can_create: may_create(&actor, kind),
        });
    }
    let status_label = status.map(|s| l.status(s).to_string()).unwrap_or_default();
    html(&IndexPage {
        ctx: req.ctx(l.t("记录", "Records")),
        kinds,
        status_label,
    })
}

// ------------------------------------------------------------------ list

pub struct ListRow {
    pub href: String,
    pub id: i64,
    pub summary: String,
    pub unit: String,
    pub date: String,
    pub year: i32,
    pub status: String,
    pub status_key: &'static str,
    pub evidence: i32,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "records_list.html")]
struct ListPage {
    ctx: Ctx,
    kind_key: &'static str,
    kind_label: String,
    year_opts: Vec<Opt>,
    unit_groups: Vec<OptGroup>,
    status_opts: Vec<Opt>,
    search: String,
    rows: Vec<ListRow>,
    total: u64,
    page: u64,
    pages: u64,
    prev_href: String,
    next_href: String,
    can_create: bool,
    filtered: bool,
    /// Downloads of every record of the kind (of the chosen year), for those who may export.
    export_csv_href: String,
    export_xlsx_href: String,
    export_scope: String,
}

pub async fn list(
    State(state): State<AppState>,
    req: Req,
    Path(kind): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(kind) = parse_kind(state.plan(), &kind) else {
        return req.not_found();
    };
    let actor = req.actor();
    let l = req.l;
    let plan = state.plan();
    let year = nonempty(&q.year).and_then(|y| y.parse::<i32>().ok());
    let unit = nonempty(&q.unit)
        .and_then(|u| plan.resolve_unit(u))
        .map(|u| u.name.clone());
    let status = nonempty(&q.status).and_then(Status::from_key);
    let search = nonempty(&q.q).map(|s| s.chars().take(100).collect::<String>());
    let page = nonempty(&q.page)
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    let rq = RecordQuery {
        kind: Some(kind),
        year,
        reporting_unit: unit.clone(),
        status,
        search: search.clone(),
        page: page - 1,
        per_page: PER_PAGE,
        newest_first: true,
        ..Default::default()
    };
    let listed = match crate::web::cache::list(&state, &req.auth, rq).await {
        Ok(x) => x,
        Err(e) => return req.service_error(e),
    };
    let (records, total) = (&listed.0, listed.1);
    let pages = total.div_ceil(PER_PAGE).max(1);
    let rows = records
        .iter()
        .map(|r| ListRow {
            href: format!("/records/{}/{}", kind.key(), r.id),
            id: r.id,
            summary: summary(l, kind, &r.fields, r.id_masked.as_deref()),
            unit: r.reporting_unit.clone(),
            date: date(l, kind, &r.fields),
            year: r.plan_year,
            status: l.status(r.status).to_string(),
            status_key: r.status.key(),
            evidence: r.evidence_count,
            updated: l.timestamp(&r.updated_at),
        })
        .collect();
    let mut base = format!("/records/{}?", kind.key());
    if let Some(y) = year {
        base.push_str(&format!("year={y}&"));
    }
    if let Some(u) = &unit {
        base.push_str(&format!("unit={}&", urlencode(u)));
    }
    if let Some(s) = status {
        base.push_str(&format!("status={}&", s.key()));
    }
    if let Some(s) = &search {
        base.push_str(&format!("q={}&", urlencode(s)));
    }
    let mut year_opts = vec![Opt {
        value: String::new(),
        label: l.s("全部年度", "Any year").into(),
        selected: year.is_none(),
    }];
    year_opts.extend(plan.years().map(|y| Opt {
        value: y.to_string(),
        label: y.to_string(),
        selected: year == Some(y),
    }));
    let mut status_opts = vec![Opt {
        value: String::new(),
        label: l.s("全部状态", "Any status").into(),
        selected: status.is_none(),
    }];
    status_opts.extend(Status::ALL.iter().map(|s| Opt {
        value: s.key().into(),
        label: l.status(*s).into(),
        selected: status == Some(*s),
    }));
    let mut groups = vec![OptGroup {
        label: String::new(),
        options: vec![Opt {
            value: String::new(),
            label: l.s("全部单位", "Any unit").into(),
            selected: unit.is_none(),
        }],
    }];
    let sel: Vec<String> = unit.iter().cloned().collect();
    groups.extend(unit_groups(
        l,
        plan,
        duikou_domain::schema::UnitRule::Any,
        &sel,
    ));
    let (export_csv_href, export_xlsx_href, export_scope) = if actor.can_export() {
        let y = year.map(|y| format!("?year={y}")).unwrap_or_default();
        (
            format!("/export/{}.csv{y}", kind.key()),
            format!("/export/{}.xlsx{y}", kind.key()),
            match year {
                Some(y) => l.t(
                    format!("（{y} 年全部记录，身份证号脱敏）"),
                    format!("(every record of {y}, ID numbers masked)"),
                ),
                None => l.t(
                    "（全部年度的全部记录，身份证号脱敏）",
                    "(every record of every year, ID numbers masked)",
                ),
            },
        )
    } else {
        Default::default()
    };
    html(&ListPage {
        ctx: req.ctx(l.kind(kind).to_string()),
        export_csv_href,
        export_xlsx_href,
        export_scope,
        kind_key: kind.key(),
        kind_label: l.kind(kind).to_string(),
        year_opts,
        unit_groups: groups,
        status_opts,
        search: search.unwrap_or_default(),
        rows,
        total,
        page,
        pages,
        prev_href: if page > 1 {
            format!("{base}page={}", page - 1)
        } else {
            String::new()
        },
        next_href: if page < pages {
            format!("{base}page={}", page + 1)
        } else {
            String::new()
        },
        can_create: may_create(&actor, kind),
        filtered: year.is_some()
            || unit.is_some()
            || status.is_some()
            || q.q.as_deref().is_some_and(|s| !s.trim().is_empty()),
    })
}

// ------------------------------------------------------------------ forms

/// Fields a user does not fill in: a transfer's date of receipt is set when the payee
/// confirms it (only the coordinators enter it directly, e.g. for past years).
fn hidden_fields(actor: &Actor, kind: RecordKind) -> &'static [&'static str] {
    if kind.is(BuiltinKind::Transfer) && actor.role != Role::Coordinator {
        &["received_on"]
    } else {
        &[]
    }
}

#[derive(Template)]
#[template(path = "record_form.html")]
struct FormPage {
    ctx: Ctx,
    kind_key: &'static str,
    kind_label: String,
    editing: bool,
    id: i64,
    version: i32,
    action_url: String,
    back_href: String,
    fields: Vec<FormField>,
    errors: Vec<ErrorLink>,
}

/// Map the service's refusal onto the form: field errors next to their fields.
fn form_errors(
    l: Lang,
    kind: RecordKind,
    e: &ServiceError,
) -> (BTreeMap<String, String>, Vec<ErrorLink>) {
    let mut by_field = BTreeMap::new();
    let mut links = Vec::new();
    let fallback = kind.own_unit_field().unwrap_or("reporting_unit");
    match e {
        ServiceError::Invalid { fields } => {
            for f in fields {
                let known = kind.all_fields().any(|fd| fd.key == f.field);
                let key = if known {
                    f.field.clone()
                } else {
                    fallback.to_string()
                };
                let label = l.field(&f.field, &f.field_zh);
                let mut msg = l.t(f.zh.clone(), f.en.clone());
                if !f.value.is_empty() && f.field != "id_number" {
                    msg = format!("{msg}（{}）", f.value);
                }
                links.push(ErrorLink::new(
                    &format!("f-{key}"),
                    format!("{label}：{msg}"),
                ));
                by_field
                    .entry(key)
                    .and_modify(|m: &mut String| m.push_str(&format!("；{msg}")))
                    .or_insert(msg);
            }
        }
        ServiceError::Forbidden { zh, en } | ServiceError::Conflict { zh, en } => {
            let msg = l.t(zh.clone(), en.clone());
            links.push(ErrorLink::new(&format!("f-{fallback}"), msg.clone()));
            by_field.insert(fallback.to_string(), msg);
        }
        ServiceError::NotFound | ServiceError::Internal { .. } => {}
    }
    (by_field, links)
}

fn error_status(e: &ServiceError) -> StatusCode {
    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

pub async fn new_form(
    State(state): State<AppState>,
    req: Req,
    Path(kind): Path<String>,
) -> Response {
    let Some(kind) = parse_kind(state.plan(), &kind) else {
        return req.not_found();
    };
    let actor = req.actor();
    if !may_create(&actor, kind) {
        return req.forbidden();
    }
    let l = req.l;
    let values = defaults_for(kind, state.plan(), &actor);
    html(&FormPage {
        ctx: req.ctx(l.t(
            format!("新增{}", kind.label_zh()),
            format!("New: {}", kind.label_en()),
        )),
        kind_key: kind.key(),
        kind_label: l.kind(kind).to_string(),
        editing: false,
        id: 0,
        version: 0,
        action_url: format!("/records/{}/new", kind.key()),
        back_href: format!("/records/{}", kind.key()),
        fields: build_fields(
            l,
            state.plan(),
            kind,
            &values,
            &BTreeMap::new(),
            None,
            hidden_fields(&actor, kind),
        ),
        errors: Vec::new(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    req: Req,
    Path(kind): Path<String>,
    form: Form,
) -> Response {
    let Some(kind) = parse_kind(state.plan(), &kind) else {
        return req.not_found();
    };
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    if !may_create(&actor, kind) {
        return req.forbidden();
    }
    let submit = form.get("intent") == Some("submit");
    let mut inputs = inputs_from_form(kind, &form);
    for key in hidden_fields(&actor, kind) {
        inputs.remove(*key);
    }
    match state.services.create(&actor, kind, &inputs, submit).await {
        Ok(r) => see_other(&format!(
            "/records/{}/{}?done={}",
            kind.key(),
            r.id,
            if submit { "submit" } else { "created" }
        )),
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Forbidden { .. }
            | ServiceError::Conflict { .. }),
        ) => {
            let l = req.l;
            let (by_field, errors) = form_errors(l, kind, &e);
            let page = FormPage {
                ctx: req.ctx(l.t(
                    format!("新增{}", kind.label_zh()),
                    format!("New: {}", kind.label_en()),
                )),
                kind_key: kind.key(),
                kind_label: l.kind(kind).to_string(),
                editing: false,
                id: 0,
                version: 0,
                action_url: format!("/records/{}/new", kind.key()),
                back_href: format!("/records/{}", kind.key()),
                fields: build_fields(
                    l,
                    state.plan(),
                    kind,
                    &values_from_form(kind, &form),
                    &by_field,
                    None,
                    hidden_fields(&actor, kind),
                ),
                errors,
            };
            html_status(error_status(&e), &page)
        }
        Err(e) => req.service_error(e),
    }
}

async fn editable(
    state: &AppState,
    req: &Req,
    kind: RecordKind,
    id: i64,
) -> Result<StoredRecord, Response> {
    let actor = req.actor();
    let r = state
        .services
        .read(&actor, Some(kind), id)
        .await
        .map_err(|e| req.service_error(e))?;
    if !actor.can_edit(&facts(&r)) {
        return Err(req.forbidden());
    }
    if !r.status.is_editable() {
        let l = req.l;
        return Err(req.error(
            StatusCode::CONFLICT,
            l.t("记录不能修改", "The record cannot be changed"),
            l.t(
                format!(
                    "记录状态为「{}」，只有草稿或已退回的记录可以修改。",
                    r.status.label_zh()
                ),
                format!(
                    "The record is {}; only drafts and returned records can be changed.",
                    r.status.key()
                ),
            ),
        ));
    }
    Ok(r)
}

pub async fn edit_form(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id)): Path<(String, String)>,
) -> Response {
    let (Some(kind), Ok(id)) = (parse_kind(state.plan(), &kind), id.parse::<i64>()) else {
        return req.not_found();
    };
    let r = match editable(&state, &req, kind, id).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let l = req.l;
    let values = values_of(&r.fields, &r.notes, &r.reporting_unit, r.plan_year);
    html(&FormPage {
        ctx: req.ctx(l.t(
            format!("修改{} #{id}", kind.label_zh()),
            format!("Change {} #{id}", kind.label_en()),
        )),
        kind_key: kind.key(),
        kind_label: l.kind(kind).to_string(),
        editing: true,
        id,
        version: r.version,
        action_url: format!("/records/{}/{id}/edit", kind.key()),
        back_href: format!("/records/{}/{id}", kind.key()),
        fields: build_fields(
            l,
            state.plan(),
            kind,
            &values,
            &BTreeMap::new(),
            r.id_masked.as_deref(),
            hidden_fields(&req.actor(), kind),
        ),
        errors: Vec::new(),
    })
}

pub async fn update(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id)): Path<(String, String)>,
    form: Form,
) -> Response {
    let (Some(kind), Ok(id)) = (parse_kind(state.plan(), &kind), id.parse::<i64>()) else {
        return req.not_found();
    };
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let r = match editable(&state, &req, kind, id).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let actor = req.actor();
    let mut inputs = inputs_from_form(kind, &form);
    // A required ID number left empty keeps the stored one (never shown in the form).
    if let Some(fd) = kind
        .fields()
        .iter()
        .find(|f| f.ty == FieldType::IdNumber && f.required)
        && inputs.get(fd.key).is_none_or(|v| v.text.trim().is_empty())
        && let Some(plain) = r
            .id_cipher
            .as_deref()
            .and_then(|c| state.services.key.decrypt(c).ok())
    {
        inputs.insert(fd.key.to_string(), FieldInput::new(plain));
    }
    // Hidden fields keep what is stored.
    for key in hidden_fields(&actor, kind) {
        let stored = r
            .fields
            .get(*key)
            .map(duikou_domain::record::Value::display)
            .unwrap_or_default();
        inputs.insert(key.to_string(), FieldInput::new(stored));
    }
    let version = form.get("version").and_then(|v| v.parse::<i32>().ok());
    let submit = form.get("intent") == Some("submit");
    let result = match state
        .services
        .update(&actor, kind, id, &inputs, version)
        .await
    {
        Ok(after) if submit => {
            state
                .services
                .transition(
                    &actor,
                    kind,
                    id,
                    Transition::Submit,
                    None,
                    Some(after.version),
                )
                .await
        }
        other => other,
    };
    match result {
        Ok(_) => see_other(&format!(
            "/records/{}/{id}?done={}",
            kind.key(),
            if submit { "submit" } else { "saved" }
        )),
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::Forbidden { .. }
            | ServiceError::Conflict { .. }),
        ) => {
            let l = req.l;
            let (by_field, errors) = form_errors(l, kind, &e);
            let page = FormPage {
                ctx: req.ctx(l.t(
                    format!("修改{} #{id}", kind.label_zh()),
                    format!("Change {} #{id}", kind.label_en()),
                )),
                kind_key: kind.key(),
                kind_label: l.kind(kind).to_string(),
                editing: true,
                id,
                version: version.unwrap_or(r.version),
                action_url: format!("/records/{}/{id}/edit", kind.key()),
                back_href: format!("/records/{}/{id}", kind.key()),
                fields: build_fields(
                    l,
                    state.plan(),
                    kind,
                    &values_from_form(kind, &form),
                    &by_field,
                    r.id_masked.as_deref(),
                    hidden_fields(&actor, kind),
                ),
                errors,
            };
            html_status(error_status(&e), &page)
        }
        Err(e) => req.service_error(e),
    }
}

// ------------------------------------------------------------------ detail

pub struct EvidenceRow {
    pub name: String,
    pub size: String,
    pub by: String,
    pub at: String,
    pub href: String,
    pub view_href: String,
    pub is_image: bool,
}

pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "record_detail.html")]
pub struct DetailPage {
    ctx: Ctx,
    kind_key: &'static str,
    kind_label: String,
    id: i64,
    version: i32,
    status: String,
    status_key: &'static str,
    reject_reason: String,
    reporting_unit: String,
    plan_year: i32,
    notes: String,
    fields: Vec<FieldView>,
    id_masked: String,
    id_plain: String,
    can_unmask: bool,
    created: String,
    updated: String,
    imported_batch: String,
    can_edit: bool,
    can_submit: bool,
    can_review_submitted: bool,
    can_reopen: bool,
    can_dispute: bool,
    /// The last dispute, while the record awaits its new review: who, and why.
    dispute: Option<(String, String)>,
    can_confirm: bool,
    can_upload: bool,
    evidence: Vec<EvidenceRow>,
    history: Vec<HistoryRow>,
    errors: Vec<ErrorLink>,
    reason_error: String,
    received_error: String,
    upload_error: String,
    today: String,
    max_mb: usize,
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

fn action_label(l: Lang, action: &str) -> String {
    let (zh, en) = match action {
        "record.create" => ("创建", "Created"),
        "record.update" => ("修改", "Changed"),
        "record.submit" => ("提交审核", "Submitted"),
        "record.approve" => ("审核通过", "Approved"),
        "record.reject" => ("退回", "Rejected"),
        "record.reopen" => ("重新打开", "Reopened"),
        "record.dispute" => ("退回复核", "Disputed"),
        "record.confirm" => ("确认到账", "Receipt confirmed"),
        "record.delete" => ("删除", "Deleted"),
        "evidence.add" => ("上传佐证", "Evidence added"),
        "personal_data.unmask" => ("查看完整身份证号", "ID number shown in full"),
        other => return other.to_string(),
    };
    l.t(zh, en)
}

fn history_detail(
    l: Lang,
    kind: RecordKind,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let parse = |s: Option<&str>| {
        s.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    let (b, a) = (parse(before), parse(after));
    match action {
        "record.reject" | "record.reopen" | "record.dispute" => a
            .get("reason")
            .and_then(|r| r.as_str())
            .map(|r| format!("{}：{r}", l.s("理由", "Reason")))
            .unwrap_or_default(),
        "record.confirm" => a
            .get("received_on")
            .and_then(|r| r.as_str())
            .map(|d| format!("{}：{}", l.s("到账日期", "Received on"), l.date_text(d)))
            .unwrap_or_default(),
        "evidence.add" => a
            .get("file_name")
            .and_then(|r| r.as_str())
            .unwrap_or_default()
            .to_string(),
        "record.update" => {
            let (bf, af) = (
                b.get("fields").cloned().unwrap_or_default(),
                a.get("fields").cloned().unwrap_or_default(),
            );
            let mut changed: Vec<String> = kind
                .fields()
                .iter()
                .filter(|fd| bf.get(fd.key) != af.get(fd.key))
                .map(|fd| l.field(fd.key, fd.zh))
                .collect();
            for (k, zh) in [
                ("notes", "备注"),
                ("reporting_unit", "填报单位"),
                ("plan_year", "计划年度"),
            ] {
                if b.get(k) != a.get(k) {
                    changed.push(l.field(k, zh));
                }
            }
            if changed.is_empty() {
                String::new()
            } else {
                format!("{}：{}", l.s("改动", "Changed"), changed.join("、"))
            }
        }
        _ => String::new(),
    }
}

/// What the detail page needs besides the record, for re-rendering after an error.
#[derive(Default)]
struct DetailExtras {
    id_plain: Option<String>,
    errors: Vec<ErrorLink>,
    reason_error: String,
    received_error: String,
    upload_error: String,
}

async fn detail_page(
    state: &AppState,
    req: &Req,
    r: &StoredRecord,
    extras: DetailExtras,
) -> Result<DetailPage, Response> {
    let l = req.l;
    let actor = req.actor();
    let f = facts(r);
    let kind = r.kind;
    let evidence = state
        .store()
        .evidence_of(r.id)
        .await
        .map_err(|e| req.internal(e))?;
    let history = state
        .store()
        .history(kind.key(), &r.id.to_string())
        .await
        .map_err(|e| req.internal(e))?;
    let can_edit = actor.can_edit(&f) && r.status.is_editable();
    Ok(DetailPage {
        ctx: req.ctx(format!("{} #{}", l.kind(kind), r.id)),
        kind_key: kind.key(),
        kind_label: l.kind(kind).to_string(),
        id: r.id,
        version: r.version,
        status: l.status(r.status).to_string(),
        status_key: r.status.key(),
        reject_reason: r.reject_reason.clone().unwrap_or_default(),
        reporting_unit: r.reporting_unit.clone(),
        plan_year: r.plan_year,
        notes: r.notes.clone(),
        fields: field_views(l, kind, &r.fields, None),
        id_masked: r.id_masked.clone().unwrap_or_default(),
        id_plain: extras.id_plain.unwrap_or_default(),
        can_unmask: r.id_masked.is_some() && actor.can_unmask(&f),
        created: format!("{} · {}", r.created_by, l.timestamp(&r.created_at)),
        updated: format!("{} · {}", r.updated_by, l.timestamp(&r.updated_at)),
        imported_batch: r.import_batch_id.map(|b| b.to_string()).unwrap_or_default(),
        can_edit,
        can_submit: actor.can_submit(&f) && Transition::Submit.apply(r.status).is_some(),
        can_review_submitted: actor.can_review() && r.status == Status::Submitted,
        can_reopen: actor.can_review() && Transition::Reopen.apply(r.status).is_some(),
        can_dispute: actor.can_dispute(&f) && Transition::Dispute.apply(r.status).is_some(),
        dispute: open_dispute(r, &history),
        can_confirm: actor.can_confirm(&f)
            && !r.fields.contains_key("received_on")
            && r.status != Status::Rejected,
        can_upload: may_upload(&actor, r),
        evidence: evidence
            .iter()
            .map(|e| {
                let base = format!("/records/{}/{}/evidence/{}", kind.key(), r.id, e.id);
                let previewable =
                    e.content_type.starts_with("image/") || e.content_type == "application/pdf";
                EvidenceRow {
                    name: e.file_name.clone(),
                    size: size_text(e.size),
                    by: e.uploaded_by.clone(),
                    at: l.timestamp(&e.uploaded_at),
                    view_href: if previewable {
                        format!("{base}/view")
                    } else {
                        String::new()
                    },
                    is_image: e.content_type.starts_with("image/"),
                    href: base,
                }
            })
            .collect(),
        history: history
            .iter()
            .map(|h| HistoryRow {
                at: l.timestamp(&h.at),
                actor: h.actor.clone(),
                action: action_label(l, &h.action),
                detail: history_detail(l, kind, &h.action, h.before.as_deref(), h.after.as_deref()),
            })
            .collect(),
        errors: extras.errors,
        reason_error: extras.reason_error,
        received_error: extras.received_error,
        upload_error: extras.upload_error,
        today: duikou_domain::record::format_date(duikou_app::assessment::today()),
        max_mb: MAX_EVIDENCE_BYTES / 1024 / 1024,
    })
}

/// The dispute a submitted record is back in review for: the last review event was a
/// dispute (an approval, rejection or new submission settles it).
fn open_dispute(
    r: &StoredRecord,
    history: &[duikou_storage::entities::audit_log::Model],
) -> Option<(String, String)> {
    if r.status != Status::Submitted {
        return None;
    }
    let last = history.iter().rev().find(|h| {
        h.action
            .strip_prefix("record.")
            .and_then(Transition::from_key)
            .is_some()
    })?;
    if last.action != "record.dispute" {
        return None;
    }
    let reason = last
        .after
        .as_deref()
        .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
        .and_then(|a| a.get("reason").and_then(|r| r.as_str()).map(str::to_string))
        .unwrap_or_default();
    Some((last.actor.clone(), reason))
}

/// Evidence may be added by whoever may change the record, the payee confirming
/// receipt, and the coordinators.
fn may_upload(actor: &Actor, r: &StoredRecord) -> bool {
    actor.can_attach_evidence(&facts(r))
}

pub async fn detail(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id)): Path<(String, String)>,
) -> Response {
    let (Some(kind), Ok(id)) = (parse_kind(state.plan(), &kind), id.parse::<i64>()) else {
        return req.not_found();
    };
    let r = match state.services.read(&req.actor(), Some(kind), id).await {
        Ok(r) => r,
        Err(e) => return req.service_error(e),
    };
    match detail_page(&state, &req, &r, DetailExtras::default()).await {
        Ok(p) => html(&p),
        Err(resp) => resp,
    }
}

/// A review action, confirmation, deletion or ID reveal from the detail page.
pub async fn action(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id, action)): Path<(String, String, String)>,
    form: Form,
) -> Response {
    let (Some(kind), Ok(id)) = (parse_kind(state.plan(), &kind), id.parse::<i64>()) else {
        return req.not_found();
    };
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    let l = req.l;
    let version = form.get("version").and_then(|v| v.parse::<i32>().ok());
    let back = form.get("back").and_then(safe_local).map(str::to_string);
    let done = |what: &str| {
        let to = back
            .clone()
            .unwrap_or_else(|| format!("/records/{}/{id}", kind.key()));
        let sep = if to.contains('?') { '&' } else { '?' };
        see_other(&format!("{to}{sep}done={what}"))
    };
    let result = match action.as_str() {
        "unmask" => {
            let r = match state.services.read(&actor, Some(kind), id).await {
                Ok(r) => r,
                Err(e) => return req.service_error(e),
            };
            return match state.services.unmasked_id(&actor, &r).await {
                Ok(plain) => match detail_page(
                    &state,
                    &req,
                    &r,
                    DetailExtras {
                        id_plain: plain,
                        ..Default::default()
                    },
                )
                .await
                {
                    Ok(p) => html(&p),
                    Err(resp) => resp,
                },
                Err(e) => req.service_error(e),
            };
        }
        "delete" => {
            return match state.services.delete(&actor, kind, id).await {
                Ok(()) => see_other(&format!("/records/{}?done=delete", kind.key())),
                Err(e @ ServiceError::Conflict { .. }) => {
                    rerender(&state, &req, kind, id, e, "").await
                }
                Err(e) => req.service_error(e),
            };
        }
        "confirm" => {
            state
                .services
                .confirm(&actor, id, form.get("received_on").unwrap_or_default())
                .await
        }
        other => match Transition::from_key(other) {
            Some(t) => {
                state
                    .services
                    .transition(&actor, kind, id, t, form.get("reason"), version)
                    .await
            }
            None => return req.not_found(),
        },
    };
    match result {
        Ok(_) => done(&action),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            let field = match &e {
                ServiceError::Invalid { fields } => {
                    fields.first().map(|f| f.field.clone()).unwrap_or_default()
                }
                _ => String::new(),
            };
            let target = match (action.as_str(), field.as_str()) {
                (_, "received_on") | ("confirm", _) => "received_on",
                ("reject", _) => "reason-reject",
                ("reopen", _) => "reason-reopen",
                ("dispute", _) => "reason-dispute",
                _ => "",
            };
            let _ = l;
            rerender(&state, &req, kind, id, e, target).await
        }
        Err(e) => req.service_error(e),
    }
}

/// Show the detail page again with the refusal at the top and next to its field.
async fn rerender(
    state: &AppState,
    req: &Req,
    kind: RecordKind,
    id: i64,
    e: ServiceError,
    field_id: &str,
) -> Response {
    let l = req.l;
    let r = match state.services.read(&req.actor(), Some(kind), id).await {
        Ok(r) => r,
        Err(e) => return req.service_error(e),
    };
    let msg = match &e {
        ServiceError::Invalid { fields } => fields
            .iter()
            .map(|f| l.t(f.zh.clone(), f.en.clone()))
            .collect::<Vec<_>>()
            .join("；"),
        ServiceError::Conflict { zh, en } | ServiceError::Forbidden { zh, en } => {
            l.t(zh.clone(), en.clone())
        }
        _ => e.message(),
    };
    let mut extras = DetailExtras {
        errors: vec![ErrorLink::new(
            if field_id.is_empty() {
                "actions"
            } else {
                field_id
            },
            msg.clone(),
        )],
        ..Default::default()
    };
    match field_id {
        "received_on" => extras.received_error = msg,
        "reason-reject" | "reason-reopen" | "reason-dispute" => extras.reason_error = msg,
        "evidence-file" => extras.upload_error = msg,
        _ => {}
    }
    match detail_page(state, req, &r, extras).await {
        Ok(p) => html_status(
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::CONFLICT),
            &p,
        ),
        Err(resp) => resp,
    }
}

// ------------------------------------------------------------------ evidence

pub async fn upload_evidence(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Response {
    let (Some(kind), Ok(id)) = (parse_kind(state.plan(), &kind), id.parse::<i64>()) else {
        return req.not_found();
    };
    let l = req.l;
    let mut csrf = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                if name == "csrf_token" {
                    csrf = field.text().await.ok();
                } else if name == "file" {
                    let fname = field.file_name().unwrap_or_default().to_string();
                    match field.bytes().await {
                        Ok(b) => file = Some((fname, b.to_vec())),
                        Err(_) => return upload_refused(&state, &req, kind, id, l.t(format!("文件过大（上限 {} MB）", MAX_EVIDENCE_BYTES / 1024 / 1024), format!("The file is too large (at most {} MB)", MAX_EVIDENCE_BYTES / 1024 / 1024))).await,
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return req.bad_request(l.t(format!("上传失败：文件过大（上限 {} MB）或传输中断", MAX_EVIDENCE_BYTES / 1024 / 1024), format!("The upload failed: the file is too large (at most {} MB) or the transfer broke off", MAX_EVIDENCE_BYTES / 1024 / 1024))),
        }
    }
    if let Err(r) = req.check_csrf(csrf.as_deref()) {
        return r;
    }
    let actor = req.actor();
    let r = match state.services.read(&actor, Some(kind), id).await {
        Ok(r) => r,
        Err(e) => return req.service_error(e),
    };
    if !may_upload(&actor, &r) {
        return req.forbidden();
    }
    let Some((raw_name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        return upload_refused(
            &state,
            &req,
            kind,
            id,
            l.t("请选择要上传的文件", "Choose a file to upload"),
        )
        .await;
    };
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return upload_refused(
            &state,
            &req,
            kind,
            id,
            l.t(
                format!("文件过大（上限 {} MB）", MAX_EVIDENCE_BYTES / 1024 / 1024),
                format!(
                    "The file is too large (at most {} MB)",
                    MAX_EVIDENCE_BYTES / 1024 / 1024
                ),
            ),
        )
        .await;
    }
    let Some(name) = clean_file_name(&raw_name) else {
        return upload_refused(
            &state,
            &req,
            kind,
            id,
            l.t("文件名无效", "The file name is not valid"),
        )
        .await;
    };
    let Some(content_type) = content_type_for(&name) else {
        return upload_refused(
            &state,
            &req,
            kind,
            id,
            l.t("不支持此文件类型；可上传图片（jpg、png、gif）、PDF、Word、Excel、txt、csv、zip", "This type of file is not accepted: upload images (jpg, png, gif), PDF, Word, Excel, txt, csv or zip"),
        )
        .await;
    };
    let evidence = state.services.evidence.clone();
    let size = bytes.len() as i64;
    let sha = match tokio::task::spawn_blocking(move || evidence.put(&bytes)).await {
        Ok(Ok(sha)) => sha,
        Ok(Err(e)) => return req.internal(e),
        Err(e) => return req.internal(e),
    };
    match state
        .store()
        .add_evidence(id, &sha, &name, content_type, size, &actor.username)
        .await
    {
        Ok(_) => see_other(&format!("/records/{}/{id}?done=evidence", kind.key())),
        Err(e) => req.service_error(e.into()),
    }
}

async fn upload_refused(
    state: &AppState,
    req: &Req,
    kind: RecordKind,
    id: i64,
    msg: String,
) -> Response {
    rerender(
        state,
        req,
        kind,
        id,
        ServiceError::Invalid {
            fields: vec![duikou_domain::record::FieldError {
                field: "file".into(),
                field_zh: "文件".into(),
                value: String::new(),
                zh: msg.clone(),
                en: msg,
            }],
        },
        "evidence-file",
    )
    .await
}

async fn evidence_file(
    state: &AppState,
    req: &Req,
    kind: &str,
    id: &str,
    eid: &str,
) -> Result<(duikou_storage::entities::evidence::Model, Vec<u8>), Response> {
    let (Some(kind), Ok(id), Ok(eid)) = (
        parse_kind(state.plan(), kind),
        id.parse::<i64>(),
        eid.parse::<i64>(),
    ) else {
        return Err(req.not_found());
    };
    state
        .services
        .read(&req.actor(), Some(kind), id)
        .await
        .map_err(|e| req.service_error(e))?;
    let ev = match state.store().evidence_by_id(eid).await {
        Ok(Some(ev)) if ev.record_id == id => ev,
        Ok(_) => return Err(req.not_found()),
        Err(e) => return Err(req.internal(e)),
    };
    let store = state.services.evidence.clone();
    let sha = ev.sha256.clone();
    match tokio::task::spawn_blocking(move || store.get(&sha)).await {
        Ok(Ok(bytes)) => Ok((ev, bytes)),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => Err(req.not_found()),
        Ok(Err(e)) => Err(req.internal(e)),
        Err(e) => Err(req.internal(e)),
    }
}

pub async fn download_evidence(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id, eid)): Path<(String, String, String)>,
) -> Response {
    match evidence_file(&state, &req, &kind, &id, &eid).await {
        Ok((ev, bytes)) => file_response(&ev.file_name, &ev.content_type, bytes, false),
        Err(r) => r,
    }
}

pub async fn view_evidence(
    State(state): State<AppState>,
    req: Req,
    Path((kind, id, eid)): Path<(String, String, String)>,
) -> Response {
    match evidence_file(&state, &req, &kind, &id, &eid).await {
        Ok((ev, bytes))
            if ev.content_type.starts_with("image/") || ev.content_type == "application/pdf" =>
        {
            file_response(&ev.file_name, &ev.content_type, bytes, true)
        }
        Ok((ev, bytes)) => file_response(&ev.file_name, &ev.content_type, bytes, false),
        Err(r) => r,
    }
}
