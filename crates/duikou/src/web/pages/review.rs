//! The coordinators' review queue: submitted records of every kind, oldest first,
//! filtered by kind, reporting unit, import batch, year and submission date, a page of
//! a chosen size at a time. Records are approved or returned one by one (with a reason),
//! ticked or a whole page at once, an import batch whole from its summary, or everything
//! the filter matches after a confirmation stating the count (`review/acts.rs`). Four
//! eyes holds throughout: the reviewer's own entries are skipped and counted. Works
//! without JavaScript: plain forms, a button per row naming its own action.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_domain::ids::RecordId;
use duikou_domain::record::Transition;
use duikou_storage::records::{ReviewAct, ReviewFilter, StoredRecord};

use super::forms::{Opt, parse_urlencoded};
use super::recview::{date, summary};
use super::{Ctx, ErrorLink, Form, Lang, Req, html_status, see_other};
use crate::web::AppState;
use duikou_app::review::{BatchSummary, act_of, parse_filter};
use duikou_app::service::ServiceError;

pub mod acts;
pub mod query;

use query::{FilterParams, PAGE_SIZES, per_page_of, review_href};

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

fn row(l: Lang, r: &StoredRecord) -> ReviewRow {
    ReviewRow {
        id: r.id.0,
        href: format!("/records/{}/{}", r.kind.key(), r.id),
        kind: l.kind(r.kind).to_string(),
        summary: summary(l, r.kind, &r.fields, r.id_masked.as_deref()),
        unit: r.reporting_unit.to_string(),
        date: date(l, r.kind, &r.fields),
        by: r.updated_by.clone(),
        at: l.timestamp(&r.updated_at),
        evidence: r.evidence_count,
    }
}

pub struct ProblemView {
    pub href: String,
    pub record_id: i64,
    pub is_error: bool,
    pub severity: String,
    pub field: String,
    pub reason: String,
}

/// An import batch as its summary panel shows it.
pub struct BatchView {
    pub id: i64,
    pub file_name: String,
    pub kind_label: String,
    pub imported_by: String,
    pub imported_at: String,
    pub rows: i32,
    pub waiting: u64,
    pub own: u64,
    /// What an approval of the batch takes: the waiting records less the reviewer's own.
    pub takes: u64,
    pub statuses: Vec<(String, u64)>,
    pub sums: Vec<(String, String)>,
    pub problems: Vec<ProblemView>,
    pub problems_total: u64,
    pub sample: Vec<ReviewRow>,
}

fn batch_view(l: Lang, s: &BatchSummary) -> BatchView {
    let waiting = s.batch.waiting;
    BatchView {
        id: s.batch.id,
        file_name: s.batch.file_name.clone(),
        kind_label: l.kind(s.kind).to_string(),
        imported_by: s.batch.imported_by.clone(),
        imported_at: l.timestamp(&s.batch.imported_at),
        rows: s.batch.rows,
        waiting,
        own: s.own,
        takes: waiting.saturating_sub(s.own),
        statuses: s
            .statuses
            .iter()
            .map(|(st, n)| (l.status(*st).to_string(), *n))
            .collect(),
        sums: s
            .sums
            .iter()
            .map(|f| {
                let value = if f.money {
                    format!("{}（{}）", l.wan(f.total), l.yuan(f.total))
                } else {
                    f.total.to_string()
                };
                (l.field(f.field, f.label_zh), value)
            })
            .collect(),
        problems: s
            .problems
            .iter()
            .map(|p| ProblemView {
                href: format!("/records/{}/{}", s.kind.key(), p.record_id),
                record_id: p.record_id,
                is_error: p.severity == duikou_app::importer::cross_check::Severity::Error,
                severity: if p.severity == duikou_app::importer::cross_check::Severity::Error {
                    l.t("错误", "error")
                } else {
                    l.t("提醒", "warning")
                },
                field: s
                    .kind
                    .field(p.field)
                    .map(|f| l.field(f.key, f.zh))
                    .unwrap_or_default(),
                reason: l.t(p.zh.clone(), p.en.clone()),
            })
            .collect(),
        problems_total: s.problems_total,
        sample: s.sample.iter().map(|r| row(l, r)).collect(),
    }
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    ctx: Ctx,
    rows: Vec<ReviewRow>,
    /// Records the filter matches.
    total: u64,
    /// Of them, the reviewer's own (four eyes leaves them).
    own: u64,
    /// Records waiting in the whole queue (shown when a filter narrows it).
    waiting_all: u64,
    filtered: bool,
    page: u64,
    pages: u64,
    per_page: u64,
    prev_href: String,
    next_href: String,
    errors: Vec<ErrorLink>,
    kind_opts: Vec<Opt>,
    unit_opts: Vec<Opt>,
    batch_opts: Vec<Opt>,
    year_opts: Vec<Opt>,
    size_opts: Vec<Opt>,
    since: String,
    hidden: Vec<(&'static str, String)>,
    clear_href: String,
    batch: Option<BatchView>,
    batch_error: String,
    reason_error: String,
}

/// What the queue shows: the filter as typed, the page (1-based) and its size.
pub struct View {
    pub filter: FilterParams,
    pub page: u64,
    pub per_page: u64,
}

impl View {
    pub fn from_pairs(pairs: &[(String, String)]) -> View {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        View {
            filter: FilterParams::from_pairs(pairs),
            page: get("page")
                .trim()
                .parse::<u64>()
                .unwrap_or(1)
                .clamp(1, u64::from(u32::MAX)),
            per_page: per_page_of(get("per_page")),
        }
    }
}

fn opt(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Opt {
    Opt {
        value: value.into(),
        label: label.into(),
        selected,
    }
}

/// Errors shown on the page besides the error summary's links.
#[derive(Default)]
pub struct Problems {
    pub links: Vec<ErrorLink>,
    pub batch: String,
    pub reason: String,
}

pub async fn render(
    state: &AppState,
    req: &Req,
    view: &View,
    mut problems: Problems,
    status: StatusCode,
    notice: Option<String>,
) -> Response {
    let l = req.l;
    let actor = req.actor();
    let services = &state.services;
    let plan = state.plan();
    let (filter, mut status) = match parse_filter(plan, &view.filter.input()) {
        Ok(f) => (f, status),
        Err(e) => {
            problems
                .links
                .push(ErrorLink::new("review-filters", refusal_text(l, &e)));
            (ReviewFilter::default(), StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    let per_page = view.per_page;
    let (listed, count, units, batches) = match tokio::try_join!(
        services.review_queue(&actor, &filter, view.page - 1, per_page),
        services.review_count(&actor, &filter),
        services.review_units(&actor),
        services.review_batches(&actor),
    ) {
        Ok(x) => x,
        Err(e) => return req.service_error(e),
    };
    let (records, total) = listed;
    let filtered = filter != ReviewFilter::default();
    let waiting_all = if filtered {
        match services
            .review_count(&actor, &ReviewFilter::default())
            .await
        {
            Ok(c) => c.matching,
            Err(e) => return req.service_error(e),
        }
    } else {
        total
    };
    let batch = match filter.batch {
        Some(id) => match services.batch_summary(&actor, id).await {
            Ok(s) => Some(batch_view(l, &s)),
            Err(ServiceError::NotFound) => {
                problems.links.push(ErrorLink::new(
                    "batch",
                    l.t(
                        format!("没有导入批次 {id}"),
                        format!("there is no import batch {id}"),
                    ),
                ));
                status = StatusCode::NOT_FOUND;
                None
            }
            Err(e) => return req.service_error(e),
        },
        None => None,
    };
    let pages = total.div_ceil(per_page).max(1);
    let page = view.page;
    let f = &view.filter;
    let page_href = |p: u64| review_href(f, per_page, &[("page", p.to_string())]);
    let mut kind_opts = vec![opt("", l.s("全部类型", "All kinds"), f.kind.is_empty())];
    kind_opts.extend(
        plan.kinds()
            .iter()
            .map(|k| opt(k.key(), l.kind(*k), filter.kind.as_deref() == Some(k.key()))),
    );
    let mut unit_opts = vec![opt("", l.s("全部单位", "All units"), f.unit.is_empty())];
    unit_opts.extend(units.iter().map(|u| {
        opt(
            u.as_str(),
            u.as_str(),
            filter.reporting_unit.as_deref() == Some(u.as_str()),
        )
    }));
    let mut batch_opts = vec![opt("", l.s("全部批次", "All batches"), f.batch.is_empty())];
    let mut batch_listed = false;
    for b in &batches {
        let selected = filter.batch == Some(b.id);
        batch_listed |= selected;
        batch_opts.push(opt(
            b.id.to_string(),
            l.t(
                format!("#{} {}（{} 条待审核）", b.id, b.file_name, b.waiting),
                format!("#{} {} ({} waiting)", b.id, b.file_name, b.waiting),
            ),
            selected,
        ));
    }
    if let (Some(id), false) = (filter.batch, batch_listed) {
        batch_opts.push(opt(id.to_string(), format!("#{id}"), true));
    }
    let mut year_opts = vec![opt("", l.s("全部年度", "All years"), f.year.is_empty())];
    year_opts.extend(
        plan.years()
            .map(|y| opt(y.to_string(), y.to_string(), filter.year == Some(y))),
    );
    let size_opts = PAGE_SIZES
        .iter()
        .map(|n| opt(n.to_string(), n.to_string(), *n == per_page))
        .collect();
    let mut ctx = req.ctx(l.t("审核", "Review"));
    if notice.is_some() {
        ctx.notice = notice;
    }
    html_status(
        status,
        &ReviewPage {
            ctx,
            rows: records.iter().map(|r| row(l, r)).collect(),
            total,
            own: count.own,
            waiting_all,
            filtered,
            page,
            pages,
            per_page,
            prev_href: if page > 1 {
                page_href(page.min(pages + 1) - 1)
            } else {
                String::new()
            },
            next_href: if page < pages {
                page_href(page + 1)
            } else {
                String::new()
            },
            errors: problems.links,
            kind_opts,
            unit_opts,
            batch_opts,
            year_opts,
            size_opts,
            since: f.since.clone(),
            hidden: f.hidden(),
            clear_href: "/review".into(),
            batch,
            batch_error: problems.batch,
            reason_error: problems.reason,
        },
    )
}

/// A refusal in the page's language (with the field named for invalid input).
pub fn refusal_text(l: Lang, e: &ServiceError) -> String {
    match e {
        ServiceError::Forbidden { zh, en } | ServiceError::Conflict { zh, en } => {
            l.t(zh.clone(), en.clone())
        }
        ServiceError::Invalid { fields } => fields
            .iter()
            .map(|f| {
                let value = if f.value.is_empty() {
                    String::new()
                } else {
                    format!("「{}」", f.value)
                };
                format!(
                    "{}{value}：{}",
                    l.field(&f.field, &f.field_zh),
                    l.t(f.zh.clone(), f.en.clone())
                )
            })
            .collect::<Vec<_>>()
            .join("；"),
        ServiceError::NotFound => l.t("记录不存在", "no such record"),
        ServiceError::Input(m) => m.in_english(l.is_en()).to_string(),
        ServiceError::Failure(_) => l.t("内部错误", "internal error"),
    }
}

/// The notice after a bulk act: `?done=reviewed&act=approve&changed=N&skipped=M&gone=K`.
fn result_notice(l: Lang, pairs: &[(String, String)]) -> Option<String> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if get("done") != Some("reviewed") {
        return None;
    }
    let n = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let (changed, skipped, gone) = (n("changed"), n("skipped"), n("gone"));
    let reject = get("act") == Some("reject");
    let mut zh = if reject {
        format!("已退回 {changed} 条记录。")
    } else {
        format!("已审核通过 {changed} 条记录。")
    };
    let records = l.n(changed, "record was", "records were");
    let mut en = if reject {
        format!("{records} rejected and returned.")
    } else {
        format!("{records} approved.")
    };
    if skipped > 0 {
        zh.push_str(&format!(
            "{skipped} 条由您本人填报或最后修改，已跳过，须由另一位审核人处理。"
        ));
        en.push_str(&format!(
            " {skipped} you entered or last changed were skipped: another reviewer must review them."
        ));
    }
    if gone > 0 {
        zh.push_str(&format!("{gone} 条已不在待审核状态，未处理。"));
        en.push_str(&format!(
            " {gone} were no longer waiting for review and were left."
        ));
    }
    Some(l.t(zh, en))
}

pub async fn queue(State(state): State<AppState>, req: Req, RawQuery(q): RawQuery) -> Response {
    if !req.actor().can_review() {
        return req.forbidden();
    }
    let pairs = parse_urlencoded(q.unwrap_or_default().as_bytes());
    let view = View::from_pairs(&pairs);
    let notice = result_notice(req.l, &pairs);
    render(
        &state,
        &req,
        &view,
        Problems::default(),
        StatusCode::OK,
        notice,
    )
    .await
}

/// The ticked records (or, with `scope=page`, every record of the page) approved, or
/// returned with one reason, in one act.
pub async fn bulk(State(state): State<AppState>, req: Req, form: Form) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    if !actor.can_review() {
        return req.forbidden();
    }
    let l = req.l;
    let view = View::from_pairs(&form.pairs);
    let source = if form.get("scope") == Some("page") {
        "page_ids"
    } else {
        "ids"
    };
    let mut ids: Vec<i64> = form
        .all(source)
        .iter()
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(1_000);
    if ids.is_empty() {
        let problems = Problems {
            links: vec![ErrorLink::new(
                "select-first",
                l.t("请先勾选要审核的记录", "Tick the records to review first"),
            )],
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
    let t = act_of(form.get("action").unwrap_or("approve")).unwrap_or(Transition::Approve);
    let reason = form.get("reason");
    let f = ReviewFilter {
        ids: Some(ids.clone()),
        ..Default::default()
    };
    let act = ReviewAct {
        entity: "review_queue".into(),
        entity_id: "selection".into(),
    };
    match state
        .services
        .review_matching(&actor, &f, t, reason, &act)
        .await
    {
        Ok(out) => {
            let gone = (ids.len() as u64).saturating_sub(out.changed + out.skipped);
            if t == Transition::Approve && out.skipped == 0 && gone == 0 {
                return see_other(&review_href(
                    &view.filter,
                    view.per_page,
                    &[("done", "bulk".into())],
                ));
            }
            see_other(&review_href(
                &view.filter,
                view.per_page,
                &[
                    ("done", "reviewed".into()),
                    ("act", t.key().into()),
                    ("changed", out.changed.to_string()),
                    ("skipped", out.skipped.to_string()),
                    ("gone", gone.to_string()),
                ],
            ))
        }
        Err(e @ ServiceError::Invalid { .. }) => {
            let text = refusal_text(l, &e);
            let problems = Problems {
                links: vec![ErrorLink::new("bulk-reason", text.clone())],
                reason: text,
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

/// Approve or return one record from the queue.
pub async fn one(
    State(state): State<AppState>,
    req: Req,
    Path((id, action)): Path<(String, String)>,
    form: Form,
) -> Response {
    let Some(id) = RecordId::parse(&id) else {
        return req.not_found();
    };
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    if !actor.can_review() {
        return req.forbidden();
    }
    let Some(t) = act_of(&action) else {
        return req.not_found();
    };
    let view = View::from_pairs(&form.pairs);
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
        Ok(()) => see_other(&review_href(
            &view.filter,
            view.per_page,
            &[("done", t.key().into())],
        )),
        Err(e) => {
            let target = if t == Transition::Reject {
                format!("reason-{id}")
            } else {
                format!("row-{id}")
            };
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::CONFLICT);
            let problems = Problems {
                links: vec![ErrorLink::new(
                    &target,
                    format!("#{id}：{}", refusal_text(req.l, &e)),
                )],
                ..Default::default()
            };
            render(&state, &req, &view, problems, status, None).await
        }
    }
}
