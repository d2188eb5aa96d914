//! The files duikou hands to people: import templates, record exports, the assessment
//! and work-checklist workbooks, the monthly bulletin and the inspection package.
//!
//! Everything here is independent of the web application and the command line: the
//! functions take the plan, records or a [`duikou_storage::Store`], and write to any
//! writer. Every cell written from user data goes through [`safe`].

pub mod bulletin;
pub mod common;
pub mod export;
pub mod narratives;
pub mod package;
pub mod safe;
pub mod template;
pub mod workbook;

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("生成工作簿失败 / cannot write the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("写入 CSV 失败 / cannot write the CSV file: {0}")]
    Csv(#[from] csv::Error),
    #[error("写入压缩包失败 / cannot write the zip file: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("读写失败 / I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] duikou_storage::StoreError),
    /// Bad input from the caller (a month that does not parse, a role that may not export).
    #[error("{zh} / {en}")]
    Input { zh: String, en: String },
}

impl ReportError {
    pub fn input(zh: impl Into<String>, en: impl Into<String>) -> Self {
        ReportError::Input {
            zh: zh.into(),
            en: en.into(),
        }
    }
    /// Bad input (exit code 2, HTTP 422) rather than a failure.
    pub fn is_input(&self) -> bool {
        matches!(self, ReportError::Input { .. })
    }
}

pub type ReportResult<T> = Result<T, ReportError>;

/// The media type of an .xlsx file, for web downloads.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// CSV as Excel expects it: UTF-8 with a byte-order mark.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
pub const ZIP_CONTENT_TYPE: &str = "application/zip";
pub const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";
