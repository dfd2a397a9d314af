//! The webhook records a tenant keeps: subscriptions and the events sent to them, with the
//! JSON each is answered as.

use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::attempt::{Attempt, retry_wait};
use crate::records::{Resource, ts};

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

/// Kept in the store's collection of its kind; a wipe keeps it (and deletes its events).
impl Resource for Webhook {
    const KIND: &'static str = "webhooks";
    // Numbered by row since schema 3 (by a per-tenant sequence before).
    const LISTING: &'static str = "webhooks/rows";
    const WIPED: bool = false;
    type View = ();
    type Id = Uuid;
    fn id(&self) -> Uuid {
        self.id
    }
    fn render(&self, tenant: &str, (): ()) -> Bytes {
        Bytes::from(self.view(tenant).to_string())
    }
}

impl Webhook {
    fn view(&self, tenant: &str) -> Value {
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
    /// The JSON text of the resource after the write (a view as answered), when there is one.
    pub resource: Option<&'a Bytes>,
    /// The JSON text of the changed fields with their prior values, for an update.
    pub changed: Option<&'a str>,
}

/// Attempts kept per event, the latest: a full retry schedule is 17, and resends add more.
const MAX_HISTORY: usize = 100;

/// One event sent (or to be sent) to one webhook. Stored as [`StoredEvent`], whose `body` is
/// the delivery body's text.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(from = "StoredEvent", into = "StoredEvent")]
pub(crate) struct Event {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_type: String,
    pub event_time: DateTime<Utc>,
    pub resource_id: Option<Uuid>,
    /// Shared by the event's clones (the journal's among them), so it is made at most once.
    body: Arc<DeliveryBody>,
    pub status: EventStatus,
    pub history: Vec<Attempt>,
    /// When the next attempt is due; `None` once delivered or given up.
    pub due: Option<DateTime<Utc>>,
    /// Failed attempts since the first attempt or the last resend.
    pub failures: u32,
}

/// The delivery body: the write that raises an event only keeps what it is made of, and the
/// text (the resource's JSON escaped into a string, most of an event's cost) is made when it is
/// first needed, by the delivery worker or the database writer. Every attempt and resend sends
/// the same bytes.
#[derive(Debug)]
struct DeliveryBody {
    text: OnceLock<String>,
    parts: Mutex<Option<BodyParts>>,
}

/// What a delivery body is made of besides the event's own fields: the subscription's URL
/// (its current one, see [`Event::redirect`]), its metadata when the event was raised, and the
/// resource's texts.
#[derive(Debug)]
struct BodyParts {
    url: String,
    metadata: String,
    resource: Option<Bytes>,
    changed: Option<String>,
}

/// The delivery body's JSON (fields in sorted order). The resource and its changes are JSON
/// texts carried as strings, as the vendor sends them.
#[derive(Serialize)]
struct BodyJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    event_resource: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_resource_changed_fields: Option<&'a str>,
    event_time: &'a str,
    id: Uuid,
    metadata: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_id: Option<Uuid>,
    #[serde(rename = "type")]
    event_type: &'a str,
    url: &'a str,
    webhook_id: Uuid,
}

impl Event {
    /// The event `raised` as sent to `hook`, due at `now`.
    pub(crate) fn new(id: Uuid, raised: &Raised<'_>, hook: &Webhook, now: DateTime<Utc>) -> Event {
        let parts = BodyParts {
            url: hook.input.url.clone(),
            metadata: hook.input.metadata.clone().unwrap_or_default(),
            resource: raised.resource.cloned(),
            changed: raised.changed.map(str::to_string),
        };
        Event {
            id,
            webhook_id: hook.id,
            event_type: raised.event_type.to_string(),
            // Kept at the precision it is shown with, so listEvents' inclusive bounds match the
            // `event_time` a client read (and the same before and after a restart with `--state`).
            event_time: now.trunc_subsecs(6),
            resource_id: raised.resource_id,
            body: Arc::new(DeliveryBody {
                text: OnceLock::new(),
                parts: Mutex::new(Some(parts)),
            }),
            status: EventStatus::Running,
            history: Vec::new(),
            due: Some(now),
            failures: 0,
        }
    }

    /// The delivery body's text, made on first use.
    pub(crate) fn body(&self) -> &str {
        self.body.text.get_or_init(|| {
            let parts = self
                .body
                .parts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            let parts = parts.as_ref();
            let resource = parts.and_then(|p| p.resource.as_deref());
            let body = BodyJson {
                event_resource: resource.and_then(|r| std::str::from_utf8(r).ok()),
                event_resource_changed_fields: parts.and_then(|p| p.changed.as_deref()),
                event_time: &ts(self.event_time),
                id: self.id,
                metadata: parts.map_or("", |p| &p.metadata),
                resource_id: self.resource_id,
                event_type: &self.event_type,
                url: parts.map_or("", |p| &p.url),
                webhook_id: self.webhook_id,
            };
            serde_json::to_string(&body).expect("an event body always serializes")
        })
    }

    /// The event sent to `url` from now on, its body saying so. A body not yet made is made
    /// later from its parts; a made one (sent, or stored) has only its `url` replaced, the
    /// other fields copied as they are, so no resource is unescaped and escaped again.
    pub(crate) fn redirect(&mut self, url: &str) {
        let parts = self
            .body
            .parts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|p| BodyParts {
                url: url.to_owned(),
                metadata: p.metadata.clone(),
                resource: p.resource.clone(),
                changed: p.changed.clone(),
            });
        let body = match parts {
            Some(parts) => DeliveryBody {
                text: OnceLock::new(),
                parts: Mutex::new(Some(parts)),
            },
            None => DeliveryBody {
                text: OnceLock::from(with_url(self.body(), url)),
                parts: Mutex::new(None),
            },
        };
        // A new body rather than a change to the shared one: the journal's copies of the
        // event's earlier versions keep theirs.
        self.body = Arc::new(body);
    }

    /// Records an attempt made for the delivery due at `sent_for`: delivered, due again after
    /// the back-off, or given up. An event resent while the attempt was under way is due at
    /// the resend's time instead: that delivery is still to be made, with its fresh schedule,
    /// so the attempt only joins the history.
    pub(crate) fn record_attempt(
        &mut self,
        sent_for: DateTime<Utc>,
        attempt: Attempt,
        retry_base: std::time::Duration,
    ) {
        if self.due == Some(sent_for) {
            self.settle(&attempt, retry_base);
        }
        if self.history.len() >= MAX_HISTORY {
            self.history.remove(0);
        }
        self.history.push(attempt);
    }

    /// The event's delivery after `attempt`: done, due again after the back-off, or given up.
    fn settle(&mut self, attempt: &Attempt, retry_base: std::time::Duration) {
        let at = attempt.response_time;
        self.due = if attempt.succeeded() {
            self.status = EventStatus::Success;
            None
        } else {
            self.failures += 1;
            match retry_wait(retry_base, self.failures) {
                Some(wait) => {
                    self.status = EventStatus::Retrying;
                    Some(at + chrono::Duration::from_std(wait).unwrap_or_default())
                }
                None => {
                    self.status = EventStatus::Failed;
                    None
                }
            }
        };
    }

    /// One more delivery at `due`, with a fresh retry schedule.
    pub(crate) fn resend(&mut self, due: DateTime<Utc>) {
        self.status = EventStatus::Running;
        self.failures = 0;
        self.due = Some(due);
    }

    /// The event as `getEvent` (with its attempts) or `listEvents` answers it.
    fn view(&self, with_history: bool) -> Value {
        let mut m = match serde_json::from_str::<Value>(self.body()) {
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

/// A delivery body's text with its `url` replaced. The fields stay in sorted order (a
/// `BTreeMap`, like [`BodyJson`]'s declaration order); a text that does not parse, which the
/// sandbox never stores, is kept as it is.
fn with_url(text: &str, url: &str) -> String {
    let Ok(mut fields) = serde_json::from_str::<std::collections::BTreeMap<&str, &RawValue>>(text)
    else {
        return text.to_owned();
    };
    let Ok(url) = serde_json::value::to_raw_value(url) else {
        return text.to_owned();
    };
    fields.insert("url", &url);
    serde_json::to_string(&fields).unwrap_or_else(|_| text.to_owned())
}

/// Kept in the store's collection of its kind, found by its subscription's id and its own (an
/// event raised for two subscriptions is two records with one event id); a wipe deletes it.
/// Its views: `true` for `getEvent` (with the attempts), `false` for `listEvents`.
impl Resource for Event {
    const KIND: &'static str = "webhook_events";
    // Numbered by row since schema 3 (by a per-tenant sequence before); a listing is one
    // subscription's events, see `ops/webhooks/events.rs`.
    const LISTING: &'static str = "webhook_events/rows";
    type View = bool;
    type Id = (Uuid, Uuid);
    fn id(&self) -> (Uuid, Uuid) {
        (self.webhook_id, self.id)
    }
    fn render(&self, _tenant: &str, with_history: bool) -> Bytes {
        Bytes::from(self.view(with_history).to_string())
    }
}

/// An event as the database keeps it (the delivery body made).
#[derive(Serialize, Deserialize)]
struct StoredEvent {
    id: Uuid,
    webhook_id: Uuid,
    event_type: String,
    event_time: DateTime<Utc>,
    resource_id: Option<Uuid>,
    body: String,
    status: EventStatus,
    history: Vec<Attempt>,
    due: Option<DateTime<Utc>>,
    failures: u32,
}

impl From<Event> for StoredEvent {
    fn from(e: Event) -> Self {
        StoredEvent {
            body: e.body().to_owned(),
            id: e.id,
            webhook_id: e.webhook_id,
            event_type: e.event_type,
            event_time: e.event_time,
            resource_id: e.resource_id,
            status: e.status,
            history: e.history,
            due: e.due,
            failures: e.failures,
        }
    }
}

impl From<StoredEvent> for Event {
    fn from(s: StoredEvent) -> Self {
        let body = DeliveryBody {
            text: OnceLock::from(s.body),
            parts: Mutex::new(None),
        };
        Event {
            id: s.id,
            webhook_id: s.webhook_id,
            event_type: s.event_type,
            event_time: s.event_time,
            resource_id: s.resource_id,
            body: Arc::new(body),
            status: s.status,
            history: s.history,
            due: s.due,
            failures: s.failures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook() -> Webhook {
        Webhook {
            id: Uuid::new_v4(),
            input: WebhookInput {
                url: "http://127.0.0.1:9/hook".into(),
                enabled_events: vec!["PERSON.*".into()],
                is_enabled: true,
                description: None,
                metadata: Some("team=onboarding".into()),
            },
            last_updated: Utc::now(),
        }
    }

    #[test]
    fn the_body_carries_the_resource_as_a_json_string_and_survives_storage() {
        let resource =
            Bytes::from_static(br#"{"id":"p-1","first_name":"Ada \"the\" first","ssn":"6789"}"#);
        let changed = r#"{"first_name":"Ada"}"#;
        let raised = Raised {
            event_type: "PERSON.UPDATED",
            resource_id: Some(Uuid::new_v4()),
            resource: Some(&resource),
            changed: Some(changed),
        };
        let hook = hook();
        let event = Event::new(Uuid::new_v4(), &raised, &hook, Utc::now());
        let stored = serde_json::to_string(&event).unwrap();
        let body: Value = serde_json::from_str(event.body()).unwrap();
        assert_eq!(
            body["event_resource"],
            std::str::from_utf8(&resource).unwrap()
        );
        assert_eq!(body["event_resource_changed_fields"], changed);
        assert_eq!(body["type"], "PERSON.UPDATED");
        assert_eq!(body["url"], hook.input.url);
        assert_eq!(body["metadata"], "team=onboarding");
        assert_eq!(body["webhook_id"], hook.id.to_string());
        assert_eq!(body["event_time"], ts(event.event_time));

        // A restart loads the stored text: every later attempt sends the same bytes.
        let loaded: Event = serde_json::from_str(&stored).unwrap();
        assert_eq!(loaded.body(), event.body());
        assert_eq!(loaded.id, event.id);
    }

    /// A redirected event's body is the one it would have had if raised for the new url,
    /// whether its body was made before (sent, or stored) or not yet.
    #[test]
    fn a_redirected_body_says_the_new_url_and_keeps_the_rest() {
        let resource = Bytes::from_static(br#"{"id":"p-1","note":"\"quoted\" \u00e9"}"#);
        let raised = Raised {
            event_type: "PERSON.UPDATED",
            resource_id: Some(Uuid::new_v4()),
            resource: Some(&resource),
            changed: Some(r#"{"note":"before"}"#),
        };
        let (old, id, now) = (hook(), Uuid::new_v4(), Utc::now());
        let mut moved = old.clone();
        moved.input.url = "http://127.0.0.1:9/moved?a=\"b\"".into();
        let want = Event::new(id, &raised, &moved, now).body().to_owned();

        let mut unmade = Event::new(id, &raised, &old, now);
        let mut made = unmade.clone();
        made.body();
        let before = made.clone();
        unmade.redirect(&moved.input.url);
        made.redirect(&moved.input.url);
        assert_eq!(unmade.body(), want);
        assert_eq!(made.body(), want);
        let body: Value = serde_json::from_str(&want).unwrap();
        assert_eq!(body["url"], moved.input.url);
        assert_eq!(
            body["metadata"], "team=onboarding",
            "the metadata when raised"
        );
        assert!(before.body().contains(r#""url":"http://127.0.0.1:9/hook""#));
    }

    fn attempt(code: u16, at: DateTime<Utc>) -> Attempt {
        Attempt {
            code,
            response_body: String::new(),
            sent_time: at,
            response_time: at,
        }
    }

    /// The attempt under way when the event is resent, failed or not, leaves the resend's
    /// delivery due with its fresh schedule; the resend's own attempt then settles the event.
    #[test]
    fn an_attempt_under_way_during_a_resend_leaves_the_resend_due() {
        let raised = Raised {
            event_type: "PERSON.CREATED",
            resource_id: None,
            resource: None,
            changed: None,
        };
        let base = std::time::Duration::from_secs(30);
        for code in [200, 500] {
            let mut e = Event::new(Uuid::new_v4(), &raised, &hook(), Utc::now());
            let sent_for = e.due.unwrap();
            let resent_for = sent_for + chrono::Duration::seconds(1);
            e.resend(resent_for);
            e.record_attempt(sent_for, attempt(code, sent_for), base);
            assert_eq!(e.due, Some(resent_for), "{code}");
            assert_eq!((e.status, e.failures), (EventStatus::Running, 0), "{code}");
            assert_eq!(e.history.len(), 1);

            e.record_attempt(resent_for, attempt(200, resent_for), base);
            assert_eq!((e.due, e.status), (None, EventStatus::Success));
            assert_eq!(e.history.len(), 2);
        }
    }

    #[test]
    fn a_sample_event_has_no_resource_fields() {
        let raised = Raised {
            event_type: "PERSON.CREATED",
            resource_id: None,
            resource: None,
            changed: None,
        };
        let event = Event::new(Uuid::new_v4(), &raised, &hook(), Utc::now());
        let body: Value = serde_json::from_str(event.body()).unwrap();
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["event_time", "id", "metadata", "type", "url", "webhook_id"]
        );
    }
}
