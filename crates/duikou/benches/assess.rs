//! `cargo bench -p duikou --bench assess [-- SCALE]`: the full assessment of one year
//! against a baseline measured in the same run on the same SQLite file: one plain SQL
//! pass over the same rows (what reading the data costs at the least).
//!
//! With DUIKOU_BENCH_POSTGRES_URL set (an empty database it may wipe: the public schema
//! is dropped and created again), the same on PostgreSQL. `bench/duckdb_baseline.py`
//! is the external baseline (the same aggregations as SQL in DuckDB).

use std::time::{Duration, Instant};

use duikou::assess_view::{compute, engine_records};
use duikou_domain::engine::{AssessOptions, assess};
use duikou_storage::{Store, StoreConfig};
use sea_orm::{ConnectionTrait, Statement};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let scale: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plan = duikou_domain::plan::Plan::bundled();
    let key = duikou_domain::crypto::SecretKey::generate();
    let store = rt.block_on(async {
        let pg = std::env::var("DUIKOU_BENCH_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty());
        let url = pg
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("b.db").display()));
        let mut cfg = StoreConfig::new(url);
        cfg.create_if_missing = true;
        let s = Store::open(&cfg).await.unwrap();
        if pg.is_some() {
            for sql in ["DROP SCHEMA public CASCADE", "CREATE SCHEMA public"] {
                s.db.execute_unprepared(sql).await.unwrap();
            }
        }
        s.migrate().await.unwrap();
        s.load_plan(&plan, duikou_domain::plan::BUNDLED_PLAN, "bench")
            .await
            .unwrap();
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
    let opts = AssessOptions {
        year: 2019,
        as_of: time::macros::date!(2019 - 12 - 31),
        include_submitted: false,
    };

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
    // Cold: load rows (SQL + JSON parse) and evaluate every indicator, every scope.
    let cold = time(5, || {
        rt.block_on(async {
            // A write invalidates the cache: measure the full path.
            store
                .audit_event(duikou_storage::audit::AuditEvent::new(
                    "bench",
                    "bench.tick",
                    "bench",
                    0,
                ))
                .await
                .unwrap();
            let a = compute(&store, &plan, &opts).await.unwrap();
            assert!(!a.results.is_empty());
        })
    });
    // Warm: records cached between writes (what pages and the API see).
    let records = rt.block_on(engine_records(&store, &plan, false)).unwrap();
    let engine_only = time(11, || {
        let a = assess(&plan, &records, &opts);
        assert!(!a.results.is_empty());
    });
    let warm = time(11, || {
        rt.block_on(async {
            compute(&store, &plan, &opts).await.unwrap();
        })
    });
    println!(
        "scale {scale} ({:?}): {} records",
        store.backend(),
        records.len()
    );
    println!(
        "  baseline: SQL scan of approved rows       {:>10.2?}",
        baseline
    );
    println!(
        "  full assessment, cold (load + evaluate)   {:>10.2?}  ({:.1}× baseline)",
        cold,
        cold.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "  full assessment, warm (cached records)    {:>10.2?}  ({:.1}× baseline)",
        warm,
        warm.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "  engine alone (pure evaluation)            {:>10.2?}  ({:.1}× baseline)",
        engine_only,
        engine_only.as_secs_f64() / baseline.as_secs_f64()
    );
}
