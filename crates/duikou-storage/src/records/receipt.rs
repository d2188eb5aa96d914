//! A transfer's receipt in storage: the payee's confirmation, its correction and a
//! coordinator's revert, each with its audit entry in the same transaction. The rules are
//! the caller's (`duikou_domain::receipt`); what is checked here, under the lock, is that
//! the record is still what the caller decided on.

use duikou_domain::ids::RecordId;
use duikou_domain::record::{Value, format_date};
use sea_orm::{ActiveModelTrait, Set, TransactionTrait};

use super::{RecordError, StoredRecord, conflict};
use crate::audit::{self, AuditEvent};
use crate::entities::record;
use crate::{Store, now_text, record_units};

impl Store {
    /// The payee confirms receipt of a transfer, on the day `confirmed_on` (the day its
    /// correction window counts from).
    pub async fn confirm_receipt(
        &self,
        id: RecordId,
        received_on: time::Date,
        confirmed_on: time::Date,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let id = id.0;
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let before = self.locked_record(&txn, id).await?;
        // Checked again under the lock: the record may have changed since the caller read it.
        duikou_domain::receipt::confirmable(
            before.kind,
            before.status,
            &before.fields,
            received_on,
        )
        .map_err(|r| conflict(r.zh, r.en))?;
        let mut fields = before.fields.clone();
        fields.insert("received_on".into(), Value::Date(received_on));
        let data = duikou_domain::record::fields_to_json(&fields).to_string();
        let am = record::ActiveModel {
            id: Set(id),
            data: Set(data),
            event_date: Set(Some(received_on)),
            version: Set(before.version + 1),
            updated_by: Set(actor.to_string()),
            updated_at: Set(now_text()),
            receipt_confirmed_on: Set(Some(format_date(confirmed_on))),
            receipt_confirmed_by: Set(Some(actor.to_string())),
            ..Default::default()
        };
        am.update(&txn).await?;
        audit::append(
            &txn,
            &[AuditEvent::new(actor, "record.confirm", "transfer", id)
                .after(&serde_json::json!({ "received_on": format_date(received_on) }))],
        )
        .await?;
        let after = self.locked_record(&txn, id).await?;
        record_units::write(&txn, id, after.kind, &after.reporting_unit, &after.fields).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// The payee corrects the date of its confirmation (the caller decided it may, on the
    /// record at `expected_version`); the day of the confirmation stays, so the window
    /// does not restart.
    pub async fn correct_receipt(
        &self,
        id: RecordId,
        received_on: time::Date,
        expected_version: i32,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let id = id.0;
        self.set_receipt(id, Some(received_on), None, expected_version, actor)
            .await
    }

    /// A coordinator reverts a receipt, with its reason: the date and the confirmation go,
    /// the money counts nowhere until the payee confirms again.
    pub async fn revert_receipt(
        &self,
        id: RecordId,
        reason: &str,
        expected_version: i32,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let id = id.0;
        self.set_receipt(id, None, Some(reason), expected_version, actor)
            .await
    }

    async fn set_receipt(
        &self,
        id: i64,
        received_on: Option<time::Date>,
        reason: Option<&str>,
        expected_version: i32,
        actor: &str,
    ) -> Result<StoredRecord, RecordError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let before = self.locked_record(&txn, id).await?;
        if before.version != expected_version {
            return Err(conflict(
                "记录已被他人修改，请刷新后重试",
                "the record was changed by someone else; reload and try again",
            ));
        }
        let old = before.fields.get("received_on").map(Value::display);
        if old.is_none() {
            return Err(conflict(
                "此笔资金尚未确认到账",
                "receipt of this transfer is not confirmed",
            ));
        }
        let mut fields = before.fields.clone();
        let mut am = record::ActiveModel {
            id: Set(id),
            version: Set(before.version + 1),
            updated_by: Set(actor.to_string()),
            updated_at: Set(now_text()),
            ..Default::default()
        };
        let (action, after_json) = match received_on {
            Some(d) => {
                fields.insert("received_on".into(), Value::Date(d));
                (
                    "record.receipt_corrected",
                    serde_json::json!({ "received_on": format_date(d) }),
                )
            }
            None => {
                fields.remove("received_on");
                am.receipt_confirmed_on = Set(None);
                am.receipt_confirmed_by = Set(None);
                (
                    "record.receipt_reverted",
                    serde_json::json!({ "received_on": null, "reason": reason }),
                )
            }
        };
        am.data = Set(duikou_domain::record::fields_to_json(&fields).to_string());
        am.event_date = Set(received_on);
        am.update(&txn).await?;
        audit::append(
            &txn,
            &[AuditEvent::new(actor, action, before.kind.key(), id)
                .before(&serde_json::json!({ "received_on": old }))
                .after(&after_json)],
        )
        .await?;
        let after = self.locked_record(&txn, id).await?;
        record_units::write(&txn, id, after.kind, &after.reporting_unit, &after.fields).await?;
        txn.commit().await?;
        Ok(after)
    }
}
