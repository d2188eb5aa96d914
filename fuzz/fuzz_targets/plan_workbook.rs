#![no_main]
//! The plan workbook: any bytes read as a workbook never panic and every error names
//! its place; any text that loads as a plan file round-trips through a workbook to the
//! same plan; and the bundled plan's workbook with the input written into a cell reads
//! back as a plan or as errors naming a sheet.
use std::sync::LazyLock;

use duikou_app::plan_book::{read_plan_workbook, write_plan_workbook};
use duikou_domain::plan::{BUNDLED_PLAN, Plan};
use libfuzzer_sys::fuzz_target;

static BUNDLED_JSON: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string(&Plan::bundled()).unwrap());

fuzz_target!(|data: &[u8]| {
    if let Err(e) = read_plan_workbook(data, "f.xlsx") {
        assert!(!e.errors.is_empty());
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(plan) = Plan::from_toml(text, "f.toml") {
        if let Ok(bytes) = write_plan_workbook(text, &[]) {
            let (back, _) = read_plan_workbook(&bytes, "f.xlsx").expect("a written workbook reads back");
            assert_eq!(
                serde_json::to_string(&back).unwrap(),
                serde_json::to_string(&plan).unwrap()
            );
        }
    }
    // The input as a unit's full name of the bundled plan: a text cell like any other.
    if !text.contains('"') && !text.contains('\\') && !text.contains('\n') && !text.is_empty() {
        let edited = BUNDLED_PLAN.replacen(
            "name = \"镇雄县\"\n",
            &format!("name = \"镇雄县\"\nfull_name = \"{text}\"\n"),
            1,
        );
        if let Ok(plan) = Plan::from_toml(&edited, "edited") {
            let bytes = write_plan_workbook(&edited, &[]).expect("a valid plan writes");
            let (back, _) = read_plan_workbook(&bytes, "f.xlsx").expect("and reads back");
            assert_eq!(serde_json::to_string(&back).unwrap(), serde_json::to_string(&plan).unwrap());
            // Blank words are no words (a plan's text is read trimmed): only a name
            // with something in it changes the plan.
            if !text.trim().is_empty() {
                assert_ne!(serde_json::to_string(&back).unwrap(), *BUNDLED_JSON);
            }
        }
    }
});
