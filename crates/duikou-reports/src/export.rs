//! `duikou export KIND [--year Y] [--format csv|xlsx] [--status S]` and the web download:
//! the records of a kind the caller may see — approved ones unless another status (or
//! `all`) is asked for — in the import layout plus a last 审核状态 column, which the
//! importer reads past (so an export imports back).
//!
//! Streaming: records arrive in pages (keyset paging, 5,000 at a time) and go straight to
//! the output. CSV is written as it comes; .xlsx uses a constant-memory worksheet that
//! spills rows to a temporary file, so a million rows never sit in memory.
//!
//! - ID numbers are masked unless the caller asks for them unmasked with the key *and* may
//!   see them (the caller audits such an export).
//! - Amounts are numbers: yuan with a `#,##0.00` format, or 万元 (header
//!   「金额（万元）」, which the importer reads as 万元) when asked.
//! - Dates are date cells; header frozen; filters on; column widths set.
//! - CSV is UTF-8 with a byte-order mark, so Excel opens it correctly.
//! - User text never becomes a formula ([`crate::safe`]).

use std::future::Future;
use std::io::{Seek, Write};

use duikou_domain::crypto::SecretKey;
use duikou_domain::record::{Status, Value, format_date};
use duikou_domain::roles::{Actor, RecordFacts, Role};
use duikou_domain::schema::{FieldDesc, FieldType, RecordKind};
use duikou_storage::Store;
use duikou_storage::records::{RecordCursor, RecordQuery, StoredRecord};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use crate::common::{Styles, decimal_text};
use crate::safe;
use crate::template::{columns, field_width};
use crate::{ReportError, ReportResult};

/// Records fetched per page.
pub const PAGE_SIZE: u64 = 5_000;

/// Data rows per worksheet (Excel's limit less the header); more continue on a new sheet.
pub const ROWS_PER_SHEET: u32 = 1_048_575;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn from_key(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => crate::CSV_CONTENT_TYPE,
            ExportFormat::Xlsx => crate::XLSX_CONTENT_TYPE,
        }
    }
}

/// How ID numbers appear.
#[derive(Clone, Copy)]
pub enum Ids<'a> {
    /// 530627********1234: the default.
    Masked,
    /// In full, for records the caller may unmask (the caller audits the export).
    Unmasked(&'a SecretKey),
}

#[derive(Clone, Copy)]
pub struct ExportOptions<'a> {
    pub format: ExportFormat,
    pub ids: Ids<'a>,
    /// Amounts in 万元 (header 「…（万元）」) instead of yuan.
    pub money_in_wan: bool,
    /// Who exports: None is the operator at the command line, who sees everything.
    pub actor: Option<&'a Actor>,
    /// Which records by review status: approved unless asked otherwise, so that a
    /// draft nobody checked does not travel as if it were a figure.
    pub status: StatusFilter,
}

/// The review states an export takes (`--status`, `?status=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    Only(Status),
}

impl Default for StatusFilter {
    fn default() -> Self {
        StatusFilter::Only(Status::Approved)
    }
}

impl StatusFilter {
    /// `all`/`全部`, or a status key or Chinese label (`approved`, `已审核`…).
    pub fn from_key(s: &str) -> Option<StatusFilter> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") || s == "全部" {
            return Some(StatusFilter::All);
        }
        Status::from_key(&s.to_ascii_lowercase())
            .or_else(|| Status::from_key(s))
            .map(StatusFilter::Only)
    }

    pub fn key(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Only(st) => st.key(),
        }
    }

    /// What `from_key` takes, for messages.
    pub const CHOICES: &'static str = "all, draft, submitted, approved, rejected";
}

/// The column every export ends with: the record's review status. Not an import field:
/// the importer ignores it, so an export still imports back.
pub const STATUS_HEADER: &str = "审核状态";

/// Whether an import header is [`STATUS_HEADER`] (or its English key).
pub fn is_status_header(h: &str) -> bool {
    let h = h.trim();
    h == STATUS_HEADER || h.eq_ignore_ascii_case("status")
}

impl Default for ExportOptions<'_> {
    fn default() -> Self {
        ExportOptions {
            format: ExportFormat::Xlsx,
            ids: Ids::Masked,
            money_in_wan: false,
            actor: None,
            status: StatusFilter::default(),
        }
    }
}

/// `资金拨付-2019.xlsx`, `人员名单-全部年度.csv`.
pub fn file_name(kind: RecordKind, year: Option<i32>, format: ExportFormat) -> String {
    let years = year
        .map(|y| y.to_string())
        .unwrap_or_else(|| "全部年度".into());
    format!("{}-{years}.{}", kind.label_zh(), format.extension())
}

/// The records of a kind the caller may see, in the review states asked for: everything
/// for coordinators, auditors and the command line; approved records (and no person
/// lists) for viewers; a reporter's own unit's; a receiver's own and those concerning its
/// county. Administrators see no records.
pub fn query_for(
    actor: Option<&Actor>,
    kind: RecordKind,
    year: Option<i32>,
    status: StatusFilter,
) -> ReportResult<RecordQuery> {
    let mut q = RecordQuery {
        kind: Some(kind),
        year,
        ..Default::default()
    };
    if let StatusFilter::Only(st) = status {
        q.only_status = Some(vec![st]);
    }
    if let Some(a) = actor {
        if a.role == Role::Viewer && !a.can_list_kind(kind) {
            return Err(ReportError::input(
                format!("您的角色不查看「{}」记录", kind.label_zh()),
                format!("your role does not see {} records", kind.key()),
            ));
        }
        match a.role {
            Role::Coordinator | Role::Auditor => {}
            Role::Viewer => {
                let asked = q.only_status.take().unwrap_or_else(|| Status::ALL.to_vec());
                q.only_status = Some(
                    asked
                        .into_iter()
                        .filter(|s| *s == Status::Approved)
                        .collect(),
                );
            }
            Role::Reporter | Role::Receiver => {
                let unit = a.unit.clone().ok_or_else(|| {
                    ReportError::input("用户没有所属单位", "the user has no unit")
                })?;
                q.visible_to_unit = Some(unit);
                q.include_county = a.role == Role::Receiver;
            }
            Role::Admin => {
                return Err(ReportError::input(
                    "管理员角色不能查看或导出记录",
                    "the admin role cannot see or export records",
                ));
            }
        }
    }
    Ok(q)
}

/// The header of a column as exported.
fn header(fd: &FieldDesc, money_in_wan: bool) -> String {
    if money_in_wan && fd.ty == FieldType::Money {
        let stem = fd.zh.strip_suffix("（元）").unwrap_or(fd.zh);
        format!("{stem}（万元）")
    } else {
        fd.zh.to_string()
    }
}

/// The headers of an export: the import layout.
pub fn headers(kind: RecordKind, money_in_wan: bool) -> Vec<String> {
    columns(kind)
        .into_iter()
        .map(|fd| header(fd, money_in_wan))
        .collect()
}

/// One cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Money(i64),
    Int(i64),
    Date(time::Date),
}

/// The ID number of a record as this export shows it.
fn id_text(rec: &StoredRecord, opts: &ExportOptions<'_>) -> Option<String> {
    if let Ids::Unmasked(key) = opts.ids {
        let allowed = opts.actor.is_none_or(|a| {
            a.can_unmask(&RecordFacts {
                kind: rec.kind,
                status: rec.status,
                reporting_unit: &rec.reporting_unit,
                fields: &rec.fields,
            })
        });
        if allowed && let Some(plain) = rec.id_cipher.as_deref().and_then(|c| key.decrypt(c).ok()) {
            return Some(plain);
        }
    }
    rec.id_masked.clone()
}

/// A record as the cells of its export row, in [`headers`] order.
pub fn row_cells(rec: &StoredRecord, opts: &ExportOptions<'_>) -> Vec<Cell> {
    columns(rec.kind)
        .into_iter()
        .map(|fd| match fd.key {
            "reporting_unit" => Cell::Text(rec.reporting_unit.to_string()),
            "plan_year" => Cell::Int(rec.plan_year as i64),
            "notes" if rec.notes.is_empty() => Cell::Empty,
            "notes" => Cell::Text(rec.notes.clone()),
            _ if fd.ty == FieldType::IdNumber => {
                id_text(rec, opts).map(Cell::Text).unwrap_or(Cell::Empty)
            }
            key => match rec.fields.get(key) {
                None => Cell::Empty,
                Some(Value::Money(f)) => Cell::Money(f.fen()),
                Some(Value::Int(i)) => Cell::Int(*i),
                Some(Value::Date(d)) => Cell::Date(*d),
                Some(v) => Cell::Text(v.display()),
            },
        })
        .collect()
}

/// Where exported records go, one at a time.
pub trait RecordSink {
    fn push(&mut self, rec: &StoredRecord) -> ReportResult<()>;
    /// Records written so far.
    fn rows(&self) -> usize;
}

/// CSV, UTF-8 with BOM, streamed to any writer.
pub struct CsvSink<'a, W: Write> {
    out: csv::Writer<W>,
    opts: ExportOptions<'a>,
    kind: RecordKind,
    rows: usize,
    buf: Vec<String>,
}

impl<'a, W: Write> CsvSink<'a, W> {
    pub fn new(mut w: W, kind: RecordKind, opts: ExportOptions<'a>) -> ReportResult<Self> {
        w.write_all(b"\xEF\xBB\xBF")?;
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(w);
        let mut head = headers(kind, opts.money_in_wan);
        head.push(STATUS_HEADER.to_string());
        out.write_record(head)?;
        Ok(CsvSink {
            out,
            opts,
            kind,
            rows: 0,
            buf: Vec::new(),
        })
    }

    pub fn finish(self) -> ReportResult<W> {
        self.out
            .into_inner()
            .map_err(|e| ReportError::Io(e.into_error()))
    }
}

impl<W: Write> RecordSink for CsvSink<'_, W> {
    fn push(&mut self, rec: &StoredRecord) -> ReportResult<()> {
        debug_assert_eq!(rec.kind, self.kind);
        self.buf.clear();
        for c in row_cells(rec, &self.opts) {
            self.buf.push(match c {
                Cell::Empty => String::new(),
                Cell::Text(s) => safe::csv_field(&s).into_owned(),
                Cell::Money(f) if self.opts.money_in_wan => decimal_text(f, 6),
                Cell::Money(f) => duikou_domain::cells::format_fen_yuan(f),
                Cell::Int(i) => i.to_string(),
                Cell::Date(d) => format_date(d),
            });
        }
        self.buf.push(rec.status.label_zh().to_string());
        self.out.write_record(&self.buf)?;
        self.rows += 1;
        Ok(())
    }
    fn rows(&self) -> usize {
        self.rows
    }
}

/// .xlsx with constant-memory worksheets: rows go to a temporary file as they come.
pub struct XlsxSink<'a> {
    wb: Workbook,
    opts: ExportOptions<'a>,
    kind: RecordKind,
    rows: usize,
    sheet: usize,
    /// Next row on the current sheet.
    row: u32,
    text: Format,
    money: Format,
    int: Format,
    date: Format,
}

impl<'a> XlsxSink<'a> {
    pub fn new(kind: RecordKind, opts: ExportOptions<'a>) -> ReportResult<Self> {
        let mut sink = XlsxSink {
            wb: Workbook::new(),
            opts,
            kind,
            rows: 0,
            sheet: 0,
            row: 1,
            text: Format::new(),
            money: Format::new().set_num_format(if opts.money_in_wan {
                "#,##0.00####"
            } else {
                "#,##0.00"
            }),
            int: Format::new().set_num_format("0"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        };
        sink.add_sheet()?;
        Ok(sink)
    }

    fn add_sheet(&mut self) -> Result<(), XlsxError> {
        let st = Styles::new();
        let name = if self.sheet == 0 {
            self.kind.label_zh().to_string()
        } else {
            format!("{}（{}）", self.kind.label_zh(), self.sheet + 1)
        };
        let ws = self.wb.add_worksheet_with_constant_memory();
        ws.set_name(&name)?;
        for (c, fd) in columns(self.kind).into_iter().enumerate() {
            let col = c as u16;
            ws.set_column_width(col, field_width(fd))?;
            ws.write_string_with_format(0, col, header(fd, self.opts.money_in_wan), &st.head)?;
        }
        let status_col = columns(self.kind).len() as u16;
        ws.set_column_width(status_col, 9.0)?;
        ws.write_string_with_format(0, status_col, STATUS_HEADER, &st.head)?;
        ws.set_freeze_panes(1, 0)?;
        ws.set_landscape()
            .set_paper_size(9)
            .set_print_fit_to_pages(1, 0)
            .set_repeat_rows(0, 0)?;
        self.row = 1;
        Ok(())
    }

    /// Save the workbook (filters set over the rows written).
    pub fn finish<W: Write + Seek + Send>(mut self, out: W) -> ReportResult<()> {
        let last_col = columns(self.kind).len() as u16; // the status column
        let sheets = self.sheet + 1;
        for i in 0..sheets {
            let rows_on_sheet = if i == self.sheet {
                self.row - 1
            } else {
                ROWS_PER_SHEET
            };
            let ws = self.wb.worksheet_from_index(i)?;
            ws.autofilter(0, 0, rows_on_sheet.max(1), last_col)?;
        }
        self.wb.worksheet_from_index(0)?.set_active(true);
        self.wb.save_to_writer(out)?;
        Ok(())
    }
}

impl RecordSink for XlsxSink<'_> {
    fn push(&mut self, rec: &StoredRecord) -> ReportResult<()> {
        if self.row > ROWS_PER_SHEET {
            self.sheet += 1;
            self.add_sheet()?;
        }
        let cells = row_cells(rec, &self.opts);
        let status_col = cells.len() as u16;
        let row = self.row;
        let ws = self.wb.worksheet_from_index(self.sheet)?;
        ws.write_string_with_format(row, status_col, rec.status.label_zh(), &self.text)?;
        for (c, cell) in cells.into_iter().enumerate() {
            let col = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => safe::write_text(ws, row, col, &s, &self.text)?,
                Cell::Money(f) => {
                    let value = if self.opts.money_in_wan {
                        f as f64 / 1_000_000.0
                    } else {
                        f as f64 / 100.0
                    };
                    ws.write_number_with_format(row, col, value, &self.money)?;
                }
                Cell::Int(i) => {
                    ws.write_number_with_format(row, col, i as f64, &self.int)?;
                }
                Cell::Date(d) => {
                    let dt =
                        ExcelDateTime::from_ymd(d.year() as u16, u8::from(d.month()), d.day())?;
                    ws.write_datetime_with_format(row, col, dt, &self.date)?;
                }
            }
        }
        self.row += 1;
        self.rows += 1;
        Ok(())
    }
    fn rows(&self) -> usize {
        self.rows
    }
}

/// Feed a sink from a page fetcher: `fetch(after_id)` returns the next page of records
/// with ids above `after_id` in id order, empty at the end. Only one page is held at a
/// time. Records the caller may not see are skipped. Returns the rows written.
pub async fn stream_pages<S, F, Fut, E>(
    sink: &mut S,
    actor: Option<&Actor>,
    mut fetch: F,
) -> ReportResult<usize>
where
    S: RecordSink,
    F: FnMut(i64) -> Fut,
    Fut: Future<Output = Result<Vec<StoredRecord>, E>>,
    ReportError: From<E>,
{
    let mut after = 0i64;
    loop {
        let page = fetch(after).await?;
        let Some(last) = page.last() else { break };
        if last.id.0 <= after {
            break; // a fetcher that does not advance would loop forever
        }
        after = last.id.0;
        push_page(sink, actor, &page)?;
    }
    Ok(sink.rows())
}

/// Write the records of a page that the actor may read (all of them for the operator).
pub fn push_page<S: RecordSink>(
    sink: &mut S,
    actor: Option<&Actor>,
    page: &[StoredRecord],
) -> ReportResult<()> {
    for rec in page {
        let visible = actor.is_none_or(|a| {
            a.can_read(&RecordFacts {
                kind: rec.kind,
                status: rec.status,
                reporting_unit: &rec.reporting_unit,
                fields: &rec.fields,
            })
        });
        if visible {
            sink.push(rec)?;
        }
    }
    Ok(())
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: usize,
    /// Whether any ID number was written in full (the caller audits such an export).
    pub unmasked: bool,
}

/// Export every record of `kind` (of `year`, if given) the caller may see, straight from
/// the store in pages of [`PAGE_SIZE`].
pub async fn export_store<W: Write + Seek + Send>(
    store: &Store,
    kind: RecordKind,
    year: Option<i32>,
    opts: ExportOptions<'_>,
    out: W,
) -> ReportResult<ExportSummary> {
    let q = query_for(opts.actor, kind, year, opts.status)?;
    export_query(store, kind, q, opts, out).await
}

/// Export the records `q` selects, in its order: a list as it shows, every page of it
/// (the caller has checked and scoped `q`). Read [`PAGE_SIZE`] at a time.
pub async fn export_query<W: Write + Seek + Send>(
    store: &Store,
    kind: RecordKind,
    q: RecordQuery,
    opts: ExportOptions<'_>,
    out: W,
) -> ReportResult<ExportSummary> {
    let mut cursor = RecordCursor::new(q);
    async fn drain<S: RecordSink>(
        sink: &mut S,
        store: &Store,
        cursor: &mut RecordCursor,
        actor: Option<&Actor>,
    ) -> ReportResult<usize> {
        loop {
            let page = store.next_records(cursor, PAGE_SIZE).await?;
            if page.is_empty() {
                return Ok(sink.rows());
            }
            push_page(sink, actor, &page)?;
        }
    }
    let rows = match opts.format {
        ExportFormat::Csv => {
            let mut sink = CsvSink::new(out, kind, opts)?;
            let n = drain(&mut sink, store, &mut cursor, opts.actor).await?;
            sink.finish()?.flush()?;
            n
        }
        ExportFormat::Xlsx => {
            let mut sink = XlsxSink::new(kind, opts)?;
            let n = drain(&mut sink, store, &mut cursor, opts.actor).await?;
            sink.finish(out)?;
            n
        }
    };
    let unmasked = matches!(opts.ids, Ids::Unmasked(_))
        && kind.fields().iter().any(|f| f.ty == FieldType::IdNumber)
        && rows > 0;
    Ok(ExportSummary { rows, unmasked })
}
