//! The drafting run: outline, checklist, identity, units and pairings, then the
//! indicators (read against the kinds of the draft itself, so labels carry the plan's
//! place names), then the file, checked by loading it as the program will.

use duikou_domain::plan::{Plan, UnitKind};

use crate::checklist::{self, ActionRow};
use crate::indicators::{self, BodyIn, ItemIn};
use crate::outline::{self, Section};
use crate::report::summary;
use crate::rules::Env;
use crate::sides::{abbreviation, east_province, fallback_pair};
use crate::text::bare;
use crate::toml_out::{self, ActionDraft, ItemDraft, Meta, PlanDraft};
use crate::units::{self, Units};
use crate::{Draft, DraftError, ReportLine};

/// An action of the checklist with what the body says of it.
struct ActionMatch {
    draft: ActionDraft,
    /// The names of its "（责任单位：…）" line.
    responsible: Vec<String>,
}

fn title_matches(section: &str, action: &str) -> bool {
    let (s, a) = (bare(section), bare(action));
    !a.is_empty()
        && (s == a
            || (a.chars().count() >= 4
                && s.chars().count() >= 4
                && (s.contains(&a) || a.contains(&s))))
}

/// Each checklist action with its section of the body (二(一) …, 三), its text, its
/// responsible line, and the paragraphs whose numbers become indicator proposals.
fn actions(
    rows: &[ActionRow],
    sections: &[Section],
    report: &mut Vec<ReportLine>,
) -> (Vec<ActionMatch>, Vec<BodyIn>) {
    let mut out = Vec::new();
    let mut body = Vec::new();
    for a in rows {
        let Some(si) = sections
            .iter()
            .position(|s| s.level >= 1 && title_matches(&s.title, &a.title))
        else {
            report.push(ReportLine::decide(
                format!(
                    "行动 {}「{}」在正文中没有对应章节：章节号与说明请补充",
                    a.no, a.title
                ),
                format!(
                    "action {} \"{}\" has no section in the body: add its section and text",
                    a.no, a.title
                ),
            ));
            out.push(ActionMatch {
                draft: ActionDraft {
                    no: a.no.clone(),
                    section: String::new(),
                    title: a.title.clone(),
                    text: String::new(),
                    responsible: vec![],
                    source: String::new(),
                    pending: true,
                },
                responsible: vec![],
            });
            continue;
        };
        let s = &sections[si];
        // A first-level section (三、保障措施) holds its second-level ones.
        let mut parts: Vec<&Section> = vec![s];
        if s.level == 1 {
            parts.extend(
                sections[si + 1..]
                    .iter()
                    .take_while(|x| x.level == 2 && x.l1 == s.l1),
            );
        }
        let mut text = String::new();
        let mut responsible = Vec::new();
        for (k, part) in parts.iter().enumerate() {
            if k > 0 {
                text.push_str(&format!("（{}）{}：", part.l2, part.title));
            }
            for p in &part.paras {
                if let Some(names) = outline::responsible_line(&p.text) {
                    if responsible.is_empty() {
                        responsible = units::split_names(&names);
                    }
                    continue;
                }
                match p.no {
                    Some(n) => text.push_str(&format!("{n}、{}", p.text)),
                    None => text.push_str(&p.text),
                }
                let clause = match p.no {
                    Some(n) => format!("{}{n}", part.clause()),
                    None => part.clause(),
                };
                body.push(BodyIn {
                    action: a.no.clone(),
                    clause,
                    text: p.text.clone(),
                });
            }
        }
        out.push(ActionMatch {
            draft: ActionDraft {
                no: a.no.clone(),
                section: s.clause(),
                title: a.title.clone(),
                text,
                responsible: vec![],
                source: s.title.clone(),
                pending: false,
            },
            responsible,
        });
    }
    (out, body)
}

pub(crate) fn run(text: &str) -> Result<Draft, DraftError> {
    let lines = outline::prepare(text);
    let list = checklist::parse(&lines).ok_or(DraftError::NoChecklist)?;
    if list.items.is_empty() {
        return Err(DraftError::EmptyChecklist);
    }
    let mut report: Vec<ReportLine> = Vec::new();
    let body_lines = &lines[..list.header_line];
    let sections = outline::sections(body_lines);
    let ident = outline::identity(body_lines, &sections);
    let body_text: String = body_lines
        .iter()
        .filter(|l| l.cells.is_none())
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let items_text: String = list
        .items
        .iter()
        .map(|i| i.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let all_text = format!("{body_text}\n{items_text}");

    // Identity.
    let (first_year, last_year) = match ident.years {
        Some(y) => y,
        None => {
            let y = ident.issued_on.map(|d| d.0).unwrap_or(2021);
            report.push(ReportLine::decide(
                format!("文中未写明计划年度（如 2018-2020年），暂定 {y}–{}", y + 2),
                format!(
                    "the document does not state its years (such as 2018-2020年): taken as {y}–{}",
                    y + 2
                ),
            ));
            (y, y + 2)
        }
    };
    let pair = ident.pair.clone().or_else(|| {
        let p = fallback_pair(ident.issuer.as_deref(), &all_text);
        if p.is_some() {
            report.push(ReportLine::decide(
                "标题未以“甲·乙”写明结对双方：东西部城市按发文单位与正文推定，请核对",
                "the title does not name the pair as X·Y: the two cities are inferred from the issuer and the text, to check",
            ));
        }
        p
    });
    let (east_short, west_short) = pair.unwrap_or_else(|| {
        report.push(ReportLine::decide(
            "未能识别东西部城市，请填写 east 与 west",
            "the two cities could not be found: fill in east and west",
        ));
        ("东部".to_string(), "西部".to_string())
    });
    let (east, eg) = units::full_city(&east_short, &all_text);
    let (west, wg) = units::full_city(&west_short, &all_text);
    for (full, guessed) in [(&east, eg), (&west, wg)] {
        if guessed {
            report.push(ReportLine::decide(
                format!("城市全称「{full}」为推定"),
                format!("the city's full name \"{full}\" is a guess"),
            ));
        }
    }

    // Actions and the body.
    let mut rows = list.actions.clone();
    for it in &list.items {
        let a = it.no.split('.').next().unwrap_or_default().to_string();
        if !rows.iter().any(|r| r.no == a) {
            report.push(ReportLine::decide(
                format!("工作清单没有行动 {a} 的标题行：标题暂作“行动{a}”"),
                format!("the checklist has no title row for action {a}: titled 行动{a} for now"),
            ));
            rows.push(ActionRow {
                no: a.clone(),
                title: format!("行动{a}"),
            });
        }
    }
    let (mut matched, body) = actions(&rows, &sections, &mut report);

    // Units and pairings.
    let mut u = Units::default();
    units::cities(
        (&east, &east_short),
        (&west, &west_short),
        &all_text,
        &mut u,
    );
    let mut texts: Vec<String> = sections
        .iter()
        .flat_map(|s| s.paras.iter().map(|p| p.text.clone()))
        .collect();
    texts.extend(list.items.iter().map(|i| i.text.clone()));
    units::pairings(&texts, &east, &west, &mut u);
    let mut names: Vec<(String, String)> = Vec::new();
    for m in &matched {
        names.extend(m.responsible.iter().map(|n| {
            (
                n.clone(),
                format!("（责任单位：{}）", m.responsible.join("、")),
            )
        }));
    }
    for it in &list.items {
        names.extend(
            units::split_names(&it.responsible)
                .into_iter()
                .map(|n| (n, format!("{} {}", it.no, it.responsible))),
        );
    }
    // Items first: the checklist writes each unit's name the way the plan should.
    names.sort_by_key(|(_, s)| !s.starts_with(|c: char| c.is_ascii_digit()));
    units::responsible(&names, &mut u);
    report.append(&mut u.report);
    let keep = |v: &[String], u: &Units| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for n in v {
            if u.has(n) && !out.contains(n) {
                out.push(n.clone());
            }
        }
        out
    };
    let items: Vec<ItemDraft> = list
        .items
        .iter()
        .map(|it| {
            let merged = if it.parts > 1 {
                format!("（{} 行跨页合并）", it.parts)
            } else {
                String::new()
            };
            ItemDraft {
                no: it.no.clone(),
                title: it.title.clone(),
                text: it.text.clone(),
                time_limit: it.time_limit.clone(),
                responsible: keep(&units::split_names(&it.responsible), &u),
                source: format!(
                    "{}\t{}\t{}\t{}{merged}",
                    it.title, it.text, it.time_limit, it.responsible
                ),
                pending: it.conflict,
            }
        })
        .collect();
    for m in &mut matched {
        m.draft.responsible = keep(&m.responsible, &u);
        if m.responsible.is_empty() {
            // No responsible line: the units of its items, in order.
            let mut all: Vec<String> = Vec::new();
            for it in items
                .iter()
                .filter(|i| i.no.split('.').next() == Some(m.draft.no.as_str()))
            {
                for n in &it.responsible {
                    if !all.contains(n) {
                        all.push(n.clone());
                    }
                }
            }
            m.draft.responsible = all;
            m.draft.pending = true;
            report.push(ReportLine::decide(
                format!(
                    "行动 {}「{}」正文未写责任单位：取其事项的责任单位",
                    m.draft.no, m.draft.title
                ),
                format!(
                    "action {} \"{}\" states no responsible units: those of its items are used",
                    m.draft.no, m.draft.title
                ),
            ));
        }
    }
    for it in list.items.iter().filter(|i| i.conflict) {
        report.push(ReportLine::decide(
            format!("事项 {} 跨页的两部分完成时限或责任单位不一致，已取较完整的一份，请核对", it.no),
            format!("the two halves of item {} differ in time limit or responsible units: the fuller one is used, to check", it.no),
        ));
    }

    let coordinator = u
        .units
        .iter()
        .find(|x| {
            x.kind == UnitKind::Department
                && ["经协办", "协作办", "扶贫办", "帮扶办", "乡村振兴"]
                    .iter()
                    .any(|w| x.name.contains(w))
        })
        .map(|x| x.name.clone());
    let east_abbr = abbreviation(&east_short, &all_text);
    let west_abbr = abbreviation(&west_short, &all_text);
    let meta = Meta {
        id: format!("plan-{first_year}-{last_year}"),
        title: ident
            .title
            .clone()
            .unwrap_or_else(|| "（未识别的标题）".into()),
        issuer: ident.issuer.clone().unwrap_or_default(),
        document_no: ident.document_no.clone().unwrap_or_default(),
        issued_on: ident.issued_on,
        first_year,
        last_year,
        east: east.clone(),
        west: west.clone(),
        east_abbr: east_abbr.clone(),
        west_abbr: west_abbr.clone(),
        east_province: east_province(&all_text, &west_short),
        coordinator: coordinator.clone(),
        goal: ident.goal.clone(),
        source: ident.title.clone().unwrap_or_default(),
    };
    let mut d = PlanDraft {
        meta,
        units: u.units.clone(),
        groups: u.groups.clone(),
        pairings: u.pairings.clone(),
        actions: matched.iter().map(|m| m.draft.clone()).collect(),
        items,
        ..Default::default()
    };

    // The draft without indicators: its kinds are the vocabulary of the proposals.
    let skeleton = toml_out::write(&d);
    let plan =
        Plan::from_toml(&skeleton.toml, "draft").map_err(|e| DraftError::Invalid(e.to_string()))?;
    let env = Env {
        plan: &plan,
        east: east_short.clone(),
        west: west_short.clone(),
    };
    let item_ins: Vec<ItemIn<'_>> = list
        .items
        .iter()
        .map(|i| ItemIn {
            no: &i.no,
            action: i.no.split('.').next().unwrap_or(""),
            title: &i.title,
            text: &i.text,
            time_limit: &i.time_limit,
        })
        .collect();
    let props = indicators::propose_all(&env, &item_ins, &body, ident.issued_on, first_year);
    for p in &props.list {
        if let Some((field, label)) = &p.vocabulary {
            match d.vocabulary.iter_mut().find(|(f, ..)| f == field) {
                Some((_, labels, _)) if !labels.contains(label) => labels.push(label.clone()),
                Some(_) => {}
                None => d
                    .vocabulary
                    .push((field.clone(), vec![label.clone()], p.source.clone())),
            }
        }
    }
    d.agreement = props.agreement.clone();
    d.indicators = props.list.clone();

    // The file, checked as `duikou init --plan` will check it. A proposal the checks
    // refuse is dropped (and reported) rather than failing the whole draft.
    let written = loop {
        let w = toml_out::write(&d);
        match Plan::from_toml(&w.toml, "draft") {
            Ok(_) => break w,
            Err(errs) => {
                let mut bad: Vec<usize> = Vec::new();
                for e in &errs.errors {
                    let Some(line) = e.line else { continue };
                    if let Some(i) = w
                        .indicator_lines
                        .iter()
                        .position(|(s, t)| (*s..=*t).contains(&line))
                    {
                        if !bad.contains(&i) {
                            bad.push(i);
                        }
                        report.push(ReportLine::decide(
                            format!("指标建议 {} 未通过校验，已略去：{}", d.indicators[i].hint, e.zh),
                            format!("proposed indicator {} does not pass the checks and is left out: {}", d.indicators[i].hint, e.en),
                        ));
                    }
                }
                if bad.is_empty() {
                    return Err(DraftError::Invalid(errs.to_string()));
                }
                bad.sort_unstable();
                for i in bad.into_iter().rev() {
                    d.indicators.remove(i);
                }
            }
        }
    };

    let mut lines_out = summary(
        &d,
        &list,
        &ident,
        east_abbr.as_deref(),
        coordinator.as_deref(),
    );
    lines_out.append(&mut report);
    for (item, clause) in &props.skipped {
        lines_out.push(ReportLine::decide(
            format!("事项 {item} 的数量未能判断对应的记录类型，未提出指标：{clause}"),
            format!("item {item}: no record kind could be told for the quantity, no indicator proposed: {clause}"),
        ));
    }
    for p in &d.indicators {
        if let Some((zh, en)) = &p.doubt {
            lines_out.push(ReportLine::decide(
                format!("指标 {}：{zh}", p.hint),
                format!("indicator {}: {en}", p.hint),
            ));
        }
    }
    Ok(Draft {
        toml: written.toml,
        notes: written.notes,
        report: lines_out,
    })
}
