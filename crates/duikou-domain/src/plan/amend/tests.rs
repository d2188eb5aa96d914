use super::*;
use crate::plan::BUNDLED_PLAN;

const OTHER: &str = include_str!("../../../../../plans/examples/dongguan-bijie-2021-2023.toml");

fn plan(text: &str) -> Plan {
    Plan::from_toml(text, "test").unwrap_or_else(|e| panic!("{e}"))
}

fn used(fields: &[((&str, &str), &[(&str, u64)])]) -> Usage {
    let mut u = Usage::default();
    for ((k, f), values) in fields {
        u.fields.insert(
            (k.to_string(), f.to_string()),
            FieldUsage {
                records: values.iter().map(|(_, n)| n).sum(),
                values: values.iter().map(|(v, n)| (v.to_string(), *n)).collect(),
            },
        );
    }
    u
}

#[test]
fn the_same_plan_has_no_difference() {
    let d = diff(&Plan::bundled(), &Plan::bundled());
    assert!(d.is_empty(), "{:?}", d.changes);
    assert!(d.strands(&Usage::default()).is_empty());
}

#[test]
fn a_target_change_is_listed_per_year_with_both_values() {
    let amended = BUNDLED_PLAN.replacen(
        "target = 8000\n",
        "target = { 2018 = 8000, 2019 = 9000, 2020 = 8000 }\n",
        1,
    );
    let d = diff(&Plan::bundled(), &plan(&amended));
    assert_eq!(
        d.changes,
        vec![Change {
            section: Section::Target,
            change: ChangeKind::Changed,
            name: "5.2-employed 2019".into(),
            before: Some("8000".into()),
            after: Some("9000".into()),
        }]
    );
    assert_eq!(
        d.changes[0].message().zh,
        "目标 5.2-employed 2019：修改 8000 → 9000"
    );
    // Nothing stored is stranded by a new target, however much is stored.
    let mut u = Usage::default();
    u.kinds.insert("person".into(), 10_000);
    assert!(d.strands(&u).is_empty());
}

#[test]
fn money_targets_read_in_yuan() {
    let amended = BUNDLED_PLAN.replacen("target = 180000000\n", "target = 200000000.5\n", 1);
    // Not an integer number of yuan cents? 0.5 yuan is 50 fen: allowed if the loader
    // takes decimals; otherwise the whole-yuan change below is the case that matters.
    let amended = if Plan::from_toml(&amended, "t").is_ok() {
        amended
    } else {
        BUNDLED_PLAN.replacen("target = 180000000\n", "target = 200000000\n", 1)
    };
    let d = diff(&Plan::bundled(), &plan(&amended));
    let t = d
        .changes
        .iter()
        .find(|c| c.section == Section::Target)
        .unwrap();
    assert_eq!(t.before.as_deref(), Some("180000000.00"), "{t:?}");
    assert!(
        t.after.as_deref().unwrap().starts_with("200000000"),
        "{t:?}"
    );
}

#[test]
fn removing_an_option_strands_only_the_records_that_use_it() {
    let amended = OTHER.replacen(
        "add = [\"帮扶车间\", \"乡村振兴示范村\"]",
        "add = [\"帮扶车间\"]",
        1,
    );
    let d = diff(&plan(OTHER), &plan(&amended));
    assert!(d.changes.iter().any(|c| c.section == Section::Vocabulary
        && c.change == ChangeKind::Removed
        && c.before.as_deref() == Some("乡村振兴示范村")));
    assert_eq!(
        d.fields_to_check(),
        vec![("facility".to_string(), "kind".to_string())]
    );
    let unused = used(&[(("facility", "kind"), &[("帮扶车间", 4)])]);
    assert!(d.strands(&unused).is_empty());
    let in_use = used(&[(
        ("facility", "kind"),
        &[("帮扶车间", 4), ("乡村振兴示范村", 2)],
    )]);
    let s = d.strands(&in_use);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(
        s[0].zh.contains("乡村振兴示范村") && s[0].en.contains("2 records"),
        "{s:?}"
    );
}

#[test]
fn removing_or_retyping_a_field_in_use_is_stranding() {
    let removed = OTHER.replacen(
        "[[field]]\nrecord = \"facility\"\nkey = \"jobs\"\nname = \"吸纳就业（人）\"\ntype = \"int\"\n",
        "",
        1,
    );
    // The indicator summing it goes with it.
    assert!(
        Plan::from_toml(&removed, "t").is_err(),
        "sum:jobs needs the field"
    );
    let retyped = OTHER.replacen(
        "key = \"jobs\"\nname = \"吸纳就业（人）\"\ntype = \"int\"",
        "key = \"jobs\"\nname = \"吸纳就业（人）\"\ntype = \"money\"",
        1,
    );
    let d = diff(&plan(OTHER), &plan(&retyped));
    assert!(
        matches!(
            d.field_losses.as_slice(),
            [(k, f, FieldLoss::Retyped { before, after })] if k == "facility" && f == "jobs" && before == "int" && after == "money"
        ),
        "{:?}",
        d.field_losses
    );
    assert!(
        d.strands(&Usage::default()).is_empty(),
        "no record has a value"
    );
    let s = d.strands(&used(&[(("facility", "jobs"), &[("12", 3)])]));
    assert!(
        s.len() == 1 && s[0].en.contains("from int to money"),
        "{s:?}"
    );
}

#[test]
fn removing_a_unit_or_a_year_in_use_is_stranding() {
    let old = plan(OTHER);
    let county = old.pairings.last().unwrap().county.clone();
    // A plan one year shorter, without the unpaired county if there is one.
    let unpaired = old
        .counties()
        .find(|c| old.pairing_of_county(&c.name).is_none())
        .map(|c| c.name.clone());
    // A plan one year longer, then back: the shorter version drops that year.
    let longer = OTHER.replacen("last_year = 2023", "last_year = 2024", 1);
    let d = diff(&plan(&longer), &old);
    assert_eq!(d.removed_years, vec![2024]);
    let mut u = Usage::default();
    u.years.insert(2021, 5);
    assert!(d.strands(&u).is_empty());
    u.years.insert(2024, 1);
    assert!(d.strands(&u)[0].en.contains("cannot drop the year 2024"));
    if let Some(name) = unpaired {
        let d = PlanDiff {
            removed_units: vec![name.clone()],
            ..PlanDiff::default()
        };
        let mut u = Usage::default();
        u.units.insert(county, 3);
        assert!(
            d.strands(&u).is_empty(),
            "another unit's use does not count"
        );
        u.units.insert(name.clone(), 1);
        assert!(d.strands(&u)[0].zh.contains(&name));
    }
}

#[test]
fn added_and_removed_entries_are_named() {
    let old = plan(OTHER);
    let extra_item = OTHER.replacen(
        "[[item]]",
        "[[item]]\nno = \"1.9\"\ntitle = \"新增事项\"\ntext = \"新增\"\ntime_limit = \"2021年\"\n\n[[item]]",
        1,
    );
    let d = diff(&old, &plan(&extra_item));
    assert_eq!(
        d.changes
            .iter()
            .map(|c| (c.section, c.change, c.name.as_str()))
            .collect::<Vec<_>>(),
        vec![(Section::Item, ChangeKind::Added, "1.9")]
    );
    let back = diff(&plan(&extra_item), &old);
    assert_eq!(back.changes[0].change, ChangeKind::Removed);
}
