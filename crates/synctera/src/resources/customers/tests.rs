use super::*;
use crate::error::Error;
use crate::field_path::FieldPath;
use crate::values::statuses::BanStatusInput;
use serde_json::json;

fn field_of(r: Result<(), Error>) -> FieldPath {
    match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn person_json() -> serde_json::Value {
    json!({
        "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
        "status": "ACTIVE", "ban_status": "ALLOWED", "is_customer": true,
        "verification_status": "ACCEPTED",
        "verification_last_run": "2022-04-13T18:09:12.880623Z",
        "tenant": "abcdef_ghijkl",
        "creation_time": "2022-04-13T01:52:40.690387Z",
        "last_updated_time": "2022-04-13T18:09:12.881517Z",
        "first_name": "Anne", "last_name": "Baker", "chosen_name": "Annie",
        "dob": "2000-01-01", "email": "anne@example.com", "phone_number": "+12124567890",
        "ssn": "6789", "ssn_source": "MANUAL", "is_user": false,
        "legal_address": {"address_line_1": "50 Main St", "city": "New York",
                          "state": "NY", "postal_code": "12345", "country_code": "US"},
        "shipping_address": {"address_line_1": "99 Elm St", "city": "San Antonio",
                             "state": "TX", "postal_code": "77777", "country_code": "US"},
        "personal_ids": [{"id_type": "SSN", "identifier": "123-45-6789"}]
    })
}

#[test]
fn person_to_customer_maps_fields() {
    let person: Person = serde_json::from_value(person_json()).unwrap();
    assert_eq!(
        person.personal_ids[0].identifier.as_ref().unwrap().as_str(),
        "6789"
    );
    let customer = Customer::from(person.clone());
    assert_eq!(customer.id, person.id);
    assert_eq!(customer.kyc_status, KycStatus::Accepted);
    assert_eq!(customer.kyc_last_run, person.verification_last_run);
    assert_eq!(customer.addresses.len(), 2);
    assert_eq!(customer.addresses[0].address_type, Some(AddressType::Legal));
    assert_eq!(
        customer.addresses[1].address_type,
        Some(AddressType::Shipping)
    );
    assert_eq!(customer.ssn.as_ref().unwrap().as_str(), "6789");

    let back = customer.clone().into_person(person.is_customer);
    assert_eq!(back.id, person.id);
    assert_eq!(back.verification_status, VerificationStatus::Accepted);
    assert_eq!(back.verification_last_run, person.verification_last_run);
    assert_eq!(back.chosen_name, None, "chosen_name is person-only");
    assert_eq!(back.is_user, None, "is_user is person-only");
    assert!(back.personal_ids.is_empty(), "personal_ids are person-only");
    assert_eq!(back.email, person.email);
    assert_eq!(back.legal_address, person.legal_address);
    // `is_customer` is not in the customer view: it is what the caller says, never invented.
    assert!(back.is_customer);
    assert!(!customer.into_person(false).is_customer);
}

#[test]
fn provider_failure_is_unverified_on_the_person_side() {
    let c: Customer = serde_json::from_value(json!({
        "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7", "status": "ACTIVE",
        "ban_status": "ALLOWED", "tenant": "abcdef_ghijkl",
        "kyc_status": "PROVIDER_FAILURE", "kyc_exempt": true,
        "creation_time": "2010-05-06T12:23:34.321Z",
        "last_updated_time": "2010-05-06T12:23:34.321Z",
        "ssn": "123-45-6789",
        "related_customers": [{"id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
                               "relationship_role": "CUSTODIAN"}]
    }))
    .unwrap();
    assert_eq!(
        c.ssn.as_ref().unwrap().as_str(),
        "6789",
        "full SSN is cut to last four"
    );
    assert_eq!(
        c.related_customers[0].relationship_role.as_deref(),
        Some("CUSTODIAN")
    );
    assert_eq!(c.kyc_status, KycStatus::ProviderFailure);
    let p = c.into_person(false);
    // What the sandbox's (and Synctera's) /persons answers for the same record.
    assert_eq!(p.verification_status, VerificationStatus::Unverified);
    assert!(!p.is_customer);
}

#[test]
fn kyc_to_verification_status_follows_the_documented_table() {
    use KycStatus as K;
    use VerificationStatus as V;
    let table = [
        (K::Accepted, V::Accepted),
        (K::Pending, V::Pending),
        (K::ProviderFailure, V::Unverified),
        (K::Provisional, V::Provisional),
        (K::Rejected, V::Rejected),
        (K::Review, V::Review),
        (K::Unverified, V::Unverified),
    ];
    assert_eq!(
        table.len(),
        K::KNOWN.len(),
        "every known kyc_status is in the table"
    );
    for (kyc, person) in table {
        assert_eq!(V::from(kyc.clone()), person, "{kyc}");
    }
    assert_eq!(
        V::from(K::Unknown("MANUAL_HOLD".into())),
        V::Unknown("MANUAL_HOLD".into())
    );
    // Person → customer is lossless, and back again.
    for v in V::KNOWN {
        let k = K::from(v.clone());
        assert_eq!(k.as_str(), v.as_str());
        assert_eq!(&V::from(k), v);
    }
    assert_eq!(
        K::from(V::Unknown("MANUAL_HOLD".into())),
        K::Unknown("MANUAL_HOLD".into())
    );
}

#[test]
fn customer_request_rules() {
    assert_eq!(
        field_of(NewCustomer::with_status(PersonStatus::Active).validate()),
        "first_name"
    );
    assert_eq!(
        field_of(
            CustomerReplace::with_status(PersonStatus::Frozen)
                .first_name("J")
                .validate()
        ),
        "last_name"
    );
    assert!(
        CustomerPatch::new()
            .status(PersonStatus::Active)
            .validate()
            .is_ok()
    );
    assert_eq!(
        field_of(
            NewCustomer::prospect()
                .ban_status(BanStatusInput::Suspended)
                .validate()
        ),
        "note"
    );
    assert!(
        NewCustomer::prospect()
            .ban_status(BanStatusInput::Allowed)
            .validate()
            .is_ok()
    );
    // A change's note rule depends on the stored ban_status: the server checks it.
    assert!(
        CustomerPatch::new()
            .ban_status(BanStatusInput::Allowed)
            .validate()
            .is_ok()
    );
    assert!(
        CustomerReplace::prospect()
            .ban_status(BanStatusInput::Allowed)
            .validate()
            .is_ok()
    );
    assert_eq!(
        field_of(CustomerPatch::new().ssn("123-45-678").validate()),
        "ssn"
    );
    assert_eq!(
        field_of(NewCustomer::prospect().dob("2999-01-01").validate()),
        "dob"
    );
}
