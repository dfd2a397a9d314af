//! The API's resources, one module each: the records they return, the requests that write
//! them, their list queries and the client accessor (`client.persons()`, …) that makes their
//! operations. Each builds on [`crate::values`] and calls [`crate::transport`].

pub mod customers;
pub mod disclosures;
pub mod person_fields;
pub mod person_query;
mod person_record;
pub mod persons;
pub mod tenant_wipe;
pub mod verifications;
#[cfg(feature = "webhooks")]
pub mod webhooks;

#[cfg(test)]
mod body_snapshots;
#[cfg(test)]
mod raw_conversions;
