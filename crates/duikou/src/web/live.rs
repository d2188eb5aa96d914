//! The application as it stands for each plan the database holds. Routes, the OpenAPI
//! document, forms and caches are all built from a plan, so each plan has an application
//! of its own, and a request goes to the one its user chose (the plan cookie, set by the
//! plan switcher), else to the default plan. A confirmed amendment replaces its plan's
//! application at once: requests in flight finish on the one they started on, the next
//! ones see the new version. No restart, no request seeing half of each.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::response::Response;
use duikou_storage::plans::PlanSummary;
use tower::ServiceExt;

use super::AppState;

/// The cookie naming the plan a browser works on (its id, hex-encoded: a cookie value
/// is ASCII, a plan id need not be).
pub const PLAN_COOKIE: &str = "duikou_plan";

#[derive(Default)]
pub struct Live {
    apps: RwLock<HashMap<String, Router>>,
    /// Every plan, in load order, and the one requests go to by default.
    plans: RwLock<(Vec<PlanSummary>, String)>,
}

impl Live {
    /// Serve `state` for its plan from now on.
    pub fn switch(&self, state: AppState) {
        let id = state.plan().meta.id.clone();
        let app = super::router(state);
        self.apps
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, app);
    }

    /// The plans the switcher offers, and the default one.
    pub fn set_plans(&self, plans: Vec<PlanSummary>, default: String) {
        *self.plans.write().unwrap_or_else(|p| p.into_inner()) = (plans, default);
    }

    pub fn plans(&self) -> Vec<PlanSummary> {
        self.plans
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone()
    }

    /// The plan requests go to when their cookie names none.
    pub fn plans_default(&self) -> String {
        self.default_plan()
    }

    fn default_plan(&self) -> String {
        self.plans
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }

    /// The application a request goes to: its plan cookie's, else the default plan's.
    fn router_for(&self, headers: &HeaderMap) -> Option<Router> {
        let apps = self.apps.read().unwrap_or_else(|p| p.into_inner());
        chosen_plan(headers)
            .and_then(|id| apps.get(&id))
            .or_else(|| apps.get(&self.default_plan()))
            .or_else(|| apps.values().next())
            .cloned()
    }

    /// What the listener serves: each request goes to the application current when it
    /// arrives. (A make-service of its own, not a route: the routes are the router's.)
    pub fn make_service(self: Arc<Self>) -> MakePerRequest {
        MakePerRequest(PerRequest(self))
    }
}

/// Hands every connection a [`PerRequest`].
#[derive(Clone)]
pub struct MakePerRequest(PerRequest);

impl<'a> tower::Service<axum::serve::IncomingStream<'a, tokio::net::TcpListener>>
    for MakePerRequest
{
    type Response = PerRequest;
    type Error = Infallible;
    type Future = std::future::Ready<Result<PerRequest, Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(
        &mut self,
        _: axum::serve::IncomingStream<'a, tokio::net::TcpListener>,
    ) -> Self::Future {
        std::future::ready(Ok(self.0.clone()))
    }
}

/// One connection's service: the current application for every request.
#[derive(Clone)]
pub struct PerRequest(Arc<Live>);

impl tower::Service<Request> for PerRequest {
    type Response = Response;
    type Error = Infallible;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let app = self.0.router_for(req.headers());
        Box::pin(async move {
            Ok(match app {
                Some(app) => app.oneshot(req).await.unwrap_or_else(|e| match e {}),
                None => Response::builder()
                    .status(axum::http::StatusCode::SERVICE_UNAVAILABLE)
                    .body(axum::body::Body::from("starting"))
                    .unwrap_or_default(),
            })
        })
    }
}

/// The header a script names its plan with (`X-Duikou-Plan: ID`), instead of the cookie.
pub const PLAN_HEADER: &str = "x-duikou-plan";

/// The plan id a request names (its `X-Duikou-Plan` header, else its plan cookie), if any.
pub fn chosen_plan(headers: &HeaderMap) -> Option<String> {
    if let Some(id) = headers.get(PLAN_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(id.trim().to_string());
    }
    for v in headers.get_all(axum::http::header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for c in axum_extra::extract::cookie::Cookie::split_parse(s).flatten() {
            if c.name() == PLAN_COOKIE {
                return hex::decode(c.value())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok());
            }
        }
    }
    None
}

/// The cookie choosing a plan.
pub fn plan_cookie(id: &str, secure: bool) -> axum_extra::extract::cookie::Cookie<'static> {
    axum_extra::extract::cookie::Cookie::build((PLAN_COOKIE, hex::encode(id)))
        .http_only(true)
        .same_site(axum_extra::extract::cookie::SameSite::Strict)
        .secure(secure)
        .path("/")
        .build()
}

impl AppState {
    /// The same server for another plan, or another version of it: the database, key and
    /// files are shared; the store works on this plan's records; everything computed
    /// from the plan starts afresh.
    pub fn with_plan(&self, plan: duikou_domain::plan::Plan) -> AppState {
        let mut services = self.services.clone();
        services.store = self.services.store.detached();
        services.store.use_plan(&plan);
        services.plan = Arc::new(plan);
        services.figures = Arc::default();
        AppState {
            services,
            caches: Arc::default(),
            config: self.config.clone(),
            secure_cookies: self.secure_cookies,
            live: self.live.clone(),
            notices: Arc::default(),
        }
    }
}
