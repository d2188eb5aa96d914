//! Limits on what one record may hold, checked by validation so that every entry path
//! (form, API, web and command-line import) gets them: the length of text fields, ID
//! numbers outside their column, the size of amounts and the range of dates.

use time::{Date, Month};

use crate::id_number::{ID_NUMBER_LEN, IdNumber, mask_id_number};

/// The longest text field (a name, a purpose, a voucher number), in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// The longest note (备注), in characters.
pub const MAX_NOTES_CHARS: usize = 10_000;
/// The largest amount: 10¹² yuan, in fen. Far above any programme's total, far below
/// where sums of millions of records could overflow an i64.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000 * 100;
/// The earliest and latest date a record may carry.
pub const MIN_DATE: Date = match Date::from_calendar_date(1990, Month::January, 1) {
    Ok(d) => d,
    Err(_) => panic!("valid date"),
};
pub const MAX_DATE: Date = match Date::from_calendar_date(2099, Month::December, 31) {
    Ok(d) => d,
    Err(_) => panic!("valid date"),
};

/// The most characters a text field takes.
pub fn max_chars(field_key: &str) -> usize {
    if field_key == "notes" {
        MAX_NOTES_CHARS
    } else {
        MAX_TEXT_CHARS
    }
}

/// (zh, en) when `text` is longer than the field allows.
pub fn check_length(field_key: &str, field_zh: &str, text: &str) -> Option<(String, String)> {
    let max = max_chars(field_key);
    // Counting stops just past the limit: a 5 MB value costs no more than a short one.
    let n = text.chars().take(max + 1).count();
    (n > max).then(|| {
        (
            format!("「{field_zh}」最多 {max} 个字符"),
            format!("{field_key} takes at most {max} characters"),
        )
    })
}

/// The message for a valid ID number found outside the ID number column.
pub fn id_number_in_text_message() -> (&'static str, &'static str) {
    (
        "身份证号只能填在身份证号列",
        "ID numbers go in the ID number column only",
    )
}

/// Whether free text holds a valid 18-character resident ID number (check digit,
/// province, area and birth date all valid) that is not part of a longer run of
/// digits, so long account numbers are not mistaken for one. For every
/// text that is not the ID number column: record fields, notes, review reasons.
pub fn contains_id_number(text: &str) -> bool {
    id_number_spans(text).next().is_some()
}

/// `text` with every valid ID number in it masked (`530627********1234`), for echoing
/// a refused value back.
pub fn mask_id_numbers_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in id_number_spans(text) {
        out.push_str(&text[at..start]);
        out.push_str(&mask_id_number(&text[start..end]));
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Byte ranges of the valid ID numbers in `text`.
fn id_number_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            // A maximal run of digits, with an X (or x) closing it.
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let mut end = i;
            if end - start == ID_NUMBER_LEN - 1 && matches!(bytes.get(end), Some(b'X' | b'x')) {
                end += 1;
                i = end;
            }
            if end - start == ID_NUMBER_LEN && IdNumber::parse(&text[start..end]).is_ok() {
                return Some((start, end));
            }
        }
        None
    })
}

/// The most characters of a refused value echoed in its message.
pub const ECHOED_CHARS: usize = 100;

/// A refused value as its message shows it: ID numbers masked, at most
/// [`ECHOED_CHARS`] characters (a 5 MB value is not sent back whole).
pub fn echoed(value: &str) -> String {
    let head: String = value.chars().take(ECHOED_CHARS + 1).collect();
    let head = if head.chars().count() > ECHOED_CHARS {
        let mut h: String = head.chars().take(ECHOED_CHARS).collect();
        h.push('…');
        h
    } else {
        head
    };
    mask_id_numbers_in(&head)
}

/// (zh, en) when an amount in fen is beyond [`MAX_AMOUNT_FEN`] either way.
pub fn check_amount(fen: i64) -> Option<(String, String)> {
    (fen.unsigned_abs() > MAX_AMOUNT_FEN as u64).then(|| {
        (
            "金额超出上限（不超过 1,000,000,000,000 元）".to_string(),
            "the amount is too large (at most 1,000,000,000,000 yuan)".to_string(),
        )
    })
}

/// (zh, en) when a date is outside [`MIN_DATE`]..=[`MAX_DATE`].
pub fn check_date(d: Date) -> Option<(String, String)> {
    (d < MIN_DATE || d > MAX_DATE).then(|| {
        (
            "日期应在 1990-01-01 至 2099-12-31 之间".to_string(),
            "the date must be between 1990-01-01 and 2099-12-31".to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_number::make_valid;

    fn valid_id() -> String {
        let birth = Date::from_calendar_date(1985, Month::May, 17).unwrap();
        make_valid("530627", birth, 123).as_str().to_string()
    }

    #[test]
    fn id_numbers_are_found_in_free_text_and_masked() {
        let id = valid_id();
        for text in [
            id.clone(),
            format!("联系人张三，身份证{id}，电话"),
            format!("id:{id}."),
            format!("{id} "),
            format!("PZ{id}"),
        ] {
            assert!(contains_id_number(&text), "{text}");
            let masked = mask_id_numbers_in(&text);
            assert!(!masked.contains(&id), "{masked}");
            assert!(masked.contains(&mask_id_number(&id)), "{masked}");
        }
        let lower = format!("{}x", &id[..17]);
        if id.ends_with('X') {
            assert!(contains_id_number(&lower));
        }
    }

    #[test]
    fn other_digit_runs_are_not_id_numbers() {
        let id = valid_id();
        let mut wrong_check = id.clone().into_bytes();
        wrong_check[17] = if wrong_check[17] == b'0' { b'1' } else { b'0' };
        let wrong_check = String::from_utf8(wrong_check).unwrap();
        for text in [
            format!("1{id}"), // part of a longer account number
            format!("{id}7"),
            wrong_check, // the check digit does not match
            "123456789012345678".into(),
            "2019-03-15 拨付 8000000 元".into(),
            String::new(),
        ] {
            assert!(!contains_id_number(&text), "{text}");
            assert_eq!(mask_id_numbers_in(&text), text);
        }
    }

    #[test]
    fn lengths_amounts_and_dates_have_limits() {
        assert!(check_length("purpose", "用途", &"字".repeat(MAX_TEXT_CHARS)).is_none());
        let (zh, en) = check_length("purpose", "用途", &"字".repeat(MAX_TEXT_CHARS + 1)).unwrap();
        assert!(zh.contains("2000") && en.contains("purpose"), "{zh} {en}");
        assert!(check_length("notes", "备注", &"a".repeat(MAX_NOTES_CHARS)).is_none());
        assert!(check_length("notes", "备注", &"a".repeat(MAX_NOTES_CHARS + 1)).is_some());

        assert!(check_amount(MAX_AMOUNT_FEN).is_none());
        assert!(check_amount(-MAX_AMOUNT_FEN).is_none());
        assert!(check_amount(MAX_AMOUNT_FEN + 1).is_some());
        assert!(check_amount(i64::MAX).is_some());
        assert!(check_amount(i64::MIN).is_some());

        assert!(check_date(MIN_DATE).is_none() && check_date(MAX_DATE).is_none());
        let (zh, en) = check_date(MIN_DATE.previous_day().unwrap()).unwrap();
        assert!(zh.contains("1990-01-01") && en.contains("2099-12-31"));
        assert!(check_date(MAX_DATE.next_day().unwrap()).is_some());
    }
}
