//! The project's maintenance tasks, as a library so workspace tests can drive them
//! (`tests/` snapshots the generated public surface through [`codegen`] and [`surface`]).
//!
//! The `xtask` binary (`cargo xtask ...`, an alias in `.cargo/config.toml`) is a thin CLI over it.

pub mod build_cost;
pub mod codegen;
pub mod deny;
pub mod lint;
pub mod publish;
pub mod surface;
pub mod test;
pub mod wheel;

use std::path::PathBuf;
use std::process::Command;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// A `cargo` command of the toolchain running xtask (`CARGO` is set by `cargo run`).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}
