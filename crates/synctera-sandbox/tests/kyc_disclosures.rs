//! Disclosures and KYC verification.
mod common;

use common::*;
use serde_json::json;

fn disclosure(person: &str) -> serde_json::Value {
    json!({"person_id": person, "type": "TERMS_AND_CONDITIONS", "version": "v2.1", "event_type": "VIEWED", "disclosure_date": "2023-12-31T23:59:59+02:00"})
}

#[tokio::test]
async fn disclosure_rules() {
    let api = Api::new().await;
    let p = api.create_active("A", "B").await.id();
    let d = api.post("/disclosures", disclosure(&p)).await;
    // Truncated to midnight UTC of the instant given.
    assert_eq!(d.expect(201)["disclosure_date"], "2023-12-31T00:00:00Z");
    let id = d.id();
    assert_eq!(
        api.get(&format!("/disclosures/{id}")).await.expect(200),
        &d.body
    );
    api.as_key("intruder")
        .get(&format!("/disclosures/{id}"))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");

    let mut both = disclosure(&p);
    both["business_id"] = json!("4e6a8c0e-2b4d-4f6a-8c0e-2b4d6f8a0c2e");
    let msg = api
        .post("/disclosures", both)
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(
        msg.contains("person_id") && msg.contains("business_id"),
        "{msg}"
    );
    let mut neither = disclosure(&p);
    neither.as_object_mut().unwrap().remove("person_id");
    api.post("/disclosures", neither)
        .await
        .problem(400, "BAD_REQUEST_BODY");

    let mut bad = disclosure(&p);
    bad["version"] = json!("1");
    bad["event_type"] = json!("SIGNED");
    let msg = api
        .post("/disclosures", bad)
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(
        msg.contains("version") && msg.contains("event_type"),
        "{msg}"
    );
    let msg = api
        .post("/disclosures", json!({"person_id": p}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
    for f in ["type", "version", "event_type", "disclosure_date"] {
        assert!(msg.contains(f), "{msg}");
    }

    // Unknown person in the body: 400 CUSTOMER_NOT_FOUND (also another tenant's person).
    api.post(
        "/disclosures",
        disclosure("7d943c51-e4ff-4e57-9558-08cab6b963c7"),
    )
    .await
    .problem(400, "CUSTOMER_NOT_FOUND");
    api.as_key("intruder")
        .post("/disclosures", disclosure(&p))
        .await
        .problem(400, "CUSTOMER_NOT_FOUND");

    // OWNER_CERTIFICATION needs an acknowledging person.
    let biz = json!({"business_id": "4e6a8c0e-2b4d-4f6a-8c0e-2b4d6f8a0c2e", "type": "OWNER_CERTIFICATION", "version": "1.0", "event_type": "ACKNOWLEDGED", "disclosure_date": "2023-01-01T00:00:00Z"});
    let msg = api
        .post("/disclosures", biz.clone())
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(msg.contains("acknowledging_person_id"), "{msg}");
    // A business_id names a record the sandbox cannot hold (it has no businesses): 400
    // CUSTOMER_NOT_FOUND, as verify answers, and nothing is recorded.
    let mut ok = biz;
    ok["acknowledging_person_id"] = json!(p);
    let msg = api
        .post("/disclosures", ok)
        .await
        .problem(400, "CUSTOMER_NOT_FOUND");
    assert!(msg.contains("business_id"), "{msg}");
    let mut for_business = disclosure(&p);
    for_business.as_object_mut().unwrap().remove("person_id");
    for_business["business_id"] = json!("4e6a8c0e-2b4d-4f6a-8c0e-2b4d6f8a0c2e");
    api.post("/disclosures", for_business)
        .await
        .problem(400, "CUSTOMER_NOT_FOUND");

    // Filters.
    let mut acked = disclosure(&p);
    acked["acknowledging_person_id"] = json!(p);
    acked["person_id"] = json!(api.create_active("C", "D").await.id());
    api.post("/disclosures", acked).await.expect(201);
    let l = api
        .get(&format!("/disclosures?acknowledging_person_id={p}"))
        .await;
    assert_eq!(l.body["disclosures"].as_array().unwrap().len(), 1);
    let l = api.get(&format!("/disclosures?person_id={p}")).await;
    assert_eq!(l.body["disclosures"].as_array().unwrap().len(), 1);
    let l = api.get(&format!("/disclosures?id={id}")).await;
    assert_eq!(l.body["disclosures"][0]["id"], id.as_str());
    let l = api
        .get("/disclosures?business_id=4e6a8c0e-2b4d-4f6a-8c0e-2b4d6f8a0c2e")
        .await;
    assert_eq!(l.expect(200)["disclosures"].as_array().unwrap().len(), 0);
    assert_eq!(
        api.get("/disclosures").await.body["disclosures"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn magic_ssn_values_decide_kyc() {
    let api = Api::new().await;
    for (ssn, identity, person_status, kyc_status) in [
        ("123-45-0001", "REJECTED", "REJECTED", "REJECTED"),
        ("123-45-0002", "REVIEW", "REVIEW", "REVIEW"),
        ("123-45-0003", "PROVISIONAL", "PROVISIONAL", "PROVISIONAL"),
        (
            "123-45-0004",
            "VENDOR_ERROR",
            "UNVERIFIED",
            "PROVIDER_FAILURE",
        ),
        ("123-45-6789", "ACCEPTED", "ACCEPTED", "ACCEPTED"),
    ] {
        let p = api.create_kyc_ready(ssn).await.id();
        let r = api
            .post(
                "/verifications/verify",
                json!({"customer_consent": true, "person_id": p}),
            )
            .await;
        let v = r.expect(201);
        assert_eq!(v["verification_status"], person_status, "{ssn}");
        let ident = v["verifications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["verification_type"] == "IDENTITY")
            .unwrap();
        assert_eq!(ident["result"], identity);
        let g = api.get(&format!("/persons/{p}")).await;
        assert_eq!(g.body["verification_status"], person_status);
        assert!(g.body["verification_last_run"].is_string());
        let c = api.get(&format!("/customers/{p}")).await;
        assert_eq!(c.body["kyc_status"], kyc_status);
        // Listable by result and gettable by id.
        let l = api
            .get(&format!(
                "/verifications?person_id={p}&verification_type=IDENTITY&result={identity}"
            ))
            .await;
        assert_eq!(l.body["verifications"].as_array().unwrap().len(), 1);
        let id = ident["id"].as_str().unwrap();
        assert_eq!(
            api.get(&format!("/verifications/{id}")).await.expect(200)["result"],
            identity
        );
    }
}

#[tokio::test]
async fn verify_preconditions() {
    let api = Api::new().await;
    let p = api
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": true, "email": "p@example.com"}),
        )
        .await
        .id();
    let msg = api
        .post(
            "/verifications/verify",
            json!({"customer_consent": true, "person_id": p}),
        )
        .await
        .problem(400, "BAD_REQUEST");
    for f in [
        "first_name",
        "last_name",
        "dob",
        "phone_number",
        "legal_address",
        "ssn",
    ] {
        assert!(msg.contains(f), "{f} not in {msg}");
    }
    assert!(!msg.contains("email"), "{msg}");
    let ready = api.create_kyc_ready("123-45-6789").await.id();
    let msg = api
        .post(
            "/verifications/verify",
            json!({"customer_consent": false, "person_id": ready}),
        )
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(msg.contains("customer_consent"), "{msg}");
    let msg = api
        .post("/verifications/verify", json!({"person_id": ready}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(msg.contains("customer_consent"), "{msg}");
    api.post(
        "/verifications/verify",
        json!({"customer_consent": true, "person_id": "7d943c51-e4ff-4e57-9558-08cab6b963c7"}),
    )
    .await
    .problem(400, "CUSTOMER_NOT_FOUND");
    api.post(
        "/verifications/verify",
        json!({"customer_consent": true, "person_id": ready, "business_id": ready}),
    )
    .await
    .problem(400, "BAD_REQUEST_BODY");
    api.post(
        "/verifications/verify",
        json!({"customer_consent": true, "person_id": ready, "customer_ip_address": "not-an-ip"}),
    )
    .await
    .problem(400, "BAD_REQUEST_BODY");
    // Nothing ran.
    assert_eq!(
        api.get(&format!("/persons/{ready}")).await.body["verification_status"],
        "UNVERIFIED"
    );
    assert!(
        api.get("/verifications").await.body["verifications"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn history_is_hidden_unless_asked_for() {
    let api = Api::new().await;
    let p = api.create_kyc_ready("123-45-0002").await.id();
    api.post(
        "/verifications/verify",
        json!({"customer_consent": true, "person_id": p}),
    )
    .await
    .expect(201);
    api.patch(&format!("/persons/{p}"), json!({"ssn": "123-45-5555"}))
        .await
        .expect(200);
    api.post(
        "/verifications/verify",
        json!({"customer_consent": true, "person_id": p}),
    )
    .await
    .expect(201);
    let latest = api
        .get(&format!(
            "/verifications?person_id={p}&verification_type=IDENTITY"
        ))
        .await;
    let rows = latest.body["verifications"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["result"], "ACCEPTED");
    let all = api
        .get(&format!(
            "/verifications?person_id={p}&verification_type=IDENTITY&include_history=true"
        ))
        .await;
    assert_eq!(all.body["verifications"].as_array().unwrap().len(), 2);
    assert_eq!(
        api.get(&format!("/persons/{p}")).await.body["verification_status"],
        "ACCEPTED"
    );
}
