//! The signed-in user: who am I, and changing the password. These (with sign-out) are
//! the only routes a session that must change its initial password may call
//! (`auth::ApiSelf`); every other route answers 403 `password_change_required`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use duikou_storage::passwords::check_new_password;
use duikou_storage::users::LoginOutcome;
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
    let user = &session.user;
    if req.current_password.is_empty() || req.current_password.len() > 1024 {
        return Err(ApiError::invalid(
            "current_password",
            "",
            "请输入当前密码",
            "enter your current password",
        ));
    }
    if let Err(weak) = check_new_password(
        &req.new_password,
        &user.username,
        Some(&req.current_password),
    ) {
        return Err(ApiError::invalid("new_password", "", weak.zh, weak.en));
    }
    // Counted like a sign-in: a stolen session cannot guess the password unthrottled.
    match state
        .store()
        .check_login(&user.username, &req.current_password)
        .await?
    {
        LoginOutcome::Ok(_) => {}
        LoginOutcome::Locked { seconds } => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                format!("尝试次数过多，请 {seconds} 秒后再试"),
                format!("too many attempts; try again in {seconds} seconds"),
            );
            e.retry_after = Some(seconds);
            return Err(e);
        }
        LoginOutcome::Invalid | LoginOutcome::Disabled => {
            return Err(ApiError::invalid(
                "current_password",
                "",
                "当前密码不正确",
                "the current password is wrong",
            ));
        }
    }
    state
        .store()
        .set_password(user.id, &req.new_password, false, &user.username)
        .await?;
    let fresh = state
        .store()
        .create_session(user.id, auth::SESSION_LIFETIME)
        .await?;
    let user = state
        .store()
        .user_by_id(user.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
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
