//! Guards for everything written from user data into a file someone else opens.
//!
//! - Formula injection: a spreadsheet program reads a cell starting with `=`, `+`, `-`
//!   or `@` (and, in CSV, a tab or carriage return before them) as a formula. In .xlsx we
//!   always write user text as a string cell and, for such values, with Excel's "quote
//!   prefix" style so that editing the cell keeps it text; the stored text is unchanged.
//!   In CSV there is no cell type, so such a value gets a leading apostrophe.
//! - HTML: text is escaped.
//! - Formulas we build ourselves (HYPERLINK) quote user text as a string literal.
//! - Paths inside a zip: no separators, no parent references, no control characters.

use std::borrow::Cow;

use rust_xlsxwriter::{ColNum, Format, RowNum, Worksheet, XlsxError};

/// Would a spreadsheet program take this text for a formula?
pub fn looks_like_formula(s: &str) -> bool {
    matches!(
        s.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠')
    )
}

/// A CSV field made safe: a value that looks like a formula gets a leading apostrophe.
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if looks_like_formula(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Write user text into a cell as text, never as a formula.
pub fn write_text(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    s: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if looks_like_formula(s) {
        let guarded = format.clone().set_quote_prefix();
        ws.write_string_with_format(row, col, s, &guarded)?;
    } else {
        ws.write_string_with_format(row, col, s, format)?;
    }
    Ok(())
}

/// Text for an HTML page.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A string literal inside a formula we build: `"..."` with quotes doubled and line
/// breaks removed.
pub fn formula_string(s: &str) -> String {
    let cleaned: String = s.chars().filter(|c| !c.is_control()).collect();
    format!("\"{}\"", cleaned.replace('"', "\"\""))
}

/// One component of a path inside a zip (a folder or a file name): no separators, no
/// `..`, no characters Windows refuses, at most `max_chars` characters (the extension
/// is kept when shortening).
pub fn path_component(s: &str, max_chars: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    out = out.trim().trim_matches('.').trim().to_string();
    if out.is_empty() {
        out = "_".into();
    }
    if out.chars().count() > max_chars {
        let (stem, ext) = match out.rfind('.') {
            Some(i) if out.len() - i <= 10 && i > 0 => (out[..i].to_string(), out[i..].to_string()),
            _ => (out.clone(), String::new()),
        };
        let keep = max_chars.saturating_sub(ext.chars().count()).max(1);
        out = stem.chars().take(keep).collect::<String>() + &ext;
    }
    out
}

/// A worksheet name: at most 31 characters, none of `[]:*?/\`, not starting or ending
/// with an apostrophe.
pub fn sheet_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'').trim().to_string();
    if cleaned.is_empty() {
        "Sheet".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_values() {
        for s in ["=1+1", "+1", "-2", "@SUM(A1)", "\t=x", "\r=x", "＝1"] {
            assert!(looks_like_formula(s), "{s}");
            assert!(csv_field(s).starts_with('\''), "{s}");
        }
        for s in ["", "清溪镇", "1-2", "a=b", "2019-06-30"] {
            assert!(!looks_like_formula(s), "{s}");
            assert_eq!(csv_field(s), s);
        }
    }

    #[test]
    fn html_and_formula_literals() {
        assert_eq!(
            html("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(formula_string("a\"b\nc"), "\"a\"\"bc\"");
    }

    #[test]
    fn zip_path_components() {
        assert_eq!(path_component("../../etc/passwd", 80), "_.._etc_passwd");
        assert_eq!(path_component("..", 80), "_");
        assert_eq!(path_component("a:b*c?.pdf", 80), "a_b_c_.pdf");
        assert_eq!(
            path_component("很长的文件名很长的文件名.pdf", 8),
            "很长的文.pdf"
        );
        assert!(!path_component("x/y\\z", 80).contains(['/', '\\']));
    }

    #[test]
    fn sheet_names() {
        assert_eq!(
            sheet_name("一、产业合作[帮扶]/行动"),
            "一、产业合作_帮扶__行动"
        );
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
    }
}
