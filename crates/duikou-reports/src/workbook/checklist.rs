//! 工作清单进展: the work-checklist progress table in the layout of the plan's appendix
//! (序号 重点工作 具体事项 完成时限 责任单位), an item's figures worded by `figure_lines`.

use duikou_domain::engine::{Assessment, IndicatorResult, IndicatorStatus};
use duikou_domain::plan::{Action, Item, Plan};
use rust_xlsxwriter::{Color, FormatAlign, Worksheet, XlsxError};

use super::figure_lines::summary_lines;
use super::layout::{print_setup, write_headers};
use crate::common::{Styles, severity, status_format};
use crate::narratives::{Narrative, Narratives};

/// One line of the checklist table.
pub struct ChecklistLine<'a> {
    pub item: &'a Item,
    pub results: Vec<&'a IndicatorResult>,
    /// The worst status among the item's figures; None when it has no figure.
    pub status: Option<IndicatorStatus>,
    pub records: usize,
    pub with_evidence: usize,
}

/// The checklist, action by action, with the figures of each item.
pub fn checklist<'a>(
    plan: &'a Plan,
    a: &'a Assessment,
) -> Vec<(&'a Action, Vec<ChecklistLine<'a>>)> {
    plan.actions
        .iter()
        .map(|act| {
            let lines = plan
                .items
                .iter()
                .filter(|i| i.action == act.no)
                .map(|item| {
                    let results: Vec<&IndicatorResult> = a
                        .results
                        .iter()
                        .filter(|r| {
                            plan.checklist_item_of(&r.item)
                                .is_some_and(|i| i.no == item.no)
                        })
                        .collect();
                    let status = results
                        .iter()
                        .map(|r| r.status)
                        .max_by_key(|s| severity(*s));
                    ChecklistLine {
                        item,
                        status,
                        records: results.iter().map(|r| r.records).sum(),
                        with_evidence: results.iter().map(|r| r.with_evidence).sum(),
                        results,
                    }
                })
                .collect();
            (act, lines)
        })
        .collect()
}

/// A plan's title without its trailing period: "…实施方案（2018-2020年）" → "…实施方案".
fn title_without_period(title: &str) -> &str {
    match title.rfind('（') {
        Some(at) if title.ends_with("年）") => &title[..at],
        _ => title,
    }
}

pub(super) fn write_checklist(
    ws: &mut Worksheet,
    plan: &Plan,
    a: &Assessment,
    narratives: &Narratives,
    st: &Styles,
) -> Result<(), XlsxError> {
    let title = format!("{}工作清单完成情况", title_without_period(&plan.meta.title));
    ws.merge_range(
        0,
        0,
        0,
        8,
        &title,
        &st.title.clone().set_align(FormatAlign::Center),
    )?;
    ws.merge_range(
        1,
        0,
        1,
        8,
        &format!(
            "{} 年度，截至 {}{}",
            a.year,
            a.as_of,
            if a.include_submitted {
                "（含待审核记录）"
            } else {
                ""
            }
        ),
        &st.subtitle.clone().set_align(FormatAlign::Center),
    )?;
    let headers = [
        "序号",
        "重点工作",
        "具体事项",
        "完成时限",
        "责任单位",
        "完成情况",
        "状态",
        "有佐证/记录数",
        "工作进展",
    ];
    let widths = [6.0, 14.0, 46.0, 11.0, 20.0, 46.0, 10.0, 12.0, 46.0];
    let hr = 2u32;
    write_headers(ws, hr, &headers, &widths, st)?;
    let action_fmt = st.bold_row.clone().set_text_wrap();
    let mut row = hr + 1;
    for (act, lines) in checklist(plan, a) {
        ws.write_string_with_format(
            row,
            0,
            &act.no,
            &action_fmt.clone().set_align(FormatAlign::Center),
        )?;
        ws.merge_range(row, 1, row, 8, &act.title, &action_fmt)?;
        row += 1;
        for l in lines {
            ws.write_string_with_format(
                row,
                0,
                &l.item.no,
                &st.center.clone().set_align(FormatAlign::Top),
            )?;
            ws.write_string_with_format(row, 1, &l.item.title, &st.wrap)?;
            ws.write_string_with_format(row, 2, &l.item.text, &st.wrap)?;
            ws.write_string_with_format(row, 3, &l.item.time_limit, &st.wrap)?;
            ws.write_string_with_format(row, 4, l.item.responsible.join("、"), &st.wrap)?;
            let lines = summary_lines(&l.results);
            ws.write_string_with_format(
                row,
                5,
                if lines.is_empty() {
                    "（无量化指标）".to_string()
                } else {
                    lines.join("\n")
                },
                &st.wrap,
            )?;
            match l.status {
                Some(s) => ws.write_string_with_format(
                    row,
                    6,
                    s.label_zh(),
                    &status_format(&st.center, s).set_align(FormatAlign::Top),
                )?,
                None => ws.write_string_with_format(
                    row,
                    6,
                    "—",
                    &st.center.clone().set_background_color(Color::RGB(0xFFFFFF)),
                )?,
            };
            let coverage = if l.records == 0 {
                "—".to_string()
            } else {
                format!("{}/{}", l.with_evidence, l.records)
            };
            ws.write_string_with_format(
                row,
                7,
                coverage,
                &st.center.clone().set_align(FormatAlign::Top),
            )?;
            let progress: Vec<String> = narratives
                .get(&l.item.no)
                .map(|ns| ns.iter().map(Narrative::text).collect())
                .unwrap_or_default();
            ws.write_string_with_format(
                row,
                8,
                if progress.is_empty() {
                    "—".to_string()
                } else {
                    progress.join("\n")
                },
                &st.wrap,
            )?;
            // Rows tall enough for the longest cell: about 27 Chinese characters fit a
            // line of the wide columns, 12 of 责任单位.
            let wrapped = |s: &str, per_line: usize| s.chars().count().div_ceil(per_line).max(1);
            let text_lines =
                wrapped(&l.item.text, 27).max(wrapped(&l.item.responsible.join("、"), 12));
            let figure_lines: usize = lines.iter().map(|s| wrapped(s, 27)).sum();
            let progress_lines: usize = progress.iter().map(|s| wrapped(s, 27)).sum();
            let tallest = text_lines.max(figure_lines).max(progress_lines);
            ws.set_row_height(row, (14.0 * tallest as f64 + 6.0).min(400.0))?;
            row += 1;
        }
    }
    ws.set_freeze_panes(hr + 1, 0)?;
    print_setup(ws, hr, hr)?;
    Ok(())
}
