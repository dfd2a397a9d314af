//! listWebhooks, createWebhook, getWebhook, updateWebhook, deleteWebhook.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde_json::json;

use crate::app::App;
use crate::http::{
    Body, Caller, IdPath, Query, into_response, json_bytes, json_response, list_response,
};
use crate::ops::read_one;
use crate::problem::Problem;
use crate::store::Entry;
use crate::validate::{Errors, Obj, parse_object};
use crate::webhooks::destination;
use crate::webhooks::event_types::is_subscribable;
use crate::webhooks::records::{Webhook, WebhookInput};
use crate::write::commit_write;

const MAX_URL: usize = 1000;
const MAX_METADATA: usize = 1024;

/// Validates a `WebhookInput` body, naming every offending field and never echoing a value.
fn parse_input(body: &[u8], allowed_hosts: &[String]) -> Result<WebhookInput, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let url = o.text("url", MAX_URL);
    if let Some(u) = &url
        && let Err(refusal) = destination::check(u, allowed_hosts)
    {
        o.errs.invalid("url", refusal.rule());
    }
    let url = o.required("url", url);
    let events = o.array("enabled_events");
    let mut enabled = Vec::new();
    // No count limit, as the spec states none: what is kept is deduplicated, so bounded by the
    // event types there are, and the body limit bounds what is read.
    if let Some(items) = &events {
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(s) if is_subscribable(s) => {
                    if !enabled.iter().any(|e: &String| e == s) {
                        enabled.push(s.to_string());
                    }
                }
                _ => o.errs.invalid(
                    format!("enabled_events[{i}]"),
                    "must be an event type or wildcard of WebhookEventType",
                ),
            }
        }
    }
    let events = o.required("enabled_events", events);
    let is_enabled = o.boolean("is_enabled");
    let is_enabled = o.required("is_enabled", is_enabled);
    // Any string, empty included: the spec sets no length (the body limit bounds it).
    let description = o.string("description");
    let metadata = o.string("metadata");
    if metadata
        .as_ref()
        .is_some_and(|m| m.chars().count() > MAX_METADATA)
    {
        o.errs
            .invalid("metadata", "must be at most 1024 characters long");
    }
    o.finish();
    errs.into_result()?;
    match (url, events, is_enabled) {
        (Some(url), Some(_), Some(is_enabled)) => Ok(WebhookInput {
            url,
            enabled_events: enabled,
            is_enabled,
            description,
            metadata,
        }),
        _ => Err(Problem::bad_body("missing required fields")),
    }
}

const NO_SUCH_WEBHOOK: &str = "no such webhook in this tenant";

fn no_such_webhook() -> Problem {
    Problem::not_found(NO_SUCH_WEBHOOK)
}

pub(super) async fn create_webhook(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body,
) -> Result<Response, Problem> {
    let input = parse_input(&body, &app.config.webhook_allow_hosts)?;
    let now = Utc::now();
    let view = commit_write(&app, &caller, |t| {
        t.add_webhook(input, now).json(&caller.name, ()).clone()
    })
    .await?;
    Ok(into_response(json_bytes(StatusCode::CREATED, view)))
}

pub(super) async fn update_webhook(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdPath(id): IdPath,
    Body(body): Body,
) -> Result<Response, Problem> {
    // The unknown-id 404 wins over body errors, as for every other resource.
    if caller.read().get::<Webhook>(&id).is_none() {
        return Err(no_such_webhook());
    }
    let input = parse_input(&body, &app.config.webhook_allow_hosts)?;
    let now = Utc::now();
    let (view, wake) = commit_write(&app, &caller, |t| {
        t.replace_webhook(&id, input, now)
            .map(|(h, wake)| (h.json(&caller.name, ()).clone(), wake))
    })
    .await?
    .ok_or_else(no_such_webhook)?;
    if wake {
        caller.wake_deliveries(&app);
    }
    Ok(into_response(json_bytes(StatusCode::OK, view)))
}

pub(super) async fn get_webhook(caller: Caller, IdPath(id): IdPath) -> Result<Response, Problem> {
    read_one::<Webhook>(&caller, id, (), NO_SUCH_WEBHOOK)
}

pub(super) async fn delete_webhook(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdPath(id): IdPath,
) -> Result<Response, Problem> {
    let deleted = commit_write(&app, &caller, |t| t.delete_webhook(&id)).await?;
    if !deleted {
        return Err(no_such_webhook());
    }
    let body = json!({"id": id.to_string(), "resource": "webhook"});
    Ok(into_response(json_response(StatusCode::OK, &body)))
}

pub(super) async fn list_webhooks(caller: Caller, q: Query) -> Result<Response, Problem> {
    let limit = q.limit()?;
    let enabled_only = q.boolean("is_enabled_only")?.unwrap_or(false);
    let t = caller.read();
    let page = t.page_of(q.page_token(), limit, |h: &Entry<Webhook>| {
        !enabled_only || h.input.is_enabled
    })?;
    let rows = page.rows.iter().map(|h| h.json(&caller.name, ()));
    Ok(list_response("webhooks", rows, page.next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(body: &str) -> String {
        parse_input(body.as_bytes(), &[]).unwrap_err().detail
    }

    #[test]
    fn a_valid_subscription_is_read_with_duplicates_dropped() {
        let input = parse_input(
            br#"{"url":"http://127.0.0.1:9/h","enabled_events":["PERSON.*","PERSON.*"],"is_enabled":true,"metadata":"m"}"#,
            &[],
        )
        .unwrap();
        assert_eq!(input.enabled_events, vec!["PERSON.*".to_string()]);
        assert_eq!(input.metadata.as_deref(), Some("m"));
    }

    #[test]
    fn a_description_of_any_length_and_repeated_event_types_are_accepted() {
        let events = ["PERSON.*", "CUSTOMER.CREATED"].repeat(75);
        for description in [String::new(), "d".repeat(5000)] {
            let body = json!({"url": "http://127.0.0.1:9/h", "enabled_events": events, "is_enabled": true, "description": description});
            let input = parse_input(body.to_string().as_bytes(), &[]).unwrap();
            assert_eq!(input.description.as_deref(), Some(description.as_str()));
            assert_eq!(input.enabled_events, ["PERSON.*", "CUSTOMER.CREATED"]);
        }
    }

    #[test]
    fn each_bad_field_is_named_and_no_value_is_echoed() {
        let d = detail(
            r#"{"url":"ftp://127.0.0.1/secret-path","enabled_events":["PERSON.*","NOPE.EVENT"],"is_enabled":true}"#,
        );
        assert!(d.contains("url") && d.contains("enabled_events[1]"), "{d}");
        assert!(!d.contains("secret-path") && !d.contains("NOPE"), "{d}");
        let long = "x".repeat(1025);
        let d = detail(&format!(
            r#"{{"url":"http://127.0.0.1/","enabled_events":[],"is_enabled":true,"metadata":"{long}"}}"#
        ));
        assert!(d.contains("metadata"), "{d}");
        let d =
            detail(r#"{"url":"http://10.1.2.3/","enabled_events":[],"is_enabled":true,"extra":1}"#);
        assert!(
            d.contains("url") && d.contains("extra") && !d.contains("10.1.2.3"),
            "{d}"
        );
        let d = detail(r#"{"enabled_events":[]}"#);
        assert!(d.contains("url") && d.contains("is_enabled"), "{d}");
    }
}
