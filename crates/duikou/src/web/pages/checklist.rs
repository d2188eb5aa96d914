//! The work checklist of the plan's appendix (序号, 重点工作, 具体事项, 完成时限, 责任单位)
//! with the live figures of each item, and the full assessment table with its downloads.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use duikou_domain::engine::{IndicatorResult, IndicatorStatus};

use duikou_domain::target_text;

use super::figures::{AssessQuery, Period, ResultRow, compute, explain_href, row, status_label};
use super::forms::{Opt, OptGroup, unit_groups};
use super::{Ctx, Lang, Req, file_response, html};
use crate::web::AppState;
use crate::web::auth::urlencode;

pub struct Line {
    pub text: String,
    pub status_key: &'static str,
    pub status: String,
    pub href: String,
}

pub struct ItemView {
    pub no: String,
    pub title: String,
    pub text: String,
    pub time_limit: String,
    pub responsible: String,
    pub lines: Vec<Line>,
    pub coverage: String,
    /// The latest progress of each unit (工作进展).
    pub progress: Vec<String>,
}

pub struct ActionView {
    pub no: String,
    pub title: String,
    pub items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct ChecklistPage {
    ctx: Ctx,
    period: Period,
    action_opts: Vec<Opt>,
    unit_groups: Vec<OptGroup>,
    status_opts: Vec<Opt>,
    actions: Vec<ActionView>,
    filtered: bool,
    can_export: bool,
}

fn status_options(l: Lang, selected: Option<&str>) -> Vec<Opt> {
    let mut v = vec![Opt {
        value: String::new(),
        label: l.s("全部状态", "Any status").into(),
        selected: selected.is_none(),
    }];
    v.extend(IndicatorStatus::ALL.iter().map(|s| Opt {
        value: s.key().into(),
        label: l.indicator_status(*s).into(),
        selected: selected == Some(s.key()),
    }));
    v
}

fn unit_options(
    l: Lang,
    plan: &duikou_domain::plan::Plan,
    selected: Option<&str>,
) -> Vec<OptGroup> {
    let sel: Vec<String> = selected.map(|s| vec![s.to_string()]).unwrap_or_default();
    let mut g = vec![OptGroup {
        label: String::new(),
        options: vec![Opt {
            value: String::new(),
            label: l.s("全部单位", "Any unit").into(),
            selected: selected.is_none(),
        }],
    }];
    g.extend(unit_groups(
        l,
        plan,
        duikou_domain::schema::UnitRule::Any,
        &sel,
    ));
    g
}

/// Lines of live figures for an item: one per indicator, a per-unit indicator summarised.
fn lines(l: Lang, results: &[&IndicatorResult], period: &Period) -> Vec<Line> {
    let zh = duikou_app::assessment::summarise(results);
    let mut out = Vec::new();
    let mut i = 0;
    while i < results.len() {
        let r = results[i];
        let same: Vec<&IndicatorResult> = results[i..]
            .iter()
            .take_while(|x| x.indicator == r.indicator)
            .copied()
            .collect();
        let k = out.len();
        let (text, status_key, status, href) = if same.len() == 1 {
            let en = format!(
                "{}{}: {} / {}",
                r.name,
                if r.scope == "plan" {
                    String::new()
                } else {
                    format!(" [{}]", r.scope)
                },
                l.figure(r.actual, &r.unit),
                target_text::of_result(r, l.style())
            );
            (
                en,
                r.status.key(),
                status_label(l, r),
                explain_href(r, period),
            )
        } else {
            let counts = IndicatorStatus::ALL
                .iter()
                .map(|s| (s, same.iter().filter(|x| x.status == *s).count()))
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| format!("{} {n}", l.indicator_status(*s)))
                .collect::<Vec<_>>()
                .join(", ");
            let worst = [
                IndicatorStatus::NotMet,
                IndicatorStatus::Behind,
                IndicatorStatus::Late,
                IndicatorStatus::OnTrack,
                IndicatorStatus::Met,
                IndicatorStatus::Tracked,
            ]
            .into_iter()
            .find(|s| same.iter().any(|x| x.status == *s))
            .unwrap_or(IndicatorStatus::Tracked);
            let en = format!(
                "{} ({}, target {}): {counts}",
                r.name,
                l.n(same.len(), "unit", "units"),
                target_text::of_result(r, l.style())
            );
            (
                en,
                worst.key(),
                l.indicator_status(worst).to_string(),
                format!(
                    "/assess?indicator={}&{}",
                    urlencode(&r.indicator),
                    period.query
                ),
            )
        };
        let text = if l.is_en() {
            text
        } else {
            // The status is shown as a tag beside the line: not twice.
            let line = zh.get(k).cloned().unwrap_or(text);
            match line.strip_suffix(r.status.label_zh()) {
                Some(rest) if same.len() == 1 => rest.trim_end().to_string(),
                _ => line,
            }
        };
        out.push(Line {
            text,
            status_key,
            status,
            href,
        });
        i += same.len();
    }
    out
}

pub async fn checklist(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<AssessQuery>,
) -> Response {
    if !req.actor().can_assess() {
        return req.forbidden();
    }
    let (opts, a) = match compute(&state, &req, &q).await {
        Ok(x) => x,
        Err(e) => return e.into_response(&req),
    };
    let narratives = match state.services.narratives(&req.actor(), opts.as_of).await {
        Ok(n) => n,
        Err(e) => return req.service_error(e),
    };
    let l = req.l;
    let plan = state.plan();
    let period = Period::of(&state, &opts, req.l);
    let action = AssessQuery::filter(&q.action);
    let unit = AssessQuery::filter(&q.unit)
        .and_then(|u| plan.resolve_unit(u))
        .map(|u| u.name.clone());
    let status = AssessQuery::filter(&q.status)
        .and_then(|s| IndicatorStatus::ALL.into_iter().find(|x| x.key() == s));
    let mut actions = Vec::new();
    for (act, rows) in duikou_reports::workbook::checklist(plan, &a) {
        if action.is_some_and(|x| x != act.no) {
            continue;
        }
        let mut items = Vec::new();
        for c in rows {
            let responsible = plan.expand_responsible(&c.item.responsible);
            let results: Vec<&IndicatorResult> = c
                .results
                .iter()
                .copied()
                .filter(|r| {
                    unit.as_ref()
                        .is_none_or(|u| r.scope == "plan" || r.scope == *u)
                })
                .filter(|r| status.is_none_or(|s| r.status == s))
                .collect();
            let progress: Vec<String> = narratives
                .get(&c.item.no)
                .into_iter()
                .flatten()
                .filter(|n| unit.as_ref().is_none_or(|u| n.unit == *u))
                .map(|n| n.text())
                .collect();
            if let Some(u) = &unit {
                let concerned = responsible.contains(&u.as_str())
                    || c.results.iter().any(|r| r.scope == *u)
                    || !progress.is_empty();
                if !concerned {
                    continue;
                }
            }
            if status.is_some() && results.is_empty() {
                continue;
            }
            let records: usize = results.iter().map(|r| r.records).sum();
            let with_evidence: usize = results.iter().map(|r| r.with_evidence).sum();
            items.push(ItemView {
                no: c.item.no.clone(),
                title: c.item.title.clone(),
                text: c.item.text.clone(),
                time_limit: c.item.time_limit.clone(),
                responsible: c.item.responsible.join("、"),
                lines: lines(l, &results, &period),
                coverage: if records == 0 {
                    "—".into()
                } else {
                    format!("{with_evidence}/{records}")
                },
                progress,
            });
        }
        if !items.is_empty() {
            actions.push(ActionView {
                no: act.no.clone(),
                title: act.title.clone(),
                items,
            });
        }
    }
    let mut action_opts = vec![Opt {
        value: String::new(),
        label: l.s("全部行动", "Every action").into(),
        selected: action.is_none(),
    }];
    action_opts.extend(plan.actions.iter().map(|a| Opt {
        value: a.no.clone(),
        label: format!("{} {}", a.no, a.title),
        selected: action == Some(a.no.as_str()),
    }));
    html(&ChecklistPage {
        ctx: req.ctx(l.t("工作清单进展", "Work checklist progress")),
        period,
        action_opts,
        unit_groups: unit_options(l, plan, unit.as_deref()),
        status_opts: status_options(l, status.map(|s| s.key())),
        actions,
        filtered: action.is_some() || unit.is_some() || status.is_some(),
        can_export: req.actor().can_export(),
    })
}

#[derive(Template)]
#[template(path = "assess.html")]
struct AssessPage {
    ctx: Ctx,
    period: Period,
    unit_groups: Vec<OptGroup>,
    status_opts: Vec<Opt>,
    rows: Vec<ResultRow>,
    total: usize,
    indicator: String,
    json_href: String,
    xlsx_href: String,
    can_export: bool,
}

fn filtered<'a>(
    plan: &duikou_domain::plan::Plan,
    results: &'a [IndicatorResult],
    q: &AssessQuery,
) -> Vec<&'a IndicatorResult> {
    let unit = AssessQuery::filter(&q.unit)
        .and_then(|u| plan.resolve_unit(u))
        .map(|u| u.name.clone());
    let status = AssessQuery::filter(&q.status);
    let indicator = AssessQuery::filter(&q.indicator);
    let action = AssessQuery::filter(&q.action);
    results
        .iter()
        .filter(|r| unit.as_ref().is_none_or(|u| r.scope == *u))
        .filter(|r| status.is_none_or(|s| r.status.key() == s))
        .filter(|r| indicator.is_none_or(|i| r.indicator == i))
        .filter(|r| action.is_none_or(|a| plan.action_of(&r.item).is_some_and(|x| x.no == a)))
        .collect()
}

pub async fn assess(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<AssessQuery>,
) -> Response {
    if !req.actor().can_assess() {
        return req.forbidden();
    }
    let (opts, a) = match compute(&state, &req, &q).await {
        Ok(x) => x,
        Err(e) => return e.into_response(&req),
    };
    let l = req.l;
    let plan = state.plan();
    let period = Period::of(&state, &opts, req.l);
    let rows: Vec<ResultRow> = filtered(plan, &a.results, &q)
        .into_iter()
        .map(|r| row(l, r, &period))
        .collect();
    let unit = AssessQuery::filter(&q.unit)
        .and_then(|u| plan.resolve_unit(u))
        .map(|u| u.name.clone());
    let unit_q = unit
        .as_deref()
        .map(|u| format!("&unit={}", urlencode(u)))
        .unwrap_or_default();
    let json_href = format!(
        "/api/v1/assessment?year={}&as_of={}{}",
        period.year,
        period.as_of,
        if period.include_submitted {
            "&include_submitted=true"
        } else {
            ""
        }
    );
    let xlsx_href = format!("/assess.xlsx?{}{unit_q}", period.query);
    html(&AssessPage {
        ctx: req.ctx(l.t("考核结果", "Assessment")),
        unit_groups: unit_options(l, plan, unit.as_deref()),
        status_opts: status_options(l, AssessQuery::filter(&q.status)),
        total: a.results.len(),
        indicator: AssessQuery::filter(&q.indicator)
            .unwrap_or_default()
            .to_string(),
        period,
        rows,
        json_href,
        xlsx_href,
        can_export: req.actor().can_export(),
    })
}

pub async fn assess_xlsx(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<AssessQuery>,
) -> Response {
    if !req.actor().can_assess() {
        return req.forbidden();
    }
    let (opts, mut a) = match compute(&state, &req, &q).await {
        Ok(x) => x,
        Err(e) => return e.into_response(&req),
    };
    let plan = state.plan();
    if let Some(u) = AssessQuery::filter(&q.unit).and_then(|u| plan.resolve_unit(u)) {
        std::sync::Arc::make_mut(&mut a)
            .results
            .retain(|r| r.scope == u.name);
    }
    let narratives = match state.services.narratives(&req.actor(), opts.as_of).await {
        Ok(n) => n,
        Err(e) => return req.service_error(e),
    };
    match duikou_reports::workbook::assessment_workbook(plan, &a, &narratives) {
        Ok(bytes) => file_response(
            &format!("考核结果-{}-{}.xlsx", a.year, a.as_of),
            duikou_reports::XLSX_CONTENT_TYPE,
            bytes,
            false,
        ),
        Err(e) => req.internal(e),
    }
}

/// GET /checklist.xlsx: the work-checklist progress table (工作清单进展表), as
/// `duikou checklist --format xlsx` writes it.
pub async fn checklist_xlsx(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<AssessQuery>,
) -> Response {
    if !req.actor().can_assess() {
        return req.forbidden();
    }
    let (opts, a) = match compute(&state, &req, &q).await {
        Ok(x) => x,
        Err(e) => return e.into_response(&req),
    };
    let narratives = match state.services.narratives(&req.actor(), opts.as_of).await {
        Ok(n) => n,
        Err(e) => return req.service_error(e),
    };
    match duikou_reports::workbook::checklist_workbook(state.plan(), &a, &narratives) {
        Ok(bytes) => file_response(
            &format!("工作清单进展表-{}-{}.xlsx", a.year, a.as_of),
            duikou_reports::XLSX_CONTENT_TYPE,
            bytes,
            false,
        ),
        Err(e) => req.internal(e),
    }
}
