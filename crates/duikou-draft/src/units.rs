//! Who takes part: the two cities, the units the checklist and the body make
//! responsible, the towns and counties of the pairings the document states, and the
//! group words (各帮扶镇街) that stand for several of them. Every rule reads the shape of
//! a Chinese administrative name — its suffix (镇, 街道, 县, 区, 市, 局, 委, 工作组) — and
//! the verbs of a pairing sentence (对口帮扶, 协助…帮扶); no place is known in advance.

use duikou_domain::plan::{Side, TownRole, UnitKind};

use crate::ReportLine;
use crate::text::{is_cjk, sentences};

#[derive(Debug, Clone)]
pub(crate) struct UnitDraft {
    pub name: String,
    pub kind: UnitKind,
    pub side: Side,
    pub town_role: Option<TownRole>,
    pub aliases: Vec<String>,
    pub source: String,
    pub pending: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct GroupDraft {
    pub name: String,
    pub all_of_kind: Option<UnitKind>,
    pub members: Vec<String>,
    pub source: String,
    pub pending: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct PairingDraft {
    pub county: String,
    pub lead: String,
    pub assisting: Vec<String>,
    pub source: String,
    pub pending: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Units {
    pub units: Vec<UnitDraft>,
    pub groups: Vec<GroupDraft>,
    pub pairings: Vec<PairingDraft>,
    pub report: Vec<ReportLine>,
    /// Responsible names left out (a town in no pairing): removed from the lists.
    pub dropped: Vec<String>,
}

impl Units {
    pub fn has(&self, name: &str) -> bool {
        self.units.iter().any(|u| u.name == name) || self.groups.iter().any(|g| g.name == name)
    }
    pub fn unit(&self, name: &str) -> Option<&UnitDraft> {
        self.units.iter().find(|u| u.name == name)
    }
    fn add(&mut self, u: UnitDraft) {
        if !self.has(&u.name) {
            self.units.push(u);
        }
    }
    pub fn towns_with(&self, role: TownRole) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.pairings {
            match role {
                TownRole::Lead => out.push(p.lead.clone()),
                TownRole::Assisting => out.extend(p.assisting.iter().cloned()),
            }
        }
        out
    }
}

/// A responsible cell split into names: 市旅游局、省第五扶贫协作工作组，各帮扶镇街.
pub(crate) fn split_names(cell: &str) -> Vec<String> {
    cell.split(['、', '，', ',', '；', ';', '/', ' ', '\t'])
        .map(|n| {
            n.trim()
                .trim_matches(['（', '）', '(', ')', '。'])
                .trim_end_matches('等')
                .to_string()
        })
        .filter(|n| n.chars().count() >= 2)
        .collect()
}

/// A name that stands for several units: 各帮扶镇街, 市直各有关单位, 有关县区.
pub(crate) fn is_group_word(name: &str) -> bool {
    name.starts_with('各')
        || name.contains("各有关")
        || name.starts_with("有关")
        || name.starts_with("全体")
}

const TOWN_SUFFIXES: &[&str] = &["街道", "镇", "乡"];
const COUNTY_SUFFIXES: &[&str] = &["自治县", "县", "区", "市", "旗", "特区"];

fn ends_any(name: &str, suffixes: &[&str]) -> bool {
    suffixes.iter().any(|s| name.ends_with(s))
}

/// What a responsible name is, on the assisting side, from its shape.
fn classify(name: &str) -> (UnitKind, bool) {
    if ["工作组", "工作队", "指挥部", "工作站"]
        .iter()
        .any(|w| name.contains(w))
    {
        return (UnitKind::WorkingGroup, false);
    }
    if name.starts_with('省') {
        return (UnitKind::Provincial, false);
    }
    if ends_any(name, TOWN_SUFFIXES) {
        return (UnitKind::Town, false);
    }
    if name.ends_with('区') && !name.starts_with('市') {
        return (UnitKind::District, false);
    }
    // 市x局, 市委x部, 团市委, 市x会, 市x办: a department; anything else is one too, to confirm.
    let known = name.starts_with('市')
        || name.contains("市委")
        || [
            "局", "委", "办", "部", "会", "联", "院", "中心", "厅", "署", "处",
        ]
        .iter()
        .any(|s| name.ends_with(s));
    (UnitKind::Department, !known)
}

/// The full name of a city the title names by its short name: 甲 → 甲市, written as
/// the text writes it most often (a prefecture may be 州 or 自治州).
pub(crate) fn full_city(short: &str, text: &str) -> (String, bool) {
    let mut best: Option<(usize, String)> = None;
    for suffix in ["市", "州", "自治州", "地区", "盟"] {
        let full = format!("{short}{suffix}");
        let n = text.matches(&full).count();
        if n > 0 && best.as_ref().is_none_or(|(m, _)| n > *m) {
            best = Some((n, full));
        }
    }
    match best {
        Some((_, full)) => (full, false),
        None => (format!("{short}市"), true),
    }
}

/// The trailing run of Han characters (and brackets) of a text: the name before a verb.
fn trailing_name(s: &str) -> String {
    let rev: Vec<char> = s.chars().rev().take_while(|c| is_cjk(*c)).collect();
    let mut name: String = rev.into_iter().rev().collect();
    for p in ["其中", "由", "即", "我市", "新增", "分别"] {
        if let Some(r) = name.strip_prefix(p) {
            name = r.to_string();
        }
    }
    name
}

fn leading_name(s: &str) -> String {
    s.chars().take_while(|c| is_cjk(*c)).collect()
}

const LEAD_VERBS: &[&str] = &["对口帮扶", "结对帮扶", "对口支援", "对口协作"];
const ASSIST_VERBS: &[&str] = &["对口帮扶", "参与帮扶", "共同帮扶", "帮扶", "支援"];

/// Pairing statements of the document: "甲镇对口帮扶乙县" (lead → county) and
/// "丙、丁协助甲镇帮扶乙县" (assisting towns, lead, county).
pub(crate) fn pairings(texts: &[String], east: &str, west: &str, units: &mut Units) {
    let is_pair_city =
        |n: &str| n == east || n == west || east.starts_with(n) || west.starts_with(n);
    // Lead towns first: the assisting statements name them, often by a short name.
    for text in texts {
        for sentence in sentences(text) {
            for piece in sentence.split(['、', '，', '：', '。', '；']) {
                let Some((p, verb)) = LEAD_VERBS
                    .iter()
                    .find_map(|v| piece.find(v).map(|p| (p, *v)))
                else {
                    continue;
                };
                let lead = trailing_name(&piece[..p]);
                let county = leading_name(&piece[p + verb.len()..]);
                let ok = (2..=10).contains(&lead.chars().count())
                    && (2..=8).contains(&county.chars().count())
                    && ends_any(&county, COUNTY_SUFFIXES)
                    && !lead.contains("协助")
                    && !is_pair_city(&lead)
                    && !is_pair_city(&county);
                if !ok || units.pairings.iter().any(|x| x.county == county) {
                    continue;
                }
                let (kind, unsure) = member_kind(&lead);
                units.add(UnitDraft {
                    name: lead.clone(),
                    kind,
                    side: Side::East,
                    town_role: Some(TownRole::Lead),
                    aliases: vec![],
                    source: sentence.clone(),
                    pending: unsure,
                });
                units.add(UnitDraft {
                    name: county.clone(),
                    kind: UnitKind::County,
                    side: Side::West,
                    town_role: None,
                    aliases: vec![],
                    source: sentence.clone(),
                    pending: false,
                });
                units.pairings.push(PairingDraft {
                    county,
                    lead,
                    assisting: vec![],
                    source: sentence.clone(),
                    pending: false,
                });
            }
        }
    }
    let town_suffix = common_suffix(units);
    for text in texts {
        for sentence in sentences(text) {
            for piece in sentence.split(['，', '：', '。', '；']) {
                let Some(p) = piece.find("协助") else {
                    continue;
                };
                let names: Vec<String> = trailing_list(&piece[..p]);
                let after = &piece[p + "协助".len()..];
                let Some((q, verb)) = ASSIST_VERBS
                    .iter()
                    .find_map(|v| after.find(v).map(|q| (q, *v)))
                else {
                    continue;
                };
                let lead_short = leading_name(&after[..q]);
                let county_short = leading_name(&after[q + verb.len()..]);
                let lead = resolve(&lead_short, units.pairings.iter().map(|p| p.lead.as_str()));
                let county = resolve(
                    &county_short,
                    units.pairings.iter().map(|p| p.county.as_str()),
                );
                let (Some(lead), Some(county), false) = (lead, county, names.is_empty()) else {
                    continue;
                };
                let Some(pi) = units
                    .pairings
                    .iter()
                    .position(|x| x.lead == lead && x.county == county)
                else {
                    continue;
                };
                let explicit: Vec<&str> = names
                    .iter()
                    .filter_map(|n| TOWN_SUFFIXES.iter().find(|s| n.ends_with(**s)).copied())
                    .collect();
                let sibling_suffix = most_common(&explicit)
                    .unwrap_or(town_suffix.as_str())
                    .to_string();
                for short in names {
                    let (name, guessed) = complete_name(&short, units, &sibling_suffix);
                    if units
                        .pairings
                        .iter()
                        .any(|x| x.lead == name || x.assisting.contains(&name))
                    {
                        continue;
                    }
                    if guessed {
                        units.report.push(ReportLine {
                            found: false,
                            zh: format!("协助镇街「{short}」文中只写简称，按同类名称推定为「{name}」，请核对全称"),
                            en: format!("assisting town \"{short}\" is written by its short name only; taken as \"{name}\" from the names beside it: check the full name"),
                        });
                    }
                    let (kind, unsure) = member_kind(&name);
                    units.add(UnitDraft {
                        name: name.clone(),
                        kind,
                        side: Side::East,
                        town_role: Some(TownRole::Assisting),
                        aliases: if guessed || name == short {
                            vec![]
                        } else {
                            vec![short.clone()]
                        },
                        source: sentence.clone(),
                        pending: guessed || unsure,
                    });
                    units.pairings[pi].assisting.push(name);
                    if guessed {
                        units.pairings[pi].pending = true;
                    }
                }
                if units.pairings[pi].source != sentence {
                    let s = format!("{}\n{}", units.pairings[pi].source, sentence);
                    units.pairings[pi].source = s;
                }
            }
        }
    }
}

/// The names listed before 协助: "丙、丁" (each a short or full name).
fn trailing_list(s: &str) -> Vec<String> {
    let tail: String = {
        let rev: Vec<char> = s
            .chars()
            .rev()
            .take_while(|c| is_cjk(*c) || *c == '、')
            .collect();
        rev.into_iter().rev().collect()
    };
    let mut names: Vec<String> = tail.split('、').map(|n| n.to_string()).collect();
    if let Some(first) = names.first_mut() {
        *first = trailing_name(first);
    }
    names.retain(|n| (1..=8).contains(&n.chars().count()));
    if names
        .iter()
        .any(|n| n.contains("镇街") || n.contains("县区") || n.contains("参与"))
    {
        return Vec::new();
    }
    names
}

/// A short name as one of the known names it begins (甲城 → 甲城街道), or as itself.
fn resolve<'a>(short: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    if short.is_empty() {
        return None;
    }
    let known: Vec<&str> = known.collect();
    if let Some(k) = known.iter().find(|k| **k == short) {
        return Some(k.to_string());
    }
    let starts: Vec<&&str> = known.iter().filter(|k| k.starts_with(short)).collect();
    (starts.len() == 1).then(|| starts[0].to_string())
}

/// The full name of a town written short: a unit that begins with it, else the short
/// name with the suffix its siblings (or the document's towns) have. `true` if guessed.
fn complete_name(short: &str, units: &Units, suffix: &str) -> (String, bool) {
    if ends_any(short, TOWN_SUFFIXES) || (short.ends_with('区') && short.chars().count() >= 3) {
        return (short.to_string(), false);
    }
    if let Some(u) = units.units.iter().find(|u| {
        u.name
            .strip_prefix(short)
            .is_some_and(|rest| TOWN_SUFFIXES.contains(&rest) || rest == "区")
    }) {
        return (u.name.clone(), false);
    }
    (format!("{short}{suffix}"), true)
}

fn most_common<'a>(v: &[&'a str]) -> Option<&'a str> {
    let mut best: Option<(&str, usize)> = None;
    for s in v {
        let n = v.iter().filter(|x| *x == s).count();
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((s, n));
        }
    }
    best.map(|(s, _)| s)
}

/// The suffix most of the document's full town names have (镇 for most plans).
fn common_suffix(units: &Units) -> String {
    let v: Vec<&str> = units
        .units
        .iter()
        .filter_map(|u| {
            TOWN_SUFFIXES
                .iter()
                .find(|s| u.name.ends_with(**s))
                .copied()
        })
        .collect();
    most_common(&v).unwrap_or("镇").to_string()
}

/// A pairing member's kind: a town (镇, 街道, 乡), a district (区) or a department.
fn member_kind(name: &str) -> (UnitKind, bool) {
    if ends_any(name, TOWN_SUFFIXES) {
        (UnitKind::Town, false)
    } else if name.ends_with('区') {
        (UnitKind::District, false)
    } else if ["局", "委", "办", "部"].iter().any(|s| name.ends_with(s)) {
        (UnitKind::Department, false)
    } else {
        (UnitKind::Town, true)
    }
}

/// The responsible names, as units or groups. `names` are (name, the sentence it is in).
pub(crate) fn responsible(names: &[(String, String)], units: &mut Units) {
    for (name, source) in names {
        if units.has(name) || units.dropped.contains(name) {
            continue;
        }
        if is_group_word(name) {
            let g = group(name, units, source);
            units.groups.push(g);
            continue;
        }
        let (kind, unsure) = classify(name);
        if kind == UnitKind::Town {
            // A town must be in a pairing; one the pairings do not name is left for a person.
            units.dropped.push(name.clone());
            units.report.push(ReportLine {
                found: false,
                zh: format!("责任单位「{name}」是镇街，但文中没有它的结对县区：已从责任单位中略去，请补充结对关系"),
                en: format!("responsible unit \"{name}\" is a town in no pairing the document states: left out of the responsible lists; add its pairing"),
            });
            continue;
        }
        if unsure {
            units.report.push(ReportLine {
                found: false,
                zh: format!("单位「{name}」的类别无法从名称判断，暂定为市直单位（department），请确认"),
                en: format!("the kind of unit \"{name}\" cannot be told from its name: taken as a department, to confirm"),
            });
        }
        units.add(UnitDraft {
            name: name.clone(),
            kind,
            side: Side::East,
            town_role: None,
            aliases: vec![],
            source: source.clone(),
            pending: unsure,
        });
    }
}

/// A group word's members: the towns of a role, all units of a kind, or (not known) none.
fn group(name: &str, units: &Units, source: &str) -> GroupDraft {
    let towns_named = name.contains('镇') || name.contains('街') || name.contains('乡');
    let all_members: Vec<String> = units
        .pairings
        .iter()
        .flat_map(|p| std::iter::once(p.lead.clone()).chain(p.assisting.iter().cloned()))
        .collect();
    let only_towns = all_members
        .iter()
        .all(|m| units.unit(m).is_some_and(|u| u.kind == UnitKind::Town));
    let mut g = GroupDraft {
        name: name.to_string(),
        all_of_kind: None,
        members: vec![],
        source: source.to_string(),
        pending: false,
    };
    if towns_named && name.contains("结对") {
        g.members = units.towns_with(TownRole::Lead);
    } else if towns_named && name.contains("协助") {
        g.members = units.towns_with(TownRole::Assisting);
    } else if towns_named {
        if only_towns {
            g.all_of_kind = Some(UnitKind::Town);
        } else {
            g.members = all_members;
        }
    } else if name.contains('县') || name.ends_with('区') {
        g.all_of_kind = Some(UnitKind::County);
    } else if ["部门", "单位", "市直"].iter().any(|w| name.contains(w)) {
        g.all_of_kind = Some(UnitKind::Department);
        g.pending = true;
    } else {
        g.pending = true;
    }
    g
}

/// The cities of the pair, and the provincial finance the money sentences name.
pub(crate) fn cities(east: (&str, &str), west: (&str, &str), text: &str, units: &mut Units) {
    for ((full, short), side) in [(east, Side::East), (west, Side::West)] {
        let aliases = if full != short && !short.is_empty() {
            vec![short.to_string()]
        } else {
            vec![]
        };
        units.add(UnitDraft {
            name: full.to_string(),
            kind: UnitKind::City,
            side,
            town_role: None,
            aliases,
            source: String::new(),
            pending: false,
        });
    }
    // A transfer of provincial money (省级财政) is paid by a provincial unit.
    if let Some(s) = sentences(text)
        .into_iter()
        .find(|s| s.contains("省财政") || s.contains("省级财政"))
    {
        units.add(UnitDraft {
            name: "省财政".into(),
            kind: UnitKind::Provincial,
            side: Side::East,
            town_role: None,
            aliases: vec![],
            source: s,
            pending: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_sentences() {
        let mut u = Units::default();
        let texts = vec![
            "结对帮扶关系如下：甲山镇对口帮扶乙水县、丙河街道对口帮扶丁岭区。".to_string(),
            "其中戊、己协助甲山镇帮扶乙水县；庚协助丙河帮扶丁岭区。".to_string(),
        ];
        pairings(&texts, "东城市", "西城市", &mut u);
        assert_eq!(u.pairings.len(), 2);
        assert_eq!(u.pairings[0].assisting, vec!["戊镇", "己镇"]);
        assert_eq!(u.pairings[1].lead, "丙河街道");
        assert_eq!(u.pairings[1].assisting, vec!["庚镇"]);
    }

    #[test]
    fn names_and_kinds() {
        assert_eq!(
            split_names("市旅游局、省第五扶贫协作工作组，各帮扶镇街"),
            vec!["市旅游局", "省第五扶贫协作工作组", "各帮扶镇街"]
        );
        assert_eq!(classify("团市委").0, UnitKind::Department);
        assert_eq!(classify("省第五扶贫协作工作组").0, UnitKind::WorkingGroup);
        assert_eq!(classify("省财政").0, UnitKind::Provincial);
    }
}
