//! The assessment use case: the engine's figures for a year and a day, computed once per
//! change of the database and shared by every interface.

use duikou_domain::engine::{
    AssessOptions, Assessment, Classifier, IndicatorResult, IndicatorStatus, default_as_of, finish,
    has_figure, previous_window,
};
use duikou_domain::plan::Plan;
use duikou_domain::record::{Status, parse_iso_date};
use duikou_domain::schema::RecordKind;
use duikou_storage::Store;
use duikou_storage::contributions::{ContributionState, StoredContribution};

mod delta;
use delta::Delta;

use crate::error::{AppError, AppResult};

// The checklist and its figure lines are the reports' (one rule for the sheet, the
// command line and the page).
use duikou_reports::workbook::{Wording, figure_lines};
pub use duikou_reports::workbook::{checklist, result_line};

/// The record kinds the plan's indicators read.
fn plan_kinds(plan: &Plan) -> Vec<RecordKind> {
    let mut kinds: Vec<RecordKind> = plan.indicators.iter().map(|i| i.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The statuses that contribute (drafts and rejected records contribute nothing; whether
/// submitted ones count is the assessment's choice, made when the rows are summed).
const CONTRIBUTING: [Status; 2] = [Status::Approved, Status::Submitted];

/// Records read at a time while every record's contributions are derived: the memory
/// a derivation needs is bounded by this span, not by the table.
const DERIVE_SPAN: i64 = 50_000;

pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date()
}

/// Resolve the year and as-of date the way every interface does.
pub fn options(
    plan: &Plan,
    year: Option<i32>,
    as_of: Option<&str>,
    include_submitted: bool,
) -> AppResult<AssessOptions> {
    let as_of = match as_of {
        Some(s) => Some(
            duikou_domain::cells::parse_date(s)
                .or_else(|_| parse_iso_date(s).ok_or(()))
                .map_err(|_| {
                    AppError::input(
                        format!("--as-of 日期无效：{s}"),
                        format!("invalid --as-of date: {s}"),
                    )
                })?,
        ),
        None => None,
    };
    let year = year.or(as_of.map(|d| d.year())).unwrap_or_else(|| {
        today()
            .year()
            .clamp(plan.meta.first_year, plan.meta.last_year)
    });
    if let Err(outside) = plan.check_year(year) {
        let m = outside.message();
        return Err(AppError::input(m.zh, m.en));
    }
    Ok(AssessOptions {
        year,
        as_of: as_of.unwrap_or_else(|| default_as_of(year, today())),
        include_submitted,
    })
}

type AssessmentKey = (u64, i64, bool, i32, time::Date);

/// What a run of `Figures::sync` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synced {
    /// The stored contributions were current.
    Current,
    /// The records the audit trail says changed were classified again.
    Changes { records: usize },
    /// Every record was classified again (the first time, after a plan change, or when
    /// the trail cannot tell what changed).
    Everything { records: u64 },
}

/// A derivation's progress: (records read, records to read). The command line shows a
/// bar; the server logs.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// The figures, computed in the database. Owned by whoever serves: the web's application
/// state holds one for the life of the process, a command-line run its own.
///
/// What each record contributes to each figure is stored beside it (table
/// `contribution`, `duikou_storage::contributions`) and an assessment is one aggregate
/// query over those rows, finished by the engine (`duikou_domain::engine::finish`): no
/// record is held in memory. Before it reads, `sync` brings the rows up to the
/// database's change number: only the records the audit trail says changed are
/// classified again, in one transaction with the state they reach.
///
/// One invalidation rule for the assessments kept here: every entry is keyed by the
/// database's change number (the audit chain's length, `Store::change_seq`), read before
/// the data; a write anywhere, by any process, makes every older entry stale.
#[derive(Default)]
pub struct Figures {
    /// One derivation at a time in this process: the requests arriving after a write
    /// wait for the one bringing the rows up to date.
    syncing: tokio::sync::Mutex<()>,
    /// The last assessments per (database, change number, options): between two writes
    /// the dashboard and the API serve the figures computed once.
    assessments: std::sync::Mutex<Vec<(AssessmentKey, std::sync::Arc<Assessment>)>>,
    /// The digest of the plan last asked about, by its address, id and version: a plan
    /// of a national programme is megabytes of JSON to hash, and a server asks about
    /// the one plan it holds (never changed in place: an amendment is a new plan).
    digest: std::sync::Mutex<Option<(PlanIdentity, String)>>,
    /// The last changes this process's syncs made, chained by change number: the
    /// aggregates below follow them without the aggregate query (`delta.rs`).
    deltas: std::sync::Mutex<Vec<std::sync::Arc<Delta>>>,
    /// The last aggregates per assessment window, by plan digest and the change number
    /// of the rows they were read from.
    aggregates: std::sync::Mutex<Vec<Aggregates>>,
}

/// A plan in memory: its address, id and version.
type PlanIdentity = (usize, String, u32);

/// The aggregates of one assessment window at one state of the stored rows.
struct Aggregates {
    digest: String,
    seq: i64,
    opts: AssessOptions,
    rows: std::sync::Arc<Vec<duikou_domain::engine::Aggregate>>,
}

/// Deltas and aggregate windows kept.
const KEPT_DELTAS: usize = 32;
const KEPT_WINDOWS: usize = 8;

impl Figures {
    fn digest_of(&self, plan: &Plan) -> String {
        let key = (
            std::ptr::from_ref(plan) as usize,
            plan.meta.id.clone(),
            plan.version,
        );
        let mut cached = self.digest.lock().expect("digest lock");
        match &*cached {
            Some((k, digest)) if *k == key => digest.clone(),
            _ => {
                let digest = plan.digest();
                *cached = Some((key, digest.clone()));
                digest
            }
        }
    }

    /// Bring the stored contributions of the plan up to the database's current change
    /// number (or newer).
    pub async fn sync(&self, store: &Store, plan: &Plan) -> AppResult<Synced> {
        self.sync_with(store, plan, &|_, _| {}).await
    }

    /// `sync`, reporting a derivation's progress.
    pub async fn sync_with(
        &self,
        store: &Store,
        plan: &Plan,
        progress: Progress<'_>,
    ) -> AppResult<Synced> {
        let digest = self.digest_of(plan);
        let seq = store.change_seq().await?;
        let current = |state: &Option<ContributionState>| {
            state
                .as_ref()
                .is_some_and(|s| s.plan_digest == digest && s.seq >= seq)
        };
        if current(&store.contribution_state().await?) {
            return Ok(Synced::Current);
        }
        let _one = self.syncing.lock().await;
        // Another process may have moved the state while this one waited.
        let state = store.contribution_state().await?;
        if current(&state) {
            return Ok(Synced::Current);
        }
        let to = ContributionState {
            plan_digest: digest.clone(),
            seq,
        };
        let changes = match &state {
            Some(s) if s.plan_digest == digest => store.record_changes_between(s.seq, seq).await?,
            _ => None,
        };
        match changes {
            Some(changes) => {
                let kinds = plan_kinds(plan);
                let fresh = store
                    .records_for_engine_changed(&kinds, &CONTRIBUTING, &changes)
                    .await?;
                let classifier = Classifier::new(plan);
                let mut rows = Vec::new();
                for r in &fresh {
                    classifier.classify_into(r, &mut rows);
                }
                let mut touched: Vec<i64> = changes
                    .ids
                    .iter()
                    .copied()
                    .chain(fresh.iter().map(|r| r.id))
                    .collect();
                touched.sort_unstable();
                touched.dedup();
                if let Some(write) = store.claim_contributions(state.as_ref(), &to).await? {
                    let old = write.rows_of_records(&touched).await?;
                    write.remove_records(&touched).await?;
                    write.insert(&rows).await?;
                    write.commit().await?;
                    let from = state.as_ref().map_or(0, |s| s.seq);
                    let mut new: Vec<StoredContribution> =
                        rows.iter().map(StoredContribution::of).collect();
                    new.sort();
                    let mut deltas = self.deltas.lock().expect("delta lock");
                    if old.len() + new.len() <= delta::MAX_DELTA_ROWS {
                        deltas.push(std::sync::Arc::new(Delta {
                            from,
                            to: seq,
                            touched: touched.clone(),
                            old,
                            new,
                        }));
                        let over = deltas.len().saturating_sub(KEPT_DELTAS);
                        deltas.drain(..over);
                    } else {
                        // Too large to apply (an import of thousands): the chain breaks
                        // here and the next assessment runs the query; not kept in memory.
                        deltas.clear();
                    }
                }
                tracing::debug!(from = ?state.map(|s| s.seq), to = seq, records = touched.len(), "contributions brought up to date");
                Ok(Synced::Changes {
                    records: touched.len(),
                })
            }
            None => {
                self.deltas.lock().expect("delta lock").clear();
                let records = self
                    .derive_everything(store, plan, state.as_ref(), &to, progress)
                    .await?;
                tracing::info!(records, seq, "contributions derived from every record");
                Ok(Synced::Everything { records })
            }
        }
    }

    /// Classify every record of the plan again, in one transaction, a span of records at
    /// a time. The number of records classified.
    async fn derive_everything(
        &self,
        store: &Store,
        plan: &Plan,
        from: Option<&ContributionState>,
        to: &ContributionState,
        progress: Progress<'_>,
    ) -> AppResult<u64> {
        let last = store.last_record_id().await?;
        let Some(write) = store.claim_contributions(from, to).await? else {
            return Ok(0);
        };
        write.remove_all().await?;
        let kinds = plan_kinds(plan);
        let classifier = Classifier::new(plan);
        let total = u64::try_from(last).unwrap_or(0);
        let mut classified = 0u64;
        let mut after = 0i64;
        while after < last {
            let upto = after.saturating_add(DERIVE_SPAN).min(last);
            let records = store
                .records_for_engine_span(&kinds, &CONTRIBUTING, after, upto)
                .await?;
            let mut rows = Vec::new();
            for r in &records {
                classifier.classify_into(r, &mut rows);
            }
            write.insert(&rows).await?;
            classified += records.len() as u64;
            after = upto;
            progress(u64::try_from(upto).unwrap_or(0), total);
        }
        write.commit().await?;
        Ok(classified)
    }

    pub async fn compute(
        &self,
        store: &Store,
        plan: &Plan,
        opts: &AssessOptions,
    ) -> AppResult<Assessment> {
        Ok(self
            .assessment_cached(store, plan, opts)
            .await?
            .as_ref()
            .clone())
    }

    /// The assessment for these options, computed once per change.
    pub async fn assessment_cached(
        &self,
        store: &Store,
        plan: &Plan,
        opts: &AssessOptions,
    ) -> AppResult<std::sync::Arc<Assessment>> {
        // Read before the rows: a write in between makes the key older than the data,
        // never newer, and no later reader asks for an older change number.
        let seq = store.change_seq().await?;
        let key = (
            store.instance,
            seq,
            opts.include_submitted,
            opts.year,
            opts.as_of,
        );
        if let Some((_, hit)) = self
            .assessments
            .lock()
            .expect("cache lock")
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Ok(hit.clone());
        }
        self.sync(store, plan).await?;
        let current = self.aggregates_for(store, plan, opts).await?;
        let previous = match previous_window(plan, opts) {
            Some(before) => Some(self.aggregates_for(store, plan, &before).await?),
            None => None,
        };
        let a = std::sync::Arc::new(finish(
            plan,
            opts,
            &current,
            previous.as_ref().map(|p| p.as_slice()),
        ));
        let mut cache = self.assessments.lock().expect("cache lock");
        cache.retain(|((inst, s, ..), _)| !(*inst == store.instance && *s != seq));
        cache.push((key, a.clone()));
        if cache.len() > 8 {
            cache.remove(0);
        }
        Ok(a)
    }

    /// The aggregates of one assessment window over the stored rows as they stand (after
    /// `sync`): kept per window, and after a write brought up to date with what the
    /// sync changed (`delta.rs`) rather than by the aggregate query.
    async fn aggregates_for(
        &self,
        store: &Store,
        plan: &Plan,
        opts: &AssessOptions,
    ) -> AppResult<std::sync::Arc<Vec<duikou_domain::engine::Aggregate>>> {
        let digest = self.digest_of(plan);
        // No sync of this process in between: the state read and the rows aggregated (or
        // the deltas applied) are the same. (A sync by another process makes no delta
        // here: aggregates it overtook are never brought forward, only read again.)
        let _one = self.syncing.lock().await;
        let Some(state) = store.contribution_state().await? else {
            return Ok(std::sync::Arc::new(
                store.contribution_aggregates(opts).await?,
            ));
        };
        let (exact, earlier) = {
            let kept = self.aggregates.lock().expect("aggregate lock");
            let same = |a: &&Aggregates| a.digest == digest && a.opts == *opts;
            let exact = kept
                .iter()
                .filter(same)
                .find(|a| a.seq == state.seq)
                .map(|a| a.rows.clone());
            let earlier = kept
                .iter()
                .filter(same)
                .filter(|a| a.seq < state.seq)
                .max_by_key(|a| a.seq)
                .map(|a| (a.seq, a.rows.clone()));
            (exact, earlier)
        };
        if let Some(rows) = exact {
            return Ok(rows);
        }
        let deltas: Vec<std::sync::Arc<Delta>> = self.deltas.lock().expect("delta lock").clone();
        let mut rows = None;
        if let Some((seq, before)) = earlier
            && let Some(chain) = delta::chain(&deltas, seq, state.seq)
            && chain.iter().map(|d| d.rows()).sum::<usize>() <= delta::MAX_DELTA_ROWS
        {
            let merged = delta::merge(&chain);
            rows = Some(delta::apply(store, opts, &before, &merged).await?);
            tracing::debug!(
                from = seq,
                to = state.seq,
                records = merged.touched.len(),
                "aggregates brought up to date by the changes"
            );
        }
        let rows = std::sync::Arc::new(match rows {
            Some(rows) => rows,
            None => store.contribution_aggregates(opts).await?,
        });
        let mut kept = self.aggregates.lock().expect("aggregate lock");
        // The window's earlier states are superseded.
        kept.retain(|a| !(a.digest == digest && a.opts == *opts));
        kept.push(Aggregates {
            digest,
            seq: state.seq,
            opts: *opts,
            rows: rows.clone(),
        });
        let over = kept.len().saturating_sub(KEPT_WINDOWS);
        kept.drain(..over);
        Ok(rows)
    }

    /// The ids of the records behind one figure (what its actual value counts),
    /// ascending; None when the plan has no such indicator or scope.
    pub async fn records_behind(
        &self,
        store: &Store,
        plan: &Plan,
        opts: &AssessOptions,
        indicator: &str,
        scope: &str,
    ) -> AppResult<Option<Vec<i64>>> {
        if !has_figure(plan, indicator, scope) {
            return Ok(None);
        }
        self.sync(store, plan).await?;
        Ok(Some(
            store.contribution_records(opts, indicator, scope).await?,
        ))
    }

    /// The records behind every figure at once (a package lists them all).
    pub async fn records_behind_all(
        &self,
        store: &Store,
        plan: &Plan,
        opts: &AssessOptions,
    ) -> AppResult<duikou_reports::common::FigureRecords> {
        self.sync(store, plan).await?;
        let mut out = duikou_reports::common::FigureRecords::default();
        for (indicator, scope, id) in store.contribution_records_all(opts).await? {
            out.entry((indicator, scope)).or_default().push(id);
        }
        Ok(out)
    }
}

/// One assessment, without a cache kept beyond the call (a command-line run).
pub async fn compute(store: &Store, plan: &Plan, opts: &AssessOptions) -> AppResult<Assessment> {
    Figures::default().compute(store, plan, opts).await
}

pub fn status_counts(a: &Assessment) -> Vec<(IndicatorStatus, usize)> {
    IndicatorStatus::ALL
        .iter()
        .map(|s| (*s, a.results.iter().filter(|r| r.status == *s).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Summary of a group of results, a line per indicator (a per-unit indicator gives many):
/// "名称（22 个单位，目标 …）：已完成 18，未完成 4". The rule is the checklist sheet's
/// (`duikou_reports::workbook::figure_lines`), worded for a screen.
pub fn summarise(results: &[&IndicatorResult]) -> Vec<String> {
    figure_lines(results, Wording::Screen)
}
