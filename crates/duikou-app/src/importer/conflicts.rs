//! A natural key repeated: within the file with different content, or already stored
//! with different content (a voucher reused).

use std::collections::HashMap;

use duikou_domain::schema::{BuiltinKind, RecordKind};
use duikou_storage::records::NewRecord;

use super::RowError;
use super::stream::PreparedRow;
use crate::import_report::Problems;
use crate::tabular::Table;

pub(super) fn duplicate_zh(kind: RecordKind) -> &'static str {
    if kind.is(BuiltinKind::Transfer) {
        "同一拨付单位的凭证号必须唯一"
    } else {
        "同一人员同一类别同一开始日期"
    }
}
pub(super) fn duplicate_en(kind: RecordKind) -> &'static str {
    if kind.is(BuiltinKind::Transfer) {
        "voucher numbers are unique per payer"
    } else {
        "same person, programme and start date"
    }
}

/// Rows whose natural key is already stored with different content: a voucher reused.
pub fn conflicts_with_stored(
    table: &Table,
    kind: RecordKind,
    rows: &[NewRecord],
    stored: &HashMap<String, String>,
) -> Problems {
    let mut errors = Problems::new();
    for (row, rec) in table.rows.iter().zip(rows) {
        if let Some(k) = &rec.natural_key {
            if let Some(existing) = stored.get(k) {
                if *existing != rec.valid.fields_json_text() {
                    errors.push(stored_conflict(&table.file_name, row.number, kind));
                }
            }
        }
    }
    errors
}

/// The field a kind's natural key is reported in: a transfer's voucher number, a
/// person's ID number.
pub(super) fn key_field(kind: RecordKind) -> &'static str {
    if kind.is(BuiltinKind::Transfer) {
        "voucher_no"
    } else {
        "id_number"
    }
}

/// A row whose natural key other content already has, named by the key's field.
fn key_taken(file: String, row: usize, kind: RecordKind, zh: String, en: String) -> RowError {
    RowError {
        file,
        row,
        column: String::new(),
        field: key_field(kind).into(),
        value: String::new(),
        zh,
        en,
    }
}

pub(super) fn stored_conflict(file: &str, row: usize, kind: RecordKind) -> RowError {
    key_taken(
        file.to_string(),
        row,
        kind,
        format!("系统中已有相同键的不同记录（{}）", duplicate_zh(kind)),
        format!(
            "a different record with the same key is already stored ({})",
            duplicate_en(kind)
        ),
    )
}

/// A repeat of an earlier row's key with different content, found in the database
/// (the reader's hashes missed it): the earlier row is not named.
pub(super) fn repeat_error(kind: RecordKind, r: &PreparedRow) -> RowError {
    key_taken(
        r.file.to_string(),
        r.row,
        kind,
        format!("与本文件前面的一行重复但内容不同（{}）", duplicate_zh(kind)),
        format!(
            "duplicates an earlier row of this file with different content ({})",
            duplicate_en(kind)
        ),
    )
}
