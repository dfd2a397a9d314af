//! Disclosures and verifications against the in-process sandbox (loopback only): record, fetch and
//! list them, and KYC refused until a person's details exist, then reflected on the person.

use futures::TryStreamExt;
use synctera::{
    ApiErrorCode, DisclosureEventType, DisclosureType, Error, KycStatus, NewDisclosure, NewPerson,
    PersonId, PersonUpdate, VerificationResult, VerificationStatus, VerificationType,
    VerifyRequest,
};

use common::{full_details, setup};

mod common;

#[tokio::test]
async fn disclosures_create_get_list() {
    let (sandbox, client) = setup().await;
    let person = client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    let created = client
        .disclosures()
        .create(NewDisclosure::acknowledged(
            person.id,
            DisclosureType::RegDd,
            "1.0",
        ))
        .await
        .unwrap();
    assert_eq!(created.person_id, Some(person.id));
    assert_eq!(created.disclosure_type, DisclosureType::RegDd);
    assert_eq!(created.event_type, DisclosureEventType::Acknowledged);

    client
        .disclosures()
        .create(
            NewDisclosure::new(
                DisclosureType::ESign,
                "v2.1",
                DisclosureEventType::Displayed,
            )
            .person_id(person.id),
        )
        .await
        .unwrap();

    let fetched = client.disclosures().get(created.id).await.unwrap();
    assert_eq!(fetched, created);

    let listed: Vec<_> = client
        .disclosures()
        .list()
        .person_id(person.id)
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    let by_id = client
        .disclosures()
        .list()
        .id(created.id)
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.items, vec![created]);

    // A disclosure for a person that does not exist.
    let ghost = PersonId::from(uuid::Uuid::new_v4());
    let err = client
        .disclosures()
        .create(NewDisclosure::acknowledged(
            ghost,
            DisclosureType::RegE,
            "1.0",
        ))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.code(), Some(&ApiErrorCode::CustomerNotFound));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn verifications_verify_get_list() {
    let (sandbox, client) = setup().await;
    let person = client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();

    // KYC before the details exist is refused by the server.
    let err = client
        .verifications()
        .verify(VerifyRequest::person(person.id).customer_consent(true))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Api {
                status: 400..=499,
                ..
            }
        ),
        "{err}"
    );

    client
        .persons()
        .update(
            person.id,
            full_details(PersonUpdate::activate("Anne", "Baker")),
        )
        .await
        .unwrap();
    let kyc = client
        .verifications()
        .verify(
            VerifyRequest::person(person.id)
                .customer_consent(true)
                .customer_ip_address("192.0.2.10".parse().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(kyc.verification_status, VerificationStatus::Accepted);
    assert!(!kyc.verifications.is_empty());
    let identity = kyc
        .verifications
        .iter()
        .find(|v| v.verification_type == VerificationType::Identity)
        .expect("an IDENTITY verification");
    assert_eq!(identity.result, VerificationResult::Accepted);

    let fetched = client.verifications().get(identity.id).await.unwrap();
    assert_eq!(fetched.id, identity.id);

    let listed: Vec<_> = client
        .verifications()
        .list()
        .person_id(person.id)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), kyc.verifications.len());
    let only_identity = client
        .verifications()
        .list()
        .person_id(person.id)
        .verification_type(VerificationType::Identity)
        .result(VerificationResult::Accepted)
        .include_history(true)
        .send()
        .await
        .unwrap();
    assert_eq!(only_identity.items.len(), 1);

    let after = client.persons().get(person.id).await.unwrap();
    assert_eq!(after.verification_status, VerificationStatus::Accepted);
    assert!(after.verification_last_run.is_some());
    let customer = client.customers().get(person.id).await.unwrap();
    assert_eq!(customer.kyc_status, KycStatus::Accepted);
    assert_eq!(customer.kyc_last_run, after.verification_last_run);
    sandbox.shutdown().await;
}
