//! Webhook subscriptions (`/webhooks`): where Synctera delivers which events, and the events it
//! sent to each subscription with their delivery attempts.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use synctera_raw::types;

use crate::error::Error;
use crate::field_path::FieldPath;
use crate::transport::client::Client;
use crate::transport::pagination::{self, List, ListQuery, Page, Paging};
use crate::transport::{OptionalParams, Request, operation};
use crate::values::enums::wire_enum;
use crate::values::ids::{EventId, WebhookId};

use super::event::{ChangedFields, EventResource};
use super::event_type::EventType;

/// A webhook subscription as Synctera returns it.
///
/// `Debug` shows the URL without its query (a receiver URL may carry a token) and the metadata
/// only by its length.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Webhook {
    /// The subscription's id.
    pub id: WebhookId,
    /// Where events are delivered.
    pub url: String,
    /// The event types delivered: explicit types and wildcards such as `PERSON.*`.
    pub enabled_events: Vec<EventType>,
    /// Whether events are delivered at all.
    pub is_enabled: bool,
    /// Free text describing the subscription.
    pub description: Option<String>,
    /// The subscription's metadata string, repeated in every delivery.
    pub metadata: Option<String>,
    /// When the subscription last changed.
    pub last_updated: Option<DateTime<Utc>>,
    /// The tenant it belongs to.
    pub tenant: Option<String>,
}

impl From<types::Webhook> for Webhook {
    fn from(raw: types::Webhook) -> Self {
        Webhook {
            id: raw.id.into(),
            url: raw.url,
            enabled_events: raw
                .enabled_events
                .iter()
                .map(|e| EventType::from_wire(e))
                .collect(),
            is_enabled: raw.is_enabled,
            description: raw.description,
            metadata: raw.metadata,
            last_updated: raw.last_updated,
            tenant: raw.tenant,
        }
    }
}

impl From<types::WebhookList> for Page<Webhook> {
    fn from(raw: types::WebhookList) -> Self {
        Page {
            items: raw.webhooks.into_iter().map(Webhook::from).collect(),
            next_page_token: raw.next_page_token,
        }
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("url", &without_query(&self.url))
            .field("enabled_events", &self.enabled_events)
            .field("is_enabled", &self.is_enabled)
            .field("description", &self.description)
            .field("metadata", &self.metadata.as_ref().map(String::len))
            .field("last_updated", &self.last_updated)
            .finish_non_exhaustive()
    }
}

fn without_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(head, _)| head)
}

/// A webhook subscription to create (`createWebhook`) or to replace one with (`updateWebhook`).
///
/// Checked before sending: an absolute `http` or `https` URL of at most 1,000 characters, at
/// least one event type and none unknown to this SDK, metadata of at most 1,024 characters.
///
/// ```
/// use synctera::{EventType, NewWebhook};
/// let hook = NewWebhook::new("https://example.com/hooks", [EventType::from_wire("PERSON.*")])
///     .description("onboarding")
///     .metadata("team=growth");
/// assert!(hook.validate().is_ok());
/// let err = NewWebhook::new("ftp://example.com", [EventType::PersonCreated]).validate();
/// assert_eq!(err.unwrap_err().field().unwrap(), "url");
/// ```
#[derive(Clone)]
pub struct NewWebhook {
    url: String,
    enabled_events: Vec<EventType>,
    is_enabled: bool,
    description: Option<String>,
    metadata: Option<String>,
}

impl NewWebhook {
    /// A subscription delivering `events` to `url`, enabled.
    pub fn new(url: impl Into<String>, events: impl IntoIterator<Item = EventType>) -> Self {
        Self {
            url: url.into(),
            enabled_events: events.into_iter().collect(),
            is_enabled: true,
            description: None,
            metadata: None,
        }
    }

    /// `description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// `metadata`: a string (not an object) of at most 1,024 characters, repeated in every
    /// delivery.
    pub fn metadata(mut self, metadata: impl Into<String>) -> Self {
        self.metadata = Some(metadata.into());
        self
    }

    /// `is_enabled` (default `true`): a disabled subscription receives nothing.
    pub fn enabled(mut self, is_enabled: bool) -> Self {
        self.is_enabled = is_enabled;
        self
    }

    /// Checks the subscription without sending it, as sending it does.
    pub fn validate(&self) -> Result<(), Error> {
        self.to_raw().map(drop)
    }

    fn to_raw(&self) -> Result<types::WebhookInput, Error> {
        let url: types::WebhookUrl = Error::constrained("url", &self.url)?;
        match reqwest::Url::parse(&self.url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {}
            _ => {
                return Err(Error::validation(
                    "url",
                    "must be an absolute http or https URL",
                ));
            }
        }
        if self.enabled_events.is_empty() {
            return Err(Error::validation(
                "enabled_events",
                "must name at least one event type",
            ));
        }
        let enabled_events = self
            .enabled_events
            .iter()
            .enumerate()
            .map(|(i, e)| raw_event_type(e, FieldPath::element("enabled_events", i)))
            .collect::<Result<_, _>>()?;
        Ok(types::WebhookInput {
            description: self.description.clone(),
            enabled_events,
            is_enabled: self.is_enabled,
            metadata: Error::constrained_opt("metadata", self.metadata.as_deref())?,
            url,
        })
    }
}

impl fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhook")
            .field("url", &without_query(&self.url))
            .field("enabled_events", &self.enabled_events)
            .field("is_enabled", &self.is_enabled)
            .field("description", &self.description)
            .field("metadata", &self.metadata.as_ref().map(String::len))
            .finish()
    }
}

fn raw_event_type(
    event: &EventType,
    field: impl Into<FieldPath>,
) -> Result<types::WebhookEventType, Error> {
    match event {
        EventType::Unknown(_) => Err(Error::validation(
            field,
            "is not an event type the API accepts",
        )),
        known => known
            .as_str()
            .parse()
            .map_err(|_| Error::validation(field, "is not an event type the API accepts")),
    }
}

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
/// fields by name only.
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
    /// Where the delivery stands.
    pub status: Option<DeliveryStatus>,
    /// Every delivery attempt, oldest first (only in `getEvent`'s answer).
    pub response_history: Vec<DeliveryAttempt>,
    /// The resource after the event, decoded like a delivery's; a resource this SDK cannot
    /// read as its type arrives as [`EventResource::Other`].
    pub resource: Option<EventResource>,
    /// For `*.UPDATED` events: the changed fields' values before the change.
    pub changed_fields: ChangedFields,
}

impl From<types::WebhookEvent> for WebhookEvent {
    fn from(raw: types::WebhookEvent) -> Self {
        let event_type = EventType::from_wire(&raw.type_);
        let resource = raw.event_resource.as_deref().and_then(|json| {
            EventResource::read(&event_type, json)
                .ok()
                .or_else(|| serde_json::from_str(json).ok().map(EventResource::Other))
        });
        WebhookEvent {
            id: raw.id.into(),
            event_time: raw.event_time,
            webhook_id: raw.webhook_id.map(WebhookId::from),
            resource_id: raw.resource_id,
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
        Page {
            items: raw.event_list.into_iter().map(WebhookEvent::from).collect(),
            next_page_token: raw.next_page_token,
        }
    }
}

impl fmt::Debug for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEvent")
            .field("id", &self.id)
            .field("event_type", &self.event_type)
            .field("event_time", &self.event_time)
            .field("webhook_id", &self.webhook_id)
            .field("resource_id", &self.resource_id)
            .field("status", &self.status)
            .field("response_history", &self.response_history)
            .field("resource", &self.resource)
            .field("changed_fields", &self.changed_fields)
            .finish()
    }
}

/// What `deleteWebhook` removed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeletedWebhook {
    /// The deleted subscription's id.
    pub id: WebhookId,
    /// The kind of resource deleted (`webhook`).
    pub resource: String,
}

impl From<types::DeletedResource> for DeletedWebhook {
    fn from(raw: types::DeletedResource) -> Self {
        DeletedWebhook {
            id: raw.id.into(),
            resource: raw.resource,
        }
    }
}

/// `client.webhooks()`: subscriptions and the events sent to them.
#[derive(Debug, Clone, Copy)]
pub struct Webhooks<'a> {
    client: &'a Client,
}

impl Client {
    /// Webhook subscriptions (`/webhooks`).
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { client: self }
    }
}

/// The longest delay `resendEvent` takes.
const MAX_RESEND_DELAY: Duration = Duration::from_secs(3600);

impl Webhooks<'_> {
    /// `createWebhook`. Like every unkeyed POST, it is never retried.
    pub fn create(&self, webhook: NewWebhook) -> Request<CreateWebhook> {
        Request::new(
            self.client,
            webhook.to_raw().map(|b| CreateWebhook(Box::new(b))),
        )
    }

    /// `getWebhook`.
    pub fn get(&self, id: impl Into<WebhookId>) -> Request<GetWebhook> {
        Request::new(self.client, Ok(GetWebhook(id.into().into_uuid())))
    }

    /// `updateWebhook`: replaces the subscription with `webhook`.
    pub fn update(&self, id: impl Into<WebhookId>, webhook: NewWebhook) -> Request<UpdateWebhook> {
        let id = id.into().into_uuid();
        Request::new(
            self.client,
            webhook.to_raw().map(|b| UpdateWebhook(id, Box::new(b))),
        )
    }

    /// `deleteWebhook`.
    pub fn delete(&self, id: impl Into<WebhookId>) -> Request<DeleteWebhook> {
        Request::new(self.client, Ok(DeleteWebhook(id.into().into_uuid())))
    }

    /// `listWebhooks`: a query builder.
    pub fn list(&self) -> ListWebhooks {
        List::new(self.client, WebhooksQuery::default())
    }

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
    /// The `createWebhook` operation, made by [`Webhooks::create`].
    CreateWebhook(Box<types::WebhookInput>) = POST "createWebhook",
    types::Webhook => Webhook,
    |op, raw| raw.create_webhook().body((*op.0).clone())
}

operation! {
    /// The `getWebhook` operation, made by [`Webhooks::get`].
    GetWebhook(uuid::Uuid) = GET "getWebhook",
    types::Webhook => Webhook,
    |op, raw| raw.get_webhook().webhook_id(op.0)
}

operation! {
    /// The `updateWebhook` operation, made by [`Webhooks::update`].
    UpdateWebhook(uuid::Uuid, Box<types::WebhookInput>) = PUT "updateWebhook",
    types::Webhook => Webhook,
    |op, raw| raw.update_webhook().webhook_id(op.0).body((*op.1).clone())
}

operation! {
    /// The `deleteWebhook` operation, made by [`Webhooks::delete`].
    DeleteWebhook(uuid::Uuid) = DELETE "deleteWebhook",
    types::DeletedResource => DeletedWebhook,
    |op, raw| raw.delete_webhook().webhook_id(op.0)
}

operation! {
    /// The `triggerEvent` operation, made by [`Webhooks::trigger`].
    TriggerEvent(Box<types::TriggerEventRequest>) = POST "triggerEvent",
    types::WebhookEvent => WebhookEvent,
    |op, raw| raw.trigger_event().body((*op.0).clone())
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

/// The query of [`ListWebhooks`].
#[derive(Debug, Clone, Default)]
pub struct WebhooksQuery {
    is_enabled_only: Option<bool>,
}

/// A `listWebhooks` query.
///
/// ```no_run
/// use futures::TryStreamExt;
/// # async fn f(client: synctera::Client) -> Result<(), synctera::Error> {
/// let enabled: Vec<synctera::Webhook> =
///     client.webhooks().list().is_enabled_only(true).stream().try_collect().await?;
/// # Ok(()) }
/// ```
pub type ListWebhooks = List<WebhooksQuery>;

impl ListWebhooks {
    /// Only enabled subscriptions (`is_enabled_only`).
    pub fn is_enabled_only(mut self, only: bool) -> Self {
        self.query.is_enabled_only = Some(only);
        self
    }
}

impl pagination::sealed::Sealed for WebhooksQuery {}
impl ListQuery for WebhooksQuery {
    const NAME: &'static str = "ListWebhooks";
    type Item = Webhook;
    type Page = ListWebhooksPage;

    fn page(self, paging: Paging) -> Result<ListWebhooksPage, Error> {
        Ok(ListWebhooksPage(self, paging))
    }
}

operation! {
    /// The `listWebhooks` operation (one page), made by [`ListWebhooks`].
    ListWebhooksPage(WebhooksQuery, Paging) = GET "listWebhooks",
    types::WebhookList => Page<Webhook>,
    |op, raw| {
        let ListWebhooksPage(q, paging) = op;
        raw.list_webhooks()
            .set_some(q.is_enabled_only, |r, v| r.is_enabled_only(v))
            .set_some(paging.limit, |r, v| r.limit(v))
            .set_some(paging.page_token.clone(), |r, v| r.page_token(v))
    }
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
