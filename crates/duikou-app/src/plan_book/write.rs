//! A plan file as a workbook: the TOML source read generically, each table's entries
//! as rows, every key in a column (keys the workbook has no column for in a column
//! headed by the key itself, holding its TOML value), drop-downs for every closed
//! choice.

use duikou_domain::plan::{Plan, RowNote};

use super::cells::{inline, to_cell};
use super::labels::{self as l, Codec, Col, KindNames, SheetDef};
use super::render::{lists_of, render};
use super::{PlanBookError, column_letter};

/// One sheet as text, before it is written.
pub(super) struct Sheet {
    pub name: &'static str,
    pub headers: Vec<String>,
    pub codecs: Vec<Option<Codec>>,
    pub widths: Vec<f64>,
    pub rows: Vec<Vec<String>>,
    /// The data row (0-based, below the header) each entry starts on.
    pub entry_rows: Vec<usize>,
}

pub(super) fn write(source: &str, notes: &[RowNote]) -> Result<Vec<u8>, PlanBookError> {
    let doc = source.parse::<toml::Table>().map_err(|e| {
        let line = e.span().map(|s| {
            let upto = &source.as_bytes()[..s.start.min(source.len())];
            upto.iter().filter(|b| **b == b'\n').count() + 1
        });
        let msg = e.message().trim().to_string();
        let at_zh = line.map(|n| format!("第 {n} 行：")).unwrap_or_default();
        let at_en = line.map(|n| format!("line {n}: ")).unwrap_or_default();
        PlanBookError::new(
            format!("计划文件无法读取：{at_zh}{msg}"),
            format!("cannot parse the plan file: {at_en}{msg}"),
        )
    })?;
    let sheets = sheets_of(&doc)?;
    let plan = Plan::from_toml(source, "plan").ok();
    let lists = lists_of(&doc, plan.as_ref(), &own_kinds(&doc));
    let notes = place_notes(&sheets, notes)?;
    render(&sheets, &lists, &notes).map_err(|e| {
        PlanBookError::new(
            format!("无法写出工作簿：{e}"),
            format!("cannot write the workbook: {e}"),
        )
    })
}

/// The plan's own record kinds as (key, name).
fn own_kinds(doc: &toml::Table) -> KindNames {
    let own = entries(doc, "record_kind")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| {
            let key = t.get("key")?.as_str()?.trim().to_string();
            let name = t
                .get("name")
                .and_then(toml::Value::as_str)
                .map_or(String::new(), |n| n.trim().to_string());
            Some((key, name))
        })
        .collect();
    KindNames::with_own(own)
}

pub(super) fn entries<'a>(
    doc: &'a toml::Table,
    table: &str,
) -> Result<Vec<&'a toml::Table>, PlanBookError> {
    match doc.get(table) {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(a)) => a
            .iter()
            .map(|v| v.as_table().ok_or_else(|| not_entries(table)))
            .collect(),
        Some(_) => Err(not_entries(table)),
    }
}

fn not_entries(table: &str) -> PlanBookError {
    PlanBookError::new(
        format!("计划文件的 {table} 应为表数组（[[{table}]]）"),
        format!("{table} of the plan file must be an array of tables ([[{table}]])"),
    )
}

fn unwritable(
    sheet: &str,
    row: usize,
    col: usize,
    header: &str,
    what: String,
    expected: (&str, &str),
) -> PlanBookError {
    PlanBookError {
        sheet: Some(sheet.to_string()),
        row: Some(row as u32 + 2),
        column: Some(format!("{}（{header}）", column_letter(col))),
        zh: format!("{what} 无法写入单元格：应为{}", expected.0),
        en: format!(
            "{what} cannot be written in a cell: it must be {}",
            expected.1
        ),
    }
}

/// Every sheet of the workbook, as text.
pub(super) fn sheets_of(doc: &toml::Table) -> Result<Vec<Sheet>, PlanBookError> {
    for k in doc.keys() {
        if !l::SHEETS.iter().any(|s| s.table == k) {
            return Err(PlanBookError::new(
                format!("计划文件有工作簿无法表示的表：{k}"),
                format!("the plan file has a table the workbook cannot hold: {k}"),
            ));
        }
    }
    let kinds = own_kinds(doc);
    let mut sheets = vec![plan_sheet(doc, &kinds)?];
    for def in &l::SHEETS[1..] {
        // 地图 only for a plan that has a map: the others' workbooks stay as they were.
        if def.name == l::MAP && !doc.contains_key("map") {
            continue;
        }
        let sheet = match def.name {
            l::UNIT_TARGETS => unit_target_sheet(doc, &kinds)?,
            l::VOCABULARY => vocabulary_sheet(doc, def)?,
            l::FIELDS => field_sheet(doc, def, &kinds)?,
            l::MAP => map_sheet(doc)?,
            _ => {
                let skip: &[&str] = match def.name {
                    l::INDICATORS => &["unit_targets"],
                    l::KINDS => &["fields"],
                    _ => &[],
                };
                let rows: Vec<(Option<String>, &toml::Table)> = entries(doc, def.table)?
                    .into_iter()
                    .map(|t| (None, t))
                    .collect();
                entry_sheet(def, &rows, skip, &kinds)?
            }
        };
        sheets.push(sheet);
    }
    Ok(sheets)
}

fn plan_sheet(doc: &toml::Table, kinds: &KindNames) -> Result<Sheet, PlanBookError> {
    let empty = toml::Table::new();
    let plan = match doc.get("plan") {
        None => &empty,
        Some(toml::Value::Table(t)) => t,
        Some(_) => {
            return Err(PlanBookError::new(
                "计划文件的 plan 应为表（[plan]）",
                "plan of the plan file must be a table ([plan])",
            ));
        }
    };
    let mut rows = Vec::new();
    for (i, (label, key, codec, _)) in l::PLAN_ROWS.iter().enumerate() {
        let value = match plan.get(*key) {
            None => String::new(),
            Some(v) => to_cell(*codec, v, kinds)
                .map_err(|exp| unwritable(l::PLAN, i, 1, "值", format!("[plan] {key}"), exp))?,
        };
        rows.push(vec![label.to_string(), value]);
    }
    for (k, v) in plan {
        if !l::PLAN_ROWS.iter().any(|(_, key, _, _)| key == k) {
            rows.push(vec![k.clone(), inline(v)]);
        }
    }
    let mut sheet = new_sheet(l::PLAN, l::PLAN_COLS, &[]);
    sheet.rows = rows;
    sheet.entry_rows = vec![0];
    Ok(with_notes_columns(sheet))
}

/// 地图: `[map]` as 项目 | 值 rows, the GeoJSON text cut into cells that Excel holds.
fn map_sheet(doc: &toml::Table) -> Result<Sheet, PlanBookError> {
    let mut sheet = new_sheet(l::MAP, l::PLAN_COLS, &[]);
    let map = match doc.get("map") {
        None => return Ok(with_notes_columns(sheet)),
        Some(toml::Value::Table(t)) => t,
        Some(_) => {
            return Err(PlanBookError::new(
                "计划文件的 map 应为表（[map]）",
                "map of the plan file must be a table ([map])",
            ));
        }
    };
    let mut rows = Vec::new();
    for (label, key) in l::MAP_ROWS {
        match (map.get(*key), *key) {
            (None, _) => {}
            (Some(toml::Value::String(text)), "geojson") => {
                let chars: Vec<char> = text.chars().collect();
                for chunk in chars.chunks(l::MAP_CHUNK) {
                    rows.push(vec![label.to_string(), chunk.iter().collect()]);
                }
            }
            (Some(toml::Value::String(text)), _) => {
                rows.push(vec![label.to_string(), text.clone()])
            }
            (Some(toml::Value::Table(t)), "tiles") => {
                rows.push(vec![label.to_string(), super::cells::table_body(t)]);
            }
            (Some(v), _) => rows.push(vec![key.to_string(), inline(v)]),
        }
    }
    for (k, v) in map {
        if !l::MAP_ROWS.iter().any(|(_, key)| key == k) {
            rows.push(vec![k.clone(), inline(v)]);
        }
    }
    sheet.entry_rows = vec![0];
    sheet.rows = rows;
    Ok(with_notes_columns(sheet))
}

fn new_sheet(name: &'static str, cols: &[Col], extra: &[String]) -> Sheet {
    let mut sheet = Sheet {
        name,
        headers: cols.iter().map(|c| c.header.to_string()).collect(),
        codecs: cols.iter().map(|c| Some(c.codec)).collect(),
        widths: cols.iter().map(|c| c.width).collect(),
        rows: Vec::new(),
        entry_rows: Vec::new(),
    };
    for k in extra {
        sheet.headers.push(k.clone());
        sheet.codecs.push(None);
        sheet.widths.push(18.0);
    }
    sheet
}

fn with_notes_columns(mut sheet: Sheet) -> Sheet {
    sheet.headers.push(l::PENDING.into());
    sheet.headers.push(l::SOURCE.into());
    sheet.codecs.extend([None, None]);
    sheet.widths.extend([10.0, 40.0]);
    for r in &mut sheet.rows {
        r.extend([String::new(), String::new()]);
    }
    sheet
}

/// Keys the sheet has no column for, in order of first appearance.
fn extra_keys(cols: &[Col], rows: &[&toml::Table], skip: &[&str]) -> Vec<String> {
    let mut extra: Vec<String> = Vec::new();
    for t in rows {
        for k in t.keys() {
            if !cols.iter().any(|c| c.key == k) && !skip.contains(&k.as_str()) && !extra.contains(k)
            {
                extra.push(k.clone());
            }
        }
    }
    extra
}

/// One row per entry; `record` (for the 字段 sheet) overrides the entry's own.
fn entry_sheet(
    def: &SheetDef,
    rows: &[(Option<String>, &toml::Table)],
    skip: &[&str],
    kinds: &KindNames,
) -> Result<Sheet, PlanBookError> {
    let tables: Vec<&toml::Table> = rows.iter().map(|(_, t)| *t).collect();
    let extra = extra_keys(def.cols, &tables, skip);
    let mut sheet = new_sheet(def.name, def.cols, &extra);
    for (i, (record, t)) in rows.iter().enumerate() {
        let mut cells = Vec::new();
        for (c, col) in def.cols.iter().enumerate() {
            let cell = match (record, t.get(col.key)) {
                (Some(r), _) if col.key == "record" => r.clone(),
                (_, None) => String::new(),
                (_, Some(v)) => to_cell(col.codec, v, kinds).map_err(|exp| {
                    let what = format!("{} 第 {} 项的 {}", def.table, i + 1, col.key);
                    unwritable(def.name, i, c, col.header, what, exp)
                })?,
            };
            cells.push(cell);
        }
        for k in &extra {
            cells.push(t.get(k).map(inline).unwrap_or_default());
        }
        sheet.entry_rows.push(sheet.rows.len());
        sheet.rows.push(cells);
    }
    Ok(with_notes_columns(sheet))
}

fn unit_target_sheet(doc: &toml::Table, kinds: &KindNames) -> Result<Sheet, PlanBookError> {
    let mut sheet = new_sheet(l::UNIT_TARGETS, l::UNIT_TARGET_COLS, &[]);
    for (i, ind) in entries(doc, "indicator")?.into_iter().enumerate() {
        let Some(ut) = ind.get("unit_targets") else {
            continue;
        };
        let bad = |expected: (&'static str, &'static str)| PlanBookError {
            sheet: Some(l::INDICATORS.to_string()),
            row: Some(i as u32 + 2),
            column: None,
            zh: format!(
                "indicator 第 {} 项的 unit_targets 无法写入工作簿：应为{}",
                i + 1,
                expected.0
            ),
            en: format!(
                "unit_targets of indicator {} cannot be written in the workbook: it must be {}",
                i + 1,
                expected.1
            ),
        };
        let id = match ind.get("id") {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => {
                return Err(bad((
                    "有标识（id）的指标的单位目标",
                    "the unit targets of an indicator with an id",
                )));
            }
        };
        let toml::Value::Table(ut) = ut else {
            return Err(bad(("表（单位 = 目标）", "a table (unit = target)")));
        };
        for (unit, target) in ut {
            let target = to_cell(Codec::Target, target, kinds).map_err(bad)?;
            sheet.rows.push(vec![id.clone(), unit.clone(), target]);
        }
    }
    Ok(sheet)
}

fn vocabulary_sheet(doc: &toml::Table, def: &SheetDef) -> Result<Sheet, PlanBookError> {
    let tables = entries(doc, "vocabulary")?;
    let extra = extra_keys(def.cols, &tables, &[]);
    let mut sheet = new_sheet(def.name, def.cols, &extra);
    for (i, t) in tables.iter().enumerate() {
        let row = sheet.rows.len();
        let bad = |col: usize, header: &str, key: &str, exp| {
            unwritable(
                def.name,
                row,
                col,
                header,
                format!("vocabulary 第 {} 项的 {key}", i + 1),
                exp,
            )
        };
        let field = match t.get("field") {
            None => String::new(),
            Some(toml::Value::String(s)) => s.clone(),
            Some(_) => return Err(bad(0, "字段", "field", ("文本", "text"))),
        };
        let english = match t.get("en") {
            None => String::new(),
            Some(v) => to_cell(Codec::Where, v, &KindNames::default())
                .map_err(|exp| bad(2, "英文名称", "en", exp))?,
        };
        let options: Vec<String> = match t.get("add") {
            None => Vec::new(),
            Some(toml::Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| bad(1, "增加选项", "add", ("文本列表", "a list of text")))?,
            Some(_) => return Err(bad(1, "增加选项", "add", ("文本列表", "a list of text"))),
        };
        sheet.entry_rows.push(row);
        // One option a row; an entry without options keeps one row, its option cell empty.
        let options: Vec<String> = if options.is_empty() {
            vec![String::new()]
        } else {
            options
                .into_iter()
                .map(|o| if o.is_empty() { "\"\"".to_string() } else { o })
                .collect()
        };
        for (n, option) in options.into_iter().enumerate() {
            let first = if n == 0 {
                english.clone()
            } else {
                String::new()
            };
            let mut cells = vec![field.clone(), option, first];
            for k in &extra {
                cells.push(if n == 0 {
                    t.get(k).map(inline).unwrap_or_default()
                } else {
                    String::new()
                });
            }
            sheet.rows.push(cells);
        }
    }
    Ok(with_notes_columns(sheet))
}

fn field_sheet(
    doc: &toml::Table,
    def: &SheetDef,
    kinds: &KindNames,
) -> Result<Sheet, PlanBookError> {
    let mut rows: Vec<(Option<String>, &toml::Table)> = entries(doc, "field")?
        .into_iter()
        .map(|t| (None, t))
        .collect();
    let extra_fields = rows.len();
    let own = entries(doc, "record_kind")?;
    for (i, k) in own.iter().enumerate() {
        let key = k
            .get("key")
            .and_then(toml::Value::as_str)
            .unwrap_or_default();
        let name = k
            .get("name")
            .and_then(toml::Value::as_str)
            .unwrap_or_default();
        // The name where it tells the kind apart, else the key.
        let unique_name = !name.trim().is_empty()
            && own
                .iter()
                .filter(|o| o.get("name").and_then(toml::Value::as_str) == Some(name))
                .count()
                == 1
            && kinds
                .builtin
                .iter()
                .all(|(bk, bn)| bn != name && bk != name);
        let label = if unique_name { name.trim() } else { key.trim() };
        let bad = |zh: &str, en: &str| PlanBookError {
            sheet: Some(l::KINDS.to_string()),
            row: Some(i as u32 + 2),
            column: None,
            zh: format!("record_kind 第 {} 项{zh}", i + 1),
            en: format!("record_kind {}{en}", i + 1),
        };
        if label.is_empty() {
            if k.contains_key("fields") {
                return Err(bad(
                    "没有 key，其字段无法写入工作簿",
                    " has no key: its fields cannot be written in the workbook",
                ));
            }
            continue;
        }
        match k.get("fields") {
            None => {}
            Some(toml::Value::Array(a)) => {
                for f in a {
                    let f = f.as_table().ok_or_else(|| {
                        bad(
                            "的 fields 应为表的数组",
                            ": fields must be an array of tables",
                        )
                    })?;
                    if f.contains_key("record") {
                        return Err(bad(
                            "的字段不能有 record",
                            ": its fields cannot have a record",
                        ));
                    }
                    rows.push((Some(label.to_string()), f));
                }
            }
            Some(_) => {
                return Err(bad(
                    "的 fields 应为表的数组",
                    ": fields must be an array of tables",
                ));
            }
        }
    }
    let mut sheet = entry_sheet(def, &rows, &[], kinds)?;
    sheet.entry_rows.truncate(extra_fields);
    Ok(sheet)
}

// ------------------------------------------------------------------ notes

/// (sheet, data row) → (pending, source).
pub(super) type Notes = Vec<(&'static str, usize, bool, String)>;

fn place_notes(sheets: &[Sheet], notes: &[RowNote]) -> Result<Notes, PlanBookError> {
    let mut out: Notes = Vec::new();
    for n in notes {
        let at = l::sheet_of_table(&n.table)
            .and_then(|name| sheets.iter().find(|s| s.name == name))
            .and_then(|s| Some((s.name, *s.entry_rows.get(n.index)?)));
        let Some((sheet, row)) = at else {
            return Err(PlanBookError::new(
                format!(
                    "备注指向计划文件中没有的条目：{} 第 {} 项",
                    n.table,
                    n.index + 1
                ),
                format!(
                    "a note names an entry the plan file does not have: {} number {}",
                    n.table,
                    n.index + 1
                ),
            ));
        };
        match out.iter_mut().find(|(s, r, _, _)| *s == sheet && *r == row) {
            Some(existing) => {
                existing.2 |= n.pending;
                if !n.source.is_empty() {
                    if !existing.3.is_empty() {
                        existing.3.push('\n');
                    }
                    existing.3.push_str(&n.source);
                }
            }
            None => out.push((sheet, row, n.pending, n.source.clone())),
        }
    }
    Ok(out)
}
