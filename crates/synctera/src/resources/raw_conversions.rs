//! Tests of the field-by-field conversions from the generated types.
//!
//! The facade used to reach its types by serializing the generated value to JSON and decoding it
//! again; these tests pin the direct conversions to that same result, for complete documents, so
//! the speed-up changed nothing a caller sees.

use serde_json::{Value, json};
use synctera_raw::types;

use crate::resources::customers::Customer;
use crate::resources::customers::KycStatus;
use crate::resources::disclosures::Disclosure;
use crate::resources::disclosures::{DisclosureEventType, DisclosureType};
use crate::resources::person_query::PersonSortKey;
use crate::resources::persons::Person;
use crate::resources::persons::PersonalIdType;
use crate::resources::verifications::{Verification, VerifyResponse};
use crate::resources::verifications::{
    VerificationDetailResult, VerificationResult, VerificationType,
};
use crate::transport::pagination::Page;
use crate::values::addresses::AddressType;
use crate::values::enums::WireEnum;
use crate::values::statuses::VerificationStatus;
use crate::values::statuses::{BanStatus, PersonStatus, SsnSource};

fn address(kind: &str, line: &str) -> Value {
    json!({"id": "8a2e4c6f-1b3d-4f5a-8e7c-9d0b1a2c3e4f", "address_type": kind,
           "address_line_1": line, "address_line_2": "Apt 9", "city": "New York",
           "state": "NY", "postal_code": "10001", "country_code": "US", "nickname": "home"})
}

fn person_json() -> Value {
    json!({
        "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
        "status": "ACTIVE", "ban_status": "SUSPENDED", "is_customer": false,
        "verification_status": "REVIEW",
        "verification_last_run": "2022-04-13T18:09:12.880623Z",
        "tenant": "abcdef_ghijkl",
        "creation_time": "2022-04-13T01:52:40.690387Z",
        "last_updated_time": "2022-04-13T18:09:12.881517Z",
        "first_name": "Anne", "middle_name": "M", "last_name": "Baker", "chosen_name": "Annie",
        "dob": "2000-01-01", "email": "anne@example.com", "phone_number": "+12124567890",
        // A full value, as the vendor's examples sometimes show: cut to the last four.
        "ssn": "123-45-6789", "ssn_source": "PREFILL", "is_user": true, "has_accounts": true,
        "legal_address": address("LEGAL", "50 Main St"),
        "shipping_address": address("SHIPPING", "99 Elm St"),
        "personal_ids": [{"id": "8a2e4c6f-1b3d-4f5a-8e7c-9d0b1a2c3e40", "id_type": "PASSPORT_NUMBER",
                          "identifier": "X1234567", "country_code": "CA", "system_provided": false}],
        "metadata": {"crm": "lead-1", "n": 3}
    })
}

fn customer_json() -> Value {
    json!({
        "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
        "status": "FROZEN", "ban_status": "BANNED",
        "kyc_status": "PROVIDER_FAILURE", "kyc_exempt": true,
        "kyc_last_run": "2022-04-13T18:09:12.880623Z",
        "tenant": "abcdef_ghijkl",
        "creation_time": "2010-05-06T12:23:34.321Z",
        "last_updated_time": "2010-05-06T12:23:34.321Z",
        "first_name": "Jane", "middle_name": "Q", "last_name": "Smith",
        "dob": "1980-02-03", "email": "jane@example.com", "phone_number": "+447911123456",
        "ssn": "6789", "ssn_source": "MANUAL", "has_accounts": false,
        "legal_address": address("LEGAL", "1 Main"),
        "shipping_address": address("SHIPPING", "2 Main"),
        "addresses": [address("LEGAL", "1 Main"), address("SHIPPING", "2 Main")],
        "metadata": {"k": "v"},
        "related_customers": [{"id": "7d943c51-e4ff-4e57-9558-08cab6b963c8",
                               "relationship_role": "CUSTODIAN"}]
    })
}

fn disclosure_json() -> Value {
    json!({
        "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
        "person_id": "7d943c51-e4ff-4e57-9558-08cab6b963c8",
        "acknowledging_person_id": "7d943c51-e4ff-4e57-9558-08cab6b963c9",
        "type": "OWNER_CERTIFICATION", "version": "v2.3", "event_type": "VIEWED",
        "disclosure_date": "2022-04-17T00:00:00Z",
        "metadata": {"source": "web"}, "tenant": "t1",
        "creation_time": "2022-04-13T02:17:34.895861Z",
        "last_updated_time": "2022-04-13T02:17:34.895861Z"
    })
}

fn verification_json() -> Value {
    json!({
        "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
        "person_id": "7d943c51-e4ff-4e57-9558-08cab6b963c8",
        "verification_type": "WATCHLIST", "result": "VENDOR_ERROR",
        "verification_time": "2022-04-13T02:17:34.895861Z",
        "details": [{"category": "ofac", "result": "WARN", "description": "d", "label": "l",
                     "vendor_code": "R186", "score": 0.25, "url": "https://example.com/x"}],
        "creation_time": "2022-04-13T02:17:34.895861Z",
        "last_updated_time": "2022-04-13T02:17:35Z",
        "metadata": {"a": 1}
    })
}

/// The conversion from the generated type equals decoding the same JSON into the facade type.
fn same_as_json<R, T>(value: Value) -> T
where
    R: serde::de::DeserializeOwned + Into<T>,
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let raw: R = serde_json::from_value(value.clone()).expect("the generated type decodes it");
    let direct: T = raw.into();
    let via_json: T = serde_json::from_value(value).expect("the facade type decodes it");
    assert_eq!(direct, via_json);
    direct
}

#[test]
fn person_converts_field_by_field() {
    let p: Person = same_as_json::<types::Person, Person>(person_json());
    assert_eq!(p.ssn.as_ref().unwrap().as_str(), "6789");
    assert_eq!(
        p.personal_ids[0].identifier.as_ref().unwrap().as_str(),
        "4567"
    );
    assert_eq!(p.personal_ids[0].id_type, PersonalIdType::PassportNumber);
    assert_eq!(p.status, PersonStatus::Active);
    assert_eq!(p.ban_status, BanStatus::Suspended);
    assert_eq!(p.verification_status, VerificationStatus::Review);
    assert_eq!(p.ssn_source, Some(SsnSource::Prefill));
    assert_eq!(p.tenant.as_deref(), Some("abcdef_ghijkl"));
    assert_eq!(p.email.as_ref().unwrap().expose(), "anne@example.com");
    assert_eq!(p.dob.unwrap().expose().to_string(), "2000-01-01");
    let legal = p.legal_address.as_ref().unwrap();
    assert_eq!(legal.address_line_1.expose(), "50 Main St");
    assert_eq!(legal.address_type, Some(AddressType::Legal));
    assert_eq!(p.metadata.as_ref().unwrap()["n"], 3);

    // Only what the API requires.
    let minimal = json!({
        "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7", "status": "PROSPECT",
        "ban_status": "ALLOWED", "is_customer": true, "verification_status": "UNVERIFIED",
        "tenant": "t", "creation_time": "2022-04-13T01:52:40Z",
        "last_updated_time": "2022-04-13T01:52:40Z"
    });
    let p: Person = same_as_json::<types::Person, Person>(minimal);
    assert!(p.personal_ids.is_empty() && p.email.is_none() && p.legal_address.is_none());
}

#[test]
fn customer_converts_field_by_field() {
    let c: Customer = same_as_json::<types::Customer, Customer>(customer_json());
    assert_eq!(c.kyc_status, KycStatus::ProviderFailure);
    assert_eq!(c.addresses.len(), 2);
    assert_eq!(c.related_customers.len(), 1);
    assert_eq!(c.kyc_exempt, Some(true));
}

#[test]
fn disclosures_and_verifications_convert_field_by_field() {
    let d: Disclosure = same_as_json::<types::Disclosure, Disclosure>(disclosure_json());
    assert_eq!(d.disclosure_type, DisclosureType::OwnerCertification);
    assert_eq!(d.event_type, DisclosureEventType::Viewed);
    assert_eq!(d.version, "v2.3");

    let v: Verification = same_as_json::<types::Verification, Verification>(verification_json());
    assert_eq!(v.result, VerificationResult::VendorError);
    assert_eq!(v.verification_type, VerificationType::Watchlist);
    assert_eq!(v.details[0].result, Some(VerificationDetailResult::Warn));

    let r: VerifyResponse = same_as_json::<types::VerifyResponse, VerifyResponse>(json!({
        "verification_status": "ACCEPTED",
        "verifications": [verification_json(), verification_json()]
    }));
    assert_eq!(r.verification_status, VerificationStatus::Accepted);
    assert_eq!(r.verifications.len(), 2);
}

#[test]
fn list_envelopes_become_pages() {
    let raw: types::PersonList = serde_json::from_value(json!({
        "persons": [person_json(), person_json()], "next_page_token": "abc"
    }))
    .unwrap();
    let page = Page::<Person>::from(raw);
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next_page_token.as_deref(), Some("abc"));

    let raw: types::CustomerList =
        serde_json::from_value(json!({"customers": [customer_json()]})).unwrap();
    let page = Page::<Customer>::from(raw);
    assert_eq!(page.items.len(), 1);
    assert!(!page.has_next());

    let raw: types::DisclosureList =
        serde_json::from_value(json!({"disclosures": [disclosure_json()], "next_page_token": "d"}))
            .unwrap();
    assert_eq!(Page::<Disclosure>::from(raw).items[0].version, "v2.3");

    let raw: types::VerificationList =
        serde_json::from_value(json!({"verifications": [verification_json()]})).unwrap();
    assert_eq!(Page::<Verification>::from(raw).items.len(), 1);
}

/// Every facade enum maps every generated variant onto the variant with the same wire form, and
/// every known facade value converts back for requests.
#[test]
fn enums_agree_with_the_generated_ones_on_the_wire() {
    macro_rules! check {
        ($($name:ident),+ $(,)?) => {$({
            for known in $name::KNOWN {
                let raw: types::$name = known.to_raw("field").unwrap();
                assert_eq!(raw.to_string(), known.as_str(), stringify!($name));
                assert_eq!(&$name::from(raw), known, stringify!($name));
            }
            let err = $name::Unknown("NEW_VALUE".into()).to_raw("some_field").unwrap_err();
            assert!(matches!(&err, crate::error::Error::Validation { field, .. } if *field == "some_field"));
            assert!(!err.to_string().contains("NEW_VALUE"));
        })+};
    }
    check!(
        PersonStatus,
        BanStatus,
        VerificationStatus,
        SsnSource,
        PersonalIdType,
        PersonSortKey,
        AddressType,
        KycStatus,
        DisclosureType,
        DisclosureEventType,
        VerificationType,
        VerificationResult,
        VerificationDetailResult,
    );
}

/// Responses carry enum values as plain strings (codegen adaptation 2): a value Synctera adds
/// later decodes in the generated type and lands in the facade enum's `Unknown`, exactly as
/// decoding the facade type directly would. (End to end over HTTP: `tests/forward_compat.rs`.)
#[test]
fn a_new_enum_value_reaches_the_facade_as_unknown() {
    let mut value = person_json();
    value["status"] = json!("HIBERNATING");
    value["verification_status"] = json!("ESCALATED");
    let p: Person = same_as_json::<types::Person, Person>(value);
    assert_eq!(p.status, PersonStatus::Unknown("HIBERNATING".into()));
    assert_eq!(
        p.verification_status,
        VerificationStatus::Unknown("ESCALATED".into())
    );
}
