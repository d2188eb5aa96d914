//! The plan loader: the bundled plan holds what docs/domain.md lists, and each kind of
//! mistake in a plan file is reported with its line.

use duikou_domain::plan::{BUNDLED_PLAN, Measure, Period, Plan, Scope, Target, TownRole, UnitKind};
use duikou_domain::schema::BuiltinKind;

fn errors_of(text: &str) -> Vec<(Option<usize>, String)> {
    match Plan::from_toml(text, "test.toml") {
        Ok(_) => panic!("expected the plan to be refused"),
        Err(e) => e.errors.into_iter().map(|e| (e.line, e.en)).collect(),
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in text")
        + 1
}

#[test]
fn bundled_plan_identity() {
    let p = Plan::bundled();
    assert_eq!(p.meta.id, "dongguan-zhaotong-2018-2020");
    assert_eq!(p.meta.document_no, "东扶贫〔2018〕5号");
    assert_eq!((p.meta.first_year, p.meta.last_year), (2018, 2020));
    assert_eq!(p.meta.issuer, "东莞市扶贫工作领导小组");
}

#[test]
fn bundled_plan_has_every_unit_of_domain_md() {
    let p = Plan::bundled();
    let counties = [
        ("昭阳区", "530602"),
        ("鲁甸县", "530621"),
        ("巧家县", "530622"),
        ("镇雄县", "530627"),
        ("彝良县", "530628"),
        ("威信县", "530629"),
    ];
    for (name, code) in counties {
        let u = p.unit(name).unwrap_or_else(|| panic!("county {name}"));
        assert_eq!(u.kind, UnitKind::County);
        assert_eq!(u.code.as_deref(), Some(code));
    }
    assert_eq!(p.counties().count(), 6);
    let departments = [
        "市委组织部",
        "市委宣传部",
        "市经信局",
        "市农业局",
        "市旅游局",
        "市教育局",
        "市卫计局",
        "市财政局",
        "市人力资源和社会保障局",
        "市民政局",
        "团市委",
        "市工商联",
        "市红十字会",
        "市经协办",
    ];
    for d in departments {
        assert_eq!(p.unit(d).map(|u| u.kind), Some(UnitKind::Department), "{d}");
    }
    assert_eq!(
        p.units_of_kind(UnitKind::Department).count(),
        departments.len()
    );
    assert_eq!(
        p.unit("省第五扶贫协作工作组").map(|u| u.kind),
        Some(UnitKind::WorkingGroup)
    );
    assert_eq!(p.unit("省财政").map(|u| u.kind), Some(UnitKind::Provincial));
    assert_eq!(p.units_of_kind(UnitKind::Town).count(), 22);
    assert_eq!(p.towns_with_role(TownRole::Lead).count(), 6);
    assert_eq!(p.towns_with_role(TownRole::Assisting).count(), 16);
}

#[test]
fn bundled_plan_pairings_are_the_seeds() {
    let p = Plan::bundled();
    let expected: [(&str, &str, &[&str]); 6] = [
        ("镇雄县", "清溪镇", &["企石镇", "桥头镇", "谢岗镇"]),
        ("彝良县", "黄江镇", &["麻涌镇", "望牛墩镇", "道滘镇"]),
        ("昭阳区", "石碣镇", &["石龙镇", "茶山镇"]),
        ("威信县", "大岭山镇", &["沙田镇", "洪梅镇"]),
        ("鲁甸县", "莞城街道", &["万江街道", "高埗镇", "中堂镇"]),
        ("巧家县", "樟木头镇", &["横沥镇", "东坑镇", "石排镇"]),
    ];
    assert_eq!(p.pairings.len(), 6);
    for (county, lead, assisting) in expected {
        let pr = p.pairing_of_county(county).expect(county);
        assert_eq!(pr.lead, lead);
        assert_eq!(
            pr.assisting,
            assisting.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        );
        for t in assisting.iter().chain([&lead]) {
            assert_eq!(p.paired_county(t), Some(county));
        }
    }
    let assisting: usize = p.pairings.iter().map(|x| x.assisting.len()).sum();
    assert_eq!(assisting, 16);
}

#[test]
fn bundled_plan_has_every_checklist_item() {
    let p = Plan::bundled();
    let items = [
        "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "5.1", "5.2", "5.3",
        "6.1", "6.2", "6.3", "7.1", "8.1", "8.2", "8.3", "8.4", "9.1", "9.2",
    ];
    assert_eq!(
        p.items.iter().map(|i| i.no.as_str()).collect::<Vec<_>>(),
        items
    );
    assert_eq!(p.actions.len(), 9);
    assert_eq!(p.action("8").unwrap().title, "携手奔小康行动");
    let i91 = p.item("9.1").unwrap();
    assert_eq!(i91.time_limit, "每年11月前");
    assert_eq!(i91.responsible, ["省第五扶贫协作工作组", "市经协办"]);
    let i13 = p.item("1.3").unwrap();
    assert_eq!(
        i13.responsible,
        ["市旅游局", "省第五扶贫协作工作组", "各帮扶镇街"]
    );
    assert_eq!(p.expand_responsible(&i13.responsible).len(), 2 + 22);
    assert!(p.item("6.2").unwrap().text.contains("2018年招收1600名"));
}

/// The indicator table of docs/domain.md: id, item, kind, scope, target (2019), deadline.
const DOMAIN_TABLE: &[(
    &str,
    &str,
    &str,
    Scope,
    Option<(i64, Option<i64>)>,
    (u8, u8),
)] = &[
    (
        "1.1-demo-bases",
        "1.1",
        "facility",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "1.2-investment-promotions",
        "1.2",
        "activity",
        Scope::Plan,
        Some((1, None)),
        (12, 31),
    ),
    (
        "1.3-tourism-promotions",
        "1.3",
        "activity",
        Scope::Plan,
        Some((1, Some(2))),
        (12, 31),
    ),
    (
        "1.3-tourism-inspections",
        "1.3",
        "activity",
        Scope::Plan,
        Some((1, None)),
        (12, 31),
    ),
    (
        "1.3-tourists",
        "1.3",
        "activity",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "1.4-agri-purchases",
        "1.4",
        "purchase",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "1.4-agri-trainings",
        "1.4",
        "activity",
        Scope::Plan,
        Some((1, Some(2))),
        (12, 31),
    ),
    (
        "2.1-cadres-received",
        "2.1",
        "secondment",
        Scope::Plan,
        Some((10, None)),
        (12, 31),
    ),
    (
        "2.1-zt-cadre-classes",
        "2.1",
        "activity",
        Scope::Plan,
        Some((1, None)),
        (12, 31),
    ),
    (
        "2.1-dg-cadre-classes",
        "2.1",
        "activity",
        Scope::Plan,
        Some((1, None)),
        (12, 31),
    ),
    (
        "2.1-county-leaders",
        "2.1",
        "secondment",
        Scope::EachCounty,
        Some((1, None)),
        (12, 31),
    ),
    (
        "2.2-teacher-activities",
        "2.2",
        "activity",
        Scope::Plan,
        Some((4, None)),
        (12, 31),
    ),
    (
        "2.2-school-pairs",
        "2.2",
        "pairing",
        Scope::Plan,
        Some((6, None)),
        (12, 31),
    ),
    (
        "2.3-hospital-pairs",
        "2.3",
        "pairing",
        Scope::Plan,
        Some((6, None)),
        (12, 31),
    ),
    (
        "2.3-medical-batches",
        "2.3",
        "activity",
        Scope::Plan,
        Some((3, None)),
        (12, 31),
    ),
    (
        "2.3-medical-trainees",
        "2.3",
        "activity",
        Scope::Plan,
        Some((45, None)),
        (12, 31),
    ),
    (
        "3.1-fiscal-aid",
        "3.1",
        "transfer",
        Scope::Plan,
        Some((180_000_000_00, None)),
        (3, 31),
    ),
    (
        "3.1-fiscal-aid-province",
        "3.1",
        "transfer",
        Scope::Plan,
        Some((18_000_000_00, None)),
        (3, 31),
    ),
    (
        "3.1-fiscal-aid-city",
        "3.1",
        "transfer",
        Scope::Plan,
        Some((162_000_000_00, None)),
        (3, 31),
    ),
    (
        "3.1-fiscal-aid-per-county",
        "3.1",
        "transfer",
        Scope::EachCounty,
        Some((30_000_000_00, None)),
        (3, 31),
    ),
    (
        "3.2-aid-used",
        "3.2",
        "project",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "4.1-relocation-sites",
        "4.1",
        "facility",
        Scope::EachCounty,
        Some((1, None)),
        (12, 31),
    ),
    (
        "5.1-training-sessions",
        "5.1",
        "activity",
        Scope::Plan,
        Some((6, None)),
        (12, 31),
    ),
    (
        "5.1-trainees",
        "5.1",
        "person",
        Scope::Plan,
        Some((1500, None)),
        (12, 31),
    ),
    (
        "5.2-employed",
        "5.2",
        "person",
        Scope::Plan,
        Some((8000, None)),
        (12, 31),
    ),
    (
        "5.2-employed-poor",
        "5.2",
        "person",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "5.3-service-stations",
        "5.3",
        "facility",
        Scope::Plan,
        Some((1, None)),
        (12, 31),
    ),
    (
        "6.2-students",
        "6.2",
        "person",
        Scope::Plan,
        Some((1900, None)),
        (12, 31),
    ),
    (
        "6.3-rich-leaders",
        "6.3",
        "person",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "7.1-donations",
        "7.1",
        "donation",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "7.1-volunteer-trips",
        "7",
        "activity",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "8.1-town-leader-visits",
        "8.1",
        "activity",
        Scope::EachLeadTown,
        Some((1, None)),
        (12, 31),
    ),
    (
        "8.1-town-joint-meetings",
        "8.1",
        "activity",
        Scope::EachLeadTown,
        Some((1, None)),
        (12, 31),
    ),
    (
        "8.1-lead-town-funds",
        "8.1",
        "transfer",
        Scope::EachLeadTown,
        Some((1_000_000_00, None)),
        (12, 31),
    ),
    (
        "8.1-assist-town-funds",
        "8.1",
        "transfer",
        Scope::EachAssistingTown,
        Some((300_000_00, None)),
        (12, 31),
    ),
    (
        "8.2-lead-teachers",
        "8.2",
        "secondment",
        Scope::EachLeadTown,
        Some((2, None)),
        (12, 31),
    ),
    (
        "8.2-lead-doctors",
        "8.2",
        "secondment",
        Scope::EachLeadTown,
        Some((2, None)),
        (12, 31),
    ),
    (
        "8.2-assist-teachers",
        "8.2",
        "secondment",
        Scope::EachAssistingTown,
        Some((1, None)),
        (12, 31),
    ),
    (
        "8.2-assist-doctors",
        "8.2",
        "secondment",
        Scope::EachAssistingTown,
        Some((1, None)),
        (12, 31),
    ),
    (
        "8.3-lead-township-pairs",
        "8.3",
        "pairing",
        Scope::EachLeadTown,
        Some((2, None)),
        (12, 31),
    ),
    (
        "8.3-lead-village-pairs",
        "8.3",
        "pairing",
        Scope::EachLeadTown,
        Some((2, None)),
        (12, 31),
    ),
    (
        "8.3-assist-township-pairs",
        "8.3",
        "pairing",
        Scope::EachAssistingTown,
        Some((1, None)),
        (12, 31),
    ),
    (
        "8.3-assist-village-pairs",
        "8.3",
        "pairing",
        Scope::EachAssistingTown,
        Some((1, None)),
        (12, 31),
    ),
    (
        "8.4-lead-enterprise-villages",
        "8.4",
        "pairing",
        Scope::EachLeadTown,
        Some((2, None)),
        (12, 31),
    ),
    (
        "8.4-assist-enterprise-villages",
        "8.4",
        "pairing",
        Scope::EachAssistingTown,
        Some((1, None)),
        (12, 31),
    ),
    (
        "9.1-city-leader-visits",
        "9.1",
        "activity",
        Scope::Plan,
        Some((1, None)),
        (10, 31),
    ),
    (
        "9.1-city-joint-meetings",
        "9.1",
        "activity",
        Scope::Plan,
        Some((1, None)),
        (10, 31),
    ),
    (
        "8.1-annual-plans",
        "8.1",
        "agreement",
        Scope::EachLeadTown,
        Some((1, None)),
        (12, 31),
    ),
    (
        "1.1-investment-projects",
        "1.2",
        "activity",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "2.2-teachers-sent",
        "2.2",
        "secondment",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "2.3-doctors-sent",
        "2.3",
        "secondment",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "2.3-free-clinics",
        "2.3",
        "activity",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "5.2-job-fairs",
        "5.2",
        "activity",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "6.1-publicity",
        "6.1",
        "activity",
        Scope::Plan,
        None,
        (12, 31),
    ),
    (
        "8.1-talent-secondments",
        "8.1",
        "secondment",
        Scope::Plan,
        None,
        (12, 31),
    ),
];

#[test]
fn bundled_plan_indicators_match_domain_md() {
    let p = Plan::bundled();
    assert_eq!(p.indicators.len(), DOMAIN_TABLE.len());
    for ((id, item, kind, scope, target, deadline), ind) in DOMAIN_TABLE.iter().zip(&p.indicators) {
        assert_eq!(&ind.id, id);
        assert_eq!(&ind.item, item, "{id}");
        assert_eq!(ind.kind.key(), *kind, "{id}");
        assert_eq!(ind.scope, *scope, "{id}");
        assert_eq!(
            ind.target_for(2019).map(|t| (t.min, t.max)),
            *target,
            "{id}"
        );
        assert_eq!(ind.deadline_of(2019), *deadline, "{id}");
    }
}

#[test]
fn special_targets_and_rules() {
    let p = Plan::bundled();
    let students = p.indicator("6.2-students").unwrap();
    assert_eq!(
        students.target_for(2018),
        Some(Target {
            min: 1600,
            max: None
        })
    );
    assert_eq!(
        students.target_for(2019),
        Some(Target {
            min: 1900,
            max: None
        })
    );
    assert_eq!(
        students.target_for(2020),
        Some(Target {
            min: 1900,
            max: None
        })
    );
    let bases = p.indicator("1.1-demo-bases").unwrap();
    assert_eq!(bases.target_for(2018), None);
    assert_eq!(
        bases.target_for(2020),
        Some(Target {
            min: 1,
            max: Some(3)
        })
    );
    assert_eq!(bases.period, Period::Cumulative);
    assert_eq!(
        p.indicator("8.2-lead-teachers").unwrap().min_months,
        Some(12)
    );
    assert_eq!(
        p.indicator("2.1-county-leaders").unwrap().period,
        Period::InPost
    );
    assert_eq!(
        p.indicator("2.1-county-leaders").unwrap().clause.as_deref(),
        Some("二(二)1")
    );
    assert!(
        matches!(&p.indicator("3.2-aid-used").unwrap().measure, Measure::Ratio { numerator, denominator } if numerator == "disbursed" && denominator == "3.1-fiscal-aid")
    );
    assert_eq!(
        p.indicator("5.2-employed").unwrap().measure,
        Measure::DistinctPersons
    );
    assert_eq!(
        p.indicator("8.1-town-leader-visits").unwrap().by.as_deref(),
        Some("organizers")
    );
}

#[test]
fn serialises_to_json() {
    let p = Plan::bundled();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["indicators"].as_array().unwrap().len(), 55);
    assert_eq!(json["meta"]["document_no"], "东扶贫〔2018〕5号");
}

#[test]
fn unknown_unit_is_reported_with_its_line() {
    let text = BUNDLED_PLAN.replacen(
        "responsible = [\"省第五扶贫协作工作组\", \"市经信局\", \"各帮扶镇街\"]",
        "responsible = [\"省第五扶贫协作工作组\", \"市经信委\", \"各帮扶镇街\"]",
        1,
    );
    let line = line_of(&text, "市经信委");
    let errs = errors_of(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, Some(line));
    assert!(errs[0].1.contains("unknown unit: 市经信委"), "{errs:?}");
}

#[test]
fn duplicate_indicator_id_is_reported_with_its_line() {
    let text = BUNDLED_PLAN.replacen(
        "id = \"1.3-tourism-inspections\"",
        "id = \"1.3-tourism-promotions\"",
        1,
    );
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("id = \"1.3-tourism-promotions\""))
        .nth(1)
        .unwrap()
        .0
        + 1;
    let errs = errors_of(&text);
    assert_eq!(
        errs,
        vec![(
            Some(line),
            "duplicate indicator id: 1.3-tourism-promotions".to_string()
        )]
    );
}

#[test]
fn duplicate_unit_is_reported() {
    let text = format!(
        "{BUNDLED_PLAN}\n[[unit]]\nname = \"清溪镇\"\nkind = \"town\"\nside = \"east\"\ntown_role = \"lead\"\n"
    );
    let errs = errors_of(&text);
    assert!(
        errs.iter()
            .any(|(l, m)| m.contains("duplicate unit name: 清溪镇")
                && *l == Some(text.lines().count() - 3)),
        "{errs:?}"
    );
}

#[test]
fn pairing_to_missing_county_is_reported() {
    let text = BUNDLED_PLAN.replacen("county = \"威信县\"\nlead", "county = \"威宁县\"\nlead", 1);
    let line = line_of(&text, "county = \"威宁县\"");
    let errs = errors_of(&text);
    assert!(
        errs.iter()
            .any(|(l, m)| *l == Some(line) && m.contains("pairing to a missing county: 威宁县")),
        "{errs:?}"
    );
}

#[test]
fn target_on_unknown_record_kind_is_reported() {
    let text = BUNDLED_PLAN.replacen("kind = \"donation\"", "kind = \"gift\"", 1);
    let line = line_of(&text, "kind = \"gift\"");
    let errs = errors_of(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, Some(line));
    assert!(errs[0].1.contains("unknown record kind: gift"));
}

#[test]
fn filter_on_unknown_field_or_value_is_reported() {
    let text = BUNDLED_PLAN.replacen(
        "where = { kind = \"招商推介会\" }",
        "where = { kind = \"招商大会\" }",
        1,
    );
    let errs = errors_of(&text);
    assert!(
        errs[0].1.contains("cannot take the value 招商大会"),
        "{errs:?}"
    );
    assert_eq!(errs[0].0, Some(line_of(&text, "招商大会")));
    let text = BUNDLED_PLAN.replacen(
        "where = { kind = \"招商推介会\" }",
        "where = { colour = \"red\" }",
        1,
    );
    assert!(errors_of(&text)[0].1.contains("has no field colour"));
}

#[test]
fn syntax_error_names_the_line() {
    let text = BUNDLED_PLAN.replacen("unit = \"次\"", "unit = 次\"", 1);
    let line = line_of(&text, "unit = 次\"");
    let errs = errors_of(&text);
    assert_eq!(errs[0].0, Some(line), "{errs:?}");
}

#[test]
fn every_error_is_collected_not_just_the_first() {
    let text = BUNDLED_PLAN
        .replacen("kind = \"donation\"", "kind = \"gift\"", 1)
        .replacen("county = \"威信县\"\nlead", "county = \"威宁县\"\nlead", 1);
    assert!(errors_of(&text).len() >= 2);
}

#[test]
fn a_small_other_plan_loads() {
    let text = r#"
[plan]
id = "x-y-2021-2025"
title = "X·Y 协作"
issuer = "X"
document_no = "X〔2021〕1号"
first_year = 2021
last_year = 2025
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
no = "1"
title = "资金"

[[item]]
no = "1.1"
title = "财政资金"
text = "每年 500 万元"
time_limit = "2021-2025年"
responsible = ["甲镇"]

[[indicator]]
id = "funds"
item = "1.1"
name = "镇街资金"
kind = "transfer"
where = { source = "镇街财政", payee = "$paired_county" }
measure = "sum:amount"
scope = "each_lead_town"
by = "payer"
unit = "元"
target = 5000000
"#;
    let p = Plan::from_toml(text, "other.toml").expect("valid");
    assert_eq!(
        p.indicators[0].target_for(2025),
        Some(Target {
            min: 500_000_000,
            max: None
        })
    );
    assert_eq!(p.scope_units(Scope::EachLeadTown).len(), 1);
}

const EXAMPLE: &str = include_str!("../../../plans/examples/dongguan-bijie-2021-2023.toml");

/// The example plan of another pair loads, with the plan's own kind, options, fields,
/// region labels and scopes.
#[test]
fn the_example_plan_of_another_pair_loads() {
    use duikou_domain::schema::FieldType;
    let p = Plan::from_toml(EXAMPLE, "example.toml").unwrap_or_else(|e| panic!("{e}"));
    let agreement = p.kind("协议与计划").expect("the plan's own kind");
    assert_eq!(agreement.key(), "agreement");
    assert_eq!(agreement.own_unit_field(), Some("east_unit"));
    let facility = p.kind_of(BuiltinKind::Facility);
    let Some(FieldType::Enum(kinds)) = facility.field("kind").map(|f| f.ty) else {
        panic!("facility.kind is an enum")
    };
    assert!(kinds.iter().any(|o| o.label == "帮扶车间"));
    assert!(
        facility
            .field("jobs")
            .is_some_and(|f| f.ty == FieldType::Int)
    );
    let Some(FieldType::Enum(directions)) = p
        .kind_of(BuiltinKind::Secondment)
        .field("direction")
        .map(|f| f.ty)
    else {
        panic!("direction is an enum")
    };
    assert_eq!(directions[0].label, "东莞→毕节");
    assert_eq!(p.resolve_unit("东莞市教育局").unwrap().name, "市教育局");
    // The district leads its pairing; the unpaired county is in no county scope.
    assert!(p.acts_as_town("松山湖"));
    let counties: Vec<&str> = p.counties().map(|u| u.name.as_str()).collect();
    assert_eq!(counties, ["威宁县", "赫章县"]);
    let plans = p.indicator("2.2-annual-plans").unwrap();
    let members: Vec<&str> = p
        .scope_units(plans.scope)
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(members, ["厚街镇", "松山湖", "市教育局"]);
    let funds = p.indicator("1.1-funds").unwrap();
    assert_eq!(
        funds.target_of(2022, Some("威宁县")).unwrap().min,
        50_000_000 * 100
    );
    assert_eq!(
        funds.target_of(2022, Some("赫章县")).unwrap().min,
        30_000_000 * 100
    );
    assert_eq!(funds.deadline_of(2021), (12, 31));
    assert_eq!(funds.deadline_of(2022), (3, 31));
}

/// Every misuse of the keys a plan may have is refused with the line it is on.
#[test]
fn misused_plan_keys_are_refused_with_their_line() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "where = { kind = \"帮扶车间\" }",
            "where = { kind = \"不存在的类型\" }",
            "不可能取值",
        ),
        ("key = \"jobs\"", "key = \"name\"", "已有字段"),
        (
            "measure = \"sum:jobs\"",
            "measure = \"sum:name\"",
            "不能求和",
        ),
        (
            "scope = { each = \"结对单位\" }",
            "scope = { each = \"无此分组\" }",
            "分组不存在",
        ),
        (
            "unit_targets = { \"威宁县\" = 50000000 }",
            "unit_targets = { \"纳雍县\" = 50000000 }",
            "不在指标范围",
        ),
        (
            "field = \"facility.kind\"",
            "field = \"facility.name\"",
            "不是选项字段",
        ),
        ("type = \"int\"", "type = \"integer\"", "类型未知"),
        (
            "date = \"signed_on\"",
            "date = \"title\"",
            "date 应为必填的日期字段",
        ),
        (
            "target = { growth_percent = 10 }",
            "target = { growth_percent = 0 }",
            "growth_percent",
        ),
    ];
    for (from, to, expect) in cases {
        assert!(EXAMPLE.contains(from), "{from}");
        let text = EXAMPLE.replacen(from, to, 1);
        let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
        let err = Plan::from_toml(&text, "bad.toml").expect_err(to);
        let hit = err
            .errors
            .iter()
            .find(|e| e.zh.contains(expect))
            .unwrap_or_else(|| panic!("{to}: {err}"));
        assert!(!hit.en.is_empty());
        let at = hit.line.expect("a line");
        // The error points at the table or the key it is about.
        assert!(
            at <= line && line - at < 16,
            "{to}: line {at}, expected near {line}"
        );
    }
}
