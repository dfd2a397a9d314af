//! People: the same records through `/persons` and through the older `/customers` view.

mod input;
mod list;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use uuid::Uuid;

use super::read_one;
use crate::app::App;
use crate::http::{Body, Caller, IdPath, into_response, json_bytes, problem_response};
use crate::ops::webhooks::{PersonEvents, PersonWrite, raise_person_events};
use crate::problem::Problem;
use crate::records::Person;
use crate::store::{Resource, Tenant};
use crate::write::{Write, commit_write};

pub(crate) use input::now_after;
use input::{Changes, Mode, apply, parse_person};

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/v0/persons",
            get(list::list_persons).post(create::<PERSON>),
        )
        .route(
            "/v0/persons/{id}",
            get(read::<PERSON>).patch(change::<PERSON>),
        )
        .route(
            "/v0/customers",
            get(list::list_customers).post(create::<CUSTOMER>),
        )
        .route(
            "/v0/customers/{id}",
            get(read::<CUSTOMER>)
                .patch(change::<CUSTOMER>)
                .put(replace_customer),
        )
}

/// A person/customer write, validated and, for a create, already built and rendered: the
/// tenant's write lock is then held only to store it.
enum Prepared {
    Create(Person, Bytes),
    Change(Uuid, Changes),
}

fn prepare(mode: Mode, id: Option<Uuid>, body: &[u8], tenant: &str) -> Result<Prepared, Problem> {
    let c = parse_person(mode, body)?;
    match id {
        Some(id) => Ok(Prepared::Change(id, c)),
        None => {
            let p = apply(mode, c, None, now_after(None))?;
            let view = p.render(tenant, !mode.is_person());
            Ok(Prepared::Create(p, view))
        }
    }
}

/// Stores a prepared write and returns the view `mode` answers with, as kept for later reads.
/// The events the write raises are stored with it; `raised` says whether there were any.
fn store(
    app: &App,
    t: &mut Tenant,
    tenant: &str,
    mode: Mode,
    prepared: Prepared,
    raised: &AtomicBool,
) -> Result<Bytes, Problem> {
    let customer = !mode.is_person();
    let unique = |t: &Tenant, p: &Person| {
        if app.config.enforce_unique_customer && t.duplicate_of(p).is_some() {
            return Err(Problem::duplicate(
                "another customer has the same dob, last_name and SSN last four",
            ));
        }
        Ok(())
    };
    match prepared {
        Prepared::Create(p, view) => {
            unique(t, &p)?;
            let id = p.id;
            let rerender = |p: &Person| p.render(tenant, customer);
            let view = t.put_created(p, view, rerender);
            let events = PersonEvents {
                what: PersonWrite::Created,
                through_customer: customer,
                before: None,
                id,
                answered: Some(&view),
            };
            raise_person_events(t, tenant, events, raised);
            Ok(view)
        }
        Prepared::Change(id, c) => {
            let old = t.person(&id).ok_or_else(|| Problem::not_found(NO_PERSON))?;
            let p = apply(mode, c, Some(old), now_after(Some(old.last_updated_time)))?;
            unique(t, &p)?;
            // The record before the change, only when someone is subscribed to hear of it.
            let before = t.has_subscribers().then(|| Person::clone(old));
            let view = t.put_person(p).json(tenant, customer).clone();
            if let Some(before) = before {
                let events = PersonEvents {
                    what: PersonWrite::Updated,
                    through_customer: customer,
                    before: Some(&before),
                    id,
                    answered: Some(&view),
                };
                raise_person_events(t, tenant, events, raised);
            }
            Ok(view)
        }
    }
}

/// Every person/customer write (`mode`); `id` is the record a change applies to.
async fn write_op(
    app: &Arc<App>,
    caller: &Caller,
    write: Option<Write>,
    mode: Mode,
    id: Option<Uuid>,
    body: &Bytes,
) -> Result<Response, Problem> {
    let status = if mode.is_create() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    // Parsed (and a new record built and rendered) before the tenant's write lock is taken:
    // only storing it runs under the lock. The unknown-id 404 still wins over body errors.
    let prepared = prepare(mode, id, body, &caller.name);
    let raised = AtomicBool::new(false);
    let run = |t: &mut Tenant| {
        if let Some(id) = id
            && t.person(&id).is_none()
        {
            return Err(Problem::not_found(NO_PERSON));
        }
        let body = store(app, t, &caller.name, mode, prepared?, &raised)?;
        Ok(json_bytes(status, body))
    };
    let answer = match write {
        Some(w) => w.run(app, caller, mode.op(), body, run).await,
        // PUT is idempotent by nature and takes no Idempotency-Key.
        None => {
            app.faults.wait_if_held().await;
            let r = commit_write(app, caller, |t| run(t).unwrap_or_else(problem_response));
            r.await.map(into_response)
        }
    };
    // Woken once the write (and its events) is committed; an error means it was not.
    if raised.load(Ordering::Relaxed) && answer.is_ok() {
        caller.wake_deliveries(app);
    }
    answer
}

/// The view a request goes through, as a handler's parameter: the same record answers as a
/// person and as a customer.
const PERSON: bool = false;
const CUSTOMER: bool = true;

async fn create<const VIEW: bool>(
    State(app): State<Arc<App>>,
    caller: Caller,
    write: Write,
    Body(body): Body,
) -> Result<Response, Problem> {
    let mode = if VIEW == CUSTOMER {
        Mode::CustomerCreate
    } else {
        Mode::PersonCreate
    };
    write_op(&app, &caller, Some(write), mode, None, &body).await
}

/// `PATCH`: an update of the person, a patch of the customer.
async fn change<const VIEW: bool>(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdPath(id): IdPath,
    write: Write,
    Body(body): Body,
) -> Result<Response, Problem> {
    let mode = if VIEW == CUSTOMER {
        Mode::CustomerPatch
    } else {
        Mode::PersonUpdate
    };
    write_op(&app, &caller, Some(write), mode, Some(id), &body).await
}

async fn replace_customer(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdPath(id): IdPath,
    Body(body): Body,
) -> Result<Response, Problem> {
    let mode = Mode::CustomerReplace;
    write_op(&app, &caller, None, mode, Some(id), &body).await
}

const NO_PERSON: &str = "no such person in this tenant";

async fn read<const VIEW: bool>(caller: Caller, IdPath(id): IdPath) -> Result<Response, Problem> {
    read_one::<Person>(&caller, id, VIEW, NO_PERSON)
}
