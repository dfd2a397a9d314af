//! `cargo xtask <task>`: see `cargo xtask help`.

use std::process::ExitCode;

use xtask::{codegen, lint, test, workspace_root};

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  codegen [--check]   regenerate crates/synctera-raw/src/generated.rs from openapi/synctera.yaml;
                      --check: fail with a diff instead of writing when the file is stale
                      --spec PATH / --out PATH: other input / output (for experiments)
  lint [--no-npm]     check the spec: examples valid against their schemas, operation rules;
                      then openapi/lint/run.sh (redocly, spectral) unless --no-npm
                      --spec PATH: lint another file
  test [ARGS...]      run every test: cargo test --workspace [ARGS...], then the sandbox's
                      schemathesis script (crates/synctera-sandbox/scripts/fuzz.sh) if present
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let root = workspace_root();
    let result = match task.as_str() {
        "codegen" => {
            let mut opts = codegen::CodegenArgs::default();
            let mut it = rest.iter();
            while let Some(arg) = it.next() {
                match (arg.as_str(), it.clone().next()) {
                    ("--check", _) => opts.check = true,
                    ("--spec", Some(path)) => {
                        opts.spec = Some(path.into());
                        it.next();
                    }
                    ("--out", Some(path)) => {
                        opts.out = Some(path.into());
                        it.next();
                    }
                    (other, _) => return usage_error(other),
                }
            }
            codegen::run(&root, &opts)
        }
        "lint" => {
            let mut opts = lint::LintArgs::default();
            let mut it = rest.iter();
            while let Some(arg) = it.next() {
                match (arg.as_str(), it.clone().next()) {
                    ("--no-npm", _) => opts.no_npm = true,
                    ("--spec", Some(path)) => {
                        opts.spec = Some(path.into());
                        it.next();
                    }
                    (other, _) => return usage_error(other),
                }
            }
            lint::run(&root, &opts)
        }
        "test" => test::run(&root, rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => return usage_error(other),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(arg: &str) -> ExitCode {
    eprintln!("unknown argument `{arg}`\n\n{USAGE}");
    ExitCode::from(2)
}
