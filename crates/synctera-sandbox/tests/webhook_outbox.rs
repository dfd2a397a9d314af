//! The outbox: with `--state`, an event is committed with the write that raised it, so a
//! sandbox SIGKILLed after acknowledging writes, before delivering their events, delivers them
//! after the restart (at least once, signed with the secret it kept).
mod common;

use std::collections::HashSet;

use common::process::{Running, TempDb};
use common::receiver::{Answer, Receiver};
use serde_json::{Value, json};

const KEY: &str = "outbox-key";

/// Starts the binary on `db` with a fast retry schedule.
fn start(db: &TempDb) -> Running {
    Running::on_state(db, &["--webhook-retry-base-ms", "20"])
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
    let db = TempDb::new("outbox");
    // Every delivery hangs until the kill: the writes are acknowledged, their events are not.
    let rx = Receiver::scripted(&[], Answer::Hang).await;
    let http = reqwest::Client::new();
    let sandbox = start(&db);
    let base = sandbox.base.clone();
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
    sandbox.crash();
    let before_restart = rx.received().len();

    rx.answer(Answer::Status(200));
    let restarted = start(&db);
    let got = rx.wait_for(before_restart + created.len()).await;
    drop(restarted);
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
