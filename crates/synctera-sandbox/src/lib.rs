//! A stateful local stand-in for Synctera's v0 persons/customers API.
//!
//! Start it in-process with [`Sandbox::start`] (tests, examples) or run the `synctera-sandbox`
//! binary (`--listen 127.0.0.1:4010`). It serves the 29 operations of `openapi/synctera.yaml` under
//! `/v0`, keeps its state in memory (or in SQLite, see "Durable state"), and enforces the rules production enforces: bearer auth
//! with one tenant per API key, persons and customers as one record, SSNs answered as their
//! last four digits only, field validation answered with `application/problem+json`,
//! idempotency keys, keyset pagination and deterministic KYC outcomes.
//!
//! # Tenants
//! Each distinct API key is its own tenant; records of one key are invisible (404) to another.
//! The `tenant` field of a response is `sbx_` followed by the first 12 hex digits of the SHA-256
//! of the key, so the key itself never appears in a response.
//!
//! # KYC test values
//! `POST /v0/verifications/verify` decides by the last four digits of the person's SSN
//! (the serial number):
//!
//! | SSN ends in | IDENTITY result | person `verification_status` | customer `kyc_status` |
//! | --- | --- | --- | --- |
//! | `0001` | `REJECTED` | `REJECTED` | `REJECTED` |
//! | `0002` | `REVIEW` | `REVIEW` | `REVIEW` |
//! | `0003` | `PROVISIONAL` | `PROVISIONAL` | `PROVISIONAL` |
//! | `0004` | `VENDOR_ERROR` | `UNVERIFIED` | `PROVIDER_FAILURE` |
//! | anything else | `ACCEPTED` | `ACCEPTED` | `ACCEPTED` |
//!
//! Each run records two verifications, `IDENTITY` (the result above) and `WATCHLIST`
//! (`ACCEPTED`, or `VENDOR_ERROR` for `0004`).
//!
//! # Webhooks
//! The tenant's webhook secret, subscriptions and events work as the spec describes; person
//! writes raise `PERSON.*` and `CUSTOMER.*` events (both families, whichever view was written),
//! delivered signed by a background worker with retries, to loopback hosts only unless
//! [`SandboxConfig::webhook_allow_hosts`] names others. See the README's "Webhooks" section.
//!
//! # Fault injection
//! [`FaultInjector::push`] queues a [`Fault`] for the next request; [`SandboxConfig::fault_rate`]
//! makes a seeded share of requests fail at random. A dropped connection happens after the
//! work is done, so a client that retries without an idempotency key creates a duplicate.
//!
//! # Wiping a tenant
//! `POST /v0/wipe` (wipeWorkspace) deletes the caller's persons, disclosures, verifications,
//! idempotency records and page tokens, and answers 204; other tenants are untouched.
//!
//! # Durable state
//! With the `sqlite` feature (on by default; the binary needs it), [`SandboxConfig::state`] or
//! [`Sandbox::start_with_state`] (the binary's `--state FILE`) keeps every tenant in an SQLite
//! database (WAL journal). Reads are served from memory; the database is the durable log, loaded
//! at start. Every write answered 2xx, and the answer its idempotency key replays, is committed
//! before the answer is sent (concurrent writes are committed together), so a process killed at
//! any moment (SIGKILL, an OOM kill) loses no acknowledged write; commits are not synced to disk
//! one by one, so a power loss may roll back the last of them. Page tokens keep working across
//! restarts (their key is kept in the database). The file holds full SSNs: it is created
//! readable and writable by its owner only. A file that is not a sandbox database, or is
//! corrupt, is refused at start and left as it is; so is a file another sandbox process has
//! open. After a failed commit (a full disk, an I/O error) every request is answered 503
//! `STATE_DATABASE_FAILED` until the sandbox is restarted on the file, which serves the last
//! committed state ([`FaultInjector::fail_next_commit`] makes one fail). Library users who only need the in-memory sandbox can turn the feature off
//! (`default-features = false`) and build without SQLite.
//!
//! # Memory bounds
//! A shared sandbox must not grow without limit: it keeps at most
//! [`SandboxConfig::max_tenants`] tenants (10 000; a new API key beyond that is answered 403
//! `FORBIDDEN`, known keys keep working; a key over 256 characters is answered 401
//! `UNAUTHENTICATED` and names no tenant), and each tenant replays a finished idempotency key for
//! [`SandboxConfig::idempotency_ttl`] (24 hours) and remembers at most
//! [`SandboxConfig::idempotency_capacity`] of them (10 000, oldest evicted first). An expired or
//! evicted key is free again, like a key never seen.
//!
//! # Slow and greedy clients
//! A connection must send each request head within [`SandboxConfig::header_read_timeout`]
//! (10 s), counted from the accept or from the previous answer, so it is also the keep-alive idle
//! timeout; a request must be answered within [`SandboxConfig::request_timeout`] (30 s, else 504
//! `GATEWAY_TIMEOUT`), and a connection whose answer the client leaves unread that long is
//! closed; at most [`SandboxConfig::max_connections`] (512) connections are served
//! at once, and further ones wait in the listen backlog until one closes.
//!
//! # Other behaviour worth knowing
//! - A request's `tenant` field is accepted and ignored: the key decides the tenant.
//! - Every personal identifier (not only SSNs) is answered as its last four characters.
//! - The unique-customer rule (dob + last name + SSN last four) is enforced only with
//!   [`SandboxConfig::enforce_unique_customer`], like Synctera's own sandbox.

#![warn(missing_docs)]

mod app;
mod config;
mod delivery;
mod faults;
mod http;
mod ops;
mod problem;
mod records;
mod router;
mod server;
mod store;
mod validate;
mod webhooks;
mod write;

pub use config::SandboxConfig;
pub use faults::{Fault, FaultInjector, Hold};
pub use server::Sandbox;
