//! The calendar of an assessment: a year's first and last day, an indicator's deadline,
//! the end a duration in months asks for.

use time::{Date, Month};

use crate::plan::Indicator;

pub(super) fn jan_1(year: i32) -> Date {
    Date::from_calendar_date(year, Month::January, 1).unwrap_or(if year < 0 {
        Date::MIN
    } else {
        Date::MAX
    })
}

pub(super) fn dec_31(year: i32) -> Date {
    Date::from_calendar_date(year, Month::December, 31).unwrap_or(if year < 0 {
        Date::MIN
    } else {
        Date::MAX
    })
}

/// The indicator's deadline in a year. A 02-29 deadline falls on 02-28 in common
/// years. A deadline may be given per year (`Indicator::deadline_of`).
pub fn deadline_in(ind: &Indicator, year: i32) -> Date {
    let (m, d) = ind.deadline_of(year);
    let month = Month::try_from(m).unwrap_or(Month::December);
    let day = d.clamp(1, month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or_else(|_| dec_31(year))
}

/// `start` plus `months` calendar months, minus one day. A day the target month lacks
/// carries over (2020-02-29 + 12 months → 2021-03-01, so the minimum end is 2021-02-28).
pub(super) fn min_end_date(start: Date, months: u32) -> Option<Date> {
    let month0 = i64::from(u8::from(start.month()) - 1) + i64::from(months);
    let year = i32::try_from(i64::from(start.year()) + month0.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(month0.rem_euclid(12) + 1).ok()?).ok()?;
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let same_day = first.checked_add(time::Duration::days(i64::from(start.day()) - 1))?;
    same_day.previous_day()
}
