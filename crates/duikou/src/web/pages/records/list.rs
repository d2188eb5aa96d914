//! The records of a kind: the index of kinds, and one kind's list as a table: a filter
//! for every unit field, sorting by any column (a header link), page size and jump, and
//! the export of exactly what the list holds.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use duikou_app::listing::{ListAsk, has_id_number, unit_filter_fields};
use duikou_app::service::ServiceError;
use duikou_domain::record::Status;
use duikou_domain::schema::{FieldType, UnitRule};
use duikou_storage::records::{RecordQuery, RecordSort};
use serde::Deserialize;

use super::table;
use crate::web::AppState;
use crate::web::auth::urlencode;
use crate::web::pages::forms::{Opt, OptGroup, unit_groups};
use crate::web::pages::review::query::{DEFAULT_PER_PAGE, PAGE_SIZES, per_page_of};
use crate::web::pages::{Ctx, ErrorLink, Req, html, html_status};

use super::*;

// ------------------------------------------------------------------ index

pub struct KindCount {
    pub key: &'static str,
    pub label: String,
    pub count: u64,
    pub href: String,
    pub can_create: bool,
}

#[derive(Template)]
#[template(path = "records_index.html")]
pub(super) struct IndexPage {
    ctx: Ctx,
    kinds: Vec<KindCount>,
    status_label: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub year: Option<String>,
    pub unit: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
}

pub(super) fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub async fn index(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<ListQuery>,
) -> Response {
    let actor = req.actor();
    let l = req.l;
    let status = nonempty(&q.status).and_then(Status::from_key);
    let mut kinds = Vec::new();
    for kind in state
        .plan()
        .kinds()
        .iter()
        .copied()
        .filter(|k| actor.can_list_kind(*k))
    {
        let rq = RecordQuery {
            kind: Some(kind),
            status,
            per_page: 1,
            ..Default::default()
        };
        let count = match crate::web::cache::list(&state, &req.auth, rq).await {
            Ok(listed) => listed.1,
            Err(e) => return req.service_error(e),
        };
        let href = match status {
            Some(s) => format!("/records/{}?status={}", kind.key(), s.key()),
            None => format!("/records/{}", kind.key()),
        };
        kinds.push(KindCount {
            key: kind.key(),
            label: l.kind(kind).to_string(),
            count,
            href,
            can_create: may_create(&actor, kind),
        });
    }
    let status_label = status.map(|s| l.status(s).to_string()).unwrap_or_default();
    html(&IndexPage {
        ctx: req.ctx(l.t("记录", "Records")),
        kinds,
        status_label,
    })
}

// ------------------------------------------------------------------ list

/// A filter by one of the kind's unit fields.
pub struct UnitFilter {
    pub key: &'static str,
    pub label: String,
    pub groups: Vec<OptGroup>,
}

#[derive(Template)]
#[template(path = "records_list.html")]
pub(super) struct ListPage {
    ctx: Ctx,
    errors: Vec<ErrorLink>,
    kind_key: &'static str,
    kind_label: String,
    year_opts: Vec<Opt>,
    unit_groups: Vec<OptGroup>,
    unit_filters: Vec<UnitFilter>,
    status_opts: Vec<Opt>,
    size_opts: Vec<Opt>,
    search: String,
    /// The ID-number search, for roles that may use it on kinds that carry one.
    id_search: bool,
    id_number: String,
    id_error: String,
    /// The order, kept when the filters change.
    sort: String,
    heads: Vec<table::Head>,
    rows: Vec<table::Row>,
    /// False when the filters could not be read: no list, the error summary instead.
    listed: bool,
    total: u64,
    order_text: String,
    page: u64,
    pages: u64,
    prev_href: String,
    next_href: String,
    /// What the jump form carries besides the page.
    hidden: Vec<(String, String)>,
    can_create: bool,
    filtered: bool,
    /// Downloads of exactly this list (its filters and order, every page), for those
    /// who may export.
    export_csv_href: String,
    export_xlsx_href: String,
    export_scope: String,
}

fn query_of(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn opt(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Opt {
    Opt {
        value: value.into(),
        label: label.into(),
        selected,
    }
}

pub async fn list(
    State(state): State<AppState>,
    req: Req,
    Path(kind): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let Some(kind) = parse_kind(state.plan(), &kind) else {
        return req.not_found();
    };
    let actor = req.actor();
    let l = req.l;
    let plan = state.plan();
    let (ask, _) = ListAsk::from_pairs(kind, &pairs);
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let per_page = per_page_of(param("per_page"));
    let page = param("page")
        .trim()
        .parse::<u64>()
        .unwrap_or(1)
        .clamp(1, u64::from(u32::MAX));
    let mut errors = Vec::new();
    let mut id_error = String::new();
    let (listed, current) = match state.services.list_query(&actor, kind, &ask) {
        Ok(mut q) => {
            let current = q.sort.unwrap_or(RecordSort::by_id(true));
            q.page = page - 1;
            q.per_page = per_page;
            match crate::web::cache::list(&state, &req.auth, q).await {
                Ok(x) => (Some(x), current),
                Err(e) => return req.service_error(e),
            }
        }
        Err(ServiceError::Invalid { fields }) => {
            for f in &fields {
                let text = format!(
                    "{}：{}",
                    l.field(&f.field, &f.field_zh),
                    l.t(f.zh.clone(), f.en.clone())
                );
                let target = match f.field.as_str() {
                    "unit" => "unit".to_string(),
                    "year" | "status" | "id_number" => f.field.clone(),
                    "sort" => "record-results".to_string(),
                    key => format!("filter-{key}"),
                };
                if f.field == "id_number" {
                    id_error = l.t(f.zh.clone(), f.en.clone());
                }
                errors.push(ErrorLink::new(&target, text));
            }
            (None, RecordSort::by_id(true))
        }
        Err(e) => return req.service_error(e),
    };
    let (records, total): (&[_], u64) = match &listed {
        Some(x) => (&x.0, x.1),
        None => (&[], 0),
    };
    let pages = total.div_ceil(per_page).max(1);
    let cols = table::columns(kind);
    let rows = records.iter().map(|r| table::row(l, &cols, r)).collect();

    // Links keep every filter and the page size; the headers change the order, the
    // pager the page.
    let mut kept: Vec<(String, String)> = ask
        .pairs()
        .into_iter()
        .filter(|(k, _)| k != "sort")
        .collect();
    if per_page != DEFAULT_PER_PAGE {
        kept.push(("per_page".into(), per_page.to_string()));
    }
    let list_base = format!("/records/{}?", kind.key());
    let head_base = match query_of(&kept) {
        q if q.is_empty() => list_base.clone(),
        q => format!("{list_base}{q}&"),
    };
    let heads = table::heads(l, kind, &cols, &head_base, current);
    let mut hidden = kept.clone();
    if !ask.sort.is_empty() {
        hidden.push(("sort".into(), ask.sort.clone()));
    }
    let page_href = |p: u64| {
        let mut with = hidden.clone();
        with.push(("page".into(), p.to_string()));
        format!("{list_base}{}", query_of(&with))
    };
    let order_text = if ask.sort.is_empty() {
        l.t("最新的在前", "newest first")
    } else {
        let label = cols
            .iter()
            .find(|c| c.sort() == Some(current.column))
            .map(|c| c.label(l))
            .unwrap_or_default();
        match (l.is_en(), current.descending) {
            (false, false) => format!("按「{label}」升序排列"),
            (false, true) => format!("按「{label}」降序排列"),
            (true, false) => format!("sorted by {label}, ascending"),
            (true, true) => format!("sorted by {label}, descending"),
        }
    };

    let year = ask.year.parse::<i32>().ok();
    let mut year_opts = vec![opt("", l.s("全部年度", "Any year"), year.is_none())];
    year_opts.extend(
        plan.years()
            .map(|y| opt(y.to_string(), y.to_string(), year == Some(y))),
    );
    let status = Status::from_key(&ask.status);
    let mut status_opts = vec![opt("", l.s("全部状态", "Any status"), status.is_none())];
    status_opts.extend(
        Status::ALL
            .iter()
            .map(|s| opt(s.key(), l.status(*s), status == Some(*s))),
    );
    let resolved = |text: &str| plan.resolve_unit(text).map(|u| u.name.clone());
    let unit_select = |rule: UnitRule, chosen: Option<String>| {
        let mut groups = vec![OptGroup {
            label: String::new(),
            options: vec![opt("", l.s("全部单位", "Any unit"), chosen.is_none())],
        }];
        let sel: Vec<String> = chosen.into_iter().collect();
        groups.extend(unit_groups(l, plan, rule, &sel));
        groups
    };
    let groups = unit_select(UnitRule::Any, resolved(&ask.unit));
    let unit_filters = unit_filter_fields(kind)
        .into_iter()
        .map(|f| {
            let rule = match f.ty {
                FieldType::Unit(r) | FieldType::Units(r) => r,
                _ => UnitRule::Any,
            };
            UnitFilter {
                key: f.key,
                label: l.field(f.key, f.zh),
                groups: unit_select(rule, ask.unit_field(f.key).and_then(resolved)),
            }
        })
        .collect();
    let size_opts = PAGE_SIZES
        .iter()
        .map(|n| opt(n.to_string(), n.to_string(), *n == per_page))
        .collect();

    let (export_csv_href, export_xlsx_href, export_scope) = if actor.can_export()
        && listed.is_some()
    {
        // The export takes the list's status as its own (`all` when the list shows
        // every status) and its order (newest first when it has none of its own).
        let mut pairs: Vec<(String, String)> = ask
            .pairs()
            .into_iter()
            .filter(|(k, _)| k != "status" && k != "sort")
            .collect();
        pairs.push((
            "status".into(),
            if ask.status.is_empty() {
                "all".into()
            } else {
                ask.status.clone()
            },
        ));
        pairs.push((
            "sort".into(),
            if ask.sort.is_empty() {
                "-id".into()
            } else {
                ask.sort.clone()
            },
        ));
        let q = query_of(&pairs);
        (
                format!("/export/{}.csv?{q}", kind.key()),
                format!("/export/{}.xlsx?{q}", kind.key()),
                l.t(
                    format!("（本列表的全部 {total} 条记录，按当前筛选和排序，身份证号脱敏）"),
                    format!("(all {total} records of this list, filtered and ordered as shown, ID numbers masked)"),
                ),
            )
    } else {
        Default::default()
    };
    let status_code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    html_status(
        status_code,
        &ListPage {
            ctx: req.ctx(l.kind(kind).to_string()),
            errors,
            export_csv_href,
            export_xlsx_href,
            export_scope,
            kind_key: kind.key(),
            kind_label: l.kind(kind).to_string(),
            year_opts,
            unit_groups: groups,
            unit_filters,
            status_opts,
            size_opts,
            search: ask.q.clone(),
            id_search: actor.can_search_id_numbers() && has_id_number(kind),
            id_number: ask.id_number.clone(),
            id_error,
            sort: ask.sort.clone(),
            heads,
            rows,
            listed: listed.is_some(),
            total,
            order_text,
            page,
            pages,
            prev_href: if page > 1 {
                page_href(page.min(pages + 1) - 1)
            } else {
                String::new()
            },
            next_href: if page < pages {
                page_href(page + 1)
            } else {
                String::new()
            },
            hidden,
            can_create: may_create(&actor, kind),
            filtered: ask.is_filtered(),
        },
    )
}
