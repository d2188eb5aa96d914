//! From one quantified phrase to a proposed indicator: which record kind counts it (by
//! the measure word and the verbs: 元 → money; 名/人 with 选派/挂职 → a secondment, else
//! a person list; 次/期/场 → an activity; 个/组 with 结对 → a pairing, with 基地/站/车间 →
//! a facility), which option of the kind (`options`), for whom (每个结对镇街 → each lead
//! town, 县均 → each county) and how it is measured. Everything is a proposal: pending.

use duikou_domain::plan::Plan;
use duikou_domain::schema::{BuiltinKind, RecordKind};

use crate::kinds::{batch, events, money, persons, things};
use crate::options::{Ctx, Level, options_of};
use crate::quantities::{QKind, Quantity};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    One(String),
    Many(Vec<String>),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeP {
    Plan,
    County,
    Lead,
    Assisting,
}

impl ScopeP {
    pub fn key(self) -> &'static str {
        match self {
            ScopeP::Plan => "plan",
            ScopeP::County => "each_county",
            ScopeP::Lead => "each_lead_town",
            ScopeP::Assisting => "each_assisting_town",
        }
    }
    pub fn prefix(self) -> &'static str {
        match self {
            ScopeP::Plan => "",
            ScopeP::County => "每个县区",
            ScopeP::Lead => "结对镇街",
            ScopeP::Assisting => "协助镇街",
        }
    }
    pub fn hint(self) -> &'static str {
        match self {
            ScopeP::Plan => "",
            ScopeP::County => "-county",
            ScopeP::Lead => "-lead",
            ScopeP::Assisting => "-assist",
        }
    }
    pub fn level(self) -> Level {
        match self {
            ScopeP::Plan => Level::City,
            ScopeP::County => Level::County,
            _ => Level::Town,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TargetP {
    None,
    Every(i64, Option<i64>),
    PerYear(Vec<(i32, i64, Option<i64>)>),
}

#[derive(Debug, Clone)]
pub(crate) struct Proposal {
    pub item: String,
    pub clause: Option<String>,
    pub name: String,
    pub kind: String,
    pub conds: Vec<(String, Cond)>,
    pub min_months: Option<u32>,
    pub measure: String,
    pub period: Option<&'static str>,
    pub scope: ScopeP,
    pub by: Option<String>,
    pub unit: String,
    pub target: TargetP,
    /// (month, day), and whether the plan's first year ends at 12-31 instead (the plan
    /// was issued after the deadline of its first year).
    pub deadline: Option<(u8, u8)>,
    pub first_year_open: bool,
    pub source: String,
    /// An ASCII name for the id (the option's key).
    pub hint: String,
    /// An option this plan must add to the kind's vocabulary: (KIND.FIELD, label).
    pub vocabulary: Option<(String, String)>,
    /// Why a person must look closer, beyond "a proposal": (zh, en).
    pub doubt: Option<(String, String)>,
    pub year: Option<i32>,
    pub start: usize,
    pub end: usize,
}

/// What the rules know of the plan being drafted.
pub(crate) struct Env<'a> {
    /// The draft without indicators, loaded: its kinds render the labels with the plan's
    /// place names (the direction labels, the training classes).
    pub plan: &'a Plan,
    pub east: String,
    pub west: String,
}

impl Env<'_> {
    pub fn kind(&self, b: BuiltinKind) -> RecordKind {
        self.plan.kind_of(b)
    }
    pub fn label(&self, b: BuiltinKind, field: &str, key: &str) -> String {
        options_of(self.kind(b), field)
            .iter()
            .find(|o| o.key == key)
            .map(|o| o.label.to_string())
            .unwrap_or_else(|| key.to_string())
    }
}

/// A quantity with the words around it.
#[derive(Clone)]
pub(crate) struct Phrase<'a> {
    pub q: &'a Quantity,
    /// The clause's words before the number (since the previous number).
    pub pre: String,
    pub object: String,
    /// The clause's words after the number, up to the next number.
    pub tail: String,
    /// The raw text right after the measure word (a dozen characters).
    pub after: String,
    pub clause: String,
    pub sentence: &'a str,
    /// The sentence before the number: where its subject is.
    pub prefix: String,
    /// The clause before the number.
    pub clause_prefix: String,
    pub title: &'a str,
    pub item: &'a str,
}

impl Phrase<'_> {
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            object: &self.object,
            pre: &self.pre,
            clause: &self.clause,
            sentence: self.sentence,
            title: self.title,
        }
    }
    pub fn has(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.clause.contains(w))
    }
    pub fn sentence_has(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.sentence.contains(w))
    }
}

/// Category words: a number of them says how many units there are (6个县区, 16个协助镇街),
/// not a target.
const UNIT_CATEGORIES: &[&str] = &[
    "镇街",
    "县区",
    "县（区）",
    "县(区)",
    "镇（街）",
    "镇(街)",
    "乡镇",
    "街道",
    "县市区",
    "区县",
    "贫困县",
];

/// `Some(county?)` when the phrase counts units rather than sets a target.
pub(crate) fn scope_phrase(p: &Phrase<'_>) -> Option<bool> {
    if p.q.kind != QKind::Count
        || p.q.unit != "个"
        || p.pre.ends_with("结对")
        || p.pre.ends_with("覆盖")
    {
        return None;
    }
    let head: String = p.after.chars().take(12).collect();
    // 4个县结对 / 6个区镇: a one-character category right after the measure word.
    if let Some(c) = head.chars().next().filter(|c| "县区镇乡".contains(*c)) {
        let two: String = head.chars().take(2).collect();
        let town = c == '镇' || c == '乡' || two == "区镇";
        return Some(!town);
    }
    let cat = UNIT_CATEGORIES
        .iter()
        .filter_map(|c| head.find(c).map(|pos| (pos, *c)))
        .min()?;
    // A category that comes after a verb is the object of another phrase (6个示范点建设县区).
    Some(!cat.1.contains('镇') && !cat.1.contains('街') && !cat.1.contains('乡'))
}

/// Who the figure is for, from the subject nearest before the number.
pub(crate) fn scope_of(prefix: &str, clause_prefix: &str) -> ScopeP {
    let mut found: Option<(usize, ScopeP)> = None;
    let mut mark = |pos: Option<usize>, s: ScopeP| {
        if let Some(p) = pos
            && found.is_none_or(|(f, _)| p >= f)
        {
            found = Some((p, s));
        }
    };
    for w in ["结对镇街", "结对镇（街）", "结对镇(街)"] {
        mark(prefix.rfind(w), ScopeP::Lead);
    }
    for w in ["协助镇街", "协助镇（街）", "协助镇(街)"] {
        mark(prefix.rfind(w), ScopeP::Assisting);
    }
    // 协助参与帮扶的每个镇街 / 新增协助……的每个镇街.
    if let Some(p) = prefix
        .rfind("每个镇街")
        .or_else(|| prefix.rfind("每个镇（街）"))
    {
        let before = &prefix[..p];
        let clause_start = before
            .rfind(['，', '；', '。'])
            .map(|i| i + '，'.len_utf8())
            .unwrap_or(0);
        let s = if before[clause_start..].contains("协助") {
            ScopeP::Assisting
        } else {
            ScopeP::Lead
        };
        mark(Some(p), s);
    }
    // 县均 (per county on average) qualifies its own clause only.
    if clause_prefix.contains("县均") {
        mark(Some(prefix.len()), ScopeP::County);
    }
    if let Some(p) = prefix.rfind("每个") {
        let after: String = prefix[p..].chars().take(16).collect();
        if after.contains('县') && !after.contains("镇街") && !after.contains('镇') {
            mark(Some(p), ScopeP::County);
        }
    }
    for w in ["每个县", "各县"] {
        mark(prefix.rfind(w), ScopeP::County);
    }
    found.map(|(_, s)| s).unwrap_or(ScopeP::Plan)
}

/// The record field naming the unit a per-unit figure is for.
pub(crate) fn by_field(kind: &str, scope: ScopeP) -> Option<&'static str> {
    let town = matches!(scope, ScopeP::Lead | ScopeP::Assisting);
    match (kind, scope) {
        (_, ScopeP::Plan) => None,
        ("transfer", _) => Some(if town { "payer" } else { "payee" }),
        ("activity", _) => Some("organizers"),
        ("secondment", _) => Some(if town { "from_unit" } else { "to_unit" }),
        ("pairing", _) => Some(if town { "east_town" } else { "west_county" }),
        ("purchase", _) => Some(if town { "buyer" } else { "origin_county" }),
        ("donation", _) => Some(if town { "donor" } else { "county" }),
        ("agreement", _) => Some(if town { "east_unit" } else { "west_unit" }),
        ("facility" | "project", ScopeP::County) => Some("county"),
        ("person", ScopeP::County) => Some("hukou_county"),
        _ => None,
    }
}

/// A name for people: the words of the phrase around its number, without the words
/// that only qualify it (每年, 至少, 以上 …) and without a leading year.
pub(crate) fn clause_name(p: &Phrase<'_>) -> String {
    let mut s = format!("{}{}", p.pre, p.object);
    for w in [
        "每年",
        "每个",
        "至少",
        "不少于",
        "不低于",
        "争取",
        "力争",
        "确保",
        "及以上",
        "以上",
        "左右",
        "（",
        "）",
        "(",
        ")",
        "“",
        "”",
    ] {
        s = s.replace(w, "");
    }
    let chars: Vec<char> = s.chars().collect();
    let skip =
        if chars.len() > 5 && chars[..4].iter().all(|c| c.is_ascii_digit()) && chars[4] == '年' {
            5
        } else {
            0
        };
    chars[skip..]
        .iter()
        .collect::<String>()
        .trim_matches(|c: char| "，。；、：".contains(c))
        .chars()
        .take(40)
        .collect()
}

/// The phrase's name, or the option's label when the phrase says too little.
pub(crate) fn name_or(p: &Phrase<'_>, scope: ScopeP, label: &str) -> String {
    let n = clause_name(p);
    if n.chars().filter(|c| crate::text::is_cjk(*c)).count() >= 4 {
        n
    } else {
        format!("{}{label}", scope.prefix())
    }
}

pub(crate) fn proposal(p: &Phrase<'_>, kind: &str, scope: ScopeP) -> Proposal {
    let unit = match p.q.unit.as_str() {
        "名" => "人".to_string(),
        u => u.to_string(),
    };
    let target = match p.q.kind {
        QKind::Batch => TargetP::None,
        _ => TargetP::Every(p.q.min, p.q.max),
    };
    Proposal {
        item: p.item.to_string(),
        clause: None,
        name: clause_name(p),
        kind: kind.to_string(),
        conds: vec![],
        min_months: None,
        measure: "count".into(),
        period: None,
        scope,
        by: by_field(kind, scope).map(str::to_string),
        unit,
        target,
        deadline: None,
        first_year_open: false,
        source: p.sentence.to_string(),
        hint: kind.to_string(),
        vocabulary: None,
        doubt: None,
        year: p.q.year,
        start: p.q.start,
        end: p.q.end,
    }
}

/// A proposal for the phrase, if its shape is one the rules know.
pub(crate) fn propose(env: &Env<'_>, p: &Phrase<'_>) -> Option<Proposal> {
    let scope = scope_of(&p.prefix, &p.clause_prefix);
    let mut out = match p.q.kind {
        QKind::Money => money(env, p, scope),
        QKind::Count | QKind::Batch => {
            let u = p.q.unit.as_str();
            if p.q.kind == QKind::Batch {
                batch(env, p, scope)?
            } else if ["人", "名", "人次"].contains(&u) {
                persons(env, p, scope)
            } else if ["次", "期", "场", "届", "批次", "批", "轮", "趟", "场次"].contains(&u)
            {
                events(env, p, scope)
            } else {
                things(env, p, scope)?
            }
        }
        QKind::Duration | QKind::Percent => return None,
    };
    // A unit field no record of the kind has: one figure for the plan, to confirm.
    if out.scope != ScopeP::Plan && out.by.is_none() {
        out.doubt = Some((
            format!("{}记录没有可按单位统计的字段，暂按全市统计", out.kind),
            format!(
                "a {} record names no unit to count by: counted for the plan as a whole",
                out.kind
            ),
        ));
        out.scope = ScopeP::Plan;
        out.conds
            .retain(|(_, v)| *v != Cond::One("$paired_county".into()));
    }
    if out.scope != ScopeP::Plan && !out.hint.ends_with(out.scope.hint()) {
        out.hint.push_str(out.scope.hint());
    }
    Some(out)
}
