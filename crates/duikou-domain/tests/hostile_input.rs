//! Hostile input never panics: mangled plan files, arbitrary field values for every
//! record kind. Errors come back as values, with the field named.

use std::collections::BTreeMap;

use duikou_domain::plan::{BUNDLED_PLAN, Plan};
use duikou_domain::record::{FieldInput, ValidationContext, validate};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Cut, duplicate or overwrite a slice of the bundled plan: the loader answers with
    /// a plan or with errors that carry a line inside the file, never a panic.
    #[test]
    fn mangled_plans_are_refused_cleanly(start in 0usize..BUNDLED_PLAN.len(), len in 0usize..400, junk in "[\\[\\]=\"a-z0-9 \n{},.]{0,40}", mode in 0u8..3) {
        let mut text = BUNDLED_PLAN.to_string();
        let start = (0..=start).rev().find(|i| text.is_char_boundary(*i)).unwrap();
        let end = (start..=(start + len).min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap();
        match mode {
            0 => text.replace_range(start..end, ""),
            1 => { let s = text[start..end].to_string(); text.insert_str(end, &s); }
            _ => text.replace_range(start..end, &junk),
        }
        let lines = text.lines().count() + 1;
        if let Err(e) = Plan::from_toml(&text, "fuzz.toml") {
            prop_assert!(!e.errors.is_empty());
            for err in e.errors {
                prop_assert!(err.line.is_none_or(|l| l >= 1 && l <= lines), "line {:?} outside 1..={lines}", err.line);
                prop_assert!(!err.zh.is_empty() && !err.en.is_empty());
            }
        }
    }

    /// Any text in any field of any kind: validation returns errors naming known fields.
    #[test]
    fn arbitrary_field_values_never_panic(kind_ix in 0usize..9, values in proptest::collection::vec(".{0,30}", 0..14), wan in any::<bool>()) {
        let plan = Plan::bundled();
        let kind = plan.kinds()[kind_ix];
        let mut input = BTreeMap::new();
        for (fd, v) in kind.all_fields().zip(values.iter()) {
            input.insert(fd.key.to_string(), FieldInput { text: v.clone(), in_wan: wan });
        }
        let ctx = ValidationContext { plan: &plan, default_unit: Some("清溪镇") };
        if let Err(errors) = validate(kind, &input, &ctx) {
            for e in errors {
                prop_assert!(kind.all_fields().any(|f| f.key == e.field), "unknown field {} in error", e.field);
                prop_assert!(!e.zh.is_empty() && !e.en.is_empty());
            }
        }
    }
}
