//! Per-tenant in-memory state: records, ordered indexes for keyset pagination, idempotency
//! records, and the journal of changes a durable store commits.

mod idem;
mod journal;
mod order;
#[cfg(feature = "sqlite")]
pub mod persist;
mod record;
mod token;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::model::{Disclosure, Person, Verification, VerificationResult, VerificationType};
use crate::problem::Problem;
use crate::webhooks::state::WebhookState;

pub use idem::{IdemEntry, IdemKey, IdemLimits, StoredResponse};
pub use journal::{Change, Journal};
pub use order::{SortField, SortSpec, default_spec};
pub use record::{Record, render};
pub use token::TokenKey;

use idem::IdemStore;
use order::{RowKey, row_key};

type UniqKey = (NaiveDate, String, String);

const MAX_CACHED_INDEXES: usize = 32;

/// One maintained sort order and when a listing last used it (a tenant-wide tick, bumped
/// under the read lock, hence atomic).
struct Index {
    rows: BTreeSet<RowKey>,
    last_used: AtomicU64,
}

/// Everything one API key can see. Changed only through its methods, which keep the indexes
/// in step and, when the sandbox is durable, record each change in the journal.
pub struct Tenant {
    persons: HashMap<Uuid, Record>,
    /// At most [`MAX_CACHED_INDEXES`] sort orders; the least recently used one (never the
    /// default order) makes room for a new one.
    indexes: HashMap<SortSpec, Index>,
    clock: AtomicU64,
    uniq: HashMap<UniqKey, Uuid>,
    disclosures: BTreeMap<u64, Disclosure>,
    disclosure_ids: HashMap<Uuid, u64>,
    verifications: BTreeMap<u64, Verification>,
    verification_ids: HashMap<Uuid, u64>,
    latest_verification: HashMap<(Uuid, VerificationType), u64>,
    seq: u64,
    /// The latest creation time of any record stored.
    newest_creation: Option<DateTime<Utc>>,
    /// Bumped by every wipe; page tokens carry it, so tokens from before a wipe are refused.
    generation: u64,
    idem: IdemStore,
    tokens: Arc<TokenKey>,
    /// `Some` when the sandbox is durable: the changes not yet handed to the database.
    journal: Option<Journal>,
    /// Secrets, subscriptions and the outbox of events (kept by a wipe, except the events).
    pub(crate) webhooks: WebhookState,
}

fn uniq_key(p: &Person) -> Option<UniqKey> {
    Some((p.dob?, p.last_name.as_ref()?.to_lowercase(), p.ssn_last4()?))
}

pub struct Page<'a, T> {
    pub rows: Vec<&'a T>,
    pub next: Option<String>,
}

impl Tenant {
    /// An empty tenant whose page tokens are sealed with `tokens`; a durable one records its
    /// changes in `journal`.
    pub fn new(tokens: Arc<TokenKey>, journal: Option<Journal>) -> Self {
        let mut indexes = HashMap::new();
        indexes.insert(
            default_spec(),
            Index {
                rows: BTreeSet::new(),
                last_used: AtomicU64::new(0),
            },
        );
        Tenant {
            persons: HashMap::new(),
            indexes,
            clock: AtomicU64::new(0),
            uniq: HashMap::new(),
            disclosures: BTreeMap::new(),
            disclosure_ids: HashMap::new(),
            verifications: BTreeMap::new(),
            verification_ids: HashMap::new(),
            latest_verification: HashMap::new(),
            seq: 0,
            newest_creation: None,
            generation: 0,
            idem: IdemStore::default(),
            tokens,
            webhooks: WebhookState::new(journal.is_some()),
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
            self.webhooks
                .take_journal()
                .into_iter()
                .map(Change::Webhook),
        );
        changes
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn person(&self, id: &Uuid) -> Option<&Record> {
        self.persons.get(id)
    }

    pub fn person_count(&self) -> usize {
        self.persons.len()
    }

    /// The id of another record that would make `p` a duplicate customer.
    pub fn duplicate_of(&self, p: &Person) -> Option<Uuid> {
        let k = uniq_key(p)?;
        self.uniq.get(&k).copied().filter(|id| *id != p.id)
    }

    /// Inserts or replaces a record, keeping every index in step.
    pub fn put_person(&mut self, p: Person) -> &Record {
        let row = match self.persons.get(&p.id) {
            Some(old) => old.row,
            None => self.next_row(),
        };
        self.record(|| Change::Person {
            row,
            person: Box::new(p.clone()),
        });
        self.index_person(Record::new(p, row))
    }

    fn next_row(&self) -> u64 {
        self.journal.as_ref().map_or(0, Journal::next_row)
    }

    /// Inserts a record built (and its view rendered as `view`) outside the lock, and returns
    /// the view. The view is not kept: reads cache theirs on first use, and a create-heavy
    /// test run does not pay for views nobody reads. Creation times stay strictly increasing in the order records
    /// are stored, so a client paging by creation time never misses one stored behind it: a
    /// record whose clock reading is not past the newest one's is moved just past it and
    /// rendered again with `render`.
    pub fn put_created(
        &mut self,
        mut p: Person,
        view: Bytes,
        render: impl Fn(&Person) -> Bytes,
    ) -> Bytes {
        let view = match self.newest_creation {
            Some(newest) if p.creation_time <= newest => {
                p.creation_time = newest + chrono::Duration::microseconds(1);
                p.last_updated_time = p.creation_time;
                render(&p)
            }
            _ => view,
        };
        let row = self.next_row();
        self.record(|| Change::Person {
            row,
            person: Box::new(p.clone()),
        });
        self.index_person(Record::new(p, row));
        view
    }

    fn index_person(&mut self, r: Record) -> &Record {
        let p = &*r;
        self.newest_creation = self.newest_creation.max(Some(p.creation_time));
        if let Some(old) = self.persons.get(&p.id) {
            for (spec, idx) in self.indexes.iter_mut() {
                idx.rows.remove(&row_key(spec, old));
            }
            if let Some(k) = uniq_key(old)
                && self.uniq.get(&k) == Some(&old.id)
            {
                self.uniq.remove(&k);
            }
        }
        for (spec, idx) in self.indexes.iter_mut() {
            idx.rows.insert(row_key(spec, p));
        }
        if let Some(k) = uniq_key(p) {
            self.uniq.entry(k).or_insert(p.id);
        }
        let id = p.id;
        self.persons.insert(id, r);
        &self.persons[&id]
    }

    pub fn disclosure(&self, id: &Uuid) -> Option<&Disclosure> {
        self.disclosure_ids
            .get(id)
            .and_then(|s| self.disclosures.get(s))
    }

    /// Stores a new disclosure at the end of the listing order.
    pub fn add_disclosure(&mut self, d: Disclosure) {
        let seq = self.next_seq();
        self.record(|| Change::Disclosure(seq, d.clone()));
        self.insert_disclosure(seq, d);
    }

    fn insert_disclosure(&mut self, seq: u64, d: Disclosure) {
        self.disclosure_ids.insert(d.id, seq);
        self.disclosures.insert(seq, d);
        self.seq = self.seq.max(seq);
    }

    pub fn verification(&self, id: &Uuid) -> Option<&Verification> {
        self.verification_ids
            .get(id)
            .and_then(|s| self.verifications.get(s))
    }

    /// Stores a new verification run on `person_id`, the latest of its type.
    pub fn add_verification(
        &mut self,
        person_id: Uuid,
        vtype: VerificationType,
        result: VerificationResult,
        time: DateTime<Utc>,
    ) -> &Verification {
        let seq = self.next_seq();
        let v = Verification {
            id: Uuid::new_v4(),
            seq,
            person_id,
            vtype,
            result,
            time,
        };
        self.record(|| Change::Verification(v.clone()));
        self.insert_verification(v);
        &self.verifications[&seq]
    }

    fn insert_verification(&mut self, v: Verification) {
        let seq = v.seq;
        self.verification_ids.insert(v.id, seq);
        let latest = self
            .latest_verification
            .entry((v.person_id, v.vtype))
            .or_insert(seq);
        *latest = (*latest).max(seq);
        self.seq = self.seq.max(seq);
        self.verifications.insert(seq, v);
    }

    /// Whether `v` is the latest verification of its type for its person.
    pub fn is_latest(&self, v: &Verification) -> bool {
        self.latest_verification.get(&(v.person_id, v.vtype)) == Some(&v.seq)
    }

    /// Deletes every record of the tenant (persons, disclosures, verifications, idempotency
    /// records) and invalidates every page token issued so far.
    pub fn wipe(&mut self) {
        self.record(|| Change::Wipe);
        self.clear();
    }

    fn clear(&mut self) {
        self.persons.clear();
        for idx in self.indexes.values_mut() {
            idx.rows.clear();
        }
        self.uniq.clear();
        self.disclosures.clear();
        self.disclosure_ids.clear();
        self.verifications.clear();
        self.verification_ids.clear();
        self.latest_verification.clear();
        self.idem.clear();
        self.webhooks.clear_events();
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

    pub fn has_index(&self, spec: &SortSpec) -> bool {
        self.indexes.contains_key(spec)
    }
    /// Builds the index for a sort order the first time it is asked for (once, O(n log n));
    /// from then on it is maintained on every write. With [`MAX_CACHED_INDEXES`] already
    /// kept, the least recently used order other than the default is dropped first, so every
    /// page of every order is served from an index and writes stay bounded.
    pub fn ensure_index(&mut self, spec: &SortSpec) {
        if self.indexes.contains_key(spec) {
            return;
        }
        if self.indexes.len() >= MAX_CACHED_INDEXES {
            let default = default_spec();
            let lru = self
                .indexes
                .iter()
                .filter(|(s, _)| **s != default)
                .min_by_key(|(_, i)| i.last_used.load(AtomicOrdering::Relaxed))
                .map(|(s, _)| s.clone());
            if let Some(lru) = lru {
                self.indexes.remove(&lru);
            }
        }
        let rows: BTreeSet<RowKey> = self.persons.values().map(|p| row_key(spec, p)).collect();
        let stamp = self.clock.fetch_add(1, AtomicOrdering::Relaxed) + 1;
        self.indexes.insert(
            spec.clone(),
            Index {
                rows,
                last_used: AtomicU64::new(stamp),
            },
        );
    }

    /// How many sort orders are kept (for tests of the bound).
    #[cfg(test)]
    fn index_count(&self) -> usize {
        self.indexes.len()
    }

    /// One page in `spec` order after `token`, holding rows that pass `keep`.
    pub fn page(
        &self,
        spec: &SortSpec,
        ids: Option<&[Uuid]>,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Person) -> bool,
    ) -> Result<Page<'_, Record>, Problem> {
        let after = token
            .map(|t| self.tokens.open_row_token(self.generation, spec, t))
            .transpose()?;
        let mut rows: Vec<(RowKey, &Record)> = Vec::with_capacity(limit + 1);
        let lower = match &after {
            Some(k) => Bound::Excluded(k.clone()),
            None => Bound::Unbounded,
        };
        let index = self.indexes.get(spec);
        if let Some(i) = index {
            let stamp = self.clock.fetch_add(1, AtomicOrdering::Relaxed) + 1;
            i.last_used.store(stamp, AtomicOrdering::Relaxed);
        }
        match (ids, index.map(|i| &i.rows)) {
            (Some(ids), _) => {
                let mut found: Vec<(RowKey, &Record)> = ids
                    .iter()
                    .filter_map(|id| self.persons.get(id))
                    .map(|p| (row_key(spec, p), p))
                    .filter(|(k, p)| after.as_ref().is_none_or(|a| k > a) && keep(p))
                    .collect();
                found.sort_by(|a, b| a.0.cmp(&b.0));
                found.dedup_by(|a, b| a.0 == b.0);
                found.truncate(limit + 1);
                rows = found;
            }
            (None, Some(idx)) => {
                for k in idx.range((lower, Bound::Unbounded)) {
                    let p = &self.persons[&k.1];
                    if keep(p) {
                        rows.push((k.clone(), p));
                        if rows.len() > limit {
                            break;
                        }
                    }
                }
            }
            (None, None) => {
                // No index for this order: a listing checks for one and renders under separate
                // locks, so another listing may have evicted it in between. Rare, and still
                // correct: sort every row this once.
                let mut all: Vec<(RowKey, &Record)> = self
                    .persons
                    .values()
                    .map(|p| (row_key(spec, p), p))
                    .filter(|(k, p)| after.as_ref().is_none_or(|a| k > a) && keep(p))
                    .collect();
                all.sort_by(|a, b| a.0.cmp(&b.0));
                all.truncate(limit + 1);
                rows = all;
            }
        }
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last()
                .map(|(k, _)| self.tokens.row_token(self.generation, spec, k))
        } else {
            None
        };
        Ok(Page {
            rows: rows.into_iter().map(|(_, p)| p).collect(),
            next,
        })
    }

    /// One page of disclosures in creation order after `token`, holding those that pass `keep`.
    pub fn disclosure_page(
        &self,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Disclosure) -> bool,
    ) -> Result<Page<'_, Disclosure>, Problem> {
        self.seq_page(&self.disclosures, "disclosures", token, limit, keep)
    }

    /// One page of verifications in creation order after `token`, holding those that pass `keep`.
    pub fn verification_page(
        &self,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Verification) -> bool,
    ) -> Result<Page<'_, Verification>, Problem> {
        self.seq_page(&self.verifications, "verifications", token, limit, keep)
    }

    /// One page of webhooks in creation order after `token`, holding those that pass `keep`.
    pub fn webhook_page(
        &self,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&crate::webhooks::records::Webhook) -> bool,
    ) -> Result<Page<'_, crate::webhooks::records::Webhook>, Problem> {
        self.seq_page(&self.webhooks.hooks, "webhooks", token, limit, keep)
    }

    /// One page of events in the order raised after `token`, holding those that pass `keep`.
    pub fn event_page(
        &self,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&crate::webhooks::records::Event) -> bool,
    ) -> Result<Page<'_, crate::webhooks::records::Event>, Problem> {
        self.seq_page(&self.webhooks.events, "events", token, limit, keep)
    }

    /// A page of a sequence-ordered collection, scanning forward from the token.
    fn seq_page<'a, T>(
        &self,
        items: &'a BTreeMap<u64, T>,
        kind: &str,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&T) -> bool,
    ) -> Result<Page<'a, T>, Problem> {
        let after = token
            .map(|t| self.tokens.open_seq_token(self.generation, kind, t))
            .transpose()?;
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut rows: Vec<(u64, &T)> = Vec::new();
        for (seq, item) in items.range((start, Bound::Unbounded)) {
            if keep(item) {
                rows.push((*seq, item));
                if rows.len() > limit {
                    break;
                }
            }
        }
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last()
                .map(|(s, _)| self.tokens.seq_token(self.generation, kind, *s))
        } else {
            None
        };
        Ok(Page {
            rows: rows.into_iter().map(|(_, t)| t).collect(),
            next,
        })
    }
}

#[cfg(test)]
mod tests;
