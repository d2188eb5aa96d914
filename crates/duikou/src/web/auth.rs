//! Who is asking: a session cookie (browsers) or a bearer token (scripts), both
//! sessions held in the database and looked up on every request (in one statement
//! with the change number). CSRF tokens guard every cookie-borne change.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use duikou_domain::roles::Actor;
use duikou_storage::users::User;

use super::AppState;

pub const SESSION_COOKIE: &str = "duikou_session";
/// Sessions end after this long, whatever happens.
pub use duikou_app::sign_in::SESSION_LIFETIME;

/// A signed-in user and how they proved it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub csrf_token: String,
    /// The session token (to end it at sign-out).
    pub token: String,
    /// Came with a cookie (CSRF applies) rather than a bearer token.
    pub via_cookie: bool,
    /// The database's change number, read with the session: what this request's
    /// cached figures and lists are keyed by (`super::cache`).
    pub change_seq: i64,
    /// The user's unit takes part in the plan this request is for (a user without a
    /// unit takes part in every plan). Otherwise only the plan switcher answers.
    pub in_plan: bool,
}

impl Authenticated {
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }
    /// For cookie-borne requests that change something: the token sent must match.
    pub fn check_csrf(&self, sent: Option<&str>) -> bool {
        if !self.via_cookie {
            return true;
        }
        sent.is_some_and(|s| constant_time_eq(s.as_bytes(), self.csrf_token.as_bytes()))
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    for v in headers.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for c in Cookie::split_parse(s).flatten() {
            if c.name() == SESSION_COOKIE {
                return Some(c.value().to_string());
            }
        }
    }
    None
}

/// Resolve the session of a request, if any.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Option<Authenticated> {
    let (token, via_cookie) = match bearer(headers) {
        Some(t) => (t, false),
        None => (cookie_token(headers)?, true),
    };
    if token.len() > 128 {
        return None;
    }
    let (user, csrf_token, change_seq) = state.store().session_user_seq(&token).await.ok()??;
    let in_plan = user
        .unit
        .as_deref()
        .is_none_or(|u| state.plan().unit(u).is_some());
    Some(Authenticated {
        user,
        csrf_token,
        token,
        via_cookie,
        change_seq,
        in_plan,
    })
}

/// The session cookie for a new session.
pub fn session_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token.to_string()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .max_age(time::Duration::hours(8))
        .build()
}

pub fn clear_session_cookie() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(time::Duration::ZERO)
        .build()
}

/// Extractor for the JSON API: 401 JSON without a valid login, 403 while the initial
/// (or an administrator's reset) password is still in use — a token or cookie of such
/// a session must not read or write anything until the password is changed.
pub struct ApiUser(pub Authenticated);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ApiSelf(a) = ApiSelf::from_request_parts(parts, state).await?;
        if a.user.must_change_password {
            return Err(password_change_required());
        }
        if !a.in_plan {
            return Err(not_in_plan(state));
        }
        Ok(ApiUser(a))
    }
}

/// Extractor for the few API routes a session that must change its password may use:
/// who am I, change the password, sign out.
pub struct ApiSelf(pub Authenticated);

impl FromRequestParts<AppState> for ApiSelf {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(state, &parts.headers).await {
            Some(a) => Ok(ApiSelf(a)),
            None => Err((
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                axum::Json(serde_json::json!({ "error": "unauthorized", "message": "请先登录 / sign in first", "fields": [] })),
            )
                .into_response()),
        }
    }
}

/// A user whose unit has no part in the plan asked for: nothing of it answers.
pub fn not_in_plan(state: &AppState) -> Response {
    let id = &state.plan().meta.id;
    (
        StatusCode::FORBIDDEN,
        axum::Json(serde_json::json!({
            "error": "not_in_plan",
            "message": format!("你的单位不在计划 {id} 中；请选择你参与的计划（cookie {}，或页面 /plans） / your unit takes no part in plan {id}; choose a plan you take part in (/plans)", super::live::PLAN_COOKIE),
            "fields": [],
        })),
    )
        .into_response()
}

pub fn password_change_required() -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(serde_json::json!({
            "error": "password_change_required",
            "message": "请先修改初始密码（POST /api/v1/me/password），之后才能使用其他接口 / change your initial password first (POST /api/v1/me/password); until then no other route answers",
            "fields": [],
        })),
    )
        .into_response()
}

/// Extractor for pages: a redirect to the sign-in page without a valid login, and to
/// the change-password page while the initial password is still in use.
pub struct PageUser(pub Authenticated);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(state, &parts.headers).await {
            Some(a) => {
                let path = parts.uri.path();
                if a.user.must_change_password && path != "/password" && path != "/logout" {
                    return Err(Redirect::to("/password").into_response());
                }
                if !a.in_plan && !matches!(path, "/plans" | "/logout" | "/password") {
                    return Err(Redirect::to("/plans").into_response());
                }
                Ok(PageUser(a))
            }
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = if next.starts_with('/') && !next.starts_with("//") {
                    next
                } else {
                    "/"
                };
                Err(Redirect::to(&format!("/login?next={}", urlencode(target))).into_response())
            }
        }
    }
}

/// Optional login, for pages that anyone may see (sign-in page, assets).
pub struct MaybeUser(pub Option<Authenticated>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(authenticate(state, &parts.headers).await))
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"xbc"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        let a = [7u8; 64];
        for i in 0..64 {
            let mut b = a;
            b[i] ^= 1;
            assert!(!constant_time_eq(&a, &b), "a difference at byte {i}");
        }
    }
}
