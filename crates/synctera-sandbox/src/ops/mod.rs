//! The operations, one module per resource, each with its routes beside its handlers.

mod disclosures;
mod people;
mod sandbox;
mod verifications;
mod webhooks;
mod wipe;

use std::sync::Arc;

use axum::Router;

use crate::app::App;

/// Every operation's routes. Each is declared with its full path (`/v0/...`) rather than
/// nested under `/v0`, which would rewrite every request's URI on the way in.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .merge(people::routes())
        .merge(disclosures::routes())
        .merge(verifications::routes())
        .merge(wipe::routes())
        .merge(webhooks::routes())
        .merge(sandbox::routes())
}
