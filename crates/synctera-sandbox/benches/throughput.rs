//! Throughput of the sandbox over loopback, against a minimal axum baseline in the same run.
//!
//! `cargo bench -p synctera-sandbox` prints, for getPerson, createPerson and a 100-row
//! listPersons page: requests/s and p50/p99 latency for the sandbox and for a bare axum handler
//! that answers a fixed JSON body of the same size, plus their ratio; and createPerson with
//! durable state (SQLite) as a ratio of in-memory createPerson, and createPerson of a tenant with
//! a registered webhook (a loopback receiver answering 200, then one that never answers) as a
//! ratio of createPerson of a tenant with none. Then it pages through a
//! 100 000-person tenant and compares the cost of the first and last pages.
//!
//! Env: BENCH_SECS (seconds per measurement, default 3), BENCH_CONNS (concurrent keep-alive
//! connections, default 32).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Value, json};
use synctera_sandbox::{Sandbox, SandboxConfig};

const KEY: &str = "bench-key";

#[derive(Clone)]
enum Req {
    Get(Arc<Vec<String>>),
    Post(String, Bytes),
    /// A POST as another tenant (API key).
    PostAs(String, Bytes, &'static str),
}

struct Stats {
    rps: f64,
    p50: Duration,
    p99: Duration,
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How long each alternating slice of [`compare`] drives one side.
const SLICE: Duration = Duration::from_millis(250);

/// Drives the sandbox and the baseline from `conns` concurrent keep-alive connections for about
/// `secs` each, in alternating slices, so that load from elsewhere on a shared machine hits both
/// alike. Returns both sides' pooled figures and the median of the per-slice throughput ratios.
async fn compare(
    http: &reqwest::Client,
    sandbox: Req,
    baseline: Req,
    conns: usize,
    secs: u64,
) -> (Stats, Stats, f64) {
    // Warm up the connection pool and caches first.
    run_for(http, sandbox.clone(), conns, SLICE).await;
    run_for(http, baseline.clone(), conns, SLICE).await;
    let slices = ((secs * 1000) as u128 / SLICE.as_millis()).max(1);
    let (mut s_all, mut b_all) = (Vec::new(), Vec::new());
    let (mut s_time, mut b_time) = (Duration::ZERO, Duration::ZERO);
    let mut ratios = Vec::new();
    for _ in 0..slices {
        let (s_lat, s_elapsed) = run_for(http, sandbox.clone(), conns, SLICE).await;
        let (b_lat, b_elapsed) = run_for(http, baseline.clone(), conns, SLICE).await;
        let s_rps = s_lat.len() as f64 / s_elapsed.as_secs_f64();
        let b_rps = b_lat.len() as f64 / b_elapsed.as_secs_f64();
        ratios.push(s_rps / b_rps);
        s_all.extend(s_lat);
        b_all.extend(b_lat);
        s_time += s_elapsed;
        b_time += b_elapsed;
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    (stats(s_all, s_time), stats(b_all, b_time), median)
}

/// [`compare`] of the same POST made as two tenants.
async fn compare_keys(
    http: &reqwest::Client,
    (url, key): (&str, &'static str),
    (base_url, base_key): (&str, &'static str),
    body: &Bytes,
    conns: usize,
    secs: u64,
) -> (Stats, Stats, f64) {
    compare(
        http,
        Req::PostAs(url.to_owned(), body.clone(), key),
        Req::PostAs(base_url.to_owned(), body.clone(), base_key),
        conns,
        secs,
    )
    .await
}

fn stats(mut lat: Vec<Duration>, elapsed: Duration) -> Stats {
    lat.sort();
    let pick = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    Stats {
        rps: lat.len() as f64 / elapsed.as_secs_f64(),
        p50: pick(0.50),
        p99: pick(0.99),
    }
}

async fn run_for(
    http: &reqwest::Client,
    req: Req,
    conns: usize,
    dur: Duration,
) -> (Vec<Duration>, Duration) {
    let start = Instant::now();
    let deadline = start + dur;
    let counter = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let http = http.clone();
        let req = req.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let resp = match &req {
                    Req::Get(urls) => {
                        let i = counter.fetch_add(1, Ordering::Relaxed) % urls.len();
                        http.get(&urls[i]).bearer_auth(KEY).send().await
                    }
                    Req::Post(url, body) | Req::PostAs(url, body, _) => {
                        let key = match &req {
                            Req::PostAs(_, _, key) => key,
                            _ => KEY,
                        };
                        http.post(url)
                            .bearer_auth(key)
                            .header("content-type", "application/json")
                            .body(body.clone())
                            .send()
                            .await
                    }
                };
                let resp = resp.expect("request");
                assert!(resp.status().is_success(), "status {}", resp.status());
                resp.bytes().await.expect("body");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    (all, start.elapsed())
}

fn padded(len: usize) -> Bytes {
    // {"pad":"xxx…"} of exactly `len` bytes.
    let fill = len.saturating_sub(10);
    Bytes::from(format!("{{\"pad\":\"{}\"}}", "x".repeat(fill)))
}

async fn start_baseline(sizes: [usize; 3]) -> String {
    let [g, c, l] = sizes.map(padded);
    let app = Router::new()
        .route(
            "/get",
            get(move || std::future::ready(([("content-type", "application/json")], g.clone()))),
        )
        .route(
            "/create",
            post(move |_body: Bytes| {
                std::future::ready(([("content-type", "application/json")], c.clone()))
            }),
        )
        .route(
            "/list",
            get(move || std::future::ready(([("content-type", "application/json")], l.clone()))),
        )
        // Webhook receivers: one that accepts every delivery, one that never answers.
        .route("/hook", post(|_body: Bytes| std::future::ready("")))
        .route(
            "/hanging-hook",
            post(|_body: Bytes| std::future::pending::<&'static str>()),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn report(name: &str, figures: (Stats, Stats, f64)) {
    report_against(name, "baseline", figures);
}

fn report_against(name: &str, baseline: &str, (s, b, ratio): (Stats, Stats, f64)) {
    println!(
        "{name:<14} sandbox {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms | {baseline} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms | ratio {:>5.1}% (median of alternating slices)",
        s.rps,
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3,
        b.rps,
        b.p50.as_secs_f64() * 1e3,
        b.p99.as_secs_f64() * 1e3,
        100.0 * ratio
    );
}

fn person(i: usize) -> Value {
    json!({
        "status": "ACTIVE", "is_customer": true,
        "first_name": format!("First{i:06}"), "last_name": format!("Last{:06}", (i * 7919) % 100_000),
        "email": format!("p{i}@example.com"), "phone_number": "+12125550123",
        "dob": "1990-01-01", "ssn": "123-45-6789",
        "legal_address": {"address_line_1": "50 Main St", "city": "New York", "state": "NY", "postal_code": "12345", "country_code": "US"}
    })
}

async fn fill(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    n: usize,
    conns: usize,
) -> Vec<String> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let http = http.clone();
        let url = format!("{base}/persons");
        let key = key.to_string();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let r = http
                    .post(&url)
                    .bearer_auth(&key)
                    .json(&person(i))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                let v: Value = r.json().await.unwrap();
                ids.push(v["id"].as_str().unwrap().to_string());
            }
            ids
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.unwrap());
    }
    ids
}

async fn bench() {
    let secs = env_num("BENCH_SECS", 3);
    let conns = env_num("BENCH_CONNS", 32) as usize;
    let started = Instant::now();
    let sb = Sandbox::start_with(SandboxConfig::default()).await.unwrap();
    let base = sb.base_url();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(conns * 2)
        .build()
        .unwrap();

    let ids = fill(&http, &base, KEY, 1000, conns).await;
    let get_urls: Vec<String> = ids
        .iter()
        .map(|id| format!("{base}/persons/{id}"))
        .collect();
    let size_of = |v: reqwest::Response| async move { v.bytes().await.unwrap().len() };
    let get_size = size_of(
        http.get(&get_urls[0])
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let create_body = Bytes::from(serde_json::to_vec(&person(424_242)).unwrap());
    let create_size = size_of(
        http.post(format!("{base}/persons"))
            .bearer_auth("size-probe")
            .header("content-type", "application/json")
            .body(create_body.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let list_url = format!("{base}/persons?limit=100");
    let list_size = size_of(http.get(&list_url).bearer_auth(KEY).send().await.unwrap()).await;
    let baseline = start_baseline([get_size, create_size, list_size]).await;

    println!(
        "throughput over loopback: {conns} keep-alive connections, {secs} s per measurement; response sizes get {get_size} B, create {create_size} B, list {list_size} B"
    );
    let get = compare(
        &http,
        Req::Get(Arc::new(get_urls)),
        Req::Get(Arc::new(vec![format!("{baseline}/get")])),
        conns,
        secs,
    )
    .await;
    report("getPerson", get);
    // New rows sort after the first page (creation_time order), so the list page stays the same.
    let create = compare(
        &http,
        Req::Post(format!("{base}/persons"), create_body.clone()),
        Req::Post(format!("{baseline}/create"), create_body.clone()),
        conns,
        secs,
    )
    .await;
    report("createPerson", create);
    // The same creates against a sandbox with durable state (`--state`, SQLite), in alternating
    // slices with the in-memory sandbox: the ratio is the cost of committing before answering.
    let db = std::env::temp_dir().join(format!("synctera-bench-{}.db", std::process::id()));
    let durable = Sandbox::start_with(SandboxConfig::default().state(&db))
        .await
        .unwrap();
    fill(&http, &durable.base_url(), KEY, 1000, conns).await;
    let create_sqlite = compare(
        &http,
        Req::Post(
            format!("{}/persons", durable.base_url()),
            create_body.clone(),
        ),
        Req::Post(format!("{base}/persons"), create_body.clone()),
        conns,
        secs,
    )
    .await;
    report_against("createPerson --state", "in-memory", create_sqlite);
    durable.shutdown().await;
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(db.with_extension("db-wal"));
    let list = compare(
        &http,
        Req::Get(Arc::new(vec![list_url])),
        Req::Get(Arc::new(vec![format!("{baseline}/list")])),
        conns,
        secs,
    )
    .await;
    report("listPersons100", list);

    // Delivery must not slow the request that raises the event: createPerson of a tenant whose
    // webhook (PERSON.*) receives every event, then of one whose receiver never answers, each
    // against createPerson of a tenant with no webhook on the same sandbox, alternating.
    for (label, key, path) in [
        ("createPerson +webhook", "bench-hook-key", "hook"),
        ("createPerson +hanging", "bench-hanging-key", "hanging-hook"),
    ] {
        for (route, body) in [
            ("webhook_secrets", json!({})),
            (
                "webhooks",
                json!({"url": format!("{baseline}/{path}"), "enabled_events": ["PERSON.*"], "is_enabled": true}),
            ),
        ] {
            let r = http
                .post(format!("{base}/{route}"))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{route}: {}", r.status());
        }
        let with_webhook = compare_keys(
            &http,
            (&format!("{base}/persons"), key),
            (&format!("{base}/persons"), KEY),
            &create_body,
            conns,
            secs,
        )
        .await;
        report_against(label, "no webhook", with_webhook);
    }

    // Paging cost at the start and at the end of a 100 000-person tenant.
    let big = "bench-paging-key";
    let t = Instant::now();
    fill(&http, &base, big, 100_000, conns).await;
    println!(
        "filled a 100 000-person tenant in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for sort in ["", "&sort_by=last_name:asc,first_name:desc"] {
        // One pass collects every page's URL (keyset tokens stay valid); then pages near the
        // start and near the end are timed in alternation, so machine noise hits both alike.
        let mut urls = vec![format!("{base}/persons?limit=100{sort}")];
        loop {
            let r = http
                .get(urls.last().unwrap())
                .bearer_auth(big)
                .send()
                .await
                .unwrap();
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["persons"].as_array().unwrap().len(), 100);
            match v.get("next_page_token").and_then(Value::as_str) {
                Some(tk) => urls.push(format!("{base}/persons?limit=100{sort}&page_token={tk}")),
                None => break,
            }
        }
        let n = urls.len();
        let (mut start, mut end) = (Vec::new(), Vec::new());
        for _round in 0..4 {
            for (bucket, range) in [(&mut start, 0..50), (&mut end, n - 50..n)] {
                for url in &urls[range] {
                    let t = Instant::now();
                    let r = http.get(url).bearer_auth(big).send().await.unwrap();
                    r.bytes().await.unwrap();
                    bucket.push(t.elapsed());
                }
            }
        }
        let mean = |c: &[Duration]| c.iter().sum::<Duration>().as_secs_f64() * 1e3 / c.len() as f64;
        let (first, last) = (mean(&start), mean(&end));
        println!(
            "paging {n} pages of 100{}: first 50 pages {first:.3} ms/page, last 50 pages {last:.3} ms/page, end/start {:.2}",
            if sort.is_empty() {
                " (creation_time)"
            } else {
                " (last_name,first_name)"
            },
            last / first
        );
    }
    println!("total bench time {:.1} s", started.elapsed().as_secs_f64());
    sb.shutdown().await;
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bench());
}
