//! `duikou demo` and `serve --demo`: demonstration records, evidence and accounts.

use std::io::IsTerminal;

use duikou_domain::plan::Plan;
use duikou_domain::record::Status;
use duikou_domain::roles::Role;
use duikou_domain::schema::{BuiltinKind, RecordKind};
use duikou_storage::Store;
use duikou_storage::records::ImportFile;
use sha2::{Digest, Sha256};

use duikou_app::config::{Config, open_with_plan};

use super::*;

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
    drop(store);
    derive_figures(&cfg).await?;
    Ok(n)
}

/// Classify every record under the plan now loaded, with a progress bar, after a plan
/// change or a bulk load: the next assessment then reads current figures at once. (A
/// store of its own: the demo's has one connection, and the derivation reads on one
/// while it writes on another.)
pub(super) async fn derive_figures(cfg: &Config) -> AppResult<()> {
    let (store, plan) = open_with_plan(cfg).await?;
    let bar = progress_bar_of("计算考核数据 / deriving the figures");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    duikou_app::assessment::Figures::default()
        .sync_with(&store, &plan, &progress)
        .await?;
    bar.finish_and_clear();
    Ok(())
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
pub(super) enum DemoChunk {
    Rows {
        kind: RecordKind,
        part: usize,
        records: Vec<duikou_storage::records::NewRecord>,
    },
    AlreadyImported,
}

/// The import name of part `part` (from 1) of a kind's demo records: a second run with
/// the same scale and seed finds every part imported and writes nothing.
pub(super) fn demo_batch_name(kind: RecordKind, scale: u32, seed: u64, part: usize) -> String {
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
pub(super) fn demo_progress_bar(label: &'static str) -> indicatif::ProgressBar {
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

/// A progress bar toward a known end (hidden off a terminal).
pub(super) fn progress_bar_of(label: &'static str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {percent}% {elapsed}")
            .expect("template"),
    );
    bar.set_message(label);
    bar
}

/// The generator side of `load_demo_counts` (its own thread): every kind in turn, cut
/// into batches, each validated as an import would be and sent; parts already written
/// (`done[kind]`) are generated (the random streams run on) but not validated. Stops
/// sending when the receiver is gone.
pub(super) fn produce_demo(
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
pub(super) async fn attach_demo_evidence(
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
        after = last.id.0;
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

/// For `serve --demo`: initialise if needed, load demo data into an empty database and
/// create one user per role (fresh passwords each start).
pub(super) async fn prepare_demo(cfg: &Config) -> AppResult<Vec<(String, String, String, String)>> {
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
