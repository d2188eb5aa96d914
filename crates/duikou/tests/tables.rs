//! Record lists like a spreadsheet (issue 17): sorted in the database by any column —
//! money numerically, dates chronologically, text by code point, empty values last,
//! ties by id — with the page size and a jump to any page; a filter for every field
//! naming a unit; an export holding exactly the rows of the list it was asked from;
//! a search by full ID number through the blind index (exact, for the roles that see
//! person lists, the number never logged); and the audit trail told in words, filtered.
//! Every scenario runs on SQLite and, with DUIKOU_TEST_POSTGRES_URL, on PostgreSQL.

#[macro_use]
mod common;

use calamine::{Data, Reader, Xlsx};
use common::{ApiClient, Backend, Resp, TestApp};
use serde_json::{Value, json};

const COORD: &str = "经协办";
const QX: &str = "清溪镇";
const HJ: &str = "黄江镇";
const ZX: &str = "镇雄县";
const VIEWER: &str = "领导";
const AUDITOR: &str = "审计";

const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", Some("市经协办")),
    (QX, "reporter", Some("清溪镇")),
    (HJ, "reporter", Some("黄江镇")),
    (ZX, "receiver", Some("镇雄县")),
    (VIEWER, "viewer", None),
    (AUDITOR, "auditor", None),
];

/// With one log line per request, to look for ID numbers in it.
async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_with_log(backend, USERS, "info").await
}

on_both_backends!(
    lists_sort_by_money_dates_and_text,
    page_size_and_jump_keep_the_order,
    a_filter_for_every_unit_field,
    the_export_is_the_list,
    id_numbers_are_found_exactly_and_never_logged,
    the_audit_trail_reads_in_words_and_filters,
);

// ------------------------------------------------------------------ helpers

#[track_caller]
fn expect(r: &Resp, status: u16) {
    assert_eq!(
        r.status,
        status,
        "expected {status}, got {}: {}",
        r.status,
        r.text.chars().take(2000).collect::<String>()
    );
}

/// Transfers imported by the command line (approved at once), each row
/// `payer, payee, yuan, sent_on, voucher, purpose`; the budget year is the date's.
fn import_transfers(app: &TestApp, name: &str, rows: &[(&str, &str, &str, &str, &str, &str)]) {
    let mut csv =
        String::from("资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,凭证号,用途\n");
    for (payer, payee, yuan, sent_on, voucher, purpose) in rows {
        csv.push_str(&format!(
            "镇街财政,{payer},{payee},{yuan},{},{sent_on},{voucher},{purpose}\n",
            &sent_on[..4]
        ));
    }
    let path = app.scratch_dir().join(name);
    std::fs::write(&path, csv).unwrap();
    app.cli_ok(&["import", "transfer", path.to_str().unwrap()]);
}

/// Six transfers whose amounts, dates and voucher numbers sort differently as text and
/// as what they are (9,999.99 < 10,000 < 35,000,000; two of 10,000 for the tie), two
/// without a purpose.
fn six_transfers(app: &TestApp) {
    import_transfers(
        app,
        "six.csv",
        &[
            (QX, "镇雄县", "9999.99", "2019-01-05", "QX-b", "产业"),
            (QX, "彝良县", "10000", "2019-11-30", "QX-A", ""),
            (HJ, "镇雄县", "1000.50", "2018-12-31", "HJ-10", "教育"),
            (HJ, "彝良县", "200", "2019-02-28", "HJ-9", ""),
            (QX, "镇雄县", "10000", "2020-01-01", "QX-a", "就业"),
            (QX, "镇雄县", "35000000", "2019-11-30", "QX-中", "医疗"),
        ],
    );
}

/// A transfer as the API lists it, with what it sorts by.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    fen: i64,
    sent_on: String,
    voucher: String,
    purpose: Option<String>,
    payer: String,
    payee: String,
    status: String,
}

fn fen(yuan: &str) -> i64 {
    let (whole, frac) = yuan.split_once('.').unwrap_or((yuan, "0"));
    whole.parse::<i64>().unwrap() * 100 + format!("{frac:0<2}")[..2].parse::<i64>().unwrap()
}

fn rows(body: &Value) -> Vec<Row> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {body}"))
        .iter()
        .map(|i| {
            let f = &i["fields"];
            let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            Row {
                id: i["id"].as_i64().unwrap(),
                fen: fen(f["amount"].as_str().unwrap()),
                sent_on: text("sent_on"),
                voucher: text("voucher_no"),
                purpose: f["purpose"].as_str().map(str::to_string),
                payer: text("payer"),
                payee: text("payee"),
                status: i["status"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

async fn list(api: &ApiClient, query: &str) -> Vec<Row> {
    let path = match query {
        "" => "/api/v1/records/transfer?per_page=500".to_string(),
        q => format!("/api/v1/records/transfer?per_page=500&{q}"),
    };
    let r = api.get(&path).await;
    expect(&r, 200);
    rows(&r.body)
}

fn ids(rows: &[Row]) -> Vec<i64> {
    rows.iter().map(|r| r.id).collect()
}

/// `rows` sorted as a spreadsheet would: by `key`, ties by id in the same direction.
fn sorted_by<K: Ord>(rows: &[Row], key: impl Fn(&Row) -> K, descending: bool) -> Vec<i64> {
    let mut v = rows.to_vec();
    v.sort_by(|a, b| {
        let o = key(a).cmp(&key(b)).then(a.id.cmp(&b.id));
        if descending { o.reverse() } else { o }
    });
    ids(&v)
}

/// The ids of the rows of a list page, in the order shown.
fn page_ids(html: &str) -> Vec<i64> {
    let body = &html[html.find("<tbody>").unwrap_or(0)..];
    body.split("<td class=\"stack-head\"><a href=\"/records/")
        .skip(1)
        .map(|s| {
            let id = s.split('/').nth(1).unwrap();
            id[..id.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

/// The `href` of the element with this id, with askama's escapes undone.
fn href_of(html: &str, element_id: &str) -> String {
    let at = html
        .find(&format!("id=\"{element_id}\""))
        .unwrap_or_else(|| panic!("no #{element_id}"));
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let end = start + html[start..].find('"').unwrap();
    html[start..end].replace("&#38;", "&").replace("&amp;", "&")
}

/// The cells of a CSV export (BOM and header included as the first row).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn column(rows: &[Vec<String>], header: &str) -> Vec<String> {
    let i = rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("{header} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

fn id_number(area: &str, serial: u16) -> String {
    duikou_domain::id_number::make_valid(area, time::macros::date!(1988 - 04 - 09), serial)
        .as_str()
        .to_string()
}

// ------------------------------------------------------------------ sorting

async fn lists_sort_by_money_dates_and_text(app: &mut TestApp) {
    six_transfers(app);
    let coord = app.login(COORD).await;
    let all = list(&coord, "").await;
    assert_eq!(all.len(), 6);
    assert!(
        all.windows(2).all(|w| w[0].id > w[1].id),
        "newest first without a sort"
    );

    // Money numerically (9,999.99 before 10,000, which text would put after), ties by id.
    let by_amount = list(&coord, "sort=amount").await;
    assert_eq!(ids(&by_amount), sorted_by(&all, |r| r.fen, false));
    let vouchers: Vec<&str> = by_amount.iter().map(|r| r.voucher.as_str()).collect();
    assert_eq!(vouchers, ["HJ-9", "HJ-10", "QX-b", "QX-A", "QX-a", "QX-中"]);
    let by_amount_desc = list(&coord, "sort=-amount").await;
    assert_eq!(ids(&by_amount_desc), sorted_by(&all, |r| r.fen, true));
    assert_eq!(
        [
            by_amount_desc[1].voucher.as_str(),
            by_amount_desc[2].voucher.as_str()
        ],
        ["QX-a", "QX-A"],
        "the later of two equal amounts first when descending"
    );

    // Dates chronologically, both ways; the tie (two on 2019-11-30) by id.
    for (q, desc) in [("sort=sent_on", false), ("sort=-sent_on", true)] {
        assert_eq!(
            ids(&list(&coord, q).await),
            sorted_by(&all, |r| r.sent_on.clone(), desc),
            "{q}"
        );
    }
    // Text by code point, the same on both backends whatever their locale.
    assert_eq!(
        ids(&list(&coord, "sort=voucher_no").await),
        sorted_by(&all, |r| r.voucher.clone(), false)
    );
    // Empty values last, whichever the direction.
    for desc in [false, true] {
        let got = list(
            &coord,
            if desc {
                "sort=-purpose"
            } else {
                "sort=purpose"
            },
        )
        .await;
        let filled: Vec<Row> = all
            .iter()
            .filter(|r| r.purpose.is_some())
            .cloned()
            .collect();
        let empty: Vec<Row> = all
            .iter()
            .filter(|r| r.purpose.is_none())
            .cloned()
            .collect();
        let mut want = sorted_by(&filled, |r| r.purpose.clone(), desc);
        want.extend(sorted_by(&empty, |_| 0, desc));
        assert_eq!(ids(&got), want, "purpose, descending: {desc}");
    }
    // The record's own columns: the reporting unit, the status (review order).
    let qx = app.login(QX).await;
    let draft = qx
        .post(
            "/api/v1/records/transfer",
            &json!({"source": "镇街财政", "payer": QX, "payee": "镇雄县", "amount": "5", "budget_year": 2019, "sent_on": "2019-05-05", "voucher_no": "QX-draft"}),
        )
        .await;
    expect(&draft, 201);
    let by_status = list(&coord, "sort=status").await;
    assert_eq!(by_status[0].status, "draft");
    assert!(by_status[1..].iter().all(|r| r.status == "approved"));
    let by_unit = list(&coord, "sort=-reporting_unit").await;
    assert!(
        by_unit.windows(2).all(|w| w[0].payer >= w[1].payer),
        "{by_unit:?}"
    );

    // An unknown column is refused, named; the ID number is not a column to sort by.
    let r = coord.get("/api/v1/records/transfer?sort=colour").await;
    expect(&r, 422);
    assert_eq!(r.fields(), ["sort"]);
    assert!(r.body["message"].as_str().unwrap().contains("colour"));
    expect(
        &coord.get("/api/v1/records/person?sort=-id_number").await,
        422,
    );

    // The page: the header shows the order and links to the other direction.
    let web = app.cookie_login(COORD).await;
    let page = web.get("/records/transfer?sort=-amount").await;
    expect(&page, 200);
    assert_eq!(
        page_ids(&page.text),
        ids(&list(&coord, "sort=-amount").await)
    );
    let at = page.text.find("id=\"sort-amount\"").unwrap();
    let amount_head = &page.text[page.text[..at].rfind("<th").unwrap()..at];
    assert!(
        amount_head.contains("aria-sort=\"descending\""),
        "{amount_head}"
    );
    assert_eq!(
        page.text.matches("aria-sort=").count(),
        1,
        "one column is the order"
    );
    assert_eq!(
        href_of(&page.text, "sort-amount"),
        "/records/transfer?sort=amount"
    );
    assert_eq!(
        href_of(&page.text, "sort-sent_on"),
        "/records/transfer?sort=sent_on"
    );
    let page = web.get("/records/transfer?sort=colour").await;
    expect(&page, 422);
    assert!(page.text.contains("error-summary") && page.text.contains("colour"));
}

async fn page_size_and_jump_keep_the_order(app: &mut TestApp) {
    six_transfers(app);
    let filler: Vec<(String, String)> = (1..=30)
        .map(|i| {
            (
                format!("{}.{:02}", 100 + i * 7 % 13, i),
                format!("F-{i:02}"),
            )
        })
        .collect();
    let rows: Vec<(&str, &str, &str, &str, &str, &str)> = filler
        .iter()
        .map(|(yuan, v)| {
            (
                HJ,
                "彝良县",
                yuan.as_str(),
                "2020-06-01",
                v.as_str(),
                "填充",
            )
        })
        .collect();
    import_transfers(app, "filler.csv", &rows);
    let coord = app.login(COORD).await;
    let all = list(&coord, "sort=amount").await;
    assert_eq!(all.len(), 36);

    // The API: a page of the sorted list is that slice of it.
    let r = coord
        .get("/api/v1/records/transfer?sort=amount&per_page=5&page=3")
        .await;
    expect(&r, 200);
    assert_eq!(r.body["total"], 36);
    assert_eq!(ids(&rows_of(&r)), ids(&all[10..15]));
    let past = coord
        .get("/api/v1/records/transfer?sort=amount&per_page=5&page=99")
        .await;
    assert_eq!(past.body["items"], json!([]));

    // The page: 25 a page, the second page is the rest, the jump form keeps the order
    // and the size; an offered size of 100 shows everything.
    let web = app.cookie_login(COORD).await;
    let p1 = web.get("/records/transfer?sort=amount&per_page=25").await;
    expect(&p1, 200);
    assert_eq!(page_ids(&p1.text), ids(&all[..25]));
    assert!(p1.text.contains("第 1 / 2 页"), "two pages of 25");
    let jump = &p1.text[p1.text.find("id=\"jump-form\"").expect("a jump form")..];
    let jump = &jump[..jump.find("</form>").unwrap()];
    for field in [
        "name=\"sort\" value=\"amount\"",
        "name=\"per_page\" value=\"25\"",
        "name=\"page\"",
    ] {
        assert!(jump.contains(field), "{field} in {jump}");
    }
    let p2 = web
        .get("/records/transfer?sort=amount&per_page=25&page=2")
        .await;
    assert_eq!(page_ids(&p2.text), ids(&all[25..]));
    assert_eq!(
        href_of(&p2.text, "sort-amount"),
        "/records/transfer?per_page=25&sort=-amount",
        "the header keeps the size and turns the order round"
    );
    let p = web.get("/records/transfer?sort=amount&per_page=100").await;
    assert_eq!(page_ids(&p.text).len(), 36);
    // A size not offered falls back to 50; a page past the end shows none.
    let p = web.get("/records/transfer?per_page=7").await;
    assert_eq!(page_ids(&p.text).len(), 36);
    let p = web.get("/records/transfer?page=9").await;
    expect(&p, 200);
    assert!(page_ids(&p.text).is_empty());
}

fn rows_of(r: &Resp) -> Vec<Row> {
    rows(&r.body)
}

// ------------------------------------------------------------------ filters

async fn a_filter_for_every_unit_field(app: &mut TestApp) {
    six_transfers(app);
    let coord = app.login(COORD).await;
    let all = list(&coord, "").await;
    let payee_zx: Vec<i64> = ids(&all
        .iter()
        .filter(|r| r.payee == "镇雄县")
        .cloned()
        .collect::<Vec<_>>());
    assert_eq!(ids(&list(&coord, "payee=镇雄县").await), payee_zx);
    let hj_to_zx = list(&coord, "payer=黄江镇&payee=镇雄县&sort=-amount").await;
    assert_eq!(hj_to_zx.len(), 1);
    assert_eq!(hj_to_zx[0].voucher, "HJ-10");
    // A unit by its alias or code is the unit.
    assert_eq!(ids(&list(&coord, "payee=530627").await), payee_zx);
    // The reporting unit's scope still holds: 黄江镇 sees its own.
    let hj = app.login(HJ).await;
    assert_eq!(list(&hj, "payee=镇雄县").await.len(), 1);

    // A field holding several units: the activities naming a unit among their organisers.
    for (title, organizers) in [
        ("联合招商", "清溪镇、黄江镇"),
        ("黄江推介", "黄江镇"),
        ("石碣推介", "石碣镇"),
    ] {
        let r = coord
            .post(
                "/api/v1/records/activity",
                &json!({"kind": "招商推介会", "title": title, "held_on": "2019-06-01", "organizers": organizers}),
            )
            .await;
        expect(&r, 201);
    }
    let titles = |r: Resp| -> Vec<String> {
        let mut t: Vec<String> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["fields"]["title"].as_str().unwrap().to_string())
            .collect();
        t.sort();
        t
    };
    assert_eq!(
        titles(
            coord
                .get("/api/v1/records/activity?organizers=黄江镇")
                .await
        ),
        ["联合招商", "黄江推介"]
    );
    assert_eq!(
        titles(
            coord
                .get("/api/v1/records/activity?organizers=清溪镇")
                .await
        ),
        ["联合招商"]
    );
    let by_first = coord.get("/api/v1/records/activity?sort=organizers").await;
    let firsts: Vec<String> = by_first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fields"]["organizers"][0].as_str().unwrap().to_string())
        .collect();
    let mut want = firsts.clone();
    want.sort();
    assert_eq!(firsts, want, "a list of units sorts by its first");

    // Persons by 户籍县区.
    let qx = app.login(QX).await;
    for (name, area, county) in [("甲", "530627", "镇雄县"), ("乙", "530628", "彝良县")] {
        let r = qx
            .post(
                "/api/v1/records/person",
                &json!({"programme": "劳务就业", "name": name, "id_number": id_number(area, 11), "hukou_county": county, "started_on": "2019-05-01"}),
            )
            .await;
        expect(&r, 201);
    }
    let r = coord
        .get("/api/v1/records/person?hukou_county=彝良县")
        .await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["fields"]["name"], "乙");

    // Bad filters are named: a unit the plan does not have, a field that names none.
    let r = coord.get("/api/v1/records/transfer?payee=火星县").await;
    expect(&r, 422);
    assert_eq!(r.fields(), ["payee"]);
    let r = coord.get("/api/v1/records/transfer?amount=5").await;
    expect(&r, 422);
    assert_eq!(r.fields(), ["amount"]);

    // The page offers a filter for each of the kind's unit fields, and no other.
    let web = app.cookie_login(COORD).await;
    for (kind, fields) in [
        ("transfer", &["payer", "payee"][..]),
        ("person", &["hukou_county"][..]),
        ("project", &["county"][..]),
        ("activity", &["organizers"][..]),
        ("secondment", &["from_unit", "to_unit"][..]),
    ] {
        let p = web.get(&format!("/records/{kind}")).await;
        expect(&p, 200);
        let found: Vec<&str> = p
            .text
            .split("<select id=\"filter-")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        assert_eq!(found, fields, "{kind}");
    }
    let p = web.get("/records/transfer?payee=镇雄县").await;
    assert_eq!(
        page_ids(&p.text),
        payee_zx,
        "the page lists what the API does"
    );
    assert!(p.text.contains("<option value=\"镇雄县\" selected>"));
    let p = web.get("/records/transfer?payee=火星县").await;
    expect(&p, 422);
    assert!(
        p.text.contains("href=\"#filter-payee\""),
        "the summary links to the field"
    );
}

// ------------------------------------------------------------------ exports

async fn the_export_is_the_list(app: &mut TestApp) {
    six_transfers(app);
    let qx = app.login(QX).await;
    let draft = qx
        .post(
            "/api/v1/records/transfer",
            &json!({"source": "镇街财政", "payer": QX, "payee": "镇雄县", "amount": "777", "budget_year": 2019, "sent_on": "2019-07-07", "voucher_no": "QX-draft", "purpose": "草稿"}),
        )
        .await;
    expect(&draft, 201);
    let coord = app.login(COORD).await;
    let web = app.cookie_login(COORD).await;

    for query in [
        "payee=镇雄县&sort=-amount",
        "sort=sent_on",
        "year=2019&q=QX",
        "",
    ] {
        let shown = web.get(&format!("/records/transfer?{query}")).await;
        expect(&shown, 200);
        let want = ids(&list(&coord, query).await);
        assert_eq!(page_ids(&shown.text), want, "the page lists {query}");
        let vouchers: Vec<String> = {
            let all = list(&coord, "").await;
            want.iter()
                .map(|id| all.iter().find(|r| r.id == *id).unwrap().voucher.clone())
                .collect()
        };

        let csv_href = href_of(&shown.text, "export-csv");
        assert!(
            csv_href.contains("status=all"),
            "every status the list shows: {csv_href}"
        );
        let csv = web.get(&csv_href).await;
        expect(&csv, 200);
        let cells = csv_rows(&csv.text);
        assert_eq!(
            column(&cells, "凭证号"),
            vouchers,
            "CSV of {query}: {csv_href}"
        );
        if query.is_empty() {
            assert!(
                cells.iter().any(|r| r.last().unwrap() == "草稿"),
                "the draft too"
            );
        }

        let xlsx_href = href_of(&shown.text, "export-xlsx");
        let res = web
            .request(reqwest::Method::GET, &xlsx_href)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let bytes = res.bytes().await.unwrap().to_vec();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("资金拨付").unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        assert_eq!(column(&rows, "凭证号"), vouchers, "Excel of {query}");
    }
    // A filter narrower than a year says so in the file's name.
    let r = web
        .request(
            reqwest::Method::GET,
            "/export/transfer.csv?payee=%E9%95%87%E9%9B%84%E5%8E%BF&status=all",
        )
        .send()
        .await
        .unwrap();
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains(&urlencode("资金拨付-全部年度-筛选.csv")),
        "{disposition}"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ------------------------------------------------------------------ ID numbers

async fn id_numbers_are_found_exactly_and_never_logged(app: &mut TestApp) {
    let qx = app.login(QX).await;
    let hj = app.login(HJ).await;
    let mine = id_number("530627", 21);
    let other = id_number("530627", 22);
    let theirs = id_number("530628", 23);
    let mut made = Vec::new();
    for (api, name, number, county) in [
        (&qx, "甲", &mine, "镇雄县"),
        (&qx, "乙", &other, "镇雄县"),
        (&hj, "丙", &theirs, "彝良县"),
    ] {
        let r = api
            .post(
                "/api/v1/records/person",
                &json!({"programme": "劳务就业", "name": name, "id_number": number, "hukou_county": county, "started_on": "2019-05-01"}),
            )
            .await;
        expect(&r, 201);
        made.push(r.body["id"].as_i64().unwrap());
    }
    let coord = app.login(COORD).await;
    let find = |api: &ApiClient, number: &str| {
        let (api, path) = (
            api.clone(),
            format!("/api/v1/records/person?id_number={number}"),
        );
        async move { api.get(&path).await }
    };

    // An exact hit, a miss; the number shown masked.
    let r = find(&coord, &mine).await;
    expect(&r, 200);
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["id"], made[0]);
    assert!(!r.text.contains(&mine), "masked in the answer");
    assert_eq!(
        find(&coord, &id_number("530627", 24)).await.body["total"],
        0,
        "a valid number nobody has"
    );
    // A lower-case x is the same number.
    let with_x = (0..200)
        .map(|s| id_number("530627", 300 + s))
        .find(|n| n.ends_with('X'))
        .unwrap();
    expect(
        &qx.post(
            "/api/v1/records/person",
            &json!({"programme": "技能培训", "name": "丁", "id_number": with_x, "hukou_county": "镇雄县", "started_on": "2019-06-01"}),
        )
        .await,
        201,
    );
    assert_eq!(find(&coord, &with_x.to_lowercase()).await.body["total"], 1);
    // Typed into the search box, a whole number is looked up the same way.
    let r = coord.get(&format!("/api/v1/records/person?q={mine}")).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["id"], made[0]);
    // Within what the role may read: 黄江镇 does not find 清溪镇's person.
    assert_eq!(find(&hj, &mine).await.body["total"], 0);
    assert_eq!(find(&hj, &theirs).await.body["total"], 1);
    // An auditor may look a person up (and sees the number masked).
    let auditor = app.login(AUDITOR).await;
    assert_eq!(find(&auditor, &mine).await.body["total"], 1);

    // A number that is not one: 422 with the reason, the number masked.
    let mut wrong = mine.clone();
    let last = if mine.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(17..18, last);
    let r = find(&coord, &wrong).await;
    expect(&r, 422);
    assert_eq!(r.fields(), ["id_number"]);
    assert!(r.text.contains("校验位"), "{}", r.text);
    assert!(!r.text.contains(&wrong), "{}", r.text);
    let r = find(&coord, "12345").await;
    expect(&r, 422);
    assert!(r.text.contains("18"), "the length named: {}", r.text);

    // Leaders see no person lists, and may not search by ID number where a list has one.
    let viewer = app.login(VIEWER).await;
    let r = viewer
        .get(&format!("/api/v1/records/secondment?id_number={mine}"))
        .await;
    expect(&r, 403);
    expect(&viewer.get("/api/v1/records/secondment").await, 200);
    let viewer_page = app.cookie_login(VIEWER).await;
    let p = viewer_page.get("/records/secondment").await;
    expect(&p, 200);
    assert!(
        !p.text.contains("name=\"id_number\""),
        "no such field for a leader"
    );
    expect(
        &viewer_page
            .get(&format!("/records/secondment?id_number={mine}"))
            .await,
        403,
    );
    // A kind without ID numbers has none to search.
    expect(
        &coord
            .get(&format!("/api/v1/records/transfer?id_number={mine}"))
            .await,
        422,
    );

    // The page: the field, a hit, and a clear message on a wrong number.
    let web = app.cookie_login(COORD).await;
    let p = web.get("/records/person").await;
    assert!(p.text.contains("name=\"id_number\""));
    let p = web.get(&format!("/records/person?id_number={mine}")).await;
    expect(&p, 200);
    assert_eq!(page_ids(&p.text), [made[0]]);
    let p = web.get(&format!("/records/person?id_number={wrong}")).await;
    expect(&p, 422);
    assert!(p.text.contains("href=\"#id_number\"") && p.text.contains("校验位"));

    // Nothing of any number searched reached the log.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let log = app.server_log();
    assert!(
        log.lines().filter(|l| l.contains("records/person")).count() >= 8,
        "the searches were logged:\n{log}"
    );
    for n in [&mine, &theirs, &wrong, &with_x, &with_x.to_lowercase()] {
        assert!(!log.contains(n.as_str()), "an ID number in the log:\n{log}");
        assert!(!log.contains(&n[..14]), "most of an ID number in the log");
    }
}

// ------------------------------------------------------------------ audit trail

async fn the_audit_trail_reads_in_words_and_filters(app: &mut TestApp) {
    use sea_orm::{ConnectionTrait, Statement};
    let qx = app.login(QX).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let r = qx
            .post(
                "/api/v1/records/transfer",
                &json!({"source": "镇街财政", "payer": QX, "payee": "镇雄县", "amount": "100", "budget_year": 2019, "sent_on": "2019-03-15", "voucher_no": format!("A-{i}"), "submit": true}),
            )
            .await;
        expect(&r, 201);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    let coord = app.login(COORD).await;
    let approved = ids[1];
    expect(
        &coord
            .post(
                &format!("/api/v1/records/transfer/{approved}/approve"),
                &json!({}),
            )
            .await,
        200,
    );
    let web = app.cookie_login(AUDITOR).await;

    // Everything, in words: who by name, what in words, about which record (a link).
    let p = web.get("/audit").await;
    expect(&p, 200);
    assert!(p.text.contains("id=\"chain-ok\""));
    assert!(p.text.contains(">登录<") && p.text.contains(">审核通过<"));
    assert!(
        p.text.contains(&format!(
            "<a href=\"/records/transfer/{approved}\">资金拨付 #{approved}</a>"
        )),
        "the record named and linked"
    );
    assert!(
        p.text.contains(&format!("用户 {QX}")),
        "a user by name, not number"
    );
    assert!(!p.text.contains(">user.login<"), "no codes shown");

    // Filtered by who and what: only the coordinator's approval.
    let p = web
        .get(&format!("/audit?actor={COORD}&action=record.approve"))
        .await;
    expect(&p, 200);
    let actions: Vec<&str> = p
        .text
        .split("<tr data-action=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(actions, ["record.approve"]);
    assert!(p.text.contains("符合条件的共 1 条"));
    // Filtered by record: its whole story, newest first.
    let p = web
        .get(&format!("/audit?kind=transfer&id={approved}"))
        .await;
    let actions: Vec<&str> = p
        .text
        .split("<tr data-action=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(actions, ["record.approve", "record.create"]);

    // In Beijing time: the approval's stored (UTC) time, eight hours on.
    let db = app.db().await;
    let at: String = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT at FROM audit_log WHERE action = 'record.approve'".to_string(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "at")
        .unwrap();
    db.close().await.unwrap();
    let utc =
        time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).unwrap();
    let bj = utc.to_offset(time::macros::offset!(+8));
    let shown = format!(
        "{}年{}月{}日 {:02}:{:02}:{:02}",
        bj.year(),
        u8::from(bj.month()),
        bj.day(),
        bj.hour(),
        bj.minute(),
        bj.second()
    );
    assert!(p.text.contains(&shown), "{shown} in Beijing time");

    // Dates: today (in Beijing) holds everything, tomorrow nothing; a range that ends
    // before it starts, or a date that is not one, is named.
    let today = bj.date();
    let tomorrow = today.next_day().unwrap();
    let p = web.get(&format!("/audit?from={today}&to={today}")).await;
    expect(&p, 200);
    assert!(p.text.contains("data-action=\"record.approve\""));
    let p = web.get(&format!("/audit?from={tomorrow}")).await;
    assert!(p.text.contains("符合条件的共 0 条"), "nothing after today");
    let p = web.get(&format!("/audit?from={tomorrow}&to={today}")).await;
    expect(&p, 422);
    assert!(p.text.contains("href=\"#audit-to\"") && p.text.contains("截止日期早于起始日期"));
    let p = web.get("/audit?from=2020-13-01").await;
    expect(&p, 422);
    assert!(p.text.contains("href=\"#audit-from\""));

    // A page at a time (100), newest first; a page past the end shows the last.
    for i in 0..100 {
        let r = qx
            .post(
                "/api/v1/records/transfer",
                &json!({"source": "镇街财政", "payer": QX, "payee": "镇雄县", "amount": "1", "budget_year": 2019, "sent_on": "2019-03-15", "voucher_no": format!("B-{i}")}),
            )
            .await;
        expect(&r, 201);
    }
    let p1 = web.get("/audit?action=record.create").await;
    assert!(p1.text.contains("第 1 / 2 页"), "103 creations, two pages");
    assert!(
        p1.text
            .contains("href=\"/audit?action=record.create&#38;page=2\"")
            || p1
                .text
                .contains("href=\"/audit?action=record.create&amp;page=2\"")
    );
    let p2 = web.get("/audit?action=record.create&page=2").await;
    assert_eq!(
        p2.text.matches("<tr data-action=\"record.create\"").count(),
        3
    );
    let last = web
        .get("/audit?action=record.create&page=18446744073709551615")
        .await;
    expect(&last, 200);
    assert!(last.text.contains("第 2 / 2 页"));

    // In English; and for coordinators and auditors only.
    let en = web.get("/lang?to=en&back=/audit").await;
    assert!(en.status == 200 || en.status == 303);
    let p = web.get("/audit?action=record.approve").await;
    assert!(
        p.text.contains(">approved<") && p.text.contains(&format!("Fund transfers #{approved}"))
    );
    expect(&app.cookie_login(COORD).await.get("/audit").await, 200);
    for who in [QX, ZX, VIEWER] {
        expect(&app.cookie_login(who).await.get("/audit").await, 403);
    }
}
