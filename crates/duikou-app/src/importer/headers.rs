//! The header row mapped to the kind's fields: unknown non-empty columns, a field given
//! twice and missing required columns are errors.

use duikou_domain::schema::{FieldDesc, RecordKind};

use super::{RowError, column_letter};

pub(super) struct Column {
    pub(super) index: usize,
    pub(super) field: &'static FieldDesc,
    pub(super) in_wan: bool,
}

/// Map headers to fields; unknown non-empty columns and missing required columns are errors.
/// `header_row` is the row the errors name; `nonempty(i)`: column `i` has a value in
/// some row.
pub(super) fn map_headers(
    file_name: &str,
    header_row: usize,
    headers: &[String],
    kind: RecordKind,
    nonempty: &dyn Fn(usize) -> bool,
) -> Result<Vec<Column>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut columns: Vec<Column> = Vec::new();
    let file_err = |col: usize, header: &str, zh: String, en: String| RowError {
        file: file_name.to_string(),
        row: header_row,
        column: format!("{} {header}", column_letter(col)),
        field: String::new(),
        value: header.to_string(),
        zh,
        en,
    };
    for (i, h) in headers.iter().enumerate() {
        match kind.field_by_header(h) {
            Some((fd, in_wan)) => {
                if let Some(prev) = columns.iter().find(|c| c.field.key == fd.key) {
                    errors.push(file_err(
                        i,
                        h,
                        format!(
                            "与 {} 列重复（同为「{}」）",
                            column_letter(prev.index),
                            fd.zh
                        ),
                        format!(
                            "duplicates column {} (both are {})",
                            column_letter(prev.index),
                            fd.key
                        ),
                    ));
                } else {
                    columns.push(Column {
                        index: i,
                        field: fd,
                        in_wan,
                    });
                }
            }
            // An export's status column says what the record was; an import starts over.
            None if duikou_reports::export::is_status_header(h) => {}
            None => {
                if nonempty(i) {
                    let known = kind
                        .fields()
                        .iter()
                        .map(|f| f.zh)
                        .collect::<Vec<_>>()
                        .join("、");
                    errors.push(file_err(
                        i,
                        h,
                        format!("未知的列「{h}」（{}可用的列：{known}）", kind.label_zh()),
                        format!("unknown column \"{h}\" for {}", kind.key()),
                    ));
                }
            }
        }
    }
    for fd in kind.fields().iter().filter(|f| f.required) {
        if !columns.iter().any(|c| c.field.key == fd.key) {
            errors.push(RowError {
                file: file_name.to_string(),
                row: header_row,
                column: String::new(),
                field: fd.key.to_string(),
                value: String::new(),
                zh: format!("缺少必填列「{}」（{}）", fd.zh, fd.key),
                en: format!("missing required column {} ({})", fd.key, fd.zh),
            });
        }
    }
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors)
    }
}

/// The spreadsheet row the header errors name: the row before the first data row.
pub(super) fn header_row_of(first_data_row: Option<usize>) -> usize {
    first_data_row
        .map(|n| n.saturating_sub(1))
        .unwrap_or(1)
        .max(1)
}

pub(super) fn no_data_rows(file: &str) -> RowError {
    RowError {
        file: file.to_string(),
        row: 2,
        column: String::new(),
        field: String::new(),
        value: String::new(),
        zh: "文件没有数据行".into(),
        en: "the file has no data rows".into(),
    }
}
