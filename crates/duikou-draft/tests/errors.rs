//! What cannot be drafted says so, in Chinese and English; the other spellings of a
//! document (GBK text, markdown tables) draft alike.

use std::io::Cursor;

use docx_rs::{Docx, Paragraph, Run};

fn both_languages(msg: &str) {
    assert!(msg.contains(" / "), "{msg}");
    assert!(
        msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "no Chinese: {msg}"
    );
    assert!(
        msg.split(" / ")
            .nth(1)
            .is_some_and(|en| en.chars().any(|c| c.is_ascii_alphabetic())),
        "no English: {msg}"
    );
}

fn seed() -> String {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(dir.join("tests/data/000_10ce8ea790a16c66.txt")).unwrap()
}

#[test]
fn bytes_that_are_not_a_docx() {
    for bytes in [
        &b"plain text, not a zip"[..],
        b"PK\x03\x04 a broken zip",
        b"",
    ] {
        let e = duikou_draft::read_document(bytes, "方案.docx")
            .unwrap_err()
            .to_string();
        both_languages(&e);
        assert!(e.contains("方案.docx"), "{e}");
    }
    let e = duikou_draft::read_document(b"PK\x03\x04 a broken zip", "方案.docx")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("无法读取 Word 文件") && e.contains("cannot read the Word file"),
        "{e}"
    );
}

#[test]
fn other_file_types() {
    let e = duikou_draft::read_document(b"%PDF-1.4", "方案.pdf")
        .unwrap_err()
        .to_string();
    both_languages(&e);
    assert!(
        e.contains("方案.pdf") && e.contains("不支持") && e.contains("unsupported"),
        "{e}"
    );
    let e = duikou_draft::read_document(b"\xd0\xcf\x11\xe0", "方案.doc")
        .unwrap_err()
        .to_string();
    assert!(e.contains(".docx"), "{e}");
    // Bytes that are neither UTF-8 nor GB18030.
    let e = duikou_draft::read_document(&[0x81, 0x20, 0xff, 0xfe, 0x00, 0x81], "a.txt")
        .unwrap_err()
        .to_string();
    both_languages(&e);
}

#[test]
fn a_text_without_a_checklist() {
    let text = "关于做好东西部协作工作的通知\n各镇街：\n请认真做好各项工作，每年开展1次调研。\n";
    let e = duikou_draft::draft(text).unwrap_err().to_string();
    both_languages(&e);
    assert!(
        e.contains("未找到工作清单") && e.contains("no work checklist"),
        "{e}"
    );
    // A header without items.
    let e = duikou_draft::draft("序号\t重点工作\t具体事项\t完成时限\t责任单位\n")
        .unwrap_err()
        .to_string();
    both_languages(&e);
    assert!(e.contains("header but no numbered items"), "{e}");
}

#[test]
fn a_docx_without_a_table() {
    let doc =
        Docx::new().add_paragraph(Paragraph::new().add_run(Run::new().add_text("一、总体要求")));
    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out).unwrap();
    let text = duikou_draft::read_document(&out.into_inner(), "a.docx").unwrap();
    let e = duikou_draft::draft(&text).unwrap_err().to_string();
    assert!(e.contains("no work checklist"), "{e}");
}

#[test]
fn gbk_text_and_markdown_tables_draft_alike() {
    let text = seed();
    let reference = duikou_draft::draft(&text).unwrap();
    let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    let decoded = duikou_draft::read_document(&gbk, "seed.txt").unwrap();
    assert_eq!(duikou_draft::draft(&decoded).unwrap().toml, reference.toml);
    // The checklist as a markdown table.
    let md: String = text
        .lines()
        .map(|l| {
            if l.contains('\t') {
                let row = format!("| {} |", l.split('\t').collect::<Vec<_>>().join(" | "));
                if l.starts_with("序号") {
                    format!("{row}\n|---|---|---|---|---|")
                } else {
                    row
                }
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let from_md = duikou_draft::draft(&md).unwrap();
    let plan = duikou_domain::plan::Plan::from_toml(&from_md.toml, "md").unwrap();
    assert_eq!(plan.items.len(), 23);
    assert_eq!(from_md.toml, reference.toml);
}

/// Any cut of the document, and the document with lines dropped, drafts or says why:
/// never a panic, and a draft always loads.
#[test]
fn truncated_and_mangled_documents_never_panic() {
    let text = seed();
    let chars: Vec<char> = text.chars().collect();
    let mut drafted = 0;
    let mut cuts: Vec<String> = (1..chars.len())
        .step_by(173)
        .map(|n| chars[..n].iter().collect())
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    for skip in 0..7 {
        cuts.push(
            lines
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 7 != skip)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    // Cells shuffled out of place and numbers mangled.
    cuts.push(text.replace('\t', "\t\t"));
    cuts.push(text.replace("1.", "1..").replace("万元", "万万元"));
    for cut in &cuts {
        match duikou_draft::draft(cut) {
            Ok(d) => {
                drafted += 1;
                duikou_domain::plan::Plan::from_toml(&d.toml, "cut")
                    .unwrap_or_else(|e| panic!("{e}\n{}", d.toml));
            }
            Err(e) => both_languages(&e.to_string()),
        }
    }
    assert!(drafted > 10, "only {drafted} of {} drafted", cuts.len());
}
