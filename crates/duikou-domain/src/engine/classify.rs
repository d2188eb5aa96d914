//! Classify: what one record contributes to the plan's figures, whatever the assessment.
//!
//! A record adds to a figure (an indicator, for the plan or for one unit) when its kind,
//! its fields, its duration and its review status say so. *When* it adds — which
//! assessment years, from which as-of date, until which — is a window held in the row
//! itself, so that one classification serves every year, as-of date and the
//! include-submitted switch: the rows can be stored with the record and derived again
//! only when the record (its fields, its status, its evidence) or the plan changes.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use time::Date;

use super::rules::{
    Slot, counts_for_unit, long_enough, meets, named_units, names_the_unit, on_time_from,
    status_counts, windows,
};
use super::{AssessOptions, EngineRecord, PLAN_SCOPE};
use crate::plan::{Condition, Indicator, Measure, Plan, Scope};
use crate::record::{Status, Value};
use crate::schema::RecordKind;

/// What one record adds to one figure (an indicator, for the plan or one unit), and in
/// which assessments. Flat (texts, integers, dates), so that a database table can hold
/// it: the aggregate of the rows counting in an assessment gives its figures
/// (`aggregate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution<'a> {
    pub record_id: i64,
    /// The indicator's id.
    pub indicator: Cow<'a, str>,
    /// `plan`, or the name of the unit the figure is for.
    pub scope: Cow<'a, str>,
    /// Approved, or submitted (counted only when an assessment includes submitted
    /// records). Drafts and rejected records contribute nothing.
    pub status: Status,
    /// The assessment years it counts in: `year_from..=year_to`, or every year from
    /// `year_from` on.
    pub year_from: i32,
    pub year_to: Option<i32>,
    /// It counts as of this day (the event date: a transfer's receipt) and later…
    pub counts_from: Date,
    /// …and, when given, only as of a day before this one (a pairing ended: a figure
    /// of what is active at the year's end counts it only before its end).
    pub counts_until: Option<Date>,
    /// In the assessments of this year and later ones it also counts toward the deadline
    /// (`on_time`): its event came by the deadline of its own year, or in an earlier year.
    pub on_time_from: i32,
    /// What it adds: 1 for a count (or a person), the field summed otherwise (money in
    /// fen; for a ratio, its numerator).
    pub value: i64,
    /// The blind index of the person's ID number, for figures of distinct persons.
    pub person_key: Option<Cow<'a, str>>,
    /// The record has evidence attached.
    pub with_evidence: bool,
}

impl Contribution<'_> {
    /// Whether the row counts in the assessment (`opts`: year, as-of date, statuses).
    pub fn counts_in(&self, opts: &AssessOptions) -> bool {
        status_counts(self.status, opts.include_submitted)
            && self.year_from <= opts.year
            && self.year_to.is_none_or(|last| opts.year <= last)
            && self.counts_from <= opts.as_of
            && self.counts_until.is_none_or(|until| opts.as_of < until)
    }

    /// Whether, counting in an assessment of `year`, it also counts toward the deadline.
    pub fn on_time_in(&self, year: i32) -> bool {
        self.on_time_from <= year
    }
}

/// Everything one record contributes under the plan. To classify many records, make a
/// [`Classifier`] once.
pub fn classify<'a>(plan: &'a Plan, record: &'a EngineRecord) -> Vec<Contribution<'a>> {
    let mut out = Vec::new();
    Classifier::new(plan).classify_into(record, &mut out);
    out
}

/// The plan's indicators prepared to classify records: per kind, the indicators that
/// count it; per indicator, its conditions split by whether they name the unit, and
/// its scope's units.
pub struct Classifier<'p> {
    by_kind: BTreeMap<RecordKind, Vec<Counting<'p>>>,
}

/// One indicator, prepared.
struct Counting<'p> {
    ind: &'p Indicator,
    /// Conditions on fixed values, checked once per record.
    fixed: Vec<&'p Condition>,
    /// Conditions naming the figure's unit (`$scope`, `$paired_county`), checked per unit.
    per_unit: Vec<&'p Condition>,
    /// A per-unit scope's units by name (empty for the plan).
    slots: HashMap<&'p str, Slot<'p>>,
}

impl<'p> Classifier<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Self::of(plan, |_| true)
    }

    /// For the indicators `keep` selects only.
    pub(super) fn of(plan: &'p Plan, keep: impl Fn(&Indicator) -> bool) -> Self {
        let mut by_kind: BTreeMap<RecordKind, Vec<Counting<'p>>> = BTreeMap::new();
        for ind in plan.indicators.iter().filter(|i| keep(i)) {
            let (per_unit, fixed) = ind
                .conditions
                .iter()
                .partition(|c| c.any_of.iter().any(names_the_unit));
            let slots = match ind.scope {
                Scope::Plan => HashMap::new(),
                scope => plan
                    .scope_units(scope)
                    .into_iter()
                    .map(|u| {
                        let unit = u.name.as_str();
                        let slot = Slot {
                            unit: Some(unit),
                            paired_county: plan.paired_county(unit),
                        };
                        (unit, slot)
                    })
                    .collect(),
            };
            by_kind.entry(ind.kind).or_default().push(Counting {
                ind,
                fixed,
                per_unit,
                slots,
            });
        }
        Classifier { by_kind }
    }

    /// Everything the record contributes, appended to `out`: per indicator (in the plan's
    /// order) and unit (in the order the record names them), a row per window.
    pub fn classify_into<'a>(&self, r: &'a EngineRecord, out: &mut Vec<Contribution<'a>>)
    where
        'p: 'a,
    {
        if !matches!(r.status, Status::Approved | Status::Submitted) {
            return;
        }
        let Some(countings) = self.by_kind.get(&r.kind) else {
            return;
        };
        // Without its date (a transfer not yet received) a record counts nowhere.
        let Some(start) = r.event_date() else {
            return;
        };
        let end = r.kind.active_until_field().and_then(|f| r.date(f));
        for c in countings {
            let ind = c.ind;
            let passes = |conditions: &[&Condition], slot: &Slot<'_>| {
                conditions
                    .iter()
                    .all(|cond| meets(cond, r.get(&cond.field), slot))
            };
            if !passes(&c.fixed, &Slot::PLAN) || !long_enough(ind, start, end) {
                continue;
            }
            let person_key = match ind.measure {
                // Distinct persons can only be told apart by their key: rows without one
                // are left out.
                Measure::DistinctPersons => match r.person_key.as_deref() {
                    Some(key) => Some(Cow::Borrowed(key)),
                    None => continue,
                },
                _ => None,
            };
            let value = match &ind.measure {
                Measure::Count | Measure::DistinctPersons => 1,
                Measure::Sum { field }
                | Measure::Ratio {
                    numerator: field, ..
                } => r.get(field).and_then(Value::as_amount).unwrap_or(0),
            };
            let row = |scope: &'a str, w: super::rules::Window| Contribution {
                record_id: r.id,
                indicator: Cow::Borrowed(ind.id.as_str()),
                scope: Cow::Borrowed(scope),
                status: r.status,
                year_from: w.year_from,
                year_to: w.year_to,
                counts_from: start,
                counts_until: w.until,
                on_time_from: on_time_from(ind, start),
                value,
                person_key: person_key.clone(),
                with_evidence: r.evidence_count > 0,
            };
            let windows = windows(ind.period, r.plan_year, start, end);
            let mut add =
                |scope: &'a str| out.extend(windows.iter().flatten().map(|w| row(scope, *w)));
            if ind.scope == Scope::Plan {
                if passes(&c.per_unit, &Slot::PLAN) {
                    add(PLAN_SCOPE);
                }
                continue;
            }
            let Some(by) = ind.by.as_deref() else {
                continue;
            };
            for unit in named_units(r.get(by)) {
                let Some((&name, slot)) = c.slots.get_key_value(unit.as_str()) else {
                    continue;
                };
                if counts_for_unit(r, name) && passes(&c.per_unit, slot) {
                    add(name);
                }
            }
        }
    }
}

/// The rows of the records that may count in an assessment with these options (all of
/// them but drafts and rejected ones, and submitted ones unless included).
pub(super) fn classify_all<'a>(
    classifier: &Classifier<'a>,
    records: &'a [EngineRecord],
    opts: &AssessOptions,
) -> Vec<Contribution<'a>> {
    let mut out = Vec::new();
    for r in records
        .iter()
        .filter(|r| status_counts(r.status, opts.include_submitted))
    {
        classifier.classify_into(r, &mut out);
    }
    out
}
