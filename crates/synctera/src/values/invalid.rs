//! The invalid inputs a request builder holds: setters that parse their input record failures
//! here, per field, and checking the request reports the first one still standing before
//! anything is sent.

use std::borrow::Cow;

use crate::error::Error;
use crate::field_path::FieldPath;

/// The invalid inputs a builder holds, per setter, in the order they were first set (field and
/// reason only, never the value). Setting the same field again with a valid value clears its
/// entry, so `.email("bad").email("ok@example.com")` is a valid builder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Invalid(Vec<Failure>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    /// The setter's field, the key that a later successful set clears.
    setter: &'static str,
    /// The field the error names (normally the same).
    field: FieldPath,
    reason: Cow<'static, str>,
}

impl Invalid {
    /// Parses `value` for the setter of `setter`, replacing whatever that setter recorded before.
    pub(crate) fn capture<T, S>(&mut self, setter: &'static str, value: S) -> Option<T>
    where
        S: TryInto<T>,
        S::Error: Into<Error>,
    {
        let parsed = value.try_into();
        let position = self.0.iter().position(|f| f.setter == setter);
        match parsed {
            Ok(v) => {
                if let Some(i) = position {
                    self.0.remove(i);
                }
                Some(v)
            }
            Err(e) => {
                let (field, reason) = match e.into() {
                    Error::Validation { field, reason } => (field, reason),
                    other => (FieldPath::new(setter), Cow::Owned(other.to_string())),
                };
                let failure = Failure {
                    setter,
                    field,
                    reason,
                };
                match position {
                    Some(i) => self.0[i] = failure,
                    None => self.0.push(failure),
                }
                None
            }
        }
    }

    /// Fails with the earliest recorded problem still standing, if any.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match self.0.first() {
            Some(f) => Err(Error::validation(f.field, f.reason.clone())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::pii::Email;

    fn field(invalid: &Invalid) -> Option<String> {
        match invalid.check() {
            Err(Error::Validation { field, .. }) => Some(field.to_string()),
            Err(other) => panic!("{other:?}"),
            Ok(()) => None,
        }
    }

    #[test]
    fn a_later_valid_value_clears_the_fields_failure() {
        let mut invalid = Invalid::default();
        assert!(invalid.capture::<Email, _>("email", "bad").is_none());
        assert_eq!(field(&invalid), Some("email".into()));
        assert!(invalid.capture::<Email, _>("email", "ok@x.io").is_some());
        assert_eq!(field(&invalid), None);
    }

    #[test]
    fn failures_are_kept_per_field_in_first_set_order() {
        let mut invalid = Invalid::default();
        invalid.capture::<Email, _>("email", "bad");
        invalid.capture::<crate::values::pii::Ssn, _>("ssn", "bad");
        // Setting e-mail again (still bad) keeps its place; fixing it reveals the SSN's.
        invalid.capture::<Email, _>("email", "still bad");
        assert_eq!(field(&invalid), Some("email".into()));
        invalid.capture::<Email, _>("email", "ok@x.io");
        assert_eq!(field(&invalid), Some("ssn".into()));
        invalid.capture::<crate::values::pii::Ssn, _>("ssn", "123-45-6789");
        assert_eq!(field(&invalid), None);
    }
}
