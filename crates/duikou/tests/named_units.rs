//! Issue 16 item 7: a unit named in a record it did not report (a co-organiser of an
//! activity, the sending unit of a secondment) sees it read-only, can dispute it
//! (退回复核) back into review, and its figures count the record only once approved.
//! Against the real binary, on SQLite and, with DUIKOU_TEST_POSTGRES_URL, PostgreSQL.

#[macro_use]
mod common;

use common::{ApiClient, Backend, Resp, TestApp};
use serde_json::{Value, json};

const COORD: &str = "经协办";
const QX: &str = "清溪镇";
const HJ: &str = "黄江镇";
/// A town named in none of these records.
const SJ: &str = "石碣镇";

const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", Some("市经协办")),
    (QX, "reporter", Some("清溪镇")),
    (HJ, "reporter", Some("黄江镇")),
    (SJ, "reporter", Some("石碣镇")),
];

/// In process: these tests need the server's answers, not its process or its log.
async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_in_process(backend, USERS).await
}

on_both_backends!(
    co_organised_activity_counts_for_the_named_town_only_once_approved,
    secondment_from_another_town_waits_for_approval,
    dispute_needs_a_reason_and_a_named_unit,
    existing_databases_index_named_units_on_upgrade,
    imported_records_are_indexed_for_the_units_they_name,
    a_restored_backup_indexes_named_units_again,
);

// ------------------------------------------------------------------ helpers

const MEETINGS: &str = "8.1-town-joint-meetings";
const TEACHERS: &str = "8.2-lead-teachers";

fn expect(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
}

fn record_path(kind: &str, id: i64) -> String {
    format!("/api/v1/records/{kind}/{id}")
}

/// A unit's figure of one indicator in 2019, as the coordinator sees it.
async fn figure(coord: &ApiClient, indicator: &str, unit: &str, include_submitted: bool) -> f64 {
    let r = coord
        .get(&format!(
            "/api/v1/assessment?year=2019&as_of=2020-12-31&include_submitted={include_submitted}"
        ))
        .await;
    expect(&r, 200);
    r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["indicator"] == indicator && x["scope"] == unit)
        .unwrap_or_else(|| panic!("no result {indicator} / {unit}"))["actual"]
        .as_f64()
        .unwrap()
}

/// Create a record as `who` and submit it; its id.
async fn create_submitted(who: &ApiClient, kind: &str, body: Value) -> i64 {
    let r = who.post(&format!("/api/v1/records/{kind}"), &body).await;
    expect(&r, 201);
    let id = r.body["id"].as_i64().unwrap();
    expect(
        &who.post(&format!("{}/submit", record_path(kind, id)), &json!({}))
            .await,
        200,
    );
    id
}

async fn listed_ids(c: &ApiClient, kind: &str) -> Vec<i64> {
    let r = c.get(&format!("/api/v1/records/{kind}?per_page=500")).await;
    expect(&r, 200);
    let items = r.body["items"]
        .as_array()
        .or_else(|| r.body["records"].as_array())
        .or_else(|| r.body.as_array())
        .unwrap_or_else(|| panic!("a list: {}", r.text))
        .clone();
    items.iter().filter_map(|x| x["id"].as_i64()).collect()
}

async fn status_of(coord: &ApiClient, kind: &str, id: i64) -> (String, i64) {
    let r = coord.get(&record_path(kind, id)).await;
    expect(&r, 200);
    (
        r.body["status"].as_str().unwrap().to_string(),
        r.body["version"].as_i64().unwrap(),
    )
}

/// The record's history page text, as the named unit's browser gets it.
async fn detail_page(app: &TestApp, who: &str, kind: &str, id: i64) -> String {
    let c = app.cookie_login(who).await;
    let r = c.get(&format!("/records/{kind}/{id}")).await;
    expect(&r, 200);
    r.text
}

async fn audit_count(app: &TestApp, action: &str, id: i64) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = app.db().await;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = '{action}' AND entity_id = '{id}'"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    let n = row.try_get::<i64>("", "n").unwrap();
    db.close().await.unwrap();
    n
}

fn meeting(title: &str, organizers: &[&str]) -> Value {
    json!({ "kind": "镇县党政联席会议", "title": title, "held_on": "2019-05-01",
            "organizers": organizers, "participants": 30 })
}

// ------------------------------------------------------------------ scenarios

/// The exact attack: 清溪镇 reports a joint meeting "organised" with 黄江镇.
async fn co_organised_activity_counts_for_the_named_town_only_once_approved(app: &TestApp) {
    let coord = app.login(COORD).await;
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let sj = app.login(SJ).await;
    let hj_before = figure(&coord, MEETINGS, HJ, true).await;
    let qx_before = figure(&coord, MEETINGS, QX, true).await;

    let id = create_submitted(&qx, "activity", meeting("联席会议", &[QX, HJ])).await;

    // Submitted: the reporter's own "what if approved" figure rises, 黄江镇's does not.
    assert_eq!(figure(&coord, MEETINGS, QX, true).await, qx_before + 1.0);
    assert_eq!(
        figure(&coord, MEETINGS, HJ, true).await,
        hj_before,
        "another town's submitted record raised 黄江镇's figure"
    );
    // 黄江镇 sees it, read-only, in its list (API and page) and on its own.
    assert!(listed_ids(&hj, "activity").await.contains(&id));
    expect(&hj.get(&record_path("activity", id)).await, 200);
    let page = app.cookie_login(HJ).await;
    let list = page.get("/records/activity").await;
    expect(&list, 200);
    assert!(
        list.text.contains(&format!("/records/activity/{id}")),
        "{}",
        list.text
    );
    let r = hj
        .patch(&record_path("activity", id), &json!({ "participants": 1 }))
        .await;
    expect(&r, 403);
    expect(&hj.delete(&record_path("activity", id)).await, 403);
    let detail = detail_page(app, HJ, "activity", id).await;
    assert!(
        detail.contains("id=\"dispute-record\""),
        "no dispute button"
    );
    assert!(
        !detail.contains("id=\"edit-record\""),
        "an edit link for a named unit"
    );
    // A town the record does not name sees nothing of it.
    assert!(!listed_ids(&sj, "activity").await.contains(&id));
    expect(&sj.get(&record_path("activity", id)).await, 404);
    expect(
        &sj.post(
            &format!("{}/dispute", record_path("activity", id)),
            &json!({ "reason": "与我无关" }),
        )
        .await,
        404,
    );

    // Approved: now it counts for 黄江镇 too.
    expect(
        &coord
            .post(
                &format!("{}/approve", record_path("activity", id)),
                &json!({}),
            )
            .await,
        200,
    );
    assert_eq!(figure(&coord, MEETINGS, HJ, false).await, hj_before + 1.0);

    // 黄江镇 disputes it: back in review, out of its figure again, reason shown.
    let r = hj
        .post(
            &format!("{}/dispute", record_path("activity", id)),
            &json!({ "reason": "我镇未参加此次会议" }),
        )
        .await;
    expect(&r, 200);
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(status_of(&coord, "activity", id).await.0, "submitted");
    assert_eq!(figure(&coord, MEETINGS, HJ, true).await, hj_before);
    assert_eq!(audit_count(app, "record.dispute", id).await, 1);
    let detail = detail_page(app, QX, "activity", id).await;
    assert!(
        detail.contains("id=\"dispute-reason\"") && detail.contains("我镇未参加此次会议"),
        "the reporter's detail page does not show the dispute"
    );
    // It waits in the coordinators' review queue.
    let coord_page = app.cookie_login(COORD).await;
    let queue = coord_page.get("/review").await;
    expect(&queue, 200);
    assert!(queue.text.contains(&format!("/records/activity/{id}")));
}

/// A secondment reported by 清溪镇 naming 黄江镇 as the sending unit.
async fn secondment_from_another_town_waits_for_approval(app: &TestApp) {
    let coord = app.login(COORD).await;
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let sj = app.login(SJ).await;
    let before = figure(&coord, TEACHERS, HJ, true).await;
    let sent_before = figure(&coord, "2.2-teachers-sent", "plan", false).await;
    let body = json!({ "name": "张老师", "category": "教师", "direction": "东莞→昭通",
        "from_unit": HJ, "to_unit": QX, "reporting_unit": QX, "start_on": "2019-01-01", "end_on": "2020-06-30" });
    let id = create_submitted(&qx, "secondment", body).await;
    assert_eq!(
        figure(&coord, TEACHERS, HJ, true).await,
        before,
        "a secondment 清溪镇 reported raised 黄江镇's teachers while submitted"
    );
    assert!(listed_ids(&hj, "secondment").await.contains(&id));
    assert!(!listed_ids(&sj, "secondment").await.contains(&id));
    expect(
        &hj.patch(&record_path("secondment", id), &json!({ "name": "李老师" }))
            .await,
        403,
    );

    // Disputed while submitted: still submitted, a new version, the reason in history.
    let (_, v) = status_of(&coord, "secondment", id).await;
    let page = app.cookie_login(HJ).await;
    let csrf = page.csrf.clone().unwrap();
    let r = ApiClient::send(
        page.request(
            reqwest::Method::POST,
            &format!("/records/secondment/{id}/dispute"),
        )
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reason", "此人不是我镇派出"),
        ]),
    )
    .await;
    assert!(
        r.status == 303 || r.status == 200,
        "{} {}",
        r.status,
        r.text
    );
    let (st, v2) = status_of(&coord, "secondment", id).await;
    assert_eq!((st.as_str(), v2), ("submitted", v + 1));
    assert!(
        detail_page(app, HJ, "secondment", id)
            .await
            .contains("此人不是我镇派出")
    );

    expect(
        &coord
            .post(
                &format!("{}/approve", record_path("secondment", id)),
                &json!({}),
            )
            .await,
        200,
    );
    // Sent to 清溪镇, not to 黄江镇's paired county 彝良县: never 黄江镇's 8.2 (到结对县区),
    // but the programme's teachers sent once approved.
    assert_eq!(figure(&coord, TEACHERS, HJ, false).await, before);
    assert_eq!(
        figure(&coord, "2.2-teachers-sent", "plan", false).await,
        sent_before + 1.0
    );
}

async fn dispute_needs_a_reason_and_a_named_unit(app: &TestApp) {
    let coord = app.login(COORD).await;
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let id = create_submitted(&qx, "activity", meeting("会议甲", &[QX, HJ])).await;
    let dispute = format!("{}/dispute", record_path("activity", id));
    let before = status_of(&coord, "activity", id).await;
    for body in [json!({}), json!({ "reason": "   " })] {
        let r = hj.post(&dispute, &body).await;
        expect(&r, 422);
        assert!(r.text.contains("reason"), "{}", r.text);
        assert!(r.text.contains("请填写理由"), "{}", r.text);
    }
    // The page form: refused, with the message next to the field.
    let page = app.cookie_login(HJ).await;
    let csrf = page.csrf.clone().unwrap();
    let r = ApiClient::send(
        page.request(
            reqwest::Method::POST,
            &format!("/records/activity/{id}/dispute"),
        )
        .form(&[("csrf_token", csrf.as_str()), ("reason", "")]),
    )
    .await;
    assert!(r.text.contains("请填写理由"), "{} {}", r.status, r.text);
    // A browser session needs the CSRF token, on the API and on the page form.
    let body = json!({ "reason": "跨站请求" });
    let r = ApiClient::send(page.request(reqwest::Method::POST, &dispute).json(&body)).await;
    expect(&r, 403);
    assert_eq!(r.body["error"], "csrf", "{}", r.text);
    let r = ApiClient::send(
        page.request(
            reqwest::Method::POST,
            &format!("/records/activity/{id}/dispute"),
        )
        .form(&[("csrf_token", "forged-token"), ("reason", "跨站请求")]),
    )
    .await;
    expect(&r, 403);
    assert_eq!(
        status_of(&coord, "activity", id).await,
        before,
        "written anyway"
    );
    assert_eq!(audit_count(app, "record.dispute", id).await, 0);

    // The reporter cannot dispute its own record, nor the coordinator.
    expect(&qx.post(&dispute, &json!({ "reason": "x" })).await, 403);
    expect(&coord.post(&dispute, &json!({ "reason": "x" })).await, 403);

    // A draft naming 黄江镇 is not its to see yet; a rejected record cannot be disputed.
    let r = qx
        .post("/api/v1/records/activity", &meeting("会议乙", &[QX, HJ]))
        .await;
    expect(&r, 201);
    let draft = r.body["id"].as_i64().unwrap();
    expect(&hj.get(&record_path("activity", draft)).await, 404);
    assert!(!listed_ids(&hj, "activity").await.contains(&draft));
    expect(
        &hj.post(
            &format!("{}/dispute", record_path("activity", draft)),
            &json!({ "reason": "x" }),
        )
        .await,
        404,
    );
    expect(
        &coord
            .post(
                &format!("{}/reject", record_path("activity", id)),
                &json!({ "reason": "待核实" }),
            )
            .await,
        200,
    );
    expect(&hj.post(&dispute, &json!({ "reason": "x" })).await, 409);
    assert_eq!(audit_count(app, "record.dispute", id).await, 0);
}

/// A database made before `record_named_unit` existed: the migration builds it from the
/// records, so the named unit sees them after the upgrade.
async fn existing_databases_index_named_units_on_upgrade(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let qx = app.login(QX).await;
    let id = create_submitted(&qx, "activity", meeting("会议丙", &[QX, HJ])).await;
    let db = app.db().await;
    for sql in [
        "DROP TABLE record_named_unit",
        "DELETE FROM seaql_migrations WHERE version = 'm0003_record_named_unit'",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    db.close().await.unwrap();
    // The CLI opens (and so upgrades) the database like the server does.
    app.cli_ok(&["plan", "show"]);
    let hj = app.login(HJ).await;
    assert!(
        listed_ids(&hj, "activity").await.contains(&id),
        "the upgrade did not index the units of existing records"
    );
}

/// An import by 清溪镇 (command line, `--as`): its rows are indexed for 黄江镇 in the
/// import's transaction, and count for 黄江镇 only once approved.
async fn imported_records_are_indexed_for_the_units_they_name(app: &TestApp) {
    let coord = app.login(COORD).await;
    let before = figure(&coord, MEETINGS, HJ, true).await;
    let csv = app.data_dir().join("活动.csv");
    std::fs::write(
        &csv,
        "活动类型,活动名称,日期,主办单位,参与人数\n\
         镇县党政联席会议,导入的会议,2019-06-01,清溪镇、黄江镇,30\n\
         镇县党政联席会议,本镇会议,2019-06-02,清溪镇,30\n",
    )
    .unwrap();
    app.cli_ok(&["import", "activity", csv.to_str().unwrap(), "--as", QX]);
    let hj = app.login(HJ).await;
    let sj = app.login(SJ).await;
    let qx = app.login(QX).await;
    let mine = listed_ids(&qx, "activity").await;
    assert_eq!(mine.len(), 2, "both rows imported");
    let seen = listed_ids(&hj, "activity").await;
    assert_eq!(
        seen.len(),
        1,
        "黄江镇 sees the row naming it, only: {seen:?}"
    );
    assert!(listed_ids(&sj, "activity").await.is_empty());
    assert_eq!(figure(&coord, MEETINGS, HJ, true).await, before);
    let id = seen[0];
    expect(
        &hj.post(
            &format!("{}/dispute", record_path("activity", id)),
            &json!({ "reason": "未参加" }),
        )
        .await,
        200,
    );
}

async fn named_rows(url: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM record_named_unit".to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    let n = row.try_get::<i64>("", "n").unwrap();
    db.close().await.unwrap();
    n
}

/// The index is derived, so a backup leaves it out and a restore builds it again.
async fn a_restored_backup_indexes_named_units_again(app: &TestApp) {
    let qx = app.login(QX).await;
    create_submitted(&qx, "activity", meeting("会议丁", &[QX, HJ])).await;
    create_submitted(&qx, "activity", meeting("会议戊", &[QX, HJ, SJ])).await;
    let source = named_rows(&app.database_url()).await;
    assert_eq!(source, 3);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.zip");
    app.cli_ok(&["backup", file.to_str().unwrap()]);
    let target = dir.path().join("restored");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_duikou"))
        .arg("--data-dir")
        .arg(&target)
        .args(["restore", file.to_str().unwrap()])
        .env_remove("DUIKOU_DATABASE_URL")
        .env_remove("DUIKOU_SECRET_KEY_FILE")
        .env_remove("DUIKOU_DATA_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("sqlite://{}?mode=ro", target.join("duikou.db").display());
    assert_eq!(named_rows(&url).await, source);
}
