//! The rules a record passes to count in a figure: the indicator's conditions on its
//! fields (some naming the unit the figure is for), its duration and its period.

use super::dates::{dec_31, jan_1, min_end_date};
use super::pool::Fact;
use super::{AssessOptions, EngineRecord};
use crate::plan::{Condition, FilterValue, Indicator, Measure, Period};
use crate::record::Value;
use crate::schema::RecordKind;

/// The unit a figure is computed for, and the county paired with it (for
/// `$paired_county`), looked up once per figure.
pub(super) struct Slot<'a> {
    pub(super) unit: Option<&'a str>,
    pub(super) paired_county: Option<&'a str>,
}

impl Slot<'_> {
    pub(super) const PLAN: Slot<'static> = Slot {
        unit: None,
        paired_county: None,
    };
}

/// Whether a filter value depends on the unit the figure is computed for.
pub(super) fn names_the_unit(want: &FilterValue) -> bool {
    matches!(want, FilterValue::ScopeUnit | FilterValue::PairedCounty)
}

/// Whether a record whose field holds `value` meets the condition.
pub(super) fn meets(c: &Condition, value: Option<&Value>, slot: &Slot<'_>) -> bool {
    c.any_of.iter().any(|want| matches(want, value, slot))
}

pub(super) fn matches(want: &FilterValue, value: Option<&Value>, slot: &Slot<'_>) -> bool {
    match (want, value) {
        // Missing booleans mean 否.
        (FilterValue::Bool(b), None) => !*b,
        (FilterValue::Bool(b), Some(v)) => v.as_bool() == Some(*b),
        (_, None) => false,
        (FilterValue::Text(t), Some(v)) => names(v, t),
        (FilterValue::ScopeUnit, Some(v)) => slot.unit.is_some_and(|u| names(v, u)),
        (FilterValue::PairedCounty, Some(v)) => slot.paired_county.is_some_and(|c| names(v, c)),
    }
}

/// The rules of an indicator that hold for a record whatever the unit: its duration,
/// its period and, for distinct persons, a person key.
pub(super) struct Rules<'a> {
    pub(super) ind: &'a Indicator,
    pub(super) opts: &'a AssessOptions,
}

impl Rules<'_> {
    pub(super) fn admits(&self, f: &Fact<'_>) -> bool {
        self.long_enough(f) && self.in_period(f) && self.measurable(f.rec)
    }

    /// `min_months`: the planned end is at least the start plus that many months
    /// minus one day (start 2019-03-01 → end 2020-02-29 or later).
    fn long_enough(&self, f: &Fact<'_>) -> bool {
        let Some(months) = self.ind.min_months else {
            return true;
        };
        let (Some(start), Some(end)) = (f.start, f.end) else {
            return false;
        };
        min_end_date(start, months).is_some_and(|min_end| end >= min_end)
    }

    fn in_period(&self, f: &Fact<'_>) -> bool {
        let Some(start) = f.start else {
            return false;
        };
        let year = self.opts.year;
        let as_of = self.opts.as_of;
        if start > as_of {
            return false;
        }
        match self.ind.period {
            Period::InYear => f.rec.plan_year == year,
            Period::Cumulative => {
                let reference = dec_31(year).min(as_of);
                start <= reference && f.end.is_none_or(|end| end > reference)
            }
            Period::InPost => start <= dec_31(year) && f.end.is_none_or(|end| end >= jan_1(year)),
            Period::PlanToDate => f.rec.plan_year <= year,
        }
    }

    /// Distinct persons can only be told apart by their key: rows without one are left out.
    fn measurable(&self, r: &EngineRecord) -> bool {
        !matches!(self.ind.measure, Measure::DistinctPersons) || r.person_key.is_some()
    }
}

/// Whether a field value is, or (for unit lists) contains, the given text.
pub(super) fn names(v: &Value, text: &str) -> bool {
    v.as_text() == Some(text) || v.units().iter().any(|u| u == text)
}

/// The field that ends a record's activity, for kinds that have one.
pub(super) fn end_field(kind: RecordKind) -> Option<&'static str> {
    kind.active_until_field()
}
