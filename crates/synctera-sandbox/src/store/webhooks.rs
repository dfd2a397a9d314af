//! A tenant's webhook subscriptions and the events raised for them, records of the collections
//! of their kinds, and the delivery schedule (`store/deliveries.rs`) kept in step with them.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Entry, Job, Registered, Resource, Tenant};
use crate::webhooks::attempt::Attempt;
use crate::webhooks::event_types::subscribed;
use crate::webhooks::records::{Event, Raised, Webhook, WebhookInput};

/// Events kept per tenant, delivered or not: the outbox is bounded, and the oldest event makes
/// room for a new one (a delivery still pending then is given up).
pub const MAX_EVENTS: usize = 10_000;

impl Tenant {
    /// Stores a new subscription.
    pub fn add_webhook(&mut self, input: WebhookInput, now: DateTime<Utc>) -> &Entry<Webhook> {
        self.put(Webhook {
            id: Uuid::new_v4(),
            input,
            last_updated: now,
        })
    }

    /// Replaces a subscription's settings; `None` when there is no such subscription, else it
    /// and whether the delivery worker must wake (it was enabled again with events pending:
    /// paused, they are not waited for).
    ///
    /// Disabling pauses it: its pending events stay pending (resends too) and their failures
    /// are counted by attempt, so time spent paused brings none closer to `FAILED`.
    ///
    /// A new `url` also goes into the events still to be delivered: their deliveries go to the
    /// subscription's url as it is when sent, and an event says where it is sent. Delivered
    /// and failed events keep the url they went to.
    pub fn replace_webhook(
        &mut self,
        id: &Uuid,
        input: WebhookInput,
        now: DateTime<Utc>,
    ) -> Option<(&Entry<Webhook>, bool)> {
        let old = self.get::<Webhook>(id)?;
        let last_updated = now.max(old.last_updated);
        let moved = (old.input.url != input.url).then(|| input.url.clone());
        let resumed = !old.input.is_enabled && input.is_enabled;
        self.put(Webhook {
            id: *id,
            input,
            last_updated,
        });
        if let Some(url) = moved {
            self.redirect_pending(id, &url);
        }
        let wake = resumed && !self.deliveries.pending_rows(id).is_empty();
        self.get::<Webhook>(id).map(|h| (h, wake))
    }

    /// Gives the subscription's events still to be delivered the url `url`, found through the
    /// delivery schedule rather than a scan of the outbox.
    fn redirect_pending(&mut self, webhook: &Uuid, url: &str) {
        let events = Event::of(&self.records);
        let keys: Vec<(Uuid, Uuid)> = self
            .deliveries
            .pending_rows(webhook)
            .into_iter()
            .filter_map(|row| events.at_row(row))
            .map(|e| Resource::id(&**e))
            .collect();
        for key in keys {
            self.update::<Event>(&key, |e| e.redirect(url));
        }
    }

    /// Deletes a subscription and its events (pending deliveries included); `false` when there
    /// is no such subscription.
    pub fn delete_webhook(&mut self, id: &Uuid) -> bool {
        if self.delete::<Webhook>(id).is_none() {
            return false;
        }
        let events: Vec<(Uuid, Uuid)> = Event::of(&self.records)
            .iter()
            .filter(|e| e.webhook_id == *id)
            .map(|e| Resource::id(&**e))
            .collect();
        for key in events {
            self.delete_event(&key);
        }
        true
    }

    fn subscriptions(&self) -> impl Iterator<Item = &Webhook> {
        Webhook::of(&self.records).iter().map(|e| &**e)
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

    /// Raises one event: stored, due now, for every enabled subscription it matches. Returns
    /// whether the delivery worker must wake, and the event's time.
    ///
    /// The worker must wake only when the event is the next delivery due to a subscription: it
    /// sends each subscription's next event when the one before it is done, so an event queued
    /// behind others (a receiver that hangs or is slow) costs its write no wake-up.
    pub fn raise_event(
        &mut self,
        id: Uuid,
        raised: &Raised<'_>,
        now: DateTime<Utc>,
    ) -> (bool, DateTime<Utc>) {
        let now = self.deliveries.raise_time(now);
        let events: Vec<Event> = self
            .subscriptions()
            .filter(|h| {
                h.input.is_enabled && subscribed(&h.input.enabled_events, raised.event_type)
            })
            .map(|h| Event::new(id, raised, h, now))
            .collect();
        let mut wake = false;
        for e in events {
            while Event::of(&self.records).len() >= MAX_EVENTS {
                let Some(oldest) = Event::of(&self.records)
                    .iter()
                    .next()
                    .map(|e| Resource::id(&**e))
                else {
                    break;
                };
                self.delete_event(&oldest);
            }
            let (webhook, due) = (e.webhook_id, e.due);
            let (row, _) = self.store(e);
            wake |= self.deliveries.schedule(webhook, due, row);
        }
        (wake, now)
    }

    fn delete_event(&mut self, key: &(Uuid, Uuid)) {
        if let Some(e) = self.delete::<Event>(key) {
            self.deliveries.unschedule(e.webhook_id, e.due, e.row());
        }
    }

    /// Changes a stored event and moves its delivery to its new due time.
    fn update_event(&mut self, key: &(Uuid, Uuid), change: impl FnOnce(&mut Event)) -> Option<()> {
        let old_due = self.get::<Event>(key)?.due;
        let e = self.update(key, change)?;
        let (row, new_due) = (e.row(), e.due);
        self.deliveries.unschedule(key.0, old_due, row);
        self.deliveries.schedule(key.0, new_due, row);
        Some(())
    }

    /// Schedules one more delivery of an event at `due`, with a fresh retry schedule.
    pub fn resend_event(
        &mut self,
        webhook: &Uuid,
        id: &Uuid,
        due: DateTime<Utc>,
    ) -> Option<&Entry<Event>> {
        let key = (*webhook, *id);
        self.update_event(&key, |e| e.resend(due))?;
        self.get::<Event>(&key)
    }

    /// Records an attempt of an event made for its delivery due at `sent_for`: delivered,
    /// retried after the back-off, or given up (see [`Event::record_attempt`]).
    pub fn record_attempt(
        &mut self,
        webhook: &Uuid,
        id: &Uuid,
        sent_for: DateTime<Utc>,
        attempt: Attempt,
        retry_base: std::time::Duration,
    ) {
        self.update_event(&(*webhook, *id), |e| {
            e.record_attempt(sent_for, attempt, retry_base)
        });
    }

    /// The deliveries to attempt now, one per subscription not `busy`, and when the next one
    /// falls due.
    pub fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        busy: &HashSet<Uuid>,
    ) -> (Vec<Job>, Option<DateTime<Utc>>) {
        let events = Event::of(&self.records);
        self.deliveries.due(
            now,
            busy,
            self.webhook_secrets.valid_at(now),
            |row| events.at_row(row).map(|e| &**e),
            |id| self.get::<Webhook>(id).map(|e| &**e),
        )
    }

    /// Whether any delivery is still to be attempted.
    pub fn has_pending_deliveries(&self) -> bool {
        self.deliveries.has_pending()
    }

    /// Rebuilds the delivery schedule from the events (after they were loaded).
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(super) fn reschedule_events(&mut self) {
        self.deliveries.clear();
        for e in Event::of(&self.records).iter() {
            self.deliveries.schedule(e.webhook_id, e.due, e.row());
        }
    }
}
