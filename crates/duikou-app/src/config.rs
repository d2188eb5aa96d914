//! The configuration, read in one place: flags, then environment, then defaults.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `DUIKOU_DATA_DIR` (`--data-dir`) | SQLite file, key, evidence, uploads | `./duikou-data` |
//! | `DUIKOU_DATABASE_URL` (`--db`) | `sqlite://…` or `postgres://…` | `sqlite://DATA_DIR/duikou.db` |
//! | `DUIKOU_SECRET_KEY_FILE` | the master key | `DATA_DIR/secret.key` |
//! | `DUIKOU_DB_POOL` | database connections | 10 (PostgreSQL), fewer for SQLite |
//! | `DUIKOU_ADDR` (`serve --addr`) | where the server listens | `127.0.0.1:8080` |
//! | `DUIKOU_SECURE_COOKIES` | `1`/`true`: cookies marked `Secure` (behind HTTPS) | off |
//! | `DUIKOU_LOG` | tracing filter | `warn` |
//! | `DUIKOU_LOG_FORMAT` | `json`: one JSON object per log line | text |
//!
//! Reminders (`duikou remind`, 催报), [`ReminderConfig`]: the daily digest goes by e-mail
//! when `DUIKOU_SMTP_HOST` is set, to a group robot when `DUIKOU_WEBHOOK_URL` is, or both.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `DUIKOU_SMTP_HOST` | the mail server (relay) | none: no e-mail |
//! | `DUIKOU_SMTP_PORT` | its port | 587 (`starttls`), 465 (`tls`), 25 (`none`) |
//! | `DUIKOU_SMTP_TLS` | `starttls`, `tls` (implicit) or `none` (plain, a relay on a closed network) | `starttls` |
//! | `DUIKOU_SMTP_FROM` | the sender address | required with a host |
//! | `DUIKOU_SMTP_USER` | the login, if the server wants one | none |
//! | `DUIKOU_SMTP_PASSWORD_FILE` | a file holding the password (first line) | none |
//! | `DUIKOU_SMTP_PASSWORD` | the password itself (the file is preferred) | none |
//! | `DUIKOU_WEBHOOK_URL` | a group robot's address (企业微信 / 钉钉) | none: no webhook |
//! | `DUIKOU_WEBHOOK_FLAVOUR` | `wecom` (企业微信) or `dingtalk` (钉钉): the JSON shape | `wecom` |
//! | `DUIKOU_PUBLIC_URL` | the address people open the application at, for links in digests | none |
//! | `DUIKOU_TODAY` | the day taken for today by reminders (`remind --today` too) and by the receipt rules (no receipt date after it, the payee's 7-days correction window): a drill, a test | today, Beijing time |

use std::path::{Path, PathBuf};

use duikou_domain::crypto::SecretKey;
use duikou_domain::plan::Plan;
use duikou_storage::{Store, StoreConfig};

use crate::error::{AppError, AppResult};
use crate::private_fs;

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub key_file: PathBuf,
    pub max_connections: u32,
    /// Session cookies marked `Secure`: only when served over HTTPS.
    pub secure_cookies: bool,
    /// The plan to work on (`--plan ID`, env DUIKOU_PLAN); none: the plan whose years
    /// hold today, else the one that ends last.
    pub plan: Option<String>,
    /// Where reminders go (`DUIKOU_SMTP_*`, `DUIKOU_WEBHOOK_*`).
    pub reminders: ReminderConfig,
}

/// A secret (the SMTP password): never printed, not even by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required, not opportunistic).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on a closed network.
    None,
}

/// Where the SMTP password comes from; read when mail is sent, never logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    None,
    File(PathBuf),
    Env(Secret),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub from: String,
    pub user: Option<String>,
    pub password: PasswordSource,
}

impl SmtpConfig {
    /// The password, read from its file (first line) or the environment.
    pub fn password(&self) -> AppResult<Option<Secret>> {
        match &self.password {
            PasswordSource::None => Ok(None),
            PasswordSource::Env(s) => Ok(Some(s.clone())),
            PasswordSource::File(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    AppError::input(
                        format!("无法读取 SMTP 密码文件 {}（{e}）", p.display()),
                        format!("cannot read the SMTP password file {} ({e})", p.display()),
                    )
                })?;
                Ok(Some(Secret::new(
                    text.lines().next().unwrap_or_default().trim_end(),
                )))
            }
        }
    }
}

/// The JSON a group robot accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFlavour {
    /// 企业微信: `{"msgtype":"markdown","markdown":{"content":"…"}}`.
    WeCom,
    /// 钉钉: `{"msgtype":"markdown","markdown":{"title":"…","text":"…"}}`.
    DingTalk,
}

impl WebhookFlavour {
    pub fn key(self) -> &'static str {
        match self {
            WebhookFlavour::WeCom => "wecom",
            WebhookFlavour::DingTalk => "dingtalk",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    pub url: String,
    pub flavour: WebhookFlavour,
}

/// Where the reminders go, per installation. A bad value is kept as a problem and
/// reported (exit 2) by whoever sends ([`ReminderConfig::check`]), not at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReminderConfig {
    pub smtp: Option<SmtpConfig>,
    pub webhook: Option<WebhookConfig>,
    /// The application's address for links (`DUIKOU_PUBLIC_URL`), without a final `/`.
    pub public_url: Option<String>,
    /// The day taken for today (`DUIKOU_TODAY`): by reminders and by the receipt rules.
    pub today: Option<time::Date>,
    /// What is wrong with the variables, in both languages.
    pub problems: Vec<(String, String)>,
}

fn env_text(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl ReminderConfig {
    pub fn from_env() -> ReminderConfig {
        Self::from_lookup(env_text)
    }

    /// From any lookup of variables (the environment, or a test's table).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> ReminderConfig {
        let mut problems = Vec::new();
        let smtp = get("DUIKOU_SMTP_HOST").map(|host| {
            let tls = match get("DUIKOU_SMTP_TLS").as_deref().map(str::to_ascii_lowercase) {
                None => SmtpTls::StartTls,
                Some(v) if v == "starttls" => SmtpTls::StartTls,
                Some(v) if v == "tls" => SmtpTls::Tls,
                Some(v) if v == "none" => SmtpTls::None,
                Some(v) => {
                    problems.push((
                        format!("DUIKOU_SMTP_TLS 应为 starttls、tls 或 none，而不是「{v}」"),
                        format!("DUIKOU_SMTP_TLS must be starttls, tls or none, not \"{v}\""),
                    ));
                    SmtpTls::StartTls
                }
            };
            let default_port = match tls {
                SmtpTls::StartTls => 587,
                SmtpTls::Tls => 465,
                SmtpTls::None => 25,
            };
            let port = match get("DUIKOU_SMTP_PORT") {
                None => default_port,
                Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).unwrap_or_else(|| {
                    problems.push((
                        format!("DUIKOU_SMTP_PORT 应为 1–65535 的端口号，而不是「{p}」"),
                        format!("DUIKOU_SMTP_PORT must be a port 1–65535, not \"{p}\""),
                    ));
                    default_port
                }),
            };
            let from = get("DUIKOU_SMTP_FROM").unwrap_or_default();
            if !valid_email(&from) {
                problems.push((
                    format!("设置了 DUIKOU_SMTP_HOST，DUIKOU_SMTP_FROM 须为发件地址（现为「{from}」）"),
                    format!("with DUIKOU_SMTP_HOST set, DUIKOU_SMTP_FROM must be the sender's address (it is \"{from}\")"),
                ));
            }
            let password = match (get("DUIKOU_SMTP_PASSWORD_FILE"), get("DUIKOU_SMTP_PASSWORD")) {
                (Some(f), _) => PasswordSource::File(PathBuf::from(f)),
                (None, Some(p)) => PasswordSource::Env(Secret::new(p)),
                (None, None) => PasswordSource::None,
            };
            SmtpConfig {
                host,
                port,
                tls,
                from,
                user: get("DUIKOU_SMTP_USER"),
                password,
            }
        });
        let webhook = get("DUIKOU_WEBHOOK_URL").map(|url| {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                problems.push((
                    format!("DUIKOU_WEBHOOK_URL 应以 https:// 或 http:// 开头（现为「{url}」）"),
                    format!("DUIKOU_WEBHOOK_URL must start with https:// or http:// (it is \"{url}\")"),
                ));
            }
            let flavour = match get("DUIKOU_WEBHOOK_FLAVOUR").as_deref().map(str::to_ascii_lowercase) {
                None => WebhookFlavour::WeCom,
                Some(v) if v == "wecom" => WebhookFlavour::WeCom,
                Some(v) if v == "dingtalk" => WebhookFlavour::DingTalk,
                Some(v) => {
                    problems.push((
                        format!("DUIKOU_WEBHOOK_FLAVOUR 应为 wecom（企业微信）或 dingtalk（钉钉），而不是「{v}」"),
                        format!("DUIKOU_WEBHOOK_FLAVOUR must be wecom or dingtalk, not \"{v}\""),
                    ));
                    WebhookFlavour::WeCom
                }
            };
            WebhookConfig { url, flavour }
        });
        let today = get("DUIKOU_TODAY").and_then(|t| {
            let d = duikou_domain::record::parse_iso_date(&t);
            if d.is_none() {
                problems.push((
                    format!("DUIKOU_TODAY 应为 2019-10-15 这样的日期，而不是「{t}」"),
                    format!("DUIKOU_TODAY must be a date such as 2019-10-15, not \"{t}\""),
                ));
            }
            d
        });
        ReminderConfig {
            smtp,
            webhook,
            public_url: get("DUIKOU_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string()),
            today,
            problems,
        }
    }

    /// The first problem with the variables, as bad input (exit 2, HTTP 422).
    pub fn check(&self) -> AppResult<()> {
        match self.problems.first() {
            Some((zh, en)) => Err(AppError::input(zh, en)),
            None => Ok(()),
        }
    }

    /// Some channel is configured.
    pub fn any_channel(&self) -> bool {
        self.smtp.is_some() || self.webhook.is_some()
    }
}

/// An e-mail address as the digest needs it: one `@`, something on each side, no spaces
/// or control characters, at most 254 characters.
pub fn valid_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
}

/// How the program logs (read before anything else, so apart from [`Config`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// A tracing filter (`DUIKOU_LOG`), `warn` by default.
    pub filter: String,
    /// One JSON object per line (`DUIKOU_LOG_FORMAT=json`) rather than text.
    pub json: bool,
}

impl LogConfig {
    pub fn from_env() -> LogConfig {
        LogConfig {
            filter: std::env::var("DUIKOU_LOG")
                .ok()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "warn".to_string()),
            json: std::env::var("DUIKOU_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")),
        }
    }
}

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

impl Config {
    pub fn resolve(data_dir: Option<PathBuf>, db: Option<String>) -> Config {
        let data_dir = data_dir
            .or_else(|| std::env::var_os("DUIKOU_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("duikou-data"));
        let database_url = db
            .or_else(|| {
                std::env::var("DUIKOU_DATABASE_URL")
                    .ok()
                    .filter(|s| !s.trim().is_empty())
            })
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("duikou.db").display()));
        let key_file = std::env::var_os("DUIKOU_SECRET_KEY_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("secret.key"));
        let max_connections = std::env::var("DUIKOU_DB_POOL")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                if duikou_storage::sqlite_path(&database_url).is_some() {
                    duikou_storage::default_sqlite_pool()
                } else {
                    10
                }
            });
        Config {
            data_dir,
            database_url,
            key_file,
            max_connections,
            secure_cookies: flag("DUIKOU_SECURE_COOKIES"),
            plan: std::env::var("DUIKOU_PLAN")
                .ok()
                .filter(|s| !s.trim().is_empty()),
            reminders: ReminderConfig::from_env(),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        duikou_storage::sqlite_path(&self.database_url).is_some()
    }

    pub fn evidence_dir(&self) -> PathBuf {
        self.data_dir.join("evidence")
    }

    /// Import files waiting for their confirmation.
    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    fn store_config(&self, create: bool) -> StoreConfig {
        let mut c = StoreConfig::new(self.database_url.clone());
        c.create_if_missing = create;
        // At least two: deriving the figures reads records on one connection while its
        // transaction writes on another.
        c.max_connections = if self.is_sqlite() {
            self.max_connections.min(8)
        } else {
            self.max_connections
        }
        .max(2);
        c
    }

    /// Open a database `init` has prepared.
    pub async fn open(&self) -> AppResult<Store> {
        self.narrow_existing_files()?;
        Ok(Store::open_initialised(&self.store_config(false)).await?)
    }

    /// Open, creating the SQLite file if needed (only `init` does this).
    pub async fn open_creating(&self) -> AppResult<Store> {
        if let Some(path) = duikou_storage::sqlite_path(&self.database_url) {
            if let Some(parent) = Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                private_fs::create_dir_all(parent)?;
            }
            private_fs::prepare_sqlite_file(Path::new(path))?;
        }
        self.narrow_existing_files()?;
        Ok(Store::open(&self.store_config(true)).await?)
    }

    /// Close to others a data directory and database an earlier release left readable
    /// (0755 / 0644).
    fn narrow_existing_files(&self) -> AppResult<()> {
        if self.data_dir.is_dir() {
            private_fs::narrow_dir(&self.data_dir)?;
        }
        if let Some(path) = duikou_storage::sqlite_path(&self.database_url) {
            if Path::new(path).exists() {
                private_fs::prepare_sqlite_file(Path::new(path))?;
            }
        }
        Ok(())
    }

    /// The key protecting personal data; `init` creates it.
    pub fn load_key(&self) -> AppResult<SecretKey> {
        let text = std::fs::read_to_string(&self.key_file).map_err(|e| {
            AppError::input_text(format!(
                "无法读取密钥文件 {}（{e}）；请先运行 duikou init 或设置 DUIKOU_SECRET_KEY_FILE / cannot read the key file {} ({e}); run `duikou init` or set DUIKOU_SECRET_KEY_FILE",
                self.key_file.display(),
                self.key_file.display()
            ))
        })?;
        SecretKey::from_file_contents(&text).map_err(|e| {
            AppError::input_text(format!(
                "密钥文件无效 / invalid key file {}: {e}",
                self.key_file.display()
            ))
        })
    }

    /// Create the key file with owner-only permissions if it does not exist.
    pub fn ensure_key(&self) -> AppResult<bool> {
        if self.key_file.exists() {
            self.load_key()?;
            return Ok(false);
        }
        if let Some(parent) = self.key_file.parent().filter(|p| !p.as_os_str().is_empty()) {
            private_fs::create_dir_all(parent)?;
        }
        let key = SecretKey::generate();
        write_private(&self.key_file, key.to_file_contents().as_bytes())?;
        Ok(true)
    }
}

/// Write a file readable by its owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    private_fs::write_new(path, bytes)
}

/// The store and the plan loaded in it: what every command but `init` starts from.
pub async fn open_with_plan(cfg: &Config) -> AppResult<(Store, Plan)> {
    let store = cfg.open().await?;
    let plan = match &cfg.plan {
        Some(id) => match store.plan_by_id(id).await? {
            Some(plan) => plan,
            None => {
                let ids: Vec<String> = store.plans().await?.into_iter().map(|p| p.id).collect();
                return Err(AppError::input(
                    format!("数据库中没有计划 {id}；已有：{}", ids.join("、")),
                    format!("the database has no plan {id}; it has: {}", ids.join(", ")),
                ));
            }
        },
        None => store.plan().await?.ok_or_else(|| {
            AppError::input(
                "尚未载入计划，请运行 duikou init",
                "no plan is loaded; run `duikou init`",
            )
        })?,
    };
    Ok((store, plan))
}
