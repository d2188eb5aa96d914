//! Reminders over the API: the signed-in user's notices, and 催报 (coordinators).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ApiResult, ErrorBody, check_csrf};
use crate::web::AppState;
use crate::web::auth::ApiUser;

/// What concerns the signed-in user and their unit today: records returned (with the
/// reason), transfers waiting for the unit's receipt, records waiting for review
/// (coordinators), deadlines within 60 days, what is overdue, disputes, 催报. The same
/// list as the 通知 page; empty for roles that act on no record.
#[utoipa::path(get, path = "/api/v1/notices", tag = "reminders",
    responses(
        (status = 200, description = "The notices, most pressing kinds first", body = Value,
            example = json!({"date": "2019-10-15", "count": 2, "notices": [
                {"kind": "rejected", "zh": "资金拨付 #12 被退回，理由：凭证号有误；请修改后重新提交", "en": "Transfers #12 was returned: wrong voucher number; correct it and submit it again", "href": "/records/transfer/12"},
                {"kind": "deadline", "zh": "指标 8.1-lead-town-funds「结对镇街帮扶资金」：完成 50.00万元，目标 100.00万元，截止 2019-12-31（进度滞后）", "en": "indicator 8.1-lead-town-funds …", "href": "/checklist#item-8.1", "due": "2019-12-31"}]})),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub(super) async fn notices(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Response> {
    let list = state
        .notices
        .notices_at(
            &state.services,
            &user.actor(),
            duikou_app::reminders::today_for(&state.config.reminders),
            user.change_seq,
        )
        .await?;
    Ok(super::no_store(
        axum::Json(json!({
            "date": duikou_domain::record::format_date(duikou_app::reminders::today_for(&state.config.reminders)),
            "count": list.len(),
            "notices": list,
        }))
        .into_response(),
    ))
}

/// 催报: remind every unit with 尚欠事项 (its figures behind target or not met, checklist
/// items due without a record): a notice on each unit's page, and the configured e-mail
/// or group robot. Audited with its counts. Coordinators only.
#[utoipa::path(post, path = "/api/v1/reminders/chase", tag = "reminders",
    params(("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    responses(
        (status = 200, description = "Who was reminded of how much; deliveries that failed, each named", body = Value,
            example = json!({"units": 2, "items": 5, "sent": 2, "failed": [], "to": [{"unit": "清溪镇", "items": 3}, {"unit": "镇雄县", "items": 2}]})),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a coordinator, or CSRF token missing", body = ErrorBody),
        (status = 422, description = "The reminder channels are configured wrongly", body = ErrorBody),
    ))]
pub(super) async fn chase(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_csrf(&user, &headers)?;
    let report = duikou_app::reminders::chase(
        &state.services,
        &state.config.reminders,
        &user.actor(),
        duikou_app::reminders::today_for(&state.config.reminders),
    )
    .await?;
    let failed: Vec<Value> = report
        .delivered
        .failed
        .iter()
        .map(|f| json!({ "recipient": f.recipient, "channel": f.channel, "error": f.error }))
        .collect();
    let to: Vec<Value> = report
        .units
        .iter()
        .map(|(u, owed)| json!({ "unit": u, "items": owed.len() }))
        .collect();
    Ok(axum::Json(json!({
        "units": report.units.len(),
        "items": report.items(),
        "sent": report.delivered.sent,
        "failed": failed,
        "to": to,
    }))
    .into_response())
}
