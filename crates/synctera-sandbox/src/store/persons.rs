//! What a tenant keeps about its persons beyond their collection: the sort orders listings ask
//! for, the unique-customer key, and the newest creation time.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::order::{RowKey, row_key};
use super::{Collection, Entry, Page, SortSpec, StoreError, Tenant, default_spec};
use crate::records::Person;

type UniqKey = (NaiveDate, String, String);

pub(super) const MAX_CACHED_INDEXES: usize = 32;

/// One maintained sort order and when a listing last used it (a tenant-wide tick, bumped
/// under the read lock, hence atomic).
struct Index {
    rows: BTreeSet<RowKey>,
    last_used: AtomicU64,
}

#[derive(Default)]
pub(super) struct PersonIndexes {
    /// At most [`MAX_CACHED_INDEXES`] sort orders besides the default one, which is the
    /// collection's own creation order; the least recently used one makes room for a new one.
    indexes: HashMap<SortSpec, Index>,
    clock: AtomicU64,
    uniq: HashMap<UniqKey, Uuid>,
    /// The latest creation time of any person stored.
    newest_creation: Option<DateTime<Utc>>,
    /// Set when loaded records do not have strictly increasing creation times in row order
    /// (written by a version that did not keep them so): the default order then needs an
    /// index like any other.
    default_needs_index: bool,
}

fn uniq_key(p: &Person) -> Option<UniqKey> {
    Some((p.dob?, p.last_name.as_ref()?.to_lowercase(), p.ssn_last4()?))
}

impl PersonIndexes {
    /// Keeps every index in step with `new`, which replaced `old`.
    fn update(&mut self, new: &Person, old: Option<&Person>) {
        self.newest_creation = self.newest_creation.max(Some(new.creation_time));
        if let Some(old) = old {
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
            idx.rows.insert(row_key(spec, new));
        }
        if let Some(k) = uniq_key(new) {
            self.uniq.entry(k).or_insert(new.id);
        }
    }

    /// Rebuilds every index from the persons loaded.
    pub(super) fn rebuild(&mut self, persons: &Collection<Person>) {
        self.clear();
        let mut last = None;
        for p in persons.iter() {
            let micros = p.creation_time.timestamp_micros();
            self.default_needs_index |= last.is_some_and(|l| micros <= l);
            last = Some(micros);
            self.update(p, None);
        }
    }

    pub(super) fn clear(&mut self) {
        // Records stored from now on keep creation order in row order.
        self.default_needs_index = false;
        self.indexes.remove(&default_spec());
        for idx in self.indexes.values_mut() {
            idx.rows.clear();
        }
        self.uniq.clear();
        self.newest_creation = None;
    }

    /// Whether `spec` is served in the collection's own order.
    fn is_creation_order(&self, spec: &SortSpec) -> bool {
        !self.default_needs_index && *spec == default_spec()
    }
}

impl Tenant {
    pub fn person(&self, id: &Uuid) -> Option<&Entry<Person>> {
        self.get(id)
    }

    pub fn person_count(&self) -> usize {
        self.records.persons.len()
    }

    /// The id of another record that would make `p` a duplicate customer.
    pub fn duplicate_of(&self, p: &Person) -> Option<Uuid> {
        let k = uniq_key(p)?;
        self.persons.uniq.get(&k).copied().filter(|id| *id != p.id)
    }

    /// Inserts or replaces a record, keeping every index in step.
    pub fn put_person(&mut self, p: Person) -> &Entry<Person> {
        let id = p.id;
        let (_, old) = self.store(p);
        let new = self.records.persons.get(&id).expect("just stored");
        self.persons.update(new, old.as_deref());
        new
    }

    /// Inserts a record built (and its view rendered as `view`) outside the lock, and returns
    /// the view. The view is not kept: reads cache theirs on first use, and a create-heavy
    /// test run does not pay for views nobody reads. Creation times stay strictly increasing
    /// (to the microsecond they are answered and sorted by) in the order records are stored, so
    /// that creation order is the collection's order and a client paging by creation time never
    /// misses one stored behind it: a record whose clock reading is not past the newest one's
    /// is moved just past it and rendered again with `render`.
    pub fn put_created(
        &mut self,
        mut p: Person,
        view: Bytes,
        render: impl Fn(&Person) -> Bytes,
    ) -> Bytes {
        let view = match self.persons.newest_creation {
            Some(newest) if p.creation_time.timestamp_micros() <= newest.timestamp_micros() => {
                p.creation_time = newest + chrono::Duration::microseconds(1);
                p.last_updated_time = p.creation_time;
                render(&p)
            }
            _ => view,
        };
        self.put_person(p);
        view
    }

    pub fn has_index(&self, spec: &SortSpec) -> bool {
        self.persons.is_creation_order(spec) || self.persons.indexes.contains_key(spec)
    }

    /// Builds the index for a sort order the first time it is asked for (once, O(n log n));
    /// from then on it is maintained on every write. With [`MAX_CACHED_INDEXES`] already
    /// kept, the least recently used order other than the default is dropped first, so every
    /// page of every order is served from an index and writes stay bounded.
    pub fn ensure_index(&mut self, spec: &SortSpec) {
        if self.has_index(spec) {
            return;
        }
        let ix = &mut self.persons;
        if ix.indexes.len() >= MAX_CACHED_INDEXES {
            let default = default_spec();
            let lru = ix
                .indexes
                .iter()
                .filter(|(s, _)| **s != default)
                .min_by_key(|(_, i)| i.last_used.load(AtomicOrdering::Relaxed))
                .map(|(s, _)| s.clone());
            if let Some(lru) = lru {
                ix.indexes.remove(&lru);
            }
        }
        let rows: BTreeSet<RowKey> = self
            .records
            .persons
            .iter()
            .map(|p| row_key(spec, p))
            .collect();
        let stamp = ix.clock.fetch_add(1, AtomicOrdering::Relaxed) + 1;
        ix.indexes.insert(
            spec.clone(),
            Index {
                rows,
                last_used: AtomicU64::new(stamp),
            },
        );
    }

    /// How many sort orders are kept (for tests of the bound).
    #[cfg(test)]
    pub(super) fn index_count(&self) -> usize {
        self.persons.indexes.len()
    }

    /// One page in `spec` order after `token`, holding rows that pass `keep`.
    pub fn page(
        &self,
        spec: &SortSpec,
        ids: Option<&[Uuid]>,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Person) -> bool,
    ) -> Result<Page<'_, Entry<Person>>, StoreError> {
        let after = token
            .map(|t| self.tokens.open_row_token(self.generation, spec, t))
            .transpose()?;
        let persons = &self.records.persons;
        let token_of = |p: &Entry<Person>| {
            self.tokens
                .row_token(self.generation, spec, &row_key(spec, p))
        };
        if ids.is_none() && self.persons.is_creation_order(spec) {
            // The collection's own order: no index to look rows up in, and only the last row's
            // sort key is made (for the token).
            let after = match &after {
                Some((_, id)) => Some(persons.get(id).ok_or(StoreError::ForeignPageToken)?.row()),
                None => None,
            };
            let (rows, more) = persons.page(after, limit, |p| keep(p));
            let next = rows.last().filter(|_| more).map(|p| token_of(p));
            return Ok(Page { rows, next });
        }
        let mut rows: Vec<&Entry<Person>> = Vec::with_capacity(limit + 1);
        let lower = match &after {
            Some(k) => Bound::Excluded(k.clone()),
            None => Bound::Unbounded,
        };
        let index = self.persons.indexes.get(spec);
        if let Some(i) = index {
            let stamp = self.persons.clock.fetch_add(1, AtomicOrdering::Relaxed) + 1;
            i.last_used.store(stamp, AtomicOrdering::Relaxed);
        }
        let after_key = |p: &Entry<Person>| {
            let k = row_key(spec, p);
            after.as_ref().is_none_or(|a| k > *a).then_some(k)
        };
        match (ids, index.map(|i| &i.rows)) {
            (Some(ids), _) => {
                let mut found: Vec<(RowKey, &Entry<Person>)> = ids
                    .iter()
                    .filter_map(|id| persons.get(id))
                    .filter_map(|p| Some((after_key(p)?, p)))
                    .filter(|(_, p)| keep(p))
                    .collect();
                found.sort_by(|a, b| a.0.cmp(&b.0));
                found.dedup_by(|a, b| a.0 == b.0);
                rows.extend(found.into_iter().take(limit + 1).map(|(_, p)| p));
            }
            (None, Some(idx)) => {
                for k in idx.range((lower, Bound::Unbounded)) {
                    let p = persons.get(&k.1).expect("indexed persons are stored");
                    if keep(p) {
                        rows.push(p);
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
                let mut all: Vec<(RowKey, &Entry<Person>)> = persons
                    .iter()
                    .filter_map(|p| Some((after_key(p)?, p)))
                    .filter(|(_, p)| keep(p))
                    .collect();
                all.sort_by(|a, b| a.0.cmp(&b.0));
                rows.extend(all.into_iter().take(limit + 1).map(|(_, p)| p));
            }
        }
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|p| token_of(p))
        } else {
            None
        };
        Ok(Page { rows, next })
    }
}
