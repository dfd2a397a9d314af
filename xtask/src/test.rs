//! `cargo xtask test`: the one command that runs every test of the project.
//!
//! 1. `cargo test --workspace` (output streams through unchanged);
//! 2. `crates/synctera-sandbox/scripts/fuzz.sh` when it exists (schemathesis against a sandbox it
//!    starts itself).
//!
//! Stops at the first step that fails and exits non-zero.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Where the sandbox's schemathesis script lives, relative to the workspace root.
pub const FUZZ_SCRIPT: &str = "crates/synctera-sandbox/scripts/fuzz.sh";

/// Run every test. `extra` is passed on to `cargo test` (e.g. `-- --nocapture`).
pub fn run(root: &Path, extra: &[String]) -> Result<()> {
    // `CARGO` is set by cargo for `cargo run`/`cargo xtask`: use the same toolchain.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    println!("==> cargo test --workspace");
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["test", "--workspace"])
        .args(extra)
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("cargo test --workspace failed ({status})");
    }

    let fuzz = root.join(FUZZ_SCRIPT);
    if fuzz.exists() {
        println!("==> {FUZZ_SCRIPT}");
        let status = Command::new("bash")
            .current_dir(root)
            .arg(&fuzz)
            .status()
            .with_context(|| format!("running {FUZZ_SCRIPT}"))?;
        if !status.success() {
            bail!("{FUZZ_SCRIPT} failed ({status})");
        }
    } else {
        println!("==> {FUZZ_SCRIPT} not present: schemathesis run skipped");
    }
    Ok(())
}
