//! The one error type every call returns.
//!
//! Messages are written for people reading logs: they name the field or the operation and carry
//! Synctera's own `title` and `detail`, but never a submitted value, so an SSN, date of birth,
//! phone number, e-mail address, address line or the API key cannot leak through an error.
//! Should Synctera's own words quote a value, what has the shape of an e-mail address or of a
//! free-standing SSN, phone number or date is masked before it is kept.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use http::StatusCode;
use serde::Serialize;

use crate::field_path::FieldPath;

/// Boxed source error for transport failures.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong calling Synctera.
///
/// ```
/// use synctera::Error;
///
/// let err = "123456789".parse::<synctera::pii::Ssn>().unwrap_err();
/// assert!(matches!(&err, Error::Validation { field, .. } if *field == "ssn"));
/// assert_eq!(err.field().unwrap(), "ssn");
/// assert_eq!(err.to_string(), "invalid `ssn`: must be nine digits written ddd-dd-dddd");
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request was rejected locally, before anything was sent, because it breaks one of the
    /// API's documented rules. `field` is the API's field path; the value is never included.
    #[error("invalid `{field}`: {reason}")]
    Validation {
        /// The API field at fault: a name, a dotted path (`legal_address.country_code`) or a
        /// list element by index (`personal_ids[0].identifier`). Compares equal to its text.
        field: FieldPath,
        /// Why the field is invalid, in words that never include the submitted value.
        reason: Cow<'static, str>,
    },

    /// Synctera answered with an error status (an RFC 7807 problem report).
    #[error("{}", ApiDisplay { status: *status, code, title, detail, request_id })]
    Api {
        /// HTTP status code of the answer (e.g. `404`).
        status: u16,
        /// Machine-readable error code: the problem report's `code`, or derived from its `type`
        /// and the status; `None` when neither says anything.
        code: Option<ApiErrorCode>,
        /// The problem report's short `title`, when present.
        title: Option<String>,
        /// The problem report's human-readable `detail`, when present, with anything shaped like
        /// an e-mail address, or a free-standing number of 6 to 15 digits (an SSN, a phone
        /// number, a date), masked.
        detail: Option<String>,
        /// The `x-request-id` response header, to quote to Synctera support.
        request_id: Option<String>,
        /// How long the server asked us to wait (`Retry-After`, as seconds or an HTTP date), when
        /// present.
        retry_after: Option<Duration>,
    },

    /// No answer arrived in time (per attempt or in total, see [`crate::ClientBuilder`]).
    #[error("the request to Synctera timed out")]
    Timeout,

    /// The request could not be sent or the answer could not be read (DNS, TLS, connection reset).
    #[error("could not talk to Synctera: {0}")]
    Transport(#[source] BoxError),

    /// Synctera answered successfully but the body did not have the documented shape.
    /// The string says what did not match, never the offending value.
    #[error("could not decode Synctera's answer: {0}")]
    Decode(String),

    /// Synctera's answer (a success or an error) was larger than the client accepts
    /// ([`crate::ClientBuilder::max_response_bytes`]); reading stopped at the limit, or did not
    /// start when the answer declared a larger `Content-Length`. Not retried: the same request
    /// would get the same answer.
    #[error("Synctera's answer is larger than the client's limit of {limit} bytes")]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },

    /// Auto-pagination stopped because the server's page tokens misbehaved.
    #[error("pagination stopped: {reason}")]
    Pagination {
        /// Why (for example a page token that repeats).
        reason: String,
    },
}

struct ApiDisplay<'a> {
    status: u16,
    code: &'a Option<ApiErrorCode>,
    title: &'a Option<String>,
    detail: &'a Option<String>,
    request_id: &'a Option<String>,
}

impl fmt::Display for ApiDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Synctera answered {}", self.status)?;
        match self.title.as_deref().filter(|t| !t.is_empty()) {
            Some(title) => write!(f, " {title}")?,
            None => {
                let reason = StatusCode::from_u16(self.status)
                    .ok()
                    .and_then(|s| s.canonical_reason());
                if let Some(reason) = reason {
                    write!(f, " {reason}")?;
                }
            }
        }
        if let Some(code) = self.code {
            write!(f, " ({code})")?;
        }
        if let Some(detail) = self.detail.as_deref().filter(|d| !d.is_empty()) {
            write!(f, ": {detail}")?;
        }
        if let Some(id) = self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl Error {
    /// A local validation error for `field`.
    pub fn validation(field: impl Into<FieldPath>, reason: impl Into<Cow<'static, str>>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Converts `value` into the generated constrained type `T`, whose `TryFrom` carries the
    /// API description's limits (lengths, patterns). A violation names `field`, the path of the
    /// value being converted, and keeps the generated reason, which describes the limit
    /// (`longer than 100 characters`), never the value.
    pub(crate) fn constrained<'a, T>(field: impl Into<FieldPath>, value: &'a str) -> Result<T, Self>
    where
        T: TryFrom<&'a str, Error = synctera_raw::types::error::ConversionError>,
    {
        T::try_from(value).map_err(|e| Error::validation(field, e.to_string()))
    }

    /// [`Self::constrained`] for an optional value.
    pub(crate) fn constrained_opt<'a, T>(
        field: impl Into<FieldPath>,
        value: Option<&'a str>,
    ) -> Result<Option<T>, Self>
    where
        T: TryFrom<&'a str, Error = synctera_raw::types::error::ConversionError>,
    {
        let field = field.into();
        value.map(|v| Self::constrained(field, v)).transpose()
    }

    pub(crate) fn decode(reason: impl Into<String>) -> Self {
        Error::Decode(reason.into())
    }

    /// The field a [`Error::Validation`] names; `None` for every other error.
    pub fn field(&self) -> Option<&FieldPath> {
        match self {
            Error::Validation { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The HTTP status code, when Synctera answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API error code, when Synctera answered.
    pub fn code(&self) -> Option<&ApiErrorCode> {
        match self {
            Error::Api { code, .. } => code.as_ref(),
            _ => None,
        }
    }

    /// True when the id in the path does not exist (404), or a body refers to a person that does
    /// not exist (`CUSTOMER_NOT_FOUND`).
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Api { status, code, .. } => {
                *status == 404
                    || matches!(
                        code,
                        Some(ApiErrorCode::ResourceNotFound | ApiErrorCode::CustomerNotFound)
                    )
            }
            _ => false,
        }
    }

    /// True for a 409: the request conflicts with the stored state, most often a record with the
    /// same identity (`DUPLICATE_RESOURCE`; see [`code`](Self::code) for which).
    pub fn is_conflict(&self) -> bool {
        match self {
            Error::Api { status, code, .. } => {
                *status == 409 || *code == Some(ApiErrorCode::DuplicateResource)
            }
            _ => false,
        }
    }

    /// True when repeating the same request may succeed: timeouts, connection failures, 408,
    /// 429, 500/502/503/504, and `IDEMPOTENCY_CONCURRENT_USE` (the first request with the key
    /// was still running; the identical request, key included, gets its answer). Whether a
    /// retry is *safe* also depends on the request (see [`crate::retry`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout | Error::Transport(_) => true,
            Error::Api { status, code, .. } => {
                matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
                    || *code == Some(ApiErrorCode::IdempotencyConcurrentUse)
            }
            _ => false,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Builds an [`Error::Api`] from a status, headers and a (possibly empty) problem+json body.
    pub(crate) fn from_problem_parts(
        status: StatusCode,
        headers: &http::HeaderMap,
        problem: Option<&serde_json::Value>,
    ) -> Self {
        let field = |name: &str| {
            problem
                .and_then(|p| p.get(name))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let code = ApiErrorCode::infer(status, field("code").as_deref(), field("type").as_deref());
        Error::Api {
            status: status.as_u16(),
            code,
            // Synctera's words may quote a request: PII in them is masked (see `scrub`).
            title: field("title").map(|t| scrub::scrub(&t)),
            detail: field("detail").map(|d| scrub::scrub(&d)),
            request_id: header_str(headers, "x-request-id")
                .or_else(|| header_str(headers, "request-id")),
            retry_after: header_str(headers, "retry-after")
                .and_then(|v| parse_retry_after(&v, std::time::SystemTime::now())),
        }
    }

    /// Maps a raw (generated) client error into this type. Async because an undocumented error
    /// status arrives as a raw response whose body still has to be read.
    pub(crate) async fn from_raw<P: Serialize>(err: progenitor_client::Error<P>) -> Self {
        use progenitor_client::Error as Raw;
        match err {
            Raw::ErrorResponse(rv) => {
                let status = rv.status();
                let headers = rv.headers().clone();
                let body = serde_json::to_value(rv.into_inner()).ok();
                Error::from_problem_parts(status, &headers, body.as_ref())
            }
            Raw::UnexpectedResponse(resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                let body = match resp.bytes().await {
                    Ok(body) => Some(body),
                    Err(e) => match too_large(&e) {
                        Some(limit) => return Error::ResponseTooLarge { limit },
                        None => None,
                    },
                };
                let problem = body
                    .as_deref()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
                if status.is_success() {
                    Error::decode(format!("unexpected success status {}", status.as_u16()))
                } else {
                    Error::from_problem_parts(status, &headers, problem.as_ref())
                }
            }
            Raw::CommunicationError(e) | Raw::InvalidUpgrade(e) | Raw::ResponseBodyError(e) => {
                Error::from_reqwest(e)
            }
            Raw::InvalidResponsePayload(_, e) => Error::from_json(&e),
            Raw::InvalidRequest(msg) => {
                // progenitor only produces this for inputs our builders already validated, so it
                // signals a mismatch between the facade and the spec; the message names types and
                // patterns, not values.
                Error::validation("request", msg)
            }
            Raw::Custom(msg) => Error::Transport(msg.into()),
        }
    }

    /// Maps a `reqwest` error, dropping the URL (query strings can hold PII such as an e-mail
    /// filter).
    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        // Before the kinds: reqwest reports a body it could not read as a decode error.
        if let Some(limit) = too_large(&e) {
            Error::ResponseTooLarge { limit }
        } else if e.is_timeout() {
            Error::Timeout
        } else if e.is_builder() {
            // Nothing was sent and sending again cannot help: not a transport failure.
            Error::validation("request", "could not be turned into an HTTP request")
        } else if e.is_decode() {
            Error::decode("the response body is not valid JSON for this operation")
        } else {
            // reqwest's own message is generic ("error sending request"); the cause (connection
            // refused, TLS failure, ...) sits in the source chain, which carries no URL.
            let e = e.without_url();
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            Error::Transport(message.into())
        }
    }

    /// Describes a JSON error by category and position only: serde messages quote the offending
    /// value, which may be PII.
    pub(crate) fn from_json(e: &serde_json::Error) -> Self {
        let category = match e.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "a field has the wrong type or format",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        if e.line() == 0 {
            Error::decode(category)
        } else {
            Error::decode(format!(
                "{category} at line {} column {}",
                e.line(),
                e.column()
            ))
        }
    }
}

/// The limit a response body broke, when that is why `e` happened: the raw client's size cap
/// puts a [`synctera_raw::ResponseTooLarge`] into the error's source chain.
fn too_large(e: &reqwest::Error) -> Option<usize> {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(too_large) = cause.downcast_ref::<synctera_raw::ResponseTooLarge>() {
            return Some(too_large.limit);
        }
        source = cause.source();
    }
    None
}

/// `Retry-After` in either form RFC 9110 allows: delay-seconds, or an HTTP-date. A date that is
/// already past (clock skew between us and the server, usually) says nothing usable, and is
/// treated as absent so the normal back-off applies rather than retrying at once.
fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    at.duration_since(now).ok().filter(|d| !d.is_zero())
}

fn header_str(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

impl From<std::convert::Infallible> for Error {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// The API's machine-readable error codes (the problem report's `code`, or derived from its
/// `type` and status when `code` is absent).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorCode {
    /// 400: the request body is malformed or breaks a rule.
    BadRequestBody,
    /// 400: a query parameter is malformed.
    BadQueryParameter,
    /// 400: the request is malformed.
    BadRequest,
    /// 400: the body refers to a person/customer that does not exist.
    CustomerNotFound,
    /// 401: missing or wrong API key.
    Unauthenticated,
    /// 403: the key may not do this.
    Forbidden,
    /// 404: unknown id in the path or unknown URL.
    ResourceNotFound,
    /// 409: a record with the same identity already exists.
    DuplicateResource,
    /// 409: settling a verification that is not under review (the sandbox's
    /// `settleVerification`).
    VerificationNotInReview,
    /// 413: the request body is larger than the server accepts.
    PayloadTooLarge,
    /// 422: the same idempotency key was used for a different request.
    IdempotencyInvalidReuse,
    /// 422: the same idempotency key is in use by a request still in flight.
    IdempotencyConcurrentUse,
    /// 422: the status change is not allowed.
    InvalidStatus,
    /// 422: the customer's status does not allow this operation.
    ImproperCustomerStatus,
    /// 422: wiping is not enabled in this environment (production, for one).
    WipeNotEnabled,
    /// 429: rate limited.
    TooManyRequests,
    /// 500: server error.
    InternalError,
    /// 503: the server cannot take the request now; nothing was done.
    ServiceUnavailable,
    /// 504: an upstream timed out.
    GatewayTimeout,
    /// A code this SDK does not know (yet), kept verbatim.
    Unknown(String),
}

impl ApiErrorCode {
    /// The wire form, e.g. `BAD_REQUEST_BODY`.
    pub fn as_str(&self) -> &str {
        match self {
            ApiErrorCode::BadRequestBody => "BAD_REQUEST_BODY",
            ApiErrorCode::BadQueryParameter => "BAD_QUERY_PARAMETER",
            ApiErrorCode::BadRequest => "BAD_REQUEST",
            ApiErrorCode::CustomerNotFound => "CUSTOMER_NOT_FOUND",
            ApiErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ApiErrorCode::Forbidden => "FORBIDDEN",
            ApiErrorCode::ResourceNotFound => "RESOURCE_NOT_FOUND",
            ApiErrorCode::DuplicateResource => "DUPLICATE_RESOURCE",
            ApiErrorCode::VerificationNotInReview => "VERIFICATION_NOT_IN_REVIEW",
            ApiErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ApiErrorCode::IdempotencyInvalidReuse => "IDEMPOTENCY_INVALID_REUSE",
            ApiErrorCode::IdempotencyConcurrentUse => "IDEMPOTENCY_CONCURRENT_USE",
            ApiErrorCode::InvalidStatus => "INVALID_STATUS",
            ApiErrorCode::ImproperCustomerStatus => "IMPROPER_CUSTOMER_STATUS",
            ApiErrorCode::WipeNotEnabled => "WIPE_NOT_ENABLED",
            ApiErrorCode::TooManyRequests => "TOO_MANY_REQUESTS",
            ApiErrorCode::InternalError => "INTERNAL_ERROR",
            ApiErrorCode::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            ApiErrorCode::GatewayTimeout => "GATEWAY_TIMEOUT",
            ApiErrorCode::Unknown(s) => s,
        }
    }

    /// Parses the wire form; anything unknown is kept in [`ApiErrorCode::Unknown`].
    pub fn from_code(code: &str) -> Self {
        match code {
            "BAD_REQUEST_BODY" => ApiErrorCode::BadRequestBody,
            "BAD_QUERY_PARAMETER" => ApiErrorCode::BadQueryParameter,
            "BAD_REQUEST" => ApiErrorCode::BadRequest,
            "CUSTOMER_NOT_FOUND" => ApiErrorCode::CustomerNotFound,
            "UNAUTHENTICATED" => ApiErrorCode::Unauthenticated,
            "FORBIDDEN" => ApiErrorCode::Forbidden,
            "RESOURCE_NOT_FOUND" => ApiErrorCode::ResourceNotFound,
            "DUPLICATE_RESOURCE" => ApiErrorCode::DuplicateResource,
            "VERIFICATION_NOT_IN_REVIEW" => ApiErrorCode::VerificationNotInReview,
            "PAYLOAD_TOO_LARGE" => ApiErrorCode::PayloadTooLarge,
            "IDEMPOTENCY_INVALID_REUSE" => ApiErrorCode::IdempotencyInvalidReuse,
            "IDEMPOTENCY_CONCURRENT_USE" => ApiErrorCode::IdempotencyConcurrentUse,
            "INVALID_STATUS" => ApiErrorCode::InvalidStatus,
            "IMPROPER_CUSTOMER_STATUS" => ApiErrorCode::ImproperCustomerStatus,
            "WIPE_NOT_ENABLED" => ApiErrorCode::WipeNotEnabled,
            "TOO_MANY_REQUESTS" => ApiErrorCode::TooManyRequests,
            "INTERNAL_ERROR" => ApiErrorCode::InternalError,
            "SERVICE_UNAVAILABLE" => ApiErrorCode::ServiceUnavailable,
            "GATEWAY_TIMEOUT" => ApiErrorCode::GatewayTimeout,
            other => ApiErrorCode::Unknown(other.to_owned()),
        }
    }

    /// Uses `code` when present, else the suffix of `type` (`…/errors/bad-request-body`), else
    /// the status.
    fn infer(status: StatusCode, code: Option<&str>, type_uri: Option<&str>) -> Option<Self> {
        if let Some(code) = code.filter(|c| !c.is_empty()) {
            return Some(Self::from_code(code));
        }
        let suffix = type_uri.and_then(|t| t.rsplit('/').next()).unwrap_or("");
        Some(match (suffix, status.as_u16()) {
            ("bad-request-body", _) => ApiErrorCode::BadRequestBody,
            ("bad-request-query", _) => ApiErrorCode::BadQueryParameter,
            ("bad-request", _) => ApiErrorCode::BadRequest,
            ("not-found", 400) => ApiErrorCode::CustomerNotFound,
            ("idempotency-invalid-reuse", _) => ApiErrorCode::IdempotencyInvalidReuse,
            ("idempotency-concurrent-use", _) => ApiErrorCode::IdempotencyConcurrentUse,
            ("payload-too-large", _) | (_, 413) => ApiErrorCode::PayloadTooLarge,
            ("duplicate", _) | (_, 409) => ApiErrorCode::DuplicateResource,
            ("not-found", _) | (_, 404) => ApiErrorCode::ResourceNotFound,
            (_, 401) => ApiErrorCode::Unauthenticated,
            (_, 403) => ApiErrorCode::Forbidden,
            (_, 429) => ApiErrorCode::TooManyRequests,
            (_, 500) => ApiErrorCode::InternalError,
            ("service-unavailable", _) | (_, 503) => ApiErrorCode::ServiceUnavailable,
            (_, 504) => ApiErrorCode::GatewayTimeout,
            (_, 400) => ApiErrorCode::BadRequest,
            _ => return None,
        })
    }
}

impl fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

mod scrub;

#[cfg(test)]
mod tests;
