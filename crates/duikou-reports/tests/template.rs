//! Import templates: layout, drop-downs, formats, the example row; and a template filled
//! in the way a person would (typing into the first sheet, dates into date cells) reads
//! back into valid records.

mod common;

use duikou_domain::plan::bundled_kind;
use duikou_domain::schema::BuiltinKind;
use std::io::{Cursor, Read, Write};

use calamine::{Reader, Xlsx};
use common::*;
use duikou_domain::plan::Plan;
use duikou_domain::schema::FieldType;
use duikou_reports::template::{
    EXAMPLE_SHEET, HELP_SHEET, LISTS_SHEET, columns, example_row, template,
};

#[test]
fn every_kind_has_a_template_with_headers_help_example_and_lists() {
    let plan = Plan::bundled();
    for kind in duikou_domain::plan::Plan::bundled().kinds().to_vec() {
        let bytes = template(&plan, kind).unwrap();
        let wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(
            wb.sheet_names(),
            vec![
                kind.label_zh().to_string(),
                HELP_SHEET.into(),
                EXAMPLE_SHEET.into(),
                LISTS_SHEET.into()
            ],
            "{kind:?}"
        );

        // The data sheet: the Chinese headers only, nothing else to import.
        let (headers, rows) = sheet_rows(&bytes, kind.label_zh());
        let expected: Vec<String> = columns(kind).iter().map(|f| f.zh.to_string()).collect();
        assert_eq!(headers, expected);
        assert!(
            rows.is_empty(),
            "{kind:?}: the data sheet has no rows to import"
        );
        for h in &headers {
            assert!(kind.field_by_header(h).is_some(), "{h}");
        }

        // Drop-downs for every enumerated and unit field; checks for dates and amounts.
        let xml = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
        for (i, fd) in columns(kind).iter().enumerate() {
            let col = duikou_reports::common::col_letter(i as u16);
            let sqref = format!("sqref=\"{col}2:{col}1048576\"");
            let dv = xml.split("<dataValidation ").find(|d| d.contains(&sqref));
            match fd.ty {
                FieldType::Enum(_) | FieldType::Unit(_) | FieldType::Units(_) | FieldType::Bool => {
                    let dv = dv.unwrap_or_else(|| panic!("{kind:?} {}: no drop-down", fd.key));
                    assert!(dv.contains("type=\"list\""), "{kind:?} {}: {dv}", fd.key);
                }
                FieldType::Date => assert!(
                    dv.is_some_and(|d| d.contains("type=\"date\"")),
                    "{kind:?} {}",
                    fd.key
                ),
                FieldType::Money => assert!(
                    dv.is_some_and(|d| d.contains("type=\"decimal\"")),
                    "{kind:?} {}",
                    fd.key
                ),
                FieldType::Int => assert!(
                    dv.is_some_and(|d| d.contains("type=\"whole\"")),
                    "{kind:?} {}",
                    fd.key
                ),
                _ => {}
            }
        }
        // Column formats: dates, amounts and text.
        let styles = xlsx_part(&bytes, "xl/styles.xml");
        assert!(styles.contains("formatCode=\"yyyy-mm-dd\""), "{kind:?}");
        assert!(xml.contains("<cols>"), "{kind:?}");
        assert!(
            xml.contains("<pane ySplit=\"1\""),
            "{kind:?}: header frozen"
        );

        // The example row, marked, valid, never on the data sheet.
        let (banner, rows) = sheet_rows(&bytes, EXAMPLE_SHEET);
        assert!(banner[0].contains("示例，不导入"), "{banner:?}");
        assert_eq!(rows[0], expected);
        let ex = example_row(&plan, kind);
        let example_rows = vec![rows[1].clone()];
        validate_rows(&plan, kind, &expected, &example_rows)
            .unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
        for ((_, want), got) in ex.iter().zip(&rows[1]) {
            if !want.is_empty() {
                assert_eq!(
                    want.replace(".00", ""),
                    got.replace(".00", ""),
                    "{kind:?}: the example sheet shows the example values"
                );
            }
        }

        // The explanation sheet names every column.
        let (_, help) = sheet_rows(&bytes, HELP_SHEET);
        for fd in columns(kind) {
            assert!(
                help.iter()
                    .any(|r| r.contains(&fd.zh.to_string()) && r.contains(&fd.key.to_string())),
                "{kind:?} {}",
                fd.key
            );
        }
    }
}

#[test]
fn unit_lists_follow_the_field_rules() {
    let plan = Plan::bundled();
    let bytes = template(&plan, bundled_kind(BuiltinKind::Transfer)).unwrap();
    let (titles, rows) = sheet_rows(&bytes, LISTS_SHEET);
    let col = |t: &str| {
        let i = titles
            .iter()
            .position(|x| x == t)
            .unwrap_or_else(|| panic!("{t} in {titles:?}"));
        rows.iter()
            .filter_map(|r| r.get(i))
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        col("资金来源"),
        vec!["省级财政", "市级财政", "镇街财政", "社会资金"]
    );
    let payers = col("东莞方单位");
    assert!(payers.contains(&"清溪镇".to_string()) && payers.contains(&"市财政局".to_string()));
    assert!(!payers.contains(&"镇雄县".to_string()));
    let payees = col("资金接收单位");
    assert!(payees.contains(&"镇雄县".to_string()) && !payees.contains(&"清溪镇".to_string()));
}

/// Type rows into the first sheet of a template, as a person would in Excel: text as
/// text, amounts as numbers, dates as date serials in the column's date format.
fn fill_in(template: &[u8], rows: &[Vec<(String, FieldType)>]) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(Cursor::new(template.to_vec())).unwrap();
    let mut sheet = String::new();
    z.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    // The style of each column (its number format), from <cols>.
    let col_style = |col: usize| -> Option<String> {
        let tag = format!("<col min=\"{0}\" max=\"{0}\"", col + 1);
        let at = sheet.find(&tag)?;
        let rest = &sheet[at..];
        let end = rest.find("/>")?;
        let s = rest[..end].split("style=\"").nth(1)?;
        Some(s.split('"').next()?.to_string())
    };
    let mut xml = String::new();
    for (r, row) in rows.iter().enumerate() {
        let rn = r + 2;
        xml.push_str(&format!("<row r=\"{rn}\">"));
        for (c, (text, ty)) in row.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let cref = format!("{}{rn}", duikou_reports::common::col_letter(c as u16));
            let style = col_style(c)
                .map(|s| format!(" s=\"{s}\""))
                .unwrap_or_default();
            match ty {
                FieldType::Money | FieldType::Int | FieldType::Year => {
                    xml.push_str(&format!("<c r=\"{cref}\"{style}><v>{text}</v></c>"))
                }
                FieldType::Date => {
                    let d = duikou_domain::record::parse_iso_date(text).unwrap();
                    let serial =
                        d.to_julian_day() - time::macros::date!(1899 - 12 - 30).to_julian_day();
                    xml.push_str(&format!("<c r=\"{cref}\"{style}><v>{serial}</v></c>"));
                }
                _ => xml.push_str(&format!(
                    "<c r=\"{cref}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    text.replace('&', "&amp;").replace('<', "&lt;")
                )),
            }
        }
        xml.push_str("</row>");
    }
    let sheet = sheet.replacen("</sheetData>", &format!("{xml}</sheetData>"), 1);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            out.write_all(sheet.as_bytes()).unwrap();
        } else {
            out.write_all(&data).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_filled_in_template_reads_back_into_valid_records() {
    let plan = Plan::bundled();
    for kind in duikou_domain::plan::Plan::bundled().kinds().to_vec() {
        let cols = columns(kind);
        let example = example_row(&plan, kind);
        // Two rows: the example, and a variant with the optional columns left empty.
        let full: Vec<(String, FieldType)> = example
            .iter()
            .zip(&cols)
            .map(|((_, v), fd)| (v.clone(), fd.ty))
            .collect();
        let minimal: Vec<(String, FieldType)> = example
            .iter()
            .zip(&cols)
            .map(|((_, v), fd)| {
                (
                    if fd.required {
                        v.clone()
                    } else {
                        String::new()
                    },
                    fd.ty,
                )
            })
            .collect();
        let bytes = fill_in(&template(&plan, kind).unwrap(), &[full, minimal]);
        let (headers, rows) = sheet_rows(&bytes, kind.label_zh());
        assert_eq!(rows.len(), 2, "{kind:?}");
        let valid = validate_rows(&plan, kind, &headers, &rows)
            .unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
        // Dates typed as date cells come back as the same dates.
        if let Some(fd) = cols.iter().find(|f| f.ty == FieldType::Date) {
            let want = example
                .iter()
                .find(|(k, _)| *k == fd.key)
                .unwrap()
                .1
                .clone();
            assert_eq!(
                valid[0].get(fd.key).map(|v| v.display()),
                Some(want),
                "{kind:?}"
            );
        }
    }
}
