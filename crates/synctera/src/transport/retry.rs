//! Retries, timeouts and idempotency keys for every call the client makes.
//!
//! Each request (see [`crate::Request`]) is one *logical call*: it may take several HTTP attempts, but it gets one
//! [`IdempotencyKey`] (generated before the first attempt, so every attempt carries the same key),
//! one total deadline covering all attempts and back-off sleeps, and one `tracing` span.
//!
//! # Defaults
//!
//! | setting | default |
//! | --- | --- |
//! | attempts in total | 3 (`max_retries(0)` means exactly one) |
//! | back-off | exponential from 200 ms, full jitter, capped at 5 s |
//! | `Retry-After` | honoured; a wait longer than the cap ends the call (never retried early) |
//! | connect timeout (set on the client: [`ClientBuilder::connect_timeout`](crate::transport::client::ClientBuilder::connect_timeout)) | 10 s |
//! | per-attempt timeout | 30 s |
//! | total deadline (all attempts and sleeps) | 60 s |
//!
//! # What is retried
//!
//! [`DefaultClassifier`] retries connection failures, timeouts (including `408`), `429` and
//! `500`/`502`/`503`/`504`, and only for requests that are safe to replay: `GET`, `PUT` (a full
//! replace) and any request carrying an `Idempotency-Key`, which the server uses to answer a
//! replay with the first result instead of acting twice. The one `PUT` that is not a replace,
//! `replaceSecret`, is not retried: each call issues a new secret. A `POST` without a key is never retried:
//! if the connection dropped after the server committed, a second attempt would create a second
//! record. Replace the classifier with [`RetryPolicy::classifier`] to change what is retried;
//! the replay-safety check is not the classifier's to make: the transport
//! ([`Request`](crate::Request)) asks the classifier only about replay-safe calls, so no
//! classifier can make an unkeyed `POST` or `PATCH` run twice.
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
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::error::ApiErrorCode;
use crate::error::Error;

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
        // Encoded into a stack buffer, not through `Display`: `to_string()` runs the formatting
        // machinery on every keyed call.
        let mut buf = uuid::Uuid::encode_buffer();
        Self(
            uuid::Uuid::new_v4()
                .hyphenated()
                .encode_lower(&mut buf)
                .to_owned(),
        )
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
    /// Whether sending the request twice has the effect of sending it once, key or no key:
    /// `GET` and the `PUT`s that replace a record, not `replaceSecret` (a `PUT` that issues a
    /// new secret each time, so a repeated rolling rotation would revoke the secret your
    /// receivers still use).
    pub repeatable: bool,
}

impl CallInfo {
    /// A call without an idempotency key, repeatable if its method is `GET` or `PUT`.
    pub fn new(operation_id: &'static str, method: http::Method) -> Self {
        let repeatable = method == http::Method::GET || method == http::Method::PUT;
        Self {
            operation_id,
            method,
            idempotency_key: None,
            repeatable,
        }
    }

    /// The same call carrying `key` on every attempt.
    pub fn with_idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    /// Whether sending this request twice has the same effect as sending it once: a
    /// [`repeatable`](Self::repeatable) call, or any request with an idempotency key.
    pub fn is_replay_safe(&self) -> bool {
        self.idempotency_key.is_some() || self.repeatable
    }
}

/// The verdict of a [`RetryClassifier`] on one failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again. `after` is the server's requested wait (`Retry-After`), if any: it is
    /// honoured, and a wait longer than the policy's `max_delay` ends the call with this error
    /// (whose `retry_after` says when to come back) rather than retrying early. Without it the
    /// policy's jittered back-off applies.
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
    pub(crate) max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) total_deadline: Option<Duration>,
    pub(crate) classifier: Arc<dyn RetryClassifier>,
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

    /// The longest wait between two attempts. Back-off is capped at it; a `Retry-After` longer
    /// than it is not shortened (the server would refuse the early attempt) but ends the call
    /// with the error, whose `retry_after` says when to try again.
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
    /// when the server sent one (`None` when it is longer than `max_delay`: no retry), otherwise
    /// a uniformly random duration
    /// between zero and `min(max_delay, base_delay × 2^(attempt−1))` ("full jitter", which
    /// spreads out clients that failed together instead of having them retry in lockstep).
    pub(crate) fn delay_before_next(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if let Some(after) = retry_after {
            return (after <= self.max_delay).then_some(after);
        }
        let ceiling = self.backoff_ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Some(Duration::from_nanos(fastrand::u64(0..=nanos)))
    }

    fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.base_delay
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An API error with `status` (shared with the attempt loop's tests).
    pub(crate) fn api_error(status: u16, retry_after: Option<Duration>) -> Error {
        Error::Api {
            status,
            code: None,
            title: None,
            detail: None,
            request_id: Some("req-1".into()),
            retry_after,
        }
    }

    /// A call of `method`, keyed or not (shared with the attempt loop's tests).
    pub(crate) fn call(method: http::Method, keyed: bool) -> CallInfo {
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
                .map(|_| {
                    policy
                        .delay_before_next(attempt, None)
                        .expect("back-off always retries")
                })
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
    fn retry_after_is_used_as_is_up_to_the_cap_and_ends_the_call_above_it() {
        let policy = RetryPolicy::default().max_delay(Duration::from_secs(5));
        let two = Duration::from_secs(2);
        let five = Duration::from_secs(5);
        assert_eq!(policy.delay_before_next(1, Some(two)), Some(two));
        assert_eq!(policy.delay_before_next(3, Some(five)), Some(five));
        assert_eq!(
            policy.delay_before_next(1, Some(Duration::from_secs(3600))),
            None
        );
    }
}
