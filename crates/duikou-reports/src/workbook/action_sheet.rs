//! One sheet per action: its figures, per-unit indicators with a SUM / COUNTIF subtotal.

use duikou_domain::engine::{Assessment, IndicatorResult, IndicatorStatus};
use duikou_domain::plan::{Action, Plan};
use rust_xlsxwriter::{Worksheet, XlsxError};

use super::layout::{
    formula, print_setup, write_figure, write_figure_total, write_headers, write_status,
};
use crate::common::{Styles, display_unit, scope_label};
use crate::safe::formula_string;

pub(super) fn write_action(
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
    write_headers(ws, hr, &headers, &widths, st)?;
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
            write_figure_total(ws, row, 4, &rs, a1, b1, st)?;
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
    print_setup(ws, hr, hr)?;
    Ok(())
}
