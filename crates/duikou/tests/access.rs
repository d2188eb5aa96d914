//! Who gets what (issue 16): redirects stay on this site; a session that must change its
//! password can do nothing else; weak passwords are refused on every path; the duplicate
//! check answers for one's own unit only; search text is literal; exports carry the
//! review status and default to approved records; leaders get figures, not person lists.
//! Every scenario runs on SQLite and, with DUIKOU_TEST_POSTGRES_URL, on PostgreSQL.

#[macro_use]
mod common;

use std::io::Write;
use std::process::Stdio;

use common::{ApiClient, Backend, Resp, TestApp};
use serde_json::{Value, json};

const COORD: &str = "经协办";
const QX: &str = "清溪镇";
/// A second account of 清溪镇.
const QX2: &str = "清溪镇二";
const HJ: &str = "黄江镇";
const VIEWER: &str = "领导";

const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", Some("市经协办")),
    (QX, "reporter", Some("清溪镇")),
    (QX2, "reporter", Some("清溪镇")),
    (HJ, "reporter", Some("黄江镇")),
    (VIEWER, "viewer", None),
];

async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_with_users(backend, USERS).await
}

on_both_backends!(
    redirects_stay_on_this_site,
    must_change_password_blocks_the_api,
    weak_passwords_are_refused_everywhere,
    duplicate_check_answers_for_own_unit_only,
    search_text_is_literal,
    exports_carry_the_status_and_default_to_approved,
    viewers_get_figures_not_person_lists,
    an_existing_database_gets_person_keys_per_unit,
);

// ------------------------------------------------------------------ helpers

#[track_caller]
fn expect(r: &Resp, status: u16) {
    assert_eq!(
        r.status, status,
        "expected {status}, got {}: {}",
        r.status, r.text
    );
}

#[track_caller]
fn expect_error(r: &Resp, status: u16, error: &str) {
    expect(r, status);
    assert_eq!(r.body["error"], error, "{}", r.text);
    let message = r.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(" / "),
        "message in Chinese and English: {message}"
    );
}

/// A client that shows redirects instead of following them, with a cookie store.
fn no_redirects(app: &TestApp) -> ApiClient {
    ApiClient {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap(),
        base: app.base_url.clone(),
        token: None,
        csrf: None,
    }
}

fn id_number(serial: u16) -> String {
    duikou_domain::id_number::make_valid("530627", time::macros::date!(1995 - 06 - 15), serial)
        .as_str()
        .to_string()
}

fn person(id: &str) -> Value {
    json!({ "programme": "劳务就业", "name": "张三", "id_number": id, "registered_poor": true, "started_on": "2019-05-01" })
}

fn transfer(voucher: &str, purpose: &str) -> Value {
    json!({
        "source": "镇街财政", "payer": QX, "payee": "镇雄县", "amount": "10000", "budget_year": 2019,
        "sent_on": "2019-03-15", "voucher_no": voucher, "purpose": purpose,
    })
}

async fn create(api: &ApiClient, kind: &str, body: &Value) -> i64 {
    let r = api.post(&format!("/api/v1/records/{kind}"), body).await;
    expect(&r, 201);
    r.body["id"].as_i64().unwrap()
}

/// Submitted by its reporter, approved by the coordinator.
async fn approved(app: &TestApp, reporter: &ApiClient, kind: &str, body: &Value) -> i64 {
    let id = create(reporter, kind, body).await;
    let p = format!("/api/v1/records/{kind}/{id}");
    expect(
        &reporter.post(&format!("{p}/submit"), &json!({})).await,
        200,
    );
    let coord = app.login(COORD).await;
    expect(&coord.post(&format!("{p}/approve"), &json!({})).await, 200);
    id
}

/// `duikou ARGS` with `input` on standard input.
fn cli_with_stdin(app: &TestApp, args: &[&str], input: &str) -> std::process::Output {
    let mut child = app
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run duikou");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

async fn actual(api: &ApiClient, indicator: &str) -> i64 {
    let r = api.get("/api/v1/assessment?year=2019").await;
    expect(&r, 200);
    r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["indicator"] == indicator && x["scope"] == "plan")
        .unwrap_or_else(|| panic!("{indicator} in {}", r.text))["actual"]
        .as_i64()
        .unwrap()
}

/// CSV rows (BOM stripped), header first.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

// ------------------------------------------------------------------ scenarios

async fn redirects_stay_on_this_site(app: &TestApp) {
    let c = no_redirects(app);
    // As the browser would send them (already percent-encoded where needed).
    let hostile = [
        "/%09/evil.example/x",
        "/%5Cevil.example/x",
        "%5C%5Cevil.example",
        "//evil.example/x",
        "%2F%2Fevil.example",
        "/%0A/evil.example",
        "%20//evil.example",
        "/%20/evil.example",
        "https://evil.example/x",
        "http:evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
    ];
    for back in hostile {
        let r =
            ApiClient::send(c.request(reqwest::Method::GET, &format!("/lang?to=en&back={back}")))
                .await;
        expect(&r, 303);
        assert_eq!(r.header("location"), Some("/"), "back={back}");
        // The sign-in form carries `next` in a hidden field and redirects to it.
        let r =
            ApiClient::send(c.request(reqwest::Method::GET, &format!("/login?next={back}"))).await;
        expect(&r, 200);
        assert_eq!(hidden(&r.text, "next"), "/", "next={back}");
    }
    // A local path is kept.
    let r = c
        .get("/lang?to=zh&back=/records/transfer%3Fyear%3D2019")
        .await;
    assert_eq!(r.header("location"), Some("/records/transfer?year=2019"));

    // After signing in, `next` decides where the browser goes.
    let qx = app.login(QX).await; // the initial password changed
    drop(qx);
    for next in [
        "/\t/evil.example/x",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
    ] {
        let c = no_redirects(app);
        let page = ApiClient::send(c.request(reqwest::Method::GET, "/login")).await;
        let token = hidden(&page.text, "csrf_token");
        let r = ApiClient::send(c.request(reqwest::Method::POST, "/login").form(&[
            ("csrf_token", token.as_str()),
            ("username", QX),
            ("password", app.password(QX).as_str()),
            ("next", next),
        ]))
        .await;
        expect(&r, 303);
        assert_eq!(r.header("location"), Some("/"), "next={next:?}");
    }
}

fn hidden(html: &str, name: &str) -> String {
    common::hidden_field(html, name).expect("hidden field")
}

async fn must_change_password_blocks_the_api(app: &TestApp) {
    // A record of 清溪镇 with an ID number, by the unit's other account.
    let other = app.login(QX2).await;
    let id = id_number(101);
    let rec = create(&other, "person", &person(&id)).await;
    let unmask = format!("/api/v1/records/person/{rec}?unmask=1");

    // Signed in with the initial password: a token and a browser cookie.
    let token = app.login_initial(QX).await;
    let cookie = app.cookie_login_initial(QX).await;
    for c in [&token, &cookie] {
        for r in [
            c.get("/api/v1/records/transfer").await,
            c.get(&unmask).await,
            c.get("/api/v1/plan").await,
            c.get("/api/v1/assessment?year=2019").await,
            ApiClient::send(
                c.with_csrf_opt(
                    c.request(reqwest::Method::POST, "/api/v1/records/transfer")
                        .json(&transfer("A-1", "产业帮扶")),
                ),
            )
            .await,
        ] {
            expect_error(&r, 403, "password_change_required");
            assert!(!r.text.contains(&id));
        }
        let me = c.get("/api/v1/me").await;
        expect(&me, 200);
        assert_eq!(me.body["must_change_password"], true);
    }
    assert_eq!(
        other.get("/api/v1/records/transfer").await.body["total"],
        0,
        "nothing was created"
    );

    // The cookie session needs its CSRF token for the change too.
    let initial = app.password(QX);
    let new = "Wolkenkratzer-Lijiang-1987";
    let body = json!({"current_password": initial, "new_password": new});
    expect_error(
        &cookie.post("/api/v1/me/password", &body).await,
        403,
        "csrf",
    );
    let wrong = token
        .post(
            "/api/v1/me/password",
            &json!({"current_password": "not-it-at-all", "new_password": new}),
        )
        .await;
    expect_error(&wrong, 422, "invalid");
    assert_eq!(wrong.fields(), ["current_password"]);
    let r = token.post("/api/v1/me/password", &body).await;
    expect(&r, 200);
    assert_eq!(r.body["must_change_password"], false);
    // Every old session ended; the answer carries a fresh one that may do everything.
    expect_error(&token.get("/api/v1/me").await, 401, "unauthorized");
    expect_error(&cookie.get("/api/v1/me").await, 401, "unauthorized");
    let fresh = ApiClient {
        token: r.body["token"].as_str().map(str::to_string),
        ..token.clone()
    };
    expect(&fresh.get("/api/v1/records/transfer").await, 200);
    let plain = fresh.get(&unmask).await;
    expect(&plain, 200);
    assert_eq!(plain.body["fields"]["id_number"], id);
    create(&fresh, "transfer", &transfer("A-2", "产业帮扶")).await;
    // And a browser signing in with the new password is let through on the API too.
    let r = app
        .anonymous()
        .post("/api/v1/login", &json!({"username": QX, "password": new}))
        .await;
    assert_eq!(r.body["must_change_password"], false);
}

async fn weak_passwords_are_refused_everywhere(app: &TestApp) {
    let weak = "aaaaaaaaaaaa";
    // API.
    let api = app.login_initial(QX).await;
    let initial = app.password(QX);
    let r = api
        .post(
            "/api/v1/me/password",
            &json!({"current_password": initial, "new_password": weak}),
        )
        .await;
    expect_error(&r, 422, "invalid");
    assert_eq!(r.fields(), ["new_password"]);
    assert!(
        r.text.contains("太容易被猜中") && r.text.contains("too easy to guess"),
        "{}",
        r.text
    );
    assert_eq!(
        api.get("/api/v1/me").await.body["must_change_password"],
        true,
        "unchanged"
    );

    // Page: the change-password form.
    let b = app.cookie_login_initial(HJ).await;
    let csrf = b.csrf.clone().unwrap();
    let r = ApiClient::send(b.request(reqwest::Method::POST, "/password").form(&[
        ("csrf_token", csrf.as_str()),
        ("current_password", app.password(HJ).as_str()),
        ("new_password", weak),
        ("confirm_password", weak),
    ]))
    .await;
    expect(&r, 422);
    assert!(r.text.contains("太容易被猜中"), "{}", r.text);
    let again = app
        .anonymous()
        .post("/api/v1/login", &json!({"username": HJ, "password": weak}))
        .await;
    expect(&again, 401);

    // Command line: refused with the message, exit 2, nothing changed.
    let o = cli_with_stdin(app, &["user", "password", QX2], &format!("{weak}\n"));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("太容易被猜中") && err.contains("too easy to guess"),
        "{err}"
    );
    let r = app
        .anonymous()
        .post("/api/v1/login", &json!({"username": QX2, "password": weak}))
        .await;
    expect(&r, 401);
    let strong = "Bamboo-raft-on-the-Jinsha-42";
    let o = cli_with_stdin(app, &["user", "password", QX2], &format!("{strong}\n"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = app
        .anonymous()
        .post(
            "/api/v1/login",
            &json!({"username": QX2, "password": strong}),
        )
        .await;
    expect(&r, 200);
    assert_eq!(r.body["must_change_password"], false);
}

async fn duplicate_check_answers_for_own_unit_only(app: &TestApp) {
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let id = id_number(202);
    approved(app, &qx, "person", &person(&id)).await;
    // 黄江镇 lists the same person: accepted, and nothing says 清溪镇 has them.
    let r = hj.post("/api/v1/records/person", &person(&id)).await;
    expect(&r, 201);
    assert!(!r.text.contains(QX), "{}", r.text);
    let theirs = r.body["id"].as_i64().unwrap();
    // 清溪镇 listing them again is still caught.
    let dup = qx.post("/api/v1/records/person", &person(&id)).await;
    expect_error(&dup, 422, "invalid");
    assert_eq!(dup.fields(), ["id_number"]);
    assert!(dup.text.contains("本单位"), "{}", dup.text);
    // The figure counts the person once, whoever listed them.
    let p = format!("/api/v1/records/person/{theirs}");
    expect(&hj.post(&format!("{p}/submit"), &json!({})).await, 200);
    expect(
        &app.login(COORD)
            .await
            .post(&format!("{p}/approve"), &json!({}))
            .await,
        200,
    );
    assert_eq!(
        actual(&qx, "5.2-employed").await,
        1,
        "distinct persons by ID number"
    );

    // Import stays idempotent row by row: a file repeating a stored row skips it; the
    // same person in another unit's file is that unit's own row.
    let row = format!("劳务就业,李四,{},是,2019-06-01", id_number(303));
    let write = |name: &str, rows: &[&str]| {
        let file = app.data_dir().join(name);
        std::fs::write(
            &file,
            format!(
                "类别,姓名,身份证号,建档立卡,开始日期\n{}\n",
                rows.join("\n")
            ),
        )
        .unwrap();
        file.to_str().unwrap().to_string()
    };
    let first = app.cli_ok(&["import", "person", &write("a.csv", &[&row]), "--as", QX]);
    assert!(first.contains("1 条新记录"), "{first}");
    let more = format!("劳务就业,王五,{},否,2019-06-01", id_number(304));
    let second = app.cli_ok(&[
        "import",
        "person",
        &write("b.csv", &[&row, &more]),
        "--as",
        QX,
    ]);
    assert!(
        second.contains("1 条新记录") && second.contains("1 条已存在"),
        "{second}"
    );
    // (Another file: an identical one is refused as a whole, by its hash.)
    let theirs = format!("劳务就业,赵六,{},否,2019-06-01", id_number(305));
    let third = app.cli_ok(&[
        "import",
        "person",
        &write("c.csv", &[&row, &theirs]),
        "--as",
        HJ,
    ]);
    assert!(
        third.contains("2 条新记录") && third.contains("0 条已存在"),
        "another unit's row is its own: {third}"
    );
}

async fn search_text_is_literal(app: &TestApp) {
    let qx = app.login(QX).await;
    create(&qx, "transfer", &transfer("S-1", "产业帮扶")).await;
    create(&qx, "transfer", &transfer("S-2", "教育_帮扶")).await;
    create(&qx, "transfer", &transfer("S-4", "教育X帮扶")).await;
    let total = |r: Resp| r.body["total"].as_i64().unwrap();
    assert_eq!(
        total(qx.get("/api/v1/records/transfer?q=%25").await),
        0,
        "no record holds a %"
    );
    assert_eq!(total(qx.get("/api/v1/records/transfer?q=%25%25").await), 0);
    assert_eq!(
        total(qx.get("/api/v1/records/transfer?q=育_帮").await),
        1,
        "only the literal _"
    );
    assert_eq!(total(qx.get("/api/v1/records/transfer?q=!").await), 0);
    create(&qx, "transfer", &transfer("S-3", "完成50%")).await;
    assert_eq!(total(qx.get("/api/v1/records/transfer?q=%25").await), 1);
    assert_eq!(total(qx.get("/api/v1/records/transfer?q=50%25").await), 1);
    assert_eq!(total(qx.get("/api/v1/records/transfer?q=帮扶").await), 3);
}

async fn exports_carry_the_status_and_default_to_approved(app: &TestApp) {
    let qx = app.login(QX).await;
    approved(app, &qx, "transfer", &transfer("E-APPROVED", "产业帮扶")).await;
    create(&qx, "transfer", &transfer("E-DRAFT", "产业帮扶")).await;
    let coord = app.login(COORD).await;
    let bytes = |r: Resp| r.text.into_bytes();

    let rows = csv_rows(&bytes(coord.get("/export/transfer.csv").await));
    assert_eq!(rows[0].last().unwrap(), "审核状态", "{:?}", rows[0]);
    assert_eq!(rows.len(), 2, "approved only: {rows:?}");
    assert!(rows[1].iter().any(|c| c == "E-APPROVED"));
    assert_eq!(rows[1].last().unwrap(), "已审核");
    let all = csv_rows(&bytes(coord.get("/export/transfer.csv?status=all").await));
    assert_eq!(all.len(), 3);
    assert!(
        all.iter()
            .any(|r| r.last().unwrap() == "草稿" && r.iter().any(|c| c == "E-DRAFT"))
    );
    let drafts = csv_rows(&bytes(coord.get("/export/transfer.csv?status=draft").await));
    assert_eq!(drafts.len(), 2);
    assert_eq!(drafts[1].last().unwrap(), "草稿");
    let bad = coord.get("/export/transfer.csv?status=bogus").await;
    expect(&bad, 422);
    assert!(bad.text.contains("审核状态无效"), "{}", bad.text);

    // The command line: the same default, `--status all` for everything.
    let out = app.data_dir().join("拨付.csv");
    let o = out.to_str().unwrap();
    app.cli_ok(&["export", "transfer", "--format", "csv", "--out", o]);
    let rows = csv_rows(&std::fs::read(&out).unwrap());
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1].last().unwrap(), "已审核");
    app.cli_ok(&[
        "export", "transfer", "--format", "csv", "--out", o, "--status", "all",
    ]);
    assert_eq!(csv_rows(&std::fs::read(&out).unwrap()).len(), 3);
    let bad = app.cli(&["export", "transfer", "--status", "bogus", "--out", o]);
    assert_eq!(bad.status.code(), Some(2));
    // An export still imports back: the status column is read past.
    let check = app.cli_ok(&["import", "transfer", o, "--dry-run"]);
    assert!(check.contains("2 条已存在"), "{check}");
}

async fn viewers_get_figures_not_person_lists(app: &TestApp) {
    let qx = app.login(QX).await;
    let rec = approved(app, &qx, "person", &person(&id_number(404))).await;
    approved(app, &qx, "transfer", &transfer("V-1", "产业帮扶")).await;
    let viewer = app.login(VIEWER).await;
    let list = viewer.get("/api/v1/records/person").await;
    expect_error(&list, 403, "forbidden");
    assert!(!list.text.contains("张三"));
    let one = viewer.get(&format!("/api/v1/records/person/{rec}")).await;
    expect_error(&one, 404, "not_found");
    // Pages and exports too.
    let b = app.cookie_login(VIEWER).await;
    let page = b.get("/records/person").await;
    expect(&page, 403);
    assert!(!page.text.contains("张三"));
    let index = b.get("/records").await;
    expect(&index, 200);
    assert!(
        !index.text.contains("/records/person"),
        "no link to person lists"
    );
    expect(&b.get(&format!("/records/person/{rec}")).await, 404);
    for path in ["/export/person.csv", "/export/person.xlsx"] {
        let r = b.get(path).await;
        expect(&r, 403);
        assert!(!r.text.contains("张三"));
    }
    // Other kinds and the figures stay.
    assert_eq!(
        viewer.get("/api/v1/records/transfer").await.body["total"],
        1
    );
    assert_eq!(actual(&viewer, "5.2-employed").await, 1);
    // Roles that need person lists keep them.
    let coord = app.login(COORD).await;
    assert_eq!(coord.get("/api/v1/records/person").await.body["total"], 1);
    assert_eq!(qx.get("/api/v1/records/person").await.body["total"], 1);
}

trait CsrfOpt {
    fn with_csrf_opt(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder;
}

impl CsrfOpt for ApiClient {
    /// The CSRF header for a cookie session; nothing for a bearer token.
    fn with_csrf_opt(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.csrf {
            Some(_) => self.with_csrf(rb),
            None => rb,
        }
    }
}

/// Person natural keys stored before the per-unit key (`person|programme|…`) are
/// rewritten at the next open, so the duplicate check keeps catching a unit's own repeat.
async fn an_existing_database_gets_person_keys_per_unit(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let id = id_number(505);
    let rec = create(&qx, "person", &person(&id)).await;
    let db = app.db().await;
    let new_key = natural_key_of(&db, rec).await;
    assert!(new_key.starts_with("person|清溪镇|劳务就业|"), "{new_key}");
    // As the database was before the migration.
    let old_key = format!("person|{}", &new_key["person|清溪镇|".len()..]);
    for sql in [
        format!("UPDATE record SET natural_key = '{old_key}' WHERE id = {rec}"),
        "DELETE FROM seaql_migrations WHERE version = 'm0005_person_key_per_unit'".to_string(),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    db.close().await.unwrap();
    app.cli_ok(&["audit", "verify"]);
    let db = app.db().await;
    assert_eq!(natural_key_of(&db, rec).await, new_key);
    db.close().await.unwrap();
    let dup = qx.post("/api/v1/records/person", &person(&id)).await;
    expect_error(&dup, 422, "invalid");
    expect(&hj.post("/api/v1/records/person", &person(&id)).await, 201);
}

async fn natural_key_of(db: &sea_orm::DatabaseConnection, id: i64) -> String {
    use sea_orm::ConnectionTrait;
    let sql = format!("SELECT natural_key FROM record WHERE id = {id}");
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        sql,
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<String>("", "natural_key")
    .unwrap()
}
