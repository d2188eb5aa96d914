//! Operations: backup and restore, and a crash in the middle of an import.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn duikou(data: &Path, db: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_duikou"));
    c.arg("--data-dir").arg(data);
    if let Some(db) = db {
        c.arg("--db").arg(db);
    }
    c.args(args)
        .env_remove("DUIKOU_DATABASE_URL")
        .env_remove("DUIKOU_SECRET_KEY_FILE")
        .env_remove("DUIKOU_DATA_DIR");
    c.output().unwrap()
}

fn ok(data: &Path, db: Option<&str>, args: &[&str]) -> String {
    let o = duikou(data, db, args);
    assert!(
        o.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn scratch_pg(prefix: &str) -> Option<String> {
    let base = std::env::var("DUIKOU_TEST_POSTGRES_URL").ok()?;
    let rt = tokio::runtime::Runtime::new().unwrap();
    Some(
        rt.block_on(duikou_storage::create_scratch_postgres_database(
            &base, prefix,
        ))
        .unwrap(),
    )
}

#[test]
fn backup_then_restore_gives_the_same_assessment() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    ok(&src, None, &["init"]);
    ok(&src, None, &["demo"]);
    let before = ok(
        &src,
        None,
        &["assess", "--year", "2019", "--format", "json"],
    );
    let file = dir.path().join("backup.zip");
    ok(&src, None, &["backup", file.to_str().unwrap()]);

    // Into an empty SQLite data directory, and into an empty PostgreSQL database.
    let mut targets: Vec<(std::path::PathBuf, Option<String>)> =
        vec![(dir.path().join("restored"), None)];
    match scratch_pg("duikou_restore_cli") {
        Some(url) => targets.push((dir.path().join("restored-pg"), Some(url))),
        None => eprintln!("skipped PostgreSQL restore: DUIKOU_TEST_POSTGRES_URL not set"),
    }
    for (data, db) in targets {
        let out = ok(&data, db.as_deref(), &["restore", file.to_str().unwrap()]);
        assert!(out.contains("intact"), "{out}");
        assert_eq!(
            ok(
                &data,
                db.as_deref(),
                &["assess", "--year", "2019", "--format", "json"]
            ),
            before
        );
        assert!(ok(&data, db.as_deref(), &["audit", "verify"]).contains("intact"));
        // Restoring again over data is refused.
        let o = duikou(&data, db.as_deref(), &["restore", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
    }
}

fn employed(data: &Path) -> i64 {
    let a: serde_json::Value = serde_json::from_str(&ok(
        data,
        None,
        &["assess", "--year", "2019", "--format", "json"],
    ))
    .unwrap();
    a["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "5.2-employed")
        .unwrap()["actual"]
        .as_i64()
        .unwrap()
}

/// Existence, size and modification time of the WAL file: any write changes it.
fn wal_state(data: &Path) -> Option<(u64, std::time::SystemTime)> {
    std::fs::metadata(data.join("duikou.db-wal"))
        .ok()
        .map(|m| (m.len(), m.modified().unwrap()))
}

#[test]
fn killing_an_import_leaves_nothing_half_written() {
    const ROWS: u32 = 50_000;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("programme,name,id_number,started_on\n");
    for i in 0..ROWS {
        let birth = time::macros::date!(1970 - 01 - 01) + time::Duration::days((i % 10_000) as i64);
        let id = duikou_domain::id_number::make_valid("530627", birth, (i / 10_000) as u16);
        csv.push_str(&format!(
            "劳务就业,工人{i},{},2019-{:02}-15\n",
            id.as_str(),
            1 + i % 12
        ));
    }
    let file = dir.path().join("big.csv");
    std::fs::write(&file, csv).unwrap();
    // How long a whole import takes here, to kill the others part-way through.
    let reference = dir.path().join("reference");
    ok(&reference, None, &["init"]);
    let started = std::time::Instant::now();
    ok(
        &reference,
        None,
        &["import", "person", file.to_str().unwrap()],
    );
    let full = started.elapsed();
    assert_eq!(employed(&reference), ROWS as i64);

    let data = dir.path().join("data");
    ok(&data, None, &["init"]);
    let mut killed_while_writing = 0;
    for _attempt in 0..4 {
        let wal_before = wal_state(&data);
        let mut child = Command::new(env!("CARGO_BIN_EXE_duikou"))
            .arg("--data-dir")
            .arg(&data)
            .args(["import", "person", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Validation writes nothing; the transaction's first write touches the WAL file.
        // Kill the moment it does: inside the transaction, before its commit.
        let deadline = std::time::Instant::now() + full * 3;
        let mut writing = false;
        let mut finished = false;
        while std::time::Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                finished = true;
                break;
            }
            if wal_state(&data) != wal_before {
                writing = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status();
        let _ = child.wait();
        let n = employed(&data);
        assert!(n == 0 || n == ROWS as i64, "all or nothing, got {n}");
        assert!(ok(&data, None, &["audit", "verify"]).contains("intact"));
        if n == 0 && writing && !finished {
            killed_while_writing += 1;
        }
        if n == ROWS as i64 {
            break;
        }
    }
    eprintln!("imports killed while writing: {killed_while_writing}");
    assert!(
        killed_while_writing >= 1,
        "at least one import was killed inside its transaction"
    );
    // After the crashes the import still works, completely.
    ok(&data, None, &["import", "person", file.to_str().unwrap()]);
    assert_eq!(employed(&data), ROWS as i64);
}
