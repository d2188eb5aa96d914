//! The inspection package (迎检材料包): one zip with everything an inspector asks for.
//!
//! ```text
//! 00 索引.xlsx                      every figure, linked to its records workbook and evidence files
//! 无佐证清单.xlsx                    the figures whose records lack evidence
//! 考核结果.xlsx / .json              the assessment (the same figures as `duikou assess`)
//! 工作清单进展表.xlsx                 the checklist progress table
//! 3.1 财政援助资金/
//!     01_省、市财政援助资金到位.xlsx   the records behind an indicator (汇总, 记录, 佐证文件),
//!                                   numbered in plan order within the item
//!     佐证材料/记录123-1-凭证.pdf      evidence files, named by record
//! 6.1 激励引导/说明.txt               (an item without figures: a place for its evidence)
//! ```
//!
//! Names are Chinese, as the people who open the package read them (UTF-8 names, the
//! zip's UTF-8 flag set); every entry is dated in Beijing time (UTC+8): the generated
//! files at the package's making, an evidence file at its upload, as the 佐证文件
//! sheets also say. Links are HYPERLINK formulas with paths relative to the workbook
//! that holds them, so they work wherever the zip is unpacked.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Seek, Write};

use duikou_domain::engine::{AssessOptions, Assessment, Figure, IndicatorResult};
use duikou_domain::plan::Plan;
use duikou_domain::target_text::{self, Style};
use duikou_storage::Store;
use duikou_storage::entities::evidence;
use duikou_storage::records::StoredRecord;
use rust_xlsxwriter::{Formula, Workbook, Worksheet, XlsxError};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::ReportResult;
use crate::common::{
    FigureRecords, Styles, display_unit, figure_value, scope_label, status_format,
};
use crate::export::{Cell, ExportOptions, headers, row_cells};
use crate::safe::{formula_string, path_component, write_text};
use crate::workbook::{assessment_workbook, checklist_workbook};

pub const INDEX_FILE: &str = "00 索引.xlsx";
pub const NO_EVIDENCE_FILE: &str = "无佐证清单.xlsx";
pub const ASSESSMENT_FILE: &str = "考核结果.xlsx";
pub const ASSESSMENT_JSON: &str = "考核结果.json";
pub const CHECKLIST_FILE: &str = "工作清单进展表.xlsx";
/// In an item's folder: the latest progress (工作进展) of each unit on it.
pub const PROGRESS_FILE: &str = "工作进展.txt";
pub const EVIDENCE_DIR: &str = "佐证材料";

/// What went into a package.
#[derive(Debug, Clone, Default)]
pub struct PackageSummary {
    /// Every file path in the zip (directories end in `/`).
    pub entries: Vec<String>,
    /// Figures (indicator × scope unit).
    pub figures: usize,
    /// Figures with at least one counted record lacking evidence.
    pub figures_lacking_evidence: usize,
    pub evidence_files: usize,
    /// Evidence files whose content could not be read (listed in 无佐证清单).
    pub missing_files: Vec<String>,
    pub assessment: Option<Assessment>,
}

/// `迎检材料包-2019.zip`.
pub fn file_name(year: i32) -> String {
    format!("迎检材料包-{year}.zip")
}

/// One evidence file as it sits in the package.
struct Placed {
    record: i64,
    file_name: String,
    /// Path from the zip root.
    path: String,
    uploaded_by: String,
    uploaded_at: String,
    sha256: String,
    /// Registered but its content could not be read: listed, not linked.
    missing: bool,
}

/// The folder a figure belongs to: its checklist item (`3.1 财政援助资金`), or its action.
fn folder_of(plan: &Plan, item: &str) -> String {
    let name = match (plan.checklist_item_of(item), plan.action_of(item)) {
        (Some(i), _) => format!("{} {}", i.no, i.title),
        (None, Some(a)) => format!("{} {}", a.no, a.title),
        (None, None) => item.to_string(),
    };
    path_component(&name, 60)
}

/// `01_省、市财政援助资金到位.xlsx`: the indicator's name, numbered within its folder.
fn workbook_name(number: usize, name: &str) -> String {
    path_component(&format!("{number:02}_{name}.xlsx"), 80)
}

/// A moment as a zip entry's date: Beijing time, as the people unpacking it live it.
fn zip_time(t: time::OffsetDateTime) -> zip::DateTime {
    let b = t.to_offset(BEIJING);
    zip::DateTime::from_date_and_time(
        u16::try_from(b.year()).unwrap_or(1980),
        u8::from(b.month()),
        b.day(),
        b.hour(),
        b.minute(),
        b.second(),
    )
    .unwrap_or_default()
}

const BEIJING: time::UtcOffset = time::macros::offset!(+8);

/// A stored timestamp in Beijing time (`duikou_storage::beijing_text`).
pub fn beijing_time(ts: &str) -> String {
    duikou_storage::beijing_text(ts)
}

/// A HYPERLINK formula to a relative path, its text as the cached value.
fn link(path: &str, text: &str) -> Formula {
    Formula::new(format!(
        "=HYPERLINK({},{})",
        formula_string(path),
        formula_string(text)
    ))
    .set_result(text)
}

/// The assessment `opts` describes, as the caller computed it, with the records behind
/// each of its figures.
pub struct Assessed<'a> {
    pub opts: &'a AssessOptions,
    pub assessment: Assessment,
    pub behind: &'a FigureRecords,
}

/// Build the package for an assessment and write it as a zip, made at `made_at` (its
/// entries are dated then, in Beijing time). `read_evidence(sha256)` returns an evidence
/// file's bytes.
pub async fn build<W, R>(
    store: &Store,
    plan: &Plan,
    assessed: Assessed<'_>,
    made_at: time::OffsetDateTime,
    read_evidence: R,
    out: W,
) -> ReportResult<PackageSummary>
where
    W: Write + Seek,
    R: Fn(&str) -> std::io::Result<Vec<u8>>,
{
    let made = Made {
        at: made_at,
        text: beijing_time(&duikou_storage::format_ts(made_at)),
    };
    build_with(
        store,
        plan,
        assessed.opts,
        &made,
        assessed.behind,
        assessed.assessment,
        read_evidence,
        out,
    )
    .await
}

/// When the package was made: for the entries' dates and the 说明 sheet.
struct Made {
    at: time::OffsetDateTime,
    /// In Beijing time.
    text: String,
}

#[allow(clippy::too_many_arguments)]
async fn build_with<W, R>(
    store: &Store,
    plan: &Plan,
    opts: &AssessOptions,
    made: &Made,
    behind_figures: &FigureRecords,
    a: Assessment,
    read_evidence: R,
    out: W,
) -> ReportResult<PackageSummary>
where
    W: Write + Seek,
    R: Fn(&str) -> std::io::Result<Vec<u8>>,
{
    let st = Styles::new();
    let mut zip = ZipWriter::new(out);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644)
        .last_modified_time(zip_time(made.at));
    let mut summary = PackageSummary {
        figures: a.results.len(),
        ..Default::default()
    };
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    let add_dir = |zip: &mut ZipWriter<W>,
                   dirs: &mut BTreeSet<String>,
                   path: &str,
                   summary: &mut PackageSummary|
     -> ReportResult<()> {
        if dirs.insert(path.to_string()) {
            zip.add_directory(path, options)?;
            summary.entries.push(format!("{path}/"));
        }
        Ok(())
    };

    // The records behind every figure: record id → the scopes it counts for, per indicator.
    let mut behind: BTreeMap<&str, BTreeMap<i64, Vec<String>>> = BTreeMap::new();
    let mut figure_ids: HashMap<(&str, &str), Vec<i64>> = HashMap::new();
    for r in &a.results {
        let ids = behind_figures
            .get(&(r.indicator.clone(), r.scope.clone()))
            .cloned()
            .unwrap_or_default();
        let entry = behind.entry(r.indicator.as_str()).or_default();
        for id in &ids {
            entry
                .entry(*id)
                .or_default()
                .push(scope_label(&r.scope).to_string());
        }
        figure_ids.insert((r.indicator.as_str(), r.scope.as_str()), ids);
    }

    let narratives = crate::narratives::load(store, plan, opts.as_of).await?;

    // Every checklist item gets a folder, with what was done on it (工作进展) where a
    // unit has said so.
    for item in &plan.items {
        let folder = path_component(&format!("{} {}", item.no, item.title), 60);
        add_dir(&mut zip, &mut dirs, &folder, &mut summary)?;
        if let Some(ns) = narratives.get(&item.no) {
            let path = format!("{folder}/{PROGRESS_FILE}");
            zip.start_file(path.as_str(), options)?;
            let lines: Vec<String> = ns.iter().map(|n| n.text()).collect();
            let text = format!(
                "\u{feff}{} {} 工作进展（截至 {}，各单位最新一次已审核的进展）\r\n\r\n{}\r\n",
                item.no,
                item.title,
                duikou_domain::record::format_date(opts.as_of),
                lines.join("\r\n")
            );
            zip.write_all(text.as_bytes())?;
            summary.entries.push(path);
        }
        if !a.results.iter().any(|r| {
            plan.checklist_item_of(&r.item)
                .is_some_and(|i| i.no == item.no)
        }) {
            let path = format!("{folder}/说明.txt");
            zip.start_file(path.as_str(), options)?;
            let text = format!(
                "\u{feff}{} {}\r\n\r\n{}\r\n\r\n本项没有量化指标，请将相关佐证材料（会议纪要、文件、照片等）放入本文件夹。\r\n完成时限：{}\r\n责任单位：{}\r\n",
                item.no,
                item.title,
                item.text,
                item.time_limit,
                item.responsible.join("、")
            );
            zip.write_all(text.as_bytes())?;
            summary.entries.push(path);
        }
    }

    // Per indicator: its records workbook and its evidence files.
    let mut evidence_cache: HashMap<i64, Vec<evidence::Model>> = HashMap::new();
    let mut placed_by_folder: HashMap<String, HashMap<(i64, i64), usize>> = HashMap::new();
    let mut placed: Vec<Placed> = Vec::new();
    // indicator → its workbook path and the placed files of its records.
    let mut books: HashMap<&str, String> = HashMap::new();
    let mut in_folder_count: HashMap<String, usize> = HashMap::new();
    for ind in &plan.indicators {
        let Some(first) = a.results.iter().find(|r| r.indicator == ind.id) else {
            continue;
        };
        let folder = folder_of(plan, &first.item);
        let number = {
            let n = in_folder_count.entry(folder.clone()).or_default();
            *n += 1;
            *n
        };
        add_dir(&mut zip, &mut dirs, &folder, &mut summary)?;
        let ids_scopes = behind.get(ind.id.as_str()).cloned().unwrap_or_default();
        let ids: Vec<i64> = ids_scopes.keys().copied().collect();
        let asked: Vec<duikou_domain::ids::RecordId> = ids
            .iter()
            .copied()
            .map(duikou_domain::ids::RecordId)
            .collect();
        let stored = store.records_by_ids(&asked).await?;
        // Evidence of these records, placed once per folder.
        let mut files_of: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for rec in stored.iter().filter(|r| r.evidence_count > 0) {
            if let std::collections::hash_map::Entry::Vacant(e) = evidence_cache.entry(rec.id.0) {
                e.insert(store.evidence_of(rec.id).await?);
            }
            for (k, ev) in evidence_cache[&rec.id.0].iter().enumerate() {
                let in_folder = placed_by_folder.entry(folder.clone()).or_default();
                let idx = match in_folder.get(&(rec.id.0, ev.id)) {
                    Some(i) => *i,
                    None => {
                        let dir = format!("{folder}/{EVIDENCE_DIR}");
                        add_dir(&mut zip, &mut dirs, &dir, &mut summary)?;
                        let name = path_component(
                            &format!("记录{}-{}-{}", rec.id, k + 1, ev.file_name),
                            100,
                        );
                        let path = format!("{dir}/{name}");
                        let missing = match read_evidence(&ev.sha256) {
                            Ok(bytes) => {
                                let uploaded =
                                    duikou_storage::parse_ts(&ev.uploaded_at).unwrap_or(made.at);
                                zip.start_file(
                                    path.as_str(),
                                    options.last_modified_time(zip_time(uploaded)),
                                )?;
                                zip.write_all(&bytes)?;
                                summary.entries.push(path.clone());
                                summary.evidence_files += 1;
                                false
                            }
                            Err(_) => {
                                summary.missing_files.push(path.clone());
                                true
                            }
                        };
                        placed.push(Placed {
                            record: rec.id.0,
                            file_name: ev.file_name.clone(),
                            path,
                            uploaded_by: ev.uploaded_by.clone(),
                            uploaded_at: ev.uploaded_at.clone(),
                            sha256: ev.sha256.clone(),
                            missing,
                        });
                        in_folder.insert((rec.id.0, ev.id), placed.len() - 1);
                        placed.len() - 1
                    }
                };
                files_of.entry(rec.id.0).or_default().push(idx);
            }
        }
        let book = format!("{folder}/{}", workbook_name(number, &ind.name));
        let results: Vec<&IndicatorResult> =
            a.results.iter().filter(|r| r.indicator == ind.id).collect();
        let bytes = records_workbook(
            plan,
            ind,
            &results,
            &stored,
            &ids_scopes,
            &files_of,
            &placed,
            &folder,
            &a,
            &st,
        )?;
        zip.start_file(book.as_str(), options)?;
        zip.write_all(&bytes)?;
        summary.entries.push(book.clone());
        books.insert(ind.id.as_str(), book);
    }

    // The index, the list of figures lacking evidence, the assessment and the checklist.
    let missing: BTreeSet<&str> = summary.missing_files.iter().map(String::as_str).collect();
    let bytes = index_workbook(
        plan,
        &a,
        &books,
        &figure_ids,
        &placed,
        &missing,
        &made.text,
        &st,
    )?;
    zip.start_file(INDEX_FILE, options)?;
    zip.write_all(&bytes)?;
    summary.entries.push(INDEX_FILE.into());

    let (bytes, lacking) = no_evidence_workbook(
        plan,
        &a,
        &books,
        &figure_ids,
        &placed,
        &summary.missing_files,
        &st,
    )?;
    summary.figures_lacking_evidence = lacking;
    zip.start_file(NO_EVIDENCE_FILE, options)?;
    zip.write_all(&bytes)?;
    summary.entries.push(NO_EVIDENCE_FILE.into());

    zip.start_file(ASSESSMENT_FILE, options)?;
    zip.write_all(&assessment_workbook(plan, &a, &narratives)?)?;
    summary.entries.push(ASSESSMENT_FILE.into());
    zip.start_file(ASSESSMENT_JSON, options)?;
    zip.write_all(
        serde_json::to_string_pretty(&a)
            .expect("assessment serialises")
            .as_bytes(),
    )?;
    summary.entries.push(ASSESSMENT_JSON.into());
    zip.start_file(CHECKLIST_FILE, options)?;
    zip.write_all(&checklist_workbook(plan, &a, &narratives)?)?;
    summary.entries.push(CHECKLIST_FILE.into());

    zip.finish()?;
    summary.assessment = Some(a);
    Ok(summary)
}

fn title_rows(
    ws: &mut Worksheet,
    title: &str,
    subtitle: &str,
    st: &Styles,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(0, 0, title, &st.title)?;
    ws.write_string_with_format(1, 0, subtitle, &st.subtitle)?;
    Ok(())
}

fn subtitle(plan: &Plan, a: &Assessment) -> String {
    format!(
        "{} {} 年度，截至 {}{}{}；金额单位：万元",
        plan.meta.title,
        a.year,
        a.as_of,
        if a.include_submitted {
            "（含待审核记录）"
        } else {
            "（仅计已审核记录）"
        },
        crate::common::plan_version_note(a.plan_version)
    )
}

fn write_figure(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    f: Option<Figure>,
    st: &Styles,
) -> Result<(), XlsxError> {
    match f {
        Some(f) => ws.write_number_with_format(row, col, figure_value(f).0, st.figure(f))?,
        None => ws.write_string_with_format(row, col, "—", &st.center)?,
    };
    Ok(())
}

/// Relative path from a folder inside the zip to a path from the zip root.
fn relative_to(folder: &str, path: &str) -> String {
    path.strip_prefix(&format!("{folder}/"))
        .map(str::to_string)
        .unwrap_or_else(|| format!("../{path}"))
}

#[allow(clippy::too_many_arguments)]
fn records_workbook(
    plan: &Plan,
    ind: &duikou_domain::plan::Indicator,
    results: &[&IndicatorResult],
    stored: &[StoredRecord],
    scopes: &BTreeMap<i64, Vec<String>>,
    files_of: &BTreeMap<i64, Vec<usize>>,
    placed: &[Placed],
    folder: &str,
    a: &Assessment,
    st: &Styles,
) -> ReportResult<Vec<u8>> {
    let mut wb = Workbook::new();
    // 汇总
    let ws = wb.add_worksheet().set_name("汇总")?;
    title_rows(
        ws,
        &format!("{} {}", ind.id, ind.name),
        &subtitle(plan, a),
        st,
    )?;
    let headers_s = [
        "范围",
        "实际",
        "按时",
        "目标",
        "单位",
        "状态",
        "记录数",
        "有佐证",
    ];
    let widths = [14.0, 14.0, 14.0, 16.0, 7.0, 12.0, 8.0, 8.0];
    for (i, (h, w)) in headers_s.iter().zip(widths).enumerate() {
        ws.write_string_with_format(3, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    for (i, r) in results.iter().enumerate() {
        let row = 4 + i as u32;
        ws.write_string_with_format(row, 0, scope_label(&r.scope), &st.text)?;
        write_figure(ws, row, 1, Some(r.actual), st)?;
        write_figure(ws, row, 2, r.on_time, st)?;
        ws.write_string_with_format(
            row,
            3,
            target_text::of_result(r, Style::Compact),
            &st.center,
        )?;
        ws.write_string_with_format(row, 4, display_unit(&r.unit), &st.center)?;
        ws.write_string_with_format(
            row,
            5,
            r.status.label_zh(),
            &status_format(&st.center, r.status),
        )?;
        ws.write_number_with_format(row, 6, r.records as f64, &st.count)?;
        ws.write_number_with_format(row, 7, r.with_evidence as f64, &st.count)?;
    }
    let note_row = 5 + results.len() as u32;
    ws.merge_range(
        note_row,
        0,
        note_row,
        7,
        "「记录」工作表列出计入本指标的全部记录（身份证号已脱敏）；「佐证文件」工作表链接到本文件夹下「佐证材料」中的文件。",
        &st.note,
    )?;
    ws.set_row_height(note_row, 28)?;
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);

    // 记录
    let ws = wb.add_worksheet().set_name("记录")?;
    let cols = headers(ind.kind, false);
    let fixed = ["记录编号", "计入范围", "审核状态", "佐证文件数"];
    for (i, h) in fixed
        .iter()
        .chain(cols.iter().map(String::as_str).collect::<Vec<_>>().iter())
        .enumerate()
    {
        ws.write_string_with_format(0, i as u16, *h, &st.head)?;
    }
    ws.set_column_width(0, 9.0)?;
    ws.set_column_width(1, 16.0)?;
    ws.set_column_width(2, 9.0)?;
    ws.set_column_width(3, 9.0)?;
    for (i, fd) in crate::template::columns(ind.kind).into_iter().enumerate() {
        ws.set_column_width(4 + i as u16, crate::template::field_width(fd))?;
    }
    let date_fmt = st.date.clone();
    let opts = ExportOptions::default();
    for (i, rec) in stored.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_number_with_format(row, 0, rec.id.0 as f64, &st.count)?;
        ws.write_string_with_format(
            row,
            1,
            scopes
                .get(&rec.id.0)
                .map(|s| s.join("、"))
                .unwrap_or_default(),
            &st.text,
        )?;
        ws.write_string_with_format(row, 2, rec.status.label_zh(), &st.center)?;
        let readable = files_of
            .get(&rec.id.0)
            .map(|v| v.iter().filter(|i| !placed[**i].missing).count())
            .unwrap_or(0);
        ws.write_number_with_format(row, 3, readable as f64, &st.count)?;
        for (c, cell) in row_cells(rec, &opts).into_iter().enumerate() {
            let col = 4 + c as u16;
            match cell {
                Cell::Empty => ws.write_blank(row, col, &st.text).map(|_| ())?,
                Cell::Text(s) => write_text(ws, row, col, &s, &st.text)?,
                Cell::Money(f) => ws
                    .write_number_with_format(row, col, f as f64 / 100.0, &st.yuan)
                    .map(|_| ())?,
                Cell::Int(n) => ws
                    .write_number_with_format(
                        row,
                        col,
                        n as f64,
                        &st.text.clone().set_num_format("0"),
                    )
                    .map(|_| ())?,
                Cell::Date(d) => ws
                    .write_datetime_with_format(
                        row,
                        col,
                        rust_xlsxwriter::ExcelDateTime::from_ymd(
                            d.year() as u16,
                            u8::from(d.month()),
                            d.day(),
                        )?,
                        &date_fmt,
                    )
                    .map(|_| ())?,
            }
        }
    }
    ws.set_freeze_panes(1, 1)?;
    ws.autofilter(
        0,
        0,
        stored.len().max(1) as u32,
        (fixed.len() + cols.len() - 1) as u16,
    )?;
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(0, 0)?;

    // 佐证文件
    let ws = wb.add_worksheet().set_name("佐证文件")?;
    let headers_f = [
        "记录编号",
        "文件名",
        "上传人",
        "上传时间（北京时间）",
        "SHA-256",
        "打开",
    ];
    let widths = [9.0, 36.0, 12.0, 22.0, 20.0, 10.0];
    for (i, (h, w)) in headers_f.iter().zip(widths).enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    let mut row = 1u32;
    for idxs in files_of.values() {
        for &i in idxs {
            let p = &placed[i];
            ws.write_number_with_format(row, 0, p.record as f64, &st.count)?;
            write_text(ws, row, 1, &p.file_name, &st.text)?;
            write_text(ws, row, 2, &p.uploaded_by, &st.text)?;
            ws.write_string_with_format(row, 3, beijing_time(&p.uploaded_at), &st.text)?;
            ws.write_string_with_format(row, 4, &p.sha256, &st.text)?;
            if p.missing {
                ws.write_string_with_format(row, 5, "文件缺失", &st.center)?;
            } else {
                ws.write_formula_with_format(
                    row,
                    5,
                    link(&relative_to(folder, &p.path), "打开"),
                    &st.link,
                )?;
            }
            row += 1;
        }
    }
    if row == 1 {
        ws.write_string_with_format(1, 0, "（本指标的记录尚无佐证材料）", &st.note)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(wb.save_to_buffer()?)
}

#[allow(clippy::too_many_arguments)]
fn index_workbook(
    plan: &Plan,
    a: &Assessment,
    books: &HashMap<&str, String>,
    figure_ids: &HashMap<(&str, &str), Vec<i64>>,
    placed: &[Placed],
    missing: &BTreeSet<&str>,
    made_at: &str,
    st: &Styles,
) -> ReportResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("指标索引")?;
    title_rows(
        ws,
        &format!("{} {} 年度迎检材料索引", plan.meta.title, a.year),
        &subtitle(plan, a),
        st,
    )?;
    let headers = [
        "清单序号",
        "文件夹",
        "指标",
        "名称",
        "范围",
        "实际",
        "目标",
        "单位",
        "状态",
        "记录数",
        "有佐证",
        "记录表",
        "佐证文件",
    ];
    let widths = [
        8.0, 20.0, 28.0, 30.0, 12.0, 14.0, 16.0, 6.0, 10.0, 8.0, 8.0, 28.0, 12.0,
    ];
    let hr = 3u32;
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(hr, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    let by_record: HashMap<i64, Vec<&Placed>> = placed.iter().fold(HashMap::new(), |mut m, p| {
        m.entry(p.record).or_default().push(p);
        m
    });
    let mut row = hr + 1;
    for r in &a.results {
        let folder = folder_of(plan, &r.item);
        ws.write_string_with_format(row, 0, &r.item, &st.center)?;
        ws.write_string_with_format(row, 1, &folder, &st.text)?;
        ws.write_string_with_format(row, 2, &r.indicator, &st.text)?;
        ws.write_string_with_format(row, 3, &r.name, &st.text)?;
        ws.write_string_with_format(row, 4, scope_label(&r.scope), &st.text)?;
        write_figure(ws, row, 5, Some(r.actual), st)?;
        ws.write_string_with_format(
            row,
            6,
            target_text::of_result(r, Style::Compact),
            &st.center,
        )?;
        ws.write_string_with_format(row, 7, display_unit(&r.unit), &st.center)?;
        ws.write_string_with_format(
            row,
            8,
            r.status.label_zh(),
            &status_format(&st.center, r.status),
        )?;
        ws.write_number_with_format(row, 9, r.records as f64, &st.count)?;
        ws.write_number_with_format(row, 10, r.with_evidence as f64, &st.count)?;
        if let Some(book) = books.get(r.indicator.as_str()) {
            ws.write_formula_with_format(
                row,
                11,
                link(book, book.rsplit('/').next().unwrap_or(book)),
                &st.link,
            )?;
        }
        let ids = figure_ids
            .get(&(r.indicator.as_str(), r.scope.as_str()))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let files = ids
            .iter()
            .filter_map(|id| by_record.get(id))
            .map(|v| {
                v.iter()
                    .filter(|p| !missing.contains(p.path.as_str()))
                    .count()
            })
            .sum::<usize>();
        if files > 0 {
            ws.write_formula_with_format(
                row,
                12,
                link(
                    &format!("{folder}/{EVIDENCE_DIR}"),
                    &format!("{files} 个文件"),
                ),
                &st.link,
            )?;
        } else {
            ws.write_string_with_format(row, 12, "—", &st.center)?;
        }
        row += 1;
    }
    ws.set_freeze_panes(hr + 1, 3)?;
    ws.autofilter(hr, 0, row.saturating_sub(1).max(hr + 1), 12)?;
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(hr, hr)?;
    ws.set_active(true);

    // Every evidence file, by figure.
    let ws = wb.add_worksheet().set_name("佐证文件")?;
    let headers = ["清单序号", "指标", "范围", "记录编号", "文件名", "文件"];
    let widths = [8.0, 28.0, 12.0, 9.0, 36.0, 60.0];
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    let mut row = 1u32;
    for r in &a.results {
        let ids = figure_ids
            .get(&(r.indicator.as_str(), r.scope.as_str()))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for id in ids {
            for p in by_record.get(id).map(Vec::as_slice).unwrap_or(&[]) {
                if missing.contains(p.path.as_str()) {
                    continue;
                }
                ws.write_string_with_format(row, 0, &r.item, &st.center)?;
                ws.write_string_with_format(row, 1, &r.indicator, &st.text)?;
                ws.write_string_with_format(row, 2, scope_label(&r.scope), &st.text)?;
                ws.write_number_with_format(row, 3, *id as f64, &st.count)?;
                write_text(ws, row, 4, &p.file_name, &st.text)?;
                ws.write_formula_with_format(row, 5, link(&p.path, &p.path), &st.link)?;
                row += 1;
            }
        }
    }
    if row == 1 {
        ws.write_string_with_format(1, 0, "（尚无佐证文件）", &st.note)?;
    }
    ws.set_freeze_panes(1, 0)?;

    // How to read the package.
    let ws = wb.add_worksheet().set_name("说明")?;
    ws.set_column_width(0, 100.0)?;
    let lines = [
        format!(
            "{} {} 年度迎检材料包{}",
            plan.meta.title,
            a.year,
            crate::common::plan_version_note(a.plan_version)
        ),
        format!("生成时间：{made_at}（北京时间）；包内文件的修改时间均为北京时间。"),
        "「指标索引」每行一个考核数字（指标 × 范围），与 duikou assess 的结果一致；点击「记录表」打开计入该数字的记录清单。".into(),
        "每个工作清单事项一个文件夹（如「3.1 财政援助资金」），内含各指标的记录表（按计划顺序编号，以指标名称命名）和「佐证材料」子文件夹；佐证文件以记录编号命名（记录编号-序号-原文件名）。".into(),
        format!("「{NO_EVIDENCE_FILE}」列出尚缺佐证的数字；「{ASSESSMENT_FILE}」是考核结果工作簿，「{CHECKLIST_FILE}」是工作清单进展表。"),
        "身份证号在本材料包中一律脱敏显示。".into(),
    ];
    for (i, l) in lines.iter().enumerate() {
        ws.write_string_with_format(i as u32, 0, l, if i == 0 { &st.title } else { &st.note })?;
    }
    Ok(wb.save_to_buffer()?)
}

fn no_evidence_workbook(
    plan: &Plan,
    a: &Assessment,
    books: &HashMap<&str, String>,
    figure_ids: &HashMap<(&str, &str), Vec<i64>>,
    placed: &[Placed],
    missing_files: &[String],
    st: &Styles,
) -> ReportResult<(Vec<u8>, usize)> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("无佐证清单")?;
    title_rows(
        ws,
        &format!("{} 年度尚缺佐证材料的考核数字", a.year),
        &subtitle(plan, a),
        st,
    )?;
    let headers = [
        "清单序号",
        "指标",
        "名称",
        "范围",
        "实际",
        "单位",
        "状态",
        "记录数",
        "有佐证",
        "缺佐证",
        "情况",
        "缺佐证的记录编号",
        "记录表",
    ];
    let widths = [
        8.0, 28.0, 30.0, 12.0, 14.0, 6.0, 10.0, 8.0, 8.0, 8.0, 12.0, 40.0, 26.0,
    ];
    let hr = 3u32;
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(hr, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    let missing: BTreeSet<&str> = missing_files.iter().map(String::as_str).collect();
    let with_files: BTreeSet<i64> = placed
        .iter()
        .filter(|p| !missing.contains(p.path.as_str()))
        .map(|p| p.record)
        .collect();
    let mut row = hr + 1;
    let mut lacking = 0;
    for r in &a.results {
        let ids = figure_ids
            .get(&(r.indicator.as_str(), r.scope.as_str()))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let without: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !with_files.contains(id))
            .collect();
        if without.is_empty() {
            continue;
        }
        lacking += 1;
        ws.write_string_with_format(row, 0, &r.item, &st.center)?;
        ws.write_string_with_format(row, 1, &r.indicator, &st.text)?;
        ws.write_string_with_format(row, 2, &r.name, &st.text)?;
        ws.write_string_with_format(row, 3, scope_label(&r.scope), &st.text)?;
        write_figure(ws, row, 4, Some(r.actual), st)?;
        ws.write_string_with_format(row, 5, display_unit(&r.unit), &st.center)?;
        ws.write_string_with_format(
            row,
            6,
            r.status.label_zh(),
            &status_format(&st.center, r.status),
        )?;
        ws.write_number_with_format(row, 7, ids.len() as f64, &st.count)?;
        ws.write_number_with_format(row, 8, (ids.len() - without.len()) as f64, &st.count)?;
        ws.write_number_with_format(row, 9, without.len() as f64, &st.count)?;
        let state = if without.len() == ids.len() {
            "无佐证"
        } else {
            "部分缺佐证"
        };
        let fill = if without.len() == ids.len() {
            duikou_domain::engine::IndicatorStatus::NotMet
        } else {
            duikou_domain::engine::IndicatorStatus::Late
        };
        ws.write_string_with_format(row, 10, state, &status_format(&st.center, fill))?;
        let shown: Vec<String> = without.iter().take(50).map(|i| i.to_string()).collect();
        let more = if without.len() > 50 {
            format!(" 等 {} 条", without.len())
        } else {
            String::new()
        };
        ws.write_string_with_format(row, 11, format!("{}{more}", shown.join("、")), &st.text)?;
        if let Some(book) = books.get(r.indicator.as_str()) {
            ws.write_formula_with_format(
                row,
                12,
                link(book, book.rsplit('/').next().unwrap_or(book)),
                &st.link,
            )?;
        }
        row += 1;
    }
    if lacking == 0 {
        ws.write_string_with_format(row, 0, "所有计入考核的记录都已有佐证材料。", &st.note)?;
    }
    ws.set_freeze_panes(hr + 1, 2)?;
    ws.autofilter(hr, 0, row.saturating_sub(1).max(hr + 1), 12)?;
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(hr, hr)?;

    if !missing_files.is_empty() {
        let ws = wb.add_worksheet().set_name("缺失文件")?;
        ws.write_string_with_format(0, 0, "已登记但无法读取的佐证文件（请重新上传）", &st.head)?;
        ws.set_column_width(0, 80.0)?;
        for (i, p) in missing_files.iter().enumerate() {
            write_text(ws, 1 + i as u32, 0, p, &st.text)?;
        }
    }
    Ok((wb.save_to_buffer()?, lacking))
}
