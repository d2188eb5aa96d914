//! Rows of cells shaped into a table: the header row found and checked, blank rows
//! skipped, each row numbered as the spreadsheet shows it.

use std::collections::HashMap;
use std::sync::Arc;

use super::*;

pub(super) fn emit_row<S: RowSink + ?Sized>(
    row: u32,
    cells: &mut Vec<(u32, String)>,
    shaper: &mut Shaper<'_, S>,
) -> Result<(), TableError> {
    let width = cells
        .iter()
        .map(|(c, _)| *c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut out = vec![String::new(); width];
    for (c, text) in cells.drain(..) {
        out[c as usize] = text;
    }
    shaper.raw_row(row as usize + 1, out)
}

/// What the header row says about the columns.
pub(super) struct HeaderShape {
    /// The header cells, trimmed, up to the last non-empty one.
    pub(super) cells: Vec<String>,
    /// The columns kept (those with a header).
    pub(super) keep: Vec<usize>,
    /// Columns without a header, and the first row (and its sheet) with a value in one.
    pub(super) empty: Vec<(usize, Option<(usize, Option<String>)>)>,
    /// The first column repeating an earlier header, and the error it makes.
    pub(super) duplicate: Option<(usize, TableError)>,
}

/// Turns raw non-blank rows (cells from column A) into checked rows: the first is the
/// header; the others are cut to the header's columns and handed to the sink while no
/// structural error has been seen. [`Shaper::finish`] tells the first structural error,
/// in the order a whole-table check would: no header; then by column, an empty header
/// over a value or a repeated header; then the first row wider than the header.
pub(super) struct Shaper<'s, S: RowSink + ?Sized> {
    pub(super) file: String,
    /// The chosen sheet (xlsx).
    pub(super) main_sheet: Option<String>,
    /// The sheet being read.
    pub(super) sheet: Option<String>,
    /// `Some` on a continuation sheet.
    pub(super) part: Option<Arc<str>>,
    pub(super) sink: &'s mut S,
    pub(super) header: Option<HeaderShape>,
    pub(super) awaiting_header: bool,
    pub(super) no_header: bool,
    pub(super) too_many: Option<TableError>,
    pub(super) forwarding: bool,
    pub(super) stopped: bool,
}

impl<'s, S: RowSink + ?Sized> Shaper<'s, S> {
    pub(super) fn new(file: &str, sheet: Option<String>, sink: &'s mut S) -> Self {
        Shaper {
            file: file.to_owned(),
            main_sheet: sheet.clone(),
            sheet,
            part: None,
            sink,
            header: None,
            awaiting_header: true,
            no_header: false,
            too_many: None,
            forwarding: true,
            stopped: false,
        }
    }

    /// A continuation sheet starts: its first row must repeat the header.
    pub(super) fn continuation(&mut self, sheet: &str) {
        self.sheet = Some(sheet.to_owned());
        self.part = Some(Arc::from(sheet));
        self.awaiting_header = true;
    }

    pub(super) fn raw_row(
        &mut self,
        number: usize,
        mut cells: Vec<String>,
    ) -> Result<(), TableError> {
        if self.awaiting_header {
            self.awaiting_header = false;
            let mut header_cells: Vec<String> = cells
                .iter()
                .map(|h| {
                    h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                        .to_owned()
                })
                .collect();
            let width = header_cells
                .iter()
                .rposition(|h| !h.is_empty())
                .map_or(0, |i| i + 1);
            header_cells.truncate(width);
            if let Some(h) = &self.header {
                if header_cells != h.cells {
                    return Err(TableError::SheetHeadersDiffer {
                        file: self.file.clone(),
                        sheet: self.sheet.clone().unwrap_or_default(),
                        first_sheet: self.main_sheet.clone().unwrap_or_default(),
                    });
                }
                return Ok(());
            }
            if self.part.is_some() || self.no_header {
                // A continuation of a sheet without a header: nothing to read.
                return Ok(());
            }
            if width == 0 {
                self.no_header = true;
                self.forwarding = false;
                return Ok(());
            }
            let mut seen: HashMap<&str, usize> = HashMap::new();
            let mut keep = Vec::with_capacity(width);
            let mut empty = Vec::new();
            let mut duplicate = None;
            for (c, h) in header_cells.iter().enumerate() {
                if h.is_empty() {
                    empty.push((c, None));
                    continue;
                }
                if let Some(&first) = seen.get(h.as_str()) {
                    if duplicate.is_none() {
                        duplicate = Some((
                            c,
                            TableError::DuplicateHeader {
                                file: self.file.clone(),
                                sheet: self.sheet.clone(),
                                header: h.clone(),
                                first_column: column_letter(first),
                                second_column: column_letter(c),
                            },
                        ));
                    }
                    continue;
                }
                seen.insert(h, c);
                keep.push(c);
            }
            if duplicate.is_some() {
                self.forwarding = false;
            }
            let headers: Vec<String> = keep.iter().map(|&c| header_cells[c].clone()).collect();
            self.sink.headers(&headers);
            self.header = Some(HeaderShape {
                cells: header_cells,
                keep,
                empty,
                duplicate,
            });
            return Ok(());
        }
        let Some(h) = &mut self.header else {
            return Ok(());
        };
        if self.no_header {
            return Ok(());
        }
        for (c, first) in h.empty.iter_mut() {
            if first.is_none() && cells.get(*c).is_some_and(|v| !v.is_empty()) {
                *first = Some((number, self.sheet.clone()));
                self.forwarding = false;
            }
        }
        if self.too_many.is_none() {
            if let Some(last) = cells.iter().rposition(|v| !v.is_empty())
                && last >= h.cells.len()
            {
                self.too_many = Some(TableError::TooManyCells {
                    file: self.file.clone(),
                    sheet: self.sheet.clone(),
                    row: number,
                    last_column: column_letter(last),
                    headers: h.keep.len(),
                });
                self.forwarding = false;
            }
        }
        if self.forwarding && !self.stopped {
            let kept = h
                .keep
                .iter()
                .map(|&c| cells.get_mut(c).map(std::mem::take).unwrap_or_default())
                .collect();
            if !self.sink.row(
                self.part.as_ref(),
                Row {
                    number,
                    cells: kept,
                },
            ) {
                self.stopped = true;
            }
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<(), TableError> {
        let no_header = || TableError::NoHeader {
            file: self.file.clone(),
            sheet: self.main_sheet.clone(),
        };
        let Some(h) = self.header else {
            return Err(no_header());
        };
        if self.no_header {
            return Err(no_header());
        }
        let empty_hit = h
            .empty
            .into_iter()
            .find_map(|(c, first)| first.map(|(row, sheet)| (c, row, sheet)));
        let dup_col = h.duplicate.as_ref().map(|(c, _)| *c);
        match (empty_hit, h.duplicate) {
            (Some((c, row, sheet)), _) if dup_col.is_none_or(|d| c < d) => {
                return Err(TableError::EmptyHeader {
                    file: self.file,
                    sheet,
                    column: column_letter(c),
                    row,
                });
            }
            (_, Some((_, e))) => return Err(e),
            _ => {}
        }
        match self.too_many {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
