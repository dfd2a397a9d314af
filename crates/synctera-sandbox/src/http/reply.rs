//! Answers: stored responses (what an idempotency key replays) and list bodies.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::problem::{PROBLEM_JSON, Problem};
use crate::store::StoredResponse;

pub(crate) fn json_response(status: StatusCode, v: &impl serde::Serialize) -> StoredResponse {
    StoredResponse {
        status: status.as_u16(),
        content_type: "application/json",
        body: Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
    }
}

pub(crate) fn problem_response(p: Problem) -> StoredResponse {
    StoredResponse {
        status: p.status.as_u16(),
        content_type: PROBLEM_JSON,
        body: Bytes::from(p.body_bytes()),
    }
}

pub(crate) fn into_response(r: StoredResponse) -> Response {
    let mut resp = (
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        r.body,
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    resp
}

/// Runs a mutating operation under the idempotency rules: one key per tenant and operation;
/// `{"<plural>": [...], "next_page_token": "..."}`, the token left out on the last page.
struct ListBody<'a, T> {
    name: &'static str,
    rows: &'a [T],
    next: Option<String>,
}

/// The 200 answer of every list operation.
pub(crate) fn list_response<T: serde::Serialize>(
    name: &'static str,
    rows: &[T],
    next: Option<String>,
) -> Response {
    into_response(json_response(
        StatusCode::OK,
        &ListBody { name, rows, next },
    ))
}

impl<T: serde::Serialize> serde::Serialize for ListBody<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(self.name, self.rows)?;
        if let Some(n) = &self.next {
            m.serialize_entry("next_page_token", n)?;
        }
        m.end()
    }
}
