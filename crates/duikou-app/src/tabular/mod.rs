//! Read an import file (.csv or .xlsx) into rows of trimmed text.
//!
//! This module knows nothing about record kinds: it finds the header row,
//! checks that the headers are usable, and hands back every non-blank row
//! with the row number the user sees in the spreadsheet: all at once in a
//! [`Table`] ([`read_table_bytes`], for uploads), or one by one as the file is
//! read ([`stream_file`], for files of any size: memory stays bounded).

use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

mod csv_reader;
mod shape;
#[cfg(test)]
mod tests;
mod xlsx_reader;

use csv_reader::*;
use shape::*;
use xlsx_reader::*;
pub use xlsx_reader::{
    MAX_CSV_ROW_BYTES, MAX_STREAMED_SHEET_BYTES, MAX_STREAMED_XLSX_CELLS, MAX_XLSX_CELLS,
    MAX_XLSX_COLUMNS, MAX_XLSX_ENTRIES, MAX_XLSX_INFLATE_RATIO, MAX_XLSX_UNPACKED_BYTES,
    XLSX_RATIO_GRACE_BYTES,
};

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
