use super::*;

/// A plan whose action 3 has items 3.2 and 3.5 (no 3.1), an action-level indicator
/// on 3, one on item 3.5, and an action 4 without items.
const NO_DOT_ONE: &str = r#"
[plan]
id = "x-y-2021-2023"
title = "X·Y 协作"
issuer = "X"
document_no = "X〔2021〕1号"
first_year = 2021
last_year = 2023
east = "X市"
west = "Y市"

[[unit]]
name = "甲镇"
kind = "town"
side = "east"
town_role = "lead"

[[unit]]
name = "乙县"
kind = "county"
side = "west"
code = "520101"

[[pairing]]
county = "乙县"
lead = "甲镇"

[[action]]
no = "3"
title = "人才"

[[action]]
no = "4"
title = "社会"

[[item]]
no = "3.2"
title = "培训"
text = "每年培训"
time_limit = "2021-2023年"
responsible = ["甲镇"]

[[item]]
no = "3.5"
title = "交流"
text = "每年交流"
time_limit = "2021-2023年"
responsible = ["甲镇"]

[[indicator]]
id = "3-volunteers"
item = "3"
name = "志愿服务"
kind = "activity"
where = { kind = "志愿服务" }
measure = "count"
scope = "plan"
unit = "次"
target = 2

[[indicator]]
id = "3.5-exchanges"
item = "3.5"
name = "交流"
kind = "activity"
measure = "count"
scope = "plan"
unit = "次"

[[indicator]]
id = "4-donations"
item = "4"
name = "社会捐赠"
kind = "donation"
measure = "sum:amount"
scope = "plan"
unit = "元"
"#;

fn plan() -> Plan {
    Plan::from_toml(NO_DOT_ONE, "no-dot-one.toml").expect("valid test plan")
}

#[test]
fn an_action_level_indicator_is_shown_under_the_actions_first_item() {
    let p = plan();
    // No 3.1: the first item of action 3 in plan order is 3.2.
    assert_eq!(p.checklist_item_of("3").map(|i| i.no.as_str()), Some("3.2"));
    // An item's own indicators stay under it.
    assert_eq!(
        p.checklist_item_of("3.5").map(|i| i.no.as_str()),
        Some("3.5")
    );
    assert_eq!(
        p.checklist_item_of("3.2").map(|i| i.no.as_str()),
        Some("3.2")
    );
    // An action without items has no checklist line; an unknown number neither.
    assert!(p.checklist_item_of("4").is_none());
    assert!(p.checklist_item_of("9").is_none());
    // Every indicator of the plan lands on a line of its own action.
    for ind in &p.indicators {
        let act = p
            .action_of(&ind.item)
            .expect("every indicator has an action");
        if let Some(item) = p.checklist_item_of(&ind.item) {
            assert_eq!(item.action, act.no, "{}", ind.id);
        }
    }
}

#[test]
fn the_action_of_an_indicator_is_its_own_or_its_items() {
    let p = plan();
    assert_eq!(p.action_of("3").map(|a| a.no.as_str()), Some("3"));
    assert_eq!(p.action_of("3.5").map(|a| a.title.as_str()), Some("人才"));
    assert_eq!(p.action_of("4").map(|a| a.title.as_str()), Some("社会"));
    assert!(p.action_of("3.9").is_none());
}

#[test]
fn the_bundled_plans_action_level_indicator_is_under_its_first_item() {
    let p = Plan::bundled();
    let ind = p.indicator("7.1-volunteer-trips").unwrap();
    assert_eq!(ind.item, "7");
    let first = p.items.iter().find(|i| i.action == "7").unwrap();
    assert_eq!(
        p.checklist_item_of(&ind.item).map(|i| &i.no),
        Some(&first.no)
    );
}

#[test]
fn the_plan_year_check() {
    let p = plan();
    for y in 2021..=2023 {
        assert_eq!(p.check_year(y), Ok(()));
    }
    let e = p.check_year(2020).unwrap_err();
    assert_eq!(
        e,
        OutsidePlanYears {
            year: 2020,
            first_year: 2021,
            last_year: 2023
        }
    );
    assert_eq!(e.message().zh, "年度 2020 不在计划年度 2021–2023 内");
    assert_eq!(
        e.message().en,
        "year 2020 is outside the plan years 2021–2023"
    );
    assert_eq!(e.field_message().zh, "不在计划年度 2021–2023 内");
    assert_eq!(e.field_message().en, "outside the plan years 2021–2023");
    let m = p
        .check_year(2024)
        .unwrap_err()
        .about("2024年1月", "2024-01");
    assert_eq!(m.zh, "2024年1月 不在计划年度 2021–2023 内");
    assert_eq!(m.en, "2024-01 is outside the plan years 2021–2023");
}
