//! A tenant's webhook subscriptions (records in the collection of their kind) and the outbox
//! of events raised for them: what needs both, and pages of events in the order raised, with
//! the store's sealed tokens.

use std::collections::HashSet;
use std::ops::Bound;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Entry, Page, StoreError, Tenant};
use crate::webhooks::event_types::subscribed;
use crate::webhooks::records::{Event, Raised, Webhook, WebhookInput};
use crate::webhooks::state::Job;

impl Tenant {
    /// Stores a new subscription.
    pub fn add_webhook(&mut self, input: WebhookInput, now: DateTime<Utc>) -> &Entry<Webhook> {
        self.put(Webhook {
            id: Uuid::new_v4(),
            input,
            last_updated: now,
        })
    }

    /// Replaces a subscription's settings; `None` when there is no such subscription.
    pub fn replace_webhook(
        &mut self,
        id: &Uuid,
        input: WebhookInput,
        now: DateTime<Utc>,
    ) -> Option<&Entry<Webhook>> {
        let old = self.get::<Webhook>(id)?;
        let last_updated = now.max(old.last_updated);
        Some(self.put(Webhook {
            id: *id,
            input,
            last_updated,
        }))
    }

    /// Deletes a subscription and its events (pending deliveries included); `false` when there
    /// is no such subscription.
    pub fn delete_webhook(&mut self, id: &Uuid) -> bool {
        if self.delete::<Webhook>(id).is_none() {
            return false;
        }
        self.webhooks.remove_events_of(id);
        true
    }

    fn subscriptions(&self) -> impl Iterator<Item = &Webhook> {
        self.records.webhooks.iter().map(|e| &**e)
    }

    /// Whether any enabled subscription exists: when none does, a write raises nothing and
    /// pays nothing for events.
    pub fn has_subscribers(&self) -> bool {
        self.subscriptions().any(|h| h.input.is_enabled)
    }

    /// Whether an enabled subscription would receive an event of `event_type`.
    pub fn subscribes_to(&self, event_type: &str) -> bool {
        self.subscriptions()
            .any(|h| h.input.is_enabled && subscribed(&h.input.enabled_events, event_type))
    }

    /// Raises one event for every enabled subscription it matches (see
    /// [`WebhookState::raise`](crate::webhooks::state::WebhookState::raise)).
    pub fn raise_event(
        &mut self,
        id: Uuid,
        raised: &Raised<'_>,
        now: DateTime<Utc>,
    ) -> (bool, DateTime<Utc>) {
        let subscriptions = self.records.webhooks.iter().map(|e| &**e);
        self.webhooks.raise(subscriptions, id, raised, now)
    }

    /// The deliveries to attempt now (see
    /// [`WebhookState::due`](crate::webhooks::state::WebhookState::due)).
    pub fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        busy: &HashSet<Uuid>,
    ) -> (Vec<Job>, Option<DateTime<Utc>>) {
        self.webhooks
            .due(now, busy, |id| self.get::<Webhook>(id).map(|e| &**e))
    }

    /// One page of events in the order raised after `token`, holding those that pass `keep`.
    pub fn event_page(
        &self,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Event) -> bool,
    ) -> Result<Page<'_, Event>, StoreError> {
        const KIND: &str = "webhook_events";
        let after = token
            .map(|t| self.tokens.open_seq_token(self.generation, KIND, t))
            .transpose()?;
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut rows: Vec<(u64, &Event)> = Vec::new();
        for (seq, event) in self.webhooks.events.range((start, Bound::Unbounded)) {
            if keep(event) {
                rows.push((*seq, event));
                if rows.len() > limit {
                    break;
                }
            }
        }
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last()
                .map(|(s, _)| self.tokens.seq_token(self.generation, KIND, *s))
        } else {
            None
        };
        Ok(Page {
            rows: rows.into_iter().map(|(_, e)| e).collect(),
            next,
        })
    }
}
