//! How a figure and a target are written for people: the one place of the rule, for
//! the terminal, the workbooks and the web pages.
//!
//! - no target: "—"
//! - a minimum: "≥18000.00万元", "≥1600人"
//! - a range: "1–2期" (the unit once, after the maximum)
//!
//! Money (held in fen) is shown in 万元 with two decimals (in English: millions of
//! yuan, "177.00 million yuan"), a percentage (held in hundredths) with at most two
//! decimals and "%", a count with the indicator's unit (in English, singular for one:
//! "1 batch", "2 batches").

use crate::cells::{format_fen_million, format_fen_wan};
use crate::engine::{Figure, IndicatorResult, figure_of};
use crate::plan::{Indicator, Target};

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// Where a text is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Terminals, workbooks and the plan tables, in Chinese: "≥18000.00万元",
    /// "≥1600人", "1–2期".
    Compact,
    /// Web pages, in the reader's language: digits grouped, a space after "≥" and
    /// before a unit word: "≥ 18,000.00 万元" / "≥ 180.00 million yuan", "≥ 1,600人" /
    /// "≥ 1,600 people", "1–2期" / "1–2 sessions", "≥ 1 time".
    Page(Lang),
}

/// A figure with its unit: "18000.00万元", "45人", "12.5%" (`Compact`);
/// "18,000.00 万元", "1,600 people" (`Page`).
pub fn figure_text(f: Figure, unit: &str, style: Style) -> String {
    format!("{}{}", number(f, style), unit_suffix(f, unit, style))
}

/// The target text: "—" without a target, "≥{min}" for a minimum, "{min}–{max}" for a
/// range, the unit written once, after the last figure.
pub fn target_text(min: Option<Figure>, max: Option<Figure>, unit: &str, style: Style) -> String {
    let at_least = match style {
        Style::Compact => "≥",
        Style::Page(_) => "≥ ",
    };
    match (min, max) {
        (None, _) => "—".into(),
        (Some(min), Some(max)) => {
            format!("{}–{}", number(min, style), figure_text(max, unit, style))
        }
        (Some(min), None) => format!("{at_least}{}", figure_text(min, unit, style)),
    }
}

/// The target of an assessed figure.
pub fn of_result(r: &IndicatorResult, style: Style) -> String {
    target_text(r.target_min, r.target_max, &r.unit, style)
}

/// A target of the plan (one year of an indicator).
pub fn of_target(ind: &Indicator, t: Target, style: Style) -> String {
    target_text(
        Some(figure_of(ind, t.min)),
        t.max.map(|v| figure_of(ind, v)),
        &ind.unit,
        style,
    )
}

/// The number of a figure, without its unit.
fn number(f: Figure, style: Style) -> String {
    match (f, style) {
        (Figure::Count(v), Style::Compact) => v.to_string(),
        (Figure::Count(v), Style::Page(_)) => group(v),
        (Figure::Money(v), Style::Compact) => format_fen_wan(v),
        (Figure::Money(v), Style::Page(Lang::Zh)) => group_decimal(&format_fen_wan(v)),
        (Figure::Money(v), Style::Page(Lang::En)) => group_decimal(&format_fen_million(v)),
        (Figure::Percent(_), _) => f.json_number(),
    }
}

fn unit_suffix(f: Figure, unit: &str, style: Style) -> String {
    match (f, style) {
        (Figure::Percent(_), _) => "%".into(),
        (Figure::Money(_), Style::Compact) => "万元".into(),
        (Figure::Money(_), Style::Page(Lang::Zh)) => " 万元".into(),
        (Figure::Money(_), Style::Page(Lang::En)) => " million yuan".into(),
        (Figure::Count(_), Style::Compact | Style::Page(Lang::Zh)) => unit.into(),
        (Figure::Count(v), Style::Page(Lang::En)) => match unit_en(unit, v) {
            "" => String::new(),
            en => format!(" {en}"),
        },
    }
}

/// The English word of a count's unit for `n` of it: singular for one ("1 batch",
/// "2 batches"), "" for 个 ("3 bases"); a unit without an English word stays as the
/// plan writes it.
pub fn unit_en(unit: &str, n: i64) -> &str {
    let (one, many) = match unit {
        "人" => ("person", "people"),
        "次" => ("time", "times"),
        "个" => ("", ""),
        "人次" => ("person-time", "person-times"),
        "期" => ("session", "sessions"),
        "批次" => ("batch", "batches"),
        "组" => ("pair", "pairs"),
        other => (other, other),
    };
    if n.abs() == 1 { one } else { many }
}

/// A count with its English noun in the right number: "1 record", "2 records",
/// "1,200 records".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", group(n), if n.abs() == 1 { one } else { many })
}

/// 1234567 → "1,234,567".
pub fn group(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// "1234567.50" → "1,234,567.50".
pub fn group_decimal(s: &str) -> String {
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let n: i64 = int.parse().unwrap_or(0);
    let mut out = group(n);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if neg { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;
    use Figure::{Count, Money, Percent};

    const ZH: Style = Style::Page(Lang::Zh);
    const EN: Style = Style::Page(Lang::En);

    #[test]
    fn a_minimum_target_in_every_style() {
        // 180,000,000 yuan = 18,000,000,000 fen, shown in 万元.
        let fiscal = Some(Money(18_000_000_000));
        assert_eq!(
            target_text(fiscal, None, "元", Style::Compact),
            "≥18000.00万元"
        );
        assert_eq!(target_text(fiscal, None, "元", ZH), "≥ 18,000.00 万元");
        assert_eq!(target_text(fiscal, None, "元", EN), "≥ 180.00 million yuan");
        // 1,000,000 yuan; 5,000 fen (50 yuan) rounds half up to 0.01 万元.
        assert_eq!(
            target_text(Some(Money(100_000_000)), None, "元", Style::Compact),
            "≥100.00万元"
        );
        assert_eq!(
            target_text(Some(Money(5_000)), None, "元", Style::Compact),
            "≥0.01万元"
        );
        let students = Some(Count(1600));
        assert_eq!(target_text(students, None, "人", Style::Compact), "≥1600人");
        assert_eq!(target_text(students, None, "人", ZH), "≥ 1,600人");
        assert_eq!(target_text(students, None, "人", EN), "≥ 1,600 people");
        // 个 has no English word: no dangling space.
        assert_eq!(target_text(Some(Count(6)), None, "个", EN), "≥ 6");
        let share = Some(Percent(4550));
        assert_eq!(target_text(share, None, "%", Style::Compact), "≥45.5%");
        assert_eq!(target_text(share, None, "%", EN), "≥ 45.5%");
    }

    #[test]
    fn english_counts_agree_in_number_and_money_is_in_millions() {
        assert_eq!(figure_text(Count(1), "批次", EN), "1 batch");
        assert_eq!(figure_text(Count(2), "批次", EN), "2 batches");
        assert_eq!(figure_text(Count(0), "批次", EN), "0 batches");
        assert_eq!(figure_text(Count(1), "人", EN), "1 person");
        assert_eq!(figure_text(Count(1_893), "人", EN), "1,893 people");
        assert_eq!(target_text(Some(Count(1)), None, "次", EN), "≥ 1 time");
        assert_eq!(figure_text(Count(1), "期", EN), "1 session");
        // A unit without an English word stays as the plan writes it.
        assert_eq!(figure_text(Count(2), "份", EN), "2 份");
        // 17,700.00 万元 in English, exact from fen.
        assert_eq!(
            figure_text(Money(17_700_000_000), "元", EN),
            "177.00 million yuan"
        );
        assert_eq!(
            figure_text(Money(1_234_567_800_000), "元", EN),
            "12,345.678 million yuan"
        );
        assert_eq!(
            figure_text(Money(30_000_000), "元", EN),
            "0.30 million yuan"
        );
        assert_eq!(plural(1, "record", "records"), "1 record");
        assert_eq!(plural(0, "record", "records"), "0 records");
        assert_eq!(plural(1_200, "record", "records"), "1,200 records");
        // Chinese pages keep 万元.
        assert_eq!(
            figure_text(Money(17_700_000_000), "元", ZH),
            "17,700.00 万元"
        );
    }

    #[test]
    fn a_range_target_shows_the_unit_once() {
        let (min, max) = (Some(Count(1)), Some(Count(2)));
        assert_eq!(target_text(min, max, "期", Style::Compact), "1–2期");
        assert_eq!(target_text(min, max, "期", ZH), "1–2期");
        assert_eq!(target_text(min, max, "期", EN), "1–2 sessions");
        assert_eq!(
            target_text(Some(Count(1200)), Some(Count(1500)), "人", EN),
            "1,200–1,500 people"
        );
        // Money: the number of the minimum, not "100.00万–200.00万元".
        let (min, max) = (Some(Money(100_000_000)), Some(Money(200_000_000)));
        assert_eq!(
            target_text(min, max, "元", Style::Compact),
            "100.00–200.00万元"
        );
        assert_eq!(target_text(min, max, "元", ZH), "100.00–200.00 万元");
        assert_eq!(
            target_text(
                Some(Percent(5000)),
                Some(Percent(7525)),
                "%",
                Style::Compact
            ),
            "50–75.25%"
        );
    }

    #[test]
    fn no_target_is_a_dash() {
        for style in [Style::Compact, ZH, EN] {
            assert_eq!(target_text(None, None, "人", style), "—");
            assert_eq!(target_text(None, Some(Count(3)), "人", style), "—");
        }
    }

    #[test]
    fn figures_match_the_terminal_display() {
        for (f, unit, shown) in [
            (Count(8123), "人", "8123人"),
            (Money(123_456), "元", "0.12万元"),
            (Money(-50_000), "元", "-0.05万元"),
            (Percent(4567), "%", "45.67%"),
        ] {
            assert_eq!(figure_text(f, unit, Style::Compact), shown);
            assert_eq!(f.display_zh_with_unit(unit), shown);
        }
        assert_eq!(
            figure_text(Money(12_345_678_900), "元", ZH),
            "12,345.68 万元"
        );
        assert_eq!(figure_text(Count(-1_234_567), "次", EN), "-1,234,567 times");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group_decimal("-1234.50"), "-1,234.50");
    }

    #[test]
    fn the_bundled_plans_targets() {
        let plan = Plan::bundled();
        let text = |id: &str, year: i32, style: Style| {
            let ind = plan.indicator(id).unwrap();
            of_target(ind, ind.target_for(year).unwrap(), style)
        };
        assert_eq!(
            text("3.1-fiscal-aid", 2019, Style::Compact),
            "≥18000.00万元"
        );
        assert_eq!(text("3.1-fiscal-aid", 2019, EN), "≥ 180.00 million yuan");
        assert_eq!(text("6.2-students", 2018, Style::Compact), "≥1600人");
        assert_eq!(text("6.2-students", 2019, ZH), "≥ 1,900人");
        assert_eq!(
            text("1.3-tourism-promotions", 2019, Style::Compact),
            "1–2次"
        );
        assert_eq!(text("1.3-tourism-promotions", 2019, EN), "1–2 times");
        assert_eq!(text("1.4-agri-trainings", 2018, Style::Compact), "1–2期");
        assert_eq!(text("1.1-demo-bases", 2020, EN), "1–3");
    }
}
