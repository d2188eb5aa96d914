//! A plan of another pair and period (plans/examples/dongguan-bijie-2021-2023.toml),
//! using the keys a plan may have beyond the bundled one, loaded and filled through
//! CSV, xlsx (its own template), the JSON API and assessed on SQLite and PostgreSQL
//! with hand-computed figures.

#[macro_use]
mod common;

use common::{Backend, TestApp};
use serde_json::{Value, json};

const PLAN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../plans/examples/dongguan-bijie-2021-2023.toml"
);

async fn start(backend: Backend) -> TestApp {
    let app = TestApp::uninitialised(backend);
    app.cli_ok(&["init", "--plan", PLAN]);
    app
}

fn import(app: &TestApp, kind: &str, csv: &str) -> String {
    let p = app.scratch_dir().join(format!("{kind}-{}.csv", csv.len()));
    std::fs::write(&p, csv).unwrap();
    app.cli_ok(&["import", kind, p.to_str().unwrap()])
}

fn assess(app: &TestApp, year: &str) -> Value {
    let out = app.cli_ok(&["assess", "--year", year, "--format", "json"]);
    serde_json::from_str(&out).unwrap()
}

fn result<'a>(a: &'a Value, id: &str, scope: &str) -> &'a Value {
    a["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == id && r["scope"] == scope)
        .unwrap_or_else(|| panic!("{id} {scope} in {a}"))
}

fn id(area: &str, n: i64) -> String {
    duikou_domain::id_number::make_valid(
        area,
        time::macros::date!(1990 - 01 - 01) + time::Duration::days(n),
        3,
    )
    .as_str()
    .to_string()
}

fn load(app: &TestApp) {
    import(
        app,
        "transfer",
        "资金来源,拨付单位,接收单位,金额（元）,资金年度,拨付日期,到账日期,凭证号
市级财政,市协作办,威宁县,40000000,2022,2022-03-01,2022-03-20,V1
市级财政,市协作办,赫章县,30000000,2022,2022-03-15,2022-04-05,V2
",
    );
    // The plan's own option (帮扶车间) and extra field (吸纳就业).
    import(
        app,
        "facility",
        "类型,名称,所在县区,建成日期,吸纳就业（人）
帮扶车间,车间一,威宁县,2021-05-01,30
帮扶车间,车间二,赫章县,2022-06-01,20
乡村振兴示范村,示范村,威宁县,2022-07-01,
",
    );
    // 离岗日期: 丙 left before the year end; 乙's county is listed but not paired.
    let (a, b, c) = (id("520526", 1), id("520525", 2), id("520527", 3));
    import(
        app,
        "person",
        &format!(
            "类别,姓名,身份证号,开始日期,离岗日期
劳务就业,甲,{a},2022-02-01,
劳务就业,乙,{b},2022-03-01,
劳务就业,丙,{c},2022-03-01,2022-10-31
"
        ),
    );
    // A kind of the plan's own, with a department named by its alias.
    import(
        app,
        "agreement",
        "类型,名称,东部单位,西部单位,签订日期
年度帮扶计划,厚街镇2022年度计划,厚街镇,威宁县,2022-02-10
年度帮扶计划,教育局2022年度计划,东莞市教育局,威宁县,2022-03-01
镇县帮扶协议,松山湖帮扶协议,松山湖,赫章县,2022-01-05
",
    );
    import(
        app,
        "purchase",
        "采购单位,产地县区,产品,金额（元）,日期,销售渠道
某公司,威宁县,土豆,100000,2021-05-01,消费帮扶专馆
市商务局,赫章县,核桃,120000,2022-05-01,消费帮扶专馆
东莞市教育局,赫章县,苹果,50000,2022-06-01,电商平台
",
    );
}

async fn figures_of_another_plan(app: &mut TestApp) {
    load(app);
    let a = assess(app, "2022");
    // A per-unit target overrides the plan's; the 2022 deadline is 03-31.
    let wn = result(&a, "1.1-funds", "威宁县");
    assert_eq!(wn["actual"], json!(40_000_000));
    assert_eq!(wn["target_min"], json!(50_000_000));
    assert_eq!(wn["deadline"], "2022-03-31");
    let hz = result(&a, "1.1-funds", "赫章县");
    assert_eq!(hz["target_min"], json!(30_000_000));
    assert_eq!(
        hz["on_time"],
        json!(0),
        "received 04-05, after the deadline"
    );
    // An unpaired county gives no figure.
    assert!(
        !a["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["scope"] == "纳雍县")
    );
    // Plan to date: workshops of 2021 and 2022; the village is not a workshop.
    assert_eq!(result(&a, "2.1-workshops", "plan")["actual"], json!(2));
    assert_eq!(result(&a, "2.1-workshops", "plan")["target_min"], json!(4));
    assert_eq!(result(&a, "2.1-workshop-jobs", "plan")["actual"], json!(50));
    // Still employed at the year end: 甲 and 乙, not 丙 who left in October.
    let kept = result(&a, "2.1-still-employed", "plan");
    assert_eq!(kept["actual"], json!(2));
    assert_eq!(kept["status"], "met");
    // A group scope, counted by the plan's own kind's unit field.
    assert_eq!(result(&a, "2.2-annual-plans", "厚街镇")["actual"], json!(1));
    assert_eq!(
        result(&a, "2.2-annual-plans", "市教育局")["actual"],
        json!(1)
    );
    assert_eq!(result(&a, "2.2-annual-plans", "松山湖")["actual"], json!(0));
    // Growth: 110 % of 2021's 100,000 yuan; 2022 sold 120,000 through the channel.
    let grow = result(&a, "3.1-consumption", "plan");
    assert_eq!(grow["actual"], json!(120_000));
    assert_eq!(grow["target_min"], json!(110_000));
    assert_eq!(grow["status"], "met");
    // A buyer naming a department, by its alias too, counts for it.
    assert_eq!(
        result(&a, "3.1-department-purchases", "市教育局")["actual"],
        json!(50_000)
    );
    assert_eq!(
        result(&a, "3.1-department-purchases", "市商务局")["actual"],
        json!(120_000)
    );

    let first = assess(app, "2021");
    assert_eq!(
        result(&first, "1.1-funds", "威宁县")["deadline"],
        "2021-12-31"
    );
    assert_eq!(result(&first, "2.1-workshops", "plan")["actual"], json!(1));
    assert_eq!(
        result(&first, "3.1-consumption", "plan")["target_min"],
        Value::Null
    );
    assert_eq!(
        result(&first, "3.1-consumption", "plan")["status"],
        "tracked"
    );
}

async fn labels_and_vocabulary_come_from_the_plan(app: &mut TestApp) {
    // A secondment's direction reads 东莞→毕节; the bundled plan's words are refused.
    let ok = app.scratch_dir().join("ok.csv");
    std::fs::write(
        &ok,
        "姓名,类别,方向,派出单位,接收单位,开始日期\n王,教师,东莞→毕节,厚街镇,威宁县,2022-03-01\n",
    )
    .unwrap();
    app.cli_ok(&["import", "secondment", ok.to_str().unwrap()]);
    let bad = app.scratch_dir().join("bad.csv");
    std::fs::write(
        &bad,
        "类型,名称,所在县区,建成日期\n产业示范基地,基地,威宁县,2022-01-01\n不在词表,车间,威宁县,2022-01-01\n",
    )
    .unwrap();
    let o = app.cli(&["import", "facility", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv"), "{err}");
    assert!(err.contains("第3行") && err.contains("类型"), "{err}");
    assert!(
        err.contains("帮扶车间"),
        "the allowed values name the plan's option: {err}"
    );
    let listed = export_csv(app, "facility");
    assert!(
        !listed.contains("基地"),
        "nothing of the refused file was written"
    );

    // The pairing template's party columns name the plan's regions.
    let tpl = app.scratch_dir().join("pairing.xlsx");
    app.cli_ok(&["template", "pairing", "--out", tpl.to_str().unwrap()]);
    let headers = first_row(&tpl);
    assert!(headers.contains(&"东莞方".to_string()), "{headers:?}");
    assert!(headers.contains(&"毕节方".to_string()), "{headers:?}");
    assert!(!headers.iter().any(|h| h.contains("昭通")), "{headers:?}");

    // A kind of the plan's own: its template, filled in and imported as xlsx, and its
    // export.
    let tpl = app.scratch_dir().join("agreement.xlsx");
    app.cli_ok(&["template", "agreement", "--out", tpl.to_str().unwrap()]);
    let headers = first_row(&tpl);
    assert_eq!(
        &headers[..5],
        ["类型", "名称", "东部单位", "西部单位", "签订日期"]
    );
    let filled = app.scratch_dir().join("agreements.xlsx");
    write_xlsx(
        &filled,
        "协议与计划",
        &[
            &[
                "类型",
                "名称",
                "东部单位",
                "西部单位",
                "签订日期",
                "协议金额（元）",
            ],
            &[
                "镇县帮扶协议",
                "厚街镇协议",
                "厚街镇",
                "威宁县",
                "2022-04-01",
                "250000.50",
            ],
        ],
    );
    app.cli_ok(&["import", "agreement", filled.to_str().unwrap()]);
    let csv = export_csv(app, "agreement");
    assert!(
        csv.contains("厚街镇协议") && csv.contains("250000.50"),
        "{csv}"
    );
}

/// The JSON API takes a record of the plan's own kind and lists it; the OpenAPI
/// document and the form page know the kind.
async fn the_api_and_forms_speak_the_plans_own_kinds(app: &mut TestApp) {
    app.restart_server();
    app.add_user("houjie", "reporter", Some("厚街镇"));
    let town = app.login("houjie").await;
    let r = town
        .post(
            "/api/v1/records/agreement",
            &json!({"type": "年度帮扶计划", "title": "2023年度计划", "east_unit": "厚街镇",
                    "west_unit": "威宁县", "signed_on": "2023-01-20"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let list = town.get("/api/v1/records/agreement").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.text.contains("2023年度计划"), "{}", list.text);
    // Another unit's name is refused for a reporter of 厚街镇.
    let r = town
        .post(
            "/api/v1/records/agreement",
            &json!({"type": "年度帮扶计划", "title": "x", "east_unit": "松山湖",
                    "west_unit": "赫章县", "signed_on": "2023-01-20"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = town
        .post(
            "/api/v1/records/agreement",
            &json!({"type": "不在词表", "title": "x", "east_unit": "厚街镇",
                    "west_unit": "威宁县", "signed_on": "2023-01-20"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.fields().contains(&"type".to_string()), "{}", r.body);
    let pages = app.cookie_login("houjie").await;
    let form = pages.get("/records/agreement/new").await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.text.contains("东部单位") && form.text.contains("年度帮扶计划"));
    let list = pages.get("/records/agreement").await;
    assert!(list.text.contains("2023年度计划"), "{}", list.text);
}

on_both_backends!(
    figures_of_another_plan,
    labels_and_vocabulary_come_from_the_plan,
    the_api_and_forms_speak_the_plans_own_kinds,
);

fn export_csv(app: &TestApp, kind: &str) -> String {
    let out = app.scratch_dir().join(format!("{kind}-export.csv"));
    app.cli_ok(&[
        "export",
        kind,
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&out).unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn first_row(path: &std::path::Path) -> Vec<String> {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect()
}

fn write_xlsx(path: &std::path::Path, sheet: &str, rows: &[&[&str]]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name(sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save(path).unwrap();
}
