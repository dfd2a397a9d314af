//! A tenant's webhook secrets: the one part of its webhook state that is not a record
//! (subscriptions and events are records of the store's collections), journaled here.

use chrono::{DateTime, Utc};

use super::signing::{Secret, Secrets};

#[derive(Default)]
pub(crate) struct WebhookSecrets {
    secrets: Option<Secrets>,
    durable: bool,
    /// The secrets changed since the journal was last taken (durable only).
    changed: bool,
}

impl WebhookSecrets {
    pub(crate) fn new(durable: bool) -> Self {
        WebhookSecrets {
            durable,
            ..Default::default()
        }
    }

    fn secrets_changed(&mut self) {
        self.changed = self.durable;
    }

    /// The secrets as they now are, when they changed since the last call.
    pub(crate) fn take_secrets_change(&mut self) -> Option<Option<Secrets>> {
        std::mem::take(&mut self.changed).then(|| self.secrets.clone())
    }

    /// The secrets read back from the database.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn restore_secrets(&mut self, secrets: Secrets) {
        self.secrets = Some(secrets);
    }

    /// A first secret; `None` when the tenant already has one.
    pub(crate) fn create_secret(&mut self) -> Option<Secret> {
        if self.secrets.is_some() {
            return None;
        }
        let s = Secrets::new();
        let current = s.current.clone();
        self.secrets = Some(s);
        self.secrets_changed();
        Some(current)
    }

    /// A new secret and when the old one stops (it stays valid for `keep_old_for`, or stops
    /// now); `None` when the tenant has none.
    #[allow(clippy::type_complexity)]
    pub(crate) fn replace_secret(
        &mut self,
        keep_old_for: Option<chrono::Duration>,
        now: DateTime<Utc>,
    ) -> Option<(Secret, Option<DateTime<Utc>>)> {
        let s = self.secrets.as_mut()?;
        let until = s.replace(keep_old_for, now);
        let current = s.current.clone();
        self.secrets_changed();
        Some((current, until))
    }

    /// Revokes every secret, or only the previous one; `false` when there is nothing to revoke.
    pub(crate) fn revoke_secret(&mut self, old_only: bool) -> bool {
        let Some(s) = self.secrets.as_mut() else {
            return false;
        };
        if old_only {
            s.previous = None;
        } else {
            self.secrets = None;
        }
        self.secrets_changed();
        true
    }

    /// The secrets a delivery made at `now` is signed with: the current one, and the previous
    /// one while its rolling window lasts.
    pub(crate) fn valid_at(&self, now: DateTime<Utc>) -> Vec<Secret> {
        self.secrets
            .iter()
            .flat_map(|s| s.valid_at(now).cloned())
            .collect()
    }
}
