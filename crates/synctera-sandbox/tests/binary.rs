//! The `synctera-sandbox` binary: prints its base URL when ready, serves, stops on Ctrl-C.
mod common;

use std::process::Stdio;

use common::process::{Running, binary, command, first_line};

#[tokio::test]
async fn binary_prints_base_url_serves_and_stops_on_sigint() {
    let sandbox = Running::with_args(["--api-key", "bin-key", "--enforce-unique-customer"]);
    let base = sandbox.base.clone();
    let http = reqwest::Client::new();
    let ok = http
        .get(format!("{base}/persons"))
        .bearer_auth("bin-key")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let denied = http
        .get(format!("{base}/persons"))
        .bearer_auth("other")
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
    drop(http);
    let exit = sandbox.stop_with("-INT").status;
    assert!(exit.success(), "exit status {exit:?}");
}

/// `--help` names the faults `--fault-rate` injects, so a client's author knows what to handle.
#[test]
fn fault_rate_help_names_the_injected_faults() {
    let help = binary().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let start = help.find("--fault-rate").expect("--fault-rate in --help");
    let end = help[start..]
        .find("--fault-seed")
        .expect("--fault-seed follows")
        + start;
    let text = &help[start..end];
    for fault in ["503", "429", "Retry-After", "connection closed"] {
        assert!(text.contains(fault), "{fault} missing: {text}");
    }
}

#[test]
fn binary_rejects_bad_fault_rate() {
    let out = binary().args(["--fault-rate", "1.5"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fault-rate"));
}

/// A base past an hour (or past what a u64 of milliseconds holds) is refused at start, with
/// the option named, rather than cut to an hour in silence. (`--print-spec` makes a binary
/// that accepted the value exit at once instead of serving.)
#[test]
fn binary_rejects_a_webhook_retry_base_over_an_hour() {
    for ms in ["3600001", "18446744073709551615", "1.5"] {
        let out = binary()
            .args(["--print-spec", "--webhook-retry-base-ms", ms])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{ms}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error:") && first.contains("--webhook-retry-base-ms"),
            "{ms}: {stderr}"
        );
    }
}

/// clap quotes what it refuses: a stray word (`--api-key` given two keys) or a key that looks
/// like an option is an API key on the terminal and in CI logs. The refusal names the problem
/// with the key shown as `<redacted>`; other values are still quoted.
#[test]
fn a_refused_command_line_never_quotes_an_api_key() {
    for args in [
        &["--api-key", "first-KEY-1", "second-KEY-2"][..],
        &["--api-key=first-KEY-1", "second-KEY-2", "--print-spec"],
        &["--api-key", "-dash-KEY-3", "--print-spec"],
        &["--print-spec", "--", "after-KEY-4"],
        &["--api-key", "first-KEY-1", "--api-key", "k", "k"],
    ] {
        let out = binary().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
        for key in ["KEY-1", "KEY-2", "KEY-3", "KEY-4", "'k'", "'-d'"] {
            assert!(!stderr.contains(key), "{args:?} shows {key}: {stderr}");
        }
        assert!(stderr.contains("<redacted>"), "{args:?}: {stderr}");
    }
    let out = binary().args(["--listen", "nowhere"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'nowhere'"));
}

#[tokio::test]
async fn api_keys_from_the_environment_are_accepted_and_never_printed() {
    let mut env_keys = command();
    env_keys
        .env("SYNCTERA_SANDBOX_API_KEYS", " env-key-one ,env-key-two")
        .env("RUST_LOG", "trace")
        .stderr(Stdio::piped());
    let sandbox = Running::start(env_keys);
    let base = sandbox.base.clone();
    let http = reqwest::Client::new();
    for key in ["env-key-one", "env-key-two"] {
        let r = http
            .get(format!("{base}/persons"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{key}");
    }
    let denied = http
        .get(format!("{base}/persons"))
        .bearer_auth("any-other-key")
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
    drop(http);
    let out = sandbox.stop_with("-INT");
    assert!(out.status.success());
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(!logs.is_empty(), "trace logging produced nothing to check");
    assert!(!logs.contains("env-key"), "a key reached the logs: {logs}");
}

#[test]
fn an_api_keys_variable_without_keys_is_refused_and_help_names_it() {
    for value in [" , ,", "", "  "] {
        let mut child = command()
            .env("SYNCTERA_SANDBOX_API_KEYS", value)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts");
        if !first_line(&mut child).is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("started (accepting every key) although the variable ({value:?}) names no key");
        }
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("SYNCTERA_SANDBOX_API_KEYS"));
    }
    let help = binary().arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("SYNCTERA_SANDBOX_API_KEYS"));
}

/// Teams generate their clients from `--print-spec`: it must be the workspace's spec, unchanged.
#[test]
fn binary_prints_the_spec_it_was_built_from_byte_for_byte() {
    let out = binary().arg("--print-spec").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let spec = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/synctera.yaml"
    ))
    .unwrap();
    assert!(
        out.stdout == spec,
        "--print-spec differs from openapi/synctera.yaml"
    );
}

/// A port another process holds is refused in one line naming the option and the address.
#[test]
fn a_listen_address_in_use_is_refused_naming_option_and_address() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = holder.local_addr().unwrap().to_string();
    let mut child = binary()
        .args(["--listen", &addr])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    if !first_line(&mut child).is_empty() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("started on {addr}, which another socket holds");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        lines,
        [format!(
            "error: --listen {addr}: the address is already in use"
        )],
        "{err}"
    );
}

/// `--print-spec | head -1`: a reader that stops early ends the output quietly, as `cat` does.
/// The spec is larger than a pipe's buffer, so the binary is still writing when the pipe closes.
#[test]
fn print_spec_to_a_reader_that_stops_early_exits_quietly() {
    let mut child = binary()
        .arg("--print-spec")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    assert_eq!(first_line(&mut child), "openapi: 3.0.3\n");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--listen` takes `IP:PORT`, says so in `--help` and when refusing a value, resolves no host
/// name, and takes `localhost:PORT` as 127.0.0.1.
#[test]
fn listen_takes_ip_port_or_localhost_and_says_so() {
    let help = binary().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--listen <IP:PORT>"));
    for value in ["example.com:4010", "4010", "localhost", "127.0.0.1"] {
        let out = binary()
            .args(["--print-spec", "--listen", value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error:") && first.contains("--listen") && first.contains("IP:PORT"),
            "{value}: {stderr}"
        );
    }
    let mut localhost = binary();
    localhost
        .args(["--listen", "localhost:0"])
        .stderr(Stdio::null());
    let sandbox = Running::start(localhost);
    assert!(sandbox.stop_with("-TERM").status.success());
}

/// Logs captured through a pipe (a Python test's `subprocess`, a CI log) carry no colour codes.
#[test]
fn logs_to_a_stderr_that_is_not_a_terminal_are_not_coloured() {
    let mut piped = command();
    piped
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .stderr(Stdio::piped());
    let out = Running::start(piped).stop_with("-TERM");
    assert!(out.status.success());
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(logs.contains("listening"), "{logs}");
    assert!(
        !logs.contains('\x1b'),
        "colour codes in captured logs: {logs:?}"
    );
}

/// Both READMEs show the code of the fixture file the wheel test runs, so the documented snippet
/// is the tested one; the wheel's page is the Python README; and every option the Python
/// documentation names exists.
#[test]
fn the_python_docs_show_the_tested_fixture_and_name_only_real_options() {
    let read = |path: &str| {
        std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };
    let fixture = read("python/examples/pytest_fixture.py");
    let (shown, _self_check) = fixture
        .split_once("# ---- Self-check")
        .expect("the self-check marker");
    let shown = format!("```python\n{}\n```", shown.trim_end());
    for readme in ["README.md", "python/README.md"] {
        assert!(
            read(readme).contains(&shown),
            "{readme} does not show python/examples/pytest_fixture.py's code"
        );
    }
    // The wheel's PyPI page is the Python README, which starts from pip, not cargo.
    assert!(read("pyproject.toml").contains("\nreadme = \"python/README.md\"\n"));
    assert!(!read("python/README.md").contains("cargo "));
    let help = binary().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let python_docs = read("python/README.md") + &fixture;
    let option = regex::Regex::new(r"--[a-z][a-z-]*[a-z]").unwrap();
    for name in option.find_iter(&python_docs) {
        let name = name.as_str();
        assert!(
            help.contains(&format!("{name} ")) || help.contains(&format!("{name}\n")),
            "{name} is not an option of the binary"
        );
    }
}
