//! Drafting a plan file from the plan's official document.
//!
//! A coordination office receives its plan as a government document (.docx, or its text,
//! or markdown). [`read_document`] turns the file into text; [`draft`] reads the text
//! and writes a *draft* plan file (docs/plan-format.md) for a coordinator to finish: the
//! plan's identity, the units it names, the pairings it states, the appendix work
//! checklist, and a proposed indicator for every quantified phrase, each with the
//! sentence it came from and marked pending (待确认).
//!
//! Rule-based and offline: no network, no model. No rule names a place; they read the
//! shapes of the document (its notice, headings, checklist table) and the general words
//! of the domain (镇/街道/县/区/市, 对口帮扶, 协助, 每年, 至少, 以上, 不少于, 万元, 亿元,
//! 第一季度前, 11月前 …), so a document of another pair or period drafts alike.

mod assemble;
mod checklist;
mod document;
mod indicators;
mod kinds;
mod options;
mod outline;
mod quantities;
mod report;
mod rules;
mod sides;
mod text;
mod toml_out;
mod units;
mod wordless;

pub use document::read_document;

/// A draft plan file, its notes and what was (not) found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Draft {
    /// The plan file: loads with `Plan::from_toml`.
    pub toml: String,
    /// One per entry of a table of `toml` that has a source sentence and/or needs
    /// confirming; every proposed indicator is pending, with its sentence.
    pub notes: Vec<duikou_domain::plan::RowNote>,
    pub report: Vec<ReportLine>,
}

/// A line of the drafting report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportLine {
    /// `false`: something a person must decide.
    pub found: bool,
    pub zh: String,
    pub en: String,
}

impl ReportLine {
    pub(crate) fn found(zh: impl Into<String>, en: impl Into<String>) -> ReportLine {
        ReportLine {
            found: true,
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub(crate) fn decide(zh: impl Into<String>, en: impl Into<String>) -> ReportLine {
        ReportLine {
            found: false,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error(
        "不支持的文件类型：{file}（请提供 .docx、.txt 或 .md 文件） / unsupported file type: {file} (give a .docx, .txt or .md file)"
    )]
    Unsupported { file: String },
    #[error(
        "{file} 是旧版 Word（.doc）或 WPS 文件，请另存为 .docx 后再试 / {file} is an old Word (.doc) or WPS file: save it as .docx and try again"
    )]
    OldWord { file: String },
    #[error(
        "无法读取 Word 文件 {file}：文件已损坏或不是 .docx（{reason}） / cannot read the Word file {file}: it is corrupt or not a .docx ({reason})"
    )]
    Docx { file: String, reason: String },
    #[error(
        "无法识别 {file} 的文字编码（应为 UTF-8 或 GB18030/GBK） / cannot read the text of {file}: it is neither UTF-8 nor GB18030/GBK"
    )]
    Encoding { file: String },
    #[error("文件 {file} 没有文字 / the file {file} has no text")]
    Empty { file: String },
    #[error(
        "未找到工作清单：文中没有含“序号”及“具体事项”“责任单位”等列的表格 / no work checklist found: the document has no table with a 序号 column and columns such as 具体事项, 责任单位"
    )]
    NoChecklist,
    #[error(
        "工作清单只有表头，没有编号的事项（1.1、1.2 …） / the work checklist has a header but no numbered items (1.1, 1.2 …)"
    )]
    EmptyChecklist,
    #[error(
        "起草的计划未通过校验（程序缺陷，请报告）：{0} / the drafted plan does not load (a bug, please report it): {0}"
    )]
    Invalid(String),
}

/// Draft a plan file from a document's text (see the crate documentation).
pub fn draft(text: &str) -> Result<Draft, DraftError> {
    assemble::run(text)
}
