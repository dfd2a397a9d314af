//! Operations only this sandbox has (tag `Sandbox`, `x-sandbox-only: true` in the spec):
//! settleVerification stands in for the manual review that, on the platform, settles a
//! verification under `REVIEW` days later, and raises the outcome events it would raise.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;

use crate::app::App;
use crate::http::{Body, Caller, IdPath, into_response, json_bytes};
use crate::ops::persons::now_after;
use crate::ops::webhooks::{PersonEvents, PersonWrite, raise_person_events};
use crate::problem::Problem;
use crate::records::{KycStatus, Person, VerificationResult, VerificationType};
use crate::validate::{Errors, Obj, parse_object};
use crate::write::commit_write;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route(
        "/v0/sandbox/persons/{id}/settle_verification",
        post(settle_verification),
    )
}

const OUTCOMES: &[(&str, VerificationResult)] = &[
    ("ACCEPTED", VerificationResult::ACCEPTED),
    ("REJECTED", VerificationResult::REJECTED),
];

fn parse_settle(body: &[u8]) -> Result<VerificationResult, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let result = o.enumeration("result", OUTCOMES);
    let result = o.required("result", result);
    o.finish();
    errs.into_result()?;
    result.ok_or_else(|| Problem::bad_body("missing required fields: result"))
}

async fn settle_verification(
    State(app): State<Arc<App>>,
    caller: Caller,
    IdPath(id): IdPath,
    Body(body): Body,
) -> Result<Response, Problem> {
    if caller.read().person(&id).is_none() {
        return Err(Problem::not_found("no such person in this tenant"));
    }
    let result = parse_settle(&body)?;
    let raised = AtomicBool::new(false);
    let answer = commit_write(&app, &caller, |t| {
        let old = t
            .person(&id)
            .ok_or_else(|| Problem::not_found("no such person in this tenant"))?;
        if old.kyc_status != KycStatus::REVIEW {
            return Err(Problem::verification_not_in_review());
        }
        let before = Person::clone(old);
        let mut p = Person::clone(old);
        let now = now_after(Some(p.last_updated_time));
        p.kyc_status = match result {
            VerificationResult::ACCEPTED => KycStatus::ACCEPTED,
            _ => KycStatus::REJECTED,
        };
        p.kyc_last_run = Some(now);
        p.last_updated_time = now;
        let view = t.put_person(p).json(&caller.name, false).clone();
        t.add_verification(id, VerificationType::IDENTITY, result, now);
        let events = PersonEvents {
            what: PersonWrite::Verified,
            through_customer: false,
            before: Some(&before),
            id,
            answered: Some(&view),
        };
        raise_person_events(t, &caller.name, events, &raised);
        Ok(view)
    })
    .await??;
    if raised.load(Ordering::Relaxed) {
        caller.wake_deliveries(&app);
    }
    Ok(into_response(json_bytes(StatusCode::OK, answer)))
}
