//! Persons and customers against the in-process sandbox (loopback only): create, get, update,
//! patch and replace, and the customers view sharing its ids and records with persons.

use futures::TryStreamExt;
use synctera::{
    AddressInput, BanStatusInput, CustomerPatch, CustomerReplace, KycStatus, NewCustomer,
    NewPerson, PersonStatus, PersonUpdate, VerificationStatus,
};

use common::{full_details, setup};

mod common;

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

/// A note is needed only when `ban_status` moves between `SUSPENDED` and `ALLOWED`; the stored
/// value decides, so the server checks it: the same value again passes without one, a real
/// change without one is answered 400 naming `note`, and with one it is applied.
#[tokio::test]
async fn a_ban_status_change_needs_a_note_the_same_value_does_not() {
    let (sandbox, client) = setup().await;
    let persons = client.persons();
    let person = persons.create(NewPerson::prospect()).await.unwrap();

    let same = PersonUpdate::new().ban_status(BanStatusInput::Allowed);
    let unchanged = persons.update(person.id, same).await.unwrap();
    assert_eq!(unchanged.ban_status, synctera::BanStatus::Allowed);

    let suspend = PersonUpdate::new().ban_status(BanStatusInput::Suspended);
    let err = persons.update(person.id, suspend).await.unwrap_err();
    let synctera::Error::Api { status, detail, .. } = &err else {
        panic!("expected the server's answer, got {err:?}")
    };
    assert_eq!(*status, 400);
    assert!(detail.as_deref().unwrap_or("").contains("note"), "{err}");

    let suspend = PersonUpdate::new()
        .ban_status(BanStatusInput::Suspended)
        .note("fraud review");
    let suspended = persons.update(person.id, suspend).await.unwrap();
    assert_eq!(suspended.ban_status, synctera::BanStatus::Suspended);

    let replace = CustomerReplace::prospect().ban_status(BanStatusInput::Suspended);
    let replaced = client
        .customers()
        .replace(person.id, replace)
        .await
        .unwrap();
    assert_eq!(replaced.ban_status, synctera::BanStatus::Suspended);
    sandbox.shutdown().await;
}
