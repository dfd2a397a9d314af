//! The schedule of webhook deliveries due: an index over a tenant's events, kept in step with
//! them by the tenant's methods (`store/webhooks.rs`) like the person indexes, and rebuilt from
//! them when a database is loaded.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::webhooks::records::{Event, Webhook};
use crate::webhooks::signing::Secret;

/// A delivery the worker should attempt now.
pub struct Job {
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    /// The due time this attempt is made for: its outcome is recorded against it.
    pub due: DateTime<Utc>,
    pub url: String,
    pub body: bytes::Bytes,
    pub secrets: Vec<Secret>,
}

#[derive(Default)]
pub(super) struct DeliverySchedule {
    /// Each subscription's events with a delivery due, by (due time, row): the worker finds
    /// what is due without scanning the outbox, which a receiver that is down fills up.
    pending: HashMap<Uuid, BTreeSet<(DateTime<Utc>, u64)>>,
    last_due: Option<DateTime<Utc>>,
}

impl DeliverySchedule {
    /// The time of an event raised at `now`: due times never go back, so first attempts keep
    /// the order events were raised in.
    pub(super) fn raise_time(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        let now = self.last_due.map_or(now, |l| l.max(now));
        self.last_due = Some(now);
        now
    }

    /// Adds the event at `row` to its subscription's deliveries; returns whether it is now the
    /// next one due there.
    pub(super) fn schedule(&mut self, webhook: Uuid, due: Option<DateTime<Utc>>, row: u64) -> bool {
        let Some(due) = due else {
            return false;
        };
        let set = self.pending.entry(webhook).or_default();
        set.insert((due, row));
        set.first() == Some(&(due, row))
    }

    pub(super) fn unschedule(&mut self, webhook: Uuid, due: Option<DateTime<Utc>>, row: u64) {
        if let (Some(due), Some(set)) = (due, self.pending.get_mut(&webhook)) {
            set.remove(&(due, row));
            if set.is_empty() {
                self.pending.remove(&webhook);
            }
        }
    }

    /// The rows of a subscription's events with a delivery still to make.
    pub(super) fn pending_rows(&self, webhook: &Uuid) -> Vec<u64> {
        self.pending
            .get(webhook)
            .map(|set| set.iter().map(|&(_, row)| row).collect())
            .unwrap_or_default()
    }

    /// Forgets every delivery (a wipe deletes the events).
    pub(super) fn clear(&mut self) {
        self.pending.clear();
    }

    /// Whether any delivery is still to be attempted.
    pub(super) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The deliveries to attempt now, one per enabled subscription not `busy`, each its
    /// earliest due (first attempts in the order raised), signed with `secrets`, and when the
    /// next one falls due. `event` finds an event by row, `subscription` a subscription by id.
    ///
    /// A paused subscription's events stay here, due as they were, but count neither as work
    /// nor for the next wake-up: a due one would otherwise wake the worker at once, forever.
    /// Enabling the subscription again wakes the worker, which then sends those due.
    pub(super) fn due<'a>(
        &self,
        now: DateTime<Utc>,
        busy: &HashSet<Uuid>,
        secrets: Vec<Secret>,
        event: impl Fn(u64) -> Option<&'a Event>,
        subscription: impl Fn(&Uuid) -> Option<&'a Webhook>,
    ) -> (Vec<Job>, Option<DateTime<Utc>>) {
        let first = self
            .pending
            .iter()
            .filter(|(webhook, _)| !busy.contains(*webhook))
            .filter_map(|(webhook, set)| set.first().map(|&first| (*webhook, first)));
        let mut jobs = Vec::new();
        let mut next: Option<DateTime<Utc>> = None;
        for (webhook_id, (due, row)) in first {
            let Some(h) = subscription(&webhook_id).filter(|h| h.input.is_enabled) else {
                continue;
            };
            if due > now {
                next = Some(next.map_or(due, |n| n.min(due)));
                continue;
            }
            let Some(e) = event(row) else {
                continue;
            };
            jobs.push((
                row,
                Job {
                    webhook_id,
                    event_id: e.id,
                    due,
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
