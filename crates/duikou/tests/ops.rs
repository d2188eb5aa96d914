//! Operations: backup and restore, and a crash in the middle of an import.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn duikou(data: &Path, db: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_duikou"));
    c.arg("--data-dir").arg(data);
    if let Some(db) = db {
        c.arg("--db").arg(db);
    }
    c.args(args).env_remove("DUIKOU_DATABASE_URL").env_remove("DUIKOU_SECRET_KEY_FILE").env_remove("DUIKOU_DATA_DIR");
    c.output().unwrap()
}

fn ok(data: &Path, db: Option<&str>, args: &[&str]) -> String {
    let o = duikou(data, db, args);
    assert!(o.status.success(), "{args:?}: {}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn scratch_pg(prefix: &str) -> Option<String> {
    let base = std::env::var("DUIKOU_TEST_POSTGRES_URL").ok()?;
    let rt = tokio::runtime::Runtime::new().unwrap();
    Some(rt.block_on(duikou_storage::create_scratch_postgres_database(&base, prefix)).unwrap())
}

#[test]
fn backup_then_restore_gives_the_same_assessment() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    ok(&src, None, &["init"]);
    ok(&src, None, &["demo"]);
    let before = ok(&src, None, &["assess", "--year", "2019", "--format", "json"]);
    let file = dir.path().join("backup.zip");
    ok(&src, None, &["backup", file.to_str().unwrap()]);

    // Into an empty SQLite data directory, and into an empty PostgreSQL database.
    let mut targets: Vec<(std::path::PathBuf, Option<String>)> = vec![(dir.path().join("restored"), None)];
    match scratch_pg("duikou_restore_cli") {
        Some(url) => targets.push((dir.path().join("restored-pg"), Some(url))),
        None => eprintln!("skipped PostgreSQL restore: DUIKOU_TEST_POSTGRES_URL not set"),
    }
    for (data, db) in targets {
        let out = ok(&data, db.as_deref(), &["restore", file.to_str().unwrap()]);
        assert!(out.contains("intact"), "{out}");
        assert_eq!(ok(&data, db.as_deref(), &["assess", "--year", "2019", "--format", "json"]), before);
        assert!(ok(&data, db.as_deref(), &["audit", "verify"]).contains("intact"));
        // Restoring again over data is refused.
        let o = duikou(&data, db.as_deref(), &["restore", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
    }
}

#[test]
fn killing_an_import_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, None, &["init"]);
    // A large file: 120,000 person rows.
    let mut csv = String::from("programme,name,id_number,started_on\n");
    for i in 0..120_000u32 {
        let birth = time::macros::date!(1970 - 01 - 01) + time::Duration::days((i % 12_000) as i64);
        let id = duikou_domain::id_number::make_valid("530627", birth, (i / 12_000) as u16);
        csv.push_str(&format!("劳务就业,工人{i},{},2019-{:02}-15\n", id.as_str(), 1 + i % 12));
    }
    let file = dir.path().join("big.csv");
    std::fs::write(&file, csv).unwrap();
    let mut killed_mid_way = 0;
    for attempt in 0..3u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_duikou"))
            .arg("--data-dir")
            .arg(&data)
            .args(["import", "person", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(400 + attempt * 700));
        let finished = child.try_wait().unwrap().is_some();
        let _ = Command::new("kill").args(["-KILL", &child.id().to_string()]).status();
        let _ = child.wait();
        let a: serde_json::Value = serde_json::from_str(&ok(&data, None, &["assess", "--year", "2019", "--format", "json"])).unwrap();
        let employed = a["results"].as_array().unwrap().iter().find(|r| r["indicator"] == "5.2-employed").unwrap()["actual"].as_i64().unwrap();
        assert!(employed == 0 || employed == 120_000, "all or nothing, got {employed}");
        assert!(ok(&data, None, &["audit", "verify"]).contains("intact"));
        if employed == 0 && !finished {
            killed_mid_way += 1;
        }
        if employed == 120_000 {
            break;
        }
    }
    assert!(killed_mid_way >= 1, "at least one import was killed before it committed");
    // After the crashes, the import still works and is complete.
    ok(&data, None, &["import", "person", file.to_str().unwrap()]);
    let a: serde_json::Value = serde_json::from_str(&ok(&data, None, &["assess", "--year", "2019", "--format", "json"])).unwrap();
    let employed = a["results"].as_array().unwrap().iter().find(|r| r["indicator"] == "5.2-employed").unwrap()["actual"].as_i64().unwrap();
    assert_eq!(employed, 120_000);
}
