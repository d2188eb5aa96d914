//! The records workflow as each role meets it (issue 17): a county confirms receipt in two
//! steps and every wrong date is refused by name, corrects its confirmation within seven
//! days, a coordinator reverts one with a reason and the figures follow; a reporter
//! withdraws a submitted record; the forms offer only the units a user may choose;
//! evidence goes with a new record. On SQLite and PostgreSQL; the server's day is fixed
//! with DUIKOU_TODAY so the windows (today, seven days) are exact. (Accounts from a
//! workbook: `accounts.rs`.)

mod common;
use common::{ApiClient, Backend, Resp, TestApp};
use serde_json::{Value, json};

const COORD: &str = "经协办";
const QX: &str = "清溪镇";
const HJ: &str = "黄江镇";
const ZX: &str = "镇雄县";
const YL: &str = "彝良县";
const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", None),
    (QX, "reporter", Some(QX)),
    (HJ, "reporter", Some(HJ)),
    (ZX, "receiver", Some(ZX)),
    (YL, "receiver", Some(YL)),
];
const TODAY: &str = "2020-06-10";
const FUNDS: &str = "8.1-lead-town-funds";

async fn start(backend: Backend) -> TestApp {
    let mut app = TestApp::init_only(backend);
    app.add_users(USERS);
    at_day(&mut app, TODAY);
    app
}

/// (Re)start the server taking `day` for today.
fn at_day(app: &mut TestApp, day: &str) {
    app.server_env.retain(|(k, _)| k != "DUIKOU_TODAY");
    app.server_env
        .push(("DUIKOU_TODAY".to_string(), day.to_string()));
    app.restart_server();
}

on_both_backends!(
    every_refusal_of_a_confirmation_is_named,
    the_confirmation_step_shows_the_transfer_before_it_commits,
    a_confirmation_is_corrected_within_seven_days_then_only_reverted,
    a_reporter_withdraws_what_nobody_acted_on,
    forms_offer_only_the_units_a_user_may_choose,
    evidence_goes_with_a_new_record,
    an_existing_database_learns_who_confirmed_each_receipt,
);

fn expect(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
}

/// A transfer 清溪镇 → 镇雄县 of 1,000,000 yuan sent on `sent_on`, submitted.
async fn transfer(qx: &ApiClient, voucher: &str, sent_on: &str) -> i64 {
    let r = qx
        .post(
            "/api/v1/records/transfer",
            &json!({"source": "镇街财政", "payer": QX, "payee": ZX, "amount": "1000000",
                    "budget_year": 2020, "sent_on": sent_on, "voucher_no": voucher,
                    "purpose": "产业帮扶", "submit": true}),
        )
        .await;
    expect(&r, 201);
    r.body["id"].as_i64().unwrap()
}

async fn act(c: &ApiClient, id: i64, action: &str, body: Value) -> Resp {
    c.post(&format!("/api/v1/records/transfer/{id}/{action}"), &body)
        .await
}

async fn record(c: &ApiClient, id: i64) -> Value {
    let r = c.get(&format!("/api/v1/records/transfer/{id}")).await;
    expect(&r, 200);
    r.body
}

/// 清溪镇's town funds for 2020 as the coordinators see them (approved records).
async fn figure(coord: &ApiClient) -> f64 {
    let r = coord
        .get("/api/v1/assessment?year=2020&as_of=2020-12-31")
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

/// A page form posted from a signed-in browser (cookie and form token); redirects
/// followed, as a browser does.
async fn page_post(c: &ApiClient, path: &str, form: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf_token", c.csrf.clone().expect("cookie session"))];
    all.extend(form.iter().map(|(k, v)| (*k, v.to_string())));
    ApiClient::send(c.request(reqwest::Method::POST, path).form(&all)).await
}

/// The text of the summary value (`<dd>`) with this id, tags stripped.
fn text_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find("</dd>").expect("a summary value");
    let mut out = String::new();
    let mut in_tag = false;
    for c in rest[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// The option values of a select, by its id.
fn options(html: &str, select_id: &str) -> Vec<String> {
    let at = html
        .find(&format!("<select id=\"{select_id}\""))
        .unwrap_or_else(|| panic!("no select #{select_id}"));
    let end = at + html[at..].find("</select>").unwrap();
    let mut out = Vec::new();
    let mut rest = &html[at..end];
    while let Some(i) = rest.find("<option value=\"") {
        rest = &rest[i + 15..];
        let v = &rest[..rest.find('"').unwrap()];
        if !v.is_empty() {
            out.push(v.to_string());
        }
    }
    out
}

// ------------------------------------------------------------------ confirmation

/// Every way a confirmation can be wrong is refused by name, nothing written: no date,
/// a date before sending, a date after today, a far date without its second
/// confirmation, a wrong role.
async fn every_refusal_of_a_confirmation_is_named(app: &mut TestApp) {
    let qx = app.login(QX).await;
    let zx = app.login(ZX).await;
    let yl = app.login(YL).await;
    let coord = app.login(COORD).await;
    let id = transfer(&qx, "QX-R-1", "2020-03-01").await;

    // Wrong roles: the reporter and a coordinator see it but may not; another county
    // does not see it at all.
    let body = json!({"received_on": "2020-03-05"});
    expect(&act(&qx, id, "confirm", body.clone()).await, 403);
    expect(&act(&coord, id, "confirm", body.clone()).await, 403);
    expect(&act(&yl, id, "confirm", body.clone()).await, 404);

    // No date: the date starts empty and must be entered.
    for empty in [
        json!({}),
        json!({"received_on": ""}),
        json!({"received_on": "  "}),
    ] {
        let r = act(&zx, id, "confirm", empty).await;
        expect(&r, 422);
        assert_eq!(r.fields(), ["received_on"]);
        assert!(r.text.contains("请填写到账日期"), "{}", r.text);
    }
    let r = act(&zx, id, "confirm", json!({"received_on": "someday"})).await;
    expect(&r, 422);
    assert_eq!(r.fields(), ["received_on"]);
    // Before it was sent.
    let r = act(&zx, id, "confirm", json!({"received_on": "2020-02-29"})).await;
    expect(&r, 422);
    assert_eq!(r.fields(), ["received_on"]);
    assert!(r.text.contains("不能早于拨付日期 2020-03-01"), "{}", r.text);
    // After today (the server's day is 2020-06-10): the 2026-12-03 of the issue.
    for later in ["2020-06-11", "2026-12-03"] {
        let r = act(&zx, id, "confirm", json!({"received_on": later})).await;
        expect(&r, 422);
        assert_eq!(r.fields(), ["received_on"]);
        assert!(r.text.contains("晚于今天 2020-06-10"), "{}", r.text);
    }
    // 92 days after sending: asked again, refused without the second confirmation.
    let far = json!({"received_on": "2020-06-01"});
    let r = act(&zx, id, "confirm", far.clone()).await;
    expect(&r, 422);
    assert_eq!(r.fields(), ["far_date_confirmed"]);
    assert!(r.text.contains("晚 92 天"), "{}", r.text);
    let r = act(
        &zx,
        id,
        "confirm",
        json!({"received_on": "2020-06-01", "far_date_confirmed": false}),
    )
    .await;
    expect(&r, 422);
    // Nothing of it was written.
    let now = record(&coord, id).await;
    assert!(now["fields"].get("received_on").is_none(), "{now}");
    assert!(now.get("receipt").is_none(), "{now}");
    assert_eq!(now["version"], 1);

    // Confirmed twice, it is taken, with who confirmed and when.
    let r = act(
        &zx,
        id,
        "confirm",
        json!({"received_on": "2020-06-01", "far_date_confirmed": true}),
    )
    .await;
    expect(&r, 200);
    assert_eq!(r.body["fields"]["received_on"], "2020-06-01");
    assert_eq!(r.body["receipt"]["confirmed_by"], ZX);
    assert_eq!(r.body["receipt"]["confirmed_on"], TODAY);
    assert_eq!(r.body["receipt"]["correctable_until"], "2020-06-17");
    // Once only.
    let r = act(&zx, id, "confirm", body.clone()).await;
    expect(&r, 409);
    assert!(r.text.contains("已确认到账"), "{}", r.text);
    // A date within 90 days needs no second confirmation; today itself is allowed.
    let id2 = transfer(&qx, "QX-R-2", "2020-03-12").await;
    expect(
        &act(&zx, id2, "confirm", json!({"received_on": "2020-06-10"})).await,
        200,
    );
    // A draft is not the county's to confirm (it does not see it).
    let r = qx
        .post(
            "/api/v1/records/transfer",
            &json!({"source": "镇街财政", "payer": QX, "payee": ZX, "amount": "5",
                    "budget_year": 2020, "sent_on": "2020-03-01", "voucher_no": "QX-R-3"}),
        )
        .await;
    expect(&r, 201);
    let draft = r.body["id"].as_i64().unwrap();
    expect(&act(&zx, draft, "confirm", body).await, 404);
}

/// The page: the date starts empty; the step shows amount, payer, payee, voucher and the
/// date entered before anything is written; a far date asks again on that page.
async fn the_confirmation_step_shows_the_transfer_before_it_commits(app: &mut TestApp) {
    let qx = app.login(QX).await;
    let coord = app.login(COORD).await;
    let page = app.cookie_login(ZX).await;
    let id = transfer(&qx, "QX-STEP-1", "2020-03-01").await;
    let detail = format!("/records/transfer/{id}");
    let confirm = format!("{detail}/confirm");

    let html = page.get(&detail).await.text;
    assert!(
        html.contains("id=\"received_on\" name=\"received_on\" value=\"\""),
        "the date starts empty"
    );
    // The county's home page too.
    let home = page.get("/").await.text;
    assert!(
        home.contains(&format!(
            "id=\"received-{id}\" name=\"received_on\" value=\"\""
        )),
        "{home}"
    );

    // Refusals on the page: at the top, linked to the field, and next to it.
    for (date, says) in [
        ("", "请填写到账日期"),
        ("2020-02-01", "不能早于拨付日期"),
        ("2020-06-11", "晚于今天"),
    ] {
        let r = page_post(&page, &confirm, &[("received_on", date)]).await;
        expect(&r, 422);
        assert!(r.text.contains("href=\"#received_on\""), "{}", r.text);
        assert!(r.text.contains("id=\"received_on-error\""), "{}", r.text);
        assert!(r.text.contains(says), "{date}: {}", r.text);
    }

    // The check: what the transfer is, and the date entered; nothing written yet.
    let r = page_post(&page, &confirm, &[("received_on", "2020-03-05")]).await;
    expect(&r, 200);
    let check = r.text;
    assert_eq!(text_of(&check, "check-payer"), QX);
    assert_eq!(text_of(&check, "check-payee"), ZX);
    assert_eq!(text_of(&check, "check-voucher_no"), "QX-STEP-1");
    assert_eq!(
        text_of(&check, "check-amount"),
        text_of(&html, "field-amount"),
        "the amount as the record shows it"
    );
    assert!(text_of(&check, "check-received_on").contains("2020年3月5日"));
    assert!(!check.contains("id=\"far-warning\""));
    assert!(
        record(&coord, id).await["fields"]
            .get("received_on")
            .is_none()
    );

    // A far date: the check warns and asks again; without the box ticked, refused there.
    let r = page_post(&page, &confirm, &[("received_on", "2020-06-05")]).await;
    expect(&r, 200);
    assert!(r.text.contains("id=\"far-warning\""), "{}", r.text);
    assert!(r.text.contains("id=\"far_date_confirmed\""));
    let commit = [
        ("received_on", "2020-06-05"),
        ("step", "commit"),
        ("version", "1"),
    ];
    let r = page_post(&page, &confirm, &commit).await;
    expect(&r, 422);
    assert!(
        r.text.contains("href=\"#far_date_confirmed\""),
        "{}",
        r.text
    );
    assert!(r.text.contains("id=\"far_date_confirmed-error\""));
    assert!(
        record(&coord, id).await["fields"]
            .get("received_on")
            .is_none()
    );
    let mut ticked = commit.to_vec();
    ticked.push(("far_date_confirmed", "yes"));
    let r = page_post(&page, &confirm, &ticked).await;
    expect(&r, 200);
    assert!(r.text.contains("已确认到账"), "{}", r.text);
    let now = record(&coord, id).await;
    assert_eq!(now["fields"]["received_on"], "2020-06-05");
    // The record's page tells who confirmed and until when it can be corrected.
    let html = page.get(&detail).await.text;
    assert!(html.contains("id=\"receipt-confirmed\""), "{html}");
    assert!(html.contains("2020年6月17日 前可以更正"), "{html}");

    // From the home page, the step returns there.
    let id2 = transfer(&qx, "QX-STEP-2", "2020-05-01").await;
    let r = page_post(
        &page,
        &format!("/records/transfer/{id2}/confirm"),
        &[("received_on", "2020-05-03"), ("back", "/")],
    )
    .await;
    expect(&r, 200);
    assert!(r.text.contains("name=\"back\" value=\"/\""), "{}", r.text);
}

/// The county corrects its own confirmation for seven days (the day of confirming plus
/// seven); later only a coordinator reverts it, with a reason; the figures follow each
/// change, and the record's history tells them all.
async fn a_confirmation_is_corrected_within_seven_days_then_only_reverted(app: &mut TestApp) {
    let qx = app.login(QX).await;
    let zx = app.login(ZX).await;
    let coord = app.login(COORD).await;
    let id = transfer(&qx, "QX-FIX-1", "2020-03-01").await;
    expect(&act(&coord, id, "approve", json!({})).await, 200);
    let before = figure(&coord).await;
    expect(
        &act(&zx, id, "confirm", json!({"received_on": "2020-03-05"})).await,
        200,
    );
    assert_eq!(figure(&coord).await, before + 1_000_000.0);

    // Refusals of a correction.
    let r = act(
        &zx,
        id,
        "correct-receipt",
        json!({"received_on": "2020-03-05"}),
    )
    .await;
    expect(&r, 422);
    assert!(r.text.contains("与原日期 2020-03-05 相同"), "{}", r.text);
    let r = act(
        &zx,
        id,
        "correct-receipt",
        json!({"received_on": "2020-02-01"}),
    )
    .await;
    expect(&r, 422);
    assert_eq!(r.fields(), ["received_on"]);
    let r = act(
        &zx,
        id,
        "correct-receipt",
        json!({"received_on": "2020-06-11"}),
    )
    .await;
    expect(&r, 422);
    let r = act(
        &zx,
        id,
        "correct-receipt",
        json!({"received_on": "2020-06-05"}),
    )
    .await;
    expect(&r, 422);
    assert_eq!(r.fields(), ["far_date_confirmed"]);
    let fix = json!({"received_on": "2020-03-06"});
    expect(&act(&qx, id, "correct-receipt", fix.clone()).await, 403);
    expect(&act(&coord, id, "correct-receipt", fix.clone()).await, 403);
    // Within the window: corrected, the confirmation's day kept.
    let r = act(&zx, id, "correct-receipt", fix).await;
    expect(&r, 200);
    assert_eq!(r.body["fields"]["received_on"], "2020-03-06");
    assert_eq!(r.body["receipt"]["confirmed_on"], TODAY);
    assert_eq!(figure(&coord).await, before + 1_000_000.0);

    // The last day of the window, 2020-06-17: still open.
    at_day_after_stop(app, "2020-06-17");
    let zx = app.login(ZX).await;
    expect(
        &act(
            &zx,
            id,
            "correct-receipt",
            json!({"received_on": "2020-03-07"}),
        )
        .await,
        200,
    );
    // The day after: closed, and said so with the date it closed.
    at_day_after_stop(app, "2020-06-18");
    let zx = app.login(ZX).await;
    let coord = app.login(COORD).await;
    let qx = app.login(QX).await;
    let r = act(
        &zx,
        id,
        "correct-receipt",
        json!({"received_on": "2020-03-08"}),
    )
    .await;
    expect(&r, 409);
    assert!(r.text.contains("2020-06-17"), "{}", r.text);
    let page = app.cookie_login(ZX).await;
    let html = page.get(&format!("/records/transfer/{id}")).await.text;
    assert!(!html.contains("id=\"corrected_on\""), "no correction form");
    assert_eq!(
        record(&coord, id).await["fields"]["received_on"],
        "2020-03-07"
    );

    // Revert: coordinators only, with a reason.
    let reason = json!({"reason": "银行回单日期为 2020-03-09，请重新确认"});
    expect(&act(&zx, id, "revert-receipt", reason.clone()).await, 403);
    expect(&act(&qx, id, "revert-receipt", reason.clone()).await, 403);
    for empty in [json!({}), json!({"reason": "   "})] {
        let r = act(&coord, id, "revert-receipt", empty).await;
        expect(&r, 422);
        assert_eq!(r.fields(), ["reason"]);
    }
    assert_eq!(
        figure(&coord).await,
        before + 1_000_000.0,
        "nothing reverted yet"
    );
    let r = act(&coord, id, "revert-receipt", reason).await;
    expect(&r, 200);
    assert!(r.body["fields"].get("received_on").is_none(), "{}", r.body);
    assert!(r.body.get("receipt").is_none(), "{}", r.body);
    // A reverted receipt no longer counts.
    assert_eq!(figure(&coord).await, before);
    let r = act(&coord, id, "revert-receipt", json!({"reason": "再撤销"})).await;
    expect(&r, 409);
    // The county confirms again: a fresh confirmation, a fresh window.
    let r = act(&zx, id, "confirm", json!({"received_on": "2020-03-09"})).await;
    expect(&r, 200);
    assert_eq!(r.body["receipt"]["confirmed_on"], "2020-06-18");
    assert_eq!(figure(&coord).await, before + 1_000_000.0);

    // Every step is in the record's history, in words, on its page.
    let html = page.get(&format!("/records/transfer/{id}")).await.text;
    let table = &html[html.find("id=\"history-table\"").expect("history")..];
    for said in [
        "确认到账",
        "更正到账日期",
        "2020年3月5日 → 2020年3月6日",
        "撤销到账确认",
        "银行回单日期为 2020-03-09",
    ] {
        assert!(table.contains(said), "{said}: {table}");
    }
    // The page's revert refuses a missing reason next to its field.
    let cpage = app.cookie_login(COORD).await;
    let r = page_post(
        &cpage,
        &format!("/records/transfer/{id}/revert-receipt"),
        &[("reason", "")],
    )
    .await;
    expect(&r, 422);
    assert!(r.text.contains("href=\"#reason-revert\""), "{}", r.text);
}

/// Stop the server and start it again on another day (tokens are the database's, the
/// address changes: sign in again).
fn at_day_after_stop(app: &mut TestApp, day: &str) {
    app.kill_server();
    at_day(app, day);
}

// ------------------------------------------------------------------ withdraw

/// 撤回: the reporting unit takes a submitted record back to draft before anyone acted
/// on it; the review queue no longer shows it; the history tells it.
async fn a_reporter_withdraws_what_nobody_acted_on(app: &mut TestApp) {
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let zx = app.login(ZX).await;
    let coord = app.login(COORD).await;
    let queue = app.cookie_login(COORD).await;
    let id = transfer(&qx, "QX-W-1", "2020-03-01").await;
    assert!(
        queue
            .get("/review")
            .await
            .text
            .contains(&format!("approve-{id}")),
        "in the review queue"
    );

    expect(&act(&hj, id, "withdraw", json!({})).await, 404);
    expect(&act(&coord, id, "withdraw", json!({})).await, 403);
    expect(&act(&zx, id, "withdraw", json!({})).await, 403);
    let r = act(&qx, id, "withdraw", json!({})).await;
    expect(&r, 200);
    assert_eq!(r.body["status"], "draft");
    assert!(
        !queue
            .get("/review")
            .await
            .text
            .contains(&format!("approve-{id}")),
        "no longer in the review queue"
    );
    let listed = coord
        .get("/api/v1/records/transfer?status=submitted&per_page=500")
        .await;
    assert!(
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != id),
        "{}",
        listed.text
    );
    let again = act(&qx, id, "withdraw", json!({})).await;
    expect(&again, 409);
    // A draft again: changed, then submitted anew, then withdrawn once more.
    expect(
        &qx.patch(
            &format!("/api/v1/records/transfer/{id}"),
            &json!({"amount": "900000"}),
        )
        .await,
        200,
    );
    expect(&act(&qx, id, "submit", json!({})).await, 200);
    expect(&act(&qx, id, "withdraw", json!({})).await, 200);
    let html = app
        .cookie_login(QX)
        .await
        .get(&format!("/records/transfer/{id}"))
        .await
        .text;
    let table = &html[html.find("id=\"history-table\"").expect("history")..];
    assert_eq!(table.matches("撤回").count(), 2, "{table}");

    // Not once another unit acted on it: a dispute, or a payee's confirmation.
    let disputed = transfer(&qx, "QX-W-2", "2020-03-01").await;
    expect(
        &act(
            &zx,
            disputed,
            "dispute",
            json!({"reason": "未收到此笔资金"}),
        )
        .await,
        200,
    );
    let r = act(&qx, disputed, "withdraw", json!({})).await;
    expect(&r, 409);
    assert!(r.text.contains("退回复核"), "{}", r.text);
    let confirmed = transfer(&qx, "QX-W-3", "2020-03-01").await;
    expect(
        &act(
            &zx,
            confirmed,
            "confirm",
            json!({"received_on": "2020-03-03"}),
        )
        .await,
        200,
    );
    let r = act(&qx, confirmed, "withdraw", json!({})).await;
    expect(&r, 409);
    assert!(r.text.contains("已确认到账"), "{}", r.text);
    // Nor an approved one.
    let approved = transfer(&qx, "QX-W-4", "2020-03-01").await;
    expect(&act(&coord, approved, "approve", json!({})).await, 200);
    expect(&act(&qx, approved, "withdraw", json!({})).await, 409);

    // On the page: offered while it may be done, then done.
    let page = app.cookie_login(QX).await;
    let id = transfer(&qx, "QX-W-5", "2020-03-01").await;
    let detail = format!("/records/transfer/{id}");
    assert!(
        page.get(&detail)
            .await
            .text
            .contains("id=\"withdraw-record\"")
    );
    assert!(
        !page
            .get(&format!("/records/transfer/{confirmed}"))
            .await
            .text
            .contains("id=\"withdraw-record\"")
    );
    let r = page_post(&page, &format!("{detail}/withdraw"), &[("version", "1")]).await;
    expect(&r, 200);
    assert!(r.text.contains("已撤回"), "{}", r.text);
    assert_eq!(record(&qx, id).await["status"], "draft");
}

// ------------------------------------------------------------------ choices

/// A town's reporter is offered its own unit wherever the record must be its own, a
/// county likewise; co-organisers and the other side stay open; a coordinator sees all.
/// The save is checked by the same rule.
async fn forms_offer_only_the_units_a_user_may_choose(app: &mut TestApp) {
    let qx = app.cookie_login(QX).await;
    let html = qx.get("/records/transfer/new").await.text;
    assert_eq!(options(&html, "f-payer"), [QX]);
    assert_eq!(options(&html, "f-reporting_unit"), [QX]);
    let payees = options(&html, "f-payee");
    assert!(payees.contains(&ZX.to_string()) && payees.contains(&YL.to_string()));
    assert!(!payees.contains(&QX.to_string()), "{payees:?}");
    let html = qx.get("/records/activity/new").await.text;
    let organisers = options(&html, "f-organizers");
    assert!(
        organisers.contains(&QX.to_string()) && organisers.contains(&HJ.to_string()),
        "co-organisers may be chosen: {organisers:?}"
    );
    assert!(html.contains(&format!("<option value=\"{QX}\" selected>")));
    let html = qx.get("/records/secondment/new").await.text;
    assert!(
        options(&html, "f-from_unit").len() > 1,
        "either end may be its own"
    );
    let html = qx.get("/records/pairing/new").await.text;
    assert_eq!(options(&html, "f-east_town"), [QX]);

    let zx = app.cookie_login(ZX).await;
    let html = zx.get("/records/project/new").await.text;
    assert_eq!(options(&html, "f-county"), [ZX]);
    assert_eq!(options(&html, "f-reporting_unit"), [ZX]);

    let coord = app.cookie_login(COORD).await;
    let html = coord.get("/records/transfer/new").await.text;
    assert!(options(&html, "f-payer").len() >= 20, "all the payers");
    assert!(options(&html, "f-reporting_unit").len() >= 30);

    // What is not offered is not accepted either.
    let api = app.login(QX).await;
    let r = api
        .post(
            "/api/v1/records/transfer",
            &json!({"source": "镇街财政", "payer": HJ, "payee": YL, "amount": "5",
                    "budget_year": 2020, "sent_on": "2020-03-01", "voucher_no": "HJ-X"}),
        )
        .await;
    expect(&r, 403);
    let api = app.login(ZX).await;
    let r = api
        .post(
            "/api/v1/records/project",
            &json!({"name": "校舍", "county": YL, "category": "校舍", "aid_amount": "5",
                    "started_on": "2020-03-01"}),
        )
        .await;
    expect(&r, 403);
}

// ------------------------------------------------------------------ evidence

/// Evidence chosen on the new-record form is attached as the record is created; a file
/// of the wrong type refuses the whole form, nothing written.
async fn evidence_goes_with_a_new_record(app: &mut TestApp) {
    let page = app.cookie_login(QX).await;
    let api = app.login(QX).await;
    let count = |api: ApiClient| async move {
        api.get("/api/v1/records/transfer").await.body["total"]
            .as_u64()
            .unwrap()
    };
    let fields = [
        ("source", "镇街财政"),
        ("payer", QX),
        ("payee", ZX),
        ("amount", "300000"),
        ("budget_year", "2020"),
        ("sent_on", "2020-03-01"),
        ("voucher_no", "QX-EV-1"),
        ("intent", "submit"),
    ];
    let form = |files: Vec<(&str, &[u8])>| {
        let mut f = reqwest::multipart::Form::new().text("csrf_token", page.csrf.clone().unwrap());
        for (k, v) in fields {
            f = f.text(k, v.to_string());
        }
        for (name, bytes) in files {
            f = f.part(
                "evidence",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
            );
        }
        f
    };
    let before = count(api.clone()).await;
    // A refused file: the form again, the file named at its field, nothing created.
    let r = ApiClient::send(
        page.request(reqwest::Method::POST, "/records/transfer/new")
            .multipart(form(vec![
                ("凭证.pdf", b"%PDF-1.4 voucher"),
                ("page.html", b"<script>x</script>"),
            ])),
    )
    .await;
    expect(&r, 422);
    assert!(r.text.contains("href=\"#f-evidence\""), "{}", r.text);
    assert!(r.text.contains("id=\"f-evidence-error\""));
    assert!(r.text.contains("page.html"), "{}", r.text);
    assert!(
        r.text.contains("value=\"QX-EV-1\""),
        "the form kept what was entered"
    );
    assert_eq!(count(api.clone()).await, before);

    // Two good files: the record and both files at once.
    let r = ApiClient::send(
        page.request(reqwest::Method::POST, "/records/transfer/new")
            .multipart(form(vec![
                ("凭证.pdf", b"%PDF-1.4 voucher"),
                ("现场照片.png", b"\x89PNG photo"),
            ])),
    )
    .await;
    expect(&r, 200);
    assert!(r.text.contains("evidence-list"), "{}", r.text);
    assert!(r.text.contains("凭证.pdf") && r.text.contains("现场照片.png"));
    assert_eq!(count(api.clone()).await, before + 1);
    let listed = api.get("/api/v1/records/transfer?per_page=500").await;
    let made = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["fields"]["voucher_no"] == "QX-EV-1")
        .expect("created")
        .clone();
    assert_eq!(made["evidence_count"], 2);
    assert_eq!(made["status"], "submitted");
    // The plain form (no file chosen) still creates a record.
    let mut plain = fields.to_vec();
    plain.retain(|(k, _)| *k != "voucher_no");
    plain.push(("voucher_no", "QX-EV-2"));
    let r = page_post(&page, "/records/transfer/new", &plain).await;
    expect(&r, 200);
    assert_eq!(count(api).await, before + 2);
}

// ------------------------------------------------------------------ upgrade

/// A database from before receipts kept who confirmed them and when (m0011): the upgrade
/// reads it from the audit trail (the last confirmation not reverted since), so a recent
/// confirmation can still be corrected and a reverted one stays without.
async fn an_existing_database_learns_who_confirmed_each_receipt(app: &mut TestApp) {
    use sea_orm::ConnectionTrait;
    let qx = app.login(QX).await;
    let zx = app.login(ZX).await;
    let coord = app.login(COORD).await;
    let kept = transfer(&qx, "QX-UP-1", "2020-03-01").await;
    expect(
        &act(&zx, kept, "confirm", json!({"received_on": "2020-03-05"})).await,
        200,
    );
    let reverted = transfer(&qx, "QX-UP-2", "2020-03-01").await;
    expect(
        &act(
            &zx,
            reverted,
            "confirm",
            json!({"received_on": "2020-03-05"}),
        )
        .await,
        200,
    );
    expect(
        &act(
            &coord,
            reverted,
            "revert-receipt",
            json!({"reason": "重复"}),
        )
        .await,
        200,
    );
    app.kill_server();
    let db = app.db().await;
    let backend = db.get_database_backend();
    let at: String = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            format!(
                "SELECT at FROM audit_log WHERE action = 'record.confirm' AND entity_id = '{kept}'"
            ),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "at")
        .unwrap();
    for sql in [
        "ALTER TABLE record DROP COLUMN receipt_confirmed_on",
        "ALTER TABLE record DROP COLUMN receipt_confirmed_by",
        "DELETE FROM seaql_migrations WHERE version = 'm0012_receipt_confirmation'",
    ] {
        db.execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{backend:?} {sql}: {e}"));
    }
    db.close().await.unwrap();
    // The next command upgrades the database.
    app.cli_ok(&["audit", "verify"]);
    at_day(app, TODAY);
    let coord = app.login(COORD).await;
    let day = duikou_storage::parse_ts(&at)
        .unwrap()
        .to_offset(time::macros::offset!(+8))
        .date();
    let r = record(&coord, kept).await;
    assert_eq!(r["receipt"]["confirmed_by"], ZX, "{r}");
    assert_eq!(
        r["receipt"]["confirmed_on"],
        duikou_domain::record::format_date(day),
        "{r}"
    );
    let r = record(&coord, reverted).await;
    assert!(r.get("receipt").is_none(), "{r}");
}
