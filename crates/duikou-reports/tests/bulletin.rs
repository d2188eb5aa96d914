//! The monthly bulletin: ranking by the share of the year's targets met to date, what
//! each unit still owes, as a workbook and as a printable page.

mod common;

use calamine::{Reader, Xlsx};
use common::*;
use duikou_reports::bulletin::{Month, html, xlsx};

#[tokio::test]
async fn towns_and_departments_are_ranked_by_targets_met_to_date() {
    let f = fixture().await;
    let month = Month::parse("2019-06").unwrap();
    let b = common::bulletin_of(&f.store, &f.plan, month).await.unwrap();
    assert_eq!(b.as_of, "2019-06-30");
    assert_eq!(b.towns.len(), 22);

    // Ranked best first; equal scores share a rank.
    for w in b.towns.windows(2).chain(b.departments.windows(2)) {
        assert!(w[0].score >= w[1].score);
        assert!(w[0].rank <= w[1].rank);
        if w[0].score == w[1].score && w[0].reached == w[1].reached {
            assert_eq!(w[0].rank, w[1].rank);
        }
    }
    assert_eq!(b.towns[0].rank, 1);

    // 清溪镇 did the most by June: it leads, and owes only what it has not done.
    let qx = b.towns.iter().find(|t| t.unit == "清溪镇").unwrap();
    assert_eq!(
        qx.rank,
        1,
        "{:?}",
        b.towns
            .iter()
            .map(|t| (&t.unit, t.score))
            .collect::<Vec<_>>()
    );
    assert_eq!(qx.group, "结对镇街");
    assert_eq!(qx.county.as_deref(), Some("镇雄县"));
    let owed: Vec<&str> = qx.owed.iter().map(|o| o.indicator.as_str()).collect();
    assert!(
        !owed.contains(&"8.2-lead-teachers"),
        "two teachers sent: {owed:?}"
    );
    assert!(
        !owed.contains(&"8.1-lead-town-funds"),
        "1,000,000.50 received: {owed:?}"
    );
    assert!(owed.contains(&"8.2-lead-doctors"), "{owed:?}");
    let doctors = qx
        .owed
        .iter()
        .find(|o| o.indicator == "8.2-lead-doctors")
        .unwrap();
    assert_eq!(
        doctors.gap.raw(),
        doctors.target.raw() - doctors.actual.raw()
    );
    assert_eq!(qx.targets, qx.reached + qx.owed.len());
    // A town that did nothing owes every target and scores nothing.
    let last = b.towns.last().unwrap();
    assert_eq!(last.score, 0);
    assert_eq!(last.owed.len(), last.targets);

    // Departments answer for the programme-wide targets of their items.
    let finance = b.departments.iter().find(|d| d.unit == "市财政局").unwrap();
    assert_eq!(finance.score, 10_000, "fiscal aid met: {:?}", finance.owed);
    let health = b.departments.iter().find(|d| d.unit == "市卫计局").unwrap();
    assert!(
        health
            .owed
            .iter()
            .any(|o| o.indicator == "2.3-hospital-pairs")
    );
    let batches = health
        .owed
        .iter()
        .find(|o| o.indicator == "2.3-medical-batches")
        .expect("two of three batches by June");
    assert_eq!((batches.actual.raw(), batches.gap.raw()), (2, 1));
    assert!(batches.line().contains("尚差 1"), "{}", batches.line());
}

#[tokio::test]
async fn the_bulletin_renders_as_a_workbook_and_a_printable_page() {
    let f = fixture().await;
    let b = common::bulletin_of(&f.store, &f.plan, Month::parse("2019年6月").unwrap())
        .await
        .unwrap();
    let bytes = xlsx(&b).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["月度通报".to_string(), "尚欠明细".to_string()]
    );
    let range = wb.worksheet_range("月度通报").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    assert!(rows[0][0].contains("月度通报"), "{:?}", rows[0]);
    let first_town = rows.iter().position(|r| r[0] == "排名").unwrap() + 1;
    assert_eq!(rows[first_town][0], "1");
    assert_eq!(rows[first_town][1], b.towns[0].unit);
    let owed_rows = sheet_rows(&bytes, "尚欠明细").1.len();
    let owed: usize = b
        .towns
        .iter()
        .chain(&b.departments)
        .map(|u| u.owed.len())
        .sum();
    assert_eq!(
        owed_rows,
        owed + 2,
        "a row per owed target below the header"
    );

    let page = html(&b);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("@page { size: A4"));
    assert!(page.contains("<meta charset=\"utf-8\">"));
    for t in b.towns.iter().chain(&b.departments) {
        assert!(
            page.contains(&format!("<td class=\"unit\">{}</td>", t.unit)),
            "{}",
            t.unit
        );
    }
    assert!(!page.contains("<script"), "no scripts");
    assert_eq!(page.matches("<table>").count(), 2);
}

#[tokio::test]
async fn months_outside_the_plan_are_refused() {
    let f = fixture().await;
    let e = common::bulletin_of(&f.store, &f.plan, Month::parse("2021-01").unwrap())
        .await
        .unwrap_err();
    assert!(e.is_input(), "{e}");
    assert!(Month::parse("2019-13").unwrap_err().is_input());
}
