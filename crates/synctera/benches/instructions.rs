//! Instruction counts per call, for `valgrind --tool=callgrind` (exact, unlike wall-clock
//! figures on a shared machine).
//!
//! `cargo bench -p synctera --bench instructions --no-run`, then run the binary it names under
//! callgrind as `<bin> <op> <via> <calls>`, twice with different call counts; the difference of
//! the two totals divided by the difference of the counts is the cost of one call, start-up
//! excluded.
//! - `op`: `get` (a prospect with an e-mail), `get-full` (a filled-in active person, as the
//!   transport bench reads) or `create`.
//! - `via`: `reqwest` (hand-written, into `serde_json::Value`), `raw` (the generated client alone,
//!   on the same reqwest client), `facade`; and for the gets `converted` (the generated client on
//!   a reqwest client configured as the facade's, its answer converted into `synctera::Person`,
//!   no request pipeline) and `facade-untimed` (no attempt timeout, no total deadline).
//!
//! reqwest → raw is what the generated code costs; raw → converted what the facade's types and
//! HTTP configuration cost; converted → facade what its request pipeline costs. The server is a
//! canned loopback HTTP/1.1 responder in the same process (the same bytes for every client), so
//! what differs between clients is the client's own work.
//!
//! `cargo xtask`-free on purpose: `bash crates/synctera/benches/instructions.sh` prints the table.

use std::io::{Read, Write};
use std::net::TcpListener;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use synctera::{Client, NewPerson};

const PERSON_ID: &str = "7d943c51-e4ff-4e57-9558-08cab6b963c7";

/// The canned person: a prospect with an e-mail (`get`, `create`), or (`get-full`) an active
/// person filled in as the transport bench's subject is, with a dob, phone, SSN, two addresses
/// and a personal id, so that decoding and converting a realistic record is counted too.
fn person_json(full: bool) -> String {
    if full {
        return format!(
            r#"{{"id":"{PERSON_ID}","creation_time":"2026-12-02T01:35:45.499327Z","last_updated_time":"2026-12-02T01:35:45.499720Z","status":"ACTIVE","ban_status":"ALLOWED","tenant":"abcdef_ghijkl","has_accounts":false,"first_name":"Bench","last_name":"Subject","email":"bench.1@example.com","phone_number":"+12125550199","dob":"1990-02-03","ssn":"6789","ssn_source":"MANUAL","legal_address":{{"id":"6272276c-16df-4413-99cc-51a406db4863","address_type":"LEGAL","address_line_1":"1 Bench Way","city":"New York","state":"NY","postal_code":"10001","country_code":"US"}},"shipping_address":{{"id":"0b368068-10a1-4aee-b8c4-6cfe6fa43e01","address_type":"SHIPPING","address_line_1":"2 Bench Way","city":"New York","state":"NY","postal_code":"10002","country_code":"US"}},"metadata":{{}},"is_customer":true,"is_user":false,"verification_status":"UNVERIFIED","personal_ids":[{{"id":"56a40d1c-d9b8-4a29-a069-055f1c427b1d","id_type":"SSN","identifier":"6789","country_code":"US","system_provided":true}}]}}"#
        );
    }
    format!(
        r#"{{"id":"{PERSON_ID}","status":"PROSPECT","ban_status":"ALLOWED","verification_status":"UNVERIFIED","is_customer":true,"tenant":"abcdef_ghijkl","creation_time":"2026-01-02T03:04:05.678Z","last_updated_time":"2026-01-02T03:04:05.678Z","email":"bench.1@example.com","has_accounts":false,"is_user":false,"personal_ids":[],"metadata":{{}}}}"#
    )
}

/// Answers every request on one keep-alive connection at a time with a status and `body`.
fn canned_server(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let mut conn = conn.unwrap();
            let body = body.clone();
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                let mut have = 0;
                loop {
                    let n = match conn.read(&mut buf[have..]) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    have += n;
                    // One whole request (head plus Content-Length body) per answer.
                    while let Some(end) = find(&buf[..have], b"\r\n\r\n") {
                        let head = std::str::from_utf8(&buf[..end])
                            .unwrap()
                            .to_ascii_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map(|v| v.trim().parse().unwrap())
                            .unwrap_or(0);
                        let total = end + 4 + len;
                        if have < total {
                            break;
                        }
                        let status = if head.starts_with("post") {
                            "201 Created"
                        } else {
                            "200 OK"
                        };
                        let reply = format!(
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nx-request-id: req-1\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        conn.write_all(reply.as_bytes()).unwrap();
                        buf.copy_within(total..have, 0);
                        have -= total;
                    }
                }
            });
        }
    });
    format!("http://{addr}/v0")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [op, via, calls] = <[String; 3]>::try_from(args).unwrap_or_else(|_| {
        eprintln!(
            "usage: instructions <get|get-full|create> \
             <reqwest|raw|converted|facade|facade-untimed> <calls>"
        );
        std::process::exit(2)
    });
    let calls: usize = calls.parse().unwrap();
    let (op, full) = match op.as_str() {
        "get-full" => ("get".to_owned(), true),
        _ => (op, false),
    };
    let base = canned_server(person_json(full));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut auth = HeaderValue::from_str("Bearer bench-key").unwrap();
    auth.set_sensitive(true);
    let http = reqwest::Client::builder()
        .default_headers(HeaderMap::from_iter([(AUTHORIZATION, auth)]))
        .build()
        .unwrap();
    let raw =
        synctera_raw::Client::new_with_client(&base, http.clone(), synctera_raw::Limits::default());
    let facade = Client::builder()
        .api_key("bench-key")
        .base_url(&base)
        .build()
        .unwrap();
    // The facade with its attempt timeout and total deadline switched off: what the timer
    // costs (in instructions; its wake-up of another worker thread is not counted here).
    let untimed = Client::builder()
        .api_key("bench-key")
        .base_url(&base)
        .timeout(None)
        .total_timeout(None)
        .build()
        .unwrap();
    // The generated client on a reqwest client configured as the facade's (user agent, no
    // redirects, connect timeout), its answer converted into the facade's `Person`: what any
    // facade with these types pays, without the request pipeline (options, attempt loop, timer,
    // span).
    let converted = {
        let mut auth = HeaderValue::from_str("Bearer bench-key").unwrap();
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .default_headers(HeaderMap::from_iter([(AUTHORIZATION, auth)]))
            .user_agent(concat!("synctera-rs/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(synctera::client::DEFAULT_CONNECT_TIMEOUT)
            .build()
            .unwrap();
        synctera_raw::Client::new_with_client(&base, http, synctera_raw::Limits::default())
    };
    let person: synctera::PersonId = PERSON_ID.parse().unwrap();
    let person_uuid: uuid::Uuid = PERSON_ID.parse().unwrap();
    rt.block_on(async {
        for n in 0..calls {
            match (op.as_str(), via.as_str()) {
                ("get", "reqwest") => {
                    let resp = http
                        .get(format!("{base}/persons/{PERSON_ID}"))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 200);
                    let v: serde_json::Value =
                        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
                    assert_eq!(v["id"], PERSON_ID);
                }
                ("get", "raw") => {
                    let p = raw
                        .get_person()
                        .person_id(person_uuid)
                        .send()
                        .await
                        .unwrap()
                        .into_inner();
                    assert_eq!(p.id, person_uuid);
                }
                ("get", "converted") => {
                    let p = converted
                        .get_person()
                        .person_id(person_uuid)
                        .send()
                        .await
                        .unwrap()
                        .into_inner();
                    let p = synctera::Person::from(p);
                    assert_eq!(p.id, person);
                }
                ("get", "facade") => {
                    let p = facade.persons().get(person).await.unwrap();
                    assert_eq!(p.id, person);
                }
                ("get", "facade-untimed") => {
                    let p = untimed.persons().get(person).await.unwrap();
                    assert_eq!(p.id, person);
                }
                ("create", "reqwest") => {
                    let body = serde_json::json!({
                        "status": "PROSPECT",
                        "is_customer": true,
                        "email": format!("bench.{n}@example.com"),
                    });
                    let resp = http
                        .post(format!("{base}/persons"))
                        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 201);
                    let _: serde_json::Value =
                        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
                }
                ("create", "raw") => {
                    use synctera_raw::types::PersonStatus;
                    let resp = raw
                        .create_person()
                        .idempotency_key(uuid::Uuid::new_v4().to_string().as_str())
                        .body_map(|b| {
                            b.status(PersonStatus::Prospect)
                                .is_customer(true)
                                .email(Some(format!("bench.{n}@example.com")))
                        })
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 201);
                }
                ("create", "facade") => {
                    facade
                        .persons()
                        .create(NewPerson::prospect().email(format!("bench.{n}@example.com")))
                        .await
                        .unwrap();
                }
                _ => panic!("unknown op/via {op} {via}"),
            }
        }
    });
}
