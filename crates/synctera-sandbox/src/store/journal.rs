//! The changes a durable sandbox commits to its database, recorded by [`super::Tenant`]'s
//! methods in the order they were made.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use super::StoredResponse;
use crate::model::{Disclosure, Person, Verification};
use crate::webhooks::state::WebhookChange;

/// One change to a tenant.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub enum Change {
    /// A person created or changed (the whole record), stored in database row `row`.
    Person { row: u64, person: Box<Person> },
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
    /// A change to the tenant's webhook secrets, subscriptions or events.
    Webhook(WebhookChange),
}

/// The changes a durable tenant made and not yet handed to the database.
pub struct Journal {
    pub changes: Vec<Change>,
    /// The next free person row, shared by every tenant of the database: rows are numbered in
    /// creation order, so new records append to the table instead of landing at random places
    /// of a UUID index.
    rows: Arc<AtomicU64>,
}

impl Journal {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub fn new(rows: Arc<AtomicU64>) -> Self {
        Journal {
            changes: Vec::new(),
            rows,
        }
    }

    pub fn next_row(&self) -> u64 {
        self.rows.fetch_add(1, Ordering::Relaxed)
    }
}
