//! Wire tests for the reads by id: the id goes into the path, and the success body decodes into
//! the generated response type, the spec's own example exactly and a value the spec does not list
//! yet as sent (while requests keep their typed enums and validated strings).

use axum::http::Method;
use serde_json::json;
use synctera_raw::types;

use common::{Server, assert_common_headers, assert_no_body, id, response_example, spec};

mod common;

#[tokio::test]
async fn get_person_puts_the_id_in_the_path() {
    let (server, spec) = (Server::start().await, spec());
    let person = response_example(&spec, "/persons/{person_id}", "get", "200");
    server.reply(200, "application/json", &person);

    let got = server
        .client()
        .get_person()
        .person_id(id(0x44))
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::GET);
    assert_eq!(req.path, "/v0/persons/44444444-4444-4444-4444-444444444444");
    assert_eq!(req.query, None);
    assert_common_headers(&req);
    assert_no_body(&req);
    assert_eq!(serde_json::to_value(got.into_inner()).unwrap(), person);
}

#[tokio::test]
async fn get_customer_puts_the_id_in_the_path() {
    let (server, spec) = (Server::start().await, spec());
    let customer = response_example(&spec, "/customers/{customer_id}", "get", "200");
    server.reply(200, "application/json", &customer);

    let got = server
        .client()
        .get_customer()
        .customer_id(id(0x66))
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::GET);
    assert_eq!(
        req.path,
        "/v0/customers/66666666-6666-6666-6666-666666666666"
    );
    assert_eq!(req.query, None);
    assert_common_headers(&req);
    assert_no_body(&req);
    assert_eq!(serde_json::to_value(got.into_inner()).unwrap(), customer);
}

#[tokio::test]
async fn get_disclosure_puts_the_id_in_the_path() {
    let (server, spec) = (Server::start().await, spec());
    let disclosure = response_example(&spec, "/disclosures/{disclosure_id}", "get", "200");
    server.reply(200, "application/json", &disclosure);

    let got = server
        .client()
        .get_disclosure()
        .disclosure_id(id(0x99))
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::GET);
    assert_eq!(
        req.path,
        "/v0/disclosures/99999999-9999-9999-9999-999999999999"
    );
    assert_common_headers(&req);
    assert_no_body(&req);
    assert_eq!(serde_json::to_value(got.into_inner()).unwrap(), disclosure);
}

#[tokio::test]
async fn get_verification_puts_the_id_in_the_path() {
    let (server, spec) = (Server::start().await, spec());
    let verification = response_example(&spec, "/verifications/{verification_id}", "get", "200");
    server.reply(200, "application/json", &verification);

    let got = server
        .client()
        .get_verification()
        .verification_id(id(0xab))
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::GET);
    assert_eq!(
        req.path,
        "/v0/verifications/abababab-abab-abab-abab-abababababab"
    );
    assert_common_headers(&req);
    assert_no_body(&req);
    assert_eq!(
        serde_json::to_value(got.into_inner()).unwrap(),
        verification
    );
}

#[tokio::test]
async fn a_response_with_values_the_spec_does_not_list_yet_still_decodes() {
    // Response enums and constrained strings are plain strings (codegen adaptation 2): a value
    // Synctera adds later is handed on as sent instead of failing the whole response.
    let (server, spec) = (Server::start().await, spec());
    let mut person = response_example(&spec, "/persons/{person_id}", "get", "200");
    person["status"] = json!("PENDING_REVIEW");
    person["ban_status"] = json!("QUARANTINED");
    person["verification_status"] = json!("ESCALATED");
    person["ssn_source"] = json!("CREDIT_BUREAU");
    person["legal_address"] =
        json!({"address_type": "MAILING", "address_line_1": "1 Main", "country_code": "XKX"});
    server.reply(200, "application/json", &person);

    let got = server
        .client()
        .get_person()
        .person_id(id(0x45))
        .send()
        .await
        .expect("new enum values decode")
        .into_inner();
    server.take_one();
    assert_eq!(got.status, "PENDING_REVIEW");
    assert_eq!(got.ban_status, "QUARANTINED");
    assert_eq!(got.verification_status, "ESCALATED");
    assert_eq!(got.ssn_source.as_deref(), Some("CREDIT_BUREAU"));
    let legal = got.legal_address.unwrap();
    assert_eq!(legal.address_type.as_deref(), Some("MAILING"));
    assert_eq!(legal.country_code, "XKX");

    let mut verification =
        response_example(&spec, "/verifications/{verification_id}", "get", "200");
    verification["result"] = json!("ESCALATED");
    verification["verification_type"] = json!("BIOMETRIC");
    verification["details"] = json!([{"result": "INCONCLUSIVE"}]);
    server.reply(200, "application/json", &verification);
    let got = server
        .client()
        .get_verification()
        .verification_id(id(0x46))
        .send()
        .await
        .expect("a new verification result decodes")
        .into_inner();
    server.take_one();
    assert_eq!(got.result, "ESCALATED");
    assert_eq!(got.verification_type, "BIOMETRIC");
    assert_eq!(got.details[0].result, "INCONCLUSIVE");
}

#[tokio::test]
async fn requests_keep_their_typed_enums_and_validated_strings() {
    // The leniency is for what the server says, not for what the client sends.
    assert!("HIBERNATING".parse::<types::PersonStatus>().is_err());
    assert!("X".parse::<types::CountryCode>().is_err());
    assert!(types::PersonName::try_from(String::new()).is_err());
}
