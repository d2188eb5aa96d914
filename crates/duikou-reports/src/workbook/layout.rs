//! What the sheets share: figure, status and formula cells, titles, print setup.

use duikou_domain::engine::{Assessment, Figure, IndicatorResult};
use duikou_domain::plan::Plan;
use rust_xlsxwriter::{Format, Formula, Worksheet, XlsxError};

use crate::common::{Styles, col_letter, decimal_text, figure_value, status_format};

/// A number cell for a figure (money in 万元), or a dash.
pub(super) fn write_figure(
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

/// A status cell, coloured; a range exceeded is said beside the status.
pub(super) fn write_status(
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
pub(super) fn rate(r: &IndicatorResult) -> Option<f64> {
    let t = r.target_min?.raw();
    (t > 0).then(|| r.actual.raw() as f64 / t as f64)
}

/// A total row's sum of one figure column over the rows `first..=last` (1-based, as the
/// formula names them): money in 万元, counts as they are, a dash for percentages (they
/// do not add up) or when there is nothing to add.
pub(super) fn write_figure_total(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    results: &[&IndicatorResult],
    first: u32,
    last: u32,
    st: &Styles,
) -> Result<(), XlsxError> {
    match results.first().map(|r| r.actual) {
        Some(Figure::Percent(_)) | None => {
            ws.write_string_with_format(row, col, "—", &st.total_label)?;
        }
        Some(f) => {
            let sum: i64 = results.iter().map(|r| r.actual.raw()).sum();
            let (cached, fmt) = match f {
                Figure::Money(_) => (decimal_text(sum, 6), &st.total_wan),
                _ => (sum.to_string(), &st.total_count),
            };
            let c = col_letter(col);
            ws.write_formula_with_format(
                row,
                col,
                formula(format!("=SUM({c}{first}:{c}{last})"), cached),
                fmt,
            )?;
        }
    }
    Ok(())
}

/// A share `part / whole` in column `col`, as a formula over the row's part and whole
/// cells (`(column, value)`: "=IF(E5>0,F5/E5,0)"), 0 when the whole is 0.
pub(super) fn write_share(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    (part_col, part): (u16, usize),
    (whole_col, whole): (u16, usize),
    format: &Format,
) -> Result<(), XlsxError> {
    let share = if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    };
    let (p, w) = (col_letter(part_col), col_letter(whole_col));
    ws.write_formula_with_format(
        row,
        col,
        formula(
            format!("=IF({w}{r}>0,{p}{r}/{w}{r},0)", r = row + 1),
            f64_text(share),
        ),
        format,
    )?;
    Ok(())
}

/// A header row, and the widths of its columns.
pub(super) fn write_headers(
    ws: &mut Worksheet,
    row: u32,
    headers: &[&str],
    widths: &[f64],
    st: &Styles,
) -> Result<(), XlsxError> {
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, *w)?;
    }
    Ok(())
}

/// A formula with its value cached.
pub(super) fn formula(text: String, result: impl Into<String>) -> Formula {
    Formula::new(text).set_result(result)
}

/// A ratio's cached text; empty for NaN.
pub(super) fn f64_text(v: f64) -> String {
    let s = format!("{v}");
    if s == "NaN" { String::new() } else { s }
}

/// "<plan title> <year> 年度<what>", the first line of an assessment sheet.
pub(super) fn title_line(plan: &Plan, a: &Assessment, what: &str) -> String {
    format!("{} {} 年度{what}", plan.meta.title, a.year)
}

/// The second line: as of when, which records count, the units, the plan version.
pub(super) fn subtitle_line(a: &Assessment) -> String {
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

/// A4 landscape, one page wide, the header rows (`first..=last`) on every page, page
/// numbers in the footer.
pub(super) fn print_setup(ws: &mut Worksheet, first: u32, last: u32) -> Result<(), XlsxError> {
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(first, last)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}
