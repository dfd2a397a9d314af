//! The operations, one module per resource, each with its routes beside its handlers.

mod disclosures;
mod persons;
mod sandbox;
mod verifications;
mod webhooks;
mod wipe;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;

use crate::app::App;
use crate::http::{Caller, into_response, json_bytes};
use crate::problem::Problem;
use crate::store::Registered;

/// Every operation's routes. Each is declared with its full path (`/v0/...`) rather than
/// nested under `/v0`, which would rewrite every request's URI on the way in.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .merge(persons::routes())
        .merge(disclosures::routes())
        .merge(verifications::routes())
        .merge(wipe::routes())
        .merge(webhooks::routes())
        .merge(sandbox::routes())
}

/// The answer of every get operation: the record's `view` as kept for reads, or 404 with
/// `missing` as its detail.
fn read_one<R: Registered>(
    caller: &Caller,
    id: R::Id,
    view: R::View,
    missing: &'static str,
) -> Result<Response, Problem> {
    let t = caller.read();
    let r = t.get::<R>(&id).ok_or_else(|| Problem::not_found(missing))?;
    let body = r.json(&caller.name, view).clone();
    Ok(into_response(json_bytes(StatusCode::OK, body)))
}
