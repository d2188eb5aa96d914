//! The engine against a reference that reads the counting rules of docs/domain.md
//! literally (every record, every indicator, every unit, one at a time), over random
//! record sets on the bundled plan and the example plan, for random years, as-of dates and
//! the include-submitted switch. The records are classified once per set and folded
//! for every assessment asked of them: what a database holding the contributions does.

use std::collections::HashSet;

use duikou_domain::engine::{
    AssessOptions, Assessment, Classifier, Contribution, EngineRecord, IndicatorStatus, assess,
    classify, deadline_in, explain, fold,
};
use duikou_domain::money::Fen;
use duikou_domain::plan::{FilterValue, Indicator, Measure, Period, Plan, Scope, Target};
use duikou_domain::record::{Status, Value};
use duikou_domain::schema::BuiltinKind;
use time::{Date, Duration, Month};

mod records;

use records::{Makings, Rng};

const EXAMPLE_PLAN: &str = include_str!("../../../../plans/examples/dongguan-bijie-2021-2023.toml");

fn example_plan() -> Plan {
    Plan::from_toml(EXAMPLE_PLAN, "dongguan-bijie-2021-2023.toml").expect("the example plan loads")
}

// ------------------------------------------------------------------ the reference

fn jan_1(year: i32) -> Date {
    Date::from_calendar_date(year, Month::January, 1).unwrap()
}

fn dec_31(year: i32) -> Date {
    Date::from_calendar_date(year, Month::December, 31).unwrap()
}

/// Whether a field value is, or (a list of units) holds, the text.
fn names(v: &Value, text: &str) -> bool {
    v.as_text() == Some(text) || v.units().iter().any(|u| u == text)
}

fn wanted(plan: &Plan, want: &FilterValue, v: Option<&Value>, unit: Option<&str>) -> bool {
    match (want, v) {
        (FilterValue::Bool(b), None) => !*b,
        (FilterValue::Bool(b), Some(v)) => v.as_bool() == Some(*b),
        (_, None) => false,
        (FilterValue::Text(t), Some(v)) => names(v, t),
        (FilterValue::ScopeUnit, Some(v)) => unit.is_some_and(|u| names(v, u)),
        (FilterValue::PairedCounty, Some(v)) => unit
            .and_then(|u| plan.paired_county(u))
            .is_some_and(|c| names(v, c)),
    }
}

/// The start plus `months` calendar months, less one day; a day the month lacks
/// carries into the next (2020-02-29 + 12 months − 1 day = 2021-02-28).
fn planned_end(start: Date, months: u32) -> Date {
    let m0 = u8::from(start.month()) as i64 - 1 + months as i64;
    let year = start.year() + m0.div_euclid(12) as i32;
    let month = Month::try_from((m0.rem_euclid(12) + 1) as u8).unwrap();
    let first = Date::from_calendar_date(year, month, 1).unwrap();
    first + Duration::days(start.day() as i64 - 1) - Duration::days(1)
}

fn end_of(r: &EngineRecord) -> Option<Date> {
    r.kind
        .active_until_field()
        .and_then(|f| r.get(f))
        .and_then(Value::as_date)
}

/// Whether the record counts in the figure of `ind` for `unit` (None: the plan).
fn counts(
    plan: &Plan,
    ind: &Indicator,
    r: &EngineRecord,
    unit: Option<&str>,
    o: &AssessOptions,
) -> bool {
    let status_counts =
        r.status == Status::Approved || (o.include_submitted && r.status == Status::Submitted);
    if !status_counts || r.kind != ind.kind {
        return false;
    }
    let all_met = ind.conditions.iter().all(|c| {
        c.any_of
            .iter()
            .any(|w| wanted(plan, w, r.get(&c.field), unit))
    });
    if !all_met {
        return false;
    }
    let Some(start) = r.event_date() else {
        return false;
    };
    let end = end_of(r);
    if let Some(months) = ind.min_months
        && end.is_none_or(|e| e < planned_end(start, months))
    {
        return false;
    }
    if start > o.as_of {
        return false;
    }
    let y = o.year;
    let in_period = match ind.period {
        Period::InYear => r.plan_year == y,
        Period::PlanToDate => r.plan_year <= y,
        Period::Cumulative => {
            let at = dec_31(y).min(o.as_of);
            start <= at && end.is_none_or(|e| e > at)
        }
        Period::InPost => start <= dec_31(y) && end.is_none_or(|e| e >= jan_1(y)),
    };
    if !in_period {
        return false;
    }
    if matches!(ind.measure, Measure::DistinctPersons) && r.person_key.is_none() {
        return false;
    }
    let Some(u) = unit else {
        return true;
    };
    let Some(by) = ind.by.as_deref() else {
        return false;
    };
    let named = match r.get(by) {
        Some(Value::Text(t)) => t == u,
        Some(v) => v.units().iter().any(|x| x == u),
        None => false,
    };
    let payee_confirmed = r.kind.is(BuiltinKind::Transfer)
        && r.get("received_on").is_some()
        && r.get("payee")
            .is_some_and(|p| p.units().iter().any(|x| x == u));
    named && (r.status == Status::Approved || r.reporting_unit == u || payee_confirmed)
}

fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    let (p, w) = (part as i128, whole as i128);
    ((p * 20_000 + w).div_euclid(w * 2)) as i64
}

/// One figure as the reference counts it.
struct Counted {
    actual: i64,
    on_time: i64,
    /// The records behind `actual`, ascending.
    ids: Vec<i64>,
    with_evidence: usize,
}

fn count(
    plan: &Plan,
    ind: &Indicator,
    unit: Option<&str>,
    records: &[EngineRecord],
    o: &AssessOptions,
) -> Counted {
    let counted: Vec<&EngineRecord> = records
        .iter()
        .filter(|r| counts(plan, ind, r, unit, o))
        .collect();
    let deadline = deadline_in(ind, o.year);
    let on_time: Vec<&EngineRecord> = counted
        .iter()
        .copied()
        .filter(|r| r.event_date().is_some_and(|d| d <= deadline))
        .collect();
    let value = |rs: &[&EngineRecord]| -> i64 {
        let sum = |f: &str| {
            rs.iter()
                .filter_map(|r| r.get(f).and_then(Value::as_amount))
                .sum::<i64>()
        };
        match &ind.measure {
            Measure::Count => rs.len() as i64,
            Measure::DistinctPersons => rs
                .iter()
                .filter_map(|r| r.person_key.as_deref())
                .collect::<HashSet<_>>()
                .len() as i64,
            Measure::Sum { field } => sum(field),
            Measure::Ratio { numerator, .. } => sum(numerator),
        }
    };
    let (mut actual, mut late_cut) = (value(&counted), value(&on_time));
    if let Measure::Ratio { denominator, .. } = &ind.measure {
        let den = plan.indicator(denominator).expect("denominator");
        let den_unit = if den.scope == ind.scope { unit } else { None };
        let d = count(plan, den, den_unit, records, o);
        actual = percent(actual, d.actual);
        late_cut = percent(late_cut, d.on_time);
    }
    let mut ids: Vec<i64> = counted.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    Counted {
        actual,
        on_time: late_cut,
        ids,
        with_evidence: counted.iter().filter(|r| r.evidence_count > 0).count(),
    }
}

/// docs/domain.md, "Status of an indicator".
fn status(
    target: Option<Target>,
    c: &Counted,
    ind: &Indicator,
    o: &AssessOptions,
) -> IndicatorStatus {
    let Some(Target { min, .. }) = target else {
        return IndicatorStatus::Tracked;
    };
    let deadline = deadline_in(ind, o.year);
    if c.on_time >= min {
        IndicatorStatus::Met
    } else if o.as_of >= deadline {
        if c.actual >= min {
            IndicatorStatus::Late
        } else {
            IndicatorStatus::NotMet
        }
    } else if c.actual >= min {
        IndicatorStatus::Met
    } else {
        let period = (deadline - jan_1(o.year)).whole_days().max(0) as i128;
        let elapsed = (o.as_of - jan_1(o.year)).whole_days().max(0) as i128;
        if c.actual as i128 * period >= min as i128 * elapsed {
            IndicatorStatus::OnTrack
        } else {
            IndicatorStatus::Behind
        }
    }
}

fn target(
    plan: &Plan,
    ind: &Indicator,
    unit: Option<&str>,
    records: &[EngineRecord],
    o: &AssessOptions,
) -> Option<Target> {
    let Some(p) = ind.growth_percent else {
        return ind.target_of(o.year, unit);
    };
    if o.year <= plan.meta.first_year {
        return None;
    }
    // The previous year's figure as it stood at that year's end.
    let previous = AssessOptions {
        year: o.year - 1,
        as_of: dec_31(o.year - 1).min(o.as_of),
        ..*o
    };
    let before = count(plan, ind, unit, records, &previous).actual as i128;
    Some(Target {
        min: (before * (100 + p as i128) + 99).div_euclid(100) as i64,
        max: None,
    })
}

/// Every result of the assessment is the reference's, in plan order; `explain` lists
/// the records the reference counted.
fn check(plan: &Plan, records: &[EngineRecord], o: &AssessOptions, a: &Assessment, case: &str) {
    let mut expected = Vec::new();
    for ind in &plan.indicators {
        let units: Vec<Option<&str>> = match ind.scope {
            Scope::Plan => vec![None],
            s => plan
                .scope_units(s)
                .iter()
                .map(|u| Some(u.name.as_str()))
                .collect(),
        };
        for unit in units {
            expected.push((ind, unit));
        }
    }
    let got: Vec<(&str, &str)> = a
        .results
        .iter()
        .map(|r| (r.indicator.as_str(), r.scope.as_str()))
        .collect();
    let want: Vec<(&str, &str)> = expected
        .iter()
        .map(|(i, u)| (i.id.as_str(), u.unwrap_or("plan")))
        .collect();
    assert_eq!(got, want, "{case}: the results and their order");
    for (r, (ind, unit)) in a.results.iter().zip(&expected) {
        let c = count(plan, ind, *unit, records, o);
        let t = target(plan, ind, *unit, records, o);
        let at = format!("{case}: {} / {}", r.indicator, r.scope);
        assert_eq!(r.actual.raw(), c.actual, "{at}: actual");
        assert_eq!(
            r.on_time.map(|f| f.raw()),
            ind.has_deadline_before_year_end(o.year)
                .then_some(c.on_time),
            "{at}: on time"
        );
        assert_eq!(
            r.target_min.map(|f| f.raw()),
            t.map(|t| t.min),
            "{at}: target"
        );
        assert_eq!(r.status, status(t, &c, ind, o), "{at}: status");
        assert_eq!(
            (r.records, r.with_evidence),
            (c.ids.len(), c.with_evidence),
            "{at}: records, with evidence"
        );
        assert_eq!(
            explain(plan, records, o, &r.indicator, &r.scope),
            Some(c.ids),
            "{at}: explain"
        );
    }
}

// ------------------------------------------------------------------ what a record contributes

fn day(s: &str) -> Date {
    duikou_domain::record::parse_iso_date(s).expect("an ISO date")
}

fn made(
    plan: &Plan,
    kind: &str,
    status: Status,
    plan_year: i32,
    fields: Vec<(&str, Value)>,
) -> EngineRecord {
    let kind = plan.kind(kind).expect("a kind of the plan");
    EngineRecord {
        id: 7,
        kind,
        status,
        plan_year,
        reporting_unit: "市经协办".to_string(),
        fields: fields
            .into_iter()
            .map(|(k, v)| (kind.field(k).expect("a field of the kind").key, v))
            .collect(),
        person_key: None,
        evidence_count: 1,
    }
}

/// (indicator, scope, years, counts from, counts until, on time from, value)
type Row<'a> = (
    &'a str,
    &'a str,
    (i32, Option<i32>),
    Date,
    Option<Date>,
    i32,
    i64,
);

fn rows<'a>(contributions: &[Contribution<'a>]) -> Vec<Row<'a>> {
    contributions
        .iter()
        .map(|c| {
            assert_eq!(
                (c.record_id, c.with_evidence, c.person_key),
                (7, true, None)
            );
            (
                c.indicator,
                c.scope,
                (c.year_from, c.year_to),
                c.counts_from,
                c.counts_until,
                c.on_time_from,
                c.value,
            )
        })
        .collect()
}

fn options(year: i32, as_of: &str, include_submitted: bool) -> AssessOptions {
    AssessOptions {
        year,
        as_of: day(as_of),
        include_submitted,
    }
}

#[test]
fn a_transfer_received_after_the_deadline_contributes_to_its_budget_year_never_on_time() {
    let plan = Plan::bundled();
    let transfer = |status, received: Option<&str>| {
        let mut fields = vec![
            ("source", Value::Enum("市级财政".into())),
            ("payer", Value::Unit("市财政局".into())),
            ("payee", Value::Unit("镇雄县".into())),
            ("amount", Value::Money(Fen::new(3_000_000_000))),
            ("budget_year", Value::Int(2019)),
        ];
        fields.extend(received.map(|d| ("received_on", Value::Date(day(d)))));
        made(&plan, "transfer", status, 2019, fields)
    };
    let received = transfer(Status::Submitted, Some("2019-04-15"));
    let contributions = classify(&plan, &received);
    let late = (day("2019-04-15"), None, 2020, 3_000_000_000);
    let row = |indicator, scope| {
        (
            indicator,
            scope,
            (2019, Some(2019)),
            late.0,
            late.1,
            late.2,
            late.3,
        )
    };
    assert_eq!(
        rows(&contributions),
        vec![
            row("3.1-fiscal-aid", "plan"),
            row("3.1-fiscal-aid-city", "plan"),
            row("3.1-fiscal-aid-per-county", "镇雄县"),
        ]
    );
    assert!(contributions.iter().all(|c| c.status == Status::Submitted));
    // Money not yet received, and records in draft or rejected, count nowhere.
    assert_eq!(classify(&plan, &transfer(Status::Approved, None)), vec![]);
    for status in [Status::Draft, Status::Rejected] {
        assert_eq!(
            classify(&plan, &transfer(status, Some("2019-03-01"))),
            vec![]
        );
    }
    // Submitted: counted only when asked, late, and only in its budget year.
    let figure = |o: &AssessOptions| {
        let a = fold(&plan, o, &contributions);
        let r = a
            .results
            .iter()
            .find(|r| r.indicator == "3.1-fiscal-aid")
            .unwrap();
        (r.actual.raw(), r.on_time.map(|f| f.raw()))
    };
    assert_eq!(figure(&options(2019, "2019-12-31", false)), (0, Some(0)));
    assert_eq!(
        figure(&options(2019, "2019-12-31", true)),
        (3_000_000_000, Some(0))
    );
    assert_eq!(figure(&options(2019, "2019-04-14", true)), (0, Some(0)));
    assert_eq!(figure(&options(2020, "2020-12-31", true)), (0, Some(0)));
}

#[test]
fn an_ended_pairing_counts_at_the_ends_of_the_years_before_and_until_its_end_after() {
    let plan = Plan::bundled();
    let pairing = made(
        &plan,
        "pairing",
        Status::Approved,
        2018,
        vec![
            ("kind", Value::Enum("校校结对".into())),
            ("east_party", Value::Text("某校".into())),
            ("east_town", Value::Unit("市教育局".into())),
            ("west_party", Value::Text("某校".into())),
            ("west_county", Value::Unit("镇雄县".into())),
            ("signed_on", Value::Date(day("2018-05-01"))),
            ("ended_on", Value::Date(day("2020-06-30"))),
        ],
    );
    let contributions = classify(&plan, &pairing);
    let signed = day("2018-05-01");
    assert_eq!(
        rows(&contributions),
        vec![
            (
                "2.2-school-pairs",
                "plan",
                (2018, Some(2019)),
                signed,
                None,
                2018,
                1
            ),
            (
                "2.2-school-pairs",
                "plan",
                (2020, None),
                signed,
                Some(day("2020-06-30")),
                2018,
                1
            ),
        ]
    );
    let pairs = |year, as_of| {
        let a = fold(&plan, &options(year, as_of, false), &contributions);
        let r = a
            .results
            .iter()
            .find(|r| r.indicator == "2.2-school-pairs")
            .unwrap();
        (r.actual.raw(), r.records)
    };
    assert_eq!(pairs(2018, "2018-04-30"), (0, 0));
    assert_eq!(pairs(2018, "2018-12-31"), (1, 1));
    // The year's end is what counts in a past year, whatever the as-of date.
    assert_eq!(pairs(2019, "2020-12-31"), (1, 1));
    assert_eq!(pairs(2020, "2020-06-29"), (1, 1));
    assert_eq!(pairs(2020, "2020-06-30"), (0, 0));
    assert_eq!(pairs(2021, "2021-12-31"), (0, 0));
}

fn random_assessments(plan: &Plan, seeds: std::ops::Range<u64>) {
    let makings = Makings::new(plan);
    let classifier = Classifier::new(plan);
    for seed in seeds {
        let mut rng = Rng(seed);
        let records = makings.records(&mut rng);
        // Classified once, folded for every assessment.
        let mut contributions = Vec::new();
        for r in &records {
            classifier.classify_into(r, &mut contributions);
        }
        for n in 0..4 {
            let o = makings.options(&mut rng);
            let case = format!("{} seed {seed} #{n} {o:?}", plan.meta.id);
            let a = fold(plan, &o, &contributions);
            check(plan, &records, &o, &a, &case);
            assert_eq!(a, assess(plan, &records, &o), "{case}: assess");
        }
    }
}

#[test]
fn the_bundled_plan_counts_random_records_by_the_rules() {
    random_assessments(&Plan::bundled(), 0..150);
}

#[test]
fn the_example_plan_counts_random_records_by_the_rules() {
    random_assessments(&example_plan(), 0..300);
}
