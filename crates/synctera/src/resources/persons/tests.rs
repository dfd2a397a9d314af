use super::*;
use crate::values::addresses::AddressInput;
use crate::values::statuses::BanStatusInput;

fn field_of(r: Result<(), Error>) -> FieldPath {
    match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The field and reason of a validation error, after checking that neither the error's
/// `Display` nor its `Debug` holds `value`.
fn rejected(r: Result<(), Error>, value: &str) -> (FieldPath, String) {
    let err = r.expect_err("the value breaks the API description");
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(
            !shown.contains(value),
            "the error echoes the value: {shown}"
        );
    }
    match err {
        Error::Validation { field, reason } => (field, reason.into_owned()),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn values_beyond_the_api_descriptions_limits_are_rejected_locally_by_field() {
    let long_name = "Annabel".repeat(15);
    let (field, reason) = rejected(
        NewPerson::active(&long_name, "Baker").validate(),
        &long_name,
    );
    assert_eq!(field, "first_name");
    assert_eq!(reason, "longer than 100 characters");

    let long_note = "n".repeat(2001);
    let (field, _) = rejected(
        PersonUpdate::new()
            .ban_status(BanStatusInput::Suspended)
            .note(&long_note)
            .validate(),
        &long_note,
    );
    assert_eq!(field, "note");

    let (field, reason) = rejected(
        PersonUpdate::new()
            .shipping_address(AddressInput::us("1 Main St", "Austin", "Texas", "78701"))
            .validate(),
        "Texas",
    );
    assert_eq!(field, "shipping_address.state");
    assert!(reason.starts_with("doesn't match pattern"), "{reason}");

    let long_city = "Springfield".repeat(12);
    let (field, _) = rejected(
        NewPerson::prospect()
            .legal_address(AddressInput::us("1 Main St", &long_city, "IL", "62701"))
            .validate(),
        &long_city,
    );
    assert_eq!(field, "legal_address.city");

    let long_id = "X1234567".repeat(9);
    let (field, _) = rejected(
        NewPerson::prospect()
            .personal_id(PersonalIdInput::new(
                PersonalIdType::PassportNumber,
                long_id.parse::<crate::values::pii::Identifier>().unwrap(),
            ))
            .validate(),
        &long_id,
    );
    assert_eq!(field, "personal_ids[0].identifier");
}

fn passport(number: &str) -> PersonalIdInput {
    PersonalIdInput::new(
        PersonalIdType::PassportNumber,
        number.parse::<crate::values::pii::Identifier>().unwrap(),
    )
}

/// An identifier of type `SSN` is a full SSN written with hyphens, as the API requires; other
/// types keep their own shapes.
#[test]
fn an_ssn_personal_id_must_be_written_as_an_ssn() {
    let ssn_id = |value: &str| {
        PersonalIdInput::new(
            PersonalIdType::Ssn,
            value.parse::<crate::values::pii::Identifier>().unwrap(),
        )
    };
    for bad in ["123456789", "123-45-678", "123 45 6789"] {
        let (field, reason) = rejected(
            NewPerson::prospect()
                .personal_id(passport("123456789"))
                .personal_id(ssn_id(bad))
                .validate(),
            bad,
        );
        assert_eq!(field, "personal_ids[1].identifier");
        assert_eq!(reason, "must be nine digits written ddd-dd-dddd");
    }
    NewPerson::prospect()
        .personal_id(ssn_id("123-45-6789"))
        .validate()
        .unwrap();
}

/// Each entry of `personal_ids` is converted on its own and the error names it by its index, for
/// the generated limits (`identifier` length) and for the facade's own rule (`country_code`).
#[test]
fn a_rejected_personal_id_is_named_by_its_index() {
    let long_id = "Y7654321".repeat(9);
    let (field, _) = rejected(
        NewPerson::prospect()
            .personal_id(passport("X1234567"))
            .personal_id(passport(&long_id))
            .validate(),
        &long_id,
    );
    assert_eq!(field, "personal_ids[1].identifier");
    assert_eq!(field.to_string(), "personal_ids[1].identifier");

    let (field, reason) = rejected(
        NewPerson::prospect()
            .personal_id(passport("X1234567").country_code("CA"))
            .personal_id(passport("X1234568").country_code("US"))
            .personal_id(passport("X1234569").country_code("gbr"))
            .validate(),
        "gbr",
    );
    assert_eq!(field, "personal_ids[2].country_code");
    assert_eq!(reason, "must be two capital letters");
    let (field, _) = rejected(
        NewPerson::prospect()
            .personal_id(passport("X1234569").country_code("gbr"))
            .personal_id(passport("X1234568").country_code("US"))
            .validate(),
        "gbr",
    );
    assert_eq!(field, "personal_ids[0].country_code");
}

/// The list filters convert each value on its own: an unsendable one is named by its index.
#[test]
fn an_unsendable_list_filter_value_is_named_by_its_index() {
    let client = Client::builder().api_key("k").build().unwrap();
    let query = |sort_by: Vec<PersonSortKey>, ban_status: Vec<BanStatus>| {
        let list = sort_by
            .into_iter()
            .fold(client.persons().list(), ListPersons::sort_by);
        let list = ban_status.into_iter().fold(list, ListPersons::ban_status);
        list.query.page(Paging {
            limit: None,
            page_token: None,
        })
    };
    let field = |r: Result<ListPersonsPage, Error>| match r {
        Err(Error::Validation { field, .. }) => field,
        Err(other) => panic!("expected a validation error, got {other:?}"),
        Ok(_) => panic!("expected a validation error"),
    };
    let err = field(query(
        vec![
            PersonSortKey::LastNameAsc,
            PersonSortKey::Unknown("shoe_size:asc".into()),
        ],
        vec![],
    ));
    assert_eq!(err, "sort_by[1]");
    let err = field(query(
        vec![],
        vec![BanStatus::Unknown("EXILED".into()), BanStatus::Allowed],
    ));
    assert_eq!(err, "ban_status[0]");
    assert!(query(vec![PersonSortKey::LastNameAsc], vec![BanStatus::Allowed]).is_ok());
}

#[test]
fn an_unknown_enum_value_cannot_be_sent_and_is_not_echoed() {
    let (field, reason) = rejected(
        NewPerson::with_status(PersonStatus::Unknown("SLEEPING_SECRETLY".into()))
            .first_name("Anne")
            .last_name("Baker")
            .validate(),
        "SLEEPING_SECRETLY",
    );
    assert_eq!(field, "status");
    assert_eq!(reason, "is not a value the API accepts");
}

#[test]
fn prospect_needs_nothing_else() {
    assert!(NewPerson::prospect().validate().is_ok());
    let body = NewPerson::prospect()
        .to_raw()
        .map(|body| serde_json::to_value(body).unwrap())
        .unwrap();
    assert_eq!(
        body,
        serde_json::json!({"status": "PROSPECT", "is_customer": true})
    );
}

#[test]
fn every_status_but_prospect_needs_names() {
    for status in PersonStatus::KNOWN
        .iter()
        .filter(|s| **s != PersonStatus::Prospect)
    {
        let r = NewPerson::with_status(status.clone()).validate();
        assert_eq!(field_of(r), "first_name", "{status}");
        let r = NewPerson::with_status(status.clone())
            .first_name("A")
            .validate();
        assert_eq!(field_of(r), "last_name", "{status}");
        assert!(
            NewPerson::with_status(status.clone())
                .first_name("A")
                .last_name("B")
                .validate()
                .is_ok()
        );
    }
    assert!(NewPerson::active("Anne", "Baker").validate().is_ok());
    assert_eq!(
        field_of(NewPerson::active(" ", "Baker").validate()),
        "first_name"
    );
}

#[test]
fn suspended_on_create_needs_a_note() {
    let r = NewPerson::prospect()
        .ban_status(BanStatusInput::Suspended)
        .validate();
    assert_eq!(field_of(r), "note");
    assert!(
        NewPerson::prospect()
            .ban_status(BanStatusInput::Suspended)
            .note("fraud review")
            .validate()
            .is_ok()
    );
    assert!(
        NewPerson::prospect()
            .ban_status(BanStatusInput::Allowed)
            .validate()
            .is_ok()
    );
}

/// Whether an update's `ban_status` is a change between `SUSPENDED` and `ALLOWED` (which needs a
/// note) depends on the stored value, which only the server knows: the same value sent again
/// needs none, so no note is demanded locally (`tests/e2e_records.rs` shows the server's answer).
#[test]
fn an_update_with_a_ban_status_leaves_the_note_rule_to_the_server() {
    for s in [BanStatusInput::Suspended, BanStatusInput::Allowed] {
        assert!(PersonUpdate::new().ban_status(s).validate().is_ok());
        assert!(
            PersonUpdate::new()
                .ban_status(s)
                .note("reviewed")
                .validate()
                .is_ok()
        );
    }
    assert!(PersonUpdate::new().validate().is_ok());
}

#[test]
fn setters_report_the_first_bad_field_without_its_value() {
    let cases: Vec<(PersonUpdate, &str)> = vec![
        (PersonUpdate::new().ssn("123456789"), "ssn"),
        (PersonUpdate::new().dob("1899-01-01"), "dob"),
        (
            PersonUpdate::new().phone_number("2124567890"),
            "phone_number",
        ),
        (PersonUpdate::new().email("anne"), "email"),
        (
            PersonUpdate::new().legal_address(AddressInput::new("1 Main", "usa")),
            "legal_address.country_code",
        ),
        (
            PersonUpdate::new().shipping_address(AddressInput::us("1 Main", "NY", "NY", "1")),
            "shipping_address.postal_code",
        ),
        (PersonUpdate::new().email("bad").ssn("also bad"), "email"),
    ];
    for (update, field) in cases {
        let err = update.clone().validate().unwrap_err();
        let text = format!("{err} {err:?}");
        assert_eq!(field_of(Err(err)), field);
        for value in ["123456789", "1899-01-01", "2124567890", "anne", "also bad"] {
            assert!(!text.contains(value), "{text}");
        }
        assert!(
            update
                .to_raw()
                .map(|body| serde_json::to_value(body).unwrap())
                .is_err()
        );
    }
}

#[test]
fn a_corrected_value_replaces_the_bad_one() {
    let fixed = NewPerson::prospect().email("bad").email("ok@x.io");
    assert!(fixed.validate().is_ok());
    assert_eq!(
        fixed
            .to_raw()
            .map(|body| serde_json::to_value(body).unwrap())
            .unwrap()["email"],
        serde_json::json!("ok@x.io")
    );
    let still_bad = PersonUpdate::new().ssn("123-45-6789").ssn("123456789");
    assert_eq!(field_of(still_bad.validate()), "ssn");
    let other_field = PersonUpdate::new().dob("1899-01-01").email("ok@x.io");
    assert_eq!(field_of(other_field.validate()), "dob");
}

#[test]
fn banned_is_not_a_request_value() {
    // BanStatusInput has exactly two values; BANNED only exists on the response side.
    let json = serde_json::to_value([BanStatusInput::Allowed, BanStatusInput::Suspended]).unwrap();
    assert_eq!(json, serde_json::json!(["ALLOWED", "SUSPENDED"]));
    assert!(serde_json::from_value::<BanStatusInput>(serde_json::json!("BANNED")).is_err());
    assert_eq!(
        BanStatus::from(BanStatusInput::Suspended),
        BanStatus::Suspended
    );
}

#[test]
fn unknown_enum_values_are_kept() {
    let s: PersonStatus = serde_json::from_value(serde_json::json!("HIBERNATING")).unwrap();
    assert_eq!(s, PersonStatus::Unknown("HIBERNATING".into()));
    assert_eq!(
        serde_json::to_value(&s).unwrap(),
        serde_json::json!("HIBERNATING")
    );
    for known in PersonStatus::KNOWN {
        let back: PersonStatus =
            serde_json::from_value(serde_json::to_value(known).unwrap()).unwrap();
        assert_eq!(&back, known);
    }
    assert_eq!(PersonSortKey::KNOWN.len(), 8);
    assert_eq!(PersonSortKey::LastNameDesc.to_string(), "last_name:desc");
}

#[test]
fn a_writes_own_checks_come_after_the_names_and_before_the_addresses() {
    let bad_address = AddressInput::new(" ", "US");
    let blank_chosen = NewPerson::prospect()
        .chosen_name(" ")
        .legal_address(bad_address.clone());
    assert_eq!(field_of(blank_chosen.validate()), "chosen_name");
    let blank_first = NewPerson::prospect().first_name(" ").chosen_name(" ");
    assert_eq!(field_of(blank_first.validate()), "first_name");
    let bad_id = NewPerson::prospect()
        .personal_id(
            PersonalIdInput::new(PersonalIdType::Ssn, "123-45-6789".parse().unwrap())
                .country_code("us"),
        )
        .legal_address(bad_address.clone());
    assert_eq!(field_of(bad_id.validate()), "personal_ids[0].country_code");
    let update = PersonUpdate::new()
        .chosen_name(" ")
        .shipping_address(bad_address);
    assert_eq!(field_of(update.validate()), "chosen_name");
}

/// A text filter (`last_name`, `first_name`, `email`, `phone_number`) is 1 to 256 characters;
/// one outside that is refused before sending, naming the filter, on both person lists.
#[tokio::test]
async fn a_text_filter_out_of_its_limits_is_refused_naming_the_filter() {
    // Loopback only; nothing is sent (the refusal comes first).
    let client = Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9/v0")
        .retry_policy(crate::RetryPolicy::no_retries())
        .build()
        .unwrap();
    let long = "x".repeat(257);
    let persons = [
        (client.persons().list().last_name(""), "last_name"),
        (
            client.persons().list().first_name(long.clone()),
            "first_name",
        ),
        (client.persons().list().email(""), "email"),
        (
            client.persons().list().phone_number(long.clone()),
            "phone_number",
        ),
    ];
    for (list, field) in persons {
        let err = list.await.unwrap_err();
        assert_eq!(
            err.field().map(ToString::to_string).as_deref(),
            Some(field),
            "{err:?}"
        );
    }
    let err = client.customers().list().email(long).await.unwrap_err();
    assert_eq!(
        err.field().map(ToString::to_string).as_deref(),
        Some("email"),
        "{err:?}"
    );
    let longest = client.persons().list().last_name("x".repeat(256));
    let paging = Paging {
        limit: None,
        page_token: None,
    };
    assert!(longest.query.page(paging).is_ok());
}

/// The `id` filter of every list takes at most 100 ids (the spec's `maxItems`); more are
/// refused before sending, naming `id`, instead of being answered 400 by the server.
#[test]
fn an_id_filter_takes_at_most_100_ids() {
    let client = Client::builder().api_key("k").build().unwrap();
    let paging = || Paging {
        limit: None,
        page_token: None,
    };
    let ids = |n: u128| (1..=n).map(uuid::Uuid::from_u128);
    let refused = |r: Result<(), Error>| match r {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "id"),
        other => panic!("expected a validation error naming id, got {other:?}"),
    };
    for n in [100, 101] {
        let persons = ids(n).fold(client.persons().list(), |l, id| l.id(id));
        let customers = ids(n).fold(client.customers().list(), |l, id| l.id(id));
        let disclosures = ids(n).fold(client.disclosures().list(), |l, id| l.id(id));
        let verifications = ids(n).fold(client.verifications().list(), |l, id| l.id(id));
        let results = [
            persons.query.page(paging()).map(drop),
            customers.query.page(paging()).map(drop),
            disclosures.query.page(paging()).map(drop),
            verifications.query.page(paging()).map(drop),
        ];
        for r in results {
            if n == 100 {
                assert!(r.is_ok(), "{r:?}");
            } else {
                refused(r);
            }
        }
    }
}

/// `sort_by` names each field at most once (the spec's rule, which the API enforces with a
/// 400): a second key on the same field is refused before sending, named by its index.
#[test]
fn sort_by_names_each_field_once() {
    let client = Client::builder().api_key("k").build().unwrap();
    let page = |keys: &[PersonSortKey]| {
        let list = keys
            .iter()
            .cloned()
            .fold(client.customers().list(), |l, k| l.sort_by(k));
        list.query
            .page(Paging {
                limit: None,
                page_token: None,
            })
            .map(drop)
    };
    let err = page(&[
        PersonSortKey::LastNameAsc,
        PersonSortKey::CreationTimeDesc,
        PersonSortKey::LastNameDesc,
    ])
    .unwrap_err();
    assert_eq!(err.field().unwrap(), "sort_by[2]");
    assert!(page(&[PersonSortKey::FirstNameAsc, PersonSortKey::FirstNameAsc]).is_err());
    assert!(
        page(&[
            PersonSortKey::LastNameAsc,
            PersonSortKey::FirstNameDesc,
            PersonSortKey::CreationTimeAsc,
            PersonSortKey::LastUpdatedTimeDesc,
        ])
        .is_ok()
    );
}
