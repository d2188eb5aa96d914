//! Sentences that ask for something without a number: 每年制定镇县年度帮扶计划 (one a
//! year, of the plan's own kind 协议与计划) and 建立…服务站 (at least one facility).

use crate::indicators::{AgreementKind, Proposals};
use crate::quantities::{QKind, Quantity, scan};
use crate::rules::{self, Cond, Env, Phrase, Proposal, ScopeP, TargetP, by_field};
use crate::text::{is_clause_break, is_phrase_break};

/// Rules for sentences that ask for something without a number.
pub(crate) fn wordy_proposals(
    env: &Env<'_>,
    sentence: &str,
    item: &str,
    title: &str,
    out: &mut Proposals,
) -> Vec<Proposal> {
    let mut found = Vec::new();
    let clauses: Vec<&str> = sentence.split(|c: char| is_clause_break(c)).collect();
    for clause in clauses {
        if !scan(clause).is_empty() {
            continue;
        }
        // 每年制定镇县年度帮扶计划: one a year, of the plan's own kind 协议与计划.
        if sentence.contains("每年")
            && let Some(t) =
                document_type(clause).filter(|t| t.ends_with("计划") || t.ends_with("协议"))
            && (clause.contains("每年") || clause.starts_with("制定") || clause.starts_with("签订"))
        {
            let scope = rules::scope_of(&sentence[..sentence.find(clause).unwrap_or(0)], "");
            let mut p = bare_proposal(sentence, item, "agreement", scope, &t);
            p.conds.push(("type".into(), Cond::One(t.clone())));
            if matches!(scope, ScopeP::Lead | ScopeP::Assisting)
                && (t.contains("镇县") || t.contains("县"))
            {
                p.conds
                    .push(("west_unit".into(), Cond::One("$paired_county".into())));
            }
            p.unit = "份".into();
            p.target = TargetP::Every(1, None);
            p.hint = "annual-plans".into();
            out.agreement.get_or_insert_with(|| AgreementKind {
                types: vec![],
                source: sentence.to_string(),
            });
            found.push(p);
        }
        // 建立劳务输出和转移就业服务站: at least one, from the plan's first year.
        for verb in ["建立", "设立", "建成", "挂牌", "新建"] {
            let Some(p) = clause.find(verb) else { continue };
            let after = &clause[p + verb.len()..];
            let end = after
                .find(|c: char| is_phrase_break(c))
                .unwrap_or(after.len());
            let object = &after[..end];
            let q = Quantity {
                kind: QKind::Count,
                min: 1,
                max: None,
                unit: "个".into(),
                start: 0,
                end: 0,
                year: None,
            };
            let facility_like = ["站", "基地", "车间", "中心", "工坊", "工厂", "馆"]
                .iter()
                .any(|n| object.ends_with(n));
            if facility_like
                && object.chars().count() <= 20
                && !object.starts_with("一批")
                && !object.contains("机制")
            {
                let phrase = Phrase {
                    q: &q,
                    pre: String::new(),
                    object: object.to_string(),
                    tail: String::new(),
                    after: String::new(),
                    clause: clause.to_string(),
                    sentence,
                    prefix: String::new(),
                    clause_prefix: String::new(),
                    title,
                    item,
                };
                let mut p = crate::kinds::facility(env, &phrase, ScopeP::Plan);
                p.name = object.to_string();
                found.push(p);
                break;
            }
        }
    }
    found
}

/// The name of a document a clause says is made or signed: 制定镇县年度帮扶计划 →
/// 镇县年度帮扶计划; 签署的各项帮扶协议 → 帮扶协议; 制定本部门、本镇街的三年行动方案 → 三年行动方案.
pub(crate) fn document_type(clause: &str) -> Option<String> {
    for verb in ["制定", "签订", "签署", "编制"] {
        let Some(p) = clause.find(verb) else { continue };
        let after = &clause[p + verb.len()..];
        let after = &after[..after
            .find(['（', '(', '，', '。', '；'])
            .unwrap_or(after.len())];
        let end = ["计划", "协议", "方案"]
            .iter()
            .filter_map(|w| after.rfind(w).map(|i| i + w.len()))
            .max()?;
        let mut t = &after[..end];
        if let Some(i) = t.rfind('的') {
            t = &t[i + '的'.len_utf8()..];
        }
        let t = t
            .trim_start_matches("各项")
            .trim_start_matches('本')
            .trim_start_matches('好');
        if (3..=12).contains(&t.chars().count()) && !t.contains('、') {
            return Some(t.to_string());
        }
    }
    None
}

fn bare_proposal(sentence: &str, item: &str, kind: &str, scope: ScopeP, name: &str) -> Proposal {
    Proposal {
        item: item.to_string(),
        clause: None,
        name: name.to_string(),
        kind: kind.to_string(),
        conds: vec![],
        min_months: None,
        measure: "count".into(),
        period: None,
        scope,
        by: by_field(kind, scope).map(str::to_string),
        unit: "个".into(),
        target: TargetP::None,
        deadline: None,
        first_year_open: false,
        source: sentence.to_string(),
        hint: kind.to_string(),
        vocabulary: None,
        doubt: None,
        year: None,
        start: 0,
        end: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_types() {
        assert_eq!(
            document_type("每年制定镇县年度帮扶计划").as_deref(),
            Some("镇县年度帮扶计划")
        );
        assert_eq!(
            document_type("全面落实镇县签署的各项帮扶协议").as_deref(),
            Some("帮扶协议")
        );
        assert_eq!(
            document_type("制定本部门、本镇街的三年行动方案（2018-2020年）").as_deref(),
            Some("三年行动方案")
        );
    }
}
