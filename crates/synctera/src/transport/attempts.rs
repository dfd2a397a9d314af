//! The attempts of one logical call: timeouts, the replay-safety rule, the classifier's
//! verdict, back-off, and the call's tracing span.

use std::future::Future;

use tracing::Instrument;
use tracing::field::Empty;

use super::attempt_timer;
use crate::error::Error;
use crate::transport::retry::{CallInfo, RetryDecision, RetryPolicy};

/// The response header naming the request for Synctera support. A `HeaderName` constant, not a
/// `&str`: a string key is parsed and validated on every lookup (~400 instructions per call).
const X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// Record the outcome of a successful attempt on the current call's span, from inside the
/// attempt, the only place that sees the response's status and request id.
pub(super) fn record_response(status: u16, headers: &http::HeaderMap) {
    // The call's span is at INFO: when nothing listens at that level it is disabled, and looking
    // up the current span (~90 instructions per call) or the request id header (~200) would
    // find nothing to record on.
    if tracing::level_filters::LevelFilter::current() < tracing::Level::INFO {
        return;
    }
    let span = tracing::Span::current();
    span.record("status", status);
    if let Some(id) = headers.get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()) {
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
        Error::ResponseTooLarge { .. } => "response_too_large",
        Error::Pagination { .. } => "pagination",
    }
}

/// Run one logical call: attempt it, and while the policy's classifier says so and attempts and
/// time remain, wait and attempt it again. `attempt` receives the attempt number (1-based) and
/// must build a fresh request each time, carrying `call.idempotency_key` if it has one.
pub(super) async fn execute<T, F, Fut>(
    policy: &RetryPolicy,
    call: &CallInfo,
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
    let start = tokio::time::Instant::now();
    // A deadline past what the clock can hold is no deadline (`Duration::MAX` means "none").
    let deadline = policy.total_deadline.and_then(|d| start.checked_add(d));

    // Recorded once at the end: `fmt` subscribers append, rather than replace, re-recorded fields.
    let (result, attempts_made) = run_attempts(policy, call, &span, start, deadline, attempt)
        .instrument(span.clone())
        .await;

    span.record("attempts", attempts_made);
    match &result {
        Ok(_) => span.record("outcome", "ok"),
        Err(error) => span.record("outcome", error_kind(error)),
    };
    result
}

/// The attempts of one call, the first one starting at `start`, under the call's `span` (passed
/// in, not looked up: `Span::current()` costs ~45 instructions per call); returns the outcome
/// and how many attempts were made.
async fn run_attempts<T, F, Fut>(
    policy: &RetryPolicy,
    call: &CallInfo,
    span: &tracing::Span,
    start: tokio::time::Instant,
    deadline: Option<tokio::time::Instant>,
    mut attempt: F,
) -> (Result<T, Error>, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut number = 1u32;
    loop {
        tracing::debug!(attempt = number, "attempt started");
        // One timer per attempt, at whichever comes first: the attempt's own limit or the
        // call's deadline. Back-off sleeps never cross the deadline (checked below), so nothing
        // else needs bounding. The timer is a reused one where it can be (`attempt_timer`: a new
        // one would wake tokio's time driver on every call).
        // The first attempt starts when the call does: one clock read fewer per call.
        let now = || match number {
            1 => start,
            _ => tokio::time::Instant::now(),
        };
        let limit = match (
            policy.attempt_timeout.and_then(|t| now().checked_add(t)),
            deadline,
        ) {
            (Some(t), Some(d)) => Some(d.min(t)),
            (t, d) => t.or(d),
        };
        let outcome = match limit {
            Some(at) => attempt_timer::within(at, attempt(number))
                .await
                .unwrap_or_else(|| {
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
        } else if !call.is_replay_safe() {
            // Fixed, whatever the classifier: an unkeyed POST or PATCH that may have reached
            // the server is never sent again (a second record, a second change).
            Err("not safe to replay")
        } else {
            match policy.classifier.classify(call, &error, number) {
                RetryDecision::DoNotRetry => Err("not retryable"),
                RetryDecision::Retry { after } => match policy.delay_before_next(number, after) {
                    None => Err("the server asked for a longer wait than max_delay"),
                    // Sleeping into the deadline would only turn a meaningful error into a
                    // timeout.
                    Some(delay)
                        if deadline.is_some_and(|d| {
                            tokio::time::Instant::now()
                                .checked_add(delay)
                                .is_none_or(|end| end >= d)
                        }) =>
                    {
                        Err("no time left to retry")
                    }
                    Some(delay) => Ok(delay),
                },
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
        // Neither the error nor the back-off timer is kept inline in this future, which every
        // call holds (boxed in its request's future): the error is dropped before the wait,
        // and the timer (~110 bytes) is allocated only when there is a retry.
        drop(error);
        Box::pin(tokio::time::sleep(delay)).await;
        number += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::retry::tests::{api_error, call};
    use crate::transport::retry::{IdempotencyKey, RetryClassifier};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;
    use tokio::time::Instant;

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
        let result = execute(policy, &info, |_| {
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

    /// `run` for an unkeyed GET, the call most tests make.
    async fn get(
        policy: &RetryPolicy,
        outcomes: Vec<Result<u32, Error>>,
    ) -> (Result<u32, Error>, u32, Duration) {
        run(policy, call(http::Method::GET, false), outcomes).await
    }

    /// Runs `execute` for an unkeyed GET whose attempts never answer; returns the result, the
    /// number of attempts and the (paused-clock) time it took.
    async fn hang(policy: &RetryPolicy) -> (Result<(), Error>, u32, Duration) {
        let count = AtomicU32::new(0);
        let start = Instant::now();
        let result = execute(policy, &call(http::Method::GET, false), |_| {
            count.fetch_add(1, Ordering::SeqCst);
            std::future::pending()
        })
        .await;
        (result, count.load(Ordering::SeqCst), start.elapsed())
    }

    /// Asserts that a (paused-clock) wait took `secs` seconds, within 10 ms: the only sleep is
    /// the one `execute` chose.
    fn assert_waited(waited: Duration, secs: u64) {
        assert!(waited >= Duration::from_secs(secs), "waited {waited:?}");
        assert!(
            waited < Duration::from_millis(secs * 1000 + 10),
            "waited {waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn default_policy_makes_three_attempts_then_returns_the_last_error() {
        let policy = RetryPolicy::default();
        let (result, attempts, _) = get(&policy, vec![Err(api_error(503, None))]).await;
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
        let (result, attempts, _) = get(&policy, vec![Err(api_error(500, None))]).await;
        assert_eq!(attempts, 1);
        assert!(result.is_err());
        let (_, attempts, _) = get(&RetryPolicy::no_retries(), vec![Err(Error::Timeout)]).await;
        assert_eq!(attempts, 1);
        let policy = RetryPolicy::default().max_attempts(0);
        let (_, attempts, _) = get(&policy, vec![Err(Error::Timeout)]).await;
        assert_eq!(attempts, 1, "max_attempts(0) still makes one attempt");
    }

    /// `Duration::MAX` (or any wait past what the clock holds) means "no limit", not a panic.
    #[tokio::test(start_paused = true)]
    async fn timeouts_too_long_for_the_clock_are_no_limit() {
        let policy = RetryPolicy::default()
            .attempt_timeout(Duration::MAX)
            .total_deadline(Duration::MAX)
            .max_delay(Duration::MAX);
        let outcomes = vec![Err(api_error(503, None)), Ok(1)];
        let (result, attempts, _) = get(&policy, outcomes).await;
        assert_eq!((result.unwrap(), attempts), (1, 2));
        let huge = Duration::from_secs(u64::MAX);
        let outcomes = vec![Err(api_error(429, Some(huge))), Ok(1)];
        let policy = RetryPolicy::default().max_delay(Duration::MAX);
        let (result, attempts, _) = get(&policy, outcomes).await;
        assert!(result.is_err(), "no wait past the deadline is started");
        assert_eq!(attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn max_retries_counts_attempts_after_the_first() {
        let policy = RetryPolicy::default().max_retries(4);
        let (_, attempts, _) = get(&policy, vec![Err(Error::Timeout)]).await;
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
        let (result, attempts, waited) = get(&policy, outcomes).await;
        assert_eq!(result.unwrap(), 1);
        assert_eq!(attempts, 2);
        assert_waited(waited, 4);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_beyond_the_cap_ends_the_call_instead_of_retrying_early() {
        let policy = RetryPolicy::default()
            .max_delay(Duration::from_secs(3))
            .total_deadline(None);
        let hour = Duration::from_secs(3600);
        let outcomes = vec![Err(api_error(503, Some(hour))), Ok(1)];
        let (result, attempts, waited) = get(&policy, outcomes).await;
        let Err(Error::Api { retry_after, .. }) = result else {
            panic!("{result:?}")
        };
        assert_eq!(
            retry_after,
            Some(hour),
            "the caller learns when to come back"
        );
        assert_eq!(attempts, 1);
        assert_waited(waited, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn an_attempt_that_hangs_times_out_and_is_retried() {
        let policy = RetryPolicy::default()
            .attempt_timeout(Duration::from_secs(1))
            .total_deadline(None);
        let (result, attempts, _) = hang(&policy).await;
        assert!(matches!(result, Err(Error::Timeout)));
        assert_eq!(attempts, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn the_total_deadline_covers_every_attempt() {
        let policy = RetryPolicy::default()
            .max_attempts(1000)
            .attempt_timeout(Duration::from_secs(2))
            .total_deadline(Duration::from_secs(10));
        let (result, attempts, elapsed) = hang(&policy).await;
        assert!(matches!(result, Err(Error::Timeout)));
        assert!(elapsed <= Duration::from_millis(10_010));
        assert!((2..=5).contains(&attempts), "{attempts} attempts");
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_returns_the_real_error() {
        let policy = RetryPolicy::default()
            .max_delay(Duration::from_secs(30))
            .total_deadline(Duration::from_secs(5));
        let outcomes = vec![Err(api_error(429, Some(Duration::from_secs(20)))), Ok(1)];
        let (result, attempts, _) = get(&policy, outcomes).await;
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
        // A 400 the default classifier gives up on, retried by the replacement.
        let (_, attempts, _) = get(&policy, vec![Err(api_error(400, None))]).await;
        assert_eq!(attempts, 3);
        let (_, attempts, _) = run(
            &policy,
            call(http::Method::POST, true),
            vec![Err(api_error(400, None))],
        )
        .await;
        assert_eq!(attempts, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn no_classifier_can_replay_an_unkeyed_post_or_patch() {
        let policy = RetryPolicy::default().classifier(RetryEverything);
        for method in [
            http::Method::POST,
            http::Method::PATCH,
            http::Method::DELETE,
        ] {
            let (_, attempts, _) = run(
                &policy,
                call(method.clone(), false),
                vec![Err(Error::Timeout)],
            )
            .await;
            assert_eq!(attempts, 1, "{method}");
        }
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
            let result = execute(&RetryPolicy::default(), &info, |_| {
                attempts += 1;
                let outcome = if attempts == 1 {
                    Err(api_error(503, None))
                } else {
                    // What the resource clients do with a successful response.
                    let headers = http::HeaderMap::from_iter([(
                        X_REQUEST_ID,
                        http::HeaderValue::from_static("req-2"),
                    )]);
                    record_response(201, &headers);
                    Ok(7)
                };
                async move { outcome }
            })
            .await;
            (result, attempts)
        }
        // tracing-core works out a callsite's interest once, when some thread first hits it.
        // While exactly one dispatcher is registered (the scoped one below), it asks only the
        // default subscriber of *that* thread: another test of this binary running the same
        // code without a subscriber would cache "never" for this call's events, and they would
        // be missing here (about one run in twenty). With a second dispatcher registered first,
        // the interest is combined over both ("sometimes") and every event asks the subscriber
        // of its own thread.
        let _second_dispatcher =
            tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

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
