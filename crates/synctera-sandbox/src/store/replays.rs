//! A tenant's idempotency records: what each key answered, bounded in time and number.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use bytes::Bytes;

/// What an idempotency key has seen so far.
pub enum IdemEntry {
    InFlight,
    Done {
        fingerprint: [u8; 32],
        response: StoredResponse,
    },
}

/// An idempotency key, scoped by operation (the tenant scope is the store itself).
pub type IdemKey = (Cow<'static, str>, String);

/// How long and how many finished idempotency records a tenant keeps.
#[derive(Clone, Copy)]
pub struct IdemLimits {
    pub ttl: std::time::Duration,
    pub capacity: usize,
}

/// A tenant's idempotency records, bounded in time and number so that a long-running shared
/// sandbox does not grow without limit. Finished records expire after `ttl`; beyond `capacity`
/// the oldest finished ones are evicted first. In-flight keys are bounded by the number of
/// open requests and are never evicted.
#[derive(Default)]
pub struct IdemStore {
    map: HashMap<IdemKey, (IdemEntry, Instant)>,
    /// Finished records in completion order, with the stamp they were stored under.
    done: VecDeque<(Instant, IdemKey)>,
}

impl IdemStore {
    /// The live record of `key`; an expired one counts as absent.
    pub fn get(&self, key: &IdemKey, now: Instant, lim: IdemLimits) -> Option<&IdemEntry> {
        match self.map.get(key) {
            Some((IdemEntry::Done { .. }, at)) if now.duration_since(*at) >= lim.ttl => None,
            Some((e, _)) => Some(e),
            None => None,
        }
    }

    /// Claims `key` for a request that is starting.
    pub fn begin(&mut self, key: IdemKey, now: Instant) {
        self.map.insert(key, (IdemEntry::InFlight, now));
    }

    /// Releases a claim whose request went away before finishing.
    pub fn abandon(&mut self, key: &IdemKey) {
        if matches!(self.map.get(key), Some((IdemEntry::InFlight, _))) {
            self.map.remove(key);
        }
    }

    /// Stores the answer of a finished request and evicts what is expired or over capacity;
    /// returns the keys evicted.
    pub fn finish(
        &mut self,
        key: IdemKey,
        fingerprint: [u8; 32],
        response: StoredResponse,
        now: Instant,
        lim: IdemLimits,
    ) -> Vec<IdemKey> {
        self.map.insert(
            key.clone(),
            (
                IdemEntry::Done {
                    fingerprint,
                    response,
                },
                now,
            ),
        );
        self.done.push_back((now, key));
        let mut evicted = Vec::new();
        while let Some((at, _)) = self.done.front() {
            if self.done.len() <= lim.capacity && now.duration_since(*at) < lim.ttl {
                break;
            }
            let Some((at, key)) = self.done.pop_front() else {
                break;
            };
            // Only drop the record this queue entry stands for, not a newer one under the
            // same key (stored again after it expired).
            if matches!(self.map.get(&key), Some((IdemEntry::Done { .. }, t)) if *t == at) {
                self.map.remove(&key);
                evicted.push(key);
            }
        }
        evicted
    }

    /// Forgets every record, finished or in flight.
    pub fn clear(&mut self) {
        self.map.clear();
        self.done.clear();
    }
}

#[derive(Clone)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Bytes,
}
