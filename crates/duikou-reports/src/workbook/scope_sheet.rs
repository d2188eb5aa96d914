//! One sheet per unit scope (每个县区, 每个结对镇街, 每个协助镇街): units × indicators,
//! actual and status side by side, totals as formulas.

use std::collections::HashMap;

use duikou_domain::engine::{Assessment, IndicatorResult, IndicatorStatus};
use duikou_domain::plan::{Plan, Scope};
use duikou_domain::target_text::{self, Style};
use rust_xlsxwriter::{Worksheet, XlsxError};

use super::layout::{formula, print_setup, write_figure, write_figure_total, write_share};
use crate::common::{Styles, col_letter, display_unit, status_format};
use crate::safe::{formula_string, write_text};

pub(super) fn write_scope(
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
        write_share(ws, row, rate_c, (met_c, met), (due_c, due), &st.ratio)?;
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
        write_figure_total(ws, row, c, &rs, a1, b1, st)?;
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
    write_share(
        ws,
        row,
        rate_c,
        (met_c, sums[0]),
        (due_c, sums[1]),
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
    print_setup(ws, h1, h3)?;
    Ok(())
}
