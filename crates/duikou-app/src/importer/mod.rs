//! From a table of text to validated records: header mapping, row validation with
//! errors naming file, row and column, duplicate handling, and ID protection.
//!
//! Two ways in: [`prepare`] checks a whole [`Table`] held in memory (uploads), and
//! [`import_file`] streams a file of any size into the database in one transaction,
//! holding a chunk of rows at a time (`duikou import`). Both refuse the whole file if
//! any row is wrong and report the first problems (`import_report`) and their count.
//!
//! - `headers`: the header row mapped to the kind's fields;
//! - `check`: one row validated, with the importing user's rights;
//! - `cross_check`: ID numbers against the plan's area codes (户籍县区, the assisted
//!   side): a contradiction refuses the row, the rest are warnings;
//! - `conflicts`: a natural key repeated in the file or already stored;
//! - `stream`: the streamed import, writing chunks in one transaction; `producer`: its
//!   reader; `dup_index`: the keys it has seen, on disk.

use std::collections::{BTreeMap, HashMap};

use duikou_domain::crypto::SecretKey;
use duikou_domain::plan::{Plan, UnitKind};
use duikou_domain::record::natural_key;
use duikou_domain::roles::{Actor, concerned_county};
use duikou_domain::schema::RecordKind;
use duikou_storage::records::NewRecord;
use serde::Serialize;

use crate::import_report::Problems;
use crate::protect::protect;
use crate::tabular::Table;

mod check;
mod conflicts;
pub mod cross_check;
mod dup_index;
pub mod error_book;
mod headers;
mod producer;
mod stream;
#[cfg(test)]
mod tests;
pub mod upload;

pub use conflicts::conflicts_with_stored;
pub use stream::{ImportFailure, ImportJob, Imported, PreparedRow, import_file};

use check::RowChecker;
use headers::{header_row_of, map_headers, no_data_rows};

/// One problem in an import file.
#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    pub file: String,
    /// Spreadsheet row number (1 = header row).
    pub row: usize,
    /// Column letter and header, e.g. "D 金额（元）"; empty for a whole-row problem.
    pub column: String,
    pub field: String,
    pub value: String,
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} 第{}行", self.file, self.row)?;
        if !self.column.is_empty() {
            write!(f, " {}列", self.column)?;
        }
        write!(f, " / {} row {}", self.file, self.row)?;
        if !self.column.is_empty() {
            write!(f, " column {}", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, "「{}」", self.value)?;
        }
        write!(f, "：{} / {}", self.zh, self.en)
    }
}

pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

pub struct PrepareContext<'a> {
    pub plan: &'a Plan,
    pub key: &'a SecretKey,
    /// Who imports: with a unit-bound role every row must be that unit's.
    pub actor: Option<&'a Actor>,
    /// Today (Beijing time, or the configured day): no receipt date may lie after it.
    pub today: time::Date,
}

/// Build a `NewRecord` from a validated record: protect the ID, compute keys.
pub fn new_record(
    valid: duikou_domain::record::ValidRecord,
    plan: &Plan,
    key: &SecretKey,
) -> NewRecord {
    let id = valid.id_number.as_ref().map(|i| protect(i, key));
    let nk = natural_key(&valid, id.as_ref().map(|p| p.blind.as_str()));
    let fields: BTreeMap<String, duikou_domain::record::Value> = valid
        .fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let county = concerned_county(valid.kind, &fields, |u| {
        plan.unit(u).is_some_and(|x| x.kind == UnitKind::County)
    });
    let mut valid = valid;
    valid.id_number = None; // the plain number goes no further
    NewRecord {
        valid,
        id,
        natural_key: nk,
        county,
    }
}

/// Validate every row; either all rows become records or every problem is returned.
pub fn prepare(
    table: &Table,
    kind: RecordKind,
    ctx: &PrepareContext<'_>,
) -> Result<Vec<NewRecord>, Problems> {
    let header_row = header_row_of(table.rows.first().map(|r| r.number));
    let columns = map_headers(&table.file_name, header_row, &table.headers, kind, &|i| {
        table
            .rows
            .iter()
            .any(|r| r.cells.get(i).is_some_and(|c| !c.trim().is_empty()))
    })
    .map_err(Problems::from)?;
    let checker = RowChecker::new(kind, ctx, columns, &table.headers);
    let mut errors = Problems::new();
    let mut found = Vec::new();
    let mut out: Vec<NewRecord> = Vec::with_capacity(table.rows.len());
    // Natural key → (row number, index in `out`): the JSON is compared only on a repeat.
    let mut first_row_of_key: HashMap<String, (usize, usize)> = HashMap::new();
    for row in &table.rows {
        let Some(rec) = checker.check(&table.file_name, row, &mut found) else {
            errors.extend(found.drain(..));
            continue;
        };
        if let Some(k) = &rec.natural_key {
            match first_row_of_key.get(k) {
                Some(&(first, at))
                    if out[at].valid.fields_json_text() != rec.valid.fields_json_text() =>
                {
                    errors.push(checker.duplicate(
                        &table.file_name,
                        row.number,
                        &format!("第 {first} 行"),
                        &format!("row {first}"),
                    ))
                }
                Some(_) => {} // the same row twice: kept once by the natural key
                None => {
                    first_row_of_key.insert(k.clone(), (row.number, out.len()));
                }
            }
        }
        out.push(rec);
    }
    if table.rows.is_empty() {
        errors.push(no_data_rows(&table.file_name));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The warnings about the rows of a table that [`prepare`] accepted (`rows` is what it
/// returned, one record per data row): the rows stay importable, a reviewer should look
/// (an ID from outside the assisted side). The first [`crate::import_report::MAX_LISTED_PROBLEMS`]
/// are listed, all counted.
pub fn warnings(
    table: &Table,
    kind: RecordKind,
    ctx: &PrepareContext<'_>,
    rows: &[NewRecord],
) -> Problems {
    let mut out = Problems::new();
    let header_row = header_row_of(table.rows.first().map(|r| r.number));
    let Ok(columns) = map_headers(&table.file_name, header_row, &table.headers, kind, &|i| {
        table
            .rows
            .iter()
            .any(|r| r.cells.get(i).is_some_and(|c| !c.trim().is_empty()))
    }) else {
        return out;
    };
    let checker = RowChecker::new(kind, ctx, columns, &table.headers);
    for (row, rec) in table.rows.iter().zip(rows) {
        out.extend(checker.warnings(&table.file_name, row.number, rec));
    }
    out
}
