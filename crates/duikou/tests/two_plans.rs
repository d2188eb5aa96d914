//! Issue 14, several plans in one database: the bundled plan (2018–2020) and a plan of
//! another period and pair (plans/examples/dongguan-bijie-2021-2023.toml) side by side,
//! each assessing as it does alone, on SQLite and PostgreSQL; a new period that leaves
//! the last one's records and figures alone; `--plan ID` on every command; the upgrade
//! that attaches existing records to the plan already loaded; and in the web, the plan
//! switcher and a user seeing only the plans their unit takes part in.

#[macro_use]
mod common;

use common::{Backend, TestApp};
use serde_json::Value;

const BUNDLED: &str = "dongguan-zhaotong-2018-2020";
const OTHER: &str = "dongguan-bijie-2021-2023";
const OTHER_PLAN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../plans/examples/dongguan-bijie-2021-2023.toml"
);

async fn start(backend: Backend) -> TestApp {
    TestApp::init_only(backend)
}

fn write(app: &TestApp, name: &str, text: &str) -> String {
    let p = app.scratch_dir().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn json_of(app: &TestApp, args: &[&str]) -> Value {
    serde_json::from_str(&app.cli_ok(args)).unwrap()
}

/// The bundled plan's records: two transfers (one with the voucher the other plan's
/// file uses too) and a person.
fn fill_bundled(app: &TestApp, plan: Option<&str>) {
    let csv = write(
        app,
        "bundled-transfer.csv",
        "资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,到账日期,凭证号\n\
         市级财政,市财政局,镇雄县,90000000,2019,2019-02-01,2019-03-01,V1\n\
         镇街财政,清溪镇,镇雄县,1000000,2019,2019-04-01,2019-04-20,QX-1\n",
    );
    let mut args = vec!["import", "transfer", csv.as_str()];
    if let Some(p) = plan {
        args.extend(["--plan", p]);
    }
    app.cli_ok(&args);
}

/// The other plan's records: transfers (voucher V1 again, in its own plan) and
/// facilities of its own vocabulary.
fn fill_other(app: &TestApp, plan: Option<&str>) {
    let transfers = write(
        app,
        "other-transfer.csv",
        "资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,到账日期,凭证号\n\
         市级财政,市协作办,威宁县,40000000,2022,2022-03-01,2022-03-20,V1\n\
         市级财政,市协作办,赫章县,30000000,2022,2022-03-15,2022-04-05,V2\n",
    );
    let facilities = write(
        app,
        "other-facility.csv",
        "类型,名称,所在县区,建成日期,吸纳就业（人）\n\
         帮扶车间,车间一,威宁县,2021-05-01,30\n\
         帮扶车间,车间二,赫章县,2022-06-01,20\n",
    );
    for (kind, file) in [("transfer", &transfers), ("facility", &facilities)] {
        let mut args = vec!["import", kind, file.as_str()];
        if let Some(p) = plan {
            args.extend(["--plan", p]);
        }
        app.cli_ok(&args);
    }
}

/// `duikou export KIND --format csv` of a plan (or the default one), as text.
fn export(app: &TestApp, kind: &str, plan: Option<&str>) -> String {
    let out = app
        .scratch_dir()
        .join(format!("{kind}-{}.csv", plan.unwrap_or("default")));
    let mut args = vec![
        "export",
        kind,
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ];
    if let Some(p) = plan {
        args.extend(["--plan", p]);
    }
    app.cli_ok(&args);
    String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned()
}

fn assess(app: &TestApp, plan: &str, year: &str) -> String {
    app.cli_ok(&["assess", "--plan", plan, "--year", year, "--format", "json"])
}

/// Each plan assesses as it does alone; adding the second changes nothing of the
/// first; records, exports and figures stay within their plan.
async fn two_plans_assess_as_each_does_alone(app: &mut TestApp) {
    fill_bundled(app, None);
    let bundled_before = assess(app, BUNDLED, "2019");
    let bundled_export = export(app, "transfer", None);

    let out = app.cli_ok(&["plan", "add", OTHER_PLAN]);
    assert!(out.contains(OTHER), "{out}");
    // Adding it again is refused: it is there (amend it with `plan update`).
    let again = app.cli(&["plan", "add", OTHER_PLAN]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("plan update"));
    fill_other(app, Some(OTHER));

    let list = app.cli_ok(&["plan", "list"]);
    assert!(list.contains(BUNDLED) && list.contains(OTHER), "{list}");
    // The bundled plan's figures, to the byte, as before the other plan came.
    assert_eq!(assess(app, BUNDLED, "2019"), bundled_before);
    let other_here = assess(app, OTHER, "2022");

    // The other plan alone in a database of its own, filled alike.
    let alone = TestApp::uninitialised(app.backend);
    alone.cli_ok(&["init", "--plan", OTHER_PLAN]);
    fill_other(&alone, None);
    assert_eq!(other_here, assess(&alone, OTHER, "2022"));

    // Records stay within their plan: V1 is in both, once each.
    assert_eq!(export(app, "transfer", Some(BUNDLED)), bundled_export);
    let other_export = export(app, "transfer", Some(OTHER));
    assert!(
        other_export.contains("威宁县") && !other_export.contains("镇雄县"),
        "{other_export}"
    );
    // The default plan is the one that ends last (neither holds today's year here).
    let default: Value = json_of(app, &["plan", "show", "--format", "json"]);
    let expected_default = if time::OffsetDateTime::now_utc().year() <= 2020 {
        BUNDLED
    } else {
        OTHER
    };
    assert_eq!(default["meta"]["id"], expected_default);
    // An unknown plan is refused, naming those there are.
    let o = app.cli(&["assess", "--plan", "nope", "--year", "2019"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains(OTHER));
    // A plan's amendment is its own: the other's history stays.
    let amended = std::fs::read_to_string(OTHER_PLAN).unwrap().replacen(
        "title = \"",
        "title = \"（修订）",
        1,
    );
    let file = write(app, "other-amended.toml", &amended);
    app.cli_ok(&["plan", "update", &file]);
    let h = json_of(
        app,
        &["plan", "history", "--plan", OTHER, "--format", "json"],
    );
    assert_eq!(h.as_array().unwrap().len(), 2);
    let h = json_of(
        app,
        &["plan", "history", "--plan", BUNDLED, "--format", "json"],
    );
    assert_eq!(h.as_array().unwrap().len(), 1);
    assert_eq!(assess(app, BUNDLED, "2019"), bundled_before);
}

/// A database written before plans stood side by side: its records, batches, units and
/// pairings are attached to the plan it holds, and every figure stays.
async fn existing_records_are_attached_to_the_loaded_plan(app: &mut TestApp) {
    use sea_orm::ConnectionTrait;
    fill_bundled(app, None);
    let before = assess(app, BUNDLED, "2019");
    let db = app.db().await;
    let backend = db.get_database_backend();
    // Back to the schema of the release before: no plan_id, unit names unique.
    let mut sql = vec![
        // The releases after it first (the figures' contributions, derived again from
        // the records by the next assessment).
        "DROP TABLE contribution_state".to_string(),
        "DROP TABLE contribution".to_string(),
        "DELETE FROM seaql_migrations WHERE version = 'm0013_contributions'".to_string(),
        // (reminders, the review queue's indexes, the ID search's index).
        "DROP INDEX record_plan_kind_blind".to_string(),
        "DELETE FROM seaql_migrations WHERE version = 'm0011_record_id_search_index'".to_string(),
        // The releases after it first (receipt confirmations, reminders, the review
        // queue's indexes).
        "ALTER TABLE record DROP COLUMN receipt_confirmed_on".to_string(),
        "ALTER TABLE record DROP COLUMN receipt_confirmed_by".to_string(),
        "DELETE FROM seaql_migrations WHERE version = 'm0012_receipt_confirmation'".to_string(),
        "DROP INDEX record_plan_status_id".to_string(),
        "DROP INDEX record_import_batch".to_string(),
        "DROP INDEX audit_log_action".to_string(),
        "DROP TABLE notice".to_string(),
        "ALTER TABLE app_user DROP COLUMN email".to_string(),
        "DELETE FROM seaql_migrations WHERE version IN ('m0009_reminders', 'm0010_review_queue_indexes')"
            .to_string(),
        "DROP INDEX record_plan_natural_key".to_string(),
        "DROP INDEX record_plan_kind_year".to_string(),
        "DROP INDEX unit_plan_name".to_string(),
    ];
    for table in ["record", "import_batch", "county_pairing", "unit"] {
        sql.push(format!("ALTER TABLE {table} DROP COLUMN plan_id"));
    }
    sql.push("CREATE UNIQUE INDEX record_natural_key ON record (natural_key)".into());
    sql.push("DELETE FROM seaql_migrations WHERE version = 'm0007_plans_side_by_side'".into());
    for s in sql {
        db.execute_unprepared(&s)
            .await
            .unwrap_or_else(|e| panic!("{backend:?} {s}: {e}"));
    }
    db.close().await.unwrap();
    // The next command upgrades the database.
    assert_eq!(assess(app, BUNDLED, "2019"), before);
    let db = app.db().await;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM record WHERE plan_id = 'dongguan-zhaotong-2018-2020'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 2);
    db.close().await.unwrap();
    // And a second plan now fits beside it.
    app.cli_ok(&["plan", "add", OTHER_PLAN]);
    fill_other(app, Some(OTHER));
    assert_eq!(assess(app, BUNDLED, "2019"), before);
}

/// The web serves each plan; a user works on the plans their unit takes part in, chosen
/// with the plan switcher (pages) or the `X-Duikou-Plan` header (API).
async fn users_see_the_plans_their_unit_takes_part_in(app: &mut TestApp) {
    use common::ApiClient;
    app.cli_ok(&["plan", "add", OTHER_PLAN]);
    fill_bundled(app, Some(BUNDLED));
    fill_other(app, Some(OTHER));
    app.add_users(&[
        ("管理员", "admin", None),
        ("镇雄", "receiver", Some("镇雄县")),
        ("威宁", "receiver", Some("威宁县")),
    ]);
    app.restart_server();
    let at = |c: &ApiClient, plan: &str, path: &str| {
        ApiClient::send(
            c.request(reqwest::Method::GET, path)
                .header("X-Duikou-Plan", plan),
        )
    };
    // API: each plan by its header; a unit outside a plan gets 403 there.
    let zx = app.login("镇雄").await;
    let a = at(&zx, BUNDLED, "/api/v1/assessment?year=2019").await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["plan"], BUNDLED);
    let outside = at(&zx, OTHER, "/api/v1/assessment?year=2022").await;
    assert_eq!(outside.status, 403, "{}", outside.text);
    assert_eq!(outside.body["error"], "not_in_plan");
    let wn = app.login("威宁").await;
    let a = at(&wn, OTHER, "/api/v1/assessment?year=2022").await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["plan"], OTHER);
    // Another plan's record looks absent.
    let records = at(&wn, OTHER, "/api/v1/records/transfer").await.body;
    let items = records["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{records}");
    assert!(
        items.iter().all(|r| r["fields"]["payee"] != "镇雄县"),
        "{records}"
    );
    let id = items[0]["id"].as_i64().unwrap();
    // From the bundled plan, the other plan's record is not there.
    let coord = app.login("管理员").await;
    let _ = coord;
    let elsewhere = at(&zx, BUNDLED, &format!("/api/v1/records/transfer/{id}")).await;
    assert_eq!(elsewhere.status, 404, "{}", elsewhere.text);

    // Pages: a county of the bundled plan chooses it; the switcher lists only its plans.
    let zx_pages = app.cookie_login("镇雄").await;
    let home = ApiClient::send(zx_pages.request(reqwest::Method::GET, "/plans")).await;
    assert_eq!(home.status, 200);
    assert!(
        home.text.contains(&format!("choose-{BUNDLED}")),
        "{}",
        home.text
    );
    assert!(
        !home.text.contains(&format!("choose-{OTHER}")),
        "{}",
        home.text
    );
    let chosen = ApiClient::send(zx_pages.request(reqwest::Method::POST, "/plans").form(&[
        ("csrf_token", zx_pages.csrf.clone().unwrap()),
        ("plan", OTHER.into()),
    ]))
    .await;
    assert_eq!(
        chosen.status, 403,
        "a plan outside the unit's is not chosen"
    );
    let chosen = ApiClient::send(zx_pages.request(reqwest::Method::POST, "/plans").form(&[
        ("csrf_token", zx_pages.csrf.clone().unwrap()),
        ("plan", BUNDLED.into()),
    ]))
    .await;
    assert_eq!(chosen.status, 200, "{}", chosen.text);
    let page = zx_pages.get("/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("plan-name"),
        "the plan is named in the header"
    );
    // The administrator sees both and may switch.
    let admin = app.cookie_login("管理员").await;
    let plans = admin.get("/plans").await;
    assert!(
        plans.text.contains(&format!("choose-{BUNDLED}"))
            && plans.text.contains(&format!("choose-{OTHER}")),
        "{}",
        plans.text
    );
    assert!(admin.get("/admin/plan").await.text.contains("plan-switch"));
}

on_both_backends!(
    two_plans_assess_as_each_does_alone,
    existing_records_are_attached_to_the_loaded_plan,
    users_see_the_plans_their_unit_takes_part_in,
);
