//! 排名: the towns and the departments ranked as the dashboard and the monthly bulletin
//! rank them (`duikou_domain::engine::progress`), the rule said under the tables.

use duikou_domain::engine::Assessment;
use duikou_domain::engine::progress::{self, Standing};
use duikou_domain::plan::Plan;
use rust_xlsxwriter::{Worksheet, XlsxError};

use super::layout::{print_setup, subtitle_line, title_line, write_headers};
use crate::common::Styles;
use crate::safe::write_text;

pub const RANKING_SHEET: &str = "排名";

pub(super) fn write_ranking(
    ws: &mut Worksheet,
    plan: &Plan,
    a: &Assessment,
    st: &Styles,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(0, 0, title_line(plan, a, "单位排名"), &st.title)?;
    ws.write_string_with_format(1, 0, subtitle_line(a), &st.subtitle)?;
    let towns = progress::town_ranking(plan, &a.results);
    let (departments, without) = progress::department_ranking(plan, &a.results);
    let mut row = 3u32;
    let widths = [8.0, 18.0, 12.0, 14.0, 14.0, 10.0, 10.0];
    for (heading, standings, is_town) in [
        ("一、帮扶镇街排名", &towns, true),
        ("二、市直单位排名", &departments, false),
    ] {
        ws.merge_range(row, 0, row, 6, heading, &st.bold_row)?;
        row += 1;
        let headers = [
            "排名",
            if is_town { "镇街" } else { "单位" },
            "类型",
            if is_town { "结对县区" } else { "" },
            "平均完成率",
            "已完成",
            "有目标",
        ];
        write_headers(ws, row, &headers, &widths, st)?;
        row += 1;
        for s in standings.iter() {
            write_standing(ws, row, plan, s, st)?;
            row += 1;
        }
        row += 1;
    }
    if !without.is_empty() {
        ws.merge_range(
            row,
            0,
            row,
            6,
            &format!(
                "本年度没有单独量化目标、未参与排名的单位：{}。",
                without.join("、")
            ),
            &st.note,
        )?;
        row += 1;
    }
    ws.merge_range(
        row,
        0,
        row,
        6,
        &format!("说明：{}", progress::RANKING_RULE_ZH),
        &st.note,
    )?;
    ws.set_row_height(row, 44)?;
    print_setup(ws, 0, 1)?;
    Ok(())
}

fn write_standing(
    ws: &mut Worksheet,
    row: u32,
    plan: &Plan,
    s: &Standing,
    st: &Styles,
) -> Result<(), XlsxError> {
    let unit = plan.unit(&s.unit);
    let group = match unit.and_then(|u| u.town_role) {
        Some(role) => role.label_zh(),
        None => unit.map(|u| u.kind.label_zh()).unwrap_or(""),
    };
    ws.write_number_with_format(row, 0, s.rank as f64, &st.center)?;
    write_text(ws, row, 1, &s.unit, &st.text)?;
    ws.write_string_with_format(row, 2, group, &st.center)?;
    ws.write_string_with_format(
        row,
        3,
        plan.paired_county(&s.unit).unwrap_or(""),
        &st.center,
    )?;
    ws.write_number_with_format(row, 4, s.progress.ratio(), &st.ratio)?;
    ws.write_number_with_format(row, 5, s.progress.reached as f64, &st.count)?;
    ws.write_number_with_format(row, 6, s.progress.targets as f64, &st.count)?;
    Ok(())
}
