//! Every kind of output opens in LibreOffice (`--convert-to pdf` succeeds).
//!
//! The bulletin's HTML page is printed to PDF with headless Chromium when present.
//!
//! Opt-in, since it needs LibreOffice (`soffice` or `libreoffice` on the PATH) and a
//! conversion takes seconds: ignored by `cargo test` and by `.ci/run`; run it with
//! `cargo test -p duikou-reports --test libreoffice -- --ignored`. With
//! DUIKOU_SAMPLES_DIR set, the files (and PDFs) are left there to be looked at.

mod common;

use duikou_domain::plan::bundled_kind;
use duikou_domain::schema::BuiltinKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use duikou_reports::bulletin::{self, Month};
use duikou_reports::export::{ExportFormat, ExportOptions, export_store};
use duikou_reports::{package, template, workbook};

fn office() -> Option<&'static str> {
    ["soffice", "libreoffice"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn to_pdf(office: &str, file: &Path, out: &Path) {
    let profile = out.join("lo-profile");
    let o = Command::new(office)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(out)
        .arg(file)
        .output()
        .unwrap();
    let pdf = out.join(file.with_extension("pdf").file_name().unwrap());
    assert!(
        o.status.success() && pdf.exists(),
        "{}: {}\n{}",
        file.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let head = std::fs::read(&pdf).unwrap();
    assert!(head.starts_with(b"%PDF"), "{}", pdf.display());
}

#[tokio::test]
#[ignore = "LibreOffice: needs soffice on the PATH; run with --ignored"]
async fn every_output_converts_to_pdf_in_libreoffice() {
    let office = office().expect("this test needs LibreOffice: soffice or libreoffice on the PATH");
    let keep = std::env::var("DUIKOU_SAMPLES_DIR").ok().map(PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    let f = fixture().await;
    let a = assessment(&f.store, &f.plan, 2019).await;

    let mut files = Vec::new();
    let mut write = |name: &str, bytes: Vec<u8>| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        files.push(p);
    };
    write(
        "template-transfer.xlsx",
        template::template(&f.plan, bundled_kind(BuiltinKind::Transfer)).unwrap(),
    );
    let mut out = std::io::Cursor::new(Vec::new());
    export_store(
        &f.store,
        bundled_kind(BuiltinKind::Transfer),
        Some(2019),
        ExportOptions::default(),
        &mut out,
    )
    .await
    .unwrap();
    write("export-transfer.xlsx", out.into_inner());
    let mut out = std::io::Cursor::new(Vec::new());
    export_store(
        &f.store,
        bundled_kind(BuiltinKind::Person),
        None,
        ExportOptions {
            format: ExportFormat::Csv,
            ..Default::default()
        },
        &mut out,
    )
    .await
    .unwrap();
    write("export-person.csv", out.into_inner());
    write(
        "assessment.xlsx",
        workbook::assessment_workbook(&f.plan, &a, &Default::default()).unwrap(),
    );
    write(
        "checklist.xlsx",
        workbook::checklist_workbook(&f.plan, &a, &Default::default()).unwrap(),
    );
    let b = common::bulletin_of(&f.store, &f.plan, Month::parse("2019-06").unwrap())
        .await
        .unwrap();
    write("bulletin.xlsx", bulletin::xlsx(&b).unwrap());
    let page = dir.join("bulletin-page.html");
    std::fs::write(&page, bulletin::html(&b)).unwrap();
    let files_map = f.files.clone();
    let mut out = std::io::Cursor::new(Vec::new());
    common::package_of(
        &f.store,
        &f.plan,
        &opts(2019),
        time::OffsetDateTime::now_utc(),
        move |s: &str| {
            files_map
                .get(s)
                .cloned()
                .ok_or_else(|| std::io::ErrorKind::NotFound.into())
        },
        &mut out,
    )
    .await
    .unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(out.into_inner())).unwrap();
    for name in [
        package::INDEX_FILE,
        package::NO_EVIDENCE_FILE,
        "3.1 财政援助资金/01_省、市财政援助资金到位.xlsx",
    ] {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut z.by_name(name).unwrap(), &mut v).unwrap();
        write(&format!("package-{}", name.replace('/', "-")), v);
    }

    for f in &files {
        to_pdf(office, f, &dir);
    }
    // The printable page prints from a browser (LibreOffice Calc has no HTML filter).
    if let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    {
        let pdf = dir.join("bulletin-page.pdf");
        let o = Command::new(browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu"])
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(
            o.status.success() && std::fs::read(&pdf).unwrap().starts_with(b"%PDF"),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    } else {
        eprintln!("skipped the HTML page: no Chromium");
    }
    if let Some(k) = keep {
        eprintln!("outputs and PDFs left in {}", k.display());
    }
}
