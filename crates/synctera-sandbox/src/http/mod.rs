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

/// Per-connection switch that closes the socket without answering (for [`Fault::DropAfterCommit`]).
#[derive(Clone)]
pub(crate) struct ConnKill(pub Arc<Notify>);

/// Logs method and status only: paths and queries may carry PII (a mistyped SSN in a path,
/// an e-mail filter), headers carry the key.
pub(crate) async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let resp = next.run(req).await;
    tracing::debug!(%method, status = resp.status().as_u16(), "request");
    resp
}

pub(crate) async fn faults(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let Some(fault) = app.faults.next() else {
        return next.run(req).await;
    };
    tracing::debug!(?fault, "injecting fault");
    match fault {
        Fault::Unavailable => Problem::unavailable().into_response(),
        Fault::TooManyRequests { retry_after_secs } => {
            Problem::too_many_requests(retry_after_secs).into_response()
        }
        Fault::DropAfterCommit => {
            let kill = req.extensions().get::<ConnKill>().cloned();
            let _ = next.run(req).await;
            match kill {
                Some(k) => {
                    k.0.notify_one();
                    std::future::pending::<Response>().await
                }
                None => Problem::unavailable().into_response(),
            }
        }
    }
}
