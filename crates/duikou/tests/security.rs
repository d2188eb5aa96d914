//! Issue 7: the security properties of the running server (the real binary), each a
//! test that fails if the property does not hold. On SQLite and, when
//! DUIKOU_TEST_POSTGRES_URL is set, on PostgreSQL.
//!
//! - `authorization_matrix`: every route of the router (found by scanning
//!   `src/web/**/*.rs` for `.route(…)` calls, so a new route without a rule fails) ×
//!   every role × own unit / other unit, and without a login.
//! - `cross_unit_attempts`: guessed IDs, moving a record to another town, confirming a
//!   transfer paid to another county, a viewer posting, editing an approved record.
//! - `xss_payloads_are_inert`: script in every text field comes back escaped.
//! - sign-in: lockout with back-off, parallel guessing, no user enumeration (messages
//!   and timing), session expiry, session fixation, sign-out everywhere.
//! - hostile input: proptest over API and form bodies (never a 500, no partial write),
//!   oversized uploads refused before they are read, traversal in evidence file names.
//! - operations: security headers on pages, API and errors; /healthz; request ids in
//!   the log and no ID number in it.

#[macro_use]
mod common;

use duikou_domain::plan::bundled_kind;
use duikou_domain::schema::BuiltinKind;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::{ApiClient, Backend, Resp, TestApp};
use reqwest::Method;
use reqwest::multipart;
use serde_json::{Value, json};

const ADMIN: &str = "管理员";
const COORD: &str = "经协办";
const QX: &str = "清溪镇";
const HJ: &str = "黄江镇";
const ZX: &str = "镇雄县";
const YL: &str = "彝良县";
const VIEWER: &str = "领导";
const AUDITOR: &str = "审计";
/// A user the administrator's actions are tried on.
const SPARE: &str = "临时用户";
/// The coordinator who enters the fixtures, so that COORD may review them (four eyes:
/// nobody reviews their own entries).
const AUTHOR: &str = "第五工作组";

const USERS: &[(&str, &str, Option<&str>)] = &[
    (ADMIN, "admin", None),
    (COORD, "coordinator", Some("市经协办")),
    (QX, "reporter", Some("清溪镇")),
    (HJ, "reporter", Some("黄江镇")),
    (ZX, "receiver", Some("镇雄县")),
    (YL, "receiver", Some("彝良县")),
    (VIEWER, "viewer", None),
    (AUDITOR, "auditor", None),
    (SPARE, "reporter", Some("清溪镇")),
    (AUTHOR, "coordinator", Some("市经协办")),
];

/// The six roles, each played by one user; "own unit" is the user's unit (or 清溪镇's
/// records for the roles without a unit), "other unit" 黄江镇's or 彝良县's.
const ROLES: [(&str, &str); 6] = [
    ("admin", ADMIN),
    ("coordinator", COORD),
    ("reporter", QX),
    ("receiver", ZX),
    ("viewer", VIEWER),
    ("auditor", AUDITOR),
];

const NEW_PASSWORD_SUFFIX: &str = "-Neu-Passwort-2019";

async fn start(backend: Backend) -> World {
    World::start(backend).await
}

on_both_backends!(
    authorization_matrix,
    cross_unit_attempts,
    xss_payloads_are_inert,
    lockout_backs_off_and_counts_parallel_guesses,
    no_user_enumeration,
    sessions_expire_and_are_never_fixed,
    password_change_signs_out_everywhere,
    hostile_bodies_never_fail_the_server,
    oversized_and_hostile_uploads,
    security_headers_everywhere,
);

// ------------------------------------------------------------------ clients

/// A browser-like client: a cookie jar, no redirects followed.
fn browser(base: &str) -> ApiClient {
    ApiClient {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
        base: base.to_string(),
        token: None,
        csrf: None,
    }
}

/// A client without cookies that does not follow redirects.
fn plain(base: &str) -> ApiClient {
    ApiClient {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
        base: base.to_string(),
        token: None,
        csrf: None,
    }
}

async fn form(c: &ApiClient, path: &str, pairs: &[(&str, String)]) -> Resp {
    ApiClient::send(c.request(Method::POST, path).form(pairs)).await
}

/// A POST of a page form carrying the session's CSRF token.
async fn page_post(c: &ApiClient, path: &str, pairs: &[(&str, String)]) -> Resp {
    let mut all: Vec<(&str, String)> = vec![(
        "csrf_token",
        c.csrf.clone().unwrap_or_else(|| "no-session".into()),
    )];
    all.extend(pairs.iter().cloned());
    form(c, path, &all).await
}

async fn multipart_post(
    c: &ApiClient,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, Vec<u8>)>,
) -> Resp {
    let mut f = multipart::Form::new().text(
        "csrf_token",
        c.csrf.clone().unwrap_or_else(|| "no-session".into()),
    );
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    if let Some((field, name, bytes)) = file {
        f = f.part(
            field.to_string(),
            multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    ApiClient::send(c.request(Method::POST, path).multipart(f)).await
}

/// The value of a hidden input in a page.
use common::hidden_field as hidden;

#[track_caller]
fn expect(r: &Resp, status: u16) {
    assert_eq!(
        r.status,
        status,
        "expected {status}, got {}: {}",
        r.status,
        &r.text[..r.text.len().min(600)]
    );
}

// ------------------------------------------------------------------ the world

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum St {
    Draft,
    Submitted,
    Approved,
}

/// A running server with every user signed in twice (bearer token for the API, cookie
/// session for the pages), passwords changed, and a coordinator making fixtures.
struct World {
    app: TestApp,
    passwords: HashMap<String, String>,
    bearer: HashMap<String, ApiClient>,
    pages: HashMap<String, ApiClient>,
    seq: AtomicU32,
    /// The body each fixture record was created with (for edit forms).
    bodies: Mutex<HashMap<i64, Value>>,
}

impl World {
    async fn start(backend: Backend) -> World {
        let app = TestApp::spawn_with_users(backend, USERS).await;
        let mut w = World {
            passwords: HashMap::new(),
            bearer: HashMap::new(),
            pages: HashMap::new(),
            seq: AtomicU32::new(1),
            bodies: Mutex::new(HashMap::new()),
            app,
        };
        for (name, _, _) in USERS {
            let initial = w.app.password(name);
            let new = format!("{initial}{NEW_PASSWORD_SUFFIX}");
            // First sign-in: the pages insist on a new password.
            let mut b = browser(w.base());
            let r = b
                .post(
                    "/api/v1/login",
                    &json!({"username": name, "password": initial}),
                )
                .await;
            expect(&r, 200);
            b.csrf = r.body["csrf_token"].as_str().map(str::to_string);
            let r = b.get("/records").await;
            assert_eq!(
                r.header("location"),
                Some("/password"),
                "{name}: {}",
                r.status
            );
            let r = page_post(
                &b,
                "/password",
                &[
                    ("current_password", initial.clone()),
                    ("new_password", new.clone()),
                    ("confirm_password", new.clone()),
                ],
            )
            .await;
            assert_eq!(r.status, 303, "{name} changes the password: {}", r.text);
            w.passwords.insert(name.to_string(), new);
        }
        for (name, _, _) in USERS {
            let b = w.session(name).await;
            w.pages.insert(name.to_string(), b);
            let t = w.bearer_session(name).await;
            w.bearer.insert(name.to_string(), t);
        }
        w
    }

    fn base(&self) -> &str {
        &self.app.base_url
    }

    fn next(&self) -> u32 {
        self.seq.fetch_add(1, Ordering::SeqCst)
    }

    /// A fresh cookie session (browser) for a user.
    async fn session(&self, name: &str) -> ApiClient {
        let mut b = browser(self.base());
        let r = b
            .post(
                "/api/v1/login",
                &json!({"username": name, "password": self.passwords[name]}),
            )
            .await;
        expect(&r, 200);
        b.csrf = r.body["csrf_token"].as_str().map(str::to_string);
        b
    }

    /// A fresh bearer-token session for a user.
    async fn bearer_session(&self, name: &str) -> ApiClient {
        let mut c = plain(self.base());
        let r = c
            .post(
                "/api/v1/login",
                &json!({"username": name, "password": self.passwords[name]}),
            )
            .await;
        expect(&r, 200);
        c.token = r.body["token"].as_str().map(str::to_string);
        c
    }

    fn api(&self, name: &str) -> &ApiClient {
        &self.bearer[name]
    }
    fn page(&self, name: &str) -> &ApiClient {
        &self.pages[name]
    }
    fn coord(&self) -> &ApiClient {
        self.api(COORD)
    }

    async fn create(&self, kind: &str, body: Value, st: St) -> i64 {
        let r = self
            .api(AUTHOR)
            .post(&format!("/api/v1/records/{kind}"), &body)
            .await;
        expect(&r, 201);
        let id = r.body["id"].as_i64().unwrap();
        self.bodies.lock().unwrap().insert(id, body);
        self.advance(kind, id, st).await;
        id
    }

    async fn advance(&self, kind: &str, id: i64, st: St) {
        if st >= St::Submitted {
            expect(
                &self
                    .api(AUTHOR)
                    .post(&format!("/api/v1/records/{kind}/{id}/submit"), &json!({}))
                    .await,
                200,
            );
        }
        if st >= St::Approved {
            expect(
                &self
                    .coord()
                    .post(&format!("/api/v1/records/{kind}/{id}/approve"), &json!({}))
                    .await,
                200,
            );
        }
    }

    /// Approve a submitted fixture (by COORD, not its author).
    async fn advance_from_submitted(&self, kind: &str, id: i64) {
        expect(
            &self
                .coord()
                .post(&format!("/api/v1/records/{kind}/{id}/approve"), &json!({}))
                .await,
            200,
        );
    }

    fn transfer_body(&self, own: bool) -> Value {
        let n = self.next();
        let (payer, payee) = if own { (QX, ZX) } else { (HJ, YL) };
        json!({"source": "镇街财政", "payer": payer, "payee": payee, "amount": "1000", "budget_year": 2019,
               "sent_on": "2019-03-15", "voucher_no": format!("M-{n}"), "purpose": "产业帮扶"})
    }

    fn project_body(&self, own: bool) -> Value {
        let n = self.next();
        json!({"name": format!("项目{n}"), "county": if own { ZX } else { YL }, "category": "校舍", "aid_amount": "1000", "started_on": "2019-05-01"})
    }

    fn person_body(&self, own: bool) -> Value {
        let n = self.next();
        let birth = time::macros::date!(1980 - 01 - 01) + time::Duration::days(n as i64);
        let id = duikou_domain::id_number::make_valid(
            if own { "530627" } else { "530628" },
            birth,
            (n % 900) as u16,
        );
        json!({"programme": "劳务就业", "name": format!("工人{n}"), "id_number": id.as_str(), "started_on": "2019-05-01",
               "reporting_unit": if own { QX } else { HJ }})
    }

    async fn transfer(&self, own: bool, st: St) -> i64 {
        self.create("transfer", self.transfer_body(own), st).await
    }

    /// A submitted transfer whose payee confirmed receipt (own: 清溪镇 → 镇雄县, else
    /// 黄江镇 → 彝良县).
    async fn confirmed_transfer(&self, own: bool) -> i64 {
        let id = self.transfer(own, St::Submitted).await;
        let payee = if own { ZX } else { YL };
        expect(
            &self
                .api(payee)
                .post(
                    &format!("/api/v1/records/transfer/{id}/confirm"),
                    &json!({"received_on": "2019-04-01"}),
                )
                .await,
            200,
        );
        id
    }

    /// The record a role works with: a county's project for a receiver, a town's
    /// transfer for everyone else.
    async fn unit_record(&self, role: Option<&str>, own: bool, st: St) -> (&'static str, i64) {
        if role == Some("receiver") {
            (
                "project",
                self.create("project", self.project_body(own), st).await,
            )
        } else {
            ("transfer", self.transfer(own, st).await)
        }
    }

    /// A submitted record another unit reported that names the role's unit (own) or
    /// not (other): for a receiver, a transfer to its county; for everyone else an
    /// activity 黄江镇 organised with 清溪镇.
    async fn naming_record(&self, role: Option<&str>, own: bool) -> (&'static str, i64) {
        if role == Some("receiver") {
            return ("transfer", self.transfer(own, St::Submitted).await);
        }
        let n = self.next();
        let organizers = if own { json!([HJ, QX]) } else { json!([HJ]) };
        let body = json!({"kind": "招商推介会", "title": format!("推介会{n}"), "held_on": "2019-05-01",
                          "organizers": organizers, "participants": 20});
        (
            "activity",
            self.create("activity", body, St::Submitted).await,
        )
    }

    /// The body a role would create in its own (or another) unit.
    fn unit_body(&self, role: Option<&str>, own: bool) -> (&'static str, Value) {
        if role == Some("receiver") {
            ("project", self.project_body(own))
        } else {
            ("transfer", self.transfer_body(own))
        }
    }

    /// Form pairs holding a record body (as the record form sends them).
    fn form_of(body: &Value) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (k, v) in body.as_object().unwrap() {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push((leak(k), text));
        }
        out
    }

    /// A count from the server's database.
    async fn count(&self, sql: &str) -> i64 {
        use sea_orm::ConnectionTrait;
        let db = self.app.db().await;
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                sql.to_string(),
            ))
            .await
            .unwrap()
            .unwrap();
        let n = row.try_get::<i64>("", "n").unwrap();
        db.close().await.unwrap();
        n
    }

    /// Run SQL on the server's database (to move time, as an insider would).
    async fn sql(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        let db = self.app.db().await;
        db.execute_unprepared(sql).await.unwrap();
        db.close().await.unwrap();
    }

    async fn user_id(&self, name: &str) -> duikou_domain::ids::UserId {
        let store =
            duikou_storage::Store::open(&duikou_storage::StoreConfig::new(self.app.database_url()))
                .await
                .unwrap();
        let id = store.user_by_name(name).await.unwrap().unwrap().id;
        store.db.close().await.unwrap();
        id
    }

    /// Upload an evidence file (as the coordinator) and return its id.
    async fn evidence(&self, kind: &str, id: i64) -> i64 {
        let c = self.page(COORD);
        let r = multipart_post(
            c,
            &format!("/records/{kind}/{id}/evidence"),
            &[],
            Some(("file", "凭证.pdf", b"%PDF-1.4 evidence".to_vec())),
        )
        .await;
        expect(&r, 303);
        let detail = c.get(&format!("/records/{kind}/{id}")).await;
        let marker = format!("/records/{kind}/{id}/evidence/");
        let at = detail.text.find(&marker).expect("an evidence link") + marker.len();
        detail.text[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    }

    /// Upload an import file as `who` and return the confirm form of its preview.
    async fn import_preview(
        &self,
        who: &str,
        kind: &str,
        csv: String,
    ) -> Vec<(&'static str, String)> {
        let c = self.page(who);
        let n = self.next();
        let r = multipart_post(
            c,
            "/import",
            &[("kind", kind)],
            Some(("file", &format!("导入{n}.csv"), csv.into_bytes())),
        )
        .await;
        expect(&r, 200);
        ["kind", "sha", "token", "file_name"]
            .iter()
            .map(|k| {
                (
                    *k,
                    hidden(&r.text, k).unwrap_or_else(|| panic!("no {k} in the preview")),
                )
            })
            .collect()
    }

    /// The link to the problem report of a refused upload, as its uploader's page shows it.
    async fn report_link(&self, who: &str, kind: &str, csv: String) -> String {
        let n = self.next();
        let r = multipart_post(
            self.page(who),
            "/import",
            &[("kind", kind)],
            Some(("file", &format!("有错{n}.csv"), csv.into_bytes())),
        )
        .await;
        expect(&r, 422);
        let at = r.text.find("/import/report?").expect("a report link");
        let end = at + r.text[at..].find('"').unwrap();
        r.text[at..end].replace("&amp;", "&").replace("&#38;", "&")
    }

    /// A fresh import batch of one submitted transfer, imported by 清溪镇's reporter.
    async fn import_batch(&self) -> i64 {
        let (kind, csv) = self.import_csv(Some("reporter"), true);
        let form = self.import_preview(QX, kind, csv).await;
        let r = page_post(self.page(QX), "/import/confirm", &form).await;
        expect(&r, 200);
        let at = r
            .text
            .find("批次 ")
            .expect("the batch named on the done page")
            + "批次 ".len();
        r.text[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("a batch number")
    }

    fn import_csv(&self, role: Option<&str>, own: bool) -> (&'static str, String) {
        if role == Some("receiver") {
            let b = self.project_body(own);
            (
                "project",
                format!(
                    "name,county,category,aid_amount,started_on\n{},{},校舍,1000,2019-05-01\n",
                    b["name"].as_str().unwrap(),
                    b["county"].as_str().unwrap()
                ),
            )
        } else {
            let b = self.transfer_body(own);
            (
                "transfer",
                format!(
                    "source,payer,payee,amount,budget_year,sent_on,voucher_no\n镇街财政,{},{},1000,2019,2019-03-15,{}\n",
                    b["payer"].as_str().unwrap(),
                    b["payee"].as_str().unwrap(),
                    b["voucher_no"].as_str().unwrap()
                ),
            )
        }
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

// ------------------------------------------------------------------ the route list

/// (method, path) of every route the web module declares: each `.route("path",
/// get(..).post(..))` call in `src/web/**/*.rs`, plus the Swagger UI's two paths. A way
/// of adding routes this scanner does not understand fails the test instead.
fn scanned_routes() -> Vec<(String, String)> {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"),
        &mut paths,
    );
    paths.sort();
    let mut routes = Vec::new();
    for p in paths {
        let src = std::fs::read_to_string(&p).unwrap();
        if src.contains(".fallback(") {
            routes.push(("FALLBACK".into(), "*".into()));
        }
        for unsupported in [
            ".nest(",
            ".nest_service(",
            ".route_service(",
            ".fallback_service(",
        ] {
            assert!(
                !src.contains(unsupported),
                "{}: `{unsupported}` adds routes this test cannot see; extend scanned_routes and the matrix",
                p.display()
            );
        }
        let mut rest = src.as_str();
        while let Some(at) = rest.find(".route(") {
            let args = &rest[at + 7..];
            // The call's arguments, up to the matching parenthesis.
            let mut depth = 1;
            let mut end = 0;
            let mut in_str = false;
            for (i, c) in args.char_indices() {
                match c {
                    '"' => in_str = !in_str,
                    '(' if !in_str => depth += 1,
                    ')' if !in_str => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let call = &args[..end];
            let q1 = call.find('"').expect("a path literal");
            let q2 = q1 + 1 + call[q1 + 1..].find('"').unwrap();
            let path = &call[q1 + 1..q2];
            let handlers = &call[q2 + 1..];
            let mut found = false;
            for m in [
                "get", "post", "put", "patch", "delete", "head", "options", "trace", "any",
            ] {
                let mut h = handlers;
                while let Some(i) = h.find(&format!("{m}(")) {
                    let before = h[..i].chars().last();
                    if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                        routes.push((m.to_uppercase(), path.to_string()));
                        found = true;
                    }
                    h = &h[i + m.len() + 1..];
                }
            }
            assert!(found, "{}: no method in .route({call})", p.display());
            rest = &args[end..];
        }
        // utoipa-swagger-ui: SwaggerUi::new("/docs").url("/openapi.json", …), or
        // .external_url_unchecked("/openapi.json", …) for a document built at start.
        if let Some(at) = src.find("SwaggerUi::new(\"") {
            let s = &src[at + 16..];
            routes.push(("GET".into(), s[..s.find('"').unwrap()].to_string()));
            let (from, skip) = [".url(\"", ".external_url_unchecked(\""]
                .iter()
                .find_map(|m| s.find(m).map(|i| (i, m.len())))
                .expect("the OpenAPI URL");
            let u = &s[from + skip..];
            routes.push(("GET".into(), u[..u.find('"').unwrap()].to_string()));
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

// ------------------------------------------------------------------ the matrix

/// One row of the matrix: a route, a label naming the concrete request, and what each
/// role gets: `admin | coordinator | reporter | receiver | viewer | auditor | anonymous`,
/// each `own/other` (or one status for both). `L` means "sign in first": 401 from the
/// API, a redirect to /login from a page.
struct Rule {
    method: &'static str,
    route: &'static str,
    label: &'static str,
    expect: &'static str,
}

const fn r(
    method: &'static str,
    route: &'static str,
    label: &'static str,
    expect: &'static str,
) -> Rule {
    Rule {
        method,
        route,
        label,
        expect,
    }
}

const RULES: &[Rule] = &[
    // Health and documentation: public.
    r("GET", "/healthz", "healthz", "200|200|200|200|200|200|200"),
    r(
        "GET",
        "/api/v1/openapi.json",
        "openapi",
        "200|200|200|200|200|200|200",
    ),
    r(
        "GET",
        "/api/v1/docs",
        "swagger",
        "303|303|303|303|303|303|303",
    ),
    // The JSON API.
    r(
        "POST",
        "/api/v1/login",
        "api-login",
        "200/401|200/401|200/401|200/401|200/401|200/401|401",
    ),
    r(
        "POST",
        "/api/v1/logout",
        "api-logout",
        "204|204|204|204|204|204|L",
    ),
    r("GET", "/api/v1/me", "api-me", "200|200|200|200|200|200|L"),
    // Own: a weak new password; other: the current one again. Both refused before the
    // current password is checked, so the matrix's sessions and lockout stay untouched.
    r(
        "POST",
        "/api/v1/me/password",
        "api-password",
        "422|422|422|422|422|422|L",
    ),
    r(
        "GET",
        "/api/v1/records/{kind}",
        "api-list",
        "403|200|200|200|200|200|L",
    ),
    r(
        "POST",
        "/api/v1/records/{kind}",
        "api-create",
        "403|201|201/403|201/403|403|403|L",
    ),
    r(
        "POST",
        "/api/v1/records/{kind}/bulk-approve",
        "api-bulk-approve",
        "403|200|403|403|403|403|L",
    ),
    r(
        "GET",
        "/api/v1/records/{kind}/{id}",
        "api-read",
        "403|200|200/404|200/404|200|200|L",
    ),
    r(
        "PATCH",
        "/api/v1/records/{kind}/{id}",
        "api-patch",
        "403|200|200/404|200/404|404|403|L",
    ),
    r(
        "DELETE",
        "/api/v1/records/{kind}/{id}",
        "api-delete",
        "403|204|204/404|204/404|404|403|L",
    ),
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/{action}",
        "api-submit",
        "403|200|200/404|200/404|404|403|L",
    ),
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/{action}",
        "api-approve",
        "403|200|403/404|403/404|404|403|L",
    ),
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/{action}",
        "api-reject",
        "403|200|403/404|403/404|404|403|L",
    ),
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/{action}",
        "api-reopen",
        "403|200|403/404|403/404|403|403|L",
    ),
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/{action}",
        "api-confirm",
        "403|403|403/404|200/404|404|403|L",
    ),
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/{action}",
        "api-no-such-action",
        "404|404|404|404|404|404|L",
    ),
    // 撤回: the reporting unit takes its submitted record back to draft.
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/{action}",
        "api-withdraw",
        "403|403|200/404|200/404|404|403|L",
    ),
    // A receipt the payee confirmed: corrected by the payee, reverted by a coordinator.
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/{action}",
        "api-receipt-correct",
        "403|403|403/404|200/404|404|403|L",
    ),
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/{action}",
        "api-receipt-revert",
        "403|200|403/404|403/404|404|403|L",
    ),
    // 退回复核: "own" is a record naming the role's unit that another unit reported.
    r(
        "POST",
        "/api/v1/records/{kind}/{id}/dispute",
        "api-dispute",
        "403|403|200/404|200/404|404|403|L",
    ),
    r(
        "GET",
        "/api/v1/assessment",
        "api-assessment",
        "403|200|200|200|200|200|L",
    ),
    r(
        "GET",
        "/api/v1/plan",
        "api-plan",
        "200|200|200|200|200|200|L",
    ),
    r("ANY", "/api/v1", "api-root", "404|404|404|404|404|404|404"),
    r(
        "ANY",
        "/api/v1/{*rest}",
        "api-unknown",
        "404|404|404|404|404|404|404",
    ),
    // Pages: signing in and out, language.
    // A leader's home is the leader's view.
    r("GET", "/", "home", "303|200|200|200|200|200|L"),
    r("GET", "/login", "login-form", "303|303|303|303|303|303|200"),
    r(
        "POST",
        "/login",
        "login-without-form-token",
        "403|403|403|403|403|403|403",
    ),
    r("POST", "/logout", "logout", "303|303|303|303|303|303|L"),
    r(
        "GET",
        "/password",
        "password-form",
        "200|200|200|200|200|200|L",
    ),
    r(
        "POST",
        "/password",
        "password-empty",
        "422|422|422|422|422|422|L",
    ),
    r("GET", "/lang", "lang", "303|303|303|303|303|303|303"),
    // Figures.
    r(
        "GET",
        "/dashboard",
        "dashboard",
        "403|200|200|200|200|200|L",
    ),
    r("GET", "/explain", "explain", "403|200|200|200|200|200|L"),
    // The leader's view, for coordinators and auditors as leaders see it.
    r("GET", "/leader", "leader", "403|200|403|403|200|200|L"),
    r(
        "GET",
        "/checklist",
        "checklist",
        "403|200|200|200|200|200|L",
    ),
    r("GET", "/assess", "assess", "403|200|200|200|200|200|L"),
    r(
        "GET",
        "/assess.xlsx",
        "assess-xlsx",
        "403|200|200|200|200|200|L",
    ),
    r(
        "GET",
        "/checklist.xlsx",
        "checklist-xlsx",
        "403|200|200|200|200|200|L",
    ),
    // Downloads of everything: coordinators and auditors only.
    r(
        "GET",
        "/export/{file}",
        "export-csv",
        "403|200|403|403|403|200|L",
    ),
    r(
        "GET",
        "/export/{file}",
        "export-xlsx",
        "403|200|403|403|403|200|L",
    ),
    // The monthly bulletin: also for leaders (figures and unit names, no records).
    r("GET", "/bulletin", "bulletin", "403|200|403|403|200|200|L"),
    r(
        "GET",
        "/bulletin.xlsx",
        "bulletin-xlsx",
        "403|200|403|403|200|200|L",
    ),
    r(
        "GET",
        "/bulletin.html",
        "bulletin-html",
        "403|200|403|403|200|200|L",
    ),
    r(
        "GET",
        "/package.zip",
        "package",
        "403|200|403|403|403|200|L",
    ),
    // Records.
    r(
        "GET",
        "/records",
        "records-index",
        "403|200|200|200|200|200|L",
    ),
    r(
        "GET",
        "/records/{kind}",
        "records-list",
        "403|200|200|200|200|200|L",
    ),
    r(
        "GET",
        "/records/{kind}/new",
        "new-form",
        "403|200|200|200|403|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/new",
        "new-save",
        "403|303|303/403|303/403|403|403|L",
    ),
    r(
        "GET",
        "/records/{kind}/{id}",
        "detail",
        "403|200|200/404|200/404|200|200|L",
    ),
    r(
        "GET",
        "/records/{kind}/{id}/edit",
        "edit-form",
        "403|200|200/404|200/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/edit",
        "edit-save",
        "403|303|303/404|303/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/evidence",
        "evidence-upload",
        "403|303|303/404|303/404|404|403|L",
    ),
    r(
        "GET",
        "/records/{kind}/{id}/evidence/{eid}",
        "evidence-download",
        "403|200|200/404|200/404|200|200|L",
    ),
    r(
        "GET",
        "/records/{kind}/{id}/evidence/{eid}/view",
        "evidence-view",
        "403|200|200/404|200/404|200|200|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-unmask",
        // The viewer gets no person records at all: the record looks absent.
        "403|200|200/404|403/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-delete",
        "403|303|303/404|303/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-submit",
        "403|303|303/404|303/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-approve",
        "403|303|403/404|403/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-reject",
        "403|303|403/404|403/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-reopen",
        "403|303|403/404|403/404|403|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-confirm",
        "403|403|403/404|303/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-no-such-action",
        "404|404|404|404|404|404|L",
    ),
    // The confirmation step (the transfer shown before anything is written).
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-confirm-check",
        "403|403|403/404|200/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-withdraw",
        "403|403|303/404|303/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-receipt-correct",
        "403|403|403/404|303/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-receipt-revert",
        "403|303|403/404|403/404|404|403|L",
    ),
    r(
        "POST",
        "/records/{kind}/{id}/{action}",
        "page-dispute",
        "403|403|303/404|303/404|404|403|L",
    ),
    // Review.
    r(
        "GET",
        "/review",
        "review-queue",
        "403|200|403|403|403|403|L",
    ),
    r(
        "POST",
        "/review",
        "review-bulk",
        "403|303|403|403|403|403|L",
    ),
    r(
        "POST",
        "/review/{id}/{action}",
        "review-approve",
        "403|303|403|403|403|403|L",
    ),
    r(
        "POST",
        "/review/{id}/{action}",
        "review-reject",
        "403|303|403|403|403|403|L",
    ),
    r(
        "POST",
        "/review/{id}/{action}",
        "review-no-such-action",
        "403|404|403|403|403|403|L",
    ),
    r(
        "POST",
        "/review/batches/{id}/{action}",
        "review-batch-approve",
        "403|303|403|403|403|403|L",
    ),
    r(
        "POST",
        "/review/batches/{id}/{action}",
        "review-batch-reject",
        "403|303|403|403|403|403|L",
    ),
    r(
        "POST",
        "/review/matching",
        "review-matching",
        "403|200|403|403|403|403|L",
    ),
    r(
        "GET",
        "/api/v1/batches/{id}",
        "api-batch-summary",
        "403|200|403|403|403|403|L",
    ),
    r(
        "POST",
        "/api/v1/batches/{id}/{action}",
        "api-batch-approve",
        "403|200|403|403|403|403|L",
    ),
    r(
        "POST",
        "/api/v1/batches/{id}/{action}",
        "api-batch-no-such-action",
        "403|404|403|403|403|403|L",
    ),
    // Notices and 催报: every signed-in person has a notices page (empty for roles
    // that act on no record); only coordinators chase.
    r(
        "GET",
        "/notices",
        "notices-page",
        "200|200|200|200|200|200|L",
    ),
    r(
        "POST",
        "/notices/chase",
        "notices-chase",
        "403|303|403|403|403|403|L",
    ),
    r(
        "GET",
        "/api/v1/notices",
        "api-notices",
        "200|200|200|200|200|200|L",
    ),
    r(
        "POST",
        "/api/v1/reminders/chase",
        "api-chase",
        "403|200|403|403|403|403|L",
    ),
    // Import.
    r("GET", "/import", "import-form", "403|200|200|200|403|403|L"),
    r(
        "POST",
        "/import",
        "import-upload",
        "403|200|200/422|200/422|403|403|L",
    ),
    r(
        "POST",
        "/import/confirm",
        "import-confirm",
        "403|200/400|200/400|200/400|403|403|L",
    ),
    r(
        "GET",
        "/import/report",
        "import-report",
        "403|200/400|200/400|200/400|403|403|L",
    ),
    r(
        "GET",
        "/import/template/{file}",
        "import-template",
        "200|200|200|200|200|200|L",
    ),
    // Administration and audit.
    r(
        "GET",
        "/admin/users",
        "admin-users",
        "200|403|403|403|403|403|L",
    ),
    r(
        "POST",
        "/admin/users",
        "admin-create-user",
        "200|403|403|403|403|403|L",
    ),
    r(
        "POST",
        "/admin/users/import",
        "admin-import-users",
        "200|403|403|403|403|403|L",
    ),
    r(
        "POST",
        "/admin/users/{id}/{action}",
        "admin-disable",
        "303|403|403|403|403|403|L",
    ),
    r(
        "POST",
        "/admin/users/{id}/{action}",
        "admin-enable",
        "303|403|403|403|403|403|L",
    ),
    r(
        "POST",
        "/admin/users/{id}/{action}",
        "admin-reset",
        "200|403|403|403|403|403|L",
    ),
    r(
        "POST",
        "/admin/users/{id}/{action}",
        "admin-role",
        "303|403|403|403|403|403|L",
    ),
    r(
        "POST",
        "/admin/users/{id}/{action}",
        "admin-no-such-action",
        "404|403|403|403|403|403|L",
    ),
    r(
        "GET",
        "/admin/plan",
        "admin-plan",
        "200|200|403|403|403|403|L",
    ),
    // The plan switcher: every signed-in user (each unit here takes part in the plan).
    r("GET", "/plans", "plans-page", "200|200|200|200|200|200|L"),
    r(
        "POST",
        "/plans",
        "plans-choose",
        "303|303|303|303|303|303|L",
    ),
    r(
        "GET",
        "/admin/plan/history",
        "plan-history",
        "200|200|403|403|403|403|L",
    ),
    r(
        "GET",
        "/admin/plan/{file}",
        "plan-file",
        "200|200|403|403|403|403|L",
    ),
    // Amending the plan is the administrator's: upload (the loaded plan again: no
    // difference), and a confirmation whose token is not the administrator's.
    r(
        "POST",
        "/admin/plan/update",
        "plan-update",
        "200|403|403|403|403|403|L",
    ),
    r(
        "POST",
        "/admin/plan/confirm",
        "plan-confirm",
        "400|403|403|403|403|403|L",
    ),
    r("GET", "/audit", "audit-trail", "403|200|403|403|403|200|L"),
    r(
        "GET",
        "/assets/{*path}",
        "assets",
        "200|200|200|200|200|200|200",
    ),
    // Any other address.
    r(
        "FALLBACK",
        "*",
        "no-such-page",
        "404|404|404|404|404|404|404",
    ),
];

/// Expected statuses of a rule: per role (own, other), and anonymous. 0 stands for L.
fn parse_expect(rule: &Rule) -> ([(u16, Option<u16>); 6], u16) {
    let parts: Vec<&str> = rule.expect.split('|').collect();
    assert_eq!(parts.len(), 7, "{}: six roles and anonymous", rule.label);
    let num = |s: &str| {
        if s.trim() == "L" {
            0
        } else {
            s.trim()
                .parse::<u16>()
                .unwrap_or_else(|_| panic!("{}: {s}", rule.label))
        }
    };
    let mut roles = [(0, None); 6];
    for (i, p) in parts[..6].iter().enumerate() {
        roles[i] = match p.split_once('/') {
            Some((a, b)) => (num(a), Some(num(b))),
            None => (num(p), None),
        };
    }
    (roles, num(parts[6]))
}

/// A concrete request of a rule, for a role (None: anonymous) on its own unit's
/// records or another unit's.
struct Call {
    method: Method,
    path: String,
    body: Body,
}

enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
    Multipart(Vec<(&'static str, String)>, Option<(String, Vec<u8>)>),
}

impl World {
    /// The client a call goes out with: the role's bearer token for the API, its cookie
    /// session for pages; a fresh session where the call ends it.
    async fn client_for(&self, rule: &Rule, who: Option<&str>) -> ApiClient {
        let api = rule.route.starts_with("/api/") || rule.route == "/healthz";
        match who {
            None => {
                if api {
                    plain(self.base())
                } else {
                    browser(self.base())
                }
            }
            Some(role) => {
                let name = ROLES.iter().find(|(r, _)| *r == role).unwrap().1;
                match rule.label {
                    "api-logout" => self.bearer_session(name).await,
                    "logout" | "lang" => self.session(name).await,
                    _ if api => self.api(name).clone(),
                    _ => self.page(name).clone(),
                }
            }
        }
    }

    async fn build(&self, rule: &Rule, who: Option<&str>, own: bool) -> Call {
        use Body::*;
        let role = who;
        let name = who.map(|r| ROLES.iter().find(|(x, _)| *x == r).unwrap().1);
        let m = |s: &str| Method::from_bytes(s.as_bytes()).unwrap();
        let call = |method: &str, path: String, body: Body| Call {
            method: m(method),
            path,
            body,
        };
        match rule.label {
            "healthz" => call("GET", "/healthz".into(), None),
            "openapi" => call("GET", "/api/v1/openapi.json".into(), None),
            "swagger" => call("GET", "/api/v1/docs".into(), None),
            "api-login" => {
                let user = name.unwrap_or("没有这个人");
                let password = if own && name.is_some() {
                    self.passwords[user].clone()
                } else {
                    "wrong-password".to_string()
                };
                call(
                    "POST",
                    "/api/v1/login".into(),
                    Json(json!({"username": user, "password": password})),
                )
            }
            "api-logout" => call("POST", "/api/v1/logout".into(), Json(json!({}))),
            "api-me" => call("GET", "/api/v1/me".into(), None),
            "api-password" => {
                let current = name.map(|n| self.passwords[n].clone()).unwrap_or_default();
                let new = if own {
                    "aaaaaaaaaaaa".to_string()
                } else {
                    current.clone()
                };
                call(
                    "POST",
                    "/api/v1/me/password".into(),
                    Json(json!({"current_password": current, "new_password": new})),
                )
            }
            "api-list" => call(
                "GET",
                format!(
                    "/api/v1/records/transfer?unit={}",
                    if own { QX } else { HJ }
                ),
                None,
            ),
            "api-create" => {
                let (kind, body) = self.unit_body(role, own);
                call("POST", format!("/api/v1/records/{kind}"), Json(body))
            }
            "api-bulk-approve" => {
                let id = self.transfer(own, St::Submitted).await;
                call(
                    "POST",
                    "/api/v1/records/transfer/bulk-approve".into(),
                    Json(json!({"ids": [id]})),
                )
            }
            "api-read" => {
                let (kind, id) = self.unit_record(role, own, St::Approved).await;
                call("GET", format!("/api/v1/records/{kind}/{id}"), None)
            }
            "api-patch" => {
                let (kind, id) = self.unit_record(role, own, St::Draft).await;
                call(
                    "PATCH",
                    format!("/api/v1/records/{kind}/{id}"),
                    Json(json!({"notes": "改一下"})),
                )
            }
            "api-delete" => {
                let (kind, id) = self.unit_record(role, own, St::Draft).await;
                call("DELETE", format!("/api/v1/records/{kind}/{id}"), None)
            }
            "api-submit" | "api-approve" | "api-reject" | "api-reopen" | "api-no-such-action" => {
                let action = rule.label.strip_prefix("api-").unwrap();
                let st = match action {
                    "submit" | "no-such-action" => St::Draft,
                    "approve" | "reject" => St::Submitted,
                    _ => St::Approved,
                };
                let (kind, id) = self.unit_record(role, own, st).await;
                call(
                    "POST",
                    format!("/api/v1/records/{kind}/{id}/{action}"),
                    Json(json!({"reason": "理由"})),
                )
            }
            "api-confirm" => {
                let id = self.transfer(own, St::Submitted).await;
                call(
                    "POST",
                    format!("/api/v1/records/transfer/{id}/confirm"),
                    Json(json!({"received_on": "2019-04-01"})),
                )
            }
            "api-withdraw" => {
                let (kind, id) = self.unit_record(role, own, St::Submitted).await;
                call(
                    "POST",
                    format!("/api/v1/records/{kind}/{id}/withdraw"),
                    Json(json!({})),
                )
            }
            "api-receipt-correct" | "api-receipt-revert" => {
                let id = self.confirmed_transfer(own).await;
                let (action, body) = if rule.label == "api-receipt-correct" {
                    ("correct-receipt", json!({"received_on": "2019-04-02"}))
                } else {
                    ("revert-receipt", json!({"reason": "凭证日期有误"}))
                };
                call(
                    "POST",
                    format!("/api/v1/records/transfer/{id}/{action}"),
                    Json(body),
                )
            }
            "api-assessment" => call("GET", "/api/v1/assessment?year=2019".into(), None),
            "api-plan" => call("GET", "/api/v1/plan".into(), None),
            "api-root" => call("GET", "/api/v1".into(), None),
            "api-unknown" => call("DELETE", "/api/v1/users/1".into(), None),

            "home" => call("GET", "/".into(), None),
            "login-form" => call("GET", "/login".into(), None),
            "login-without-form-token" => {
                let user = name.unwrap_or(QX);
                call(
                    "POST",
                    "/login".into(),
                    Form(vec![
                        ("username", user.into()),
                        ("password", self.passwords[user].clone()),
                    ]),
                )
            }
            "logout" => call("POST", "/logout".into(), Form(vec![])),
            "password-form" => call("GET", "/password".into(), None),
            "password-empty" => call(
                "POST",
                "/password".into(),
                Form(vec![("current_password", String::new())]),
            ),
            "lang" => call("GET", "/lang?to=zh&back=/".into(), None),
            "dashboard" => call("GET", "/dashboard?year=2019".into(), None),
            "leader" => call("GET", "/leader?year=2019".into(), None),
            "explain" => call(
                "GET",
                "/explain?indicator=3.1-fiscal-aid&scope=plan&year=2019".into(),
                None,
            ),
            "checklist" => call("GET", "/checklist?year=2019".into(), None),
            "assess" => call("GET", "/assess?year=2019".into(), None),
            "assess-xlsx" => call("GET", "/assess.xlsx?year=2019".into(), None),
            "checklist-xlsx" => call("GET", "/checklist.xlsx?year=2019".into(), None),
            "export-csv" => call("GET", "/export/transfer.csv?year=2019".into(), None),
            "export-xlsx" => call("GET", "/export/person.xlsx".into(), None),
            "bulletin" => call("GET", "/bulletin?month=2019-06".into(), None),
            "bulletin-xlsx" => call("GET", "/bulletin.xlsx?month=2019-06".into(), None),
            "bulletin-html" => call("GET", "/bulletin.html?month=2019-06".into(), None),
            "package" => call("GET", "/package.zip?year=2019".into(), None),
            "records-index" => call("GET", "/records".into(), None),
            "records-list" => call(
                "GET",
                format!("/records/transfer?unit={}", if own { QX } else { HJ }),
                None,
            ),
            "new-form" => {
                let (kind, _) = self.unit_body(role, own);
                call("GET", format!("/records/{kind}/new"), None)
            }
            "new-save" => {
                let (kind, body) = self.unit_body(role, own);
                call(
                    "POST",
                    format!("/records/{kind}/new"),
                    Form(World::form_of(&body)),
                )
            }
            "detail" => {
                let (kind, id) = self.unit_record(role, own, St::Approved).await;
                call("GET", format!("/records/{kind}/{id}"), None)
            }
            "edit-form" => {
                let (kind, id) = self.unit_record(role, own, St::Draft).await;
                call("GET", format!("/records/{kind}/{id}/edit"), None)
            }
            "edit-save" => {
                let (kind, id) = self.unit_record(role, own, St::Draft).await;
                let mut f = World::form_of(&self.bodies.lock().unwrap()[&id]);
                f.push(("notes", "改一下".into()));
                f.push(("version", "1".into()));
                call("POST", format!("/records/{kind}/{id}/edit"), Form(f))
            }
            "evidence-upload" => {
                let (kind, id) = self.unit_record(role, own, St::Draft).await;
                call(
                    "POST",
                    format!("/records/{kind}/{id}/evidence"),
                    Multipart(
                        vec![],
                        Some(("凭证.png".into(), b"\x89PNG evidence".to_vec())),
                    ),
                )
            }
            "evidence-download" | "evidence-view" => {
                // Evidence is attached before approval: approved records take none.
                let (kind, id) = self.unit_record(role, own, St::Submitted).await;
                let eid = self.evidence(kind, id).await;
                self.advance_from_submitted(kind, id).await;
                let view = if rule.label == "evidence-view" {
                    "/view"
                } else {
                    ""
                };
                call(
                    "GET",
                    format!("/records/{kind}/{id}/evidence/{eid}{view}"),
                    None,
                )
            }
            "page-unmask" => {
                let id = self
                    .create("person", self.person_body(own), St::Approved)
                    .await;
                call("POST", format!("/records/person/{id}/unmask"), Form(vec![]))
            }
            "page-delete"
            | "page-submit"
            | "page-approve"
            | "page-reject"
            | "page-reopen"
            | "page-no-such-action" => {
                let action = rule.label.strip_prefix("page-").unwrap();
                let st = match action {
                    "delete" | "submit" | "no-such-action" => St::Draft,
                    "approve" | "reject" => St::Submitted,
                    _ => St::Approved,
                };
                let (kind, id) = self.unit_record(role, own, st).await;
                call(
                    "POST",
                    format!("/records/{kind}/{id}/{action}"),
                    Form(vec![("reason", "理由".into())]),
                )
            }
            "api-dispute" | "page-dispute" => {
                let (kind, id) = self.naming_record(role, own).await;
                let path = format!("/records/{kind}/{id}/dispute");
                if rule.label == "api-dispute" {
                    call(
                        "POST",
                        format!("/api/v1{path}"),
                        Json(json!({"reason": "理由"})),
                    )
                } else {
                    call("POST", path, Form(vec![("reason", "理由".into())]))
                }
            }
            "page-confirm" | "page-confirm-check" => {
                let id = self.transfer(own, St::Submitted).await;
                let mut form = vec![("received_on", "2019-04-01".to_string())];
                if rule.label == "page-confirm" {
                    form.push(("step", "commit".into()));
                }
                call(
                    "POST",
                    format!("/records/transfer/{id}/confirm"),
                    Form(form),
                )
            }
            "page-withdraw" => {
                let (kind, id) = self.unit_record(role, own, St::Submitted).await;
                call(
                    "POST",
                    format!("/records/{kind}/{id}/withdraw"),
                    Form(vec![]),
                )
            }
            "page-receipt-correct" | "page-receipt-revert" => {
                let id = self.confirmed_transfer(own).await;
                let (action, form) = if rule.label == "page-receipt-correct" {
                    (
                        "correct-receipt",
                        vec![
                            ("received_on", "2019-04-02".to_string()),
                            ("step", "commit".into()),
                        ],
                    )
                } else {
                    (
                        "revert-receipt",
                        vec![("reason", "凭证日期有误".to_string())],
                    )
                };
                call(
                    "POST",
                    format!("/records/transfer/{id}/{action}"),
                    Form(form),
                )
            }
            "review-queue" => call("GET", "/review".into(), None),
            "review-bulk" => {
                let id = self.transfer(own, St::Submitted).await;
                call(
                    "POST",
                    "/review".into(),
                    Form(vec![("ids", id.to_string())]),
                )
            }
            "review-approve" | "review-reject" | "review-no-such-action" => {
                let action = rule.label.strip_prefix("review-").unwrap();
                let id = self.transfer(own, St::Submitted).await;
                call(
                    "POST",
                    format!("/review/{id}/{action}"),
                    Form(vec![("reason", "理由".into())]),
                )
            }
            "review-batch-approve" | "review-batch-reject" => {
                let action = rule.label.strip_prefix("review-batch-").unwrap();
                let id = self.import_batch().await;
                call(
                    "POST",
                    format!("/review/batches/{id}/{action}"),
                    Form(vec![("reason", "理由".into())]),
                )
            }
            "review-matching" => {
                self.transfer(own, St::Submitted).await;
                call(
                    "POST",
                    "/review/matching".into(),
                    Form(vec![
                        ("action", "approve".into()),
                        ("kind", "transfer".into()),
                    ]),
                )
            }
            "api-batch-summary" => {
                let id = self.import_batch().await;
                call("GET", format!("/api/v1/batches/{id}"), None)
            }
            "api-batch-approve" | "api-batch-no-such-action" => {
                let action = rule.label.strip_prefix("api-batch-").unwrap();
                let id = self.import_batch().await;
                call(
                    "POST",
                    format!("/api/v1/batches/{id}/{action}"),
                    Json(json!({})),
                )
            }
            "notices-page" => call("GET", "/notices".into(), None),
            "notices-chase" => call("POST", "/notices/chase".into(), Form(vec![])),
            "api-notices" => call("GET", "/api/v1/notices".into(), None),
            "api-chase" => call("POST", "/api/v1/reminders/chase".into(), Json(json!({}))),
            "import-form" => call("GET", "/import".into(), None),
            "import-upload" => {
                let (kind, csv) = self.import_csv(role, own);
                let n = self.next();
                call(
                    "POST",
                    "/import".into(),
                    Multipart(
                        vec![("kind", kind.into())],
                        Some((format!("上传{n}.csv"), csv.into_bytes())),
                    ),
                )
            }
            "import-confirm" => {
                // Own: the caller's own checked upload. Other: somebody else's, whose
                // confirmation token is bound to that user.
                let importer = match role {
                    Some("coordinator") => COORD,
                    Some("receiver") => ZX,
                    _ => QX,
                };
                let shape = if importer == ZX {
                    Some("receiver")
                } else {
                    Some("reporter")
                };
                let previewer = if own {
                    importer
                } else if importer == COORD {
                    QX
                } else {
                    COORD
                };
                let (kind, csv) = self.import_csv(shape, true);
                let f = self.import_preview(previewer, kind, csv).await;
                call("POST", "/import/confirm".into(), Form(f))
            }
            "import-report" => {
                // Own: the report of the caller's own refused upload. Other: the link of
                // somebody else's, whose token is bound to that user.
                let importer = match role {
                    Some("coordinator") => COORD,
                    Some("receiver") => ZX,
                    _ => QX,
                };
                let shape = if importer == ZX {
                    Some("receiver")
                } else {
                    Some("reporter")
                };
                let uploader = if own {
                    importer
                } else if importer == COORD {
                    QX
                } else {
                    COORD
                };
                let (kind, csv) = self.import_csv(shape, true);
                // A refused file: the amount column holds no number.
                let bad = csv.replace(",1000,", ",一千,");
                call("GET", self.report_link(uploader, kind, bad).await, None)
            }
            "import-template" => call("GET", "/import/template/transfer.xlsx".into(), None),
            "admin-users" => call("GET", "/admin/users".into(), None),
            "admin-create-user" => call(
                "POST",
                "/admin/users".into(),
                Form(vec![
                    ("username", format!("新用户{}", self.next())),
                    ("role", "viewer".into()),
                ]),
            ),
            "admin-import-users" => {
                let n = self.next();
                let csv = format!("用户名,角色,单位\n导入用户{n},reporter,{QX}\n");
                call(
                    "POST",
                    "/admin/users/import".into(),
                    Multipart(vec![], Some((format!("用户{n}.csv"), csv.into_bytes()))),
                )
            }
            "admin-disable"
            | "admin-enable"
            | "admin-reset"
            | "admin-role"
            | "admin-no-such-action" => {
                let action = rule.label.strip_prefix("admin-").unwrap();
                let id = self.user_id(SPARE).await;
                call(
                    "POST",
                    format!("/admin/users/{id}/{action}"),
                    Form(vec![("role", "reporter".into()), ("unit", QX.into())]),
                )
            }
            "admin-plan" => call("GET", "/admin/plan".into(), None),
            "plans-page" => call("GET", "/plans".into(), None),
            "plans-choose" => call(
                "POST",
                "/plans".into(),
                Form(vec![("plan", "dongguan-zhaotong-2018-2020".into())]),
            ),
            "plan-history" => call("GET", "/admin/plan/history".into(), None),
            "plan-file" => call("GET", "/admin/plan/plan.xlsx".into(), None),
            "plan-update" => call(
                "POST",
                "/admin/plan/update".into(),
                Multipart(
                    vec![],
                    Some((
                        "计划.toml".into(),
                        duikou_domain::plan::BUNDLED_PLAN.as_bytes().to_vec(),
                    )),
                ),
            ),
            "plan-confirm" => call(
                "POST",
                "/admin/plan/confirm".into(),
                Form(vec![
                    ("sha", "0".repeat(64)),
                    ("token", "forged".into()),
                    ("from_version", "1".into()),
                ]),
            ),
            "audit-trail" => call("GET", "/audit".into(), None),
            "assets" => call("GET", "/assets/app.css".into(), None),
            "no-such-page" => call("GET", "/records-nowhere/../etc/passwd".into(), None),
            other => panic!("no request for rule {other}"),
        }
    }

    async fn send(&self, c: &ApiClient, call: Call) -> Resp {
        let rb = c.request(call.method, &call.path);
        let rb = match call.body {
            Body::None => rb,
            Body::Json(v) => rb.json(&v),
            Body::Form(pairs) => {
                let mut all: Vec<(&str, String)> = vec![(
                    "csrf_token",
                    c.csrf.clone().unwrap_or_else(|| "no-session".into()),
                )];
                all.extend(pairs);
                rb.form(&all)
            }
            Body::Multipart(fields, file) => {
                let mut f = multipart::Form::new().text(
                    "csrf_token",
                    c.csrf.clone().unwrap_or_else(|| "no-session".into()),
                );
                for (k, v) in fields {
                    f = f.text(k, v);
                }
                if let Some((name, bytes)) = file {
                    f = f.part("file", multipart::Part::bytes(bytes).file_name(name));
                }
                rb.multipart(f)
            }
        };
        ApiClient::send(rb).await
    }
}

async fn authorization_matrix(w: &World) {
    // Every route has a rule, and every rule a route.
    let routes = scanned_routes();
    assert!(
        routes.len() >= 40,
        "the scanner found too few routes: {routes:?}"
    );
    let missing: Vec<_> = routes
        .iter()
        .filter(|(m, p)| !RULES.iter().any(|r| r.method == m && r.route == p))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a rule in the authorization matrix: {missing:?}"
    );
    let stale: Vec<_> = RULES
        .iter()
        .filter(|r| !routes.iter().any(|(m, p)| r.method == m && r.route == p))
        .map(|r| (r.method, r.route))
        .collect();
    assert!(
        stale.is_empty(),
        "rules for routes that no longer exist: {stale:?}"
    );

    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in RULES {
        let (roles, anon) = parse_expect(rule);
        let mut cells: Vec<(Option<&str>, bool, u16)> = Vec::new();
        for (i, (role, _)) in ROLES.iter().enumerate() {
            let (own, other) = roles[i];
            cells.push((Some(role), true, own));
            cells.push((Some(role), false, other.unwrap_or(own)));
        }
        cells.push((None, true, anon));
        for (who, own, want) in cells {
            let c = w.client_for(rule, who).await;
            let call = w.build(rule, who, own).await;
            let path = call.path.clone();
            let r = w.send(&c, call).await;
            checked += 1;
            let api = rule.route.starts_with("/api/");
            let ok = if want == 0 {
                if api {
                    r.status == 401 && r.body["error"] == "unauthorized"
                } else {
                    r.status == 303
                        && r.header("location")
                            .is_some_and(|l| l.starts_with("/login"))
                }
            } else if rule.label == "logout" && who.is_some() {
                // Signing out also lands on /login: the session cookie must be cleared.
                r.status == want
                    && r.headers.get_all("set-cookie").iter().any(|v| {
                        v.to_str().is_ok_and(|v| {
                            v.starts_with("duikou_session=;") && v.contains("Max-Age=0")
                        })
                    })
            } else {
                r.status == want
                    && !(r.status == 303
                        && who.is_some()
                        && r.header("location")
                            .is_some_and(|l| l.starts_with("/login")))
            };
            if !ok {
                failures.push(format!(
                    "{} {} [{}] as {} ({}): expected {}, got {} {:?} {}",
                    rule.method,
                    rule.route,
                    rule.label,
                    who.unwrap_or("anonymous"),
                    if own { "own unit" } else { "other unit" },
                    if want == 0 {
                        "sign-in".to_string()
                    } else {
                        want.to_string()
                    },
                    r.status,
                    r.header("location"),
                    path
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // CSRF, from the same list: every route that changes something, sent from a browser
    // session of a role that may use it but with a forged token (pages) or without the
    // X-CSRF-Token header (API over the cookie), is refused with 403.
    let mut csrf_checked = 0;
    for rule in RULES
        .iter()
        .filter(|r| !matches!(r.method, "GET" | "ANY" | "FALLBACK"))
    {
        if matches!(rule.label, "api-login" | "login-without-form-token") {
            continue; // no session yet: the sign-in form has its own double-submit token
        }
        let (roles, _) = parse_expect(rule);
        let Some(i) = roles.iter().position(|(own, _)| (200..400).contains(own)) else {
            continue;
        };
        let role = ROLES[i].0;
        let name = ROLES[i].1;
        let call = w.build(rule, Some(role), true).await;
        let mut c = w.session(name).await;
        c.csrf = Some("forged-token".into());
        let path = call.path.clone();
        let r = w.send(&c, call).await;
        csrf_checked += 1;
        if r.status != 403 {
            failures.push(format!(
                "{} {} [{}] as {role} with a forged CSRF token: {} {path}",
                rule.method, rule.route, rule.label, r.status
            ));
        }
        if rule.route.starts_with("/api/") {
            assert_eq!(r.body["error"], "csrf", "{}: {}", rule.label, r.text);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "authorization matrix: {} routes, {} rules, {checked} requests (6 roles × own/other unit + anonymous); CSRF refused on {csrf_checked} changing routes",
        routes.len(),
        RULES.len()
    );
}

// ------------------------------------------------------------------ cross-unit attempts

async fn cross_unit_attempts(w: &World) {
    let qx = w.api(QX);
    let zx = w.api(ZX);
    let yl = w.api(YL);
    let viewer = w.api(VIEWER);
    let coord = w.coord();

    // Guessed IDs: another unit's record answers exactly like one that does not exist.
    let other = w.transfer(false, St::Draft).await;
    let other_approved = w.transfer(false, St::Submitted).await;
    let other_eid = w.evidence("transfer", other_approved).await;
    w.advance_from_submitted("transfer", other_approved).await;
    let own = w.transfer(true, St::Draft).await;
    let missing = 9_000_000_000_i64;
    for (method, suffix, body) in [
        (Method::GET, "", None),
        (Method::PATCH, "", Some(json!({"purpose": "x"}))),
        (Method::DELETE, "", None),
        (Method::POST, "/submit", Some(json!({}))),
        (
            Method::POST,
            "/confirm",
            Some(json!({"received_on": "2019-04-01"})),
        ),
    ] {
        let send = |id: i64| {
            let mut rb = qx.request(
                method.clone(),
                &format!("/api/v1/records/transfer/{id}{suffix}"),
            );
            if let Some(b) = &body {
                rb = rb.json(b);
            }
            ApiClient::send(rb)
        };
        let a = send(other).await;
        let b = send(missing).await;
        assert_eq!(
            (a.status, &a.body),
            (404, &b.body),
            "{method} …{suffix}: another unit's record must look absent"
        );
    }
    // Every id of every kind, guessed in turn: only the reporter's own come back.
    let max = own + 5;
    for kind in ["transfer", "project", "person", "activity"] {
        for id in 1..=max {
            let r = qx.get(&format!("/api/v1/records/{kind}/{id}")).await;
            if r.status == 200 {
                assert_eq!(
                    r.body["reporting_unit"], QX,
                    "{kind}/{id} leaked: {}",
                    r.text
                );
            } else {
                assert_eq!(r.status, 404, "{kind}/{id}: {}", r.text);
            }
        }
    }
    // The list, filtered to another unit or searched for its voucher, shows nothing of it.
    for q in [
        format!("?unit={HJ}"),
        "?q=M-".to_string(),
        "?per_page=500".to_string(),
    ] {
        let r = qx.get(&format!("/api/v1/records/transfer{q}")).await;
        expect(&r, 200);
        for item in r.body["items"].as_array().unwrap() {
            assert_eq!(item["reporting_unit"], QX, "{q}: {item}");
        }
    }
    // An evidence file of another unit's record, through one's own record: 404.
    let own_approved = w.transfer(true, St::Approved).await;
    let r = w
        .page(QX)
        .get(&format!(
            "/records/transfer/{own_approved}/evidence/{other_eid}"
        ))
        .await;
    expect(&r, 404);
    let r = w
        .page(QX)
        .get(&format!(
            "/records/transfer/{other_approved}/evidence/{other_eid}"
        ))
        .await;
    expect(&r, 404);

    // A reporter may not move its record to another town: payer, reporting unit, or both.
    let id = own;
    for change in [
        json!({"payer": HJ}),
        json!({"reporting_unit": HJ}),
        json!({"payer": HJ, "reporting_unit": HJ}),
    ] {
        let r = qx
            .patch(&format!("/api/v1/records/transfer/{id}"), &change)
            .await;
        assert_eq!(r.status, 403, "{change}: {}", r.text);
        assert_eq!(r.body["error"], "forbidden");
    }
    let mut f = World::form_of(&w.bodies.lock().unwrap()[&id]);
    f.retain(|(k, _)| *k != "payer");
    f.push(("payer", HJ.into()));
    f.push(("version", "1".into()));
    let r = page_post(w.page(QX), &format!("/records/transfer/{id}/edit"), &f).await;
    expect(&r, 403);
    let after = qx.get(&format!("/api/v1/records/transfer/{id}")).await;
    assert_eq!(
        (
            after.body["fields"]["payer"].as_str(),
            after.body["version"].as_i64()
        ),
        (Some(QX), Some(1)),
        "unchanged"
    );
    // Nor report for another unit in the first place, under any kind's unit field.
    for (kind, body) in [
        ("transfer", w.transfer_body(false)),
        (
            "activity",
            json!({"kind": "义诊", "title": "义诊", "held_on": "2019-05-01", "organizers": HJ}),
        ),
        (
            "secondment",
            json!({"name": "张三", "category": "教师", "direction": "东莞→昭通", "from_unit": HJ, "to_unit": ZX, "start_on": "2019-03-01"}),
        ),
        (
            "pairing",
            json!({"kind": "村村结对", "east_party": "甲村", "east_town": HJ, "west_party": "乙村", "west_county": YL, "signed_on": "2019-03-01"}),
        ),
        ("person", {
            let mut p = w.person_body(false);
            p["reporting_unit"] = json!(HJ);
            p
        }),
    ] {
        let r = qx.post(&format!("/api/v1/records/{kind}"), &body).await;
        assert_eq!(r.status, 403, "{kind} for 黄江镇: {}", r.text);
    }
    // A reporter may not enter the receipt date either: the payee confirms it.
    let mut b = w.transfer_body(true);
    b["received_on"] = json!("2019-04-01");
    expect(&qx.post("/api/v1/records/transfer", &b).await, 403);

    // A county confirming a transfer paid to another county.
    let to_yl = w.transfer(false, St::Submitted).await;
    expect(
        &zx.post(
            &format!("/api/v1/records/transfer/{to_yl}/confirm"),
            &json!({"received_on": "2019-04-01"}),
        )
        .await,
        404,
    );
    // …even one it can see because it is the reporting unit.
    let mut b = w.transfer_body(false);
    b["reporting_unit"] = json!(ZX);
    let seen = w.create("transfer", b, St::Submitted).await;
    expect(
        &zx.get(&format!("/api/v1/records/transfer/{seen}")).await,
        200,
    );
    let r = zx
        .post(
            &format!("/api/v1/records/transfer/{seen}/confirm"),
            &json!({"received_on": "2019-04-01"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = page_post(
        w.page(ZX),
        &format!("/records/transfer/{seen}/confirm"),
        &[("received_on", "2019-04-01".into())],
    )
    .await;
    expect(&r, 403);
    // 彝良县, the payee, may; 镇雄县's own transfer stays out of its reach.
    expect(
        &yl.post(
            &format!("/api/v1/records/transfer/{seen}/confirm"),
            &json!({"received_on": "2019-04-01"}),
        )
        .await,
        200,
    );
    let to_zx = w.transfer(true, St::Submitted).await;
    expect(
        &yl.post(
            &format!("/api/v1/records/transfer/{to_zx}/confirm"),
            &json!({"received_on": "2019-04-01"}),
        )
        .await,
        404,
    );
    let unconfirmed = coord
        .get(&format!("/api/v1/records/transfer/{to_zx}"))
        .await;
    assert!(
        unconfirmed.body["fields"]
            .get("received_on")
            .is_none_or(Value::is_null),
        "{}",
        unconfirmed.text
    );

    // A viewer posting, anywhere.
    expect(
        &viewer
            .post("/api/v1/records/transfer", &w.transfer_body(true))
            .await,
        403,
    );
    let approved = w.transfer(true, St::Approved).await;
    expect(
        &viewer
            .patch(
                &format!("/api/v1/records/transfer/{approved}"),
                &json!({"purpose": "x"}),
            )
            .await,
        403,
    );
    expect(
        &viewer
            .post(
                &format!("/api/v1/records/transfer/{approved}/reopen"),
                &json!({"reason": "x"}),
            )
            .await,
        403,
    );
    expect(
        &viewer
            .post(
                "/api/v1/records/transfer/bulk-approve",
                &json!({"ids": [approved]}),
            )
            .await,
        403,
    );
    expect(
        &page_post(
            w.page(VIEWER),
            "/records/transfer/new",
            &World::form_of(&w.transfer_body(true)),
        )
        .await,
        403,
    );

    // An approved (or submitted) record cannot be edited or deleted through the API: 409,
    // for its own unit and for the coordinator alike, and it stays as it was.
    let submitted = w.transfer(true, St::Submitted).await;
    for id in [approved, submitted] {
        for who in [qx, coord] {
            let r = who
                .patch(
                    &format!("/api/v1/records/transfer/{id}"),
                    &json!({"purpose": "改过"}),
                )
                .await;
            assert_eq!(
                (r.status, r.body["error"].as_str()),
                (409, Some("conflict")),
                "{}",
                r.text
            );
            expect(
                &who.delete(&format!("/api/v1/records/transfer/{id}")).await,
                409,
            );
        }
        let mut f = World::form_of(&w.bodies.lock().unwrap()[&id]);
        f.push(("purpose", "改过".into()));
        expect(
            &page_post(w.page(QX), &format!("/records/transfer/{id}/edit"), &f).await,
            409,
        );
        let r = coord.get(&format!("/api/v1/records/transfer/{id}")).await;
        assert_eq!(r.body["fields"]["purpose"], "产业帮扶");
    }
    // Reopened by the coordinator (with a reason), it is a draft the town may change again.
    expect(
        &coord
            .post(
                &format!("/api/v1/records/transfer/{approved}/reopen"),
                &json!({"reason": "更正"}),
            )
            .await,
        200,
    );
    expect(
        &qx.patch(
            &format!("/api/v1/records/transfer/{approved}"),
            &json!({"purpose": "改过"}),
        )
        .await,
        200,
    );

    // Personal data: the reporting town and the coordinator unmask (audited); the
    // county, the viewer and the auditor do not.
    let person = w.create("person", w.person_body(true), St::Approved).await;
    let plain = w.bodies.lock().unwrap()[&person]["id_number"]
        .as_str()
        .unwrap()
        .to_string();
    let masked = qx.get(&format!("/api/v1/records/person/{person}")).await;
    assert!(!masked.text.contains(&plain), "masked by default");
    for name in [ZX, VIEWER, AUDITOR] {
        let r = w
            .api(name)
            .get(&format!("/api/v1/records/person/{person}?unmask=1"))
            .await;
        // The viewer gets no person records at all: the record looks absent.
        let refused = if name == VIEWER { 404 } else { 403 };
        assert_eq!(r.status, refused, "{name}: {}", r.text);
        assert!(!r.text.contains(&plain));
        let page = w.page(name).get(&format!("/records/person/{person}")).await;
        assert!(
            !page.text.contains(&plain),
            "{name} sees the number on the page"
        );
    }
    let r = qx
        .get(&format!("/api/v1/records/person/{person}?unmask=1"))
        .await;
    assert_eq!(r.body["fields"]["id_number"], plain.as_str());
    let unmasks = w.count(&format!("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'personal_data.unmask' AND entity_id = '{person}' AND actor = '{QX}'")).await;
    assert_eq!(unmasks, 1, "the unmasked read is in the audit trail");
    let leaks = w.count(&format!("SELECT COUNT(*) AS n FROM audit_log WHERE COALESCE(after, '') LIKE '%{plain}%' OR COALESCE(before, '') LIKE '%{plain}%'")).await;
    assert_eq!(leaks, 0, "the audit trail never holds the number");
    let stored = w.count(&format!("SELECT COUNT(*) AS n FROM record WHERE data LIKE '%{plain}%' OR COALESCE(id_masked, '') LIKE '%{plain}%' OR COALESCE(natural_key, '') LIKE '%{plain}%'")).await;
    assert_eq!(stored, 0, "the number is stored encrypted only");
    let audit = w.page(AUDITOR).get("/audit").await;
    expect(&audit, 200);
    assert!(!audit.text.contains(&plain));
}

// ------------------------------------------------------------------ XSS

/// Script that would run if any page put it into the HTML unescaped, in an element, in
/// an attribute (either quote) or in a URL.
const XSS: &str = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>javascript:alert(3)";

/// No executable trace of the payload; and (when `rendered`) its escaped form present.
#[track_caller]
fn assert_inert(what: &str, html: &str, rendered: bool) {
    for raw in [
        "<script>alert(1)",
        "<img src=x",
        "onerror=alert(2)>",
        "\"'><img",
    ] {
        assert!(
            !html.contains(raw),
            "{what}: the payload came back unescaped ({raw})"
        );
    }
    assert!(
        !html.contains("href=\"javascript:"),
        "{what}: a javascript: link"
    );
    if rendered {
        // Shown as text: present once the entities are decoded.
        let decoded = html
            .replace("&#60;", "<")
            .replace("&lt;", "<")
            .replace("&#62;", ">")
            .replace("&gt;", ">")
            .replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        assert!(
            decoded.contains("<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"),
            "{what}: the payload is not shown at all"
        );
    }
}

/// One record of each kind with the payload in every free-text field.
async fn xss_records(w: &World) -> Vec<(&'static str, i64, &'static str)> {
    let n = w.next();
    let p = |s: &str| format!("{XSS}{s}");
    let bodies = vec![
        (
            "transfer",
            json!({"source": "镇街财政", "payer": QX, "payee": ZX, "amount": "1000", "budget_year": 2019, "sent_on": "2019-03-15",
            "voucher_no": p(&format!("-{n}")), "purpose": p(""), "notes": p("")}),
        ),
        (
            "project",
            json!({"name": p(""), "county": ZX, "category": "校舍", "aid_amount": "1000", "started_on": "2019-05-01", "notes": p("")}),
        ),
        (
            "activity",
            json!({"kind": "义诊", "title": p(""), "held_on": "2019-05-01", "place": p(""), "organizers": QX, "notes": p("")}),
        ),
        (
            "secondment",
            json!({"name": p(""), "category": "教师", "rank": p(""), "direction": "东莞→昭通", "from_unit": QX, "to_unit": ZX, "post": p(""), "start_on": "2019-03-01"}),
        ),
        ("person", {
            let mut b = w.person_body(true);
            b["name"] = json!(p(""));
            b["organisation"] = json!(p(""));
            b
        }),
        (
            "pairing",
            json!({"kind": "村村结对", "east_party": p(""), "east_town": QX, "west_party": p(""), "west_county": ZX, "signed_on": "2019-03-01"}),
        ),
        (
            "facility",
            json!({"kind": "劳务工作站", "name": p(""), "county": ZX, "established_on": "2019-03-01", "reporting_unit": QX}),
        ),
        (
            "purchase",
            json!({"buyer": p(""), "origin_county": ZX, "product": p(""), "amount": "100", "bought_on": "2019-03-01", "reporting_unit": QX}),
        ),
        (
            "donation",
            json!({"donor": p(""), "donor_type": "企业", "amount": "100", "county": ZX, "donated_on": "2019-03-01", "reporting_unit": QX}),
        ),
    ];
    let mut out = Vec::new();
    for (kind, body) in bodies {
        // A hostile town (or county, for projects) enters them.
        let who = if kind == "project" { ZX } else { QX };
        let r = w
            .api(who)
            .post(&format!("/api/v1/records/{kind}"), &body)
            .await;
        expect(&r, 201);
        let id = r.body["id"].as_i64().unwrap();
        // The JSON API returns the text as given (JSON, never HTML).
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/json"))
        );
        out.push((kind, id, who));
    }
    out
}

async fn xss_payloads_are_inert(w: &World) {
    let records = xss_records(w).await;
    let qx = w.page(QX);
    let coord = w.page(COORD);
    for (kind, id, who) in &records {
        // As its own unit sees it (with the edit form) and as the coordinator does.
        for (viewer, path) in [
            (*who, format!("/records/{kind}/{id}")),
            (*who, format!("/records/{kind}/{id}/edit")),
            (*who, format!("/records/{kind}")),
            (COORD, format!("/records/{kind}/{id}")),
        ] {
            let r = w.page(viewer).get(&path).await;
            expect(&r, 200);
            // The list shows a shortened summary; the detail and the form the whole text.
            assert_inert(&path, &r.text, path.contains(&id.to_string()));
        }
        // Submitted and returned with a hostile reason: the reason is shown escaped too.
        expect(
            &w.api(who)
                .post(&format!("/api/v1/records/{kind}/{id}/submit"), &json!({}))
                .await,
            200,
        );
        expect(
            &w.coord()
                .post(
                    &format!("/api/v1/records/{kind}/{id}/reject"),
                    &json!({"reason": XSS}),
                )
                .await,
            200,
        );
        let r = w.page(who).get(&format!("/records/{kind}/{id}")).await;
        assert_inert("rejected record", &r.text, true);
    }
    // The review queue, the audit trail, search and the home page.
    let (kind, id, _) = records[0];
    expect(
        &w.api(QX)
            .post(&format!("/api/v1/records/{kind}/{id}/submit"), &json!({}))
            .await,
        200,
    );
    for path in ["/review", "/audit", "/"] {
        let r = coord.get(path).await;
        expect(&r, 200);
        assert_inert(path, &r.text, false);
    }
    let r = qx
        .get(&format!("/records/transfer?q={}", urlencode(XSS)))
        .await;
    assert_inert("search box", &r.text, true);
    // An evidence file named with the payload.
    let r = multipart_post(
        qx,
        &format!("/records/{kind}/{id}/evidence"),
        &[],
        Some(("file", &format!("{XSS}.pdf"), b"%PDF".to_vec())),
    )
    .await;
    assert!(r.status == 303 || r.status == 422, "{}", r.status);
    let r = qx.get(&format!("/records/{kind}/{id}")).await;
    assert_inert("evidence name", &r.text, false);
    // An import file: its cells in the preview, its values in the error report.
    let csv = format!(
        "source,payer,payee,amount,budget_year,sent_on,voucher_no,purpose\n镇街财政,{QX},{ZX},1000,2019,2019-03-15,V-{},\"{}\"\n",
        w.next(),
        XSS.replace('"', "\"\"")
    );
    let r = multipart_post(
        qx,
        "/import",
        &[("kind", "transfer")],
        Some(("file", "x.csv", csv.into_bytes())),
    )
    .await;
    expect(&r, 200);
    assert_inert("import preview", &r.text, true);
    let csv = format!(
        "source,payer,payee,amount,budget_year,sent_on,voucher_no\n镇街财政,{QX},{ZX},\"{}\",2019,2019-03-15,V-{}\n",
        XSS.replace('"', "\"\""),
        w.next()
    );
    let r = multipart_post(
        qx,
        "/import",
        &[("kind", "transfer")],
        Some(("file", &format!("{XSS}.csv"), csv.into_bytes())),
    )
    .await;
    expect(&r, 422);
    assert_inert("import error report", &r.text, false);
    // A user name (administration page), the sign-in page's `next`, an unknown address.
    let short = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
    let r = page_post(
        w.page(ADMIN),
        "/admin/users",
        &[("username", short.into()), ("role", "viewer".into())],
    )
    .await;
    expect(&r, 200);
    assert_inert("new user", &r.text, true);
    let r = browser(w.base())
        .get(&format!("/login?next={}", urlencode(&format!("/{XSS}"))))
        .await;
    assert_inert("login next", &r.text, false);
    let r = browser(w.base())
        .get(&format!("/login?next={}", urlencode("javascript:alert(1)")))
        .await;
    assert!(
        !r.text.contains("value=\"javascript:"),
        "next is a local path only"
    );
    let r = qx.get(&format!("/{}", urlencode(XSS))).await;
    expect(&r, 404);
    assert_inert("404 page", &r.text, false);
    // Every HTML answer forbids inline script anyway.
    assert!(
        r.header("content-security-policy")
            .is_some_and(|c| c.contains("script-src 'self'") && !c.contains("unsafe-inline"))
    );
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

// ------------------------------------------------------------------ sign-in

async fn login(c: &ApiClient, user: &str, password: &str) -> Resp {
    c.post(
        "/api/v1/login",
        &json!({"username": user, "password": password}),
    )
    .await
}

async fn add_user(w: &World, role: &str) -> (String, String) {
    let name = format!("用户{}", w.next());
    let r = page_post(
        w.page(ADMIN),
        "/admin/users",
        &[
            ("username", name.clone()),
            ("role", role.into()),
            (
                "unit",
                if role == "reporter" {
                    QX.into()
                } else {
                    String::new()
                },
            ),
        ],
    )
    .await;
    expect(&r, 200);
    // The initial password is shown once on the page.
    let at = r
        .text
        .find("id=\"initial-password\">")
        .expect("the initial password")
        + 22;
    let pw = r.text[at..].split('<').next().unwrap().trim().to_string();
    assert_eq!(pw.len(), 16, "{pw}");
    (name, pw)
}

async fn lockout_backs_off_and_counts_parallel_guesses(w: &World) {
    let anon = plain(w.base());
    let (name, pw) = add_user(w, "viewer").await;
    expect(&login(&anon, &name, &pw).await, 200);

    // Five failures, then locked even for the right password, for at most 30 seconds.
    for i in 0..5 {
        let r = login(&anon, &name, &format!("wrong-{i}")).await;
        assert_eq!(
            (r.status, r.body["error"].as_str()),
            (401, Some("invalid_login"))
        );
    }
    let r = login(&anon, &name, &pw).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (429, Some("locked")),
        "{}",
        r.text
    );
    let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    // Back-off: each failure after the lock has passed doubles the wait.
    let mut last = 30;
    for _ in 0..3 {
        w.sql(&format!("UPDATE app_user SET locked_until = '2000-01-01T00:00:00.000000Z' WHERE username = '{name}'")).await;
        expect(&login(&anon, &name, "wrong-again").await, 401);
        let r = login(&anon, &name, &pw).await;
        expect(&r, 429);
        let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!(
            retry > last && retry <= 2 * last,
            "back-off: {retry} after {last}"
        );
        last *= 2;
    }
    // Other accounts are unaffected; when the wait is over the right password works and
    // the count starts again.
    expect(&login(&anon, QX, &w.passwords[QX]).await, 200);
    w.sql(&format!(
        "UPDATE app_user SET locked_until = '2000-01-01T00:00:00.000000Z' WHERE username = '{name}'"
    ))
    .await;
    expect(&login(&anon, &name, &pw).await, 200);
    assert_eq!(
        w.count(&format!(
            "SELECT CAST(failed_logins AS BIGINT) AS n FROM app_user WHERE username = '{name}'"
        ))
        .await,
        0
    );

    // Parallel guessing: 24 wrong passwords at once are still only five tries.
    let (name, pw) = add_user(w, "viewer").await;
    let guesses = (0..24).map(|i| {
        let c = plain(w.base());
        let name = name.clone();
        tokio::spawn(async move { login(&c, &name, &format!("guess-{i}")).await.status })
    });
    let mut statuses = Vec::new();
    for g in guesses {
        statuses.push(g.await.unwrap());
    }
    let tried = statuses.iter().filter(|s| **s == 401).count();
    println!(
        "parallel guessing: {tried} of {} guesses checked, the rest refused as locked",
        statuses.len()
    );
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        tried <= 5,
        "{tried} guesses were checked in parallel; at most 5 may be: {statuses:?}"
    );
    expect(&login(&anon, &name, &pw).await, 429);
    assert!(
        w.count(&format!(
            "SELECT CAST(failed_logins AS BIGINT) AS n FROM app_user WHERE username = '{name}'"
        ))
        .await
            >= 5
    );

    // The sign-in page counts the same failures.
    let (name, _) = add_user(w, "viewer").await;
    for _ in 0..5 {
        let r = page_login(w.base(), &name, "wrong").await.0;
        expect(&r, 401);
    }
    expect(&page_login(w.base(), &name, "wrong").await.0, 429);
}

/// Sign in through the page form (with its pre-login token); the answer and the client.
async fn page_login(base: &str, user: &str, password: &str) -> (Resp, ApiClient) {
    let b = browser(base);
    let f = b.get("/login").await;
    expect(&f, 200);
    let token = hidden(&f.text, "csrf_token").unwrap();
    let r = form(
        &b,
        "/login",
        &[
            ("csrf_token", token),
            ("next", "/".into()),
            ("username", user.into()),
            ("password", password.into()),
        ],
    )
    .await;
    (r, b)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn no_user_enumeration(w: &World) {
    let anon = plain(w.base());
    // Messages: an unknown name, a wrong password and a disabled account get one answer.
    let (disabled, dpw) = add_user(w, "viewer").await;
    let id = w.user_id(&disabled).await;
    expect(
        &page_post(w.page(ADMIN), &format!("/admin/users/{id}/disable"), &[]).await,
        303,
    );
    let wrong = login(&anon, HJ, "not-the-password").await;
    let unknown = login(&anon, "没有这个人", "not-the-password").await;
    let off = login(&anon, &disabled, &dpw).await;
    for r in [&wrong, &unknown, &off] {
        assert_eq!((r.status, &r.body), (401, &unknown.body), "{}", r.text);
        assert_eq!(
            r.header("www-authenticate"),
            unknown.header("www-authenticate")
        );
    }
    // The page says the same for each (but for the name it echoes back).
    let pages = [
        page_login(w.base(), HJ, "not-the-password").await.0,
        page_login(w.base(), "没有这个人", "not-the-password")
            .await
            .0,
        page_login(w.base(), &disabled, &dpw).await.0,
    ];
    let names = [HJ, "没有这个人", disabled.as_str()];
    // The name echoed back and the form's one-time token aside.
    let norm = |r: &Resp, n: &str| {
        let t = r.text.replace(n, "NAME");
        match hidden(&t, "csrf_token") {
            Some(token) => t.replace(&token, "TOKEN"),
            None => t,
        }
    };
    for (r, n) in pages.iter().zip(names) {
        expect(r, 401);
        assert_eq!(
            norm(r, n),
            norm(&pages[1], names[1]),
            "the sign-in page differs for {n}"
        );
    }
    // Lockout too: six failures under an unknown name lock it as they would a real one.
    let ghost = format!("幽灵{}", w.next());
    for _ in 0..5 {
        expect(&login(&anon, &ghost, "x").await, 401);
    }
    let r = login(&anon, &ghost, "x").await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (429, Some("locked")),
        "an unknown name must lock like a real one: {}",
        r.text
    );
    let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry));

    // Timing: an unknown name costs the same password hash as a wrong password. Samples
    // interleaved, four per real account (below the lockout), medians compared loosely.
    let mut real = Vec::new();
    for _ in 0..3 {
        real.push(add_user(w, "viewer").await.0);
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for round in 0..4 {
        for name in &real {
            let t = Instant::now();
            expect(&login(&anon, name, "wrong-password").await, 401);
            known.push(t.elapsed());
            let t = Instant::now();
            expect(
                &login(&anon, &format!("无此用户{round}{name}"), "wrong-password").await,
                401,
            );
            unknown.push(t.elapsed());
        }
    }
    let (k, u) = (median(known), median(unknown));
    println!("sign-in timing: wrong password {k:?}, unknown user {u:?} (medians of 12)");
    // Loose on purpose (tests run side by side): without the dummy hash an unknown
    // name answers in a millisecond or two, some 20 times faster than a wrong password.
    assert!(
        u * 3 >= k && k * 3 >= u,
        "timings differ too much: wrong password {k:?}, unknown user {u:?}"
    );
}

async fn sessions_expire_and_are_never_fixed(w: &World) {
    let pw = &w.passwords[QX];
    // The session cookie: HttpOnly, SameSite=Strict, whole site, 8 hours at most.
    let r = login(&plain(w.base()), QX, pw).await;
    let cookie = r.header("set-cookie").unwrap().to_string();
    for part in [
        "duikou_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=28800",
    ] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert_eq!(r.body["expires_in"], 28800);
    // Passwords are stored as argon2id hashes only.
    assert_eq!(
        w.count("SELECT COUNT(*) AS n FROM app_user WHERE password_hash NOT LIKE '$argon2id$%'")
            .await,
        0
    );
    assert_eq!(
        w.count(&format!(
            "SELECT COUNT(*) AS n FROM app_user WHERE password_hash LIKE '%{pw}%'"
        ))
        .await,
        0
    );
    // Tokens are stored hashed only.
    let token = r.body["token"].as_str().unwrap().to_string();
    assert_eq!(w.count(&format!("SELECT COUNT(*) AS n FROM session WHERE token_hash = '{token}' OR csrf_token = '{token}'")).await, 0);
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(token.as_bytes()))
    };
    assert_eq!(
        w.count(&format!(
            "SELECT COUNT(*) AS n FROM session WHERE token_hash = '{hash}'"
        ))
        .await,
        1
    );

    // Expiry: a session past its end is refused (and removed).
    let mut api = plain(w.base());
    api.token = Some(token.clone());
    expect(&api.get("/api/v1/plan").await, 200);
    w.sql(&format!(
        "UPDATE session SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE token_hash = '{hash}'"
    ))
    .await;
    expect(&api.get("/api/v1/plan").await, 401);
    assert_eq!(
        w.count(&format!(
            "SELECT COUNT(*) AS n FROM session WHERE token_hash = '{hash}'"
        ))
        .await,
        0
    );
    let mut b = browser(w.base());
    b.token = None;
    let r = ApiClient::send(
        b.request(Method::GET, "/records")
            .header("cookie", format!("duikou_session={token}")),
    )
    .await;
    assert!(
        r.status == 303
            && r.header("location")
                .is_some_and(|l| l.starts_with("/login"))
    );

    // Fixation: a session value chosen before sign-in is never accepted, and signing in
    // issues a fresh one.
    let planted = "a".repeat(64);
    let b = browser(w.base());
    let f = ApiClient::send(
        b.request(Method::GET, "/login")
            .header("cookie", format!("duikou_session={planted}")),
    )
    .await;
    expect(&f, 200);
    let pre = hidden(&f.text, "csrf_token").unwrap();
    let r = ApiClient::send(
        b.request(Method::POST, "/login")
            .header(
                "cookie",
                format!("duikou_session={planted}; duikou_login_csrf={pre}"),
            )
            .form(&[
                ("csrf_token", pre.as_str()),
                ("next", "/"),
                ("username", QX),
                ("password", pw.as_str()),
            ]),
    )
    .await;
    expect(&r, 303);
    let issued = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("duikou_session="))
        .expect("a new session cookie")
        .to_string();
    let fresh = issued
        .trim_start_matches("duikou_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(fresh, planted);
    assert_eq!(fresh.len(), 64);
    let with = |v: &str| {
        ApiClient::send(
            plain(w.base())
                .request(Method::GET, "/records")
                .header("cookie", format!("duikou_session={v}")),
        )
    };
    assert_eq!(with(&fresh).await.status, 200);
    assert_eq!(
        with(&planted).await.status,
        303,
        "the planted value is not a session"
    );
    // Nor is the pre-login form token, as a cookie or as a bearer token.
    assert_eq!(with(&pre).await.status, 303);
    let mut t = plain(w.base());
    t.token = Some(pre.clone());
    expect(&t.get("/api/v1/plan").await, 401);
    // An API sign-in over an existing session cookie also gets a new token.
    let r = ApiClient::send(
        plain(w.base())
            .request(Method::POST, "/api/v1/login")
            .header("cookie", format!("duikou_session={fresh}"))
            .json(&json!({"username": QX, "password": pw})),
    )
    .await;
    expect(&r, 200);
    assert_ne!(r.body["token"].as_str().unwrap(), fresh);
    // Each sign-in is its own session; signing out of one leaves the other.
    let a = w.bearer_session(QX).await;
    let b2 = w.bearer_session(QX).await;
    assert_ne!(a.token, b2.token);
    expect(&a.post("/api/v1/logout", &json!({})).await, 204);
    expect(&a.get("/api/v1/plan").await, 401);
    expect(&b2.get("/api/v1/plan").await, 200);
    // Overlong or odd tokens are refused, not failed on.
    for bad in [
        "x".repeat(5000),
        "'; DROP TABLE session; --".into(),
        "../../etc/passwd".into(),
        "%00".into(),
        String::new(),
    ] {
        let mut c = plain(w.base());
        c.token = Some(bad);
        let r = c.get("/api/v1/plan").await;
        assert!(r.status == 401 || r.status == 400, "{}", r.status);
    }
}

async fn password_change_signs_out_everywhere(w: &World) {
    let (name, initial) = add_user(w, "reporter").await;
    // Three sessions: a script's token and two browsers.
    let mut api = plain(w.base());
    let r = login(&api, &name, &initial).await;
    api.token = r.body["token"].as_str().map(str::to_string);
    let mut b1 = browser(w.base());
    b1.csrf = login(&b1, &name, &initial).await.body["csrf_token"]
        .as_str()
        .map(str::to_string);
    let b2 = browser(w.base());
    expect(&login(&b2, &name, &initial).await, 200);
    // Alive (who-am-I answers; the rest waits for the new password).
    expect(&api.get("/api/v1/me").await, 200);
    // b1 changes the password.
    let new = format!("{initial}-changed-1");
    let r = page_post(
        &b1,
        "/password",
        &[
            ("current_password", initial.clone()),
            ("new_password", new.clone()),
            ("confirm_password", new.clone()),
        ],
    )
    .await;
    expect(&r, 303);
    expect(&api.get("/api/v1/plan").await, 401);
    let r = b2.get("/records").await;
    assert!(
        r.status == 303
            && r.header("location")
                .is_some_and(|l| l.starts_with("/login")),
        "the other browser is signed out"
    );
    expect(&b1.get("/records").await, 200);
    expect(&login(&plain(w.base()), &name, &initial).await, 401);
    expect(&login(&plain(w.base()), &name, &new).await, 200);
    // An administrator's reset and disabling end every session too.
    let s = w.bearer_session_with(&name, &new).await;
    let id = w.user_id(&name).await;
    expect(
        &page_post(w.page(ADMIN), &format!("/admin/users/{id}/reset"), &[]).await,
        200,
    );
    expect(&s.get("/api/v1/plan").await, 401);
    let r = b1.get("/records").await;
    assert_eq!(r.status, 303);
    let (name2, pw2) = add_user(w, "viewer").await;
    let s = w.bearer_session_with(&name2, &pw2).await;
    let id2 = w.user_id(&name2).await;
    expect(
        &page_post(w.page(ADMIN), &format!("/admin/users/{id2}/disable"), &[]).await,
        303,
    );
    expect(&s.get("/api/v1/plan").await, 401);
    expect(&login(&plain(w.base()), &name2, &pw2).await, 401);
}

impl World {
    async fn bearer_session_with(&self, name: &str, password: &str) -> ApiClient {
        let mut c = plain(self.base());
        let r = login(&c, name, password).await;
        expect(&r, 200);
        c.token = r.body["token"].as_str().map(str::to_string);
        c
    }
}

// ------------------------------------------------------------------ hostile input

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PtConfig, TestRng, TestRunner};

/// Text meant to hurt: any Unicode, control characters, SQL and markup fragments,
/// numbers in every shape, very long strings.
fn hostile_text() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        "[\\PC]{0,40}",
        Just(String::new()),
        Just("'; DROP TABLE record; --".to_string()),
        Just("\u{0}\u{1b}[31m\r\n\t".to_string()),
        Just(XSS.to_string()),
        Just("1e309".to_string()),
        Just("-0.001".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("1,000,000.005".to_string()),
        Just("2019-02-30".to_string()),
        Just("０１２".to_string()),
        Just("清溪镇、黄江镇、没有的镇".to_string()),
        Just("530627199001011234".to_string()),
        Just("x".repeat(70_000)),
        (0i64..3000).prop_map(|n| n.to_string()),
    ]
    .boxed()
}

fn hostile_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        hostile_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A valid body of each kind, as 清溪镇 (or, for projects, 镇雄县) would send it.
fn valid_body(kind: duikou_domain::schema::RecordKind, n: u32) -> serde_json::Map<String, Value> {
    use duikou_domain::schema::BuiltinKind as K;
    let birth = time::macros::date!(1970 - 01 - 01) + time::Duration::days(n as i64 % 15000);
    let v = match kind.builtin().expect("a built-in kind") {
        K::Transfer => {
            json!({"source": "镇街财政", "payer": QX, "payee": ZX, "amount": "1000", "budget_year": 2019, "sent_on": "2019-03-15", "voucher_no": format!("P-{n}"), "purpose": "产业"})
        }
        K::Project => {
            json!({"name": format!("项目{n}"), "county": ZX, "category": "校舍", "aid_amount": "1000", "started_on": "2019-05-01"})
        }
        K::Activity => {
            json!({"kind": "义诊", "title": format!("义诊{n}"), "held_on": "2019-05-01", "organizers": QX, "participants": 10})
        }
        K::Secondment => {
            json!({"name": "张三", "category": "教师", "direction": "东莞→昭通", "from_unit": QX, "to_unit": ZX, "start_on": "2019-03-01"})
        }
        K::Person => {
            json!({"programme": "劳务就业", "name": "李四", "id_number": duikou_domain::id_number::make_valid("530627", birth, (n % 900) as u16).as_str(), "started_on": "2019-05-01"})
        }
        K::Pairing => {
            json!({"kind": "村村结对", "east_party": "甲村", "east_town": QX, "west_party": "乙村", "west_county": ZX, "signed_on": "2019-03-01"})
        }
        K::Facility => {
            json!({"kind": "劳务工作站", "name": format!("站{n}"), "county": ZX, "established_on": "2019-03-01"})
        }
        K::Purchase => {
            json!({"buyer": "食堂", "origin_county": ZX, "product": "天麻", "amount": "100", "bought_on": "2019-03-01"})
        }
        K::Donation => {
            json!({"donor": "某公司", "donor_type": "企业", "amount": "100", "county": ZX, "donated_on": "2019-03-01"})
        }
    };
    v.as_object().unwrap().clone()
}

/// A record body: usually a valid one with a few fields made hostile, removed or added
/// (so validation is reached field by field), sometimes the kind's keys (English or
/// Chinese) with anything in them.
fn hostile_record(
    kind: duikou_domain::schema::RecordKind,
) -> BoxedStrategy<serde_json::Map<String, Value>> {
    let keys: Vec<String> = kind
        .all_fields()
        .flat_map(|f| [f.key.to_string(), f.zh.to_string()])
        .chain([
            "submit".into(),
            "version".into(),
            "id".into(),
            "status".into(),
            "__proto__".into(),
        ])
        .collect();
    let key = prop::sample::select(keys);
    let value = prop_oneof![3 => hostile_json(), 1 => prop::sample::select(vec![json!("清溪镇"), json!("镇雄县"), json!("2019-03-15"), json!("1000"), json!(2019), json!("镇街财政"), json!(true)])];
    let anything = prop::collection::btree_map(key.clone(), value.clone(), 0..14)
        .prop_map(|m| m.into_iter().collect::<serde_json::Map<String, Value>>());
    let mutated = (
        any::<u32>(),
        prop::collection::vec(
            (key, prop_oneof![4 => value.prop_map(Some), 1 => Just(None)]),
            0..3,
        ),
    )
        .prop_map(move |(n, changes)| {
            let mut body = valid_body(kind, n);
            for (k, v) in changes {
                match v {
                    Some(v) => body.insert(k, v),
                    None => body.remove(&k),
                };
            }
            body
        });
    prop_oneof![3 => mutated, 1 => anything].boxed()
}

/// A value from a strategy (no shrinking: the failing input is printed whole).
fn sample<T: std::fmt::Debug>(runner: &mut TestRunner, s: &impl Strategy<Value = T>) -> T {
    s.new_tree(runner).unwrap().current()
}

#[track_caller]
fn assert_handled(what: &str, r: &Resp, allowed: &[u16], input: &dyn std::fmt::Debug) {
    let input: String = format!("{input:?}").chars().take(1500).collect();
    let text: String = r.text.chars().take(800).collect();
    assert!(
        allowed.contains(&r.status),
        "{what}: status {} for {input}\n{text}",
        r.status
    );
    assert!(
        !r.text.contains("database is locked") && !r.text.contains("panicked"),
        "{what}: {}",
        r.text
    );
    if r.status >= 400 && r.header("content-type").is_some_and(|c| c.contains("json")) {
        assert!(
            r.body["error"].is_string()
                && r.body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(" / ")),
            "{what}: a clear error: {}",
            r.text
        );
    }
}

async fn hostile_bodies_never_fail_the_server(w: &World) {
    let cases: u32 = std::env::var("DUIKOU_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let mut runner = TestRunner::new_with_rng(
        PtConfig {
            failure_persistence: None,
            ..PtConfig::default()
        },
        TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let before = w.count("SELECT COUNT(*) AS n FROM record").await;
    let mut created = 0i64;
    let clients = [(COORD, w.api(COORD)), (QX, w.api(QX)), (ZX, w.api(ZX))];

    // Record bodies through the API, as three roles.
    for i in 0..cases {
        let kind = bundled_kind(BuiltinKind::ALL[i as usize % BuiltinKind::ALL.len()]);
        let body = sample(&mut runner, &hostile_record(kind));
        let (_, c) = clients[i as usize % clients.len()];
        let r = c
            .post(
                &format!("/api/v1/records/{}", kind.key()),
                &Value::Object(body.clone()),
            )
            .await;
        assert_handled("create", &r, &[201, 403, 409, 422], &body);
        if r.status == 201 {
            created += 1;
            let back = c
                .get(&format!("/api/v1/records/{}/{}", kind.key(), r.body["id"]))
                .await;
            expect(&back, 200);
        }
        if r.status == 422 {
            assert!(
                !r.body["fields"].as_array().unwrap().is_empty(),
                "422 names the field: {}",
                r.text
            );
        }
    }
    // Raw bytes declared as JSON, and JSON of the wrong shape.
    for _ in 0..cases / 2 {
        let bytes = sample(&mut runner, &prop::collection::vec(any::<u8>(), 0..300));
        let r = ApiClient::send(
            w.coord()
                .request(Method::POST, "/api/v1/records/transfer")
                .header("content-type", "application/json")
                .body(bytes.clone()),
        )
        .await;
        assert_handled("raw body", &r, &[400, 422], &bytes);
        let v = sample(&mut runner, &hostile_json());
        let r = w.coord().post("/api/v1/records/transfer", &v).await;
        assert_handled("any JSON", &r, &[201, 400, 409, 422], &v);
        if r.status == 201 {
            created += 1;
        }
    }
    // Changes and review actions with hostile bodies, on a draft.
    let draft = w.transfer(true, St::Draft).await;
    for i in 0..cases / 2 {
        let body = sample(
            &mut runner,
            &hostile_record(bundled_kind(BuiltinKind::Transfer)),
        );
        let who = if i % 2 == 0 { w.api(QX) } else { w.coord() };
        let r = who
            .patch(
                &format!("/api/v1/records/transfer/{draft}"),
                &Value::Object(body.clone()),
            )
            .await;
        assert_handled("patch", &r, &[200, 403, 409, 422], &body);
        let action = sample(
            &mut runner,
            &prop::sample::select(vec![
                "submit", "approve", "reject", "reopen", "confirm", "frob", "..", "%2e%2e",
            ]),
        );
        let body = sample(&mut runner, &hostile_json());
        let r = w
            .coord()
            .post(&format!("/api/v1/records/transfer/{draft}/{action}"), &body)
            .await;
        assert_handled(
            "action",
            &r,
            &[200, 400, 403, 404, 409, 422],
            &(action, &body),
        );
        if r.status == 200 && action != "reopen" {
            // Keep a draft to work on.
            let now = w
                .coord()
                .get(&format!("/api/v1/records/transfer/{draft}"))
                .await;
            if now.body["status"] == "submitted" {
                let _ = w
                    .coord()
                    .post(
                        &format!("/api/v1/records/transfer/{draft}/reject"),
                        &json!({"reason": "r"}),
                    )
                    .await;
            } else if now.body["status"] == "approved" {
                let _ = w
                    .coord()
                    .post(
                        &format!("/api/v1/records/transfer/{draft}/reopen"),
                        &json!({"reason": "r"}),
                    )
                    .await;
            }
        }
    }
    // Query strings, sign-in bodies, bulk approval.
    for _ in 0..cases / 2 {
        let (k1, v1, k2, v2) = sample(
            &mut runner,
            &(
                prop::sample::select(vec![
                    "year",
                    "unit",
                    "status",
                    "q",
                    "page",
                    "per_page",
                    "as_of",
                    "include_submitted",
                ]),
                hostile_text(),
                prop::sample::select(vec!["year", "page", "per_page"]),
                hostile_text(),
            ),
        );
        let cut = |v: &str| v.chars().take(500).collect::<String>();
        let q = format!(
            "?{k1}={}&{k2}={}",
            urlencode(&cut(&v1)),
            urlencode(&cut(&v2))
        );
        for path in ["/api/v1/records/transfer", "/api/v1/assessment"] {
            let r = w.api(QX).get(&format!("{path}{q}")).await;
            assert_handled("query", &r, &[200, 400, 422], &q);
        }
        for path in [
            "/records/transfer",
            "/records",
            "/review",
            "/audit",
            "/dashboard",
            "/assess",
            "/checklist",
            "/explain",
        ] {
            let r = w.page(COORD).get(&format!("{path}{q}")).await;
            assert_handled("page query", &r, &[200, 400, 404, 422], &(path, &q));
        }
        let body = sample(&mut runner, &hostile_json());
        let r = plain(w.base()).post("/api/v1/login", &body).await;
        assert_handled("login", &r, &[400, 401, 422, 429], &body);
        let body = sample(&mut runner, &hostile_json());
        let r = w
            .coord()
            .post("/api/v1/records/transfer/bulk-approve", &body)
            .await;
        assert_handled("bulk", &r, &[200, 400, 422], &body);
    }
    // Page forms: the new-record form of every kind, as a town and as the coordinator.
    for i in 0..cases {
        let kind = bundled_kind(BuiltinKind::ALL[i as usize % BuiltinKind::ALL.len()]);
        let body = sample(&mut runner, &hostile_record(kind));
        let pairs: Vec<(&str, String)> = body
            .iter()
            .map(|(k, v)| {
                (
                    leak(k),
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        let who = if i % 2 == 0 {
            w.page(QX)
        } else {
            w.page(COORD)
        };
        let r = page_post(who, &format!("/records/{}/new", kind.key()), &pairs).await;
        assert_handled("form", &r, &[303, 403, 409, 422], &pairs);
        if r.status == 303 {
            created += 1;
        }
    }
    // Import files: random bytes as .csv and .xlsx, and CSVs with the right headers.
    for i in 0..cases / 2 {
        let bytes = sample(&mut runner, &prop::collection::vec(any::<u8>(), 0..400));
        let name = if i % 2 == 0 {
            "random.csv"
        } else {
            "random.xlsx"
        };
        let r = multipart_post(
            w.page(QX),
            "/import",
            &[("kind", "transfer")],
            Some(("file", name, bytes.clone())),
        )
        .await;
        assert_handled("import bytes", &r, &[200, 409, 422], &bytes);
        let rows = sample(
            &mut runner,
            &prop::collection::vec(prop::collection::vec(hostile_text(), 8), 1..4),
        );
        let mut csv =
            String::from("source,payer,payee,amount,budget_year,sent_on,voucher_no,purpose\n");
        for row in &rows {
            csv.push_str(
                &row.iter()
                    .map(|c| {
                        format!(
                            "\"{}\"",
                            c.replace('"', "\"\"").chars().take(200).collect::<String>()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(","),
            );
            csv.push('\n');
        }
        let r = multipart_post(
            w.page(QX),
            "/import",
            &[("kind", "transfer")],
            Some(("file", "rows.csv", csv.clone().into_bytes())),
        )
        .await;
        assert_handled("import rows", &r, &[200, 409, 422], &csv);
    }
    // Nothing but what was acknowledged was written, and the audit trail is whole.
    let after = w.count("SELECT COUNT(*) AS n FROM record").await;
    assert_eq!(
        after - before,
        created + 1,
        "records written = records acknowledged"
    );
    let out = w.app.cli_ok(&["audit", "verify"]);
    assert!(out.contains("intact"), "{out}");
    expect(&plain(w.base()).get("/healthz").await, 200);
    println!(
        "hostile input: {} requests, {created} records accepted",
        // creates, raw and any-JSON bodies, patches and actions, queries on 10 paths
        // with sign-in and bulk bodies, forms, import uploads
        cases + cases / 2 * 2 + cases / 2 * 2 + cases / 2 * 12 + cases + cases / 2 * 2
    );
}

// ------------------------------------------------------------------ uploads

/// A raw HTTP/1.1 request (headers only, or with a body) and the status line of the
/// answer, within `timeout`.
fn raw_http(
    base: &str,
    head: &str,
    body: &[u8],
    timeout: Duration,
) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(timeout))?;
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, text))
}

async fn oversized_and_hostile_uploads(w: &World) {
    let base = w.base().to_string();
    let session = w.page(QX).clone();
    let cookie = {
        // The session cookie of QX's browser, for raw requests.
        let r = login(&plain(&base), QX, &w.passwords[QX]).await;
        r.header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    // A declared length over the limit is refused at once, before any body is sent:
    // the server does not wait for (or read) a gigabyte.
    for path in [
        "/import",
        "/records/transfer/1/evidence",
        "/api/v1/records/transfer",
        "/api/v1/login",
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1073741824\r\n\r\n"
        );
        let started = Instant::now();
        let (status, text) = tokio::task::spawn_blocking({
            let base = base.clone();
            move || raw_http(&base, &head, b"--b\r\n", Duration::from_secs(10))
        })
        .await
        .unwrap()
        .expect("an answer without sending the body");
        assert_eq!(status, 413, "{path}: {text}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{path}: answered only after {:?}",
            started.elapsed()
        );
        assert!(
            text.to_ascii_lowercase()
                .contains("content-security-policy"),
            "security headers on 413 too: {text}"
        );
    }
    // A body over the limit without a declared length (chunked) is cut off at the limit.
    let (status, text) = tokio::task::spawn_blocking({
        let base = base.clone();
        let cookie = cookie.clone();
        move || raw_chunked(&base, &format!("POST /import HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n"), 40)
    })
    .await
    .unwrap();
    assert!(
        status == 413 || status == 400,
        "chunked, 40 MB: {status} {text}"
    );
    // An evidence file over its own limit (20 MB) inside the request limit.
    let record = w.transfer(true, St::Draft).await;
    let r = multipart_post(
        &session,
        &format!("/records/transfer/{record}/evidence"),
        &[],
        Some(("file", "big.pdf", vec![b'%'; 21 * 1024 * 1024])),
    )
    .await;
    assert_eq!(r.status, 422, "{}", &r.text[..r.text.len().min(300)]);
    assert!(
        w.count(&format!(
            "SELECT COUNT(*) AS n FROM evidence WHERE record_id = {record}"
        ))
        .await
            == 0
    );

    // Zip bombs as import files: refused with a clear message, the server unharmed.
    let bomb = zip_bomb();
    let r = multipart_post(
        &session,
        "/import",
        &[("kind", "transfer")],
        Some(("file", "bomb.xlsx", bomb)),
    )
    .await;
    expect(&r, 422);
    assert!(
        r.text.contains("解压") || r.text.contains("unpack"),
        "{}",
        &r.text[..r.text.len().min(2000)]
    );
    // A sheet whose two cells span the whole grid (calamine would allocate 17 billion
    // cells for it and abort the process).
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "payer").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let r = multipart_post(
        &session,
        "/import",
        &[("kind", "transfer")],
        Some(("file", "spread.xlsx", wb.save_to_buffer().unwrap())),
    )
    .await;
    expect(&r, 422);
    expect(&plain(&base).get("/healthz").await, 200);

    // Path traversal in evidence file names: refused; a Windows path keeps its last part.
    for bad in [
        "../../../../tmp/duikou-pwned.pdf",
        "..\\..\\duikou-pwned.pdf",
        "a/../../duikou-pwned.pdf",
    ] {
        let r = multipart_post(
            &session,
            &format!("/records/transfer/{record}/evidence"),
            &[],
            Some(("file", bad, b"%PDF".to_vec())),
        )
        .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.status);
    }
    let r = multipart_post(
        &session,
        &format!("/records/transfer/{record}/evidence"),
        &[],
        Some(("file", "C:\\fakepath\\凭证.pdf", b"%PDF".to_vec())),
    )
    .await;
    expect(&r, 303);
    assert_eq!(w.count(&format!("SELECT COUNT(*) AS n FROM evidence WHERE record_id = {record} AND file_name = '凭证.pdf'")).await, 1);
    assert_eq!(w.count("SELECT COUNT(*) AS n FROM evidence WHERE file_name LIKE '%/%' OR file_name LIKE '%\\%' OR file_name LIKE '%..%'").await, 0);
    assert!(!std::path::Path::new("/tmp/duikou-pwned.pdf").exists());
    // Files land only under the evidence directory, named by their hash.
    for e in walk(&w.app.data_dir()) {
        let name = e.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            !name.contains("pwned") && !name.contains("凭证"),
            "{}",
            e.display()
        );
    }
    // Types that a browser would run are not accepted as evidence.
    for name in ["page.html", "image.svg", "script.js", "noext"] {
        let r = multipart_post(
            &session,
            &format!("/records/transfer/{record}/evidence"),
            &[],
            Some(("file", name, b"<script>alert(1)</script>".to_vec())),
        )
        .await;
        assert_eq!(r.status, 422, "{name}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Send `mb` megabytes as a chunked body (stopping when the server stops reading) and
/// read the status line of the answer.
fn raw_chunked(base: &str, head: &str, mb: usize) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..mb {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .and_then(|_| s.write_all(&chunk))
            .and_then(|_| s.write_all(b"\r\n"))
            .is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(n) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&got).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text.chars().take(300).collect())
}

/// An .xlsx-named zip whose sheet unpacks to over a gigabyte (declared).
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..300 {
        w.write_all(&chunk).unwrap();
    }
    w.finish().unwrap().into_inner()
}

// ------------------------------------------------------------------ headers

#[track_caller]
fn assert_security_headers(what: &str, r: &Resp) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    for part in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{what}: CSP {csp} lacks {part}");
    }
    if !what.contains("docs") {
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{what}: {csp}"
        );
    }
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert!(
        r.header("x-request-id").is_some_and(|v| v.len() >= 16),
        "{what}: a request id"
    );
}

async fn security_headers_everywhere(w: &World) {
    let anon = plain(w.base());
    let qx_page = w.page(QX);
    let qx = w.api(QX);
    let draft = w.transfer(true, St::Approved).await;
    let checks: Vec<(&str, Resp)> = vec![
        ("sign-in page", anon.get("/login").await),
        ("redirect to sign-in", anon.get("/records").await),
        ("home page", qx_page.get("/").await),
        ("page 403", qx_page.get("/admin/users").await),
        ("page 404", qx_page.get("/no/such/page").await),
        (
            "page 422",
            page_post(qx_page, "/records/transfer/new", &[]).await,
        ),
        (
            "page CSRF 403",
            form(
                qx_page,
                "/records/transfer/new",
                &[("csrf_token", "wrong".into())],
            )
            .await,
        ),
        ("xlsx download", qx_page.get("/assess.xlsx?year=2019").await),
        ("asset", anon.get("/assets/app.js").await),
        ("API JSON", qx.get("/api/v1/plan").await),
        ("API 401", anon.get("/api/v1/records/transfer").await),
        (
            "API 403",
            w.api(VIEWER)
                .post("/api/v1/records/transfer", &json!({}))
                .await,
        ),
        ("API 404", qx.get("/api/v1/nothing").await),
        (
            "API 409",
            qx.patch(
                &format!("/api/v1/records/transfer/{draft}"),
                &json!({"purpose": "x"}),
            )
            .await,
        ),
        (
            "API 415",
            ApiClient::send(
                qx.request(Method::POST, "/api/v1/records/transfer")
                    .body("a=b"),
            )
            .await,
        ),
        (
            "API 422",
            qx.post("/api/v1/records/transfer", &json!({"amount": "-1"}))
                .await,
        ),
        ("OpenAPI", anon.get("/api/v1/openapi.json").await),
        ("docs", anon.get("/api/v1/docs/").await),
        ("health", anon.get("/healthz").await),
    ];
    for (what, r) in &checks {
        assert_security_headers(what, r);
    }
    let health = &checks.iter().find(|(w, _)| *w == "health").unwrap().1;
    assert_eq!((health.status, health.text.as_str()), (200, "ok"));
    // The request id is the caller's when it sends one, a fresh one otherwise.
    let r = ApiClient::send(
        anon.request(Method::GET, "/healthz")
            .header("x-request-id", "proxy-abc-123"),
    )
    .await;
    assert_eq!(r.header("x-request-id"), Some("proxy-abc-123"));
    let a = anon.get("/healthz").await;
    let b = anon.get("/healthz").await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
    // Pages and personal data are not cached.
    let person = w.create("person", w.person_body(true), St::Draft).await;
    let r = qx
        .get(&format!("/api/v1/records/person/{person}?unmask=1"))
        .await;
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(
        checks[2]
            .1
            .header("cache-control")
            .is_some_and(|c| c.contains("no-store"))
    );
}

// ------------------------------------------------------------------ logs

/// One line per request with its id, method, path, status and latency; no ID number in
/// the log, wherever a request carried one (body, query, path, sign-in name, header).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_carry_request_ids_and_no_id_numbers() {
    let app = TestApp::spawn_with_log(
        Backend::Sqlite,
        &[
            (QX, "reporter", Some(QX)),
            (COORD, "coordinator", Some("市经协办")),
        ],
        "info",
    )
    .await;
    let qx = app.login(QX).await;
    let birth = time::macros::date!(1990 - 01 - 01);
    let id = duikou_domain::id_number::make_valid("530627", birth, 123);
    let number = id.as_str().to_string();
    let r = qx.post("/api/v1/records/person", &json!({"programme": "劳务就业", "name": "王五", "id_number": number, "started_on": "2019-05-01"})).await;
    expect(&r, 201);
    let rid = r.body["id"].as_i64().unwrap();
    // The same number again: refused as a duplicate (an error path that names the field).
    let r = qx.post("/api/v1/records/person", &json!({"programme": "劳务就业", "name": "王五", "id_number": number, "started_on": "2019-05-01"})).await;
    expect(&r, 422);
    // A wrong one: the error shows it masked.
    let mut wrong = number.clone();
    wrong.replace_range(17..18, if number.ends_with('0') { "1" } else { "0" });
    let r = qx.post("/api/v1/records/person", &json!({"programme": "劳务就业", "name": "王五", "id_number": wrong, "started_on": "2019-05-01"})).await;
    expect(&r, 422);
    assert!(
        !r.text.contains(&wrong),
        "the refused number comes back masked: {}",
        r.text
    );
    for path in [
        format!("/api/v1/records/person?q={number}"),
        format!("/api/v1/records/person/{number}"),
        format!("/{number}"),
        format!("/records/person?q={number}&unit={number}"),
    ] {
        let _ = qx.get(&path).await;
    }
    let _ = ApiClient::send(
        qx.request(reqwest::Method::GET, "/healthz")
            .header("x-request-id", format!("trace-{number}")),
    )
    .await;
    let _ = app
        .anonymous()
        .post(
            "/api/v1/login",
            &json!({"username": number, "password": number}),
        )
        .await;
    let r = qx
        .get(&format!("/api/v1/records/person/{rid}?unmask=1"))
        .await;
    assert_eq!(r.body["fields"]["id_number"], number.as_str());

    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = app.server_log();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("finished processing request"))
        .collect();
    assert!(lines.len() >= 10, "one line per request:\n{log}");
    for l in &lines {
        assert!(
            l.contains("request{id=")
                && l.contains("method=")
                && l.contains("path=")
                && l.contains("status=")
                && l.contains("latency="),
            "{l}"
        );
    }
    // Request ids are distinct and match what the client was told.
    let r = app.anonymous().get("/healthz").await;
    let rid_header = r.header("x-request-id").unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        app.server_log().contains(&format!("id={rid_header}")),
        "the id sent back is the one logged"
    );
    let log = app.server_log();
    assert!(
        !log.contains(&number) && !log.contains(&number[..17]) && !log.contains(&wrong),
        "an ID number reached the log:\n{log}"
    );
    assert!(!log.contains("王五"), "names of people stay out of the log");
    assert!(!log.contains('\u{1b}'), "no terminal colours in a log file");
    println!("log: {} request lines, none with an ID number", lines.len());

    // The same as JSON lines (DUIKOU_LOG_FORMAT=json), for a log collector.
    let mut app = app;
    app.kill_server();
    let before = app.server_log().len();
    app.server_env
        .push(("DUIKOU_LOG_FORMAT".into(), "json".into()));
    app.restart_server();
    let _ = app
        .anonymous()
        .get(&format!("/api/v1/records/person?q={number}"))
        .await;
    let _ = app.anonymous().get("/healthz").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = app.server_log()[before..].to_string();
    let events: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &Value| v["fields"]["message"] == "finished processing request")
        .collect();
    assert!(events.len() >= 2, "{log}");
    for e in &events {
        assert!(
            e["span"]["id"].as_str().is_some_and(|id| id.len() >= 16)
                && e["span"]["path"].is_string()
                && e["fields"]["status"].is_number(),
            "{e}"
        );
    }
    assert!(!log.contains(&number[..17]), "{log}");
}

// ------------------------------------------------------------------ in a browser

/// The payloads in a real browser (chromium through chromedriver): no dialog opens, no
/// injected element exists, on the record pages and the import preview.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromium and chromedriver; run with --include-ignored (.ci/run installs them and does)"]
async fn xss_payloads_do_not_run_in_a_browser() {
    assert!(
        std::path::Path::new("/usr/bin/chromedriver").exists()
            && std::path::Path::new("/usr/bin/chromium").exists(),
        "this test needs /usr/bin/chromium and /usr/bin/chromedriver"
    );
    let w = World::start(Backend::Sqlite).await;
    let records = xss_records(&w).await;
    let (_driver, b) = WebDriver::start().await;
    // The session of the coordinator's browser, as a cookie in chromium.
    let token = {
        let r = login(&plain(w.base()), COORD, &w.passwords[COORD]).await;
        r.body["token"].as_str().unwrap().to_string()
    };
    b.goto(&format!("{}/login", w.base())).await;
    b.cmd(
        reqwest::Method::POST,
        "/cookie",
        Some(json!({"cookie": {"name": "duikou_session", "value": token, "path": "/"}})),
    )
    .await;
    let mut pages: Vec<String> = records
        .iter()
        .flat_map(|(k, id, _)| [format!("/records/{k}/{id}"), format!("/records/{k}")])
        .collect();
    pages.extend([
        "/review".to_string(),
        "/audit".to_string(),
        "/".to_string(),
        format!("/records/transfer?q={}", urlencode(XSS)),
    ]);
    for path in &pages {
        b.goto(&format!("{}{path}", w.base())).await;
        let alert = b.raw(reqwest::Method::GET, "/alert/text", None).await;
        assert_eq!(
            alert["value"]["error"], "no such alert",
            "{path}: a dialog opened: {alert}"
        );
        let injected = b.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": "return document.querySelectorAll('img[src=\"x\"], img[onerror]').length + [...document.scripts].filter(s => s.textContent.includes('alert(')).length + (window.__xss ? 1 : 0)", "args": []}))).await;
        assert_eq!(injected, json!(0), "{path}: an injected element");
        let shown = b.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({"script": "return document.body.innerText.includes('<script>alert(1)</script>')", "args": []}))).await;
        if path.matches('/').count() == 3 {
            assert_eq!(shown, json!(true), "{path}: the payload is shown as text");
        }
    }
    println!(
        "browser: {} pages with payloads, no dialog, no injected element",
        pages.len()
    );
}

/// Just enough of the WebDriver protocol (chromedriver), spoken with reqwest.
struct WebDriver {
    http: reqwest::Client,
    url: String,
}

struct DriverProcess {
    child: std::process::Child,
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl WebDriver {
    async fn start() -> (DriverProcess, WebDriver) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let proc = DriverProcess { child };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(format!("{root}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("duikou-xss-{port}"));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", format!("--user-data-dir={}", profile.display())]}}}});
        let r: Value = http
            .post(format!("{root}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let sid = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        (
            proc,
            WebDriver {
                http,
                url: format!("{root}/session/{sid}"),
            },
        )
    }

    async fn raw(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut rb = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send().await.unwrap().json().await.unwrap()
    }

    async fn cmd(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let v = self.raw(method, path, body).await;
        assert!(v["value"].get("error").is_none(), "webdriver {path}: {v}");
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd(Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        // Close the browser session (a blocking request: Drop cannot await).
        let url = self.url.clone();
        let _ = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let rest = url.trim_start_matches("http://");
            let (host, path) = rest.split_once('/').unwrap();
            if let Ok(mut s) = std::net::TcpStream::connect(host) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
                let _ = write!(s, "DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                let mut buf = Vec::new();
                let _ = s.read_to_end(&mut buf);
            }
        })
        .join();
    }
}

// ------------------------------------------------------------------ secrets in code

/// Secrets from a request (CSRF tokens, the pre-login token, import confirmation tokens)
/// are compared with `constant_time_eq`, never `==`: no comparison in `src/web` has a
/// token or hash on either side. (Session tokens are looked up by their SHA-256;
/// passwords go through argon2's own verification.)
#[test]
fn secrets_are_compared_in_constant_time() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let mut offenders = Vec::new();
    let mut uses = 0;
    for file in walk(&root) {
        let src = std::fs::read_to_string(&file).unwrap();
        uses += src.matches("constant_time_eq(").count();
        for (n, line) in src.lines().enumerate() {
            // String literals (field names such as "csrf_token") are not secrets.
            let mut code = String::new();
            let mut in_str = false;
            for c in line.chars() {
                if c == '"' {
                    in_str = !in_str;
                } else if !in_str {
                    code.push(c);
                }
            }
            let code = code.to_lowercase();
            let compares = code.contains("==") || code.contains("!=");
            let secret = ["token", "csrf", "hash", "secret"]
                .iter()
                .any(|s| code.contains(s));
            if compares && secret && !code.contains("len()") && !code.trim_start().starts_with("//")
            {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "secrets compared with == / !=:\n{}",
        offenders.join("\n")
    );
    assert!(
        uses >= 4,
        "constant_time_eq is used for the CSRF, pre-login and import tokens ({uses})"
    );
}

// ------------------------------------------------------------------ importers

/// Any table under the kinds' own headers (Chinese or English, plus strangers), with
/// hostile cells, as CSV or as a workbook: reading and checking never panic, and every
/// complaint names a row of the file and a column.
#[test]
fn importers_never_panic_and_name_the_row() {
    use duikou_app::importer::{PrepareContext, prepare};
    use duikou_app::tabular::read_table_bytes;
    use duikou_domain::roles::{Actor, Role};
    let plan = duikou_domain::plan::Plan::bundled();
    let key = duikou_domain::crypto::SecretKey::from_bytes(&[3u8; 32]).unwrap();
    let town = Actor {
        username: QX.into(),
        role: Role::Reporter,
        unit: Some(QX.into()),
    };
    let cell = prop_oneof![
        4 => hostile_text().prop_map(|s| s.chars().take(300).collect::<String>()),
        2 => prop::sample::select(vec!["清溪镇", "镇雄县", "2019-03-15", "2019/3/15", "2019年3月15日", "1,000.50", "是", "镇街财政", "劳务就业", "义诊", "530627199001011236", ""]).prop_map(str::to_string),
    ];
    let strategy = (
        0usize..9,
        prop::collection::vec(any::<prop::sample::Index>(), 1..10),
        any::<bool>(),
        prop::collection::vec(prop::collection::vec(cell, 0..12), 0..6),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(PtConfig {
        cases: 96,
        failure_persistence: None,
        ..PtConfig::default()
    });
    runner
        .run(&strategy, |(k, picks, english, rows, xlsx)| {
            let kind = bundled_kind(BuiltinKind::ALL[k]);
            let names: Vec<String> = kind
                .all_fields()
                .flat_map(|f| [f.key.to_string(), f.zh.to_string()])
                .chain([
                    "多余列".to_string(),
                    "金额（万元）".to_string(),
                    "".to_string(),
                ])
                .collect();
            let mut headers: Vec<String> = picks.iter().map(|i| i.get(&names).clone()).collect();
            headers.dedup();
            let _ = english;
            let file = if xlsx {
                let mut wb = rust_xlsxwriter::Workbook::new();
                let ws = wb.add_worksheet();
                for (c, h) in headers.iter().enumerate() {
                    ws.write_string(0, c as u16, h).unwrap();
                }
                for (r, row) in rows.iter().enumerate() {
                    for (c, v) in row.iter().enumerate() {
                        let (r, c) = (r as u32 + 1, c as u16);
                        match v.parse::<f64>() {
                            Ok(f) if f.is_finite() => ws.write_number(r, c, f).unwrap(),
                            _ => ws.write_string(r, c, v.as_str()).unwrap(),
                        };
                    }
                }
                ("p.xlsx", wb.save_to_buffer().unwrap())
            } else {
                let q = |s: &String| format!("\"{}\"", s.replace('"', "\"\""));
                let mut csv = headers.iter().map(q).collect::<Vec<_>>().join(",");
                for row in &rows {
                    csv.push('\n');
                    csv.push_str(&row.iter().map(q).collect::<Vec<_>>().join(","));
                }
                ("p.csv", csv.into_bytes())
            };
            match read_table_bytes(file.0, &file.1, &[]) {
                Err(e) => {
                    let text = e.to_string();
                    prop_assert!(text.contains(file.0) && text.contains(" / "), "{text}");
                }
                Ok(table) => {
                    // With no data rows, the error names row 2: where the first data row belongs.
                    let last = table.rows.last().map_or(2, |r| r.number);
                    for actor in [None, Some(&town)] {
                        let ctx = PrepareContext {
                            plan: &plan,
                            key: &key,
                            actor,
                            today: duikou_app::assessment::today(),
                        };
                        if let Err(errors) = prepare(&table, kind, &ctx) {
                            prop_assert!(!errors.is_empty());
                            for e in errors {
                                prop_assert!(
                                    e.row >= 1 && e.row <= last.max(1),
                                    "row {} of {last}: {e:?}",
                                    e.row
                                );
                                prop_assert!(!e.zh.is_empty() && !e.en.is_empty(), "{e:?}");
                                prop_assert!(e.file == file.0, "{e:?}");
                            }
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

/// A file with one bad row anywhere imports nothing (exit 2, the row named); the same
/// file corrected imports every row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_all_or_nothing() {
    let app = TestApp::spawn_with_users(Backend::Sqlite, &[(QX, "reporter", Some(QX))]).await;
    let count = || async {
        use sea_orm::ConnectionTrait;
        let db = app.db().await;
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM record".to_string(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    };
    let mut runner = TestRunner::new_with_rng(
        PtConfig {
            failure_persistence: None,
            ..PtConfig::default()
        },
        TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let bad_cells = prop_oneof![
        Just(("amount", "-5".to_string())),
        Just(("amount", "1.001".to_string())),
        Just(("payer", "黄江镇".to_string())),
        Just(("payer", "没有的镇".to_string())),
        Just(("payee", "清溪镇".to_string())),
        Just(("sent_on", "2019-02-30".to_string())),
        Just(("budget_year", "二〇一九".to_string())),
        Just(("voucher_no", String::new())),
        Just(("source", XSS.to_string())),
    ];
    let dir = tempfile::tempdir().unwrap();
    for case in 0..8u32 {
        let (rows, bad_at, (field, bad)) = sample(
            &mut runner,
            &(2usize..40, any::<prop::sample::Index>(), bad_cells.clone()),
        );
        let bad_at = bad_at.index(rows);
        let columns = [
            "source",
            "payer",
            "payee",
            "amount",
            "budget_year",
            "sent_on",
            "voucher_no",
        ];
        let mut csv = columns.join(",");
        for r in 0..rows {
            let mut v = vec![
                "镇街财政".to_string(),
                QX.into(),
                ZX.into(),
                "1000".into(),
                "2019".into(),
                "2019-03-15".into(),
                format!("A{case}-{r}"),
            ];
            if r == bad_at {
                v[columns.iter().position(|c| *c == field).unwrap()] =
                    format!("\"{}\"", bad.replace('"', "\"\""));
            }
            csv.push('\n');
            csv.push_str(&v.join(","));
        }
        let file = dir.path().join(format!("case{case}.csv"));
        std::fs::write(&file, &csv).unwrap();
        let before = count().await;
        let out = app.cli(&["import", "transfer", file.to_str().unwrap(), "--as", QX]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "case {case} ({field}={bad:?} at row {}): {stderr}",
            bad_at + 2
        );
        assert!(
            stderr.contains(&format!("第{}行", bad_at + 2))
                && stderr.contains(&format!("row {}", bad_at + 2)),
            "the row is named: {stderr}"
        );
        assert_eq!(
            count().await,
            before,
            "nothing of a refused file is written"
        );
    }
    let out = app.cli(&["audit", "verify"]);
    assert!(out.status.success());
}

// ------------------------------------------------------------------ key and backups

/// The key file and every backup (which holds the key) are readable by their owner
/// only; the database holds no ID number in clear (see also cli.rs
/// `id_numbers_are_never_stored_in_clear`).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_and_backups_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn_with_users(Backend::Sqlite, &[(QX, "reporter", Some(QX))]).await;
    let qx = app.login(QX).await;
    let id =
        duikou_domain::id_number::make_valid("530627", time::macros::date!(1985 - 05 - 05), 77);
    let r = qx.post("/api/v1/records/person", &json!({"programme": "劳务就业", "name": "赵六", "id_number": id.as_str(), "started_on": "2019-05-01"})).await;
    expect(&r, 201);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&app.data_dir().join("secret.key")), 0o600);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.zip");
    let out = app.cli_ok(&["backup", file.to_str().unwrap()]);
    assert!(
        out.contains("密钥") || out.contains("key"),
        "the operator is told the backup holds the key: {out}"
    );
    assert_eq!(mode(&file), 0o600, "a backup holds the key: owner-only");
    // Inside, the number is encrypted like in the database; the key travels with it.
    let bytes = std::fs::read(&file).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut all = Vec::new();
    for i in 0..zip.len() {
        use std::io::Read;
        let mut f = zip.by_index(i).unwrap();
        f.read_to_end(&mut all).unwrap();
    }
    assert!(
        !all.windows(18).any(|w| w == id.as_str().as_bytes()),
        "no ID number in clear in the backup"
    );
    assert!(zip.by_name("secret.key").is_ok());
}
