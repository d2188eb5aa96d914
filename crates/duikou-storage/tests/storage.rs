//! The storage layer on SQLite, and on PostgreSQL (each test in its own fresh database,
//! dropped at the end). The PostgreSQL halves are ignored by a plain `cargo test`;
//! `.ci/run` runs them with `--include-ignored` and DUIKOU_TEST_POSTGRES_URL.

use duikou_domain::plan::bundled_kind;
use duikou_domain::schema::BuiltinKind;
use std::collections::BTreeMap;

use duikou_domain::crypto::SecretKey;
use duikou_domain::id_number::make_valid;
use duikou_domain::plan::{BUNDLED_PLAN, Plan};
use duikou_domain::record::{FieldInput, Status, Transition, ValidationContext, Value, validate};
use duikou_domain::roles::Role;
use duikou_domain::schema::RecordKind;
use duikou_storage::audit::{ChainProblem, verify};
use duikou_storage::records::{ImportFile, NewRecord, ProtectedId, RecordError, RecordQuery};
use duikou_storage::users::LoginOutcome;
use duikou_storage::{Store, StoreConfig};
use sea_orm::ConnectionTrait;

struct Backend {
    store: Store,
    _dir: Option<tempfile::TempDir>,
    /// (server URL, database name) of a scratch PostgreSQL database, dropped with this.
    scratch: Option<(String, String)>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let Some((base, name)) = self.scratch.take() else {
            return;
        };
        // Inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let admin = sea_orm::Database::connect(&base).await.ok()?;
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                admin.close().await.ok()
            })
        })
        .join();
    }
}

/// A fresh PostgreSQL database: (its URL, (server URL, name)). Without
/// DUIKOU_TEST_POSTGRES_URL the test fails: it was asked for, so skipping would hide it.
async fn scratch_postgres(prefix: &str) -> (String, (String, String)) {
    let base = std::env::var("DUIKOU_TEST_POSTGRES_URL")
        .expect("this test needs PostgreSQL: set DUIKOU_TEST_POSTGRES_URL");
    let url = duikou_storage::create_scratch_postgres_database(&base, prefix)
        .await
        .expect("PostgreSQL reachable at DUIKOU_TEST_POSTGRES_URL");
    let name = url.rsplit('/').next().unwrap().to_string();
    (url, (base, name))
}

async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = StoreConfig::new(format!("sqlite://{}", dir.path().join("t.db").display()));
    cfg.create_if_missing = true;
    let store = Store::open(&cfg).await.unwrap();
    store.migrate().await.unwrap();
    store
        .load_plan(&Plan::bundled(), BUNDLED_PLAN, "test")
        .await
        .unwrap();
    Backend {
        store,
        _dir: Some(dir),
        scratch: None,
    }
}

async fn postgres() -> Backend {
    let (url, scratch) = scratch_postgres("duikou_storage").await;
    let mut cfg = StoreConfig::new(url);
    cfg.create_if_missing = true;
    let store = Store::open(&cfg).await.unwrap();
    store.migrate().await.unwrap();
    store
        .load_plan(&Plan::bundled(), BUNDLED_PLAN, "test")
        .await
        .unwrap();
    Backend {
        store,
        _dir: None,
        scratch: Some(scratch),
    }
}

/// Run a check on SQLite and (ignored unless asked for) on PostgreSQL.
macro_rules! on_each_backend {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let b = super::sqlite().await;
                ($body)(b.store.clone()).await;
            }
            #[tokio::test]
            #[ignore = "PostgreSQL: run with --include-ignored and DUIKOU_TEST_POSTGRES_URL (.ci/run does)"]
            async fn postgres() {
                let b = super::postgres().await;
                ($body)(b.store.clone()).await;
            }
        }
    };
}

fn key() -> SecretKey {
    SecretKey::from_bytes(&[9u8; 32]).unwrap()
}

fn inputs(pairs: &[(&str, &str)]) -> BTreeMap<String, FieldInput> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), FieldInput::new(*v)))
        .collect()
}

fn new_record(kind: RecordKind, pairs: &[(&str, &str)]) -> NewRecord {
    let plan = Plan::bundled();
    let valid = validate(
        kind,
        &inputs(pairs),
        &ValidationContext {
            plan: &plan,
            default_unit: Some("市经协办"),
        },
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let id = valid.id_number.as_ref().map(|i| {
        let k = key();
        ProtectedId {
            cipher: k.encrypt(i.as_str()),
            blind: k.blind_index(i.as_str()),
            masked: i.masked(),
        }
    });
    let natural_key =
        duikou_domain::record::natural_key(&valid, id.as_ref().map(|p| p.blind.as_str()));
    let mut valid = valid;
    valid.id_number = None;
    NewRecord {
        valid,
        id,
        natural_key,
        county: None,
    }
}

fn transfer(voucher: &str) -> NewRecord {
    new_record(
        bundled_kind(BuiltinKind::Transfer),
        &[
            ("source", "镇街财政"),
            ("payer", "清溪镇"),
            ("payee", "镇雄县"),
            ("amount", "1,000,000.50"),
            ("budget_year", "2019"),
            ("sent_on", "2019-02-01"),
            ("voucher_no", voucher),
        ],
    )
}

/// One valid record of every kind.
fn one_of_each() -> Vec<NewRecord> {
    let id = make_valid("530627", time::macros::date!(1990 - 05 - 17), 123);
    vec![
        transfer("QX-1"),
        new_record(
            bundled_kind(BuiltinKind::Project),
            &[
                ("name", "校舍"),
                ("county", "镇雄县"),
                ("category", "校舍"),
                ("aid_amount", "200万元"),
                ("disbursed", "150000"),
                ("started_on", "2019-04-01"),
            ],
        ),
        new_record(
            bundled_kind(BuiltinKind::Activity),
            &[
                ("kind", "招商推介会"),
                ("title", "招商会"),
                ("held_on", "2019年5月6日"),
                ("organizers", "市经信局、清溪镇"),
                ("participants", "120"),
                ("plan_item", "1.2"),
            ],
        ),
        new_record(
            bundled_kind(BuiltinKind::Secondment),
            &[
                ("name", "张老师"),
                ("category", "教师"),
                ("direction", "东莞→昭通"),
                ("from_unit", "清溪镇"),
                ("to_unit", "镇雄县"),
                ("start_on", "2019-03-01"),
                ("end_on", "2020-02-29"),
            ],
        ),
        new_record(
            bundled_kind(BuiltinKind::Person),
            &[
                ("programme", "劳务就业"),
                ("name", "李四"),
                ("id_number", id.as_str()),
                ("registered_poor", "是"),
                ("started_on", "2019-06-01"),
            ],
        ),
        new_record(
            bundled_kind(BuiltinKind::Pairing),
            &[
                ("kind", "村村结对"),
                ("east_party", "清溪村"),
                ("east_town", "清溪镇"),
                ("west_party", "某村"),
                ("west_county", "镇雄县"),
                ("deep_poverty", "Y"),
                ("signed_on", "2019/3/5"),
            ],
        ),
        new_record(
            bundled_kind(BuiltinKind::Facility),
            &[
                ("kind", "劳务工作站"),
                ("name", "驻莞工作站"),
                ("county", "东莞市"),
                ("established_on", "2018-10-01"),
            ],
        ),
        new_record(
            bundled_kind(BuiltinKind::Purchase),
            &[
                ("buyer", "某公司"),
                ("origin_county", "昭阳区"),
                ("product", "苹果"),
                ("amount", "12345.67"),
                ("bought_on", "2019-09-09"),
            ],
        ),
        new_record(
            bundled_kind(BuiltinKind::Donation),
            &[
                ("donor", "某企业"),
                ("donor_type", "企业"),
                ("amount", "500000"),
                ("county", "巧家县"),
                ("donated_on", "2019-12-01"),
            ],
        ),
    ]
}

on_each_backend!(every_kind_round_trips, |store: Store| async move {
    for n in one_of_each() {
        let stored = store
            .create_record(&n, Status::Draft, "tester")
            .await
            .unwrap();
        let back = store.get_record(stored.id).await.unwrap().unwrap();
        assert_eq!(back.kind, n.valid.kind);
        assert_eq!(back.status, Status::Draft);
        assert_eq!(back.plan_year, n.valid.plan_year);
        let expected: BTreeMap<String, Value> = n
            .valid
            .fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        assert_eq!(back.fields, expected, "{:?}", n.valid.kind);
        assert_eq!(back.version, 1);
    }
    let t = store
        .list_records(&RecordQuery {
            kind: Some(bundled_kind(BuiltinKind::Transfer)),
            per_page: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(t.1, 1);
    assert_eq!(
        t.0[0].fields["amount"],
        Value::Money(duikou_domain::money::Fen::new(100_000_050))
    );
    let p = store
        .list_records(&RecordQuery {
            kind: Some(bundled_kind(BuiltinKind::Project)),
            per_page: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        p.0[0].fields["aid_amount"],
        Value::Money(duikou_domain::money::Fen::new(200_000_000)),
        "万元 column is exact"
    );
    let person = store
        .list_records(&RecordQuery {
            kind: Some(bundled_kind(BuiltinKind::Person)),
            per_page: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .0
        .remove(0);
    assert!(
        person
            .id_masked
            .as_deref()
            .unwrap()
            .starts_with("530627********")
    );
    assert_eq!(
        person.fields.get("hukou_county"),
        Some(&Value::Unit("镇雄县".into())),
        "county derived from the ID"
    );
    assert!(verify(&store.db).await.unwrap().problem.is_none());
});

on_each_backend!(review_workflow_and_locking, |store: Store| async move {
    let r = store
        .create_record(&transfer("QX-2"), Status::Draft, "qx")
        .await
        .unwrap();
    // Approve straight from draft is refused.
    assert!(matches!(
        store
            .transition_record(r.id, Transition::Approve, None, None, "coord")
            .await,
        Err(RecordError::Conflict { .. })
    ));
    let r = store
        .transition_record(r.id, Transition::Submit, None, Some(1), "qx")
        .await
        .unwrap();
    assert_eq!((r.status, r.version), (Status::Submitted, 2));
    // A stale version is refused: no lost update.
    assert!(matches!(
        store
            .transition_record(r.id, Transition::Approve, None, Some(1), "coord")
            .await,
        Err(RecordError::Conflict { .. })
    ));
    let r = store
        .transition_record(r.id, Transition::Approve, None, Some(2), "coord")
        .await
        .unwrap();
    assert_eq!(r.status, Status::Approved);
    // Approved records are read-only and cannot be deleted.
    assert!(matches!(
        store
            .update_record(r.id, None, &transfer("QX-2"), "qx")
            .await,
        Err(RecordError::Conflict { .. })
    ));
    assert!(matches!(
        store.delete_record(r.id, "qx").await,
        Err(RecordError::Conflict { .. })
    ));
    // Confirm receipt.
    let r = store
        .confirm_receipt(
            r.id,
            time::macros::date!(2019 - 03 - 20),
            time::macros::date!(2019 - 03 - 20),
            "zx",
        )
        .await
        .unwrap();
    assert_eq!(
        r.fields.get("received_on"),
        Some(&Value::Date(time::macros::date!(2019 - 03 - 20)))
    );
    assert!(matches!(
        store
            .confirm_receipt(
                r.id,
                time::macros::date!(2019 - 03 - 21),
                time::macros::date!(2019 - 03 - 21),
                "zx"
            )
            .await,
        Err(RecordError::Conflict { .. })
    ));
    // Reopen goes back to draft; then it may change again.
    let r = store
        .transition_record(r.id, Transition::Reopen, Some("金额有误"), None, "coord")
        .await
        .unwrap();
    assert_eq!(r.status, Status::Draft);
    let r = store
        .update_record(r.id, Some(r.version), &transfer("QX-2"), "qx")
        .await
        .unwrap();
    assert_eq!(r.status, Status::Draft);
    // Reject keeps the reason.
    let r = store
        .transition_record(r.id, Transition::Submit, None, None, "qx")
        .await
        .unwrap();
    let r = store
        .transition_record(r.id, Transition::Reject, Some("缺凭证"), None, "coord")
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.reject_reason.as_deref()),
        (Status::Rejected, Some("缺凭证"))
    );
    let history = store.history("transfer", &r.id.to_string()).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "record.create",
            "record.submit",
            "record.approve",
            "record.confirm",
            "record.reopen",
            "record.update",
            "record.submit",
            "record.reject"
        ]
    );
    assert!(verify(&store.db).await.unwrap().problem.is_none());
});

on_each_backend!(
    import_is_all_or_nothing_and_idempotent,
    |store: Store| async move {
        let rows = vec![transfer("A-1"), transfer("A-2")];
        let file = ImportFile {
            kind: bundled_kind(BuiltinKind::Transfer),
            file_name: "a.csv",
            sha256: "aa",
        };
        let o = store
            .import_records(&file, &rows, Status::Approved, "cli", |_| {})
            .await
            .unwrap();
        assert_eq!((o.inserted, o.skipped_existing), (2, 0));
        // The same file again is refused as already imported.
        assert!(matches!(
            store
                .import_records(&file, &rows, Status::Approved, "cli", |_| {})
                .await,
            Err(RecordError::AlreadyImported { .. })
        ));
        // Another file with an overlapping row: the existing row is not duplicated.
        let rows2 = vec![transfer("A-2"), transfer("A-3")];
        let o = store
            .import_records(
                &ImportFile {
                    kind: bundled_kind(BuiltinKind::Transfer),
                    file_name: "b.csv",
                    sha256: "bb",
                },
                &rows2,
                Status::Approved,
                "cli",
                |_| {},
            )
            .await
            .unwrap();
        assert_eq!((o.inserted, o.skipped_existing), (1, 1));
        assert_eq!(store.count_records().await.unwrap(), 3);
        assert!(verify(&store.db).await.unwrap().problem.is_none());
    }
);

on_each_backend!(audit_chain_detects_tampering, |store: Store| async move {
    for v in ["T-1", "T-2", "T-3"] {
        store
            .create_record(&transfer(v), Status::Draft, "qx")
            .await
            .unwrap();
    }
    let report = verify(&store.db).await.unwrap();
    assert!(report.problem.is_none());
    let n = report.entries as i64;
    // Alter an entry's content.
    store
        .db
        .execute_unprepared("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
        .await
        .unwrap();
    assert_eq!(
        verify(&store.db).await.unwrap().problem,
        Some(ChainProblem::Altered { seq: 3 })
    );
    store
        .db
        .execute_unprepared("UPDATE audit_log SET actor = 'qx' WHERE seq = 3")
        .await
        .unwrap();
    assert!(verify(&store.db).await.unwrap().problem.is_none());
    // Remove an entry in the middle.
    store
        .db
        .execute_unprepared("DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    assert_eq!(
        verify(&store.db).await.unwrap().problem,
        Some(ChainProblem::Missing {
            expected: 2,
            found: 3
        })
    );
    // Remove entries at the end: the head still remembers how long the chain was.
    store
        .db
        .execute_unprepared(&format!(
            "DELETE FROM audit_log WHERE seq >= 2 AND seq <= {n}"
        ))
        .await
        .unwrap();
    assert_eq!(
        verify(&store.db).await.unwrap().problem,
        Some(ChainProblem::Truncated {
            head_seq: n,
            last_seq: 1
        })
    );
});

on_each_backend!(users_sessions_and_lockout, |store: Store| async move {
    let u = store
        .create_user(
            "张三",
            Role::Reporter,
            Some("清溪镇"),
            "initial-password",
            "admin",
        )
        .await
        .unwrap();
    assert!(u.must_change_password);
    assert_eq!(
        store.check_login("张三", "initial-password").await.unwrap(),
        LoginOutcome::Ok(u.id)
    );
    assert_eq!(
        store.check_login("张三", "wrong").await.unwrap(),
        LoginOutcome::Invalid
    );
    assert_eq!(
        store.check_login("nobody", "wrong").await.unwrap(),
        LoginOutcome::Invalid
    );
    for _ in 0..5 {
        store.check_login("张三", "wrong").await.unwrap();
    }
    assert!(
        matches!(store.check_login("张三", "initial-password").await.unwrap(), LoginOutcome::Locked { seconds } if seconds > 0)
    );
    let s = store
        .create_session(u.id, time::Duration::hours(1))
        .await
        .unwrap();
    let (who, csrf) = store.session_user(&s.token).await.unwrap().unwrap();
    assert_eq!(
        (who.username.as_str(), csrf),
        ("张三", s.csrf_token.clone())
    );
    // A password change ends every session.
    store
        .set_password(u.id, "a-new-password", false, "张三")
        .await
        .unwrap();
    assert!(store.session_user(&s.token).await.unwrap().is_none());
    assert_eq!(
        store.check_login("张三", "a-new-password").await.unwrap(),
        LoginOutcome::Ok(u.id)
    );
    // Expired sessions are refused.
    let s = store
        .create_session(u.id, time::Duration::seconds(-1))
        .await
        .unwrap();
    assert!(store.session_user(&s.token).await.unwrap().is_none());
    // The password is stored as an argon2id hash.
    let row = store
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            store.db.get_database_backend(),
            "SELECT password_hash FROM app_user",
        ))
        .await
        .unwrap()
        .unwrap();
    let hash: String = row.try_get("", "password_hash").unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
});

on_each_backend!(plan_is_stored_and_read_back, |store: Store| async move {
    let plan = store.plan().await.unwrap().unwrap();
    assert_eq!(plan.indicators.len(), 55);
    let units = store
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            store.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM unit",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        units.try_get::<i64>("", "n").unwrap(),
        plan.units.len() as i64
    );
    let pairs = store
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            store.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM county_pairing",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pairs.try_get::<i64>("", "n").unwrap(), 22);
});

#[tokio::test]
async fn a_mistyped_sqlite_path_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    let cfg = StoreConfig::new(format!("sqlite://{}", path.display()));
    assert!(matches!(
        Store::open(&cfg).await,
        Err(duikou_storage::StoreError::Missing(_))
    ));
    assert!(!path.exists());
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let b = sqlite().await;
    let row = b
        .store
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "PRAGMA journal_mode",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "journal_mode").unwrap(), "wal");
    let row = b
        .store
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "PRAGMA foreign_keys",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i32>("", "foreign_keys").unwrap(), 1);
}

async fn dump_all(store: &Store) -> Vec<(String, serde_json::Value)> {
    let mut rows = Vec::new();
    store
        .dump(|t, v| {
            rows.push((t.to_string(), v));
            Ok(())
        })
        .await
        .unwrap();
    rows
}

on_each_backend!(
    backup_restores_into_an_empty_database,
    |store: Store| async move {
        for n in one_of_each() {
            let r = store.create_record(&n, Status::Draft, "qx").await.unwrap();
            store
                .transition_record(r.id, Transition::Submit, None, None, "qx")
                .await
                .unwrap();
        }
        store
            .create_user("审计", Role::Auditor, None, "pw-long-enough", "admin")
            .await
            .unwrap();
        let rows = dump_all(&store).await;
        // Restore into a fresh database of the same kind.
        let target = match store.backend() {
            sea_orm::DatabaseBackend::Postgres => super::postgres_empty().await,
            _ => super::sqlite_empty().await,
        };
        {
            let t = target;
            t.store
                .restore(|table| {
                    Ok(rows
                        .iter()
                        .filter(|(n, _)| n == table)
                        .map(|(_, v)| v.clone())
                        .collect())
                })
                .await
                .unwrap();
            assert_eq!(dump_all(&t.store).await, rows, "identical after restore");
            assert!(verify(&t.store.db).await.unwrap().problem.is_none());
            // New rows continue after the restored ids.
            let r = t
                .store
                .create_record(&transfer("AFTER-RESTORE"), Status::Draft, "qx")
                .await
                .unwrap();
            assert!(r.id.0 > 9);
            assert!(verify(&t.store.db).await.unwrap().problem.is_none());
            // A database with data is not a restore target.
            assert!(t.store.restore(|_| Ok(Vec::new())).await.is_err());
        }
    }
);

async fn sqlite_empty() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = StoreConfig::new(format!("sqlite://{}", dir.path().join("r.db").display()));
    cfg.create_if_missing = true;
    Backend {
        store: Store::open(&cfg).await.unwrap(),
        _dir: Some(dir),
        scratch: None,
    }
}

async fn postgres_empty() -> Backend {
    let (url, scratch) = scratch_postgres("duikou_restore").await;
    let mut cfg = StoreConfig::new(url);
    cfg.create_if_missing = true;
    Backend {
        store: Store::open(&cfg).await.unwrap(),
        _dir: None,
        scratch: Some(scratch),
    }
}

// Many writers at once: no lost update, no deadlock, no "database is locked".
on_each_backend!(concurrent_writers_lose_nothing, |store: Store| async move {
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            store
                .create_record(&transfer(&format!("C-{i}")), Status::Draft, "qx")
                .await
                .unwrap()
                .id,
        );
    }
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().copied().enumerate() {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.transition_record(id, Transition::Submit, None, Some(1), "qx")
                .await
                .unwrap();
            // Two reviewers race on the same version: exactly one wins.
            let a = s.transition_record(id, Transition::Approve, None, Some(2), "c1");
            let b = s.transition_record(id, Transition::Reject, Some("x"), Some(2), "c2");
            let (a, b) = tokio::join!(a, b);
            assert!(
                a.is_ok() ^ b.is_ok(),
                "record {id} (task {i}): exactly one reviewer wins"
            );
            for e in [a.err(), b.err()].into_iter().flatten() {
                assert!(matches!(e, RecordError::Conflict { .. }), "{e}");
            }
        }));
    }
    // Creates at the same time.
    for i in 0..40 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.create_record(&transfer(&format!("N-{i}")), Status::Draft, "hj")
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store.count_records().await.unwrap(), 80);
    let report = verify(&store.db).await.unwrap();
    assert!(report.problem.is_none(), "{:?}", report.problem);
    // 40 creates + 40 submits + 40 winning reviews + 40 creates.
    assert_eq!(report.entries, 1 + 160);
});

// Parallel wrong passwords: every attempt is counted before its password is checked,
// so a burst of guesses gets at most FREE_ATTEMPTS checks and the rest find the
// account locked (counting after the check let a burst read the same count and try
// all its guesses).
on_each_backend!(
    parallel_guesses_are_each_counted,
    |store: Store| async move {
        store
            .create_user("猜测目标", Role::Viewer, None, "the-right-password", "test")
            .await
            .unwrap();
        let tries: Vec<_> = (0..24)
            .map(|i| {
                let s = store.clone();
                tokio::spawn(async move {
                    s.check_login("猜测目标", &format!("guess-{i}"))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for t in tries {
            outcomes.push(t.await.unwrap());
        }
        let checked = outcomes
            .iter()
            .filter(|o| **o == LoginOutcome::Invalid)
            .count();
        assert!(
            checked <= duikou_storage::users::FREE_ATTEMPTS as usize,
            "{checked} of 24 parallel guesses were checked: {outcomes:?}"
        );
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, LoginOutcome::Invalid | LoginOutcome::Locked { .. }))
        );
        assert!(matches!(
            store
                .check_login("猜测目标", "the-right-password")
                .await
                .unwrap(),
            LoginOutcome::Locked { .. }
        ));
        // Unknown names lock the same way, so the lock does not tell who exists.
        for _ in 0..duikou_storage::users::FREE_ATTEMPTS {
            assert_eq!(
                store.check_login("没有这个人", "x").await.unwrap(),
                LoginOutcome::Invalid
            );
        }
        assert!(matches!(
            store.check_login("没有这个人", "x").await.unwrap(),
            LoginOutcome::Locked { .. }
        ));
    }
);

#[path = "storage/contributions.rs"]
mod contributions;
