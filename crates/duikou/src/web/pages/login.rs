//! Signing in and out, changing the password (required at first sign-in), and the
//! language switch.
//!
//! The sign-in form has no session yet, so it is guarded by a double-submit token:
//! a random value in a short-lived cookie that the form must repeat.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use duikou_app::sign_in::{
    PasswordChange, PasswordProblem, SignIn, change_own_password, check_change, sign_in,
};
use duikou_storage::passwords::MIN_PASSWORD_CHARS;
use serde::Deserialize;

use super::{
    Ctx, ErrorLink, Form, Lang, Req, error_page, html, html_status, safe_local, see_other,
};
use crate::web::AppState;
use crate::web::auth::{MaybeUser, clear_session_cookie, constant_time_eq, session_cookie};

const PRE_CSRF_COOKIE: &str = "duikou_login_csrf";

fn random_token() -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}

fn pre_csrf_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((PRE_CSRF_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .max_age(time::Duration::hours(2))
        .build()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    csrf: String,
    next: String,
    username: String,
    errors: Vec<ErrorLink>,
    username_error: Option<String>,
    password_error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn next_or_home(next: Option<&str>) -> String {
    next.and_then(safe_local)
        .filter(|n| !n.starts_with("/login") && !n.starts_with("/logout"))
        .unwrap_or("/")
        .to_string()
}

pub async fn form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    jar: CookieJar,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = next_or_home(q.next.as_deref());
    if user.is_some() {
        return see_other(&next);
    }
    let l = Lang::from_headers(&headers);
    let token = jar
        .get(PRE_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 48)
        .unwrap_or_else(random_token);
    let jar = jar.add(pre_csrf_cookie(token.clone(), state.secure_cookies));
    let page = LoginPage {
        ctx: Ctx::public(
            l,
            l.t("登录", "Sign in"),
            &format!("/login?next={}", crate::web::auth::urlencode(&next)),
        ),
        csrf: token,
        next,
        username: String::new(),
        errors: Vec::new(),
        username_error: None,
        password_error: None,
    };
    (jar, html(&page)).into_response()
}

pub async fn submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    form: Form,
) -> Response {
    let l = Lang::from_headers(&headers);
    let next = next_or_home(form.get("next"));
    let cookie = jar
        .get(PRE_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let sent = form.csrf().unwrap_or_default();
    if cookie.is_empty() || !constant_time_eq(cookie.as_bytes(), sent.as_bytes()) {
        let heading = l.t("表单已过期", "The form has expired");
        let msg = l.t("安全校验未通过。请重新打开登录页再登录（浏览器需允许 Cookie）。", "The security check failed. Open the sign-in page again and sign in (the browser must accept cookies).");
        return error_page(
            Ctx::public(l, heading.clone(), "/login"),
            StatusCode::FORBIDDEN,
            heading,
            msg,
        );
    }
    let username = form.text("username").trim().to_string();
    let password = form.text("password");
    let mut page = LoginPage {
        ctx: Ctx::public(l, l.t("登录", "Sign in"), "/login"),
        csrf: cookie.clone(),
        next: next.clone(),
        username: username.clone(),
        errors: Vec::new(),
        username_error: None,
        password_error: None,
    };
    if username.is_empty() {
        let m = l.t("请输入用户名", "Enter your username");
        page.errors.push(ErrorLink::new("username", m.clone()));
        page.username_error = Some(m);
    }
    if password.is_empty() {
        let m = l.t("请输入密码", "Enter your password");
        page.errors.push(ErrorLink::new("password", m.clone()));
        page.password_error = Some(m);
    }
    if !page.errors.is_empty() {
        return html_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let session = match sign_in(state.store(), &username, &password).await {
        Ok(SignIn::Welcome { session, .. }) => session,
        Ok(SignIn::Locked { seconds }) => {
            let m = l.t(
                format!("登录失败次数过多，请 {seconds} 秒后再试"),
                format!("Too many failed attempts; try again in {seconds} seconds"),
            );
            page.errors.push(ErrorLink::new("password", m.clone()));
            page.password_error = Some(m);
            return html_status(StatusCode::TOO_MANY_REQUESTS, &page);
        }
        Ok(SignIn::Refused) => {
            // One answer for every failure: no hint whether the user exists.
            let m = l.t(
                "用户名或密码不正确（或账号已停用）",
                "The username or password is wrong (or the account is disabled)",
            );
            page.errors.push(ErrorLink::new("password", m.clone()));
            page.password_error = Some(m);
            return html_status(StatusCode::UNAUTHORIZED, &page);
        }
        Err(e) => {
            tracing::error!(error = %e, "login failed");
            let h = l.t("系统出错", "Something went wrong");
            return error_page(
                Ctx::public(l, h.clone(), "/login"),
                StatusCode::INTERNAL_SERVER_ERROR,
                h,
                l.t("请稍后重试。", "Try again later."),
            );
        }
    };
    let jar = jar
        .add(session_cookie(&session.token, state.secure_cookies))
        .remove(Cookie::build(PRE_CSRF_COOKIE).path("/"));
    (jar, see_other(&next)).into_response()
}

pub async fn logout(
    State(state): State<AppState>,
    req: Req,
    jar: CookieJar,
    form: Form,
) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    if let Err(e) = state.store().end_session(&req.auth.token).await {
        return req.internal(e);
    }
    (jar.add(clear_session_cookie()), see_other("/login")).into_response()
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    first_time: bool,
    min_chars: usize,
    errors: Vec<ErrorLink>,
    current_error: Option<String>,
    new_error: Option<String>,
    confirm_error: Option<String>,
}

fn password_page(req: &Req) -> PasswordPage {
    let l = req.l;
    PasswordPage {
        ctx: req.ctx(l.t("修改密码", "Change your password")),
        first_time: req.auth.user.must_change_password,
        min_chars: MIN_PASSWORD_CHARS,
        errors: Vec::new(),
        current_error: None,
        new_error: None,
        confirm_error: None,
    }
}

pub async fn password_form(req: Req) -> Response {
    html(&password_page(&req))
}

pub async fn password_submit(
    State(state): State<AppState>,
    req: Req,
    jar: CookieJar,
    form: Form,
) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let l = req.l;
    let current = form.text("current_password");
    let new = form.text("new_password");
    let confirm = form.text("confirm_password");
    let mut page = password_page(&req);
    let user = &req.auth.user;
    let mut problems = check_change(user, &current, &new);
    if !problems.iter().any(|p| p.field == "new_password") && confirm != new {
        problems.push(PasswordProblem {
            field: "confirm_password",
            zh: "两次输入的新密码不一致".into(),
            en: "The two new passwords do not match".into(),
        });
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut session = None;
    if problems.is_empty() {
        match change_own_password(state.store(), user, &current, &new).await {
            Ok(PasswordChange::Changed { session: s, .. }) => session = Some(s),
            Ok(PasswordChange::Refused(p)) => problems = p,
            Ok(PasswordChange::Locked { seconds }) => {
                status = StatusCode::TOO_MANY_REQUESTS;
                problems.push(PasswordProblem {
                    field: "current_password",
                    zh: format!("尝试次数过多，请 {seconds} 秒后再试"),
                    en: format!("Too many attempts; try again in {seconds} seconds"),
                });
            }
            Err(e) => return req.internal(e),
        }
    }
    let Some(session) = session else {
        for p in problems {
            let m = l.t(p.zh, p.en);
            page.errors.push(ErrorLink::new(p.field, m.clone()));
            match p.field {
                "current_password" => page.current_error = Some(m),
                "new_password" => page.new_error = Some(m),
                _ => page.confirm_error = Some(m),
            }
        }
        return html_status(status, &page);
    };
    // Every other session of the user ended; this browser has the fresh one.
    (
        jar.add(session_cookie(&session.token, state.secure_cookies)),
        see_other("/?done=password"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: Option<String>,
    back: Option<String>,
}

/// Switch the language (a cookie for a year) and go back to the page.
pub async fn set_lang(jar: CookieJar, Query(q): Query<LangQuery>) -> Response {
    let value = if q.to.as_deref() == Some("en") {
        "en"
    } else {
        "zh"
    };
    let cookie = Cookie::build((super::i18n::LANG_COOKIE, value))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build();
    let back = q
        .back
        .as_deref()
        .and_then(safe_local)
        .unwrap_or("/")
        .to_string();
    (jar.add(cookie), see_other(&back)).into_response()
}
