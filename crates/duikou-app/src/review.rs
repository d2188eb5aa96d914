//! Reviewing at scale (coordinators): the queue filtered by kind, reporting unit, import
//! batch, year and submission date; an import batch's summary (rows, records by status,
//! the sums of its money and count fields, a sample, the cross-check findings); and a
//! whole batch, or everything a filter matches, approved or rejected in one act.
//!
//! Four eyes holds for every act: the reviewer's own entries (created or last changed by
//! them, `four_eyes::check_reviewer`) are left as they are and counted as skipped. The
//! act is written by `Store::review_matching`: one transaction, a chunk of rows per
//! statement, each record's history as a single review writes it, and one audit entry
//! for the act naming its count.

use std::collections::BTreeMap;

use duikou_domain::record::{Status, Transition, Value};
use duikou_domain::roles::Actor;
use duikou_domain::schema::{FieldType, RecordKind};
use duikou_storage::records::{BatchInfo, ReviewAct, ReviewFilter, ReviewOutcome, StoredRecord};
use serde::Serialize;

use crate::importer::cross_check::{self, Severity};
use crate::service::{ServiceError, ServiceResult, Services};

/// The most cross-check findings a summary lists (all are counted).
pub const SUMMARY_PROBLEMS: usize = 200;
/// Records a summary shows as a sample.
pub const SUMMARY_SAMPLE: usize = 5;

/// The filter as typed (a page's query, the API's parameters): every part optional.
#[derive(Debug, Clone, Default)]
pub struct FilterInput<'a> {
    pub kind: Option<&'a str>,
    pub unit: Option<&'a str>,
    pub batch: Option<&'a str>,
    pub year: Option<&'a str>,
    /// A date (2019-03-15, 2019/3/15, 2019年3月15日): submitted on or after it, Beijing time.
    pub since: Option<&'a str>,
}

fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The filter's parts checked against the plan; a bad one is named (422).
pub fn parse_filter(
    plan: &duikou_domain::plan::Plan,
    input: &FilterInput<'_>,
) -> ServiceResult<ReviewFilter> {
    let bad =
        |field: &str, zh_field: &str, value: &str, zh: &str, en: &str| ServiceError::Invalid {
            fields: vec![duikou_domain::record::FieldError {
                field: field.into(),
                field_zh: zh_field.into(),
                value: value.chars().take(40).collect(),
                zh: zh.into(),
                en: en.into(),
            }],
        };
    let mut f = ReviewFilter::default();
    if let Some(k) = given(input.kind) {
        let kind = plan.kind(k).ok_or_else(|| {
            bad(
                "kind",
                "记录类型",
                k,
                "没有这种记录类型",
                "no such record kind",
            )
        })?;
        f.kind = Some(kind.key().to_string());
    }
    if let Some(u) = given(input.unit) {
        let unit = plan.resolve_unit(u).ok_or_else(|| {
            bad(
                "unit",
                "填报单位",
                u,
                "计划中没有这个单位",
                "no such unit in the plan",
            )
        })?;
        f.reporting_unit = Some(unit.name.clone());
    }
    if let Some(b) = given(input.batch) {
        let id = b.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            bad(
                "batch",
                "导入批次",
                b,
                "批次编号应为正整数",
                "a batch is a positive number",
            )
        })?;
        f.batch = Some(id);
    }
    if let Some(y) = given(input.year) {
        let year = y
            .parse::<i32>()
            .ok()
            .filter(|y| (1990..=2099).contains(y))
            .ok_or_else(|| {
                bad(
                    "year",
                    "年度",
                    y,
                    "年度应为 1990–2099 之间的年份",
                    "a year is 1990 to 2099",
                )
            })?;
        f.year = Some(year);
    }
    if let Some(s) = given(input.since) {
        let day = duikou_domain::cells::parse_date(s)
            .map_err(|e| bad("since", "提交日期", s, &e.zh, &e.en))?;
        f.since = Some(beijing_midnight(day));
    }
    Ok(f)
}

/// 00:00 of a day in Beijing time, as the store writes instants.
pub fn beijing_midnight(day: time::Date) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).expect("UTC+8");
    duikou_storage::format_ts(day.midnight().assume_offset(offset))
}

/// A review act's transition from its name: `approve` or `reject`.
pub fn act_of(action: &str) -> Option<Transition> {
    match action {
        "approve" => Some(Transition::Approve),
        "reject" => Some(Transition::Reject),
        _ => None,
    }
}

/// The sum of one money or count field over a batch's waiting records.
#[derive(Debug, Clone, Serialize)]
pub struct FieldSum {
    pub field: &'static str,
    pub label_zh: &'static str,
    /// Money (the total in fen) or a count.
    pub money: bool,
    pub total: i64,
}

/// One cross-check finding in a batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchProblem {
    pub record_id: i64,
    pub severity: Severity,
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

/// What a reviewer sees of an import batch before approving or rejecting it whole.
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    pub batch: BatchInfo,
    #[serde(serialize_with = "kind_key")]
    pub kind: RecordKind,
    /// Its records by status.
    pub statuses: Vec<(Status, u64)>,
    /// Of the waiting records, those the reviewer entered (four eyes leaves them).
    pub own: u64,
    /// Over the waiting records.
    pub sums: Vec<FieldSum>,
    #[serde(skip)]
    pub sample: Vec<StoredRecord>,
    /// The first [`SUMMARY_PROBLEMS`] findings, and how many there are.
    pub problems: Vec<BatchProblem>,
    pub problems_total: u64,
}

fn kind_key<S: serde::Serializer>(k: &RecordKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.key())
}

/// How many records a filter takes, and how many of them four eyes leaves.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ReviewCount {
    pub matching: u64,
    pub own: u64,
}

/// A review reason: required to reject, bounded, free of ID numbers (it lands in the
/// audit trail for good) — the rule `Services::transition` applies.
fn check_reason(t: Transition, reason: Option<&str>) -> ServiceResult<()> {
    let invalid = |zh: &str, en: &str| ServiceError::invalid_field("reason", "理由", zh, en);
    let text = reason.unwrap_or("");
    if t.needs_reason() && text.trim().is_empty() {
        return Err(invalid("请填写理由", "a reason is required"));
    }
    if let Some((zh, en)) = duikou_domain::limits::check_length("reason", "理由", text) {
        return Err(invalid(&zh, &en));
    }
    if duikou_domain::limits::contains_id_number(text) {
        let (zh, en) = duikou_domain::limits::id_number_in_text_message();
        return Err(invalid(zh, en));
    }
    Ok(())
}

impl Services {
    fn may_review_queue(&self, actor: &Actor) -> ServiceResult<()> {
        if actor.can_review() {
            Ok(())
        } else {
            Err(ServiceError::forbidden())
        }
    }

    /// One page (0-based) of the submitted records matching `f`, oldest first, and their count.
    pub async fn review_queue(
        &self,
        actor: &Actor,
        f: &ReviewFilter,
        page: u64,
        per_page: u64,
    ) -> ServiceResult<(Vec<StoredRecord>, u64)> {
        self.may_review_queue(actor)?;
        Ok(self.store.review_queue(f, page, per_page).await?)
    }

    /// The import batches with records waiting for review, newest first.
    pub async fn review_batches(&self, actor: &Actor) -> ServiceResult<Vec<BatchInfo>> {
        self.may_review_queue(actor)?;
        Ok(self.store.review_batches().await?)
    }

    /// The reporting units with records waiting for review.
    pub async fn review_units(&self, actor: &Actor) -> ServiceResult<Vec<String>> {
        self.may_review_queue(actor)?;
        Ok(self.store.review_units().await?)
    }

    /// How many records `f` takes, and how many of them are the reviewer's own.
    pub async fn review_count(
        &self,
        actor: &Actor,
        f: &ReviewFilter,
    ) -> ServiceResult<ReviewCount> {
        self.may_review_queue(actor)?;
        let (matching, own) = tokio::try_join!(
            self.store.count_review(f),
            self.store.count_review_authored_by(f, &actor.username)
        )?;
        Ok(ReviewCount { matching, own })
    }

    /// An import batch's summary (404 for a batch of another plan or none).
    pub async fn batch_summary(&self, actor: &Actor, id: i64) -> ServiceResult<BatchSummary> {
        self.may_review_queue(actor)?;
        let batch = self
            .store
            .import_batch(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let kind = self.plan.kind(&batch.kind).ok_or(ServiceError::NotFound)?;
        let statuses = self
            .store
            .batch_status_counts(id)
            .await?
            .into_iter()
            .filter_map(|(s, n)| Some((Status::from_key(&s)?, n)))
            .collect();
        let summable: Vec<_> = kind
            .fields()
            .iter()
            .filter(|f| matches!(f.ty, FieldType::Money | FieldType::Int))
            .collect();
        let mut totals: BTreeMap<&'static str, i64> = BTreeMap::new();
        let mut sample = Vec::new();
        let mut problems = Vec::new();
        let mut problems_total = 0u64;
        let mut own = 0u64;
        let f = ReviewFilter {
            batch: Some(id),
            ..Default::default()
        };
        let mut after = 0i64;
        loop {
            let page = self.store.review_after(&f, after, 1_000).await?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.id.0;
            for r in &page {
                if duikou_domain::four_eyes::check_reviewer(actor, &r.created_by, &r.edited_by)
                    .is_err()
                {
                    own += 1;
                }
                for fd in &summable {
                    let v = match r.fields.get(fd.key) {
                        Some(Value::Money(fen)) => i64::from(*fen),
                        Some(Value::Int(n)) => *n,
                        _ => continue,
                    };
                    let t = totals.entry(fd.key).or_default();
                    *t = t.saturating_add(v);
                }
                for flag in cross_check::check_stored(&self.plan, r) {
                    problems_total += 1;
                    if problems.len() < SUMMARY_PROBLEMS {
                        problems.push(BatchProblem {
                            record_id: r.id.0,
                            severity: flag.severity,
                            field: flag.field,
                            zh: flag.zh,
                            en: flag.en,
                        });
                    }
                }
            }
            if sample.len() < SUMMARY_SAMPLE {
                sample.extend(page.into_iter().take(SUMMARY_SAMPLE - sample.len()));
            }
        }
        let sums = summable
            .iter()
            .map(|fd| FieldSum {
                field: fd.key,
                label_zh: fd.zh,
                money: fd.ty == FieldType::Money,
                total: totals.get(fd.key).copied().unwrap_or(0),
            })
            .collect();
        Ok(BatchSummary {
            batch,
            kind,
            statuses,
            own,
            sums,
            sample,
            problems,
            problems_total,
        })
    }

    /// Approve or reject every submitted record `f` matches, in one act; the reviewer's
    /// own entries are skipped (four eyes) and counted. `act` names it in the audit trail.
    pub async fn review_matching(
        &self,
        actor: &Actor,
        f: &ReviewFilter,
        t: Transition,
        reason: Option<&str>,
        act: &ReviewAct,
    ) -> ServiceResult<ReviewOutcome> {
        self.may_review_queue(actor)?;
        if !matches!(t, Transition::Approve | Transition::Reject) {
            return Err(ServiceError::forbidden());
        }
        check_reason(t, reason)?;
        let who = actor.clone();
        Ok(self
            .store
            .review_matching(f, t, reason, &actor.username, act, move |r| {
                duikou_domain::four_eyes::check_reviewer(&who, &r.created_by, &r.edited_by).is_ok()
            })
            .await?)
    }

    /// Approve or reject an import batch whole: its records still submitted.
    pub async fn review_batch(
        &self,
        actor: &Actor,
        id: i64,
        t: Transition,
        reason: Option<&str>,
    ) -> ServiceResult<ReviewOutcome> {
        self.may_review_queue(actor)?;
        self.store
            .import_batch(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let f = ReviewFilter {
            batch: Some(id),
            ..Default::default()
        };
        let act = ReviewAct {
            entity: "import_batch".into(),
            entity_id: id.to_string(),
        };
        self.review_matching(actor, &f, t, reason, &act).await
    }
}
