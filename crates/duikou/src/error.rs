//! Errors as the user sees them, with the exit code they map to.

use duikou_storage::StoreError;

/// 1: the program or its environment failed; 2: bad usage or bad input, nothing written.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Failure(String),
}

impl AppError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Input(_) => 2,
            AppError::Failure(_) => 1,
        }
    }
    pub fn input(zh: impl std::fmt::Display, en: impl std::fmt::Display) -> Self {
        AppError::Input(format!("{zh} / {en}"))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Missing(_)
            | StoreError::NotInitialised(_)
            | StoreError::UnsupportedUrl(_) => AppError::Input(e.to_string()),
            StoreError::Db(_) => AppError::Failure(e.to_string()),
        }
    }
}

impl From<duikou_storage::records::RecordError> for AppError {
    fn from(e: duikou_storage::records::RecordError) -> Self {
        use duikou_storage::records::RecordError as R;
        match e {
            R::Store(s) => s.into(),
            other => AppError::Input(other.to_string()),
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::Failure(format!("文件读写失败 / I/O error: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
