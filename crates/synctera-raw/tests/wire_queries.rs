//! Wire tests for the list operations: every filter reaches the query string the way the API
//! reads it (arrays comma-joined in one parameter, values percent-encoded, nothing sent for an
//! unset filter), checked against a loopback server that records the raw request.

use axum::http::Method;
use serde_json::json;
use synctera_raw::types;

use common::{Server, assert_common_headers, assert_no_body, id, ids, response_example, spec};

mod common;

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
