//! The plan switcher: a database may hold several plans (periods, pairs); a user works
//! on one at a time, among the plans their unit takes part in (every plan for a user
//! without a unit). The choice is a cookie; the application of that plan answers.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use duikou_storage::plans::PlanSummary;

use super::{Ctx, Form, Req, html, see_other};
use crate::web::AppState;
use crate::web::live::plan_cookie;

pub struct PlanChoice {
    pub id: String,
    pub title: String,
    pub years: String,
    pub version: u32,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    ctx: Ctx,
    plans: Vec<PlanChoice>,
    /// The user's unit takes no part in the plan this request went to.
    outside: bool,
}

/// The plans a user may work on: those of their unit, or all for a user without one.
pub fn visible_plans(state: &AppState, unit: Option<&str>) -> Vec<PlanSummary> {
    state
        .live
        .plans()
        .into_iter()
        .filter(|p| unit.is_none_or(|u| p.units.iter().any(|n| n == u)))
        .collect()
}

pub async fn page(State(state): State<AppState>, req: Req) -> Response {
    let l = req.l;
    let current = &state.plan().meta.id;
    let plans = visible_plans(&state, req.auth.user.unit.as_deref())
        .into_iter()
        .map(|p| PlanChoice {
            current: p.id == *current && req.auth.in_plan,
            years: format!("{}–{}", p.first_year, p.last_year),
            id: p.id,
            title: p.title,
            version: p.version,
        })
        .collect();
    html(&PlansPage {
        ctx: req.ctx(l.t("选择计划", "Choose a plan")),
        plans,
        outside: !req.auth.in_plan,
    })
}

/// POST /plans: work on the chosen plan from now on (one the user may see).
pub async fn choose(
    State(state): State<AppState>,
    req: Req,
    jar: CookieJar,
    form: Form,
) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let id = form.text("plan");
    if !visible_plans(&state, req.auth.user.unit.as_deref())
        .iter()
        .any(|p| p.id == id)
    {
        return req.forbidden();
    }
    (
        jar.add(plan_cookie(&id, state.secure_cookies)),
        see_other("/"),
    )
        .into_response()
}
