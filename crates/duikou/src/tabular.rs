//! Read an import file (.csv or .xlsx) into rows of trimmed text.
//!
//! This module knows nothing about record kinds: it finds the header row,
//! checks that the headers are usable, and hands back every non-blank row
//! with the row number the user sees in the spreadsheet.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::Path;

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

/// Read an import file from disk; refuse files larger than `max_bytes`.
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
/// `file_name` (`.csv` or `.xlsx`, any case).
pub fn read_table_bytes(
    file_name: &str,
    bytes: &[u8],
    preferred_sheets: &[&str],
) -> Result<Table, TableError> {
    match kind_of(file_name)? {
        Kind::Csv => read_csv(file_name, bytes),
        Kind::Xlsx => read_xlsx(file_name, bytes, preferred_sheets),
    }
}

/// A raw non-blank row: (row number, cells indexed from column A).
type RawRow = (usize, Vec<String>);

fn read_csv(file_name: &str, bytes: &[u8]) -> Result<Table, TableError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text: Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| TableError::Encoding {
                file: file_name.to_owned(),
            })?,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let bytes = text.as_bytes();
    // The csv crate skips blank lines and counts line breaks inside quoted
    // cells, so row numbers come from our own scan of the row ends.
    let row_ends = csv_row_ends(bytes);
    let mut raw: Vec<RawRow> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(TableError::Unreadable {
                    file: file_name.to_owned(),
                    detail: e.to_string(),
                });
            }
        }
        // The reader has consumed the record and (part of) its terminator.
        let consumed = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        let mut last = consumed.min(bytes.len()).saturating_sub(1);
        if last > 0 && bytes.get(last) == Some(&b'\n') && bytes[last - 1] == b'\r' {
            last -= 1;
        }
        let number = 1 + row_ends.partition_point(|&end| end < last);
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            raw.push((number, cells));
        }
    }
    build_table(file_name, None, raw)
}

/// The most parts an .xlsx may have (a real workbook has a few dozen).
pub const MAX_XLSX_ENTRIES: u64 = 1_000;
/// The most all parts of an .xlsx may hold once unpacked.
pub const MAX_XLSX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// The most non-empty cells read from one sheet.
pub const MAX_XLSX_CELLS: usize = 5_000_000;
/// The right-most column a value may be in (column IV); import files have a few dozen.
pub const MAX_XLSX_COLUMNS: u32 = 256;

/// The number of entries an archive's end-of-central-directory record (and its zip64
/// record, if any) declares, read without parsing the directory itself.
fn declared_zip_entries(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let from = bytes.len().saturating_sub(22 + 0xFFFF);
    let pos = (from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| &bytes[i..i + 4] == EOCD)?;
    let u16_at = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as u64)
    };
    let mut entries = u16_at(pos + 10)?.max(u16_at(pos + 8)?);
    // A zip64 locator just before: the zip64 record's counts win where they are larger.
    if pos >= 20 && &bytes[pos - 20..pos - 16] == b"PK\x06\x07" {
        let off = bytes
            .get(pos - 12..pos - 4)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))?;
        let off = usize::try_from(off).ok()?;
        if let Some(rec) = bytes
            .get(off..off + 56)
            .filter(|r| &r[..4] == b"PK\x06\x06")
        {
            let n = u64::from_le_bytes(rec[32..40].try_into().unwrap_or([0; 8]));
            entries = entries.max(n);
        } else {
            return Some(u64::MAX);
        }
    }
    Some(entries)
}

/// Refuse a zip bomb before any parser unpacks it: too many parts, declared sizes
/// over the limit, or a part that unpacks to more than it declares. Each part is
/// inflated at most once here, never past its declared size.
fn check_xlsx_archive(file_name: &str, bytes: &[u8]) -> Result<(), TableError> {
    let expands = |zh_detail: String, en_detail: String| TableError::Expands {
        file: file_name.to_owned(),
        zh_detail,
        en_detail,
    };
    let unreadable = |e: zip::result::ZipError| TableError::Unreadable {
        file: file_name.to_owned(),
        detail: e.to_string(),
    };
    if let Some(n) = declared_zip_entries(bytes) {
        if n > MAX_XLSX_ENTRIES {
            return Err(expands(
                format!("压缩包内有 {n} 个部件（上限 {MAX_XLSX_ENTRIES}）"),
                format!("the archive has {n} parts (at most {MAX_XLSX_ENTRIES})"),
            ));
        }
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
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
        let size = zip.by_index_raw(i).map_err(unreadable)?.size();
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

fn read_xlsx(
    file_name: &str,
    bytes: &[u8],
    preferred_sheets: &[&str],
) -> Result<Table, TableError> {
    let unreadable = |detail: String| TableError::Unreadable {
        file: file_name.to_owned(),
        detail,
    };
    check_xlsx_archive(file_name, bytes)?;
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
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
    let sheet = Some(chosen.clone());
    // Cells are read one by one and kept sparse: calamine's dense `worksheet_range`
    // would allocate rows × columns of the bounding box, so two cells at A1 and
    // XFD1048576 would ask for 17 billion.
    let mut reader = workbook
        .worksheet_cells_reader(&chosen)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut by_row: std::collections::BTreeMap<u32, Vec<(u32, String)>> =
        std::collections::BTreeMap::new();
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
        if count > MAX_XLSX_CELLS {
            return Err(TableError::Expands {
                file: file_name.to_owned(),
                zh_detail: format!("工作表有超过 {MAX_XLSX_CELLS} 个非空单元格"),
                en_detail: format!("the sheet has more than {MAX_XLSX_CELLS} non-empty cells"),
            });
        }
        by_row.entry(row).or_default().push((col, text));
    }
    let raw: Vec<RawRow> = by_row
        .into_iter()
        .map(|(row, cells)| {
            let width = cells
                .iter()
                .map(|(c, _)| *c as usize + 1)
                .max()
                .unwrap_or(0);
            let mut out = vec![String::new(); width];
            for (c, text) in cells {
                out[c as usize] = text;
            }
            (row as usize + 1, out)
        })
        .collect();
    build_table(file_name, sheet, raw)
}

/// Byte offsets of the line breaks that end spreadsheet rows (`\n`, `\r`,
/// or the `\r` of `\r\n`), skipping breaks inside quoted cells. Follows the
/// csv crate's quoting rules: a quote opens a quoted cell only at the start
/// of a cell, `""` inside quotes is a literal quote.
fn csv_row_ends(bytes: &[u8]) -> Vec<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        CellStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut ends = Vec::new();
    let mut state = State::CellStart;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let is_break = b == b'\n' || b == b'\r';
        state = match (state, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::CellStart, b'"') => State::Quoted,
            (_, b',') => State::CellStart,
            _ if is_break => {
                ends.push(i);
                if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                State::CellStart
            }
            _ => State::Unquoted,
        };
        i += 1;
    }
    ends
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

fn build_table(
    file_name: &str,
    sheet: Option<String>,
    mut raw: Vec<RawRow>,
) -> Result<Table, TableError> {
    if raw.is_empty() {
        return Err(TableError::NoHeader {
            file: file_name.to_owned(),
            sheet,
        });
    }
    let (_, header_cells) = raw.remove(0);
    let header_cells: Vec<String> = header_cells
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
    if width == 0 {
        return Err(TableError::NoHeader {
            file: file_name.to_owned(),
            sheet,
        });
    }

    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut keep: Vec<usize> = Vec::with_capacity(width);
    for (c, h) in header_cells[..width].iter().enumerate() {
        if h.is_empty() {
            let first_value = raw
                .iter()
                .find(|(_, cells)| cells.get(c).is_some_and(|v| !v.is_empty()));
            if let Some((row, _)) = first_value {
                return Err(TableError::EmptyHeader {
                    file: file_name.to_owned(),
                    sheet,
                    column: column_letter(c),
                    row: *row,
                });
            }
            continue;
        }
        if let Some(&first) = seen.get(h.as_str()) {
            return Err(TableError::DuplicateHeader {
                file: file_name.to_owned(),
                sheet,
                header: h.clone(),
                first_column: column_letter(first),
                second_column: column_letter(c),
            });
        }
        seen.insert(h, c);
        keep.push(c);
    }

    let mut rows = Vec::with_capacity(raw.len());
    for (number, cells) in raw {
        if let Some(last) = cells.iter().rposition(|v| !v.is_empty())
            && last >= width
        {
            return Err(TableError::TooManyCells {
                file: file_name.to_owned(),
                sheet,
                row: number,
                last_column: column_letter(last),
                headers: keep.len(),
            });
        }
        let cells = keep
            .iter()
            .map(|&c| cells.get(c).cloned().unwrap_or_default())
            .collect();
        rows.push(Row { number, cells });
    }
    let headers = keep.iter().map(|&c| header_cells[c].clone()).collect();
    Ok(Table {
        file_name: file_name.to_owned(),
        sheet,
        headers,
        rows,
    })
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
        let msg = expands(read_table_bytes("bomb.xlsx", &big, &[]));
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
        assert!(check_xlsx_archive("ok.xlsx", &sample_workbook()).is_ok());
        // Not a zip at all: unreadable, not a panic.
        assert!(matches!(
            read_table_bytes("x.xlsx", b"PK\x05\x06", &[]),
            Err(TableError::Unreadable { .. })
        ));
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
