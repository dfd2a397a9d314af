//! Wire tests for error answers: a problem+json body, however sparse, decodes into the typed
//! `Problem` (the wipe's 422 too); an error from infrastructure in front of the API still brings
//! its status and headers and never its foreign body; a broken success body stays a decoding error.

use axum::http::{Method, StatusCode};
use serde_json::json;
use synctera_raw::{Error, types};

use common::{Server, assert_common_headers, assert_no_body, id};

mod common;

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
