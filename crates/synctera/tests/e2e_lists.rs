//! Listing against the in-process sandbox (loopback only): pages, auto-pagination, and every list
//! filter shown to reach the server (a dropped filter would return the whole list).

use futures::TryStreamExt;
use synctera::{
    BanStatus, BanStatusInput, CustomerId, DisclosureType, Error, NewDisclosure, NewPerson,
    PersonId, PersonSortKey, PersonStatus, SsnLast4,
};

use common::setup;

mod common;

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
        .ssn_last_4("0000".parse::<SsnLast4>().unwrap())
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
