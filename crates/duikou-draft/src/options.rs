//! Choosing a record kind's option for a phrase: which activity type (招商推介会, 旅游推介
//! …), which programme, category or pairing type a sentence speaks of. The options are
//! the plan's own vocabulary as the domain renders it (labels with the plan's place
//! names), so a rule here never names a place: it compares the label with the words
//! around the number.

use duikou_domain::schema::{EnumOption, FieldType, RecordKind};

use crate::text::coverage;

/// The words around a quantity, nearest first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    /// The noun phrase after the number (2名以上**教师**).
    pub object: &'a str,
    /// The words right before the number, since the previous one (选派**教师**20名).
    pub pre: &'a str,
    /// The clause the number is in.
    pub clause: &'a str,
    pub sentence: &'a str,
    /// The checklist item's title (重点工作).
    pub title: &'a str,
}

/// How well a label fits the words: half the weighted mean over the contexts (the clause
/// weighs most, it is what the number is about), half the best single context.
pub(crate) fn score(label: &str, ctx: &Ctx<'_>) -> f64 {
    let parts = [
        (ctx.clause, 3.0, 1.0),
        (ctx.object, 2.0, 1.0),
        (ctx.pre, 2.0, 1.0),
        (ctx.sentence, 1.0, 0.8),
        (ctx.title, 1.0, 0.6),
    ];
    let mut sum = 0.0;
    let mut weights = 0.0;
    let mut best: f64 = 0.0;
    for (text, w, near) in parts {
        if text.is_empty() {
            continue;
        }
        let c = coverage(label, text);
        sum += w * c;
        weights += w;
        best = best.max(near * c);
    }
    if weights == 0.0 {
        return 0.0;
    }
    0.5 * sum / weights + 0.5 * best
}

/// The scope a figure is for, as far as option choice cares: a town's option names the
/// town level (镇街领导调研对接), the whole plan's the city level (市领导调研对接).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    City,
    Town,
    County,
}

/// The best option of an enum field for the words, with its score. "其他" is never
/// chosen by words (it is what a person picks when nothing fits).
pub(crate) fn best<'a>(
    options: &'a [EnumOption],
    ctx: &Ctx<'_>,
    level: Level,
) -> Option<(&'a EnumOption, f64)> {
    let mut out: Option<(&EnumOption, f64)> = None;
    for o in options {
        if o.label == "其他" {
            continue;
        }
        let mut s = std::iter::once(o.label)
            .chain(o.aliases.iter().copied())
            .map(|l| score(l, ctx))
            .fold(0.0, f64::max);
        // The phrase begins with the label's first word: of two training-class options
        // (西方干部来东方培训班 / 东方干部赴西方培训班) the one whose side the phrase names first.
        let lead: String = o.label.chars().take(2).collect();
        if s > 0.0 && lead.chars().count() == 2 && ctx.object.starts_with(&lead) {
            s += 0.08;
        }
        if s > 0.0 {
            // Same words at two levels (镇县党政联席会议 / 市级党政联席会议): the scope decides.
            let town_word = o.label.contains('镇');
            let city_word = o.label.starts_with('市') || o.label.contains("市级");
            match level {
                Level::Town if town_word => s += 0.05,
                Level::City if city_word => s += 0.05,
                Level::City | Level::County if town_word => s -= 0.02,
                _ => {}
            }
        }
        if out.is_none_or(|(_, b)| s > b + 1e-9) {
            out = Some((o, s));
        }
    }
    out
}

/// The options of a kind's enum field.
pub(crate) fn options_of(kind: RecordKind, field: &str) -> &'static [EnumOption] {
    match kind.field(field).map(|f| f.ty) {
        Some(FieldType::Enum(o)) => o,
        _ => &[],
    }
}

/// A pairing's type (XY结对): the party words decide, not the shared 结对. An option
/// whose two parties differ (企村) is chosen when the sentence or the item names its
/// distinct east party (企业, 万企帮万村); otherwise the option whose party the pair's
/// object names (2个以上**镇** → 镇镇, 深度贫困**村** → 村村), else the one the
/// sentence names (医院 → 院院, 中职学校 → 校校).
pub(crate) fn pairing_type<'a>(options: &'a [EnumOption], ctx: &Ctx<'_>) -> Option<&'a EnumOption> {
    let common = common_suffix(options);
    let parties = |o: &EnumOption| -> Vec<char> {
        let stem: String = o
            .label
            .strip_suffix(common.as_str())
            .unwrap_or(o.label)
            .to_string();
        stem.chars().collect()
    };
    let near = format!("{}{}", ctx.clause, ctx.sentence);
    for text in [near.as_str(), ctx.title] {
        for o in options {
            let p = parties(o);
            if p.len() == 2
                && p[0] != p[1]
                && text.contains(p[0])
                && (ctx.object.contains(p[1]) || ctx.object.is_empty())
            {
                return Some(o);
            }
        }
    }
    for text in [ctx.object, ctx.clause, ctx.sentence, ctx.title] {
        // The last party character named wins within the phrase (贫困村 names 村, not 镇).
        let mut found: Option<(usize, &EnumOption)> = None;
        for o in options {
            let p = parties(o);
            if p.len() == 2
                && p[0] == p[1]
                && let Some(pos) = text.rfind(p[0])
                && found.is_none_or(|(f, _)| pos > f)
            {
                found = Some((pos, o));
            }
        }
        if let Some((_, o)) = found {
            return Some(o);
        }
    }
    None
}

fn common_suffix(options: &[EnumOption]) -> String {
    let Some(first) = options.first() else {
        return String::new();
    };
    let mut suffix: Vec<char> = first.label.chars().collect();
    for o in &options[1..] {
        let l: Vec<char> = o.label.chars().collect();
        let n = suffix
            .iter()
            .rev()
            .zip(l.iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        suffix = suffix[suffix.len() - n..].to_vec();
    }
    suffix.into_iter().collect()
}

/// Yes/no fields the phrase states: a bool field whose name the object spells (深度贫困村,
/// 党政领导班子, 建档立卡) is true for the figure.
pub(crate) fn bools(kind: RecordKind, object: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in kind.fields() {
        if f.ty != FieldType::Bool {
            continue;
        }
        let label =
            f.zh.trim_start_matches("是否")
                .trim_start_matches("进入")
                .trim_start_matches("为");
        if label.chars().count() >= 2 && coverage(label, object) >= 0.8 {
            out.push(f.key.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix() {
        let o = [
            EnumOption {
                key: "a",
                label: "镇镇结对",
                aliases: &[],
                label_en: None,
            },
            EnumOption {
                key: "b",
                label: "企村结对",
                aliases: &[],
                label_en: None,
            },
        ];
        assert_eq!(common_suffix(&o), "结对");
    }
}
