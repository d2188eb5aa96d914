//! Issue 7: the server under crashes, concurrency and shutdown, against the real binary
//! on SQLite and (when DUIKOU_TEST_POSTGRES_URL is set) PostgreSQL.
//!
//! - `kill_during_a_burst_of_writes`: SIGKILL in the middle of API writes from several
//!   clients, restart on the same data: every acknowledged write is there, nothing is
//!   half-written, `duikou audit verify` passes. Several iterations on one database.
//! - `kill_during_an_import_and_the_figures`: SIGKILL an import of 20,000 persons and the
//!   server while it brings the figures' contributions up to date, at different moments:
//!   the import is all or nothing, and `duikou verify` finds the contributions those of
//!   a fresh classification of every record.
//! - `many_clients_at_once`: towns submitting and racing on versions, coordinators
//!   approving and counties confirming, all at once: no lost update, no deadlock, no
//!   500 and no "database is locked".
//! - `sigterm_lets_the_request_in_flight_finish`: graceful shutdown exits 0 after the
//!   request being received when the signal came has been answered.

#[macro_use]
mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{ApiClient, Backend, Resp, TestApp};
use serde_json::{Value, json};

const COORD: &str = "经协办";

/// Twelve towns, each with the county it pays (its pairing).
const TOWNS: [(&str, &str); 12] = [
    ("清溪镇", "镇雄县"),
    ("企石镇", "镇雄县"),
    ("黄江镇", "彝良县"),
    ("麻涌镇", "彝良县"),
    ("石碣镇", "昭阳区"),
    ("石龙镇", "昭阳区"),
    ("大岭山镇", "威信县"),
    ("沙田镇", "威信县"),
    ("莞城街道", "鲁甸县"),
    ("万江街道", "鲁甸县"),
    ("樟木头镇", "巧家县"),
    ("横沥镇", "巧家县"),
];
const COUNTIES: [&str; 6] = ["镇雄县", "彝良县", "昭阳区", "威信县", "鲁甸县", "巧家县"];

fn users() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    let mut u = vec![
        (COORD, "coordinator", Some("市经协办")),
        ("工作组", "coordinator", Some("省第五扶贫协作工作组")),
    ];
    u.extend(TOWNS.iter().map(|(t, _)| (*t, "reporter", Some(*t))));
    u.extend(COUNTIES.iter().map(|c| (*c, "receiver", Some(*c))));
    u
}

async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_with_users(backend, &users()).await
}

on_both_backends!(by_value:
    kill_during_a_burst_of_writes,
    kill_during_an_import_and_the_figures,
    many_clients_at_once,
    sigterm_lets_the_request_in_flight_finish
);

/// A client of its own (own connection pool) signed in with a bearer token.
fn client(base: &str, token: &str) -> ApiClient {
    ApiClient {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .pool_max_idle_per_host(2)
            .build()
            .unwrap(),
        base: base.to_string(),
        token: Some(token.to_string()),
        csrf: None,
    }
}

async fn tokens(app: &TestApp) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (name, _, _) in users() {
        let c = app.login(name).await;
        out.insert(name.to_string(), c.token.unwrap());
    }
    out
}

/// A request that may fail because the server is gone: `None` then.
async fn try_send(rb: reqwest::RequestBuilder) -> Option<Resp> {
    let res = rb.send().await.ok()?;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.ok()?;
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Some(Resp {
        status,
        headers,
        text,
        body,
    })
}

#[track_caller]
fn no_server_error(r: &Resp, what: &str) {
    assert!(r.status < 500, "{what}: {} {}", r.status, r.text);
    assert!(
        !r.text.contains("database is locked") && !r.text.contains("deadlock"),
        "{what}: {}",
        r.text
    );
}

fn transfer(town: &str, county: &str, voucher: &str, amount: u64) -> Value {
    json!({"source": "镇街财政", "payer": town, "payee": county, "amount": amount.to_string(), "budget_year": 2019,
           "sent_on": "2019-03-15", "voucher_no": voucher, "purpose": "产业帮扶"})
}

// ------------------------------------------------------------------ crash

/// What a client was told: a record created (id → voucher, amount) and, for some, approved.
#[derive(Default)]
struct Acks {
    created: BTreeMap<i64, (String, u64, &'static str)>,
    approved: Vec<i64>,
}

async fn kill_during_a_burst_of_writes(mut app: TestApp) {
    let tokens = tokens(&app).await;
    let iterations = if app.backend == Backend::Sqlite { 4 } else { 2 };
    let acks = Arc::new(Mutex::new(Acks::default()));
    let mut report = Vec::new();
    for iter in 0..iterations {
        let base = app.base_url.clone();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        // Eight writers: six towns creating (half submitted at once), two coordinators
        // approving what was submitted.
        let mut tasks = Vec::new();
        for (i, (town, county)) in TOWNS.iter().take(6).enumerate() {
            let c = client(&base, &tokens[*town]);
            let acks = acks.clone();
            let stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    n += 1;
                    let voucher = format!("K{iter}-{i}-{n}");
                    let mut body = transfer(town, county, &voucher, 1000 + n);
                    let submit = n % 2 == 0;
                    body["submit"] = json!(submit);
                    let Some(r) = try_send(
                        c.request(reqwest::Method::POST, "/api/v1/records/transfer")
                            .json(&body),
                    )
                    .await
                    else {
                        break;
                    };
                    no_server_error(&r, "create");
                    assert_eq!(r.status, 201, "{}", r.text);
                    let status = if submit { "submitted" } else { "draft" };
                    acks.lock()
                        .unwrap()
                        .created
                        .insert(r.body["id"].as_i64().unwrap(), (voucher, 1000 + n, status));
                }
            }));
        }
        for who in [COORD, "工作组"] {
            let c = client(&base, &tokens[who]);
            let acks = acks.clone();
            let stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let pending: Vec<i64> = acks
                        .lock()
                        .unwrap()
                        .created
                        .iter()
                        .filter(|(_, (_, _, s))| *s == "submitted")
                        .map(|(id, _)| *id)
                        .collect();
                    let approved: Vec<i64> = acks.lock().unwrap().approved.clone();
                    let Some(id) = pending.into_iter().rev().find(|id| !approved.contains(id))
                    else {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    };
                    let Some(r) = try_send(
                        c.request(
                            reqwest::Method::POST,
                            &format!("/api/v1/records/transfer/{id}/approve"),
                        )
                        .json(&json!({})),
                    )
                    .await
                    else {
                        break;
                    };
                    no_server_error(&r, "approve");
                    if r.status == 200 {
                        acks.lock().unwrap().approved.push(id);
                    } else {
                        assert_eq!(r.status, 409, "{}", r.text);
                    }
                }
            }));
        }
        // Kill at a different moment each time, while the writers are busy.
        let delay = 400 + 230 * iter as u64;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let before_kill = acks.lock().unwrap().created.len();
        app.kill_server();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for t in tasks {
            t.await.unwrap();
        }
        let (created, approved) = {
            let a = acks.lock().unwrap();
            (a.created.len(), a.approved.len())
        };
        assert!(
            created > before_kill / 2 && created > 0,
            "the writers were busy when the server died"
        );

        // Restart on the same data and check.
        app.restart_server();
        let coord = client(&app.base_url, &tokens[COORD]);
        let a = acks.lock().unwrap();
        for (id, (voucher, amount, status)) in &a.created {
            let r = coord.get(&format!("/api/v1/records/transfer/{id}")).await;
            assert_eq!(
                r.status, 200,
                "acknowledged record {id} lost after the crash: {}",
                r.text
            );
            assert_eq!(r.body["fields"]["voucher_no"], voucher.as_str());
            assert_eq!(r.body["fields"]["amount"], format!("{amount}.00"));
            let now = r.body["status"].as_str().unwrap();
            let want = if a.approved.contains(id) {
                "approved"
            } else {
                status
            };
            assert!(
                now == want || (want == "submitted" && now == "approved"),
                "record {id}: acknowledged {want}, found {now}"
            );
        }
        drop(a);
        // Nothing half-written: each record has exactly the audit entries its version
        // says (a create, then one per change), and no entry points at a missing record.
        let db = app.db().await;
        use sea_orm::ConnectionTrait;
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT r.id AS id, CAST(r.version AS BIGINT) AS version, (SELECT COUNT(*) FROM audit_log a WHERE a.entity = 'transfer' AND a.entity_id = CAST(r.id AS TEXT)) AS events FROM record r".to_string(),
            ))
            .await
            .unwrap();
        let mut in_db = 0;
        for row in &rows {
            let id: i64 = row.try_get("", "id").unwrap();
            let version: i64 = row.try_get("", "version").unwrap();
            let events: i64 = row.try_get("", "events").unwrap();
            assert_eq!(
                events, version,
                "record {id}: version {version} but {events} audit entries"
            );
            in_db += 1;
        }
        let orphans = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM audit_log a WHERE a.entity = 'transfer' AND a.action <> 'record.delete' AND NOT EXISTS (SELECT 1 FROM record r WHERE CAST(r.id AS TEXT) = a.entity_id)".to_string(),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(orphans, 0, "audit entries of records that are not there");
        db.close().await.unwrap();
        let out = app.cli_ok(&["audit", "verify"]);
        assert!(out.contains("intact"), "{out}");
        let unacked = in_db - created as i64;
        assert!(
            (0..=8).contains(&unacked),
            "{unacked} records written but not acknowledged (at most one per writer in flight)"
        );
        report.push(format!("iteration {}: killed after {delay} ms; {created} creates and {approved} approvals acknowledged so far, {in_db} records in the database ({unacked} committed but unanswered)", iter + 1));
    }
    println!("crash test ({:?}):\n  {}", app.backend, report.join("\n  "));
}

/// A person list of `n` 劳务就业 rows, persons numbered from `first`.
fn persons_csv(first: i64, n: i64) -> String {
    let mut csv = String::from("类别,姓名,身份证号,建档立卡,开始日期\n");
    for i in first..first + n {
        let id = duikou_domain::id_number::make_valid(
            "530627",
            time::macros::date!(1960 - 01 - 01) + time::Duration::days(i % 12_000),
            (i / 12_000) as u16 * 10 + 3,
        );
        csv.push_str(&format!(
            "劳务就业,工{i},{},{},2019-0{}-01\n",
            id.as_str(),
            if i % 3 == 0 { "是" } else { "否" },
            1 + i % 9
        ));
    }
    csv
}

async fn kill_during_an_import_and_the_figures(mut app: TestApp) {
    let tokens = tokens(&app).await;
    let small = app.scratch_dir().join("small.csv");
    std::fs::write(&small, persons_csv(0, 2_000)).unwrap();
    app.cli_ok(&["import", "person", small.to_str().unwrap()]);
    let big = app.scratch_dir().join("big.csv");
    std::fs::write(&big, persons_csv(2_000, 20_000)).unwrap();
    let count_persons = |app: &TestApp| {
        let out = app.cli_ok(&["assess", "--year", "2019", "--format", "json"]);
        let a: Value = serde_json::from_str(&out).unwrap();
        a["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["indicator"] == "5.2-employed" && r["scope"] == "plan")
            .unwrap()["actual"]
            .as_i64()
            .unwrap()
    };
    let mut seen = Vec::new();
    // Killed at 150 and 700 ms into the import; the last runs to its end and the server
    // is killed while it classifies the import's records.
    for (iter, delay) in [Some(150u64), Some(700), None].into_iter().enumerate() {
        // A reader keeps the server bringing the figures up to date while the import
        // runs in another process.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let c = client(&app.base_url, &tokens[COORD]);
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let Some(r) = try_send(c.request(
                        reqwest::Method::GET,
                        "/api/v1/assessment?year=2019&as_of=2019-12-31",
                    ))
                    .await
                    else {
                        break;
                    };
                    no_server_error(&r, "assessment");
                }
            })
        };
        let mut import = app
            .command(&["import", "person", big.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        if let Some(delay) = delay {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            let _ = import.kill();
        }
        let finished = import.wait().unwrap().success();
        tokio::time::sleep(Duration::from_millis(30)).await;
        app.kill_server();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        reader.await.unwrap();

        // All or nothing: the import's 20,000 persons are there or none is.
        let verified = app.cli(&["verify"]);
        assert!(
            verified.status.success(),
            "iteration {iter}: {}",
            String::from_utf8_lossy(&verified.stderr)
        );
        let persons = count_persons(&app);
        let imported = persons - 2_000 - 20_000 * seen.iter().filter(|b| **b).count() as i64;
        assert!(
            imported == 0 || imported == 20_000,
            "iteration {iter}: {imported} of the import's persons counted"
        );
        assert!(
            !finished || imported == 20_000,
            "a finished import counts whole"
        );
        seen.push(imported == 20_000);
        app.restart_server();
        // The restarted server's figures are the command line's.
        let c = client(&app.base_url, &tokens[COORD]);
        let r = c.get("/api/v1/assessment?year=2019&as_of=2019-12-31").await;
        let served = r.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["indicator"] == "5.2-employed" && r["scope"] == "plan")
            .unwrap()["actual"]
            .as_i64()
            .unwrap();
        assert_eq!(served, persons, "iteration {iter}");
        // The next iteration imports new persons: the same file is refused as already imported.
        std::fs::write(&big, persons_csv(22_000 + 20_000 * iter as i64, 20_000)).unwrap();
    }
    assert_eq!(seen.last(), Some(&true), "the import left to finish counts");
    println!(
        "import crash test ({:?}): imports committed before the kill: {seen:?}",
        app.backend
    );
}

// ------------------------------------------------------------------ concurrency

async fn many_clients_at_once(app: TestApp) {
    let tokens = tokens(&app).await;
    let base = app.base_url.clone();
    let started = Instant::now();

    // Phase 1: every town at once creates and submits eight transfers, and races two of
    // its own changes on one draft (same version: one wins, one gets 409), and two
    // changes without a version to different fields (both land).
    let mut tasks = Vec::new();
    for (town, county) in TOWNS {
        let c = client(&base, &tokens[town]);
        let c2 = client(&base, &tokens[town]);
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..8 {
                let mut body = transfer(town, county, &format!("C-{town}-{n}"), 10_000);
                body["submit"] = json!(true);
                let r = c.post("/api/v1/records/transfer", &body).await;
                no_server_error(&r, "create");
                assert_eq!(r.status, 201, "{}", r.text);
                ids.push(r.body["id"].as_i64().unwrap());
            }
            let r = c
                .post(
                    "/api/v1/records/transfer",
                    &transfer(town, county, &format!("D-{town}"), 500),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
            let draft = r.body["id"].as_i64().unwrap();
            let path = format!("/api/v1/records/transfer/{draft}");
            let (x, y) = (
                json!({"amount": "501", "version": 1}),
                json!({"amount": "502", "version": 1}),
            );
            let (a, b) = tokio::join!(c.patch(&path, &x), c2.patch(&path, &y));
            no_server_error(&a, "patch");
            no_server_error(&b, "patch");
            let mut s = [a.status, b.status];
            s.sort();
            assert_eq!(
                s,
                [200, 409],
                "same version twice: one wins: {} / {}",
                a.text,
                b.text
            );
            let winner = if a.status == 200 { "501.00" } else { "502.00" };
            let (x, y) = (json!({"purpose": "改用途"}), json!({"notes": "补充说明"}));
            let (a, b) = tokio::join!(c.patch(&path, &x), c2.patch(&path, &y));
            assert_eq!((a.status, b.status), (200, 200), "{} / {}", a.text, b.text);
            let r = c.get(&path).await;
            assert_eq!(r.body["fields"]["amount"], winner);
            assert_eq!(
                r.body["fields"]["purpose"], "改用途",
                "lost update: {}",
                r.text
            );
            assert_eq!(r.body["notes"], "补充说明", "lost update: {}", r.text);
            assert_eq!(r.body["version"], 4);
            ids
        }));
    }
    let mut submitted = Vec::new();
    for t in tasks {
        submitted.extend(t.await.unwrap());
    }

    // Phase 2, all at once: two coordinators (two clients each) approve every record in
    // different orders; each county (two clients) confirms every transfer paid to it;
    // every town keeps reading its list and adding drafts.
    let approvals: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let confirms: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let mut tasks = Vec::new();
    for (k, who) in [COORD, COORD, "工作组", "工作组"].iter().enumerate() {
        let c = client(&base, &tokens[*who]);
        let mut ids = submitted.clone();
        if k % 2 == 1 {
            ids.reverse();
        }
        let shift = k * 7 % ids.len();
        ids.rotate_left(shift);
        let approvals = approvals.clone();
        tasks.push(tokio::spawn(async move {
            for id in ids {
                let r = c
                    .post(
                        &format!("/api/v1/records/transfer/{id}/approve"),
                        &json!({}),
                    )
                    .await;
                no_server_error(&r, "approve");
                match r.status {
                    200 => *approvals.lock().unwrap().entry(id).or_default() += 1,
                    409 => {}
                    s => panic!("approve {id}: {s} {}", r.text),
                }
            }
        }));
    }
    for county in COUNTIES {
        for k in 0..2 {
            let c = client(&base, &tokens[county]);
            let confirms = confirms.clone();
            tasks.push(tokio::spawn(async move {
                let r = c
                    .get("/api/v1/records/transfer?per_page=500&status=submitted")
                    .await;
                let r2 = c
                    .get("/api/v1/records/transfer?per_page=500&status=approved")
                    .await;
                let mut ids: Vec<i64> = r.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .chain(r2.body["items"].as_array().unwrap())
                    .filter(|i| i["fields"]["payee"] == county)
                    .map(|i| i["id"].as_i64().unwrap())
                    .collect();
                ids.sort();
                ids.dedup();
                if k == 1 {
                    ids.reverse();
                }
                for id in ids {
                    let r = c
                        .post(
                            &format!("/api/v1/records/transfer/{id}/confirm"),
                            &json!({"received_on": "2019-04-01"}),
                        )
                        .await;
                    no_server_error(&r, "confirm");
                    match r.status {
                        200 => *confirms.lock().unwrap().entry(id).or_default() += 1,
                        409 => {}
                        s => panic!("confirm {id}: {s} {}", r.text),
                    }
                }
            }));
        }
    }
    for (i, (town, county)) in TOWNS.iter().enumerate() {
        let c = client(&base, &tokens[*town]);
        tasks.push(tokio::spawn(async move {
            for n in 0..10 {
                let r = c.get("/api/v1/records/transfer?per_page=50").await;
                no_server_error(&r, "list");
                let r = c
                    .post(
                        "/api/v1/records/transfer",
                        &transfer(town, county, &format!("E-{i}-{n}"), 700),
                    )
                    .await;
                no_server_error(&r, "create");
                assert_eq!(r.status, 201);
            }
        }));
    }
    let clients = tasks.len();
    let phase2 = tokio::time::timeout(Duration::from_secs(300), async {
        for t in tasks {
            t.await.unwrap();
        }
    })
    .await;
    assert!(phase2.is_ok(), "no progress within 300 s: a deadlock");

    // Each record approved once and confirmed once; nothing lost or doubled.
    let approvals = approvals.lock().unwrap().clone();
    let confirms = confirms.lock().unwrap().clone();
    let coord = client(&base, &tokens[COORD]);
    for id in &submitted {
        assert_eq!(
            approvals.get(id),
            Some(&1),
            "record {id} approved {:?} times",
            approvals.get(id)
        );
        assert_eq!(
            confirms.get(id),
            Some(&1),
            "record {id} confirmed {:?} times",
            confirms.get(id)
        );
        let r = coord.get(&format!("/api/v1/records/transfer/{id}")).await;
        assert_eq!(r.body["status"], "approved");
        assert_eq!(r.body["fields"]["received_on"], "2019-04-01");
        assert_eq!(
            r.body["version"], 3,
            "created submitted, approved, confirmed: {}",
            r.text
        );
    }
    let out = app.cli_ok(&["audit", "verify"]);
    assert!(out.contains("intact"), "{out}");
    let log = app.server_log();
    assert!(
        !log.contains("database is locked") && !log.contains("panicked"),
        "{log}"
    );
    println!(
        "concurrency ({:?}): {} clients at once in phase 2 (12 towns creating and racing versions first); {} records approved once and confirmed once; {:.1} s",
        app.backend,
        clients,
        submitted.len(),
        started.elapsed().as_secs_f64()
    );
}

// ------------------------------------------------------------------ graceful shutdown

async fn sigterm_lets_the_request_in_flight_finish(mut app: TestApp) {
    let token = app.login("清溪镇").await.token.unwrap();
    let body = serde_json::to_vec(&transfer("清溪镇", "镇雄县", "TERM-1", 4321)).unwrap();
    let addr = app.base_url.trim_start_matches("http://").to_string();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    // A client sending its body slowly: half, then (after the signal) the rest.
    let request = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(s, "POST /api/v1/records/transfer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
        let half = body.len() / 2;
        s.write_all(&body[..half]).unwrap();
        s.flush().unwrap();
        tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(800));
        s.write_all(&body[half..]).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    });
    rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    let pid = app.server_pid();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let answer = request.join().unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the request in flight was answered: {answer}"
    );
    let status = app.wait_server_exit(Duration::from_secs(20));
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
    println!(
        "graceful shutdown ({:?}): request in flight answered 201, exit 0, {:?} after SIGTERM",
        app.backend,
        t.elapsed()
    );
    // The record is there after a restart.
    app.restart_server();
    let coord = app.login(COORD).await;
    let id: i64 = answer
        .split("\"id\":")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let r = coord.get(&format!("/api/v1/records/transfer/{id}")).await;
    assert_eq!(
        (r.status, r.body["fields"]["voucher_no"].as_str()),
        (200, Some("TERM-1"))
    );
}
