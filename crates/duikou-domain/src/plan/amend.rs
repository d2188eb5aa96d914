//! Amending a loaded plan: what differs between two versions (for a person to read
//! before confirming, and for the audit trail), and which differences would strand
//! records already stored — a unit, kind, field or option they use taken away, a field
//! whose values would no longer read as its type, years they belong to cut off.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::{Plan, Target};
use crate::message::Message;
use crate::schema::{FieldDesc, FieldType, RecordKind};

/// The part of a plan a change is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Plan,
    Unit,
    Group,
    Pairing,
    Action,
    Item,
    Indicator,
    Target,
    RecordKind,
    Field,
    Vocabulary,
}

impl Section {
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Section::Plan => ("计划", "plan"),
            Section::Unit => ("单位", "unit"),
            Section::Group => ("单位组", "group"),
            Section::Pairing => ("结对", "pairing"),
            Section::Action => ("行动", "action"),
            Section::Item => ("工作清单", "item"),
            Section::Indicator => ("指标", "indicator"),
            Section::Target => ("目标", "target"),
            Section::RecordKind => ("记录类型", "record kind"),
            Section::Field => ("字段", "field"),
            Section::Vocabulary => ("选项", "option"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One difference: `name` is what it is about (a unit's name, `5.2-employed 2019`),
/// `before` / `after` the values in words where it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub section: Section,
    pub change: ChangeKind,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl Change {
    /// `指标 5.2-employed：修改 target 8000 → 9000 / indicator 5.2-employed: changed …`
    pub fn message(&self) -> Message {
        let (szh, sen) = self.section.label();
        let values = match (&self.before, &self.after) {
            (Some(b), Some(a)) => format!("{b} → {a}"),
            (None, Some(a)) => a.clone(),
            (Some(b), None) => b.clone(),
            (None, None) => String::new(),
        };
        let (czh, cen) = match self.change {
            ChangeKind::Added => ("新增", "added"),
            ChangeKind::Removed => ("删除", "removed"),
            ChangeKind::Changed => ("修改", "changed"),
        };
        let sep = if values.is_empty() { "" } else { " " };
        Message::new(
            format!("{szh} {}：{czh}{sep}{values}", self.name),
            format!("{sen} {}: {cen}{sep}{values}", self.name),
        )
    }
}

/// What a field of a kind loses in an amendment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "loss", rename_all = "snake_case")]
pub enum FieldLoss {
    Removed,
    /// Its type changed: stored values may no longer read as the new type.
    Retyped {
        before: String,
        after: String,
    },
    /// Options of an enumerated field that the new version no longer has.
    Options {
        labels: Vec<String>,
    },
}

/// The difference between two versions of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlanDiff {
    pub changes: Vec<Change>,
    /// Units the new version no longer has.
    pub removed_units: Vec<String>,
    /// Record kinds (keys) the new version no longer has.
    pub removed_kinds: Vec<String>,
    /// Kinds whose dating field changed: a stored record's year was read from the old one.
    pub redated_kinds: Vec<String>,
    /// (kind, field) and what it loses.
    pub field_losses: Vec<(String, String, FieldLoss)>,
    /// Plan years the new version no longer covers.
    pub removed_years: Vec<i32>,
}

/// What the stored records use, for the parts of a plan an amendment takes away.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Records (as reporting, named or county unit) and user accounts per unit name.
    pub units: BTreeMap<String, u64>,
    /// Records per kind key.
    pub kinds: BTreeMap<String, u64>,
    /// Records per plan year.
    pub years: BTreeMap<i32, u64>,
    /// Per (kind, field) asked for: records with a value, and per value how many.
    pub fields: BTreeMap<(String, String), FieldUsage>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldUsage {
    pub records: u64,
    pub values: BTreeMap<String, u64>,
}

impl PlanDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The (kind, field) pairs whose stored values decide whether the amendment strands
    /// records: the store counts only these.
    pub fn fields_to_check(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .field_losses
            .iter()
            .map(|(k, f, _)| (k.clone(), f.clone()))
            .collect();
        v.dedup();
        v
    }

    /// Every way the amendment would strand stored records, in words; empty when it may
    /// be applied.
    pub fn strands(&self, usage: &Usage) -> Vec<Message> {
        let mut out = Vec::new();
        for u in &self.removed_units {
            if let Some(n) = usage.units.get(u).filter(|n| **n > 0) {
                out.push(Message::new(
                    format!("不能删除单位 {u}：有 {n} 条记录或账号使用它"),
                    format!("cannot remove unit {u}: {n} records or accounts use it"),
                ));
            }
        }
        for k in &self.removed_kinds {
            if let Some(n) = usage.kinds.get(k).filter(|n| **n > 0) {
                out.push(Message::new(
                    format!("不能删除记录类型 {k}：已有 {n} 条记录"),
                    format!("cannot remove record kind {k}: {n} records of it are stored"),
                ));
            }
        }
        for k in &self.redated_kinds {
            if let Some(n) = usage.kinds.get(k).filter(|n| **n > 0) {
                out.push(Message::new(
                    format!("不能更改记录类型 {k} 的日期字段：已有 {n} 条记录按原字段归入年度"),
                    format!("cannot change the date field of record kind {k}: {n} stored records are dated by the old one"),
                ));
            }
        }
        for y in &self.removed_years {
            if let Some(n) = usage.years.get(y).filter(|n| **n > 0) {
                out.push(Message::new(
                    format!("不能去掉 {y} 年度：已有 {n} 条该年度的记录"),
                    format!("cannot drop the year {y}: {n} records of that year are stored"),
                ));
            }
        }
        for (kind, field, loss) in &self.field_losses {
            let Some(used) = usage.fields.get(&(kind.clone(), field.clone())) else {
                continue;
            };
            match loss {
                FieldLoss::Removed if used.records > 0 => out.push(Message::new(
                    format!("不能删除字段 {kind}.{field}：{} 条记录填有该字段", used.records),
                    format!(
                        "cannot remove field {kind}.{field}: {} records have a value in it",
                        used.records
                    ),
                )),
                FieldLoss::Retyped { before, after } if used.records > 0 => {
                    out.push(Message::new(
                        format!(
                            "不能将字段 {kind}.{field} 的类型由 {before} 改为 {after}：{} 条记录填有该字段",
                            used.records
                        ),
                        format!(
                            "cannot change the type of field {kind}.{field} from {before} to {after}: {} records have a value in it",
                            used.records
                        ),
                    ))
                }
                FieldLoss::Options { labels } => {
                    for l in labels {
                        if let Some(n) = used.values.get(l).filter(|n| **n > 0) {
                            out.push(Message::new(
                                format!("不能删除字段 {kind}.{field} 的选项「{l}」：{n} 条记录使用它"),
                                format!("cannot remove option \"{l}\" of field {kind}.{field}: {n} records use it"),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// The differences from `old` to `new`, section by section in plan order.
pub fn diff(old: &Plan, new: &Plan) -> PlanDiff {
    let mut d = PlanDiff::default();
    compare_meta(old, new, &mut d);
    let by = |v: &[Json], key: &str| -> Vec<(String, Json)> {
        v.iter()
            .map(|e| (e[key].as_str().unwrap_or_default().to_string(), e.clone()))
            .collect()
    };
    compare_entries(
        Section::Unit,
        &by(&list(&old.units), "name"),
        &by(&list(&new.units), "name"),
        &mut d,
    );
    d.removed_units = old
        .units
        .iter()
        .filter(|u| new.unit(&u.name).is_none())
        .map(|u| u.name.clone())
        .collect();
    for (section, key, a, b) in [
        (Section::Group, "name", list(&old.groups), list(&new.groups)),
        (
            Section::Pairing,
            "county",
            list(&old.pairings),
            list(&new.pairings),
        ),
        (
            Section::Action,
            "no",
            list(&old.actions),
            list(&new.actions),
        ),
        (Section::Item, "no", list(&old.items), list(&new.items)),
    ] {
        compare_entries(section, &by(&a, key), &by(&b, key), &mut d);
    }
    compare_indicators(old, new, &mut d);
    compare_kinds(old, new, &mut d);
    compare_map(old, new, &mut d);
    d.removed_years = old.years().filter(|y| !new.years().contains(y)).collect();
    d
}

/// Serialising without naming every type: units, groups and the rest are all
/// `Serialize`.
mod erased {
    pub trait Ser {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or_default()
        }
    }
}
use erased::Ser as _;

fn list<T: Serialize>(v: &[T]) -> Vec<Json> {
    v.iter().map(|e| e.json()).collect()
}

fn words(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Array(a) => a.iter().map(words).collect::<Vec<_>>().join("、"),
        Json::Null => "—".into(),
        other => other.to_string(),
    }
}

fn compare_meta(old: &Plan, new: &Plan, d: &mut PlanDiff) {
    let (a, b) = (old.meta.json(), new.meta.json());
    let keys: Vec<String> = match (&a, &b) {
        (Json::Object(a), Json::Object(b)) => {
            let mut k: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
            k.sort();
            k.dedup();
            k
        }
        _ => Vec::new(),
    };
    for k in keys {
        let (x, y) = (&a[&k], &b[&k]);
        if x != y {
            d.changes.push(Change {
                section: Section::Plan,
                change: ChangeKind::Changed,
                name: k.clone(),
                before: Some(words(x)),
                after: Some(words(y)),
            });
        }
    }
}

/// `[map]`: tiles, outlines and the name property, each said in words when it changed.
fn compare_map(old: &Plan, new: &Plan, d: &mut PlanDiff) {
    if old.map == new.map {
        return;
    }
    let words = |m: Option<&super::PlanMap>| -> String {
        let Some(m) = m else { return "—".into() };
        let mut parts = Vec::new();
        if !m.tiles.is_empty() {
            let tiles: Vec<String> = m
                .tiles
                .iter()
                .map(|(c, (r, col))| format!("{c} ({r}, {col})"))
                .collect();
            parts.push(format!("tiles {}", tiles.join("、")));
        }
        if let Some(g) = &m.geojson {
            // The outline text is long: its length and digest tell versions apart.
            use sha2::Digest;
            let digest = hex::encode(sha2::Sha256::digest(g.as_bytes()));
            parts.push(format!(
                "geojson {} bytes sha256:{}",
                g.len(),
                &digest[..12]
            ));
        }
        parts.push(format!("name_property {}", m.name_property));
        parts.join("；")
    };
    d.changes.push(Change {
        section: Section::Plan,
        change: match (&old.map, &new.map) {
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        },
        name: "map".into(),
        before: old.map.as_ref().map(|m| words(Some(m))),
        after: new.map.as_ref().map(|m| words(Some(m))),
    });
}

/// Entries keyed by name: added, removed, and for each kept one the keys that changed.
fn compare_entries(
    section: Section,
    old: &[(String, Json)],
    new: &[(String, Json)],
    d: &mut PlanDiff,
) {
    let find =
        |v: &[(String, Json)], k: &str| v.iter().find(|(n, _)| n == k).map(|(_, j)| j.clone());
    for (name, before) in old {
        match find(new, name) {
            None => d.changes.push(Change {
                section,
                change: ChangeKind::Removed,
                name: name.clone(),
                before: None,
                after: None,
            }),
            Some(after) if after != *before => {
                for (key, x, y) in changed_keys(before, &after) {
                    d.changes.push(Change {
                        section,
                        change: ChangeKind::Changed,
                        name: format!("{name} {key}"),
                        before: Some(words(&x)),
                        after: Some(words(&y)),
                    });
                }
            }
            Some(_) => {}
        }
    }
    for (name, _) in new {
        if find(old, name).is_none() {
            d.changes.push(Change {
                section,
                change: ChangeKind::Added,
                name: name.clone(),
                before: None,
                after: None,
            });
        }
    }
}

fn changed_keys(a: &Json, b: &Json) -> Vec<(String, Json, Json)> {
    let (Json::Object(a), Json::Object(b)) = (a, b) else {
        return vec![(String::new(), a.clone(), b.clone())];
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (
                a.get(k).cloned().unwrap_or(Json::Null),
                b.get(k).cloned().unwrap_or(Json::Null),
            );
            (x != y).then(|| (k.clone(), x, y))
        })
        .collect()
}

fn target_words(t: Option<&Target>, money: bool) -> String {
    let n = |v: i64| {
        if money {
            crate::money::Fen::new(v).yuan_text()
        } else {
            v.to_string()
        }
    };
    match t {
        None => "不考核 / tracked".into(),
        Some(Target { min, max: None }) => n(*min),
        Some(Target { min, max: Some(m) }) => format!("{}-{}", n(*min), n(*m)),
    }
}

fn compare_indicators(old: &Plan, new: &Plan, d: &mut PlanDiff) {
    let strip = |i: &super::Indicator| {
        let mut j = i.json();
        if let Json::Object(m) = &mut j {
            m.remove("targets");
            m.remove("unit_targets");
        }
        j
    };
    let a: Vec<(String, Json)> = old
        .indicators
        .iter()
        .map(|i| (i.id.clone(), strip(i)))
        .collect();
    let b: Vec<(String, Json)> = new
        .indicators
        .iter()
        .map(|i| (i.id.clone(), strip(i)))
        .collect();
    compare_entries(Section::Indicator, &a, &b, d);
    for i in &old.indicators {
        let Some(n) = new.indicator(&i.id) else {
            continue;
        };
        let money = i.is_money() && n.is_money();
        let years: std::collections::BTreeSet<i32> =
            i.targets.keys().chain(n.targets.keys()).copied().collect();
        for y in years {
            let (x, z) = (i.targets.get(&y), n.targets.get(&y));
            if x != z {
                d.changes.push(Change {
                    section: Section::Target,
                    change: ChangeKind::Changed,
                    name: format!("{} {y}", i.id),
                    before: Some(target_words(x, money)),
                    after: Some(target_words(z, money)),
                });
            }
        }
        let units: std::collections::BTreeSet<&String> =
            i.unit_targets.keys().chain(n.unit_targets.keys()).collect();
        for u in units {
            let (x, z) = (i.unit_targets.get(u), n.unit_targets.get(u));
            let years: std::collections::BTreeSet<i32> = x
                .into_iter()
                .chain(z)
                .flat_map(|m| m.keys().copied())
                .collect();
            for y in years {
                let (p, q) = (x.and_then(|m| m.get(&y)), z.and_then(|m| m.get(&y)));
                if p != q {
                    d.changes.push(Change {
                        section: Section::Target,
                        change: ChangeKind::Changed,
                        name: format!("{} {u} {y}", i.id),
                        before: Some(target_words(p, money)),
                        after: Some(target_words(q, money)),
                    });
                }
            }
        }
    }
}

/// A field type in words, options aside: `enum`, `unit(east)`.
fn type_words(ty: &FieldType) -> String {
    match ty {
        FieldType::Enum(_) => "enum".into(),
        other => {
            let j = serde_json::to_value(other).unwrap_or_default();
            match (&j["type"], &j["options"]) {
                (Json::String(t), Json::Null) => t.clone(),
                (Json::String(t), o) => format!("{t}({})", words(o)),
                _ => words(&j),
            }
        }
    }
}

fn labels(ty: &FieldType) -> Vec<&'static str> {
    match ty {
        FieldType::Enum(opts) => opts.iter().map(|o| o.label).collect(),
        _ => Vec::new(),
    }
}

fn compare_kinds(old: &Plan, new: &Plan, d: &mut PlanDiff) {
    for k in old.kinds() {
        let Some(n) = new.kinds().iter().find(|n| n.key() == k.key()) else {
            d.changes.push(Change {
                section: Section::RecordKind,
                change: ChangeKind::Removed,
                name: k.key().to_string(),
                before: Some(k.label_zh().to_string()),
                after: None,
            });
            d.removed_kinds.push(k.key().to_string());
            continue;
        };
        compare_kind(*k, *n, d);
    }
    for n in new.kinds() {
        if !old.kinds().iter().any(|k| k.key() == n.key()) {
            d.changes.push(Change {
                section: Section::RecordKind,
                change: ChangeKind::Added,
                name: n.key().to_string(),
                before: None,
                after: Some(n.label_zh().to_string()),
            });
        }
    }
}

fn compare_kind(k: RecordKind, n: RecordKind, d: &mut PlanDiff) {
    let key = k.key();
    let mut changed = |name: String, before: String, after: String| {
        d.changes.push(Change {
            section: Section::RecordKind,
            change: ChangeKind::Changed,
            name,
            before: Some(before),
            after: Some(after),
        })
    };
    if k.label_zh() != n.label_zh() {
        changed(
            format!("{key} 名称/name"),
            k.label_zh().into(),
            n.label_zh().into(),
        );
    }
    if k.event_date_field() != n.event_date_field() {
        changed(
            format!("{key} date"),
            k.event_date_field().into(),
            n.event_date_field().into(),
        );
        d.redated_kinds.push(key.to_string());
    }
    if k.own_unit_field() != n.own_unit_field() || k.narrates() != n.narrates() {
        changed(
            format!("{key} unit/narrates"),
            format!("{:?}/{:?}", k.own_unit_field(), k.narrates()),
            format!("{:?}/{:?}", n.own_unit_field(), n.narrates()),
        );
    }
    let field = |kind: RecordKind, f: &str| -> Option<&'static FieldDesc> {
        kind.all_fields().find(|x| x.key == f)
    };
    for f in k.all_fields() {
        let name = format!("{key}.{}", f.key);
        let Some(g) = field(n, f.key) else {
            d.changes.push(Change {
                section: Section::Field,
                change: ChangeKind::Removed,
                name,
                before: Some(f.zh.to_string()),
                after: None,
            });
            d.field_losses
                .push((key.into(), f.key.into(), FieldLoss::Removed));
            continue;
        };
        let (ta, tb) = (type_words(&f.ty), type_words(&g.ty));
        if ta != tb {
            d.changes.push(Change {
                section: Section::Field,
                change: ChangeKind::Changed,
                name: format!("{name} type"),
                before: Some(ta.clone()),
                after: Some(tb.clone()),
            });
            d.field_losses.push((
                key.into(),
                f.key.into(),
                FieldLoss::Retyped {
                    before: ta,
                    after: tb,
                },
            ));
            continue;
        }
        if f.zh != g.zh || f.required != g.required {
            d.changes.push(Change {
                section: Section::Field,
                change: ChangeKind::Changed,
                name,
                before: Some(format!(
                    "{}{}",
                    f.zh,
                    if f.required { "（必填）" } else { "" }
                )),
                after: Some(format!(
                    "{}{}",
                    g.zh,
                    if g.required { "（必填）" } else { "" }
                )),
            });
        }
        let (la, lb) = (labels(&f.ty), labels(&g.ty));
        let gone: Vec<String> = la
            .iter()
            .filter(|l| !lb.contains(l))
            .map(|l| l.to_string())
            .collect();
        for l in &gone {
            d.changes.push(Change {
                section: Section::Vocabulary,
                change: ChangeKind::Removed,
                name: format!("{key}.{}", f.key),
                before: Some(l.clone()),
                after: None,
            });
        }
        for l in lb.iter().filter(|l| !la.contains(l)) {
            d.changes.push(Change {
                section: Section::Vocabulary,
                change: ChangeKind::Added,
                name: format!("{key}.{}", f.key),
                before: None,
                after: Some(l.to_string()),
            });
        }
        if !gone.is_empty() {
            d.field_losses.push((
                key.into(),
                f.key.into(),
                FieldLoss::Options { labels: gone },
            ));
        }
        // English labels of options kept (`[[vocabulary]] en`).
        if let (FieldType::Enum(a), FieldType::Enum(b)) = (f.ty, g.ty) {
            for o in a {
                let Some(p) = b.iter().find(|p| p.label == o.label) else {
                    continue;
                };
                if o.label_en != p.label_en {
                    d.changes.push(Change {
                        section: Section::Vocabulary,
                        change: ChangeKind::Changed,
                        name: format!("{key}.{} {} English", f.key, o.label),
                        before: Some(o.label_en.unwrap_or("—").to_string()),
                        after: Some(p.label_en.unwrap_or("—").to_string()),
                    });
                }
            }
        }
    }
    for g in n.all_fields() {
        if field(k, g.key).is_none() {
            d.changes.push(Change {
                section: Section::Field,
                change: ChangeKind::Added,
                name: format!("{key}.{}", g.key),
                before: None,
                after: Some(g.zh.to_string()),
            });
        }
    }
}

#[cfg(test)]
mod tests;
