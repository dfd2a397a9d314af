//! The hostile-bodies tests' peer: a loopback HTTP/1.1 server that answers every request with
//! whatever answer the test set last, or forwards it to an in-process sandbox to record an honest
//! answer; the table of every operation the facade makes; and the real answers (one per
//! operation, and a problem document) that the tests damage.

use std::collections::{BTreeSet, HashMap};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use synctera::{
    AddressInput, Client, CustomerPatch, CustomerReplace, DisclosureId, DisclosureType, Error,
    EventId, EventType, NewCustomer, NewDisclosure, NewPerson, NewWebhook, PersonId, PersonUpdate,
    RetryPolicy, SettledResult, VerificationId, VerifyRequest, WebhookId,
};
use synctera_sandbox::Sandbox;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a body may hold and no error message may repeat: a fake SSN and an e-mail address, and
/// their distinctive parts.
pub const MARKER_SSN: &str = "987-65-4329";
pub const MARKER_EMAIL: &str = "hostile.marker@example.org";
pub const FORBIDDEN: &[&str] = &[MARKER_SSN, "987654329", MARKER_EMAIL, "hostile.marker"];

/// One answer of the peer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// One request the peer received, and what it answered.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// Path and query, as sent (`/v0/persons/…?limit=5`).
    pub target: String,
    pub answer: Answer,
}

#[derive(Default)]
struct PeerState {
    answer: Option<Answer>,
    /// The sandbox's origin, while the peer forwards instead of answering.
    upstream: Option<reqwest::Url>,
    log: Vec<Exchange>,
}

/// The loopback peer. Each test starts its own (tests run in parallel) and reuses it across its
/// cases. Every answer closes its connection, so each call is one fresh exchange.
pub struct Peer {
    client: Client,
    state: Arc<Mutex<PeerState>>,
}

impl Peer {
    pub async fn start() -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v0", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(PeerState::default()));
        let shared = state.clone();
        let forwarder = reqwest::Client::builder().no_proxy().build().unwrap();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(exchange(socket, shared.clone(), forwarder.clone()));
            }
        });
        // Built once: a client's TLS setup costs more than a loopback exchange.
        let client = Client::builder()
            .api_key("hostile-peer-test-key")
            .base_url(base_url)
            .retry_policy(RetryPolicy::default().max_retries(0))
            // A hang would show as `Error::Timeout`, which no case accepts.
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Peer { client, state }
    }

    /// The peer's client: exactly one attempt per call, so each case is one request.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Answer every request with `answer` from now on.
    pub fn answer_with(&self, answer: Answer) {
        let mut state = self.state.lock().unwrap();
        state.answer = Some(answer);
        state.upstream = None;
    }

    fn forward_to(&self, base_url: &str) {
        self.state.lock().unwrap().upstream = Some(reqwest::Url::parse(base_url).unwrap());
    }

    /// The exchanges since the last call.
    pub fn take_log(&self) -> Vec<Exchange> {
        std::mem::take(&mut self.state.lock().unwrap().log)
    }
}

async fn exchange(mut socket: TcpStream, state: Arc<Mutex<PeerState>>, forwarder: reqwest::Client) {
    let Some((method, target, headers, body)) = read_request(&mut socket).await else {
        return;
    };
    let upstream = state.lock().unwrap().upstream.clone();
    let answer = match upstream {
        Some(origin) => forward(&forwarder, &origin, &method, &target, &headers, body).await,
        None => state.lock().unwrap().answer.clone().unwrap_or(Answer {
            status: 599,
            content_type: None,
            body: b"the test set no answer".to_vec(),
        }),
    };
    let mut head = format!(
        "HTTP/1.1 {} Hostile\r\nconnection: close\r\ncontent-length: {}\r\n",
        answer.status,
        answer.body.len()
    );
    if let Some(content_type) = &answer.content_type {
        head.push_str(&format!("content-type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    // One write: a head and a body written apart would wait out the client's delayed ACK.
    let response = [head.as_bytes(), &answer.body].concat();
    state.lock().unwrap().log.push(Exchange {
        method,
        target,
        answer,
    });
    let _ = socket.write_all(&response).await;
    let _ = socket.shutdown().await;
}

type Request = (String, String, Vec<(String, String)>, Vec<u8>);

/// Reads one request: method, target, headers and the whole body (read before answering, so
/// closing the connection never resets it under the client).
async fn read_request(socket: &mut TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, target) = (
        request_line.next()?.to_owned(),
        request_line.next()?.to_owned(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| value.parse().unwrap_or(0));
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    Some((method, target, headers, body))
}

async fn forward(
    forwarder: &reqwest::Client,
    origin: &reqwest::Url,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Answer {
    let mut request = forwarder.request(method.parse().unwrap(), origin.join(target).unwrap());
    for (name, value) in headers {
        if matches!(
            name.as_str(),
            "authorization" | "content-type" | "idempotency-key" | "accept"
        ) {
            request = request.header(name, value);
        }
    }
    let response = request.body(body).send().await.unwrap();
    Answer {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned()),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

/// The records the operations refer to.
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    pub person: PersonId,
    pub disclosure: DisclosureId,
    pub verification: VerificationId,
    /// A person whose KYC ended in REVIEW, for settleVerification.
    pub review: PersonId,
    pub webhook: WebhookId,
    /// An event sent to `webhook`.
    pub event: EventId,
}

pub type Outcome = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;
pub type Call = fn(&Client, Ids) -> Outcome;

fn outcome<T>(
    call: impl IntoFuture<Output = Result<T, Error>, IntoFuture: Send + 'static>,
) -> Outcome {
    let call = call.into_future();
    Box::pin(async move { call.await.map(drop) })
}

fn full_details<K: synctera::person_fields::WriteKind>(
    fields: synctera::PersonFields<K>,
) -> synctera::PersonFields<K> {
    fields
        .dob("1990-04-01")
        .email(MARKER_EMAIL)
        .phone_number("+12124567890")
        .ssn(MARKER_SSN)
        .legal_address(AddressInput::us("50 Main St", "New York", "NY", "12345"))
}

/// Every operation of the facade, by the API description's operation id. `sandbox_answers`
/// checks that each one makes the request its id names and that the list leaves none of the
/// description's operations out. Run in this order against a sandbox: the wipe comes last.
pub const OPERATIONS: &[(&str, Call)] = &[
    ("createPerson", |c, _| {
        outcome(
            c.persons()
                .create(NewPerson::prospect().email("table.person@example.org")),
        )
    }),
    ("getPerson", |c, ids| outcome(c.persons().get(ids.person))),
    ("updatePerson", |c, ids| {
        outcome(
            c.persons()
                .update(ids.person, PersonUpdate::new().chosen_name("Nan")),
        )
    }),
    ("listPersons", |c, _| outcome(c.persons().list().limit(5))),
    ("createCustomer", |c, _| {
        outcome(
            c.customers()
                .create(NewCustomer::prospect().email("table.customer@example.org")),
        )
    }),
    ("getCustomer", |c, ids| {
        outcome(c.customers().get(ids.person))
    }),
    ("patchCustomer", |c, ids| {
        outcome(
            c.customers()
                .patch(ids.person, CustomerPatch::new().middle_name("Q")),
        )
    }),
    ("updateCustomer", |c, ids| {
        let replace = full_details(CustomerReplace::active("Anne", "Baker"));
        outcome(c.customers().replace(ids.person, replace))
    }),
    ("listCustomers", |c, _| {
        outcome(c.customers().list().limit(5))
    }),
    ("createDisclosure", |c, ids| {
        let disclosure = NewDisclosure::acknowledged(ids.person, DisclosureType::RegDd, "1.0");
        outcome(c.disclosures().create(disclosure))
    }),
    ("getDisclosure", |c, ids| {
        outcome(c.disclosures().get(ids.disclosure))
    }),
    ("listDisclosures", |c, ids| {
        outcome(c.disclosures().list().person_id(ids.person))
    }),
    ("verify", |c, ids| {
        outcome(
            c.verifications()
                .verify(VerifyRequest::person(ids.person).customer_consent(true)),
        )
    }),
    ("getVerification", |c, ids| {
        outcome(c.verifications().get(ids.verification))
    }),
    ("listVerifications", |c, ids| {
        outcome(c.verifications().list().person_id(ids.person))
    }),
    ("settleVerification", |c, ids| {
        outcome(
            c.sandbox()
                .settle_verification(ids.review, SettledResult::Accepted),
        )
    }),
    ("createSecret", |c, _| outcome(c.webhook_secrets().create())),
    ("replaceSecret", |c, _| {
        outcome(c.webhook_secrets().replace(true))
    }),
    ("revokeSecret", |c, _| {
        outcome(c.webhook_secrets().revoke(true))
    }),
    ("createWebhook", |c, _| {
        outcome(
            c.webhooks()
                .create(NewWebhook::new(WEBHOOK_URL, [EventType::CustomerCreated])),
        )
    }),
    ("getWebhook", |c, ids| {
        outcome(c.webhooks().get(ids.webhook))
    }),
    ("listWebhooks", |c, _| {
        outcome(c.webhooks().list().is_enabled_only(true).limit(5))
    }),
    ("updateWebhook", |c, ids| {
        outcome(c.webhooks().update(
            ids.webhook,
            NewWebhook::new(WEBHOOK_URL, [EventType::from_wire("PERSON.*")]),
        ))
    }),
    ("triggerEvent", |c, _| {
        outcome(c.webhooks().trigger(EventType::PersonUpdated))
    }),
    ("listEvents", |c, ids| {
        outcome(
            c.webhooks()
                .events(ids.webhook)
                .resource_id(ids.person.into_uuid()),
        )
    }),
    ("getEvent", |c, ids| {
        outcome(c.webhooks().event(ids.webhook, ids.event))
    }),
    ("resendEvent", |c, ids| {
        outcome(
            c.webhooks()
                .resend(ids.webhook, ids.event, Duration::from_secs(1)),
        )
    }),
    ("deleteWebhook", |c, ids| {
        outcome(c.webhooks().delete(ids.webhook))
    }),
    ("wipeWorkspace", |c, _| outcome(c.sandbox().wipe())),
];

/// Where the table's webhooks deliver: a loopback port nobody listens on (the sandbox delivers
/// only to loopback; a refused attempt is all these tests need).
const WEBHOOK_URL: &str = "http://127.0.0.1:9/hooks";

/// One runtime for the whole binary: proptest cases are synchronous and block on it.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// A sandbox's honest answers: one success per operation (by operation id), a problem document,
/// and the ids the operations were called with.
pub struct SandboxAnswers {
    pub ids: Ids,
    pub success: HashMap<&'static str, Answer>,
    pub problem: Answer,
}

/// Records, once per binary, what a sandbox answers each operation of [`OPERATIONS`], through a
/// forwarding [`Peer`]. Fails when an operation makes a request other than the one its id names
/// in `openapi/synctera.yaml`, when it is not answered with success, or when the description has
/// an operation the table lacks.
pub fn sandbox_answers() -> &'static SandboxAnswers {
    static ANSWERS: OnceLock<SandboxAnswers> = OnceLock::new();
    ANSWERS.get_or_init(|| runtime().block_on(record_sandbox_answers()))
}

async fn record_sandbox_answers() -> SandboxAnswers {
    let sandbox = Sandbox::start().await.unwrap();
    let direct = Client::builder()
        .api_key("hostile-peer-test-key")
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let webhook = direct
        .webhooks()
        .create(NewWebhook::new(
            WEBHOOK_URL,
            [EventType::from_wire("PERSON.*")],
        ))
        .await
        .unwrap();
    let person = direct
        .persons()
        .create(full_details(NewPerson::active("Anne", "Baker")))
        .await
        .unwrap();
    let event = direct.webhooks().events(webhook.id).await.unwrap().items[0].id;
    let review = direct
        .persons()
        .create(full_details(NewPerson::active("Rae", "View")).ssn("123-45-0002"))
        .await
        .unwrap();
    direct
        .verifications()
        .verify(VerifyRequest::person(review.id).customer_consent(true))
        .await
        .unwrap();
    let disclosure = direct
        .disclosures()
        .create(NewDisclosure::acknowledged(
            person.id,
            DisclosureType::RegDd,
            "1.0",
        ))
        .await
        .unwrap();
    let kyc = direct
        .verifications()
        .verify(VerifyRequest::person(person.id).customer_consent(true))
        .await
        .unwrap();
    let ids = Ids {
        person: person.id,
        disclosure: disclosure.id,
        verification: kyc.verifications[0].id,
        review: review.id,
        webhook: webhook.id,
        event,
    };

    let peer = Peer::start().await;
    peer.forward_to(&sandbox.base_url());
    let client = peer.client();
    let spec = spec_operations();
    let mut success = HashMap::new();
    for (id, call) in OPERATIONS {
        let result = call(client, ids).await;
        let log = peer.take_log();
        assert!(result.is_ok(), "{id} against the sandbox: {result:?}");
        let [exchange] = &log[..] else {
            panic!("{id} made {} requests", log.len());
        };
        let (method, path) = spec
            .get(*id)
            .unwrap_or_else(|| panic!("{id} is not in the spec"));
        assert!(
            exchange.method == *method && path_matches(path, &exchange.target),
            "{id} sent {} {}, the description says {method} {path}",
            exchange.method,
            exchange.target
        );
        success.insert(*id, exchange.answer.clone());
    }
    let covered: BTreeSet<&str> = OPERATIONS.iter().map(|(id, _)| *id).collect();
    let described: BTreeSet<&str> = spec.keys().map(String::as_str).collect();
    assert_eq!(
        covered, described,
        "every described operation has a row in OPERATIONS"
    );

    let missing = client
        .persons()
        .get(PersonId::from(uuid::Uuid::nil()))
        .await;
    assert_eq!(missing.unwrap_err().status(), Some(404));
    let problem = peer.take_log().remove(0).answer;
    sandbox.shutdown().await;
    SandboxAnswers {
        ids,
        success,
        problem,
    }
}

/// Operation id → (method, path template) from `openapi/synctera.yaml`.
fn spec_operations() -> HashMap<String, (String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/synctera.yaml");
    let spec: serde_norway::Value =
        serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut operations = HashMap::new();
    for (template, item) in spec["paths"].as_mapping().unwrap() {
        for (method, operation) in item.as_mapping().unwrap() {
            if let Some(id) = operation.get("operationId").and_then(|v| v.as_str()) {
                let method = method.as_str().unwrap().to_ascii_uppercase();
                let template = template.as_str().unwrap().to_owned();
                operations.insert(id.to_owned(), (method, template));
            }
        }
    }
    operations
}

/// Whether `target` (`/v0/persons/…?query`) is a request for `template` (`/persons/{person_id}`).
fn path_matches(template: &str, target: &str) -> bool {
    let path = target.split('?').next().unwrap();
    let Some(path) = path.strip_prefix("/v0") else {
        return false;
    };
    let (want, got): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    want.len() == got.len()
        && want
            .iter()
            .zip(&got)
            .all(|(w, g)| w == g || (w.starts_with('{') && !g.is_empty()))
}
