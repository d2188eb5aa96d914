//! Writing the draft as a plan file, laid out as the bundled plan is (one table per
//! entry, inline `where`/`target`), with the notes that tie each entry to its sentence.
//! Written by hand rather than serialised: the order of keys and the comments are what a
//! coordinator reads when finishing the draft.

use std::fmt::Write as _;

use duikou_domain::plan::{RowNote, Side, TownRole, UnitKind};

use crate::indicators::AgreementKind;
use crate::rules::{Cond, Proposal, TargetP};
use crate::units::{GroupDraft, PairingDraft, UnitDraft};

#[derive(Debug, Clone, Default)]
pub(crate) struct Meta {
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub document_no: String,
    pub issued_on: Option<(i32, u8, u8)>,
    pub first_year: i32,
    pub last_year: i32,
    pub east: String,
    pub west: String,
    pub east_abbr: Option<String>,
    pub west_abbr: Option<String>,
    pub east_province: Option<String>,
    pub coordinator: Option<String>,
    pub goal: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ActionDraft {
    pub no: String,
    pub section: String,
    pub title: String,
    pub text: String,
    pub responsible: Vec<String>,
    pub source: String,
    pub pending: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ItemDraft {
    pub no: String,
    pub title: String,
    pub text: String,
    pub time_limit: String,
    pub responsible: Vec<String>,
    pub source: String,
    pub pending: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct PlanDraft {
    pub meta: Meta,
    pub units: Vec<UnitDraft>,
    pub groups: Vec<GroupDraft>,
    pub pairings: Vec<PairingDraft>,
    pub actions: Vec<ActionDraft>,
    pub items: Vec<ItemDraft>,
    /// (KIND.FIELD, labels, the sentence that asked for them)
    pub vocabulary: Vec<(String, Vec<String>, String)>,
    pub agreement: Option<AgreementKind>,
    pub indicators: Vec<Proposal>,
}

pub(crate) struct Written {
    pub toml: String,
    pub notes: Vec<RowNote>,
    /// The first and last line (1-based) of each indicator's table.
    pub indicator_lines: Vec<(usize, usize)>,
}

/// A TOML basic string.
pub(crate) fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => {}
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

fn kind_key(k: UnitKind) -> &'static str {
    match k {
        UnitKind::City => "city",
        UnitKind::Department => "department",
        UnitKind::WorkingGroup => "working_group",
        UnitKind::Provincial => "provincial",
        UnitKind::Town => "town",
        UnitKind::County => "county",
        UnitKind::District => "district",
    }
}

fn note(notes: &mut Vec<RowNote>, table: &str, index: usize, source: &str, pending: bool) {
    if !source.is_empty() || pending {
        notes.push(RowNote {
            table: table.into(),
            index,
            source: source.to_string(),
            pending,
        });
    }
}

fn cond_value(v: &Cond) -> String {
    match v {
        Cond::One(s) => q(s),
        Cond::Many(v) => list(v),
        Cond::Bool(b) => b.to_string(),
    }
}

fn one_target(min: i64, max: Option<i64>) -> String {
    match max {
        Some(m) if m != min => format!("{{ min = {min}, max = {m} }}"),
        _ => min.to_string(),
    }
}

fn target_text(t: &TargetP, first: i32, last: i32) -> Option<String> {
    match t {
        TargetP::None => None,
        TargetP::Every(min, max) => Some(one_target(*min, *max)),
        TargetP::PerYear(v) => {
            let parts: Vec<String> = v
                .iter()
                .filter(|(y, ..)| (first..=last).contains(y))
                .map(|(y, min, max)| format!("{y} = {}", one_target(*min, *max)))
                .collect();
            (!parts.is_empty()).then(|| format!("{{ {} }}", parts.join(", ")))
        }
    }
}

pub(crate) fn write(d: &PlanDraft) -> Written {
    let mut t = String::new();
    let mut notes = Vec::new();
    let m = &d.meta;
    let _ = writeln!(t, "# {}", m.title);
    t.push_str(
        "# 由 duikou-draft 从文件起草的计划草案：标注“待确认”的条目须逐一核对后方可载入。\n",
    );
    t.push_str("# A draft plan written by duikou-draft from the document: check every entry marked pending before loading it.\n\n");
    t.push_str("[plan]\n");
    let _ = writeln!(t, "id = {}", q(&m.id));
    let _ = writeln!(t, "title = {}", q(&m.title));
    let _ = writeln!(t, "issuer = {}", q(&m.issuer));
    let _ = writeln!(t, "document_no = {}", q(&m.document_no));
    if let Some((y, mo, da)) = m.issued_on {
        let _ = writeln!(t, "issued_on = {y:04}-{mo:02}-{da:02}");
    }
    let _ = writeln!(t, "first_year = {}", m.first_year);
    let _ = writeln!(t, "last_year = {}", m.last_year);
    let _ = writeln!(t, "east = {}", q(&m.east));
    let _ = writeln!(t, "west = {}", q(&m.west));
    for (k, v) in [
        ("east_abbr", &m.east_abbr),
        ("west_abbr", &m.west_abbr),
        ("east_province", &m.east_province),
        ("coordinator", &m.coordinator),
        ("goal", &m.goal),
    ] {
        if let Some(v) = v {
            let _ = writeln!(t, "{k} = {}", q(v));
        }
    }
    note(&mut notes, "plan", 0, &m.source, true);

    t.push_str("\n# ---------------------------------------------------------------- units\n");
    for (i, u) in d.units.iter().enumerate() {
        t.push_str("\n[[unit]]\n");
        let _ = writeln!(t, "name = {}", q(&u.name));
        let _ = writeln!(t, "kind = {}", q(kind_key(u.kind)));
        let _ = writeln!(
            t,
            "side = {}",
            q(if u.side == Side::East { "east" } else { "west" })
        );
        if let Some(r) = u.town_role {
            let _ = writeln!(
                t,
                "town_role = {}",
                q(if r == TownRole::Lead {
                    "lead"
                } else {
                    "assisting"
                })
            );
        }
        if !u.aliases.is_empty() {
            let _ = writeln!(t, "aliases = {}", list(&u.aliases));
        }
        note(&mut notes, "unit", i, &u.source, u.pending);
    }
    for (i, g) in d.groups.iter().enumerate() {
        t.push_str("\n[[group]]\n");
        let _ = writeln!(t, "name = {}", q(&g.name));
        match g.all_of_kind {
            Some(k) => {
                let _ = writeln!(t, "all_of_kind = {}", q(kind_key(k)));
            }
            None => {
                let _ = writeln!(t, "members = {}", list(&g.members));
            }
        }
        note(&mut notes, "group", i, &g.source, g.pending);
    }

    t.push_str("\n# ---------------------------------------------------------------- pairings\n");
    for (i, p) in d.pairings.iter().enumerate() {
        t.push_str("\n[[pairing]]\n");
        let _ = writeln!(t, "county = {}", q(&p.county));
        let _ = writeln!(t, "lead = {}", q(&p.lead));
        if !p.assisting.is_empty() {
            let _ = writeln!(t, "assisting = {}", list(&p.assisting));
        }
        note(&mut notes, "pairing", i, &p.source, p.pending);
    }

    t.push_str("\n# ---------------------------------------------------------------- actions\n");
    for (i, a) in d.actions.iter().enumerate() {
        t.push_str("\n[[action]]\n");
        let _ = writeln!(t, "no = {}", q(&a.no));
        if !a.section.is_empty() {
            let _ = writeln!(t, "section = {}", q(&a.section));
        }
        let _ = writeln!(t, "title = {}", q(&a.title));
        if !a.text.is_empty() {
            let _ = writeln!(t, "text = {}", q(&a.text));
        }
        let _ = writeln!(t, "responsible = {}", list(&a.responsible));
        note(&mut notes, "action", i, &a.source, a.pending);
    }

    t.push_str(
        "\n# ---------------------------------------------------------------- work checklist\n",
    );
    for (i, it) in d.items.iter().enumerate() {
        t.push_str("\n[[item]]\n");
        let _ = writeln!(t, "no = {}", q(&it.no));
        let _ = writeln!(t, "title = {}", q(&it.title));
        let _ = writeln!(t, "text = {}", q(&it.text));
        let _ = writeln!(t, "time_limit = {}", q(&it.time_limit));
        let _ = writeln!(t, "responsible = {}", list(&it.responsible));
        note(&mut notes, "item", i, &it.source, it.pending);
    }

    if !d.vocabulary.is_empty() || d.agreement.is_some() {
        t.push_str("\n# ---------------------------------------------------------------- the plan's vocabulary and kinds\n");
    }
    for (i, (field, labels, source)) in d.vocabulary.iter().enumerate() {
        t.push_str("\n[[vocabulary]]\n");
        let _ = writeln!(t, "field = {}", q(field));
        let _ = writeln!(t, "add = {}", list(labels));
        note(&mut notes, "vocabulary", i, source, true);
    }
    if let Some(a) = &d.agreement {
        t.push_str("\n[[record_kind]]\nkey = \"agreement\"\nname = \"协议与计划\"\nname_en = \"Agreements and plans\"\ndate = \"signed_on\"\nunit = \"east_unit\"\nfields = [\n");
        let _ = writeln!(
            t,
            "  {{ key = \"type\", name = \"类型\", type = \"enum\", options = {}, required = true }},",
            list(&a.types)
        );
        t.push_str("  { key = \"title\", name = \"名称\", type = \"text\", required = true },\n");
        t.push_str("  { key = \"east_unit\", name = \"东部单位\", type = \"unit\", side = \"east\", required = true },\n");
        t.push_str(
            "  { key = \"west_unit\", name = \"西部单位\", type = \"unit\", side = \"west\" },\n",
        );
        t.push_str("  { key = \"signed_on\", name = \"签订日期\", type = \"date\", required = true },\n]\n");
        note(&mut notes, "record_kind", 0, &a.source, true);
    }

    t.push_str("\n# ---------------------------------------------------------------- indicators (all proposed: 待确认)\n");
    let mut indicator_lines = Vec::new();
    for (i, p) in d.indicators.iter().enumerate() {
        t.push('\n');
        let start = t.lines().count() + 1;
        t.push_str("[[indicator]]\n");
        let _ = writeln!(t, "id = {}", q(&p.hint));
        let _ = writeln!(t, "item = {}", q(&p.item));
        if let Some(c) = &p.clause {
            let _ = writeln!(t, "clause = {}", q(c));
        }
        let name = if p.name.is_empty() {
            p.kind.clone()
        } else {
            p.name.clone()
        };
        let _ = writeln!(t, "name = {}", q(&name));
        let _ = writeln!(t, "kind = {}", q(&p.kind));
        if !p.conds.is_empty() {
            let parts: Vec<String> = p
                .conds
                .iter()
                .map(|(k, v)| format!("{k} = {}", cond_value(v)))
                .collect();
            let _ = writeln!(t, "where = {{ {} }}", parts.join(", "));
        }
        if let Some(mm) = p.min_months {
            let _ = writeln!(t, "min_months = {mm}");
        }
        let _ = writeln!(t, "measure = {}", q(&p.measure));
        if let Some(per) = p.period {
            let _ = writeln!(t, "period = {}", q(per));
        }
        let _ = writeln!(t, "scope = {}", q(p.scope.key()));
        if let Some(by) = &p.by {
            let _ = writeln!(t, "by = {}", q(by));
        }
        let _ = writeln!(t, "unit = {}", q(&p.unit));
        if let Some(tt) = target_text(&p.target, m.first_year, m.last_year) {
            let _ = writeln!(t, "target = {tt}");
        }
        if let Some((mo, da)) = p.deadline {
            if p.first_year_open && m.first_year < m.last_year {
                let parts: Vec<String> = (m.first_year..=m.last_year)
                    .map(|y| {
                        if y == m.first_year {
                            format!("{y} = \"12-31\"")
                        } else {
                            format!("{y} = \"{mo:02}-{da:02}\"")
                        }
                    })
                    .collect();
                let _ = writeln!(t, "deadline = {{ {} }}", parts.join(", "));
            } else {
                let _ = writeln!(t, "deadline = \"{mo:02}-{da:02}\"");
            }
        }
        let end = t.lines().count();
        indicator_lines.push((start, end));
        note(&mut notes, "indicator", i, &p.source, true);
    }
    Written {
        toml: t,
        notes,
        indicator_lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(q("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }

    #[test]
    fn targets() {
        assert_eq!(
            target_text(&TargetP::Every(1, Some(2)), 2018, 2020).unwrap(),
            "{ min = 1, max = 2 }"
        );
        assert_eq!(
            target_text(
                &TargetP::PerYear(vec![(2018, 1600, None), (2019, 1900, None)]),
                2018,
                2020
            )
            .unwrap(),
            "{ 2018 = 1600, 2019 = 1900 }"
        );
    }
}
