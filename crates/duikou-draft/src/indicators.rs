//! Proposed indicators: every quantified phrase of the checklist items and of the body's
//! action sections, made into a proposal by `rules`, then put together — per-year
//! figures of one sentence merged (2018年招收1600名，2019年…), the body's repetitions of a
//! checklist target dropped, deadlines attached (第一季度前, 每年11月前) and ids given.

use crate::quantities::{QKind, deadline, scan};
use crate::rules::{self, Env, Phrase, Proposal, ScopeP, TargetP, by_field};
use crate::text::{is_clause_break, is_phrase_break, sentences};
use crate::wordless::{document_type, wordy_proposals};

/// A checklist item as the rules read it.
pub(crate) struct ItemIn<'a> {
    pub no: &'a str,
    pub action: &'a str,
    pub title: &'a str,
    pub text: &'a str,
    pub time_limit: &'a str,
}

/// A paragraph of the body under an action (二(二)1 …).
pub(crate) struct BodyIn {
    pub action: String,
    pub clause: String,
    pub text: String,
}

/// The plan's own record kind for agreements and plans (每年制定镇县年度帮扶计划): its
/// type options, as the document names them.
#[derive(Debug, Clone)]
pub(crate) struct AgreementKind {
    pub types: Vec<String>,
    pub source: String,
}

#[derive(Debug, Default)]
pub(crate) struct Proposals {
    pub list: Vec<Proposal>,
    pub agreement: Option<AgreementKind>,
    /// Quantified phrases no rule took: (item, phrase).
    pub skipped: Vec<(String, String)>,
}

fn strip_qualifiers(s: &str) -> String {
    let mut t = s.to_string();
    for w in ["及以上", "以上", "左右", "多", "余"] {
        if let Some(r) = t.strip_prefix(w) {
            t = r.to_string();
        }
    }
    for w in ["及以上", "以上", "左右"] {
        if let Some(r) = t.strip_suffix(w) {
            t = r.to_string();
        }
    }
    t
}

/// Han characters that carry meaning, not the qualifiers every target has.
fn content_chars(s: &str) -> usize {
    let mut t = s.to_string();
    for w in [
        "每年",
        "争取",
        "力争",
        "开展",
        "接收",
        "组织",
        "举办",
        "至少",
        "以上",
        "不少于",
        "实现",
        "达到",
        "完成",
        "年",
    ] {
        t = t.replace(w, "");
    }
    t.chars().filter(|c| crate::text::is_cjk(*c)).count()
}

const CATEGORY_WORDS: &[&str] = &["县区", "县（区）", "县(区)", "个县", "县"];

/// The proposals of one sentence.
fn sentence_proposals(
    env: &Env<'_>,
    sentence: &str,
    item: &str,
    title: &str,
    out: &mut Proposals,
) -> Vec<Proposal> {
    let chars: Vec<char> = sentence.chars().collect();
    let qs = scan(sentence);
    let mut found: Vec<Proposal> = Vec::new();
    let mut months: Option<i64> = None;
    let mut last_scope: Option<(usize, i64, bool)> = None;
    for (qi, q) in qs.iter().enumerate() {
        let cs = chars[..q.start]
            .iter()
            .rposition(|c| is_clause_break(*c))
            .map(|p| p + 1)
            .unwrap_or(0);
        let ce = chars[q.end..]
            .iter()
            .position(|c| is_clause_break(*c))
            .map(|p| q.end + p)
            .unwrap_or(chars.len());
        let prev_end = qs[..qi]
            .iter()
            .map(|p| p.end)
            .filter(|e| *e > cs && *e <= q.start)
            .max()
            .unwrap_or(cs);
        let next_start = qs.get(qi + 1).map(|n| n.start).unwrap_or(chars.len());
        let oe = chars[q.end..]
            .iter()
            .position(|c| is_phrase_break(*c))
            .map(|p| q.end + p)
            .unwrap_or(chars.len())
            .min(next_start);
        let pre: String = chars[prev_end..q.start].iter().collect();
        let object = strip_qualifiers(&chars[q.end..oe.max(q.end)].iter().collect::<String>());
        // The words after the number up to the next one; a bracket opens an aside (its
        // own figures: 1.8亿元（省财政1800万…）).
        let tail: String = chars[q.end..ce.min(next_start).max(q.end)]
            .iter()
            .take_while(|c| !"（(".contains(**c))
            .collect();
        let after: String = chars[q.end..].iter().take(12).collect();
        let own: String = chars[cs..ce].iter().collect();
        // A clause that says little besides its number (每年开展6期以上) is about what the
        // sentence said before it: read it with that.
        let clause = if content_chars(&pre) + content_chars(&object) < 3 {
            chars[..ce].iter().collect()
        } else {
            own.clone()
        };
        let prefix: String = chars[..q.start].iter().collect();
        let clause_prefix: String = chars[cs..q.start].iter().collect();
        let phrase = Phrase {
            q,
            pre: pre.clone(),
            object,
            tail,
            after,
            clause: clause.clone(),
            sentence,
            prefix,
            clause_prefix,
            title,
            item,
        };
        let clause = own;
        match q.kind {
            QKind::Duration => {
                // 挂职时间不少于1年: the secondments of the sentence last at least this long.
                if ["时间", "期限", "不少于", "满", "不低于"]
                    .iter()
                    .any(|w| pre.contains(w))
                    || clause.contains("挂职")
                {
                    months = Some(q.min);
                }
                continue;
            }
            QKind::Percent => {
                out.skipped.push((item.to_string(), clause));
                continue;
            }
            _ => {}
        }
        if let Some(county) = rules::scope_phrase(&phrase) {
            last_scope = Some((qi, q.min, county));
            continue;
        }
        // 每年接收3批次45人: the participants of the activities just counted.
        if q.kind == QKind::Count
            && ["人", "名"].contains(&q.unit.as_str())
            && pre.chars().count() <= 1
            && let Some(prev) = found
                .last()
                .filter(|p| p.kind == "activity" && p.measure == "count" && p.end == prev_end)
        {
            let p = crate::kinds::participants(prev, &phrase);
            found.push(p);
            continue;
        }
        let Some(mut p) = rules::propose(env, &phrase) else {
            if q.kind != QKind::Batch {
                out.skipped.push((item.to_string(), clause));
            }
            continue;
        };
        // 6个县区6个搬迁安置示范点: one per county.
        if let Some((si, n, true)) = last_scope {
            let between = pre.as_str();
            let tight = si + 1 == qi
                && CATEGORY_WORDS.iter().any(|c| between.starts_with(c))
                && between.chars().count() <= 4;
            if tight
                && n > 0
                && q.min % n == 0
                && p.scope == ScopeP::Plan
                && let Some(by) = by_field(&p.kind, ScopeP::County)
            {
                p.target = TargetP::Every(q.min / n, q.max.map(|m| m / n));
                p.scope = ScopeP::County;
                p.by = Some(by.to_string());
                p.hint.push_str("-county");
            }
        }
        // 县均8000万元 after 省、市财政帮扶资金3.2亿元: the same money, per county.
        if p.kind == "transfer"
            && p.scope != ScopeP::Lead
            && p.scope != ScopeP::Assisting
            && !p.conds.iter().any(|(k, _)| k == "source")
            && let Some(src) = found
                .iter()
                .rev()
                .filter(|o| o.kind == "transfer")
                .find_map(|o| o.conds.iter().find(|(k, _)| k == "source").cloned())
        {
            p.conds.insert(0, src);
            p.doubt = Some((
                "资金来源取自同句前文，请核对".into(),
                "the source of the money is taken from earlier in the sentence: to check".into(),
            ));
        }
        found.push(p);
    }
    for p in &mut found {
        if p.kind == "secondment" {
            p.min_months = months.and_then(|m| u32::try_from(m).ok());
            if let Some(m) = p.min_months {
                let span = if m % 12 == 0 {
                    format!("{}年", m / 12)
                } else {
                    format!("{m}个月")
                };
                p.name.push_str(&format!("（挂职不少于{span}）"));
            }
        }
    }
    merge_years(found)
}

/// Figures of one sentence set year by year become one indicator with per-year targets.
fn merge_years(found: Vec<Proposal>) -> Vec<Proposal> {
    let mut out: Vec<Proposal> = Vec::new();
    for p in found {
        let Some(year) = p.year else {
            out.push(p);
            continue;
        };
        let (min, max) = match p.target {
            TargetP::Every(min, max) => (min, max),
            _ => {
                out.push(p);
                continue;
            }
        };
        let same = out.iter_mut().find(|o| {
            matches!(o.target, TargetP::PerYear(_))
                && o.kind == p.kind
                && o.conds == p.conds
                && o.scope == p.scope
                && o.unit == p.unit
                && o.measure == p.measure
        });
        match same {
            Some(o) => {
                if let TargetP::PerYear(v) = &mut o.target {
                    v.push((year, min, max));
                }
            }
            None => {
                let mut p = p;
                p.target = TargetP::PerYear(vec![(year, min, max)]);
                out.push(p);
            }
        }
    }
    out
}

/// Whether a proposal repeats one already made. The body restates most checklist
/// targets in other words (`loose`: the same kind, scope and target on the item is the
/// same figure, whatever option the words suggest); a tracked figure repeats one of the
/// same filter.
fn repeats(list: &[Proposal], p: &Proposal, loose: bool) -> bool {
    list.iter().any(|o| {
        o.item == p.item
            && o.kind == p.kind
            && o.scope == p.scope
            && o.measure == p.measure
            && o.min_months == p.min_months
            && if p.target == TargetP::None {
                o.conds == p.conds
            } else {
                o.target == p.target && (loose || o.conds == p.conds)
            }
    })
}

/// The checklist item a body sentence is about: the item of its action sharing the most
/// telling words with it (a word rare among the action's items weighs more).
pub(crate) fn best_item(sentence: &str, items: &[&ItemIn<'_>]) -> Option<String> {
    // Pairs with a function character (每, 个, 年, 不, 少, 于 …) say how much, not what.
    let stop =
        |c: &char| "每个年不少于以上至的和与要等好各项在到为将把了及其或并也都有按由".contains(*c);
    let grams = |s: &str| -> Vec<(char, char)> {
        let c: Vec<char> = s.chars().filter(|c| crate::text::is_cjk(*c)).collect();
        let mut v: Vec<(char, char)> = c
            .windows(2)
            .filter(|w| !stop(&w[0]) && !stop(&w[1]))
            .map(|w| (w[0], w[1]))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let sets: Vec<Vec<(char, char)>> = items
        .iter()
        .map(|i| grams(&format!("{}{}", i.title, i.text)))
        .collect();
    let n = items.len() as f64;
    let mine = grams(sentence);
    let mut best: Option<(usize, f64)> = None;
    for (i, set) in sets.iter().enumerate() {
        let mut s = 0.0;
        for g in &mine {
            if set.binary_search(g).is_ok() {
                let df = sets.iter().filter(|o| o.binary_search(g).is_ok()).count() as f64;
                s += (1.0 + n / df).ln();
            }
        }
        if s > 0.0 && best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| items[i].no.to_string())
}

/// Every proposal of the document.
pub(crate) fn propose_all(
    env: &Env<'_>,
    items: &[ItemIn<'_>],
    body: &[BodyIn],
    issued: Option<(i32, u8, u8)>,
    first_year: i32,
) -> Proposals {
    let mut out = Proposals::default();
    for it in items {
        for s in sentences(it.text) {
            let mut found = sentence_proposals(env, &s, it.no, it.title, &mut out);
            found.extend(wordy_proposals(env, &s, it.no, it.title, &mut out));
            for p in found {
                if !repeats(&out.list, &p, false) {
                    out.list.push(p);
                }
            }
        }
    }
    for para in body {
        let own: Vec<&ItemIn<'_>> = items.iter().filter(|i| i.action == para.action).collect();
        for s in sentences(&para.text) {
            let item = best_item(&s, &own).unwrap_or_else(|| para.action.clone());
            let title = own
                .iter()
                .find(|i| i.no == item)
                .map(|i| i.title)
                .unwrap_or("");
            let mut found = sentence_proposals(env, &s, &item, title, &mut out);
            found.extend(wordy_proposals(env, &s, &item, title, &mut out));
            for mut p in found {
                p.clause = Some(para.clause.clone());
                if !repeats(&out.list, &p, true) {
                    out.list.push(p);
                }
            }
        }
    }
    if let Some(a) = &mut out.agreement {
        let all: Vec<&str> = items
            .iter()
            .map(|i| i.text)
            .chain(body.iter().map(|b| b.text.as_str()))
            .collect();
        for text in all {
            for s in sentences(text) {
                for clause in s.split(|c: char| is_clause_break(c)) {
                    if let Some(t) = document_type(clause)
                        && !a.types.contains(&t)
                    {
                        a.types.push(t);
                    }
                }
            }
        }
    }
    out.skipped.dedup();
    let mut seen = Vec::new();
    out.skipped.retain(|s| {
        if seen.contains(s) {
            false
        } else {
            seen.push(s.clone());
            true
        }
    });
    deadlines(&mut out.list, items, issued, first_year);
    give_ids(&mut out.list);
    out
}

/// A deadline of the proposal's own sentence; else one the item states of its money
/// (省、市财政援助资金每年第一季度前划拨到位) or of everything (完成时限：每年11月前).
fn deadlines(
    list: &mut [Proposal],
    items: &[ItemIn<'_>],
    issued: Option<(i32, u8, u8)>,
    first_year: i32,
) {
    for p in list.iter_mut() {
        let item = items.iter().find(|i| i.no == p.item);
        let mut d = deadline(&p.source);
        if d.is_none()
            && let Some(it) = item
        {
            for s in sentences(it.text) {
                if !scan(&s).iter().any(|q| q.kind != QKind::Batch)
                    && let Some(md) = deadline(&s)
                {
                    let money = ["资金", "拨付", "到位", "划拨"]
                        .iter()
                        .any(|w| s.contains(w));
                    if !money || p.kind == "transfer" {
                        d = Some(md);
                    }
                }
            }
            if d.is_none() {
                d = deadline(it.time_limit);
            }
        }
        if let Some(md) = d.filter(|md| *md != (12, 31)) {
            p.deadline = Some(md);
            // Issued after the first year's deadline: that year ends at 12-31.
            p.first_year_open = issued.is_some_and(|(y, m, dd)| y == first_year && (m, dd) > md);
        }
    }
}

fn give_ids(list: &mut [Proposal]) {
    let mut seen: Vec<String> = Vec::new();
    for p in list.iter_mut() {
        let base = format!("{}-{}", p.item, p.hint);
        let mut id = base.clone();
        let mut n = 2;
        while seen.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        seen.push(id.clone());
        p.hint = id;
    }
}
