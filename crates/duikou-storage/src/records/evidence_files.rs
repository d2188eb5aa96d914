//! Evidence files of records: their rows (the files themselves are stored by content
//! hash, `duikou_app::evidence_store`), each added with its audit entry.

use duikou_domain::ids::RecordId;
use duikou_domain::schema::RecordKind;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::RecordError;
use crate::audit::{self, AuditEvent};
use crate::entities::{evidence, record};
use crate::{Store, StoreError, now_text};

impl Store {
    /// Attach an evidence file's metadata to a record (the file itself is stored by content hash).
    pub async fn add_evidence(
        &self,
        record_id: RecordId,
        sha256: &str,
        file_name: &str,
        content_type: &str,
        size: i64,
        actor: &str,
    ) -> Result<i64, RecordError> {
        let record_id = record_id.0;
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let rec = self.locked_record(&txn, record_id).await?;
        let id = insert_evidence(
            &txn,
            rec.kind,
            record_id,
            &NewEvidence {
                sha256: sha256.to_string(),
                file_name: file_name.to_string(),
                content_type: content_type.to_string(),
                size,
            },
            actor,
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn evidence_of(
        &self,
        record_id: RecordId,
    ) -> Result<Vec<evidence::Model>, StoreError> {
        let record_id = record_id.0;
        Ok(evidence::Entity::find()
            .filter(evidence::Column::RecordId.eq(record_id))
            .order_by_asc(evidence::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn evidence_by_id(&self, id: i64) -> Result<Option<evidence::Model>, StoreError> {
        Ok(evidence::Entity::find_by_id(id).one(&self.db).await?)
    }
}

/// An evidence file stored by its hash, to attach to a record.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// The evidence row, the record's count and the audit entry, in the caller's transaction.
pub(super) async fn insert_evidence(
    txn: &DatabaseTransaction,
    kind: RecordKind,
    record_id: i64,
    f: &NewEvidence,
    actor: &str,
) -> Result<i64, RecordError> {
    let m = evidence::ActiveModel {
        record_id: Set(record_id),
        sha256: Set(f.sha256.clone()),
        file_name: Set(f.file_name.clone()),
        content_type: Set(f.content_type.clone()),
        size: Set(f.size),
        uploaded_by: Set(actor.to_string()),
        uploaded_at: Set(now_text()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let stmt = Query::update()
        .table(record::Entity)
        .value(
            record::Column::EvidenceCount,
            Expr::col(record::Column::EvidenceCount).add(1),
        )
        .and_where(record::Column::Id.eq(record_id))
        .to_owned();
    txn.execute(&stmt).await?;
    let after = serde_json::json!({ "evidence_id": m.id, "file_name": f.file_name, "sha256": f.sha256, "size": f.size, "content_type": f.content_type });
    audit::append(
        txn,
        &[AuditEvent::new(actor, "evidence.add", kind.key(), record_id).after(&after)],
    )
    .await?;
    Ok(m.id)
}
