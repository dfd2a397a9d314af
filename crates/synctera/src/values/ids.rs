//! Typed identifiers.
//!
//! Every id the API hands out is a UUID, but a disclosure id is not a person id: each kind gets its
//! own newtype so the compiler rejects a mix-up. The one deliberate exception is
//! [`PersonId`]/[`CustomerId`]: Synctera's `/persons` and `/customers` endpoints are two views of the
//! same records, so those two convert into each other and compare equal across the two.
//!
//! ```
//! use synctera::ids::{CustomerId, PersonId};
//!
//! let person: PersonId = "7d943c51-e4ff-4e57-9558-08cab6b963c7".parse().unwrap();
//! let customer = CustomerId::from(person);
//! assert_eq!(person, customer);
//! assert_eq!(customer.to_string(), "7d943c51-e4ff-4e57-9558-08cab6b963c7");
//! ```
//!
//! A disclosure id is not accepted where a person id is expected:
//!
//! ```compile_fail
//! use synctera::ids::{DisclosureId, PersonId};
//! let d = DisclosureId::from(uuid::Uuid::nil());
//! let p: PersonId = d.into();
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID.
            pub const fn new(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// Consumes the id, returning the UUID.
            pub const fn into_uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = crate::error::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| crate::error::Error::validation($field, "must be a UUID"))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = crate::error::Error;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl TryFrom<String> for $name {
            type Error = crate::error::Error;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

typed_id!(
    /// Identifies a person (`/persons/{person_id}`). Same UUID as the record's [`CustomerId`].
    PersonId,
    "person_id"
);
typed_id!(
    /// Identifies a personal customer (`/customers/{customer_id}`). Same UUID as the record's
    /// [`PersonId`].
    CustomerId,
    "customer_id"
);
typed_id!(
    /// Identifies a disclosure record (`/disclosures/{disclosure_id}`).
    DisclosureId,
    "disclosure_id"
);
typed_id!(
    /// Identifies one KYC verification result (`/verifications/{verification_id}`).
    VerificationId,
    "verification_id"
);
typed_id!(
    /// Identifies a stored address (read-only `id` of an address in a response).
    AddressId,
    "address_id"
);
typed_id!(
    /// Identifies a stored personal identifier (read-only `id` of a `personal_ids[]` entry).
    PersonalIdId,
    "personal_id_id"
);
typed_id!(
    /// Identifies a webhook subscription (`/webhooks/{webhook_id}`).
    WebhookId,
    "webhook_id"
);
typed_id!(
    /// Identifies a webhook event (`/webhooks/{webhook_id}/events/{event_id}`); deliveries of the
    /// same event carry the same id.
    EventId,
    "event_id"
);
typed_id!(
    /// Identifies a business (only used as a filter or owner reference here).
    BusinessId,
    "business_id"
);

/// The most ids a list's `id` filter takes (the spec's `maxItems`).
pub(crate) const MAX_ID_FILTER: usize = 100;

/// A list's `id` filter in the generated client's form, refused (naming `id`) when it holds
/// more than [`MAX_ID_FILTER`] ids, as the API would refuse it.
pub(crate) fn id_filter<T: Copy + Into<Uuid>>(ids: &[T]) -> Result<Vec<Uuid>, crate::error::Error> {
    if ids.len() > MAX_ID_FILTER {
        return Err(crate::error::Error::validation(
            "id",
            "takes at most 100 ids",
        ));
    }
    Ok(ids.iter().map(|&id| id.into()).collect())
}

impl From<PersonId> for CustomerId {
    fn from(id: PersonId) -> Self {
        Self(id.0)
    }
}

impl From<CustomerId> for PersonId {
    fn from(id: CustomerId) -> Self {
        Self(id.0)
    }
}

impl PartialEq<CustomerId> for PersonId {
    fn eq(&self, other: &CustomerId) -> bool {
        self.0 == other.0
    }
}

impl PartialEq<PersonId> for CustomerId {
    fn eq(&self, other: &PersonId) -> bool {
        self.0 == other.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "7d943c51-e4ff-4e57-9558-08cab6b963c7";

    #[test]
    fn parses_displays_and_round_trips_json() {
        let id: PersonId = U.parse().unwrap();
        assert_eq!(id.to_string(), U);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{U}\""));
        let back: PersonId = serde_json::from_str(&format!("\"{U}\"")).unwrap();
        assert_eq!(back, id);
        assert_eq!(format!("{id:?}"), format!("PersonId({U})"));
    }

    #[test]
    fn bad_id_names_the_field_without_echoing_input() {
        let err = "not-a-uuid-secret".parse::<DisclosureId>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("disclosure_id"), "{msg}");
        assert!(!msg.contains("not-a-uuid-secret"), "{msg}");
    }

    #[test]
    fn every_id_is_built_from_text_three_ways() {
        fn check<T>(field: &str)
        where
            T: std::str::FromStr<Err = crate::error::Error>
                + for<'a> TryFrom<&'a str, Error = crate::error::Error>
                + TryFrom<String, Error = crate::error::Error>
                + fmt::Display,
        {
            assert_eq!(U.parse::<T>().unwrap().to_string(), U);
            assert_eq!(T::try_from(U).unwrap().to_string(), U);
            assert_eq!(T::try_from(U.to_owned()).unwrap().to_string(), U);
            let errors = [
                "secret-not-a-uuid".parse::<T>().err(),
                T::try_from("secret-not-a-uuid").err(),
                T::try_from("secret-not-a-uuid".to_owned()).err(),
            ];
            for err in errors {
                let err = err.expect("not a UUID is refused");
                assert!(
                    matches!(&err, crate::error::Error::Validation { field: f, .. } if *f == field),
                    "{err:?}"
                );
                assert!(!err.to_string().contains("secret"), "{err}");
            }
        }
        check::<PersonId>("person_id");
        check::<CustomerId>("customer_id");
        check::<DisclosureId>("disclosure_id");
        check::<VerificationId>("verification_id");
        check::<AddressId>("address_id");
        check::<PersonalIdId>("personal_id_id");
        check::<BusinessId>("business_id");
        check::<WebhookId>("webhook_id");
        check::<EventId>("event_id");
    }

    #[test]
    fn person_and_customer_ids_convert_and_compare() {
        let p = PersonId::from(Uuid::parse_str(U).unwrap());
        let c: CustomerId = p.into();
        assert_eq!(p, c);
        assert_eq!(c, p);
        assert_eq!(PersonId::from(c), p);
        let other = CustomerId::from(Uuid::nil());
        assert_ne!(p, other);
    }
}
