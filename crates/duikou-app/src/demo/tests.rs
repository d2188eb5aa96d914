use std::collections::{BTreeSet, HashMap};

use time::Date;

use duikou_domain::crypto::SecretKey;
use duikou_domain::engine::{AssessOptions, Assessment, EngineRecord, IndicatorStatus, assess};
use duikou_domain::record::{Status, ValidRecord, ValidationContext, validate};

use super::rows::date;
use super::*;
use duikou_domain::plan::bundled_kind;

const SEED: u64 = 20_180_925;

/// Rows as plain tuples, to compare.
type Flat = Vec<(RecordKind, Vec<Vec<(String, String, bool)>>)>;

fn flat(groups: &[DemoRows]) -> Flat {
    groups
        .iter()
        .map(|g| {
            let rows = g
                .rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|(k, v)| (k.clone(), v.text.clone(), v.in_wan))
                        .collect()
                })
                .collect();
            (g.kind, rows)
        })
        .collect()
}

fn rows_of(groups: &[DemoRows], kind: RecordKind) -> &[Row] {
    &groups
        .iter()
        .find(|g| g.kind == kind)
        .expect("every kind is generated")
        .rows
}

fn text<'r>(row: &'r Row, key: &str) -> &'r str {
    row.get(key).map_or("", |f| f.text.as_str())
}

fn validated(plan: &Plan, groups: &[DemoRows]) -> Vec<ValidRecord> {
    let ctx = ValidationContext {
        plan,
        default_unit: None,
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for g in groups {
        for (i, row) in g.rows.iter().enumerate() {
            match validate(g.kind, row, &ctx) {
                Ok(v) => out.push(v),
                Err(errors) => {
                    if problems.len() < 10 {
                        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
                        problems.push(format!("{} row {i}: {}", g.kind.key(), shown.join("; ")));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "invalid demo rows:\n{}",
        problems.join("\n")
    );
    out
}

#[test]
fn same_seed_gives_the_same_data() {
    let plan = Plan::bundled();
    let a = generate(&plan, 1, SEED);
    let b = generate(&plan, 1, SEED);
    // Every built-in kind; the plan's own kinds (agreement, progress) are not made up.
    assert_eq!(a.len(), BuiltinKind::ALL.len());
    assert_eq!(
        a.iter().map(|g| g.kind).collect::<Vec<_>>(),
        duikou_domain::plan::Plan::bundled()
            .kinds()
            .iter()
            .copied()
            .filter(|k| k.builtin().is_some())
            .collect::<Vec<_>>()
    );
    assert!(flat(&a) == flat(&b), "same seed, different data");
}

#[test]
fn a_different_seed_gives_different_data() {
    let plan = Plan::bundled();
    let a = flat(&generate(&plan, 1, SEED));
    let b = flat(&generate(&plan, 1, SEED + 1));
    for ((kind, ra), (_, rb)) in a.iter().zip(&b) {
        assert!(ra != rb, "{} rows do not depend on the seed", kind.key());
    }
}

#[test]
fn every_row_validates_and_lies_within_the_plan() {
    let plan = Plan::bundled();
    let groups = generate(&plan, 1, SEED);
    let records = validated(&plan, &groups);
    let last = date(2020, 12, 31);
    for r in &records {
        assert!(
            plan.years().contains(&r.plan_year),
            "{:?} year {}",
            r.kind,
            r.plan_year
        );
        // Every date that says something happened is within its year and not after 2020.
        for key in [
            "sent_on",
            "received_on",
            "started_on",
            "completed_on",
            "held_on",
            "start_on",
            "signed_on",
            "ended_on",
            "established_on",
            "bought_on",
            "donated_on",
        ] {
            if let Some(d) = r.get(key).and_then(|v| v.as_date()) {
                assert!(d <= last, "{:?} {key} {d} after 2020", r.kind);
            }
        }
        if !r.kind.is(BuiltinKind::Transfer) {
            assert_eq!(
                r.event_date().map(|d| d.year()),
                Some(r.plan_year),
                "{:?}",
                r.kind
            );
        }
    }
}

#[test]
fn volumes_at_scale_one_are_those_of_the_programme() {
    let plan = Plan::bundled();
    let groups = generate(&plan, 1, SEED);
    let count = |kind| rows_of(&groups, kind).len();
    let within = |kind: RecordKind, lo: usize, hi: usize| {
        let n = count(kind);
        assert!(
            (lo..=hi).contains(&n),
            "{}: {n} rows, expected {lo}–{hi}",
            kind.key()
        );
    };
    within(bundled_kind(BuiltinKind::Transfer), 95, 115);
    within(bundled_kind(BuiltinKind::Project), 54, 66);
    within(bundled_kind(BuiltinKind::Activity), 100, 150);
    within(bundled_kind(BuiltinKind::Secondment), 180, 240);
    within(bundled_kind(BuiltinKind::Person), 34_000, 38_000);
    within(bundled_kind(BuiltinKind::Pairing), 90, 150);
    within(bundled_kind(BuiltinKind::Facility), 8, 20);
    within(bundled_kind(BuiltinKind::Purchase), 84, 99);
    within(bundled_kind(BuiltinKind::Donation), 84, 99);

    // Distinct persons per programme and year, and repeated rows.
    let persons = rows_of(&groups, bundled_kind(BuiltinKind::Person));
    let mut distinct: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
    let mut rows_per: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut names: HashMap<&str, &str> = HashMap::new();
    for r in persons {
        let key = (
            text(r, "programme").to_string(),
            text(r, "started_on")[..4].to_string(),
        );
        distinct
            .entry(key.clone())
            .or_default()
            .insert(text(r, "id_number"));
        *rows_per.entry(key).or_default() += 1;
        let previous = names.insert(text(r, "id_number"), text(r, "name"));
        assert!(
            previous.is_none_or(|n| n == text(r, "name")),
            "one ID, two names"
        );
        assert!(!r.contains_key("hukou_county"));
    }
    let d = |p: &str, y: &str| distinct[&(p.to_string(), y.to_string())].len();
    assert!((8_000..=8_600).contains(&d("劳务就业", "2018")));
    assert!((8_000..=8_600).contains(&d("劳务就业", "2019")));
    assert!((7_700..8_000).contains(&d("劳务就业", "2020")));
    for y in ["2018", "2019", "2020"] {
        assert!((1_500..=1_700).contains(&d("技能培训", y)));
        assert!((180..=230).contains(&d("致富带头人", y)));
        let rows = rows_per[&("劳务就业".to_string(), y.to_string())];
        let repeated = rows - d("劳务就业", y);
        assert!(
            (rows / 100..=rows / 50).contains(&repeated),
            "{y}: {repeated} repeated rows of {rows}"
        );
    }
    assert!((1_600..1_700).contains(&d("0+3招生", "2018")));
    assert!((1_900..2_000).contains(&d("0+3招生", "2019")));
    assert!((1_850..1_900).contains(&d("0+3招生", "2020")));
    // Some of 2018's workers are employed again in 2019.
    let again = distinct[&("劳务就业".to_string(), "2018".to_string())]
        .intersection(&distinct[&("劳务就业".to_string(), "2019".to_string())])
        .count();
    assert!(again > 500, "{again} returners");
    let poor = persons
        .iter()
        .filter(|r| text(r, "registered_poor") == "是")
        .count();
    assert!(
        (50..=70).contains(&(poor * 100 / persons.len())),
        "{poor} registered poor"
    );

    // Vouchers are unique per payer.
    let mut vouchers = BTreeSet::new();
    for r in rows_of(&groups, bundled_kind(BuiltinKind::Transfer)) {
        assert!(
            vouchers.insert((text(r, "payer"), text(r, "voucher_no"))),
            "voucher reused: {}",
            text(r, "voucher_no")
        );
    }
    assert_eq!(
        rows_of(&groups, bundled_kind(BuiltinKind::Transfer))
            .iter()
            .filter(|r| !r.contains_key("received_on"))
            .count(),
        1
    );
}

#[test]
fn about_seven_in_ten_records_get_valid_evidence_files() {
    let plan = Plan::bundled();
    let records = validated(&plan, &generate(&plan, 1, SEED));
    for kind in [
        bundled_kind(BuiltinKind::Transfer),
        bundled_kind(BuiltinKind::Activity),
        bundled_kind(BuiltinKind::Secondment),
    ] {
        let of_kind: Vec<BTreeMap<String, duikou_domain::record::Value>> = records
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| {
                r.fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect()
            })
            .collect();
        let files: Vec<DemoEvidence> = of_kind
            .iter()
            .filter_map(|f| evidence_for(SEED, kind, f))
            .collect();
        let share = files.len() * 100 / of_kind.len();
        assert!((55..=85).contains(&share), "{kind:?}: {share} %");
        // The same record always gets the same file.
        let again: Vec<DemoEvidence> = of_kind
            .iter()
            .filter_map(|f| evidence_for(SEED, kind, f))
            .collect();
        assert_eq!(files, again);
        for f in &files {
            let magic: &[u8] = match f.content_type {
                "application/pdf" => b"%PDF-1.4\n",
                "image/png" => b"\x89PNG\r\n\x1a\n",
                _ => b"",
            };
            assert!(f.bytes.starts_with(magic), "{}", f.file_name);
            assert_eq!(
                crate::evidence_store::content_type_for(&f.file_name),
                Some(f.content_type),
                "{}",
                f.file_name
            );
            assert!(
                crate::evidence_store::clean_file_name(&f.file_name).as_ref() == Some(&f.file_name)
            );
        }
    }
    // Other kinds get none.
    assert!(
        records
            .iter()
            .filter(|r| r.kind.is(BuiltinKind::Person))
            .all(|r| {
                let f = r
                    .fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect();
                evidence_for(SEED, r.kind, &f).is_none()
            })
    );
    // The PDF's cross-reference offsets point at its objects.
    let pdf = one_page_pdf(&["a (b) c\\".into(), "中文".into()]);
    let text = String::from_utf8(pdf.clone()).unwrap();
    let xref: usize = text
        .rsplit("startxref\n")
        .next()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(text[xref..].starts_with("xref"));
    for (i, line) in text[xref..].lines().skip(3).take(5).enumerate() {
        let at: usize = line[..10].parse().unwrap();
        assert!(
            text[at..].starts_with(&format!("{} 0 obj", i + 1)),
            "object {}",
            i + 1
        );
    }
    assert!(text.contains("(a \\(b\\) c\\\\) Tj") && text.contains("(??) Tj"));
}

#[test]
fn scale_two_doubles_the_persons() {
    let plan = Plan::bundled();
    let one = rows_of(&generate(&plan, 1, SEED), bundled_kind(BuiltinKind::Person)).len();
    let two_groups = generate(&plan, 2, SEED);
    let two = rows_of(&two_groups, bundled_kind(BuiltinKind::Person)).len();
    assert!(
        two * 10 >= one * 19 && two * 10 <= one * 21,
        "scale 1: {one}, scale 2: {two}"
    );
    let ids: BTreeSet<(&str, &str)> = rows_of(&two_groups, bundled_kind(BuiltinKind::Person))
        .iter()
        .map(|r| (text(r, "id_number"), text(r, "name")))
        .collect();
    let distinct_ids: BTreeSet<&str> = ids.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), distinct_ids.len(), "an ID number is one person");
    let sec1 = rows_of(
        &generate(&plan, 1, SEED),
        bundled_kind(BuiltinKind::Secondment),
    )
    .len();
    assert!(rows_of(&two_groups, bundled_kind(BuiltinKind::Secondment)).len() > sec1 * 3 / 2);
}

#[test]
fn a_scaled_plan_gets_records_for_every_copy_of_its_towns_and_counties() {
    let source =
        duikou_domain::plan_scale::scale_plan_toml(duikou_domain::plan::BUNDLED_PLAN, 2).unwrap();
    let plan = Plan::from_toml(&source, "x2.toml").unwrap();
    let one = generate(&Plan::bundled(), 1, SEED);
    let two = generate(&plan, 2, SEED);
    // Streamed kind by kind, the same rows.
    for g in &two {
        let mut rows = Vec::new();
        generate_kind(&plan, 2, SEED, g.kind, &mut |r| rows.push(r));
        let streamed = [DemoRows { kind: g.kind, rows }];
        assert!(
            flat(&streamed) == flat(std::slice::from_ref(g)),
            "{}",
            g.kind.key()
        );
    }
    // Twice the programme: about twice every volume.
    for (a, b) in one.iter().zip(&two) {
        let (a, b) = (a.rows.len(), b.rows.len());
        assert!(
            b * 10 >= a * 17 && b * 10 <= a * 23,
            "{}: {a} at scale 1, {b} at scale 2 of a plan scaled twice",
            two.iter().find(|g| g.rows.len() == b).unwrap().kind.key()
        );
    }
    // Every row is valid under the scaled plan.
    let records = validated(&plan, &two);
    // Each copy of a town pays its own copy of its county, and sends teachers there.
    let transfers = rows_of(&two, bundled_kind(BuiltinKind::Transfer));
    for (payer, payee) in [("清溪镇", "镇雄县"), ("2·清溪镇", "2·镇雄县")] {
        assert!(
            transfers
                .iter()
                .any(|r| text(r, "payer") == payer && text(r, "payee") == payee),
            "{payer} → {payee}"
        );
    }
    assert!(
        rows_of(&two, bundled_kind(BuiltinKind::Secondment))
            .iter()
            .any(|r| text(r, "from_unit") == "2·企石镇" && text(r, "to_unit") == "2·镇雄县")
    );
    // People come from the copies' counties too, and an ID number is one person.
    let hukou: BTreeSet<String> = records
        .iter()
        .filter(|r| r.kind.is(BuiltinKind::Person))
        .filter_map(|r| r.get("hukou_county").map(|v| v.display()))
        .collect();
    assert_eq!(hukou.len(), 12, "{hukou:?}");
    let ids: BTreeSet<(&str, &str)> = rows_of(&two, bundled_kind(BuiltinKind::Person))
        .iter()
        .map(|r| (text(r, "id_number"), text(r, "name")))
        .collect();
    let distinct: BTreeSet<&str> = ids.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), distinct.len(), "an ID number is one person");
}

fn engine_records(plan: &Plan, groups: &[DemoRows]) -> Vec<EngineRecord> {
    let key = SecretKey::from_bytes(&[7u8; 32]).expect("32 bytes");
    validated(plan, groups)
        .into_iter()
        .enumerate()
        .map(|(i, v)| EngineRecord {
            id: i as i64 + 1,
            kind: v.kind,
            status: Status::Approved,
            plan_year: v.plan_year,
            reporting_unit: v.reporting_unit.clone(),
            fields: v.fields.iter().map(|(k, val)| (*k, val.clone())).collect(),
            person_key: v.id_number.as_ref().map(|id| key.blind_index(id.as_str())),
            evidence_count: 0,
        })
        .collect()
}

fn run(plan: &Plan, records: &[EngineRecord], year: i32, as_of: Date) -> Assessment {
    assess(
        plan,
        records,
        &AssessOptions {
            year,
            as_of,
            include_submitted: false,
        },
    )
}

fn status(a: &Assessment, indicator: &str, scope: &str) -> IndicatorStatus {
    a.results
        .iter()
        .find(|r| r.indicator == indicator && r.scope == scope)
        .unwrap_or_else(|| panic!("no result for {indicator} {scope}"))
        .status
}

#[test]
fn the_engine_sees_every_status() {
    let plan = Plan::bundled();
    let records = engine_records(&plan, &generate(&plan, 1, SEED));
    let y2018 = run(&plan, &records, 2018, date(2018, 12, 31));
    let y2019 = run(&plan, &records, 2019, date(2019, 12, 31));
    let y2020 = run(&plan, &records, 2020, date(2020, 12, 31));
    let mid2019 = run(&plan, &records, 2019, date(2019, 6, 30));

    let statuses = |a: &[&Assessment]| -> BTreeSet<&'static str> {
        a.iter()
            .flat_map(|x| x.results.iter().map(|r| r.status.key()))
            .collect()
    };
    let year_end = statuses(&[&y2019, &y2020]);
    for s in ["met", "late", "not_met", "tracked"] {
        assert!(
            year_end.contains(s),
            "{s} missing at year end: {year_end:?}"
        );
    }
    let mid = statuses(&[&mid2019]);
    for s in ["on_track", "behind"] {
        assert!(mid.contains(s), "{s} missing at 2019-06-30: {mid:?}");
    }

    use IndicatorStatus::{Behind, Late, Met, NotMet, OnTrack};
    // The designed cases.
    // 2018's money is due by the year end (the plan was issued in September).
    assert_eq!(status(&y2018, "3.1-fiscal-aid", "plan"), Met);
    assert_eq!(status(&y2019, "3.1-fiscal-aid", "plan"), Late);
    assert_eq!(status(&y2019, "3.1-fiscal-aid-province", "plan"), Met);
    assert_eq!(status(&y2020, "3.1-fiscal-aid", "plan"), NotMet);
    let per_county = |a: &Assessment, s| {
        a.results
            .iter()
            .filter(|r| r.indicator == "3.1-fiscal-aid-per-county" && r.status == s)
            .count()
    };
    assert_eq!((per_county(&y2019, Late), per_county(&y2019, Met)), (1, 5));
    assert_eq!(
        (per_county(&y2020, NotMet), per_county(&y2020, Met)),
        (1, 5)
    );
    let assist_funds_not_met = |a: &Assessment| {
        a.results
            .iter()
            .filter(|r| r.indicator == "8.1-assist-town-funds" && r.status == NotMet)
            .count()
    };
    assert_eq!(assist_funds_not_met(&y2018), 0);
    assert_eq!(assist_funds_not_met(&y2019), 2);
    assert_eq!(assist_funds_not_met(&y2020), 1);
    assert!(
        plan.towns_with_role(duikou_domain::plan::TownRole::Lead)
            .all(|t| status(&y2020, "8.1-lead-town-funds", &t.name) == Met)
    );
    assert_eq!(status(&y2019, "9.1-city-leader-visits", "plan"), Late);
    assert_eq!(status(&y2019, "9.1-city-joint-meetings", "plan"), Met);
    assert_eq!(status(&y2019, "5.2-employed", "plan"), Met);
    assert_eq!(status(&y2020, "5.2-employed", "plan"), NotMet);
    assert_eq!(status(&y2018, "6.2-students", "plan"), Met);
    assert_eq!(status(&y2020, "6.2-students", "plan"), NotMet);
    assert_eq!(status(&y2019, "2.3-medical-trainees", "plan"), Met);
    assert_eq!(status(&y2020, "2.3-medical-batches", "plan"), NotMet);
    assert_eq!(status(&y2019, "2.2-school-pairs", "plan"), Met);
    assert_eq!(status(&y2018, "2.2-school-pairs", "plan"), NotMet);
    assert!(
        y2019
            .results
            .iter()
            .any(|r| r.indicator == "1.3-tourism-promotions" && r.status == Met && r.above_range)
    );
    let short_secondments = |a: &Assessment| {
        a.results
            .iter()
            .filter(|r| r.indicator.starts_with("8.2-") && r.status == NotMet)
            .count()
    };
    assert_eq!(short_secondments(&y2019), 2);
    assert_eq!(short_secondments(&y2020), 1);
    let meetings_missing = y2020
        .results
        .iter()
        .filter(|r| r.indicator == "8.1-town-joint-meetings" && r.status == NotMet)
        .count();
    assert_eq!(meetings_missing, 1);
    assert!(
        y2019
            .results
            .iter()
            .filter(|r| r.indicator == "2.1-county-leaders")
            .all(|r| r.status == Met)
    );
    assert!(
        y2019
            .results
            .iter()
            .filter(|r| r.indicator == "4.1-relocation-sites")
            .any(|r| r.status == NotMet)
    );
    assert!(
        y2020
            .results
            .iter()
            .filter(|r| r.indicator == "4.1-relocation-sites")
            .all(|r| r.status == Met)
    );
    assert_eq!(status(&y2020, "1.1-demo-bases", "plan"), Met);
    assert_eq!(status(&mid2019, "5.2-employed", "plan"), OnTrack);
    assert_eq!(status(&mid2019, "6.2-students", "plan"), Behind);
}
