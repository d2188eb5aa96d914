//! The assessment use case: the engine's figures for a year and a day, computed once per
//! change of the database and shared by every interface.

use duikou_domain::engine::{
    AssessOptions, Assessment, EngineRecord, IndicatorResult, IndicatorStatus, assess,
    default_as_of,
};
use duikou_domain::plan::Plan;
use duikou_domain::record::{Status, parse_iso_date};
use duikou_domain::schema::RecordKind;
use duikou_storage::Store;

use crate::error::{AppError, AppResult};

// The checklist and its figure lines are the reports' (one rule for the sheet, the
// command line and the page).
use duikou_reports::workbook::{Wording, figure_lines};
pub use duikou_reports::workbook::{checklist, result_line};

/// One loaded record set: which database, the change number it reflects, and the
/// selection (statuses, kinds) it holds.
struct Loaded {
    instance: u64,
    seq: i64,
    include_submitted: bool,
    kinds: Vec<RecordKind>,
    records: std::sync::Arc<Vec<EngineRecord>>,
}

/// The record kinds the plan's indicators read.
fn plan_kinds(plan: &Plan) -> Vec<RecordKind> {
    let mut kinds: Vec<RecordKind> = plan.indicators.iter().map(|i| i.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

fn statuses(include_submitted: bool) -> &'static [Status] {
    if include_submitted {
        &[Status::Approved, Status::Submitted]
    } else {
        &[Status::Approved]
    }
}

/// A record set (in id order) with the touched records replaced by their current state:
/// `fresh` holds those still in the selection; the others have left it.
fn apply_changes(
    mut records: Vec<EngineRecord>,
    changes: &duikou_storage::records::RecordChanges,
    fresh: Vec<EngineRecord>,
) -> Vec<EngineRecord> {
    let touched: std::collections::HashSet<i64> = changes
        .ids
        .iter()
        .copied()
        .chain(fresh.iter().map(|r| r.id))
        .collect();
    if !touched.is_empty() {
        records.retain(|r| !touched.contains(&r.id));
    }
    if !fresh.is_empty() {
        records.extend(fresh);
        // Two sorted runs: the sort merges them.
        records.sort_by_key(|r| r.id);
    }
    records
}

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

/// The figures and the records behind them, cached. Owned by whoever serves: the web's
/// application state holds one for the life of the process, a command-line run its own.
///
/// One invalidation rule: every entry is keyed by the database's change number (the
/// audit chain's length, `Store::change_seq`), read before the data; a write anywhere,
/// by any process, makes every older entry stale. Record sets are then brought up to
/// date with only the records the audit trail says changed.
#[derive(Default)]
pub struct Figures {
    /// The record sets loaded last: pages and API calls between two writes share one.
    records: std::sync::Mutex<Vec<Loaded>>,
    /// One load at a time: the requests arriving after a write wait for the one
    /// bringing the records up to date instead of each reading the database.
    loading: tokio::sync::Mutex<()>,
    /// The last assessments per (database, change number, options): between two writes
    /// the dashboard and the API serve the figures computed once (the engine took ~11 ms
    /// of CPU per request at scale 1, capping both at ~150 requests/s on two cores).
    assessments: std::sync::Mutex<Vec<(AssessmentKey, std::sync::Arc<Assessment>)>>,
}

impl Figures {
    fn cached(
        &self,
        instance: u64,
        seq: i64,
        include_submitted: bool,
        kinds: &[RecordKind],
    ) -> Option<std::sync::Arc<Vec<EngineRecord>>> {
        self.records
            .lock()
            .expect("cache lock")
            .iter()
            .find(|l| {
                l.instance == instance
                    && l.seq == seq
                    && l.include_submitted == include_submitted
                    && l.kinds == kinds
            })
            .map(|l| l.records.clone())
    }

    /// The records the engine needs for this plan (approved, plus submitted if asked), as of
    /// the database's current change number. Loaded once; after writes, the last set loaded
    /// takes in the records the audit trail says changed (a full load only when it cannot
    /// tell, e.g. after a plan change).
    pub async fn engine_records(
        &self,
        store: &Store,
        plan: &Plan,
        include_submitted: bool,
    ) -> AppResult<std::sync::Arc<Vec<EngineRecord>>> {
        let seq = store.change_seq().await?;
        self.engine_records_at(store, plan, include_submitted, seq)
            .await
    }

    /// `engine_records` with the change number just read: the records as of `seq` (or,
    /// for records written since, newer: the next update reads them again).
    async fn engine_records_at(
        &self,
        store: &Store,
        plan: &Plan,
        include_submitted: bool,
        seq: i64,
    ) -> AppResult<std::sync::Arc<Vec<EngineRecord>>> {
        let kinds = plan_kinds(plan);
        if let Some(hit) = self.cached(store.instance, seq, include_submitted, &kinds) {
            return Ok(hit);
        }
        let _loading = self.loading.lock().await;
        if let Some(hit) = self.cached(store.instance, seq, include_submitted, &kinds) {
            return Ok(hit);
        }
        // The newest earlier set of the same selection, taken out of the cache so that it
        // can be updated in place when nobody else holds it.
        let base = {
            let mut cache = self.records.lock().expect("cache lock");
            let newest = cache
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    l.instance == store.instance
                        && l.seq < seq
                        && l.include_submitted == include_submitted
                        && l.kinds == kinds
                })
                .max_by_key(|(_, l)| l.seq)
                .map(|(i, _)| i);
            newest.map(|i| cache.remove(i))
        };
        let statuses = statuses(include_submitted);
        let changes = match &base {
            Some(base) => store.record_changes_between(base.seq, seq).await?,
            None => None,
        };
        let mut unused = None;
        let updated = match (base, changes) {
            (Some(base), Some(changes)) => {
                let fresh = store
                    .records_for_engine_changed(&kinds, statuses, &changes)
                    .await?;
                tracing::debug!(
                    from = base.seq,
                    to = seq,
                    records = changes.ids.len(),
                    import_batches = changes.import_batches.len(),
                    "engine records updated with the changes only"
                );
                let records = std::sync::Arc::try_unwrap(base.records)
                    .unwrap_or_else(|shared| shared.as_ref().clone());
                Some(apply_changes(records, &changes, fresh))
            }
            (Some(base), None) => {
                unused = Some(base);
                None
            }
            (None, _) => None,
        };
        let records = match updated {
            Some(records) => records,
            None => {
                tracing::debug!(seq, "engine records loaded in full");
                store.records_for_engine(&kinds, statuses).await?
            }
        };
        let records = std::sync::Arc::new(records);
        let superseded = {
            let mut cache = self.records.lock().expect("cache lock");
            // Older sets of the same selection are superseded (other selections stay: they
            // are where their next update starts from).
            let (old, mut keep): (Vec<Loaded>, Vec<Loaded>) =
                std::mem::take(&mut *cache).into_iter().partition(|l| {
                    l.instance == store.instance
                        && l.include_submitted == include_submitted
                        && l.kinds == kinds
                        && l.seq != seq
                });
            keep.push(Loaded {
                instance: store.instance,
                seq,
                include_submitted,
                kinds,
                records: records.clone(),
            });
            let over = keep.len().saturating_sub(4);
            let mut old = old;
            old.extend(keep.drain(..over));
            old.extend(unused);
            *cache = keep;
            old
        };
        // Freeing a large record set takes a while: not on the request's time.
        if !superseded.is_empty() {
            tokio::task::spawn_blocking(move || drop(superseded));
        }
        Ok(records)
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
            .1
            .as_ref()
            .clone())
    }

    /// The records and the assessment for these options, each computed once per change.
    pub async fn assessment_cached(
        &self,
        store: &Store,
        plan: &Plan,
        opts: &AssessOptions,
    ) -> AppResult<(
        std::sync::Arc<Vec<EngineRecord>>,
        std::sync::Arc<Assessment>,
    )> {
        // Read before the records: a write in between makes the key older than the data,
        // never newer, and no later reader asks for an older change number.
        let seq = store.change_seq().await?;
        let key = (
            store.instance,
            seq,
            opts.include_submitted,
            opts.year,
            opts.as_of,
        );
        let records = self
            .engine_records_at(store, plan, opts.include_submitted, seq)
            .await?;
        if let Some((_, hit)) = self
            .assessments
            .lock()
            .expect("cache lock")
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Ok((records, hit.clone()));
        }
        let a = std::sync::Arc::new(assess(plan, &records, opts));
        let mut cache = self.assessments.lock().expect("cache lock");
        cache.retain(|((inst, s, ..), _)| !(*inst == store.instance && *s != seq));
        cache.push((key, a.clone()));
        if cache.len() > 8 {
            cache.remove(0);
        }
        Ok((records, a))
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
