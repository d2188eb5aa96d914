//! The web pages, end to end, against the real binary (`duikou serve --demo`).
//!
//! Plain HTTP tests (reqwest, no browser) check page access per role and the CSRF
//! guards. The browser test drives Debian's chromium through chromedriver (the
//! WebDriver protocol spoken with reqwest JSON calls): a town reports a transfer, the
//! coordination office approves it, the county confirms receipt, the figures move; an
//! import file with an error is reported by row; the pages switch to English; and
//! screenshots of the main pages at desktop and phone widths land in
//! target/screenshots/. The browser test is ignored by a plain `cargo test`; `.ci/run` runs it.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::json;

mod common;
use common::browser::{Browser, Server, chromium_available, number};

// ------------------------------------------------------------------ plain HTTP

/// One person's browser without JavaScript: cookies kept, redirects not followed.
struct Web {
    client: reqwest::Client,
    base: String,
}

fn hidden_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

impl Web {
    fn new(base: &str) -> Web {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        Web {
            client,
            base: base.to_string(),
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = r.status();
        let headers = r.headers().clone();
        (status, r.text().await.unwrap_or_default(), headers)
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("POST");
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (status, r.text().await.unwrap_or_default(), location)
    }

    /// Sign in through the form (with its pre-session CSRF cookie).
    async fn login(server: &Server, user: &str) -> Web {
        let web = Web::new(&server.base);
        web.login_with(user, server.password(user)).await;
        web
    }

    async fn login_with(&self, user: &str, password: &str) -> (StatusCode, Option<String>) {
        let (status, html, _) = self.get("/login").await;
        assert_eq!(status, StatusCode::OK);
        let token = hidden_value(&html, "csrf_token").expect("login form token");
        let (status, body, location) = self
            .post(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("username", user),
                    ("password", password),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "login of {user} failed: {body}"
        );
        (status, location)
    }

    /// The session's CSRF token, from any signed-in page.
    async fn csrf(&self) -> String {
        let (_, html, _) = self.get("/password").await;
        hidden_value(&html, "csrf_token").expect("csrf token on a signed-in page")
    }
}

/// A transfer from a town to its county, as the new-record form posts it.
fn transfer_form<'a>(
    csrf: &'a str,
    payer: &'a str,
    payee: &'a str,
    voucher: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("source", "镇街财政"),
        ("payer", payer),
        ("payee", payee),
        ("amount", "300000"),
        ("budget_year", "2020"),
        ("sent_on", "2020-02-10"),
        ("voucher_no", voucher),
        ("purpose", "帮扶资金"),
        ("intent", "submit"),
    ]
}

fn record_id(location: &str) -> i64 {
    location
        .trim_start_matches("/records/transfer/")
        .split(['?', '/'])
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("record id in {location}"))
}

#[tokio::test]
async fn unsigned_visitors_go_to_the_sign_in_page() {
    let server = Server::start();
    let web = Web::new(&server.base);
    for path in [
        "/",
        "/dashboard",
        "/records/transfer",
        "/admin/users",
        "/review",
    ] {
        let (status, _, headers) = web.get(path).await;
        assert!(status.is_redirection(), "{path}: {status}");
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(location.starts_with("/login?next="), "{path} → {location}");
    }
    let (status, html, _) = web.get("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("lang=\"zh-CN\"") && html.contains("登录"));
    // Wrong password: one answer, next to the field and in the summary.
    let token = hidden_value(&html, "csrf_token").unwrap();
    let (status, body, _) = web
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("username", "清溪镇"),
                ("password", "wrong-password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("error-summary") && body.contains("用户名或密码不正确"));
}

#[tokio::test]
async fn csrf_is_required_on_every_post() {
    let server = Server::start();
    // The sign-in form without its pre-session cookie.
    let fresh = Web::new(&server.base);
    let (status, _, _) = fresh
        .post(
            "/login",
            &[
                ("csrf_token", "x"),
                ("username", "清溪镇"),
                ("password", server.password("清溪镇")),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let web = Web::login(&server, "清溪镇").await;
    let csrf = web.csrf().await;
    let mut form = transfer_form(&csrf, "清溪镇", "镇雄县", "CSRF-1");
    form.retain(|(k, _)| *k != "csrf_token");
    let (status, body, _) = web.post("/records/transfer/new", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, _) = web
        .post(
            "/records/transfer/new",
            &[("csrf_token", "not-the-token"), ("payer", "清溪镇")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = web.post("/logout", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // With the token it works.
    let (status, _, location) = web
        .post(
            "/records/transfer/new",
            &transfer_form(&csrf, "清溪镇", "镇雄县", "CSRF-2"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().starts_with("/records/transfer/"));
}

#[tokio::test]
async fn roles_and_units_limit_what_pages_show_and_do() {
    let server = Server::start();
    // 黄江镇 reports a transfer.
    let huang = Web::login(&server, "黄江镇").await;
    let csrf = huang.csrf().await;
    let (status, _, location) = huang
        .post(
            "/records/transfer/new",
            &transfer_form(&csrf, "黄江镇", "彝良县", "HJ-1"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = record_id(&location.unwrap());
    let detail = format!("/records/transfer/{id}");
    assert_eq!(huang.get(&detail).await.0, StatusCode::OK);

    // Another town neither sees nor changes it, and cannot report for 黄江镇.
    let qing = Web::login(&server, "清溪镇").await;
    let qcsrf = qing.csrf().await;
    assert_eq!(qing.get(&detail).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        qing.get(&format!("{detail}/edit")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        qing.post(&format!("{detail}/delete"), &[("csrf_token", &qcsrf)])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, list, _) = qing.get("/records/transfer").await;
    assert!(
        !list.contains(&format!("#{id}<")),
        "another unit's record listed"
    );
    let (status, body, _) = qing
        .post(
            "/records/transfer/new",
            &transfer_form(&qcsrf, "黄江镇", "彝良县", "HJ-2"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("error-summary"));
    // A reporter does not review.
    assert_eq!(qing.get("/review").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        huang
            .post(&format!("{detail}/approve"), &[("csrf_token", &csrf)])
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // The leader reads but cannot change anything.
    let viewer = Web::login(&server, "领导").await;
    let vcsrf = viewer.csrf().await;
    let (status, home, _) = viewer.get("/").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the leader's view is a leader's home"
    );
    assert!(home.contains("id=\"tile-map\"") && home.contains("id=\"kpi-cards\""));
    assert_eq!(viewer.get("/dashboard").await.0, StatusCode::OK);
    assert_eq!(
        viewer.get("/records/transfer/new").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer
            .post(
                "/records/transfer/new",
                &transfer_form(&vcsrf, "清溪镇", "镇雄县", "V-1")
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.get(&detail).await.0,
        StatusCode::NOT_FOUND,
        "a submitted record is not the viewer's to read"
    );
    assert_eq!(
        viewer
            .post(&format!("{detail}/approve"), &[("csrf_token", &vcsrf)])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(viewer.get("/import").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        viewer
            .post(
                "/review",
                &[("csrf_token", &vcsrf), ("ids", &id.to_string())]
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // Administration is for administrators only, and administrators enter no data;
    // coordinators read the plan and its history (amending it is the administrator's).
    let coord = Web::login(&server, "经协办").await;
    for path in ["/admin/users", "/admin/plan"] {
        let coordinator = if path == "/admin/plan" {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(coord.get(path).await.0, coordinator, "{path}");
        assert_eq!(qing.get(path).await.0, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(viewer.get(path).await.0, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(
        !coord
            .get("/admin/plan")
            .await
            .1
            .contains("plan-update-form"),
        "no amendment form for a coordinator"
    );
    let ccsrf = coord.csrf().await;
    assert_eq!(
        coord
            .post(
                "/admin/users",
                &[("csrf_token", &ccsrf), ("username", "x"), ("role", "admin")]
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let admin = Web::login(&server, "管理员").await;
    assert_eq!(admin.get("/admin/users").await.0, StatusCode::OK);
    assert_eq!(admin.get("/admin/plan").await.0, StatusCode::OK);
    assert_eq!(
        admin.get("/records/transfer").await.0,
        StatusCode::FORBIDDEN
    );

    // The coordinator sees it and approves it from the queue; the county confirms.
    let (status, queue, _) = coord.get("/review").await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue.contains(&format!("approve-{id}")));
    let (status, _, location) = coord
        .post(&format!("/review/{id}/approve"), &[("csrf_token", &ccsrf)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/review?done=approve"));
    assert_eq!(
        viewer.get(&detail).await.0,
        StatusCode::OK,
        "approved: the viewer reads it"
    );
    // Only the payee county confirms receipt.
    let county = Web::login(&server, "镇雄县").await;
    let kcsrf = county.csrf().await;
    assert_eq!(
        county
            .post(
                &format!("{detail}/confirm"),
                &[("csrf_token", &kcsrf), ("received_on", "2020-03-01")]
            )
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        coord
            .post(
                &format!("{detail}/confirm"),
                &[("csrf_token", &ccsrf), ("received_on", "2020-03-01")]
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // An approved record is locked: editing it is a conflict.
    assert_eq!(
        huang.get(&format!("{detail}/edit")).await.0,
        StatusCode::CONFLICT
    );

    // Bulk approval of the ticked records.
    let mut ids = Vec::new();
    for voucher in ["HJ-3", "HJ-4"] {
        let (status, _, location) = huang
            .post(
                "/records/transfer/new",
                &transfer_form(&csrf, "黄江镇", "彝良县", voucher),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        ids.push(record_id(&location.unwrap()).to_string());
    }
    let (status, body, _) = coord.post("/review", &[("csrf_token", &ccsrf)]).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing ticked: {body}"
    );
    let (status, _, location) = coord
        .post(
            "/review",
            &[
                ("csrf_token", ccsrf.as_str()),
                ("ids", ids[0].as_str()),
                ("ids", ids[1].as_str()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/review?done=bulk"));
    for id in &ids {
        let (_, html, _) = coord.get(&format!("/records/transfer/{id}")).await;
        assert!(
            html.contains("id=\"record-status\">已审核<"),
            "record {id} approved"
        );
    }
    // Returning a record needs a reason.
    let (status, _, location) = huang
        .post(
            "/records/transfer/new",
            &transfer_form(&csrf, "黄江镇", "彝良县", "HJ-5"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id5 = record_id(&location.unwrap());
    let (status, body, _) = coord
        .post(
            &format!("/records/transfer/{id5}/reject"),
            &[("csrf_token", &ccsrf), ("reason", " ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请填写理由") && body.contains("href=\"#reason-reject\""));
    let (status, _, _) = coord
        .post(
            &format!("/records/transfer/{id5}/reject"),
            &[("csrf_token", &ccsrf), ("reason", "凭证号有误")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html, _) = huang.get(&format!("/records/transfer/{id5}")).await;
    assert!(
        html.contains("凭证号有误") && html.contains("id=\"edit-record\""),
        "the unit sees why and may correct it"
    );

    // An unknown address is a page, not a blank.
    let (status, html, _) = coord.get("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("页面不存在") && html.contains("id=\"logout\""));
}

#[tokio::test]
async fn first_sign_in_asks_for_a_new_password() {
    let server = Server::start();
    let admin = Web::login(&server, "管理员").await;
    let acsrf = admin.csrf().await;
    let csrf = acsrf.clone();
    // A receiver's unit must be a county: the field error names it.
    let (status, body, _) = admin
        .post(
            "/admin/users",
            &[
                ("csrf_token", &csrf),
                ("username", "测试"),
                ("role", "receiver"),
                ("unit", "清溪镇"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("error-summary") && body.contains("县区"));
    let (status, body, _) = admin
        .post(
            "/admin/users",
            &[
                ("csrf_token", &csrf),
                ("username", "测试"),
                ("role", "reporter"),
                ("unit", "企石镇"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let start = body
        .find("id=\"initial-password\">")
        .expect("password shown once")
        + "id=\"initial-password\">".len();
    let password = body[start..].split('<').next().unwrap().to_string();
    assert_eq!(password.len(), 16);

    let user = Web::new(&server.base);
    user.login_with("测试", &password).await;
    let (status, _, headers) = user.get("/").await;
    assert!(status.is_redirection());
    assert_eq!(headers.get("location").unwrap(), "/password");
    let (status, page, _) = user.get("/password").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("first-login"));
    let csrf = hidden_value(&page, "csrf_token").unwrap();
    let (status, body, _) = user
        .post(
            "/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", &password),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("至少 10 个字符"));
    let (status, _, location) = user
        .post(
            "/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", &password),
                ("new_password", "a-long-new-password"),
                ("confirm_password", "a-long-new-password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/?done=password"));
    let (status, home, _) = user.get("/?done=password").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("密码已修改"));
    // The old password no longer works.
    let other = Web::new(&server.base);
    let (_, html, _) = other.get("/login").await;
    let token = hidden_value(&html, "csrf_token").unwrap();
    let (status, _, _) = other
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("username", "测试"),
                ("password", &password),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The administrator manages the user: find its id in the list.
    let (_, list, _) = admin.get("/admin/users").await;
    let at = list.find("测试</td>").expect("user listed");
    let row_start = list[..at].rfind("id=\"user-").unwrap() + "id=\"user-".len();
    let uid: String = list[row_start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    // A receiver must have a county.
    let (status, body, _) = admin
        .post(
            &format!("/admin/users/{uid}/role"),
            &[
                ("csrf_token", &acsrf),
                ("role", "receiver"),
                ("unit", "企石镇"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("error-summary"));
    // Disabled: the session ends and signing in fails.
    let (status, _, _) = admin
        .post(
            &format!("/admin/users/{uid}/disable"),
            &[("csrf_token", &acsrf)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(user.get("/").await.0.is_redirection());
    let (_, html, _) = other.get("/login").await;
    let token = hidden_value(&html, "csrf_token").unwrap();
    let (status, _, _) = other
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("username", "测试"),
                ("password", "a-long-new-password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Enabled and reset: a new initial password, to be changed again.
    assert_eq!(
        admin
            .post(
                &format!("/admin/users/{uid}/enable"),
                &[("csrf_token", &acsrf)]
            )
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    let (status, body, _) = admin
        .post(
            &format!("/admin/users/{uid}/reset"),
            &[("csrf_token", &acsrf)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let start = body.find("id=\"initial-password\">").unwrap() + "id=\"initial-password\">".len();
    let reset = body[start..].split('<').next().unwrap().to_string();
    let again = Web::new(&server.base);
    again.login_with("测试", &reset).await;
    assert_eq!(again.get("/").await.2.get("location").unwrap(), "/password");
    // An administrator cannot lock themselves out.
    let (_, list, _) = admin.get("/admin/users").await;
    assert!(
        !list.contains("id=\"toggle-")
            || list.matches("id=\"toggle-").count() == list.matches("<tr id=\"user-").count() - 1
    );
}

#[tokio::test]
async fn assets_are_served_with_long_cache_lives() {
    let server = Server::start();
    let web = Web::new(&server.base);
    for (path, ty) in [
        ("/assets/app.css", "text/css"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/vendor/htmx.min.js", "text/javascript"),
        ("/assets/vendor/echarts.min.js", "text/javascript"),
        ("/assets/vendor/echarts.LICENSE", "text/plain"),
    ] {
        let (status, body, headers) = web.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            headers
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(ty),
            "{path}"
        );
        assert!(
            headers
                .get("cache-control")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("max-age=31536000"),
            "{path}"
        );
        assert!(!body.is_empty());
    }
    assert_eq!(web.get("/assets/nothing.js").await.0, StatusCode::NOT_FOUND);
    // Pages carry the strict policy: no inline script or style anywhere.
    let (_, html, headers) = web.get("/login").await;
    let csp = headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(!html.contains("<script>") && !html.contains("style=") && !html.contains("<style"));
}

#[tokio::test]
async fn pages_switch_to_english() {
    let server = Server::start();
    let web = Web::login(&server, "经协办").await;
    let (status, _, headers) = web.get("/lang?to=en&back=/dashboard").await;
    assert!(status.is_redirection());
    assert_eq!(headers.get("location").unwrap(), "/dashboard");
    let (_, html, _) = web.get("/dashboard").await;
    assert!(
        html.contains("lang=\"en\"") && html.contains("Sign out") && html.contains("Dashboard")
    );
    // No open redirect through the language switch.
    let (_, _, headers) = web.get("/lang?to=zh&back=//evil.example/").await;
    assert_eq!(headers.get("location").unwrap(), "/");
}

#[tokio::test]
async fn import_checks_previews_and_confirms() {
    let server = Server::start();
    let web = Web::login(&server, "清溪镇").await;
    let csrf = web.csrf().await;
    let upload = |name: &'static str, body: String| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", csrf.clone())
            .text("kind", "transfer")
            .part(
                "file",
                reqwest::multipart::Part::bytes(body.into_bytes()).file_name(name),
            );
        web.client
            .post(format!("{}/import", web.base))
            .multipart(form)
            .send()
    };
    let header = "资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,凭证号\n";
    // Another unit's row: refused with the row named.
    let r = upload(
        "other.csv",
        format!("{header}镇街财政,黄江镇,彝良县,500000,2020,2020-04-01,HJ-IMP-1\n"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("report-table") && body.contains("黄江镇"),
        "{body}"
    );
    // A valid file: preview, then confirm.
    let good = format!(
        "{header}镇街财政,清溪镇,镇雄县,500000,2020,2020-04-01,QX-IMP-1\n镇街财政,清溪镇,镇雄县,\"250,000.50\",2020,2020/4/2,QX-IMP-2\n"
    );
    let r = upload("good.csv", good.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    assert!(body.contains("id=\"confirm-import\""), "{body}");
    assert!(body.contains("id=\"preview-new\">2<"));
    let sha = hidden_value(&body, "sha").unwrap();
    let token = hidden_value(&body, "token").unwrap();
    // A forged token is refused.
    let (status, _, _) = web
        .post(
            "/import/confirm",
            &[
                ("csrf_token", &csrf),
                ("kind", "transfer"),
                ("sha", &sha),
                ("token", "forged"),
                ("file_name", "good.csv"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body, _) = web
        .post(
            "/import/confirm",
            &[
                ("csrf_token", &csrf),
                ("kind", "transfer"),
                ("sha", &sha),
                ("token", &token),
                ("file_name", "good.csv"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("import-done") && body.contains("2 条新记录") && body.contains("待审核"),
        "a reporter's import is submitted: {body}"
    );
    // The same file again: not imported twice.
    let r = upload("good.csv", good).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // The templates are workbooks.
    let r = web
        .client
        .get(format!("{}/import/template/person.xlsx", web.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn evidence_output_escaping_and_personal_data() {
    let server = Server::start();
    let web = Web::login(&server, "清溪镇").await;
    let csrf = web.csrf().await;
    // Output is escaped.
    let mut form = transfer_form(&csrf, "清溪镇", "镇雄县", "ESC-1");
    form.retain(|(k, _)| *k != "purpose" && *k != "intent");
    form.push(("purpose", "<script>alert(1)</script>"));
    form.push(("intent", "draft"));
    let (status, _, location) = web.post("/records/transfer/new", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let detail = location.unwrap().split('?').next().unwrap().to_string();
    let (_, html, _) = web.get(&detail).await;
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;"),
        "escaped"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("草稿"));
    // Evidence: allowed types only; downloads are attachments.
    let send = |name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name(name),
            );
        web.client
            .post(format!("{}{detail}/evidence", web.base))
            .multipart(form)
            .send()
    };
    let r = send("page.html").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不支持此文件类型"));
    let r = send("../../会议纪要.txt").await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a name climbing directories is refused"
    );
    let r = send("C:\\fakepath\\会议纪要.txt").await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html, _) = web.get(&detail).await;
    assert!(html.contains("会议纪要.txt") && !html.contains("../"));
    let start = html.find(&format!("{detail}/evidence/")).unwrap();
    let href = html[start..].split('"').next().unwrap().to_string();
    let r = web
        .client
        .get(format!("{}{href}", web.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello");
    // The draft is deleted by its unit.
    let (status, _, location) = web
        .post(&format!("{detail}/delete"), &[("csrf_token", &csrf)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/records/transfer?done=delete"));
    assert_eq!(web.get(&detail).await.0, StatusCode::NOT_FOUND);

    // ID numbers: shown masked; the full number only to allowed roles, audited.
    let id =
        duikou_domain::id_number::make_valid("530627", time::macros::date!(1998 - 04 - 12), 321);
    let (status, body, location) = web
        .post(
            "/records/person/new",
            &[
                ("csrf_token", &csrf),
                ("programme", "劳务就业"),
                ("name", "张三"),
                ("id_number", id.as_str()),
                ("started_on", "2020-05-01"),
                ("intent", "submit"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let person = location.unwrap().split('?').next().unwrap().to_string();
    let (_, html, _) = web.get(&person).await;
    assert!(
        html.contains(&id.masked()) && !html.contains(id.as_str()),
        "masked"
    );
    let auditor = Web::login(&server, "审计").await;
    let acsrf = auditor.csrf().await;
    let (_, html, _) = auditor.get(&person).await;
    assert!(
        html.contains(&id.masked()) && !html.contains("id=\"unmask\""),
        "no show button for auditors"
    );
    assert_eq!(
        auditor
            .post(&format!("{person}/unmask"), &[("csrf_token", &acsrf)])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, html, _) = web
        .post(&format!("{person}/unmask"), &[("csrf_token", &csrf)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(id.as_str()), "shown in full to its unit");
    let (_, audit, _) = auditor.get("/audit").await;
    assert!(audit.contains("personal_data.unmask") && audit.contains("chain-ok"));
    // A bad ID number is named next to its field, masked.
    let (status, body, _) = web
        .post(
            "/records/person/new",
            &[
                ("csrf_token", &csrf),
                ("programme", "劳务就业"),
                ("name", "李四"),
                ("id_number", "530627199804121234"),
                ("started_on", "2020-05-01"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("f-id_number-error") && !body.contains("530627199804121234"));
}

// ------------------------------------------------------------------ WebDriver

#[tokio::test]
#[ignore = "browser: needs chromium and chromedriver; run with --include-ignored (.ci/run installs them and does)"]
async fn browser_scenario() {
    assert!(
        chromium_available(),
        "this test needs /usr/bin/chromium and /usr/bin/chromedriver"
    );
    let server = Server::start();
    let (_driver, b) = Browser::start(&server.base).await;
    b.viewport(1280, 900, false).await;

    // The sign-in page.
    b.goto("/login").await;
    b.find("#login-submit").await;
    let login_shot = b.screenshot("login-desktop").await;

    // Before: the town-funds column of the dashboard as the coordination office sees it.
    b.login(&server, "经协办").await;
    b.goto("/dashboard").await;
    let town_funds_cell = "#table-funds tbody tr:last-child td:nth-child(4)";
    let before = number(&b.text(town_funds_cell).await);
    b.logout().await;

    // 清溪镇 reports a transfer: a missing amount is named next to its field first.
    b.login(&server, "清溪镇").await;
    assert!(b.source().await.contains("清溪镇"));
    b.goto("/records/transfer/new").await;
    b.find("#record-form").await;
    b.choose("#f-source", "镇街财政").await;
    b.choose("#f-payee", "镇雄县").await;
    b.type_into("#f-budget_year", "2020").await;
    b.set_value("#f-sent_on", "2020-03-01").await;
    b.type_into("#f-voucher_no", "QX-2020-0301").await;
    b.type_into("#f-purpose", "清溪镇帮扶镇雄县资金").await;
    b.click("#save-submit").await;
    b.find("#error-summary").await;
    assert!(
        b.text("#f-amount-error").await.contains("必填"),
        "the amount's error sits next to it"
    );
    assert_eq!(
        b.js("return document.querySelector('#f-payer').value", json!([]))
            .await,
        json!("清溪镇"),
        "the form kept what was entered"
    );
    b.type_into("#f-amount", "1,000,000").await;
    b.click("#save-submit").await;
    b.find("#record-status").await;
    let detail_path = b.current_path().await;
    let id: i64 = detail_path
        .trim_start_matches("/records/transfer/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .expect("record id");
    assert_eq!(b.text("#record-status").await, "待审核");
    assert!(b.text("#field-amount").await.contains("1,000,000.00"));
    // Evidence: a picture, previewed inline.
    let e = b.find("#evidence-file").await;
    b.post(
        &format!("/element/{e}/value"),
        json!({"text": login_shot.display().to_string()}),
    )
    .await;
    b.click("#upload-evidence").await;
    b.find("#evidence-list img.thumb").await;
    b.js(
        "document.querySelector('#evidence-list img.thumb').scrollIntoView()",
        json!([]),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let loaded = b.js("var i = document.querySelector('#evidence-list img.thumb'); return i.complete && i.naturalWidth > 0;", json!([])).await;
        if loaded == json!(true) {
            break;
        }
        assert!(Instant::now() < deadline, "the image preview loads");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.logout().await;

    // 经协办 approves it from the review queue.
    b.login(&server, "经协办").await;
    assert!(number(&b.text("#waiting-count").await) >= 1.0);
    b.goto("/review").await;
    b.click(&format!("#approve-{id}")).await;
    b.find("#notice").await;
    b.goto(&format!("/records/transfer/{id}")).await;
    assert_eq!(b.text("#record-status").await, "已审核");
    b.logout().await;

    // 镇雄县 confirms receipt from its home page: the check step, then the home page again.
    b.login(&server, "镇雄县").await;
    b.set_value(&format!("#received-{id}"), "2020-03-20").await;
    b.click(&format!("#received-{id} ~ button")).await;
    b.find("#receipt-commit").await;
    assert_eq!(b.text("#check-voucher_no").await, "QX-2020-0301");
    b.click("#receipt-commit-button").await;
    b.find("#notice").await;
    b.logout().await;

    // After: the figure moved by 100.00 万元, and the record explains it.
    b.login(&server, "经协办").await;
    b.goto("/dashboard").await;
    let after = number(&b.text(town_funds_cell).await);
    assert!(
        (after - before - 100.0).abs() < 0.001,
        "town funds {before} → {after}"
    );
    b.goto("/explain?indicator=8.1-lead-town-funds&scope=%E6%B8%85%E6%BA%AA%E9%95%87&year=2020")
        .await;
    assert!(
        b.source()
            .await
            .contains(&format!("/records/transfer/{id}\"")),
        "the record is behind the figure"
    );

    // An import file with an error: the row and the column are named.
    let csv = b.shots.parent().unwrap().join("import-with-error.csv");
    std::fs::write(&csv, "资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,凭证号\n镇街财政,清溪镇,镇雄县,500000,2020,2020-04-01,QX-IMP-1\n镇街财政,清溪镇,镇雄县,abc,2020,2020-04-02,QX-IMP-2\n").unwrap();
    b.goto("/import").await;
    b.choose("#kind", "transfer").await;
    let e = b.find("#file").await;
    b.post(
        &format!("/element/{e}/value"),
        json!({"text": csv.display().to_string()}),
    )
    .await;
    b.click("#upload-import").await;
    b.find("#report-table").await;
    let report = b.text("#report-table tbody").await;
    assert!(
        report.contains('3') && report.contains("金额"),
        "row 3, column 金额: {report}"
    );
    b.screenshot("import-errors-desktop").await;

    // htmx enhances the filters: choosing a status updates the list in place.
    b.goto("/records/transfer").await;
    let all = b.text("#record-count").await;
    b.js("window.__same_page = true;", json!([])).await;
    b.choose("#status", "approved").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.current_path().await.contains("status=approved") {
        assert!(
            Instant::now() < deadline,
            "htmx did not push the filtered address"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        b.js("return window.__same_page === true", json!([])).await,
        json!(true),
        "swapped in place, no reload"
    );
    assert_ne!(b.text("#record-count").await, "", "{all}");

    // Screenshots of the main pages, desktop then phone.
    let pages = [
        ("home", "/".to_string()),
        ("dashboard", "/dashboard".to_string()),
        ("checklist", "/checklist".to_string()),
        ("records", "/records/transfer".to_string()),
        ("record-form", "/records/transfer/new".to_string()),
        ("detail", format!("/records/transfer/{id}")),
    ];
    for (w, h, mobile, suffix) in [(1280, 900, false, "desktop"), (390, 844, true, "phone")] {
        b.viewport(w, h, mobile).await;
        for (name, path) in &pages {
            b.goto(path).await;
            b.find("main").await;
            if *name == "dashboard" {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                let drawn = b
                    .js(
                        "return document.querySelectorAll('[data-chart-ready] canvas').length",
                        json!([]),
                    )
                    .await;
                assert!(
                    drawn.as_u64().unwrap_or(0) >= 5,
                    "every chart drawn: {drawn}"
                );
            }
            b.screenshot(&format!("{name}-{suffix}")).await;
            if *name == "dashboard" {
                b.element_screenshot("#chart-pairs", &format!("dashboard-pairs-{suffix}"))
                    .await;
            }
        }
    }
    b.viewport(1280, 900, false).await;
    for (name, path) in [
        ("assess", "/assess?status=not_met".to_string()),
        ("explain", "/explain?indicator=3.1-fiscal-aid-per-county&scope=%E9%95%87%E9%9B%84%E5%8E%BF&year=2020".to_string()),
        ("review", "/review".to_string()),
        ("import", "/import".to_string()),
    ] {
        b.goto(&path).await;
        b.find("main").await;
        b.screenshot(&format!("{name}-desktop")).await;
    }
    b.viewport(390, 844, true).await;
    b.logout().await;
    b.screenshot("login-phone").await;

    // Switch to English.
    b.viewport(1280, 900, false).await;
    b.login(&server, "清溪镇").await;
    b.click("#lang-link").await;
    b.find("html[lang=\"en\"]").await;
    assert!(b.source().await.contains("Sign out"));
    assert!(!b.text("#owes").await.is_empty());
    b.goto(&format!("/records/transfer/{id}")).await;
    assert_eq!(b.text("#record-status").await, "Approved");
    assert!(b.text("#field-sent_on").await.contains("2020-03-01"));
    b.screenshot("detail-english-desktop").await;
    b.goto("/").await;
    b.screenshot("home-reporter-english-desktop").await;
    b.logout().await;

    // The administrator amends the plan: uploads an amended plan workbook, reads the
    // difference, confirms; the plan page then shows version 2.
    b.login(&server, "管理员").await;
    b.goto("/admin/plan").await;
    assert!(b.text(".caption").await.contains('1'));
    let amended = duikou_domain::plan::BUNDLED_PLAN.replacen(
        "target = 8000\n",
        "target = { 2018 = 8000, 2019 = 9000, 2020 = 8000 }\n",
        1,
    );
    let workbook = b.shots.parent().unwrap().join("计划-修改.xlsx");
    std::fs::write(
        &workbook,
        duikou_app::plan_book::write_plan_workbook(&amended, &[]).expect("workbook"),
    )
    .unwrap();
    let e = b.find("#plan-file").await;
    b.post(
        &format!("/element/{e}/value"),
        json!({"text": workbook.display().to_string()}),
    )
    .await;
    b.click("#plan-upload").await;
    b.find("#changes").await;
    let changes = b.text("#changes").await;
    assert!(
        changes.contains("5.2-employed 2019") && changes.contains("8000 → 9000"),
        "the difference names the target: {changes}"
    );
    b.screenshot("plan-difference-desktop").await;
    b.click("#confirm-plan").await;
    b.find("#notice").await;
    assert!(
        b.text(".caption").await.contains('2'),
        "version 2 after the confirmation"
    );
    b.goto("/admin/plan/history").await;
    assert!(b.text("#plan-versions").await.contains("8000 → 9000"));
}

/// A town uploads 8,000 workers; the coordination office finds the import in the queue
/// by its batch, reads its summary and approves it whole in one act — at a desktop's
/// width and a phone's, where every button of the batch stays on the screen.
#[tokio::test]
#[ignore = "browser: needs chromium and chromedriver; run with --include-ignored (.ci/run installs them and does)"]
async fn an_import_of_8000_rows_is_approved_whole() {
    assert!(
        chromium_available(),
        "this test needs /usr/bin/chromium and /usr/bin/chromedriver"
    );
    const ROWS: usize = 8_000;
    let server = Server::start();
    let (_driver, b) = Browser::start(&server.base).await;
    b.viewport(1280, 900, false).await;

    // 8,000 workers from 镇雄县, born on distinct days (no demo person shares a number).
    let mut csv = String::from("类别,姓名,身份证号,建档立卡,就业地,开始日期\n");
    for i in 0..ROWS {
        let id = duikou_domain::id_number::make_valid(
            "530627",
            time::macros::date!(1958 - 01 - 01) + time::Duration::days(i as i64),
            (900 + i % 99) as u16,
        );
        csv.push_str(&format!(
            "劳务就业,务工{i},{},{},东莞,2020-04-{:02}\n",
            id.as_str(),
            if i % 3 == 0 { "是" } else { "否" },
            1 + i % 28
        ));
    }
    let file = b.shots.parent().unwrap().join("八千人名单.csv");
    std::fs::write(&file, csv).unwrap();

    b.login(&server, "清溪镇").await;
    b.goto("/import").await;
    b.choose("#kind", "person").await;
    let e = b.find("#file").await;
    b.post(
        &format!("/element/{e}/value"),
        json!({"text": file.display().to_string()}),
    )
    .await;
    b.click("#upload-import").await;
    b.find("#preview").await;
    assert_eq!(number(&b.text("#preview-new").await), ROWS as f64);
    b.click("#confirm-import").await;
    b.find("#import-done").await;
    let done = b.text("#import-done").await;
    let batch: i64 = done
        .split("批次 ")
        .nth(1)
        .and_then(|s| {
            s.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("the batch named: {done}"));
    b.logout().await;

    b.login(&server, "经协办").await;
    b.goto("/review").await;
    b.choose("#filter-batch", &batch.to_string()).await;
    b.click("#apply-filter").await;
    b.find("#batch-summary").await;
    assert_eq!(number(&b.text("#batch-rows").await), ROWS as f64);
    assert!(
        b.text("#batch-takes").await.contains("8000"),
        "the act takes the whole batch"
    );
    b.screenshot("review-batch-desktop").await;

    // At a phone's width the batch's buttons and the reason box fit the screen.
    b.viewport(390, 844, true).await;
    b.goto(&format!("/review?batch={batch}")).await;
    for css in [
        "#batch-approve",
        "#batch-reject",
        "#batch-reason",
        "#apply-filter",
    ] {
        let fits = b
            .js(
                "var r = document.querySelector(arguments[0]).getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth;",
                json!([css]),
            )
            .await;
        assert_eq!(fits, json!(true), "{css} fits a 390 px screen");
    }
    let scrolls = b
        .js(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            json!([]),
        )
        .await;
    assert_eq!(scrolls, json!(false), "the page does not scroll sideways");
    b.screenshot("review-batch-phone").await;

    b.click("#batch-approve").await;
    b.find("#notice").await;
    let notice = b.text("#notice").await;
    assert!(notice.contains("已审核通过 8000 条记录"), "{notice}");
    b.goto(&format!("/review?batch={batch}")).await;
    assert!(
        b.text("#batch-statuses").await.contains("已审核 8000"),
        "every record of the batch is approved"
    );
}

/// The table of a kind at both widths: filtered through its select, sorted by clicking
/// a column heading (the heading says so with `aria-sort`), and exported: the file
/// downloaded holds the rows the table shows, in its order. A mistyped ID number is
/// named above the list without a reload.
#[tokio::test]
#[ignore = "browser: needs chromium and chromedriver; run with --include-ignored (.ci/run installs them and does)"]
async fn a_table_sorts_by_its_headings_and_exports_what_it_shows() {
    assert!(
        chromium_available(),
        "this test needs /usr/bin/chromium and /usr/bin/chromedriver"
    );
    let server = Server::start();
    let (_driver, b) = Browser::start(&server.base).await;
    let downloads = tempfile::tempdir().unwrap();
    b.cdp(
        "Browser.setDownloadBehavior",
        json!({"behavior": "allow", "downloadPath": downloads.path().display().to_string()}),
    )
    .await;
    b.viewport(1280, 900, false).await;
    b.login(&server, "经协办").await;

    /// The texts of one column of the table, top to bottom.
    async fn column(b: &Browser, label: &str) -> Vec<String> {
        let v = b
            .js(
                "return [...document.querySelectorAll('#records-table tbody td')].filter(td => td.dataset.label === arguments[0]).map(td => td.textContent.trim())",
                json!([label]),
            )
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    }
    async fn wait_for_path(b: &Browser, part: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !b.current_path().await.contains(part) {
            assert!(
                Instant::now() < deadline,
                "no {part} in {}",
                b.current_path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    async fn aria_sort(b: &Browser, heading: &str) -> String {
        b.js(
            "var a = document.querySelector(arguments[0]); return a ? (a.closest('th').getAttribute('aria-sort') || '') : 'missing'",
            json!([heading]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }
    async fn downloaded(dir: &std::path::Path) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let done: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "csv"))
                .collect();
            if let [file] = &done[..] {
                let bytes = std::fs::read(file).unwrap();
                std::fs::remove_file(file).unwrap();
                return bytes;
            }
            assert!(Instant::now() < deadline, "no CSV downloaded: {done:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    for (w, h, mobile, suffix) in [(1280, 900, false, "desktop"), (390, 844, true, "phone")] {
        b.viewport(w, h, mobile).await;
        b.goto("/records/transfer").await;
        // Filtered through the receiving unit's select (htmx swaps the list in place).
        b.choose("#filter-payee", "镇雄县").await;
        wait_for_path(&b, "payee=").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let payees = column(&b, "接收单位").await;
        assert!(
            !payees.is_empty() && payees.iter().all(|p| p == "镇雄县"),
            "{payees:?}"
        );

        // The heading is there to click at this width, and sorts by it, both ways.
        let shown = b
            .js(
                "var r = document.querySelector('#sort-amount').getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth",
                json!([]),
            )
            .await;
        assert_eq!(
            shown,
            json!(true),
            "the amount heading is on screen ({suffix})"
        );
        b.click("#sort-amount").await;
        wait_for_path(&b, "sort=amount").await;
        b.find("#records-table").await;
        assert_eq!(aria_sort(&b, "#sort-amount").await, "ascending");
        let amounts: Vec<f64> = column(&b, "金额（元）")
            .await
            .iter()
            .map(|t| number(t))
            .collect();
        assert!(
            amounts.windows(2).all(|w| w[0] <= w[1]),
            "ascending: {amounts:?}"
        );
        b.click("#sort-amount").await;
        wait_for_path(&b, "sort=-amount").await;
        b.find("#records-table").await;
        assert_eq!(aria_sort(&b, "#sort-amount").await, "descending");
        assert_eq!(aria_sort(&b, "#sort-sent_on").await, "");
        let amounts: Vec<f64> = column(&b, "金额（元）")
            .await
            .iter()
            .map(|t| number(t))
            .collect();
        assert!(
            amounts.windows(2).all(|w| w[0] >= w[1]),
            "descending: {amounts:?}"
        );
        assert!(
            b.current_path().await.contains("payee="),
            "sorting keeps the filter"
        );
        b.screenshot(&format!("records-sorted-{suffix}")).await;

        // The export downloaded from the link holds the table's rows, in its order.
        let vouchers = column(&b, "凭证号").await;
        b.click("#export-csv").await;
        let bytes = downloaded(downloads.path()).await;
        let text = String::from_utf8(bytes).unwrap();
        let mut rows =
            csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let at = rows
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "凭证号")
            .unwrap();
        let exported: Vec<String> = rows.records().map(|r| r.unwrap()[at].to_string()).collect();
        assert_eq!(exported, vouchers, "the export is the list ({suffix})");
    }

    // A mistyped ID number: named in the summary above the list, no reload.
    b.viewport(1280, 900, false).await;
    b.goto("/records/person").await;
    b.js("window.__same_page = true;", json!([])).await;
    b.type_into("#id_number", "53062719880409123").await;
    b.click("#apply-filter").await;
    b.find("#error-summary a[href=\"#id_number\"]").await;
    assert_eq!(
        b.js("return window.__same_page === true", json!([])).await,
        json!(true),
        "swapped in place"
    );
    assert!(b.text("#error-summary").await.contains("身份证号"));
    b.screenshot("records-id-number-error-desktop").await;
}

/// The county's confirmation of receipt, at desktop and phone widths: the date starts
/// empty; an empty date, a date after today and one before sending are refused next to
/// the field; a far date shows the transfer and asks again before it commits.
#[tokio::test]
#[ignore = "browser: needs chromium and chromedriver; run with --include-ignored (.ci/run installs them and does)"]
async fn receipt_confirmation_at_desktop_and_phone_widths() {
    assert!(
        chromium_available(),
        "this test needs /usr/bin/chromium and /usr/bin/chromedriver"
    );
    let server = Server::start();
    // 清溪镇 sends two transfers to 镇雄县 on 2020-02-10, one per width.
    let town = Web::login(&server, "清溪镇").await;
    let csrf = town.csrf().await;
    let mut ids = Vec::new();
    for voucher in ["QX-BR-1", "QX-BR-2"] {
        let (status, _, location) = town
            .post(
                "/records/transfer/new",
                &transfer_form(&csrf, "清溪镇", "镇雄县", voucher),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        ids.push((voucher, record_id(&location.unwrap())));
    }
    let tomorrow = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date()
        .next_day()
        .expect("a tomorrow");
    let tomorrow = format!(
        "{:04}-{:02}-{:02}",
        tomorrow.year(),
        u8::from(tomorrow.month()),
        tomorrow.day()
    );
    let (_driver, b) = Browser::start(&server.base).await;
    let widths = [(1280, 900, false, "desktop"), (390, 844, true, "phone")];
    for ((w, h, mobile, suffix), (voucher, id)) in widths.into_iter().zip(ids) {
        b.viewport(w, h, mobile).await;
        b.login(&server, "镇雄县").await;
        b.goto(&format!("/records/transfer/{id}")).await;
        assert_eq!(
            b.js(
                "return document.querySelector('#received_on').value",
                json!([])
            )
            .await,
            json!(""),
            "the date starts empty"
        );
        let fits = || async {
            b.js(
                "return document.documentElement.scrollWidth <= document.documentElement.clientWidth",
                json!([]),
            )
            .await
        };
        assert_eq!(fits().await, json!(true), "no sideways scrolling at {w} px");
        // Refusals, each at the top (linked) and next to the field.
        for (date, says) in [
            ("", "请填写到账日期"),
            (tomorrow.as_str(), "晚于今天"),
            ("2020-02-01", "不能早于拨付日期"),
        ] {
            b.set_value("#received_on", date).await;
            b.click("#confirm-record").await;
            b.find("#error-summary a[href=\"#received_on\"]").await;
            // Each refusal's own message (the page before it showed the previous one).
            b.wait_for_text("#received_on-error", says).await;
            if date.is_empty() {
                b.screenshot(&format!("receipt-refused-{suffix}")).await;
            }
        }
        // 2020-06-01 is 112 days after sending: the transfer is shown, and asks again.
        b.set_value("#received_on", "2020-06-01").await;
        b.click("#confirm-record").await;
        b.find("#receipt-commit").await;
        assert_eq!(b.text("#check-payer").await, "清溪镇");
        assert_eq!(b.text("#check-payee").await, "镇雄县");
        assert_eq!(b.text("#check-voucher_no").await, voucher);
        assert!(b.text("#check-amount").await.contains("300,000.00"));
        assert!(b.text("#check-received_on").await.contains("2020年6月1日"));
        b.find("#far-warning").await;
        assert_eq!(fits().await, json!(true), "the step fits {w} px");
        b.screenshot(&format!("receipt-check-{suffix}")).await;
        b.click("#receipt-commit-button").await;
        b.find("#error-summary a[href=\"#far_date_confirmed\"]")
            .await;
        assert!(
            b.text("#far_date_confirmed-error")
                .await
                .contains("再次确认")
        );
        b.screenshot(&format!("receipt-check-refused-{suffix}"))
            .await;
        b.click("#far_date_confirmed").await;
        b.click("#receipt-commit-button").await;
        b.find("#notice").await;
        assert!(b.text("#notice").await.contains("已确认到账"));
        assert!(b.text("#field-received_on").await.contains("2020年6月1日"));
        b.find("#receipt-confirmed").await;
        b.find("#corrected_on").await;
        b.screenshot(&format!("receipt-confirmed-{suffix}")).await;
        b.logout().await;
    }
}

/// The leader's view at desktop and phone widths: every card, table and county square
/// on the screen without sideways scrolling, the heat-map drawn; then, for a plan with
/// the counties' outlines, the map drawn from them instead of the squares.
#[tokio::test]
#[ignore = "browser: needs chromium and chromedriver; run with --include-ignored (.ci/run installs them and does)"]
async fn the_leaders_view_and_its_map_at_desktop_and_phone_widths() {
    assert!(
        chromium_available(),
        "this test needs /usr/bin/chromium and /usr/bin/chromedriver"
    );
    let fits = "var d = document.documentElement; return d.scrollWidth <= d.clientWidth + 1;";
    let tiles_shown = "return Array.prototype.filter.call(document.querySelectorAll('#tile-map .tile'), function (t) { var r = t.getBoundingClientRect(); return r.width > 40 && r.height > 40 && r.left >= 0 && r.right <= document.documentElement.clientWidth + 1; }).length";

    // The bundled plan: a tile map.
    let server = Server::start();
    let (_driver, b) = Browser::start(&server.base).await;
    b.viewport(1280, 900, false).await;
    b.login(&server, "领导").await;
    for (w, h, mobile, suffix) in [(1280, 900, false, "desktop"), (390, 844, true, "phone")] {
        b.viewport(w, h, mobile).await;
        b.goto("/?year=2020").await;
        b.find("#tile-map").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while b
            .try_find("#chart-heat[data-chart-ready] canvas")
            .await
            .is_none()
        {
            assert!(
                Instant::now() < deadline,
                "the heat-map is drawn ({suffix})"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            b.js(tiles_shown, json!([])).await,
            json!(6),
            "six squares on screen ({suffix})"
        );
        assert_eq!(
            b.js(fits, json!([])).await,
            json!(true),
            "no sideways scrolling ({suffix})"
        );
        let tile = b.text("#tile-map .tile:first-child").await;
        assert!(tile.contains("昭阳区") && tile.contains('%'), "{tile}");
        assert!(!b.text("#kpi-cards").await.is_empty());
        b.screenshot(&format!("leader-{suffix}")).await;
        b.element_screenshot("#tile-map", &format!("leader-tiles-{suffix}"))
            .await;
        b.element_screenshot("#chart-heat", &format!("leader-heat-{suffix}"))
            .await;
    }
    drop(b);
    drop(_driver);
    drop(server);

    // A plan with the counties' outlines: the map is drawn from them.
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan-with-map.toml");
    std::fs::write(&plan, common::plan_with_outlines()).unwrap();
    let server = Server::start_with_plan(&plan);
    let (_driver, b) = Browser::start(&server.base).await;
    b.viewport(1280, 900, false).await;
    b.login(&server, "领导").await;
    for (w, h, mobile, suffix) in [(1280, 900, false, "desktop"), (390, 844, true, "phone")] {
        b.viewport(w, h, mobile).await;
        b.goto("/?year=2020").await;
        let deadline = Instant::now() + Duration::from_secs(20);
        while b
            .try_find("#chart-map[data-chart-ready] canvas")
            .await
            .is_none()
        {
            assert!(Instant::now() < deadline, "the map is drawn ({suffix})");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let regions = b
            .js(
                "var c = echarts.getInstanceByDom(document.getElementById('chart-map')); return c.getOption().series[0].data.map(function (d) { return d.name; });",
                json!([]),
            )
            .await;
        assert_eq!(
            regions,
            json!(common::PAIRED_COUNTIES),
            "every county on the map"
        );
        let drawn = b
            .js(
                "var r = document.getElementById('chart-map').getBoundingClientRect(); return r.width > 300 && r.height > 250 && r.right <= document.documentElement.clientWidth + 1;",
                json!([]),
            )
            .await;
        assert_eq!(drawn, json!(true), "the map fits the screen ({suffix})");
        assert_eq!(
            b.js(
                "var r = document.getElementById('tile-map').getBoundingClientRect(); return r.width <= 1 && r.height <= 1;",
                json!([])
            )
            .await,
            json!(true),
            "the outlines replace the squares on screen; screen readers keep them ({suffix})"
        );
        assert_eq!(
            b.js(fits, json!([])).await,
            json!(true),
            "no sideways scrolling ({suffix})"
        );
        b.element_screenshot("#chart-map", &format!("leader-map-{suffix}"))
            .await;
    }
}
