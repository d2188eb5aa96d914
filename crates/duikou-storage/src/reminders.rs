//! What the reminders read and write: users' e-mail addresses, the review queue's
//! size, transfers waiting for receipt, disputes (from the audit trail), and the notices
//! sent to units (催报). The rules of who is told what are the domain's
//! (`duikou_domain::reminders`); this persists and reads.

use duikou_domain::ids::UserId;
use std::collections::BTreeMap;

use duikou_domain::record::{Status, Value, fields_from_json};
use duikou_domain::schema::RecordKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionTrait,
};

use crate::audit::{self, AuditEvent};
use crate::entities::{app_user, audit_log, notice, record};
use crate::{Store, StoreError, now_text};

/// A record as a notice names it: who reported it, its fields, its review state.
#[derive(Debug, Clone)]
pub struct RecordBrief {
    pub id: i64,
    pub kind: RecordKind,
    pub status: Status,
    pub reporting_unit: String,
    pub fields: BTreeMap<String, Value>,
    pub reject_reason: Option<String>,
    pub version: i32,
}

/// A dispute (退回复核) as the audit trail holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeEvent {
    pub record_id: i64,
    /// Who disputed it (a username).
    pub actor: String,
    pub reason: Option<String>,
    /// The record's version right after the dispute: still the same means nobody has
    /// reviewed or changed it since.
    pub version: Option<i64>,
}

/// A notice kept for a unit (催报).
#[derive(Debug, Clone)]
pub struct StoredNotice {
    pub unit: String,
    pub kind: String,
    /// `[(zh, en)]`: the lines it listed.
    pub lines: Vec<(String, String)>,
    pub created_at: String,
    pub created_by: String,
}

impl Store {
    /// Only this store's plan's rows (every plan's when it has read none).
    fn plan_filter(&self) -> Condition {
        match self.plan_id() {
            id if id.is_empty() => Condition::all(),
            id => Condition::all().add(record::Column::PlanId.eq(id)),
        }
    }

    fn brief(&self, m: record::Model) -> Option<RecordBrief> {
        let kind = self.kinds().get(&m.kind)?;
        let json: serde_json::Value = serde_json::from_str(&m.data).ok()?;
        Some(RecordBrief {
            id: m.id,
            kind,
            status: Status::from_key(&m.status)?,
            reporting_unit: m.reporting_unit,
            fields: fields_from_json(kind, &json),
            reject_reason: m.reject_reason,
            version: m.version,
        })
    }

    /// Set (or, with None, clear) a user's e-mail address; audited.
    pub async fn set_user_email(
        &self,
        user_id: UserId,
        email: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let user_id = user_id.0;
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let Some(m) = app_user::Entity::find_by_id(user_id).one(&txn).await? else {
            return Err(StoreError::Db(sea_orm::DbErr::RecordNotFound(
                "user".into(),
            )));
        };
        let before = serde_json::json!({ "email": m.email });
        let mut am: app_user::ActiveModel = m.into();
        am.email = Set(email.map(str::to_string));
        am.update(&txn).await?;
        audit::append(
            &txn,
            &[AuditEvent::new(actor, "user.email", "user", user_id)
                .before(&before)
                .after(&serde_json::json!({ "email": email }))],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Every user's e-mail address, by user id (users without one are absent).
    pub async fn user_emails(&self) -> Result<BTreeMap<UserId, String>, StoreError> {
        Ok(app_user::Entity::find()
            .filter(app_user::Column::Email.is_not_null())
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|u| {
                u.email
                    .filter(|e| !e.trim().is_empty())
                    .map(|e| (UserId(u.id), e))
            })
            .collect())
    }

    /// Submitted records per kind key: what the review queue holds.
    pub async fn submitted_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        // Counted here, not by GROUP BY kind: for the grouping SQLite (no statistics)
        // walked the plan's (plan, kind, year) index over every record, 100 ms at scale
        // 10 on every page after every write; this reads the submitted ones only.
        let kinds: Vec<String> = record::Entity::find()
            .filter(self.plan_filter())
            .filter(record::Column::Status.eq(Status::Submitted.key()))
            .select_only()
            .column(record::Column::Kind)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
        for k in kinds {
            *counts.entry(k).or_default() += 1;
        }
        Ok(counts.into_iter().collect())
    }

    /// Records of these statuses (and, if given, kinds and plan year), oldest first: the
    /// rejected ones, those with a 对应工作清单 this year. At most `limit`.
    pub async fn briefs(
        &self,
        statuses: &[Status],
        kinds: Option<&[RecordKind]>,
        year: Option<i32>,
        limit: u64,
    ) -> Result<Vec<RecordBrief>, StoreError> {
        let mut sel = record::Entity::find()
            .filter(self.plan_filter())
            .filter(record::Column::Status.is_in(statuses.iter().map(|s| s.key())));
        if let Some(kinds) = kinds {
            sel = sel.filter(record::Column::Kind.is_in(kinds.iter().map(|k| k.key())));
        }
        if let Some(y) = year {
            sel = sel.filter(record::Column::PlanYear.eq(y));
        }
        Ok(sel
            .order_by_asc(record::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|m| self.brief(m))
            .collect())
    }

    /// Transfers submitted or approved whose receipt is not confirmed yet (a transfer's
    /// event date is its receipt: none until the payee confirms).
    pub async fn awaiting_receipt(
        &self,
        transfer: RecordKind,
        limit: u64,
    ) -> Result<Vec<RecordBrief>, StoreError> {
        Ok(record::Entity::find()
            .filter(self.plan_filter())
            .filter(record::Column::Kind.eq(transfer.key()))
            .filter(record::Column::Status.is_in([Status::Submitted.key(), Status::Approved.key()]))
            .filter(record::Column::EventDate.is_null())
            .order_by_asc(record::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|m| self.brief(m))
            .filter(|b| b.fields.get("received_on").is_none())
            .collect())
    }

    /// Disputes still open: the record is in review (submitted) at the version the
    /// dispute left it, the latest dispute of each record.
    pub async fn open_disputes(&self) -> Result<Vec<(RecordBrief, DisputeEvent)>, StoreError> {
        let events = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("record.dispute"))
            .order_by_asc(audit_log::Column::Seq)
            .all(&self.db)
            .await?;
        let mut latest: BTreeMap<i64, DisputeEvent> = BTreeMap::new();
        for e in events {
            let Ok(id) = e.entity_id.parse::<i64>() else {
                continue;
            };
            let after: serde_json::Value = e
                .after
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or_default();
            latest.insert(
                id,
                DisputeEvent {
                    record_id: id,
                    actor: e.actor,
                    reason: after["reason"].as_str().map(str::to_string),
                    version: after["version"].as_i64(),
                },
            );
        }
        if latest.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = latest.keys().copied().collect();
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let rows = record::Entity::find()
                .filter(self.plan_filter())
                .filter(record::Column::Id.is_in(chunk.iter().copied()))
                .filter(record::Column::Status.eq(Status::Submitted.key()))
                .all(&self.db)
                .await?;
            for m in rows {
                let Some(b) = self.brief(m) else { continue };
                let Some(ev) = latest.get(&b.id) else {
                    continue;
                };
                if ev.version == Some(i64::from(b.version)) {
                    out.push((b, ev.clone()));
                }
            }
        }
        out.sort_by_key(|(b, _)| b.id);
        Ok(out)
    }

    /// Keep a notice per unit (催报), with one audit entry for them all, in one
    /// transaction. `summary` is the audit entry's `after`.
    pub async fn add_notices(
        &self,
        kind: &str,
        notices: &[(String, Vec<(String, String)>)],
        actor: &str,
        summary: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let now = now_text();
        let plan_id = self.plan_id();
        for (unit, lines) in notices {
            let body: Vec<serde_json::Value> = lines
                .iter()
                .map(|(zh, en)| serde_json::json!({ "zh": zh, "en": en }))
                .collect();
            notice::ActiveModel {
                plan_id: Set(plan_id.clone()),
                unit: Set(unit.clone()),
                kind: Set(kind.to_string()),
                body: Set(serde_json::Value::Array(body).to_string()),
                created_at: Set(now.clone()),
                created_by: Set(actor.to_string()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        audit::append(
            &txn,
            &[
                AuditEvent::new(actor, &format!("reminders.{kind}"), "notice", &plan_id)
                    .after(summary),
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The notices kept since `since` (RFC 3339), newest first, of this store's plan.
    pub async fn notices_since(&self, since: &str) -> Result<Vec<StoredNotice>, StoreError> {
        let mut sel = notice::Entity::find().filter(notice::Column::CreatedAt.gte(since));
        let plan_id = self.plan_id();
        if !plan_id.is_empty() {
            sel = sel.filter(notice::Column::PlanId.eq(plan_id));
        }
        Ok(sel
            .order_by_desc(notice::Column::Id)
            .limit(10_000)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| {
                let lines = serde_json::from_str::<Vec<serde_json::Value>>(&m.body)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l| {
                        (
                            l["zh"].as_str().unwrap_or_default().to_string(),
                            l["en"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                StoredNotice {
                    unit: m.unit,
                    kind: m.kind,
                    lines,
                    created_at: m.created_at,
                    created_by: m.created_by,
                }
            })
            .collect())
    }
}
