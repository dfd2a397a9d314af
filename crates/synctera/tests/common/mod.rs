//! Shared by the end-to-end tests: an in-process sandbox with a client pointed at it, and the
//! details a person needs before KYC can run.
// Each test file is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use synctera::{AddressInput, Client, PersonUpdate};
use synctera_sandbox::Sandbox;

/// The tenant every end-to-end test writes to (`Sandbox::person_count` takes it).
pub const API_KEY: &str = "e2e-test-key";

pub async fn setup() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    (sandbox, client)
}

pub fn full_details(update: PersonUpdate) -> PersonUpdate {
    update
        .dob("2000-01-01")
        .email("anne.baker@example.com")
        .phone_number("+12124567890")
        .ssn("123-45-6789")
        .legal_address(AddressInput::us("50 Main St", "New York", "NY", "12345"))
}
