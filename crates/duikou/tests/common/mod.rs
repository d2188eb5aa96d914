//! Shared by the integration tests that run the binary: start the REAL `duikou` binary
//! (`init`, `user add`, then `serve --addr 127.0.0.1:0`) in a temporary data directory,
//! on SQLite or on a fresh PostgreSQL database per test (dropped at the end); the
//! command-line runner; the backend macro; plus a small JSON client.
//!
//! PostgreSQL halves are `#[ignore]`d, so that a plain `cargo test` reports them as
//! ignored rather than passed; `.ci/run` runs them with `--include-ignored` and
//! `DUIKOU_TEST_POSTGRES_URL`, and without that variable they fail, never skip.
//!
//! ```ignore
//! #[macro_use]
//! mod common;
//! use common::{Backend, TestApp};
//! async fn start(backend: Backend) -> TestApp { TestApp::spawn_with_users(backend, USERS).await }
//! on_both_backends!(a_scenario);              // a_scenario::sqlite, a_scenario::postgres
//! async fn a_scenario(app: &mut TestApp) {
//!     let api = app.login("清溪镇").await;
//!     let r = api.get("/api/v1/records/transfer").await;
//! }
//! let cli = TestApp::init_only(Backend::Sqlite);  // a data directory, no server
//! ```
#![allow(dead_code)]

pub mod browser;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

/// The paired counties of the bundled plan, in plan order (as its map draws them).
pub const PAIRED_COUNTIES: [&str; 6] = ["昭阳区", "鲁甸县", "巧家县", "镇雄县", "彝良县", "威信县"];

/// The bundled plan with the counties' outlines (squares side by side) in `[map]`.
pub fn plan_with_outlines() -> String {
    let features: Vec<serde_json::Value> = PAIRED_COUNTIES
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (x, y) = (103.0 + (i % 3) as f64 * 0.6, 27.0 + (i / 3) as f64 * 0.6);
            serde_json::json!({
                "type": "Feature",
                "properties": {"name": n},
                "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 0.5, y], [x + 0.5, y + 0.5], [x, y + 0.5], [x, y]]]},
            })
        })
        .collect();
    let geojson = serde_json::json!({"type": "FeatureCollection", "features": features});
    format!(
        "{}\n[map]\ngeojson = '''{geojson}'''\n",
        duikou_domain::plan::BUNDLED_PLAN
    )
}

/// The PostgreSQL server tests may use: `postgres://USER@HOST:PORT/DB`; each test
/// creates its own database next to DB and drops it at the end.
pub const POSTGRES_ENV: &str = "DUIKOU_TEST_POSTGRES_URL";

/// The PostgreSQL server of [`POSTGRES_ENV`]; a test that needs it and finds it unset
/// fails: it was asked for (`--include-ignored`), so skipping would hide it.
pub fn postgres_base_url() -> String {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| panic!("this test needs PostgreSQL: set {POSTGRES_ENV}"))
}

/// A fresh PostgreSQL database next to the one [`POSTGRES_ENV`] names: (server URL,
/// database name, database URL). Safe to call inside or outside a runtime.
pub fn scratch_postgres_database(prefix: &str) -> (String, String, String) {
    let base = postgres_base_url();
    let b = base.clone();
    let prefix = prefix.to_string();
    let url = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(duikou_storage::create_scratch_postgres_database(
                &b, &prefix,
            ))
    })
    .join()
    .expect("create the scratch database")
    .unwrap_or_else(|e| panic!("PostgreSQL reachable at {POSTGRES_ENV}: {e}"));
    let name = url.rsplit('/').next().unwrap().to_string();
    (base, name, url)
}

/// Drop a scratch database made by [`scratch_postgres_database`]. Safe to call inside
/// or outside a runtime (and from `Drop`).
pub fn drop_postgres_database(base: String, name: String) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(async {
            use sea_orm::ConnectionTrait;
            let admin = sea_orm::Database::connect(&base).await.ok()?;
            if admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .is_err()
            {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                    .await;
            }
            let _ = admin.close().await;
            Some(())
        })
    })
    .join();
}

/// For each scenario `async fn NAME(app: &mut App)` (or `&App`), a module `NAME` with
/// two tests: `sqlite` and `postgres` (ignored unless asked for), each starting its app with `super::start(backend).await`.
/// `on_both_backends!(by_value: …)` hands the app over by value instead.
#[macro_export]
macro_rules! on_both_backends {
    (by_value: $($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$scenario(super::start(super::Backend::Sqlite).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[ignore = "PostgreSQL: run with --include-ignored and DUIKOU_TEST_POSTGRES_URL (.ci/run does)"]
            async fn postgres() {
                super::$scenario(super::start(super::Backend::Postgres).await).await;
            }
        }
    )*};
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let mut app = super::start(super::Backend::Sqlite).await;
                super::$scenario(&mut app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[ignore = "PostgreSQL: run with --include-ignored and DUIKOU_TEST_POSTGRES_URL (.ci/run does)"]
            async fn postgres() {
                let mut app = super::start(super::Backend::Postgres).await;
                super::$scenario(&mut app).await;
            }
        }
    )*};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running `duikou serve` with its own data directory and database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    pub backend: Backend,
    dir: tempfile::TempDir,
    /// The `--db` URL given to every command (PostgreSQL only).
    db_url: Option<String>,
    /// For dropping the scratch database: (server URL, database name).
    scratch: Option<(String, String)>,
    child: Option<Child>,
    /// The server running inside the test process (`spawn_in_process`), instead of a child.
    in_process: Option<tokio::task::JoinHandle<()>>,
    passwords: Mutex<HashMap<String, String>>,
    /// Serialises first sign-ins, so that two clients of one user change its initial
    /// password once.
    first_sign_in: tokio::sync::Mutex<()>,
    pub client: reqwest::Client,
    /// `DUIKOU_LOG` of the server (`warn` unless the test asks for more).
    log_filter: String,
    /// More environment for the server, applied at its next start.
    pub server_env: Vec<(String, String)>,
}

impl TestApp {
    /// On SQLite.
    pub async fn spawn() -> TestApp {
        Self::spawn_on(Backend::Sqlite).await
    }

    /// On the given backend.
    pub async fn spawn_on(backend: Backend) -> TestApp {
        Self::spawn_with_users(backend, &[]).await
    }

    /// Start, with these users (name, role, unit) created before the server starts.
    pub async fn spawn_with_users(
        backend: Backend,
        users: &[(&str, &str, Option<&str>)],
    ) -> TestApp {
        Self::spawn_with_log(backend, users, "warn").await
    }

    /// Start with users and the server's `DUIKOU_LOG` filter (e.g. `info`).
    pub async fn spawn_with_log(
        backend: Backend,
        users: &[(&str, &str, Option<&str>)],
        log_filter: &str,
    ) -> TestApp {
        let mut app = Self::init_only(backend);
        app.log_filter = log_filter.to_string();
        app.add_users(users);
        app.start_server();
        app
    }

    /// Start with users, the server inside this test's process on port 0 (the same
    /// `duikou::web` the binary serves, without starting a process): for tests of the
    /// pages and the API that need neither the server's log nor its process.
    pub async fn spawn_in_process(
        backend: Backend,
        users: &[(&str, &str, Option<&str>)],
    ) -> TestApp {
        let mut app = Self::init_only(backend);
        app.add_users(users);
        let cfg = duikou_app::config::Config::resolve(Some(app.data_dir()), app.db_url.clone());
        let state = duikou::web::state_from_config(cfg)
            .await
            .expect("the application starts");
        let (tx, rx) = tokio::sync::oneshot::channel();
        app.in_process = Some(tokio::spawn(async move {
            let served = duikou::web::serve(state, "127.0.0.1:0".parse().unwrap(), move |bound| {
                let _ = tx.send(bound);
            })
            .await;
            if let Err(e) = served {
                panic!("the in-process server failed: {e}");
            }
        }));
        let bound = tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .expect("the in-process server reports its address")
            .expect("the in-process server is bound");
        app.base_url = format!("http://{bound}");
        app
    }

    /// A data directory and database after `duikou init`, without a server: for the
    /// command line (`cli`, `cli_ok`); `restart_server` starts one later if wanted.
    pub fn init_only(backend: Backend) -> TestApp {
        let app = Self::uninitialised(backend);
        app.cli_ok(&["init"]);
        app
    }

    /// A data directory and an empty database, before `duikou init`.
    pub fn uninitialised(backend: Backend) -> TestApp {
        let (db_url, scratch) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let (base, name, url) = scratch_postgres_database("duikou_test");
                (Some(url), Some((base, name)))
            }
        };
        TestApp {
            base_url: String::new(),
            backend,
            dir: tempfile::tempdir().expect("temporary directory"),
            db_url,
            scratch,
            child: None,
            in_process: None,
            passwords: Mutex::new(HashMap::new()),
            first_sign_in: tokio::sync::Mutex::new(()),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            log_filter: "warn".to_string(),
            server_env: Vec::new(),
        }
    }

    /// A directory of this test's own beside the data directory (for input files).
    pub fn scratch_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The database URL the server uses (to inspect it from a test).
    pub fn database_url(&self) -> String {
        match &self.db_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data_dir().join("duikou.db").display()),
        }
    }

    /// A connection to the server's database.
    pub async fn db(&self) -> sea_orm::DatabaseConnection {
        sea_orm::Database::connect(self.database_url())
            .await
            .expect("database reachable")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_duikou"));
        c.arg("--data-dir").arg(self.data_dir());
        if let Some(db) = &self.db_url {
            c.arg("--db").arg(db);
        }
        c.args(args)
            .env_remove("DUIKOU_DATABASE_URL")
            .env_remove("DUIKOU_DATA_DIR")
            .env_remove("DUIKOU_SECRET_KEY_FILE")
            .env_remove("DUIKOU_ADDR")
            .env_remove("DUIKOU_SECURE_COOKIES");
        c
    }

    /// Run the binary on this app's data (it may run while the server does).
    pub fn cli(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run duikou")
    }

    /// Run expecting success; returns stdout.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let o = self.cli(args);
        assert!(
            o.status.success(),
            "duikou {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).expect("UTF-8 output")
    }

    /// `duikou user add NAME --role ROLE [--unit UNIT]`; returns the initial password
    /// (the last line of stdout), also kept for `login`.
    pub fn add_user(&self, name: &str, role: &str, unit: Option<&str>) -> String {
        self.add_users(&[(name, role, unit)]);
        self.password(name)
    }

    /// Several users at once (the commands run concurrently).
    pub fn add_users(&self, users: &[(&str, &str, Option<&str>)]) {
        let children: Vec<(String, Vec<String>, Child)> = users
            .iter()
            .map(|(name, role, unit)| {
                let mut args = vec!["user", "add", name, "--role", role];
                if let Some(u) = unit {
                    args.extend(["--unit", u]);
                }
                let child = self
                    .command(&args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("run duikou user add");
                (
                    name.to_string(),
                    args.iter().map(|s| s.to_string()).collect(),
                    child,
                )
            })
            .collect();
        for (name, args, child) in children {
            let o = child.wait_with_output().expect("duikou user add");
            let stdout = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success(),
                "duikou {args:?} failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            let password = stdout
                .lines()
                .last()
                .expect("password on the last line")
                .trim()
                .to_string();
            assert!(
                !password.is_empty() && !password.contains(' '),
                "password line: {password:?}"
            );
            self.passwords.lock().unwrap().insert(name, password);
        }
    }

    pub fn password(&self, name: &str) -> String {
        self.passwords
            .lock()
            .unwrap()
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no user {name} was added"))
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("serve.log")
    }

    /// What the server wrote to stderr so far.
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn start_server(&mut self) {
        // Appended to: a restarted server keeps the earlier log.
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("log file");
        let mut child = self
            .command(&["serve", "--addr", "127.0.0.1:0"])
            .env("DUIKOU_LOG", &self.log_filter)
            .envs(
                self.server_env
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start duikou serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            // Keep reading to the end so that the server never writes into a closed pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("listening on http://").nth(1)
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(rest.trim().trim_end_matches('/').to_string());
                }
            }
        });
        self.child = Some(child);
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => self.base_url = format!("http://{addr}"),
            Err(_) => {
                let status = self
                    .child
                    .as_mut()
                    .and_then(|c| c.try_wait().ok().flatten());
                panic!(
                    "duikou serve did not report its address (exit: {status:?}); log:\n{}",
                    self.server_log()
                );
            }
        }
    }

    /// The server's process id.
    pub fn server_pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// SIGKILL the server (a crash: no shutdown code runs) and reap it.
    pub fn kill_server(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM the server and wait (at most `timeout`) for it to exit; its exit status.
    pub fn terminate_server(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let pid = self.server_pid();
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        self.wait_server_exit(timeout)
    }

    /// Wait (at most `timeout`) for the server to exit by itself; its exit status.
    pub fn wait_server_exit(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("server running");
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().expect("wait for server") {
                return status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not exit within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Start the server again on the same data directory and database (after
    /// `kill_server` or `terminate_server`); it may listen on another port.
    pub fn restart_server(&mut self) {
        assert!(self.child.is_none(), "stop the server first");
        self.start_server();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> ApiClient {
        ApiClient {
            client: self.client.clone(),
            base: self.base_url.clone(),
            token: None,
            csrf: None,
        }
    }

    /// POST /api/v1/login for a user added with `add_user`, expecting success; the
    /// client then sends `Authorization: Bearer`. A user still on its initial password
    /// changes it first (`POST /api/v1/me/password`): the API refuses everything else
    /// until then. `login_initial` keeps the initial password.
    pub async fn login(&self, name: &str) -> ApiClient {
        let _first = self.first_sign_in.lock().await;
        let mut c = self.login_initial(name).await;
        if c.get("/api/v1/me").await.body["must_change_password"] == true {
            let r = c
                .post("/api/v1/me/password", &self.next_password(name))
                .await;
            assert_eq!(
                r.status, 200,
                "{name} changes the initial password: {}",
                r.text
            );
            self.keep_next_password(name);
            c.token = r.body["token"].as_str().map(str::to_string);
        }
        c
    }

    /// The body changing `name`'s password to the one `keep_next_password` records.
    fn next_password(&self, name: &str) -> Value {
        let current = self.password(name);
        serde_json::json!({ "current_password": current, "new_password": format!("{current}-Tea-Garden-7") })
    }

    fn keep_next_password(&self, name: &str) {
        let mut p = self.passwords.lock().unwrap();
        let next = format!("{}-Tea-Garden-7", p[name]);
        p.insert(name.to_string(), next);
    }

    /// POST /api/v1/login with the password as it is (the initial one, for a new user).
    pub async fn login_initial(&self, name: &str) -> ApiClient {
        let r = self
            .anonymous()
            .post(
                "/api/v1/login",
                &serde_json::json!({ "username": name, "password": self.password(name) }),
            )
            .await;
        assert_eq!(r.status, 200, "login {name}: {}", r.text);
        let token = r.body["token"].as_str().expect("token").to_string();
        ApiClient {
            client: self.client.clone(),
            base: self.base_url.clone(),
            token: Some(token),
            csrf: None,
        }
    }

    /// Sign in as a browser would: a client with a cookie store, no bearer token. The
    /// CSRF token from the login answer is kept but sent only by `with_csrf` calls. The
    /// initial password is changed first, as `login` does.
    pub async fn cookie_login(&self, name: &str) -> ApiClient {
        let _first = self.first_sign_in.lock().await;
        let mut c = self.cookie_login_initial(name).await;
        if c.get("/api/v1/me").await.body["must_change_password"] == true {
            let rb = c
                .request(reqwest::Method::POST, "/api/v1/me/password")
                .json(&self.next_password(name));
            let r = ApiClient::send(c.with_csrf(rb)).await;
            assert_eq!(
                r.status, 200,
                "{name} changes the initial password: {}",
                r.text
            );
            self.keep_next_password(name);
            c.csrf = r.body["csrf_token"].as_str().map(str::to_string);
        }
        c
    }

    /// `cookie_login` with the password as it is (the initial one, for a new user).
    pub async fn cookie_login_initial(&self, name: &str) -> ApiClient {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let mut c = ApiClient {
            client,
            base: self.base_url.clone(),
            token: None,
            csrf: None,
        };
        let r = c
            .post(
                "/api/v1/login",
                &serde_json::json!({ "username": name, "password": self.password(name) }),
            )
            .await;
        assert_eq!(r.status, 200, "login {name}: {}", r.text);
        c.csrf = Some(
            r.body["csrf_token"]
                .as_str()
                .expect("csrf_token")
                .to_string(),
        );
        c
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.in_process.take() {
            server.abort();
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some((base, name)) = self.scratch.take() {
            drop_postgres_database(base, name);
        }
    }
}

/// The value of the form field `name` in a page (a hidden field's token, a file hash),
/// with the escapes askama writes undone.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + 7;
    let end = rest[v..].find('"')?;
    Some(
        rest[v..v + end]
            .replace("&#x2b;", "+")
            .replace("&#x2f;", "/")
            .replace("&#47;", "/")
            .replace("&#x3d;", "=")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&amp;", "&"),
    )
}

/// An HTTP response read whole: status, headers, text and (when JSON) the value.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// `Value::Null` when the body is not JSON.
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The `field` keys of a 422's `fields`.
    pub fn fields(&self) -> Vec<String> {
        self.body["fields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A JSON client of one server, signed in with a bearer token, a cookie, or not at all.
#[derive(Clone)]
pub struct ApiClient {
    pub client: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
    /// The session's CSRF token (cookie sign-in).
    pub csrf: Option<String>,
}

impl ApiClient {
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    pub async fn send(rb: reqwest::RequestBuilder) -> Resp {
        let res = rb.send().await.expect("HTTP request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        Self::send(self.request(reqwest::Method::GET, path)).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        Self::send(self.request(reqwest::Method::POST, path).json(body)).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        Self::send(self.request(reqwest::Method::PATCH, path).json(body)).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        Self::send(self.request(reqwest::Method::DELETE, path)).await
    }

    /// The same call with the `X-CSRF-Token` header of a cookie session.
    pub fn with_csrf(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.header("X-CSRF-Token", self.csrf.clone().expect("a cookie session"))
    }
}
