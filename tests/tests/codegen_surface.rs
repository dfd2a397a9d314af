//! Guards the generated client: regenerates from `openapi/synctera.yaml` with the xtask's own
//! pipeline and snapshots the public surface (operations, parameters, bodies, responses, types).
//!
//! A spec or generator change shows up here as a reviewable snapshot diff
//! (`cargo insta review`); the byte-exact file is guarded by `cargo xtask codegen --check`.

use xtask::{codegen, surface, workspace_root};

fn regenerate() -> String {
    let spec = codegen::load_spec(&workspace_root().join(codegen::SPEC_PATH)).unwrap();
    codegen::generate(spec).unwrap()
}

#[test]
fn generated_public_surface() {
    let surface = surface::render(&regenerate()).unwrap();
    insta::assert_snapshot!("public_surface", surface);
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(regenerate(), regenerate());
}

#[test]
fn every_spec_operation_is_a_client_method() {
    let surface = surface::render(&regenerate()).unwrap();
    for (method, route) in [
        ("list_persons", "GET /persons"),
        ("create_person", "POST /persons"),
        ("get_person", "GET /persons/{person_id}"),
        ("update_person", "PATCH /persons/{person_id}"),
        ("list_customers", "GET /customers"),
        ("create_customer", "POST /customers"),
        ("get_customer", "GET /customers/{customer_id}"),
        ("patch_customer", "PATCH /customers/{customer_id}"),
        ("update_customer", "PUT /customers/{customer_id}"),
        ("list_disclosures", "GET /disclosures"),
        ("create_disclosure", "POST /disclosures"),
        ("get_disclosure", "GET /disclosures/{disclosure_id}"),
        ("verify", "POST /verifications/verify"),
        ("list_verifications", "GET /verifications"),
        ("get_verification", "GET /verifications/{verification_id}"),
        ("wipe_workspace", "POST /wipe"),
        ("create_secret", "POST /webhook_secrets"),
        ("replace_secret", "PUT /webhook_secrets"),
        ("revoke_secret", "DELETE /webhook_secrets"),
        ("list_webhooks", "GET /webhooks"),
        ("create_webhook", "POST /webhooks"),
        ("trigger_event", "POST /webhooks/trigger"),
        ("get_webhook", "GET /webhooks/{webhook_id}"),
        ("update_webhook", "PUT /webhooks/{webhook_id}"),
        ("delete_webhook", "DELETE /webhooks/{webhook_id}"),
        ("list_events", "GET /webhooks/{webhook_id}/events"),
        ("get_event", "GET /webhooks/{webhook_id}/events/{event_id}"),
        (
            "resend_event",
            "POST /webhooks/{webhook_id}/events/{event_id}/resend",
        ),
        (
            "settle_verification",
            "POST /sandbox/persons/{person_id}/settle_verification",
        ),
    ] {
        let line = format!("{method}: {route}\n");
        assert!(surface.contains(&line), "missing `{line}` in:\n{surface}");
    }
}
