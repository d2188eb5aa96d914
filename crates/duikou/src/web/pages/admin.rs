//! Administration: users (create with an initial password shown once, disable and
//! enable, reset the password, change role and unit). The plan has its own pages (`plan.rs`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::ids::UserId;
use duikou_domain::roles::Role;
use duikou_domain::schema::UnitRule;

use super::forms::{Opt, OptGroup, unit_groups};
use super::{Ctx, ErrorLink, Form, Lang, Req, html, html_status, see_other};
use crate::web::AppState;

pub struct UserRow {
    pub id: UserId,
    pub name: String,
    pub role: String,
    pub unit: String,
    /// Where the daily digest goes (may be empty).
    pub email: String,
    pub disabled: bool,
    pub must_change: bool,
    pub is_self: bool,
    pub role_opts: Vec<Opt>,
    pub unit_groups: Vec<OptGroup>,
}

/// A password to hand over once, with whose it is.
pub struct NewPassword {
    pub username: String,
    pub password: String,
    pub created: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserRow>,
    role_opts: Vec<Opt>,
    unit_groups: Vec<OptGroup>,
    new_name: String,
    errors: Vec<ErrorLink>,
    name_error: String,
    role_error: String,
    new_email: String,
    email_error: String,
    shown: Option<NewPassword>,
    /// What was wrong with an uploaded workbook of accounts, line by line.
    import_problems: Vec<String>,
    roles_text: String,
}

fn role_opts(l: Lang, selected: Option<Role>) -> Vec<Opt> {
    Role::ALL
        .iter()
        .map(|r| Opt {
            value: r.key().into(),
            label: l.role(*r).into(),
            selected: selected == Some(*r),
        })
        .collect()
}

fn units(l: Lang, plan: &duikou_domain::plan::Plan, selected: Option<&str>) -> Vec<OptGroup> {
    let sel: Vec<String> = selected.map(|s| vec![s.to_string()]).unwrap_or_default();
    let mut g = vec![OptGroup {
        label: String::new(),
        options: vec![Opt {
            value: String::new(),
            label: l.s("（无）", "(none)").into(),
            selected: selected.is_none(),
        }],
    }];
    g.extend(unit_groups(l, plan, UnitRule::Any, &sel));
    g
}

async fn users_page(state: &AppState, req: &Req) -> Result<UsersPage, Response> {
    let l = req.l;
    let plan = state.plan();
    let list = state.store().users().await.map_err(|e| req.internal(e))?;
    let emails = state
        .store()
        .user_emails()
        .await
        .map_err(|e| req.internal(e))?;
    Ok(UsersPage {
        ctx: req.ctx(l.t("用户管理", "Users")),
        users: list
            .iter()
            .map(|u| UserRow {
                id: u.id,
                name: u.username.clone(),
                role: l.role(u.role).to_string(),
                unit: u.unit.clone().unwrap_or_default(),
                email: emails.get(&u.id).cloned().unwrap_or_default(),
                disabled: u.disabled,
                must_change: u.must_change_password,
                is_self: u.id == req.auth.user.id,
                role_opts: role_opts(l, Some(u.role)),
                unit_groups: units(l, plan, u.unit.as_deref()),
            })
            .collect(),
        role_opts: role_opts(l, Some(Role::Reporter)),
        unit_groups: units(l, plan, None),
        new_name: String::new(),
        errors: Vec::new(),
        name_error: String::new(),
        role_error: String::new(),
        new_email: String::new(),
        email_error: String::new(),
        shown: None,
        import_problems: Vec::new(),
        roles_text: Role::ALL
            .iter()
            .map(|r| format!("{}（{}）", r.label_zh(), r.key()))
            .collect::<Vec<_>>()
            .join("、"),
    })
}

fn in_language(l: Lang, e: &duikou_app::error::AppError) -> String {
    e.message().in_english(l.is_en()).to_string()
}

pub async fn users(State(state): State<AppState>, req: Req) -> Response {
    if !req.actor().can_manage_users() {
        return req.forbidden();
    }
    match users_page(&state, &req).await {
        Ok(p) => html(&p),
        Err(r) => r,
    }
}

pub async fn create_user(State(state): State<AppState>, req: Req, form: Form) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    if !req.actor().can_manage_users() {
        return req.forbidden();
    }
    let l = req.l;
    let mut page = match users_page(&state, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let name = form.text("username").trim().to_string();
    let role = form.text("role");
    let unit = form
        .get("unit")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    page.new_name = name.clone();
    page.role_opts = role_opts(l, Role::from_key(&role));
    page.unit_groups = units(l, state.plan(), unit.as_deref());
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        page.name_error = l.t(
            "用户名应为 1–64 个字符",
            "The username must be 1–64 characters",
        );
    } else {
        match state.store().user_by_name(&name).await {
            Ok(Some(_)) => {
                page.name_error = l.t(
                    format!("用户「{name}」已存在"),
                    format!("User \"{name}\" already exists"),
                )
            }
            Ok(None) => {}
            Err(e) => return req.internal(e),
        }
    }
    let checked = duikou_app::accounts::check_role_unit(state.plan(), &role, unit.as_deref());
    if let Err(e) = &checked {
        page.role_error = in_language(l, e);
    }
    if !page.name_error.is_empty() {
        page.errors
            .push(ErrorLink::new("new-username", page.name_error.clone()));
    }
    if !page.role_error.is_empty() {
        page.errors
            .push(ErrorLink::new("new-role", page.role_error.clone()));
    }
    page.new_email = form.text("email").trim().to_string();
    let email = match duikou_app::accounts::check_email(Some(&page.new_email)) {
        Ok(e) => e,
        Err(e) => {
            page.email_error = in_language(l, &e);
            page.errors
                .push(ErrorLink::new("new-email", page.email_error.clone()));
            None
        }
    };
    let (role, unit) = match checked {
        Ok(x) if page.errors.is_empty() => x,
        _ => return html_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
    };
    let password = duikou_storage::users::generate_password();
    let created = match state
        .store()
        .create_user(
            &name,
            role,
            unit.as_deref(),
            &password,
            &req.auth.user.username,
        )
        .await
    {
        Ok(u) => u,
        Err(e) => return req.internal(e),
    };
    if let Some(email) = &email {
        if let Err(e) = state
            .store()
            .set_user_email(created.id, Some(email), &req.auth.user.username)
            .await
        {
            return req.internal(e);
        }
    }
    let mut page = match users_page(&state, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    page.shown = Some(NewPassword {
        username: name,
        password,
        created: true,
    });
    html(&page)
}

pub async fn user_action(
    State(state): State<AppState>,
    req: Req,
    Path((id, action)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    if !req.actor().can_manage_users() {
        return req.forbidden();
    }
    let Some(id) = UserId::parse(&id) else {
        return req.not_found();
    };
    let l = req.l;
    let me = &req.auth.user.username;
    let user = match state.store().user_by_id(id).await {
        Ok(Some(u)) => u,
        Ok(None) => return req.not_found(),
        Err(e) => return req.internal(e),
    };
    let is_self = user.id == req.auth.user.id;
    match action.as_str() {
        "disable" | "enable" => {
            if is_self {
                return req.error(
                    StatusCode::CONFLICT,
                    l.t("不能停用自己", "You cannot disable yourself"),
                    l.t("请由另一位管理员操作。", "Ask another administrator."),
                );
            }
            match state
                .store()
                .update_user(id, user.role, user.unit.as_deref(), action == "disable", me)
                .await
            {
                Ok(()) => see_other("/admin/users?done=saved"),
                Err(e) => req.internal(e),
            }
        }
        "reset" => {
            let password = duikou_storage::users::generate_password();
            if let Err(e) = state.store().set_password(id, &password, true, me).await {
                return req.internal(e);
            }
            let mut page = match users_page(&state, &req).await {
                Ok(p) => p,
                Err(r) => return r,
            };
            page.shown = Some(NewPassword {
                username: user.username,
                password,
                created: false,
            });
            html(&page)
        }
        "role" => {
            if is_self {
                return req.error(
                    StatusCode::CONFLICT,
                    l.t("不能修改自己的角色", "You cannot change your own role"),
                    l.t("请由另一位管理员操作。", "Ask another administrator."),
                );
            }
            let unit = form.get("unit").map(str::trim).filter(|s| !s.is_empty());
            match duikou_app::accounts::check_role_unit(
                state.plan(),
                form.get("role").unwrap_or_default(),
                unit,
            ) {
                Ok((role, unit)) => match state
                    .store()
                    .update_user(id, role, unit.as_deref(), user.disabled, me)
                    .await
                {
                    Ok(()) => see_other("/admin/users?done=saved"),
                    Err(e) => req.internal(e),
                },
                Err(e) => {
                    let mut page = match users_page(&state, &req).await {
                        Ok(p) => p,
                        Err(r) => return r,
                    };
                    page.errors.push(ErrorLink::new(
                        &format!("user-{id}"),
                        format!("{}：{}", user.username, in_language(l, &e)),
                    ));
                    html_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
                }
            }
        }
        "email" => match duikou_app::accounts::check_email(form.get("email")) {
            Ok(email) => match state.store().set_user_email(id, email.as_deref(), me).await {
                Ok(()) => see_other("/admin/users?done=saved"),
                Err(e) => req.internal(e),
            },
            Err(e) => {
                let mut page = match users_page(&state, &req).await {
                    Ok(p) => p,
                    Err(r) => return r,
                };
                page.errors.push(ErrorLink::new(
                    &format!("email-{id}"),
                    format!("{}：{}", user.username, in_language(l, &e)),
                ));
                html_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
        },
        _ => req.not_found(),
    }
}

/// 批量导入用户: a workbook of accounts (用户名, 角色, 单位, optionally 电子邮件). All good:
/// the accounts are created and the answer is the password sheet itself, downloaded
/// once (nothing keeps the passwords). Any bad row: the page again, every problem named
/// by sheet, row and column, nothing created.
pub async fn import_users(
    State(state): State<AppState>,
    req: Req,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let l = req.l;
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
                        Err(_) => break,
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return req.bad_request(l.t(
                    "上传失败：文件过大或传输中断",
                    "The upload failed: the file is too large or the transfer broke off",
                ));
            }
        }
    }
    if let Err(r) = req.check_csrf(csrf.as_deref()) {
        return r;
    }
    if !req.actor().can_manage_users() {
        return req.forbidden();
    }
    let refused = |problems: Vec<String>| async {
        let mut page = match users_page(&state, &req).await {
            Ok(p) => p,
            Err(r) => return r,
        };
        for p in &problems {
            page.errors.push(ErrorLink::new("users-file", p.clone()));
        }
        page.import_problems = problems;
        html_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        return refused(vec![l.t(
            "请选择要上传的用户工作簿（.xlsx 或 .csv）",
            "Choose the workbook of users to upload (.xlsx or .csv)",
        )])
        .await;
    };
    let plans = match duikou_app::user_import::plans_for_accounts(state.store(), state.plan()).await
    {
        Ok(p) => p,
        Err(e) => return req.service_error(e),
    };
    match duikou_app::user_import::import_users(
        state.store(),
        &plans,
        &name,
        &bytes,
        &req.auth.user.username,
    )
    .await
    {
        Ok(accounts) => match duikou_app::user_import::password_sheet(&accounts) {
            Ok(book) => super::file_response(
                "初始密码.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                book,
                false,
            ),
            Err(e) => req.service_error(e),
        },
        Err(e @ duikou_app::error::AppError::Input(_)) => {
            let text = in_language(l, &e);
            refused(text.lines().map(str::to_string).collect()).await
        }
        Err(e) => req.service_error(e),
    }
}
