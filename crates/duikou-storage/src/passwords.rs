//! The password policy: one check for every way a password is chosen (the change-password
//! page, `POST /api/v1/me/password`, `duikou user password`). Length alone let
//! `aaaaaaaaaaaa` through; the zxcvbn estimator (Dropbox's, maintained as a crate) counts
//! the guesses an attacker with dictionaries, keyboard patterns and repeats would need.

use zxcvbn::Score;
use zxcvbn::feedback::Warning;

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 200;
/// Score 3 is about 10^10 guesses: out of reach of an online attacker held back by the
/// lockout, and costly offline against argon2id.
const MIN_SCORE: Score = Score::Three;
/// Characters the estimator looks at.
const ESTIMATED_CHARS: usize = 64;

/// Why a new password is refused, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakPassword {
    pub zh: String,
    pub en: String,
}

impl WeakPassword {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        WeakPassword {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for WeakPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}

/// Check a password a user chooses. `current` (when known) must not be reused; the
/// user name is given to the estimator, so `清溪镇清溪镇` style passwords count as guessable.
pub fn check_new_password(
    password: &str,
    username: &str,
    current: Option<&str>,
) -> Result<(), WeakPassword> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(WeakPassword::new(
            format!("新密码至少 {MIN_PASSWORD_CHARS} 个字符"),
            format!("The new password must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(WeakPassword::new(
            format!("新密码不能超过 {MAX_PASSWORD_CHARS} 个字符"),
            format!("The new password must be at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if current == Some(password) {
        return Err(WeakPassword::new(
            "新密码不能与当前密码相同",
            "The new password must differ from the current one",
        ));
    }
    // The estimator's cost grows fast with length (about half a second for 200 varied
    // characters in a debug build); guesses for a prefix are a lower bound for the whole.
    let prefix: String = password.chars().take(ESTIMATED_CHARS).collect();
    let estimate = zxcvbn::zxcvbn(&prefix, &[username]);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    let warning = estimate.feedback().and_then(|f| f.warning());
    let (why_zh, why_en) = match warning {
        Some(w) => (warning_zh(w), format!(" {w}")),
        None => ("", String::new()),
    };
    Err(WeakPassword::new(
        format!(
            "新密码太容易被猜中{why_zh}。请用几个不相关的词或一句话（可加数字），避免重复字符、连续序列、日期和用户名"
        ),
        format!(
            "The new password is too easy to guess.{why_en} Use a few unrelated words or a phrase (digits welcome); avoid repeats, sequences, dates and your user name"
        ),
    ))
}

fn warning_zh(w: Warning) -> &'static str {
    match w {
        Warning::StraightRowsOfKeysAreEasyToGuess
        | Warning::ShortKeyboardPatternsAreEasyToGuess => "（键盘上相邻的按键）",
        Warning::RepeatsLikeAaaAreEasyToGuess
        | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => "（重复的字符或片段）",
        Warning::ThisIsATop10Password
        | Warning::ThisIsATop100Password
        | Warning::ThisIsACommonPassword
        | Warning::ThisIsSimilarToACommonlyUsedPassword => "（常用密码）",
        Warning::SequencesLikeAbcAreEasyToGuess => "（连续序列，如 abc、6543）",
        Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess => "（年份或日期）",
        Warning::AWordByItselfIsEasyToGuess
        | Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
        | Warning::CommonNamesAndSurnamesAreEasyToGuess => "（单个词或姓名）",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let e = check_new_password("aaaaaaaaaaaa", "清溪镇", None).unwrap_err();
        assert!(
            e.zh.contains("太容易被猜中") && e.zh.contains("重复"),
            "{e}"
        );
        assert!(
            e.en.contains("too easy to guess") && e.en.contains("Repeats"),
            "{e}"
        );
        for weak in ["password1234", "1234567890", "qwertyuiop", "20192019201"] {
            assert!(check_new_password(weak, "x", None).is_err(), "{weak}");
        }
        assert!(check_new_password("清溪镇清溪镇清溪镇清溪镇", "清溪镇", None).is_err());
        assert!(
            check_new_password("short", "x", None)
                .unwrap_err()
                .en
                .contains("at least 10")
        );
        let strong = "kettle-orbit-Nanjing-47";
        assert_eq!(check_new_password(strong, "清溪镇", None), Ok(()));
        assert!(check_new_password(strong, "清溪镇", Some(strong)).is_err());
        assert!(check_new_password(&crate::users::generate_password(), "x", None).is_ok());
    }
}
