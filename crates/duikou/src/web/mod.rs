//! `duikou serve`: the web application and the JSON API over one set of rules
//! (duikou_app::service). Pages live in `pages`, the API in `api`; both use the
//! extractors of `auth`.

pub mod api;
pub mod auth;
pub mod cache;
pub mod live;
pub mod pages;
pub mod security;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

use duikou_app::config::Config;
use duikou_app::service::Services;

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    /// What pages and the API compute once per change (`cache.rs`).
    pub caches: Arc<cache::Caches>,
    pub config: Arc<Config>,
    /// Mark cookies Secure (behind HTTPS). Env: DUIKOU_SECURE_COOKIES=1.
    pub secure_cookies: bool,
    /// The running application, replaced when the plan is amended (`live.rs`).
    pub live: Arc<live::Live>,
    /// What the notices page and the header's count read, once per change
    /// (`duikou_app::reminders`).
    pub notices: Arc<duikou_app::reminders::NoticeCache>,
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
///
/// Layers, outermost first: a request id (`x-request-id`, kept from a proxy or made
/// up, and returned), one log line per request (method, path without the query string,
/// status, latency; long digit runs such as ID numbers redacted), security headers on
/// every answer, and the body limit: a request whose `Content-Length` is over the
/// limit gets 413 before its body is read, a chunked one is cut off at the limit.
pub fn router(state: AppState) -> Router {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &axum::extract::Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %redact_for_log(id), method = %req.method(), path = %redact_for_log(req.uri().path()))
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(tower_http::LatencyUnit::Millis))
        .on_failure(DefaultOnFailure::new().level(tracing::Level::ERROR));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api::routes(state.plan()))
        .merge(pages::routes())
        .layer(axum::extract::DefaultBodyLimit::max(
            duikou_app::upload_store::MAX_UPLOAD_BYTES,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            duikou_app::upload_store::MAX_UPLOAD_BYTES,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Text safe to log: at most 100 characters, control characters dropped, and every run
/// of 15 or more digits (an ID number, with or without its final X) replaced.
pub fn redact_for_log(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().filter(|c| !c.is_control()).take(100).collect();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run >= 15 {
            out.push_str("[redacted]");
            i += run;
            if chars.get(i).is_some_and(|c| *c == 'X' || *c == 'x') {
                i += 1;
            }
        } else if run > 0 {
            out.extend(&chars[i..i + run]);
            i += run;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (StatusCode, &'static str) {
    if state.store().ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// Build the state from a config: open the database, load plan and key.
pub async fn state_from_config(cfg: Config) -> duikou_app::error::AppResult<AppState> {
    let (store, plan) = duikou_app::config::open_with_plan(&cfg).await?;
    let key = cfg.load_key()?;
    let evidence = duikou_app::evidence_store::EvidenceStore::new(cfg.evidence_dir());
    let services = Services {
        store,
        plan: Arc::new(plan),
        key: Arc::new(key),
        evidence: Arc::new(evidence),
        uploads: Arc::new(duikou_app::upload_store::PendingUploads::new(
            cfg.uploads_dir(),
        )),
        figures: Arc::default(),
        today: cfg.reminders.today,
    };
    let secure_cookies = cfg.secure_cookies;
    Ok(AppState {
        services,
        caches: Arc::default(),
        config: Arc::new(cfg),
        secure_cookies,
        live: Arc::default(),
        notices: Arc::default(),
    })
}

/// Remove import uploads left unconfirmed, at start and then every
/// [`SWEEP_EVERY`](duikou_app::upload_store::SWEEP_EVERY).
async fn sweep_uploads(state: AppState) {
    use duikou_app::upload_store::{SWEEP_EVERY, UPLOAD_TTL};
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        let uploads = state.services.uploads.clone();
        match tokio::task::spawn_blocking(move || uploads.sweep(UPLOAD_TTL)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(removed = n, "removed unconfirmed import uploads"),
            Ok(Err(e)) => tracing::warn!(error = %e, "could not sweep import uploads"),
            Err(e) => tracing::warn!(error = %e, "upload sweep panicked"),
        }
    }
}

/// Serve until SIGTERM or Ctrl-C; in-flight requests finish first.
/// Starts the application for `duikou serve` (the command line's `Server`).
pub fn start(
    cfg: Config,
    addr: SocketAddr,
    on_bound: Box<dyn FnOnce(SocketAddr)>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = duikou_app::error::AppResult<()>>>> {
    Box::pin(async move {
        let state = state_from_config(cfg).await?;
        serve(state, addr, on_bound).await
    })
}

pub async fn serve(
    state: AppState,
    addr: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
) -> duikou_app::error::AppResult<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        duikou_app::error::AppError::failure_text(format!(
            "无法监听 {addr} / cannot listen on {addr}: {e}"
        ))
    })?;
    let bound = listener.local_addr()?;
    on_bound(bound);
    tokio::spawn(warm_assessment(state.clone()));
    tokio::spawn(sweep_uploads(state.clone()));
    let live = state.live.clone();
    serve_every_plan(&state).await?;
    axum::serve(listener, live.make_service())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// An application per plan the database holds, the default one's from `state`.
pub async fn serve_every_plan(state: &AppState) -> duikou_app::error::AppResult<()> {
    let plans = state.store().plans().await?;
    let default = state.plan().meta.id.clone();
    state.live.set_plans(plans.clone(), default.clone());
    state.live.switch(state.clone());
    for p in plans.iter().filter(|p| p.id != default) {
        let store = state.store().detached();
        if let Some(plan) = store.plan_by_id(&p.id).await? {
            state.live.switch(state.with_plan(plan));
        }
    }
    Ok(())
}

/// Load the records and compute the default assessment while the server starts, so the
/// first visitor of the dashboard gets figures from the cache: the full load is the slow
/// part of an assessment (BENCHMARKS.md §2), and after it each write only takes in the
/// records it changed.
async fn warm_assessment(state: AppState) {
    let started = std::time::Instant::now();
    let plan = state.plan();
    let result = match duikou_app::assessment::options(plan, None, None, false) {
        Ok(opts) => state
            .services
            .figures
            .assessment_cached(state.store(), plan, &opts)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "assessment computed at start"
        ),
        Err(e) => tracing::warn!(error = %e, "assessment at start failed"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
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

#[cfg(test)]
mod tests {
    #[test]
    fn id_numbers_never_reach_the_log() {
        let r = super::redact_for_log;
        assert_eq!(r("/api/v1/records/person/12"), "/api/v1/records/person/12");
        assert_eq!(r("/x/53062719900101123X/y"), "/x/[redacted]/y");
        assert_eq!(r("530627199001011234"), "[redacted]");
        assert_eq!(r("530627900101123"), "[redacted]");
        assert_eq!(r("a\nb\u{1b}[31m"), "ab[31m");
        assert!(r(&"9".repeat(500)).len() < 20);
    }
}
