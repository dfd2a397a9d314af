//! Shared by the wire tests: a loopback HTTP server that records each raw request and answers
//! with a canned reply, the raw client built the way the facade builds it, the spec's examples,
//! and the header and body checks every operation's test makes.
// Each test file is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use synctera_raw::Client;
use uuid::Uuid;

pub const API_KEY: &str = "test-key-not-secret";
pub const IDEMPOTENCY_KEY: &str = "5e1f0a4b-8c2d-4e6f-9a1b-3c5d7e9f1a2b";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn json(&self) -> Value {
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
pub struct Server {
    base_url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    reply: Arc<Mutex<Canned>>,
}

impl Server {
    pub async fn start() -> Self {
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

    pub fn reply(&self, status: u16, content_type: &'static str, body: &Value) {
        self.reply_raw(status, content_type, &body.to_string(), &[]);
    }

    /// Answer with an arbitrary body (not necessarily JSON) and extra headers.
    pub fn reply_raw(
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
    pub fn take_one(&self) -> Recorded {
        let mut all = std::mem::take(&mut *self.recorded.lock().unwrap());
        assert_eq!(all.len(), 1, "expected exactly one request, got {all:?}");
        all.pop().unwrap()
    }

    /// The raw client the way the facade builds it: the bearer token is a default header of the
    /// caller's `reqwest::Client`, marked sensitive.
    pub fn client(&self) -> Client {
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
        Client::new_with_client(&self.base_url, http, synctera_raw::Limits::default())
    }
}

/// The spec, as JSON.
pub fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/synctera.yaml"
    ))
    .unwrap();
    serde_norway::from_str(&text).unwrap()
}

pub fn operation<'a>(spec: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &spec["paths"][path][method];
    assert!(op.is_object(), "spec has no {method} {path}");
    op
}

/// Follow a local `$ref`, if any.
pub fn deref<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {r}")),
        None => v,
    }
}

/// The example of a media type object: its own, else its schema's.
pub fn media_example(spec: &Value, media: &Value) -> Value {
    if let Some(e) = media.get("example") {
        return e.clone();
    }
    let schema = deref(spec, &media["schema"]);
    schema
        .get("example")
        .cloned()
        .expect("media type or schema has an example")
}

pub fn request_example(spec: &Value, path: &str, method: &str) -> Value {
    let body = deref(spec, &operation(spec, path, method)["requestBody"]);
    media_example(spec, &body["content"]["application/json"])
}

pub fn response_example(spec: &Value, path: &str, method: &str, status: &str) -> Value {
    let response = deref(spec, &operation(spec, path, method)["responses"][status]);
    media_example(spec, &response["content"]["application/json"])
}

/// Headers every request must carry, and one it must not.
pub fn assert_common_headers(req: &Recorded) {
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

pub fn assert_json_body(req: &Recorded, expected: &Value) {
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(&req.json(), expected);
}

pub fn assert_no_body(req: &Recorded) {
    assert!(req.body.is_empty(), "unexpected body {:?}", req.body);
    assert_eq!(req.header("content-type"), None);
    assert_eq!(req.header("idempotency-key"), None);
}

pub fn id(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}

pub fn ids() -> (Uuid, Uuid) {
    (id(0x11), id(0x22))
}
