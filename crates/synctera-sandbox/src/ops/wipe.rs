//! wipeWorkspace: empties the caller's tenant, as test suites do between runs.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;

use crate::app::App;
use crate::http::Caller;
use crate::problem::Problem;
use crate::write::commit_write;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route("/v0/wipe", post(wipe))
}

/// Deletes the tenant's persons, disclosures, verifications, idempotency records and page
/// tokens, durably; other tenants are untouched and wiping an empty tenant is 204 too. The
/// operation takes no body; one sent anyway is not read.
async fn wipe(State(app): State<Arc<App>>, caller: Caller) -> Result<StatusCode, Problem> {
    commit_write(&app, &caller, |t| t.wipe()).await?;
    Ok(StatusCode::NO_CONTENT)
}
