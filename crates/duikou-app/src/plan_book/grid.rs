//! A workbook's sheets as grids of text, and each data sheet's header row read: which
//! column holds which key of the plan file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read};

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, Xlsx};

use super::labels::{self as l, SheetDef};
use super::{PlanBookError, column_letter};

/// The most parts, unpacked bytes and non-empty cells a plan workbook may have (a real
/// one: a few dozen parts, a few hundred kilobytes, some thousands of cells).
const MAX_PARTS: usize = 1_000;
const MAX_UNPACKED: u64 = 64 * 1024 * 1024;
const MAX_RATIO: u64 = 100;
const RATIO_GRACE: u64 = 1024 * 1024;
const MAX_CELLS: usize = 500_000;
const MAX_COLUMNS: u32 = 256;

/// One sheet's non-empty cells as text: row → column → text (0-based).
#[derive(Debug, Clone, Default)]
pub(super) struct Grid {
    pub name: String,
    pub cells: BTreeMap<u32, BTreeMap<u32, String>>,
    /// Cells whose value cannot be read (an error value, a date out of range).
    pub bad: Vec<(u32, u32, String, String)>,
}

/// Every sheet of a workbook, in order; `Err` with what is wrong with the file.
pub(super) fn load(bytes: &[u8]) -> Result<Vec<Grid>, String> {
    check_archive(bytes)?;
    // The spreadsheet parser is not ours: whatever it makes of a malformed part, reading
    // ends in an error, never a panic.
    std::panic::catch_unwind(|| load_checked(bytes))
        .unwrap_or_else(|_| Err("工作簿结构损坏 / the workbook is malformed".into()))
}

fn load_checked(bytes: &[u8]) -> Result<Vec<Grid>, String> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let names: Vec<String> = wb
        .sheets_metadata()
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let mut grids = Vec::new();
    let mut count = 0usize;
    for name in names {
        let mut grid = Grid {
            name: name.clone(),
            ..Grid::default()
        };
        let mut reader = match wb.worksheet_cells_reader(&name) {
            Ok(r) => r,
            // A chart sheet or a dialog sheet has no cells.
            Err(_) => {
                grids.push(grid);
                continue;
            }
        };
        while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
            let (row, col) = cell.get_position();
            let data = Data::from(cell.get_value().clone());
            let text = match cell_text(&data) {
                Ok(t) => t,
                Err((zh, en)) => {
                    grid.bad.push((row, col, zh, en));
                    continue;
                }
            };
            if text.is_empty() {
                continue;
            }
            if col >= MAX_COLUMNS {
                return Err(format!(
                    "工作表「{name}」第 {} 行有超出第 {MAX_COLUMNS} 列的内容 / sheet {name} row {} has content beyond column {MAX_COLUMNS}",
                    row + 1,
                    row + 1
                ));
            }
            count += 1;
            if count > MAX_CELLS {
                return Err(format!(
                    "非空单元格超过 {MAX_CELLS} 个 / more than {MAX_CELLS} non-empty cells"
                ));
            }
            grid.cells.entry(row).or_default().insert(col, text);
        }
        grids.push(grid);
    }
    Ok(grids)
}

/// Refuse an archive that would unpack to far more than a plan workbook holds, before
/// the spreadsheet reader unpacks it.
fn check_archive(bytes: &[u8]) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    if zip.len() > MAX_PARTS {
        return Err(format!(
            "压缩包内有 {} 个部件 / the archive has {} parts",
            zip.len(),
            zip.len()
        ));
    }
    let mut sizes = Vec::with_capacity(zip.len());
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| e.to_string())?;
        let size = part.size();
        if size > RATIO_GRACE && size / part.compressed_size().max(1) > MAX_RATIO {
            return Err(format!(
                "部件 {} 压缩比过高 / part {} deflates too well",
                part.name(),
                part.name()
            ));
        }
        total = total.saturating_add(size);
        sizes.push(size);
    }
    if total > MAX_UNPACKED {
        return Err(format!("解压后 {total} 字节 / it unpacks to {total} bytes"));
    }
    for (i, size) in sizes.into_iter().enumerate() {
        let mut part = zip.by_index(i).map_err(|e| e.to_string())?;
        let n = std::io::copy(
            &mut (&mut part).take(size.saturating_add(1)),
            &mut std::io::sink(),
        )
        .map_err(|e| e.to_string())?;
        if n > size {
            return Err(
                "部件解压后大于其声明的大小 / a part unpacks to more than it declares".into(),
            );
        }
    }
    Ok(())
}

fn cell_text(data: &Data) -> Result<String, (String, String)> {
    Ok(match data {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => datetime_text(dt)?,
        Data::DateTimeIso(s) => s
            .trim()
            .get(..10)
            .filter(|d| d.as_bytes().get(4) == Some(&b'-'))
            .unwrap_or(s.trim())
            .to_owned(),
        Data::DurationIso(s) => s.trim().to_owned(),
        Data::Error(e) => {
            return Err((
                format!("单元格是错误值 {e}"),
                format!("the cell holds the error {e}"),
            ));
        }
    })
}

/// A number as Excel shows it: 15 significant digits, whole numbers without a point.
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

fn datetime_text(dt: &ExcelDateTime) -> Result<String, (String, String)> {
    let value = dt.as_f64();
    let is_1904 = *dt == ExcelDateTime::new(value, ExcelDateTimeType::DateTime, true)
        || *dt == ExcelDateTime::new(value, ExcelDateTimeType::TimeDelta, true);
    if !value.is_finite() || value.abs() > 1e7 {
        return Err((
            format!("日期值 {value} 超出范围"),
            format!("date value {value} is out of range"),
        ));
    }
    let days = (value * 86_400.0).round() as i64 / 86_400;
    let d = duikou_domain::cells::excel_serial_to_date(days, is_1904).map_err(|e| (e.zh, e.en))?;
    Ok(format!(
        "{:04}-{:02}-{:02}",
        d.year(),
        u8::from(d.month()),
        d.day()
    ))
}

// ------------------------------------------------------------------ sheets

/// Where a line of the TOML text came from.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    pub sheet: &'static str,
    pub row: Option<u32>,
    pub column: Option<String>,
}

/// A data sheet with its header read: each known column's position.
pub(super) struct Sheet<'g> {
    pub def: &'static SheetDef,
    /// key → (column, header as written).
    pub cols: HashMap<&'static str, (u32, String)>,
    pub extras: Vec<(u32, String)>,
    pub pending: Option<u32>,
    /// Data rows (1-based row number, cells); rows with nothing but a 来源 are left out.
    pub rows: Vec<(u32, &'g BTreeMap<u32, String>)>,
}

impl Sheet<'_> {
    pub(super) fn cell<'r>(&self, row: &'r BTreeMap<u32, String>, key: &str) -> Option<&'r str> {
        let (c, _) = self.cols.get(key)?;
        row.get(c).map(String::as_str).filter(|s| !s.is_empty())
    }
    pub(super) fn at(&self, row: u32, key: &str) -> Origin {
        Origin {
            sheet: self.def.name,
            row: Some(row),
            column: self
                .cols
                .get(key)
                .map(|(c, h)| format!("{}（{h}）", column_letter(*c as usize))),
        }
    }
    pub(super) fn at_col(&self, row: u32, col: u32, header: &str) -> Origin {
        Origin {
            sheet: self.def.name,
            row: Some(row),
            column: Some(format!("{}（{header}）", column_letter(col as usize))),
        }
    }
}

pub(super) type Sheets<'g> = HashMap<&'static str, Sheet<'g>>;
/// A data row: its 1-based number and cells.
pub(super) type Row<'g> = (u32, &'g BTreeMap<u32, String>);

pub(super) fn error_at(o: &Origin, zh: impl Into<String>, en: impl Into<String>) -> PlanBookError {
    PlanBookError {
        sheet: Some(o.sheet.to_string()),
        row: o.row,
        column: o.column.clone(),
        zh: zh.into(),
        en: en.into(),
    }
}

/// The sheets present and each data sheet's header row.
pub(super) fn structure<'g>(grids: &'g [Grid]) -> (Sheets<'g>, Vec<PlanBookError>) {
    let mut sheets: Sheets<'g> = HashMap::new();
    let mut errors = Vec::new();
    for g in grids {
        if [l::HELP, l::LISTS].contains(&g.name.as_str()) {
            continue;
        }
        let Some(def) = l::sheet_def(&g.name) else {
            errors.push(PlanBookError {
                sheet: Some(g.name.clone()),
                ..PlanBookError::new(
                    format!(
                        "未知的工作表「{}」（计划工作簿只有：{}）",
                        g.name,
                        sheet_list()
                    ),
                    format!(
                        "unknown sheet \"{}\" (a plan workbook has: {})",
                        g.name,
                        sheet_list()
                    ),
                )
            });
            continue;
        };
        if sheets.contains_key(def.name) {
            continue;
        }
        if let Some(sheet) = header(def, g, &mut errors) {
            sheets.insert(def.name, sheet);
        }
    }
    for def in l::SHEETS {
        // 地图 is optional: a plan without [map], or a workbook from before it.
        if def.name != l::MAP && !grids.iter().any(|g| g.name == def.name) {
            errors.push(PlanBookError {
                sheet: Some(def.name.to_string()),
                ..PlanBookError::new(
                    format!("缺少工作表「{}」（{}）", def.name, def.about),
                    format!("the sheet \"{}\" is missing", def.name),
                )
            });
        }
    }
    (sheets, errors)
}

fn header<'g>(
    def: &'static SheetDef,
    g: &'g Grid,
    errors: &mut Vec<PlanBookError>,
) -> Option<Sheet<'g>> {
    let empty = BTreeMap::new();
    let head = g.cells.get(&0).unwrap_or(&empty);
    let mut sheet = Sheet {
        def,
        cols: HashMap::new(),
        extras: Vec::new(),
        pending: None,
        rows: Vec::new(),
    };
    let mut source = None;
    let before = errors.len();
    let mut seen: HashSet<String> = HashSet::new();
    for (&c, h) in head {
        let o = sheet.at_col(1, c, h);
        if !seen.insert(h.clone()) {
            errors.push(error_at(
                &o,
                format!("列名「{h}」重复"),
                format!("the header \"{h}\" appears twice"),
            ));
            continue;
        }
        if let Some(col) = def.cols.iter().find(|col| col.header == h || col.key == h) {
            if sheet.cols.contains_key(col.key) {
                errors.push(error_at(
                    &o,
                    format!("列「{}」出现两次", col.header),
                    format!("the column \"{}\" appears twice", col.header),
                ));
            }
            sheet.cols.insert(col.key, (c, h.clone()));
        } else if h == l::PENDING {
            sheet.pending = Some(c);
        } else if h == l::SOURCE {
            source = Some(c);
        } else if def.name != l::PLAN && def.name != l::UNIT_TARGETS && is_key(h) {
            sheet.extras.push((c, h.clone()));
        } else {
            let known: Vec<&str> = def.cols.iter().map(|c| c.header).collect();
            errors.push(error_at(
                &o,
                format!(
                    "未知的列「{h}」（此表的列：{}、待确认、来源）",
                    known.join("、")
                ),
                format!(
                    "unknown column \"{h}\" (this sheet's columns: {}, 待确认, 来源)",
                    known.join(", ")
                ),
            ));
        }
    }
    for col in def
        .cols
        .iter()
        .filter(|c| c.required || def.name == l::PLAN)
    {
        if !sheet.cols.contains_key(col.key) {
            errors.push(PlanBookError {
                sheet: Some(def.name.to_string()),
                row: Some(1),
                column: None,
                zh: format!("缺少列「{}」", col.header),
                en: format!("the column \"{}\" is missing", col.header),
            });
        }
    }
    let known: HashSet<u32> = sheet
        .cols
        .values()
        .map(|(c, _)| *c)
        .chain(sheet.extras.iter().map(|(c, _)| *c))
        .chain(sheet.pending)
        .chain(source)
        .collect();
    let mut headless: Vec<u32> = Vec::new();
    for (&r, cells) in g.cells.range(1..) {
        for &c in cells.keys() {
            if !known.contains(&c) && !headless.contains(&c) {
                headless.push(c);
                let o = sheet.at_col(r + 1, c, "");
                errors.push(error_at(
                    &o,
                    "此列有内容但没有列名",
                    "this column has content but no header",
                ));
            }
        }
        if cells.keys().any(|c| Some(*c) != source) {
            sheet.rows.push((r + 1, cells));
        }
    }
    for (r, c, zh, en) in &g.bad {
        let o = sheet.at_col(r + 1, *c, "");
        errors.push(error_at(&o, zh.clone(), en.clone()));
    }
    (errors.len() == before).then_some(sheet)
}

pub(super) fn is_key(h: &str) -> bool {
    !h.is_empty()
        && h.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn sheet_list() -> String {
    let mut names: Vec<&str> = vec![l::HELP];
    names.extend(l::SHEETS.iter().map(|s| s.name));
    names.push(l::LISTS);
    names.join("、")
}
