//! The indicator engine: given the plan, the records and an assessment year and
//! as-of date, computes every indicator's figure, its gap to the target and its
//! status (docs/domain.md, "Counting rules" and "Status of an indicator").
//!
//! Pure: no I/O, no database. Callers load the records and hand them over as
//! [`EngineRecord`]s; the same code serves the CLI, the web pages and the API.
//!
//! - `figures`: what it gives: figures held exactly, statuses, results;
//! - `pool`: the records that may count, by kind, as tables of the fields the plan reads;
//! - `evaluator`: one figure counted over the pool; `rules`: the conditions and rules
//!   a record must pass;
//! - `status`: a figure against its target and deadline; `dates`: the calendar.

use time::Date;

use crate::plan::{Indicator, Plan, Scope};
use crate::record::{FieldMap, Status, Value, format_date};
use crate::schema::RecordKind;

mod dates;
mod evaluator;
mod figures;
mod pool;
pub mod progress;
mod rules;
mod status;
#[cfg(test)]
mod tests;

pub use dates::deadline_in;
pub use figures::{Assessment, Figure, IndicatorResult, IndicatorStatus};
pub use status::figure_of;

use dates::{dec_31, jan_1};
use evaluator::Evaluator;
use pool::Pool;

// ------------------------------------------------------------------ inputs

/// A record as the engine sees it: typed fields and what the review decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineRecord {
    pub id: i64,
    pub kind: RecordKind,
    pub status: Status,
    pub plan_year: i32,
    pub reporting_unit: String,
    /// As a validated record holds them (`record::FieldMap`); money in fen.
    pub fields: FieldMap,
    /// Blind index of the ID number (person records): the same person, the same key.
    pub person_key: Option<String>,
    pub evidence_count: u32,
}

impl EngineRecord {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field)
    }

    fn date(&self, field: &str) -> Option<Date> {
        self.get(field).and_then(Value::as_date)
    }

    /// The date that places the record in time. A transfer's is its receipt:
    /// without `received_on` the money has not arrived and counts nowhere.
    pub fn event_date(&self) -> Option<Date> {
        self.date(self.kind.event_date_field())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessOptions {
    pub year: i32,
    pub as_of: Date,
    /// Count submitted (not yet approved) records too: the "what if approved" view.
    pub include_submitted: bool,
}

/// The as-of date when none is given: today within the year, the year's end for
/// past years, and Jan 1 for future years (nothing can have happened yet).
pub fn default_as_of(year: i32, today: Date) -> Date {
    match year.cmp(&today.year()) {
        std::cmp::Ordering::Equal => today,
        std::cmp::Ordering::Less => dec_31(year),
        std::cmp::Ordering::Greater => jan_1(year),
    }
}

// ------------------------------------------------------------------ entry points

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

const PLAN_SCOPE: &str = "plan";

/// The figures an indicator gives: one for the plan (None), or one per scope unit.
fn scope_slots<'p>(plan: &'p Plan, ind: &Indicator) -> Vec<Option<&'p str>> {
    match ind.scope {
        Scope::Plan => vec![None],
        scope => plan
            .scope_units(scope)
            .into_iter()
            .map(|u| Some(u.name.as_str()))
            .collect(),
    }
}

pub(super) fn scope_name(unit: Option<&str>) -> &str {
    unit.unwrap_or(PLAN_SCOPE)
}
