//! A stateful local stand-in for Synctera's v0 persons/customers API.
//!
//! Start it in-process with [`Sandbox::start`] (tests, examples) or run the `synctera-sandbox`
//! binary (`--listen 127.0.0.1:4010`). It serves the 15 operations of `openapi/synctera.yaml` under
//! `/v0`, keeps its state in memory, and enforces the rules production enforces: bearer auth
//! with one tenant per API key, persons and customers as one record, SSNs answered as their
//! last four digits only, field validation answered with `application/problem+json`,
//! idempotency keys, keyset pagination and deterministic KYC outcomes.
//!
//! # Tenants
//! Each distinct API key is its own tenant; records of one key are invisible (404) to another.
//! The `tenant` field of a response is `sbx_` followed by the first 12 hex digits of the SHA-256
//! of the key, so the key itself never appears in a response.
//!
//! # KYC test values
//! `POST /v0/verifications/verify` decides by the last four digits of the person's SSN
//! (the serial number):
//!
//! | SSN ends in | IDENTITY result | person `verification_status` | customer `kyc_status` |
//! | --- | --- | --- | --- |
//! | `0001` | `REJECTED` | `REJECTED` | `REJECTED` |
//! | `0002` | `REVIEW` | `REVIEW` | `REVIEW` |
//! | `0003` | `PROVISIONAL` | `PROVISIONAL` | `PROVISIONAL` |
//! | `0004` | `VENDOR_ERROR` | `UNVERIFIED` | `PROVIDER_FAILURE` |
//! | anything else | `ACCEPTED` | `ACCEPTED` | `ACCEPTED` |
//!
//! Each run records two verifications, `IDENTITY` (the result above) and `WATCHLIST`
//! (`ACCEPTED`, or `VENDOR_ERROR` for `0004`).
//!
//! # Fault injection
//! [`FaultInjector::push`] queues a [`Fault`] for the next request; [`SandboxConfig::fault_rate`]
//! makes a seeded share of requests fail at random. A dropped connection happens after the
//! work is done, so a client that retries without an idempotency key creates a duplicate.
//!
//! # State files
//! [`Sandbox::start_with_state`], [`Sandbox::save_state`] and [`Sandbox::load_state`] (the
//! binary's `--state FILE`, saved on Ctrl-C or SIGTERM) keep the records across restarts. The
//! file holds full SSNs and is always written through a fresh owner-readable-only temp file;
//! idempotency records are not kept.
//!
//! # Memory bounds
//! A shared sandbox must not grow without limit: it keeps at most
//! [`SandboxConfig::max_tenants`] tenants (10 000; a new API key beyond that is answered 403
//! `FORBIDDEN`, known keys keep working), and each tenant replays a finished idempotency key for
//! [`SandboxConfig::idempotency_ttl`] (24 hours) and remembers at most
//! [`SandboxConfig::idempotency_capacity`] of them (10 000, oldest evicted first). An expired or
//! evicted key is free again, like a key never seen.
//!
//! # Other behaviour worth knowing
//! - A request's `tenant` field is accepted and ignored: the key decides the tenant.
//! - Every personal identifier (not only SSNs) is answered as its last four characters.
//! - The unique-customer rule (dob + last name + SSN last four) is enforced only with
//!   [`SandboxConfig::enforce_unique_customer`], like Synctera's own sandbox.

#![warn(missing_docs)]

mod handlers;
mod model;
mod problem;
mod store;
mod validate;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::store::Tenant;

/// How a sandbox runs. Build it with [`SandboxConfig::default`] and the setters.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Address to listen on; the library default is `127.0.0.1:0` (a free loopback port).
    pub listen: SocketAddr,
    /// Accepted API keys; empty accepts any non-empty key. Each key is its own tenant.
    pub api_keys: Vec<String>,
    /// Enforce the unique-customer rule (409 `DUPLICATE_RESOURCE`), off like Synctera's sandbox.
    pub enforce_unique_customer: bool,
    /// Share (0..=1) of requests that fail with a random injected fault.
    pub fault_rate: f64,
    /// Seed of the random fault schedule, so a failing run can be replayed.
    pub fault_seed: u64,
    /// Most tenants (distinct API keys) the sandbox keeps; a new key beyond that is answered
    /// 403 `FORBIDDEN`. Default 10 000.
    pub max_tenants: usize,
    /// How long a finished idempotency record is replayed; after that the key is free again.
    /// Default 24 hours.
    pub idempotency_ttl: Duration,
    /// Most finished idempotency records one tenant keeps; the oldest are evicted first.
    /// Default 10 000.
    pub idempotency_capacity: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_keys: Vec::new(),
            enforce_unique_customer: false,
            fault_rate: 0.0,
            fault_seed: 0,
            max_tenants: 10_000,
            idempotency_ttl: Duration::from_secs(24 * 60 * 60),
            idempotency_capacity: 10_000,
        }
    }
}

// Keys are secrets: Debug shows how many there are, never what they are.
impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("listen", &self.listen)
            .field(
                "api_keys",
                &format_args!("[{} redacted]", self.api_keys.len()),
            )
            .field("enforce_unique_customer", &self.enforce_unique_customer)
            .field("fault_rate", &self.fault_rate)
            .field("fault_seed", &self.fault_seed)
            .field("max_tenants", &self.max_tenants)
            .field("idempotency_ttl", &self.idempotency_ttl)
            .field("idempotency_capacity", &self.idempotency_capacity)
            .finish()
    }
}

impl SandboxConfig {
    /// Sets the listen address.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }
    /// Adds one accepted API key (once any is added, only added keys are accepted).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_keys.push(key.into());
        self
    }
    /// Turns the unique-customer rule on or off.
    pub fn enforce_unique_customer(mut self, on: bool) -> Self {
        self.enforce_unique_customer = on;
        self
    }
    /// Sets the share of requests that fail with a random fault (clamped to 0..=1).
    pub fn fault_rate(mut self, rate: f64) -> Self {
        self.fault_rate = clamp_rate(rate);
        self
    }
    /// Sets the seed of the random fault schedule.
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = seed;
        self
    }
    /// Sets the most tenants the sandbox keeps (see [`SandboxConfig::max_tenants`]).
    pub fn max_tenants(mut self, n: usize) -> Self {
        self.max_tenants = n;
        self
    }
    /// Sets how long finished idempotency records are replayed.
    pub fn idempotency_ttl(mut self, ttl: Duration) -> Self {
        self.idempotency_ttl = ttl;
        self
    }
    /// Sets how many finished idempotency records one tenant keeps.
    pub fn idempotency_capacity(mut self, n: usize) -> Self {
        self.idempotency_capacity = n;
        self
    }
}

/// A usable fault rate: NaN and infinities mean no faults, anything else is clamped to 0..=1.
/// Applied by the setter and again at start, since the field is public.
fn clamp_rate(rate: f64) -> f64 {
    if rate.is_finite() {
        rate.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A failure the sandbox can inject into a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 503 before any work is done.
    Unavailable,
    /// 429 with a `Retry-After` header, before any work is done.
    TooManyRequests {
        /// Value of the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// The work is done and committed, then the connection is closed without a response.
    DropAfterCommit,
}

pub(crate) struct FaultState {
    queue: Mutex<VecDeque<Fault>>,
    rng: Mutex<fastrand::Rng>,
    rate: f64,
    holds: Mutex<VecDeque<HoldSlot>>,
}

pub(crate) struct HoldSlot {
    reached: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

impl FaultState {
    pub(crate) fn next(&self) -> Option<Fault> {
        if let Some(f) = self
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
        {
            return Some(f);
        }
        if self.rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        if rng.f64() >= self.rate {
            return None;
        }
        Some(match rng.u8(0..3) {
            0 => Fault::Unavailable,
            1 => Fault::TooManyRequests {
                retry_after_secs: 1,
            },
            _ => Fault::DropAfterCommit,
        })
    }

    /// Called by a mutating operation once it owns its idempotency key, before its work.
    pub(crate) async fn wait_if_held(&self) {
        let slot = self
            .holds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front();
        if let Some(slot) = slot {
            let _ = slot.reached.send(());
            let _ = slot.release.await;
        }
    }
}

/// Queues faults for the requests a running [`Sandbox`] receives next.
#[derive(Clone)]
pub struct FaultInjector {
    state: Arc<FaultState>,
}

impl fmt::Debug for FaultInjector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultInjector").finish_non_exhaustive()
    }
}

impl FaultInjector {
    /// Applies `fault` to the next request not already claimed by an earlier queued fault (FIFO).
    pub fn push(&self, fault: Fault) {
        self.state
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(fault);
    }

    /// Holds the next mutating operation (create, update, disclosure, verify) after it has
    /// claimed its idempotency key and before it does its work, until the returned
    /// [`Hold`] is released or dropped. Lets tests observe a request that is still in flight.
    pub fn hold_next(&self) -> Hold {
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        self.state
            .holds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(HoldSlot {
                reached: reached_tx,
                release: release_rx,
            });
        Hold {
            reached: Some(reached_rx),
            release: Some(release_tx),
        }
    }
}

/// A request held in flight by [`FaultInjector::hold_next`].
#[derive(Debug)]
pub struct Hold {
    reached: Option<oneshot::Receiver<()>>,
    release: Option<oneshot::Sender<()>>,
}

impl Hold {
    /// Waits until a request is being held.
    pub async fn reached(&mut self) {
        if let Some(r) = self.reached.take() {
            let _ = r.await;
        }
    }
    /// Lets the held request continue.
    pub fn release(mut self) {
        if let Some(tx) = self.release.take() {
            let _ = tx.send(());
        }
    }
}

const STATE_VERSION: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct StateFile {
    version: u32,
    tenants: std::collections::BTreeMap<String, store::TenantSnapshot>,
}

/// The tenant name a key maps to: derived, never the key itself.
pub(crate) fn tenant_name(api_key: &str) -> String {
    let digest = Sha256::digest(api_key.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sbx_{hex}")
}

pub(crate) struct App {
    pub config: SandboxConfig,
    pub tenants: RwLock<HashMap<String, Arc<RwLock<Tenant>>>>,
    pub faults: Arc<FaultState>,
}

impl App {
    /// The tenant called `name`, created on first use; `None` when it is new and the sandbox
    /// already holds [`SandboxConfig::max_tenants`] tenants.
    pub(crate) fn tenant(&self, name: &str) -> Option<Arc<RwLock<Tenant>>> {
        if let Some(t) = self
            .tenants
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Some(t.clone());
        }
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        if !tenants.contains_key(name) && tenants.len() >= self.config.max_tenants {
            return None;
        }
        Some(
            tenants
                .entry(name.to_string())
                .or_insert_with(|| Arc::new(RwLock::new(Tenant::new())))
                .clone(),
        )
    }

    pub(crate) fn idem_limits(&self) -> store::IdemLimits {
        store::IdemLimits {
            ttl: self.config.idempotency_ttl,
            capacity: self.config.idempotency_capacity,
        }
    }
}

/// Per-connection switch that closes the socket without answering (for [`Fault::DropAfterCommit`]).
#[derive(Clone)]
pub(crate) struct ConnKill(pub Arc<Notify>);

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
    pub async fn start_with(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Self::start_inner(config, None).await
    }

    /// Starts a sandbox with `config` and the records of the state file at `path` (see
    /// [`Sandbox::load_state`]), loaded before the first connection is accepted so that no
    /// client ever sees the sandbox empty. A missing file starts it empty.
    pub async fn start_with_state(
        config: SandboxConfig,
        path: &std::path::Path,
    ) -> std::io::Result<Sandbox> {
        Self::start_inner(config, Some(path)).await
    }

    async fn start_inner(
        config: SandboxConfig,
        state: Option<&std::path::Path>,
    ) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let faults = Arc::new(FaultState {
            queue: Mutex::new(VecDeque::new()),
            rng: Mutex::new(fastrand::Rng::with_seed(config.fault_seed)),
            rate: clamp_rate(config.fault_rate),
            holds: Mutex::new(VecDeque::new()),
        });
        let app = Arc::new(App {
            config,
            tenants: RwLock::new(HashMap::new()),
            faults,
        });
        if let Some(path) = state
            && path.exists()
        {
            load_into(&app, path)?;
        }
        let router = handlers::router(app.clone());
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, router, rx));
        tracing::info!(%addr, "synctera sandbox listening");
        Ok(Sandbox {
            addr,
            app,
            shutdown: Some(tx),
            task: Some(task),
        })
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
        FaultInjector {
            state: self.app.faults.clone(),
        }
    }

    /// How many person records the tenant of `api_key` holds (0 for an unseen key).
    pub fn person_count(&self, api_key: &str) -> usize {
        let name = tenant_name(api_key);
        let tenants = self.app.tenants.read().unwrap_or_else(|e| e.into_inner());
        tenants.get(&name).map_or(0, |t| {
            t.read().unwrap_or_else(|e| e.into_inner()).person_count()
        })
    }

    /// The `tenant` value responses carry for `api_key`.
    pub fn tenant_of(api_key: &str) -> String {
        tenant_name(api_key)
    }

    /// Writes every tenant's records (full SSNs included: keep the file private) to `path`.
    ///
    /// The file is written next to `path` first and then renamed, so a crash never leaves a
    /// half-written state file; on Unix it is created readable by its owner only.
    pub fn save_state(&self, path: &std::path::Path) -> std::io::Result<()> {
        let snapshot: std::collections::BTreeMap<String, store::TenantSnapshot> = self
            .app
            .tenants
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(name, t)| {
                (
                    name.clone(),
                    t.read().unwrap_or_else(|e| e.into_inner()).snapshot(),
                )
            })
            .collect();
        let bytes = serde_json::to_vec(&StateFile {
            version: STATE_VERSION,
            tenants: snapshot,
        })
        .map_err(std::io::Error::other)?;
        // A fresh, unique temp file: `create_new` never reuses (or follows a link at) a file
        // someone else left there, so the 0600 mode below always applies.
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into());
        let tmp = path.with_file_name(format!(
            ".{file_name}.{}.{}.tmp",
            std::process::id(),
            fastrand::u64(..)
        ));
        let written = (|| {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp)?;
            std::io::Write::write_all(&mut f, &bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }

    /// Replaces the records of every tenant named in the state file at `path`.
    ///
    /// A file that is not a state file of this version is an `InvalidData` error whose message
    /// says where parsing failed, never what the file contains.
    pub fn load_state(&self, path: &std::path::Path) -> std::io::Result<()> {
        load_into(&self.app, path)
    }
    /// Stops accepting, lets open connections finish their current request, and waits.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// Reads a state file into `app`, replacing the tenants it names.
fn load_into(app: &App, path: &std::path::Path) -> std::io::Result<()> {
    let bytes = std::fs::read(path)?;
    let file: StateFile = serde_json::from_slice(&bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not a sandbox state file (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })?;
    if file.version != STATE_VERSION {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unsupported state file version {}", file.version),
        ));
    }
    let mut tenants = app.tenants.write().unwrap_or_else(|e| e.into_inner());
    for (name, snap) in file.tenants {
        tenants.insert(name, Arc::new(RwLock::new(Tenant::restore(snap))));
    }
    Ok(())
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
    }
}

async fn serve(listener: TcpListener, router: axum::Router, mut shutdown: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        while conns.try_join_next().is_some() {}
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
        let mut shutdown = shutdown.clone();
        conns.spawn(async move {
            let kill = Arc::new(Notify::new());
            let ext = ConnKill(kill.clone());
            let svc = tower::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ext.clone());
                router.clone().oneshot(req)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = kill.notified() => {}
                _ = shutdown.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                }
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    conns.abort_all();
}
