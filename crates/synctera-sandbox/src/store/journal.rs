//! The changes a durable sandbox commits to its database, recorded by [`super::Tenant`]'s
//! methods in the order they were made.

use std::time::SystemTime;

use super::{Resource, StoredResponse};
use crate::webhooks::signing::Secrets;

/// A record on its way to the database, of any kind: serialized by the committer, off the
/// tenant's lock.
pub trait Persisted: Send + Sync {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))] // read only by the SQLite committer
    fn to_json(&self) -> serde_json::Result<String>;
}

impl<R: Resource> Persisted for R {
    fn to_json(&self) -> serde_json::Result<String> {
        serde_json::to_string(self)
    }
}

/// One change to a tenant.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub enum Change {
    /// A record of kind `kind` ([`Resource::KIND`]) created or changed (the whole record),
    /// stored in database row `row`.
    Put {
        kind: &'static str,
        row: u64,
        record: Box<dyn Persisted>,
    },
    /// The record of kind `kind` in database row `row` deleted.
    Delete { kind: &'static str, row: u64 },
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
    /// Every record of the tenant deleted, but those of kinds a wipe keeps.
    Wipe,
    /// The tenant's webhook secrets as they now are (`None`: revoked).
    Secrets(Option<Secrets>),
}

/// The changes a durable tenant made and not yet handed to the database.
#[derive(Default)]
pub struct Journal {
    pub changes: Vec<Change>,
}
