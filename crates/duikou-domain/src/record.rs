//! A record of what was done: typed field values, validation shared by every
//! entry path (import, form, API), and derivation of the reporting unit and plan year.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::cells::{self, CellError};
use crate::id_number::{IdNumber, mask_id_number};
use crate::limits;
pub use crate::money::Fen;
use crate::plan::{Plan, UnitKind};
use crate::schema::{BuiltinKind, FieldDesc, FieldType, RecordKind, UnitRule, enum_option};

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

/// Review status of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Submitted,
        Status::Approved,
        Status::Rejected,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Submitted => "待审核",
            Status::Approved => "已审核",
            Status::Rejected => "已退回",
        }
    }
    pub fn from_key(s: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|st| st.key() == s || st.label_zh() == s)
    }
    /// Content may change only while draft or rejected; approved records are locked.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::Rejected)
    }
}

/// A change of review status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Submit,
    Approve,
    Reject,
    Reopen,
    /// 退回复核: a unit the record names but that did not report it sends it back to
    /// the coordinators, so its figures are not decided by another unit alone.
    Dispute,
}

impl Transition {
    pub fn from_key(s: &str) -> Option<Transition> {
        match s {
            "submit" => Some(Transition::Submit),
            "approve" => Some(Transition::Approve),
            "reject" => Some(Transition::Reject),
            "reopen" => Some(Transition::Reopen),
            "dispute" => Some(Transition::Dispute),
            _ => None,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::Approve => "approve",
            Transition::Reject => "reject",
            Transition::Reopen => "reopen",
            Transition::Dispute => "dispute",
        }
    }
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Transition::Reject | Transition::Reopen | Transition::Dispute
        )
    }
    /// The status after this transition, or None when the current status forbids it.
    pub fn apply(self, from: Status) -> Option<Status> {
        match (self, from) {
            (Transition::Submit, Status::Draft | Status::Rejected) => Some(Status::Submitted),
            (Transition::Approve, Status::Submitted) => Some(Status::Approved),
            (Transition::Reject, Status::Submitted) => Some(Status::Rejected),
            (Transition::Reopen, Status::Approved | Status::Rejected) => Some(Status::Draft),
            (Transition::Dispute, Status::Submitted | Status::Approved) => Some(Status::Submitted),
            _ => None,
        }
    }
}

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

/// Reading a record's fields by key, whichever map holds them.
pub trait FieldLookup {
    fn field(&self, key: &str) -> Option<&Value>;
}

impl FieldLookup for BTreeMap<String, Value> {
    fn field(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

impl FieldLookup for BTreeMap<&'static str, Value> {
    fn field(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

/// A record's typed fields sorted by key, the keys being the schema's own: what the
/// indicator engine holds for each of millions of records. A sorted vector takes about a
/// third of a `BTreeMap<String, Value>`'s memory and is built with one allocation
/// instead of a tree and a string per key (the tree was a fifth of the decoding time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap(Vec<(&'static str, Value)>);

impl FieldMap {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .binary_search_by(|(k, _)| (*k).cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets a field (the key must be one of the schema's).
    pub fn insert(&mut self, key: &'static str, value: Value) {
        match self.0.binary_search_by(|(k, _)| (*k).cmp(key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    /// Fields keyed by text, as a stored record holds them: keys that are not fields of
    /// the kind are left out, as `fields_from_json` leaves them out.
    pub fn from_fields(kind: RecordKind, fields: BTreeMap<String, Value>) -> Self {
        fields
            .into_iter()
            .filter_map(|(k, v)| {
                kind.fields()
                    .iter()
                    .find(|fd| fd.key == k)
                    .map(|fd| (fd.key, v))
            })
            .collect()
    }
}

/// A key given twice keeps its last value, as in a JSON object.
impl FromIterator<(&'static str, Value)> for FieldMap {
    fn from_iter<I: IntoIterator<Item = (&'static str, Value)>>(iter: I) -> Self {
        let mut all: Vec<_> = iter.into_iter().collect();
        // Stable: of equal keys, the last given stays last.
        all.sort_by(|a, b| a.0.cmp(b.0));
        let mut out: Vec<(&'static str, Value)> = Vec::with_capacity(all.len());
        for (k, v) in all {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => out.push((k, v)),
            }
        }
        FieldMap(out)
    }
}

impl FieldLookup for FieldMap {
    fn field(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

pub fn fields_to_json<K: AsRef<str>>(fields: &BTreeMap<K, Value>) -> serde_json::Value {
    let map = fields
        .iter()
        .map(|(k, v)| (k.as_ref().to_string(), v.to_json()))
        .collect::<serde_json::Map<_, _>>();
    serde_json::Value::Object(map)
}

/// Read stored JSON fields back into typed values (unknown keys are ignored).
pub fn fields_from_json(kind: RecordKind, json: &serde_json::Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if let Some(obj) = json.as_object() {
        for fd in kind.fields() {
            if let Some(v) = obj.get(fd.key).and_then(|v| Value::from_json(&fd.ty, v)) {
                out.insert(fd.key.to_string(), v);
            }
        }
    }
    out
}

/// `fields_from_json(kind, &serde_json::from_str(text)?)`, the same map, decoded straight
/// from the text (no JSON tree; keys outside the kind's fields are skipped unread).
/// None when the text is not JSON.
pub fn fields_from_json_text(kind: RecordKind, text: &str) -> Option<FieldMap> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    let fields = FieldsSeed(kind.fields()).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(fields)
}

/// Decodes a stored record's JSON object into typed values by the kind's field table.
/// A value of the wrong type leaves the field out, as `Value::from_json` does; anything
/// but an object gives no fields.
struct FieldsSeed(&'static [FieldDesc]);

impl<'de> serde::de::DeserializeSeed<'de> for FieldsSeed {
    type Value = FieldMap;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FieldsSeed {
    type Value = FieldMap;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object of record fields")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // Gathered first, then sorted once (stored JSON has its keys in order already).
        let mut found: Vec<(&'static str, Value)> = Vec::with_capacity(self.0.len());
        while let Some(field) = map.next_key_seed(KeySeed(self.0))? {
            match field {
                Some(fd) => {
                    let value = map.next_value_seed(TypedSeed(&fd.ty))?;
                    // The last occurrence of a key decides, as in a JSON tree.
                    if let Some(at) = found.iter().position(|(k, _)| *k == fd.key) {
                        found.remove(at);
                    }
                    if let Some(v) = value {
                        found.push((fd.key, v));
                    }
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        if found.is_sorted_by(|a, b| a.0 < b.0) {
            return Ok(FieldMap(found));
        }
        Ok(found.into_iter().collect())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(FieldMap::default())
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(FieldMap::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(FieldMap::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(FieldMap::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(FieldMap::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(FieldMap::default())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(FieldMap::default())
    }
}

/// An object key: the kind's field it names, if any.
struct KeySeed(&'static [FieldDesc]);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = Option<&'static FieldDesc>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed {
    type Value = Option<&'static FieldDesc>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().find(|fd| fd.key == key))
    }
}

/// One field's value read as its type: None when the JSON value does not fit.
struct TypedSeed<'t>(&'t FieldType);

impl<'de> serde::de::DeserializeSeed<'de> for TypedSeed<'_> {
    type Value = Option<Value>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for TypedSeed<'_> {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(matches!(self.0, FieldType::Bool).then_some(Value::Bool(b)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(match self.0 {
            FieldType::Money => Some(Value::Money(Fen::new(v))),
            FieldType::Int | FieldType::Year => Some(Value::Int(v)),
            _ => None,
        })
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => Ok(None),
        }
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(match self.0 {
            FieldType::Text | FieldType::IdNumber => Some(Value::Text(s.to_string())),
            FieldType::Date => parse_iso_date(s).map(Value::Date),
            FieldType::Unit(_) => Some(Value::Unit(s.to_string())),
            FieldType::Enum(_) => Some(Value::Enum(s.to_string())),
            _ => None,
        })
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if !matches!(self.0, FieldType::Units(_)) {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            return Ok(None);
        }
        let mut units = Vec::with_capacity(seq.size_hint().unwrap_or(2));
        while let Some(item) = seq.next_element_seed(TextOnly)? {
            units.extend(item);
        }
        Ok(Some(Value::Units(units)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
}

/// A list element: its text if it is a string (anything else is skipped).
struct TextOnly;

impl<'de> serde::de::DeserializeSeed<'de> for TextOnly {
    type Value = Option<String>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for TextOnly {
    type Value = Option<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a unit name")
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Some(s.to_string()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::plan::bundled_kind as test_kind;
    use proptest::prelude::*;

    /// A field map answers by key whatever order its fields came in; a key given twice
    /// keeps its last value; keys the kind does not have are left out.
    #[test]
    fn field_map_finds_fields_by_key_and_keeps_the_last_of_a_repeated_key() {
        let m: FieldMap = [
            ("started_on", Value::Text("b".into())),
            ("name", Value::Text("李".into())),
            ("started_on", Value::Text("c".into())),
            ("hukou_county", Value::Unit("镇雄县".into())),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            m.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            ["hukou_county", "name", "started_on"]
        );
        assert_eq!(m.get("started_on"), Some(&Value::Text("c".into())));
        assert_eq!(m.get("organisation"), None);
        let stored = BTreeMap::from([
            ("name".to_string(), Value::Text("李".into())),
            ("no_such_field".to_string(), Value::Int(1)),
        ]);
        let m = FieldMap::from_fields(test_kind(BuiltinKind::Person), stored);
        assert_eq!(m.len(), 1);
        assert!(m.contains_key("name") && !m.contains_key("no_such_field"));
    }

    /// The direct decoder gives what parsing into a JSON tree and reading it back gives.
    fn same_as_tree(kind: RecordKind, text: &str) {
        let tree = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .map(|j| FieldMap::from_fields(kind, fields_from_json(kind, &j)));
        assert_eq!(fields_from_json_text(kind, text), tree, "{kind:?} {text}");
    }

    #[test]
    fn stored_fields_decode_as_through_a_json_tree() {
        let cases = [
            r#"{"source":"省级财政","amount":123456,"payer":"省财政厅","payee":"镇雄县","budget_year":2019,"sent_on":"2019-03-01","received_on":"2019-03-05","voucher_no":"A-1"}"#,
            r#"{"amount":"12.50","received_on":20190305,"payee":["镇雄县"],"budget_year":2019.0}"#,
            r#"{"amount":1,"amount":"x"}"#,
            r#"{"amount":"x","amount":7}"#,
            r#"{"\u0061mount":5,"unknown":{"deep":[1,{"a":null}]},"sent_on":null}"#,
            r#"{"amount":18446744073709551615,"budget_year":-3}"#,
            r#"{"received_on":"2019-02-30","sent_on":"2019-2-3"}"#,
            r#"[1,2,3]"#,
            r#""text""#,
            r#"null"#,
            r#"{}"#,
            r#"{"amount":1} trailing"#,
            r#"{"amount":1"#,
            "",
        ];
        for text in cases {
            same_as_tree(test_kind(BuiltinKind::Transfer), text);
        }
        let activity = [
            r#"{"kind":"招商推介会","organizers":["黄江镇","清溪镇",3,null,["x"],{"a":1}],"held_on":"2019-05-01","participants":40}"#,
            r#"{"organizers":"黄江镇","participants":true}"#,
            r#"{"organizers":[],"participants":-1}"#,
        ];
        for text in activity {
            same_as_tree(test_kind(BuiltinKind::Activity), text);
        }
        same_as_tree(
            test_kind(BuiltinKind::Person),
            r#"{"programme":"劳务就业","registered_poor":true,"started_on":"2019-04-01","name":"张\"三\""}"#,
        );
        same_as_tree(
            test_kind(BuiltinKind::Person),
            r#"{"registered_poor":"是"}"#,
        );
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<u64>().prop_map(serde_json::Value::from),
            (-1e6f64..1e6).prop_map(serde_json::Value::from),
            "[0-9-]{0,12}".prop_map(serde_json::Value::String),
            "\\PC{0,6}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::vec(("[a-z_]{1,8}", inner), 0..4)
                    .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_stored_object_decodes_as_through_a_json_tree(
            kind in prop::sample::select(crate::plan::Plan::bundled().kinds().to_vec()),
            entries in prop::collection::vec((0usize..12, json_value()), 0..10),
        ) {
            // Keys drawn from the kind's own fields (plus a few strangers).
            let fields = kind.fields();
            let body: Vec<String> = entries
                .iter()
                .map(|(i, v)| {
                    let key = fields.get(*i).map_or("other", |f| f.key);
                    format!("{}:{}", serde_json::Value::from(key), v)
                })
                .collect();
            same_as_tree(kind, &format!("{{{}}}", body.join(",")));
        }
    }
}
