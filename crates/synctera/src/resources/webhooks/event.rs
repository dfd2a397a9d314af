//! A verified delivery, read into typed values: the event, its resource and the prior values of
//! the fields that changed.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use synctera_raw::types;
use uuid::Uuid;

use crate::resources::customers::Customer;
use crate::resources::persons::Person;
use crate::values::ids::{EventId, WebhookId};

use super::error::VerifyError;
use super::event_type::EventType;

/// The body of a delivery as it arrives (the `WebhookRequestPost` callback of createWebhook).
/// Every field is optional here so a missing one is reported by name; fields this SDK does not
/// read, such as the deprecated `status` and `response_history`, are ignored.
#[derive(Deserialize)]
struct Delivery {
    id: Option<EventId>,
    #[serde(rename = "type")]
    event_type: Option<EventType>,
    event_time: Option<DateTime<Utc>>,
    webhook_id: Option<WebhookId>,
    url: Option<String>,
    metadata: Option<String>,
    resource_id: Option<Uuid>,
    /// The resource as a JSON document inside a string, not as an object.
    event_resource: Option<String>,
    /// The changed fields' prior values, also a JSON document inside a string.
    event_resource_changed_fields: Option<String>,
}

/// A webhook event, read from a delivery whose signature has been verified.
///
/// `Debug` masks what may be sensitive: the resource as its own type does (a [`Person`]'s PII
/// masked), prior values of changed fields not at all (only their names), the metadata as its
/// length and the URL without its query.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The event's id. Deliveries are at least once: treat a repeated id as the same event.
    pub id: EventId,
    /// What happened.
    pub event_type: EventType,
    /// When it happened.
    pub event_time: DateTime<Utc>,
    /// The subscription (webhook) the delivery is for.
    pub webhook_id: WebhookId,
    /// The id of the resource the event is about (for the person and customer events, the
    /// person's id, which is also its customer id), when there is one.
    pub resource_id: Option<Uuid>,
    /// The URL the delivery was sent to (the subscription's).
    pub url: Option<String>,
    /// The subscription's metadata string.
    pub metadata: Option<String>,
    /// The resource as it was after the event, when the delivery carries one.
    pub resource: Option<EventResource>,
    /// For `*.UPDATED` events: the fields that changed, with their values before the change.
    pub changed_fields: ChangedFields,
}

impl Event {
    /// The person, for a person event.
    pub fn person(&self) -> Option<&Person> {
        match &self.resource {
            Some(EventResource::Person(p)) => Some(p),
            _ => None,
        }
    }

    /// The customer, for a customer event.
    pub fn customer(&self) -> Option<&Customer> {
        match &self.resource {
            Some(EventResource::Customer(c)) => Some(c),
            _ => None,
        }
    }

    /// Reads a delivery body. Only [`super::WebhookVerifier`] calls this, after the signature
    /// has verified: an unverified body is never parsed.
    pub(crate) fn from_verified_body(body: &[u8]) -> Result<Event, VerifyError> {
        let delivery: Delivery = serde_json::from_slice(body)
            .map_err(|e| VerifyError::body(None, "does not have the shape of a delivery", &e))?;
        let id = required(delivery.id, "id")?;
        let event_type = required(delivery.event_type, "type")?;
        let event_time = required(delivery.event_time, "event_time")?;
        let webhook_id = required(delivery.webhook_id, "webhook_id")?;
        let resource = match delivery.event_resource.as_deref() {
            None | Some("") => None,
            Some(json) => Some(EventResource::read(&event_type, json)?),
        };
        let changed_fields =
            ChangedFields::read(delivery.event_resource_changed_fields.as_deref())?;
        Ok(Event {
            id,
            event_type,
            event_time,
            webhook_id,
            resource_id: delivery.resource_id,
            url: delivery.url,
            metadata: delivery.metadata,
            resource,
            changed_fields,
        })
    }
}

fn required<T>(value: Option<T>, field: &'static str) -> Result<T, VerifyError> {
    value.ok_or(VerifyError::NotAnEvent {
        field: Some(field),
        reason: "is missing",
        position: None,
    })
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("id", &self.id)
            .field("event_type", &self.event_type)
            .field("event_time", &self.event_time)
            .field("webhook_id", &self.webhook_id)
            .field("resource_id", &self.resource_id)
            // A receiver URL may carry a token or a password.
            .field("url", &self.url.as_deref().map(masked_url))
            .field("metadata", &self.metadata.as_ref().map(String::len))
            .field("resource", &self.resource)
            .field("changed_fields", &self.changed_fields)
            .finish()
    }
}

/// A receiver URL as `Debug` shows it: without its query and fragment, which may carry a
/// token, and with any user name and password (`https://user:pass@host/…`) replaced by `***`.
/// The credentials are cut first, up to the last `@` before the path, so a password holding a
/// `?` or `#` is not half shown.
pub(super) fn masked_url(url: &str) -> String {
    let after_scheme = match url.find("://") {
        Some(i) if !url[..i].contains(['/', '?', '#', '@']) => i + 3,
        _ => 0,
    };
    let rest = &url[after_scheme..];
    let authority_len = rest.find('/').unwrap_or(rest.len());
    let (credentials, rest) = match rest[..authority_len].rfind('@') {
        Some(at) => ("***", &rest[at..]),
        None => ("", rest),
    };
    let rest = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    format!("{}{credentials}{rest}", &url[..after_scheme])
}

/// The resource an event is about, decoded by the event's type.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum EventResource {
    /// For `PERSON.CREATED`, `PERSON.UPDATED` and `PERSON.VERIFICATION_OUTCOME.UPDATED`.
    Person(Box<Person>),
    /// For `CUSTOMER.CREATED`, `CUSTOMER.UPDATED` and `CUSTOMER.KYC_OUTCOME.UPDATED`.
    Customer(Box<Customer>),
    /// Any other event type (accounts, cards, … and types this SDK version does not know), or a
    /// person or customer event whose resource is not a whole record: the resource as JSON, to
    /// read with your own types. `Debug` shows only its top-level keys.
    Other(serde_json::Value),
}

impl EventResource {
    /// Decodes the `event_resource` string for an event of type `event_type`: a person or
    /// customer event's resource as the SDK's [`Person`] or [`Customer`] when it is a whole
    /// record, and as [`EventResource::Other`] when it is not (a partial document, or a field
    /// this SDK version cannot read). The signature has verified the event, so a resource this
    /// SDK cannot type does not make it unreadable: refusing it would only have Synctera
    /// redeliver it for days. Only a resource that is not JSON at all is an error.
    pub(super) fn read(event_type: &EventType, json: &str) -> Result<Self, VerifyError> {
        let typed = match event_type {
            EventType::PersonCreated
            | EventType::PersonUpdated
            | EventType::PersonVerificationOutcomeUpdated => {
                decode::<types::Person, Person>(json).map(EventResource::Person)
            }
            EventType::CustomerCreated
            | EventType::CustomerUpdated
            | EventType::CustomerKycOutcomeUpdated => {
                decode::<types::Customer, Customer>(json).map(EventResource::Customer)
            }
            _ => None,
        };
        match typed {
            Some(resource) => Ok(resource),
            None => serde_json::from_str(json)
                .map(EventResource::Other)
                .map_err(|e| VerifyError::body(Some("event_resource"), "is not JSON", &e)),
        }
    }
}

/// Decodes `json` as the generated type `R` and converts it field by field, as an API answer
/// is; `None` when it is not one.
fn decode<R: DeserializeOwned, T: From<R>>(json: &str) -> Option<Box<T>> {
    let raw: R = serde_json::from_str(json).ok()?;
    Some(Box::new(raw.into()))
}

impl fmt::Debug for EventResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventResource::Person(p) => f.debug_tuple("Person").field(p).finish(),
            EventResource::Customer(c) => f.debug_tuple("Customer").field(c).finish(),
            EventResource::Other(value) => f.debug_tuple("Other").field(&Shape(value)).finish(),
        }
    }
}

/// A JSON value shown by its keys only (an object's top-level keys; the kind of anything else).
struct Shape<'a>(&'a serde_json::Value);

impl fmt::Debug for Shape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            serde_json::Value::Object(map) => Keys(map).fmt(f),
            serde_json::Value::Array(items) => write!(f, "[{} items]", items.len()),
            serde_json::Value::Null => f.write_str("null"),
            _ => f.write_str("<scalar>"),
        }
    }
}

/// An object shown by its top-level keys.
struct Keys<'a>(&'a serde_json::Map<String, serde_json::Value>);

impl fmt::Debug for Keys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// The fields an update changed, with their values **before** the change
/// (`event_resource_changed_fields`). Empty for events that change nothing.
///
/// Prior values can be PII (an old e-mail address, an old SSN's last four): `Debug` shows only
/// the field names, and [`ChangedFields::prior_value`] is the way to read a value.
#[derive(Clone, Default, PartialEq)]
pub struct ChangedFields(serde_json::Map<String, serde_json::Value>);

impl ChangedFields {
    pub(super) fn read(json: Option<&str>) -> Result<Self, VerifyError> {
        let field = Some("event_resource_changed_fields");
        match json.map(str::trim) {
            None | Some("" | "null") => Ok(Self::default()),
            Some(json) => serde_json::from_str(json)
                .map(ChangedFields)
                .map_err(|e| VerifyError::body(field, "is not a JSON object", &e)),
        }
    }

    /// The names of the fields that changed, in the order the delivery lists them.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Whether `field` changed.
    pub fn contains(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The value `field` had before the change (`Value::Null` when it was unset), or `None`
    /// when it did not change.
    pub fn prior_value(&self, field: &str) -> Option<&serde_json::Value> {
        self.0.get(field)
    }

    /// How many fields changed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no field changed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every prior value, by field name.
    pub fn into_map(self) -> serde_json::Map<String, serde_json::Value> {
        self.0
    }
}

impl fmt::Debug for ChangedFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ChangedFields")
            .field(&Keys(&self.0))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::masked_url;

    #[test]
    fn a_shown_url_keeps_its_host_and_path_only() {
        for (url, shown) in [
            ("https://example.com/h", "https://example.com/h"),
            (
                "https://example.com/h?token=SECRET",
                "https://example.com/h",
            ),
            ("https://example.com/h#SECRET", "https://example.com/h"),
            (
                "https://u:SECRET@example.com/h",
                "https://***@example.com/h",
            ),
            (
                "https://u:SE?CR#ET@example.com/h?x",
                "https://***@example.com/h",
            ),
            ("http://SECRET@127.0.0.1:9", "http://***@127.0.0.1:9"),
            ("example.com/h?next=https://u:SECRET@x", "example.com/h"),
        ] {
            assert_eq!(masked_url(url), shown, "{url}");
        }
    }
}
