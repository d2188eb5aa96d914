//! From a table of text to validated records: header mapping, row validation with
//! errors naming file, row and column, duplicate handling, and ID protection.

use std::collections::{BTreeMap, HashMap};

use duikou_domain::crypto::SecretKey;
use duikou_domain::plan::{Plan, UnitKind};
use duikou_domain::record::{FieldInput, ValidationContext, natural_key, validate};
use duikou_domain::roles::{Actor, concerned_county};
use duikou_domain::schema::{FieldDesc, RecordKind};
use duikou_storage::records::NewRecord;
use serde::Serialize;

use crate::protect::protect;
use crate::tabular::Table;

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
fn map_headers(table: &Table, kind: RecordKind) -> Result<Vec<Column>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut columns: Vec<Column> = Vec::new();
    let header_row = table
        .rows
        .first()
        .map(|r| r.number.saturating_sub(1))
        .unwrap_or(1)
        .max(1);
    let file_err = |col: usize, header: &str, zh: String, en: String| RowError {
        file: table.file_name.clone(),
        row: header_row,
        column: format!("{} {header}", column_letter(col)),
        field: String::new(),
        value: header.to_string(),
        zh,
        en,
    };
    for (i, h) in table.headers.iter().enumerate() {
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
            None => {
                let empty = table
                    .rows
                    .iter()
                    .all(|r| r.cells.get(i).is_none_or(|c| c.trim().is_empty()));
                if !empty {
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
                file: table.file_name.clone(),
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

/// Validate every row; either all rows become records or every problem is returned.
pub fn prepare(
    table: &Table,
    kind: RecordKind,
    ctx: &PrepareContext<'_>,
) -> Result<Vec<NewRecord>, Vec<RowError>> {
    let columns = map_headers(table, kind)?;
    // Without a user, records come from the coordination office.
    let default_unit = match ctx.actor {
        Some(a) => a.unit.as_deref().or(ctx.plan.meta.coordinator.as_deref()),
        None => ctx.plan.meta.coordinator.as_deref(),
    };
    let vctx = ValidationContext {
        plan: ctx.plan,
        default_unit,
    };
    let mut errors = Vec::new();
    let mut out: Vec<NewRecord> = Vec::with_capacity(table.rows.len());
    // Natural key → (row number, index in `out`): the JSON is compared only on a repeat.
    let mut first_row_of_key: HashMap<String, (usize, usize)> = HashMap::new();
    let col_of = |key: &str| {
        columns
            .iter()
            .find(|c| c.field.key == key)
            .map(|c| format!("{} {}", column_letter(c.index), table.headers[c.index]))
    };
    for row in &table.rows {
        let mut input = BTreeMap::new();
        for c in &columns {
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
                if let Some(actor) = ctx.actor {
                    if !actor.can_create(kind, &valid.reporting_unit)
                        || !actor.names_own_unit(kind, &valid.fields)
                    {
                        errors.push(RowError {
                            file: table.file_name.clone(),
                            row: row.number,
                            column: col_of("reporting_unit").unwrap_or_default(),
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
                        continue;
                    }
                }
                let rec = new_record(valid, ctx.plan, ctx.key);
                if let Some(k) = &rec.natural_key {
                    match first_row_of_key.get(k) {
                        Some(&(first, at))
                            if out[at].valid.fields_json_text() != rec.valid.fields_json_text() =>
                        {
                            errors.push(RowError {
                                file: table.file_name.clone(),
                                row: row.number,
                                column: col_of(if kind == RecordKind::Transfer {
                                    "voucher_no"
                                } else {
                                    "id_number"
                                })
                                .unwrap_or_default(),
                                field: String::new(),
                                value: String::new(),
                                zh: format!(
                                    "与第 {first} 行重复但内容不同（{}）",
                                    duplicate_zh(kind)
                                ),
                                en: format!(
                                    "duplicates row {first} with different content ({})",
                                    duplicate_en(kind)
                                ),
                            })
                        }
                        Some(_) => {} // the same row twice: kept once by the natural key
                        None => {
                            first_row_of_key.insert(k.clone(), (row.number, out.len()));
                        }
                    }
                }
                out.push(rec);
            }
            Err(field_errors) => {
                for fe in field_errors {
                    errors.push(RowError {
                        file: table.file_name.clone(),
                        row: row.number,
                        column: col_of(&fe.field).unwrap_or_default(),
                        field: fe.field,
                        value: fe.value,
                        zh: fe.zh,
                        en: fe.en,
                    });
                }
            }
        }
    }
    if table.rows.is_empty() {
        errors.push(RowError {
            file: table.file_name.clone(),
            row: 2,
            column: String::new(),
            field: String::new(),
            value: String::new(),
            zh: "文件没有数据行".into(),
            en: "the file has no data rows".into(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn duplicate_zh(kind: RecordKind) -> &'static str {
    if kind == RecordKind::Transfer {
        "同一拨付单位的凭证号必须唯一"
    } else {
        "同一人员同一类别同一开始日期"
    }
}
fn duplicate_en(kind: RecordKind) -> &'static str {
    if kind == RecordKind::Transfer {
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
) -> Vec<RowError> {
    let mut errors = Vec::new();
    for (row, rec) in table.rows.iter().zip(rows) {
        if let Some(k) = &rec.natural_key {
            if let Some(existing) = stored.get(k) {
                if *existing != rec.valid.fields_json_text() {
                    errors.push(RowError {
                        file: table.file_name.clone(),
                        row: row.number,
                        column: String::new(),
                        field: if kind == RecordKind::Transfer {
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
                    });
                }
            }
        }
    }
    errors
}
