//! A typed Rust client for Synctera's v0 persons and customers API.
//!
//! The crate wraps the generated [`synctera_raw`] client with what a banking integration needs:
//! typed ids that cannot be mixed up ([`ids`]), PII types that validate on the way in and stay
//! masked in logs ([`pii`]), builders that check the API's documented rules before anything is
//! sent, one [`Error`] type, retries that are safe to repeat ([`retry`]) and auto-pagination
//! ([`pagination`]). A webhook receiver verifies and reads Synctera's deliveries with
//! `WebhookVerifier`, without a client or an API key, and an integration registers its webhooks
//! with `client.webhooks()` and `client.webhook_secrets()` (see `webhooks`; feature `webhooks`,
//! on by default).
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

pub mod error;
pub mod field_path;
mod resources;
mod transport;
mod values;

// One statement per module: the module's path and the types a user names, at the root.
pub use error::{ApiErrorCode, Error};
pub use field_path::FieldPath;
pub use transport::client::{self, Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, Environment};
pub use transport::pagination::{self, Page};
pub use transport::retry::{
    self, CallInfo, DefaultClassifier, IdempotencyKey, RetryClassifier, RetryDecision, RetryPolicy,
};
pub use transport::{Operation, RawResult, Request};
pub use values::addresses::{self, Address, AddressInput, AddressType};
pub use values::ids::{
    self, AddressId, BusinessId, CustomerId, DisclosureId, EventId, PersonId, PersonalIdId,
    VerificationId, WebhookId,
};
pub use values::metadata::{self, Metadata};
pub use values::pii::{
    self, AddressLine, DateOfBirth, Email, Identifier, IdentifierLast4, PhoneNumber, Ssn, SsnLast4,
};

pub use resources::customers::{
    self, Customer, CustomerPatch, CustomerReplace, KycStatus, ListCustomers, NewCustomer,
    RelatedCustomer,
};
pub use resources::disclosures::{
    self, Disclosure, DisclosureEventType, DisclosureType, ListDisclosures, NewDisclosure,
};
pub use resources::person_fields::{self, PersonFields};
pub use resources::persons::{
    self, BanStatus, BanStatusInput, ListPersons, NewPerson, Person, PersonSortKey, PersonStatus,
    PersonUpdate, PersonalId, PersonalIdInput, PersonalIdType, SsnSource, VerificationStatus,
};
pub use resources::tenant_wipe::{self, SettledResult};
pub use resources::verifications::{
    self, ListVerifications, Verification, VerificationDetail, VerificationResult,
    VerificationType, VerifyRequest, VerifyResponse,
};
#[cfg(feature = "webhooks")]
pub use resources::webhooks::{
    self, ChangedFields, DeletedWebhook, DeliveryAttempt, DeliveryStatus, Event, EventResource,
    EventType, IssuedSecret, ListWebhookEvents, ListWebhooks, NewWebhook, VerifyError, Webhook,
    WebhookEvent, WebhookSecret, WebhookVerifier,
};
