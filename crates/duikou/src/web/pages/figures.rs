//! The assessment as pages show it: which year and as-of date, the engine's results as
//! table rows with status colours, targets and links to the records behind each figure.

use duikou_domain::engine::{AssessOptions, Assessment, Figure, IndicatorResult, IndicatorStatus};
use duikou_domain::record::format_date;
use serde::Deserialize;

use super::Lang;
use crate::web::AppState;
use crate::web::auth::urlencode;

/// Query parameters shared by the assessment pages.
#[derive(Debug, Default, Deserialize)]
pub struct AssessQuery {
    pub year: Option<String>,
    pub as_of: Option<String>,
    pub include_submitted: Option<String>,
    pub unit: Option<String>,
    pub status: Option<String>,
    pub action: Option<String>,
    pub indicator: Option<String>,
    pub scope: Option<String>,
    pub page: Option<String>,
}

impl AssessQuery {
    pub fn include_submitted(&self) -> bool {
        matches!(
            self.include_submitted.as_deref(),
            Some("1" | "true" | "on" | "yes")
        )
    }
    pub fn year(&self) -> Option<i32> {
        self.year
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| s.parse().ok())
    }
    pub fn as_of(&self) -> Option<&str> {
        self.as_of
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
    pub fn filter(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// The year / as-of / include-submitted choice, as the filter forms show it.
#[derive(Debug, Clone)]
pub struct Period {
    pub years: Vec<(i32, bool)>,
    pub year: i32,
    pub as_of: String,
    /// The as-of date in the page's language (2019年3月15日).
    pub as_of_text: String,
    pub include_submitted: bool,
    /// `year=…&as_of=…[&include_submitted=1]` for links.
    pub query: String,
}

impl Period {
    pub fn of(state: &AppState, opts: &AssessOptions, l: Lang) -> Period {
        let as_of = format_date(opts.as_of);
        let mut query = format!("year={}&as_of={}", opts.year, as_of);
        if opts.include_submitted {
            query.push_str("&include_submitted=1");
        }
        Period {
            years: state.plan().years().map(|y| (y, y == opts.year)).collect(),
            year: opts.year,
            as_of,
            as_of_text: l.date(opts.as_of),
            include_submitted: opts.include_submitted,
            query,
        }
    }
}

/// Resolve the options and evaluate every indicator; a bad year or date is the user's error.
///
/// The assessment is shared (`Arc`), computed once per change number of the database
/// (read with the request's session) whatever the number of requests asking.
pub async fn compute(
    state: &AppState,
    req: &super::Req,
    q: &AssessQuery,
) -> Result<(AssessOptions, std::sync::Arc<Assessment>), ComputeError> {
    let opts = options(state, q)?;
    let a = crate::web::cache::assessment(state, req.auth.change_seq, &opts)
        .await
        .map_err(|e| ComputeError::Failure(e.to_string()))?;
    Ok((opts, a))
}

/// The year, as-of date and statuses a page asks for.
pub fn options(state: &AppState, q: &AssessQuery) -> Result<AssessOptions, ComputeError> {
    duikou_app::assessment::options(state.plan(), q.year(), q.as_of(), q.include_submitted())
        .map_err(|e| match e {
            duikou_app::error::AppError::Failure(m) => ComputeError::Failure(m.to_string()),
            other => ComputeError::Input(other.message()),
        })
}

pub enum ComputeError {
    Input(duikou_domain::message::Message),
    Failure(String),
}

impl ComputeError {
    pub fn into_response(self, req: &super::Req) -> axum::response::Response {
        match self {
            ComputeError::Input(m) => req.bad_request(m.in_english(req.l.is_en()).to_string()),
            ComputeError::Failure(m) => req.internal(m),
        }
    }
}

/// One indicator result as a table row.
#[derive(Debug, Clone)]
pub struct ResultRow {
    pub indicator: String,
    pub item: String,
    pub name: String,
    pub scope: String,
    pub actual: String,
    pub on_time: String,
    pub target: String,
    pub status_key: &'static str,
    pub status: String,
    pub evidence: String,
    pub explain: String,
    /// What is still missing to reach the target ("" when met or without target).
    pub gap: String,
    pub deadline: String,
    /// Share of the target reached, 0–100 (for a progress bar).
    pub percent: i64,
}

fn with_raw(f: Figure, v: i64) -> Figure {
    match f {
        Figure::Count(_) => Figure::Count(v),
        Figure::Money(_) => Figure::Money(v),
        Figure::Percent(_) => Figure::Percent(v),
    }
}

pub fn explain_href(r: &IndicatorResult, period: &Period) -> String {
    format!(
        "/explain?indicator={}&scope={}&{}",
        urlencode(&r.indicator),
        urlencode(&r.scope),
        period.query
    )
}

pub fn status_label(l: Lang, r: &IndicatorResult) -> String {
    let mut s = l.indicator_status(r.status).to_string();
    if r.above_range {
        s.push_str(l.s("（超出区间）", " (above range)"));
    }
    s
}

pub fn row(l: Lang, r: &IndicatorResult, period: &Period) -> ResultRow {
    let gap = match r.target_min {
        Some(min) if r.actual.raw() < min.raw() && r.status != IndicatorStatus::Met => {
            l.figure(with_raw(min, min.raw() - r.actual.raw()), &r.unit)
        }
        _ => String::new(),
    };
    let percent = match r.target_min {
        Some(min) if min.raw() > 0 => {
            ((i128::from(r.actual.raw()) * 100 / i128::from(min.raw())).clamp(0, 100)) as i64
        }
        _ => 0,
    };
    ResultRow {
        indicator: r.indicator.clone(),
        item: r.item.clone(),
        name: r.name.clone(),
        scope: l.scope(&r.scope),
        actual: l.figure(r.actual, &r.unit),
        on_time: r.on_time.map(|f| l.figure(f, &r.unit)).unwrap_or_default(),
        target: duikou_domain::target_text::of_result(r, l.style()),
        status_key: r.status.key(),
        status: status_label(l, r),
        evidence: if r.records == 0 {
            "—".into()
        } else {
            format!("{}/{}", r.with_evidence, r.records)
        },
        explain: explain_href(r, period),
        gap,
        deadline: l.date_text(&r.deadline),
        percent,
    }
}
