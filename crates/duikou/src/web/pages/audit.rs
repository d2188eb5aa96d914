//! The audit trail for auditors and coordinators: the hash chain's check and the
//! latest entries, newest first, each naming who did what to which record.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use duikou_storage::entities::audit_log;
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use serde::Deserialize;

use super::records::parse_kind;
use super::{Ctx, Req, html};
use crate::web::AppState;

const PER_PAGE: u64 = 100;

pub struct EntryRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries_total: u64,
    intact: bool,
    problem: String,
    rows: Vec<EntryRow>,
    page: u64,
    pages: u64,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn page(State(state): State<AppState>, req: Req, Query(q): Query<PageQuery>) -> Response {
    if !req.actor().can_read_audit() {
        return req.forbidden();
    }
    let l = req.l;
    let db = &state.store().db;
    let report = match duikou_storage::audit::verify(db).await {
        Ok(r) => r,
        Err(e) => return req.internal(e),
    };
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    let paginator = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Seq)
        .paginate(db, PER_PAGE);
    let total = match paginator.num_items().await {
        Ok(n) => n,
        Err(e) => return req.internal(e),
    };
    let entries = match paginator.fetch_page(page - 1).await {
        Ok(e) => e,
        Err(e) => return req.internal(e),
    };
    let rows = entries
        .into_iter()
        .map(|e| {
            let href = match parse_kind(state.plan(), &e.entity) {
                Some(k) if e.action != "record.delete" => {
                    format!("/records/{}/{}", k.key(), e.entity_id)
                }
                _ => String::new(),
            };
            EntryRow {
                seq: e.seq,
                at: l.timestamp(&e.at),
                actor: e.actor,
                action: e.action,
                entity: format!("{} {}", e.entity, e.entity_id),
                href,
            }
        })
        .collect();
    html(&AuditPage {
        ctx: req.ctx(l.t("审计日志", "Audit trail")),
        entries_total: report.entries,
        intact: report.problem.is_none(),
        problem: report.problem.map(|p| p.to_string()).unwrap_or_default(),
        rows,
        page,
        pages: total.div_ceil(PER_PAGE).max(1),
    })
}
