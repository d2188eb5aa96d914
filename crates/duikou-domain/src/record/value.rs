//! A typed field value, and dates as records write them (ISO, "2019-03-15").

use time::Date;

use crate::money::Fen;
use crate::schema::FieldType;

/// A typed field value. Money is integer fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Money(Fen),
    Date(Date),
    Bool(bool),
    Int(i64),
    Unit(String),
    Units(Vec<String>),
    /// The Chinese label of an enumerated value.
    Enum(String),
}

impl Value {
    pub fn as_date(&self) -> Option<Date> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
    pub fn as_amount(&self) -> Option<i64> {
        match self {
            Value::Money(v) => Some(v.fen()),
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The unit names a unit field holds (one for a unit, several for organisers).
    pub fn units(&self) -> &[String] {
        match self {
            Value::Unit(u) => std::slice::from_ref(u),
            Value::Units(us) => us,
            _ => &[],
        }
    }
    /// The text a filter compares with.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) | Value::Unit(s) | Value::Enum(s) => Some(s),
            _ => None,
        }
    }

    /// Display form for tables and exports (money in yuan, dates ISO, booleans 是/否).
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) | Value::Unit(s) | Value::Enum(s) => s.clone(),
            Value::Money(f) => f.yuan_text(),
            Value::Date(d) => format_date(*d),
            Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Units(us) => us.join("、"),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(s) | Value::Unit(s) | Value::Enum(s) => {
                serde_json::Value::String(s.clone())
            }
            Value::Money(f) => serde_json::Value::from(f.fen()),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Date(d) => serde_json::Value::String(format_date(*d)),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Units(us) => serde_json::Value::from(us.clone()),
        }
    }

    /// Read back a value stored by `to_json` for a field of the given type.
    pub fn from_json(ty: &FieldType, v: &serde_json::Value) -> Option<Value> {
        Some(match ty {
            FieldType::Text | FieldType::IdNumber => Value::Text(v.as_str()?.to_string()),
            FieldType::Money => Value::Money(Fen::new(v.as_i64()?)),
            FieldType::Int | FieldType::Year => Value::Int(v.as_i64()?),
            FieldType::Date => Value::Date(parse_iso_date(v.as_str()?)?),
            FieldType::Bool => Value::Bool(v.as_bool()?),
            FieldType::Unit(_) => Value::Unit(v.as_str()?.to_string()),
            FieldType::Units(_) => Value::Units(
                v.as_array()?
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
            ),
            FieldType::Enum(_) => Value::Enum(v.as_str()?.to_string()),
        })
    }
}

pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub fn parse_iso_date(s: &str) -> Option<Date> {
    let mut it = s.splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}
