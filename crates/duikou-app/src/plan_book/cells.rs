//! How a cell spells a TOML value, both ways: `to_cell` for the export, `from_cell` for
//! reading (a cell's text to one line of TOML). The cell syntaxes:
//!
//! - lists: names joined with 、 (or one a line);
//! - 是 / 否;
//! - labels of closed choices (镇街, 帮扶方, 结对镇街, 当年, 全市, 每个县区, 每个<单位组>),
//!   the TOML keys accepted too;
//! - 目标: `8000`; `1-2` a range; `增长10%`; per year `2018:1600；2019:1900`, a range
//!   allowed (`2020:1-3`); empty: tracked;
//! - 截止: `03-31`, or per year `2021:12-31；2022:03-31`;
//! - 条件: the body of the `where` inline table, as TOML;
//! - a text cell holding exactly `""` is the empty string (an empty cell is no value).
//!
//! Any 目标, 截止 or 范围 cell may also hold a TOML inline table (`{ … }`), written as is.

use super::labels::{Codec, KindNames, choices};

pub(super) type Why = (String, String);

// ------------------------------------------------------------------ TOML text

/// A TOML basic string.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A key, bare where TOML allows it.
pub(super) fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        quote(k)
    }
}

/// A value as TOML on one line.
pub(super) fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => quote(s),
        toml::Value::Array(a) => {
            let items: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        toml::Value::Table(t) if t.is_empty() => "{}".into(),
        toml::Value::Table(t) => format!("{{ {} }}", table_body(t)),
        other => other.to_string(),
    }
}

/// `a = 1, b = "x"`: the inside of an inline table.
pub(super) fn table_body(t: &toml::Table) -> String {
    t.iter()
        .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cell holding a TOML value (`{ min = 1 }`, `"text"`, `[1, 2]`).
pub(super) fn parse_value(text: &str) -> Result<toml::Value, Why> {
    let doc = format!("v = {text}");
    match doc.parse::<toml::Table>() {
        Ok(mut t) if t.len() == 1 => t.remove("v").ok_or_else(|| not_toml(text, "")),
        Ok(_) => Err(not_toml(text, "")),
        Err(e) => Err(not_toml(text, e.message())),
    }
}

fn not_toml(text: &str, detail: &str) -> Why {
    let detail = detail.trim();
    let (zh, en) = if detail.is_empty() {
        (String::new(), String::new())
    } else {
        (format!("：{detail}"), format!(": {detail}"))
    };
    (
        format!("「{}」不是 TOML 值（文本请加引号）{zh}", short(text)),
        format!("\"{}\" is not a TOML value (quote text){en}", short(text)),
    )
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

// ------------------------------------------------------------------ export

/// The cell text of a value, or what the column expects (zh, en).
pub(super) fn to_cell(
    codec: Codec,
    v: &toml::Value,
    kinds: &KindNames,
) -> Result<String, (&'static str, &'static str)> {
    use toml::Value as V;
    let text = |v: &V| match v {
        V::String(s) if s.is_empty() => Ok("\"\"".to_string()),
        V::String(s) => Ok(s.clone()),
        V::Integer(_) | V::Float(_) | V::Boolean(_) | V::Datetime(_) => Ok(v.to_string()),
        _ => Err(("文本", "text")),
    };
    match codec {
        Codec::Text | Codec::Long => text(v),
        Codec::Int => match v {
            V::Integer(n) => Ok(n.to_string()),
            V::String(s) => Ok(s.clone()),
            _ => Err(("整数", "a whole number")),
        },
        Codec::Date => match v {
            V::Datetime(d) => Ok(d.to_string()),
            V::String(s) => Ok(s.clone()),
            _ => Err(("日期", "a date")),
        },
        Codec::Bool => match v {
            V::Boolean(b) => Ok(if *b { "是" } else { "否" }.into()),
            V::String(s) => Ok(s.clone()),
            _ => Err(("是/否", "true or false")),
        },
        Codec::List => match v {
            V::Array(a) => {
                let mut parts = Vec::new();
                for item in a {
                    let s = match item {
                        V::String(s) => s.clone(),
                        V::Integer(_) | V::Float(_) | V::Boolean(_) => item.to_string(),
                        _ => return Err(("名称列表", "a list of names")),
                    };
                    if s.is_empty() || s.contains(['、', '\n']) {
                        return Err(("不含「、」的名称列表", "a list of names without 、"));
                    }
                    parts.push(s);
                }
                Ok(parts.join("、"))
            }
            V::String(s) => Ok(s.clone()),
            _ => Err(("名称列表", "a list of names")),
        },
        Codec::UnitKind | Codec::Side | Codec::TownRole | Codec::Period => match v {
            V::String(s) => Ok(label_of(codec, s).to_string()),
            _ => Err(("选项", "a choice")),
        },
        Codec::Kind => match v {
            V::String(s) => Ok(kinds.name_of(s).to_string()),
            _ => Err(("记录类型", "a record kind")),
        },
        Codec::Where => match v {
            V::Table(t) => Ok(table_body(t)),
            _ => Err(("条件表", "a table of conditions")),
        },
        Codec::Scope => Ok(scope_cell(v)),
        Codec::Target => Ok(target_cell(v)),
        Codec::Deadline => Ok(deadline_cell(v)),
    }
}

fn label_of(codec: Codec, key: &str) -> &str {
    choices(codec)
        .into_iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, l)| l)
}

fn scope_cell(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => label_of(Codec::Scope, s).to_string(),
        toml::Value::Table(t) if t.len() == 1 => match t.get("each") {
            Some(toml::Value::String(g)) => {
                let cell = format!("每个{g}");
                let clashes = g.trim().is_empty()
                    || g.trim() != g
                    || choices(Codec::Scope)
                        .iter()
                        .any(|(k, l)| *l == cell || *k == cell);
                if clashes { inline(v) } else { cell }
            }
            _ => inline(v),
        },
        other => inline(other),
    }
}

/// `8000`, `1-2`, `{ min = 1 }` → `1`.
fn one_target(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::Integer(n) if *n >= 0 => Some(n.to_string()),
        toml::Value::Table(t) if t.contains_key("min") => {
            if t.keys().any(|k| k != "min" && k != "max") {
                return None;
            }
            let min = t.get("min")?.as_integer().filter(|n| *n >= 0)?;
            match t.get("max") {
                None => Some(min.to_string()),
                Some(m) => Some(format!("{min}-{}", m.as_integer().filter(|n| *n >= 0)?)),
            }
        }
        _ => None,
    }
}

fn target_cell(v: &toml::Value) -> String {
    if let Some(one) = one_target(v) {
        return one;
    }
    match v {
        toml::Value::Table(t) if t.len() == 1 && t.contains_key("growth_percent") => {
            match t.get("growth_percent").and_then(toml::Value::as_integer) {
                Some(p) if p >= 0 => format!("增长{p}%"),
                _ => inline(v),
            }
        }
        toml::Value::Table(t) if !t.is_empty() && !t.contains_key("min") => {
            let mut parts = Vec::new();
            for (year, target) in t {
                match (year_key(year), one_target(target)) {
                    (true, Some(one)) => parts.push(format!("{year}:{one}")),
                    _ => return inline(v),
                }
            }
            parts.join("；")
        }
        toml::Value::String(s) => s.clone(),
        other => inline(other),
    }
}

fn deadline_cell(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) if !s.contains([':', '：', '{', '\n']) && !s.is_empty() => {
            s.clone()
        }
        toml::Value::Table(t) if !t.is_empty() => {
            let mut parts = Vec::new();
            for (year, d) in t {
                match d.as_str() {
                    Some(s)
                        if year_key(year)
                            && !s.is_empty()
                            && !s.contains([':', '：', '；', ';', '\n', '{']) =>
                    {
                        parts.push(format!("{year}:{s}"))
                    }
                    _ => return inline(v),
                }
            }
            parts.join("；")
        }
        other => inline(other),
    }
}

fn year_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit())
}

// ------------------------------------------------------------------ reading

/// One line's value of TOML from a non-empty cell.
pub(super) fn from_cell(codec: Codec, text: &str, kinds: &KindNames) -> Result<String, Why> {
    match codec {
        Codec::Text | Codec::Long if text == "\"\"" => Ok("\"\"".into()),
        Codec::Text | Codec::Long => Ok(quote(text)),
        Codec::Int => parse_int(text).map(|n| n.to_string()).ok_or_else(|| {
            (
                format!("「{}」不是整数", short(text)),
                format!("\"{}\" is not a whole number", short(text)),
            )
        }),
        Codec::Date => parse_date(text).ok_or_else(|| {
            (
                format!("「{}」不是日期（如 2018-09-25）", short(text)),
                format!("\"{}\" is not a date (e.g. 2018-09-25)", short(text)),
            )
        }),
        Codec::Bool => match text {
            "是" | "true" | "TRUE" | "True" => Ok("true".into()),
            "否" | "false" | "FALSE" | "False" => Ok("false".into()),
            _ => Err((
                format!("「{}」应为「是」或「否」", short(text)),
                format!("\"{}\" must be 是 or 否", short(text)),
            )),
        },
        Codec::List => {
            let items: Vec<String> = split_list(text).iter().map(|s| quote(s)).collect();
            Ok(format!("[{}]", items.join(", ")))
        }
        Codec::UnitKind | Codec::Side | Codec::TownRole | Codec::Period => choose(codec, text),
        Codec::Kind => Ok(quote(kinds.key_of(text))),
        Codec::Where => {
            let body = text.trim();
            let wrapped = if body.starts_with('{') && body.ends_with('}') {
                body.to_string()
            } else {
                format!("{{ {body} }}")
            };
            match parse_value(&wrapped) {
                Ok(v @ toml::Value::Table(_)) => Ok(inline(&v)),
                Ok(_) => Err(not_toml(text, "")),
                Err((_, _)) => {
                    let detail = format!("v = {wrapped}")
                        .parse::<toml::Table>()
                        .err()
                        .map(|e| e.message().trim().to_string())
                        .unwrap_or_default();
                    Err((
                        format!(
                            "条件不是 TOML（如 source = [\"省级财政\", \"市级财政\"], payee = \"$paired_county\"）：{detail}"
                        ),
                        format!(
                            "the conditions are not TOML (e.g. source = [\"省级财政\", \"市级财政\"], payee = \"$paired_county\"): {detail}"
                        ),
                    ))
                }
            }
        }
        Codec::Scope => parse_scope(text),
        Codec::Target => parse_target(text),
        Codec::Deadline => parse_deadline(text),
    }
}

/// Split a list cell on 、 and line breaks.
pub(super) fn split_list(s: &str) -> Vec<String> {
    s.split(['、', '\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_int(text: &str) -> Option<i64> {
    let t: String = text
        .chars()
        .filter(|c| *c != ',' && !c.is_whitespace())
        .collect();
    let digits = t.strip_prefix('-').unwrap_or(&t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn parse_date(text: &str) -> Option<String> {
    if let Ok(d) = text.parse::<toml::value::Datetime>() {
        return Some(d.to_string());
    }
    let d = duikou_domain::cells::parse_date(text).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        d.year(),
        u8::from(d.month()),
        d.day()
    ))
}

fn choose(codec: Codec, text: &str) -> Result<String, Why> {
    let options = choices(codec);
    if let Some((k, _)) = options.iter().find(|(k, l)| *l == text || *k == text) {
        return Ok(quote(k));
    }
    let labels: Vec<&str> = options.iter().map(|(_, l)| *l).collect();
    Err((
        format!(
            "「{}」不是可选值（可选：{}）",
            short(text),
            labels.join("、")
        ),
        format!(
            "\"{}\" is not one of the choices ({})",
            short(text),
            labels.join(", ")
        ),
    ))
}

fn parse_scope(text: &str) -> Result<String, Why> {
    if text.starts_with('{') {
        return parse_value(text).map(|v| inline(&v));
    }
    if let Some((k, _)) = choices(Codec::Scope)
        .iter()
        .find(|(k, l)| *l == text || *k == text)
    {
        return Ok(quote(k));
    }
    match text.strip_prefix("每个").map(str::trim) {
        Some(group) if !group.is_empty() => Ok(format!("{{ each = {} }}", quote(group))),
        _ => Err((
            format!(
                "「{}」不是范围（可选：全市、每个县区、每个结对镇街、每个协助镇街、每个<单位组名称>）",
                short(text)
            ),
            format!(
                "\"{}\" is not a scope (全市, 每个县区, 每个结对镇街, 每个协助镇街 or 每个<group name>)",
                short(text)
            ),
        )),
    }
}

fn bad_target(text: &str) -> Why {
    let looks_like_date = text.len() >= 10
        && text.as_bytes().get(4) == Some(&b'-')
        && text.as_bytes().get(7) == Some(&b'-');
    let (zh_hint, en_hint) = if looks_like_date {
        (
            "；Excel 把它识别成了日期，请把单元格设为文本后重填",
            "; Excel took it for a date: format the cell as text and type it again",
        )
    } else {
        ("", "")
    };
    (
        format!(
            "目标「{}」无法识别（可写 8000、1-2、增长10%，或按年度 2018:1600；2019:1900；留空为只跟踪）{zh_hint}",
            short(text)
        ),
        format!(
            "cannot read the target \"{}\" (write 8000, 1-2, 增长10%, or per year 2018:1600；2019:1900; empty: tracked){en_hint}",
            short(text)
        ),
    )
}

/// `8000` or `1-2` as TOML.
fn one_target_toml(text: &str) -> Option<String> {
    let t = text.trim();
    let number = |s: &str| -> Option<i64> {
        let s: String = s
            .chars()
            .filter(|c| *c != ',' && !c.is_whitespace())
            .collect();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if let Some(n) = number(t) {
        return Some(n.to_string());
    }
    let (min, max) = t.split_once(['-', '–', '—', '~', '～'])?;
    Some(format!(
        "{{ min = {}, max = {} }}",
        number(min)?,
        number(max)?
    ))
}

fn parse_target(text: &str) -> Result<String, Why> {
    let t = text.trim();
    if t.starts_with('{') {
        return parse_value(t).map(|v| inline(&v));
    }
    if let Some(rest) = t.strip_prefix("增长") {
        let p = rest.trim().trim_end_matches(['%', '％']).trim();
        return match p.parse::<u32>() {
            Ok(p) => Ok(format!("{{ growth_percent = {p} }}")),
            Err(_) => Err(bad_target(text)),
        };
    }
    if t.contains([':', '：']) {
        let mut parts = Vec::new();
        for part in t
            .split(['；', ';', '，', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (year, value) = part
                .split_once([':', '：'])
                .ok_or_else(|| bad_target(text))?;
            let year = year.trim().trim_end_matches('年');
            if !year_key(year) {
                return Err(bad_target(text));
            }
            let one = one_target_toml(value).ok_or_else(|| bad_target(text))?;
            parts.push(format!("{year} = {one}"));
        }
        if parts.is_empty() {
            return Err(bad_target(text));
        }
        return Ok(format!("{{ {} }}", parts.join(", ")));
    }
    one_target_toml(t).ok_or_else(|| bad_target(text))
}

fn parse_deadline(text: &str) -> Result<String, Why> {
    let t = text.trim();
    if t.starts_with('{') {
        return parse_value(t).map(|v| inline(&v));
    }
    if !t.contains([':', '：']) {
        // The plan loader checks the date itself (MM-DD).
        return Ok(quote(t));
    }
    let mut parts = Vec::new();
    for part in t
        .split(['；', ';', '，', ',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let bad = || {
            (
                format!(
                    "截止「{}」无法识别（可写 03-31，或按年度 2021:12-31；2022:03-31）",
                    short(text)
                ),
                format!(
                    "cannot read the deadline \"{}\" (write 03-31, or per year 2021:12-31；2022:03-31)",
                    short(text)
                ),
            )
        };
        let (year, md) = part.split_once([':', '：']).ok_or_else(bad)?;
        let year = year.trim().trim_end_matches('年');
        if !year_key(year) || md.trim().is_empty() {
            return Err(bad());
        }
        parts.push(format!("{year} = {}", quote(md.trim())));
    }
    Ok(format!("{{ {} }}", parts.join(", ")))
}
