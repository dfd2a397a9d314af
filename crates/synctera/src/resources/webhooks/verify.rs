//! Checking a delivery's signature and timestamp, and producing the signature header.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use super::error::VerifyError;
use super::event::Event;
use super::secret::WebhookSecret;

/// The header carrying the delivery's Unix time in seconds.
pub const TIMESTAMP_HEADER: &str = "Request-Timestamp";
/// The header carrying the signature(s): lower-case hex, several separated by `.`.
pub const SIGNATURE_HEADER: &str = "Synctera-Signature";

type HmacSha256 = Hmac<Sha256>;

/// One signature: the 32 bytes of an HMAC-SHA256, 64 hex digits on the wire.
const SIGNATURE_BYTES: usize = 32;

/// The HMAC-SHA256 under `secret` of `{timestamp}.{body}`, before finalization.
fn mac(secret: &WebhookSecret, timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC accepts a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Synctera-Signature` header value for `body` sent at `timestamp` (Unix seconds, as the
/// `Request-Timestamp` header carries them): one lower-case hex HMAC-SHA256 per secret, joined
/// by `.` (two during a rolling rotation). For tests and for senders such as the sandbox; a
/// receiver calls [`WebhookVerifier::verify`].
pub fn sign<'a>(
    secrets: impl IntoIterator<Item = &'a WebhookSecret>,
    timestamp: &str,
    body: &[u8],
) -> String {
    secrets
        .into_iter()
        .map(|secret| hex::encode(mac(secret, timestamp, body).finalize().into_bytes()))
        .collect::<Vec<_>>()
        .join(".")
}

/// Checks that a webhook delivery comes from Synctera, is recent, and reads it into an
/// [`Event`]. Needs no [`Client`](crate::Client): a receiver holds the webhook secret, not the
/// API key.
///
/// Holds one or more secrets: during a rolling rotation, add the new secret beside the old one
/// and drop the old one once its `deleted_at` has passed. A delivery is accepted when any of the
/// signatures in its header matches any secret held. Signatures are compared in constant time
/// over their decoded bytes.
///
/// Cheap to clone (share it across handler tasks); `Debug` shows how many secrets it holds,
/// never them.
#[derive(Clone)]
pub struct WebhookVerifier {
    secrets: Vec<WebhookSecret>,
    tolerance: Duration,
    clock: Option<Arc<dyn Fn() -> SystemTime + Send + Sync>>,
}

impl WebhookVerifier {
    /// How far `Request-Timestamp` may be from the verifier's clock, either way, by default:
    /// five minutes.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

    /// A verifier holding `secret`, with the default tolerance and the system clock.
    pub fn new(secret: WebhookSecret) -> Self {
        Self {
            secrets: vec![secret],
            tolerance: Self::DEFAULT_TOLERANCE,
            clock: None,
        }
    }

    /// Also accepts deliveries signed with `secret` (the other secret of a rotation).
    #[must_use]
    pub fn with_secret(mut self, secret: WebhookSecret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// How far `Request-Timestamp` may be from the clock, into the past or the future.
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Reads the time from `clock` instead of the system clock (for tests).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Verifies a delivery from its raw body and the values of its `Request-Timestamp` and
    /// `Synctera-Signature` headers (an empty value counts as missing), then reads the event.
    /// Pass the body's bytes exactly as received, before any JSON parsing.
    pub fn verify(
        &self,
        body: &[u8],
        timestamp: &str,
        signature: &str,
    ) -> Result<Event, VerifyError> {
        self.verify_signature(body, timestamp, signature)?;
        Event::from_verified_body(body)
    }

    /// [`Self::verify`] with the headers of the request.
    pub fn verify_headers(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Event, VerifyError> {
        let timestamp = header(headers, TIMESTAMP_HEADER)?;
        let signature = header(headers, SIGNATURE_HEADER)?;
        self.verify(body, timestamp, signature)
    }

    /// The checks of [`Self::verify`] without reading the body into an [`Event`].
    pub fn verify_signature(
        &self,
        body: &[u8],
        timestamp: &str,
        signature: &str,
    ) -> Result<(), VerifyError> {
        let sent_at = parse_timestamp(timestamp)?;
        let signatures = parse_signatures(signature)?;
        let matches = self.secrets.iter().any(|secret| {
            let mac = mac(secret, timestamp, body);
            signatures
                .iter()
                .any(|candidate| mac.clone().verify_slice(candidate).is_ok())
        });
        if !matches {
            return Err(VerifyError::NoMatchingSignature {
                signatures: signatures.len(),
                secrets: self.secrets.len(),
            });
        }
        self.check_window(sent_at)
    }

    fn now(&self) -> SystemTime {
        self.clock
            .as_ref()
            .map_or_else(SystemTime::now, |clock| clock())
    }

    fn check_window(&self, sent_at: u64) -> Result<(), VerifyError> {
        let now = self
            .now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let tolerance = self.tolerance;
        if sent_at <= now {
            let age = Duration::from_secs(now - sent_at);
            if age > tolerance {
                return Err(VerifyError::TimestampTooOld { age, tolerance });
            }
        } else {
            let ahead = Duration::from_secs(sent_at - now);
            if ahead > tolerance {
                return Err(VerifyError::TimestampInFuture { ahead, tolerance });
            }
        }
        Ok(())
    }
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secrets", &self.secrets.len())
            .field("tolerance", &self.tolerance)
            .field(
                "clock",
                &if self.clock.is_some() {
                    "custom"
                } else {
                    "system"
                },
            )
            .finish()
    }
}

/// The one value of header `name`.
fn header<'h>(headers: &'h http::HeaderMap, name: &'static str) -> Result<&'h str, VerifyError> {
    let mut values = headers.get_all(name).iter();
    let value = values
        .next()
        .ok_or(VerifyError::MissingHeader { header: name })?;
    if values.next().is_some() {
        return Err(VerifyError::MalformedHeader {
            header: name,
            reason: "appears more than once",
        });
    }
    value.to_str().map_err(|_| VerifyError::MalformedHeader {
        header: name,
        reason: "is not visible ASCII",
    })
}

/// Checks that header `header` has a value (an empty one counts as missing) and returns what
/// makes the error for a malformed one.
fn present(
    header: &'static str,
    value: &str,
) -> Result<impl Fn(&'static str) -> VerifyError, VerifyError> {
    if value.is_empty() {
        return Err(VerifyError::MissingHeader { header });
    }
    Ok(move |reason| VerifyError::MalformedHeader { header, reason })
}

fn parse_timestamp(value: &str) -> Result<u64, VerifyError> {
    let malformed = present(TIMESTAMP_HEADER, value)?;
    // `u64::from_str` alone would take a leading `+`.
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("must be Unix seconds, digits only"));
    }
    value
        .parse()
        .map_err(|_| malformed("is too large for a Unix time"))
}

fn parse_signatures(value: &str) -> Result<Vec<[u8; SIGNATURE_BYTES]>, VerifyError> {
    let malformed = present(SIGNATURE_HEADER, value)?;
    value
        .split('.')
        .map(|hex_sig| {
            if hex_sig.len() != 2 * SIGNATURE_BYTES {
                return Err(malformed("a signature is not 64 hex digits long"));
            }
            let mut bytes = [0; SIGNATURE_BYTES];
            hex::decode_to_slice(hex_sig, &mut bytes)
                .map_err(|_| malformed("a signature is not hexadecimal"))?;
            Ok(bytes)
        })
        .collect()
}
