//! Webhooks: the tenant's signing secret, its subscriptions, and the events sent to them.
//! None of these operations takes an `Idempotency-Key` (the spec declares none).

mod events;
mod raise;
mod secrets;
mod subscriptions;

pub(crate) use raise::{PersonEvents, PersonWrite, raise_person_events};

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::app::App;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/v0/webhook_secrets",
            post(secrets::create_secret)
                .put(secrets::replace_secret)
                .delete(secrets::revoke_secret),
        )
        .route(
            "/v0/webhooks",
            get(subscriptions::list_webhooks).post(subscriptions::create_webhook),
        )
        .route("/v0/webhooks/trigger", post(events::trigger_event))
        .route(
            "/v0/webhooks/{id}",
            get(subscriptions::get_webhook)
                .put(subscriptions::update_webhook)
                .delete(subscriptions::delete_webhook),
        )
        .route("/v0/webhooks/{id}/events", get(events::list_events))
        .route(
            "/v0/webhooks/{id}/events/{event_id}",
            get(events::get_event),
        )
        .route(
            "/v0/webhooks/{id}/events/{event_id}/resend",
            post(events::resend_event),
        )
}
