//! What the SDK writes to `tracing`: one span per call with its operation id, events per
//! attempt, and never any PII or the API key. Everything is captured at TRACE level, from every
//! crate in the process (the SDK, reqwest/hyper and the in-process sandbox), into one buffer,
//! including what crates write through the `log` facade (reqwest does), bridged into `tracing`.
//!
//! One global subscriber for the whole binary: a scoped (`set_default`) subscriber can miss
//! events when other tests on other threads register the same callsites first.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::TryStreamExt;
use synctera::AddressInput;
use synctera::retry::RetryPolicy;
use synctera::{
    Client, DisclosureType, NewDisclosure, NewPerson, PersonId, PersonStatus, PersonUpdate,
    VerificationStatus, VerifyRequest,
};
use synctera_sandbox::{Fault, Sandbox};
use tracing_subscriber::fmt::format::FmtSpan;

/// Collects everything the subscriber prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured() -> String {
    static BUFFER: OnceLock<Captured> = OnceLock::new();
    let buffer = BUFFER.get_or_init(|| {
        let buffer = Captured::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber per binary");
        tracing_log::LogTracer::init().expect("one `log` logger per binary");
        buffer
    });
    String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned()
}

const API_KEY: &str = "sk_trace_fixture_0f9e8d7c6b5a";
const EMAIL: &str = "trace.fixture.person@example.org";
const SSN: &str = "536-90-4412";
const DOB: &str = "1987-06-15";
const PHONE: &str = "+14155550123";
const ADDRESS_LINE_1: &str = "742 Evergreen Terrace";
const ADDRESS_LINE_2: &str = "Apartment 9Q";
const SHIPPING_LINE_1: &str = "1600 Fixture Parkway";

/// Every form in which a fixture value could leak: as sent, and as its distinctive parts.
const FORBIDDEN: &[&str] = &[
    API_KEY,
    "0f9e8d7c6b5a",
    EMAIL,
    "trace.fixture.person",
    "trace.fixture.person%40example.org",
    SSN,
    "536904412",
    "536-90",
    DOB,
    "19870615",
    "06/15/1987",
    PHONE,
    "4155550123",
    "%2B14155550123",
    ADDRESS_LINE_1,
    "Evergreen",
    ADDRESS_LINE_2,
    "Apartment 9Q",
    SHIPPING_LINE_1,
    "Fixture Parkway",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_onboarding_traced_at_trace_level_leaks_no_pii_and_labels_every_call() {
    captured();
    let sandbox = Sandbox::start().await.unwrap();
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(sandbox.base_url())
        .build()
        .unwrap();

    // 1. Prospect.
    let prospect = client
        .persons()
        .create(NewPerson::prospect().email(EMAIL).is_customer(true))
        .await
        .unwrap();
    // 2. REG_DD disclosure.
    client
        .disclosures()
        .create(NewDisclosure::acknowledged(
            prospect.id,
            DisclosureType::RegDd,
            "1.0",
        ))
        .await
        .unwrap();
    // 3. Activate with full PII, through a connection dropped after commit (so the retry path,
    //    with its per-attempt events, is traced too).
    sandbox.faults().push(Fault::DropAfterCommit);
    let active = client
        .persons()
        .update(
            prospect.id,
            PersonUpdate::activate("Trace", "Fixture")
                .dob(DOB)
                .phone_number(PHONE)
                .ssn(SSN)
                .legal_address(
                    AddressInput::us(ADDRESS_LINE_1, "Springfield", "OR", "97403")
                        .address_line_2(ADDRESS_LINE_2),
                )
                .shipping_address(AddressInput::us(SHIPPING_LINE_1, "Austin", "TX", "78701")),
        )
        .await
        .unwrap();
    assert_eq!(active.status, PersonStatus::Active);
    // 4. KYC, after a 503.
    sandbox.faults().push(Fault::Unavailable);
    let kyc = client
        .verifications()
        .verify(VerifyRequest::person(active.id).customer_consent(true))
        .await
        .unwrap();
    assert_eq!(kyc.verification_status, VerificationStatus::Accepted);
    // 5. Read back through both views, and find the person by e-mail (PII in a query string).
    let person = client.persons().get(active.id).await.unwrap();
    let customer = client.customers().get(active.id).await.unwrap();
    assert_eq!(customer.id, person.id);
    let found: Vec<PersonId> = client
        .persons()
        .list()
        .email(EMAIL)
        .stream()
        .map_ok(|p| p.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found, vec![active.id]);
    // And an API error on the way (an unknown id): its trace must be as clean.
    let missing = client
        .persons()
        .get(PersonId::from(uuid::Uuid::nil()))
        .await;
    assert!(missing.unwrap_err().is_not_found());
    sandbox.shutdown().await;

    let log = captured();
    for secret in FORBIDDEN {
        assert!(
            !log.contains(secret),
            "the trace output contains fixture PII or the API key ({secret:?}):\n{log}"
        );
    }

    // Every logical call has its span, labelled with the API's operation id.
    for operation in [
        "createPerson",
        "createDisclosure",
        "updatePerson",
        "verify",
        "getPerson",
        "getCustomer",
        "listPersons",
    ] {
        let label = format!("synctera.call{{operation_id=\"{operation}\"");
        assert!(log.contains(&label), "no span for {operation}:\n{log}");
    }
    let closed = |operation: &str| -> Vec<String> {
        log.lines()
            .filter(|l| {
                l.contains(&format!("operation_id=\"{operation}\"")) && l.contains(": close ")
            })
            .map(str::to_owned)
            .collect()
    };
    let update = closed("updatePerson");
    assert_eq!(update.len(), 1, "one span per logical call: {update:?}");
    for field in [
        "method=PATCH",
        "idempotency_key=",
        "attempts=2",
        "status=200",
        "outcome=\"ok\"",
    ] {
        assert!(update[0].contains(field), "{field} missing: {}", update[0]);
    }
    let verify = closed("verify");
    assert!(
        verify[0].contains("attempts=2") && verify[0].contains("status=201"),
        "{verify:?}"
    );
    assert!(
        closed("getPerson")
            .iter()
            .any(|l| l.contains("status=404") && l.contains("outcome=\"api\"")),
        "the failed call's span records its final status"
    );
    assert!(
        !closed("getPerson")[0].contains("idempotency_key="),
        "GETs carry no idempotency key"
    );
    assert!(
        log.contains("attempt started"),
        "per-attempt events at DEBUG"
    );
    assert!(
        log.contains("log.target=\"reqwest::connect\"") || log.contains("reqwest::connect:"),
        "`log` records (reqwest's) are in the capture too:\n{log}"
    );
}

/// The `delay_ms` the retry loop chose after a failed attempt with `status`, from its debug
/// event: the client's own account of how long it waits, independent of the clock.
fn retry_delays(log: &str, status: u16) -> Vec<u64> {
    log.lines()
        .filter(|l| {
            l.contains("attempt failed; retrying") && l.contains(&format!("status={status}"))
        })
        .filter_map(|l| l.split("delay_ms=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn retry_after_of_a_429_is_honoured_and_never_cut_short() {
    captured();
    let sandbox = Sandbox::start().await.unwrap();
    let client = |policy: RetryPolicy| {
        Client::builder()
            .api_key("retry-after-key")
            .base_url(sandbox.base_url())
            .retry_policy(policy)
            .build()
            .unwrap()
    };
    let patient = client(RetryPolicy::default());
    let person = patient
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();

    // Retry-After (1 s) is below the cap (5 s by default): waited exactly as asked, then success.
    sandbox.faults().push(Fault::TooManyRequests {
        retry_after_secs: 1,
    });
    assert_eq!(
        patient.persons().get(person.id).await.unwrap().id,
        person.id
    );
    assert_eq!(retry_delays(&captured(), 429), vec![1000]);

    // A Retry-After beyond the cap is not cut short (the early attempt would be refused
    // again): the call ends with the 429 and its Retry-After, and nothing more is sent.
    sandbox.faults().push(Fault::TooManyRequests {
        retry_after_secs: 1,
    });
    let capped = client(RetryPolicy::default().max_delay(Duration::from_millis(150)));
    let error = capped.persons().get(person.id).await.unwrap_err();
    assert_eq!(error.status(), Some(429), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(retry_delays(&captured(), 429), vec![1000], "no early retry");
    assert_eq!(capped.persons().get(person.id).await.unwrap().id, person.id);

    // Without retries the caller sees the 429, carrying the server's Retry-After.
    sandbox.faults().push(Fault::TooManyRequests {
        retry_after_secs: 7,
    });
    let error = patient
        .persons()
        .get(person.id)
        .retry_policy(RetryPolicy::no_retries())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(429), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    sandbox.shutdown().await;
}
