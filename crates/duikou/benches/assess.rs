//! `cargo bench -p duikou --bench assess [-- SCALE]`: the full assessment of one year
//! against a baseline measured in the same run on the same database: one plain SQL
//! pass over the same rows (what reading the data costs at the least).
//!
//! The figures come from the table `contribution` (`duikou_app::assessment::Figures`):
//! what each record contributes, stored beside it, summed by one SQL aggregate and
//! finished by the engine. Reported (medians): the SQL scan (baseline); deriving every
//! contribution (the first run, or after a plan change); the assessment from the stored
//! contributions, cold (nothing cached: the aggregate and `finish`); the assessment right
//! after one review write to a record (that record's contributions derived again and the
//! long-lived figures brought up to date from them); warm (nothing written since: what
//! pages and the API see); and, for comparison, the previous engine: every record loaded
//! and evaluated in memory. The bench asserts that both paths give the same assessment.
//!
//! With DUIKOU_BENCH_POSTGRES_URL set (an empty database it may wipe: the public schema
//! is dropped and created again), the same on PostgreSQL. `bench/duckdb_baseline.py`
//! is the external baseline (the same aggregations as SQL in DuckDB).
//!
//! For profiling, DUIKOU_BENCH_PROFILE=derive|aggregate|incremental|memory repeats that
//! part for DUIKOU_BENCH_PROFILE_SECS seconds (default 20) after loading the data, e.g.
//! `perf record -F 999 target/release/deps/assess-HASH 10` with the variable set.
//! DUIKOU_BENCH_SQLITE=FILE keeps the SQLite database (`bench/assess.sh` hands it to
//! the DuckDB baseline; a later run with the same file finds the demo data written).

use std::time::{Duration, Instant};

use duikou_app::assessment::{Figures, Synced};
use duikou_domain::engine::{AssessOptions, Assessment, EngineRecord, assess};
use duikou_domain::plan::Plan;
use duikou_domain::record::{Status, Transition};
use duikou_domain::schema::RecordKind;
use duikou_storage::Store;
use duikou_storage::StoreConfig;
use sea_orm::{ConnectionTrait, Statement};

/// One long-lived cache, as a server's application state holds it.
static FIGURES: std::sync::LazyLock<Figures> = std::sync::LazyLock::new(Figures::default);

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median time of `f`; what it returns is dropped after the clock stops.
fn time<T, F: FnMut() -> T>(runs: usize, mut f: F) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let out = f();
                let elapsed = t.elapsed();
                drop(out);
                elapsed
            })
            .collect(),
    )
}

/// One number from a query returning one row with a column `n`.
async fn count(store: &Store, sql: &str) -> i64 {
    let row = store
        .db
        .query_one_raw(Statement::from_string(store.backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// Every contribution derived again, as after a plan change: the stored state forgotten,
/// then the sync.
async fn derive_everything(store: &Store, plan: &Plan) {
    store
        .db
        .execute_unprepared("DELETE FROM contribution_state")
        .await
        .unwrap();
    let synced = Figures::default().sync(store, plan).await.unwrap();
    assert!(matches!(synced, Synced::Everything { .. }), "{synced:?}");
}

/// The assessment from the stored contributions with nothing cached (the aggregate and
/// `finish`).
async fn aggregate(store: &Store, plan: &Plan, opts: &AssessOptions) -> Assessment {
    Figures::default().compute(store, plan, opts).await.unwrap()
}

/// The previous engine: every approved record loaded, then classified and folded in
/// memory.
async fn in_memory(store: &Store, plan: &Plan, opts: &AssessOptions) -> Assessment {
    assess(plan, &approved_records(store, plan).await, opts)
}

async fn approved_records(store: &Store, plan: &Plan) -> Vec<EngineRecord> {
    let mut kinds: Vec<RecordKind> = plan.indicators.iter().map(|i| i.kind).collect();
    kinds.sort();
    kinds.dedup();
    store
        .records_for_engine(&kinds, &[Status::Approved])
        .await
        .unwrap()
}

/// One review write to one approved record, cycling reopen → submit → approve so the
/// record leaves the approved set and comes back.
async fn one_write(store: &Store, id: i64, step: usize) {
    let t = [Transition::Reopen, Transition::Submit, Transition::Approve][step % 3];
    let reason = t.needs_reason().then_some("bench");
    store
        .transition_record(duikou_domain::ids::RecordId(id), t, reason, None, "bench")
        .await
        .unwrap();
}

async fn approved_record(store: &Store) -> i64 {
    count(
        store,
        "SELECT MAX(id) AS n FROM record WHERE status = 'approved' AND kind = 'person'",
    )
    .await
}

fn profile(rt: &tokio::runtime::Runtime, store: &Store, plan: &Plan, opts: &AssessOptions) {
    let Ok(what) = std::env::var("DUIKOU_BENCH_PROFILE") else {
        return;
    };
    let secs: u64 = std::env::var("DUIKOU_BENCH_PROFILE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    rt.block_on(FIGURES.sync(store, plan)).unwrap();
    let id = rt.block_on(approved_record(store));
    let end = Instant::now() + Duration::from_secs(secs);
    let mut n = 0usize;
    while Instant::now() < end {
        rt.block_on(async {
            match what.as_str() {
                "derive" => derive_everything(store, plan).await,
                "aggregate" => drop(aggregate(store, plan, opts).await),
                "incremental" => {
                    one_write(store, id, n).await;
                    FIGURES.compute(store, plan, opts).await.unwrap();
                }
                "memory" => drop(in_memory(store, plan, opts).await),
                other => {
                    panic!("DUIKOU_BENCH_PROFILE={other}: derive, aggregate, incremental or memory")
                }
            }
        });
        n += 1;
    }
    eprintln!("profiled {what}: {n} runs in {secs} s");
    std::process::exit(0);
}

fn main() {
    let scale: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Scale N is the national programme: the plan with N copies of every town and
    // county (`duikou init --demo-scale N`), as `duikou demo --scale N` fills it.
    // DUIKOU_BENCH_PLAN=written keeps the plan as written (records × N, units × 1).
    let (plan, plan_source) =
        if scale > 1 && std::env::var("DUIKOU_BENCH_PLAN").as_deref() != Ok("written") {
            duikou::cli::scaled_plan(duikou_domain::plan::BUNDLED_PLAN, scale).unwrap()
        } else {
            (
                Plan::bundled(),
                duikou_domain::plan::BUNDLED_PLAN.to_string(),
            )
        };
    let key = duikou_domain::crypto::SecretKey::generate();
    let pg = std::env::var("DUIKOU_BENCH_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let store = rt.block_on(async {
        let sqlite = std::env::var("DUIKOU_BENCH_SQLITE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| dir.path().join("b.db"));
        let url = pg
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", sqlite.display()));
        let mut cfg = StoreConfig::new(url);
        cfg.create_if_missing = true;
        let s = Store::open(&cfg).await.unwrap();
        if pg.is_some() {
            for sql in ["DROP SCHEMA public CASCADE", "CREATE SCHEMA public"] {
                s.db.execute_unprepared(sql).await.unwrap();
            }
        }
        s.migrate().await.unwrap();
        if s.plan_source().await.unwrap().map(|(_, src)| src) != Some(plan_source.clone()) {
            s.load_plan(&plan, &plan_source, "bench").await.unwrap();
        }
        // A reused database already holds the plan: work on it all the same.
        s.use_plan(&plan);
        let t = Instant::now();
        let n = duikou::cli::load_demo(&s, &plan, &key, scale, 2018)
            .await
            .unwrap();
        eprintln!(
            "loaded {n} demo records at scale {scale} in {:.1?}",
            t.elapsed()
        );
        s
    });
    // Statistics as autovacuum would have them a moment after a bulk write (right after
    // one the planner guesses a handful of rows).
    let analyze = || {
        if pg.is_some() {
            rt.block_on(store.db.execute_unprepared("ANALYZE")).unwrap();
        }
    };
    analyze();
    let opts = AssessOptions {
        year: 2019,
        as_of: time::macros::date!(2019 - 12 - 31),
        include_submitted: false,
    };
    profile(&rt, &store, &plan, &opts);
    let heavy_runs = if scale >= 10 { 3 } else { 5 };

    // Baseline: one SQL pass reading every approved row's data (no parsing, no rules).
    let baseline = time(5, || {
        rt.block_on(count(
            &store,
            "SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS bytes FROM record WHERE status = 'approved'",
        ))
    });
    // Every record classified again and its contributions written, in one transaction.
    let derive = time(heavy_runs, || rt.block_on(derive_everything(&store, &plan)));
    analyze();
    let contribution_rows = rt.block_on(count(&store, "SELECT COUNT(*) AS n FROM contribution"));
    // Cold: the contributions current, no assessment cached.
    let cold = time(5, || {
        let a = rt.block_on(aggregate(&store, &plan, &opts));
        assert!(!a.results.is_empty());
        a
    });
    // Incremental: one record changes status, then the assessment (that record's
    // contributions derived again, the cached figures brought up to date from them).
    let id = rt.block_on(approved_record(&store));
    let mut inc_runs = Vec::new();
    for step in 0..9 {
        rt.block_on(async {
            one_write(&store, id, step).await;
            let t = Instant::now();
            let a = FIGURES.compute(&store, &plan, &opts).await.unwrap();
            inc_runs.push(t.elapsed());
            assert!(!a.results.is_empty());
        })
    }
    let incremental = median(inc_runs);
    // Warm: the assessment cached since the last write (what pages and the API see).
    let warm = time(11, || {
        rt.block_on(FIGURES.compute(&store, &plan, &opts)).unwrap()
    });
    // The previous engine, for comparison.
    let memory = time(heavy_runs, || rt.block_on(in_memory(&store, &plan, &opts)));
    // The record is approved again: the figures from the stored contributions equal the
    // engine's over the records in memory.
    let records = rt.block_on(approved_records(&store, &plan));
    assert!(records.iter().any(|r| r.id == id));
    let from_rows = rt.block_on(FIGURES.compute(&store, &plan, &opts)).unwrap();
    assert!(
        from_rows == assess(&plan, &records, &opts),
        "the assessment from stored contributions differs from the engine's in memory"
    );
    println!(
        "scale {scale} ({:?}): {} approved records, {contribution_rows} contribution rows, {} units, {} pairings",
        store.backend(),
        records.len(),
        plan.units.len(),
        plan.pairings.len()
    );
    let line = |label: &str, d: Duration| {
        println!(
            "  {label:<70}{d:>10.2?}  ({:.2}× baseline)",
            d.as_secs_f64() / baseline.as_secs_f64()
        )
    };
    println!(
        "  {:<70}{baseline:>10.2?}",
        "baseline: SQL scan of approved rows"
    );
    line("derive every contribution (first run, plan change)", derive);
    line(
        "assessment from stored contributions, cold (SQL aggregate + finish)",
        cold,
    );
    line(
        "after one record write (sync + figures brought up to date)",
        incremental,
    );
    line("warm (nothing written since)", warm);
    line(
        "load all records + evaluate in memory (previous engine)",
        memory,
    );
}
