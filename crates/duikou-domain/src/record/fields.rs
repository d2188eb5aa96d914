//! A record's fields by key, whichever map holds them, and their stored JSON form
//! (written as a tree or straight to text, read back without a tree).

use std::collections::BTreeMap;

use super::value::{Value, parse_iso_date};
use crate::money::Fen;
use crate::schema::{FieldDesc, FieldType, RecordKind};

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
