//! A running sandbox: [`Sandbox`] binds, loads any durable state, and serves connections.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use crate::app::{App, tenant_name};
use crate::config::{MAX_API_KEY_LEN, MAX_TIMEOUT, SandboxConfig, clamp_rate};
use crate::faults::{FaultInjector, FaultState};
use crate::http::CONN_KILL;

/// A running sandbox server. Dropping it stops the server; [`Sandbox::shutdown`] also waits for it.
pub struct Sandbox {
    addr: SocketAddr,
    app: Arc<App>,
    shutdown: Option<watch::Sender<bool>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox with the default configuration on a free loopback port.
    pub async fn start() -> std::io::Result<Sandbox> {
        Self::start_with(SandboxConfig::default()).await
    }

    /// Starts a sandbox with `config`; returns once it accepts connections.
    ///
    /// With [`SandboxConfig::state`] set, the database is opened (created owner-read/write
    /// only when missing) and loaded before the first connection is accepted, so that no
    /// client ever sees the sandbox empty. A file that is not a sandbox database, is corrupt,
    /// or is in use by another sandbox is an error, and the file is left as it was. So is an
    /// accepted API key longer than 256 characters (`ErrorKind::InvalidInput`).
    pub async fn start_with(config: SandboxConfig) -> std::io::Result<Sandbox> {
        // Such a key could never be used: every request carrying it is refused.
        if config.api_keys.iter().any(|k| k.len() > MAX_API_KEY_LEN) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("an accepted API key is longer than {MAX_API_KEY_LEN} characters"),
            ));
        }
        let faults = Arc::new(FaultState::new(
            clamp_rate(config.fault_rate),
            config.fault_seed,
        ));
        let app = match config.state.clone() {
            None => App::in_memory(config, faults),
            Some(path) => open_durable(config, faults, path).await?,
        };
        let listen = app.config.listen;
        let listener = TcpListener::bind(listen).await.map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot listen on {listen}: {e}"))
        })?;
        let addr = listener.local_addr()?;
        let app = Arc::new(app);
        app.resume_deliveries();
        let limits = ConnLimits::of(&app.config);
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, app.clone(), limits, rx));
        tracing::info!(%addr, "synctera sandbox listening");
        Ok(Sandbox {
            addr,
            app,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Starts a sandbox with `config` whose records live in the SQLite database at `path`
    /// (the same as [`SandboxConfig::state`]); see [`Sandbox::start_with`].
    pub async fn start_with_state(
        config: SandboxConfig,
        path: &std::path::Path,
    ) -> std::io::Result<Sandbox> {
        Self::start_with(config.state(path)).await
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:41234/v0`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v0", self.addr)
    }

    /// The socket address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The handle tests use to inject faults into coming requests.
    pub fn faults(&self) -> FaultInjector {
        FaultInjector::new(self.app.faults.clone())
    }

    /// How many person records the tenant of `api_key` holds (0 for an unseen key).
    pub fn person_count(&self, api_key: &str) -> usize {
        self.app.person_count(&tenant_name(api_key))
    }

    /// The `tenant` value responses carry for `api_key`.
    pub fn tenant_of(api_key: &str) -> String {
        tenant_name(api_key)
    }

    /// Stops accepting, lets open connections finish their current request, and waits.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.app.close();
    }
}

#[cfg(feature = "sqlite")]
async fn open_durable(
    config: SandboxConfig,
    faults: Arc<FaultState>,
    path: std::path::PathBuf,
) -> std::io::Result<App> {
    let limits = (config.idempotency_ttl, config.idempotency_capacity);
    // Opening checks and loads the whole file: blocking work, kept off the async workers.
    let loaded = tokio::task::spawn_blocking(move || {
        crate::store::persist::Database::open(&path, limits.0, limits.1)
    })
    .await
    .map_err(std::io::Error::other)??;
    Ok(App::durable(config, faults, loaded))
}

#[cfg(not(feature = "sqlite"))]
async fn open_durable(
    _: SandboxConfig,
    _: Arc<FaultState>,
    _: std::path::PathBuf,
) -> std::io::Result<App> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "durable state needs the synctera-sandbox crate's `sqlite` feature",
    ))
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
    }
}

/// The connection limits of [`SandboxConfig`]: the header-read timeout hyper enforces, and the
/// slots of the connection cap, one held by each accepted connection.
#[derive(Clone)]
struct ConnLimits {
    header_read_timeout: Duration,
    /// How long a write to the client may make no progress (the request timeout).
    write_stall: Duration,
    slots: Arc<Semaphore>,
}

impl ConnLimits {
    fn of(config: &SandboxConfig) -> Self {
        ConnLimits {
            header_read_timeout: config.header_read_timeout.min(MAX_TIMEOUT),
            write_stall: config.request_timeout.min(MAX_TIMEOUT),
            slots: Arc::new(Semaphore::new(
                config.max_connections.clamp(1, Semaphore::MAX_PERMITS),
            )),
        }
    }
}

/// Accepts and serves connections until `shutdown`. The stack is built before the returned
/// future is spawned, so that a route axum refuses fails the start instead of leaving a bound
/// port that never answers.
fn serve(
    listener: TcpListener,
    app: Arc<App>,
    limits: ConnLimits,
    mut shutdown: watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send {
    let router = crate::router::router(app);
    async move {
        let mut conns = JoinSet::new();
        let mut http1 = hyper::server::conn::http1::Builder::new();
        // The timer makes hyper enforce the header-read timeout, which also runs while a kept-alive
        // connection waits for its next request (hyperium/hyper#3828): it is the idle timeout too.
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout);
        loop {
            while conns.try_join_next().is_some() {}
            // A slot is taken before accepting, so connections past the cap wait in the listen
            // backlog (the kernel's queue) instead of holding a descriptor and a task here.
            let slot = tokio::select! {
                _ = shutdown.changed() => break,
                s = limits.slots.clone().acquire_owned() => s,
            };
            let Ok(slot) = slot else { break };
            let accepted = tokio::select! {
                _ = shutdown.changed() => break,
                a = listener.accept() => a,
            };
            let Ok((stream, _peer)) = accepted else {
                // Out of descriptors and the like: back off briefly instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let router = router.clone();
            let http1 = http1.clone();
            let limits = limits.clone();
            let mut shutdown = shutdown.clone();
            conns.spawn(async move {
                let _slot = slot;
                let kill = Arc::new(Notify::new());
                let io = TokioIo::new(WriteDeadline::new(stream, limits.write_stall));
                let conn = http1.serve_connection(io, TowerToHyperService::new(router));
                tokio::pin!(conn);
                let served = async {
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = kill.notified() => {}
                        _ = shutdown.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                        }
                    }
                };
                CONN_KILL.scope(kill.clone(), served).await;
            });
        }
        drop(listener);
        let _ = tokio::time::timeout(Duration::from_secs(10), async {
            while conns.join_next().await.is_some() {}
        })
        .await;
        conns.abort_all();
    }
}

/// A connection's socket whose writes fail once they have made no progress for `limit`.
///
/// hyper times the wait for a request head, and the request timeout the work on it, but
/// nothing times the answer's way out: a client that sends requests (pipelined, or one with a
/// large answer) and never reads would hold its connection slot forever once the socket's
/// buffers are full, and enough of them would stop the sandbox serving anyone. A write that
/// stays blocked this long fails, which ends the connection and frees its slot.
struct WriteDeadline<S> {
    io: S,
    limit: Duration,
    /// Set while a write is blocked: when it gives up.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(io: S, limit: Duration) -> Self {
        WriteDeadline {
            io,
            limit,
            stalled: None,
        }
    }

    /// Passes on a write's outcome, turning a block that has lasted `limit` into an error.
    fn watch<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if r.is_ready() {
            self.stalled = None;
            return r;
        }
        let limit = self.limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read none of its answer within the request timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write(cx, buf);
        self.watch(cx, r)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.watch(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    // Only a write moves the stall timer: a flush that completes while a write is still
    // blocked (a socket's always does) must not restart its wait.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
