//! Character-level helpers shared by every rule: one canonical spelling of a line (so a
//! rule never has to care whether a converter wrote `1 名` or `1名`, `１８` or `18`,
//! `,` or `，`), sentence and clause splitting, and a similarity score between a
//! vocabulary label and a phrase of the document.

/// A Han character (the document's words), as opposed to digits and punctuation.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '〇')
}

/// Full-width digits, letters and the signs used in numbers become ASCII, so that the
/// number rules read one alphabet.
fn fold(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        '．' => '.',
        '－' | '–' | '‑' => '-',
        '～' => '~',
        '％' => '%',
        '＋' => '+',
        '\u{3000}' | '\u{a0}' => ' ',
        _ => c,
    }
}

/// The canonical spelling of a piece of text: folded to ASCII digits, and without the
/// spaces that typesetting puts around numbers in Chinese text (`每年 1 次` → `每年1次`).
/// A space between two ASCII words stays (`PDF file`). A long dash between digits is a
/// range (`2018—2020年`).
pub(crate) fn squeeze(s: &str) -> String {
    let chars: Vec<char> = s.chars().map(fold).collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() && c != '\t' {
            let prev = out.chars().last();
            let next = chars[i + 1..]
                .iter()
                .find(|c| !(c.is_whitespace() && **c != '\t'));
            let ascii_word = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            if ascii_word(prev.as_ref()) && ascii_word(next) && !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        if c == '—' || c == '~' {
            let prev_digit = out.chars().last().is_some_and(|p| p.is_ascii_digit());
            let next_digit = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())
                || (chars.get(i + 1) == Some(&'—')
                    && chars.get(i + 2).is_some_and(|n| n.is_ascii_digit()));
            if prev_digit && next_digit {
                if !out.ends_with('-') {
                    out.push('-');
                }
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// ASCII punctuation written beside Chinese text becomes the full-width mark, as the
/// plan file's texts are written (`工作,每年` → `工作，每年`). Parentheses are left as the
/// document has them: titles such as 镇(街)县(区) are copied as written.
pub(crate) fn cjk_punct(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let near_cjk = i
            .checked_sub(1)
            .and_then(|j| chars.get(j))
            .is_some_and(|p| is_cjk(*p) || "）”".contains(*p))
            || chars
                .get(i + 1)
                .is_some_and(|n| is_cjk(*n) || "（“".contains(*n));
        let mapped = match c {
            ',' if near_cjk => '，',
            ';' if near_cjk => '；',
            ':' if near_cjk => '：',
            '?' if near_cjk => '？',
            '!' if near_cjk => '！',
            _ => c,
        };
        out.push(mapped);
    }
    out
}

/// The canonical text of a document line or cell: squeezed and with Chinese punctuation.
pub(crate) fn clean(s: &str) -> String {
    cjk_punct(&squeeze(s)).trim().to_string()
}

/// The text without any punctuation or space: what titles are compared by.
pub(crate) fn bare(s: &str) -> String {
    s.chars()
        .filter(|c| is_cjk(*c) || c.is_ascii_alphanumeric())
        .collect()
}

/// Sentences: split after 。！？ and ；, the marks that end a statement in a plan's
/// text (a semicolon separates statements with their own subject: 每个结对镇街…；每个
/// 协助镇街…). The closing quote or bracket after a full stop stays with its sentence.
pub(crate) fn sentences(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        cur.push(c);
        if "。！？；;!?".contains(c) {
            while i + 1 < chars.len() && "”’」）)".contains(chars[i + 1]) {
                i += 1;
                cur.push(chars[i]);
            }
            if !cur.trim().is_empty() {
                out.push(cur.trim().to_string());
            }
            cur.clear();
        }
        i += 1;
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// Clause boundaries within a sentence (the comma): a quantity's own words lie between
/// two of them.
pub(crate) fn is_clause_break(c: char) -> bool {
    "，,。；;！？：:".contains(c)
}

/// Any punctuation that ends a noun phrase (clause marks, the enumeration comma, brackets).
pub(crate) fn is_phrase_break(c: char) -> bool {
    is_clause_break(c) || "、（）()“”\"《》【】".contains(c)
}

fn bigrams(s: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = s
        .chars()
        .filter(|c| is_cjk(*c) || c.is_ascii_alphanumeric() || *c == '+')
        .collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// How much of `label` the text contains: the share of its character pairs found in the
/// text, with a smaller part for single characters (so that a one-character party word
/// such as 站 or 村 still counts). 0.0 – 1.0.
pub(crate) fn coverage(label: &str, text: &str) -> f64 {
    if label.is_empty() || text.is_empty() {
        return 0.0;
    }
    let text_pairs = bigrams(text);
    let label_pairs = bigrams(label);
    let pair_share = if label_pairs.is_empty() {
        0.0
    } else {
        label_pairs
            .iter()
            .filter(|p| text_pairs.contains(p))
            .count() as f64
            / label_pairs.len() as f64
    };
    let mut chars: Vec<char> = label
        .chars()
        .filter(|c| is_cjk(*c) || c.is_ascii_alphanumeric())
        .collect();
    chars.dedup();
    let char_share = if chars.is_empty() {
        0.0
    } else {
        chars.iter().filter(|c| text.contains(**c)).count() as f64 / chars.len() as f64
    };
    if label_pairs.is_empty() {
        char_share
    } else {
        0.75 * pair_share + 0.25 * char_share
    }
}

/// Chinese numerals (一 … 九十九, 〇 as a year digit) as a number.
pub(crate) fn chinese_number(s: &str) -> Option<i64> {
    let value = |c: char| -> Option<i64> {
        Some(match c {
            '〇' | '零' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return None;
    }
    if !chars.contains(&'十') {
        // A digit string such as 二〇一八.
        let mut n = 0i64;
        for c in &chars {
            n = n * 10 + value(*c)?;
        }
        return Some(n);
    }
    let pos = chars.iter().position(|c| *c == '十')?;
    let tens = if pos == 0 {
        1
    } else if pos == 1 {
        value(chars[0])?
    } else {
        return None;
    };
    let ones = match chars.len() - pos - 1 {
        0 => 0,
        1 => value(chars[pos + 1])?,
        _ => return None,
    };
    Some(tens * 10 + ones)
}

/// The numeral of a heading such as 二、 or （三）.
pub(crate) fn is_chinese_numeral(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeezes_spaces_around_numbers() {
        assert_eq!(squeeze("每年 1 次，2018-2020 年"), "每年1次，2018-2020年");
        assert_eq!(squeeze("１８００ 万"), "1800万");
        assert_eq!(squeeze("PDF file"), "PDF file");
        assert_eq!(squeeze("2021—2025年"), "2021-2025年");
    }

    #[test]
    fn punctuation_and_sentences() {
        assert_eq!(cjk_punct("工作,每年;挂职"), "工作，每年；挂职");
        assert_eq!(sentences("甲。乙；丙"), vec!["甲。", "乙；", "丙"]);
    }

    #[test]
    fn numerals() {
        assert_eq!(chinese_number("二〇一八"), Some(2018));
        assert_eq!(chinese_number("二十五"), Some(25));
        assert_eq!(chinese_number("十"), Some(10));
        assert_eq!(chinese_number("九"), Some(9));
    }

    #[test]
    fn coverage_prefers_the_label_the_text_spells() {
        assert!(
            coverage("农业技能培训", "开展农业技能培训活动")
                > coverage("就业技能培训", "开展农业技能培训活动")
        );
        assert!(coverage("劳务工作站", "就业服务站") > 0.0);
    }
}
