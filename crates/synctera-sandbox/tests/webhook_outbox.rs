//! The outbox: with `--state`, an event is committed with the write that raised it, so a
//! sandbox SIGKILLed after acknowledging writes, before delivering their events, delivers them
//! after the restart (at least once, signed with the secret it kept).
mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::receiver::{Answer, Receiver};
use serde_json::{Value, json};

const KEY: &str = "outbox-key";

struct TempDb(std::path::PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(self.0.with_extension("db-wal"));
    }
}

/// Starts the binary on `db` with a fast retry schedule; returns it and its base URL.
fn start(db: &TempDb) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_synctera-sandbox"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--webhook-retry-base-ms",
            "20",
            "--state",
        ])
        .arg(&db.0)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("http://"), "no base URL: {line:?}");
    (child, line.trim().to_string())
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> Value {
    let r = http
        .post(url)
        .bearer_auth(KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

#[tokio::test]
async fn events_of_acknowledged_writes_are_delivered_after_a_sigkill() {
    let db = TempDb(std::env::temp_dir().join(format!(
        "sandbox-outbox-{}-{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )));
    // Every delivery hangs until the kill: the writes are acknowledged, their events are not.
    let rx = Receiver::scripted(&[], Answer::Hang).await;
    let http = reqwest::Client::new();
    let (mut child, base) = start(&db);
    let secret = post(&http, format!("{base}/webhook_secrets"), json!({})).await["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let hook = json!({"url": rx.url, "enabled_events": ["PERSON.CREATED"], "is_enabled": true});
    post(&http, format!("{base}/webhooks"), hook).await;
    let mut created = HashSet::new();
    for i in 0..20 {
        let person =
            json!({"status": "PROSPECT", "is_customer": true, "first_name": format!("p{i}")});
        let p = post(&http, format!("{base}/persons"), person).await;
        created.insert(p["id"].as_str().unwrap().to_string());
    }
    assert_eq!(
        rx.wait_for(1).await.len(),
        1,
        "the first delivery is under way"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before_restart = rx.received().len();

    rx.answer(Answer::Status(200));
    let (mut child, _base) = start(&db);
    let got = rx.wait_for(before_restart + created.len()).await;
    let _ = child.kill();
    let _ = child.wait();
    let after: Vec<_> = got[before_restart..].to_vec();
    let delivered: HashSet<String> = after
        .iter()
        .map(|d| d.body["resource_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        delivered, created,
        "every acknowledged write's event, after the restart"
    );
    assert!(after.iter().all(|d| d.signed_by(&secret)));
    println!(
        "outbox: {} writes acknowledged, {} deliveries before the SIGKILL, {} after the restart",
        created.len(),
        before_restart,
        after.len()
    );
}
