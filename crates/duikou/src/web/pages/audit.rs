//! The audit trail for auditors and coordinators: the hash chain's check, then the
//! entries newest first, told in words (登录, 审核通过 资金拨付 #12) in Beijing time, and
//! filtered by who, what, which record and when. What is read and how it is told is
//! `duikou_app::audit_trail`; this page only asks and shows.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_app::audit_trail::{self, AuditQuery};
use duikou_app::service::ServiceError;

use super::forms::Opt;
use super::{Ctx, ErrorLink, Lang, Req, html_status};
use crate::web::AppState;
use crate::web::auth::urlencode;

pub struct EntryRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub code: String,
    pub about: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    errors: Vec<ErrorLink>,
    checked: bool,
    entries_total: u64,
    intact: bool,
    problem: String,
    actor_opts: Vec<Opt>,
    action_opts: Vec<Opt>,
    kind_opts: Vec<Opt>,
    entity_id: String,
    from: String,
    to: String,
    filtered: bool,
    rows: Vec<EntryRow>,
    total: u64,
    page: u64,
    pages: u64,
    prev_href: String,
    next_href: String,
    hidden: Vec<(&'static str, String)>,
}

fn opt(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Opt {
    Opt {
        value: value.into(),
        label: label.into(),
        selected,
    }
}

/// A stored time in Beijing time, to the second: 2019年3月15日 14:03:05.
fn beijing(l: Lang, t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::macros::offset!(+8));
    format!(
        "{} {:02}:{:02}:{:02}",
        l.date(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

pub async fn page(
    State(state): State<AppState>,
    req: Req,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let l = req.l;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().chars().take(100).collect::<String>())
            .unwrap_or_default()
    };
    let q = AuditQuery {
        actor: get("actor"),
        action: get("action"),
        entity: get("kind"),
        entity_id: get("id"),
        from: get("from"),
        to: get("to"),
        page: get("page").parse::<u64>().unwrap_or(1).max(1),
        per_page: 0,
    };
    let kept: Vec<(&'static str, String)> = [
        ("actor", &q.actor),
        ("action", &q.action),
        ("kind", &q.entity),
        ("id", &q.entity_id),
        ("from", &q.from),
        ("to", &q.to),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k, v.clone()))
    .collect();
    let filtered = !kept.is_empty();
    let mut errors = Vec::new();
    let read = match audit_trail::read(state.store(), state.plan(), &req.actor(), &q).await {
        Ok(p) => Some(p),
        Err(ServiceError::Invalid { fields }) => {
            for f in &fields {
                errors.push(ErrorLink::new(
                    &format!("audit-{}", f.field),
                    format!(
                        "{}：{}",
                        l.t(f.field_zh.clone(), f.field.clone()),
                        l.t(f.zh.clone(), f.en.clone())
                    ),
                ));
            }
            None
        }
        Err(e) => return req.service_error(e),
    };
    let mut actor_opts = vec![opt("", l.s("全部人员", "Anyone"), q.actor.is_empty())];
    let mut action_opts = vec![opt("", l.s("全部操作", "Any action"), q.action.is_empty())];
    let mut rows = Vec::new();
    let (mut total, mut page, mut pages) = (0, 1, 1);
    let (mut checked, mut entries_total, mut intact, mut problem) = (false, 0, true, String::new());
    if let Some(p) = &read {
        checked = true;
        entries_total = p.chain.entries;
        intact = p.chain.problem.is_none();
        problem = p
            .chain
            .problem
            .as_ref()
            .map(|x| x.to_string())
            .unwrap_or_default();
        actor_opts.extend(
            p.actors
                .iter()
                .map(|a| opt(a.as_str(), a.as_str(), *a == q.actor)),
        );
        action_opts.extend(p.actions.iter().map(|(code, words)| {
            opt(
                code.as_str(),
                words.in_english(l.is_en()).to_string(),
                *code == q.action,
            )
        }));
        (total, page, pages) = (p.total, p.page, p.pages);
        rows = p
            .entries
            .iter()
            .map(|e| EntryRow {
                seq: e.seq,
                at: beijing(l, e.at),
                actor: e.actor.clone(),
                action: e.action_label.in_english(l.is_en()).to_string(),
                code: e.action.clone(),
                about: e.about.in_english(l.is_en()).to_string(),
                href: e
                    .record
                    .as_ref()
                    .map(|(k, id)| format!("/records/{k}/{id}"))
                    .unwrap_or_default(),
            })
            .collect();
    }
    // A value typed into the address that the trail does not hold stays chosen.
    for (opts, value) in [(&mut actor_opts, &q.actor), (&mut action_opts, &q.action)] {
        if !value.is_empty() && !opts.iter().any(|o| o.value == *value) {
            opts.push(opt(value.as_str(), value.as_str(), true));
        }
    }
    let mut kind_opts = vec![opt("", l.s("全部对象", "Anything"), q.entity.is_empty())];
    kind_opts.extend(
        state
            .plan()
            .kinds()
            .iter()
            .map(|k| opt(k.key(), l.kind(*k), q.entity == k.key())),
    );
    for (key, zh, en) in [
        ("user", "用户", "Users"),
        ("plan", "计划", "Plans"),
        ("import_batch", "导入批次", "Import batches"),
    ] {
        kind_opts.push(opt(key, l.s(zh, en), q.entity == key));
    }
    let page_href = |p: u64| {
        let mut parts: Vec<String> = kept
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        parts.push(format!("page={p}"));
        format!("/audit?{}", parts.join("&"))
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_status(
        status,
        &AuditPage {
            ctx: req.ctx(l.t("审计日志", "Audit trail")),
            errors,
            checked,
            entries_total,
            intact,
            problem,
            actor_opts,
            action_opts,
            kind_opts,
            entity_id: q.entity_id.clone(),
            from: q.from.clone(),
            to: q.to.clone(),
            filtered,
            rows,
            total,
            page,
            pages,
            prev_href: if page > 1 {
                page_href(page - 1)
            } else {
                String::new()
            },
            next_href: if page < pages {
                page_href(page + 1)
            } else {
                String::new()
            },
            hidden: kept,
        },
    )
}
