//! The tenant's webhook secrets and the signature every delivery carries.
//!
//! The scheme is the one the spec describes (documented by secondary sources, so provisional):
//! `Synctera-Signature` is the lower-case hex HMAC-SHA256, keyed with the secret's 64
//! characters, of `{Request-Timestamp}.{body}`; during a rolling rotation it holds one such
//! signature per secret, joined by `.`, the newest first.

use std::fmt;

use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// A webhook secret: 64 hex characters from the operating system's CSPRNG. Its `Debug` shows
/// nothing of it; only [`Secret::expose`] does, for the one answer that hands it out and for
/// signing.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn generate() -> Secret {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Secret(hex::encode(bytes))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The secrets a tenant signs with: the current one and, during a rolling rotation, the
/// previous one until it expires.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Secrets {
    pub current: Secret,
    pub previous: Option<(Secret, DateTime<Utc>)>,
}

impl Secrets {
    pub(crate) fn new() -> Secrets {
        Secrets {
            current: Secret::generate(),
            previous: None,
        }
    }

    /// A new current secret; the old one stays valid for `keep_old_for` (a rolling
    /// replacement) or stops now (`None`). Returns when the old one stops being valid (`None`
    /// when it stops now).
    pub(crate) fn replace(
        &mut self,
        keep_old_for: Option<Duration>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let old = std::mem::replace(&mut self.current, Secret::generate());
        self.previous = keep_old_for.map(|window| (old, now + window));
        self.previous.as_ref().map(|(_, until)| *until)
    }

    /// The secrets valid at `now`, newest first.
    pub(crate) fn valid_at(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Secret> {
        let previous = self
            .previous
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(s, _)| s);
        std::iter::once(&self.current).chain(previous)
    }
}

/// The `Synctera-Signature` value for `body` sent at `timestamp` (Unix seconds), one hex
/// signature per secret joined by `.`; `None` without a secret.
pub(crate) fn signature<'a>(
    secrets: impl IntoIterator<Item = &'a Secret>,
    timestamp: i64,
    body: &[u8],
) -> Option<String> {
    let stamp = timestamp.to_string();
    let signatures: Vec<String> = secrets
        .into_iter()
        .map(|secret| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
                .expect("HMAC takes a key of any length");
            mac.update(stamp.as_bytes());
            mac.update(b".");
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        })
        .collect();
    (!signatures.is_empty()).then(|| signatures.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_64_hex_characters_and_never_in_debug() {
        let s = Secret::generate();
        assert_eq!(s.expose().len(), 64);
        assert!(s.expose().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(s, Secret::generate());
        let shown = format!("{:?}", Secrets::new());
        assert!(!shown.contains(s.expose()));
        let secrets = Secrets {
            current: s.clone(),
            previous: None,
        };
        assert!(!format!("{secrets:?}").contains(s.expose()));
    }

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        let key = Secret("Jefe".into());
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        let want = hex::encode(mac.finalize().into_bytes());
        assert_eq!(signature([&key], 1_700_000_000, b"{\"a\":1}"), Some(want));
        // The primitive is the standard one (RFC 4231, test case 2).
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_rolling_rotation_signs_with_both_until_the_old_one_expires() {
        let now = Utc::now();
        let mut secrets = Secrets::new();
        let old = secrets.current.clone();
        let day = Duration::hours(24);
        let until = secrets.replace(Some(day), now).unwrap();
        assert_eq!(until, now + day);
        let both: Vec<&Secret> = secrets.valid_at(now).collect();
        assert_eq!(both, vec![&secrets.current, &old]);
        let header = signature(secrets.valid_at(now), 1, b"x").unwrap();
        let parts: Vec<&str> = header.split('.').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(Some(parts[1].to_string()), signature([&old], 1, b"x"));
        assert_eq!(secrets.valid_at(until).count(), 1);
        assert_eq!(secrets.replace(None, now), None);
        assert_eq!(secrets.valid_at(now).count(), 1);
        assert_eq!(signature(std::iter::empty(), 1, b"x"), None);
    }
}
