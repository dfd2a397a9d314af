//! Shared helpers: a sandbox per test, a small HTTP client, and a check of every answer
//! against the spec's response schema (see `conformance.rs`).
#![allow(dead_code, unused_imports)]

pub mod conformance;
pub mod process;
pub mod receiver;

use reqwest::Method;
use serde_json::{Value, json};
pub use synctera_sandbox::{Fault, Sandbox, SandboxConfig};

pub const KEY: &str = "test-key-0123456789abcdef";

pub struct Api {
    pub sb: Sandbox,
    pub http: reqwest::Client,
    pub key: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub raw: Vec<u8>,
    pub body: Value,
}

impl Resp {
    /// Asserts the status and, for errors, the problem+json shape and code.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        &self.body
    }
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> String {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        assert_eq!(self.content_type, "application/problem+json");
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["type"]
                .as_str()
                .unwrap()
                .starts_with("https://dev.synctera.com/errors/")
        );
        assert!(self.body["title"].is_string());
        self.body["detail"].as_str().unwrap().to_string()
    }
    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("id").to_string()
    }
}

impl Api {
    pub async fn new() -> Self {
        Self::with(SandboxConfig::default()).await
    }
    pub async fn with(config: SandboxConfig) -> Self {
        let sb = Sandbox::start_with(config).await.expect("sandbox starts");
        Api {
            sb,
            http: reqwest::Client::new(),
            key: KEY.to_string(),
        }
    }
    pub fn as_key(&self, key: &str) -> Api2<'_> {
        Api2 {
            api: self,
            key: key.to_string(),
        }
    }
    pub async fn send(
        &self,
        key: Option<&str>,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{}", self.sb.base_url(), path);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(k) = key {
            req = req.header("authorization", format!("Bearer {k}"));
        }
        for (h, v) in headers {
            req = req.header(*h, *v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(b).unwrap());
        }
        let r = req.send().await.expect("request sent");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let content_type = headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let raw = r.bytes().await.expect("body").to_vec();
        let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        conformance::check(method.as_str(), path, status, &content_type, &body);
        conformance::check_retry_after(method.as_str(), path, &headers);
        Resp {
            status,
            content_type,
            headers,
            raw,
            body,
        }
    }
    pub async fn get(&self, path: &str) -> Resp {
        self.send(Some(&self.key), Method::GET, path, None, &[])
            .await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Some(&self.key), Method::POST, path, Some(&body), &[])
            .await
    }
    pub async fn post_idem(&self, path: &str, body: Value, key: &str) -> Resp {
        self.send(
            Some(&self.key),
            Method::POST,
            path,
            Some(&body),
            &[("idempotency-key", key)],
        )
        .await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(Some(&self.key), Method::PATCH, path, Some(&body), &[])
            .await
    }
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(Some(&self.key), Method::PUT, path, Some(&body), &[])
            .await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Some(&self.key), Method::DELETE, path, None, &[])
            .await
    }
    /// `POST /wipe` without a body.
    pub async fn wipe(&self) -> Resp {
        self.send(Some(&self.key), Method::POST, "/wipe", None, &[])
            .await
    }
    /// Sends raw bytes as the body (for malformed input).
    pub async fn raw(&self, method: Method, path: &str, body: Vec<u8>) -> Resp {
        self.raw_typed(method, path, Some("application/json"), body)
            .await
    }
    /// Sends raw bytes as the body with this Content-Type, or none.
    pub async fn raw_typed(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Resp {
        let url = format!("{}{}", self.sb.base_url(), path);
        let mut req = self
            .http
            .request(method.clone(), &url)
            .header("authorization", format!("Bearer {}", self.key));
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        let r = req.body(body).send().await.expect("request sent");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let content_type = headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let raw = r.bytes().await.unwrap().to_vec();
        let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        conformance::check(method.as_str(), path, status, &content_type, &body);
        conformance::check_retry_after(method.as_str(), path, &headers);
        Resp {
            status,
            content_type,
            headers,
            raw,
            body,
        }
    }
    /// A minimal valid ACTIVE person.
    pub async fn create_active(&self, first: &str, last: &str) -> Resp {
        let r = self
            .post(
                "/persons",
                json!({"status": "ACTIVE", "is_customer": true, "first_name": first, "last_name": last}),
            )
            .await;
        r.expect(201);
        r
    }
    /// A person with every field KYC needs, with the given SSN.
    pub async fn create_kyc_ready(&self, ssn: &str) -> Resp {
        let r = self.post("/persons", full_person(ssn)).await;
        r.expect(201);
        r
    }
}

pub struct Api2<'a> {
    api: &'a Api,
    key: String,
}

impl Api2<'_> {
    pub async fn get(&self, path: &str) -> Resp {
        self.api
            .send(Some(&self.key), Method::GET, path, None, &[])
            .await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.api
            .send(Some(&self.key), Method::POST, path, Some(&body), &[])
            .await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.api
            .send(Some(&self.key), Method::PATCH, path, Some(&body), &[])
            .await
    }
}

pub fn address(line1: &str) -> Value {
    json!({"address_line_1": line1, "city": "New York", "state": "NY", "postal_code": "12345", "country_code": "US"})
}

pub fn full_person(ssn: &str) -> Value {
    json!({
        "status": "ACTIVE",
        "is_customer": true,
        "first_name": "Anne",
        "last_name": "Baker",
        "dob": "2000-01-01",
        "email": "anne.baker@example.com",
        "phone_number": "+12124567890",
        "ssn": ssn,
        "legal_address": address("50 Main St"),
    })
}
