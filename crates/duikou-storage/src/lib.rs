//! duikou's storage: one code path over SQLite (embedded default) and PostgreSQL,
//! with repositories that speak domain types.

pub mod audit;
pub mod backup;
pub mod contributions;
pub mod entities;
pub mod migration;
pub mod passwords;
pub mod plans;
pub mod record_units;
pub mod records;
pub mod reminders;
mod sqlite_scan;
pub mod users;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use duikou_domain::schema::{RecordKind, unrendered_builtin};

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, Statement,
};
use sea_orm_migration::MigratorTrait;

pub use sea_orm::DatabaseConnection as Db;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "数据库不存在：{0}；请先运行 duikou init / the database does not exist: {0}; run `duikou init` first"
    )]
    Missing(String),
    #[error(
        "数据库尚未初始化（{0}）；请先运行 duikou init / the database is not initialised ({0}); run `duikou init` first"
    )]
    NotInitialised(String),
    #[error(
        "不支持的数据库地址：{0}（应为 sqlite:// 或 postgres://） / unsupported database URL: {0} (expected sqlite:// or postgres://)"
    )]
    UnsupportedUrl(String),
    #[error("数据库错误 / database error: {0}")]
    Db(#[from] DbErr),
}

/// Pool and connection settings.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub url: String,
    /// Only `init` may create a missing SQLite file.
    pub create_if_missing: bool,
    pub max_connections: u32,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            create_if_missing: false,
            max_connections: 10,
        }
    }
}

/// The connection pool for SQLite unless configured: two connections per core, 2 to 8.
/// SQLite runs each connection's statements on a thread of its own inside this process,
/// so connections beyond what the cores can run only add threads to schedule: on two
/// cores, 8 connections served the same requests per second as 4 with twice the p99
/// latency at 200 concurrent clients (bench/serve.sh). Writers take turns anyway.
/// The page cache of each pooled SQLite connection, in KiB: 128 MiB shared by the pool,
/// each between 8 and 64 MiB (the default is 2 MiB). An import's random inserts into the
/// natural-key and blind-index B-trees spill and re-read pages with less; a server's
/// eight connections with 64 MiB each held 520 MB at scale 10. Temporary B-trees (the
/// aggregate's distinct counts) stay in SQLite's default temporary store, which spills
/// to a file: their memory does not grow with the programme.
fn sqlite_cache_kib(connections: u32) -> u32 {
    (131_072 / connections.max(1)).clamp(8_192, 65_536)
}

pub fn default_sqlite_pool() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (2 * cores).clamp(2, 8) as u32
}

#[derive(Clone)]
pub struct Store {
    pub db: DatabaseConnection,
    /// Distinguishes stores in one process (for caches keyed by database).
    pub instance: u64,
    /// The record kinds of the active plan, to read stored records with: set whenever
    /// the plan is read from or loaded into this store (`Store::plan`, `load_plan`).
    kinds: Arc<RwLock<KindLookup>>,
    /// The plan whose records this store reads and writes (a database may hold several,
    /// side by side): set with the kinds, whenever a plan is read or loaded.
    plan_id: Arc<RwLock<String>>,
    /// Failed sign-ins under names that do not exist, shared by every store on this
    /// database (`detached` copies included) and dropped with them.
    unknown_names: Arc<std::sync::Mutex<users::UnknownNames>>,
}

/// Record kinds by key, as a plan defines them.
#[derive(Clone, Default)]
pub struct KindLookup(Arc<[RecordKind]>);

impl KindLookup {
    pub fn new(kinds: &[RecordKind]) -> Self {
        KindLookup(kinds.into())
    }

    /// The plan's kind of this key; before any plan is known, a built-in kind read by
    /// its keys and types only (`unrendered_builtin`).
    pub fn get(&self, key: &str) -> Option<RecordKind> {
        self.0.iter().copied().find(|k| k.key() == key).or_else(|| {
            if self.0.is_empty() {
                unrendered_builtin(key)
            } else {
                None
            }
        })
    }

    pub fn all(&self) -> &[RecordKind] {
        &self.0
    }
}

/// The path of an SQLite URL (`sqlite://path` or `sqlite:path`), if it is one.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(rest.split('?').next().unwrap_or(rest))
}

impl Store {
    pub async fn open(cfg: &StoreConfig) -> Result<Store, StoreError> {
        let url = cfg.url.trim();
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(cfg.max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30))
            .sqlx_logging(false);
        if let Some(path) = sqlite_path(url) {
            if path != ":memory:" && !cfg.create_if_missing && !std::path::Path::new(path).exists()
            {
                return Err(StoreError::Missing(path.to_string()));
            }
            let create = cfg.create_if_missing;
            let cache = sqlite_cache_kib(cfg.max_connections);
            opts.map_sqlx_sqlite_opts(move |o: SqliteConnectOptions| {
                o.create_if_missing(create)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
                    .pragma("cache_size", format!("-{cache}"))
            });
        } else if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let db = Database::connect(opts).await?;
        Ok(Store {
            db,
            instance: rand::random(),
            kinds: Arc::default(),
            plan_id: Arc::default(),
            unknown_names: Arc::default(),
        })
    }

    /// Read stored records with these kinds (the active plan's).
    pub fn use_kinds(&self, kinds: &[RecordKind]) {
        *self.kinds.write().unwrap_or_else(|p| p.into_inner()) = KindLookup::new(kinds);
    }

    /// Work on this plan's records, read with its kinds.
    pub fn use_plan(&self, plan: &duikou_domain::plan::Plan) {
        self.use_kinds(plan.kinds());
        *self.plan_id.write().unwrap_or_else(|p| p.into_inner()) = plan.meta.id.clone();
    }

    /// The plan whose records this store reads and writes ("" before any is known).
    pub fn plan_id(&self) -> String {
        self.plan_id
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The same database, for another plan: its kinds and plan are its own from now on
    /// (a server holding several plans has one such store per plan).
    pub fn detached(&self) -> Store {
        Store {
            db: self.db.clone(),
            instance: self.instance,
            kinds: Arc::new(RwLock::new(self.kinds())),
            plan_id: Arc::new(RwLock::new(self.plan_id())),
            unknown_names: self.unknown_names.clone(),
        }
    }

    pub fn kinds(&self) -> KindLookup {
        self.kinds.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// Create or upgrade the schema.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migration::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Open and check that `init` has been run on this database.
    pub async fn open_initialised(cfg: &StoreConfig) -> Result<Store, StoreError> {
        let store = Store::open(cfg).await?;
        if !store.has_schema().await? {
            return Err(StoreError::NotInitialised(redact_url(&cfg.url)));
        }
        // Apply any newer migrations shipped with this binary.
        store.migrate().await?;
        Ok(store)
    }

    pub async fn has_schema(&self) -> Result<bool, StoreError> {
        let sql = match self.backend() {
            DatabaseBackend::Sqlite => {
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'audit_head'"
            }
            _ => {
                "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'audit_head'"
            }
        };
        let row = self
            .db
            .query_one_raw(Statement::from_string(self.backend(), sql))
            .await?;
        let n: i64 = row
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        Ok(n > 0)
    }

    /// A number that changes with every write (the audit chain's length): every change
    /// appends to the chain, whichever process made it. Caches compare it.
    pub async fn change_seq(&self) -> Result<i64, StoreError> {
        let head = entities::audit_head::Entity::find_by_id(1)
            .one(&self.db)
            .await?;
        Ok(head.map(|h| h.seq).unwrap_or(0))
    }

    /// `true` when the database answers.
    pub async fn ping(&self) -> bool {
        self.db.ping().await.is_ok()
    }
}

/// A URL safe to print: the password, if any, replaced.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((cred, host)) = rest.split_once('@') {
            let user = cred.split(':').next().unwrap_or("");
            return format!("{scheme}://{user}@{host}");
        }
    }
    url.to_string()
}

/// Now, as stored: RFC 3339 UTC with microseconds.
pub fn now_text() -> String {
    format_ts(time::OffsetDateTime::now_utc())
}

pub fn format_ts(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

pub fn parse_ts(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A stored timestamp (RFC 3339, UTC) as people read it, in Beijing time (UTC+8):
/// `2019-03-15 14:03:07`; text that is not a timestamp unchanged.
pub fn beijing_text(ts: &str) -> String {
    match parse_ts(ts) {
        Some(t) => {
            let b = t.to_offset(time::macros::offset!(+8));
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                b.year(),
                u8::from(b.month()),
                b.day(),
                b.hour(),
                b.minute(),
                b.second()
            )
        }
        None => ts.to_string(),
    }
}

/// For tests and tools: create a fresh, empty PostgreSQL database next to the one
/// `base_url` names, and return its URL. Each test gets its own database.
pub async fn create_scratch_postgres_database(
    base_url: &str,
    prefix: &str,
) -> Result<String, StoreError> {
    let admin = Database::connect(base_url).await?;
    let name = format!("{prefix}_{}_{}", std::process::id(), rand::random::<u32>());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    let (head, _) = base_url
        .rsplit_once('/')
        .ok_or_else(|| StoreError::UnsupportedUrl(base_url.to_string()))?;
    Ok(format!("{head}/{name}"))
}
