//! Workspace-level tests live in `tests/tests/`. This library carries one more kind: the root
//! README's Rust snippets, compiled (and, unless marked `no_run`, run) as doctests by
//! `cargo test --workspace`, so the README a new user copies from cannot drift from the API.

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
