//! A typed Rust client for Synctera's v0 persons and customers API.
//!
//! The crate wraps the generated [`synctera_raw`] client with what a banking integration needs:
//! typed ids that cannot be mixed up ([`ids`]), PII types that validate on the way in and stay
//! masked in logs ([`pii`]), builders that check the API's documented rules before anything is
//! sent, one [`Error`] type, retries that are safe to repeat ([`retry`]) and auto-pagination
//! ([`pagination`]).
//!
//! # Onboarding a person, as in Synctera's guide
//!
//! ```
//! use synctera::{
//!     AddressInput, Client, DisclosureType, NewDisclosure, NewPerson, PersonUpdate, VerifyRequest,
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), synctera::Error> {
//! # let sandbox = synctera_sandbox::Sandbox::start().await.unwrap();
//! # let (api_key, base_url) = ("doc-key", sandbox.base_url());
//! // `Client::from_env()` reads SYNCTERA_API_KEY and SYNCTERA_BASE_URL instead.
//! let client = Client::builder().api_key(api_key).base_url(base_url).build()?;
//!
//! // 1. A prospect with only an e-mail address.
//! let person = client
//!     .persons()
//!     .create(NewPerson::prospect().email("anne.baker@example.com").is_customer(true))
//!     .await?;
//!
//! // 2. The person acknowledges the REG_DD disclosure.
//! client
//!     .disclosures()
//!     .create(NewDisclosure::acknowledged(person.id, DisclosureType::RegDd, "1.0"))
//!     .await?;
//!
//! // 3. Activate with the full details.
//! let person = client
//!     .persons()
//!     .update(
//!         person.id,
//!         PersonUpdate::activate("Anne", "Baker")
//!             .dob("2000-01-01")
//!             .phone_number("+12124567890")
//!             .ssn("123-45-6789")
//!             .legal_address(AddressInput::us("50 Main St", "New York", "NY", "12345")),
//!     )
//!     .await?;
//!
//! // 4. KYC.
//! let kyc = client
//!     .verifications()
//!     .verify(VerifyRequest::person(person.id).customer_consent(true))
//!     .await?;
//! println!("KYC: {}", kyc.verification_status);
//!
//! // 5. The same record through the customers view, with the same id.
//! let customer = client.customers().get(person.id).await?;
//! assert_eq!(customer.id, person.id);
//! assert_eq!(customer.kyc_status, synctera::KycStatus::Accepted);
//! # sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

//! # Per-call options
//!
//! Every operation returns a [`Request`]: `.await` sends it. Options for that one call chain
//! before the await, and nothing is sent before it:
//!
//! ```no_run
//! # async fn f(client: synctera::Client) -> Result<(), synctera::Error> {
//! use std::time::Duration;
//! use synctera::{NewPerson, RetryPolicy};
//! let person = client
//!     .persons()
//!     .create(NewPerson::prospect().email("anne.baker@example.com"))
//!     .idempotency_key("signup-42".parse()?) // your own key instead of a generated one
//!     .retry_policy(RetryPolicy::no_retries()) // instead of the client's policy
//!     .timeout(Duration::from_secs(5)) // per attempt
//!     .await?;
//! # let _ = person; Ok(()) }
//! ```
//!
//! List builders take the same `retry_policy` and `timeout`, and are awaited for one page or
//! finished with `.stream()` / `.pages()`.

//! # PII and the generated types
//!
//! Every response and request type of this crate masks PII in `Debug` and `Display`. The
//! generated types of [`synctera_raw`] do **not**: they derive `Debug` and print every field.
//! This crate converts them into its own types field by field and never formats them; if you
//! use `synctera_raw` directly, do not log its values. Idempotency keys are logged (see
//! [`IdempotencyKey`]) and must not be built from PII.
//!
//! # Forward compatibility
//!
//! The enums here keep values they do not know in an `Unknown(String)` variant, so a status,
//! type or result value Synctera adds later does not break reading a record: it arrives as
//! `Unknown("…")`, verbatim. (The generated client decodes response enums and constrained
//! strings as plain strings for this reason; see "Codegen adaptations" in `docs/design.md`.)
//! Requests stay strict: an `Unknown` value cannot be sent.

#![warn(missing_docs)]

macro_rules! api_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        ///
        /// Values this version of the SDK does not know deserialize into `Unknown` instead of
        /// failing, so a value Synctera adds later does not break reading a record.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this SDK version does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every value this SDK version knows, in the API's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire form, e.g. `"ACTIVE"`.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(s) => s,
                }
            }

            /// Parses the wire form; unknown values land in `Unknown`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// [`Self::from_wire`] for a string the caller owns: an unknown value is moved into
            /// `Unknown`, not copied. Responses carry these values as plain strings (codegen
            /// adaptation 2), so this is how a value Synctera adds later reaches `Unknown`.
            #[allow(dead_code)] // only the enums that occur in responses need it
            pub(crate) fn from_wire_owned(s: ::std::string::String) -> Self {
                match s.as_str() {
                    $( $wire => $name::$variant, )+
                    _ => $name::Unknown(s),
                }
            }
        }

        /// Every value the generated client can decode has a variant here. The match is
        /// exhaustive on purpose: a value added to the API description breaks this crate's
        /// build instead of being silently mis-mapped at run time.
        impl From<::synctera_raw::types::$name> for $name {
            fn from(raw: ::synctera_raw::types::$name) -> Self {
                match raw {
                    $( ::synctera_raw::types::$name::$variant => $name::$variant, )+
                }
            }
        }

        impl $name {
            /// The generated client's value, for a request. An `Unknown` value cannot be sent:
            /// the error names `field`.
            #[allow(dead_code)] // only the enums used as request parameters need it
            pub(crate) fn to_raw(
                &self,
                field: impl Into<crate::FieldPath>,
            ) -> Result<::synctera_raw::types::$name, crate::Error> {
                match self {
                    $( $name::$variant => Ok(::synctera_raw::types::$name::$variant), )+
                    $name::Unknown(_) => Err(crate::Error::validation(
                        field,
                        "is not a value the API accepts",
                    )),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}

#[macro_use]
pub mod pagination;
#[macro_use]
pub mod person_query;

pub mod addresses;
pub mod client;
pub mod customers;
pub mod disclosures;
pub mod error;
pub mod field_path;
pub mod ids;
mod invalid;
pub mod metadata;
pub mod person_fields;
pub mod persons;
pub mod pii;
pub mod retry;
pub mod sandbox;
pub mod statuses;
pub mod transport;
pub mod verifications;

#[cfg(test)]
mod body_snapshots;
#[cfg(test)]
mod raw_conversions;

pub use addresses::{Address, AddressInput};
pub use client::{Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, Environment};
pub use customers::{
    Customer, CustomerPatch, CustomerReplace, KycStatus, ListCustomers, NewCustomer,
};
pub use disclosures::{
    Disclosure, DisclosureEventType, DisclosureType, ListDisclosures, NewDisclosure,
};
pub use error::{ApiErrorCode, Error};
pub use field_path::FieldPath;
pub use ids::{BusinessId, CustomerId, DisclosureId, PersonId, VerificationId};
pub use metadata::Metadata;
pub use pagination::Page;
pub use person_fields::PersonFields;
pub use person_query::PersonSortKey;
pub use persons::{ListPersons, NewPerson, Person, PersonUpdate, PersonalIdInput, PersonalIdType};
pub use pii::{DateOfBirth, Email, Identifier, PhoneNumber, Ssn, SsnLast4};
pub use retry::{IdempotencyKey, RetryPolicy};
pub use statuses::{BanStatus, BanStatusInput, PersonStatus, SsnSource, VerificationStatus};
pub use transport::Request;
pub use verifications::{
    ListVerifications, Verification, VerificationDetail, VerificationResult, VerificationType,
    VerifyRequest, VerifyResponse,
};
