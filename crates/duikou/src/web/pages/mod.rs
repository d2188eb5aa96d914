//! Placeholder: the pages are being written.
use axum::Router;

pub fn routes() -> Router<super::AppState> {
    Router::new()
}
