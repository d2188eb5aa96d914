//! The plan file as written: TOML tables deserialised with their spans, before any
//! check. `build.rs` turns them into a `Plan`, reporting every problem with its line.

use serde::Deserialize;
use toml::Spanned;

use super::{Period, PlanMeta, Side, TownRole, UnitKind, text};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlan {
    pub(super) plan: PlanMeta,
    #[serde(default)]
    pub(super) unit: Vec<Spanned<RawUnit>>,
    #[serde(default)]
    pub(super) group: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    pub(super) pairing: Vec<Spanned<RawPairing>>,
    #[serde(default)]
    pub(super) action: Vec<Spanned<RawAction>>,
    #[serde(default)]
    pub(super) item: Vec<Spanned<RawItem>>,
    #[serde(default)]
    pub(super) indicator: Vec<Spanned<RawIndicator>>,
    #[serde(default)]
    pub(super) vocabulary: Vec<Spanned<RawVocabulary>>,
    #[serde(default)]
    pub(super) field: Vec<Spanned<RawExtraField>>,
    #[serde(default)]
    pub(super) record_kind: Vec<Spanned<RawRecordKind>>,
    #[serde(default)]
    pub(super) map: Option<Spanned<super::map::RawMap>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVocabulary {
    /// KIND.FIELD
    pub(super) field: Spanned<String>,
    #[serde(default)]
    pub(super) add: Vec<Spanned<String>>,
    /// English labels of the field's options: label → English.
    #[serde(default)]
    pub(super) en: Option<Spanned<toml::Table>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawField {
    pub(super) key: Spanned<String>,
    #[serde(deserialize_with = "text::trimmed")]
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) ty: Spanned<String>,
    #[serde(default, deserialize_with = "text::trimmed_list")]
    pub(super) options: Vec<String>,
    #[serde(default)]
    pub(super) side: Option<Side>,
    #[serde(default)]
    pub(super) required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExtraField {
    pub(super) record: Spanned<String>,
    pub(super) key: Spanned<String>,
    #[serde(deserialize_with = "text::trimmed")]
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) ty: Spanned<String>,
    #[serde(default, deserialize_with = "text::trimmed_list")]
    pub(super) options: Vec<String>,
    #[serde(default)]
    pub(super) side: Option<Side>,
    #[serde(default)]
    pub(super) required: bool,
}

impl RawExtraField {
    pub(super) fn field(&self) -> RawField {
        RawField {
            key: self.key.clone(),
            name: self.name.clone(),
            ty: self.ty.clone(),
            options: self.options.clone(),
            side: self.side,
            required: self.required,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecordKind {
    pub(super) key: Spanned<String>,
    #[serde(deserialize_with = "text::trimmed")]
    pub(super) name: String,
    #[serde(default, deserialize_with = "text::trimmed_opt")]
    pub(super) name_en: Option<String>,
    pub(super) date: Spanned<String>,
    #[serde(default)]
    pub(super) unit: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) narrates: Option<Spanned<String>>,
    pub(super) fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUnit {
    pub(super) name: Spanned<String>,
    pub(super) kind: UnitKind,
    pub(super) side: Side,
    #[serde(default, deserialize_with = "text::trimmed_opt")]
    pub(super) code: Option<String>,
    #[serde(default, deserialize_with = "text::trimmed_opt")]
    pub(super) full_name: Option<String>,
    #[serde(default)]
    pub(super) town_role: Option<TownRole>,
    #[serde(default, deserialize_with = "text::trimmed_list")]
    pub(super) aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGroup {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) all_of_kind: Option<UnitKind>,
    #[serde(default)]
    pub(super) members: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPairing {
    pub(super) county: Spanned<String>,
    pub(super) lead: Spanned<String>,
    #[serde(default)]
    pub(super) assisting: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAction {
    pub(super) no: Spanned<String>,
    #[serde(default, deserialize_with = "text::trimmed")]
    pub(super) section: String,
    #[serde(deserialize_with = "text::trimmed")]
    pub(super) title: String,
    #[serde(default, deserialize_with = "text::trimmed")]
    pub(super) text: String,
    #[serde(default)]
    pub(super) responsible: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawItem {
    pub(super) no: Spanned<String>,
    #[serde(deserialize_with = "text::trimmed")]
    pub(super) title: String,
    #[serde(deserialize_with = "text::trimmed")]
    pub(super) text: String,
    #[serde(deserialize_with = "text::trimmed")]
    pub(super) time_limit: String,
    #[serde(default)]
    pub(super) responsible: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndicator {
    pub(super) id: Spanned<String>,
    pub(super) item: Spanned<String>,
    #[serde(default, deserialize_with = "text::trimmed_opt")]
    pub(super) clause: Option<String>,
    #[serde(deserialize_with = "text::trimmed")]
    pub(super) name: String,
    pub(super) kind: Spanned<String>,
    #[serde(default, rename = "where")]
    pub(super) conditions: Option<Spanned<toml::Table>>,
    #[serde(default)]
    pub(super) min_months: Option<u32>,
    pub(super) measure: Spanned<String>,
    #[serde(default)]
    pub(super) numerator: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) denominator: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) period: Option<Period>,
    pub(super) scope: Spanned<toml::Value>,
    #[serde(default)]
    pub(super) by: Option<Spanned<String>>,
    #[serde(deserialize_with = "text::trimmed")]
    pub(super) unit: String,
    #[serde(default)]
    pub(super) target: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub(super) unit_targets: Option<Spanned<toml::Table>>,
    #[serde(default)]
    pub(super) deadline: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub(super) headline: bool,
}
