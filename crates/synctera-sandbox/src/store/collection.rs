//! One kind of record, kept in creation order with each record's JSON views rendered at most
//! once per version of the record.

use std::collections::{BTreeMap, HashMap};
use std::ops::{Bound, Deref};
use std::sync::OnceLock;

use bytes::Bytes;

use crate::records::{Resource, VIEWS, ViewSlot};

/// A record as stored. Reads and list pages answer the cached bytes of its view instead of
/// serializing the record again; a change stores a new `Entry`, so a cache never outlives the
/// version it was made from.
pub struct Entry<R> {
    record: R,
    /// Its place in creation order, and its row in the database.
    row: u64,
    views: [OnceLock<Bytes>; VIEWS],
}

impl<R: Resource> Entry<R> {
    fn new(record: R, row: u64) -> Self {
        Entry {
            record,
            row,
            views: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// The JSON of `view`, as answered to `tenant`.
    pub fn json(&self, tenant: &str, view: R::View) -> &Bytes {
        self.views[view.slot()].get_or_init(|| self.record.render(tenant, view))
    }

    pub fn row(&self) -> u64 {
        self.row
    }
}

impl<R> Deref for Entry<R> {
    type Target = R;
    fn deref(&self) -> &R {
        &self.record
    }
}

/// Every record of one kind of a tenant, in creation order.
///
/// The entries are boxed: a B-tree keeps its values inline, eleven to a node, so unboxed
/// entries of several hundred bytes made every node several kilobytes, every insert and node
/// split move them, and the nodes of appends in row order stay about half full (about twice
/// the memory per record, page faults included).
pub struct Collection<R: Resource> {
    by_row: BTreeMap<u64, Box<Entry<R>>>,
    rows: HashMap<R::Id, u64>,
}

impl<R: Resource> Default for Collection<R> {
    fn default() -> Self {
        Collection {
            by_row: BTreeMap::new(),
            rows: HashMap::new(),
        }
    }
}

impl<R: Resource> Collection<R> {
    pub fn get(&self, id: &R::Id) -> Option<&Entry<R>> {
        self.rows
            .get(id)
            .and_then(|row| self.by_row.get(row))
            .map(|e| &**e)
    }

    /// The row `record` is kept at: its own if it is stored already, else `new_row`.
    pub fn row_for(&self, record: &R, new_row: impl FnOnce() -> u64) -> u64 {
        self.rows.get(&record.id()).copied().unwrap_or_else(new_row)
    }

    /// Stores `record` at `row`, returning the version it replaces.
    pub fn put(&mut self, record: R, row: u64) -> Option<Entry<R>> {
        let old = self
            .rows
            .insert(record.id(), row)
            .and_then(|old_row| self.by_row.remove(&old_row));
        self.by_row.insert(row, Box::new(Entry::new(record, row)));
        old.map(|e| *e)
    }

    /// Changes the record with this id in place (`change` keeps its id) and drops its cached
    /// views; returns it.
    pub fn update(&mut self, id: &R::Id, change: impl FnOnce(&mut R)) -> Option<&Entry<R>> {
        let row = *self.rows.get(id)?;
        let entry = self.by_row.get_mut(&row)?;
        change(&mut entry.record);
        entry.views = Default::default();
        Some(entry)
    }

    /// The record kept at `row`.
    pub fn at_row(&self, row: u64) -> Option<&Entry<R>> {
        self.by_row.get(&row).map(|e| &**e)
    }

    /// Deletes the record with this id, returning it.
    pub fn remove(&mut self, id: &R::Id) -> Option<Entry<R>> {
        let row = self.rows.remove(id)?;
        self.by_row.remove(&row).map(|e| *e)
    }

    pub fn len(&self) -> usize {
        self.by_row.len()
    }

    /// Every record, in creation order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry<R>> {
        self.by_row.values().map(|e| &**e)
    }

    /// The records created after row `after` that pass `keep`, in creation order: at most
    /// `limit` of them, and whether more follow.
    pub fn page(
        &self,
        after: Option<u64>,
        limit: usize,
        keep: impl Fn(&Entry<R>) -> bool,
    ) -> (Vec<&Entry<R>>, bool) {
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut rows = Vec::with_capacity(limit.min(1024));
        let mut more = false;
        for e in self
            .by_row
            .range((start, Bound::Unbounded))
            .map(|(_, e)| &**e)
        {
            if keep(e) {
                if rows.len() == limit {
                    more = true;
                    break;
                }
                rows.push(e);
            }
        }
        (rows, more)
    }

    pub fn clear(&mut self) {
        self.by_row.clear();
        self.rows.clear();
    }
}
