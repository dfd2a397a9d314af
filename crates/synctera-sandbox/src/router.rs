//! The router: every operation, wrapped in the middleware stack.

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
    crate::ops::routes()
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() })
        .fallback(|| async { Problem::not_found("no such path") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            http::faults_and_log,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| Problem::internal().into_response(),
        ))
        .with_state(app)
}
