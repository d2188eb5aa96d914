//! TEMPORARY placeholder so the crate compiles while helper-4 writes the generator.
//! helper-4: overwrite this whole file.
use std::collections::BTreeMap;

use duikou_domain::plan::Plan;
use duikou_domain::record::FieldInput;
use duikou_domain::schema::RecordKind;

pub struct DemoRows {
    pub kind: RecordKind,
    pub rows: Vec<BTreeMap<String, FieldInput>>,
}

pub fn generate(_plan: &Plan, _scale: u32, _seed: u64) -> Vec<DemoRows> {
    Vec::new()
}
