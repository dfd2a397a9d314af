//! What updateWebhook does to the deliveries still to make, every delivery to a receiver on
//! loopback: a new url takes them along, and `is_enabled: false` pauses them.
mod common;

use std::time::{Duration, Instant};

use common::receiver::{Answer, Receiver};
use common::{Api, SandboxConfig};
use serde_json::json;

fn fast() -> SandboxConfig {
    SandboxConfig::default().webhook_retry_base(Duration::from_millis(20))
}

async fn subscribe(api: &Api, url: &str, events: &[&str]) -> String {
    let r = api
        .post(
            "/webhooks",
            json!({"url": url, "enabled_events": events, "is_enabled": true, "metadata": "team=qa"}),
        )
        .await;
    r.expect(201);
    r.id()
}

/// Fixing a subscription's url sends its pending events to the new one, and those events say
/// so in the delivery and in getEvent/listEvents; an event already delivered keeps the url it
/// went to.
#[tokio::test]
async fn a_changed_url_takes_the_pending_events_along_and_they_say_so() {
    let api = Api::with(fast()).await;
    let old = Receiver::scripted(&[Answer::Status(200)], Answer::Status(500)).await;
    let new = Receiver::start().await;
    let hook = subscribe(&api, &old.url, &["PERSON.*"]).await;
    let trigger = || async {
        let r = api
            .post("/webhooks/trigger", json!({"event": "PERSON.CREATED"}))
            .await;
        r.expect(200)["id"].as_str().unwrap().to_string()
    };
    let delivered = trigger().await;
    assert_eq!(old.wait_for(1).await[0].id(), delivered);
    let pending = trigger().await;
    let failed = old.wait_for(3).await;
    assert!(failed[1..].iter().all(|d| d.id() == pending));
    assert_eq!(failed[1].body["url"], old.url.as_str());

    let r = api
        .put(
            &format!("/webhooks/{hook}"),
            json!({"url": new.url, "enabled_events": ["PERSON.*"], "is_enabled": true, "metadata": "team=new"}),
        )
        .await;
    r.expect(200);
    let d = new.wait_for(1).await.remove(0);
    assert_eq!(d.id(), pending);
    assert_eq!(
        d.body["url"],
        new.url.as_str(),
        "the delivery names its url"
    );
    assert_eq!(d.body["metadata"], "team=qa", "the metadata when raised");

    let path = format!("/webhooks/{hook}/events/{pending}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let event = loop {
        let e = api.get(&path).await.expect(200).clone();
        if e["status"] == "SUCCESS" || Instant::now() >= deadline {
            break e;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(event["status"], "SUCCESS");
    assert_eq!(event["url"], new.url.as_str());
    let history = event["response_history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["code"], 200);
    let e = api
        .get(&format!("/webhooks/{hook}/events/{delivered}"))
        .await;
    assert_eq!(e.expect(200)["url"], old.url.as_str(), "delivered before");
    let list = api.get(&format!("/webhooks/{hook}/events")).await;
    let urls: Vec<&str> = list.expect(200)["event_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls, [old.url.as_str(), new.url.as_str()]);
}

/// A disabled subscription is paused: nothing is sent to it (not the retry of an attempt
/// under way when it was disabled, nor a resend, which is accepted), and enabling it again
/// sends what is due at once.
#[tokio::test]
async fn a_paused_subscription_gets_nothing_until_enabled_again() {
    let api = Api::with(fast()).await;
    let hold = Answer::After(Duration::from_millis(500), 500);
    let rx = Receiver::scripted(&[hold], Answer::Status(200)).await;
    let hook = subscribe(&api, &rx.url, &["PERSON.*"]).await;
    let settings = |enabled: bool| json!({"url": rx.url, "enabled_events": ["PERSON.*"], "is_enabled": enabled});
    let r = api
        .post("/webhooks/trigger", json!({"event": "PERSON.CREATED"}))
        .await;
    let event = r.expect(200)["id"].as_str().unwrap().to_string();
    rx.wait_for(1).await;
    // Disabled while the first attempt is held; it fails, and its retry is due 20 ms later.
    let r = api.put(&format!("/webhooks/{hook}"), settings(false)).await;
    assert_eq!(r.expect(200)["is_enabled"], false);
    let path = format!("/webhooks/{hook}/events/{event}");
    let r = api.post(&format!("{path}/resend?delay=0"), json!({})).await;
    assert_eq!(r.expect(200)["status"], "RUNNING");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.received().len(), 1, "sent while paused");
    let e = api.get(&path).await;
    let e = e.expect(200);
    assert_eq!(e["status"], "RUNNING", "still pending");
    assert_eq!(e["response_history"][0]["code"], 500);

    let enabled = Instant::now();
    api.put(&format!("/webhooks/{hook}"), settings(true))
        .await
        .expect(200);
    let got = rx.wait_for(2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].id(), event);
    assert!(
        got[1].at < enabled + Duration::from_secs(2),
        "not sent promptly"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        rx.received().len(),
        2,
        "the retry and the resend are one delivery"
    );
}
