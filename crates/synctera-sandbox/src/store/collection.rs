//! A stored person with its JSON views, serialized at most once per version of the record.

use std::ops::Deref;
use std::sync::OnceLock;

use bytes::Bytes;

use crate::records::Person;

/// A person as stored. Reads and list pages answer the cached bytes of its view instead of
/// serializing the record again; a change stores a new `Record`, so a cache never outlives the
/// version it was made from.
pub struct Record {
    person: Person,
    /// Its row in the database (durable sandboxes only; 0 otherwise).
    pub(super) row: u64,
    /// The person view and the customer view, each made on first use.
    views: [OnceLock<Bytes>; 2],
}

impl Record {
    pub(super) fn new(person: Person, row: u64) -> Self {
        Record {
            person,
            row,
            views: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// The JSON of the person (`customer == false`) or customer view, as answered to `tenant`
    /// (every record of a tenant is answered to that one tenant name).
    pub fn json(&self, tenant: &str, customer: bool) -> &Bytes {
        self.views[usize::from(customer)].get_or_init(|| render(&self.person, tenant, customer))
    }
}

/// The JSON of `p`'s person (`customer == false`) or customer view, as answered to `tenant`.
pub fn render(p: &Person, tenant: &str, customer: bool) -> Bytes {
    // Room for a typical record's view, so serializing it does not grow the buffer repeatedly.
    let mut out = Vec::with_capacity(1536);
    serde_json::to_writer(&mut out, &p.view(tenant, customer))
        .expect("a person view always serializes");
    Bytes::from(out)
}

impl Deref for Record {
    type Target = Person;
    fn deref(&self) -> &Person {
        &self.person
    }
}
