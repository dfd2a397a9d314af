//! The events Synctera sent to a subscription, with where each delivery stands: list them, get
//! one with its attempts, send one again.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use synctera_raw::types;

use crate::error::Error;
use crate::transport::pagination::{self, List, ListQuery, Page, Paging};
use crate::transport::{OptionalParams, Request, operation};
use crate::values::enums::wire_enum;
use crate::values::ids::{EventId, WebhookId};

use super::event::{ChangedFields, EventResource, masked_url};
use super::event_type::EventType;
use super::subscriptions::{Webhooks, raw_event_type};

wire_enum! {
    /// Where an event's delivery stands (`status` of an event).
    DeliveryStatus {
        /// Delivery failed and will not be retried.
        Failed = "FAILED",
        /// An attempt failed; another follows with back-off.
        Retrying = "RETRYING",
        /// An attempt is under way.
        Running = "RUNNING",
        /// The receiver answered 2xx.
        Success = "SUCCESS",
    }
}

/// One delivery attempt of an event (`response_history[]` of `getEvent`).
///
/// `Debug` shows the receiver's answer body only by its length.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// The receiver's HTTP status; 0 when no answer came.
    pub code: Option<i64>,
    /// The receiver's answer body, cut at 1,024 characters.
    pub response_body: Option<String>,
    /// When the attempt was sent.
    pub sent_time: Option<DateTime<Utc>>,
    /// When the answer came.
    pub response_time: Option<DateTime<Utc>>,
}

impl From<types::WebhookResponse> for DeliveryAttempt {
    fn from(raw: types::WebhookResponse) -> Self {
        DeliveryAttempt {
            code: raw.code,
            response_body: raw.response_body,
            sent_time: raw.sent_time,
            response_time: raw.response_time,
        }
    }
}

impl fmt::Debug for DeliveryAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryAttempt")
            .field("code", &self.code)
            .field(
                "response_body",
                &self.response_body.as_ref().map(String::len),
            )
            .field("sent_time", &self.sent_time)
            .field("response_time", &self.response_time)
            .finish()
    }
}

/// An event Synctera sent (or will send) to a subscription, as the API lists it: the event
/// and where its delivery stands. (A delivery itself is read with
/// [`WebhookVerifier`](super::WebhookVerifier) into an [`Event`](super::Event).)
///
/// `Debug` masks like [`Event`](super::Event)'s: the resource as its own type does, changed
/// fields by name only, the metadata as its length and the URL without its query.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The event's id.
    pub id: EventId,
    /// What happened.
    pub event_type: EventType,
    /// When it happened.
    pub event_time: DateTime<Utc>,
    /// The subscription it is sent to (absent in `triggerEvent`'s answer).
    pub webhook_id: Option<WebhookId>,
    /// The id of the resource the event is about, when there is one.
    pub resource_id: Option<uuid::Uuid>,
    /// The URL the event is sent to (the subscription's).
    pub url: Option<String>,
    /// The subscription's metadata string, as the delivery carries it.
    pub metadata: Option<String>,
    /// Where the delivery stands.
    pub status: Option<DeliveryStatus>,
    /// Every delivery attempt, oldest first (only in `getEvent`'s answer).
    pub response_history: Vec<DeliveryAttempt>,
    /// The resource after the event, decoded like a delivery's (a resource that is not JSON is
    /// left out).
    pub resource: Option<EventResource>,
    /// For `*.UPDATED` events: the changed fields' values before the change.
    pub changed_fields: ChangedFields,
}

// Every field that may be sensitive masks itself (the resource, the changed fields, an
// attempt's answer body), except the URL's query and the metadata, shown as in `Event`.
impl fmt::Debug for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEvent")
            .field("id", &self.id)
            .field("event_type", &self.event_type)
            .field("event_time", &self.event_time)
            .field("webhook_id", &self.webhook_id)
            .field("resource_id", &self.resource_id)
            .field("url", &self.url.as_deref().map(masked_url))
            .field("metadata", &self.metadata.as_ref().map(String::len))
            .field("status", &self.status)
            .field("response_history", &self.response_history)
            .field("resource", &self.resource)
            .field("changed_fields", &self.changed_fields)
            .finish()
    }
}

impl From<types::WebhookEvent> for WebhookEvent {
    fn from(raw: types::WebhookEvent) -> Self {
        let event_type = EventType::from_wire(&raw.type_);
        let resource = raw
            .event_resource
            .as_deref()
            .and_then(|json| EventResource::read(&event_type, json).ok());
        WebhookEvent {
            id: raw.id.into(),
            event_time: raw.event_time,
            webhook_id: raw.webhook_id.map(WebhookId::from),
            resource_id: raw.resource_id,
            url: raw.url,
            metadata: raw.metadata,
            status: raw.status.as_deref().map(DeliveryStatus::from_wire),
            response_history: raw
                .response_history
                .into_iter()
                .map(DeliveryAttempt::from)
                .collect(),
            resource,
            changed_fields: ChangedFields::read(raw.event_resource_changed_fields.as_deref())
                .unwrap_or_default(),
            event_type,
        }
    }
}

impl From<types::WebhookEventList> for Page<WebhookEvent> {
    fn from(raw: types::WebhookEventList) -> Self {
        Page::from_answer(
            raw.event_list.into_iter().map(WebhookEvent::from).collect(),
            raw.next_page_token,
        )
    }
}

/// The longest delay `resendEvent` takes.
const MAX_RESEND_DELAY: Duration = Duration::from_secs(3600);

impl Webhooks<'_> {
    /// `triggerEvent`: sends a sample event of an explicit type (not a wildcard) to the
    /// subscriptions that take it. The answer has only `id`, `event_type` and `event_time`.
    pub fn trigger(&self, event_type: EventType) -> Request<TriggerEvent> {
        let body = if event_type.is_wildcard() {
            Err(Error::validation(
                "event",
                "must be an explicit event type, not a wildcard",
            ))
        } else {
            raw_event_type(&event_type, "event")
        };
        Request::new(
            self.client,
            body.map(|event| TriggerEvent(Box::new(types::TriggerEventRequest { event }))),
        )
    }
    /// `listEvents`: the events sent to subscription `webhook` (without their response
    /// history), a query builder.
    pub fn events(&self, webhook: impl Into<WebhookId>) -> ListWebhookEvents {
        List::new(
            self.client,
            WebhookEventsQuery {
                webhook: webhook.into(),
                start_time: None,
                end_time: None,
                resource_id: None,
            },
        )
    }

    /// `getEvent`: one event with its response history.
    pub fn event(
        &self,
        webhook: impl Into<WebhookId>,
        event: impl Into<EventId>,
    ) -> Request<GetWebhookEvent> {
        Request::new(
            self.client,
            Ok(GetWebhookEvent(
                webhook.into().into_uuid(),
                event.into().into_uuid(),
            )),
        )
    }

    /// `resendEvent`: delivers the event again after `delay` (whole seconds, at most an hour).
    pub fn resend(
        &self,
        webhook: impl Into<WebhookId>,
        event: impl Into<EventId>,
        delay: Duration,
    ) -> Request<ResendEvent> {
        let op = if delay > MAX_RESEND_DELAY {
            Err(Error::validation("delay", "must be at most 3600 seconds"))
        } else {
            Ok(ResendEvent(
                webhook.into().into_uuid(),
                event.into().into_uuid(),
                delay.as_secs() as i64,
            ))
        };
        Request::new(self.client, op)
    }
}

operation! {
    /// The `getEvent` operation, made by [`Webhooks::event`].
    GetWebhookEvent(uuid::Uuid, uuid::Uuid) = GET "getEvent",
    types::WebhookEvent => WebhookEvent,
    |op, raw| raw.get_event().webhook_id(op.0).event_id(op.1)
}

operation! {
    /// The `resendEvent` operation, made by [`Webhooks::resend`].
    ResendEvent(uuid::Uuid, uuid::Uuid, i64) = POST "resendEvent",
    types::WebhookEvent => WebhookEvent,
    |op, raw| raw.resend_event().webhook_id(op.0).event_id(op.1).delay(op.2)
}

/// The query of [`ListWebhookEvents`].
#[derive(Debug, Clone)]
pub struct WebhookEventsQuery {
    webhook: WebhookId,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    resource_id: Option<uuid::Uuid>,
}

/// A `listEvents` query: the events of one subscription.
///
/// ```no_run
/// use futures::TryStreamExt;
/// # async fn f(client: synctera::Client, hook: synctera::WebhookId, person: synctera::PersonId)
/// # -> Result<(), synctera::Error> {
/// let about_person: Vec<synctera::WebhookEvent> = client
///     .webhooks()
///     .events(hook)
///     .resource_id(person.into_uuid())
///     .stream()
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
pub type ListWebhookEvents = List<WebhookEventsQuery>;

impl ListWebhookEvents {
    /// Only events at or after this time (`start_time`).
    pub fn start_time(mut self, at: DateTime<Utc>) -> Self {
        self.query.start_time = Some(at);
        self
    }
    /// Only events at or before this time (`end_time`).
    pub fn end_time(mut self, at: DateTime<Utc>) -> Self {
        self.query.end_time = Some(at);
        self
    }
    /// Only events about this resource (`resource_id`).
    pub fn resource_id(mut self, id: impl Into<uuid::Uuid>) -> Self {
        self.query.resource_id = Some(id.into());
        self
    }
}

impl pagination::sealed::Sealed for WebhookEventsQuery {}
impl ListQuery for WebhookEventsQuery {
    const NAME: &'static str = "ListWebhookEvents";
    type Item = WebhookEvent;
    type Page = ListWebhookEventsPage;

    fn page(self, paging: Paging) -> Result<ListWebhookEventsPage, Error> {
        Ok(ListWebhookEventsPage(self, paging))
    }
}

operation! {
    /// The `listEvents` operation (one page), made by [`ListWebhookEvents`].
    ListWebhookEventsPage(WebhookEventsQuery, Paging) = GET "listEvents",
    types::WebhookEventList => Page<WebhookEvent>,
    |op, raw| {
        let ListWebhookEventsPage(q, paging) = op;
        raw.list_events()
            .webhook_id(q.webhook.into_uuid())
            .set_some(q.start_time, |r, v| r.start_time(v))
            .set_some(q.end_time, |r, v| r.end_time(v))
            .set_some(q.resource_id, |r, v| r.resource_id(v))
            .set_some(paging.limit, |r, v| r.limit(v))
            .set_some(paging.page_token.clone(), |r, v| r.page_token(v))
    }
}

operation! {
    /// The `triggerEvent` operation, made by [`Webhooks::trigger`].
    TriggerEvent(Box<types::TriggerEventRequest>) = POST "triggerEvent",
    types::WebhookEvent => WebhookEvent,
    |op, raw| raw.trigger_event().body((*op.0).clone())
}
