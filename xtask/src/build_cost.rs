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
//! Wall time is what a user waits, but on a shared machine other builds stretch it unevenly;
//! the CPU time of each build (its processes' user + system time, from `/proc/self/stat` on
//! Linux) is printed beside it and is much steadier under load.
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
    /// Depend on `synctera` with `default-features = false` and these features instead (e.g.
    /// `rustls`: the lean setup, without the `webhooks` feature; the JSON Schema derives are
    /// opt-in either way).
    #[arg(long, value_name = "FEATURES", value_delimiter = ',')]
    pub sdk_features: Option<Vec<String>>,
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
    let features = match &args.sdk_features {
        Some(list) => format!(", default-features = false, features = {list:?}"),
        None => String::new(),
    };
    let with_sdk = format!(
        "synctera = {{ path = {:?}{features} }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt\"] }}\n",
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
    let mut cpu_ratios = Vec::new();
    let mut counts = [0usize; 2];
    for round in 0..args.rounds {
        let mut times = [Duration::ZERO; 2];
        let mut cpu: [Option<Duration>; 2] = [None; 2];
        // Alternate which build goes first.
        let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let (name, ..) = crates[i];
            let cpu_before = children_cpu();
            let (time, compiled) = cold_build(&work.join(name), args.jobs)?;
            cpu[i] = cpu_before
                .zip(children_cpu())
                .map(|(a, b)| b.saturating_sub(a));
            let cpu_shown =
                cpu[i].map_or("n/a".to_owned(), |c| format!("{:.1} s", c.as_secs_f64()));
            println!(
                "round {}: {name:<8} wall {:>7.1} s, cpu {cpu_shown:>8}, {compiled} crates",
                round + 1,
                time.as_secs_f64()
            );
            times[i] = time;
            counts[i] = compiled;
        }
        ratios.push(times[0].as_secs_f64() / times[1].as_secs_f64());
        if let [Some(a), Some(b)] = cpu {
            cpu_ratios.push(a.as_secs_f64() / b.as_secs_f64());
        }
    }
    let (median, shown) = summary(&ratios);
    let setup = match &args.sdk_features {
        Some(list) => format!("synctera without default features, with {list:?}"),
        None => "synctera with default features".to_owned(),
    };
    println!("\n{setup}");
    println!(
        "cold build, with-sdk / by-hand: median {median:.2}x over {} rounds (per round: {}); \
         crates compiled: {} vs {}",
        args.rounds, shown, counts[0], counts[1]
    );
    if !cpu_ratios.is_empty() {
        let (cpu_median, cpu_shown) = summary(&cpu_ratios);
        println!("cpu time, with-sdk / by-hand: median {cpu_median:.2}x (per round: {cpu_shown})");
    }
    Ok(())
}

/// The median of `ratios` and all of them, two decimals each, comma-separated.
fn summary(ratios: &[f64]) -> (f64, String) {
    let mut sorted = ratios.to_vec();
    sorted.sort_by(f64::total_cmp);
    let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    (sorted[sorted.len() / 2], shown.join(", "))
}

/// User + system time of this process's waited-for descendants (`cutime` + `cstime` of
/// `/proc/self/stat`, in clock ticks of 1/100 s on Linux); `None` elsewhere.
fn children_cpu() -> Option<Duration> {
    const TICKS_PER_SECOND: u64 = 100;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name start at field 3 (`state`).
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let ticks = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
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
