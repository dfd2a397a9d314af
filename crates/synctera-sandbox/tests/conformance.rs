//! The conformance checker itself: it must reject what the spec does not allow, otherwise the
//! per-response checks in every other suite would prove nothing.
mod common;

use common::conformance::{CHECKED, check};
use common::*;
use serde_json::json;

#[test]
#[should_panic(expected = "does not conform")]
fn checker_rejects_a_person_without_required_fields() {
    check(
        "GET",
        "/persons/7d943c51-e4ff-4e57-9558-08cab6b963c7",
        200,
        "application/json",
        &json!({"id": 5}),
    );
}

#[test]
#[should_panic(expected = "not documented")]
fn checker_rejects_an_undocumented_status() {
    check("GET", "/persons", 418, "application/json", &json!({}));
}

#[test]
#[should_panic(expected = "does not conform")]
fn checker_validates_503_bodies() {
    check(
        "GET",
        "/persons",
        503,
        "application/problem+json",
        &json!({"status": "unavailable"}),
    );
}

#[test]
#[should_panic(expected = "not documented")]
fn checker_rejects_a_503_that_is_not_problem_json() {
    check("POST", "/persons", 503, "text/plain", &json!(null));
}

#[test]
#[should_panic(expected = "is not named by the spec")]
fn checker_rejects_a_4xx_code_the_spec_does_not_name() {
    check(
        "GET",
        "/persons",
        400,
        "application/problem+json",
        &json!({"status": 400, "code": "NO_SUCH_CODE"}),
    );
}

/// The 400s that are neither a bad body nor a bad query (a person not ready for KYC, a
/// malformed Idempotency-Key header) carry `BAD_REQUEST`, which the spec must name.
#[tokio::test]
async fn bad_request_code_is_documented() {
    let api = Api::new().await;
    let p = api
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": true}),
        )
        .await;
    p.expect(201);
    api.post(
        "/verifications/verify",
        json!({"customer_consent": true, "person_id": p.id()}),
    )
    .await
    .problem(400, "BAD_REQUEST");
}

#[tokio::test]
async fn injected_503_and_429_conform() {
    let api = Api::new().await;
    api.sb.faults().push(Fault::Unavailable);
    let r = api.get("/persons").await;
    r.problem(503, "SERVICE_UNAVAILABLE");
    api.sb.faults().push(Fault::TooManyRequests {
        retry_after_secs: 2,
    });
    let r = api
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": true}),
        )
        .await;
    r.problem(429, "TOO_MANY_REQUESTS");
    assert_eq!(r.headers["retry-after"], "2");
    assert_eq!(api.sb.person_count(KEY), 0);
}

#[tokio::test]
async fn every_operation_answers_within_the_spec() {
    let api = Api::new().await;
    let before = CHECKED.load(std::sync::atomic::Ordering::Relaxed);
    let p = api.create_kyc_ready("123-45-6789").await;
    let id = p.id();
    api.get(&format!("/persons/{id}")).await.expect(200);
    api.patch(&format!("/persons/{id}"), json!({"chosen_name": "Annie"}))
        .await
        .expect(200);
    api.get("/persons?limit=1").await.expect(200);
    api.get(&format!("/customers/{id}")).await.expect(200);
    api.patch(&format!("/customers/{id}"), json!({"middle_name": "L"}))
        .await
        .expect(200);
    api.get("/customers").await.expect(200);
    let mut c = full_person("123-45-9876");
    c.as_object_mut().unwrap().remove("is_customer");
    let cid = api.post("/customers", c.clone()).await.id();
    api.put(&format!("/customers/{cid}"), c).await.expect(200);
    let d = api
        .post(
            "/disclosures",
            json!({"person_id": id, "type": "REG_DD", "version": "1.0", "event_type": "ACKNOWLEDGED", "disclosure_date": "2022-04-17T02:04:34Z"}),
        )
        .await;
    d.expect(201);
    api.get(&format!("/disclosures/{}", d.id()))
        .await
        .expect(200);
    api.get("/disclosures").await.expect(200);
    let v = api
        .post(
            "/verifications/verify",
            json!({"customer_consent": true, "person_id": id}),
        )
        .await;
    v.expect(201);
    let vid = v.body["verifications"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.get(&format!("/verifications/{vid}")).await.expect(200);
    api.get("/verifications?include_history=true")
        .await
        .expect(200);
    // A few errors as well.
    api.get("/persons?limit=0")
        .await
        .problem(400, "BAD_QUERY_PARAMETER");
    api.post("/persons", json!({}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
    let after = CHECKED.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        after - before >= 17,
        "only {} responses were schema-checked",
        after - before
    );
}
