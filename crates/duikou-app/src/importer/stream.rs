//! The streamed import: a file of any size into the database in one transaction,
//! holding a chunk of rows at a time.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use duikou_domain::crypto::SecretKey;
use duikou_domain::plan::Plan;
use duikou_domain::record::Status;
use duikou_domain::roles::Actor;
use duikou_domain::schema::RecordKind;
use duikou_storage::Store;
use duikou_storage::records::{ImportFile, ImportOutcome, NewRecord, RecordError};

use super::PrepareContext;
use super::conflicts::{repeat_error, stored_conflict};
use super::producer::Producer;
use crate::import_report::Problems;
use crate::tabular::{FileScan, TableError};

/// One checked row on its way to the database.
pub struct PreparedRow {
    /// The file (and sheet, on a continuation sheet) as errors name it.
    pub file: Arc<str>,
    pub row: usize,
    pub record: NewRecord,
}

/// Why a streamed import wrote nothing.
#[derive(Debug)]
pub enum ImportFailure {
    /// The file is not a readable table.
    Table(TableError),
    /// Problems in the rows (or headers): the first of them and the count of all.
    Rows(Problems),
    /// The database refused or failed (including: the file was already imported).
    Record(RecordError),
    /// The file changed while it was read.
    Changed,
}

impl From<RecordError> for ImportFailure {
    fn from(e: RecordError) -> Self {
        ImportFailure::Record(e)
    }
}

impl From<duikou_storage::StoreError> for ImportFailure {
    fn from(e: duikou_storage::StoreError) -> Self {
        ImportFailure::Record(RecordError::Store(e))
    }
}

/// What a streamed import did.
#[derive(Debug)]
pub enum Imported {
    /// Written; `warnings`: what a reviewer should look at (`cross_check`).
    Written {
        outcome: ImportOutcome,
        warnings: Problems,
    },
    /// A dry run: `rows` valid rows, `existing` of them already stored.
    Checked {
        rows: usize,
        existing: usize,
        warnings: Problems,
    },
}

/// A file to import from disk.
pub struct ImportJob {
    pub kind: RecordKind,
    pub path: PathBuf,
    /// How messages name the file.
    pub file_name: String,
    /// The file's [`crate::tabular::scan_file`], taken before (its SHA-256 identifies the import).
    pub scan: FileScan,
    pub status: Status,
    /// Who imports, as the audit trail names them.
    pub actor_name: String,
    /// Check only: write nothing.
    pub dry_run: bool,
    /// Today, as the import's receipt dates are checked against it.
    pub today: time::Date,
}

/// Import a file of any size, all or nothing, holding a chunk of rows at a time.
///
/// One transaction (holding the audit head) is opened first; a blocking thread reads
/// and checks the rows while this task writes them in chunks of
/// [`IMPORT_CHUNK_ROWS`]: records with a natural key already stored are skipped (or,
/// with different content, refused), repeats within the file kept once. Once any
/// problem is seen nothing more is written but the whole file is still read, so that
/// every problem is reported; then the transaction is rolled back. Memory: a few
/// chunks plus 16 bytes per row with a natural key (see `DupIndex`). The file is hashed
/// again at the end: had it changed since `job.scan`, nothing is written.
pub async fn import_file(
    store: &Store,
    plan: Arc<Plan>,
    key: SecretKey,
    actor: Option<Actor>,
    job: ImportJob,
    progress: impl Fn(usize),
) -> Result<Imported, ImportFailure> {
    let kind = job.kind;
    let mut session = store
        .begin_import(
            &ImportFile {
                kind,
                file_name: &job.file_name,
                sha256: &job.scan.sha256,
            },
            job.status,
            &job.actor_name,
            !job.dry_run,
        )
        .await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<PreparedRow>>(2);
    let (path, file_name, scan) = (job.path.clone(), job.file_name.clone(), job.scan.clone());
    let today = job.today;
    let reader = tokio::task::spawn_blocking(move || {
        let ctx = PrepareContext {
            plan: &plan,
            key: &key,
            actor: actor.as_ref(),
            today,
        };
        let file: Arc<str> = Arc::from(file_name.as_str());
        let mut producer = Producer::new(kind, &ctx, file, tx);
        let read = crate::tabular::stream_file(
            &path,
            &file_name,
            &[kind.key(), kind.label_zh()],
            &scan,
            &mut producer,
        );
        producer.finish(read)
    });
    let mut conflicts = Problems::new();
    // Repeats whose content differs, found exactly (the reader finds them by hash).
    let mut repeats = Problems::new();
    let mut existing = 0usize;
    let mut seen = 0usize;
    while let Some(chunk) = rx.recv().await {
        seen += chunk.len();
        let keys: Vec<&str> = chunk
            .iter()
            .filter_map(|r| r.record.natural_key.as_deref())
            .collect();
        let found = session.stored(&keys).await?;
        // Keys first met in this chunk: index of the row.
        let mut here: HashMap<&str, usize> = HashMap::new();
        let mut new: Vec<&NewRecord> = Vec::with_capacity(chunk.len());
        for (i, r) in chunk.iter().enumerate() {
            let Some(k) = r.record.natural_key.as_deref() else {
                new.push(&r.record);
                continue;
            };
            if let Some(stored) = found.get(k) {
                let same = stored.data == r.record.valid.fields_json_text();
                if stored.this_import {
                    if !same {
                        repeats.push(repeat_error(kind, r));
                    }
                } else {
                    existing += 1;
                    if !same {
                        conflicts.push(stored_conflict(&r.file, r.row, kind));
                    }
                }
                session.skip(1);
                continue;
            }
            match here.get(k) {
                Some(&first) => {
                    if chunk[first].record.valid.fields_json_text()
                        != r.record.valid.fields_json_text()
                    {
                        repeats.push(repeat_error(kind, r));
                    }
                    session.skip(1);
                }
                None => {
                    here.insert(k, i);
                    new.push(&r.record);
                }
            }
        }
        if conflicts.is_empty() && repeats.is_empty() {
            session.insert(&new).await?;
        }
        progress(seen);
    }
    let reading = reader.await.map_err(|e| {
        ImportFailure::Table(TableError::Unreadable {
            file: job.file_name.clone(),
            detail: e.to_string(),
        })
    })?;
    if let Some(e) = reading.table_error {
        return Err(ImportFailure::Table(e));
    }
    for errors in [reading.errors, repeats, conflicts] {
        if !errors.is_empty() {
            return Err(ImportFailure::Rows(errors));
        }
    }
    let path = job.path.clone();
    let again = tokio::task::spawn_blocking(move || crate::tabular::scan_file(&path))
        .await
        .ok()
        .and_then(|r| r.ok());
    if again.as_ref().map(|s| &s.sha256) != Some(&job.scan.sha256) {
        return Err(ImportFailure::Changed);
    }
    if job.dry_run {
        return Ok(Imported::Checked {
            rows: reading.rows,
            existing,
            warnings: reading.warnings,
        });
    }
    Ok(Imported::Written {
        outcome: session.finish(reading.rows).await?,
        warnings: reading.warnings,
    })
}
