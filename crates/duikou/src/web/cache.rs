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

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use duikou_domain::engine::{AssessOptions, Assessment, EngineRecord};
use duikou_storage::records::{RecordQuery, StoredRecord};
use tokio::sync::OnceCell;

use super::AppState;
use super::auth::Authenticated;
use crate::service::ServiceResult;

/// Values keyed by (database, change number, `K`), each computed at most once at a
/// time. Entries of older change numbers of the same database are dropped when a newer
/// one is added; at most `cap` entries are kept.
pub struct Memo<K, V> {
    map: Mutex<HashMap<(u64, i64, K), Slot<V>>>,
    cap: usize,
}

type Slot<V> = Arc<OnceCell<V>>;

/// What an assessment depends on besides the change number: include_submitted, year,
/// as-of date.
pub type AssessKey = (bool, i32, time::Date);

/// A static memo.
pub type Static<K, V> = std::sync::LazyLock<Memo<K, V>>;

impl<K: Hash + Eq + Clone, V: Clone> Memo<K, V> {
    pub fn new(cap: usize) -> Self {
        Memo {
            map: Mutex::new(HashMap::new()),
            cap,
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
        let cell = {
            let mut map = self.map.lock().expect("memo lock");
            let k = (instance, seq, key);
            match map.get(&k) {
                Some(c) => c.clone(),
                None => {
                    map.retain(|(i, s, _), _| *i != instance || *s >= seq);
                    if map.len() >= self.cap {
                        map.clear();
                    }
                    let c = Arc::new(OnceCell::new());
                    map.insert(k, c.clone());
                    c
                }
            }
        };
        cell.get_or_try_init(init).await.cloned()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.lock().expect("memo lock").len()
    }
}

type Assessed = (Arc<Vec<EngineRecord>>, Arc<Assessment>);

static ASSESSMENTS: Static<AssessKey, Assessed> = std::sync::LazyLock::new(|| Memo::new(16));

/// The records and the assessment for these options at this change number, shared:
/// one computation however many requests ask at once.
pub async fn assessment(
    state: &AppState,
    seq: i64,
    opts: &AssessOptions,
) -> crate::error::AppResult<Assessed> {
    let store = state.store();
    ASSESSMENTS
        .get_or_try_init(
            store.instance,
            seq,
            (opts.include_submitted, opts.year, opts.as_of),
            || crate::assess_view::assessment_cached(store, state.plan(), opts),
        )
        .await
}

/// One page of a record list and the number of records matching.
pub type Listed = Arc<(Vec<StoredRecord>, u64)>;

static LISTS: std::sync::LazyLock<Memo<String, Listed>> =
    std::sync::LazyLock::new(|| Memo::new(64));

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
    LISTS
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
    use super::Memo;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn one_computation_per_key_and_change_number() {
        let memo: Arc<Memo<&'static str, usize>> = Arc::new(Memo::new(8));
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
}
