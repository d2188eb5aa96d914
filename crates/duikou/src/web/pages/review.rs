//! The coordinators' review queue: submitted records of every kind, oldest first,
//! approved or returned one by one (with a reason) or approved in bulk. Works without
//! JavaScript: one form, with a button per row naming its own action.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::record::{Status, Transition};
use duikou_storage::records::RecordQuery;
use serde::Deserialize;

use super::recview::{date, summary};
use super::{Ctx, ErrorLink, Form, Req, html_status, see_other};
use crate::web::AppState;
use duikou_app::service::ServiceError;

const PER_PAGE: u64 = 50;

pub struct ReviewRow {
    pub id: i64,
    pub href: String,
    pub kind: String,
    pub summary: String,
    pub unit: String,
    pub date: String,
    pub by: String,
    pub at: String,
    pub evidence: i32,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    ctx: Ctx,
    rows: Vec<ReviewRow>,
    total: u64,
    page: u64,
    pages: u64,
    prev_href: String,
    next_href: String,
    errors: Vec<ErrorLink>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

async fn render(
    state: &AppState,
    req: &Req,
    page: u64,
    errors: Vec<ErrorLink>,
    status: StatusCode,
) -> Response {
    let l = req.l;
    let q = RecordQuery {
        status: Some(Status::Submitted),
        page: page - 1,
        per_page: PER_PAGE,
        newest_first: false,
        ..Default::default()
    };
    let listed = match crate::web::cache::list(state, &req.auth, q).await {
        Ok(x) => x,
        Err(e) => return req.service_error(e),
    };
    let (records, total) = (&listed.0, listed.1);
    let pages = total.div_ceil(PER_PAGE).max(1);
    let rows = records
        .iter()
        .map(|r| ReviewRow {
            id: r.id,
            href: format!("/records/{}/{}", r.kind.key(), r.id),
            kind: l.kind(r.kind).to_string(),
            summary: summary(l, r.kind, &r.fields, r.id_masked.as_deref()),
            unit: r.reporting_unit.clone(),
            date: date(l, r.kind, &r.fields),
            by: r.updated_by.clone(),
            at: l.timestamp(&r.updated_at),
            evidence: r.evidence_count,
        })
        .collect();
    html_status(
        status,
        &ReviewPage {
            ctx: req.ctx(l.t("审核", "Review")),
            rows,
            total,
            page,
            pages,
            prev_href: if page > 1 {
                format!("/review?page={}", page - 1)
            } else {
                String::new()
            },
            next_href: if page < pages {
                format!("/review?page={}", page + 1)
            } else {
                String::new()
            },
            errors,
        },
    )
}

pub async fn queue(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<PageQuery>,
) -> Response {
    if !req.actor().can_review() {
        return req.forbidden();
    }
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    render(&state, &req, page, Vec::new(), StatusCode::OK).await
}

fn refusal(req: &Req, id: i64, e: &ServiceError) -> String {
    let l = req.l;
    let why = match e {
        ServiceError::Forbidden { zh, en } | ServiceError::Conflict { zh, en } => {
            l.t(zh.clone(), en.clone())
        }
        ServiceError::Invalid { fields } => fields
            .iter()
            .map(|f| l.t(f.zh.clone(), f.en.clone()))
            .collect::<Vec<_>>()
            .join("；"),
        ServiceError::NotFound => l.t("记录不存在", "no such record"),
        ServiceError::Input(m) => m.in_english(l.is_en()).to_string(),
        ServiceError::Failure(_) => l.t("内部错误", "internal error"),
    };
    format!("#{id}：{why}")
}

/// Approve every ticked record.
pub async fn bulk(State(state): State<AppState>, req: Req, form: Form) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    if !actor.can_review() {
        return req.forbidden();
    }
    let l = req.l;
    let ids: Vec<i64> = form
        .all("ids")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    if ids.is_empty() {
        return render(
            &state,
            &req,
            1,
            vec![ErrorLink::new(
                "select-first",
                l.t(
                    "请先勾选要审核通过的记录",
                    "Tick the records to approve first",
                ),
            )],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let mut errors = Vec::new();
    for id in ids {
        let result = match state.services.read(&actor, None, id).await {
            Ok(r) => state
                .services
                .transition(&actor, r.kind, id, Transition::Approve, None, None)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            errors.push(ErrorLink::new(&format!("row-{id}"), refusal(&req, id, &e)));
        }
    }
    if errors.is_empty() {
        see_other("/review?done=bulk")
    } else {
        render(&state, &req, 1, errors, StatusCode::CONFLICT).await
    }
}

/// Approve or return one record from the queue.
pub async fn one(
    State(state): State<AppState>,
    req: Req,
    Path((id, action)): Path<(String, String)>,
    form: Form,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return req.not_found();
    };
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    if !actor.can_review() {
        return req.forbidden();
    }
    let t = match action.as_str() {
        "approve" => Transition::Approve,
        "reject" => Transition::Reject,
        _ => return req.not_found(),
    };
    let reason_key = format!("reason_{id}");
    let reason = form.get(&reason_key).or_else(|| form.get("reason"));
    let result = match state.services.read(&actor, None, id).await {
        Ok(r) => state
            .services
            .transition(&actor, r.kind, id, t, reason, None)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other(&format!("/review?done={}", t.key())),
        Err(e) => {
            let target = if t == Transition::Reject {
                format!("reason-{id}")
            } else {
                format!("row-{id}")
            };
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::CONFLICT);
            render(
                &state,
                &req,
                1,
                vec![ErrorLink::new(&target, refusal(&req, id, &e))],
                status,
            )
            .await
        }
    }
}
