//! Parsers for the text of one spreadsheet cell (dates, booleans, amounts,
//! integers, lists). Pure: no I/O, no floating point for amounts.
//!
//! Every error carries a Chinese and an English message that names what was
//! expected; the caller adds the row and column.

use std::fmt;

use time::{Date, Duration, Month};

/// Why one cell's text could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub zh: String,
    pub en: String,
}

impl CellError {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        CellError {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

impl std::error::Error for CellError {}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

fn date_error() -> CellError {
    CellError::new(
        "不是有效日期（应为 2019-03-15、2019/3/15 或 2019年3月15日）",
        "not a valid date (expected 2019-03-15, 2019/3/15 or 2019年3月15日)",
    )
}

/// The largest Excel serial day number (9999-12-31).
const EXCEL_MAX_SERIAL: i64 = 2_958_465;

/// Parse a date cell: `2019-03-15`, `2019/3/15`, `2019-3-5`, `2019.3.15`,
/// `2019年3月15日`, optionally followed by a time of day (ignored), or an
/// Excel serial day number such as `43539` or `43539.0` (1900 date system).
pub fn parse_date(s: &str) -> Result<Date, CellError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(CellError::new(
            "日期为空（应为 2019-03-15、2019/3/15 或 2019年3月15日）",
            "date is empty (expected 2019-03-15, 2019/3/15 or 2019年3月15日)",
        ));
    }
    if let Some(serial) = excel_serial(s) {
        return excel_serial_to_date(serial?, false);
    }
    let (y, m, d) = if s.contains('年') {
        split_chinese_date(s).ok_or_else(date_error)?
    } else {
        split_numeric_date(s).ok_or_else(date_error)?
    };
    make_date(y, m, d)
}

/// `Some` if `s` looks like an Excel serial (digits, optionally `.0…`).
fn excel_serial(s: &str) -> Option<Result<i64, CellError>> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(f) = frac {
        if !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if f.bytes().any(|b| b != b'0') {
            // "2019.3" and the like: neither a serial day nor a full date.
            return Some(Err(date_error()));
        }
    }
    if int.len() > 9 {
        return Some(Err(serial_range_error()));
    }
    Some(Ok(int.parse::<i64>().expect("at most nine ASCII digits")))
}

fn serial_range_error() -> CellError {
    CellError::new(
        format!("Excel 日期序号超出范围（应在 1 到 {EXCEL_MAX_SERIAL} 之间）"),
        format!("Excel date serial out of range (expected 1 to {EXCEL_MAX_SERIAL})"),
    )
}

/// Convert an Excel serial day number to a date.
///
/// In the 1900 date system serial 1 is 1900-01-01 and, because Excel
/// believes 1900 was a leap year, serial 60 is the nonexistent 1900-02-29
/// (an error here) and every serial above 60 is one day ahead.
/// In the 1904 date system serial 0 is 1904-01-01.
pub fn excel_serial_to_date(serial: i64, date1904: bool) -> Result<Date, CellError> {
    let min = if date1904 { 0 } else { 1 };
    let max = if date1904 {
        EXCEL_MAX_SERIAL - 1462
    } else {
        EXCEL_MAX_SERIAL
    };
    if serial < min || serial > max {
        return Err(serial_range_error());
    }
    let (epoch, offset) = if date1904 {
        (
            Date::from_calendar_date(1904, Month::January, 1).expect("valid"),
            serial,
        )
    } else if serial < 60 {
        (
            Date::from_calendar_date(1899, Month::December, 31).expect("valid"),
            serial,
        )
    } else if serial == 60 {
        return Err(CellError::new(
            "Excel 日期序号 60 对应不存在的 1900-02-29",
            "Excel date serial 60 is the nonexistent date 1900-02-29",
        ));
    } else {
        (
            Date::from_calendar_date(1899, Month::December, 30).expect("valid"),
            serial,
        )
    };
    epoch
        .checked_add(Duration::days(offset))
        .ok_or_else(serial_range_error)
}

/// Split `2019-03-15`, `2019/3/15`, `2019.3.15`, possibly followed by a time.
fn split_numeric_date(s: &str) -> Option<(u32, u32, u32)> {
    let (date, time) = split_off_time(s);
    let sep = date.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '-' | '/' | '.') {
        return None;
    }
    let mut parts = date.split(sep);
    let y = parts.next()?;
    let m = parts.next()?;
    let d = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    if time.is_some_and(|t| !valid_time(t)) {
        return None;
    }
    date_parts(y, m, d)
}

/// Split `2019年3月15日` (the 日 may be omitted, spaces are allowed).
fn split_chinese_date(s: &str) -> Option<(u32, u32, u32)> {
    let (y, rest) = s.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (d, tail) = rest.split_at(end);
    let tail = tail.trim_start();
    let tail = tail
        .strip_prefix('日')
        .or_else(|| tail.strip_prefix('号'))
        .unwrap_or(tail)
        .trim();
    if !tail.is_empty() && !valid_time(tail) {
        return None;
    }
    date_parts(y.trim(), m.trim(), d)
}

/// Separate a trailing time of day (`2019-03-15 08:30:00`, `2019-03-15T08:30`).
fn split_off_time(s: &str) -> (&str, Option<&str>) {
    if let Some(i) = s.find(|c: char| c.is_whitespace() || c == 'T') {
        let (d, t) = s.split_at(i);
        let t = t.trim_start_matches('T').trim();
        (d, Some(t))
    } else {
        (s, None)
    }
}

/// `H:MM`, `H:MM:SS` or `H:MM:SS.fff`.
fn valid_time(t: &str) -> bool {
    let mut parts = t.split(':');
    let (Some(h), Some(m)) = (parts.next(), parts.next()) else {
        return false;
    };
    let sec = parts.next();
    if parts.next().is_some() {
        return false;
    }
    let num = |x: &str, max: u32, len: std::ops::RangeInclusive<usize>| {
        len.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit()) && {
            x.parse::<u32>().is_ok_and(|v| v <= max)
        }
    };
    if !num(h, 23, 1..=2) || !num(m, 59, 2..=2) {
        return false;
    }
    match sec {
        None => true,
        Some(sec) => {
            let (whole, frac) = match sec.split_once('.') {
                Some((w, f)) => (w, Some(f)),
                None => (sec, None),
            };
            num(whole, 59, 2..=2)
                && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        }
    }
}

fn date_parts(y: &str, m: &str, d: &str) -> Option<(u32, u32, u32)> {
    let digits = |x: &str, len: std::ops::RangeInclusive<usize>| {
        if len.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit()) {
            x.parse::<u32>().ok()
        } else {
            None
        }
    };
    Some((digits(y, 4..=4)?, digits(m, 1..=2)?, digits(d, 1..=2)?))
}

fn make_date(y: u32, m: u32, d: u32) -> Result<Date, CellError> {
    let nonexistent = || {
        CellError::new(
            format!("日期不存在：{y:04}-{m:02}-{d:02}"),
            format!("no such date: {y:04}-{m:02}-{d:02}"),
        )
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(nonexistent)?;
    let day = u8::try_from(d).map_err(|_| nonexistent())?;
    let year = i32::try_from(y).map_err(|_| nonexistent())?;
    Date::from_calendar_date(year, month, day).map_err(|_| nonexistent())
}

// ---------------------------------------------------------------------------
// Booleans
// ---------------------------------------------------------------------------

/// Parse 是/否, Y/N, yes/no, true/false (any case) or 1/0.
pub fn parse_bool(s: &str) -> Result<bool, CellError> {
    let t = s.trim();
    match t {
        "是" | "1" => return Ok(true),
        "否" | "0" => return Ok(false),
        _ => {}
    }
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "y" | "yes" | "true" => Ok(true),
        "n" | "no" | "false" => Ok(false),
        _ => Err(CellError::new(
            "不是有效的是/否值（应为 是/否、Y/N 或 true/false）",
            "not a valid yes/no value (expected 是/否, Y/N or true/false)",
        )),
    }
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/// A number split into sign, integer digits and fraction digits, all ASCII.
struct DecimalText<'a> {
    negative: bool,
    int: String,
    frac: &'a str,
}

/// Split `[+-]digits-with-separators[.digits]`. `None` if malformed.
fn split_decimal(s: &str) -> Option<DecimalText<'_>> {
    let (negative, rest) = if let Some(r) = s.strip_prefix('-') {
        (true, r)
    } else if let Some(r) = s.strip_prefix('+') {
        (false, r)
    } else {
        (false, s)
    };
    let rest = rest.trim_start();
    let (int_raw, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, f),
        None => (rest, ""),
    };
    let is_sep = |c: char| c == ',' || c == '，';
    // Separators only between digits: not first, not last, not doubled.
    if int_raw.starts_with(is_sep) || int_raw.ends_with(is_sep) {
        return None;
    }
    let mut int = String::with_capacity(int_raw.len());
    let mut prev_sep = false;
    for c in int_raw.chars() {
        if c.is_ascii_digit() {
            int.push(c);
            prev_sep = false;
        } else if is_sep(c) {
            if prev_sep {
                return None;
            }
            prev_sep = true;
        } else {
            return None;
        }
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    Some(DecimalText {
        negative,
        int,
        frac,
    })
}

/// Accumulate ASCII digits into a non-negative i128, `None` on overflow.
fn digits_value(digits: &str) -> Option<i128> {
    digits.bytes().try_fold(0i128, |acc, b| {
        acc.checked_mul(10)?.checked_add(i128::from(b - b'0'))
    })
}

fn amount_error() -> CellError {
    CellError::new(
        "不是有效金额（应为数字，如 1234.50 或 1,234.50）",
        "not a valid amount (expected a number such as 1234.50 or 1,234.50)",
    )
}

fn amount_too_large() -> CellError {
    CellError::new("金额过大", "amount too large")
}

/// Parse an amount to integer fen (1 yuan = 100 fen), exactly.
///
/// Accepts an optional sign, an optional ¥/￥, thousands separators `,` and
/// `，`, and an optional trailing 元, or 万元 / 万 which forces `in_wan`.
/// In yuan at most two decimals; in 万元 (1 万元 = 1,000,000 fen) at most
/// six decimals. Extra decimals that are all zeros are allowed.
pub fn parse_amount_fen(s: &str, in_wan: bool) -> Result<i64, CellError> {
    let mut t = s.trim();
    if t.is_empty() {
        return Err(CellError::new(
            "金额为空（应为数字，如 1234.50）",
            "amount is empty (expected a number such as 1234.50)",
        ));
    }
    let mut in_wan = in_wan;
    if let Some(r) = t.strip_suffix("万元").or_else(|| t.strip_suffix('万')) {
        in_wan = true;
        t = r.trim_end();
    } else if let Some(r) = t.strip_suffix('元') {
        t = r.trim_end();
    }
    // Optional currency sign, before or after the numeric sign.
    let (sign, body) = match t.strip_prefix(['-', '+']) {
        Some(r) => (&t[..1], r.trim_start()),
        None => ("", t),
    };
    let body = body
        .strip_prefix(['¥', '￥'])
        .map(str::trim_start)
        .unwrap_or(body);
    let joined;
    let t = if sign.is_empty() {
        body
    } else {
        if body.starts_with(['-', '+']) {
            return Err(amount_error());
        }
        joined = format!("{sign}{body}");
        joined.as_str()
    };
    let dec = split_decimal(t).ok_or_else(amount_error)?;

    let places = if in_wan { 6 } else { 2 };
    let (kept, extra) = if dec.frac.len() > places {
        dec.frac.split_at(places)
    } else {
        (dec.frac, "")
    };
    if extra.bytes().any(|b| b != b'0') {
        return Err(if in_wan {
            CellError::new(
                "以万元为单位的金额最多六位小数",
                "an amount in 万元 has at most six decimals",
            )
        } else {
            CellError::new(
                "金额最多两位小数（精确到分）",
                "an amount has at most two decimals (fen)",
            )
        });
    }
    let int = digits_value(&dec.int).ok_or_else(amount_too_large)?;
    let mut frac = digits_value(kept).ok_or_else(amount_too_large)?;
    for _ in kept.len()..places {
        frac *= 10;
    }
    let scale: i128 = if in_wan { 1_000_000 } else { 100 };
    let magnitude = int
        .checked_mul(scale)
        .and_then(|v| v.checked_add(frac))
        .ok_or_else(amount_too_large)?;
    let value = if dec.negative { -magnitude } else { magnitude };
    i64::try_from(value).map_err(|_| amount_too_large())
}

/// Format fen as yuan with exactly two decimals: `123450` → `"1234.50"`.
pub fn format_fen_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Format fen as 万元 with exactly two decimals, rounded half away from
/// zero: `12345600` → `"12.35"`.
pub fn format_fen_wan(fen: i64) -> String {
    // 0.01 万元 = 100 yuan = 10,000 fen.
    let abs = fen.unsigned_abs();
    let mut hundredths = abs / 10_000;
    if abs % 10_000 >= 5_000 {
        hundredths += 1;
    }
    let sign = if fen < 0 && hundredths != 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Format fen as millions of yuan (English pages): at least two decimals, more (up to
/// four) only where the amount has them, rounded half away from zero at 100 yuan — the
/// precision of [`format_fen_wan`]: `17_700_000_000` → `"177.00"`, `123_456_700` →
/// `"1.2346"`, `30_000_000` → `"0.30"`.
pub fn format_fen_million(fen: i64) -> String {
    // 0.0001 million yuan = 100 yuan = 10,000 fen.
    let abs = fen.unsigned_abs();
    let mut units = abs / 10_000;
    if abs % 10_000 >= 5_000 {
        units += 1;
    }
    let sign = if fen < 0 && units != 0 { "-" } else { "" };
    let mut frac = format!("{:04}", units % 10_000);
    while frac.len() > 2 && frac.ends_with('0') {
        frac.pop();
    }
    format!("{sign}{}.{frac}", units / 10_000)
}

/// Parse an integer: thousands separators allowed, `12.0` accepted (Excel
/// writes whole numbers that way), `12.5` refused.
pub fn parse_int(s: &str) -> Result<i64, CellError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(CellError::new(
            "数值为空（应为整数，如 12）",
            "number is empty (expected a whole number such as 12)",
        ));
    }
    let not_int = || {
        CellError::new(
            "不是有效整数（应为整数，如 12 或 1,200）",
            "not a valid whole number (expected e.g. 12 or 1,200)",
        )
    };
    let dec = split_decimal(t).ok_or_else(not_int)?;
    if dec.int.is_empty() || dec.frac.bytes().any(|b| b != b'0') {
        return Err(not_int());
    }
    let too_large = || CellError::new("整数过大", "number too large");
    let magnitude = digits_value(&dec.int).ok_or_else(too_large)?;
    let value = if dec.negative { -magnitude } else { magnitude };
    i64::try_from(value).map_err(|_| too_large())
}

// ---------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------

/// Split a cell holding several items on 、 ， , ; ； or newlines; trim each
/// item and drop empty ones.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(['、', '，', ',', ';', '；', '\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_in_all_accepted_forms() {
        let d = date!(2019 - 03 - 15);
        for s in [
            "2019-03-15",
            "2019/3/15",
            "2019/03/15",
            "2019.3.15",
            "2019年3月15日",
            "2019年03月15日",
            "2019 年 3 月 15 日",
            "2019年3月15",
            "  2019-03-15\t",
            "\u{3000}2019/3/15\u{3000}",
            "43539",
            "43539.0",
            "43539.000",
            "2019-03-15 00:00:00",
            "2019/3/15 0:00",
            "2019-03-15T08:30:00",
            "2019年3月15日 8:30",
        ] {
            assert_eq!(parse_date(s), Ok(d), "{s:?}");
        }
        assert_eq!(parse_date("2019-3-5"), Ok(date!(2019 - 03 - 05)));
        assert_eq!(parse_date("2020-02-29"), Ok(date!(2020 - 02 - 29)));
    }

    #[test]
    fn excel_serials() {
        assert_eq!(parse_date("1"), Ok(date!(1900 - 01 - 01)));
        assert_eq!(parse_date("59"), Ok(date!(1900 - 02 - 28)));
        assert!(parse_date("60").unwrap_err().en.contains("1900-02-29"));
        assert_eq!(parse_date("61"), Ok(date!(1900 - 03 - 01)));
        assert_eq!(parse_date("25569"), Ok(date!(1970 - 01 - 01)));
        assert_eq!(parse_date("44927"), Ok(date!(2023 - 01 - 01)));
        assert_eq!(parse_date("2958465"), Ok(date!(9999 - 12 - 31)));
        assert!(parse_date("2958466").is_err());
        assert!(parse_date("0").is_err());
        assert!(parse_date("99999999999999999999").is_err());
        assert!(parse_date("43539.5").is_err());
        assert_eq!(excel_serial_to_date(0, true), Ok(date!(1904 - 01 - 01)));
        assert_eq!(excel_serial_to_date(42077, true), Ok(date!(2019 - 03 - 15)));
        assert!(excel_serial_to_date(-1, true).is_err());
        assert!(excel_serial_to_date(EXCEL_MAX_SERIAL - 1461, true).is_err());
    }

    #[test]
    fn nonexistent_dates_say_so() {
        for (s, shown) in [
            ("2019-02-30", "2019-02-30"),
            ("2019/2/29", "2019-02-29"),
            ("2019年13月1日", "2019-13-01"),
            ("2019-04-31", "2019-04-31"),
            ("2019-01-00", "2019-01-00"),
            ("2019-00-10", "2019-00-10"),
        ] {
            let e = parse_date(s).unwrap_err();
            assert!(e.zh.contains("日期不存在") && e.zh.contains(shown), "{e}");
            assert!(e.en.contains("no such date") && e.en.contains(shown), "{e}");
        }
    }

    #[test]
    fn malformed_dates() {
        for s in [
            "",
            "   ",
            "abc",
            "2019-03",
            "2019-03-15-01",
            "19-3-15",
            "2019-3/15",
            "2019--15",
            "2019.3",
            "2019-003-15",
            "2019-03-15 25:00",
            "2019-03-15 abc",
            "2019年3月",
            "2019年3月15日下午",
            "-43539",
            "１２",
        ] {
            let e = parse_date(s).unwrap_err();
            assert!(e.en.contains("2019-03-15"), "{s:?}: {e}");
        }
        let e = parse_date("x").unwrap_err();
        assert_eq!(
            e.zh,
            "不是有效日期（应为 2019-03-15、2019/3/15 或 2019年3月15日）"
        );
        assert_eq!(
            e.en,
            "not a valid date (expected 2019-03-15, 2019/3/15 or 2019年3月15日)"
        );
        assert_eq!(e.to_string(), format!("{} / {}", e.zh, e.en));
    }

    #[test]
    fn booleans() {
        for s in [
            "是", "Y", "y", "yes", "YES", "Yes", "true", "TRUE", "True", "1", " 是 ",
        ] {
            assert_eq!(parse_bool(s), Ok(true), "{s:?}");
        }
        for s in [
            "否", "N", "n", "no", "NO", "false", "FALSE", "False", "0", "\t否",
        ] {
            assert_eq!(parse_bool(s), Ok(false), "{s:?}");
        }
        for s in ["", "maybe", "2", "是的", "t", "ye"] {
            let e = parse_bool(s).unwrap_err();
            assert!(e.zh.contains("是/否") && e.en.contains("Y/N"), "{s:?}");
        }
    }

    #[test]
    fn amounts_in_yuan() {
        let ok = |s: &str, fen: i64| assert_eq!(parse_amount_fen(s, false), Ok(fen), "{s:?}");
        ok("0", 0);
        ok("-0", 0);
        ok("12", 1200);
        ok("12.5", 1250);
        ok("12.50", 1250);
        ok("12.05", 1205);
        ok(".5", 50);
        ok("5.", 500);
        ok("+3", 300);
        ok("-3.01", -301);
        ok("- 3.01", -301);
        ok("1,234.50", 123_450);
        ok("1，234，567.89", 123_456_789);
        ok("1234元", 123_400);
        ok(" 1,234.5 元 ", 123_450);
        ok("￥1,234.00", 123_400);
        ok("-¥5", -500);
        ok("12.500000", 1250);
        ok("0.01", 1);
        ok("92233720368547758.07", i64::MAX);
        ok("-92233720368547758.08", i64::MIN);
        // 万元 suffix forces 万元.
        ok("12.5万元", 12_500_000);
        ok("3万", 3_000_000);
    }

    #[test]
    fn amounts_in_wan() {
        let ok = |s: &str, fen: i64| assert_eq!(parse_amount_fen(s, true), Ok(fen), "{s:?}");
        ok("1", 1_000_000);
        ok("12.3456", 12_345_600);
        ok("0.000001", 1);
        ok("1,000.5", 1_000_500_000);
        ok("-2.5", -2_500_000);
        ok("1.0000000", 1_000_000);
        ok("2万元", 2_000_000);
        ok("2元", 2_000_000); // the column is in 万元; a bare 元 suffix changes nothing
        let e = parse_amount_fen("0.0000001", true).unwrap_err();
        assert!(e.en.contains("six decimals"), "{e}");
    }

    #[test]
    fn amount_errors() {
        let e = parse_amount_fen("1.234", false).unwrap_err();
        assert!(e.en.contains("at most two decimals"), "{e}");
        assert!(e.zh.contains("最多两位小数"), "{e}");
        assert!(
            parse_amount_fen("1.2345678万元", false)
                .unwrap_err()
                .en
                .contains("six decimals")
        );
        let e = parse_amount_fen("", false).unwrap_err();
        assert!(e.en.contains("empty"), "{e}");
        assert!(
            parse_amount_fen("   ", true)
                .unwrap_err()
                .en
                .contains("empty")
        );
        for s in [
            "abc", "1.2.3", "--1", "+-1", "-", "+", ".", "1e5", "1E+15", "12 34", ",123", "123,",
            "1,,234", "1.2,3", "元", "万元", "NaN", "inf", "0x10", "１２", "1.-2", "(12)",
        ] {
            let e = parse_amount_fen(s, false).unwrap_err();
            assert!(e.en.contains("not a valid amount"), "{s:?}: {e}");
        }
        for (s, wan) in [
            ("92233720368547758.08", false),
            ("-92233720368547758.09", false),
            ("99999999999999999999999999999999999999999999", false),
            ("9223372036854.775808", true),
            ("10000000000000000000000000000000000000000000000000", true),
        ] {
            let e = parse_amount_fen(s, wan).unwrap_err();
            assert!(e.en.contains("too large"), "{s:?}: {e}");
        }
    }

    #[test]
    fn formatting() {
        assert_eq!(format_fen_yuan(0), "0.00");
        assert_eq!(format_fen_yuan(5), "0.05");
        assert_eq!(format_fen_yuan(-5), "-0.05");
        assert_eq!(format_fen_yuan(123_450), "1234.50");
        assert_eq!(format_fen_yuan(-123_450), "-1234.50");
        assert_eq!(format_fen_yuan(i64::MAX), "92233720368547758.07");
        assert_eq!(format_fen_yuan(i64::MIN), "-92233720368547758.08");

        assert_eq!(format_fen_wan(12_345_600), "12.35");
        assert_eq!(format_fen_wan(12_344_999), "12.34");
        assert_eq!(format_fen_wan(12_345_000), "12.35");
        assert_eq!(format_fen_wan(-12_345_000), "-12.35");
        assert_eq!(format_fen_wan(-12_344_999), "-12.34");
        assert_eq!(format_fen_wan(1_000_000), "1.00");
        assert_eq!(format_fen_wan(0), "0.00");
        assert_eq!(format_fen_wan(4_999), "0.00");
        assert_eq!(format_fen_wan(-4_999), "0.00");
        assert_eq!(format_fen_wan(5_000), "0.01");
        assert_eq!(format_fen_wan(-5_000), "-0.01");
        assert_eq!(format_fen_wan(i64::MAX), "9223372036854.78");
        assert_eq!(format_fen_wan(i64::MIN), "-9223372036854.78");
    }

    #[test]
    fn millions_for_english_pages_keep_the_precision_of_wan() {
        // 17,700.00 万元 = 177,000,000 yuan.
        assert_eq!(format_fen_million(17_700_000_000), "177.00");
        assert_eq!(format_fen_million(30_000_000), "0.30");
        assert_eq!(format_fen_million(0), "0.00");
        // 1,234,567 yuan: 123.46 万元, 1.2346 million (100-yuan precision both ways).
        assert_eq!(format_fen_million(123_456_700), "1.2346");
        assert_eq!(format_fen_wan(123_456_700), "123.46");
        assert_eq!(format_fen_million(100_000_050), "1.00", "1,000,000.50 yuan");
        assert_eq!(format_fen_million(1_250_000_000), "12.50");
        assert_eq!(format_fen_million(4_999), "0.00");
        assert_eq!(format_fen_million(5_000), "0.0001");
        assert_eq!(format_fen_million(-30_000_000), "-0.30");
        assert_eq!(format_fen_million(i64::MAX), "92233720368.5478");
        assert_eq!(format_fen_million(i64::MIN), "-92233720368.5478");
    }

    #[test]
    fn integers() {
        let ok = |s: &str, v: i64| assert_eq!(parse_int(s), Ok(v), "{s:?}");
        ok("12", 12);
        ok(" 12 ", 12);
        ok("12.0", 12);
        ok("12.000", 12);
        ok("-7", -7);
        ok("+7", 7);
        ok("1,200", 1200);
        ok("1，200，300", 1_200_300);
        ok("9223372036854775807", i64::MAX);
        ok("-9223372036854775808", i64::MIN);
        ok("12.", 12);
        for s in [
            "12.5", "12.01", "abc", "1e3", ".0", "1,,2", ",1", "- ", "12人",
        ] {
            let e = parse_int(s).unwrap_err();
            assert!(e.en.contains("whole number"), "{s:?}: {e}");
        }
        assert!(parse_int("").unwrap_err().en.contains("empty"));
        assert!(
            parse_int("9223372036854775808")
                .unwrap_err()
                .en
                .contains("too large")
        );
        assert!(
            parse_int("99999999999999999999999999999999999999999")
                .unwrap_err()
                .en
                .contains("too large")
        );
    }

    #[test]
    fn lists() {
        assert_eq!(
            split_list("甲县人民政府、乙市发改委， 丙局,丁办;戊;己；庚\n辛"),
            vec![
                "甲县人民政府",
                "乙市发改委",
                "丙局",
                "丁办",
                "戊",
                "己",
                "庚",
                "辛"
            ]
        );
        assert_eq!(split_list("  单一单位  "), vec!["单一单位"]);
        assert!(split_list("").is_empty());
        assert!(split_list(" 、 ,, ；\r\n ").is_empty());
        assert_eq!(split_list("a、、b"), vec!["a", "b"]);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;
        use time::macros::date;

        proptest! {
            #[test]
            fn amount_parser_never_panics(s in ".*", wan in any::<bool>()) {
                let _ = parse_amount_fen(&s, wan);
            }

            #[test]
            fn amount_parser_never_panics_on_numberish(
                s in "[-+ ¥￥0-9,，.元万]{0,40}", wan in any::<bool>()
            ) {
                let _ = parse_amount_fen(&s, wan);
            }

            #[test]
            fn yuan_round_trips(fen in -1_000_000_000_000_000i64..=1_000_000_000_000_000i64) {
                prop_assert_eq!(parse_amount_fen(&format_fen_yuan(fen), false), Ok(fen));
            }

            #[test]
            fn wan_text_parses_back_within_half_a_unit(
                fen in -1_000_000_000_000_000i64..=1_000_000_000_000_000i64
            ) {
                let back = parse_amount_fen(&format_fen_wan(fen), true).unwrap();
                prop_assert!((back - fen).abs() <= 5_000);
            }

            #[test]
            fn date_parser_never_panics(s in ".*") {
                let _ = parse_date(&s);
            }

            #[test]
            fn iso_dates_round_trip(days in 0i64..2_900_000) {
                let d = date!(1900 - 01 - 01) + Duration::days(days);
                let text = format!("{}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
                prop_assert_eq!(parse_date(&text), Ok(d));
            }

            #[test]
            fn int_parser_never_panics(s in ".*") {
                let _ = parse_int(&s);
            }
        }
    }
}
