//! `cargo xtask package` and `cargo xtask docs`: the published crates as crates.io and docs.rs
//! see them.
//!
//! Which crates are published comes from `cargo metadata` (every workspace member without
//! `publish = false`), so a new crate is checked without editing a list here.
//!
//! Files outside a crate's directory reach its tarball through symlinks, which `cargo package`
//! follows and stores as regular files: `LICENSE` (-> the root `LICENSE`) in each crate, and the
//! sandbox's `synctera.yaml` (-> `openapi/synctera.yaml`, the spec `--print-spec` embeds). A
//! symlink cannot drift from its target; [`package`] checks that every packaged file that is a
//! symlink in the workspace arrived byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::cargo;

/// Files each published crate must carry besides `Cargo.toml`, `LICENSE` and its readme, because
/// its build includes them (`include!`/`include_str!` of a path the compiler needs).
const REQUIRED_FILES: &[(&str, &str)] = &[
    ("synctera-raw", "src/generated.rs"),
    ("synctera-sandbox", "synctera.yaml"),
];

/// Path prefixes no tarball may contain: build output and the project's installed tools.
const FORBIDDEN_PREFIXES: &[&str] = &["target/", ".tools/", "node_modules/", ".schemathesis/"];

/// Options of `cargo xtask package`.
#[derive(Debug, Default, clap::Args)]
pub struct PackageArgs {
    /// Package uncommitted changes too (passed to `cargo package`); CI runs on a clean checkout.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Only list and check the files; skip building the crates from their tarballs.
    #[arg(long)]
    pub no_verify: bool,
}

/// A workspace member that is published to crates.io.
#[derive(Debug)]
pub struct PublishedCrate {
    /// Package name.
    pub name: String,
    /// Package version.
    pub version: String,
    /// The `readme` field, as written in the manifest (relative to the crate's directory).
    pub readme: Option<String>,
    /// The crate's directory.
    pub dir: PathBuf,
}

/// The workspace's published crates and cargo's target directory, from `cargo metadata`.
pub fn published_crates(root: &Path) -> Result<(Vec<PublishedCrate>, PathBuf)> {
    let out = cargo()
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("running cargo metadata")?;
    ensure!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading cargo metadata")?;
    let target = meta["target_directory"]
        .as_str()
        .context("no target_directory")?
        .into();
    let crates = meta["packages"]
        .as_array()
        .context("no packages")?
        .iter()
        // `publish` is null when unrestricted, `[]` for `publish = false`.
        .filter(|p| p["publish"].as_array().is_none_or(|regs| !regs.is_empty()))
        .map(|p| PublishedCrate {
            name: p["name"].as_str().unwrap_or_default().to_owned(),
            version: p["version"].as_str().unwrap_or_default().to_owned(),
            readme: p["readme"].as_str().map(str::to_owned),
            dir: Path::new(p["manifest_path"].as_str().unwrap_or_default())
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        })
        .collect();
    Ok((crates, target))
}

/// `cargo package` for every published crate (one run, so crates that depend on each other are
/// verified against each other's tarballs), then the file checks.
pub fn package(root: &Path, args: &PackageArgs) -> Result<()> {
    let (crates, target) = published_crates(root)?;
    ensure!(!crates.is_empty(), "no published crate in the workspace");
    forget_extracted_tarballs(&crates)?;
    let mut cmd = cargo();
    cmd.current_dir(root).arg("package");
    for c in &crates {
        cmd.args(["-p", &c.name]);
    }
    if args.allow_dirty {
        cmd.arg("--allow-dirty");
    }
    if args.no_verify {
        cmd.arg("--no-verify");
    }
    run(&mut cmd, "cargo package")?;

    // cargo printed each crate's unpacked and compressed size; this repeats them per crate.
    println!("\n{:<20} {:>6} {:>12}", "crate", "files", ".crate");
    for c in &crates {
        let files = package_list(root, &c.name, args.allow_dirty)?;
        check_files(c, &files)?;
        let stem = format!("{}-{}", c.name, c.version);
        let tarball = target.join("package").join(format!("{stem}.crate"));
        // Files that come from outside the crate (symlinks) must arrive byte for byte.
        for f in &files {
            let local = c.dir.join(f);
            if local
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
            {
                let packaged = file_in_tarball(&tarball, &format!("{stem}/{f}"))?;
                let source = std::fs::read(&local).with_context(|| local.display().to_string())?;
                ensure!(
                    packaged == source,
                    "{}: packaged `{f}` differs from its source",
                    c.name
                );
            }
        }
        let size = std::fs::metadata(&tarball)
            .with_context(|| tarball.display().to_string())?
            .len();
        println!("{:<20} {:>6} {:>12}", c.name, files.len(), kib(size));
    }
    Ok(())
}

/// Remove the sources cargo extracted from earlier tarballs of these crates.
///
/// To verify crates that depend on each other, `cargo package` serves the fresh tarballs from a
/// local registry and extracts them under `$CARGO_HOME/registry/src/<source>/<name>-<version>`.
/// An extracted directory is reused as it is whenever the name, version and source match, and the
/// source is the same for every run from the same checkout path, so without this a run verifies
/// against the sources of an earlier run's tarball (seen: a changed `generated.rs` verified
/// against the old one). Only these crates' directories go; cargo re-extracts on demand.
fn forget_extracted_tarballs(crates: &[PublishedCrate]) -> Result<()> {
    let cargo_home = match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => match std::env::var_os("HOME") {
            Some(home) => Path::new(&home).join(".cargo"),
            None => return Ok(()),
        },
    };
    let Ok(sources) = std::fs::read_dir(cargo_home.join("registry").join("src")) else {
        return Ok(());
    };
    for source in sources {
        let source = source?.path();
        for c in crates {
            let extracted = source.join(format!("{}-{}", c.name, c.version));
            if extracted.is_dir() {
                std::fs::remove_dir_all(&extracted)
                    .with_context(|| format!("removing {}", extracted.display()))?;
            }
        }
    }
    Ok(())
}

/// `RUSTDOCFLAGS="-D warnings" cargo doc --no-deps` for the published crates, with every
/// feature (as `[package.metadata.docs.rs]` asks docs.rs to build them).
pub fn docs(root: &Path) -> Result<()> {
    let (crates, _) = published_crates(root)?;
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args(["doc", "--no-deps", "--all-features"]);
    for c in &crates {
        cmd.args(["-p", &c.name]);
    }
    cmd.env("RUSTDOCFLAGS", "-D warnings");
    run(&mut cmd, "cargo doc")
}

/// The files `cargo package` puts into `name`'s tarball.
fn package_list(root: &Path, name: &str, allow_dirty: bool) -> Result<Vec<String>> {
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args(["package", "--list", "-p", name]);
    if allow_dirty {
        cmd.arg("--allow-dirty");
    }
    let out = cmd.output().context("running cargo package --list")?;
    ensure!(
        out.status.success(),
        "cargo package --list -p {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?
        .lines()
        .map(str::to_owned)
        .collect())
}

fn check_files(c: &PublishedCrate, files: &[String]) -> Result<()> {
    let has = |f: &str| files.iter().any(|x| x == f);
    // A readme outside the crate directory is packaged under its file name.
    let readme = c.readme.as_deref().context("no readme in the manifest")?;
    let readme = Path::new(readme)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(readme);
    let mut needed = vec!["Cargo.toml", "LICENSE", readme];
    needed.extend(
        REQUIRED_FILES
            .iter()
            .filter(|(n, _)| *n == c.name)
            .map(|(_, f)| *f),
    );
    for f in needed {
        ensure!(has(f), "{}: `{f}` is missing from the package", c.name);
    }
    if let Some(bad) = files
        .iter()
        .find(|f| FORBIDDEN_PREFIXES.iter().any(|p| f.starts_with(p)))
    {
        bail!("{}: the package carries `{bad}`", c.name);
    }
    Ok(())
}

/// One file's bytes from a `.crate` (a gzipped tarball), through the system's `tar`.
fn file_in_tarball(tarball: &Path, member: &str) -> Result<Vec<u8>> {
    let out = Command::new("tar")
        .arg("-xzOf")
        .arg(tarball)
        .arg(member)
        .output()
        .context("running tar")?;
    ensure!(
        out.status.success(),
        "{member} is not in {}",
        tarball.display()
    );
    Ok(out.stdout)
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {what}"))?;
    ensure!(status.success(), "{what} failed ({status})");
    Ok(())
}
