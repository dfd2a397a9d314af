//! triggerEvent, listEvents, getEvent, resendEvent: the events sent to a webhook and their
//! delivery attempts.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::raise::raise_sample;
use crate::app::App;
use crate::http::{
    Body, Caller, IdPath, Query, into_response, json_bytes, json_response, list_response,
};
use crate::problem::Problem;
use crate::records::{Resource, ts};
use crate::store::Entry;
use crate::validate::{Errors, Obj, parse_object, parse_uuid};
use crate::webhooks::event_types::{is_explicit, is_subscribable};
use crate::webhooks::records::{Event, Webhook};
use crate::write::commit_write;

/// The webhook and event ids of `/webhooks/{id}/events/{event_id}`; anything that is not a
/// UUID names nothing (404).
pub(super) struct EventPath(Uuid, Uuid);

impl<S: Send + Sync> FromRequestParts<S> for EventPath {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let axum::extract::Path((hook, event)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_| Problem::not_found("the ids in the path are not UUIDs"))?;
        match (parse_uuid(&hook), parse_uuid(&event)) {
            (Some(h), Some(e)) => Ok(EventPath(h, e)),
            _ => Err(Problem::not_found(
                "the ids in the path are not hyphenated UUIDs",
            )),
        }
    }
}

fn no_such_webhook() -> Problem {
    Problem::not_found("no such webhook in this tenant")
}

fn no_such_event() -> Problem {
    Problem::not_found("no such event for this webhook")
}

/// Validates a triggerEvent body: one explicit event type.
fn parse_trigger(body: &[u8]) -> Result<String, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let event = o.string("event");
    let event = match event {
        Some(e) if is_explicit(&e) => Some(e),
        Some(e) => {
            let rule = if is_subscribable(&e) {
                "must be an explicit event type, not a wildcard"
            } else {
                "must be an event type of WebhookEventType"
            };
            o.errs.invalid("event", rule);
            None
        }
        None => None,
    };
    let event = o.required("event", event);
    o.finish();
    errs.into_result()?;
    event.ok_or_else(|| Problem::bad_body("missing required fields: event"))
}

pub(super) async fn trigger_event(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body,
) -> Result<Response, Problem> {
    let event_type = parse_trigger(&body)?;
    let (id, time, wake) = commit_write(&app, &caller, |t| raise_sample(t, &event_type)).await?;
    if wake {
        caller.wake_deliveries(&app);
    }
    let body = json!({"id": id.to_string(), "type": event_type, "event_time": ts(time)});
    Ok(into_response(json_response(StatusCode::OK, &body)))
}

fn time_param(q: &Query, name: &str) -> Result<Option<DateTime<Utc>>, Problem> {
    q.get(name)
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| Problem::bad_query(format!("{name} must be an RFC 3339 date-time")))
        })
        .transpose()
}

pub(super) async fn list_events(
    caller: Caller,
    IdPath(hook): IdPath,
    q: Query,
) -> Result<Response, Problem> {
    let limit = q.limit()?;
    let start = time_param(&q, "start_time")?;
    let end = time_param(&q, "end_time")?;
    let resource = q.uuid("resource_id")?;
    let t = caller.read();
    if t.get::<Webhook>(&hook).is_none() {
        return Err(no_such_webhook());
    }
    let listing = format!("{}/{hook}", Event::LISTING);
    let page = t.page_in(&listing, q.page_token(), limit, |e: &Entry<Event>| {
        e.webhook_id == hook
            && start.is_none_or(|s| e.event_time >= s)
            && end.is_none_or(|s| e.event_time <= s)
            && resource.is_none_or(|r| e.resource_id == Some(r))
    })?;
    let rows = page.rows.iter().map(|e| e.json(&caller.name, false));
    Ok(list_response("event_list", rows, page.next))
}

pub(super) async fn get_event(
    caller: Caller,
    EventPath(hook, id): EventPath,
) -> Result<Response, Problem> {
    let t = caller.read();
    if t.get::<Webhook>(&hook).is_none() {
        return Err(no_such_webhook());
    }
    let e = t.get::<Event>(&(hook, id)).ok_or_else(no_such_event)?;
    let body = e.json(&caller.name, true).clone();
    Ok(into_response(json_bytes(StatusCode::OK, body)))
}

/// The `delay` query parameter: whole seconds from 0 to 3600.
fn delay_param(q: &Query) -> Result<u32, Problem> {
    let Some(s) = q.get("delay") else {
        return Ok(0);
    };
    s.parse::<u32>()
        .ok()
        .filter(|d| *d <= 3600 && !s.starts_with('+'))
        .ok_or_else(|| Problem::bad_query("delay must be a whole number of seconds from 0 to 3600"))
}

pub(super) async fn resend_event(
    State(app): State<Arc<App>>,
    caller: Caller,
    EventPath(hook, id): EventPath,
    q: Query,
) -> Result<Response, Problem> {
    if caller.read().get::<Webhook>(&hook).is_none() {
        return Err(no_such_webhook());
    }
    let delay = delay_param(&q)?;
    let due = Utc::now() + chrono::Duration::seconds(i64::from(delay));
    let view = commit_write(&app, &caller, |t| {
        // Checked again under the lock: a subscription deleted meanwhile is the 404 it names.
        if t.get::<Webhook>(&hook).is_none() {
            return Err(no_such_webhook());
        }
        t.resend_event(&hook, &id, due)
            .map(|e| e.json(&caller.name, false).clone())
            .ok_or_else(no_such_event)
    })
    .await??;
    caller.wake_deliveries(&app);
    Ok(into_response(json_bytes(StatusCode::OK, view)))
}
