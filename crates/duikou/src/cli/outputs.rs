//! The files the command line writes: templates, exports, bulletins, inspection packages.

use std::path::{Path, PathBuf};

use duikou_domain::plan::Plan;

use duikou_app::config::{Config, open_with_plan};

use super::*;

pub(super) fn report_err(e: duikou_reports::ReportError) -> AppError {
    match e {
        duikou_reports::ReportError::Store(s) => s.into(),
        e if e.is_input() => AppError::input_text(e.to_string()),
        e => AppError::failure_text(e.to_string()),
    }
}

/// Write through a `.part` file renamed at the end, so a failure leaves no half file.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> AppResult<()> {
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

pub(super) fn check_year(plan: &Plan, year: Option<i32>) -> AppResult<()> {
    match year.map(|y| plan.check_year(y)) {
        Some(Err(outside)) => {
            let m = outside.message();
            Err(AppError::input(m.zh, m.en))
        }
        _ => Ok(()),
    }
}

pub(super) async fn template_cmd(cfg: &Config, kind: &str, out: Option<&Path>) -> AppResult<()> {
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
pub(super) async fn export_cmd(
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

pub(super) async fn bulletin_cmd(
    cfg: &Config,
    month: &str,
    format: BulletinFormat,
    out: Option<&Path>,
) -> AppResult<()> {
    use duikou_reports::bulletin;
    let month = bulletin::Month::parse(month).map_err(report_err)?;
    let (store, plan) = open_with_plan(cfg).await?;
    let opts = bulletin::options(&plan, month).map_err(report_err)?;
    let a = duikou_app::assessment::compute(&store, &plan, &opts).await?;
    let b = bulletin::from_store(&store, &plan, month, &a)
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

pub(super) async fn package_cmd(
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
    let figures = duikou_app::assessment::Figures::default();
    let assessment = figures.compute(&store, &plan, &opts).await?;
    let behind = figures.records_behind_all(&store, &plan, &opts).await?;
    let file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    let summary = match duikou_reports::package::build(
        &store,
        &plan,
        duikou_reports::package::Assessed {
            opts: &opts,
            assessment,
            behind: &behind,
        },
        time::OffsetDateTime::now_utc(),
        |sha| evidence.get(sha),
        file,
    )
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
