//! Cross-checks of a record's ID number against the plan's area codes (行政区划代码,
//! GB/T 2260: the first six digits of an ID number are the area that issued it).
//!
//! - **户籍县区 against the ID number** (an error: the row is refused). A person's home
//!   county names a unit whose `code` the plan knows; the ID's area code must not name
//!   another area the plan knows (another county, or a city that does not hold the
//!   county). A code the plan does not know — a county it does not list, an old code —
//!   cannot be checked and is let through.
//! - **ID numbers from outside the assisted side** (a warning, shown in the import preview
//!   and the batch summary): for the kinds the plan lists in `[plan] west_persons`, an
//!   ID whose area no unit of the assisted side covers (its counties by their codes, its
//!   city by the city's four-digit prefix). A plan whose assisted side has no codes
//!   cannot be checked.
//!
//! Both work on the six-digit area code only, so they run on a plain number being
//! imported and on a stored record's masked number (`530627********1234`) alike.

use duikou_domain::plan::{Plan, Side, Unit};
use duikou_domain::schema::{BuiltinKind, FieldType, RecordKind};

/// Whether a problem refuses the row or only asks a reviewer to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One cross-check finding about a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Flag {
    pub severity: Severity,
    /// The field it is about (its column in a file).
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

/// The field holding a person's home county, checked against the ID's area code: the
/// built-in person kind's 户籍县区 (the field `validate` derives from the ID when absent).
pub fn hukou_field(kind: RecordKind) -> Option<&'static str> {
    kind.is(BuiltinKind::Person)
        .then_some("hukou_county")
        .filter(|f| kind.field(f).is_some())
}

/// The kind's ID-number field (the one a record's protected number comes from).
pub fn id_field(kind: RecordKind) -> Option<&'static str> {
    kind.fields()
        .iter()
        .find(|f| f.ty == FieldType::IdNumber)
        .map(|f| f.key)
}

/// The six-digit area code of a plain or masked ID number, if it has one.
pub fn area_code(id: &str) -> Option<&str> {
    let a = id.get(..6)?;
    a.bytes().all(|b| b.is_ascii_digit()).then_some(a)
}

fn is_code(c: &str) -> bool {
    c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())
}

/// Whether the area `unit_code` (a county, a city XXYY00, a province XX0000) holds `code`.
pub(crate) fn covers(unit_code: &str, code: &str) -> bool {
    if !is_code(unit_code) || !is_code(code) {
        return false;
    }
    if unit_code == code {
        return true;
    }
    if unit_code.ends_with("0000") {
        unit_code[..2] == code[..2]
    } else if unit_code.ends_with("00") {
        unit_code[..4] == code[..4]
    } else {
        false
    }
}

/// The plan's most specific unit covering `code`: one with that code, else a city whose
/// four-digit prefix it has, else a province.
fn known_area<'p>(plan: &'p Plan, code: &str) -> Option<&'p Unit> {
    let with_code = |u: &&Unit| u.code.as_deref().is_some_and(is_code);
    let exact = plan
        .units
        .iter()
        .filter(with_code)
        .find(|u| u.code.as_deref() == Some(code));
    exact
        .or_else(|| {
            plan.units.iter().filter(with_code).find(|u| {
                let c = u.code.as_deref().unwrap_or_default();
                !c.ends_with("0000") && c.ends_with("00") && covers(c, code)
            })
        })
        .or_else(|| {
            plan.units.iter().filter(with_code).find(|u| {
                let c = u.code.as_deref().unwrap_or_default();
                c.ends_with("0000") && covers(c, code)
            })
        })
}

/// 户籍县区 against the ID's area code: `Some` when they contradict each other.
pub fn hukou_contradiction(plan: &Plan, area: &str, hukou: &str) -> Option<Flag> {
    let home = plan.unit(hukou)?;
    let home_code = home.code.as_deref().filter(|c| is_code(c))?;
    if !is_code(area) || area == home_code {
        return None;
    }
    let issued = known_area(plan, area)?;
    let issued_code = issued.code.as_deref().unwrap_or_default();
    // A city (or province) that holds the home county: an area inside it the plan does
    // not list (a county it leaves out, an older code) cannot be told apart.
    if issued_code != area && covers(issued_code, home_code) {
        return None;
    }
    Some(Flag {
        severity: Severity::Error,
        field: "hukou_county",
        zh: format!(
            "户籍县区「{hukou}」（{home_code}）与身份证号的地区码 {area}（{}）不符，请核对户籍县区或身份证号",
            issued.name
        ),
        en: format!(
            "the home county {hukou} ({home_code}) contradicts the ID number's area code {area} ({}); check the county or the ID number",
            issued.name
        ),
    })
}

/// An ID from outside the assisted side, for a kind the plan says lists its people.
pub fn outside_west(plan: &Plan, kind: RecordKind, area: &str) -> Option<Flag> {
    if !plan.meta.lists_west_persons(kind.key()) || !is_code(area) {
        return None;
    }
    let west: Vec<&str> = plan
        .units
        .iter()
        .filter(|u| u.side == Side::West)
        .filter_map(|u| u.code.as_deref())
        .filter(|c| is_code(c))
        .collect();
    if west.is_empty() || west.iter().any(|c| covers(c, area)) {
        return None;
    }
    let field = id_field(kind)?;
    let place = known_area(plan, area).map(|u| u.name.as_str());
    let (zh_place, en_place) = match place {
        Some(p) => (format!("（{p}）"), format!(" ({p})")),
        None => (String::new(), String::new()),
    };
    let west_name = &plan.meta.west;
    Some(Flag {
        severity: Severity::Warning,
        field,
        zh: format!(
            "身份证号的地区码 {area}{zh_place}不在受帮扶地区（{west_name}）：请核实此人是否{west_name}籍"
        ),
        en: format!(
            "the ID number's area code {area}{en_place} is outside the assisted side ({west_name}): check that this person is from there"
        ),
    })
}

/// Every finding about one record: `area` is its ID's area code, `hukou` its home
/// county (when the kind has one and it is filled in). A contradiction makes the other
/// checks moot.
pub fn check(plan: &Plan, kind: RecordKind, area: &str, hukou: Option<&str>) -> Vec<Flag> {
    if let Some(f) = hukou
        .filter(|_| hukou_field(kind).is_some())
        .and_then(|h| hukou_contradiction(plan, area, h))
    {
        return vec![f];
    }
    outside_west(plan, kind, area).into_iter().collect()
}

/// The findings about a stored record (its masked ID keeps the area code).
pub fn check_stored(plan: &Plan, r: &duikou_storage::records::StoredRecord) -> Vec<Flag> {
    let Some(area) = r.id_masked.as_deref().and_then(area_code) else {
        return Vec::new();
    };
    let hukou = hukou_field(r.kind)
        .and_then(|f| r.fields.get(f))
        .and_then(|v| v.units().first().cloned());
    check(plan, r.kind, area, hukou.as_deref())
}
