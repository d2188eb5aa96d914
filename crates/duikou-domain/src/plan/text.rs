//! A plan's words are read without the whitespace around them: a cell typed as
//! " 镇雄县 " or a TOML string ending in a tab means the same words, and a plan must
//! read back the same from every form it is written in (TOML, workbook, stored JSON).

use serde::{Deserialize, Deserializer};

pub(super) fn trimmed<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(String::deserialize(d)?.trim().to_owned())
}

/// Absent, empty and blank are one thing: no value.
pub(super) fn trimmed_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty()))
}

pub(super) fn trimmed_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Vec::<String>::deserialize(d)?
        .into_iter()
        .map(|s| s.trim().to_owned())
        .collect())
}
