//! A record of what was done: typed field values, validation shared by every
//! entry path (import, form, API), and derivation of the reporting unit and plan year.
//!
//! - `value`: a typed field value, and dates as records write them;
//! - `review`: a record's review status and its transitions;
//! - `fields`: a record's fields by key, and their stored JSON form;
//! - `validate`: from the text a user entered to a [`ValidRecord`];
//! - here: the entered and validated record, and its natural key.

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use crate::id_number::IdNumber;
pub use crate::money::Fen;
use crate::schema::{BuiltinKind, RecordKind};

mod fields;
mod review;
#[cfg(test)]
mod tests;
mod validate;
mod value;

pub use fields::{FieldLookup, FieldMap, fields_from_json, fields_from_json_text, fields_to_json};
pub use review::{Status, Transition, may_withdraw};
pub use validate::{ValidationContext, validate};
pub use value::{Value, format_date, parse_iso_date};

/// One field's text as entered, with whether its column is in 万元.
#[derive(Debug, Clone, Default)]
pub struct FieldInput {
    pub text: String,
    pub in_wan: bool,
}

impl FieldInput {
    pub fn new(text: impl Into<String>) -> Self {
        FieldInput {
            text: text.into(),
            in_wan: false,
        }
    }
}

/// A problem with one field of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub field_zh: String,
    /// The offending value; an ID number appears masked.
    pub value: String,
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}（{}）「{}」：{} / {}",
            self.field_zh, self.field, self.value, self.zh, self.en
        )
    }
}

/// A record that passed validation.
#[derive(Debug, Clone)]
pub struct ValidRecord {
    pub kind: RecordKind,
    pub fields: BTreeMap<&'static str, Value>,
    pub id_number: Option<IdNumber>,
    pub reporting_unit: String,
    pub plan_year: i32,
    pub notes: String,
}

impl ValidRecord {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key)
    }
    /// Fields as stored: JSON, without the ID number (kept encrypted apart).
    pub fn fields_json(&self) -> serde_json::Value {
        fields_to_json(&self.fields)
    }
    /// `fields_json().to_string()`, the same text, written directly (no JSON tree: the
    /// importer calls this once per row).
    pub fn fields_json_text(&self) -> String {
        struct Fields<'a>(&'a BTreeMap<&'static str, Value>);
        struct One<'a>(&'a Value);
        impl serde::Serialize for Fields<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(k, v)| (*k, One(v))))
            }
        }
        impl serde::Serialize for One<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.0 {
                    Value::Text(t) | Value::Unit(t) | Value::Enum(t) => s.serialize_str(t),
                    Value::Money(f) => s.serialize_i64(f.fen()),
                    Value::Int(i) => s.serialize_i64(*i),
                    Value::Date(d) => s.serialize_str(&format_date(*d)),
                    Value::Bool(b) => s.serialize_bool(*b),
                    Value::Units(us) => us.serialize(s),
                }
            }
        }
        serde_json::to_string(&Fields(&self.fields)).expect("fields serialise")
    }
    pub fn event_date(&self) -> Option<Date> {
        self.get(self.kind.event_date_field())
            .and_then(Value::as_date)
    }
    pub fn amount(&self) -> Option<i64> {
        self.get("amount").and_then(Value::as_amount)
    }
}

/// The key that makes a row-level re-import idempotent, where the kind has one.
/// Person: reporting unit + programme + blind index of the ID + start date; transfer:
/// payer + voucher.
///
/// The person key is per reporting unit: a global one made the duplicate check tell a
/// town that *another* unit holds someone with this ID number. Two units listing one
/// person is no double count: the engine counts distinct persons by the blind index.
pub fn natural_key(rec: &ValidRecord, blind_index: Option<&str>) -> Option<String> {
    match rec.kind.builtin()? {
        BuiltinKind::Transfer => {
            let payer = rec.get("payer")?.as_text()?;
            let voucher = rec.get("voucher_no")?.as_text()?;
            Some(format!("transfer|{payer}|{voucher}"))
        }
        BuiltinKind::Person => {
            let programme = rec.get("programme")?.as_text()?;
            let started = rec.get("started_on")?.as_date()?;
            Some(format!(
                "person|{}|{programme}|{}|{}",
                rec.reporting_unit,
                blind_index?,
                format_date(started)
            ))
        }
        _ => None,
    }
}
