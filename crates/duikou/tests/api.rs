//! The JSON API under /api/v1, against the real binary (`duikou serve`): sign-in and
//! lockout, roles and units, the review workflow, receipt confirmation, validation,
//! optimistic locking, personal data, the assessment, CSRF and the OpenAPI document.
//! Every scenario runs on SQLite and, when DUIKOU_TEST_POSTGRES_URL is set, on PostgreSQL.

#[macro_use]
mod common;

use common::{ApiClient, Backend, Resp, TestApp};
use serde_json::{Value, json};

const COORD: &str = "经协办";
/// A second coordinator: four eyes, nobody reviews their own entries.
const COORD2: &str = "第五工作组";
const QX: &str = "清溪镇";
const HJ: &str = "黄江镇";
const ZX: &str = "镇雄县";
const YL: &str = "彝良县";
const VIEWER: &str = "领导";
const AUDITOR: &str = "审计";
const ADMIN: &str = "管理员";

const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", Some("市经协办")),
    (COORD2, "coordinator", Some("市经协办")),
    (QX, "reporter", Some("清溪镇")),
    (HJ, "reporter", Some("黄江镇")),
    (ZX, "receiver", Some("镇雄县")),
    (YL, "receiver", Some("彝良县")),
    (VIEWER, "viewer", None),
    (AUDITOR, "auditor", None),
    (ADMIN, "admin", None),
];

async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_with_users(backend, USERS).await
}

on_both_backends!(
    login_and_lockout,
    every_route_needs_a_login,
    transfer_workflow,
    validation_and_optimistic_locking,
    roles_without_entry,
    personal_data_unmasking,
    assessment_follows_confirmed_approved_transfers,
    cookie_sessions_need_the_csrf_token,
    openapi_lists_every_route,
    cached_answers_follow_scope_and_writes,
);

// ------------------------------------------------------------------ helpers

fn transfer(voucher: &str, source: &str, payer: &str, payee: &str, amount: &str) -> Value {
    json!({
        "source": source, "payer": payer, "payee": payee, "amount": amount, "budget_year": 2019,
        "sent_on": "2019-03-15", "voucher_no": voucher, "purpose": "产业帮扶",
    })
}

fn qx_transfer(voucher: &str) -> Value {
    transfer(voucher, "镇街财政", "清溪镇", "镇雄县", "1000000")
}

fn path(kind: &str, id: i64) -> String {
    format!("/api/v1/records/{kind}/{id}")
}

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
    assert!(r.body["fields"].is_array(), "{}", r.text);
}

async fn create(api: &ApiClient, kind: &str, body: &Value) -> Value {
    let r = api.post(&format!("/api/v1/records/{kind}"), body).await;
    expect(&r, 201);
    r.body
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

async fn action(api: &ApiClient, kind: &str, id: i64, act: &str, body: &Value) -> Resp {
    api.post(&format!("{}/{act}", path(kind, id)), body).await
}

async fn list_ids(api: &ApiClient, query: &str) -> Vec<i64> {
    let r = api.get(&format!("/api/v1/records/transfer{query}")).await;
    expect(&r, 200);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect()
}

/// The figure of one indicator and scope in an assessment document.
fn figure(a: &Value, indicator: &str, scope: &str) -> f64 {
    a["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == indicator && r["scope"] == scope)
        .unwrap_or_else(|| panic!("no result {indicator} / {scope}"))["actual"]
        .as_f64()
        .unwrap()
}

// ------------------------------------------------------------------ scenarios

async fn login_and_lockout(app: &TestApp) {
    let anon = app.anonymous();
    let ok = anon
        .post(
            "/api/v1/login",
            &json!({ "username": QX, "password": app.password(QX) }),
        )
        .await;
    expect(&ok, 200);
    assert_eq!(ok.body["token"].as_str().unwrap().len(), 64);
    assert!(ok.body["csrf_token"].is_string());
    assert_eq!(
        ok.body["must_change_password"], true,
        "users made by `user add` change their password first"
    );
    assert_eq!(ok.body["user"]["role"], "reporter");
    assert_eq!(ok.body["user"]["unit"], "清溪镇");
    let cookie = ok
        .header("set-cookie")
        .expect("a session cookie for browsers");
    assert!(cookie.starts_with("duikou_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert_eq!(ok.header("cache-control"), Some("no-store"));

    // The token works (for who-am-I only, until the initial password is changed), and
    // logout ends it.
    let api = ApiClient {
        token: ok.body["token"].as_str().map(str::to_string),
        ..anon.clone()
    };
    expect_error(
        &api.get("/api/v1/plan").await,
        403,
        "password_change_required",
    );
    expect(&api.get("/api/v1/me").await, 200);
    expect(&api.post("/api/v1/logout", &json!({})).await, 204);
    expect_error(&api.get("/api/v1/me").await, 401, "unauthorized");

    // One answer for a wrong password and an unknown user.
    let wrong = anon
        .post(
            "/api/v1/login",
            &json!({ "username": HJ, "password": "not-the-password" }),
        )
        .await;
    expect_error(&wrong, 401, "invalid_login");
    let unknown = anon
        .post(
            "/api/v1/login",
            &json!({ "username": "没有这个人", "password": "not-the-password" }),
        )
        .await;
    expect_error(&unknown, 401, "invalid_login");
    assert_eq!(wrong.body, unknown.body, "no user enumeration");
    let empty = anon
        .post("/api/v1/login", &json!({ "username": "", "password": "" }))
        .await;
    assert_eq!(empty.body, unknown.body);

    // Malformed requests.
    expect_error(
        &ApiClient::send(anon.request(reqwest::Method::POST, "/api/v1/login")).await,
        400,
        "bad_request",
    );
    let not_json = ApiClient::send(
        anon.request(reqwest::Method::POST, "/api/v1/login")
            .body("username=a&password=b")
            .header("content-type", "application/x-www-form-urlencoded"),
    )
    .await;
    expect_error(&not_json, 415, "unsupported_media_type");
    expect_error(
        &anon.post("/api/v1/login", &json!({ "username": QX })).await,
        422,
        "invalid",
    );

    // Lockout after repeated failures: the right password no longer helps.
    app.add_user("锁定测试", "reporter", Some("清溪镇"));
    for i in 0..5 {
        let r = anon
            .post(
                "/api/v1/login",
                &json!({ "username": "锁定测试", "password": format!("wrong-{i}") }),
            )
            .await;
        expect_error(&r, 401, "invalid_login");
    }
    let locked = anon
        .post(
            "/api/v1/login",
            &json!({ "username": "锁定测试", "password": app.password("锁定测试") }),
        )
        .await;
    expect_error(&locked, 429, "locked");
    let retry: i64 = locked
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 30, "{retry}");
    // Other accounts are not affected.
    expect(
        &anon
            .post(
                "/api/v1/login",
                &json!({ "username": HJ, "password": app.password(HJ) }),
            )
            .await,
        200,
    );
}

async fn every_route_needs_a_login(app: &TestApp) {
    let anon = app.anonymous();
    let bogus = ApiClient {
        token: Some("0".repeat(64)),
        ..anon.clone()
    };
    let routes: &[(&str, &str)] = &[
        ("POST", "/api/v1/logout"),
        ("GET", "/api/v1/me"),
        ("POST", "/api/v1/me/password"),
        ("GET", "/api/v1/records/transfer"),
        ("POST", "/api/v1/records/transfer"),
        ("GET", "/api/v1/records/transfer/1"),
        ("PATCH", "/api/v1/records/transfer/1"),
        ("DELETE", "/api/v1/records/transfer/1"),
        ("POST", "/api/v1/records/transfer/1/submit"),
        ("POST", "/api/v1/records/transfer/1/approve"),
        ("POST", "/api/v1/records/transfer/1/reject"),
        ("POST", "/api/v1/records/transfer/1/reopen"),
        ("POST", "/api/v1/records/transfer/1/confirm"),
        ("POST", "/api/v1/records/transfer/bulk-approve"),
        ("GET", "/api/v1/records/nosuchkind"),
        ("GET", "/api/v1/assessment?year=2019"),
        ("GET", "/api/v1/plan"),
    ];
    for client in [&anon, &bogus] {
        for (method, p) in routes {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let r = ApiClient::send(client.request(m, p).json(&json!({}))).await;
            assert_eq!(
                r.status, 401,
                "{method} {p} without a valid login: {}",
                r.text
            );
            assert_eq!(r.body["error"], "unauthorized", "{method} {p}");
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        }
    }
    // Public: the documentation, and unknown API paths answer in JSON.
    expect(&anon.get("/api/v1/openapi.json").await, 200);
    let api = app.login(QX).await;
    expect_error(&api.get("/api/v1/nothing-here").await, 404, "not_found");
}

async fn transfer_workflow(app: &TestApp) {
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let coord = app.login(COORD).await;
    let zx = app.login(ZX).await;
    let yl = app.login(YL).await;

    // 清溪镇 reports a transfer: a draft of its own.
    let r = qx
        .post("/api/v1/records/transfer", &qx_transfer("QX-001"))
        .await;
    expect(&r, 201);
    let id = id_of(&r.body);
    assert_eq!(r.header("location"), Some(path("transfer", id).as_str()));
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["kind"], "transfer");
    assert_eq!(r.body["reporting_unit"], "清溪镇");
    assert_eq!(r.body["plan_year"], 2019);
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["fields"]["payer"], "清溪镇");
    assert_eq!(
        r.body["fields"]["amount"], "1000000.00",
        "money is shown as exact yuan text"
    );
    let read = qx.get(&path("transfer", id)).await;
    expect(&read, 200);
    assert_eq!(read.body, r.body);
    assert!(list_ids(&qx, "").await.contains(&id));
    expect_error(&qx.get(&path("project", id)).await, 404, "not_found");

    // 黄江镇 can neither see nor change it, nor report for 清溪镇.
    expect_error(&hj.get(&path("transfer", id)).await, 404, "not_found");
    expect_error(
        &hj.patch(&path("transfer", id), &json!({ "purpose": "x" }))
            .await,
        404,
        "not_found",
    );
    expect_error(&hj.delete(&path("transfer", id)).await, 404, "not_found");
    expect_error(
        &action(&hj, "transfer", id, "submit", &json!({})).await,
        404,
        "not_found",
    );
    assert!(!list_ids(&hj, "").await.contains(&id));
    expect_error(
        &hj.post("/api/v1/records/transfer", &qx_transfer("HJ-001"))
            .await,
        403,
        "forbidden",
    );
    // ...nor may 清溪镇 move its record to 黄江镇.
    expect_error(
        &qx.patch(&path("transfer", id), &json!({ "payer": "黄江镇" }))
            .await,
        403,
        "forbidden",
    );
    // The receipt date comes from the payee's confirmation, not from the payer.
    expect_error(
        &qx.patch(
            &path("transfer", id),
            &json!({ "received_on": "2019-04-01" }),
        )
        .await,
        403,
        "forbidden",
    );
    let mut with_receipt = qx_transfer("QX-009");
    with_receipt["received_on"] = json!("2019-04-01");
    expect_error(
        &qx.post("/api/v1/records/transfer", &with_receipt).await,
        403,
        "forbidden",
    );

    // A partial change keeps everything else.
    let r = qx
        .patch(
            &path("transfer", id),
            &json!({ "purpose": "产业帮扶（追加）", "version": 1 }),
        )
        .await;
    expect(&r, 200);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["fields"]["purpose"], "产业帮扶（追加）");
    assert_eq!(r.body["fields"]["amount"], "1000000.00");
    assert_eq!(r.body["fields"]["voucher_no"], "QX-001");
    assert_eq!(r.body["reporting_unit"], "清溪镇");

    // Submit; a submitted record is locked for its reporter.
    let r = action(&qx, "transfer", id, "submit", &json!({})).await;
    expect(&r, 200);
    assert_eq!(r.body["status"], "submitted");
    expect_error(
        &qx.patch(&path("transfer", id), &json!({ "purpose": "y" }))
            .await,
        409,
        "conflict",
    );
    // Only a coordinator reviews.
    expect_error(
        &action(&qx, "transfer", id, "approve", &json!({})).await,
        403,
        "forbidden",
    );
    let r = action(&coord, "transfer", id, "approve", &json!({})).await;
    expect(&r, 200);
    assert_eq!(r.body["status"], "approved");
    expect_error(
        &action(&coord, "transfer", id, "approve", &json!({})).await,
        409,
        "conflict",
    );

    // Approved: locked.
    expect_error(
        &qx.patch(&path("transfer", id), &json!({ "purpose": "z" }))
            .await,
        409,
        "conflict",
    );
    expect_error(&qx.delete(&path("transfer", id)).await, 409, "conflict");
    expect_error(
        &coord
            .patch(&path("transfer", id), &json!({ "purpose": "z" }))
            .await,
        409,
        "conflict",
    );

    // The payee county confirms receipt; no other county, no reporter.
    expect_error(
        &action(
            &yl,
            "transfer",
            id,
            "confirm",
            &json!({ "received_on": "2019-04-01" }),
        )
        .await,
        404,
        "not_found",
    );
    expect_error(
        &action(
            &qx,
            "transfer",
            id,
            "confirm",
            &json!({ "received_on": "2019-04-01" }),
        )
        .await,
        403,
        "forbidden",
    );
    let bad = action(
        &zx,
        "transfer",
        id,
        "confirm",
        &json!({ "received_on": "someday" }),
    )
    .await;
    expect_error(&bad, 422, "invalid");
    assert_eq!(bad.fields(), ["received_on"]);
    expect_error(
        &action(&zx, "transfer", id, "confirm", &json!({})).await,
        422,
        "invalid",
    );
    let r = action(
        &zx,
        "transfer",
        id,
        "confirm",
        &json!({ "received_on": "2019-04-01" }),
    )
    .await;
    expect(&r, 200);
    assert_eq!(r.body["fields"]["received_on"], "2019-04-01");
    expect_error(
        &action(
            &zx,
            "transfer",
            id,
            "confirm",
            &json!({ "received_on": "2019-04-02" }),
        )
        .await,
        409,
        "conflict",
    );
    expect_error(
        &action(
            &zx,
            "project",
            id,
            "confirm",
            &json!({ "received_on": "2019-04-02" }),
        )
        .await,
        404,
        "not_found",
    );
    // The receiver sees transfers paid to it; the other county does not.
    assert!(list_ids(&zx, "").await.contains(&id));
    assert!(!list_ids(&yl, "").await.contains(&id));

    // Reopen needs a reason; then it is a draft again and the reporter may change it.
    // A change of the amount clears the confirmed receipt: the payee is asked again.
    let r = action(&coord, "transfer", id, "reopen", &json!({})).await;
    expect_error(&r, 422, "invalid");
    assert_eq!(r.fields(), ["reason"]);
    expect_error(
        &action(&coord, "transfer", id, "reopen", &json!({ "reason": "  " })).await,
        422,
        "invalid",
    );
    let r = action(
        &coord,
        "transfer",
        id,
        "reopen",
        &json!({ "reason": "金额需更正" }),
    )
    .await;
    expect(&r, 200);
    assert_eq!(r.body["status"], "draft");
    let r = qx
        .patch(&path("transfer", id), &json!({ "amount": "1,200,000" }))
        .await;
    expect(&r, 200);
    assert_eq!(r.body["fields"]["amount"], "1200000.00");
    assert!(r.body["fields"].get("received_on").is_none(), "{}", r.body);

    // Reject with a reason, correct, resubmit.
    expect(
        &action(&qx, "transfer", id, "submit", &json!({})).await,
        200,
    );
    expect_error(
        &action(&coord, "transfer", id, "reject", &json!({})).await,
        422,
        "invalid",
    );
    let r = action(
        &coord,
        "transfer",
        id,
        "reject",
        &json!({ "reason": "凭证号有误" }),
    )
    .await;
    expect(&r, 200);
    assert_eq!(r.body["status"], "rejected");
    assert_eq!(r.body["reject_reason"], "凭证号有误");
    let r = qx
        .patch(&path("transfer", id), &json!({ "voucher_no": "QX-001A" }))
        .await;
    expect(&r, 200);
    assert_eq!(r.body["status"], "rejected");
    let r = action(&qx, "transfer", id, "submit", &json!({})).await;
    expect(&r, 200);
    assert_eq!(r.body["status"], "submitted");

    // Submitted at creation; bulk approval by a coordinator.
    let mut b = qx_transfer("QX-002");
    b["submit"] = json!(true);
    let second = create(&qx, "transfer", &b).await;
    assert_eq!(second["status"], "submitted");
    let draft = create(&qx, "transfer", &qx_transfer("QX-003")).await;
    let ids = json!({ "ids": [id, id_of(&second), id_of(&draft), 999_999] });
    expect_error(
        &qx.post("/api/v1/records/transfer/bulk-approve", &ids).await,
        403,
        "forbidden",
    );
    let r = coord
        .post("/api/v1/records/transfer/bulk-approve", &ids)
        .await;
    expect(&r, 200);
    assert_eq!(r.body["approved"], 2);
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .map(|x| x["ok"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        [true, true, false, false]
    );
    assert_eq!(
        qx.get(&path("transfer", id_of(&second))).await.body["status"],
        "approved"
    );
    expect_error(
        &coord
            .post(
                "/api/v1/records/transfer/bulk-approve",
                &json!({ "ids": [] }),
            )
            .await,
        422,
        "invalid",
    );

    // Filters and paging.
    let r = qx
        .get("/api/v1/records/transfer?status=approved&year=2019&unit=清溪镇&per_page=1&page=1")
        .await;
    expect(&r, 200);
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["per_page"], 1);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    let page2 = qx
        .get("/api/v1/records/transfer?status=approved&per_page=1&page=2")
        .await;
    assert_ne!(page2.body["items"][0]["id"], r.body["items"][0]["id"]);
    assert_eq!(
        qx.get("/api/v1/records/transfer?status=draft").await.body["total"],
        1
    );
    assert_eq!(
        qx.get("/api/v1/records/transfer?q=QX-003").await.body["total"],
        1
    );
    assert_eq!(
        qx.get("/api/v1/records/transfer?year=2018").await.body["total"],
        0
    );
    assert_eq!(
        qx.get("/api/v1/records/transfer?status=bogus")
            .await
            .fields(),
        ["status"]
    );
    assert_eq!(
        qx.get("/api/v1/records/transfer?year=abc").await.fields(),
        ["year"]
    );
    assert_eq!(
        qx.get("/api/v1/records/transfer?unit=火星").await.fields(),
        ["unit"]
    );
    assert_eq!(
        qx.get("/api/v1/records/transfer?per_page=0").await.fields(),
        ["per_page"]
    );
    assert_eq!(
        qx.get("/api/v1/records/transfer?page=0").await.fields(),
        ["page"]
    );
    // Chinese kind names work too; unknown kinds, ids and actions are 404.
    expect(&qx.get("/api/v1/records/资金拨付").await, 200);
    expect_error(
        &qx.get("/api/v1/records/nosuchkind").await,
        404,
        "not_found",
    );
    expect_error(
        &qx.get("/api/v1/records/transfer/abc").await,
        404,
        "not_found",
    );
    expect_error(
        &qx.get("/api/v1/records/transfer/999999").await,
        404,
        "not_found",
    );
    expect_error(
        &action(&qx, "transfer", id_of(&draft), "publish", &json!({})).await,
        404,
        "not_found",
    );

    // Delete a draft.
    expect_error(
        &hj.delete(&path("transfer", id_of(&draft))).await,
        404,
        "not_found",
    );
    expect(&qx.delete(&path("transfer", id_of(&draft))).await, 204);
    expect_error(
        &qx.get(&path("transfer", id_of(&draft))).await,
        404,
        "not_found",
    );
}

async fn validation_and_optimistic_locking(app: &TestApp) {
    let qx = app.login(QX).await;
    let coord = app.login(COORD).await;

    let mut bad = qx_transfer("QX-100");
    bad["amount"] = json!("-5");
    let r = qx.post("/api/v1/records/transfer", &bad).await;
    expect_error(&r, 422, "invalid");
    assert_eq!(r.fields(), ["amount"]);
    let f = &r.body["fields"][0];
    assert_eq!(f["field_zh"], "金额（元）");
    assert!(!f["zh"].as_str().unwrap().is_empty() && !f["en"].as_str().unwrap().is_empty());
    bad["amount"] = json!("一百万");
    assert_eq!(
        qx.post("/api/v1/records/transfer", &bad).await.fields(),
        ["amount"]
    );
    bad["amount"] = json!("1.005");
    assert_eq!(
        qx.post("/api/v1/records/transfer", &bad).await.fields(),
        ["amount"]
    );

    // Several problems at once, each named.
    let r = qx
        .post(
            "/api/v1/records/transfer",
            &json!({ "source": "镇街财政", "payer": "清溪镇", "payee": "火星" }),
        )
        .await;
    expect_error(&r, 422, "invalid");
    let fields = r.fields();
    for f in ["payee", "amount", "budget_year", "sent_on", "voucher_no"] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }

    // Unknown fields are refused by name.
    let mut unknown = qx_transfer("QX-101");
    unknown["colour"] = json!("red");
    let r = qx.post("/api/v1/records/transfer", &unknown).await;
    expect_error(&r, 422, "invalid");
    assert_eq!(r.fields(), ["colour"]);
    assert!(r.body["message"].as_str().unwrap().contains("colour"));
    let mut bad_submit = qx_transfer("QX-101");
    bad_submit["submit"] = json!("yes");
    assert_eq!(
        qx.post("/api/v1/records/transfer", &bad_submit)
            .await
            .fields(),
        ["submit"]
    );
    expect_error(
        &qx.post("/api/v1/records/transfer", &json!([1, 2])).await,
        422,
        "invalid",
    );
    let broken = ApiClient::send(
        qx.request(reqwest::Method::POST, "/api/v1/records/transfer")
            .header("content-type", "application/json")
            .body("{\"payer\":"),
    )
    .await;
    expect_error(&broken, 400, "bad_request");

    // Chinese column names, and 万元 columns, as in import files.
    let r = qx
        .post(
            "/api/v1/records/transfer",
            &json!({ "资金来源": "镇街财政", "拨付单位": "清溪镇", "接收单位": "镇雄县", "金额（万元）": "100", "资金年度": "2019", "拨付日期": "2019/3/15", "凭证号": "QX-102" }),
        )
        .await;
    expect(&r, 201);
    assert_eq!(r.body["fields"]["amount"], "1000000.00");
    assert_eq!(r.body["fields"]["sent_on"], "2019-03-15");

    // Duplicate voucher number of the same payer.
    let dup = qx
        .post("/api/v1/records/transfer", &qx_transfer("QX-102"))
        .await;
    expect_error(&dup, 422, "invalid");
    assert_eq!(dup.fields(), ["voucher_no"]);

    // Optimistic locking: a change based on an old version is refused.
    let rec = create(&qx, "transfer", &qx_transfer("QX-103")).await;
    let id = id_of(&rec);
    expect(
        &qx.patch(
            &path("transfer", id),
            &json!({ "purpose": "第一次", "version": 1 }),
        )
        .await,
        200,
    );
    let stale = qx
        .patch(
            &path("transfer", id),
            &json!({ "purpose": "第二次", "version": 1 }),
        )
        .await;
    expect_error(&stale, 409, "conflict");
    assert_eq!(
        qx.get(&path("transfer", id)).await.body["fields"]["purpose"],
        "第一次"
    );
    assert_eq!(
        qx.patch(&path("transfer", id), &json!({ "version": "two" }))
            .await
            .fields(),
        ["version"]
    );
    let r = qx
        .patch(&path("transfer", id), &json!({ "amount": "0" }))
        .await;
    assert_eq!(r.fields(), ["amount"]);
    assert_eq!(
        qx.patch(&path("transfer", id), &json!({ "nope": 1 }))
            .await
            .fields(),
        ["nope"]
    );
    // Clearing an optional field with null.
    let r = qx
        .patch(&path("transfer", id), &json!({ "purpose": null }))
        .await;
    expect(&r, 200);
    assert!(r.body["fields"].get("purpose").is_none(), "{}", r.text);
    // Transitions take the version too.
    expect_error(
        &action(&qx, "transfer", id, "submit", &json!({ "version": 1 })).await,
        409,
        "conflict",
    );
    let v = qx.get(&path("transfer", id)).await.body["version"].clone();
    expect(
        &action(&qx, "transfer", id, "submit", &json!({ "version": v })).await,
        200,
    );

    // A coordinator reports for any unit, with the unit kept through changes.
    let r = coord
        .post(
            "/api/v1/records/transfer",
            &transfer("CZ-100", "市级财政", "市财政局", "镇雄县", "5000000"),
        )
        .await;
    expect(&r, 201);
    assert_eq!(r.body["reporting_unit"], "市财政局");
    let r = coord.post("/api/v1/records/activity", &json!({ "kind": "招商推介会", "title": "推介会", "held_on": "2019-05-01", "organizers": ["清溪镇", "黄江镇"], "participants": 120 })).await;
    expect(&r, 201);
    assert_eq!(r.body["fields"]["organizers"], json!(["清溪镇", "黄江镇"]));
    let r = coord
        .patch(
            &path("activity", id_of(&r.body)),
            &json!({ "participants": 150 }),
        )
        .await;
    expect(&r, 200);
    assert_eq!(r.body["reporting_unit"], "清溪镇");
    assert_eq!(r.body["fields"]["participants"], 150);
}

async fn roles_without_entry(app: &TestApp) {
    let qx = app.login(QX).await;
    let coord = app.login(COORD).await;
    let viewer = app.login(VIEWER).await;
    let auditor = app.login(AUDITOR).await;
    let admin = app.login(ADMIN).await;
    let zx = app.login(ZX).await;

    let draft = create(&qx, "transfer", &qx_transfer("QX-200")).await;
    let mut b = qx_transfer("QX-201");
    b["submit"] = json!(true);
    let approved = id_of(&create(&qx, "transfer", &b).await);
    expect(
        &action(&coord, "transfer", approved, "approve", &json!({})).await,
        200,
    );

    // Viewers and auditors read but do not write.
    for (who, api) in [("viewer", &viewer), ("auditor", &auditor)] {
        expect_error(
            &api.post("/api/v1/records/transfer", &qx_transfer("X-1"))
                .await,
            403,
            "forbidden",
        );
        expect_error(
            &api.patch(&path("transfer", approved), &json!({ "purpose": "x" }))
                .await,
            403,
            "forbidden",
        );
        expect_error(
            &api.delete(&path("transfer", approved)).await,
            403,
            "forbidden",
        );
        expect_error(
            &action(
                api,
                "transfer",
                approved,
                "reopen",
                &json!({ "reason": "x" }),
            )
            .await,
            403,
            "forbidden",
        );
        expect(&api.get(&path("transfer", approved)).await, 200);
        let _ = who;
    }
    // A viewer sees approved records only.
    expect_error(
        &viewer.get(&path("transfer", id_of(&draft))).await,
        404,
        "not_found",
    );
    let seen = list_ids(&viewer, "").await;
    assert!(seen.contains(&approved) && !seen.contains(&id_of(&draft)));
    assert!(list_ids(&auditor, "").await.contains(&id_of(&draft)));
    // Admins manage users, not records.
    expect_error(
        &admin.get("/api/v1/records/transfer").await,
        403,
        "forbidden",
    );
    expect_error(
        &admin.get(&path("transfer", approved)).await,
        403,
        "forbidden",
    );
    expect_error(
        &admin
            .post("/api/v1/records/transfer", &qx_transfer("X-2"))
            .await,
        403,
        "forbidden",
    );
    expect_error(
        &admin.get("/api/v1/assessment?year=2019").await,
        403,
        "forbidden",
    );
    expect(&admin.get("/api/v1/plan").await, 200);
    // A receiver reports projects in its county only, and no transfers.
    expect_error(
        &zx.post(
            "/api/v1/records/transfer",
            &transfer("ZX-1", "市级财政", "市财政局", "镇雄县", "1"),
        )
        .await,
        403,
        "forbidden",
    );
    let project = json!({ "name": "校舍改造", "county": "镇雄县", "category": "校舍", "aid_amount": "800000", "started_on": "2019-05-01" });
    let p = create(&zx, "project", &project).await;
    assert_eq!(p["reporting_unit"], "镇雄县");
    let mut other = project.clone();
    other["county"] = json!("彝良县");
    expect_error(
        &zx.post("/api/v1/records/project", &other).await,
        403,
        "forbidden",
    );
    expect(
        &action(&zx, "project", id_of(&p), "submit", &json!({})).await,
        200,
    );
}

async fn personal_data_unmasking(app: &TestApp) {
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let coord = app.login(COORD).await;
    let auditor = app.login(AUDITOR).await;
    let id_number =
        duikou_domain::id_number::make_valid("530627", time::macros::date!(1995 - 06 - 15), 123)
            .as_str()
            .to_string();

    // A wrong check digit.
    let last = id_number.chars().last().unwrap();
    let wrong = format!(
        "{}{}",
        &id_number[..17],
        if last == '1' { '2' } else { '1' }
    );
    let bad = qx.post("/api/v1/records/person", &json!({ "programme": "劳务就业", "name": "张三", "id_number": wrong, "started_on": "2019-05-01" })).await;
    expect_error(&bad, 422, "invalid");
    assert_eq!(bad.fields(), ["id_number"]);
    assert!(
        !bad.text.contains(&wrong),
        "an ID number is never echoed in full: {}",
        bad.text
    );

    let rec = create(&qx, "person", &json!({ "programme": "劳务就业", "name": "张三", "id_number": id_number, "registered_poor": true, "started_on": "2019-05-01" })).await;
    let id = id_of(&rec);
    let masked = rec["fields"]["id_number"].as_str().unwrap().to_string();
    assert!(masked.contains('*') && masked != id_number, "{masked}");
    assert_eq!(
        rec["fields"]["hukou_county"], "镇雄县",
        "derived from the ID"
    );
    assert!(!rec.to_string().contains(&id_number));
    let listed = qx.get("/api/v1/records/person").await;
    assert!(!listed.text.contains(&id_number));

    // The reporting unit and coordinators may unmask (audited); auditors may not.
    let plain = qx.get(&format!("{}?unmask=1", path("person", id))).await;
    expect(&plain, 200);
    assert_eq!(plain.body["fields"]["id_number"], id_number.as_str());
    assert_eq!(plain.header("cache-control"), Some("no-store"));
    assert_eq!(
        coord
            .get(&format!("{}?unmask=true", path("person", id)))
            .await
            .body["fields"]["id_number"],
        id_number.as_str()
    );
    expect_error(
        &auditor
            .get(&format!("{}?unmask=1", path("person", id)))
            .await,
        403,
        "forbidden",
    );
    assert_eq!(
        auditor.get(&path("person", id)).await.body["fields"]["id_number"],
        masked.as_str()
    );
    expect_error(
        &hj.get(&format!("{}?unmask=1", path("person", id))).await,
        404,
        "not_found",
    );
    assert_eq!(
        qx.get(&format!("{}?unmask=maybe", path("person", id)))
            .await
            .fields(),
        ["unmask"]
    );

    // A change without the ID (or with the masked one read back) keeps it.
    let r = qx
        .patch(&path("person", id), &json!({ "name": "张三丰" }))
        .await;
    expect(&r, 200);
    let r = qx
        .patch(
            &path("person", id),
            &json!({ "organisation": "某电子厂", "id_number": masked }),
        )
        .await;
    expect(&r, 200);
    assert_eq!(r.body["fields"]["id_number"], masked.as_str());
    assert_eq!(
        qx.get(&format!("{}?unmask=1", path("person", id)))
            .await
            .body["fields"]["id_number"],
        id_number.as_str()
    );

    // Each unmasked read is in the audit trail (and nothing else logs the number).
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.db().await;
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT actor, entity, entity_id, after FROM audit_log WHERE action = 'personal_data.unmask' ORDER BY seq"))
        .await
        .unwrap();
    let actors: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "actor").unwrap())
        .collect();
    assert_eq!(actors, [QX, COORD, QX]);
    for r in &rows {
        assert_eq!(r.try_get::<String>("", "entity").unwrap(), "person");
        assert_eq!(
            r.try_get::<String>("", "entity_id").unwrap(),
            id.to_string()
        );
    }
    let all = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COALESCE(before, '') || COALESCE(after, '') AS t FROM audit_log",
        ))
        .await
        .unwrap();
    assert!(
        all.iter()
            .all(|r| !r.try_get::<String>("", "t").unwrap().contains(&id_number)),
        "the audit trail never holds the plain number"
    );
    assert!(!app.server_log().contains(&id_number));
}

async fn assessment_follows_confirmed_approved_transfers(app: &TestApp) {
    let coord = app.login(COORD).await;
    let qx = app.login(QX).await;
    let zx = app.login(ZX).await;
    let query = "/api/v1/assessment?year=2019&as_of=2020-12-31";

    let before = coord.get(query).await;
    expect(&before, 200);
    let a = &before.body;
    assert_eq!(a["plan"], "dongguan-zhaotong-2018-2020");
    assert_eq!(a["year"], 2019);
    assert_eq!(a["as_of"], "2020-12-31");
    let results = a["results"].as_array().unwrap();
    assert!(
        results.len() > 47,
        "one result per indicator and scope unit"
    );
    for r in results {
        for key in [
            "indicator",
            "item",
            "scope",
            "actual",
            "target_min",
            "target_max",
            "unit",
            "status",
        ] {
            assert!(r.get(key).is_some(), "{key} in {r}");
        }
        assert!(r["actual"].is_number());
        assert!(
            ["met", "late", "not_met", "on_track", "behind", "tracked"]
                .contains(&r["status"].as_str().unwrap()),
            "{r}"
        );
    }
    let fiscal = results
        .iter()
        .find(|r| r["indicator"] == "3.1-fiscal-aid")
        .unwrap();
    assert_eq!(fiscal["scope"], "plan");
    assert_eq!(fiscal["target_min"], 180_000_000);
    assert_eq!(fiscal["unit"], "元");
    assert_eq!(figure(a, "3.1-fiscal-aid", "plan"), 0.0);

    // The same document as `duikou assess --format json`.
    let cli: Value = serde_json::from_str(&app.cli_ok(&[
        "assess",
        "--year",
        "2019",
        "--as-of",
        "2020-12-31",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(cli, before.body);

    // A city transfer to 镇雄县: counts once approved AND confirmed by the payee.
    let mut t = transfer(
        "CZ-2019-001",
        "市级财政",
        "市财政局",
        "镇雄县",
        "2,000,000.50",
    );
    t["submit"] = json!(true);
    let id = id_of(&create(&coord, "transfer", &t).await);
    // Another coordinator approves (four eyes).
    let coord2 = app.login(COORD2).await;
    expect(
        &action(&coord2, "transfer", id, "approve", &json!({})).await,
        200,
    );
    assert_eq!(
        figure(&coord.get(query).await.body, "3.1-fiscal-aid", "plan"),
        0.0,
        "not yet received"
    );
    expect(
        &action(
            &zx,
            "transfer",
            id,
            "confirm",
            &json!({ "received_on": "2019-06-01" }),
        )
        .await,
        200,
    );
    let after = coord.get(query).await.body;
    assert_eq!(figure(&after, "3.1-fiscal-aid", "plan"), 2_000_000.5);
    assert_eq!(figure(&after, "3.1-fiscal-aid-city", "plan"), 2_000_000.5);
    assert_eq!(
        figure(&after, "3.1-fiscal-aid-per-county", "镇雄县"),
        2_000_000.5
    );
    assert_eq!(figure(&after, "3.1-fiscal-aid-per-county", "彝良县"), 0.0);
    let cli: Value = serde_json::from_str(&app.cli_ok(&[
        "assess",
        "--year",
        "2019",
        "--as-of",
        "2020-12-31",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(cli, after);

    // Submitted records count only when asked.
    let mut town = qx_transfer("QX-300");
    town["submit"] = json!(true);
    let tid = id_of(&create(&qx, "transfer", &town).await);
    expect(
        &action(
            &zx,
            "transfer",
            tid,
            "confirm",
            &json!({ "received_on": "2019-05-01" }),
        )
        .await,
        200,
    );
    assert_eq!(
        figure(
            &coord.get(query).await.body,
            "8.1-lead-town-funds",
            "清溪镇"
        ),
        0.0
    );
    let with = coord
        .get(&format!("{query}&include_submitted=true"))
        .await
        .body;
    assert_eq!(with["include_submitted"], true);
    assert_eq!(figure(&with, "8.1-lead-town-funds", "清溪镇"), 1_000_000.0);

    // Figures circulate like a 月度通报: reporters and receivers see every unit's, the
    // same document as the coordinator's.
    let everyone = coord.get(query).await.body;
    for (api, other) in [(&qx, "镇雄县"), (&zx, "清溪镇")] {
        let a = api.get(query).await;
        expect(&a, 200);
        let results = a.body["results"].as_array().unwrap();
        assert!(results.iter().any(|r| r["scope"] == "plan"));
        assert!(
            results.iter().any(|r| r["scope"] == other),
            "{other}'s figures are circulated too"
        );
        assert_eq!(a.body, everyone);
    }
    assert_eq!(
        figure(
            &zx.get(query).await.body,
            "3.1-fiscal-aid-per-county",
            "镇雄县"
        ),
        2_000_000.5
    );
    let viewer = app.login(VIEWER).await;
    assert_eq!(
        viewer.get(query).await.body["results"]
            .as_array()
            .unwrap()
            .len(),
        results.len()
    );

    // Bad parameters are named.
    assert_eq!(
        coord.get("/api/v1/assessment?year=1999").await.fields(),
        ["year"]
    );
    assert_eq!(
        coord.get("/api/v1/assessment?year=abc").await.fields(),
        ["year"]
    );
    assert_eq!(
        coord
            .get("/api/v1/assessment?year=2019&as_of=soon")
            .await
            .fields(),
        ["as_of"]
    );
    assert_eq!(
        coord
            .get("/api/v1/assessment?include_submitted=perhaps")
            .await
            .fields(),
        ["include_submitted"]
    );
    // Defaults: a year alone is assessed to its end (past years).
    let y = coord.get("/api/v1/assessment?year=2018").await;
    expect(&y, 200);
    assert_eq!(y.body["year"], 2018);

    // The plan.
    let plan = qx.get("/api/v1/plan").await;
    expect(&plan, 200);
    assert_eq!(plan.body["indicators"].as_array().unwrap().len(), 55);
    assert!(
        plan.body["units"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "清溪镇")
    );
}

async fn cookie_sessions_need_the_csrf_token(app: &TestApp) {
    let browser = app.cookie_login(QX).await;
    assert!(browser.token.is_none());
    // Reading needs no token.
    expect(&browser.get("/api/v1/records/transfer").await, 200);
    // Changing does.
    let body = qx_transfer("QX-400");
    expect_error(
        &browser.post("/api/v1/records/transfer", &body).await,
        403,
        "csrf",
    );
    let wrong = ApiClient::send(
        browser
            .request(reqwest::Method::POST, "/api/v1/records/transfer")
            .header("X-CSRF-Token", "0".repeat(64))
            .json(&body),
    )
    .await;
    expect_error(&wrong, 403, "csrf");
    let r = ApiClient::send(
        browser
            .with_csrf(browser.request(reqwest::Method::POST, "/api/v1/records/transfer"))
            .json(&body),
    )
    .await;
    expect(&r, 201);
    let id = id_of(&r.body);
    expect_error(
        &browser
            .patch(&path("transfer", id), &json!({ "purpose": "x" }))
            .await,
        403,
        "csrf",
    );
    expect_error(&browser.delete(&path("transfer", id)).await, 403, "csrf");
    expect_error(
        &action(&browser, "transfer", id, "submit", &json!({})).await,
        403,
        "csrf",
    );
    let r = ApiClient::send(browser.with_csrf(browser.request(
        reqwest::Method::POST,
        &format!("{}/submit", path("transfer", id)),
    )))
    .await;
    expect(&r, 200);
    assert_eq!(r.body["status"], "submitted");

    // A bearer token needs no CSRF token (it is never sent by a browser on its own).
    let script = app.login(QX).await;
    expect(
        &script
            .post("/api/v1/records/transfer", &qx_transfer("QX-401"))
            .await,
        201,
    );

    // Logging out a cookie session needs the token too; afterwards the cookie is dead.
    expect_error(
        &browser.post("/api/v1/logout", &json!({})).await,
        403,
        "csrf",
    );
    let r = ApiClient::send(
        browser.with_csrf(browser.request(reqwest::Method::POST, "/api/v1/logout")),
    )
    .await;
    expect(&r, 204);
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    expect_error(
        &browser.get("/api/v1/records/transfer").await,
        401,
        "unauthorized",
    );
    // The bearer session is another session and lives on.
    expect(&script.get("/api/v1/records/transfer").await, 200);
}

async fn openapi_lists_every_route(app: &TestApp) {
    let anon = app.anonymous();
    let r = anon.get("/api/v1/openapi.json").await;
    expect(&r, 200);
    let doc = &r.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    // The kinds are the plan's: the nine built-in ones and its own.
    let kinds = paths["/api/v1/records/{kind}"]["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "kind")
        .unwrap()["schema"]["enum"]
        .clone();
    let kinds: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 11, "{kinds:?}");
    assert!(
        kinds.contains(&"transfer") && kinds.contains(&"agreement") && kinds.contains(&"progress")
    );
    let expected: &[(&str, &[&str])] = &[
        ("/api/v1/login", &["post"]),
        ("/api/v1/logout", &["post"]),
        ("/api/v1/me", &["get"]),
        ("/api/v1/me/password", &["post"]),
        ("/api/v1/records/{kind}", &["get", "post"]),
        ("/api/v1/records/{kind}/{id}", &["get", "patch", "delete"]),
        ("/api/v1/records/{kind}/{id}/{action}", &["post"]),
        ("/api/v1/records/{kind}/{id}/dispute", &["post"]),
        ("/api/v1/records/{kind}/bulk-approve", &["post"]),
        ("/api/v1/assessment", &["get"]),
        ("/api/v1/plan", &["get"]),
        ("/api/v1/notices", &["get"]),
        ("/api/v1/reminders/chase", &["post"]),
        ("/api/v1/batches/{id}", &["get"]),
        ("/api/v1/batches/{id}/{action}", &["post"]),
    ];
    for (p, methods) in expected {
        let item = paths.get(*p).unwrap_or_else(|| panic!("{p} documented"));
        for m in *methods {
            let op = item.get(*m).unwrap_or_else(|| panic!("{m} {p} documented"));
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{m} {p} has a success response"
            );
            if *p != "/api/v1/login" {
                assert!(responses.contains_key("401"), "{m} {p} documents 401");
            }
        }
    }
    assert_eq!(
        paths.len(),
        expected.len(),
        "no undocumented or stray paths: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("session_cookie"));
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    // Request bodies with examples.
    let create = &doc["paths"]["/api/v1/records/{kind}"]["post"]["requestBody"]["content"]["application/json"];
    assert!(create["example"].is_object(), "{create}");

    // Swagger UI.
    let ui = anon.get("/api/v1/docs/").await;
    expect(&ui, 200);
    assert!(ui.header("content-type").unwrap().starts_with("text/html"));
    assert!(ui.text.to_lowercase().contains("swagger"));
}

/// Lists, assessments and the dashboard are cached per change of the database: a user
/// never gets what was computed for another unit, and every write — by the server or
/// by another process — shows in the very next answer.
async fn cached_answers_follow_scope_and_writes(app: &TestApp) {
    let coord = app.login(COORD).await;
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let list = "/api/v1/records/transfer";

    let total = |r: &Resp| r.body["total"].as_i64().unwrap();
    let ids = |r: &Resp| -> Vec<i64> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    };

    // Each reporter's own draft: the same request by two units, each twice (the
    // second answer of each comes from the cache).
    let qx_id = id_of(&create(&qx, "transfer", &qx_transfer("QX-CACHE-1")).await);
    let hj_id = id_of(
        &create(
            &hj,
            "transfer",
            &transfer("HJ-CACHE-1", "镇街财政", "黄江镇", "彝良县", "500000"),
        )
        .await,
    );
    for _ in 0..2 {
        let q = qx.get(list).await;
        expect(&q, 200);
        assert_eq!(ids(&q), [qx_id], "清溪镇 sees its own record only");
        let h = hj.get(list).await;
        expect(&h, 200);
        assert_eq!(ids(&h), [hj_id], "黄江镇 sees its own record only");
        let c = coord.get(list).await;
        assert_eq!(total(&c), 2);
    }

    // A write through the API shows at once, in every scope it concerns.
    let qx_id2 = id_of(&create(&qx, "transfer", &qx_transfer("QX-CACHE-2")).await);
    assert_eq!(ids(&qx.get(list).await), [qx_id2, qx_id]);
    assert_eq!(ids(&hj.get(list).await), [hj_id]);
    assert_eq!(total(&coord.get(list).await), 3);
    expect(&qx.delete(&path("transfer", qx_id2)).await, 204);
    assert_eq!(ids(&qx.get(list).await), [qx_id]);
    assert_eq!(total(&coord.get(list).await), 2);

    // A write by another process (the command line) shows at once too.
    let csv = app.data_dir().join("cache-transfers.csv");
    std::fs::write(
        &csv,
        "资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,到账日期,凭证号,用途\n\
         市级财政,市财政局,镇雄县,3000000,2019,2019-02-20,2019-03-10,CZ-CACHE-1,产业\n",
    )
    .unwrap();
    app.cli_ok(&["import", "transfer", csv.to_str().unwrap()]);
    assert_eq!(total(&coord.get(list).await), 3);
    assert_eq!(ids(&qx.get(list).await), [qx_id], "not 清溪镇's record");

    // Assessments: every reporter gets every unit's figures, the coordinator's document,
    // however often it asks and whoever asked before; its record list stays its own.
    let query = "/api/v1/assessment?year=2019&as_of=2020-12-31";
    let all = coord.get(query).await;
    expect(&all, 200);
    for _ in 0..2 {
        for (api, other) in [(&qx, HJ), (&hj, QX)] {
            let a = api.get(query).await;
            expect(&a, 200);
            let results = a.body["results"].as_array().unwrap();
            assert!(results.iter().any(|r| r["scope"] == other));
            assert_eq!(a.body, all.body);
        }
        assert_eq!(coord.get(query).await.body, all.body);
    }
    assert_eq!(ids(&qx.get(list).await), [qx_id], "records stay scoped");
    // An approved, confirmed transfer counts in the next answer.
    let zx = app.login(ZX).await;
    let mut t = transfer("CZ-CACHE-2", "市级财政", "市财政局", "镇雄县", "1000");
    t["submit"] = json!(true);
    let id = id_of(&create(&coord, "transfer", &t).await);
    // Another coordinator approves (four eyes).
    let coord2 = app.login(COORD2).await;
    expect(
        &action(&coord2, "transfer", id, "approve", &json!({})).await,
        200,
    );
    let before = figure(&coord.get(query).await.body, "3.1-fiscal-aid-city", "plan");
    expect(
        &action(
            &zx,
            "transfer",
            id,
            "confirm",
            &json!({ "received_on": "2019-06-01" }),
        )
        .await,
        200,
    );
    let after = coord.get(query).await.body;
    assert_eq!(
        figure(&after, "3.1-fiscal-aid-city", "plan"),
        before + 1000.0
    );
    assert_eq!(
        figure(&zx.get(query).await.body, "3.1-fiscal-aid-per-county", ZX),
        figure(&after, "3.1-fiscal-aid-per-county", ZX)
    );

    // Signing out ends the session on its next request, cached answers or not.
    expect(&qx.post("/api/v1/logout", &json!({})).await, 204);
    expect_error(&qx.get(list).await, 401, "unauthorized");
    expect_error(&qx.get(query).await, 401, "unauthorized");

    // The dashboard: one content for all, each user's own header and CSRF token.
    let page = "/dashboard?year=2019&as_of=2020-12-31";
    let qx_browser = page_session(app, QX).await;
    let hj_browser = page_session(app, HJ).await;
    for _ in 0..2 {
        for (b, unit) in [(&qx_browser, QX), (&hj_browser, HJ)] {
            let r = b.get(page).await;
            expect(&r, 200);
            assert!(
                r.text
                    .contains(&format!("<span class=\"who-name\">{unit}</span>")),
                "{unit}'s own header"
            );
            let csrf = b.csrf.as_deref().unwrap();
            assert!(
                r.text.contains(&format!("value=\"{csrf}\"")),
                "{unit}'s own CSRF token"
            );
        }
    }
    let fiscal_cells = |html: &str| -> String {
        let start = html.find("id=\"counties\"").expect("the county section");
        html[start..].split("</table>").next().unwrap().to_string()
    };
    let before = fiscal_cells(&qx_browser.get(page).await.text);
    let mut t = transfer("CZ-CACHE-3", "市级财政", "市财政局", "镇雄县", "3,000,000");
    t["submit"] = json!(true);
    let id = id_of(&create(&coord, "transfer", &t).await);
    // Another coordinator approves (four eyes).
    let coord2 = app.login(COORD2).await;
    expect(
        &action(&coord2, "transfer", id, "approve", &json!({})).await,
        200,
    );
    expect(
        &action(
            &zx,
            "transfer",
            id,
            "confirm",
            &json!({ "received_on": "2019-06-02" }),
        )
        .await,
        200,
    );
    let after = fiscal_cells(&qx_browser.get(page).await.text);
    assert_ne!(
        before, after,
        "the dashboard shows the new transfer at once"
    );
    assert_eq!(after, fiscal_cells(&hj_browser.get(page).await.text));
}

/// A browser session allowed on the pages: the initial password changed, signed in
/// again with the new one.
async fn page_session(app: &TestApp, name: &str) -> ApiClient {
    let b = app.cookie_login(name).await;
    let initial = app.password(name);
    let new = format!("{initial}-changed");
    let r = ApiClient::send(b.request(reqwest::Method::POST, "/password").form(&[
        ("csrf_token", b.csrf.clone().unwrap()),
        ("current_password", initial),
        ("new_password", new.clone()),
        ("confirm_password", new.clone()),
    ]))
    .await;
    assert!(
        r.status < 400,
        "{name} changes the password: {} {}",
        r.status,
        r.text
    );
    let mut b = ApiClient { csrf: None, ..b };
    let r = b
        .post(
            "/api/v1/login",
            &json!({ "username": name, "password": new }),
        )
        .await;
    expect(&r, 200);
    b.csrf = r.body["csrf_token"].as_str().map(str::to_string);
    b
}
