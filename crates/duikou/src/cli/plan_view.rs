//! `duikou plan show`: the loaded plan as readable tables, or as JSON.

use std::fmt::Write;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use duikou_domain::plan::{Indicator, Measure, Period, Plan, Target, UnitKind};
use duikou_domain::target_text::{self, Style};

fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.to_vec());
    t
}

fn targets_text(plan: &Plan, ind: &duikou_domain::plan::Indicator) -> String {
    if let Some(p) = ind.growth_percent {
        return format!("较上年增长 ≥{p}%");
    }
    let own = if ind.unit_targets.is_empty() {
        String::new()
    } else {
        format!("（{} 个单位另有目标）", ind.unit_targets.len())
    };
    format!("{}{own}", plan_targets_text(plan, ind))
}

fn plan_targets_text(plan: &Plan, ind: &duikou_domain::plan::Indicator) -> String {
    let per_year: Vec<(i32, Option<Target>)> =
        plan.years().map(|y| (y, ind.target_for(y))).collect();
    let first = per_year[0].1;
    if per_year.iter().all(|(_, t)| *t == first) {
        return first
            .map(|t| format!("每年 {}", target_text::of_target(ind, t, Style::Compact)))
            .unwrap_or_else(|| "跟踪".into());
    }
    per_year
        .iter()
        .map(|(y, t)| {
            format!(
                "{y}: {}",
                t.map(|t| target_text::of_target(ind, t, Style::Compact))
                    .unwrap_or_else(|| "跟踪".into())
            )
        })
        .collect::<Vec<_>>()
        .join("；")
}

fn measure_text(ind: &Indicator) -> String {
    let label = |key: &str| {
        ind.kind
            .field(key)
            .map_or(key.to_string(), |f| f.zh.to_string())
    };
    match &ind.measure {
        Measure::Count => "计数".into(),
        Measure::DistinctPersons => "去重人数".into(),
        Measure::Sum { field } => format!("合计 {}", label(field)),
        Measure::Ratio {
            numerator,
            denominator,
        } => format!("{} ÷ {denominator}", label(numerator)),
    }
}

fn period_text(p: Period) -> &'static str {
    match p {
        Period::InYear => "当年",
        Period::Cumulative => "累计（年末有效）",
        Period::InPost => "年内在岗",
        Period::PlanToDate => "计划以来累计",
    }
}

pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let m = &plan.meta;
    let _ = writeln!(out, "{}", m.title);
    let _ = writeln!(
        out,
        "{}  {}  计划年度 {}–{}  （{} → {}）\n",
        m.issuer, m.document_no, m.first_year, m.last_year, m.east, m.west
    );

    let _ = writeln!(out, "单位 Units（{}）", plan.units.len());
    let mut t = table(&["类别", "单位"]);
    for kind in [
        UnitKind::City,
        UnitKind::Provincial,
        UnitKind::WorkingGroup,
        UnitKind::Department,
        UnitKind::County,
        UnitKind::Town,
    ] {
        let names: Vec<String> = plan
            .units_of_kind(kind)
            .map(|u| match (&u.code, u.town_role) {
                (Some(c), _) => format!("{}({c})", u.name),
                (None, Some(r)) => format!(
                    "{}[{}]",
                    u.name,
                    if r == duikou_domain::plan::TownRole::Lead {
                        "结对"
                    } else {
                        "协助"
                    }
                ),
                _ => u.name.clone(),
            })
            .collect();
        if !names.is_empty() {
            t.add_row(vec![
                format!("{}（{}）", kind.label_zh(), names.len()),
                wrap(&names.join("、"), 60),
            ]);
        }
    }
    let _ = writeln!(out, "{t}\n");

    let _ = writeln!(
        out,
        "携手奔小康结对 Pairings（{} 个县区）",
        plan.pairings.len()
    );
    let mut t = table(&[
        "县区",
        // The amounts a pairing owes are indicators of the plan, listed below.
        "结对单位（牵头）",
        "协助单位",
    ]);
    for p in &plan.pairings {
        t.add_row(vec![
            p.county.clone(),
            p.lead.clone(),
            p.assisting.join("、"),
        ]);
    }
    let _ = writeln!(out, "{t}\n");

    let _ = writeln!(out, "工作清单 Work checklist（{} 项）", plan.items.len());
    let mut t = table(&["序号", "重点工作", "具体事项", "完成时限", "责任单位"]);
    for a in &plan.actions {
        t.add_row(vec![
            a.no.clone(),
            a.title.clone(),
            String::new(),
            String::new(),
            String::new(),
        ]);
        for i in plan.items.iter().filter(|i| i.action == a.no) {
            t.add_row(vec![
                i.no.clone(),
                i.title.clone(),
                wrap(&i.text, 40),
                i.time_limit.clone(),
                wrap(&i.responsible.join("、"), 16),
            ]);
        }
    }
    let _ = writeln!(out, "{t}\n");

    let _ = writeln!(out, "指标 Indicators（{} 个）", plan.indicators.len());
    let mut t = table(&[
        "指标", "清单", "名称", "记录", "计算", "期间", "范围", "目标", "截止",
    ]);
    for ind in &plan.indicators {
        t.add_row(vec![
            ind.id.clone(),
            ind.clause
                .clone()
                .map(|c| format!("{}（{c}）", ind.item))
                .unwrap_or_else(|| ind.item.clone()),
            wrap(&ind.name, 16),
            ind.kind.label_zh().to_string(),
            measure_text(ind),
            period_text(ind.period).to_string(),
            ind.scope.label_zh(plan),
            targets_text(plan, ind),
            ind.deadline_text(),
        ]);
    }
    let _ = writeln!(out, "{t}");
    out
}

/// Break long Chinese text into lines of at most `width` characters.
pub fn wrap(s: &str, width: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars
        .chunks(width)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}
