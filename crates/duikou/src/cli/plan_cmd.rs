//! `duikou plan …`: show, export, update (amend), history and draft.

use std::path::{Path, PathBuf};

use duikou_app::config::{Config, open_with_plan};
use duikou_app::plans::{self, Amendment};
use duikou_domain::plan::amend::ChangeKind;

use super::outputs::write_atomically;
use super::*;

pub(super) async fn run(cfg: &Config, command: PlanCommand) -> AppResult<()> {
    match command {
        PlanCommand::Show { format, version } => show(cfg, format, version).await,
        PlanCommand::Export {
            format,
            out,
            version,
        } => export(cfg, format, out.as_deref(), version).await,
        PlanCommand::List => list(cfg).await,
        PlanCommand::Add { file } => add(cfg, &file).await,
        PlanCommand::Update { file, dry_run } => update(cfg, &file, dry_run).await,
        PlanCommand::History { format } => history(cfg, format).await,
        PlanCommand::Draft { document, out } => draft(&document, out.as_deref()),
    }
}

/// The loaded plan, or one of its versions, with its source text.
async fn plan_at(cfg: &Config, version: Option<u32>) -> AppResult<(Plan, String)> {
    let (store, plan) = open_with_plan(cfg).await?;
    match version {
        Some(n) => plans::version(&store, n).await,
        None => plans::version(&store, plan.version).await,
    }
}

async fn show(cfg: &Config, format: PlanFormat, version: Option<u32>) -> AppResult<()> {
    let (plan, _) = plan_at(cfg, version).await?;
    match format {
        PlanFormat::Table => print!("{}", plan_view::render(&plan)),
        PlanFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&plan).expect("plan serialises")
        ),
    }
    Ok(())
}

async fn export(
    cfg: &Config,
    format: PlanFileKind,
    out: Option<&Path>,
    version: Option<u32>,
) -> AppResult<()> {
    let (plan, source) = plan_at(cfg, version).await?;
    let (bytes, default) = match format {
        PlanFileKind::Toml => (source.into_bytes(), "计划.toml"),
        PlanFileKind::Xlsx => (
            duikou_app::plan_book::write_plan_workbook(&source, &[])
                .map_err(|e| AppError::failure_text(e.to_string()))?,
            "计划.xlsx",
        ),
    };
    let path = out.map_or_else(|| PathBuf::from(default), Path::to_path_buf);
    write_atomically(&path, &bytes)?;
    println!(
        "已写入计划 {} 第 {} 版 / plan {} version {} written: {}",
        plan.meta.id,
        plan.version,
        plan.meta.id,
        plan.version,
        path.display()
    );
    Ok(())
}

fn print_difference(a: &Amendment) {
    println!(
        "计划 {} 第 {} 版的修改 / changes to plan {} version {}: {} 处 / {}",
        a.current.meta.id,
        a.current.version,
        a.current.meta.id,
        a.current.version,
        a.diff.changes.len(),
        a.diff.changes.len()
    );
    for c in &a.diff.changes {
        let sign = match c.change {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        };
        let m = c.message();
        println!("  {sign} {} / {}", m.zh, m.en);
    }
}

async fn list(cfg: &Config) -> AppResult<()> {
    let (store, current) = open_with_plan(cfg).await?;
    for p in store.plans().await? {
        println!(
            "{} {}  {}–{}  第 {} 版 / v{}  {}",
            if p.id == current.meta.id { '*' } else { ' ' },
            p.id,
            p.first_year,
            p.last_year,
            p.version,
            p.version,
            p.title
        );
    }
    println!("* 命令默认使用的计划 / the plan commands use (--plan ID for another)");
    Ok(())
}

async fn add(cfg: &Config, file: &Path) -> AppResult<()> {
    let (plan, source) = plans::read_plan_file(file)?;
    let store = cfg.open().await?;
    plans::add(&store, &plan, &source, &cli_actor()).await?;
    println!(
        "已添加计划 / plan added: {} {}（{}–{}，{} 个单位，{} 组结对，{} 个指标）；用 --plan {} 操作它 / use --plan {} for it",
        plan.meta.id,
        plan.meta.title,
        plan.meta.first_year,
        plan.meta.last_year,
        plan.units.len(),
        plan.pairings.len(),
        plan.indicators.len(),
        plan.meta.id,
        plan.meta.id
    );
    Ok(())
}

async fn update(cfg: &Config, file: &Path, dry_run: bool) -> AppResult<()> {
    // Validate the file before opening anything.
    let (new, source) = plans::read_plan_file(file)?;
    let (store, _) = open_with_plan(cfg).await?;
    let a = plans::propose(&store, new, source).await?;
    if a.is_empty() {
        println!(
            "没有差异，计划仍为第 {} 版 / no difference: the plan stays at version {}",
            a.current.version, a.current.version
        );
        return Ok(());
    }
    print_difference(&a);
    if !a.may_apply() {
        return Err(a.refusal());
    }
    if dry_run {
        println!("试运行：未作修改 / dry run: nothing changed");
        return Ok(());
    }
    let version = plans::apply(&store, &a, &cli_actor()).await?;
    println!(
        "已更新计划 {}：第 {} 版 → 第 {version} 版 / plan {} updated: version {} → {version}",
        a.new.meta.id, a.current.version, a.new.meta.id, a.current.version
    );
    super::demo::derive_figures(cfg).await
}

async fn history(cfg: &Config, format: PlanFormat) -> AppResult<()> {
    let (store, _) = open_with_plan(cfg).await?;
    let versions = plans::history(&store).await?;
    match format {
        PlanFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&versions).expect("history serialises")
        ),
        PlanFormat::Table => {
            println!(
                "版本 version  载入时间（北京时间）loaded at (Beijing)  载入人 by  修改 changes"
            );
            for v in &versions {
                let changes = v.changes.as_array().map_or(0, Vec::len);
                println!(
                    "{:>4}  {}  {}  {}",
                    v.version,
                    duikou_storage::beijing_text(&v.loaded_at),
                    if v.loaded_by.is_empty() {
                        "—"
                    } else {
                        &v.loaded_by
                    },
                    if v.version == 1 {
                        "首次载入 / first load".to_string()
                    } else {
                        format!("{changes} 处 / {changes}")
                    }
                );
                for c in v.changes.as_array().into_iter().flatten() {
                    if let Ok(c) =
                        serde_json::from_value::<duikou_domain::plan::amend::Change>(c.clone())
                    {
                        let m = c.message();
                        println!("        {} / {}", m.zh, m.en);
                    }
                }
            }
        }
    }
    Ok(())
}

fn draft(document: &Path, out: Option<&Path>) -> AppResult<()> {
    let bytes = std::fs::read(document).map_err(|e| {
        AppError::input(
            format!("无法读取文件 {}：{e}", document.display()),
            format!("cannot read {}: {e}", document.display()),
        )
    })?;
    let path = out.map_or_else(|| PathBuf::from("草案.xlsx"), Path::to_path_buf);
    let d = plans::draft(
        &bytes,
        &document.display().to_string(),
        &path.display().to_string(),
    )?;
    write_atomically(&path, &d.bytes)?;
    for line in &d.report {
        println!(
            "{} {} / {}",
            if line.found { "✓" } else { "?" },
            line.zh,
            line.en
        );
    }
    println!(
        "已写入计划草案 / draft written: {}（{} 处待确认 / {} to confirm）",
        path.display(),
        d.pending,
        d.pending
    );
    Ok(())
}
