//! `cargo xtask deny`: the supply-chain checks of the dependency graph against `deny.toml`.
//!
//! The work is in `scripts/deny.sh` (what CI runs): it installs the pinned cargo-deny into
//! `.tools/cargo-deny`, checks licences, bans and sources, then advisories when the RustSec
//! database can be fetched, saying plainly when that check was skipped.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, ensure};

/// Installs cargo-deny and runs the checks.
pub const DENY_SCRIPT: &str = "scripts/deny.sh";

/// Run the supply-chain checks of the workspace at `root`.
pub fn run(root: &Path) -> Result<()> {
    let status = Command::new("bash")
        .current_dir(root)
        .arg(root.join(DENY_SCRIPT))
        .status()
        .with_context(|| format!("running {DENY_SCRIPT}"))?;
    ensure!(status.success(), "{DENY_SCRIPT} failed ({status})");
    Ok(())
}
