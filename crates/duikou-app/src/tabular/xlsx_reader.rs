//! .xlsx files: the archive checked before it is unpacked, sheets read sparsely,
//! cells turned into text.

use std::io::{Read, Seek, SeekFrom};

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, SheetType, SheetVisible, Xlsx};
use duikou_domain::cells;

use super::*;

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
pub(super) fn declared_zip_entries(bytes: &[u8]) -> Option<u64> {
    declared_zip_entries_in(&mut Cursor::new(bytes))
}

pub(super) fn declared_zip_entries_in<R: Read + Seek>(r: &mut R) -> Option<u64> {
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
pub(super) fn is_worksheet_part(name: &str) -> bool {
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
pub(super) fn check_xlsx_archive<R: Read + Seek>(
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
pub(super) fn inflates_too_much(
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

pub(super) fn stream_xlsx<RS: Read + Seek>(
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
pub(super) fn read_sheet<RS: Read + Seek, S: RowSink + ?Sized>(
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

/// The text of one xlsx cell, or (zh, en) details of why it has none.
pub(super) fn cell_text(data: &Data) -> Result<String, (String, String)> {
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
pub(super) fn float_text(f: f64) -> String {
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

pub(super) fn date_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub(super) fn datetime_text(dt: &ExcelDateTime) -> Result<String, (String, String)> {
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
pub(super) fn column_letter(mut index: usize) -> String {
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
