//! Persons and customers: CRUD, auth and tenants, masking, validation and record rules.
mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn missing_or_empty_bearer_is_401_problem() {
    let api = Api::new().await;
    for key in [None, Some(""), Some("   ")] {
        let r = api.send(key, Method::GET, "/persons", None, &[]).await;
        r.problem(401, "UNAUTHENTICATED");
    }
    // A non-bearer scheme is not accepted either.
    let r = api
        .send(
            None,
            Method::GET,
            "/persons",
            None,
            &[("authorization", "Basic abc")],
        )
        .await;
    r.problem(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn pinned_keys_reject_other_keys() {
    let api = Api::with(SandboxConfig::default().api_key(KEY)).await;
    api.get("/persons").await.expect(200);
    let r = api.as_key("other-key").get("/persons").await;
    let detail = r.problem(401, "UNAUTHENTICATED");
    assert!(!detail.contains("other-key"));
}

#[tokio::test]
async fn each_key_is_its_own_tenant_and_tenant_is_not_the_key() {
    let api = Api::new().await;
    let a = api.create_active("Jane", "Smith").await;
    let id = a.id();
    let tenant = a.body["tenant"].as_str().unwrap().to_string();
    assert!(!tenant.contains(KEY) && !tenant.is_empty());
    assert_eq!(tenant, Sandbox::tenant_of(KEY));

    let other = api.as_key("second-key");
    other
        .get(&format!("/persons/{id}"))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
    other
        .get(&format!("/customers/{id}"))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
    other
        .patch(&format!("/persons/{id}"), json!({"middle_name": "X"}))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
    let list = other.get("/persons").await;
    assert_eq!(list.expect(200)["persons"], json!([]));
    let b = other
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": false}),
        )
        .await;
    assert_ne!(b.expect(201)["tenant"], a.body["tenant"]);
    assert_eq!(api.sb.person_count(KEY), 1);
    assert_eq!(api.sb.person_count("second-key"), 1);
    assert_eq!(api.sb.person_count("never-used"), 0);
}

#[tokio::test]
async fn create_and_get_person_with_required_response_fields() {
    let api = Api::new().await;
    let r = api
        .post(
            "/persons",
            json!({"status": "PROSPECT", "email": "a@example.com", "is_customer": true}),
        )
        .await;
    let b = r.expect(201).clone();
    assert_eq!(r.content_type, "application/json");
    for f in [
        "ban_status",
        "creation_time",
        "id",
        "is_customer",
        "last_updated_time",
        "status",
        "tenant",
        "verification_status",
    ] {
        assert!(b.get(f).is_some(), "missing {f}");
    }
    assert_eq!(b["status"], "PROSPECT");
    assert_eq!(b["verification_status"], "UNVERIFIED");
    assert_eq!(b["ban_status"], "ALLOWED");
    assert_eq!(b["email"], "a@example.com");
    let g = api.get(&format!("/persons/{}", r.id())).await;
    assert_eq!(g.expect(200), &b);
}

#[tokio::test]
async fn ssn_is_answered_as_last_four_everywhere() {
    let api = Api::new().await;
    let mut body = full_person("123-45-6789");
    body["personal_ids"] =
        json!([{"id_type": "PASSPORT_NUMBER", "identifier": "X1234567", "country_code": "GB"}]);
    let r = api.post("/persons", body).await;
    r.expect(201);
    let id = r.id();
    let texts = [
        String::from_utf8(r.raw.clone()).unwrap(),
        String::from_utf8(api.get(&format!("/persons/{id}")).await.raw).unwrap(),
        String::from_utf8(api.get(&format!("/customers/{id}")).await.raw).unwrap(),
        String::from_utf8(api.get("/persons").await.raw).unwrap(),
        String::from_utf8(api.get("/customers").await.raw).unwrap(),
    ];
    for t in &texts {
        assert!(
            !t.contains("123-45-6789") && !t.contains("123456789") && !t.contains("45-6789"),
            "{t}"
        );
        assert!(!t.contains("X1234567"));
        assert!(t.contains("\"6789\""));
    }
    assert_eq!(r.body["ssn"], "6789");
    assert_eq!(r.body["ssn_source"], "MANUAL");
    let pids = r.body["personal_ids"].as_array().unwrap();
    let ssn_pid = pids.iter().find(|p| p["id_type"] == "SSN").unwrap();
    assert_eq!(ssn_pid["identifier"], "6789");
    assert_eq!(ssn_pid["system_provided"], true);
    let pass = pids
        .iter()
        .find(|p| p["id_type"] == "PASSPORT_NUMBER")
        .unwrap();
    assert_eq!(pass["identifier"], "4567");
    assert_eq!(pass["system_provided"], false);
}

#[tokio::test]
async fn persons_and_customers_are_one_record() {
    let api = Api::new().await;
    let p = api.create_kyc_ready("111-22-3333").await;
    let id = p.id();
    let c = api.get(&format!("/customers/{id}")).await;
    let c = c.expect(200);
    assert_eq!(c["id"], id.as_str());
    assert_eq!(c["kyc_status"], "UNVERIFIED");
    assert!(c.get("verification_status").is_none());
    assert!(c.get("chosen_name").is_none() && c.get("is_customer").is_none());
    let addrs = c["addresses"].as_array().unwrap();
    let types: Vec<&str> = addrs
        .iter()
        .map(|a| a["address_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["LEGAL", "SHIPPING"]);
    assert_eq!(c["kyc_exempt"], false);

    // Written through /customers, read through /persons.
    api.patch(
        &format!("/customers/{id}"),
        json!({"middle_name": "Q", "status": "FROZEN"}),
    )
    .await
    .expect(200);
    let p2 = api.get(&format!("/persons/{id}")).await;
    assert_eq!(p2.body["middle_name"], "Q");
    assert_eq!(p2.body["status"], "FROZEN");
    assert!(p2.body.get("kyc_status").is_none() && p2.body.get("addresses").is_none());

    // Created through /customers, changed through /persons.
    let c2 = api
        .post(
            "/customers",
            json!({"status": "ACTIVE", "first_name": "Cus", "last_name": "Tomer"}),
        )
        .await;
    c2.expect(201);
    let cid = c2.id();
    api.patch(&format!("/persons/{cid}"), json!({"chosen_name": "Cee"}))
        .await
        .expect(200);
    let g = api.get(&format!("/persons/{cid}")).await;
    assert_eq!(g.body["chosen_name"], "Cee");
    assert_eq!(g.body["first_name"], "Cus");
}

#[tokio::test]
async fn put_customer_replaces_the_record() {
    let api = Api::new().await;
    let p = api.create_kyc_ready("111-22-3334").await;
    let id = p.id();
    let r = api
        .put(
            &format!("/customers/{id}"),
            json!({"status": "ACTIVE", "first_name": "New", "last_name": "Name"}),
        )
        .await;
    let b = r.expect(200);
    assert_eq!(b["first_name"], "New");
    assert!(b.get("email").is_none() && b.get("ssn").is_none() && b.get("legal_address").is_none());
    api.put(&format!("/customers/{id}"), json!({"first_name": "x"}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
}

#[tokio::test]
async fn validation_names_fields_and_never_values() {
    let api = Api::new().await;
    let r = api
        .post(
            "/persons",
            json!({
                "status": "ACTIVE", "is_customer": true, "first_name": "A", "last_name": "B",
                "ssn": "123456789", "phone_number": "555-1234", "dob": "1899-12-31",
                "ban_status": "BANNED",
                "legal_address": {"address_line_1": "1 Road", "country_code": "usa", "postal_code": "ABCDE"}
            }),
        )
        .await;
    let d = r.problem(400, "BAD_REQUEST_BODY");
    for f in [
        "ssn",
        "phone_number",
        "dob",
        "ban_status",
        "legal_address.country_code",
    ] {
        assert!(d.contains(f), "{f} not named in {d}");
    }
    for v in ["123456789", "555-1234", "1899-12-31", "usa"] {
        assert!(!d.contains(v), "value {v} echoed in {d}");
    }
    // `dob` is a `format: date` full-date: other spellings chrono would read are refused.
    for dob in ["+1990-1-01", " 1990-1-01", "1990- 1-01", "1990-01- 1"] {
        let r = api
            .post(
                "/persons",
                json!({"status": "PROSPECT", "is_customer": true, "dob": dob}),
            )
            .await;
        let d = r.problem(400, "BAD_REQUEST_BODY");
        assert!(d.contains("dob") && !d.contains(dob), "{dob:?}: {d}");
    }
    // Future dob, bad enum, wrong types.
    let r = api
        .post(
            "/persons",
            json!({"status": "ALIVE", "is_customer": "yes", "dob": "2999-01-01"}),
        )
        .await;
    let d = r.problem(400, "BAD_REQUEST_BODY");
    assert!(
        d.contains("status") && d.contains("is_customer") && d.contains("dob"),
        "{d}"
    );
    // Required fields.
    let d = api
        .post("/persons", json!({}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(
        d.contains("missing required fields") && d.contains("status") && d.contains("is_customer"),
        "{d}"
    );
}

#[tokio::test]
async fn names_are_required_for_every_status_but_prospect() {
    let api = Api::new().await;
    let d = api
        .post("/persons", json!({"status": "ACTIVE", "is_customer": true}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("first_name") && d.contains("last_name"), "{d}");
    let p = api
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": true}),
        )
        .await;
    let id = p.expect(201)["id"].as_str().unwrap().to_string();
    let d = api
        .patch(
            &format!("/persons/{id}"),
            json!({"status": "ACTIVE", "first_name": "Only"}),
        )
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("last_name") && !d.contains("first_name"), "{d}");
    // The failed update changed nothing.
    assert_eq!(
        api.get(&format!("/persons/{id}")).await.body["status"],
        "PROSPECT"
    );
}

#[tokio::test]
async fn address_rules_and_ca_postal_normalisation() {
    let api = Api::new().await;
    let mut b = full_person("123-45-0000");
    b["legal_address"] = json!({"address_line_1": "1 Rue", "city": "Toronto", "state": "ON", "postal_code": "m5v3l9", "country_code": "CA"});
    let r = api.post("/persons", b).await;
    assert_eq!(r.expect(201)["legal_address"]["postal_code"], "M5V 3L9");
    for (pc, cc) in [("1234", "US"), ("M5V-3L9", "CA")] {
        let mut b = full_person("123-45-0000");
        b["legal_address"] =
            json!({"address_line_1": "1 X", "postal_code": pc, "country_code": cc});
        let d = api
            .post("/persons", b)
            .await
            .problem(400, "BAD_REQUEST_BODY");
        assert!(d.contains("legal_address.postal_code"), "{d}");
    }
    let mut b = full_person("123-45-0000");
    b["legal_address"] = json!({"city": "Nowhere"});
    let d = api
        .post("/persons", b)
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(
        d.contains("legal_address.address_line_1") && d.contains("legal_address.country_code"),
        "{d}"
    );
}

#[tokio::test]
async fn shipping_address_defaults_to_legal() {
    let api = Api::new().await;
    let r = api.create_kyc_ready("123-45-1111").await;
    let b = &r.body;
    assert_eq!(b["shipping_address"]["address_line_1"], "50 Main St");
    assert_eq!(b["shipping_address"]["address_type"], "SHIPPING");
    assert_eq!(b["legal_address"]["address_type"], "LEGAL");
    assert_ne!(b["shipping_address"]["id"], b["legal_address"]["id"]);

    // Update: copies only when the record has no shipping address yet.
    let p = api.create_active("No", "Address").await;
    let id = p.id();
    let u = api
        .patch(
            &format!("/persons/{id}"),
            json!({"legal_address": address("7 First Ave")}),
        )
        .await;
    assert_eq!(
        u.expect(200)["shipping_address"]["address_line_1"],
        "7 First Ave"
    );
    let u = api
        .patch(
            &format!("/persons/{id}"),
            json!({"legal_address": address("8 Second Ave")}),
        )
        .await;
    assert_eq!(u.body["legal_address"]["address_line_1"], "8 Second Ave");
    assert_eq!(u.body["shipping_address"]["address_line_1"], "7 First Ave");
    // An explicit shipping address wins on create.
    let mut b = full_person("123-45-2222");
    b["shipping_address"] = address("99 Elm St");
    let r = api.post("/persons", b).await;
    assert_eq!(
        r.expect(201)["shipping_address"]["address_line_1"],
        "99 Elm St"
    );
}

#[tokio::test]
async fn ban_status_rules() {
    let api = Api::new().await;
    let mut b = full_person("123-45-3333");
    b["ban_status"] = json!("SUSPENDED");
    let d = api
        .post("/persons", b.clone())
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("note"), "{d}");
    b["note"] = json!("fraud suspicion");
    let r = api.post("/persons", b).await;
    assert_eq!(r.expect(201)["ban_status"], "SUSPENDED");
    assert!(r.body.get("note").is_none());
    let id = r.id();
    let d = api
        .patch(&format!("/persons/{id}"), json!({"ban_status": "ALLOWED"}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("note"), "{d}");
    api.patch(
        &format!("/persons/{id}"),
        json!({"ban_status": "ALLOWED", "note": "cleared"}),
    )
    .await
    .expect(200);
    // Setting the same status needs no note; BANNED is never settable.
    api.patch(&format!("/persons/{id}"), json!({"ban_status": "ALLOWED"}))
        .await
        .expect(200);
    let d = api
        .patch(
            &format!("/customers/{id}"),
            json!({"ban_status": "BANNED", "note": "x"}),
        )
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("ban_status"), "{d}");
}

#[tokio::test]
async fn related_customers_and_person_only_fields_are_rejected_on_customers() {
    let api = Api::new().await;
    let d = api
        .post(
            "/customers",
            json!({"status": "PROSPECT", "related_customers": [{"id": "7d943c51-e4ff-4e57-9558-08cab6b963c7", "relationship_role": "CUSTODIAN"}]}),
        )
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("related_customers"), "{d}");
    let d = api
        .post(
            "/customers",
            json!({"status": "PROSPECT", "chosen_name": "x"}),
        )
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("unknown fields: chosen_name"), "{d}");
    // personal_ids are create-only on persons.
    let p = api.create_active("A", "B").await;
    let d = api
        .patch(&format!("/persons/{}", p.id()), json!({"personal_ids": []}))
        .await
        .problem(400, "BAD_REQUEST_BODY");
    assert!(d.contains("personal_ids"), "{d}");
}

#[tokio::test]
async fn unique_customer_rule_only_with_the_flag() {
    for enforce in [false, true] {
        let api = Api::with(SandboxConfig::default().enforce_unique_customer(enforce)).await;
        api.create_kyc_ready("123-45-6789").await;
        // Same dob, last name and SSN last four (different SSN prefix).
        let r = api.post("/persons", full_person("999-88-6789")).await;
        if enforce {
            r.problem(409, "DUPLICATE_RESOURCE");
            // Also through /customers and on update.
            let mut c = full_person("999-88-6789");
            c.as_object_mut().unwrap().remove("is_customer");
            api.post("/customers", c)
                .await
                .problem(409, "DUPLICATE_RESOURCE");
            let other = api.create_kyc_ready("123-45-0001").await;
            api.patch(
                &format!("/persons/{}", other.id()),
                json!({"ssn": "555-55-6789"}),
            )
            .await
            .problem(409, "DUPLICATE_RESOURCE");
            assert_eq!(api.sb.person_count(KEY), 2);
        } else {
            r.expect(201);
        }
    }
}

#[tokio::test]
async fn unknown_ids_in_path_are_404() {
    let api = Api::new().await;
    let id = "7d943c51-e4ff-4e57-9558-08cab6b963c7";
    for path in [
        format!("/persons/{id}"),
        format!("/customers/{id}"),
        format!("/disclosures/{id}"),
        format!("/verifications/{id}"),
        "/persons/not-a-uuid".to_string(),
        "/nope".to_string(),
    ] {
        api.get(&path).await.problem(404, "RESOURCE_NOT_FOUND");
    }
    api.patch(&format!("/persons/{id}"), json!({"first_name": "x"}))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
    api.put(&format!("/customers/{id}"), json!({"status": "PROSPECT"}))
        .await
        .problem(404, "RESOURCE_NOT_FOUND");
}

/// `format: uuid` is RFC 4122's hyphenated text; the simple, URN and braced forms the `uuid`
/// crate also reads name nothing, in paths, query parameters and bodies alike.
#[tokio::test]
async fn only_hyphenated_uuids_are_ids() {
    let api = Api::new().await;
    let id = api.create_kyc_ready("123-45-6789").await.id();
    let simple = id.replace('-', "");
    let other_forms = [
        simple.clone(),
        format!("urn:uuid:{id}"),
        format!("{{{id}}}"),
    ];
    // The hyphenated form works in either case.
    api.get(&format!("/persons/{}", id.to_uppercase()))
        .await
        .expect(200);
    let l = api.get(&format!("/persons?id={}", id.to_uppercase())).await;
    assert_eq!(l.expect(200)["persons"][0]["id"], id.as_str());
    for form in &other_forms {
        let enc = form.replace('{', "%7B").replace('}', "%7D");
        for path in [
            format!("/persons/{enc}"),
            format!("/customers/{enc}"),
            format!("/disclosures/{enc}"),
            format!("/verifications/{enc}"),
        ] {
            api.get(&path).await.problem(404, "RESOURCE_NOT_FOUND");
        }
        api.patch(&format!("/persons/{enc}"), json!({"middle_name": "Q"}))
            .await
            .problem(404, "RESOURCE_NOT_FOUND");
        for (path, param) in [
            ("/persons", "id"),
            ("/customers", "id"),
            ("/disclosures", "person_id"),
            ("/disclosures", "id"),
            ("/verifications", "person_id"),
        ] {
            let d = api
                .get(&format!("{path}?{param}={enc}"))
                .await
                .problem(400, "BAD_QUERY_PARAMETER");
            assert!(d.contains(param), "{d}");
        }
        // One bad id in a list spoils the list.
        api.get(&format!("/persons?id={id},{enc}"))
            .await
            .problem(400, "BAD_QUERY_PARAMETER");
        let d = api
            .post(
                "/disclosures",
                json!({"person_id": form, "type": "REG_E", "version": "1.0", "event_type": "DISPLAYED", "disclosure_date": "2023-01-01T00:00:00Z"}),
            )
            .await
            .problem(400, "BAD_REQUEST_BODY");
        assert!(d.contains("person_id"), "{d}");
        let d = api
            .post(
                "/verifications/verify",
                json!({"customer_consent": true, "person_id": form}),
            )
            .await
            .problem(400, "BAD_REQUEST_BODY");
        assert!(d.contains("person_id"), "{d}");
    }
    assert_eq!(
        api.get("/disclosures").await.body["disclosures"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}
