//! The review queue at scale: submitted records filtered (kind, reporting unit, import
//! batch, year, submitted since, chosen ids), counted, listed a page at a time, and
//! reviewed many at once — a whole import batch or everything a filter matches — in
//! one transaction, a chunk of rows per statement, each record's history written as a
//! single review would write it, plus one audit entry for the act naming its count.
//!
//! Storage decides no rule: which records the reviewer may take (four eyes) is the
//! caller's `may_review`, asked of every record inside the transaction.

use duikou_domain::ids::Timestamp;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::*;
use crate::entities::import_batch;

/// Rows a bulk review reads and updates per statement.
pub const REVIEW_CHUNK_ROWS: u64 = 1_000;

/// Which submitted records the queue shows or a bulk review takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReviewFilter {
    /// A record kind's key.
    pub kind: Option<String>,
    pub reporting_unit: Option<String>,
    /// An import batch's id.
    pub batch: Option<i64>,
    pub year: Option<i32>,
    /// Submitted (last changed) at or after this instant: RFC 3339 UTC text as the
    /// store writes it (`format_ts`).
    pub since: Option<String>,
    /// Only these records (ticked in a list).
    pub ids: Option<Vec<i64>>,
}

/// An import batch with what of it still waits for review.
#[derive(Debug, Clone, Serialize)]
pub struct BatchInfo {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub rows: i32,
    pub imported_by: String,
    pub imported_at: String,
    /// Its records still submitted.
    pub waiting: u64,
}

/// What a bulk review did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReviewOutcome {
    /// Records moved (approved or rejected).
    pub changed: u64,
    /// Records matched but left as they were: the caller's `may_review` refused them
    /// (four eyes: the reviewer's own entries).
    pub skipped: u64,
}

/// The act as the audit trail names it: `entity` / `entity_id` of its one summary entry
/// (`import_batch` and the batch id, or `review_queue` and `filter`).
#[derive(Debug, Clone)]
pub struct ReviewAct {
    pub entity: String,
    pub entity_id: String,
}

fn batch_model(m: import_batch::Model, waiting: u64) -> BatchInfo {
    BatchInfo {
        id: m.id,
        kind: m.kind,
        file_name: m.file_name,
        rows: m.rows,
        imported_by: m.imported_by,
        imported_at: m.imported_at,
        waiting,
    }
}

impl Store {
    /// The submitted records of this plan matching `f`.
    fn review_condition(&self, f: &ReviewFilter) -> Condition {
        let mut c = self
            .in_plan()
            .add(record::Column::Status.eq(Status::Submitted.key()));
        if let Some(k) = &f.kind {
            c = c.add(record::Column::Kind.eq(k.as_str()));
        }
        if let Some(u) = &f.reporting_unit {
            c = c.add(record::Column::ReportingUnit.eq(u.as_str()));
        }
        if let Some(b) = f.batch {
            c = c.add(record::Column::ImportBatchId.eq(b));
        }
        if let Some(y) = f.year {
            c = c.add(record::Column::PlanYear.eq(y));
        }
        if let Some(s) = &f.since {
            c = c.add(record::Column::UpdatedAt.gte(s.as_str()));
        }
        if let Some(ids) = &f.ids {
            // No ids: nothing (an empty IN is refused by some backends).
            if ids.is_empty() {
                c = c.add(record::Column::Id.lt(0));
            } else {
                c = c.add(record::Column::Id.is_in(ids.iter().copied()));
            }
        }
        c
    }

    /// How many submitted records match.
    pub async fn count_review(&self, f: &ReviewFilter) -> Result<u64, StoreError> {
        self.count_where(self.review_condition(f)).await
    }

    /// How many of them `user` created or last changed (what four eyes will leave).
    pub async fn count_review_authored_by(
        &self,
        f: &ReviewFilter,
        user: &str,
    ) -> Result<u64, StoreError> {
        let by = Condition::any()
            .add(record::Column::CreatedBy.eq(user))
            .add(record::Column::EditedBy.eq(user));
        self.count_where(self.review_condition(f).add(by)).await
    }

    async fn count_where(&self, c: Condition) -> Result<u64, StoreError> {
        let n: Option<i64> = record::Entity::find()
            .filter(c)
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "n")
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }

    /// One page of the matching submitted records, oldest first, and their count.
    pub async fn review_queue(
        &self,
        f: &ReviewFilter,
        page: u64,
        per_page: u64,
    ) -> Result<(Vec<StoredRecord>, u64), StoreError> {
        let lookup = self.kinds();
        let per_page = per_page.clamp(1, 1000);
        let page = std::cmp::Ord::min(page, u64::from(u32::MAX) / per_page);
        let rows = record::Entity::find()
            .filter(self.review_condition(f))
            .order_by_asc(record::Column::Id)
            .limit(per_page)
            .offset(page * per_page)
            .all(&self.db);
        let rows = async { rows.await.map_err(StoreError::from) };
        let (total, rows) = tokio::try_join!(self.count_review(f), rows)?;
        Ok((
            rows.into_iter()
                .filter_map(|m| to_stored(&lookup, m))
                .collect(),
            total,
        ))
    }

    /// The matching submitted records after `after_id`, in id order (keyset paging:
    /// a summary walks a batch of any size a page at a time).
    pub async fn review_after(
        &self,
        f: &ReviewFilter,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let lookup = self.kinds();
        Ok(record::Entity::find()
            .filter(self.review_condition(f))
            .filter(record::Column::Id.gt(after_id))
            .order_by_asc(record::Column::Id)
            .limit(limit.clamp(1, 10_000))
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|m| to_stored(&lookup, m))
            .collect())
    }

    /// The reporting units that have submitted records, by name.
    pub async fn review_units(&self) -> Result<Vec<String>, StoreError> {
        Ok(record::Entity::find()
            .filter(self.review_condition(&ReviewFilter::default()))
            .select_only()
            .column(record::Column::ReportingUnit)
            .distinct()
            .order_by_asc(record::Column::ReportingUnit)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The import batches of this plan that have submitted records, newest first.
    pub async fn review_batches(&self) -> Result<Vec<BatchInfo>, StoreError> {
        let waiting: Vec<(Option<i64>, i64)> = record::Entity::find()
            .filter(self.review_condition(&ReviewFilter::default()))
            .filter(record::Column::ImportBatchId.is_not_null())
            .select_only()
            .column(record::Column::ImportBatchId)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .group_by(record::Column::ImportBatchId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let counts: std::collections::HashMap<i64, u64> = waiting
            .into_iter()
            .filter_map(|(b, n)| Some((b?, u64::try_from(n).unwrap_or(0))))
            .collect();
        if counts.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(counts.len());
        let ids: Vec<i64> = counts.keys().copied().collect();
        for chunk in ids.chunks(500) {
            let models = import_batch::Entity::find()
                .filter(self.batches_in_plan())
                .filter(import_batch::Column::Id.is_in(chunk.iter().copied()))
                .all(&self.db)
                .await?;
            out.extend(models.into_iter().map(|m| {
                let n = counts.get(&m.id).copied().unwrap_or(0);
                batch_model(m, n)
            }));
        }
        out.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(out)
    }

    /// One import batch of this plan, with its records still submitted.
    pub async fn import_batch(&self, id: i64) -> Result<Option<BatchInfo>, StoreError> {
        let Some(m) = import_batch::Entity::find_by_id(id)
            .filter(self.batches_in_plan())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let waiting = self
            .count_review(&ReviewFilter {
                batch: Some(id),
                ..Default::default()
            })
            .await?;
        Ok(Some(batch_model(m, waiting)))
    }

    /// How many of a batch's records are in each status (status key, count).
    pub async fn batch_status_counts(&self, id: i64) -> Result<Vec<(String, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = record::Entity::find()
            .filter(self.in_plan())
            .filter(record::Column::ImportBatchId.eq(id))
            .select_only()
            .column(record::Column::Status)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .group_by(record::Column::Status)
            .order_by_asc(record::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// Approve or reject (`t`) every submitted record matching `f` that `may_review`
    /// allows, in one transaction: the rows are read and updated [`REVIEW_CHUNK_ROWS`] at
    /// a time, each with the audit entry a single transition writes (`record.approve`,
    /// `record.reject`), then one entry for the act (`record.bulk_approve` /
    /// `record.bulk_reject` on `act`) naming the filter, the count changed and skipped.
    /// All or nothing: a failure rolls every chunk back.
    pub async fn review_matching(
        &self,
        f: &ReviewFilter,
        t: Transition,
        reason: Option<&str>,
        actor: &str,
        act: &ReviewAct,
        may_review: impl Fn(&StoredRecord) -> bool,
    ) -> Result<ReviewOutcome, RecordError> {
        let Some(next) = t.apply(Status::Submitted) else {
            return Err(conflict(
                format!("已提交的记录不能{}", transition_zh(t)),
                format!("a submitted record cannot be {}", transition_past_en(t)),
            ));
        };
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let lookup = self.kinds();
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let now = now_text();
        let mut out = ReviewOutcome::default();
        let mut after_id = 0i64;
        loop {
            let models = record::Entity::find()
                .filter(self.review_condition(f))
                .filter(record::Column::Id.gt(after_id))
                .order_by_asc(record::Column::Id)
                .limit(REVIEW_CHUNK_ROWS)
                .all(&txn)
                .await?;
            let Some(last) = models.last() else {
                break;
            };
            after_id = last.id;
            let mut take = Vec::with_capacity(models.len());
            for m in models {
                match to_stored(&lookup, m) {
                    Some(r) if may_review(&r) => take.push(r),
                    _ => out.skipped += 1,
                }
            }
            if take.is_empty() {
                continue;
            }
            let ids: Vec<i64> = take.iter().map(|r| r.id.0).collect();
            let mut update = record::Entity::update_many()
                .col_expr(record::Column::Status, Expr::value(next.key()))
                .col_expr(
                    record::Column::Version,
                    Expr::col(record::Column::Version).add(1),
                )
                .col_expr(record::Column::UpdatedBy, Expr::value(actor))
                .col_expr(record::Column::UpdatedAt, Expr::value(now.as_str()));
            if t == Transition::Reject {
                update = update.col_expr(
                    record::Column::RejectReason,
                    Expr::value(reason.map(str::to_string)),
                );
            }
            let res = update
                .filter(record::Column::Id.is_in(ids.iter().copied()))
                .filter(record::Column::Status.eq(Status::Submitted.key()))
                .exec(&txn)
                .await?;
            if res.rows_affected != ids.len() as u64 {
                // The head is held: nobody else writes. Anything else is a bug; undo all.
                return Err(conflict(
                    "记录已被他人修改，请刷新后重试",
                    "records were changed by someone else; reload and try again",
                ));
            }
            let events: Vec<AuditEvent> = take
                .into_iter()
                .map(|mut r| {
                    let before = serde_json::json!({ "status": r.status.key(), "version": r.version });
                    r.status = next;
                    r.version += 1;
                    r.updated_by = actor.to_string();
                    r.updated_at = Timestamp::from_stored(now.clone());
                    if t == Transition::Reject {
                        r.reject_reason = reason.map(str::to_string);
                    }
                    let after = if t == Transition::Approve {
                        r.public_json()
                    } else {
                        serde_json::json!({ "status": next.key(), "version": r.version, "reason": reason })
                    };
                    AuditEvent::new(actor, &format!("record.{}", t.key()), r.kind.key(), r.id)
                        .before(&before)
                        .after(&after)
                })
                .collect();
            out.changed += events.len() as u64;
            audit::append(&txn, &events).await?;
        }
        audit::append(
            &txn,
            &[AuditEvent::new(
                actor,
                &format!("record.bulk_{}", t.key()),
                &act.entity,
                &act.entity_id,
            )
            .after(&serde_json::json!({
                "filter": f, "status": next.key(), "reason": reason,
                "changed": out.changed, "skipped": out.skipped,
            }))],
        )
        .await?;
        txn.commit().await?;
        Ok(out)
    }
}
