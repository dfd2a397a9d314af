//! Disclosures: records of the documents a person was shown or accepted.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::read_one;
use crate::app::App;
use crate::http::{Body, Caller, IdPath, Query, json_response, list_response};
use crate::problem::Problem;
use crate::records::{Disclosure, DisclosureEventType, DisclosureType};
use crate::store::{Entry, Tenant};
use crate::validate::{Errors, Obj, metadata, one_of_person_business, parse_object};
use crate::write::Write;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/v0/disclosures",
            get(list_disclosures).post(create_disclosure),
        )
        .route("/v0/disclosures/{id}", get(get_disclosure))
}

/// A validated createDisclosure body.
struct NewDisclosure {
    person_id: Option<Uuid>,
    business_id: Option<Uuid>,
    ack: Option<Uuid>,
    dtype: DisclosureType,
    version: String,
    event: DisclosureEventType,
    date: DateTime<Utc>,
    metadata: Option<Map<String, Value>>,
}

fn parse_disclosure(body: &[u8]) -> Result<NewDisclosure, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let (person_id, business_id) = one_of_person_business(&mut o);
    // Asked before `uuid` consumes the field: an invalid id is invalid, not also missing.
    let ack_given = o.has("acknowledging_person_id");
    let ack = o.uuid("acknowledging_person_id");
    let dtype = o.enumeration("type", DisclosureType::ALL);
    let dtype = o.required("type", dtype);
    let version = o.version("version");
    let version = o.required("version", version);
    let event = o.enumeration("event_type", DisclosureEventType::ALL);
    let event = o.required("event_type", event);
    let date = o.datetime("disclosure_date");
    let date = o.required("disclosure_date", date);
    let md = metadata(&mut o);
    // Accepted (type-checked) and ignored: the API key decides the tenant.
    let _ = o.string("tenant");
    if dtype == Some(DisclosureType::OWNER_CERTIFICATION) && !ack_given {
        o.errs
            .missing("acknowledging_person_id (required for OWNER_CERTIFICATION)");
    }
    o.finish();
    errs.into_result()?;
    match (dtype, version, event, date) {
        (Some(dtype), Some(version), Some(event), Some(date)) => Ok(NewDisclosure {
            person_id,
            business_id,
            ack,
            dtype,
            version,
            event,
            date,
            metadata: md,
        }),
        _ => Err(Problem::bad_body("missing required fields")),
    }
}

async fn create_disclosure(
    State(app): State<Arc<App>>,
    caller: Caller,
    write: Write,
    Body(body): Body,
) -> Result<Response, Problem> {
    // Parsed before the tenant's write lock is taken: only the store mutation runs under it.
    let parsed = parse_disclosure(&body);
    let tenant_name = caller.name.clone();
    let run = move |t: &mut Tenant| {
        let n = parsed?;
        // Like verify: the sandbox holds no businesses, so a business_id names a missing record.
        if n.business_id.is_some() {
            return Err(Problem::customer_not_found(
                "business_id does not name a business in this tenant",
            ));
        }
        for (name, id) in [
            ("person_id", n.person_id),
            ("acknowledging_person_id", n.ack),
        ] {
            if let Some(id) = id
                && t.person(&id).is_none()
            {
                return Err(Problem::customer_not_found(format!(
                    "{name} does not name a person in this tenant"
                )));
            }
        }
        let midnight = n
            .date
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(n.date);
        let d = Disclosure {
            id: Uuid::new_v4(),
            person_id: n.person_id,
            business_id: n.business_id,
            acknowledging_person_id: n.ack,
            dtype: n.dtype,
            version: n.version,
            event_type: n.event,
            disclosure_date: midnight,
            metadata: n.metadata,
            creation_time: Utc::now(),
        };
        let v = d.view(&tenant_name);
        t.put(d);
        Ok(json_response(StatusCode::CREATED, &v))
    };
    write
        .run(&app, &caller, "createDisclosure", &body, run)
        .await
}

async fn get_disclosure(caller: Caller, IdPath(id): IdPath) -> Result<Response, Problem> {
    read_one::<Disclosure>(&caller, id, (), "no such disclosure in this tenant")
}

async fn list_disclosures(caller: Caller, q: Query) -> Result<Response, Problem> {
    let limit = q.limit()?;
    let person = q.uuid("person_id")?;
    let business = q.uuid("business_id")?;
    let ack = q.uuid("acknowledging_person_id")?;
    let ids = q.uuids("id")?;
    let t = caller.read();
    let page = t.page_of(q.page_token(), limit, |d: &Entry<Disclosure>| {
        person.is_none_or(|p| d.person_id == Some(p))
            && business.is_none_or(|b| d.business_id == Some(b))
            && ack.is_none_or(|a| d.acknowledging_person_id == Some(a))
            && ids.as_ref().is_none_or(|ids| ids.contains(&d.id))
    })?;
    let rows = page.rows.iter().map(|d| d.json(&caller.name, ()));
    Ok(list_response("disclosures", rows, page.next))
}
