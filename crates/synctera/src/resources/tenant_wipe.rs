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

use crate::error::Error;
use crate::transport::client::{Client, Environment};
use crate::transport::{Request, operation};

impl Client {
    /// Sandbox-only operations (`/wipe`).
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
        let operation = match self.client.environment() {
            Some(Environment::Production) => Err(Error::validation(
                "environment",
                "wiping is refused for a production client",
            )),
            _ => Ok(WipeWorkspace()),
        };
        Request::new(self.client, operation)
    }
}

operation! {
    /// The `wipeWorkspace` operation, made by [`Sandbox::wipe`].
    WipeWorkspace() = POST "wipeWorkspace",
    () => (),
    |_op, raw| raw.wipe_workspace()
}
