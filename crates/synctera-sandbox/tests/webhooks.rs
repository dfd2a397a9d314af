//! Webhooks end to end, every delivery to a receiver on loopback: signed events in the order
//! raised, retries, a hanging receiver that holds up nothing else, rotation, resend, trigger,
//! the settle call, wipe, and the refusals (bad input, non-loopback hosts).
mod common;

use std::time::{Duration, Instant};

use common::receiver::{Answer, Receiver};
use common::{Api, SandboxConfig};
use serde_json::{Value, json};

fn fast() -> SandboxConfig {
    SandboxConfig::default().webhook_retry_base(Duration::from_millis(20))
}

async fn secret(api: &Api) -> String {
    let r = api.post("/webhook_secrets", json!({})).await;
    r.expect(201)["secret"].as_str().unwrap().to_string()
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

fn inner(d: &Value, field: &str) -> Value {
    serde_json::from_str(d[field].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn the_guide_flow_delivers_each_event_once_signed_in_order_with_the_person_masked() {
    let api = Api::with(fast()).await;
    let rx = Receiver::start().await;
    let secret = secret(&api).await;
    let hook = subscribe(&api, &rx.url, &["PERSON.*", "CUSTOMER.KYC_OUTCOME.UPDATED"]).await;

    let person = api.create_kyc_ready("123-45-0002").await.id();
    let r = api
        .patch(
            &format!("/persons/{person}"),
            json!({"email": "anne@example.org"}),
        )
        .await;
    r.expect(200);
    let r = api
        .post(
            "/verifications/verify",
            json!({"person_id": person, "customer_consent": true}),
        )
        .await;
    assert_eq!(r.expect(201)["verification_status"], "REVIEW");
    let path = format!("/sandbox/persons/{person}/settle_verification");
    assert_eq!(
        api.post(&path, json!({"result": "ACCEPTED"}))
            .await
            .expect(200)["verification_status"],
        "ACCEPTED"
    );

    let got = rx.wait_for(6).await;
    let types: Vec<&str> = got.iter().map(|d| d.event_type()).collect();
    assert_eq!(
        types,
        [
            "PERSON.CREATED",
            "PERSON.UPDATED",
            "PERSON.VERIFICATION_OUTCOME.UPDATED",
            "CUSTOMER.KYC_OUTCOME.UPDATED",
            "PERSON.VERIFICATION_OUTCOME.UPDATED",
            "CUSTOMER.KYC_OUTCOME.UPDATED",
        ]
    );
    for d in &got {
        assert!(
            d.signed_by(&secret),
            "{} not signed by the secret",
            d.event_type()
        );
        assert!(!d.signed_by(&"0".repeat(64)));
        assert_eq!(d.body["webhook_id"], hook.as_str());
        assert_eq!(d.body["resource_id"], person.as_str());
        assert_eq!(d.body["metadata"], "team=qa");
        let raw = String::from_utf8(d.raw.clone()).unwrap();
        assert!(
            !raw.contains("123-45-0002") && !raw.contains("123450002"),
            "{raw}"
        );
        assert_eq!(inner(&d.body, "event_resource")["ssn"], "0002");
    }
    let ids: std::collections::HashSet<&str> = got.iter().map(|d| d.id()).collect();
    assert_eq!(ids.len(), 6, "each event once");
    // The update names only what changed, with the value before the change.
    assert_eq!(
        inner(&got[1].body, "event_resource_changed_fields"),
        json!({"email": "anne.baker@example.com"})
    );
    assert_eq!(
        inner(&got[4].body, "event_resource_changed_fields")["verification_status"],
        "REVIEW"
    );
    assert_eq!(
        inner(&got[5].body, "event_resource")["kyc_status"],
        "ACCEPTED"
    );

    let first = api
        .get(&format!("/webhooks/{hook}/events/{}", got[0].id()))
        .await;
    let event = first.expect(200);
    assert_eq!(event["status"], "SUCCESS");
    assert_eq!(event["response_history"][0]["code"], 200);
    let list = api
        .get(&format!(
            "/webhooks/{hook}/events?resource_id={person}&limit=4"
        ))
        .await;
    let page = list.expect(200);
    assert_eq!(page["event_list"].as_array().unwrap().len(), 4);
    assert!(page["event_list"][0].get("response_history").is_none());
    assert!(page["next_page_token"].is_string());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.received().len(), 6, "nothing delivered twice");
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_same_event_three_times() {
    let api = Api::with(fast()).await;
    let rx = Receiver::scripted(
        &[Answer::Status(500), Answer::Status(500)],
        Answer::Status(200),
    )
    .await;
    secret(&api).await;
    let hook = subscribe(&api, &rx.url, &["PERSON.CREATED"]).await;
    api.create_active("Anne", "Baker").await;
    let got = rx.wait_for(3).await;
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|d| d.id() == got[0].id()));
    let event = api
        .get(&format!("/webhooks/{hook}/events/{}", got[0].id()))
        .await;
    let event = event.expect(200);
    let codes: Vec<u64> = event["response_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [500, 500, 200]);
    assert_eq!(event["status"], "SUCCESS");
}

#[tokio::test]
async fn a_hanging_receiver_holds_up_neither_requests_nor_other_webhooks() {
    let api = Api::with(fast()).await;
    let hanging = Receiver::scripted(&[], Answer::Hang).await;
    let healthy = Receiver::start().await;
    secret(&api).await;
    let stuck = subscribe(&api, &hanging.url, &["PERSON.*"]).await;
    subscribe(&api, &healthy.url, &["PERSON.*"]).await;

    api.create_active("Anne", "Baker").await;
    assert_eq!(hanging.wait_for(1).await.len(), 1);
    // While the first attempt hangs: requests are answered and the other webhook is served.
    for i in 0..3 {
        api.create_active("Bea", &format!("Stone{i}")).await;
    }
    assert_eq!(healthy.wait_for(4).await.len(), 4);
    let first = hanging.received()[0].id().to_string();
    let event = api.get(&format!("/webhooks/{stuck}/events/{first}")).await;
    let event = event.expect(200);
    assert_eq!(
        event["status"], "RUNNING",
        "the hanging attempt is still under way"
    );
    assert_eq!(event["response_history"].as_array().unwrap().len(), 0);
    assert_eq!(
        hanging.received().len(),
        1,
        "one attempt at a time per webhook"
    );
    // The sandbox gives up on the attempt at its 5-second limit; the events raised meanwhile
    // are due before the first one's retry, so the next one goes out first.
    let again = hanging.wait_for(2).await;
    assert_eq!(again.len(), 2);
    assert_ne!(again[1].id(), first);
    let event = api.get(&format!("/webhooks/{stuck}/events/{first}")).await;
    let history = event.expect(200)["response_history"].clone();
    assert_eq!(history[0]["code"], 0, "no answer: {history}");
}

#[tokio::test]
async fn a_rolling_rotation_signs_with_both_secrets_until_the_old_one_is_revoked() {
    let api = Api::with(fast()).await;
    let rx = Receiver::start().await;
    let old = secret(&api).await;
    subscribe(&api, &rx.url, &["PERSON.CREATED"]).await;
    let r = api
        .put("/webhook_secrets", json!({"is_rolling_secret": true}))
        .await;
    let body = r.expect(200);
    let new = body["secret"].as_str().unwrap().to_string();
    assert!(body["deleted_at"].is_string());
    assert_eq!(new.len(), 64);
    api.create_active("Anne", "Baker").await;
    let d = rx.wait_for(1).await.remove(0);
    assert_eq!(d.signature_count(), 2);
    assert!(d.signed_by(&old) && d.signed_by(&new));

    let r = api.delete("/webhook_secrets?old_secret_only=true").await;
    assert_eq!(r.status, 200);
    api.create_active("Bea", "Stone").await;
    let d = rx.wait_for(2).await.remove(1);
    assert_eq!(d.signature_count(), 1);
    assert!(d.signed_by(&new) && !d.signed_by(&old));

    // A plain replacement stops the old secret at once.
    let r = api.put("/webhook_secrets", json!({})).await;
    let newest = r.expect(200)["secret"].as_str().unwrap().to_string();
    assert!(r.body.get("deleted_at").is_none());
    api.create_active("Cy", "Moss").await;
    let d = rx.wait_for(3).await.remove(2);
    assert!(d.signed_by(&newest) && !d.signed_by(&new));
}

#[tokio::test]
async fn trigger_sends_a_sample_and_resend_waits_its_delay() {
    let api = Api::with(fast()).await;
    let rx = Receiver::start().await;
    let secret = secret(&api).await;
    let hook = subscribe(&api, &rx.url, &["CUSTOMER.*"]).await;
    let r = api
        .post("/webhooks/trigger", json!({"event": "CUSTOMER.UPDATED"}))
        .await;
    let sample = r.expect(200).clone();
    assert_eq!(sample["type"], "CUSTOMER.UPDATED");
    let d = rx.wait_for(1).await.remove(0);
    assert_eq!(d.id(), sample["id"]);
    assert_eq!(d.body["event_time"], sample["event_time"]);
    assert!(d.signed_by(&secret));

    let asked = Instant::now();
    let path = format!("/webhooks/{hook}/events/{}/resend?delay=1", d.id());
    let r = api.post(&path, json!({})).await;
    r.expect(200);
    let again = rx.wait_for(2).await.remove(1);
    assert_eq!(again.id(), d.id());
    assert_eq!(again.raw, d.raw, "the same body");
    assert!(
        again.at >= asked + Duration::from_secs(1),
        "sent before its delay"
    );
    let event = api
        .get(&format!("/webhooks/{hook}/events/{}", d.id()))
        .await;
    assert_eq!(
        event.expect(200)["response_history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// A resend accepted while an attempt of the event is under way is one more delivery, made
/// after that attempt: recording the attempt (a success here) does not cancel it.
#[tokio::test]
async fn a_resend_during_an_attempt_is_delivered_once_after_it() {
    let api = Api::with(fast()).await;
    let hold = Answer::After(Duration::from_secs(2), 200);
    let rx = Receiver::scripted(&[hold], Answer::Status(200)).await;
    let hook = subscribe(&api, &rx.url, &["PERSON.*"]).await;
    let r = api
        .post("/webhooks/trigger", json!({"event": "PERSON.CREATED"}))
        .await;
    let event = r.expect(200)["id"].as_str().unwrap().to_string();
    let first = rx.wait_for(1).await.remove(0);
    assert_eq!(first.id(), event);

    // The receiver holds the first attempt for 2 s: the resend comes while it is under way.
    let path = format!("/webhooks/{hook}/events/{event}/resend?delay=0");
    let r = api.post(&path, json!({})).await;
    assert_eq!(r.expect(200)["status"], "RUNNING");
    let answered = first.at + Duration::from_secs(2);
    let got = rx.wait_for(2).await;
    assert_eq!(got.len(), 2, "the resend was lost");
    assert_eq!(got[1].id(), event);
    assert!(
        got[1].at >= answered,
        "sent while the first attempt was under way"
    );

    let path = format!("/webhooks/{hook}/events/{event}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let e = api.get(&path).await;
        let e = e.expect(200);
        if e["response_history"].as_array().unwrap().len() == 2 {
            assert_eq!(e["status"], "SUCCESS");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the second attempt was not recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.received().len(), 2, "exactly one more delivery");
}

/// A page token of one subscription's events is refused on another's, where it would otherwise
/// resume at a place in someone else's listing.
#[tokio::test]
async fn an_events_page_token_belongs_to_its_subscription() {
    let api = Api::with(fast()).await;
    let rx = Receiver::start().await;
    secret(&api).await;
    let a = subscribe(&api, &rx.url, &["CUSTOMER.*"]).await;
    let b = subscribe(&api, &rx.url, &["CUSTOMER.*"]).await;
    for _ in 0..2 {
        api.post("/webhooks/trigger", json!({"event": "CUSTOMER.UPDATED"}))
            .await
            .expect(200);
    }
    let first = api.get(&format!("/webhooks/{a}/events?limit=1")).await;
    let token = first.expect(200)["next_page_token"]
        .as_str()
        .unwrap()
        .to_string();
    let rest = api
        .get(&format!("/webhooks/{a}/events?limit=1&page_token={token}"))
        .await;
    assert_eq!(rest.expect(200)["event_list"].as_array().unwrap().len(), 1);
    let other = api
        .get(&format!("/webhooks/{b}/events?limit=1&page_token={token}"))
        .await;
    assert_eq!(other.status, 400);
    assert!(
        other.body["detail"]
            .as_str()
            .unwrap()
            .contains("page_token")
    );
}

#[tokio::test]
async fn wipe_keeps_webhooks_and_the_secret() {
    let api = Api::with(fast()).await;
    let rx = Receiver::start().await;
    let secret = secret(&api).await;
    let hook = subscribe(&api, &rx.url, &["PERSON.CREATED"]).await;
    api.create_active("Anne", "Baker").await;
    rx.wait_for(1).await;
    assert_eq!(api.post("/wipe", json!({})).await.status, 204);
    api.get(&format!("/webhooks/{hook}")).await.expect(200);
    let events = api.get(&format!("/webhooks/{hook}/events")).await;
    assert_eq!(events.expect(200)["event_list"], json!([]));
    assert_eq!(api.post("/webhook_secrets", json!({})).await.status, 409);
    api.create_active("Bea", "Stone").await;
    assert!(rx.wait_for(2).await[1].signed_by(&secret));
}

#[tokio::test]
async fn webhooks_point_only_at_loopback_unless_the_operator_names_the_host() {
    let api = Api::new().await;
    for url in [
        "http://10.0.0.1/hooks",
        "https://hooks.example.com/x",
        "http://169.254.169.254/",
    ] {
        let r = api
            .post(
                "/webhooks",
                json!({"url": url, "enabled_events": ["PERSON.*"], "is_enabled": true}),
            )
            .await;
        let detail = r.problem(400, "BAD_REQUEST_BODY");
        assert!(detail.contains("url") && !detail.contains(url), "{detail}");
    }
    assert_eq!(
        api.get("/webhooks").await.expect(200)["webhooks"],
        json!([])
    );
    // Registration only: nothing is raised, so nothing is sent anywhere.
    let opted = Api::with(SandboxConfig::default().webhook_allow_host("hooks.example.com")).await;
    let r = opted
        .post(
            "/webhooks",
            json!({"url": "https://hooks.example.com/x", "enabled_events": ["PERSON.*"], "is_enabled": true}),
        )
        .await;
    r.expect(201);
}

/// `WebhookInput` is taken as the spec states it: a `description` of any length (empty
/// included) and `enabled_events` of any count, kept without duplicates.
#[tokio::test]
async fn a_subscription_takes_any_description_and_repeated_event_types() {
    let api = Api::new().await;
    let events = ["PERSON.*", "CUSTOMER.KYC_OUTCOME.UPDATED"].repeat(60);
    let settings = |description: String| json!({"url": "http://127.0.0.1:9/h", "enabled_events": events, "is_enabled": false, "description": description});
    let r = api.post("/webhooks", settings(String::new())).await;
    let created = r.expect(201);
    assert_eq!(created["description"], "");
    assert_eq!(
        created["enabled_events"],
        json!(["PERSON.*", "CUSTOMER.KYC_OUTCOME.UPDATED"])
    );
    let long = "d".repeat(5000);
    let r = api
        .put(&format!("/webhooks/{}", r.id()), settings(long.clone()))
        .await;
    assert_eq!(r.expect(200)["description"], long.as_str());
}

#[tokio::test]
async fn bad_input_on_every_webhook_operation_is_a_400_naming_the_field_and_stores_nothing() {
    let api = Api::new().await;
    let none = "00000000-0000-4000-8000-000000000000";
    // Secrets: 404 without one, then 409 on a second one.
    assert_eq!(api.put("/webhook_secrets", json!({})).await.status, 404);
    assert_eq!(api.delete("/webhook_secrets").await.status, 404);
    let r = api
        .put("/webhook_secrets", json!({"is_rolling_secret": "yes"}))
        .await;
    assert!(
        r.problem(400, "BAD_REQUEST_BODY")
            .contains("is_rolling_secret")
    );
    secret(&api).await;
    api.post("/webhook_secrets", json!({}))
        .await
        .problem(409, "DUPLICATE_RESOURCE");
    let r = api.delete("/webhook_secrets?old_secret_only=maybe").await;
    assert!(
        r.problem(400, "BAD_QUERY_PARAMETER")
            .contains("old_secret_only")
    );

    let good =
        json!({"url": "http://127.0.0.1:9/h", "enabled_events": ["PERSON.*"], "is_enabled": true});
    let bad = [
        (
            "url",
            json!({"url": "ftp://127.0.0.1/", "enabled_events": [], "is_enabled": true}),
        ),
        (
            "url",
            json!({"url": format!("http://127.0.0.1/{}", "a".repeat(1000)), "enabled_events": [], "is_enabled": true}),
        ),
        (
            "enabled_events[0]",
            json!({"url": "http://127.0.0.1/", "enabled_events": ["PERSON.DELETED"], "is_enabled": true}),
        ),
        (
            "metadata",
            json!({"url": "http://127.0.0.1/", "enabled_events": [], "is_enabled": true, "metadata": "m".repeat(1025)}),
        ),
        (
            "is_enabled",
            json!({"url": "http://127.0.0.1/", "enabled_events": []}),
        ),
        (
            "surprise",
            json!({"url": "http://127.0.0.1/", "enabled_events": [], "is_enabled": true, "surprise": 1}),
        ),
    ];
    for (field, body) in &bad {
        let r = api.post("/webhooks", body.clone()).await;
        assert!(
            r.problem(400, "BAD_REQUEST_BODY").contains(field),
            "{field}"
        );
    }
    assert_eq!(
        api.get("/webhooks").await.expect(200)["webhooks"],
        json!([])
    );
    let hook = api.post("/webhooks", good.clone()).await.id();
    for (field, body) in &bad {
        let r = api.put(&format!("/webhooks/{hook}"), body.clone()).await;
        assert!(
            r.problem(400, "BAD_REQUEST_BODY").contains(field),
            "{field}"
        );
    }
    let stored = api.get(&format!("/webhooks/{hook}")).await;
    assert_eq!(
        stored.expect(200)["url"],
        good["url"],
        "a refused update changes nothing"
    );
    for (query, name) in [
        ("limit=0", "limit"),
        ("is_enabled_only=yes", "is_enabled_only"),
    ] {
        let r = api.get(&format!("/webhooks?{query}")).await;
        assert!(r.problem(400, "BAD_QUERY_PARAMETER").contains(name));
    }
    for (body, rule) in [
        (json!({"event": "PERSON.*"}), "event"),
        (json!({"event": "NOPE"}), "event"),
        (json!({}), "event"),
    ] {
        let r = api.post("/webhooks/trigger", body).await;
        assert!(r.problem(400, "BAD_REQUEST_BODY").contains(rule));
    }
    for (query, name) in [
        ("start_time=yesterday", "start_time"),
        ("end_time=1", "end_time"),
        ("resource_id=x", "resource_id"),
    ] {
        let r = api.get(&format!("/webhooks/{hook}/events?{query}")).await;
        assert!(r.problem(400, "BAD_QUERY_PARAMETER").contains(name));
    }
    for delay in ["3601", "-1", "soon"] {
        let r = api
            .post(
                &format!("/webhooks/{hook}/events/{none}/resend?delay={delay}"),
                json!({}),
            )
            .await;
        assert!(r.problem(400, "BAD_QUERY_PARAMETER").contains("delay"));
    }
    // Unknown ids.
    api.get(&format!("/webhooks/{none}"))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
    api.delete(&format!("/webhooks/{none}"))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
    api.get(&format!("/webhooks/{none}/events"))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
    api.get(&format!("/webhooks/{hook}/events/{none}"))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
    api.post(&format!("/webhooks/{hook}/events/{none}/resend"), json!({}))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
    // The settle call: bad result, unknown person, a person not under review.
    let person = api.create_active("Anne", "Baker").await.id();
    let path = format!("/sandbox/persons/{person}/settle_verification");
    let r = api.post(&path, json!({"result": "PENDING"})).await;
    assert!(r.problem(400, "BAD_REQUEST_BODY").contains("result"));
    api.post(&path, json!({"result": "ACCEPTED"}))
        .await
        .problem(409, "VERIFICATION_NOT_IN_REVIEW");
    let r = api
        .post(
            &format!("/sandbox/persons/{none}/settle_verification"),
            json!({"result": "ACCEPTED"}),
        )
        .await;
    r.problem(404, "RESOURCE_NOT_FOUND");
    // Deleting works once, and takes the webhook's events with it.
    let r = api.delete(&format!("/webhooks/{hook}")).await;
    assert_eq!(r.expect(200)["resource"], "webhook");
    api.delete(&format!("/webhooks/{hook}"))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
}
