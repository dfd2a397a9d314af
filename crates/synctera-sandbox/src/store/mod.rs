//! Per-tenant in-memory state: one creation-ordered collection per kind of record, ordered
//! indexes of persons for keyset pagination, idempotency replays, and the journal of changes a
//! durable store commits.
//!
//! A kind of record is registered by one line of [`collections!`] below: its [`Resource`]
//! declaration then gives it its collection, its journal entry and its database table, and
//! [`Tenant::get`], [`Tenant::put`] and [`Tenant::page_of`] serve it.

mod collection;
mod deliveries;
mod error;
mod journal;
mod order;
#[cfg(feature = "sqlite")]
pub mod persist;
mod persons;
mod replays;
mod token;
mod webhooks;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::records::{Disclosure, Person, Verification, VerificationResult, VerificationType};
use crate::webhooks::records::{Event, Webhook};
use crate::webhooks::secrets::WebhookSecrets;

pub use crate::records::Resource;
pub use collection::{Collection, Entry};
pub use deliveries::Job;
pub use error::StoreError;
pub use journal::{Change, Journal};
pub use order::{SortField, SortSpec, default_spec};
pub use replays::{IdemEntry, IdemKey, IdemLimits, StoredResponse};
pub use token::TokenKey;

use deliveries::DeliverySchedule;
use persons::PersonIndexes;
use replays::IdemStore;

/// Registers every kind of record a tenant keeps, one line each (`field: Type`, where `Type`
/// implements [`Resource`]): their collections, the database tables (one per kind, named by
/// [`Resource::KIND`]) and the load and wipe of each.
macro_rules! collections {
    ($($field:ident: $kind:ty),+ $(,)?) => {
        /// A tenant's records, one collection per kind.
        #[derive(Default)]
        pub struct Collections {
            $($field: Collection<$kind>,)+
        }

        impl Collections {
            /// Every kind's [`Resource::KIND`], which names its database table.
            #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
            pub const KINDS: &[&str] = &[$(<$kind as Resource>::KIND),+];
            /// Whether a wipe deletes each kind of [`Self::KINDS`] ([`Resource::WIPED`]).
            #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
            const WIPED: &[bool] = &[$(<$kind as Resource>::WIPED),+];

            /// Deletes the records of every kind a wipe deletes.
            fn wipe(&mut self) {
                $(if <$kind as Resource>::WIPED {
                    self.$field.clear();
                })+
            }

            /// Stores a record read back from the database table of `kind`; `None` when it does
            /// not parse as one.
            #[cfg(feature = "sqlite")]
            fn load(&mut self, kind: &str, row: u64, json: &str) -> Option<()> {
                $(if kind == <$kind as Resource>::KIND {
                    self.$field.put(serde_json::from_str(json).ok()?, row);
                    return Some(());
                })+
                None
            }
        }

        $(impl Registered for $kind {
            fn of(c: &Collections) -> &Collection<Self> {
                &c.$field
            }
            fn of_mut(c: &mut Collections) -> &mut Collection<Self> {
                &mut c.$field
            }
        })+
    };
}

collections! {
    persons: Person,
    disclosures: Disclosure,
    verifications: Verification,
    webhooks: Webhook,
    webhook_events: Event,
}

impl Collections {
    /// The kinds whose tables a wipe empties.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub fn wiped_kinds() -> impl Iterator<Item = &'static str> {
        Self::KINDS
            .iter()
            .zip(Self::WIPED)
            .filter(|(_, wiped)| **wiped)
            .map(|(kind, _)| *kind)
    }
}

/// A kind of record registered in [`collections!`]: where its collection is.
pub trait Registered: Resource {
    fn of(c: &Collections) -> &Collection<Self>;
    fn of_mut(c: &mut Collections) -> &mut Collection<Self>;
}

/// A kind no index of the tenant's covers, so that storing one is [`Tenant::put`] and nothing
/// more. Persons, verifications and webhook events are stored through their own methods, which
/// keep their indexes (sort orders, the latest verification, the delivery schedule) in step.
pub trait Unindexed: Registered {}

impl Unindexed for Disclosure {}
impl Unindexed for Webhook {}

/// Everything one API key can see. Changed only through its methods, which keep the indexes
/// in step and, when the sandbox is durable, record each change in the journal.
pub struct Tenant {
    records: Collections,
    persons: PersonIndexes,
    /// The latest verification of each type of each person, by row.
    latest_verification: HashMap<(Uuid, VerificationType), u64>,
    /// The next free row, shared by every tenant of the sandbox: rows are numbered in creation
    /// order (so new records append to the database's tables instead of landing at random
    /// places of a UUID index), and a record's row is its place in its collection.
    rows: Arc<AtomicU64>,
    /// Bumped by every wipe; page tokens carry it, so tokens from before a wipe are refused.
    generation: u64,
    idem: IdemStore,
    tokens: Arc<TokenKey>,
    /// `Some` when the sandbox is durable: the changes not yet handed to the database.
    journal: Option<Journal>,
    /// Journaled by themselves; a wipe keeps them.
    pub(crate) webhook_secrets: WebhookSecrets,
    /// The webhook deliveries due: an index over the events (see `store/webhooks.rs`).
    deliveries: DeliverySchedule,
}

pub struct Page<'a, T> {
    pub rows: Vec<&'a T>,
    pub next: Option<String>,
}

impl Tenant {
    /// An empty tenant whose page tokens are sealed with `tokens` and whose records take their
    /// rows from `rows`; a durable one records its changes in `journal`.
    pub fn new(tokens: Arc<TokenKey>, rows: Arc<AtomicU64>, journal: Option<Journal>) -> Self {
        Tenant {
            records: Collections::default(),
            persons: PersonIndexes::default(),
            latest_verification: HashMap::new(),
            rows,
            generation: 0,
            idem: IdemStore::default(),
            tokens,
            webhook_secrets: WebhookSecrets::new(journal.is_some()),
            deliveries: DeliverySchedule::default(),
            journal,
        }
    }

    fn record(&mut self, change: impl FnOnce() -> Change) {
        if let Some(j) = &mut self.journal {
            j.changes.push(change());
        }
    }

    /// The changes made since the last call, for the database to commit.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub fn take_journal(&mut self) -> Vec<Change> {
        let mut changes: Vec<Change> = self
            .journal
            .as_mut()
            .map(|j| std::mem::take(&mut j.changes))
            .unwrap_or_default();
        changes.extend(
            self.webhook_secrets
                .take_secrets_change()
                .map(Change::Secrets),
        );
        changes
    }

    /// The record of kind `R` with this id.
    pub fn get<R: Registered>(&self, id: &R::Id) -> Option<&Entry<R>> {
        R::of(&self.records).get(id)
    }

    /// Stores a record of a kind that keeps no index of its own (a new one last in creation
    /// order, a changed one in its place).
    pub fn put<R: Unindexed>(&mut self, record: R) -> &Entry<R> {
        let id = record.id();
        self.store(record);
        R::of(&self.records).get(&id).expect("just stored")
    }

    /// Stores `record`, journals it, and returns its row and the version it replaced.
    fn store<R: Registered>(&mut self, record: R) -> (u64, Option<Entry<R>>) {
        let rows = &self.rows;
        let row =
            R::of(&self.records).row_for(&record, || rows.fetch_add(1, AtomicOrdering::Relaxed));
        self.record(|| Change::Put {
            kind: R::KIND,
            row,
            record: Box::new(record.clone()),
        });
        let old = R::of_mut(&mut self.records).put(record, row);
        (row, old)
    }

    /// Changes a stored record in place (`change` keeps its id) and journals it; the caller
    /// keeps the kind's indexes in step.
    fn update<R: Registered>(
        &mut self,
        id: &R::Id,
        change: impl FnOnce(&mut R),
    ) -> Option<&Entry<R>> {
        let e = R::of_mut(&mut self.records).update(id, change)?;
        if let Some(j) = &mut self.journal {
            j.changes.push(Change::Put {
                kind: R::KIND,
                row: e.row(),
                record: Box::new(R::clone(e)),
            });
        }
        Some(e)
    }

    /// Deletes the record of kind `R` with this id, returning it; the caller keeps the kind's
    /// indexes in step.
    fn delete<R: Registered>(&mut self, id: &R::Id) -> Option<Entry<R>> {
        let gone = R::of_mut(&mut self.records).remove(id)?;
        self.record(|| Change::Delete {
            kind: R::KIND,
            row: gone.row(),
        });
        Some(gone)
    }

    /// One page of records of kind `R` in creation order after `token`, holding those that pass
    /// `keep`; its tokens name the listing [`Resource::LISTING`].
    pub fn page_of<R: Registered>(
        &self,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Entry<R>) -> bool,
    ) -> Result<Page<'_, Entry<R>>, StoreError> {
        self.page_in(R::LISTING, token, limit, keep)
    }

    /// [`Self::page_of`] for a listing narrower than the kind's (the events of one
    /// subscription), whose tokens `listing` names, so that another's are refused.
    pub fn page_in<R: Registered>(
        &self,
        listing: &str,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Entry<R>) -> bool,
    ) -> Result<Page<'_, Entry<R>>, StoreError> {
        let after = token
            .map(|t| self.tokens.open_seq_token(self.generation, listing, t))
            .transpose()?;
        let (rows, more) = R::of(&self.records).page(after, limit, keep);
        let next = rows
            .last()
            .filter(|_| more)
            .map(|e| self.tokens.seq_token(self.generation, listing, e.row()));
        Ok(Page { rows, next })
    }

    /// Stores a new verification run on `person_id`, the latest of its type.
    pub fn add_verification(
        &mut self,
        person_id: Uuid,
        vtype: VerificationType,
        result: VerificationResult,
        time: DateTime<Utc>,
    ) -> &Entry<Verification> {
        let v = Verification {
            id: Uuid::new_v4(),
            person_id,
            vtype,
            result,
            time,
        };
        let id = v.id;
        let (row, _) = self.store(v);
        self.latest_verification.insert((person_id, vtype), row);
        self.get(&id).expect("just stored")
    }

    /// Whether `v` is the latest verification of its type for its person.
    pub fn is_latest(&self, v: &Entry<Verification>) -> bool {
        self.latest_verification.get(&(v.person_id, v.vtype)) == Some(&v.row())
    }

    /// Rebuilds what is derived from the records (after they were loaded).
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    fn reindex(&mut self) {
        self.persons.rebuild(&self.records.persons);
        self.latest_verification.clear();
        for v in self.records.verifications.iter() {
            self.latest_verification
                .insert((v.person_id, v.vtype), v.row());
        }
        self.reschedule_events();
    }

    /// Deletes every record of the tenant (persons, disclosures, verifications, webhook events,
    /// idempotency records; webhook secrets and subscriptions stay) and invalidates every page
    /// token issued so far.
    pub fn wipe(&mut self) {
        self.record(|| Change::Wipe);
        self.records.wipe();
        self.persons.clear();
        self.latest_verification.clear();
        self.idem.clear();
        self.deliveries.clear();
        self.generation += 1;
    }

    /// The live idempotency record of `key`.
    pub fn replay(&self, key: &IdemKey, now: Instant, lim: IdemLimits) -> Option<&IdemEntry> {
        self.idem.get(key, now, lim)
    }

    /// Claims `key` for a request that is starting.
    pub fn claim(&mut self, key: IdemKey, now: Instant) {
        self.idem.begin(key, now);
    }

    /// Releases a claim whose request went away before finishing.
    pub fn release(&mut self, key: &IdemKey) {
        self.idem.abandon(key);
    }

    /// Stores the answer a finished request gave under `key`.
    pub fn remember(
        &mut self,
        key: IdemKey,
        fingerprint: [u8; 32],
        response: StoredResponse,
        now: Instant,
        lim: IdemLimits,
    ) {
        if self.journal.is_some() {
            self.record(|| Change::Replay {
                op: key.0.to_string(),
                key: key.1.clone(),
                fingerprint,
                response: response.clone(),
                stored_at: std::time::SystemTime::now(),
            });
        }
        let evicted = self.idem.finish(key, fingerprint, response, now, lim);
        for (op, key) in evicted {
            self.record(|| Change::ReplayEvicted {
                op: op.into_owned(),
                key,
            });
        }
    }
}

#[cfg(test)]
mod tests;
