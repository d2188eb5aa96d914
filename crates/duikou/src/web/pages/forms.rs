//! Forms: url-encoded bodies, and record forms generated from the schema's field
//! descriptors (a select for enumerations and units, date inputs, yes/no selects,
//! a multi-select for organisers).

use std::collections::BTreeMap;

use duikou_domain::plan::{Plan, UnitKind};
use duikou_domain::record::{FieldInput, Value};
use duikou_domain::roles::{Actor, UnitChoice};
use duikou_domain::schema::{FieldDesc, FieldType, RecordKind, UnitRule};

use super::Lang;

/// Decode `a=1&b=%E4%B8%AD+x` into pairs, keeping repeated keys.
pub fn parse_urlencoded(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |b| *b == b'=');
            let k = it.next().unwrap_or_default();
            let v = it.next().unwrap_or_default();
            (decode(k), decode(v))
        })
        .collect()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => match (hex_val(s[i + 1]), hex_val(s[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One option of a select.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options under a heading (an empty label: no `<optgroup>`).
#[derive(Debug, Clone)]
pub struct OptGroup {
    pub label: String,
    pub options: Vec<Opt>,
}

/// One field of a generated form.
#[derive(Debug, Clone)]
pub struct FormField {
    pub key: String,
    pub id: String,
    pub label: String,
    pub hint: String,
    /// text | date | select | multi | textarea
    pub widget: &'static str,
    pub inputmode: &'static str,
    pub value: String,
    pub groups: Vec<OptGroup>,
    pub error: Option<String>,
    pub required: bool,
}

/// The values a form shows: per field key, the entered texts (several for a multi-select).
pub type FormValues = BTreeMap<String, Vec<String>>;

/// A stored record's fields as form values.
pub fn values_of(
    fields: &BTreeMap<String, Value>,
    notes: &str,
    reporting_unit: &str,
    plan_year: i32,
) -> FormValues {
    let mut out = FormValues::new();
    for (k, v) in fields {
        let texts = match v {
            Value::Units(us) => us.clone(),
            other => vec![other.display()],
        };
        out.insert(k.clone(), texts);
    }
    out.insert("notes".into(), vec![notes.to_string()]);
    out.insert("reporting_unit".into(), vec![reporting_unit.to_string()]);
    out.insert("plan_year".into(), vec![plan_year.to_string()]);
    out
}

/// The submitted form as form values (for showing it again after an error).
pub fn values_from_form(kind: RecordKind, form: &super::Form) -> FormValues {
    kind.all_fields()
        .map(|fd| {
            (
                fd.key.to_string(),
                form.all(fd.key).into_iter().map(str::to_string).collect(),
            )
        })
        .collect()
}

/// The submitted form as validator input: a multi-select's values joined.
pub fn inputs_from_form(kind: RecordKind, form: &super::Form) -> BTreeMap<String, FieldInput> {
    kind.all_fields()
        .map(|fd| {
            let vals: Vec<&str> = form
                .all(fd.key)
                .into_iter()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            (fd.key.to_string(), FieldInput::new(vals.join("、")))
        })
        .collect()
}

/// The starting values of a new record: the user's unit where the record names its own unit.
pub fn defaults_for(kind: RecordKind, plan: &Plan, actor: &Actor) -> FormValues {
    let mut out = FormValues::new();
    let Some(unit) = actor.unit.as_deref() else {
        return out;
    };
    if let Some(key) = kind.own_unit_field()
        && let Some(fd) = kind.field(key)
        && let FieldType::Unit(rule) | FieldType::Units(rule) = fd.ty
        && unit_fits(plan, rule, unit)
    {
        out.insert(key.to_string(), vec![unit.to_string()]);
    }
    out
}

fn unit_fits(plan: &Plan, rule: UnitRule, name: &str) -> bool {
    let Some(u) = plan.unit(name) else {
        return false;
    };
    rule.admits(u)
}

fn unit_kind_label(l: Lang, k: UnitKind) -> String {
    match l {
        Lang::Zh => k.label_zh().to_string(),
        Lang::En => match k {
            UnitKind::City => "Cities",
            UnitKind::Department => "Municipal departments",
            UnitKind::WorkingGroup => "Working group",
            UnitKind::Provincial => "Province",
            UnitKind::Town => "Towns",
            UnitKind::County => "Counties",
            UnitKind::District => "Districts",
        }
        .to_string(),
    }
}

/// The plan's units allowed by a rule, grouped by kind.
pub fn unit_groups(l: Lang, plan: &Plan, rule: UnitRule, selected: &[String]) -> Vec<OptGroup> {
    let order = [
        UnitKind::Town,
        UnitKind::Department,
        UnitKind::WorkingGroup,
        UnitKind::Provincial,
        UnitKind::City,
        UnitKind::County,
    ];
    order
        .iter()
        .filter_map(|k| {
            let options: Vec<Opt> = plan
                .units_of_kind(*k)
                .filter(|u| unit_fits(plan, rule, &u.name))
                .map(|u| Opt {
                    value: u.name.clone(),
                    label: u.name.clone(),
                    selected: selected.contains(&u.name),
                })
                .collect();
            (!options.is_empty()).then(|| OptGroup {
                label: unit_kind_label(l, *k),
                options,
            })
        })
        .collect()
}

fn flat(options: Vec<Opt>) -> Vec<OptGroup> {
    vec![OptGroup {
        label: String::new(),
        options,
    }]
}

fn blank(l: Lang, selected: bool) -> Opt {
    Opt {
        value: String::new(),
        label: l.s("（请选择）", "(choose)").to_string(),
        selected,
    }
}

/// The form fields of a kind: its own fields, then reporting unit, plan year and notes.
/// A unit field offers what `actor` may choose there (`Actor::unit_choice`, the rule the
/// save is checked by).
#[allow(clippy::too_many_arguments)]
pub fn build_fields(
    l: Lang,
    plan: &Plan,
    actor: &Actor,
    kind: RecordKind,
    values: &FormValues,
    errors: &BTreeMap<String, String>,
    stored_id_masked: Option<&str>,
    hidden: &[&str],
) -> Vec<FormField> {
    kind.all_fields()
        .filter(|fd| !hidden.contains(&fd.key))
        .map(|fd| {
            build_field(
                l,
                plan,
                fd,
                values.get(fd.key).map(Vec::as_slice).unwrap_or_default(),
                errors.get(fd.key).cloned(),
                stored_id_masked,
                actor.unit_choice(kind, fd.key),
            )
        })
        .collect()
}

/// Only the actor's own unit, where the field admits it.
fn own_only(l: Lang, plan: &Plan, rule: UnitRule, unit: &str) -> Vec<OptGroup> {
    let options: Vec<Opt> = plan
        .unit(unit)
        .filter(|u| rule.admits(u))
        .map(|u| Opt {
            value: u.name.clone(),
            label: u.name.clone(),
            selected: true,
        })
        .into_iter()
        .collect();
    if options.is_empty() {
        return vec![OptGroup {
            label: String::new(),
            options: vec![blank(l, true)],
        }];
    }
    flat(options)
}

fn build_field(
    l: Lang,
    plan: &Plan,
    fd: &FieldDesc,
    vals: &[String],
    error: Option<String>,
    stored_id_masked: Option<&str>,
    choice: UnitChoice,
) -> FormField {
    let first = vals.first().cloned().unwrap_or_default();
    let mut f = FormField {
        key: fd.key.to_string(),
        id: format!("f-{}", fd.key),
        label: l.field(fd.key, fd.zh),
        hint: String::new(),
        widget: "text",
        inputmode: "",
        value: first.clone(),
        groups: Vec::new(),
        error,
        required: fd.required,
    };
    match fd.ty {
        FieldType::Text if fd.key == "notes" || fd.key == "purpose" => f.widget = "textarea",
        FieldType::Text if fd.key == "plan_item" => {
            f.hint = l.t("工作清单序号，例如 1.2", "The checklist number, e.g. 1.2")
        }
        FieldType::Text => {}
        FieldType::Money => {
            f.inputmode = "decimal";
            f.hint = l.t(
                "单位：元，最多两位小数，例如 1000000 或 1,000,000.00",
                "In yuan, at most two decimals, e.g. 1000000 or 1,000,000.00",
            );
        }
        FieldType::Date => {
            f.widget = "date";
            f.hint = l.t("例如 2019-03-15", "For example 2019-03-15");
            // A date entered as 2019/3/15 is shown as typed; the date input needs ISO.
            if let Ok(d) = duikou_domain::cells::parse_date(&first) {
                f.value = duikou_domain::record::format_date(d);
            }
        }
        FieldType::Bool => {
            f.widget = "select";
            let v = match first.as_str() {
                "是" | "Y" | "y" | "true" => "是",
                "否" | "N" | "n" | "false" => "否",
                _ => "",
            };
            f.groups = flat(vec![
                blank(l, v.is_empty()),
                Opt {
                    value: "是".into(),
                    label: l.bool(true).into(),
                    selected: v == "是",
                },
                Opt {
                    value: "否".into(),
                    label: l.bool(false).into(),
                    selected: v == "否",
                },
            ]);
        }
        FieldType::Int => {
            f.inputmode = "numeric";
            f.hint = l.t("整数", "A whole number");
        }
        FieldType::Year => {
            f.inputmode = "numeric";
            f.hint = if fd.key == "plan_year" {
                l.t(
                    "留空则按日期（资金按资金年度）推算",
                    "Leave empty to derive it from the date (a transfer: its budget year)",
                )
            } else {
                l.t("例如 2019", "For example 2019")
            };
        }
        FieldType::Unit(rule) if let UnitChoice::Only(own) = &choice => {
            f.widget = "select";
            f.groups = own_only(l, plan, rule, own);
            f.value = own.clone();
            f.hint = l.t("只能填报本单位", "Only your own unit");
        }
        FieldType::Unit(rule) => {
            f.widget = "select";
            let mut groups = vec![OptGroup {
                label: String::new(),
                options: vec![blank(l, first.is_empty())],
            }];
            groups.extend(unit_groups(l, plan, rule, vals));
            f.groups = groups;
            if fd.key == "reporting_unit" {
                f.hint = l.t(
                    "留空则为记录中的单位（拨付单位、主办单位等）或本单位",
                    "Leave empty for the record's own unit (payer, organiser …) or yours",
                );
            }
        }
        FieldType::Units(rule) => {
            f.widget = "multi";
            f.groups = unit_groups(l, plan, rule, vals);
            f.hint = l.t(
                "可选多个：按住 Ctrl（苹果电脑按 ⌘）点选",
                "Choose one or more: hold Ctrl (⌘ on a Mac) to select several",
            );
        }
        FieldType::Enum(options) => {
            f.widget = "select";
            let mut opts = vec![blank(l, first.is_empty())];
            opts.extend(options.iter().map(|o| Opt {
                value: o.label.to_string(),
                label: o.label_in(l.is_en()).to_string(),
                selected: first == o.label || first == o.key || o.aliases.contains(&first.as_str()),
            }));
            f.groups = flat(opts);
        }
        FieldType::IdNumber => {
            f.value = String::new(); // never echoed back
            f.inputmode = "text";
            f.hint = match stored_id_masked {
                Some(m) => l.t(
                    format!("已登记：{m}。留空则保持不变。"),
                    format!("On file: {m}. Leave empty to keep it."),
                ),
                None => l.t(
                    "18 位居民身份证号；保存后只显示部分号码",
                    "18-character resident ID number; shown masked once saved",
                ),
            };
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        let p = parse_urlencoded(b"a=1&b=%E4%B8%AD+x&a=2&c=&d=%zz&e=%4");
        assert_eq!(p[0], ("a".into(), "1".into()));
        assert_eq!(p[1], ("b".into(), "中 x".into()));
        assert_eq!(p[2], ("a".into(), "2".into()));
        assert_eq!(p[3], ("c".into(), "".into()));
        assert_eq!(p[4], ("d".into(), "%zz".into()));
        assert_eq!(p[5], ("e".into(), "%4".into()));
    }
}
