//! `POST /v0/wipe` (wipeWorkspace): empties the caller's tenant and nothing else.
mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

async fn wipe(api: &Api, key: Option<&str>) -> Resp {
    api.send(key, Method::POST, "/wipe", None, &[]).await
}

#[tokio::test]
async fn wipe_empties_the_callers_tenant_and_leaves_others_alone() {
    let api = Api::new().await;
    let p = api.create_kyc_ready("123-45-6789").await.id();
    let d = api
        .post("/disclosures", json!({"person_id": p, "type": "E_SIGN", "version": "1.0", "event_type": "ACKNOWLEDGED", "disclosure_date": "2024-02-03T04:05:06Z"}))
        .await
        .id();
    let v = api
        .post(
            "/verifications/verify",
            json!({"customer_consent": true, "person_id": p}),
        )
        .await;
    let vid = v.expect(201)["verifications"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = api.as_key("other-tenant");
    let kept = other
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": true}),
        )
        .await
        .id();

    let r = wipe(&api, Some(KEY)).await;
    assert_eq!(r.status, 204);
    assert!(r.raw.is_empty(), "204 has no body");
    assert!(r.content_type.is_empty(), "204 has no content type");

    for path in [
        format!("/persons/{p}"),
        format!("/customers/{p}"),
        format!("/disclosures/{d}"),
        format!("/verifications/{vid}"),
    ] {
        api.get(&path).await.problem(404, "RESOURCE_NOT_FOUND");
    }
    for (path, field) in [
        ("/persons", "persons"),
        ("/customers", "customers"),
        ("/disclosures", "disclosures"),
        ("/verifications?include_history=true", "verifications"),
    ] {
        let body = api.get(path).await;
        assert_eq!(body.expect(200)[field], json!([]), "{path}");
    }
    assert_eq!(api.sb.person_count(KEY), 0);
    // The other tenant still has its record.
    other.get(&format!("/persons/{kept}")).await.expect(200);
    assert_eq!(api.sb.person_count("other-tenant"), 1);
    // Wiping an empty tenant is 204 again, and the tenant takes new records.
    assert_eq!(wipe(&api, Some(KEY)).await.status, 204);
    api.create_active("Ann", "Baker").await.expect(201);
}

#[tokio::test]
async fn wipe_frees_idempotency_keys_and_retires_page_tokens() {
    let api = Api::new().await;
    let first = api
        .post_idem(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": true}),
            "k1",
        )
        .await;
    first.expect(201);
    for i in 0..3 {
        api.create_active(&format!("F{i}"), "Baker")
            .await
            .expect(201);
    }
    let page = api.get("/persons?limit=1").await;
    let token = page.body["next_page_token"].as_str().unwrap().to_string();
    let vpage = api.get("/verifications?limit=1").await;
    assert!(vpage.body.get("next_page_token").is_none());

    assert_eq!(wipe(&api, Some(KEY)).await.status, 204);

    // The key is free: a different request under it creates a new record (not 422).
    let again = api
        .post_idem(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": false}),
            "k1",
        )
        .await;
    again.expect(201);
    assert_ne!(again.body["id"], first.body["id"]);
    // A token issued before the wipe names rows that are gone: refused, not silently empty.
    api.get(&format!("/persons?limit=1&page_token={token}"))
        .await
        .problem(400, "BAD_QUERY_PARAMETER");
}

#[tokio::test]
async fn wipe_needs_a_valid_key_and_ignores_a_body() {
    let api = Api::with(SandboxConfig::default().api_key(KEY)).await;
    api.create_active("Ann", "Baker").await.expect(201);
    wipe(&api, None).await.problem(401, "UNAUTHENTICATED");
    wipe(&api, Some("not-accepted"))
        .await
        .problem(401, "UNAUTHENTICATED");
    assert_eq!(api.sb.person_count(KEY), 1);
    let r = api.raw(Method::POST, "/wipe", b"{not json".to_vec()).await;
    assert_eq!(r.status, 204);
    assert_eq!(api.sb.person_count(KEY), 0);
    // Other methods on the path are 405 problems.
    let r = api.send(Some(KEY), Method::GET, "/wipe", None, &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.content_type, "application/problem+json");
}
