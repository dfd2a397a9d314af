//! Formats every public type that can hold PII, built from fixture PII, with `{:?}` and (where it
//! exists) `{}`, and checks that none of the fixture's sensitive values appear.

use serde_json::json;
use synctera::addresses::{Address, AddressInput};
use synctera::persons::{PersonalId, PersonalIdInput, PersonalIdType};
use synctera::pii::{
    AddressLine, DateOfBirth, Email, Identifier, IdentifierLast4, PhoneNumber, Ssn, SsnLast4,
};
use synctera::{
    Client, Customer, CustomerPatch, CustomerReplace, NewCustomer, NewPerson, Person, PersonUpdate,
    VerifyRequest,
};

const SSN: &str = "123-45-6789";
const DOB: &str = "1984-07-23";
const PHONE: &str = "+12124567890";
const EMAIL: &str = "anne.baker@example.com";
const LINE1: &str = "50 Main St";
const LINE2: &str = "Apt 4B";
const PASSPORT: &str = "X12345678";
const KEY: &str = "sk_live_abcdef123456";
const IP: &str = "198.51.100.23";

/// Fragments that must never show: the SSN beyond its last four (in any spelling), the full
/// date of birth, the phone number (even without its `+`), the e-mail and its local part, the
/// street lines, the passport number, the key, the IP.
const FORBIDDEN: &[&str] = &[
    "123-45",
    "12345",
    "123456789",
    "45-6789",
    DOB,
    "1984",
    "07-23",
    PHONE,
    "2124567890",
    "21245",
    EMAIL,
    "anne.baker",
    "example.com",
    LINE1,
    "Main St",
    LINE2,
    PASSPORT,
    "12345678",
    KEY,
    "abcdef123456",
    IP,
];

fn assert_clean(what: &str, shown: &str) {
    for bad in FORBIDDEN {
        assert!(!shown.contains(bad), "{what} shows {bad:?}: {shown}");
    }
}

macro_rules! check_debug {
    ($($value:expr),+ $(,)?) => {
        $({
            let v = &$value;
            assert_clean(stringify!($value), &format!("{v:?} {v:#?}"));
        })+
    };
}

macro_rules! check_both {
    ($($value:expr),+ $(,)?) => {
        $({
            let v = &$value;
            assert_clean(stringify!($value), &format!("{v:?} {v:#?}"));
            assert_clean(stringify!($value), &format!("{v}"));
        })+
    };
}

fn address_json() -> serde_json::Value {
    json!({"id": "8a2e4c6f-1b3d-4f5a-8e7c-9d0b1a2c3e4f", "address_type": "LEGAL",
           "address_line_1": LINE1, "address_line_2": LINE2, "city": "New York",
           "state": "NY", "postal_code": "10001", "country_code": "US"})
}

fn person() -> Person {
    serde_json::from_value(json!({
        "id": "3f1c2a9e-5b7d-4e8a-9c61-2d4f8b0a7e13",
        "status": "ACTIVE", "ban_status": "ALLOWED", "is_customer": true,
        "verification_status": "ACCEPTED", "tenant": "acme",
        "creation_time": "2022-04-13T01:52:40Z", "last_updated_time": "2022-04-13T01:52:40Z",
        "first_name": "Anne", "last_name": "Baker", "chosen_name": "Annie",
        "dob": DOB, "email": EMAIL, "phone_number": PHONE,
        // A response that (wrongly) carries the full SSN must still be reduced to its last four.
        "ssn": SSN,
        "legal_address": address_json(), "shipping_address": address_json(),
        "personal_ids": [{"id_type": "PASSPORT_NUMBER", "identifier": PASSPORT, "country_code": "US"}],
        "metadata": {"crm": "lead-1"}
    }))
    .unwrap()
}

#[test]
fn pii_values_are_masked() {
    let ssn = SSN.parse::<Ssn>().unwrap();
    let last4: SsnLast4 = serde_json::from_value(json!(SSN)).unwrap();
    let dob = DOB.parse::<DateOfBirth>().unwrap();
    let phone = PHONE.parse::<PhoneNumber>().unwrap();
    let email = EMAIL.parse::<Email>().unwrap();
    let line = LINE1.parse::<AddressLine>().unwrap();
    let id_last4: IdentifierLast4 = serde_json::from_value(json!(PASSPORT)).unwrap();
    check_both!(ssn, last4, dob, phone, email, line, id_last4);
    check_debug!(PASSPORT.parse::<Identifier>().unwrap());
    // The masked forms still carry what is safe to show.
    assert_eq!(last4.to_string(), "***-**-6789");
}

#[test]
fn response_types_are_masked() {
    let person = person();
    let customer = Customer::from(person.clone());
    let address: Address = serde_json::from_value(address_json()).unwrap();
    let personal_id: PersonalId = person.personal_ids[0].clone();
    check_debug!(person, customer, personal_id);
    check_both!(address);
    check_debug!(customer.into_person(true));
    let page = synctera::Page {
        items: vec![person.clone()],
        next_page_token: None,
    };
    check_debug!(page);
}

#[test]
fn request_builders_are_masked() {
    let address = || AddressInput::us(LINE1, "New York", "NY", "10001").address_line_2(LINE2);
    let new_person = NewPerson::active("Anne", "Baker")
        .dob(DOB)
        .email(EMAIL)
        .phone_number(PHONE)
        .ssn(SSN)
        .legal_address(address())
        .shipping_address(address())
        .personal_id(PersonalIdInput::new(
            PersonalIdType::PassportNumber,
            PASSPORT.parse::<Identifier>().unwrap(),
        ))
        .note("a note");
    let update = PersonUpdate::new()
        .dob(DOB)
        .email(EMAIL)
        .phone_number(PHONE)
        .ssn(SSN)
        .legal_address(address());
    let new_customer = NewCustomer::active("Anne", "Baker")
        .dob(DOB)
        .email(EMAIL)
        .phone_number(PHONE)
        .ssn(SSN);
    let patch = CustomerPatch::new()
        .dob(DOB)
        .email(EMAIL)
        .phone_number(PHONE)
        .ssn(SSN)
        .shipping_address(address());
    let replace = CustomerReplace::active("Anne", "Baker")
        .dob(DOB)
        .email(EMAIL)
        .phone_number(PHONE)
        .ssn(SSN);
    let verify = VerifyRequest::person(uuid::Uuid::nil())
        .customer_consent(true)
        .customer_ip_address(IP.parse().unwrap());
    check_debug!(
        new_person,
        update,
        new_customer,
        patch,
        replace,
        verify,
        address()
    );
}

#[test]
fn list_queries_and_client_are_masked() {
    let client = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9/v0")
        .build()
        .unwrap();
    let persons = client
        .persons()
        .list()
        .email(EMAIL)
        .phone_number(PHONE)
        .last_name("Baker")
        .ssn_last_4("6789".parse::<SsnLast4>().unwrap());
    let customers = client.customers().list().email(EMAIL).phone_number(PHONE);
    check_debug!(client, persons, customers);
    check_debug!(synctera::client::ApiKey::new(KEY).unwrap());
}

#[test]
fn validation_errors_never_echo_values() {
    // Each input is almost right, so a message quoting it would contain a forbidden fragment.
    let errors = vec![
        "123-45-67890".parse::<Ssn>().unwrap_err(),
        "123456789".parse::<Ssn>().unwrap_err(),
        "1884-07-23".parse::<DateOfBirth>().unwrap_err(),
        "2124567890".parse::<PhoneNumber>().unwrap_err(),
        "anne.baker@example".parse::<Email>().unwrap_err(),
        NewPerson::prospect()
            .ssn("123-45-678")
            .validate()
            .unwrap_err(),
        PersonUpdate::new()
            .email("anne.baker example.com")
            .validate()
            .unwrap_err(),
        PersonUpdate::new()
            .legal_address(AddressInput::us(LINE1, "New York", "NY", "1234567890"))
            .validate()
            .unwrap_err(),
        Client::builder()
            .api_key(format!("{KEY} \n"))
            .build()
            .unwrap_err(),
        "anne.baker@example.com"
            .parse::<synctera::PersonId>()
            .unwrap_err(),
    ];
    for e in errors {
        assert_clean("error", &format!("{e} {e:?}"));
    }
}
