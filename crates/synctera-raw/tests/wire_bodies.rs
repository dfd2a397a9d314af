//! Wire tests for the writes: method, path, `Idempotency-Key` where the operation takes one, and a
//! JSON body that is the spec's request example after a round trip through the generated request
//! types (or only the fields a typed builder set), checked against a loopback server.

use axum::http::Method;
use serde_json::json;
use synctera_raw::types;

use common::{
    IDEMPOTENCY_KEY, Server, assert_common_headers, assert_json_body, id, request_example,
    response_example, spec,
};

mod common;

#[tokio::test]
async fn create_person_sends_idempotency_key_and_json_body() {
    let (server, spec) = (Server::start().await, spec());
    let created = response_example(&spec, "/persons", "post", "201");
    server.reply(201, "application/json", &created);
    let body_json = request_example(&spec, "/persons", "post");
    let body: types::CreatePersonRequest = serde_json::from_value(body_json.clone()).unwrap();

    let got = server
        .client()
        .create_person()
        .idempotency_key(types::IdempotencyKey::try_from(IDEMPOTENCY_KEY).unwrap())
        .body(body)
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::POST);
    assert_eq!(req.path, "/v0/persons");
    assert_eq!(req.query, None);
    assert_common_headers(&req);
    assert_eq!(req.header("idempotency-key"), Some(IDEMPOTENCY_KEY));
    assert_json_body(&req, &body_json);
    assert_eq!(got.status(), 201);
    let person = got.into_inner();
    assert_eq!(person.id.to_string(), created["id"].as_str().unwrap());
}

#[tokio::test]
async fn a_body_built_with_the_typed_builder_serializes_only_what_was_set() {
    let server = Server::start().await;
    let spec = spec();
    server.reply(
        201,
        "application/json",
        &response_example(&spec, "/persons", "post", "201"),
    );

    server
        .client()
        .create_person()
        .body(
            types::CreatePersonRequest::builder()
                .is_customer(true)
                .status(types::PersonStatus::Prospect)
                .email("anne@example.com".to_string()),
        )
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.header("idempotency-key"), None, "the key is optional");
    assert_json_body(
        &req,
        &json!({"is_customer": true, "status": "PROSPECT", "email": "anne@example.com"}),
    );
}

#[tokio::test]
async fn update_person_is_a_patch_with_key_and_body() {
    let (server, spec) = (Server::start().await, spec());
    server.reply(
        200,
        "application/json",
        &response_example(&spec, "/persons/{person_id}", "patch", "200"),
    );
    let body_json = request_example(&spec, "/persons/{person_id}", "patch");

    server
        .client()
        .update_person()
        .person_id(id(0x55))
        .idempotency_key(types::IdempotencyKey::try_from(IDEMPOTENCY_KEY).unwrap())
        .body(serde_json::from_value::<types::UpdatePersonRequest>(body_json.clone()).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::PATCH);
    assert_eq!(req.path, "/v0/persons/55555555-5555-5555-5555-555555555555");
    assert_common_headers(&req);
    assert_eq!(req.header("idempotency-key"), Some(IDEMPOTENCY_KEY));
    assert_json_body(&req, &body_json);
}

#[tokio::test]
async fn create_customer_sends_idempotency_key_and_json_body() {
    let (server, spec) = (Server::start().await, spec());
    server.reply(
        201,
        "application/json",
        &response_example(&spec, "/customers", "post", "201"),
    );
    let body_json = request_example(&spec, "/customers", "post");

    let got = server
        .client()
        .create_customer()
        .idempotency_key(types::IdempotencyKey::try_from(IDEMPOTENCY_KEY).unwrap())
        .body(serde_json::from_value::<types::CreateCustomerRequest>(body_json.clone()).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::POST);
    assert_eq!(req.path, "/v0/customers");
    assert_eq!(req.query, None);
    assert_common_headers(&req);
    assert_eq!(req.header("idempotency-key"), Some(IDEMPOTENCY_KEY));
    assert_json_body(&req, &body_json);
    assert_eq!(got.status(), 201);
}

#[tokio::test]
async fn patch_customer_is_a_patch_with_key_and_body() {
    let (server, spec) = (Server::start().await, spec());
    server.reply(
        200,
        "application/json",
        &response_example(&spec, "/customers/{customer_id}", "patch", "200"),
    );
    let body_json = request_example(&spec, "/customers/{customer_id}", "patch");

    server
        .client()
        .patch_customer()
        .customer_id(id(0x77))
        .idempotency_key(types::IdempotencyKey::try_from(IDEMPOTENCY_KEY).unwrap())
        .body(serde_json::from_value::<types::PatchCustomerRequest>(body_json.clone()).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::PATCH);
    assert_eq!(
        req.path,
        "/v0/customers/77777777-7777-7777-7777-777777777777"
    );
    assert_common_headers(&req);
    assert_eq!(req.header("idempotency-key"), Some(IDEMPOTENCY_KEY));
    assert_json_body(&req, &body_json);
}

#[tokio::test]
async fn update_customer_is_a_put_without_idempotency_key() {
    let (server, spec) = (Server::start().await, spec());
    server.reply(
        200,
        "application/json",
        &response_example(&spec, "/customers/{customer_id}", "put", "200"),
    );
    let body_json = request_example(&spec, "/customers/{customer_id}", "put");

    server
        .client()
        .update_customer()
        .customer_id(id(0x88))
        .body(serde_json::from_value::<types::ReplaceCustomerRequest>(body_json.clone()).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::PUT);
    assert_eq!(
        req.path,
        "/v0/customers/88888888-8888-8888-8888-888888888888"
    );
    assert_common_headers(&req);
    assert_eq!(req.header("idempotency-key"), None);
    assert_json_body(&req, &body_json);
}

#[tokio::test]
async fn create_disclosure_sends_idempotency_key_and_json_body() {
    let (server, spec) = (Server::start().await, spec());
    server.reply(
        201,
        "application/json",
        &response_example(&spec, "/disclosures", "post", "201"),
    );
    let body_json = request_example(&spec, "/disclosures", "post");

    let got = server
        .client()
        .create_disclosure()
        .idempotency_key(types::IdempotencyKey::try_from(IDEMPOTENCY_KEY).unwrap())
        .body(serde_json::from_value::<types::CreateDisclosureRequest>(body_json.clone()).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::POST);
    assert_eq!(req.path, "/v0/disclosures");
    assert_common_headers(&req);
    assert_eq!(req.header("idempotency-key"), Some(IDEMPOTENCY_KEY));
    assert_json_body(&req, &body_json);
    assert_eq!(got.status(), 201);
}

#[tokio::test]
async fn verify_sends_idempotency_key_and_json_body() {
    let (server, spec) = (Server::start().await, spec());
    let outcome = response_example(&spec, "/verifications/verify", "post", "201");
    server.reply(201, "application/json", &outcome);
    let body_json = request_example(&spec, "/verifications/verify", "post");

    let got = server
        .client()
        .verify()
        .idempotency_key(types::IdempotencyKey::try_from(IDEMPOTENCY_KEY).unwrap())
        .body(serde_json::from_value::<types::VerifyRequest>(body_json.clone()).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::POST);
    assert_eq!(req.path, "/v0/verifications/verify");
    assert_common_headers(&req);
    assert_eq!(req.header("idempotency-key"), Some(IDEMPOTENCY_KEY));
    assert_json_body(&req, &body_json);
    assert_eq!(got.status(), 201);
    assert_eq!(serde_json::to_value(got.into_inner()).unwrap(), outcome);
}
