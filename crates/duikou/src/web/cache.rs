//! What pages and the API compute once per change of the database and share between
//! requests: the assessment, record lists, the dashboard's content and the JSON bodies
//! of the assessment and of record lists.
//!
//! Every entry is keyed by the database (`Store::instance`) and its change number
//! (`Store::change_seq`, the audit chain's length: every write appends to it, whichever
//! process made it), read in the same statement as the request's session
//! ([`super::auth::Authenticated::change_seq`]): a write is seen by the next request.
//! The rest of a key is everything the value depends on, including the scope of what
//! the user may see; authorization is checked on every request before a lookup.
//!
//! Concurrent requests missing the same key wait for one computation (after a write,
//! 200 clients would otherwise all recompute the same figures at once).
//!
//! Lists and response bodies count against one byte budget shared by every memo
//! ([`CACHE_BYTES`]): a value larger than [`MAX_ENTRY_BYTES`] is handed to the requests
//! waiting for it but not kept, and a memo adding a value evicts its own oldest entries
//! until the total fits (or does not keep the value). Records of any size, queried in
//! any number of ways, cannot grow the cache past the budget.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use duikou_domain::engine::{AssessOptions, Assessment};
use duikou_storage::records::{RecordQuery, StoredRecord};
use tokio::sync::OnceCell;

use super::AppState;
use super::auth::Authenticated;
use duikou_app::service::ServiceResult;

/// The most bytes all memos together keep (lists and response bodies).
pub const CACHE_BYTES: usize = 64 * 1024 * 1024;
/// The largest value kept; larger ones are computed for the requests waiting for them
/// and dropped.
pub const MAX_ENTRY_BYTES: usize = CACHE_BYTES / 16;

/// Bytes kept by the memos of one application state, against [`CACHE_BYTES`].
pub type Budget = Arc<Mutex<usize>>;

/// About how many bytes a cached value holds.
pub trait Weigh {
    fn weight(&self) -> usize;
}

impl Weigh for axum::body::Bytes {
    fn weight(&self) -> usize {
        self.len()
    }
}

impl Weigh for Arc<str> {
    fn weight(&self) -> usize {
        self.len()
    }
}

impl Weigh for Listed {
    fn weight(&self) -> usize {
        self.0.iter().map(record_weight).sum()
    }
}

/// An assessment's size is the plan's (one result per figure), not a response's: it is
/// bounded by its number of entries, not the budget.
impl Weigh for Assessed {
    fn weight(&self) -> usize {
        0
    }
}

#[cfg(test)]
impl Weigh for usize {
    fn weight(&self) -> usize {
        *self
    }
}

fn record_weight(r: &StoredRecord) -> usize {
    use duikou_domain::record::Value;
    let fields: usize = r
        .fields
        .iter()
        .map(|(k, v)| {
            k.len()
                + 32
                + match v {
                    Value::Text(t) | Value::Unit(t) | Value::Enum(t) => t.len(),
                    Value::Units(us) => us.iter().map(|u| u.len() + 24).sum(),
                    _ => 0,
                }
        })
        .sum();
    std::mem::size_of::<StoredRecord>()
        + fields
        + r.notes.len()
        + r.reporting_unit.len()
        + r.reject_reason.as_ref().map_or(0, String::len)
        + r.created_by.len()
        + r.updated_by.len()
        + r.edited_by.len()
        + r.created_at.len()
        + r.updated_at.len()
}

/// Values keyed by (database, change number, `K`), each computed at most once at a
/// time. Entries of older change numbers of the same database are dropped when a newer
/// one is added; at most `cap` entries are kept, and their bytes count against
/// [`CACHE_BYTES`].
pub struct Memo<K, V> {
    map: Mutex<HashMap<(u64, i64, K), Entry<V>>>,
    cap: usize,
    /// Shared with the other memos of the same [`Caches`].
    budget: Budget,
    /// Orders entries by age, for eviction.
    clock: AtomicU64,
}

type Slot<V> = Arc<OnceCell<V>>;

struct Entry<V> {
    cell: Slot<V>,
    /// Counted in the budget once the value is known.
    bytes: usize,
    born: u64,
}

/// What an assessment depends on besides the change number: include_submitted, year,
/// as-of date.
pub type AssessKey = (bool, i32, time::Date);

impl<K: Hash + Eq + Clone, V: Clone + Weigh> Memo<K, V> {
    pub fn new(cap: usize, budget: &Budget) -> Self {
        Memo {
            map: Mutex::new(HashMap::new()),
            cap,
            budget: budget.clone(),
            clock: AtomicU64::new(0),
        }
    }

    /// Gives back the bytes of entries leaving the memo.
    fn release(&self, bytes: usize) {
        if bytes > 0 {
            let mut used = self.budget.lock().expect("cache budget lock");
            *used = used.saturating_sub(bytes);
        }
    }

    /// The value for the key, computed by `init` unless cached or being computed by
    /// another request (then this one waits for it). An error is not cached.
    pub async fn get_or_try_init<E, F, Fut>(
        &self,
        instance: u64,
        seq: i64,
        key: K,
        init: F,
    ) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let k = (instance, seq, key);
        let cell = {
            let mut map = self.map.lock().expect("memo lock");
            match map.get(&k) {
                Some(e) => e.cell.clone(),
                None => {
                    let mut freed = 0;
                    map.retain(|(i, s, _), e| {
                        let keep = *i != instance || *s >= seq;
                        if !keep {
                            freed += e.bytes;
                        }
                        keep
                    });
                    if map.len() >= self.cap {
                        freed += map.values().map(|e| e.bytes).sum::<usize>();
                        map.clear();
                    }
                    self.release(freed);
                    let c = Arc::new(OnceCell::new());
                    let born = self.clock.fetch_add(1, Ordering::Relaxed);
                    map.insert(
                        k.clone(),
                        Entry {
                            cell: c.clone(),
                            bytes: 0,
                            born,
                        },
                    );
                    c
                }
            }
        };
        let v = cell.get_or_try_init(init).await.cloned()?;
        self.settle(&k, &cell, v.weight());
        Ok(v)
    }

    /// Counts a value just computed against the budget, evicting this memo's oldest
    /// entries to make room, or drops it when it is too large or does not fit.
    fn settle(&self, k: &(u64, i64, K), cell: &Slot<V>, bytes: usize) {
        if bytes == 0 {
            return;
        }
        let mut map = self.map.lock().expect("memo lock");
        match map.get(k) {
            // Already counted, or evicted meanwhile, or replaced by a newer computation.
            Some(e) if Arc::ptr_eq(&e.cell, cell) && e.bytes == 0 => {}
            _ => return,
        }
        if bytes > MAX_ENTRY_BYTES {
            map.remove(k);
            return;
        }
        let mut used = self.budget.lock().expect("cache budget lock");
        while *used + bytes > CACHE_BYTES {
            let oldest = map
                .iter()
                .filter(|(key, e)| e.bytes > 0 && *key != k)
                .min_by_key(|(_, e)| e.born)
                .map(|(key, _)| key.clone());
            let Some(old) = oldest else { break };
            let e = map.remove(&old).expect("found");
            *used = used.saturating_sub(e.bytes);
        }
        if *used + bytes > CACHE_BYTES {
            // The rest of the budget is held by other memos: this value is not kept.
            map.remove(k);
            return;
        }
        *used += bytes;
        map.get_mut(k).expect("present").bytes = bytes;
    }

    #[cfg(test)]
    fn kept_bytes(&self) -> usize {
        self.map
            .lock()
            .expect("memo lock")
            .values()
            .map(|e| e.bytes)
            .sum()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.lock().expect("memo lock").len()
    }
}

type Assessed = Arc<Assessment>;

/// Every memo of one application state, sharing one byte budget. Owned by the state
/// (`AppState::caches`), never global: two states (two databases in one process, the
/// tests' in-process apps) never see each other's entries.
pub struct Caches {
    pub assessments: Memo<AssessKey, Assessed>,
    pub lists: Memo<String, Listed>,
    /// The JSON API's bodies: record lists and assessments.
    pub list_bodies: Memo<String, axum::body::Bytes>,
    pub assessment_bodies: Memo<AssessKey, axum::body::Bytes>,
    /// The dashboard's content, per options and language.
    pub dashboards: Memo<(AssessKey, bool), Arc<str>>,
}

impl Default for Caches {
    fn default() -> Self {
        let budget = Budget::default();
        Caches {
            assessments: Memo::new(16, &budget),
            lists: Memo::new(64, &budget),
            list_bodies: Memo::new(64, &budget),
            assessment_bodies: Memo::new(32, &budget),
            dashboards: Memo::new(32, &budget),
        }
    }
}

/// The assessment for these options at this change number, shared:
/// one computation however many requests ask at once.
pub async fn assessment(
    state: &AppState,
    seq: i64,
    opts: &AssessOptions,
) -> duikou_app::error::AppResult<Assessed> {
    let store = state.store();
    state
        .caches
        .assessments
        .get_or_try_init(
            store.instance,
            seq,
            (opts.include_submitted, opts.year, opts.as_of),
            || {
                state
                    .services
                    .figures
                    .assessment_cached(store, state.plan(), opts)
            },
        )
        .await
}

/// One page of a record list and the number of records matching.
pub type Listed = Arc<(Vec<StoredRecord>, u64)>;

/// Lists of at most this many records per page are kept.
const CACHED_PER_PAGE: u64 = 200;

/// The records of the query that this user may see (`Services::scoped_query`, checked on
/// every call), shared with every user whose scoped query is the same, until the next
/// write.
pub async fn list(state: &AppState, auth: &Authenticated, q: RecordQuery) -> ServiceResult<Listed> {
    let q = state.services.scoped_query(&auth.actor(), q)?;
    let load = || async { Ok(Arc::new(state.store().list_records(&q).await?)) };
    if q.per_page > CACHED_PER_PAGE {
        return load().await;
    }
    state
        .caches
        .lists
        .get_or_try_init(
            state.store().instance,
            auth.change_seq,
            format!("{q:?}"),
            load,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::{Budget, CACHE_BYTES, MAX_ENTRY_BYTES, Memo};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn one_computation_per_key_and_change_number() {
        let memo: Arc<Memo<&'static str, usize>> = Arc::new(Memo::new(8, &Budget::default()));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (memo, calls) = (memo.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                memo.get_or_try_init(1, 5, "a", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok::<_, ()>(42)
                })
                .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(42));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A newer change number computes again and drops the older entries.
        let v = memo
            .get_or_try_init(1, 6, "a", || async { Ok::<_, ()>(43) })
            .await;
        assert_eq!(v, Ok(43));
        assert_eq!(memo.len(), 1);
        // Another database keeps its own entries.
        let v = memo
            .get_or_try_init(2, 1, "a", || async { Ok::<_, ()>(7) })
            .await;
        assert_eq!(v, Ok(7));
        assert_eq!(memo.len(), 2);
        // An error is not kept.
        let e = memo
            .get_or_try_init(1, 6, "b", || async { Err::<usize, _>("failed") })
            .await;
        assert_eq!(e, Err("failed"));
        let v = memo
            .get_or_try_init(1, 6, "b", || async { Ok::<_, &str>(1) })
            .await;
        assert_eq!(v, Ok(1));
    }

    /// Large values of many queries (10 MB records listed in a hundred ways) stay
    /// within the byte budget; a value above the per-entry cap is served, not kept.
    #[tokio::test]
    async fn the_cache_keeps_to_its_byte_budget() {
        let budget = Budget::default();
        let memo: Memo<u32, usize> = Memo::new(1_000, &budget);
        let big = MAX_ENTRY_BYTES; // the largest value kept
        for q in 0..100u32 {
            let v = memo
                .get_or_try_init(9, 1, q, || async { Ok::<_, ()>(big) })
                .await;
            assert_eq!(v, Ok(big), "served whatever its size");
            assert!(
                memo.kept_bytes() <= CACHE_BYTES,
                "query {q}: {}",
                memo.kept_bytes()
            );
            assert!(*budget.lock().unwrap() <= CACHE_BYTES);
        }
        assert!(
            memo.len() <= CACHE_BYTES / big,
            "{} entries kept",
            memo.len()
        );
        // The newest values are the ones kept.
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let v = memo
            .get_or_try_init(9, 1, 99, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(big)
            })
            .await;
        assert_eq!((v, calls.load(Ordering::SeqCst)), (Ok(big), 0));
        // Too large for one entry: computed every time, never kept.
        let before = memo.kept_bytes();
        for _ in 0..2 {
            let v = memo
                .get_or_try_init(9, 1, 5_000, || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, ()>(MAX_ENTRY_BYTES + 1)
                })
                .await;
            assert_eq!(v, Ok(MAX_ENTRY_BYTES + 1));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(memo.kept_bytes(), before);
        // A newer change number gives the bytes back.
        memo.get_or_try_init(9, 2, 0, || async { Ok::<_, ()>(1) })
            .await
            .unwrap();
        assert_eq!(memo.kept_bytes(), 1);
    }
}
