//! The README's main command is `cargo run -p synctera --example onboarding`. These tests run the
//! example binary that `cargo test` builds, the way a newcomer does: against the embedded sandbox
//! when `SYNCTERA_API_KEY` is unset, and through `Client::from_env` when it is set.

use std::path::PathBuf;
use std::process::{Command, Output};

use synctera_sandbox::{Sandbox, SandboxConfig};

/// The fixture PII the example sends; none of it may be printed in full.
const FIXTURE_PII: [&str; 7] = [
    "123-45-6789",
    "123456789",
    "2000-01-01",
    "+12124567890",
    "anne.baker@example.com",
    "50 Main St",
    "99 Elm St",
];

/// `target/<profile>/examples/onboarding`, next to this test's own `deps/` directory.
///
/// `cargo test` builds the examples unless the run is narrowed with `--test`; then the example is
/// built here, by the same cargo.
fn example_binary() -> PathBuf {
    static BUILD: std::sync::Once = std::sync::Once::new();
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = profile_dir
        .join("examples")
        .join(format!("onboarding{}", std::env::consts::EXE_SUFFIX));
    BUILD.call_once(|| {
        if !binary.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "synctera",
                    "--example",
                    "onboarding",
                ])
                .status()
                .unwrap();
            assert!(status.success(), "building the onboarding example failed");
        }
    });
    assert!(binary.exists(), "{} is missing", binary.display());
    binary
}

fn run(envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(example_binary());
    command
        .env_remove("SYNCTERA_API_KEY")
        .env_remove("SYNCTERA_BASE_URL");
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_walks_the_guide_without_leaking(output: &Output) {
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        output.status
    );
    for step in ["1. ", "2. ", "3. ", "4. ", "5. "] {
        assert!(
            stdout.lines().any(|line| line.starts_with(step)),
            "step {step} missing:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("ACCEPTED"),
        "KYC outcome missing:\n{stdout}"
    );
    assert!(stdout.contains("same record: yes"), "{stdout}");
    for pii in FIXTURE_PII {
        assert!(!stdout.contains(pii), "{pii} printed:\n{stdout}");
        assert!(!stderr.contains(pii), "{pii} printed:\n{stderr}");
    }
}

#[test]
fn without_an_api_key_it_runs_the_guide_against_the_embedded_sandbox() {
    let output = run(&[]);
    assert_walks_the_guide_without_leaking(&output);
    assert!(text(&output.stdout).contains("in-process sandbox"));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_an_api_key_it_uses_the_configured_base_url() {
    const KEY: &str = "onboarding-example-key";
    let sandbox = Sandbox::start_with(SandboxConfig::default().api_key(KEY))
        .await
        .unwrap();
    let base_url = sandbox.base_url();

    let output = tokio::task::spawn_blocking(move || {
        run(&[("SYNCTERA_API_KEY", KEY), ("SYNCTERA_BASE_URL", &base_url)])
    })
    .await
    .unwrap();

    assert_walks_the_guide_without_leaking(&output);
    // The example talked to this sandbox with this key: its one person is in that tenant.
    assert_eq!(sandbox.person_count(KEY), 1);
    assert!(!text(&output.stdout).contains(KEY));
    sandbox.shutdown().await;
}

#[test]
fn a_failure_prints_the_error_and_exits_non_zero_without_the_key() {
    const KEY: &str = "secret-key-that-must-not-print";
    // Port 9 on loopback: nothing listens there.
    let output = run(&[
        ("SYNCTERA_API_KEY", KEY),
        ("SYNCTERA_BASE_URL", "http://127.0.0.1:9/v0"),
    ]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(!output.status.success());
    assert!(stderr.contains("error"), "{stderr}");
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_error_is_printed_with_its_status_and_title() {
    // The sandbox accepts only its own key, so the example's first call gets a 401 problem.
    let sandbox = Sandbox::start_with(SandboxConfig::default().api_key("the-only-accepted-key"))
        .await
        .unwrap();
    let base_url = sandbox.base_url();
    const KEY: &str = "a-key-the-sandbox-refuses";
    let output = tokio::task::spawn_blocking(move || {
        run(&[("SYNCTERA_API_KEY", KEY), ("SYNCTERA_BASE_URL", &base_url)])
    })
    .await
    .unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(!output.status.success());
    assert!(stderr.contains("401"), "{stderr}");
    // The problem report's title and detail, as the API wrote them.
    assert!(stderr.contains("Unauthenticated"), "{stderr}");
    assert!(stderr.contains("not accepted"), "{stderr}");
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
    assert_eq!(sandbox.person_count("the-only-accepted-key"), 0);
    sandbox.shutdown().await;
}
