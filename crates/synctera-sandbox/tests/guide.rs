//! The "Create A Personal Customer" guide (seed 004), step by step with its own request bodies
//! (the e-mail made real), checking that the answers have the guide's shape.
mod common;

use common::*;
use serde_json::{Value, json};

fn is_rfc3339_micros(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    chrono::DateTime::parse_from_rfc3339(s).is_ok() && s.ends_with('Z') && s.contains('.')
}

#[tokio::test]
async fn onboarding_guide_five_steps() {
    let api = Api::new().await;

    // 1. Create Person (PROSPECT with only an e-mail).
    let r = api
        .post(
            "/persons",
            json!({
                "status": "PROSPECT",
                "email": "anne.baker@example.com",
                "is_customer": true
            }),
        )
        .await;
    let p = r.expect(201).clone();
    let person_id = r.id();
    assert_eq!(p["email"], "anne.baker@example.com");
    assert_eq!(p["status"], "PROSPECT");
    assert_eq!(p["verification_status"], "UNVERIFIED");
    assert!(is_rfc3339_micros(&p["creation_time"]));
    assert_eq!(p["creation_time"], p["last_updated_time"]);

    // 2. Disclosures.
    let r = api
        .post(
            "/disclosures",
            json!({
                "person_id": person_id,
                "type": "REG_DD",
                "version": "1.0",
                "event_type": "ACKNOWLEDGED",
                "disclosure_date": "2022-04-17T02:04:34Z"
            }),
        )
        .await;
    let d = r.expect(201);
    assert_eq!(d["disclosure_date"], "2022-04-17T00:00:00Z");
    assert_eq!(d["event_type"], "ACKNOWLEDGED");
    assert_eq!(d["person_id"], person_id.as_str());
    assert_eq!(d["type"], "REG_DD");
    assert_eq!(d["version"], "1.0");
    assert!(is_rfc3339_micros(&d["creation_time"]) && is_rfc3339_micros(&d["last_updated_time"]));
    assert!(d["id"].is_string());

    // 3. Activating the Person.
    let r = api
        .patch(
            &format!("/persons/{person_id}"),
            json!({
                "status": "ACTIVE",
                "first_name": "Anne",
                "last_name": "Baker",
                "chosen_name": "Annie",
                "dob": "2000-01-01",
                "phone_number": "+12124567890",
                "ssn": "123-45-6789",
                "legal_address": {
                    "address_line_1": "50 Main St",
                    "city": "New York",
                    "state": "NY",
                    "postal_code": "12345",
                    "country_code": "US"
                },
                "shipping_address": {
                    "address_line_1": "99 Elm St",
                    "city": "San Antonio",
                    "state": "TX",
                    "postal_code": "77777",
                    "country_code": "US"
                }
            }),
        )
        .await;
    let a = r.expect(200);
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["verification_status"], "UNVERIFIED");
    // Listing by first_name searches chosen_name too.
    let l = api.get("/persons?first_name=Annie").await;
    assert_eq!(l.body["persons"][0]["id"], person_id.as_str());

    // 4. Run KYC.
    let r = api
        .post(
            "/verifications/verify",
            json!({
                "customer_consent": true,
                "customer_ip_address": "192.0.2.10",
                "person_id": person_id
            }),
        )
        .await;
    let v = r.expect(201);
    assert_eq!(v["verification_status"], "ACCEPTED");
    let runs = v["verifications"].as_array().unwrap();
    assert!(!runs.is_empty());
    assert!(
        runs.iter()
            .all(|x| x["result"] == "ACCEPTED" && x["person_id"] == person_id.as_str())
    );

    // ... and the person now reads as the guide shows.
    let g = api.get(&format!("/persons/{person_id}")).await;
    let g = g.expect(200);
    let expected = json!({
        "dob": "2000-01-01",
        "email": "anne.baker@example.com",
        "first_name": "Anne",
        "id": person_id,
        "chosen_name": "Annie",
        "last_name": "Baker",
        "phone_number": "+12124567890",
        "ssn": "6789",
        "status": "ACTIVE",
        "verification_status": "ACCEPTED"
    });
    for (k, want) in expected.as_object().unwrap() {
        assert_eq!(&g[k], want, "field {k}");
    }
    for (field, line1, city, state, postal) in [
        ("legal_address", "50 Main St", "New York", "NY", "12345"),
        (
            "shipping_address",
            "99 Elm St",
            "San Antonio",
            "TX",
            "77777",
        ),
    ] {
        let addr = &g[field];
        assert_eq!(addr["address_line_1"], line1);
        assert_eq!(addr["city"], city);
        assert_eq!(addr["state"], state);
        assert_eq!(addr["postal_code"], postal);
        assert_eq!(addr["country_code"], "US");
    }
    assert_eq!(g["creation_time"], p["creation_time"]);
    assert!(is_rfc3339_micros(&g["verification_last_run"]));
    assert!(g["last_updated_time"].as_str() >= g["verification_last_run"].as_str());

    // 5. Use the person with other APIs: the same id works as a customer id.
    let c = api.get(&format!("/customers/{person_id}")).await;
    assert_eq!(c.expect(200)["kyc_status"], "ACCEPTED");
    assert_eq!(c.body["kyc_last_run"], g["verification_last_run"]);
}
