//! How a sandbox runs: [`SandboxConfig`].

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// The SQLite database that keeps the records across restarts (`None`: memory only).
    /// Needs the crate's `sqlite` feature; see the crate docs, "Durable state".
    pub state: Option<PathBuf>,
    /// The wait after a webhook delivery's first failure; later waits double up to 960 times
    /// it, and retries stop once the waits add up to 6 600 times it. Default 30 seconds
    /// (about 55 hours of retries); tests compress it to milliseconds.
    pub webhook_retry_base: Duration,
    /// Hosts webhooks may deliver to besides loopback ones (127.0.0.0/8, ::1, `localhost`).
    /// Empty by default: a shared sandbox must not become a way to reach other hosts.
    pub webhook_allow_hosts: Vec<String>,
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
            state: None,
            webhook_retry_base: crate::webhooks::attempt::DEFAULT_RETRY_BASE,
            webhook_allow_hosts: Vec::new(),
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
            .field("state", &self.state.as_ref().map(|_| "[path]"))
            .field("webhook_retry_base", &self.webhook_retry_base)
            .field("webhook_allow_hosts", &self.webhook_allow_hosts)
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
    /// Keeps the records in the SQLite database at `path` (see [`SandboxConfig::state`]).
    pub fn state(mut self, path: impl Into<PathBuf>) -> Self {
        self.state = Some(path.into());
        self
    }
    /// Sets how many finished idempotency records one tenant keeps.
    pub fn idempotency_capacity(mut self, n: usize) -> Self {
        self.idempotency_capacity = n;
        self
    }
    /// Sets the webhook retry schedule's base wait (see [`SandboxConfig::webhook_retry_base`]).
    pub fn webhook_retry_base(mut self, base: Duration) -> Self {
        self.webhook_retry_base = base;
        self
    }
    /// Lets webhooks deliver to `host` too (see [`SandboxConfig::webhook_allow_hosts`]).
    pub fn webhook_allow_host(mut self, host: impl Into<String>) -> Self {
        self.webhook_allow_hosts.push(host.into());
        self
    }
}

/// A usable fault rate: NaN and infinities mean no faults, anything else is clamped to 0..=1.
/// Applied by the setter and again at start, since the field is public.
pub(crate) fn clamp_rate(rate: f64) -> f64 {
    if rate.is_finite() {
        rate.clamp(0.0, 1.0)
    } else {
        0.0
    }
}
