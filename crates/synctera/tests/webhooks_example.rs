//! `cargo run -p synctera --example webhooks` runs by itself, with no credentials: this test runs
//! the example binary that `cargo test` builds and checks that its receiver verified the guide's
//! events, in order, ending with the ACCEPTED outcome, without printing the fixture's PII.

use std::path::PathBuf;
use std::process::Command;

/// The fixture PII the example sends; none of it may be printed in full.
const FIXTURE_PII: [&str; 6] = [
    "123-45-0002",
    "123450002",
    "2000-01-01",
    "+12124567890",
    "anne.baker@example.com",
    "50 Main St",
];

/// `target/<profile>/examples/webhooks`, built here when `cargo test` was narrowed with `--test`.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = profile_dir
        .join("examples")
        .join(format!("webhooks{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "synctera",
                "--example",
                "webhooks",
            ])
            .status()
            .unwrap();
        assert!(status.success(), "building the webhooks example failed");
    }
    binary
}

#[test]
fn the_receiver_verifies_the_guide_events_and_the_example_exits() {
    let output = Command::new(example_binary())
        .env_remove("SYNCTERA_API_KEY")
        .env_remove("SYNCTERA_BASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let verified: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("Verified "))
        .map(|rest| rest.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        verified,
        [
            "PERSON.CREATED",
            "PERSON.UPDATED",
            "PERSON.VERIFICATION_OUTCOME.UPDATED",
            "PERSON.VERIFICATION_OUTCOME.UPDATED",
        ],
        "{stdout}"
    );
    let last = stdout
        .lines()
        .rfind(|l| l.starts_with("Verified "))
        .unwrap();
    assert!(last.contains("verification ACCEPTED"), "{last}");
    assert!(!stderr.contains("refused"), "{stderr}");
    for pii in FIXTURE_PII {
        assert!(!stdout.contains(pii), "{pii} printed:\n{stdout}");
        assert!(!stderr.contains(pii), "{pii} printed:\n{stderr}");
    }
}
