//! Exports: CSV (UTF-8 with BOM) and .xlsx in the import layout, masked ID numbers,
//! numbers and dates as such, frozen header and filters, formula injection guarded,
//! what each role may see, and the round trip: an export imports back into an empty
//! database and gives the same assessment.

mod common;

use duikou_domain::plan::bundled_kind;
use duikou_domain::schema::BuiltinKind;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::*;
use duikou_domain::roles::{Actor, Role};
use duikou_domain::schema::RecordKind;
use duikou_reports::export::{
    ExportFormat, ExportOptions, Ids, STATUS_HEADER, StatusFilter, export_store, headers,
};
use duikou_reports::template::columns;

async fn export(
    f: &Fixture,
    kind: RecordKind,
    year: Option<i32>,
    opts: ExportOptions<'_>,
) -> (Vec<u8>, usize) {
    let mut out = Cursor::new(Vec::new());
    let s = export_store(&f.store, kind, year, opts, &mut out)
        .await
        .unwrap();
    (out.into_inner(), s.rows)
}

/// Every record whatever its status, to compare what each role gets.
fn csv_opts<'a>() -> ExportOptions<'a> {
    ExportOptions {
        format: ExportFormat::Csv,
        status: StatusFilter::All,
        ..Default::default()
    }
}

#[tokio::test]
async fn csv_is_utf8_with_bom_in_the_import_layout_with_ids_masked() {
    let f = fixture().await;
    let (bytes, rows) = export(
        &f,
        bundled_kind(BuiltinKind::Person),
        Some(2019),
        csv_opts(),
    )
    .await;
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let (h, data) = csv_rows(&bytes);
    assert_eq!(
        h,
        columns(bundled_kind(BuiltinKind::Person))
            .iter()
            .map(|f| f.zh.to_string())
            .chain([STATUS_HEADER.to_string()])
            .collect::<Vec<_>>()
    );
    assert_eq!(rows, 11);
    assert_eq!(data.len(), 11);
    let id_col = h.iter().position(|x| x == "身份证号").unwrap();
    for r in &data {
        assert!(r[id_col].contains("********"), "masked: {}", r[id_col]);
        assert_eq!(r[id_col].len(), 18);
    }
    // Money as plain yuan with two decimals, dates ISO.
    let (h, data) = csv_rows(
        &export(&f, bundled_kind(BuiltinKind::Transfer), None, csv_opts())
            .await
            .0,
    );
    let amount = h.iter().position(|x| x == "金额（元）").unwrap();
    assert!(data.iter().any(|r| r[amount] == "1000000.50"), "{data:?}");
    let received = h.iter().position(|x| x == "到账日期").unwrap();
    assert!(data.iter().any(|r| r[received] == "2019-03-20"));
}

#[tokio::test]
async fn formula_like_text_is_neutralised() {
    let f = fixture().await;
    let (bytes, _) = export(&f, bundled_kind(BuiltinKind::Activity), None, csv_opts()).await;
    let (h, data) = csv_rows(&bytes);
    let notes = h.iter().position(|x| x == "备注").unwrap();
    let cell = data
        .iter()
        .map(|r| &r[notes])
        .find(|n| n.contains("HYPERLINK"))
        .unwrap();
    assert!(
        cell.starts_with("'="),
        "CSV: written with a leading apostrophe: {cell}"
    );

    // .xlsx: a string cell (never a formula) with the quote-prefix style.
    let (bytes, _) = export(
        &f,
        bundled_kind(BuiltinKind::Activity),
        None,
        ExportOptions::default(),
    )
    .await;
    let xml = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(!xml.contains("<f>"), "no formula in an export");
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    let range = wb
        .worksheet_range(bundled_kind(BuiltinKind::Activity).label_zh())
        .unwrap();
    let col = headers(bundled_kind(BuiltinKind::Activity), false)
        .iter()
        .position(|x| x == "备注")
        .unwrap();
    let (row, _) = range
        .rows()
        .enumerate()
        .find(|(_, r)| matches!(&r[col], Data::String(s) if s.contains("HYPERLINK")))
        .unwrap();
    assert_eq!(
        range.get((row, col)),
        Some(&Data::String(
            "=HYPERLINK(\"http://example.invalid\",\"x\")".into()
        )),
        "text kept as is"
    );
    let styles = xlsx_part(&bytes, "xl/styles.xml");
    assert!(
        styles.contains("quotePrefix=\"1\""),
        "the guarded cell is quote-prefixed"
    );
}

#[tokio::test]
async fn xlsx_has_numbers_dates_frozen_header_filters_and_widths() {
    let f = fixture().await;
    let (bytes, rows) = export(
        &f,
        bundled_kind(BuiltinKind::Transfer),
        Some(2019),
        ExportOptions::default(),
    )
    .await;
    assert_eq!(rows, 14);
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(wb.sheet_names(), vec!["资金拨付".to_string()]);
    let range = wb.worksheet_range("资金拨付").unwrap();
    let h = headers(bundled_kind(BuiltinKind::Transfer), false);
    let amount = h.iter().position(|x| x == "金额（元）").unwrap();
    let sent = h.iter().position(|x| x == "拨付日期").unwrap();
    let year = h.iter().position(|x| x == "资金年度").unwrap();
    let row1: Vec<&Data> = range.rows().nth(1).unwrap().iter().collect();
    assert!(
        matches!(row1[amount], Data::Float(v) if *v == 27_000_000.0),
        "{:?}",
        row1[amount]
    );
    assert!(matches!(row1[sent], Data::DateTime(_)), "{:?}", row1[sent]);
    assert!(matches!(row1[year], Data::Float(v) if *v == 2019.0));
    let xml = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(xml.contains("<pane ySplit=\"1\""), "frozen header");
    assert!(xml.contains("<autoFilter ref=\"A1:"), "filters");
    assert!(
        xml.contains("<cols>") && xml.contains("customWidth=\"1\""),
        "column widths"
    );
    assert!(xlsx_part(&bytes, "xl/styles.xml").contains("formatCode=\"#,##0.00\""));

    // In 万元 on request: header and value change together.
    let (bytes, _) = export(
        &f,
        bundled_kind(BuiltinKind::Transfer),
        Some(2019),
        ExportOptions {
            money_in_wan: true,
            ..Default::default()
        },
    )
    .await;
    let (h, data) = sheet_rows(&bytes, "资金拨付");
    let amount = h.iter().position(|x| x == "金额（万元）").unwrap();
    assert!(
        data.iter().any(|r| r[amount] == "100.00005"),
        "{:?}",
        data.iter().map(|r| &r[amount]).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn ids_unmasked_only_on_request_and_only_where_allowed() {
    let f = fixture().await;
    let key = f.key.clone();
    let (bytes, _) = export(
        &f,
        bundled_kind(BuiltinKind::Secondment),
        None,
        ExportOptions {
            format: ExportFormat::Csv,
            ids: Ids::Unmasked(&key),
            ..Default::default()
        },
    )
    .await;
    let (h, data) = csv_rows(&bytes);
    let id = h.iter().position(|x| x == "身份证号").unwrap();
    let full: Vec<&String> = data
        .iter()
        .map(|r| &r[id])
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(full.len(), 2);
    assert!(
        full.iter()
            .all(|s| s.len() == 18 && s.bytes().all(|b| b.is_ascii_digit())),
        "{full:?}"
    );

    // A reporter sees only their unit's records, and their own unmasked.
    let qx = Actor {
        username: "qx".into(),
        role: Role::Reporter,
        unit: Some("清溪镇".into()),
    };
    let (bytes, rows) = export(
        &f,
        bundled_kind(BuiltinKind::Secondment),
        None,
        ExportOptions {
            format: ExportFormat::Csv,
            ids: Ids::Unmasked(&key),
            actor: Some(&qx),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(rows, 2);
    assert!(
        csv_rows(&bytes)
            .1
            .iter()
            .all(|r| r[h.iter().position(|x| x == "派出单位").unwrap()] == "清溪镇")
    );
    // An auditor sees everything, masked even when asking for full numbers.
    let audit = Actor {
        username: "a".into(),
        role: Role::Auditor,
        unit: None,
    };
    let (bytes, rows) = export(
        &f,
        bundled_kind(BuiltinKind::Secondment),
        None,
        ExportOptions {
            format: ExportFormat::Csv,
            ids: Ids::Unmasked(&key),
            actor: Some(&audit),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(rows, 3);
    assert!(
        csv_rows(&bytes)
            .1
            .iter()
            .filter(|r| !r[id].is_empty())
            .all(|r| r[id].contains('*'))
    );
    // A viewer sees approved records only; an administrator none.
    let viewer = Actor {
        username: "v".into(),
        role: Role::Viewer,
        unit: None,
    };
    let (_, all) = export(&f, bundled_kind(BuiltinKind::Activity), None, csv_opts()).await;
    let (_, approved) = export(
        &f,
        bundled_kind(BuiltinKind::Activity),
        None,
        ExportOptions {
            actor: Some(&viewer),
            ..csv_opts()
        },
    )
    .await;
    assert_eq!(
        all,
        approved + 2,
        "draft and submitted are not shown to a viewer"
    );
    let admin = Actor {
        username: "root".into(),
        role: Role::Admin,
        unit: None,
    };
    let e = export_store(
        &f.store,
        bundled_kind(BuiltinKind::Activity),
        None,
        ExportOptions {
            actor: Some(&admin),
            ..csv_opts()
        },
        Cursor::new(Vec::new()),
    )
    .await
    .unwrap_err();
    assert!(e.is_input());
    // A receiver: its own and those concerning its county.
    let zx = Actor {
        username: "zx".into(),
        role: Role::Receiver,
        unit: Some("镇雄县".into()),
    };
    let (_, n) = export(
        &f,
        bundled_kind(BuiltinKind::Transfer),
        None,
        ExportOptions {
            actor: Some(&zx),
            ..csv_opts()
        },
    )
    .await;
    assert_eq!(
        n, 4,
        "two from the city and province, one from 清溪镇, one from 企石镇"
    );
}

#[tokio::test]
async fn an_export_imports_back_into_an_empty_database_with_the_same_assessment() {
    let f = fixture().await;
    let before = assessment(&f.store, &f.plan, 2019).await;
    let fiscal = before
        .results
        .iter()
        .find(|r| r.indicator == "3.1-fiscal-aid")
        .unwrap();
    assert_eq!(
        fiscal.actual,
        duikou_domain::engine::Figure::Money(18_000_000_000),
        "the fixture is not empty"
    );
    assert!(before.results.iter().filter(|r| r.actual.raw() > 0).count() > 20);
    let (empty, _dir) = empty_store().await;
    let key = f.key.clone();
    for (i, kind) in duikou_domain::plan::Plan::bundled()
        .kinds()
        .to_vec()
        .into_iter()
        .enumerate()
    {
        // Alternate formats; full ID numbers so people can be imported again.
        let format = if i % 2 == 0 {
            ExportFormat::Xlsx
        } else {
            ExportFormat::Csv
        };
        let opts = ExportOptions {
            format,
            ids: Ids::Unmasked(&key),
            actor: None,
            money_in_wan: i == 2,
            // The default, said here: approved records, the ones that count.
            status: StatusFilter::default(),
        };
        let mut out = Cursor::new(Vec::new());
        // Only what counts: approved records (the import approves everything).
        let q_rows = export_store(&f.store, kind, None, opts, &mut out)
            .await
            .unwrap()
            .rows;
        let bytes = out.into_inner();
        let (h, mut rows) = match format {
            ExportFormat::Xlsx => sheet_rows(&bytes, kind.label_zh()),
            ExportFormat::Csv => csv_rows(&bytes),
        };
        assert_eq!(rows.len(), q_rows);
        if kind == bundled_kind(BuiltinKind::Activity) {
            // Drop the draft and submitted rows, which an import would approve.
            let title = h.iter().position(|x| x == "活动名称").unwrap();
            rows.retain(|r| !r[title].contains("草稿") && !r[title].contains("待审核"));
            // The CSV guard added an apostrophe; the xlsx kept the text as is.
        }
        let valid =
            validate_rows(&f.plan, kind, &h, &rows).unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
        import_valid(
            &empty,
            &f.plan,
            kind,
            valid,
            &format!("back-{}", kind.key()),
        )
        .await;
    }
    let after = assessment(&empty, &f.plan, 2019).await;
    for (a, b) in before.results.iter().zip(&after.results) {
        assert_eq!(
            (
                &a.indicator,
                &a.scope,
                a.actual,
                a.on_time,
                a.status,
                a.records
            ),
            (
                &b.indicator,
                &b.scope,
                b.actual,
                b.on_time,
                b.status,
                b.records
            )
        );
    }
    assert_eq!(before.results.len(), after.results.len());
}
