//! `duikou assess` and the work-checklist progress report: the engine's figures as a
//! terminal table, JSON or a printable workbook.

use std::io::IsTerminal;
use std::path::Path;

use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use duikou_domain::engine::{
    AssessOptions, Assessment, EngineRecord, IndicatorResult, IndicatorStatus, assess,
    default_as_of,
};
use duikou_domain::plan::Plan;
use duikou_domain::record::{Status, parse_iso_date};
use duikou_domain::schema::RecordKind;
use duikou_domain::target_text::{self, Style};
use duikou_storage::Store;

use crate::cli::AssessFormat;
use crate::config::Config;
use crate::config::open_with_plan;
use crate::error::{AppError, AppResult};

pub use duikou_reports::workbook::checklist;

/// One loaded record set: which database, the change number it reflects, and the
/// selection (statuses, kinds) it holds.
struct Loaded {
    instance: u64,
    seq: i64,
    include_submitted: bool,
    kinds: Vec<RecordKind>,
    records: std::sync::Arc<Vec<EngineRecord>>,
}

/// The record sets loaded last: pages and API calls between two writes share one, and
/// after a write the newest one is brought up to date with only what changed.
static RECORD_CACHE: std::sync::LazyLock<std::sync::Mutex<Vec<Loaded>>> =
    std::sync::LazyLock::new(|| std::sync::Mutex::new(Vec::new()));

/// One load at a time: the requests arriving after a write wait for the one bringing the
/// records up to date instead of each reading the database.
static LOADING: std::sync::LazyLock<tokio::sync::Mutex<()>> =
    std::sync::LazyLock::new(|| tokio::sync::Mutex::new(()));

/// The record kinds the plan's indicators read.
fn plan_kinds(plan: &Plan) -> Vec<RecordKind> {
    let mut kinds: Vec<RecordKind> = plan.indicators.iter().map(|i| i.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

fn statuses(include_submitted: bool) -> &'static [Status] {
    if include_submitted {
        &[Status::Approved, Status::Submitted]
    } else {
        &[Status::Approved]
    }
}

fn cached(
    instance: u64,
    seq: i64,
    include_submitted: bool,
    kinds: &[RecordKind],
) -> Option<std::sync::Arc<Vec<EngineRecord>>> {
    RECORD_CACHE
        .lock()
        .expect("cache lock")
        .iter()
        .find(|l| {
            l.instance == instance
                && l.seq == seq
                && l.include_submitted == include_submitted
                && l.kinds == kinds
        })
        .map(|l| l.records.clone())
}

/// The records the engine needs for this plan (approved, plus submitted if asked), as of
/// the database's current change number. Loaded once; after writes, the last set loaded
/// takes in the records the audit trail says changed (a full load only when it cannot
/// tell, e.g. after a plan change).
pub async fn engine_records(
    store: &Store,
    plan: &Plan,
    include_submitted: bool,
) -> AppResult<std::sync::Arc<Vec<EngineRecord>>> {
    let seq = store.change_seq().await?;
    engine_records_at(store, plan, include_submitted, seq).await
}

/// `engine_records` with the change number just read: the records as of `seq` (or,
/// for records written since, newer: the next update reads them again).
async fn engine_records_at(
    store: &Store,
    plan: &Plan,
    include_submitted: bool,
    seq: i64,
) -> AppResult<std::sync::Arc<Vec<EngineRecord>>> {
    let kinds = plan_kinds(plan);
    if let Some(hit) = cached(store.instance, seq, include_submitted, &kinds) {
        return Ok(hit);
    }
    let _loading = LOADING.lock().await;
    if let Some(hit) = cached(store.instance, seq, include_submitted, &kinds) {
        return Ok(hit);
    }
    // The newest earlier set of the same selection, taken out of the cache so that it
    // can be updated in place when nobody else holds it.
    let base = {
        let mut cache = RECORD_CACHE.lock().expect("cache lock");
        let newest = cache
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.instance == store.instance
                    && l.seq < seq
                    && l.include_submitted == include_submitted
                    && l.kinds == kinds
            })
            .max_by_key(|(_, l)| l.seq)
            .map(|(i, _)| i);
        newest.map(|i| cache.remove(i))
    };
    let statuses = statuses(include_submitted);
    let changes = match &base {
        Some(base) => store.record_changes_between(base.seq, seq).await?,
        None => None,
    };
    let mut unused = None;
    let updated = match (base, changes) {
        (Some(base), Some(changes)) => {
            let fresh = store
                .records_for_engine_changed(&kinds, statuses, &changes)
                .await?;
            tracing::debug!(
                from = base.seq,
                to = seq,
                records = changes.ids.len(),
                import_batches = changes.import_batches.len(),
                "engine records updated with the changes only"
            );
            let records = std::sync::Arc::try_unwrap(base.records)
                .unwrap_or_else(|shared| shared.as_ref().clone());
            Some(apply_changes(records, &changes, fresh))
        }
        (Some(base), None) => {
            unused = Some(base);
            None
        }
        (None, _) => None,
    };
    let records = match updated {
        Some(records) => records,
        None => {
            tracing::debug!(seq, "engine records loaded in full");
            store.records_for_engine(&kinds, statuses).await?
        }
    };
    let records = std::sync::Arc::new(records);
    let superseded = {
        let mut cache = RECORD_CACHE.lock().expect("cache lock");
        // Older sets of the same selection are superseded (other selections stay: they
        // are where their next update starts from).
        let (old, mut keep): (Vec<Loaded>, Vec<Loaded>) =
            std::mem::take(&mut *cache).into_iter().partition(|l| {
                l.instance == store.instance
                    && l.include_submitted == include_submitted
                    && l.kinds == kinds
                    && l.seq != seq
            });
        keep.push(Loaded {
            instance: store.instance,
            seq,
            include_submitted,
            kinds,
            records: records.clone(),
        });
        let over = keep.len().saturating_sub(4);
        let mut old = old;
        old.extend(keep.drain(..over));
        old.extend(unused);
        *cache = keep;
        old
    };
    // Freeing a large record set takes a while: not on the request's time.
    if !superseded.is_empty() {
        tokio::task::spawn_blocking(move || drop(superseded));
    }
    Ok(records)
}

/// A record set (in id order) with the touched records replaced by their current state:
/// `fresh` holds those still in the selection; the others have left it.
fn apply_changes(
    mut records: Vec<EngineRecord>,
    changes: &duikou_storage::records::RecordChanges,
    fresh: Vec<EngineRecord>,
) -> Vec<EngineRecord> {
    let touched: std::collections::HashSet<i64> = changes
        .ids
        .iter()
        .copied()
        .chain(fresh.iter().map(|r| r.id))
        .collect();
    if !touched.is_empty() {
        records.retain(|r| !touched.contains(&r.id));
    }
    if !fresh.is_empty() {
        records.extend(fresh);
        // Two sorted runs: the sort merges them.
        records.sort_by_key(|r| r.id);
    }
    records
}

pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date()
}

/// Resolve the year and as-of date the way every interface does.
pub fn options(
    plan: &Plan,
    year: Option<i32>,
    as_of: Option<&str>,
    include_submitted: bool,
) -> AppResult<AssessOptions> {
    let as_of = match as_of {
        Some(s) => Some(
            duikou_domain::cells::parse_date(s)
                .or_else(|_| parse_iso_date(s).ok_or(()))
                .map_err(|_| {
                    AppError::input(
                        format!("--as-of 日期无效：{s}"),
                        format!("invalid --as-of date: {s}"),
                    )
                })?,
        ),
        None => None,
    };
    let year = year.or(as_of.map(|d| d.year())).unwrap_or_else(|| {
        today()
            .year()
            .clamp(plan.meta.first_year, plan.meta.last_year)
    });
    if let Err(outside) = plan.check_year(year) {
        let m = outside.message();
        return Err(AppError::input(m.zh, m.en));
    }
    Ok(AssessOptions {
        year,
        as_of: as_of.unwrap_or_else(|| default_as_of(year, today())),
        include_submitted,
    })
}

pub async fn compute(store: &Store, plan: &Plan, opts: &AssessOptions) -> AppResult<Assessment> {
    Ok(assessment_cached(store, plan, opts)
        .await?
        .1
        .as_ref()
        .clone())
}

type AssessmentKey = (u64, i64, bool, i32, time::Date);

/// The last assessments per (database, change number, options): between two writes
/// the dashboard and the API serve the figures computed once (the engine took ~11 ms of
/// CPU per request at scale 1, capping both at ~150 requests/s on two cores).
static ASSESSMENT_CACHE: std::sync::LazyLock<
    std::sync::Mutex<Vec<(AssessmentKey, std::sync::Arc<Assessment>)>>,
> = std::sync::LazyLock::new(|| std::sync::Mutex::new(Vec::new()));

/// The records and the assessment for these options, each computed once per change.
pub async fn assessment_cached(
    store: &Store,
    plan: &Plan,
    opts: &AssessOptions,
) -> AppResult<(
    std::sync::Arc<Vec<EngineRecord>>,
    std::sync::Arc<Assessment>,
)> {
    // Read before the records: a write in between makes the key older than the data,
    // never newer, and no later reader asks for an older change number.
    let seq = store.change_seq().await?;
    let key = (
        store.instance,
        seq,
        opts.include_submitted,
        opts.year,
        opts.as_of,
    );
    let records = engine_records_at(store, plan, opts.include_submitted, seq).await?;
    if let Some((_, hit)) = ASSESSMENT_CACHE
        .lock()
        .expect("cache lock")
        .iter()
        .find(|(k, _)| *k == key)
    {
        return Ok((records, hit.clone()));
    }
    let a = std::sync::Arc::new(assess(plan, &records, opts));
    let mut cache = ASSESSMENT_CACHE.lock().expect("cache lock");
    cache.retain(|((inst, s, ..), _)| !(*inst == store.instance && *s != seq));
    cache.push((key, a.clone()));
    if cache.len() > 8 {
        cache.remove(0);
    }
    Ok((records, a))
}

pub async fn run(
    cfg: &Config,
    year: Option<i32>,
    as_of: Option<&str>,
    include_submitted: bool,
    format: AssessFormat,
    out: Option<&Path>,
    unit: Option<&str>,
) -> AppResult<()> {
    let (store, plan) = open_with_plan(cfg).await?;
    let opts = options(&plan, year, as_of, include_submitted)?;
    let mut a = compute(&store, &plan, &opts).await?;
    if let Some(u) = unit {
        let name = plan
            .resolve_unit(u)
            .ok_or_else(|| {
                AppError::input(
                    format!("计划中没有单位「{u}」"),
                    format!("no unit named \"{u}\" in the plan"),
                )
            })?
            .name
            .clone();
        a.results.retain(|r| r.scope == name);
    }
    match format {
        AssessFormat::Json => {
            let text = serde_json::to_string_pretty(&a).expect("assessment serialises");
            write_or_print(out, text.as_bytes())
        }
        AssessFormat::Table => {
            let colour = out.is_none() && std::io::stdout().is_terminal();
            let text = render_table(&plan, &a, colour);
            write_or_print(out, text.as_bytes())
        }
        AssessFormat::Xlsx => {
            let out = out.ok_or_else(|| {
                AppError::input("xlsx 格式需要 --out 文件", "--format xlsx needs --out FILE")
            })?;
            let bytes = duikou_reports::workbook::assessment_workbook(&plan, &a)
                .map_err(|e| AppError::failure_text(e.to_string()))?;
            std::fs::write(out, bytes)?;
            println!("已写入 / written: {}", out.display());
            Ok(())
        }
    }
}

pub async fn run_checklist(
    cfg: &Config,
    year: Option<i32>,
    as_of: Option<&str>,
    include_submitted: bool,
    format: AssessFormat,
    out: Option<&Path>,
) -> AppResult<()> {
    let (store, plan) = open_with_plan(cfg).await?;
    let opts = options(&plan, year, as_of, include_submitted)?;
    let a = compute(&store, &plan, &opts).await?;
    match format {
        AssessFormat::Table => write_or_print(out, render_checklist(&plan, &a).as_bytes()),
        AssessFormat::Json => {
            let items: Vec<serde_json::Value> = checklist(&plan, &a)
                .into_iter()
                .flat_map(|(act, rows)| {
                    rows.into_iter().map(move |c| {
                        serde_json::json!({
                            "action": act.no, "action_title": act.title, "item": c.item.no, "title": c.item.title,
                            "text": c.item.text, "time_limit": c.item.time_limit, "responsible": c.item.responsible,
                            "results": c.results, "records": c.records, "with_evidence": c.with_evidence,
                        })
                    })
                })
                .collect();
            let doc = serde_json::json!({ "plan": a.plan, "year": a.year, "as_of": a.as_of, "items": items });
            write_or_print(
                out,
                serde_json::to_string_pretty(&doc).expect("json").as_bytes(),
            )
        }
        AssessFormat::Xlsx => {
            let out = out.ok_or_else(|| {
                AppError::input("xlsx 格式需要 --out 文件", "--format xlsx needs --out FILE")
            })?;
            let bytes = duikou_reports::workbook::checklist_workbook(&plan, &a)
                .map_err(|e| AppError::failure_text(e.to_string()))?;
            std::fs::write(out, bytes)?;
            println!("已写入 / written: {}", out.display());
            Ok(())
        }
    }
}

fn write_or_print(out: Option<&Path>, bytes: &[u8]) -> AppResult<()> {
    match out {
        Some(p) => {
            std::fs::write(p, bytes)?;
            eprintln!("已写入 / written: {}", p.display());
        }
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            if !bytes.ends_with(b"\n") {
                stdout.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

fn status_colour(s: IndicatorStatus) -> Color {
    match s {
        IndicatorStatus::Met => Color::Green,
        IndicatorStatus::Late => Color::Yellow,
        IndicatorStatus::NotMet => Color::Red,
        IndicatorStatus::OnTrack => Color::Cyan,
        IndicatorStatus::Behind => Color::Magenta,
        IndicatorStatus::Tracked => Color::Grey,
    }
}

pub fn status_counts(a: &Assessment) -> Vec<(IndicatorStatus, usize)> {
    IndicatorStatus::ALL
        .iter()
        .map(|s| (*s, a.results.iter().filter(|r| r.status == *s).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

pub fn render_table(plan: &Plan, a: &Assessment, colour: bool) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(vec![
        "指标", "名称", "范围", "实际", "按时", "目标", "状态", "佐证",
    ]);
    for r in &a.results {
        let scope = if r.scope == "plan" {
            "全市".to_string()
        } else {
            r.scope.clone()
        };
        let status = format!(
            "{}{}",
            r.status.label_zh(),
            if r.above_range {
                "（超出区间）"
            } else {
                ""
            }
        );
        let mut status_cell = Cell::new(status);
        if colour {
            status_cell = status_cell.fg(status_colour(r.status));
        }
        t.add_row(vec![
            Cell::new(&r.indicator),
            Cell::new(crate::plan_view::wrap(&r.name, 14)),
            Cell::new(scope),
            Cell::new(r.actual.display_zh_with_unit(&r.unit)),
            Cell::new(
                r.on_time
                    .map(|f| f.display_zh_with_unit(&r.unit))
                    .unwrap_or_default(),
            ),
            Cell::new(target_text::of_result(r, Style::Compact)),
            status_cell,
            Cell::new(format!("{}/{}", r.with_evidence, r.records)),
        ]);
    }
    let counts = status_counts(a)
        .into_iter()
        .map(|(s, n)| format!("{} {n}", s.label_zh()))
        .collect::<Vec<_>>()
        .join("，");
    format!(
        "{} {} 年度考核（截至 {}{}）\n{t}\n共 {} 项：{counts}\n",
        plan.meta.title,
        a.year,
        a.as_of,
        if a.include_submitted {
            "，含待审核记录"
        } else {
            ""
        },
        a.results.len()
    )
}

/// A short line per result: "5.2-employed 8123人/≥8000人 已完成" (units summarised).
pub fn result_line(r: &IndicatorResult) -> String {
    let scope = if r.scope == "plan" {
        String::new()
    } else {
        format!("[{}]", r.scope)
    };
    let above = if r.above_range {
        "（超出区间）"
    } else {
        ""
    };
    format!(
        "{}{scope}：{} / {} {}{above}",
        r.name,
        r.actual.display_zh_with_unit(&r.unit),
        target_text::of_result(r, Style::Compact),
        r.status.label_zh()
    )
}

/// Summary of a group of results (a per-unit indicator gives many): "22 个单位：已完成 18，未完成 4".
pub fn summarise(results: &[&IndicatorResult]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < results.len() {
        let r = results[i];
        let same: Vec<&&IndicatorResult> = results[i..]
            .iter()
            .take_while(|x| x.indicator == r.indicator)
            .collect();
        if same.len() == 1 {
            out.push(result_line(r));
        } else {
            let counts = IndicatorStatus::ALL
                .iter()
                .map(|s| (s, same.iter().filter(|x| x.status == *s).count()))
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| format!("{} {n}", s.label_zh()))
                .collect::<Vec<_>>()
                .join("，");
            out.push(format!(
                "{}（{} 个单位，目标 {}）：{counts}",
                r.name,
                same.len(),
                target_text::of_result(r, Style::Compact)
            ));
        }
        i += same.len();
    }
    out
}

/// The checklist progress report for a terminal.
pub fn render_checklist(plan: &Plan, a: &Assessment) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(vec![
        "序号",
        "重点工作",
        "具体事项",
        "完成时限",
        "责任单位",
        "指标完成情况",
        "佐证",
    ]);
    for (act, items) in checklist(plan, a) {
        t.add_row(vec![
            act.no.clone(),
            act.title.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        for c in items {
            t.add_row(vec![
                c.item.no.clone(),
                c.item.title.clone(),
                crate::plan_view::wrap(&c.item.text, 24),
                c.item.time_limit.clone(),
                crate::plan_view::wrap(&c.item.responsible.join("、"), 12),
                summarise(&c.results).join("\n"),
                if c.records == 0 {
                    "—".into()
                } else {
                    format!("{}/{}", c.with_evidence, c.records)
                },
            ]);
        }
    }
    format!("工作清单进展表 {} 年（截至 {}）\n{t}\n", a.year, a.as_of)
}
