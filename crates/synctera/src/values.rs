//! The value types records and requests are made of: typed ids, PII that validates and masks
//! itself, addresses, statuses, metadata and the API's enums. They know nothing of resources or
//! of the transport.

pub mod addresses;
pub mod enums;
pub mod ids;
pub(crate) mod invalid;
pub mod metadata;
pub mod pii;
pub mod statuses;
