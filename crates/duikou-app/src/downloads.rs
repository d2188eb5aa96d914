//! The files the web application hands out: exports of every record of a kind, the
//! monthly bulletin (月度通报) and the inspection package (迎检材料包), all made by
//! `duikou-reports` exactly as the command line makes them. Who may have them is
//! decided here ([`Services::check_may_export`]), so the handlers stay thin.
//!
//! Nothing large is held in memory: a CSV export goes to the client page by page as it
//! is written; an .xlsx export and the package are written to an anonymous temporary
//! file (gone when closed) and streamed from there.

use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use duikou_domain::record::FieldError;
use duikou_domain::roles::Actor;
use duikou_domain::schema::RecordKind;
use duikou_reports::ReportError;
use duikou_reports::bulletin::{self, Bulletin, Month};
use duikou_reports::export::{
    CsvSink, ExportFormat, ExportOptions, Ids, PAGE_SIZE, StatusFilter, export_query, push_page,
};
use duikou_storage::records::RecordCursor;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::listing::ListAsk;
use crate::service::{ServiceError, ServiceResult, Services};

/// The body of a download, in chunks; an `Err` ends it early (the client sees a
/// truncated transfer, never a file that looks complete).
pub type ByteStream = ReceiverStream<std::io::Result<Bytes>>;

/// Chunks waiting between the writer and the client.
const CHANNEL_CHUNKS: usize = 8;
/// Bytes read from a temporary file at a time.
const FILE_CHUNK: usize = 64 * 1024;

pub enum Content {
    Bytes(Vec<u8>),
    Stream(ByteStream),
}

/// A file ready to send.
pub struct Download {
    /// The name offered to the browser (Chinese, e.g. `资金拨付-2019.csv`).
    pub file_name: String,
    pub content_type: &'static str,
    /// Known for files written whole; unknown for a CSV still being written.
    pub len: Option<u64>,
    pub content: Content,
}

impl Download {
    fn bytes(file_name: String, content_type: &'static str, bytes: Vec<u8>) -> Download {
        Download {
            file_name,
            content_type,
            len: Some(bytes.len() as u64),
            content: Content::Bytes(bytes),
        }
    }
}

/// Which file of the bulletin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulletinFile {
    Xlsx,
    /// The standalone printable page (its own styles, no scripts).
    Html,
}

/// A report failure as the service rules report it: bad input names its field.
fn report_error(field: &str, field_zh: &str, value: &str, e: ReportError) -> ServiceError {
    match e {
        ReportError::Input { zh, en } => ServiceError::Invalid {
            fields: vec![FieldError {
                field: field.into(),
                field_zh: field_zh.into(),
                value: value.into(),
                zh,
                en,
            }],
        },
        ReportError::Store(s) => s.into(),
        other => {
            tracing::error!(error = %other, "report failed");
            ServiceError::internal()
        }
    }
}

fn internal(e: crate::error::AppError) -> ServiceError {
    tracing::error!(error = %e, "assessment failed");
    ServiceError::internal()
}

fn io_error(e: std::io::Error) -> ServiceError {
    tracing::error!(error = %e, "temporary file failed");
    ServiceError::internal()
}

/// Bytes written by a CSV sink, taken out between pages.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().expect("buffer lock"))
    }
}

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer lock").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stream a finished temporary file from its start; it is closed (and, being
/// anonymous, removed) when the last chunk is sent or the client goes away.
fn stream_file(mut file: std::fs::File) -> std::io::Result<(u64, ByteStream)> {
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; FILE_CHUNK];
        loop {
            let chunk = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => Ok(Bytes::copy_from_slice(&buf[..n])),
                Err(e) => Err(e),
            };
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                break;
            }
        }
    });
    Ok((len, ReceiverStream::new(rx)))
}

impl Services {
    /// Exports of every record and the inspection package are for coordinators and
    /// auditors (`Actor::can_export`).
    pub fn check_may_export(&self, actor: &Actor) -> ServiceResult<()> {
        if actor.can_export() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden {
                zh: "只有市经协办和审计人员可以导出全部记录和迎检材料包".into(),
                en: "only coordinators and auditors may export all records and the inspection package".into(),
            })
        }
    }

    /// The monthly bulletin is also for leaders (`Actor::can_read_leader_figures`):
    /// figures and unit names, no records.
    pub fn check_may_read_bulletin(&self, actor: &Actor) -> ServiceResult<()> {
        if actor.can_read_leader_figures() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden {
                zh: "只有市经协办、领导和审计人员可以查看月度通报".into(),
                en: "only coordinators, leaders and auditors may read the monthly bulletin".into(),
            })
        }
    }

    fn check_plan_year(&self, year: Option<i32>) -> ServiceResult<()> {
        match year.map(|y| self.plan.check_year(y)) {
            Some(Err(outside)) => {
                let m = outside.message();
                Err(ServiceError::Invalid {
                    fields: vec![FieldError {
                        field: "year".into(),
                        field_zh: "年度".into(),
                        value: outside.year.to_string(),
                        zh: m.zh,
                        en: m.en,
                    }],
                })
            }
            _ => Ok(()),
        }
    }

    /// The records of `kind` that the list asked for shows (its filters and its order,
    /// every page of it), as the actor may see them, in the import layout, ID numbers
    /// masked: CSV (UTF-8 with BOM) streamed as it is written, or .xlsx written to a
    /// temporary file and streamed from there. The review status is the export's own
    /// (`ask.status`: a status, or `all`; approved records when not given, so that a
    /// draft nobody checked does not travel as a figure): a list of every status exports
    /// with `status=all`.
    pub async fn export_records(
        &self,
        actor: &Actor,
        kind: RecordKind,
        ask: &ListAsk,
        format: ExportFormat,
    ) -> ServiceResult<Download> {
        self.check_may_export(actor)?;
        let status = match ask.status.as_str() {
            "" => StatusFilter::default(),
            s => StatusFilter::from_key(s).ok_or_else(|| {
                ServiceError::invalid_field(
                    "status",
                    "审核状态",
                    &format!("审核状态无效：{s}（可选：{}）", StatusFilter::CHOICES),
                    &format!("invalid status: {s} (one of: {})", StatusFilter::CHOICES),
                )
            })?,
        };
        let list = ListAsk {
            status: String::new(),
            ..ask.clone()
        };
        let mut q = self.list_query(actor, kind, &list)?;
        // Oldest first unless sorted, as the command line exports: a list's export link
        // names its order (`sort=-id` for newest first).
        q.newest_first = false;
        self.check_plan_year(q.year)?;
        if let StatusFilter::Only(st) = status {
            q.only_status = Some(vec![st]);
        }
        // The caller's selection, checked before anything is sent.
        let q = self.scoped_query(actor, q)?;
        let mut file_name = duikou_reports::export::file_name(kind, q.year, format);
        // Narrower than a year's records: the name says so (资金拨付-2019-筛选.csv).
        if !(list.unit.is_empty()
            && list.q.is_empty()
            && list.id_number.is_empty()
            && list.unit_fields.is_empty())
        {
            if let Some((stem, ext)) = file_name.rsplit_once('.') {
                file_name = format!("{stem}-筛选.{ext}");
            }
        }
        match format {
            ExportFormat::Csv => Ok(Download {
                file_name,
                content_type: format.content_type(),
                len: None,
                content: Content::Stream(self.csv_stream(actor.clone(), kind, q, status)),
            }),
            ExportFormat::Xlsx => {
                let file = tempfile::tempfile().map_err(io_error)?;
                let mut out = std::io::BufWriter::new(&file);
                let opts = ExportOptions {
                    format,
                    ids: Ids::Masked,
                    money_in_wan: false,
                    actor: Some(actor),
                    status,
                };
                export_query(&self.store, kind, q, opts, &mut out)
                    .await
                    .map_err(|e| report_error("kind", "记录类型", kind.key(), e))?;
                out.flush().map_err(io_error)?;
                drop(out);
                let (len, stream) = stream_file(file).map_err(io_error)?;
                Ok(Download {
                    file_name,
                    content_type: format.content_type(),
                    len: Some(len),
                    content: Content::Stream(stream),
                })
            }
        }
    }

    /// The CSV export as a stream: a task reads pages of [`PAGE_SIZE`] records in the
    /// list's order and hands over what the sink wrote before reading the next, so at
    /// most a page and a few chunks are held, and a slow client slows the export down.
    fn csv_stream(
        &self,
        actor: Actor,
        kind: RecordKind,
        q: duikou_storage::records::RecordQuery,
        status: StatusFilter,
    ) -> ByteStream {
        let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(CHANNEL_CHUNKS);
        let store = self.store.clone();
        tokio::spawn(async move {
            let buf = SharedBuf::default();
            let opts = ExportOptions {
                format: ExportFormat::Csv,
                ids: Ids::Masked,
                money_in_wan: false,
                actor: Some(&actor),
                status,
            };
            let gone = || ReportError::Io(std::io::Error::other("the client went away"));
            let result: Result<(), ReportError> = async {
                let mut sink = CsvSink::new(buf.clone(), kind, opts)?;
                let mut cursor = RecordCursor::new(q);
                loop {
                    let chunk = buf.take();
                    if !chunk.is_empty() && tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                        return Err(gone());
                    }
                    let page = store.next_records(&mut cursor, PAGE_SIZE).await?;
                    if page.is_empty() {
                        break;
                    }
                    push_page(&mut sink, Some(&actor), &page)?;
                }
                sink.finish()?;
                let rest = buf.take();
                if !rest.is_empty() && tx.send(Ok(Bytes::from(rest))).await.is_err() {
                    return Err(gone());
                }
                Ok(())
            }
            .await;
            if let Err(e) = result {
                tracing::error!(error = %e, kind = kind.key(), "CSV export stopped");
                let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
            }
        });
        ReceiverStream::new(rx)
    }

    /// The month a bulletin is for when none is asked for: this month, within the plan.
    pub fn default_bulletin_month(&self) -> Month {
        let today = crate::assessment::today();
        let (first, last) = (self.plan.meta.first_year, self.plan.meta.last_year);
        if today.year() > last {
            Month {
                year: last,
                month: 12,
            }
        } else if today.year() < first {
            Month {
                year: first,
                month: 1,
            }
        } else {
            Month {
                year: today.year(),
                month: u8::from(today.month()),
            }
        }
    }

    /// The monthly bulletin for `month` ("2019-06"): towns and departments ranked on the
    /// approved records as of the month's last day, as `duikou bulletin` makes it.
    pub async fn bulletin(&self, actor: &Actor, month: &str) -> ServiceResult<Bulletin> {
        self.check_may_read_bulletin(actor)?;
        let m = Month::parse(month).map_err(|e| report_error("month", "月份", month, e))?;
        let failed = |e| report_error("month", "月份", month, e);
        let opts = bulletin::options(&self.plan, m).map_err(failed)?;
        let a = self
            .figures
            .assessment_cached(&self.store, &self.plan, &opts)
            .await
            .map_err(internal)?;
        bulletin::from_store(&self.store, &self.plan, m, &a)
            .await
            .map_err(failed)
    }

    /// The bulletin as a file: the workbook, or the standalone printable page.
    pub async fn bulletin_file(
        &self,
        actor: &Actor,
        month: &str,
        which: BulletinFile,
    ) -> ServiceResult<Download> {
        let b = self.bulletin(actor, month).await?;
        Ok(match which {
            BulletinFile::Xlsx => Download::bytes(
                bulletin::file_name(b.month, "xlsx"),
                duikou_reports::XLSX_CONTENT_TYPE,
                bulletin::xlsx(&b).map_err(|e| report_error("month", "月份", month, e))?,
            ),
            BulletinFile::Html => Download::bytes(
                bulletin::file_name(b.month, "html"),
                duikou_reports::HTML_CONTENT_TYPE,
                bulletin::html(&b).into_bytes(),
            ),
        })
    }

    /// The inspection package of a year as `duikou package` makes it (the same
    /// figures as `duikou assess`), written to a temporary file and streamed.
    pub async fn package(
        &self,
        actor: &Actor,
        year: Option<i32>,
        as_of: Option<&str>,
        include_submitted: bool,
    ) -> ServiceResult<Download> {
        self.check_may_export(actor)?;
        let opts = self.assessment_options(year, as_of, include_submitted)?;
        let file = tempfile::tempfile().map_err(io_error)?;
        let mut out = std::io::BufWriter::new(&file);
        let evidence = self.evidence.clone();
        let assessment = self
            .figures
            .compute(&self.store, &self.plan, &opts)
            .await
            .map_err(internal)?;
        let behind = self
            .figures
            .records_behind_all(&self.store, &self.plan, &opts)
            .await
            .map_err(internal)?;
        let summary = duikou_reports::package::build(
            &self.store,
            &self.plan,
            duikou_reports::package::Assessed {
                opts: &opts,
                assessment,
                behind: &behind,
            },
            time::OffsetDateTime::now_utc(),
            |sha| evidence.get(sha),
            &mut out,
        )
        .await
        .map_err(|e| report_error("year", "年度", &opts.year.to_string(), e))?;
        out.flush().map_err(io_error)?;
        drop(out);
        for m in &summary.missing_files {
            tracing::warn!(file = %m, "evidence file unreadable, left out of the package");
        }
        let (len, stream) = stream_file(file).map_err(io_error)?;
        Ok(Download {
            file_name: duikou_reports::package::file_name(opts.year),
            content_type: duikou_reports::ZIP_CONTENT_TYPE,
            len: Some(len),
            content: Content::Stream(stream),
        })
    }
}
