//! One delivery attempt: a signed POST with a 5-second limit, and what the receiver answered.
//! Also the back-off schedule between attempts.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::MAX_WEBHOOK_RETRY_BASE;

/// The longest an attempt may take, from connecting to the last byte of the answer kept.
pub(crate) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// The part of the receiver's answer that is kept, in characters.
pub(crate) const KEPT_BODY_CHARS: usize = 1024;
/// How much of the answer is read at most, in bytes (1,024 characters of UTF-8 fit in it).
const READ_LIMIT: usize = 4 * KEPT_BODY_CHARS;

// After the first failure the wait is the configured base (30 s by default); each later one
// doubles, up to MAX_WAIT_FACTOR times the base, until the waits add up to GIVE_UP_FACTOR times
// it (about 55 hours by default, the platform's schedule). `--webhook-retry-base-ms` scales it
// all, so that tests retry in milliseconds.
const MAX_WAIT_FACTOR: u32 = 960;
const GIVE_UP_FACTOR: u32 = 6600;

/// The wait before retry number `failures` (1 after the first failure), or `None` when the
/// waits so far already add up to the give-up horizon. The base is public configuration, so
/// it is capped and the arithmetic saturates: no base may panic the delivery worker, and the
/// wait stays one the caller can add to the clock.
pub(crate) fn retry_wait(base: Duration, failures: u32) -> Option<Duration> {
    let base = base.min(MAX_WEBHOOK_RETRY_BASE);
    let wait = |n: u32| {
        base.saturating_mul(
            2u32.saturating_pow(n.saturating_sub(1))
                .min(MAX_WAIT_FACTOR),
        )
    };
    let waited = (1..failures)
        .map(wait)
        .fold(Duration::ZERO, Duration::saturating_add);
    (waited < base.saturating_mul(GIVE_UP_FACTOR)).then(|| wait(failures))
}

/// One attempt as `getEvent` shows it in `response_history`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Attempt {
    /// The receiver's status, 0 when there was no answer.
    pub code: u16,
    pub response_body: String,
    pub sent_time: DateTime<Utc>,
    pub response_time: DateTime<Utc>,
}

impl Attempt {
    pub(crate) fn succeeded(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

/// The client deliveries go through: no proxy (the environment's proxy settings must not
/// route deliveries elsewhere), no redirects (a redirect could lead past the loopback rule),
/// plain HTTP only.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(ATTEMPT_TIMEOUT)
        .build()
        .expect("a client without TLS or proxies always builds")
}

/// POSTs `body` to `url` with the timestamp and signature headers and records the answer.
/// Never fails: a refused connection, a timeout or an unreadable answer is an attempt with code
/// 0 and a short note (never the URL: it may hold credentials).
pub(crate) async fn send(
    client: &reqwest::Client,
    url: &str,
    timestamp: i64,
    signature: Option<&str>,
    body: bytes::Bytes,
) -> Attempt {
    let sent_time = Utc::now();
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .header("request-timestamp", timestamp.to_string())
        .body(body);
    if let Some(sig) = signature {
        request = request.header("synctera-signature", sig);
    }
    let outcome = tokio::time::timeout(ATTEMPT_TIMEOUT, async {
        let mut response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                "no answer within 5 seconds"
            } else {
                "could not connect or send"
            }
        })?;
        let code = response.status().as_u16();
        let mut kept = Vec::new();
        while kept.len() < READ_LIMIT {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(_) => break,
            }
        }
        Ok::<_, &str>((code, kept))
    })
    .await;
    let (code, response_body) = match outcome {
        Ok(Ok((code, kept))) => (code, cut(&kept)),
        Ok(Err(note)) => (0, note.to_string()),
        Err(_) => (0, "no answer within 5 seconds".to_string()),
    };
    Attempt {
        code,
        response_body,
        sent_time,
        response_time: Utc::now(),
    }
}

/// The first [`KEPT_BODY_CHARS`] characters of an answer (invalid UTF-8 replaced).
fn cut(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .take(KEPT_BODY_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_a_cap_and_stop_after_about_55_hours() {
        let base = crate::config::DEFAULT_WEBHOOK_RETRY_BASE;
        assert_eq!(retry_wait(base, 1), Some(Duration::from_secs(30)));
        assert_eq!(retry_wait(base, 2), Some(Duration::from_secs(60)));
        assert_eq!(retry_wait(base, 3), Some(Duration::from_secs(120)));
        let waits: Vec<Duration> = (1..).map_while(|n| retry_wait(base, n)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(8 * 3600)));
        let total: Duration = waits.iter().sum();
        let hours = total.as_secs_f64() / 3600.0;
        assert!(
            (55.0..64.0).contains(&hours),
            "{hours} h over {} waits",
            waits.len()
        );
        // The schedule scales with its base, so tests can compress it.
        let fast: Vec<Duration> = (1..)
            .map_while(|n| retry_wait(Duration::from_millis(1), n))
            .collect();
        assert_eq!(fast.len(), waits.len());
    }

    /// `--webhook-retry-base-ms` and `SandboxConfig::webhook_retry_base` take any value: the
    /// schedule must neither panic nor give a wait the clock cannot be moved by.
    #[test]
    fn any_base_gives_a_schedule_no_longer_than_the_capped_one() {
        let capped: Vec<Duration> = (1..)
            .map_while(|n| retry_wait(MAX_WEBHOOK_RETRY_BASE, n))
            .collect();
        for base in [
            Duration::MAX,
            Duration::from_secs(u64::MAX / 2),
            Duration::from_secs(1 << 40),
            MAX_WEBHOOK_RETRY_BASE + Duration::from_millis(1),
        ] {
            let waits: Vec<Duration> = (1..).map_while(|n| retry_wait(base, n)).collect();
            assert_eq!(waits, capped, "{base:?}");
            let last = chrono::Duration::from_std(*waits.last().unwrap()).unwrap();
            assert!(Utc::now().checked_add_signed(last).is_some());
        }
    }

    #[test]
    fn an_answer_is_kept_to_1024_characters() {
        assert_eq!(cut("é".repeat(2000).as_bytes()).chars().count(), 1024);
        assert_eq!(cut(b"ok"), "ok");
        assert_eq!(cut(&[0xff, b'a']), "\u{fffd}a");
    }
}
