//! The figures are computed from contributions stored in the database and, after a
//! write, only the records the audit trail says changed are classified again. Through
//! imports, creation, review (submit, approve, reject, reopen), edits, receipt
//! confirmation, deletion and a plan amendment, the server's figures must stay those a
//! new process computes (`duikou assess`), and the stored contributions those of a
//! fresh classification of every record (`duikou verify`). On SQLite and PostgreSQL.

mod common;

use common::{ApiClient, Backend, TestApp};
use serde_json::{Value, json};

const COORD: &str = "经协办";
const QX: &str = "清溪镇";
const ZX: &str = "镇雄县";

const QUERIES: &[(&str, &[&str])] = &[
    (
        "/api/v1/assessment?year=2019&as_of=2019-12-31",
        &["--year", "2019", "--as-of", "2019-12-31"],
    ),
    (
        "/api/v1/assessment?year=2019&as_of=2019-12-31&include_submitted=true",
        &[
            "--year",
            "2019",
            "--as-of",
            "2019-12-31",
            "--include-submitted",
        ],
    ),
];

/// The server's figures (kept up to date change by change) equal a new process's, and
/// the stored contributions equal a classification of every record from scratch.
async fn same_as_fresh(app: &TestApp, api: &ApiClient, step: &str) -> Value {
    let mut served = Value::Null;
    for (query, args) in QUERIES {
        let r = api.get(query).await;
        assert_eq!(r.status, 200, "{step}: {}", r.text);
        let mut cli = vec!["assess", "--format", "json"];
        cli.extend_from_slice(args);
        let fresh: Value = serde_json::from_str(&app.cli_ok(&cli)).unwrap();
        if r.body != fresh {
            // Name the figures that differ rather than printing both documents.
            let (a, b) = (&r.body["results"], &fresh["results"]);
            let differ: Vec<String> = (0..a.as_array().map_or(0, Vec::len))
                .filter(|&i| a[i] != b[i])
                .map(|i| format!("served {} / fresh {}", a[i], b[i]))
                .take(3)
                .collect();
            panic!("{step}: {query}: the served figures differ: {differ:#?}");
        }
        if served.is_null() {
            served = r.body;
        }
    }
    let verified = app.cli(&["verify"]);
    assert!(
        verified.status.success(),
        "{step}: duikou verify: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    served
}

fn figure(a: &Value, indicator: &str, scope: &str) -> Value {
    a["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == indicator && r["scope"] == scope)
        .unwrap_or_else(|| panic!("no result {indicator} / {scope}"))["actual"]
        .clone()
}

fn import(app: &TestApp, kind: &str, csv: &str) {
    let file = app.data_dir().with_file_name(format!("{kind}.csv"));
    std::fs::write(&file, csv).unwrap();
    app.cli_ok(&["import", kind, file.to_str().unwrap()]);
}

fn id_number(area: &str, n: i64) -> String {
    duikou_domain::id_number::make_valid(
        area,
        time::macros::date!(1985 - 01 - 01) + time::Duration::days(n),
        7,
    )
    .as_str()
    .to_string()
}

async fn post(api: &ApiClient, path: &str, body: Value) -> Value {
    let r = api.post(path, &body).await;
    assert!(r.status == 200 || r.status == 201, "{path}: {}", r.text);
    r.body
}

async fn act(api: &ApiClient, id: i64, action: &str, body: Value) -> Value {
    post(
        api,
        &format!("/api/v1/records/transfer/{id}/{action}"),
        body,
    )
    .await
}

fn town_transfer(voucher: &str, amount: &str) -> Value {
    json!({
        "source": "镇街财政", "payer": QX, "payee": ZX, "amount": amount, "budget_year": 2019,
        "sent_on": "2019-03-15", "voucher_no": voucher, "purpose": "产业帮扶", "submit": true,
    })
}

async fn figures_follow_every_kind_of_write(app: &TestApp) {
    let coord = app.login(COORD).await;
    let qx = app.login(QX).await;
    let zx = app.login(ZX).await;
    let funds = |a: &Value| figure(a, "8.1-lead-town-funds", QX);

    // Nothing yet; the server now holds the (empty) record set.
    same_as_fresh(app, &coord, "empty").await;

    // Imports by another process: the new records arrive by their import batch.
    let (a, b) = (id_number("530627", 1), id_number("530628", 2));
    import(
        app,
        "person",
        &format!(
            "类别,姓名,身份证号,建档立卡,开始日期
劳务就业,甲,{a},是,2019-03-01
劳务就业,甲,{a},是,2019-09-01
劳务就业,乙,{b},否,2019-04-01
"
        ),
    );
    import(
        app,
        "activity",
        "活动类型,活动名称,日期,主办单位,参与人数
镇街领导调研对接,联合调研,2019-07-01,清溪镇、黄江镇,20
旅游推介,推介一,2019-04-01,市旅游局,100
",
    );
    let a1 = same_as_fresh(app, &coord, "imported").await;
    assert_eq!(figure(&a1, "5.2-employed", "plan"), json!(2));
    assert_eq!(figure(&a1, "8.1-town-leader-visits", QX), json!(1));

    // Created and submitted: counts only with submitted records; approved: counts once
    // the payee confirms receipt.
    let first = post(
        &qx,
        "/api/v1/records/transfer",
        town_transfer("QX-1", "600000"),
    )
    .await;
    let first = first["id"].as_i64().unwrap();
    act(
        &zx,
        first,
        "confirm",
        json!({ "received_on": "2019-04-01" }),
    )
    .await;
    let a2 = same_as_fresh(app, &coord, "submitted and confirmed").await;
    assert_eq!(funds(&a2), json!(0));
    act(&coord, first, "approve", json!({})).await;
    let a3 = same_as_fresh(app, &coord, "approved").await;
    assert_eq!(funds(&a3), json!(600000));

    // Rejected, edited, submitted and approved again.
    let second = post(
        &qx,
        "/api/v1/records/transfer",
        town_transfer("QX-2", "100000"),
    )
    .await;
    let second = second["id"].as_i64().unwrap();
    act(&coord, second, "reject", json!({ "reason": "金额有误" })).await;
    same_as_fresh(app, &coord, "rejected").await;
    let r = qx
        .patch(
            &format!("/api/v1/records/transfer/{second}"),
            &json!({ "amount": "400000" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    act(&qx, second, "submit", json!({})).await;
    act(
        &zx,
        second,
        "confirm",
        json!({ "received_on": "2019-05-01" }),
    )
    .await;
    same_as_fresh(app, &coord, "edited and resubmitted").await;
    act(&coord, second, "approve", json!({})).await;
    let a4 = same_as_fresh(app, &coord, "approved after the edit").await;
    assert_eq!(funds(&a4), json!(1000000));

    // Reopened: the record leaves the approved figures; deleted: it is gone.
    act(&coord, first, "reopen", json!({ "reason": "复核" })).await;
    let a5 = same_as_fresh(app, &coord, "reopened").await;
    assert_eq!(funds(&a5), json!(400000));
    let r = qx
        .delete(&format!("/api/v1/records/transfer/{first}"))
        .await;
    assert!(r.status == 200 || r.status == 204, "{}", r.text);
    same_as_fresh(app, &coord, "deleted").await;

    // Every update after the first derivation classified the changes only.
    let log = app.server_log();
    let full = log
        .matches("contributions derived from every record")
        .count();
    let incremental = log.matches("contributions brought up to date").count();
    assert_eq!(full, 1, "one derivation from every record:\n{log}");
    // One per step that wrote (the steps that only read find the rows current).
    assert!(
        incremental >= 8,
        "{incremental} incremental updates:\n{log}"
    );

    // A plan amendment (5.2's target 8000 → 9000): every record is classified again
    // under the new plan; the figure stays, its target follows the plan.
    let plan_file = app.scratch_dir().join("plan.toml");
    app.cli_ok(&[
        "plan",
        "export",
        "--format",
        "toml",
        "--out",
        plan_file.to_str().unwrap(),
    ]);
    let before = figure(&a4, "5.2-employed", "plan");
    let text = std::fs::read_to_string(&plan_file).unwrap();
    let amended = amend_target(&text, "5.2-employed", "8000", "9000");
    std::fs::write(&plan_file, amended).unwrap();
    app.cli_ok(&["plan", "update", plan_file.to_str().unwrap()]);
    let verified = app.cli_ok(&["verify"]);
    assert!(verified.contains("figures consistent"), "{verified}");
    let after: Value = serde_json::from_str(&app.cli_ok(&[
        "assess",
        "--year",
        "2019",
        "--as-of",
        "2019-12-31",
        "--format",
        "json",
    ]))
    .unwrap();
    let employed = after["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "5.2-employed" && r["scope"] == "plan")
        .unwrap();
    assert_eq!(employed["actual"], before);
    assert_eq!(employed["target_min"], json!(9000), "{employed}");
}

/// The plan text with one indicator's target changed (`target = 8000` in its table).
fn amend_target(plan: &str, indicator: &str, from: &str, to: &str) -> String {
    let start = plan
        .find(&format!("id = \"{indicator}\""))
        .unwrap_or_else(|| panic!("{indicator} in the exported plan"));
    let end = plan[start..].find("[[").map_or(plan.len(), |n| start + n);
    let section = plan[start..end].replacen(from, to, 1);
    assert_ne!(section, plan[start..end], "{indicator}'s target {from}");
    format!("{}{}{}", &plan[..start], section, &plan[end..])
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// A random sequence of writes through the API (creates, edits, submissions, approvals,
/// rejections, reopenings, confirmations, corrections, reversals, withdrawals, deletions,
/// each possibly refused): the figures stay those of a new process and the stored
/// contributions those of a fresh classification, checked every few writes.
/// DUIKOU_TEST_SEED replays a sequence.
async fn figures_follow_random_writes(app: &TestApp) {
    let seed = std::env::var("DUIKOU_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026_1208u64);
    println!("DUIKOU_TEST_SEED={seed}");
    let mut rng = Rng(seed | 1);
    let coord = app.login(COORD).await;
    let qx = app.login(QX).await;
    let zx = app.login(ZX).await;
    // (kind, id): transfers and persons (a person's ID number drawn from a small pool, so
    // that several records name one person and distinct counts are tested).
    let mut ids: Vec<(&str, i64)> = Vec::new();
    let mut log = Vec::new();
    let day = |rng: &mut Rng| {
        let d = time::macros::date!(2019 - 03 - 15) + time::Duration::days(rng.below(290) as i64);
        duikou_domain::record::format_date(d)
    };
    for step in 0..80 {
        let target = if ids.is_empty() {
            None
        } else {
            Some(ids[rng.below(ids.len() as u64) as usize])
        };
        // Weighted toward what moves figures: creating, submitting, approving, confirming.
        #[rustfmt::skip]
        const OPS: [&str; 19] = [
            "create", "create", "create", "person", "person", "submit", "submit", "approve",
            "approve", "approve", "confirm", "confirm", "confirm", "reject", "reopen", "edit",
            "withdraw", "revert-receipt", "delete",
        ];
        let op = match target {
            None => "create",
            Some(_) => OPS[rng.below(OPS.len() as u64) as usize],
        };
        let (kind, id) = target.unwrap_or(("transfer", 0));
        let path = |action: &str| format!("/api/v1/records/{kind}/{id}/{action}");
        let r = match op {
            "person" => {
                let n = rng.below(6) as i64;
                let body = json!({
                    "programme": "劳务就业", "name": format!("人{n}"),
                    "id_number": id_number("530627", n), "registered_poor": rng.below(2) == 0,
                    "started_on": day(&mut rng), "submit": rng.below(4) > 0,
                });
                let r = qx.post("/api/v1/records/person", &body).await;
                if r.status == 201 {
                    ids.push(("person", r.body["id"].as_i64().unwrap()));
                }
                r
            }
            "create" => {
                let mut body = town_transfer(
                    &format!("R-{step}"),
                    &(100_000 * (1 + rng.below(20))).to_string(),
                );
                body["submit"] = json!(rng.below(4) > 0);
                let r = qx.post("/api/v1/records/transfer", &body).await;
                if r.status == 201 {
                    ids.push(("transfer", r.body["id"].as_i64().unwrap()));
                }
                r
            }
            "approve" => coord.post(&path("approve"), &json!({})).await,
            "reject" => {
                coord
                    .post(&path("reject"), &json!({"reason": "核对"}))
                    .await
            }
            "reopen" => {
                coord
                    .post(&path("reopen"), &json!({"reason": "复核"}))
                    .await
            }
            "revert-receipt" => {
                let body = json!({"reason": "日期有误"});
                coord.post(&path("revert-receipt"), &body).await
            }
            "submit" => qx.post(&path("submit"), &json!({})).await,
            "withdraw" => qx.post(&path("withdraw"), &json!({})).await,
            "confirm" => {
                let body = json!({"received_on": day(&mut rng), "far_date_confirmed": true});
                zx.post(&path("confirm"), &body).await
            }
            "edit" => {
                let body = json!({"amount": (50_000 * (1 + rng.below(30))).to_string()});
                qx.patch(&format!("/api/v1/records/{kind}/{id}"), &body)
                    .await
            }
            _ => {
                let r = qx.delete(&format!("/api/v1/records/{kind}/{id}")).await;
                if r.status == 204 || r.status == 200 {
                    ids.retain(|i| i.1 != id);
                }
                r
            }
        };
        let what = op;
        assert!(
            r.status < 500,
            "step {step}: {what}: {} {}",
            r.status,
            r.text
        );
        log.push(format!("{step}: {what} {target:?} → {}", r.status));
        if step % 6 == 5 {
            same_as_fresh(app, &coord, &log.join("\n")).await;
        }
    }
    let accepted = log
        .iter()
        .filter(|l| l.ends_with("→ 200") || l.ends_with("→ 201") || l.ends_with("→ 204"))
        .count();
    assert!(
        accepted >= 20,
        "most writes were refused:\n{}",
        log.join("\n")
    );
    println!(
        "{accepted} of {} writes accepted:\n{}",
        log.len(),
        log.join("\n")
    );
}

async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_with_log(
        backend,
        &[
            (COORD, "coordinator", Some("市经协办")),
            (QX, "reporter", Some(QX)),
            (ZX, "receiver", Some(ZX)),
        ],
        "warn,duikou_app::assessment=debug",
    )
    .await
}

#[tokio::test]
async fn sqlite() {
    let app = start(Backend::Sqlite).await;
    figures_follow_every_kind_of_write(&app).await;
}

#[tokio::test]
#[ignore = "PostgreSQL: run with --include-ignored and DUIKOU_TEST_POSTGRES_URL (.ci/run does)"]
async fn postgres() {
    let app = start(Backend::Postgres).await;
    figures_follow_every_kind_of_write(&app).await;
}

#[tokio::test]
async fn random_writes_sqlite() {
    let app = start(Backend::Sqlite).await;
    figures_follow_random_writes(&app).await;
}

#[tokio::test]
#[ignore = "PostgreSQL: run with --include-ignored and DUIKOU_TEST_POSTGRES_URL (.ci/run does)"]
async fn random_writes_postgres() {
    let app = start(Backend::Postgres).await;
    figures_follow_random_writes(&app).await;
}

/// `duikou verify` names the records whose stored contributions were altered (or lost)
/// behind the program's back, exits 1, and `--repair` derives them again.
async fn verify_finds_altered_contributions(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let (a, b) = (id_number("530627", 1), id_number("530628", 2));
    import(
        app,
        "person",
        &format!(
            "类别,姓名,身份证号,建档立卡,开始日期
劳务就业,甲,{a},是,2019-03-01
劳务就业,乙,{b},否,2019-04-01
"
        ),
    );
    let before = app.cli_ok(&["assess", "--year", "2019", "--format", "json"]);
    let clean = app.cli_ok(&["verify"]);
    assert!(clean.contains("figures consistent"), "{clean}");

    let db = app.db().await;
    let backend = db.get_database_backend();
    let first: i64 = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT MIN(record_id) AS id FROM contribution",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "id")
        .unwrap();
    for sql in [
        format!("UPDATE contribution SET value = value + 1 WHERE record_id = {first}"),
        format!("DELETE FROM contribution WHERE record_id = {}", first + 1),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    db.close().await.unwrap();

    let o = app.cli(&["verify"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("2 条记录不同") && err.contains(&first.to_string()),
        "{err}"
    );
    assert!(err.contains("duikou verify --repair"), "{err}");

    let repaired = app.cli_ok(&["verify", "--repair"]);
    assert!(repaired.contains("figures consistent"), "{repaired}");
    assert_eq!(
        app.cli_ok(&["assess", "--year", "2019", "--format", "json"]),
        before
    );
}

mod verify {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        verify_finds_altered_contributions(&TestApp::init_only(Backend::Sqlite)).await;
    }

    #[tokio::test]
    #[ignore = "PostgreSQL: run with --include-ignored and DUIKOU_TEST_POSTGRES_URL (.ci/run does)"]
    async fn postgres() {
        verify_finds_altered_contributions(&TestApp::init_only(Backend::Postgres)).await;
    }
}
