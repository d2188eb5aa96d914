//! Placeholder: the JSON API is being written.
use axum::Router;

pub fn routes() -> Router<super::AppState> {
    Router::new()
}
