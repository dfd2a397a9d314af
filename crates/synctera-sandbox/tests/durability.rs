//! The binary's `--state FILE`: acknowledged writes survive SIGKILL, a bad file (or a path it
//! cannot be created at) is refused with one line, and a second process on the same file is
//! refused while the first keeps serving.
mod common;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::process::{Running, TempDb};
use serde_json::{Value, json};

const KEY: &str = "durable-key";

/// Runs the binary on `db` to its exit: for the starts that must be refused.
fn run_until_exit(db: &TempDb) -> Output {
    common::process::run_until_exit(&[OsStr::new("--state"), db.path().as_os_str()])
}

/// One create under an idempotency key: the same request before the kill and in the replay.
async fn create_with_key(
    http: &reqwest::Client,
    base: &str,
    key: &str,
) -> reqwest::Result<reqwest::Response> {
    http.post(format!("{base}/persons"))
        .bearer_auth(KEY)
        .header("idempotency-key", key)
        .json(&json!({"status": "PROSPECT", "is_customer": true, "first_name": key}))
        .send()
        .await
}

/// A GET as the tenant, its body as JSON.
async fn get_json(http: &reqwest::Client, url: String) -> Value {
    let response = http.get(url).bearer_auth(KEY).send().await.unwrap();
    response.json().await.unwrap()
}

/// The id of every person the tenant holds, read page by page.
async fn stored_ids(http: &reqwest::Client, base: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut url = format!("{base}/persons?limit=100");
        if let Some(t) = &token {
            url.push_str(&format!("&page_token={t}"));
        }
        let page = get_json(http, url).await;
        for p in page["persons"].as_array().unwrap() {
            ids.push(p["id"].as_str().unwrap().to_string());
        }
        match page["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    ids
}

/// What a client saw acknowledged: the answer of each idempotency key it was given.
type Acked = Arc<Mutex<HashMap<String, Vec<u8>>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_write_and_replay_survives_sigkill_mid_traffic() {
    let db = TempDb::new("sigkill");
    let sandbox = Running::on_state(&db, &[]);
    let base = sandbox.base.clone();
    let acked: Acked = Arc::default();
    let mut clients = Vec::new();
    // 8 clients, each at most 2 000 creates: bounded loopback traffic, cut short by the kill.
    for c in 0..8 {
        let (base, acked) = (base.clone(), acked.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for i in 0..2_000 {
                let key = format!("c{c}-{i}");
                let r = create_with_key(&http, &base, &key).await;
                let Ok(r) = r else { break };
                if r.status() != 201 {
                    break;
                }
                let Ok(body) = r.bytes().await else { break };
                acked.lock().unwrap().insert(key, body.to_vec());
            }
        }));
    }
    // Kill once a fair amount of traffic was acknowledged (or after 3 s on a slow machine).
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if acked.lock().unwrap().len() >= 500 {
            break;
        }
    }
    sandbox.crash();
    for c in clients {
        c.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        !acked.is_empty(),
        "no write was acknowledged before the kill"
    );

    let sandbox = Running::on_state(&db, &[]);
    let base = sandbox.base.clone();
    let http = reqwest::Client::new();
    let stored = stored_ids(&http, &base).await;
    let stored_count = stored.len();
    let stored: std::collections::HashSet<String> = stored.into_iter().collect();
    let mut lost = 0;
    for body in acked.values() {
        let v: Value = serde_json::from_slice(body).unwrap();
        if !stored.contains(v["id"].as_str().unwrap()) {
            lost += 1;
        }
    }
    // Every acknowledged key replays its answer byte for byte and creates nothing.
    let mut replayed = 0;
    for (key, body) in &acked {
        let r = create_with_key(&http, &base, key).await.unwrap();
        assert_eq!(r.status(), 201);
        if r.bytes().await.unwrap() == body[..] {
            replayed += 1;
        }
    }
    let after = get_json(&http, format!("{base}/persons?limit=1")).await;
    assert!(after["persons"].is_array());
    println!(
        "SIGKILL test: {} creates acknowledged before the kill, {stored_count} persons stored after \
         restart, {lost} acknowledged lost, {replayed} of {} keys replayed byte for byte",
        acked.len(),
        acked.len()
    );
    assert_eq!(lost, 0, "acknowledged writes lost");
    assert_eq!(replayed, acked.len(), "idempotency replays lost");
    // Replays created nothing: the tenant holds what it held before them.
    let recount = stored_ids(&http, &base).await.len();
    assert_eq!(recount, stored_count);
    assert!(sandbox.stop_with("-INT").status.success());
}

#[test]
fn a_file_that_is_not_a_sandbox_database_is_refused_in_one_line_and_kept() {
    let db = TempDb::new("foreign");
    let content = b"{\"version\": 1, \"tenants\": {}}\n".to_vec();
    std::fs::write(&db.0, &content).unwrap();
    let out = run_until_exit(&db);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no base URL printed");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("not an SQLite database"), "{err}");
    assert_eq!(std::fs::read(&db.0).unwrap(), content);
}

#[tokio::test]
async fn a_second_process_on_the_same_file_is_refused_and_the_first_keeps_serving() {
    let db = TempDb::new("twice");
    let first = Running::on_state(&db, &[]);
    let base = first.base.clone();
    let out = run_until_exit(&db);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another sandbox process"), "{err}");
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/persons"))
        .bearer_auth(KEY)
        .json(&json!({"status": "PROSPECT", "is_customer": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    drop(http);
    assert!(first.stop_with("-TERM").status.success());
    let again = Running::on_state(&db, &[]);
    let base = again.base.clone();
    let r = reqwest::Client::new()
        .get(format!("{base}/persons/{id}"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(again.stop_with("-INT").status.success());
}

/// A path the sandbox cannot create its file at is refused in one line that names the option
/// and the path, not with the bare OS error.
#[test]
fn a_state_file_whose_directory_is_missing_or_a_file_is_refused_naming_option_and_path() {
    let not_a_dir = TempDb::new("parent-is-a-file");
    std::fs::write(not_a_dir.path(), b"").unwrap();
    let missing = std::env::temp_dir()
        .join(format!("sandbox-bin-no-such-dir-{}", std::process::id()))
        .join("x.db");
    let under_a_file = not_a_dir.path().join("x.db");
    for (path, why) in [
        (&missing, "the directory does not exist".to_string()),
        (
            &under_a_file,
            format!("{} is not a directory", not_a_dir.path().display()),
        ),
    ] {
        let out = common::process::run_until_exit(&[OsStr::new("--state"), path.as_os_str()]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(out.stdout.is_empty(), "no base URL printed");
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(
            lines,
            [format!("error: --state {}: {why}", path.display())],
            "{err}"
        );
    }
    assert!(!missing.parent().unwrap().exists(), "no directory created");
}
