//! Verifications: KYC runs on a person, decided by the SSN's serial number.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;
use uuid::Uuid;

use super::read_one;
use crate::app::App;
use crate::http::{Body, Caller, IdPath, Query, json_response, list_response};
use crate::ops::persons::now_after;
use crate::ops::webhooks::{PersonEvents, PersonWrite, raise_person_events};
use crate::problem::Problem;
use crate::records::{KycStatus, Person, Verification, VerificationResult, VerificationType};
use crate::store::{Entry, Tenant};
use crate::validate::{Errors, Obj, one_of_person_business, parse_object};
use crate::write::Write;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/v0/verifications", get(list_verifications))
        .route("/v0/verifications/verify", post(verify))
        .route("/v0/verifications/{id}", get(get_verification))
}

/// The documented magic values: the SSN's serial number decides the outcome.
fn kyc_outcome(ssn_last4: &str) -> VerificationResult {
    match ssn_last4 {
        "0001" => VerificationResult::REJECTED,
        "0002" => VerificationResult::REVIEW,
        "0003" => VerificationResult::PROVISIONAL,
        "0004" => VerificationResult::VENDOR_ERROR,
        _ => VerificationResult::ACCEPTED,
    }
}

type VerifyTarget = (Option<Uuid>, Option<Uuid>);

/// Validates a verify body: the person or business it names.
fn parse_verify(body: &[u8]) -> Result<VerifyTarget, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let consent = o.boolean("customer_consent");
    let consent = o.required("customer_consent", consent);
    if consent == Some(false) {
        o.errs.invalid(
            "customer_consent",
            "must be true: KYC needs the customer's consent",
        );
    }
    if let Some(ip) = o.text("customer_ip_address", 64)
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        o.errs
            .invalid("customer_ip_address", "must be an IPv4 or IPv6 address");
    }
    let (person_id, business_id) = one_of_person_business(&mut o);
    o.uuid("document_id");
    o.finish();
    errs.into_result()?;
    Ok((person_id, business_id))
}

async fn verify(
    State(app): State<Arc<App>>,
    caller: Caller,
    write: Write,
    Body(body): Body,
) -> Result<Response, Problem> {
    // Parsed before the tenant's write lock is taken: only the store work runs under it.
    let parsed = parse_verify(&body);
    let raised = AtomicBool::new(false);
    let raised_ref = &raised;
    let tenant = caller.name.clone();
    let run = move |t: &mut Tenant| {
        let (person_id, business_id) = parsed?;
        if business_id.is_some() {
            return Err(Problem::customer_not_found(
                "business_id does not name a business in this tenant",
            ));
        }
        let Some(pid) = person_id else {
            return Err(Problem::bad_body(
                "missing required fields: person_id or business_id",
            ));
        };
        let Some(p) = t.person(&pid) else {
            return Err(Problem::customer_not_found(
                "person_id does not name a person in this tenant",
            ));
        };
        let missing: Vec<&str> = [
            ("first_name", p.first_name.is_some()),
            ("last_name", p.last_name.is_some()),
            ("dob", p.dob.is_some()),
            ("email", p.email.is_some()),
            ("phone_number", p.phone_number.is_some()),
            ("legal_address", p.legal_address.is_some()),
            ("ssn", p.ssn.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| (!present).then_some(name))
        .collect();
        if !missing.is_empty() {
            return Err(Problem::bad_request(format!(
                "the person lacks fields KYC needs: {}",
                missing.join(", ")
            )));
        }
        let result = kyc_outcome(&p.ssn_last4().unwrap_or_default());
        let watch = if result == VerificationResult::VENDOR_ERROR {
            VerificationResult::VENDOR_ERROR
        } else {
            VerificationResult::ACCEPTED
        };
        let before = Person::clone(p);
        let mut p = Person::clone(p);
        let now = now_after(Some(p.last_updated_time));
        p.kyc_status = match result {
            VerificationResult::ACCEPTED => KycStatus::ACCEPTED,
            VerificationResult::REJECTED => KycStatus::REJECTED,
            VerificationResult::REVIEW => KycStatus::REVIEW,
            VerificationResult::PROVISIONAL => KycStatus::PROVISIONAL,
            _ => KycStatus::PROVIDER_FAILURE,
        };
        p.kyc_last_run = Some(now);
        p.last_updated_time = now;
        let status = p.kyc_status.person_view();
        t.put_person(p);
        let events = PersonEvents {
            what: PersonWrite::Verified,
            through_customer: false,
            before: Some(&before),
            id: pid,
            answered: None,
        };
        raise_person_events(t, &tenant, events, raised_ref);
        let mut views = Vec::new();
        for (vtype, r) in [
            (VerificationType::IDENTITY, result),
            (VerificationType::WATCHLIST, watch),
        ] {
            views.push(t.add_verification(pid, vtype, r, now).view());
        }
        Ok(json_response(
            StatusCode::CREATED,
            &json!({"verification_status": status, "verifications": views}),
        ))
    };
    let answer = write.run(&app, &caller, "verify", &body, run).await;
    if raised.load(Ordering::Relaxed) && answer.is_ok() {
        caller.wake_deliveries(&app);
    }
    answer
}

async fn get_verification(caller: Caller, IdPath(id): IdPath) -> Result<Response, Problem> {
    read_one::<Verification>(&caller, id, (), "no such verification in this tenant")
}

async fn list_verifications(caller: Caller, q: Query) -> Result<Response, Problem> {
    let limit = q.limit()?;
    let person = q.uuid("person_id")?;
    let business = q.uuid("business_id")?;
    let ids = q.uuids("id")?;
    let vtype = q.one_of("verification_type", VerificationType::ALL)?;
    let result = q.one_of("result", VerificationResult::ALL)?;
    let history = q.boolean("include_history")?.unwrap_or(false);
    let t = caller.read();
    let page = t.page_of(q.page_token(), limit, |v: &Entry<Verification>| {
        // No businesses exist here, so a business filter matches nothing.
        business.is_none()
            && person.is_none_or(|p| v.person_id == p)
            && ids.as_ref().is_none_or(|ids| ids.contains(&v.id))
            && vtype.is_none_or(|s| v.vtype == s)
            && result.is_none_or(|s| v.result == s)
            && (history || t.is_latest(v))
    })?;
    let rows = page.rows.iter().map(|v| v.json(&caller.name, ()));
    Ok(list_response("verifications", rows, page.next))
}
