//! The monthly bulletin (月度通报): towns and departments ranked by how much of their
//! year's targets they have met to date, with what each still owes.
//!
//! - Towns (结对镇街, 协助镇街) are scored on the per-unit indicators of their scope.
//! - Departments (市直单位 and the working group) are scored on the programme-wide
//!   indicators of the checklist items they are named responsible for.
//!
//! The ranking is the one of every output (`duikou_domain::engine::progress`): the
//! average, over a unit's indicators with a target, of min(actual, target) / target,
//! then the targets reached; equals share a rank. The computation is pure
//! ([`compute`]); [`xlsx`] and [`html`] render the same [`Bulletin`].

use duikou_domain::engine::progress::{self, Standing};
use duikou_domain::engine::{AssessOptions, Assessment, Figure, IndicatorResult, IndicatorStatus};
use duikou_domain::plan::Plan;
use duikou_storage::Store;
use rust_xlsxwriter::{
    Color, ConditionalFormatDataBar, ConditionalFormatType, FormatAlign, Workbook, Worksheet,
    XlsxError,
};
use time::{Date, Month as TimeMonth};

use crate::common::{Styles, display_unit, figure_value, status_format};
use crate::narratives::{Narrative, Narratives};
use crate::safe::{html as esc, write_text};
use crate::{ReportError, ReportResult};

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    /// `2019-06`, `2019-6`, `2019/06`, `201906` or `2019年6月`.
    pub fn parse(s: &str) -> ReportResult<Month> {
        let t = s.trim();
        let bad = || {
            ReportError::input(
                format!("月份无效：{s}（应为 2019-06）"),
                format!("invalid month: {s} (expected e.g. 2019-06)"),
            )
        };
        let (y, m) = if let Some(rest) = t.strip_suffix('月') {
            rest.split_once('年').ok_or_else(bad)?
        } else if let Some(p) = t.split_once(['-', '/', '.']) {
            p
        } else if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            t.split_at(4)
        } else {
            return Err(bad());
        };
        let year: i32 = y.trim().parse().map_err(|_| bad())?;
        let month: u8 = m.trim().parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || !(1900..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    /// The last day of the month: the bulletin's as-of date.
    pub fn last_day(self) -> Date {
        let m = TimeMonth::try_from(self.month).expect("validated month");
        Date::from_calendar_date(self.year, m, m.length(self.year)).expect("valid date")
    }

    /// `2019-06`.
    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// `2019年6月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

/// One target a unit has not reached yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owed {
    pub indicator: String,
    pub item: String,
    pub name: String,
    pub unit: String,
    pub target: Figure,
    pub actual: Figure,
    pub gap: Figure,
    pub deadline: String,
    pub status: IndicatorStatus,
}

impl Owed {
    /// "8.2 结对镇街选派医生：尚差 2人（已完成 0人 / 目标 2人）".
    pub fn short(&self) -> String {
        format!(
            "{} {}：尚差 {}（已完成 {} / 目标 {}）",
            self.item,
            self.name,
            self.gap.display_zh_with_unit(&self.unit),
            self.actual.display_zh_with_unit(&self.unit),
            self.target.display_zh_with_unit(&self.unit)
        )
    }

    /// "8.2 结对镇街选派教师：目标 2人，已完成 1人，尚差 1人（截止 2019-12-31，进度滞后）".
    pub fn line(&self) -> String {
        format!(
            "{} {}：目标 {}，已完成 {}，尚差 {}（截止 {}，{}）",
            self.item,
            self.name,
            self.target.display_zh_with_unit(&self.unit),
            self.actual.display_zh_with_unit(&self.unit),
            self.gap.display_zh_with_unit(&self.unit),
            self.deadline,
            self.status.label_zh()
        )
    }
}

/// A unit's place in the bulletin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitScore {
    /// 1 for the best; equal scores share a rank.
    pub rank: usize,
    pub unit: String,
    /// 结对镇街, 协助镇街, 市直单位, 工作组.
    pub group: String,
    /// For a town: the county it helps.
    pub county: Option<String>,
    /// Hundredths of a percent, rounded to a tenth of a percent: 10000 is 100 %
    /// (`Progress::share`).
    pub score: i64,
    /// Indicators with a target this year.
    pub targets: usize,
    /// Of those, reached to date.
    pub reached: usize,
    pub owed: Vec<Owed>,
}

impl UnitScore {
    pub fn score_text(&self) -> String {
        self.progress().percent_text()
    }

    pub fn progress(&self) -> progress::Progress {
        progress::Progress {
            share: self.score,
            targets: self.targets,
            reached: self.reached,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bulletin {
    pub plan_title: String,
    /// The plan version the figures were computed with (`Plan::version`).
    pub plan_version: u32,
    pub month: Month,
    pub as_of: String,
    pub towns: Vec<UnitScore>,
    pub departments: Vec<UnitScore>,
    /// Departments with no programme-wide target of their own this year.
    pub without_targets: Vec<String>,
    /// What units have said they did on checklist items (工作进展), latest per unit as
    /// of the month's end, in checklist order.
    pub progress: Vec<ItemProgress>,
}

/// The latest progress of each unit on one checklist item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemProgress {
    pub item: String,
    pub title: String,
    pub narratives: Vec<Narrative>,
}

/// The checklist's items that have progress, in plan order.
pub fn item_progress(plan: &Plan, narratives: &Narratives) -> Vec<ItemProgress> {
    plan.items
        .iter()
        .filter_map(|item| {
            let ns = narratives.get(&item.no)?;
            Some(ItemProgress {
                item: item.no.clone(),
                title: item.title.clone(),
                narratives: ns.clone(),
            })
        })
        .collect()
}

/// A figure of the same kind as `like`.
fn same_kind(like: Figure, v: i64) -> Figure {
    match like {
        Figure::Count(_) => Figure::Count(v),
        Figure::Money(_) => Figure::Money(v),
        Figure::Percent(_) => Figure::Percent(v),
    }
}

/// The targets of these results not reached yet.
fn owed<'a>(results: impl IntoIterator<Item = &'a IndicatorResult>) -> Vec<Owed> {
    results
        .into_iter()
        .filter(|r| !progress::reached(r))
        .filter_map(|r| {
            let target = r.target_min?;
            Some(Owed {
                indicator: r.indicator.clone(),
                item: r.item.clone(),
                name: r.name.clone(),
                unit: r.unit.clone(),
                target,
                actual: r.actual,
                gap: same_kind(target, target.raw() - r.actual.raw()),
                deadline: r.deadline.clone(),
                status: r.status,
            })
        })
        .collect()
}

fn unit_score(s: Standing, group: &str, county: Option<String>, owed: Vec<Owed>) -> UnitScore {
    UnitScore {
        rank: s.rank,
        unit: s.unit,
        group: group.to_string(),
        county,
        score: s.progress.share,
        targets: s.progress.targets,
        reached: s.progress.reached,
        owed,
    }
}

/// The bulletin from an assessment made as of the month's last day: the one ranking
/// ([`progress::town_ranking`], [`progress::department_ranking`]) with what each unit
/// still owes.
pub fn compute(plan: &Plan, a: &Assessment, month: Month) -> Bulletin {
    let towns = progress::town_ranking(plan, &a.results)
        .into_iter()
        .map(|s| {
            let u = plan.unit(&s.unit);
            let group = u
                .and_then(|u| u.town_role)
                .map(|r| r.label_zh())
                .unwrap_or("镇街");
            let county = plan.paired_county(&s.unit).map(str::to_string);
            let owed = owed(a.results.iter().filter(|r| r.scope == s.unit));
            unit_score(s, group, county, owed)
        })
        .collect();
    let (departments, without_targets) = progress::department_ranking(plan, &a.results);
    let departments = departments
        .into_iter()
        .map(|s| {
            let group = plan
                .unit(&s.unit)
                .map(|u| u.kind.label_zh())
                .unwrap_or("市直单位");
            let owed = owed(progress::department_results(plan, &a.results, &s.unit));
            unit_score(s, group, None, owed)
        })
        .collect();
    Bulletin {
        plan_title: plan.meta.title.clone(),
        plan_version: a.plan_version,
        month,
        as_of: a.as_of.clone(),
        towns,
        departments,
        without_targets,
        progress: Vec::new(),
    }
}

/// The assessment a month's bulletin ranks on: approved records, as `duikou assess`
/// counts them, as of the month's last day. An error when the month lies outside the
/// plan's years.
pub fn options(plan: &Plan, month: Month) -> ReportResult<AssessOptions> {
    if let Err(outside) = plan.check_year(month.year) {
        let m = outside.about(&month.label(), &month.key());
        return Err(ReportError::input(m.zh, m.en));
    }
    Ok(AssessOptions {
        year: month.year,
        as_of: month.last_day(),
        include_submitted: false,
    })
}

/// The month's bulletin from its assessment (`options`) and the store's progress texts.
pub async fn from_store(
    store: &Store,
    plan: &Plan,
    month: Month,
    assessment: &Assessment,
) -> ReportResult<Bulletin> {
    let opts = options(plan, month)?;
    let mut b = compute(plan, assessment, month);
    let narratives = crate::narratives::load(store, plan, opts.as_of).await?;
    b.progress = item_progress(plan, &narratives);
    Ok(b)
}

/// `月度通报-2019-06.xlsx` / `.html`.
pub fn file_name(month: Month, extension: &str) -> String {
    format!("月度通报-{}.{extension}", month.key())
}

fn title(b: &Bulletin) -> String {
    format!(
        "{}月度通报",
        b.plan_title
            .split('（')
            .next()
            .unwrap_or(&b.plan_title)
            .replace("三年行动的实施方案", "工作")
    )
}

fn lead_paragraph(b: &Bulletin) -> String {
    let all_towns = b
        .towns
        .iter()
        .filter(|t| t.targets > 0 && t.reached == t.targets)
        .count();
    let owing: usize = b
        .towns
        .iter()
        .chain(&b.departments)
        .map(|u| u.owed.len())
        .sum();
    format!(
        "截至 {}，对照 {} 年度目标，按平均完成率对 {} 个帮扶镇街和 {} 个市直单位（含工作组）排名。{} 个镇街已完成全部年度目标；各单位合计尚有 {} 项目标未完成，明细见各单位「尚欠事项」。",
        b.as_of,
        b.month.year,
        b.towns.len(),
        b.departments.len(),
        all_towns,
        owing
    )
}

fn owed_text(u: &UnitScore) -> String {
    if u.owed.is_empty() {
        if u.targets == 0 {
            "（无年度目标）".into()
        } else {
            "全部完成".into()
        }
    } else {
        u.owed
            .iter()
            .map(Owed::short)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The bulletin as a workbook: the ranking, and every owed target on a second sheet.
pub fn xlsx(b: &Bulletin) -> ReportResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let st = Styles::new();
    let ws = wb.add_worksheet().set_name("月度通报")?;
    write_ranking(ws, b, &st)?;
    let ws = wb.add_worksheet().set_name("尚欠明细")?;
    write_owed(ws, b, &st)?;
    if !b.progress.is_empty() {
        let ws = wb.add_worksheet().set_name("工作进展")?;
        write_progress(ws, b, &st)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn write_progress(ws: &mut Worksheet, b: &Bulletin, st: &Styles) -> Result<(), XlsxError> {
    ws.write_string_with_format(0, 0, format!("{} 工作进展", title(b)), &st.title)?;
    let headers = ["事项", "单位", "截至日期", "进展"];
    for (i, (h, w)) in headers.iter().zip([22.0, 16.0, 12.0, 80.0]).enumerate() {
        ws.write_string_with_format(2, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    let mut row = 3u32;
    for p in &b.progress {
        for n in &p.narratives {
            let body: Vec<String> = n.lines.iter().map(|(l, t)| format!("{l}：{t}")).collect();
            write_text(ws, row, 0, &format!("{} {}", p.item, p.title), &st.wrap)?;
            write_text(ws, row, 1, &n.unit, &st.wrap)?;
            ws.write_string_with_format(
                row,
                2,
                duikou_domain::record::format_date(n.date),
                &st.wrap,
            )?;
            write_text(ws, row, 3, &body.join("\n"), &st.wrap)?;
            row += 1;
        }
    }
    Ok(())
}

fn write_ranking(ws: &mut Worksheet, b: &Bulletin, st: &Styles) -> Result<(), XlsxError> {
    let widths = [6.0, 14.0, 10.0, 10.0, 11.0, 8.0, 8.0, 70.0];
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    let center_title = st.title.clone().set_align(FormatAlign::Center);
    ws.merge_range(0, 0, 0, 7, &title(b), &center_title)?;
    ws.merge_range(
        1,
        0,
        1,
        7,
        &format!(
            "{}（截至 {}{}）",
            b.month.label(),
            b.as_of,
            crate::common::plan_version_note(b.plan_version)
        ),
        &st.subtitle.clone().set_align(FormatAlign::Center),
    )?;
    ws.merge_range(2, 0, 2, 7, &lead_paragraph(b), &st.note)?;
    ws.set_row_height(2, 32)?;
    let mut row = 4u32;
    for (heading, units, is_town) in [
        ("一、帮扶镇街排名", &b.towns, true),
        ("二、市直单位排名", &b.departments, false),
    ] {
        ws.merge_range(row, 0, row, 7, heading, &st.bold_row)?;
        row += 1;
        let headers = [
            "排名",
            if is_town { "镇街" } else { "单位" },
            "类型",
            if is_town { "结对县区" } else { "" },
            "年度目标完成率",
            "已完成",
            "有目标",
            "尚欠事项",
        ];
        for (i, h) in headers.iter().enumerate() {
            ws.write_string_with_format(row, i as u16, *h, &st.head)?;
        }
        row += 1;
        let first = row;
        for u in units.iter() {
            ws.write_number_with_format(row, 0, u.rank as f64, &st.center)?;
            write_text(ws, row, 1, &u.unit, &st.text)?;
            ws.write_string_with_format(row, 2, &u.group, &st.center)?;
            ws.write_string_with_format(row, 3, u.county.as_deref().unwrap_or(""), &st.center)?;
            ws.write_number_with_format(row, 4, u.score as f64 / 10_000.0, &st.ratio)?;
            ws.write_number_with_format(row, 5, u.reached as f64, &st.count)?;
            ws.write_number_with_format(row, 6, u.targets as f64, &st.count)?;
            let owed = owed_text(u);
            let fmt = if u.owed.is_empty() {
                status_format(&st.wrap, IndicatorStatus::Met)
            } else {
                st.wrap.clone()
            };
            ws.write_string_with_format(row, 7, &owed, &fmt)?;
            // About 44 Chinese characters fit a line of the 尚欠事项 column.
            let lines: usize = owed
                .lines()
                .map(|l| l.chars().count().div_ceil(44).max(1))
                .sum();
            ws.set_row_height(row, (12.0 * lines.max(1) as f64 + 4.0).min(400.0))?;
            row += 1;
        }
        if row > first {
            let bar = ConditionalFormatDataBar::new()
                .set_minimum(ConditionalFormatType::Number, 0)
                .set_maximum(ConditionalFormatType::Number, 1)
                .set_fill_color(Color::RGB(0x63BE7B))
                .set_solid_fill(true);
            ws.add_conditional_format(first, 4, row - 1, 4, &bar)?;
        }
        row += 1;
    }
    if !b.without_targets.is_empty() {
        ws.merge_range(
            row,
            0,
            row,
            7,
            &format!(
                "本年度没有单独量化目标、未参与排名的单位：{}。",
                b.without_targets.join("、")
            ),
            &st.note,
        )?;
        row += 1;
    }
    ws.merge_range(
        row,
        0,
        row,
        7,
        &format!("说明：{}", progress::RANKING_RULE_ZH),
        &st.note,
    )?;
    ws.set_row_height(row, 28)?;
    ws.set_portrait()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

fn write_owed(ws: &mut Worksheet, b: &Bulletin, st: &Styles) -> Result<(), XlsxError> {
    ws.write_string_with_format(
        0,
        0,
        format!("尚欠明细（{}，截至 {}）", b.month.label(), b.as_of),
        &st.title,
    )?;
    ws.write_string_with_format(1, 0, "金额单位：万元", &st.subtitle)?;
    let headers = [
        "单位",
        "类型",
        "清单序号",
        "指标",
        "名称",
        "年度目标",
        "已完成",
        "尚差",
        "单位",
        "截止日期",
        "状态",
    ];
    let widths = [
        14.0, 10.0, 8.0, 28.0, 30.0, 12.0, 12.0, 12.0, 6.0, 11.0, 10.0,
    ];
    let hr = 3u32;
    for (i, (h, w)) in headers.iter().zip(widths).enumerate() {
        ws.write_string_with_format(hr, i as u16, *h, &st.head)?;
        ws.set_column_width(i as u16, w)?;
    }
    let mut row = hr + 1;
    for u in b.towns.iter().chain(&b.departments) {
        for o in &u.owed {
            write_text(ws, row, 0, &u.unit, &st.text)?;
            ws.write_string_with_format(row, 1, &u.group, &st.center)?;
            ws.write_string_with_format(row, 2, &o.item, &st.center)?;
            ws.write_string_with_format(row, 3, &o.indicator, &st.text)?;
            ws.write_string_with_format(row, 4, &o.name, &st.text)?;
            for (c, f) in [(5u16, o.target), (6, o.actual), (7, o.gap)] {
                ws.write_number_with_format(row, c, figure_value(f).0, st.figure(f))?;
            }
            ws.write_string_with_format(row, 8, display_unit(&o.unit), &st.center)?;
            ws.write_string_with_format(row, 9, &o.deadline, &st.center)?;
            ws.write_string_with_format(
                row,
                10,
                o.status.label_zh(),
                &status_format(&st.center, o.status),
            )?;
            row += 1;
        }
    }
    ws.set_freeze_panes(hr + 1, 1)?;
    ws.autofilter(hr, 0, row.saturating_sub(1).max(hr + 1), 10)?;
    ws.set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(hr, hr)?;
    Ok(())
}

/// The bulletin as a printable HTML page (A4, self-contained, no scripts).
pub fn html(b: &Bulletin) -> String {
    let mut s = String::new();
    let t = html_escape_title(b);
    s.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str(&format!("<title>{t}</title>\n"));
    s.push_str(STYLE);
    s.push_str("</head>\n<body>\n<main>\n");
    s.push_str(&format!(
        "<header><h1>{t}</h1><p class=\"issue\">{}（截至 {}{}）</p></header>\n",
        esc(&b.month.label()),
        esc(&b.as_of),
        esc(&crate::common::plan_version_note(b.plan_version))
    ));
    s.push_str(&format!(
        "<p class=\"lead\">{}</p>\n",
        esc(&lead_paragraph(b))
    ));
    for (heading, units, is_town) in [
        ("一、帮扶镇街排名", &b.towns, true),
        ("二、市直单位排名", &b.departments, false),
    ] {
        s.push_str(&format!("<section>\n<h2>{heading}</h2>\n<table>\n<thead><tr><th class=\"n\">排名</th><th>{}</th><th>类型</th>", if is_town { "镇街" } else { "单位" }));
        if is_town {
            s.push_str("<th>结对县区</th>");
        }
        s.push_str("<th class=\"rate\">年度目标完成率</th><th class=\"n\">已完成/有目标</th><th>尚欠事项</th></tr></thead>\n<tbody>\n");
        for u in units.iter() {
            let pct = u.score as f64 / 100.0;
            s.push_str(&format!(
                "<tr><td class=\"n\">{}</td><td class=\"unit\">{}</td><td class=\"nw\">{}</td>",
                u.rank,
                esc(&u.unit),
                esc(&u.group)
            ));
            if is_town {
                s.push_str(&format!(
                    "<td class=\"nw\">{}</td>",
                    esc(u.county.as_deref().unwrap_or(""))
                ));
            }
            s.push_str(&format!(
                "<td class=\"rate\"><div class=\"bar\"><span style=\"width:{pct:.1}%\"></span></div>{}</td><td class=\"n\">{}/{}</td>",
                esc(&u.score_text()),
                u.reached,
                u.targets
            ));
            if u.owed.is_empty() {
                s.push_str(&format!(
                    "<td class=\"done\">{}</td></tr>\n",
                    esc(&owed_text(u))
                ));
            } else {
                s.push_str("<td><ul>");
                for o in &u.owed {
                    s.push_str(&format!(
                        "<li class=\"{}\" title=\"{}\">{}</li>",
                        o.status.key(),
                        esc(&o.line()),
                        esc(&o.short())
                    ));
                }
                s.push_str("</ul></td></tr>\n");
            }
        }
        s.push_str("</tbody>\n</table>\n</section>\n");
    }
    if !b.without_targets.is_empty() {
        s.push_str(&format!(
            "<p class=\"note\">本年度没有单独量化目标、未参与排名的单位：{}。</p>\n",
            esc(&b.without_targets.join("、"))
        ));
    }
    if !b.progress.is_empty() {
        s.push_str("<section>\n<h2>三、工作进展</h2>\n");
        for p in &b.progress {
            s.push_str(&format!(
                "<h3>{} {}</h3>\n<ul>\n",
                esc(&p.item),
                esc(&p.title)
            ));
            for n in &p.narratives {
                s.push_str(&format!("<li>{}</li>\n", esc(&n.text())));
            }
            s.push_str("</ul>\n");
        }
        s.push_str("</section>\n");
    }
    s.push_str(&format!(
        "<p class=\"note\" id=\"ranking-rule\">说明：{}尚欠事项中红色为进度滞后或未完成，蓝色为进度正常。</p>\n",
        esc(progress::RANKING_RULE_ZH)
    ));
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn html_escape_title(b: &Bulletin) -> String {
    esc(&title(b))
}

const STYLE: &str = r#"<style>
@page { size: A4; margin: 15mm 12mm; }
* { box-sizing: border-box; }
body { margin: 0; color: #1a1a1a; background: #fff;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 10.5pt; line-height: 1.5; }
main { max-width: 190mm; margin: 0 auto; padding: 8mm 0; }
header { text-align: center; border-bottom: 3px double #c00000; padding-bottom: 4mm; margin-bottom: 4mm; }
h1 { font-size: 20pt; color: #c00000; margin: 0 0 2mm; letter-spacing: 0.1em; }
.issue { margin: 0; color: #444; }
.lead { text-indent: 2em; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; border-left: 4px solid #c00000; padding-left: 2mm; }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; }
th, td { border: 1px solid #999; padding: 1.2mm 1.5mm; vertical-align: top; }
th { background: #d9e1f2; font-weight: bold; text-align: center; }
td.n { text-align: center; width: 12mm; }
td.unit { white-space: nowrap; font-weight: bold; }
td.nw { white-space: nowrap; }
td.rate { width: 30mm; white-space: nowrap; }
.bar { height: 2.2mm; background: #eee; border: 1px solid #ccc; margin-bottom: 0.8mm; }
.bar span { display: block; height: 100%; background: #63be7b; }
td.done { color: #006100; background: #c6efce; }
ul { margin: 0; padding-left: 4mm; }
li.behind, li.not_met { color: #9c0006; }
li.on_track { color: #1f4e78; }
.note { color: #555; font-size: 9pt; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
@media print { main { padding: 0; } }
</style>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        for s in [
            "2019-06",
            "2019-6",
            "2019/06",
            "201906",
            "2019年6月",
            " 2019.6 ",
        ] {
            assert_eq!(
                Month::parse(s).unwrap(),
                Month {
                    year: 2019,
                    month: 6
                },
                "{s}"
            );
        }
        for s in ["2019", "2019-13", "2019-00", "June", "", "19-06"] {
            assert!(Month::parse(s).is_err(), "{s}");
        }
        assert_eq!(
            Month::parse("2020-02").unwrap().last_day().to_string(),
            "2020-02-29"
        );
        assert_eq!(
            Month::parse("2019-06").unwrap().last_day().to_string(),
            "2019-06-30"
        );
    }
}
