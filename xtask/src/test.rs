//! `cargo xtask test`: the one command that runs every test of the project.
//!
//! 1. `cargo test --workspace` (output streams through unchanged);
//! 2. `crates/synctera-sandbox/scripts/fuzz.sh` (schemathesis against a sandbox it starts);
//! 3. `crates/synctera-sandbox/scripts/wheel_test.sh` (the Python wheel, installed into a fresh
//!    virtualenv and driven through a client generated from its `--print-spec`).
//!
//! Stops at the first step that fails and exits non-zero.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Where the sandbox's schemathesis script lives, relative to the workspace root.
pub const FUZZ_SCRIPT: &str = "crates/synctera-sandbox/scripts/fuzz.sh";

/// Run every test. `extra` is passed on to `cargo test` (e.g. `-- --nocapture`).
pub fn run(root: &Path, extra: &[String]) -> Result<()> {
    println!("==> cargo test --workspace");
    let status = crate::cargo()
        .current_dir(root)
        .args(["test", "--workspace"])
        .args(extra)
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("cargo test --workspace failed ({status})");
    }
    for script in [FUZZ_SCRIPT, crate::wheel::WHEEL_TEST_SCRIPT] {
        println!("==> {script}");
        let status = Command::new("bash")
            .current_dir(root)
            .arg(root.join(script))
            .status()
            .with_context(|| format!("running {script}"))?;
        if !status.success() {
            bail!("{script} failed ({status})");
        }
    }
    Ok(())
}
