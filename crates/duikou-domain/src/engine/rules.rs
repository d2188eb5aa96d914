//! The rules a record passes to count in a figure: the indicator's conditions on its
//! fields (some naming the unit the figure is for), its duration, the unit it counts
//! for, and its period — the assessment years and as-of dates it counts in.

use time::Date;

use super::EngineRecord;
use super::dates::{deadline_in, min_end_date};
use crate::plan::{Condition, FilterValue, Indicator, Period};
use crate::record::{Status, Value};
use crate::schema::BuiltinKind;

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

/// Whether a field value is, or (for unit lists) contains, the given text.
pub(super) fn names(v: &Value, text: &str) -> bool {
    v.as_text() == Some(text) || v.units().iter().any(|u| u == text)
}

/// `min_months`: the planned end is at least the start plus that many months minus one
/// day (start 2019-03-01 → end 2020-02-29 or later). The planned end, not the day
/// reached: a secondment planned for a year counts from its first day.
pub(super) fn long_enough(ind: &Indicator, start: Date, end: Option<Date>) -> bool {
    let Some(months) = ind.min_months else {
        return true;
    };
    end.zip(min_end_date(start, months))
        .is_some_and(|(end, min_end)| end >= min_end)
}

/// The units a record names in its `by` field, each once. A party (buyer, donor) is text
/// that names a unit when it is one.
pub(super) fn named_units(value: Option<&Value>) -> impl Iterator<Item = &String> {
    let units = value.map_or(&[][..], |v| match v {
        Value::Text(t) => std::slice::from_ref(t),
        v => v.units(),
    });
    units
        .iter()
        .enumerate()
        .filter(move |(i, u)| !units[..*i].contains(u))
        .map(|(_, u)| u)
}

/// Drafts and rejected records never count; submitted ones only when asked.
pub(super) fn status_counts(status: Status, include_submitted: bool) -> bool {
    match status {
        Status::Approved => true,
        Status::Submitted => include_submitted,
        Status::Draft | Status::Rejected => false,
    }
}

/// A record adds to the figure of a unit it names but did not report only once a
/// coordinator approved it: otherwise any unit could raise another's figures (with
/// `include_submitted`) before the named unit has even seen the record. The payee of a
/// transfer is the exception once it confirmed receipt: the receipt date is its own act.
pub(super) fn counts_for_unit(rec: &EngineRecord, unit: &str) -> bool {
    rec.status == Status::Approved
        || rec.reporting_unit == unit
        || (rec.kind.is(BuiltinKind::Transfer)
            && rec.get("received_on").is_some()
            && rec
                .get("payee")
                .is_some_and(|p| p.units().iter().any(|u| u == unit)))
}

/// When a record counts: in the assessments of years `year_from..=year_to` (no end: every
/// later year) as of a day before `until` (no end: any day). Every record also counts
/// only as of its event date and later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Window {
    pub(super) year_from: i32,
    pub(super) year_to: Option<i32>,
    pub(super) until: Option<Date>,
}

/// The windows of a record starting on `start` (its event date), ending on `end` (a
/// pairing's or secondment's end), of plan year `plan_year`: at most two, never
/// overlapping in years.
///
/// - in the year: the plan year's assessment only;
/// - plan to date: the plan year's and every later one;
/// - in post at any time in the year (start ≤ 12-31, end ≥ 01-01): from the start's year
///   to the end's;
/// - cumulative, active at the end of the year or at the as-of date if earlier (started
///   by then, not ended by then): every year from the start's; in the years before the
///   end's it is active at the year's end whatever the as-of date, from the end's year on
///   only as of a day before the end.
pub(super) fn windows(
    period: Period,
    plan_year: i32,
    start: Date,
    end: Option<Date>,
) -> [Option<Window>; 2] {
    let open = |year_from, year_to| Window {
        year_from,
        year_to,
        until: None,
    };
    let first = start.year();
    match (period, end) {
        (Period::InYear, _) => [Some(open(plan_year, Some(plan_year))), None],
        (Period::PlanToDate, _) => [Some(open(plan_year, None)), None],
        (Period::InPost, None) => [Some(open(first, None)), None],
        (Period::InPost, Some(end)) => [
            (first <= end.year()).then(|| open(first, Some(end.year()))),
            None,
        ],
        (Period::Cumulative, None) => [Some(open(first, None)), None],
        (Period::Cumulative, Some(end)) => {
            let last_open = end.year() - 1;
            [
                (first <= last_open).then(|| open(first, Some(last_open))),
                Some(Window {
                    year_from: first.max(end.year()),
                    year_to: None,
                    until: Some(end),
                }),
            ]
        }
    }
}

/// The first assessment year in which a record starting on `start` counts by the
/// indicator's deadline: its own year when it came by that year's deadline, else the
/// next (in any later year it came before the year began).
pub(super) fn on_time_from(ind: &Indicator, start: Date) -> i32 {
    let year = start.year();
    if start <= deadline_in(ind, year) {
        year
    } else {
        year + 1
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn years(ws: [Option<Window>; 2]) -> Vec<(i32, Option<i32>, Option<Date>)> {
        ws.into_iter()
            .flatten()
            .map(|w| (w.year_from, w.year_to, w.until))
            .collect()
    }

    #[test]
    fn a_cumulative_record_counts_at_year_ends_before_its_end_and_before_its_end_after() {
        let signed = date!(2018 - 05 - 01);
        let ended = date!(2020 - 06 - 30);
        assert_eq!(
            years(windows(Period::Cumulative, 2018, signed, Some(ended))),
            vec![(2018, Some(2019), None), (2020, None, Some(ended))]
        );
        // Ended in its first year: only before its end.
        assert_eq!(
            years(windows(
                Period::Cumulative,
                2018,
                signed,
                Some(date!(2018 - 12 - 31))
            )),
            vec![(2018, None, Some(date!(2018 - 12 - 31)))]
        );
        assert_eq!(
            years(windows(Period::Cumulative, 2018, signed, None)),
            vec![(2018, None, None)]
        );
    }

    #[test]
    fn in_post_spans_the_years_from_start_to_end_and_other_periods_the_plan_year() {
        let start = date!(2018 - 11 - 01);
        assert_eq!(
            years(windows(
                Period::InPost,
                2018,
                start,
                Some(date!(2020 - 01 - 01))
            )),
            vec![(2018, Some(2020), None)]
        );
        assert_eq!(
            years(windows(
                Period::InPost,
                2018,
                start,
                Some(date!(2017 - 12 - 31))
            )),
            vec![]
        );
        // A transfer of budget year 2019 received in 2020 counts in 2019.
        let received = date!(2020 - 02 - 01);
        assert_eq!(
            years(windows(Period::InYear, 2019, received, None)),
            vec![(2019, Some(2019), None)]
        );
        assert_eq!(
            years(windows(Period::PlanToDate, 2019, received, None)),
            vec![(2019, None, None)]
        );
    }
}
