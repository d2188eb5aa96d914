//! Remarks on the rows of a plan file that a person must look at: a drafted plan marks
//! what it proposed (待确认) and the sentence of the document it came from, and the plan
//! workbook shows them beside the rows they are about.

use serde::Serialize;

/// A remark on one entry of a plan file's table (`[[indicator]]` number `index`, from 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowNote {
    /// The plan file's table: `plan`, `unit`, `group`, `pairing`, `action`, `item`,
    /// `indicator`, `vocabulary`, `field`, `record_kind`.
    pub table: String,
    /// The entry's position within its table (0 for `plan`).
    pub index: usize,
    /// The sentence of the source document the entry was read from.
    pub source: String,
    /// A person must confirm the entry (待确认) before the plan is loaded.
    pub pending: bool,
}
