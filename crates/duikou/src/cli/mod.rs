//! The `duikou` command line.

pub mod assess;
mod demo;
mod import;
mod outputs;
mod plan_cmd;
mod plan_view;
mod remind;
mod verify;

pub use demo::*;
use import::*;
use outputs::*;

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use duikou_domain::plan::{BUNDLED_PLAN, Plan};
use duikou_domain::schema::RecordKind;

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
    /// The plan to work on, by its id (a database may hold several: `duikou plan list`);
    /// default: the plan whose years hold today, else the one that ends last. Env:
    /// DUIKOU_PLAN. For `init`: the plan file to load (TOML or plan workbook)
    #[arg(long, global = true, value_name = "ID")]
    pub plan: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create or migrate the database and load the bundled plan (or --plan FILE)
    Init {
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
        /// Write the rows' problems (and warnings) to this workbook (.xlsx)
        #[arg(long = "errors")]
        errors: Option<PathBuf>,
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
    /// Check the figures' stored contributions against every record (what each record
    /// contributes under the plan); non-zero exit when they differ. `--repair` derives
    /// them all again from the records
    Verify {
        #[arg(long)]
        repair: bool,
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
    /// Reminders: the daily digest to every unit and user with something due (e-mail,
    /// group robot), for cron; `--dry-run` prints who would get what by which channel
    Remind {
        /// Print the digests (who, channel, text); send and write nothing
        #[arg(long)]
        dry_run: bool,
        /// The day to compute for (default: today, Beijing time), e.g. 2019-10-15
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
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
        /// An earlier version (`duikou plan history` lists them)
        #[arg(long, value_name = "N")]
        version: Option<u32>,
    },
    /// Write the loaded plan as a file to edit: the plan workbook (xlsx) or TOML
    Export {
        #[arg(long, value_enum, default_value_t = PlanFileKind::Xlsx)]
        format: PlanFileKind,
        #[arg(long)]
        out: Option<PathBuf>,
        /// An earlier version
        #[arg(long, value_name = "N")]
        version: Option<u32>,
    },
    /// The plans in the database: id, years, version; the one commands use by default
    List,
    /// Add a plan beside the others (another period, another pair): FILE is .toml or a
    /// plan workbook .xlsx; the other plans' records, figures and files are not touched
    Add { file: PathBuf },
    /// Amend the loaded plan from FILE (.toml or plan workbook .xlsx): shows the
    /// difference, refuses a change that would strand stored records, keeps every version
    Update {
        file: PathBuf,
        /// Show the difference and what it would strand; change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Every version of the loaded plan: when, by whom, what changed
    History {
        #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
        format: PlanFormat,
    },
    /// Draft a plan from its official document (.docx, .txt, .md) for a person to finish
    Draft {
        document: PathBuf,
        /// The draft: a plan workbook (.xlsx, default 草案.xlsx) or a plan file (.toml)
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum PlanFileKind {
    Xlsx,
    Toml,
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
        /// Where the daily digest of reminders goes (`duikou remind`)
        #[arg(long)]
        email: Option<String>,
    },
    /// Create users from a workbook (用户名, 角色, 单位, optionally 电子邮件), all or
    /// none; their initial passwords go to a new sheet (--out), never to the terminal
    Import {
        /// The workbook (.xlsx or .csv)
        file: PathBuf,
        /// Where the initial passwords are written (a new file, owner-only)
        #[arg(long, default_value = "初始密码.xlsx")]
        out: PathBuf,
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
    let mut cfg = Config::resolve(cli.data_dir, cli.db);
    // `--plan` names a plan by its id, but for `init` the file to load.
    let init_file = match &cli.command {
        Command::Init { .. } => cli.plan.map(PathBuf::from),
        _ => {
            cfg.plan = cli.plan.or(cfg.plan);
            None
        }
    };
    match cli.command {
        Command::Init { demo_scale } => init(&cfg, init_file.as_deref(), demo_scale, true).await,
        Command::Plan { command } => plan_cmd::run(&cfg, command).await,
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    unit,
                    email,
                },
        } => user_add(&cfg, &name, &role, unit.as_deref(), email.as_deref()).await,
        Command::User {
            command: UserCommand::Password { name, must_change },
        } => user_password(&cfg, &name, must_change).await,
        Command::User {
            command: UserCommand::Import { file, out },
        } => user_import(&cfg, &file, &out).await,
        Command::Import {
            kind,
            file,
            dry_run,
            as_user,
            errors,
        } => {
            import(
                &cfg,
                &kind,
                &file,
                dry_run,
                as_user.as_deref(),
                errors.as_deref(),
            )
            .await
        }
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
        } => verify::audit_chain(&cfg).await,
        Command::Verify { repair } => verify::figures(&cfg, repair).await,
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
        Command::Remind { dry_run, today } => remind::run(&cfg, dry_run, today.as_deref()).await,
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

pub use duikou_app::plans::read_plan_file;

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
        // Keep the plan loaded earlier, whatever file it came from.
        Some(_) if plan_file.is_none() && demo_scale.is_none() => false,
        Some(_) => {
            let current = store.plan().await?.expect("a plan is loaded");
            return Err(duikou_app::plans::refuse_reload(&current));
        }
        None => {
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

async fn user_add(
    cfg: &Config,
    name: &str,
    role: &str,
    unit: Option<&str>,
    email: Option<&str>,
) -> AppResult<()> {
    let (store, mut plan) = open_with_plan(cfg).await?;
    // Accounts are the database's, not one plan's: a unit is checked against the plan
    // named, else the first plan it takes part in.
    if let (None, Some(u)) = (&cfg.plan, unit) {
        if plan.unit(u).is_none() {
            if let Some(p) = store
                .plans()
                .await?
                .into_iter()
                .find(|p| p.units.iter().any(|n| n == u))
            {
                plan = store.plan_by_id(&p.id).await?.unwrap_or(plan);
            }
        }
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::input(
            "用户名应为 1–64 个字符",
            "the username must be 1–64 characters",
        ));
    }
    let (role, unit) = check_role_unit(&plan, role, unit)?;
    let email = duikou_app::accounts::check_email(email)?;
    if store.user_by_name(name).await?.is_some() {
        return Err(AppError::input(
            format!("用户「{name}」已存在"),
            format!("user \"{name}\" already exists"),
        ));
    }
    let password = duikou_storage::users::generate_password();
    let user = store
        .create_user(name, role, unit.as_deref(), &password, &cli_actor())
        .await?;
    if let Some(email) = &email {
        store
            .set_user_email(user.id, Some(email), &cli_actor())
            .await?;
    }
    println!(
        "已创建用户 / created user {name}（{} {}），首次登录须修改密码 / must change the password at first sign-in",
        role.label_zh(),
        unit.as_deref().unwrap_or("")
    );
    println!("{password}");
    Ok(())
}

/// `duikou user import 用户.xlsx --out 初始密码.xlsx`: the password sheet is created
/// first (a new, owner-only file: an existing one is never overwritten), so a user is
/// never created without its password reaching the sheet; a refused workbook leaves
/// no sheet behind.
async fn user_import(cfg: &Config, file: &Path, out: &Path) -> AppResult<()> {
    const MAX_BYTES: u64 = 25 * 1024 * 1024;
    let (store, plan) = open_with_plan(cfg).await?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    let unreadable = |e: std::io::Error| {
        AppError::input(
            format!("无法读取 {}：{e}", file.display()),
            format!("cannot read {}: {e}", file.display()),
        )
    };
    let size = std::fs::metadata(file).map_err(unreadable)?.len();
    if size > MAX_BYTES {
        return Err(AppError::input(
            format!("{name} 过大（{size} 字节，上限 25 MB）"),
            format!("{name} is too large ({size} bytes; at most 25 MB)"),
        ));
    }
    let bytes = std::fs::read(file).map_err(unreadable)?;
    let mut sheet = duikou_app::private_fs::open_new(out).map_err(|e| {
        AppError::input(
            format!(
                "无法新建初始密码表 {}：{e}（不会覆盖已有文件）",
                out.display()
            ),
            format!(
                "cannot create the password sheet {}: {e} (an existing file is never overwritten)",
                out.display()
            ),
        )
    })?;
    let plans = duikou_app::user_import::plans_for_accounts(&store, &plan).await;
    let created = match plans {
        Ok(plans) => {
            duikou_app::user_import::import_users(&store, &plans, &name, &bytes, &cli_actor()).await
        }
        Err(e) => Err(e),
    };
    let accounts = match created {
        Ok(a) => a,
        Err(e) => {
            drop(sheet);
            let _ = std::fs::remove_file(out);
            return Err(e);
        }
    };
    let book = duikou_app::user_import::password_sheet(&accounts)?;
    {
        use std::io::Write;
        sheet.write_all(&book)?;
        sheet.sync_all()?;
    }
    println!(
        "已创建 {n} 个用户，首次登录须修改密码；初始密码已写入 {} （仅本账户可读，交付后请删除） / created {n} users, who must change their password at first sign-in; the initial passwords are in {} (readable by this account only; delete it once handed over)",
        out.display(),
        out.display(),
        n = accounts.len()
    );
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

// ------------------------------------------------------------------ reports (duikou-reports)
