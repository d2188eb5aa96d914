//! 明细: every figure, one row per indicator and scope unit, filterable; the other
//! sheets count and sum over it.

use duikou_domain::engine::Assessment;
use duikou_domain::plan::Plan;
use rust_xlsxwriter::{Worksheet, XlsxError};

use super::DETAIL_SHEET;
use super::layout::{
    f64_text, formula, print_setup, rate, subtitle_line, title_line, write_figure, write_headers,
};
use crate::common::{Styles, col_letter, display_unit, scope_label, status_format};

/// First data row (0-based) of the 明细 sheet.
pub(super) const DETAIL_FIRST: u32 = 3;

/// Columns of the 明细 sheet.
pub(super) mod dcol {
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

pub(super) fn detail_range(col: u16, last: u32) -> String {
    let c = col_letter(col);
    format!(
        "'{DETAIL_SHEET}'!${c}${}:${c}${}",
        DETAIL_FIRST + 1,
        last + 1
    )
}

pub(super) fn write_detail(
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
    write_headers(ws, DETAIL_FIRST - 1, &headers, &widths, st)?;
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
    print_setup(ws, DETAIL_FIRST - 1, DETAIL_FIRST - 1)?;
    Ok(())
}
