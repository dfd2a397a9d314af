//! Transport benchmark: what the SDK's layers cost on top of plain HTTP.
//!
//! `cargo bench -p synctera --bench transport`
//!
//! Against the in-process sandbox over loopback, measures getPerson and createPerson through
//! (a) a hand-written `reqwest` + `serde_json` client, (b) the generated raw client and (c) the
//! facade, in one run. Each client has its own connection pool. Latency is measured one request
//! at a time, interleaved request by request (A B C, B C A, ...), so that load from elsewhere on
//! a shared machine, and slow drift, fall on all three alike: running each client in blocks of
//! 100 requests instead gave between-run spreads of 1.00-1.12 for the same code. Prints p50 (the
//! median of the per-round p50s), p99 and throughput (many concurrent requests, where the
//! clients' CPU cost shows) with ratios against the baseline, then streams 100 000 persons
//! through the facade and prints the process's peak RSS after 10 000 and after 100 000 rows.
//! The last line printed is `facade/reqwest p50 ratio: X.XX` for getPerson.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::Deserialize;
use synctera::AddressInput;
use synctera::{Client, NewPerson, PersonUpdate};
use synctera_sandbox::Sandbox;

const KEY: &str = "bench-transport-key";
const STREAM_KEY: &str = "bench-stream-key";
const STREAM_ROWS: usize = 100_000;
/// Rounds of the interleaved latency run, and requests per client per round. The p50
/// printed is the median of the per-round p50s, so a burst of load from elsewhere on a shared
/// machine spoils a round or two, not the figure.
const ROUNDS: usize = 101;
const PER_ROUND: usize = 100;
/// Concurrent in-flight requests, and requests per task, for throughput.
const CONCURRENCY: usize = 16;
const PER_TASK: usize = 60;
/// Interleaved throughput rounds (each ~1 000 requests per client); odd, for a true median.
const THROUGHPUT_ROUNDS: usize = 15;

/// What a hand-written client would declare for a person: the documented fields, typed loosely.
#[allow(dead_code)] // read by serde only; the point is paying for decoding them
#[derive(Debug, Deserialize)]
struct BaselinePerson {
    id: uuid::Uuid,
    status: String,
    ban_status: String,
    verification_status: String,
    is_customer: bool,
    tenant: String,
    creation_time: String,
    last_updated_time: String,
    first_name: Option<String>,
    last_name: Option<String>,
    chosen_name: Option<String>,
    middle_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    dob: Option<String>,
    ssn: Option<String>,
    ssn_source: Option<String>,
    has_accounts: Option<bool>,
    is_user: Option<bool>,
    verification_last_run: Option<String>,
    legal_address: Option<serde_json::Value>,
    shipping_address: Option<serde_json::Value>,
    metadata: Option<serde_json::Value>,
    personal_ids: Option<Vec<serde_json::Value>>,
}

type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

#[derive(Clone)]
struct Clients {
    base: String,
    http: reqwest::Client,
    raw: synctera_raw::Client,
    facade: Client,
    person: uuid::Uuid,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    Reqwest,
    Raw,
    Facade,
}

const VIAS: [Via; 3] = [Via::Reqwest, Via::Raw, Via::Facade];

impl Via {
    fn name(self) -> &'static str {
        match self {
            Via::Reqwest => "reqwest+serde_json",
            Via::Raw => "synctera-raw",
            Via::Facade => "synctera (facade)",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    GetPerson,
    CreatePerson,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::GetPerson => "getPerson",
            Op::CreatePerson => "createPerson",
        }
    }
}

impl Clients {
    /// One request of `op` through `via`; panics on any failure (a benchmark of errors is
    /// worthless).
    fn call(&self, op: Op, via: Via, n: usize) -> BoxFut<'_> {
        let email = format!("bench.{n}@example.com");
        Box::pin(async move {
            match (op, via) {
                (Op::GetPerson, Via::Reqwest) => {
                    let resp = self
                        .http
                        .get(format!("{}/persons/{}", self.base, self.person))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 200);
                    let bytes = resp.bytes().await.unwrap();
                    let person: BaselinePerson = serde_json::from_slice(&bytes).unwrap();
                    assert_eq!(person.id, self.person);
                }
                (Op::GetPerson, Via::Raw) => {
                    let person = self
                        .raw
                        .get_person()
                        .person_id(self.person)
                        .send()
                        .await
                        .unwrap()
                        .into_inner();
                    assert_eq!(person.id, self.person);
                }
                (Op::GetPerson, Via::Facade) => {
                    let person = self.facade.persons().get(self.person).await.unwrap();
                    assert_eq!(person.id.into_uuid(), self.person);
                }
                (Op::CreatePerson, Via::Reqwest) => {
                    let body = serde_json::json!({
                        "status": "PROSPECT",
                        "is_customer": true,
                        "email": email,
                    });
                    let resp = self
                        .http
                        .post(format!("{}/persons", self.base))
                        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 201);
                    let bytes = resp.bytes().await.unwrap();
                    let _: BaselinePerson = serde_json::from_slice(&bytes).unwrap();
                }
                (Op::CreatePerson, Via::Raw) => {
                    use synctera_raw::types::PersonStatus;
                    self.raw
                        .create_person()
                        .idempotency_key(uuid::Uuid::new_v4().to_string().as_str())
                        .body_map(|b| {
                            b.status(PersonStatus::Prospect)
                                .is_customer(true)
                                .email(Some(email))
                        })
                        .send()
                        .await
                        .unwrap();
                }
                (Op::CreatePerson, Via::Facade) => {
                    self.facade
                        .persons()
                        .create(NewPerson::prospect().email(email))
                        .await
                        .unwrap();
                }
            }
        })
    }
}

fn authorized_http() -> reqwest::Client {
    let mut auth = HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap();
    auth.set_sensitive(true);
    reqwest::Client::builder()
        .default_headers(HeaderMap::from_iter([(AUTHORIZATION, auth)]))
        .build()
        .unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

struct Figures {
    p50: Duration,
    p99: Duration,
    per_sec: f64,
    /// Median of the per-round ratios to the baseline.
    per_sec_ratio: f64,
}

/// Sequential latency, interleaved request by request: each step sends one request through
/// every client, in an order that rotates every step, so load from elsewhere on the machine (and
/// any slow drift) falls on all three alike. Returns, per client, the samples of each round.
async fn latencies(clients: &Clients, op: Op) -> Vec<Vec<Vec<Duration>>> {
    let mut samples = vec![Vec::with_capacity(ROUNDS); VIAS.len()];
    let mut n = 0;
    for _ in 0..ROUNDS {
        let mut this_round = vec![Vec::with_capacity(PER_ROUND); VIAS.len()];
        for step in 0..PER_ROUND {
            for k in 0..VIAS.len() {
                let i = (k + step) % VIAS.len();
                n += 1;
                let start = Instant::now();
                clients.call(op, VIAS[i], n).await;
                this_round[i].push(start.elapsed());
            }
        }
        for (i, round) in this_round.into_iter().enumerate() {
            samples[i].push(round);
        }
    }
    samples
}

/// Throughput with `CONCURRENCY` requests in flight, interleaved in `THROUGHPUT_ROUNDS` rounds
/// (each client once per round, in rotating order). Returns, per client, the median of its
/// per-round req/s and the median of its per-round ratio to the baseline of the same round.
async fn throughputs(clients: &Clients, op: Op) -> Vec<(f64, f64)> {
    let mut per_round = vec![Vec::with_capacity(THROUGHPUT_ROUNDS); VIAS.len()];
    let mut n = 1_000_000;
    for round in 0..THROUGHPUT_ROUNDS {
        for k in 0..VIAS.len() {
            let i = (k + round) % VIAS.len();
            let start = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..CONCURRENCY {
                let clients = clients.clone();
                let base = n;
                n += PER_TASK;
                tasks.spawn(async move {
                    for j in 0..PER_TASK {
                        clients.call(op, VIAS[i], base + j).await;
                    }
                });
            }
            while let Some(r) = tasks.join_next().await {
                r.unwrap();
            }
            per_round[i].push((CONCURRENCY * PER_TASK) as f64 / start.elapsed().as_secs_f64());
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (0..VIAS.len())
        .map(|i| {
            let ratios = (0..THROUGHPUT_ROUNDS)
                .map(|r| per_round[i][r] / per_round[0][r])
                .collect();
            (median(per_round[i].clone()), median(ratios))
        })
        .collect()
}

async fn measure(clients: &Clients, op: Op) -> Vec<Figures> {
    // Warm-up: connections, allocator, the sandbox's code paths.
    for via in VIAS {
        for n in 0..100 {
            clients.call(op, via, n).await;
        }
    }
    let lat = latencies(clients, op).await;
    let tput = throughputs(clients, op).await;
    lat.into_iter()
        .zip(tput)
        .map(|(rounds, (per_sec, per_sec_ratio))| {
            let mut round_p50s: Vec<Duration> = rounds
                .iter()
                .map(|round| {
                    let mut round = round.clone();
                    round.sort();
                    percentile(&round, 0.5)
                })
                .collect();
            round_p50s.sort();
            let mut all: Vec<Duration> = rounds.into_iter().flatten().collect();
            all.sort();
            Figures {
                p50: percentile(&round_p50s, 0.5),
                p99: percentile(&all, 0.99),
                per_sec,
                per_sec_ratio,
            }
        })
        .collect()
}

/// Peak and current resident set size in KiB, from `/proc/self/status` (Linux).
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Fills the streaming tenant with `STREAM_ROWS` persons through the plain HTTP client.
async fn seed_stream_tenant(base: &str) {
    let mut auth = HeaderValue::from_str(&format!("Bearer {STREAM_KEY}")).unwrap();
    auth.set_sensitive(true);
    let http = reqwest::Client::builder()
        .default_headers(HeaderMap::from_iter([(AUTHORIZATION, auth)]))
        .build()
        .unwrap();
    futures::stream::iter(0..STREAM_ROWS)
        .map(|n| {
            let http = http.clone();
            let url = format!("{base}/persons");
            async move {
                let body = serde_json::json!({
                    "status": "ACTIVE",
                    "is_customer": true,
                    "first_name": "Stream",
                    "last_name": format!("Row{n}"),
                    "email": format!("stream.{n}@example.com"),
                    "phone_number": "+12125550100",
                });
                let resp = http.post(url).json(&body).send().await.unwrap();
                assert_eq!(resp.status(), 201);
            }
        })
        .buffer_unordered(64)
        .collect::<()>()
        .await;
}

async fn run() {
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let base = sandbox.base_url();
    let http = authorized_http();
    let facade = Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .build()
        .unwrap();
    // Its own connection pool, as the facade has: no client rides on a connection another just warmed.
    let raw = synctera_raw::Client::new_with_client(
        &base,
        authorized_http(),
        synctera_raw::Limits::default(),
    );

    // The person every getPerson reads: fully filled in, so the body is a realistic size.
    let person = facade
        .persons()
        .create(NewPerson::prospect().email("bench.subject@example.com"))
        .await
        .unwrap();
    facade
        .persons()
        .update(
            person.id,
            PersonUpdate::activate("Bench", "Subject")
                .dob("1990-02-03")
                .phone_number("+12125550199")
                .ssn("123-45-6789")
                .legal_address(AddressInput::us("1 Bench Way", "New York", "NY", "10001"))
                .shipping_address(AddressInput::us("2 Bench Way", "New York", "NY", "10002")),
        )
        .await
        .unwrap();
    let clients = Clients {
        base: base.clone(),
        http,
        raw,
        facade: facade.clone(),
        person: person.id.into_uuid(),
    };

    let started = Instant::now();
    let get = measure(&clients, Op::GetPerson).await;
    let create = measure(&clients, Op::CreatePerson).await;
    let measured = started.elapsed();

    println!();
    println!(
        "transport benchmark: in-process sandbox over loopback, {} sequential samples per client \
         and operation (interleaved request by request, {ROUNDS} rounds; p50 = median of the \
         rounds' p50s, p99 over all samples), throughput with {CONCURRENCY} in flight \
         ({THROUGHPUT_ROUNDS} interleaved rounds; medians of req/s and of per-round ratios); \
         {:.1} s",
        ROUNDS * PER_ROUND,
        measured.as_secs_f64()
    );
    println!();
    println!(
        "{:<13} {:<19} {:>9} {:>9} {:>11} {:>13} {:>15}",
        "operation", "client", "p50 µs", "p99 µs", "req/s", "p50 ratio", "req/s ratio"
    );
    for (op, figures) in [(Op::GetPerson, &get), (Op::CreatePerson, &create)] {
        let base = &figures[0];
        for (via, f) in VIAS.iter().zip(figures.iter()) {
            println!(
                "{:<13} {:<19} {:>9.1} {:>9.1} {:>11.0} {:>13.2} {:>15.2}",
                op.name(),
                via.name(),
                micros(f.p50),
                micros(f.p99),
                f.per_sec,
                f.p50.as_secs_f64() / base.p50.as_secs_f64(),
                f.per_sec_ratio,
            );
        }
    }

    // Streaming: memory must not grow with the number of rows.
    let seed_start = Instant::now();
    seed_stream_tenant(&base).await;
    let seeded = seed_start.elapsed();
    let streamer = Client::builder()
        .api_key(STREAM_KEY)
        .base_url(&base)
        .build()
        .unwrap();
    // The sandbox renders each record's JSON on its first read and keeps it (~1 KB a record):
    // read every row once beforehand, so the figures below are the client's memory, not the
    // in-process server filling its cache.
    let warmed = streamer
        .persons()
        .list()
        .stream()
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(warmed, STREAM_ROWS);
    // Forget the seeding's peak so that VmHWM measures the streaming alone (Linux: writing 5
    // to clear_refs resets the peak RSS to the current RSS).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (hwm_before, _) = rss_kib();
    let mut at_10k = (0, 0);
    let stream_start = Instant::now();
    let count = streamer
        .persons()
        .list()
        .stream()
        .try_fold(0usize, |count, _person| {
            let count = count + 1;
            if count == 10_000 {
                at_10k = rss_kib();
            }
            async move { Ok(count) }
        })
        .await
        .unwrap();
    let streamed = stream_start.elapsed();
    let at_100k = rss_kib();
    assert_eq!(count, STREAM_ROWS, "the stream must yield every row");
    println!();
    println!(
        "streaming {count} persons through the facade (100 per page): {:.1} s, {:.0} persons/s \
         (seeded in {:.1} s)",
        streamed.as_secs_f64(),
        count as f64 / streamed.as_secs_f64(),
        seeded.as_secs_f64()
    );
    println!(
        "peak RSS (VmHWM{}, whole process incl. the in-process sandbox and its 100 000 records): \
         before streaming {:.1} MiB, after 10 000 rows {:.1} MiB, after 100 000 rows {:.1} MiB \
         (growth 10k→100k: {:+.1} MiB; current RSS {:.1} → {:.1} MiB)",
        if reset {
            ", reset after seeding"
        } else {
            ", seeding's peak included"
        },
        mib(hwm_before),
        mib(at_10k.0),
        mib(at_100k.0),
        mib(at_100k.0) - mib(at_10k.0),
        mib(at_10k.1),
        mib(at_100k.1),
    );
    // The control: the same rows collected into memory must show up, or the figures above
    // would prove nothing.
    if reset {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }
    let (_, rss_before_collect) = rss_kib();
    let all: Vec<synctera::Person> = streamer
        .persons()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let (hwm_collected, _) = rss_kib();
    println!(
        "control: collecting the same {} persons into a Vec raises peak RSS by {:+.1} MiB",
        all.len(),
        mib(hwm_collected) - mib(rss_before_collect),
    );
    drop(all);
    sandbox.shutdown().await;

    println!(
        "facade/reqwest p50 ratio: {:.2}",
        get[2].p50.as_secs_f64() / get[0].p50.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}
