//! Review acts over many records: an import batch whole, from its summary panel
//! (`/review/batches/{id}/{action}`), and everything the queue's filter matches
//! (`/review/matching`), the latter after a confirmation page stating the count — and
//! confirmed only if the count is still the one stated.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::record::Transition;
use duikou_storage::records::ReviewAct;

use super::query::review_href;
use super::{Problems, View, refusal_text, render};
use crate::web::AppState;
use crate::web::pages::{Ctx, ErrorLink, Form, Req, html_status, see_other};
use duikou_app::review::{act_of, parse_filter};
use duikou_app::service::ServiceError;

/// Where a bulk act returns: the queue with what was done.
fn done_href(view: &View, t: Transition, changed: u64, skipped: u64, batch: Option<i64>) -> String {
    let mut filter = view.filter.clone();
    // Once a batch is done, the queue shows what is left of it only if something is.
    if batch.is_some() && skipped == 0 {
        filter.batch.clear();
    }
    review_href(
        &filter,
        view.per_page,
        &[
            ("done", "reviewed".into()),
            ("act", t.key().into()),
            ("changed", changed.to_string()),
            ("skipped", skipped.to_string()),
        ],
    )
}

/// Approve or reject an import batch whole (its records still submitted).
pub async fn batch(
    State(state): State<AppState>,
    req: Req,
    Path((id, action)): Path<(String, String)>,
    form: Form,
) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    if !actor.can_review() {
        return req.forbidden();
    }
    let (Ok(id), Some(t)) = (id.parse::<i64>(), act_of(&action)) else {
        return req.not_found();
    };
    let mut view = View::from_pairs(&form.pairs);
    view.filter.batch = id.to_string();
    let reason = form.get("reason");
    match state.services.review_batch(&actor, id, t, reason).await {
        Ok(out) => see_other(&done_href(&view, t, out.changed, out.skipped, Some(id))),
        Err(e @ ServiceError::Invalid { .. }) => {
            let text = refusal_text(req.l, &e);
            let problems = Problems {
                links: vec![ErrorLink::new("batch-reason", text.clone())],
                batch: text,
                ..Default::default()
            };
            render(
                &state,
                &req,
                &view,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await
        }
        Err(e) => req.service_error(e),
    }
}

#[derive(Template)]
#[template(path = "review_confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    errors: Vec<ErrorLink>,
    /// `approve` or `reject`.
    action: &'static str,
    reject: bool,
    matching: u64,
    own: u64,
    takes: u64,
    /// The filter in words, one line per part.
    described: Vec<String>,
    hidden: Vec<(&'static str, String)>,
    reason: String,
    reason_error: String,
    back_href: String,
    changed_since: bool,
}

/// Everything the filter matches, approved or rejected: first a page stating the count
/// (and how many of them are the reviewer's own, which are skipped); then, confirmed
/// with that count, the act.
pub async fn matching(State(state): State<AppState>, req: Req, form: Form) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    if !actor.can_review() {
        return req.forbidden();
    }
    let l = req.l;
    let view = View::from_pairs(&form.pairs);
    let Some(t) = act_of(form.get("action").unwrap_or("approve")) else {
        return req.not_found();
    };
    let plan = state.plan();
    let filter = match parse_filter(plan, &view.filter.input()) {
        Ok(f) => f,
        Err(e) => {
            let problems = Problems {
                links: vec![ErrorLink::new("review-filters", refusal_text(l, &e))],
                ..Default::default()
            };
            return render(
                &state,
                &req,
                &view,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await;
        }
    };
    let count = match state.services.review_count(&actor, &filter).await {
        Ok(c) => c,
        Err(e) => return req.service_error(e),
    };
    let reason = form.text("reason");
    let expected = form.get("expected").and_then(|v| v.parse::<u64>().ok());
    let confirmed = form.get("confirm") == Some("1");
    let changed_since = confirmed && expected != Some(count.matching);
    let mut errors = Vec::new();
    let mut reason_error = String::new();
    if confirmed && !changed_since && count.matching > 0 {
        let act = ReviewAct {
            entity: "review_queue".into(),
            entity_id: "filter".into(),
        };
        match state
            .services
            .review_matching(&actor, &filter, t, Some(reason.as_str()), &act)
            .await
        {
            Ok(out) => return see_other(&done_href(&view, t, out.changed, out.skipped, None)),
            Err(e @ ServiceError::Invalid { .. }) => {
                reason_error = refusal_text(l, &e);
                errors.push(ErrorLink::new("matching-reason", reason_error.clone()));
            }
            Err(e) => return req.service_error(e),
        }
    }
    if changed_since {
        errors.push(ErrorLink::new(
            "confirm-matching",
            l.t(
                format!(
                    "确认期间符合筛选的记录数已变为 {} 条，请再次确认",
                    count.matching
                ),
                format!(
                    "The records matching the filter changed to {} meanwhile: confirm again",
                    count.matching
                ),
            ),
        ));
    }
    let f = &view.filter;
    let mut described = Vec::new();
    if let Some(k) = filter.kind.as_deref().and_then(|k| plan.kind(k)) {
        described.push(format!("{}：{}", l.s("记录类型", "Kind"), l.kind(k)));
    }
    if let Some(u) = &filter.reporting_unit {
        described.push(format!("{}：{u}", l.s("填报单位", "Reporting unit")));
    }
    if let Some(b) = filter.batch {
        described.push(format!("{}：#{b}", l.s("导入批次", "Import batch")));
    }
    if let Some(y) = filter.year {
        described.push(format!("{}：{y}", l.s("年度", "Year")));
    }
    if !f.since.is_empty() {
        described.push(format!(
            "{}：{}",
            l.s("提交于此日及以后", "Submitted on or after"),
            f.since
        ));
    }
    if described.is_empty() {
        described.push(l.t(
            "全部待审核记录（未筛选）",
            "every record waiting for review (no filter)",
        ));
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if reason_error.is_empty() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = if t == Transition::Reject {
        l.t("确认批量退回", "Confirm: reject them all")
    } else {
        l.t("确认批量审核通过", "Confirm: approve them all")
    };
    html_status(
        status,
        &ConfirmPage {
            ctx: req.ctx(title),
            errors,
            action: if t == Transition::Reject {
                "reject"
            } else {
                "approve"
            },
            reject: t == Transition::Reject,
            matching: count.matching,
            own: count.own,
            takes: count.matching.saturating_sub(count.own),
            described,
            hidden: f.hidden(),
            reason,
            reason_error,
            back_href: review_href(f, view.per_page, &[]),
            changed_since,
        },
    )
}
