//! One tenant's webhook state: its secrets and the outbox of events, changed only through these
//! methods, which record each change for the database when the sandbox is durable (committed
//! with the write that made it, in the same transaction). The subscriptions are records in the
//! store's collection of their kind; the methods that need them are handed them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::attempt::{Attempt, retry_wait};
use super::event_types::subscribed;
use super::records::{Event, EventStatus, Raised, Webhook};
use super::signing::{Secret, Secrets};

/// Events kept per tenant, delivered or not: the outbox is bounded, and the oldest event makes
/// room for a new one (a delivery still pending then is given up).
pub(crate) const MAX_EVENTS: usize = 10_000;
/// Attempts kept per event, the latest: a full retry schedule is 17, and resends add more.
const MAX_HISTORY: usize = 100;

/// A change to commit, in the order made.
#[derive(Debug)]
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))] // read only by the SQLite committer
pub(crate) enum WebhookChange {
    Secrets(Option<Secrets>),
    Event(u64, Option<Box<Event>>),
}

/// A delivery the worker should attempt now.
pub(crate) struct Job {
    pub seq: u64,
    pub webhook_id: Uuid,
    pub url: String,
    pub body: bytes::Bytes,
    pub secrets: Vec<Secret>,
}

#[derive(Default)]
pub(crate) struct WebhookState {
    secrets: Option<Secrets>,
    pub(crate) events: BTreeMap<u64, Event>,
    event_ids: HashMap<(Uuid, Uuid), u64>,
    /// Each subscription's events with a delivery due, by (due time, seq): the worker finds
    /// what is due without scanning the outbox, which a receiver that is down fills up.
    pending: HashMap<Uuid, BTreeSet<(DateTime<Utc>, u64)>>,
    seq: u64,
    last_due: Option<DateTime<Utc>>,
    /// `Some` when durable: the changes not yet handed to the database.
    journal: Option<Vec<WebhookChange>>,
}

impl WebhookState {
    pub(crate) fn new(durable: bool) -> Self {
        WebhookState {
            journal: durable.then(Vec::new),
            ..Default::default()
        }
    }

    fn record(&mut self, change: impl FnOnce(&Self) -> WebhookChange) {
        if self.journal.is_some() {
            let c = change(self);
            if let Some(j) = &mut self.journal {
                j.push(c);
            }
        }
    }

    pub(crate) fn take_journal(&mut self) -> Vec<WebhookChange> {
        self.journal
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Rebuilds the state from committed changes (loading a database).
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn restore(&mut self, change: WebhookChange) {
        match change {
            WebhookChange::Secrets(s) => self.secrets = s,
            WebhookChange::Event(seq, Some(e)) => {
                self.event_ids.insert((e.webhook_id, e.id), seq);
                if let Some(old) = self.events.get(&seq) {
                    let (webhook, due) = (old.webhook_id, old.due);
                    self.unschedule(webhook, due, seq);
                }
                self.schedule(e.webhook_id, e.due, seq);
                self.events.insert(seq, *e);
                self.seq = self.seq.max(seq);
            }
            WebhookChange::Event(_, None) => {}
        }
    }

    /// Adds event `seq` to its subscription's deliveries; returns whether it is now the next
    /// one due there.
    fn schedule(&mut self, webhook: Uuid, due: Option<DateTime<Utc>>, seq: u64) -> bool {
        let Some(due) = due else {
            return false;
        };
        let set = self.pending.entry(webhook).or_default();
        set.insert((due, seq));
        set.first() == Some(&(due, seq))
    }

    fn unschedule(&mut self, webhook: Uuid, due: Option<DateTime<Utc>>, seq: u64) {
        if let (Some(due), Some(set)) = (due, self.pending.get_mut(&webhook)) {
            set.remove(&(due, seq));
            if set.is_empty() {
                self.pending.remove(&webhook);
            }
        }
    }

    /// Moves event `seq`'s delivery to `due` (`None`: nothing more to send).
    fn reschedule(&mut self, seq: u64, due: Option<DateTime<Utc>>) {
        let Some(e) = self.events.get_mut(&seq) else {
            return;
        };
        let (webhook, old) = (e.webhook_id, e.due);
        e.due = due;
        self.unschedule(webhook, old, seq);
        self.schedule(webhook, due, seq);
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
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
        self.record(|me| WebhookChange::Secrets(me.secrets.clone()));
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
        self.record(|me| WebhookChange::Secrets(me.secrets.clone()));
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
        self.record(|me| WebhookChange::Secrets(me.secrets.clone()));
        true
    }

    // ------------------------------------------------------------------ events

    pub(crate) fn event(&self, webhook: &Uuid, id: &Uuid) -> Option<&Event> {
        self.event_ids
            .get(&(*webhook, *id))
            .and_then(|s| self.events.get(s))
    }

    /// Deletes the events of a deleted subscription (pending deliveries included).
    pub(crate) fn remove_events_of(&mut self, webhook: &Uuid) {
        let gone: Vec<u64> = self
            .events
            .iter()
            .filter(|(_, e)| e.webhook_id == *webhook)
            .map(|(s, _)| *s)
            .collect();
        for s in gone {
            self.remove_event(s);
        }
    }

    fn remove_event(&mut self, seq: u64) {
        if let Some(e) = self.events.remove(&seq) {
            self.event_ids.remove(&(e.webhook_id, e.id));
            self.unschedule(e.webhook_id, e.due, seq);
            self.record(|_| WebhookChange::Event(seq, None));
        }
    }

    /// Raises one event: stored, due now, for every enabled subscription of `subscriptions` it
    /// matches. Returns whether the delivery worker must wake, and the event's time.
    ///
    /// The worker must wake only when the event is the next delivery due to a subscription: it
    /// sends each subscription's next event when the one before it is done, so an event queued
    /// behind others (a receiver that hangs or is slow) costs its write no wake-up.
    pub(crate) fn raise<'a>(
        &mut self,
        subscriptions: impl Iterator<Item = &'a Webhook>,
        id: Uuid,
        raised: &Raised<'_>,
        now: DateTime<Utc>,
    ) -> (bool, DateTime<Utc>) {
        // Due times never go back, so first attempts keep the order events were raised in.
        let now = self.last_due.map_or(now, |l| l.max(now));
        self.last_due = Some(now);
        let events: Vec<Event> = subscriptions
            .filter(|h| {
                h.input.is_enabled && subscribed(&h.input.enabled_events, raised.event_type)
            })
            .map(|h| Event::new(id, raised, h, now))
            .collect();
        let mut wake = false;
        for e in events {
            while self.events.len() >= MAX_EVENTS {
                let Some(oldest) = self.events.keys().next().copied() else {
                    break;
                };
                self.remove_event(oldest);
            }
            let seq = self.next_seq();
            self.event_ids.insert((e.webhook_id, e.id), seq);
            wake |= self.schedule(e.webhook_id, e.due, seq);
            self.events.insert(seq, e);
            self.record(|me| WebhookChange::Event(seq, me.events.get(&seq).cloned().map(Box::new)));
        }
        (wake, now)
    }

    /// Schedules one more delivery of an event at `due`, with a fresh retry schedule.
    pub(crate) fn resend(
        &mut self,
        webhook: &Uuid,
        id: &Uuid,
        due: DateTime<Utc>,
    ) -> Option<&Event> {
        let seq = *self.event_ids.get(&(*webhook, *id))?;
        self.reschedule(seq, Some(due));
        let e = self.events.get_mut(&seq)?;
        e.status = EventStatus::Running;
        e.failures = 0;
        self.record(|me| WebhookChange::Event(seq, me.events.get(&seq).cloned().map(Box::new)));
        self.events.get(&seq)
    }

    /// The deliveries to attempt now, one per subscription not `busy`, each its earliest due
    /// (first attempts in the order raised), and when the next one falls due; `subscription`
    /// finds a subscription by id.
    pub(crate) fn due<'a>(
        &self,
        now: DateTime<Utc>,
        busy: &std::collections::HashSet<Uuid>,
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
        for (webhook_id, (due, seq)) in first {
            if due > now {
                next = Some(next.map_or(due, |n| n.min(due)));
                continue;
            }
            let (Some(e), Some(h)) = (self.events.get(&seq), subscription(&webhook_id)) else {
                continue;
            };
            jobs.push(Job {
                seq,
                webhook_id,
                url: h.input.url.clone(),
                body: bytes::Bytes::from(e.body().to_owned()),
                secrets: secrets.clone(),
            });
        }
        jobs.sort_by_key(|j| j.seq);
        (jobs, next)
    }

    /// Records an attempt of event `seq`: delivered, retried after the back-off, or given up.
    pub(crate) fn record_attempt(
        &mut self,
        seq: u64,
        attempt: Attempt,
        retry_base: std::time::Duration,
    ) {
        let Some(e) = self.events.get_mut(&seq) else {
            return;
        };
        let at = attempt.response_time;
        let due = if attempt.succeeded() {
            e.status = EventStatus::Success;
            None
        } else {
            e.failures += 1;
            match retry_wait(retry_base, e.failures) {
                Some(wait) => {
                    e.status = EventStatus::Retrying;
                    Some(at + chrono::Duration::from_std(wait).unwrap_or_default())
                }
                None => {
                    e.status = EventStatus::Failed;
                    None
                }
            }
        };
        self.reschedule(seq, due);
        let Some(e) = self.events.get_mut(&seq) else {
            return;
        };
        if e.history.len() >= MAX_HISTORY {
            e.history.remove(0);
        }
        e.history.push(attempt);
        self.record(|me| WebhookChange::Event(seq, me.events.get(&seq).cloned().map(Box::new)));
    }

    /// Whether any delivery is still to be attempted.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Deletes every event (a wipe: they carry the wiped records); secrets and subscriptions
    /// stay.
    pub(crate) fn clear_events(&mut self) {
        let all: Vec<u64> = self.events.keys().copied().collect();
        for s in all {
            self.remove_event(s);
        }
    }
}
