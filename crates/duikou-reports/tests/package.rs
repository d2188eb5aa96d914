//! The inspection package: a folder per checklist item, the records behind each
//! indicator, evidence named by record, an index whose every link resolves to a file in
//! the zip and whose figures equal the assessment, and the list of figures lacking
//! evidence.

mod common;

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use common::*;
use duikou_reports::common::{figure_value, scope_label};
use duikou_reports::package::{ASSESSMENT_JSON, INDEX_FILE, NO_EVIDENCE_FILE};

fn read(z: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut f = z
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the zip"));
    let mut v = Vec::new();
    f.read_to_end(&mut v).unwrap();
    v
}

/// Every HYPERLINK target of a workbook, resolved against the folder the workbook is in.
fn links(bytes: &[u8], folder: &str) -> Vec<String> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let fr = wb.worksheet_formula(&name).unwrap();
        for f in fr.rows().flatten().filter(|f| f.starts_with("HYPERLINK(")) {
            let target = f
                .trim_start_matches("HYPERLINK(\"")
                .split('"')
                .next()
                .unwrap()
                .to_string();
            out.push(if folder.is_empty() {
                target
            } else {
                format!("{folder}/{target}")
            });
        }
    }
    out
}

#[tokio::test]
async fn the_package_holds_every_item_its_records_evidence_and_a_resolving_index() {
    let f = fixture().await;
    let files = f.files.clone();
    let reader = move |sha: &str| {
        files
            .get(sha)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "absent"))
    };
    let mut out = Cursor::new(Vec::new());
    let summary = common::package_of(&f.store, &f.plan, &opts(2019), made_at(), reader, &mut out)
        .await
        .unwrap();
    let mut z = zip::ZipArchive::new(Cursor::new(out.into_inner())).unwrap();
    let names: BTreeSet<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().to_string())
        .collect();
    assert_eq!(
        names,
        summary.entries.iter().cloned().collect(),
        "the summary lists what is in the zip"
    );

    // The top: index, list of figures lacking evidence, assessment, checklist.
    for top in [
        INDEX_FILE,
        NO_EVIDENCE_FILE,
        "考核结果.xlsx",
        ASSESSMENT_JSON,
        "工作清单进展表.xlsx",
    ] {
        assert!(names.contains(top), "{top}");
    }
    // A folder per checklist item; an item without figures says so.
    for item in &f.plan.items {
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(&format!("{} {}/", item.no, item.title))),
            "folder for {}",
            item.no
        );
    }
    assert!(names.contains("3.1 财政援助资金/01_省、市财政援助资金到位.xlsx"));
    assert!(names.contains("9.2 考核迎检/说明.txt"));
    // Evidence named by record; the unreadable file reported, not invented.
    let transfer_id = f
        .store
        .records_after(&Default::default(), 0, 1)
        .await
        .unwrap()[0]
        .id;
    let voucher = format!("3.1 财政援助资金/佐证材料/记录{transfer_id}-1-拨付凭证.pdf");
    assert!(names.contains(&voucher), "{names:#?}");
    assert_eq!(read(&mut z, &voucher), b"%PDF-1.4 voucher");
    assert!(names.contains(&format!(
        "3.1 财政援助资金/佐证材料/记录{transfer_id}-2-到账回单_扫描.jpg"
    )));
    assert_eq!(
        summary.missing_files,
        vec![format!(
            "3.1 财政援助资金/佐证材料/记录{transfer_id}-3-丢失的文件.pdf"
        )]
    );
    assert!(names.iter().any(
        |n| n.starts_with("8.3 镇村结对帮扶/佐证材料/记录") && n.ends_with("-1-结对协议.docx")
    ));
    assert!(
        names
            .iter()
            .all(|n| !n.contains("..") && !n.starts_with('/'))
    );

    // Every link of the index and of each records workbook resolves to a file in the zip.
    let index = read(&mut z, INDEX_FILE);
    let mut all_links = links(&index, "");
    let books: Vec<String> = names
        .iter()
        .filter(|n| n.ends_with(".xlsx") && n.contains('/'))
        .cloned()
        .collect();
    for b in &books {
        let bytes = read(&mut z, b);
        all_links.extend(links(&bytes, b.rsplit_once('/').unwrap().0));
    }
    assert!(all_links.len() > a_few(), "{} links", all_links.len());
    for l in &all_links {
        assert!(
            names.contains(l) || names.contains(&format!("{l}/")),
            "link {l} resolves"
        );
    }

    // The index's figures are the assessment's.
    let a = assessment(&f.store, &f.plan, 2019).await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(index.clone())).unwrap();
    let range = wb.worksheet_range("指标索引").unwrap();
    let rows: Vec<&[Data]> = range
        .rows()
        .filter(|r| matches!(&r[2], Data::String(s) if a.results.iter().any(|x| &x.indicator == s)))
        .collect();
    assert_eq!(rows.len(), a.results.len());
    for (row, r) in rows.iter().zip(&a.results) {
        assert_eq!(row[2], Data::String(r.indicator.clone()));
        assert_eq!(row[4], Data::String(scope_label(&r.scope).to_string()));
        assert_eq!(
            row[5],
            Data::Float(figure_value(r.actual).0),
            "{} {}",
            r.indicator,
            r.scope
        );
        assert_eq!(row[8], Data::String(r.status.label_zh().to_string()));
        assert_eq!(row[9], Data::Float(r.records as f64));
    }
    let json: serde_json::Value = serde_json::from_slice(&read(&mut z, ASSESSMENT_JSON)).unwrap();
    assert_eq!(json, serde_json::to_value(&a).unwrap());

    // The records behind a figure.
    let fiscal = read(&mut z, "3.1 财政援助资金/01_省、市财政援助资金到位.xlsx");
    let (h, recs) = sheet_rows(&fiscal, "记录");
    assert_eq!(&h[..4], &["记录编号", "计入范围", "审核状态", "佐证文件数"]);
    assert_eq!(recs.len(), 12);
    assert!(
        recs.iter().any(|r| r[3] == "2"),
        "two readable files on the first transfer"
    );
    let persons = read(&mut z, "5.2 劳务输出/01_吸纳昭通劳动力就业.xlsx");
    let (h, recs) = sheet_rows(&persons, "记录");
    let id = h.iter().position(|x| x == "身份证号").unwrap();
    assert!(
        recs.iter().all(|r| r[id].contains("********")),
        "ID numbers masked in the package"
    );

    // Figures lacking evidence: nearly all, 3.1 only in part.
    let lacking = read(&mut z, NO_EVIDENCE_FILE);
    let (_, rows) = sheet_rows(&lacking, "无佐证清单");
    let fiscal_row = rows
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("3.1-fiscal-aid"))
        .unwrap();
    assert_eq!(fiscal_row[10], "部分缺佐证");
    let employed = rows
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("5.2-employed"))
        .unwrap();
    assert_eq!(employed[10], "无佐证");
    assert_eq!(
        summary.figures_lacking_evidence,
        rows.iter()
            .filter(|r| r.len() > 10 && (r[10] == "无佐证" || r[10] == "部分缺佐证"))
            .count()
    );
    let (_, missing) = sheet_rows(&lacking, "缺失文件");
    assert!(missing[0][0].ends_with("丢失的文件.pdf"));

    // Every workbook's formulas recompute.
    for b in books.iter().chain([&"考核结果.xlsx".to_string()]) {
        check_formulas(&read(&mut z, b));
    }
}

fn a_few() -> usize {
    40
}

/// 2020-01-15 02:30 UTC: 10:30 in Beijing.
fn made_at() -> time::OffsetDateTime {
    time::macros::datetime!(2020-01-15 02:30 UTC)
}

/// (name, general-purpose flags) of every entry, from the zip's central directory.
fn central_directory(zip: &[u8]) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 46 <= zip.len() {
        if zip[i..i + 4] == [0x50, 0x4b, 0x01, 0x02] {
            let u16_at = |o: usize| u16::from_le_bytes([zip[i + o], zip[i + o + 1]]);
            let (flags, name_len) = (u16_at(8), usize::from(u16_at(28)));
            let (extra, comment) = (usize::from(u16_at(30)), usize::from(u16_at(32)));
            let name = String::from_utf8(zip[i + 46..i + 46 + name_len].to_vec())
                .expect("entry names are UTF-8");
            out.push((name, flags));
            i += 46 + name_len + extra + comment;
        } else {
            i += 1;
        }
    }
    out
}

#[tokio::test]
async fn the_package_is_named_in_chinese_and_dated_in_beijing_time() {
    let f = fixture().await;
    let files = f.files.clone();
    let reader = move |sha: &str| {
        files
            .get(sha)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "absent"))
    };
    let mut out = Cursor::new(Vec::new());
    common::package_of(&f.store, &f.plan, &opts(2019), made_at(), reader, &mut out)
        .await
        .unwrap();
    let bytes = out.into_inner();

    // Chinese names, marked as UTF-8 (general-purpose flag bit 11) for every unzip tool.
    let entries = central_directory(&bytes);
    assert!(entries.len() > 50, "{} entries", entries.len());
    for (name, flags) in &entries {
        if !name.is_ascii() {
            assert_ne!(flags & (1 << 11), 0, "UTF-8 flag on {name}");
        }
    }
    let books: Vec<&String> = entries
        .iter()
        .map(|(n, _)| n)
        .filter(|n| n.contains('/') && n.ends_with(".xlsx"))
        .collect();
    assert!(books.len() > 30);
    for b in &books {
        let file = b.rsplit('/').next().unwrap();
        assert!(
            file.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "a Chinese file name: {b}"
        );
        assert!(
            !f.plan
                .indicators
                .iter()
                .any(|i| file.contains(i.id.as_str())),
            "no indicator slug as a name: {b}"
        );
    }

    // Dated in Beijing time: the generated files at the making, evidence at its upload.
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let dated = |z: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str| {
        z.by_name(name)
            .unwrap()
            .last_modified()
            .unwrap()
            .to_string()
    };
    assert_eq!(dated(&mut z, INDEX_FILE), "2020-01-15 10:30:00");
    assert_eq!(dated(&mut z, "考核结果.xlsx"), "2020-01-15 10:30:00");
    let transfer = f
        .store
        .records_after(&Default::default(), 0, 1)
        .await
        .unwrap()[0]
        .id;
    let stored = f.store.evidence_of(transfer).await.unwrap();
    let uploaded = duikou_reports::package::beijing_time(&stored[0].uploaded_at);
    assert_ne!(
        uploaded, stored[0].uploaded_at,
        "shown in Beijing time, not as stored"
    );
    let utc = duikou_storage::parse_ts(&stored[0].uploaded_at).unwrap();
    let beijing = utc.to_offset(time::macros::offset!(+8));
    assert!(uploaded.starts_with(&format!(
        "{:04}-{:02}-{:02} {:02}:",
        beijing.year(),
        u8::from(beijing.month()),
        beijing.day(),
        beijing.hour()
    )));
    let voucher = format!("3.1 财政援助资金/佐证材料/记录{transfer}-1-拨付凭证.pdf");
    // A zip date keeps even seconds.
    assert_eq!(dated(&mut z, &voucher)[..16], uploaded[..16]);
    let book = read(&mut z, "3.1 财政援助资金/01_省、市财政援助资金到位.xlsx");
    let (h, rows) = sheet_rows(&book, "佐证文件");
    assert_eq!(h[3], "上传时间（北京时间）");
    assert!(rows.iter().any(|r| r[3] == uploaded), "{rows:?}");
    let index = read(&mut z, INDEX_FILE);
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(index)).unwrap();
    let about = wb.worksheet_range("说明").unwrap();
    assert!(
        about
            .rows()
            .flatten()
            .any(|c| matches!(c, Data::String(s) if s.contains("生成时间：2020-01-15 10:30:00（北京时间）"))),
        "the making time said in Beijing time"
    );
}
