//! The plan's lifecycle: reading a plan from the file a coordinator keeps (TOML or the
//! plan workbook), the first load, and amendments — the difference shown before anything
//! is written, refused when it would strand stored records, applied in one transaction
//! with the difference in the audit trail, every version kept.

use std::path::Path;

use duikou_domain::message::Message;
use duikou_domain::plan::Plan;
use duikou_domain::plan::amend::{self, PlanDiff};
use duikou_storage::Store;
use duikou_storage::plans::{AmendCheck, AmendError, PlanVersionInfo};

use crate::error::{AppError, AppResult};

/// The spellings of a plan file a user may hand in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFileFormat {
    Toml,
    Workbook,
}

impl PlanFileFormat {
    /// By the file name's ending: `.xlsx` is a plan workbook, anything else TOML.
    pub fn of(file_name: &str) -> PlanFileFormat {
        if file_name.to_ascii_lowercase().ends_with(".xlsx") {
            PlanFileFormat::Workbook
        } else {
            PlanFileFormat::Toml
        }
    }
}

/// A plan from the bytes of a plan file (TOML or workbook), validated whole; the TOML
/// text returned is what the database keeps. Every problem names its place.
pub fn plan_from_bytes(bytes: &[u8], file_name: &str) -> AppResult<(Plan, String)> {
    match PlanFileFormat::of(file_name) {
        PlanFileFormat::Workbook => crate::plan_book::read_plan_workbook(bytes, file_name)
            .map_err(|e| AppError::input_text(e.to_string())),
        PlanFileFormat::Toml => {
            let text = std::str::from_utf8(bytes).map_err(|_| {
                AppError::input(
                    format!("计划文件 {file_name} 不是 UTF-8 文本（TOML）或 .xlsx 计划工作簿"),
                    format!("plan file {file_name} is neither UTF-8 text (TOML) nor an .xlsx plan workbook"),
                )
            })?;
            let plan = Plan::from_toml(text, file_name)
                .map_err(|e| AppError::input_text(e.to_string()))?;
            Ok((plan, text.to_string()))
        }
    }
}

/// `plan_from_bytes` of a file on disk.
pub fn read_plan_file(path: &Path) -> AppResult<(Plan, String)> {
    let bytes = std::fs::read(path).map_err(|e| {
        AppError::input(
            format!("无法读取计划文件 {}：{e}", path.display()),
            format!("cannot read plan file {}: {e}", path.display()),
        )
    })?;
    plan_from_bytes(&bytes, &path.display().to_string())
}

/// `init --plan` on a database that has a plan already: loading another one silently
/// would rewrite every past figure, so the user is sent to `plan update`.
pub fn refuse_reload(current: &Plan) -> AppError {
    AppError::input(
        format!(
            "数据库已有计划 {}（第 {} 版）；修改计划请用 duikou plan update FILE（先用 --dry-run 查看差异），另一时期或结对的计划请用 duikou plan add FILE",
            current.meta.id, current.version
        ),
        format!(
            "the database already has plan {} (version {}); to change it use `duikou plan update FILE` (see the difference first with --dry-run); to add a plan of another period or pair, `duikou plan add FILE`",
            current.meta.id, current.version
        ),
    )
}

/// Add a plan beside those the database holds (the next period, another pair): its
/// own units, pairings, records and versions; the others' are not touched.
pub async fn add(store: &Store, plan: &Plan, source: &str, actor: &str) -> AppResult<()> {
    if let Some(existing) = store
        .plans()
        .await?
        .into_iter()
        .find(|p| p.id == plan.meta.id)
    {
        return Err(AppError::input(
            format!(
                "数据库已有计划 {}（第 {} 版）；修改它请用 duikou plan update FILE",
                existing.id, existing.version
            ),
            format!(
                "the database already has plan {} (version {}); to change it use `duikou plan update FILE`",
                existing.id, existing.version
            ),
        ));
    }
    Ok(store.load_plan(plan, source, actor).await?)
}

/// An amendment looked at before it is applied: what changes, and what it would strand.
#[derive(Debug, Clone)]
pub struct Amendment {
    pub current: Plan,
    pub new: Plan,
    pub source: String,
    pub diff: PlanDiff,
    /// Why it may not be applied; empty when it may.
    pub strands: Vec<Message>,
}

impl Amendment {
    pub fn is_empty(&self) -> bool {
        self.diff.is_empty()
    }
    pub fn may_apply(&self) -> bool {
        self.strands.is_empty()
    }
    /// The changes as the audit trail and the history keep them.
    pub fn changes_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.diff.changes).unwrap_or_default()
    }
    /// The refusal, naming every stranding change.
    pub fn refusal(&self) -> AppError {
        let mut zh = String::from("计划修改会使已存记录失去依据，未作任何修改：");
        let mut en =
            String::from("the amendment would strand stored records; nothing was changed:");
        for s in &self.strands {
            zh.push_str(&format!("\n  - {}", s.zh));
            en.push_str(&format!("\n  - {}", s.en));
        }
        AppError::input(zh, en)
    }
}

/// Compare a new version with the loaded plan and ask the store what the difference
/// would take from stored records. Nothing is written.
pub async fn propose(store: &Store, new: Plan, source: String) -> AppResult<Amendment> {
    // The plan amended is the one of the file's id: the id is a plan's fixed name.
    let Some(current) = store.plan_by_id(&new.meta.id).await? else {
        let ids: Vec<String> = store.plans().await?.into_iter().map(|p| p.id).collect();
        return Err(AppError::input(
            format!(
                "数据库中没有标识为 {} 的计划（已有：{}）；标识是计划的固定名称，修改时不能改；新的计划请用 duikou plan add FILE",
                new.meta.id,
                ids.join("、")
            ),
            format!(
                "the database has no plan with id {} (it has: {}); the id is a plan's fixed name and an amendment keeps it; add a new plan with `duikou plan add FILE`",
                new.meta.id,
                ids.join(", ")
            ),
        ));
    };
    let diff = amend::diff(&current, &new);
    let usage = store.plan_usage(&diff.fields_to_check()).await?;
    let strands = diff.strands(&usage);
    Ok(Amendment {
        current,
        new,
        source,
        diff,
        strands,
    })
}

/// Apply an amendment that may be applied; returns the new version (the current one
/// when nothing differs).
pub async fn apply(store: &Store, a: &Amendment, actor: &str) -> AppResult<u32> {
    if !a.may_apply() {
        return Err(a.refusal());
    }
    if a.is_empty() {
        return Ok(a.current.version);
    }
    let fields = a.diff.fields_to_check();
    let strands = |u: &amend::Usage| a.diff.strands(u);
    let changes = a.changes_json();
    let check = AmendCheck {
        fields: &fields,
        strands: &strands,
        changes: &changes,
    };
    store
        .amend_plan(&a.new, &a.source, actor, a.current.version, &check)
        .await
        .map_err(|e| match e {
            AmendError::Store(s) => s.into(),
            // Records written since the difference was shown would be stranded now.
            AmendError::Strands(strands) => Amendment {
                strands,
                ..a.clone()
            }
            .refusal(),
            other => AppError::input_text(other.to_string()),
        })
}

/// Every version of the loaded plan, oldest first.
pub async fn history(store: &Store) -> AppResult<Vec<PlanVersionInfo>> {
    Ok(store.plan_history().await?)
}

/// One version of the loaded plan; an unknown version is bad input.
pub async fn version(store: &Store, n: u32) -> AppResult<(Plan, String)> {
    store.plan_version(n).await?.ok_or_else(|| {
        AppError::input(
            format!("没有第 {n} 版计划（duikou plan history 列出各版）"),
            format!("there is no version {n} of the plan (`duikou plan history` lists them)"),
        )
    })
}

/// A drafted plan, ready to be written: a plan workbook with its 待确认 and 来源
/// columns, or a plan file whose head lists what awaits confirmation.
pub struct DraftFile {
    pub bytes: Vec<u8>,
    pub report: Vec<duikou_draft::ReportLine>,
    /// Entries a person must confirm.
    pub pending: usize,
}

/// Draft a plan from its official document (.docx, .txt, .md) into `out_name`'s
/// spelling (.xlsx or .toml).
pub fn draft(document: &[u8], document_name: &str, out_name: &str) -> AppResult<DraftFile> {
    let text = duikou_draft::read_document(document, document_name)
        .map_err(|e| AppError::input_text(e.to_string()))?;
    let d = duikou_draft::draft(&text).map_err(|e| AppError::input_text(e.to_string()))?;
    let pending = d.notes.iter().filter(|n| n.pending).count();
    let bytes = match PlanFileFormat::of(out_name) {
        PlanFileFormat::Workbook => crate::plan_book::write_plan_workbook(&d.toml, &d.notes)
            .map_err(|e| AppError::failure_text(e.to_string()))?,
        PlanFileFormat::Toml if out_name.to_ascii_lowercase().ends_with(".toml") => {
            let mut head = format!("# 计划草案，读自 / plan draft read from: {document_name}\n");
            for n in d.notes.iter().filter(|n| n.pending) {
                head.push_str(&format!(
                    "# 待确认 / to confirm: [[{}]] #{} — {}\n",
                    n.table,
                    n.index + 1,
                    n.source.replace('\n', " ")
                ));
            }
            format!("{head}\n{}", d.toml).into_bytes()
        }
        PlanFileFormat::Toml => {
            return Err(AppError::input(
                format!("草案文件应以 .xlsx 或 .toml 结尾：{out_name}"),
                format!("the draft's file name must end in .xlsx or .toml: {out_name}"),
            ));
        }
    };
    Ok(DraftFile {
        bytes,
        report: d.report,
        pending,
    })
}
