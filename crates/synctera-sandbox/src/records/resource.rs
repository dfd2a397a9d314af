//! What every kind of record declares to be kept by the store.

use std::hash::Hash;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A kind of record the store keeps. This one declaration gives it its collection, its entry in
/// the journal and its table in the state database (registered in `store/mod.rs`).
pub trait Resource: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Its table in the state database.
    const KIND: &'static str;
    /// The listing its page tokens name: its `KIND`, unless tokens issued before a change in
    /// how its records are numbered must be refused rather than misread.
    const LISTING: &'static str = Self::KIND;
    /// Whether wiping the tenant deletes it (webhook subscriptions outlive a wipe, so a test
    /// suite that wipes between tests keeps its receiver subscribed).
    const WIPED: bool = true;
    /// Which of its JSON views a reader asks for (`()` for a kind with one view).
    type View: ViewSlot;
    /// What finds one record of the kind (its UUID, or for a webhook event the subscription's
    /// and the event's).
    type Id: Copy + Eq + Hash + Send + Sync + 'static;
    fn id(&self) -> Self::Id;
    /// Its JSON `view`, as answered to `tenant` (every record of a tenant is answered to that
    /// one tenant name).
    fn render(&self, tenant: &str, view: Self::View) -> Bytes;
}

/// The cache slot of a view: at most [`VIEWS`] per record.
pub trait ViewSlot: Copy {
    fn slot(self) -> usize;
}

impl ViewSlot for () {
    fn slot(self) -> usize {
        0
    }
}

/// A kind with a second view (`true`: a person's customer view).
impl ViewSlot for bool {
    fn slot(self) -> usize {
        usize::from(self)
    }
}

/// Most views one record has (a person has its person and its customer view).
pub const VIEWS: usize = 2;
