//! `cargo xtask wheel [--test]`: the sandbox's Python wheel.
//!
//! The work is in shell scripts beside the sandbox (they install the pinned maturin and
//! openapi-python-client into `.tools/` and are what CI runs through `cargo xtask test`):
//! `scripts/wheel.sh` builds `target/wheels/synctera_sandbox-*.whl`; `scripts/wheel_test.sh`
//! also installs it into a fresh virtualenv, drives the onboarding flow through a generated
//! Python client, and receives a webhook delivery in a Python server that verifies its
//! signature with the standard library's `hmac`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, ensure};

/// Builds the wheel.
pub const WHEEL_SCRIPT: &str = "crates/synctera-sandbox/scripts/wheel.sh";
/// Builds, installs and tests the wheel.
pub const WHEEL_TEST_SCRIPT: &str = "crates/synctera-sandbox/scripts/wheel_test.sh";

/// Build the wheel; with `test`, also install and exercise it.
pub fn run(root: &Path, test: bool) -> Result<()> {
    let script = if test {
        WHEEL_TEST_SCRIPT
    } else {
        WHEEL_SCRIPT
    };
    let status = Command::new("bash")
        .current_dir(root)
        .arg(root.join(script))
        .status()
        .with_context(|| format!("running {script}"))?;
    ensure!(status.success(), "{script} failed ({status})");
    Ok(())
}
