//! The record kinds of a plan: the built-in ones rendered with the plan's region names
//! and extended by its `[[vocabulary]]` and `[[field]]` tables, then its own
//! `[[record_kind]]`s. Every misuse is reported with its line.

use super::{Collector, PlanMeta, RawExtraField, RawField, RawRecordKind, RawVocabulary, Side};
use crate::schema::{
    BuiltinKind, COMMON_FIELDS, Extension, FieldSpec, FieldType, FieldTypeSpec, KindSpec,
    RecordKind, Regions, UnitRule, render_builtin, render_custom,
};
use toml::Spanned;

/// The names the plan's labels use for its two sides.
pub(super) fn regions(meta: &PlanMeta) -> Regions {
    let east = Regions::short_name(&meta.east);
    let west = Regions::short_name(&meta.west);
    Regions {
        east_abbr: meta.east_abbr.clone().unwrap_or_else(|| east.clone()),
        west_abbr: meta.west_abbr.clone().unwrap_or_else(|| west.clone()),
        east_province: meta
            .east_province
            .as_deref()
            .map(|p| p.trim_end_matches('省').to_string())
            .unwrap_or_default(),
        east,
        west,
    }
}

pub(super) fn build_kinds(
    regions: &Regions,
    vocabularies: &[Spanned<RawVocabulary>],
    extra_fields: &[Spanned<RawExtraField>],
    own_kinds: &[Spanned<RawRecordKind>],
    c: &mut Collector<'_>,
) -> Vec<RecordKind> {
    let mut extensions: Vec<(BuiltinKind, Extension)> = BuiltinKind::ALL
        .into_iter()
        .map(|b| (b, Extension::default()))
        .collect();
    // The defaults, to check names against.
    let defaults: Vec<RecordKind> = BuiltinKind::ALL
        .into_iter()
        .map(|b| render_builtin(b, regions, &Extension::default()))
        .collect();

    for sv in vocabularies {
        let v = sv.get_ref();
        if v.add.is_empty() && v.en.is_some() {
            // English labels only: checked once every kind is built (`english_options`).
            continue;
        }
        let target = v.field.get_ref().trim();
        let Some((kind_key, field_key)) = target.split_once('.') else {
            c.at(
                &v.field,
                format!("[[vocabulary]] field 应写作 记录类型.字段（如 facility.kind）：{target}"),
                format!("[[vocabulary]] field must read KIND.FIELD (e.g. facility.kind): {target}"),
            );
            continue;
        };
        let Some(kind) = defaults
            .iter()
            .find(|k| k.key() == kind_key || k.label_zh() == kind_key)
        else {
            c.at(
                &v.field,
                format!("[[vocabulary]] 只能扩展内置记录类型的选项，没有记录类型 {kind_key}"),
                format!("[[vocabulary]] extends built-in kinds only; no record kind {kind_key}"),
            );
            continue;
        };
        match kind.field(field_key).map(|f| f.ty) {
            Some(FieldType::Enum(_)) => {}
            Some(_) => {
                c.at(
                    &v.field,
                    format!(
                        "{} 的字段 {field_key} 不是选项字段，不能增加选项",
                        kind.label_zh()
                    ),
                    format!("field {field_key} of {} is not an enum field", kind.key()),
                );
                continue;
            }
            None => {
                c.at(
                    &v.field,
                    format!("{} 没有字段 {field_key}", kind.label_zh()),
                    format!("{} has no field {field_key}", kind.key()),
                );
                continue;
            }
        }
        let mut labels = Vec::new();
        for a in &v.add {
            let label = a.get_ref().trim();
            if label.is_empty() {
                c.at(a, "选项为空", "empty option");
            } else {
                labels.push(label.to_string());
            }
        }
        let b = kind.builtin().expect("a default kind is built in");
        let ext = &mut extensions.iter_mut().find(|(k, _)| *k == b).expect("all").1;
        ext.options.push((field_key.to_string(), labels));
    }

    for sf in extra_fields {
        let f = sf.get_ref();
        let kind_key = f.record.get_ref().trim();
        let Some(kind) = defaults
            .iter()
            .find(|k| k.key() == kind_key || k.label_zh() == kind_key)
        else {
            c.at(
                &f.record,
                format!("[[field]] 的 record 应为内置记录类型，没有 {kind_key}（计划自有的类型在 [[record_kind]] 中列出字段）"),
                format!("[[field]] record must be a built-in kind, not {kind_key} (a plan's own kind lists its fields in [[record_kind]])"),
            );
            continue;
        };
        let b = kind.builtin().expect("a default kind is built in");
        let taken: Vec<&str> = kind
            .all_fields()
            .map(|fd| fd.key)
            .chain(
                extensions
                    .iter()
                    .find(|(k, _)| *k == b)
                    .into_iter()
                    .flat_map(|(_, e)| e.fields.iter().map(|f| f.key.as_str())),
            )
            .collect();
        let taken_names: Vec<&str> = kind.all_fields().map(|fd| fd.zh).collect();
        let Some(spec) = field_spec(&f.field(), &taken, &taken_names, kind.label_zh(), c) else {
            continue;
        };
        let ext = &mut extensions.iter_mut().find(|(k, _)| *k == b).expect("all").1;
        ext.fields.push(spec);
    }

    let mut kinds: Vec<RecordKind> = extensions
        .iter()
        .map(|(b, ext)| render_builtin(*b, regions, ext))
        .collect();

    for sk in own_kinds {
        let k = sk.get_ref();
        let key = k.key.get_ref().trim();
        let name = k.name.trim();
        if !is_key(key) {
            c.at(
                &k.key,
                format!("记录类型的 key 应为小写英文字母、数字和下划线：{key}"),
                format!("a record kind's key must be lowercase letters, digits and _: {key}"),
            );
            continue;
        }
        if kinds.iter().any(|x| {
            x.key() == key || x.label_zh() == name || x.key() == name || x.label_zh() == key
        }) {
            c.at(
                &k.key,
                format!("记录类型 {key}（{name}）与已有类型重名"),
                format!("record kind {key} ({name}) clashes with an existing kind"),
            );
            continue;
        }
        let common: Vec<&str> = COMMON_FIELDS.iter().map(|f| f.key).collect();
        let common_names: Vec<&str> = COMMON_FIELDS.iter().map(|f| f.zh).collect();
        let mut fields: Vec<FieldSpec> = Vec::new();
        let mut ok = true;
        for rf in &k.fields {
            let mut taken = common.clone();
            taken.extend(fields.iter().map(|f| f.key.as_str()));
            let mut taken_names = common_names.clone();
            taken_names.extend(fields.iter().map(|f| f.name.as_str()));
            match field_spec(rf, &taken, &taken_names, name, c) {
                Some(f) => fields.push(f),
                None => ok = false,
            }
        }
        if fields.is_empty() && ok {
            c.at(
                &k.key,
                format!("记录类型 {key} 没有字段"),
                format!("record kind {key} has no fields"),
            );
            continue;
        }
        let date = k.date.get_ref().trim();
        match fields.iter().find(|f| f.key == date) {
            Some(f) if matches!(f.ty, FieldTypeSpec::Date) && f.required => {}
            Some(_) => {
                c.at(
                    &k.date,
                    format!("记录类型 {key} 的 date 应为必填的日期字段：{date}"),
                    format!("the date of record kind {key} must be a required date field: {date}"),
                );
                ok = false;
            }
            None => {
                c.at(
                    &k.date,
                    format!("记录类型 {key} 没有字段 {date}（date）"),
                    format!("record kind {key} has no field {date} (date)"),
                );
                ok = false;
            }
        }
        if let Some(unit) = &k.unit {
            let u = unit.get_ref().trim();
            if !fields.iter().any(|f| {
                f.key == u && matches!(f.ty, FieldTypeSpec::Unit(_) | FieldTypeSpec::Units(_))
            }) {
                c.at(
                    unit,
                    format!("记录类型 {key} 的 unit 应为它的单位字段：{u}"),
                    format!("the unit of record kind {key} must be one of its unit fields: {u}"),
                );
                ok = false;
            }
        }
        if let Some(narrates) = &k.narrates {
            let n = narrates.get_ref().trim();
            if !fields
                .iter()
                .any(|f| f.key == n && matches!(f.ty, FieldTypeSpec::Text))
            {
                c.at(
                    narrates,
                    format!("记录类型 {key} 的 narrates 应为它的文本字段（填工作清单事项编号）：{n}"),
                    format!("the narrates of record kind {key} must be one of its text fields (holding a checklist item number): {n}"),
                );
                ok = false;
            }
        }
        if !ok {
            continue;
        }
        kinds.push(render_custom(&KindSpec {
            key: key.to_string(),
            name: name.to_string(),
            name_en: k.name_en.clone(),
            fields,
            date: date.to_string(),
            unit: k.unit.as_ref().map(|u| u.get_ref().trim().to_string()),
            narrates: k.narrates.as_ref().map(|n| n.get_ref().trim().to_string()),
        }));
    }
    kinds
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// One field a plan writes, checked: its key, its type and options, its unit side.
fn field_spec(
    f: &RawField,
    taken: &[&str],
    taken_names: &[&str],
    kind_name: &str,
    c: &mut Collector<'_>,
) -> Option<FieldSpec> {
    let key = f.key.get_ref().trim();
    let name = f.name.trim();
    if !is_key(key) {
        c.at(
            &f.key,
            format!("字段 key 应为小写英文字母、数字和下划线：{key}"),
            format!("a field key must be lowercase letters, digits and _: {key}"),
        );
        return None;
    }
    if taken.contains(&key) || taken_names.contains(&name) {
        c.at(
            &f.key,
            format!("{kind_name} 已有字段 {key}（{name}），不能重复定义"),
            format!("{kind_name} already has a field {key} ({name}): it cannot be defined again"),
        );
        return None;
    }
    if name.is_empty() {
        c.at(
            &f.key,
            format!("字段 {key} 没有 name（中文列名）"),
            format!("field {key} has no name (its Chinese column name)"),
        );
        return None;
    }
    let rule = match f.side {
        None => UnitRule::Any,
        Some(Side::East) => UnitRule::East,
        Some(Side::West) => UnitRule::West,
    };
    let ty_text = f.ty.get_ref().trim();
    let ty = match ty_text {
        "text" => FieldTypeSpec::Text,
        "int" => FieldTypeSpec::Int,
        "money" => FieldTypeSpec::Money,
        "date" => FieldTypeSpec::Date,
        "bool" => FieldTypeSpec::Bool,
        "year" => FieldTypeSpec::Year,
        "id_number" => FieldTypeSpec::IdNumber,
        "unit" => FieldTypeSpec::Unit(rule),
        "units" => FieldTypeSpec::Units(rule),
        "enum" => {
            let options: Vec<String> = f
                .options
                .iter()
                .map(|o| o.trim().to_string())
                .filter(|o| !o.is_empty())
                .collect();
            if options.is_empty() {
                c.at(
                    &f.ty,
                    format!("选项字段 {key} 需要 options"),
                    format!("enum field {key} needs options"),
                );
                return None;
            }
            FieldTypeSpec::Enum(options)
        }
        other => {
            c.at(
                &f.ty,
                format!("字段 {key} 的类型未知：{other}（可用 text、int、money、date、bool、enum、unit、units、id_number、year）"),
                format!("field {key} has an unknown type: {other} (text, int, money, date, bool, enum, unit, units, id_number, year)"),
            );
            return None;
        }
    };
    if !f.options.is_empty() && !matches!(ty, FieldTypeSpec::Enum(_)) {
        c.at(
            &f.ty,
            format!("只有 enum 字段可以有 options：{key}"),
            format!("only an enum field takes options: {key}"),
        );
        return None;
    }
    if f.side.is_some() && !matches!(ty, FieldTypeSpec::Unit(_) | FieldTypeSpec::Units(_)) {
        c.at(
            &f.ty,
            format!("只有单位字段可以有 side：{key}"),
            format!("only a unit field takes a side: {key}"),
        );
        return None;
    }
    Some(FieldSpec {
        key: key.to_string(),
        name: name.to_string(),
        ty,
        required: f.required,
    })
}

/// The kinds with the English labels `[[vocabulary]] en` gives their options. Any enum
/// field of any kind of the plan may have them (its built-in, added or own options);
/// every label named must be an option of the field (or one of its spellings).
pub(super) fn english_options(
    kinds: Vec<RecordKind>,
    vocabularies: &[Spanned<RawVocabulary>],
    c: &mut Collector<'_>,
) -> Vec<RecordKind> {
    use std::collections::BTreeMap;
    // kind key → field key → label → English.
    let mut english: BTreeMap<&'static str, BTreeMap<String, BTreeMap<String, String>>> =
        BTreeMap::new();
    for sv in vocabularies {
        let v = sv.get_ref();
        let Some(en) = &v.en else { continue };
        let target = v.field.get_ref().trim();
        let found = target.split_once('.').and_then(|(k, f)| {
            let kind = kinds.iter().find(|x| x.key() == k || x.label_zh() == k)?;
            let field = kind.field(f)?;
            Some((*kind, field))
        });
        let Some((kind, field)) = found else {
            c.at(
                &v.field,
                format!("[[vocabulary]] en：没有选项字段 {target}（应写作 记录类型.字段）"),
                format!("[[vocabulary]] en: no enum field {target} (write KIND.FIELD)"),
            );
            continue;
        };
        let FieldType::Enum(options) = field.ty else {
            c.at(
                &v.field,
                format!("[[vocabulary]] en：{target} 不是选项字段"),
                format!("[[vocabulary]] en: {target} is not an enum field"),
            );
            continue;
        };
        let added: Vec<String> = v
            .add
            .iter()
            .map(|a| a.get_ref().trim().to_string())
            .collect();
        for (label, value) in en.get_ref() {
            let label = label.trim();
            let option = crate::schema::enum_option(options, label)
                .map(|o| o.label.to_string())
                .or_else(|| added.iter().find(|a| *a == label).cloned());
            let Some(option) = option else {
                c.at(
                    en,
                    format!("[[vocabulary]] en：{label} 不是 {target} 的选项"),
                    format!("[[vocabulary]] en: {label} is not an option of {target}"),
                );
                continue;
            };
            match value.as_str().map(str::trim) {
                Some(text) if !text.is_empty() => {
                    english
                        .entry(kind.key())
                        .or_default()
                        .entry(field.key.to_string())
                        .or_default()
                        .insert(option, text.to_string());
                }
                _ => c.at(
                    en,
                    format!("[[vocabulary]] en：{label} 的英文名称应为非空文本"),
                    format!(
                        "[[vocabulary]] en: the English label of {label} must be non-empty text"
                    ),
                ),
            }
        }
    }
    kinds
        .into_iter()
        .map(|k| match english.get(k.key()) {
            Some(fields) => crate::schema::with_english_options(k, fields),
            None => k,
        })
        .collect()
}
