//! `duikou serve`: the web application and the JSON API over one set of rules
//! (crate::service). Pages live in `pages`, the API in `api`; both use the
//! extractors of `auth`.

pub mod api;
pub mod auth;
pub mod pages;
pub mod security;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

use crate::config::Config;
use crate::service::Services;

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub config: Arc<Config>,
    /// Mark cookies Secure (behind HTTPS). Env: DUIKOU_SECURE_COOKIES=1.
    pub secure_cookies: bool,
}

impl AppState {
    pub fn store(&self) -> &duikou_storage::Store {
        &self.services.store
    }
    pub fn plan(&self) -> &duikou_domain::plan::Plan {
        &self.services.plan
    }
}

/// The whole application: pages, API, assets, health.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api::routes())
        .merge(pages::routes())
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::extract::DefaultBodyLimit::max(crate::cli::MAX_UPLOAD_BYTES))
        .with_state(state)
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> (StatusCode, &'static str) {
    if state.store().ping().await { (StatusCode::OK, "ok") } else { (StatusCode::SERVICE_UNAVAILABLE, "database unavailable") }
}

/// Build the state from a config: open the database, load plan and key.
pub async fn state_from_config(cfg: Config) -> crate::error::AppResult<AppState> {
    let (store, plan) = crate::cli::open_with_plan(&cfg).await?;
    let key = cfg.load_key()?;
    let evidence = crate::evidence_store::EvidenceStore::new(cfg.evidence_dir());
    let services = Services { store, plan: Arc::new(plan), key: Arc::new(key), evidence: Arc::new(evidence) };
    let secure_cookies = std::env::var("DUIKOU_SECURE_COOKIES").is_ok_and(|v| v == "1" || v == "true");
    Ok(AppState { services, config: Arc::new(cfg), secure_cookies })
}

/// Serve until SIGTERM or Ctrl-C; in-flight requests finish first.
pub async fn serve(state: AppState, addr: SocketAddr, on_bound: impl FnOnce(SocketAddr)) -> crate::error::AppResult<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| crate::error::AppError::Failure(format!("无法监听 {addr} / cannot listen on {addr}: {e}")))?;
    let bound = listener.local_addr()?;
    on_bound(bound);
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
