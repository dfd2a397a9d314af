//! Retries, timeouts and idempotency keys for every call the client makes.
//!
//! Each resource method is one *logical call*: it may take several HTTP attempts, but it gets one
//! [`IdempotencyKey`] (generated before the first attempt, so every attempt carries the same key),
//! one total deadline covering all attempts and back-off sleeps, and one `tracing` span.
//!
//! # Defaults
//!
//! | setting | default |
//! | --- | --- |
//! | attempts in total | 3 (`max_retries(0)` means exactly one) |
//! | back-off | exponential from 200 ms, full jitter, capped at 5 s |
//! | `Retry-After` | honoured, but never longer than the cap |
//! | connect timeout (set on the client: [`ClientBuilder::connect_timeout`](crate::client::ClientBuilder::connect_timeout)) | 10 s |
//! | per-attempt timeout | 30 s |
//! | total deadline (all attempts and sleeps) | 60 s |
//!
//! # What is retried
//!
//! [`DefaultClassifier`] retries connection failures, timeouts (including `408`), `429` and
//! `500`/`502`/`503`/`504`, and only for requests that are safe to replay: `GET`, `PUT` (a full
//! replace) and any request carrying an `Idempotency-Key`, which the server uses to answer a
//! replay with the first result instead of acting twice. A `POST` without a key is never retried:
//! if the connection dropped after the server committed, a second attempt would create a second
//! record. Replace the classifier with [`RetryPolicy::classifier`] to change this.
//!
//! A wait that would end past the total deadline is not started: the call fails at once with
//! the last attempt's error, which says more than a timeout would.
//!
//! # Tracing
//!
//! Each logical call runs in one INFO span named `synctera.call` with the fields
//! `operation_id` (e.g. `createPerson`), `method`, `idempotency_key`, `attempts`, `status` and
//! `request_id` of the final answer, and `outcome` (`ok` or the error kind). Each attempt emits
//! DEBUG events (started, succeeded, or failed with its status and the chosen delay). Headers,
//! bodies, URLs and error details are never recorded, so no PII or API key reaches a subscriber.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;
use tracing::field::Empty;

use crate::Error;
use crate::error::ApiErrorCode;

/// The value of an `Idempotency-Key` header: 1–255 visible ASCII characters.
///
/// The client generates one (a random UUIDv4) per logical create/patch/verify call. Supply your
/// own when your system already has a natural key for the operation, so that a retry made by
/// *your* code (after a crash, say) is also recognised by the server as the same request.
///
/// **A key must be opaque.** It is not a secret to this crate: it is sent as a header, recorded
/// verbatim as the `idempotency_key` field of the call's tracing span, and shown by `Debug` and
/// `Display`. Never build one from PII (an e-mail, an SSN, a name); use an id or a random value
/// from your own system, e.g. `signup-<your row id>`.
///
/// ```
/// use synctera::retry::IdempotencyKey;
/// let key: IdempotencyKey = "order-2024-0001".parse()?;
/// assert_eq!(key.as_str(), "order-2024-0001");
/// assert!("".parse::<IdempotencyKey>().is_err());
/// # Ok::<(), synctera::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The longest key the API accepts.
    pub const MAX_LEN: usize = 255;

    /// A fresh random key (a UUIDv4 in its hyphenated form).
    pub fn new_v4() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The key as sent in the header.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn validate(value: &str) -> Result<(), Error> {
        // The reason never quotes the value: a caller may have built the key from business data.
        let reason = if value.is_empty() {
            "must not be empty"
        } else if value.len() > Self::MAX_LEN {
            "must be at most 255 characters"
        } else if !value.bytes().all(|b| b.is_ascii_graphic()) {
            "must contain only visible ASCII characters (no spaces or control characters)"
        } else {
            return Ok(());
        };
        Err(Error::validation("idempotency_key", reason))
    }
}

impl FromStr for IdempotencyKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::validate(s)?;
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = Error;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::validate(&value)?;
        Ok(Self(value))
    }
}

impl TryFrom<&str> for IdempotencyKey {
    type Error = Error;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdempotencyKey").field(&self.0).finish()
    }
}

/// What the retry machinery knows about a logical call: enough to decide whether replaying it is
/// safe, and to label its tracing span.
#[derive(Debug, Clone)]
pub struct CallInfo {
    /// The API's operation id, e.g. `"createPerson"`.
    pub operation_id: &'static str,
    /// The HTTP method of the call.
    pub method: http::Method,
    /// The key every attempt of this call carries, if the operation takes one.
    pub idempotency_key: Option<IdempotencyKey>,
}

impl CallInfo {
    /// A call without an idempotency key.
    pub fn new(operation_id: &'static str, method: http::Method) -> Self {
        Self {
            operation_id,
            method,
            idempotency_key: None,
        }
    }

    /// The same call carrying `key` on every attempt.
    pub fn with_idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    /// Whether sending this request twice has the same effect as sending it once: `GET`, `PUT`,
    /// or any request with an idempotency key.
    pub fn is_replay_safe(&self) -> bool {
        self.idempotency_key.is_some()
            || self.method == http::Method::GET
            || self.method == http::Method::PUT
    }
}

/// The verdict of a [`RetryClassifier`] on one failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again. `after` is the server's requested wait (`Retry-After`), if any; it is honoured
    /// up to the policy's `max_delay`. Without it the policy's jittered back-off applies.
    Retry {
        /// The server-requested delay before the next attempt.
        after: Option<Duration>,
    },
    /// Give up and return this error to the caller.
    DoNotRetry,
}

/// Decides whether a failed attempt is worth repeating. Implement it to change what is retried;
/// attempt counting, back-off and deadlines stay with the [`RetryPolicy`].
pub trait RetryClassifier: Send + Sync + fmt::Debug {
    /// Classify the failure of attempt number `attempt` (1 for the first) of `call`.
    fn classify(&self, call: &CallInfo, error: &Error, attempt: u32) -> RetryDecision;
}

/// The classifier used unless replaced. For replay-safe calls only (see
/// [`CallInfo::is_replay_safe`]) it retries connection failures, timeouts, `408`, `429`,
/// `500`/`502`/`503`/`504`, and for keyed calls `422 IDEMPOTENCY_CONCURRENT_USE`; it passes on a
/// `Retry-After` the server sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultClassifier;

impl RetryClassifier for DefaultClassifier {
    fn classify(&self, call: &CallInfo, error: &Error, _attempt: u32) -> RetryDecision {
        if !call.is_replay_safe() {
            return RetryDecision::DoNotRetry;
        }
        match error {
            Error::Api {
                status: 408 | 429 | 500 | 502 | 503 | 504,
                retry_after,
                ..
            } => RetryDecision::Retry {
                after: *retry_after,
            },
            // Only keyed calls get this answer: the first attempt (perhaps one we gave up on) is
            // still running on the server. Asking again later returns its stored result.
            Error::Api {
                code: Some(ApiErrorCode::IdempotencyConcurrentUse),
                retry_after,
                ..
            } if call.idempotency_key.is_some() => RetryDecision::Retry {
                after: *retry_after,
            },
            Error::Timeout | Error::Transport(..) => RetryDecision::Retry { after: None },
            _ => RetryDecision::DoNotRetry,
        }
    }
}

/// How many times, how long apart and for how long a logical call is attempted.
///
/// Set one on the client for every call, or per call to override it. See the [module
/// docs](self) for the defaults.
///
/// ```
/// use std::time::Duration;
/// use synctera::retry::RetryPolicy;
/// let patient = RetryPolicy::default()
///     .max_retries(5)
///     .max_delay(Duration::from_secs(10))
///     .total_deadline(Duration::from_secs(120));
/// let once = RetryPolicy::default().max_retries(0); // exactly one attempt
/// # let _ = (patient, once);
/// ```
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    attempt_timeout: Option<Duration>,
    total_deadline: Option<Duration>,
    classifier: Arc<dyn RetryClassifier>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            attempt_timeout: Some(Duration::from_secs(30)),
            total_deadline: Some(Duration::from_secs(60)),
            classifier: Arc::new(DefaultClassifier),
        }
    }
}

impl RetryPolicy {
    /// A policy that makes exactly one attempt (timeouts stay as in the default).
    pub fn no_retries() -> Self {
        Self::default().max_retries(0)
    }

    /// The number of attempts in total, first one included. `0` is treated as `1`.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The number of attempts after the first: `max_retries(0)` means exactly one attempt.
    pub fn max_retries(self, retries: u32) -> Self {
        self.max_attempts(retries.saturating_add(1))
    }

    /// The back-off before the first retry; it doubles for each further one, up to `max_delay`.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest wait between two attempts, whether from back-off or from `Retry-After`.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How long one attempt may take before it fails with [`Error::Timeout`] (and is retried if
    /// the classifier says so). `None` leaves only the total deadline.
    pub fn attempt_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.attempt_timeout = timeout.into();
        self
    }

    /// How long the whole call may take, all attempts and waits included; past it the call fails
    /// with [`Error::Timeout`]. `None` removes the deadline.
    pub fn total_deadline(mut self, deadline: impl Into<Option<Duration>>) -> Self {
        self.total_deadline = deadline.into();
        self
    }

    /// Replace the rule deciding which failures are retried.
    pub fn classifier(mut self, classifier: impl RetryClassifier + 'static) -> Self {
        self.classifier = Arc::new(classifier);
        self
    }

    /// The wait before the attempt following failed attempt `attempt` (1-based): `Retry-After`
    /// capped at `max_delay` when the server sent one, otherwise a uniformly random duration
    /// between zero and `min(max_delay, base_delay × 2^(attempt−1))` ("full jitter", which
    /// spreads out clients that failed together instead of having them retry in lockstep).
    fn delay_before_next(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let ceiling = self.backoff_ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.base_delay
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// Record the outcome of a successful attempt on the current call's span. The resource clients
/// call it from inside the attempt closure, because only they see the response's status and
/// request id.
pub(crate) fn record_response(status: u16, request_id: Option<&str>) {
    let span = tracing::Span::current();
    span.record("status", status);
    if let Some(id) = request_id {
        span.record("request_id", id);
    }
}

/// A short, value-free name for an error, fit for logs.
fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Validation { .. } => "validation",
        Error::Api { .. } => "api",
        Error::Timeout => "timeout",
        Error::Transport(..) => "transport",
        Error::Decode(..) => "decode",
        Error::Pagination { .. } => "pagination",
    }
}

/// Run one logical call: attempt it, and while the policy's classifier says so and attempts and
/// time remain, wait and attempt it again. `attempt` receives the attempt number (1-based) and
/// must build a fresh request each time, carrying `call.idempotency_key` if it has one.
pub(crate) async fn execute<T, F, Fut>(
    policy: &RetryPolicy,
    call: CallInfo,
    attempt: F,
) -> Result<T, Error>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let span = tracing::info_span!(
        "synctera.call",
        operation_id = call.operation_id,
        method = %call.method,
        idempotency_key = Empty,
        attempts = Empty,
        status = Empty,
        request_id = Empty,
        outcome = Empty,
    );
    if let Some(key) = &call.idempotency_key {
        span.record("idempotency_key", key.as_str());
    }
    let deadline = policy
        .total_deadline
        .map(|d| tokio::time::Instant::now() + d);

    // Recorded once at the end: `fmt` subscribers append, rather than replace, re-recorded fields.
    let (result, attempts_made) = run_attempts(policy, &call, deadline, attempt)
        .instrument(span.clone())
        .await;

    span.record("attempts", attempts_made);
    match &result {
        Ok(_) => span.record("outcome", "ok"),
        Err(error) => span.record("outcome", error_kind(error)),
    };
    result
}

/// The attempts of one call; returns the outcome and how many attempts were made.
async fn run_attempts<T, F, Fut>(
    policy: &RetryPolicy,
    call: &CallInfo,
    deadline: Option<tokio::time::Instant>,
    mut attempt: F,
) -> (Result<T, Error>, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let span = tracing::Span::current();
    let mut number = 1u32;
    loop {
        tracing::debug!(attempt = number, "attempt started");
        // One timer per attempt, at whichever comes first: the attempt's own limit or the
        // call's deadline. Back-off sleeps never cross the deadline (checked below), so nothing
        // else needs bounding.
        let limit = match (policy.attempt_timeout, deadline) {
            (Some(t), Some(d)) => Some(d.min(tokio::time::Instant::now() + t)),
            (Some(t), None) => Some(tokio::time::Instant::now() + t),
            (None, d) => d,
        };
        let outcome = match limit {
            Some(at) => tokio::time::timeout_at(at, attempt(number))
                .await
                .unwrap_or_else(|_| {
                    if deadline.is_some_and(|d| d <= at) {
                        tracing::debug!(attempt = number, "total deadline reached");
                    }
                    Err(Error::Timeout)
                }),
            None => attempt(number).await,
        };
        let error = match outcome {
            Ok(value) => {
                tracing::debug!(attempt = number, "attempt succeeded");
                return (Ok(value), number);
            }
            Err(error) => error,
        };
        let (status, request_id) = match &error {
            Error::Api {
                status, request_id, ..
            } => (Some(*status), request_id.as_deref()),
            _ => (None, None),
        };
        let kind = error_kind(&error);
        let verdict = if number >= policy.max_attempts {
            Err("no attempts left")
        } else {
            match policy.classifier.classify(call, &error, number) {
                RetryDecision::DoNotRetry => Err("not retryable"),
                RetryDecision::Retry { after } => {
                    let delay = policy.delay_before_next(number, after);
                    // Sleeping into the deadline would only turn a meaningful error into a
                    // timeout.
                    if deadline.is_some_and(|d| tokio::time::Instant::now() + delay >= d) {
                        Err("no time left to retry")
                    } else {
                        Ok(delay)
                    }
                }
            }
        };
        let delay = match verdict {
            Ok(delay) => delay,
            Err(reason) => {
                // Only the final answer goes on the span, so its status is the call's status.
                if let Some(status) = status {
                    span.record("status", status);
                }
                if let Some(id) = request_id {
                    span.record("request_id", id);
                }
                tracing::debug!(
                    attempt = number,
                    error = kind,
                    status,
                    request_id,
                    "attempt failed; {reason}"
                );
                return (Err(error), number);
            }
        };
        tracing::debug!(
            attempt = number,
            error = kind,
            status,
            request_id,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "attempt failed; retrying"
        );
        tokio::time::sleep(delay).await;
        number += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::time::Instant;

    fn api_error(status: u16, retry_after: Option<Duration>) -> Error {
        Error::Api {
            status,
            code: None,
            title: None,
            detail: None,
            request_id: Some("req-1".into()),
            retry_after,
        }
    }

    fn call(method: http::Method, keyed: bool) -> CallInfo {
        let info = CallInfo::new("testOperation", method);
        if keyed {
            info.with_idempotency_key(IdempotencyKey::new_v4())
        } else {
            info
        }
    }

    fn retries(decision: RetryDecision) -> bool {
        matches!(decision, RetryDecision::Retry { .. })
    }

    #[test]
    fn key_accepts_up_to_255_visible_ascii_characters() {
        for ok in ["a", "order-1", "~!@#$%^&*()_+{}|:<>?", &"k".repeat(255)] {
            let key: IdempotencyKey = ok.parse().unwrap();
            assert_eq!(key.as_str(), ok);
            assert_eq!(IdempotencyKey::try_from(ok.to_owned()).unwrap(), key);
        }
    }

    #[test]
    fn key_rejects_bad_values_naming_the_field_not_the_value() {
        let long = "secret".repeat(43); // 258 characters
        for bad in [
            "",
            "has space",
            "tab\there",
            "newline\n",
            "naïve",
            long.as_str(),
        ] {
            let error = bad.parse::<IdempotencyKey>().unwrap_err();
            let Error::Validation { field, reason } = &error else {
                panic!("expected a validation error, got {error:?}");
            };
            assert_eq!(*field, "idempotency_key");
            let shown = format!("{error} {error:?} {reason}");
            if !bad.is_empty() {
                assert!(
                    !shown.contains(bad),
                    "the message echoes the value: {shown}"
                );
            }
            assert!(IdempotencyKey::try_from(bad.to_owned()).is_err());
        }
    }

    #[test]
    fn generated_keys_are_valid_and_distinct() {
        let a = IdempotencyKey::new_v4();
        let b = IdempotencyKey::new_v4();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 36);
        assert_eq!(a.as_str().parse::<IdempotencyKey>().unwrap(), a);
        assert!(uuid::Uuid::parse_str(a.as_str()).is_ok());
    }

    #[test]
    fn classifier_matrix() {
        use http::Method;
        let classifier = DefaultClassifier;
        let transient = [408, 429, 500, 502, 503, 504];
        let permanent = [400, 401, 403, 404, 409, 422, 501, 505];
        for (method, keyed) in [
            (Method::GET, false),
            (Method::PUT, false),
            (Method::POST, true),
            (Method::PATCH, true),
        ] {
            let info = call(method.clone(), keyed);
            for status in transient {
                assert!(
                    retries(classifier.classify(&info, &api_error(status, None), 1)),
                    "{method} keyed={keyed} {status} should be retried"
                );
            }
            assert!(retries(classifier.classify(&info, &Error::Timeout, 1)));
            for status in permanent {
                assert!(
                    !retries(classifier.classify(&info, &api_error(status, None), 1)),
                    "{method} keyed={keyed} {status} should not be retried"
                );
            }
            let invalid = Error::validation("email", "is not an e-mail address");
            assert!(!retries(classifier.classify(&info, &invalid, 1)));
            let paging = Error::Pagination {
                reason: "loop".into(),
            };
            assert!(!retries(classifier.classify(&info, &paging, 1)));
        }
        // Without a key, POST and PATCH are never replayed, whatever the failure.
        for method in [Method::POST, Method::PATCH] {
            let info = call(method, false);
            for status in transient {
                assert_eq!(
                    classifier.classify(&info, &api_error(status, None), 1),
                    RetryDecision::DoNotRetry
                );
            }
            assert_eq!(
                classifier.classify(&info, &Error::Timeout, 1),
                RetryDecision::DoNotRetry
            );
        }
    }

    #[test]
    fn keyed_calls_retry_concurrent_use_but_not_invalid_reuse() {
        let with_code = |code| Error::Api {
            status: 422,
            code: Some(code),
            title: None,
            detail: None,
            request_id: None,
            retry_after: None,
        };
        let keyed = call(http::Method::POST, true);
        let concurrent = with_code(ApiErrorCode::IdempotencyConcurrentUse);
        assert!(retries(DefaultClassifier.classify(&keyed, &concurrent, 1)));
        let reuse = with_code(ApiErrorCode::IdempotencyInvalidReuse);
        assert!(!retries(DefaultClassifier.classify(&keyed, &reuse, 1)));
        let unkeyed_get = call(http::Method::GET, false);
        assert!(!retries(DefaultClassifier.classify(
            &unkeyed_get,
            &concurrent,
            1
        )));
    }

    #[test]
    fn classifier_passes_retry_after_on() {
        let after = Some(Duration::from_secs(7));
        assert_eq!(
            DefaultClassifier.classify(&call(http::Method::GET, false), &api_error(429, after), 1),
            RetryDecision::Retry { after }
        );
    }

    #[test]
    fn backoff_is_full_jitter_under_an_exponential_cap() {
        fastrand::seed(7);
        let policy = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_secs(2));
        let expected_ceilings = [100, 200, 400, 800, 1600, 2000, 2000, 2000];
        for (index, ceiling_ms) in expected_ceilings.into_iter().enumerate() {
            let attempt = index as u32 + 1;
            let ceiling = Duration::from_millis(ceiling_ms);
            assert_eq!(policy.backoff_ceiling(attempt), ceiling);
            let samples: Vec<Duration> = (0..2000)
                .map(|_| policy.delay_before_next(attempt, None))
                .collect();
            assert!(samples.iter().all(|d| *d <= ceiling), "attempt {attempt}");
            // Full jitter: the waits spread over the whole range, not bunched at the ceiling.
            assert!(
                samples.iter().any(|d| *d < ceiling / 10),
                "attempt {attempt}"
            );
            assert!(
                samples.iter().any(|d| *d > ceiling * 9 / 10),
                "attempt {attempt}"
            );
        }
        // Huge attempt numbers neither overflow nor exceed the cap.
        assert_eq!(policy.backoff_ceiling(u32::MAX), Duration::from_secs(2));
    }

    #[test]
    fn retry_after_is_used_as_is_below_the_cap_and_capped_above_it() {
        let policy = RetryPolicy::default().max_delay(Duration::from_secs(5));
        let two = Duration::from_secs(2);
        assert_eq!(policy.delay_before_next(1, Some(two)), two);
        assert_eq!(
            policy.delay_before_next(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(5)
        );
    }

    /// Runs `execute` with attempts answered by `outcomes` in turn (the last one repeats) and
    /// returns the result, the number of attempts and the (paused-clock) time it took.
    async fn run(
        policy: &RetryPolicy,
        info: CallInfo,
        outcomes: Vec<Result<u32, Error>>,
    ) -> (Result<u32, Error>, u32, Duration) {
        let count = AtomicU32::new(0);
        let outcomes = std::sync::Mutex::new(outcomes);
        let start = Instant::now();
        let result = execute(policy, info, |_| {
            count.fetch_add(1, Ordering::SeqCst);
            let mut outcomes = outcomes.lock().unwrap();
            let outcome = if outcomes.len() > 1 {
                outcomes.remove(0)
            } else {
                clone_outcome(&outcomes[0])
            };
            async move { outcome }
        })
        .await;
        (result, count.load(Ordering::SeqCst), start.elapsed())
    }

    fn clone_outcome(outcome: &Result<u32, Error>) -> Result<u32, Error> {
        match outcome {
            Ok(v) => Ok(*v),
            Err(Error::Api {
                status,
                retry_after,
                ..
            }) => Err(api_error(*status, *retry_after)),
            Err(Error::Timeout) => Err(Error::Timeout),
            Err(other) => panic!("cannot repeat {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn default_policy_makes_three_attempts_then_returns_the_last_error() {
        let policy = RetryPolicy::default();
        let (result, attempts, _) = run(
            &policy,
            call(http::Method::GET, false),
            vec![Err(api_error(503, None))],
        )
        .await;
        assert_eq!(attempts, 3);
        assert!(matches!(result, Err(Error::Api { status, .. }) if status == 503));
    }

    #[tokio::test(start_paused = true)]
    async fn a_transient_failure_is_recovered() {
        let policy = RetryPolicy::default();
        let outcomes = vec![Err(api_error(502, None)), Err(Error::Timeout), Ok(42)];
        let (result, attempts, _) = run(&policy, call(http::Method::PUT, false), outcomes).await;
        assert_eq!(result.unwrap(), 42);
        assert_eq!(attempts, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn max_retries_zero_means_exactly_one_attempt() {
        let policy = RetryPolicy::default().max_retries(0);
        let (result, attempts, _) = run(
            &policy,
            call(http::Method::GET, false),
            vec![Err(api_error(500, None))],
        )
        .await;
        assert_eq!(attempts, 1);
        assert!(result.is_err());
        let (_, attempts, _) = run(
            &RetryPolicy::no_retries(),
            call(http::Method::GET, false),
            vec![Err(Error::Timeout)],
        )
        .await;
        assert_eq!(attempts, 1);
        let (_, attempts, _) = run(
            &RetryPolicy::default().max_attempts(0),
            call(http::Method::GET, false),
            vec![Err(Error::Timeout)],
        )
        .await;
        assert_eq!(attempts, 1, "max_attempts(0) still makes one attempt");
    }

    #[tokio::test(start_paused = true)]
    async fn max_retries_counts_attempts_after_the_first() {
        let policy = RetryPolicy::default().max_retries(4);
        let (_, attempts, _) = run(
            &policy,
            call(http::Method::GET, false),
            vec![Err(Error::Timeout)],
        )
        .await;
        assert_eq!(attempts, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn unkeyed_post_is_attempted_once_and_keyed_post_is_retried() {
        let policy = RetryPolicy::default();
        let failure = || vec![Err(api_error(500, None))];
        let (_, attempts, _) = run(&policy, call(http::Method::POST, false), failure()).await;
        assert_eq!(attempts, 1);
        let (_, attempts, _) = run(&policy, call(http::Method::POST, true), failure()).await;
        assert_eq!(attempts, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured() {
        let policy = RetryPolicy::default().max_delay(Duration::from_secs(10));
        let outcomes = vec![Err(api_error(429, Some(Duration::from_secs(4)))), Ok(1)];
        let (result, attempts, waited) =
            run(&policy, call(http::Method::GET, false), outcomes).await;
        assert_eq!(result.unwrap(), 1);
        assert_eq!(attempts, 2);
        // Virtual time: the only sleep is the one execute chose.
        assert!(waited >= Duration::from_secs(4), "waited {waited:?}");
        assert!(waited < Duration::from_millis(4010), "waited {waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_beyond_the_cap_waits_only_the_cap() {
        let policy = RetryPolicy::default()
            .max_delay(Duration::from_secs(3))
            .total_deadline(None);
        let outcomes = vec![Err(api_error(503, Some(Duration::from_secs(3600)))), Ok(1)];
        let (result, _, waited) = run(&policy, call(http::Method::GET, false), outcomes).await;
        assert_eq!(result.unwrap(), 1);
        assert!(waited >= Duration::from_secs(3), "waited {waited:?}");
        assert!(waited < Duration::from_millis(3010), "waited {waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_attempt_that_hangs_times_out_and_is_retried() {
        let policy = RetryPolicy::default()
            .attempt_timeout(Duration::from_secs(1))
            .total_deadline(None);
        let count = AtomicU32::new(0);
        let result: Result<(), Error> = execute(&policy, call(http::Method::GET, false), |_| {
            count.fetch_add(1, Ordering::SeqCst);
            std::future::pending()
        })
        .await;
        assert!(matches!(result, Err(Error::Timeout)));
        assert_eq!(count.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn the_total_deadline_covers_every_attempt() {
        let policy = RetryPolicy::default()
            .max_attempts(1000)
            .attempt_timeout(Duration::from_secs(2))
            .total_deadline(Duration::from_secs(10));
        let count = AtomicU32::new(0);
        let start = Instant::now();
        let result: Result<(), Error> = execute(&policy, call(http::Method::GET, false), |_| {
            count.fetch_add(1, Ordering::SeqCst);
            std::future::pending()
        })
        .await;
        assert!(matches!(result, Err(Error::Timeout)));
        assert!(start.elapsed() <= Duration::from_millis(10_010));
        let attempts = count.load(Ordering::SeqCst);
        assert!((2..=5).contains(&attempts), "{attempts} attempts");
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_returns_the_real_error() {
        let policy = RetryPolicy::default()
            .max_delay(Duration::from_secs(30))
            .total_deadline(Duration::from_secs(5));
        let outcomes = vec![Err(api_error(429, Some(Duration::from_secs(20)))), Ok(1)];
        let (result, attempts, _) = run(&policy, call(http::Method::GET, false), outcomes).await;
        assert_eq!(attempts, 1);
        assert!(matches!(result, Err(Error::Api { status, .. }) if status == 429));
    }

    #[derive(Debug)]
    struct RetryEverything;

    impl RetryClassifier for RetryEverything {
        fn classify(&self, _: &CallInfo, _: &Error, _: u32) -> RetryDecision {
            RetryDecision::Retry { after: None }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_classifier_is_replaceable() {
        let policy = RetryPolicy::default().classifier(RetryEverything);
        let (_, attempts, _) = run(
            &policy,
            call(http::Method::POST, false),
            vec![Err(api_error(400, None))],
        )
        .await;
        assert_eq!(attempts, 3);
    }

    /// Collects everything a `fmt` subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn one_span_per_call_records_operation_attempts_status_and_key() {
        // A 503, then success with request id `req-2`.
        async fn call_failing_once() -> (Result<u32, Error>, u32) {
            let key: IdempotencyKey = "key-for-trace-test".parse().unwrap();
            let info = CallInfo::new("createPerson", http::Method::POST).with_idempotency_key(key);
            let mut attempts = 0;
            let result = execute(&RetryPolicy::default(), info, |_| {
                attempts += 1;
                let outcome = if attempts == 1 {
                    Err(api_error(503, None))
                } else {
                    // What the resource clients do with a successful response.
                    record_response(201, Some("req-2"));
                    Ok(7)
                };
                async move { outcome }
            })
            .await;
            (result, attempts)
        }
        // Registers every callsite of the call from this thread first. Other tests in this
        // binary hit the same callsites on other threads without a subscriber; one registering
        // a callsite while the scoped subscriber below is being installed could cache it as
        // "never interested" (seen in CI: the retry event went missing). Installing a
        // dispatcher re-evaluates callsites already registered, so this order cannot race.
        let _ = call_failing_once().await;

        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let (result, attempts) = call_failing_once().await;
        assert_eq!((result.unwrap(), attempts), (7, 2));

        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let closes: Vec<&str> = text.lines().filter(|l| l.contains(" close ")).collect();
        assert_eq!(closes.len(), 1, "one span per logical call:\n{text}");
        let close = closes[0];
        for field in [
            "synctera.call{",
            "operation_id=\"createPerson\"",
            "method=POST",
            "idempotency_key=\"key-for-trace-test\"",
            "attempts=2",
            "status=201",
            "request_id=\"req-2\"",
            "outcome=\"ok\"",
        ] {
            assert!(close.contains(field), "{field} missing from {close}");
        }
        let per_attempt = text
            .lines()
            .filter(|l| l.contains("attempt started"))
            .count();
        assert_eq!(per_attempt, 2, "one event per attempt:\n{text}");
        assert!(
            text.lines()
                .any(|l| l.contains("attempt failed; retrying") && l.contains("status=503")),
            "the failed attempt's status is in its event:\n{text}"
        );
    }
}
