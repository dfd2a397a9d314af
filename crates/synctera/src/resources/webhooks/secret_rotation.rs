//! The tenant's webhook secret (`/webhook_secrets`): create it, replace it (rolling or at once),
//! revoke it.

use chrono::{DateTime, Utc};

use synctera_raw::types;

use crate::transport::client::Client;
use crate::transport::{Request, operation};

use super::secret::WebhookSecret;

/// A secret as `createSecret` and `replaceSecret` answer it: the only time the API shows it.
///
/// `Debug` shows the secret as `WebhookSecret(***)`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuedSecret {
    /// The new secret; read it with [`ExposeSecret`](secrecy::ExposeSecret) to store it.
    pub secret: WebhookSecret,
    /// After a rolling replacement, when the previous secret stops being valid.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<types::WebhookSecret> for IssuedSecret {
    fn from(raw: types::WebhookSecret) -> Self {
        IssuedSecret {
            secret: WebhookSecret::from_answer(raw.secret),
            deleted_at: raw.deleted_at,
        }
    }
}

/// `client.webhook_secrets()`: the secret deliveries are signed with.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSecrets<'a> {
    client: &'a Client,
}

impl Client {
    /// The tenant's webhook secret (`/webhook_secrets`).
    pub fn webhook_secrets(&self) -> WebhookSecrets<'_> {
        WebhookSecrets { client: self }
    }
}

impl WebhookSecrets<'_> {
    /// `createSecret`: the tenant's first secret. A tenant that has one already gets a 409
    /// ([`Error::Api`](crate::Error::Api)); use [`replace`](Self::replace).
    pub fn create(&self) -> Request<CreateSecret> {
        Request::new(self.client, Ok(CreateSecret()))
    }

    /// `replaceSecret`: a new secret. With `rolling`, the old one stays valid until
    /// [`IssuedSecret::deleted_at`] (24 hours) while receivers move to the new one, and
    /// deliveries carry a signature for each; without, it stops at once.
    ///
    /// Never retried: each call issues a new secret, so a second attempt after an answer that
    /// was lost on the way back would rotate again and, in a rolling rotation, revoke the secret
    /// your receivers still use. On a failure, read the tenant's state before calling again.
    pub fn replace(&self, rolling: bool) -> Request<ReplaceSecret> {
        Request::new(
            self.client,
            Ok(ReplaceSecret(types::ReplaceWebhookSecretRequest {
                is_rolling_secret: rolling,
            })),
        )
    }

    /// `revokeSecret`: revokes the secret, both during a rolling rotation unless
    /// `old_secret_only`, which ends the rotation early by revoking only the old one.
    pub fn revoke(&self, old_secret_only: bool) -> Request<RevokeSecret> {
        Request::new(self.client, Ok(RevokeSecret(old_secret_only)))
    }
}

operation! {
    /// The `createSecret` operation, made by [`WebhookSecrets::create`].
    CreateSecret() = POST "createSecret",
    types::WebhookSecret => IssuedSecret,
    |_op, raw| raw.create_secret()
}

operation! {
    /// The `replaceSecret` operation, made by [`WebhookSecrets::replace`].
    ReplaceSecret(types::ReplaceWebhookSecretRequest) = PUT "replaceSecret" once,
    types::WebhookSecret => IssuedSecret,
    |op, raw| raw.replace_secret().body(op.0.clone())
}

operation! {
    /// The `revokeSecret` operation, made by [`WebhookSecrets::revoke`].
    RevokeSecret(bool) = DELETE "revokeSecret",
    () => (),
    |op, raw| raw.revoke_secret().old_secret_only(op.0)
}
