//! `cargo xtask <command>`: the project's maintenance commands; `cargo xtask --help` lists them,
//! `cargo xtask <command> --help` explains one.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{build_cost, codegen, deny, lint, publish, test, wheel, workspace_root};

/// Maintenance commands of the synctera-rs workspace.
#[derive(Parser)]
#[command(name = "xtask", bin_name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate crates/synctera-raw/src/generated.rs from openapi/synctera.yaml.
    Codegen(codegen::CodegenArgs),
    /// Check the spec: examples valid against their schemas, the operation rules, then
    /// openapi/lint/run.sh (redocly, spectral).
    Lint(lint::LintArgs),
    /// Run every test: `cargo test --workspace [ARGS...]`, the sandbox's schemathesis run and the
    /// Python wheel test.
    Test {
        /// Passed on to `cargo test` (e.g. `-- --nocapture`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Package the published crates as crates.io receives them (`cargo package`, which builds
    /// each from its tarball) and check what each tarball carries.
    Package(publish::PackageArgs),
    /// Build the published crates' docs as docs.rs does, with warnings (broken intra-doc
    /// links, missing docs) as errors.
    Docs,
    /// Check the dependency graph against deny.toml with cargo-deny (installed on first use):
    /// licences, duplicate versions, sources, and RustSec advisories when their database can
    /// be fetched.
    Deny,
    /// Build the sandbox's Python wheel (maturin, `bindings = "bin"`) into target/wheels.
    Wheel {
        /// Also install it into a fresh virtualenv, start the installed binary and drive the
        /// onboarding flow with a Python client generated from its `--print-spec`.
        #[arg(long)]
        test: bool,
    },
    /// Measure what depending on `synctera` costs: cold builds of a one-call crate using the
    /// SDK vs the same call by hand with reqwest + serde + tokio. Minutes per run; not in CI.
    BuildCost(build_cost::BuildCostArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root: PathBuf = workspace_root();
    let result = match cli.command {
        Command::Codegen(args) => codegen::run(&root, &args),
        Command::Lint(args) => lint::run(&root, &args),
        Command::Test { args } => test::run(&root, &args),
        Command::Package(args) => publish::package(&root, &args),
        Command::Docs => publish::docs(&root),
        Command::Deny => deny::run(&root),
        Command::Wheel { test } => wheel::run(&root, test),
        Command::BuildCost(args) => build_cost::run(&root, &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
