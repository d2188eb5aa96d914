//! Operations: backup and restore, and a crash in the middle of an import.

mod common;

use common::{Backend, TestApp};
use std::path::Path;
use std::process::Stdio;

#[test]
fn backup_then_restore_gives_the_same_assessment() {
    backup_then_restore(Backend::Sqlite);
}

#[test]
#[ignore = "PostgreSQL: run with --include-ignored and DUIKOU_TEST_POSTGRES_URL (.ci/run does)"]
fn backup_then_restore_into_postgres_gives_the_same_assessment() {
    backup_then_restore(Backend::Postgres);
}

fn backup_then_restore(target: Backend) {
    let src = TestApp::init_only(Backend::Sqlite);
    src.cli_ok(&["demo"]);
    let before = src.cli_ok(&["assess", "--year", "2019", "--format", "json"]);
    let file = src.scratch_dir().join("backup.zip");
    src.cli_ok(&["backup", file.to_str().unwrap()]);

    // Into an empty data directory and database.
    let restored = TestApp::uninitialised(target);
    let out = restored.cli_ok(&["restore", file.to_str().unwrap()]);
    assert!(out.contains("intact"), "{out}");
    assert_eq!(
        restored.cli_ok(&["assess", "--year", "2019", "--format", "json"]),
        before
    );
    assert!(restored.cli_ok(&["audit", "verify"]).contains("intact"));
    // Restoring again over data is refused.
    let o = restored.cli(&["restore", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

fn employed(app: &TestApp) -> i64 {
    let a: serde_json::Value =
        serde_json::from_str(&app.cli_ok(&["assess", "--year", "2019", "--format", "json"]))
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
    let reference = TestApp::init_only(Backend::Sqlite);
    let app = TestApp::init_only(Backend::Sqlite);
    let data = app.data_dir();
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
    let file = reference.scratch_dir().join("big.csv");
    std::fs::write(&file, csv).unwrap();
    // How long a whole import takes here, to kill the others part-way through.
    let started = std::time::Instant::now();
    reference.cli_ok(&["import", "person", file.to_str().unwrap()]);
    let full = started.elapsed();
    assert_eq!(employed(&reference), ROWS as i64);

    let mut killed_while_writing = 0;
    for _attempt in 0..4 {
        let wal_before = wal_state(&data);
        let mut child = app
            .command(&["import", "person", file.to_str().unwrap()])
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
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status();
        let _ = child.wait();
        let n = employed(&app);
        assert!(n == 0 || n == ROWS as i64, "all or nothing, got {n}");
        assert!(app.cli_ok(&["audit", "verify"]).contains("intact"));
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
    app.cli_ok(&["import", "person", file.to_str().unwrap()]);
    assert_eq!(employed(&app), ROWS as i64);
}
