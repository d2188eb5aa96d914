//! Errors as the user sees them, with the exit code they map to.

use duikou_domain::message::Message;
use duikou_storage::StoreError;

/// 1: the program or its environment failed; 2: bad usage or bad input, nothing written.
/// Each carries its message in both languages, as written.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Input(Message),
    #[error("{0}")]
    Failure(Message),
}

impl AppError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Input(_) => 2,
            AppError::Failure(_) => 1,
        }
    }
    pub fn input(zh: impl std::fmt::Display, en: impl std::fmt::Display) -> Self {
        AppError::Input(Message::new(zh.to_string(), en.to_string()))
    }
    /// Bad input described by a text that speaks both languages already.
    pub fn input_text(text: impl Into<String>) -> Self {
        AppError::Input(Message::bilingual(text))
    }
    /// A failure described by a text that speaks both languages already.
    pub fn failure_text(text: impl Into<String>) -> Self {
        AppError::Failure(Message::bilingual(text))
    }
    pub fn message(&self) -> &Message {
        match self {
            AppError::Input(m) | AppError::Failure(m) => m,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Missing(_)
            | StoreError::NotInitialised(_)
            | StoreError::UnsupportedUrl(_) => AppError::input_text(e.to_string()),
            StoreError::Db(_) => AppError::failure_text(e.to_string()),
        }
    }
}

impl From<duikou_storage::records::RecordError> for AppError {
    fn from(e: duikou_storage::records::RecordError) -> Self {
        use duikou_storage::records::RecordError as R;
        match e {
            R::Store(s) => s.into(),
            other => AppError::input_text(other.to_string()),
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::failure_text(format!("文件读写失败 / I/O error: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
