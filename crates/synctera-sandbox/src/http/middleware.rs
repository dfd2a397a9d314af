//! The middleware every request passes: injected faults, the refusal of every request once the
//! state database has failed a commit, and the request log.
//!
//! Written as a plain tower service rather than `axum::middleware::from_fn`, which boxes the
//! inner service, its future and its own future on every request: this layer passes the inner
//! future through as it is, and boxes only when a fault is injected or debug logging is on.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Either};
use tokio::sync::Notify;
use tower::{Layer, Service, ServiceExt};
use tracing::Level;

use crate::app::App;
use crate::faults::Fault;
use crate::problem::Problem;
use crate::store::StoreError;

tokio::task_local! {
    /// The switch that closes the connection's socket without answering (for
    /// [`Fault::DropAfterCommit`]), set around each connection's task. A task-local rather than a
    /// request extension: inserting one costs every request an allocation, for a fault that
    /// only a test asks for.
    pub(crate) static CONN_KILL: Arc<Notify>;
}

/// Wraps a service in [`FaultsAndLog`].
#[derive(Clone)]
pub(crate) struct FaultsAndLogLayer(pub Arc<App>);

impl<S> Layer<S> for FaultsAndLogLayer {
    type Service = FaultsAndLog<S>;
    fn layer(&self, inner: S) -> FaultsAndLog<S> {
        FaultsAndLog {
            app: self.0.clone(),
            inner,
        }
    }
}

/// An injected fault answers instead of the operation (or drops the connection after it), and
/// the request is logged by method and status only: paths and queries may carry PII (a mistyped
/// SSN in a path, an e-mail filter), headers carry the key.
#[derive(Clone)]
pub(crate) struct FaultsAndLog<S> {
    app: Arc<App>,
    inner: S,
}

impl<S> Service<Request> for FaultsAndLog<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // Memory may hold writes the database lost (and events they raised): reads would show
        // them and replays would answer them, so nothing is served until a restart.
        let failed = self.app.failed();
        let fault = if failed { None } else { self.app.faults.next() };
        // The common case runs the operation's own future: no fault, and no log line to write
        // once it is answered.
        if !failed && fault.is_none() && !tracing::enabled!(Level::DEBUG) {
            return Either::Left(self.inner.call(req));
        }
        let inner = self.inner.clone();
        Either::Right(Box::pin(async move {
            let method = req.method().clone();
            let resp = match fault {
                _ if failed => Problem::from(StoreError::CommitFailed).into_response(),
                None => inner.oneshot(req).await?,
                Some(fault) => inject(fault, req, inner).await,
            };
            tracing::debug!(%method, status = resp.status().as_u16(), "request");
            Ok(resp)
        }))
    }
}

async fn inject<S>(fault: Fault, req: Request, inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    tracing::debug!(?fault, "injecting fault");
    match fault {
        Fault::Unavailable => Problem::unavailable().into_response(),
        Fault::TooManyRequests { retry_after_secs } => {
            Problem::too_many_requests(retry_after_secs).into_response()
        }
        Fault::DropAfterCommit => {
            let kill = CONN_KILL.try_with(Arc::clone).ok();
            let _ = inner.oneshot(req).await;
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
