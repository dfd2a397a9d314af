//! Webhook subscriptions (`/webhooks`): where Synctera delivers which events, and the events it
//! sent to each subscription with their delivery attempts.

use std::fmt;

use chrono::{DateTime, Utc};

use synctera_raw::types;

use crate::error::Error;
use crate::field_path::FieldPath;
use crate::transport::client::Client;
use crate::transport::pagination::{self, List, ListQuery, Page, Paging};
use crate::transport::{OptionalParams, Request, operation};
use crate::values::ids::WebhookId;

use super::event::masked_url;
use super::event_type::EventType;

/// A webhook subscription as Synctera returns it.
///
/// `Debug` shows the URL without its credentials, query and fragment (a receiver URL may carry
/// a token or a password) and the metadata only by its length.
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
        Page::from_answer(
            raw.webhooks.into_iter().map(Webhook::from).collect(),
            raw.next_page_token,
        )
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("url", &masked_url(&self.url))
            .field("enabled_events", &self.enabled_events)
            .field("is_enabled", &self.is_enabled)
            .field("description", &self.description)
            .field("metadata", &self.metadata.as_ref().map(String::len))
            .field("last_updated", &self.last_updated)
            .finish_non_exhaustive()
    }
}

/// A webhook subscription to create (`createWebhook`) or to replace one with (`updateWebhook`).
///
/// Checked before sending: an absolute `http` or `https` URL of at most 1,000 characters, no
/// event type unknown to this SDK, metadata of at most 1,024 characters. An empty list of
/// event types is sent as it is: the API takes it (such a subscription receives nothing).
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

    /// `is_enabled` (default `true`): a disabled subscription receives nothing; its pending
    /// events wait until it is enabled again.
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
            .field("url", &masked_url(&self.url))
            .field("enabled_events", &self.enabled_events)
            .field("is_enabled", &self.is_enabled)
            .field("description", &self.description)
            .field("metadata", &self.metadata.as_ref().map(String::len))
            .finish()
    }
}

pub(super) fn raw_event_type(
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
    pub(super) client: &'a Client,
}

impl Client {
    /// Webhook subscriptions (`/webhooks`).
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { client: self }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(hook: NewWebhook) -> String {
        hook.validate()
            .expect_err("refused")
            .field()
            .expect("names a field")
            .to_string()
    }

    const URL: &str = "https://example.com/hooks";

    #[test]
    fn url_is_absolute_http_or_https_of_at_most_1000_characters() {
        let events = || [EventType::PersonCreated];
        for bad in [
            "ftp://example.com/x",
            "example.com/hooks",
            "",
            "/hooks",
            "mailto:a@b.c",
        ] {
            assert_eq!(field_of(NewWebhook::new(bad, events())), "url", "{bad}");
        }
        let base = "http://127.0.0.1/";
        let longest = format!("{base}{}", "a".repeat(1000 - base.len()));
        assert!(NewWebhook::new(&longest, events()).validate().is_ok());
        let err = NewWebhook::new(format!("{longest}a"), events())
            .validate()
            .unwrap_err();
        assert_eq!(err.field().unwrap(), "url");
        assert!(!err.to_string().contains("aaaa"), "{err}");
    }

    #[test]
    fn metadata_is_at_most_1024_characters() {
        let hook = |m: String| NewWebhook::new(URL, [EventType::PersonCreated]).metadata(m);
        assert!(hook("é".repeat(1024)).validate().is_ok());
        assert_eq!(field_of(hook("m".repeat(1025))), "metadata");
    }

    #[test]
    fn events_are_known_and_may_be_none() {
        // The spec sets no minimum and the API takes an empty list: not refused locally.
        assert!(NewWebhook::new(URL, []).validate().is_ok());
        let unknown = [
            EventType::PersonCreated,
            EventType::from_wire("PERSON.RENAMED"),
        ];
        assert_eq!(field_of(NewWebhook::new(URL, unknown)), "enabled_events[1]");
        let wildcard = NewWebhook::new(URL, [EventType::from_wire("CUSTOMER.*")]);
        assert!(wildcard.validate().is_ok());
    }

    #[test]
    fn debug_hides_the_query_and_the_metadata() {
        let hook = NewWebhook::new(
            "https://example.com/h?token=SECRET",
            [EventType::PersonCreated],
        )
        .metadata("internal-note");
        let shown = format!("{hook:?}");
        assert!(
            !shown.contains("SECRET") && !shown.contains("internal-note"),
            "{shown}"
        );
    }

    /// A receiver URL may carry a password (`https://user:pass@host/`) or a token in its
    /// fragment: `Debug` of a subscription, to create or as returned, shows neither.
    #[test]
    fn debug_hides_credentials_and_the_fragment_of_the_url() {
        for url in [
            "https://hookuser:PASSWORD@example.com/h",
            "https://PASSWORD@example.com/h?x=1",
            "http://hookuser:PASSWORD@127.0.0.1:9000",
            "https://example.com/h#PASSWORD",
            "https://example.com/h?a=b#PASSWORD",
        ] {
            let hook = NewWebhook::new(url, [EventType::PersonCreated]);
            assert!(hook.validate().is_ok(), "{url}");
            let raw: types::Webhook = serde_json::from_value(serde_json::json!({
                "id": "6f1d2c3b-4a59-4e68-8d7c-0b1a2c3d4e5f",
                "url": url,
                "enabled_events": ["PERSON.CREATED"],
                "is_enabled": true,
            }))
            .unwrap();
            let stored = Webhook::from(raw);
            for shown in [format!("{hook:?}"), format!("{stored:?} {stored:#?}")] {
                assert!(
                    !shown.contains("PASSWORD") && !shown.contains("hookuser"),
                    "{shown}"
                );
                assert!(
                    shown.contains("example.com/h") || shown.contains("127.0.0.1:9000"),
                    "the host is still shown: {shown}"
                );
            }
        }
    }
}
