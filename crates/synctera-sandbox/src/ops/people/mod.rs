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

use crate::app::App;
use crate::http::{Body, Caller, IdPath, into_response, json_bytes, problem_response};
use crate::idempotency::{Write, commit_write};
use crate::model::Person;
use crate::problem::Problem;
use crate::store::{Tenant, render};
use crate::webhooks::{PersonWrite, raise_person_events};

pub(crate) use input::now_after;
use input::{Changes, Mode, apply, parse_person};

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v0/persons", get(list::list_persons).post(create_person))
        .route("/v0/persons/{id}", get(get_person).patch(update_person))
        .route(
            "/v0/customers",
            get(list::list_customers).post(create_customer),
        )
        .route(
            "/v0/customers/{id}",
            get(get_customer)
                .patch(patch_customer)
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
            let view = render(&p, tenant, !mode.is_person());
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
            let rerender = |p: &Person| render(p, tenant, customer);
            let view = t.put_created(p, view, rerender);
            let what = PersonWrite::Created;
            if raise_person_events(t, tenant, what, customer, None, id) {
                raised.store(true, Ordering::Relaxed);
            }
            Ok(view)
        }
        Prepared::Change(id, c) => {
            let old = t
                .person(&id)
                .ok_or_else(|| Problem::not_found("no such person in this tenant"))?;
            let p = apply(mode, c, Some(old), now_after(Some(old.last_updated_time)))?;
            unique(t, &p)?;
            // The record before the change, only when someone is subscribed to hear of it.
            let before = t.webhooks.has_subscribers().then(|| Person::clone(old));
            let view = t.put_person(p).json(tenant, customer).clone();
            if let Some(before) = before {
                let what = PersonWrite::Updated;
                if raise_person_events(t, tenant, what, customer, Some(&before), id) {
                    raised.store(true, Ordering::Relaxed);
                }
            }
            Ok(view)
        }
    }
}

/// Every person/customer write: `op` names it for the idempotency rules, `id` is the record
/// a change applies to.
async fn write_op(
    app: &Arc<App>,
    caller: &Caller,
    write: Option<Write>,
    op: &'static str,
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
            return Err(Problem::not_found("no such person in this tenant"));
        }
        let body = store(app, t, &caller.name, mode, prepared?, &raised)?;
        Ok(json_bytes(status, body))
    };
    let answer = match write {
        Some(w) => w.run(app, caller, op, body, run).await,
        // PUT is idempotent by nature and takes no Idempotency-Key.
        None => {
            app.faults.wait_if_held().await;
            let r = commit_write(app, caller, |t| run(t).unwrap_or_else(problem_response));
            r.await.map(into_response)
        }
    };
    if raised.load(Ordering::Relaxed) {
        caller.wake_deliveries(app);
    }
    answer
}

async fn create_person(
    State(app): State<Arc<App>>,
    caller: Caller,
    write: Write,
    Body(body): Body,
) -> Result<Response, Problem> {
    let op = "createPerson";
    write_op(
        &app,
        &caller,
        Some(write),
        op,
        Mode::PersonCreate,
        None,
        &body,
    )
    .await
}

async fn update_person(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdPath(id): IdPath,
    write: Write,
    Body(body): Body,
) -> Result<Response, Problem> {
    let op = "updatePerson";
    write_op(
        &app,
        &caller,
        Some(write),
        op,
        Mode::PersonUpdate,
        Some(id),
        &body,
    )
    .await
}

async fn create_customer(
    State(app): State<Arc<App>>,
    caller: Caller,
    write: Write,
    Body(body): Body,
) -> Result<Response, Problem> {
    let op = "createCustomer";
    write_op(
        &app,
        &caller,
        Some(write),
        op,
        Mode::CustomerCreate,
        None,
        &body,
    )
    .await
}

async fn patch_customer(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdPath(id): IdPath,
    write: Write,
    Body(body): Body,
) -> Result<Response, Problem> {
    let op = "patchCustomer";
    write_op(
        &app,
        &caller,
        Some(write),
        op,
        Mode::CustomerPatch,
        Some(id),
        &body,
    )
    .await
}

async fn replace_customer(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdPath(id): IdPath,
    Body(body): Body,
) -> Result<Response, Problem> {
    let op = "updateCustomer";
    write_op(
        &app,
        &caller,
        None,
        op,
        Mode::CustomerReplace,
        Some(id),
        &body,
    )
    .await
}

fn read_person(caller: &Caller, id: Uuid, customer: bool) -> Result<Response, Problem> {
    let t = caller.read();
    let p = t
        .person(&id)
        .ok_or_else(|| Problem::not_found("no such person in this tenant"))?;
    let body = p.json(&caller.name, customer).clone();
    Ok(into_response(json_bytes(StatusCode::OK, body)))
}

async fn get_person(caller: Caller, IdPath(id): IdPath) -> Result<Response, Problem> {
    read_person(&caller, id, false)
}

async fn get_customer(caller: Caller, IdPath(id): IdPath) -> Result<Response, Problem> {
    read_person(&caller, id, true)
}
