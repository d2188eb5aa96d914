//! The indicator engine through the whole program (import → storage → assess) on SQLite
//! and PostgreSQL: hand-computed edge cases, and identical output on both backends.

use std::path::PathBuf;
use std::process::Command;

struct Env {
    dir: tempfile::TempDir,
    db: Option<String>,
}

impl Env {
    fn new(db: Option<String>) -> Env {
        let e = Env {
            dir: tempfile::tempdir().unwrap(),
            db,
        };
        e.ok(&["init"]);
        e
    }
    fn all() -> Vec<Env> {
        let mut v = vec![Env::new(None)];
        match std::env::var("DUIKOU_TEST_POSTGRES_URL") {
            Ok(base) => {
                let rt = tokio::runtime::Runtime::new().unwrap();
                let url = rt
                    .block_on(duikou_storage::create_scratch_postgres_database(
                        &base,
                        "duikou_assess",
                    ))
                    .unwrap();
                v.push(Env::new(Some(url)));
            }
            Err(_) => eprintln!("skipped PostgreSQL half: DUIKOU_TEST_POSTGRES_URL not set"),
        }
        v
    }
    fn ok(&self, args: &[&str]) -> String {
        let mut c = Command::new(env!("CARGO_BIN_EXE_duikou"));
        c.arg("--data-dir").arg(self.dir.path().join("data"));
        if let Some(db) = &self.db {
            c.arg("--db").arg(db);
        }
        let o = c
            .args(args)
            .env_remove("DUIKOU_DATABASE_URL")
            .env_remove("DUIKOU_DATA_DIR")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }
    fn import(&self, kind: &str, csv: &str) {
        let p: PathBuf = self.dir.path().join(format!("{kind}-{}.csv", csv.len()));
        std::fs::write(&p, csv).unwrap();
        self.ok(&["import", kind, p.to_str().unwrap()]);
    }
    fn assess(&self, year: &str, as_of: Option<&str>) -> serde_json::Value {
        let mut args = vec!["assess", "--year", year, "--format", "json"];
        if let Some(d) = as_of {
            args.extend(["--as-of", d]);
        }
        serde_json::from_str(&self.ok(&args)).unwrap()
    }
}

fn result<'a>(a: &'a serde_json::Value, id: &str, scope: &str) -> &'a serde_json::Value {
    a["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == id && r["scope"] == scope)
        .unwrap_or_else(|| panic!("{id} {scope}"))
}

fn id(area: &str, n: i64) -> String {
    duikou_domain::id_number::make_valid(
        area,
        time::macros::date!(1985 - 01 - 01) + time::Duration::days(n),
        7,
    )
    .as_str()
    .to_string()
}

fn load_edge_cases(e: &Env) {
    // Money: on time, late, unconfirmed, to the wrong county, town funds.
    e.import(
        "transfer",
        "资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,到账日期,凭证号
市级财政,市财政局,镇雄县,27000000,2019,2019-03-01,2019-03-31,C1
省级财政,省财政,镇雄县,3000000,2019,2019-03-01,2019-04-02,P1
市级财政,市财政局,彝良县,27000000,2019,2019-03-20,,C2
镇街财政,清溪镇,镇雄县,600000,2019,2019-05-01,2019-05-10,Q1
镇街财政,清溪镇,镇雄县,400000,2019,2019-06-01,2019-06-05,Q2
镇街财政,企石镇,彝良县,300000,2019,2019-05-01,2019-05-03,QS1
镇街财政,桥头镇,镇雄县,300000,2019,2019-05-01,2019-05-03,QT1
",
    );
    // People: one person on two rows; the same person in two years.
    let a = id("530627", 1);
    let b = id("530628", 2);
    let c = id("530602", 3);
    e.import(
        "person",
        &format!(
            "类别,姓名,身份证号,建档立卡,开始日期
劳务就业,甲,{a},是,2019-03-01
劳务就业,甲,{a},是,2019-09-01
劳务就业,乙,{b},否,2019-04-01
劳务就业,乙,{b},否,2020-02-01
劳务就业,丙,{c},是,2020-05-01
"
        ),
    );
    // Secondments: a full year, one day short, and a county leader in post across years.
    e.import(
        "secondment",
        "姓名,类别,职级,方向,派出单位,接收单位,是否进入党政领导班子,开始日期,结束日期
王,教师,,东莞→昭通,清溪镇,镇雄县,否,2019-03-01,2020-02-29
李,教师,,东莞→昭通,清溪镇,镇雄县,否,2019-03-01,2020-02-28
赵,医生,,东莞→昭通,企石镇,镇雄县,否,2019-09-01,2020-08-31
陈,党政干部,处级,东莞→昭通,市委组织部,镇雄县,是,2018-06-01,2019-05-31
",
    );
    // Pairings: ended on 12-31 (not active at year end) and ended the day after.
    e.import(
        "pairing",
        "结对类型,东莞方,所属镇街,昭通方,所属县区,深度贫困村,签约日期,终止日期
村村结对,清溪村,清溪镇,甲村,镇雄县,是,2019-03-01,2019-12-31
村村结对,清溪二村,清溪镇,乙村,镇雄县,是,2019-03-01,2020-01-01
镇镇结对,清溪镇,清溪镇,坡头镇,镇雄县,否,2018-05-01,
",
    );
    // Activities: a range target exceeded; several organisers; a city visit after 10-31.
    e.import(
        "activity",
        "活动类型,活动名称,日期,主办单位,参与人数
旅游推介,推介一,2019-04-01,市旅游局,100
旅游推介,推介二,2019-05-01,市旅游局,120
旅游推介,推介三,2019-06-01,市旅游局,80
镇街领导调研对接,联合调研,2019-07-01,清溪镇、黄江镇,20
市领导调研对接,市领导赴昭,2019-11-15,市经协办,30
",
    );
}

#[test]
fn hand_computed_edge_cases_on_every_backend() {
    let mut outputs = Vec::new();
    for e in Env::all() {
        load_edge_cases(&e);
        let y = e.assess("2019", None);
        // Late money counts in `actual`, not on time; unconfirmed money counts nowhere.
        let fiscal = result(&y, "3.1-fiscal-aid", "plan");
        assert_eq!(fiscal["actual"], serde_json::json!(30000000));
        assert_eq!(fiscal["on_time"], serde_json::json!(27000000));
        assert_eq!(fiscal["status"], "not_met", "27+3 of 180 million");
        let zx = result(&y, "3.1-fiscal-aid-per-county", "镇雄县");
        assert_eq!(
            (
                zx["actual"].clone(),
                zx["on_time"].clone(),
                zx["status"].clone()
            ),
            (
                serde_json::json!(30000000),
                serde_json::json!(27000000),
                serde_json::json!("late")
            )
        );
        assert_eq!(
            result(&y, "3.1-fiscal-aid-per-county", "彝良县")["actual"],
            serde_json::json!(0)
        );
        assert_eq!(
            result(&y, "3.1-fiscal-aid-province", "plan")["status"],
            "not_met"
        );
        // Town funds: only money to the paired county counts.
        assert_eq!(
            result(&y, "8.1-lead-town-funds", "清溪镇")["actual"],
            serde_json::json!(1000000)
        );
        assert_eq!(result(&y, "8.1-lead-town-funds", "清溪镇")["status"], "met");
        assert_eq!(
            result(&y, "8.1-assist-town-funds", "企石镇")["actual"],
            serde_json::json!(0),
            "企石镇 paid 彝良县, not its county 镇雄县"
        );
        assert_eq!(
            result(&y, "8.1-assist-town-funds", "桥头镇")["status"],
            "met"
        );
        // One person on two rows counts once; the same person in two years counts in each.
        assert_eq!(
            result(&y, "5.2-employed", "plan")["actual"],
            serde_json::json!(2)
        );
        assert_eq!(
            result(&y, "5.2-employed-poor", "plan")["actual"],
            serde_json::json!(1)
        );
        // A secondment one day short of a year does not count.
        assert_eq!(
            result(&y, "8.2-lead-teachers", "清溪镇")["actual"],
            serde_json::json!(1)
        );
        assert_eq!(
            result(&y, "8.2-assist-doctors", "企石镇")["actual"],
            serde_json::json!(1)
        );
        // In post during the year.
        assert_eq!(
            result(&y, "2.1-county-leaders", "镇雄县")["actual"],
            serde_json::json!(1)
        );
        // A pairing ended on 12-31 is not active at year end; ended on 01-01 it is.
        assert_eq!(
            result(&y, "8.3-lead-village-pairs", "清溪镇")["actual"],
            serde_json::json!(1)
        );
        assert_eq!(
            result(&y, "8.3-lead-township-pairs", "清溪镇")["actual"],
            serde_json::json!(1),
            "cumulative from 2018"
        );
        // Range target exceeded: met, shown above the range.
        let tp = result(&y, "1.3-tourism-promotions", "plan");
        assert_eq!(
            (
                tp["actual"].clone(),
                tp["status"].clone(),
                tp["above_range"].clone()
            ),
            (
                serde_json::json!(3),
                serde_json::json!("met"),
                serde_json::json!(true)
            )
        );
        assert_eq!(
            result(&y, "1.3-tourists", "plan")["actual"],
            serde_json::json!(300)
        );
        // Several organisers: counts for each.
        assert_eq!(
            result(&y, "8.1-town-leader-visits", "清溪镇")["actual"],
            serde_json::json!(1)
        );
        assert_eq!(
            result(&y, "8.1-town-leader-visits", "黄江镇")["actual"],
            serde_json::json!(1)
        );
        assert_eq!(
            result(&y, "8.1-town-leader-visits", "石碣镇")["status"],
            "not_met"
        );
        // 11-15 is after the 10-31 deadline: late.
        assert_eq!(
            result(&y, "9.1-city-leader-visits", "plan")["status"],
            "late"
        );
        // Mid-year: the visit has not happened yet, 9.1 is behind its pace.
        let mid = e.assess("2019", Some("2019-06-30"));
        assert_eq!(
            result(&mid, "9.1-city-leader-visits", "plan")["actual"],
            serde_json::json!(0)
        );
        assert_eq!(
            result(&mid, "9.1-city-leader-visits", "plan")["status"],
            "behind"
        );
        assert_eq!(
            result(&mid, "1.3-tourism-promotions", "plan")["status"],
            "met"
        );
        // 2020: the same person counts again; the pairing ended 2020-01-01 is gone.
        let y20 = e.assess("2020", None);
        assert_eq!(
            result(&y20, "5.2-employed", "plan")["actual"],
            serde_json::json!(2)
        );
        assert_eq!(
            result(&y20, "8.3-lead-village-pairs", "清溪镇")["actual"],
            serde_json::json!(0)
        );
        assert_eq!(
            result(&y20, "2.1-county-leaders", "镇雄县")["actual"],
            serde_json::json!(0)
        );
        outputs.push((y, mid, y20));
    }
    for o in &outputs[1..] {
        assert_eq!(o, &outputs[0], "identical output on PostgreSQL and SQLite");
    }
}

#[test]
fn demo_assessments_are_identical_on_both_backends() {
    let envs = Env::all();
    if envs.len() < 2 {
        return;
    }
    let mut outputs = Vec::new();
    for e in &envs {
        e.ok(&["demo"]);
        let mut docs = Vec::new();
        for (year, as_of) in [
            ("2018", None),
            ("2019", None),
            ("2019", Some("2019-06-30")),
            ("2020", None),
        ] {
            docs.push(e.assess(year, as_of));
        }
        outputs.push(docs);
    }
    assert_eq!(outputs[0], outputs[1]);
}
