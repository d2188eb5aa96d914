//! Read an import file (.csv or .xlsx) into rows of trimmed text.
//!
//! This module knows nothing about record kinds: it finds the header row,
//! checks that the headers are usable, and hands back every non-blank row
//! with the row number the user sees in the spreadsheet: all at once in a
//! [`Table`] ([`read_table_bytes`], for uploads), or one by one as the file is
//! read ([`stream_file`], for files of any size: memory stays bounded).

use std::collections::HashMap;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, SheetType, SheetVisible, Xlsx};
use duikou_domain::cells;

/// One sheet (or CSV file) as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub file_name: String,
    /// The sheet that was read (xlsx only).
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// One non-blank data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based row number as the user sees it in the spreadsheet; the header
    /// is normally row 1.
    pub number: usize,
    /// Same length as `Table::headers`, trimmed; empty string for empty.
    pub cells: Vec<String>,
}

/// Why an import file could not be read. Every message exists in Chinese
/// ([`TableError::zh`]) and English ([`TableError::en`]) and names the file;
/// `Display` prints `zh / en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} / {}", self.zh(), self.en())]
pub enum TableError {
    /// The file could not be opened or is not a well-formed CSV/xlsx file.
    Unreadable { file: String, detail: String },
    /// Neither `.csv` nor `.xlsx`.
    UnsupportedExtension { file: String },
    /// A CSV file that is neither UTF-8 nor GB18030.
    Encoding { file: String },
    /// No non-blank row at all.
    NoHeader { file: String, sheet: Option<String> },
    /// A column with values but an empty header cell.
    EmptyHeader {
        file: String,
        sheet: Option<String>,
        /// Column letter, e.g. `C`.
        column: String,
        /// First row with a value in that column.
        row: usize,
    },
    /// Two columns with the same header.
    DuplicateHeader {
        file: String,
        sheet: Option<String>,
        header: String,
        first_column: String,
        second_column: String,
    },
    /// A row with values to the right of the last header.
    TooManyCells {
        file: String,
        sheet: Option<String>,
        row: usize,
        /// Letter of the right-most column holding a value in that row.
        last_column: String,
        headers: usize,
    },
    /// An xlsx workbook without any worksheet.
    NoSheets { file: String },
    /// A continuation sheet (「人员名单（2）」) whose header row differs from the first sheet's.
    SheetHeadersDiffer {
        file: String,
        sheet: String,
        first_sheet: String,
    },
    /// The file is larger than allowed.
    TooLarge { file: String, size: u64, limit: u64 },
    /// An .xlsx that would expand beyond the limits when unpacked or read (a zip
    /// bomb, or a sheet with cells spread over millions of rows and columns).
    Expands {
        file: String,
        zh_detail: String,
        en_detail: String,
    },
    /// A cell whose value cannot be turned into text (`#N/A`, an impossible date…).
    BadCell {
        file: String,
        sheet: Option<String>,
        /// Cell reference, e.g. `C5`.
        cell: String,
        zh_detail: String,
        en_detail: String,
    },
}

fn where_zh(file: &str, sheet: &Option<String>) -> String {
    match sheet {
        Some(s) => format!("文件 {file} 工作表「{s}」"),
        None => format!("文件 {file}"),
    }
}

fn where_en(file: &str, sheet: &Option<String>) -> String {
    match sheet {
        Some(s) => format!("file {file}, sheet \"{s}\""),
        None => format!("file {file}"),
    }
}

impl TableError {
    /// The message in Chinese.
    pub fn zh(&self) -> String {
        use TableError::*;
        match self {
            Unreadable { file, detail } => format!("无法读取文件 {file}：{detail}"),
            UnsupportedExtension { file } => {
                format!("不支持的文件类型：{file}（应为 .xlsx 或 .csv 文件）")
            }
            Encoding { file } => {
                format!("文件 {file} 的编码无法识别（应为 UTF-8 或 GB18030/GBK）")
            }
            NoHeader { file, sheet } => {
                format!("{} 没有表头行（第一行应为列名）", where_zh(file, sheet))
            }
            EmptyHeader {
                file,
                sheet,
                column,
                row,
            } => format!(
                "{} {column} 列没有列名，但第 {row} 行该列有内容",
                where_zh(file, sheet)
            ),
            DuplicateHeader {
                file,
                sheet,
                header,
                first_column,
                second_column,
            } => format!(
                "{} 列名「{header}」重复（{first_column} 列和 {second_column} 列）",
                where_zh(file, sheet)
            ),
            TooManyCells {
                file,
                sheet,
                row,
                last_column,
                headers,
            } => format!(
                "{} 第 {row} 行的单元格多于表头：表头只有 {headers} 列，该行直到 {last_column} 列都有内容",
                where_zh(file, sheet)
            ),
            NoSheets { file } => format!("文件 {file} 中没有工作表"),
            SheetHeadersDiffer {
                file,
                sheet,
                first_sheet,
            } => {
                format!("文件 {file} 工作表「{sheet}」接续工作表「{first_sheet}」，但表头与其不同")
            }
            TooLarge { file, size, limit } => {
                format!("文件 {file} 过大（{size} 字节，上限 {limit} 字节）")
            }
            Expands {
                file, zh_detail, ..
            } => {
                format!("文件 {file} 解压或读取后过大，拒绝读取：{zh_detail}")
            }
            BadCell {
                file,
                sheet,
                cell,
                zh_detail,
                ..
            } => format!(
                "{} 单元格 {cell} 的值无法读取：{zh_detail}",
                where_zh(file, sheet)
            ),
        }
    }

    /// The message in English.
    pub fn en(&self) -> String {
        use TableError::*;
        match self {
            Unreadable { file, detail } => format!("cannot read file {file}: {detail}"),
            UnsupportedExtension { file } => {
                format!("unsupported file type: {file} (expected an .xlsx or .csv file)")
            }
            Encoding { file } => {
                format!("file {file} is neither valid UTF-8 nor GB18030/GBK text")
            }
            NoHeader { file, sheet } => format!(
                "{} has no header row (the first row must hold the column names)",
                where_en(file, sheet)
            ),
            EmptyHeader {
                file,
                sheet,
                column,
                row,
            } => format!(
                "{}: column {column} has no header but row {row} has a value in it",
                where_en(file, sheet)
            ),
            DuplicateHeader {
                file,
                sheet,
                header,
                first_column,
                second_column,
            } => format!(
                "{}: duplicate header \"{header}\" (columns {first_column} and {second_column})",
                where_en(file, sheet)
            ),
            TooManyCells {
                file,
                sheet,
                row,
                last_column,
                headers,
            } => format!(
                "{}: row {row} has more cells than headers: there are {headers} header columns but the row has values up to column {last_column}",
                where_en(file, sheet)
            ),
            NoSheets { file } => format!("file {file} contains no worksheet"),
            SheetHeadersDiffer {
                file,
                sheet,
                first_sheet,
            } => format!(
                "file {file}: sheet \"{sheet}\" continues sheet \"{first_sheet}\" but its header row differs"
            ),
            TooLarge { file, size, limit } => {
                format!("file {file} is too large ({size} bytes, the limit is {limit} bytes)")
            }
            Expands {
                file, en_detail, ..
            } => {
                format!(
                    "file {file} would be too large once unpacked or read; refused: {en_detail}"
                )
            }
            BadCell {
                file,
                sheet,
                cell,
                en_detail,
                ..
            } => format!(
                "{}: cannot read the value of cell {cell}: {en_detail}",
                where_en(file, sheet)
            ),
        }
    }
}

enum Kind {
    Csv,
    Xlsx,
}

fn kind_of(file_name: &str) -> Result<Kind, TableError> {
    let ext = Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("csv") => Ok(Kind::Csv),
        Some("xlsx") => Ok(Kind::Xlsx),
        _ => Err(TableError::UnsupportedExtension {
            file: file_name.to_owned(),
        }),
    }
}

/// Read an import file from disk into memory; refuse files larger than `max_bytes`.
pub fn read_table(
    path: &Path,
    preferred_sheets: &[&str],
    max_bytes: u64,
) -> Result<Table, TableError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    kind_of(&file_name)?;
    let unreadable = |e: std::io::Error| TableError::Unreadable {
        file: file_name.clone(),
        detail: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    let too_large = |size| TableError::TooLarge {
        file: file_name.clone(),
        size,
        limit: max_bytes,
    };
    if size > max_bytes {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    read_table_bytes(&file_name, &bytes, preferred_sheets)
}

/// Read an uploaded file's bytes; the kind is chosen by the extension of
/// `file_name` (`.csv` or `.xlsx`, any case). The whole table is kept in memory, under
/// the in-memory limits (`MAX_XLSX_UNPACKED_BYTES`, `MAX_XLSX_CELLS`); only the chosen
/// sheet of a workbook is read.
pub fn read_table_bytes(
    file_name: &str,
    bytes: &[u8],
    preferred_sheets: &[&str],
) -> Result<Table, TableError> {
    let mut collect = Collect::default();
    let sheet = match kind_of(file_name)? {
        Kind::Csv => {
            let utf8 = std::str::from_utf8(strip_bom_bytes(bytes)).is_ok();
            stream_csv(file_name, bytes, utf8, &IN_MEMORY, &mut collect)?
        }
        Kind::Xlsx => stream_xlsx(
            file_name,
            Cursor::new(bytes),
            preferred_sheets,
            &IN_MEMORY,
            &mut collect,
        )?,
    };
    Ok(Table {
        file_name: file_name.to_owned(),
        sheet,
        headers: collect.headers,
        rows: collect.rows,
    })
}

/// What the rows of a file are handed to as they are read ([`stream_file`]).
pub trait RowSink {
    /// The header row's column names (as [`Table::headers`]), before any data row.
    fn headers(&mut self, headers: &[String]);
    /// One non-blank data row, cells as in [`Table::rows`]. `sheet` is `None` for a CSV
    /// file and the workbook's chosen sheet, and names the sheet of a continuation sheet
    /// (see [`stream_file`]). Return false to stop reading.
    fn row(&mut self, sheet: Option<&Arc<str>>, row: Row) -> bool;
}

#[derive(Default)]
struct Collect {
    headers: Vec<String>,
    rows: Vec<Row>,
}

impl RowSink for Collect {
    fn headers(&mut self, headers: &[String]) {
        self.headers = headers.to_vec();
    }
    fn row(&mut self, _sheet: Option<&Arc<str>>, row: Row) -> bool {
        self.rows.push(row);
        true
    }
}

/// A file read once before it is streamed: its SHA-256, size and encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileScan {
    pub sha256: String,
    pub size: u64,
    /// The whole file is valid UTF-8 (a CSV file that is not is read as GB18030).
    pub utf8: bool,
}

/// Hash a file and check its encoding in one read, holding 1 MiB of it at a time.
pub fn scan_file(path: &Path) -> std::io::Result<FileScan> {
    use sha2::Digest;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    // The bytes of a UTF-8 sequence cut by the end of the previous read.
    let mut carry: Vec<u8> = Vec::new();
    let mut utf8 = true;
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        size += n as u64;
        hasher.update(&buf[..n]);
        if utf8 {
            let mut joined;
            let data: &[u8] = if carry.is_empty() {
                &buf[..n]
            } else {
                joined = std::mem::take(&mut carry);
                joined.extend_from_slice(&buf[..n]);
                &joined
            };
            match std::str::from_utf8(data) {
                Ok(_) => carry.clear(),
                Err(e) if e.error_len().is_none() => carry = data[e.valid_up_to()..].to_vec(),
                Err(_) => utf8 = false,
            }
        }
    }
    Ok(FileScan {
        sha256: hex::encode(hasher.finalize()),
        size,
        utf8: utf8 && carry.is_empty(),
    })
}

/// Read an import file from disk row by row, handing each to `sink` as it is read:
/// memory stays bounded whatever the file's size. `file_name` names the file in
/// messages and chooses the kind by its extension; `scan` is the file's [`scan_file`]
/// (for the encoding of a CSV file).
///
/// The header and every row are checked as [`read_table_bytes`] checks them, with the
/// same errors; a structural error (an empty or duplicate header, a row wider than the
/// header) is known for sure only at the end, so rows stop being handed on once one is
/// found and the error is returned after the whole file was read. A workbook's chosen
/// sheet is followed by its continuation sheets, as `duikou export` writes more than
/// 1,048,575 rows: 「人员名单（2）」, 「人员名单（3）」… with the same header row.
/// Returns the chosen sheet's name (xlsx).
pub fn stream_file(
    path: &Path,
    file_name: &str,
    preferred_sheets: &[&str],
    scan: &FileScan,
    sink: &mut impl RowSink,
) -> Result<Option<String>, TableError> {
    let kind = kind_of(file_name)?;
    let file = std::fs::File::open(path).map_err(|e| TableError::Unreadable {
        file: file_name.to_owned(),
        detail: e.to_string(),
    })?;
    let file = std::io::BufReader::with_capacity(1 << 18, file);
    match kind {
        Kind::Csv => stream_csv(file_name, file, scan.utf8, &STREAMED, sink),
        Kind::Xlsx => stream_xlsx(file_name, file, preferred_sheets, &STREAMED, sink),
    }
}

/// Limits of one way of reading.
struct Limits {
    /// Worksheet parts are inflated once to check their size before parsing, and count
    /// in `MAX_XLSX_UNPACKED_BYTES` (in memory); or, streamed, they are only parsed
    /// (each at most `MAX_STREAMED_SHEET_BYTES` as declared) and the limit holds for the
    /// other parts, which the xlsx reader keeps in memory.
    verify_sheets: bool,
    /// The most non-empty cells read from one sheet.
    cells: usize,
    /// Read the continuation sheets after the chosen one.
    continuation: bool,
    /// The longest CSV row, in bytes.
    csv_row_bytes: u64,
}

const IN_MEMORY: Limits = Limits {
    verify_sheets: true,
    cells: MAX_XLSX_CELLS,
    continuation: false,
    csv_row_bytes: u64::MAX,
};

const STREAMED: Limits = Limits {
    verify_sheets: false,
    cells: MAX_STREAMED_XLSX_CELLS,
    continuation: true,
    csv_row_bytes: MAX_CSV_ROW_BYTES,
};

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn strip_bom_bytes(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// Why reading a CSV stream failed, carried through the csv reader as an I/O error.
#[derive(Debug)]
enum ReadFailure {
    /// Not GB18030 either.
    Encoding,
    /// A row longer than the limit: its row number.
    RowTooLong(u64),
}

impl std::fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for ReadFailure {}

fn failure(e: ReadFailure) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e)
}

/// GB18030 text decoded to UTF-8 as it is read; undecodable bytes are an error.
struct Gb18030Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    done: bool,
}

impl<R: Read> Gb18030Reader<R> {
    fn new(inner: R) -> Self {
        Gb18030Reader {
            inner,
            decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(),
            input: vec![0; 1 << 16],
            in_start: 0,
            in_end: 0,
            eof: false,
            output: vec![0; 1 << 17],
            out_start: 0,
            out_end: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Gb18030Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            match result {
                encoding_rs::DecoderResult::InputEmpty => self.done = self.eof,
                encoding_rs::DecoderResult::OutputFull => {}
                encoding_rs::DecoderResult::Malformed(..) => {
                    return Err(failure(ReadFailure::Encoding));
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum CsvState {
    CellStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

const RING: usize = 1 << 18;
const CSV_BUFFER: usize = 1 << 16;

/// Passes the (UTF-8) text to the csv reader and finds, on the way, the line breaks
/// that end spreadsheet rows (`\n`, `\r`, or the `\r` of `\r\n`), skipping breaks
/// inside quoted cells. Follows the csv crate's quoting rules: a quote opens a quoted
/// cell only at the start of a cell, `""` inside quotes is a literal quote. The csv
/// crate skips blank lines and counts line breaks inside quoted cells, so row numbers
/// come from here. The last `RING` bytes are kept to look at a record's terminator.
struct RowEnds<R> {
    inner: R,
    /// Bytes passed on so far.
    pos: u64,
    state: CsvState,
    /// The previous byte was a row-ending `\r`: a `\n` right after it is part of it.
    after_cr: bool,
    /// Offsets of row ends not yet counted by `row_number`.
    ends: std::collections::VecDeque<u64>,
    counted: u64,
    ends_seen: u64,
    row_start: u64,
    max_row: u64,
    ring: Vec<u8>,
}

impl<R: Read> RowEnds<R> {
    fn new(inner: R, max_row: u64) -> Self {
        RowEnds {
            inner,
            pos: 0,
            state: CsvState::CellStart,
            after_cr: false,
            ends: std::collections::VecDeque::new(),
            counted: 0,
            ends_seen: 0,
            row_start: 0,
            max_row,
            ring: vec![0; RING],
        }
    }

    fn byte(&self, at: u64) -> Option<u8> {
        (at < self.pos && self.pos - at <= RING as u64).then(|| self.ring[at as usize % RING])
    }

    /// The spreadsheet row number of the record that ends at byte `consumed` (the csv
    /// reader's position after it).
    fn row_number(&mut self, consumed: u64) -> usize {
        let mut last = consumed.saturating_sub(1);
        if last > 0 && self.byte(last) == Some(b'\n') && self.byte(last - 1) == Some(b'\r') {
            last -= 1;
        }
        while let Some(&end) = self.ends.front() {
            if end >= last {
                break;
            }
            self.ends.pop_front();
            self.counted += 1;
        }
        usize::try_from(1 + self.counted).unwrap_or(usize::MAX)
    }
}

impl<R: Read> Read for RowEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        // Keep the bytes in the ring (at most RING of them matter).
        let data = &buf[..n];
        let keep = &data[n.saturating_sub(RING)..];
        let mut at = (self.pos + (n - keep.len()) as u64) as usize % RING;
        let mut rest = keep;
        while !rest.is_empty() {
            let k = rest.len().min(RING - at);
            self.ring[at..at + k].copy_from_slice(&rest[..k]);
            rest = &rest[k..];
            at = (at + k) % RING;
        }
        for (i, &b) in data.iter().enumerate() {
            let abs = self.pos + i as u64;
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    self.row_start = abs + 1;
                    continue;
                }
            }
            let is_break = b == b'\n' || b == b'\r';
            self.state = match (self.state, b) {
                (CsvState::Quoted, b'"') => CsvState::QuoteInQuoted,
                (CsvState::Quoted, _) => CsvState::Quoted,
                (CsvState::QuoteInQuoted, b'"') => CsvState::Quoted,
                (CsvState::CellStart, b'"') => CsvState::Quoted,
                (_, b',') => CsvState::CellStart,
                _ if is_break => {
                    self.ends.push_back(abs);
                    self.ends_seen += 1;
                    self.row_start = abs + 1;
                    self.after_cr = b == b'\r';
                    CsvState::CellStart
                }
                _ => CsvState::Unquoted,
            };
            if abs >= self.row_start.saturating_add(self.max_row) {
                self.pos += i as u64 + 1;
                return Err(failure(ReadFailure::RowTooLong(self.ends_seen + 1)));
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// A reader without the UTF-8 byte-order mark its bytes may start with.
fn without_bom<R: Read>(mut r: R) -> std::io::Result<impl Read> {
    let mut head = [0u8; 3];
    let mut n = 0;
    while n < 3 {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = if head[..n] == *BOM {
        Vec::new()
    } else {
        head[..n].to_vec()
    };
    Ok(Cursor::new(head).chain(r))
}

fn stream_csv<R: Read>(
    file_name: &str,
    input: R,
    utf8: bool,
    limits: &Limits,
    sink: &mut (impl RowSink + ?Sized),
) -> Result<Option<String>, TableError> {
    let unreadable = |detail: String| TableError::Unreadable {
        file: file_name.to_owned(),
        detail,
    };
    let input = without_bom(input).map_err(|e| unreadable(e.to_string()))?;
    let text: Box<dyn Read + '_> = if utf8 {
        Box::new(input)
    } else {
        Box::new(Gb18030Reader::new(input))
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(CSV_BUFFER)
        .from_reader(RowEnds::new(text, limits.csv_row_bytes));
    let mut shaper = Shaper::new(file_name, None, sink);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let failed = match e.kind() {
                    csv::ErrorKind::Io(io) => io
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<ReadFailure>()),
                    _ => None,
                };
                return Err(match failed {
                    Some(ReadFailure::Encoding) => TableError::Encoding {
                        file: file_name.to_owned(),
                    },
                    Some(ReadFailure::RowTooLong(row)) => TableError::Expands {
                        file: file_name.to_owned(),
                        zh_detail: format!(
                            "第 {row} 行超过 {} MB",
                            limits.csv_row_bytes / 1024 / 1024
                        ),
                        en_detail: format!(
                            "row {row} is longer than {} MB",
                            limits.csv_row_bytes / 1024 / 1024
                        ),
                    },
                    None => unreadable(e.to_string()),
                });
            }
        }
        // The reader has consumed the record and (part of) its terminator.
        let consumed = reader.position().byte();
        let number = reader.get_mut().row_number(consumed);
        if record.iter().any(|c| !c.trim().is_empty()) {
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
            shaper.raw_row(number, cells)?;
            if shaper.stopped {
                break;
            }
        }
    }
    shaper.finish()?;
    Ok(None)
}

/// The most parts an .xlsx may have (a real workbook has a few dozen).
pub const MAX_XLSX_ENTRIES: u64 = 1_000;
/// The most all parts of an .xlsx may hold once unpacked, read into memory; streamed
/// ([`stream_file`]), the most its parts other than worksheets may hold.
pub const MAX_XLSX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// The most non-empty cells read from one sheet into memory.
pub const MAX_XLSX_CELLS: usize = 5_000_000;
/// The most non-empty cells streamed from one sheet: Excel's 1,048,576 rows × 64 columns.
pub const MAX_STREAMED_XLSX_CELLS: usize = 1_048_576 * 64;
/// The most one worksheet part of a streamed .xlsx may declare once unpacked.
pub const MAX_STREAMED_SHEET_BYTES: u64 = 8 * 1024 * 1024 * 1024;
/// The right-most column a value may be in (column IV); import files have a few dozen.
pub const MAX_XLSX_COLUMNS: u32 = 256;
/// The longest row of a streamed CSV file.
pub const MAX_CSV_ROW_BYTES: u64 = 1024 * 1024;
/// The most a part may unpack to per byte it takes in the archive. Real worksheets
/// deflate about 5 to 30 times; a bomb (one cell, or one row, repeated) about 1,000
/// times. Apache POI refuses the same ratio (`ZipSecureFile.MIN_INFLATE_RATIO` 0.01).
pub const MAX_XLSX_INFLATE_RATIO: u64 = 100;
/// Parts up to this size may deflate better than [`MAX_XLSX_INFLATE_RATIO`] (a tiny
/// part of repeated markup does).
pub const XLSX_RATIO_GRACE_BYTES: u64 = 1024 * 1024;

/// The number of entries an archive's end-of-central-directory record (and its zip64
/// record, if any) declares, read without parsing the directory itself.
#[cfg(test)]
fn declared_zip_entries(bytes: &[u8]) -> Option<u64> {
    declared_zip_entries_in(&mut Cursor::new(bytes))
}

fn declared_zip_entries_in<R: Read + Seek>(r: &mut R) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let len = r.seek(SeekFrom::End(0)).ok()?;
    let mut read_at = |at: u64, n: u64| -> Option<Vec<u8>> {
        if at.checked_add(n)? > len {
            return None;
        }
        r.seek(SeekFrom::Start(at)).ok()?;
        let mut buf = vec![0; usize::try_from(n).ok()?];
        r.read_exact(&mut buf).ok()?;
        Some(buf)
    };
    // The last 22 + 0xFFFF bytes hold the end record; 20 more before them a zip64 locator.
    let base = len.saturating_sub(22 + 0xFFFF + 20);
    let tail = read_at(base, len - base)?;
    let at = |abs: u64| (abs - base) as usize;
    let from = len.saturating_sub(22 + 0xFFFF);
    let pos = (from..len.saturating_sub(21))
        .rev()
        .find(|&i| &tail[at(i)..at(i) + 4] == EOCD)?;
    let u16_at = |i: u64| {
        tail.get(at(i)..at(i) + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as u64)
    };
    let mut entries = u16_at(pos + 10)?.max(u16_at(pos + 8)?);
    // A zip64 locator just before: the zip64 record's counts win where they are larger.
    if pos >= 20 && &tail[at(pos - 20)..at(pos - 16)] == b"PK\x06\x07" {
        let off = u64::from_le_bytes(tail[at(pos - 12)..at(pos - 4)].try_into().ok()?);
        match read_at(off, 56).filter(|rec| &rec[..4] == b"PK\x06\x06") {
            Some(rec) => {
                let n = u64::from_le_bytes(rec[32..40].try_into().unwrap_or([0; 8]));
                entries = entries.max(n);
            }
            None => return Some(u64::MAX),
        }
    }
    Some(entries)
}

/// A worksheet part (`xl/worksheets/NAME.xml`), which the cell reader streams.
fn is_worksheet_part(name: &str) -> bool {
    name.strip_prefix("xl/worksheets/")
        .is_some_and(|rest| !rest.contains('/') && rest.ends_with(".xml"))
}

/// Refuse a zip bomb before any parser unpacks it, the same way on every path (web
/// upload, `duikou import`): too many parts, declared sizes over the limit, a part
/// declaring more than [`MAX_XLSX_INFLATE_RATIO`] times what it takes, or a part that
/// unpacks to more than it declares. Each part, worksheets included, is inflated once
/// here into nothing, never past its declared size; only the memory budget differs
/// (streamed, worksheets are parsed as they are inflated, never held, so they do not
/// count in `MAX_XLSX_UNPACKED_BYTES`).
fn check_xlsx_archive<R: Read + Seek>(
    file_name: &str,
    r: &mut R,
    limits: &Limits,
) -> Result<(), TableError> {
    let expands = |zh_detail: String, en_detail: String| TableError::Expands {
        file: file_name.to_owned(),
        zh_detail,
        en_detail,
    };
    let unreadable = |e: zip::result::ZipError| TableError::Unreadable {
        file: file_name.to_owned(),
        detail: e.to_string(),
    };
    if let Some(n) = declared_zip_entries_in(r) {
        if n > MAX_XLSX_ENTRIES {
            return Err(expands(
                format!("压缩包内有 {n} 个部件（上限 {MAX_XLSX_ENTRIES}）"),
                format!("the archive has {n} parts (at most {MAX_XLSX_ENTRIES})"),
            ));
        }
    }
    r.seek(SeekFrom::Start(0))
        .map_err(|e| unreadable(e.into()))?;
    let mut zip = zip::ZipArchive::new(&mut *r).map_err(unreadable)?;
    if zip.len() as u64 > MAX_XLSX_ENTRIES {
        return Err(expands(
            format!("压缩包内有 {} 个部件（上限 {MAX_XLSX_ENTRIES}）", zip.len()),
            format!(
                "the archive has {} parts (at most {MAX_XLSX_ENTRIES})",
                zip.len()
            ),
        ));
    }
    let mut declared = Vec::with_capacity(zip.len());
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(unreadable)?;
        let size = part.size();
        if let Some(e) = inflates_too_much(file_name, part.name(), size, part.compressed_size()) {
            return Err(e);
        }
        if !limits.verify_sheets && is_worksheet_part(part.name()) {
            if size > MAX_STREAMED_SHEET_BYTES {
                let limit_mb = MAX_STREAMED_SHEET_BYTES / 1024 / 1024;
                return Err(expands(
                    format!(
                        "工作表 {} 解压后 {size} 字节（上限 {limit_mb} MB）",
                        part.name()
                    ),
                    format!(
                        "worksheet {} unpacks to {size} bytes (at most {limit_mb} MB)",
                        part.name()
                    ),
                ));
            }
            // Inflated below like every part, to hold it to what it declares, but not
            // counted in the in-memory total: streamed, it is parsed, never held.
            declared.push(size);
            continue;
        }
        total = total.saturating_add(size);
        declared.push(size);
    }
    let limit_mb = MAX_XLSX_UNPACKED_BYTES / 1024 / 1024;
    if total > MAX_XLSX_UNPACKED_BYTES {
        return Err(expands(
            format!("解压后共 {total} 字节（上限 {limit_mb} MB）"),
            format!("it unpacks to {total} bytes (at most {limit_mb} MB)"),
        ));
    }
    for (i, size) in declared.into_iter().enumerate() {
        let mut part = zip.by_index(i).map_err(unreadable)?;
        let name = part.name().to_owned();
        let read = std::io::copy(
            &mut (&mut part).take(size.saturating_add(1)),
            &mut std::io::sink(),
        );
        match read {
            Ok(n) if n > size => {
                return Err(expands(
                    format!("部件 {name} 解压后大于其声明的 {size} 字节"),
                    format!("part {name} unpacks to more than the {size} bytes it declares"),
                ));
            }
            Ok(_) => {}
            Err(e) => {
                return Err(TableError::Unreadable {
                    file: file_name.to_owned(),
                    detail: format!("{name}: {e}"),
                });
            }
        }
    }
    Ok(())
}

/// A part declaring far more than it takes in the archive: a zip bomb, refused from
/// the directory alone.
fn inflates_too_much(
    file_name: &str,
    part: &str,
    size: u64,
    compressed: u64,
) -> Option<TableError> {
    if size <= XLSX_RATIO_GRACE_BYTES || size / compressed.max(1) <= MAX_XLSX_INFLATE_RATIO {
        return None;
    }
    Some(TableError::Expands {
        file: file_name.to_owned(),
        zh_detail: format!(
            "部件 {part} 压缩后 {compressed} 字节，解压后却有 {size} 字节（压缩比上限 {MAX_XLSX_INFLATE_RATIO}:1）"
        ),
        en_detail: format!(
            "part {part} takes {compressed} bytes but unpacks to {size} (a compression ratio above {MAX_XLSX_INFLATE_RATIO}:1)"
        ),
    })
}

fn stream_xlsx<RS: Read + Seek>(
    file_name: &str,
    mut input: RS,
    preferred_sheets: &[&str],
    limits: &Limits,
    sink: &mut (impl RowSink + ?Sized),
) -> Result<Option<String>, TableError> {
    let unreadable = |detail: String| TableError::Unreadable {
        file: file_name.to_owned(),
        detail,
    };
    check_xlsx_archive(file_name, &mut input, limits)?;
    input
        .seek(SeekFrom::Start(0))
        .map_err(|e| unreadable(e.to_string()))?;
    let mut workbook: Xlsx<_> = Xlsx::new(input).map_err(|e| unreadable(e.to_string()))?;
    let sheets: Vec<(String, bool)> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    let preferred = sheets.iter().find(|(name, _)| {
        preferred_sheets
            .iter()
            .any(|p| p.trim().eq_ignore_ascii_case(name.trim()))
    });
    let chosen = preferred
        .or_else(|| sheets.iter().find(|(_, visible)| *visible))
        .or_else(|| sheets.first())
        .map(|(name, _)| name.clone())
        .ok_or_else(|| TableError::NoSheets {
            file: file_name.to_owned(),
        })?;
    let mut names = vec![chosen.clone()];
    if limits.continuation {
        for n in 2.. {
            let next = format!("{chosen}（{n}）");
            if !sheets.iter().any(|(name, _)| *name == next) {
                break;
            }
            names.push(next);
        }
    }
    let mut shaper = Shaper::new(file_name, Some(chosen.clone()), sink);
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            shaper.continuation(name);
        }
        read_sheet(&mut workbook, file_name, name, limits, &mut shaper)?;
        if shaper.stopped {
            break;
        }
    }
    shaper.finish()?;
    Ok(Some(chosen))
}

/// Hand one sheet's rows to the shaper as its cells stream by. Cells are read one by
/// one, never as calamine's dense `worksheet_range`, which would allocate rows ×
/// columns of the bounding box (two cells at A1 and XFD1048576 would ask for 17
/// billion); a row is held only until the next one starts.
fn read_sheet<RS: Read + Seek, S: RowSink + ?Sized>(
    workbook: &mut Xlsx<RS>,
    file_name: &str,
    name: &str,
    limits: &Limits,
    shaper: &mut Shaper<'_, S>,
) -> Result<(), TableError> {
    let unreadable = |detail: String| TableError::Unreadable {
        file: file_name.to_owned(),
        detail,
    };
    let sheet = Some(name.to_owned());
    let mut reader = workbook
        .worksheet_cells_reader(name)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut current: Option<u32> = None;
    let mut cells: Vec<(u32, String)> = Vec::new();
    let mut count = 0usize;
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(e.to_string()))? {
        let (row, col) = cell.get_position();
        let data = Data::from(cell.get_value().clone());
        let text = cell_text(&data).map_err(|(zh_detail, en_detail)| TableError::BadCell {
            file: file_name.to_owned(),
            sheet: sheet.clone(),
            cell: format!("{}{}", column_letter(col as usize), row as usize + 1),
            zh_detail,
            en_detail,
        })?;
        if text.is_empty() {
            continue;
        }
        if col >= MAX_XLSX_COLUMNS {
            return Err(TableError::Expands {
                file: file_name.to_owned(),
                zh_detail: format!(
                    "单元格 {}{} 超出第 {} 列",
                    column_letter(col as usize),
                    row as usize + 1,
                    column_letter(MAX_XLSX_COLUMNS as usize - 1)
                ),
                en_detail: format!(
                    "cell {}{} lies beyond column {}",
                    column_letter(col as usize),
                    row as usize + 1,
                    column_letter(MAX_XLSX_COLUMNS as usize - 1)
                ),
            });
        }
        count += 1;
        if count > limits.cells {
            return Err(TableError::Expands {
                file: file_name.to_owned(),
                zh_detail: format!("工作表有超过 {} 个非空单元格", limits.cells),
                en_detail: format!("the sheet has more than {} non-empty cells", limits.cells),
            });
        }
        if current != Some(row) {
            if let Some(prev) = current {
                if row < prev {
                    return Err(unreadable(format!(
                        "工作表「{name}」的行顺序错乱：第 {} 行在第 {} 行之后 / rows of sheet \"{name}\" out of order: row {} after row {}",
                        row + 1,
                        prev + 1,
                        row + 1,
                        prev + 1
                    )));
                }
                emit_row(prev, &mut cells, shaper)?;
                if shaper.stopped {
                    return Ok(());
                }
            }
            current = Some(row);
        }
        // A row has at most one cell per column: more is the same cell repeated, which
        // would otherwise pile up here until the row ends.
        if cells.len() >= MAX_XLSX_COLUMNS as usize {
            return Err(TableError::Expands {
                file: file_name.to_owned(),
                zh_detail: format!(
                    "第 {} 行的单元格超过 {MAX_XLSX_COLUMNS} 个",
                    row as usize + 1
                ),
                en_detail: format!(
                    "row {} has more than {MAX_XLSX_COLUMNS} cells",
                    row as usize + 1
                ),
            });
        }
        cells.push((col, text));
    }
    if let Some(prev) = current {
        emit_row(prev, &mut cells, shaper)?;
    }
    Ok(())
}

fn emit_row<S: RowSink + ?Sized>(
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
struct HeaderShape {
    /// The header cells, trimmed, up to the last non-empty one.
    cells: Vec<String>,
    /// The columns kept (those with a header).
    keep: Vec<usize>,
    /// Columns without a header, and the first row (and its sheet) with a value in one.
    empty: Vec<(usize, Option<(usize, Option<String>)>)>,
    /// The first column repeating an earlier header, and the error it makes.
    duplicate: Option<(usize, TableError)>,
}

/// Turns raw non-blank rows (cells from column A) into checked rows: the first is the
/// header; the others are cut to the header's columns and handed to the sink while no
/// structural error has been seen. [`Shaper::finish`] tells the first structural error,
/// in the order a whole-table check would: no header; then by column, an empty header
/// over a value or a repeated header; then the first row wider than the header.
struct Shaper<'s, S: RowSink + ?Sized> {
    file: String,
    /// The chosen sheet (xlsx).
    main_sheet: Option<String>,
    /// The sheet being read.
    sheet: Option<String>,
    /// `Some` on a continuation sheet.
    part: Option<Arc<str>>,
    sink: &'s mut S,
    header: Option<HeaderShape>,
    awaiting_header: bool,
    no_header: bool,
    too_many: Option<TableError>,
    forwarding: bool,
    stopped: bool,
}

impl<'s, S: RowSink + ?Sized> Shaper<'s, S> {
    fn new(file: &str, sheet: Option<String>, sink: &'s mut S) -> Self {
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
    fn continuation(&mut self, sheet: &str) {
        self.sheet = Some(sheet.to_owned());
        self.part = Some(Arc::from(sheet));
        self.awaiting_header = true;
    }

    fn raw_row(&mut self, number: usize, mut cells: Vec<String>) -> Result<(), TableError> {
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

    fn finish(self) -> Result<(), TableError> {
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

/// The text of one xlsx cell, or (zh, en) details of why it has none.
fn cell_text(data: &Data) -> Result<String, (String, String)> {
    Ok(match data {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => datetime_text(dt)?,
        Data::DateTimeIso(s) => {
            let s = s.trim();
            match s.get(..10) {
                Some(d) if d.as_bytes().get(4) == Some(&b'-') => match cells::parse_date(d) {
                    Ok(date) => date_text(date),
                    Err(_) => s.to_owned(),
                },
                _ => s.to_owned(),
            }
        }
        Data::DurationIso(s) => s.trim().to_owned(),
        Data::Error(e) => {
            return Err((
                format!("单元格是错误值 {e}"),
                format!("the cell holds the error {e}"),
            ));
        }
    })
}

/// A number as Excel shows it in full: rounded to 15 significant digits
/// (Excel's precision, which removes float noise such as
/// 0.30000000000000004), whole numbers without a decimal point, otherwise
/// the shortest representation.
fn float_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if rounded.fract() == 0.0 && rounded.abs() < 9_007_199_254_740_992.0 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

fn date_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn datetime_text(dt: &ExcelDateTime) -> Result<String, (String, String)> {
    let value = dt.as_f64();
    // calamine (without its chrono feature) keeps the date system private;
    // compare with freshly built values to learn it.
    let is_1904 = *dt == ExcelDateTime::new(value, ExcelDateTimeType::DateTime, true)
        || *dt == ExcelDateTime::new(value, ExcelDateTimeType::TimeDelta, true);
    let is_duration = *dt == ExcelDateTime::new(value, ExcelDateTimeType::TimeDelta, is_1904);
    if !value.is_finite() || value.abs() > 1e12 {
        return Err((
            format!("日期值 {value} 超出范围"),
            format!("date value {value} is out of range"),
        ));
    }
    let secs = (value * 86_400.0).round() as i64;
    let hms = |secs: i64| {
        let secs = secs.rem_euclid(86_400);
        format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    };
    if is_duration {
        let sign = if secs < 0 { "-" } else { "" };
        let s = secs.unsigned_abs();
        return Ok(format!(
            "{sign}{}:{:02}:{:02}",
            s / 3600,
            s / 60 % 60,
            s % 60
        ));
    }
    let days = secs.div_euclid(86_400);
    if days == 0 && !is_1904 {
        // A time of day without a date.
        return Ok(hms(secs));
    }
    cells::excel_serial_to_date(days, is_1904)
        .map(date_text)
        .map_err(|e| (e.zh, e.en))
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
fn column_letter(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{Format, Workbook};

    fn csv(text: &str) -> Table {
        read_table_bytes("导入.csv", text.as_bytes(), &[]).unwrap()
    }

    fn row(number: usize, cells: &[&str]) -> Row {
        Row {
            number,
            cells: cells.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn utf8_with_bom() {
        let t = csv("\u{feff}拨付单位,金额（元）\r\n甲县人民政府,\" 1,234.50 \"\r\n");
        assert_eq!(t.file_name, "导入.csv");
        assert_eq!(t.sheet, None);
        assert_eq!(t.headers, vec!["拨付单位", "金额（元）"]);
        assert_eq!(t.rows, vec![row(2, &["甲县人民政府", "1,234.50"])]);
        // Unquoted "1,234.50" is two cells, more than the headers.
        let e = read_table_bytes("a.csv", "a,b\n甲,1,234.50\n".as_bytes(), &[]).unwrap_err();
        assert!(matches!(e, TableError::TooManyCells { row: 2, .. }), "{e}");
    }

    #[test]
    fn utf8_without_bom_and_header_cleanup() {
        let t = csv(" 项目名称 ,开工日期\u{feff}\n  安居工程 , 2019/3/15 \n");
        assert_eq!(t.headers, vec!["项目名称", "开工日期"]);
        assert_eq!(t.rows, vec![row(2, &["安居工程", "2019/3/15"])]);
    }

    #[test]
    fn gb18030() {
        let text = "拨付单位,金额（元）\r\n乙市发展和改革委员会,500\r\n";
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err());
        let t = read_table_bytes("gbk.CSV", &bytes, &[]).unwrap();
        assert_eq!(t.headers, vec!["拨付单位", "金额（元）"]);
        assert_eq!(t.rows, vec![row(2, &["乙市发展和改革委员会", "500"])]);
    }

    #[test]
    fn undecodable_bytes() {
        let e = read_table_bytes("bad.csv", b"a,b\n\xff\xfe\xff,1\n", &[]).unwrap_err();
        assert_eq!(
            e,
            TableError::Encoding {
                file: "bad.csv".into()
            }
        );
        assert!(e.to_string().contains("bad.csv"));
        assert!(e.zh().contains("GB18030") && e.en().contains("UTF-8"));
    }

    #[test]
    fn blank_rows_keep_numbering() {
        let t = csv("a,b\n1,2\n\n,\n  ,\t\n 3 , 4 \n5\n");
        assert_eq!(
            t.rows,
            vec![row(2, &["1", "2"]), row(6, &["3", "4"]), row(7, &["5", ""])]
        );
        let t = csv("a,b\r\n1,2\r\n\r\n,\r\n  ,\t\r\n 3 , 4 \r\n5");
        assert_eq!(
            t.rows,
            vec![row(2, &["1", "2"]), row(6, &["3", "4"]), row(7, &["5", ""])]
        );
        // Old Mac line ends.
        let t = csv("a,b\r1,2\r\r3,4\r");
        assert_eq!(t.rows, vec![row(2, &["1", "2"]), row(4, &["3", "4"])]);
        // Blank lines before the header too.
        let t = csv("\n\na,b\n1,2\n");
        assert_eq!(t.rows, vec![row(4, &["1", "2"])]);
    }

    #[test]
    fn quoted_line_breaks_do_not_shift_rows() {
        let t = csv("a,b\n\"甲\n乙\",1\r\n\"x\r\ny\r\nz\",2\n3,4\n");
        assert_eq!(
            t.rows,
            vec![
                row(2, &["甲\n乙", "1"]),
                row(3, &["x\r\ny\r\nz", "2"]),
                row(4, &["3", "4"])
            ]
        );
        // A quote inside an unquoted cell is literal and does not swallow
        // the line break; "" inside quotes is a quote.
        let t = csv("a,b\r\nx\"y,1\r\n\r\n\"say \"\"hi\"\"\n\",2\r\n3,4");
        assert_eq!(
            t.rows,
            vec![
                row(2, &["x\"y", "1"]),
                row(4, &["say \"hi\"", "2"]),
                row(5, &["3", "4"])
            ]
        );
    }

    #[test]
    fn random_csv_never_panics_and_rows_increase() {
        let alphabet = ["a", "b", ",", "\"", "\n", "\r", "\r\n", " ", "甲"];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            if let Ok(t) = read_table_bytes("r.csv", text.as_bytes(), &[]) {
                let breaks = text.matches(['\n', '\r']).count();
                let mut prev = 0;
                for r in &t.rows {
                    assert!(r.number > prev && r.number <= breaks + 1, "{text:?}");
                    assert_eq!(r.cells.len(), t.headers.len());
                    prev = r.number;
                }
            }
        }
    }

    /// The rows of a CSV text as reading the whole text at once numbers them (the
    /// reading before streaming): (row number, trimmed cells) of the non-blank records.
    fn whole_text_rows(text: &str) -> Vec<(usize, Vec<String>)> {
        let bytes = text.as_bytes();
        let mut ends = Vec::new();
        let mut state = 0; // 0 cell start, 1 unquoted, 2 quoted, 3 quote in quoted
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            state = match (state, b) {
                (2, b'"') => 3,
                (2, _) => 2,
                (3, b'"') => 2,
                (0, b'"') => 2,
                (_, b',') => 0,
                (_, b'\n' | b'\r') => {
                    ends.push(i);
                    if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    0
                }
                _ => 1,
            };
            i += 1;
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut out = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).unwrap() {
            let consumed = reader.position().byte() as usize;
            let mut last = consumed.min(bytes.len()).saturating_sub(1);
            if last > 0 && bytes.get(last) == Some(&b'\n') && bytes[last - 1] == b'\r' {
                last -= 1;
            }
            let number = 1 + ends.partition_point(|&end| end < last);
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
            if cells.iter().any(|c| !c.is_empty()) {
                out.push((number, cells));
            }
        }
        out
    }

    /// A CSV text of `rows` rows under the header a,b,c: quoted cells with line breaks
    /// and quotes, blank lines, and \n, \r\n and \r line ends mixed.
    fn tricky_csv(rows: usize, mut seed: u64) -> String {
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let ends = ["\n", "\r\n", "\r"];
        let cells = [
            "甲",
            " 乙 ",
            "\"多\n行\"",
            "\"x\r\ny\"",
            "\"说\"\"好\"\"\"",
            "",
            "1,5",
        ];
        let mut text = String::from("a,b,c\n");
        for _ in 0..rows {
            let n = 1 + next() % 3;
            let row: Vec<&str> = (0..n)
                .map(|_| {
                    let c = cells[(next() % cells.len() as u64) as usize];
                    if c == "1,5" { "\"1,5\"" } else { c }
                })
                .collect();
            text.push_str(&row.join(","));
            text.push_str(ends[(next() % 3) as usize]);
            if next() % 7 == 0 {
                text.push_str(ends[(next() % 3) as usize]);
            }
        }
        text
    }

    struct Rows(Vec<(Option<String>, Row)>);
    impl RowSink for Rows {
        fn headers(&mut self, _: &[String]) {}
        fn row(&mut self, sheet: Option<&Arc<str>>, row: Row) -> bool {
            self.0.push((sheet.map(|s| s.to_string()), row));
            true
        }
    }

    fn stream(path: &Path, name: &str) -> Result<Vec<(Option<String>, Row)>, TableError> {
        let scan = scan_file(path).unwrap();
        let mut rows = Rows(Vec::new());
        stream_file(path, name, &["拨付"], &scan, &mut rows)?;
        Ok(rows.0)
    }

    #[test]
    fn streamed_rows_are_numbered_as_in_the_whole_text() {
        // Large enough to cross every buffer (64 KiB reads, the 256 KiB ring).
        let text = tricky_csv(150_000, 0x9e37_79b9_7f4a_7c15);
        assert!(text.len() > 4 * RING);
        let expected: Vec<Row> = whole_text_rows(&text)
            .into_iter()
            .skip(1)
            .map(|(number, mut cells)| {
                cells.resize(3, String::new());
                Row { number, cells }
            })
            .collect();
        let t = read_table_bytes("t.csv", text.as_bytes(), &[]).unwrap();
        assert_eq!(t.rows.len(), expected.len());
        assert_eq!(t.rows, expected);
        // From disk, UTF-8 with a byte-order mark and as GB18030: the same rows.
        let dir = tempfile::tempdir().unwrap();
        let utf8 = dir.path().join("u.csv");
        std::fs::write(&utf8, [BOM, text.as_bytes()].concat()).unwrap();
        let gbk = dir.path().join("g.csv");
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
        assert!(!unmappable);
        std::fs::write(&gbk, &bytes).unwrap();
        for (path, utf8) in [(&utf8, true), (&gbk, false)] {
            assert_eq!(scan_file(path).unwrap().utf8, utf8);
            let rows = stream(path, "t.csv").unwrap();
            assert!(rows.iter().all(|(sheet, _)| sheet.is_none()));
            let rows: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
            assert_eq!(rows, expected);
        }
        // Small random texts too, through the whole reading.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..500 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let text = tricky_csv((seed % 9) as usize, seed | 1);
            let expected: Vec<Row> = whole_text_rows(&text)
                .into_iter()
                .skip(1)
                .map(|(number, mut cells)| {
                    cells.resize(3, String::new());
                    Row { number, cells }
                })
                .collect();
            assert_eq!(
                read_table_bytes("t.csv", text.as_bytes(), &[])
                    .unwrap()
                    .rows,
                expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn scan_hashes_and_finds_the_encoding_across_reads() {
        use sha2::Digest;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        // A three-byte character cut by the end of the first 1 MiB read.
        let mut bytes = vec![b'a'; (1 << 20) - 1];
        bytes.extend_from_slice("甲乙\n".as_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let scan = scan_file(&path).unwrap();
        assert!(scan.utf8);
        assert_eq!(scan.size, bytes.len() as u64);
        assert_eq!(scan.sha256, hex::encode(sha2::Sha256::digest(&bytes)));
        // Cut off in the middle of that character: not UTF-8.
        std::fs::write(&path, &bytes[..(1 << 20)]).unwrap();
        assert!(!scan_file(&path).unwrap().utf8);
        // Undecodable as GB18030 as well: refused when streamed.
        std::fs::write(&path, b"a,b\n\xff\xfe\xff,1\n").unwrap();
        assert_eq!(
            stream(&path, "bad.csv").unwrap_err(),
            TableError::Encoding {
                file: "bad.csv".into()
            }
        );
    }

    #[test]
    fn streamed_csv_refuses_an_overlong_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.csv");
        let long = "x".repeat(MAX_CSV_ROW_BYTES as usize + 1);
        std::fs::write(&path, format!("a,b\n1,2\n\"{long}\",3\n")).unwrap();
        let e = stream(&path, "long.csv").unwrap_err();
        assert!(matches!(e, TableError::Expands { .. }), "{e}");
        assert!(
            e.zh().contains("第 3 行") && e.en().contains("row 3"),
            "{e}"
        );
        // In memory (an upload, already limited in size) the row is read.
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            read_table_bytes("long.csv", &bytes, &[])
                .unwrap()
                .rows
                .len(),
            2
        );
    }

    #[test]
    fn continuation_sheets_follow_the_chosen_sheet_when_streamed() {
        let book = |second_header: &str| {
            let mut wb = Workbook::new();
            for (name, header, values) in [
                ("说明", "x", &[][..]),
                ("拨付", "单位", &["甲", "乙"][..]),
                ("拨付（2）", second_header, &["丙"][..]),
                ("拨付（4）", "单位", &["不读"][..]),
            ] {
                let ws = wb.add_worksheet();
                ws.set_name(name).unwrap();
                ws.write_string(0, 0, header).unwrap();
                for (i, v) in values.iter().enumerate() {
                    ws.write_string(i as u32 + 1, 0, *v).unwrap();
                }
            }
            wb.save_to_buffer().unwrap()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.xlsx");
        std::fs::write(&path, book(" 单位 ")).unwrap();
        let rows = stream(&path, "b.xlsx").unwrap();
        assert_eq!(
            rows,
            vec![
                (None, row(2, &["甲"])),
                (None, row(3, &["乙"])),
                (Some("拨付（2）".into()), row(2, &["丙"])),
            ]
        );
        // Read into memory (an upload), the chosen sheet alone.
        let bytes = std::fs::read(&path).unwrap();
        let t = read_table_bytes("b.xlsx", &bytes, &["拨付"]).unwrap();
        assert_eq!(t.rows, vec![row(2, &["甲"]), row(3, &["乙"])]);
        // A continuation sheet must repeat the header.
        std::fs::write(&path, book("名称")).unwrap();
        let e = stream(&path, "b.xlsx").unwrap_err();
        assert_eq!(
            e,
            TableError::SheetHeadersDiffer {
                file: "b.xlsx".into(),
                sheet: "拨付（2）".into(),
                first_sheet: "拨付".into(),
            }
        );
        assert!(e.zh().contains("拨付（2）") && e.en().contains("header row differs"));
    }

    #[test]
    fn structural_errors_come_after_the_whole_file_in_the_same_order() {
        // An empty header with a value far down wins over a repeated header to its
        // right, and over a wide row before it; rows stop being handed on.
        let mut text = String::from("a,,b,a\n");
        for i in 0..5000 {
            text.push_str(&format!("{i},,x,y\n"));
        }
        text.push_str("1,2,3,4,5\n9,late,x,y\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.csv");
        std::fs::write(&path, &text).unwrap();
        let expected = TableError::EmptyHeader {
            file: "e.csv".into(),
            sheet: None,
            column: "B".into(),
            row: 5002,
        };
        assert_eq!(stream(&path, "e.csv").unwrap_err(), expected);
        assert_eq!(
            read_table_bytes("e.csv", text.as_bytes(), &[]).unwrap_err(),
            expected
        );
    }

    #[test]
    fn duplicate_header() {
        let e = read_table_bytes("d.csv", "名称,金额,名称\n".as_bytes(), &[]).unwrap_err();
        assert_eq!(
            e,
            TableError::DuplicateHeader {
                file: "d.csv".into(),
                sheet: None,
                header: "名称".into(),
                first_column: "A".into(),
                second_column: "C".into(),
            }
        );
        assert!(e.zh().contains("重复") && e.zh().contains("d.csv"));
        assert!(e.en().contains("duplicate header"));
    }

    #[test]
    fn empty_headers() {
        // An empty header over an empty column is dropped.
        let t = csv("a,,b,,\n1,,2,,\n3,,4\n");
        assert_eq!(t.headers, vec!["a", "b"]);
        assert_eq!(t.rows, vec![row(2, &["1", "2"]), row(3, &["3", "4"])]);
        // An empty header over a column with a value is an error.
        let e = read_table_bytes("e.csv", "a,,b\n1,,2\n3,x,4\n".as_bytes(), &[]).unwrap_err();
        assert_eq!(
            e,
            TableError::EmptyHeader {
                file: "e.csv".into(),
                sheet: None,
                column: "B".into(),
                row: 3
            }
        );
    }

    #[test]
    fn too_many_cells_names_the_row() {
        let e = read_table_bytes("m.csv", "a,b\n1,2\n\n3,4,,5\n".as_bytes(), &[]).unwrap_err();
        assert_eq!(
            e,
            TableError::TooManyCells {
                file: "m.csv".into(),
                sheet: None,
                row: 4,
                last_column: "D".into(),
                headers: 2
            }
        );
        assert!(
            e.zh().contains("第 4 行") && e.en().contains("row 4"),
            "{e}"
        );
        // Trailing empty cells are harmless.
        assert_eq!(csv("a,b\n1,2,,\n").rows, vec![row(2, &["1", "2"])]);
    }

    #[test]
    fn no_header_and_bad_extension() {
        for text in ["", "\n\n", " , ,\n"] {
            let e = read_table_bytes("n.csv", text.as_bytes(), &[]).unwrap_err();
            assert!(matches!(e, TableError::NoHeader { .. }), "{text:?}: {e}");
        }
        // A header row alone is a valid, empty table.
        assert!(csv("a,b\n").rows.is_empty());
        for name in ["x.xls", "x.txt", "csv", "x"] {
            let e = read_table_bytes(name, b"a,b\n", &[]).unwrap_err();
            assert_eq!(e, TableError::UnsupportedExtension { file: name.into() });
            assert!(e.to_string().contains(".xlsx"));
        }
        let e = read_table_bytes("broken.XLSX", b"not a zip", &[]).unwrap_err();
        assert!(matches!(e, TableError::Unreadable { .. }), "{e}");
        assert!(e.to_string().contains("broken.XLSX"));
    }

    #[test]
    fn malformed_csv_is_unreadable() {
        // The csv crate is lenient with quotes; an odd file still yields rows
        // rather than a panic.
        let r = read_table_bytes("q.csv", b"a,b\n\"unterminated,1\n", &[]);
        assert!(r.is_ok() || matches!(r, Err(TableError::Unreadable { .. })));
    }

    #[test]
    fn read_from_disk_with_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("拨付.csv");
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        let t = read_table(&path, &[], 1024).unwrap();
        assert_eq!(t.file_name, "拨付.csv");
        assert_eq!(t.rows, vec![row(2, &["1", "2"])]);
        let e = read_table(&path, &[], 4).unwrap_err();
        assert_eq!(
            e,
            TableError::TooLarge {
                file: "拨付.csv".into(),
                size: 8,
                limit: 4
            }
        );
        let e = read_table(&dir.path().join("missing.csv"), &[], 1024).unwrap_err();
        assert!(matches!(e, TableError::Unreadable { .. }), "{e}");
        let e = read_table(&dir.path().join("x.pdf"), &[], 1024).unwrap_err();
        assert!(matches!(e, TableError::UnsupportedExtension { .. }));
    }

    fn sample_workbook() -> Vec<u8> {
        let mut wb = Workbook::new();
        let notes = wb.add_worksheet();
        notes.set_name("说明").unwrap();
        notes.write_string(0, 0, "请在“拨付”表中填写").unwrap();

        let sheet = wb.add_worksheet();
        sheet.set_name("拨付").unwrap();
        let date_format = Format::new().set_num_format("yyyy-mm-dd");
        let datetime_format = Format::new().set_num_format("yyyy/m/d hh:mm");
        for (c, h) in [
            "拨付单位",
            "金额（元）",
            "拨付日期",
            "整数",
            "小数",
            "是否",
            " 备注 ",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_string(1, 0, "  甲县人民政府 ").unwrap();
        sheet.write_number(1, 1, 1234.5).unwrap();
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2019, 3, 15).unwrap();
        sheet
            .write_datetime_with_format(1, 2, &d, &date_format)
            .unwrap();
        sheet.write_number(1, 3, 12.0).unwrap();
        sheet.write_number(1, 4, 0.1).unwrap();
        sheet.write_boolean(1, 5, true).unwrap();
        // Row 3 (index 2) left blank.
        sheet.write_string(3, 0, "乙市").unwrap();
        sheet.write_number(3, 1, 0.1 + 0.2).unwrap();
        let dt = rust_xlsxwriter::ExcelDateTime::parse_from_str("2020-12-31 18:30:00").unwrap();
        sheet
            .write_datetime_with_format(3, 2, &dt, &datetime_format)
            .unwrap();
        sheet.write_number(3, 3, -7.0).unwrap();
        sheet.write_number(3, 4, 1e-7).unwrap();
        sheet.write_boolean(3, 5, false).unwrap();
        sheet.write_string(3, 6, "  ").unwrap();
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_preferred_sheet() {
        let bytes = sample_workbook();
        let t = read_table_bytes("拨付.xlsx", &bytes, &["disbursements", "拨付"]).unwrap();
        assert_eq!(t.sheet.as_deref(), Some("拨付"));
        assert_eq!(
            t.headers,
            vec![
                "拨付单位",
                "金额（元）",
                "拨付日期",
                "整数",
                "小数",
                "是否",
                "备注"
            ]
        );
        assert_eq!(
            t.rows,
            vec![
                row(
                    2,
                    &[
                        "甲县人民政府",
                        "1234.5",
                        "2019-03-15",
                        "12",
                        "0.1",
                        "true",
                        ""
                    ]
                ),
                row(
                    4,
                    &["乙市", "0.3", "2020-12-31", "-7", "0.0000001", "false", ""]
                ),
            ]
        );
    }

    #[test]
    fn xlsx_first_sheet_by_default() {
        let bytes = sample_workbook();
        let t = read_table_bytes("Book.XLSX", &bytes, &["不存在"]).unwrap();
        assert_eq!(t.sheet.as_deref(), Some("说明"));
        assert_eq!(t.headers, vec!["请在“拨付”表中填写"]);
        assert!(t.rows.is_empty());
    }

    #[test]
    fn xlsx_range_not_at_a1() {
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        // Headers in C3, data in rows 5 and 7.
        sheet.write_string(2, 2, "名称").unwrap();
        sheet.write_string(2, 3, "数量").unwrap();
        sheet.write_string(4, 2, "甲").unwrap();
        sheet.write_number(4, 3, 3).unwrap();
        sheet.write_string(6, 2, "乙").unwrap();
        sheet.write_string(6, 4, "多余").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let e = read_table_bytes("r.xlsx", &bytes, &[]).unwrap_err();
        assert_eq!(
            e,
            TableError::TooManyCells {
                file: "r.xlsx".into(),
                sheet: Some("Sheet1".into()),
                row: 7,
                last_column: "E".into(),
                headers: 2
            }
        );
        assert!(e.zh().contains("工作表「Sheet1」"), "{e}");

        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.write_string(2, 2, "名称").unwrap();
        sheet.write_string(2, 3, "数量").unwrap();
        sheet.write_string(4, 2, "甲").unwrap();
        sheet.write_number(4, 3, 3).unwrap();
        sheet.write_string(6, 3, "5").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let t = read_table_bytes("r.xlsx", &bytes, &[]).unwrap();
        assert_eq!(t.headers, vec!["名称", "数量"]);
        assert_eq!(t.rows, vec![row(5, &["甲", "3"]), row(7, &["", "5"])]);
    }

    #[test]
    fn xlsx_duplicate_header_names_columns() {
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.set_name("项目").unwrap();
        sheet.write_string(0, 1, "名称").unwrap();
        sheet.write_string(0, 3, " 名称").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let e = read_table_bytes("p.xlsx", &bytes, &[]).unwrap_err();
        assert_eq!(
            e,
            TableError::DuplicateHeader {
                file: "p.xlsx".into(),
                sheet: Some("项目".into()),
                header: "名称".into(),
                first_column: "B".into(),
                second_column: "D".into(),
            }
        );
    }

    #[test]
    fn cell_conversions() {
        use calamine::CellErrorType;
        assert_eq!(cell_text(&Data::Int(42)), Ok("42".into()));
        assert_eq!(cell_text(&Data::Float(12.0)), Ok("12".into()));
        assert_eq!(cell_text(&Data::Float(-0.0)), Ok("0".into()));
        assert_eq!(cell_text(&Data::Float(1234.5)), Ok("1234.5".into()));
        assert_eq!(cell_text(&Data::Float(0.1)), Ok("0.1".into()));
        assert_eq!(cell_text(&Data::Float(1234.56 * 3.0)), Ok("3703.68".into()));
        assert_eq!(
            cell_text(&Data::Float(123456789012.0)),
            Ok("123456789012".into())
        );
        assert_eq!(
            cell_text(&Data::Float(1e20)),
            Ok("100000000000000000000".into())
        );
        assert_eq!(cell_text(&Data::Bool(false)), Ok("false".into()));
        assert_eq!(cell_text(&Data::String(" x ".into())), Ok("x".into()));
        assert_eq!(
            cell_text(&Data::DateTimeIso("2019-03-15T00:00:00".into())),
            Ok("2019-03-15".into())
        );
        assert_eq!(
            cell_text(&Data::DateTimeIso("2019-03-15".into())),
            Ok("2019-03-15".into())
        );
        assert_eq!(
            cell_text(&Data::DateTimeIso("08:30:00".into())),
            Ok("08:30:00".into())
        );
        let dt = |v, ty, is_1904| Data::DateTime(ExcelDateTime::new(v, ty, is_1904));
        use ExcelDateTimeType::{DateTime, TimeDelta};
        assert_eq!(
            cell_text(&dt(43539.0, DateTime, false)),
            Ok("2019-03-15".into())
        );
        assert_eq!(
            cell_text(&dt(43539.75, DateTime, false)),
            Ok("2019-03-15".into())
        );
        // Float noise just below midnight belongs to the next day.
        assert_eq!(
            cell_text(&dt(43539.999999999, DateTime, false)),
            Ok("2019-03-16".into())
        );
        assert_eq!(
            cell_text(&dt(42077.0, DateTime, true)),
            Ok("2019-03-15".into())
        );
        assert_eq!(cell_text(&dt(0.5, DateTime, false)), Ok("12:00:00".into()));
        assert_eq!(cell_text(&dt(1.5, TimeDelta, false)), Ok("36:00:00".into()));
        assert!(cell_text(&dt(60.0, DateTime, false)).is_err());
        assert!(cell_text(&dt(-3.0, DateTime, false)).is_err());
        let e = cell_text(&Data::Error(CellErrorType::NA)).unwrap_err();
        assert!(e.0.contains("#N/A") && e.1.contains("#N/A"));
    }

    #[test]
    fn bad_cell_names_the_cell() {
        let e = TableError::BadCell {
            file: "b.xlsx".into(),
            sheet: Some("拨付".into()),
            cell: "C5".into(),
            zh_detail: "单元格是错误值 #N/A".into(),
            en_detail: "the cell holds the error #N/A".into(),
        };
        assert_eq!(
            e.to_string(),
            "文件 b.xlsx 工作表「拨付」 单元格 C5 的值无法读取：单元格是错误值 #N/A / \
             file b.xlsx, sheet \"拨付\": cannot read the value of cell C5: the cell holds the error #N/A"
        );
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    // ---------------------------------------------------------------- hostile workbooks

    /// A zip whose parts are given as (name, bytes), deflated.
    fn zip_of(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts {
            w.start_file(*name, opts).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// Set the uncompressed size every central-directory entry declares.
    fn declare_size(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
        let mut i = 0;
        while i + 46 <= zip.len() {
            if zip[i..i + 4] == *b"PK\x01\x02" {
                zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
                i += 46;
            } else {
                i += 1;
            }
        }
        zip
    }

    fn expands(r: Result<Table, TableError>) -> String {
        match r {
            Err(e @ TableError::Expands { .. }) => e.to_string(),
            other => panic!("expected Expands, got {other:?}"),
        }
    }

    #[test]
    fn cells_spread_over_the_whole_sheet_are_refused_without_a_dense_range() {
        // calamine's dense range would ask for 1,048,576 × 16,384 cells here.
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.write_string(0, 0, "payer").unwrap();
        sheet.write_string(1_048_575, 16_383, "far away").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let started = std::time::Instant::now();
        let msg = expands(read_table_bytes("spread.xlsx", &bytes, &[]));
        assert!(msg.contains("XFD1048576"), "{msg}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));

        // Far down but within the columns: read sparsely, row numbers kept.
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.write_string(0, 0, "payer").unwrap();
        sheet.write_string(1_048_575, 0, "清溪镇").unwrap();
        let t = read_table_bytes("deep.xlsx", &wb.save_to_buffer().unwrap(), &[]).unwrap();
        assert_eq!(
            t.rows,
            vec![Row {
                number: 1_048_576,
                cells: vec!["清溪镇".into()]
            }]
        );
    }

    #[test]
    fn zip_bombs_are_refused_before_parsing() {
        let zeros = vec![b'0'; 4 * 1024 * 1024];
        // A part declaring more than the limit: refused from the directory alone.
        let big = declare_size(
            zip_of(&[("xl/worksheets/sheet1.xml", zeros.clone())]),
            u32::MAX,
        );
        // (It also declares 4 GB for 4 KB: the ratio check, run first, names the part.)
        let msg = expands(read_table_bytes("bomb.xlsx", &big, &[]));
        assert!(msg.contains("sheet1.xml") && msg.contains("100:1"), "{msg}");
        // Over the limit at an ordinary ratio: refused by the declared total.
        let random: Vec<u8> = (0..300u32 * 1024 * 1024 / 4)
            .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
            .take(4 * 1024 * 1024)
            .collect();
        let over = declare_size(
            zip_of(&[("xl/worksheets/sheet1.xml", random)]),
            300 * 1024 * 1024,
        );
        let msg = expands(read_table_bytes("over.xlsx", &over, &[]));
        assert!(msg.contains("MB"), "{msg}");
        // A part that unpacks to more than it declares: caught while counting.
        let lying = declare_size(zip_of(&[("xl/worksheets/sheet1.xml", zeros)]), 100);
        let msg = expands(read_table_bytes("liar.xlsx", &lying, &[]));
        assert!(msg.contains("sheet1.xml"), "{msg}");
        // Too many parts.
        let many: Vec<(String, Vec<u8>)> = (0..(MAX_XLSX_ENTRIES as usize + 1))
            .map(|i| (format!("p{i}"), Vec::new()))
            .collect();
        let many: Vec<(&str, Vec<u8>)> =
            many.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        let msg = expands(read_table_bytes("many.xlsx", &zip_of(&many), &[]));
        assert!(msg.contains("1001"), "{msg}");
        // A real workbook passes the checks.
        assert!(
            check_xlsx_archive("ok.xlsx", &mut Cursor::new(sample_workbook()), &IN_MEMORY).is_ok()
        );
        // Not a zip at all: unreadable, not a panic.
        assert!(matches!(
            read_table_bytes("x.xlsx", b"PK\x05\x06", &[]),
            Err(TableError::Unreadable { .. })
        ));
    }

    #[test]
    fn bombs_are_refused_alike_in_memory_and_streamed() {
        let header = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
        let mut sheet = header.to_vec();
        sheet.extend(std::iter::repeat_n(b'A', 64 * 1024 * 1024));
        let bomb = zip_of(&[("xl/worksheets/sheet1.xml", sheet)]);
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        let honest_but_huge = declare_size(sample_workbook(), u32::MAX);
        for (name, zip) in [("bomb.xlsx", bomb), ("declared.xlsx", honest_but_huge)] {
            for limits in [&IN_MEMORY, &STREAMED] {
                let msg = match check_xlsx_archive(name, &mut Cursor::new(&zip), limits) {
                    Err(e @ TableError::Expands { .. }) => e.to_string(),
                    other => panic!("{name}: expected Expands, got {other:?}"),
                };
                assert!(msg.contains("100:1") || msg.contains("MB"), "{msg}");
            }
        }
        // A large real sheet of near-identical rows deflates well below the ratio.
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for r in 0..200_000u32 {
            ws.write_string(r, 0, "清溪镇").unwrap();
            ws.write_string(r, 1, "镇雄县").unwrap();
            ws.write_number(r, 2, 10_000.0).unwrap();
            ws.write_number(r, 3, 2019.0).unwrap();
        }
        let real = wb.save_to_buffer().unwrap();
        for limits in [&IN_MEMORY, &STREAMED] {
            check_xlsx_archive("real.xlsx", &mut Cursor::new(&real), limits).unwrap();
        }
    }

    #[test]
    fn a_cell_repeated_in_one_row_is_refused() {
        let mut sheet = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\">".to_vec();
        for _ in 0..300 {
            sheet.extend_from_slice(b"<c r=\"A1\" t=\"inlineStr\"><is><t>x</t></is></c>");
        }
        sheet.extend_from_slice(b"</row></sheetData></worksheet>");
        let mut wb = Workbook::new();
        wb.add_worksheet().write_string(0, 0, "payer").unwrap();
        let base = wb.save_to_buffer().unwrap();
        // The real workbook with its sheet replaced.
        let mut archive = zip::ZipArchive::new(Cursor::new(base)).unwrap();
        let mut parts = Vec::new();
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            let name = f.name().to_string();
            parts.push((name, bytes));
        }
        for p in &mut parts {
            if p.0 == "xl/worksheets/sheet1.xml" {
                p.1 = sheet.clone();
            }
        }
        let parts: Vec<(&str, Vec<u8>)> =
            parts.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
        let msg = expands(read_table_bytes("rep.xlsx", &zip_of(&parts), &[]));
        assert!(msg.contains("256"), "{msg}");
    }

    #[test]
    fn declared_entries_are_read_from_the_end_record() {
        let z = zip_of(&[("a", b"1".to_vec()), ("b", b"2".to_vec())]);
        assert_eq!(declared_zip_entries(&z), Some(2));
        let mut forged = z.clone();
        let n = forged.len();
        forged[n - 12..n - 10].copy_from_slice(&60_000u16.to_le_bytes());
        assert_eq!(declared_zip_entries(&forged), Some(60_000));
        assert!(matches!(
            read_table_bytes("forged.xlsx", &forged, &[]),
            Err(TableError::Expands { .. })
        ));
        assert_eq!(declared_zip_entries(b"short"), None);
    }
}
