//! The reading side of a streamed import: rows read (on a blocking thread) and checked,
//! valid records handed to the writer in chunks while the file has shown no problem.

use std::sync::Arc;

use duikou_domain::schema::RecordKind;
use duikou_storage::records::IMPORT_CHUNK_ROWS;

use super::check::RowChecker;
use super::dup_index::{DupIndex, position};
use super::headers::{header_row_of, map_headers, no_data_rows};
use super::stream::PreparedRow;
use super::{PrepareContext, RowError};
use crate::import_report::{MAX_LISTED_PROBLEMS, Problems};
use crate::tabular::{Row, RowSink, TableError};

/// What reading the file found.
pub(super) struct Reading {
    pub(super) table_error: Option<TableError>,
    /// Problems in the file (headers, or rows), in file order.
    pub(super) errors: Problems,
    /// Rows read (all valid when there are no errors).
    pub(super) rows: usize,
    /// What a reviewer should look at in rows that are valid (`RowChecker::warnings`).
    pub(super) warnings: Problems,
}

/// Reads the file's rows (on a blocking thread), checks them and hands chunks of valid
/// records to the writer while the file has shown no problem.
pub(super) struct Producer<'a> {
    kind: RecordKind,
    ctx: &'a PrepareContext<'a>,
    file: Arc<str>,
    headers: Vec<String>,
    checker: Option<RowChecker<'a>>,
    /// The header row alone shows problems (a field twice, a required column missing).
    headers_broken: bool,
    /// Columns no field has: an error once one of them holds a value.
    unknown: Vec<usize>,
    nonempty: Vec<bool>,
    /// The first problems found, with the row's position (at most
    /// [`MAX_LISTED_PROBLEMS`]: the others are only counted in `unlisted`).
    errors: Vec<(u64, RowError)>,
    unlisted: u64,
    warnings: Problems,
    dups: DupIndex,
    /// How errors name the file: the file, then each continuation sheet.
    labels: Vec<Arc<str>>,
    /// The label of the rows of the last sheet seen: (sheet, label index).
    part: Option<(Arc<str>, u32)>,
    /// Rows read.
    rows: usize,
    first_row: Option<usize>,
    clean: bool,
    chunk: Vec<PreparedRow>,
    tx: tokio::sync::mpsc::Sender<Vec<PreparedRow>>,
    closed: bool,
}

impl<'a> Producer<'a> {
    /// A reader of `file` that sends its chunks of valid records to `tx`.
    pub(super) fn new(
        kind: RecordKind,
        ctx: &'a PrepareContext<'a>,
        file: Arc<str>,
        tx: tokio::sync::mpsc::Sender<Vec<PreparedRow>>,
    ) -> Self {
        Producer {
            kind,
            ctx,
            file: file.clone(),
            headers: Vec::new(),
            checker: None,
            headers_broken: false,
            unknown: Vec::new(),
            nonempty: Vec::new(),
            errors: Vec::new(),
            unlisted: 0,
            warnings: Problems::new(),
            dups: DupIndex::new(),
            labels: vec![file],
            part: None,
            rows: 0,
            first_row: None,
            clean: true,
            chunk: Vec::with_capacity(IMPORT_CHUNK_ROWS),
            tx,
            closed: false,
        }
    }

    fn send(&mut self) {
        if self.chunk.is_empty() || self.closed {
            return;
        }
        if self
            .tx
            .blocking_send(std::mem::take(&mut self.chunk))
            .is_err()
        {
            self.closed = true;
        }
    }

    pub(super) fn label(&mut self, sheet: Option<&Arc<str>>) -> u32 {
        match sheet {
            None => 0,
            Some(s) => {
                if let Some((name, idx)) = &self.part {
                    if Arc::ptr_eq(name, s) {
                        return *idx;
                    }
                }
                let idx = self.labels.len() as u32;
                self.labels.push(Arc::from(format!("{}「{s}」", self.file)));
                self.part = Some((s.clone(), idx));
                idx
            }
        }
    }

    pub(super) fn finish(mut self, read: Result<Option<String>, TableError>) -> Reading {
        if self.clean {
            self.send();
        }
        let rows = self.rows;
        let Self {
            file,
            headers,
            kind,
            checker,
            mut errors,
            unlisted,
            warnings,
            dups,
            labels,
            nonempty,
            first_row,
            headers_broken,
            unknown,
            tx,
            ..
        } = self;
        // Close the channel: the writer stops waiting.
        drop(tx);
        if let Err(e) = read {
            return Reading {
                table_error: Some(e),
                errors: Problems::new(),
                rows,
                warnings: Problems::new(),
            };
        }
        if headers_broken || unknown.iter().any(|&c| nonempty[c]) {
            let header_row = header_row_of(first_row);
            let errors = map_headers(&file, header_row, &headers, kind, &|i| {
                nonempty.get(i).copied().unwrap_or(false)
            })
            .err()
            .unwrap_or_default();
            return Reading {
                table_error: None,
                errors: errors.into(),
                rows,
                warnings: Problems::new(),
            };
        }
        let Some(checker) = checker else {
            return Reading {
                table_error: None,
                errors: vec![no_data_rows(&file)].into(),
                rows,
                warnings: Problems::new(),
            };
        };
        // Repeats with different content, merged into the other problems by row.
        let mut repeats = match dups.conflicting_repeats() {
            Ok(r) => r,
            Err(e) => {
                return Reading {
                    table_error: Some(TableError::Unreadable {
                        file: file.to_string(),
                        detail: format!("temporary file: {e}"),
                    }),
                    errors: Problems::new(),
                    rows,
                    warnings: Problems::new(),
                };
            }
        };
        // Only the first repeats can be among the first problems of the file.
        let repeats_unlisted = repeats.len().saturating_sub(MAX_LISTED_PROBLEMS) as u64;
        repeats.truncate(MAX_LISTED_PROBLEMS);
        if !repeats.is_empty() {
            let mut merged = Vec::with_capacity(errors.len() + repeats.len());
            let mut others = std::mem::take(&mut errors).into_iter().peekable();
            let place = |pos: u64| (&labels[(pos >> 32) as usize], (pos & 0xffff_ffff) as usize);
            for (pos, first) in repeats {
                while let Some((_, e)) = others.next_if(|(p, _)| *p < pos) {
                    merged.push((0, e));
                }
                let (label, row) = place(pos);
                let (first_label, first_row) = place(first);
                let (zh, en) = if first_label == label {
                    (format!("第 {first_row} 行"), format!("row {first_row}"))
                } else {
                    (
                        format!("{first_label} 第 {first_row} 行"),
                        format!("{first_label} row {first_row}"),
                    )
                };
                merged.push((0, checker.duplicate(label, row, &zh, &en)));
            }
            merged.extend(others);
            errors = merged;
        }
        let mut errors: Problems = errors
            .into_iter()
            .map(|(_, e)| e)
            .collect::<Vec<_>>()
            .into();
        errors.count_unlisted(unlisted + repeats_unlisted);
        if rows == 0 {
            errors.push(no_data_rows(&file));
        }
        Reading {
            table_error: None,
            errors,
            rows,
            warnings,
        }
    }
}

impl RowSink for Producer<'_> {
    fn headers(&mut self, headers: &[String]) {
        self.headers = headers.to_vec();
        self.nonempty = vec![false; headers.len()];
        self.unknown = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                self.kind.field_by_header(h).is_none()
                    && !duikou_reports::export::is_status_header(h)
            })
            .map(|(i, _)| i)
            .collect();
        match map_headers(&self.file, 1, headers, self.kind, &|_| false) {
            Ok(columns) => {
                self.checker = Some(RowChecker::new(self.kind, self.ctx, columns, headers));
            }
            Err(_) => {
                self.headers_broken = true;
                self.clean = false;
            }
        }
    }

    fn row(&mut self, sheet: Option<&Arc<str>>, row: Row) -> bool {
        if self.closed {
            return false;
        }
        self.rows += 1;
        self.first_row.get_or_insert(row.number);
        for &c in &self.unknown {
            if !self.nonempty[c] && row.cells.get(c).is_some_and(|v| !v.trim().is_empty()) {
                self.nonempty[c] = true;
                self.clean = false;
            }
        }
        if self.headers_broken || self.unknown.iter().any(|&c| self.nonempty[c]) {
            // Only the header problems will be reported.
            return true;
        }
        let label = self.label(sheet);
        let seq = position(label, row.number);
        let file = self.labels[label as usize].clone();
        let Some(checker) = &self.checker else {
            return true;
        };
        let mut found = Vec::new();
        match checker.check(&file, &row, &mut found) {
            Some(record) => {
                self.warnings
                    .extend(checker.warnings(&file, row.number, &record));
                if let Some(k) = &record.natural_key {
                    self.dups.push(k, &record.valid.fields_json_text(), seq);
                }
                if self.clean {
                    self.chunk.push(PreparedRow {
                        file,
                        row: row.number,
                        record,
                    });
                    if self.chunk.len() >= IMPORT_CHUNK_ROWS {
                        self.send();
                    }
                }
            }
            None => {
                for e in found {
                    if self.errors.len() < MAX_LISTED_PROBLEMS {
                        self.errors.push((seq, e));
                    } else {
                        self.unlisted += 1;
                    }
                }
                self.clean = false;
                self.chunk = Vec::new();
            }
        }
        !self.closed
    }
}
