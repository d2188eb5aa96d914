#![no_main]
//! Import files (CSV and XLSX bytes) through the whole preparation: reading, header
//! mapping and validation of every kind. Never a panic; errors name a row.
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

// Loaded once: parsing the bundled plan on every input would be most of the work.
static PLAN: LazyLock<duikou_domain::plan::Plan> =
    LazyLock::new(duikou_domain::plan::Plan::bundled);
static KEY: LazyLock<duikou_domain::crypto::SecretKey> =
    LazyLock::new(|| duikou_domain::crypto::SecretKey::from_bytes(&[1u8; 32]).unwrap());

fuzz_target!(|data: &[u8]| {
    for name in ["f.csv", "f.xlsx"] {
        if let Ok(table) = duikou_app::tabular::read_table_bytes(name, data, &[]) {
            for kind in PLAN.kinds().to_vec() {
                let ctx = duikou_app::importer::PrepareContext {
                    plan: &PLAN,
                    key: &KEY,
                    actor: None,
                    // A fixed day: the same input behaves the same on any day.
                    today: duikou_domain::record::parse_iso_date("2030-01-01").unwrap(),
                };
                if let Err(errors) = duikou_app::importer::prepare(&table, kind, &ctx) {
                    assert!(errors.total() > 0 && errors.listed().iter().all(|e| e.row >= 1));
                }
            }
        }
    }
});
