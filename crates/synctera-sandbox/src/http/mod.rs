//! The HTTP layer shared by every operation: extractors, middleware, and the answers.

mod extract;
mod middleware;
mod query;
mod reply;

pub(crate) use extract::{Body, Caller, IdPath};
pub(crate) use middleware::{CONN_KILL, FaultsAndLogLayer};
pub(crate) use query::Query;
pub(crate) use reply::{into_response, json_bytes, json_response, list_response, problem_response};
