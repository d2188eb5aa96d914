//! The reader's behaviour on real and hostile files: encodings, headers, limits.

use super::*;
use calamine::{Data, ExcelDateTime, ExcelDateTimeType};
use rust_xlsxwriter::{Format, Workbook};

fn csv(text: &str) -> Table {
    read_table_bytes("导入.csv", text.as_bytes(), &[]).unwrap()
}

fn row(number: usize, cells: &[&str]) -> Row {
    Row {
        number,
        cells: cells.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn utf8_with_bom() {
    let t = csv("\u{feff}拨付单位,金额（元）\r\n甲县人民政府,\" 1,234.50 \"\r\n");
    assert_eq!(t.file_name, "导入.csv");
    assert_eq!(t.sheet, None);
    assert_eq!(t.headers, vec!["拨付单位", "金额（元）"]);
    assert_eq!(t.rows, vec![row(2, &["甲县人民政府", "1,234.50"])]);
    // Unquoted "1,234.50" is two cells, more than the headers.
    let e = read_table_bytes("a.csv", "a,b\n甲,1,234.50\n".as_bytes(), &[]).unwrap_err();
    assert!(matches!(e, TableError::TooManyCells { row: 2, .. }), "{e}");
}

#[test]
fn utf8_without_bom_and_header_cleanup() {
    let t = csv(" 项目名称 ,开工日期\u{feff}\n  安居工程 , 2019/3/15 \n");
    assert_eq!(t.headers, vec!["项目名称", "开工日期"]);
    assert_eq!(t.rows, vec![row(2, &["安居工程", "2019/3/15"])]);
}

#[test]
fn gb18030() {
    let text = "拨付单位,金额（元）\r\n乙市发展和改革委员会,500\r\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    let t = read_table_bytes("gbk.CSV", &bytes, &[]).unwrap();
    assert_eq!(t.headers, vec!["拨付单位", "金额（元）"]);
    assert_eq!(t.rows, vec![row(2, &["乙市发展和改革委员会", "500"])]);
}

#[test]
fn undecodable_bytes() {
    let e = read_table_bytes("bad.csv", b"a,b\n\xff\xfe\xff,1\n", &[]).unwrap_err();
    assert_eq!(
        e,
        TableError::Encoding {
            file: "bad.csv".into()
        }
    );
    assert!(e.to_string().contains("bad.csv"));
    assert!(e.zh().contains("GB18030") && e.en().contains("UTF-8"));
}

#[test]
fn blank_rows_keep_numbering() {
    let t = csv("a,b\n1,2\n\n,\n  ,\t\n 3 , 4 \n5\n");
    assert_eq!(
        t.rows,
        vec![row(2, &["1", "2"]), row(6, &["3", "4"]), row(7, &["5", ""])]
    );
    let t = csv("a,b\r\n1,2\r\n\r\n,\r\n  ,\t\r\n 3 , 4 \r\n5");
    assert_eq!(
        t.rows,
        vec![row(2, &["1", "2"]), row(6, &["3", "4"]), row(7, &["5", ""])]
    );
    // Old Mac line ends.
    let t = csv("a,b\r1,2\r\r3,4\r");
    assert_eq!(t.rows, vec![row(2, &["1", "2"]), row(4, &["3", "4"])]);
    // Blank lines before the header too.
    let t = csv("\n\na,b\n1,2\n");
    assert_eq!(t.rows, vec![row(4, &["1", "2"])]);
}

#[test]
fn quoted_line_breaks_do_not_shift_rows() {
    let t = csv("a,b\n\"甲\n乙\",1\r\n\"x\r\ny\r\nz\",2\n3,4\n");
    assert_eq!(
        t.rows,
        vec![
            row(2, &["甲\n乙", "1"]),
            row(3, &["x\r\ny\r\nz", "2"]),
            row(4, &["3", "4"])
        ]
    );
    // A quote inside an unquoted cell is literal and does not swallow
    // the line break; "" inside quotes is a quote.
    let t = csv("a,b\r\nx\"y,1\r\n\r\n\"say \"\"hi\"\"\n\",2\r\n3,4");
    assert_eq!(
        t.rows,
        vec![
            row(2, &["x\"y", "1"]),
            row(4, &["say \"hi\"", "2"]),
            row(5, &["3", "4"])
        ]
    );
}

#[test]
fn random_csv_never_panics_and_rows_increase() {
    let alphabet = ["a", "b", ",", "\"", "\n", "\r", "\r\n", " ", "甲"];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(seed % 40) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        if let Ok(t) = read_table_bytes("r.csv", text.as_bytes(), &[]) {
            let breaks = text.matches(['\n', '\r']).count();
            let mut prev = 0;
            for r in &t.rows {
                assert!(r.number > prev && r.number <= breaks + 1, "{text:?}");
                assert_eq!(r.cells.len(), t.headers.len());
                prev = r.number;
            }
        }
    }
}

/// The rows of a CSV text as reading the whole text at once numbers them (the
/// reading before streaming): (row number, trimmed cells) of the non-blank records.
fn whole_text_rows(text: &str) -> Vec<(usize, Vec<String>)> {
    let bytes = text.as_bytes();
    let mut ends = Vec::new();
    let mut state = 0; // 0 cell start, 1 unquoted, 2 quoted, 3 quote in quoted
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        state = match (state, b) {
            (2, b'"') => 3,
            (2, _) => 2,
            (3, b'"') => 2,
            (0, b'"') => 2,
            (_, b',') => 0,
            (_, b'\n' | b'\r') => {
                ends.push(i);
                if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                0
            }
            _ => 1,
        };
        i += 1;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).unwrap() {
        let consumed = reader.position().byte() as usize;
        let mut last = consumed.min(bytes.len()).saturating_sub(1);
        if last > 0 && bytes.get(last) == Some(&b'\n') && bytes[last - 1] == b'\r' {
            last -= 1;
        }
        let number = 1 + ends.partition_point(|&end| end < last);
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            out.push((number, cells));
        }
    }
    out
}

/// A CSV text of `rows` rows under the header a,b,c: quoted cells with line breaks
/// and quotes, blank lines, and \n, \r\n and \r line ends mixed.
fn tricky_csv(rows: usize, mut seed: u64) -> String {
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let ends = ["\n", "\r\n", "\r"];
    let cells = [
        "甲",
        " 乙 ",
        "\"多\n行\"",
        "\"x\r\ny\"",
        "\"说\"\"好\"\"\"",
        "",
        "1,5",
    ];
    let mut text = String::from("a,b,c\n");
    for _ in 0..rows {
        let n = 1 + next() % 3;
        let row: Vec<&str> = (0..n)
            .map(|_| {
                let c = cells[(next() % cells.len() as u64) as usize];
                if c == "1,5" { "\"1,5\"" } else { c }
            })
            .collect();
        text.push_str(&row.join(","));
        text.push_str(ends[(next() % 3) as usize]);
        if next() % 7 == 0 {
            text.push_str(ends[(next() % 3) as usize]);
        }
    }
    text
}

struct Rows(Vec<(Option<String>, Row)>);
impl RowSink for Rows {
    fn headers(&mut self, _: &[String]) {}
    fn row(&mut self, sheet: Option<&Arc<str>>, row: Row) -> bool {
        self.0.push((sheet.map(|s| s.to_string()), row));
        true
    }
}

fn stream(path: &Path, name: &str) -> Result<Vec<(Option<String>, Row)>, TableError> {
    let scan = scan_file(path).unwrap();
    let mut rows = Rows(Vec::new());
    stream_file(path, name, &["拨付"], &scan, &mut rows)?;
    Ok(rows.0)
}

#[test]
fn streamed_rows_are_numbered_as_in_the_whole_text() {
    // Large enough to cross every buffer (64 KiB reads, the 256 KiB ring).
    let text = tricky_csv(150_000, 0x9e37_79b9_7f4a_7c15);
    assert!(text.len() > 4 * RING);
    let expected: Vec<Row> = whole_text_rows(&text)
        .into_iter()
        .skip(1)
        .map(|(number, mut cells)| {
            cells.resize(3, String::new());
            Row { number, cells }
        })
        .collect();
    let t = read_table_bytes("t.csv", text.as_bytes(), &[]).unwrap();
    assert_eq!(t.rows.len(), expected.len());
    assert_eq!(t.rows, expected);
    // From disk, UTF-8 with a byte-order mark and as GB18030: the same rows.
    let dir = tempfile::tempdir().unwrap();
    let utf8 = dir.path().join("u.csv");
    std::fs::write(&utf8, [BOM, text.as_bytes()].concat()).unwrap();
    let gbk = dir.path().join("g.csv");
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    std::fs::write(&gbk, &bytes).unwrap();
    for (path, utf8) in [(&utf8, true), (&gbk, false)] {
        assert_eq!(scan_file(path).unwrap().utf8, utf8);
        let rows = stream(path, "t.csv").unwrap();
        assert!(rows.iter().all(|(sheet, _)| sheet.is_none()));
        let rows: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
        assert_eq!(rows, expected);
    }
    // Small random texts too, through the whole reading.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..500 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let text = tricky_csv((seed % 9) as usize, seed | 1);
        let expected: Vec<Row> = whole_text_rows(&text)
            .into_iter()
            .skip(1)
            .map(|(number, mut cells)| {
                cells.resize(3, String::new());
                Row { number, cells }
            })
            .collect();
        assert_eq!(
            read_table_bytes("t.csv", text.as_bytes(), &[])
                .unwrap()
                .rows,
            expected,
            "{text:?}"
        );
    }
}

#[test]
fn scan_hashes_and_finds_the_encoding_across_reads() {
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    // A three-byte character cut by the end of the first 1 MiB read.
    let mut bytes = vec![b'a'; (1 << 20) - 1];
    bytes.extend_from_slice("甲乙\n".as_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let scan = scan_file(&path).unwrap();
    assert!(scan.utf8);
    assert_eq!(scan.size, bytes.len() as u64);
    assert_eq!(scan.sha256, hex::encode(sha2::Sha256::digest(&bytes)));
    // Cut off in the middle of that character: not UTF-8.
    std::fs::write(&path, &bytes[..(1 << 20)]).unwrap();
    assert!(!scan_file(&path).unwrap().utf8);
    // Undecodable as GB18030 as well: refused when streamed.
    std::fs::write(&path, b"a,b\n\xff\xfe\xff,1\n").unwrap();
    assert_eq!(
        stream(&path, "bad.csv").unwrap_err(),
        TableError::Encoding {
            file: "bad.csv".into()
        }
    );
}

#[test]
fn streamed_csv_refuses_an_overlong_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.csv");
    let long = "x".repeat(MAX_CSV_ROW_BYTES as usize + 1);
    std::fs::write(&path, format!("a,b\n1,2\n\"{long}\",3\n")).unwrap();
    let e = stream(&path, "long.csv").unwrap_err();
    assert!(matches!(e, TableError::Expands { .. }), "{e}");
    assert!(
        e.zh().contains("第 3 行") && e.en().contains("row 3"),
        "{e}"
    );
    // In memory (an upload, already limited in size) the row is read.
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        read_table_bytes("long.csv", &bytes, &[])
            .unwrap()
            .rows
            .len(),
        2
    );
}

#[test]
fn continuation_sheets_follow_the_chosen_sheet_when_streamed() {
    let book = |second_header: &str| {
        let mut wb = Workbook::new();
        for (name, header, values) in [
            ("说明", "x", &[][..]),
            ("拨付", "单位", &["甲", "乙"][..]),
            ("拨付（2）", second_header, &["丙"][..]),
            ("拨付（4）", "单位", &["不读"][..]),
        ] {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            ws.write_string(0, 0, header).unwrap();
            for (i, v) in values.iter().enumerate() {
                ws.write_string(i as u32 + 1, 0, *v).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.xlsx");
    std::fs::write(&path, book(" 单位 ")).unwrap();
    let rows = stream(&path, "b.xlsx").unwrap();
    assert_eq!(
        rows,
        vec![
            (None, row(2, &["甲"])),
            (None, row(3, &["乙"])),
            (Some("拨付（2）".into()), row(2, &["丙"])),
        ]
    );
    // Read into memory (an upload), the chosen sheet alone.
    let bytes = std::fs::read(&path).unwrap();
    let t = read_table_bytes("b.xlsx", &bytes, &["拨付"]).unwrap();
    assert_eq!(t.rows, vec![row(2, &["甲"]), row(3, &["乙"])]);
    // A continuation sheet must repeat the header.
    std::fs::write(&path, book("名称")).unwrap();
    let e = stream(&path, "b.xlsx").unwrap_err();
    assert_eq!(
        e,
        TableError::SheetHeadersDiffer {
            file: "b.xlsx".into(),
            sheet: "拨付（2）".into(),
            first_sheet: "拨付".into(),
        }
    );
    assert!(e.zh().contains("拨付（2）") && e.en().contains("header row differs"));
}

#[test]
fn structural_errors_come_after_the_whole_file_in_the_same_order() {
    // An empty header with a value far down wins over a repeated header to its
    // right, and over a wide row before it; rows stop being handed on.
    let mut text = String::from("a,,b,a\n");
    for i in 0..5000 {
        text.push_str(&format!("{i},,x,y\n"));
    }
    text.push_str("1,2,3,4,5\n9,late,x,y\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.csv");
    std::fs::write(&path, &text).unwrap();
    let expected = TableError::EmptyHeader {
        file: "e.csv".into(),
        sheet: None,
        column: "B".into(),
        row: 5002,
    };
    assert_eq!(stream(&path, "e.csv").unwrap_err(), expected);
    assert_eq!(
        read_table_bytes("e.csv", text.as_bytes(), &[]).unwrap_err(),
        expected
    );
}

#[test]
fn duplicate_header() {
    let e = read_table_bytes("d.csv", "名称,金额,名称\n".as_bytes(), &[]).unwrap_err();
    assert_eq!(
        e,
        TableError::DuplicateHeader {
            file: "d.csv".into(),
            sheet: None,
            header: "名称".into(),
            first_column: "A".into(),
            second_column: "C".into(),
        }
    );
    assert!(e.zh().contains("重复") && e.zh().contains("d.csv"));
    assert!(e.en().contains("duplicate header"));
}

#[test]
fn empty_headers() {
    // An empty header over an empty column is dropped.
    let t = csv("a,,b,,\n1,,2,,\n3,,4\n");
    assert_eq!(t.headers, vec!["a", "b"]);
    assert_eq!(t.rows, vec![row(2, &["1", "2"]), row(3, &["3", "4"])]);
    // An empty header over a column with a value is an error.
    let e = read_table_bytes("e.csv", "a,,b\n1,,2\n3,x,4\n".as_bytes(), &[]).unwrap_err();
    assert_eq!(
        e,
        TableError::EmptyHeader {
            file: "e.csv".into(),
            sheet: None,
            column: "B".into(),
            row: 3
        }
    );
}

#[test]
fn too_many_cells_names_the_row() {
    let e = read_table_bytes("m.csv", "a,b\n1,2\n\n3,4,,5\n".as_bytes(), &[]).unwrap_err();
    assert_eq!(
        e,
        TableError::TooManyCells {
            file: "m.csv".into(),
            sheet: None,
            row: 4,
            last_column: "D".into(),
            headers: 2
        }
    );
    assert!(
        e.zh().contains("第 4 行") && e.en().contains("row 4"),
        "{e}"
    );
    // Trailing empty cells are harmless.
    assert_eq!(csv("a,b\n1,2,,\n").rows, vec![row(2, &["1", "2"])]);
}

#[test]
fn no_header_and_bad_extension() {
    for text in ["", "\n\n", " , ,\n"] {
        let e = read_table_bytes("n.csv", text.as_bytes(), &[]).unwrap_err();
        assert!(matches!(e, TableError::NoHeader { .. }), "{text:?}: {e}");
    }
    // A header row alone is a valid, empty table.
    assert!(csv("a,b\n").rows.is_empty());
    for name in ["x.xls", "x.txt", "csv", "x"] {
        let e = read_table_bytes(name, b"a,b\n", &[]).unwrap_err();
        assert_eq!(e, TableError::UnsupportedExtension { file: name.into() });
        assert!(e.to_string().contains(".xlsx"));
    }
    let e = read_table_bytes("broken.XLSX", b"not a zip", &[]).unwrap_err();
    assert!(matches!(e, TableError::Unreadable { .. }), "{e}");
    assert!(e.to_string().contains("broken.XLSX"));
}

#[test]
fn malformed_csv_is_unreadable() {
    // The csv crate is lenient with quotes; an odd file still yields rows
    // rather than a panic.
    let r = read_table_bytes("q.csv", b"a,b\n\"unterminated,1\n", &[]);
    assert!(r.is_ok() || matches!(r, Err(TableError::Unreadable { .. })));
}

#[test]
fn read_from_disk_with_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("拨付.csv");
    std::fs::write(&path, "a,b\n1,2\n").unwrap();
    let t = read_table(&path, &[], 1024).unwrap();
    assert_eq!(t.file_name, "拨付.csv");
    assert_eq!(t.rows, vec![row(2, &["1", "2"])]);
    let e = read_table(&path, &[], 4).unwrap_err();
    assert_eq!(
        e,
        TableError::TooLarge {
            file: "拨付.csv".into(),
            size: 8,
            limit: 4
        }
    );
    let e = read_table(&dir.path().join("missing.csv"), &[], 1024).unwrap_err();
    assert!(matches!(e, TableError::Unreadable { .. }), "{e}");
    let e = read_table(&dir.path().join("x.pdf"), &[], 1024).unwrap_err();
    assert!(matches!(e, TableError::UnsupportedExtension { .. }));
}

fn sample_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "请在“拨付”表中填写").unwrap();

    let sheet = wb.add_worksheet();
    sheet.set_name("拨付").unwrap();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let datetime_format = Format::new().set_num_format("yyyy/m/d hh:mm");
    for (c, h) in [
        "拨付单位",
        "金额（元）",
        "拨付日期",
        "整数",
        "小数",
        "是否",
        " 备注 ",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "  甲县人民政府 ").unwrap();
    sheet.write_number(1, 1, 1234.5).unwrap();
    let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2019, 3, 15).unwrap();
    sheet
        .write_datetime_with_format(1, 2, &d, &date_format)
        .unwrap();
    sheet.write_number(1, 3, 12.0).unwrap();
    sheet.write_number(1, 4, 0.1).unwrap();
    sheet.write_boolean(1, 5, true).unwrap();
    // Row 3 (index 2) left blank.
    sheet.write_string(3, 0, "乙市").unwrap();
    sheet.write_number(3, 1, 0.1 + 0.2).unwrap();
    let dt = rust_xlsxwriter::ExcelDateTime::parse_from_str("2020-12-31 18:30:00").unwrap();
    sheet
        .write_datetime_with_format(3, 2, &dt, &datetime_format)
        .unwrap();
    sheet.write_number(3, 3, -7.0).unwrap();
    sheet.write_number(3, 4, 1e-7).unwrap();
    sheet.write_boolean(3, 5, false).unwrap();
    sheet.write_string(3, 6, "  ").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_preferred_sheet() {
    let bytes = sample_workbook();
    let t = read_table_bytes("拨付.xlsx", &bytes, &["disbursements", "拨付"]).unwrap();
    assert_eq!(t.sheet.as_deref(), Some("拨付"));
    assert_eq!(
        t.headers,
        vec![
            "拨付单位",
            "金额（元）",
            "拨付日期",
            "整数",
            "小数",
            "是否",
            "备注"
        ]
    );
    assert_eq!(
        t.rows,
        vec![
            row(
                2,
                &[
                    "甲县人民政府",
                    "1234.5",
                    "2019-03-15",
                    "12",
                    "0.1",
                    "true",
                    ""
                ]
            ),
            row(
                4,
                &["乙市", "0.3", "2020-12-31", "-7", "0.0000001", "false", ""]
            ),
        ]
    );
}

#[test]
fn xlsx_first_sheet_by_default() {
    let bytes = sample_workbook();
    let t = read_table_bytes("Book.XLSX", &bytes, &["不存在"]).unwrap();
    assert_eq!(t.sheet.as_deref(), Some("说明"));
    assert_eq!(t.headers, vec!["请在“拨付”表中填写"]);
    assert!(t.rows.is_empty());
}

#[test]
fn xlsx_range_not_at_a1() {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    // Headers in C3, data in rows 5 and 7.
    sheet.write_string(2, 2, "名称").unwrap();
    sheet.write_string(2, 3, "数量").unwrap();
    sheet.write_string(4, 2, "甲").unwrap();
    sheet.write_number(4, 3, 3).unwrap();
    sheet.write_string(6, 2, "乙").unwrap();
    sheet.write_string(6, 4, "多余").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let e = read_table_bytes("r.xlsx", &bytes, &[]).unwrap_err();
    assert_eq!(
        e,
        TableError::TooManyCells {
            file: "r.xlsx".into(),
            sheet: Some("Sheet1".into()),
            row: 7,
            last_column: "E".into(),
            headers: 2
        }
    );
    assert!(e.zh().contains("工作表「Sheet1」"), "{e}");

    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.write_string(2, 2, "名称").unwrap();
    sheet.write_string(2, 3, "数量").unwrap();
    sheet.write_string(4, 2, "甲").unwrap();
    sheet.write_number(4, 3, 3).unwrap();
    sheet.write_string(6, 3, "5").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let t = read_table_bytes("r.xlsx", &bytes, &[]).unwrap();
    assert_eq!(t.headers, vec!["名称", "数量"]);
    assert_eq!(t.rows, vec![row(5, &["甲", "3"]), row(7, &["", "5"])]);
}

#[test]
fn xlsx_duplicate_header_names_columns() {
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("项目").unwrap();
    sheet.write_string(0, 1, "名称").unwrap();
    sheet.write_string(0, 3, " 名称").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let e = read_table_bytes("p.xlsx", &bytes, &[]).unwrap_err();
    assert_eq!(
        e,
        TableError::DuplicateHeader {
            file: "p.xlsx".into(),
            sheet: Some("项目".into()),
            header: "名称".into(),
            first_column: "B".into(),
            second_column: "D".into(),
        }
    );
}

#[test]
fn cell_conversions() {
    use calamine::CellErrorType;
    assert_eq!(cell_text(&Data::Int(42)), Ok("42".into()));
    assert_eq!(cell_text(&Data::Float(12.0)), Ok("12".into()));
    assert_eq!(cell_text(&Data::Float(-0.0)), Ok("0".into()));
    assert_eq!(cell_text(&Data::Float(1234.5)), Ok("1234.5".into()));
    assert_eq!(cell_text(&Data::Float(0.1)), Ok("0.1".into()));
    assert_eq!(cell_text(&Data::Float(1234.56 * 3.0)), Ok("3703.68".into()));
    assert_eq!(
        cell_text(&Data::Float(123456789012.0)),
        Ok("123456789012".into())
    );
    assert_eq!(
        cell_text(&Data::Float(1e20)),
        Ok("100000000000000000000".into())
    );
    assert_eq!(cell_text(&Data::Bool(false)), Ok("false".into()));
    assert_eq!(cell_text(&Data::String(" x ".into())), Ok("x".into()));
    assert_eq!(
        cell_text(&Data::DateTimeIso("2019-03-15T00:00:00".into())),
        Ok("2019-03-15".into())
    );
    assert_eq!(
        cell_text(&Data::DateTimeIso("2019-03-15".into())),
        Ok("2019-03-15".into())
    );
    assert_eq!(
        cell_text(&Data::DateTimeIso("08:30:00".into())),
        Ok("08:30:00".into())
    );
    let dt = |v, ty, is_1904| Data::DateTime(ExcelDateTime::new(v, ty, is_1904));
    use ExcelDateTimeType::{DateTime, TimeDelta};
    assert_eq!(
        cell_text(&dt(43539.0, DateTime, false)),
        Ok("2019-03-15".into())
    );
    assert_eq!(
        cell_text(&dt(43539.75, DateTime, false)),
        Ok("2019-03-15".into())
    );
    // Float noise just below midnight belongs to the next day.
    assert_eq!(
        cell_text(&dt(43539.999999999, DateTime, false)),
        Ok("2019-03-16".into())
    );
    assert_eq!(
        cell_text(&dt(42077.0, DateTime, true)),
        Ok("2019-03-15".into())
    );
    assert_eq!(cell_text(&dt(0.5, DateTime, false)), Ok("12:00:00".into()));
    assert_eq!(cell_text(&dt(1.5, TimeDelta, false)), Ok("36:00:00".into()));
    assert!(cell_text(&dt(60.0, DateTime, false)).is_err());
    assert!(cell_text(&dt(-3.0, DateTime, false)).is_err());
    let e = cell_text(&Data::Error(CellErrorType::NA)).unwrap_err();
    assert!(e.0.contains("#N/A") && e.1.contains("#N/A"));
}

#[test]
fn bad_cell_names_the_cell() {
    let e = TableError::BadCell {
        file: "b.xlsx".into(),
        sheet: Some("拨付".into()),
        cell: "C5".into(),
        zh_detail: "单元格是错误值 #N/A".into(),
        en_detail: "the cell holds the error #N/A".into(),
    };
    assert_eq!(
        e.to_string(),
        "文件 b.xlsx 工作表「拨付」 单元格 C5 的值无法读取：单元格是错误值 #N/A / \
         file b.xlsx, sheet \"拨付\": cannot read the value of cell C5: the cell holds the error #N/A"
    );
}

#[test]
fn column_letters() {
    assert_eq!(column_letter(0), "A");
    assert_eq!(column_letter(25), "Z");
    assert_eq!(column_letter(26), "AA");
    assert_eq!(column_letter(27), "AB");
    assert_eq!(column_letter(701), "ZZ");
    assert_eq!(column_letter(702), "AAA");
}

// ---------------------------------------------------------------- hostile workbooks

/// A zip whose parts are given as (name, bytes), deflated.
fn zip_of(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Set the uncompressed size every central-directory entry declares.
fn declare_size(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
    let mut i = 0;
    while i + 46 <= zip.len() {
        if zip[i..i + 4] == *b"PK\x01\x02" {
            zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            i += 46;
        } else {
            i += 1;
        }
    }
    zip
}

fn expands(r: Result<Table, TableError>) -> String {
    match r {
        Err(e @ TableError::Expands { .. }) => e.to_string(),
        other => panic!("expected Expands, got {other:?}"),
    }
}

#[test]
fn cells_spread_over_the_whole_sheet_are_refused_without_a_dense_range() {
    // calamine's dense range would ask for 1,048,576 × 16,384 cells here.
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.write_string(0, 0, "payer").unwrap();
    sheet.write_string(1_048_575, 16_383, "far away").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let started = std::time::Instant::now();
    let msg = expands(read_table_bytes("spread.xlsx", &bytes, &[]));
    assert!(msg.contains("XFD1048576"), "{msg}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    // Far down but within the columns: read sparsely, row numbers kept.
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.write_string(0, 0, "payer").unwrap();
    sheet.write_string(1_048_575, 0, "清溪镇").unwrap();
    let t = read_table_bytes("deep.xlsx", &wb.save_to_buffer().unwrap(), &[]).unwrap();
    assert_eq!(
        t.rows,
        vec![Row {
            number: 1_048_576,
            cells: vec!["清溪镇".into()]
        }]
    );
}

#[test]
fn zip_bombs_are_refused_before_parsing() {
    let zeros = vec![b'0'; 4 * 1024 * 1024];
    // A part declaring more than the limit: refused from the directory alone.
    let big = declare_size(
        zip_of(&[("xl/worksheets/sheet1.xml", zeros.clone())]),
        u32::MAX,
    );
    // (It also declares 4 GB for 4 KB: the ratio check, run first, names the part.)
    let msg = expands(read_table_bytes("bomb.xlsx", &big, &[]));
    assert!(msg.contains("sheet1.xml") && msg.contains("100:1"), "{msg}");
    // Over the limit at an ordinary ratio: refused by the declared total.
    let random: Vec<u8> = (0..300u32 * 1024 * 1024 / 4)
        .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
        .take(4 * 1024 * 1024)
        .collect();
    let over = declare_size(
        zip_of(&[("xl/worksheets/sheet1.xml", random)]),
        300 * 1024 * 1024,
    );
    let msg = expands(read_table_bytes("over.xlsx", &over, &[]));
    assert!(msg.contains("MB"), "{msg}");
    // A part that unpacks to more than it declares: caught while counting.
    let lying = declare_size(zip_of(&[("xl/worksheets/sheet1.xml", zeros)]), 100);
    let msg = expands(read_table_bytes("liar.xlsx", &lying, &[]));
    assert!(msg.contains("sheet1.xml"), "{msg}");
    // Too many parts.
    let many: Vec<(String, Vec<u8>)> = (0..(MAX_XLSX_ENTRIES as usize + 1))
        .map(|i| (format!("p{i}"), Vec::new()))
        .collect();
    let many: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let msg = expands(read_table_bytes("many.xlsx", &zip_of(&many), &[]));
    assert!(msg.contains("1001"), "{msg}");
    // A real workbook passes the checks.
    assert!(check_xlsx_archive("ok.xlsx", &mut Cursor::new(sample_workbook()), &IN_MEMORY).is_ok());
    // Not a zip at all: unreadable, not a panic.
    assert!(matches!(
        read_table_bytes("x.xlsx", b"PK\x05\x06", &[]),
        Err(TableError::Unreadable { .. })
    ));
}

#[test]
fn bombs_are_refused_alike_in_memory_and_streamed() {
    let header = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
    let mut sheet = header.to_vec();
    sheet.extend(std::iter::repeat_n(b'A', 64 * 1024 * 1024));
    let bomb = zip_of(&[("xl/worksheets/sheet1.xml", sheet)]);
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let honest_but_huge = declare_size(sample_workbook(), u32::MAX);
    for (name, zip) in [("bomb.xlsx", bomb), ("declared.xlsx", honest_but_huge)] {
        for limits in [&IN_MEMORY, &STREAMED] {
            let msg = match check_xlsx_archive(name, &mut Cursor::new(&zip), limits) {
                Err(e @ TableError::Expands { .. }) => e.to_string(),
                other => panic!("{name}: expected Expands, got {other:?}"),
            };
            assert!(msg.contains("100:1") || msg.contains("MB"), "{msg}");
        }
    }
    // A large real sheet of near-identical rows deflates well below the ratio.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for r in 0..200_000u32 {
        ws.write_string(r, 0, "清溪镇").unwrap();
        ws.write_string(r, 1, "镇雄县").unwrap();
        ws.write_number(r, 2, 10_000.0).unwrap();
        ws.write_number(r, 3, 2019.0).unwrap();
    }
    let real = wb.save_to_buffer().unwrap();
    for limits in [&IN_MEMORY, &STREAMED] {
        check_xlsx_archive("real.xlsx", &mut Cursor::new(&real), limits).unwrap();
    }
}

#[test]
fn a_cell_repeated_in_one_row_is_refused() {
    let mut sheet = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\">".to_vec();
    for _ in 0..300 {
        sheet.extend_from_slice(b"<c r=\"A1\" t=\"inlineStr\"><is><t>x</t></is></c>");
    }
    sheet.extend_from_slice(b"</row></sheetData></worksheet>");
    let mut wb = Workbook::new();
    wb.add_worksheet().write_string(0, 0, "payer").unwrap();
    let base = wb.save_to_buffer().unwrap();
    // The real workbook with its sheet replaced.
    let mut archive = zip::ZipArchive::new(Cursor::new(base)).unwrap();
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        let name = f.name().to_string();
        parts.push((name, bytes));
    }
    for p in &mut parts {
        if p.0 == "xl/worksheets/sheet1.xml" {
            p.1 = sheet.clone();
        }
    }
    let parts: Vec<(&str, Vec<u8>)> = parts.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let msg = expands(read_table_bytes("rep.xlsx", &zip_of(&parts), &[]));
    assert!(msg.contains("256"), "{msg}");
}

#[test]
fn declared_entries_are_read_from_the_end_record() {
    let z = zip_of(&[("a", b"1".to_vec()), ("b", b"2".to_vec())]);
    assert_eq!(declared_zip_entries(&z), Some(2));
    let mut forged = z.clone();
    let n = forged.len();
    forged[n - 12..n - 10].copy_from_slice(&60_000u16.to_le_bytes());
    assert_eq!(declared_zip_entries(&forged), Some(60_000));
    assert!(matches!(
        read_table_bytes("forged.xlsx", &forged, &[]),
        Err(TableError::Expands { .. })
    ));
    assert_eq!(declared_zip_entries(b"short"), None);
}
