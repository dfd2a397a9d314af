//! The events a person write raises (see `crate::webhooks` for which), stored in the
//! tenant's outbox under the write's lock.

use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use chrono::Utc;
use serde_json::Value;
use uuid::Uuid;

use crate::records::{Person, Resource};
use crate::store::Tenant;
use crate::webhooks::changes;
use crate::webhooks::event_types::{
    CUSTOMER_CREATED, CUSTOMER_OUTCOME, CUSTOMER_UPDATED, PERSON_CREATED, PERSON_OUTCOME,
    PERSON_UPDATED,
};
use crate::webhooks::records::Raised;

/// What happened to a person record.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PersonWrite {
    Created,
    Updated,
    /// A verification (or a settled review) ran: only the outcome events.
    Verified,
}

/// A person write whose events are to be raised: the record `id`, written through the
/// customer view or not, the record before an update, and the view the write answers with
/// (already rendered, so the event of that view reuses its text).
pub(crate) struct PersonEvents<'a> {
    pub what: PersonWrite,
    pub through_customer: bool,
    pub before: Option<&'a Person>,
    pub id: Uuid,
    pub answered: Option<&'a Bytes>,
}

/// Raises the events of a person write, and sets `wake` when the delivery worker must wake
/// (once the write is committed).
pub(crate) fn raise_person_events(
    t: &mut Tenant,
    tenant: &str,
    w: PersonEvents<'_>,
    wake: &AtomicBool,
) {
    if raise(t, tenant, w) {
        wake.store(true, Ordering::Relaxed);
    }
}

fn raise(t: &mut Tenant, tenant: &str, w: PersonEvents<'_>) -> bool {
    if !t.has_subscribers() {
        return false;
    }
    let now = Utc::now();
    let mut wake = false;
    for customer in [w.through_customer, !w.through_customer] {
        let event_type = match (w.what, customer) {
            (PersonWrite::Created, false) => PERSON_CREATED,
            (PersonWrite::Created, true) => CUSTOMER_CREATED,
            (PersonWrite::Updated, false) => PERSON_UPDATED,
            (PersonWrite::Updated, true) => CUSTOMER_UPDATED,
            (PersonWrite::Verified, false) => PERSON_OUTCOME,
            (PersonWrite::Verified, true) => CUSTOMER_OUTCOME,
        };
        // An event's cost is paid under the write's lock: nothing is rendered for a view no
        // subscription receives, and the answered view's text is reused as it is.
        if !t.subscribes_to(event_type) {
            continue;
        }
        let after = match w.answered {
            Some(view) if customer == w.through_customer => view.clone(),
            _ => match t.person(&w.id) {
                Some(entry) => entry.json(tenant, customer).clone(),
                None => return wake,
            },
        };
        let changed = match w.before {
            None => None,
            Some(before) => {
                let before = serde_json::from_slice::<Value>(&before.render(tenant, customer));
                let after = serde_json::from_slice::<Value>(&after);
                let (Ok(before), Ok(after)) = (before, after) else {
                    continue;
                };
                changes::changed_fields(&before, &after)
            }
        };
        let outcome_field = if customer {
            "kyc_status"
        } else {
            "verification_status"
        };
        let raise = match w.what {
            PersonWrite::Created => true,
            PersonWrite::Updated => changed.is_some(),
            PersonWrite::Verified => changed
                .as_ref()
                .is_some_and(|c| c.contains_key(outcome_field)),
        };
        if !raise {
            continue;
        }
        let changed = changed.map(|c| Value::Object(c).to_string());
        let raised = Raised {
            event_type,
            resource_id: Some(w.id),
            resource: Some(&after),
            changed: changed.as_deref(),
        };
        wake |= t.raise_event(Uuid::new_v4(), &raised, now).0;
    }
    wake
}

/// Raises a sample event of an explicit type (triggerEvent): no resource, nothing changed.
pub(crate) fn raise_sample(
    t: &mut Tenant,
    event_type: &str,
) -> (Uuid, chrono::DateTime<Utc>, bool) {
    let id = Uuid::new_v4();
    let raised = Raised {
        event_type,
        resource_id: None,
        resource: None,
        changed: None,
    };
    let (wake, time) = t.raise_event(id, &raised, Utc::now());
    (id, time, wake)
}
