//! The workbook written: every sheet of text with its formats, widths and drop-downs
//! (lists on the hidden 选项 sheet), and the 说明 sheet.

use duikou_domain::plan::Plan;
use duikou_domain::schema::{BuiltinKind, FieldType, RecordKind, unrendered_builtin};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format, FormatAlign, FormatBorder, Formula,
    IgnoreError, Workbook, Worksheet, XlsxError,
};

use super::column_letter;
use super::labels::{self as l, Codec, KindNames};
use super::write::{Notes, Sheet, entries};

/// The last row drop-downs and formats cover (0-based).
const LAST_ROW: u32 = 1_048_575;

#[derive(Clone, Copy)]
enum Style {
    Stop,
    Warning,
    Information,
}

/// The lists behind the drop-downs (the hidden 选项 sheet).
#[derive(Default)]
pub(super) struct Lists {
    lists: Vec<(String, Vec<String>)>,
}

impl Lists {
    fn add(&mut self, title: &str, values: Vec<String>) {
        let mut seen = std::collections::HashSet::new();
        let values: Vec<String> = values
            .into_iter()
            .filter(|v| !v.is_empty() && seen.insert(v.clone()))
            .collect();
        self.lists.push((title.to_string(), values));
    }
    fn find(&self, title: &str) -> Option<(usize, usize)> {
        self.lists
            .iter()
            .position(|(t, _)| t == title)
            .map(|i| (i, self.lists[i].1.len()))
            .filter(|(_, n)| *n > 0)
    }
}
// ------------------------------------------------------------------ drop-downs

pub(super) fn lists_of(doc: &toml::Table, plan: Option<&Plan>, kinds: &KindNames) -> Lists {
    let mut lists = Lists::default();
    let labels = |codec| {
        l::choices(codec)
            .into_iter()
            .map(|(_, lb)| lb.to_string())
            .collect()
    };
    lists.add("单位类别", labels(Codec::UnitKind));
    lists.add("方", labels(Codec::Side));
    lists.add("镇街角色", labels(Codec::TownRole));
    lists.add("是否", labels(Codec::Bool));
    lists.add("期间", labels(Codec::Period));
    lists.add(
        "字段类型",
        l::FIELD_TYPES.iter().map(|s| s.to_string()).collect(),
    );
    lists.add(
        "计划项目",
        l::PLAN_ROWS.iter().map(|r| r.0.to_string()).collect(),
    );

    let str_of = |t: &toml::Table, k: &str| {
        t.get(k)
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let units = entries(doc, "unit").unwrap_or_default();
    let groups: Vec<String> = entries(doc, "group")
        .unwrap_or_default()
        .iter()
        .map(|g| str_of(g, "name"))
        .collect();
    let unit_names: Vec<String> = units.iter().map(|u| str_of(u, "name")).collect();
    lists.add("单位", unit_names.clone());
    lists.add(
        "县区",
        units
            .iter()
            .filter(|u| str_of(u, "kind") == "county")
            .map(|u| str_of(u, "name"))
            .collect(),
    );
    lists.add(
        "结对成员",
        units
            .iter()
            .filter(|u| {
                str_of(u, "side") == "east"
                    && ["town", "district", "department"].contains(&str_of(u, "kind").as_str())
            })
            .map(|u| str_of(u, "name"))
            .collect(),
    );
    lists.add(
        "责任单位",
        unit_names
            .into_iter()
            .chain(groups.iter().cloned())
            .collect(),
    );
    let mut scopes: Vec<String> = labels(Codec::Scope);
    scopes.extend(groups.iter().map(|g| format!("每个{g}")));
    lists.add("范围", scopes);
    let numbers = |table| {
        entries(doc, table)
            .unwrap_or_default()
            .iter()
            .map(|t| str_of(t, "no"))
            .collect::<Vec<_>>()
    };
    lists.add(
        "工作清单序号",
        numbers("item")
            .into_iter()
            .chain(numbers("action"))
            .collect(),
    );
    lists.add(
        "指标标识",
        entries(doc, "indicator")
            .unwrap_or_default()
            .iter()
            .map(|t| str_of(t, "id"))
            .collect(),
    );

    // Record kinds: the plan's when it loads, else the built-in ones and the plan's own names.
    let rendered: Vec<RecordKind> = match plan {
        Some(p) => p.kinds().to_vec(),
        None => BuiltinKind::ALL
            .into_iter()
            .filter_map(|b| unrendered_builtin(b.key()))
            .collect(),
    };
    let names = match plan {
        Some(p) => p.kinds().iter().map(|k| k.label_zh().to_string()).collect(),
        None => kinds.names(),
    };
    lists.add("记录类型", names);
    let mut measures: Vec<String> = ["count", "distinct_persons", "ratio"]
        .map(String::from)
        .to_vec();
    let mut sums = Vec::new();
    let mut by = Vec::new();
    let mut vocab = Vec::new();
    for k in &rendered {
        for f in k.fields() {
            if f.ty.is_summable() {
                sums.push(format!("sum:{}", f.key));
            }
            if matches!(f.ty, FieldType::Unit(_) | FieldType::Units(_)) {
                by.push(f.key.to_string());
            }
            if k.builtin().is_some() && matches!(f.ty, FieldType::Enum(_)) {
                vocab.push(format!("{}.{}", k.key(), f.key));
            }
        }
        by.extend(k.desc().party_fields.iter().map(|s| s.to_string()));
    }
    if plan.is_none() {
        for k in entries(doc, "record_kind").unwrap_or_default() {
            if let Some(toml::Value::Array(fields)) = k.get("fields") {
                for f in fields.iter().filter_map(toml::Value::as_table) {
                    match str_of(f, "type").as_str() {
                        "int" | "money" => sums.push(format!("sum:{}", str_of(f, "key"))),
                        "unit" | "units" => by.push(str_of(f, "key")),
                        _ => {}
                    }
                }
            }
        }
    }
    measures.extend(sums.iter().cloned());
    lists.add("计量", measures);
    lists.add("分子", sums);
    lists.add("按字段", by);
    lists.add("词表字段", vocab);
    lists
}

/// The drop-down of a column: (list, style, what the input message says).
fn validation_of(sheet: &str, header: &str) -> Option<(&'static str, Style)> {
    use Style::*;
    Some(match (sheet, header) {
        (l::PLAN, "项目") => ("计划项目", Warning),
        (l::UNITS, "类别") | (l::GROUPS, "全部某类单位") => ("单位类别", Stop),
        (l::UNITS | l::FIELDS, "方") => ("方", Stop),
        (l::UNITS, "镇街角色") => ("镇街角色", Stop),
        (l::GROUPS, "成员") => ("单位", Information),
        (l::PAIRINGS, "县区") => ("县区", Warning),
        (l::PAIRINGS, "结对镇街") => ("结对成员", Warning),
        (l::PAIRINGS, "协助镇街") => ("结对成员", Information),
        (l::ACTIONS | l::ITEMS, "责任单位") => ("责任单位", Information),
        (l::INDICATORS, "工作清单序号") => ("工作清单序号", Warning),
        (l::INDICATORS | l::FIELDS, "记录类型") => ("记录类型", Warning),
        (l::INDICATORS, "计量") => ("计量", Warning),
        (l::INDICATORS, "分子") => ("分子", Warning),
        (l::INDICATORS, "分母") | (l::UNIT_TARGETS, "指标标识") => ("指标标识", Warning),
        (l::INDICATORS, "期间") => ("期间", Stop),
        (l::INDICATORS, "范围") => ("范围", Warning),
        (l::INDICATORS, "按字段") => ("按字段", Warning),
        (l::UNIT_TARGETS, "单位") => ("单位", Warning),
        (l::VOCABULARY, "字段") => ("词表字段", Warning),
        (l::FIELDS, "类型") => ("字段类型", Stop),
        (l::FIELDS, "必填") => ("是否", Stop),
        _ => return None,
    })
}

// ------------------------------------------------------------------ rendering

struct Formats {
    head: Format,
    pending_head: Format,
    text: Format,
    wrap: Format,
    pending: Format,
}

fn formats() -> Formats {
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    Formats {
        pending_head: head.clone().set_background_color(Color::RGB(0xFCE4D6)),
        head,
        text: Format::new()
            .set_num_format("@")
            .set_align(FormatAlign::Top),
        wrap: Format::new()
            .set_num_format("@")
            .set_align(FormatAlign::Top)
            .set_text_wrap(),
        pending: Format::new()
            .set_num_format("@")
            .set_background_color(Color::RGB(0xFFEB9C)),
    }
}

pub(super) fn render(sheets: &[Sheet], lists: &Lists, notes: &Notes) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let f = formats();
    let ws = wb.add_worksheet().set_name(l::HELP)?;
    write_help(ws, &f)?;
    ws.set_active(true);
    for sheet in sheets {
        let ws = wb.add_worksheet().set_name(sheet.name)?;
        write_sheet(ws, sheet, lists, notes, &f)?;
    }
    let ws = wb.add_worksheet().set_name(l::LISTS)?;
    for (c, (title, values)) in lists.lists.iter().enumerate() {
        let col = c as u16;
        ws.write_string_with_format(0, col, title, &f.head)?;
        for (r, v) in values.iter().enumerate() {
            ws.write_string_with_format(r as u32 + 1, col, v, &f.text)?;
        }
        ws.set_column_width(col, 18)?;
    }
    ws.set_hidden(true);
    wb.save_to_buffer()
}

fn write_sheet(
    ws: &mut Worksheet,
    sheet: &Sheet,
    lists: &Lists,
    notes: &Notes,
    f: &Formats,
) -> Result<(), XlsxError> {
    let last_col = sheet.headers.len().saturating_sub(1) as u16;
    for (c, h) in sheet.headers.iter().enumerate() {
        let col = c as u16;
        let pending = h == l::PENDING;
        ws.write_string_with_format(0, col, h, if pending { &f.pending_head } else { &f.head })?;
        ws.set_column_width(col, sheet.widths[c])?;
        let wrap = matches!(
            sheet.codecs[c],
            Some(Codec::Long | Codec::List | Codec::Where)
        ) || h == l::SOURCE;
        ws.set_column_format(col, if wrap { &f.wrap } else { &f.text })?;
        let Some((list, style)) = validation_of(sheet.name, h) else {
            continue;
        };
        let Some((i, n)) = lists.find(list) else {
            continue;
        };
        let letter = column_letter(i);
        let mut dv = DataValidation::new()
            .allow_list_formula(Formula::new(format!(
                "='{}'!${letter}$2:${letter}${}",
                l::LISTS,
                n + 1
            )))
            .set_error_style(match style {
                Style::Stop => DataValidationErrorStyle::Stop,
                Style::Warning => DataValidationErrorStyle::Warning,
                Style::Information => DataValidationErrorStyle::Information,
            });
        dv = match style {
            Style::Information => dv.set_input_message("可从列表选择一个；多个请用「、」分隔")?,
            Style::Warning => dv.set_error_message("不在列表中：请确认后再填")?,
            Style::Stop => dv.set_error_message("请从列表中选择")?,
        };
        ws.add_data_validation(1, col, LAST_ROW, col, &dv)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let wrap = matches!(
                sheet.codecs[c],
                Some(Codec::Long | Codec::List | Codec::Where)
            );
            ws.write_string_with_format(
                r as u32 + 1,
                c as u16,
                cell,
                if wrap { &f.wrap } else { &f.text },
            )?;
        }
    }
    let pending_col = sheet.headers.iter().position(|h| h == l::PENDING);
    let source_col = sheet.headers.iter().position(|h| h == l::SOURCE);
    if let (Some(pc), Some(sc)) = (pending_col, source_col) {
        for (_, row, pending, source) in notes.iter().filter(|n| n.0 == sheet.name) {
            let r = *row as u32 + 1;
            if *pending {
                ws.write_string_with_format(r, pc as u16, l::PENDING_MARK, &f.pending)?;
            }
            if !source.is_empty() {
                ws.write_string_with_format(r, sc as u16, source, &f.wrap)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.ignore_error_range(
        0,
        0,
        (sheet.rows.len() as u32).max(1),
        last_col,
        IgnoreError::NumberStoredAsText,
    )?;
    if sheet.name == l::PLAN
        && let Some((i, n)) = lists.find("单位")
    {
        let letter = column_letter(i);
        let at = l::PLAN_ROWS
            .iter()
            .position(|r| r.1 == "coordinator")
            .unwrap_or(0) as u32
            + 1;
        let dv = DataValidation::new()
            .allow_list_formula(Formula::new(format!(
                "='{}'!${letter}$2:${letter}${}",
                l::LISTS,
                n + 1
            )))
            .set_error_style(DataValidationErrorStyle::Warning);
        ws.add_data_validation(at, 1, at, 1, &dv)?;
    }
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    Ok(())
}

const HELP_ROWS: &[(&str, &str)] = &[
    (
        "本工作簿",
        "计划文件（TOML）的另一种写法：每个工作表是计划文件的一类条目，第 1 行是列名，此后一行一项。列按列名识别，可调整顺序。改好后用 `duikou init --plan 计划.xlsx`（新建）或 `duikou plan update 计划.xlsx`（更新）载入；载入前整份计划都会校验，每个问题都指明工作表、行和列。",
    ),
    (
        "待确认",
        "起草时提出、需要人确认的行在「待确认」列标有「待确认」，「来源」列是它出自原文的句子。确认（或改正）后清空「待确认」单元格；仍有「待确认」的行不能载入。「来源」不载入。",
    ),
    (
        "多个名称",
        "别名、成员、协助镇街、责任单位、选项等列可填多个名称，用「、」分隔（或一行一个）。",
    ),
    (
        "下拉列表",
        "类别、方、镇街角色、记录类型、计量、期间、范围、单位、字段类型、必填等列可从下拉列表选择；列表在隐藏的「选项」工作表中。填写 TOML 中的英文键（如 town、east、in_year）也可以。",
    ),
    (
        "目标",
        "8000：每年至少 8000；1-2：区间（达到下限即完成）；增长10%：比上年至少增长 10%；按年度：2018:1600；2019:1900；2020:1900（区间也可：2020:1-3）；留空：只跟踪不考核。金额以元计；比率以百分数计。",
    ),
    (
        "截止",
        "03-31：每年的截止月日（默认 12-31）；按年度：2021:12-31；2022:03-31（未列出的年度为 12-31）。",
    ),
    (
        "条件",
        "按 TOML 写记录字段的条件，如 source = [\"省级财政\", \"市级财政\"], payee = \"$paired_county\"；选项字段写中文名称；\"$scope\" 为本范围的单位，\"$paired_county\" 为该镇街结对的县区。",
    ),
    (
        "范围",
        "全市（一个数）、每个县区、每个结对镇街、每个协助镇街，或「每个」加单位组名称（如 每个市直部门），按单位各计一个数；分单位的指标要填「按字段」（记录中指明单位的字段）。",
    ),
    (
        "计量",
        "count（计数）、distinct_persons（按身份证去重的人数）、sum:字段（求和，如 sum:amount）、ratio（比率：分子 sum:字段，分母为另一指标的标识）。",
    ),
    (
        "字段",
        "「记录类型」列是「记录类型」表中的类型时，该行是这一类型的字段（按行序）；否则是内置记录类型的附加字段。类型：text、int、money、date、bool、year、enum、unit、units、id_number；选项用「、」分隔；方为单位字段所属的一方；必填填「是」或「否」。",
    ),
    (
        "词表",
        "一行一个新增选项；相邻各行的字段相同时合为一项。字段写作 记录类型.字段，如 facility.kind。",
    ),
    (
        "其他列",
        "以英文键为列名的列（计划文件中工作簿没有专门列的键）保存该键的 TOML 值，原样写回计划文件。",
    ),
    (
        "空文本",
        "单元格留空表示没有该项；只填 \"\"（两个英文引号）表示空文本。",
    ),
];

fn write_help(ws: &mut Worksheet, f: &Formats) -> Result<(), XlsxError> {
    ws.write_string_with_format(0, 0, "项目", &f.head)?;
    ws.write_string_with_format(0, 1, "说明", &f.head)?;
    let mut r = 1;
    for def in l::SHEETS {
        ws.write_string_with_format(r, 0, format!("工作表「{}」", def.name), &f.text)?;
        ws.write_string_with_format(r, 1, def.about, &f.wrap)?;
        r += 1;
    }
    for (k, v) in HELP_ROWS {
        ws.write_string_with_format(r, 0, *k, &f.text)?;
        ws.write_string_with_format(r, 1, *v, &f.wrap)?;
        r += 1;
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 100)?;
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}
