//! Rules found in review: ASCII-only digits, the OWNER_CERTIFICATION check, and the memory
//! bounds of a shared sandbox (tenant cap, idempotency record expiry and eviction).
mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

/// Arabic-Indic digits are decimal digits to Unicode but not to the spec's patterns.
const ARABIC_SSN: &str = "١٢٣-٤٥-٦٧٨٩";

#[tokio::test]
async fn non_ascii_digits_are_rejected_in_ssn_phone_and_postal_code() {
    let api = Api::new().await;
    let cases = [
        (
            "ssn",
            json!({"status": "PROSPECT", "is_customer": true, "ssn": ARABIC_SSN}),
        ),
        (
            "phone_number",
            json!({"status": "PROSPECT", "is_customer": true, "phone_number": "+١٢١٢٥٥٥٠١٢٣"}),
        ),
        (
            "legal_address.postal_code",
            json!({"status": "PROSPECT", "is_customer": true, "legal_address": {"address_line_1": "50 Main St", "postal_code": "١٢٣٤٥", "country_code": "US"}}),
        ),
        (
            "legal_address.postal_code",
            json!({"status": "PROSPECT", "is_customer": true, "legal_address": {"address_line_1": "1 Rue", "postal_code": "K١A ٠B١", "country_code": "CA"}}),
        ),
        (
            "personal_ids[0].identifier",
            json!({"status": "PROSPECT", "is_customer": true, "personal_ids": [{"id_type": "SSN", "identifier": ARABIC_SSN}]}),
        ),
    ];
    for (field, body) in cases {
        let d = api
            .post("/persons", body)
            .await
            .problem(400, "BAD_REQUEST_BODY");
        assert!(d.contains(field), "{field} not named in {d}");
        assert!(!d.contains('١') && !d.contains('٤'), "value echoed: {d}");
    }
    assert_eq!(api.sb.person_count(KEY), 0);
    // The same through the customers view and a disclosure version.
    let d = api
        .post(
            "/customers",
            json!({"status": "PROSPECT", "ssn": ARABIC_SSN}),
        )
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("ssn"), "{d}");
    let p = api.create_active("A", "B").await.id();
    let d = api
        .post("/disclosures", json!({"person_id": p, "type": "E_SIGN", "version": "١.٠", "event_type": "ACKNOWLEDGED", "disclosure_date": "2024-01-01T00:00:00Z"}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("version"), "{d}");
}

#[tokio::test]
async fn ssn_last_4_filter_takes_ascii_digits_only() {
    let api = Api::new().await;
    api.post("/persons", full_person("123-45-6789"))
        .await
        .expect(201);
    for path in ["/persons", "/customers"] {
        let d = api
            .get(&format!("{path}?ssn_last_4=%D9%A6%D9%A7%D9%A8%D9%A9"))
            .await
            .problem(400, "BAD_QUERY_PARAMETER");
        assert!(d.contains("ssn_last_4"), "{d}");
        api.get(&format!("{path}?ssn_last_4=abcd"))
            .await
            .problem(400, "BAD_QUERY_PARAMETER");
        let l = api.get(&format!("{path}?ssn_last_4=6789")).await;
        let rows = l.expect(200)[path.trim_start_matches('/')]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(rows, 1, "{path}");
    }
}

#[tokio::test]
async fn an_invalid_acknowledging_person_id_is_invalid_not_also_missing() {
    let api = Api::new().await;
    let body = json!({"business_id": "4e6a8c0e-2b4d-4f6a-8c0e-2b4d6f8a0c2e", "type": "OWNER_CERTIFICATION", "version": "1.0", "event_type": "ACKNOWLEDGED", "disclosure_date": "2023-01-01T00:00:00Z", "acknowledging_person_id": "not-a-uuid"});
    let d = api
        .post("/disclosures", body)
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(
        d.contains("acknowledging_person_id (must be a hyphenated UUID)"),
        "{d}"
    );
    assert!(!d.contains("missing"), "reported as missing too: {d}");
}

#[tokio::test]
async fn new_tenants_beyond_the_cap_are_403_and_known_ones_keep_working() {
    let api = Api::with(SandboxConfig::default().max_tenants(2)).await;
    api.get("/persons").await.expect(200);
    api.as_key("second").get("/persons").await.expect(200);
    let d = api
        .as_key("third")
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": true}),
        )
        .await
        .problem(403, "FORBIDDEN");
    assert!(d.contains("tenants"), "{d}");
    assert_eq!(api.sb.person_count("third"), 0);
    api.post(
        "/persons",
        json!({"status": "PROSPECT", "is_customer": true}),
    )
    .await
    .expect(201);
    api.as_key("second").get("/persons").await.expect(200);
}

/// Every new key is remembered as a tenant, so an unbounded key would let a client hold memory
/// by the size of its header: a key over 256 characters is refused before it names a tenant.
#[tokio::test]
async fn api_keys_over_256_characters_are_401_and_hold_no_tenant() {
    let api = Api::with(SandboxConfig::default().max_tenants(1)).await;
    for n in 0..10 {
        let key = format!("{n}{}", "k".repeat(100_000));
        let d = api
            .as_key(&key)
            .get("/persons")
            .await
            .problem(401, "UNAUTHENTICATED");
        assert!(d.contains("Authorization") && d.contains("256"), "{d}");
        assert!(!d.contains("kkkk"), "the key is echoed: {d}");
    }
    let d = api
        .as_key(&"k".repeat(257))
        .get("/persons")
        .await
        .problem(401, "UNAUTHENTICATED");
    assert!(d.contains("256"), "{d}");
    // The refused keys took no tenant: the sandbox's one slot is still free.
    api.as_key(&"k".repeat(256))
        .get("/persons")
        .await
        .expect(200);
    // A sandbox cannot be told to accept a key no request may carry.
    let e = Sandbox::start_with(SandboxConfig::default().api_key("k".repeat(257)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        e.to_string().contains("256") && !e.to_string().contains("kkkk"),
        "{e}"
    );
}

#[tokio::test]
async fn oldest_idempotency_records_are_evicted_beyond_the_cap() {
    let api = Api::with(SandboxConfig::default().idempotency_capacity(2)).await;
    let body = |n: &str| json!({"status": "PROSPECT", "is_customer": true, "metadata": {"n": n}});
    for k in ["k1", "k2", "k3"] {
        api.post_idem("/persons", body(k), k).await.expect(201);
    }
    assert_eq!(api.sb.person_count(KEY), 3);
    // k3 and k2 are still remembered: a different request under them is refused.
    for k in ["k3", "k2"] {
        api.post_idem("/persons", body("other"), k)
            .await
            .problem(422, "IDEMPOTENCY_INVALID_REUSE");
    }
    // k1 was the oldest and is gone: the key is free for a new request.
    api.post_idem("/persons", body("other"), "k1")
        .await
        .expect(201);
    assert_eq!(api.sb.person_count(KEY), 4);
}

#[tokio::test]
async fn expired_idempotency_records_free_their_key() {
    let api = Api::with(SandboxConfig::default().idempotency_ttl(Duration::ZERO)).await;
    let body = json!({"status": "PROSPECT", "is_customer": true});
    let a = api.post_idem("/persons", body.clone(), "k").await.id();
    let b = api.post_idem("/persons", body, "k").await.id();
    assert_ne!(a, b, "an expired record must not be replayed");
    assert_eq!(api.sb.person_count(KEY), 2);
}

#[tokio::test]
async fn patch_customer_has_no_tenant_field() {
    let api = Api::new().await;
    let p = api.create_active("Ann", "Baker").await.id();
    let d = api
        .patch(&format!("/customers/{p}"), json!({"tenant": "acme"}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("unknown fields: tenant"), "{d}");
    // The other writes accept it (type-checked, ignored), as the spec says.
    api.patch(&format!("/persons/{p}"), json!({"tenant": "acme"}))
        .await
        .expect(200);
}

#[tokio::test]
async fn email_follows_the_documented_shape() {
    let api = Api::new().await;
    for bad in ["a@b", "a@.b.c", "a@b.c.", "@b.c", "a b@c.d", "a@b@c.d"] {
        let d = api
            .post(
                "/persons",
                json!({"status": "PROSPECT", "is_customer": true, "email": bad}),
            )
            .await
            .problem(400, "BAD_REQUEST_BODY");
        assert!(d.contains("email") && !d.contains(bad), "{bad}: {d}");
    }
    api.post(
        "/persons",
        json!({"status": "PROSPECT", "is_customer": true, "email": "a@b.c"}),
    )
    .await
    .expect(201);
}

/// Two `Authorization` headers name two tenants (or an accepted key and a refused one): the
/// request is refused rather than served as whichever one the sandbox reads first.
#[tokio::test]
async fn a_repeated_authorization_header_is_401() {
    let api = Api::with(SandboxConfig::default().api_key(KEY)).await;
    for pair in [[KEY, "other-key"], ["other-key", KEY], [KEY, KEY]] {
        let mut headers = reqwest::header::HeaderMap::new();
        for key in pair {
            headers.append(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {key}").parse().unwrap(),
            );
        }
        let r = api
            .http
            .post(format!("{}/persons", api.sb.base_url()))
            .headers(headers)
            .json(&serde_json::json!({"status": "ACTIVE", "is_customer": true, "first_name": "Two", "last_name": "Keys"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{pair:?}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body = r.text().await.unwrap();
        assert!(body.contains("more than once"), "{body}");
        assert!(!body.contains(KEY) && !body.contains("other-key"), "{body}");
    }
    assert_eq!(api.sb.person_count(KEY), 0, "nothing was written");
}
