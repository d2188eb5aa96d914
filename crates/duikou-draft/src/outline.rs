//! The document as lines, and its body as sections: a government plan is written in
//! one shape — a notice (文件头, 文号, 印发通知, 日期), the plan with headings 一、/（一）/1、,
//! and an appendix table — whatever program wrote the file. This module turns the text
//! of any of them (a .docx export, a text copy, markdown) into that outline.

use crate::text::{bare, clean, is_chinese_numeral, is_cjk};

/// One line of the document: a paragraph, or a table row split into its cells.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub text: String,
    pub cells: Option<Vec<String>>,
    /// A markdown heading (`#`): never the first half of a paragraph split by a page.
    pub md_heading: bool,
}

/// Markdown emphasis and heading marks carry no words.
fn strip_markdown(s: &str) -> (String, bool) {
    let t = s.trim();
    let heading = t.starts_with('#');
    let t = t.trim_start_matches('#').trim_start_matches('>').trim();
    (t.replace("**", "").replace("__", ""), heading)
}

/// Whether a line of text ends a statement (so the next line is a new paragraph).
fn ends_statement(s: &str) -> bool {
    s.chars()
        .last()
        .is_some_and(|c| "。！？；：:…”」）)】》".contains(c))
}

/// The lines of a document's text, markdown tables turned into tab-separated rows and
/// paragraphs that a page break split in two joined again ("按照国家" / "和省的有关部署").
pub(crate) fn prepare(text: &str) -> Vec<Line> {
    let mut raw: Vec<Line> = Vec::new();
    for l in text.lines() {
        let l = l.trim_end_matches('\r');
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('|') {
            // A markdown table row; its separator row (|---|:--|) has no words.
            if t.chars().all(|c| "|-: ".contains(c)) {
                continue;
            }
            let inner = t.trim_matches('|');
            let cells: Vec<String> = inner
                .split('|')
                .map(|c| clean(&strip_markdown(c).0))
                .collect();
            raw.push(Line {
                text: cells.join("\t"),
                cells: Some(cells),
                md_heading: false,
            });
            continue;
        }
        if l.contains('\t') {
            let cells: Vec<String> = l.split('\t').map(|c| clean(&strip_markdown(c).0)).collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            raw.push(Line {
                text: cells.join("\t"),
                cells: Some(cells),
                md_heading: false,
            });
            continue;
        }
        let (s, md_heading) = strip_markdown(t);
        let s = clean(&s);
        if !s.is_empty() {
            raw.push(Line {
                text: s,
                cells: None,
                md_heading,
            });
        }
    }
    // Join the halves of a paragraph split by a page: a long line that does not end a
    // statement, followed by a line that is not a heading. (Short lines without a stop
    // are titles, names and dates: 某市扶贫工作领导小组 / 2018年9月25日.)
    let mut out: Vec<Line> = Vec::new();
    for line in raw {
        let joinable = |prev: &Line| {
            prev.cells.is_none()
                && !prev.md_heading
                && prev.text.chars().count() >= 16
                && !ends_statement(&prev.text)
                && heading(&prev.text).is_none_or(|h| matches!(h, Heading::Numbered(..)))
        };
        // A letterhead (……文件) and the number or date under it are lines of their own.
        let own_line = date_of(&line.text).is_some()
            || (document_no(&line.text).is_some() && line.text.chars().count() <= 20)
            || out
                .last()
                .is_some_and(|p| p.text.ends_with("文件") || p.text.ends_with("通知"));
        let continues =
            line.cells.is_none() && !line.md_heading && heading(&line.text).is_none() && !own_line;
        match out.last_mut() {
            Some(prev) if continues && joinable(prev) => prev.text.push_str(&line.text),
            _ => out.push(line),
        }
    }
    out
}

/// A heading of the plan's outline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Heading {
    /// 二、工作任务
    L1(String, String),
    /// （一）产业合作帮扶行动, with the text that follows the title on the same line
    /// (**（一）指导思想。**坚持以……).
    L2(String, String, String),
    /// 1、深入开展干部交流协作。……
    Numbered(u32, String),
}

pub(crate) fn heading(s: &str) -> Option<Heading> {
    let chars: Vec<char> = s.chars().collect();
    let numeral_end = |from: usize| {
        let mut i = from;
        while i < chars.len() && is_chinese_numeral(chars[i]) {
            i += 1;
        }
        i
    };
    // 一、
    let e = numeral_end(0);
    if e > 0 && chars.get(e) == Some(&'、') {
        let rest: String = chars[e + 1..].iter().collect();
        if rest.chars().count() <= 30 && !rest.trim_end_matches('。').contains('。') {
            return Some(Heading::L1(
                chars[..e].iter().collect(),
                rest.trim_end_matches('。').to_string(),
            ));
        }
        return None;
    }
    // （一）
    if matches!(chars.first(), Some('（' | '(')) {
        let e = numeral_end(1);
        if e > 1 && matches!(chars.get(e), Some('）' | ')')) {
            let rest: String = chars[e + 1..].iter().collect();
            let (title, after) = match rest.find('。') {
                Some(p) => (
                    rest[..p].to_string(),
                    rest[p + '。'.len_utf8()..].to_string(),
                ),
                None => (rest.clone(), String::new()),
            };
            if title.chars().count() <= 30 {
                return Some(Heading::L2(chars[1..e].iter().collect(), title, after));
            }
        }
        return None;
    }
    // 1、 or 1. (not 1.8亿元, not 2018-2020年)
    let mut i = 0;
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    if i > 0 && i <= 2 {
        let next = chars.get(i).copied();
        let after = chars.get(i + 1).copied();
        let numbered =
            next == Some('、') || (next == Some('.') && after.is_some_and(|c| !c.is_ascii_digit()));
        if numbered {
            let n: u32 = chars[..i].iter().collect::<String>().parse().ok()?;
            return Some(Heading::Numbered(n, chars[i + 1..].iter().collect()));
        }
    }
    None
}

/// A paragraph of a section: its number within the section (1、) if it has one.
#[derive(Debug, Clone)]
pub(crate) struct Para {
    pub no: Option<u32>,
    pub text: String,
}

/// A section of the body: 二(一) 产业合作帮扶行动, or 三 保障措施.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub level: u8,
    pub l1: String,
    pub l2: String,
    pub title: String,
    pub paras: Vec<Para>,
}

impl Section {
    /// How the plan file cites the section: 二(一), 三.
    pub fn clause(&self) -> String {
        if self.l2.is_empty() {
            self.l1.clone()
        } else {
            format!("{}({})", self.l1, self.l2)
        }
    }
}

/// The body's sections in order; the lines before the first heading (the notice) are
/// a section of level 0.
pub(crate) fn sections(lines: &[Line]) -> Vec<Section> {
    let mut out = vec![Section {
        level: 0,
        l1: String::new(),
        l2: String::new(),
        title: String::new(),
        paras: Vec::new(),
    }];
    let mut l1 = String::new();
    for line in lines.iter().filter(|l| l.cells.is_none()) {
        // The appendix (附件：工作清单) is not part of the last section.
        if line.text.starts_with("附件") {
            break;
        }
        match heading(&line.text) {
            Some(Heading::L1(n, title)) => {
                l1 = n.clone();
                out.push(Section {
                    level: 1,
                    l1: n,
                    l2: String::new(),
                    title,
                    paras: Vec::new(),
                });
            }
            Some(Heading::L2(n, title, after)) if !l1.is_empty() => {
                let mut paras = Vec::new();
                if !after.trim().is_empty() {
                    paras.push(Para {
                        no: None,
                        text: after.trim().to_string(),
                    });
                }
                out.push(Section {
                    level: 2,
                    l1: l1.clone(),
                    l2: n,
                    title,
                    paras,
                });
            }
            Some(Heading::Numbered(n, rest)) => {
                let last = out.last_mut().expect("never empty");
                last.paras.push(Para {
                    no: Some(n),
                    text: rest,
                });
            }
            _ => {
                let last = out.last_mut().expect("never empty");
                last.paras.push(Para {
                    no: None,
                    text: line.text.clone(),
                });
            }
        }
    }
    out
}

/// The names of a "（责任单位：……）" line, if the paragraph is one.
pub(crate) fn responsible_line(text: &str) -> Option<String> {
    let t = text
        .trim()
        .trim_start_matches(['（', '('])
        .trim_end_matches(['）', ')']);
    for key in ["责任单位", "牵头单位", "责任部门", "牵头部门"] {
        if let Some(rest) = t.strip_prefix(key) {
            return Some(rest.trim_start_matches(['：', ':']).to_string());
        }
    }
    None
}

/// What the notice and the title say about the plan itself.
#[derive(Debug, Clone, Default)]
pub(crate) struct Identity {
    pub title: Option<String>,
    pub issuer: Option<String>,
    pub document_no: Option<String>,
    pub issued_on: Option<(i32, u8, u8)>,
    pub years: Option<(i32, i32)>,
    pub goal: Option<String>,
    /// The two short names the title pairs (甲·乙), east first.
    pub pair: Option<(String, String)>,
}

/// 2018年9月25日 (or 二〇一八年九月二十五日) as a date.
pub(crate) fn date_of(s: &str) -> Option<(i32, u8, u8)> {
    let s = s.trim();
    let (y, rest) = s.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let d = rest.strip_suffix('日')?;
    let num = |t: &str| {
        t.parse::<i64>()
            .ok()
            .or_else(|| crate::text::chinese_number(t))
    };
    let (y, m, d) = (num(y)?, num(m)?, num(d)?);
    if !(1990..=2100).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some((y as i32, m as u8, d as u8))
}

/// The first "YYYY-YYYY年" (or YYYY至YYYY年) of a text: a plan's years.
pub(crate) fn year_range(s: &str) -> Option<(i32, i32)> {
    let chars: Vec<char> = s.chars().collect();
    for i in 0..chars.len() {
        if i > 0 && chars[i - 1].is_ascii_digit() {
            continue;
        }
        let four = |at: usize| -> Option<i32> {
            let t: String = chars.get(at..at + 4)?.iter().collect();
            if t.chars().all(|c| c.is_ascii_digit()) {
                t.parse().ok()
            } else {
                None
            }
        };
        let Some(a) = four(i) else { continue };
        let mut j = i + 4;
        if chars.get(j) == Some(&'年') {
            j += 1;
        }
        if !matches!(chars.get(j), Some('-' | '至' | '到')) {
            continue;
        }
        let Some(b) = four(j + 1) else { continue };
        if chars.get(j + 5) == Some(&'年') && (1990..=2100).contains(&a) && a <= b && b - a <= 10 {
            return Some((a, b));
        }
    }
    None
}

/// A document number: 东扶贫〔2018〕5号 (brackets 〔〕 [] ［］ 【】 accepted, written 〔〕).
pub(crate) fn document_no(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if !"〔[［【".contains(*c) {
            continue;
        }
        let year: String = chars.get(i + 1..i + 5)?.iter().collect();
        if !year.chars().all(|c| c.is_ascii_digit())
            || !chars.get(i + 5).is_some_and(|c| "〕]］】".contains(*c))
        {
            continue;
        }
        let mut j = i + 6;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        if j == i + 6 || chars.get(j) != Some(&'号') {
            continue;
        }
        let mut k = i;
        while k > 0 && is_cjk(chars[k - 1]) && i - k < 8 {
            k -= 1;
        }
        if k == i {
            continue;
        }
        let prefix: String = chars[k..i].iter().collect();
        let number: String = chars[i + 6..j].iter().collect();
        return Some(format!("{prefix}〔{year}〕{number}号"));
    }
    None
}

/// Words that begin the subject of a title after the pair of places: 甲·乙|扶贫协作.
const TITLE_SUBJECT_WORDS: &[&str] = &[
    "东西部",
    "扶贫",
    "协作",
    "对口",
    "帮扶",
    "携手",
    "结对",
    "合作",
    "乡村振兴",
    "巩固",
    "三年",
    "五年",
    "十四五",
];

/// The two places a title pairs: "甲·乙扶贫协作……" → (甲, 乙).
fn title_pair(title: &str) -> Option<(String, String)> {
    let t = title.trim_start_matches("关于");
    let dot = t.find(['·', '•', '・', '‧'])?;
    let left: String = t[..dot]
        .chars()
        .rev()
        .take_while(|c| is_cjk(*c))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let right_all = &t[dot..];
    let right_all: &str = &right_all[right_all.chars().next()?.len_utf8()..];
    let mut end = right_all.len();
    for w in TITLE_SUBJECT_WORDS {
        if let Some(p) = right_all.find(w)
            && p > 0
        {
            end = end.min(p);
        }
    }
    let right: String = right_all[..end]
        .chars()
        .take_while(|c| is_cjk(*c))
        .collect();
    let ok = |s: &str| (2..=8).contains(&s.chars().count());
    (ok(&left) && ok(&right)).then_some((left, right))
}

pub(crate) fn identity(lines: &[Line], sections: &[Section]) -> Identity {
    let mut id = Identity::default();
    let paras: Vec<&str> = lines
        .iter()
        .filter(|l| l.cells.is_none())
        .map(|l| l.text.as_str())
        .collect();
    // The notice: its number, the issuer's letterhead (……文件) and the date line.
    id.document_no = paras.iter().take(40).find_map(|p| document_no(p));
    id.issuer = paras.iter().take(10).find_map(|p| {
        p.strip_suffix("文件")
            .filter(|s| s.chars().count() >= 4)
            .map(str::to_string)
    });
    if let Some(pos) = paras.iter().take(60).position(|p| date_of(p).is_some()) {
        id.issued_on = date_of(paras[pos]);
        if id.issuer.is_none() && pos > 0 {
            let before = paras[pos - 1];
            if before.chars().count() <= 30 && !ends_statement(before) {
                id.issuer = Some(before.to_string());
            }
        }
    }
    // The title: what the notice issues (关于印发《…》的通知), else the first heading that
    // names a plan (方案, 计划, 规划, 意见) with the years line that may follow it.
    id.title = paras.iter().take(60).find_map(|p| {
        let s = p.find('《')?;
        let e = p[s..].find('》')? + s;
        (p.contains("印发") || p.contains("通知")).then(|| p[s + '《'.len_utf8()..e].to_string())
    });
    if id.title.is_none()
        && let Some(pos) = paras.iter().take(40).position(|p| {
            p.chars().count() <= 50
                && ["方案", "计划", "规划", "意见"]
                    .iter()
                    .any(|w| p.contains(w))
                && !ends_statement(p)
        })
    {
        let mut t = paras[pos].to_string();
        if let Some(next) = paras.get(pos + 1) {
            let b = bare(next);
            if year_range(next).is_some() && b.chars().count() <= 10 {
                t.push_str(&format!("（{}）", b));
            }
        }
        id.title = Some(t);
    }
    id.years = id
        .title
        .as_deref()
        .and_then(year_range)
        .or_else(|| paras.iter().take(60).find_map(|p| year_range(p)));
    id.pair = id.title.as_deref().and_then(title_pair);
    // The goal: the text of the (…)工作目标 heading.
    id.goal = sections
        .iter()
        .find(|s| s.title.contains("目标"))
        .and_then(|s| s.paras.first())
        .map(|p| p.text.clone());
    id
}

#[cfg(test)]
#[path = "tests/outline.rs"]
mod tests;
