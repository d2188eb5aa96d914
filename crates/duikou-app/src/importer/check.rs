//! One row checked: validated against the kind and the plan, within the importing
//! user's rights, its ID number protected.

use std::collections::BTreeMap;

use duikou_domain::record::{FieldInput, ValidationContext, validate};
use duikou_domain::schema::RecordKind;
use duikou_storage::records::NewRecord;

use super::conflicts::{duplicate_en, duplicate_zh, key_field};
use super::cross_check::{self, Flag, Severity};
use super::headers::Column;
use super::{PrepareContext, RowError, column_letter, new_record};
use crate::tabular::Row;

/// Checks rows against the mapped columns: validation, the importing user's rights,
/// then ID protection.
pub(super) struct RowChecker<'a> {
    kind: RecordKind,
    ctx: &'a PrepareContext<'a>,
    columns: Vec<Column>,
    headers: Vec<String>,
    default_unit: Option<&'a str>,
}

impl<'a> RowChecker<'a> {
    pub(super) fn new(
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
        self.col_of(key_field(self.kind)).unwrap_or_default()
    }

    /// The row as a record ready to be written, or its problems added to `errors`.
    pub(super) fn check(
        &self,
        file: &str,
        row: &Row,
        errors: &mut Vec<RowError>,
    ) -> Option<NewRecord> {
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
                    self.ctx.today,
                ) {
                    let forbidden = r.is_forbidden();
                    errors.push(RowError {
                        file: file.to_string(),
                        row: row.number,
                        column: self.col_of("received_on").unwrap_or_default(),
                        field: "received_on".into(),
                        value: valid
                            .get("received_on")
                            .map(|v| v.display())
                            .unwrap_or_default(),
                        zh: if forbidden {
                            format!("{}；请留空，由接收单位确认到账", r.zh)
                        } else {
                            r.zh
                        },
                        en: if forbidden {
                            format!("{}; leave it empty for the payee to confirm", r.en)
                        } else {
                            r.en
                        },
                    });
                    return None;
                }
                // 户籍县区 against the ID number's area code: a contradiction refuses the row.
                if let Some(flag) = self.contradiction(&valid) {
                    let field = flag.field;
                    errors.push(RowError {
                        file: file.to_string(),
                        row: row.number,
                        column: self.col_of(field).unwrap_or_default(),
                        field: field.into(),
                        value: valid.get(field).map(|v| v.display()).unwrap_or_default(),
                        zh: flag.zh,
                        en: flag.en,
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

    /// The cross-check that refuses a row: its 户籍县区 contradicts its ID number.
    fn contradiction(&self, valid: &duikou_domain::record::ValidRecord) -> Option<Flag> {
        let field = cross_check::hukou_field(self.kind)?;
        let area = valid.id_number.as_ref()?.area_code().to_string();
        let hukou = valid.get(field)?.units().first()?.clone();
        cross_check::hukou_contradiction(self.ctx.plan, &area, &hukou)
    }

    /// The warnings about a checked row (`check` gave `rec`): what a reviewer should look
    /// at, the row still imported (an ID from outside the assisted side, `west_persons`).
    pub(super) fn warnings(&self, file: &str, row: usize, rec: &NewRecord) -> Vec<RowError> {
        let Some(masked) = rec.id.as_ref().map(|p| p.masked.as_str()) else {
            return Vec::new();
        };
        let Some(area) = cross_check::area_code(masked) else {
            return Vec::new();
        };
        let hukou = cross_check::hukou_field(self.kind)
            .and_then(|f| rec.valid.get(f))
            .and_then(|v| v.units().first().cloned());
        cross_check::check(self.ctx.plan, self.kind, area, hukou.as_deref())
            .into_iter()
            .filter(|f| f.severity == Severity::Warning)
            .map(|f| RowError {
                file: file.to_string(),
                row,
                column: self.col_of(f.field).unwrap_or_default(),
                field: f.field.into(),
                value: if Some(f.field) == cross_check::id_field(self.kind) {
                    masked.to_string()
                } else {
                    rec.valid
                        .get(f.field)
                        .map(|v| v.display())
                        .unwrap_or_default()
                },
                zh: f.zh,
                en: f.en,
            })
            .collect()
    }

    /// A row repeating the natural key of an earlier row (`first`, e.g. "第 5 行" /
    /// "row 5") with different content.
    pub(super) fn duplicate(
        &self,
        file: &str,
        row: usize,
        first_zh: &str,
        first_en: &str,
    ) -> RowError {
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
