//! Webhooks: the tenant's signing secrets, its subscriptions, the events person writes raise,
//! and how one delivery attempt is signed and sent. The data only: the operations are in
//! `ops/webhooks/` (with the raising of a person write's events), the worker in `delivery.rs`.
//!
//! A person and a customer are one record. A write through either view raises the events of
//! both families, the written view's first, each carrying the record as that family shows it:
//! a subscriber to `PERSON.*` alone (or `CUSTOMER.*` alone) sees every change. An update raises
//! a family's `UPDATED` event only when a field of that view other than `last_updated_time`
//! changed; a verification raises `PERSON.VERIFICATION_OUTCOME.UPDATED` when the person view's
//! `verification_status` changed and `CUSTOMER.KYC_OUTCOME.UPDATED` when the customer view's
//! `kyc_status` did.

pub(crate) mod attempt;
pub(crate) mod changes;
pub(crate) mod destination;
pub(crate) mod event_types;
pub(crate) mod records;
pub(crate) mod secrets;
pub(crate) mod signing;
