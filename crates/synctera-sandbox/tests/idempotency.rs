//! Idempotency keys: replay, reuse, concurrent use, scoping.
mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn same_key_same_request_replays_byte_for_byte() {
    let api = Api::new().await;
    let body = json!({"status": "PROSPECT", "is_customer": true, "email": "x@example.com"});
    let a = api.post_idem("/persons", body.clone(), "key-1").await;
    a.expect(201);
    let b = api.post_idem("/persons", body.clone(), "key-1").await;
    assert_eq!(b.status, 201);
    assert_eq!(a.raw, b.raw);
    assert_eq!(api.sb.person_count(KEY), 1);
    // Errors are replayed too.
    let bad = json!({"status": "ACTIVE", "is_customer": true});
    let e1 = api.post_idem("/persons", bad.clone(), "key-2").await;
    e1.problem(400, "BAD_REQUEST_BODY");
    let e2 = api.post_idem("/persons", bad, "key-2").await;
    assert_eq!((e1.status, &e1.raw), (e2.status, &e2.raw));
    // Without a key, every request is new.
    api.post("/persons", body.clone()).await.expect(201);
    api.post("/persons", body).await.expect(201);
    assert_eq!(api.sb.person_count(KEY), 3);
}

#[tokio::test]
async fn same_key_different_request_is_422_invalid_reuse() {
    let api = Api::new().await;
    api.post_idem(
        "/persons",
        json!({"status": "PROSPECT", "is_customer": true}),
        "k",
    )
    .await
    .expect(201);
    api.post_idem(
        "/persons",
        json!({"status": "PROSPECT", "is_customer": false}),
        "k",
    )
    .await
    .problem(422, "IDEMPOTENCY_INVALID_REUSE");
    // Same body for a different record is a different request.
    let p1 = api.create_active("A", "B").await.id();
    let p2 = api.create_active("C", "D").await.id();
    let patch = json!({"middle_name": "M"});
    let h = [("idempotency-key", "patch-key")];
    api.send(
        Some(KEY),
        Method::PATCH,
        &format!("/persons/{p1}"),
        Some(&patch),
        &h,
    )
    .await
    .expect(200);
    api.send(
        Some(KEY),
        Method::PATCH,
        &format!("/persons/{p2}"),
        Some(&patch),
        &h,
    )
    .await
    .problem(422, "IDEMPOTENCY_INVALID_REUSE");
    assert_eq!(
        api.get(&format!("/persons/{p2}"))
            .await
            .body
            .get("middle_name"),
        None
    );
}

#[tokio::test]
async fn keys_are_scoped_per_tenant_and_operation() {
    let api = Api::new().await;
    let body = json!({"status": "PROSPECT", "is_customer": true});
    api.post_idem("/persons", body.clone(), "shared")
        .await
        .expect(201);
    // Another operation with the same key is independent.
    api.post_idem("/customers", json!({"status": "PROSPECT"}), "shared")
        .await
        .expect(201);
    // Another tenant with the same key and body is independent.
    let r = api
        .send(
            Some("other-tenant"),
            Method::POST,
            "/persons",
            Some(&body),
            &[("idempotency-key", "shared")],
        )
        .await;
    r.expect(201);
    assert_eq!(api.sb.person_count("other-tenant"), 1);
    assert_eq!(api.sb.person_count(KEY), 2);
}

#[tokio::test]
async fn concurrent_use_is_422_while_the_first_is_in_flight() {
    let api = Api::new().await;
    let mut hold = api.sb.faults().hold_next();
    let body = json!({"status": "PROSPECT", "is_customer": true});
    let first = {
        let http = api.http.clone();
        let url = format!("{}/persons", api.sb.base_url());
        let body = body.clone();
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(KEY)
                .header("idempotency-key", "busy")
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    hold.reached().await;
    api.post_idem("/persons", body.clone(), "busy")
        .await
        .problem(422, "IDEMPOTENCY_CONCURRENT_USE");
    hold.release();
    assert_eq!(first.await.unwrap(), 201);
    // Afterwards the stored answer is replayed.
    api.post_idem("/persons", body, "busy").await.expect(201);
    assert_eq!(api.sb.person_count(KEY), 1);
}

#[tokio::test]
async fn idempotency_on_every_keyed_operation() {
    let api = Api::new().await;
    let p = api.create_kyc_ready("123-45-6789").await.id();
    let cases = vec![
        (
            Method::POST,
            "/customers".to_string(),
            json!({"status": "PROSPECT"}),
        ),
        (
            Method::PATCH,
            format!("/customers/{p}"),
            json!({"middle_name": "Q"}),
        ),
        (
            Method::POST,
            "/disclosures".to_string(),
            json!({"person_id": p, "type": "REG_E", "version": "2.0", "event_type": "DISPLAYED", "disclosure_date": "2023-05-06T07:08:09Z"}),
        ),
        (
            Method::POST,
            "/verifications/verify".to_string(),
            json!({"customer_consent": true, "person_id": p}),
        ),
    ];
    for (i, (m, path, body)) in cases.into_iter().enumerate() {
        let key = format!("op-{i}");
        let h = [("idempotency-key", key.as_str())];
        let a = api.send(Some(KEY), m.clone(), &path, Some(&body), &h).await;
        assert!(a.status < 300, "{path}: {}", a.body);
        let b = api.send(Some(KEY), m.clone(), &path, Some(&body), &h).await;
        assert_eq!((a.status, &a.raw), (b.status, &b.raw), "{path}");
        let mut other = body.clone();
        other["metadata"] = json!({"k": "v"});
        if path.contains("verify") {
            other = json!({"customer_consent": true, "person_id": p, "customer_ip_address": "192.0.2.1"});
        }
        api.send(Some(KEY), m, &path, Some(&other), &h)
            .await
            .problem(422, "IDEMPOTENCY_INVALID_REUSE");
    }
    // One verify run despite the replay: two verifications (IDENTITY + WATCHLIST).
    let v = api.get("/verifications?include_history=true").await;
    assert_eq!(v.body["verifications"].as_array().unwrap().len(), 2);
    assert_eq!(
        api.get("/disclosures").await.body["disclosures"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn bad_idempotency_keys_are_400() {
    let api = Api::new().await;
    let long = "k".repeat(256);
    api.post_idem(
        "/persons",
        json!({"status": "PROSPECT", "is_customer": true}),
        &long,
    )
    .await
    .problem(400, "BAD_REQUEST");
    api.post_idem(
        "/persons",
        json!({"status": "PROSPECT", "is_customer": true}),
        "",
    )
    .await
    .problem(400, "BAD_REQUEST");
    assert_eq!(api.sb.person_count(KEY), 0);
}

/// Two keys on one request leave its identity a guess: refused, and nothing is created.
#[tokio::test]
async fn a_repeated_idempotency_key_header_is_400_naming_it() {
    let api = Api::new().await;
    let body = json!({"status": "PROSPECT", "is_customer": true});
    api.post_idem("/persons", body.clone(), "key-a")
        .await
        .expect(201);
    for keys in [["key-b", "key-a"], ["key-a", "key-b"], ["key-c", "key-c"]] {
        let d = api
            .send(
                Some(KEY),
                reqwest::Method::POST,
                "/persons",
                Some(&body),
                &[("idempotency-key", keys[0]), ("idempotency-key", keys[1])],
            )
            .await
            .problem(400, "BAD_REQUEST");
        assert!(d.contains("Idempotency-Key"), "{keys:?}: {d}");
    }
    assert_eq!(api.sb.person_count(KEY), 1);
}

/// Sends `body` as is (no re-serialization) with an idempotency key.
async fn post_raw_idem(api: &Api, path: &str, body: &str, key: &str) -> Resp {
    let r = api
        .http
        .post(format!("{}{path}", api.sb.base_url()))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let raw = r.bytes().await.unwrap().to_vec();
    let body = serde_json::from_slice(&raw).unwrap_or(serde_json::Value::Null);
    common::conformance::check("POST", path, status, &content_type, &body);
    Resp {
        status,
        content_type,
        headers,
        raw,
        body,
    }
}

#[tokio::test]
async fn same_json_in_another_key_order_or_layout_is_a_replay() {
    let api = Api::new().await;
    let a = post_raw_idem(
        &api,
        "/persons",
        r#"{"status":"PROSPECT","is_customer":true,"legal_address":{"address_line_1":"1 Main St","country_code":"US"}}"#,
        "canon",
    )
    .await;
    a.expect(201);
    let b = post_raw_idem(
        &api,
        "/persons",
        "{\n  \"legal_address\" : { \"country_code\" : \"US\", \"address_line_1\" : \"1 Main St\" },\n  \"is_customer\": true,\n  \"status\": \"PROSPECT\"\n}\n",
        "canon",
    )
    .await;
    assert_eq!(b.status, 201, "{}", b.body);
    assert_eq!(a.raw, b.raw);
    assert_eq!(a.id(), b.id());
    assert_eq!(api.sb.person_count(KEY), 1);
    // An escape that spells the same string is the same content too.
    let c = post_raw_idem(
        &api,
        "/persons",
        r#"{"is_customer":true,"status":"PROSP\u0045CT","legal_address":{"address_line_1":"1 Main St","country_code":"US"}}"#,
        "canon",
    )
    .await;
    assert_eq!(a.raw, c.raw);
    // Different content under the same key is still a reuse.
    post_raw_idem(
        &api,
        "/persons",
        r#"{"status":"PROSPECT","is_customer":true,"legal_address":{"address_line_1":"2 Main St","country_code":"US"}}"#,
        "canon",
    )
    .await
    .problem(422, "IDEMPOTENCY_INVALID_REUSE");
    assert_eq!(api.sb.person_count(KEY), 1);
    // Bodies that are not JSON are compared byte for byte.
    let e1 = post_raw_idem(&api, "/persons", "{not json", "raw").await;
    e1.problem(400, "BAD_REQUEST_BODY");
    let e2 = post_raw_idem(&api, "/persons", "{not json", "raw").await;
    assert_eq!(e1.raw, e2.raw);
    post_raw_idem(&api, "/persons", "{not  json", "raw")
        .await
        .problem(422, "IDEMPOTENCY_INVALID_REUSE");
}
