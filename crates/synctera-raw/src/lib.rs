//! Generated low-level client for Synctera's v0 persons/customers API.
//!
//! **Generated, do not edit.** Everything except this file's hand-written hooks and the
//! timestamp reader in `timestamps.rs` comes from `src/generated.rs`, which `cargo xtask codegen`
//! produces from `openapi/synctera.yaml` with progenitor (builder interface). Change the spec and
//! regenerate; CI fails on a stale file (`cargo xtask codegen --check`). Most users want the
//! `synctera` facade crate instead.
//!
//! # Authentication
//!
//! The raw client sends no credentials of its own: put `Authorization: Bearer <api key>` into the
//! `reqwest::Client`'s default headers (marked sensitive) and hand that client to
//! [`Client::new_with_client`]. The `synctera` facade does exactly this.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
//!
//! let mut auth = HeaderValue::from_str("Bearer my-api-key")?;
//! auth.set_sensitive(true);
//! let http = reqwest::Client::builder()
//!     .default_headers(HeaderMap::from_iter([(AUTHORIZATION, auth)]))
//!     .build()?;
//! let raw = synctera_raw::Client::new_with_client(
//!     "https://api-sandbox.synctera.com/v0",
//!     http,
//!     synctera_raw::Limits::default(),
//! );
//! let person = raw
//!     .get_person()
//!     .person_id(uuid::Uuid::nil())
//!     .send()
//!     .await?
//!     .into_inner();
//! # let _ = person; Ok(()) }
//! ```
//!
//! # Wire format
//!
//! The generated code is adjusted at run time by [`ClientHooks::pre`] (implemented below) so that
//! requests carry exactly what the spec says:
//! - array query parameters (`id`, `sort_by`, `ban_status`) are `style: form, explode: false`,
//!   so they go out as ONE comma-joined parameter (`?id=a,b`), where progenitor alone would
//!   repeat the key (`?id=a&id=b`);
//! - progenitor's own `api-version` header, which this API does not define, is removed;
//! - `Accept` is `application/json, application/problem+json`: successes are JSON, errors are
//!   problem documents, and the generated code alone would accept only the former.
//!
//! Every `date-time` field is a `chrono::DateTime<Utc>` and decodes as chrono decodes it, through
//! a faster reader for the one shape the API writes (`2026-01-02T03:04:05.678Z`); any other
//! RFC 3339 form goes to chrono's own parser (see the `timestamps` module).
//!
//! Error responses (`application/problem+json`) decode into [`types::Problem`] and surface as
//! [`Error::ErrorResponse`], with their status and headers (`Retry-After`, request ids).
//!
//! Not every error reaches the client from the API itself: a proxy's HTML 502 page or an empty
//! 429 from a load balancer is not a problem document. [`ClientHooks::exec`] (below) replaces such
//! a body with a problem built from the status line, so those errors still decode into
//! [`types::Problem`] and keep their status and headers instead of turning into an opaque
//! [`Error::InvalidResponsePayload`]. The original body is dropped, not quoted: it may echo
//! submitted personal data.
//!
//! # Response size
//!
//! Every response body, success or problem document, is read up to [`Limits::max_response_bytes`]
//! (8 MiB unless the [`Limits`] given to [`Client::new_with_client`] say otherwise). A body
//! declared longer fails before it is read, and one that streams past the cap fails there; the
//! call's [`reqwest::Error`] then has a [`ResponseTooLarge`] in its source chain.

#![warn(missing_docs)]

// rustfmt never reaches into `include!`d files; the skip documents that generated.rs is laid out
// by prettyplease and must stay byte-identical to `cargo xtask codegen` output.
#[rustfmt::skip]
// Spec descriptions become doc comments verbatim; their wrapped list items trip this lint.
#[allow(clippy::doc_lazy_continuation)]
mod generated {
    include!("generated.rs");
}

pub use generated::*;

mod limits;
mod timestamps;

pub use limits::{Limits, ResponseTooLarge};

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};

/// Every answer is one of these: a JSON resource, or an RFC 7807 problem document on error.
/// (The codegen presents error bodies to progenitor as `application/json`, so the generated
/// requests alone would not announce that problem documents are expected.)
const ACCEPT_JSON_OR_PROBLEM: &str = "application/json, application/problem+json";

/// The header progenitor adds to every request and this API does not define. A `HeaderName`
/// constant, not a `&str`: a string key is parsed and validated on every use.
const API_VERSION: http::HeaderName = http::HeaderName::from_static("api-version");

/// Request hooks that restore the spec's wire format (see the crate docs).
impl ClientHooks<Limits> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_JSON_OR_PROBLEM));
        join_repeated_query_keys(request.url_mut());
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        let response = limits::cap(response, self.inner.max_response_bytes);
        let status = response.status();
        if !(status.is_client_error() || status.is_server_error()) {
            // The success path is untouched: no buffering, no copies.
            return Ok(response);
        }
        // Boxed: reading a body is a ~1 KB future, and every generated `send()` future holds
        // this one inline; only error answers need it.
        Box::pin(with_problem_body(response)).await
    }
}

/// An error answer whose body is a problem document: the original if it is one, else one built
/// from the status line.
async fn with_problem_body(response: reqwest::Response) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let version = response.version();
    let mut headers = response.headers().clone();
    let body = response.bytes().await?;
    let body = if serde_json::from_slice::<types::Problem>(&body).is_ok() {
        body
    } else {
        headers.remove(CONTENT_LENGTH);
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        problem_from_status(status).into()
    };
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok(reqwest::Response::from(rebuilt))
}

/// The problem document standing in for an error body that is not one: the status line only.
fn problem_from_status(status: reqwest::StatusCode) -> Vec<u8> {
    let problem = types::Problem {
        code: None,
        detail: None,
        status: Some(i64::from(status.as_u16())),
        title: status.canonical_reason().map(str::to_owned),
        type_: None,
    };
    serde_json::to_vec(&problem).expect("a Problem always serializes")
}

/// Rewrites `?id=a&id=b&limit=5` as `?id=a,b&limit=5`.
///
/// Correct because every array query parameter in the spec is `style: form, explode: false`
/// (the codegen asserts it) and progenitor never repeats a scalar parameter. Values are
/// re-encoded so that a comma inside a value is `%2C` while the separator stays a literal comma,
/// as RFC 6570 form expansion has it. A query without repeated keys is left byte-for-byte alone.
fn join_repeated_query_keys(url: &mut reqwest::Url) {
    let Some(query) = url.query() else {
        return;
    };
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    let mut repeated = false;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match params.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => {
                values.push(value.into_owned());
                repeated = true;
            }
            None => params.push((key.into_owned(), vec![value.into_owned()])),
        }
    }
    if !repeated {
        return;
    }
    let encoded = params
        .iter()
        .map(|(key, values)| {
            let values: Vec<String> = values
                .iter()
                .map(|v| form_urlencoded::byte_serialize(v.as_bytes()).collect())
                .collect();
            format!(
                "{}={}",
                form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>(),
                values.join(",")
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    url.set_query(Some(&encoded));
}

#[cfg(test)]
mod tests {
    use super::join_repeated_query_keys;

    fn joined(query: &str) -> String {
        let mut url = reqwest::Url::parse(&format!("http://h/p?{query}")).unwrap();
        join_repeated_query_keys(&mut url);
        url.query().unwrap_or_default().to_string()
    }

    #[test]
    fn repeated_keys_become_one_comma_joined_parameter() {
        assert_eq!(joined("id=a&limit=5&id=b&id=c"), "id=a,b,c&limit=5");
    }

    #[test]
    fn commas_inside_values_stay_distinguishable_from_the_separator() {
        assert_eq!(joined("sort_by=x%2Cy&sort_by=z"), "sort_by=x%2Cy,z");
    }

    #[test]
    fn a_query_without_repeats_is_untouched() {
        assert_eq!(
            joined("last_name=O%27Neil&limit=5"),
            "last_name=O%27Neil&limit=5"
        );
    }
}
