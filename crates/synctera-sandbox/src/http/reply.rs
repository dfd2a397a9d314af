//! Answers: stored responses (what an idempotency key replays) and list bodies.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

use crate::problem::{PROBLEM_JSON, Problem};
use crate::store::{StoreError, StoredResponse};

pub(crate) fn json_response(status: StatusCode, v: &impl serde::Serialize) -> StoredResponse {
    json_bytes(
        status,
        Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
    )
}

pub(crate) fn problem_response(p: Problem) -> StoredResponse {
    StoredResponse {
        status: p.status.as_u16(),
        content_type: PROBLEM_JSON,
        body: Bytes::from(p.body_bytes()),
    }
}

pub(crate) fn into_response(r: StoredResponse) -> Response {
    // Built directly: `(StatusCode, Bytes).into_response()` first sets an
    // `application/octet-stream` content type that would then be replaced.
    let mut resp = Response::new(Body::from(r.body));
    *resp.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    resp
}

/// The 200 answer of every list operation, `{"<plural>": [...], "next_page_token": "..."}` (the
/// token left out on the last page), put together from rows already serialized: person rows
/// come from the store's cached views, so a page costs copies, not serialization.
pub(crate) fn list_response<R: AsRef<[u8]>>(
    name: &'static str,
    rows: impl IntoIterator<Item = R>,
    next: Option<String>,
) -> Response {
    let rows: Vec<R> = rows.into_iter().collect();
    let token = next.map(|n| serde_json::to_vec(&n).unwrap_or_default());
    // The exact size, so the body is written once into one allocation.
    let size = name.len()
        + rows.iter().map(|r| r.as_ref().len() + 1).sum::<usize>()
        + token.as_ref().map_or(0, |t| t.len() + 20)
        + 8;
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(b"{\"");
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(b"\":[");
    for (i, row) in rows.into_iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(row.as_ref());
    }
    body.push(b']');
    if let Some(t) = token {
        body.extend_from_slice(b",\"next_page_token\":");
        // Tokens are URL-safe base64, but quoting goes through serde_json all the same.
        body.extend_from_slice(&t);
    }
    body.push(b'}');
    into_response(json_bytes(StatusCode::OK, Bytes::from(body)))
}

/// A JSON answer whose body is already serialized.
pub(crate) fn json_bytes(status: StatusCode, body: Bytes) -> StoredResponse {
    StoredResponse {
        status: status.as_u16(),
        content_type: "application/json",
        body,
    }
}

/// A bad page token is answered like any bad query parameter; a write the database did not
/// commit is a 503 of its own, not the injected fault's.
impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::ForeignPageToken
            | StoreError::PageTokenBeforeWipe
            | StoreError::PageTokenOfOtherOrder
            | StoreError::PageTokenOfOtherListing => Problem::bad_query(e.to_string()),
            StoreError::CommitFailed => {
                Problem::not_serving("STATE_DATABASE_FAILED", e.to_string())
            }
            StoreError::Closed => Problem::not_serving("SERVICE_UNAVAILABLE", e.to_string()),
        }
    }
}
