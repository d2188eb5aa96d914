//! The report commands, run as the real binary on demo data: `template` (a filled-in
//! template imports cleanly), `export` (an export imports back into an empty database
//! and gives the same assessment), `package` (its figures equal `duikou assess` and every
//! index link resolves to a file in the zip), `bulletin`, and `assess --format xlsx`.

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let e = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        e.ok(&["init"]);
        e
    }

    fn with_demo() -> Env {
        let e = Env::new();
        e.ok(&["demo"]);
        e
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_duikou"))
            .arg("--data-dir")
            .arg(self.data())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DUIKOU_DATABASE_URL")
            .env_remove("DUIKOU_SECRET_KEY_FILE")
            .env_remove("DUIKOU_DATA_DIR")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?} failed: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    fn bad(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stderr).unwrap()
    }

    fn assess_json(&self, year: i32) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["assess", "--year", &year.to_string(), "--format", "json"]))
            .unwrap()
    }
}

const KINDS: [&str; 9] = [
    "transfer",
    "project",
    "activity",
    "secondment",
    "person",
    "pairing",
    "facility",
    "purchase",
    "donation",
];

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Type the example row of a template's explanation sheet into its first sheet, as a
/// person would in Excel: text as text, amounts and years as numbers, dates as date
/// cells in the column's date format.
fn fill_in(template: &[u8], values: &[(String, bool, bool)]) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(Cursor::new(template.to_vec())).unwrap();
    let mut sheet = String::new();
    z.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    let col_style = |col: usize| -> Option<String> {
        let at = sheet.find(&format!("<col min=\"{0}\" max=\"{0}\"", col + 1))?;
        let rest = &sheet[at..];
        let s = rest[..rest.find("/>")?].split("style=\"").nth(1)?;
        Some(s.split('"').next()?.to_string())
    };
    let mut row = String::from("<row r=\"2\">");
    for (c, (text, is_number, is_date)) in values.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let cref = format!("{}2", (b'A' + c as u8) as char);
        let style = col_style(c)
            .map(|s| format!(" s=\"{s}\""))
            .unwrap_or_default();
        if *is_date {
            let (y, rest) = text.split_once('-').unwrap();
            let (m, d) = rest.split_once('-').unwrap();
            let date = time::Date::from_calendar_date(
                y.parse().unwrap(),
                time::Month::try_from(m.parse::<u8>().unwrap()).unwrap(),
                d.parse().unwrap(),
            )
            .unwrap();
            let serial = date.to_julian_day()
                - time::Date::from_calendar_date(1899, time::Month::December, 30)
                    .unwrap()
                    .to_julian_day();
            row.push_str(&format!("<c r=\"{cref}\"{style}><v>{serial}</v></c>"));
        } else if *is_number {
            row.push_str(&format!("<c r=\"{cref}\"{style}><v>{text}</v></c>"));
        } else {
            row.push_str(&format!(
                "<c r=\"{cref}\" t=\"inlineStr\"><is><t>{text}</t></is></c>"
            ));
        }
    }
    row.push_str("</row>");
    let sheet = sheet.replacen("</sheetData>", &format!("{row}</sheetData>"), 1);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(if name == "xl/worksheets/sheet1.xml" {
            sheet.as_bytes()
        } else {
            &data
        })
        .unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

#[test]
fn a_filled_in_template_imports_cleanly() {
    let e = Env::new();
    for kind in KINDS {
        let t = e.path(&format!("{kind}-template.xlsx"));
        e.ok(&["template", kind, "--out", p(&t)]);
        let bytes = std::fs::read(&t).unwrap();
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
        let names = wb.sheet_names();
        assert_eq!(names.len(), 4, "{kind}: {names:?}");
        // The explanation sheet lists every column with its type and example.
        let help = wb.worksheet_range(&names[1]).unwrap();
        let header = help.rows().position(|r| text(&r[0]) == "列").unwrap();
        let values: Vec<(String, bool, bool)> = help
            .rows()
            .skip(header + 1)
            .map(|r| {
                let ty = text(&r[4]);
                (
                    text(&r[6]),
                    ty.starts_with("金额") || ty.starts_with("非负整数") || ty.starts_with("年度"),
                    ty == "日期",
                )
            })
            .collect();
        let filled = e.path(&format!("{kind}-filled.xlsx"));
        std::fs::write(&filled, fill_in(&bytes, &values)).unwrap();
        let out = e.ok(&["import", kind, p(&filled)]);
        assert!(out.contains("1 条新记录"), "{kind}: {out}");
    }
    // The default file name, in the working directory.
    e.ok(&["template", "资金拨付"]);
    assert!(e.path("资金拨付-导入模板.xlsx").exists());
    e.bad(&["template", "nothing"]);
}

#[test]
fn an_export_imports_back_into_an_empty_database_with_the_same_assessment() {
    let e = Env::with_demo();
    let back = Env::new();
    for (i, kind) in KINDS.iter().enumerate() {
        let format = if i % 2 == 0 { "xlsx" } else { "csv" };
        let file = e.path(&format!("{kind}.{format}"));
        let out = e.ok(&[
            "export",
            kind,
            "--format",
            format,
            "--unmask",
            "--out",
            p(&file),
        ]);
        assert!(out.contains("条记录"), "{out}");
        back.ok(&["import", kind, p(&file)]);
    }
    // The same figures; evidence files are not part of an export (the demo attaches
    // some), so the evidence coverage is left out of the comparison.
    let figures = |mut a: serde_json::Value| {
        for r in a["results"].as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("with_evidence");
        }
        a
    };
    for year in [2018, 2019, 2020] {
        assert_eq!(
            figures(e.assess_json(year)),
            figures(back.assess_json(year)),
            "assessment of {year} after the round trip"
        );
    }
    // The unmasked exports are in the audit trail, whose chain holds.
    e.ok(&["audit", "verify"]);

    // By default ID numbers are masked and amounts are numbers; CSV has a BOM.
    let csv = e.path("person-masked.csv");
    e.ok(&[
        "export",
        "person",
        "--year",
        "2019",
        "--format",
        "csv",
        "--out",
        p(&csv),
    ]);
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let body = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let first = body.lines().nth(1).unwrap();
    assert!(first.contains("********"), "{first}");
    let xlsx = e.path("transfer-2019.xlsx");
    e.ok(&["export", "transfer", "--year", "2019", "--out", p(&xlsx)]);
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(std::fs::read(&xlsx).unwrap())).unwrap();
    let range = wb.worksheet_range("资金拨付").unwrap();
    let amount = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .position(|h| text(h) == "金额（元）")
        .unwrap();
    assert!(
        range
            .rows()
            .skip(1)
            .all(|r| matches!(r[amount], Data::Float(_)))
    );
    e.bad(&["export", "transfer", "--year", "2031"]);
}

/// Every HYPERLINK target of a workbook in the zip, from the zip's root.
fn links(bytes: &[u8], folder: &str) -> Vec<String> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        for f in wb
            .worksheet_formula(&name)
            .unwrap()
            .rows()
            .flatten()
            .filter(|f| f.starts_with("HYPERLINK("))
        {
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

fn read(z: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut v = Vec::new();
    z.by_name(name)
        .unwrap_or_else(|_| panic!("{name}"))
        .read_to_end(&mut v)
        .unwrap();
    v
}

#[test]
fn the_package_matches_assess_and_every_link_resolves() {
    let e = Env::with_demo();
    // Evidence on the first 2019 transfer, stored as the web upload stores it.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cfg = duikou_app::config::Config::resolve(Some(e.data()), None);
    let transfer_id = rt.block_on(async {
        let store = duikou_storage::Store::open(&duikou_storage::StoreConfig::new(
            cfg.database_url.clone(),
        ))
        .await
        .unwrap();
        let q = duikou_storage::records::RecordQuery {
            kind: Some(duikou_domain::plan::bundled_kind(
                duikou_domain::schema::BuiltinKind::Transfer,
            )),
            year: Some(2019),
            ..Default::default()
        };
        // One the demo gave no evidence of its own.
        let t = store
            .records_after(&q, 0, 1000)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.evidence_count == 0)
            .expect("a 2019 transfer without demo evidence");
        let content = b"%PDF-1.4 voucher".to_vec();
        let sha = duikou_app::evidence_store::EvidenceStore::new(cfg.evidence_dir())
            .put(&content)
            .unwrap();
        store
            .add_evidence(
                t.id,
                &sha,
                "拨付凭证.pdf",
                "application/pdf",
                content.len() as i64,
                "test",
            )
            .await
            .unwrap();
        t.id
    });

    let pkg = e.path("pkg.zip");
    let out = e.ok(&["package", "--year", "2019", "--out", p(&pkg)]);
    // The demo's evidence files (about 7 in 10 transfers, activities and
    // secondments) and this one.
    let files: usize = out
        .split("个佐证文件")
        .next()
        .and_then(|s| s.rsplit(['，', '；']).next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(files > 50, "{out}");
    let mut z = zip::ZipArchive::new(Cursor::new(std::fs::read(&pkg).unwrap())).unwrap();
    let names: BTreeSet<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().to_string())
        .collect();

    // Its figures are `duikou assess`'s.
    let json: serde_json::Value = serde_json::from_slice(&read(&mut z, "考核结果.json")).unwrap();
    let assessed = e.assess_json(2019);
    assert_eq!(json, assessed);
    let results = assessed["results"].as_array().unwrap();
    let index = read(&mut z, "00 索引.xlsx");
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(index.clone())).unwrap();
    let range = wb.worksheet_range("指标索引").unwrap();
    let rows: Vec<&[Data]> = range
        .rows()
        .skip(4)
        .filter(|r| !text(&r[2]).is_empty())
        .collect();
    assert_eq!(rows.len(), results.len());
    for (row, r) in rows.iter().zip(results) {
        assert_eq!(text(&row[2]), r["indicator"].as_str().unwrap());
        let actual = r["actual"].as_f64().unwrap();
        let shown = match &row[5] {
            Data::Float(f) => *f,
            other => panic!("{other:?}"),
        };
        let expected = if r["unit"] == "元" {
            actual / 10_000.0
        } else {
            actual
        };
        assert!(
            (shown - expected).abs() < 1e-6,
            "{}: {shown} vs {expected}",
            r["indicator"]
        );
    }

    // A folder per checklist item; the evidence named by record; every link resolves.
    for folder in ["1.1 园区平台建设/", "3.1 财政援助资金/", "9.2 考核迎检/"] {
        assert!(names.iter().any(|n| n.starts_with(folder)), "{folder}");
    }
    let evidence = format!("3.1 财政援助资金/佐证材料/记录{transfer_id}-1-拨付凭证.pdf");
    assert_eq!(read(&mut z, &evidence), b"%PDF-1.4 voucher");
    let mut all = links(&index, "");
    for book in names
        .iter()
        .filter(|n| n.ends_with(".xlsx") && n.contains('/'))
        .cloned()
        .collect::<Vec<_>>()
    {
        let folder = book.rsplit_once('/').unwrap().0.to_string();
        all.extend(links(&read(&mut z, &book), &folder));
    }
    assert!(all.contains(&evidence));
    for l in &all {
        assert!(
            names.contains(l) || names.contains(&format!("{l}/")),
            "{l} resolves in the zip"
        );
    }
    assert!(names.contains("无佐证清单.xlsx"));
    e.bad(&["package", "--year", "2017", "--out", p(&e.path("x.zip"))]);
    assert!(!e.path("x.zip").exists());
}

#[test]
fn the_bulletin_and_the_assessment_workbook() {
    let e = Env::with_demo();
    let x = e.path("b.xlsx");
    let out = e.ok(&["bulletin", "--month", "2019-06", "--out", p(&x)]);
    assert!(out.contains("2019-06-30"), "{out}");
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(std::fs::read(&x).unwrap())).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["月度通报".to_string(), "尚欠明细".to_string()]
    );
    let range = wb.worksheet_range("月度通报").unwrap();
    assert!(text(&range.rows().next().unwrap()[0]).contains("月度通报"));
    let h = e.path("b.html");
    e.ok(&[
        "bulletin",
        "--month",
        "2019-06",
        "--format",
        "html",
        "--out",
        p(&h),
    ]);
    let page = std::fs::read_to_string(&h).unwrap();
    assert!(page.contains("<table>") && page.contains("清溪镇") && page.contains("市财政局"));
    e.ok(&["bulletin", "--month", "2019-06"]);
    assert!(e.path("月度通报-2019-06.xlsx").exists());
    e.bad(&["bulletin", "--month", "June"]);
    e.bad(&["bulletin", "--month", "2022-01"]);

    let a = e.path("a.xlsx");
    e.ok(&[
        "assess",
        "--year",
        "2019",
        "--format",
        "xlsx",
        "--out",
        p(&a),
    ]);
    let wb: Xlsx<_> = Xlsx::new(Cursor::new(std::fs::read(&a).unwrap())).unwrap();
    let names = wb.sheet_names();
    for s in [
        "总表",
        "明细",
        "每个县区",
        "每个结对镇街",
        "每个协助镇街",
        "工作清单进展",
    ] {
        assert!(names.contains(&s.to_string()), "{s} in {names:?}");
    }
}
