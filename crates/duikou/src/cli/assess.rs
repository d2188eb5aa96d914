//! `duikou assess` and the work-checklist progress report: the application's figures as a
//! terminal table, JSON or a printable workbook.

use std::io::IsTerminal;
use std::path::Path;

use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use duikou_app::assessment::{checklist, compute, options, status_counts, summarise};
use duikou_app::config::{Config, open_with_plan};
use duikou_app::error::{AppError, AppResult};
use duikou_domain::engine::{Assessment, IndicatorStatus};
use duikou_domain::plan::Plan;
use duikou_domain::target_text::{self, Style};

use super::AssessFormat;
use super::plan_view::wrap;

pub async fn run(
    cfg: &Config,
    year: Option<i32>,
    as_of: Option<&str>,
    include_submitted: bool,
    format: AssessFormat,
    out: Option<&Path>,
    unit: Option<&str>,
) -> AppResult<()> {
    let (store, plan) = open_with_plan(cfg).await?;
    let opts = options(&plan, year, as_of, include_submitted)?;
    let mut a = compute(&store, &plan, &opts).await?;
    if let Some(u) = unit {
        let name = plan
            .resolve_unit(u)
            .ok_or_else(|| {
                AppError::input(
                    format!("计划中没有单位「{u}」"),
                    format!("no unit named \"{u}\" in the plan"),
                )
            })?
            .name
            .clone();
        a.results.retain(|r| r.scope == name);
    }
    match format {
        AssessFormat::Json => {
            let text = serde_json::to_string_pretty(&a).expect("assessment serialises");
            write_or_print(out, text.as_bytes())
        }
        AssessFormat::Table => {
            let colour = out.is_none() && std::io::stdout().is_terminal();
            let text = render_table(&plan, &a, colour);
            write_or_print(out, text.as_bytes())
        }
        AssessFormat::Xlsx => {
            let out = out.ok_or_else(|| {
                AppError::input("xlsx 格式需要 --out 文件", "--format xlsx needs --out FILE")
            })?;
            let narratives = duikou_reports::narratives::load(&store, &plan, opts.as_of).await?;
            let bytes = duikou_reports::workbook::assessment_workbook(&plan, &a, &narratives)
                .map_err(|e| AppError::failure_text(e.to_string()))?;
            std::fs::write(out, bytes)?;
            println!("已写入 / written: {}", out.display());
            Ok(())
        }
    }
}

pub async fn run_checklist(
    cfg: &Config,
    year: Option<i32>,
    as_of: Option<&str>,
    include_submitted: bool,
    format: AssessFormat,
    out: Option<&Path>,
) -> AppResult<()> {
    let (store, plan) = open_with_plan(cfg).await?;
    let opts = options(&plan, year, as_of, include_submitted)?;
    let a = compute(&store, &plan, &opts).await?;
    let narratives = duikou_reports::narratives::load(&store, &plan, opts.as_of).await?;
    match format {
        AssessFormat::Table => {
            write_or_print(out, render_checklist(&plan, &a, &narratives).as_bytes())
        }
        AssessFormat::Json => {
            let items: Vec<serde_json::Value> = checklist(&plan, &a)
                .into_iter()
                .flat_map(|(act, rows)| {
                    rows.into_iter().map(|c| {
                        let progress: Vec<serde_json::Value> = narratives
                            .get(&c.item.no)
                            .into_iter()
                            .flatten()
                            .map(|n| serde_json::json!({
                                "unit": n.unit,
                                "as_of": duikou_domain::record::format_date(n.date),
                                "text": n.lines.iter().map(|(l, t)| format!("{l}：{t}")).collect::<Vec<_>>().join("；"),
                                "record": n.record_id,
                            }))
                            .collect();
                        serde_json::json!({
                            "action": act.no, "action_title": act.title, "item": c.item.no, "title": c.item.title,
                            "text": c.item.text, "time_limit": c.item.time_limit, "responsible": c.item.responsible,
                            "results": c.results, "records": c.records, "with_evidence": c.with_evidence,
                            "progress": progress,
                        })
                    })
                })
                .collect();
            let doc = serde_json::json!({ "plan": a.plan, "year": a.year, "as_of": a.as_of, "items": items });
            write_or_print(
                out,
                serde_json::to_string_pretty(&doc).expect("json").as_bytes(),
            )
        }
        AssessFormat::Xlsx => {
            let out = out.ok_or_else(|| {
                AppError::input("xlsx 格式需要 --out 文件", "--format xlsx needs --out FILE")
            })?;
            let bytes = duikou_reports::workbook::checklist_workbook(&plan, &a, &narratives)
                .map_err(|e| AppError::failure_text(e.to_string()))?;
            std::fs::write(out, bytes)?;
            println!("已写入 / written: {}", out.display());
            Ok(())
        }
    }
}

fn write_or_print(out: Option<&Path>, bytes: &[u8]) -> AppResult<()> {
    match out {
        Some(p) => {
            std::fs::write(p, bytes)?;
            eprintln!("已写入 / written: {}", p.display());
        }
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            if !bytes.ends_with(b"\n") {
                stdout.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

fn status_colour(s: IndicatorStatus) -> Color {
    match s {
        IndicatorStatus::Met => Color::Green,
        IndicatorStatus::Late => Color::Yellow,
        IndicatorStatus::NotMet => Color::Red,
        IndicatorStatus::OnTrack => Color::Cyan,
        IndicatorStatus::Behind => Color::Magenta,
        IndicatorStatus::Tracked => Color::Grey,
    }
}

pub fn render_table(plan: &Plan, a: &Assessment, colour: bool) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(vec![
        "指标", "名称", "范围", "实际", "按时", "目标", "状态", "佐证",
    ]);
    for r in &a.results {
        let scope = if r.scope == "plan" {
            "全市".to_string()
        } else {
            r.scope.clone()
        };
        let status = format!(
            "{}{}",
            r.status.label_zh(),
            if r.above_range {
                "（超出区间）"
            } else {
                ""
            }
        );
        let mut status_cell = Cell::new(status);
        if colour {
            status_cell = status_cell.fg(status_colour(r.status));
        }
        t.add_row(vec![
            Cell::new(&r.indicator),
            Cell::new(wrap(&r.name, 14)),
            Cell::new(scope),
            Cell::new(r.actual.display_zh_with_unit(&r.unit)),
            Cell::new(
                r.on_time
                    .map(|f| f.display_zh_with_unit(&r.unit))
                    .unwrap_or_default(),
            ),
            Cell::new(target_text::of_result(r, Style::Compact)),
            status_cell,
            Cell::new(format!("{}/{}", r.with_evidence, r.records)),
        ]);
    }
    let counts = status_counts(a)
        .into_iter()
        .map(|(s, n)| format!("{} {n}", s.label_zh()))
        .collect::<Vec<_>>()
        .join("，");
    format!(
        "{} {} 年度考核（截至 {}{}{}）\n{t}\n共 {} 项：{counts}\n",
        plan.meta.title,
        a.year,
        a.as_of,
        if a.include_submitted {
            "，含待审核记录"
        } else {
            ""
        },
        duikou_reports::common::plan_version_note(a.plan_version),
        a.results.len()
    )
}

/// The checklist progress report for a terminal.
pub fn render_checklist(
    plan: &Plan,
    a: &Assessment,
    narratives: &duikou_reports::narratives::Narratives,
) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(vec![
        "序号",
        "重点工作",
        "具体事项",
        "完成时限",
        "责任单位",
        "指标完成情况",
        "佐证",
    ]);
    for (act, items) in checklist(plan, a) {
        t.add_row(vec![
            act.no.clone(),
            act.title.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        for c in items {
            t.add_row(vec![
                c.item.no.clone(),
                c.item.title.clone(),
                wrap(&c.item.text, 24),
                c.item.time_limit.clone(),
                wrap(&c.item.responsible.join("、"), 12),
                summarise(&c.results)
                    .into_iter()
                    .chain(
                        narratives
                            .get(&c.item.no)
                            .into_iter()
                            .flatten()
                            .map(|n| wrap(&format!("进展 {}", n.text()), 30)),
                    )
                    .collect::<Vec<_>>()
                    .join("\n"),
                if c.records == 0 {
                    "—".into()
                } else {
                    format!("{}/{}", c.with_evidence, c.records)
                },
            ]);
        }
    }
    format!("工作清单进展表 {} 年（截至 {}）\n{t}\n", a.year, a.as_of)
}
