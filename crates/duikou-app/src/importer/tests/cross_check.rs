//! The cross-checks of ID numbers against the plan's area codes, on the bundled plan.

use super::super::cross_check::*;
use duikou_domain::plan::Plan;

fn plan() -> Plan {
    Plan::bundled()
}

#[test]
fn codes_cover_their_areas() {
    assert!(covers("530627", "530627"));
    assert!(covers("530600", "530699"));
    assert!(!covers("530600", "530701"));
    assert!(covers("530000", "530701"));
    assert!(!covers("530627", "530628"));
    assert!(!covers("x", "530628"));
}

#[test]
fn a_home_county_contradicting_the_id_is_an_error() {
    let p = plan();
    let f = hukou_contradiction(&p, "530627", "彝良县").expect("a contradiction");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.field, "hukou_county");
    assert!(
        f.zh.contains("镇雄县") && f.zh.contains("彝良县"),
        "{}",
        f.zh
    );
    assert!(f.en.contains("530627"), "{}", f.en);
    // The assisting city's own code: known to the plan, not the county's.
    assert!(hukou_contradiction(&p, "441900", "彝良县").is_some());
    assert!(hukou_contradiction(&p, "530628", "彝良县").is_none());
}

#[test]
fn codes_the_plan_does_not_know_cannot_be_checked() {
    let p = plan();
    // A county of the assisted city the plan does not list.
    assert!(hukou_contradiction(&p, "530699", "彝良县").is_none());
    // Another province altogether: no unit of the plan covers it.
    assert!(hukou_contradiction(&p, "110105", "彝良县").is_none());
    // A unit that is not a place with a code.
    assert!(hukou_contradiction(&p, "530627", "清溪镇").is_none());
}

#[test]
fn ids_from_outside_the_assisted_side_are_flagged_where_the_plan_says() {
    let p = plan();
    let person = p.kind("person").unwrap();
    let f = outside_west(&p, person, "441900").expect("flagged");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.field, "id_number");
    assert!(f.zh.contains("东莞市"), "{}", f.zh);
    assert!(outside_west(&p, person, "110105").is_some());
    assert!(outside_west(&p, person, "530627").is_none());
    assert!(
        outside_west(&p, person, "530699").is_none(),
        "inside the city"
    );
    // A kind the plan does not list.
    let secondment = p.kind("secondment").unwrap();
    assert!(outside_west(&p, secondment, "441900").is_none());
    // Without the declaration nothing is flagged.
    let mut quiet = plan();
    quiet.meta.west_persons.clear();
    assert!(outside_west(&quiet, person, "441900").is_none());
}

#[test]
fn a_contradiction_is_reported_alone() {
    let p = plan();
    let person = p.kind("person").unwrap();
    let flags = check(&p, person, "441900", Some("彝良县"));
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].severity, Severity::Error);
    let flags = check(&p, person, "441900", None);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].severity, Severity::Warning);
    assert_eq!(area_code("530627********1234"), Some("530627"));
    assert_eq!(area_code("53"), None);
}
