//! The appendix work checklist (工作清单): a table whose header names 序号, 重点工作,
//! 具体事项, 完成时限 and 责任单位 (or their usual synonyms). Action rows are numbered
//! 1, 2, …; item rows 1.1, 1.2, …. A row that a page break cut in two comes back as two
//! rows with the same number (or a second row without a number): they are one item.

use crate::outline::{Line, heading};
use crate::text::{bare, chinese_number};

/// The column names of each role, as checklists write them.
const NO: &[&str] = &["序号", "编号"];
const TITLE: &[&str] = &[
    "重点工作",
    "工作任务",
    "主要任务",
    "任务",
    "项目",
    "工作事项",
    "重点任务",
];
const TEXT: &[&str] = &[
    "具体事项",
    "具体内容",
    "工作内容",
    "主要内容",
    "任务内容",
    "工作措施",
    "具体措施",
    "目标任务",
    "工作目标",
    "内容",
];
const TIME: &[&str] = &[
    "完成时限",
    "完成时间",
    "时限",
    "时间节点",
    "时间要求",
    "完成期限",
];
const RESP: &[&str] = &[
    "责任单位",
    "牵头单位",
    "责任部门",
    "牵头部门",
    "配合单位",
    "参与单位",
];

#[derive(Debug, Clone, Default)]
struct Columns {
    no: usize,
    title: Option<usize>,
    text: Option<usize>,
    time: Option<usize>,
    resp: Vec<usize>,
}

fn columns(cells: &[String]) -> Option<Columns> {
    let find = |names: &[&str]| cells.iter().position(|c| names.contains(&bare(c).as_str()));
    let no = find(NO)?;
    let mut cols = Columns {
        no,
        title: find(TITLE),
        text: find(TEXT),
        time: find(TIME),
        resp: Vec::new(),
    };
    cols.resp = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| RESP.contains(&bare(c).as_str()))
        .map(|(i, _)| i)
        .collect();
    let roles = [
        cols.title.is_some(),
        cols.text.is_some(),
        cols.time.is_some(),
        !cols.resp.is_empty(),
    ];
    (roles.iter().filter(|r| **r).count() >= 2).then_some(cols)
}

#[derive(Debug, Clone)]
pub(crate) struct ActionRow {
    pub no: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ItemRow {
    pub no: String,
    pub title: String,
    pub text: String,
    pub time_limit: String,
    /// The responsible cell as written (split into names by `units`).
    pub responsible: String,
    /// How many table rows made the item (2 when a page break split it).
    pub parts: usize,
    /// The halves disagreed on the time limit or the responsible units.
    pub conflict: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Checklist {
    /// The line index of the header row: the body is what comes before.
    pub header_line: usize,
    pub actions: Vec<ActionRow>,
    pub items: Vec<ItemRow>,
    /// Item numbers that appeared apart from their first row (merged all the same).
    pub repeated: Vec<String>,
}

enum RowNo {
    Action(String),
    /// An action row whose title is in the number cell (一、产业合作 across the row).
    ActionTitled(String, String),
    Item(String),
    Continuation,
    Other,
}

fn row_no(cell: &str) -> RowNo {
    let c = cell.trim().trim_end_matches(['.', '、']);
    if c.is_empty() {
        return RowNo::Continuation;
    }
    if c.chars().all(|c| c.is_ascii_digit()) {
        return RowNo::Action(c.trim_start_matches('0').to_string());
    }
    if let Some((a, b)) = c.split_once('.')
        && !a.is_empty()
        && !b.is_empty()
        && a.chars().all(|c| c.is_ascii_digit())
        && b.chars().all(|c| c.is_ascii_digit())
    {
        return RowNo::Item(format!(
            "{}.{}",
            a.trim_start_matches('0'),
            b.trim_start_matches('0')
        ));
    }
    // 一、二 … as action numbers.
    if let Some(n) = chinese_number(c) {
        return RowNo::Action(n.to_string());
    }
    // 一、产业合作帮扶行动 / 1、产业合作帮扶行动 in one cell.
    let t = cell.trim();
    let numeral: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || crate::text::is_chinese_numeral(*c))
        .collect();
    let rest = t[numeral.len()..].trim_start_matches(['、', '.', '．', ' ']);
    if !numeral.is_empty() && rest.len() < t.len() - numeral.len() && !rest.is_empty() {
        let n = numeral
            .parse::<i64>()
            .ok()
            .or_else(|| chinese_number(&numeral));
        if let Some(n) = n {
            return RowNo::ActionTitled(n.to_string(), rest.to_string());
        }
    }
    RowNo::Other
}

fn is_page_number(s: &str) -> bool {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || "-—第页/".contains(c))
        && t.chars().any(|c| c.is_ascii_digit())
}

/// One value of two halves of a split row: the same value, or the one that is there.
fn merge_value(a: &mut String, b: &str, conflict: &mut bool) {
    if b.is_empty() || a == b {
        return;
    }
    if a.is_empty() {
        *a = b.to_string();
        return;
    }
    *conflict = true;
    if b.chars().count() > a.chars().count() {
        *a = b.to_string();
    }
}

pub(crate) fn parse(lines: &[Line]) -> Option<Checklist> {
    let (header_line, cols) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| Some((i, columns(l.cells.as_ref()?)?)))?;
    let mut list = Checklist {
        header_line,
        actions: Vec::new(),
        items: Vec::new(),
        repeated: Vec::new(),
    };
    let get = |cells: &[String], i: Option<usize>| {
        i.and_then(|i| cells.get(i)).cloned().unwrap_or_default()
    };
    for line in &lines[header_line + 1..] {
        let Some(cells) = &line.cells else {
            if is_page_number(&line.text) {
                continue;
            }
            // A row of one merged cell, exported as a plain line: 一、产业合作帮扶行动.
            if let RowNo::ActionTitled(no, title) = row_no(&line.text) {
                if title.chars().count() <= 20 && !list.actions.iter().any(|a| a.no == no) {
                    list.actions.push(ActionRow {
                        no,
                        title: bare_spaces(&title),
                    });
                }
                continue;
            }
            if line.md_heading || heading(&line.text).is_some() || line.text.starts_with("附件") {
                break;
            }
            continue;
        };
        if columns(cells).is_some() {
            continue; // the header again, on the next page
        }
        let resp: Vec<String> = cols
            .resp
            .iter()
            .filter_map(|i| cells.get(*i))
            .filter(|c| !c.is_empty())
            .cloned()
            .collect();
        let resp = resp.join("、");
        let text = get(cells, cols.text);
        let title = get(cells, cols.title);
        let time = get(cells, cols.time);
        match row_no(cells.get(cols.no).map(String::as_str).unwrap_or("")) {
            RowNo::Action(no) => {
                // The action's title: its 重点工作 cell, or the first cell with words.
                let title = if !title.is_empty() {
                    title
                } else {
                    cells
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != cols.no)
                        .map(|(_, c)| c.clone())
                        .find(|c| !c.is_empty())
                        .unwrap_or_default()
                };
                if !list.actions.iter().any(|a| a.no == no) {
                    list.actions.push(ActionRow {
                        no,
                        title: bare_spaces(&title),
                    });
                }
            }
            RowNo::ActionTitled(no, title) => {
                if !list.actions.iter().any(|a| a.no == no) {
                    list.actions.push(ActionRow {
                        no,
                        title: bare_spaces(&title),
                    });
                }
            }
            RowNo::Item(no) => {
                let pos = list.items.iter().position(|i| i.no == no);
                match pos {
                    Some(p) => {
                        if p + 1 != list.items.len() {
                            list.repeated.push(no.clone());
                        }
                        let item = &mut list.items[p];
                        item.text.push_str(&text);
                        item.parts += 1;
                        let mut conflict = item.conflict;
                        merge_value(&mut item.title, &title, &mut conflict);
                        merge_value(&mut item.time_limit, &time, &mut conflict);
                        merge_value(&mut item.responsible, &resp, &mut conflict);
                        item.conflict = conflict;
                    }
                    None => list.items.push(ItemRow {
                        no,
                        title: bare_spaces(&title),
                        text,
                        time_limit: time,
                        responsible: resp,
                        parts: 1,
                        conflict: false,
                    }),
                }
            }
            RowNo::Continuation => {
                // The rest of the item above, on the next page (its number not repeated).
                if let Some(item) = list.items.last_mut() {
                    item.text.push_str(&text);
                    item.parts += 1;
                    let mut conflict = item.conflict;
                    merge_value(&mut item.time_limit, &time, &mut conflict);
                    merge_value(&mut item.responsible, &resp, &mut conflict);
                    item.conflict = conflict;
                }
            }
            RowNo::Other => {}
        }
    }
    Some(list)
}

/// A title without the spaces a narrow cell wrapped it with (产业合作 帮扶行动).
fn bare_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outline::prepare;

    #[test]
    fn split_rows_are_merged() {
        let text = "序号\t重点工作\t具体事项\t完成时限\t责任单位\n\
                    1\t产业 合作\t\t\t\n\
                    1.1\t园区\t争取每年接收3批次45人\t2018-2020年\t市卫计局\n\
                    — 3 —\n\
                    1.1\t园区\t以上。\t2018-2020年\t市卫计局\n\
                    1.2\t交流\t甲\t\t市卫计局\n\
                    \t\t乙\t每年\t\n";
        let list = parse(&prepare(text)).unwrap();
        assert_eq!(list.actions[0].title, "产业合作");
        assert_eq!(list.items[0].text, "争取每年接收3批次45人以上。");
        assert_eq!(list.items[0].parts, 2);
        assert_eq!(list.items[1].text, "甲乙");
        assert_eq!(list.items[1].time_limit, "每年");
    }

    #[test]
    fn action_titles_in_the_number_cell() {
        let text = "序号\t具体事项\t责任单位\n一、产业合作\n1.1\t甲\t市农业局\n";
        let list = parse(&prepare(text)).unwrap();
        assert_eq!(
            (list.actions[0].no.as_str(), list.actions[0].title.as_str()),
            ("1", "产业合作")
        );
    }
}
