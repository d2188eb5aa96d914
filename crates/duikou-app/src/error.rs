//! The application's one error: every use case answers with it, the command line maps it
//! to an exit code and the web to an HTTP status. Each carries its message in both
//! languages as written (`Message`, or the named fields), never a string to parse back.

use duikou_domain::message::Message;
use duikou_domain::record::FieldError;
use duikou_storage::StoreError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// Bad usage or bad input, nothing written (exit 2, HTTP 422).
    #[error("{0}")]
    Input(Message),
    /// Invalid input with the fields named (exit 2, HTTP 422).
    #[error("{}", fields_text(.fields))]
    Invalid { fields: Vec<FieldError> },
    /// The role or unit does not allow it (exit 2, HTTP 403).
    #[error("{zh} / {en}")]
    Forbidden { zh: String, en: String },
    /// Does not exist, or may not be seen (exit 2, HTTP 404: no hint which).
    #[error("不存在或无权查看 / not found")]
    NotFound,
    /// The record's state forbids it (exit 2, HTTP 409).
    #[error("{zh} / {en}")]
    Conflict { zh: String, en: String },
    /// The program or its environment failed (exit 1, HTTP 500; the web shows people
    /// only that it failed, and logs the message).
    #[error("{0}")]
    Failure(Message),
}

fn fields_text(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("；")
}

impl AppError {
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Failure(_) => 1,
            _ => 2,
        }
    }
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Input(_) | AppError::Invalid { .. } => 422,
            AppError::Forbidden { .. } => 403,
            AppError::NotFound => 404,
            AppError::Conflict { .. } => 409,
            AppError::Failure(_) => 500,
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
    /// A failure people are told no more about than that (the cause goes to the log).
    pub fn internal() -> Self {
        AppError::Failure(Message::new("内部错误", "internal error"))
    }
    pub fn forbidden() -> Self {
        AppError::Forbidden {
            zh: "您的角色或单位无权进行此操作".into(),
            en: "your role or unit does not allow this".into(),
        }
    }
    pub fn invalid_field(field: &str, field_zh: &str, zh: &str, en: &str) -> Self {
        AppError::Invalid {
            fields: vec![FieldError {
                field: field.into(),
                field_zh: field_zh.into(),
                value: String::new(),
                zh: zh.into(),
                en: en.into(),
            }],
        }
    }
    /// The message in both languages.
    pub fn message(&self) -> Message {
        match self {
            AppError::Input(m) | AppError::Failure(m) => m.clone(),
            AppError::Forbidden { zh, en } | AppError::Conflict { zh, en } => {
                Message::new(zh.clone(), en.clone())
            }
            AppError::NotFound => Message::new("不存在或无权查看", "not found"),
            AppError::Invalid { fields } => Message::new(
                fields
                    .iter()
                    .map(|f| format!("{}：{}", f.field_zh, f.zh))
                    .collect::<Vec<_>>()
                    .join("；"),
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.en))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
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
            R::NotFound => AppError::NotFound,
            R::Conflict { zh, en } => AppError::Conflict { zh, en },
            other @ R::AlreadyImported { .. } => AppError::input_text(other.to_string()),
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::failure_text(format!("文件读写失败 / I/O error: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
