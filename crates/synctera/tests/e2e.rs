//! Every resource method against the in-process sandbox (loopback only).

use futures::TryStreamExt;
use synctera::retry::RetryPolicy;
use synctera::{AddressInput, PersonSortKey, SsnLast4};
use synctera::{
    ApiErrorCode, BanStatus, BanStatusInput, Client, CustomerId, CustomerPatch, CustomerReplace,
    DisclosureEventType, DisclosureType, Error, KycStatus, NewCustomer, NewDisclosure, NewPerson,
    PersonId, PersonStatus, PersonUpdate, VerificationResult, VerificationStatus, VerificationType,
    VerifyRequest,
};
use synctera_sandbox::{Fault, Sandbox};

async fn setup() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let client = Client::builder()
        .api_key("e2e-test-key")
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    (sandbox, client)
}

fn full_details(update: PersonUpdate) -> PersonUpdate {
    update
        .dob("2000-01-01")
        .email("anne.baker@example.com")
        .phone_number("+12124567890")
        .ssn("123-45-6789")
        .legal_address(AddressInput::us("50 Main St", "New York", "NY", "12345"))
}

#[tokio::test]
async fn persons_create_get_update() {
    let (sandbox, client) = setup().await;
    let persons = client.persons();

    let created = persons
        .create(NewPerson::prospect().email("anne.baker@example.com"))
        .await
        .unwrap();
    assert_eq!(created.status, PersonStatus::Prospect);
    assert_eq!(created.verification_status, VerificationStatus::Unverified);
    assert!(created.is_customer);
    assert_eq!(
        created.email.as_ref().unwrap().expose(),
        "anne.baker@example.com"
    );

    let fetched = persons.get(created.id).await.unwrap();
    assert_eq!(fetched, created);

    let updated = persons
        .update(
            created.id,
            full_details(PersonUpdate::activate("Anne", "Baker").chosen_name("Annie")),
        )
        .await
        .unwrap();
    assert_eq!(updated.status, PersonStatus::Active);
    assert_eq!(updated.first_name.as_deref(), Some("Anne"));
    assert_eq!(updated.display_name(), Some("Annie"));
    assert_eq!(
        updated.ssn.as_ref().unwrap().as_str(),
        "6789",
        "responses carry the last four"
    );
    assert_eq!(updated.dob.unwrap().expose().to_string(), "2000-01-01");
    // No shipping address was given: the API copies the legal one.
    let shipping = updated
        .shipping_address
        .as_ref()
        .expect("copied shipping address");
    assert_eq!(shipping.address_line_1.expose(), "50 Main St");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn active_create_with_everything() {
    let (sandbox, client) = setup().await;
    let person = client
        .persons()
        .create(
            NewPerson::active("Jane", "Smith")
                .middle_name("Q")
                .dob("1990-05-06")
                .ssn("987-65-4321")
                .phone_number("+14374570680")
                .legal_address(
                    AddressInput::new("1 Rue Sainte", "CA")
                        .city("Montreal")
                        .state("QC")
                        .postal_code("H2X1Y4"),
                )
                .ban_status(BanStatusInput::Suspended)
                .note("manual fraud review")
                .is_customer(false),
        )
        .await
        .unwrap();
    assert_eq!(person.status, PersonStatus::Active);
    assert!(!person.is_customer);
    assert_eq!(person.ban_status, synctera::BanStatus::Suspended);
    let legal = person.legal_address.unwrap();
    assert_eq!(
        legal.postal_code.as_deref(),
        Some("H2X 1Y4"),
        "normalised before sending"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn persons_list_filters_and_pagination() {
    let (sandbox, client) = setup().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let p = client
            .persons()
            .create(
                NewPerson::active(format!("First{i}"), format!("Last{i}"))
                    .email(format!("p{i}@example.com")),
            )
            .await
            .unwrap();
        ids.push(p.id);
    }
    client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();

    let page = client.persons().list().limit(3).send().await.unwrap();
    assert_eq!(page.items.len(), 3);
    assert!(page.has_next());

    let all: Vec<_> = client
        .persons()
        .list()
        .limit(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 8);
    let pages: Vec<_> = client
        .persons()
        .list()
        .limit(3)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);

    let active: Vec<_> = client
        .persons()
        .list()
        .status(PersonStatus::Active)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(active.len(), 7);

    let one = client
        .persons()
        .list()
        .email("p3@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(one.items.len(), 1);
    assert_eq!(one.items[0].id, ids[3]);

    let two = client
        .persons()
        .list()
        .id(ids[0])
        .id(CustomerId::from(ids[1]))
        .send()
        .await
        .unwrap();
    let mut got: Vec<PersonId> = two.items.iter().map(|p| p.id).collect();
    got.sort();
    let mut want = vec![ids[0], ids[1]];
    want.sort();
    assert_eq!(got, want, "comma-joined id filter");

    let sorted = client
        .persons()
        .list()
        .status(PersonStatus::Active)
        .sort_by(PersonSortKey::LastNameDesc)
        .send()
        .await
        .unwrap();
    assert_eq!(sorted.items[0].last_name.as_deref(), Some("Last6"));

    let wildcard = client
        .persons()
        .list()
        .last_name("Last*")
        .is_customer(true)
        .send()
        .await
        .unwrap();
    assert_eq!(wildcard.items.len(), 7);

    let none = client
        .persons()
        .list()
        .ssn_last_4(SsnLast4::parse("0000").unwrap())
        .send()
        .await
        .unwrap();
    assert!(none.items.is_empty());

    let err = client.persons().list().limit(0).send().await.unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if *field == "limit"));
    sandbox.shutdown().await;
}

/// The filters not exercised above, each shown to reach the server: a filter that was dropped
/// would return the whole list.
#[tokio::test]
async fn the_remaining_list_filters_narrow_the_listing() {
    let (sandbox, client) = setup().await;
    let allowed = client
        .persons()
        .create(NewPerson::active("Ada", "Lovelace").phone_number("+12125550101"))
        .await
        .unwrap();
    let suspended = client
        .persons()
        .create(
            NewPerson::active("Bob", "Babbage")
                .phone_number("+12125550102")
                .ban_status(BanStatusInput::Suspended)
                .note("chargeback under review"),
        )
        .await
        .unwrap();
    let ids = |page: synctera::Page<synctera::Person>| {
        let mut ids: Vec<PersonId> = page.items.into_iter().map(|p| p.id).collect();
        ids.sort();
        ids
    };
    let mut both = vec![allowed.id, suspended.id];
    both.sort();

    let by_phone = client.persons().list().phone_number("+12125550101");
    assert_eq!(ids(by_phone.send().await.unwrap()), vec![allowed.id]);

    let only_suspended = client.persons().list().ban_status(BanStatus::Suspended);
    assert_eq!(
        ids(only_suspended.send().await.unwrap()),
        vec![suspended.id]
    );
    let either = client
        .persons()
        .list()
        .ban_status(BanStatus::Allowed)
        .ban_status(BanStatus::Suspended);
    assert_eq!(
        ids(either.send().await.unwrap()),
        both,
        "comma-joined ban_status"
    );

    // Nobody in the sandbox has an account yet.
    let with_accounts = client.persons().list().has_accounts(true);
    assert!(with_accounts.send().await.unwrap().items.is_empty());
    let without_accounts = client.persons().list().has_accounts(false);
    assert_eq!(ids(without_accounts.send().await.unwrap()), both);

    let customers_by_phone = client.customers().list().phone_number("+12125550102");
    let found = customers_by_phone.send().await.unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id, suspended.id);

    let disclosure = client
        .disclosures()
        .create(NewDisclosure::acknowledged(
            allowed.id,
            DisclosureType::RegDd,
            "1.0",
        ))
        .await
        .unwrap();
    let all = client.disclosures().list().send().await.unwrap();
    assert_eq!(all.items, vec![disclosure.clone()]);
    let stranger = uuid::Uuid::new_v4();
    for narrowed in [
        client.disclosures().list().business_id(stranger),
        client
            .disclosures()
            .list()
            .acknowledging_person_id(stranger),
        client.disclosures().list().id(stranger),
    ] {
        assert!(narrowed.send().await.unwrap().items.is_empty());
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn customers_view_shares_ids_with_persons() {
    let (sandbox, client) = setup().await;
    let created = client
        .customers()
        .create(
            NewCustomer::active("Jane", "Smith")
                .email("jane@example.com")
                .ssn("123-45-6789"),
        )
        .await
        .unwrap();
    assert_eq!(created.status, PersonStatus::Active);
    assert_eq!(created.kyc_status, KycStatus::Unverified);
    assert_eq!(created.ssn.as_ref().unwrap().as_str(), "6789");

    // The same UUID through /persons, and back.
    let as_person = client.persons().get(created.id).await.unwrap();
    assert_eq!(as_person.id, created.id);
    let again = client.customers().get(as_person.id).await.unwrap();
    assert_eq!(again.id, created.id);

    let patched = client
        .customers()
        .patch(
            created.id,
            CustomerPatch::new()
                .status(PersonStatus::Frozen)
                .middle_name("Q"),
        )
        .await
        .unwrap();
    assert_eq!(patched.status, PersonStatus::Frozen);
    assert_eq!(patched.middle_name.as_deref(), Some("Q"));
    assert_eq!(
        patched.first_name.as_deref(),
        Some("Jane"),
        "patch keeps other fields"
    );

    let replaced = client
        .customers()
        .replace(
            created.id,
            CustomerReplace::active("Janet", "Smith").legal_address(AddressInput::us(
                "1 Main St",
                "Austin",
                "TX",
                "73301",
            )),
        )
        .await
        .unwrap();
    assert_eq!(replaced.first_name.as_deref(), Some("Janet"));
    assert_eq!(replaced.middle_name, None, "replace clears fields left out");
    assert_eq!(replaced.email, None);
    assert!(!replaced.addresses.is_empty());

    let person_view = client.persons().get(created.id).await.unwrap();
    assert_eq!(person_view.first_name.as_deref(), Some("Janet"));

    let list = client
        .customers()
        .list()
        .first_name("Jan*")
        .limit(10)
        .send()
        .await
        .unwrap();
    assert_eq!(list.items.len(), 1);
    let all: Vec<_> = client
        .customers()
        .list()
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    sandbox.shutdown().await;
}

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

#[tokio::test]
async fn api_errors_are_typed() {
    let (sandbox, client) = setup().await;
    let missing = PersonId::from(uuid::Uuid::new_v4());
    let err = client.persons().get(missing).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.status(), Some(404));
    assert!(!err.is_retryable());
    assert!(
        err.to_string().starts_with("Synctera answered 404"),
        "{err}"
    );

    let err = client.customers().get(missing).await.unwrap_err();
    assert!(err.is_not_found());

    // Activating a prospect without names: the server checks the stored record.
    let p = client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    let err = client
        .persons()
        .update(p.id, PersonUpdate::new().status(PersonStatus::Active))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(err.code(), Some(&ApiErrorCode::BadRequestBody));
    let text = err.to_string();
    assert!(
        text.contains("first_name") || text.contains("last_name"),
        "{text}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn local_validation_sends_nothing() {
    let (sandbox, client) = setup().await;
    // Claimed by the first request that reaches the server.
    sandbox.faults().push(Fault::Unavailable);
    let err = client
        .persons()
        .create(NewPerson::prospect().ssn("123456789"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if *field == "ssn"));
    let err = client
        .verifications()
        .verify(VerifyRequest::person(uuid::Uuid::new_v4()))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if *field == "customer_consent"));
    let long_name = "Maximilian".repeat(11);
    let err = client
        .persons()
        .create(NewPerson::active(&long_name, "Baker"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if *field == "first_name"));
    assert!(!err.to_string().contains(&long_name));
    assert_eq!(sandbox.person_count("e2e-test-key"), 0);
    // Nothing above reached the server: the fault is still waiting for the first request that
    // does.
    let first_sent = client
        .persons()
        .get(uuid::Uuid::new_v4())
        .retry_policy(RetryPolicy::no_retries())
        .await
        .unwrap_err();
    assert_eq!(first_sent.status(), Some(503), "{first_sent:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_caller_supplied_idempotency_key_replays_the_first_result() {
    let (sandbox, client) = setup().await;
    let key: synctera::retry::IdempotencyKey = "signup-42".parse().unwrap();
    let first = client
        .persons()
        .create(NewPerson::prospect().email("a@example.com"))
        .idempotency_key(key.clone())
        .await
        .unwrap();
    let second = client
        .persons()
        .create(NewPerson::prospect().email("a@example.com"))
        .idempotency_key(key.clone())
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(sandbox.person_count("e2e-test-key"), 1);

    // The same key with a different request is a misuse the server reports.
    let err = client
        .persons()
        .create(NewPerson::prospect().email("b@example.com"))
        .idempotency_key(key)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&ApiErrorCode::IdempotencyInvalidReuse),
        "{err}"
    );

    // Without a caller key every call is a new logical request.
    client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    assert_eq!(sandbox.person_count("e2e-test-key"), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn throttling_unavailability_and_dropped_connections_map_to_typed_errors() {
    let (sandbox, client) = setup().await;
    let once = synctera::RetryPolicy::no_retries;
    let person = client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();

    sandbox
        .faults()
        .push(synctera_sandbox::Fault::TooManyRequests {
            retry_after_secs: 7,
        });
    let err = client
        .persons()
        .get(person.id)
        .retry_policy(once())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429), "{err}");
    assert_eq!(err.code(), Some(&ApiErrorCode::TooManyRequests));
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
    assert!(err.is_retryable());

    sandbox.faults().push(synctera_sandbox::Fault::Unavailable);
    let err = client
        .customers()
        .get(person.id)
        .retry_policy(once())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(err.is_retryable());

    sandbox
        .faults()
        .push(synctera_sandbox::Fault::DropAfterCommit);
    let err = client
        .persons()
        .create(NewPerson::prospect())
        .retry_policy(once())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());

    // With the default policy the same failure is retried with the same key: one new record.
    let before = sandbox.person_count("e2e-test-key");
    sandbox
        .faults()
        .push(synctera_sandbox::Fault::DropAfterCommit);
    client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    assert_eq!(sandbox.person_count("e2e-test-key"), before + 1);
    sandbox.shutdown().await;
}
