//! A kind's list as a table: its columns (the record's number, the kind's fields, who
//! reported it, its year, status, evidence and last change), each header a link that
//! sorts by it, and a record's cells as the page shows them.

use duikou_app::listing::sort_text;
use duikou_domain::cells::format_fen_yuan;
use duikou_domain::ids::RecordId;
use duikou_domain::record::Value;
use duikou_domain::schema::{FieldDesc, FieldType, RecordKind};
use duikou_storage::records::{Compare, RecordSort, SortColumn, StoredRecord};

use crate::web::auth::urlencode;
use crate::web::pages::Lang;
use crate::web::pages::i18n::{group, group_decimal};

/// Free text longer than this is cut in a cell (the record's page shows it whole).
const CELL_CHARS: usize = 40;

#[derive(Debug, Clone, Copy)]
pub enum Column {
    Id,
    Field(&'static FieldDesc),
    ReportingUnit,
    PlanYear,
    Status,
    Evidence,
    UpdatedAt,
}

/// The columns of a kind's list: every field but optional free text (a purpose, a
/// place: long, and on the record's page), between the record's own columns.
pub fn columns(kind: RecordKind) -> Vec<Column> {
    let mut out = vec![Column::Id];
    out.extend(
        kind.fields()
            .iter()
            .filter(|f| f.required || f.ty != FieldType::Text)
            .map(Column::Field),
    );
    out.extend([
        Column::ReportingUnit,
        Column::PlanYear,
        Column::Status,
        Column::Evidence,
        Column::UpdatedAt,
    ]);
    out
}

impl Column {
    pub fn label(self, l: Lang) -> String {
        match self {
            Column::Id => l.t("编号", "No."),
            Column::Field(f) => l.field(f.key, f.zh),
            Column::ReportingUnit => l.t("填报单位", "Reported by"),
            Column::PlanYear => l.t("年度", "Year"),
            Column::Status => l.t("状态", "Status"),
            Column::Evidence => l.t("佐证", "Evidence"),
            Column::UpdatedAt => l.t("最后修改", "Last changed"),
        }
    }

    /// What sorting by this column sorts by; the ID number does not sort.
    pub fn sort(self) -> Option<SortColumn> {
        Some(match self {
            Column::Id => SortColumn::Id,
            Column::Field(f) => SortColumn::Field {
                key: f.key,
                compare: Compare::of(&f.ty)?,
            },
            Column::ReportingUnit => SortColumn::ReportingUnit,
            Column::PlanYear => SortColumn::PlanYear,
            Column::Status => SortColumn::Status,
            Column::Evidence => SortColumn::EvidenceCount,
            Column::UpdatedAt => SortColumn::UpdatedAt,
        })
    }

    fn numeric(self) -> bool {
        match self {
            Column::Id | Column::PlanYear | Column::Evidence => true,
            Column::Field(f) => matches!(f.ty, FieldType::Money | FieldType::Int | FieldType::Year),
            _ => false,
        }
    }
}

/// A column's header: its label, the link sorting by it (the other way round when the
/// list is already sorted by it), and `aria-sort` when it is.
pub struct Head {
    pub label: String,
    pub href: String,
    pub aria_sort: &'static str,
    pub arrow: &'static str,
    pub num: bool,
    pub id: String,
}

/// The headers of `columns` for a list at `base` (`/records/transfer?year=2019&`, ending
/// in `?` or `&`) sorted by `current`.
pub fn heads(
    l: Lang,
    kind: RecordKind,
    columns: &[Column],
    base: &str,
    current: RecordSort,
) -> Vec<Head> {
    columns
        .iter()
        .map(|c| {
            let sort = c.sort();
            let on = sort.filter(|s| *s == current.column);
            let (aria_sort, arrow) = match on {
                Some(_) if current.descending => ("descending", "▼"),
                Some(_) => ("ascending", "▲"),
                None => ("", ""),
            };
            let href = sort
                .map(|column| {
                    let next = RecordSort {
                        column,
                        descending: on.is_some() && !current.descending,
                    };
                    format!("{base}sort={}", urlencode(&sort_text(kind, next)))
                })
                .unwrap_or_default();
            let id = match c {
                Column::Field(f) => format!("sort-{}", f.key),
                Column::Id => "sort-id".into(),
                Column::ReportingUnit => "sort-reporting_unit".into(),
                Column::PlanYear => "sort-plan_year".into(),
                Column::Status => "sort-status".into(),
                Column::Evidence => "sort-evidence_count".into(),
                Column::UpdatedAt => "sort-updated_at".into(),
            };
            Head {
                label: c.label(l),
                href,
                aria_sort,
                arrow,
                num: c.numeric(),
                id,
            }
        })
        .collect()
}

/// One cell: its text, and for the status the tag's key.
pub struct Cell {
    pub label: String,
    pub text: String,
    pub num: bool,
    pub tag: &'static str,
}

pub struct Row {
    pub href: String,
    pub id: RecordId,
    pub cells: Vec<Cell>,
}

fn field_text(l: Lang, f: &FieldDesc, r: &StoredRecord) -> String {
    if f.ty == FieldType::IdNumber {
        return r.id_masked.clone().unwrap_or_default();
    }
    match r.fields.get(f.key) {
        None => String::new(),
        Some(Value::Money(m)) => group_decimal(&format_fen_yuan(m.fen())),
        Some(Value::Date(d)) => l.date(*d),
        Some(Value::Bool(b)) => l.bool(*b).to_string(),
        Some(Value::Int(i)) if f.ty == FieldType::Year => i.to_string(),
        Some(Value::Int(i)) => group(*i),
        Some(Value::Units(us)) => us.join("、"),
        Some(v) => {
            let text = v.display();
            if text.chars().count() > CELL_CHARS {
                let cut: String = text.chars().take(CELL_CHARS - 1).collect();
                format!("{cut}…")
            } else {
                text
            }
        }
    }
}

/// A record as a row of `columns` (the first, its number, is the row's link).
pub fn row(l: Lang, columns: &[Column], r: &StoredRecord) -> Row {
    let cells = columns
        .iter()
        .skip(1)
        .map(|c| {
            let (text, tag) = match c {
                Column::Id => (r.id.to_string(), ""),
                Column::Field(f) => (field_text(l, f, r), ""),
                Column::ReportingUnit => (r.reporting_unit.to_string(), ""),
                Column::PlanYear => (r.plan_year.to_string(), ""),
                Column::Status => (l.status(r.status).to_string(), r.status.key()),
                Column::Evidence => (r.evidence_count.to_string(), ""),
                Column::UpdatedAt => (l.timestamp(&r.updated_at), ""),
            };
            Cell {
                label: c.label(l),
                text,
                num: c.numeric(),
                tag,
            }
        })
        .collect();
    Row {
        href: format!("/records/{}/{}", r.kind.key(), r.id),
        id: r.id,
        cells,
    }
}
