//! A kind's list as people ask for it — on its page, from the API, or as the export of
//! what the page shows: which records (year, reporting unit, status, text, every field
//! naming a unit, an ID number) in which order (`sort=FIELD`, `sort=-FIELD`). One
//! reading of the request for all three, so an export holds exactly the rows of the
//! list it was asked from.
//!
//! The filters by unit are the kind's own: one per field of type `unit` or `units` in
//! the plan (a transfer's 接收单位, a person's 户籍县区, a project's 实施县区), named by
//! the field's key (`?payee=镇雄县`). The columns to sort by are the record's own
//! (`id`, `reporting_unit`, `plan_year`, `status`, `evidence_count`, `updated_at`) and
//! every field but the ID number.

use duikou_domain::id_number::{IdNumber, mask_id_number};
use duikou_domain::record::{FieldError, Status};
use duikou_domain::roles::Actor;
use duikou_domain::schema::{FieldDesc, FieldType, RecordKind};
use duikou_storage::records::{Compare, RecordQuery, RecordSort, SortColumn, UnitFieldFilter};

use crate::service::{ServiceError, ServiceResult, Services};

/// The list's own parameters; a unit field with one of these keys is not offered as a
/// filter of its own (the reporting unit's `unit` is such a field's usual meaning).
pub const PARAMS: [&str; 8] = [
    "year",
    "unit",
    "status",
    "q",
    "sort",
    "id_number",
    "page",
    "per_page",
];

/// The longest search text, sort key or unit name read.
const MAX_TEXT: usize = 100;

/// A list as asked for: every part as typed (trimmed), empty when not given. Paging is
/// the caller's: a page offers its sizes, the API its own limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListAsk {
    pub year: String,
    /// The reporting unit.
    pub unit: String,
    pub status: String,
    pub q: String,
    pub sort: String,
    pub id_number: String,
    /// (field key, unit) for the kind's unit fields, in the kind's field order.
    pub unit_fields: Vec<(String, String)>,
}

fn clip(s: &str) -> String {
    s.trim().chars().take(MAX_TEXT).collect()
}

/// A value as an error may repeat it: clipped, and masked if it holds an ID number or
/// anything like one (a run of 15 digits or more: a mistyped number is nearly someone's).
fn shown(s: &str) -> String {
    let s = clip(s);
    let mut run = 0;
    let long_digits = s.chars().any(|c| {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        run >= 15
    });
    if long_digits || duikou_domain::limits::contains_id_number(&s) {
        mask_id_number(&s)
    } else {
        s
    }
}

impl ListAsk {
    /// The list's parameters and the kind's unit fields from a query string's pairs
    /// (the first of each name wins), and the names of any other pairs: the API
    /// refuses those, a page ignores them.
    pub fn from_pairs(kind: RecordKind, pairs: &[(String, String)]) -> (ListAsk, Vec<String>) {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| clip(v))
                .unwrap_or_default()
        };
        let fields = unit_filter_fields(kind);
        let ask = ListAsk {
            year: get("year"),
            unit: get("unit"),
            status: get("status"),
            q: get("q"),
            sort: get("sort"),
            id_number: get("id_number"),
            unit_fields: fields
                .iter()
                .map(|f| (f.key.to_string(), get(f.key)))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        };
        let mut unknown: Vec<String> = pairs
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !PARAMS.contains(&k.as_str()) && !fields.iter().any(|f| f.key == *k))
            .cloned()
            .collect();
        unknown.dedup();
        (ask, unknown)
    }

    /// The unit asked for in a field, if any.
    pub fn unit_field(&self, key: &str) -> Option<&str> {
        self.unit_fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Anything narrowing the list (the order aside).
    pub fn is_filtered(&self) -> bool {
        [
            &self.year,
            &self.unit,
            &self.status,
            &self.q,
            &self.id_number,
        ]
        .iter()
        .any(|s| !s.is_empty())
            || !self.unit_fields.is_empty()
    }

    /// The ask as query pairs (empty parts left out), for links and hidden fields.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut push = |k: &str, v: &str| {
            if !v.is_empty() {
                out.push((k.to_string(), v.to_string()));
            }
        };
        push("year", &self.year);
        push("unit", &self.unit);
        for (k, v) in &self.unit_fields {
            push(k, v);
        }
        push("status", &self.status);
        push("q", &self.q);
        push("id_number", &self.id_number);
        push("sort", &self.sort);
        out
    }
}

/// The fields a kind's list can be filtered by unit: every field naming units whose key
/// is not one of the list's own parameters.
pub fn unit_filter_fields(kind: RecordKind) -> Vec<&'static FieldDesc> {
    kind.unit_fields()
        .filter(|f| !PARAMS.contains(&f.key))
        .collect()
}

/// The columns every record has, as `sort=` names them.
const RECORD_COLUMNS: [(&str, SortColumn); 6] = [
    ("id", SortColumn::Id),
    ("reporting_unit", SortColumn::ReportingUnit),
    ("plan_year", SortColumn::PlanYear),
    ("status", SortColumn::Status),
    ("evidence_count", SortColumn::EvidenceCount),
    ("updated_at", SortColumn::UpdatedAt),
];

/// What a kind's list can be sorted by, as `sort=` names it: the record's own columns,
/// then every field but the ID number.
pub fn sort_columns(kind: RecordKind) -> Vec<(&'static str, SortColumn)> {
    let mut out: Vec<(&'static str, SortColumn)> = RECORD_COLUMNS.to_vec();
    for f in kind.fields() {
        if out.iter().any(|(k, _)| *k == f.key) {
            continue;
        }
        if let Some(compare) = Compare::of(&f.ty) {
            out.push((
                f.key,
                SortColumn::Field {
                    key: f.key,
                    compare,
                },
            ));
        }
    }
    out
}

/// `amount` ascending, `-amount` descending; an unknown column is named with the
/// columns there are.
pub fn parse_sort(kind: RecordKind, text: &str) -> Result<Option<RecordSort>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (descending, key) = match text.strip_prefix('-') {
        Some(k) => (true, k.trim()),
        None => (false, text.strip_prefix('+').unwrap_or(text).trim()),
    };
    let columns = sort_columns(kind);
    match columns.iter().find(|(k, _)| *k == key) {
        Some((_, column)) => Ok(Some(RecordSort {
            column: *column,
            descending,
        })),
        None => {
            let known = columns
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ");
            let key = shown(key);
            Err(FieldError {
                field: "sort".into(),
                field_zh: "排序".into(),
                value: shown(text),
                zh: format!(
                    "{}没有可排序的列「{key}」；可用：{known}（前加 - 为降序）",
                    kind.label_zh()
                ),
                en: format!(
                    "{} has no column \"{key}\" to sort by; one of: {known} (with a leading - for descending)",
                    kind.key()
                ),
            })
        }
    }
}

/// How `sort=` writes a sort back.
pub fn sort_text(kind: RecordKind, sort: RecordSort) -> String {
    let key = sort_columns(kind)
        .into_iter()
        .find(|(_, c)| *c == sort.column)
        .map_or("id", |(k, _)| k);
    if sort.descending {
        format!("-{key}")
    } else {
        key.to_string()
    }
}

/// Whether the kind's records carry an ID number to look them up by.
pub fn has_id_number(kind: RecordKind) -> bool {
    kind.fields().iter().any(|f| f.ty == FieldType::IdNumber)
}

fn invalid(field: &str, field_zh: &str, value: &str, zh: String, en: String) -> FieldError {
    FieldError {
        field: field.into(),
        field_zh: field_zh.into(),
        value: shown(value),
        zh,
        en,
    }
}

impl Services {
    /// The plan's unit by a name, an alias or a code, as a filter names it.
    fn unit_named(&self, field: &str, field_zh: &str, text: &str) -> Result<String, FieldError> {
        self.plan
            .resolve_unit(text)
            .map(|u| u.name.clone())
            .ok_or_else(|| {
                let t = shown(text);
                invalid(
                    field,
                    field_zh,
                    text,
                    format!("计划中没有单位「{t}」"),
                    format!("no unit named \"{t}\" in the plan"),
                )
            })
    }

    /// The query of a kind's list as asked for: every part checked, each bad one named
    /// (422); an ID number only from a role that may search by it (403), matched by its
    /// blind index and never kept in the query. Newest first unless sorted. The role's
    /// scope is applied where the list is read (`scoped_query`).
    pub fn list_query(
        &self,
        actor: &Actor,
        kind: RecordKind,
        ask: &ListAsk,
    ) -> ServiceResult<RecordQuery> {
        if !ask.id_number.is_empty() && !actor.can_search_id_numbers() {
            return Err(ServiceError::Forbidden {
                zh: "您的角色不能按身份证号查找".into(),
                en: "your role may not look records up by ID number".into(),
            });
        }
        let mut errors = Vec::new();
        let mut q = RecordQuery {
            kind: Some(kind),
            newest_first: true,
            ..Default::default()
        };
        if !ask.year.is_empty() {
            match ask.year.parse::<i32>() {
                Ok(y) => q.year = Some(y),
                Err(_) => errors.push(invalid(
                    "year",
                    "年度",
                    &ask.year,
                    format!("年度应为数字，如 {}", self.plan.meta.first_year),
                    format!(
                        "the year must be a number, e.g. {}",
                        self.plan.meta.first_year
                    ),
                )),
            }
        }
        if !ask.unit.is_empty() {
            match self.unit_named("unit", "填报单位", &ask.unit) {
                Ok(u) => q.reporting_unit = Some(u),
                Err(e) => errors.push(e),
            }
        }
        for (key, text) in ask.unit_fields.iter().filter(|(_, v)| !v.is_empty()) {
            let Some(fd) = unit_filter_fields(kind).into_iter().find(|f| f.key == key) else {
                errors.push(invalid(
                    key,
                    key,
                    text,
                    format!(
                        "{}没有可按单位筛选的字段「{}」",
                        kind.label_zh(),
                        shown(key)
                    ),
                    format!(
                        "{} has no unit field \"{}\" to filter by",
                        kind.key(),
                        shown(key)
                    ),
                ));
                continue;
            };
            match self.unit_named(fd.key, fd.zh, text) {
                Ok(unit) => q.unit_fields.push(UnitFieldFilter {
                    key: fd.key,
                    many: matches!(fd.ty, FieldType::Units(_)),
                    unit,
                }),
                Err(e) => errors.push(e),
            }
        }
        if !ask.status.is_empty() {
            match Status::from_key(&ask.status) {
                Some(s) => q.status = Some(s),
                None => errors.push(invalid(
                    "status",
                    "状态",
                    &ask.status,
                    "应为 draft、submitted、approved 或 rejected".into(),
                    "must be draft, submitted, approved or rejected".into(),
                )),
            }
        }
        if !ask.q.is_empty() {
            // A whole ID number typed into the search box is looked up as one (the
            // number is stored encrypted, so a text search could never find it).
            match IdNumber::parse(&ask.q) {
                Ok(id)
                    if ask.id_number.is_empty()
                        && has_id_number(kind)
                        && actor.can_search_id_numbers() =>
                {
                    q.id_blind = Some(self.key.blind_index(id.as_str()));
                }
                _ => q.search = Some(ask.q.clone()),
            }
        }
        match parse_sort(kind, &ask.sort) {
            Ok(s) => q.sort = s,
            Err(e) => errors.push(e),
        }
        if !ask.id_number.is_empty() {
            if !has_id_number(kind) {
                errors.push(FieldError {
                    value: mask_id_number(&ask.id_number),
                    ..invalid(
                        "id_number",
                        "身份证号",
                        "",
                        format!("「{}」记录没有身份证号", kind.label_zh()),
                        format!("{} records carry no ID number", kind.key()),
                    )
                });
            } else {
                match IdNumber::parse(&ask.id_number) {
                    Ok(id) => q.id_blind = Some(self.key.blind_index(id.as_str())),
                    Err(e) => errors.push(FieldError {
                        // Masked even when it is not a valid number: a mistyped one is
                        // still nearly someone's.
                        value: mask_id_number(&ask.id_number),
                        ..invalid("id_number", "身份证号", "", e.message_zh(), e.message_en())
                    }),
                }
            }
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(ServiceError::Invalid { fields: errors })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duikou_domain::plan::Plan;

    fn plan() -> Plan {
        Plan::bundled()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_unit_field_is_a_filter_and_nothing_else_is() {
        let plan = plan();
        let keys = |k: &str| -> Vec<&str> {
            unit_filter_fields(plan.kinds().iter().copied().find(|x| x.key() == k).unwrap())
                .iter()
                .map(|f| f.key)
                .collect()
        };
        assert_eq!(keys("transfer"), ["payer", "payee"]);
        assert_eq!(keys("person"), ["hukou_county"]);
        assert_eq!(keys("project"), ["county"]);
        assert_eq!(keys("activity"), ["organizers"]);
        // The progress report's own `unit` field is the reporting unit's filter.
        assert_eq!(keys("progress"), Vec::<&str>::new());
    }

    #[test]
    fn a_query_string_reads_back_as_it_was_written() {
        let plan = plan();
        let kind = plan
            .kinds()
            .iter()
            .copied()
            .find(|k| k.key() == "transfer")
            .unwrap();
        let (ask, unknown) = ListAsk::from_pairs(
            kind,
            &pairs(&[
                ("year", "2019"),
                ("payee", " 镇雄县 "),
                ("sort", "-amount"),
                ("page", "2"),
                ("colour", "red"),
            ]),
        );
        assert_eq!(unknown, ["colour"]);
        assert_eq!(ask.unit_field("payee"), Some("镇雄县"));
        let (again, _) = ListAsk::from_pairs(kind, &ask.pairs());
        assert_eq!(again, ask);
        assert!(ask.is_filtered());
    }

    #[test]
    fn sorting_names_columns_and_refuses_others_by_name() {
        let plan = plan();
        let kind = plan
            .kinds()
            .iter()
            .copied()
            .find(|k| k.key() == "person")
            .unwrap();
        let s = parse_sort(kind, "-started_on").unwrap().unwrap();
        assert!(s.descending);
        assert_eq!(sort_text(kind, s), "-started_on");
        assert_eq!(parse_sort(kind, "").unwrap(), None);
        let e = parse_sort(kind, "id_number").unwrap_err();
        assert_eq!(e.field, "sort");
        assert!(e.en.contains("\"id_number\""), "{}", e.en);
        let e = parse_sort(kind, "53062719900101123X").unwrap_err();
        assert!(
            !e.value.contains("19900101"),
            "an ID number is not echoed: {}",
            e.value
        );
    }
}
