//! What the engine gives: a figure held exactly, an indicator's status, one result per
//! indicator and scope unit, and the assessment of a year.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::cells::format_fen_wan;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorStatus {
    Met,
    Late,
    NotMet,
    OnTrack,
    Behind,
    Tracked,
}

impl IndicatorStatus {
    pub const ALL: [IndicatorStatus; 6] = [
        IndicatorStatus::Met,
        IndicatorStatus::Late,
        IndicatorStatus::NotMet,
        IndicatorStatus::OnTrack,
        IndicatorStatus::Behind,
        IndicatorStatus::Tracked,
    ];

    /// The key used in JSON and URLs.
    pub fn key(self) -> &'static str {
        match self {
            IndicatorStatus::Met => "met",
            IndicatorStatus::Late => "late",
            IndicatorStatus::NotMet => "not_met",
            IndicatorStatus::OnTrack => "on_track",
            IndicatorStatus::Behind => "behind",
            IndicatorStatus::Tracked => "tracked",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            IndicatorStatus::Met => "已完成",
            IndicatorStatus::Late => "逾期完成",
            IndicatorStatus::NotMet => "未完成",
            IndicatorStatus::OnTrack => "进度正常",
            IndicatorStatus::Behind => "进度滞后",
            IndicatorStatus::Tracked => "跟踪",
        }
    }
}

/// A figure, held exactly as integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Figure {
    Count(i64),
    /// Fen.
    Money(i64),
    /// Hundredths of a percent: 4567 is 45.67 %.
    Percent(i64),
}

impl Figure {
    /// The integer held (fen for money, hundredths for percentages).
    pub fn raw(self) -> i64 {
        match self {
            Figure::Count(v) | Figure::Money(v) | Figure::Percent(v) => v,
        }
    }

    /// The JSON number text: a count as is, money in yuan and percentages with at most
    /// two decimals (`180000000`, `1234.5`, `0.05`, `45.67`). Never through f64.
    pub fn json_number(self) -> String {
        match self {
            Figure::Count(v) => v.to_string(),
            Figure::Money(v) | Figure::Percent(v) => hundredths_text(v),
        }
    }

    /// For terminals: money in 万元 with two decimals ("18000.00万元"), a percentage
    /// with its sign ("45.67%"), a count plain (callers append the indicator's unit).
    pub fn display_zh(self) -> String {
        match self {
            Figure::Count(v) => v.to_string(),
            Figure::Money(v) => format!("{}万元", format_fen_wan(v)),
            Figure::Percent(v) => format!("{}%", hundredths_text(v)),
        }
    }

    /// `display_zh` with the indicator's unit appended where the figure does not carry
    /// its own (counts only: money is shown in 万元, percentages with %).
    pub fn display_zh_with_unit(self, unit: &str) -> String {
        crate::target_text::figure_text(self, unit, crate::target_text::Style::Compact)
    }
}

impl Serialize for Figure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A raw JSON number keeps the decimal text exact (no float rounding on the way).
        let raw = RawValue::from_string(self.json_number()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// `12345` → `"123.45"`, `12340` → `"123.4"`, `12300` → `"123"`, `5` → `"0.05"`.
fn hundredths_text(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let abs = v.unsigned_abs();
    let (whole, frac) = (abs / 100, abs % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorResult {
    pub indicator: String,
    pub item: String,
    /// `plan` or the scope unit's name.
    pub scope: String,
    /// Every qualifying record up to the as-of date.
    pub actual: Figure,
    /// Only records up to the deadline; given for indicators whose deadline is before 12-31.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_time: Option<Figure>,
    pub target_min: Option<Figure>,
    pub target_max: Option<Figure>,
    pub unit: String,
    pub status: IndicatorStatus,
    /// A range target exceeded: shown, not penalised.
    pub above_range: bool,
    /// Records counted in `actual`.
    pub records: usize,
    /// Of those, how many have evidence attached.
    pub with_evidence: usize,
    /// ISO date of the deadline in the assessed year.
    pub deadline: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub plan: String,
    pub year: i32,
    pub as_of: String,
    pub include_submitted: bool,
    pub results: Vec<IndicatorResult>,
    /// The plan's version in the database (`Plan::version`): the targets it was computed
    /// with. Last, so that readers of the fields before it see them where they were.
    pub plan_version: u32,
}
