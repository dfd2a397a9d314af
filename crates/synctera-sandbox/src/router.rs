//! The router: every operation, wrapped in the middleware stack.

use std::convert::Infallible;
use std::sync::Arc;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use tower::{Service, ServiceBuilder};

use crate::app::App;
use crate::http;
use crate::problem::Problem;

const BODY_LIMIT: usize = 1 << 20;

/// What serves every request of a connection: the middleware stack around the routes.
pub(crate) fn router(
    app: Arc<App>,
) -> impl Service<
    hyper::Request<hyper::body::Incoming>,
    Response = Response,
    Error = Infallible,
    Future: Send,
> + Clone
+ Send
+ 'static {
    let routes = crate::ops::routes()
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() })
        .fallback(|| async { Problem::not_found("no such path") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app.clone());
    // The stack wraps the router once rather than every route (`Router::layer` nests a boxed
    // copy of each layer in every route). None of it needs the matched route. Each connection
    // serves it as it is, cloned per request, not as another router's fallback, which would
    // route every request twice.
    ServiceBuilder::new()
        .map_request(|req: hyper::Request<hyper::body::Incoming>| req.map(axum::body::Body::new))
        .map_response(IntoResponse::into_response)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| Problem::internal().into_response(),
        ))
        .layer(http::FaultsAndLogLayer(app.clone()))
        // Inside the request log, so that a timed-out request is logged with its 504. The body
        // is read by the handlers, so a slow upload counts against the timeout too.
        .layer(HandleErrorLayer::new(timed_out))
        .layer(tower::timeout::TimeoutLayer::new(
            app.config.request_timeout.min(crate::config::MAX_TIMEOUT),
        ))
        .service(routes)
}

/// The only error the timeout layer adds is its own: anything else would be a bug, answered as
/// the panic handler answers one.
async fn timed_out(err: tower::BoxError) -> Problem {
    if err.is::<tower::timeout::error::Elapsed>() {
        Problem::gateway_timeout()
    } else {
        Problem::internal()
    }
}
