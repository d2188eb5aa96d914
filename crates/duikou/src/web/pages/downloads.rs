//! Downloads for coordinators and auditors: every record of a kind (CSV or Excel), the
//! monthly bulletin (a printable page, its workbook and its standalone HTML) and the
//! inspection package. The rules and the files are in [`duikou_app::downloads`]; these
//! handlers only read the request and send the answer.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use duikou_app::listing::ListAsk;
use duikou_reports::bulletin::{Bulletin, UnitScore};
use duikou_reports::export::ExportFormat;
use serde::Deserialize;

use super::records::parse_kind;
use super::{Ctx, Lang, Req, download_response, html};
use crate::web::AppState;
use crate::web::auth::urlencode;
use duikou_app::downloads::BulletinFile;

#[derive(Debug, Default, Deserialize)]
pub struct DownloadQuery {
    pub year: Option<String>,
    pub as_of: Option<String>,
    pub include_submitted: Option<String>,
    pub month: Option<String>,
}

impl DownloadQuery {
    fn text(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    /// The year asked for; a year that is not a number is the user's error.
    fn year(&self, req: &Req) -> Result<Option<i32>, Response> {
        match Self::text(&self.year) {
            None => Ok(None),
            Some(y) => y.parse().map(Some).map_err(|_| {
                req.bad_request(
                    req.l
                        .t(format!("年度无效：{y}"), format!("Invalid year: {y}")),
                )
            }),
        }
    }
}

/// GET /export/{kind}.csv and /export/{kind}.xlsx with a list's filters and order
/// (`year`, `unit`, the kind's unit fields, `q`, `id_number`, `sort`) and the export's
/// own `status` (approved records unless `all` or another status is asked for).
pub async fn export(
    State(state): State<AppState>,
    req: Req,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let Some((kind, format)) = file
        .rsplit_once('.')
        .and_then(|(k, ext)| Some((parse_kind(state.plan(), k)?, ExportFormat::from_key(ext)?)))
    else {
        return req.not_found();
    };
    let (ask, _) = ListAsk::from_pairs(kind, &pairs);
    match state
        .services
        .export_records(&req.actor(), kind, &ask, format)
        .await
    {
        Ok(d) => download_response(d),
        Err(e) => req.service_error(e),
    }
}

/// GET /package.zip?year=Y[&as_of=D][&include_submitted=1]
pub async fn package(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<DownloadQuery>,
) -> Response {
    let year = match q.year(&req) {
        Ok(y) => y,
        Err(r) => return r,
    };
    let include_submitted = matches!(
        DownloadQuery::text(&q.include_submitted),
        Some("1" | "true" | "on" | "yes")
    );
    match state
        .services
        .package(
            &req.actor(),
            year,
            DownloadQuery::text(&q.as_of),
            include_submitted,
        )
        .await
    {
        Ok(d) => download_response(d),
        Err(e) => req.service_error(e),
    }
}

/// The month asked for, or this month within the plan.
fn month_of(state: &AppState, q: &DownloadQuery) -> String {
    DownloadQuery::text(&q.month)
        .map(str::to_string)
        .unwrap_or_else(|| state.services.default_bulletin_month().key())
}

/// GET /bulletin.xlsx?month=2019-06
pub async fn bulletin_xlsx(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<DownloadQuery>,
) -> Response {
    bulletin_file(&state, &req, &q, BulletinFile::Xlsx).await
}

/// GET /bulletin.html?month=2019-06: the standalone page, to keep or send on.
pub async fn bulletin_html(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<DownloadQuery>,
) -> Response {
    bulletin_file(&state, &req, &q, BulletinFile::Html).await
}

async fn bulletin_file(
    state: &AppState,
    req: &Req,
    q: &DownloadQuery,
    which: BulletinFile,
) -> Response {
    match state
        .services
        .bulletin_file(&req.actor(), &month_of(state, q), which)
        .await
    {
        Ok(d) => download_response(d),
        Err(e) => req.service_error(e),
    }
}

// ------------------------------------------------------------------ the bulletin page

pub struct OwedLine {
    pub text: String,
    pub status_key: &'static str,
}

pub struct UnitRow {
    pub rank: usize,
    pub unit: String,
    pub group: String,
    pub county: String,
    /// Hundredths of a percent, for the bar.
    pub score: i64,
    pub score_text: String,
    pub reached: usize,
    pub targets: usize,
    pub owed: Vec<OwedLine>,
    pub done_text: String,
}

fn group_label(l: Lang, group: &str) -> String {
    let en = match group {
        "结对镇街" => "Lead town",
        "协助镇街" => "Assisting town",
        "市直单位" => "City department",
        "工作组" => "Working group",
        other => other,
    };
    l.t(group, en)
}

fn unit_row(l: Lang, u: &UnitScore) -> UnitRow {
    UnitRow {
        rank: u.rank,
        unit: u.unit.clone(),
        group: group_label(l, &u.group),
        county: u.county.clone().unwrap_or_default(),
        score: u.score.clamp(0, 10_000),
        score_text: u.score_text(),
        reached: u.reached,
        targets: u.targets,
        owed: u
            .owed
            .iter()
            .map(|o| OwedLine {
                text: if l.is_en() {
                    format!(
                        "{} {}: {} short ({} of {}, due {})",
                        o.item,
                        o.name,
                        l.figure(o.gap, &o.unit),
                        l.figure(o.actual, &o.unit),
                        l.figure(o.target, &o.unit),
                        o.deadline
                    )
                } else {
                    o.short()
                },
                status_key: o.status.key(),
            })
            .collect(),
        done_text: if u.targets == 0 {
            l.t("（无年度目标）", "(no target this year)")
        } else {
            l.t("全部完成", "All met")
        },
    }
}

#[derive(Template)]
#[template(path = "bulletin.html")]
struct BulletinPage {
    ctx: Ctx,
    month: String,
    month_label: String,
    min_month: String,
    max_month: String,
    lead: String,
    towns: Vec<UnitRow>,
    departments: Vec<UnitRow>,
    without_targets: String,
    xlsx_href: String,
    html_href: String,
    /// Empty for those who may not have the package (leaders).
    package_href: String,
    rule_zh: &'static str,
    rule_en: &'static str,
}

fn lead(l: Lang, b: &Bulletin) -> String {
    let all_met = b
        .towns
        .iter()
        .filter(|t| t.targets > 0 && t.reached == t.targets)
        .count();
    let owing: usize = b
        .towns
        .iter()
        .chain(&b.departments)
        .map(|u| u.owed.len())
        .sum();
    l.t(
        format!(
            "截至 {}，对照 {} 年度目标，按年度目标平均完成率对 {} 个帮扶镇街和 {} 个市直单位（含工作组）排名。{} 个镇街已完成全部年度目标；各单位合计尚有 {} 项目标未完成。",
            b.as_of,
            b.month.year,
            b.towns.len(),
            b.departments.len(),
            all_met,
            owing
        ),
        format!(
            "As of {}, {} and {} (with the working group) ranked by their average progress toward their {} targets. {} met every target; {} open across all units.",
            b.as_of,
            l.n(b.towns.len(), "town", "towns"),
            l.n(b.departments.len(), "city department", "city departments"),
            b.month.year,
            l.n(all_met, "town has", "towns have"),
            l.n(owing, "target remains", "targets remain"),
        ),
    )
}

/// GET /bulletin?month=2019-06: the monthly bulletin as a printable page of the site.
pub async fn bulletin(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<DownloadQuery>,
) -> Response {
    let month = month_of(&state, &q);
    let b = match state.services.bulletin(&req.actor(), &month).await {
        Ok(b) => b,
        Err(e) => return req.service_error(e),
    };
    let l = req.l;
    let plan = state.plan();
    let key = b.month.key();
    let month_label = if l.is_en() {
        key.clone()
    } else {
        b.month.label()
    };
    let m = urlencode(&key);
    html(&BulletinPage {
        ctx: req.ctx(l.t(
            format!("月度通报 {month_label}"),
            format!("Monthly bulletin {month_label}"),
        )),
        lead: lead(l, &b),
        towns: b.towns.iter().map(|u| unit_row(l, u)).collect(),
        departments: b.departments.iter().map(|u| unit_row(l, u)).collect(),
        without_targets: b.without_targets.join("、"),
        min_month: format!("{:04}-01", plan.meta.first_year),
        max_month: format!("{:04}-12", plan.meta.last_year),
        xlsx_href: format!("/bulletin.xlsx?month={m}"),
        html_href: format!("/bulletin.html?month={m}"),
        package_href: if req.actor().can_export() {
            format!("/package.zip?year={}", b.month.year)
        } else {
            String::new()
        },
        rule_zh: duikou_domain::engine::progress::RANKING_RULE_ZH,
        rule_en: duikou_domain::engine::progress::RANKING_RULE_EN,
        month: key,
        month_label,
    })
}
