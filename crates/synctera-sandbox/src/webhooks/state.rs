//! What a tenant keeps for webhooks that is not a record: its secrets (journaled here) and the
//! schedule of deliveries due, an index over the events (records of the store's collection,
//! like the subscriptions), rebuilt from them when a database is loaded.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::records::{Event, Webhook};
use super::signing::{Secret, Secrets};

/// Events kept per tenant, delivered or not: the outbox is bounded, and the oldest event makes
/// room for a new one (a delivery still pending then is given up).
pub(crate) const MAX_EVENTS: usize = 10_000;

/// A delivery the worker should attempt now.
pub(crate) struct Job {
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub url: String,
    pub body: bytes::Bytes,
    pub secrets: Vec<Secret>,
}

#[derive(Default)]
pub(crate) struct WebhookState {
    secrets: Option<Secrets>,
    /// Each subscription's events with a delivery due, by (due time, row): the worker finds
    /// what is due without scanning the outbox, which a receiver that is down fills up.
    pending: HashMap<Uuid, BTreeSet<(DateTime<Utc>, u64)>>,
    last_due: Option<DateTime<Utc>>,
    durable: bool,
    /// The secrets changed since the journal was last taken (durable only).
    secrets_changed: bool,
}

impl WebhookState {
    pub(crate) fn new(durable: bool) -> Self {
        WebhookState {
            durable,
            ..Default::default()
        }
    }

    fn secrets_changed(&mut self) {
        self.secrets_changed = self.durable;
    }

    /// The secrets as they now are, when they changed since the last call.
    pub(crate) fn take_secrets_change(&mut self) -> Option<Option<Secrets>> {
        std::mem::take(&mut self.secrets_changed).then(|| self.secrets.clone())
    }

    /// The secrets read back from the database.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn restore_secrets(&mut self, secrets: Secrets) {
        self.secrets = Some(secrets);
    }

    // ------------------------------------------------------------------ secrets

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

    // ------------------------------------------------------------------ schedule

    /// The time of an event raised at `now`: due times never go back, so first attempts keep
    /// the order events were raised in.
    pub(crate) fn raise_time(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        let now = self.last_due.map_or(now, |l| l.max(now));
        self.last_due = Some(now);
        now
    }

    /// Adds the event at `row` to its subscription's deliveries; returns whether it is now the
    /// next one due there.
    pub(crate) fn schedule(&mut self, webhook: Uuid, due: Option<DateTime<Utc>>, row: u64) -> bool {
        let Some(due) = due else {
            return false;
        };
        let set = self.pending.entry(webhook).or_default();
        set.insert((due, row));
        set.first() == Some(&(due, row))
    }

    pub(crate) fn unschedule(&mut self, webhook: Uuid, due: Option<DateTime<Utc>>, row: u64) {
        if let (Some(due), Some(set)) = (due, self.pending.get_mut(&webhook)) {
            set.remove(&(due, row));
            if set.is_empty() {
                self.pending.remove(&webhook);
            }
        }
    }

    /// Forgets every delivery (a wipe deletes the events).
    pub(crate) fn clear_schedule(&mut self) {
        self.pending.clear();
    }

    /// Whether any delivery is still to be attempted.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The deliveries to attempt now, one per subscription not `busy`, each its earliest due
    /// (first attempts in the order raised), and when the next one falls due. `event` finds an
    /// event by row, `subscription` a subscription by id.
    pub(crate) fn due<'a>(
        &self,
        now: DateTime<Utc>,
        busy: &HashSet<Uuid>,
        event: impl Fn(u64) -> Option<&'a Event>,
        subscription: impl Fn(&Uuid) -> Option<&'a Webhook>,
    ) -> (Vec<Job>, Option<DateTime<Utc>>) {
        let first = self
            .pending
            .iter()
            .filter(|(webhook, _)| !busy.contains(*webhook))
            .filter_map(|(webhook, set)| set.first().map(|&first| (*webhook, first)));
        let secrets: Vec<Secret> = self
            .secrets
            .iter()
            .flat_map(|s| s.valid_at(now).cloned())
            .collect();
        let mut jobs = Vec::new();
        let mut next: Option<DateTime<Utc>> = None;
        for (webhook_id, (due, row)) in first {
            if due > now {
                next = Some(next.map_or(due, |n| n.min(due)));
                continue;
            }
            let (Some(e), Some(h)) = (event(row), subscription(&webhook_id)) else {
                continue;
            };
            jobs.push((
                row,
                Job {
                    webhook_id,
                    event_id: e.id,
                    url: h.input.url.clone(),
                    body: bytes::Bytes::from(e.body().to_owned()),
                    secrets: secrets.clone(),
                },
            ));
        }
        jobs.sort_by_key(|(row, _)| *row);
        (jobs.into_iter().map(|(_, job)| job).collect(), next)
    }
}
