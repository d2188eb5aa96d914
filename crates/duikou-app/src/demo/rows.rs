//! Building a row as a user would type it, and the dates the generators draw.

use std::collections::BTreeMap;

use duikou_domain::record::FieldInput;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, Month};

use super::Row;

pub(super) struct RowBuilder(Row);

impl RowBuilder {
    pub(super) fn new() -> RowBuilder {
        RowBuilder(BTreeMap::new())
    }

    /// Sets a field; an empty text leaves the field out, as an empty cell would.
    pub(super) fn set(mut self, key: &str, text: impl Into<String>) -> RowBuilder {
        let text = text.into();
        if !text.is_empty() {
            self.0.insert(key.to_string(), FieldInput::new(text));
        }
        self
    }

    pub(super) fn date(self, key: &str, d: Date) -> RowBuilder {
        self.set(key, ymd(d))
    }

    /// An amount in fen, written in yuan with two decimals.
    pub(super) fn fen(self, key: &str, fen: i64) -> RowBuilder {
        self.set(key, format!("{}.{:02}", fen / 100, fen % 100))
    }

    pub(super) fn yuan(self, key: &str, yuan: i64) -> RowBuilder {
        self.fen(key, yuan * 100)
    }

    pub(super) fn flag(self, key: &str, yes: bool) -> RowBuilder {
        self.set(key, if yes { "是" } else { "否" })
    }

    pub(super) fn int(self, key: &str, n: impl Into<i64>) -> RowBuilder {
        self.set(key, n.into().to_string())
    }

    pub(super) fn done(self) -> Row {
        self.0
    }
}

pub(super) fn date(y: i32, m: u8, d: u8) -> Date {
    let month = Month::try_from(m).expect("month 1-12");
    Date::from_calendar_date(y, month, d.min(month.length(y))).expect("valid date")
}

fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A day between `from` and `to`, both included.
pub(super) fn between(rng: &mut ChaCha8Rng, from: Date, to: Date) -> Date {
    let span = (to - from).whole_days().max(0);
    from + Duration::days(rng.gen_range(0..=span))
}

/// A day in months `m1..=m2` of `y`, on days 1–28 (so that "plus one year" is exact).
pub(super) fn day28(rng: &mut ChaCha8Rng, y: i32, m1: u8, m2: u8) -> Date {
    date(y, rng.gen_range(m1..=m2), rng.gen_range(1..=28))
}

pub(super) fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// The same day `months` later (clamped to the month's length).
pub(super) fn plus_months(d: Date, months: i32) -> Date {
    let m0 = i32::from(u8::from(d.month())) - 1 + months;
    let y = d.year() + m0.div_euclid(12);
    date(y, (m0.rem_euclid(12) + 1) as u8, d.day())
}

pub(super) fn pick<'s>(rng: &mut ChaCha8Rng, items: &'s [&'s str]) -> &'s str {
    items[rng.gen_range(0..items.len())]
}

/// "县" or "区" for posts like 副县长 / 副区长.
pub(super) fn county_word(county: &str) -> &'static str {
    if county.ends_with('区') {
        "区"
    } else {
        "县"
    }
}
