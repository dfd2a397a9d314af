//! The webhook records a tenant keeps: subscriptions and the events sent to them, with the
//! JSON each is answered as.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::attempt::Attempt;
use crate::records::ts;

/// A subscription, as validated from a `WebhookInput` body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct WebhookInput {
    pub url: String,
    pub enabled_events: Vec<String>,
    pub is_enabled: bool,
    pub description: Option<String>,
    pub metadata: Option<String>,
}

/// A stored subscription.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Webhook {
    pub id: Uuid,
    #[serde(flatten)]
    pub input: WebhookInput,
    pub last_updated: DateTime<Utc>,
}

impl Webhook {
    pub(crate) fn view(&self, tenant: &str) -> Value {
        let i = &self.input;
        let mut m = Map::new();
        m.insert("id".into(), self.id.to_string().into());
        m.insert("url".into(), i.url.clone().into());
        m.insert("enabled_events".into(), i.enabled_events.clone().into());
        m.insert("is_enabled".into(), i.is_enabled.into());
        if let Some(d) = &i.description {
            m.insert("description".into(), d.clone().into());
        }
        if let Some(md) = &i.metadata {
            m.insert("metadata".into(), md.clone().into());
        }
        m.insert("last_updated".into(), ts(self.last_updated).into());
        m.insert("tenant".into(), tenant.into());
        Value::Object(m)
    }
}

/// Where an event's delivery stands.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum EventStatus {
    Running,
    Retrying,
    Success,
    Failed,
}

/// What an event is about, as raised by a write.
pub(crate) struct Raised<'a> {
    pub event_type: &'a str,
    pub resource_id: Option<Uuid>,
    /// The resource after the write (a view as answered), when there is one.
    pub resource: Option<&'a Value>,
    /// The changed fields with their prior values, for an update.
    pub changed: Option<&'a Map<String, Value>>,
}

/// One event sent (or to be sent) to one webhook.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Event {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_type: String,
    pub event_time: DateTime<Utc>,
    pub resource_id: Option<Uuid>,
    /// The delivery body, made once when the event is raised: every attempt and resend sends
    /// these bytes.
    pub body: String,
    pub status: EventStatus,
    pub history: Vec<Attempt>,
    /// When the next attempt is due; `None` once delivered or given up.
    pub due: Option<DateTime<Utc>>,
    /// Failed attempts since the first attempt or the last resend.
    pub failures: u32,
}

impl Event {
    /// The event `raised` as sent to `hook`, due at `now`.
    pub(crate) fn new(id: Uuid, raised: &Raised<'_>, hook: &Webhook, now: DateTime<Utc>) -> Event {
        // Kept at the precision it is shown with, so listEvents' inclusive bounds match the
        // `event_time` a client read (and the same before and after a restart with `--state`).
        let event_time = now.trunc_subsecs(6);
        let mut body = Map::new();
        body.insert("id".into(), id.to_string().into());
        body.insert("type".into(), raised.event_type.into());
        body.insert("event_time".into(), ts(event_time).into());
        body.insert("webhook_id".into(), hook.id.to_string().into());
        body.insert("url".into(), hook.input.url.clone().into());
        let metadata = hook.input.metadata.clone().unwrap_or_default();
        body.insert("metadata".into(), metadata.into());
        if let Some(r) = raised.resource_id {
            body.insert("resource_id".into(), r.to_string().into());
        }
        if let Some(r) = raised.resource {
            body.insert("event_resource".into(), r.to_string().into());
        }
        if let Some(c) = raised.changed {
            let text = Value::Object(c.clone()).to_string();
            body.insert("event_resource_changed_fields".into(), text.into());
        }
        Event {
            id,
            webhook_id: hook.id,
            event_type: raised.event_type.to_string(),
            event_time,
            resource_id: raised.resource_id,
            body: Value::Object(body).to_string(),
            status: EventStatus::Running,
            history: Vec::new(),
            due: Some(now),
            failures: 0,
        }
    }

    /// The event as `getEvent` (with its attempts) or `listEvents` answers it.
    pub(crate) fn view(&self, with_history: bool) -> Value {
        let mut m = match serde_json::from_str::<Value>(&self.body) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        m.insert("status".into(), json!(self.status));
        if with_history {
            let history: Vec<Value> = self
                .history
                .iter()
                .map(|a| {
                    json!({
                        "code": a.code,
                        "response_body": a.response_body,
                        "sent_time": ts(a.sent_time),
                        "response_time": ts(a.response_time),
                    })
                })
                .collect();
            m.insert("response_history".into(), history.into());
        }
        Value::Object(m)
    }
}
