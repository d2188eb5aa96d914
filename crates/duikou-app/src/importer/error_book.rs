//! The import's problem report as a workbook (错误报告.xlsx): what the page and the
//! command line list, to fix the file with. Sheets: 错误 (every listed problem: file,
//! row, column, value, reason in Chinese and English), 问题行 (the rows refused, as they
//! were in the file, with their reasons: when the table is at hand), 提醒 (warnings:
//! rows that import but a reviewer should look at). ID numbers appear masked.

use std::collections::BTreeMap;

use duikou_domain::id_number::mask_id_number;
use duikou_domain::schema::{FieldType, RecordKind};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::import_report::Problems;
use crate::tabular::Table;

/// The file name offered for the report of `file` (`名单.xlsx` → `名单-错误报告.xlsx`).
pub fn report_file_name(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = base
        .rsplit_once('.')
        .map_or(base, |(s, _)| s)
        .trim()
        .to_string();
    if stem.is_empty() {
        "错误报告.xlsx".into()
    } else {
        format!("{stem}-错误报告.xlsx")
    }
}

const PROBLEM_HEADERS: [&str; 6] = [
    "文件 File",
    "行 Row",
    "列 Column",
    "内容 Value",
    "原因",
    "Reason",
];

fn problems_sheet(
    ws: &mut Worksheet,
    name: &str,
    problems: &Problems,
    bold: &Format,
) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    for (c, h) in PROBLEM_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, bold)?;
    }
    for (c, w) in [18.0, 8.0, 22.0, 24.0, 50.0, 50.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let mut r = 1u32;
    for e in problems.listed() {
        ws.write_string(r, 0, &e.file)?;
        ws.write_number(r, 1, e.row as f64)?;
        ws.write_string(r, 2, &e.column)?;
        ws.write_string(r, 3, &e.value)?;
        ws.write_string(r, 4, &e.zh)?;
        ws.write_string(r, 5, &e.en)?;
        r += 1;
    }
    if problems.truncated() {
        ws.write_string(
            r,
            0,
            format!("{} / {}", problems.summary_zh(), problems.summary_en()),
        )?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The rows refused, as the file had them (ID numbers masked), each with its reasons.
fn bad_rows_sheet(
    ws: &mut Worksheet,
    table: &Table,
    kind: RecordKind,
    errors: &Problems,
    bold: &Format,
) -> Result<(), XlsxError> {
    ws.set_name("问题行")?;
    let mut reasons: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for e in errors.listed() {
        let col = if e.column.is_empty() {
            String::new()
        } else {
            format!("{}：", e.column)
        };
        reasons
            .entry(e.row)
            .or_default()
            .push(format!("{col}{} / {}", e.zh, e.en));
    }
    let id_columns: Vec<bool> = table
        .headers
        .iter()
        .map(|h| {
            kind.field_by_header(h)
                .is_some_and(|(fd, _)| fd.ty == FieldType::IdNumber)
        })
        .collect();
    ws.write_string_with_format(0, 0, "行 Row", bold)?;
    for (c, h) in table.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16 + 1, h, bold)?;
    }
    let reason_col = table.headers.len() as u16 + 1;
    ws.write_string_with_format(0, reason_col, "原因 Reason", bold)?;
    ws.set_column_width(reason_col, 60.0)?;
    let mut r = 1u32;
    for row in table
        .rows
        .iter()
        .filter(|row| reasons.contains_key(&row.number))
    {
        ws.write_number(r, 0, row.number as f64)?;
        for (c, v) in row.cells.iter().enumerate() {
            let shown = if id_columns.get(c).copied().unwrap_or(false) && !v.is_empty() {
                mask_id_number(v)
            } else {
                v.clone()
            };
            ws.write_string(r, c as u16 + 1, shown)?;
        }
        ws.write_string(r, reason_col, reasons[&row.number].join("；"))?;
        r += 1;
    }
    ws.set_freeze_panes(1, 1)?;
    Ok(())
}

/// The workbook: errors (if any), the refused rows when `table` is given, warnings (if
/// any). An empty report still has its 错误 sheet, saying there is nothing to fix.
pub fn error_workbook(
    errors: &Problems,
    warnings: &Problems,
    table: Option<(&Table, RecordKind)>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    if !errors.is_empty() || warnings.is_empty() {
        let ws = wb.add_worksheet();
        problems_sheet(ws, "错误", errors, &bold)?;
        if errors.is_empty() {
            ws.write_string(1, 0, "没有错误 / no problems")?;
        }
    }
    if let Some((table, kind)) = table.filter(|_| !errors.is_empty()) {
        bad_rows_sheet(wb.add_worksheet(), table, kind, errors, &bold)?;
    }
    if !warnings.is_empty() {
        problems_sheet(wb.add_worksheet(), "提醒", warnings, &bold)?;
    }
    wb.save_to_buffer()
}
