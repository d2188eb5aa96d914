//! The demo server (`duikou serve --demo`, the real binary) and a chromium browser driven
//! through chromedriver with WebDriver JSON calls: shared by every browser test. The
//! browser tests are `#[ignore]`d (they need Debian's chromium and chromedriver);
//! `.ci/run` installs both and runs them with `--include-ignored`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The WebDriver key of an element reference.
pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Server {
    pub child: Child,
    pub base: String,
    /// username → password, as printed by `serve --demo`.
    pub logins: HashMap<String, String>,
    pub _dir: tempfile::TempDir,
}

impl Server {
    pub fn start() -> Server {
        Self::start_in(tempfile::tempdir().expect("temp dir"))
    }

    /// The demo server on a database initialised with this plan file.
    pub fn start_with_plan(plan_file: &Path) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = Command::new(env!("CARGO_BIN_EXE_duikou"))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("init")
            .arg("--plan")
            .arg(plan_file)
            .env_remove("DUIKOU_DATABASE_URL")
            .env_remove("DUIKOU_SECRET_KEY_FILE")
            .output()
            .expect("duikou init");
        assert!(
            out.status.success(),
            "init --plan: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self::start_in(dir)
    }

    fn start_in(dir: tempfile::TempDir) -> Server {
        let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("stderr log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_duikou"))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["serve", "--demo", "--addr", "127.0.0.1:0"])
            .env_remove("DUIKOU_DATABASE_URL")
            .env_remove("DUIKOU_SECRET_KEY_FILE")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start duikou");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(300);
        let mut base = None;
        let mut logins = HashMap::new();
        let mut in_logins = false;
        while Instant::now() < deadline {
            let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) else {
                if let Ok(Some(status)) = child.try_wait() {
                    let log =
                        std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
                    panic!("duikou exited early ({status}): {log}");
                }
                continue;
            };
            if let Some(rest) = line.split("listening on http://").nth(1) {
                base = Some(format!("http://{}", rest.trim().trim_end_matches('/')));
            } else if line.contains("demo logins") {
                in_logins = true;
            } else if in_logins && line.starts_with("  ") {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if parts.len() >= 2 {
                    logins.insert(parts[0].to_string(), parts[1].to_string());
                }
            }
            if base.is_some() && logins.len() >= 7 {
                break;
            }
        }
        let base = base.expect("server address printed");
        assert!(logins.len() >= 7, "demo logins printed: {logins:?}");
        Server {
            child,
            base,
            logins,
            _dir: dir,
        }
    }

    pub fn password(&self, user: &str) -> &str {
        self.logins
            .get(user)
            .unwrap_or_else(|| panic!("no demo login {user}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver; on drop the browser session ends (closing chromium) and the driver stops.
pub struct Driver {
    pub child: Child,
    pub port: u16,
    pub session: Option<String>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(sid) = &self.session {
            // A plain blocking request: Drop cannot await.
            use std::io::{Read, Write};
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
                let _ = write!(
                    s,
                    "DELETE /session/{sid} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    self.port
                );
                let mut buf = Vec::new();
                let _ = s.read_to_end(&mut buf);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Browser {
    pub http: reqwest::Client,
    pub url: String,
    pub base: String,
    pub shots: PathBuf,
    pub _profile: tempfile::TempDir,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    pub async fn start(base: &str) -> (Driver, Browser) {
        let port = free_port();
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut driver = Driver {
            child,
            port,
            session: None,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(format!("{root}/status")).send().await
                && r.json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| v["value"]["ready"].as_bool())
                    == Some(true)
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1280,900", "--lang=zh-CN", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let r: Value = http
            .post(format!("{root}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .unwrap();
        let sid = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        driver.session = Some(sid.clone());
        let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let shots = shots.canonicalize().unwrap();
        (
            driver,
            Browser {
                http,
                url: format!("{root}/session/{sid}"),
                base: base.to_string(),
                shots,
                _profile: profile,
            },
        )
    }

    pub async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("webdriver json");
        if let Some(err) = v["value"].get("error") {
            panic!("webdriver {path}: {err} {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn goto(&self, path: &str) {
        self.post("/url", json!({"url": format!("{}{path}", self.base)}))
            .await;
    }

    pub async fn current_path(&self) -> String {
        let url = self
            .cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        url.strip_prefix(&self.base).unwrap_or(&url).to_string()
    }

    pub async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn try_find(&self, css: &str) -> Option<String> {
        let v: Value = self
            .http
            .post(format!("{}/element", self.url))
            .json(&json!({"using": "css selector", "value": css}))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        v["value"][ELEMENT].as_str().map(str::to_string)
    }

    /// Wait for an element (pages load after a click).
    pub async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(e) = self.try_find(css).await {
                return e;
            }
            if Instant::now() > deadline {
                panic!(
                    "no element {css} on {}: {}",
                    self.current_path().await,
                    self.text("main").await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.post(&format!("/element/{e}/click"), json!({})).await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.post(&format!("/element/{e}/clear"), json!({})).await;
        self.post(&format!("/element/{e}/value"), json!({"text": text}))
            .await;
    }

    pub async fn choose(&self, select_css: &str, value: &str) {
        self.click(&format!("{select_css} option[value=\"{value}\"]"))
            .await;
    }

    pub async fn js(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    pub async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        self.js(
            "document.querySelector(arguments[0]).value = arguments[1];",
            json!([css, value]),
        )
        .await;
    }

    /// The text of the element once it contains `needle` (after a form is sent the old
    /// page may still be showing an earlier message); panics after 20 s with what it shows.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text(css).await;
            if text.contains(needle) {
                return text;
            }
            if Instant::now() > deadline {
                panic!("{css} does not say {needle:?}: {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.js(
            "var e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
            json!([css]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_string()
    }

    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.post("/goog/cdp/execute", json!({"cmd": cmd, "params": params}))
            .await
    }

    pub async fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        )
        .await;
    }

    /// The whole page (up to 5000 px) as a PNG in target/screenshots/.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let size = self.js("return [document.documentElement.clientWidth, Math.min(document.documentElement.scrollHeight, 5000)];", json!([])).await;
        let (w, h) = (
            size[0].as_f64().unwrap_or(1280.0),
            size[1].as_f64().unwrap_or(900.0),
        );
        let shot = self.cdp("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true, "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}})).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .unwrap();
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// One element as it shows in the viewport.
    pub async fn element_screenshot(&self, css: &str, name: &str) -> PathBuf {
        let e = self.find(css).await;
        self.js(
            "document.querySelector(arguments[0]).scrollIntoView()",
            json!([css]),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let data = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{e}/screenshot"),
                None,
            )
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("screenshot"))
            .unwrap();
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub async fn login(&self, server: &Server, user: &str) {
        self.goto("/login").await;
        self.type_into("#username", user).await;
        self.type_into("#password", server.password(user)).await;
        self.click("#login-submit").await;
        self.find("#logout").await;
    }

    pub async fn logout(&self) {
        self.click("#logout").await;
        self.find("#login-submit").await;
    }
}

pub fn number(text: &str) -> f64 {
    text.chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a number in {text:?}"))
}

pub fn chromium_available() -> bool {
    Path::new("/usr/bin/chromedriver").exists() && (Path::new("/usr/bin/chromium").exists())
}
