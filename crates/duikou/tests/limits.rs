//! Bounds nobody can push past (issue 16, limits and files): values beyond any real
//! record, reasons that carry ID numbers, floods of bad rows, compressed bombs, data
//! files others on the machine could read, and uploads that were never confirmed.
//! Against the real binary, on SQLite and (with DUIKOU_TEST_POSTGRES_URL) PostgreSQL.

#[macro_use]
mod common;

use common::{ApiClient, Backend, Resp, TestApp};
use serde_json::{Value, json};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const COORD: &str = "经协办";
const QX: &str = "清溪镇";
const ZX: &str = "镇雄县";
const ID_NUMBER: &str = "530627198505171239";

const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", Some("市经协办")),
    (QX, "reporter", Some("清溪镇")),
    (ZX, "receiver", Some("镇雄县")),
];

async fn start(backend: Backend) -> TestApp {
    TestApp::spawn_with_users(backend, USERS).await
}

on_both_backends!(
    values_beyond_any_record_are_refused,
    reasons_are_bounded_and_carry_no_id_numbers,
    a_flood_of_bad_rows_gets_a_bounded_report,
    uploads_are_kept_only_until_confirmed,
);

// ------------------------------------------------------------------ helpers

fn transfer(voucher: &str) -> Value {
    json!({
        "source": "镇街财政", "payer": QX, "payee": ZX, "amount": "1000000", "budget_year": 2019,
        "sent_on": "2019-03-15", "voucher_no": voucher, "purpose": "产业帮扶",
    })
}

fn with(mut body: Value, field: &str, value: &str) -> Value {
    body[field] = Value::String(value.to_string());
    body
}

fn expect(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
}

/// A 422 naming `field`.
fn refused_naming(r: &Resp, field: &str) {
    expect(r, 422);
    let named: Vec<&str> = r.body["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields in {}", r.text))
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert!(named.contains(&field), "{field} not named: {}", r.text);
}

async fn transfer_count(api: &ApiClient) -> u64 {
    let r = api.get("/api/v1/records/transfer").await;
    expect(&r, 200);
    r.body["total"].as_u64().unwrap()
}

async fn create(api: &ApiClient, body: &Value) -> i64 {
    let r = api.post("/api/v1/records/transfer", body).await;
    expect(&r, 201);
    r.body["id"].as_i64().unwrap()
}

async fn act(api: &ApiClient, id: i64, action: &str, body: &Value) -> Resp {
    api.post(&format!("/api/v1/records/transfer/{id}/{action}"), body)
        .await
}

async fn status_of(api: &ApiClient, id: i64) -> String {
    let r = api.get(&format!("/api/v1/records/transfer/{id}")).await;
    expect(&r, 200);
    r.body["status"].as_str().unwrap().to_string()
}

async fn upload(page: &ApiClient, name: &str, bytes: Vec<u8>) -> Resp {
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", page.csrf.clone().unwrap_or_default())
        .text("kind", "transfer")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    ApiClient::send(
        page.request(reqwest::Method::POST, "/import")
            .multipart(form),
    )
    .await
}

use common::hidden_field as hidden;

async fn confirm(page: &ApiClient, preview: &Resp) -> Resp {
    let mut form: Vec<(String, String)> = ["kind", "sha", "token", "file_name"]
        .iter()
        .map(|k| {
            let v = hidden(&preview.text, k).unwrap_or_else(|| panic!("no {k} in the preview"));
            (k.to_string(), v)
        })
        .collect();
    form.push(("csrf_token".into(), page.csrf.clone().unwrap()));
    ApiClient::send(
        page.request(reqwest::Method::POST, "/import/confirm")
            .form(&form),
    )
    .await
}

fn files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Transfers of 清溪镇 with vouchers `{prefix}-0`…; with `bad_amount`, each row has one
/// error (its amount).
fn csv_of(prefix: &str, rows: usize, bad_amount: bool) -> Vec<u8> {
    let mut csv = String::from("资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,凭证号\n");
    for i in 0..rows {
        let amount = if bad_amount { "abc" } else { "10000" };
        csv.push_str(&format!(
            "镇街财政,清溪镇,镇雄县,{amount},2019,2019-05-01,{prefix}-{i}\n"
        ));
    }
    csv.into_bytes()
}

// ------------------------------------------------------------------ scenarios

/// Text of megabytes, amounts past what an i64 of fen holds, dates of year 0 or 9999,
/// ID numbers in free text: each refused with the field named, nothing stored, and the
/// ID number never echoed back.
async fn values_beyond_any_record_are_refused(app: &mut TestApp) {
    let qx = app.login(QX).await;
    let before = transfer_count(&qx).await;
    let base = transfer("LIM-BASE");

    let r = qx
        .post(
            "/api/v1/records/transfer",
            &with(base.clone(), "purpose", &"字".repeat(2_001)),
        )
        .await;
    refused_naming(&r, "purpose");
    assert!(
        r.text.contains("2,000") || r.text.contains("2000"),
        "{}",
        r.text
    );

    // Five megabytes: refused (by the body limit or the length limit), nothing stored.
    let r = qx
        .post(
            "/api/v1/records/transfer",
            &with(base.clone(), "purpose", &"x".repeat(5 * 1024 * 1024)),
        )
        .await;
    assert!(
        r.status == 413 || r.status == 422,
        "{}: {}",
        r.status,
        r.text.len()
    );

    let r = qx
        .post(
            "/api/v1/records/transfer",
            &with(base.clone(), "notes", &"备".repeat(10_001)),
        )
        .await;
    refused_naming(&r, "notes");

    for amount in [
        "92233720368547758.07",
        "1000000000000.01",
        "-92233720368547758.08",
    ] {
        let r = qx
            .post(
                "/api/v1/records/transfer",
                &with(base.clone(), "amount", amount),
            )
            .await;
        refused_naming(&r, "amount");
    }

    for date in ["0000-01-01", "1989-12-31", "2100-01-01", "9999-12-31"] {
        let r = qx
            .post(
                "/api/v1/records/transfer",
                &with(base.clone(), "sent_on", date),
            )
            .await;
        refused_naming(&r, "sent_on");
    }

    let r = qx
        .post(
            "/api/v1/records/transfer",
            &with(base.clone(), "notes", &format!("联系人身份证 {ID_NUMBER}")),
        )
        .await;
    refused_naming(&r, "notes");
    assert!(!r.text.contains(ID_NUMBER), "echoed: {}", r.text);

    assert_eq!(transfer_count(&qx).await, before, "nothing was stored");

    // At the limits themselves, a record is accepted: the bounds are not too tight.
    let edge = with(
        with(
            with(base, "purpose", &"字".repeat(2_000)),
            "amount",
            "1000000000000",
        ),
        "sent_on",
        "1990-01-01",
    );
    create(&qx, &edge).await;
    assert_eq!(transfer_count(&qx).await, before + 1);
}

/// A reason is part of the audit trail and shown to every reader of the record: it is
/// bounded and may not carry an ID number, on rejection and on dispute alike.
async fn reasons_are_bounded_and_carry_no_id_numbers(app: &mut TestApp) {
    let qx = app.login(QX).await;
    let coord = app.login(COORD).await;
    let zx = app.login(ZX).await;

    let id = create(&qx, &transfer("LIM-REASON-1")).await;
    expect(&act(&qx, id, "submit", &json!({})).await, 200);

    let r = act(
        &coord,
        id,
        "reject",
        &json!({ "reason": format!("请核对 {ID_NUMBER} 的凭证") }),
    )
    .await;
    refused_naming(&r, "reason");
    assert!(!r.text.contains(ID_NUMBER), "echoed: {}", r.text);
    let r = act(
        &coord,
        id,
        "reject",
        &json!({ "reason": "理".repeat(2_001) }),
    )
    .await;
    refused_naming(&r, "reason");
    let r = act(&coord, id, "reject", &json!({ "reason": "  " })).await;
    refused_naming(&r, "reason");
    assert_eq!(status_of(&coord, id).await, "submitted", "nothing changed");
    expect(
        &act(&coord, id, "reject", &json!({ "reason": "凭证号有误" })).await,
        200,
    );
    assert_eq!(status_of(&coord, id).await, "rejected");

    // 退回复核 by the named payee: the same rule.
    let id = create(&qx, &transfer("LIM-REASON-2")).await;
    expect(&act(&qx, id, "submit", &json!({})).await, 200);
    expect(&act(&coord, id, "approve", &json!({})).await, 200);
    let r = zx
        .post(
            &format!("/api/v1/records/transfer/{id}/dispute"),
            &json!({ "reason": format!("经办人 {ID_NUMBER} 称未到账") }),
        )
        .await;
    refused_naming(&r, "reason");
    assert!(!r.text.contains(ID_NUMBER), "echoed: {}", r.text);
    assert_eq!(status_of(&coord, id).await, "approved");
    let r = zx
        .post(
            &format!("/api/v1/records/transfer/{id}/dispute"),
            &json!({ "reason": "本县未收到该笔资金" }),
        )
        .await;
    expect(&r, 200);
    assert_eq!(status_of(&coord, id).await, "submitted");
}

/// Tens of thousands of bad rows: every one counted, the first thousand listed, the
/// page of a bounded size, nothing imported and nothing kept.
async fn a_flood_of_bad_rows_gets_a_bounded_report(app: &mut TestApp) {
    let page = app.cookie_login(QX).await;
    let api = app.login(QX).await;
    let before = transfer_count(&api).await;

    let r = upload(&page, "错误很多.csv", csv_of("FLOOD", 30_000, true)).await;
    expect(&r, 422);
    assert!(
        r.text.contains("发现 30,000 处错误，仅列出前 1,000 处"),
        "{}",
        &r.text[..r.text.len().min(2_000)]
    );
    // Data rows start at row 2: the first thousand problems are rows 2 to 1001.
    assert!(
        r.text.contains("<td class=\"num\">1001</td>")
            && !r.text.contains("<td class=\"num\">1002</td>"),
        "only the first thousand"
    );
    assert!(
        r.text.len() < 2 * 1024 * 1024,
        "the page is {} bytes",
        r.text.len()
    );
    assert_eq!(transfer_count(&api).await, before);
    assert!(
        files_in(&app.data_dir().join("uploads")).is_empty(),
        "a refused file is not kept"
    );
    // Its report is, as a workbook for the person who uploaded it (and nobody else).
    let at = r
        .text
        .find("/import/report?")
        .expect("a link to the report");
    let end = at + r.text[at..].find('"').unwrap();
    let link = r.text[at..end].replace("&amp;", "&").replace("&#38;", "&");
    let book = page.get(&link).await;
    expect(&book, 200);
    assert!(book.text.starts_with("PK"), "an xlsx file");
    assert!(
        book.header("content-disposition")
            .is_some_and(|d| d.contains("xlsx")),
        "{:?}",
        book.headers
    );
    let other = app.cookie_login(ZX).await;
    expect(&other.get(&link).await, 400);
}

/// An upload waits in data/uploads for its confirmation and no longer: removed once
/// confirmed, swept when left unconfirmed a day, even across restarts.
async fn uploads_are_kept_only_until_confirmed(app: &mut TestApp) {
    let uploads = app.data_dir().join("uploads");
    let page = app.cookie_login(QX).await;
    let api = app.login(QX).await;
    let before = transfer_count(&api).await;

    let preview = upload(&page, "两条.csv", csv_of("TWO", 2, false)).await;
    expect(&preview, 200);
    assert_eq!(files_in(&uploads).len(), 1, "kept for the confirmation");
    let r = confirm(&page, &preview).await;
    assert!(
        r.status == 200 || r.status == 303,
        "{}: {}",
        r.status,
        r.text
    );
    assert_eq!(transfer_count(&api).await, before + 2);
    assert!(files_in(&uploads).is_empty(), "{:?}", files_in(&uploads));
    // Confirming again finds nothing to import twice.
    let r = confirm(&page, &preview).await;
    expect(&r, 400);
    assert_eq!(transfer_count(&api).await, before + 2);

    // Left unconfirmed: a fresh one stays, one of two days ago is swept at start.
    expect(
        &upload(&page, "新.csv", csv_of("FRESH", 1, false)).await,
        200,
    );
    let old = upload(&page, "旧.csv", csv_of("OLD", 1, false)).await;
    expect(&old, 200);
    let old_sha = hidden(&old.text, "sha").unwrap();
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 24 * 3600);
    std::fs::File::options()
        .write(true)
        .open(uploads.join(&old_sha))
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();
    assert_eq!(files_in(&uploads).len(), 2);
    app.terminate_server(std::time::Duration::from_secs(30));
    app.restart_server();
    let mut left = files_in(&uploads);
    for _ in 0..100 {
        if left.len() == 1 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        left = files_in(&uploads);
    }
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(!left.contains(&old_sha), "the stale upload was swept");
}

/// A spreadsheet that inflates a hundredfold is refused before it is unpacked, on the
/// command line as on the web: exit 2, the part and the ratio named, nothing written.
#[tokio::test]
async fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    let app = start(Backend::Sqlite).await;
    let api = app.login(QX).await;
    let before = transfer_count(&api).await;

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", deflated).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    zip.start_file("xl/worksheets/sheet1.xml", deflated)
        .unwrap();
    let block = vec![b'A'; 1024 * 1024];
    for _ in 0..64 {
        zip.write_all(&block).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
    let file = app.data_dir().join("bomb.xlsx");
    std::fs::write(&file, &bytes).unwrap();

    let o = app.cli(&["import", "transfer", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("sheet1.xml") && stderr.contains("100:1"),
        "{stderr}"
    );
    assert!(stderr.contains("bomb.xlsx"), "the file is named: {stderr}");

    let page = app.cookie_login(QX).await;
    let r = upload(&page, "bomb.xlsx", bytes).await;
    expect(&r, 422);
    assert!(r.text.contains("100:1"), "{}", r.text);
    assert_eq!(transfer_count(&api).await, before, "nothing written");
}

/// The database, its journal, the key and the evidence are readable by the service's
/// own account only; a data directory left open by an earlier release is narrowed.
#[tokio::test]
async fn data_files_are_readable_by_their_owner_only() {
    let app = start(Backend::Sqlite).await;
    let data = app.data_dir();
    let qx = app.login(QX).await;
    let id = create(&qx, &transfer("LIM-MODES")).await;

    let page = app.cookie_login(QX).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", page.csrf.clone().unwrap_or_default())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 voucher".to_vec()).file_name("凭证.pdf"),
        );
    let r = ApiClient::send(
        page.request(
            reqwest::Method::POST,
            &format!("/records/transfer/{id}/evidence"),
        )
        .multipart(form),
    )
    .await;
    assert!(r.status == 200 || r.status == 303, "{}", r.status);

    assert_eq!(mode(&data), 0o700, "data directory");
    for name in ["duikou.db", "secret.key"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    for journal in ["duikou.db-wal", "duikou.db-shm"] {
        let path = data.join(journal);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{journal}");
        }
    }
    let mut evidence_files = 0;
    let mut stack = vec![data.join("evidence")];
    while let Some(dir) = stack.pop() {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
                evidence_files += 1;
            }
        }
    }
    assert_eq!(evidence_files, 1);

    // As an earlier release left them: world-readable. The next command narrows them.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        data.join("duikou.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    app.cli_ok(&["plan", "show"]);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("duikou.db")), 0o600);
}
