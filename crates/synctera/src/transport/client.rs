//! The [`Client`]: configuration, authentication and the shared connection pool. Calls are
//! made by [`Request`](crate::Request); each resource module adds its accessor (`client.persons()`, …).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;
use crate::transport::retry::RetryPolicy;

/// Which Synctera deployment to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    /// `https://api-sandbox.synctera.com/v0` (the default).
    #[default]
    Sandbox,
    /// `https://api.synctera.com/v0`.
    Production,
}

impl Environment {
    /// The base URL, `/v0` included.
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Sandbox => "https://api-sandbox.synctera.com/v0",
            Environment::Production => "https://api.synctera.com/v0",
        }
    }

    fn host(self) -> &'static str {
        match self {
            Environment::Sandbox => "api-sandbox.synctera.com",
            Environment::Production => "api.synctera.com",
        }
    }

    /// The deployment `url` points at, recognised by its host as the URL parser normalises it
    /// (lower case, an absolute name's trailing dot dropped), whatever its port or path: a
    /// guard that compared the text would let `https://API.synctera.com/v0` through.
    fn of(url: &reqwest::Url) -> Option<Environment> {
        let host = url.host_str()?;
        let host = host.strip_suffix('.').unwrap_or(host);
        [Environment::Sandbox, Environment::Production]
            .into_iter()
            .find(|e| e.host() == host)
    }
}

/// A Synctera API key. Zeroized on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// The longest key the API takes: a longer one is answered 401 on every call.
    pub const MAX_LEN: usize = 256;

    /// Wraps a key; it must be non-empty visible ASCII (it goes into an HTTP header) of at most
    /// [`Self::MAX_LEN`] characters.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key: String = key.into();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::validation(
                "api_key",
                "must be non-empty and contain only visible ASCII characters",
            ));
        }
        if key.len() > Self::MAX_LEN {
            return Err(Error::validation(
                "api_key",
                "must be at most 256 characters (the API answers a longer key with 401)",
            ));
        }
        Ok(Self(SecretString::from(key)))
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl From<SecretString> for ApiKey {
    fn from(s: SecretString) -> Self {
        Self(s)
    }
}

/// The `User-Agent` unless replaced.
const DEFAULT_USER_AGENT: &str = concat!("synctera-rs/", env!("CARGO_PKG_VERSION"));

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default cap on a response body ([`ClientBuilder::max_response_bytes`]): 8 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = synctera_raw::Limits::DEFAULT_MAX_RESPONSE_BYTES;

/// Configures a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use synctera::{Client, Environment};
/// let client = Client::builder()
///     .api_key("my-key")
///     .environment(Environment::Sandbox)
///     .connect_timeout(Duration::from_secs(5))
///     .build()?;
/// assert!(!format!("{client:?}").contains("my-key"));
/// # Ok::<(), synctera::Error>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    /// The key, or why it was refused (the reason never holds the key).
    api_key: Option<Result<ApiKey, Error>>,
    base_url: Option<String>,
    environment: Environment,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    retry_policy: RetryPolicy,
    attempt_timeout: Option<Option<Duration>>,
    total_deadline: Option<Option<Duration>>,
    plain_http_to_any_host: bool,
    max_response_bytes: Option<usize>,
}

/// The base URL is shown only when it could not carry a secret: one with credentials, a query
/// or a fragment (which [`ClientBuilder::build`] refuses) may hold a password or a key.
impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base_url = self.base_url.as_deref().map(|u| {
            if u.contains(['@', '?', '#']) {
                "[redacted]"
            } else {
                u
            }
        });
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key)
            .field("base_url", &base_url)
            .field("environment", &self.environment)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("retry_policy", &self.retry_policy)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_deadline", &self.total_deadline)
            .field("plain_http_to_any_host", &self.plain_http_to_any_host)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl ClientBuilder {
    /// The API key (required). Accepts a `&str`, `String` or `secrecy::SecretString`.
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        let key: SecretString = key.into();
        self.api_key = Some(ApiKey::new(key.expose_secret()));
        self
    }

    /// A base URL, `/v0` included (e.g. a local sandbox `http://127.0.0.1:8080/v0`). Overrides
    /// [`environment`](Self::environment).
    ///
    /// Plain `http://` is accepted only to a loopback host (`127.0.0.0/8`, `[::1]`,
    /// `localhost`): anywhere else the API key would cross the network in clear text, so
    /// [`build`](Self::build) refuses it unless
    /// [`danger_allow_plain_http_to_non_loopback`](Self::danger_allow_plain_http_to_non_loopback)
    /// was called.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Accept a plain `http://` base URL whose host is not loopback, such as a test proxy on
    /// another machine. Every request then carries the API key, and any personal data in it,
    /// unencrypted: never use it with a real key.
    pub fn danger_allow_plain_http_to_non_loopback(mut self) -> Self {
        self.plain_http_to_any_host = true;
        self
    }

    /// The largest response body the client reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`], 8 MiB: a full list page fits several times over). A
    /// larger answer, success or error, fails with [`Error::ResponseTooLarge`] as soon as it
    /// says or shows it is larger, without reading the rest.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Sandbox (default) or production.
    pub fn environment(mut self, env: Environment) -> Self {
        self.environment = env;
        self
    }

    /// How long to wait for a TCP/TLS connection (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = Some(t);
        self
    }

    /// How long one attempt may take (default 30 s, see [`crate::retry`]).
    pub fn timeout(mut self, t: impl Into<Option<Duration>>) -> Self {
        self.attempt_timeout = Some(t.into());
        self
    }

    /// How long a call may take in total, retries included (default 60 s).
    pub fn total_timeout(mut self, t: impl Into<Option<Duration>>) -> Self {
        self.total_deadline = Some(t.into());
        self
    }

    /// Replace the `User-Agent` (default `synctera-rs/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// The retry policy for every call (per call: [`Request::retry_policy`](crate::Request::retry_policy)). Timeouts set
    /// with [`timeout`](Self::timeout) / [`total_timeout`](Self::total_timeout) are applied on
    /// top of it.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Builds the client: one connection pool shared by every clone.
    pub fn build(self) -> Result<Client, Error> {
        let key = match self.api_key {
            Some(Ok(key)) => key,
            Some(Err(refused)) => return Err(refused),
            None => return Err(Error::validation("api_key", "is required")),
        };
        let base_url = self
            .base_url
            .unwrap_or_else(|| self.environment.base_url().to_owned());
        // Surrounding white space (a stray space in an environment variable) would pass the URL
        // parser, which ignores it, and then be sent as `%20` in every path.
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        // Checked here, so a typo fails once at build time rather than as a transport error
        // (which the retry loop would retry) on every call.
        // Operation paths are appended to it, so a query or fragment would swallow them, and
        // credentials in it would travel (and log) with every request.
        let parsed = reqwest::Url::parse(&base_url).ok().filter(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && u.query().is_none()
                && u.fragment().is_none()
                && u.username().is_empty()
                && u.password().is_none()
        });
        let Some(parsed) = parsed else {
            return Err(Error::validation(
                "base_url",
                "must be an absolute http:// or https:// URL without query, fragment or \
                 credentials",
            ));
        };
        if parsed.scheme() == "http" && !self.plain_http_to_any_host && !is_loopback(&parsed) {
            return Err(Error::validation(
                "base_url",
                "plain http:// is only allowed to a loopback host (127.0.0.0/8, [::1], \
                 localhost); use https://",
            ));
        }
        let mut limits = synctera_raw::Limits::default();
        if let Some(bytes) = self.max_response_bytes {
            if bytes == 0 {
                return Err(Error::validation(
                    "max_response_bytes",
                    "must be at least 1",
                ));
            }
            limits.max_response_bytes = bytes;
        }
        let mut auth = http::HeaderValue::try_from(format!("Bearer {}", key.0.expose_secret()))
            .map_err(|_| Error::validation("api_key", "cannot be sent in an HTTP header"))?;
        auth.set_sensitive(true);
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, auth);
        // The default is a static header value: reqwest clones the user agent into every request
        // (and its connector several times per request), and cloning a static value is free
        // where an allocated one counts references atomically.
        let user_agent = match self.user_agent {
            None => http::HeaderValue::from_static(DEFAULT_USER_AGENT),
            Some(ua) => http::HeaderValue::try_from(ua).map_err(|_| {
                Error::validation(
                    "user_agent",
                    "cannot be sent in an HTTP header (use visible ASCII characters)",
                )
            })?,
        };
        let http = reqwest::Client::builder()
            // Never follow redirects: on a 307/308 reqwest would re-send the body (which may hold
            // a full SSN) and, for a same-origin target, the API key, to wherever the `Location`
            // points. The API documents no redirects, so one reaches the caller as an error.
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .user_agent(user_agent)
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .build()
            .map_err(|e| Error::Transport(Box::new(e.without_url())))?;
        let mut policy = self.retry_policy;
        if let Some(t) = self.attempt_timeout {
            policy = policy.attempt_timeout(t);
        }
        if let Some(t) = self.total_deadline {
            policy = policy.total_deadline(t);
        }
        let environment = Environment::of(&parsed);
        let raw = synctera_raw::Client::new_with_client(&base_url, http, limits);
        Ok(Client {
            inner: Arc::new(Inner {
                raw,
                policy,
                base_url,
                environment,
            }),
        })
    }
}

/// Whether a URL's host is this machine. Decided on the parsed host, never by resolving it: a
/// name other than `localhost` could resolve anywhere.
fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        // The URL parser lowercases the host of an http(s) URL.
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    }
}

struct Inner {
    raw: synctera_raw::Client,
    policy: RetryPolicy,
    base_url: String,
    environment: Option<Environment>,
}

/// The Synctera client. Cheap to clone (all clones share one connection pool), `Send + Sync`.
///
/// Redirects are never followed (a `3xx` answer is returned as [`Error::Api`] with its status):
/// following one would re-send a request body, which may hold a full SSN, to another address.
///
/// ```no_run
/// # async fn f() -> Result<(), synctera::Error> {
/// let client = synctera::Client::from_env()?;
/// let person = client.persons().get("7d943c51-e4ff-4e57-9558-08cab6b963c7".parse::<synctera::PersonId>()?).await?;
/// println!("{:?}", person.status);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"[redacted]")
            .field("retry_policy", &self.inner.policy)
            .finish()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `SYNCTERA_API_KEY` (required) and `SYNCTERA_BASE_URL`
    /// (optional; default: Synctera's sandbox).
    pub fn from_env() -> Result<Self, Error> {
        let key = std::env::var("SYNCTERA_API_KEY").map_err(|_| {
            Error::validation("SYNCTERA_API_KEY", "environment variable is not set")
        })?;
        let mut builder = Client::builder().api_key(key);
        if let Some(url) = std::env::var("SYNCTERA_BASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The Synctera deployment the base URL points at, if it is one of them (`None` for a
    /// local sandbox or any other URL), recognised by its host however the URL is spelled.
    /// Lets an operation refuse to run against production.
    pub fn environment(&self) -> Option<Environment> {
        self.inner.environment
    }

    pub(crate) fn raw(&self) -> &synctera_raw::Client {
        &self.inner.raw
    }

    /// The policy calls use unless a request sets its own.
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_required_and_never_shown() {
        let err = Client::builder().build().unwrap_err();
        assert!(matches!(&err, Error::Validation { field, .. } if *field == "api_key"));
        let err = Client::builder().api_key("bad key\n").build().unwrap_err();
        assert!(!err.to_string().contains("bad key"));
        let client = Client::builder().api_key("sk_test_123").build().unwrap();
        assert!(!format!("{client:?}").contains("sk_test_123"));
        assert_eq!(client.base_url(), "https://api-sandbox.synctera.com/v0");
        assert_eq!(
            format!("{:?}", ApiKey::new("sk_test_123").unwrap()),
            "ApiKey([redacted])"
        );
    }

    /// The API answers a key over 256 characters with 401 on every call: refused at build,
    /// saying why, without the key.
    #[test]
    fn a_key_longer_than_256_characters_is_refused_at_build() {
        let longest = format!("sk_{}", "k".repeat(253));
        assert!(Client::builder().api_key(longest.as_str()).build().is_ok());
        let too_long = format!("{longest}X");
        let err = Client::builder()
            .api_key(too_long.as_str())
            .build()
            .unwrap_err();
        let Error::Validation { field, reason } = &err else {
            panic!("expected a validation error, got {err:?}");
        };
        assert_eq!(*field, "api_key");
        assert!(reason.contains("256"), "{reason}");
        assert!(!format!("{err} {err:?}").contains("kkkk"));
        assert!(ApiKey::new(too_long).is_err());
    }

    #[test]
    fn environment_and_base_url() {
        let c = Client::builder()
            .api_key("k")
            .environment(Environment::Production)
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "https://api.synctera.com/v0");
        assert_eq!(c.environment(), Some(Environment::Production));
        let c = Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9/v0/")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9/v0");
        assert_eq!(c.environment(), None);
        for spaced in [" http://127.0.0.1:9/v0 ", "http://127.0.0.1:9/v0/ \n"] {
            let c = Client::builder()
                .api_key("k")
                .base_url(spaced)
                .build()
                .unwrap();
            assert_eq!(c.base_url(), "http://127.0.0.1:9/v0", "{spaced:?}");
        }
        // Production however its URL is spelled: the wipe guard reads this (decided without
        // sending anything).
        let environment_of = |url: &str| {
            Client::builder()
                .api_key("k")
                .base_url(url)
                .build()
                .unwrap()
                .environment()
        };
        for production in [
            "https://api.synctera.com/v0",
            "https://API.Synctera.com/v0",
            "https://api.synctera.com:443/v0",
            "https://api.synctera.com./v0/",
            "https://api.synctera.com:8443/other",
        ] {
            assert_eq!(
                environment_of(production),
                Some(Environment::Production),
                "{production}"
            );
        }
        assert_eq!(
            environment_of("https://API-SANDBOX.synctera.com./v0"),
            Some(Environment::Sandbox)
        );
        for other in [
            "https://api.synctera.com.example.org/v0",
            "https://xapi.synctera.com/v0",
            "http://localhost:4010/v0",
        ] {
            assert_eq!(environment_of(other), None, "{other}");
        }
        for bad in [
            "ftp://x",
            "http://bad host/v0",
            "localhost:4010/v0",
            "http://h/v0?x=1",
            "http://h/v0#top",
            "https://user:pass@h/v0",
            "https://",
        ] {
            let err = Client::builder()
                .api_key("k")
                .base_url(bad)
                .build()
                .unwrap_err();
            assert!(
                matches!(&err, Error::Validation { field, .. } if *field == "base_url"),
                "{bad}: {err:?}"
            );
        }
        let err = Client::builder()
            .api_key("k")
            .user_agent("my-app/1.0\r\nX-Injected: yes")
            .build()
            .unwrap_err();
        assert!(matches!(&err, Error::Validation { field, .. } if *field == "user_agent"));
        assert!(!err.to_string().contains("my-app"));
        assert!(!err.is_retryable());
    }

    /// A base URL carrying a password or a key (refused by `build`) is not shown by the
    /// builder's `Debug`; nor is the key.
    #[test]
    fn builder_debug_hides_a_secret_in_the_base_url() {
        for url in [
            "https://user:PASSWORD@h/v0",
            "https://h/v0?api_key=PASSWORD",
            "https://h/v0#PASSWORD",
        ] {
            let builder = Client::builder().api_key("KEYVALUE").base_url(url);
            let shown = format!("{builder:?} {builder:#?}");
            assert!(
                !shown.contains("PASSWORD") && !shown.contains("KEYVALUE"),
                "{shown}"
            );
        }
        let plain = Client::builder().base_url("http://127.0.0.1:9/v0");
        assert!(format!("{plain:?}").contains("http://127.0.0.1:9/v0"));
    }

    #[test]
    fn client_is_clone_send_sync() {
        fn assert_traits<T: Clone + Send + Sync + 'static>() {}
        assert_traits::<Client>();
    }
}
