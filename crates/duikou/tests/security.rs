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

mod common;

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

/// One test per backend for a scenario `async fn(&World)`.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let w = super::World::start(super::Backend::Sqlite).await.expect("SQLite");
                super::$scenario(&w).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some(w) = super::World::start(super::Backend::Postgres).await else { return };
                super::$scenario(&w).await;
            }
        }
    )*};
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
    let mut all: Vec<(&str, String)> = vec![("csrf_token", c.csrf.clone().unwrap_or_else(|| "no-session".into()))];
    all.extend(pairs.iter().cloned());
    form(c, path, &all).await
}

async fn multipart_post(c: &ApiClient, path: &str, fields: &[(&str, &str)], file: Option<(&str, &str, Vec<u8>)>) -> Resp {
    let mut f = multipart::Form::new().text("csrf_token", c.csrf.clone().unwrap_or_else(|| "no-session".into()));
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    if let Some((field, name, bytes)) = file {
        f = f.part(field.to_string(), multipart::Part::bytes(bytes).file_name(name.to_string()));
    }
    ApiClient::send(c.request(Method::POST, path).multipart(f)).await
}

/// The value of a hidden input in a page.
fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + 7;
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].replace("&#x2b;", "+").replace("&amp;", "&"))
}

#[track_caller]
fn expect(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "expected {status}, got {}: {}", r.status, &r.text[..r.text.len().min(600)]);
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
    async fn start(backend: Backend) -> Option<World> {
        let app = TestApp::spawn_with_users(backend, USERS).await?;
        let mut w = World { passwords: HashMap::new(), bearer: HashMap::new(), pages: HashMap::new(), seq: AtomicU32::new(1), bodies: Mutex::new(HashMap::new()), app };
        for (name, _, _) in USERS {
            let initial = w.app.password(name);
            let new = format!("{initial}{NEW_PASSWORD_SUFFIX}");
            // First sign-in: the pages insist on a new password.
            let mut b = browser(w.base());
            let r = b.post("/api/v1/login", &json!({"username": name, "password": initial})).await;
            expect(&r, 200);
            b.csrf = r.body["csrf_token"].as_str().map(str::to_string);
            let r = b.get("/records").await;
            assert_eq!(r.header("location"), Some("/password"), "{name}: {}", r.status);
            let r = page_post(&b, "/password", &[("current_password", initial.clone()), ("new_password", new.clone()), ("confirm_password", new.clone())]).await;
            assert_eq!(r.status, 303, "{name} changes the password: {}", r.text);
            w.passwords.insert(name.to_string(), new);
        }
        for (name, _, _) in USERS {
            let b = w.session(name).await;
            w.pages.insert(name.to_string(), b);
            let t = w.bearer_session(name).await;
            w.bearer.insert(name.to_string(), t);
        }
        Some(w)
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
        let r = b.post("/api/v1/login", &json!({"username": name, "password": self.passwords[name]})).await;
        expect(&r, 200);
        b.csrf = r.body["csrf_token"].as_str().map(str::to_string);
        b
    }

    /// A fresh bearer-token session for a user.
    async fn bearer_session(&self, name: &str) -> ApiClient {
        let mut c = plain(self.base());
        let r = c.post("/api/v1/login", &json!({"username": name, "password": self.passwords[name]})).await;
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
        let r = self.coord().post(&format!("/api/v1/records/{kind}"), &body).await;
        expect(&r, 201);
        let id = r.body["id"].as_i64().unwrap();
        self.bodies.lock().unwrap().insert(id, body);
        self.advance(kind, id, st).await;
        id
    }

    async fn advance(&self, kind: &str, id: i64, st: St) {
        if st >= St::Submitted {
            expect(&self.coord().post(&format!("/api/v1/records/{kind}/{id}/submit"), &json!({})).await, 200);
        }
        if st >= St::Approved {
            expect(&self.coord().post(&format!("/api/v1/records/{kind}/{id}/approve"), &json!({})).await, 200);
        }
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
        let id = duikou_domain::id_number::make_valid(if own { "530627" } else { "530628" }, birth, (n % 900) as u16);
        json!({"programme": "劳务就业", "name": format!("工人{n}"), "id_number": id.as_str(), "started_on": "2019-05-01",
               "reporting_unit": if own { QX } else { HJ }})
    }

    async fn transfer(&self, own: bool, st: St) -> i64 {
        self.create("transfer", self.transfer_body(own), st).await
    }

    /// The record a role works with: a county's project for a receiver, a town's
    /// transfer for everyone else.
    async fn unit_record(&self, role: Option<&str>, own: bool, st: St) -> (&'static str, i64) {
        if role == Some("receiver") {
            ("project", self.create("project", self.project_body(own), st).await)
        } else {
            ("transfer", self.transfer(own, st).await)
        }
    }

    /// The body a role would create in its own (or another) unit.
    fn unit_body(&self, role: Option<&str>, own: bool) -> (&'static str, Value) {
        if role == Some("receiver") { ("project", self.project_body(own)) } else { ("transfer", self.transfer_body(own)) }
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

    async fn user_id(&self, name: &str) -> i32 {
        let store = duikou_storage::Store::open(&duikou_storage::StoreConfig::new(self.app.database_url())).await.unwrap();
        let id = store.user_by_name(name).await.unwrap().unwrap().id;
        store.db.close().await.unwrap();
        id
    }

    /// Upload an evidence file (as the coordinator) and return its id.
    async fn evidence(&self, kind: &str, id: i64) -> i64 {
        let c = self.page(COORD);
        let r = multipart_post(c, &format!("/records/{kind}/{id}/evidence"), &[], Some(("file", "凭证.pdf", b"%PDF-1.4 evidence".to_vec()))).await;
        expect(&r, 303);
        let detail = c.get(&format!("/records/{kind}/{id}")).await;
        let marker = format!("/records/{kind}/{id}/evidence/");
        let at = detail.text.find(&marker).expect("an evidence link") + marker.len();
        detail.text[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
    }

    /// Upload an import file as `who` and return the confirm form of its preview.
    async fn import_preview(&self, who: &str, kind: &str, csv: String) -> Vec<(&'static str, String)> {
        let c = self.page(who);
        let n = self.next();
        let r = multipart_post(c, "/import", &[("kind", kind)], Some(("file", &format!("导入{n}.csv"), csv.into_bytes()))).await;
        expect(&r, 200);
        ["kind", "sha", "token", "file_name"].iter().map(|k| (*k, hidden(&r.text, k).unwrap_or_else(|| panic!("no {k} in the preview")))).collect()
    }

    fn import_csv(&self, role: Option<&str>, own: bool) -> (&'static str, String) {
        if role == Some("receiver") {
            let b = self.project_body(own);
            ("project", format!("name,county,category,aid_amount,started_on\n{},{},校舍,1000,2019-05-01\n", b["name"].as_str().unwrap(), b["county"].as_str().unwrap()))
        } else {
            let b = self.transfer_body(own);
            ("transfer", format!("source,payer,payee,amount,budget_year,sent_on,voucher_no\n镇街财政,{},{},1000,2019,2019-03-15,{}\n", b["payer"].as_str().unwrap(), b["payee"].as_str().unwrap(), b["voucher_no"].as_str().unwrap()))
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
    files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"), &mut paths);
    paths.sort();
    let mut routes = Vec::new();
    for p in paths {
        let src = std::fs::read_to_string(&p).unwrap();
        for unsupported in [".nest(", ".nest_service(", ".route_service(", ".fallback(", ".fallback_service("] {
            assert!(!src.contains(unsupported), "{}: `{unsupported}` adds routes this test cannot see; extend scanned_routes and the matrix", p.display());
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
            for m in ["get", "post", "put", "patch", "delete", "head", "options", "trace", "any"] {
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
        // utoipa-swagger-ui: SwaggerUi::new("/docs").url("/openapi.json", …)
        if let Some(at) = src.find("SwaggerUi::new(\"") {
            let s = &src[at + 16..];
            routes.push(("GET".into(), s[..s.find('"').unwrap()].to_string()));
            let u = &s[s.find(".url(\"").expect("the OpenAPI URL") + 6..];
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

const fn r(method: &'static str, route: &'static str, label: &'static str, expect: &'static str) -> Rule {
    Rule { method, route, label, expect }
}

const RULES: &[Rule] = &[
    // Health and documentation: public.
    r("GET", "/healthz", "healthz", "200|200|200|200|200|200|200"),
    r("GET", "/api/v1/openapi.json", "openapi", "200|200|200|200|200|200|200"),
    r("GET", "/api/v1/docs", "swagger", "303|303|303|303|303|303|303"),
    // The JSON API.
    r("POST", "/api/v1/login", "api-login", "200/401|200/401|200/401|200/401|200/401|200/401|401"),
    r("POST", "/api/v1/logout", "api-logout", "204|204|204|204|204|204|L"),
    r("GET", "/api/v1/records/{kind}", "api-list", "403|200|200|200|200|200|L"),
    r("POST", "/api/v1/records/{kind}", "api-create", "403|201|201/403|201/403|403|403|L"),
    r("POST", "/api/v1/records/{kind}/bulk-approve", "api-bulk-approve", "403|200|403|403|403|403|L"),
    r("GET", "/api/v1/records/{kind}/{id}", "api-read", "403|200|200/404|200/404|200|200|L"),
    r("PATCH", "/api/v1/records/{kind}/{id}", "api-patch", "403|200|200/404|200/404|404|403|L"),
    r("DELETE", "/api/v1/records/{kind}/{id}", "api-delete", "403|204|204/404|204/404|404|403|L"),
    r("POST", "/api/v1/records/{kind}/{id}/{action}", "api-submit", "403|200|200/404|200/404|404|403|L"),
    r("POST", "/api/v1/records/{kind}/{id}/{action}", "api-approve", "403|200|403/404|403/404|404|403|L"),
    r("POST", "/api/v1/records/{kind}/{id}/{action}", "api-reject", "403|200|403/404|403/404|404|403|L"),
    r("POST", "/api/v1/records/{kind}/{id}/{action}", "api-reopen", "403|200|403/404|403/404|403|403|L"),
    r("POST", "/api/v1/records/{kind}/{id}/{action}", "api-confirm", "403|403|403/404|200/404|404|403|L"),
    r("POST", "/api/v1/records/{kind}/{id}/{action}", "api-no-such-action", "404|404|404|404|404|404|L"),
    r("GET", "/api/v1/assessment", "api-assessment", "403|200|200|200|200|200|L"),
    r("GET", "/api/v1/plan", "api-plan", "200|200|200|200|200|200|L"),
    r("ANY", "/api/v1", "api-root", "404|404|404|404|404|404|404"),
    r("ANY", "/api/v1/{*rest}", "api-unknown", "404|404|404|404|404|404|404"),
    // Pages: signing in and out, language.
    r("GET", "/", "home", "303|200|200|200|303|200|L"),
    r("GET", "/login", "login-form", "303|303|303|303|303|303|200"),
    r("POST", "/login", "login-without-form-token", "403|403|403|403|403|403|403"),
    r("POST", "/logout", "logout", "303|303|303|303|303|303|L"),
    r("GET", "/password", "password-form", "200|200|200|200|200|200|L"),
    r("POST", "/password", "password-empty", "422|422|422|422|422|422|L"),
    r("GET", "/lang", "lang", "303|303|303|303|303|303|303"),
    // Figures.
    r("GET", "/dashboard", "dashboard", "403|200|200|200|200|200|L"),
    r("GET", "/explain", "explain", "403|200|200|200|200|200|L"),
    r("GET", "/checklist", "checklist", "403|200|200|200|200|200|L"),
    r("GET", "/assess", "assess", "403|200|200|200|200|200|L"),
    r("GET", "/assess.xlsx", "assess-xlsx", "403|200|200|200|200|200|L"),
    // Records.
    r("GET", "/records", "records-index", "403|200|200|200|200|200|L"),
    r("GET", "/records/{kind}", "records-list", "403|200|200|200|200|200|L"),
    r("GET", "/records/{kind}/new", "new-form", "403|200|200|200|403|403|L"),
    r("POST", "/records/{kind}/new", "new-save", "403|303|303/403|303/403|403|403|L"),
    r("GET", "/records/{kind}/{id}", "detail", "403|200|200/404|200/404|200|200|L"),
    r("GET", "/records/{kind}/{id}/edit", "edit-form", "403|200|200/404|200/404|404|403|L"),
    r("POST", "/records/{kind}/{id}/edit", "edit-save", "403|303|303/404|303/404|404|403|L"),
    r("POST", "/records/{kind}/{id}/evidence", "evidence-upload", "403|303|303/404|303/404|404|403|L"),
    r("GET", "/records/{kind}/{id}/evidence/{eid}", "evidence-download", "403|200|200/404|200/404|200|200|L"),
    r("GET", "/records/{kind}/{id}/evidence/{eid}/view", "evidence-view", "403|200|200/404|200/404|200|200|L"),
    r("POST", "/records/{kind}/{id}/{action}", "page-unmask", "403|200|200/404|403/404|403|403|L"),
    r("POST", "/records/{kind}/{id}/{action}", "page-delete", "403|303|303/404|303/404|404|403|L"),
    r("POST", "/records/{kind}/{id}/{action}", "page-submit", "403|303|303/404|303/404|404|403|L"),
    r("POST", "/records/{kind}/{id}/{action}", "page-approve", "403|303|403/404|403/404|404|403|L"),
    r("POST", "/records/{kind}/{id}/{action}", "page-reject", "403|303|403/404|403/404|404|403|L"),
    r("POST", "/records/{kind}/{id}/{action}", "page-reopen", "403|303|403/404|403/404|403|403|L"),
    r("POST", "/records/{kind}/{id}/{action}", "page-confirm", "403|403|403/404|303/404|404|403|L"),
    r("POST", "/records/{kind}/{id}/{action}", "page-no-such-action", "404|404|404|404|404|404|L"),
    // Review.
    r("GET", "/review", "review-queue", "403|200|403|403|403|403|L"),
    r("POST", "/review", "review-bulk", "403|303|403|403|403|403|L"),
    r("POST", "/review/{id}/{action}", "review-approve", "403|303|403|403|403|403|L"),
    r("POST", "/review/{id}/{action}", "review-reject", "403|303|403|403|403|403|L"),
    r("POST", "/review/{id}/{action}", "review-no-such-action", "403|404|403|403|403|403|L"),
    // Import.
    r("GET", "/import", "import-form", "403|200|200|200|403|403|L"),
    r("POST", "/import", "import-upload", "403|200|200/422|200/422|403|403|L"),
    r("POST", "/import/confirm", "import-confirm", "403|200/400|200/400|200/400|403|403|L"),
    r("GET", "/import/template/{file}", "import-template", "200|200|200|200|200|200|L"),
    // Administration and audit.
    r("GET", "/admin/users", "admin-users", "200|403|403|403|403|403|L"),
    r("POST", "/admin/users", "admin-create-user", "200|403|403|403|403|403|L"),
    r("POST", "/admin/users/{id}/{action}", "admin-disable", "303|403|403|403|403|403|L"),
    r("POST", "/admin/users/{id}/{action}", "admin-enable", "303|403|403|403|403|403|L"),
    r("POST", "/admin/users/{id}/{action}", "admin-reset", "200|403|403|403|403|403|L"),
    r("POST", "/admin/users/{id}/{action}", "admin-role", "303|403|403|403|403|403|L"),
    r("POST", "/admin/users/{id}/{action}", "admin-no-such-action", "404|403|403|403|403|403|L"),
    r("GET", "/admin/plan", "admin-plan", "200|403|403|403|403|403|L"),
    r("GET", "/audit", "audit-trail", "403|200|403|403|403|200|L"),
    r("GET", "/assets/{*path}", "assets", "200|200|200|200|200|200|200"),
];

/// Expected statuses of a rule: per role (own, other), and anonymous. 0 stands for L.
fn parse_expect(rule: &Rule) -> ([(u16, Option<u16>); 6], u16) {
    let parts: Vec<&str> = rule.expect.split('|').collect();
    assert_eq!(parts.len(), 7, "{}: six roles and anonymous", rule.label);
    let num = |s: &str| if s.trim() == "L" { 0 } else { s.trim().parse::<u16>().unwrap_or_else(|_| panic!("{}: {s}", rule.label)) };
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
            None => if api { plain(self.base()) } else { browser(self.base()) },
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
        let call = |method: &str, path: String, body: Body| Call { method: m(method), path, body };
        match rule.label {
            "healthz" => call("GET", "/healthz".into(), None),
            "openapi" => call("GET", "/api/v1/openapi.json".into(), None),
            "swagger" => call("GET", "/api/v1/docs".into(), None),
            "api-login" => {
                let user = name.unwrap_or("没有这个人");
                let password = if own && name.is_some() { self.passwords[user].clone() } else { "wrong-password".to_string() };
                call("POST", "/api/v1/login".into(), Json(json!({"username": user, "password": password})))
            }
            "api-logout" => call("POST", "/api/v1/logout".into(), Json(json!({}))),
            "api-list" => call("GET", format!("/api/v1/records/transfer?unit={}", if own { QX } else { HJ }), None),
            "api-create" => {
                let (kind, body) = self.unit_body(role, own);
                call("POST", format!("/api/v1/records/{kind}"), Json(body))
            }
            "api-bulk-approve" => {
                let id = self.transfer(own, St::Submitted).await;
                call("POST", "/api/v1/records/transfer/bulk-approve".into(), Json(json!({"ids": [id]})))
            }
            "api-read" => {
                let (kind, id) = self.unit_record(role, own, St::Approved).await;
                call("GET", format!("/api/v1/records/{kind}/{id}"), None)
            }
            "api-patch" => {
                let (kind, id) = self.unit_record(role, own, St::Draft).await;
                call("PATCH", format!("/api/v1/records/{kind}/{id}"), Json(json!({"notes": "改一下"})))
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
                call("POST", format!("/api/v1/records/{kind}/{id}/{action}"), Json(json!({"reason": "理由"})))
            }
            "api-confirm" => {
                let id = self.transfer(own, St::Submitted).await;
                call("POST", format!("/api/v1/records/transfer/{id}/confirm"), Json(json!({"received_on": "2019-04-01"})))
            }
            "api-assessment" => call("GET", "/api/v1/assessment?year=2019".into(), None),
            "api-plan" => call("GET", "/api/v1/plan".into(), None),
            "api-root" => call("GET", "/api/v1".into(), None),
            "api-unknown" => call("DELETE", "/api/v1/users/1".into(), None),

            "home" => call("GET", "/".into(), None),
            "login-form" => call("GET", "/login".into(), None),
            "login-without-form-token" => {
                let user = name.unwrap_or(QX);
                call("POST", "/login".into(), Form(vec![("username", user.into()), ("password", self.passwords[user].clone())]))
            }
            "logout" => call("POST", "/logout".into(), Form(vec![])),
            "password-form" => call("GET", "/password".into(), None),
            "password-empty" => call("POST", "/password".into(), Form(vec![("current_password", String::new())])),
            "lang" => call("GET", "/lang?to=zh&back=/".into(), None),
            "dashboard" => call("GET", "/dashboard?year=2019".into(), None),
            "explain" => call("GET", "/explain?indicator=3.1-fiscal-aid&scope=plan&year=2019".into(), None),
            "checklist" => call("GET", "/checklist?year=2019".into(), None),
            "assess" => call("GET", "/assess?year=2019".into(), None),
            "assess-xlsx" => call("GET", "/assess.xlsx?year=2019".into(), None),
            "records-index" => call("GET", "/records".into(), None),
            "records-list" => call("GET", format!("/records/transfer?unit={}", if own { QX } else { HJ }), None),
            "new-form" => {
                let (kind, _) = self.unit_body(role, own);
                call("GET", format!("/records/{kind}/new"), None)
            }
            "new-save" => {
                let (kind, body) = self.unit_body(role, own);
                call("POST", format!("/records/{kind}/new"), Form(World::form_of(&body)))
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
                call("POST", format!("/records/{kind}/{id}/evidence"), Multipart(vec![], Some(("凭证.png".into(), b"\x89PNG evidence".to_vec()))))
            }
            "evidence-download" | "evidence-view" => {
                let (kind, id) = self.unit_record(role, own, St::Approved).await;
                let eid = self.evidence(kind, id).await;
                let view = if rule.label == "evidence-view" { "/view" } else { "" };
                call("GET", format!("/records/{kind}/{id}/evidence/{eid}{view}"), None)
            }
            "page-unmask" => {
                let id = self.create("person", self.person_body(own), St::Approved).await;
                call("POST", format!("/records/person/{id}/unmask"), Form(vec![]))
            }
            "page-delete" | "page-submit" | "page-approve" | "page-reject" | "page-reopen" | "page-no-such-action" => {
                let action = rule.label.strip_prefix("page-").unwrap();
                let st = match action {
                    "delete" | "submit" | "no-such-action" => St::Draft,
                    "approve" | "reject" => St::Submitted,
                    _ => St::Approved,
                };
                let (kind, id) = self.unit_record(role, own, st).await;
                call("POST", format!("/records/{kind}/{id}/{action}"), Form(vec![("reason", "理由".into())]))
            }
            "page-confirm" => {
                let id = self.transfer(own, St::Submitted).await;
                call("POST", format!("/records/transfer/{id}/confirm"), Form(vec![("received_on", "2019-04-01".into())]))
            }
            "review-queue" => call("GET", "/review".into(), None),
            "review-bulk" => {
                let id = self.transfer(own, St::Submitted).await;
                call("POST", "/review".into(), Form(vec![("ids", id.to_string())]))
            }
            "review-approve" | "review-reject" | "review-no-such-action" => {
                let action = rule.label.strip_prefix("review-").unwrap();
                let id = self.transfer(own, St::Submitted).await;
                call("POST", format!("/review/{id}/{action}"), Form(vec![("reason", "理由".into())]))
            }
            "import-form" => call("GET", "/import".into(), None),
            "import-upload" => {
                let (kind, csv) = self.import_csv(role, own);
                let n = self.next();
                call("POST", "/import".into(), Multipart(vec![("kind", kind.into())], Some((format!("上传{n}.csv"), csv.into_bytes()))))
            }
            "import-confirm" => {
                // Own: the caller's own checked upload. Other: somebody else's, whose
                // confirmation token is bound to that user.
                let importer = match role {
                    Some("coordinator") => COORD,
                    Some("receiver") => ZX,
                    _ => QX,
                };
                let shape = if importer == ZX { Some("receiver") } else { Some("reporter") };
                let previewer = if own { importer } else if importer == COORD { QX } else { COORD };
                let (kind, csv) = self.import_csv(shape, true);
                let f = self.import_preview(previewer, kind, csv).await;
                call("POST", "/import/confirm".into(), Form(f))
            }
            "import-template" => call("GET", "/import/template/transfer.xlsx".into(), None),
            "admin-users" => call("GET", "/admin/users".into(), None),
            "admin-create-user" => call("POST", "/admin/users".into(), Form(vec![("username", format!("新用户{}", self.next())), ("role", "viewer".into())])),
            "admin-disable" | "admin-enable" | "admin-reset" | "admin-role" | "admin-no-such-action" => {
                let action = rule.label.strip_prefix("admin-").unwrap();
                let id = self.user_id(SPARE).await;
                call("POST", format!("/admin/users/{id}/{action}"), Form(vec![("role", "reporter".into()), ("unit", QX.into())]))
            }
            "admin-plan" => call("GET", "/admin/plan".into(), None),
            "audit-trail" => call("GET", "/audit".into(), None),
            "assets" => call("GET", "/assets/app.css".into(), None),
            other => panic!("no request for rule {other}"),
        }
    }

    async fn send(&self, c: &ApiClient, call: Call) -> Resp {
        let rb = c.request(call.method, &call.path);
        let rb = match call.body {
            Body::None => rb,
            Body::Json(v) => rb.json(&v),
            Body::Form(pairs) => {
                let mut all: Vec<(&str, String)> = vec![("csrf_token", c.csrf.clone().unwrap_or_else(|| "no-session".into()))];
                all.extend(pairs);
                rb.form(&all)
            }
            Body::Multipart(fields, file) => {
                let mut f = multipart::Form::new().text("csrf_token", c.csrf.clone().unwrap_or_else(|| "no-session".into()));
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
    assert!(routes.len() >= 40, "the scanner found too few routes: {routes:?}");
    let missing: Vec<_> = routes.iter().filter(|(m, p)| !RULES.iter().any(|r| r.method == m && r.route == p)).collect();
    assert!(missing.is_empty(), "routes without a rule in the authorization matrix: {missing:?}");
    let stale: Vec<_> = RULES.iter().filter(|r| !routes.iter().any(|(m, p)| r.method == m && r.route == p)).map(|r| (r.method, r.route)).collect();
    assert!(stale.is_empty(), "rules for routes that no longer exist: {stale:?}");

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
                if api { r.status == 401 && r.body["error"] == "unauthorized" } else { r.status == 303 && r.header("location").is_some_and(|l| l.starts_with("/login")) }
            } else {
                r.status == want && !(r.status == 303 && who.is_some() && r.header("location").is_some_and(|l| l.starts_with("/login")))
            };
            if !ok {
                failures.push(format!(
                    "{} {} [{}] as {} ({}): expected {}, got {} {:?} {}",
                    rule.method,
                    rule.route,
                    rule.label,
                    who.unwrap_or("anonymous"),
                    if own { "own unit" } else { "other unit" },
                    if want == 0 { "sign-in".to_string() } else { want.to_string() },
                    r.status,
                    r.header("location"),
                    path
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} cells differ:\n{}", failures.len(), failures.join("\n"));
    println!("authorization matrix: {} routes, {} rules, {checked} requests (6 roles × own/other unit + anonymous)", routes.len(), RULES.len());
}
