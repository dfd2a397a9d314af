//! The receiving side of webhooks as a receiver uses it: what `WebhookVerifier` refuses and
//! accepts (rotation included), that only a verified body is parsed, and that nothing it prints
//! carries the secret, a signature, the body or PII.
#![cfg(feature = "webhooks")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use serde_json::json;
use synctera::webhooks::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use synctera::{EventType, VerifyError, WebhookSecret, WebhookVerifier};

const SENT: u64 = 1_714_564_800;
const OLD_SECRET: &str = "OLDSECRETMARKER-0123456789abcdef0123456789abcdef0123456789abcdef";
const NEW_SECRET: &str = "NEWSECRETMARKER-fedcba9876543210fedcba9876543210fedcba9876543210";

fn old() -> WebhookSecret {
    OLD_SECRET.parse().unwrap()
}

fn new() -> WebhookSecret {
    NEW_SECRET.parse().unwrap()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A verifier holding `secrets`, whose clock reads `SENT + 5 s`.
fn verifier(secrets: &[WebhookSecret]) -> WebhookVerifier {
    let (first, rest) = secrets.split_first().unwrap();
    rest.iter()
        .fold(WebhookVerifier::new(first.clone()), |v, s| {
            v.with_secret(s.clone())
        })
        .with_clock(|| at(SENT + 5))
}

/// A person event as the sandbox delivers it, with PII markers in the person and in the prior
/// values.
fn body() -> Vec<u8> {
    let person = json!({
        "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
        "status": "ACTIVE",
        "ban_status": "ALLOWED",
        "is_customer": true,
        "verification_status": "REVIEW",
        "tenant": "tenant_1",
        "creation_time": "2024-05-01T11:00:00Z",
        "last_updated_time": "2024-05-01T12:00:00Z",
        "first_name": "Piimarker",
        "last_name": "Piimarker",
        "email": "piimarker@example.com",
        "phone_number": "+12124567890",
        "dob": "1987-06-05",
        "ssn": "6789",
        "legal_address": {
            "address_line_1": "50 Piimarker St",
            "city": "New York",
            "state": "NY",
            "postal_code": "12345",
            "country_code": "US"
        }
    });
    serde_json::to_vec(&json!({
        "id": "0a0c3c2e-5b7e-4b6a-9d8e-1f2a3b4c5d6e",
        "type": "PERSON.UPDATED",
        "event_time": "2024-05-01T12:00:00Z",
        "webhook_id": "6f1d2c3b-4a59-4e68-8d7c-0b1a2c3d4e5f",
        "resource_id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
        "url": "http://127.0.0.1:9000/hooks",
        "metadata": "",
        "event_resource": person.to_string(),
        "event_resource_changed_fields": json!({"email": "oldpiimarker@example.com"}).to_string(),
    }))
    .unwrap()
}

fn ts() -> String {
    SENT.to_string()
}

#[test]
fn sign_output_verifies_and_reads_the_event() {
    let body = body();
    let signature = webhooks::sign([&old()], &ts(), &body);
    assert_eq!(signature.len(), 64);
    assert!(
        signature
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    );
    let event = verifier(&[old()]).verify(&body, &ts(), &signature).unwrap();
    assert_eq!(event.event_type, EventType::PersonUpdated);
    assert_eq!(
        event.person().unwrap().id.to_string(),
        "7d943c51-e4ff-4e57-9558-08cab6b963c7"
    );
}

#[test]
fn sign_is_hmac_sha256_over_timestamp_dot_body() {
    let secret: WebhookSecret = "k".repeat(64).parse().unwrap();
    let signature = webhooks::sign([&secret], "1", b"x");
    // Computed independently with Python's standard library: hmac.new(b"k" * 64, b"1.x", sha256).
    assert_eq!(
        signature,
        "7a140550d3ae49afd46357675c1924bdb062879604472370350bf0a3598a593f"
    );
}

#[test]
fn each_tampering_is_refused_with_the_check_that_failed() {
    let body = body();
    let signature = webhooks::sign([&old()], &ts(), &body);
    let v = verifier(&[old()]);

    let mut changed = body.clone();
    changed[10] ^= 1;
    let no_match = VerifyError::NoMatchingSignature {
        signatures: 1,
        secrets: 1,
    };
    assert_eq!(v.verify(&changed, &ts(), &signature).unwrap_err(), no_match);
    let next_second = (SENT + 1).to_string();
    assert_eq!(
        v.verify(&body, &next_second, &signature).unwrap_err(),
        no_match
    );
    assert_eq!(
        verifier(&[new()])
            .verify(&body, &ts(), &signature)
            .unwrap_err(),
        no_match
    );

    let late = v.clone().with_clock(|| at(SENT + 301));
    assert!(matches!(
        late.verify(&body, &ts(), &signature),
        Err(VerifyError::TimestampTooOld { age, .. }) if age == Duration::from_secs(301)
    ));
    let early = v.clone().with_clock(|| at(SENT - 301));
    assert!(matches!(
        early.verify(&body, &ts(), &signature),
        Err(VerifyError::TimestampInFuture { ahead, .. }) if ahead == Duration::from_secs(301)
    ));

    let missing = |header| VerifyError::MissingHeader { header };
    assert_eq!(
        v.verify(&body, "", &signature).unwrap_err(),
        missing(TIMESTAMP_HEADER)
    );
    assert_eq!(
        v.verify(&body, &ts(), "").unwrap_err(),
        missing(SIGNATURE_HEADER)
    );
    let empty = http::HeaderMap::new();
    assert_eq!(
        v.verify_headers(&empty, &body).unwrap_err(),
        missing(TIMESTAMP_HEADER)
    );

    let malformed = |signature: &str| match v.verify(&body, &ts(), signature) {
        Err(VerifyError::MalformedHeader { header, reason }) if header == SIGNATURE_HEADER => {
            reason
        }
        other => panic!("{other:?}"),
    };
    let length = "a signature is not 64 hex digits long";
    assert_eq!(malformed(&signature[..63]), length);
    assert_eq!(malformed(&format!("{signature}0")), length);
    assert_eq!(malformed(&format!("{signature}.")), length);
    assert_eq!(malformed(&format!("sha256={signature}")), length);
    assert_eq!(malformed(&"g".repeat(64)), "a signature is not hexadecimal");
    assert!(matches!(
        v.verify(&body, "yesterday", &signature),
        Err(VerifyError::MalformedHeader {
            header: TIMESTAMP_HEADER,
            ..
        })
    ));
}

#[test]
fn each_secret_of_a_rolling_rotation_is_accepted() {
    let body = body();
    // During the rotation the sender signs with both secrets.
    let both = webhooks::sign([&new(), &old()], &ts(), &body);
    assert_eq!(both.split('.').count(), 2);
    for held in [
        vec![old()],
        vec![new()],
        vec![old(), new()],
        vec![new(), old()],
    ] {
        assert!(
            verifier(&held).verify(&body, &ts(), &both).is_ok(),
            "{held:?}"
        );
    }
    // After it, only the new secret signs: a receiver still holding only the old one refuses.
    let after = webhooks::sign([&new()], &ts(), &body);
    assert!(
        verifier(&[old(), new()])
            .verify(&body, &ts(), &after)
            .is_ok()
    );
    assert_eq!(
        verifier(&[old()]).verify(&body, &ts(), &after).unwrap_err(),
        VerifyError::NoMatchingSignature {
            signatures: 1,
            secrets: 1
        }
    );
}

#[test]
fn a_correctly_signed_body_that_is_not_an_event_is_refused_only_after_the_signature() {
    let v = verifier(&[old()]);
    for body in [&b"not json at all"[..], b"[]", b"{\"id\": 5}", b"{}"] {
        // Unsigned: refused for the signature, not for the body.
        let forged = webhooks::sign([&new()], &ts(), body);
        assert!(matches!(
            v.verify(body, &ts(), &forged),
            Err(VerifyError::NoMatchingSignature { .. })
        ));
        let signed = webhooks::sign([&old()], &ts(), body);
        assert_eq!(v.verify_signature(body, &ts(), &signed), Ok(()));
        assert!(
            matches!(
                v.verify(body, &ts(), &signed),
                Err(VerifyError::NotAnEvent { .. })
            ),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn nothing_printed_carries_the_secret_a_signature_the_body_or_pii() {
    let body = body();
    let signature = webhooks::sign([&old(), &new()], &ts(), &body);
    let v = verifier(&[old(), new()]);
    let event = v.verify(&body, &ts(), &signature).unwrap();

    let mut tampered = body.clone();
    tampered[20] ^= 1;
    let errors = [
        v.verify(&tampered, &ts(), &signature).unwrap_err(),
        v.verify(&body, "", &signature).unwrap_err(),
        v.verify(&body, &ts(), &signature[..100]).unwrap_err(),
        v.clone()
            .with_clock(|| at(SENT + 999))
            .verify(&body, &ts(), &signature)
            .unwrap_err(),
        v.clone()
            .with_clock(|| at(SENT - 999))
            .verify(&body, &ts(), &signature)
            .unwrap_err(),
    ];
    let short_secret = WebhookSecret::parse(&OLD_SECRET[1..]).unwrap_err();
    let not_an_event = {
        let pii = br#"{"id": "Piimarker", "ssn": "123-45-6789"}"#;
        v.verify(pii, &ts(), &webhooks::sign([&old()], &ts(), pii))
            .unwrap_err()
    };

    let mut shown = vec![
        format!("{:?} {} {:#?}", old(), old(), new()),
        format!("{v:?} {v:#?}"),
        format!("{event:?} {event:#?}"),
        format!("{not_an_event} {not_an_event:?}"),
        format!("{short_secret} {short_secret:?}"),
    ];
    shown.extend(errors.iter().map(|e| format!("{e} {e:?}")));
    let body_text = String::from_utf8(body).unwrap();
    for text in &shown {
        for planted in [
            "SECRETMARKER",
            "iimarker",
            "123-45-6789",
            "1987",
            &signature[..16],
        ] {
            assert!(!text.contains(planted), "{planted} in {text}");
        }
        assert!(!text.contains(&body_text[..40]), "{text}");
        assert!(!text.contains(&signature[65..81]), "{text}");
    }
}

fn arbitrary_header() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,200}",
        "[0-9a-fA-F.]{0,140}",
        proptest::collection::vec("[0-9a-f]{64}", 1..4).prop_map(|s| s.join(".")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random header values and bodies never panic and never verify.
    #[test]
    fn random_deliveries_never_panic_and_never_verify(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        timestamp in prop_oneof!["[0-9]{1,20}", ".{0,30}", Just(SENT.to_string())],
        signature in arbitrary_header(),
    ) {
        let v = verifier(&[old(), new()]);
        prop_assert!(v.verify(&body, &timestamp, &signature).is_err());
        let mut headers = http::HeaderMap::new();
        if let (Ok(t), Ok(s)) = (timestamp.parse(), signature.parse()) {
            headers.insert(TIMESTAMP_HEADER, t);
            headers.insert(SIGNATURE_HEADER, s);
        }
        prop_assert!(v.verify_headers(&headers, &body).is_err());
    }

    /// A signed delivery with any one byte of its body changed never verifies.
    #[test]
    fn any_changed_byte_is_refused(
        body in proptest::collection::vec(any::<u8>(), 1..256),
        index in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let v = verifier(&[old()]);
        let signature = webhooks::sign([&old()], &ts(), &body);
        prop_assert!(v.verify_signature(&body, &ts(), &signature).is_ok());
        let mut changed = body.clone();
        changed[index.index(body.len())] ^= flip;
        prop_assert_eq!(
            v.verify_signature(&changed, &ts(), &signature),
            Err(VerifyError::NoMatchingSignature { signatures: 1, secrets: 1 })
        );
    }
}
