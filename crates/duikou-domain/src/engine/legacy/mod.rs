//! The engine before classify + fold, kept while the rewrite is proved against it.
#![allow(dead_code)]

use super::{AssessOptions, Assessment, EngineRecord, dates, figures, scope_name, scope_slots};
use crate::plan::Plan;
use crate::record::format_date;
use dates::dec_31;

mod evaluator;
mod pool;
mod rules;
mod status;

use evaluator::Evaluator;
use pool::Pool;

/// Evaluate every indicator of the plan: one result per indicator and scope unit, in
/// the plan's indicator order and, within a per-unit scope, the plan's unit order.
pub fn assess(plan: &Plan, records: &[EngineRecord], opts: &AssessOptions) -> Assessment {
    let pool = Pool::new(plan, records, opts);
    let ev = Evaluator::new(plan, &pool, opts);
    // A growth target is set by the previous year's figure, as it stood at that year's end.
    let previous_opts = AssessOptions {
        year: opts.year - 1,
        as_of: dec_31(opts.year - 1).min(opts.as_of),
        ..*opts
    };
    let needs_previous = opts.year > plan.meta.first_year
        && plan.indicators.iter().any(|i| i.growth_percent.is_some());
    let previous_pool = needs_previous.then(|| Pool::new(plan, records, &previous_opts));
    let previous = previous_pool
        .as_ref()
        .map(|p| Evaluator::new(plan, p, &previous_opts));
    let ev = ev.with_previous(previous.as_ref());
    let results = plan
        .indicators
        .iter()
        .enumerate()
        .flat_map(|(i, ind)| {
            scope_slots(plan, ind)
                .into_iter()
                .map(move |unit| (i, unit))
        })
        .map(|(i, unit)| ev.result_for(i, unit))
        .collect();
    Assessment {
        plan: plan.meta.id.clone(),
        plan_version: plan.version,
        year: opts.year,
        as_of: format_date(opts.as_of),
        include_submitted: opts.include_submitted,
        results,
    }
}

/// The ids of the records behind one figure (what `actual` counts), ascending, for
/// "explain" links. `scope` is `plan` or a unit of the indicator's scope; None when the
/// indicator or the scope is unknown. For a ratio, the records of the numerator.
pub fn explain(
    plan: &Plan,
    records: &[EngineRecord],
    opts: &AssessOptions,
    indicator_id: &str,
    scope: &str,
) -> Option<Vec<i64>> {
    let index = plan.indicators.iter().position(|i| i.id == indicator_id)?;
    let unit = scope_slots(plan, &plan.indicators[index])
        .into_iter()
        .find(|slot| scope_name(*slot) == scope)?;
    let pool = Pool::new(plan, records, opts);
    let ev = Evaluator::new(plan, &pool, opts);
    let mut ids: Vec<i64> = ev.tally(index, unit).counted.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}
