//! How a sandbox runs: [`SandboxConfig`].

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The default wait after a webhook delivery's first failure (see
/// [`SandboxConfig::webhook_retry_base`]): with it, retries last about 55 hours, the platform's
/// schedule.
pub(crate) const DEFAULT_WEBHOOK_RETRY_BASE: Duration = Duration::from_secs(30);

/// The longest [`SandboxConfig::webhook_retry_base`] honoured (an hour: waits of up to 40 days,
/// retries for about 275 days); a longer one counts as this. Past it a schedule stops meaning
/// anything, and its times would overflow the clock.
pub(crate) const MAX_WEBHOOK_RETRY_BASE: Duration = Duration::from_secs(60 * 60);

/// The longest API key accepted, in characters. Every new key is remembered (it names a
/// tenant), so without a bound a client could hold hundreds of kilobytes per request; 256 is
/// far above any real key.
pub(crate) const MAX_API_KEY_LEN: usize = 256;

/// How a sandbox runs. Build it with [`SandboxConfig::default`] and the setters.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Address to listen on; the library default is `127.0.0.1:0` (a free loopback port).
    pub listen: SocketAddr,
    /// Accepted API keys; empty accepts any non-empty key of at most 256 characters. Each key
    /// is its own tenant.
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
    /// How long a connection may take to send a complete request head (request line and
    /// headers), counted from when the server starts waiting for it: from the accept for the
    /// first request, from the end of the previous answer on a kept-alive connection. So it is
    /// also the idle keep-alive timeout. Past it the connection is closed without an answer.
    /// Default 10 seconds.
    pub header_read_timeout: Duration,
    /// How long one request may take from its complete head to its answer, body upload
    /// included; past it the answer is 504 `GATEWAY_TIMEOUT` (the request may or may not have
    /// been processed, as the spec says of that status). Also how long sending an answer may
    /// make no progress (a client that does not read it): past it the connection is closed,
    /// freeing its slot of [`SandboxConfig::max_connections`]. Default 30 seconds.
    pub request_timeout: Duration,
    /// Most connections served at once. Past it the sandbox stops accepting until one closes:
    /// new connections wait in the listen backlog, they are not refused. At least 1.
    /// Default 512.
    pub max_connections: usize,
    /// The wait after a webhook delivery's first failure; later waits double up to 960 times
    /// it, and retries stop once the waits add up to 6 600 times it. Default 30 seconds
    /// (about 55 hours of retries); tests compress it to milliseconds. At most an hour; a
    /// longer one counts as an hour.
    pub webhook_retry_base: Duration,
    /// How long the previous webhook secret keeps signing deliveries after a rolling
    /// replacement (`replaceSecret` with `is_rolling_secret`). Default 24 hours, as on the
    /// platform; tests shorten it to see the rotation end.
    pub webhook_rolling_window: Duration,
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
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 512,
            webhook_retry_base: DEFAULT_WEBHOOK_RETRY_BASE,
            webhook_rolling_window: Duration::from_secs(24 * 60 * 60),
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
            .field("header_read_timeout", &self.header_read_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_connections", &self.max_connections)
            .field("webhook_retry_base", &self.webhook_retry_base)
            .field("webhook_rolling_window", &self.webhook_rolling_window)
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
    /// Sets the header-read timeout, which is also the keep-alive idle timeout (see
    /// [`SandboxConfig::header_read_timeout`]).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }
    /// Sets how long one request may take (see [`SandboxConfig::request_timeout`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
    /// Sets the most connections served at once (see [`SandboxConfig::max_connections`]).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }
    /// Sets the webhook retry schedule's base wait (see [`SandboxConfig::webhook_retry_base`]).
    pub fn webhook_retry_base(mut self, base: Duration) -> Self {
        self.webhook_retry_base = base;
        self
    }
    /// Sets how long a rolling replacement keeps the previous webhook secret (see
    /// [`SandboxConfig::webhook_rolling_window`]).
    pub fn webhook_rolling_window(mut self, window: Duration) -> Self {
        self.webhook_rolling_window = window;
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

/// The longest timeout honoured (a year); longer ones count as this. The timers add the timeout
/// to the clock, which overflows for durations near `Duration::MAX`.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 60 * 60);
