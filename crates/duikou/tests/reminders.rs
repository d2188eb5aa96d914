//! Reminders (催办), end to end against the real binary: the 通知 page and the header's
//! count per role, 催报 from the page and the API (count and audit), `duikou remind
//! --dry-run`, and delivery to a local SMTP sink and a local group-robot listener
//! (both written here, on 127.0.0.1 port 0). The day is fixed with DUIKOU_TODAY /
//! `--today`, so deadlines do not depend on when the tests run.

#[macro_use]
mod common;

use std::sync::{Arc, Mutex};

use common::{ApiClient, Backend, Resp, TestApp, hidden_field};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const COORD: &str = "经协办";
const COORD2: &str = "第五工作组";
const QX: &str = "清溪镇";
const HJ: &str = "黄江镇";
const ZX: &str = "镇雄县";
const VIEWER: &str = "领导";

const USERS: &[(&str, &str, Option<&str>)] = &[
    (COORD, "coordinator", Some("市经协办")),
    (COORD2, "coordinator", Some("省第五扶贫协作工作组")),
    (QX, "reporter", Some("清溪镇")),
    (HJ, "reporter", Some("黄江镇")),
    (ZX, "receiver", Some("镇雄县")),
    (VIEWER, "viewer", None),
];

const TODAY: &str = "2019-10-15";
const REASON: &str = "凭证号与银行回单不符";

async fn start(backend: Backend) -> TestApp {
    let mut app = TestApp::init_only(backend);
    app.add_users(USERS);
    app.server_env
        .push(("DUIKOU_TODAY".to_string(), TODAY.to_string()));
    app.restart_server();
    app
}

on_both_backends!(notices_per_role_and_chase, remind_sends_and_reports,);

#[track_caller]
fn expect(r: &Resp, status: u16) {
    assert_eq!(
        r.status, status,
        "expected {status}, got {}: {}",
        r.status, r.text
    );
}

fn transfer(voucher: &str) -> Value {
    json!({
        "source": "镇街财政", "payer": "清溪镇", "payee": "镇雄县", "amount": "300000",
        "budget_year": 2019, "sent_on": "2019-09-20", "voucher_no": voucher, "purpose": "产业帮扶",
    })
}

/// 清溪镇 reports two transfers to 镇雄县 and submits both; a coordinator returns the
/// second with a reason. So: one waits for review (coordinators) and for 镇雄县's
/// receipt, one is 清溪镇's to correct.
async fn seed(app: &TestApp) -> (i64, i64) {
    let qx = app.login(QX).await;
    let coord = app.login(COORD).await;
    let mut ids = Vec::new();
    for v in ["TX-2019-0901", "TX-2019-0902"] {
        let r = qx.post("/api/v1/records/transfer", &transfer(v)).await;
        expect(&r, 201);
        let id = r.body["id"].as_i64().unwrap();
        expect(
            &qx.post(&format!("/api/v1/records/transfer/{id}/submit"), &json!({}))
                .await,
            200,
        );
        ids.push(id);
    }
    expect(
        &coord
            .post(
                &format!("/api/v1/records/transfer/{}/reject", ids[1]),
                &json!({ "reason": REASON }),
            )
            .await,
        200,
    );
    (ids[0], ids[1])
}

fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let Some(at) = html.find(&format!("id=\"notices-{id}\"")) else {
        return "";
    };
    let rest = &html[at..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

async fn audit_rows(app: &TestApp, action: &str) -> Vec<Value> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.db().await;
    let sql = format!("SELECT after FROM audit_log WHERE action = '{action}' ORDER BY seq");
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            let after: Option<String> = row.try_get("", "after").unwrap();
            serde_json::from_str(&after.unwrap_or_default()).unwrap_or_default()
        })
        .collect()
}

async fn notices_page(c: &ApiClient) -> String {
    let r = c.get("/notices").await;
    expect(&r, 200);
    r.text
}

async fn notices_per_role_and_chase(app: &mut TestApp) {
    let (waiting, rejected) = seed(app).await;
    let qx = app.cookie_login(QX).await;
    let hj = app.cookie_login(HJ).await;
    let zx = app.cookie_login(ZX).await;
    let coord = app.cookie_login(COORD).await;
    let viewer = app.cookie_login(VIEWER).await;

    // The reporter: its record returned, with the reason and a link to it.
    let page = notices_page(&qx).await;
    let returned = section(&page, "rejected");
    assert!(returned.contains(REASON), "{page}");
    assert!(
        returned.contains(&format!("/records/transfer/{rejected}")),
        "{returned}"
    );
    assert!(section(&page, "awaiting_review").is_empty(), "{page}");
    // The header counts the same notices the API lists.
    let api = qx.get("/api/v1/notices").await;
    expect(&api, 200);
    let count = api.body["count"].as_u64().unwrap();
    assert!(count >= 1, "{}", api.text);
    assert_eq!(api.body["date"], TODAY);
    assert!(
        api.body["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "rejected" && n["zh"].as_str().unwrap().contains(REASON)),
        "{}",
        api.text
    );
    let home = qx.get("/").await.text;
    assert!(
        home.contains("id=\"notice-count\"")
            && home.contains(&format!("<span class=\"count-badge\">{count}</span>")),
        "the header shows {count} notices"
    );

    // Another town sees nothing of it.
    let page = notices_page(&hj).await;
    assert!(!page.contains(REASON), "{page}");
    assert!(section(&page, "rejected").is_empty());

    // The payee county: the transfer waiting for its receipt (the returned one is not).
    let page = notices_page(&zx).await;
    let receipts = section(&page, "awaiting_receipt");
    assert!(
        receipts.contains("清溪镇 拨付的 30.00万元")
            && receipts.contains(&format!("/records/transfer/{waiting}")),
        "{page}"
    );
    assert!(!receipts.contains(&format!("/records/transfer/{rejected}")));

    // Coordinators: the review queue, the receipt outstanding, and 催报.
    let page = notices_page(&coord).await;
    assert!(
        section(&page, "awaiting_review").contains("资金拨付 1 条记录待审核"),
        "{page}"
    );
    assert!(
        section(&page, "awaiting_receipt").contains("1 笔资金拨付待接收单位确认到账"),
        "{page}"
    );
    // 2019-10-15: the city's visit (9.1, due 10-31) is behind, and 9.2 is due.
    assert!(
        section(&page, "deadline").contains("9.1-city-leader-visits"),
        "{page}"
    );
    assert!(page.contains("id=\"chase-panel\""), "{page}");

    // Leaders act on no record: no notices, no count in the header.
    let page = notices_page(&viewer).await;
    assert!(page.contains("id=\"no-notices\""), "{page}");
    assert!(!page.contains("id=\"notice-count\""), "{page}");

    // 催报 from the page: the count is shown after the redirect, and audited.
    let token = hidden_field(&page_of(&coord).await, "csrf_token").unwrap();
    let r = ApiClient::send(
        coord
            .request(reqwest::Method::POST, "/notices/chase")
            .form(&[("csrf_token", token.as_str())]),
    )
    .await;
    assert!(
        r.status == 200 || r.status == 303,
        "{} {}",
        r.status,
        r.text
    );
    let page = if r.status == 303 {
        coord.get(r.header("location").unwrap()).await.text
    } else {
        r.text
    };
    let audits = audit_rows(app, "reminders.chase").await;
    assert_eq!(audits.len(), 1, "one audit entry per 催报");
    let units = audits[0]["units"].as_u64().unwrap();
    let to: Vec<&str> = audits[0]["to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(to.len() as u64, units);
    assert!(page.contains(&format!("已向 {units} 个单位催报")), "{page}");
    // Every town and county owes something on 2019-10-15 (no figure is approved yet,
    // and 9.2 is due); a department whose items fall in 2020 owes nothing yet.
    assert!(to.contains(&QX) && to.contains(&ZX), "{to:?}");
    assert!(!to.contains(&"市委组织部"), "{to:?}");
    assert!(units >= 28, "{to:?}");

    // The unit sees the 催报 and what it owes.
    let page = notices_page(&qx).await;
    let chased = section(&page, "chase");
    assert!(
        chased.contains(COORD) && chased.contains("尚欠事项"),
        "{page}"
    );

    // The API: coordinators only, the same count, audited again.
    let api_qx = app.login(QX).await;
    expect(
        &api_qx.post("/api/v1/reminders/chase", &json!({})).await,
        403,
    );
    let api_coord = app.login(COORD2).await;
    let r = api_coord.post("/api/v1/reminders/chase", &json!({})).await;
    expect(&r, 200);
    assert_eq!(r.body["units"].as_u64(), Some(units), "{}", r.text);
    assert!(r.body["items"].as_u64().unwrap() >= units);
    assert_eq!(r.body["failed"], json!([]));
    assert_eq!(audit_rows(app, "reminders.chase").await.len(), 2);
}

async fn page_of(c: &ApiClient) -> String {
    notices_page(c).await
}

// ------------------------------------------------------------------ local servers

/// One message the SMTP sink took: its recipients and its DATA.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    data: String,
}

/// A tiny SMTP server on 127.0.0.1:0 that keeps every message and refuses recipients
/// containing `refuse` (550).
async fn smtp_sink(refuse: &'static str) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let kept = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read);
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut to = Vec::new();
                loop {
                    let mut line = String::new();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT") {
                        if line.contains(refuse) {
                            b"550 5.1.1 no such mailbox\r\n"
                        } else {
                            to.push(line.trim().to_string());
                            b"250 OK\r\n"
                        }
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if lines.read_line(&mut l).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        kept.lock().unwrap().push(Mail {
                            to: std::mem::take(&mut to),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else if upper.starts_with("RSET") {
                        to.clear();
                        b"250 OK\r\n"
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, mails)
}

/// A group robot on 127.0.0.1:0: keeps every JSON body, answers `{"errcode":0}`.
async fn robot() -> (u16, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
    let kept = bodies.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..at]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (at + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body: Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
                kept.lock().unwrap().push(body);
                let answer = r#"{"errcode":0,"errmsg":"ok"}"#;
                let _ = stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                            answer.len()
                        )
                        .as_bytes(),
                    )
                    .await;
            });
        }
    });
    (port, bodies)
}

/// The text of a message's body: base64 or quoted-printable undone.
fn mail_body(data: &str) -> String {
    use base64::Engine;
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    let head = head.to_ascii_lowercase();
    let body = body.replace("\r\n..", "\r\n.");
    if head.contains("content-transfer-encoding: base64") {
        let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(clean)
                .unwrap(),
        )
        .unwrap()
    } else if head.contains("content-transfer-encoding: quoted-printable") {
        let joined = body.replace("=\r\n", "");
        let mut bytes = Vec::new();
        let b = joined.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                bytes.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                bytes.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(bytes).unwrap()
    } else {
        body
    }
}

fn remind(app: &TestApp, args: &[&str], env: &[(&str, String)]) -> std::process::Output {
    let mut c = app.command(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run duikou remind")
}

async fn remind_async(
    app: &TestApp,
    args: &'static [&'static str],
    env: Vec<(&'static str, String)>,
) -> std::process::Output {
    let mut c = app.command(args);
    for (k, v) in env {
        c.env(k, v);
    }
    tokio::task::spawn_blocking(move || c.output().expect("run duikou remind"))
        .await
        .unwrap()
}

async fn remind_sends_and_reports(app: &mut TestApp) {
    seed(app).await;
    // Addresses for the digest, given when the account is made.
    for (name, unit, email) in [
        ("清溪镇邮箱", "清溪镇", "qx@example.cn"),
        ("黄江镇邮箱", "黄江镇", "refused@example.cn"),
        ("组织部邮箱", "市委组织部", "zzb@example.cn"),
    ] {
        app.cli_ok(&[
            "user", "add", name, "--role", "reporter", "--unit", unit, "--email", email,
        ]);
    }
    // A bad address is refused, naming it; nothing is written.
    let bad = app.cli(&[
        "user",
        "add",
        "坏地址",
        "--role",
        "viewer",
        "--email",
        "not-an-address",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not-an-address"));

    // No channel configured: a real run is refused (exit 2); a dry run shows the
    // robot's messages it would send, one per unit with something due.
    let o = remind(app, &["remind", "--today", TODAY], &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("DUIKOU_SMTP_HOST"));

    let smtp_env = |port: u16| {
        vec![
            ("DUIKOU_SMTP_HOST", "127.0.0.1".to_string()),
            ("DUIKOU_SMTP_PORT", port.to_string()),
            ("DUIKOU_SMTP_TLS", "none".to_string()),
            ("DUIKOU_SMTP_FROM", "duikou@example.cn".to_string()),
        ]
    };
    let o = remind(
        app,
        &["remind", "--dry-run", "--today", TODAY],
        &smtp_env(1),
    );
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // 清溪镇's account gets its returned record by e-mail; 市委组织部 has nothing due.
    assert!(
        out.contains("清溪镇邮箱 · email <qx@example.cn>") && out.contains(REASON),
        "{out}"
    );
    assert!(!out.contains("zzb@example.cn"), "{out}");
    assert!(
        out.contains("试运行，未发送 / dry run: nothing sent"),
        "{out}"
    );
    assert!(
        audit_rows(app, "reminders.daily").await.is_empty(),
        "a dry run writes nothing"
    );

    // A real run: e-mail to the local sink, the robot (钉钉's shape) to the local listener.
    let (smtp_port, mails) = smtp_sink("refused@").await;
    let (robot_port, bodies) = robot().await;
    let mut env = smtp_env(smtp_port);
    env.push((
        "DUIKOU_WEBHOOK_URL",
        format!("http://127.0.0.1:{robot_port}/robot/send?access_token=t"),
    ));
    env.push(("DUIKOU_WEBHOOK_FLAVOUR", "dingtalk".to_string()));
    let o = remind_async(app, &["remind", "--today", TODAY], env).await;
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    // 黄江镇's address is refused by the server: reported by name, exit 1, the rest sent.
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("黄江镇邮箱") && stderr.contains("550"),
        "{stderr}"
    );
    let mails = mails.lock().unwrap().clone();
    let qx_mail = mails
        .iter()
        .find(|m| m.to.iter().any(|t| t.contains("qx@example.cn")))
        .unwrap_or_else(|| panic!("no mail to qx@example.cn: {mails:?}"));
    assert!(
        qx_mail.data.contains("From: duikou@example.cn"),
        "{}",
        qx_mail.data
    );
    let text = mail_body(&qx_mail.data);
    assert!(
        text.contains(REASON) && text.contains("被退回的记录"),
        "{text}"
    );
    assert!(
        !mails
            .iter()
            .any(|m| m.to.iter().any(|t| t.contains("zzb@"))),
        "nothing is due for 市委组织部: no message"
    );
    let bodies = bodies.lock().unwrap().clone();
    assert!(!bodies.is_empty());
    for b in &bodies {
        assert_eq!(b["msgtype"], "markdown", "{b}");
        assert!(
            b["markdown"]["title"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "{b}"
        );
        assert!(
            b["markdown"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("### ")),
            "{b}"
        );
        assert!(b["markdown"].get("content").is_none(), "{b}");
    }
    let to_zx = bodies
        .iter()
        .find(|b| {
            b["markdown"]["title"]
                .as_str()
                .unwrap()
                .contains("镇雄县：")
        })
        .expect("镇雄县 gets a message");
    assert!(
        to_zx["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("待您单位确认到账"),
        "{to_zx}"
    );
    assert!(
        !bodies.iter().any(|b| b["markdown"]["title"]
            .as_str()
            .unwrap()
            .contains("市委组织部")),
        "no message to a unit with nothing due"
    );
    // One audit entry for the run, with its counts.
    let audits = audit_rows(app, "reminders.daily").await;
    assert_eq!(audits.len(), 1);
    let sent = mails.len() + bodies.len();
    assert_eq!(
        audits[0]["sent"].as_u64(),
        Some(sent as u64),
        "{}",
        audits[0]
    );
    assert_eq!(audits[0]["failed"].as_u64(), Some(1));
    assert!(
        stdout.contains(&format!("已发送 sent {sent}，失败 failed 1")),
        "{stdout}"
    );

    // 企业微信's shape.
    let (robot_port, bodies) = robot().await;
    let env = vec![
        (
            "DUIKOU_WEBHOOK_URL",
            format!("http://127.0.0.1:{robot_port}/cgi-bin/webhook/send?key=k"),
        ),
        ("DUIKOU_WEBHOOK_FLAVOUR", "wecom".to_string()),
    ];
    let o = remind_async(app, &["remind", "--today", TODAY], env).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bodies = bodies.lock().unwrap().clone();
    assert!(!bodies.is_empty());
    for b in &bodies {
        assert_eq!(b["msgtype"], "markdown");
        let content = b["markdown"]["content"].as_str().unwrap();
        assert!(content.len() <= 4096 && content.starts_with("### "), "{b}");
        assert!(b["markdown"].get("title").is_none(), "{b}");
    }
}
