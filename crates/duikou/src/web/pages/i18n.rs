//! The language of the pages (Chinese by default, English by a `lang` cookie) and the
//! formats every page shares: dates, times, money, statuses.

use axum::http::HeaderMap;
use axum_extra::extract::cookie::Cookie;
use duikou_domain::cells::{format_fen_million, format_fen_wan, format_fen_yuan};
use duikou_domain::engine::{Figure, IndicatorStatus};
use duikou_domain::record::Status;
use duikou_domain::roles::Role;
use duikou_domain::schema::RecordKind;
pub use duikou_domain::target_text::{Style, group, group_decimal};
use time::Date;

pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        for v in headers.get_all(axum::http::header::COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            for c in Cookie::split_parse(s).flatten() {
                if c.name() == LANG_COOKIE {
                    return if c.value() == "en" {
                        Lang::En
                    } else {
                        Lang::Zh
                    };
                }
            }
        }
        Lang::Zh
    }

    pub fn key(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// Pick the text of this language.
    pub fn s<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Pick an owned text.
    pub fn t(self, zh: impl Into<String>, en: impl Into<String>) -> String {
        match self {
            Lang::Zh => zh.into(),
            Lang::En => en.into(),
        }
    }

    /// 2019年3月15日 / 2019-03-15.
    pub fn date(self, d: Date) -> String {
        match self {
            Lang::Zh => format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day()),
            Lang::En => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        }
    }

    /// A stored ISO date text (2019-03-15) in this language; other text unchanged.
    pub fn date_text(self, iso: &str) -> String {
        match duikou_domain::record::parse_iso_date(iso) {
            Some(d) => self.date(d),
            None => iso.to_string(),
        }
    }

    /// A stored timestamp (RFC 3339, UTC) in Beijing time: 2019年3月15日 14:03.
    pub fn timestamp(self, ts: &str) -> String {
        match duikou_storage::parse_ts(ts) {
            Some(t) => {
                let t = t.to_offset(time::macros::offset!(+8));
                format!("{} {:02}:{:02}", self.date(t.date()), t.hour(), t.minute())
            }
            None => ts.to_string(),
        }
    }

    pub fn status(self, s: Status) -> &'static str {
        match self {
            Lang::Zh => s.label_zh(),
            Lang::En => match s {
                Status::Draft => "Draft",
                Status::Submitted => "Submitted",
                Status::Approved => "Approved",
                Status::Rejected => "Rejected",
            },
        }
    }

    pub fn indicator_status(self, s: IndicatorStatus) -> &'static str {
        match self {
            Lang::Zh => s.label_zh(),
            Lang::En => match s {
                IndicatorStatus::Met => "Met",
                IndicatorStatus::Late => "Met late",
                IndicatorStatus::NotMet => "Not met",
                IndicatorStatus::OnTrack => "On track",
                IndicatorStatus::Behind => "Behind",
                IndicatorStatus::Tracked => "Tracked",
            },
        }
    }

    pub fn role(self, r: Role) -> &'static str {
        match self {
            Lang::Zh => r.label_zh(),
            Lang::En => match r {
                Role::Admin => "Administrator",
                Role::Coordinator => "Coordinator",
                Role::Reporter => "Reporting unit",
                Role::Receiver => "Assisted county",
                Role::Viewer => "Leader (read only)",
                Role::Auditor => "Auditor",
            },
        }
    }

    pub fn kind(self, k: RecordKind) -> &'static str {
        match self {
            Lang::Zh => k.label_zh(),
            Lang::En => k.label_en(),
        }
    }

    /// A field's label: the Chinese column name, or an English name.
    pub fn field(self, key: &str, zh: &str) -> String {
        match self {
            Lang::Zh => zh.to_string(),
            Lang::En => field_en(key)
                .map(str::to_string)
                .unwrap_or_else(|| key.replace('_', " ")),
        }
    }

    /// How figures and targets are written on a page in this language.
    pub fn style(self) -> Style {
        Style::Page(match self {
            Lang::Zh => duikou_domain::target_text::Lang::Zh,
            Lang::En => duikou_domain::target_text::Lang::En,
        })
    }

    /// A figure of an indicator with its unit: money in 万元 with two decimals.
    pub fn figure(self, f: Figure, unit: &str) -> String {
        duikou_domain::target_text::figure_text(f, unit, self.style())
    }

    /// Money held in fen, in yuan: 1,234,567.00 元.
    pub fn yuan(self, fen: i64) -> String {
        format!(
            "{} {}",
            group_decimal(&format_fen_yuan(fen)),
            self.s("元", "yuan")
        )
    }

    /// Money held in fen, in the large unit of the language: 17,700.00 万元 /
    /// 177.00 million yuan.
    pub fn wan(self, fen: i64) -> String {
        format!("{} {}", self.wan_number(fen), self.wan_unit())
    }

    /// The number of [`Lang::wan`] alone: 17,700.00 / 177.00.
    pub fn wan_number(self, fen: i64) -> String {
        match self {
            Lang::Zh => group_decimal(&format_fen_wan(fen)),
            Lang::En => group_decimal(&format_fen_million(fen)),
        }
    }

    /// 万元 / million yuan.
    pub fn wan_unit(self) -> &'static str {
        self.s("万元", "million yuan")
    }

    /// Money as a chart value in [`Lang::wan_unit`] (a float: charts only; pages and
    /// files show [`Lang::wan`]).
    pub fn wan_value(self, fen: i64) -> f64 {
        match self {
            Lang::Zh => (fen as f64 / 1_000_000.0 * 100.0).round() / 100.0,
            Lang::En => (fen as f64 / 100_000_000.0 * 10_000.0).round() / 10_000.0,
        }
    }

    /// An English count with its noun in the right number ("1 record", "2 records"),
    /// for the English side of a page.
    pub fn n(self, n: impl Count, one: &str, many: &str) -> String {
        duikou_domain::target_text::plural(n.count(), one, many)
    }

    pub fn scope(self, scope: &str) -> String {
        if scope == "plan" {
            self.s("全市", "whole programme").to_string()
        } else {
            scope.to_string()
        }
    }

    pub fn bool(self, b: bool) -> &'static str {
        match (self, b) {
            (Lang::Zh, true) => "是",
            (Lang::Zh, false) => "否",
            (Lang::En, true) => "yes",
            (Lang::En, false) => "no",
        }
    }
}

/// A number of things, as templates hold it (a value or a reference to one).
pub trait Count {
    fn count(&self) -> i64;
}

macro_rules! count_for {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count_for!(i64, i32, u32, u64, usize);

impl<T: Count> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// English labels of the schema's fields.
pub fn field_en(key: &str) -> Option<&'static str> {
    Some(match key {
        "source" => "Source of funds",
        "payer" => "Paying unit",
        "payee" => "Receiving unit",
        "amount" => "Amount (yuan)",
        "budget_year" => "Budget year",
        "sent_on" => "Date sent",
        "received_on" => "Date received",
        "voucher_no" => "Voucher number",
        "purpose" => "Purpose",
        "name" => "Name",
        "county" => "County",
        "category" => "Category",
        "aid_amount" => "Aid funds used (yuan)",
        "disbursed" => "Paid out (yuan)",
        "started_on" => "Start date",
        "completed_on" => "Completion date",
        "beneficiaries_poor" => "Poor people benefiting",
        "kind" => "Type",
        "title" => "Title",
        "held_on" => "Date",
        "place" => "Place",
        "organizers" => "Organisers",
        "participants" => "Participants",
        "plan_item" => "Checklist item",
        "projects_signed" => "Projects signed",
        "id_number" => "ID number",
        "rank" => "Rank",
        "direction" => "Direction",
        "from_unit" => "Sending unit",
        "to_unit" => "Receiving unit",
        "post" => "Post held",
        "leadership_team" => "In the leadership team",
        "start_on" => "Start date",
        "end_on" => "End date",
        "programme" => "Programme",
        "registered_poor" => "Registered poor",
        "hukou_county" => "County of household registration",
        "organisation" => "Employer / school / course",
        "work_place" => "Place of work",
        "east_party" => "Dongguan party",
        "east_town" => "Town (Dongguan)",
        "west_party" => "Zhaotong party",
        "west_county" => "County (Zhaotong)",
        "deep_poverty" => "Deeply poor village",
        "signed_on" => "Date signed",
        "ended_on" => "Date ended",
        "established_on" => "Date established",
        "buyer" => "Buyer",
        "origin_county" => "County of origin",
        "product" => "Product",
        "bought_on" => "Date",
        "donor" => "Donor",
        "donor_type" => "Donor type",
        "donated_on" => "Date",
        "reporting_unit" => "Reporting unit",
        "plan_year" => "Plan year",
        "notes" => "Notes",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(-1234567), "-1,234,567");
        assert_eq!(group_decimal("18000.00"), "18,000.00");
        assert_eq!(group_decimal("-0.50"), "-0.50");
    }

    #[test]
    fn dates_in_both_languages() {
        let d = time::macros::date!(2019 - 03 - 15);
        assert_eq!(Lang::Zh.date(d), "2019年3月15日");
        assert_eq!(Lang::En.date(d), "2019-03-15");
        assert_eq!(
            Lang::Zh.figure(Figure::Money(18_000_000_000), "元"),
            "18,000.00 万元"
        );
    }

    #[test]
    fn money_in_english_is_in_millions() {
        assert_eq!(Lang::En.wan(17_700_000_000), "177.00 million yuan");
        assert_eq!(Lang::Zh.wan(17_700_000_000), "17,700.00 万元");
        assert_eq!(
            Lang::En.figure(Figure::Money(17_700_000_000), "元"),
            "177.00 million yuan"
        );
        assert_eq!(Lang::En.wan_value(17_700_000_000), 177.0);
        assert_eq!(Lang::Zh.wan_value(17_700_000_000), 17_700.0);
        assert_eq!(Lang::En.figure(Figure::Count(1), "批次"), "1 batch");
    }
}
