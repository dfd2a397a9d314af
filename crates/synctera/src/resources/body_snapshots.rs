//! Snapshots of the JSON each request builder sends, so a change to a wire shape shows up in
//! review: the generated request type the builder converts into, serialized as `reqwest` sends
//! it. Fixture values come from Synctera's guide.

use chrono::{TimeZone, Utc};
use uuid::Uuid;

use crate::resources::customers::{CustomerPatch, CustomerReplace, NewCustomer};
use crate::resources::disclosures::{DisclosureEventType, DisclosureType, NewDisclosure};
use crate::resources::persons::{NewPerson, PersonUpdate};
use crate::resources::persons::{PersonalIdInput, PersonalIdType};
use crate::resources::verifications::VerifyRequest;
use crate::values::addresses::AddressInput;
use crate::values::ids::{BusinessId, PersonId};
use crate::values::pii::Identifier;
use crate::values::statuses::{BanStatusInput, PersonStatus};

/// The body a builder converts into, as it goes on the wire.
fn sent<B: serde::Serialize>(body: Result<B, crate::error::Error>) -> serde_json::Value {
    serde_json::to_value(body.unwrap()).unwrap()
}

fn person_id() -> PersonId {
    Uuid::parse_str("3f1c2a9e-5b7d-4e8a-9c61-2d4f8b0a7e13")
        .unwrap()
        .into()
}

fn legal() -> AddressInput {
    AddressInput::us("50 Main St", "New York", "NY", "12345")
}

fn shipping() -> AddressInput {
    AddressInput::us("99 Elm St", "San Antonio", "TX", "77777")
        .address_line_2("Unit 2")
        .nickname("Home")
}

#[test]
fn new_person_prospect() {
    let body = NewPerson::prospect()
        .email("anne.baker@example.com")
        .to_raw();
    insta::assert_json_snapshot!(sent(body));
}

#[test]
fn new_person_active_full() {
    let mut metadata = serde_json::Map::new();
    metadata.insert("crm_reference".into(), "lead-4821".into());
    let body = NewPerson::active("Anne", "Baker")
        .middle_name("Q")
        .chosen_name("Annie")
        .dob("2000-01-01")
        .email("anne.baker@example.com")
        .phone_number("+12124567890")
        .ssn("123-45-6789")
        .legal_address(legal())
        .shipping_address(shipping())
        .is_customer(false)
        .ban_status(BanStatusInput::Suspended)
        .note("manual review")
        .tenant("acme_sandbox")
        .metadata(metadata)
        .personal_id(
            PersonalIdInput::new(
                PersonalIdType::PassportNumber,
                "X12345678".parse::<Identifier>().unwrap(),
            )
            .country_code("US"),
        )
        .to_raw();
    insta::assert_json_snapshot!(sent(body));
}

#[test]
fn person_update_activation_from_the_guide() {
    let body = PersonUpdate::activate("Anne", "Baker")
        .chosen_name("Annie")
        .dob("2000-01-01")
        .phone_number("+12124567890")
        .ssn("123-45-6789")
        .legal_address(legal())
        .shipping_address(AddressInput::us("99 Elm St", "San Antonio", "TX", "77777"))
        .to_raw();
    insta::assert_json_snapshot!(sent(body));
}

#[test]
fn person_update_ban_change() {
    let body = PersonUpdate::new()
        .ban_status(BanStatusInput::Allowed)
        .note("review cleared")
        .is_customer(true)
        .to_raw();
    insta::assert_json_snapshot!(sent(body));
}

#[test]
fn new_customer() {
    let body = NewCustomer::active("Jane", "Smith")
        .dob("2000-01-01")
        .email("alice@example.com")
        .phone_number("+14374570680")
        .ssn("123-45-6789")
        .legal_address(
            AddressInput::new("1 Rue Sainte", "CA")
                .city("Montreal")
                .state("QC")
                .postal_code("h2x1y4".to_uppercase()),
        )
        .tenant("abcdef_ghijkl")
        .to_raw();
    insta::assert_json_snapshot!(sent(body));
}

#[test]
fn customer_patch() {
    let body = CustomerPatch::new()
        .status(PersonStatus::Frozen)
        .middle_name("Anne")
        .to_raw();
    insta::assert_json_snapshot!(sent(body));
}

#[test]
fn customer_replace() {
    let body = CustomerReplace::active("Jane", "Smith")
        .phone_number("+12125550123")
        .legal_address(legal())
        .to_raw();
    insta::assert_json_snapshot!(sent(body));
}

#[test]
fn new_disclosure_from_the_guide() {
    let body = NewDisclosure::acknowledged(person_id(), DisclosureType::RegDd, "1.0")
        .disclosure_date(Utc.with_ymd_and_hms(2022, 4, 17, 2, 4, 34).unwrap())
        .to_raw();
    insta::assert_json_snapshot!(sent(body));
}

#[test]
fn new_disclosure_owner_certification() {
    let business: BusinessId = Uuid::parse_str("4e6a8c0e-2b4d-4f6a-8c0e-2b4d6f8a0c2e")
        .unwrap()
        .into();
    let body = NewDisclosure::new(
        DisclosureType::OwnerCertification,
        "v2.1",
        DisclosureEventType::Acknowledged,
    )
    .business_id(business)
    .acknowledging_person_id(person_id())
    .disclosure_date(Utc.with_ymd_and_hms(2022, 4, 13, 1, 55, 0).unwrap())
    .to_raw();
    insta::assert_json_snapshot!(sent(body));
}

#[test]
fn verify_request() {
    let body = VerifyRequest::person(person_id())
        .customer_consent(true)
        .customer_ip_address("192.0.2.10".parse().unwrap())
        .to_raw();
    insta::assert_json_snapshot!(sent(body));
}
