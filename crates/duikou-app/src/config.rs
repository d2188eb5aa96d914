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
        c.max_connections = if self.is_sqlite() {
            self.max_connections.min(8)
        } else {
            self.max_connections
        };
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
