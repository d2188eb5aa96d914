//! Files of persons through `prepare`: a 户籍县区 contradicting the ID number refuses the
//! row, naming row and column; an area code the plan does not know is no error; an ID
//! from outside the assisted side is a warning, listed with its row; the error workbook
//! holds the refused rows with their reasons, ID numbers masked.

use duikou_domain::crypto::SecretKey;
use duikou_domain::id_number::{make_valid, mask_id_number};
use duikou_domain::plan::Plan;
use time::macros::date;

use super::super::error_book::{error_workbook, report_file_name};
use super::super::{PrepareContext, prepare, warnings};
use crate::tabular::{Table, read_table_bytes};

fn id(area: &str, seq: u16) -> String {
    make_valid(area, date!(1990 - 05 - 17), seq)
        .as_str()
        .to_string()
}

fn table(rows: &[(&str, String)]) -> Table {
    let mut csv = String::from("类别,姓名,身份证号,户籍县区,开始日期,填报单位\n");
    for (county, id) in rows {
        csv.push_str(&format!("劳务就业,张三,{id},{county},2019-03-01,清溪镇\n"));
    }
    read_table_bytes("名单.csv", csv.as_bytes(), &["person"]).expect("a table")
}

fn key() -> SecretKey {
    SecretKey::from_bytes(&[9u8; 32]).expect("32 bytes")
}

#[test]
fn a_home_county_contradicting_the_id_refuses_the_row_naming_row_and_column() {
    let plan = Plan::bundled();
    let key = key();
    let ctx = PrepareContext {
        plan: &plan,
        key: &key,
        actor: None,
        today: time::macros::date!(2030 - 01 - 01),
    };
    let kind = plan.kind("person").unwrap();
    let t = table(&[
        ("彝良县", id("530628", 1)),
        ("彝良县", id("530627", 2)), // a 镇雄县 number
        ("镇雄县", id("530627", 3)),
    ]);
    let errors = prepare(&t, kind, &ctx).expect_err("refused");
    assert_eq!(errors.total(), 1, "{:?}", errors.listed());
    let e = &errors.listed()[0];
    assert_eq!(e.row, 3);
    assert_eq!(e.column, "D 户籍县区");
    assert_eq!(e.field, "hukou_county");
    assert_eq!(e.value, "彝良县");
    assert!(
        e.zh.contains("镇雄县") && e.zh.contains("530627"),
        "{}",
        e.zh
    );
    assert!(e.en.contains("contradicts"), "{}", e.en);
    let line = e.to_string();
    assert!(line.contains("名单.csv 第3行 D 户籍县区列"), "{line}");
    assert!(
        !line.contains(&id("530627", 2)),
        "no plain ID in the message"
    );

    // The workbook: the problem, and the refused row with its reason, the ID masked.
    let book = error_workbook(&errors, &Default::default(), Some((&t, kind))).unwrap();
    let back = read_table_bytes("r.xlsx", &book, &["错误"]).unwrap();
    assert_eq!(back.rows.len(), 1);
    assert_eq!(back.rows[0].cells[1], "3");
    assert_eq!(back.rows[0].cells[2], "D 户籍县区");
    let bad = read_table_bytes("r.xlsx", &book, &["问题行"]).unwrap();
    assert_eq!(bad.rows.len(), 1, "only the refused row");
    let cells = &bad.rows[0].cells;
    assert_eq!(cells[0], "3");
    assert_eq!(
        cells[3],
        mask_id_number(&id("530627", 2)),
        "masked: {cells:?}"
    );
    assert!(cells.last().unwrap().contains("镇雄县"));
    assert_eq!(report_file_name("名单.csv"), "名单-错误报告.xlsx");
}

#[test]
fn an_area_code_the_plan_does_not_know_is_no_error() {
    let plan = Plan::bundled();
    let key = key();
    let ctx = PrepareContext {
        plan: &plan,
        key: &key,
        actor: None,
        today: time::macros::date!(2030 - 01 - 01),
    };
    let kind = plan.kind("person").unwrap();
    // 530699: inside the assisted city, a county the plan does not list; 110105: not
    // an area of the plan at all (flagged as outside the assisted side, not refused).
    let t = table(&[("彝良县", id("530699", 1)), ("彝良县", id("110105", 2))]);
    let rows = prepare(&t, kind, &ctx).expect("no errors");
    assert_eq!(rows.len(), 2);
    let w = warnings(&t, kind, &ctx, &rows);
    assert_eq!(w.total(), 1, "{:?}", w.listed());
    assert_eq!(w.listed()[0].row, 3);
    assert_eq!(w.listed()[0].column, "C 身份证号");
    assert_eq!(w.listed()[0].value, mask_id_number(&id("110105", 2)));
}

#[test]
fn an_id_from_outside_the_assisted_side_is_a_warning_not_an_error() {
    let plan = Plan::bundled();
    let key = key();
    let ctx = PrepareContext {
        plan: &plan,
        key: &key,
        actor: None,
        today: time::macros::date!(2030 - 01 - 01),
    };
    let kind = plan.kind("person").unwrap();
    // No home county given: a Dongguan number in a list of the west's workers.
    let t = table(&[("", id("441900", 1)), ("", id("530602", 2))]);
    let rows = prepare(&t, kind, &ctx).expect("imports");
    let w = warnings(&t, kind, &ctx, &rows);
    assert_eq!(w.total(), 1);
    let e = &w.listed()[0];
    assert_eq!(e.row, 2);
    assert!(
        e.zh.contains("441900") && e.zh.contains("东莞市"),
        "{}",
        e.zh
    );
    assert!(e.en.contains("outside the assisted side"), "{}", e.en);
    // With a home county it contradicts, the same number is refused.
    let t = table(&[("彝良县", id("441900", 1))]);
    let errors = prepare(&t, kind, &ctx).expect_err("refused");
    assert_eq!(errors.listed()[0].column, "D 户籍县区");
    // A plan that does not declare its west persons flags nothing.
    let mut quiet = Plan::bundled();
    quiet.meta.west_persons.clear();
    let ctx = PrepareContext {
        plan: &quiet,
        key: &key,
        actor: None,
        today: time::macros::date!(2030 - 01 - 01),
    };
    let t = table(&[("", id("441900", 1))]);
    let rows = prepare(&t, kind, &ctx).expect("imports");
    assert!(warnings(&t, kind, &ctx, &rows).is_empty());
    // The workbook of warnings only: one 提醒 sheet.
    let book = error_workbook(&Default::default(), &w, None).unwrap();
    let back = read_table_bytes("r.xlsx", &book, &["提醒"]).unwrap();
    assert_eq!(back.rows.len(), 1);
    assert_eq!(back.rows[0].cells[1], "2");
}
