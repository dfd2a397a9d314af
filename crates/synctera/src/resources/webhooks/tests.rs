//! Reading verified deliveries into events, the time window's edges and the header map.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::*;
use crate::values::statuses::VerificationStatus;

const SENT: u64 = 1_714_564_800;

fn secret(fill: char) -> WebhookSecret {
    WebhookSecret::parse(&fill.to_string().repeat(64)).unwrap()
}

fn verifier_at(offset_secs: i64) -> WebhookVerifier {
    let now = UNIX_EPOCH + Duration::from_secs(SENT.checked_add_signed(offset_secs).unwrap());
    WebhookVerifier::new(secret('a')).with_clock(move || now)
}

/// A delivery body of `event_type` carrying `resource` (as the JSON string the API sends) and
/// `changed` as the changed fields' prior values.
fn delivery(event_type: &str, resource: serde_json::Value, changed: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": "0a0c3c2e-5b7e-4b6a-9d8e-1f2a3b4c5d6e",
        "type": event_type,
        "event_time": "2024-05-01T12:00:00Z",
        "webhook_id": "6f1d2c3b-4a59-4e68-8d7c-0b1a2c3d4e5f",
        "resource_id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
        "url": "https://example.com/hooks?token=URLTOKEN",
        "metadata": "METADATA-MARKER",
        "event_resource": resource.to_string(),
        "event_resource_changed_fields": changed.to_string(),
        // Deprecated on the delivery body: accepted and ignored.
        "status": "RUNNING",
        "response_history": [],
        "a_field_added_later": {"x": 1},
    }))
    .unwrap()
}

fn person_json() -> serde_json::Value {
    json!({
        "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
        "status": "ACTIVE",
        "ban_status": "ALLOWED",
        "is_customer": true,
        "verification_status": "ACCEPTED",
        "tenant": "tenant_1",
        "creation_time": "2024-05-01T11:00:00Z",
        "last_updated_time": "2024-05-01T12:00:00Z",
        "first_name": "Annemarker",
        "last_name": "Bakermarker",
        "email": "anne.marker@example.com",
        "phone_number": "+12124567890",
        "dob": "1987-06-05",
        "ssn": "6789",
    })
}

fn read(body: &[u8]) -> Result<Event, VerifyError> {
    let timestamp = SENT.to_string();
    verifier_at(0).verify(body, &timestamp, &sign([&secret('a')], &timestamp, body))
}

#[test]
fn a_person_event_carries_the_sdk_person_and_the_prior_values() {
    let body = delivery(
        "PERSON.UPDATED",
        person_json(),
        json!({"email": "old.marker@example.com", "ssn": "4321"}),
    );
    let event = read(&body).unwrap();
    assert_eq!(event.event_type, EventType::PersonUpdated);
    assert_eq!(event.id.to_string(), "0a0c3c2e-5b7e-4b6a-9d8e-1f2a3b4c5d6e");
    let person = event.person().expect("a person");
    assert_eq!(
        person.id.to_string(),
        "7d943c51-e4ff-4e57-9558-08cab6b963c7"
    );
    assert_eq!(person.verification_status, VerificationStatus::Accepted);
    assert_eq!(
        person.email.as_ref().unwrap().expose(),
        "anne.marker@example.com"
    );
    assert!(event.customer().is_none());
    let changed = &event.changed_fields;
    assert_eq!(changed.names().collect::<Vec<_>>(), ["email", "ssn"]);
    assert_eq!(changed.prior_value("ssn"), Some(&json!("4321")));
    assert!(!changed.contains("first_name"));
    assert_eq!(event.metadata.as_deref(), Some("METADATA-MARKER"));

    // The person's own SSN shows as its last four, as in every answer; the old one not at all.
    let shown = format!("{event:?}");
    for planted in ["marker", "Marker", "MARKER", "4321", "URLTOKEN", "1987"] {
        assert!(!shown.contains(planted), "{planted} in {shown}");
    }
    assert!(shown.contains("PERSON.UPDATED") || shown.contains("PersonUpdated"));
    assert!(
        shown.contains("\"email\"") && shown.contains("\"ssn\""),
        "{shown}"
    );
}

#[test]
fn a_customer_event_carries_the_sdk_customer() {
    let mut customer = person_json();
    let fields = customer.as_object_mut().unwrap();
    fields.remove("verification_status");
    fields.remove("is_customer");
    fields.insert("kyc_status".into(), json!("REVIEW"));
    let event = read(&delivery(
        "CUSTOMER.KYC_OUTCOME.UPDATED",
        customer,
        json!({}),
    ))
    .unwrap();
    let customer = event.customer().expect("a customer");
    assert_eq!(
        customer.kyc_status,
        crate::resources::customers::KycStatus::Review
    );
    assert!(event.changed_fields.is_empty());
    assert!(!format!("{event:?}").contains("marker"));
}

#[test]
fn a_resource_the_sdk_does_not_model_stays_json() {
    let account = json!({"id": "acc_1", "account_number": "ACCTMARKER"});
    let event = read(&delivery("ACCOUNT.CREATED", account.clone(), json!(null))).unwrap();
    assert_eq!(event.resource, Some(EventResource::Other(account.clone())));
    let shown = format!("{event:?}");
    assert!(
        shown.contains("account_number") && !shown.contains("ACCTMARKER"),
        "{shown}"
    );

    // A type this SDK version does not know, even in the person family: its shape is unknown.
    let event = read(&delivery("PERSON.ARCHIVED", account.clone(), json!({}))).unwrap();
    assert_eq!(
        event.event_type,
        EventType::Unknown("PERSON.ARCHIVED".into())
    );
    assert_eq!(event.resource, Some(EventResource::Other(account)));
}

#[test]
fn a_delivery_without_a_resource_reads() {
    let body = json!({
        "id": "0a0c3c2e-5b7e-4b6a-9d8e-1f2a3b4c5d6e",
        "type": "CARD.CREATED",
        "event_time": "2024-05-01T12:00:00Z",
        "webhook_id": "6f1d2c3b-4a59-4e68-8d7c-0b1a2c3d4e5f",
        "event_resource": "",
    });
    let event = read(body.to_string().as_bytes()).unwrap();
    assert_eq!(event.resource, None);
    assert_eq!((event.resource_id, event.url), (None, None));
}

#[test]
fn a_missing_required_field_is_named() {
    for field in ["id", "type", "event_time", "webhook_id"] {
        let mut body: serde_json::Value =
            serde_json::from_slice(&delivery("ACCOUNT.CREATED", json!({}), json!({}))).unwrap();
        body.as_object_mut().unwrap().remove(field);
        let err = read(body.to_string().as_bytes()).unwrap_err();
        assert_eq!(
            err,
            VerifyError::NotAnEvent {
                field: Some(field),
                reason: "is missing",
                position: None
            }
        );
    }
}

#[test]
fn a_person_event_whose_resource_is_not_a_whole_person_arrives_as_json() {
    // The spec's own example delivery carries a partial person; its event is still readable.
    let mut partial = person_json();
    partial["id"] = json!("SECRET-ID-MARKER");
    partial.as_object_mut().unwrap().remove("tenant");
    let event = read(&delivery("PERSON.CREATED", partial.clone(), json!({}))).unwrap();
    assert_eq!(event.resource, Some(EventResource::Other(partial)));
    assert!(event.person().is_none());
    assert!(!format!("{event:?}").contains("MARKER"), "{event:?}");

    let mut body: serde_json::Value =
        serde_json::from_slice(&delivery("PERSON.CREATED", json!({}), json!({}))).unwrap();
    body["event_resource"] = json!("{not json SECRET-MARKER");
    let err = read(body.to_string().as_bytes()).unwrap_err();
    let VerifyError::NotAnEvent { field, reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*field, *reason), (Some("event_resource"), "is not JSON"));
    assert!(!format!("{err} {err:?}").contains("MARKER"));

    let err = read(&delivery("ACCOUNT.CREATED", json!({}), json!(["x"]))).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::NotAnEvent {
                field: Some("event_resource_changed_fields"),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_wrong_type_gives_a_position_and_never_the_value() {
    let mut body: serde_json::Value =
        serde_json::from_slice(&delivery("ACCOUNT.CREATED", json!({}), json!({}))).unwrap();
    body["id"] = json!("VALUE-MARKER");
    let err = read(body.to_string().as_bytes()).unwrap_err();
    let VerifyError::NotAnEvent {
        field: None,
        position: Some(_),
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(!format!("{err} {err:?}").contains("MARKER"));

    let err = read(b"{\"id\": VALUE-MARKER").unwrap_err();
    assert!(
        err.to_string()
            .ends_with("the body is not JSON (line 1, column 8)"),
        "{err}"
    );
}

#[test]
fn the_window_is_inclusive_and_both_ways() {
    let body = b"{}";
    let ts = SENT.to_string();
    let sig = sign([&secret('a')], &ts, body);
    let check = |offset| verifier_at(offset).verify_signature(body, &ts, &sig);
    assert_eq!(check(300), Ok(()));
    assert_eq!(check(-300), Ok(()));
    let (five_min, and_one) = (Duration::from_secs(300), Duration::from_secs(301));
    assert_eq!(
        check(301),
        Err(VerifyError::TimestampTooOld {
            age: and_one,
            tolerance: five_min
        })
    );
    assert_eq!(
        check(-301),
        Err(VerifyError::TimestampInFuture {
            ahead: and_one,
            tolerance: five_min
        })
    );
    let strict = verifier_at(2).with_tolerance(Duration::from_secs(1));
    assert!(matches!(
        strict.verify_signature(body, &ts, &sig),
        Err(VerifyError::TimestampTooOld { .. })
    ));
    // The system clock, by default: a timestamp of now passes.
    let now = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let now = now.to_string();
    let sig = sign([&secret('a')], &now, body);
    assert_eq!(
        WebhookVerifier::new(secret('a')).verify_signature(body, &now, &sig),
        Ok(())
    );
}

#[test]
fn the_header_map_is_read_case_insensitively_and_once() {
    let body = delivery("ACCOUNT.CREATED", json!({}), json!({}));
    let ts = SENT.to_string();
    let mut headers = http::HeaderMap::new();
    headers.insert("request-timestamp", ts.parse().unwrap());
    headers.insert(
        "SYNCTERA-SIGNATURE",
        sign([&secret('a')], &ts, &body).parse().unwrap(),
    );
    assert!(verifier_at(0).verify_headers(&headers, &body).is_ok());

    let mut twice = headers.clone();
    twice.append(TIMESTAMP_HEADER, ts.parse().unwrap());
    assert_eq!(
        verifier_at(0).verify_headers(&twice, &body).unwrap_err(),
        VerifyError::MalformedHeader {
            header: TIMESTAMP_HEADER,
            reason: "appears more than once"
        }
    );

    let mut opaque = headers.clone();
    opaque.insert(
        SIGNATURE_HEADER,
        http::HeaderValue::from_bytes(b"\xff").unwrap(),
    );
    assert!(matches!(
        verifier_at(0).verify_headers(&opaque, &body),
        Err(VerifyError::MalformedHeader {
            header: SIGNATURE_HEADER,
            ..
        })
    ));

    for name in [TIMESTAMP_HEADER, SIGNATURE_HEADER] {
        let mut without = headers.clone();
        without.remove(name);
        assert_eq!(
            verifier_at(0).verify_headers(&without, &body).unwrap_err(),
            VerifyError::MissingHeader { header: name }
        );
    }
}

#[test]
fn upper_case_hex_is_the_same_signature() {
    let ts = SENT.to_string();
    let sig = sign([&secret('a')], &ts, b"{}").to_uppercase();
    assert_eq!(verifier_at(0).verify_signature(b"{}", &ts, &sig), Ok(()));
}

#[test]
fn a_leading_plus_or_an_overflowing_timestamp_is_malformed() {
    for ts in [
        "+1714564800",
        "17145648000000000000000",
        " 1714564800",
        "-5",
        "1.5",
    ] {
        let sig = sign([&secret('a')], ts, b"{}");
        assert!(
            matches!(
                verifier_at(0).verify_signature(b"{}", ts, &sig),
                Err(VerifyError::MalformedHeader {
                    header: TIMESTAMP_HEADER,
                    ..
                })
            ),
            "{ts}"
        );
    }
}
