//! RFC 7807 problem reports, the only error shape the sandbox ever answers with.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One error answer. `detail` names fields, never their values.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub type_suffix: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    type_: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
}

impl Problem {
    fn new(
        status: StatusCode,
        code: &'static str,
        type_suffix: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            code,
            type_suffix,
            title,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn bad_body(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST_BODY",
            "bad-request-body",
            "Bad request body",
            detail,
        )
    }

    pub fn bad_query(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "BAD_QUERY_PARAMETER",
            "bad-request-query",
            "Bad query parameter",
            detail,
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "bad-request",
            "Bad request",
            detail,
        )
    }

    pub fn customer_not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "CUSTOMER_NOT_FOUND",
            "not-found",
            "Referenced customer not found",
            detail,
        )
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "unauthenticated",
            "Unauthenticated",
            detail,
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            "not-found",
            "Resource not found",
            detail,
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
            "bad-request",
            "Method not allowed",
            "this path does not support the request method",
        )
    }

    pub fn duplicate(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "DUPLICATE_RESOURCE",
            "duplicate",
            "Duplicate resource",
            detail,
        )
    }

    /// settleVerification on a person whose verification is not under review.
    pub fn verification_not_in_review() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "VERIFICATION_NOT_IN_REVIEW",
            "rule-violation",
            "Rule violation",
            "the person's verification is not under review",
        )
    }

    pub fn idempotency_reuse() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "IDEMPOTENCY_INVALID_REUSE",
            "idempotency-invalid-reuse",
            "Idempotency key reused",
            "the Idempotency-Key was already used for a different request",
        )
    }

    pub fn idempotency_concurrent() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "IDEMPOTENCY_CONCURRENT_USE",
            "idempotency-concurrent-use",
            "Idempotency key in use",
            "a request with this Idempotency-Key is still in progress",
        )
    }

    /// 413 with the code and type the spec's `PayloadTooLarge` response names.
    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "payload-too-large",
            "Payload too large",
            "request body exceeds 1 MiB",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "forbidden",
            "Forbidden",
            detail,
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "service-unavailable",
            "Service unavailable",
            "injected fault: the request was not processed",
        )
    }

    /// 503 for a sandbox that cannot serve (its state database failed, or it is shutting
    /// down): `code` and `detail` say which, so it is not mistaken for an injected fault.
    pub fn not_serving(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            code,
            "service-unavailable",
            "Service unavailable",
            detail,
        )
    }

    /// The request took longer than [`crate::SandboxConfig::request_timeout`]; its work may or
    /// may not have been done, as the spec says of a 504.
    pub fn gateway_timeout() -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "GATEWAY_TIMEOUT",
            "gateway-timeout",
            "Gateway timeout",
            "the request took longer than the sandbox's request timeout",
        )
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut p = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOO_MANY_REQUESTS",
            "too-many-requests",
            "Too many requests",
            "injected fault: rate limited, the request was not processed",
        );
        p.retry_after = Some(retry_after_secs);
        p
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal-error",
            "Internal error",
            "the sandbox hit an internal error",
        )
    }

    /// The serialized body, also used when an idempotent replay must store the bytes.
    pub fn body_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&Body {
            type_: format!("https://dev.synctera.com/errors/{}", self.type_suffix),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code,
        })
        .unwrap_or_default()
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut resp = (self.status, self.body_bytes()).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}
