//! The dashboard: progress of each action toward its targets, funds by source and by
//! county against the deadline, the town–county pairings and the town ranking (the one
//! ranking of every output, `duikou_domain::engine::progress`) — each an ECharts chart
//! drawn by app.js from a `data-chart` option, with the same data as a table below it
//! (what readers without JavaScript or a screen reader get). And /explain: the records
//! behind one figure.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use duikou_domain::engine::progress::{self, Progress};
use duikou_domain::engine::{Assessment, EngineRecord, IndicatorResult, IndicatorStatus};
use duikou_domain::plan::{Measure, Plan, Scope, TownRole};
use duikou_domain::record::{Status, Value};
use duikou_domain::roles::RecordFacts;
use duikou_domain::schema::BuiltinKind;
use serde_json::{Value as J, json};

use super::figures::{AssessQuery, Period, ResultRow, compute, row};
use super::{Ctx, Lang, Req, html};
use crate::web::AppState;
use crate::web::auth::urlencode;

pub const STATUS_COLOURS: [(IndicatorStatus, &str); 6] = [
    (IndicatorStatus::Met, "#00703c"),
    (IndicatorStatus::Late, "#8f6b00"),
    (IndicatorStatus::OnTrack, "#1d70b8"),
    (IndicatorStatus::Behind, "#f47738"),
    (IndicatorStatus::NotMet, "#d4351c"),
    (IndicatorStatus::Tracked, "#505a5f"),
];

fn colour(s: IndicatorStatus) -> &'static str {
    STATUS_COLOURS
        .iter()
        .find(|(x, _)| *x == s)
        .map(|(_, c)| *c)
        .unwrap_or("#505a5f")
}

pub struct ActionRow {
    pub no: String,
    pub title: String,
    pub href: String,
    pub total: usize,
    pub counts: Vec<usize>,
    /// Average progress toward the targets: "99.6%".
    pub progress: String,
    /// "已完成 0/1" / "0 of 1 met".
    pub met_text: String,
    /// The progress as a number for the chart.
    pub value: f64,
}

pub struct MonthRow {
    pub month: String,
    pub cells: Vec<String>,
    pub deadline: bool,
}

pub struct CountyFunds {
    pub row: ResultRow,
    pub on_time_href: String,
}

pub struct PairRow {
    pub county: String,
    pub lead: String,
    pub assisting: String,
}

pub struct TownRow {
    pub rank: usize,
    pub town: String,
    pub role: String,
    pub lead: bool,
    pub county: String,
    /// Targets reached (on time or late).
    pub met: usize,
    pub total: usize,
    /// "87.5%".
    pub share: String,
    pub value: f64,
    pub href: String,
}

/// The dashboard's content (`dashboard.html`): the same for every user allowed to see
/// it, rendered once per change number, period and language and shown inside
/// [`super::Page`] with the user's own header.
#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardBody {
    l: Lang,
    period: Period,
    status_labels: Vec<(&'static str, String)>,
    actions: Vec<ActionRow>,
    chart_actions: String,
    source_names: Vec<String>,
    months: Vec<MonthRow>,
    chart_funds: String,
    fiscal: Vec<ResultRow>,
    counties: Vec<CountyFunds>,
    chart_counties: String,
    pairs: Vec<PairRow>,
    chart_pairs: String,
    towns: Vec<TownRow>,
    chart_towns: String,
    progress_rule_zh: &'static str,
    progress_rule_en: &'static str,
    ranking_rule_zh: &'static str,
    ranking_rule_en: &'static str,
}

pub async fn page(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<AssessQuery>,
) -> Response {
    let actor = req.actor();
    if !actor.can_assess() {
        return req.forbidden();
    }
    if let Err(e) = state.services.may_see_figures(&actor) {
        return req.service_error(e);
    }
    let opts = match super::figures::options(&state, &q) {
        Ok(o) => o,
        Err(e) => return e.into_response(&req),
    };
    let l = req.l;
    let seq = req.auth.change_seq;
    let body = state
        .caches
        .dashboards
        .get_or_try_init(
            state.store().instance,
            seq,
            ((opts.include_submitted, opts.year, opts.as_of), l.is_en()),
            || async {
                let a = crate::web::cache::assessment(&state, seq, &opts).await?;
                // The chart of money by month reads the transfers themselves: a few
                // per county and year, however many persons the plan counts.
                let transfers = state
                    .store()
                    .records_for_engine(
                        &[state.plan().kind_of(BuiltinKind::Transfer)],
                        if opts.include_submitted {
                            &[Status::Approved, Status::Submitted]
                        } else {
                            &[Status::Approved]
                        },
                    )
                    .await
                    .map_err(duikou_app::error::AppError::from)?;
                let body = render(&state, l, &opts, &transfers, &a)
                    .map_err(|e| duikou_app::error::AppError::failure_text(e.to_string()))?;
                Ok::<_, duikou_app::error::AppError>(std::sync::Arc::<str>::from(body))
            },
        )
        .await;
    match body {
        Ok(body) => html(&super::Page {
            ctx: {
                let mut c = req.ctx(l.t("看板", "Dashboard"));
                c.charts = true;
                c
            },
            body: &body,
        }),
        Err(e) => req.internal(e),
    }
}

/// The dashboard's content for these options.
fn render(
    state: &AppState,
    l: Lang,
    opts: &duikou_domain::engine::AssessOptions,
    records: &[EngineRecord],
    a: &Assessment,
) -> askama::Result<String> {
    let plan = state.plan();
    let period = Period::of(state, opts, l);
    let shown = [
        IndicatorStatus::Met,
        IndicatorStatus::Late,
        IndicatorStatus::OnTrack,
        IndicatorStatus::Behind,
        IndicatorStatus::NotMet,
    ];

    // 1. Progress of each action toward its targets (progress::PROGRESS_RULE_ZH), with
    //    how its indicators with a target stand.
    let actions: Vec<ActionRow> = plan
        .actions
        .iter()
        .filter_map(|act| {
            let rs: Vec<&IndicatorResult> = progress::action_results(plan, &a.results, &act.no)
                .filter(|r| r.target_min.is_some())
                .collect();
            if rs.is_empty() {
                return None;
            }
            let counts: Vec<usize> = shown
                .iter()
                .map(|s| rs.iter().filter(|r| r.status == *s).count())
                .collect();
            let p = Progress::of(rs.iter().copied());
            Some(ActionRow {
                no: act.no.clone(),
                title: act.title.clone(),
                href: format!("/checklist?action={}&{}", urlencode(&act.no), period.query),
                total: rs.len(),
                counts,
                progress: p.percent_text(),
                met_text: met_of(l, p),
                value: p.percent(),
            })
        })
        .collect();
    let chart_actions = json!({
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 96, "bottom": 8, "top": 16, "containLabel": true},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "inverse": true, "data": actions.iter().map(|x| format!("{} {}", x.no, x.title)).collect::<Vec<_>>()},
        "series": [{
            "name": l.s("完成进度", "Progress"),
            "type": "bar",
            "itemStyle": {"color": "#1d70b8"},
            "showBackground": true,
            "backgroundStyle": {"color": "#f3f2f1"},
            "label": {"show": true, "position": "right", "formatter": "{c}%"},
            "data": actions.iter().map(|x| json!({
                "value": x.value,
                "url": x.href,
                "label": {"formatter": format!("{} · {}", x.progress, x.met_text)},
            })).collect::<Vec<_>>(),
        }],
    });
    // 2. Funds by source, cumulative by month of receipt, against the deadline.
    let (source_names, months, chart_funds, fiscal) =
        funds_by_month(l, plan, records, a, opts, &period);

    // 3. Funds by county: the per-county transfer indicator, on time and late.
    let per_county: Vec<&IndicatorResult> = plan
        .indicators
        .iter()
        .find(|i| i.kind.is(BuiltinKind::Transfer) && i.scope == Scope::EachCounty)
        .map(|ind| a.results.iter().filter(|r| r.indicator == ind.id).collect())
        .unwrap_or_default();
    let counties: Vec<CountyFunds> = per_county
        .iter()
        .map(|r| CountyFunds {
            row: row(l, r, &period),
            on_time_href: super::figures::explain_href(r, &period),
        })
        .collect();
    let wan = |v: i64| l.wan_value(v);
    let target_line = per_county
        .first()
        .and_then(|r| r.target_min)
        .map(|t| wan(t.raw()));
    let chart_counties = json!({
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "bottom": 8, "top": 56, "containLabel": true},
        "xAxis": {"type": "category", "data": per_county.iter().map(|r| r.scope.clone()).collect::<Vec<_>>()},
        "yAxis": {"type": "value", "name": l.wan_unit()},
        "series": [
            {"name": l.s("截止日前到位", "Arrived by the deadline"), "type": "bar", "stack": "funds", "itemStyle": {"color": colour(IndicatorStatus::Met)},
             "data": per_county.iter().map(|r| json!({"value": wan(r.on_time.unwrap_or(r.actual).raw()), "url": super::figures::explain_href(r, &period)})).collect::<Vec<_>>(),
             "markLine": target_line.map(|t| json!({"symbol": "none", "lineStyle": {"color": "#0b0c0c", "type": "dashed"}, "label": {"position": "insideEndTop", "formatter": l.s("目标 {c}", "target {c}")}, "data": [{"yAxis": t}]})).unwrap_or(J::Null)},
            {"name": l.s("截止日后到位", "Arrived after the deadline"), "type": "bar", "stack": "funds", "itemStyle": {"color": colour(IndicatorStatus::Late)},
             "data": per_county.iter().map(|r| json!({"value": wan(r.actual.raw() - r.on_time.unwrap_or(r.actual).raw()), "url": super::figures::explain_href(r, &period)})).collect::<Vec<_>>()},
        ],
    });

    // 4. The pairings: assisting towns → lead town → county.
    let pairs: Vec<PairRow> = plan
        .pairings
        .iter()
        .map(|p| PairRow {
            county: p.county.clone(),
            lead: p.lead.clone(),
            assisting: p.assisting.join("、"),
        })
        .collect();
    let chart_pairs = pairing_chart(l, plan, &period);

    // 5. Town ranking: the one ranking of every output (progress::town_ranking).
    let towns = town_ranking(l, plan, a, &period);
    let chart_towns = json!({
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 56, "bottom": 8, "top": 16, "containLabel": true},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "inverse": true, "data": towns.iter().map(|t| t.town.clone()).collect::<Vec<_>>()},
        "series": [{"name": l.s("平均完成率", "Average progress"), "type": "bar", "label": {"show": true, "position": "right", "formatter": "{c}%"},
            "data": towns.iter().map(|t| json!({"value": t.value, "url": t.href, "itemStyle": {"color": if t.lead { "#1d70b8" } else { "#5694ca" }}})).collect::<Vec<_>>()}],
    });

    DashboardBody {
        l,
        period,
        status_labels: shown
            .iter()
            .map(|s| (s.key(), l.indicator_status(*s).to_string()))
            .collect(),
        actions,
        chart_actions: chart_actions.to_string(),
        source_names,
        months,
        chart_funds,
        fiscal,
        counties,
        chart_counties: chart_counties.to_string(),
        pairs,
        chart_pairs: chart_pairs.to_string(),
        towns,
        chart_towns: chart_towns.to_string(),
        progress_rule_zh: progress::PROGRESS_RULE_ZH,
        progress_rule_en: progress::PROGRESS_RULE_EN,
        ranking_rule_zh: progress::RANKING_RULE_ZH,
        ranking_rule_en: progress::RANKING_RULE_EN,
    }
    .render()
}

/// Cumulative money received per source and month of the year, for transfers of the
/// budget year received up to the as-of date (received before the year: January;
/// after it: December).
fn funds_by_month(
    l: Lang,
    plan: &Plan,
    records: &[EngineRecord],
    a: &Assessment,
    opts: &duikou_domain::engine::AssessOptions,
    period: &Period,
) -> (Vec<String>, Vec<MonthRow>, String, Vec<ResultRow>) {
    let year = opts.year;
    let source_options: &[duikou_domain::schema::EnumOption] = match plan
        .kind_of(BuiltinKind::Transfer)
        .field("source")
        .map(|f| f.ty)
    {
        Some(duikou_domain::schema::FieldType::Enum(options)) => options,
        _ => &[],
    };
    let sources: Vec<&str> = source_options.iter().map(|o| o.label).collect();
    // What people read: the plan's English label on English pages.
    let source_names: Vec<&str> = source_options
        .iter()
        .map(|o| o.label_in(l.is_en()))
        .collect();
    // fen per source per month (not yet cumulative)
    let mut by_month = vec![vec![0i64; 12]; sources.len()];
    for r in records.iter().filter(|r| r.kind.is(BuiltinKind::Transfer)) {
        if r.get("budget_year").and_then(Value::as_amount) != Some(i64::from(year)) {
            continue;
        }
        let Some(received) = r.get("received_on").and_then(Value::as_date) else {
            continue;
        };
        if received > opts.as_of {
            continue;
        }
        let Some(si) = r
            .get("source")
            .and_then(Value::as_text)
            .and_then(|s| sources.iter().position(|x| *x == s))
        else {
            continue;
        };
        let m = match received.year().cmp(&year) {
            std::cmp::Ordering::Less => 0,
            std::cmp::Ordering::Greater => 11,
            std::cmp::Ordering::Equal => usize::from(u8::from(received.month())) - 1,
        };
        by_month[si][m] += r.get("amount").and_then(Value::as_amount).unwrap_or(0);
    }
    let mut cumulative = by_month.clone();
    for s in &mut cumulative {
        for m in 1..12 {
            s[m] += s[m - 1];
        }
    }
    // The fiscal-aid indicator of the plan (transfers, whole plan, with an early deadline).
    let fiscal_ind = plan.indicators.iter().find(|i| {
        i.kind.is(BuiltinKind::Transfer)
            && i.scope == Scope::Plan
            && i.has_deadline_before_year_end(year)
            && matches!(i.measure, Measure::Sum { .. })
    });
    let deadline_month = fiscal_ind
        .map(|i| i.deadline_of(year).0 as usize)
        .unwrap_or(0);
    let fiscal_target = fiscal_ind.and_then(|i| i.target_for(year)).map(|t| t.min);
    // Provincial + city = fiscal aid.
    let fiscal_total: Vec<i64> = (0..12)
        .map(|m| cumulative[0][m] + cumulative[1][m])
        .collect();
    let month_label = |m: usize| {
        if l.is_en() {
            [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ][m]
                .to_string()
        } else {
            format!("{}月", m + 1)
        }
    };
    let wan = |v: i64| l.wan_value(v);
    let months = (0..12)
        .map(|m| MonthRow {
            month: month_label(m),
            cells: cumulative
                .iter()
                .map(|s| l.wan_number(s[m]))
                .chain(std::iter::once(l.wan_number(fiscal_total[m])))
                .collect(),
            deadline: m + 1 == deadline_month,
        })
        .collect();
    let mut series: Vec<J> = source_names
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"name": s, "type": "line", "step": false, "symbolSize": 5, "data": cumulative[i].iter().map(|v| wan(*v)).collect::<Vec<_>>()}))
        .collect();
    let mut fiscal_series = json!({
        "name": l.s("财政援助合计（省级+市级）", "Fiscal aid (province + city)"),
        "type": "line", "lineStyle": {"width": 4}, "itemStyle": {"color": "#0b0c0c"},
        "data": fiscal_total.iter().map(|v| wan(*v)).collect::<Vec<_>>(),
    });
    let mut marks = Vec::new();
    if deadline_month > 0 {
        marks.push(json!({"xAxis": month_label(deadline_month - 1), "label": {"formatter": format!("{} {:02}-{:02}", l.s("截止", "deadline"), fiscal_ind.map(|i| i.deadline_of(year).0).unwrap_or(0), fiscal_ind.map(|i| i.deadline_of(year).1).unwrap_or(0))}}));
    }
    if let Some(t) = fiscal_target {
        marks.push(json!({"yAxis": wan(t), "label": {"position": "insideEndTop", "formatter": format!("{} {}", l.s("目标", "target"), l.wan_number(t))}}));
    }
    fiscal_series["markLine"] = json!({"symbol": "none", "lineStyle": {"color": "#d4351c", "type": "dashed"}, "data": marks});
    series.push(fiscal_series);
    let chart = json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "bottom": 8, "top": 64, "containLabel": true},
        "xAxis": {"type": "category", "boundaryGap": false, "data": (0..12).map(month_label).collect::<Vec<_>>()},
        "yAxis": {"type": "value", "name": l.s("万元（累计）", "million yuan (cumulative)")},
        "series": series,
    });
    let mut names: Vec<String> = source_names.iter().map(|s| s.to_string()).collect();
    names.push(l.t("财政援助合计", "Fiscal aid total"));
    // The plan-wide transfer indicators, each linking to its records.
    let fiscal = a
        .results
        .iter()
        .filter(|r| {
            r.scope == "plan"
                && plan
                    .indicator(&r.indicator)
                    .is_some_and(|i| i.kind.is(BuiltinKind::Transfer) && i.is_money())
        })
        .map(|r| row(l, r, period))
        .collect();
    (names, months, chart.to_string(), fiscal)
}

fn pairing_chart(l: Lang, plan: &Plan, period: &Period) -> J {
    let mut nodes = Vec::new();
    let mut links = Vec::new();
    let mut y = 0.0f64;
    for p in &plan.pairings {
        let n = p.assisting.len().max(1) as f64;
        let centre = y + (n - 1.0) * 20.0;
        let href = |u: &str| format!("/assess?unit={}&{}", urlencode(u), period.query);
        nodes.push(json!({"name": p.county, "x": 1000, "y": centre, "symbolSize": 26, "category": 0, "url": href(&p.county), "label": {"position": "top", "fontWeight": "bold"}}));
        nodes.push(json!({"name": p.lead, "x": 500, "y": centre, "symbolSize": 20, "category": 1, "url": href(&p.lead), "label": {"position": "top"}}));
        links.push(json!({"source": p.lead, "target": p.county, "lineStyle": {"width": 4, "color": "#1d70b8"}}));
        for (i, t) in p.assisting.iter().enumerate() {
            nodes.push(json!({"name": t, "x": 0, "y": y + i as f64 * 40.0, "symbolSize": 12, "category": 2, "url": href(t), "label": {"position": "top"}}));
            links.push(json!({"source": t, "target": p.lead, "lineStyle": {"width": 1.5, "type": "dashed", "color": "#5694ca"}}));
        }
        y += n * 40.0 + 30.0;
    }
    json!({
        "tooltip": {},
        "legend": {"top": 0, "data": [l.s("受帮扶县区", "County"), l.s("结对镇街", "Lead town"), l.s("协助镇街", "Assisting town")]},
        "series": [{
            // Only a centre: ECharts then keeps the aspect of the coordinates (round nodes) and fits them.
            "type": "graph", "layout": "none", "roam": false, "left": "center", "top": "middle",
            "label": {"show": true},
            "categories": [
                {"name": l.s("受帮扶县区", "County"), "itemStyle": {"color": "#d4351c"}},
                {"name": l.s("结对镇街", "Lead town"), "itemStyle": {"color": "#1d70b8"}},
                {"name": l.s("协助镇街", "Assisting town"), "itemStyle": {"color": "#5694ca"}},
            ],
            "edgeSymbol": ["none", "arrow"], "edgeSymbolSize": 8,
            "data": nodes, "links": links,
        }],
    })
}

/// "0 of 1 met" / "已完成 0/1".
pub fn met_of(l: Lang, p: Progress) -> String {
    l.t(
        format!("已完成 {}/{}", p.reached, p.targets),
        format!("{} of {} met", p.reached, p.targets),
    )
}

fn town_ranking(l: Lang, plan: &Plan, a: &Assessment, period: &Period) -> Vec<TownRow> {
    progress::town_ranking(plan, &a.results)
        .into_iter()
        .map(|s| {
            let role = plan.unit(&s.unit).and_then(|u| u.town_role);
            TownRow {
                rank: s.rank,
                role: match role {
                    Some(TownRole::Lead) => l.t("结对镇街", "lead"),
                    Some(TownRole::Assisting) => l.t("协助镇街", "assisting"),
                    None => l.t("镇街", "town"),
                },
                lead: role == Some(TownRole::Lead),
                county: plan.paired_county(&s.unit).unwrap_or_default().to_string(),
                met: s.progress.reached,
                total: s.progress.targets,
                share: s.progress.percent_text(),
                value: s.progress.percent(),
                href: format!("/assess?unit={}&{}", urlencode(&s.unit), period.query),
                town: s.unit,
            }
        })
        .collect()
}

// ------------------------------------------------------------------ explain

pub struct ExplainRow {
    pub href: String,
    pub id: i64,
    pub kind: String,
    pub unit: String,
    pub date: String,
    pub summary: String,
    pub status: String,
    pub status_key: &'static str,
    pub evidence: i64,
}

#[derive(Template)]
#[template(path = "explain.html")]
struct ExplainPage {
    ctx: Ctx,
    period: Period,
    result: ResultRow,
    rows: Vec<ExplainRow>,
    total: usize,
    hidden: usize,
    with_evidence: usize,
    page: usize,
    pages: usize,
    prev_href: String,
    next_href: String,
}

const EXPLAIN_PER_PAGE: usize = 100;

pub async fn explain(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<AssessQuery>,
) -> Response {
    let actor = req.actor();
    if !actor.can_assess() {
        return req.forbidden();
    }
    let (Some(indicator), Some(scope)) = (
        AssessQuery::filter(&q.indicator).map(str::to_string),
        AssessQuery::filter(&q.scope).map(str::to_string),
    ) else {
        return req.bad_request(
            req.l
                .t("缺少指标或范围", "The indicator or scope is missing"),
        );
    };
    let (opts, a) = match compute(&state, &req, &q).await {
        Ok(x) => x,
        Err(e) => return e.into_response(&req),
    };
    let l = req.l;
    let period = Period::of(&state, &opts, req.l);
    let Some(result) = a
        .results
        .iter()
        .find(|r| r.indicator == indicator && r.scope == scope)
    else {
        return req.not_found();
    };
    let ids = match state
        .services
        .figures
        .records_behind(state.store(), state.plan(), &opts, &indicator, &scope)
        .await
    {
        Ok(ids) => ids.unwrap_or_default(),
        Err(e) => return req.internal(e),
    };
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    // The records are read a chunk at a time: a figure of the whole programme counts
    // hundreds of thousands of persons, and only one page of them is shown.
    let mut visible = 0usize;
    let mut with_evidence = 0usize;
    let mut shown: Vec<duikou_storage::records::StoredRecord> = Vec::new();
    let first = (page - 1) * EXPLAIN_PER_PAGE;
    let mut last_page: Vec<duikou_storage::records::StoredRecord> = Vec::new();
    for chunk in ids.chunks(2_000) {
        let chunk: Vec<duikou_domain::ids::RecordId> = chunk
            .iter()
            .copied()
            .map(duikou_domain::ids::RecordId)
            .collect();
        let records = match state.store().records_by_ids(&chunk).await {
            Ok(r) => r,
            Err(e) => return req.internal(e),
        };
        for r in records {
            with_evidence += usize::from(r.evidence_count > 0);
            let readable = actor.can_read(&RecordFacts {
                kind: r.kind,
                status: r.status,
                reporting_unit: &r.reporting_unit,
                fields: &r.fields,
            });
            if !readable {
                continue;
            }
            if (first..first + EXPLAIN_PER_PAGE).contains(&visible) {
                shown.push(r);
            } else if shown.is_empty() {
                // Kept in case the page asked for lies beyond the last.
                if visible.is_multiple_of(EXPLAIN_PER_PAGE) {
                    last_page.clear();
                }
                last_page.push(r);
            }
            visible += 1;
        }
    }
    let total = ids.len();
    let hidden = total - visible;
    let pages = visible.div_ceil(EXPLAIN_PER_PAGE).max(1);
    let page = page.min(pages);
    if shown.is_empty() {
        shown = last_page;
    }
    let rows = shown
        .iter()
        .map(|r| ExplainRow {
            href: format!("/records/{}/{}", r.kind.key(), r.id),
            id: r.id.0,
            kind: l.kind(r.kind).to_string(),
            unit: r.reporting_unit.to_string(),
            date: super::recview::date(l, r.kind, &r.fields),
            summary: super::recview::summary(l, r.kind, &r.fields, None),
            status: l.status(r.status).to_string(),
            status_key: r.status.key(),
            evidence: i64::from(r.evidence_count),
        })
        .collect();
    let base = format!(
        "/explain?indicator={}&scope={}&{}",
        urlencode(&indicator),
        urlencode(&scope),
        period.query
    );
    html(&ExplainPage {
        ctx: req.ctx(format!("{} – {}", result.name, l.scope(&result.scope))),
        result: row(l, result, &period),
        period,
        total,
        with_evidence,
        hidden,
        rows,
        page,
        pages,
        prev_href: if page > 1 {
            format!("{base}&page={}", page - 1)
        } else {
            String::new()
        },
        next_href: if page < pages {
            format!("{base}&page={}", page + 1)
        } else {
            String::new()
        },
    })
}
