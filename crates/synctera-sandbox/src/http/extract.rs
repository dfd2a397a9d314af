//! Extractors: the caller's tenant, the path id, the body, each rejecting with a problem report.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use bytes::Bytes;
use uuid::Uuid;

use crate::app::App;
use crate::config::MAX_API_KEY_LEN;
use crate::problem::Problem;
use crate::store::Tenant;
use crate::validate::parse_uuid;

/// The caller's tenant, resolved from the bearer token; rejects with 401 or 403.
#[derive(Clone)]
pub(crate) struct Caller {
    pub name: Arc<str>,
    tenant: Arc<RwLock<Tenant>>,
}

impl Caller {
    pub fn read(&self) -> RwLockReadGuard<'_, Tenant> {
        self.tenant.read().unwrap_or_else(|e| e.into_inner())
    }
    pub fn write(&self) -> RwLockWriteGuard<'_, Tenant> {
        self.tenant.write().unwrap_or_else(|e| e.into_inner())
    }
    /// Tells the tenant's delivery worker that events are waiting (after their write is
    /// committed, so no event goes out for a write a crash could take back).
    pub fn wake_deliveries(&self, app: &Arc<App>) {
        app.deliveries.wake(app, &self.name, &self.tenant);
    }
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Problem> {
        let mut given = parts.headers.get_all(header::AUTHORIZATION).iter();
        let (first, second) = (given.next(), given.next());
        // Each key is a tenant: which of two the request meant is a guess, and a wrong guess
        // writes into (or reads from) a tenant the client did not mean.
        if second.is_some() {
            return Err(Problem::unauthenticated(
                "the Authorization header is given more than once; send one",
            ));
        }
        let token = first
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Problem::unauthenticated(
                    "missing or empty bearer token in the Authorization header",
                )
            })?;
        if token.len() > MAX_API_KEY_LEN {
            return Err(Problem::unauthenticated(format!(
                "the API key in the Authorization header is longer than {MAX_API_KEY_LEN} \
                 characters"
            )));
        }
        if !app.config.api_keys.is_empty() && !app.config.api_keys.iter().any(|k| k == token) {
            return Err(Problem::unauthenticated(
                "the API key is not accepted by this sandbox",
            ));
        }
        let (name, tenant) = app.tenant_of_key(token).ok_or_else(|| {
            Problem::forbidden(
                "this sandbox already holds its maximum number of tenants (API keys); use a known key",
            )
        })?;
        Ok(Caller { name, tenant })
    }
}

/// A request body read in full, with size and read errors as problem reports. A body is JSON
/// only when its Content-Type says so; an empty one needs none, so that an operation whose
/// body may be left out works without the header.
pub(crate) struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = Problem;
    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let json = is_json(&req.headers().get_all(header::CONTENT_TYPE));
        let body = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Problem::payload_too_large());
            }
            Err(_) => return Err(Problem::bad_body("the request body could not be read")),
        };
        if !json && !body.is_empty() {
            // The spec documents no 415; 400 is on every operation.
            return Err(Problem::bad_body(
                "the request body must be sent with one Content-Type header of \
                 application/json (or another JSON media type, application/*+json)",
            ));
        }
        Ok(Body(body))
    }
}

/// Whether the request has exactly one Content-Type and it is a JSON media type:
/// `application/json` or `application/<anything>+json`, in any case, parameters
/// (`; charset=utf-8`) allowed.
fn is_json(values: &header::GetAll<'_, HeaderValue>) -> bool {
    let mut values = values.iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let structured = |sub: &[u8]| {
        sub.len() > b"+json".len()
            && sub[sub.len() - b"+json".len()..].eq_ignore_ascii_case(b"+json")
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || structured(subtype.as_bytes()))
}

/// The id in the path; anything that is not a UUID names no resource.
pub(crate) struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let axum::extract::Path(s) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| Problem::not_found("the id in the path is not a UUID"))?;
        parse_uuid(&s)
            .map(IdPath)
            .ok_or_else(|| Problem::not_found("the id in the path is not a hyphenated UUID"))
    }
}
