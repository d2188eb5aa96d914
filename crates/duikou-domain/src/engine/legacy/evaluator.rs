//! Counting one figure.
//!
//! Every figure is "the records of one kind passing the indicator's rules, for one scope
//! unit". The fields the plan's rules read are looked up once per record (one walk over
//! its fields) into a table. The rules that do not depend on the unit (status,
//! conditions on fixed values, period, duration, person key) are checked once per
//! indicator, taking the records of a condition on fixed texts from an index by value;
//! the records passing them are then bucketed by the unit(s) their `by` field names, and
//! each unit's figure walks only its bucket, checking the rules that name the unit
//! (`$scope`, `$paired_county`). Denominators of ratios are computed once per unit.

use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::dates::deadline_in;
use super::pool::{KindPool, Pool, Row, counts_for_unit};
use super::rules::{Rules, Slot, meets, names_the_unit};
use super::{AssessOptions, EngineRecord};
use crate::plan::{Condition, FilterValue, Indicator, Measure, Plan};
use crate::record::Value;
use crate::schema::RecordKind;

/// A condition with the table column of its field.
type Rule<'a> = (&'a Condition, Option<usize>);

/// One indicator's records passing every rule that does not depend on the scope unit.
struct Prepared<'a, 'r> {
    /// The conditions naming the unit (`$scope`, `$paired_county`), checked per unit.
    unit_conditions: Vec<Rule<'a>>,
    /// Ascending (pool order).
    base: Vec<Row>,
    /// `base` by each unit the `by` field names (an activity with several organisers
    /// is in each of their buckets), built when a per-unit figure is first asked for.
    buckets: OnceCell<HashMap<&'r str, Vec<Row>>>,
}

/// Computes figures over one pool, preparing each indicator once.
pub(super) struct Evaluator<'a, 'r> {
    pub(super) plan: &'a Plan,
    pub(super) opts: &'a AssessOptions,
    pool: &'a Pool<'a, 'r>,
    /// Per plan indicator (same positions).
    prepared: Vec<OnceCell<Prepared<'a, 'r>>>,
    /// Denominators of ratios, computed once per indicator and unit.
    figures: RefCell<HashMap<FigureKey<'a>, (i64, i64)>>,
    /// Per kind and column, built when a condition first needs it: `ValueIndex`.
    value_index: RefCell<HashMap<(RecordKind, usize), Rc<ValueIndex<'r>>>>,
    /// The previous year's evaluator, when an indicator has a growth target.
    pub(super) previous: Option<&'a Evaluator<'a, 'r>>,
}

/// An indicator (by its position in the plan) and a unit (None: the plan), whose
/// (actual, on_time) figures `Evaluator::figures` keeps.
type FigureKey<'a> = (usize, Option<&'a str>);

/// The rows of one kind by the text of one field (the text itself or each unit it
/// lists), ascending, each row once per text. A condition on fixed texts reads its
/// records here instead of testing every record.
type ValueIndex<'r> = HashMap<&'r str, Vec<Row>>;

/// One figure computed: its value up to the as-of date, its value up to the deadline,
/// and the records behind the first.
pub(super) struct Tally<'r> {
    pub(super) actual: i64,
    pub(super) on_time: i64,
    pub(super) counted: Vec<&'r EngineRecord>,
}

impl<'a, 'r> Evaluator<'a, 'r> {
    pub(super) fn new(plan: &'a Plan, pool: &'a Pool<'a, 'r>, opts: &'a AssessOptions) -> Self {
        Evaluator {
            plan,
            opts,
            pool,
            prepared: plan.indicators.iter().map(|_| OnceCell::new()).collect(),
            figures: RefCell::new(HashMap::new()),
            value_index: RefCell::new(HashMap::new()),
            previous: None,
        }
    }

    /// The evaluator of the previous year, for growth targets.
    pub(super) fn with_previous(mut self, previous: Option<&'a Evaluator<'a, 'r>>) -> Self {
        self.previous = previous;
        self
    }

    fn value_index(
        &self,
        kind: RecordKind,
        kp: &KindPool<'a, 'r>,
        column: usize,
    ) -> Rc<ValueIndex<'r>> {
        if let Some(hit) = self.value_index.borrow().get(&(kind, column)) {
            return hit.clone();
        }
        let mut index: ValueIndex<'r> = HashMap::new();
        let mut texts: Vec<&'r str> = Vec::new();
        for row in kp.rows() {
            let Some(v) = kp.value(row, Some(column)) else {
                continue;
            };
            // What `names` matches: the text, or any unit listed (each once).
            texts.clear();
            texts.extend(v.as_text());
            for u in v.units() {
                if !texts.contains(&u.as_str()) {
                    texts.push(u);
                }
            }
            for t in &texts {
                index.entry(t).or_default().push(row);
            }
        }
        let index = Rc::new(index);
        self.value_index
            .borrow_mut()
            .insert((kind, column), index.clone());
        index
    }

    fn prepared(&self, index: usize, kp: &KindPool<'a, 'r>) -> &Prepared<'a, 'r> {
        self.prepared[index].get_or_init(|| {
            let ind = &self.plan.indicators[index];
            let (unit_conditions, fixed): (Vec<Rule<'a>>, Vec<Rule<'a>>) = ind
                .conditions
                .iter()
                .map(|c| (c, kp.column(&c.field)))
                .partition(|(c, _)| c.any_of.iter().any(names_the_unit));
            let rules = Rules {
                ind,
                opts: self.opts,
            };
            let admits = |row: Row, rest: &[Rule<'a>]| {
                rest.iter()
                    .all(|(c, col)| meets(c, kp.value(row, *col), &Slot::PLAN))
                    && rules.admits(kp.fact(row))
            };
            // A condition on fixed texts takes its records from the value index; the
            // other conditions and rules are tested on those only.
            let indexed = fixed.iter().position(|(c, col)| {
                col.is_some() && c.any_of.iter().all(|w| matches!(w, FilterValue::Text(_)))
            });
            let base = match indexed {
                Some(at) => {
                    let (c, col) = fixed[at];
                    let rest: Vec<Rule<'a>> = fixed
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != at)
                        .map(|(_, r)| *r)
                        .collect();
                    let col = col.expect("indexed column");
                    let index = self.value_index(ind.kind, kp, col);
                    let mut rows: Vec<Row> = c
                        .any_of
                        .iter()
                        .filter_map(|w| match w {
                            FilterValue::Text(t) => index.get(t.as_str()),
                            _ => None,
                        })
                        .flatten()
                        .copied()
                        .collect();
                    if c.any_of.len() > 1 {
                        rows.sort_unstable();
                        rows.dedup();
                    }
                    rows.retain(|&row| admits(row, &rest));
                    rows
                }
                None => kp.rows().filter(|&row| admits(row, &fixed)).collect(),
            };
            Prepared {
                unit_conditions,
                base,
                buckets: OnceCell::new(),
            }
        })
    }

    /// The rows of `prepared` attributed to `unit` through the `by` column.
    fn bucket<'s>(
        &self,
        p: &'s Prepared<'a, 'r>,
        kp: &KindPool<'a, 'r>,
        by: Option<usize>,
        unit: &str,
    ) -> &'s [Row] {
        let buckets = p.buckets.get_or_init(|| {
            let mut buckets: HashMap<&'r str, Vec<Row>> = HashMap::new();
            for &row in &p.base {
                // A party (buyer, donor) is text that names a unit when it is one.
                let units = kp.value(row, by).map_or(&[][..], |v| match v {
                    Value::Text(t) => std::slice::from_ref(t),
                    v => v.units(),
                });
                let rec = kp.fact(row).rec;
                for (i, u) in units.iter().enumerate() {
                    // A unit named twice in one list still counts the record once.
                    if !units[..i].contains(u) && counts_for_unit(rec, u) {
                        buckets.entry(u.as_str()).or_default().push(row);
                    }
                }
            }
            buckets
        });
        buckets.get(unit).map_or(&[], Vec::as_slice)
    }

    pub(super) fn tally(&self, index: usize, unit: Option<&'a str>) -> Tally<'r> {
        let ind = &self.plan.indicators[index];
        let Some(kp) = self.pool.of(ind.kind) else {
            return Tally {
                actual: 0,
                on_time: 0,
                counted: Vec::new(),
            };
        };
        let p = self.prepared(index, kp);
        let candidates: &[Row] = match (unit, ind.by.as_deref()) {
            (None, _) => &p.base,
            (Some(u), Some(by)) => self.bucket(p, kp, kp.column(by), u),
            (Some(_), None) => &[],
        };
        let counted: Vec<Row> = if p.unit_conditions.is_empty() {
            candidates.to_vec()
        } else {
            let slot = Slot {
                unit,
                paired_county: unit.and_then(|u| self.plan.paired_county(u)),
            };
            candidates
                .iter()
                .copied()
                .filter(|&row| {
                    p.unit_conditions
                        .iter()
                        .all(|(c, col)| meets(c, kp.value(row, *col), &slot))
                })
                .collect()
        };
        let deadline = deadline_in(ind, self.opts.year);
        // Everything counted happened by the as-of date: with the deadline on or after
        // it, the records on time are all of them.
        let all_on_time = deadline >= self.opts.as_of;
        let late_cut: Vec<Row>;
        let on_time: &[Row] = if all_on_time {
            &counted
        } else {
            late_cut = counted
                .iter()
                .copied()
                .filter(|&row| kp.fact(row).start.is_some_and(|d| d <= deadline))
                .collect();
            &late_cut
        };
        let (actual, on_time) = match &ind.measure {
            Measure::Ratio {
                numerator,
                denominator,
            } => {
                let (den_actual, den_on_time) = self.denominator_figures(ind, denominator, unit);
                let column = kp.column(numerator);
                let num_actual = sum_of(kp, &counted, column);
                let num_on_time = if all_on_time {
                    num_actual
                } else {
                    sum_of(kp, on_time, column)
                };
                (
                    percent_of(num_actual, den_actual),
                    percent_of(num_on_time, den_on_time),
                )
            }
            measure => {
                let actual = measure_value(kp, measure, &counted);
                let on_time = if all_on_time {
                    actual
                } else {
                    measure_value(kp, measure, on_time)
                };
                (actual, on_time)
            }
        };
        Tally {
            actual,
            on_time,
            counted: counted.iter().map(|&row| kp.fact(row).rec).collect(),
        }
    }

    /// The denominator of a ratio: the other indicator's figure for the same unit when
    /// it has the same scope, else for the whole plan. Computed once per unit.
    fn denominator_figures(
        &self,
        ind: &Indicator,
        denominator: &str,
        unit: Option<&'a str>,
    ) -> (i64, i64) {
        let Some(den_index) = self
            .plan
            .indicators
            .iter()
            .position(|i| i.id == denominator)
        else {
            return (0, 0);
        };
        let den = &self.plan.indicators[den_index];
        if matches!(den.measure, Measure::Ratio { .. }) {
            // The loader refuses ratio-of-ratio; guard anyway against endless recursion.
            return (0, 0);
        }
        let den_unit = if den.scope == ind.scope { unit } else { None };
        if let Some(hit) = self.figures.borrow().get(&(den_index, den_unit)) {
            return *hit;
        }
        let t = self.tally(den_index, den_unit);
        self.figures
            .borrow_mut()
            .insert((den_index, den_unit), (t.actual, t.on_time));
        (t.actual, t.on_time)
    }
}

fn measure_value(kp: &KindPool<'_, '_>, measure: &Measure, rows: &[Row]) -> i64 {
    match measure {
        Measure::Count => count_i64(rows.len()),
        Measure::DistinctPersons => distinct_persons(kp, rows),
        Measure::Sum { field } => sum_of(kp, rows, kp.column(field)),
        Measure::Ratio { numerator, .. } => sum_of(kp, rows, kp.column(numerator)),
    }
}

fn count_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// One person on several rows counts once (rows without a key never reach here).
fn distinct_persons(kp: &KindPool<'_, '_>, rows: &[Row]) -> i64 {
    let mut keys: HashSet<&str, KeyHasher> =
        HashSet::with_capacity_and_hasher(rows.len(), KeyHasher::default());
    keys.extend(
        rows.iter()
            .filter_map(|&row| kp.fact(row).rec.person_key.as_deref()),
    );
    count_i64(keys.len())
}

/// Person keys are blind indexes (keyed hashes, uniformly spread, chosen by no one): a
/// plain multiply-rotate hash of their bytes serves, at a fraction of SipHash's cost.
type KeyHasher = std::hash::BuildHasherDefault<WordHasher>;

#[derive(Default)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        // Spread the high bits down: hashbrown takes its control bits from the top.
        let h = self.0;
        (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }
}

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Sum of a money (fen) or integer field; a missing value adds nothing.
fn sum_of(kp: &KindPool<'_, '_>, rows: &[Row], column: Option<usize>) -> i64 {
    rows.iter().fold(0i64, |acc, &row| {
        let v = kp.value(row, column).and_then(Value::as_amount);
        acc.saturating_add(v.unwrap_or(0))
    })
}

/// `part / whole` in hundredths of a percent, rounded half up; 0 when `whole` is 0.
pub(super) fn percent_of(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    let (part, whole) = (i128::from(part), i128::from(whole));
    let hundredths = (part * 10_000 * 2 + whole).div_euclid(whole * 2);
    i64::try_from(hundredths).unwrap_or(if hundredths < 0 { i64::MIN } else { i64::MAX })
}
