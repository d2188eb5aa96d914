//! The signed-in user: who am I, and changing the password. These (with sign-out) are
//! the only routes a session that must change its initial password may call
//! (`auth::ApiSelf`); every other route answers 403 `password_change_required`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use duikou_app::sign_in::{PasswordChange as Changed, change_own_password};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{ApiError, ApiResult, ErrorBody, check_csrf, no_store, parse_body, user_json};
use crate::web::AppState;
use crate::web::auth::{self, ApiSelf};

/// Who this session belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses(
        (status = 200, description = "The user of this session; `must_change_password` true means only this route, `POST /api/v1/me/password` and sign-out answer",
            body = serde_json::Value, example = json!({"id": 2, "username": "清溪镇", "role": "reporter", "role_zh": "填报单位", "unit": "清溪镇", "must_change_password": true})),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub(super) async fn me(ApiSelf(user): ApiSelf) -> Response {
    no_store(axum::Json(user_json(&user.user)).into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"current_password": "initial-password", "new_password": "kettle-orbit-Nanjing-47"}))]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change the password (the initial one must be changed before anything else). Every
/// session of the user ends, this one included; the answer carries a fresh session.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth",
    request_body = PasswordChange,
    params(("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    responses(
        (status = 200, description = "Changed. Use the new `token` (and `csrf_token`): the old session has ended",
            body = serde_json::Value, example = json!({"token": "64 hex digits", "csrf_token": "64 hex digits", "expires_in": 28800, "must_change_password": false,
                "user": {"id": 2, "username": "清溪镇", "role": "reporter", "role_zh": "填报单位", "unit": "清溪镇", "must_change_password": false}})),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Cookie session without the CSRF token", body = ErrorBody),
        (status = 422, description = "Current password wrong, or the new one too weak (the reason in `fields`)", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords: locked; see Retry-After (seconds)", body = ErrorBody),
    ))]
pub(super) async fn change_password(
    State(state): State<AppState>,
    ApiSelf(session): ApiSelf,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&session, &headers)?;
    let req: PasswordChange = parse_body(&headers, &body, true)?;
    let (user, fresh) = match change_own_password(
        state.store(),
        &session.user,
        &req.current_password,
        &req.new_password,
    )
    .await?
    {
        Changed::Changed { user, session } => (user, session),
        Changed::Refused(problems) => {
            let p = &problems[0];
            return Err(ApiError::invalid(p.field, "", p.zh.clone(), p.en.clone()));
        }
        Changed::Locked { seconds } => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                format!("尝试次数过多，请 {seconds} 秒后再试"),
                format!("too many attempts; try again in {seconds} seconds"),
            );
            e.retry_after = Some(seconds);
            return Err(e);
        }
    };
    let body = json!({
        "token": fresh.token,
        "csrf_token": fresh.csrf_token,
        "expires_in": auth::SESSION_LIFETIME.whole_seconds(),
        "must_change_password": user.must_change_password,
        "user": user_json(&user),
    });
    let mut res = axum::Json(body).into_response();
    if session.via_cookie {
        let cookie = auth::session_cookie(&fresh.token, state.secure_cookies).to_string();
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    Ok(no_store(res))
}
