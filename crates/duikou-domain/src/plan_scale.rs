//! A plan scaled N-fold: the national-scale workload of issue 8 (`duikou init
//! --demo-scale N`, then `duikou demo --scale N`).
//!
//! One pair of cities becomes N: every assisting town and every paired county gets
//! N − 1 copies ("清溪镇" → "2·清溪镇" … "N·清溪镇": the name still ends as a town's or a
//! county's does, which validation reads (a 镇街财政 payer is a 镇 or 街道); a county
//! copy gets its own
//! six-digit area code, so that the people born there have ID numbers of their own),
//! every pairing is copied among the copies, and groups or responsible lists that name
//! a town or county name its copies too. Targets of one town or county (`each_*`
//! scopes) stay as they are; plan-wide targets are totals over all the pairs and are
//! multiplied by N (money, people, activities, pairs: every `plan` target but a ratio).
//! The city, its departments, the actions, items and indicators stay one each.
//!
//! Pure: TOML text in, TOML text out; the result is checked by the plan loader like any
//! other plan file (`Plan::from_toml`).

use std::collections::BTreeSet;

use toml::{Table, Value};

use crate::plan::{Plan, UnitKind};

/// Separates a copy's number from the unit's name: "2·清溪镇".
pub const COPY_MARK: char = '·';

/// The name of copy `copy` (1-based) of a unit: copy 1 is the unit itself.
pub fn copy_name(name: &str, copy: u32) -> String {
    if copy <= 1 {
        name.to_string()
    } else {
        format!("{copy}{COPY_MARK}{name}")
    }
}

/// The unit a copy was made from and which copy it is: "3·清溪镇" → ("清溪镇", 3);
/// any other name is copy 1 of itself.
pub fn split_copy(name: &str) -> (&str, u32) {
    if let Some((n, base)) = name.split_once(COPY_MARK)
        && !base.is_empty()
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
        && let Ok(k) = n.parse::<u32>()
        && k >= 2
    {
        return (base, k);
    }
    (name, 1)
}

/// How many copies of its towns and counties a plan holds: 1 for a plan as written,
/// N for one scaled N-fold.
pub fn copies_in(plan: &Plan) -> u32 {
    plan.units
        .iter()
        .filter(|u| matches!(u.kind, UnitKind::Town | UnitKind::County))
        .map(|u| split_copy(&u.name).1)
        .max()
        .unwrap_or(1)
}

/// Why a plan could not be scaled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScaleError {
    #[error("规模应至少为 1 / the scale must be at least 1")]
    Zero,
    #[error("无法读取计划 / cannot parse the plan: {0}")]
    Parse(String),
    #[error("县区太多，行政区划代码不够分配 / too many counties to give each an area code")]
    OutOfCodes,
    #[error("指标 {0} 的目标乘以规模后溢出 / the target of indicator {0} overflows at this scale")]
    Overflow(String),
}

/// Province prefixes the copies' area codes are drawn from (valid GB/T 2260 provinces,
/// western ones first).
const PROVINCES: [&str; 31] = [
    "52", "53", "62", "51", "63", "64", "65", "45", "50", "54", "61", "15", "43", "42", "41", "36",
    "14", "13", "22", "23", "21", "46", "44", "35", "34", "37", "33", "32", "31", "12", "11",
];

/// Area codes not used by the plan: PP CC DD with CC and DD in 01–99.
struct Codes {
    used: BTreeSet<String>,
    next: usize,
}

impl Codes {
    fn take(&mut self) -> Option<String> {
        loop {
            let n = self.next;
            self.next += 1;
            let province = PROVINCES.get(n / (99 * 99))?;
            let code = format!("{province}{:02}{:02}", (n / 99) % 99 + 1, n % 99 + 1);
            if self.used.insert(code.clone()) {
                return Some(code);
            }
        }
    }
}

/// The plan `source` (TOML text of a plan file) with `copies` copies of every town and
/// county (see the module documentation). `copies == 1` gives `source` unchanged.
/// The result still has to pass `Plan::from_toml`, as every plan file does.
pub fn scale_plan_toml(source: &str, copies: u32) -> Result<String, ScaleError> {
    if copies == 0 {
        return Err(ScaleError::Zero);
    }
    if copies == 1 {
        return Ok(source.to_string());
    }
    let mut doc: Table = toml::from_str(source).map_err(|e| ScaleError::Parse(e.to_string()))?;
    // The copies have no outlines or tiles of their own: the leader's view lays them out.
    doc.remove("map");

    // Towns and counties, and the codes already taken.
    let units = match doc.get("unit") {
        Some(Value::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    let paired_counties: BTreeSet<&str> = match doc.get("pairing") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|p| p.get("county").and_then(Value::as_str).map(str::trim))
            .collect(),
        _ => BTreeSet::new(),
    };
    let mut copied: BTreeSet<String> = BTreeSet::new();
    let mut codes = Codes {
        used: BTreeSet::new(),
        next: 0,
    };
    for u in &units {
        let Some(t) = u.as_table() else { continue };
        if let Some(code) = t.get("code").and_then(Value::as_str) {
            codes.used.insert(code.to_string());
        }
        let Some(name) = t.get("name").and_then(Value::as_str) else {
            continue;
        };
        let copies_it = match t.get("kind").and_then(Value::as_str) {
            Some("town") => true,
            // An unpaired county (a worker's 户籍 only) belongs to no pair to copy.
            Some("county") => paired_counties.contains(name.trim()),
            _ => false,
        };
        if copies_it {
            copied.insert(name.trim().to_string());
        }
    }
    let copy_of = |name: &str, k: u32| -> Option<String> {
        copied
            .contains(name.trim())
            .then(|| copy_name(name.trim(), k))
    };

    // Units: the originals, then copy 2 of every town and county, copy 3, …
    let mut new_units = units.clone();
    for k in 2..=copies {
        for u in &units {
            let Some(t) = u.as_table() else { continue };
            let Some(name) = t.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some(new_name) = copy_of(name, k) else {
                continue;
            };
            let mut t = t.clone();
            t.insert("name".into(), Value::String(new_name));
            if let Some(full) = t.get("full_name").and_then(Value::as_str) {
                let full = copy_name(full, k);
                t.insert("full_name".into(), Value::String(full));
            }
            if t.contains_key("code") {
                let code = codes.take().ok_or(ScaleError::OutOfCodes)?;
                t.insert("code".into(), Value::String(code));
            }
            new_units.push(Value::Table(t));
        }
    }
    doc.insert("unit".into(), Value::Array(new_units));

    // A list of names: the copies of its towns and counties are added after it.
    let expand = |list: &Value| -> Value {
        let Value::Array(names) = list else {
            return list.clone();
        };
        let mut out = names.clone();
        for k in 2..=copies {
            out.extend(
                names
                    .iter()
                    .filter_map(|n| n.as_str().and_then(|n| copy_of(n, k)))
                    .map(Value::String),
            );
        }
        Value::Array(out)
    };
    for (section, key) in [
        ("group", "members"),
        ("action", "responsible"),
        ("item", "responsible"),
    ] {
        if let Some(Value::Array(entries)) = doc.get_mut(section) {
            for e in entries.iter_mut() {
                if let Some(t) = e.as_table_mut()
                    && let Some(list) = t.get(key)
                {
                    let list = expand(list);
                    t.insert(key.into(), list);
                }
            }
        }
    }

    // Pairings: every pairing again among each copy.
    if let Some(Value::Array(pairings)) = doc.get("pairing") {
        let mut out = pairings.clone();
        for k in 2..=copies {
            for p in pairings {
                let Some(t) = p.as_table() else { continue };
                let mut t = t.clone();
                for key in ["county", "lead"] {
                    if let Some(n) = t.get(key).and_then(Value::as_str).map(str::to_string) {
                        t.insert(key.into(), Value::String(copy_name(n.trim(), k)));
                    }
                }
                if let Some(Value::Array(a)) = t.get("assisting") {
                    let a = a
                        .iter()
                        .map(|n| match n.as_str() {
                            Some(n) => Value::String(copy_name(n.trim(), k)),
                            None => n.clone(),
                        })
                        .collect();
                    t.insert("assisting".into(), Value::Array(a));
                }
                out.push(Value::Table(t));
            }
        }
        doc.insert("pairing".into(), Value::Array(out));
    }

    // Plan-wide targets are totals over all the pairs.
    if let Some(Value::Array(indicators)) = doc.get_mut("indicator") {
        for i in indicators.iter_mut() {
            let Some(t) = i.as_table_mut() else { continue };
            let plan_wide = t.get("scope").and_then(Value::as_str) == Some("plan");
            let ratio = t.get("measure").and_then(Value::as_str) == Some("ratio");
            if !plan_wide || ratio {
                continue;
            }
            let id = t
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(target) = t.get_mut("target") {
                multiply_target(target, i64::from(copies))
                    .ok_or_else(|| ScaleError::Overflow(id.clone()))?;
            }
        }
    }

    // Its own identity, so that it is never taken for the plan it was made from.
    if let Some(Value::Table(meta)) = doc.get_mut("plan") {
        if let Some(id) = meta.get("id").and_then(Value::as_str) {
            let id = format!("{id}-x{copies}");
            meta.insert("id".into(), Value::String(id));
        }
        if let Some(title) = meta.get("title").and_then(Value::as_str) {
            let title = format!("{title}（规模演示 ×{copies}）");
            meta.insert("title".into(), Value::String(title));
        }
    }

    // The sections in the order the format describes them, then anything else.
    let mut text = format!(
        "# Generated: the plan below with {copies} copies of every town and county\n\
         # (duikou init --demo-scale {copies}). Format: docs/plan-format.md.\n\n"
    );
    let order = [
        "plan",
        "unit",
        "group",
        "pairing",
        "action",
        "item",
        "indicator",
    ];
    let mut keys: Vec<&String> = doc.keys().collect();
    keys.sort_by_key(|k| order.iter().position(|o| o == k).unwrap_or(order.len()));
    for key in keys {
        let mut one = Table::new();
        one.insert(key.clone(), doc[key.as_str()].clone());
        text.push_str(&toml::to_string(&one).map_err(|e| ScaleError::Parse(e.to_string()))?);
        text.push('\n');
    }
    Ok(text)
}

/// `n` → `n × by`, `{ min, max }` → both × by, per year → each year's × by.
fn multiply_target(target: &mut Value, by: i64) -> Option<()> {
    match target {
        Value::Integer(n) => *n = n.checked_mul(by)?,
        Value::Table(t) => {
            for (_, v) in t.iter_mut() {
                multiply_target(v, by)?;
            }
        }
        _ => {}
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::plan::{BUNDLED_PLAN, Scope, TownRole};

    fn scaled(copies: u32) -> Plan {
        let text = scale_plan_toml(BUNDLED_PLAN, copies).expect("scales");
        Plan::from_toml(&text, "scaled.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn names_of_copies() {
        assert_eq!(copy_name("虎门镇", 1), "虎门镇");
        assert_eq!(copy_name("虎门镇", 12), "12·虎门镇");
        assert_eq!(split_copy("12·虎门镇"), ("虎门镇", 12));
        assert_eq!(split_copy("虎门镇"), ("虎门镇", 1));
        for odd in ["甲市·乙市", "2·", "1·镇", "·镇", "2a·镇"] {
            assert_eq!(split_copy(odd), (odd, 1), "{odd}");
        }
    }

    #[test]
    fn scale_one_is_the_plan_itself() {
        assert_eq!(scale_plan_toml(BUNDLED_PLAN, 1).unwrap(), BUNDLED_PLAN);
        assert_eq!(copies_in(&Plan::bundled()), 1);
        assert_eq!(scale_plan_toml(BUNDLED_PLAN, 0), Err(ScaleError::Zero));
    }

    #[test]
    fn a_scaled_plan_loads_with_n_times_the_towns_counties_and_pairings() {
        let one = Plan::bundled();
        let n = 7;
        let plan = scaled(n);
        let nn = n as usize;
        assert_eq!(copies_in(&plan), n);
        assert_eq!(plan.meta.id, format!("{}-x7", one.meta.id));
        assert_eq!(plan.counties().count(), one.counties().count() * nn);
        for role in [TownRole::Lead, TownRole::Assisting] {
            assert_eq!(
                plan.towns_with_role(role).count(),
                one.towns_with_role(role).count() * nn
            );
        }
        assert_eq!(plan.pairings.len(), one.pairings.len() * nn);
        // Departments, items and indicators stay one each.
        assert_eq!(
            plan.units.len() - one.units.len(),
            (one.counties().count() + one.units_of_kind(UnitKind::Town).count()) * (nn - 1)
        );
        assert_eq!(plan.items.len(), one.items.len());
        assert_eq!(plan.indicators.len(), one.indicators.len());
        // Copy 3 of 清溪镇 leads copy 3 of its county, with copy 3 of its assisting towns.
        assert_eq!(plan.paired_county("3·清溪镇"), Some("3·镇雄县"));
        assert_eq!(plan.paired_county("3·企石镇"), Some("3·镇雄县"));
        assert_eq!(plan.paired_county("企石镇"), Some("镇雄县"));
        // Every county has an area code of its own, valid for an ID number.
        let codes: BTreeSet<&str> = plan
            .counties()
            .map(|c| c.code.as_deref().expect("a code"))
            .collect();
        assert_eq!(codes.len(), plan.counties().count());
        for code in &codes {
            let id = crate::id_number::make_valid(code, time::macros::date!(1990 - 01 - 01), 1);
            assert_eq!(id.area_code(), *code);
        }
        assert!(
            plan.units
                .iter()
                .filter_map(|u| u.code.as_deref())
                .collect::<BTreeSet<_>>()
                .len()
                == plan.units.iter().filter(|u| u.code.is_some()).count()
        );
        // 各帮扶镇街 names every town, copies included.
        let g = plan.groups.iter().find(|g| g.name == "各帮扶镇街").unwrap();
        assert_eq!(g.members.len(), plan.units_of_kind(UnitKind::Town).count());
    }

    #[test]
    fn plan_wide_targets_are_multiplied_and_per_unit_targets_kept() {
        let one = Plan::bundled();
        let plan = scaled(4);
        for (a, b) in one.indicators.iter().zip(&plan.indicators) {
            assert_eq!(a.id, b.id);
            for y in one.years() {
                let (ta, tb) = (a.target_for(y), b.target_for(y));
                match (a.scope, ta) {
                    (Scope::Plan, Some(t)) => {
                        let tb = tb.expect("kept");
                        assert_eq!(tb.min, t.min * 4, "{} {y}", a.id);
                        assert_eq!(tb.max, t.max.map(|m| m * 4), "{} {y}", a.id);
                    }
                    _ => assert_eq!(ta, tb, "{} {y}", a.id),
                }
            }
        }
        let employed = plan.indicator("5.2-employed").unwrap();
        assert_eq!(employed.target_for(2019).unwrap().min, 32_000);
        let funds = plan.indicator("3.1-fiscal-aid").unwrap();
        assert_eq!(funds.target_for(2019).unwrap().min, 4 * 180_000_000 * 100);
        let lead = plan.indicator("8.1-lead-town-funds").unwrap();
        assert_eq!(lead.target_for(2019).unwrap().min, 1_000_000 * 100);
    }

    #[test]
    fn scaling_is_deterministic_and_a_hundred_fold_plan_loads() {
        let a = scale_plan_toml(BUNDLED_PLAN, 100).unwrap();
        assert_eq!(a, scale_plan_toml(BUNDLED_PLAN, 100).unwrap());
        let plan = Plan::from_toml(&a, "x100.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan.counties().count(), 600);
        assert_eq!(plan.units_of_kind(UnitKind::Town).count(), 2_200);
        assert_eq!(plan.pairings.len(), 600);
        assert_eq!(copies_in(&plan), 100);
    }
}
