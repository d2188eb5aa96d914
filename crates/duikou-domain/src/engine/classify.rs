//! Classify: what one record contributes to the plan's figures, whatever the assessment.
//!
//! A record adds to a figure (an indicator, for the plan or for one unit) when its kind,
//! its fields, its duration and its review status say so. *When* it adds — which
//! assessment years, from which as-of date, until which — is a window held in the row
//! itself, so that one classification serves every year, as-of date and the
//! include-submitted switch: the rows can be stored with the record and derived again
//! only when the record (its fields, its status, its evidence) or the plan changes.

use std::collections::{BTreeMap, HashMap};

use time::Date;

use super::aggregate::KeyHasher;
use super::rules::{
    Slot, Window, counts_for_unit, long_enough, meets, named_units, names_the_unit, on_time_from,
    status_counts, windows,
};
use super::{AssessOptions, EngineRecord, PLAN_SCOPE};
use crate::plan::{Condition, FilterValue, Indicator, Measure, Plan, Scope};
use crate::record::{Status, Value};
use crate::schema::RecordKind;

/// What one record adds to one figure (an indicator, for the plan or one unit), and in
/// which assessments. Flat (texts, integers, dates), so that a database table can hold
/// it: the aggregate of the rows counting in an assessment gives its figures
/// (`aggregate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contribution<'a> {
    pub record_id: i64,
    /// The indicator's id.
    pub indicator: &'a str,
    /// `plan`, or the name of the unit the figure is for.
    pub scope: &'a str,
    /// Approved, or submitted (counted only when an assessment includes submitted
    /// records). Drafts and rejected records contribute nothing.
    pub status: Status,
    /// The assessment years it counts in: `year_from..=year_to`, or every year from
    /// `year_from` on.
    pub year_from: i32,
    pub year_to: Option<i32>,
    /// It counts as of this day (the event date: a transfer's receipt) and later…
    pub counts_from: Date,
    /// …and, when given, only as of a day before this one (a pairing ended: a figure
    /// of what is active at the year's end counts it only before its end).
    pub counts_until: Option<Date>,
    /// In the assessments of this year and later ones it also counts toward the deadline
    /// (`on_time`): its event came by the deadline of its own year, or in an earlier year.
    pub on_time_from: i32,
    /// What it adds: 1 for a count (or a person), the field summed otherwise (money in
    /// fen; for a ratio, its numerator).
    pub value: i64,
    /// The blind index of the person's ID number, for figures of distinct persons.
    pub person_key: Option<&'a str>,
    /// The record has evidence attached.
    pub with_evidence: bool,
}

impl Contribution<'_> {
    /// Whether the row counts in the assessment (`opts`: year, as-of date, statuses).
    pub fn counts_in(&self, opts: &AssessOptions) -> bool {
        status_counts(self.status, opts.include_submitted)
            && self.year_from <= opts.year
            && self.year_to.is_none_or(|last| opts.year <= last)
            && self.counts_from <= opts.as_of
            && self.counts_until.is_none_or(|until| opts.as_of < until)
    }

    /// Whether, counting in an assessment of `year`, it also counts toward the deadline.
    pub fn on_time_in(&self, year: i32) -> bool {
        self.on_time_from <= year
    }
}

/// Everything one record contributes under the plan. To classify many records, make a
/// [`Classifier`] once.
pub fn classify<'a>(plan: &'a Plan, record: &'a EngineRecord) -> Vec<Contribution<'a>> {
    let mut out = Vec::new();
    Classifier::new(plan).classify_into(record, &mut out);
    out
}

/// The plan's indicators prepared to classify records: per kind, the fields its
/// indicators read and the indicators that count it, each with its conditions split by
/// whether they name the unit, and its scope's units.
pub struct Classifier<'p> {
    by_kind: BTreeMap<RecordKind, KindRules<'p>>,
}

/// The indicators counting one kind.
struct KindRules<'p> {
    /// Every field they read, sorted: a record's values are read in one walk over its
    /// fields (also sorted), and each at most once however many indicators read it.
    fields: Vec<&'p str>,
    /// The columns of the event date and of the end (of a pairing, a secondment).
    start: usize,
    end: Option<usize>,
    key: Option<KeyColumn<'p>>,
    countings: Vec<Counting<'p>>,
}

/// The column most of a kind's indicators test against fixed texts (an activity's kind,
/// a person's programme), with those texts numbered: a record's text there is looked up
/// once, and each indicator's condition on it becomes a test of numbers.
struct KeyColumn<'p> {
    column: usize,
    texts: HashMap<&'p str, u32, KeyHasher>,
}

/// A condition with the column of its field.
type Rule<'p> = (&'p Condition, usize);

/// One indicator, prepared.
struct Counting<'p> {
    ind: &'p Indicator,
    /// The numbers of the texts its condition on the key column asks for (that
    /// condition is not among `fixed`).
    keyed: Option<Vec<u32>>,
    /// Conditions on fixed values, checked once per record.
    fixed: Vec<Rule<'p>>,
    /// Conditions naming the figure's unit (`$scope`, `$paired_county`), checked per unit.
    per_unit: Vec<Rule<'p>>,
    /// The column naming the unit (`by`), and the column summed.
    by: Option<usize>,
    summed: Option<usize>,
    /// A per-unit scope's units by name (empty for the plan).
    slots: HashMap<&'p str, Slot<'p>>,
}

/// Read at most this many fields of a record on the stack.
const STACK_FIELDS: usize = 16;

impl<'p> Classifier<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Self::of(plan, |_| true)
    }

    /// For the indicators `keep` selects only.
    pub(super) fn of(plan: &'p Plan, keep: impl Fn(&Indicator) -> bool) -> Self {
        let chosen: Vec<&'p Indicator> = plan.indicators.iter().filter(|i| keep(i)).collect();
        let mut fields: BTreeMap<RecordKind, Vec<&'p str>> = BTreeMap::new();
        for ind in &chosen {
            let f = fields.entry(ind.kind).or_default();
            f.push(ind.kind.event_date_field());
            f.extend(ind.kind.active_until_field());
            f.extend(ind.conditions.iter().map(|c| c.field.as_str()));
            f.extend(ind.by.as_deref());
            f.extend(summed_field(ind));
        }
        let mut by_kind: BTreeMap<RecordKind, KindRules<'p>> = fields
            .into_iter()
            .map(|(kind, mut fields)| {
                fields.sort_unstable();
                fields.dedup();
                let column = |f: &str| fields.binary_search(&f).ok();
                let rules = KindRules {
                    start: column(kind.event_date_field()).expect("the event date is read"),
                    end: kind.active_until_field().and_then(column),
                    key: None,
                    fields,
                    countings: Vec::new(),
                };
                (kind, rules)
            })
            .collect();
        for (kind, rules) in &mut by_kind {
            rules.key = key_column(rules, chosen.iter().filter(|i| i.kind == *kind));
        }
        for ind in chosen {
            let rules = by_kind.get_mut(&ind.kind).expect("a table per kind");
            let column = |f: &str| rules.fields.binary_search(&f).expect("every field read");
            let (per_unit, mut fixed): (Vec<Rule<'p>>, Vec<Rule<'p>>) = ind
                .conditions
                .iter()
                .map(|c| (c, column(&c.field)))
                .partition(|(c, _)| c.any_of.iter().any(names_the_unit));
            let keyed = rules.key.as_ref().and_then(|key| {
                let at = fixed
                    .iter()
                    .position(|&(c, col)| col == key.column && fixed_texts(c).is_some())?;
                let (c, _) = fixed.remove(at);
                let texts = fixed_texts(c).expect("fixed texts");
                Some(texts.filter_map(|t| key.texts.get(t).copied()).collect())
            });
            let slots = match ind.scope {
                Scope::Plan => HashMap::new(),
                scope => plan
                    .scope_units(scope)
                    .into_iter()
                    .map(|u| {
                        let unit = u.name.as_str();
                        let slot = Slot {
                            unit: Some(unit),
                            paired_county: plan.paired_county(unit),
                        };
                        (unit, slot)
                    })
                    .collect(),
            };
            let counting = Counting {
                ind,
                keyed,
                fixed,
                per_unit,
                by: ind.by.as_deref().map(column),
                summed: summed_field(ind).map(column),
                slots,
            };
            rules.countings.push(counting);
        }
        Classifier { by_kind }
    }

    /// Everything the record contributes, appended to `out`: per indicator (in the plan's
    /// order) and unit (in the order the record names them), a row per window.
    pub fn classify_into<'a>(&self, r: &'a EngineRecord, out: &mut Vec<Contribution<'a>>)
    where
        'p: 'a,
    {
        if !matches!(r.status, Status::Approved | Status::Submitted) {
            return;
        }
        let Some(rules) = self.by_kind.get(&r.kind) else {
            return;
        };
        let mut stack = [None; STACK_FIELDS];
        let mut heap = Vec::new();
        let values: &mut [Option<&'a Value>] = match rules.fields.len() {
            n if n <= STACK_FIELDS => &mut stack[..n],
            n => {
                heap.resize(n, None);
                &mut heap
            }
        };
        read_fields(r, &rules.fields, values);
        let date = |column: usize| values[column].and_then(Value::as_date);
        // Without its date (a transfer not yet received) a record counts nowhere.
        let Some(start) = date(rules.start) else {
            return;
        };
        let end = rules.end.and_then(date);
        // The numbers of the texts the record holds in the key column: its text, or
        // (a list of units) each unit.
        let key = rules.key.as_ref().map(|k| (k, values[k.column]));
        let number = |t: &str| key.and_then(|(k, _)| k.texts.get(t).copied());
        let own_number = key.and_then(|(_, v)| v?.as_text()).and_then(number);
        let holds_any = |wanted: &[u32]| {
            let has = |n: Option<u32>| n.is_some_and(|n| wanted.contains(&n));
            has(own_number)
                || key
                    .and_then(|(_, v)| v)
                    .is_some_and(|v| v.units().iter().any(|u| has(number(u))))
        };
        for c in &rules.countings {
            let ind = c.ind;
            let passes = |conditions: &[Rule<'_>], slot: &Slot<'_>| {
                conditions
                    .iter()
                    .all(|&(cond, column)| meets(cond, values[column], slot))
            };
            if c.keyed.as_deref().is_some_and(|wanted| !holds_any(wanted))
                || !passes(&c.fixed, &Slot::PLAN)
                || !long_enough(ind, start, end)
            {
                continue;
            }
            let person_key = match ind.measure {
                // Distinct persons can only be told apart by their key: rows without one
                // are left out.
                Measure::DistinctPersons if r.person_key.is_none() => continue,
                Measure::DistinctPersons => r.person_key.as_deref(),
                _ => None,
            };
            let value = match c.summed {
                Some(column) => values[column].and_then(Value::as_amount).unwrap_or(0),
                None => 1,
            };
            let on_time_from = on_time_from(ind, start);
            let row = |scope: &'a str, w: &Window| Contribution {
                record_id: r.id,
                indicator: ind.id.as_str(),
                scope,
                status: r.status,
                year_from: w.year_from,
                year_to: w.year_to,
                counts_from: start,
                counts_until: w.until,
                on_time_from,
                value,
                person_key,
                with_evidence: r.evidence_count > 0,
            };
            let windows = windows(ind.period, r.plan_year, start, end);
            let mut add =
                |scope: &'a str| out.extend(windows.iter().flatten().map(|w| row(scope, w)));
            if ind.scope == Scope::Plan {
                if passes(&c.per_unit, &Slot::PLAN) {
                    add(PLAN_SCOPE);
                }
                continue;
            }
            for unit in named_units(c.by.and_then(|column| values[column])) {
                let Some((&name, slot)) = c.slots.get_key_value(unit.as_str()) else {
                    continue;
                };
                if counts_for_unit(r, name) && passes(&c.per_unit, slot) {
                    add(name);
                }
            }
        }
    }
}

/// The texts a condition asks for, when they are all fixed texts.
fn fixed_texts(c: &Condition) -> Option<impl Iterator<Item = &str>> {
    fn text(w: &FilterValue) -> Option<&str> {
        match w {
            FilterValue::Text(t) => Some(t),
            _ => None,
        }
    }
    c.any_of
        .iter()
        .all(|w| text(w).is_some())
        .then(|| c.any_of.iter().filter_map(text))
}

/// The column most of the kind's indicators test against fixed texts (two at least),
/// with those texts numbered.
fn key_column<'p, 'i>(
    rules: &KindRules<'p>,
    indicators: impl Iterator<Item = &'i &'p Indicator>,
) -> Option<KeyColumn<'p>>
where
    'p: 'i,
{
    let mut by_column: BTreeMap<usize, Vec<&'p Condition>> = BTreeMap::new();
    for ind in indicators {
        for c in &ind.conditions {
            if fixed_texts(c).is_some() {
                let column = rules.fields.binary_search(&c.field.as_str()).ok()?;
                by_column.entry(column).or_default().push(c);
            }
        }
    }
    let (column, conditions) = by_column
        .into_iter()
        .filter(|(_, cs)| cs.len() >= 2)
        .max_by_key(|(column, cs)| (cs.len(), std::cmp::Reverse(*column)))?;
    let mut texts: HashMap<&'p str, u32, KeyHasher> = HashMap::default();
    for t in conditions
        .iter()
        .flat_map(|c| fixed_texts(c).into_iter().flatten())
    {
        let next = u32::try_from(texts.len()).ok()?;
        texts.entry(t).or_insert(next);
    }
    Some(KeyColumn { column, texts })
}

/// The field a figure sums: a sum's, a ratio's numerator.
fn summed_field(ind: &Indicator) -> Option<&str> {
    match &ind.measure {
        Measure::Sum { field }
        | Measure::Ratio {
            numerator: field, ..
        } => Some(field),
        Measure::Count | Measure::DistinctPersons => None,
    }
}

/// The values of `fields` (sorted) in the record, by one walk over both.
fn read_fields<'a>(r: &'a EngineRecord, fields: &[&str], values: &mut [Option<&'a Value>]) {
    let mut wanted = fields.iter().enumerate().peekable();
    for (key, value) in r.fields.iter() {
        while let Some(&(i, field)) = wanted.peek() {
            match (*field).cmp(key) {
                std::cmp::Ordering::Less => {
                    wanted.next();
                }
                std::cmp::Ordering::Equal => {
                    values[i] = Some(value);
                    wanted.next();
                    break;
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        if wanted.peek().is_none() {
            break;
        }
    }
}

/// The rows of the records that may count in an assessment with these options (all of
/// them but drafts and rejected ones, and submitted ones unless included).
pub(super) fn classify_all<'a>(
    classifier: &Classifier<'a>,
    records: &'a [EngineRecord],
    opts: &AssessOptions,
) -> Vec<Contribution<'a>> {
    let mut out = Vec::new();
    for r in records
        .iter()
        .filter(|r| status_counts(r.status, opts.include_submitted))
    {
        classifier.classify_into(r, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::BuiltinKind;

    /// The key column is looked up by number; a condition still meets a list of units
    /// that holds one of its texts, as `rules::meets` has it.
    #[test]
    fn a_text_asked_for_is_found_in_a_list_as_well() {
        let plan = Plan::bundled();
        let kind = plan.kind_of(BuiltinKind::Activity);
        let activity = |value: Value| EngineRecord {
            id: 1,
            kind,
            status: Status::Approved,
            plan_year: 2019,
            reporting_unit: "市经协办".into(),
            fields: [
                ("held_on", Value::Date(time::macros::date!(2019 - 05 - 01))),
                ("kind", value),
            ]
            .into_iter()
            .collect(),
            person_key: None,
            evidence_count: 0,
        };
        let indicators = |value: Value| -> Vec<&str> {
            let record = activity(value);
            let mut out = Vec::new();
            Classifier::new(&plan).classify_into(&record, &mut out);
            let ids: Vec<String> = out.iter().map(|c| c.indicator.to_string()).collect();
            plan.indicators
                .iter()
                .map(|i| i.id.as_str())
                .filter(|id| ids.iter().any(|x| x == id))
                .collect()
        };
        let promotion = vec!["1.2-investment-promotions", "1.1-investment-projects"];
        assert_eq!(indicators(Value::Enum("招商推介会".into())), promotion);
        assert_eq!(
            indicators(Value::Units(vec!["其他".into(), "招商推介会".into()])),
            promotion
        );
        assert_eq!(
            indicators(Value::Enum("没有这种活动".into())),
            Vec::<&str>::new()
        );
    }
}
