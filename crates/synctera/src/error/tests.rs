use super::*;
use serde_json::json;

fn api(status: u16, body: serde_json::Value, headers: &[(&str, &str)]) -> Error {
    let mut map = http::HeaderMap::new();
    for (k, v) in headers {
        map.insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    Error::from_problem_parts(StatusCode::from_u16(status).unwrap(), &map, Some(&body))
}

#[test]
fn api_error_reads_like_a_sentence() {
    let err = api(
        400,
        json!({"type": "https://dev.synctera.com/errors/bad-request-body",
               "title": "Bad Request Body", "status": 400,
               "detail": "missing required fields: first_name, dob",
               "code": "BAD_REQUEST_BODY"}),
        &[("x-request-id", "req-123")],
    );
    assert_eq!(
        err.to_string(),
        "Synctera answered 400 Bad Request Body (BAD_REQUEST_BODY): missing required fields: \
         first_name, dob [request id req-123]"
    );
    assert_eq!(err.code(), Some(&ApiErrorCode::BadRequestBody));
    assert!(!err.is_retryable());
}

#[test]
fn code_falls_back_to_type_suffix_then_status() {
    let e = api(
        400,
        json!({"type": "https://dev.synctera.com/errors/bad-request-query"}),
        &[],
    );
    assert_eq!(e.code(), Some(&ApiErrorCode::BadQueryParameter));
    let e = api(
        400,
        json!({"type": "https://dev.synctera.com/errors/not-found"}),
        &[],
    );
    assert_eq!(e.code(), Some(&ApiErrorCode::CustomerNotFound));
    assert!(e.is_not_found());
    let e = api(404, json!({}), &[]);
    assert_eq!(e.code(), Some(&ApiErrorCode::ResourceNotFound));
    assert!(e.is_not_found());
    assert_eq!(
        e.to_string(),
        "Synctera answered 404 Not Found (RESOURCE_NOT_FOUND)"
    );
    let e = api(
        409,
        json!({"type": "https://dev.synctera.com/errors/duplicate"}),
        &[],
    );
    assert!(e.is_conflict());
    // The idempotency errors by their type alone, and the one a retry of the same request can
    // get past is retryable.
    let e = api(
        422,
        json!({"type": "https://dev.synctera.com/errors/idempotency-concurrent-use"}),
        &[],
    );
    assert_eq!(e.code(), Some(&ApiErrorCode::IdempotencyConcurrentUse));
    assert!(e.is_retryable());
    let e = api(
        422,
        json!({"type": "https://dev.synctera.com/errors/idempotency-invalid-reuse"}),
        &[],
    );
    assert_eq!(e.code(), Some(&ApiErrorCode::IdempotencyInvalidReuse));
    assert!(!e.is_retryable());
    let e = api(422, json!({"code": "IDEMPOTENCY_CONCURRENT_USE"}), &[]);
    assert!(e.is_retryable());
    let e = api(503, json!({}), &[]);
    assert_eq!(e.code(), Some(&ApiErrorCode::ServiceUnavailable));
    let e = api(413, json!({}), &[]);
    assert_eq!(e.code(), Some(&ApiErrorCode::PayloadTooLarge));
    let e = api(418, json!({}), &[]);
    assert_eq!(e.code(), None);
    let e = api(422, json!({"code": "SOMETHING_NEW"}), &[]);
    assert_eq!(
        e.code(),
        Some(&ApiErrorCode::Unknown("SOMETHING_NEW".into()))
    );
}

#[test]
fn every_documented_code_round_trips() {
    for code in [
        "BAD_REQUEST_BODY",
        "BAD_QUERY_PARAMETER",
        "BAD_REQUEST",
        "CUSTOMER_NOT_FOUND",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "RESOURCE_NOT_FOUND",
        "DUPLICATE_RESOURCE",
        "IDEMPOTENCY_INVALID_REUSE",
        "IDEMPOTENCY_CONCURRENT_USE",
        "INVALID_STATUS",
        "IMPROPER_CUSTOMER_STATUS",
        "TOO_MANY_REQUESTS",
        "INTERNAL_ERROR",
        "GATEWAY_TIMEOUT",
        "VERIFICATION_NOT_IN_REVIEW",
        "PAYLOAD_TOO_LARGE",
        "SERVICE_UNAVAILABLE",
        "WIPE_NOT_ENABLED",
    ] {
        let parsed = ApiErrorCode::from_code(code);
        assert!(!matches!(parsed, ApiErrorCode::Unknown(_)), "{code}");
        assert_eq!(parsed.as_str(), code);
    }
}

#[test]
fn retry_after_takes_seconds_or_an_http_date() {
    let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
    assert_eq!(
        parse_retry_after(" 120 ", now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
        None,
        "a past date falls back to the normal back-off"
    );
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(parse_retry_after("-5", now), None);
}

#[test]
fn retryable_statuses_and_retry_after() {
    let e = api(
        429,
        json!({"code": "TOO_MANY_REQUESTS"}),
        &[("retry-after", "7")],
    );
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    for s in [500, 502, 503, 504, 408] {
        assert!(api(s, json!({}), &[]).is_retryable(), "{s}");
    }
    for s in [400, 401, 403, 404, 409, 422] {
        assert!(!api(s, json!({}), &[]).is_retryable(), "{s}");
    }
    assert!(Error::Timeout.is_retryable());
    assert!(!Error::validation("ssn", "x").is_retryable());
}

#[test]
fn json_errors_never_quote_values() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct T {
        n: u32,
    }
    let e = serde_json::from_str::<T>(r#"{"n": "123-45-6789"}"#).unwrap_err();
    assert!(
        e.to_string().contains("123-45-6789"),
        "serde does quote values"
    );
    let mapped = Error::from_json(&e).to_string();
    assert!(!mapped.contains("123-45-6789"), "{mapped}");
    assert!(mapped.contains("wrong type"), "{mapped}");
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn documented_error_responses_keep_headers() {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-request-id", "req-9".parse().unwrap());
    headers.insert("retry-after", "3".parse().unwrap());
    let problem = json!({"title": "Too many requests", "code": "TOO_MANY_REQUESTS"});
    let raw = progenitor_client::Error::ErrorResponse(progenitor_client::ResponseValue::new(
        problem,
        StatusCode::TOO_MANY_REQUESTS,
        headers,
    ));
    let err = block_on(Error::from_raw(raw));
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.code(), Some(&ApiErrorCode::TooManyRequests));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    assert!(matches!(&err, Error::Api { request_id: Some(id), .. } if id == "req-9"));
}

#[test]
fn undocumented_statuses_are_read_as_problems_too() {
    let response = http::Response::builder()
        .status(502)
        .header("content-type", "application/problem+json")
        .body(r#"{"title":"Bad gateway","detail":"upstream failed"}"#)
        .unwrap();
    let raw = progenitor_client::Error::<serde_json::Value>::UnexpectedResponse(
        reqwest::Response::from(response),
    );
    let err = block_on(Error::from_raw(raw));
    assert_eq!(
        err.to_string(),
        "Synctera answered 502 Bad gateway: upstream failed"
    );
    assert!(err.is_retryable());

    // A body that is not JSON still gives a typed error built from the status.
    let response = http::Response::builder().status(404).body("nope").unwrap();
    let raw = progenitor_client::Error::<serde_json::Value>::UnexpectedResponse(
        reqwest::Response::from(response),
    );
    assert!(block_on(Error::from_raw(raw)).is_not_found());

    // An unexpected *success* status is a decode problem, not an API error.
    let response = http::Response::builder().status(202).body("{}").unwrap();
    let raw = progenitor_client::Error::<serde_json::Value>::UnexpectedResponse(
        reqwest::Response::from(response),
    );
    assert!(matches!(block_on(Error::from_raw(raw)), Error::Decode(_)));
}

#[test]
fn invalid_payloads_are_decode_errors_without_values() {
    let bad = serde_json::from_str::<u32>("\"123-45-6789\"").unwrap_err();
    let raw = progenitor_client::Error::<serde_json::Value>::InvalidResponsePayload(
        "\"123-45-6789\"".into(),
        bad,
    );
    let err = block_on(Error::from_raw(raw));
    assert!(matches!(err, Error::Decode(_)));
    assert!(!err.to_string().contains("6789"), "{err}");
}

#[test]
fn pii_the_server_quotes_is_masked_in_display_and_debug() {
    let err = api(
        409,
        json!({"title": "Duplicate alice@example.com", "status": 409,
               "detail": "customer with ssn 123-45-6789, phone +14374570680 and dob \
                          1990-01-01 already exists: 7d943c51-e4ff-4e57-9558-08cab6b963c7",
               "code": "DUPLICATE_RESOURCE"}),
        &[],
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        for pii in ["alice", "example.com", "6789", "4374570680", "1990-01-01"] {
            assert!(!shown.contains(pii), "{pii} in {shown}");
        }
        // The words and the id around them stay.
        assert!(shown.contains("customer with ssn ***-**-****"), "{shown}");
        assert!(
            shown.contains("7d943c51-e4ff-4e57-9558-08cab6b963c7"),
            "{shown}"
        );
    }
    assert!(err.is_conflict());
}
