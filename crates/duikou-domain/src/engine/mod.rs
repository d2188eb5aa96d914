//! The indicator engine: given the plan, the records and an assessment year and
//! as-of date, computes every indicator's figure, its gap to the target and its
//! status (docs/domain.md, "Counting rules" and "Status of an indicator").
//!
//! Pure: no I/O, no database. In two halves, so that a database can hold the first:
//!
//! - `classify`: one record and the plan → the contributions it makes (indicator, scope,
//!   the years and days it counts in, value, person key …), whatever the assessment;
//! - the fold: contributions → the assessment, in two steps: `aggregate` (a filter by
//!   year, as-of date and status, GROUP BY figure: what one SQL query does) and
//!   `evaluator::finish` (figures by measure, ratios, growth targets, statuses).
//!
//! `rules`: the conditions, durations and periods a record passes; `status`: a figure
//! against its target and deadline; `dates`: the calendar; `figures`: what it gives.
//! `assess` and `explain` are classify + fold over records in memory: the same code
//! serves the CLI, the web pages and the API.

use time::Date;

use crate::plan::{Indicator, Plan, Scope};
use crate::record::{FieldMap, Status, Value};
use crate::schema::RecordKind;

mod aggregate;
mod classify;
mod dates;
mod evaluator;
mod figures;
pub mod progress;
mod rules;
mod status;
#[cfg(test)]
mod tests;

pub use aggregate::{Aggregate, aggregate, records_behind};
pub use classify::{Classifier, Contribution, classify};
pub use dates::deadline_in;
pub use evaluator::{finish, previous_window};
pub use figures::{Assessment, Figure, IndicatorResult, IndicatorStatus};
pub use status::figure_of;

use classify::classify_all;
use dates::{dec_31, jan_1};
use evaluator::Fold;
use rules::status_counts;

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
    let classifier = Classifier::new(plan);
    let mut fold = Fold::new(plan, opts);
    // One record's contributions at a time: only the aggregates grow.
    let mut rows = Vec::new();
    for r in records
        .iter()
        .filter(|r| status_counts(r.status, opts.include_submitted))
    {
        rows.clear();
        classifier.classify_into(r, &mut rows);
        rows.iter().for_each(|c| fold.add(c));
    }
    fold.finish()
}

/// The assessment from contributions (`classify`): their aggregates for the year and,
/// for growth targets, the previous year (`previous_window`), finished into figures and
/// statuses (`finish`).
pub fn fold(plan: &Plan, opts: &AssessOptions, contributions: &[Contribution<'_>]) -> Assessment {
    let mut fold = Fold::new(plan, opts);
    contributions.iter().for_each(|c| fold.add(c));
    fold.finish()
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
    let ind = plan.indicator(indicator_id)?;
    scope_slots(plan, ind)
        .into_iter()
        .find(|slot| scope_name(*slot) == scope)?;
    let classifier = Classifier::of(plan, |i| i.id == indicator_id);
    let contributions = classify_all(&classifier, records, opts);
    Some(records_behind(&contributions, opts, indicator_id, scope))
}

/// Whether the plan gives this figure: an indicator it has, for `plan` or a unit of
/// the indicator's scope.
pub fn has_figure(plan: &Plan, indicator_id: &str, scope: &str) -> bool {
    plan.indicator(indicator_id).is_some_and(|ind| {
        scope_slots(plan, ind)
            .into_iter()
            .any(|slot| scope_name(slot) == scope)
    })
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
