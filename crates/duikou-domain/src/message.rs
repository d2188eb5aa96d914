//! A text for people, in both languages of the interface, carried whole from where it
//! is written to where it is shown: never joined into one string and split again.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub zh: String,
    pub en: String,
}

impl Message {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Message {
        Message {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// A text that already speaks both languages (a library's error, or one written as
    /// "中文 / English"): shown as it is in either.
    pub fn bilingual(text: impl Into<String>) -> Message {
        let text = text.into();
        Message {
            zh: text.clone(),
            en: text,
        }
    }

    pub fn in_english(&self, english: bool) -> &str {
        if english { &self.en } else { &self.zh }
    }
}

/// "中文 / English", as the command line prints every message; a text that speaks both
/// languages already is printed once.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.zh == self.en {
            f.write_str(&self.zh)
        } else {
            write!(f, "{} / {}", self.zh, self.en)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_are_kept_apart_and_printed_together() {
        let m = Message::new(
            "计划中没有单位「东坑镇」",
            "no unit named \"东坑镇\" in the plan",
        );
        assert_eq!(m.in_english(false), "计划中没有单位「东坑镇」");
        assert_eq!(m.in_english(true), "no unit named \"东坑镇\" in the plan");
        assert_eq!(
            m.to_string(),
            "计划中没有单位「东坑镇」 / no unit named \"东坑镇\" in the plan"
        );
        // A slash inside either text is not a boundary: nothing is split.
        let m = Message::new("金额 / 万元", "amount / 10k yuan");
        assert_eq!(m.in_english(true), "amount / 10k yuan");
        let b = Message::bilingual("数据库错误 / database error: gone");
        assert_eq!(b.to_string(), "数据库错误 / database error: gone");
        assert_eq!(b.in_english(true), b.in_english(false));
    }
}
