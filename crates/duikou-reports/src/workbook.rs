//! The assessment of a year as a formatted workbook, and the work-checklist progress
//! table in the layout of the plan's appendix (序号 重点工作 具体事项 完成时限 责任单位).
//!
//! Sheets of the assessment workbook:
//! - 总表: the whole programme: status counts (COUNTIF over 明细), every programme-wide
//!   figure, and one line per per-unit indicator (COUNTIFS / SUMIF over 明细).
//! - 明细: every figure (one row per indicator and scope unit), filterable.
//! - one sheet per action: its figures, per-unit indicators with a SUM / COUNTIF subtotal.
//! - one sheet per unit scope (每个县区, 每个结对镇街, 每个协助镇街): units × indicators,
//!   actual and status side by side, totals as formulas.
//! - 工作清单进展: the checklist progress table.
//!
//! Statuses are coloured; money is in 万元 as numbers; every total is a formula with
//! its computed value cached, so a reviewer can check it and any reader sees it.

use std::collections::HashMap;

use duikou_domain::engine::{Assessment, Figure, IndicatorResult, IndicatorStatus};
use duikou_domain::plan::{Action, Item, Plan, Scope};
use duikou_domain::target_text::{self, Style};
use rust_xlsxwriter::{Color, FormatAlign, Formula, Workbook, Worksheet, XlsxError};

use crate::ReportResult;
use crate::common::{
    PLAN_SCOPE, Styles, col_letter, decimal_text, display_unit, figure_value, scope_label,
    severity, status_format,
};
use crate::narratives::{Narrative, Narratives};
use crate::safe::{formula_string, sheet_name, write_text};

pub const SUMMARY_SHEET: &str = "总表";
pub const DETAIL_SHEET: &str = "明细";
pub const CHECKLIST_SHEET: &str = "工作清单进展";

/// First data row (0-based) of the 明细 sheet.
const DETAIL_FIRST: u32 = 3;

/// Columns of the 明细 sheet.
mod dcol {
    pub const ID: u16 = 0;
    pub const ITEM: u16 = 1;
    pub const NAME: u16 = 2;
    pub const SCOPE: u16 = 3;
    pub const ACTUAL: u16 = 4;
    pub const ON_TIME: u16 = 5;
    pub const MIN: u16 = 6;
    pub const MAX: u16 = 7;
    pub const UNIT: u16 = 8;
    pub const RATE: u16 = 9;
    pub const STATUS: u16 = 10;
    pub const DEADLINE: u16 = 11;
    pub const RECORDS: u16 = 12;
    pub const EVIDENCE: u16 = 13;
}

/// A number cell for a figure (money in 万元), or a dash.
fn write_figure(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    f: Option<Figure>,
    st: &Styles,
) -> Result<(), XlsxError> {
    match f {
        Some(f) => {
            ws.write_number_with_format(row, col, figure_value(f).0, st.figure(f))?;
        }
        None => {
            ws.write_string_with_format(row, col, "—", &st.center)?;
        }
    }
    Ok(())
}

fn write_status(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    r: &IndicatorResult,
    st: &Styles,
) -> Result<(), XlsxError> {
    let label = if r.above_range {
        format!("{}（超出区间）", r.status.label_zh())
    } else {
        r.status.label_zh().to_string()
    };
    ws.write_string_with_format(row, col, label, &status_format(&st.center, r.status))?;
    Ok(())
}

/// The completion rate of a figure against its lower target, if it has one.
fn rate(r: &IndicatorResult) -> Option<f64> {
    let t = r.target_min?.raw();
    (t > 0).then(|| r.actual.raw() as f64 / t as f64)
}

/// A formula with its value cached.
fn formula(text: String, result: impl Into<String>) -> Formula {
    Formula::new(text).set_result(result)
}

fn f64_text(v: f64) -> String {
    let s = format!("{v}");
    if s == "NaN" { String::new() } else { s }
}

/// The assessment of a year as a workbook.
pub fn assessment_workbook(
    plan: &Plan,
    a: &Assessment,
    narratives: &Narratives,
) -> ReportResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let st = Styles::new();
    let n = a.results.len() as u32;
    let detail_last = DETAIL_FIRST + n.max(1) - 1;

    // 总表
    let ws = wb.add_worksheet().set_name(SUMMARY_SHEET)?;
    write_summary(ws, plan, a, &st, detail_last)?;
    ws.set_active(true);

    // 明细
    let ws = wb.add_worksheet().set_name(DETAIL_SHEET)?;
    write_detail(ws, plan, a, &st)?;

    // One sheet per action.
    let mut used_names: Vec<String> = vec![
        SUMMARY_SHEET.into(),
        DETAIL_SHEET.into(),
        CHECKLIST_SHEET.into(),
    ];
    for act in &plan.actions {
        let name = unique_name(&mut used_names, &format!("{} {}", act.no, act.title));
        let ws = wb.add_worksheet().set_name(&name)?;
        write_action(ws, plan, act, a, &st)?;
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
            write_scope(ws, plan, scope, a, &st)?;
        }
    }

    // The checklist.
    let ws = wb.add_worksheet().set_name(CHECKLIST_SHEET)?;
    write_checklist(ws, plan, a, narratives, &st)?;

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
    write_checklist(ws, plan, a, narratives, &st)?;
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

fn title_line(plan: &Plan, a: &Assessment, what: &str) -> String {
    format!("{} {} 年度{what}", plan.meta.title, a.year)
}

fn subtitle_line(a: &Assessment) -> String {
    format!(
        "截至 {}{}{}；金额单位：万元；比率单位：%；合计、计数均为公式，可在单元格中核对",
        a.as_of,
        if a.include_submitted {
            "（含待审核记录）"
        } else {
            "（仅计已审核记录）"
        },
        crate::common::plan_version_note(a.plan_version)
    )
}

fn print_setup(ws: &mut Worksheet, header_row: u32) -> Result<(), XlsxError> {
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(header_row, header_row)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

fn detail_range(col: u16, last: u32) -> String {
    let c = col_letter(col);
    format!(
        "'{DETAIL_SHEET}'!${c}${}:${c}${}",
        DETAIL_FIRST + 1,
        last + 1
    )
}

fn write_summary(
    ws: &mut Worksheet,
    plan: &Plan,
    a: &Assessment,
    st: &Styles,
    detail_last: u32,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(
        0,
        0,
        title_line(plan, a, "东西部扶贫协作考核结果"),
        &st.title,
    )?;
    ws.write_string_with_format(1, 0, subtitle_line(a), &st.subtitle)?;
    let widths = [
        10.0, 26.0, 34.0, 14.0, 14.0, 12.0, 12.0, 8.0, 10.0, 14.0, 12.0, 8.0, 8.0,
    ];
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }

    // Status counts.
    let mut row = 3u32;
    ws.merge_range(
        row,
        0,
        row,
        12,
        "一、状态汇总（按「明细」工作表计数）",
        &st.bold_row,
    )?;
    row += 1;
    ws.write_string_with_format(row, 0, "状态", &st.head)?;
    ws.write_string_with_format(row, 1, "指标数（含各单位）", &st.head)?;
    ws.write_string_with_format(row, 2, "其中全市指标", &st.head)?;
    row += 1;
    let first = row;
    for s in IndicatorStatus::ALL {
        let all = a.results.iter().filter(|r| r.status == s).count();
        let plan_only = a
            .results
            .iter()
            .filter(|r| r.status == s && r.scope == PLAN_SCOPE)
            .count();
        ws.write_string_with_format(row, 0, s.label_zh(), &status_format(&st.center, s))?;
        let f = formula(
            format!(
                "=COUNTIF({},{})",
                detail_range(dcol::STATUS, detail_last),
                formula_string(s.label_zh())
            ),
            all.to_string(),
        );
        ws.write_formula_with_format(row, 1, f, &st.count)?;
        let f = formula(
            format!(
                "=COUNTIFS({},{},{},{})",
                detail_range(dcol::STATUS, detail_last),
                formula_string(s.label_zh()),
                detail_range(dcol::SCOPE, detail_last),
                formula_string("全市")
            ),
            plan_only.to_string(),
        );
        ws.write_formula_with_format(row, 2, f, &st.count)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "合计", &st.total_label)?;
    let total = a.results.len();
    let total_plan = a.results.iter().filter(|r| r.scope == PLAN_SCOPE).count();
    ws.write_formula_with_format(
        row,
        1,
        formula(format!("=SUM(B{}:B{})", first + 1, row), total.to_string()),
        &st.total_count,
    )?;
    ws.write_formula_with_format(
        row,
        2,
        formula(
            format!("=SUM(C{}:C{})", first + 1, row),
            total_plan.to_string(),
        ),
        &st.total_count,
    )?;
    row += 2;

    // Programme-wide figures.
    ws.merge_range(row, 0, row, 12, "二、全市指标", &st.bold_row)?;
    row += 1;
    let headers = [
        "清单序号",
        "指标",
        "名称",
        "实际",
        "按时",
        "目标下限",
        "目标上限",
        "单位",
        "完成率",
        "状态",
        "截止日期",
        "记录数",
        "有佐证",
    ];
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &st.head)?;
    }
    let header_row = row;
    row += 1;
    for r in a.results.iter().filter(|r| r.scope == PLAN_SCOPE) {
        ws.write_string_with_format(row, 0, &r.item, &st.center)?;
        ws.write_string_with_format(row, 1, &r.indicator, &st.text)?;
        ws.write_string_with_format(row, 2, &r.name, &st.wrap)?;
        write_figure(ws, row, 3, Some(r.actual), st)?;
        write_figure(ws, row, 4, r.on_time, st)?;
        write_figure(ws, row, 5, r.target_min, st)?;
        write_figure(ws, row, 6, r.target_max, st)?;
        ws.write_string_with_format(row, 7, display_unit(&r.unit), &st.center)?;
        match rate(r) {
            Some(v) => {
                ws.write_formula_with_format(
                    row,
                    8,
                    formula(format!("=D{}/F{}", row + 1, row + 1), f64_text(v)),
                    &st.ratio,
                )?;
            }
            None => {
                ws.write_string_with_format(row, 8, "—", &st.center)?;
            }
        }
        write_status(ws, row, 9, r, st)?;
        ws.write_string_with_format(row, 10, &r.deadline, &st.center)?;
        ws.write_number_with_format(row, 11, r.records as f64, &st.count)?;
        ws.write_number_with_format(row, 12, r.with_evidence as f64, &st.count)?;
        row += 1;
    }
    row += 1;

    // Per-unit indicators, one line each.
    ws.merge_range(
        row,
        0,
        row,
        12,
        "三、分单位指标（各单位合计与完成数，按「明细」工作表计算）",
        &st.bold_row,
    )?;
    row += 1;
    let headers = [
        "清单序号",
        "指标",
        "名称",
        "范围",
        "单位数",
        "已完成单位数",
        "合计实际",
        "单位",
        "每单位目标",
        "完成单位占比",
    ];
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &st.head)?;
    }
    row += 1;
    for ind in plan.indicators.iter().filter(|i| i.scope != Scope::Plan) {
        let rs: Vec<&IndicatorResult> =
            a.results.iter().filter(|r| r.indicator == ind.id).collect();
        let Some(first) = rs.first() else { continue };
        let met = rs
            .iter()
            .filter(|r| r.status == IndicatorStatus::Met)
            .count();
        ws.write_string_with_format(row, 0, &ind.item, &st.center)?;
        ws.write_string_with_format(row, 1, &ind.id, &st.text)?;
        ws.write_string_with_format(row, 2, &ind.name, &st.wrap)?;
        ws.write_string_with_format(row, 3, ind.scope.label_zh(plan), &st.center)?;
        ws.write_formula_with_format(
            row,
            4,
            formula(
                format!(
                    "=COUNTIF({},{})",
                    detail_range(dcol::ID, detail_last),
                    formula_string(&ind.id)
                ),
                rs.len().to_string(),
            ),
            &st.count,
        )?;
        ws.write_formula_with_format(
            row,
            5,
            formula(
                format!(
                    "=COUNTIFS({},{},{},{})",
                    detail_range(dcol::ID, detail_last),
                    formula_string(&ind.id),
                    detail_range(dcol::STATUS, detail_last),
                    formula_string(IndicatorStatus::Met.label_zh())
                ),
                met.to_string(),
            ),
            &st.count,
        )?;
        if matches!(first.actual, Figure::Percent(_)) {
            ws.write_string_with_format(row, 6, "—", &st.center)?;
        } else {
            let sum: i64 = rs.iter().map(|r| r.actual.raw()).sum();
            let cached = match first.actual {
                Figure::Money(_) => decimal_text(sum, 6),
                _ => sum.to_string(),
            };
            let f = formula(
                format!(
                    "=SUMIF({},{},{})",
                    detail_range(dcol::ID, detail_last),
                    formula_string(&ind.id),
                    detail_range(dcol::ACTUAL, detail_last)
                ),
                cached,
            );
            ws.write_formula_with_format(
                row,
                6,
                f,
                if matches!(first.actual, Figure::Money(_)) {
                    &st.wan
                } else {
                    &st.count
                },
            )?;
        }
        ws.write_string_with_format(row, 7, display_unit(&ind.unit), &st.center)?;
        ws.write_string_with_format(
            row,
            8,
            target_text::of_result(first, Style::Compact),
            &st.center,
        )?;
        let share = if rs.is_empty() {
            0.0
        } else {
            met as f64 / rs.len() as f64
        };
        ws.write_formula_with_format(
            row,
            9,
            formula(
                format!("=IF(E{r}>0,F{r}/E{r},0)", r = row + 1),
                f64_text(share),
            ),
            &st.ratio,
        )?;
        row += 1;
    }
    row += 1;
    ws.merge_range(
        row,
        0,
        row,
        12,
        "状态说明：已完成＝截止日期前达到目标；逾期完成＝截止日期后才达到；未完成＝年度（或截止日期）已过仍未达到；进度正常／进度滞后＝年度进行中，按时间进度比较；跟踪＝无目标，仅列数字。",
        &st.note,
    )?;
    ws.set_row_height(row, 30)?;
    ws.set_freeze_panes(header_row + 1, 0)?;
    print_setup(ws, header_row)?;
    Ok(())
}

fn write_detail(
    ws: &mut Worksheet,
    plan: &Plan,
    a: &Assessment,
    st: &Styles,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(0, 0, title_line(plan, a, "考核指标明细"), &st.title)?;
    ws.write_string_with_format(1, 0, subtitle_line(a), &st.subtitle)?;
    let headers = [
        "指标",
        "清单序号",
        "名称",
        "范围",
        "实际",
        "按时",
        "目标下限",
        "目标上限",
        "单位",
        "完成率",
        "状态",
        "截止日期",
        "记录数",
        "有佐证",
    ];
    let widths = [
        28.0, 8.0, 34.0, 12.0, 14.0, 14.0, 12.0, 12.0, 6.0, 9.0, 12.0, 11.0, 8.0, 8.0,
    ];
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(DETAIL_FIRST - 1, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    let mut row = DETAIL_FIRST;
    for r in &a.results {
        ws.write_string_with_format(row, dcol::ID, &r.indicator, &st.text)?;
        ws.write_string_with_format(row, dcol::ITEM, &r.item, &st.center)?;
        ws.write_string_with_format(row, dcol::NAME, &r.name, &st.text)?;
        ws.write_string_with_format(row, dcol::SCOPE, scope_label(&r.scope), &st.text)?;
        write_figure(ws, row, dcol::ACTUAL, Some(r.actual), st)?;
        write_figure(ws, row, dcol::ON_TIME, r.on_time, st)?;
        write_figure(ws, row, dcol::MIN, r.target_min, st)?;
        write_figure(ws, row, dcol::MAX, r.target_max, st)?;
        ws.write_string_with_format(row, dcol::UNIT, display_unit(&r.unit), &st.center)?;
        match rate(r) {
            Some(v) => {
                let (e, g) = (col_letter(dcol::ACTUAL), col_letter(dcol::MIN));
                ws.write_formula_with_format(
                    row,
                    dcol::RATE,
                    formula(format!("={e}{r1}/{g}{r1}", r1 = row + 1), f64_text(v)),
                    &st.ratio,
                )?;
            }
            None => {
                ws.write_string_with_format(row, dcol::RATE, "—", &st.center)?;
            }
        }
        ws.write_string_with_format(
            row,
            dcol::STATUS,
            r.status.label_zh(),
            &status_format(&st.center, r.status),
        )?;
        ws.write_string_with_format(row, dcol::DEADLINE, &r.deadline, &st.center)?;
        ws.write_number_with_format(row, dcol::RECORDS, r.records as f64, &st.count)?;
        ws.write_number_with_format(row, dcol::EVIDENCE, r.with_evidence as f64, &st.count)?;
        row += 1;
    }
    let last = row.saturating_sub(1).max(DETAIL_FIRST);
    ws.write_string_with_format(row, dcol::ID, "合计", &st.total_label)?;
    for col in [dcol::RECORDS, dcol::EVIDENCE] {
        let c = col_letter(col);
        let sum: usize = a
            .results
            .iter()
            .map(|r| {
                if col == dcol::RECORDS {
                    r.records
                } else {
                    r.with_evidence
                }
            })
            .sum();
        ws.write_formula_with_format(
            row,
            col,
            formula(
                format!("=SUM({c}{}:{c}{})", DETAIL_FIRST + 1, last + 1),
                sum.to_string(),
            ),
            &st.total_count,
        )?;
    }
    ws.set_freeze_panes(DETAIL_FIRST, 1)?;
    ws.autofilter(DETAIL_FIRST - 1, 0, last, dcol::EVIDENCE)?;
    print_setup(ws, DETAIL_FIRST - 1)?;
    Ok(())
}

fn write_action(
    ws: &mut Worksheet,
    plan: &Plan,
    act: &Action,
    a: &Assessment,
    st: &Styles,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{}、{}（{} 年，截至 {}）",
            act.no, act.title, a.year, a.as_of
        ),
        &st.title,
    )?;
    let responsible = if act.responsible.is_empty() {
        String::new()
    } else {
        format!("责任单位：{}", act.responsible.join("、"))
    };
    ws.write_string_with_format(
        1,
        0,
        format!(
            "{responsible}{}金额单位：万元",
            if responsible.is_empty() { "" } else { "；" }
        ),
        &st.subtitle,
    )?;
    let headers = [
        "清单序号",
        "指标",
        "名称",
        "范围",
        "实际",
        "按时",
        "目标下限",
        "目标上限",
        "单位",
        "状态",
        "记录数",
        "有佐证",
    ];
    let widths = [
        8.0, 28.0, 34.0, 14.0, 14.0, 14.0, 12.0, 12.0, 7.0, 14.0, 8.0, 8.0,
    ];
    let hr = 3u32;
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(hr, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    let mut row = hr + 1;
    let in_action = |r: &IndicatorResult| plan.action_of(&r.item).is_some_and(|x| x.no == act.no);
    let mut any = false;
    for ind in plan.indicators.iter() {
        let rs: Vec<&IndicatorResult> = a
            .results
            .iter()
            .filter(|r| r.indicator == ind.id && in_action(r))
            .collect();
        if rs.is_empty() {
            continue;
        }
        any = true;
        let first_row = row;
        for r in &rs {
            ws.write_string_with_format(row, 0, &r.item, &st.center)?;
            ws.write_string_with_format(row, 1, &r.indicator, &st.text)?;
            ws.write_string_with_format(row, 2, &r.name, &st.text)?;
            ws.write_string_with_format(row, 3, scope_label(&r.scope), &st.text)?;
            write_figure(ws, row, 4, Some(r.actual), st)?;
            write_figure(ws, row, 5, r.on_time, st)?;
            write_figure(ws, row, 6, r.target_min, st)?;
            write_figure(ws, row, 7, r.target_max, st)?;
            ws.write_string_with_format(row, 8, display_unit(&r.unit), &st.center)?;
            write_status(ws, row, 9, r, st)?;
            ws.write_number_with_format(row, 10, r.records as f64, &st.count)?;
            ws.write_number_with_format(row, 11, r.with_evidence as f64, &st.count)?;
            row += 1;
        }
        if rs.len() > 1 {
            let (a1, b1) = (first_row + 1, row);
            ws.write_string_with_format(row, 0, "", &st.total_label)?;
            ws.write_string_with_format(row, 1, &ind.id, &st.total_label)?;
            ws.write_string_with_format(
                row,
                2,
                format!("小计（{} 个单位）", rs.len()),
                &st.total_label,
            )?;
            ws.write_string_with_format(row, 3, "", &st.total_label)?;
            match rs[0].actual {
                Figure::Percent(_) => {
                    ws.write_string_with_format(row, 4, "—", &st.total_label)?;
                }
                f => {
                    let sum: i64 = rs.iter().map(|r| r.actual.raw()).sum();
                    let (cached, fmt) = match f {
                        Figure::Money(_) => (decimal_text(sum, 6), &st.total_wan),
                        _ => (sum.to_string(), &st.total_count),
                    };
                    ws.write_formula_with_format(
                        row,
                        4,
                        formula(format!("=SUM(E{a1}:E{b1})"), cached),
                        fmt,
                    )?;
                }
            }
            for c in 5..=8 {
                ws.write_string_with_format(row, c, "", &st.total_label)?;
            }
            let met = rs
                .iter()
                .filter(|r| r.status == IndicatorStatus::Met)
                .count();
            let met_fmt = st.total_count.clone().set_num_format("0\"个单位已完成\"");
            ws.write_formula_with_format(
                row,
                9,
                formula(
                    format!(
                        "=COUNTIF(J{a1}:J{b1},{})",
                        formula_string(IndicatorStatus::Met.label_zh())
                    ),
                    met.to_string(),
                ),
                &met_fmt,
            )?;
            let recs: usize = rs.iter().map(|r| r.records).sum();
            let evid: usize = rs.iter().map(|r| r.with_evidence).sum();
            ws.write_formula_with_format(
                row,
                10,
                formula(format!("=SUM(K{a1}:K{b1})"), recs.to_string()),
                &st.total_count,
            )?;
            ws.write_formula_with_format(
                row,
                11,
                formula(format!("=SUM(L{a1}:L{b1})"), evid.to_string()),
                &st.total_count,
            )?;
            row += 1;
        }
    }
    if !any {
        ws.merge_range(
            row,
            0,
            row,
            11,
            "本行动没有量化指标，按工作清单提供佐证材料。",
            &st.note,
        )?;
    }
    ws.set_freeze_panes(hr + 1, 0)?;
    print_setup(ws, hr)?;
    Ok(())
}

fn write_scope(
    ws: &mut Worksheet,
    plan: &Plan,
    scope: Scope,
    a: &Assessment,
    st: &Styles,
) -> Result<(), XlsxError> {
    let units = plan.scope_units(scope);
    let inds: Vec<_> = plan
        .indicators
        .iter()
        .filter(|i| i.scope == scope)
        .collect();
    let by_key: HashMap<(&str, &str), &IndicatorResult> = a
        .results
        .iter()
        .map(|r| ((r.indicator.as_str(), r.scope.as_str()), r))
        .collect();
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{}指标完成情况（{} 年，截至 {}）",
            scope.label_zh(plan),
            a.year,
            a.as_of
        ),
        &st.title,
    )?;
    ws.write_string_with_format(
        1,
        0,
        "每个指标两列：实际完成（金额单位：万元）与状态；「合计」行与「已完成」列为公式",
        &st.subtitle,
    )?;
    let (h1, h2, h3) = (3u32, 4u32, 5u32);
    let first = h3 + 1;
    let last_col = 2 * inds.len() as u16 + 3;
    ws.merge_range(h1, 0, h3, 0, "单位", &st.head)?;
    ws.set_column_width(0, 12.0)?;
    for (i, ind) in inds.iter().enumerate() {
        let c = 1 + 2 * i as u16;
        ws.merge_range(
            h1,
            c,
            h1,
            c + 1,
            &format!("{} {}", ind.id, ind.name),
            &st.head,
        )?;
        let sample = units
            .first()
            .and_then(|u| by_key.get(&(ind.id.as_str(), u.name.as_str())));
        let target = sample
            .map(|r| format!("目标 {}", target_text::of_result(r, Style::Compact)))
            .unwrap_or_default();
        ws.merge_range(h2, c, h2, c + 1, &target, &st.head)?;
        ws.write_string_with_format(
            h3,
            c,
            format!("实际（{}）", display_unit(&ind.unit)),
            &st.head,
        )?;
        ws.write_string_with_format(h3, c + 1, "状态", &st.head)?;
        ws.set_column_width(c, 11.0)?;
        ws.set_column_width(c + 1, 10.0)?;
    }
    let (met_c, due_c, rate_c) = (last_col - 2, last_col - 1, last_col);
    ws.merge_range(h1, met_c, h3, met_c, "已完成", &st.head)?;
    ws.merge_range(h1, due_c, h3, due_c, "有目标的指标", &st.head)?;
    ws.merge_range(h1, rate_c, h3, rate_c, "完成率", &st.head)?;
    for c in [met_c, due_c, rate_c] {
        ws.set_column_width(c, 9.0)?;
    }
    ws.set_row_height(h1, 45)?;

    let mut row = first;
    for u in &units {
        write_text(ws, row, 0, &u.name, &st.text)?;
        let mut met = 0;
        let mut due = 0;
        for (i, ind) in inds.iter().enumerate() {
            let c = 1 + 2 * i as u16;
            match by_key.get(&(ind.id.as_str(), u.name.as_str())) {
                Some(r) => {
                    write_figure(ws, row, c, Some(r.actual), st)?;
                    ws.write_string_with_format(
                        row,
                        c + 1,
                        r.status.label_zh(),
                        &status_format(&st.center, r.status),
                    )?;
                    met += usize::from(r.status == IndicatorStatus::Met);
                    due += usize::from(r.target_min.is_some());
                }
                None => {
                    ws.write_string_with_format(row, c, "—", &st.center)?;
                    ws.write_string_with_format(row, c + 1, "—", &st.center)?;
                }
            }
        }
        let span = format!("B{r}:{}{r}", col_letter(2 * inds.len() as u16), r = row + 1);
        ws.write_formula_with_format(
            row,
            met_c,
            formula(
                format!(
                    "=COUNTIF({span},{})",
                    formula_string(IndicatorStatus::Met.label_zh())
                ),
                met.to_string(),
            ),
            &st.count,
        )?;
        ws.write_number_with_format(row, due_c, due as f64, &st.count)?;
        let share = if due == 0 {
            0.0
        } else {
            met as f64 / due as f64
        };
        let (m, d) = (col_letter(met_c), col_letter(due_c));
        ws.write_formula_with_format(
            row,
            rate_c,
            formula(
                format!("=IF({d}{r}>0,{m}{r}/{d}{r},0)", r = row + 1),
                f64_text(share),
            ),
            &st.ratio,
        )?;
        row += 1;
    }
    // Totals.
    let (a1, b1) = (first + 1, row);
    ws.write_string_with_format(row, 0, "合计", &st.total_label)?;
    for (i, ind) in inds.iter().enumerate() {
        let c = 1 + 2 * i as u16;
        let rs: Vec<&IndicatorResult> = units
            .iter()
            .filter_map(|u| by_key.get(&(ind.id.as_str(), u.name.as_str())).copied())
            .collect();
        let col = col_letter(c);
        match rs.first().map(|r| r.actual) {
            Some(Figure::Percent(_)) | None => {
                ws.write_string_with_format(row, c, "—", &st.total_label)?;
            }
            Some(f) => {
                let sum: i64 = rs.iter().map(|r| r.actual.raw()).sum();
                let (cached, fmt) = match f {
                    Figure::Money(_) => (decimal_text(sum, 6), &st.total_wan),
                    _ => (sum.to_string(), &st.total_count),
                };
                ws.write_formula_with_format(
                    row,
                    c,
                    formula(format!("=SUM({col}{a1}:{col}{b1})"), cached),
                    fmt,
                )?;
            }
        }
        let met = rs
            .iter()
            .filter(|r| r.status == IndicatorStatus::Met)
            .count();
        let scol = col_letter(c + 1);
        let met_fmt = st.total_count.clone().set_num_format("0\"个已完成\"");
        ws.write_formula_with_format(
            row,
            c + 1,
            formula(
                format!(
                    "=COUNTIF({scol}{a1}:{scol}{b1},{})",
                    formula_string(IndicatorStatus::Met.label_zh())
                ),
                met.to_string(),
            ),
            &met_fmt,
        )?;
    }
    let mut sums = [0usize; 2];
    for (k, (c, values)) in [(met_c, true), (due_c, false)].into_iter().enumerate() {
        let col = col_letter(c);
        let sum: usize = units
            .iter()
            .map(|u| {
                inds.iter()
                    .filter_map(|ind| by_key.get(&(ind.id.as_str(), u.name.as_str())))
                    .filter(|r| {
                        if values {
                            r.status == IndicatorStatus::Met
                        } else {
                            r.target_min.is_some()
                        }
                    })
                    .count()
            })
            .sum();
        ws.write_formula_with_format(
            row,
            c,
            formula(format!("=SUM({col}{a1}:{col}{b1})"), sum.to_string()),
            &st.total_count,
        )?;
        sums[k] = sum;
    }
    let (m, d) = (col_letter(met_c), col_letter(due_c));
    let share = if sums[1] == 0 {
        0.0
    } else {
        sums[0] as f64 / sums[1] as f64
    };
    ws.write_formula_with_format(
        row,
        rate_c,
        formula(
            format!("=IF({d}{r}>0,{m}{r}/{d}{r},0)", r = row + 1),
            f64_text(share),
        ),
        &st.total_label.clone().set_num_format("0.0%"),
    )?;

    // Legend.
    let legend_row = row + 2;
    ws.write_string_with_format(legend_row, 0, "图例", &st.text)?;
    for (i, s) in IndicatorStatus::ALL.iter().enumerate() {
        ws.write_string_with_format(
            legend_row,
            1 + i as u16,
            s.label_zh(),
            &status_format(&st.center, *s),
        )?;
    }
    ws.set_freeze_panes(first, 1)?;
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(h1, h3)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

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

/// Lines describing an item's figures: a programme-wide figure as "名称：实际 / 目标 状态",
/// a per-unit indicator summarised by status counts.
pub fn summary_lines(results: &[&IndicatorResult]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < results.len() {
        let r = results[i];
        let same: Vec<&&IndicatorResult> = results[i..]
            .iter()
            .take_while(|x| x.indicator == r.indicator)
            .collect();
        if same.len() == 1 && r.scope == PLAN_SCOPE && r.target_min.is_none() {
            out.push(format!(
                "{}：{}（{}）",
                r.name,
                r.actual.display_zh_with_unit(&r.unit),
                r.status.label_zh()
            ));
        } else if same.len() == 1 && r.scope == PLAN_SCOPE {
            out.push(format!(
                "{}：{}（目标 {}）{}",
                r.name,
                r.actual.display_zh_with_unit(&r.unit),
                target_text::of_result(r, Style::Compact),
                r.status.label_zh()
            ));
        } else {
            let counts = IndicatorStatus::ALL
                .iter()
                .map(|s| (s, same.iter().filter(|x| x.status == *s).count()))
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| format!("{} {n}", s.label_zh()))
                .collect::<Vec<_>>()
                .join("，");
            out.push(format!(
                "{}（{} 个单位，每单位目标 {}）：{counts}",
                r.name,
                same.len(),
                target_text::of_result(r, Style::Compact)
            ));
        }
        i += same.len();
    }
    out
}

/// A plan's title without its trailing period: "…实施方案（2018-2020年）" → "…实施方案".
fn title_without_period(title: &str) -> &str {
    match title.rfind('（') {
        Some(at) if title.ends_with("年）") => &title[..at],
        _ => title,
    }
}

fn write_checklist(
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
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(hr, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
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
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(hr, hr)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}
