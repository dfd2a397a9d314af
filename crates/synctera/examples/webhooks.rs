//! Receiving Synctera's webhooks: `cargo run -p synctera --example webhooks`.
//!
//! Starts the local sandbox in-process (Synctera itself cannot reach a receiver on your
//! machine), creates the tenant's webhook secret, starts a receiver on 127.0.0.1 that verifies
//! every delivery with [`WebhookVerifier`], subscribes it to `PERSON.*`, and runs the guide's
//! onboarding: a prospect, the REG_DD disclosure, activation, and KYC with an SSN the sandbox
//! sends to manual REVIEW, which a reviewer then settles to ACCEPTED. The receiver prints each
//! verified event (PII masked); the example ends when the final outcome arrives. No credentials
//! are needed.

use std::process::ExitCode;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use synctera::{
    AddressInput, Client, DisclosureType, Event, EventType, NewDisclosure, NewPerson, NewWebhook,
    PersonUpdate, SettledResult, VerificationStatus, VerifyRequest, WebhookVerifier,
};
use tokio::sync::mpsc;

/// The SSN's serial number 0002 makes the sandbox's KYC end in REVIEW.
const SSN: &str = "123-45-0002";

/// How long to wait for the final event before giving up.
const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let sandbox = synctera_sandbox::Sandbox::start()
        .await
        .map_err(|e| format!("could not start the local sandbox: {e}"))?;
    let client = Client::builder()
        .api_key("webhooks-example-key")
        .base_url(sandbox.base_url())
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "Synctera webhooks against the in-process sandbox at {}",
        client.base_url()
    );

    // The secret is shown once: a real integration stores it where its receiver reads it.
    let secret = client
        .webhook_secrets()
        .create()
        .await
        .map_err(|e| format!("creating the secret: {e}"))?
        .secret;
    let verifier = WebhookVerifier::new(secret);

    let (events, mut received) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("could not listen on 127.0.0.1: {e}"))?;
    let url = format!(
        "http://{}/synctera/webhooks",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let app = axum::Router::new()
        .route("/synctera/webhooks", axum::routing::post(receive))
        .with_state(Receiver { verifier, events });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let hook = client
        .webhooks()
        .create(
            NewWebhook::new(&url, [EventType::from_wire("PERSON.*")])
                .description("webhooks example"),
        )
        .await
        .map_err(|e| format!("creating the webhook: {e}"))?;
    println!(
        "Receiver listening at {url}; webhook {} subscribed to PERSON.*",
        hook.id
    );

    onboard(&client).await?;

    let outcome = tokio::time::timeout(PATIENCE, async {
        while let Some(event) = received.recv().await {
            print_event(&event);
            let accepted = event.event_type == EventType::PersonVerificationOutcomeUpdated
                && event
                    .person()
                    .is_some_and(|p| p.verification_status == VerificationStatus::Accepted);
            if accepted {
                return Ok(());
            }
        }
        Err("the receiver stopped".to_owned())
    })
    .await
    .unwrap_or_else(|_| Err("no ACCEPTED outcome event within 30 s".to_owned()));

    server.abort();
    sandbox.shutdown().await;
    outcome
}

/// What the receiver's handler holds.
#[derive(Clone)]
struct Receiver {
    verifier: WebhookVerifier,
    events: mpsc::UnboundedSender<Event>,
}

/// Verifies a delivery over its raw bytes before reading it; answers 2xx only for a verified
/// event (anything else is retried by the sender).
async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match receiver.verifier.verify_headers(&headers, &body) {
        Ok(event) => {
            let _ = receiver.events.send(event);
            StatusCode::NO_CONTENT
        }
        Err(refused) => {
            // Safe to print: no secret, signature or body in it.
            eprintln!("refused a delivery: {refused}");
            StatusCode::BAD_REQUEST
        }
    }
}

fn print_event(event: &Event) {
    let about = event
        .resource_id
        .map_or_else(|| "(no resource)".to_owned(), |id| id.to_string());
    print!("Verified {} about {about}", event.event_type);
    if let Some(person) = event.person() {
        print!(
            ": status {}, verification {}, e-mail {}, SSN {}",
            person.status,
            person.verification_status,
            masked(&person.email),
            masked(&person.ssn),
        );
    }
    if !event.changed_fields.is_empty() {
        let names: Vec<&str> = event.changed_fields.names().collect();
        print!("; changed: {}", names.join(", "));
    }
    println!();
}

/// The guide's flow, each step through the SDK.
async fn onboard(client: &Client) -> Result<(), String> {
    let step = |n: u8| move |e: synctera::Error| format!("step {n} failed: {e}");
    let prospect = client
        .persons()
        .create(
            NewPerson::prospect()
                .email("anne.baker@example.com")
                .is_customer(true),
        )
        .await
        .map_err(step(1))?;
    println!("1. Created prospect {}", prospect.id);
    client
        .disclosures()
        .create(NewDisclosure::acknowledged(
            prospect.id,
            DisclosureType::RegDd,
            "1.0",
        ))
        .await
        .map_err(step(2))?;
    println!("2. Recorded the REG_DD disclosure");
    client
        .persons()
        .update(
            prospect.id,
            PersonUpdate::activate("Anne", "Baker")
                .dob("2000-01-01")
                .phone_number("+12124567890")
                .ssn(SSN)
                .legal_address(AddressInput::us("50 Main St", "New York", "NY", "12345")),
        )
        .await
        .map_err(step(3))?;
    println!("3. Activated");
    let kyc = client
        .verifications()
        .verify(VerifyRequest::person(prospect.id).customer_consent(true))
        .await
        .map_err(step(4))?;
    println!("4. KYC: {}", kyc.verification_status);
    // Days later, a reviewer accepts the person (sandbox only).
    client
        .sandbox()
        .settle_verification(prospect.id, SettledResult::Accepted)
        .await
        .map_err(step(5))?;
    println!("5. The review was settled: ACCEPTED");
    Ok(())
}

/// Formats an optional PII value with its own masking `Display`.
fn masked<T: std::fmt::Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "(none)".to_owned(), ToString::to_string)
}
