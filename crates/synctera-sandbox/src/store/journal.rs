//! The changes a durable sandbox commits to its database, recorded by [`super::Tenant`]'s
//! methods in the order they were made.

use std::time::SystemTime;

use super::StoredResponse;
use crate::model::{Disclosure, Person, Verification};

/// One change to a tenant.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub enum Change {
    /// A person created or changed (the whole record).
    Person(Box<Person>),
    /// A disclosure stored at this position of the listing order.
    Disclosure(u64, Disclosure),
    /// A verification stored.
    Verification(Verification),
    /// The answer an idempotency key replays.
    Replay {
        op: String,
        key: String,
        fingerprint: [u8; 32],
        response: StoredResponse,
        stored_at: SystemTime,
    },
    /// An idempotency record evicted to keep the tenant within its bound.
    ReplayEvicted { op: String, key: String },
    /// Every record of the tenant deleted.
    Wipe,
}
