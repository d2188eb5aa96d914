//! Quantified phrases: the numbers a plan's sentence sets as targets (每年至少1次,
//! 1-2次, 6期以上, 不少于100万元, 1.8亿元, 8000人以上, 2018年招收1600名), the
//! durations that qualify them (挂职时间不少于1年) and the deadlines (第一季度前, 11月前).
//! What is not a target is told apart by shape: years (2018年, 2018-2020年), dates
//! (9月25日, 11月前), formulas in quotes (“0+3”, “1+8”).

use crate::text::{chinese_number, is_chinese_numeral};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QKind {
    /// Yuan.
    Money,
    /// Persons, times, sessions, groups … of the measure word `unit`.
    Count,
    /// Months (挂职时间不少于1年 → 12).
    Duration,
    Percent,
    /// 一批: "some", a figure to track without a target.
    Batch,
}

#[derive(Debug, Clone)]
pub(crate) struct Quantity {
    pub kind: QKind,
    pub min: i64,
    pub max: Option<i64>,
    /// The measure word as written (次, 期, 人次, 名, 个, 组, 批次 …); 元 for money.
    pub unit: String,
    /// Char positions in the sentence: where the number starts, and after its unit.
    pub start: usize,
    pub end: usize,
    /// The year a clause sets it for: 2018年招收1600名.
    pub year: Option<i32>,
}

/// Measure words of counts, longest first so that 人次 wins over 人.
const COUNT_UNITS: &[&str] = &[
    "人次", "批次", "户次", "场次", "个", "名", "人", "次", "期", "组", "批", "场", "届", "所",
    "家", "户", "项", "对", "份", "座", "处", "支", "轮", "趟", "篇", "条", "间", "村", "吨",
];

/// Verbs and qualifiers after which a Chinese numeral is a quantity (召开一次), not a
/// word (一对一, 就业一人).
const NUMERAL_TRIGGERS: &[&str] = &[
    "至少",
    "不少于",
    "召开",
    "举办",
    "开展",
    "组织",
    "选派",
    "派出",
    "每年",
    "接收",
    "安排",
];

fn starts(chars: &[char], at: usize, word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    chars.get(at..at + w.len()) == Some(&w[..])
}

fn ends_with_at(chars: &[char], end: usize, word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    end >= w.len() && chars[end - w.len()..end] == w[..]
}

/// A decimal number at `at`: (integer part, fraction digits, end).
fn number(chars: &[char], at: usize) -> Option<(i128, String, usize)> {
    let mut j = at;
    while j < chars.len() && chars[j].is_ascii_digit() {
        j += 1;
    }
    if j == at {
        return None;
    }
    let int: i128 = chars[at..j].iter().collect::<String>().parse().ok()?;
    let mut frac = String::new();
    if chars.get(j) == Some(&'.') && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
        let mut k = j + 1;
        while k < chars.len() && chars[k].is_ascii_digit() {
            frac.push(chars[k]);
            k += 1;
        }
        j = k;
    }
    Some((int, frac, j))
}

/// int.frac × mult, exactly.
fn scaled(int: i128, frac: &str, mult: i128) -> i64 {
    let mut v = int * mult;
    if !frac.is_empty() {
        let den = 10i128.pow(frac.len() as u32);
        let f: i128 = frac.parse().unwrap_or(0);
        v += f * mult / den;
    }
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Every quantity of a sentence, in order.
pub(crate) fn scan(sentence: &str) -> Vec<Quantity> {
    let chars: Vec<char> = sentence.chars().collect();
    let money_context =
        sentence.contains('元') || sentence.contains("资金") || sentence.contains("财政");
    let mut out: Vec<Quantity> = Vec::new();
    let mut years: Vec<(usize, i32)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // 一批: a figure without a number.
        if c == '一' && chars.get(i + 1) == Some(&'批') && chars.get(i + 2) != Some(&'次') {
            out.push(Quantity {
                kind: QKind::Batch,
                min: 0,
                max: None,
                unit: "批".into(),
                start: i,
                end: i + 2,
                year: None,
            });
            i += 2;
            continue;
        }
        if is_chinese_numeral(c) || c == '两' {
            let triggered = NUMERAL_TRIGGERS.iter().any(|t| ends_with_at(&chars, i, t));
            let mut j = i;
            while j < chars.len() && (is_chinese_numeral(chars[j]) || chars[j] == '两') {
                j += 1;
            }
            if triggered {
                let n: String = chars[i..j].iter().collect();
                if let (Some(v), Some(unit)) = (
                    chinese_number(&n),
                    ["次", "期", "场", "名", "个", "人"]
                        .iter()
                        .find(|u| starts(&chars, j, u)),
                ) {
                    out.push(Quantity {
                        kind: QKind::Count,
                        min: v,
                        max: None,
                        unit: unit.to_string(),
                        start: i,
                        end: j + 1,
                        year: None,
                    });
                }
            }
            i = j.max(i + 1);
            continue;
        }
        let fresh = c.is_ascii_digit()
            && (i == 0
                || !(chars[i - 1].is_ascii_alphanumeric()
                    || chars[i - 1] == '.'
                    || chars[i - 1] == '+'));
        if !fresh {
            i += 1;
            continue;
        }
        let Some((int, frac, mut j)) = number(&chars, i) else {
            i += 1;
            continue;
        };
        // A formula (“0+3”, “1+8”), not a quantity.
        if chars.get(j) == Some(&'+') {
            i = j + 1;
            continue;
        }
        // Years and year ranges.
        if j - i == 4 && frac.is_empty() && (1990..=2100).contains(&int) {
            if chars.get(j) == Some(&'年') {
                years.push((i, int as i32));
                i = j + 1;
                continue;
            }
            if chars.get(j) == Some(&'-') {
                i = j + 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                continue;
            }
        }
        // A range: 1-2次, 1至3个.
        let mut max = None;
        if matches!(chars.get(j), Some('-' | '~' | '至' | '到'))
            && let Some((int2, frac2, k)) = number(&chars, j + 1)
            && frac.is_empty()
            && frac2.is_empty()
        {
            max = Some(int2);
            j = k;
        }
        // Dates: 11月前, 9月25日, 3月底.
        if chars.get(j) == Some(&'月')
            && (chars
                .get(j + 1)
                .is_some_and(|c| "前底末份中上下".contains(*c) || c.is_ascii_digit()))
        {
            i = j + 1;
            continue;
        }
        if chars.get(j) == Some(&'日') || chars.get(j) == Some(&'号') {
            i = j + 1;
            continue;
        }
        let year = years.last().map(|(_, y)| *y).filter(|_| {
            // The year counts only within the same clause.
            let from = years.last().map(|(p, _)| *p).unwrap_or(0);
            !chars[from..i].iter().any(|c| "，。；".contains(*c))
        });
        let push = |out: &mut Vec<Quantity>, kind, min, max, unit: &str, end| {
            out.push(Quantity {
                kind,
                min,
                max,
                unit: unit.to_string(),
                start: i,
                end,
                year,
            });
        };
        let mx = |m: i128| max.map(|v| scaled(v, "", m));
        if starts(&chars, j, "亿元") || (starts(&chars, j, "亿") && money_context) {
            let len = if starts(&chars, j, "亿元") { 2 } else { 1 };
            push(
                &mut out,
                QKind::Money,
                scaled(int, &frac, 100_000_000),
                mx(100_000_000),
                "元",
                j + len,
            );
        } else if starts(&chars, j, "万元") {
            push(
                &mut out,
                QKind::Money,
                scaled(int, &frac, 10_000),
                mx(10_000),
                "元",
                j + 2,
            );
        } else if starts(&chars, j, "万") {
            // 万人 / 万人次 / 万户 count in ten thousands; a bare 万 in a money sentence is 万元.
            match COUNT_UNITS.iter().find(|u| starts(&chars, j + 1, u)) {
                Some(u) => push(
                    &mut out,
                    QKind::Count,
                    scaled(int, &frac, 10_000),
                    mx(10_000),
                    u,
                    j + 1 + u.chars().count(),
                ),
                None if money_context => push(
                    &mut out,
                    QKind::Money,
                    scaled(int, &frac, 10_000),
                    mx(10_000),
                    "元",
                    j + 1,
                ),
                None => {}
            }
        } else if starts(&chars, j, "元") {
            push(
                &mut out,
                QKind::Money,
                scaled(int, &frac, 1),
                mx(1),
                "元",
                j + 1,
            );
        } else if starts(&chars, j, "个月") {
            push(
                &mut out,
                QKind::Duration,
                scaled(int, &frac, 1),
                None,
                "月",
                j + 2,
            );
        } else if starts(&chars, j, "年") && !starts(&chars, j, "年度") {
            push(
                &mut out,
                QKind::Duration,
                scaled(int, &frac, 12),
                None,
                "月",
                j + 1,
            );
        } else if starts(&chars, j, "%") {
            push(
                &mut out,
                QKind::Percent,
                scaled(int, &frac, 1),
                mx(1),
                "%",
                j + 1,
            );
        } else if let Some(u) = COUNT_UNITS.iter().find(|u| starts(&chars, j, u)) {
            push(
                &mut out,
                QKind::Count,
                scaled(int, &frac, 1),
                mx(1),
                u,
                j + u.chars().count(),
            );
        }
        i = j.max(i + 1);
    }
    out
}

fn month_end(m: u8) -> u8 {
    match m {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A deadline within the year that a text sets: (month, day). 第一季度前 → 03-31;
/// 上半年 → 06-30; 11月前 (before November) → 10-31; 6月底前 → 06-30; 9月15日前 → 09-15.
pub(crate) fn deadline(text: &str) -> Option<(u8, u8)> {
    for (words, md) in [
        (&["第一季度", "一季度"][..], (3, 31)),
        (&["第二季度", "二季度", "上半年"][..], (6, 30)),
        (&["第三季度", "三季度"][..], (9, 30)),
    ] {
        if words.iter().any(|w| text.contains(w)) {
            return Some(md);
        }
    }
    let chars: Vec<char> = text.chars().collect();
    for (p, c) in chars.iter().enumerate() {
        if *c != '月' || p == 0 {
            continue;
        }
        let mut s = p;
        while s > 0 && (chars[s - 1].is_ascii_digit() || is_chinese_numeral(chars[s - 1])) {
            s -= 1;
        }
        let n: String = chars[s..p].iter().collect();
        let Some(m) = n
            .parse::<i64>()
            .ok()
            .or_else(|| chinese_number(&n))
            .filter(|m| (1..=12).contains(m))
        else {
            continue;
        };
        let m = m as u8;
        let rest: String = chars[p + 1..].iter().take(6).collect();
        if rest.starts_with("底") || rest.starts_with("末") {
            return Some((m, month_end(m)));
        }
        if rest.starts_with('前') || rest.starts_with("份前") {
            if m == 1 {
                continue;
            }
            return Some((m - 1, month_end(m - 1)));
        }
        let day: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(d) = day.parse::<u8>()
            && (1..=month_end(m)).contains(&d)
            && rest[day.len()..].starts_with(['日', '号'])
        {
            return Some((m, d));
        }
    }
    None
}

#[cfg(test)]
#[path = "tests/quantities.rs"]
mod tests;
