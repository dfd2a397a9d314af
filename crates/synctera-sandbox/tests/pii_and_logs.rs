//! PII and keys never reach logs or Debug output.
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use reqwest::Method;
use serde_json::json;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_carry_no_pii_and_no_keys() {
    let buf = Buf::default();
    let w = buf.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || w.clone())
        .init();
    let secret_key = "sk-very-secret-key-42";
    let api = Api::with(SandboxConfig::default()).await;
    let pii = json!({
        "status": "ACTIVE", "is_customer": true, "first_name": "Zelda", "last_name": "Quixote",
        "dob": "1980-02-03", "email": "zelda.q@example.org", "phone_number": "+15557654321",
        "ssn": "987-65-4321", "legal_address": {"address_line_1": "77 Secret Lane", "country_code": "US"}
    });
    let r = api
        .send(Some(secret_key), Method::POST, "/persons", Some(&pii), &[])
        .await;
    r.expect(201);
    let id = r.id();
    let mut bad = pii.clone();
    bad["ssn"] = json!("987654321");
    bad["phone_number"] = json!("5557654321");
    api.send(Some(secret_key), Method::POST, "/persons", Some(&bad), &[])
        .await
        .problem(400, "BAD_REQUEST_BODY");
    api.send(
        Some(secret_key),
        Method::GET,
        "/persons?email=zelda.q%40example.org&ssn_last_4=4321",
        None,
        &[],
    )
    .await
    .expect(200);
    api.send(
        Some(secret_key),
        Method::GET,
        "/persons/987-65-4321",
        None,
        &[],
    )
    .await;
    api.send(
        Some(secret_key),
        Method::GET,
        &format!("/customers/{id}"),
        None,
        &[],
    )
    .await
    .expect(200);
    api.sb.faults().push(Fault::Unavailable);
    api.send(Some(secret_key), Method::GET, "/persons", None, &[])
        .await;
    // A webhook delivery of that person, signed with the tenant's secret: neither the secret
    // nor the event's person reaches the logs.
    let rx = receiver::Receiver::start().await;
    let made = api
        .send(
            Some(secret_key),
            Method::POST,
            "/webhook_secrets",
            None,
            &[],
        )
        .await;
    let webhook_secret = made.expect(201)["secret"].as_str().unwrap().to_string();
    let hook = json!({"url": rx.url, "enabled_events": ["PERSON.UPDATED"], "is_enabled": true});
    api.send(
        Some(secret_key),
        Method::POST,
        "/webhooks",
        Some(&hook),
        &[],
    )
    .await
    .expect(201);
    let patch = json!({"email": "zelda.new@example.org"});
    api.send(
        Some(secret_key),
        Method::PATCH,
        &format!("/persons/{id}"),
        Some(&patch),
        &[],
    )
    .await
    .expect(200);
    assert!(rx.wait_for(1).await[0].signed_by(&webhook_secret));

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("request"), "no request logs captured: {logs}");
    for secret in [
        secret_key,
        webhook_secret.as_str(),
        "zelda.new@example.org",
        "987-65-4321",
        "987654321",
        "zelda",
        "Zelda",
        "Quixote",
        "1980-02-03",
        "+15557654321",
        "5557654321",
        "Secret Lane",
    ] {
        assert!(!logs.contains(secret), "log contains {secret}:\n{logs}");
    }
}

#[test]
fn config_debug_hides_keys() {
    let c = SandboxConfig::default()
        .api_key("sk-live-abcdef")
        .api_key("second-secret");
    let s = format!("{c:?}");
    assert!(
        !s.contains("sk-live-abcdef") && !s.contains("second-secret"),
        "{s}"
    );
    assert!(s.contains("2 redacted"), "{s}");
}

#[test]
fn tenant_name_is_derived_not_the_key() {
    let t = Sandbox::tenant_of("sk-live-abcdef");
    assert!(t.starts_with("sbx_") && t.len() == 16, "{t}");
    assert!(!t.contains("abcdef"));
    assert_eq!(t, Sandbox::tenant_of("sk-live-abcdef"));
    assert_ne!(t, Sandbox::tenant_of("sk-live-abcdeg"));
}
