//! Routes, middleware and the 15 operations.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::model::*;
use crate::problem::{PROBLEM_JSON, Problem};
use crate::store::{
    IdemEntry, SortField, SortSpec, StoredResponse, Tenant, decode_seq_token, default_spec,
    encode_seq_token,
};
use crate::validate::{Errors, Obj, address, is_ssn_last4, metadata, parse_object, parse_uuid};
use crate::{App, ConnKill, Fault, tenant_name};

const BODY_LIMIT: usize = 1 << 20;

type AppState = State<Arc<App>>;

pub(crate) fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/persons", get(list_persons).post(create_person))
        .route("/persons/{id}", get(get_person).patch(update_person))
        .route("/customers", get(list_customers).post(create_customer))
        .route(
            "/customers/{id}",
            get(get_customer)
                .patch(patch_customer)
                .put(replace_customer),
        )
        .route(
            "/disclosures",
            get(list_disclosures).post(create_disclosure),
        )
        .route("/disclosures/{id}", get(get_disclosure))
        .route("/verifications", get(list_verifications))
        .route("/verifications/verify", post(verify))
        .route("/verifications/{id}", get(get_verification))
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() })
        .layer(middleware::from_fn_with_state(app.clone(), auth));
    Router::new()
        .nest("/v0", api)
        .fallback(|| async { Problem::not_found("no such path") })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(app.clone(), faults))
        .layer(middleware::from_fn(log_request))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| Problem::internal().into_response(),
        ))
        .with_state(app)
}

/// Logs method and status only: paths and queries may carry PII (a mistyped SSN in a path,
/// an e-mail filter), headers carry the key.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let resp = next.run(req).await;
    tracing::debug!(%method, status = resp.status().as_u16(), "request");
    resp
}

async fn faults(State(app): AppState, req: Request, next: Next) -> Response {
    let Some(fault) = app.faults.next() else {
        return next.run(req).await;
    };
    tracing::debug!(?fault, "injecting fault");
    match fault {
        Fault::Unavailable => Problem::unavailable().into_response(),
        Fault::TooManyRequests { retry_after_secs } => {
            Problem::too_many_requests(retry_after_secs).into_response()
        }
        Fault::DropAfterCommit => {
            let kill = req.extensions().get::<ConnKill>().cloned();
            let _ = next.run(req).await;
            match kill {
                Some(k) => {
                    k.0.notify_one();
                    std::future::pending::<Response>().await
                }
                None => Problem::unavailable().into_response(),
            }
        }
    }
}

/// The caller's tenant, resolved from the bearer token.
#[derive(Clone)]
struct Ctx {
    name: Arc<str>,
    tenant: Arc<RwLock<Tenant>>,
}

impl Ctx {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Tenant> {
        self.tenant.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Tenant> {
        self.tenant.write().unwrap_or_else(|e| e.into_inner())
    }
}

async fn auth(State(app): AppState, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Problem::unauthenticated(
            "missing or empty bearer token in the Authorization header",
        )
        .into_response();
    };
    if !app.config.api_keys.is_empty() && !app.config.api_keys.iter().any(|k| k == token) {
        return Problem::unauthenticated("the API key is not accepted by this sandbox")
            .into_response();
    }
    let name = tenant_name(token);
    let Some(tenant) = app.tenant(&name) else {
        return Problem::forbidden(
            "this sandbox already holds its maximum number of tenants (API keys); use a known key",
        )
        .into_response();
    };
    req.extensions_mut().insert(Ctx {
        name: name.into(),
        tenant,
    });
    next.run(req).await
}

/// A request body read in full, with size and read errors as problem reports.
struct Body(Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = Problem;
    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(Body(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Problem::payload_too_large())
            }
            Err(_) => Err(Problem::bad_body("the request body could not be read")),
        }
    }
}

/// The id in the path; anything that is not a UUID names no resource.
struct IdPath(Uuid);

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

/// Raw query pairs, parsed leniently so that every parameter error names the parameter.
struct Query(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .map(Query)
            .map_err(|_| Problem::bad_query("the query string is not valid form encoding"))
    }
}

impl Query {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn list(&self, name: &str) -> Option<Vec<&str>> {
        self.get(name)
            .map(|v| v.split(',').map(str::trim).collect())
    }
    fn boolean(&self, name: &str) -> Result<Option<bool>, Problem> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(Problem::bad_query(format!("{name} must be true or false"))),
        }
    }
    fn uuids(&self, name: &str) -> Result<Option<Vec<Uuid>>, Problem> {
        let Some(items) = self.list(name) else {
            return Ok(None);
        };
        if items.len() > 100 {
            return Err(Problem::bad_query(format!("{name} takes at most 100 ids")));
        }
        items
            .iter()
            .map(|s| parse_uuid(s))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| {
                Problem::bad_query(format!(
                    "{name} must be a comma-separated list of hyphenated UUIDs"
                ))
            })
    }
    fn uuid(&self, name: &str) -> Result<Option<Uuid>, Problem> {
        self.get(name)
            .map(|s| {
                parse_uuid(s)
                    .ok_or_else(|| Problem::bad_query(format!("{name} must be a hyphenated UUID")))
            })
            .transpose()
    }
    fn enumeration<E: Copy>(
        &self,
        name: &str,
        all: &[(&str, E)],
    ) -> Result<Option<Vec<E>>, Problem> {
        let Some(items) = self.list(name) else {
            return Ok(None);
        };
        items
            .iter()
            .map(|s| all.iter().find(|(n, _)| n == s).map(|(_, e)| *e))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
                Problem::bad_query(format!("{name} must be one of {}", names.join(", ")))
            })
    }
    fn limit(&self) -> Result<usize, Problem> {
        let Some(s) = self.get("limit") else {
            return Ok(100);
        };
        let bad = || Problem::bad_query("limit must be an integer of at least 1");
        if s.is_empty()
            || !s
                .bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'))
        {
            return Err(bad());
        }
        if s.starts_with('-') {
            return Err(bad());
        }
        match s.parse::<u64>() {
            Ok(0) => Err(bad()),
            Ok(n) => Ok(n.min(100) as usize),
            // All digits but too big for u64: still "more than 100".
            Err(_) => Ok(100),
        }
    }
    fn text(&self, name: &str) -> Result<Option<&str>, Problem> {
        match self.get(name) {
            Some(v) if v.is_empty() || v.chars().count() > 256 => Err(Problem::bad_query(format!(
                "{name} must be 1 to 256 characters long"
            ))),
            other => Ok(other),
        }
    }
}

fn json_response(status: StatusCode, v: &impl serde::Serialize) -> StoredResponse {
    StoredResponse {
        status: status.as_u16(),
        content_type: "application/json",
        body: Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
    }
}

fn problem_response(p: Problem) -> StoredResponse {
    StoredResponse {
        status: p.status.as_u16(),
        content_type: PROBLEM_JSON,
        body: Bytes::from(p.body_bytes()),
    }
}

fn into_response(r: StoredResponse) -> Response {
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
/// a retry of the same request replays the stored answer byte for byte.
/// What makes two requests "the same request" for an idempotency key.
struct Fingerprint<'a> {
    method: &'a Method,
    path: &'a str,
    body: &'a [u8],
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

async fn idempotent(
    app: &App,
    ctx: &Ctx,
    op: &'static str,
    headers: &HeaderMap,
    fp: Fingerprint<'_>,
    work: impl FnOnce(&mut Tenant) -> Result<StoredResponse, Problem>,
) -> Response {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => match v.to_str() {
            Ok(s) if !s.is_empty() && s.len() <= 255 => Some(s.to_string()),
            _ => {
                return Problem::bad_request(
                    "Idempotency-Key must be 1 to 255 visible ASCII characters",
                )
                .into_response();
            }
        },
    };
    let Some(key) = key else {
        app.faults.wait_if_held().await;
        let r = work(&mut ctx.write()).unwrap_or_else(problem_response);
        return into_response(r);
    };
    let mut h = Sha256::new();
    h.update(fp.method.as_str());
    h.update([0]);
    h.update(fp.path);
    h.update([0]);
    canonical_body(fp.body, &mut h);
    let fingerprint: [u8; 32] = h.finalize().into();
    let lim = app.idem_limits();
    {
        let mut t = ctx.write();
        match t.idem.get(&(op, key.clone()), Instant::now(), lim) {
            Some(IdemEntry::InFlight) => {
                return Problem::idempotency_concurrent().into_response();
            }
            Some(IdemEntry::Done {
                fingerprint: f,
                response,
            }) => {
                return if *f == fingerprint {
                    into_response(response.clone())
                } else {
                    Problem::idempotency_reuse().into_response()
                };
            }
            None => {
                t.idem.begin((op, key.clone()), Instant::now());
            }
        }
    }
    // If the client goes away mid-request the future is dropped: release the key then.
    struct Guard<'a> {
        ctx: &'a Ctx,
        op: &'static str,
        key: Option<String>,
    }
    impl Drop for Guard<'_> {
        fn drop(&mut self) {
            if let Some(k) = self.key.take() {
                self.ctx.write().idem.abandon(&(self.op, k));
            }
        }
    }
    let mut guard = Guard {
        ctx,
        op,
        key: Some(key.clone()),
    };
    app.faults.wait_if_held().await;
    let mut t = ctx.write();
    let r = work(&mut t).unwrap_or_else(problem_response);
    t.idem
        .finish((op, key), fingerprint, r.clone(), Instant::now(), lim);
    drop(t);
    guard.key = None;
    into_response(r)
}

// ---------------------------------------------------------------- persons and customers

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    PersonCreate,
    PersonUpdate,
    CustomerCreate,
    CustomerPatch,
    CustomerReplace,
}

impl Mode {
    fn is_create(self) -> bool {
        matches!(self, Mode::PersonCreate | Mode::CustomerCreate)
    }
    fn is_person(self) -> bool {
        matches!(self, Mode::PersonCreate | Mode::PersonUpdate)
    }
}

#[derive(Default)]
struct Changes {
    status: Option<PersonStatus>,
    ban_status: Option<BanStatus>,
    is_customer: Option<bool>,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    chosen_name: Option<String>,
    dob: Option<chrono::NaiveDate>,
    email: Option<String>,
    phone_number: Option<String>,
    ssn: Option<String>,
    legal_address: Option<crate::validate::AddressInput>,
    shipping_address: Option<crate::validate::AddressInput>,
    metadata: Option<Map<String, Value>>,
    personal_ids: Option<Vec<PersonalId>>,
    note: Option<String>,
}

fn email(o: &mut Obj<'_>) -> Option<String> {
    let s = o.text("email", 320)?;
    if crate::validate::is_email(&s) {
        Some(s)
    } else {
        let p = o.path("email");
        o.errs.invalid(p, "must be an e-mail address");
        None
    }
}

fn parse_person(mode: Mode, body: &[u8]) -> Result<Changes, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let mut c = Changes {
        status: o.enumeration("status", PersonStatus::ALL),
        ban_status: o.enumeration("ban_status", BAN_STATUS_INPUT),
        first_name: o.text("first_name", 100),
        middle_name: o.text("middle_name", 100),
        last_name: o.text("last_name", 100),
        dob: o.dob("dob"),
        email: email(&mut o),
        phone_number: o.phone("phone_number"),
        ssn: o.ssn("ssn"),
        legal_address: address(&mut o, "legal_address"),
        shipping_address: address(&mut o, "shipping_address"),
        metadata: metadata(&mut o),
        note: o.text("note", 2000),
        ..Changes::default()
    };
    // Accepted (type-checked) and ignored: the API key decides the tenant. The PATCH of a
    // customer has no `tenant` in the spec, so there it is an unknown field.
    if mode != Mode::CustomerPatch {
        let _ = o.string("tenant");
    }
    if matches!(
        mode,
        Mode::PersonCreate | Mode::CustomerCreate | Mode::CustomerReplace
    ) {
        let s = c.status.take();
        c.status = o.required("status", s);
    }
    if mode.is_person() {
        c.is_customer = o.boolean("is_customer");
        c.chosen_name = o.text("chosen_name", 100);
        if mode == Mode::PersonCreate {
            let v = c.is_customer.take();
            c.is_customer = o.required("is_customer", v);
            if let Some(items) = o.array("personal_ids") {
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    let name = format!("personal_ids[{i}]");
                    let Value::Object(m) = item else {
                        o.errs.invalid(&name, "must be an object");
                        continue;
                    };
                    let mut po = o.child(&name, m);
                    let t = po.enumeration("id_type", PersonalIdType::ALL);
                    let t = po.required("id_type", t);
                    let ident = if t == Some(PersonalIdType::SSN) {
                        po.ssn("identifier")
                    } else {
                        po.text("identifier", 64)
                    };
                    let ident = po.required("identifier", ident);
                    let cc = po.country("country_code");
                    po.finish();
                    if let (Some(t), Some(ident)) = (t, ident) {
                        let implied = match t {
                            PersonalIdType::SSN | PersonalIdType::ITIN => Some("US".to_string()),
                            PersonalIdType::SIN => Some("CA".to_string()),
                            _ => None,
                        };
                        out.push(PersonalId {
                            id: Uuid::new_v4(),
                            id_type: t,
                            identifier: ident,
                            country_code: cc.or(implied),
                            system_provided: false,
                        });
                    }
                }
                c.personal_ids = Some(out);
            }
        }
    } else if o.has("related_customers") {
        o.ignore("related_customers");
        o.errs.invalid(
            "related_customers",
            "is no longer supported and must not be set",
        );
    }
    o.finish();
    errs.into_result()?;
    Ok(c)
}

/// Applies validated changes to a record (a new one for creates) and checks the cross-field rules.
fn apply(
    mode: Mode,
    c: Changes,
    old: Option<&Person>,
    now: DateTime<Utc>,
) -> Result<Person, Problem> {
    let mut p = match old {
        Some(o) => o.clone(),
        None => Person::new(
            now,
            c.status.unwrap_or(PersonStatus::PROSPECT),
            c.is_customer.unwrap_or(true),
        ),
    };
    let old_ban = old.map(|o| o.ban_status);
    let mut errs = Errors::default();

    if mode == Mode::CustomerReplace {
        p.first_name = None;
        p.middle_name = None;
        p.last_name = None;
        p.dob = None;
        p.email = None;
        p.phone_number = None;
        p.ssn = None;
        p.legal_address = None;
        p.shipping_address = None;
        p.metadata = None;
    }
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = c.$f { p.$f = Some(v); } )* };
    }
    set!(
        first_name,
        middle_name,
        last_name,
        chosen_name,
        dob,
        email,
        phone_number,
        ssn,
        metadata
    );
    if let Some(s) = c.status {
        p.status = s;
    }
    if let Some(b) = c.is_customer {
        p.is_customer = b;
    }
    if let Some(pids) = c.personal_ids {
        p.personal_ids = pids;
    }
    let legal_given = c.legal_address.is_some();
    let shipping_given = c.shipping_address.is_some();
    if let Some(a) = c.legal_address {
        p.legal_address = Some(Address::new(a));
    }
    if let Some(a) = c.shipping_address {
        p.shipping_address = Some(Address::new(a));
    }
    // Shipping defaults to a copy of the legal address: always on create/replace, and on an
    // update that sets the legal address of a record without a shipping address.
    let copy = legal_given
        && !shipping_given
        && (mode.is_create() || mode == Mode::CustomerReplace || p.shipping_address.is_none());
    if copy && let Some(legal) = &p.legal_address {
        p.shipping_address = Some(Address::new(legal.input.clone()));
    }

    if let Some(b) = c.ban_status {
        let needs_note = match old_ban {
            None => b == BanStatus::SUSPENDED,
            Some(ob) => {
                matches!(
                    (ob, b),
                    (BanStatus::SUSPENDED, BanStatus::ALLOWED)
                        | (BanStatus::ALLOWED, BanStatus::SUSPENDED)
                )
            }
        };
        if needs_note && c.note.is_none() {
            errs.missing("note (required when ban_status changes between ALLOWED and SUSPENDED)");
        }
        if old_ban == Some(BanStatus::BANNED) {
            errs.invalid(
                "ban_status",
                "only the platform moves a person out of BANNED",
            );
        }
        p.ban_status = b;
    }
    if p.status != PersonStatus::PROSPECT {
        if p.first_name.is_none() {
            errs.missing("first_name");
        }
        if p.last_name.is_none() {
            errs.missing("last_name");
        }
    }
    errs.into_result()?;
    p.last_updated_time = now;
    Ok(p)
}

fn now_after(prev: Option<DateTime<Utc>>) -> DateTime<Utc> {
    // Keeps last_updated_time strictly increasing per record, so sort orders stay stable.
    let now = Utc::now();
    match prev {
        Some(p) if now <= p => p + chrono::Duration::microseconds(1),
        _ => now,
    }
}

fn write_person(
    app: &App,
    t: &mut Tenant,
    mode: Mode,
    c: Changes,
    id: Option<Uuid>,
) -> Result<Person, Problem> {
    let old = match id {
        Some(id) => Some(
            t.person(&id)
                .ok_or_else(|| Problem::not_found("no such person in this tenant"))?,
        ),
        None => None,
    };
    let now = now_after(old.map(|o| o.last_updated_time));
    let p = apply(mode, c, old, now)?;
    if app.config.enforce_unique_customer && t.duplicate_of(&p).is_some() {
        return Err(Problem::duplicate(
            "another customer has the same dob, last_name and SSN last four",
        ));
    }
    t.put_person(p.clone());
    Ok(p)
}

fn view<'a>(mode: Mode, p: &'a Person, tenant: &'a str) -> PersonView<'a> {
    p.view(tenant, !mode.is_person())
}

/// Which write a person/customer request is.
struct Write {
    op: &'static str,
    mode: Mode,
    id: Option<Uuid>,
    method: Method,
    path: String,
}

async fn write_op(app: Arc<App>, ctx: Ctx, w: Write, headers: HeaderMap, body: Bytes) -> Response {
    let Write {
        op,
        mode,
        id,
        method,
        path,
    } = w;
    let status = if mode.is_create() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    // Parsed before the tenant's write lock is taken: only the store mutation runs under it.
    // The unknown-id 404 still wins over body errors, as before.
    let parsed = parse_person(mode, &body);
    let run = |t: &mut Tenant| {
        if let Some(id) = id
            && t.person(&id).is_none()
        {
            return Err(Problem::not_found("no such person in this tenant"));
        }
        let c = parsed?;
        let p = write_person(&app, t, mode, c, id)?;
        Ok(json_response(status, &view(mode, &p, &ctx.name)))
    };
    if mode == Mode::CustomerReplace {
        // PUT is idempotent by nature and takes no Idempotency-Key.
        app.faults.wait_if_held().await;
        return into_response(run(&mut ctx.write()).unwrap_or_else(problem_response));
    }
    idempotent(
        &app,
        &ctx,
        op,
        &headers,
        Fingerprint {
            method: &method,
            path: &path,
            body: &body,
        },
        run,
    )
    .await
}

async fn create_person(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    write_op(
        app,
        ctx,
        Write {
            op: "createPerson",
            mode: Mode::PersonCreate,
            id: None,
            method: Method::POST,
            path: "/persons".into(),
        },
        headers,
        body,
    )
    .await
}

async fn update_person(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    write_op(
        app,
        ctx,
        Write {
            op: "updatePerson",
            mode: Mode::PersonUpdate,
            id: Some(id),
            method: Method::PATCH,
            path: format!("/persons/{id}"),
        },
        headers,
        body,
    )
    .await
}

async fn create_customer(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    write_op(
        app,
        ctx,
        Write {
            op: "createCustomer",
            mode: Mode::CustomerCreate,
            id: None,
            method: Method::POST,
            path: "/customers".into(),
        },
        headers,
        body,
    )
    .await
}

async fn patch_customer(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    write_op(
        app,
        ctx,
        Write {
            op: "patchCustomer",
            mode: Mode::CustomerPatch,
            id: Some(id),
            method: Method::PATCH,
            path: format!("/customers/{id}"),
        },
        headers,
        body,
    )
    .await
}

async fn replace_customer(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    IdPath(id): IdPath,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    write_op(
        app,
        ctx,
        Write {
            op: "updateCustomer",
            mode: Mode::CustomerReplace,
            id: Some(id),
            method: Method::PUT,
            path: format!("/customers/{id}"),
        },
        headers,
        body,
    )
    .await
}

fn read_person(ctx: &Ctx, id: Uuid, person: bool) -> Response {
    let t = ctx.read();
    match t.person(&id) {
        Some(p) => into_response(json_response(StatusCode::OK, &p.view(&ctx.name, !person))),
        None => Problem::not_found("no such person in this tenant").into_response(),
    }
}

async fn get_person(Extension(ctx): Extension<Ctx>, IdPath(id): IdPath) -> Response {
    read_person(&ctx, id, true)
}

async fn get_customer(Extension(ctx): Extension<Ctx>, IdPath(id): IdPath) -> Response {
    read_person(&ctx, id, false)
}

/// Case-insensitive match where `*` stands for any run of characters.
fn wildcard(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().collect();
    let (mut pi, mut vi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while vi < v.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == v[vi] {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn parse_sort(q: &Query) -> Result<SortSpec, Problem> {
    let Some(items) = q.list("sort_by") else {
        return Ok(default_spec());
    };
    let bad = || {
        Problem::bad_query(
            "sort_by must be a comma-separated list of creation_time, first_name, last_name or \
             last_updated_time, each with :asc or :desc, each field at most once",
        )
    };
    let mut spec: SortSpec = Vec::new();
    for item in items {
        let (f, d) = item.split_once(':').ok_or_else(bad)?;
        let f = SortField::parse(f).ok_or_else(bad)?;
        let desc = match d {
            "asc" => false,
            "desc" => true,
            _ => return Err(bad()),
        };
        if spec.iter().any(|(g, _)| *g == f) {
            return Err(bad());
        }
        spec.push((f, desc));
    }
    Ok(spec)
}

async fn list_people(ctx: Ctx, q: Query, person: bool) -> Result<Response, Problem> {
    let spec = parse_sort(&q)?;
    let limit = q.limit()?;
    let ids = q.uuids("id")?;
    let is_customer = if person {
        q.boolean("is_customer")?
    } else {
        None
    };
    let has_accounts = q.boolean("has_accounts")?;
    if person {
        q.boolean("include_console_users")?;
    }
    let ssn4 = q.get("ssn_last_4");
    if let Some(s) = ssn4
        && !is_ssn_last4(s)
    {
        return Err(Problem::bad_query(
            "ssn_last_4 must be exactly 4 digits (0-9)",
        ));
    }
    let last_name = q.text("last_name")?;
    let first_name = q.text("first_name")?;
    let email = q.text("email")?;
    let phone = q.text("phone_number")?;
    let status = q.enumeration("status", PersonStatus::ALL)?;
    let ban = if person {
        q.enumeration("ban_status", BanStatus::ALL)?
    } else {
        None
    };
    let token = q.get("page_token").filter(|t| !t.is_empty());

    let keep = |p: &Person| {
        let m = |pat: Option<&str>, v: &Option<String>| {
            pat.is_none_or(|pat| v.as_deref().is_some_and(|v| wildcard(pat, v)))
        };
        is_customer.is_none_or(|b| p.is_customer == b)
            && has_accounts.is_none_or(|b| !b)
            && ssn4.is_none_or(|s| p.ssn_last4().as_deref() == Some(s))
            && m(last_name, &p.last_name)
            && m(email, &p.email)
            && m(phone, &p.phone_number)
            // `chosen_name` is person-only: the customer view has no such field, so a
            // customer listing must not match through it.
            && first_name.is_none_or(|f| {
                m(Some(f), &p.first_name) || (person && m(Some(f), &p.chosen_name))
            })
            && status.as_ref().is_none_or(|s| s.contains(&p.status))
            && ban.as_ref().is_none_or(|s| s.contains(&p.ban_status))
    };
    let render = |t: &Tenant| -> Result<Response, Problem> {
        let page = t.page(&spec, ids.as_deref(), token, limit, keep)?;
        let rows: Vec<PersonView<'_>> = page
            .rows
            .iter()
            .map(|p| p.view(&ctx.name, !person))
            .collect();
        Ok(list_response(
            if person { "persons" } else { "customers" },
            &rows,
            page.next,
        ))
    };
    // A new sort order is indexed and paged under one write lock, so it cannot be evicted
    // by other listings in between.
    if ids.is_none() && !ctx.read().has_index(&spec) {
        let mut t = ctx.write();
        t.ensure_index(&spec);
        return render(&t);
    }
    render(&ctx.read())
}

/// `{"<plural>": [...], "next_page_token": "..."}`, the token left out on the last page.
struct ListBody<'a, T> {
    name: &'static str,
    rows: &'a [T],
    next: Option<String>,
}

/// The 200 answer of every list operation.
fn list_response<T: serde::Serialize>(
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

async fn list_persons(Extension(ctx): Extension<Ctx>, q: Query) -> Response {
    list_people(ctx, q, true)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn list_customers(Extension(ctx): Extension<Ctx>, q: Query) -> Response {
    list_people(ctx, q, false)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

// ---------------------------------------------------------------- disclosures

fn one_of_person_business(o: &mut Obj<'_>) -> (Option<Uuid>, Option<Uuid>) {
    let had_p = o.has("person_id");
    let had_b = o.has("business_id");
    let p = o.uuid("person_id");
    let b = o.uuid("business_id");
    match (had_p, had_b) {
        (true, true) => o
            .errs
            .invalid("person_id, business_id", "exactly one of them must be set"),
        (false, false) => o.errs.missing("person_id or business_id"),
        _ => {}
    }
    (p, b)
}

/// A validated createDisclosure body.
struct NewDisclosure {
    person_id: Option<Uuid>,
    business_id: Option<Uuid>,
    ack: Option<Uuid>,
    dtype: DisclosureType,
    version: String,
    event: DisclosureEventType,
    date: DateTime<Utc>,
    metadata: Option<Map<String, Value>>,
}

fn parse_disclosure(body: &[u8]) -> Result<NewDisclosure, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let (person_id, business_id) = one_of_person_business(&mut o);
    // Asked before `uuid` consumes the field: an invalid id is invalid, not also missing.
    let ack_given = o.has("acknowledging_person_id");
    let ack = o.uuid("acknowledging_person_id");
    let dtype = o.enumeration("type", DisclosureType::ALL);
    let dtype = o.required("type", dtype);
    let version = o.version("version");
    let version = o.required("version", version);
    let event = o.enumeration("event_type", DisclosureEventType::ALL);
    let event = o.required("event_type", event);
    let date = o.datetime("disclosure_date");
    let date = o.required("disclosure_date", date);
    let md = metadata(&mut o);
    // Accepted (type-checked) and ignored: the API key decides the tenant.
    let _ = o.string("tenant");
    if dtype == Some(DisclosureType::OWNER_CERTIFICATION) && !ack_given {
        o.errs
            .missing("acknowledging_person_id (required for OWNER_CERTIFICATION)");
    }
    o.finish();
    errs.into_result()?;
    match (dtype, version, event, date) {
        (Some(dtype), Some(version), Some(event), Some(date)) => Ok(NewDisclosure {
            person_id,
            business_id,
            ack,
            dtype,
            version,
            event,
            date,
            metadata: md,
        }),
        _ => Err(Problem::bad_body("missing required fields")),
    }
}

async fn create_disclosure(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    let c = ctx.clone();
    // Parsed before the tenant's write lock is taken: only the store mutation runs under it.
    let parsed = parse_disclosure(&body);
    let run = move |t: &mut Tenant| {
        let NewDisclosure {
            person_id,
            business_id,
            ack,
            dtype,
            version,
            event,
            date,
            metadata: md,
        } = parsed?;
        // Like verify: the sandbox holds no businesses, so a business_id names a missing record.
        if business_id.is_some() {
            return Err(Problem::customer_not_found(
                "business_id does not name a business in this tenant",
            ));
        }
        for (name, id) in [("person_id", person_id), ("acknowledging_person_id", ack)] {
            if let Some(id) = id
                && t.person(&id).is_none()
            {
                return Err(Problem::customer_not_found(format!(
                    "{name} does not name a person in this tenant"
                )));
            }
        }
        let midnight = date
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(date);
        let seq = t.next_seq();
        let d = Disclosure {
            id: Uuid::new_v4(),
            person_id,
            business_id,
            acknowledging_person_id: ack,
            dtype,
            version,
            event_type: event,
            disclosure_date: midnight,
            metadata: md,
            creation_time: Utc::now(),
        };
        let v = d.view(&c.name);
        t.disclosure_ids.insert(d.id, seq);
        t.disclosures.insert(seq, d);
        Ok(json_response(StatusCode::CREATED, &v))
    };
    idempotent(
        &app,
        &ctx,
        "createDisclosure",
        &headers,
        Fingerprint {
            method: &Method::POST,
            path: "/disclosures",
            body: &body,
        },
        run,
    )
    .await
}

async fn get_disclosure(Extension(ctx): Extension<Ctx>, IdPath(id): IdPath) -> Response {
    let t = ctx.read();
    match t.disclosure_ids.get(&id).and_then(|s| t.disclosures.get(s)) {
        Some(d) => into_response(json_response(StatusCode::OK, &d.view(&ctx.name))),
        None => Problem::not_found("no such disclosure in this tenant").into_response(),
    }
}

/// A page of a sequence-ordered collection, scanning forward from the token.
fn seq_page<'a, T>(
    items: &'a std::collections::BTreeMap<u64, T>,
    kind: &str,
    token: Option<&str>,
    limit: usize,
    keep: impl Fn(&T) -> bool,
) -> Result<(Vec<&'a T>, Option<String>), Problem> {
    let after = token.map(|t| decode_seq_token(kind, t)).transpose()?;
    let start = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
    let mut rows: Vec<(u64, &T)> = Vec::new();
    for (seq, item) in items.range((start, std::ops::Bound::Unbounded)) {
        if keep(item) {
            rows.push((*seq, item));
            if rows.len() > limit {
                break;
            }
        }
    }
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|(s, _)| encode_seq_token(kind, *s))
    } else {
        None
    };
    Ok((rows.into_iter().map(|(_, t)| t).collect(), next))
}

async fn list_disclosures(Extension(ctx): Extension<Ctx>, q: Query) -> Response {
    let run = || -> Result<Response, Problem> {
        let limit = q.limit()?;
        let person = q.uuid("person_id")?;
        let business = q.uuid("business_id")?;
        let ack = q.uuid("acknowledging_person_id")?;
        let ids = q.uuids("id")?;
        let t = ctx.read();
        let (rows, next) = seq_page(
            &t.disclosures,
            "disclosures",
            q.get("page_token").filter(|s| !s.is_empty()),
            limit,
            |d: &Disclosure| {
                person.is_none_or(|p| d.person_id == Some(p))
                    && business.is_none_or(|b| d.business_id == Some(b))
                    && ack.is_none_or(|a| d.acknowledging_person_id == Some(a))
                    && ids.as_ref().is_none_or(|ids| ids.contains(&d.id))
            },
        )?;
        let rows: Vec<_> = rows.iter().map(|d| d.view(&ctx.name)).collect();
        Ok(list_response("disclosures", &rows, next))
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

// ---------------------------------------------------------------- verifications

/// The documented magic values: the SSN's serial number decides the outcome.
fn kyc_outcome(ssn_last4: &str) -> VerificationResult {
    match ssn_last4 {
        "0001" => VerificationResult::REJECTED,
        "0002" => VerificationResult::REVIEW,
        "0003" => VerificationResult::PROVISIONAL,
        "0004" => VerificationResult::VENDOR_ERROR,
        _ => VerificationResult::ACCEPTED,
    }
}

type VerifyTarget = (Option<Uuid>, Option<Uuid>);

/// Validates a verify body: the person or business it names.
fn parse_verify(body: &[u8]) -> Result<VerifyTarget, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let consent = o.boolean("customer_consent");
    let consent = o.required("customer_consent", consent);
    if consent == Some(false) {
        o.errs.invalid(
            "customer_consent",
            "must be true: KYC needs the customer's consent",
        );
    }
    if let Some(ip) = o.text("customer_ip_address", 64)
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        o.errs
            .invalid("customer_ip_address", "must be an IPv4 or IPv6 address");
    }
    let (person_id, business_id) = one_of_person_business(&mut o);
    o.uuid("document_id");
    o.finish();
    errs.into_result()?;
    Ok((person_id, business_id))
}

async fn verify(
    State(app): AppState,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    // Parsed before the tenant's write lock is taken: only the store work runs under it.
    let parsed = parse_verify(&body);
    let run = move |t: &mut Tenant| {
        let (person_id, business_id) = parsed?;
        if business_id.is_some() {
            return Err(Problem::customer_not_found(
                "business_id does not name a business in this tenant",
            ));
        }
        let Some(pid) = person_id else {
            return Err(Problem::bad_body(
                "missing required fields: person_id or business_id",
            ));
        };
        let Some(p) = t.person(&pid) else {
            return Err(Problem::customer_not_found(
                "person_id does not name a person in this tenant",
            ));
        };
        let mut missing = Vec::new();
        if p.first_name.is_none() {
            missing.push("first_name");
        }
        if p.last_name.is_none() {
            missing.push("last_name");
        }
        if p.dob.is_none() {
            missing.push("dob");
        }
        if p.email.is_none() {
            missing.push("email");
        }
        if p.phone_number.is_none() {
            missing.push("phone_number");
        }
        if p.legal_address.is_none() {
            missing.push("legal_address");
        }
        if p.ssn.is_none() {
            missing.push("ssn");
        }
        if !missing.is_empty() {
            return Err(Problem::bad_request(format!(
                "the person lacks fields KYC needs: {}",
                missing.join(", ")
            )));
        }
        let result = kyc_outcome(&p.ssn_last4().unwrap_or_default());
        let watch = if result == VerificationResult::VENDOR_ERROR {
            VerificationResult::VENDOR_ERROR
        } else {
            VerificationResult::ACCEPTED
        };
        let mut p = p.clone();
        let now = now_after(Some(p.last_updated_time));
        p.kyc_status = match result {
            VerificationResult::ACCEPTED => KycStatus::ACCEPTED,
            VerificationResult::REJECTED => KycStatus::REJECTED,
            VerificationResult::REVIEW => KycStatus::REVIEW,
            VerificationResult::PROVISIONAL => KycStatus::PROVISIONAL,
            _ => KycStatus::PROVIDER_FAILURE,
        };
        p.kyc_last_run = Some(now);
        p.last_updated_time = now;
        let status = p.kyc_status.person_view();
        t.put_person(p);
        let mut views = Vec::new();
        for (vtype, r) in [
            (VerificationType::IDENTITY, result),
            (VerificationType::WATCHLIST, watch),
        ] {
            let seq = t.next_seq();
            let v = Verification {
                id: Uuid::new_v4(),
                seq,
                person_id: pid,
                vtype,
                result: r,
                time: now,
            };
            views.push(v.view());
            t.verification_ids.insert(v.id, seq);
            t.latest_verification.insert((pid, vtype), seq);
            t.verifications.insert(seq, v);
        }
        Ok(json_response(
            StatusCode::CREATED,
            &json!({"verification_status": status, "verifications": views}),
        ))
    };
    idempotent(
        &app,
        &ctx,
        "verify",
        &headers,
        Fingerprint {
            method: &Method::POST,
            path: "/verifications/verify",
            body: &body,
        },
        run,
    )
    .await
}

async fn get_verification(Extension(ctx): Extension<Ctx>, IdPath(id): IdPath) -> Response {
    let t = ctx.read();
    match t
        .verification_ids
        .get(&id)
        .and_then(|s| t.verifications.get(s))
    {
        Some(v) => into_response(json_response(StatusCode::OK, &v.view())),
        None => Problem::not_found("no such verification in this tenant").into_response(),
    }
}

async fn list_verifications(Extension(ctx): Extension<Ctx>, q: Query) -> Response {
    let run = || -> Result<Response, Problem> {
        let limit = q.limit()?;
        let person = q.uuid("person_id")?;
        let business = q.uuid("business_id")?;
        let ids = q.uuids("id")?;
        let vtypes = q.enumeration("verification_type", VerificationType::ALL)?;
        let results = q.enumeration("result", VerificationResult::ALL)?;
        let history = q.boolean("include_history")?.unwrap_or(false);
        let t = ctx.read();
        let (rows, next) = seq_page(
            &t.verifications,
            "verifications",
            q.get("page_token").filter(|s| !s.is_empty()),
            limit,
            |v: &Verification| {
                // No businesses exist here, so a business filter matches nothing.
                business.is_none()
                    && person.is_none_or(|p| v.person_id == p)
                    && ids.as_ref().is_none_or(|ids| ids.contains(&v.id))
                    && vtypes.as_ref().is_none_or(|s| s.contains(&v.vtype))
                    && results.as_ref().is_none_or(|s| s.contains(&v.result))
                    && (history
                        || t.latest_verification.get(&(v.person_id, v.vtype)) == Some(&v.seq))
            },
        )?;
        let rows: Vec<_> = rows.iter().map(|v| v.view()).collect();
        Ok(list_response("verifications", &rows, next))
    };
    run().unwrap_or_else(IntoResponse::into_response)
}
