//! Chinese resident identity card numbers (居民身份证号, GB 11643-1999).
//!
//! An [`IdNumber`] can only hold a number that passed every check in
//! [`IdNumber::parse`]. The number is personal data: nothing in this module
//! prints it in full. `Debug` and every error message show at most the masked
//! form (first 6 + `********` + last 4), and [`IdNumber`] deliberately has no
//! `Display` and no `Serialize`. The plain number is only reachable through
//! [`IdNumber::as_str`], which is meant for encryption / blind indexing.

use std::fmt;

use time::{Date, Month};

/// Weights of the first 17 digits in the GB 11643-1999 check digit (ISO 7064 MOD 11-2).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character indexed by the weighted sum modulo 11.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Province-level prefixes of GB/T 2260 administrative division codes.
const PROVINCE_CODES: [u8; 34] = [
    11, 12, 13, 14, 15, // 北京 天津 河北 山西 内蒙古
    21, 22, 23, // 辽宁 吉林 黑龙江
    31, 32, 33, 34, 35, 36, 37, // 上海 江苏 浙江 安徽 福建 江西 山东
    41, 42, 43, 44, 45, 46, // 河南 湖北 湖南 广东 广西 海南
    50, 51, 52, 53, 54, // 重庆 四川 贵州 云南 西藏
    61, 62, 63, 64, 65, // 陕西 甘肃 青海 宁夏 新疆
    71, // 台湾
    81, 82, // 香港 澳门
];

/// Length of a second-generation ID number, in characters.
pub const ID_NUMBER_LEN: usize = 18;

/// Why a string is not a valid resident ID number.
///
/// No variant carries the number or any part of it (not even the birth
/// date), so the error can be logged or shown freely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum IdNumberError {
    /// Nothing (or only whitespace) was given.
    #[error("the ID number is empty")]
    Empty,
    /// Not exactly 18 characters after trimming.
    #[error("the ID number must have 18 characters, but it has {len}")]
    WrongLength {
        /// Number of characters found (after trimming).
        len: usize,
    },
    /// One of the first 17 characters is not a digit 0-9.
    #[error("character {position} of the ID number must be a digit 0-9")]
    NonDigit {
        /// 1-based position of the first offending character.
        position: usize,
    },
    /// The 18th character is neither a digit nor X.
    #[error("the last character of the ID number must be a digit 0-9 or X")]
    InvalidCheckCharacter,
    /// The 18th character does not match the GB 11643 check digit.
    #[error(
        "the check digit (last character) of the ID number does not match; the number is probably mistyped"
    )]
    CheckDigitMismatch,
    /// Digits 7-14 are not a real calendar date.
    #[error("the birth date in the ID number (characters 7 to 14) is not a real calendar date")]
    InvalidBirthDate,
    /// Digits 7-14 are a date before 1900-01-01.
    #[error("the birth date in the ID number is before 1900-01-01")]
    BirthDateTooEarly,
    /// Digits 1-2 are not a GB/T 2260 province code.
    #[error("the first two digits of the ID number are not a known province code")]
    UnknownProvince,
    /// Digits 3-6 are `0000`, which designates a whole province, not a county.
    #[error(
        "the area code of the ID number (first six digits) does not designate a county or district"
    )]
    InvalidAreaCode,
}

impl IdNumberError {
    /// Plain-language message in Chinese. Never contains the number.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Empty => "身份证号为空。".to_owned(),
            Self::WrongLength { len } => {
                format!("身份证号应为 18 位，实际为 {len} 位。")
            }
            Self::NonDigit { position } => {
                format!("身份证号第 {position} 位应为数字 0-9。")
            }
            Self::InvalidCheckCharacter => "身份证号最后一位应为数字 0-9 或字母 X。".to_owned(),
            Self::CheckDigitMismatch => {
                "身份证号校验位（最后一位）不正确，号码可能输错了。".to_owned()
            }
            Self::InvalidBirthDate => {
                "身份证号中的出生日期（第 7 至 14 位）不是有效日期。".to_owned()
            }
            Self::BirthDateTooEarly => "身份证号中的出生日期早于 1900 年 1 月 1 日。".to_owned(),
            Self::UnknownProvince => "身份证号前两位不是有效的省级行政区划代码。".to_owned(),
            Self::InvalidAreaCode => "身份证号前六位不是有效的县级行政区划代码。".to_owned(),
        }
    }

    /// Plain-language message in English. Never contains the number.
    pub fn message_en(&self) -> String {
        let mut message = self.to_string();
        message.push('.');
        // Capitalise the first letter for display as a sentence.
        if let Some(first) = message.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        message
    }
}

/// A valid Chinese resident ID number (18 characters, canonical upper-case `X`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses and validates an ID number.
    ///
    /// Surrounding whitespace is trimmed and a lower-case `x` check character
    /// is accepted (and stored as `X`). Checks, in order: length 18, digits,
    /// check character, province code, area code, birth date.
    pub fn parse(input: &str) -> Result<IdNumber, IdNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(IdNumberError::Empty);
        }
        let len = trimmed.chars().count();
        if len != ID_NUMBER_LEN {
            return Err(IdNumberError::WrongLength { len });
        }
        // 18 chars; check each as a char so that non-ASCII input is safe.
        let mut bytes = [0u8; ID_NUMBER_LEN];
        for (index, ch) in trimmed.chars().enumerate() {
            if index < ID_NUMBER_LEN - 1 {
                if !ch.is_ascii_digit() {
                    return Err(IdNumberError::NonDigit {
                        position: index + 1,
                    });
                }
                bytes[index] = ch as u8;
            } else {
                bytes[index] = match ch {
                    '0'..='9' => ch as u8,
                    'x' | 'X' => b'X',
                    _ => return Err(IdNumberError::InvalidCheckCharacter),
                };
            }
        }
        let first17: &[u8; 17] = bytes[..17].try_into().expect("17 bytes");
        if check_char(first17) != bytes[17] {
            return Err(IdNumberError::CheckDigitMismatch);
        }
        validate_area_code(&bytes[..6])?;
        birth_date_from_digits(&bytes[6..14])?;
        let canonical = String::from_utf8(bytes.to_vec()).expect("ASCII digits and X");
        Ok(IdNumber(canonical))
    }

    /// The plain number. Use it only to encrypt or blind-index the number;
    /// never log or display it (use [`IdNumber::masked`] instead).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative division code (first six digits).
    pub fn area_code(&self) -> &str {
        &self.0[..6]
    }

    /// The two-digit province code (first two digits).
    pub fn province_code(&self) -> &str {
        &self.0[..2]
    }

    /// The birth date encoded in digits 7-14.
    pub fn birth_date(&self) -> Date {
        birth_date_from_digits(&self.0.as_bytes()[6..14]).expect("validated at parse time")
    }

    /// First 6 characters, 8 asterisks, last 4 characters, e.g. `530627********1234`.
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

impl std::str::FromStr for IdNumber {
    type Err = IdNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdNumber::parse(s)
    }
}

/// Masks a string that may be an ID number, for logs and error messages.
///
/// A string of 18 characters becomes first 6 + `********` + last 4; any other
/// string keeps only its first 2 characters and every other character becomes
/// `*`. The input is not trimmed or validated. Works on characters, so it
/// never panics on non-ASCII input.
pub fn mask_id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() == ID_NUMBER_LEN {
        let mut out = String::with_capacity(ID_NUMBER_LEN);
        out.extend(&chars[..6]);
        out.push_str("********");
        out.extend(&chars[14..]);
        out
    } else {
        chars
            .iter()
            .enumerate()
            .map(|(index, &ch)| if index < 2 { ch } else { '*' })
            .collect()
    }
}

/// Builds a valid ID number (for demo data and tests).
///
/// `area_code` must be six digits with a valid province prefix and not ending
/// in `0000`; `birth` must lie in years 1900..=9999; `sequence` is taken
/// modulo 1000 and zero-padded to three digits. The check digit is computed.
///
/// # Panics
///
/// Panics if the inputs cannot form a valid number (the panic message does
/// not contain the number).
pub fn make_valid(area_code: &str, birth: Date, sequence: u16) -> IdNumber {
    assert!(
        area_code.len() == 6 && area_code.bytes().all(|b| b.is_ascii_digit()),
        "make_valid: the area code must be six ASCII digits"
    );
    assert!(
        (1900..=9999).contains(&birth.year()),
        "make_valid: the birth year must be between 1900 and 9999"
    );
    let mut number = format!(
        "{area_code}{:04}{:02}{:02}{:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day(),
        sequence % 1000
    );
    let first17: &[u8; 17] = number.as_bytes().try_into().expect("17 ASCII digits");
    number.push(char::from(check_char(first17)));
    IdNumber::parse(&number).unwrap_or_else(|error| panic!("make_valid: {}", error.message_en()))
}

/// GB 11643-1999 check character for 17 ASCII digits.
fn check_char(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Validates six ASCII digits as an area code.
fn validate_area_code(digits: &[u8]) -> Result<(), IdNumberError> {
    let province = (digits[0] - b'0') * 10 + (digits[1] - b'0');
    if !PROVINCE_CODES.contains(&province) {
        return Err(IdNumberError::UnknownProvince);
    }
    if &digits[2..6] == b"0000" {
        return Err(IdNumberError::InvalidAreaCode);
    }
    Ok(())
}

/// Interprets eight ASCII digits `YYYYMMDD` as a date from 1900-01-01 on.
fn birth_date_from_digits(digits: &[u8]) -> Result<Date, IdNumberError> {
    let number = |range: std::ops::Range<usize>| {
        digits[range]
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'))
    };
    let year = number(0..4) as i32;
    let month = u8::try_from(number(4..6)).map_err(|_| IdNumberError::InvalidBirthDate)?;
    let day = u8::try_from(number(6..8)).map_err(|_| IdNumberError::InvalidBirthDate)?;
    let month = Month::try_from(month).map_err(|_| IdNumberError::InvalidBirthDate)?;
    let date =
        Date::from_calendar_date(year, month, day).map_err(|_| IdNumberError::InvalidBirthDate)?;
    if year < 1900 {
        return Err(IdNumberError::BirthDateTooEarly);
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    /// Independent, by-hand implementation of the check digit for tests.
    fn hand_check_digit(first17: &str) -> char {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = first17
            .chars()
            .zip(weights)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
    }

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", hand_check_digit(first17))
    }

    #[test]
    fn well_known_example_is_valid() {
        assert_eq!(hand_check_digit("11010519491231002"), 'X');
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.area_code(), "110105");
        assert_eq!(id.province_code(), "11");
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
    }

    #[test]
    fn lowercase_x_and_whitespace_are_accepted() {
        let id = IdNumber::parse("  11010519491231002x\n").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id, "11010519491231002X".parse().unwrap());
    }

    #[test]
    fn hand_built_numbers_are_valid() {
        for first17 in [
            "53062719800101123",
            "44030620000229001",
            "82010219991231999",
            "65010219000101000",
        ] {
            let number = with_check(first17);
            let id = IdNumber::parse(&number).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(id.as_str(), number);
        }
    }

    #[test]
    fn wrong_check_digit_is_rejected() {
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::CheckDigitMismatch)
        );
        let good = with_check("53062719800101123");
        let last = good.chars().last().unwrap();
        for c in "0123456789X".chars().filter(|&c| c != last) {
            let bad = format!("{}{c}", &good[..17]);
            assert_eq!(
                IdNumber::parse(&bad),
                Err(IdNumberError::CheckDigitMismatch)
            );
        }
    }

    #[test]
    fn wrong_length_is_rejected() {
        assert_eq!(IdNumber::parse(""), Err(IdNumberError::Empty));
        assert_eq!(IdNumber::parse("   "), Err(IdNumberError::Empty));
        assert_eq!(
            IdNumber::parse("11010519491231002"),
            Err(IdNumberError::WrongLength { len: 17 })
        );
        assert_eq!(
            IdNumber::parse("11010519491231002X0"),
            Err(IdNumberError::WrongLength { len: 19 })
        );
        // First-generation 15-digit numbers are not accepted.
        assert_eq!(
            IdNumber::parse("110105491231002"),
            Err(IdNumberError::WrongLength { len: 15 })
        );
    }

    #[test]
    fn non_digits_are_rejected() {
        assert_eq!(
            IdNumber::parse("1101051949123100XX"),
            Err(IdNumberError::NonDigit { position: 17 })
        );
        assert_eq!(
            IdNumber::parse("a1010519491231002X"),
            Err(IdNumberError::NonDigit { position: 1 })
        );
        assert_eq!(
            IdNumber::parse("11010519491231002Y"),
            Err(IdNumberError::InvalidCheckCharacter)
        );
        // Full-width digits are 18 characters but not ASCII digits.
        assert_eq!(
            IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ"),
            Err(IdNumberError::NonDigit { position: 1 })
        );
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for first17 in [
            "11010519800230123", // Feb 30
            "11010519801301123", // month 13
            "11010519800001123", // month 0
            "11010519800100123", // day 0
            "11010519800431123", // Apr 31
            "11010519000229123", // 1900 is not a leap year
            "11010520010229123", // 2001 is not a leap year
        ] {
            assert_eq!(
                IdNumber::parse(&with_check(first17)),
                Err(IdNumberError::InvalidBirthDate),
                "{first17}"
            );
        }
    }

    #[test]
    fn leap_days_in_leap_years_are_accepted() {
        let id = IdNumber::parse(&with_check("11010520000229123")).unwrap();
        assert_eq!(id.birth_date(), date!(2000 - 02 - 29));
        let id = IdNumber::parse(&with_check("11010519960229123")).unwrap();
        assert_eq!(id.birth_date(), date!(1996 - 02 - 29));
    }

    #[test]
    fn dates_before_1900_are_rejected() {
        assert_eq!(
            IdNumber::parse(&with_check("11010518991231123")),
            Err(IdNumberError::BirthDateTooEarly)
        );
        assert!(IdNumber::parse(&with_check("11010519000101123")).is_ok());
    }

    #[test]
    fn bad_area_codes_are_rejected() {
        for first17 in [
            "99010519800101123",
            "00010519800101123",
            "16010519800101123",
            "72010519800101123",
        ] {
            assert_eq!(
                IdNumber::parse(&with_check(first17)),
                Err(IdNumberError::UnknownProvince),
                "{first17}"
            );
        }
        assert_eq!(
            IdNumber::parse(&with_check("53000019800101123")),
            Err(IdNumberError::InvalidAreaCode)
        );
        // Residence permits of Hong Kong / Macao / Taiwan residents use the
        // province-level codes 810000 / 820000 / 830000; they are not resident
        // ID numbers and are rejected here.
        assert_eq!(
            IdNumber::parse(&with_check("81000019991231999")),
            Err(IdNumberError::InvalidAreaCode)
        );
    }

    #[test]
    fn masked_form() {
        let id = make_valid("530627", date!(1980 - 01 - 01), 123);
        let masked = id.masked();
        assert_eq!(masked.len(), 18);
        assert!(masked.starts_with("530627********"));
        assert_eq!(&masked[14..], &id.as_str()[14..]);
        assert_eq!(mask_id_number("530627198001011234"), "530627********1234");
        assert_eq!(mask_id_number("11010549"), "11******");
        assert_eq!(mask_id_number("1"), "1");
        assert_eq!(mask_id_number(""), "");
        assert_eq!(mask_id_number("身份证号码"), "身份***");
    }

    #[test]
    fn debug_does_not_leak_the_number() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        let debug = format!("{id:?}");
        assert!(!debug.contains("11010519491231002X"), "{debug}");
        assert!(!debug.contains("19491231"), "{debug}");
        assert!(debug.contains("110105********002X"), "{debug}");
        let pretty = format!("{:#?}", Some(id));
        assert!(!pretty.contains("19491231"), "{pretty}");
    }

    #[test]
    fn errors_do_not_leak_the_number() {
        for input in [
            "110105194912310021",
            "11010519491231002",
            "99010519491231002X",
            "1101051949123100XX",
            "11010519800230123x",
        ] {
            let error = IdNumber::parse(input).unwrap_err();
            for text in [
                error.to_string(),
                format!("{error:?}"),
                error.message_zh(),
                error.message_en(),
            ] {
                assert!(!text.contains(input), "{text}");
                assert!(!text.contains(&input[6..14]), "{text}");
                assert!(!text.is_empty());
            }
        }
    }

    #[test]
    fn messages_are_sentences() {
        let error = IdNumberError::WrongLength { len: 17 };
        assert_eq!(
            error.message_en(),
            "The ID number must have 18 characters, but it has 17."
        );
        assert_eq!(error.message_zh(), "身份证号应为 18 位，实际为 17 位。");
    }

    #[test]
    fn make_valid_round_trips() {
        let id = make_valid("110105", date!(1949 - 12 - 31), 2);
        assert_eq!(id.as_str(), "11010519491231002X");
        let id = make_valid("440306", date!(2000 - 02 - 29), 12_345);
        assert_eq!(&id.as_str()[14..17], "345");
        let reparsed = IdNumber::parse(id.as_str()).unwrap();
        assert_eq!(reparsed, id);
        assert_eq!(reparsed.area_code(), "440306");
        assert_eq!(reparsed.birth_date(), date!(2000 - 02 - 29));
    }

    #[test]
    #[should_panic(expected = "make_valid")]
    fn make_valid_rejects_bad_area_code() {
        make_valid("990105", date!(1980 - 01 - 01), 1);
    }

    fn valid_parts() -> impl Strategy<Value = (String, Date, u16)> {
        let area = (
            proptest::sample::select(PROVINCE_CODES.to_vec()),
            1u32..10_000,
        )
            .prop_map(|(province, rest)| format!("{province:02}{rest:04}"));
        let first = date!(1900 - 01 - 01).to_julian_day();
        let last = date!(2099 - 12 - 31).to_julian_day();
        let birth = (first..=last).prop_map(|day| Date::from_julian_day(day).unwrap());
        (area, birth, any::<u16>())
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_18_chars(s in "\\PC{18}") {
            let _ = IdNumber::parse(&s);
            let _ = mask_id_number(&s);
        }

        #[test]
        fn parse_never_panics_on_digit_like_strings(s in "[0-9xX ]{0,20}") {
            let _ = IdNumber::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_any_string(s in any::<String>()) {
            let _ = IdNumber::parse(&s);
            let _ = mask_id_number(&s);
        }

        #[test]
        fn generated_numbers_are_valid((area, birth, sequence) in valid_parts()) {
            let id = make_valid(&area, birth, sequence);
            let parsed = IdNumber::parse(id.as_str()).unwrap();
            prop_assert_eq!(parsed.area_code(), area.as_str());
            prop_assert_eq!(parsed.birth_date(), birth);
            prop_assert_eq!(
                hand_check_digit(&id.as_str()[..17]),
                id.as_str().chars().last().unwrap()
            );
            prop_assert_eq!(&parsed, &id);
            let lower = id.as_str().to_ascii_lowercase();
            prop_assert_eq!(IdNumber::parse(&lower).unwrap(), id);
        }

        #[test]
        fn single_digit_change_is_detected((area, birth, sequence) in valid_parts(), pos in 0usize..18, delta in 1u32..10) {
            // MOD 11-2 detects every single-character substitution.
            let id = make_valid(&area, birth, sequence);
            let mut chars: Vec<char> = id.as_str().chars().collect();
            let old = chars[pos];
            chars[pos] = if pos == 17 {
                let options: Vec<char> = "0123456789X".chars().filter(|&c| c != old).collect();
                options[(delta as usize) % options.len()]
            } else {
                char::from_digit((old.to_digit(10).unwrap() + delta) % 10, 10).unwrap()
            };
            let changed: String = chars.into_iter().collect();
            prop_assert!(IdNumber::parse(&changed).is_err());
        }
    }
}
