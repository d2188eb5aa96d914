use std::io::Read;

use duikou_domain::plan::{BUNDLED_PLAN, Plan, RowNote};

use super::grid::{Grid, load};
use super::labels as l;
use super::*;

const BIJIE: &str = include_str!("../../../../../plans/examples/dongguan-bijie-2021-2023.toml");
const FILE: &str = "计划.xlsx";

fn json(p: &Plan) -> String {
    serde_json::to_string_pretty(p).expect("a plan serialises")
}

fn read_ok(book: &[u8]) -> (Plan, String) {
    read_plan_workbook(book, FILE).unwrap_or_else(|e| panic!("{e}"))
}

fn read_err(book: &[u8]) -> Vec<PlanBookError> {
    match read_plan_workbook(book, FILE) {
        Ok(_) => panic!("the workbook was accepted"),
        Err(e) => {
            assert_eq!(e.file, FILE);
            assert!(!e.errors.is_empty());
            e.errors
        }
    }
}

/// Export, read back: the same plan, and a second pass gives the same TOML text.
fn round_trip(source: &str, name: &str) -> (Vec<u8>, String) {
    let original = Plan::from_toml(source, name).expect("a valid plan");
    let book = write_plan_workbook(source, &[]).expect("exported");
    let (plan, toml) = read_ok(&book);
    assert_eq!(
        json(&plan),
        json(&original),
        "{name}: the plan read back differs"
    );
    let again = write_plan_workbook(&toml, &[]).expect("exported again");
    let (plan2, toml2) = read_ok(&again);
    assert_eq!(toml, toml2, "{name}: the TOML text is not stable");
    assert_eq!(json(&plan2), json(&original));
    (book, toml)
}

// ------------------------------------------------------------------ grid helpers

fn grids(book: &[u8]) -> Vec<Grid> {
    load(book).expect("a readable workbook")
}

/// A workbook rebuilt from grids: every cell a string.
fn rebuild(grids: &[Grid]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for g in grids {
        let ws = wb.add_worksheet().set_name(&g.name).expect("sheet name");
        for (r, row) in &g.cells {
            for (c, text) in row {
                ws.write_string(*r, *c as u16, text).expect("cell");
            }
        }
    }
    wb.save_to_buffer().expect("saved")
}

fn grid<'a>(grids: &'a mut [Grid], sheet: &str) -> &'a mut Grid {
    grids
        .iter_mut()
        .find(|g| g.name == sheet)
        .expect("the sheet exists")
}

/// The 0-based column of a header.
fn col_of(g: &Grid, header: &str) -> u32 {
    g.cells[&0]
        .iter()
        .find(|(_, h)| *h == header)
        .map(|(c, _)| *c)
        .unwrap_or_else(|| panic!("no column {header} in {}", g.name))
}

/// The 1-based row whose `header` cell is `value`.
fn row_of(g: &Grid, header: &str, value: &str) -> u32 {
    let c = col_of(g, header);
    g.cells
        .iter()
        .find(|(_, row)| row.get(&c).map(String::as_str) == Some(value))
        .map(|(r, _)| r + 1)
        .unwrap_or_else(|| panic!("no row {header} = {value}"))
}

fn set(g: &mut Grid, row: u32, header: &str, text: &str) {
    let c = col_of(g, header);
    let cells = g.cells.entry(row - 1).or_default();
    if text.is_empty() {
        cells.remove(&c);
    } else {
        cells.insert(c, text.to_string());
    }
}

fn cell(g: &Grid, row: u32, header: &str) -> String {
    let c = col_of(g, header);
    g.cells
        .get(&(row - 1))
        .and_then(|r| r.get(&c))
        .cloned()
        .unwrap_or_default()
}

fn edited(source: &str, edit: impl FnOnce(&mut Vec<Grid>)) -> Vec<u8> {
    let mut gs = grids(&write_plan_workbook(source, &[]).expect("exported"));
    edit(&mut gs);
    rebuild(&gs)
}

fn find<'a>(errors: &'a [PlanBookError], sheet: &str, row: u32) -> &'a PlanBookError {
    errors
        .iter()
        .find(|e| e.sheet.as_deref() == Some(sheet) && e.row == Some(row))
        .unwrap_or_else(|| panic!("no error on {sheet} row {row}: {errors:#?}"))
}

// ------------------------------------------------------------------ round trips

#[test]
fn plan_book_round_trips_the_bundled_plan() {
    let (book, toml) = round_trip(BUNDLED_PLAN, "plans/dongguan-zhaotong-2018-2020.toml");
    eprintln!(
        "bundled plan workbook: {} bytes; TOML read back: {} lines",
        book.len(),
        toml.lines().count()
    );
    assert!(book.len() < 200_000, "{} bytes", book.len());
}

/// The bundled plan with `[map]`: tiles, and outlines detailed enough (many points per
/// ring) that the GeoJSON text takes several cells.
fn bundled_with_map() -> String {
    let counties = ["昭阳区", "鲁甸县", "巧家县", "镇雄县", "彝良县", "威信县"];
    let features: Vec<serde_json::Value> = counties
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (cx, cy) = (103.0 + i as f64, 27.5);
            let ring: Vec<[f64; 2]> = (0..=400)
                .map(|k| {
                    let a = f64::from(k) / 400.0 * std::f64::consts::TAU;
                    [cx + 0.4 * a.cos(), cy + 0.3 * a.sin()]
                })
                .collect();
            serde_json::json!({"type": "Feature", "properties": {"name": n}, "geometry": {"type": "Polygon", "coordinates": [ring]}})
        })
        .collect();
    let geojson =
        serde_json::json!({"type": "FeatureCollection", "features": features}).to_string();
    assert!(
        geojson.len() > 2 * l::MAP_CHUNK,
        "{} characters",
        geojson.len()
    );
    format!(
        "{BUNDLED_PLAN}\n[map]\nname_property = \"name\"\ntiles = {{ \"昭阳区\" = [1, 2], \"鲁甸县\" = [2, 2], \"巧家县\" = [2, 1], \"镇雄县\" = [1, 4], \"彝良县\" = [1, 3], \"威信县\" = [2, 4] }}\ngeojson = '''{geojson}'''\n"
    )
}

#[test]
fn plan_book_round_trips_a_plan_with_a_map() {
    let source = bundled_with_map();
    let (book, _) = round_trip(&source, "map.toml");
    let map = grids(&book)
        .into_iter()
        .find(|g| g.name == l::MAP)
        .expect("the 地图 sheet");
    let outline_rows = map
        .cells
        .values()
        .filter(|row| row.get(&0).map(String::as_str) == Some("轮廓"))
        .count();
    assert!(outline_rows >= 3, "the outlines over {outline_rows} cells");
    // A workbook without 地图 (one exported before it existed) still reads.
    let without: Vec<Grid> = grids(&write_plan_workbook(BUNDLED_PLAN, &[]).unwrap())
        .into_iter()
        .filter(|g| g.name != l::MAP)
        .collect();
    let (plan, _) = read_ok(&rebuild(&without));
    assert!(plan.map.is_none());
    // A county outline naming no county is reported on its cell.
    let bad = source.replacen("\"name\":\"威信县\"", "\"name\":\"不存在县\"", 1);
    let errors = read_err(&write_plan_workbook(&bad, &[]).unwrap());
    assert!(
        errors
            .iter()
            .any(|e| e.sheet.as_deref() == Some(l::MAP) && e.en.contains("不存在县")),
        "{errors:#?}"
    );
}

#[test]
fn plan_book_round_trips_the_bijie_example() {
    let (book, toml) = round_trip(BIJIE, "plans/examples/dongguan-bijie-2021-2023.toml");
    eprintln!("bijie workbook: {} bytes", book.len());
    // Its group scope, unit targets, growth target and per-year deadline in cell syntax.
    let gs = grids(&book);
    let ind = gs.iter().find(|g| g.name == "指标").unwrap();
    let r = row_of(ind, "标识", "1.1-funds");
    assert_eq!(cell(ind, r, "截止"), "2021:12-31；2022:03-31；2023:03-31");
    assert_eq!(cell(ind, r, "范围"), "每个县区");
    assert_eq!(cell(ind, r, "记录类型"), "资金拨付");
    let r = row_of(ind, "标识", "3.1-consumption");
    assert_eq!(cell(ind, r, "目标"), "增长10%");
    assert_eq!(cell(ind, r, "条件"), "channel = \"消费帮扶专馆\"");
    let r = row_of(ind, "标识", "2.2-annual-plans");
    assert_eq!(cell(ind, r, "范围"), "每个结对单位");
    let r = row_of(ind, "标识", "2.1-workshops");
    assert_eq!(cell(ind, r, "目标"), "2021:2；2022:4；2023:6");
    assert_eq!(cell(ind, r, "期间"), "计划以来累计");
    let ut = gs.iter().find(|g| g.name == "单位目标").unwrap();
    assert_eq!(cell(ut, 2, "单位"), "威宁县");
    assert_eq!(cell(ut, 2, "目标"), "50000000");
    let units = gs.iter().find(|g| g.name == "单位").unwrap();
    let r = row_of(units, "名称", "市教育局");
    assert_eq!(cell(units, r, "类别"), "市直单位");
    assert_eq!(cell(units, r, "别名"), "东莞市教育局");
    assert!(
        toml.contains("unit_targets = { \"威宁县\" = 50000000 }"),
        "{toml}"
    );
}

/// Found by the fuzzer: a full name written with a tab before it came back from the
/// workbook without the tab, so the plan read back was not the plan written.
#[test]
fn plan_book_words_with_whitespace_around_them_round_trip() {
    let source = BUNDLED_PLAN.replacen(
        "name = \"镇雄县\"\n",
        "name = \"镇雄县\"\nfull_name = \"\\tb \"\n",
        1,
    );
    let (_, toml) = round_trip(&source, "edited");
    let plan = Plan::from_toml(&toml, "read back").expect("valid");
    let unit = plan
        .units
        .iter()
        .find(|u| u.name == "镇雄县")
        .expect("the county");
    assert_eq!(unit.full_name.as_deref(), Some("b"));
    let blank = BUNDLED_PLAN.replacen(
        "name = \"镇雄县\"\n",
        "name = \"镇雄县\"\nfull_name = \" \"\n",
        1,
    );
    round_trip(&blank, "blank full name");
}

#[test]
fn plan_book_cell_syntaxes_of_the_bundled_plan() {
    let gs = grids(&write_plan_workbook(BUNDLED_PLAN, &[]).unwrap());
    let ind = gs.iter().find(|g| g.name == "指标").unwrap();
    let r = row_of(ind, "标识", "1.1-demo-bases");
    assert_eq!(cell(ind, r, "目标"), "2020:1-3");
    let r = row_of(ind, "标识", "1.3-tourism-promotions");
    assert_eq!(cell(ind, r, "目标"), "1-2");
    let r = row_of(ind, "标识", "6.2-students");
    assert_eq!(cell(ind, r, "目标"), "2018:1600；2019:1900；2020:1900");
    let r = row_of(ind, "标识", "8.1-lead-town-funds");
    // The conditions in the order the TOML table keeps them.
    let conditions = cell(ind, r, "条件");
    assert!(
        conditions.contains("source = \"镇街财政\"")
            && conditions.contains("payee = \"$paired_county\""),
        "{conditions}"
    );
    assert_eq!(conditions.matches(", ").count(), 1, "{conditions}");
    assert_eq!(cell(ind, r, "范围"), "每个结对镇街");
    let r = row_of(ind, "标识", "3.1-fiscal-aid");
    assert_eq!(
        cell(ind, r, "条件"),
        "source = [\"省级财政\", \"市级财政\"]"
    );
    assert_eq!(cell(ind, r, "目标"), "180000000");
    let fields = gs.iter().find(|g| g.name == "字段").unwrap();
    assert_eq!(cell(fields, 2, "记录类型"), "协议与计划");
    assert_eq!(
        cell(fields, 2, "选项"),
        "1+8协议、镇县帮扶协议、年度帮扶计划、三年行动方案"
    );
    assert_eq!(cell(fields, 2, "必填"), "是");
    let plan = gs.iter().find(|g| g.name == "计划").unwrap();
    assert_eq!(
        cell(plan, row_of(plan, "项目", "印发日期"), "值"),
        "2018-09-25"
    );
    let names: Vec<&str> = gs.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "说明",
            "计划",
            "单位",
            "单位组",
            "结对",
            "行动",
            "工作清单",
            "指标",
            "单位目标",
            "词表",
            "记录类型",
            "字段",
            "选项"
        ]
    );
}

#[test]
fn plan_book_columns_are_matched_by_name_not_position() {
    let original = Plan::bundled();
    let book = edited(BUNDLED_PLAN, |gs| {
        for g in gs
            .iter_mut()
            .filter(|g| ["单位", "指标"].contains(&g.name.as_str()))
        {
            // The first column moves to the far right.
            let last = g.cells[&0].keys().max().copied().unwrap() + 3;
            for row in g.cells.values_mut() {
                if let Some(first) = row.remove(&0) {
                    row.insert(last, first);
                }
            }
        }
    });
    let (plan, _) = read_ok(&book);
    assert_eq!(json(&plan), json(&original));
}

#[test]
fn plan_book_labels_and_keys_are_both_accepted() {
    let original = Plan::bundled();
    let book = edited(BUNDLED_PLAN, |gs| {
        let units = grid(gs, "单位");
        let r = row_of(units, "名称", "清溪镇");
        set(units, r, "类别", "town");
        set(units, r, "方", "east");
        let ind = grid(gs, "指标");
        let r = row_of(ind, "标识", "5.2-employed");
        set(ind, r, "记录类型", "person");
        set(ind, r, "范围", "plan");
        set(ind, r, "目标", "8,000");
    });
    let (plan, _) = read_ok(&book);
    assert_eq!(json(&plan), json(&original));
}

// ------------------------------------------------------------------ errors

#[test]
fn plan_book_a_bad_unit_kind_label() {
    let mut r = 0;
    let book = edited(BUNDLED_PLAN, |gs| {
        let units = grid(gs, "单位");
        r = row_of(units, "名称", "清溪镇");
        set(units, r, "类别", "乡镇");
    });
    let errors = read_err(&book);
    let e = find(&errors, "单位", r);
    assert_eq!(e.column.as_deref(), Some("B（类别）"));
    assert!(e.zh.contains("乡镇") && e.zh.contains("镇街"), "{e}");
    // Only the bad cell: the loader's complaint about the same row is left out.
    assert_eq!(errors.len(), 1, "{errors:#?}");
}

#[test]
fn plan_book_a_target_that_is_not_one() {
    let mut r = 0;
    let book = edited(BUNDLED_PLAN, |gs| {
        let ind = grid(gs, "指标");
        r = row_of(ind, "标识", "5.2-employed");
        set(ind, r, "目标", "abc");
    });
    let errors = read_err(&book);
    let e = find(&errors, "指标", r);
    assert_eq!(e.column.as_deref(), Some("O（目标）"));
    assert!(
        e.zh.contains("abc") && e.en.contains("cannot read the target"),
        "{e}"
    );
    let shown = PlanBookErrors {
        file: FILE.into(),
        errors: errors.clone(),
    }
    .to_string();
    assert!(
        shown.starts_with("计划工作簿有误 / invalid plan workbook: 计划.xlsx\n"),
        "{shown}"
    );
    assert!(shown.contains(&format!("  计划.xlsx: 工作表 指标 第 {r} 行 O 列（目标）/ sheet 指标 row {r} column O (目标): 目标「abc」")), "{shown}");
}

#[test]
fn plan_book_a_row_still_awaiting_confirmation() {
    let notes = [RowNote {
        table: "unit".into(),
        index: 2,
        source: "省财政".into(),
        pending: true,
    }];
    let book = write_plan_workbook(BUNDLED_PLAN, &notes).unwrap();
    let errors = read_err(&book);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = find(&errors, "单位", 4);
    assert_eq!(e.column.as_deref(), Some("H（待确认）"));
    assert_eq!(e.zh, "此行仍待确认：确认后清空该单元格");
    assert_eq!(
        e.en,
        "this row still awaits confirmation: clear the cell once confirmed"
    );
    // Cleared, the workbook loads: 来源 is not read.
    let mut gs = grids(&book);
    set(grid(&mut gs, "单位"), 4, "待确认", "");
    let (plan, _) = read_ok(&rebuild(&gs));
    assert_eq!(json(&plan), json(&Plan::bundled()));
}

#[test]
fn plan_book_an_unknown_unit_in_a_pairing_is_mapped_back_to_its_cell() {
    let book = edited(BUNDLED_PLAN, |gs| {
        let p = grid(gs, "结对");
        set(p, 3, "县区", "不存在县");
    });
    let errors = read_err(&book);
    let e = find(&errors, "结对", 3);
    assert_eq!(e.column.as_deref(), Some("A（县区）"));
    assert!(e.zh.contains("结对的县区不存在：不存在县"), "{e}");
}

#[test]
fn plan_book_loader_errors_name_their_cells() {
    let mut rows = (0, 0);
    let book = edited(BIJIE, |gs| {
        let ind = grid(gs, "指标");
        rows.0 = row_of(ind, "标识", "2.1-workshops");
        set(ind, rows.0, "计量", "sum:nothing");
        let ut = grid(gs, "单位目标");
        set(ut, 2, "单位", "纳雍县");
        rows.1 = 2;
    });
    let errors = read_err(&book);
    let e = find(&errors, "指标", rows.0);
    assert_eq!(e.column.as_deref(), Some("H（计量）"), "{e}");
    let e = find(&errors, "单位目标", rows.1);
    assert_eq!(e.column.as_deref(), Some("B（单位）"), "{e}");
    assert!(e.zh.contains("纳雍县"), "{e}");
}

#[test]
fn plan_book_a_missing_sheet() {
    let book = edited(BUNDLED_PLAN, |gs| gs.retain(|g| g.name != "结对"));
    let errors = read_err(&book);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].sheet.as_deref(), Some("结对"));
    assert!(errors[0].zh.contains("缺少工作表「结对」"), "{}", errors[0]);
}

#[test]
fn plan_book_an_unknown_sheet() {
    let book = edited(BUNDLED_PLAN, |gs| {
        gs.push(Grid {
            name: "Sheet1".into(),
            ..Grid::default()
        })
    });
    let errors = read_err(&book);
    assert_eq!(errors[0].sheet.as_deref(), Some("Sheet1"));
    assert!(errors[0].zh.contains("未知的工作表"), "{}", errors[0]);
}

#[test]
fn plan_book_a_missing_header() {
    let book = edited(BUNDLED_PLAN, |gs| {
        let units = grid(gs, "单位");
        units.cells.get_mut(&0).unwrap().insert(1, "种类".into());
    });
    let errors = read_err(&book);
    let missing = errors
        .iter()
        .find(|e| e.zh.contains("缺少列「类别」"))
        .unwrap_or_else(|| panic!("{errors:#?}"));
    assert_eq!(
        (missing.sheet.as_deref(), missing.row),
        (Some("单位"), Some(1))
    );
    let unknown = errors
        .iter()
        .find(|e| e.zh.contains("未知的列「种类」"))
        .unwrap();
    assert_eq!(unknown.column.as_deref(), Some("B（种类）"));
}

#[test]
fn plan_book_bytes_that_are_not_a_workbook() {
    for bytes in [&b"not a workbook"[..], b"", b"PK\x03\x04garbage"] {
        let errors = read_err(bytes);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].zh.contains(FILE) && errors[0].en.contains(FILE),
            "{}",
            errors[0]
        );
        assert_eq!(errors[0].sheet, None);
    }
}

#[test]
fn plan_book_export_of_a_source_that_does_not_parse() {
    let e = write_plan_workbook("[plan\nid = 1", &[]).unwrap_err();
    assert!(e.zh.contains("第 1 行") && e.en.contains("line 1"), "{e}");
    let e = write_plan_workbook("[other]\nx = 1\n", &[]).unwrap_err();
    assert!(e.zh.contains("other"), "{e}");
}

#[test]
fn plan_book_keys_without_a_column_travel_in_a_column_of_their_own() {
    // A draft with a misspelt key: kept, and the loader's verdict names its cell.
    let draft = BIJIE.replacen(
        "kind = \"district\"",
        "kind = \"district\"\nnickname = \"湖\"",
        1,
    );
    let book = write_plan_workbook(&draft, &[]).unwrap();
    let gs = grids(&book);
    let units = gs.iter().find(|g| g.name == "单位").unwrap();
    let r = row_of(units, "名称", "松山湖");
    assert_eq!(cell(units, r, "nickname"), "\"湖\"");
    let errors = read_err(&book);
    let e = find(&errors, "单位", r);
    assert_eq!(e.column.as_deref(), Some("H（nickname）"), "{e}");
}

// ------------------------------------------------------------------ workbook features

#[test]
fn plan_book_has_drop_downs() {
    let book = write_plan_workbook(BUNDLED_PLAN, &[]).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&book)).unwrap();
    let mut sheet = |n: u32| {
        let mut xml = String::new();
        zip.by_name(&format!("xl/worksheets/sheet{n}.xml"))
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    };
    // Sheet 3 is 单位: 类别 (B), 方 (C), 镇街角色 (F).
    let units = sheet(3);
    assert!(units.contains("<dataValidation"), "{units}");
    for range in ["B2:B1048576", "C2:C1048576", "F2:F1048576"] {
        assert!(units.contains(&format!("sqref=\"{range}\"")), "{range}");
    }
    assert!(units.contains("<pane"), "the header row is frozen");
    // Sheet 8 is 指标: 记录类型 (E), 计量 (H), 期间 (K), 范围 (L).
    let indicators = sheet(8);
    for range in ["E2:E1048576", "H2:H1048576", "K2:K1048576", "L2:L1048576"] {
        assert!(
            indicators.contains(&format!("sqref=\"{range}\"")),
            "{range}"
        );
    }
    // The lists are on the hidden 选项 sheet.
    let mut wb_xml = String::new();
    zip.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut wb_xml)
        .unwrap();
    assert!(
        wb_xml.contains("name=\"选项\" sheetId=\"13\" state=\"hidden\""),
        "{wb_xml}"
    );
    let gs = grids(&book);
    let lists = gs.iter().find(|g| g.name == "选项").unwrap();
    let titles: Vec<&String> = lists.cells[&0].values().collect();
    let scope = lists.cells[&0]
        .iter()
        .find(|(_, t)| *t == "范围")
        .map(|(c, _)| *c)
        .unwrap();
    let scopes: Vec<&str> = lists
        .cells
        .values()
        .filter_map(|r| r.get(&scope))
        .map(String::as_str)
        .collect();
    assert_eq!(
        scopes,
        [
            "范围",
            "全市",
            "每个县区",
            "每个结对镇街",
            "每个协助镇街",
            "每个各帮扶镇街"
        ],
        "{titles:?}"
    );
}

#[test]
fn plan_book_notes_mark_their_rows() {
    let notes = [
        RowNote {
            table: "indicator".into(),
            index: 3,
            source: "东莞旅游企业每年赴昭考察不少于1次".into(),
            pending: true,
        },
        RowNote {
            table: "unit".into(),
            index: 0,
            source: "东莞市".into(),
            pending: false,
        },
    ];
    let gs = grids(&write_plan_workbook(BUNDLED_PLAN, &notes).unwrap());
    let ind = gs.iter().find(|g| g.name == "指标").unwrap();
    // Indicator 3 (from 0) is on row 5, below the header.
    assert_eq!(cell(ind, 5, "标识"), "1.3-tourism-inspections");
    assert_eq!(cell(ind, 5, "待确认"), "待确认");
    assert_eq!(cell(ind, 5, "来源"), "东莞旅游企业每年赴昭考察不少于1次");
    for r in [2, 3, 4, 6] {
        assert_eq!(cell(ind, r, "待确认"), "");
        assert_eq!(cell(ind, r, "来源"), "");
    }
    let units = gs.iter().find(|g| g.name == "单位").unwrap();
    assert_eq!(
        (cell(units, 2, "待确认"), cell(units, 2, "来源")),
        (String::new(), "东莞市".to_string())
    );
    // A note on an entry the plan does not have is refused.
    let bad = RowNote {
        table: "indicator".into(),
        index: 999,
        source: String::new(),
        pending: true,
    };
    assert!(write_plan_workbook(BUNDLED_PLAN, &[bad]).is_err());
}

#[test]
fn plan_book_a_draft_that_does_not_load_is_still_exported() {
    // An unknown record kind, a unit of an unknown kind: written as they are, refused on reading.
    let draft = BIJIE.replacen("kind = \"purchase\"", "kind = \"gift\"", 1);
    let book = write_plan_workbook(&draft, &[]).unwrap();
    let errors = read_err(&book);
    let e = errors
        .iter()
        .find(|e| e.zh.contains("gift"))
        .unwrap_or_else(|| panic!("{errors:#?}"));
    assert_eq!(e.sheet.as_deref(), Some("指标"));
    assert_eq!(e.column.as_deref(), Some("E（记录类型）"));
}

#[test]
fn plan_book_reading_never_panics() {
    let book = write_plan_workbook(BIJIE, &[]).unwrap();
    for cut in [10, 100, 1000, book.len() / 2, book.len() - 1] {
        let _ = read_plan_workbook(&book[..cut], FILE);
    }
    let mut flipped = book.clone();
    for i in (0..flipped.len()).step_by(97) {
        flipped[i] ^= 0x5A;
    }
    let _ = read_plan_workbook(&flipped, FILE);
    let nasty = [
        "{",
        "}",
        "\"",
        "\"\"",
        "[[x]]",
        "a\nb = 1\n[plan]",
        "每个",
        "增长",
        "增长x%",
        "1-",
        "-1",
        ":",
        "2018:",
        "2018:1-",
        "{ min = }",
        "{ min = 1 }",
        "\u{0}",
        "、、",
        "=",
        "x = ",
        "1e400",
        "2018:1；；2019",
        "9999999999999999999999",
        "$paired_county",
        "ｘ",
        "}, [plan]\nid = \"x",
        "\\",
        "'''",
    ];
    let base = grids(&book);
    for (sheet, row) in [
        ("计划", 2),
        ("单位", 2),
        ("结对", 2),
        ("指标", 2),
        ("单位目标", 2),
        ("词表", 2),
        ("字段", 2),
        ("记录类型", 2),
    ] {
        let headers: Vec<String> = base.iter().find(|g| g.name == sheet).unwrap().cells[&0]
            .values()
            .cloned()
            .collect();
        for (hi, h) in headers.iter().enumerate() {
            for n in nasty.iter().skip(hi % 2).step_by(2) {
                let mut gs = base.clone();
                set(grid(&mut gs, sheet), row, h, n);
                match read_plan_workbook(&rebuild(&gs), FILE) {
                    Ok((plan, toml)) => {
                        // Whatever loads, loads the same from its own TOML.
                        assert_eq!(json(&plan), json(&Plan::from_toml(&toml, "x").unwrap()));
                    }
                    Err(e) => assert!(!e.errors.is_empty()),
                }
            }
        }
    }
}

#[test]
fn plan_book_error_display() {
    let e = PlanBookError {
        sheet: Some("单位".into()),
        row: Some(5),
        column: Some("D（类别）".into()),
        zh: "中文".into(),
        en: "English".into(),
    };
    assert_eq!(
        e.to_string(),
        "工作表 单位 第 5 行 D 列（类别）/ sheet 单位 row 5 column D (类别): 中文 / English"
    );
    let all = PlanBookErrors {
        file: "a.xlsx".into(),
        errors: vec![e, PlanBookError::new("甲", "a")],
    };
    assert_eq!(
        all.to_string(),
        "计划工作簿有误 / invalid plan workbook: a.xlsx\n  a.xlsx: 工作表 单位 第 5 行 D 列（类别）/ sheet 单位 row 5 column D (类别): 中文 / English\n  a.xlsx: 甲 / a\n"
    );
}
