//! `cargo bench -p duikou --bench assess [-- SCALE]`: the full assessment of one year
//! against a baseline measured in the same run on the same database: one plain SQL
//! pass over the same rows (what reading the data costs at the least).
//!
//! Reported (medians): the SQL scan (baseline), the full assessment cold (nothing
//! cached, as at a server's start: SQL load + JSON decode + evaluation, memory fresh
//! from the system), the load alone (back to back), the engine alone (and its two
//! halves: classifying every record, folding the contributions), the assessment
//! right after one review write to a record (the cached records take in that record
//! only; the engine runs again) and warm (nothing written since: what pages and the
//! API see).
//!
//! With DUIKOU_BENCH_POSTGRES_URL set (an empty database it may wipe: the public schema
//! is dropped and created again), the same on PostgreSQL. `bench/duckdb_baseline.py`
//! is the external baseline (the same aggregations as SQL in DuckDB).
//!
//! For profiling, DUIKOU_BENCH_PROFILE=engine|load|cold|incremental repeats that part
//! for DUIKOU_BENCH_PROFILE_SECS seconds (default 20) after loading the data, e.g.
//! `perf record -F 999 target/release/deps/assess-HASH 10` with the variable set.
//! DUIKOU_BENCH_SQLITE=FILE keeps the SQLite database (`bench/assess.sh` hands it to
//! the DuckDB baseline; a later run with the same file finds the demo data written).

use std::time::{Duration, Instant};

use duikou_app::assessment::Figures;

/// One long-lived cache, as a server's application state holds it.
static FIGURES: std::sync::LazyLock<Figures> = std::sync::LazyLock::new(Figures::default);

async fn compute(
    store: &Store,
    plan: &Plan,
    opts: &AssessOptions,
) -> duikou_app::error::AppResult<duikou_domain::engine::Assessment> {
    FIGURES.compute(store, plan, opts).await
}

async fn engine_records(
    store: &Store,
    plan: &Plan,
    include_submitted: bool,
) -> duikou_app::error::AppResult<std::sync::Arc<Vec<duikou_domain::engine::EngineRecord>>> {
    FIGURES.engine_records(store, plan, include_submitted).await
}
use duikou_domain::engine::{AssessOptions, Classifier, assess, fold};
use duikou_domain::plan::Plan;
use duikou_domain::record::{Status, Transition};
use duikou_storage::Store;
use duikou_storage::StoreConfig;
use sea_orm::{ConnectionTrait, Statement};

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

/// Invalidate every cache with a write the incremental path cannot interpret, so the
/// next assessment loads everything.
async fn tick(store: &Store) {
    store
        .audit_event(duikou_storage::audit::AuditEvent::new(
            "bench",
            "bench.tick",
            "bench",
            0,
        ))
        .await
        .unwrap();
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
    let row = store
        .db
        .query_one_raw(Statement::from_string(
            store.backend(),
            "SELECT MAX(id) AS id FROM record WHERE status = 'approved' AND kind = 'person'",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "id").unwrap()
}

fn profile(rt: &tokio::runtime::Runtime, store: &Store, plan: &Plan, opts: &AssessOptions) {
    let Ok(what) = std::env::var("DUIKOU_BENCH_PROFILE") else {
        return;
    };
    let secs: u64 = std::env::var("DUIKOU_BENCH_PROFILE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let end = Instant::now() + Duration::from_secs(secs);
    let records = rt.block_on(engine_records(store, plan, false)).unwrap();
    let id = rt.block_on(approved_record(store));
    let mut n = 0usize;
    while Instant::now() < end {
        match what.as_str() {
            "engine" => {
                assess(plan, &records, opts);
            }
            "load" => {
                rt.block_on(duikou_reports::common::engine_records(store, plan, false))
                    .unwrap();
            }
            "cold" => rt.block_on(async {
                tick(store).await;
                compute(store, plan, opts).await.unwrap();
            }),
            "incremental" => rt.block_on(async {
                one_write(store, id, n).await;
                compute(store, plan, opts).await.unwrap();
            }),
            other => panic!("DUIKOU_BENCH_PROFILE={other}: engine, load, cold or incremental"),
        }
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
    let store = rt.block_on(async {
        let pg = std::env::var("DUIKOU_BENCH_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty());
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
        let t = Instant::now();
        let n = duikou::cli::load_demo(&s, &plan, &key, scale, 2018)
            .await
            .unwrap();
        eprintln!(
            "loaded {n} demo records at scale {scale} in {:.1?}",
            t.elapsed()
        );
        if pg.is_some() {
            // Statistics as autovacuum would have them a moment after the load (right
            // after a bulk load the planner guesses a handful of rows).
            s.db.execute_unprepared("ANALYZE").await.unwrap();
        }
        s
    });
    let opts = AssessOptions {
        year: 2019,
        as_of: time::macros::date!(2019 - 12 - 31),
        include_submitted: false,
    };
    profile(&rt, &store, &plan, &opts);

    // Baseline: one SQL pass reading every approved row's data (no parsing, no rules).
    let baseline = time(5, || {
        rt.block_on(async {
            let row = store
                .db
                .query_one_raw(Statement::from_string(store.backend(), "SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS bytes FROM record WHERE status = 'approved'"))
                .await
                .unwrap()
                .unwrap();
            let _: i64 = row.try_get("", "n").unwrap();
        })
    });
    // Cold: load rows (SQL + JSON decode) and evaluate every indicator, every scope.
    let mut cold_runs = Vec::new();
    for _ in 0..5 {
        // The record set a cold run replaces is freed on a background thread: let that
        // finish first, as at a real cold start.
        std::thread::sleep(Duration::from_millis(200 + 50 * u64::from(scale)));
        rt.block_on(async {
            // A write the cache cannot apply: measure the full path.
            tick(&store).await;
            let t = Instant::now();
            let a = compute(&store, &plan, &opts).await.unwrap();
            cold_runs.push(t.elapsed());
            assert!(!a.results.is_empty());
        })
    }
    let cold = median(cold_runs);
    // The load alone (SQL + decode into engine records), no cache involved.
    let load = time(5, || {
        rt.block_on(async {
            let r = duikou_reports::common::engine_records(&store, &plan, false)
                .await
                .unwrap();
            assert!(!r.is_empty());
            r
        })
    });
    // Incremental: one record changes status, then the assessment (the cached records
    // take in only that record; the engine evaluates again).
    let id = rt.block_on(approved_record(&store));
    let mut inc_runs = Vec::new();
    for step in 0..9 {
        rt.block_on(async {
            one_write(&store, id, step).await;
            let t = Instant::now();
            let a = compute(&store, &plan, &opts).await.unwrap();
            inc_runs.push(t.elapsed());
            assert!(!a.results.is_empty());
        })
    }
    let incremental = median(inc_runs);
    // The record is approved again: the figures equal a fresh full computation.
    let records = rt.block_on(engine_records(&store, &plan, false)).unwrap();
    assert_eq!(
        records.iter().find(|r| r.id == id).map(|r| r.status),
        Some(Status::Approved)
    );
    let fresh = rt
        .block_on(duikou_reports::common::engine_records(&store, &plan, false))
        .unwrap();
    assert!(
        *records == fresh,
        "incremental records differ from a full load"
    );
    let engine_only = time(11, || {
        let a = assess(&plan, &records, &opts);
        assert!(!a.results.is_empty());
    });
    // The engine's two halves: classify (every record's contributions; once they are
    // stored, done once per record change) and fold (per assessment; once they are
    // stored, one aggregate query and `finish`).
    let classifier = Classifier::new(&plan);
    let classify_all = || {
        let mut rows = Vec::new();
        for r in records.iter() {
            classifier.classify_into(r, &mut rows);
        }
        rows
    };
    let classify_only = time(11, classify_all);
    let contributions = classify_all();
    let fold_only = time(11, || fold(&plan, &opts, &contributions));
    assert!(fold(&plan, &opts, &contributions) == assess(&plan, &records, &opts));
    // Warm: records and figures cached between writes (what pages and the API see).
    let warm = time(11, || {
        rt.block_on(async {
            compute(&store, &plan, &opts).await.unwrap();
        })
    });
    println!(
        "scale {scale} ({:?}): {} records, {} units, {} pairings",
        store.backend(),
        records.len(),
        plan.units.len(),
        plan.pairings.len()
    );
    let line = |label: &str, d: Duration| {
        println!(
            "  {label:<44}{d:>10.2?}  ({:.2}× baseline)",
            d.as_secs_f64() / baseline.as_secs_f64()
        )
    };
    println!(
        "  {:<44}{baseline:>10.2?}",
        "baseline: SQL scan of approved rows"
    );
    line("full assessment, cold (load + evaluate)", cold);
    line("  load alone (SQL + decode)", load);
    line("  engine alone (pure evaluation)", engine_only);
    line("    classify every record", classify_only);
    line("    fold the contributions", fold_only);
    line("after one record write (incremental)", incremental);
    line("warm (nothing written since)", warm);
}
