//! The plan as data: units, pairings, actions, checklist items and indicator
//! definitions, loaded from a TOML file (format: docs/plan-format.md) and
//! validated so that everything downstream can trust the names it holds.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use time::Date;
use toml::Spanned;

pub mod amend;
mod kinds;
mod notes;
mod targets;

pub use notes::RowNote;

use crate::message::Message;
use crate::schema::{BuiltinKind, FieldType, RecordKind, Regions};

/// The plan bundled with the program: Dongguan·Zhaotong 2018–2020.
pub const BUNDLED_PLAN: &str = include_str!("../../../../plans/dongguan-zhaotong-2018-2020.toml");

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub meta: PlanMeta,
    pub units: Vec<Unit>,
    pub groups: Vec<Group>,
    pub pairings: Vec<CountyPairing>,
    pub actions: Vec<Action>,
    pub items: Vec<Item>,
    pub indicators: Vec<Indicator>,
    /// Every record kind of the plan: the built-in ones as it renders and extends them,
    /// then its own (`[[record_kind]]`). In JSON: `record_kinds`, with their fields.
    #[serde(rename = "record_kinds", serialize_with = "kinds_json")]
    pub kinds: Vec<RecordKind>,
    #[serde(skip)]
    pub regions: Regions,
    /// The version of the plan in the database it was read from (1 for the plan first
    /// loaded, then one more per amendment); 0 for a plan read from a file. Outputs
    /// state it so that a figure can be traced to the targets it was computed with.
    #[serde(skip)]
    pub version: u32,
}

/// The kinds as `plan show --format json` and `/api/v1/plan` describe them: what a
/// script needs to write a record of each (keys, Chinese names, types, options).
fn kinds_json<S: serde::Serializer>(kinds: &[RecordKind], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(kinds.len()))?;
    for k in kinds {
        seq.serialize_element(&serde_json::json!({
            "key": k.key(),
            "name": k.label_zh(),
            "name_en": k.label_en(),
            "builtin": k.builtin().is_some(),
            "date": k.event_date_field(),
            "unit": k.own_unit_field(),
            "narrates": k.narrates(),
            "fields": k.all_fields().collect::<Vec<_>>(),
        }))?;
    }
    seq.end()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanMeta {
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub document_no: String,
    #[serde(default)]
    pub issued_on: Option<toml::value::Datetime>,
    pub first_year: i32,
    pub last_year: i32,
    pub east: String,
    pub west: String,
    #[serde(default)]
    pub goal: String,
    /// The coordination office: the reporting unit of records entered from the command
    /// line when nothing else names one.
    #[serde(default)]
    pub coordinator: Option<String>,
    /// One-character names of the two sides in set phrases (来莞, 赴昭); the short names
    /// (东莞, 昭通) when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub east_abbr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub west_abbr: Option<String>,
    /// The assisting side's province (广东), as in 广东省内其他.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub east_province: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    City,
    Department,
    WorkingGroup,
    Provincial,
    Town,
    County,
    /// A district of the assisting city (区), which may lead or assist a pairing.
    District,
}

impl UnitKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            UnitKind::City => "市",
            UnitKind::Department => "市直单位",
            UnitKind::WorkingGroup => "工作组",
            UnitKind::Provincial => "省级",
            UnitKind::Town => "镇街",
            UnitKind::County => "县区",
            UnitKind::District => "区",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    East,
    West,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TownRole {
    Lead,
    Assisting,
}

impl TownRole {
    pub fn label_zh(self) -> &'static str {
        match self {
            TownRole::Lead => "结对镇街",
            TownRole::Assisting => "协助镇街",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Unit {
    pub name: String,
    pub kind: UnitKind,
    pub side: Side,
    pub code: Option<String>,
    pub full_name: Option<String>,
    pub town_role: Option<TownRole>,
    /// Other names accepted on input (东莞 for 东莞市), stored as `name`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub members: Vec<String>,
}

/// One Zhaotong county with its lead town and the towns assisting it (二(八)).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CountyPairing {
    pub county: String,
    pub lead: String,
    pub assisting: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub no: String,
    pub section: String,
    pub title: String,
    pub text: String,
    pub responsible: Vec<String>,
}

/// A line of the work checklist (工作清单).
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub no: String,
    pub action: String,
    pub title: String,
    pub text: String,
    pub time_limit: String,
    pub responsible: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Plan,
    EachCounty,
    EachLeadTown,
    EachAssistingTown,
    /// Each member of the plan's group at this index (`scope = { each = "市直部门" }`).
    EachOf(u16),
}

impl Scope {
    /// The scope in words: 全市, 每个县区, 每个市直部门.
    pub fn label_zh(self, plan: &Plan) -> String {
        match self {
            Scope::Plan => "全市".into(),
            Scope::EachCounty => "每个县区".into(),
            Scope::EachLeadTown => "每个结对镇街".into(),
            Scope::EachAssistingTown => "每个协助镇街".into(),
            Scope::EachOf(g) => format!(
                "每个{}",
                plan.groups
                    .get(usize::from(g))
                    .map_or("", |g| g.name.as_str())
            ),
        }
    }
}

/// The names of the units a scope gives one figure each for, in plan order (none for
/// `plan`): the one rule of `Plan::scope_units` and the plan loader's checks.
fn scope_unit_names<'a>(
    scope: Scope,
    units: &'a [Unit],
    groups: &'a [Group],
    pairings: &[CountyPairing],
) -> Vec<&'a str> {
    let with_role = |role: TownRole| {
        units
            .iter()
            .filter(move |u| u.town_role == Some(role))
            .map(|u| u.name.as_str())
            .collect()
    };
    match scope {
        Scope::Plan => Vec::new(),
        Scope::EachCounty => units
            .iter()
            .filter(|u| u.kind == UnitKind::County && pairings.iter().any(|p| p.county == u.name))
            .map(|u| u.name.as_str())
            .collect(),
        Scope::EachLeadTown => with_role(TownRole::Lead),
        Scope::EachAssistingTown => with_role(TownRole::Assisting),
        Scope::EachOf(g) => groups
            .get(usize::from(g))
            .map(|g| g.members.iter().map(String::as_str).collect())
            .unwrap_or_default(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The record's date falls in the plan year (a transfer: its budget year).
    InYear,
    /// Active at the end of the year.
    Cumulative,
    /// In post at any time during the year.
    InPost,
    /// From the plan's first year to the end of the assessed year (by plan year).
    PlanToDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Measure {
    Count,
    DistinctPersons,
    /// Sum of a money or integer field of the record kind.
    Sum {
        field: String,
    },
    /// Sum of `numerator` over the figure of another indicator, as a percentage.
    Ratio {
        numerator: String,
        denominator: String,
    },
}

/// A value an indicator's filter compares a field with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FilterValue {
    Text(String),
    Bool(bool),
    /// `$scope`: the unit the figure is computed for.
    ScopeUnit,
    /// `$paired_county`: the county paired with the scope's town.
    PairedCounty,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub field: String,
    /// The record matches if its field equals any of these.
    pub any_of: Vec<FilterValue>,
}

/// Target of one year: a minimum, and for a range target (1–2) a maximum.
/// Money targets are held in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Target {
    pub min: i64,
    pub max: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: String,
    pub item: String,
    pub clause: Option<String>,
    pub name: String,
    pub kind: RecordKind,
    pub conditions: Vec<Condition>,
    pub min_months: Option<u32>,
    pub measure: Measure,
    pub period: Period,
    pub scope: Scope,
    /// The record field naming the scope's unit (not used for `plan`).
    pub by: Option<String>,
    /// Display unit: 元, 人, 次, 个, %, ...
    pub unit: String,
    /// Per plan year; a year without an entry is tracked only.
    pub targets: BTreeMap<i32, Target>,
    /// Per unit of the scope and plan year, overriding `targets` for that unit.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unit_targets: BTreeMap<String, BTreeMap<i32, Target>>,
    /// The figure must exceed the previous year's by this percentage (no fixed target).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub growth_percent: Option<u32>,
    /// (month, day) within the plan year.
    pub deadline: (u8, u8),
    /// A deadline of its own for some years (the plan issued in September: 2018 ends
    /// on 12-31), overriding `deadline`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub deadline_by_year: BTreeMap<i32, (u8, u8)>,
}

impl Indicator {
    pub fn is_money(&self) -> bool {
        self.unit == "元"
    }
    /// The plan-wide target of a year (`target`).
    pub fn target_for(&self, year: i32) -> Option<Target> {
        self.targets.get(&year).copied()
    }
    /// The target of one figure: the unit's own (`unit_targets`) where given.
    pub fn target_of(&self, year: i32, unit: Option<&str>) -> Option<Target> {
        match unit.and_then(|u| self.unit_targets.get(u)) {
            Some(own) => own.get(&year).copied(),
            None => self.target_for(year),
        }
    }
    /// The (month, day) of the deadline in a year.
    pub fn deadline_of(&self, year: i32) -> (u8, u8) {
        self.deadline_by_year
            .get(&year)
            .copied()
            .unwrap_or(self.deadline)
    }
    /// "03-31", or per year "2018年12-31、2019年03-31…" for a deadline given by year.
    pub fn deadline_text(&self) -> String {
        if self.deadline_by_year.is_empty() {
            return format!("{:02}-{:02}", self.deadline.0, self.deadline.1);
        }
        self.deadline_by_year
            .iter()
            .map(|(y, (m, d))| format!("{y}年{m:02}-{d:02}"))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn has_deadline_before_year_end(&self, year: i32) -> bool {
        self.deadline_of(year) != (12, 31)
    }
}

/// A problem in a plan file, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub line: Option<usize>,
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "第 {line} 行 / line {line}: {} / {}", self.zh, self.en),
            None => write!(f, "{} / {}", self.zh, self.en),
        }
    }
}

/// All the problems found in one plan file.
#[derive(Debug, Clone)]
pub struct PlanErrors {
    pub file: String,
    pub errors: Vec<PlanError>,
}

impl std::fmt::Display for PlanErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "计划文件有误 / invalid plan file: {}", self.file)?;
        for e in &self.errors {
            writeln!(f, "  {}: {e}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanErrors {}

// ------------------------------------------------------------------ raw file shape

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    plan: PlanMeta,
    #[serde(default)]
    unit: Vec<Spanned<RawUnit>>,
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    pairing: Vec<Spanned<RawPairing>>,
    #[serde(default)]
    action: Vec<Spanned<RawAction>>,
    #[serde(default)]
    item: Vec<Spanned<RawItem>>,
    #[serde(default)]
    indicator: Vec<Spanned<RawIndicator>>,
    #[serde(default)]
    vocabulary: Vec<Spanned<RawVocabulary>>,
    #[serde(default)]
    field: Vec<Spanned<RawExtraField>>,
    #[serde(default)]
    record_kind: Vec<Spanned<RawRecordKind>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVocabulary {
    /// KIND.FIELD
    field: Spanned<String>,
    add: Vec<Spanned<String>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawField {
    key: Spanned<String>,
    name: String,
    #[serde(rename = "type")]
    ty: Spanned<String>,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    side: Option<Side>,
    #[serde(default)]
    required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtraField {
    record: Spanned<String>,
    key: Spanned<String>,
    name: String,
    #[serde(rename = "type")]
    ty: Spanned<String>,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    side: Option<Side>,
    #[serde(default)]
    required: bool,
}

impl RawExtraField {
    fn field(&self) -> RawField {
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
struct RawRecordKind {
    key: Spanned<String>,
    name: String,
    #[serde(default)]
    name_en: Option<String>,
    date: Spanned<String>,
    #[serde(default)]
    unit: Option<Spanned<String>>,
    #[serde(default)]
    narrates: Option<Spanned<String>>,
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    name: Spanned<String>,
    kind: UnitKind,
    side: Side,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    town_role: Option<TownRole>,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: Spanned<String>,
    #[serde(default)]
    all_of_kind: Option<UnitKind>,
    #[serde(default)]
    members: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPairing {
    county: Spanned<String>,
    lead: Spanned<String>,
    #[serde(default)]
    assisting: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    no: Spanned<String>,
    #[serde(default)]
    section: String,
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    responsible: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    no: Spanned<String>,
    title: String,
    text: String,
    time_limit: String,
    #[serde(default)]
    responsible: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: Spanned<String>,
    item: Spanned<String>,
    #[serde(default)]
    clause: Option<String>,
    name: String,
    kind: Spanned<String>,
    #[serde(default, rename = "where")]
    conditions: Option<Spanned<toml::Table>>,
    #[serde(default)]
    min_months: Option<u32>,
    measure: Spanned<String>,
    #[serde(default)]
    numerator: Option<Spanned<String>>,
    #[serde(default)]
    denominator: Option<Spanned<String>>,
    #[serde(default)]
    period: Option<Period>,
    scope: Spanned<toml::Value>,
    #[serde(default)]
    by: Option<Spanned<String>>,
    unit: String,
    #[serde(default)]
    target: Option<Spanned<toml::Value>>,
    #[serde(default)]
    unit_targets: Option<Spanned<toml::Table>>,
    #[serde(default)]
    deadline: Option<Spanned<toml::Value>>,
}

// ------------------------------------------------------------------ loading

struct Lines<'a> {
    text: &'a str,
}

impl Lines<'_> {
    fn of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    }
    fn at<T>(&self, s: &Spanned<T>) -> Option<usize> {
        Some(self.of(s.span().start))
    }
}

struct Collector<'a> {
    lines: Lines<'a>,
    errors: Vec<PlanError>,
}

impl Collector<'_> {
    fn push(&mut self, line: Option<usize>, zh: impl Into<String>, en: impl Into<String>) {
        self.errors.push(PlanError {
            line,
            zh: zh.into(),
            en: en.into(),
        });
    }
    fn at<T>(&mut self, s: &Spanned<T>, zh: impl Into<String>, en: impl Into<String>) {
        let line = self.lines.at(s);
        self.push(line, zh, en);
    }
}

/// A built-in kind as the bundled plan renders it: for tests and tools that work on the
/// bundled plan (anything else takes its kinds from the plan it holds).
pub fn bundled_kind(b: BuiltinKind) -> RecordKind {
    static BUNDLED: std::sync::LazyLock<Plan> = std::sync::LazyLock::new(Plan::bundled);
    BUNDLED.kind_of(b)
}

impl Plan {
    /// The bundled Dongguan·Zhaotong plan.
    pub fn bundled() -> Plan {
        Plan::from_toml(BUNDLED_PLAN, "plans/dongguan-zhaotong-2018-2020.toml")
            .expect("the bundled plan is valid (tested)")
    }

    /// Parse and validate a plan file; every problem found is reported with its line.
    pub fn from_toml(text: &str, file: &str) -> Result<Plan, PlanErrors> {
        let mut c = Collector {
            lines: Lines { text },
            errors: Vec::new(),
        };
        let raw: RawPlan = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.span().map(|s| c.lines.of(s.start));
                let msg = e.message().to_string();
                c.push(
                    line,
                    format!("无法读取：{msg}"),
                    format!("cannot parse: {msg}"),
                );
                return Err(PlanErrors {
                    file: file.to_string(),
                    errors: c.errors,
                });
            }
        };
        let plan = build(raw, &mut c);
        if c.errors.is_empty() {
            Ok(plan)
        } else {
            Err(PlanErrors {
                file: file.to_string(),
                errors: c.errors,
            })
        }
    }

    pub fn unit(&self, name: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.name == name)
    }

    /// Find a unit by its name, an alias, its full name or its official code.
    pub fn resolve_unit(&self, name_or_code: &str) -> Option<&Unit> {
        let key = name_or_code.trim();
        self.unit(key).or_else(|| {
            self.units.iter().find(|u| {
                u.aliases.iter().any(|a| a == key)
                    || u.code.as_deref() == Some(key)
                    || u.full_name.as_deref() == Some(key)
            })
        })
    }

    /// A town, or a district or department that is a pairing's lead or assisting member:
    /// what every record rule that speaks of towns (镇街财政, each lead town) means.
    pub fn acts_as_town(&self, name: &str) -> bool {
        self.unit(name)
            .is_some_and(|u| u.kind == UnitKind::Town || u.town_role.is_some())
    }

    /// Every record kind of the plan, built-in ones first.
    pub fn kinds(&self) -> &[RecordKind] {
        &self.kinds
    }

    /// A record kind of the plan by its key or its Chinese name.
    pub fn kind(&self, key_or_name: &str) -> Option<RecordKind> {
        let s = key_or_name.trim();
        self.kinds
            .iter()
            .copied()
            .find(|k| k.key() == s || k.label_zh() == s)
    }

    /// The plan's rendering of a built-in kind.
    pub fn kind_of(&self, b: BuiltinKind) -> RecordKind {
        self.kinds
            .iter()
            .copied()
            .find(|k| k.is(b))
            .expect("every plan renders every built-in kind")
    }

    pub fn units_of_kind(&self, kind: UnitKind) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.kind == kind)
    }

    /// The assisted counties that are paired: what a scope over counties means. (A
    /// county listed without a pairing is a place persons come from, not a unit assessed.)
    pub fn counties(&self) -> impl Iterator<Item = &Unit> {
        self.units_of_kind(UnitKind::County)
            .filter(|u| self.pairing_of_county(&u.name).is_some())
    }

    pub fn towns_with_role(&self, role: TownRole) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.town_role == Some(role))
    }

    /// The units a scope gives one figure each for (empty for `plan`).
    pub fn scope_units(&self, scope: Scope) -> Vec<&Unit> {
        scope_unit_names(scope, &self.units, &self.groups, &self.pairings)
            .into_iter()
            .filter_map(|n| self.unit(n))
            .collect()
    }

    /// The county a town (lead or assisting) works for.
    pub fn paired_county(&self, town: &str) -> Option<&str> {
        self.pairings
            .iter()
            .find(|p| p.lead == town || p.assisting.iter().any(|a| a == town))
            .map(|p| p.county.as_str())
    }

    pub fn pairing_of_county(&self, county: &str) -> Option<&CountyPairing> {
        self.pairings.iter().find(|p| p.county == county)
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    pub fn item(&self, no: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.no == no)
    }

    pub fn action(&self, no: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.no == no)
    }

    pub fn years(&self) -> std::ops::RangeInclusive<i32> {
        self.meta.first_year..=self.meta.last_year
    }

    /// Expand group names (各帮扶镇街) into their member units.
    pub fn expand_responsible<'a>(&'a self, names: &'a [String]) -> Vec<&'a str> {
        let mut out = Vec::new();
        for n in names {
            match self.groups.iter().find(|g| &g.name == n) {
                Some(g) => out.extend(g.members.iter().map(String::as_str)),
                None => out.push(n.as_str()),
            }
        }
        out
    }

    /// The checklist item (工作清单 item) an indicator is shown under, from the
    /// indicator's `item`: that item itself, or for an indicator attached to a whole
    /// action, the action's first item in plan order, whatever its number ("3.2" when
    /// the action has no "3.1"). `None` for an action without items.
    ///
    /// The one rule of every checklist: the workbook, the inspection package, the
    /// bulletin and the web pages.
    pub fn checklist_item_of(&self, indicator_item: &str) -> Option<&Item> {
        self.item(indicator_item)
            .or_else(|| self.items.iter().find(|i| i.action == indicator_item))
    }

    /// The action (一级工作) an indicator belongs to, from the indicator's `item`: the
    /// action itself, or the action of the checklist item.
    pub fn action_of(&self, indicator_item: &str) -> Option<&Action> {
        self.action(indicator_item).or_else(|| {
            self.item(indicator_item)
                .and_then(|i| self.action(&i.action))
        })
    }

    /// The plan-year check: `year` is one of the plan's years, or the reason it is
    /// not. The one check of the import, the record forms, assessments, exports and
    /// bulletins.
    pub fn check_year(&self, year: i32) -> Result<(), OutsidePlanYears> {
        if self.years().contains(&year) {
            Ok(())
        } else {
            Err(OutsidePlanYears {
                year,
                first_year: self.meta.first_year,
                last_year: self.meta.last_year,
            })
        }
    }
}

/// A year outside the plan's years (`Plan::check_year`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutsidePlanYears {
    pub year: i32,
    pub first_year: i32,
    pub last_year: i32,
}

impl OutsidePlanYears {
    /// "年度 2017 不在计划年度 2018–2020 内" / "year 2017 is outside the plan years
    /// 2018–2020".
    pub fn message(&self) -> Message {
        self.about(
            &format!("年度 {}", self.year),
            &format!("year {}", self.year),
        )
    }

    /// The same about a named period: "{zh} 不在计划年度 2018–2020 内" / "{en} is
    /// outside the plan years 2018–2020".
    pub fn about(&self, zh: &str, en: &str) -> Message {
        let (first, last) = (self.first_year, self.last_year);
        Message::new(
            format!("{zh} 不在计划年度 {first}–{last} 内"),
            format!("{en} is outside the plan years {first}–{last}"),
        )
    }

    /// For an error shown beside its field and value (计划年度 2017): "不在计划年度
    /// 2018–2020 内" / "outside the plan years 2018–2020".
    pub fn field_message(&self) -> Message {
        let (first, last) = (self.first_year, self.last_year);
        Message::new(
            format!("不在计划年度 {first}–{last} 内"),
            format!("outside the plan years {first}–{last}"),
        )
    }
}

fn build(raw: RawPlan, c: &mut Collector<'_>) -> Plan {
    let meta = raw.plan;
    if meta.first_year > meta.last_year || meta.first_year < 1990 || meta.last_year > 2100 {
        c.push(
            None,
            "计划年度无效（first_year 应不大于 last_year）",
            "invalid plan years (first_year must not exceed last_year)",
        );
    }

    // Units.
    let mut units = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for su in &raw.unit {
        let u = su.get_ref();
        let name = u.name.get_ref().trim().to_string();
        if name.is_empty() {
            c.at(&u.name, "单位名称为空", "empty unit name");
            continue;
        }
        if let Some(prev) = seen.get(&name) {
            c.at(
                &u.name,
                format!("单位名称重复：{name}（第 {prev} 行已定义）"),
                format!("duplicate unit name: {name} (already defined on line {prev})"),
            );
            continue;
        }
        seen.insert(name.clone(), c.lines.at(&u.name).unwrap_or(0));
        if u.town_role.is_some() && !can_pair(u.kind, u.side) {
            c.at(
                &u.name,
                format!("{name} 不是帮扶方的镇街、区或市直部门，不能有 town_role"),
                format!("{name} is not a town, district or department of the assisting side and cannot have a town_role"),
            );
        }
        if u.kind == UnitKind::County && u.side != Side::West {
            c.at(
                &u.name,
                format!("县区 {name} 应在受帮扶方（side = \"west\"）"),
                format!("county {name} must be on the assisted side (side = \"west\")"),
            );
        }
        if let Some(code) = &u.code {
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                c.at(
                    &u.name,
                    format!("{name} 的行政区划代码应为 6 位数字"),
                    format!("the area code of {name} must be 6 digits"),
                );
            }
        }
        units.push(Unit {
            name,
            kind: u.kind,
            side: u.side,
            code: u.code.clone(),
            full_name: u.full_name.clone(),
            town_role: u.town_role,
            aliases: u.aliases.iter().map(|a| a.trim().to_string()).collect(),
        });
    }
    for (i, u) in units.iter().enumerate() {
        for a in &u.aliases {
            let clash = units
                .iter()
                .enumerate()
                .any(|(j, o)| &o.name == a || (i != j && o.aliases.contains(a)));
            if a.is_empty() || clash {
                c.push(
                    None,
                    format!("{} 的别名「{a}」为空或与其他单位重名", u.name),
                    format!("alias \"{a}\" of {} is empty or names another unit", u.name),
                );
            }
        }
    }
    let unit_kind = |name: &str| units.iter().find(|u| u.name == name).map(|u| u.kind);

    // Record kinds.
    let regions = kinds::regions(&meta);
    let kinds = kinds::build_kinds(&regions, &raw.vocabulary, &raw.field, &raw.record_kind, c);

    // Groups.
    let mut groups = Vec::new();
    for sg in &raw.group {
        let g = sg.get_ref();
        let name = g.name.get_ref().trim().to_string();
        if seen.contains_key(&name) || groups.iter().any(|x: &Group| x.name == name) {
            c.at(
                &g.name,
                format!("名称重复：{name}"),
                format!("duplicate name: {name}"),
            );
            continue;
        }
        let mut members: Vec<String> = Vec::new();
        if let Some(kind) = g.all_of_kind {
            members.extend(
                units
                    .iter()
                    .filter(|u| u.kind == kind)
                    .map(|u| u.name.clone()),
            );
        }
        for m in &g.members {
            if unit_kind(m.get_ref()).is_none() {
                c.at(
                    m,
                    format!("未知单位：{}", m.get_ref()),
                    format!("unknown unit: {}", m.get_ref()),
                );
            } else {
                members.push(m.get_ref().clone());
            }
        }
        groups.push(Group { name, members });
    }

    // Pairings.
    let mut pairings = Vec::new();
    let mut paired_towns: HashMap<String, String> = HashMap::new();
    for sp in &raw.pairing {
        let p = sp.get_ref();
        let county = p.county.get_ref().trim().to_string();
        match unit_kind(&county) {
            None => c.at(
                &p.county,
                format!("结对的县区不存在：{county}"),
                format!("pairing to a missing county: {county}"),
            ),
            Some(UnitKind::County) => {}
            Some(_) => c.at(
                &p.county,
                format!("{county} 不是县区"),
                format!("{county} is not a county"),
            ),
        }
        if pairings.iter().any(|x: &CountyPairing| x.county == county) {
            c.at(
                &p.county,
                format!("县区 {county} 重复结对"),
                format!("county {county} is paired twice"),
            );
        }
        let mut check_town = |t: &Spanned<String>, role: TownRole, c: &mut Collector<'_>| {
            let name = t.get_ref().trim().to_string();
            match units.iter().find(|u| u.name == name) {
                None => c.at(
                    t,
                    format!("未知镇街：{name}"),
                    format!("unknown town: {name}"),
                ),
                Some(u) if !can_pair(u.kind, u.side) => c.at(
                    t,
                    format!("{name} 不是帮扶方的镇街、区或市直部门",),
                    format!("{name} is not a town, district or department of the assisting side"),
                ),
                Some(u) if u.town_role.is_some_and(|r| r != role) => c.at(
                    t,
                    format!(
                        "{name} 的角色是{}，此处应为{}",
                        u.town_role.map(TownRole::label_zh).unwrap_or("未定"),
                        role.label_zh()
                    ),
                    format!(
                        "{name} has role {:?}, expected {:?} here",
                        u.town_role, role
                    ),
                ),
                Some(_) => {}
            }
            if let Some(other) = paired_towns.insert(name.clone(), county.clone()) {
                c.at(
                    t,
                    format!("镇街 {name} 已与 {other} 结对"),
                    format!("town {name} is already paired with {other}"),
                );
            }
            name
        };
        let lead = check_town(&p.lead, TownRole::Lead, c);
        let assisting = p
            .assisting
            .iter()
            .map(|a| check_town(a, TownRole::Assisting, c))
            .collect();
        pairings.push(CountyPairing {
            county,
            lead,
            assisting,
        });
    }
    // A member's role comes from its pairing where the unit does not state it.
    for p in &pairings {
        for (member, role) in std::iter::once((&p.lead, TownRole::Lead))
            .chain(p.assisting.iter().map(|a| (a, TownRole::Assisting)))
        {
            if let Some(u) = units.iter_mut().find(|u| &u.name == member) {
                u.town_role.get_or_insert(role);
            }
        }
    }
    for u in &units {
        if u.kind == UnitKind::Town && !paired_towns.contains_key(&u.name) {
            c.push(
                None,
                format!("镇街 {} 没有结对县区", u.name),
                format!("town {} is in no pairing", u.name),
            );
        }
    }

    let unit_kind = |name: &str| units.iter().find(|u| u.name == name).map(|u| u.kind);
    if let Some(coord) = &meta.coordinator {
        if unit_kind(coord).is_none() {
            c.push(
                None,
                format!("[plan] coordinator 不是已定义的单位：{coord}"),
                format!("[plan] coordinator is not a unit of the plan: {coord}"),
            );
        }
    }

    let known_name = |n: &str| unit_kind(n).is_some() || groups.iter().any(|g| g.name == n);

    // Actions.
    let mut actions: Vec<Action> = Vec::new();
    for sa in &raw.action {
        let a = sa.get_ref();
        let no = a.no.get_ref().trim().to_string();
        if actions.iter().any(|x| x.no == no) {
            c.at(
                &a.no,
                format!("行动编号重复：{no}"),
                format!("duplicate action number: {no}"),
            );
        }
        let responsible = check_names(&a.responsible, &known_name, c);
        actions.push(Action {
            no,
            section: a.section.clone(),
            title: a.title.clone(),
            text: a.text.clone(),
            responsible,
        });
    }

    // Items.
    let mut items: Vec<Item> = Vec::new();
    for si in &raw.item {
        let i = si.get_ref();
        let no = i.no.get_ref().trim().to_string();
        if items.iter().any(|x| x.no == no) {
            c.at(
                &i.no,
                format!("工作清单序号重复：{no}"),
                format!("duplicate checklist item: {no}"),
            );
        }
        let action = no.split('.').next().unwrap_or_default().to_string();
        if !actions.iter().any(|a| a.no == action) {
            c.at(
                &i.no,
                format!("序号 {no} 所属的行动 {action} 不存在"),
                format!("item {no} belongs to a missing action {action}"),
            );
        }
        let responsible = check_names(&i.responsible, &known_name, c);
        items.push(Item {
            no,
            action,
            title: i.title.clone(),
            text: i.text.clone(),
            time_limit: i.time_limit.clone(),
            responsible,
        });
    }

    // Indicators.
    let mut indicators: Vec<Indicator> = Vec::new();
    for si in &raw.indicator {
        if let Some(ind) = build_indicator(
            si.get_ref(),
            &meta,
            &kinds,
            &units,
            &groups,
            &pairings,
            &items,
            &actions,
            &indicators,
            c,
        ) {
            indicators.push(ind);
        }
    }
    // Ratio denominators may refer forward; check after all are known.
    for (si, ind) in raw.indicator.iter().zip(indicators.iter()) {
        if let Measure::Ratio { denominator, .. } = &ind.measure {
            if !indicators
                .iter()
                .any(|d| &d.id == denominator && !matches!(d.measure, Measure::Ratio { .. }))
            {
                let line = si
                    .get_ref()
                    .denominator
                    .as_ref()
                    .and_then(|d| c.lines.at(d));
                c.push(
                    line,
                    format!("比率的分母指标不存在：{denominator}"),
                    format!("ratio denominator is not a known indicator: {denominator}"),
                );
            }
        }
    }

    Plan {
        meta,
        units,
        groups,
        pairings,
        actions,
        items,
        indicators,
        kinds,
        regions,
        version: 0,
    }
}

/// The units that may lead or assist a pairing: the assisting side's towns, districts
/// and departments.
fn can_pair(kind: UnitKind, side: Side) -> bool {
    side == Side::East
        && matches!(
            kind,
            UnitKind::Town | UnitKind::District | UnitKind::Department
        )
}

fn check_names(
    names: &[Spanned<String>],
    known: &dyn Fn(&str) -> bool,
    c: &mut Collector<'_>,
) -> Vec<String> {
    let mut out = Vec::new();
    for n in names {
        let name = n.get_ref().trim();
        if known(name) {
            out.push(name.to_string());
        } else {
            c.at(
                n,
                format!("未知单位：{name}"),
                format!("unknown unit: {name}"),
            );
        }
    }
    out
}

fn build_indicator(
    r: &RawIndicator,
    meta: &PlanMeta,
    kinds: &[RecordKind],
    units: &[Unit],
    groups: &[Group],
    pairings: &[CountyPairing],
    items: &[Item],
    actions: &[Action],
    earlier: &[Indicator],
    c: &mut Collector<'_>,
) -> Option<Indicator> {
    let before = c.errors.len();
    let id = r.id.get_ref().trim().to_string();
    if id.is_empty() {
        c.at(&r.id, "指标编号为空", "empty indicator id");
    }
    if earlier.iter().any(|i| i.id == id) {
        c.at(
            &r.id,
            format!("指标编号重复：{id}"),
            format!("duplicate indicator id: {id}"),
        );
    }
    let item = r.item.get_ref().trim().to_string();
    if !items.iter().any(|i| i.no == item) && !actions.iter().any(|a| a.no == item) {
        c.at(
            &r.item,
            format!("指标 {id} 的工作清单序号不存在：{item}"),
            format!("indicator {id} refers to a missing checklist item: {item}"),
        );
    }
    let wanted = r.kind.get_ref().trim();
    let kind = match kinds
        .iter()
        .copied()
        .find(|k| k.key() == wanted || k.label_zh() == wanted)
    {
        Some(k) => Some(k),
        None => {
            c.at(
                &r.kind,
                format!("指标 {id} 的记录类型未知：{}", r.kind.get_ref()),
                format!(
                    "indicator {id} targets an unknown record kind: {}",
                    r.kind.get_ref()
                ),
            );
            None
        }
    };

    let mut conditions = Vec::new();
    if let (Some(kind), Some(table)) = (kind, &r.conditions) {
        for (field, value) in table.get_ref() {
            let Some(desc) = kind.field(field) else {
                c.at(
                    table,
                    format!("指标 {id}：{} 没有字段 {field}", kind.label_zh()),
                    format!("indicator {id}: {} has no field {field}", kind.key()),
                );
                continue;
            };
            let values: Vec<&toml::Value> = match value {
                toml::Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            let mut any_of = Vec::new();
            for v in values {
                let fv = match v {
                    toml::Value::String(s) if s == "$scope" => FilterValue::ScopeUnit,
                    toml::Value::String(s) if s == "$paired_county" => FilterValue::PairedCounty,
                    toml::Value::String(s) => {
                        let ok = match &desc.ty {
                            FieldType::Enum(options) => {
                                options.iter().any(|o| o.label == s || o.key == s)
                            }
                            FieldType::Unit(_) | FieldType::Units(_) => {
                                units.iter().any(|u| &u.name == s)
                            }
                            FieldType::Text => true,
                            _ => false,
                        };
                        if !ok {
                            c.at(
                                table,
                                format!("指标 {id}：字段 {field} 不可能取值 {s}"),
                                format!("indicator {id}: field {field} cannot take the value {s}"),
                            );
                        }
                        // Enum filters hold the Chinese label whichever form was written.
                        let label = match &desc.ty {
                            FieldType::Enum(options) => options
                                .iter()
                                .find(|o| o.key == s)
                                .map(|o| o.label.to_string())
                                .unwrap_or_else(|| s.clone()),
                            _ => s.clone(),
                        };
                        FilterValue::Text(label)
                    }
                    toml::Value::Boolean(b) if desc.ty == FieldType::Bool => FilterValue::Bool(*b),
                    other => {
                        c.at(
                            table,
                            format!("指标 {id}：字段 {field} 的条件值 {other} 类型不符"),
                            format!(
                                "indicator {id}: condition value {other} does not fit field {field}"
                            ),
                        );
                        continue;
                    }
                };
                any_of.push(fv);
            }
            conditions.push(Condition {
                field: field.clone(),
                any_of,
            });
        }
    }

    if let (Some(kind), Some(_)) = (kind, r.min_months) {
        if !kind.is(BuiltinKind::Secondment) {
            c.at(
                &r.id,
                format!("指标 {id}：min_months 只适用于人员选派"),
                format!("indicator {id}: min_months applies to secondments only"),
            );
        }
    }

    let measure_text = r.measure.get_ref().trim();
    let measure = match measure_text {
        "count" => Some(Measure::Count),
        "distinct_persons" => {
            if kind.is_some_and(|k| !k.is(BuiltinKind::Person)) {
                c.at(
                    &r.measure,
                    format!("指标 {id}：distinct_persons 只适用于人员名单"),
                    format!("indicator {id}: distinct_persons applies to person records only"),
                );
            }
            Some(Measure::DistinctPersons)
        }
        "ratio" => {
            let num = r.numerator.as_ref().map(|n| n.get_ref().trim().to_string());
            let den = r
                .denominator
                .as_ref()
                .map(|n| n.get_ref().trim().to_string());
            match (num, den) {
                (Some(n), Some(d)) => {
                    let field = n.strip_prefix("sum:").unwrap_or(&n).to_string();
                    if let Some(k) = kind {
                        if !k.field(&field).is_some_and(|f| f.ty.is_summable()) {
                            c.at(
                                &r.measure,
                                format!("指标 {id}：分子字段 {field} 不能求和"),
                                format!("indicator {id}: numerator field {field} cannot be summed"),
                            );
                        }
                    }
                    Some(Measure::Ratio {
                        numerator: field,
                        denominator: d,
                    })
                }
                _ => {
                    c.at(
                        &r.measure,
                        format!("指标 {id}：ratio 需要 numerator 和 denominator"),
                        format!("indicator {id}: ratio needs numerator and denominator"),
                    );
                    None
                }
            }
        }
        other => match other.strip_prefix("sum:") {
            Some(field) => {
                if let Some(k) = kind {
                    if !k.field(field).is_some_and(|f| f.ty.is_summable()) {
                        c.at(
                            &r.measure,
                            format!("指标 {id}：字段 {field} 不能求和"),
                            format!("indicator {id}: field {field} cannot be summed"),
                        );
                    }
                }
                Some(Measure::Sum {
                    field: field.to_string(),
                })
            }
            None => {
                c.at(
                    &r.measure,
                    format!("指标 {id}：未知的计算方式 {other}"),
                    format!("indicator {id}: unknown measure {other}"),
                );
                None
            }
        },
    };

    let by = r.by.as_ref().map(|b| b.get_ref().trim().to_string());
    let scope = targets::scope(&r.scope, groups, &id, c);
    match (scope.unwrap_or(Scope::Plan), &by, kind) {
        (Scope::Plan, Some(_), _) => c.at(
            &r.id,
            format!("指标 {id}：全市范围不需要 by"),
            format!("indicator {id}: scope plan takes no `by`"),
        ),
        (Scope::Plan, None, _) => {}
        (_, None, _) => c.at(
            &r.id,
            format!("指标 {id}：分单位的指标需要 by（记录中指明单位的字段）"),
            format!(
                "indicator {id}: a per-unit scope needs `by` (the record field naming the unit)"
            ),
        ),
        (_, Some(field), Some(k)) => {
            if !k.is_party_field(field)
                && !k
                    .field(field)
                    .is_some_and(|f| matches!(f.ty, FieldType::Unit(_) | FieldType::Units(_)))
            {
                let line = r.by.as_ref().and_then(|b| c.lines.at(b));
                c.push(
                    line,
                    format!("指标 {id}：{field} 不是 {} 的单位字段", k.label_zh()),
                    format!("indicator {id}: {field} is not a unit field of {}", k.key()),
                );
            }
        }
        _ => {}
    }
    let needs_town = conditions
        .iter()
        .any(|cd| cd.any_of.contains(&FilterValue::PairedCounty));
    if needs_town
        && !matches!(
            scope,
            Some(Scope::EachLeadTown | Scope::EachAssistingTown | Scope::EachOf(_))
        )
    {
        c.at(
            &r.id,
            format!("指标 {id}：$paired_county 只适用于镇街范围"),
            format!("indicator {id}: $paired_county needs a town scope"),
        );
    }

    // Money targets are written in yuan, ratio targets in percent; both are held in
    // hundredths (fen, hundredths of a percent), as the engine counts them.
    let in_hundredths = r.unit == "元" || matches!(measure, Some(Measure::Ratio { .. }));
    let mut targets = BTreeMap::new();
    let mut growth_percent = None;
    if let Some(t) = &r.target {
        match targets::growth_percent(t.get_ref()) {
            Some(Ok(p)) => growth_percent = Some(p),
            Some(Err(())) => c.at(
                t,
                format!("指标 {id}：growth_percent 应为 1–1000 的整数"),
                format!("indicator {id}: growth_percent must be a whole number 1–1000"),
            ),
            None => targets = targets::parse(t, meta, in_hundredths, &id, c),
        }
    }
    let scope_units: Vec<&str> = match scope {
        Some(sc) => scope_unit_names(sc, units, groups, pairings),
        None => Vec::new(),
    };
    let mut unit_targets = BTreeMap::new();
    if let Some(ut) = &r.unit_targets {
        for (unit, value) in ut.get_ref() {
            if !scope_units.contains(&unit.as_str()) {
                c.at(
                    ut,
                    format!("指标 {id}：unit_targets 中的 {unit} 不在指标范围的单位中"),
                    format!("indicator {id}: {unit} in unit_targets is not a unit of the indicator's scope"),
                );
                continue;
            }
            let spanned = Spanned::new(ut.span(), value.clone());
            unit_targets.insert(
                unit.clone(),
                targets::parse(&spanned, meta, in_hundredths, &id, c),
            );
        }
    }
    if growth_percent.is_some() && matches!(measure, Some(Measure::Ratio { .. })) {
        c.at(
            &r.id,
            format!("指标 {id}：比率指标不能用 growth_percent"),
            format!("indicator {id}: a ratio indicator takes no growth_percent"),
        );
    }

    let (deadline, deadline_by_year) = match &r.deadline {
        None => ((12, 31), BTreeMap::new()),
        Some(d) => targets::deadline(d, meta, &id, c),
    };

    if c.errors.len() > before {
        return None;
    }
    Some(Indicator {
        id,
        item,
        clause: r.clause.clone(),
        name: r.name.clone(),
        kind: kind?,
        conditions,
        min_months: r.min_months,
        measure: measure?,
        period: r.period.unwrap_or(Period::InYear),
        scope: scope?,
        by,
        unit: r.unit.clone(),
        targets,
        unit_targets,
        growth_percent,
        deadline,
        deadline_by_year,
    })
}

fn parse_month_day(s: &str) -> Option<(u8, u8)> {
    let (m, d) = s.trim().split_once('-')?;
    let (m, d): (u8, u8) = (m.parse().ok()?, d.parse().ok()?);
    // Validate against a leap year so 02-29 is accepted as a date that exists some years.
    let month = time::Month::try_from(m).ok()?;
    Date::from_calendar_date(2020, month, d).ok()?;
    Some((m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan whose action 3 has items 3.2 and 3.5 (no 3.1), an action-level indicator
    /// on 3, one on item 3.5, and an action 4 without items.
    const NO_DOT_ONE: &str = r#"
[plan]
id = "x-y-2021-2023"
title = "X·Y 协作"
issuer = "X"
document_no = "X〔2021〕1号"
first_year = 2021
last_year = 2023
east = "X市"
west = "Y市"

[[unit]]
name = "甲镇"
kind = "town"
side = "east"
town_role = "lead"

[[unit]]
name = "乙县"
kind = "county"
side = "west"
code = "520101"

[[pairing]]
county = "乙县"
lead = "甲镇"

[[action]]
no = "3"
title = "人才"

[[action]]
no = "4"
title = "社会"

[[item]]
no = "3.2"
title = "培训"
text = "每年培训"
time_limit = "2021-2023年"
responsible = ["甲镇"]

[[item]]
no = "3.5"
title = "交流"
text = "每年交流"
time_limit = "2021-2023年"
responsible = ["甲镇"]

[[indicator]]
id = "3-volunteers"
item = "3"
name = "志愿服务"
kind = "activity"
where = { kind = "志愿服务" }
measure = "count"
scope = "plan"
unit = "次"
target = 2

[[indicator]]
id = "3.5-exchanges"
item = "3.5"
name = "交流"
kind = "activity"
measure = "count"
scope = "plan"
unit = "次"

[[indicator]]
id = "4-donations"
item = "4"
name = "社会捐赠"
kind = "donation"
measure = "sum:amount"
scope = "plan"
unit = "元"
"#;

    fn plan() -> Plan {
        Plan::from_toml(NO_DOT_ONE, "no-dot-one.toml").expect("valid test plan")
    }

    #[test]
    fn an_action_level_indicator_is_shown_under_the_actions_first_item() {
        let p = plan();
        // No 3.1: the first item of action 3 in plan order is 3.2.
        assert_eq!(p.checklist_item_of("3").map(|i| i.no.as_str()), Some("3.2"));
        // An item's own indicators stay under it.
        assert_eq!(
            p.checklist_item_of("3.5").map(|i| i.no.as_str()),
            Some("3.5")
        );
        assert_eq!(
            p.checklist_item_of("3.2").map(|i| i.no.as_str()),
            Some("3.2")
        );
        // An action without items has no checklist line; an unknown number neither.
        assert!(p.checklist_item_of("4").is_none());
        assert!(p.checklist_item_of("9").is_none());
        // Every indicator of the plan lands on a line of its own action.
        for ind in &p.indicators {
            let act = p
                .action_of(&ind.item)
                .expect("every indicator has an action");
            if let Some(item) = p.checklist_item_of(&ind.item) {
                assert_eq!(item.action, act.no, "{}", ind.id);
            }
        }
    }

    #[test]
    fn the_action_of_an_indicator_is_its_own_or_its_items() {
        let p = plan();
        assert_eq!(p.action_of("3").map(|a| a.no.as_str()), Some("3"));
        assert_eq!(p.action_of("3.5").map(|a| a.title.as_str()), Some("人才"));
        assert_eq!(p.action_of("4").map(|a| a.title.as_str()), Some("社会"));
        assert!(p.action_of("3.9").is_none());
    }

    #[test]
    fn the_bundled_plans_action_level_indicator_is_under_its_first_item() {
        let p = Plan::bundled();
        let ind = p.indicator("7.1-volunteer-trips").unwrap();
        assert_eq!(ind.item, "7");
        let first = p.items.iter().find(|i| i.action == "7").unwrap();
        assert_eq!(
            p.checklist_item_of(&ind.item).map(|i| &i.no),
            Some(&first.no)
        );
    }

    #[test]
    fn the_plan_year_check() {
        let p = plan();
        for y in 2021..=2023 {
            assert_eq!(p.check_year(y), Ok(()));
        }
        let e = p.check_year(2020).unwrap_err();
        assert_eq!(
            e,
            OutsidePlanYears {
                year: 2020,
                first_year: 2021,
                last_year: 2023
            }
        );
        assert_eq!(e.message().zh, "年度 2020 不在计划年度 2021–2023 内");
        assert_eq!(
            e.message().en,
            "year 2020 is outside the plan years 2021–2023"
        );
        assert_eq!(e.field_message().zh, "不在计划年度 2021–2023 内");
        assert_eq!(e.field_message().en, "outside the plan years 2021–2023");
        let m = p
            .check_year(2024)
            .unwrap_err()
            .about("2024年1月", "2024-01");
        assert_eq!(m.zh, "2024年1月 不在计划年度 2021–2023 内");
        assert_eq!(m.en, "2024-01 is outside the plan years 2021–2023");
    }
}
