//! The assessment workbook (whole programme, per action, per unit scope, coloured
//! statuses, totals as formulas that recompute to the shown values) and the checklist
//! progress table in the appendix's layout.

mod common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::*;
use duikou_domain::engine::IndicatorStatus;
use duikou_reports::workbook::{
    CHECKLIST_SHEET, DETAIL_SHEET, SUMMARY_SHEET, assessment_workbook, checklist_workbook,
};

fn find_row<'a>(range: &'a calamine::Range<Data>, first: &str) -> Option<(usize, &'a [Data])> {
    range
        .rows()
        .enumerate()
        .find(|(_, r)| matches!(r.first(), Some(Data::String(s)) if s == first))
}

#[tokio::test]
async fn the_assessment_workbook_has_every_sheet_and_correct_formulas() {
    let f = fixture().await;
    let a = assessment(&f.store, &f.plan, 2019).await;
    let bytes = assessment_workbook(&f.plan, &a, &Default::default()).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names[0], SUMMARY_SHEET);
    assert_eq!(names[1], DETAIL_SHEET);
    for act in &f.plan.actions {
        assert!(
            names.iter().any(|n| n.starts_with(&format!("{} ", act.no))),
            "a sheet for action {} in {names:?}",
            act.no
        );
    }
    for s in ["每个县区", "每个结对镇街", "每个协助镇街", CHECKLIST_SHEET] {
        assert!(names.contains(&s.to_string()), "{s} in {names:?}");
    }

    // Every formula recomputes to the value shown.
    let n = check_formulas(&bytes);
    assert!(n > 100, "only {n} formulas");

    // The summary's status counts add up to every figure.
    let summary = wb.worksheet_range(SUMMARY_SHEET).unwrap();
    let (_, total) = find_row(&summary, "合计").unwrap();
    assert_eq!(total[1], Data::Float(a.results.len() as f64));
    for s in IndicatorStatus::ALL {
        let (_, row) = find_row(&summary, s.label_zh()).unwrap();
        assert_eq!(
            row[1],
            Data::Float(a.results.iter().filter(|r| r.status == s).count() as f64),
            "{s:?}"
        );
    }
    // The detail sheet: one row per figure.
    let detail = wb.worksheet_range(DETAIL_SHEET).unwrap();
    let rows = detail
        .rows()
        .filter(|r| matches!(&r[0], Data::String(s) if a.results.iter().any(|x| &x.indicator == s)))
        .count();
    assert_eq!(rows, a.results.len());

    // The county sheet: fiscal aid per county sums to the programme's 18000 万元.
    let counties = wb.worksheet_range("每个县区").unwrap();
    let (_, total) = find_row(&counties, "合计").unwrap();
    let header = counties.rows().nth(3).unwrap();
    let col = header
        .iter()
        .position(|c| matches!(c, Data::String(s) if s.starts_with("3.1-fiscal-aid-per-county")))
        .unwrap();
    assert_eq!(total[col], Data::Float(18000.0));
    let (_, zx) = find_row(&counties, "镇雄县").unwrap();
    assert_eq!(zx[col], Data::Float(3000.0));
    assert_eq!(zx[col + 1], Data::String("已完成".into()));

    // Statuses are coloured: the fills of met, not met and behind are in the styles.
    let styles = xlsx_part(&bytes, "xl/styles.xml");
    for rgb in ["FFC6EFCE", "FFFFC7CE", "FFEDEDED"] {
        assert!(styles.contains(rgb), "fill {rgb}");
    }
    // Money is shown in 万元 as numbers.
    let (_, fiscal) = detail
        .rows()
        .enumerate()
        .find(|(_, r)| r[0] == Data::String("3.1-fiscal-aid".into()))
        .unwrap();
    assert_eq!(fiscal[4], Data::Float(18000.0));
    assert_eq!(fiscal[8], Data::String("万元".into()));
}

#[tokio::test]
async fn the_checklist_follows_the_appendix_layout() {
    let f = fixture().await;
    let a = assessment(&f.store, &f.plan, 2019).await;
    let bytes = checklist_workbook(&f.plan, &a, &Default::default()).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    let range = wb.worksheet_range(CHECKLIST_SHEET).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let header = rows.iter().position(|r| r[0] == "序号").unwrap();
    assert_eq!(
        &rows[header][..5],
        &["序号", "重点工作", "具体事项", "完成时限", "责任单位"]
    );
    // Every action as a heading row, then its items in order, with their text.
    let mut at = header + 1;
    for act in &f.plan.actions {
        assert_eq!(rows[at][0], act.no);
        assert_eq!(rows[at][1], act.title);
        at += 1;
        for item in f.plan.items.iter().filter(|i| i.action == act.no) {
            assert_eq!(rows[at][0], item.no);
            assert_eq!(rows[at][1], item.title);
            assert_eq!(rows[at][2], item.text);
            assert_eq!(rows[at][3], item.time_limit);
            assert_eq!(rows[at][4], item.responsible.join("、"));
            at += 1;
        }
    }
    // Figures summarised: 3.1 is met, 9.2 has none.
    let r31 = rows.iter().find(|r| r[0] == "3.1").unwrap();
    assert!(
        r31[5].contains("180000000") || r31[5].contains("18000.00万元"),
        "{}",
        r31[5]
    );
    assert_eq!(r31[6], "已完成");
    let r92 = rows.iter().find(|r| r[0] == "9.2").unwrap();
    assert_eq!(r92[5], "（无量化指标）");
    let xml = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(xml.contains("<mergeCell"), "action rows merged across");
}
