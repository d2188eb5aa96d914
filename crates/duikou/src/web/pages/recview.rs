//! How a record reads on a page: a one-line summary for lists, its date, and every
//! field as label and value (money in yuan and 万元, dates in the page's language).

use std::collections::BTreeMap;

use duikou_domain::record::{FieldLookup, Value};
use duikou_domain::schema::{BuiltinKind, FieldType, RecordKind};

use super::Lang;

fn text(fields: &(impl FieldLookup + ?Sized), key: &str) -> String {
    fields.field(key).map(Value::display).unwrap_or_default()
}

/// An option's label in the page's language: the English label the plan gives it on
/// English pages, else the stored (Chinese) label.
pub fn option_text(l: Lang, kind: RecordKind, key: &str, stored: &str) -> String {
    match kind.field(key).map(|f| f.ty) {
        Some(FieldType::Enum(options)) if l.is_en() => {
            duikou_domain::schema::enum_option(options, stored)
                .map(|o| o.label_in(true).to_string())
                .unwrap_or_else(|| stored.to_string())
        }
        _ => stored.to_string(),
    }
}

/// A field's value as text, an option in the page's language.
fn shown(l: Lang, kind: RecordKind, fields: &(impl FieldLookup + ?Sized), key: &str) -> String {
    match fields.field(key) {
        Some(Value::Enum(t)) => option_text(l, kind, key, t),
        Some(v) => v.display(),
        None => String::new(),
    }
}

fn money(l: Lang, fields: &(impl FieldLookup + ?Sized), key: &str) -> String {
    match fields.field(key) {
        Some(Value::Money(f)) => l.wan(f.fen()),
        _ => String::new(),
    }
}

/// One line naming the record: what, who, how much.
pub fn summary(
    l: Lang,
    kind: RecordKind,
    fields: &(impl FieldLookup + ?Sized),
    id_masked: Option<&str>,
) -> String {
    let join = |parts: Vec<String>| {
        parts
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let Some(builtin) = kind.builtin() else {
        // A plan's own kind: its first few filled-in fields.
        return join(
            kind.fields()
                .iter()
                .filter(|f| f.ty != duikou_domain::schema::FieldType::IdNumber)
                .map(|f| shown(l, kind, fields, f.key))
                .filter(|t| !t.is_empty())
                .take(4)
                .collect(),
        );
    };
    match builtin {
        BuiltinKind::Transfer => join(vec![
            format!("{} → {}", text(fields, "payer"), text(fields, "payee")),
            shown(l, kind, fields, "source"),
            money(l, fields, "amount"),
            text(fields, "voucher_no").chars().take(40).collect(),
            fields
                .field("received_on")
                .and_then(Value::as_date)
                .map(|d| format!("{} {}", l.s("到账", "received"), l.date(d)))
                .unwrap_or_default(),
        ]),
        BuiltinKind::Project => join(vec![
            text(fields, "name"),
            text(fields, "county"),
            shown(l, kind, fields, "category"),
            money(l, fields, "aid_amount"),
        ]),
        BuiltinKind::Activity => join(vec![
            text(fields, "title"),
            shown(l, kind, fields, "kind"),
            text(fields, "organizers"),
        ]),
        BuiltinKind::Secondment => join(vec![
            text(fields, "name"),
            shown(l, kind, fields, "category"),
            shown(l, kind, fields, "direction"),
            text(fields, "to_unit"),
        ]),
        BuiltinKind::Person => join(vec![
            text(fields, "name"),
            id_masked.unwrap_or_default().to_string(),
            shown(l, kind, fields, "programme"),
            text(fields, "hukou_county"),
        ]),
        BuiltinKind::Pairing => join(vec![
            format!(
                "{} ↔ {}",
                text(fields, "east_party"),
                text(fields, "west_party")
            ),
            shown(l, kind, fields, "kind"),
        ]),
        BuiltinKind::Facility => join(vec![
            text(fields, "name"),
            shown(l, kind, fields, "kind"),
            text(fields, "county"),
        ]),
        BuiltinKind::Purchase => join(vec![
            text(fields, "product"),
            text(fields, "buyer"),
            money(l, fields, "amount"),
        ]),
        BuiltinKind::Donation => join(vec![
            text(fields, "donor"),
            text(fields, "county"),
            money(l, fields, "amount"),
        ]),
    }
}

/// The record's main date in the page's language (a transfer: when it was sent).
pub fn date(l: Lang, kind: RecordKind, fields: &(impl FieldLookup + ?Sized)) -> String {
    let key = if kind.is(BuiltinKind::Transfer) {
        "sent_on"
    } else {
        kind.event_date_field()
    };
    fields
        .field(key)
        .and_then(Value::as_date)
        .map(|d| l.date(d))
        .unwrap_or_default()
}

/// One field of a detail page.
pub struct FieldView {
    pub key: &'static str,
    pub label: String,
    pub value: String,
}

/// Every field of the record that has a value, in schema order; the ID number masked.
pub fn field_views(
    l: Lang,
    kind: RecordKind,
    fields: &BTreeMap<String, Value>,
    id_shown: Option<&str>,
) -> Vec<FieldView> {
    let mut out = Vec::new();
    for fd in kind.fields() {
        let value = if fd.ty == FieldType::IdNumber {
            match id_shown {
                Some(s) => s.to_string(),
                None => continue,
            }
        } else {
            match fields.get(fd.key) {
                None => continue,
                Some(Value::Money(f)) => format!("{}（{}）", l.yuan(f.fen()), l.wan(f.fen())),
                Some(Value::Date(d)) => l.date(*d),
                Some(Value::Bool(b)) => l.bool(*b).to_string(),
                Some(Value::Int(i)) if fd.ty == FieldType::Year => i.to_string(),
                Some(Value::Int(i)) => super::i18n::group(*i),
                Some(Value::Enum(t)) => option_text(l, kind, fd.key, t),
                Some(v) => v.display(),
            }
        };
        out.push(FieldView {
            key: fd.key,
            label: l.field(fd.key, fd.zh),
            value,
        });
    }
    out
}
