//! From a table of text to validated records: header mapping, row validation with
//! errors naming file, row and column, duplicate handling, and ID protection.
//!
//! Two ways in: [`prepare`] checks a whole [`Table`] held in memory (uploads), and
//! [`import_file`] streams a file of any size into the database in one transaction,
//! holding a chunk of rows at a time (`duikou import`). Both refuse the whole file if
//! any row is wrong and report the first problems (`import_report`) and their count.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use duikou_domain::crypto::SecretKey;
use duikou_domain::plan::{Plan, UnitKind};
use duikou_domain::record::Status;
use duikou_domain::record::{FieldInput, ValidationContext, natural_key, validate};
use duikou_domain::roles::{Actor, concerned_county};
use duikou_domain::schema::{BuiltinKind, FieldDesc, RecordKind};
use duikou_storage::Store;
use duikou_storage::records::{
    IMPORT_CHUNK_ROWS, ImportFile, ImportOutcome, NewRecord, RecordError,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::import_report::{MAX_LISTED_PROBLEMS, Problems};
use crate::protect::protect;
use crate::tabular::{FileScan, Row, RowSink, Table, TableError};

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

struct Column {
    index: usize,
    field: &'static FieldDesc,
    in_wan: bool,
}

/// Map headers to fields; unknown non-empty columns and missing required columns are errors.
/// `header_row` is the row the errors name; `nonempty(i)`: column `i` has a value in
/// some row.
fn map_headers(
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

pub struct PrepareContext<'a> {
    pub plan: &'a Plan,
    pub key: &'a SecretKey,
    /// Who imports: with a unit-bound role every row must be that unit's.
    pub actor: Option<&'a Actor>,
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

/// Checks rows against the mapped columns: validation, the importing user's rights,
/// then ID protection.
struct RowChecker<'a> {
    kind: RecordKind,
    ctx: &'a PrepareContext<'a>,
    columns: Vec<Column>,
    headers: Vec<String>,
    default_unit: Option<&'a str>,
}

impl<'a> RowChecker<'a> {
    fn new(
        kind: RecordKind,
        ctx: &'a PrepareContext<'a>,
        columns: Vec<Column>,
        headers: &[String],
    ) -> Self {
        // Without a user, records come from the coordination office.
        let default_unit = match ctx.actor {
            Some(a) => a.unit.as_deref().or(ctx.plan.meta.coordinator.as_deref()),
            None => ctx.plan.meta.coordinator.as_deref(),
        };
        RowChecker {
            kind,
            ctx,
            columns,
            headers: headers.to_vec(),
            default_unit,
        }
    }

    /// "D 金额（元）": the column holding a field.
    fn col_of(&self, key: &str) -> Option<String> {
        self.columns
            .iter()
            .find(|c| c.field.key == key)
            .map(|c| format!("{} {}", column_letter(c.index), self.headers[c.index]))
    }

    /// The column a duplicate is reported in.
    fn key_column(&self) -> String {
        self.col_of(if self.kind.is(BuiltinKind::Transfer) {
            "voucher_no"
        } else {
            "id_number"
        })
        .unwrap_or_default()
    }

    /// The row as a record ready to be written, or its problems added to `errors`.
    fn check(&self, file: &str, row: &Row, errors: &mut Vec<RowError>) -> Option<NewRecord> {
        let kind = self.kind;
        let vctx = ValidationContext {
            plan: self.ctx.plan,
            default_unit: self.default_unit,
        };
        let mut input = BTreeMap::new();
        for c in &self.columns {
            let text = row.cells.get(c.index).cloned().unwrap_or_default();
            input.insert(
                c.field.key.to_string(),
                FieldInput {
                    text,
                    in_wan: c.in_wan,
                },
            );
        }
        match validate(kind, &input, &vctx) {
            Ok(valid) => {
                if let Some(actor) = self.ctx.actor {
                    if !actor.can_create(kind, &valid.reporting_unit)
                        || !actor.names_own_unit(kind, &valid.fields)
                    {
                        errors.push(RowError {
                            file: file.to_string(),
                            row: row.number,
                            column: self.col_of("reporting_unit").unwrap_or_default(),
                            field: "reporting_unit".into(),
                            value: valid.reporting_unit.clone(),
                            zh: format!(
                                "用户 {} 不能为「{}」填报{}",
                                actor.username,
                                valid.reporting_unit,
                                kind.label_zh()
                            ),
                            en: format!(
                                "user {} may not report {} for {}",
                                actor.username,
                                kind.key(),
                                valid.reporting_unit
                            ),
                        });
                        return None;
                    }
                }
                // The same rule as forms and the API: only the payee's confirmation (or a
                // coordinator) sets the receipt date; `None` is the administrator's bulk path.
                if let Err(r) = duikou_domain::receipt::may_enter(
                    self.ctx.actor,
                    kind,
                    None,
                    valid.get("received_on"),
                ) {
                    errors.push(RowError {
                        file: file.to_string(),
                        row: row.number,
                        column: self.col_of("received_on").unwrap_or_default(),
                        field: "received_on".into(),
                        value: valid
                            .get("received_on")
                            .map(|v| v.display())
                            .unwrap_or_default(),
                        zh: format!("{}；请留空，由接收单位确认到账", r.zh),
                        en: format!("{}; leave it empty for the payee to confirm", r.en),
                    });
                    return None;
                }
                Some(new_record(valid, self.ctx.plan, self.ctx.key))
            }
            Err(field_errors) => {
                for fe in field_errors {
                    errors.push(RowError {
                        file: file.to_string(),
                        row: row.number,
                        column: self.col_of(&fe.field).unwrap_or_default(),
                        field: fe.field,
                        value: fe.value,
                        zh: fe.zh,
                        en: fe.en,
                    });
                }
                None
            }
        }
    }

    /// A row repeating the natural key of an earlier row (`first`, e.g. "第 5 行" /
    /// "row 5") with different content.
    fn duplicate(&self, file: &str, row: usize, first_zh: &str, first_en: &str) -> RowError {
        RowError {
            file: file.to_string(),
            row,
            column: self.key_column(),
            field: String::new(),
            value: String::new(),
            zh: format!("与{first_zh}重复但内容不同（{}）", duplicate_zh(self.kind)),
            en: format!(
                "duplicates {first_en} with different content ({})",
                duplicate_en(self.kind)
            ),
        }
    }
}

/// The spreadsheet row the header errors name: the row before the first data row.
fn header_row_of(first_data_row: Option<usize>) -> usize {
    first_data_row
        .map(|n| n.saturating_sub(1))
        .unwrap_or(1)
        .max(1)
}

fn no_data_rows(file: &str) -> RowError {
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

fn duplicate_zh(kind: RecordKind) -> &'static str {
    if kind.is(BuiltinKind::Transfer) {
        "同一拨付单位的凭证号必须唯一"
    } else {
        "同一人员同一类别同一开始日期"
    }
}
fn duplicate_en(kind: RecordKind) -> &'static str {
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

fn stored_conflict(file: &str, row: usize, kind: RecordKind) -> RowError {
    RowError {
        file: file.to_string(),
        row,
        column: String::new(),
        field: if kind.is(BuiltinKind::Transfer) {
            "voucher_no".into()
        } else {
            "id_number".into()
        },
        value: String::new(),
        zh: format!("系统中已有相同键的不同记录（{}）", duplicate_zh(kind)),
        en: format!(
            "a different record with the same key is already stored ({})",
            duplicate_en(kind)
        ),
    }
}

// ------------------------------------------------------------------ streamed import

/// One checked row on its way to the database.
pub struct PreparedRow {
    /// The file (and sheet, on a continuation sheet) as errors name it.
    pub file: Arc<str>,
    pub row: usize,
    pub record: NewRecord,
}

/// Where a row is, as one number ordered like the file: the label's index (the file,
/// then each continuation sheet) above the row number.
fn position(label: u32, row: usize) -> u64 {
    (u64::from(label) << 32)
        | u64::try_from(row)
            .unwrap_or(u64::MAX)
            .min(u64::from(u32::MAX))
}

/// The natural keys seen so far, compactly: 72 bits of a hash of the key (the bucket
/// is 8 of them), 32 bits of a hash of the record's data and the row's [`position`]:
/// 20 bytes a row, never the key or the record, and kept in a temporary file
/// (by bucket, in blocks of 4 KiB), so memory stays at a block per bucket whatever the
/// number of rows. At the end each bucket (1/256 of the rows) is read back and sorted.
/// A natural key is an ID number's blind index (or a voucher number) with a programme
/// and a date; a false match of two keys has a chance of about n² / 2⁷³ (10⁻⁹ for 3.6
/// million rows). Data compared by hash only reports a repeat with different content;
/// whether a repeat is written is decided on the exact data in the database.
struct DupIndex {
    /// None: the temporary file could not be made; everything stays in memory.
    file: Option<std::fs::File>,
    pending: Vec<Vec<DupEntry>>,
    /// Offsets of each bucket's blocks in the file.
    blocks: Vec<Vec<u64>>,
    end: u64,
    failed: Option<std::io::Error>,
}

type DupEntry = (u64, u32, u64);
const DUP_BLOCK: usize = 256;
const DUP_ENTRY_BYTES: usize = 20;

impl DupIndex {
    fn new() -> Self {
        DupIndex {
            file: tempfile::tempfile().ok(),
            pending: (0..256).map(|_| Vec::with_capacity(DUP_BLOCK)).collect(),
            blocks: vec![Vec::new(); 256],
            end: 0,
            failed: None,
        }
    }

    fn push(&mut self, key: &str, data: &str, seq: u64) {
        let k = Sha256::digest(key.as_bytes());
        let d = Sha256::digest(data.as_bytes());
        let b = k[0] as usize;
        self.pending[b].push((
            u64::from_le_bytes(k[1..9].try_into().expect("8 bytes")),
            u32::from_le_bytes(d[..4].try_into().expect("4 bytes")),
            seq,
        ));
        if self.pending[b].len() == DUP_BLOCK && self.failed.is_none() {
            if let Some(file) = &mut self.file {
                use std::io::Write;
                let mut bytes = Vec::with_capacity(DUP_BLOCK * DUP_ENTRY_BYTES);
                for &(key, data, seq) in &self.pending[b] {
                    bytes.extend_from_slice(&key.to_le_bytes());
                    bytes.extend_from_slice(&data.to_le_bytes());
                    bytes.extend_from_slice(&seq.to_le_bytes());
                }
                match file.write_all(&bytes) {
                    Ok(()) => {
                        self.blocks[b].push(self.end);
                        self.end += bytes.len() as u64;
                        self.pending[b].clear();
                    }
                    Err(e) => self.failed = Some(e),
                }
            }
        }
    }

    /// (row, first row) for every row repeating an earlier row's key with different
    /// content, in file order.
    fn conflicting_repeats(self) -> std::io::Result<Vec<(u64, u64)>> {
        use std::os::unix::fs::FileExt;
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut out = Vec::new();
        let mut block = vec![0u8; DUP_BLOCK * DUP_ENTRY_BYTES];
        for (offsets, pending) in self.blocks.into_iter().zip(self.pending) {
            let mut bucket: Vec<DupEntry> =
                Vec::with_capacity(offsets.len() * DUP_BLOCK + pending.len());
            if let Some(file) = &self.file {
                for at in offsets {
                    file.read_exact_at(&mut block, at)?;
                    bucket.extend(block.chunks_exact(DUP_ENTRY_BYTES).map(|e| {
                        (
                            u64::from_le_bytes(e[..8].try_into().expect("8 bytes")),
                            u32::from_le_bytes(e[8..12].try_into().expect("4 bytes")),
                            u64::from_le_bytes(e[12..].try_into().expect("8 bytes")),
                        )
                    }));
                }
            }
            bucket.extend(pending);
            bucket.sort_unstable_by_key(|&(key, _, seq)| (key, seq));
            for group in bucket.chunk_by(|a, b| a.0 == b.0) {
                let (_, first_data, first) = group[0];
                for &(_, data, seq) in &group[1..] {
                    if data != first_data {
                        out.push((seq, first));
                    }
                }
            }
        }
        out.sort_unstable();
        Ok(out)
    }
}

/// What reading the file found.
struct Reading {
    table_error: Option<TableError>,
    /// Problems in the file (headers, or rows), in file order.
    errors: Problems,
    /// Rows read (all valid when there are no errors).
    rows: usize,
}

/// Reads the file's rows (on a blocking thread), checks them and hands chunks of valid
/// records to the writer while the file has shown no problem.
struct Producer<'a> {
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

    fn label(&mut self, sheet: Option<&Arc<str>>) -> u32 {
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

    fn finish(mut self, read: Result<Option<String>, TableError>) -> Reading {
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
            };
        }
        let Some(checker) = checker else {
            return Reading {
                table_error: None,
                errors: vec![no_data_rows(&file)].into(),
                rows,
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

/// Why a streamed import wrote nothing.
#[derive(Debug)]
pub enum ImportFailure {
    /// The file is not a readable table.
    Table(TableError),
    /// Problems in the rows (or headers): the first of them and the count of all.
    Rows(Problems),
    /// The database refused or failed (including: the file was already imported).
    Record(RecordError),
    /// The file changed while it was read.
    Changed,
}

impl From<RecordError> for ImportFailure {
    fn from(e: RecordError) -> Self {
        ImportFailure::Record(e)
    }
}

impl From<duikou_storage::StoreError> for ImportFailure {
    fn from(e: duikou_storage::StoreError) -> Self {
        ImportFailure::Record(RecordError::Store(e))
    }
}

/// What a streamed import did.
#[derive(Debug)]
pub enum Imported {
    Written(ImportOutcome),
    /// A dry run: `rows` valid rows, `existing` of them already stored.
    Checked {
        rows: usize,
        existing: usize,
    },
}

/// A file to import from disk.
pub struct ImportJob {
    pub kind: RecordKind,
    pub path: PathBuf,
    /// How messages name the file.
    pub file_name: String,
    /// The file's [`crate::tabular::scan_file`], taken before (its SHA-256 identifies the import).
    pub scan: FileScan,
    pub status: Status,
    /// Who imports, as the audit trail names them.
    pub actor_name: String,
    /// Check only: write nothing.
    pub dry_run: bool,
}

/// Import a file of any size, all or nothing, holding a chunk of rows at a time.
///
/// One transaction (holding the audit head) is opened first; a blocking thread reads
/// and checks the rows while this task writes them in chunks of
/// [`IMPORT_CHUNK_ROWS`]: records with a natural key already stored are skipped (or,
/// with different content, refused), repeats within the file kept once. Once any
/// problem is seen nothing more is written but the whole file is still read, so that
/// every problem is reported; then the transaction is rolled back. Memory: a few
/// chunks plus 16 bytes per row with a natural key (see `DupIndex`). The file is hashed
/// again at the end: had it changed since `job.scan`, nothing is written.
pub async fn import_file(
    store: &Store,
    plan: Arc<Plan>,
    key: SecretKey,
    actor: Option<Actor>,
    job: ImportJob,
    progress: impl Fn(usize),
) -> Result<Imported, ImportFailure> {
    let kind = job.kind;
    let mut session = store
        .begin_import(
            &ImportFile {
                kind,
                file_name: &job.file_name,
                sha256: &job.scan.sha256,
            },
            job.status,
            &job.actor_name,
            !job.dry_run,
        )
        .await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<PreparedRow>>(2);
    let (path, file_name, scan) = (job.path.clone(), job.file_name.clone(), job.scan.clone());
    let reader = tokio::task::spawn_blocking(move || {
        let ctx = PrepareContext {
            plan: &plan,
            key: &key,
            actor: actor.as_ref(),
        };
        let file: Arc<str> = Arc::from(file_name.as_str());
        let mut producer = Producer {
            kind,
            ctx: &ctx,
            file: file.clone(),
            headers: Vec::new(),
            checker: None,
            headers_broken: false,
            unknown: Vec::new(),
            nonempty: Vec::new(),
            errors: Vec::new(),
            unlisted: 0,
            dups: DupIndex::new(),
            labels: vec![file],
            part: None,
            rows: 0,
            first_row: None,
            clean: true,
            chunk: Vec::with_capacity(IMPORT_CHUNK_ROWS),
            tx,
            closed: false,
        };
        let read = crate::tabular::stream_file(
            &path,
            &file_name,
            &[kind.key(), kind.label_zh()],
            &scan,
            &mut producer,
        );
        producer.finish(read)
    });
    let mut conflicts = Problems::new();
    // Repeats whose content differs, found exactly (the reader finds them by hash).
    let mut repeats = Problems::new();
    let mut existing = 0usize;
    let mut seen = 0usize;
    while let Some(chunk) = rx.recv().await {
        seen += chunk.len();
        let keys: Vec<&str> = chunk
            .iter()
            .filter_map(|r| r.record.natural_key.as_deref())
            .collect();
        let found = session.stored(&keys).await?;
        // Keys first met in this chunk: index of the row.
        let mut here: HashMap<&str, usize> = HashMap::new();
        let mut new: Vec<&NewRecord> = Vec::with_capacity(chunk.len());
        for (i, r) in chunk.iter().enumerate() {
            let Some(k) = r.record.natural_key.as_deref() else {
                new.push(&r.record);
                continue;
            };
            if let Some(stored) = found.get(k) {
                let same = stored.data == r.record.valid.fields_json_text();
                if stored.this_import {
                    if !same {
                        repeats.push(repeat_error(kind, r));
                    }
                } else {
                    existing += 1;
                    if !same {
                        conflicts.push(stored_conflict(&r.file, r.row, kind));
                    }
                }
                session.skip(1);
                continue;
            }
            match here.get(k) {
                Some(&first) => {
                    if chunk[first].record.valid.fields_json_text()
                        != r.record.valid.fields_json_text()
                    {
                        repeats.push(repeat_error(kind, r));
                    }
                    session.skip(1);
                }
                None => {
                    here.insert(k, i);
                    new.push(&r.record);
                }
            }
        }
        if conflicts.is_empty() && repeats.is_empty() {
            session.insert(&new).await?;
        }
        progress(seen);
    }
    let reading = reader.await.map_err(|e| {
        ImportFailure::Table(TableError::Unreadable {
            file: job.file_name.clone(),
            detail: e.to_string(),
        })
    })?;
    if let Some(e) = reading.table_error {
        return Err(ImportFailure::Table(e));
    }
    for errors in [reading.errors, repeats, conflicts] {
        if !errors.is_empty() {
            return Err(ImportFailure::Rows(errors));
        }
    }
    let path = job.path.clone();
    let again = tokio::task::spawn_blocking(move || crate::tabular::scan_file(&path))
        .await
        .ok()
        .and_then(|r| r.ok());
    if again.as_ref().map(|s| &s.sha256) != Some(&job.scan.sha256) {
        return Err(ImportFailure::Changed);
    }
    if job.dry_run {
        return Ok(Imported::Checked {
            rows: reading.rows,
            existing,
        });
    }
    Ok(Imported::Written(session.finish(reading.rows).await?))
}

/// A repeat of an earlier row's key with different content, found in the database
/// (the reader's hashes missed it): the earlier row is not named.
fn repeat_error(kind: RecordKind, r: &PreparedRow) -> RowError {
    RowError {
        file: r.file.to_string(),
        row: r.row,
        column: String::new(),
        field: if kind.is(BuiltinKind::Transfer) {
            "voucher_no".into()
        } else {
            "id_number".into()
        },
        value: String::new(),
        zh: format!("与本文件前面的一行重复但内容不同（{}）", duplicate_zh(kind)),
        en: format!(
            "duplicates an earlier row of this file with different content ({})",
            duplicate_en(kind)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_found_across_spilled_blocks_and_sheets() {
        let mut d = DupIndex::new();
        assert!(d.file.is_some(), "the keys go to a temporary file");
        for i in 0..100_000usize {
            d.push(&format!("k{i}"), "same", position(0, i + 2));
        }
        // The same content again (kept once, not a problem), other content, and other
        // content on a continuation sheet.
        d.push("k7", "same", position(0, 100_002));
        d.push("k8", "other", position(0, 100_003));
        d.push("k99999", "other", position(1, 2));
        assert!(
            d.blocks.iter().all(|b| !b.is_empty()),
            "blocks were written"
        );
        assert_eq!(
            d.conflicting_repeats().unwrap(),
            vec![
                (position(0, 100_003), position(0, 10)),
                (position(1, 2), position(0, 100_001)),
            ]
        );
    }
}
