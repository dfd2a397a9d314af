//! The HTTP layer shared by every operation: extractors, middleware, and the answers.

mod extract;
mod query;
mod reply;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

use crate::app::App;
use crate::faults::Fault;
use crate::problem::Problem;

pub(crate) use extract::{Body, Caller, IdPath};
pub(crate) use query::Query;
pub(crate) use reply::{into_response, json_bytes, json_response, list_response, problem_response};

tokio::task_local! {
    /// The switch that closes the connection's socket without answering (for
    /// [`Fault::DropAfterCommit`]), set around each connection's task. A task-local rather than a
    /// request extension: inserting one costs every request an allocation, for a fault that
    /// only a test asks for.
    pub(crate) static CONN_KILL: Arc<Notify>;
}

/// The middleware every request passes: an injected fault answers instead of the operation
/// (or drops the connection after it), and the request is logged by method and status only:
/// paths and queries may carry PII (a mistyped SSN in a path, an e-mail filter), headers carry
/// the key.
pub(crate) async fn faults_and_log(
    State(app): State<Arc<App>>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let resp = match app.faults.next() {
        None => next.run(req).await,
        Some(fault) => inject(fault, req, next).await,
    };
    tracing::debug!(%method, status = resp.status().as_u16(), "request");
    resp
}

async fn inject(fault: Fault, req: Request, next: Next) -> Response {
    tracing::debug!(?fault, "injecting fault");
    match fault {
        Fault::Unavailable => Problem::unavailable().into_response(),
        Fault::TooManyRequests { retry_after_secs } => {
            Problem::too_many_requests(retry_after_secs).into_response()
        }
        Fault::DropAfterCommit => {
            let kill = CONN_KILL.try_with(Arc::clone).ok();
            let _ = next.run(req).await;
            match kill {
                Some(k) => {
                    k.notify_one();
                    std::future::pending::<Response>().await
                }
                None => Problem::unavailable().into_response(),
            }
        }
    }
}
