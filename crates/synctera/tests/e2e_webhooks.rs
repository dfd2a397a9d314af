//! Webhooks end to end against the in-process sandbox, all on loopback: every webhook operation
//! through the SDK, the guide's onboarding flow delivered to a receiver and verified by the
//! SDK's verifier, and secret rotation as receivers see it.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use futures::TryStreamExt;
use synctera::webhooks::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use synctera::{
    AddressInput, Client, DeliveryStatus, DisclosureType, Error, Event, EventType, NewDisclosure,
    NewPerson, NewWebhook, PersonUpdate, SettledResult, VerificationStatus, VerifyError,
    VerifyRequest, WebhookSecret, WebhookVerifier,
};
use synctera_sandbox::{Sandbox, SandboxConfig};
use tokio::sync::mpsc;

/// Long enough for a loopback delivery on a loaded machine, short enough to fail a test that
/// waits for one that never comes.
const DELIVERY_WAIT: Duration = Duration::from_secs(20);

/// A delivery as it arrived: the two signature headers and the raw body.
struct Delivery {
    timestamp: String,
    signature: String,
    body: Bytes,
}

impl Delivery {
    fn verify(&self, verifier: &WebhookVerifier) -> Result<Event, VerifyError> {
        verifier.verify(&self.body, &self.timestamp, &self.signature)
    }
}

/// A receiver on 127.0.0.1 that answers 200 and hands each delivery to the test.
struct Receiver {
    url: String,
    deliveries: mpsc::UnboundedReceiver<Delivery>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Receiver {
        let (tx, deliveries) = mpsc::unbounded_channel();
        let app = axum::Router::new()
            .route("/hooks", axum::routing::post(receive))
            .with_state(tx);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            url,
            deliveries,
            server,
        }
    }

    async fn next(&mut self) -> Delivery {
        tokio::time::timeout(DELIVERY_WAIT, self.deliveries.recv())
            .await
            .expect("a delivery arrives")
            .expect("the receiver is running")
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(
    State(tx): State<mpsc::UnboundedSender<Delivery>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let _ = tx.send(Delivery {
        timestamp: header(TIMESTAMP_HEADER),
        signature: header(SIGNATURE_HEADER),
        body,
    });
    StatusCode::OK
}

async fn setup() -> (Sandbox, Client) {
    setup_with(SandboxConfig::default()).await
}

async fn setup_with(config: SandboxConfig) -> (Sandbox, Client) {
    let config = config.webhook_retry_base(Duration::from_millis(20));
    let sandbox = Sandbox::start_with(config).await.expect("sandbox starts");
    let client = Client::builder()
        .api_key("e2e-webhooks-key")
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    (sandbox, client)
}

fn person_events() -> [EventType; 1] {
    [EventType::from_wire("PERSON.*")]
}

#[tokio::test]
async fn guide_flow_delivers_each_event_once_verified_in_order() {
    let (sandbox, client) = setup().await;
    let mut receiver = Receiver::start().await;
    let secret = client.webhook_secrets().create().await.unwrap().secret;
    let hook = client
        .webhooks()
        .create(NewWebhook::new(&receiver.url, person_events()).metadata("e2e"))
        .await
        .unwrap();

    let person = client
        .persons()
        .create(
            NewPerson::prospect()
                .email("anne.baker@example.com")
                .is_customer(true),
        )
        .await
        .unwrap();
    client
        .disclosures()
        .create(NewDisclosure::acknowledged(
            person.id,
            DisclosureType::RegDd,
            "1.0",
        ))
        .await
        .unwrap();
    client
        .persons()
        .update(
            person.id,
            PersonUpdate::activate("Anne", "Baker")
                .dob("2000-01-01")
                .phone_number("+12124567890")
                // Serial 0002: the sandbox's KYC ends in REVIEW.
                .ssn("123-45-0002")
                .legal_address(AddressInput::us("50 Main St", "New York", "NY", "12345")),
        )
        .await
        .unwrap();
    let kyc = client
        .verifications()
        .verify(VerifyRequest::person(person.id).customer_consent(true))
        .await
        .unwrap();
    assert_eq!(kyc.verification_status, VerificationStatus::Review);
    let settled = client
        .sandbox()
        .settle_verification(person.id, SettledResult::Accepted)
        .await
        .unwrap();
    assert_eq!(settled.verification_status, VerificationStatus::Accepted);

    let verifier = WebhookVerifier::new(secret);
    let expected = [
        EventType::PersonCreated,
        EventType::PersonUpdated,
        EventType::PersonVerificationOutcomeUpdated,
        EventType::PersonVerificationOutcomeUpdated,
    ];
    let mut events = Vec::new();
    for want in &expected {
        let event = receiver.next().await.verify(&verifier).expect("verifies");
        assert_eq!(&event.event_type, want);
        assert_eq!(event.webhook_id, hook.id);
        assert_eq!(event.resource_id, Some(person.id.into_uuid()));
        assert_eq!(event.metadata.as_deref(), Some("e2e"));
        let delivered = event.person().expect("the person is in the event");
        assert_eq!(delivered.id, person.id);
        let shown = format!("{event:?}");
        for pii in ["anne.baker@example.com", "123-45-0002", "+12124567890"] {
            assert!(!shown.contains(pii), "{pii} in {shown}");
        }
        events.push(event);
    }
    assert!(events[1].changed_fields.contains("first_name"));
    assert_eq!(
        events[2].person().unwrap().verification_status,
        VerificationStatus::Review
    );
    assert_eq!(
        events[3].person().unwrap().verification_status,
        VerificationStatus::Accepted
    );

    // Each event once: the sandbox lists exactly these, each delivered by one attempt.
    let listed: Vec<_> = client
        .webhooks()
        .events(hook.id)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut listed_ids: Vec<_> = listed.iter().map(|e| e.id).collect();
    let mut received_ids: Vec<_> = events.iter().map(|e| e.id).collect();
    listed_ids.sort();
    received_ids.sort();
    received_ids.dedup();
    assert_eq!(listed_ids, received_ids);
    for event in &events {
        let detail = client.webhooks().event(hook.id, event.id).await.unwrap();
        assert_eq!(detail.status, Some(DeliveryStatus::Success));
        assert_eq!(detail.response_history.len(), 1, "{detail:?}");
        assert_eq!(detail.response_history[0].code, Some(200));
        // Where it went and what it carried, as the delivery itself says.
        assert_eq!(detail.url.as_deref(), Some(receiver.url.as_str()));
        assert_eq!(detail.url, event.url);
        assert_eq!(detail.metadata.as_deref(), Some("e2e"));
        let shown = format!("{detail:?}");
        assert!(
            !shown.contains("\"e2e\""),
            "metadata shown by its length: {shown}"
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn webhook_operations_round_trip() {
    let (sandbox, client) = setup().await;
    let mut receiver = Receiver::start().await;
    let webhooks = client.webhooks();

    let first = webhooks
        .create(
            NewWebhook::new(&receiver.url, [EventType::PersonCreated])
                .description("first")
                .metadata("m1"),
        )
        .await
        .unwrap();
    assert_eq!(first.url, receiver.url);
    assert_eq!(first.enabled_events, [EventType::PersonCreated]);
    assert!(first.is_enabled);
    assert_eq!(first.description.as_deref(), Some("first"));
    assert_eq!(first.metadata.as_deref(), Some("m1"));
    let second = webhooks
        .create(NewWebhook::new(&receiver.url, person_events()).enabled(false))
        .await
        .unwrap();

    assert_eq!(webhooks.get(first.id).await.unwrap(), first);
    let all: Vec<_> = webhooks
        .list()
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let pages: Vec<_> = webhooks
        .list()
        .limit(1)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    let enabled = webhooks.list().is_enabled_only(true).await.unwrap();
    assert_eq!(
        enabled.items.iter().map(|w| w.id).collect::<Vec<_>>(),
        [first.id]
    );

    let updated = webhooks
        .update(
            second.id,
            NewWebhook::new(&receiver.url, [EventType::CustomerCreated]).description("second"),
        )
        .await
        .unwrap();
    assert_eq!(updated.id, second.id);
    assert!(updated.is_enabled);
    assert_eq!(updated.enabled_events, [EventType::CustomerCreated]);

    let deleted = webhooks.delete(second.id).await.unwrap();
    assert_eq!(deleted.id, second.id);
    match webhooks.get(second.id).await {
        Err(Error::Api { status, .. }) => assert_eq!(status, 404),
        other => panic!("expected a 404, got {other:?}"),
    }

    // A sample event: only id, type and time in the answer; the enabled subscription gets it.
    let secret = client.webhook_secrets().create().await.unwrap().secret;
    let sample = webhooks.trigger(EventType::PersonCreated).await.unwrap();
    assert_eq!(sample.event_type, EventType::PersonCreated);
    let got = receiver
        .next()
        .await
        .verify(&WebhookVerifier::new(secret.clone()))
        .unwrap();
    assert_eq!(got.event_type, EventType::PersonCreated);
    assert!(
        webhooks
            .trigger(EventType::from_wire("PERSON.*"))
            .await
            .is_err()
    );

    // Events: a real one, listed with filters, fetched, resent.
    let person = client
        .persons()
        .create(NewPerson::prospect().email("e.list@example.org"))
        .await
        .unwrap();
    let delivered = receiver
        .next()
        .await
        .verify(&WebhookVerifier::new(secret.clone()))
        .unwrap();
    assert_eq!(delivered.resource_id, Some(person.id.into_uuid()));
    let about_person = webhooks
        .events(first.id)
        .resource_id(person.id.into_uuid())
        .await
        .unwrap();
    assert_eq!(about_person.items.len(), 1);
    let listed = &about_person.items[0];
    assert_eq!(listed.id, delivered.id);
    assert!(listed.response_history.is_empty());
    let in_window = webhooks
        .events(first.id)
        .start_time(delivered.event_time)
        .end_time(delivered.event_time)
        .await
        .unwrap();
    assert!(in_window.items.iter().any(|e| e.id == listed.id));
    let before = webhooks
        .events(first.id)
        .end_time(delivered.event_time - chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(before.items.is_empty());

    let resent = webhooks
        .resend(first.id, listed.id, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(resent.id, listed.id);
    let again = receiver
        .next()
        .await
        .verify(&WebhookVerifier::new(secret))
        .unwrap();
    assert_eq!(again.id, delivered.id);
    // The resend's attempt is recorded once it has finished.
    let mut history = 0;
    for _ in 0..200 {
        history = webhooks
            .event(first.id, listed.id)
            .await
            .unwrap()
            .response_history
            .len();
        if history == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(history, 2);
    assert!(
        webhooks
            .resend(first.id, listed.id, Duration::from_secs(3601))
            .await
            .is_err()
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_second_secret_is_a_409() {
    let (sandbox, client) = setup().await;
    client.webhook_secrets().create().await.unwrap();
    match client.webhook_secrets().create().await {
        Err(Error::Api { status, .. }) => assert_eq!(status, 409),
        other => panic!("expected a 409, got {other:?}"),
    }
    sandbox.shutdown().await;
}

/// The tenant's first secret and a receiver subscribed to `PERSON.CREATED`.
async fn signed_subscription(client: &Client) -> (WebhookSecret, Receiver) {
    let receiver = Receiver::start().await;
    let secret = client.webhook_secrets().create().await.unwrap().secret;
    client
        .webhooks()
        .create(NewWebhook::new(&receiver.url, [EventType::PersonCreated]))
        .await
        .unwrap();
    (secret, receiver)
}

/// Creates a person and returns the delivery of its `PERSON.CREATED`.
async fn create_and_receive(client: &Client, receiver: &mut Receiver) -> Delivery {
    client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    receiver.next().await
}

/// A verifier that holds only `secret`.
fn only(secret: &WebhookSecret) -> WebhookVerifier {
    WebhookVerifier::new(secret.clone())
}

#[tokio::test]
async fn rotation_as_receivers_see_it() {
    let (sandbox, client) = setup().await;
    let (old, mut receiver) = signed_subscription(&client).await;
    let secrets = client.webhook_secrets();
    let mut next_delivery = async || create_and_receive(&client, &mut receiver).await;

    let before = next_delivery().await;
    assert!(before.verify(&only(&old)).is_ok());

    let issued = secrets.replace(true).await.unwrap();
    assert!(issued.deleted_at.is_some());
    let new = issued.secret;
    let during = next_delivery().await;
    assert!(during.verify(&only(&old)).is_ok(), "old secret during");
    assert!(during.verify(&only(&new)).is_ok(), "new secret during");

    secrets.revoke(true).await.unwrap();
    let after = next_delivery().await;
    assert!(matches!(
        after.verify(&only(&old)),
        Err(VerifyError::NoMatchingSignature { .. })
    ));
    assert!(after.verify(&only(&new)).is_ok());

    // Not rolling: the previous secret stops at once.
    let replaced = secrets.replace(false).await.unwrap();
    assert!(replaced.deleted_at.is_none());
    let newest = replaced.secret;
    let at_once = next_delivery().await;
    assert!(at_once.verify(&only(&new)).is_err(), "replaced secret");
    assert!(at_once.verify(&only(&newest)).is_ok());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_rolling_rotation_ends_when_its_window_does() {
    // The platform keeps the old secret 24 hours; this sandbox keeps it 2 seconds.
    let window = Duration::from_secs(2);
    let (sandbox, client) =
        setup_with(SandboxConfig::default().webhook_rolling_window(window)).await;
    let (old, mut receiver) = signed_subscription(&client).await;
    let secrets = client.webhook_secrets();
    let mut next_delivery = async || create_and_receive(&client, &mut receiver).await;

    let replaced_at = chrono::Utc::now();
    let issued = secrets.replace(true).await.unwrap();
    let ends = issued
        .deleted_at
        .expect("a rolling replacement says when the old one stops");
    let announced = (ends - replaced_at).to_std().unwrap();
    assert!(
        announced <= window + Duration::from_secs(1)
            && announced + Duration::from_secs(1) >= window,
        "deleted_at is the window away: {announced:?}"
    );
    let new = issued.secret;
    let during = next_delivery().await;
    if chrono::Utc::now() < ends {
        assert!(
            during.verify(&only(&old)).is_ok(),
            "old secret during the window"
        );
    }
    assert!(
        during.verify(&only(&new)).is_ok(),
        "new secret during the window"
    );

    let left = (ends - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(left + Duration::from_millis(100)).await;
    let after = next_delivery().await;
    assert_eq!(
        after.signature.split('.').count(),
        1,
        "one signature once the window ends"
    );
    assert!(matches!(
        after.verify(&only(&old)),
        Err(VerifyError::NoMatchingSignature { .. })
    ));
    assert!(after.verify(&only(&new)).is_ok());
    sandbox.shutdown().await;
}
