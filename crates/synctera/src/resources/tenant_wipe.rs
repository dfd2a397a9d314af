//! Operations that exist only in a sandbox environment: emptying a tenant between test runs.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), synctera::Error> {
//! # let sandbox = synctera_sandbox::Sandbox::start().await.unwrap();
//! use synctera::{Client, NewPerson};
//! let client = Client::builder().api_key("test-suite-key").base_url(sandbox.base_url()).build()?;
//! client.persons().create(NewPerson::prospect().email("anne.baker@example.com")).await?;
//!
//! client.sandbox().wipe().await?;
//! assert!(client.persons().list().await?.items.is_empty());
//! # sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

use synctera_raw::types;

use crate::error::Error;
use crate::resources::persons::Person;
use crate::transport::client::{Client, Environment};
use crate::transport::{Request, operation};
use crate::values::ids::PersonId;

impl Client {
    /// Sandbox-only operations (`/wipe`, settling a verification).
    pub fn sandbox(&self) -> Sandbox<'_> {
        Sandbox { client: self }
    }
}

/// Sandbox-only operations, from [`Client::sandbox`].
#[derive(Debug, Clone, Copy)]
pub struct Sandbox<'a> {
    client: &'a Client,
}

impl Sandbox<'_> {
    /// `wipeWorkspace`: deletes the tenant's customer data (persons and customers, disclosures,
    /// verifications, stored idempotency answers; page tokens issued before it stop working) and
    /// keeps its configuration (API keys, webhooks, users). Repeating it is harmless.
    ///
    /// A client configured for [`Environment::Production`] refuses locally with
    /// [`Error::Validation`] (field `environment`) and sends nothing; an environment where
    /// wiping is not enabled answers 422
    /// [`WipeNotEnabled`](crate::ApiErrorCode::WipeNotEnabled). Like every unkeyed POST, it is
    /// never retried.
    pub fn wipe(&self) -> Request<WipeWorkspace> {
        let operation = self
            .not_production("wiping is refused for a production client")
            .map(|()| WipeWorkspace());
        Request::new(self.client, operation)
    }

    /// `settleVerification`: ends a person's KYC that is in REVIEW with `result`, as a
    /// reviewer would days later; the sandbox raises `PERSON.VERIFICATION_OUTCOME.UPDATED` and
    /// `CUSTOMER.KYC_OUTCOME.UPDATED`. Answers the person. Refused locally for a production
    /// client like [`wipe`](Self::wipe).
    pub fn settle_verification(
        &self,
        person: impl Into<PersonId>,
        result: SettledResult,
    ) -> Request<SettleVerification> {
        let person = person.into().into_uuid();
        let operation = self
            .not_production("settling is refused for a production client")
            .map(|()| {
                let result = match result {
                    SettledResult::Accepted => types::SettledVerificationResult::Accepted,
                    SettledResult::Rejected => types::SettledVerificationResult::Rejected,
                };
                SettleVerification(person, types::SettleVerificationRequest { result })
            });
        Request::new(self.client, operation)
    }

    fn not_production(&self, reason: &'static str) -> Result<(), Error> {
        match self.client.environment() {
            Some(Environment::Production) => Err(Error::validation("environment", reason)),
            _ => Ok(()),
        }
    }
}

/// How [`Sandbox::settle_verification`] ends a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettledResult {
    /// The person is verified (`ACCEPTED`).
    Accepted,
    /// The person failed verification (`REJECTED`).
    Rejected,
}

operation! {
    /// The `settleVerification` operation, made by [`Sandbox::settle_verification`].
    SettleVerification(uuid::Uuid, types::SettleVerificationRequest) = POST "settleVerification",
    types::Person => Person,
    |op, raw| raw.settle_verification().person_id(op.0).body(op.1.clone())
}

operation! {
    /// The `wipeWorkspace` operation, made by [`Sandbox::wipe`].
    WipeWorkspace() = POST "wipeWorkspace",
    () => (),
    |_op, raw| raw.wipe_workspace()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A production client, however its URL is spelled, refuses both operations before the
    /// transport. Checked on the request itself: nothing is awaited, so even a broken guard
    /// would send nothing to production.
    #[test]
    fn a_production_client_refuses_locally_however_its_url_is_spelled() {
        let by_environment = Client::builder()
            .api_key("live-key")
            .environment(Environment::Production)
            .build()
            .unwrap();
        let mut clients = vec![by_environment];
        for url in [
            "https://API.synctera.com/v0",
            "https://api.synctera.com:443/v0",
            "https://api.synctera.com./v0",
        ] {
            clients.push(
                Client::builder()
                    .api_key("live-key")
                    .base_url(url)
                    .build()
                    .unwrap(),
            );
        }
        for client in &clients {
            let wipe = client.sandbox().wipe();
            let settle = client
                .sandbox()
                .settle_verification(PersonId::from(uuid::Uuid::nil()), SettledResult::Accepted);
            for refusal in [wipe.refusal(), settle.refusal()] {
                let err = refusal.expect("refused before sending");
                assert_eq!(err.field().unwrap(), "environment", "{err:?}");
                assert!(err.to_string().contains("production"), "{err}");
                assert!(!format!("{err:?}").contains("live-key"));
            }
        }
        let sandbox = Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9/v0")
            .build()
            .unwrap();
        assert!(sandbox.sandbox().wipe().refusal().is_none());
    }
}
