//! Figures nobody can forge (issue 16, items 1, 2, 9 and evidence): receipt is only the
//! payee's act on every path, a confirmation is bound to what was confirmed, four eyes
//! for every review, and evidence only where it may still change a judgement. Against
//! the real binary, on SQLite and (with DUIKOU_TEST_POSTGRES_URL) PostgreSQL.

#[macro_use]
mod common;

use common::{ApiClient, Backend, Resp, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const COORD: &str = "经协办";
const COORD2: &str = "第五工作组";
const QX: &str = "清溪镇";
const HJ: &str = "黄江镇";
const ZX: &str = "镇雄县";

const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", Some("市经协办")),
    (COORD2, "coordinator", Some("市经协办")),
    (QX, "reporter", Some("清溪镇")),
    (HJ, "reporter", Some("黄江镇")),
    (ZX, "receiver", Some("镇雄县")),
];

async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_with_users(backend, USERS).await
}

on_both_backends!(
    a_reporter_cannot_import_its_own_receipt,
    a_confirmation_is_bound_to_what_was_confirmed,
    receivers_do_not_read_towns_drafts,
    nobody_reviews_their_own_records,
    evidence_only_while_it_can_matter,
    an_existing_database_learns_who_last_changed_its_records,
);

// ------------------------------------------------------------------ helpers

/// The 8.1 lead-town fiscal aid of 清溪镇, counting submitted records too: the figure
/// an attacker wants to raise.
const FUNDS: &str = "8.1-lead-town-funds";

fn transfer(voucher: &str, amount: &str) -> Value {
    json!({
        "source": "镇街财政", "payer": QX, "payee": ZX, "amount": amount, "budget_year": 2019,
        "sent_on": "2019-05-01", "voucher_no": voucher, "purpose": "产业帮扶",
    })
}

fn path(id: i64) -> String {
    format!("/api/v1/records/transfer/{id}")
}

fn expect(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn create(api: &ApiClient, body: &Value) -> i64 {
    let r = api.post("/api/v1/records/transfer", body).await;
    expect(&r, 201);
    id_of(&r.body)
}

async fn action(api: &ApiClient, id: i64, act: &str, body: &Value) -> Resp {
    api.post(&format!("{}/{act}", path(id)), body).await
}

async fn figure(api: &ApiClient, submitted: bool) -> f64 {
    let r = api
        .get(&format!(
            "/api/v1/assessment?year=2019&as_of=2020-12-31&include_submitted={submitted}"
        ))
        .await;
    expect(&r, 200);
    r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["indicator"] == FUNDS && x["scope"] == QX)
        .unwrap_or_else(|| panic!("no {FUNDS} for {QX}"))["actual"]
        .as_f64()
        .unwrap()
}

async fn transfer_count(api: &ApiClient) -> u64 {
    let r = api.get("/api/v1/records/transfer").await;
    expect(&r, 200);
    r.body["total"].as_u64().unwrap()
}

async fn list_ids(api: &ApiClient) -> Vec<i64> {
    let r = api.get("/api/v1/records/transfer?per_page=500").await;
    expect(&r, 200);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect()
}

/// The audit trail of one record: (actor, action), oldest first.
async fn audit_of(app: &TestApp, id: i64) -> Vec<(String, String)> {
    use duikou_storage::entities::audit_log;
    let db = app.db().await;
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::EntityId.eq(id.to_string()))
        .filter(audit_log::Column::Entity.eq("transfer"))
        .order_by_asc(audit_log::Column::Seq)
        .all(&db)
        .await
        .unwrap();
    db.close().await.unwrap();
    rows.into_iter().map(|r| (r.actor, r.action)).collect()
}

async fn multipart_post(c: &ApiClient, path: &str, kind: &str, name: &str, bytes: Vec<u8>) -> Resp {
    let f = reqwest::multipart::Form::new()
        .text("csrf_token", c.csrf.clone().unwrap_or_default())
        .text("kind", kind.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    ApiClient::send(c.request(reqwest::Method::POST, path).multipart(f)).await
}

/// Accepted: redirected (303, followed by the client) to the record's page.
fn attached(r: &Resp) {
    assert!(r.status == 303 || r.status == 200, "{}", r.status);
    assert!(!r.text.contains("不支持此文件类型"), "refused");
}

async fn evidence_post(c: &ApiClient, id: i64, n: usize) -> Resp {
    let f = reqwest::multipart::Form::new()
        .text("csrf_token", c.csrf.clone().unwrap_or_default())
        .part(
            "file",
            reqwest::multipart::Part::bytes(format!("%PDF-1.4 voucher {n}").into_bytes())
                .file_name(format!("凭证{n}.pdf")),
        );
    ApiClient::send(
        c.request(
            reqwest::Method::POST,
            &format!("/records/transfer/{id}/evidence"),
        )
        .multipart(f),
    )
    .await
}

const ATTACK_CSV: &str = "资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,到账日期,凭证号\n\
                          镇街财政,清溪镇,镇雄县,8000000,2019,2019-05-01,2019-05-03,QX-ATTACK-1\n";

// ------------------------------------------------------------------ scenarios

/// Issue item 1: 清溪镇 imported a 到账日期 column, through `import --as` and the web
/// import, and its 8.1 figure rose by 8,000,000 without 镇雄县 confirming anything.
async fn a_reporter_cannot_import_its_own_receipt(app: &TestApp) {
    let coord = app.login(COORD).await;
    let before = (figure(&coord, true).await, figure(&coord, false).await);
    let file = app.data_dir().join("拨付-攻击.csv");
    std::fs::write(&file, ATTACK_CSV).unwrap();
    let file = file.to_str().unwrap();

    // Command line as the reporter: a row error naming row and column, exit 2.
    let o = app.cli(&["import", "transfer", file, "--as", QX]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("第2行") && stderr.contains("row 2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("G 到账日期"),
        "the column is named: {stderr}"
    );
    assert!(
        stderr.contains("到账日期由接收单位确认到账时填写")
            && stderr.contains("received_on is set when the payee confirms receipt"),
        "{stderr}"
    );
    assert_eq!(transfer_count(&coord).await, 0, "nothing written");

    // The web import, same file, same answer.
    let qx = app.cookie_login(QX).await;
    let r = multipart_post(
        &qx,
        "/import",
        "transfer",
        "拨付-攻击.csv",
        ATTACK_CSV.into(),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains("到账日期由接收单位确认到账时填写"),
        "{}",
        r.text
    );
    assert!(r.text.contains("G 到账日期"), "{}", r.text);
    assert_eq!(transfer_count(&coord).await, 0, "nothing written");
    assert_eq!(
        (figure(&coord, true).await, figure(&coord, false).await),
        before,
        "the 8.1 figure did not rise"
    );

    // Without the date the reporter's import goes in, for review, unconfirmed.
    let clean = ATTACK_CSV.replace(",2019-05-03,", ",,");
    std::fs::write(file, &clean).unwrap();
    let o = app.cli(&["import", "transfer", file, "--as", QX]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = qx.get("/api/v1/records/transfer").await;
    assert_eq!(r.body["items"][0]["status"], "submitted");
    assert!(r.body["items"][0]["fields"].get("received_on").is_none());
    assert_eq!(
        figure(&coord, true).await,
        before.0,
        "unconfirmed: not counted"
    );

    // The administrator's bulk path (no --as) may carry the date, and says so.
    let bulk = ATTACK_CSV.replace("QX-ATTACK-1", "QX-BULK-1");
    std::fs::write(file, &bulk).unwrap();
    app.cli_ok(&["import", "transfer", file]);
    let r = coord.get("/api/v1/records/transfer?q=QX-BULK-1").await;
    let bulk_id = id_of(&r.body["items"][0]);
    assert_eq!(r.body["items"][0]["status"], "approved");
    let db = app.db().await;
    let import = duikou_storage::entities::audit_log::Entity::find()
        .filter(duikou_storage::entities::audit_log::Column::Action.eq("record.import"))
        .order_by_desc(duikou_storage::entities::audit_log::Column::Seq)
        .one(&db)
        .await
        .unwrap()
        .expect("an import entry");
    db.close().await.unwrap();
    assert!(
        import.actor.contains("批量导入") && import.actor.contains("bulk import"),
        "the audit trail marks the bulk path: {}",
        import.actor
    );
    assert!(
        r.body["items"][0]["created_by"]
            .as_str()
            .unwrap()
            .contains("bulk import"),
        "bulk record {bulk_id}: {}",
        r.body
    );
}

/// Issue item 2: 镇雄县 confirmed a draft of 10,000 yuan; 清溪镇 then made it 9,000,000
/// and submitted; the receipt stayed and the figure rose by 9 M.
async fn a_confirmation_is_bound_to_what_was_confirmed(app: &TestApp) {
    let qx = app.login(QX).await;
    let zx = app.login(ZX).await;
    let coord = app.login(COORD).await;
    let coord2 = app.login(COORD2).await;
    let before = figure(&coord, false).await;

    let id = create(&qx, &transfer("QX-BOUND-1", "10000")).await;
    // Not on a draft: it may still change under the confirmation (the county cannot
    // even see it yet).
    let r = action(&zx, id, "confirm", &json!({ "received_on": "2019-05-03" })).await;
    assert_eq!(r.status, 404, "{}", r.text);
    expect(&action(&qx, id, "submit", &json!({})).await, 200);
    // Not before it was sent: a bad date, named.
    let r = action(&zx, id, "confirm", &json!({ "received_on": "2019-04-30" })).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.fields(), ["received_on"]);
    assert!(r.text.contains("到账日期不能早于拨付日期"), "{}", r.text);
    let r = action(&zx, id, "confirm", &json!({ "received_on": "2019-05-03" })).await;
    expect(&r, 200);
    assert_eq!(r.body["fields"]["received_on"], "2019-05-03");

    // Nor on a rejected transfer, which the county does see.
    let mut other = transfer("QX-BOUND-2", "10000");
    other["submit"] = json!(true);
    let other = create(&qx, &other).await;
    expect(
        &action(&coord, other, "reject", &json!({ "reason": "重填" })).await,
        200,
    );
    expect(&zx.get(&path(other)).await, 200);
    let r = action(
        &zx,
        other,
        "confirm",
        &json!({ "received_on": "2019-05-03" }),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text);

    // Back to the town, which edits: a change of purpose keeps the receipt …
    expect(
        &action(&coord, id, "reject", &json!({ "reason": "用途写清楚" })).await,
        200,
    );
    let r = qx
        .patch(&path(id), &json!({ "purpose": "产业帮扶（茶叶）" }))
        .await;
    expect(&r, 200);
    assert_eq!(r.body["fields"]["received_on"], "2019-05-03");
    // … a change of the amount clears it: the payee is asked again.
    let r = qx.patch(&path(id), &json!({ "amount": "9000000" })).await;
    expect(&r, 200);
    assert!(
        r.body["fields"].get("received_on").is_none(),
        "receipt cleared: {}",
        r.body
    );
    expect(&action(&qx, id, "submit", &json!({})).await, 200);
    expect(&action(&coord2, id, "approve", &json!({})).await, 200);
    assert_eq!(
        figure(&coord, false).await,
        before,
        "9,000,000 unconfirmed is not counted"
    );
    let trail = audit_of(app, id).await;
    let at = |a: &str| trail.iter().position(|(_, x)| x == a);
    let (confirm, cleared) = (at("record.confirm"), at("record.receipt_cleared"));
    assert!(
        confirm.is_some() && cleared.is_some() && confirm < cleared,
        "the trail shows the confirmation, then its clearing: {trail:?}"
    );
    assert_eq!(
        trail[cleared.unwrap()].0,
        QX,
        "cleared by the change of 清溪镇"
    );

    // Confirmed again, on the approved record, it counts at its confirmed amount.
    expect(
        &action(&zx, id, "confirm", &json!({ "received_on": "2019-05-06" })).await,
        200,
    );
    assert_eq!(figure(&coord, false).await, before + 9_000_000.0);
    // Twice is refused.
    let r = action(&zx, id, "confirm", &json!({ "received_on": "2019-05-07" })).await;
    assert_eq!(r.status, 409, "{}", r.text);
}

/// Issue item 2, second part: receivers read towns' drafts.
async fn receivers_do_not_read_towns_drafts(app: &TestApp) {
    let qx = app.login(QX).await;
    let zx = app.login(ZX).await;
    let id = create(&qx, &transfer("QX-DRAFT-1", "10000")).await;
    assert_eq!(zx.get(&path(id)).await.status, 404, "a draft looks absent");
    assert!(!list_ids(&zx).await.contains(&id), "nor is it listed");
    let r = zx.get("/records/transfer").await;
    assert!(!r.text.contains("QX-DRAFT-1"), "nor on the list page");
    expect(&action(&qx, id, "submit", &json!({})).await, 200);
    expect(&zx.get(&path(id)).await, 200);
    assert!(
        list_ids(&zx).await.contains(&id),
        "submitted: the payee sees it"
    );
}

/// Issue item 9: a coordinator created a transfer with a receipt date, submitted and
/// approved it: two calls, no second person, no county.
async fn nobody_reviews_their_own_records(app: &TestApp) {
    let coord = app.login(COORD).await;
    let coord2 = app.login(COORD2).await;
    let qx = app.login(QX).await;
    let before = figure(&coord, false).await;

    let mut t = transfer("QX-SELF-1", "5000000");
    t["received_on"] = json!("2019-05-02");
    t["submit"] = json!(true);
    let id = create(&coord, &t).await;
    let r = action(&coord, id, "approve", &json!({})).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.text.contains("不能审核本人创建或最后修改的记录")
            && r.text.contains("another reviewer must"),
        "{}",
        r.text
    );
    assert_eq!(figure(&coord, false).await, before, "not counted");
    let r = action(&coord, id, "reject", &json!({ "reason": "x" })).await;
    assert_eq!(r.status, 403, "{}", r.text);
    expect(&action(&coord2, id, "approve", &json!({})).await, 200);
    assert_eq!(figure(&coord, false).await, before + 5_000_000.0);
    let r = action(&coord, id, "reopen", &json!({ "reason": "x" })).await;
    assert_eq!(r.status, 403, "nor reopens its own: {}", r.text);

    // Last changed counts as much as created: a coordinator's edit of a town's draft.
    let edited = create(&qx, &transfer("QX-EDIT-1", "10000")).await;
    expect(
        &coord
            .patch(&path(edited), &json!({ "purpose": "改" }))
            .await,
        200,
    );
    expect(&action(&qx, edited, "submit", &json!({})).await, 200);
    assert_eq!(
        action(&coord, edited, "approve", &json!({})).await.status,
        403
    );

    // Bulk: each of its own refused with the reason, the others approved.
    let mut own = transfer("QX-SELF-2", "10000");
    own["submit"] = json!(true);
    let own = create(&coord, &own).await;
    let mut town = transfer("QX-TOWN-1", "10000");
    town["submit"] = json!(true);
    let town = create(&qx, &town).await;
    let r = coord
        .post(
            "/api/v1/records/transfer/bulk-approve",
            &json!({ "ids": [own, town, edited] }),
        )
        .await;
    expect(&r, 200);
    assert_eq!(r.body["approved"], 1, "{}", r.body);
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results[0]["ok"], false);
    assert!(
        results[0]["error"]
            .as_str()
            .unwrap()
            .contains("不能审核本人创建或最后修改的记录"),
        "{}",
        r.body
    );
    assert_eq!(results[1]["ok"], true);
    assert_eq!(results[2]["ok"], false);
    assert_eq!(qx.get(&path(town)).await.body["status"], "approved");
    let r = coord2
        .post(
            "/api/v1/records/transfer/bulk-approve",
            &json!({ "ids": [own, edited] }),
        )
        .await;
    assert_eq!(r.body["approved"], 2, "another coordinator may: {}", r.body);

    // A coordinator's web import waits for another coordinator as well.
    let page = app.cookie_login(COORD).await;
    let csv = "资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,凭证号\n\
               镇街财政,清溪镇,镇雄县,10000,2019,2019-05-01,QX-IMP-1\n";
    let r = multipart_post(&page, "/import", "transfer", "协调导入.csv", csv.into()).await;
    expect(&r, 200);
    let mut form: Vec<(String, String)> = ["kind", "sha", "token", "file_name"]
        .iter()
        .map(|k| {
            (
                k.to_string(),
                hidden(&r.text, k).unwrap_or_else(|| panic!("no {k}")),
            )
        })
        .collect();
    form.push(("csrf_token".into(), page.csrf.clone().unwrap()));
    let r = ApiClient::send(
        page.request(reqwest::Method::POST, "/import/confirm")
            .form(&form),
    )
    .await;
    assert!(r.status == 303 || r.status == 200, "{}", r.text);
    let r = coord.get("/api/v1/records/transfer?q=QX-IMP-1").await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(
        r.body["items"][0]["status"], "submitted",
        "waits for review"
    );
    let imported = id_of(&r.body["items"][0]);
    assert_eq!(
        action(&coord, imported, "approve", &json!({})).await.status,
        403
    );
    expect(&action(&coord2, imported, "approve", &json!({})).await, 200);
}

/// The value of a hidden input in a page.
use common::hidden_field as hidden;

/// Issue, low: approved records still took evidence, from other units too.
async fn evidence_only_while_it_can_matter(app: &TestApp) {
    let qx = app.login(QX).await;
    let coord2 = app.login(COORD2).await;
    let mut t = transfer("QX-EV-1", "10000");
    t["submit"] = json!(true);
    let id = create(&qx, &t).await;
    let zx_page = app.cookie_login(ZX).await;
    let hj_page = app.cookie_login(HJ).await;
    let qx_page = app.cookie_login(QX).await;
    let coord_page = app.cookie_login(COORD).await;
    // Submitted: the town, its payee county (receipt voucher) and a coordinator may.
    attached(&evidence_post(&qx_page, id, 1).await);
    attached(&evidence_post(&zx_page, id, 2).await);
    attached(&evidence_post(&coord_page, id, 3).await);
    // Another town cannot even see it.
    assert_eq!(evidence_post(&hj_page, id, 4).await.status, 404);
    expect(&action(&coord2, id, "approve", &json!({})).await, 200);
    // Approved: nobody, the county included.
    for (who, c) in [
        ("payee", &zx_page),
        ("town", &qx_page),
        ("coordinator", &coord_page),
    ] {
        let r = evidence_post(c, id, 5).await;
        assert_eq!(
            r.status, 403,
            "{who} attaches to an approved record: {}",
            r.text
        );
    }
    assert_eq!(qx.get(&path(id)).await.body["evidence_count"], 3);
}

/// The `edited_by` column four eyes needs is added to a database made before it, at the
/// next open, and filled from the audit trail: who last changed each record, else who
/// created it.
async fn an_existing_database_learns_who_last_changed_its_records(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let coord = app.login(COORD).await;
    let coord2 = app.login(COORD2).await;
    let qx = app.login(QX).await;
    let edited = create(&qx, &transfer("QX-OLD-1", "10000")).await;
    expect(
        &coord
            .patch(&path(edited), &json!({ "purpose": "改" }))
            .await,
        200,
    );
    expect(&action(&qx, edited, "submit", &json!({})).await, 200);
    let mut own = transfer("QX-OLD-2", "10000");
    own["submit"] = json!(true);
    let own = create(&coord2, &own).await;

    // As the database was before the migration.
    let db = app.db().await;
    for sql in [
        "ALTER TABLE record DROP COLUMN edited_by",
        "DELETE FROM seaql_migrations WHERE version = 'm0004_record_edited_by'",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    db.close().await.unwrap();
    // Any command opening the database migrates it.
    app.cli_ok(&["audit", "verify"]);

    let db = app.db().await;
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT id, edited_by FROM record ORDER BY id",
        ))
        .await
        .unwrap();
    db.close().await.unwrap();
    let by: Vec<(i64, Option<String>)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get("", "id").unwrap(),
                r.try_get("", "edited_by").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            (edited, Some(COORD.to_string())),
            (own, Some(COORD2.to_string()))
        ],
        "the last editor from the audit trail, else the creator"
    );
    // And four eyes holds on the upgraded records.
    assert_eq!(
        action(&coord, edited, "approve", &json!({})).await.status,
        403
    );
    assert_eq!(
        action(&coord2, own, "approve", &json!({})).await.status,
        403
    );
    expect(&action(&coord2, edited, "approve", &json!({})).await, 200);
    expect(&action(&coord, own, "approve", &json!({})).await, 200);
}
