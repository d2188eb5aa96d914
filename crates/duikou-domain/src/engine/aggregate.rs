//! Step (a) of the fold: the contributions counting in one assessment, grouped by figure.
//!
//! Nothing but what one SQL query over stored contributions does: a filter (status,
//! year, as-of date: `Contribution::counts_in`) and GROUP BY indicator, scope with
//! COUNT(*), SUM(value), COUNT(DISTINCT person_key), the same three over the rows on
//! time (`on_time_from <= year`), and the count of rows with evidence. This is the
//! reference such a query must equal; `finish` takes either.

use std::collections::HashMap;

use super::AssessOptions;
use super::classify::Contribution;

/// The aggregates of one figure (an indicator, for the plan or one unit) over the
/// contributions counting in an assessment: one row of the GROUP BY.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aggregate {
    pub indicator: String,
    /// `plan` or the unit's name.
    pub scope: String,
    /// COUNT(*): the rows, one per record counted.
    pub rows: i64,
    /// SUM(value).
    pub sum: i64,
    /// COUNT(DISTINCT person_key).
    pub persons: i64,
    /// The same three over the rows on time.
    pub rows_on_time: i64,
    pub sum_on_time: i64,
    pub persons_on_time: i64,
    /// The rows whose record has evidence.
    pub with_evidence: i64,
}

/// An indicator's id and a scope.
type Figure<'a> = (&'a str, &'a str);

/// One group while it is summed.
#[derive(Default)]
struct Group<'a> {
    rows: i64,
    sum: i64,
    rows_on_time: i64,
    sum_on_time: i64,
    with_evidence: i64,
    /// Each person counted, and whether on a row on time.
    persons: HashMap<&'a str, bool, KeyHasher>,
}

/// The aggregates of every figure with a row counting in the assessment, by indicator
/// and scope. A figure no row counts in has none (its aggregates are all zero).
pub fn aggregate(contributions: &[Contribution<'_>], opts: &AssessOptions) -> Vec<Aggregate> {
    let mut a = Aggregator::new(*opts);
    for c in contributions {
        a.add(c);
    }
    a.finish()
}

/// `aggregate` as the rows arrive, so that they need not all be held at once.
pub(super) struct Aggregator<'a> {
    opts: AssessOptions,
    index: HashMap<Figure<'a>, usize, KeyHasher>,
    groups: Vec<(Figure<'a>, Group<'a>)>,
    /// The group of the last row: rows come by record, and records mostly by kind, so
    /// that consecutive rows often share a figure.
    last: usize,
}

impl<'a> Aggregator<'a> {
    pub(super) fn new(opts: AssessOptions) -> Self {
        Aggregator {
            opts,
            index: HashMap::default(),
            groups: Vec::new(),
            last: usize::MAX,
        }
    }

    pub(super) fn add(&mut self, c: &Contribution<'a>) {
        if !c.counts_in(&self.opts) {
            return;
        }
        let figure = (c.indicator, c.scope);
        if self.groups.get(self.last).is_none_or(|(f, _)| *f != figure) {
            let groups = &mut self.groups;
            self.last = *self.index.entry(figure).or_insert_with(|| {
                groups.push((figure, Group::default()));
                groups.len() - 1
            });
        }
        let g = &mut self.groups[self.last].1;
        let on_time = c.on_time_in(self.opts.year);
        g.rows += 1;
        g.sum = g.sum.saturating_add(c.value);
        g.with_evidence += i64::from(c.with_evidence);
        if on_time {
            g.rows_on_time += 1;
            g.sum_on_time = g.sum_on_time.saturating_add(c.value);
        }
        if let Some(key) = c.person_key {
            *g.persons.entry(key).or_default() |= on_time;
        }
    }

    /// The aggregates, ordered by indicator and scope.
    pub(super) fn finish(self) -> Vec<Aggregate> {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let mut out: Vec<Aggregate> = self
            .groups
            .into_iter()
            .map(|((indicator, scope), g)| Aggregate {
                indicator: indicator.to_string(),
                scope: scope.to_string(),
                rows: g.rows,
                sum: g.sum,
                persons: count(g.persons.len()),
                rows_on_time: g.rows_on_time,
                sum_on_time: g.sum_on_time,
                persons_on_time: count(g.persons.values().filter(|on_time| **on_time).count()),
                with_evidence: g.with_evidence,
            })
            .collect();
        out.sort_unstable_by(|a, b| (&a.indicator, &a.scope).cmp(&(&b.indicator, &b.scope)));
        out
    }
}

/// The ids of the records behind one figure's actual value, ascending (what "explain"
/// lists): the same filter, one figure's rows.
pub fn records_behind(
    contributions: &[Contribution<'_>],
    opts: &AssessOptions,
    indicator: &str,
    scope: &str,
) -> Vec<i64> {
    let mut ids: Vec<i64> = contributions
        .iter()
        .filter(|c| c.indicator == indicator && c.scope == scope && c.counts_in(opts))
        .map(|c| c.record_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Person keys are blind indexes (keyed hashes, uniformly spread, chosen by no one) and
/// the other keys hashed are the plan's own names: a plain multiply-rotate hash of their
/// bytes serves, at a fraction of SipHash's cost.
pub(super) type KeyHasher = std::hash::BuildHasherDefault<WordHasher>;

#[derive(Default)]
pub(super) struct WordHasher(u64);

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
