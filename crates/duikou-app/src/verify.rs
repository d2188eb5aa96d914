//! `duikou verify`: the stored contributions (what the figures are computed from) against
//! a fresh classification of every record, a span of records at a time.
//!
//! The rows are brought up to date first (`Figures::sync`); a record written while the
//! check runs can then differ for a moment, so a record found different is checked once
//! more after a second sync before it is reported.

use duikou_domain::engine::Classifier;
use duikou_domain::plan::Plan;
use duikou_domain::record::Status;
use duikou_storage::Store;
use duikou_storage::contributions::StoredContribution;

use crate::assessment::{Figures, Progress};
use crate::error::AppResult;

/// Records read at a time.
const SPAN: i64 = 50_000;

/// What the check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiguresCheck {
    /// Records classified (approved and submitted: those that can contribute).
    pub records: u64,
    /// Contribution rows stored, and rows a fresh classification gives.
    pub stored_rows: u64,
    pub expected_rows: u64,
    /// Records whose stored rows differ from their classification, ascending.
    pub differing: Vec<i64>,
}

impl FiguresCheck {
    pub fn consistent(&self) -> bool {
        self.differing.is_empty() && self.stored_rows == self.expected_rows
    }
}

/// Compare every record's stored contributions with what the plan says it contributes.
pub async fn check_figures(
    figures: &Figures,
    store: &Store,
    plan: &Plan,
    progress: Progress<'_>,
) -> AppResult<FiguresCheck> {
    figures.sync_with(store, plan, progress).await?;
    let mut check = FiguresCheck::default();
    let last = store.last_record_id().await?;
    let mut after = 0;
    while after < last {
        let upto = after.saturating_add(SPAN).min(last);
        let span = compare_span(store, plan, after, upto).await?;
        check.records += span.records;
        check.stored_rows += span.stored_rows;
        check.expected_rows += span.expected_rows;
        check.differing.extend(span.differing);
        after = upto;
        progress(
            u64::try_from(upto).unwrap_or(0),
            u64::try_from(last).unwrap_or(0),
        );
    }
    if !check.differing.is_empty() {
        // Written while the check ran? Bring the rows up to date and look again.
        figures.sync(store, plan).await?;
        let mut still = Vec::new();
        for id in std::mem::take(&mut check.differing) {
            if !compare_span(store, plan, id - 1, id)
                .await?
                .differing
                .is_empty()
            {
                still.push(id);
            }
        }
        check.differing = still;
        if check.differing.is_empty() {
            // The totals were read across the writes: count them again.
            return Box::pin(check_figures(figures, store, plan, progress)).await;
        }
    }
    Ok(check)
}

/// The records with `after < id <= upto`: their stored rows against their classification.
async fn compare_span(
    store: &Store,
    plan: &Plan,
    after: i64,
    upto: i64,
) -> AppResult<FiguresCheck> {
    let mut kinds: Vec<_> = plan.indicators.iter().map(|i| i.kind).collect();
    kinds.sort();
    kinds.dedup();
    let records = store
        .records_for_engine_span(&kinds, &[Status::Approved, Status::Submitted], after, upto)
        .await?;
    let classifier = Classifier::new(plan);
    let mut rows = Vec::new();
    for r in &records {
        classifier.classify_into(r, &mut rows);
    }
    let mut expected: Vec<StoredContribution> = rows.iter().map(StoredContribution::of).collect();
    expected.sort();
    let stored = store.stored_contributions(after, upto).await?;
    let mut differing: Vec<i64> = Vec::new();
    // Both sorted by record first: walk them a record at a time.
    let (mut i, mut j) = (0, 0);
    while i < expected.len() || j < stored.len() {
        let id = match (expected.get(i), stored.get(j)) {
            (Some(e), Some(s)) => e.record_id.min(s.record_id),
            (Some(e), None) => e.record_id,
            (None, Some(s)) => s.record_id,
            (None, None) => break,
        };
        let e_end = i + expected[i..]
            .iter()
            .take_while(|c| c.record_id == id)
            .count();
        let s_end = j + stored[j..].iter().take_while(|c| c.record_id == id).count();
        if expected[i..e_end] != stored[j..s_end] {
            differing.push(id);
        }
        i = e_end;
        j = s_end;
    }
    Ok(FiguresCheck {
        records: records.len() as u64,
        stored_rows: stored.len() as u64,
        expected_rows: expected.len() as u64,
        differing,
    })
}

/// Derive every contribution again from the records (after a check found differences).
pub async fn repair_figures(
    figures: &Figures,
    store: &Store,
    plan: &Plan,
    progress: Progress<'_>,
) -> AppResult<()> {
    store.forget_contributions().await?;
    figures.sync_with(store, plan, progress).await?;
    Ok(())
}
