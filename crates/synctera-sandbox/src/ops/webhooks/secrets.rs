//! createSecret, replaceSecret, revokeSecret: the one secret a tenant signs deliveries with
//! (two during a rolling rotation). A secret is answered once, by the call that made it, and
//! never logged.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde_json::{Map, Value};

use crate::app::App;
use crate::http::{Body, Caller, Query, into_response, json_response};
use crate::problem::Problem;
use crate::records::ts;
use crate::validate::{Errors, Obj, parse_object};
use crate::webhooks::signing::Secret;
use crate::write::commit_write;

fn secret_body(secret: &Secret, deleted_at: Option<chrono::DateTime<Utc>>) -> Value {
    let mut m = Map::new();
    m.insert("secret".into(), secret.expose().into());
    if let Some(at) = deleted_at {
        m.insert("deleted_at".into(), ts(at).into());
    }
    Value::Object(m)
}

pub(super) async fn create_secret(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Response, Problem> {
    let made = commit_write(&app, &caller, |t| t.webhook_secrets.create_secret()).await?;
    let secret = made.ok_or_else(|| {
        Problem::duplicate("the tenant already has a webhook secret; replace it instead")
    })?;
    let body = json_response(StatusCode::CREATED, &secret_body(&secret, None));
    Ok(into_response(body))
}

/// Validates a replaceSecret body: an optional `is_rolling_secret`.
fn parse_replace(body: &[u8]) -> Result<bool, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let rolling = o.boolean("is_rolling_secret");
    o.finish();
    errs.into_result()?;
    Ok(rolling.unwrap_or(false))
}

pub(super) async fn replace_secret(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body,
) -> Result<Response, Problem> {
    let rolling = parse_replace(&body)?;
    let window = chrono::Duration::from_std(app.config.webhook_rolling_window)
        .unwrap_or(chrono::Duration::MAX);
    let keep_old_for = rolling.then_some(window);
    let now = Utc::now();
    let made = commit_write(&app, &caller, |t| {
        t.webhook_secrets.replace_secret(keep_old_for, now)
    })
    .await?;
    let (secret, until) =
        made.ok_or_else(|| Problem::not_found("the tenant has no webhook secret"))?;
    let body = json_response(StatusCode::OK, &secret_body(&secret, until));
    Ok(into_response(body))
}

pub(super) async fn revoke_secret(
    State(app): State<Arc<App>>,
    caller: Caller,
    q: Query,
) -> Result<StatusCode, Problem> {
    let old_only = q.boolean("old_secret_only")?.unwrap_or(false);
    let revoked =
        commit_write(&app, &caller, |t| t.webhook_secrets.revoke_secret(old_only)).await?;
    if revoked {
        Ok(StatusCode::OK)
    } else {
        Err(Problem::not_found("the tenant has no webhook secret"))
    }
}
