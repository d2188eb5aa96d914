//! Record kinds and their fields, as data: one table per kind that drives validation,
//! import headers, templates, exports, forms and indicator filters.
//!
//! The nine built-in kinds are templates (`builtin.rs`); a plan renders them with the
//! names of its regions, extends them and adds kinds of its own (`crate::plan`). The
//! result is a `RecordKind`: one pointer to an interned descriptor (`intern.rs`).

mod builtin;
mod intern;

use serde::Serialize;

pub use builtin::{BuiltinKind, COMMON_FIELDS};

/// Which units a unit field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitRule {
    Any,
    /// A unit of the assisting side (towns, departments, the province, the working group).
    East,
    County,
    /// A unit that can receive a transfer: a county or the assisted city.
    Receiver,
    /// A county, or the assisting city for a facility located there (a labour station
    /// in the assisting city).
    CountyOrEastCity,
    /// Any unit of the assisted side (a field of a plan's own kind with `side = "west"`).
    West,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EnumOption {
    pub key: &'static str,
    pub label: &'static str,
    /// Other spellings accepted on input and stored as `label`.
    pub aliases: &'static [&'static str],
    /// The English label the plan gives (`[[vocabulary]] en`); English pages fall back
    /// to `label` without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_en: Option<&'static str>,
}

impl EnumOption {
    /// The label in English where the plan gives one, else the label.
    pub fn label_in(&self, english: bool) -> &'static str {
        match (english, self.label_en) {
            (true, Some(en)) => en,
            _ => self.label,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "options", rename_all = "snake_case")]
pub enum FieldType {
    Text,
    /// Yuan with at most two decimals, held as integer fen.
    Money,
    Date,
    Bool,
    /// A non-negative whole number (people, projects).
    Int,
    Year,
    Unit(UnitRule),
    Units(UnitRule),
    Enum(&'static [EnumOption]),
    /// A resident ID number: validated, encrypted at rest, shown masked.
    IdNumber,
}

impl UnitRule {
    /// Whether a field with this rule accepts the unit: the one rule of validation,
    /// forms and template drop-downs.
    pub fn admits(self, u: &crate::plan::Unit) -> bool {
        use crate::plan::{Side, UnitKind};
        match self {
            UnitRule::Any => true,
            UnitRule::East => u.side == Side::East,
            UnitRule::County => u.kind == UnitKind::County,
            UnitRule::Receiver | UnitRule::West => u.side == Side::West,
            UnitRule::CountyOrEastCity => {
                u.kind == UnitKind::County || (u.kind == UnitKind::City && u.side == Side::East)
            }
        }
    }
}

impl FieldType {
    pub fn is_summable(&self) -> bool {
        matches!(self, FieldType::Money | FieldType::Int)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldDesc {
    pub key: &'static str,
    pub zh: &'static str,
    pub ty: FieldType,
    pub required: bool,
}

/// How a plan names its two sides in labels: 东莞→昭通, 东莞方, 昭通本地, 来莞培训.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Regions {
    /// The assisting city's short name (the `[plan] east` unit without 市).
    pub east: String,
    pub west: String,
    /// One-character abbreviations used in set phrases (来莞, 赴昭); the short name when
    /// the plan gives none.
    pub east_abbr: String,
    pub west_abbr: String,
    /// The assisting side's province (广东), for 省内其他; empty when not given.
    pub east_province: String,
}

impl Regions {
    /// 东莞市 → 东莞, 毕节市 → 毕节, 黔南州 → 黔南: the name as it reads in set phrases.
    pub fn short_name(full: &str) -> String {
        let trimmed = full.trim();
        for suffix in ["自治州", "地区", "市", "州", "盟"] {
            if let Some(stem) = trimmed.strip_suffix(suffix) {
                if stem.chars().count() >= 2 {
                    return stem.to_string();
                }
            }
        }
        trimmed.to_string()
    }

    pub fn render(&self, template: &str) -> String {
        if !template.contains('{') {
            return template.to_string();
        }
        template
            .replace("{east_abbr}", &self.east_abbr)
            .replace("{west_abbr}", &self.west_abbr)
            .replace("{east_province}", &self.east_province)
            .replace("{east}", &self.east)
            .replace("{west}", &self.west)
    }

    fn render_static(&self, template: &'static str) -> &'static str {
        if template.contains('{') {
            intern::str(&self.render(template))
        } else {
            template
        }
    }

    fn render_options(&self, options: &'static [EnumOption]) -> Vec<EnumOption> {
        options
            .iter()
            .map(|o| EnumOption {
                key: o.key,
                label: self.render_static(o.label),
                aliases: intern::strs(o.aliases.iter().map(|a| self.render_static(a)).collect()),
                label_en: o.label_en,
            })
            .collect()
    }
}

/// Everything the program knows about one record kind of one plan.
#[derive(Debug, PartialEq, Eq)]
pub struct KindDesc {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// The built-in kind this renders, `None` for a plan's own kind.
    pub builtin: Option<BuiltinKind>,
    /// The kind's own fields, the plan's extra fields included (not the common ones).
    pub fields: &'static [FieldDesc],
    pub event_date: &'static str,
    pub own_unit: Option<&'static str>,
    pub date_order: &'static [(&'static str, &'static str)],
    pub county_fields: &'static [&'static str],
    /// The text field naming the checklist item a record of this kind narrates (the
    /// plan's `narrates`): its latest record per item and unit is shown with the item.
    pub narrates: Option<&'static str>,
    /// Text fields that may name a unit (`BuiltinKind::party_fields`).
    pub party_fields: &'static [&'static str],
}

/// A record kind as one plan defines it: a pointer to its interned descriptor, so
/// copies are free.
///
/// Two kinds are the same kind when their keys are: a record read with a plain
/// rendering (`unrendered_builtin`) still matches the plan's indicators of its kind.
#[derive(Clone, Copy)]
pub struct RecordKind(&'static KindDesc);

impl PartialEq for RecordKind {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0) || self.0.key == other.0.key
    }
}
impl Eq for RecordKind {}

impl std::hash::Hash for RecordKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.key.hash(state)
    }
}

impl Ord for RecordKind {
    /// Built-in kinds in their fixed order, then a plan's own by key.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |k: &RecordKind| (k.0.builtin.is_none(), k.0.builtin, k.0.key);
        rank(self).cmp(&rank(other))
    }
}
impl PartialOrd for RecordKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.key)
    }
}

impl Serialize for RecordKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.key)
    }
}

impl RecordKind {
    /// Whether `key` is a text field that may name a unit (a buyer, a donor).
    pub fn is_party_field(self, key: &str) -> bool {
        self.0.party_fields.contains(&key)
    }

    /// The field naming the checklist item this kind narrates, if it does.
    pub fn narrates(self) -> Option<&'static str> {
        self.0.narrates
    }
    pub fn desc(self) -> &'static KindDesc {
        self.0
    }

    pub fn key(self) -> &'static str {
        self.0.key
    }

    pub fn label_zh(self) -> &'static str {
        self.0.zh
    }

    pub fn label_en(self) -> &'static str {
        self.0.en
    }

    pub fn builtin(self) -> Option<BuiltinKind> {
        self.0.builtin
    }

    /// This kind renders the built-in kind `b`.
    pub fn is(self, b: BuiltinKind) -> bool {
        self.0.builtin == Some(b)
    }

    pub fn fields(self) -> &'static [FieldDesc] {
        self.0.fields
    }

    pub fn field(self, key: &str) -> Option<&'static FieldDesc> {
        self.fields().iter().find(|f| f.key == key)
    }

    /// Own fields then the common ones.
    pub fn all_fields(self) -> impl Iterator<Item = &'static FieldDesc> {
        self.fields().iter().chain(COMMON_FIELDS.iter())
    }

    /// The date that places a record in time (its plan year, the as-of and deadline cut).
    pub fn event_date_field(self) -> &'static str {
        self.0.event_date
    }

    /// The field whose value is the reporting unit when none is given.
    pub fn own_unit_field(self) -> Option<&'static str> {
        self.0.own_unit
    }

    /// Pairs of (start, end) date fields: the end is not before the start.
    pub fn date_order(self) -> &'static [(&'static str, &'static str)] {
        self.0.date_order
    }

    /// The date field until which a record stays active (a pairing's end, a person's
    /// 离岗日期), for kinds whose records last: what `cumulative` and `in_post` read.
    pub fn active_until_field(self) -> Option<&'static str> {
        match self.0.builtin {
            Some(BuiltinKind::Pairing | BuiltinKind::Person) => Some("ended_on"),
            Some(BuiltinKind::Secondment) => Some("end_on"),
            Some(_) => None,
            None => self.0.date_order.first().map(|(_, end)| *end),
        }
    }

    /// The fields naming the assisted county a record concerns, most telling first.
    pub fn county_fields(self) -> &'static [&'static str] {
        self.0.county_fields
    }

    /// Every field naming a unit a record's figures may count for: its unit fields.
    pub fn unit_fields(self) -> impl Iterator<Item = &'static FieldDesc> {
        self.fields()
            .iter()
            .filter(|f| matches!(f.ty, FieldType::Unit(_) | FieldType::Units(_)))
    }

    /// Find a field by its English key or its Chinese header (a header in 万元 included).
    pub fn field_by_header(self, header: &str) -> Option<(&'static FieldDesc, bool)> {
        let h = normalize_header(header);
        for fd in self.all_fields() {
            if fd.key == h || normalize_header(fd.zh) == h {
                return Some((fd, false));
            }
            if fd.ty == FieldType::Money {
                let base = normalize_header(fd.zh);
                let stem = base.strip_suffix("（元）").unwrap_or(&base);
                if h == format!("{stem}（万元）") || h == format!("{}_wan", fd.key) {
                    return Some((fd, true));
                }
            }
        }
        None
    }
}

/// What a plan adds to a built-in kind: options of its enum fields and fields of its own.
#[derive(Debug, Default)]
pub struct Extension {
    /// (field key, labels) appended to that enum field's options.
    pub options: Vec<(String, Vec<String>)>,
    pub fields: Vec<FieldSpec>,
}

/// A field a plan writes (`[[field]]`, or a field of a `[[record_kind]]`).
#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub key: String,
    pub name: String,
    pub ty: FieldTypeSpec,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub enum FieldTypeSpec {
    Text,
    Int,
    Money,
    Date,
    Bool,
    Year,
    IdNumber,
    Enum(Vec<String>),
    Unit(UnitRule),
    Units(UnitRule),
}

impl FieldSpec {
    fn render(&self) -> FieldDesc {
        let ty = match &self.ty {
            FieldTypeSpec::Text => FieldType::Text,
            FieldTypeSpec::Int => FieldType::Int,
            FieldTypeSpec::Money => FieldType::Money,
            FieldTypeSpec::Date => FieldType::Date,
            FieldTypeSpec::Bool => FieldType::Bool,
            FieldTypeSpec::Year => FieldType::Year,
            FieldTypeSpec::IdNumber => FieldType::IdNumber,
            FieldTypeSpec::Enum(labels) => FieldType::Enum(intern::options(
                labels.iter().map(|l| option_of_label(l)).collect(),
            )),
            FieldTypeSpec::Unit(r) => FieldType::Unit(*r),
            FieldTypeSpec::Units(r) => FieldType::Units(*r),
        };
        FieldDesc {
            key: intern::str(&self.key),
            zh: intern::str(&self.name),
            ty,
            required: self.required,
        }
    }
}

/// An option a plan names by its label only: the label is its key too.
fn option_of_label(label: &str) -> EnumOption {
    let label = intern::str(label.trim());
    EnumOption {
        key: label,
        label,
        aliases: &[],
        label_en: None,
    }
}

/// The kind with the English labels a plan gives its options: `english[field][label]`.
/// Options without one keep none (pages show the Chinese label).
pub fn with_english_options(
    kind: RecordKind,
    english: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
) -> RecordKind {
    if english.is_empty() {
        return kind;
    }
    let d = kind.0;
    let fields: Vec<FieldDesc> = d
        .fields
        .iter()
        .map(|fd| match (fd.ty, english.get(fd.key)) {
            (FieldType::Enum(options), Some(labels)) => FieldDesc {
                ty: FieldType::Enum(intern::options(
                    options
                        .iter()
                        .map(|o| EnumOption {
                            label_en: labels.get(o.label).map(|e| intern::str(e)).or(o.label_en),
                            ..*o
                        })
                        .collect(),
                )),
                ..*fd
            },
            _ => *fd,
        })
        .collect();
    RecordKind(intern::kind(KindDesc {
        fields: intern::fields(fields),
        ..*d
    }))
}

/// A kind of the plan's own (`[[record_kind]]`).
#[derive(Debug, Clone)]
pub struct KindSpec {
    pub key: String,
    pub name: String,
    pub name_en: Option<String>,
    pub fields: Vec<FieldSpec>,
    pub date: String,
    pub unit: Option<String>,
    pub narrates: Option<String>,
}

/// A built-in kind as a plan with these regions and this extension has it.
pub fn render_builtin(b: BuiltinKind, regions: &Regions, ext: &Extension) -> RecordKind {
    let mut fields: Vec<FieldDesc> = b
        .field_templates()
        .iter()
        .map(|fd| {
            let ty = match fd.ty {
                FieldType::Enum(options) => {
                    let mut rendered = regions.render_options(options);
                    for (field, added) in &ext.options {
                        if field == fd.key {
                            for label in added {
                                if !rendered.iter().any(|o| o.label == label.trim()) {
                                    rendered.push(option_of_label(label));
                                }
                            }
                        }
                    }
                    FieldType::Enum(intern::options(rendered))
                }
                other => other,
            };
            FieldDesc {
                zh: regions.render_static(fd.zh),
                ty,
                ..*fd
            }
        })
        .collect();
    fields.extend(ext.fields.iter().map(FieldSpec::render));
    RecordKind(intern::kind(KindDesc {
        key: b.key(),
        zh: b.label_zh(),
        en: b.label_en(),
        builtin: Some(b),
        fields: intern::fields(fields),
        event_date: b.event_date_field(),
        own_unit: b.own_unit_field(),
        date_order: b.date_order(),
        county_fields: b.county_fields(),
        narrates: None,
        party_fields: b.party_fields(),
    }))
}

/// A built-in kind with no plan's labels, by key: enough to decode stored fields (their
/// keys and types) where no plan is loaded yet (a migration of an earlier release's
/// database, whose records are all of built-in kinds).
pub fn unrendered_builtin(key: &str) -> Option<RecordKind> {
    let b = BuiltinKind::ALL.into_iter().find(|b| b.key() == key)?;
    Some(render_builtin(
        b,
        &Regions::default(),
        &Extension::default(),
    ))
}

/// A plan's own kind. The caller has checked the spec (keys, the date and unit fields).
pub fn render_custom(spec: &KindSpec) -> RecordKind {
    let fields: Vec<FieldDesc> = spec.fields.iter().map(FieldSpec::render).collect();
    let date_fields: Vec<&'static str> = fields
        .iter()
        .filter(|f| f.ty == FieldType::Date)
        .map(|f| f.key)
        .collect();
    let event_date = intern::str(&spec.date);
    // An end date (ended_on, end_on, …) after the event date must not precede it.
    let date_order = date_fields
        .iter()
        .filter(|k| **k != event_date && (k.starts_with("end") || k.contains("_end")))
        .map(|end| (event_date, *end))
        .collect();
    let west_unit = |f: &&FieldDesc| {
        matches!(
            f.ty,
            FieldType::Unit(UnitRule::West | UnitRule::County | UnitRule::Receiver)
                | FieldType::Units(UnitRule::West | UnitRule::County | UnitRule::Receiver)
        )
    };
    let mut county_fields: Vec<&'static str> =
        fields.iter().filter(west_unit).map(|f| f.key).collect();
    if county_fields.is_empty() {
        county_fields = fields
            .iter()
            .filter(|f| {
                matches!(
                    f.ty,
                    FieldType::Unit(UnitRule::Any) | FieldType::Units(UnitRule::Any)
                )
            })
            .map(|f| f.key)
            .collect();
    }
    RecordKind(intern::kind(KindDesc {
        key: intern::str(&spec.key),
        zh: intern::str(&spec.name),
        en: intern::str(spec.name_en.as_deref().unwrap_or(&spec.key)),
        builtin: None,
        fields: intern::fields(fields),
        event_date,
        own_unit: spec.unit.as_deref().map(intern::str),
        date_order: intern::pairs(date_order),
        county_fields: intern::strs(county_fields),
        narrates: spec.narrates.as_deref().map(intern::str),
        party_fields: &[],
    }))
}

/// Headers are compared ignoring spaces and with ASCII parentheses read as full-width.
pub fn normalize_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect()
}

pub fn enum_option(options: &'static [EnumOption], input: &str) -> Option<&'static EnumOption> {
    let s = input.trim();
    options
        .iter()
        .find(|o| o.label == s || o.key == s || o.aliases.contains(&s))
}
