//! A failed commit of the state database (`FaultInjector::fail_next_commit`): the sandbox stops
//! serving, since its memory then holds a write the file lacks, and a restart on the same file
//! serves the last committed state.
mod common;

use std::time::Duration;

use common::process::TempDb;
use common::receiver::Receiver;
use common::{Api, SandboxConfig};
use serde_json::{Value, json};

const FAILED: &str = "STATE_DATABASE_FAILED";

async fn on_state(db: &TempDb) -> Api {
    Api::with(SandboxConfig::default().state(db.path())).await
}

fn person(first_name: &str) -> Value {
    json!({"status": "PROSPECT", "is_customer": false, "first_name": first_name, "last_name": "Doe"})
}

async fn ids_named(api: &Api, first_name: &str) -> Vec<String> {
    let r = api.get(&format!("/persons?first_name={first_name}")).await;
    r.expect(200)["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// Waits (at most 10 seconds) until the subscription's only event is recorded as delivered.
async fn delivered(api: &Api, hook: &str) {
    for _ in 0..200 {
        let r = api.get(&format!("/webhooks/{hook}/events")).await;
        if r.expect(200)["event_list"][0]["status"] == "SUCCESS" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the delivery was not recorded");
}

#[tokio::test]
async fn a_failed_commit_stops_the_sandbox_and_a_restart_serves_the_committed_state() {
    let db = TempDb::new("commit-failure");
    let rx = Receiver::start().await;
    let api = on_state(&db).await;
    let hook = json!({"url": rx.url, "enabled_events": ["PERSON.CREATED"], "is_enabled": true});
    let hook = api.post("/webhooks", hook).await.id();
    let kept = api.post("/persons", person("Kept")).await;
    kept.expect(201);
    assert_eq!(rx.wait_for(1).await.len(), 1, "deliveries work before");
    // The attempt's record is a commit too: the one to fail is the next write's.
    delivered(&api, &hook).await;

    api.sb.faults().fail_next_commit();
    let lost = api.post_idem("/persons", person("Lost"), "KEY-X").await;
    let detail = lost.problem(503, FAILED);
    assert!(detail.contains("restart"), "{detail}");
    assert!(!detail.contains("injected"), "{detail}");

    // Memory holds the record, its stored answer and its event; none of it is served.
    api.get("/persons?first_name=Lost")
        .await
        .problem(503, FAILED);
    api.get(&format!("/persons/{}", kept.id()))
        .await
        .problem(503, FAILED);
    let replay = api.post_idem("/persons", person("Lost"), "KEY-X").await;
    replay.problem(503, FAILED);
    api.as_key("another-tenant")
        .get("/persons")
        .await
        .problem(503, FAILED);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = rx.received();
    assert_eq!(got.len(), 1, "an event of a write not committed was sent");

    api.sb.shutdown().await;
    let api = on_state(&db).await;
    assert_eq!(ids_named(&api, "Kept").await, [kept.id()]);
    assert!(ids_named(&api, "Lost").await.is_empty());
    let created = api.post_idem("/persons", person("Lost"), "KEY-X").await;
    created.expect(201);
    let again = api.post_idem("/persons", person("Lost"), "KEY-X").await;
    assert_eq!(again.expect(201)["id"], created.id());
    assert_eq!(ids_named(&api, "Lost").await, [created.id()]);
    let got = rx.wait_for(2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].body["resource_id"], created.id().as_str());
    api.sb.shutdown().await;
}

/// The secret a failed createSecret made in memory was never answered: after the restart the
/// tenant has none, so creating one is 201, not 409.
#[tokio::test]
async fn a_secret_whose_commit_failed_does_not_exist_after_a_restart() {
    let db = TempDb::new("secret-failure");
    let api = on_state(&db).await;
    api.sb.faults().fail_next_commit();
    api.post("/webhook_secrets", json!({}))
        .await
        .problem(503, FAILED);
    api.post("/webhook_secrets", json!({}))
        .await
        .problem(503, FAILED);
    api.sb.shutdown().await;

    let api = on_state(&db).await;
    let r = api.post("/webhook_secrets", json!({})).await;
    assert_eq!(r.expect(201)["secret"].as_str().map(str::len), Some(64));
    api.sb.shutdown().await;
}
