//! The one write path: every mutating operation runs through [`Write::run`] (or
//! [`commit_write`] for writes that take no idempotency key), which applies the idempotency
//! rules, lets tests hold the request in flight, and commits the tenant's changes to the
//! database (with `--state`) before the answer is sent.
//!
//! Idempotency keys are scoped by tenant and operation; a retry of the same request (same
//! method, path and JSON body content) replays the stored answer byte for byte, a different
//! request under the same key is 422 `IDEMPOTENCY_INVALID_REUSE`, and a key still in flight is
//! 422 `IDEMPOTENCY_CONCURRENT_USE`.

use std::borrow::Cow;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::{Method, request::Parts};
use axum::response::Response;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::http::{Caller, into_response, problem_response};
use crate::problem::Problem;
use crate::store::{IdemEntry, StoredResponse, Tenant};

/// What a write request brings to the idempotency rules: its `Idempotency-Key` (checked:
/// 1 to 255 visible ASCII characters), method and path.
pub(crate) struct Write {
    key: Option<String>,
    method: Method,
    path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Write {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let mut keys = parts.headers.get_all("idempotency-key").iter();
        let key = match (keys.next(), keys.next()) {
            (None, _) => None,
            // Which of two keys names the request is a guess either way, and a wrong guess
            // replays (or runs twice) a request the client did not mean.
            (Some(_), Some(_)) => {
                return Err(Problem::bad_request(
                    "Idempotency-Key is given more than once; send one key",
                ));
            }
            (Some(v), None) => match v.to_str() {
                Ok(s) if !s.is_empty() && s.len() <= 255 => Some(s.to_string()),
                _ => {
                    return Err(Problem::bad_request(
                        "Idempotency-Key must be 1 to 255 visible ASCII characters",
                    ));
                }
            },
        };
        Ok(Write {
            key,
            method: parts.method.clone(),
            path: parts.uri.path().to_string(),
        })
    }
}

impl Write {
    /// Runs `work` (operation `op`, request body `body`) under the idempotency rules.
    pub(crate) async fn run(
        self,
        app: &App,
        caller: &Caller,
        op: &'static str,
        body: &[u8],
        work: impl FnOnce(&mut Tenant) -> Result<StoredResponse, Problem>,
    ) -> Result<Response, Problem> {
        let Some(key) = self.key else {
            app.faults.wait_if_held().await;
            let r = commit_write(app, caller, |t| work(t).unwrap_or_else(problem_response));
            return r.await.map(into_response);
        };
        let mut h = Sha256::new();
        h.update(self.method.as_str());
        h.update([0]);
        h.update(&self.path);
        h.update([0]);
        canonical_body(body, &mut h);
        let fingerprint: [u8; 32] = h.finalize().into();
        let lim = app.idem_limits();
        let idem_key = (Cow::Borrowed(op), key);
        let replay = {
            let mut t = caller.write();
            match t.replay(&idem_key, Instant::now(), lim) {
                Some(IdemEntry::InFlight) => return Err(Problem::idempotency_concurrent()),
                Some(IdemEntry::Done {
                    fingerprint: f,
                    response,
                }) => {
                    if *f != fingerprint {
                        return Err(Problem::idempotency_reuse());
                    }
                    Some(response.clone())
                }
                None => {
                    t.claim(idem_key.clone(), Instant::now());
                    None
                }
            }
        };
        if let Some(response) = replay {
            // The first answer may still be on its way to the database: replay it once it is
            // committed, so that no client sees an answer a crash could take back. If its
            // commit failed, so does this barrier (the database commits nothing after a
            // failure), and the replay is refused.
            app.barrier(&caller.name).durable().await?;
            return Ok(into_response(response));
        }
        // If the client goes away mid-request the future is dropped: release the key then.
        struct Claim<'a> {
            caller: &'a Caller,
            key: Option<crate::store::IdemKey>,
        }
        impl Drop for Claim<'_> {
            fn drop(&mut self) {
                if let Some(k) = self.key.take() {
                    self.caller.write().release(&k);
                }
            }
        }
        let mut claim = Claim {
            caller,
            key: Some(idem_key),
        };
        app.faults.wait_if_held().await;
        let (r, commit) = {
            let mut t = caller.write();
            let r = work(&mut t).unwrap_or_else(problem_response);
            if let Some(k) = claim.key.take() {
                t.remember(k, fingerprint, r.clone(), Instant::now(), lim);
            }
            let commit = app.commit(&caller.name, &mut t);
            (r, commit)
        };
        commit.durable().await?;
        Ok(into_response(r))
    }
}

/// Runs `work` on the caller's tenant under its write lock and returns its result once its
/// changes are committed.
pub(crate) async fn commit_write<R>(
    app: &App,
    caller: &Caller,
    work: impl FnOnce(&mut Tenant) -> R,
) -> Result<R, Problem> {
    let (r, commit) = {
        let mut t = caller.write();
        let r = work(&mut t);
        let commit = app.commit(&caller.name, &mut t);
        (r, commit)
    };
    commit.durable().await?;
    Ok(r)
}

/// Feeds a body into the fingerprint so that two JSON texts with the same content (keys in
/// another order, other whitespace or escapes) are the same request. A body that is not JSON is
/// fingerprinted as its bytes, behind a different tag so the two kinds never collide.
fn canonical_body(body: &[u8], h: &mut Sha256) {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            h.update(b"J");
            canonical_json(&v, h);
        }
        Err(_) => {
            h.update(b"R");
            h.update(body);
        }
    }
}

/// A canonical, unambiguous serialization: object keys sorted here rather than trusting
/// `serde_json::Map`'s order, which follows insertion when any crate in the build enables
/// serde_json's `preserve_order` feature.
fn canonical_json(v: &Value, h: &mut Sha256) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            h.update(b"{");
            for k in keys {
                // Keys and strings go through serde_json's escaping, so no content can forge a
                // separator.
                h.update(Value::String(k.clone()).to_string());
                h.update(b":");
                canonical_json(&m[k], h);
                h.update(b",");
            }
            h.update(b"}");
        }
        Value::Array(a) => {
            h.update(b"[");
            for item in a {
                canonical_json(item, h);
                h.update(b",");
            }
            h.update(b"]");
        }
        scalar => h.update(scalar.to_string()),
    }
}
