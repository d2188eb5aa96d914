//! The home page, one per role: the coordinator's headline figures and to-do lists,
//! a reporting unit's scorecard and what it still owes, a county's transfers waiting
//! for confirmation and its projects; leaders get the leader's view (`leader.rs`),
//! administrators go to the users.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use duikou_domain::engine::{Assessment, IndicatorStatus};
use duikou_domain::ids::RecordId;
use duikou_domain::record::{Status, Value};
use duikou_domain::roles::Role;
use duikou_domain::schema::BuiltinKind;
use duikou_storage::records::RecordQuery;

use super::figures::{AssessQuery, Period, ResultRow, compute, row};
use super::{Ctx, Lang, Req, html, see_other};
use crate::web::AppState;

/// Count of indicator results in one status, linking to the filtered table.
pub struct StatusCount {
    pub key: &'static str,
    pub label: &'static str,
    pub n: usize,
    pub href: String,
}

pub fn status_counts(l: Lang, a: &Assessment, period: &Period) -> Vec<StatusCount> {
    duikou_app::assessment::status_counts(a)
        .into_iter()
        .map(|(s, n)| StatusCount {
            key: s.key(),
            label: l.indicator_status(s),
            n,
            href: format!("/assess?status={}&{}", s.key(), period.query),
        })
        .collect()
}

pub struct DeadlineRow {
    pub indicator: String,
    pub name: String,
    pub deadline: String,
    pub days: i64,
    pub open: usize,
    pub href: String,
}

#[derive(Template)]
#[template(path = "home_coordinator.html")]
struct CoordinatorHome {
    ctx: Ctx,
    period: Period,
    headlines: Vec<ResultRow>,
    counts: Vec<StatusCount>,
    problems: Vec<ResultRow>,
    deadlines: Vec<DeadlineRow>,
    waiting: u64,
    is_coordinator: bool,
}

#[derive(Template)]
#[template(path = "home_reporter.html")]
struct ReporterHome {
    ctx: Ctx,
    period: Period,
    unit: String,
    scorecard: Vec<ResultRow>,
    owes: Vec<ResultRow>,
    drafts: u64,
    rejected: u64,
    submitted: u64,
    items: Vec<ItemRow>,
}

pub struct ItemRow {
    pub no: String,
    pub title: String,
    pub time_limit: String,
}

pub struct TransferRow {
    pub id: RecordId,
    pub href: String,
    pub payer: String,
    pub source: String,
    pub amount: String,
    pub sent_on: String,
    pub budget_year: String,
    pub voucher: String,
    pub status: String,
    pub status_key: &'static str,
}

pub struct ProjectRow {
    pub href: String,
    pub name: String,
    pub category: String,
    pub aid: String,
    pub disbursed: String,
    pub status: String,
    pub status_key: &'static str,
}

#[derive(Template)]
#[template(path = "home_receiver.html")]
struct ReceiverHome {
    ctx: Ctx,
    period: Period,
    unit: String,
    scorecard: Vec<ResultRow>,
    awaiting: Vec<TransferRow>,
    projects: Vec<ProjectRow>,
    today: String,
}

pub async fn home(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<AssessQuery>,
) -> Response {
    let keep = req
        .uri
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    match req.role() {
        Role::Admin => return see_other(&format!("/admin/users{keep}")),
        Role::Viewer => return super::leader::show(&state, &req, &q).await,
        _ => {}
    }
    let (opts, a) = match compute(&state, &req, &q).await {
        Ok(x) => x,
        Err(e) => return e.into_response(&req),
    };
    let l = req.l;
    let period = Period::of(&state, &opts, req.l);
    match req.role() {
        Role::Coordinator | Role::Auditor => {
            coordinator(&state, &req, period, &a, opts.as_of).await
        }
        Role::Reporter => reporter(&state, &req, period, &a).await,
        Role::Receiver => receiver(&state, &req, period, &a).await,
        Role::Admin | Role::Viewer => unreachable!("answered above: {}", l.key()),
    }
}

async fn count(state: &AppState, req: &Req, status: Status) -> Result<u64, Response> {
    let actor = req.actor();
    let q = RecordQuery {
        status: Some(status),
        per_page: 1,
        // A reporter's own work: records naming it that another unit reported are not
        // its to submit or correct.
        reporting_unit: actor.unit.filter(|_| actor.role == Role::Reporter),
        ..Default::default()
    };
    crate::web::cache::list(state, &req.auth, q)
        .await
        .map(|listed| listed.1)
        .map_err(|e| req.service_error(e))
}

async fn coordinator(
    state: &AppState,
    req: &Req,
    period: Period,
    a: &Assessment,
    as_of: time::Date,
) -> Response {
    let l = req.l;
    let headlines = state
        .plan()
        .headline_indicators(a.year)
        .iter()
        .filter_map(|ind| {
            a.results
                .iter()
                .find(|r| r.indicator == ind.id && r.scope == "plan")
        })
        .map(|r| row(l, r, &period))
        .collect();
    let problems = a
        .results
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                IndicatorStatus::Behind | IndicatorStatus::NotMet | IndicatorStatus::Late
            )
        })
        .map(|r| row(l, r, &period))
        .collect();
    // Deadlines within 60 days of the as-of date, per indicator, with how many figures are still open.
    let mut deadlines: Vec<DeadlineRow> = Vec::new();
    for r in &a.results {
        let Some(d) = duikou_domain::record::parse_iso_date(&r.deadline) else {
            continue;
        };
        let days = (d - as_of).whole_days();
        // Still ahead, within 60 days, and not yet met.
        if !(1..=60).contains(&days) || r.target_min.is_none() || r.status == IndicatorStatus::Met {
            continue;
        }
        let open = 1;
        match deadlines.iter_mut().find(|x| x.indicator == r.indicator) {
            Some(x) => x.open += open,
            None => deadlines.push(DeadlineRow {
                indicator: r.indicator.clone(),
                name: r.name.clone(),
                deadline: l.date(d),
                days,
                open,
                href: format!("/assess?{}&indicator={}", period.query, r.indicator),
            }),
        }
    }
    deadlines.sort_by_key(|d| d.days);
    let waiting = if req.role() == Role::Coordinator {
        match count(state, req, Status::Submitted).await {
            Ok(n) => n,
            Err(r) => return r,
        }
    } else {
        0
    };
    html(&CoordinatorHome {
        ctx: req.ctx(l.t("首页", "Home")),
        counts: status_counts(l, a, &period),
        period,
        headlines,
        problems,
        deadlines,
        waiting,
        is_coordinator: req.role() == Role::Coordinator,
    })
}

async fn reporter(state: &AppState, req: &Req, period: Period, a: &Assessment) -> Response {
    let l = req.l;
    let unit = req.auth.user.unit.clone().unwrap_or_default();
    let mine: Vec<_> = a.results.iter().filter(|r| r.scope == unit).collect();
    let scorecard = mine.iter().map(|r| row(l, r, &period)).collect();
    let owes = mine
        .iter()
        .filter(|r| {
            r.target_min.is_some()
                && !matches!(r.status, IndicatorStatus::Met | IndicatorStatus::Late)
        })
        .map(|r| row(l, r, &period))
        .collect();
    let plan = state.plan();
    let items = plan
        .items
        .iter()
        .filter(|i| {
            plan.expand_responsible(&i.responsible)
                .contains(&unit.as_str())
        })
        .map(|i| ItemRow {
            no: i.no.clone(),
            title: i.title.clone(),
            time_limit: i.time_limit.clone(),
        })
        .collect();
    let (drafts, rejected, submitted) = match (
        count(state, req, Status::Draft).await,
        count(state, req, Status::Rejected).await,
        count(state, req, Status::Submitted).await,
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r,
    };
    html(&ReporterHome {
        ctx: req.ctx(l.t("首页", "Home")),
        period,
        unit,
        scorecard,
        owes,
        drafts,
        rejected,
        submitted,
        items,
    })
}

fn text(fields: &std::collections::BTreeMap<String, Value>, key: &str) -> String {
    fields.get(key).map(Value::display).unwrap_or_default()
}

fn money(l: Lang, fields: &std::collections::BTreeMap<String, Value>, key: &str) -> String {
    match fields.get(key) {
        Some(Value::Money(f)) => l.wan(f.fen()),
        _ => "—".into(),
    }
}

async fn receiver(state: &AppState, req: &Req, period: Period, a: &Assessment) -> Response {
    let l = req.l;
    let unit = req.auth.user.unit.clone().unwrap_or_default();
    let actor = req.actor();
    let scorecard = a
        .results
        .iter()
        .filter(|r| r.scope == unit)
        .map(|r| row(l, r, &period))
        .collect();
    let q = RecordQuery {
        kind: Some(state.plan().kind_of(BuiltinKind::Transfer)),
        per_page: 1000,
        newest_first: true,
        ..Default::default()
    };
    let transfers = match state.services.list(&actor, q).await {
        Ok((rows, _)) => rows,
        Err(e) => return req.service_error(e),
    };
    let awaiting = transfers
        .iter()
        .filter(|r| matches!(r.status, Status::Submitted | Status::Approved))
        .filter(|r| !r.fields.contains_key("received_on"))
        .filter(|r| actor.can_confirm(&duikou_app::service::facts(r)))
        .map(|r| TransferRow {
            id: r.id,
            href: format!("/records/transfer/{}", r.id),
            payer: text(&r.fields, "payer"),
            source: super::recview::option_text(l, r.kind, "source", &text(&r.fields, "source")),
            amount: money(l, &r.fields, "amount"),
            sent_on: r
                .fields
                .get("sent_on")
                .and_then(Value::as_date)
                .map(|d| l.date(d))
                .unwrap_or_default(),
            budget_year: text(&r.fields, "budget_year"),
            voucher: text(&r.fields, "voucher_no"),
            status: l.status(r.status).to_string(),
            status_key: r.status.key(),
        })
        .collect();
    let q = RecordQuery {
        kind: Some(state.plan().kind_of(BuiltinKind::Project)),
        per_page: 200,
        newest_first: true,
        ..Default::default()
    };
    let projects = match crate::web::cache::list(state, &req.auth, q).await {
        Ok(listed) => listed
            .0
            .iter()
            .map(|r| ProjectRow {
                href: format!("/records/project/{}", r.id),
                name: text(&r.fields, "name"),
                category: super::recview::option_text(
                    l,
                    r.kind,
                    "category",
                    &text(&r.fields, "category"),
                ),
                aid: money(l, &r.fields, "aid_amount"),
                disbursed: money(l, &r.fields, "disbursed"),
                status: l.status(r.status).to_string(),
                status_key: r.status.key(),
            })
            .collect(),
        Err(e) => return req.service_error(e),
    };
    let today = duikou_domain::record::format_date(state.services.today());
    html(&ReceiverHome {
        ctx: req.ctx(l.t("首页", "Home")),
        period,
        unit,
        scorecard,
        awaiting,
        projects,
        today,
    })
}
