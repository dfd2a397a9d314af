//! `cargo xtask lint [--no-npm]`: the spec checks the npm linters (redocly, spectral) miss.
//!
//! - Every example (schema `example`, media type `example`/`examples`, parameter
//!   `example`/`examples`) validates against its schema. OpenAPI 3.0 schemas are translated to
//!   JSON Schema 2020-12 first: `$ref`s to `#/components/schemas/*` resolve, `nullable` becomes a
//!   `null` alternative, boolean `exclusiveMinimum`/`exclusiveMaximum` become numeric, and
//!   formats (`date`, `date-time`, `uuid`, `email`, ...) are asserted, not just annotated.
//! - Every operation has a unique `operationId`, a declared tag, a summary, and documents 400,
//!   401, 403 and 500; 404 where the path has a `{param}`; 409 on creates (a POST answered 201,
//!   other than `verify`; a POST answered 200 or 204, such as `triggerEvent` or `wipeWorkspace`,
//!   creates nothing).
//! - No `pattern` uses `\d` or `\D`: Unicode-aware engines (Python's `re`, which schemathesis
//!   and `jsonschema` use; Rust's `regex`) let `\d` match any Unicode decimal digit, so a
//!   validator built from the spec would accept values the API refuses. Spell digits `[0-9]`.
//! - Every property has a description, and every enum value one in `x-enumDescriptions`, with no
//!   entry for a value the enum lacks (see [`descriptions`]).
//!
//! Each finding is printed with the JSON pointer of what it is about.
use std::fmt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

mod descriptions;
mod examples;
mod operations;
mod patterns;

pub use examples::translate;

/// One problem in the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// JSON pointer into the spec (`/paths/~1persons/get/responses`).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Options of `cargo xtask lint`.
#[derive(Debug, Default, clap::Args)]
pub struct LintArgs {
    /// Skip openapi/lint/run.sh (the npm linters redocly and spectral).
    #[arg(long)]
    pub no_npm: bool,
    /// Spec to lint instead of the workspace's openapi/synctera.yaml.
    #[arg(long, value_name = "PATH")]
    pub spec: Option<std::path::PathBuf>,
}

/// Run `cargo xtask lint` against the workspace at `root`.
pub fn run(root: &Path, args: &LintArgs) -> Result<()> {
    let spec_path = args
        .spec
        .clone()
        .unwrap_or_else(|| root.join(crate::codegen::SPEC_PATH));
    let text = std::fs::read_to_string(&spec_path)
        .with_context(|| format!("reading {}", spec_path.display()))?;
    let spec: Value = serde_norway::from_str(&text)
        .with_context(|| format!("parsing {}", spec_path.display()))?;
    let findings = lint(&spec);
    for finding in &findings {
        println!("{finding}");
    }
    println!(
        "xtask lint: {} finding(s) in {}",
        findings.len(),
        spec_path.display()
    );

    let mut npm_failed = false;
    let script = root.join("openapi/lint/run.sh");
    if args.no_npm {
        println!("xtask lint: skipping openapi/lint/run.sh (--no-npm)");
    } else if script.exists() {
        let mut cmd = Command::new("bash");
        cmd.arg(&script);
        if let Some(spec) = &args.spec {
            cmd.arg(spec);
        }
        let status = cmd
            .status()
            .with_context(|| format!("running {}", script.display()))?;
        npm_failed = !status.success();
    }

    match (findings.is_empty(), npm_failed) {
        (true, false) => Ok(()),
        (false, _) => bail!("the spec has {} finding(s)", findings.len()),
        (true, true) => bail!("openapi/lint/run.sh failed"),
    }
}

/// All findings for a spec, sorted by pointer.
pub fn lint(spec: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    operations::check_operations(spec, &mut findings);
    examples::check_examples(spec, &mut findings);
    patterns::check_patterns(spec, "", &mut findings);
    descriptions::check_descriptions(spec, "", &mut findings);
    findings.sort();
    findings.dedup();
    findings
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Escape one JSON pointer segment (RFC 6901).
fn seg(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Specs and helpers the rule modules' tests share.
#[cfg(test)]
mod fixtures {
    use super::*;

    pub(super) fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).unwrap()
    }

    pub(super) fn messages(spec: &Value) -> Vec<String> {
        lint(spec).iter().map(ToString::to_string).collect()
    }

    pub(super) fn example_spec(schemas: &str, param_example: &str, media_example: &str) -> Value {
        yaml(&format!(
            "
openapi: 3.0.3
info: {{title: t, version: 1.0.0}}
tags: [{{name: T}}]
paths:
  /things:
    get:
      operationId: listThings
      tags: [T]
      summary: s
      parameters:
        - name: limit
          in: query
          schema: {{type: integer, minimum: 1}}
          example: {param_example}
      responses:
        '400': {{description: x}}
        '401': {{description: x}}
        '403': {{description: x}}
        '500': {{description: x}}
        '200':
          description: ok
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Thing'}}
              example: {media_example}
components:
  schemas:{schemas}
"
        ))
    }
}
