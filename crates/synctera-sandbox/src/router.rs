//! The router: every operation under `/v0`, wrapped in the middleware stack.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::IntoResponse;

use crate::app::App;
use crate::http;
use crate::problem::Problem;

const BODY_LIMIT: usize = 1 << 20;

pub(crate) fn router(app: Arc<App>) -> Router {
    let api = crate::ops::routes()
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() });
    Router::new()
        .nest("/v0", api)
        .fallback(|| async { Problem::not_found("no such path") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(app.clone(), http::faults))
        .layer(middleware::from_fn(http::log_request))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| Problem::internal().into_response(),
        ))
        .with_state(app)
}
