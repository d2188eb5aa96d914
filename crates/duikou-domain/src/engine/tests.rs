use time::Date;
use time::macros::date;

use super::dates::{jan_1, min_end_date};
use super::evaluator::percent_of;
use super::rules::{Slot, matches};
use super::status::{Calendar, exceeds_range, judge};
use super::*;
use crate::plan::{FilterValue, Target};

#[test]
fn figures_are_written_as_exact_json_numbers() {
    assert_eq!(Figure::Count(8123).json_number(), "8123");
    assert_eq!(Figure::Money(18_000_000_000).json_number(), "180000000");
    assert_eq!(Figure::Money(123_450).json_number(), "1234.5");
    assert_eq!(Figure::Money(5).json_number(), "0.05");
    assert_eq!(Figure::Money(-5).json_number(), "-0.05");
    assert_eq!(Figure::Money(0).json_number(), "0");
    assert_eq!(Figure::Percent(4567).json_number(), "45.67");
    assert_eq!(Figure::Percent(10_000).json_number(), "100");
    assert_eq!(
        serde_json::to_string(&Figure::Money(123_456)).unwrap(),
        "1234.56"
    );
    assert_eq!(
        serde_json::to_string(&Some(Figure::Percent(7))).unwrap(),
        "0.07"
    );
}

#[test]
fn figures_display_in_wan_for_money() {
    assert_eq!(Figure::Money(18_000_000_000).display_zh(), "18000.00万元");
    assert_eq!(Figure::Money(123_456).display_zh(), "0.12万元");
    assert_eq!(Figure::Count(3).display_zh(), "3");
    assert_eq!(Figure::Count(3).display_zh_with_unit("次"), "3次");
    assert_eq!(Figure::Percent(4567).display_zh_with_unit("%"), "45.67%");
    assert_eq!(Figure::Money(100).display_zh_with_unit("元"), "0.00万元");
}

#[test]
fn status_keys_match_serde() {
    for s in IndicatorStatus::ALL {
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!("\"{}\"", s.key())
        );
    }
    assert_eq!(IndicatorStatus::Late.label_zh(), "逾期完成");
}

#[test]
fn default_as_of_follows_the_year() {
    let today = date!(2019 - 07 - 15);
    assert_eq!(default_as_of(2019, today), today);
    assert_eq!(default_as_of(2018, today), date!(2018 - 12 - 31));
    assert_eq!(default_as_of(2020, today), date!(2020 - 01 - 01));
}

#[test]
fn planned_twelve_months_ends_a_day_before_the_anniversary() {
    assert_eq!(
        min_end_date(date!(2019 - 03 - 01), 12),
        Some(date!(2020 - 02 - 29))
    );
    assert_eq!(
        min_end_date(date!(2020 - 02 - 29), 12),
        Some(date!(2021 - 02 - 28))
    );
    assert_eq!(
        min_end_date(date!(2019 - 01 - 01), 12),
        Some(date!(2019 - 12 - 31))
    );
    assert_eq!(
        min_end_date(date!(2019 - 11 - 15), 3),
        Some(date!(2020 - 02 - 14))
    );
    assert_eq!(
        min_end_date(date!(2019 - 01 - 31), 1),
        Some(date!(2019 - 03 - 02))
    );
}

#[test]
fn percent_rounds_half_up() {
    assert_eq!(percent_of(1, 3), 3333);
    assert_eq!(percent_of(2, 3), 6667);
    assert_eq!(percent_of(1, 8), 1250);
    // 1/80000 = 0.00125 % = 0.125 hundredths: rounds down to 0.
    assert_eq!(percent_of(1, 80_000), 0);
    // 1/20000 = 0.005 % = 0.5 hundredths → rounds up to 1.
    assert_eq!(percent_of(1, 20_000), 1);
    assert_eq!(percent_of(5, 0), 0);
}

fn calendar(deadline: Date, as_of: Date) -> Calendar {
    Calendar {
        year_start: jan_1(deadline.year()),
        deadline,
        as_of,
    }
}

#[test]
fn pace_is_the_elapsed_share_up_to_the_deadline() {
    let t = Some(Target {
        min: 8000,
        max: None,
    });
    // 2019-01-01 → 2019-07-01 is 181 days of 364 up to 12-31: 8000 × 181 / 364 ≈ 3978.
    let cal = calendar(date!(2019 - 12 - 31), date!(2019 - 07 - 01));
    assert_eq!(judge(t, 3979, 3979, &cal), IndicatorStatus::OnTrack);
    assert_eq!(judge(t, 3978, 3978, &cal), IndicatorStatus::Behind);
    // Exactly on the line counts as on track: 181 × 364 = 364 × 181.
    let line = Some(Target {
        min: 364,
        max: None,
    });
    assert_eq!(judge(line, 181, 181, &cal), IndicatorStatus::OnTrack);
    assert_eq!(judge(line, 180, 180, &cal), IndicatorStatus::Behind);
    // Nothing elapsed before the year starts.
    let early = calendar(date!(2019 - 12 - 31), date!(2018 - 11 - 01));
    assert_eq!(judge(t, 0, 0, &early), IndicatorStatus::OnTrack);
}

struct Sel<'s>(&'s Slot<'s>);
impl Sel<'_> {
    fn matches(&self, want: &FilterValue, value: Option<&Value>) -> bool {
        matches(want, value, self.0)
    }
}

#[test]
fn conditions_match_text_unit_lists_booleans_and_scope_values() {
    let plan = Plan::bundled();
    let slot = Slot {
        unit: Some("清溪镇"),
        paired_county: plan.paired_county("清溪镇"),
    };
    let sel = Sel(&slot);
    let text = |s: &str| FilterValue::Text(s.to_string());
    // Missing booleans mean 否; any other missing field never matches.
    assert!(sel.matches(&FilterValue::Bool(false), None));
    assert!(!sel.matches(&FilterValue::Bool(true), None));
    assert!(sel.matches(&FilterValue::Bool(true), Some(&Value::Bool(true))));
    assert!(!sel.matches(&FilterValue::Bool(false), Some(&Value::Bool(true))));
    assert!(!sel.matches(&text("镇雄县"), None));
    assert!(sel.matches(&text("镇街财政"), Some(&Value::Enum("镇街财政".into()))));
    let organisers = Value::Units(vec!["黄江镇".into(), "清溪镇".into()]);
    assert!(sel.matches(&text("清溪镇"), Some(&organisers)));
    assert!(sel.matches(&FilterValue::ScopeUnit, Some(&organisers)));
    assert!(sel.matches(
        &FilterValue::PairedCounty,
        Some(&Value::Unit("镇雄县".into()))
    ));
    assert!(!sel.matches(
        &FilterValue::PairedCounty,
        Some(&Value::Unit("彝良县".into()))
    ));
    let plan_wide = Sel(&Slot::PLAN);
    assert!(!plan_wide.matches(&FilterValue::ScopeUnit, Some(&organisers)));
}

#[test]
fn deadline_decides_between_met_late_and_not_met() {
    let t = Some(Target {
        min: 10,
        max: Some(20),
    });
    let over = calendar(date!(2019 - 03 - 31), date!(2019 - 03 - 31));
    assert_eq!(judge(t, 10, 10, &over), IndicatorStatus::Met);
    assert_eq!(judge(t, 10, 9, &over), IndicatorStatus::Late);
    assert_eq!(judge(t, 9, 9, &over), IndicatorStatus::NotMet);
    assert_eq!(judge(None, 0, 0, &over), IndicatorStatus::Tracked);
    assert!(exceeds_range(t, 21));
    assert!(!exceeds_range(t, 20));
    assert!(!exceeds_range(Some(Target { min: 1, max: None }), 1000));
}
