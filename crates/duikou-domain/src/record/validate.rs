//! Validation shared by every entry path (import, form, API): each field's text parsed
//! against its type and the plan, the rules across fields, and the reporting unit and
//! plan year derived.

use std::collections::BTreeMap;

use super::value::{Value, format_date};
use super::{FieldError, FieldInput, ValidRecord};
use crate::cells::{self, CellError};
use crate::id_number::{IdNumber, mask_id_number};
use crate::limits;
use crate::money::Fen;
use crate::plan::{Plan, UnitKind};
use crate::schema::{BuiltinKind, FieldDesc, FieldType, RecordKind, UnitRule, enum_option};

pub struct ValidationContext<'a> {
    pub plan: &'a Plan,
    /// The unit of the person entering the record, used when nothing else names one.
    pub default_unit: Option<&'a str>,
}

fn err(fd: &FieldDesc, value: &str, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    let shown = if fd.ty == FieldType::IdNumber {
        mask_id_number(value)
    } else {
        limits::echoed(value)
    };
    FieldError {
        field: fd.key.to_string(),
        field_zh: fd.zh.to_string(),
        value: shown,
        zh: zh.into(),
        en: en.into(),
    }
}

fn cell_err(fd: &FieldDesc, value: &str, e: CellError) -> FieldError {
    err(fd, value, e.zh, e.en)
}

fn unit_allowed(plan: &Plan, rule: UnitRule, name: &str) -> Result<String, (String, String)> {
    let Some(u) = plan.resolve_unit(name) else {
        return Err((
            format!("计划中没有单位「{name}」"),
            format!("no unit named \"{name}\" in the plan"),
        ));
    };
    let ok = rule.admits(u);
    if ok {
        Ok(u.name.clone())
    } else {
        let (zh, en) = match rule {
            UnitRule::East => ("应为帮扶方单位", "must be a unit of the assisting side"),
            UnitRule::West => ("应为受帮扶方单位", "must be a unit of the assisted side"),
            UnitRule::County => ("应为受帮扶县区", "must be an assisted county"),
            UnitRule::Receiver => (
                "不是可接收资金的单位（应为受帮扶县区）",
                "cannot receive funds (must be an assisted county)",
            ),
            UnitRule::CountyOrEastCity => (
                "应为受帮扶县区或帮扶方的市",
                "must be an assisted county or the assisting city",
            ),
            UnitRule::Any => unreachable!(),
        };
        Err((
            format!("「{}」{zh}", u.name),
            format!("\"{}\" {en}", u.name),
        ))
    }
}

fn parse_field(
    fd: &FieldDesc,
    input: &FieldInput,
    plan: &Plan,
) -> Result<Option<Value>, FieldError> {
    let text = input.text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let v = match &fd.ty {
        FieldType::Text => {
            if let Some((zh, en)) = limits::check_length(fd.key, fd.zh, text) {
                return Err(err(fd, text, zh, en));
            }
            if limits::contains_id_number(text) {
                let (zh, en) = limits::id_number_in_text_message();
                return Err(err(fd, text, zh, en));
            }
            Value::Text(text.to_string())
        }
        FieldType::IdNumber => return Ok(None), // handled apart: never held as plain text here
        FieldType::Money => {
            let fen =
                cells::parse_amount_fen(text, input.in_wan).map_err(|e| cell_err(fd, text, e))?;
            if let Some((zh, en)) = limits::check_amount(fen) {
                return Err(err(fd, text, zh, en));
            }
            Value::Money(Fen::new(fen))
        }
        FieldType::Date => {
            let d = cells::parse_date(text).map_err(|e| cell_err(fd, text, e))?;
            if let Some((zh, en)) = limits::check_date(d) {
                return Err(err(fd, text, zh, en));
            }
            Value::Date(d)
        }
        FieldType::Bool => Value::Bool(cells::parse_bool(text).map_err(|e| cell_err(fd, text, e))?),
        FieldType::Int => {
            let n = cells::parse_int(text).map_err(|e| cell_err(fd, text, e))?;
            if n < 0 {
                return Err(err(fd, text, "不能为负数", "must not be negative"));
            }
            Value::Int(n)
        }
        FieldType::Year => {
            let n =
                cells::parse_int(text.trim_end_matches('年')).map_err(|e| cell_err(fd, text, e))?;
            if !(1990..=2100).contains(&n) {
                return Err(err(fd, text, "不是有效年度", "not a valid year"));
            }
            Value::Int(n)
        }
        FieldType::Unit(rule) => {
            Value::Unit(unit_allowed(plan, *rule, text).map_err(|(zh, en)| err(fd, text, zh, en))?)
        }
        FieldType::Units(rule) => {
            let parts = cells::split_list(text);
            let mut names = Vec::new();
            for p in &parts {
                let n = unit_allowed(plan, *rule, p).map_err(|(zh, en)| err(fd, text, zh, en))?;
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            if names.is_empty() {
                return Ok(None);
            }
            Value::Units(names)
        }
        FieldType::Enum(options) => match enum_option(options, text) {
            Some(o) => Value::Enum(o.label.to_string()),
            None => {
                let allowed = options
                    .iter()
                    .map(|o| o.label)
                    .collect::<Vec<_>>()
                    .join("、");
                return Err(err(
                    fd,
                    text,
                    format!("不是可选值之一：{allowed}"),
                    format!("not one of the allowed values: {allowed}"),
                ));
            }
        },
    };
    Ok(Some(v))
}

/// Validate one record's input against its kind and the plan. Returns every problem found.
pub fn validate(
    kind: RecordKind,
    input: &BTreeMap<String, FieldInput>,
    ctx: &ValidationContext<'_>,
) -> Result<ValidRecord, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fields: BTreeMap<&'static str, Value> = BTreeMap::new();
    let mut id_number = None;
    let empty = FieldInput::default();

    for fd in kind.fields() {
        let inp = input.get(fd.key).unwrap_or(&empty);
        let text = inp.text.trim();
        if fd.ty == FieldType::IdNumber {
            if !text.is_empty() {
                match IdNumber::parse(text) {
                    Ok(id) => id_number = Some(id),
                    Err(e) => errors.push(err(fd, text, e.message_zh(), e.message_en())),
                }
            } else if fd.required {
                errors.push(err(fd, "", "必填", "required"));
            }
            continue;
        }
        match parse_field(fd, inp, ctx.plan) {
            // A party naming a unit (东莞市教育局 for 市教育局) is held as that unit's name.
            Ok(Some(Value::Text(t))) if kind.is_party_field(fd.key) => {
                let name = ctx.plan.resolve_unit(&t).map_or(t, |u| u.name.clone());
                fields.insert(fd.key, Value::Text(name));
            }
            Ok(Some(v)) => {
                fields.insert(fd.key, v);
            }
            Ok(None) if fd.required => errors.push(err(fd, "", "必填", "required")),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }

    // Common fields.
    let mut reporting_unit = None;
    let mut plan_year = None;
    let mut notes = String::new();
    for fd in crate::schema::COMMON_FIELDS {
        let inp = input.get(fd.key).unwrap_or(&empty);
        match parse_field(fd, inp, ctx.plan) {
            Ok(Some(Value::Unit(u))) => reporting_unit = Some(u),
            Ok(Some(Value::Int(y))) => plan_year = Some(y as i32),
            Ok(Some(Value::Text(t))) => notes = t,
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }

    check_rules(kind, &fields, ctx.plan, &mut errors);

    // Derived: the county of a person from the ID's area code.
    if kind.is(BuiltinKind::Person) && !fields.contains_key("hukou_county") {
        if let Some(county) = id_number.as_ref().and_then(|id| {
            ctx.plan
                .units
                .iter()
                .find(|u| u.kind == UnitKind::County && u.code.as_deref() == Some(id.area_code()))
        }) {
            fields.insert("hukou_county", Value::Unit(county.name.clone()));
        }
    }

    let reporting_unit = reporting_unit
        .or_else(|| {
            kind.own_unit_field()
                .and_then(|f| fields.get(f))
                .and_then(|v| v.units().first().cloned())
        })
        .or_else(|| ctx.default_unit.map(str::to_string));
    let reporting_fd = &crate::schema::COMMON_FIELDS[0];
    if reporting_unit.is_none() {
        errors.push(err(
            reporting_fd,
            "",
            "无法确定填报单位，请填写「填报单位」",
            "cannot tell the reporting unit: fill in reporting_unit",
        ));
    }

    let derived_year = match kind.builtin() {
        Some(BuiltinKind::Transfer) => fields
            .get("budget_year")
            .and_then(Value::as_amount)
            .map(|y| y as i32),
        _ => fields
            .get(kind.event_date_field())
            .and_then(Value::as_date)
            .map(|d| d.year()),
    };
    let plan_year = plan_year.or(derived_year);
    let year_fd = &crate::schema::COMMON_FIELDS[1];
    if let Some(Err(outside)) = plan_year.map(|y| ctx.plan.check_year(y)) {
        let m = outside.field_message();
        errors.push(err(year_fd, &outside.year.to_string(), m.zh, m.en));
    }

    // An activity's 对应工作清单, and the field a narrating kind names its item in.
    let item_field = kind.narrates().unwrap_or("plan_item");
    if let Some(Value::Text(item)) = fields.get(item_field) {
        if ctx.plan.item(item).is_none() && ctx.plan.action(item).is_none() {
            let fd = kind
                .field(item_field)
                .expect("the item field is the kind's");
            errors.push(err(
                fd,
                item,
                "工作清单中没有这个序号",
                "no such checklist item in the plan",
            ));
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidRecord {
        kind,
        fields,
        id_number,
        reporting_unit: reporting_unit.expect("checked"),
        plan_year: plan_year.expect("required date gives the year"),
        notes,
    })
}

fn check_rules(
    kind: RecordKind,
    fields: &BTreeMap<&'static str, Value>,
    plan: &Plan,
    errors: &mut Vec<FieldError>,
) {
    // Positive amounts.
    for key in ["amount", "aid_amount"] {
        if let (Some(fd), Some(Value::Money(v))) = (kind.field(key), fields.get(key)) {
            let optional_zero_ok = !fd.required && *v == Fen::ZERO;
            if !v.is_positive() && !optional_zero_ok {
                errors.push(err(
                    fd,
                    &v.yuan_text(),
                    "金额必须大于零",
                    "the amount must be greater than zero",
                ));
            }
        }
    }
    if let (Some(fd), Some(Value::Money(v))) = (kind.field("disbursed"), fields.get("disbursed")) {
        if v.is_negative() {
            errors.push(err(
                fd,
                &v.yuan_text(),
                "不能为负数",
                "must not be negative",
            ));
        } else if let Some(Value::Money(aid)) = fields.get("aid_amount") {
            if v > aid {
                errors.push(err(
                    fd,
                    &v.yuan_text(),
                    "已支付不能超过使用帮扶资金",
                    "disbursed cannot exceed the aid amount",
                ));
            }
        }
    }
    // End not before start.
    for (start, end) in kind.date_order() {
        if let (Some(Value::Date(s)), Some(Value::Date(e))) = (fields.get(start), fields.get(end)) {
            if e < s {
                let fd = kind.field(end).expect("schema field");
                let sd = kind.field(start).expect("schema field");
                errors.push(err(
                    fd,
                    &format_date(*e),
                    format!("不能早于{}（{}）", sd.zh, format_date(*s)),
                    format!("cannot be before {} ({})", sd.key, format_date(*s)),
                ));
            }
        }
    }
    // Town funds come from a town.
    if kind.is(BuiltinKind::Transfer) {
        if let (Some(Value::Enum(src)), Some(Value::Unit(payer))) =
            (fields.get("source"), fields.get("payer"))
        {
            if src == "镇街财政" && !plan.acts_as_town(payer) {
                let fd = kind.field("payer").expect("schema field");
                errors.push(err(
                    fd,
                    payer,
                    "资金来源为镇街财政时，拨付单位应为镇街",
                    "with source 镇街财政 the payer must be a town",
                ));
            }
        }
    }
}
