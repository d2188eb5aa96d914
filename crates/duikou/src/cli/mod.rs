//! The `duikou` command line.

pub mod assess;
mod plan_view;

use std::io::{BufRead, IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use duikou_domain::plan::{BUNDLED_PLAN, Plan};
use duikou_domain::record::Status;
use duikou_domain::roles::{Actor, Role};
use duikou_domain::schema::{BuiltinKind, RecordKind};
use duikou_storage::Store;
use duikou_storage::records::ImportFile;
use sha2::{Digest, Sha256};

use duikou_app::accounts::check_role_unit;
use duikou_app::config::{Config, open_with_plan};
use duikou_app::error::{AppError, AppResult};

#[derive(Parser, Debug)]
#[command(
    name = "duikou",
    version,
    about = "对口：东西部扶贫协作计划、记录与考核 / run an East–West paired-assistance programme"
)]
pub struct Cli {
    /// Data directory (SQLite file, key, evidence). Env: DUIKOU_DATA_DIR. Default: ./duikou-data
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB. Env: DUIKOU_DATABASE_URL
    #[arg(long, global = true)]
    pub db: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create or migrate the database and load the bundled plan (or FILE)
    Init {
        #[arg(long)]
        plan: Option<PathBuf>,
        /// For benchmarks: load the plan with N copies of every town and county, paired
        /// alike, plan-wide targets × N (then `duikou demo --scale N`: N × the programme)
        #[arg(long, value_name = "N")]
        demo_scale: Option<u32>,
    },
    /// The loaded plan
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import records of one kind from .xlsx or .csv: all rows or none
    Import {
        kind: String,
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        /// Import as this user (a reporter's rows are submitted, not approved)
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Run the web application and JSON API
    Serve {
        /// Address to listen on. Env: DUIKOU_ADDR. Default: 127.0.0.1:8080
        #[arg(long, env = "DUIKOU_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// First load demo data into an empty database and print how to log in
        #[arg(long)]
        demo: bool,
    },
    /// Evaluate every indicator
    Assess {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long)]
        include_submitted: bool,
        #[arg(long, value_enum, default_value_t = AssessFormat::Table)]
        format: AssessFormat,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only the indicators that apply to this town or county (its scorecard)
        #[arg(long)]
        unit: Option<String>,
    },
    /// The work-checklist progress report (工作清单进展表): each item with its figures
    Checklist {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long)]
        include_submitted: bool,
        /// table (terminal) or xlsx (with --out)
        #[arg(long, value_enum, default_value_t = AssessFormat::Table)]
        format: AssessFormat,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Load deterministic synthetic records (scale 1 ≈ the real programme)
    Demo {
        /// N × the records: plan-wide volumes × N, and the towns' and counties' records
        /// for every copy the plan holds (`init --demo-scale N`: N × the programme)
        #[arg(long, default_value_t = 1)]
        scale: u32,
        #[arg(long, default_value_t = 2018)]
        seed: u64,
    },
    /// Consistent online backup: every table, the evidence files and the key, in one zip
    Backup { file: PathBuf },
    /// Restore a backup into an empty data directory / database
    Restore { file: PathBuf },
    /// The audit trail
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write the empty import template for a kind (.xlsx)
    Template {
        kind: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Export the records of a kind (.xlsx, or .csv in UTF-8 with BOM); ID numbers masked
    Export {
        kind: String,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, value_enum, default_value_t = ExportFileFormat::Xlsx)]
        format: ExportFileFormat,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Amounts in 万元 (header 「…（万元）」) instead of yuan
        #[arg(long)]
        wan: bool,
        /// Write ID numbers in full (recorded in the audit trail)
        #[arg(long)]
        unmask: bool,
        /// Which records by review status: all, draft, submitted, approved, rejected
        #[arg(long, default_value = "approved")]
        status: String,
    },
    /// Monthly bulletin (月度通报): towns and departments ranked, with what each still owes
    Bulletin {
        /// The month, e.g. 2019-06
        #[arg(long)]
        month: String,
        #[arg(long, value_enum, default_value_t = BulletinFormat::Xlsx)]
        format: BulletinFormat,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Inspection package (迎检材料包): a zip with a folder per checklist item, records and evidence
    Package {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long)]
        include_submitted: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ExportFileFormat {
    Csv,
    Xlsx,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum BulletinFormat {
    Xlsx,
    Html,
}

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// Print the loaded plan: units, pairings, items, indicators
    Show {
        #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
        format: PlanFormat,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; prints its initial password alone on the last line
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit: Option<String>,
    },
    /// Set a user's password, read from standard input (never an argument: it would
    /// show in `ps` and the shell history); checked for strength; every session ends
    Password {
        name: String,
        /// The user must change it at the next sign-in (a reset handed to someone else)
        #[arg(long)]
        must_change: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain; non-zero exit when broken
    Verify,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    Table,
    Json,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum AssessFormat {
    Table,
    Json,
    Xlsx,
}

/// What `duikou serve` starts: the web application, handed in by the binary so that the
/// command line does not depend on the web adapter.
pub type Server = fn(
    Config,
    std::net::SocketAddr,
    Box<dyn FnOnce(std::net::SocketAddr)>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = AppResult<()>>>>;

pub fn main(server: Server) -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    init_tracing();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(cli, server)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("错误 / error: {e}");
            e.exit_code()
        }
    }
}

/// Log to stderr at `DUIKOU_LOG` (default `warn`; `info` gives one line per request);
/// `DUIKOU_LOG_FORMAT=json` writes one JSON object per line. Colours only on a terminal.
fn init_tracing() {
    use std::io::IsTerminal;
    let log = duikou_app::config::LogConfig::from_env();
    let filter = tracing_subscriber::EnvFilter::try_new(&log.filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if log.json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}

pub async fn run(cli: Cli, server: Server) -> AppResult<()> {
    let cfg = Config::resolve(cli.data_dir, cli.db);
    match cli.command {
        Command::Init { plan, demo_scale } => init(&cfg, plan.as_deref(), demo_scale, true).await,
        Command::Plan {
            command: PlanCommand::Show { format },
        } => plan_show(&cfg, format).await,
        Command::User {
            command: UserCommand::Add { name, role, unit },
        } => user_add(&cfg, &name, &role, unit.as_deref()).await,
        Command::User {
            command: UserCommand::Password { name, must_change },
        } => user_password(&cfg, &name, must_change).await,
        Command::Import {
            kind,
            file,
            dry_run,
            as_user,
        } => import(&cfg, &kind, &file, dry_run, as_user.as_deref()).await,
        Command::Assess {
            year,
            as_of,
            include_submitted,
            format,
            out,
            unit,
        } => {
            crate::cli::assess::run(
                &cfg,
                year,
                as_of.as_deref(),
                include_submitted,
                format,
                out.as_deref(),
                unit.as_deref(),
            )
            .await
        }
        Command::Serve { addr, demo } => serve(cfg, &addr, demo, server).await,
        Command::Checklist {
            year,
            as_of,
            include_submitted,
            format,
            out,
        } => {
            crate::cli::assess::run_checklist(
                &cfg,
                year,
                as_of.as_deref(),
                include_submitted,
                format,
                out.as_deref(),
            )
            .await
        }
        Command::Demo { scale, seed } => demo(&cfg, scale, seed).await.map(|_| ()),
        Command::Audit {
            command: AuditCommand::Verify,
        } => audit_verify(&cfg).await,
        Command::Backup { file } => duikou_app::backup::backup(&cfg, &file).await,
        Command::Restore { file } => duikou_app::backup::restore(&cfg, &file).await,
        Command::Template { kind, out } => template_cmd(&cfg, &kind, out.as_deref()).await,
        Command::Export {
            kind,
            year,
            format,
            out,
            wan,
            unmask,
            status,
        } => {
            export_cmd(
                &cfg,
                &kind,
                year,
                format,
                out.as_deref(),
                wan,
                unmask,
                &status,
            )
            .await
        }
        Command::Bulletin { month, format, out } => {
            bulletin_cmd(&cfg, &month, format, out.as_deref()).await
        }
        Command::Package {
            year,
            as_of,
            include_submitted,
            out,
        } => {
            package_cmd(
                &cfg,
                year,
                as_of.as_deref(),
                include_submitted,
                out.as_deref(),
            )
            .await
        }
    }
}

/// Who acts from the command line, for the audit trail.
/// The audit trail's actor of `duikou import` without `--as`: the operator's bulk path,
/// which writes approved records without a review, marked as such.
pub fn bulk_import_actor() -> String {
    format!("{}（批量导入 bulk import）", cli_actor())
}

pub fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

pub fn read_plan_file(path: &Path) -> AppResult<(Plan, String)> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AppError::input(
            format!("无法读取计划文件 {}：{e}", path.display()),
            format!("cannot read plan file {}: {e}", path.display()),
        )
    })?;
    let plan = Plan::from_toml(&text, &path.display().to_string())
        .map_err(|e| AppError::input_text(e.to_string()))?;
    Ok((plan, text))
}

async fn init(
    cfg: &Config,
    plan_file: Option<&Path>,
    demo_scale: Option<u32>,
    hint_next: bool,
) -> AppResult<()> {
    // Validate the plan before touching anything.
    let (plan, source) = match plan_file {
        Some(p) => read_plan_file(p)?,
        None => (Plan::bundled(), BUNDLED_PLAN.to_string()),
    };
    let (plan, source) = match demo_scale {
        Some(n) if n != 1 => scaled_plan(&source, n)?,
        _ => (plan, source),
    };
    duikou_app::private_fs::create_dir_all(&cfg.data_dir)?;
    let created_key = cfg.ensure_key()?;
    let store = cfg.open_creating().await?;
    store.migrate().await?;
    let current = store.plan_source().await?;
    let loaded = match &current {
        Some((_, s)) if *s == source => false,
        // Keep a plan loaded earlier from a file.
        Some(_) if plan_file.is_none() && demo_scale.is_none() => false,
        _ => {
            store.load_plan(&plan, &source, &cli_actor()).await?;
            true
        }
    };
    let shown = store.plan().await?.expect("a plan is loaded");
    println!(
        "数据库 / database: {}",
        duikou_storage::redact_url(&cfg.database_url)
    );
    println!("数据目录 / data directory: {}", cfg.data_dir.display());
    if created_key {
        println!(
            "已生成个人信息加密密钥 / created the personal-data key: {}",
            cfg.key_file.display()
        );
    }
    println!(
        "{}计划 / plan {}: {}（{} 个单位，{} 组结对，{} 项工作清单，{} 个指标）",
        if loaded { "已载入" } else { "已有" },
        shown.meta.id,
        shown.meta.title,
        shown.units.len(),
        shown.pairings.len(),
        shown.items.len(),
        shown.indicators.len()
    );
    if hint_next && store.users().await?.is_empty() {
        println!(
            "下一步 / next: duikou user add 管理员 --role admin   或 / or: duikou serve --demo"
        );
    }
    Ok(())
}

/// The plan `source` with `copies` copies of every town and county
/// (`duikou_domain::plan_scale`), validated like any plan file.
pub fn scaled_plan(source: &str, copies: u32) -> AppResult<(Plan, String)> {
    let text = duikou_domain::plan_scale::scale_plan_toml(source, copies)
        .map_err(|e| AppError::input_text(e.to_string()))?;
    let plan = Plan::from_toml(&text, &format!("--demo-scale {copies}"))
        .map_err(|e| AppError::input_text(e.to_string()))?;
    Ok((plan, text))
}

async fn plan_show(cfg: &Config, format: PlanFormat) -> AppResult<()> {
    let (_store, plan) = open_with_plan(cfg).await?;
    match format {
        PlanFormat::Table => print!("{}", plan_view::render(&plan)),
        PlanFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&plan).expect("plan serialises")
        ),
    }
    Ok(())
}

async fn user_password(cfg: &Config, name: &str, must_change: bool) -> AppResult<()> {
    let (store, _plan) = open_with_plan(cfg).await?;
    let Some(user) = store.user_by_name(name.trim()).await? else {
        return Err(AppError::input(
            format!("用户「{name}」不存在"),
            format!("there is no user \"{name}\""),
        ));
    };
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take(4096)
        .read_line(&mut line)
        .map_err(|e| {
            AppError::input(
                format!("读取标准输入失败：{e}"),
                format!("cannot read standard input: {e}"),
            )
        })?;
    let password = line.trim_end_matches(['\r', '\n']);
    duikou_storage::passwords::check_new_password(password, &user.username, None)
        .map_err(|weak| AppError::input(weak.zh, weak.en))?;
    store
        .set_password(user.id, password, must_change, &cli_actor())
        .await?;
    println!(
        "已设置用户 {} 的密码，其所有会话已结束 / set the password of {}; every session of the user has ended",
        user.username, user.username
    );
    Ok(())
}

async fn user_add(cfg: &Config, name: &str, role: &str, unit: Option<&str>) -> AppResult<()> {
    let (store, plan) = open_with_plan(cfg).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::input(
            "用户名应为 1–64 个字符",
            "the username must be 1–64 characters",
        ));
    }
    let (role, unit) = check_role_unit(&plan, role, unit)?;
    if store.user_by_name(name).await?.is_some() {
        return Err(AppError::input(
            format!("用户「{name}」已存在"),
            format!("user \"{name}\" already exists"),
        ));
    }
    let password = duikou_storage::users::generate_password();
    store
        .create_user(name, role, unit.as_deref(), &password, &cli_actor())
        .await?;
    println!(
        "已创建用户 / created user {name}（{} {}），首次登录须修改密码 / must change the password at first sign-in",
        role.label_zh(),
        unit.as_deref().unwrap_or("")
    );
    println!("{password}");
    Ok(())
}

pub fn parse_kind(plan: &Plan, kind: &str) -> AppResult<RecordKind> {
    plan.kind(kind).ok_or_else(|| {
        let all = plan
            .kinds()
            .iter()
            .map(|k| format!("{}（{}）", k.key(), k.label_zh()))
            .collect::<Vec<_>>()
            .join(", ");
        AppError::input(
            format!("未知记录类型「{kind}」，可选：{all}"),
            format!("unknown record kind \"{kind}\"; one of: {all}"),
        )
    })
}

/// The most an import file may be. `duikou import` streams the file (memory stays
/// bounded whatever its size); the limit only refuses what cannot be a real import file.
pub const MAX_IMPORT_BYTES: u64 = 4 * 1024 * 1024 * 1024;

async fn import(
    cfg: &Config,
    kind: &str,
    file: &Path,
    dry_run: bool,
    as_user: Option<&str>,
) -> AppResult<()> {
    let (store, plan) = open_with_plan(cfg).await?;
    let kind = parse_kind(&plan, kind)?;
    let key = cfg.load_key()?;
    let actor: Option<Actor> = match as_user {
        Some(name) => {
            let u = store.user_by_name(name).await?.ok_or_else(|| {
                AppError::input(format!("没有用户「{name}」"), format!("no user \"{name}\""))
            })?;
            if u.disabled {
                return Err(AppError::input(
                    format!("用户「{name}」已停用"),
                    format!("user \"{name}\" is disabled"),
                ));
            }
            Some(u.actor())
        }
        None => None,
    };
    if let Some(a) = &actor {
        if !a.can_import() {
            return Err(AppError::input(
                format!("用户 {} 的角色不能导入记录", a.username),
                format!("user {}'s role cannot import records", a.username),
            ));
        }
    }
    check_size(file, MAX_IMPORT_BYTES)?;
    let file_name = file.display().to_string();
    let scan = duikou_app::tabular::scan_file(file).map_err(|e| {
        AppError::input(
            format!("无法读取文件 {}：{e}", file.display()),
            format!("cannot read file {}: {e}", file.display()),
        )
    })?;
    let already = |batch: i64, at: &str| {
        println!(
            "此文件已导入（批次 {batch}，{at}），未重复导入 / this file was already imported (batch {batch}, {at}); nothing was written"
        );
    };
    if let Some((batch, at)) = store.find_import(kind, &scan.sha256).await? {
        already(batch, &at);
        return Ok(());
    }
    // As a user, the rows wait for review like that user's uploads (a coordinator's for
    // another coordinator: four eyes); without `--as` this is the administrator's bulk
    // path, approved at once and named so in the audit trail.
    let status = match &actor {
        Some(_) => Status::Submitted,
        None => Status::Approved,
    };
    let who = actor
        .as_ref()
        .map(|a| a.username.clone())
        .unwrap_or_else(bulk_import_actor);
    let bar = row_counter(if dry_run {
        "校验 / checking"
    } else {
        "导入 / importing"
    });
    let job = duikou_app::importer::ImportJob {
        kind,
        path: file.to_path_buf(),
        file_name: file_name.clone(),
        scan,
        status,
        actor_name: who,
        dry_run,
    };
    let result = duikou_app::importer::import_file(
        &store,
        std::sync::Arc::new(plan),
        key,
        actor,
        job,
        |n| bar.set_position(n as u64),
    )
    .await;
    bar.finish_and_clear();
    use duikou_app::importer::{ImportFailure, Imported};
    match result {
        Ok(Imported::Checked { rows, existing }) => println!(
            "校验通过（未写入） / valid (dry run, nothing written): {rows} 行 rows，{} 条新记录 new records，{existing} 条已存在 already stored",
            rows - existing
        ),
        Ok(Imported::Written(outcome)) => println!(
            "已导入 / imported {}：{} 条新记录 new records（{}），{} 条已存在未重复导入 already stored, skipped；批次 batch {}",
            kind.label_zh(),
            outcome.inserted,
            status.label_zh(),
            outcome.skipped_existing,
            outcome.batch
        ),
        Err(ImportFailure::Table(e)) => return Err(AppError::input_text(e.to_string())),
        Err(ImportFailure::Rows(errors)) => return Err(report_errors(&file_name, &errors)),
        Err(ImportFailure::Record(duikou_storage::records::RecordError::AlreadyImported {
            batch,
            at,
        })) => already(batch, &at),
        Err(ImportFailure::Record(e)) => return Err(e.into()),
        Err(ImportFailure::Changed) => {
            return Err(AppError::input(
                format!("文件 {file_name} 在导入过程中被修改，未导入任何记录；请重新导入"),
                format!(
                    "file {file_name} changed while it was being imported; nothing was imported, import it again"
                ),
            ));
        }
    }
    Ok(())
}

/// A progress line counting rows (hidden unless stderr is a terminal).
fn row_counter(label: &'static str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {pos} {per_sec}").expect("template"),
    );
    bar.set_message(label);
    bar
}

fn report_errors(file: &str, errors: &duikou_app::import_report::Problems) -> AppError {
    let mut msg = format!(
        "{file}：{}，整个文件未导入 / {}; nothing was imported\n",
        errors.summary_zh(),
        errors.summary_en()
    );
    for e in errors.listed() {
        msg.push_str(&format!("  {e}\n"));
    }
    AppError::input_text(msg.trim_end().to_string())
}

/// Refuse a file larger than `max` (or one that cannot be read).
pub fn check_size(path: &Path, max: u64) -> AppResult<()> {
    let meta = std::fs::metadata(path).map_err(|e| {
        AppError::input(
            format!("无法读取文件 {}：{e}", path.display()),
            format!("cannot read file {}: {e}", path.display()),
        )
    })?;
    if meta.len() > max {
        return Err(AppError::input(
            format!(
                "文件 {} 太大（上限 {} MB）",
                path.display(),
                max / 1024 / 1024
            ),
            format!(
                "file {} is too large (limit {} MB)",
                path.display(),
                max / 1024 / 1024
            ),
        ));
    }
    Ok(())
}

/// Load demo records into the database; returns how many were written.
pub async fn demo(cfg: &Config, scale: u32, seed: u64) -> AppResult<usize> {
    if scale == 0 {
        return Err(AppError::input(
            "--scale 至少为 1",
            "--scale must be at least 1",
        ));
    }
    // One connection: the writes are one after another, and every SQLite connection of a
    // pool keeps a page cache of its own (up to 64 MiB each: 700 MB peak at scale 10
    // with the default pool, 150 MB with one connection).
    let cfg = Config {
        max_connections: 1,
        ..cfg.clone()
    };
    let (store, plan) = open_with_plan(&cfg).await?;
    let copies = duikou_domain::plan_scale::copies_in(&plan);
    if copies > 1 && copies != scale {
        eprintln!(
            "提示 / note: 计划含 {copies} 份镇街和县区，--scale {scale} / the plan holds {copies} copies of its towns and counties; use --scale {copies} for {copies} × the programme"
        );
    }
    let key = cfg.load_key()?;
    let evidence = duikou_app::evidence_store::EvidenceStore::new(cfg.evidence_dir());
    let counts = load_demo_counts(&store, &plan, &key, scale, seed, Some(&evidence)).await?;
    let n: usize = counts.iter().map(|c| c.1).sum();
    println!("已载入演示数据 / loaded demo data: {n} 条记录 records（scale {scale}, seed {seed}）");
    let per_kind: Vec<String> = counts
        .iter()
        .map(|(kind, n)| format!("{} {}", kind.key(), n))
        .collect();
    println!("  {}", per_kind.join(", "));
    Ok(n)
}

pub async fn load_demo(
    store: &Store,
    plan: &Plan,
    key: &duikou_domain::crypto::SecretKey,
    scale: u32,
    seed: u64,
) -> AppResult<usize> {
    load_demo_with_evidence(store, plan, key, scale, seed, None).await
}

/// Load demo records and, given an evidence store, attach generated evidence files to
/// about 70 % of the new transfers, activities and secondments (`demo::evidence_for`).
pub async fn load_demo_with_evidence(
    store: &Store,
    plan: &Plan,
    key: &duikou_domain::crypto::SecretKey,
    scale: u32,
    seed: u64,
    evidence: Option<&duikou_app::evidence_store::EvidenceStore>,
) -> AppResult<usize> {
    let counts = load_demo_counts(store, plan, key, scale, seed, evidence).await?;
    Ok(counts.iter().map(|c| c.1).sum())
}

/// Rows per import batch of the demo data: generated, validated, written, dropped.
/// Three batches are alive at once (being generated, waiting, being written), about
/// 1.7 KB a row: 5,000 keep that near 25 MB (20,000: 100 MB) at no measurable cost in time.
pub const DEMO_CHUNK_ROWS: usize = 5_000;

/// One batch of demo records, validated and ready to write (or written by an earlier run).
enum DemoChunk {
    Rows {
        kind: RecordKind,
        part: usize,
        records: Vec<duikou_storage::records::NewRecord>,
    },
    AlreadyImported,
}

/// The import name of part `part` (from 1) of a kind's demo records: a second run with
/// the same scale and seed finds every part imported and writes nothing.
fn demo_batch_name(kind: RecordKind, scale: u32, seed: u64, part: usize) -> String {
    format!("demo:{}:scale{scale}:seed{seed}:part{part}", kind.key())
}

/// Load the demo records kind by kind, in batches of `DEMO_CHUNK_ROWS`: a thread
/// generates and validates the next batch while this task writes the last one (and
/// attaches its evidence), through a channel of one batch, so memory stays bounded at
/// any scale. Returns the records written per kind.
pub async fn load_demo_counts(
    store: &Store,
    plan: &Plan,
    key: &duikou_domain::crypto::SecretKey,
    scale: u32,
    seed: u64,
    evidence: Option<&duikou_app::evidence_store::EvidenceStore>,
) -> AppResult<Vec<(RecordKind, usize)>> {
    let scale = scale.max(1);
    // Parts written by an earlier run (a prefix: parts are written in order) are not
    // validated again.
    let mut done = Vec::new();
    // The demo fills the built-in kinds (a plan's own kinds have no generator).
    let demo_kinds: Vec<RecordKind> = BuiltinKind::ALL.map(|b| plan.kind_of(b)).to_vec();
    for &kind in &demo_kinds {
        let mut parts = 0;
        loop {
            let name = demo_batch_name(kind, scale, seed, parts + 1);
            let sha = hex::encode(Sha256::digest(name.as_bytes()));
            if store.find_import(kind, &sha).await?.is_none() {
                break;
            }
            parts += 1;
        }
        done.push(parts);
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<AppResult<DemoChunk>>(1);
    let producer = {
        let plan = plan.clone();
        let key = key.clone();
        std::thread::spawn(move || produce_demo(&plan, &key, scale, seed, &done, &tx))
    };
    let mut counts: Vec<(RecordKind, usize)> = demo_kinds.iter().map(|&k| (k, 0)).collect();
    let mut evidence_after: std::collections::HashMap<RecordKind, i64> = Default::default();
    let mut bar: Option<(RecordKind, indicatif::ProgressBar, u64)> = None;
    while let Some(chunk) = rx.recv().await {
        let DemoChunk::Rows {
            kind,
            part,
            records,
        } = chunk?
        else {
            continue;
        };
        if bar.as_ref().is_none_or(|b| b.0 != kind) {
            if let Some((_, b, _)) = bar.take() {
                b.finish_and_clear();
            }
            bar = Some((kind, demo_progress_bar(kind.label_zh()), 0));
        }
        let (_, b, base) = bar.as_mut().expect("set above");
        let name = demo_batch_name(kind, scale, seed, part);
        let sha = hex::encode(Sha256::digest(name.as_bytes()));
        let start = *base;
        match store
            .import_records(
                &ImportFile {
                    kind,
                    file_name: &name,
                    sha256: &sha,
                },
                &records,
                Status::Approved,
                "demo",
                |n| b.set_position(start + n as u64),
            )
            .await
        {
            Ok(o) => {
                counts
                    .iter_mut()
                    .find(|c| c.0 == kind)
                    .expect("every kind")
                    .1 += o.inserted;
                if let Some(ev) = evidence {
                    let after = evidence_after.entry(kind).or_insert(0);
                    *after = attach_demo_evidence(store, ev, kind, o.batch, *after, seed).await?;
                }
            }
            // Written meanwhile by another run.
            Err(duikou_storage::records::RecordError::AlreadyImported { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        *base += records.len() as u64;
    }
    if let Some((_, b, _)) = bar {
        b.finish_and_clear();
    }
    producer
        .join()
        .map_err(|_| AppError::failure_text("演示数据生成失败 / the demo generator panicked"))?;
    Ok(counts)
}

/// A progress bar of rows written, without a known end (hidden off a terminal).
fn demo_progress_bar(label: &'static str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::no_length();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {pos} 条 / rows {per_sec} {elapsed}")
            .expect("template"),
    );
    bar.set_message(label);
    bar
}

/// The generator side of `load_demo_counts` (its own thread): every kind in turn, cut
/// into batches, each validated as an import would be and sent; parts already written
/// (`done[kind]`) are generated (the random streams run on) but not validated. Stops
/// sending when the receiver is gone.
fn produce_demo(
    plan: &Plan,
    key: &duikou_domain::crypto::SecretKey,
    scale: u32,
    seed: u64,
    done: &[usize],
    tx: &tokio::sync::mpsc::Sender<AppResult<DemoChunk>>,
) {
    let ctx = duikou_domain::record::ValidationContext {
        plan,
        default_unit: plan.meta.coordinator.as_deref(),
    };
    let mut stopped = false;
    for (kind, &done) in BuiltinKind::ALL
        .map(|b| plan.kind_of(b))
        .into_iter()
        .zip(done)
    {
        let mut part = 0;
        let mut rows_before = 0;
        let mut buf = Vec::with_capacity(DEMO_CHUNK_ROWS);
        let mut flush = |buf: &mut Vec<duikou_app::demo::Row>, stopped: &mut bool| {
            part += 1;
            let first_row = rows_before;
            rows_before += buf.len();
            let msg = if part <= done {
                buf.clear();
                Ok(DemoChunk::AlreadyImported)
            } else {
                let mut records = Vec::with_capacity(buf.len());
                let mut bad = None;
                for (i, input) in buf.drain(..).enumerate() {
                    match duikou_domain::record::validate(kind, &input, &ctx) {
                        Ok(valid) => {
                            records.push(duikou_app::importer::new_record(valid, plan, key))
                        }
                        Err(errs) => {
                            let row = first_row + i;
                            bad = Some(AppError::failure_text(format!(
                                "演示数据第 {} 行无效 / demo row {row} of {} invalid: {}",
                                row + 1,
                                kind.key(),
                                errs.iter()
                                    .map(|e| e.to_string())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            )));
                            break;
                        }
                    }
                }
                match bad {
                    Some(e) => Err(e),
                    None => Ok(DemoChunk::Rows {
                        kind,
                        part,
                        records,
                    }),
                }
            };
            let failed = msg.is_err();
            if tx.blocking_send(msg).is_err() || failed {
                *stopped = true;
            }
        };
        duikou_app::demo::generate_kind(plan, scale, seed, kind, &mut |row| {
            if stopped {
                return;
            }
            buf.push(row);
            if buf.len() == DEMO_CHUNK_ROWS {
                flush(&mut buf, &mut stopped);
            }
        });
        if !buf.is_empty() && !stopped {
            flush(&mut buf, &mut stopped);
        }
        if stopped {
            return;
        }
    }
}

/// Demo evidence for the records of a batch just imported (only those: a second
/// `duikou demo` adds nothing). Reads the records of `kind` after id `after` (the batches
/// of a kind are written in order, so the next batch starts where this one ended);
/// returns the last id read.
async fn attach_demo_evidence(
    store: &Store,
    evidence: &duikou_app::evidence_store::EvidenceStore,
    kind: RecordKind,
    batch: i64,
    mut after: i64,
    seed: u64,
) -> AppResult<i64> {
    if !matches!(
        kind.builtin(),
        Some(BuiltinKind::Transfer | BuiltinKind::Activity | BuiltinKind::Secondment)
    ) {
        return Ok(after);
    }
    let started = std::time::Instant::now();
    let mut files = 0;
    let q = duikou_storage::records::RecordQuery {
        kind: Some(kind),
        ..Default::default()
    };
    loop {
        let page = store.records_after(&q, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in page
            .iter()
            .filter(|r| r.import_batch_id == Some(batch) && r.evidence_count == 0)
        {
            if let Some(e) = duikou_app::demo::evidence_for(seed, kind, &r.fields) {
                let sha = evidence.put(&e.bytes)?;
                store
                    .add_evidence(
                        r.id,
                        &sha,
                        &e.file_name,
                        e.content_type,
                        e.bytes.len() as i64,
                        "demo",
                    )
                    .await?;
                files += 1;
            }
        }
    }
    tracing::info!(
        kind = kind.key(),
        batch,
        files,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo evidence attached"
    );
    Ok(after)
}

async fn serve(cfg: Config, addr: &str, demo: bool, server: Server) -> AppResult<()> {
    let addr: std::net::SocketAddr = addr.parse().map_err(|_| {
        AppError::input(
            format!("地址无效：{addr}"),
            format!("invalid address: {addr} (expected HOST:PORT)"),
        )
    })?;
    let mut logins = Vec::new();
    if demo {
        logins = prepare_demo(&cfg).await?;
    }
    server(
        cfg,
        addr,
        Box::new(move |bound| {
            println!("duikou 已启动 / listening on http://{bound}/");
            if !logins.is_empty() {
                println!("演示账号 / demo logins (用户名 username / 密码 password):");
                for (name, role, unit, password) in &logins {
                    println!("  {name:<8} {password}  {role} {unit}");
                }
            }
            use std::io::Write;
            let _ = std::io::stdout().flush();
        }),
    )
    .await
}

/// For `serve --demo`: initialise if needed, load demo data into an empty database and
/// create one user per role (fresh passwords each start).
async fn prepare_demo(cfg: &Config) -> AppResult<Vec<(String, String, String, String)>> {
    let needs_init = match cfg.open().await {
        Ok(store) => store.plan().await?.is_none(),
        Err(_) => true,
    };
    if needs_init {
        init(cfg, None, None, false).await?;
    }
    let (store, plan) = open_with_plan(cfg).await?;
    if store.count_records().await? == 0 {
        let key = cfg.load_key()?;
        eprintln!("正在载入演示数据 / loading demo data…");
        let evidence = duikou_app::evidence_store::EvidenceStore::new(cfg.evidence_dir());
        load_demo_with_evidence(&store, &plan, &key, 1, 2018, Some(&evidence)).await?;
    }
    let demo_users = [
        ("经协办", Role::Coordinator, Some("市经协办")),
        ("清溪镇", Role::Reporter, Some("清溪镇")),
        ("黄江镇", Role::Reporter, Some("黄江镇")),
        ("镇雄县", Role::Receiver, Some("镇雄县")),
        ("领导", Role::Viewer, None),
        ("审计", Role::Auditor, None),
        ("管理员", Role::Admin, None),
    ];
    let mut out = Vec::new();
    for (name, role, unit) in demo_users {
        let password = duikou_storage::users::generate_password();
        let id = match store.user_by_name(name).await? {
            Some(u) => u.id,
            None => {
                store
                    .create_user(name, role, unit, &password, "demo")
                    .await?
                    .id
            }
        };
        store.set_password(id, &password, false, "demo").await?;
        out.push((
            name.to_string(),
            role.label_zh().to_string(),
            unit.unwrap_or("").to_string(),
            password,
        ));
    }
    Ok(out)
}

async fn audit_verify(cfg: &Config) -> AppResult<()> {
    let store = cfg.open().await?;
    let report = duikou_storage::audit::verify(&store.db)
        .await
        .map_err(|e| AppError::failure_text(e.to_string()))?;
    match report.problem {
        None => {
            println!(
                "审计链完好 / audit chain intact: {} 条记录 entries",
                report.entries
            );
            Ok(())
        }
        Some(p) => Err(AppError::failure_text(format!(
            "审计链已损坏 / audit chain broken: {p}"
        ))),
    }
}

// ------------------------------------------------------------------ reports (duikou-reports)

fn report_err(e: duikou_reports::ReportError) -> AppError {
    match e {
        duikou_reports::ReportError::Store(s) => s.into(),
        e if e.is_input() => AppError::input_text(e.to_string()),
        e => AppError::failure_text(e.to_string()),
    }
}

/// Write through a `.part` file renamed at the end, so a failure leaves no half file.
fn write_atomically(path: &Path, bytes: &[u8]) -> AppResult<()> {
    let tmp = path.with_file_name(format!(
        "{}.part",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn check_year(plan: &Plan, year: Option<i32>) -> AppResult<()> {
    match year.map(|y| plan.check_year(y)) {
        Some(Err(outside)) => {
            let m = outside.message();
            Err(AppError::input(m.zh, m.en))
        }
        _ => Ok(()),
    }
}

async fn template_cmd(cfg: &Config, kind: &str, out: Option<&Path>) -> AppResult<()> {
    let (_store, plan) = open_with_plan(cfg).await?;
    let kind = parse_kind(&plan, kind)?;
    let bytes = duikou_reports::template::template(&plan, kind).map_err(report_err)?;
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(duikou_reports::template::file_name(kind)));
    write_atomically(&path, &bytes)?;
    println!("已写入导入模板 / template written: {}", path.display());
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn export_cmd(
    cfg: &Config,
    kind: &str,
    year: Option<i32>,
    format: ExportFileFormat,
    out: Option<&Path>,
    wan: bool,
    unmask: bool,
    status: &str,
) -> AppResult<()> {
    use duikou_reports::export::{
        ExportFormat, ExportOptions, Ids, StatusFilter, export_store, file_name,
    };
    let status = StatusFilter::from_key(status).ok_or_else(|| {
        AppError::input(
            format!("审核状态无效：{status}（可选：{}）", StatusFilter::CHOICES),
            format!(
                "invalid --status {status} (one of: {})",
                StatusFilter::CHOICES
            ),
        )
    })?;
    let (store, plan) = open_with_plan(cfg).await?;
    let kind = parse_kind(&plan, kind)?;
    check_year(&plan, year)?;
    let format = match format {
        ExportFileFormat::Csv => ExportFormat::Csv,
        ExportFileFormat::Xlsx => ExportFormat::Xlsx,
    };
    let key = if unmask { Some(cfg.load_key()?) } else { None };
    let ids = key.as_ref().map(Ids::Unmasked).unwrap_or(Ids::Masked);
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(file_name(kind, year, format)));
    let tmp = path.with_file_name(format!(
        "{}.part",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    let opts = ExportOptions {
        format,
        ids,
        money_in_wan: wan,
        actor: None,
        status,
    };
    let summary = match export_store(&store, kind, year, opts, file).await {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(report_err(e));
        }
    };
    std::fs::rename(&tmp, &path)?;
    if summary.unmasked {
        let after = serde_json::json!({ "kind": kind.key(), "year": year, "rows": summary.rows, "file": path.display().to_string() });
        store
            .audit_event(
                duikou_storage::audit::AuditEvent::new(
                    &cli_actor(),
                    "record.export_unmasked",
                    kind.key(),
                    "*",
                )
                .after(&after),
            )
            .await?;
    }
    println!(
        "已导出 / exported {} {} 条记录 records{} → {}",
        kind.label_zh(),
        summary.rows,
        if summary.unmasked {
            "（身份证号未脱敏，已记入审计 / ID numbers in full, audited）"
        } else {
            ""
        },
        path.display()
    );
    Ok(())
}

async fn bulletin_cmd(
    cfg: &Config,
    month: &str,
    format: BulletinFormat,
    out: Option<&Path>,
) -> AppResult<()> {
    use duikou_reports::bulletin;
    let month = bulletin::Month::parse(month).map_err(report_err)?;
    let (store, plan) = open_with_plan(cfg).await?;
    let b = bulletin::from_store(&store, &plan, month)
        .await
        .map_err(report_err)?;
    let (bytes, ext) = match format {
        BulletinFormat::Xlsx => (bulletin::xlsx(&b).map_err(report_err)?, "xlsx"),
        BulletinFormat::Html => (bulletin::html(&b).into_bytes(), "html"),
    };
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(bulletin::file_name(month, ext)));
    write_atomically(&path, &bytes)?;
    println!(
        "已写入月度通报 / bulletin written: {}（截至 {}，{} 个镇街，{} 个市直单位）",
        path.display(),
        b.as_of,
        b.towns.len(),
        b.departments.len()
    );
    Ok(())
}

async fn package_cmd(
    cfg: &Config,
    year: Option<i32>,
    as_of: Option<&str>,
    include_submitted: bool,
    out: Option<&Path>,
) -> AppResult<()> {
    let (store, plan) = open_with_plan(cfg).await?;
    let opts = duikou_app::assessment::options(&plan, year, as_of, include_submitted)?;
    let evidence = duikou_app::evidence_store::EvidenceStore::new(cfg.evidence_dir());
    let path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(duikou_reports::package::file_name(opts.year)));
    let tmp = path.with_file_name(format!(
        "{}.part",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    let summary =
        match duikou_reports::package::build(&store, &plan, &opts, |sha| evidence.get(sha), file)
            .await
        {
            Ok(s) => s,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(report_err(e));
            }
        };
    std::fs::rename(&tmp, &path)?;
    println!(
        "已生成迎检材料包 / inspection package written: {}（{} 年，截至 {}；{} 个考核数字，{} 个佐证文件，{} 个数字尚缺佐证）",
        path.display(),
        opts.year,
        duikou_domain::record::format_date(opts.as_of),
        summary.figures,
        summary.evidence_files,
        summary.figures_lacking_evidence
    );
    for m in &summary.missing_files {
        eprintln!(
            "警告 / warning: 佐证文件无法读取，未放入材料包 / evidence file unreadable, left out: {m}"
        );
    }
    Ok(())
}
