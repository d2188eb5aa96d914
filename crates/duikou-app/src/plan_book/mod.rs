//! The plan workbook (计划工作簿): a plan file as an Excel workbook a coordinator can
//! edit, and back.
//!
//! The workbook is another spelling of the TOML file. Export reads the TOML source
//! generically (`toml::Table`), so every key of every entry lands in a cell; reading
//! writes a TOML text entry by entry, one key per line, remembering which sheet, row
//! and column each line came from, and validates it with [`Plan::from_toml`]: every
//! problem is reported with the cell it is about.
//!
//! Sheets (a first header row, one entry per row, headers matched by name):
//!
//! | sheet | TOML | columns |
//! |---|---|---|
//! | 说明 | — | what each sheet is and the cell syntaxes (not read) |
//! | 计划 | `[plan]` | 项目, 值: one row per key |
//! | 单位 | `[[unit]]` | 名称, 类别, 方, 代码, 全称, 镇街角色, 别名 |
//! | 单位组 | `[[group]]` | 名称, 全部某类单位, 成员 |
//! | 结对 | `[[pairing]]` | 县区, 结对镇街, 协助镇街 |
//! | 行动 | `[[action]]` | 编号, 章节, 标题, 内容, 责任单位 |
//! | 工作清单 | `[[item]]` | 序号, 重点工作, 具体事项, 完成时限, 责任单位 |
//! | 指标 | `[[indicator]]` | 标识, 工作清单序号, 条款, 名称, 记录类型, 条件, 最短月数, 计量, 分子, 分母, 期间, 范围, 按字段, 单位, 目标, 截止, 要点指标 |
//! | 单位目标 | `unit_targets` | 指标标识, 单位, 目标 |
//! | 词表 | `[[vocabulary]]` | 字段, 增加选项 (one option a row), 英文名称 (`en`, on the entry's first row) |
//! | 记录类型 | `[[record_kind]]` | 键, 名称, 英文名, 日期字段, 单位字段, 叙述 |
//! | 字段 | `[[field]]`, `fields` | 记录类型, 键, 名称, 类型, 选项, 方, 必填 |
//! | 地图 | `[map]` (only for a plan with one) | 项目, 值: 名称属性, 格位, 轮廓 (the GeoJSON, cut over rows) |
//! | 选项 | — | the drop-down lists (hidden, not read) |
//!
//! Every data sheet ends with 待确认 and 来源: a row whose 待确认 is not empty is refused
//! until a person has cleared it.

use std::fmt;

use duikou_domain::plan::{Plan, RowNote};

mod cells;
mod grid;
mod labels;
mod read;
mod render;
#[cfg(test)]
mod tests;
mod write;

/// The plan file `toml_source` (a valid plan file, or a draft) as a workbook; `notes` add
/// 待确认 / 来源 columns to the rows they name (duikou_domain::plan::RowNote).
pub fn write_plan_workbook(toml_source: &str, notes: &[RowNote]) -> Result<Vec<u8>, PlanBookError> {
    write::write(toml_source, notes)
}

/// A plan workbook back to a plan file's TOML text, validated with Plan::from_toml; every
/// problem names sheet, row, column and reason.
pub fn read_plan_workbook(bytes: &[u8], file: &str) -> Result<(Plan, String), PlanBookErrors> {
    read::read(bytes, file)
}

/// One problem of a plan workbook (or of a plan file that cannot be exported), with the
/// cell it is about where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanBookError {
    pub sheet: Option<String>,
    /// 1-based, as the spreadsheet shows it.
    pub row: Option<u32>,
    /// The column's letter and header: `D（类别）`.
    pub column: Option<String>,
    pub zh: String,
    pub en: String,
}

impl PlanBookError {
    pub(crate) fn new(zh: impl Into<String>, en: impl Into<String>) -> PlanBookError {
        PlanBookError {
            sheet: None,
            row: None,
            column: None,
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The column's letter (`D`) and header (`类别`).
    fn column_parts(&self) -> Option<(&str, &str)> {
        let c = self.column.as_deref()?;
        let split = c
            .find(|ch: char| !ch.is_ascii_uppercase())
            .unwrap_or(c.len());
        let (letter, rest) = c.split_at(split);
        let header = rest.trim().trim_start_matches('（').trim_end_matches('）');
        Some((letter, header))
    }
}

impl fmt::Display for PlanBookError {
    /// `工作表 单位 第 5 行 D 列（类别）/ sheet 单位 row 5 column D (类别): 中文 / English`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut zh = String::new();
        let mut en = String::new();
        if let Some(sheet) = &self.sheet {
            zh.push_str(&format!("工作表 {sheet}"));
            en.push_str(&format!("sheet {sheet}"));
        }
        if let Some(row) = self.row {
            zh.push_str(&format!(" 第 {row} 行"));
            en.push_str(&format!(" row {row}"));
        }
        if let Some((letter, header)) = self.column_parts() {
            let (zh_col, en_col) = match (letter.is_empty(), header.is_empty()) {
                (false, false) => (
                    format!("{letter} 列（{header}）"),
                    format!("column {letter} ({header})"),
                ),
                (false, true) => (format!("{letter} 列"), format!("column {letter}")),
                (true, _) => (format!("列「{header}」"), format!("column \"{header}\"")),
            };
            zh.push(' ');
            zh.push_str(&zh_col);
            en.push(' ');
            en.push_str(&en_col);
        }
        let (zh, en) = (zh.trim(), en.trim());
        if zh.is_empty() {
            write!(f, "{} / {}", self.zh, self.en)
        } else {
            // "…（类别）/ sheet …": no space after a full-width bracket.
            let gap = if zh.ends_with('）') { "" } else { " " };
            write!(f, "{zh}{gap}/ {en}: {} / {}", self.zh, self.en)
        }
    }
}

impl std::error::Error for PlanBookError {}

/// All the problems found in one plan workbook.
#[derive(Debug, Clone)]
pub struct PlanBookErrors {
    pub file: String,
    pub errors: Vec<PlanBookError>,
}

impl fmt::Display for PlanBookErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "计划工作簿有误 / invalid plan workbook: {}", self.file)?;
        for e in &self.errors {
            writeln!(f, "  {}: {e}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanBookErrors {}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub(crate) fn column_letter(index: usize) -> String {
    let mut out = Vec::new();
    let mut i = index;
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}
