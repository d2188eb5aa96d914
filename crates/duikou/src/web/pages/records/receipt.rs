//! The receipt steps of a transfer's page: the date entered is checked first and the
//! transfer shown (amount, payer, payee, voucher, the date) before anything is written;
//! a date far from the sending date is confirmed a second time on that page. The same
//! for the payee's correction of its own confirmation. Works without JavaScript.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::ids::RecordId;
use duikou_domain::receipt::{DateCheck, FAR_DAYS, FAR_FIELD};
use duikou_domain::record::{Value, format_date};
use duikou_domain::schema::RecordKind;
use duikou_storage::records::StoredRecord;

use crate::web::AppState;
use crate::web::pages::recview::field_views;
use crate::web::pages::{Ctx, ErrorLink, Form, Req, html, html_status, safe_local, see_other};
use duikou_app::service::ServiceError;

use super::detail::rerender;

/// One line of the summary the step shows.
pub struct CheckRow {
    pub key: String,
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "receipt_check.html")]
struct CheckPage {
    ctx: Ctx,
    kind_key: &'static str,
    id: RecordId,
    version: i32,
    /// `confirm` or `correct-receipt`: where the button posts.
    action: &'static str,
    correcting: bool,
    rows: Vec<CheckRow>,
    received_on: String,
    received_text: String,
    previous_text: String,
    days_after_sending: String,
    far: bool,
    far_days: i64,
    back: String,
    errors: Vec<ErrorLink>,
    far_error: String,
}

/// `confirm` or `correct-receipt`, from the detail page (or the county's home page):
/// without `step=commit` the check page, with it the change itself.
pub(super) async fn step(
    state: &AppState,
    req: &Req,
    kind: RecordKind,
    id: RecordId,
    correcting: bool,
    form: &Form,
) -> Response {
    let actor = req.actor();
    let entered = form.get("received_on").unwrap_or_default();
    let back = form.get("back").and_then(safe_local).map(str::to_string);
    let error_field = if correcting {
        "corrected_on"
    } else {
        "received_on"
    };
    if form.get("step") != Some("commit") {
        let checked = if correcting {
            state.services.correct_check(&actor, id, entered).await
        } else {
            state.services.confirm_check(&actor, id, entered).await
        };
        return match checked {
            Ok((r, c)) => html(&check_page(req, &r, &c, correcting, back, None)),
            Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
                rerender(state, req, kind, id, e, error_field).await
            }
            Err(e) => req.service_error(e),
        };
    }
    let far_confirmed = form.get(FAR_FIELD) == Some("yes");
    let version = form.get("version").and_then(|v| v.parse::<i32>().ok());
    let done = if correcting {
        state
            .services
            .correct_receipt(&actor, id, entered, far_confirmed, version)
            .await
    } else {
        state
            .services
            .confirm(&actor, id, entered, far_confirmed)
            .await
    };
    match done {
        Ok(_) => {
            let to = back.unwrap_or_else(|| format!("/records/{}/{id}", kind.key()));
            let sep = if to.contains('?') { '&' } else { '?' };
            let what = if correcting { "correct" } else { "confirm" };
            see_other(&format!("{to}{sep}done={what}"))
        }
        // Asked again: the same step, the second confirmation's box marked.
        Err(ServiceError::Invalid { fields }) if fields.iter().any(|f| f.field == FAR_FIELD) => {
            let l = req.l;
            let msg = fields
                .iter()
                .map(|f| l.t(f.zh.clone(), f.en.clone()))
                .collect::<Vec<_>>()
                .join("；");
            let again = if correcting {
                state.services.correct_check(&actor, id, entered).await
            } else {
                state.services.confirm_check(&actor, id, entered).await
            };
            match again {
                Ok((r, c)) => html_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &check_page(req, &r, &c, correcting, back, Some(msg)),
                ),
                Err(e) => req.service_error(e),
            }
        }
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            rerender(state, req, kind, id, e, error_field).await
        }
        Err(e) => req.service_error(e),
    }
}

fn check_page(
    req: &Req,
    r: &StoredRecord,
    c: &DateCheck,
    correcting: bool,
    back: Option<String>,
    far_error: Option<String>,
) -> CheckPage {
    let l = req.l;
    let shown = [
        "payer",
        "payee",
        "amount",
        "source",
        "budget_year",
        "voucher_no",
        "sent_on",
    ];
    let views = field_views(l, r.kind, &r.fields, None);
    let rows = shown
        .iter()
        .filter_map(|k| views.iter().find(|v| v.key == *k))
        .map(|v| CheckRow {
            key: v.key.to_string(),
            label: v.label.clone(),
            value: v.value.clone(),
        })
        .collect();
    let title = if correcting {
        l.t("核对更正的到账日期", "Check the corrected date")
    } else {
        l.t("核对后确认到账", "Check before you confirm receipt")
    };
    let errors = far_error
        .iter()
        .map(|m| ErrorLink::new(FAR_FIELD, m.clone()))
        .collect();
    CheckPage {
        ctx: req.ctx(title),
        kind_key: r.kind.key(),
        id: r.id,
        version: r.version,
        action: if correcting {
            "correct-receipt"
        } else {
            "confirm"
        },
        correcting,
        rows,
        received_on: format_date(c.received_on),
        received_text: l.date(c.received_on),
        previous_text: r
            .fields
            .get("received_on")
            .and_then(Value::as_date)
            .map(|d| l.date(d))
            .unwrap_or_default(),
        days_after_sending: c
            .days_after_sending
            .map(|d| d.to_string())
            .unwrap_or_default(),
        far: c.is_far(),
        far_days: FAR_DAYS,
        back: back.unwrap_or_default(),
        errors,
        far_error: far_error.unwrap_or_default(),
    }
}
