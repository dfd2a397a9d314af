//! Receiving webhooks: verify that a delivery comes from Synctera, then read it as a typed
//! [`Event`].
//!
//! Synctera POSTs an event to your webhook's URL when something happens later, outside any call
//! you make: a person's KYC moves from REVIEW to ACCEPTED days after the verification, a
//! customer is changed by the bank's staff. Each delivery is signed with your tenant's webhook
//! secret. A [`WebhookVerifier`] holding that secret checks, in this order:
//!
//! 1. the `Request-Timestamp` and `Synctera-Signature` headers are present and well-formed;
//! 2. one of the header's signatures is the HMAC-SHA256 of `{Request-Timestamp}.{raw body}`
//!    under one of the secrets it holds (compared in constant time);
//! 3. the timestamp is within five minutes of its clock, either way (configurable), so a
//!    recorded delivery cannot be replayed later;
//!
//! and only then parses the body into an [`Event`], with the resource decoded into this crate's
//! [`Person`](crate::Person) or [`Customer`](crate::Customer) (PII masked in `Debug`, as in every
//! answer) and the changed fields' prior values in [`ChangedFields`]. Each failed check is its
//! own [`VerifyError`], which never contains the secret, a signature or the body.
//!
//! The verifier needs no [`Client`](crate::Client) and no API key. It is behind the `webhooks`
//! cargo feature, on by default.
//!
//! # The signing scheme is provisional
//!
//! Synctera's own webhooks guide does not spell out the signature format. This module
//! implements the scheme that independent write-ups of Synctera integrations agree on (the
//! headers above, lower-case hex HMAC-SHA256 over the timestamp, a `.` and the raw body; two
//! signatures joined by `.` during a rolling rotation). The project's sandbox signs the same way.
//! If Synctera's production deliveries turn out to differ, this module changes with them.
//!
//! # Signing and verifying
//!
//! ```
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! use synctera::{EventType, WebhookSecret, WebhookVerifier, webhooks};
//!
//! let secret: WebhookSecret = "0123456789abcdef".repeat(4).parse()?;
//! let body = br#"{"id":"0a0c3c2e-5b7e-4b6a-9d8e-1f2a3b4c5d6e","type":"ACCOUNT.CREATED",
//!     "event_time":"2024-05-01T12:00:00Z","webhook_id":"6f1d2c3b-4a59-4e68-8d7c-0b1a2c3d4e5f",
//!     "url":"https://example.com/hooks","metadata":"","event_resource":"{\"id\":\"acc_1\"}"}"#;
//!
//! // What the sender does: sign the raw body with the timestamp it sends beside it.
//! let timestamp = "1714564800";
//! let signature = webhooks::sign([&secret], timestamp, body);
//!
//! // What the receiver does, here with its clock fixed 10 s after the delivery was sent.
//! let sent = UNIX_EPOCH + Duration::from_secs(1_714_564_800);
//! let verifier = WebhookVerifier::new(secret).with_clock(move || sent + Duration::from_secs(10));
//! let event = verifier.verify(body, timestamp, &signature)?;
//! assert_eq!(event.event_type, EventType::AccountCreated);
//!
//! // A changed byte, or the same delivery an hour later, is refused.
//! assert!(verifier.verify(&body[1..], timestamp, &signature).is_err());
//! let later = verifier.with_clock(move || sent + Duration::from_secs(3600));
//! assert!(later.verify(body, timestamp, &signature).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # A receiver
//!
//! With any framework that exposes the raw body and the headers (axum's `HeaderMap` and
//! `Bytes` extractors, hyper's `Request`); answer 2xx only for a verified event, since Synctera
//! retries anything else with back-off, and deduplicate by [`Event::id`]: delivery is at least
//! once.
//!
//! ```no_run
//! use synctera::{EventResource, EventType, WebhookSecret, WebhookVerifier};
//!
//! fn receive(verifier: &WebhookVerifier, request: http::Request<Vec<u8>>) -> http::StatusCode {
//!     let event = match verifier.verify_headers(request.headers(), request.body()) {
//!         Ok(event) => event,
//!         Err(refused) => {
//!             // Safe to log: no secret, signature or body in it.
//!             eprintln!("{refused}");
//!             return http::StatusCode::BAD_REQUEST;
//!         }
//!     };
//!     match (&event.event_type, &event.resource) {
//!         (EventType::PersonVerificationOutcomeUpdated, Some(EventResource::Person(person))) => {
//!             println!("KYC of {} is now {}", person.id, person.verification_status);
//!         }
//!         _ => println!("{:?} about {:?}", event.event_type, event.resource_id),
//!     }
//!     http::StatusCode::NO_CONTENT
//! }
//!
//! // During a rolling rotation, hold both secrets.
//! let new: WebhookSecret = std::env::var("SYNCTERA_WEBHOOK_SECRET")?.try_into()?;
//! let verifier = match std::env::var("SYNCTERA_WEBHOOK_OLD_SECRET") {
//!     Ok(old) => WebhookVerifier::new(new).with_secret(old.try_into()?),
//!     Err(_) => WebhookVerifier::new(new),
//! };
//! # let _ = receive;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//! # Registering a webhook
//!
//! The sending side needs a [`Client`](crate::Client): create the tenant's secret once (the
//! answer is the only time it is shown), then subscribe a URL to event types or wildcards.
//! [`Webhooks`] and [`WebhookSecrets`] have the rest: a subscription's events with their
//! delivery attempts, resending one, rotating the secret. The example `examples/webhooks.rs`
//! runs a receiver against the embedded sandbox.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), synctera::Error> {
//! # let sandbox = synctera_sandbox::Sandbox::start().await.unwrap();
//! use synctera::{Client, EventType, NewWebhook, WebhookVerifier};
//! let client = Client::builder().api_key("doc-key").base_url(sandbox.base_url()).build()?;
//!
//! let issued = client.webhook_secrets().create().await?;
//! let verifier = WebhookVerifier::new(issued.secret); // what the receiver holds
//! let hook = client
//!     .webhooks()
//!     .create(
//!         NewWebhook::new("http://127.0.0.1:8080/hooks", [EventType::from_wire("PERSON.*")])
//!             .metadata("onboarding"),
//!     )
//!     .await?;
//! assert!(hook.is_enabled);
//! assert_eq!(client.webhooks().list().is_enabled_only(true).await?.items, [hook]);
//! # let _ = verifier;
//! # sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod error;
mod event;
mod event_type;
mod secret;
mod secret_rotation;
mod subscriptions;
mod verify;
mod webhook_events;

pub use error::VerifyError;
pub use event::{ChangedFields, Event, EventResource};
pub use event_type::EventType;
pub use secret::WebhookSecret;
pub use secret_rotation::{
    CreateSecret, IssuedSecret, ReplaceSecret, RevokeSecret, WebhookSecrets,
};
pub use subscriptions::{
    CreateWebhook, DeleteWebhook, DeletedWebhook, GetWebhook, ListWebhooks, ListWebhooksPage,
    NewWebhook, UpdateWebhook, Webhook, Webhooks, WebhooksQuery,
};
pub use verify::{SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookVerifier, sign};
pub use webhook_events::{
    DeliveryAttempt, DeliveryStatus, GetWebhookEvent, ListWebhookEvents, ListWebhookEventsPage,
    ResendEvent, TriggerEvent, WebhookEvent, WebhookEventsQuery,
};

#[cfg(test)]
mod tests;
