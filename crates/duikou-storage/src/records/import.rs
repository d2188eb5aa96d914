//! Importing a file's records: all or nothing, in one transaction, in chunks (a file may
//! hold millions of rows); rows whose natural key the plan already holds are skipped.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::*;
use crate::audit::{self, AuditEvent};
use crate::entities::{import_batch, record};
use crate::record_units;
use crate::{Store, StoreError, now_text};

/// Result of importing one file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub batch: i64,
    pub inserted: usize,
    /// Rows whose natural key was already present: not inserted again.
    pub skipped_existing: usize,
}

pub struct ImportFile<'a> {
    pub kind: RecordKind,
    pub file_name: &'a str,
    pub sha256: &'a str,
}

impl Store {
    /// Was this exact file already imported for this kind?
    pub async fn find_import(
        &self,
        kind: RecordKind,
        sha256: &str,
    ) -> Result<Option<(i64, String)>, StoreError> {
        Ok(import_batch::Entity::find()
            .filter(self.batches_in_plan())
            .filter(import_batch::Column::Kind.eq(kind.key()))
            .filter(import_batch::Column::FileSha256.eq(sha256))
            .one(&self.db)
            .await?
            .map(|b| (b.id, b.imported_at)))
    }

    /// Stored records' data by natural key, for the keys among `keys` that exist.
    pub async fn stored_by_natural_key(
        &self,
        keys: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut found = std::collections::HashMap::new();
        for chunk in keys.chunks(500) {
            let rows: Vec<(Option<String>, String)> = record::Entity::find()
                .select_only()
                .column(record::Column::NaturalKey)
                .column(record::Column::Data)
                .filter(self.in_plan())
                .filter(record::Column::NaturalKey.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(&self.db)
                .await?;
            found.extend(rows.into_iter().filter_map(|(k, d)| k.map(|k| (k, d))));
        }
        Ok(found)
    }

    /// Write a whole file's records in one transaction: all or nothing. Rows whose
    /// natural key already exists are skipped, so a re-import creates no duplicates.
    /// (The same [`ImportSession`] a streamed import uses, fed from memory.)
    pub async fn import_records(
        &self,
        file: &ImportFile<'_>,
        rows: &[NewRecord],
        status: Status,
        actor: &str,
        mut progress: impl FnMut(usize),
    ) -> Result<ImportOutcome, RecordError> {
        let mut session = self.begin_import(file, status, actor, true).await?;
        let mut done = 0usize;
        for chunk in rows.chunks(IMPORT_CHUNK_ROWS) {
            let keys: Vec<&str> = chunk
                .iter()
                .filter_map(|r| r.natural_key.as_deref())
                .collect();
            let found = session.stored(&keys).await?;
            let mut seen: HashSet<&str> = HashSet::with_capacity(keys.len());
            let mut new = Vec::with_capacity(chunk.len());
            for r in chunk {
                if let Some(k) = r.natural_key.as_deref() {
                    if found.contains_key(k) || !seen.insert(k) {
                        session.skip(1);
                        continue;
                    }
                }
                new.push(r);
            }
            session.insert(&new).await?;
            done += chunk.len();
            progress(done);
        }
        session.finish(rows.len()).await
    }

    /// Begin importing a file whose rows arrive in chunks: one transaction, holding the
    /// audit head from the start, takes every chunk's rows and, in [`ImportSession::finish`],
    /// the import batch's audit entry; dropping the session instead rolls it all back.
    /// Refuses a file (kind + SHA-256) that was already imported. With `write` false (a
    /// dry run) no transaction is opened and nothing can be written: only
    /// [`ImportSession::stored`] answers.
    pub async fn begin_import(
        &self,
        file: &ImportFile<'_>,
        status: Status,
        actor: &str,
        write: bool,
    ) -> Result<ImportSession<'_>, RecordError> {
        let now = now_text();
        let mut session = ImportSession {
            store: self,
            plan_id: self.plan_id(),
            txn: None,
            batch: None,
            kind: file.kind,
            file_name: file.file_name.to_string(),
            sha256: file.sha256.to_string(),
            status,
            actor: actor.to_string(),
            now,
            digest: Sha256::new(),
            inserted: 0,
            skipped: 0,
            units_after: i64::MIN,
        };
        if !write {
            return Ok(session);
        }
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        if let Some(b) = import_batch::Entity::find()
            .filter(self.batches_in_plan())
            .filter(import_batch::Column::Kind.eq(file.kind.key()))
            .filter(import_batch::Column::FileSha256.eq(file.sha256))
            .one(&txn)
            .await?
        {
            return Err(RecordError::AlreadyImported {
                batch: b.id,
                at: b.imported_at,
            });
        }
        // The row count is set when the import finishes.
        let batch = import_batch::ActiveModel {
            plan_id: Set(self.plan_id()),
            kind: Set(file.kind.key().to_string()),
            file_name: Set(file.file_name.to_string()),
            file_sha256: Set(file.sha256.to_string()),
            rows: Set(0),
            imported_by: Set(actor.to_string()),
            imported_at: Set(session.now.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        session.batch = Some(batch.id);
        // Rows written from here on have higher ids: `insert` indexes only those.
        let max_id: Option<i64> = record::Entity::find()
            .select_only()
            .column_as(Expr::cust("MAX(id)"), "m")
            .into_tuple()
            .one(&txn)
            .await?
            .flatten();
        session.units_after = max_id.unwrap_or(0);
        session.txn = Some(txn);
        Ok(session)
    }
}

/// Rows per chunk when an import is written in pieces (see [`Store::begin_import`]).
pub const IMPORT_CHUNK_ROWS: usize = 1_000;

/// A file's import in progress: see [`Store::begin_import`].
pub struct ImportSession<'s> {
    store: &'s Store,
    /// The plan the rows are written to (the store's, when the import began).
    plan_id: String,
    txn: Option<DatabaseTransaction>,
    batch: Option<i64>,
    kind: RecordKind,
    file_name: String,
    sha256: String,
    status: Status,
    actor: String,
    now: String,
    digest: Sha256,
    inserted: usize,
    skipped: usize,
    /// The highest record id whose named units are indexed (`record_named_unit`).
    units_after: i64,
}

/// A record already in the database under a natural key an import brings.
#[derive(Debug, Clone)]
pub struct StoredByKey {
    /// The record's data (JSON text, as [`ValidRecord::fields_json_text`] writes it).
    pub data: String,
    /// Written by this import (an earlier row of the same file), not stored before it.
    pub this_import: bool,
}

impl ImportSession<'_> {
    /// Whether rows are written (false for a dry run).
    pub fn writes(&self) -> bool {
        self.txn.is_some()
    }

    /// The records stored under any of `keys`, by natural key: stored before this
    /// import, or written by it already (inside its transaction).
    pub async fn stored(
        &self,
        keys: &[&str],
    ) -> Result<std::collections::HashMap<String, StoredByKey>, StoreError> {
        let mut found = std::collections::HashMap::new();
        for chunk in keys.chunks(500) {
            let q = record::Entity::find()
                .select_only()
                .column(record::Column::NaturalKey)
                .column(record::Column::Data)
                .column(record::Column::ImportBatchId)
                .filter(self.store.in_plan())
                .filter(record::Column::NaturalKey.is_in(chunk.iter().copied()))
                .into_tuple::<(Option<String>, String, Option<i64>)>();
            let rows = match &self.txn {
                Some(txn) => q.all(txn).await?,
                None => q.all(&self.store.db).await?,
            };
            found.extend(rows.into_iter().filter_map(|(k, data, batch)| {
                k.map(|k| {
                    let this_import = batch.is_some() && batch == self.batch;
                    (k, StoredByKey { data, this_import })
                })
            }));
        }
        Ok(found)
    }

    /// Count rows not written because their natural key is already there.
    pub fn skip(&mut self, rows: usize) {
        self.skipped += rows;
    }

    /// Write rows (the caller has left out those whose key is already there), 256 per
    /// statement. Does nothing in a dry run.
    pub async fn insert(&mut self, rows: &[&NewRecord]) -> Result<(), StoreError> {
        let Some(txn) = &self.txn else {
            return Ok(());
        };
        for part in rows.chunks(256) {
            let models: Vec<record::ActiveModel> = part
                .iter()
                .map(|r| {
                    let am = active_model(
                        &self.plan_id,
                        r,
                        self.status,
                        &self.actor,
                        &self.now,
                        self.batch,
                    );
                    if let sea_orm::ActiveValue::Set(d) = &am.data {
                        self.digest.update(d.as_bytes());
                    }
                    am
                })
                .collect();
            record::Entity::insert_many(models)
                .exec_without_returning(txn)
                .await?;
            self.inserted += part.len();
        }
        // The rows just written are this batch's above the last id indexed (the
        // transaction holds the audit head: nobody else inserts meanwhile).
        self.units_after =
            record_units::index_after(txn, &self.store.kinds(), self.batch, self.units_after)
                .await?;
        Ok(())
    }

    /// Set the batch's row count (`rows`: every row of the file, written or skipped),
    /// append the audit entry and commit.
    pub async fn finish(self, rows: usize) -> Result<ImportOutcome, RecordError> {
        let (Some(txn), Some(batch)) = (self.txn, self.batch) else {
            return Err(RecordError::Store(StoreError::Db(sea_orm::DbErr::Custom(
                "a dry run cannot be finished".into(),
            ))));
        };
        import_batch::Entity::update_many()
            .col_expr(import_batch::Column::Rows, Expr::value(rows as i32))
            .filter(import_batch::Column::Id.eq(batch))
            .exec(&txn)
            .await?;
        let after = serde_json::json!({
            "kind": self.kind.key(), "file_name": self.file_name, "file_sha256": self.sha256,
            "rows": rows, "inserted": self.inserted, "skipped_existing": self.skipped,
            "status": self.status.key(), "records_sha256": hex::encode(self.digest.finalize()),
        });
        audit::append(
            &txn,
            &[AuditEvent::new(&self.actor, "record.import", "import_batch", batch).after(&after)],
        )
        .await?;
        txn.commit().await?;
        Ok(ImportOutcome {
            batch,
            inserted: self.inserted,
            skipped_existing: self.skipped,
        })
    }
}
