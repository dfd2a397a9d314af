//! Why a webhook delivery was refused.

use std::fmt;
use std::time::Duration;

/// Why [`WebhookVerifier`](super::WebhookVerifier) refused a delivery: which check failed.
///
/// Neither `Debug` nor `Display` ever include a secret, a signature, a header's value or the
/// body: they are safe to log. Answer a refused delivery with a 4xx status; Synctera retries
/// anything that is not 2xx, so a delivery refused for a clock that is off arrives again.
///
/// The checks run in this order: both headers present and well-formed, then the signature, then
/// the timestamp, then the body. A timestamp or body error therefore comes only with a valid
/// signature: it points at clock skew, a replay or an SDK that does not know the event's shape,
/// not at a forgery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// A header the signature needs is absent (or empty).
    MissingHeader {
        /// `Request-Timestamp` or `Synctera-Signature`.
        header: &'static str,
    },
    /// A header is present but not in the documented form.
    MalformedHeader {
        /// `Request-Timestamp` or `Synctera-Signature`.
        header: &'static str,
        /// What is wrong, in words that never quote the value.
        reason: &'static str,
    },
    /// The signatures are well-formed, but none of them is the HMAC of this timestamp and body
    /// under any secret the verifier holds: a wrong or rotated secret, or a changed body or
    /// timestamp.
    NoMatchingSignature {
        /// How many signatures the header carried.
        signatures: usize,
        /// How many secrets were tried.
        secrets: usize,
    },
    /// The signature is valid but `Request-Timestamp` is further in the past than the tolerance:
    /// a replay, a delivery that was held up, or a receiver clock that is ahead.
    TimestampTooOld {
        /// How far in the past the timestamp is, by the verifier's clock.
        age: Duration,
        /// The verifier's tolerance.
        tolerance: Duration,
    },
    /// The signature is valid but `Request-Timestamp` is further in the future than the
    /// tolerance: the receiver's clock is behind (or the sender's ahead).
    TimestampInFuture {
        /// How far in the future the timestamp is, by the verifier's clock.
        ahead: Duration,
        /// The verifier's tolerance.
        tolerance: Duration,
    },
    /// The signature and timestamp are valid, but the body is not a delivery this SDK can read.
    NotAnEvent {
        /// The delivery field at fault (e.g. `id`, `event_resource`), when one is known.
        field: Option<&'static str>,
        /// What is wrong, in words that never quote the body.
        reason: &'static str,
        /// Line and column (1-based) in the body, or in the field's embedded JSON string when
        /// `field` is set, when the JSON parser reported one.
        position: Option<(usize, usize)>,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("webhook delivery refused: ")?;
        match self {
            VerifyError::MissingHeader { header } => write!(f, "the `{header}` header is missing"),
            VerifyError::MalformedHeader { header, reason } => {
                write!(f, "the `{header}` header is malformed: {reason}")
            }
            VerifyError::NoMatchingSignature {
                signatures,
                secrets,
            } => write!(
                f,
                "none of the {signatures} signature(s) matches any of the {secrets} secret(s) held"
            ),
            VerifyError::TimestampTooOld { age, tolerance } => write!(
                f,
                "`Request-Timestamp` is {} s old, beyond the tolerance of {} s",
                age.as_secs(),
                tolerance.as_secs()
            ),
            VerifyError::TimestampInFuture { ahead, tolerance } => write!(
                f,
                "`Request-Timestamp` is {} s in the future, beyond the tolerance of {} s",
                ahead.as_secs(),
                tolerance.as_secs()
            ),
            VerifyError::NotAnEvent {
                field,
                reason,
                position,
            } => {
                f.write_str("the signed body is not a Synctera event: ")?;
                match field {
                    Some(field) => write!(f, "`{field}` {reason}")?,
                    None => write!(f, "the body {reason}")?,
                }
                if let Some((line, column)) = position {
                    write!(f, " (line {line}, column {column})")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for VerifyError {}

impl VerifyError {
    /// A body error from `serde_json`, keeping only its position: its message can quote the
    /// body (`invalid type: string "…"`), which may hold PII.
    pub(crate) fn body(
        field: Option<&'static str>,
        reason: &'static str,
        err: &serde_json::Error,
    ) -> Self {
        let position = (err.line() > 0).then(|| (err.line(), err.column()));
        let reason = match err.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "is not JSON",
            serde_json::error::Category::Data | serde_json::error::Category::Io => reason,
        };
        VerifyError::NotAnEvent {
            field,
            reason,
            position,
        }
    }
}
