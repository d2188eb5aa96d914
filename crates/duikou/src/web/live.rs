//! The application as it stands for the loaded plan. Routes, the OpenAPI document, forms
//! and caches are all built from the plan, so a confirmed amendment replaces the whole
//! application at once: requests in flight finish on the one they started on, the next
//! ones see the new version. No restart, no request seeing half of each.

use std::convert::Infallible;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use tower::ServiceExt;

use super::AppState;

#[derive(Default)]
pub struct Live {
    current: RwLock<Option<Router>>,
}

impl Live {
    /// Serve `state` from now on.
    pub fn switch(&self, state: AppState) {
        let app = super::router(state);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(app);
    }

    fn router(&self) -> Option<Router> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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

    fn call(&mut self, _: axum::serve::IncomingStream<'a, tokio::net::TcpListener>) -> Self::Future {
        std::future::ready(Ok(self.0.clone()))
    }
}

/// One connection's service: the current application for every request.
#[derive(Clone)]
pub struct PerRequest(Arc<Live>);

impl tower::Service<Request> for PerRequest {
    type Response = Response;
    type Error = Infallible;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let app = self.0.router();
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

impl AppState {
    /// The same server for another version of the plan: the store, key and files are
    /// shared; everything computed from the plan starts afresh.
    pub fn with_plan(&self, plan: duikou_domain::plan::Plan) -> AppState {
        let mut services = self.services.clone();
        services.plan = Arc::new(plan);
        services.figures = Arc::default();
        AppState {
            services,
            caches: Arc::default(),
            config: self.config.clone(),
            secure_cookies: self.secure_cookies,
            live: self.live.clone(),
        }
    }
}
