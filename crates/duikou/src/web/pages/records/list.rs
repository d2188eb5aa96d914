//! The records of a kind: the index of kinds, and one kind's list with filters and paging.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use duikou_domain::record::Status;
use duikou_storage::records::RecordQuery;
use serde::Deserialize;

use crate::web::AppState;
use crate::web::auth::urlencode;
use crate::web::pages::forms::{Opt, OptGroup, unit_groups};
use crate::web::pages::recview::{date, summary};
use crate::web::pages::{Ctx, Req, html};

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

pub struct ListRow {
    pub href: String,
    pub id: i64,
    pub summary: String,
    pub unit: String,
    pub date: String,
    pub year: i32,
    pub status: String,
    pub status_key: &'static str,
    pub evidence: i32,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "records_list.html")]
pub(super) struct ListPage {
    ctx: Ctx,
    kind_key: &'static str,
    kind_label: String,
    year_opts: Vec<Opt>,
    unit_groups: Vec<OptGroup>,
    status_opts: Vec<Opt>,
    search: String,
    rows: Vec<ListRow>,
    total: u64,
    page: u64,
    pages: u64,
    prev_href: String,
    next_href: String,
    can_create: bool,
    filtered: bool,
    /// Downloads of every record of the kind (of the chosen year), for those who may export.
    export_csv_href: String,
    export_xlsx_href: String,
    export_scope: String,
}

pub async fn list(
    State(state): State<AppState>,
    req: Req,
    Path(kind): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(kind) = parse_kind(state.plan(), &kind) else {
        return req.not_found();
    };
    let actor = req.actor();
    let l = req.l;
    let plan = state.plan();
    let year = nonempty(&q.year).and_then(|y| y.parse::<i32>().ok());
    let unit = nonempty(&q.unit)
        .and_then(|u| plan.resolve_unit(u))
        .map(|u| u.name.clone());
    let status = nonempty(&q.status).and_then(Status::from_key);
    let search = nonempty(&q.q).map(|s| s.chars().take(100).collect::<String>());
    let page = nonempty(&q.page)
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    let rq = RecordQuery {
        kind: Some(kind),
        year,
        reporting_unit: unit.clone(),
        status,
        search: search.clone(),
        page: page - 1,
        per_page: PER_PAGE,
        newest_first: true,
        ..Default::default()
    };
    let listed = match crate::web::cache::list(&state, &req.auth, rq).await {
        Ok(x) => x,
        Err(e) => return req.service_error(e),
    };
    let (records, total) = (&listed.0, listed.1);
    let pages = total.div_ceil(PER_PAGE).max(1);
    let rows = records
        .iter()
        .map(|r| ListRow {
            href: format!("/records/{}/{}", kind.key(), r.id),
            id: r.id,
            summary: summary(l, kind, &r.fields, r.id_masked.as_deref()),
            unit: r.reporting_unit.clone(),
            date: date(l, kind, &r.fields),
            year: r.plan_year,
            status: l.status(r.status).to_string(),
            status_key: r.status.key(),
            evidence: r.evidence_count,
            updated: l.timestamp(&r.updated_at),
        })
        .collect();
    let mut base = format!("/records/{}?", kind.key());
    if let Some(y) = year {
        base.push_str(&format!("year={y}&"));
    }
    if let Some(u) = &unit {
        base.push_str(&format!("unit={}&", urlencode(u)));
    }
    if let Some(s) = status {
        base.push_str(&format!("status={}&", s.key()));
    }
    if let Some(s) = &search {
        base.push_str(&format!("q={}&", urlencode(s)));
    }
    let mut year_opts = vec![Opt {
        value: String::new(),
        label: l.s("全部年度", "Any year").into(),
        selected: year.is_none(),
    }];
    year_opts.extend(plan.years().map(|y| Opt {
        value: y.to_string(),
        label: y.to_string(),
        selected: year == Some(y),
    }));
    let mut status_opts = vec![Opt {
        value: String::new(),
        label: l.s("全部状态", "Any status").into(),
        selected: status.is_none(),
    }];
    status_opts.extend(Status::ALL.iter().map(|s| Opt {
        value: s.key().into(),
        label: l.status(*s).into(),
        selected: status == Some(*s),
    }));
    let mut groups = vec![OptGroup {
        label: String::new(),
        options: vec![Opt {
            value: String::new(),
            label: l.s("全部单位", "Any unit").into(),
            selected: unit.is_none(),
        }],
    }];
    let sel: Vec<String> = unit.iter().cloned().collect();
    groups.extend(unit_groups(
        l,
        plan,
        duikou_domain::schema::UnitRule::Any,
        &sel,
    ));
    let (export_csv_href, export_xlsx_href, export_scope) = if actor.can_export() {
        let y = year.map(|y| format!("?year={y}")).unwrap_or_default();
        (
            format!("/export/{}.csv{y}", kind.key()),
            format!("/export/{}.xlsx{y}", kind.key()),
            match year {
                Some(y) => l.t(
                    format!("（{y} 年全部记录，身份证号脱敏）"),
                    format!("(every record of {y}, ID numbers masked)"),
                ),
                None => l.t(
                    "（全部年度的全部记录，身份证号脱敏）",
                    "(every record of every year, ID numbers masked)",
                ),
            },
        )
    } else {
        Default::default()
    };
    html(&ListPage {
        ctx: req.ctx(l.kind(kind).to_string()),
        export_csv_href,
        export_xlsx_href,
        export_scope,
        kind_key: kind.key(),
        kind_label: l.kind(kind).to_string(),
        year_opts,
        unit_groups: groups,
        status_opts,
        search: search.unwrap_or_default(),
        rows,
        total,
        page,
        pages,
        prev_href: if page > 1 {
            format!("{base}page={}", page - 1)
        } else {
            String::new()
        },
        next_href: if page < pages {
            format!("{base}page={}", page + 1)
        } else {
            String::new()
        },
        can_create: may_create(&actor, kind),
        filtered: year.is_some()
            || unit.is_some()
            || status.is_some()
            || q.q.as_deref().is_some_and(|s| !s.trim().is_empty()),
    })
}
