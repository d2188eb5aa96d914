//! `cargo bench -p duikou --bench import -- KIND FILE...` (see `bench/import.sh`, which
//! writes the files): importing each file with validation, ID encryption and audit —
//! `duikou import KIND FILE` in this process, CSV or .xlsx — against the raw limit of
//! the same database measured in the same run: the very rows that import wrote, read
//! back and inserted again with one prepared INSERT in one transaction into a fresh
//! database of the same schema (no parsing, no validation, no audit).
//!
//! Set DUIKOU_BENCH_POSTGRES_URL to an empty database to do the same on PostgreSQL.

use std::time::Instant;

use clap::Parser;
use duikou_storage::{Store, StoreConfig};
use sea_orm::sqlx::{self, Row};

const COLS: &str = "kind, status, reporting_unit, county, plan_year, event_date, data, notes, id_cipher, id_blind, id_masked, natural_key, \
                    reject_reason, version, import_batch_id, evidence_count, created_by, created_at, updated_by, updated_at";

type RawRow = (
    String,
    String,
    String,
    Option<String>,
    i32,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i32,
    Option<i64>,
    i32,
    String,
    String,
    String,
    String,
);

fn run_cli(args: &[&str], rt: &tokio::runtime::Runtime) {
    let cli = duikou::cli::Cli::parse_from(std::iter::once("duikou").chain(args.iter().copied()));
    rt.block_on(duikou::cli::run(cli, duikou::web::start))
        .unwrap_or_else(|e| panic!("duikou {args:?}: {e}"));
}

fn read_rows(pool: &sqlx::SqlitePool, rt: &tokio::runtime::Runtime) -> Vec<RawRow> {
    rt.block_on(async {
        let sql = format!("SELECT {COLS} FROM record ORDER BY id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                    r.get(8),
                    r.get(9),
                    r.get(10),
                    r.get(11),
                    r.get(12),
                    r.get(13),
                    None,
                    r.get(15),
                    r.get(16),
                    r.get(17),
                    r.get(18),
                    r.get(19),
                )
            })
            .collect()
    })
}

macro_rules! bind_all {
    ($q:expr, $r:expr) => {
        $q.bind(&$r.0)
            .bind(&$r.1)
            .bind(&$r.2)
            .bind(&$r.3)
            .bind($r.4)
            .bind(&$r.5)
            .bind(&$r.6)
            .bind(&$r.7)
            .bind(&$r.8)
            .bind(&$r.9)
            .bind(&$r.10)
            .bind(&$r.11)
            .bind(&$r.12)
            .bind($r.13)
            .bind($r.14)
            .bind($r.15)
            .bind(&$r.16)
            .bind(&$r.17)
            .bind(&$r.18)
            .bind(&$r.19)
    };
}

/// The raw limit: one prepared statement, executed once per row, one transaction.
fn raw_insert(store: &Store, rows: &[RawRow], rt: &tokio::runtime::Runtime) -> f64 {
    let t = Instant::now();
    rt.block_on(async {
        match store.backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                let pool = store.db.get_sqlite_connection_pool();
                let mut tx = pool.begin().await.unwrap();
                let sql: std::sync::Arc<str> = format!("INSERT INTO record ({COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)").into();
                for r in rows {
                    bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), r).execute(&mut *tx).await.unwrap();
                }
                tx.commit().await.unwrap();
            }
            _ => {
                let pool = store.db.get_postgres_connection_pool();
                let mut tx = pool.begin().await.unwrap();
                let sql: std::sync::Arc<str> = format!(
                    "INSERT INTO record ({COLS}) VALUES ($1,$2,$3,$4,$5,$6::date,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)"
                )
                .into();
                for r in rows {
                    bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), r).execute(&mut *tx).await.unwrap();
                }
                tx.commit().await.unwrap();
            }
        }
    });
    t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (kind, files) = args.split_first().expect("usage: import KIND FILE...");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let pg = std::env::var("DUIKOU_BENCH_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty());
    println!(
        "| file | backend | rows | import (s) | import rows/s | raw (s) | raw rows/s | import / raw |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for file in files {
        let backends: Vec<Option<&str>> = std::iter::once(None)
            .chain(pg.as_deref().map(Some))
            .collect();
        for db in backends {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().join("data");
            let data = data.to_str().unwrap();
            let mut base: Vec<&str> = vec!["--data-dir", data];
            if let Some(url) = db {
                base.extend(["--db", url]);
                reset_postgres(url, &rt);
            }
            run_cli(&[&base[..], &["init"]].concat(), &rt);
            let t = Instant::now();
            run_cli(&[&base[..], &["import", kind, file]].concat(), &rt);
            let import_s = t.elapsed().as_secs_f64();
            // The same rows, written again raw into an empty table of the same schema.
            let target = rt.block_on(async {
                let url = db
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("sqlite://{data}/duikou.db"));
                Store::open(&StoreConfig::new(url)).await.unwrap()
            });
            let rows = match target.backend() {
                sea_orm::DatabaseBackend::Sqlite => {
                    read_rows(target.db.get_sqlite_connection_pool(), &rt)
                }
                _ => read_rows_pg(target.db.get_postgres_connection_pool(), &rt),
            };
            let target = rt.block_on(async {
                if db.is_some() {
                    sqlx::query("TRUNCATE record CASCADE")
                        .execute(target.db.get_postgres_connection_pool())
                        .await
                        .unwrap();
                    target
                } else {
                    let mut cfg = StoreConfig::new(format!(
                        "sqlite://{}",
                        dir.path().join("raw.db").display()
                    ));
                    cfg.create_if_missing = true;
                    let s = Store::open(&cfg).await.unwrap();
                    s.migrate().await.unwrap();
                    s
                }
            });
            let raw = raw_insert(&target, &rows, &rt);
            let n = rows.len() as f64;
            let name = std::path::Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            println!(
                "| {name} | {} | {} | {import_s:.2} | {:.0} | {raw:.2} | {:.0} | {:.2} |",
                if db.is_some() { "postgres" } else { "sqlite" },
                rows.len(),
                n / import_s,
                n / raw,
                raw / import_s
            );
        }
    }
}

/// An empty database: the public schema dropped and created again.
fn reset_postgres(url: &str, rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let s = Store::open(&StoreConfig::new(url.to_string()))
            .await
            .unwrap();
        let pool = s.db.get_postgres_connection_pool();
        sqlx::query("DROP SCHEMA public CASCADE")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("CREATE SCHEMA public")
            .execute(pool)
            .await
            .unwrap();
    });
}

fn read_rows_pg(pool: &sqlx::PgPool, rt: &tokio::runtime::Runtime) -> Vec<RawRow> {
    rt.block_on(async {
        let sql = String::from("SELECT kind, status, reporting_unit, county, plan_year, event_date::text, data, notes, id_cipher, id_blind, id_masked, natural_key, reject_reason, version, import_batch_id, evidence_count, created_by, created_at, updated_by, updated_at FROM record ORDER BY id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                    r.get(8),
                    r.get(9),
                    r.get(10),
                    r.get(11),
                    r.get(12),
                    r.get(13),
                    None,
                    r.get(15),
                    r.get(16),
                    r.get(17),
                    r.get(18),
                    r.get(19),
                )
            })
            .collect()
    })
}
