//! Random records and assessments for the property tests: records mostly made to count
//! for one indicator of the plan (its conditions met, its unit named), then left as they
//! come, with dates often on the days a rule turns on.

use std::collections::BTreeMap;

use duikou_domain::engine::{AssessOptions, EngineRecord};
use duikou_domain::money::Fen;
use duikou_domain::plan::{FilterValue, Indicator, Plan, Scope};
use duikou_domain::record::{FieldMap, Status, Value};
use duikou_domain::schema::{BuiltinKind, FieldType, RecordKind};
use time::{Date, Duration, Month};

use super::{dec_31, jan_1, planned_end};

/// SplitMix64: a seed names a record set, reproducibly.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// What records are made of: the plan's names, and the texts its conditions look for.
pub struct Makings<'p> {
    plan: &'p Plan,
    units: Vec<&'p str>,
    /// A town (lead or assisting) and its county.
    pairs: Vec<(&'p str, &'p str)>,
    years: Vec<i32>,
}

impl<'p> Makings<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        let pairs = plan
            .pairings
            .iter()
            .flat_map(|p| {
                std::iter::once(p.lead.as_str())
                    .chain(p.assisting.iter().map(String::as_str))
                    .map(|t| (t, p.county.as_str()))
            })
            .collect();
        Makings {
            plan,
            units: plan.units.iter().map(|u| u.name.as_str()).collect(),
            pairs,
            years: (plan.meta.first_year - 1..=plan.meta.last_year + 1).collect(),
        }
    }

    /// The texts the plan's conditions compare this field with.
    fn wanted_texts(&self, kind: RecordKind, field: &str) -> Vec<&'p str> {
        self.plan
            .indicators
            .iter()
            .filter(|i| i.kind == kind)
            .flat_map(|i| &i.conditions)
            .filter(|c| c.field == field)
            .flat_map(|c| &c.any_of)
            .filter_map(|w| match w {
                FilterValue::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Mostly any day of the years around the plan; often a day a rule turns on (the
    /// year's ends, a deadline and the day after).
    fn date(&self, rng: &mut Rng) -> Date {
        let year = *rng.pick(&self.years);
        if rng.chance(50) {
            let (m, d) = *rng.pick(&[(1, 1), (3, 31), (4, 1), (10, 31), (11, 1), (12, 31)]);
            return Date::from_calendar_date(year, Month::try_from(m).unwrap(), d).unwrap();
        }
        jan_1(year) + Duration::days(rng.below(365) as i64)
    }

    fn unit(&self, rng: &mut Rng, town: &'p str, county: &'p str) -> String {
        match rng.below(5) {
            0 | 1 => town,
            2 | 3 => county,
            _ => rng.pick(&self.units),
        }
        .to_string()
    }

    /// A unit the indicator gives a figure for (a town of a pair when it gives one for
    /// the plan), and a county: the unit's own or paired one, mostly.
    fn anchor(&self, rng: &mut Rng, ind: &Indicator) -> (&'p str, &'p str) {
        let pair = *rng.pick(&self.pairs);
        if ind.scope == Scope::Plan {
            return pair;
        }
        let units = self.plan.scope_units(ind.scope);
        let unit = rng.pick(&units).name.as_str();
        let county = match self.plan.pairing_of_county(unit) {
            Some(_) => unit,
            None => self.plan.paired_county(unit).unwrap_or(pair.1),
        };
        (unit, county)
    }

    /// A value of a field of this type that names the unit.
    fn naming(&self, rng: &mut Rng, ty: FieldType, unit: &str) -> Value {
        match ty {
            FieldType::Units(_) => {
                let mut us = vec![unit.to_string()];
                if rng.chance(40) {
                    us.insert(rng.below(2) as usize, rng.pick(&self.units).to_string());
                }
                Value::Units(us)
            }
            FieldType::Unit(_) => Value::Unit(unit.to_string()),
            FieldType::Enum(_) => Value::Enum(unit.to_string()),
            _ => Value::Text(unit.to_string()),
        }
    }

    fn record(&self, rng: &mut Rng, id: i64) -> EngineRecord {
        // Most records are made to count for one indicator (its conditions met, its
        // unit named), then left as they come.
        let ind = rng.pick(&self.plan.indicators);
        let kind = ind.kind;
        let (town, county) = self.anchor(rng, ind);
        let mut fields: BTreeMap<&'static str, Value> = BTreeMap::new();
        let end_field = kind.active_until_field();
        for fd in kind.fields() {
            let missing = if fd.key == kind.event_date_field() {
                if kind.is(BuiltinKind::Transfer) {
                    25
                } else {
                    3
                }
            } else if fd.required {
                0
            } else {
                15
            };
            if Some(fd.key) == end_field || rng.chance(missing) {
                continue;
            }
            let texts = self.wanted_texts(kind, fd.key);
            let value = match fd.ty {
                FieldType::Text | FieldType::Enum(_) if !texts.is_empty() && rng.chance(60) => {
                    let t = *rng.pick(&texts);
                    match fd.ty {
                        FieldType::Enum(_) => Value::Enum(t.to_string()),
                        _ => Value::Text(t.to_string()),
                    }
                }
                FieldType::Enum(options) => Value::Enum(rng.pick(options).label.to_string()),
                // A party (buyer, donor) is text that names a unit when it is one.
                FieldType::Text if rng.chance(60) => Value::Text(self.unit(rng, town, county)),
                FieldType::Text => Value::Text("其他".to_string()),
                FieldType::Unit(_) => Value::Unit(self.unit(rng, town, county)),
                FieldType::Units(_) => Value::Units(
                    (0..=rng.below(3))
                        .map(|_| self.unit(rng, town, county))
                        .collect(),
                ),
                FieldType::Money => Value::Money(Fen::new(rng.below(100_000_000) as i64)),
                FieldType::Int => Value::Int(rng.below(300) as i64),
                FieldType::Year => Value::Int(i64::from(*rng.pick(&self.years))),
                FieldType::Date => Value::Date(self.date(rng)),
                FieldType::Bool => Value::Bool(rng.chance(50)),
                FieldType::IdNumber => continue,
            };
            fields.insert(fd.key, value);
        }
        for c in &ind.conditions {
            let Some(fd) = kind.field(&c.field) else {
                continue;
            };
            if !rng.chance(85) {
                continue;
            }
            let value = match rng.pick(&c.any_of) {
                FilterValue::Text(t) => self.naming(rng, fd.ty, t),
                FilterValue::Bool(false) if rng.chance(50) => {
                    fields.remove(fd.key);
                    continue;
                }
                FilterValue::Bool(b) => Value::Bool(*b),
                FilterValue::ScopeUnit => self.naming(rng, fd.ty, town),
                FilterValue::PairedCounty => self.naming(rng, fd.ty, county),
            };
            fields.insert(fd.key, value);
        }
        if let Some(fd) = ind.by.as_deref().and_then(|by| kind.field(by))
            && rng.chance(80)
        {
            let value = self.naming(rng, fd.ty, town);
            fields.insert(fd.key, value);
        }
        let start = fields.get(kind.event_date_field()).and_then(Value::as_date);
        if let (Some(f), Some(start)) = (end_field, start) {
            // Open, some time later, around a year (min_months), on a day a rule turns
            // on, or before the start.
            let end = match rng.below(10) {
                0 | 1 => None,
                2 | 3 => Some(start + Duration::days(rng.below(900) as i64)),
                4 | 5 => Some(planned_end(start, 12) + Duration::days(rng.below(3) as i64 - 1)),
                6..=8 => Some(self.date(rng)),
                _ => Some(start - Duration::days(1 + rng.below(60) as i64)),
            };
            if let Some(end) = end {
                fields.insert(f, Value::Date(end));
            }
        }
        let status = match rng.below(8) {
            0..=3 => Status::Approved,
            4 | 5 => Status::Submitted,
            6 => Status::Draft,
            _ => Status::Rejected,
        };
        // The plan year as validation derives it, unless given otherwise.
        let derived = if kind.is(BuiltinKind::Transfer) {
            fields
                .get("budget_year")
                .and_then(Value::as_amount)
                .map(|y| y as i32)
        } else {
            start.map(|d| d.year())
        };
        let plan_year = match derived {
            Some(y) if rng.chance(85) => y,
            _ => *rng.pick(&self.years),
        };
        let own = kind
            .own_unit_field()
            .and_then(|f| fields.get(f))
            .and_then(|v| v.units().first().cloned());
        let reporting_unit = match (own, rng.below(4)) {
            (Some(own), 0 | 1) => own,
            (_, 2) => town.to_string(),
            _ => rng.pick(&self.units).to_string(),
        };
        let person_key = (kind.is(BuiltinKind::Person) && rng.chance(90) || rng.chance(5))
            .then(|| format!("key-{}", rng.below(15)));
        EngineRecord {
            id,
            kind,
            status,
            plan_year,
            reporting_unit,
            fields: fields.into_iter().collect::<FieldMap>(),
            person_key,
            evidence_count: rng.below(3) as u32,
        }
    }

    pub fn records(&self, rng: &mut Rng) -> Vec<EngineRecord> {
        let n = 20 + rng.below(140) as i64;
        (1..=n).map(|id| self.record(rng, id)).collect()
    }

    /// A year of the plan or next to it, as of a day around it (its end, a deadline, the
    /// day before the year, any day), with or without submitted records.
    pub fn options(&self, rng: &mut Rng) -> AssessOptions {
        let year = *rng.pick(&self.years);
        let as_of = match rng.below(5) {
            0 => dec_31(year),
            1 => self.date(rng),
            2 => jan_1(year) - Duration::days(1),
            3 => {
                let (m, d) = *rng.pick(&[(1, 1), (3, 31), (4, 1), (10, 31), (11, 1)]);
                Date::from_calendar_date(year, Month::try_from(m).unwrap(), d).unwrap()
            }
            _ => jan_1(year) + Duration::days(rng.below(730) as i64),
        };
        AssessOptions {
            year,
            as_of,
            include_submitted: rng.chance(50),
        }
    }
}
