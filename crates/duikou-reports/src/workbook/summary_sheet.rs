//! 总表: the whole programme: status counts (COUNTIF over 明细), every programme-wide
//! figure, and one line per per-unit indicator (COUNTIFS / SUMIF over 明细).

use duikou_domain::engine::{Assessment, Figure, IndicatorResult, IndicatorStatus};
use duikou_domain::plan::{Plan, Scope};
use duikou_domain::target_text::{self, Style};
use rust_xlsxwriter::{Worksheet, XlsxError};

use super::detail_sheet::{dcol, detail_range};
use super::layout::{
    f64_text, formula, print_setup, rate, subtitle_line, title_line, write_figure, write_share,
    write_status,
};
use crate::common::{PLAN_SCOPE, Styles, decimal_text, display_unit, status_format};
use crate::safe::formula_string;

pub(super) fn write_summary(
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
        write_share(ws, row, 9, (5, met), (4, rs.len()), &st.ratio)?;
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
    print_setup(ws, header_row, header_row)?;
    Ok(())
}
