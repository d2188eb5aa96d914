//! The web pages: server-rendered HTML (askama templates compiled into the binary),
//! Chinese by default and English on request, working without JavaScript; htmx and
//! ECharts (vendored, served from /assets) only enhance them.
//!
//! Every handler takes [`Req`] (a signed-in user, redirecting to /login otherwise),
//! checks the CSRF token of every POST, and changes records only through
//! [`duikou_app::service::Services`], so the pages obey the same rules as the API.

// Handlers answer a refusal with a whole page: `Result<_, Response>` is the idiom.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod assets;
pub mod audit;
pub mod checklist;
pub mod dashboard;
pub mod downloads;
pub mod figures;
pub mod forms;
pub mod home;
pub mod i18n;
pub mod import;
pub mod leader;
pub mod login;
pub mod notices;
pub mod plan;
pub mod plans;
pub mod records;
pub mod recview;
pub mod review;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duikou_domain::roles::{Actor, Role};

use super::AppState;
use super::auth::{Authenticated, PageUser};
use duikou_app::service::ServiceError;
pub use i18n::Lang;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/password",
            get(login::password_form).post(login::password_submit),
        )
        .route("/lang", get(login::set_lang))
        .route("/dashboard", get(dashboard::page))
        .route("/leader", get(leader::page))
        .route("/explain", get(dashboard::explain))
        .route("/checklist", get(checklist::checklist))
        .route("/assess", get(checklist::assess))
        .route("/assess.xlsx", get(checklist::assess_xlsx))
        .route("/checklist.xlsx", get(checklist::checklist_xlsx))
        .route("/export/{file}", get(downloads::export))
        .route("/bulletin", get(downloads::bulletin))
        .route("/bulletin.xlsx", get(downloads::bulletin_xlsx))
        .route("/bulletin.html", get(downloads::bulletin_html))
        .route("/package.zip", get(downloads::package))
        .route("/records", get(records::index))
        .route("/records/{kind}", get(records::list))
        .route(
            "/records/{kind}/new",
            get(records::new_form).post(records::create),
        )
        .route("/records/{kind}/{id}", get(records::detail))
        .route(
            "/records/{kind}/{id}/edit",
            get(records::edit_form).post(records::update),
        )
        .route(
            "/records/{kind}/{id}/evidence",
            post(records::upload_evidence),
        )
        .route(
            "/records/{kind}/{id}/evidence/{eid}",
            get(records::download_evidence),
        )
        .route(
            "/records/{kind}/{id}/evidence/{eid}/view",
            get(records::view_evidence),
        )
        .route("/records/{kind}/{id}/{action}", post(records::action))
        .route("/review", get(review::queue).post(review::bulk))
        .route("/review/{id}/{action}", post(review::one))
        .route("/review/batches/{id}/{action}", post(review::acts::batch))
        .route("/review/matching", post(review::acts::matching))
        .route("/import", get(import::form).post(import::upload))
        .route("/import/confirm", post(import::confirm))
        .route("/import/report", get(import::report))
        .route("/import/template/{file}", get(import::template))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/import", post(admin::import_users))
        .route("/admin/users/{id}/{action}", post(admin::user_action))
        .route("/plans", get(plans::page).post(plans::choose))
        .route("/admin/plan", get(plan::plan))
        .route("/admin/plan/history", get(plan::history))
        .route("/admin/plan/update", post(plan::upload))
        .route("/admin/plan/confirm", post(plan::confirm))
        .route("/admin/plan/{file}", get(plan::download))
        .route("/audit", get(audit::page))
        .route("/notices", get(notices::page))
        .route("/notices/chase", post(notices::chase))
        .route("/assets/{*path}", get(assets::serve))
        .fallback(not_found)
}

/// Any other address: a page saying so (the API answers its own unknown routes).
async fn not_found(
    super::auth::MaybeUser(user): super::auth::MaybeUser,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    let l = Lang::from_headers(&headers);
    let heading = l.t("页面不存在", "Page not found");
    let message = l.t(
        "您要找的页面不存在。请检查地址，或从首页进入。",
        "There is no page at this address. Check it, or start from the home page.",
    );
    match user {
        Some(auth) if !auth.user.must_change_password => {
            let req = Req {
                auth,
                l,
                uri: uri.path().to_string(),
                plan_bar: None,
                notice_count: None,
            };
            error_page(
                req.ctx(heading.clone()),
                StatusCode::NOT_FOUND,
                heading,
                message,
            )
        }
        _ => error_page(
            Ctx::public(l, heading.clone(), uri.path()),
            StatusCode::NOT_FOUND,
            heading,
            message,
        ),
    }
}

// ------------------------------------------------------------------ layout

/// The signed-in user as the header shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub role: String,
    pub unit: String,
}

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the layout (base.html) needs on every page.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub l: Lang,
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    /// The link switching to the other language and back to this page.
    pub lang_href: String,
    pub other_lang: &'static str,
    pub other_lang_code: &'static str,
    pub asset_v: &'static str,
    /// Load ECharts on this page.
    pub charts: bool,
    /// A confirmation after a change ("已保存").
    pub notice: Option<String>,
    pub plan: Option<PlanBar>,
    /// The signed-in user's notices (通知), for the header's count.
    pub notices: Option<usize>,
}

impl Ctx {
    pub fn public(l: Lang, title: impl Into<String>, path: &str) -> Ctx {
        Ctx {
            l,
            title: title.into(),
            user: None,
            csrf: String::new(),
            nav: Vec::new(),
            lang_href: lang_href(l, path),
            other_lang: l.s("English", "中文"),
            other_lang_code: l.s("en", "zh-CN"),
            asset_v: assets::version(),
            charts: false,
            notice: None,
            plan: None,
            notices: None,
        }
    }
}

fn lang_href(l: Lang, path: &str) -> String {
    let to = if l.is_en() { "zh" } else { "en" };
    format!("/lang?to={to}&back={}", super::auth::urlencode(path))
}

fn nav_for(l: Lang, role: Role, path: &str) -> Vec<NavItem> {
    let all: &[(&str, &str, &str, &[Role])] = &[
        (
            "/",
            "首页",
            "Home",
            &[
                Role::Coordinator,
                Role::Reporter,
                Role::Receiver,
                Role::Viewer,
                Role::Auditor,
            ],
        ),
        (
            "/leader",
            "领导视图",
            "Leader's view",
            &[Role::Coordinator, Role::Auditor],
        ),
        (
            "/dashboard",
            "看板",
            "Dashboard",
            &[
                Role::Coordinator,
                Role::Reporter,
                Role::Receiver,
                Role::Viewer,
                Role::Auditor,
            ],
        ),
        (
            "/checklist",
            "工作清单",
            "Checklist",
            &[
                Role::Coordinator,
                Role::Reporter,
                Role::Receiver,
                Role::Viewer,
                Role::Auditor,
            ],
        ),
        (
            "/assess",
            "考核",
            "Assessment",
            &[
                Role::Coordinator,
                Role::Reporter,
                Role::Receiver,
                Role::Viewer,
                Role::Auditor,
            ],
        ),
        (
            "/records",
            "记录",
            "Records",
            &[
                Role::Coordinator,
                Role::Reporter,
                Role::Receiver,
                Role::Viewer,
                Role::Auditor,
            ],
        ),
        ("/review", "审核", "Review", &[Role::Coordinator]),
        (
            "/bulletin",
            "月度通报",
            "Bulletin",
            &[Role::Coordinator, Role::Viewer, Role::Auditor],
        ),
        (
            "/import",
            "导入",
            "Import",
            &[Role::Coordinator, Role::Reporter, Role::Receiver],
        ),
        (
            "/audit",
            "审计",
            "Audit",
            &[Role::Coordinator, Role::Auditor],
        ),
        ("/admin/users", "用户", "Users", &[Role::Admin]),
        (
            "/admin/plan",
            "计划",
            "Plan",
            &[Role::Admin, Role::Coordinator],
        ),
    ];
    let path = path.split('?').next().unwrap_or("/");
    all.iter()
        .filter(|(_, _, _, roles)| roles.contains(&role))
        .map(|(href, zh, en, _)| NavItem {
            href,
            label: l.s(zh, en),
            current: if *href == "/" {
                path == "/"
            } else {
                path == *href
                    || path.starts_with(&format!("{href}/"))
                    || path.starts_with(&format!("{href}."))
            },
        })
        .collect()
}

/// A confirmation named by `?done=` after a redirect (only known keys are shown).
fn notice_for(l: Lang, key: &str) -> Option<String> {
    let (zh, en) = match key {
        "saved" => ("已保存。", "Saved."),
        "plan-updated" => (
            "计划已更新，新版本即时生效。",
            "The plan was updated; the new version is in effect.",
        ),
        "created" => ("已创建记录。", "The record was created."),
        "submit" => ("已提交审核。", "Submitted for review."),
        "approve" => ("已审核通过。", "Approved."),
        "reject" => ("已退回。", "Rejected and returned to the reporting unit."),
        "reopen" => (
            "已重新打开，记录恢复为草稿。",
            "Reopened: the record is a draft again.",
        ),
        "confirm" => ("已确认到账。", "Receipt confirmed."),
        "correct" => ("已更正到账日期。", "The date received was corrected."),
        "revert-receipt" => (
            "已撤销到账确认，此笔资金不再计入考核数字，等待接收单位重新确认。",
            "The receipt was reverted: the money no longer counts until the payee confirms again.",
        ),
        "withdraw" => (
            "已撤回，记录恢复为草稿，可以修改后重新提交。",
            "Withdrawn: the record is a draft again; change it and submit it again.",
        ),
        "users-imported" => ("已批量创建用户。", "The users were created."),
        "dispute" => (
            "已退回复核，记录等待统筹协调单位重新审核。",
            "Disputed: the record is back in review by the coordinators.",
        ),
        "delete" => ("已删除。", "Deleted."),
        "evidence" => ("已上传佐证材料。", "The evidence file was uploaded."),
        "password" => ("密码已修改。", "Your password was changed."),
        "bulk" => ("已批量审核通过。", "The selected records were approved."),
        _ => return None,
    };
    Some(l.t(zh, en))
}

// ------------------------------------------------------------------ request

/// A signed-in page request: who, in which language, at which address.
pub struct Req {
    pub auth: Authenticated,
    pub l: Lang,
    /// Path and query of this request.
    pub uri: String,
    /// The plan this request is for, when the database holds several.
    pub plan_bar: Option<PlanBar>,
    /// How many notices the user has (`notices::count`); None for roles without any.
    pub notice_count: Option<usize>,
}

/// The plan a page is about, shown in the header when there is a choice.
#[derive(Debug, Clone)]
pub struct PlanBar {
    pub title: String,
    /// The user may switch to another plan.
    pub switchable: bool,
}

impl FromRequestParts<AppState> for Req {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let PageUser(auth) = PageUser::from_request_parts(parts, state).await?;
        let uri = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let plans = state.live.plans();
        let plan_bar = (plans.len() > 1).then(|| PlanBar {
            title: state.plan().meta.title.clone(),
            switchable: plans::visible_plans(state, auth.user.unit.as_deref()).len() > 1,
        });
        let notice_count = notices::count(state, &auth).await;
        Ok(Req {
            auth,
            l: Lang::from_headers(&parts.headers),
            uri,
            plan_bar,
            notice_count,
        })
    }
}

impl Req {
    pub fn actor(&self) -> Actor {
        self.auth.actor()
    }
    pub fn role(&self) -> Role {
        self.auth.user.role
    }

    pub fn ctx(&self, title: impl Into<String>) -> Ctx {
        let u = &self.auth.user;
        let mut c = Ctx::public(self.l, title, &self.uri);
        c.user = Some(NavUser {
            name: u.username.clone(),
            role: self.l.role(u.role).to_string(),
            unit: u.unit.clone().unwrap_or_default(),
        });
        c.csrf = self.auth.csrf_token.clone();
        c.nav = if u.must_change_password {
            Vec::new()
        } else {
            nav_for(self.l, u.role, &self.uri)
        };
        c.notice = query_param(&self.uri, "done").and_then(|k| notice_for(self.l, &k));
        c.plan = self.plan_bar.clone();
        c.notices = self.notice_count;
        c
    }

    /// 403 unless the form carries this session's CSRF token.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), Response> {
        if self.auth.check_csrf(sent) {
            Ok(())
        } else {
            Err(self.csrf_failed())
        }
    }

    pub fn csrf_failed(&self) -> Response {
        let l = self.l;
        self.error(
            StatusCode::FORBIDDEN,
            l.t("表单已过期", "The form has expired"),
            l.t("安全校验未通过（表单已过期或来自其他网站）。请返回上一页，刷新后重试。", "The security check failed (the form expired or came from another site). Go back, reload the page and try again."),
        )
    }

    pub fn error(&self, status: StatusCode, heading: String, message: String) -> Response {
        error_page(self.ctx(heading.clone()), status, heading, message)
    }

    pub fn forbidden(&self) -> Response {
        let l = self.l;
        self.error(
            StatusCode::FORBIDDEN,
            l.t("无权访问", "Not allowed"),
            l.t(
                "您的角色或单位无权进行此操作。",
                "Your role or unit does not allow this.",
            ),
        )
    }

    pub fn not_found(&self) -> Response {
        let l = self.l;
        self.error(
            StatusCode::NOT_FOUND,
            l.t("页面不存在", "Page not found"),
            l.t(
                "您要找的内容不存在，或您无权查看。",
                "What you asked for does not exist, or you may not see it.",
            ),
        )
    }

    pub fn bad_request(&self, message: String) -> Response {
        self.error(
            StatusCode::BAD_REQUEST,
            self.l.t("请求无效", "Invalid request"),
            message,
        )
    }

    pub fn internal(&self, detail: impl std::fmt::Display) -> Response {
        tracing::error!(error = %detail, "page failed");
        let l = self.l;
        self.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            l.t("系统出错", "Something went wrong"),
            l.t(
                "系统出错，请稍后重试或联系管理员。",
                "Something went wrong. Try again later or contact the administrator.",
            ),
        )
    }

    /// A refusal from the service rules as a page.
    pub fn service_error(&self, e: ServiceError) -> Response {
        let l = self.l;
        match e {
            ServiceError::Forbidden { zh, en } => self.error(
                StatusCode::FORBIDDEN,
                l.t("无权访问", "Not allowed"),
                l.t(zh, en),
            ),
            ServiceError::NotFound => self.not_found(),
            ServiceError::Conflict { zh, en } => self.error(
                StatusCode::CONFLICT,
                l.t("无法进行此操作", "This cannot be done now"),
                l.t(zh, en),
            ),
            ServiceError::Invalid { fields } => {
                let msg = fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{}：{}",
                            l.field(&f.field, &f.field_zh),
                            l.t(f.zh.clone(), f.en.clone())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("；");
                self.error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    l.t("输入有误", "There is a problem"),
                    msg,
                )
            }
            ServiceError::Input(m) => self.error(
                StatusCode::UNPROCESSABLE_ENTITY,
                l.t("输入有误", "There is a problem"),
                m.in_english(l.is_en()).to_string(),
            ),
            ServiceError::Failure(m) => self.internal(m),
        }
    }
}

/// One query parameter of a path-and-query, decoded.
pub fn query_param(uri: &str, name: &str) -> Option<String> {
    let q = uri.split_once('?')?.1;
    forms::parse_urlencoded(q.as_bytes())
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

// ------------------------------------------------------------------ responses

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: Ctx,
    pub heading: String,
    pub message: String,
}

pub fn error_page(ctx: Ctx, status: StatusCode, heading: String, message: String) -> Response {
    html_status(
        status,
        &ErrorPage {
            ctx,
            heading,
            message,
        },
    )
}

/// The layout with this user's header around content rendered beforehand (HTML,
/// already escaped by its own template).
#[derive(Template)]
#[template(path = "page.html")]
pub struct Page<'a> {
    pub ctx: Ctx,
    pub body: &'a str,
}

pub fn html<T: Template>(t: &T) -> Response {
    html_status(StatusCode::OK, t)
}

pub fn html_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error / 系统出错",
            )
                .into_response()
        }
    }
}

/// 303 See Other: after a POST, the browser GETs the next page.
pub fn see_other(to: &str) -> Response {
    // A header value must be visible ASCII: a local path with Chinese in its query
    // (`?q=张三`) would otherwise fail as a 500 instead of redirecting.
    let mut location = String::with_capacity(to.len());
    for b in to.bytes() {
        if b.is_ascii() {
            location.push(b as char);
        } else {
            location.push_str(&format!("%{b:02X}"));
        }
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// A local path only (no open redirects): `/x?y`, never `//host` or `http://`.
///
/// Browsers drop tabs and newlines anywhere in a URL, trim leading controls and spaces,
/// and read `\` as `/`, so `/\t/evil` or `/\evil` would become `//evil` (another origin).
/// Refusing every control, whitespace and backslash leaves nothing for them to rewrite;
/// then a single leading `/` not followed by another is a path on this origin.
pub fn safe_local(path: &str) -> Option<&str> {
    let mut chars = path.chars();
    let rooted = chars.next() == Some('/') && chars.next() != Some('/');
    let clean = !path
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    (rooted && clean).then_some(path)
}

// ------------------------------------------------------------------ forms

/// A url-encoded form body, keeping repeated keys (multi-selects, checkboxes).
pub struct Form {
    pub pairs: Vec<(String, String)>,
}

impl Form {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self, key: &str) -> String {
        self.get(key).unwrap_or_default().to_string()
    }
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn csrf(&self) -> Option<&str> {
        self.get("csrf_token")
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Form {
            pairs: forms::parse_urlencoded(&bytes),
        })
    }
}

/// A form that may carry files (`multipart/form-data`, the new-record form with its
/// evidence), or a plain url-encoded one: its fields as a [`Form`], and the files chosen
/// (a part with an empty file name and no bytes is no file: none was chosen).
pub struct FormWithFiles {
    pub form: Form,
    pub files: Vec<duikou_app::evidence_store::Upload>,
    /// The body could not be read whole (too large, cut off).
    pub broken: bool,
}

impl<S: Send + Sync> FromRequest<S> for FormWithFiles {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            return Ok(FormWithFiles {
                form: Form::from_request(req, state).await?,
                files: Vec::new(),
                broken: false,
            });
        }
        let mut parts = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut out = FormWithFiles {
            form: Form { pairs: Vec::new() },
            files: Vec::new(),
            broken: false,
        };
        loop {
            match parts.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_string();
                    match field.file_name().map(str::to_string) {
                        Some(file_name) => match field.bytes().await {
                            Ok(bytes) if file_name.is_empty() && bytes.is_empty() => {}
                            Ok(bytes) => out.files.push(duikou_app::evidence_store::Upload {
                                name: file_name,
                                bytes: bytes.to_vec(),
                            }),
                            Err(_) => {
                                out.broken = true;
                                break;
                            }
                        },
                        None => match field.text().await {
                            Ok(text) => out.form.pairs.push((name, text)),
                            Err(_) => {
                                out.broken = true;
                                break;
                            }
                        },
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    out.broken = true;
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// A line of the error summary at the top of a form, linking to its field.
#[derive(Debug, Clone)]
pub struct ErrorLink {
    pub href: String,
    pub text: String,
}

impl ErrorLink {
    pub fn new(field_id: &str, text: impl Into<String>) -> Self {
        ErrorLink {
            href: format!("#{field_id}"),
            text: text.into(),
        }
    }
}

/// A file to download (`attachment`) or to show in the browser (`inline`). The name is
/// given as ASCII for old browsers and as UTF-8 (RFC 5987) for the rest.
pub fn file_response(name: &str, content_type: &str, bytes: Vec<u8>, inline: bool) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(name, inline),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A download made by [`duikou_app::downloads`]: an attachment, streamed when it is a stream.
pub fn download_response(d: duikou_app::downloads::Download) -> Response {
    use duikou_app::downloads::Content;
    let body = match d.content {
        Content::Bytes(b) => axum::body::Body::from(b),
        Content::Stream(s) => axum::body::Body::from_stream(s),
    };
    let mut res = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, d.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&d.file_name, false),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response();
    if let Some(len) = d.len {
        res.headers_mut()
            .insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    }
    res
}

/// `attachment; filename="ascii"; filename*=UTF-8''…`: the name as ASCII for old
/// browsers and as UTF-8 (RFC 5987) for the rest.
pub fn content_disposition(name: &str, inline: bool) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        super::auth::urlencode(name)
    )
}
