//! Hand-computed fixtures for every indicator of the bundled plan: each test builds a
//! few records, runs the engine and checks the figures and statuses a coordinator
//! would expect from docs/domain.md ("Counting rules", "Status of an indicator").

use duikou_domain::engine::{
    AssessOptions, Assessment, EngineRecord, Figure, IndicatorResult, IndicatorStatus, assess,
    explain,
};
use duikou_domain::plan::Plan;
use duikou_domain::plan::bundled_kind;
use duikou_domain::record::{Status, Value, parse_iso_date};
use duikou_domain::schema::BuiltinKind;
use duikou_domain::schema::RecordKind;
use time::Date;

use Figure::{Count, Money, Percent};
use IndicatorStatus::{Behind, Late, Met, NotMet, OnTrack, Tracked};

// ------------------------------------------------------------------ builders

fn d(s: &str) -> Date {
    parse_iso_date(s).unwrap_or_else(|| panic!("bad date in fixture: {s}"))
}

/// Money figure from whole yuan.
fn yuan(n: i64) -> Figure {
    Money(n * 100)
}

/// A record under construction; `run` numbers the records 1, 2, 3... in order.
struct R(EngineRecord);

fn rec(kind: RecordKind) -> R {
    R(EngineRecord {
        id: 0,
        kind,
        status: Status::Approved,
        plan_year: 0,
        reporting_unit: "市经协办".to_string(),
        fields: Default::default(),
        person_key: None,
        evidence_count: 0,
    })
}

impl R {
    fn set(mut self, key: &str, v: Value) -> R {
        // The schema's own key, as decoding gives (a key outside the schema, as a
        // hand-written record may hold, is kept too).
        let key = match self.0.kind.fields().iter().find(|fd| fd.key == key) {
            Some(fd) => fd.key,
            None => Box::leak(key.to_string().into_boxed_str()),
        };
        self.0.fields.insert(key, v);
        self
    }
    fn en(self, key: &str, label: &str) -> R {
        self.set(key, Value::Enum(label.to_string()))
    }
    fn text(self, key: &str, t: &str) -> R {
        self.set(key, Value::Text(t.to_string()))
    }
    fn unit(self, key: &str, u: &str) -> R {
        self.set(key, Value::Unit(u.to_string()))
    }
    fn units(self, key: &str, us: &[&str]) -> R {
        self.set(
            key,
            Value::Units(us.iter().map(|u| u.to_string()).collect()),
        )
    }
    fn on(self, key: &str, date: &str) -> R {
        self.set(key, Value::Date(d(date)))
    }
    fn int(self, key: &str, n: i64) -> R {
        self.set(key, Value::Int(n))
    }
    fn fen(self, key: &str, n: i64) -> R {
        self.set(key, Value::Money(duikou_domain::money::Fen::new(n)))
    }
    fn yuan(self, key: &str, n: i64) -> R {
        self.fen(key, n * 100)
    }
    fn flag(self, key: &str, b: bool) -> R {
        self.set(key, Value::Bool(b))
    }
    fn status(mut self, s: Status) -> R {
        self.0.status = s;
        self
    }
    fn evidence(mut self, n: u32) -> R {
        self.0.evidence_count = n;
        self
    }
    fn key(mut self, k: &str) -> R {
        self.0.person_key = Some(k.to_string());
        self
    }
    fn no_key(mut self) -> R {
        self.0.person_key = None;
        self
    }
    fn received(self, date: &str) -> R {
        self.on("received_on", date)
    }
    fn ended(self, date: &str) -> R {
        self.on("ended_on", date)
    }
    fn deep(self, b: bool) -> R {
        self.flag("deep_poverty", b)
    }
    fn participants(self, n: i64) -> R {
        self.int("participants", n)
    }
    fn organizers(self, us: &[&str]) -> R {
        self.units("organizers", us)
    }
    /// The plan year as validation derives it: a transfer's budget year, else the year
    /// of the record's date.
    fn done(mut self, id: i64) -> EngineRecord {
        self.0.id = id;
        if self.0.plan_year == 0 {
            self.0.plan_year = match self.0.kind.builtin() {
                Some(BuiltinKind::Transfer) => self
                    .0
                    .fields
                    .get("budget_year")
                    .expect("budget_year")
                    .as_amount()
                    .expect("budget_year") as i32,
                _ => self
                    .0
                    .fields
                    .get(self.0.kind.event_date_field())
                    .expect("event date")
                    .as_date()
                    .expect("event date")
                    .year(),
            };
        }
        self.0
    }
}

fn activity(kind: &str, held_on: &str) -> R {
    rec(bundled_kind(BuiltinKind::Activity))
        .en("kind", kind)
        .text("title", kind)
        .on("held_on", held_on)
        .organizers(&["市经协办"])
}

fn transfer(source: &str, payer: &str, payee: &str, amount_yuan: i64, budget_year: i64) -> R {
    rec(bundled_kind(BuiltinKind::Transfer))
        .en("source", source)
        .unit("payer", payer)
        .unit("payee", payee)
        .yuan("amount", amount_yuan)
        .int("budget_year", budget_year)
        .on("sent_on", &format!("{}-01-05", budget_year - 1))
        .text("voucher_no", "V")
}

fn secondment(
    category: &str,
    direction: &str,
    from: &str,
    to: &str,
    start: &str,
    end: Option<&str>,
) -> R {
    let r = rec(bundled_kind(BuiltinKind::Secondment))
        .text("name", "某")
        .en("category", category)
        .en("direction", direction)
        .unit("from_unit", from)
        .unit("to_unit", to)
        .on("start_on", start);
    match end {
        Some(e) => r.on("end_on", e),
        None => r,
    }
}

/// A 处级 cadre from Dongguan sitting on a county's leadership team (2.1-county-leaders).
fn county_leader(county: &str, start: &str, end: Option<&str>) -> R {
    secondment("党政干部", "东莞→昭通", "市委组织部", county, start, end)
        .text("rank", "处级")
        .flag("leadership_team", true)
}

fn person(programme: &str, key: &str, started_on: &str) -> R {
    rec(bundled_kind(BuiltinKind::Person))
        .en("programme", programme)
        .text("name", "某")
        .key(key)
        .on("started_on", started_on)
}

/// `n` different people of one programme, keys `{prefix}0`, `{prefix}1`, ...
fn persons(programme: &str, prefix: &str, n: usize, started_on: &str) -> Vec<R> {
    (0..n)
        .map(|i| person(programme, &format!("{prefix}{i}"), started_on))
        .collect()
}

fn pairing(kind: &str, east_town: &str, signed_on: &str) -> R {
    rec(bundled_kind(BuiltinKind::Pairing))
        .en("kind", kind)
        .text("east_party", east_town)
        .unit("east_town", east_town)
        .text("west_party", "某村")
        .unit("west_county", "镇雄县")
        .on("signed_on", signed_on)
}

fn facility(kind: &str, county: &str, established_on: &str) -> R {
    rec(bundled_kind(BuiltinKind::Facility))
        .en("kind", kind)
        .text("name", kind)
        .unit("county", county)
        .on("established_on", established_on)
}

fn purchase(amount_fen: i64, bought_on: &str) -> R {
    rec(bundled_kind(BuiltinKind::Purchase))
        .text("buyer", "某企业")
        .unit("origin_county", "镇雄县")
        .text("product", "天麻")
        .fen("amount", amount_fen)
        .on("bought_on", bought_on)
}

fn donation(amount_fen: i64, donated_on: &str) -> R {
    rec(bundled_kind(BuiltinKind::Donation))
        .text("donor", "某企业")
        .en("donor_type", "企业")
        .fen("amount", amount_fen)
        .unit("county", "镇雄县")
        .on("donated_on", donated_on)
}

fn project(disbursed_yuan: Option<i64>, started_on: &str) -> R {
    let r = rec(bundled_kind(BuiltinKind::Project))
        .text("name", "校舍")
        .unit("county", "镇雄县")
        .en("category", "校舍")
        .yuan("aid_amount", 100_000_000)
        .on("started_on", started_on);
    match disbursed_yuan {
        Some(y) => r.yuan("disbursed", y),
        None => r,
    }
}

fn numbered(rs: Vec<R>) -> Vec<EngineRecord> {
    rs.into_iter().zip(1..).map(|(r, id)| r.done(id)).collect()
}

fn opts(year: i32, as_of: &str) -> AssessOptions {
    AssessOptions {
        year,
        as_of: d(as_of),
        include_submitted: false,
    }
}

fn run(year: i32, as_of: &str, rs: Vec<R>) -> Assessment {
    assess(&Plan::bundled(), &numbered(rs), &opts(year, as_of))
}

fn run_records(year: i32, as_of: &str, records: &[EngineRecord]) -> Assessment {
    assess(&Plan::bundled(), records, &opts(year, as_of))
}

fn at<'a>(a: &'a Assessment, indicator: &str, scope: &str) -> &'a IndicatorResult {
    a.results
        .iter()
        .find(|r| r.indicator == indicator && r.scope == scope)
        .unwrap_or_else(|| panic!("no result for {indicator} / {scope}"))
}

#[track_caller]
fn check(a: &Assessment, indicator: &str, scope: &str, actual: Figure, status: IndicatorStatus) {
    let r = at(a, indicator, scope);
    assert_eq!(
        (r.actual, r.status),
        (actual, status),
        "{indicator} / {scope} in {} as of {}",
        a.year,
        a.as_of
    );
}

#[track_caller]
fn check_on_time(a: &Assessment, indicator: &str, scope: &str, on_time: Figure) {
    assert_eq!(
        at(a, indicator, scope).on_time,
        Some(on_time),
        "on_time of {indicator} / {scope}"
    );
}

// ------------------------------------------------------------------ coverage

/// Every indicator of the bundled plan has a fixture below; a new indicator must get one.
const FIXTURED: [&str; 55] = [
    "1.1-demo-bases",
    "1.2-investment-promotions",
    "1.3-tourism-promotions",
    "1.3-tourism-inspections",
    "1.3-tourists",
    "1.4-agri-purchases",
    "1.4-agri-trainings",
    "2.1-cadres-received",
    "2.1-zt-cadre-classes",
    "2.1-dg-cadre-classes",
    "2.1-county-leaders",
    "2.2-teacher-activities",
    "2.2-school-pairs",
    "2.3-hospital-pairs",
    "2.3-medical-batches",
    "2.3-medical-trainees",
    "3.1-fiscal-aid",
    "3.1-fiscal-aid-province",
    "3.1-fiscal-aid-city",
    "3.1-fiscal-aid-per-county",
    "3.2-aid-used",
    "4.1-relocation-sites",
    "5.1-training-sessions",
    "5.1-trainees",
    "5.2-employed",
    "5.2-employed-poor",
    "5.3-service-stations",
    "6.2-students",
    "6.3-rich-leaders",
    "7.1-donations",
    "7.1-volunteer-trips",
    "8.1-town-leader-visits",
    "8.1-town-joint-meetings",
    "8.1-lead-town-funds",
    "8.1-assist-town-funds",
    "8.2-lead-teachers",
    "8.2-lead-doctors",
    "8.2-assist-teachers",
    "8.2-assist-doctors",
    "8.3-lead-township-pairs",
    "8.3-lead-village-pairs",
    "8.3-assist-township-pairs",
    "8.3-assist-village-pairs",
    "8.4-lead-enterprise-villages",
    "8.4-assist-enterprise-villages",
    "9.1-city-leader-visits",
    "9.1-city-joint-meetings",
    "8.1-annual-plans",
    "1.1-investment-projects",
    "2.2-teachers-sent",
    "2.3-doctors-sent",
    "2.3-free-clinics",
    "5.2-job-fairs",
    "6.1-publicity",
    "8.1-talent-secondments",
];

#[test]
fn every_indicator_of_the_bundled_plan_has_a_fixture() {
    let plan = Plan::bundled();
    let ids: Vec<&str> = plan.indicators.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, FIXTURED);
}

#[test]
fn one_result_per_indicator_and_scope_unit_in_plan_order() {
    let plan = Plan::bundled();
    let a = run(2019, "2019-12-31", vec![]);
    // 37 plan-wide indicators, 3 per county (×6), 9 per lead town (×6), 6 per assisting town (×16).
    assert_eq!(a.results.len(), 37 + 3 * 6 + 9 * 6 + 6 * 16);
    let expected: Vec<(String, String)> = plan
        .indicators
        .iter()
        .flat_map(|ind| {
            let units = plan.scope_units(ind.scope);
            let scopes: Vec<String> = if units.is_empty() {
                vec!["plan".to_string()]
            } else {
                units.iter().map(|u| u.name.clone()).collect()
            };
            scopes.into_iter().map(move |s| (ind.id.clone(), s))
        })
        .collect();
    let got: Vec<(String, String)> = a
        .results
        .iter()
        .map(|r| (r.indicator.clone(), r.scope.clone()))
        .collect();
    assert_eq!(got, expected);
    let counties: Vec<&str> = a
        .results
        .iter()
        .filter(|r| r.indicator == "2.1-county-leaders")
        .map(|r| r.scope.as_str())
        .collect();
    assert_eq!(
        counties,
        ["昭阳区", "鲁甸县", "巧家县", "镇雄县", "彝良县", "威信县"]
    );
    assert_eq!(
        (a.plan.as_str(), a.year, a.as_of.as_str()),
        ("dongguan-zhaotong-2018-2020", 2019, "2019-12-31")
    );
}

// ------------------------------------------------------------------ action 1: industry

#[test]
fn demo_bases_have_a_target_only_in_2020_and_count_cumulatively() {
    let recs = || {
        vec![
            facility("产业示范基地", "镇雄县", "2018-05-01"),
            facility("产业示范基地", "彝良县", "2020-06-01"),
            facility("劳务工作站", "东莞市", "2018-01-01"),
            // Established after the as-of date: not yet there.
            facility("产业示范基地", "昭阳区", "2021-01-05"),
            facility("产业示范基地", "巧家县", "2018-02-01").status(Status::Draft),
        ]
    };
    let a2019 = run(2019, "2019-12-31", recs());
    check(&a2019, "1.1-demo-bases", "plan", Count(1), Tracked);
    let r = at(&a2019, "1.1-demo-bases", "plan");
    assert_eq!((r.target_min, r.target_max), (None, None));

    let a2018 = run(2018, "2018-12-31", recs());
    check(&a2018, "1.1-demo-bases", "plan", Count(1), Tracked);

    // Earlier years' bases still count in 2020: 1 + 1 = 2, within the 1–3 range.
    let a2020 = run(2020, "2020-12-31", recs());
    check(&a2020, "1.1-demo-bases", "plan", Count(2), Met);
    let r = at(&a2020, "1.1-demo-bases", "plan");
    assert_eq!(
        (r.target_min, r.target_max, r.above_range),
        (Some(Count(1)), Some(Count(3)), false)
    );
}

#[test]
fn investment_promotions_count_approved_records_and_submitted_on_request() {
    let recs = vec![
        activity("招商推介会", "2018-11-01"),
        activity("招商推介会", "2019-04-01").status(Status::Submitted),
        activity("招商推介会", "2019-05-01").status(Status::Draft),
        activity("招商推介会", "2019-06-01").status(Status::Rejected),
    ];
    let records = numbered(recs);
    let plan = Plan::bundled();

    let a = run_records(2019, "2019-12-31", &records);
    check(&a, "1.2-investment-promotions", "plan", Count(0), NotMet);
    assert!(!a.include_submitted);

    let with_submitted = AssessOptions {
        include_submitted: true,
        ..opts(2019, "2019-12-31")
    };
    let a = assess(&plan, &records, &with_submitted);
    check(&a, "1.2-investment-promotions", "plan", Count(1), Met);
    assert!(a.include_submitted);
    assert_eq!(
        explain(
            &plan,
            &records,
            &with_submitted,
            "1.2-investment-promotions",
            "plan"
        ),
        Some(vec![2])
    );

    // The 2018 meeting counts for 2018 only.
    let a = run_records(2018, "2018-12-31", &records);
    check(&a, "1.2-investment-promotions", "plan", Count(1), Met);

    // Mid-March with nothing held: behind (target 1 × 59 of 364 days elapsed > 0).
    let a = run_records(2019, "2019-03-01", &records);
    check(&a, "1.2-investment-promotions", "plan", Count(0), Behind);
}

#[test]
fn tourism_promotions_over_the_range_are_met_and_flagged() {
    let three = || {
        vec![
            activity("旅游推介", "2019-03-01"),
            activity("旅游推介", "2019-06-01"),
            activity("旅游推介", "2019-09-01"),
        ]
    };
    let a = run(2019, "2019-12-31", three());
    check(&a, "1.3-tourism-promotions", "plan", Count(3), Met);
    let r = at(&a, "1.3-tourism-promotions", "plan");
    assert!(r.above_range);
    assert_eq!(
        (r.target_min, r.target_max),
        (Some(Count(1)), Some(Count(2)))
    );

    let a = run(2019, "2019-12-31", three().into_iter().take(2).collect());
    check(&a, "1.3-tourism-promotions", "plan", Count(2), Met);
    assert!(!at(&a, "1.3-tourism-promotions", "plan").above_range);
}

#[test]
fn tourism_inspections_count_up_to_the_as_of_date() {
    let recs = || {
        vec![
            activity("旅游企业考察", "2019-09-09"),
            activity("旅游推介", "2019-03-01"),
        ]
    };
    check(
        &run(2019, "2019-12-31", recs()),
        "1.3-tourism-inspections",
        "plan",
        Count(1),
        Met,
    );
    // Held after the as-of date: not yet counted; 0 after half a year is behind pace.
    check(
        &run(2019, "2019-06-30", recs()),
        "1.3-tourism-inspections",
        "plan",
        Count(0),
        Behind,
    );
}

#[test]
fn tourists_sum_participants_of_promotions_and_inspections() {
    let recs = vec![
        activity("旅游推介", "2019-03-01").participants(120),
        activity("旅游企业考察", "2019-05-01").participants(30),
        activity("招商推介会", "2019-05-02").participants(500),
        // No head count given: counted as a record, adds nothing.
        activity("旅游推介", "2019-07-01"),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "1.3-tourists", "plan", Count(150), Tracked);
    let r = at(&a, "1.3-tourists", "plan");
    assert_eq!((r.records, r.target_min, r.unit.as_str()), (3, None, "人"));
}

#[test]
fn agri_purchases_sum_money_of_the_year() {
    let recs = vec![
        purchase(123_450, "2019-03-01"),
        purchase(10_000, "2019-08-01"),
        purchase(99_900, "2018-12-31"),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "1.4-agri-purchases", "plan", Money(133_450), Tracked);
    assert_eq!(at(&a, "1.4-agri-purchases", "plan").records, 2);
}

#[test]
fn agri_trainings_range_target() {
    let a = run(
        2019,
        "2019-12-31",
        vec![activity("农业技能培训", "2019-10-10")],
    );
    check(&a, "1.4-agri-trainings", "plan", Count(1), Met);
    assert!(!at(&a, "1.4-agri-trainings", "plan").above_range);
    let a = run(
        2019,
        "2019-12-31",
        vec![activity("农业技能培训", "2018-10-10")],
    );
    check(&a, "1.4-agri-trainings", "plan", Count(0), NotMet);
}

// ------------------------------------------------------------------ action 2: people

#[test]
fn cadres_received_count_zhaotong_cadres_starting_in_the_year() {
    let cadre = |start: &str| {
        secondment(
            "党政干部",
            "昭通→东莞",
            "昭阳区",
            "市委组织部",
            start,
            Some("2020-06-30"),
        )
    };
    let mut recs: Vec<R> = (1..=9).map(|m| cadre(&format!("2019-{m:02}-01"))).collect();
    recs.push(cadre("2018-09-01")); // the year before
    recs.push(secondment(
        "党政干部",
        "东莞→昭通",
        "市委组织部",
        "昭阳区",
        "2019-03-01",
        None,
    )); // wrong direction
    recs.push(secondment(
        "教师",
        "昭通→东莞",
        "昭阳区",
        "市教育局",
        "2019-03-01",
        None,
    )); // not a cadre
    let a = run(2019, "2019-12-31", recs);
    check(&a, "2.1-cadres-received", "plan", Count(9), NotMet);

    let mut recs: Vec<R> = (1..=9).map(|m| cadre(&format!("2019-{m:02}-01"))).collect();
    recs.push(cadre("2019-10-01"));
    check(
        &run(2019, "2019-12-31", recs),
        "2.1-cadres-received",
        "plan",
        Count(10),
        Met,
    );
}

#[test]
fn cadre_classes_in_both_directions() {
    let a = run(
        2019,
        "2019-12-31",
        vec![activity("昭通干部来莞培训班", "2019-11-20")],
    );
    check(&a, "2.1-zt-cadre-classes", "plan", Count(1), Met);
    check(&a, "2.1-dg-cadre-classes", "plan", Count(0), NotMet);
    let a = run(
        2019,
        "2019-12-31",
        vec![activity("东莞干部赴昭培训班", "2019-04-20")],
    );
    check(&a, "2.1-zt-cadre-classes", "plan", Count(0), NotMet);
    check(&a, "2.1-dg-cadre-classes", "plan", Count(1), Met);
}

#[test]
fn county_leaders_count_while_in_post_during_the_year() {
    let recs = || {
        vec![
            county_leader("镇雄县", "2018-06-01", Some("2019-05-31")),
            county_leader("彝良县", "2017-03-01", None),
            county_leader("巧家县", "2019-01-01", Some("2020-12-31")).text("rank", "科级"),
            // Not on the leadership team: a missing answer means 否.
            secondment(
                "党政干部",
                "东莞→昭通",
                "市委组织部",
                "威信县",
                "2019-01-01",
                None,
            )
            .text("rank", "处级"),
            county_leader("昭阳区", "2019-01-01", None).flag("leadership_team", false),
            county_leader("鲁甸县", "2020-01-01", Some("2021-12-31")),
        ]
    };
    let a = run(2019, "2019-12-31", recs());
    check(&a, "2.1-county-leaders", "镇雄县", Count(1), Met);
    check(&a, "2.1-county-leaders", "彝良县", Count(1), Met);
    check(&a, "2.1-county-leaders", "巧家县", Count(0), NotMet);
    check(&a, "2.1-county-leaders", "威信县", Count(0), NotMet);
    check(&a, "2.1-county-leaders", "昭阳区", Count(0), NotMet);
    check(&a, "2.1-county-leaders", "鲁甸县", Count(0), NotMet);

    // The 2018-06-01..2019-05-31 post is over by 2020; the open-ended one goes on.
    let a = run(2020, "2020-12-31", recs());
    check(&a, "2.1-county-leaders", "镇雄县", Count(0), NotMet);
    check(&a, "2.1-county-leaders", "彝良县", Count(1), Met);
    check(&a, "2.1-county-leaders", "鲁甸县", Count(1), Met);

    let a = run(2018, "2018-12-31", recs());
    check(&a, "2.1-county-leaders", "镇雄县", Count(1), Met);
    // Before the secondment starts: 0 after 120 days is behind.
    let a = run(2018, "2018-05-01", recs());
    check(&a, "2.1-county-leaders", "镇雄县", Count(0), Behind);
    check(&a, "2.1-county-leaders", "彝良县", Count(1), Met);
}

#[test]
fn teacher_activities_pace_through_the_year() {
    let recs = || {
        vec![
            activity("教师培训交流", "2019-02-01").evidence(2),
            activity("教师培训交流", "2019-03-01"),
            activity("教师培训交流", "2019-11-01").evidence(1),
            activity("教师培训交流", "2019-12-01"),
        ]
    };
    // as of 04-01: 2 held; pace 4 × 90/364 ≈ 0.99, and 2 × 364 = 728 ≥ 4 × 90 = 360.
    check(
        &run(2019, "2019-04-01", recs()),
        "2.2-teacher-activities",
        "plan",
        Count(2),
        OnTrack,
    );
    // as of 10-01: still 2; 2 × 364 = 728 < 4 × 273 = 1092.
    check(
        &run(2019, "2019-10-01", recs()),
        "2.2-teacher-activities",
        "plan",
        Count(2),
        Behind,
    );
    let a = run(2019, "2019-12-31", recs());
    check(&a, "2.2-teacher-activities", "plan", Count(4), Met);
    let r = at(&a, "2.2-teacher-activities", "plan");
    assert_eq!((r.records, r.with_evidence), (4, 2));
    // Only three by the year end: the year is over.
    check(
        &run(2019, "2019-12-31", recs().into_iter().take(3).collect()),
        "2.2-teacher-activities",
        "plan",
        Count(3),
        NotMet,
    );
}

#[test]
fn school_pairs_are_active_at_year_end_and_end_on_their_end_date() {
    let recs = || {
        let mut v: Vec<R> = (0..4)
            .map(|_| pairing("校校结对", "市教育局", "2018-03-01"))
            .collect();
        v.push(pairing("校校结对", "市教育局", "2019-05-01"));
        // Ended on 12-31: not active at the end of 2019.
        v.push(pairing("校校结对", "市教育局", "2019-06-01").ended("2019-12-31"));
        // Ended on 2020-01-01: still active at the end of 2019.
        v.push(pairing("校校结对", "市教育局", "2018-09-01").ended("2020-01-01"));
        v
    };
    check(
        &run(2018, "2018-12-31", recs()),
        "2.2-school-pairs",
        "plan",
        Count(5),
        NotMet,
    );
    check(
        &run(2019, "2019-12-31", recs()),
        "2.2-school-pairs",
        "plan",
        Count(6),
        Met,
    );
    check(
        &run(2020, "2020-12-31", recs()),
        "2.2-school-pairs",
        "plan",
        Count(5),
        NotMet,
    );
    // As of 12-30 the pairing ending 12-31 is still active.
    check(
        &run(2019, "2019-12-30", recs()),
        "2.2-school-pairs",
        "plan",
        Count(7),
        Met,
    );
}

#[test]
fn hospital_pairs_signed_in_earlier_years_keep_counting() {
    let recs = || {
        let mut v: Vec<R> = (1..=6)
            .map(|m| pairing("院院结对", "市卫计局", &format!("2018-{m:02}-15")))
            .collect();
        v.push(pairing("校校结对", "市教育局", "2019-01-15"));
        v.push(pairing("院院结对", "市卫计局", "2019-06-01").status(Status::Rejected));
        v
    };
    check(
        &run(2019, "2019-12-31", recs()),
        "2.3-hospital-pairs",
        "plan",
        Count(6),
        Met,
    );
    check(
        &run(2020, "2020-12-31", recs()),
        "2.3-hospital-pairs",
        "plan",
        Count(6),
        Met,
    );
}

#[test]
fn medical_batches_and_trainees() {
    let recs = |third: i64| {
        vec![
            activity("医疗骨干来莞培训", "2019-03-10").participants(20),
            activity("医疗骨干来莞培训", "2019-06-10").participants(15),
            activity("医疗骨干来莞培训", "2019-09-10").participants(third),
            activity("义诊", "2019-09-10").participants(100),
        ]
    };
    let a = run(2019, "2019-12-31", recs(10));
    check(&a, "2.3-medical-batches", "plan", Count(3), Met);
    check(&a, "2.3-medical-trainees", "plan", Count(45), Met);
    let a = run(2019, "2019-12-31", recs(9));
    check(&a, "2.3-medical-batches", "plan", Count(3), Met);
    check(&a, "2.3-medical-trainees", "plan", Count(44), NotMet);
}

// ------------------------------------------------------------------ action 3: money

#[test]
fn fiscal_aid_received_after_the_deadline_is_late() {
    let late = || {
        vec![transfer("市级财政", "市财政局", "镇雄县", 180_000_000, 2019).received("2019-04-02")]
    };
    let a = run(2019, "2019-12-31", late());
    check(&a, "3.1-fiscal-aid", "plan", yuan(180_000_000), Late);
    check_on_time(&a, "3.1-fiscal-aid", "plan", yuan(0));

    // The day after the deadline, before the money arrives: the deadline is over.
    let a = run(2019, "2019-04-01", late());
    check(&a, "3.1-fiscal-aid", "plan", yuan(0), NotMet);

    let on_time =
        vec![transfer("市级财政", "市财政局", "镇雄县", 180_000_000, 2019).received("2019-03-31")];
    let a = run(2019, "2019-12-31", on_time);
    check(&a, "3.1-fiscal-aid", "plan", yuan(180_000_000), Met);
    check_on_time(&a, "3.1-fiscal-aid", "plan", yuan(180_000_000));
    assert_eq!(at(&a, "3.1-fiscal-aid", "plan").deadline, "2019-03-31");

    // Before the deadline with nothing received: behind pace.
    check(
        &run(2019, "2019-03-15", late()),
        "3.1-fiscal-aid",
        "plan",
        yuan(0),
        Behind,
    );
}

fn fiscal_aid_mix() -> Vec<R> {
    vec![
        transfer("省级财政", "省财政", "镇雄县", 18_000_000, 2019).received("2019-03-20"),
        transfer("市级财政", "市财政局", "镇雄县", 12_000_000, 2019).received("2019-03-25"),
        transfer("市级财政", "市财政局", "彝良县", 30_000_000, 2019).received("2019-04-10"),
        // Not confirmed by the payee: counts nowhere.
        transfer("市级财政", "市财政局", "巧家县", 30_000_000, 2019),
        // Budget year 2018, received in 2019: belongs to 2018.
        transfer("市级财政", "市财政局", "昭阳区", 30_000_000, 2018).received("2019-01-10"),
        transfer("社会资金", "市经协办", "威信县", 5_000_000, 2019).received("2019-02-01"),
        transfer("市级财政", "市财政局", "鲁甸县", 30_000_000, 2019)
            .received("2019-03-31")
            .status(Status::Submitted),
        // Budget year 2020, received early.
        transfer("省级财政", "省财政", "巧家县", 30_000_000, 2020).received("2019-12-20"),
    ]
}

#[test]
fn fiscal_aid_totals_by_source() {
    let a = run(2019, "2019-12-31", fiscal_aid_mix());
    // 18M + 12M on time, 30M late; the unconfirmed, 2018, social and submitted ones not at all.
    check(&a, "3.1-fiscal-aid", "plan", yuan(60_000_000), NotMet);
    check_on_time(&a, "3.1-fiscal-aid", "plan", yuan(30_000_000));
    assert_eq!(at(&a, "3.1-fiscal-aid", "plan").records, 3);
    check(&a, "3.1-fiscal-aid-province", "plan", yuan(18_000_000), Met);
    check(&a, "3.1-fiscal-aid-city", "plan", yuan(42_000_000), NotMet);
    check_on_time(&a, "3.1-fiscal-aid-city", "plan", yuan(12_000_000));

    let with_submitted = AssessOptions {
        include_submitted: true,
        ..opts(2019, "2019-12-31")
    };
    let a = assess(
        &Plan::bundled(),
        &numbered(fiscal_aid_mix()),
        &with_submitted,
    );
    check(&a, "3.1-fiscal-aid-city", "plan", yuan(72_000_000), NotMet);
    check(
        &a,
        "3.1-fiscal-aid-per-county",
        "鲁甸县",
        yuan(30_000_000),
        Met,
    );

    // Assessed in 2020: the 2020 money received in December 2019 was on time.
    let a = run(2020, "2020-12-31", fiscal_aid_mix());
    check(&a, "3.1-fiscal-aid-province", "plan", yuan(30_000_000), Met);
}

#[test]
fn fiscal_aid_per_county_goes_to_the_payee() {
    let a = run(2019, "2019-12-31", fiscal_aid_mix());
    // Paid by the province and the city, both to 镇雄县 on time.
    check(
        &a,
        "3.1-fiscal-aid-per-county",
        "镇雄县",
        yuan(30_000_000),
        Met,
    );
    check(
        &a,
        "3.1-fiscal-aid-per-county",
        "彝良县",
        yuan(30_000_000),
        Late,
    );
    check_on_time(&a, "3.1-fiscal-aid-per-county", "彝良县", yuan(0));
    check(&a, "3.1-fiscal-aid-per-county", "巧家县", yuan(0), NotMet);
    check(&a, "3.1-fiscal-aid-per-county", "昭阳区", yuan(0), NotMet);
    check(&a, "3.1-fiscal-aid-per-county", "威信县", yuan(0), NotMet);
    check(&a, "3.1-fiscal-aid-per-county", "鲁甸县", yuan(0), NotMet);

    // The 2018 money for 昭阳区, received 2019-01-10 and assessed late in 2019: reached
    // only after 2018's deadline (its year end: the plan was issued in September).
    let a = run(2018, "2019-12-31", fiscal_aid_mix());
    check(
        &a,
        "3.1-fiscal-aid-per-county",
        "昭阳区",
        yuan(30_000_000),
        Late,
    );
    assert_eq!(
        at(&a, "3.1-fiscal-aid-per-county", "昭阳区").deadline,
        "2018-12-31"
    );

    let a = run(2020, "2020-12-31", fiscal_aid_mix());
    check(
        &a,
        "3.1-fiscal-aid-per-county",
        "巧家县",
        yuan(30_000_000),
        Met,
    );
}

#[test]
fn aid_used_is_disbursed_over_fiscal_aid_received() {
    let recs = || {
        vec![
            transfer("市级财政", "市财政局", "镇雄县", 180_000_000, 2019).received("2019-03-01"),
            project(Some(50_000_000), "2019-04-01"),
            project(Some(32_206_000), "2019-05-01"),
            project(None, "2019-06-01"),
            project(Some(99_999), "2018-06-01"),
        ]
    };
    // 82,206,000 / 180,000,000 = 45.67 %.
    let a = run(2019, "2019-12-31", recs());
    check(&a, "3.2-aid-used", "plan", Percent(4567), Tracked);
    let r = at(&a, "3.2-aid-used", "plan");
    assert_eq!((r.records, r.unit.as_str(), r.target_min), (3, "%", None));

    // 2 yuan of 3: 66.666… % rounds half up to 66.67.
    let small = vec![
        transfer("省级财政", "省财政", "镇雄县", 3, 2019).received("2019-03-01"),
        project(Some(2), "2019-04-01"),
    ];
    check(
        &run(2019, "2019-12-31", small),
        "3.2-aid-used",
        "plan",
        Percent(6667),
        Tracked,
    );

    // No fiscal aid received in 2020: the ratio is 0 rather than a division by zero.
    let none = vec![project(Some(1_000), "2020-04-01")];
    check(
        &run(2020, "2020-12-31", none),
        "3.2-aid-used",
        "plan",
        Percent(0),
        Tracked,
    );
}

// ------------------------------------------------------------------ actions 4–7

#[test]
fn relocation_sites_per_county_cumulative() {
    let recs = || {
        vec![
            facility("易地搬迁安置点", "镇雄县", "2018-07-01"),
            facility("易地搬迁安置点", "彝良县", "2020-03-01"),
            facility("产业示范基地", "巧家县", "2019-03-01"),
        ]
    };
    let a = run(2019, "2019-12-31", recs());
    check(&a, "4.1-relocation-sites", "镇雄县", Count(1), Met);
    check(&a, "4.1-relocation-sites", "彝良县", Count(0), NotMet);
    check(&a, "4.1-relocation-sites", "巧家县", Count(0), NotMet);
    let a = run(2020, "2020-12-31", recs());
    check(&a, "4.1-relocation-sites", "镇雄县", Count(1), Met);
    check(&a, "4.1-relocation-sites", "彝良县", Count(1), Met);
}

#[test]
fn training_sessions() {
    let recs = |last: Status| {
        let mut v: Vec<R> = (1..=5)
            .map(|m| activity("就业技能培训", &format!("2019-{m:02}-10")))
            .collect();
        v.push(activity("就业技能培训", "2019-08-10").status(last));
        v.push(activity("劳务招聘会", "2019-08-10"));
        v
    };
    check(
        &run(2019, "2019-12-31", recs(Status::Approved)),
        "5.1-training-sessions",
        "plan",
        Count(6),
        Met,
    );
    check(
        &run(2019, "2019-12-31", recs(Status::Draft)),
        "5.1-training-sessions",
        "plan",
        Count(5),
        NotMet,
    );
}

#[test]
fn trainees_are_distinct_persons() {
    let mut recs = persons("技能培训", "T", 1500, "2019-05-01");
    recs.push(person("技能培训", "T0", "2019-08-01")); // the same person trained twice
    recs.push(person("技能培训", "X", "2019-08-01").no_key()); // no ID: cannot be told apart
    recs.push(person("劳务就业", "T1", "2019-08-01"));
    let a = run(2019, "2019-12-31", recs);
    check(&a, "5.1-trainees", "plan", Count(1500), Met);
    assert_eq!(at(&a, "5.1-trainees", "plan").records, 1501);
}

#[test]
fn employed_on_track_or_behind_mid_year() {
    // As of 2019-07-01, 181 of the 364 days from 01-01 to the 12-31 deadline have passed:
    // pace = 8000 × 181 / 364 ≈ 3978.02. 4100 ≥ that (4100 × 364 = 1,492,400 ≥
    // 8000 × 181 = 1,448,000) is on track; 3900 (1,419,600) is behind.
    let mut recs = persons("劳务就业", "E", 4100, "2019-03-01");
    recs.extend(persons("劳务就业", "L", 200, "2019-08-01")); // after the as-of date
    check(
        &run(2019, "2019-07-01", recs),
        "5.2-employed",
        "plan",
        Count(4100),
        OnTrack,
    );

    let recs = persons("劳务就业", "E", 3900, "2019-03-01");
    check(
        &run(2019, "2019-07-01", recs),
        "5.2-employed",
        "plan",
        Count(3900),
        Behind,
    );
}

#[test]
fn employed_counts_a_person_once_per_year_and_in_each_year() {
    let recs = || {
        vec![
            person("劳务就业", "P1", "2018-05-01"),
            person("劳务就业", "P1", "2019-05-01"),
            person("劳务就业", "P2", "2019-06-01"),
            person("劳务就业", "P2", "2019-09-01"),
            person("技能培训", "P3", "2019-09-01"),
        ]
    };
    let a = run(2019, "2019-12-31", recs());
    check(&a, "5.2-employed", "plan", Count(2), NotMet);
    assert_eq!(at(&a, "5.2-employed", "plan").records, 3);
    check(
        &run(2018, "2018-12-31", recs()),
        "5.2-employed",
        "plan",
        Count(1),
        NotMet,
    );
}

#[test]
fn employed_poor_needs_registered_poor_yes() {
    let recs = vec![
        person("劳务就业", "P1", "2019-05-01").flag("registered_poor", true),
        person("劳务就业", "P1", "2019-07-01").flag("registered_poor", true),
        person("劳务就业", "P2", "2019-05-01").flag("registered_poor", false),
        person("劳务就业", "P3", "2019-05-01"),
        person("技能培训", "P4", "2019-05-01").flag("registered_poor", true),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "5.2-employed-poor", "plan", Count(1), Tracked);
    check(&a, "5.2-employed", "plan", Count(3), NotMet);
}

#[test]
fn service_station_in_dongguan_cumulative() {
    let recs = || vec![facility("劳务工作站", "东莞市", "2019-09-01")];
    check(
        &run(2019, "2019-06-30", recs()),
        "5.3-service-stations",
        "plan",
        Count(0),
        Behind,
    );
    check(
        &run(2019, "2019-12-31", recs()),
        "5.3-service-stations",
        "plan",
        Count(1),
        Met,
    );
    check(
        &run(2020, "2020-12-31", recs()),
        "5.3-service-stations",
        "plan",
        Count(1),
        Met,
    );
    check(
        &run(2018, "2018-12-31", recs()),
        "5.3-service-stations",
        "plan",
        Count(0),
        NotMet,
    );
}

#[test]
fn students_have_a_target_per_year() {
    let recs = || {
        let mut v = persons("0+3招生", "S", 1600, "2018-09-01");
        v.extend(persons("0+3招生", "N", 1899, "2019-09-01"));
        // S0 enrolled again in 2019: counted in each year.
        v.push(person("0+3招生", "S0", "2019-09-01"));
        v
    };
    let a = run(2018, "2018-12-31", recs());
    check(&a, "6.2-students", "plan", Count(1600), Met);
    assert_eq!(at(&a, "6.2-students", "plan").target_min, Some(Count(1600)));
    let a = run(2019, "2019-12-31", recs());
    check(&a, "6.2-students", "plan", Count(1900), Met);
    assert_eq!(at(&a, "6.2-students", "plan").target_min, Some(Count(1900)));
    let mut short = recs();
    short.pop();
    check(
        &run(2019, "2019-12-31", short),
        "6.2-students",
        "plan",
        Count(1899),
        NotMet,
    );
}

#[test]
fn rich_leaders_tracked_distinct() {
    let recs = vec![
        person("致富带头人", "L1", "2019-04-01"),
        person("致富带头人", "L1", "2019-10-01"),
        person("致富带头人", "L2", "2019-10-01"),
    ];
    check(
        &run(2019, "2019-12-31", recs),
        "6.3-rich-leaders",
        "plan",
        Count(2),
        Tracked,
    );
}

#[test]
fn donations_and_volunteer_trips_are_tracked() {
    let recs = vec![
        donation(100_000_000, "2019-05-01"),
        donation(5, "2019-06-01"),
        donation(7_000, "2018-06-01"),
        activity("志愿服务", "2019-07-01"),
        activity("志愿服务", "2019-08-01"),
        activity("志愿服务", "2019-09-01").status(Status::Draft),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "7.1-donations", "plan", Money(100_000_005), Tracked);
    check(&a, "7.1-volunteer-trips", "plan", Count(2), Tracked);
}

// ------------------------------------------------------------------ action 8: towns

fn town_activities() -> Vec<R> {
    vec![
        activity("镇街领导调研对接", "2019-04-01").organizers(&["清溪镇", "黄江镇", "企石镇"]),
        activity("镇街领导调研对接", "2019-05-01").organizers(&["清溪镇"]),
        activity("镇县党政联席会议", "2019-06-01").organizers(&["石碣镇"]),
    ]
}

#[test]
fn town_leader_visits_count_for_every_organiser() {
    let a = run(2019, "2019-12-31", town_activities());
    check(&a, "8.1-town-leader-visits", "清溪镇", Count(2), Met);
    check(&a, "8.1-town-leader-visits", "黄江镇", Count(1), Met);
    check(&a, "8.1-town-leader-visits", "石碣镇", Count(0), NotMet);
    check(&a, "8.1-town-leader-visits", "樟木头镇", Count(0), NotMet);
    // 企石镇 is an assisting town: not a scope of this indicator.
    assert!(
        !a.results
            .iter()
            .any(|r| r.indicator == "8.1-town-leader-visits" && r.scope == "企石镇")
    );
}

#[test]
fn town_joint_meetings() {
    let a = run(2019, "2019-12-31", town_activities());
    check(&a, "8.1-town-joint-meetings", "石碣镇", Count(1), Met);
    check(&a, "8.1-town-joint-meetings", "清溪镇", Count(0), NotMet);
    check(
        &run(2020, "2020-12-31", town_activities()),
        "8.1-town-joint-meetings",
        "石碣镇",
        Count(0),
        NotMet,
    );
}

#[test]
fn lead_town_funds_count_only_money_to_the_paired_county() {
    let recs = || {
        vec![
            transfer("镇街财政", "清溪镇", "镇雄县", 1_000_000, 2019).received("2019-06-01"),
            // 清溪镇 is paired with 镇雄县: money to 彝良县 does not count for it.
            transfer("镇街财政", "清溪镇", "彝良县", 500_000, 2019).received("2019-06-01"),
            transfer("镇街财政", "黄江镇", "彝良县", 600_000, 2019).received("2019-07-01"),
            transfer("镇街财政", "黄江镇", "彝良县", 400_000, 2019), // not confirmed
            transfer("市级财政", "石碣镇", "昭阳区", 1_000_000, 2019).received("2019-07-01"),
            transfer("镇街财政", "大岭山镇", "威信县", 1_000_000, 2019).received("2020-01-20"),
        ]
    };
    let a = run(2019, "2019-12-31", recs());
    check(&a, "8.1-lead-town-funds", "清溪镇", yuan(1_000_000), Met);
    check(&a, "8.1-lead-town-funds", "黄江镇", yuan(600_000), NotMet);
    check(&a, "8.1-lead-town-funds", "石碣镇", yuan(0), NotMet);
    check(&a, "8.1-lead-town-funds", "大岭山镇", yuan(0), NotMet);
    // No deadline before 12-31: no on_time figure.
    assert_eq!(at(&a, "8.1-lead-town-funds", "清溪镇").on_time, None);
    assert_eq!(
        at(&a, "8.1-lead-town-funds", "清溪镇").target_min,
        Some(yuan(1_000_000))
    );

    // 2019 money that arrived in January 2020, seen in a later assessment: late.
    let a = run(2019, "2020-02-01", recs());
    check(&a, "8.1-lead-town-funds", "大岭山镇", yuan(1_000_000), Late);
}

#[test]
fn assisting_town_funds() {
    let recs = vec![
        transfer("镇街财政", "企石镇", "镇雄县", 300_000, 2019).received("2019-05-01"),
        // 麻涌镇 assists 彝良县.
        transfer("镇街财政", "麻涌镇", "镇雄县", 300_000, 2019).received("2019-05-01"),
        transfer("镇街财政", "望牛墩镇", "彝良县", 200_000, 2019).received("2019-05-01"),
        transfer("镇街财政", "望牛墩镇", "彝良县", 100_000, 2019).received("2019-11-01"),
        transfer("镇街财政", "清溪镇", "镇雄县", 1_000_000, 2019).received("2019-05-01"),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "8.1-assist-town-funds", "企石镇", yuan(300_000), Met);
    check(&a, "8.1-assist-town-funds", "麻涌镇", yuan(0), NotMet);
    check(&a, "8.1-assist-town-funds", "望牛墩镇", yuan(300_000), Met);
    check(&a, "8.1-assist-town-funds", "石排镇", yuan(0), NotMet);
    assert_eq!(
        a.results
            .iter()
            .filter(|r| r.indicator == "8.1-assist-town-funds")
            .count(),
        16
    );
}

/// The county a town works for: 8.2 counts only teachers and doctors sent there.
fn paired(town: &str) -> &'static str {
    let plan = Plan::bundled();
    let county = plan.paired_county(town).unwrap_or("镇雄县");
    Box::leak(county.to_string().into_boxed_str())
}

fn teacher(from: &str, start: &str, end: Option<&str>) -> R {
    secondment("教师", "东莞→昭通", from, paired(from), start, end)
}

fn doctor(from: &str, start: &str, end: Option<&str>) -> R {
    secondment("医生", "东莞→昭通", from, paired(from), start, end)
}

/// A record of one of the bundled plan's own kinds (agreement, progress).
fn own(kind: &str) -> R {
    let plan = Plan::bundled();
    rec(plan.kind(kind).unwrap_or_else(|| panic!("no kind {kind}")))
}

fn agreement(kind: &str, east: &str, west: &str, signed_on: &str) -> R {
    own("agreement")
        .en("type", kind)
        .text("title", kind)
        .unit("east_unit", east)
        .unit("west_unit", west)
        .on("signed_on", signed_on)
}

#[test]
fn teachers_and_doctors_count_for_a_town_only_when_sent_to_its_paired_county() {
    let recs = vec![
        // 清溪镇 is paired with 镇雄县: a teacher it sends to 彝良县 is not its 8.2.
        secondment(
            "教师",
            "东莞→昭通",
            "清溪镇",
            "彝良县",
            "2019-03-01",
            Some("2020-03-01"),
        ),
        secondment(
            "教师",
            "东莞→昭通",
            "清溪镇",
            "镇雄县",
            "2019-03-01",
            Some("2020-03-01"),
        ),
        secondment(
            "医生",
            "东莞→昭通",
            "企石镇",
            "巧家县",
            "2019-03-01",
            Some("2020-03-01"),
        ),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "8.2-lead-teachers", "清溪镇", Count(1), NotMet);
    check(&a, "8.2-assist-doctors", "企石镇", Count(0), NotMet);
    // Programme-wide, every teacher and doctor sent counts (2.2, 2.3).
    check(&a, "2.2-teachers-sent", "plan", Count(2), Tracked);
    check(&a, "2.3-doctors-sent", "plan", Count(1), Tracked);
}

#[test]
fn county_leaders_of_zheng_and_fu_chu_rank_are_chu_rank() {
    let recs = vec![
        county_leader("镇雄县", "2019-01-01", None).text("rank", "正处级"),
        county_leader("彝良县", "2019-01-01", None).text("rank", "副处级"),
        county_leader("巧家县", "2019-01-01", None).text("rank", "正科级"),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "2.1-county-leaders", "镇雄县", Count(1), Met);
    check(&a, "2.1-county-leaders", "彝良县", Count(1), Met);
    check(&a, "2.1-county-leaders", "巧家县", Count(0), NotMet);
}

#[test]
fn annual_plans_count_a_lead_towns_plan_with_its_paired_county_in_the_year() {
    let recs = vec![
        agreement("年度帮扶计划", "清溪镇", "镇雄县", "2019-02-15"),
        // With another county, or another type, or another year: not 清溪镇's plan.
        agreement("年度帮扶计划", "清溪镇", "彝良县", "2019-02-15"),
        agreement("镇县帮扶协议", "黄江镇", "彝良县", "2019-02-15"),
        agreement("年度帮扶计划", "黄江镇", "彝良县", "2018-12-20"),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "8.1-annual-plans", "清溪镇", Count(1), Met);
    check(&a, "8.1-annual-plans", "黄江镇", Count(0), NotMet);
}

#[test]
fn what_the_seed_asks_without_a_number_is_tracked() {
    let recs = vec![
        activity("招商推介会", "2019-05-01").int("projects_signed", 12),
        activity("招商推介会", "2019-09-01").int("projects_signed", 3),
        activity("义诊", "2019-06-01"),
        activity("义诊", "2019-07-01"),
        activity("劳务招聘会", "2019-03-01"),
        activity("宣传报道", "2019-04-01"),
        activity("宣传报道", "2018-04-01"),
        secondment(
            "专业技术人才",
            "东莞→昭通",
            "市科技局",
            "镇雄县",
            "2019-03-01",
            None,
        ),
        secondment(
            "专业技术人才",
            "昭通→东莞",
            "镇雄县",
            "市科技局",
            "2019-03-01",
            None,
        ),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "1.1-investment-projects", "plan", Count(15), Tracked);
    check(&a, "2.3-free-clinics", "plan", Count(2), Tracked);
    check(&a, "5.2-job-fairs", "plan", Count(1), Tracked);
    check(&a, "6.1-publicity", "plan", Count(1), Tracked);
    check(&a, "8.1-talent-secondments", "plan", Count(1), Tracked);
}

#[test]
fn the_first_years_fiscal_aid_is_due_by_its_year_end() {
    // The plan was issued on 2018-09-25: 2018's money cannot arrive by 03-31.
    let recs =
        vec![transfer("市级财政", "市财政局", "镇雄县", 180_000_000, 2018).received("2018-11-30")];
    let a = run(2018, "2018-12-31", recs);
    check(&a, "3.1-fiscal-aid", "plan", yuan(180_000_000), Met);
    assert_eq!(at(&a, "3.1-fiscal-aid", "plan").deadline, "2018-12-31");
}

#[test]
fn lead_teachers_must_be_planned_for_a_year() {
    let recs = || {
        vec![
            teacher("清溪镇", "2019-03-01", Some("2020-02-29")), // exactly a year less a day
            teacher("清溪镇", "2019-03-01", Some("2020-02-28")), // one day short
            teacher("清溪镇", "2019-09-01", Some("2020-08-31")),
            teacher("清溪镇", "2018-09-01", Some("2019-08-31")), // a 2018 secondment
            doctor("清溪镇", "2019-03-01", Some("2020-03-01")),
            secondment(
                "教师",
                "昭通→东莞",
                "镇雄县",
                "清溪镇",
                "2019-03-01",
                Some("2020-03-01"),
            ),
            teacher("黄江镇", "2019-04-01", None), // no planned end
            // Started on Feb 29: a year later is Mar 1, so the end must be Feb 28 or later.
            teacher("黄江镇", "2020-02-29", Some("2021-02-28")),
            teacher("黄江镇", "2020-02-29", Some("2021-02-27")),
        ]
    };
    let a = run(2019, "2019-12-31", recs());
    check(&a, "8.2-lead-teachers", "清溪镇", Count(2), Met);
    check(&a, "8.2-lead-teachers", "黄江镇", Count(0), NotMet);
    check(
        &run(2018, "2018-12-31", recs()),
        "8.2-lead-teachers",
        "清溪镇",
        Count(1),
        NotMet,
    );
    check(
        &run(2020, "2020-12-31", recs()),
        "8.2-lead-teachers",
        "黄江镇",
        Count(1),
        NotMet,
    );
}

#[test]
fn lead_doctors() {
    let recs = vec![
        doctor("石碣镇", "2019-01-01", Some("2019-12-31")),
        doctor("石碣镇", "2019-01-01", Some("2019-12-31")),
        doctor("清溪镇", "2019-03-01", Some("2020-03-01")),
        teacher("清溪镇", "2019-03-01", Some("2020-03-01")),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "8.2-lead-doctors", "石碣镇", Count(2), Met);
    check(&a, "8.2-lead-doctors", "清溪镇", Count(1), NotMet);
}

#[test]
fn assisting_teachers_and_doctors() {
    let recs = vec![
        teacher("企石镇", "2019-03-01", Some("2020-03-31")),
        teacher("桥头镇", "2019-03-01", Some("2020-02-28")), // one day short
        doctor("麻涌镇", "2019-05-01", Some("2020-04-30")),
        doctor("企石镇", "2019-05-01", Some("2020-04-30")).status(Status::Draft),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "8.2-assist-teachers", "企石镇", Count(1), Met);
    check(&a, "8.2-assist-teachers", "桥头镇", Count(0), NotMet);
    check(&a, "8.2-assist-doctors", "麻涌镇", Count(1), Met);
    check(&a, "8.2-assist-doctors", "企石镇", Count(0), NotMet);
}

#[test]
fn lead_township_pairs_end_on_their_end_date() {
    let recs = || {
        vec![
            pairing("镇镇结对", "清溪镇", "2018-04-01"),
            pairing("镇镇结对", "清溪镇", "2019-05-01"),
            pairing("镇镇结对", "清溪镇", "2018-06-01").ended("2019-12-31"),
            pairing("镇镇结对", "黄江镇", "2018-06-01").ended("2020-01-01"),
        ]
    };
    let a = run(2018, "2018-12-31", recs());
    check(&a, "8.3-lead-township-pairs", "清溪镇", Count(2), Met);
    check(&a, "8.3-lead-township-pairs", "黄江镇", Count(1), NotMet);
    let a = run(2019, "2019-12-31", recs());
    check(&a, "8.3-lead-township-pairs", "清溪镇", Count(2), Met);
    check(&a, "8.3-lead-township-pairs", "黄江镇", Count(1), NotMet);
    let a = run(2020, "2020-12-31", recs());
    check(&a, "8.3-lead-township-pairs", "清溪镇", Count(2), Met);
    check(&a, "8.3-lead-township-pairs", "黄江镇", Count(0), NotMet);
}

#[test]
fn lead_village_pairs_need_a_deeply_poor_village() {
    let recs = vec![
        pairing("村村结对", "清溪镇", "2018-05-01").deep(true),
        pairing("村村结对", "清溪镇", "2019-02-01").deep(true),
        pairing("村村结对", "清溪镇", "2019-03-01").deep(false),
        pairing("村村结对", "清溪镇", "2019-04-01"),
        pairing("企村结对", "清溪镇", "2019-04-01").deep(true),
        pairing("村村结对", "黄江镇", "2019-04-01").deep(true),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "8.3-lead-village-pairs", "清溪镇", Count(2), Met);
    check(&a, "8.3-lead-village-pairs", "黄江镇", Count(1), NotMet);
}

#[test]
fn assisting_township_and_village_pairs() {
    let recs = vec![
        pairing("镇镇结对", "企石镇", "2019-03-01"),
        pairing("村村结对", "企石镇", "2019-03-01").deep(true),
        pairing("村村结对", "桥头镇", "2019-03-01").deep(false),
        pairing("镇镇结对", "清溪镇", "2019-03-01"),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "8.3-assist-township-pairs", "企石镇", Count(1), Met);
    check(&a, "8.3-assist-township-pairs", "桥头镇", Count(0), NotMet);
    check(&a, "8.3-assist-village-pairs", "企石镇", Count(1), Met);
    check(&a, "8.3-assist-village-pairs", "桥头镇", Count(0), NotMet);
}

#[test]
fn enterprise_village_pairs() {
    let recs = vec![
        pairing("企村结对", "清溪镇", "2018-03-01").deep(true),
        pairing("企村结对", "清溪镇", "2019-03-01").deep(true),
        pairing("企村结对", "黄江镇", "2019-03-01").deep(true),
        pairing("企村结对", "黄江镇", "2019-03-01").deep(false),
        pairing("企村结对", "企石镇", "2019-08-01").deep(true),
        pairing("村村结对", "谢岗镇", "2019-08-01").deep(true),
    ];
    let a = run(2019, "2019-12-31", recs);
    check(&a, "8.4-lead-enterprise-villages", "清溪镇", Count(2), Met);
    check(
        &a,
        "8.4-lead-enterprise-villages",
        "黄江镇",
        Count(1),
        NotMet,
    );
    check(
        &a,
        "8.4-assist-enterprise-villages",
        "企石镇",
        Count(1),
        Met,
    );
    check(
        &a,
        "8.4-assist-enterprise-villages",
        "谢岗镇",
        Count(0),
        NotMet,
    );
}

// ------------------------------------------------------------------ 9: guarantees

#[test]
fn city_leader_visit_after_october_is_late() {
    let nov = || vec![activity("市领导调研对接", "2019-11-15")];
    let a = run(2019, "2019-12-31", nov());
    check(&a, "9.1-city-leader-visits", "plan", Count(1), Late);
    check_on_time(&a, "9.1-city-leader-visits", "plan", Count(0));
    assert_eq!(
        at(&a, "9.1-city-leader-visits", "plan").deadline,
        "2019-10-31"
    );
    // On 11-01 the deadline has passed with nothing done.
    check(
        &run(2019, "2019-11-01", nov()),
        "9.1-city-leader-visits",
        "plan",
        Count(0),
        NotMet,
    );
    check(
        &run(2019, "2019-06-01", nov()),
        "9.1-city-leader-visits",
        "plan",
        Count(0),
        Behind,
    );
    let a = run(
        2019,
        "2019-12-31",
        vec![activity("市领导调研对接", "2019-10-31")],
    );
    check(&a, "9.1-city-leader-visits", "plan", Count(1), Met);
    check_on_time(&a, "9.1-city-leader-visits", "plan", Count(1));
}

#[test]
fn city_joint_meetings() {
    let recs = || vec![activity("市级党政联席会议", "2019-06-01")];
    check(
        &run(2019, "2019-12-31", recs()),
        "9.1-city-joint-meetings",
        "plan",
        Count(1),
        Met,
    );
    check(
        &run(2019, "2019-06-01", recs()),
        "9.1-city-joint-meetings",
        "plan",
        Count(1),
        Met,
    );
    // On Jan 1 nothing of the period has elapsed yet.
    check(
        &run(2019, "2019-01-01", recs()),
        "9.1-city-joint-meetings",
        "plan",
        Count(0),
        OnTrack,
    );
    check(
        &run(2019, "2019-12-31", vec![]),
        "9.1-city-joint-meetings",
        "plan",
        Count(0),
        NotMet,
    );
}

// ------------------------------------------------------------------ explain and JSON

#[test]
fn explain_returns_exactly_the_records_counted() {
    let plan = Plan::bundled();
    let mut rs = town_activities();
    rs.push(
        activity("镇街领导调研对接", "2019-05-01")
            .organizers(&["清溪镇"])
            .status(Status::Draft),
    );
    rs.push(person("劳务就业", "P1", "2019-05-01"));
    rs.push(person("劳务就业", "P1", "2019-07-01"));
    rs.push(person("劳务就业", "P2", "2018-07-01"));
    rs.push(person("劳务就业", "X", "2019-07-01").no_key());
    let records = numbered(rs);
    let o = opts(2019, "2019-12-31");

    assert_eq!(
        explain(&plan, &records, &o, "8.1-town-leader-visits", "清溪镇"),
        Some(vec![1, 2])
    );
    assert_eq!(
        explain(&plan, &records, &o, "8.1-town-leader-visits", "黄江镇"),
        Some(vec![1])
    );
    assert_eq!(
        explain(&plan, &records, &o, "8.1-town-leader-visits", "石碣镇"),
        Some(vec![])
    );
    assert_eq!(
        explain(&plan, &records, &o, "8.1-town-joint-meetings", "石碣镇"),
        Some(vec![3])
    );
    assert_eq!(
        explain(&plan, &records, &o, "5.2-employed", "plan"),
        Some(vec![5, 6])
    );
    // Not a scope of the indicator, or no such indicator.
    assert_eq!(
        explain(&plan, &records, &o, "8.1-town-leader-visits", "企石镇"),
        None
    );
    assert_eq!(
        explain(&plan, &records, &o, "8.1-town-leader-visits", "plan"),
        None
    );
    assert_eq!(explain(&plan, &records, &o, "5.2-employed", "清溪镇"), None);
    assert_eq!(
        explain(&plan, &records, &o, "no-such-indicator", "plan"),
        None
    );

    // Every result's record count is what explain lists.
    let a = assess(&plan, &records, &o);
    for r in &a.results {
        let ids = explain(&plan, &records, &o, &r.indicator, &r.scope).expect("known");
        assert_eq!(ids.len(), r.records, "{} / {}", r.indicator, r.scope);
    }
}

#[test]
fn assessment_json_writes_exact_numbers() {
    let recs = vec![
        transfer("市级财政", "市财政局", "镇雄县", 180_000_000, 2019)
            .received("2019-03-01")
            .evidence(1),
        purchase(123_450, "2019-05-01"),
        project(Some(82_206_000), "2019-04-01"),
        donation(5, "2019-06-01"),
    ];
    let a = run(2019, "2019-12-31", recs);
    let json = serde_json::to_string(&a).unwrap();

    assert!(
        json.starts_with(r#"{"plan":"dongguan-zhaotong-2018-2020","year":2019,"as_of":"2019-12-31","include_submitted":false,"results":[{"indicator":"1.1-demo-bases""#),
        "{json}"
    );
    let fiscal = concat!(
        r#"{"indicator":"3.1-fiscal-aid","item":"3.1","scope":"plan","actual":180000000,"on_time":180000000,"#,
        r#""target_min":180000000,"target_max":null,"unit":"元","status":"met","above_range":false,"#,
        r#""records":1,"with_evidence":1,"deadline":"2019-03-31","name":"省、市财政援助资金到位"}"#
    );
    assert!(json.contains(fiscal), "{json}");
    assert!(
        json.contains(r#"{"indicator":"1.4-agri-purchases","item":"1.4","scope":"plan","actual":1234.5,"target_min":null,"target_max":null,"unit":"元","status":"tracked""#),
        "{json}"
    );
    assert!(
        json.contains(r#""indicator":"3.2-aid-used","item":"3.2","scope":"plan","actual":45.67,"#),
        "{json}"
    );
    assert!(
        json.contains(r#""indicator":"7.1-donations","item":"7.1","scope":"plan","actual":0.05,"#),
        "{json}"
    );
    assert!(
        json.contains(r#""actual":0,"target_min":1,"target_max":2,"unit":"期","status":"not_met""#),
        "{json}"
    );
    assert!(
        json.contains(
            r#""indicator":"8.2-lead-teachers","item":"8.2","scope":"清溪镇","actual":0,"#
        ),
        "{json}"
    );

    // It parses back, and every actual is a JSON number.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), a.results.len());
    assert!(results.iter().all(|r| r["actual"].is_number()));
    // on_time only where the deadline is before 12-31 (3 plan-wide 3.1 figures, 6 counties, 2 of 9.1).
    assert_eq!(
        results
            .iter()
            .filter(|r| r.get("on_time").is_some())
            .count(),
        3 + 6 + 2
    );

    // A running year speaks of pace.
    let mid = serde_json::to_string(&run(2019, "2019-07-01", vec![])).unwrap();
    assert!(
        mid.contains(r#""status":"behind""#) && mid.contains(r#""status":"tracked""#),
        "{mid}"
    );
}

/// Issue 16 item 7: 清溪镇 reports a joint meeting "organised" with 黄江镇. It counts for
/// 黄江镇 only once approved, even with include_submitted; for 清溪镇 as before.
#[test]
fn a_named_unit_counts_a_record_only_once_approved() {
    let meeting = |st: Status| {
        let mut r = activity("镇县党政联席会议", "2019-05-01")
            .organizers(&["清溪镇", "黄江镇"])
            .status(st);
        r.0.reporting_unit = "清溪镇".to_string();
        r
    };
    let with_submitted = AssessOptions {
        include_submitted: true,
        ..opts(2019, "2019-12-31")
    };
    let plan = Plan::bundled();
    let a = assess(
        &plan,
        &numbered(vec![meeting(Status::Submitted)]),
        &with_submitted,
    );
    let figure = |a: &Assessment, unit: &str| at(a, "8.1-town-joint-meetings", unit).actual;
    assert_eq!(figure(&a, "清溪镇"), Count(1));
    assert_eq!(figure(&a, "黄江镇"), Count(0));
    assert_eq!(
        explain(
            &plan,
            &numbered(vec![meeting(Status::Submitted)]),
            &with_submitted,
            "8.1-town-joint-meetings",
            "黄江镇"
        ),
        Some(vec![])
    );
    let a = run(2019, "2019-12-31", vec![meeting(Status::Approved)]);
    assert_eq!(figure(&a, "清溪镇"), Count(1));
    assert_eq!(figure(&a, "黄江镇"), Count(1));
}

#[test]
fn a_ratio_target_is_a_percentage() {
    // The bundled 3.2 with a target of 80 %: written in percent, compared in hundredths.
    let text = duikou_domain::plan::BUNDLED_PLAN.replace(
        "denominator = \"3.1-fiscal-aid\"\nscope = \"plan\"\nunit = \"%\"\n",
        "denominator = \"3.1-fiscal-aid\"\nscope = \"plan\"\nunit = \"%\"\ntarget = 80\n",
    );
    assert_ne!(
        text,
        duikou_domain::plan::BUNDLED_PLAN,
        "the 3.2 block was found"
    );
    let plan = Plan::from_toml(&text, "ratio.toml").expect("a ratio may carry a target");
    let recs = |disbursed: i64| {
        numbered(vec![
            transfer("市级财政", "市财政局", "镇雄县", 100_000_000, 2019).received("2019-03-01"),
            project(Some(disbursed), "2019-04-01"),
        ])
    };
    let a = assess(&plan, &recs(83_000_000), &opts(2019, "2019-12-31"));
    let r = at(&a, "3.2-aid-used", "plan");
    assert_eq!(
        (r.actual, r.target_min, r.status),
        (Percent(8300), Some(Percent(8000)), Met)
    );
    let a = assess(&plan, &recs(79_990_000), &opts(2019, "2019-12-31"));
    check(&a, "3.2-aid-used", "plan", Percent(7999), NotMet);
}
