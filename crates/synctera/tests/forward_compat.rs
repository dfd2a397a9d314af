//! A value Synctera adds to an enum tomorrow (a new status, a new disclosure type, a new
//! verification result) must not break reading a record: it reaches the caller as the facade
//! enum's `Unknown("…")`, verbatim. These tests answer real HTTP requests from a loopback server
//! with such values and go through the whole stack (reqwest, the generated client, the facade).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use synctera::Client;
use synctera::addresses::AddressType;
use synctera::customers::KycStatus;
use synctera::disclosures::{DisclosureEventType, DisclosureType};
use synctera::ids::{CustomerId, DisclosureId, PersonId, VerificationId};
use synctera::persons::{BanStatus, PersonStatus, PersonalIdType, SsnSource};
use synctera::verifications::{
    VerificationDetailResult, VerificationResult, VerificationType, VerifyRequest,
};
use synctera::{VerificationStatus, retry::RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ID: &str = "3f1c2a9e-5b7d-4e8a-9c61-2d4f8b0a7e13";

/// A loopback HTTP/1.1 server answering each request with the next status line and JSON body.
async fn serve(answers: Vec<(&'static str, Value)>) -> Client {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let queue = Arc::new(Mutex::new(VecDeque::from(answers)));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Headers, then as much body as Content-Length announces.
            loop {
                if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let (status, body) = queue.lock().unwrap().pop_front().expect("no answer left");
            let body = body.to_string();
            let answer = format!(
                "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    Client::builder()
        .api_key("forward-compat-test-key")
        .base_url(format!("http://{addr}/v0"))
        .retry_policy(RetryPolicy::default().max_attempts(1))
        .build()
        .unwrap()
}

fn address(kind: &str) -> Value {
    json!({"address_type": kind, "address_line_1": "50 Main St", "country_code": "XKX"})
}

fn person_with_new_values() -> Value {
    json!({
        "id": ID, "is_customer": true, "tenant": "acme_sandbox",
        "creation_time": "2026-11-21T10:00:00Z", "last_updated_time": "2026-11-21T10:00:00Z",
        "status": "PENDING_REVIEW",
        "ban_status": "QUARANTINED",
        "verification_status": "ESCALATED",
        "ssn_source": "CREDIT_BUREAU",
        "legal_address": address("MAILING"),
        "personal_ids": [{"id_type": "RESIDENCE_PERMIT", "identifier": "R1234567",
                          "country_code": "XKX"}]
    })
}

fn verification_with_new_values() -> Value {
    json!({
        "id": ID, "person_id": ID,
        "verification_type": "BIOMETRIC", "result": "ESCALATED",
        "verification_time": "2026-11-21T10:00:00Z",
        "details": [{"result": "INCONCLUSIVE", "category": "face"}]
    })
}

#[tokio::test]
async fn new_person_enum_values_surface_as_unknown() {
    let client = serve(vec![
        ("200 OK", person_with_new_values()),
        ("200 OK", json!({"persons": [person_with_new_values()]})),
    ])
    .await;

    let person = client
        .persons()
        .get(ID.parse::<PersonId>().unwrap())
        .await
        .expect("a response with new enum values still decodes");
    assert_eq!(
        person.status,
        PersonStatus::Unknown("PENDING_REVIEW".into())
    );
    assert_eq!(person.ban_status, BanStatus::Unknown("QUARANTINED".into()));
    assert_eq!(
        person.verification_status,
        VerificationStatus::Unknown("ESCALATED".into())
    );
    assert_eq!(
        person.ssn_source,
        Some(SsnSource::Unknown("CREDIT_BUREAU".into()))
    );
    let legal = person.legal_address.as_ref().unwrap();
    assert_eq!(
        legal.address_type,
        Some(AddressType::Unknown("MAILING".into()))
    );
    // A country code the spec's pattern would refuse (three letters) is kept as sent.
    assert_eq!(legal.country_code, "XKX");
    assert_eq!(
        person.personal_ids[0].id_type,
        PersonalIdType::Unknown("RESIDENCE_PERMIT".into())
    );
    // Known values still map onto their variants.
    assert_eq!(person.status.as_str(), "PENDING_REVIEW");

    let page = client.persons().list().send().await.expect("list decodes");
    assert_eq!(
        page.items[0].status,
        PersonStatus::Unknown("PENDING_REVIEW".into())
    );
}

#[tokio::test]
async fn a_new_kyc_status_surfaces_as_unknown() {
    let client = serve(vec![(
        "200 OK",
        json!({
            "id": ID, "tenant": "acme_sandbox",
            "creation_time": "2026-11-21T10:00:00Z", "last_updated_time": "2026-11-21T10:00:00Z",
            "status": "ACTIVE", "ban_status": "ALLOWED", "kyc_status": "PENDING_DOCUMENTS"
        }),
    )])
    .await;

    let customer = client
        .customers()
        .get(ID.parse::<CustomerId>().unwrap())
        .await
        .expect("a response with a new kyc_status still decodes");
    assert_eq!(
        customer.kyc_status,
        KycStatus::Unknown("PENDING_DOCUMENTS".into())
    );
    assert_eq!(customer.status, PersonStatus::Active);
    assert_eq!(customer.ban_status, BanStatus::Allowed);
}

#[tokio::test]
async fn new_disclosure_type_and_event_surface_as_unknown() {
    let client = serve(vec![(
        "200 OK",
        json!({
            "id": ID, "person_id": ID,
            "type": "REG_Z", "event_type": "SIGNED", "version": "2026-11",
            "disclosure_date": "2026-11-21T10:00:00Z",
            "creation_time": "2026-11-21T10:00:00Z", "last_updated_time": "2026-11-21T10:00:00Z"
        }),
    )])
    .await;

    let disclosure = client
        .disclosures()
        .get(ID.parse::<DisclosureId>().unwrap())
        .await
        .expect("a response with a new disclosure type still decodes");
    assert_eq!(
        disclosure.disclosure_type,
        DisclosureType::Unknown("REG_Z".into())
    );
    assert_eq!(
        disclosure.event_type,
        DisclosureEventType::Unknown("SIGNED".into())
    );
    // A version outside the spec's `major.minor` pattern is kept as sent.
    assert_eq!(disclosure.version, "2026-11");
}

#[tokio::test]
async fn new_verification_values_surface_as_unknown() {
    let client = serve(vec![
        ("200 OK", verification_with_new_values()),
        (
            "201 Created",
            json!({"verification_status": "ESCALATED",
                   "verifications": [verification_with_new_values()]}),
        ),
    ])
    .await;

    let verification = client
        .verifications()
        .get(ID.parse::<VerificationId>().unwrap())
        .await
        .expect("a response with a new verification result still decodes");
    assert_eq!(
        verification.result,
        VerificationResult::Unknown("ESCALATED".into())
    );
    assert_eq!(
        verification.verification_type,
        VerificationType::Unknown("BIOMETRIC".into())
    );
    assert_eq!(
        verification.details[0].result,
        Some(VerificationDetailResult::Unknown("INCONCLUSIVE".into()))
    );

    let response = client
        .verifications()
        .verify(VerifyRequest::person(ID.parse::<PersonId>().unwrap()).customer_consent(true))
        .await
        .expect("a verify response with new values still decodes");
    assert_eq!(
        response.verification_status,
        VerificationStatus::Unknown("ESCALATED".into())
    );
    assert_eq!(
        response.verifications[0].result,
        VerificationResult::Unknown("ESCALATED".into())
    );
}

/// The types a response's fields have, and those a custom retry classifier implements, are
/// named at the crate root like the rest (`synctera::AddressType`, not only
/// `synctera::addresses::AddressType`).
#[test]
fn the_types_a_user_names_are_at_the_root() {
    fn named<T>() -> Option<T> {
        None
    }
    let _ = named::<synctera::AddressType>();
    let _ = named::<synctera::AddressLine>();
    let _ = named::<synctera::AddressId>();
    let _ = named::<synctera::PersonalId>();
    let _ = named::<synctera::PersonalIdId>();
    let _ = named::<synctera::IdentifierLast4>();
    let _ = named::<synctera::RelatedCustomer>();
    let _ = named::<synctera::CallInfo>();
    let _ = named::<synctera::RetryDecision>();
    let classifier: &dyn synctera::RetryClassifier = &synctera::DefaultClassifier;
    let _ = classifier;
}
