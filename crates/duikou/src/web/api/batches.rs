//! Import batches over the API (coordinators): a batch's summary before it is reviewed,
//! and the batch approved or rejected whole, as the review page does it. Four eyes
//! holds: the reviewer's own entries are skipped and counted.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{ApiError, ApiResult, ErrorBody, check_csrf, id_of, parse_body};
use crate::web::AppState;
use crate::web::auth::ApiUser;
use duikou_app::review::act_of;

/// The body of a batch review: the reason, required to reject.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "第 12–40 行身份证号与户籍县区不符，请核对后重新导入"}))]
pub struct BatchReviewBody {
    pub reason: Option<String>,
}

/// What a reviewer sees of an import batch: its file, rows, records by status, the sums
/// of its money and count fields over the records waiting, and the cross-check findings.
#[utoipa::path(get, path = "/api/v1/batches/{id}", tag = "review",
    params(("id" = i64, Path, description = "import batch id")),
    responses(
        (status = 200, description = "The batch's summary", body = Value,
            example = json!({"batch": {"id": 3, "kind": "person", "file_name": "名单.xlsx", "rows": 8000, "imported_by": "清溪镇", "imported_at": "2019-06-01T02:00:00Z", "waiting": 8000},
                "kind": "person", "statuses": [["submitted", 8000]], "own": 0, "sums": [], "problems": [], "problems_total": 0})),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a coordinator", body = ErrorBody),
        (status = 404, description = "No such batch in this plan", body = ErrorBody),
    ))]
pub(super) async fn summary(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = id_of(&id)?;
    let s = state.services.batch_summary(&user.actor(), id).await?;
    Ok(axum::Json(s).into_response())
}

/// Approve (`approve`) or reject (`reject`, with a reason) an import batch whole: every
/// record of it still waiting for review, in one act and one audit entry. The answer
/// counts the records changed and those skipped by four eyes (the reviewer's own).
#[utoipa::path(post, path = "/api/v1/batches/{id}/{action}", tag = "review",
    params(("id" = i64, Path, description = "import batch id"),
        ("action" = String, Path, description = "approve or reject"),
        ("X-CSRF-Token" = Option<String>, Header, description = "required with cookie sessions")),
    request_body = BatchReviewBody,
    responses(
        (status = 200, description = "How many records changed, and how many four eyes left", body = Value,
            example = json!({"batch": 3, "action": "approve", "changed": 7998, "skipped": 2})),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a coordinator, or CSRF token missing", body = ErrorBody),
        (status = 404, description = "No such batch or action", body = ErrorBody),
        (status = 422, description = "A rejection without a reason, or a reason too long or holding an ID number", body = ErrorBody),
    ))]
pub(super) async fn review(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    check_csrf(&user, &headers)?;
    // Who may review is asked before what is asked for: a reporter learns nothing
    // of which actions exist.
    if !user.actor().can_review() {
        return Err(duikou_app::service::ServiceError::forbidden().into());
    }
    let id = id_of(&id)?;
    let t = act_of(&action).ok_or_else(ApiError::not_found)?;
    let b: BatchReviewBody = parse_body(&headers, &body, false)?;
    let out = state
        .services
        .review_batch(&user.actor(), id, t, b.reason.as_deref())
        .await?;
    let answer: Value = json!({
        "batch": id,
        "action": action,
        "changed": out.changed,
        "skipped": out.skipped,
    });
    Ok(axum::Json(answer).into_response())
}
