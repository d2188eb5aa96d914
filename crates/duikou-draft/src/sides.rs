//! The two sides of the pair beyond their names: the one-character abbreviation of set
//! phrases (来X), the assisting side's province, and the pair itself when the title does
//! not write it as 甲·乙.

use duikou_domain::schema::Regions;

use crate::text::is_cjk;

/// The one-character name a side goes by in set phrases (来X): a character of its short
/// name written alone after a verb of movement.
pub(crate) fn abbreviation(short: &str, text: &str) -> Option<String> {
    let name: Vec<char> = short.chars().collect();
    if name.len() < 2 {
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut best: Option<(char, usize)> = None;
    for (ci, c) in name.iter().enumerate() {
        let mut n = 0;
        for i in 1..chars.len() {
            if chars[i] != *c || !"来赴在援驻到回".contains(chars[i - 1]) {
                continue;
            }
            // 赴 followed by the whole short name spells it out: not the abbreviation.
            let continues = name
                .get(ci + 1)
                .is_some_and(|next| chars.get(i + 1) == Some(next));
            let starts_full = ci > 0 && i >= 1 && chars.get(i.wrapping_sub(1)) == name.get(ci - 1);
            if !continues && !starts_full {
                n += 1;
            }
        }
        if n > 0 && best.is_none_or(|(_, m)| n > m) {
            best = Some((*c, n));
        }
    }
    best.map(|(c, _)| c.to_string())
}

/// The assisting side's province: a name ending in 省 the text gives as a province of
/// its own (《甲省……方案》), not the assisted side's (乙省 followed by the west's name).
pub(crate) fn east_province(text: &str, west_short: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for i in 2..chars.len() {
        if chars[i] != '省' || !is_cjk(chars[i - 1]) || !is_cjk(chars[i - 2]) {
            continue;
        }
        // A province is named as an issuer or a subject: 《甲省…》, 甲省东西部…,
        // 甲省人民政府 — not in 每年省、市财政 (省 as a level).
        let before = if i >= 3 { chars[i - 3] } else { '《' };
        let follows: String = chars[i + 1..].iter().take(4).collect();
        let as_name = before == '《'
            || ["东西部", "人民政府", "扶贫", "委", "党委", "财政厅"]
                .iter()
                .any(|w| follows.starts_with(w));
        if !as_name {
            continue;
        }
        let name: String = chars[i - 2..=i].iter().collect();
        let after: String = chars[i + 1..]
            .iter()
            .take(west_short.chars().count())
            .collect();
        if after == west_short {
            continue;
        }
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    counts.into_iter().max_by_key(|(_, c)| *c).map(|(n, _)| n)
}

/// The pair when the title does not write it (X·Y): the issuer's city, and the city
/// the text most often says it helps.
pub(crate) fn fallback_pair(issuer: Option<&str>, text: &str) -> Option<(String, String)> {
    let issuer = issuer?;
    let end = issuer
        .char_indices()
        .find(|(_, c)| *c == '市' || *c == '州')?
        .0;
    let east = Regions::short_name(&issuer[..end + '市'.len_utf8()]);
    let chars: Vec<char> = text.chars().collect();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for verb in ["帮扶", "助力", "支援", "协作", "与"] {
        let v: Vec<char> = verb.chars().collect();
        for i in 0..chars.len() {
            if chars.get(i..i + v.len()) != Some(&v[..]) {
                continue;
            }
            let rest: Vec<char> = chars[i + v.len()..].iter().take(5).copied().collect();
            if let Some(p) = rest
                .iter()
                .position(|c| *c == '市' || *c == '州')
                .filter(|p| *p >= 2)
            {
                let name: String = rest[..p].iter().collect();
                if name != east && name.chars().all(is_cjk) {
                    match counts.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, c)) => *c += 1,
                        None => counts.push((name, 1)),
                    }
                }
            }
        }
    }
    let west = counts.into_iter().max_by_key(|(_, c)| *c)?.0;
    Some((east, west))
}
