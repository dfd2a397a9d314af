//! `cargo xtask build-cost`: what depending on `synctera` costs a user's cold build.
//!
//! Two fresh binary crates make the same call (read one person, print its id):
//! - `with-sdk` depends on `synctera` (by path, default features, as a user gets it);
//! - `by-hand` writes the call with reqwest + serde + tokio, with the reqwest features the SDK
//!   turns on (json, http2, rustls), so the baseline is the HTTP stack a user would need anyway.
//!
//! Each round builds both cold (a fresh target directory each, `cargo build`, the dev profile a
//! user's first build uses), in alternating order so machine drift hits both alike; the figure is
//! the median over rounds of the per-round ratio `with-sdk / by-hand`, plus the number of crates
//! each build compiled. Both crates start from the workspace's `Cargo.lock` and build `--offline`,
//! so they resolve the same versions the workspace tests.
//!
//! Each cold build takes minutes on a small machine: this is a maintainer's measurement, not a CI
//! step.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};

use crate::cargo;

/// Options of `cargo xtask build-cost`.
#[derive(Debug, clap::Args)]
pub struct BuildCostArgs {
    /// Rounds of the two cold builds.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub rounds: u32,
    /// Parallel jobs for each build (`cargo build -j`); default: cargo's (all cores).
    #[arg(long)]
    pub jobs: Option<u32>,
}

const WITH_SDK: &str = r#"
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), synctera::Error> {
    let client = synctera::Client::from_env()?;
    let id: synctera::PersonId = "3f7e1d9a-8f0b-4c5e-9a51-0d2b8c6e4f10".parse().expect("uuid");
    let person = client.persons().get(id).await?;
    println!("{}", person.id);
    Ok(())
}
"#;

const BY_HAND: &str = r#"
#[derive(serde::Deserialize)]
struct Person {
    id: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), reqwest::Error> {
    let key = std::env::var("SYNCTERA_API_KEY").unwrap_or_default();
    let base = std::env::var("SYNCTERA_BASE_URL")
        .unwrap_or_else(|_| "https://api-sandbox.synctera.com/v0".into());
    let person: Person = reqwest::Client::new()
        .get(format!("{base}/persons/3f7e1d9a-8f0b-4c5e-9a51-0d2b8c6e4f10"))
        .bearer_auth(key)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!("{}", person.id);
    Ok(())
}
"#;

/// Run the measurement and print the figures.
pub fn run(root: &Path, args: &BuildCostArgs) -> Result<()> {
    let work = root.join("target").join("build-cost");
    let sdk_path = root.join("crates/synctera");
    let with_sdk = format!(
        "synctera = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n",
        sdk_path.display().to_string()
    );
    let by_hand = "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"http2\", \"rustls\"] }\n\
                   serde = { version = \"1\", features = [\"derive\"] }\n\
                   tokio = { version = \"1\", features = [\"macros\", \"rt\"] }\n";
    let crates = [
        ("with-sdk", with_sdk.as_str(), WITH_SDK),
        ("by-hand", by_hand, BY_HAND),
    ];
    for (name, deps, main) in &crates {
        write_crate(root, &work.join(name), name, deps, main)?;
    }

    let mut ratios = Vec::new();
    let mut counts = [0usize; 2];
    for round in 0..args.rounds {
        let mut times = [Duration::ZERO; 2];
        // Alternate which build goes first.
        let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let (name, ..) = crates[i];
            let (time, compiled) = cold_build(&work.join(name), args.jobs)?;
            println!(
                "round {}: {name:<8} {:>7.1} s, {compiled} crates",
                round + 1,
                time.as_secs_f64()
            );
            times[i] = time;
            counts[i] = compiled;
        }
        ratios.push(times[0].as_secs_f64() / times[1].as_secs_f64());
    }
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    println!(
        "\ncold build, with-sdk / by-hand: median {median:.2}x over {} rounds (per round: {}); \
         crates compiled: {} vs {}",
        args.rounds,
        shown.join(", "),
        counts[0],
        counts[1]
    );
    Ok(())
}

fn write_crate(root: &Path, dir: &Path, name: &str, deps: &str, main: &str) -> Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    // An empty [workspace] keeps the crate out of ours.
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [workspace]\n\n[dependencies]\n{deps}"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::write(dir.join("src/main.rs"), main)?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).context("copying Cargo.lock")?;
    Ok(())
}

/// One cold `cargo build` of the crate at `dir`: its wall time and how many crates it compiled.
fn cold_build(dir: &Path, jobs: Option<u32>) -> Result<(Duration, usize)> {
    let target = dir.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target).context("removing the previous build")?;
    }
    let mut cmd = cargo();
    cmd.current_dir(dir)
        .args(["build", "--offline", "--quiet", "--message-format", "json"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env("CARGO_INCREMENTAL", "0");
    if let Some(j) = jobs {
        cmd.args(["-j", &j.to_string()]);
    }
    let started = Instant::now();
    let out = cmd.output().context("running cargo build")?;
    let elapsed = started.elapsed();
    ensure!(
        out.status.success(),
        "cold build in {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    // Every compiled package shows up as one or more `compiler-artifact` messages.
    let compiled: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter_map(|m| m["package_id"].as_str().map(str::to_owned))
        .collect();
    Ok((elapsed, compiled.len()))
}
