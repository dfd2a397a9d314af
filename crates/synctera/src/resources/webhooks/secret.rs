//! The tenant's webhook secret, as a type that cannot leak.

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// The secret Synctera signs webhook deliveries with (the `secret` of the create and replace
/// answers of `/webhook_secrets`).
///
/// Its memory is zeroized on drop, and `Debug` and `Display` never show it (not even a
/// fragment: part of a key is still key material). [`ExposeSecret::expose_secret`] is the one
/// way to read it back.
///
/// Built from a string of exactly 64 characters, the length Synctera's secrets have; anything
/// else (a truncated copy, a trailing newline from a file or an environment variable) is refused
/// with an [`Error::Validation`] naming `secret`, without the value.
///
/// ```
/// use secrecy::ExposeSecret;
/// use synctera::WebhookSecret;
///
/// let secret: WebhookSecret = "k".repeat(64).parse()?;
/// assert_eq!(format!("{secret:?}"), "WebhookSecret(***)");
/// assert_eq!(secret.to_string(), "***");
/// assert_eq!(secret.expose_secret(), "k".repeat(64));
///
/// let err = WebhookSecret::parse(&format!("{}\n", "k".repeat(64))).unwrap_err();
/// assert_eq!(err.to_string(), "invalid `secret`: must be exactly 64 characters");
/// # Ok::<(), synctera::Error>(())
/// ```
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

impl WebhookSecret {
    /// The number of characters in every Synctera webhook secret.
    pub const LEN: usize = 64;

    /// Checks the length and wraps the secret.
    pub fn parse(value: &str) -> Result<Self, Error> {
        if value.chars().count() == Self::LEN {
            Ok(Self(SecretString::from(value)))
        } else {
            Err(Self::wrong_length())
        }
    }

    /// Wraps a secret the API issued (`createSecret`, `replaceSecret`) as it is: the answer is
    /// the authority on what a secret is, and a verifier can key HMAC with any length.
    pub(super) fn from_answer(value: String) -> Self {
        Self(SecretString::from(value))
    }

    fn wrong_length() -> Error {
        Error::validation("secret", "must be exactly 64 characters")
    }
}

impl ExposeSecret<str> for WebhookSecret {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl FromStr for WebhookSecret {
    type Err = Error;
    fn from_str(value: &str) -> Result<Self, Error> {
        Self::parse(value)
    }
}

impl TryFrom<&str> for WebhookSecret {
    type Error = Error;
    fn try_from(value: &str) -> Result<Self, Error> {
        Self::parse(value)
    }
}

impl TryFrom<String> for WebhookSecret {
    type Error = Error;
    /// Moves the string into the secret; a refused string is zeroized before it is dropped.
    fn try_from(mut value: String) -> Result<Self, Error> {
        if value.chars().count() == Self::LEN {
            Ok(Self(SecretString::from(value)))
        } else {
            zeroize::Zeroize::zeroize(&mut value);
            Err(Self::wrong_length())
        }
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

impl fmt::Display for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_64_characters_make_a_secret() {
        for len in [0, 1, 63, 65, 128] {
            let err = WebhookSecret::parse(&"s".repeat(len)).unwrap_err();
            assert_eq!(err.field().unwrap(), "secret");
        }
        let owned = WebhookSecret::try_from("s".repeat(63)).unwrap_err();
        assert_eq!(owned.field().unwrap(), "secret");
        // Characters, not bytes: the facts give the length in characters.
        assert!(WebhookSecret::parse(&"é".repeat(64)).is_ok());
        assert!(WebhookSecret::try_from("s".repeat(64)).is_ok());
    }

    #[test]
    fn the_value_shows_nowhere_but_expose_secret() {
        let value = format!("MARKER{}", "0".repeat(58));
        let secret = WebhookSecret::parse(&value).unwrap();
        for shown in [
            format!("{secret:?}"),
            format!("{secret}"),
            format!("{secret:#?}"),
        ] {
            assert!(!shown.contains("MARKER"), "{shown}");
        }
        assert_eq!(secret.expose_secret(), value);
        let err = WebhookSecret::parse(&value[..63]).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("MARKER"));
    }
}
