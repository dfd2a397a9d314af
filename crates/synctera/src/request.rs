//! Shared plumbing for request builders: setters that parse their input record the first
//! failure here, and the request method reports it before anything is sent.

use std::borrow::Cow;

use crate::Error;

/// The first invalid input a builder received (field and reason only, never the value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Invalid(Option<(&'static str, Cow<'static, str>)>);

impl Invalid {
    /// Parses `value`, remembering the first failure.
    pub(crate) fn capture<T, S>(&mut self, value: S) -> Option<T>
    where
        S: TryInto<T>,
        S::Error: Into<Error>,
    {
        match value.try_into() {
            Ok(v) => Some(v),
            Err(e) => {
                if self.0.is_none() {
                    self.0 = Some(match e.into() {
                        Error::Validation { field, reason } => (field, reason),
                        other => ("request", Cow::Owned(other.to_string())),
                    });
                }
                None
            }
        }
    }

    /// Fails with the first recorded problem, if any.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.0 {
            Some((field, reason)) => Err(Error::validation(field, reason.clone())),
            None => Ok(()),
        }
    }
}

/// Requires a non-blank name.
pub(crate) fn check_name(field: &'static str, value: &Option<String>) -> Result<(), Error> {
    match value {
        Some(v) if v.trim().is_empty() => Err(Error::validation(field, "must not be blank")),
        _ => Ok(()),
    }
}

/// Serializes a validated request, describing a failure without values.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::from_json(&e))
}

/// Setters for the writable fields persons and customers share; `$ty` wraps a struct with
/// those fields plus `invalid: Invalid`.
macro_rules! common_setters {
    ($ty:ident) => {
        impl $ty {
            /// `first_name`.
            pub fn first_name(mut self, v: impl Into<String>) -> Self {
                self.0.first_name = Some(v.into());
                self
            }
            /// `middle_name`.
            pub fn middle_name(mut self, v: impl Into<String>) -> Self {
                self.0.middle_name = Some(v.into());
                self
            }
            /// `last_name`.
            pub fn last_name(mut self, v: impl Into<String>) -> Self {
                self.0.last_name = Some(v.into());
                self
            }
            /// `dob`: a [`DateOfBirth`](crate::pii::DateOfBirth) or a `YYYY-MM-DD` string (checked: 1900-01-01 ≤ dob <
            /// today).
            pub fn dob<T>(mut self, v: T) -> Self
            where
                T: TryInto<crate::pii::DateOfBirth>,
                T::Error: Into<crate::Error>,
            {
                self.0.dob = self.0.invalid.capture(v);
                self
            }
            /// `email`: an [`Email`](crate::pii::Email) or a string.
            pub fn email<T>(mut self, v: T) -> Self
            where
                T: TryInto<crate::pii::Email>,
                T::Error: Into<crate::Error>,
            {
                self.0.email = self.0.invalid.capture(v);
                self
            }
            /// `phone_number`: a [`PhoneNumber`](crate::pii::PhoneNumber) or an E.164 string.
            pub fn phone_number<T>(mut self, v: T) -> Self
            where
                T: TryInto<crate::pii::PhoneNumber>,
                T::Error: Into<crate::Error>,
            {
                self.0.phone_number = self.0.invalid.capture(v);
                self
            }
            /// `ssn`: an [`Ssn`](crate::pii::Ssn) or a `123-45-6789` string. The masked
            /// [`SsnLast4`](crate::pii::SsnLast4) of a response is not accepted.
            pub fn ssn<T>(mut self, v: T) -> Self
            where
                T: TryInto<crate::pii::Ssn>,
                T::Error: Into<crate::Error>,
            {
                self.0.ssn = self.0.invalid.capture(v);
                self
            }
            /// `legal_address`.
            pub fn legal_address(mut self, v: crate::addresses::AddressInput) -> Self {
                self.0.legal_address = Some(v);
                self
            }
            /// `shipping_address` (when left out on create, the API copies the legal address).
            pub fn shipping_address(mut self, v: crate::addresses::AddressInput) -> Self {
                self.0.shipping_address = Some(v);
                self
            }
            /// `metadata`: free-form integrator data. Do not put PII in it.
            pub fn metadata(mut self, v: crate::persons::Metadata) -> Self {
                self.0.metadata = Some(v);
                self
            }
            /// `note`: required with a `ban_status` change.
            pub fn note(mut self, v: impl Into<String>) -> Self {
                self.0.note = Some(v.into());
                self
            }
        }
    };
}
