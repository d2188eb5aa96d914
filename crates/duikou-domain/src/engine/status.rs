//! One result: an indicator's figure for a unit against its target (a growth target
//! from the previous year's figure) and its deadline.

use time::Date;

use super::dates::{deadline_in, jan_1};
use super::figures::{Figure, IndicatorResult, IndicatorStatus};
use super::{AssessOptions, scope_name};
use crate::plan::{Indicator, Measure, Target};
use crate::record::format_date;

/// One figure counted: its value up to the as-of date, its value up to the deadline,
/// the records behind the first and how many of them have evidence.
pub(super) struct Tally {
    pub(super) actual: i64,
    pub(super) on_time: i64,
    pub(super) records: usize,
    pub(super) with_evidence: usize,
}

/// The result of one figure against its target (None: tracked) and deadline.
pub(super) fn result(
    ind: &Indicator,
    opts: &AssessOptions,
    unit: Option<&str>,
    tally: &Tally,
    target: Option<Target>,
) -> IndicatorResult {
    let calendar = Calendar::new(ind, opts);
    let status = judge(target, tally.actual, tally.on_time, &calendar);
    let figure = |v: i64| figure_of(ind, v);
    IndicatorResult {
        indicator: ind.id.clone(),
        item: ind.item.clone(),
        scope: scope_name(unit).to_string(),
        actual: figure(tally.actual),
        on_time: ind
            .has_deadline_before_year_end(opts.year)
            .then(|| figure(tally.on_time)),
        target_min: target.map(|t| figure(t.min)),
        target_max: target.and_then(|t| t.max).map(figure),
        unit: ind.unit.clone(),
        status,
        above_range: exceeds_range(target, tally.actual),
        records: tally.records,
        with_evidence: tally.with_evidence,
        deadline: format_date(calendar.deadline),
        name: ind.name.clone(),
    }
}

/// At least `percent` % above the previous year's figure, rounded up to a whole unit.
pub(super) fn growth_target(previous: i64, percent: u32) -> Target {
    let scaled = i128::from(previous) * (100 + i128::from(percent));
    let min = (scaled + 99).div_euclid(100);
    Target {
        min: i64::try_from(min).unwrap_or(i64::MAX),
        max: None,
    }
}

/// An indicator's raw value (a count, fen, hundredths of a percent) as its figure.
pub fn figure_of(ind: &Indicator, v: i64) -> Figure {
    match ind.measure {
        Measure::Ratio { .. } => Figure::Percent(v),
        _ if ind.is_money() => Figure::Money(v),
        _ => Figure::Count(v),
    }
}

/// The dates a status is judged against.
pub(super) struct Calendar {
    pub(super) year_start: Date,
    pub(super) deadline: Date,
    pub(super) as_of: Date,
}

impl Calendar {
    pub(super) fn new(ind: &Indicator, opts: &AssessOptions) -> Calendar {
        Calendar {
            year_start: jan_1(opts.year),
            deadline: deadline_in(ind, opts.year),
            as_of: opts.as_of,
        }
    }

    fn deadline_passed(&self) -> bool {
        self.as_of >= self.deadline
    }

    /// Whether `actual` keeps pace with a straight line from zero on Jan 1 to the
    /// target at the deadline: actual / min ≥ elapsed / period, cross-multiplied
    /// so that it stays in integers.
    fn on_pace(&self, actual: i64, min: i64) -> bool {
        let period = days_between(self.year_start, self.deadline);
        let elapsed = days_between(self.year_start, self.as_of);
        i128::from(actual) * i128::from(period) >= i128::from(min) * i128::from(elapsed)
    }
}

/// Whole days from `from` to `to`, never negative (an as-of before the year: nothing elapsed).
fn days_between(from: Date, to: Date) -> i64 {
    (to - from).whole_days().max(0)
}

pub(super) fn judge(
    target: Option<Target>,
    actual: i64,
    on_time: i64,
    cal: &Calendar,
) -> IndicatorStatus {
    let Some(Target { min, .. }) = target else {
        return IndicatorStatus::Tracked;
    };
    if on_time >= min {
        IndicatorStatus::Met
    } else if cal.deadline_passed() {
        if actual >= min {
            IndicatorStatus::Late
        } else {
            IndicatorStatus::NotMet
        }
    } else if actual >= min {
        IndicatorStatus::Met
    } else if cal.on_pace(actual, min) {
        IndicatorStatus::OnTrack
    } else {
        IndicatorStatus::Behind
    }
}

/// Going over a range's upper bound is shown, never penalised.
pub(super) fn exceeds_range(target: Option<Target>, actual: i64) -> bool {
    target.and_then(|t| t.max).is_some_and(|max| actual > max)
}
