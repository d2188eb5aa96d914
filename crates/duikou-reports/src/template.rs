//! `duikou template KIND`: an .xlsx import template per record kind.
//!
//! - Sheet 1, named after the kind (the sheet the importer reads): the Chinese headers
//!   in row 1, one column per field, each column formatted for its type (dates as
//!   dates, amounts as numbers, text as text so voucher and ID numbers keep their
//!   digits), drop-down lists for every enumerated field, for unit names and checklist
//!   numbers, range checks for numbers, dates and years, and a note on every header.
//! - 填写说明: every column explained (required, type, rules, allowed values, example).
//! - 填写示例（不导入）: one example row, marked as such; the importer never reads it.
//! - 可选值: the lists the drop-downs draw from.

use duikou_domain::id_number::make_valid;
use duikou_domain::plan::{Plan, Side, TownRole, UnitKind};
use duikou_domain::schema::{BuiltinKind, FieldDesc, FieldType, RecordKind, UnitRule};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Formula, Note, Workbook, Worksheet, XlsxError,
};

use crate::ReportResult;
use crate::common::{Styles, col_letter};

/// The last spreadsheet row the template's formats and checks cover (0-based).
const LAST_ROW: u32 = 1_048_575;

/// Name of the sheet holding the example row. The importer reads the sheet named after
/// the kind (the first one), never this one.
pub const EXAMPLE_SHEET: &str = "填写示例（不导入）";
pub const HELP_SHEET: &str = "填写说明";
pub const LISTS_SHEET: &str = "可选值";

/// The columns of a kind's template and export: its own fields, then 填报单位, 计划年度, 备注.
pub fn columns(kind: RecordKind) -> Vec<&'static FieldDesc> {
    kind.all_fields().collect()
}

/// The file name a template is offered under: `资金拨付-导入模板.xlsx`.
pub fn file_name(kind: RecordKind) -> String {
    format!("{}-导入模板.xlsx", kind.label_zh())
}

/// A drop-down list the template offers.
struct List {
    title: String,
    values: Vec<String>,
}

fn unit_list(plan: &Plan, rule: UnitRule) -> List {
    let title = match rule {
        UnitRule::Any => "全部单位".into(),
        UnitRule::East => format!("{}方单位", plan.regions.east),
        UnitRule::West => format!("{}方单位", plan.regions.west),
        UnitRule::County => "受帮扶县区".into(),
        UnitRule::Receiver => "资金接收单位".into(),
        UnitRule::CountyOrEastCity => format!("县区或{}", plan.regions.east),
    };
    List {
        title,
        values: plan
            .units
            .iter()
            .filter(|u| rule.admits(u))
            .map(|u| u.name.clone())
            .collect(),
    }
}

/// What a field accepts, in words.
fn type_text(fd: &FieldDesc) -> String {
    match &fd.ty {
        FieldType::Text => "文本".into(),
        FieldType::Money => "金额（元），数字，最多两位小数".into(),
        FieldType::Date => "日期".into(),
        FieldType::Bool => "是/否".into(),
        FieldType::Int => "非负整数".into(),
        FieldType::Year => "年度（四位数字）".into(),
        FieldType::Unit(_) => "单位名称".into(),
        FieldType::Units(_) => "一个或多个单位名称".into(),
        FieldType::Enum(_) => "从列表中选择".into(),
        FieldType::IdNumber => "居民身份证号".into(),
    }
}

fn rule_text(plan: &Plan, rule: UnitRule) -> String {
    let (east, west) = (&plan.meta.east, &plan.meta.west);
    match rule {
        UnitRule::Any => "计划中的任一单位".into(),
        UnitRule::East => format!(
            "{}方单位（镇街、市直单位、省财政、工作组）",
            plan.regions.east
        ),
        UnitRule::West => format!("{}方单位（{west}及其县区）", plan.regions.west),
        UnitRule::County => "受帮扶县区".into(),
        UnitRule::Receiver => format!("受帮扶县区（或{west}）"),
        UnitRule::CountyOrEastCity => {
            format!(
                "受帮扶县区；设在{}的劳务工作站填「{east}」",
                plan.regions.east
            )
        }
    }
}

/// The rules of a field, in words, for the explanation sheet and header notes.
fn rules_text(plan: &Plan, kind: RecordKind, fd: &FieldDesc) -> String {
    let mut parts: Vec<String> = Vec::new();
    match &fd.ty {
        FieldType::Money => {
            parts.push("填写元；也可把列名改为「…（万元）」后按万元填写；可带千分位逗号".into())
        }
        FieldType::Date => parts.push("如 2019-03-15，也可写 2019/3/15 或 2019年3月15日".into()),
        FieldType::Bool => parts.push("填「是」或「否」".into()),
        FieldType::Year => parts.push("如 2019".into()),
        FieldType::Unit(rule) => parts.push(format!("从下拉列表选择：{}", rule_text(plan, *rule))),
        FieldType::Units(rule) => parts.push(format!(
            "{}；多个单位用「、」分隔，每个单位都计入",
            rule_text(plan, *rule)
        )),
        FieldType::Enum(options) => parts.push(format!(
            "可选：{}",
            options
                .iter()
                .map(|o| o.label)
                .collect::<Vec<_>>()
                .join("、")
        )),
        FieldType::IdNumber => {
            parts.push("18 位，校验位须正确；系统加密保存，导出和页面中脱敏显示".into())
        }
        FieldType::Int => parts.push("整数，不小于 0".into()),
        FieldType::Text => {}
    }
    let special = match (kind.builtin(), fd.key) {
        (Some(BuiltinKind::Transfer), "received_on") => {
            "接收单位确认到账后填写；未到账的资金不计入考核"
        }
        (Some(BuiltinKind::Transfer), "voucher_no") => "同一拨付单位的凭证号不得重复",
        (Some(BuiltinKind::Transfer), "budget_year") => "资金所属年度，计入该年度考核",
        (Some(BuiltinKind::Transfer), "source") => "镇街财政资金的拨付单位须为镇街",
        (Some(BuiltinKind::Project), "disbursed") => "不得超过使用帮扶资金",
        (Some(BuiltinKind::Activity), "plan_item") => "工作清单序号，如 1.2",
        (Some(BuiltinKind::Activity), "participants") => "参加人数（旅游、培训等指标按此统计）",
        (Some(BuiltinKind::Secondment), "end_on") => "计划结束日期；支教支医须不少于一年",
        (Some(BuiltinKind::Secondment), "id_number") => "可不填",
        (Some(BuiltinKind::Person), "hukou_county") => "可不填：按身份证号前六位自动判断",
        (Some(BuiltinKind::Person), "id_number") => "必填；同一人同一类别同一年只计一次",
        (Some(BuiltinKind::Pairing), "east_town") => "结对计入的镇街（校校、院院结对可填市直单位）",
        (Some(BuiltinKind::Pairing), "ended_on") => "结对终止时填写",
        (_, "reporting_unit") => {
            "可不填：默认为本记录的单位字段（拨付单位、主办单位、派出单位等），否则为导入人所在单位"
        }
        (_, "plan_year") => "可不填：按日期自动判断（资金拨付按资金年度）",
        (_, "notes") => "自由填写",
        _ => "",
    };
    if !special.is_empty() {
        parts.push(special.into());
    }
    parts.join("；")
}

/// One example value per field, consistent with each other and with the plan.
pub fn example_row(plan: &Plan, kind: RecordKind) -> Vec<(&'static str, String)> {
    let year = (plan.meta.first_year + 1).min(plan.meta.last_year);
    let lead = plan
        .towns_with_role(TownRole::Lead)
        .next()
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let county_unit = plan
        .paired_county(&lead)
        .and_then(|c| plan.unit(c))
        .or_else(|| plan.counties().next());
    let county = county_unit.map(|u| u.name.clone()).unwrap_or_default();
    let area = county_unit
        .and_then(|u| u.code.clone())
        .filter(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| "530602".into());
    let dept = |name: &str| {
        plan.unit(name)
            .map(|u| u.name.clone())
            .or_else(|| {
                plan.units_of_kind(UnitKind::Department)
                    .next()
                    .map(|u| u.name.clone())
            })
            .unwrap_or_default()
    };
    let birth = time::Date::from_calendar_date(2000, time::Month::May, 20).expect("valid date");
    let id = make_valid(&area, birth, 12).as_str().to_string();
    let d = |m: u8, day: u8| format!("{year}-{m:02}-{day:02}");
    let v = |pairs: &[(&'static str, String)]| pairs.to_vec();
    let (east, west) = (&plan.regions.east, &plan.regions.west);
    let option = |field: &str, key: &str| {
        kind.field(field)
            .and_then(|f| match f.ty {
                FieldType::Enum(options) => options.iter().find(|o| o.key == key),
                _ => None,
            })
            .map(|o| o.label.to_string())
            .unwrap_or_default()
    };
    let mut row = match kind.builtin() {
        Some(BuiltinKind::Transfer) => v(&[
            ("source", "市级财政".into()),
            ("payer", dept("市财政局")),
            ("payee", county.clone()),
            ("amount", "5000000.00".into()),
            ("budget_year", year.to_string()),
            ("sent_on", d(3, 10)),
            ("received_on", d(3, 20)),
            ("voucher_no", format!("CZ{year}-001")),
            ("purpose", "财政援助资金".into()),
        ]),
        Some(BuiltinKind::Project) => v(&[
            ("name", "某村卫生室建设".into()),
            ("county", county.clone()),
            ("category", "卫生室".into()),
            ("aid_amount", "800000.00".into()),
            ("disbursed", "500000.00".into()),
            ("started_on", d(4, 1)),
            ("completed_on", d(9, 30)),
            ("beneficiaries_poor", "120".into()),
        ]),
        Some(BuiltinKind::Activity) => v(&[
            ("kind", "招商推介会".into()),
            ("title", format!("{west}（{east}）招商推介会")),
            ("held_on", d(5, 18)),
            ("place", east.clone()),
            ("organizers", format!("{}、{}", dept("市经信局"), lead)),
            ("participants", "200".into()),
            (
                "plan_item",
                if plan.item("1.2").is_some() {
                    "1.2".into()
                } else {
                    String::new()
                },
            ),
            ("projects_signed", "5".into()),
            ("amount", "300000000.00".into()),
        ]),
        Some(BuiltinKind::Secondment) => v(&[
            ("name", "张三".into()),
            ("id_number", id.clone()),
            ("category", "教师".into()),
            ("rank", "科级".into()),
            ("direction", option("direction", "east_to_west")),
            ("from_unit", lead.clone()),
            ("to_unit", county.clone()),
            ("post", "某中学副校长".into()),
            ("leadership_team", "否".into()),
            ("start_on", d(9, 1)),
            ("end_on", format!("{}-08-31", year + 1)),
        ]),
        Some(BuiltinKind::Person) => v(&[
            ("programme", "劳务就业".into()),
            ("name", "李四".into()),
            ("id_number", id.clone()),
            ("registered_poor", "是".into()),
            ("hukou_county", county.clone()),
            ("organisation", "某电子有限公司".into()),
            ("work_place", option("work_place", "dongguan")),
            ("started_on", d(3, 15)),
        ]),
        Some(BuiltinKind::Pairing) => v(&[
            ("kind", "村村结对".into()),
            ("east_party", "某社区".into()),
            ("east_town", lead.clone()),
            ("west_party", "某村".into()),
            ("west_county", county.clone()),
            ("deep_poverty", "是".into()),
            ("signed_on", d(4, 10)),
            ("ended_on", String::new()),
        ]),
        Some(BuiltinKind::Facility) => v(&[
            ("kind", "产业示范基地".into()),
            ("name", "某特色产业示范基地".into()),
            ("county", county.clone()),
            ("established_on", d(6, 1)),
        ]),
        Some(BuiltinKind::Purchase) => v(&[
            ("buyer", "某食品有限公司".into()),
            ("origin_county", county.clone()),
            ("product", "苹果".into()),
            ("amount", "120000.00".into()),
            ("bought_on", d(10, 8)),
        ]),
        Some(BuiltinKind::Donation) => v(&[
            ("donor", "某企业".into()),
            ("donor_type", "企业".into()),
            ("amount", "500000.00".into()),
            ("county", county.clone()),
            ("donated_on", d(8, 20)),
        ]),
        None => Vec::new(),
    };
    // A field of the plan's own (an extra field, a kind of its own): a value of its type.
    for fd in kind.fields() {
        if !row.iter().any(|(k, _)| *k == fd.key) {
            row.push((
                fd.key,
                example_of_type(plan, fd, &county, &lead, &id, &d(6, 15)),
            ));
        }
    }
    row.push(("reporting_unit", String::new()));
    row.push(("plan_year", String::new()));
    row.push(("notes", "示例".into()));
    // Keep the template's column order.
    columns(kind)
        .into_iter()
        .map(|fd| {
            (
                fd.key,
                row.iter()
                    .find(|(k, _)| *k == fd.key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Whether `fd` is the field some kind of the plan names its checklist item in.
fn kind_narrates(plan: &Plan, fd: &FieldDesc) -> bool {
    plan.kinds()
        .iter()
        .any(|k| k.narrates() == Some(fd.key) && k.field(fd.key).is_some_and(|f| f == fd))
}

/// An example value for a field the program knows only by its type.
fn example_of_type(
    plan: &Plan,
    fd: &FieldDesc,
    county: &str,
    lead: &str,
    id: &str,
    date: &str,
) -> String {
    match fd.ty {
        // A checklist item's number is checked against the plan.
        FieldType::Text if fd.key == "plan_item" || kind_narrates(plan, fd) => plan
            .items
            .first()
            .map_or_else(|| format!("某{}", fd.zh), |i| i.no.clone()),
        FieldType::Text => format!("某{}", fd.zh),
        FieldType::Money => "100000.00".into(),
        FieldType::Date => date.into(),
        FieldType::Bool => "是".into(),
        FieldType::Int => "10".into(),
        FieldType::Year => date.get(..4).unwrap_or_default().into(),
        FieldType::IdNumber => id.into(),
        FieldType::Enum(options) => options
            .first()
            .map(|o| o.label.to_string())
            .unwrap_or_default(),
        FieldType::Unit(rule) | FieldType::Units(rule) => match rule {
            UnitRule::East | UnitRule::Any => lead.into(),
            UnitRule::County | UnitRule::Receiver | UnitRule::CountyOrEastCity => county.into(),
            UnitRule::West => plan
                .units
                .iter()
                .find(|u| u.side == Side::West)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
        },
    }
}

/// Display width of text (CJK characters count double), for column widths.
pub(crate) fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1.0 } else { 2.0 })
        .sum()
}

/// A column width that suits a field.
pub(crate) fn field_width(fd: &FieldDesc) -> f64 {
    let by_type: f64 = match fd.ty {
        FieldType::Date => 13.0,
        FieldType::Money => 16.0,
        FieldType::Int | FieldType::Year | FieldType::Bool => 10.0,
        FieldType::IdNumber => 22.0,
        FieldType::Unit(_) => 16.0,
        FieldType::Units(_) => 26.0,
        FieldType::Enum(_) => 16.0,
        FieldType::Text => match fd.key {
            "name" | "title" | "purpose" | "organisation" | "notes" | "post" | "product"
            | "east_party" | "west_party" | "donor" | "buyer" | "place" => 28.0,
            _ => 16.0,
        },
    };
    by_type.max(text_width(fd.zh) + 4.0)
}

/// The number format of a field's column, if any.
pub(crate) fn field_num_format(fd: &FieldDesc) -> &'static str {
    match fd.ty {
        FieldType::Date => "yyyy-mm-dd",
        FieldType::Money => "#,##0.00",
        FieldType::Int | FieldType::Year => "0",
        _ => "@",
    }
}

fn date_rule() -> Result<DataValidationRule<ExcelDateTime>, XlsxError> {
    Ok(DataValidationRule::Between(
        ExcelDateTime::from_ymd(2000, 1, 1)?,
        ExcelDateTime::from_ymd(2100, 12, 31)?,
    ))
}

/// Write the empty import template for a kind.
pub fn template(plan: &Plan, kind: RecordKind) -> ReportResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let st = Styles::new();
    let cols = columns(kind);

    // The lists behind the drop-downs, gathered first so the data sheet can refer to them.
    let mut lists: Vec<List> = Vec::new();
    let mut list_of: Vec<Option<usize>> = Vec::new();
    for fd in &cols {
        let list = match &fd.ty {
            FieldType::Enum(options) => Some(List {
                title: fd.zh.to_string(),
                values: options.iter().map(|o| o.label.to_string()).collect(),
            }),
            FieldType::Bool => Some(List {
                title: "是/否".into(),
                values: vec!["是".into(), "否".into()],
            }),
            FieldType::Unit(rule) | FieldType::Units(rule) => Some(unit_list(plan, *rule)),
            FieldType::Text if fd.key == "plan_item" => Some(List {
                title: "工作清单序号".into(),
                values: plan.items.iter().map(|i| i.no.clone()).collect(),
            }),
            _ => None,
        };
        list_of.push(list.map(|l| {
            match lists
                .iter()
                .position(|x| x.title == l.title && x.values == l.values)
            {
                Some(i) => i,
                None => {
                    lists.push(l);
                    lists.len() - 1
                }
            }
        }));
    }

    // 1. The data sheet.
    let ws = wb.add_worksheet().set_name(kind.label_zh())?;
    let head_required = st.head.clone().set_background_color(Color::RGB(0xFCE4D6));
    for (c, fd) in cols.iter().enumerate() {
        let col = c as u16;
        ws.write_string_with_format(
            0,
            col,
            fd.zh,
            if fd.required {
                &head_required
            } else {
                &st.head
            },
        )?;
        ws.set_column_width(col, field_width(fd))?;
        let fmt = Format::new().set_num_format(field_num_format(fd));
        ws.set_column_format(col, &fmt)?;
        let note = format!(
            "{}（{}）\n{}：{}\n{}",
            fd.zh,
            fd.key,
            if fd.required { "必填" } else { "选填" },
            type_text(fd),
            rules_text(plan, kind, fd)
        );
        ws.insert_note(
            0,
            col,
            &Note::new(note)
                .set_author("duikou")
                .set_width(300)
                .set_height(140),
        )?;
        if let Some(dv) = validation(fd, list_of[c].map(|i| (i, &lists[i])), plan)? {
            ws.add_data_validation(1, col, LAST_ROW, col, &dv)?;
        }
    }
    ws.set_row_height(0, 30)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_active(true);
    print_wide(ws)?;
    ws.set_repeat_rows(0, 0)?;

    // 2. The explanation sheet.
    let ws = wb.add_worksheet().set_name(HELP_SHEET)?;
    write_help(ws, plan, kind, &cols, &st)?;
    print_wide(ws)?;

    // 3. The example row.
    let ws = wb.add_worksheet().set_name(EXAMPLE_SHEET)?;
    write_example(ws, plan, kind, &cols, &st)?;
    print_wide(ws)?;

    // 4. The lists.
    let ws = wb.add_worksheet().set_name(LISTS_SHEET)?;
    for (i, l) in lists.iter().enumerate() {
        let col = i as u16;
        ws.write_string_with_format(0, col, &l.title, &st.head)?;
        for (r, v) in l.values.iter().enumerate() {
            ws.write_string_with_format(1 + r as u32, col, v, &st.text)?;
        }
        ws.set_column_width(
            col,
            l.values
                .iter()
                .map(|v| text_width(v))
                .fold(text_width(&l.title), f64::max)
                + 2.0,
        )?;
    }
    ws.set_freeze_panes(1, 0)?;
    print_wide(ws)?;

    Ok(wb.save_to_buffer()?)
}

/// Landscape A4, all columns on one page width.
pub(crate) fn print_wide(ws: &mut Worksheet) -> Result<(), XlsxError> {
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    Ok(())
}

fn validation(
    fd: &FieldDesc,
    list: Option<(usize, &List)>,
    plan: &Plan,
) -> Result<Option<DataValidation>, XlsxError> {
    let title: String = fd.zh.chars().take(32).collect();
    let dv = match (&fd.ty, list) {
        (FieldType::Units(_), Some((i, l))) => DataValidation::new()
            .allow_list_formula(list_formula(i, l))
            .set_error_style(DataValidationErrorStyle::Information)
            .set_input_title(title)?
            .set_input_message("可从列表选择一个单位；多个单位请直接输入，用「、」分隔")?,
        (FieldType::Text, Some((i, l))) => DataValidation::new()
            .allow_list_formula(list_formula(i, l))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("不在工作清单中")?
            .set_error_message("请填写工作清单中的序号，如 1.2")?,
        (FieldType::Bool, _) => DataValidation::new()
            .allow_list_strings(&["是", "否"])?
            .set_error_title("请选择")?
            .set_error_message("请填「是」或「否」")?,
        (FieldType::Enum(_) | FieldType::Unit(_), Some((i, l))) => DataValidation::new()
            .allow_list_formula(list_formula(i, l))
            .set_error_title("请从列表中选择")?
            .set_error_message(format!(
                "「{}」只能填写「{LISTS_SHEET}」工作表中列出的值",
                fd.zh
            ))?,
        (FieldType::Date, _) => DataValidation::new()
            .allow_date(date_rule()?)
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("日期格式")?
            .set_error_message("请填写日期，如 2019-03-15")?,
        (FieldType::Money, _) => DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            .set_error_title("金额")?
            .set_error_message("请填写不小于 0 的金额（元），最多两位小数")?,
        (FieldType::Int, _) => DataValidation::new()
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_error_title("整数")?
            .set_error_message("请填写不小于 0 的整数")?,
        (FieldType::Year, _) => {
            let (lo, hi) = if fd.key == "plan_year" {
                (plan.meta.first_year, plan.meta.last_year)
            } else {
                (plan.meta.first_year - 1, plan.meta.last_year + 1)
            };
            DataValidation::new()
                .allow_whole_number(DataValidationRule::Between(lo, hi))
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_title("年度")?
                .set_error_message(format!(
                    "计划年度为 {}–{}",
                    plan.meta.first_year, plan.meta.last_year
                ))?
        }
        (FieldType::IdNumber, _) => DataValidation::new()
            .allow_text_length(DataValidationRule::EqualTo(18))
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("身份证号")?
            .set_error_message("身份证号应为 18 位")?,
        _ => return Ok(None),
    };
    Ok(Some(dv))
}

fn list_formula(index: usize, l: &List) -> Formula {
    let col = col_letter(index as u16);
    Formula::new(format!(
        "='{LISTS_SHEET}'!${col}$2:${col}${}",
        l.values.len().max(1) + 1
    ))
}

fn write_help(
    ws: &mut Worksheet,
    plan: &Plan,
    kind: RecordKind,
    cols: &[&'static FieldDesc],
    st: &Styles,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(
        0,
        0,
        format!("{}导入模板 填写说明", kind.label_zh()),
        &st.title,
    )?;
    let general = [
        format!(
            "1. 在第一张工作表「{}」中填写数据：第 1 行是列名，请勿修改或删除；从第 2 行起每行一条记录。",
            kind.label_zh()
        ),
        "2. 橙色列名为必填列。列的顺序可以调整；不需要的选填列可以删除。".to_string(),
        "3. 带下拉箭头的单元格请从列表中选择；单位名称须与计划中的名称一致（见「可选值」工作表）。"
            .to_string(),
        format!("4. 「{EXAMPLE_SHEET}」工作表是一行填写示例，导入时不会读取。"),
        "5. 一个文件中任何一行有误，整个文件都不会导入；错误信息会指出行号和列名。".to_string(),
        format!(
            "6. 计划：{}（{}–{} 年）。导入命令：duikou import {} 文件.xlsx",
            plan.meta.title,
            plan.meta.first_year,
            plan.meta.last_year,
            kind.key()
        ),
    ];
    for (i, line) in general.iter().enumerate() {
        ws.merge_range(1 + i as u32, 0, 1 + i as u32, 6, line, &st.note)?;
    }
    let top = 2 + general.len() as u32;
    let headers = ["列", "列名", "英文键", "必填", "类型", "填写要求", "示例"];
    let widths = [6.0, 22.0, 18.0, 8.0, 18.0, 60.0, 26.0];
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(top, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    let example = example_row(plan, kind);
    for (i, fd) in cols.iter().enumerate() {
        let row = top + 1 + i as u32;
        ws.write_string_with_format(row, 0, col_letter(i as u16), &st.center)?;
        ws.write_string_with_format(row, 1, fd.zh, &st.text)?;
        ws.write_string_with_format(row, 2, fd.key, &st.text)?;
        ws.write_string_with_format(row, 3, if fd.required { "是" } else { "否" }, &st.center)?;
        ws.write_string_with_format(row, 4, type_text(fd), &st.text)?;
        let rules = rules_text(plan, kind, fd);
        ws.write_string_with_format(row, 5, &rules, &st.wrap)?;
        ws.set_row_height(
            row,
            14.0 * rules.chars().count().div_ceil(36).max(1) as f64 + 3.0,
        )?;
        let ex = example
            .iter()
            .find(|(k, _)| *k == fd.key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        ws.write_string_with_format(row, 6, ex, &st.text)?;
    }
    ws.set_freeze_panes(top + 1, 0)?;
    Ok(())
}

fn write_example(
    ws: &mut Worksheet,
    plan: &Plan,
    kind: RecordKind,
    cols: &[&'static FieldDesc],
    st: &Styles,
) -> Result<(), XlsxError> {
    let banner = Format::new()
        .set_bold()
        .set_font_color(Color::RGB(0x9C0006))
        .set_background_color(Color::RGB(0xFFC7CE))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Left);
    let last = cols.len().saturating_sub(1) as u16;
    ws.merge_range(
        0,
        0,
        0,
        last.max(1),
        &format!(
            "【示例，不导入】以下是一行填写示例，仅供参考。请在第一张工作表「{}」中填写数据。",
            kind.label_zh()
        ),
        &banner,
    )?;
    let example_fmt = st
        .text
        .clone()
        .set_background_color(Color::RGB(0xFFF2CC))
        .set_italic();
    for (c, fd) in cols.iter().enumerate() {
        let col = c as u16;
        ws.write_string_with_format(1, col, fd.zh, &st.head)?;
        ws.set_column_width(col, field_width(fd))?;
    }
    for (c, (key, value)) in example_row(plan, kind).iter().enumerate() {
        let col = c as u16;
        let fd = cols[c];
        debug_assert_eq!(fd.key, *key);
        match (&fd.ty, value.is_empty()) {
            (_, true) => ws.write_blank(2, col, &example_fmt)?,
            (FieldType::Money, false) => ws.write_number_with_format(
                2,
                col,
                value.parse::<f64>().unwrap_or(0.0),
                &example_fmt.clone().set_num_format("#,##0.00"),
            )?,
            (FieldType::Int | FieldType::Year, false) => ws.write_number_with_format(
                2,
                col,
                value.parse::<f64>().unwrap_or(0.0),
                &example_fmt,
            )?,
            (FieldType::Date, false) => match duikou_domain::record::parse_iso_date(value) {
                Some(d) => ws.write_datetime_with_format(
                    2,
                    col,
                    ExcelDateTime::from_ymd(d.year() as u16, u8::from(d.month()), d.day())?,
                    &example_fmt.clone().set_num_format("yyyy-mm-dd"),
                )?,
                None => ws.write_string_with_format(2, col, value, &example_fmt)?,
            },
            _ => ws.write_string_with_format(2, col, value, &example_fmt)?,
        };
    }
    ws.set_freeze_panes(2, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use duikou_domain::record::{FieldInput, ValidationContext, validate};

    use super::*;

    #[test]
    fn every_example_row_is_valid() {
        let plan = Plan::bundled();
        for kind in duikou_domain::plan::Plan::bundled().kinds().to_vec() {
            let input: BTreeMap<String, FieldInput> = example_row(&plan, kind)
                .into_iter()
                .map(|(k, v)| (k.to_string(), FieldInput::new(v)))
                .collect();
            let ctx = ValidationContext {
                plan: &plan,
                default_unit: plan.meta.coordinator.as_deref(),
            };
            validate(kind, &input, &ctx).unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
        }
    }
}
