//! The events a person write raises (see `crate::webhooks` for which), stored in the
//! tenant's outbox under the write's lock.

use chrono::Utc;
use serde_json::Value;
use uuid::Uuid;

use crate::records::Person;
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

/// Raises the events of a person write made through the customer view or not; `before` is
/// the record before an update. Returns whether any event was stored (the worker must wake).
pub(crate) fn raise_person_events(
    t: &mut Tenant,
    tenant: &str,
    what: PersonWrite,
    through_customer: bool,
    before: Option<&Person>,
    id: Uuid,
) -> bool {
    if !t.webhooks.has_subscribers() {
        return false;
    }
    let Some(after) = t.person(&id).map(|r| Person::clone(r)) else {
        return false;
    };
    let now = Utc::now();
    let mut raised_any = false;
    for customer in [through_customer, !through_customer] {
        let event_type = match (what, customer) {
            (PersonWrite::Created, false) => PERSON_CREATED,
            (PersonWrite::Created, true) => CUSTOMER_CREATED,
            (PersonWrite::Updated, false) => PERSON_UPDATED,
            (PersonWrite::Updated, true) => CUSTOMER_UPDATED,
            (PersonWrite::Verified, false) => PERSON_OUTCOME,
            (PersonWrite::Verified, true) => CUSTOMER_OUTCOME,
        };
        // Rendering a view is most of an event's cost, and it is paid under the write's lock.
        if !t.webhooks.subscribes_to(event_type) {
            continue;
        }
        let view = |p: &Person| serde_json::to_value(p.view(tenant, customer)).unwrap_or_default();
        let after_view = view(&after);
        let before_view = before.map(view);
        let changed = before_view
            .as_ref()
            .and_then(|b| changes::changed_fields(b, &after_view));
        let outcome_field = if customer {
            "kyc_status"
        } else {
            "verification_status"
        };
        let raise = match what {
            PersonWrite::Created => true,
            PersonWrite::Updated => changed.is_some(),
            PersonWrite::Verified => changed
                .as_ref()
                .is_some_and(|c| c.contains_key(outcome_field)),
        };
        if !raise {
            continue;
        }
        let raised = Raised {
            event_type,
            resource_id: Some(id),
            resource: Some(&after_view),
            changed: changed.as_ref(),
        };
        raised_any |= t.webhooks.raise(Uuid::new_v4(), &raised, now).0 > 0;
    }
    raised_any
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
        resource: None::<&Value>,
        changed: None,
    };
    let (sent, time) = t.webhooks.raise(id, &raised, Utc::now());
    (id, time, sent > 0)
}
