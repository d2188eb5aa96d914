//! An import from the web, through the same [`import_file`] as the command line: the
//! uploaded file waits in `uploads/` under its SHA-256 (`upload_store`), is checked
//! whole for the preview (a dry run), and imported from there at confirmation, checked
//! again since records may have changed meanwhile. A refused file stays (swept with the
//! other unconfirmed uploads) so that its problem report can be downloaded as a
//! workbook, rebuilt from the file itself.

use std::path::PathBuf;
use std::sync::Arc;

use duikou_domain::record::Status;
use duikou_domain::roles::Actor;
use duikou_domain::schema::RecordKind;

use super::stream::{ImportFailure, ImportJob, Imported, import_file};
use crate::error::{AppError, AppResult};
use crate::import_report::Problems;
use crate::service::Services;
use crate::tabular::{Row, RowSink, TableError};

/// An uploaded file waiting in the upload store.
pub struct Pending<'a> {
    pub kind: RecordKind,
    /// The name the user gave it (cleaned): its extension says how to read it, and
    /// every problem names it.
    pub file_name: &'a str,
    pub sha256: &'a str,
}

/// Every upload waits for review, a coordinator's too: four eyes (another coordinator
/// approves). Only the administrator's command-line bulk import writes approved records.
pub const UPLOADED_STATUS: Status = Status::Submitted;

fn path_of(services: &Services, p: &Pending<'_>) -> Result<PathBuf, ImportFailure> {
    services.uploads.existing_path(p.sha256).ok_or_else(|| {
        ImportFailure::Table(TableError::Unreadable {
            file: p.file_name.to_owned(),
            detail: "the uploaded file is gone; upload it again".into(),
        })
    })
}

async fn run(
    services: &Services,
    actor: &Actor,
    p: &Pending<'_>,
    dry_run: bool,
) -> Result<Imported, ImportFailure> {
    let path = path_of(services, p)?;
    if dry_run {
        // The import itself finds an earlier one inside its transaction; a check
        // says so first.
        if let Some((batch, at)) = services.store.find_import(p.kind, p.sha256).await? {
            return Err(ImportFailure::Record(
                duikou_storage::records::RecordError::AlreadyImported { batch, at },
            ));
        }
    }
    let scan_path = path.clone();
    let scan = tokio::task::spawn_blocking(move || crate::tabular::scan_file(&scan_path))
        .await
        .ok()
        .and_then(Result::ok)
        .filter(|s| s.sha256.eq_ignore_ascii_case(p.sha256))
        .ok_or(ImportFailure::Changed)?;
    let job = ImportJob {
        kind: p.kind,
        path,
        file_name: p.file_name.to_owned(),
        scan,
        status: UPLOADED_STATUS,
        actor_name: actor.username.clone(),
        dry_run,
        today: services.today(),
    };
    import_file(
        &services.store,
        services.plan.clone(),
        (*services.key).clone(),
        Some(actor.clone()),
        job,
        |_| {},
    )
    .await
}

/// Check a waiting upload as `actor` would import it; nothing is written.
pub async fn check_pending(
    services: &Services,
    actor: &Actor,
    p: &Pending<'_>,
) -> Result<Imported, ImportFailure> {
    run(services, actor, p, true).await
}

/// Import a waiting upload, all or nothing.
pub async fn import_pending(
    services: &Services,
    actor: &Actor,
    p: &Pending<'_>,
) -> Result<Imported, ImportFailure> {
    run(services, actor, p, false).await
}

/// The first rows of a waiting upload as the file has them, for the preview.
pub struct FirstRows {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

struct Take {
    limit: usize,
    first: FirstRows,
}

impl RowSink for Take {
    fn headers(&mut self, headers: &[String]) {
        self.first.headers = headers.to_vec();
    }
    fn row(&mut self, _sheet: Option<&Arc<str>>, row: Row) -> bool {
        self.first.rows.push(row);
        self.first.rows.len() < self.limit
    }
}

/// The header and the first `n` data rows of a waiting upload (read no further).
pub async fn first_rows(services: &Services, p: &Pending<'_>, n: usize) -> AppResult<FirstRows> {
    let path = path_of(services, p).map_err(|_| gone())?;
    let (kind, file_name) = (p.kind, p.file_name.to_owned());
    tokio::task::spawn_blocking(move || {
        let scan = crate::tabular::scan_file(&path).map_err(|_| gone())?;
        let mut take = Take {
            limit: n.max(1),
            first: FirstRows {
                headers: Vec::new(),
                rows: Vec::new(),
            },
        };
        crate::tabular::stream_file(
            &path,
            &file_name,
            &[kind.key(), kind.label_zh()],
            &scan,
            &mut take,
        )
        .map_err(|e| AppError::input(e.zh(), e.en()))?;
        Ok(take.first)
    })
    .await
    .map_err(|e| AppError::failure_text(e.to_string()))?
}

fn gone() -> AppError {
    AppError::input(
        "找不到上传的文件，请重新上传",
        "the uploaded file is gone; upload it again",
    )
}

/// A waiting upload's problems (or a valid one's warnings) as a workbook (错误, 问题行,
/// 提醒, ID numbers masked): what the person who uploaded it downloads to fix the file
/// with. The rows refused are read from the waiting file as they are in it.
pub async fn report_workbook(
    services: &Services,
    p: &Pending<'_>,
    errors: &Problems,
    warnings: &Problems,
) -> AppResult<Vec<u8>> {
    let path = path_of(services, p).map_err(|_| gone())?;
    let (kind, file_name) = (p.kind, p.file_name.to_owned());
    let (errors, warnings) = (errors.clone(), warnings.clone());
    tokio::task::spawn_blocking(move || {
        // Uploads are bounded, so the table fits in memory; a file that cannot be read
        // as a table still gets its list of problems.
        let table = std::fs::read(&path).ok().and_then(|bytes| {
            crate::tabular::read_table_bytes(&file_name, &bytes, &[kind.key(), kind.label_zh()])
                .ok()
        });
        super::error_book::error_workbook(&errors, &warnings, table.as_ref().map(|t| (t, kind)))
            .map_err(|e| AppError::failure_text(format!("cannot write the report: {e}")))
    })
    .await
    .map_err(|e| AppError::failure_text(e.to_string()))?
}
