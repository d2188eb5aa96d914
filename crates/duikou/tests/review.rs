//! Review at scale, end to end against the real binary: an import batch reviewed whole
//! (its summary, the API and the page), everything a filter matches after a
//! confirmation stating the count (and refused when the count changed meanwhile), four
//! eyes for batches (a coordinator's own import is left for another coordinator), a
//! rejection without a reason refused with nothing changed, and one audit entry per act.

#[macro_use]
mod common;

use common::{ApiClient, Backend, Resp, TestApp, hidden_field};
use serde_json::{Value, json};

const COORD: &str = "经协办";
const COORD2: &str = "第五工作组";
const QX: &str = "清溪镇";
const HJ: &str = "黄江镇";

const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", Some("市经协办")),
    (COORD2, "coordinator", Some("省第五扶贫协作工作组")),
    (QX, "reporter", Some("清溪镇")),
    (HJ, "reporter", Some("黄江镇")),
];

async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_with_users(backend, USERS).await
}

on_both_backends!(
    a_batch_is_reviewed_whole,
    everything_matching_a_filter_after_confirming_the_count,
    the_queue_filters_and_pages,
    cross_checks_warn_in_the_preview_and_the_batch,
);

#[track_caller]
fn expect(r: &Resp, status: u16) {
    assert_eq!(
        r.status, status,
        "expected {status}, got {}: {}",
        r.status, r.text
    );
}

/// `n` transfers from `payer` to 镇雄县, amounts 1,000.00 + i yuan, as a CSV file.
fn transfers_csv(payer: &str, tag: &str, n: usize) -> String {
    let mut s = String::from("source,payer,payee,amount,budget_year,sent_on,voucher_no\n");
    for i in 0..n {
        s.push_str(&format!(
            "镇街财政,{payer},镇雄县,{},2019,2019-03-15,{tag}-{i:04}\n",
            1000 + i
        ));
    }
    s
}

/// Import a file as `user` from the command line (its rows wait for review) and return
/// the batch number the command names.
fn import_as(app: &TestApp, user: &str, name: &str, csv: &str) -> i64 {
    let path = app.data_dir().join(name);
    std::fs::write(&path, csv).unwrap();
    let out = app.cli_ok(&["import", "transfer", path.to_str().unwrap(), "--as", user]);
    let at = out.find("batch ").expect("the batch named") + "batch ".len();
    out[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn statuses(api: &ApiClient, unit: &str) -> Vec<String> {
    let r = api
        .get(&format!(
            "/api/v1/records/transfer?unit={}&per_page=500",
            enc(unit)
        ))
        .await;
    expect(&r, 200);
    let mut s: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

async fn audit_count(app: &TestApp, entity: &str) -> Vec<Value> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.db().await;
    let sql = format!("SELECT action, after FROM audit_log WHERE entity = '{entity}' ORDER BY seq");
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            let action: String = row.try_get("", "action").unwrap();
            let after: Option<String> = row.try_get("", "after").unwrap();
            json!({"action": action, "after": serde_json::from_str::<Value>(&after.unwrap_or_default()).unwrap_or_default()})
        })
        .collect()
}

async fn a_batch_is_reviewed_whole(app: &mut TestApp) {
    let batch = import_as(app, QX, "拨付.csv", &transfers_csv(QX, "QXB", 3));
    let own = import_as(app, COORD, "协办拨付.csv", &transfers_csv(QX, "JXB", 2));
    let coord = app.login(COORD).await;
    let coord2 = app.login(COORD2).await;
    let qx = app.login(QX).await;

    // The summary: rows, what waits, the sum of the amounts (3,003.00 yuan in fen).
    let s = coord.get(&format!("/api/v1/batches/{batch}")).await;
    expect(&s, 200);
    assert_eq!(s.body["batch"]["rows"], 3);
    assert_eq!(s.body["batch"]["waiting"], 3);
    assert_eq!(s.body["kind"], "transfer");
    assert_eq!(s.body["statuses"], json!([["submitted", 3]]));
    let amount = s.body["sums"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "amount")
        .expect("the amounts summed");
    assert_eq!(amount["total"], 300_300);
    assert_eq!(amount["money"], true);
    // Not a reviewer's, and not another plan's or nobody's batch.
    expect(&qx.get(&format!("/api/v1/batches/{batch}")).await, 403);
    expect(&coord.get("/api/v1/batches/999999").await, 404);

    // A rejection needs a reason; nothing changes without one.
    let r = coord
        .post(&format!("/api/v1/batches/{batch}/reject"), &json!({}))
        .await;
    expect(&r, 422);
    assert_eq!(r.fields(), vec!["reason".to_string()]);
    expect(
        &qx.post(&format!("/api/v1/batches/{batch}/approve"), &json!({}))
            .await,
        403,
    );
    assert_eq!(statuses(&coord, QX).await, vec!["submitted"; 5]);

    // Approved whole, in one act and one audit entry naming its count.
    let r = coord
        .post(&format!("/api/v1/batches/{batch}/approve"), &json!({}))
        .await;
    expect(&r, 200);
    assert_eq!(
        (r.body["changed"].as_u64(), r.body["skipped"].as_u64()),
        (Some(3), Some(0))
    );
    let acts = audit_count(app, "import_batch").await;
    let entry = acts
        .iter()
        .find(|a| a["after"].to_string().contains("\"changed\":3"))
        .unwrap_or_else(|| panic!("one audit entry for the act: {acts:?}"));
    assert!(
        entry["action"].as_str().unwrap().contains("approve"),
        "{entry}"
    );

    // Four eyes: the coordinator's own import is left for another coordinator.
    let r = coord
        .post(&format!("/api/v1/batches/{own}/approve"), &json!({}))
        .await;
    expect(&r, 200);
    assert_eq!(
        (r.body["changed"].as_u64(), r.body["skipped"].as_u64()),
        (Some(0), Some(2))
    );
    let r = coord2
        .post(
            &format!("/api/v1/batches/{own}/reject"),
            &json!({"reason": "凭证号重复，请核对后重新导入"}),
        )
        .await;
    expect(&r, 200);
    assert_eq!(r.body["changed"], 2);
    assert_eq!(
        statuses(&coord, QX).await,
        vec!["approved", "approved", "approved", "rejected", "rejected"]
    );

    // The page: the summary panel, then the batch approved from it.
    let third = import_as(app, QX, "拨付3.csv", &transfers_csv(QX, "QXC", 2));
    let page = app.cookie_login(COORD).await;
    let r = page.get(&format!("/review?batch={third}")).await;
    expect(&r, 200);
    assert!(r.text.contains("id=\"batch-summary\""), "{}", r.text);
    assert!(r.text.contains("拨付3.csv"));
    let csrf = hidden_field(&r.text, "csrf_token").unwrap();
    let res = page
        .client
        .post(format!("{}/review/batches/{third}/approve", page.base))
        .form(&[("csrf_token", csrf.as_str()), ("batch", &third.to_string())])
        .send()
        .await
        .unwrap();
    // Redirected (303) back to the queue, which says what was done.
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.url().as_str().contains("changed=2"), "{}", res.url());
    let after = res.text().await.unwrap();
    assert!(after.contains("已审核通过 2 条记录"), "{after}");
}

async fn everything_matching_a_filter_after_confirming_the_count(app: &mut TestApp) {
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let submit = |c: &ApiClient, payer: &str, voucher: String| {
        let c = c.clone();
        let payer = payer.to_string();
        async move {
            let r = c
                .post(
                    "/api/v1/records/transfer",
                    &json!({"source": "镇街财政", "payer": payer, "payee": "镇雄县",
                            "amount": "5000", "budget_year": 2019, "sent_on": "2019-03-10",
                            "voucher_no": voucher}),
                )
                .await;
            expect(&r, 201);
            let id = r.body["id"].as_i64().unwrap();
            expect(
                &c.post(&format!("/api/v1/records/transfer/{id}/submit"), &json!({}))
                    .await,
                200,
            );
        }
    };
    for i in 0..3 {
        submit(&qx, QX, format!("QX-M-{i}")).await;
    }
    for i in 0..2 {
        submit(&hj, HJ, format!("HJ-M-{i}")).await;
    }
    let page = app.cookie_login(COORD).await;
    let queue = page.get("/review?unit=%E6%B8%85%E6%BA%AA%E9%95%87").await;
    expect(&queue, 200);
    assert!(
        queue.text.contains("5 条待审核记录中有 3 条符合筛选条件"),
        "{}",
        queue.text
    );
    let csrf = hidden_field(&queue.text, "csrf_token").unwrap();
    let post = |pairs: Vec<(&'static str, String)>| {
        let page = page.clone();
        let csrf = csrf.clone();
        async move {
            let mut all = vec![("csrf_token", csrf)];
            all.extend(pairs);
            let res = page
                .client
                .post(format!("{}/review/matching", page.base))
                .form(&all)
                .send()
                .await
                .unwrap();
            // A 303 is followed: the final address tells where it led.
            let status = res.status().as_u16();
            let location = res.url().to_string();
            (status, location, res.text().await.unwrap())
        }
    };
    // First the count, nothing changed.
    let (status, _, body) = post(vec![("unit", QX.into()), ("action", "approve".into())]).await;
    assert_eq!(status, 200);
    assert!(body.contains("符合筛选条件的待审核记录共 3 条"), "{body}");
    assert_eq!(hidden_field(&body, "expected").as_deref(), Some("3"));
    // Meanwhile another record arrives: the stated count no longer holds.
    submit(&qx, QX, "QX-M-9".into()).await;
    let confirm = |expected: &str| {
        vec![
            ("unit", QX.to_string()),
            ("action", "approve".into()),
            ("confirm", "1".into()),
            ("expected", expected.to_string()),
        ]
    };
    let (status, _, body) = post(confirm("3")).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("已变为 4 条"), "{body}");
    let coord = app.login(COORD).await;
    assert_eq!(statuses(&coord, QX).await, vec!["submitted"; 4]);
    // Confirmed with the count as it is: the four approved, 黄江镇's untouched.
    let (status, location, _) = post(confirm("4")).await;
    assert_eq!(status, 200);
    assert!(
        location.contains("/review?") && location.contains("changed=4"),
        "{location}"
    );
    assert_eq!(statuses(&coord, QX).await, vec!["approved"; 4]);
    assert_eq!(statuses(&coord, HJ).await, vec!["submitted"; 2]);
    // Rejecting everything matching needs a reason.
    let (status, _, body) = post(vec![
        ("unit", HJ.into()),
        ("action", "reject".into()),
        ("confirm", "1".into()),
        ("expected", "2".into()),
    ])
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(statuses(&coord, HJ).await, vec!["submitted"; 2]);
    assert_eq!(audit_count(app, "review_queue").await.len(), 1);
}

async fn the_queue_filters_and_pages(app: &mut TestApp) {
    import_as(app, QX, "多.csv", &transfers_csv(QX, "QXP", 30));
    import_as(app, HJ, "黄江.csv", &transfers_csv(HJ, "HJP", 3));
    let page = app.cookie_login(COORD).await;
    // 25 a page: two pages of 清溪镇's 30, the page size kept in the links.
    let r = page
        .get("/review?unit=%E6%B8%85%E6%BA%AA%E9%95%87&per_page=25")
        .await;
    expect(&r, 200);
    assert_eq!(r.text.matches("name=\"ids\"").count(), 25);
    assert!(r.text.contains("第 1 / 2 页"));
    assert!(
        r.text.contains("per_page=25&amp;page=2") || r.text.contains("per_page=25&#38;page=2"),
        "{}",
        r.text
    );
    let r = page
        .get("/review?unit=%E6%B8%85%E6%BA%AA%E9%95%87&per_page=25&page=2")
        .await;
    assert_eq!(r.text.matches("name=\"ids\"").count(), 5);
    // A year with nothing; a bad date named as the filter's problem.
    let r = page.get("/review?year=2020").await;
    expect(&r, 200);
    assert!(r.text.contains("id=\"review-empty\""));
    let r = page.get("/review?since=2019-13-45").await;
    expect(&r, 422);
    assert!(r.text.contains("#review-filters"), "{}", r.text);
    // The reporter cannot see the queue at all.
    let qx = app.cookie_login(QX).await;
    expect(&qx.get("/review").await, 403);
}

/// A person list with a worker whose ID number was issued outside the assisted side
/// (441900) and one whose 户籍县区 contradicts the ID's county: the contradiction refuses
/// the file, naming its row and column; without it the file imports, the preview warns
/// of the outsider, and the batch's summary names the record for the reviewer.
async fn cross_checks_warn_in_the_preview_and_the_batch(app: &mut TestApp) {
    let id = |area: &str, seq: u16| {
        duikou_domain::id_number::make_valid(area, time::macros::date!(1990 - 05 - 17), seq)
            .as_str()
            .to_string()
    };
    let header = "类别,姓名,身份证号,户籍县区,就业地,开始日期\n";
    let good = format!(
        "{header}劳务就业,甲,{},镇雄县,东莞,2019-03-01\n劳务就业,乙,{},,东莞,2019-03-01\n",
        id("530627", 11),
        id("441900", 12)
    );
    let contradicting = format!(
        "{header}劳务就业,丙,{},彝良县,东莞,2019-03-01\n",
        id("530627", 13)
    );
    let page = app.cookie_login(QX).await;
    let upload = |name: &'static str, csv: String| {
        let page = page.clone();
        async move {
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", page.csrf.clone().unwrap_or_default())
                .text("kind", "person")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(csv.into_bytes()).file_name(name),
                );
            ApiClient::send(
                page.request(reqwest::Method::POST, "/import")
                    .multipart(form),
            )
            .await
        }
    };
    let refused = upload("矛盾.csv", contradicting).await;
    expect(&refused, 422);
    assert!(refused.text.contains("彝良县"), "{}", refused.text);
    assert!(
        refused.text.contains("<td class=\"num\">2</td><td>D"),
        "row 2, column D named"
    );

    let preview = upload("名单.csv", good).await;
    expect(&preview, 200);
    assert!(
        preview.text.contains("id=\"preview-warnings\""),
        "{}",
        preview.text
    );
    assert!(
        preview.text.contains("1 行需在审核时核实"),
        "{}",
        preview.text
    );
    let mut form: Vec<(String, String)> = ["kind", "sha", "token", "file_name"]
        .iter()
        .map(|k| (k.to_string(), hidden_field(&preview.text, k).unwrap()))
        .collect();
    form.push(("csrf_token".into(), page.csrf.clone().unwrap()));
    let done = ApiClient::send(
        page.request(reqwest::Method::POST, "/import/confirm")
            .form(&form),
    )
    .await;
    expect(&done, 200);
    let at = done.text.find("批次 ").unwrap() + "批次 ".len();
    let batch: i64 = done.text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap();
    let coord = app.login(COORD).await;
    let s = coord.get(&format!("/api/v1/batches/{batch}")).await;
    expect(&s, 200);
    assert_eq!(s.body["problems_total"], 1, "{}", s.body);
    assert_eq!(s.body["problems"][0]["severity"], "warning");
    assert_eq!(s.body["problems"][0]["field"], "id_number");
}
