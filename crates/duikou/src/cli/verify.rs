//! `duikou audit verify` and `duikou verify`: the audit chain, and the figures' stored
//! contributions against the records.

use duikou_app::config::Config;
use duikou_app::error::{AppError, AppResult};

/// `duikou audit verify`: the audit trail's hash chain.
pub(super) async fn audit_chain(cfg: &Config) -> AppResult<()> {
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

/// `duikou verify`: the figures' stored contributions against the records.
pub(super) async fn figures(cfg: &Config, repair: bool) -> AppResult<()> {
    let (store, plan) = duikou_app::config::open_with_plan(cfg).await?;
    let figures = duikou_app::assessment::Figures::default();
    let bar = super::demo::progress_bar_of("核对 / checking");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    if repair {
        duikou_app::verify::repair_figures(&figures, &store, &plan, &progress).await?;
    }
    let check = duikou_app::verify::check_figures(&figures, &store, &plan, &progress).await?;
    bar.finish_and_clear();
    let shown: Vec<String> = check
        .differing
        .iter()
        .take(20)
        .map(i64::to_string)
        .collect();
    if check.consistent() {
        println!(
            "考核数据一致 / figures consistent: {} 条记录 records, {} 条贡献 contribution rows",
            check.records, check.stored_rows
        );
        Ok(())
    } else {
        Err(AppError::failure_text(format!(
            "考核数据与记录不一致 / figures differ from the records: {} 条记录不同 records differ \
             (如 e.g. {}); 已存 stored {} 行 rows, 应为 expected {}; \
             运行 duikou verify --repair 重新计算 / run `duikou verify --repair` to derive them again",
            check.differing.len(),
            shown.join(", "),
            check.stored_rows,
            check.expected_rows
        )))
    }
}
