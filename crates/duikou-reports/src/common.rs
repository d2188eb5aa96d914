//! What the workbooks share: styles, status colours, exact figures, and the records
//! behind each figure.

use duikou_domain::engine::{Figure, IndicatorStatus};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder};

/// The scope name of a programme-wide figure.
pub const PLAN_SCOPE: &str = "plan";

/// The formats every workbook uses.
pub struct Styles {
    pub title: Format,
    pub subtitle: Format,
    pub head: Format,
    pub text: Format,
    pub wrap: Format,
    pub center: Format,
    pub bold_row: Format,
    /// 万元 with two decimals (money held exactly, shown rounded).
    pub wan: Format,
    /// 元 with two decimals.
    pub yuan: Format,
    pub count: Format,
    /// A percentage figure held as its number (45.67 means 45.67 %).
    pub pct_number: Format,
    /// A fraction shown as a percentage (0.4567 → 45.7%).
    pub ratio: Format,
    pub date: Format,
    pub total_label: Format,
    pub total_wan: Format,
    pub total_count: Format,
    pub link: Format,
    pub note: Format,
}

impl Styles {
    pub fn new() -> Styles {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter)
            .set_font_size(10);
        let total = cell
            .clone()
            .set_bold()
            .set_background_color(Color::RGB(0xF2F2F2));
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Left),
            subtitle: Format::new()
                .set_font_size(10)
                .set_font_color(Color::RGB(0x595959)),
            head: Format::new()
                .set_bold()
                .set_font_size(10)
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border(FormatBorder::Thin)
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            text: cell.clone(),
            wrap: cell.clone().set_text_wrap().set_align(FormatAlign::Top),
            center: cell.clone().set_align(FormatAlign::Center),
            bold_row: cell
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(0xEDEDED)),
            wan: cell.clone().set_num_format("#,##0.00"),
            yuan: cell.clone().set_num_format("#,##0.00"),
            count: cell.clone().set_num_format("#,##0"),
            pct_number: cell.clone().set_num_format("0.00"),
            ratio: cell.clone().set_num_format("0.0%"),
            date: cell
                .clone()
                .set_num_format("yyyy-mm-dd")
                .set_align(FormatAlign::Center),
            total_label: total.clone(),
            total_wan: total.clone().set_num_format("#,##0.00"),
            total_count: total.set_num_format("#,##0"),
            link: cell
                .clone()
                .set_font_color(Color::RGB(0x0563C1))
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
            note: Format::new()
                .set_font_size(9)
                .set_font_color(Color::RGB(0x595959))
                .set_text_wrap()
                .set_align(FormatAlign::Top),
        }
    }

    /// The style of a figure cell.
    pub fn figure(&self, f: Figure) -> &Format {
        match f {
            Figure::Money(_) => &self.wan,
            Figure::Percent(_) => &self.pct_number,
            Figure::Count(_) => &self.count,
        }
    }
}

impl Default for Styles {
    fn default() -> Self {
        Styles::new()
    }
}

/// Fill colour of a status (the conventional Excel good/neutral/bad palette).
pub fn status_fill(s: IndicatorStatus) -> Color {
    match s {
        IndicatorStatus::Met => Color::RGB(0xC6EFCE),
        IndicatorStatus::Late => Color::RGB(0xFFEB9C),
        IndicatorStatus::NotMet => Color::RGB(0xFFC7CE),
        IndicatorStatus::OnTrack => Color::RGB(0xDDEBF7),
        IndicatorStatus::Behind => Color::RGB(0xF8CBAD),
        IndicatorStatus::Tracked => Color::RGB(0xEDEDED),
    }
}

/// Font colour that goes with `status_fill`.
pub fn status_font(s: IndicatorStatus) -> Color {
    match s {
        IndicatorStatus::Met => Color::RGB(0x006100),
        IndicatorStatus::Late => Color::RGB(0x9C5700),
        IndicatorStatus::NotMet => Color::RGB(0x9C0006),
        IndicatorStatus::OnTrack => Color::RGB(0x1F4E78),
        IndicatorStatus::Behind => Color::RGB(0x833C0B),
        IndicatorStatus::Tracked => Color::RGB(0x404040),
    }
}

/// `base` coloured for a status.
pub fn status_format(base: &Format, s: IndicatorStatus) -> Format {
    base.clone()
        .set_background_color(status_fill(s))
        .set_font_color(status_font(s))
}

/// How bad a status is, for summarising several (the worst one shows).
pub fn severity(s: IndicatorStatus) -> u8 {
    match s {
        IndicatorStatus::NotMet => 5,
        IndicatorStatus::Behind => 4,
        IndicatorStatus::Late => 3,
        IndicatorStatus::OnTrack => 2,
        IndicatorStatus::Met => 1,
        IndicatorStatus::Tracked => 0,
    }
}

/// `v / 10^digits` as exact decimal text without trailing zeros: (123450, 2) → "1234.5".
pub fn decimal_text(v: i64, digits: u32) -> String {
    let scale = 10i64.pow(digits);
    let sign = if v < 0 { "-" } else { "" };
    let abs = v.unsigned_abs();
    let (whole, frac) = (abs / scale as u64, abs % scale as u64);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{frac:0width$}", width = digits as usize);
    format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
}

/// A figure as the number a workbook shows (money in 万元, a percentage as its number)
/// and that number's exact decimal text (for formula results).
pub fn figure_value(f: Figure) -> (f64, String) {
    let text = match f {
        Figure::Money(fen) => decimal_text(fen, 6),
        Figure::Percent(h) => decimal_text(h, 2),
        Figure::Count(n) => n.to_string(),
    };
    (text.parse().unwrap_or(0.0), text)
}

/// The unit a workbook shows a figure in.
pub fn display_unit(unit: &str) -> &str {
    if unit == "元" { "万元" } else { unit }
}

/// `plan` reads 全市 for people.
pub fn scope_label(scope: &str) -> &str {
    if scope == PLAN_SCOPE { "全市" } else { scope }
}

/// The ids of the records behind each figure (indicator, scope), ascending: what the
/// caller computed (the application from the stored contributions).
pub type FigureRecords = std::collections::HashMap<(String, String), Vec<i64>>;

/// A column letter: 0 → A, 26 → AA.
pub fn col_letter(index: u16) -> String {
    let mut n = index as u32 + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

/// An A1 reference (0-based row and column).
pub fn cell_ref(row: u32, col: u16) -> String {
    format!("{}{}", col_letter(col), row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_decimals() {
        assert_eq!(decimal_text(123450, 2), "1234.5");
        assert_eq!(decimal_text(18_000_000_000, 6), "18000");
        assert_eq!(decimal_text(1, 6), "0.000001");
        assert_eq!(decimal_text(-5, 2), "-0.05");
        assert_eq!(figure_value(Figure::Money(123_456_789)).1, "123.456789");
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(27), "AB");
        assert_eq!(cell_ref(0, 1), "B1");
    }
}

/// `，计划第 3 版`: the plan version a figure was computed with, for titles and
/// subtitles; nothing for a plan read from a file (version 0).
pub fn plan_version_note(version: u32) -> String {
    if version == 0 {
        String::new()
    } else {
        format!("，计划第 {version} 版")
    }
}
