//! The plan as data: units, pairings, actions, checklist items and indicator
//! definitions, loaded from a TOML file (format: docs/plan-format.md) and
//! validated so that everything downstream can trust the names it holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

pub mod amend;
mod build;
mod kinds;
mod map;
mod notes;
mod raw;
mod targets;
mod text;

use build::{Collector, Lines, build, parse_month_day};
use raw::{RawExtraField, RawField, RawPlan, RawRecordKind, RawVocabulary};

pub use map::{MAX_GEOJSON_BYTES, PlanMap};
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
    /// How the leader's view draws the assisted counties (`[map]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map: Option<PlanMap>,
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
    #[serde(deserialize_with = "text::trimmed")]
    pub title: String,
    #[serde(deserialize_with = "text::trimmed")]
    pub issuer: String,
    #[serde(deserialize_with = "text::trimmed")]
    pub document_no: String,
    #[serde(default)]
    pub issued_on: Option<toml::value::Datetime>,
    pub first_year: i32,
    pub last_year: i32,
    #[serde(deserialize_with = "text::trimmed")]
    pub east: String,
    #[serde(deserialize_with = "text::trimmed")]
    pub west: String,
    #[serde(default, deserialize_with = "text::trimmed")]
    pub goal: String,
    /// The coordination office: the reporting unit of records entered from the command
    /// line when nothing else names one.
    #[serde(default, deserialize_with = "text::trimmed_opt")]
    pub coordinator: Option<String>,
    /// One-character names of the two sides in set phrases (来莞, 赴昭); the short names
    /// (东莞, 昭通) when not given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text::trimmed_opt"
    )]
    pub east_abbr: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text::trimmed_opt"
    )]
    pub west_abbr: Option<String>,
    /// The assisting side's province (广东), as in 广东省内其他.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text::trimmed_opt"
    )]
    pub east_province: Option<String>,
    /// Record kinds (keys) whose people come from the assisted side (the west's workers,
    /// trainees, students): an ID number issued outside it is flagged on import.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub west_persons: Vec<String>,
}

impl PlanMeta {
    /// Whether the plan says this kind lists people of the assisted side.
    pub fn lists_west_persons(&self, kind: &str) -> bool {
        self.west_persons.iter().any(|k| k == kind)
    }
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
    /// Shown first to leaders (a card of the leader's view and the coordinator's home).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub headline: bool,
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

/// A built-in kind as the bundled plan renders it: for tests and tools that work on the
/// bundled plan (anything else takes its kinds from the plan it holds).
pub fn bundled_kind(b: BuiltinKind) -> RecordKind {
    static BUNDLED: std::sync::LazyLock<Plan> = std::sync::LazyLock::new(Plan::bundled);
    BUNDLED.kind_of(b)
}

impl Plan {
    /// A digest of everything the plan says (SHA-256 of its JSON, which is the same text
    /// for the same plan in every process): what was classified under one digest is
    /// classified again when it changes.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        let text = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(sha2::Sha256::digest(&text))
    }

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

    /// The indicators shown first to leaders: those the plan marks `headline`, else the
    /// plan-wide ones with a target in the year (money first), at most four.
    pub fn headline_indicators(&self, year: i32) -> Vec<&Indicator> {
        let marked: Vec<&Indicator> = self.indicators.iter().filter(|i| i.headline).collect();
        if !marked.is_empty() {
            return marked;
        }
        let mut v: Vec<&Indicator> = self
            .indicators
            .iter()
            .filter(|i| i.scope == Scope::Plan && i.target_for(year).is_some())
            .collect();
        v.sort_by_key(|i| !i.is_money());
        v.truncate(4);
        v
    }

    /// The paired counties' names, in plan order: what the leader's map draws.
    pub fn paired_county_names(&self) -> Vec<&str> {
        self.counties().map(|u| u.name.as_str()).collect()
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

#[cfg(test)]
mod tests;
