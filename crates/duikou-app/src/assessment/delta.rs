//! The aggregates of an assessment brought up to date after a write without the
//! aggregate query: what the rows of the records a sync classified again were and are
//! (`Delta`) adjusts each figure's counts and sums, and, for distinct persons, one
//! indexed query per figure asks which of those persons other records already count.
//!
//! This is what makes a write show in the next assessment at once however many records
//! the programme holds; the property it must keep (equal to the aggregate query) is
//! tested through the server against new processes (`tests/assess_incremental.rs`).

use std::collections::{BTreeMap, HashMap, HashSet};

use duikou_domain::engine::{Aggregate, AssessOptions, Contribution};
use duikou_storage::Store;
use duikou_storage::contributions::StoredContribution;

use crate::error::AppResult;

/// Beyond this many rows changed, one aggregate query is the simpler answer.
pub(super) const MAX_DELTA_ROWS: usize = 5_000;

/// What one sync changed: the change numbers it went from and to, the records it
/// classified again, and their rows before and after.
#[derive(Debug)]
pub(super) struct Delta {
    pub from: i64,
    pub to: i64,
    pub touched: Vec<i64>,
    pub old: Vec<StoredContribution>,
    pub new: Vec<StoredContribution>,
}

impl Delta {
    pub fn rows(&self) -> usize {
        self.old.len() + self.new.len()
    }
}

/// One figure's key.
type FigureKey = (String, String);

/// `aggregates` (of the assessment `opts` before the change) after `delta`.
pub(super) async fn apply(
    store: &Store,
    opts: &AssessOptions,
    aggregates: &[Aggregate],
    delta: &Delta,
) -> AppResult<Vec<Aggregate>> {
    let mut figures: BTreeMap<FigureKey, Aggregate> = aggregates
        .iter()
        .map(|a| ((a.indicator.clone(), a.scope.clone()), a.clone()))
        .collect();
    // Per figure, the persons whose rows changed: (before: counted, on time),
    // (after: counted, on time), from the changed records' rows alone.
    let mut persons: HashMap<FigureKey, HashMap<String, [(bool, bool); 2]>> = HashMap::new();
    for (side, rows, sign) in [(0, &delta.old, -1i64), (1, &delta.new, 1i64)] {
        for row in rows {
            let Some(c) = row.as_contribution() else {
                continue;
            };
            if !c.counts_in(opts) {
                continue;
            }
            let key = (row.indicator.clone(), row.scope.clone());
            let on_time = c.on_time_in(opts.year);
            let f = figures.entry(key.clone()).or_insert_with(|| Aggregate {
                indicator: row.indicator.clone(),
                scope: row.scope.clone(),
                ..Aggregate::default()
            });
            add(f, &c, on_time, sign);
            if let Some(person) = c.person_key {
                let seen = persons
                    .entry(key)
                    .or_default()
                    .entry(person.to_string())
                    .or_default();
                seen[side].0 = true;
                seen[side].1 |= on_time;
            }
        }
    }
    for (key, changed) in persons {
        let keys: Vec<&str> = changed.keys().map(String::as_str).collect();
        let elsewhere = store
            .persons_counted_elsewhere(opts, &key.0, &key.1, &keys, &delta.touched)
            .await?;
        let f = figures.get_mut(&key).expect("a figure of a changed row");
        for (person, [before, after]) in &changed {
            let other = elsewhere.get(person);
            let counted = |mine: (bool, bool)| {
                (
                    other.is_some() || mine.0,
                    other.copied().unwrap_or(false) || mine.1,
                )
            };
            let (was, was_on_time) = counted(*before);
            let (is, is_on_time) = counted(*after);
            f.persons += i64::from(is) - i64::from(was);
            f.persons_on_time += i64::from(is_on_time) - i64::from(was_on_time);
        }
    }
    // A figure no row counts in any more has no aggregate (as the GROUP BY gives none).
    Ok(figures.into_values().filter(|f| f.rows != 0).collect())
}

fn add(f: &mut Aggregate, c: &Contribution<'_>, on_time: bool, sign: i64) {
    f.rows += sign;
    f.sum += sign * c.value;
    f.with_evidence += sign * i64::from(c.with_evidence);
    if on_time {
        f.rows_on_time += sign;
        f.sum_on_time += sign * c.value;
    }
}

/// Several deltas in order as one: each record's rows before the first and after the
/// last that touched it (the persons query reads the table as the last left it).
pub(super) fn merge(chain: &[&Delta]) -> Delta {
    let (Some(first), Some(last)) = (chain.first(), chain.last()) else {
        return Delta {
            from: 0,
            to: 0,
            touched: Vec::new(),
            old: Vec::new(),
            new: Vec::new(),
        };
    };
    let mut old: BTreeMap<i64, Vec<StoredContribution>> = BTreeMap::new();
    let mut new: BTreeMap<i64, Vec<StoredContribution>> = BTreeMap::new();
    let mut touched: HashSet<i64> = HashSet::new();
    for d in chain {
        for id in &d.touched {
            if touched.insert(*id) {
                old.insert(
                    *id,
                    d.old
                        .iter()
                        .filter(|r| r.record_id == *id)
                        .cloned()
                        .collect(),
                );
            }
            new.insert(
                *id,
                d.new
                    .iter()
                    .filter(|r| r.record_id == *id)
                    .cloned()
                    .collect(),
            );
        }
    }
    let mut touched: Vec<i64> = touched.into_iter().collect();
    touched.sort_unstable();
    Delta {
        from: first.from,
        to: last.to,
        touched,
        old: old.into_values().flatten().collect(),
        new: new.into_values().flatten().collect(),
    }
}

/// The deltas that lead from change number `from` to `to`, in order; None when they do
/// not (a sync by another process, a derivation from every record, a delta dropped).
pub(super) fn chain(deltas: &[std::sync::Arc<Delta>], from: i64, to: i64) -> Option<Vec<&Delta>> {
    let mut out = Vec::new();
    let mut at = from;
    let mut seen = HashSet::new();
    while at != to {
        let next = deltas.iter().find(|d| d.from == at)?;
        if !seen.insert(next.from) || next.to <= at {
            return None;
        }
        out.push(next.as_ref());
        at = next.to;
    }
    Some(out)
}
