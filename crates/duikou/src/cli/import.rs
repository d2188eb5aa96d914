//! `duikou import`: a file checked whole, then written in one transaction, with progress.

use std::io::IsTerminal;
use std::path::Path;

use duikou_domain::record::Status;
use duikou_domain::roles::Actor;

use duikou_app::config::{Config, open_with_plan};

use super::*;

pub(super) async fn import(
    cfg: &Config,
    kind: &str,
    file: &Path,
    dry_run: bool,
    as_user: Option<&str>,
    errors_out: Option<&Path>,
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
        today: cfg
            .reminders
            .today
            .unwrap_or_else(duikou_app::assessment::today),
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
    let none = duikou_app::import_report::Problems::new();
    match result {
        Ok(Imported::Checked {
            rows,
            existing,
            warnings,
        }) => {
            println!(
                "校验通过（未写入） / valid (dry run, nothing written): {rows} 行 rows，{} 条新记录 new records，{existing} 条已存在 already stored",
                rows - existing
            );
            report_warnings(&warnings);
            write_error_book(errors_out, &none, &warnings)?;
        }
        Ok(Imported::Written { outcome, warnings }) => {
            println!(
                "已导入 / imported {}：{} 条新记录 new records（{}），{} 条已存在未重复导入 already stored, skipped；批次 batch {}",
                kind.label_zh(),
                outcome.inserted,
                status.label_zh(),
                outcome.skipped_existing,
                outcome.batch
            );
            report_warnings(&warnings);
            write_error_book(errors_out, &none, &warnings)?;
        }
        Err(ImportFailure::Table(e)) => return Err(AppError::input_text(e.to_string())),
        Err(ImportFailure::Rows(errors)) => {
            // The workbook is written first: the refusal below is the command's answer.
            if let Err(e) = write_error_book(errors_out, &errors, &none) {
                eprintln!("{e}");
            }
            return Err(report_errors(&file_name, &errors));
        }
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
pub(super) fn row_counter(label: &'static str) -> indicatif::ProgressBar {
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

/// Warnings (rows imported that a reviewer should look at) on standard error.
fn report_warnings(warnings: &duikou_app::import_report::Problems) {
    if warnings.is_empty() {
        return;
    }
    eprintln!(
        "提醒 / warnings: {} 行需审核时核实 / rows to check on review",
        warnings.total()
    );
    for w in warnings.listed().iter().take(20) {
        eprintln!("  {w}");
    }
    if warnings.total() > 20 {
        eprintln!("  …（--errors FILE.xlsx 写出全部 / writes them all）");
    }
}

/// `--errors FILE.xlsx`: the problems (and warnings) as a workbook, when there are any.
fn write_error_book(
    out: Option<&Path>,
    errors: &duikou_app::import_report::Problems,
    warnings: &duikou_app::import_report::Problems,
) -> AppResult<()> {
    let Some(path) = out else {
        return Ok(());
    };
    if errors.is_empty() && warnings.is_empty() {
        return Ok(());
    }
    let bytes =
        duikou_app::importer::error_book::error_workbook(errors, warnings, None).map_err(|e| {
            AppError::failure_text(format!("无法生成错误报告 / cannot write the report: {e}"))
        })?;
    std::fs::write(path, bytes).map_err(|e| {
        AppError::input(
            format!("无法写入 {}：{e}", path.display()),
            format!("cannot write {}: {e}", path.display()),
        )
    })?;
    eprintln!("错误报告已写入 / the report is in {}", path.display());
    Ok(())
}

pub(super) fn report_errors(file: &str, errors: &duikou_app::import_report::Problems) -> AppError {
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
