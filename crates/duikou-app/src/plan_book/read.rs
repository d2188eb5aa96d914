//! A plan workbook back to a plan file: the grid of each sheet as TOML, written entry by
//! entry, one key per line, each line remembering the cell it came from; then the plan
//! loader's verdict, each of its errors mapped back to that cell.

use std::collections::{BTreeMap, HashMap, HashSet};

use duikou_domain::plan::Plan;

use super::cells::{from_cell, inline, key, parse_value, quote};
use super::grid::{Origin, Row, Sheet, Sheets, error_at, is_key, load, structure};
use super::labels::{self as l, Codec, Col, KindNames};
use super::{PlanBookError, PlanBookErrors};
struct Conv<'b, 'g> {
    errors: Vec<PlanBookError>,
    /// Rows with a problem of their own: the loader's complaints about them are left out.
    bad_rows: HashSet<(&'static str, u32)>,
    lines: Vec<String>,
    origins: Vec<Option<Origin>>,
    kinds: KindNames,
    sheets: &'b Sheets<'g>,
}

pub(super) fn read(bytes: &[u8], file: &str) -> Result<(Plan, String), PlanBookErrors> {
    let fail = |errors| PlanBookErrors {
        file: file.to_string(),
        errors,
    };
    let grids = load(bytes).map_err(|detail| {
        fail(vec![PlanBookError::new(
            format!("{file} 不是可读取的 Excel 工作簿（.xlsx）：{detail}"),
            format!("{file} is not a readable Excel workbook (.xlsx): {detail}"),
        )])
    })?;
    let (sheets, errors) = structure(&grids);
    if !errors.is_empty() {
        return Err(fail(errors));
    }
    let mut c = Conv {
        errors: Vec::new(),
        bad_rows: HashSet::new(),
        lines: Vec::new(),
        origins: Vec::new(),
        kinds: KindNames::default(),
        sheets: &sheets,
    };
    c.convert();
    let toml = c.lines.join("\n") + "\n";
    let direct = c.errors.len();
    match Plan::from_toml(&toml, file) {
        Ok(plan) if direct == 0 => return Ok((plan, toml)),
        Ok(_) => {}
        Err(e) => {
            for pe in e.errors {
                let err = c.locate(pe.line, pe.zh, pe.en);
                let on_bad_row = matches!((&err.sheet, err.row), (Some(s), Some(r))
                    if c.bad_rows.iter().any(|(bs, br)| bs == s && *br == r));
                if !on_bad_row && !c.errors.contains(&err) {
                    c.errors.push(err);
                }
            }
        }
    }
    Err(fail(c.errors))
}

impl<'b, 'g> Conv<'b, 'g> {
    fn direct(&mut self, o: &Origin, (zh, en): (String, String)) {
        if let Some(r) = o.row {
            self.bad_rows.insert((o.sheet, r));
        }
        self.errors.push(error_at(o, zh, en));
    }

    fn push(&mut self, line: String, o: Option<Origin>) {
        self.lines.push(line);
        self.origins.push(o);
    }

    // -------------------------------------------------------------- conversion

    fn convert(&mut self) {
        self.push(
            "# 计划文件：由计划工作簿转换 / a plan file converted from a plan workbook".into(),
            None,
        );
        let own: Vec<(String, String)> = self
            .sheet_rows(l::KINDS)
            .into_iter()
            .filter_map(|(s, _, row)| {
                let key = s.cell(row, "key")?.to_string();
                Some((key, s.cell(row, "name").unwrap_or_default().to_string()))
            })
            .collect();
        self.kinds = KindNames::with_own(own);
        self.plan();
        for name in [l::UNITS, l::GROUPS, l::PAIRINGS, l::ACTIONS, l::ITEMS] {
            for (s, r, row) in self.sheet_rows(name) {
                self.entry(s, r, row, &[]);
            }
        }
        self.vocabulary();
        self.fields_and_kinds();
        self.indicators();
        // Last: its keys follow the [map] header, and nothing else does.
        self.map();
    }

    /// 地图 back to `[map]`: the 轮廓 rows joined in order into the GeoJSON text.
    fn map(&mut self) {
        let rows = self.sheet_rows(l::MAP);
        let mut lines: Vec<(String, Origin)> = Vec::new();
        let mut geojson: Option<(String, Origin)> = None;
        for (s, r, row) in rows {
            self.pending(s, r, row);
            let (Some(item), value) = (s.cell(row, "item"), s.cell(row, "value")) else {
                if Self::has_data(s, row) {
                    self.direct(
                        &s.at(r, "item"),
                        ("「项目」为空".into(), "\"项目\" is empty".into()),
                    );
                }
                continue;
            };
            let o = s.at(r, "value");
            let known = l::MAP_ROWS
                .iter()
                .find(|(label, k)| *label == item || *k == item)
                .map(|(_, k)| *k);
            let Some(value) = value else { continue };
            match known {
                Some("geojson") => match &mut geojson {
                    Some((text, _)) => text.push_str(value),
                    None => geojson = Some((value.to_string(), o)),
                },
                Some("name_property") => {
                    lines.push((format!("name_property = {}", quote(value)), o))
                }
                Some(k) => match from_cell(Codec::Where, value, &self.kinds) {
                    Ok(v) => lines.push((format!("{k} = {v}"), o)),
                    Err(why) => self.direct(&o, why),
                },
                None if is_key(item) => match parse_value(value) {
                    Ok(v) => lines.push((format!("{} = {}", key(item), inline(&v)), o)),
                    Err(why) => self.direct(&o, why),
                },
                None => {
                    let labels: Vec<&str> = l::MAP_ROWS.iter().map(|r| r.0).collect();
                    self.direct(
                        &s.at(r, "item"),
                        (
                            format!("未知的项目「{item}」（可用：{}）", labels.join("、")),
                            format!("unknown item \"{item}\" ({})", labels.join(", ")),
                        ),
                    );
                }
            }
        }
        if let Some((text, o)) = geojson {
            lines.push((format!("geojson = {}", quote(&text)), o));
        }
        if lines.is_empty() {
            return;
        }
        self.push(String::new(), None);
        let header = lines[0].1.clone();
        self.push("[map]".into(), Some(header));
        for (line, o) in lines {
            self.push(line, Some(o));
        }
    }

    /// The data rows of a sheet, each checked for 待确认 (rows with no data skipped).
    fn sheet_rows(&self, name: &str) -> Vec<(&'b Sheet<'g>, u32, &'g BTreeMap<u32, String>)> {
        let sheets: &'b Sheets<'g> = self.sheets;
        let Some(s) = sheets.get(name) else {
            return Vec::new();
        };
        s.rows.iter().map(|(r, row)| (s, *r, *row)).collect()
    }

    fn pending(&mut self, s: &Sheet<'_>, r: u32, row: &BTreeMap<u32, String>) {
        if let Some(pc) = s.pending
            && row.get(&pc).is_some_and(|t| !t.is_empty())
        {
            let o = s.at_col(r, pc, l::PENDING);
            self.direct(
                &o,
                (
                    "此行仍待确认：确认后清空该单元格".into(),
                    "this row still awaits confirmation: clear the cell once confirmed".into(),
                ),
            );
        }
    }

    fn has_data(s: &Sheet<'_>, row: &BTreeMap<u32, String>) -> bool {
        s.cols
            .values()
            .map(|(c, _)| c)
            .chain(s.extras.iter().map(|(c, _)| c))
            .any(|c| row.contains_key(c))
    }

    /// `key = value` lines of a row's columns (`cols`, then the extra columns).
    fn keys(&mut self, s: &Sheet<'_>, r: u32, row: &BTreeMap<u32, String>, cols: &[Col]) {
        self.columns(s, r, row, cols);
        for (c, k) in &s.extras {
            if let Some(text) = row.get(c).filter(|t| !t.is_empty()) {
                let o = s.at_col(r, *c, k);
                match parse_value(text) {
                    Ok(v) => self.push(format!("{} = {}", key(k), inline(&v)), Some(o)),
                    Err(why) => self.direct(&o, why),
                }
            }
        }
    }

    /// `key = value` lines of a row's columns `cols` only.
    fn columns(&mut self, s: &Sheet<'_>, r: u32, row: &BTreeMap<u32, String>, cols: &[Col]) {
        for col in cols {
            let o = s.at(r, col.key);
            match s.cell(row, col.key) {
                Some(text) => match from_cell(col.codec, text, &self.kinds) {
                    Ok(v) => self.push(format!("{} = {v}", key(col.key)), Some(o)),
                    Err(why) => self.direct(&o, why),
                },
                None if col.required => self.direct(
                    &o,
                    (
                        format!("「{}」必填", col.header),
                        format!("\"{}\" is required", col.header),
                    ),
                ),
                None => {}
            }
        }
    }

    fn entry(&mut self, s: &Sheet<'_>, r: u32, row: &BTreeMap<u32, String>, skip: &[&str]) {
        self.pending(s, r, row);
        if !Self::has_data(s, row) {
            return;
        }
        self.push(String::new(), None);
        self.push(format!("[[{}]]", s.def.table), Some(s.at(r, "")));
        let cols: Vec<Col> = s
            .def
            .cols
            .iter()
            .filter(|c| !skip.contains(&c.key))
            .copied()
            .collect();
        self.keys(s, r, row, &cols);
    }

    fn plan(&mut self) {
        self.push(
            "[plan]".into(),
            Some(Origin {
                sheet: l::PLAN,
                row: None,
                column: None,
            }),
        );
        let mut seen: Vec<&str> = Vec::new();
        let mut filled: Vec<&str> = Vec::new();
        for (s, r, row) in self.sheet_rows(l::PLAN) {
            self.pending(s, r, row);
            let (Some(item), value) = (s.cell(row, "item"), s.cell(row, "value")) else {
                if Self::has_data(s, row) {
                    self.direct(
                        &s.at(r, "item"),
                        ("「项目」为空".into(), "\"项目\" is empty".into()),
                    );
                }
                continue;
            };
            let o = s.at(r, "value");
            let known = l::PLAN_ROWS
                .iter()
                .find(|(label, k, _, _)| *label == item || *k == item);
            let k: &str = match known {
                Some((_, k, _, _)) => k,
                None if is_key(item) => item,
                None => {
                    let labels: Vec<&str> = l::PLAN_ROWS.iter().map(|r| r.0).collect();
                    self.direct(
                        &s.at(r, "item"),
                        (
                            format!("未知的项目「{item}」（可用：{}）", labels.join("、")),
                            format!("unknown item \"{item}\" ({})", labels.join(", ")),
                        ),
                    );
                    continue;
                }
            };
            if seen.contains(&k) {
                self.direct(
                    &s.at(r, "item"),
                    (
                        format!("项目「{item}」重复"),
                        format!("the item \"{item}\" appears twice"),
                    ),
                );
                continue;
            }
            seen.push(k);
            let Some(value) = value else {
                continue;
            };
            filled.push(k);
            let v = match known {
                Some((_, _, codec, _)) => from_cell(*codec, value, &self.kinds),
                None => parse_value(value).map(|v| inline(&v)),
            };
            match v {
                Ok(v) => self.push(format!("{} = {v}", key(k)), Some(o)),
                Err(why) => self.direct(&o, why),
            }
        }
        for (label, k, _, required) in l::PLAN_ROWS {
            if *required && !filled.contains(k) {
                self.errors.push(PlanBookError {
                    sheet: Some(l::PLAN.to_string()),
                    ..PlanBookError::new(
                        format!("缺少项目「{label}」（{k}）"),
                        format!("the item \"{label}\" ({k}) is missing"),
                    )
                });
            }
        }
    }

    fn vocabulary(&mut self) {
        let rows = self.sheet_rows(l::VOCABULARY);
        let mut i = 0;
        while i < rows.len() {
            let (s, r, row) = rows[i];
            self.pending(s, r, row);
            if !Self::has_data(s, row) {
                i += 1;
                continue;
            }
            let field = s.cell(row, "field");
            let mut group = vec![(r, row)];
            let mut j = i + 1;
            while field.is_some() && j < rows.len() && s.cell(rows[j].2, "field") == field {
                self.pending(s, rows[j].1, rows[j].2);
                group.push((rows[j].1, rows[j].2));
                j += 1;
            }
            i = j;
            self.push(String::new(), None);
            self.push("[[vocabulary]]".into(), Some(s.at(r, "")));
            self.columns(s, r, row, &l::VOCABULARY_COLS[..1]);
            // The English labels, from whichever row of the entry holds them.
            let en_col = &l::VOCABULARY_COLS[2..];
            if let Some((gr, grow)) = group
                .iter()
                .find(|(_, g)| s.cell(g, "en").is_some_and(|t| !t.is_empty()))
            {
                self.columns(s, *gr, grow, en_col);
            }
            self.push("add = [".into(), Some(s.at(r, "add")));
            for (gr, grow) in &group {
                if let Some(option) = s.cell(grow, "add") {
                    let text = if option == "\"\"" {
                        String::new()
                    } else {
                        option.to_string()
                    };
                    self.push(format!("  {},", quote(&text)), Some(s.at(*gr, "add")));
                }
            }
            self.push("]".into(), Some(s.at(r, "add")));
            for (c, k) in &s.extras {
                if let Some((gr, text)) =
                    group.iter().find_map(|(gr, g)| g.get(c).map(|t| (*gr, t)))
                {
                    let o = s.at_col(gr, *c, k);
                    match parse_value(text) {
                        Ok(v) => self.push(format!("{} = {}", key(k), inline(&v)), Some(o)),
                        Err(why) => self.direct(&o, why),
                    }
                }
            }
        }
    }

    fn fields_and_kinds(&mut self) {
        // Fields of the plan's own kinds, by kind key, in row order; the rest are [[field]].
        let mut own: HashMap<String, Vec<Row<'g>>> = HashMap::new();
        for (s, r, row) in self.sheet_rows(l::FIELDS) {
            match s.cell(row, "record").and_then(|t| self.kinds.is_own(t)) {
                Some(k) => own.entry(k.to_string()).or_default().push((r, row)),
                None => self.entry(s, r, row, &[]),
            }
        }
        let field_cols: Vec<Col> = l::FIELD_COLS[1..].to_vec();
        let mut taken: HashSet<String> = HashSet::new();
        for (s, r, row) in self.sheet_rows(l::KINDS) {
            self.entry(s, r, row, &[]);
            let Some(k) = s.cell(row, "key") else {
                continue;
            };
            let fields = if taken.insert(k.to_string()) {
                own.remove(k).unwrap_or_default()
            } else {
                Vec::new()
            };
            if fields.is_empty() {
                self.push("fields = []".into(), Some(s.at(r, "key")));
            }
            let sheets: &'b Sheets<'g> = self.sheets;
            let Some(fs) = sheets.get(l::FIELDS) else {
                continue;
            };
            for (fr, frow) in fields {
                self.pending(fs, fr, frow);
                self.push(String::new(), None);
                self.push("[[record_kind.fields]]".into(), Some(fs.at(fr, "")));
                self.keys(fs, fr, frow, &field_cols);
            }
        }
    }

    fn indicators(&mut self) {
        // Unit targets by indicator id, checked against the indicators listed.
        let ids: HashSet<String> = self
            .sheet_rows(l::INDICATORS)
            .into_iter()
            .filter_map(|(s, _, row)| s.cell(row, "id").map(str::to_string))
            .collect();
        let mut targets: HashMap<String, Vec<(u32, String, String)>> = HashMap::new();
        for (s, r, row) in self.sheet_rows(l::UNIT_TARGETS) {
            self.pending(s, r, row);
            let (id, unit, target) = (
                s.cell(row, "indicator"),
                s.cell(row, "unit"),
                s.cell(row, "target"),
            );
            let (Some(id), Some(unit), Some(target)) = (id, unit, target) else {
                for col in l::UNIT_TARGET_COLS
                    .iter()
                    .filter(|c| s.cell(row, c.key).is_none())
                {
                    self.direct(
                        &s.at(r, col.key),
                        (
                            format!("「{}」必填", col.header),
                            format!("\"{}\" is required", col.header),
                        ),
                    );
                }
                continue;
            };
            if !ids.contains(id) {
                self.direct(
                    &s.at(r, "indicator"),
                    (
                        format!("指标表中没有标识为 {id} 的指标"),
                        format!("the sheet 指标 has no indicator {id}"),
                    ),
                );
                continue;
            }
            let list = targets.entry(id.to_string()).or_default();
            if list.iter().any(|(_, u, _)| u == unit) {
                self.direct(
                    &s.at(r, "unit"),
                    (
                        format!("指标 {id} 的单位 {unit} 重复"),
                        format!("unit {unit} appears twice for indicator {id}"),
                    ),
                );
                continue;
            }
            match from_cell(Codec::Target, target, &self.kinds) {
                Ok(t) => list.push((r, unit.to_string(), t)),
                Err(why) => self.direct(&s.at(r, "target"), why),
            }
        }
        let mut done: HashSet<String> = HashSet::new();
        for (s, r, row) in self.sheet_rows(l::INDICATORS) {
            self.entry(s, r, row, &[]);
            let Some(id) = s.cell(row, "id") else {
                continue;
            };
            if !done.insert(id.to_string()) {
                continue;
            }
            if let Some(list) = targets.remove(id).filter(|l| !l.is_empty()) {
                let body: Vec<String> = list
                    .iter()
                    .map(|(_, u, t)| format!("{} = {t}", quote(u)))
                    .collect();
                let sheets: &'b Sheets<'g> = self.sheets;
                let Some(us) = sheets.get(l::UNIT_TARGETS) else {
                    continue;
                };
                let o = us.at(list.first().map_or(r, |t| t.0), "target");
                self.push(format!("unit_targets = {{ {} }}", body.join(", ")), Some(o));
            }
        }
    }

    // -------------------------------------------------------------- error mapping

    /// The cell a plan-file error is about.
    fn locate(&self, line: Option<usize>, zh: String, en: String) -> PlanBookError {
        let origin = match line {
            Some(n) => self.origins[..n.min(self.origins.len())]
                .iter()
                .rev()
                .flatten()
                .next()
                .cloned(),
            None => self.unlined(&zh),
        };
        let mut origin = match origin {
            Some(o) => o,
            None => return PlanBookError::new(zh, en),
        };
        // A unit target's line holds every unit of the indicator: the unit named, if any.
        if origin.sheet == l::UNIT_TARGETS
            && let Some(s) = self.sheets.get(l::UNIT_TARGETS)
        {
            let start_row = origin.row;
            let named = s.rows.iter().find(|(r, row)| {
                Some(*r) >= start_row
                    && s.cell(row, "unit").is_some_and(|u| {
                        zh.contains(&format!(" {u} ")) || zh.contains(&format!("中的 {u}"))
                    })
            });
            if let Some((r, _)) = named {
                origin = s.at(*r, "unit");
            }
        }
        error_at(&origin, zh, en)
    }

    /// A best guess at the cell of an error the plan loader reports without a line.
    fn unlined(&self, zh: &str) -> Option<Origin> {
        let plan_row = |k: &str| -> Option<Origin> {
            let s = self.sheets.get(l::PLAN)?;
            let label = l::PLAN_ROWS.iter().find(|r| r.1 == k)?.0;
            let (r, _) = s
                .rows
                .iter()
                .find(|(_, row)| matches!(s.cell(row, "item"), Some(i) if i == label || i == k))?;
            Some(s.at(*r, "value"))
        };
        if zh.contains("first_year") {
            return plan_row("first_year");
        }
        if zh.contains("coordinator") {
            return plan_row("coordinator");
        }
        let s = self.sheets.get(l::UNITS)?;
        s.rows.iter().find_map(|(r, row)| {
            let name = s.cell(row, "name")?;
            if zh.starts_with(&format!("镇街 {name} ")) {
                Some(s.at(*r, "name"))
            } else if zh.starts_with(&format!("{name} 的别名")) {
                Some(s.at(*r, "aliases"))
            } else {
                None
            }
        })
    }
}
