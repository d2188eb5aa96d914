//! `duikou remind [--dry-run] [--today DATE]`: the daily digest of reminders, for cron.
//! Computes for every unit and user what is due, and sends one message to each with
//! something due (e-mail, group robot); with `--dry-run`, prints them instead and sends
//! and writes nothing. Delivery failures are reported per recipient (exit 1), the others
//! still go out; one audit entry per run.

use std::sync::Arc;

use duikou_app::config::{Config, open_with_plan};
use duikou_app::error::{AppError, AppResult};
use duikou_app::reminders::{Channel, run_daily};
use duikou_app::service::Services;

pub async fn run(cfg: &Config, dry_run: bool, today: Option<&str>) -> AppResult<()> {
    let today = match today {
        None => duikou_app::reminders::today_for(&cfg.reminders),
        Some(s) => duikou_domain::cells::parse_date(s)
            .ok()
            .or_else(|| duikou_domain::record::parse_iso_date(s))
            .ok_or_else(|| {
                AppError::input(
                    format!("--today 日期无效：{s}（应为 2019-10-15 这样的日期）"),
                    format!("invalid --today date: {s} (expected a date such as 2019-10-15)"),
                )
            })?,
    };
    let rc = &cfg.reminders;
    rc.check()?;
    let (store, plan) = open_with_plan(cfg).await?;
    let services = Services {
        store,
        plan: Arc::new(plan),
        key: Arc::new(cfg.load_key()?),
        evidence: Arc::new(duikou_app::evidence_store::EvidenceStore::new(
            cfg.evidence_dir(),
        )),
        uploads: Arc::new(duikou_app::upload_store::PendingUploads::new(
            cfg.uploads_dir(),
        )),
        figures: Arc::default(),
        today: cfg.reminders.today,
    };
    let report = run_daily(&services, rc, today, dry_run, &super::cli_actor()).await?;
    let date = duikou_domain::record::format_date(report.today);
    let n = report.digests.len();
    let emails = report
        .digests
        .iter()
        .filter(|d| matches!(d.channel, Channel::Email(_)))
        .count();
    let webhooks = report
        .digests
        .iter()
        .filter(|d| d.channel == Channel::Webhook)
        .count();
    if dry_run {
        for (i, d) in report.digests.iter().enumerate() {
            println!(
                "== {}/{n} {} · {}",
                i + 1,
                d.recipient,
                d.channel.describe(rc)
            );
            println!("{}", d.title);
            match d.channel {
                Channel::Email(_) => println!("{}", d.text.trim_end()),
                _ => println!("{}", d.markdown.trim_end()),
            }
            println!();
        }
        println!(
            "提醒 / reminders {date}: {n} 条摘要 digests（email {emails}, webhook {webhooks}）；试运行，未发送 / dry run: nothing sent"
        );
        return Ok(());
    }
    let delivered = report.delivered.unwrap_or_default();
    for f in &delivered.failed {
        eprintln!(
            "未送达 / not delivered: {} ({}): {}",
            f.recipient, f.channel, f.error
        );
    }
    println!(
        "提醒 / reminders {date}: {n} 条摘要 digests（email {emails}, webhook {webhooks}）；已发送 sent {}，失败 failed {}",
        delivered.sent,
        delivered.failed.len()
    );
    if delivered.failed.is_empty() {
        Ok(())
    } else {
        Err(AppError::failure_text(format!(
            "{} 条提醒未送达 / {} reminders were not delivered",
            delivered.failed.len(),
            delivered.failed.len()
        )))
    }
}
