//! The assessment of a year as a formatted workbook, and the work-checklist progress
//! table in the layout of the plan's appendix (序号 重点工作 具体事项 完成时限 责任单位).
//!
//! Sheets of the assessment workbook:
//! - 总表: the whole programme: status counts (COUNTIF over 明细), every programme-wide
//!   figure, and one line per per-unit indicator (COUNTIFS / SUMIF over 明细).
//! - 明细: every figure (one row per indicator and scope unit), filterable.
//! - 排名: towns and departments ranked as the dashboard and the bulletin rank them.
//! - one sheet per action: its figures, per-unit indicators with a SUM / COUNTIF subtotal.
//! - one sheet per unit scope (每个县区, 每个结对镇街, 每个协助镇街): units × indicators,
//!   actual and status side by side, totals as formulas.
//! - 工作清单进展: the checklist progress table.
//!
//! Statuses are coloured; money is in 万元 as numbers; every total is a formula with
//! its computed value cached, so a reviewer can check it and any reader sees it.
//!
//! The sheets are written by `summary_sheet`, `detail_sheet`, `action_sheet`,
//! `scope_sheet` and `checklist`; the cells and page layout they share are in `layout`,
//! the wording of an item's figures in `figure_lines`.

use duikou_domain::engine::Assessment;
use duikou_domain::plan::{Plan, Scope};
use rust_xlsxwriter::Workbook;

use crate::ReportResult;
use crate::common::Styles;
use crate::narratives::Narratives;
use crate::safe::sheet_name;

mod action_sheet;
mod checklist;
mod detail_sheet;
mod figure_lines;
mod layout;
mod ranking_sheet;
mod scope_sheet;
mod summary_sheet;

pub use checklist::{ChecklistLine, checklist};
pub use figure_lines::{
    Wording, by_indicator, figure_lines, result_line, status_counts_zh, summary_lines,
};
pub use ranking_sheet::RANKING_SHEET;

pub const SUMMARY_SHEET: &str = "总表";
pub const DETAIL_SHEET: &str = "明细";
pub const CHECKLIST_SHEET: &str = "工作清单进展";

/// The assessment of a year as a workbook.
pub fn assessment_workbook(
    plan: &Plan,
    a: &Assessment,
    narratives: &Narratives,
) -> ReportResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let st = Styles::new();
    let n = a.results.len() as u32;
    let detail_last = detail_sheet::DETAIL_FIRST + n.max(1) - 1;

    // 总表
    let ws = wb.add_worksheet().set_name(SUMMARY_SHEET)?;
    summary_sheet::write_summary(ws, plan, a, &st, detail_last)?;
    ws.set_active(true);

    // 明细
    let ws = wb.add_worksheet().set_name(DETAIL_SHEET)?;
    detail_sheet::write_detail(ws, plan, a, &st)?;

    // 排名: the one ranking of units.
    let ws = wb.add_worksheet().set_name(RANKING_SHEET)?;
    ranking_sheet::write_ranking(ws, plan, a, &st)?;

    // One sheet per action.
    let mut used_names: Vec<String> = vec![
        SUMMARY_SHEET.into(),
        DETAIL_SHEET.into(),
        RANKING_SHEET.into(),
        CHECKLIST_SHEET.into(),
    ];
    for act in &plan.actions {
        let name = unique_name(&mut used_names, &format!("{} {}", act.no, act.title));
        let ws = wb.add_worksheet().set_name(&name)?;
        action_sheet::write_action(ws, plan, act, a, &st)?;
    }

    // One sheet per unit scope.
    let group_scopes =
        (0..plan.groups.len()).filter_map(|g| u16::try_from(g).ok().map(Scope::EachOf));
    for scope in [
        Scope::EachCounty,
        Scope::EachLeadTown,
        Scope::EachAssistingTown,
    ]
    .into_iter()
    .chain(group_scopes)
    {
        if plan.indicators.iter().any(|i| i.scope == scope) {
            let name = unique_name(&mut used_names, &scope.label_zh(plan));
            let ws = wb.add_worksheet().set_name(&name)?;
            scope_sheet::write_scope(ws, plan, scope, a, &st)?;
        }
    }

    // The checklist.
    let ws = wb.add_worksheet().set_name(CHECKLIST_SHEET)?;
    checklist::write_checklist(ws, plan, a, narratives, &st)?;

    Ok(wb.save_to_buffer()?)
}

/// The work-checklist progress table alone.
pub fn checklist_workbook(
    plan: &Plan,
    a: &Assessment,
    narratives: &Narratives,
) -> ReportResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let st = Styles::new();
    let ws = wb.add_worksheet().set_name(CHECKLIST_SHEET)?;
    checklist::write_checklist(ws, plan, a, narratives, &st)?;
    Ok(wb.save_to_buffer()?)
}

fn unique_name(used: &mut Vec<String>, wanted: &str) -> String {
    let base = sheet_name(wanted);
    let mut name = base.clone();
    let mut i = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        let suffix = format!("({i})");
        name = format!(
            "{}{suffix}",
            base.chars().take(31 - suffix.len()).collect::<String>()
        );
        i += 1;
    }
    used.push(name.clone());
    name
}
