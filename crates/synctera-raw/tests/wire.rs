//! Wire tests: what each of the 15 generated operations puts on the wire, checked against a
//! loopback HTTP server that records the raw request and answers with the spec's own example.
//!
//! Request bodies are the spec's request examples decoded into the generated request types, so
//! a body that does not survive the generated types' round trip fails here; responses are the
//! spec's success examples, so an example the generated response type cannot decode fails too.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use synctera_raw::{Client, Error, types};
use uuid::Uuid;

const API_KEY: &str = "test-key-not-secret";
const IDEMPOTENCY_KEY: &str = "5e1f0a4b-8c2d-4e6f-9a1b-3c5d7e9f1a2b";

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Recorded {
    method: Method,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

#[derive(Clone)]
struct Canned {
    status: StatusCode,
    content_type: &'static str,
    body: String,
    headers: Vec<(&'static str, &'static str)>,
}

#[derive(Clone)]
struct Server {
    base_url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    reply: Arc<Mutex<Canned>>,
}

impl Server {
    async fn start() -> Self {
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let reply = Arc::new(Mutex::new(Canned {
            status: StatusCode::OK,
            content_type: "application/json",
            body: "{}".into(),
            headers: Vec::new(),
        }));
        let (rec, rep) = (recorded.clone(), reply.clone());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (rec, rep) = (rec.clone(), rep.clone());
                async move {
                    rec.lock().unwrap().push(Recorded {
                        method,
                        path: uri.path().to_string(),
                        query: uri.query().map(str::to_string),
                        headers,
                        body,
                    });
                    let canned = rep.lock().unwrap().clone();
                    let mut response: Response = (
                        canned.status,
                        [("content-type", canned.content_type)],
                        canned.body,
                    )
                        .into_response();
                    for (name, value) in canned.headers {
                        response.headers_mut().insert(name, value.parse().unwrap());
                    }
                    response
                }
            },
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            // The path stem proves the generated client keeps the base URL's `/v0`.
            base_url: format!("http://{addr}/v0"),
            recorded,
            reply,
        }
    }

    fn reply(&self, status: u16, content_type: &'static str, body: &Value) {
        self.reply_raw(status, content_type, &body.to_string(), &[]);
    }

    /// Answer with an arbitrary body (not necessarily JSON) and extra headers.
    fn reply_raw(
        &self,
        status: u16,
        content_type: &'static str,
        body: &str,
        headers: &[(&'static str, &'static str)],
    ) {
        *self.reply.lock().unwrap() = Canned {
            status: StatusCode::from_u16(status).unwrap(),
            content_type,
            body: body.to_string(),
            headers: headers.to_vec(),
        };
    }

    /// The single request made since the last call.
    fn take_one(&self) -> Recorded {
        let mut all = std::mem::take(&mut *self.recorded.lock().unwrap());
        assert_eq!(all.len(), 1, "expected exactly one request, got {all:?}");
        all.pop().unwrap()
    }

    /// The raw client the way the facade builds it: the bearer token is a default header of the
    /// caller's `reqwest::Client`, marked sensitive.
    fn client(&self) -> Client {
        let mut auth =
            reqwest::header::HeaderValue::from_str(&format!("Bearer {API_KEY}")).unwrap();
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .default_headers(reqwest::header::HeaderMap::from_iter([(
                reqwest::header::AUTHORIZATION,
                auth,
            )]))
            .build()
            .unwrap();
        Client::new_with_client(&self.base_url, http)
    }
}

/// The spec, as JSON.
fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/synctera.yaml"
    ))
    .unwrap();
    serde_norway::from_str(&text).unwrap()
}

fn operation<'a>(spec: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &spec["paths"][path][method];
    assert!(op.is_object(), "spec has no {method} {path}");
    op
}

/// Follow a local `$ref`, if any.
fn deref<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}")),
        None => v,
    }
}

/// The example of a media type object: its own, else its schema's.
fn media_example(spec: &Value, media: &Value) -> Value {
    if let Some(e) = media.get("example") {
        return e.clone();
    }
    let schema = deref(spec, &media["schema"]);
    schema
        .get("example")
        .cloned()
        .expect("media type or schema has an example")
}

fn request_example(spec: &Value, path: &str, method: &str) -> Value {
    let body = deref(spec, &operation(spec, path, method)["requestBody"]);
    media_example(spec, &body["content"]["application/json"])
}

fn response_example(spec: &Value, path: &str, method: &str, status: &str) -> Value {
    let response = deref(spec, &operation(spec, path, method)["responses"][status]);
    media_example(spec, &response["content"]["application/json"])
}

/// Headers every request must carry, and one it must not.
fn assert_common_headers(req: &Recorded) {
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {API_KEY}").as_str()),
        "bearer token comes from the caller's reqwest::Client default headers"
    );
    assert_eq!(
        req.header("accept"),
        Some("application/json, application/problem+json"),
        "errors come as application/problem+json, so the client must accept it"
    );
    assert_eq!(req.headers.get_all("accept").iter().count(), 1);
    assert_eq!(
        req.header("api-version"),
        None,
        "progenitor's api-version header is not part of this API and is removed by the hook"
    );
}

fn assert_json_body(req: &Recorded, expected: &Value) {
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(&req.json(), expected);
}

fn assert_no_body(req: &Recorded) {
    assert!(req.body.is_empty(), "unexpected body {:?}", req.body);
    assert_eq!(req.header("content-type"), None);
    assert_eq!(req.header("idempotency-key"), None);
}

fn id(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}

fn ids() -> (Uuid, Uuid) {
    (id(0x11), id(0x22))
}

// ------------------------------------------------------------------------------------- persons

#[tokio::test]
async fn list_persons_sends_every_filter_with_arrays_comma_joined() {
    let (server, spec) = (Server::start().await, spec());
    let page = response_example(&spec, "/persons", "get", "200");
    server.reply(200, "application/json", &page);
    let (a, b) = ids();

    let got = server
        .client()
        .list_persons()
        .id(vec![a, b])
        .sort_by(vec![
            types::PersonSortKey::LastNameAsc,
            types::PersonSortKey::CreationTimeDesc,
        ])
        .ban_status(vec![types::BanStatus::Allowed, types::BanStatus::Suspended])
        .is_customer(true)
        .has_accounts(false)
        .ssn_last_4(types::SsnLast4::try_from("6789").unwrap())
        .last_name("O'Neil*")
        .email("anne@example.com")
        .first_name("Anne Marie")
        .phone_number("+12125550123")
        .status(types::PersonStatus::Active)
        .include_console_users(false)
        .page_token("c2Vjb25k")
        .limit(std::num::NonZeroU64::new(25).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::GET);
    assert_eq!(req.path, "/v0/persons");
    assert_eq!(
        req.query.as_deref(),
        Some(
            "ban_status=ALLOWED,SUSPENDED&email=anne%40example.com&first_name=Anne+Marie\
             &has_accounts=false\
             &id=11111111-1111-1111-1111-111111111111,22222222-2222-2222-2222-222222222222\
             &include_console_users=false&is_customer=true&last_name=O%27Neil*&limit=25\
             &page_token=c2Vjb25k&phone_number=%2B12125550123\
             &sort_by=last_name%3Aasc,creation_time%3Adesc&ssn_last_4=6789&status=ACTIVE"
        )
    );
    assert_common_headers(&req);
    assert_no_body(&req);
    assert_eq!(got.status(), 200);
    assert_eq!(serde_json::to_value(got.into_inner()).unwrap(), page);
}

#[tokio::test]
async fn a_single_element_array_and_no_filters_go_out_as_the_spec_says() {
    let server = Server::start().await;
    server.reply(200, "application/json", &json!({"persons": []}));
    let client = server.client();

    client
        .list_persons()
        .id(vec![id(0x33)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.take_one().query.as_deref(),
        Some("id=33333333-3333-3333-3333-333333333333")
    );

    client.list_persons().send().await.unwrap();
    assert_eq!(server.take_one().query, None);
}

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

// ----------------------------------------------------------------------------------- customers

#[tokio::test]
async fn list_customers_sends_its_filters() {
    let (server, spec) = (Server::start().await, spec());
    let page = response_example(&spec, "/customers", "get", "200");
    server.reply(200, "application/json", &page);
    let (a, b) = ids();

    let got = server
        .client()
        .list_customers()
        .id(vec![a, b])
        .sort_by(vec![types::PersonSortKey::FirstNameDesc])
        .has_accounts(true)
        .ssn_last_4(types::SsnLast4::try_from("1234").unwrap())
        .last_name("Baker")
        .email("*@example.com")
        .first_name("Anne")
        .phone_number("+1212*")
        .status(types::PersonStatus::Prospect)
        .page_token("p2")
        .limit(std::num::NonZeroU64::new(100).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::GET);
    assert_eq!(req.path, "/v0/customers");
    assert_eq!(
        req.query.as_deref(),
        Some(
            "email=*%40example.com&first_name=Anne&has_accounts=true\
             &id=11111111-1111-1111-1111-111111111111,22222222-2222-2222-2222-222222222222\
             &last_name=Baker&limit=100&page_token=p2&phone_number=%2B1212*\
             &sort_by=first_name%3Adesc&ssn_last_4=1234&status=PROSPECT"
        )
    );
    assert_common_headers(&req);
    assert_no_body(&req);
    assert_eq!(serde_json::to_value(got.into_inner()).unwrap(), page);
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

// --------------------------------------------------------------------------------- disclosures

#[tokio::test]
async fn list_disclosures_sends_its_filters() {
    let (server, spec) = (Server::start().await, spec());
    let page = response_example(&spec, "/disclosures", "get", "200");
    server.reply(200, "application/json", &page);
    let (a, b) = ids();

    let got = server
        .client()
        .list_disclosures()
        .person_id(id(0x01))
        .business_id(id(0x02))
        .acknowledging_person_id(id(0x03))
        .id(vec![a, b])
        .page_token("next")
        .limit(std::num::NonZeroU64::new(2).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::GET);
    assert_eq!(req.path, "/v0/disclosures");
    assert_eq!(
        req.query.as_deref(),
        Some(
            "acknowledging_person_id=03030303-0303-0303-0303-030303030303\
             &business_id=02020202-0202-0202-0202-020202020202\
             &id=11111111-1111-1111-1111-111111111111,22222222-2222-2222-2222-222222222222\
             &limit=2&page_token=next&person_id=01010101-0101-0101-0101-010101010101"
        )
    );
    assert_common_headers(&req);
    assert_no_body(&req);
    assert_eq!(serde_json::to_value(got.into_inner()).unwrap(), page);
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

// ------------------------------------------------------------------------------- verifications

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

#[tokio::test]
async fn list_verifications_sends_its_filters() {
    let (server, spec) = (Server::start().await, spec());
    let page = response_example(&spec, "/verifications", "get", "200");
    server.reply(200, "application/json", &page);

    let got = server
        .client()
        .list_verifications()
        .person_id(id(0x01))
        .business_id(id(0x02))
        .id(vec![id(0x11)])
        .verification_type(types::VerificationType::Identity)
        .result(types::VerificationResult::Accepted)
        .include_history(true)
        .page_token("t")
        .limit(std::num::NonZeroU64::new(10).unwrap())
        .send()
        .await
        .unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::GET);
    assert_eq!(req.path, "/v0/verifications");
    assert_eq!(
        req.query.as_deref(),
        Some(
            "business_id=02020202-0202-0202-0202-020202020202\
             &id=11111111-1111-1111-1111-111111111111&include_history=true&limit=10\
             &page_token=t&person_id=01010101-0101-0101-0101-010101010101\
             &result=ACCEPTED&verification_type=IDENTITY"
        )
    );
    assert_common_headers(&req);
    assert_no_body(&req);
    assert_eq!(serde_json::to_value(got.into_inner()).unwrap(), page);
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

// ------------------------------------------------------------------------------------- errors

#[tokio::test]
async fn wipe_workspace_is_a_bodyless_post_answered_204_or_a_typed_422() {
    let server = Server::start().await;
    server.reply_raw(204, "application/json", "", &[]);

    let got = server.client().wipe_workspace().send().await.unwrap();

    let req = server.take_one();
    assert_eq!(req.method, Method::POST);
    assert_eq!(req.path, "/v0/wipe");
    assert_eq!(req.query, None);
    assert_common_headers(&req);
    assert_no_body(&req);
    assert_eq!(got.status().as_u16(), 204);

    // Where wiping is not enabled (production), the vendor answers 422 WIPE_NOT_ENABLED.
    server.reply(
        422,
        "application/problem+json",
        &json!({"status": 422, "code": "WIPE_NOT_ENABLED", "title": "Rule violation"}),
    );
    let err = server.client().wipe_workspace().send().await.unwrap_err();
    let Error::ErrorResponse(response) = err else {
        panic!("expected a typed error response, got {err:?}");
    };
    assert_eq!(response.status().as_u16(), 422);
    assert_eq!(
        response.into_inner().code.as_deref(),
        Some("WIPE_NOT_ENABLED")
    );
    server.take_one();
}

#[tokio::test]
async fn a_problem_json_400_decodes_into_the_typed_problem() {
    let server = Server::start().await;
    server.reply(
        400,
        "application/problem+json",
        &json!({
            "type": "https://dev.synctera.com/errors/bad-request-body",
            "title": "Invalid request body",
            "status": 400,
            "detail": "missing required fields: first_name, last_name",
            "code": "BAD_REQUEST_BODY"
        }),
    );

    let err = server
        .client()
        .create_person()
        .body(
            types::CreatePersonRequest::builder()
                .is_customer(true)
                .status(types::PersonStatus::Active),
        )
        .send()
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(reqwest::StatusCode::BAD_REQUEST));
    let Error::ErrorResponse(response) = err else {
        panic!("expected a typed error response, got {err:?}");
    };
    let problem: types::Problem = response.into_inner();
    assert_eq!(
        problem.type_.as_deref(),
        Some("https://dev.synctera.com/errors/bad-request-body")
    );
    assert_eq!(problem.title.as_deref(), Some("Invalid request body"));
    assert_eq!(problem.status, Some(400));
    assert_eq!(
        problem.detail.as_deref(),
        Some("missing required fields: first_name, last_name")
    );
    assert_eq!(problem.code.as_deref(), Some("BAD_REQUEST_BODY"));
}

#[tokio::test]
async fn every_documented_error_status_decodes_into_problem_even_when_sparse() {
    let server = Server::start().await;
    let client = server.client();
    for status in [401u16, 403, 404, 500] {
        server.reply(
            status,
            "application/problem+json",
            &json!({"status": status, "code": "X"}),
        );
        let err = client
            .get_person()
            .person_id(id(1))
            .send()
            .await
            .unwrap_err();
        let Error::ErrorResponse(response) = err else {
            panic!("{status}: expected a typed error response, got {err:?}");
        };
        assert_eq!(response.status().as_u16(), status);
        let problem = response.into_inner();
        assert_eq!(problem.status, Some(i64::from(status)));
        assert_eq!(problem.title, None);
        server.take_one();
    }
}

/// Errors produced by infrastructure in front of the API (proxies, load balancers) carry no
/// problem document. They must still decode into `types::Problem` with their status and headers
/// intact, so callers can tell a 500 from a 429 and honour `Retry-After`; the foreign body is
/// dropped, never quoted (it might echo submitted data).
#[tokio::test]
async fn an_error_without_a_problem_body_still_decodes_with_its_status_and_headers() {
    let server = Server::start().await;
    let client = server.client();
    type Headers = &'static [(&'static str, &'static str)];
    let cases: [(u16, &str, &str, Headers); 4] = [
        (
            500,
            "text/html",
            "<html><body>upstream 123-45-6789 failed</body></html>",
            &[],
        ),
        (429, "text/plain", "", &[("retry-after", "7")]),
        (404, "application/json", "[\"not\", \"a problem\"]", &[]),
        (
            400,
            "application/problem+json",
            "{\"status\": \"400\"}",
            &[],
        ),
    ];
    for (status, content_type, body, headers) in cases {
        server.reply_raw(status, content_type, body, headers);
        let err = client
            .get_person()
            .person_id(id(1))
            .send()
            .await
            .unwrap_err();
        let Error::ErrorResponse(response) = err else {
            panic!("{status}: expected a typed error response, got {err:?}");
        };
        assert_eq!(response.status().as_u16(), status);
        for (name, value) in headers {
            assert_eq!(response.headers().get(*name).unwrap(), value, "{status}");
        }
        let problem = response.into_inner();
        assert_eq!(problem.status, Some(i64::from(status)), "{status}");
        assert_eq!(
            problem.title.as_deref(),
            StatusCode::from_u16(status).unwrap().canonical_reason(),
            "{status}"
        );
        assert_eq!(problem.detail, None, "the foreign body is not quoted");
        server.take_one();
    }
}

#[tokio::test]
async fn a_success_body_that_does_not_decode_is_still_reported_as_invalid() {
    // The hook only stands in for error bodies: a broken 200 stays a decoding error.
    let server = Server::start().await;
    server.reply_raw(200, "application/json", "not json", &[]);
    let err = server
        .client()
        .get_person()
        .person_id(id(1))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidResponsePayload(..)),
        "expected InvalidResponsePayload, got {err:?}"
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
