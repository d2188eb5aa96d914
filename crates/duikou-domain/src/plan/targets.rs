//! An indicator's scope, targets and deadline as a plan file writes them.

use std::collections::BTreeMap;

use toml::Spanned;

use super::{Collector, Group, PlanMeta, Scope, Target, parse_month_day};

/// `scope = "each_county"` or `scope = { each = "市直部门" }`.
pub(super) fn scope(
    v: &Spanned<toml::Value>,
    groups: &[Group],
    id: &str,
    c: &mut Collector<'_>,
) -> Option<Scope> {
    match v.get_ref() {
        toml::Value::String(s) => match s.trim() {
            "plan" => Some(Scope::Plan),
            "each_county" => Some(Scope::EachCounty),
            "each_lead_town" => Some(Scope::EachLeadTown),
            "each_assisting_town" => Some(Scope::EachAssistingTown),
            other => {
                c.at(
                    v,
                    format!("指标 {id}：未知的范围 {other}（可用 plan、each_county、each_lead_town、each_assisting_town 或 {{ each = \"分组名\" }}）"),
                    format!("indicator {id}: unknown scope {other} (plan, each_county, each_lead_town, each_assisting_town or {{ each = \"group\" }})"),
                );
                None
            }
        },
        toml::Value::Table(t) if t.len() == 1 && t.contains_key("each") => {
            let name = t
                .get("each")
                .and_then(toml::Value::as_str)
                .unwrap_or("")
                .trim();
            match groups.iter().position(|g| g.name == name) {
                Some(i) => u16::try_from(i).ok().map(Scope::EachOf),
                None => {
                    c.at(
                        v,
                        format!("指标 {id}：范围中的分组不存在：{name}"),
                        format!("indicator {id}: the scope names an unknown group: {name}"),
                    );
                    None
                }
            }
        }
        _ => {
            c.at(
                v,
                format!("指标 {id}：scope 应为范围名或 {{ each = \"分组名\" }}"),
                format!("indicator {id}: scope must be a scope name or {{ each = \"group\" }}"),
            );
            None
        }
    }
}

/// `target = { growth_percent = 10 }`: Some(Ok(10)); Some(Err) when the table has that
/// key but not a usable value; None for any other target.
pub(super) fn growth_percent(v: &toml::Value) -> Option<Result<u32, ()>> {
    let t = v.as_table()?;
    let g = t.get("growth_percent")?;
    Some(
        g.as_integer()
            .filter(|p| (1..=1000).contains(p) && t.len() == 1)
            .and_then(|p| u32::try_from(p).ok())
            .ok_or(()),
    )
}

/// A target: one for every year, `{ min, max }`, or per year (`{ 2019 = 100 }`).
/// Money targets are written in yuan and held in fen.
pub(super) fn parse(
    t: &Spanned<toml::Value>,
    meta: &PlanMeta,
    in_hundredths: bool,
    id: &str,
    c: &mut Collector<'_>,
) -> BTreeMap<i32, Target> {
    let mut targets = BTreeMap::new();
    let line = c.lines.at(t);
    let to_amount = |v: i64| {
        if in_hundredths {
            v.checked_mul(100)
        } else {
            Some(v)
        }
    };
    let parse_one = |v: &toml::Value| -> Option<Target> {
        match v {
            toml::Value::Integer(n) if *n >= 0 => Some(Target {
                min: to_amount(*n)?,
                max: None,
            }),
            toml::Value::Table(t) if t.contains_key("min") => {
                let min = t.get("min")?.as_integer()?;
                let max = match t.get("max") {
                    Some(m) => Some(m.as_integer()?),
                    None => None,
                };
                if t.keys().any(|k| k != "min" && k != "max")
                    || max.is_some_and(|m| m < min)
                    || min < 0
                {
                    return None;
                }
                Some(Target {
                    min: to_amount(min)?,
                    max: match max {
                        Some(m) => Some(to_amount(m)?),
                        None => None,
                    },
                })
            }
            _ => None,
        }
    };
    let value = t.get_ref();
    let per_year = matches!(value, toml::Value::Table(tab) if !tab.contains_key("min"));
    if per_year {
        for (year, v) in value.as_table().expect("checked") {
            match (year.parse::<i32>(), parse_one(v)) {
                (Ok(y), Some(target)) if (meta.first_year..=meta.last_year).contains(&y) => {
                    targets.insert(y, target);
                }
                (Ok(y), Some(_)) => c.push(
                    line,
                    format!("指标 {id}：目标年度 {y} 不在计划年度内"),
                    format!("indicator {id}: target year {y} is outside the plan years"),
                ),
                _ => c.push(
                    line,
                    format!("指标 {id}：{year} 年的目标无效"),
                    format!("indicator {id}: invalid target for {year}"),
                ),
            }
        }
    } else {
        match parse_one(value) {
            Some(target) => {
                for y in meta.first_year..=meta.last_year {
                    targets.insert(y, target);
                }
            }
            None => c.push(
                line,
                format!("指标 {id}：目标无效（应为非负整数、{{ min, max }}、{{ growth_percent }} 或按年度）"),
                format!("indicator {id}: invalid target (a non-negative integer, {{ min, max }}, {{ growth_percent }} or per year)"),
            ),
        }
    }
    targets
}

/// `deadline = "03-31"` or `deadline = { 2018 = "12-31", 2019 = "03-31" }`: the
/// deadline of years not named, and those of the years named.
pub(super) fn deadline(
    d: &Spanned<toml::Value>,
    meta: &PlanMeta,
    id: &str,
    c: &mut Collector<'_>,
) -> ((u8, u8), BTreeMap<i32, (u8, u8)>) {
    let bad = |c: &mut Collector<'_>| {
        c.at(
            d,
            format!("指标 {id}：截止日期应为 MM-DD（如 03-31），或按年度 {{ 2019 = \"03-31\" }}"),
            format!("indicator {id}: deadline must be MM-DD (e.g. 03-31), or per year {{ 2019 = \"03-31\" }}"),
        );
    };
    match d.get_ref() {
        toml::Value::String(s) => match parse_month_day(s) {
            Some(md) => (md, BTreeMap::new()),
            None => {
                bad(c);
                ((12, 31), BTreeMap::new())
            }
        },
        toml::Value::Table(t) => {
            let mut by_year = BTreeMap::new();
            for (year, v) in t {
                let md = v.as_str().and_then(parse_month_day);
                match (year.parse::<i32>(), md) {
                    (Ok(y), Some(md)) if (meta.first_year..=meta.last_year).contains(&y) => {
                        by_year.insert(y, md);
                    }
                    _ => bad(c),
                }
            }
            // Years not named keep the year end.
            ((12, 31), by_year)
        }
        _ => {
            bad(c);
            ((12, 31), BTreeMap::new())
        }
    }
}
