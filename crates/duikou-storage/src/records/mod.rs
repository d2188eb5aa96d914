//! Records: create, read, change, review, confirm, delete and import, each with its
//! audit entry in the same transaction. Optimistic versioning prevents lost updates.

use std::collections::{BTreeMap, HashSet};

use duikou_domain::ids::{RecordId, Timestamp, UnitName};
use duikou_domain::receipt::Confirmation;
use duikou_domain::record::{
    Status, Transition, ValidRecord, Value, fields_from_json, fields_from_json_text, format_date,
    parse_iso_date,
};
use duikou_domain::schema::RecordKind;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;

use crate::audit::{self, AuditEvent};
use crate::entities::{audit_log, record};
use crate::record_units;
use crate::{KindLookup, Store, StoreError, now_text};

mod batches;
mod cursor;
mod engine;
mod evidence_files;
mod import;
mod listing;
mod receipt;

pub use batches::{BatchInfo, REVIEW_CHUNK_ROWS, ReviewAct, ReviewFilter, ReviewOutcome};
pub use cursor::RecordCursor;
pub use engine::RecordChanges;
pub use evidence_files::NewEvidence;
use evidence_files::insert_evidence;
pub use import::{IMPORT_CHUNK_ROWS, ImportFile, ImportOutcome, ImportSession, StoredByKey};
pub use listing::{Compare, RecordSort, SortColumn, UnitFieldFilter};

/// A personal ID number as it may be stored: never the plain number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedId {
    pub cipher: String,
    pub blind: String,
    pub masked: String,
}

/// A validated record ready to be written.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub valid: ValidRecord,
    pub id: Option<ProtectedId>,
    pub natural_key: Option<String>,
    /// The county the record concerns (what a receiver may see).
    pub county: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredRecord {
    pub id: RecordId,
    pub kind: RecordKind,
    pub status: Status,
    pub reporting_unit: UnitName,
    pub county: Option<String>,
    pub plan_year: i32,
    #[serde(skip)]
    pub fields: BTreeMap<String, Value>,
    pub notes: String,
    pub id_masked: Option<String>,
    #[serde(skip)]
    pub id_blind: Option<String>,
    #[serde(skip)]
    pub id_cipher: Option<String>,
    pub reject_reason: Option<String>,
    pub version: i32,
    pub import_batch_id: Option<i64>,
    pub evidence_count: i32,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_by: String,
    pub updated_at: Timestamp,
    /// Who last changed the content (see `entities::record::Model::edited_by`).
    pub edited_by: String,
    /// The payee's confirmation of receipt: who, and on which day (absent for a date
    /// entered otherwise).
    #[serde(skip)]
    pub receipt: Option<Confirmation>,
}

impl StoredRecord {
    /// The record as the audit trail and outputs show it: fields, with the ID masked.
    /// Money appears as yuan text with two decimals ("1234.50"): exact, and accepted back
    /// as input unchanged.
    pub fn public_json(&self) -> serde_json::Value {
        let mut fields = duikou_domain::record::fields_to_json(&self.fields);
        if let Some(obj) = fields.as_object_mut() {
            for (k, v) in &self.fields {
                if let Value::Money(fen) = v {
                    obj.insert(k.clone(), serde_json::Value::String(fen.yuan_text()));
                }
            }
        }
        if let (Some(obj), Some(m)) = (fields.as_object_mut(), &self.id_masked) {
            obj.insert("id_number".into(), serde_json::Value::String(m.clone()));
        }
        let mut out = serde_json::json!({
            "id": self.id, "kind": self.kind.key(), "status": self.status.key(),
            "reporting_unit": self.reporting_unit, "plan_year": self.plan_year,
            "fields": fields, "notes": self.notes, "reject_reason": self.reject_reason,
            "version": self.version, "evidence_count": self.evidence_count,
            "created_by": self.created_by, "created_at": self.created_at,
            "updated_by": self.updated_by, "updated_at": self.updated_at,
        });
        if let Some(c) = &self.receipt {
            out["receipt"] = serde_json::json!({
                "confirmed_by": c.by,
                "confirmed_on": format_date(c.on),
                "correctable_until": format_date(c.correctable_until()),
            });
        }
        out
    }
}

fn to_stored(kinds: &KindLookup, m: record::Model) -> Option<StoredRecord> {
    let kind = kinds.get(&m.kind)?;
    let json: serde_json::Value = serde_json::from_str(&m.data).ok()?;
    let edited_by = m.edited_by.clone().unwrap_or_else(|| m.created_by.clone());
    Some(StoredRecord {
        id: RecordId(m.id),
        kind,
        status: Status::from_key(&m.status)?,
        reporting_unit: m.reporting_unit.into(),
        county: m.county,
        plan_year: m.plan_year,
        fields: fields_from_json(kind, &json),
        notes: m.notes,
        id_masked: m.id_masked,
        id_blind: m.id_blind,
        id_cipher: m.id_cipher,
        reject_reason: m.reject_reason,
        version: m.version,
        import_batch_id: m.import_batch_id,
        evidence_count: m.evidence_count,
        created_by: m.created_by,
        created_at: Timestamp::from_stored(m.created_at),
        updated_by: m.updated_by,
        updated_at: Timestamp::from_stored(m.updated_at),
        edited_by,
        receipt: match (m.receipt_confirmed_on.as_deref(), m.receipt_confirmed_by) {
            (Some(on), Some(by)) => parse_iso_date(on).map(|on| Confirmation { by, on }),
            _ => None,
        },
    })
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("记录不存在 / no such record")]
    NotFound,
    /// The record's state forbids the change (HTTP 409).
    #[error("{zh} / {en}")]
    Conflict { zh: String, en: String },
    #[error(
        "此文件已导入（批次 {batch}，{at}） / this file was already imported (batch {batch}, {at})"
    )]
    AlreadyImported { batch: i64, at: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for RecordError {
    fn from(e: sea_orm::DbErr) -> Self {
        RecordError::Store(StoreError::Db(e))
    }
}

fn conflict(zh: impl Into<String>, en: impl Into<String>) -> RecordError {
    RecordError::Conflict {
        zh: zh.into(),
        en: en.into(),
    }
}

fn active_model(
    plan_id: &str,
    n: &NewRecord,
    status: Status,
    actor: &str,
    now: &str,
    batch: Option<i64>,
) -> record::ActiveModel {
    let v = &n.valid;
    record::ActiveModel {
        plan_id: Set(plan_id.to_string()),
        kind: Set(v.kind.key().to_string()),
        status: Set(status.key().to_string()),
        reporting_unit: Set(v.reporting_unit.clone()),
        county: Set(n.county.clone()),
        plan_year: Set(v.plan_year),
        event_date: Set(v.event_date()),
        data: Set(v.fields_json_text()),
        notes: Set(v.notes.clone()),
        id_cipher: Set(n.id.as_ref().map(|p| p.cipher.clone())),
        id_blind: Set(n.id.as_ref().map(|p| p.blind.clone())),
        id_masked: Set(n.id.as_ref().map(|p| p.masked.clone())),
        natural_key: Set(n.natural_key.clone()),
        reject_reason: Set(None),
        version: Set(1),
        import_batch_id: Set(batch),
        evidence_count: Set(0),
        created_by: Set(actor.to_string()),
        created_at: Set(now.to_string()),
        updated_by: Set(actor.to_string()),
        updated_at: Set(now.to_string()),
        edited_by: Set(Some(actor.to_string())),
        ..Default::default()
    }
}

/// A county sees the records concerning it once their unit submitted them: a town's
/// draft is still the town's own (the same rule as `Actor::can_read`).
fn county_visible(county: &str) -> Condition {
    Condition::all()
        .add(record::Column::County.eq(county))
        .add(record::Column::Status.ne(Status::Draft.key()))
}

/// Filters for listing records.
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    pub kind: Option<RecordKind>,
    pub year: Option<i32>,
    pub reporting_unit: Option<String>,
    pub status: Option<Status>,
    pub search: Option<String>,
    /// Restrict to what a unit-bound role may see: records it reported, or (receiver)
    /// that concern its county.
    pub visible_to_unit: Option<String>,
    pub include_county: bool,
    pub only_status: Option<Vec<Status>>,
    /// Records naming these units in these fields (a transfer's payee, a person's 户籍县区).
    pub unit_fields: Vec<UnitFieldFilter>,
    /// Records whose ID number has this blind index: an exact search by ID number.
    pub id_blind: Option<String>,
    pub page: u64,
    pub per_page: u64,
    /// The order when no `sort` is given: by id, newest or oldest first.
    pub newest_first: bool,
    /// The order of the list (`listing.rs`); by id when absent.
    pub sort: Option<RecordSort>,
}

impl Store {
    /// Only the records of this store's plan: another plan's record looks absent. A
    /// store that has read no plan yet (a tool on a database of one plan) reads them all.
    fn in_plan(&self) -> Condition {
        match self.plan_id() {
            id if id.is_empty() => Condition::all(),
            id => Condition::all().add(record::Column::PlanId.eq(id)),
        }
    }

    /// `in_plan` for import batches.
    fn batches_in_plan(&self) -> Condition {
        match self.plan_id() {
            id if id.is_empty() => Condition::all(),
            id => Condition::all().add(crate::entities::import_batch::Column::PlanId.eq(id)),
        }
    }

    pub async fn get_record(&self, id: RecordId) -> Result<Option<StoredRecord>, StoreError> {
        let id = id.0;
        Ok(record::Entity::find_by_id(id)
            .filter(self.in_plan())
            .one(&self.db)
            .await?
            .and_then(|m| to_stored(&self.kinds(), m)))
    }

    async fn locked_record(
        &self,
        txn: &DatabaseTransaction,
        id: i64,
    ) -> Result<StoredRecord, RecordError> {
        record::Entity::find_by_id(id)
            .filter(self.in_plan())
            .one(txn)
            .await?
            .and_then(|m| to_stored(&self.kinds(), m))
            .ok_or(RecordError::NotFound)
    }

    pub async fn list_records(
        &self,
        q: &RecordQuery,
    ) -> Result<(Vec<StoredRecord>, u64), StoreError> {
        let lookup = self.kinds();
        let sel = self.selected(q);
        // The count as a plain `SELECT COUNT(*) … WHERE` (an index walk): a paginator
        // counts over a sub-query of the ordered rows, which materialised and sorted every
        // matching row, all columns, on each request.
        let count = sel
            .clone()
            .select_only()
            .column_as(Expr::cust("COUNT(*)"), "n")
            .into_tuple::<i64>()
            .one(&self.db);
        let per_page = q.per_page.clamp(1, 1000);
        // A page far past the end is empty; capped so that page × per_page cannot
        // overflow (a panic) or exceed what the databases take as an OFFSET.
        let page = std::cmp::Ord::min(q.page, u64::from(u32::MAX) / per_page);
        // Newest (or oldest) first within a kind walks the `record_kind_id` index in
        // order and stops after the page, instead of sorting every row of the kind.
        let rows = self
            .ordered(sel, listing::effective_sort(q))
            .limit(per_page)
            .offset(page * per_page)
            .all(&self.db);
        let (total, rows) = tokio::try_join!(count, rows)?;
        Ok((
            rows.into_iter()
                .filter_map(|m| to_stored(&lookup, m))
                .collect(),
            u64::try_from(total.unwrap_or(0)).unwrap_or(0),
        ))
    }

    /// One page of records after `after_id` in id order (keyset paging: exports stream a
    /// million rows without holding them). The filters of `q` apply; its paging and
    /// order do not.
    pub async fn records_after(
        &self,
        q: &RecordQuery,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let lookup = self.kinds();
        let rows = self
            .selected(q)
            .filter(record::Column::Id.gt(after_id))
            .order_by_asc(record::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|m| to_stored(&lookup, m))
            .collect())
    }

    /// Records by id, for the records behind a figure.
    pub async fn records_by_ids(&self, ids: &[RecordId]) -> Result<Vec<StoredRecord>, StoreError> {
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        let ids = ids.as_slice();
        let lookup = self.kinds();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let rows = record::Entity::find()
                .filter(self.in_plan())
                .filter(record::Column::Id.is_in(chunk.iter().copied()))
                .order_by_asc(record::Column::Id)
                .all(&self.db)
                .await?;
            out.extend(rows.into_iter().filter_map(|m| to_stored(&lookup, m)));
        }
        Ok(out)
    }

    /// Does a voucher number already exist for this payer (other than `except`)?
    pub async fn natural_key_exists(
        &self,
        key: &str,
        except: Option<i64>,
    ) -> Result<bool, StoreError> {
        let mut sel = record::Entity::find()
            .filter(self.in_plan())
            .filter(record::Column::NaturalKey.eq(key));
        if let Some(id) = except {
            sel = sel.filter(record::Column::Id.ne(id));
        }
        Ok(sel.count(&self.db).await? > 0)
    }

    pub async fn create_record(
        &self,
        n: &NewRecord,
        status: Status,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        self.create_record_with_evidence(n, status, actor, &[])
            .await
    }

    /// Create a record with evidence files already stored (by their hash): the record, its
    /// evidence and their audit entries in one transaction, so a failure leaves neither.
    pub async fn create_record_with_evidence(
        &self,
        n: &NewRecord,
        status: Status,
        actor: &str,
        files: &[NewEvidence],
    ) -> Result<StoredRecord, RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        if let Some(key) = &n.natural_key {
            if record::Entity::find()
                .filter(self.in_plan())
                .filter(record::Column::NaturalKey.eq(key.as_str()))
                .count(&txn)
                .await?
                > 0
            {
                return Err(conflict(
                    "已有相同记录（同一拨付单位的凭证号或同一人员同一日期）",
                    "a record with the same natural key exists (payer + voucher, or person + start date)",
                ));
            }
        }
        let now = now_text();
        let m = active_model(&self.plan_id(), n, status, actor, &now, None)
            .insert(&txn)
            .await?;
        let stored = to_stored(&self.kinds(), m)
            .ok_or_else(|| conflict("记录无法读取", "record unreadable"))?;
        record_units::write(
            &txn,
            stored.id.0,
            stored.kind,
            &stored.reporting_unit,
            &stored.fields,
        )
        .await?;
        audit::append(
            &txn,
            &[
                AuditEvent::new(actor, "record.create", stored.kind.key(), stored.id)
                    .after(&stored.public_json()),
            ],
        )
        .await?;
        for f in files {
            insert_evidence(&txn, stored.kind, stored.id.0, f, actor).await?;
        }
        let stored = if files.is_empty() {
            stored
        } else {
            self.locked_record(&txn, stored.id.0).await?
        };
        txn.commit().await?;
        Ok(stored)
    }

    /// Change a record's content; only while draft or rejected, and only from the version read.
    pub async fn update_record(
        &self,
        id: RecordId,
        expected_version: Option<i32>,
        n: &NewRecord,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let id = id.0;
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let before = self.locked_record(&txn, id).await?;
        if !before.status.is_editable() {
            return Err(conflict(
                format!("记录状态为「{}」，不能修改", before.status.label_zh()),
                format!(
                    "the record is {}; it cannot be changed",
                    before.status.key()
                ),
            ));
        }
        if let Some(v) = expected_version {
            if v != before.version {
                return Err(conflict(
                    "记录已被他人修改，请刷新后重试",
                    "the record was changed by someone else; reload and try again",
                ));
            }
        }
        if let Some(key) = &n.natural_key {
            let dup = record::Entity::find()
                .filter(self.in_plan())
                .filter(record::Column::NaturalKey.eq(key.as_str()))
                .filter(record::Column::Id.ne(id))
                .count(&txn)
                .await?;
            if dup > 0 {
                return Err(conflict(
                    "已有相同记录（同一拨付单位的凭证号或同一人员同一日期）",
                    "a record with the same natural key exists",
                ));
            }
        }
        // A confirmation vouches for these amount, payer, payee, source and year only;
        // decided here, under the lock, against what is really stored.
        let cleared = duikou_domain::receipt::change_clears(&before.fields, &n.valid.fields);
        let unconfirmed;
        let n = if cleared {
            let mut c = n.clone();
            c.valid.fields.remove("received_on");
            unconfirmed = c;
            &unconfirmed
        } else {
            n
        };
        let mut am = active_model(
            &self.plan_id(),
            n,
            before.status,
            actor,
            &now_text(),
            before.import_batch_id,
        );
        am.id = Set(id);
        am.version = Set(before.version + 1);
        am.created_by = Set(before.created_by.clone());
        am.created_at = Set(before.created_at.to_string());
        am.evidence_count = Set(before.evidence_count);
        am.reject_reason = Set(before.reject_reason.clone());
        // A date no longer the payee's confirmation (cleared, or entered anew by a
        // coordinator) takes no correction window with it.
        if before.fields.get("received_on") != n.valid.fields.get("received_on") {
            am.receipt_confirmed_on = Set(None);
            am.receipt_confirmed_by = Set(None);
        }
        // Keep the stored ID when the change does not give one.
        if n.id.is_none() {
            am.id_cipher = Set(before.id_cipher.clone());
            am.id_blind = Set(before.id_blind.clone());
            am.id_masked = Set(before.id_masked.clone());
        }
        let m = am.update(&txn).await?;
        let after = to_stored(&self.kinds(), m)
            .ok_or_else(|| conflict("记录无法读取", "record unreadable"))?;
        record_units::write(&txn, id, after.kind, &after.reporting_unit, &after.fields).await?;
        let mut events = vec![
            AuditEvent::new(actor, "record.update", after.kind.key(), id)
                .before(&before.public_json())
                .after(&after.public_json()),
        ];
        if cleared {
            events.push(
                AuditEvent::new(actor, "record.receipt_cleared", after.kind.key(), id)
                    .before(&serde_json::json!({
                        "received_on": before.fields.get("received_on").map(|v| v.display()),
                    }))
                    .after(&serde_json::json!({
                        "received_on": null,
                        "reason": "confirmed fields changed; the payee must confirm again",
                        "fields": duikou_domain::receipt::BOUND_FIELDS,
                    })),
            );
        }
        audit::append(&txn, &events).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Apply a review transition (submit, approve, reject, reopen).
    pub async fn transition_record(
        &self,
        id: RecordId,
        t: Transition,
        reason: Option<&str>,
        expected_version: Option<i32>,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let id = id.0;
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let before = self.locked_record(&txn, id).await?;
        let after = self
            .apply_transition(&txn, &before, t, reason, expected_version, actor)
            .await?;
        txn.commit().await?;
        Ok(after)
    }

    async fn apply_transition(
        &self,
        txn: &DatabaseTransaction,
        before: &StoredRecord,
        t: Transition,
        reason: Option<&str>,
        expected_version: Option<i32>,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let Some(next) = t.apply(before.status) else {
            return Err(conflict(
                format!(
                    "记录状态为「{}」，不能{}",
                    before.status.label_zh(),
                    transition_zh(t)
                ),
                format!(
                    "a {} record cannot be {}",
                    before.status.key(),
                    transition_past_en(t)
                ),
            ));
        };
        if let Some(v) = expected_version {
            if v != before.version {
                return Err(conflict(
                    "记录已被他人修改，请刷新后重试",
                    "the record was changed by someone else; reload and try again",
                ));
            }
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let mut am = record::ActiveModel {
            id: Set(before.id.0),
            ..Default::default()
        };
        am.status = Set(next.key().to_string());
        am.version = Set(before.version + 1);
        am.updated_by = Set(actor.to_string());
        am.updated_at = Set(now_text());
        if t == Transition::Reject {
            am.reject_reason = Set(reason.map(str::to_string));
        } else if t == Transition::Submit {
            am.reject_reason = Set(None);
        }
        // Conditional update: the row changes only if nobody changed it meanwhile.
        let res = record::Entity::update_many()
            .set(am)
            .filter(record::Column::Id.eq(before.id.0))
            .filter(record::Column::Version.eq(before.version))
            .exec(txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(conflict(
                "记录已被他人修改，请刷新后重试",
                "the record was changed by someone else; reload and try again",
            ));
        }
        let after = self.locked_record(txn, before.id.0).await?;
        let mut ev = AuditEvent::new(actor, &format!("record.{}", t.key()), before.kind.key(), before.id)
            .before(&serde_json::json!({ "status": before.status.key(), "version": before.version }))
            .after(&serde_json::json!({ "status": next.key(), "version": after.version, "reason": reason }));
        if t == Transition::Approve {
            ev = ev.after(&after.public_json());
        }
        audit::append(txn, &[ev]).await?;
        Ok(after)
    }

    /// Approve many submitted records at once; returns how many changed.
    pub async fn bulk_transition(
        &self,
        ids: &[RecordId],
        t: Transition,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<Vec<(RecordId, Result<(), String>)>, RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let mut out = Vec::new();
        for &id in ids {
            match self.locked_record(&txn, id.0).await {
                Ok(before) => {
                    match self
                        .apply_transition(&txn, &before, t, reason, None, actor)
                        .await
                    {
                        Ok(_) => out.push((id, Ok(()))),
                        Err(e) => out.push((id, Err(e.to_string()))),
                    }
                }
                Err(e) => out.push((id, Err(e.to_string()))),
            }
        }
        txn.commit().await?;
        Ok(out)
    }

    pub async fn delete_record(&self, id: RecordId, actor: &str) -> Result<(), RecordError> {
        let id = id.0;
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let before = self.locked_record(&txn, id).await?;
        if !before.status.is_editable() {
            return Err(conflict(
                format!("记录状态为「{}」，不能删除", before.status.label_zh()),
                format!("a {} record cannot be deleted", before.status.key()),
            ));
        }
        record_units::remove(&txn, id).await?;
        record::Entity::delete_by_id(id).exec(&txn).await?;
        audit::append(
            &txn,
            &[
                AuditEvent::new(actor, "record.delete", before.kind.key(), id)
                    .before(&before.public_json()),
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

impl Store {
    /// The audit entries about one entity, oldest first.
    pub async fn history(
        &self,
        entity: &str,
        entity_id: &str,
    ) -> Result<Vec<audit_log::Model>, StoreError> {
        Ok(audit_log::Entity::find()
            .filter(audit_log::Column::Entity.eq(entity))
            .filter(audit_log::Column::EntityId.eq(entity_id))
            .order_by_asc(audit_log::Column::Seq)
            .all(&self.db)
            .await?)
    }

    /// Record an unmasked read of personal data (or any other event without a change).
    pub async fn audit_event(&self, ev: AuditEvent) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        audit::append(&txn, &[ev]).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The records of this store's plan.
    pub async fn count_records(&self) -> Result<u64, StoreError> {
        Ok(record::Entity::find()
            .filter(self.in_plan())
            .count(&self.db)
            .await?)
    }
}

/// What a named unit sees of others' records: those naming it, once out of draft
/// (`Actor::can_read`).
fn named_visible(unit: &str) -> Condition {
    Condition::all()
        .add(record::Column::Status.ne(Status::Draft.key()))
        .add(record::Column::Id.in_subquery(record_units::naming(unit)))
}

fn transition_zh(t: Transition) -> &'static str {
    match t {
        Transition::Submit => "提交",
        Transition::Approve => "审核通过",
        Transition::Reject => "退回",
        Transition::Reopen => "重新打开",
        Transition::Dispute => "退回复核",
        Transition::Withdraw => "撤回",
    }
}

fn transition_past_en(t: Transition) -> &'static str {
    match t {
        Transition::Submit => "submitted",
        Transition::Approve => "approved",
        Transition::Reject => "rejected",
        Transition::Reopen => "reopened",
        Transition::Dispute => "disputed",
        Transition::Withdraw => "withdrawn",
    }
}
