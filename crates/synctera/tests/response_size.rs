//! A server cannot make the client buffer without end: every response body, success or problem
//! document, is read up to `max_response_bytes`, whatever `Content-Length` says or leaves out.
//! Each test runs a loopback HTTP/1.1 server written here; every server stops by itself (when
//! the client hangs up, or after a fixed number of bytes or seconds).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use synctera::retry::RetryPolicy;
use synctera::{Client, Error, PersonId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PERSON_ID: &str = "3f1c2a9e-5b7d-4e8a-9c61-2d4f8b0a7e13";
/// The cap most tests set: small, so that going past it is quick.
const LIMIT: usize = 64 * 1024;
/// Where a server streaming without end gives up by itself, far past any cap used here.
const SERVER_GIVES_UP_AFTER: usize = 256 << 20;

/// What a loopback server does with one connection after reading the request head.
#[derive(Clone)]
enum Answer {
    /// `status` with a chunked JSON body that never ends.
    EndlessChunks { status: &'static str },
    /// `status` and `body`, chunked (no `Content-Length`).
    Chunked { status: &'static str, body: String },
    /// `status` declaring `content_length`, then `body`, then `trailing` more bytes.
    Declared {
        status: &'static str,
        content_length: u64,
        body: String,
        trailing: usize,
    },
}

/// A loopback server answering every connection with `answer`; counts requests and the body
/// bytes it managed to write.
struct Server {
    base_url: String,
    requests: Arc<AtomicUsize>,
    body_bytes_written: Arc<AtomicUsize>,
}

impl Server {
    async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v0", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let body_bytes_written = Arc::new(AtomicUsize::new(0));
        let (count, written) = (requests.clone(), body_bytes_written.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(socket, answer.clone(), written.clone()));
            }
        });
        Self {
            base_url,
            requests,
            body_bytes_written,
        }
    }

    fn client(&self, limit: Option<usize>) -> Client {
        let builder = Client::builder()
            .api_key("response-size-test-key")
            .base_url(&self.base_url)
            .retry_policy(
                RetryPolicy::default()
                    .max_attempts(3)
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(5)),
            );
        match limit {
            Some(limit) => builder.max_response_bytes(limit),
            None => builder,
        }
        .build()
        .unwrap()
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn body_bytes_written(&self) -> usize {
        self.body_bytes_written.load(Ordering::SeqCst)
    }
}

async fn serve(mut socket: TcpStream, answer: Answer, written: Arc<AtomicUsize>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head_of = |status: &str, framing: &str, content_type: &str| {
        format!("HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n{framing}\r\n\r\n")
    };
    match answer {
        Answer::EndlessChunks { status } => {
            let content_type = content_type_for(status);
            let head = head_of(status, "transfer-encoding: chunked", content_type);
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            // A JSON string that never closes: 64 KiB chunks of spaces after `{"id":"`.
            let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
            let _ = socket.write_all(b"7\r\n{\"id\":\"\r\n").await;
            while written.load(Ordering::SeqCst) < SERVER_GIVES_UP_AFTER {
                if socket.write_all(chunk.as_bytes()).await.is_err() {
                    return; // the client hung up
                }
                written.fetch_add(0x10000, Ordering::SeqCst);
            }
        }
        Answer::Chunked { status, body } => {
            let head = head_of(
                status,
                "transfer-encoding: chunked",
                content_type_for(status),
            );
            let text = format!("{head}{:x}\r\n{body}\r\n0\r\n\r\n", body.len());
            let _ = socket.write_all(text.as_bytes()).await;
            written.fetch_add(body.len(), Ordering::SeqCst);
        }
        Answer::Declared {
            status,
            content_length,
            body,
            trailing,
        } => {
            let framing = format!("content-length: {content_length}");
            let head = head_of(status, &framing, content_type_for(status));
            if socket.write_all(head.as_bytes()).await.is_err()
                || socket.write_all(body.as_bytes()).await.is_err()
            {
                return;
            }
            written.fetch_add(body.len(), Ordering::SeqCst);
            let filler = vec![b' '; 0x10000];
            let mut sent = 0;
            while sent < trailing {
                if socket.write_all(&filler).await.is_err() {
                    return;
                }
                sent += filler.len();
                written.fetch_add(filler.len(), Ordering::SeqCst);
            }
        }
    }
    // Hold the connection until the client closes it (bounded): a server that lies about the
    // length would keep the client waiting for the rest.
    let _ = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut buf)).await;
}

fn content_type_for(status: &str) -> &'static str {
    if status.starts_with('2') {
        "application/json"
    } else {
        "application/problem+json"
    }
}

fn person_json() -> String {
    serde_json::json!({
        "id": PERSON_ID,
        "status": "PROSPECT",
        "ban_status": "ALLOWED",
        "verification_status": "UNVERIFIED",
        "is_customer": true,
        "tenant": "acme_sandbox",
        "creation_time": "2026-11-21T10:00:00Z",
        "last_updated_time": "2026-11-21T10:00:00Z"
    })
    .to_string()
}

/// A problem document of about `size` bytes (its `detail` padded).
fn problem_json(status: u16, size: usize) -> String {
    serde_json::json!({
        "type": "https://dev.synctera.com/errors/not-found",
        "title": "Not found",
        "status": status,
        "detail": "x".repeat(size),
        "code": "RESOURCE_NOT_FOUND"
    })
    .to_string()
}

async fn get_person(client: &Client) -> Result<synctera::Person, Error> {
    client
        .persons()
        .get(PERSON_ID.parse::<PersonId>().unwrap())
        .await
}

fn assert_too_large(result: Result<synctera::Person, Error>, limit: usize) {
    let err = result.expect_err("the body is over the limit");
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: l } if l == limit),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert!(err.to_string().contains(&limit.to_string()), "{err}");
}

#[tokio::test]
async fn an_endless_chunked_body_fails_at_the_limit_and_the_client_hangs_up() {
    let server = Server::start(Answer::EndlessChunks { status: "200 OK" }).await;

    assert_too_large(get_person(&server.client(Some(LIMIT))).await, LIMIT);

    assert_eq!(server.requests(), 1, "not retried");
    // The server stops writing only when the client closes the connection (or far past the
    // limit): what it wrote is the limit plus what the sockets' buffers held.
    let written = server.body_bytes_written();
    assert!(
        written < SERVER_GIVES_UP_AFTER,
        "the client stopped reading ({written} bytes written)"
    );
}

#[tokio::test]
async fn a_default_client_caps_an_endless_body_at_the_default_limit() {
    let server = Server::start(Answer::EndlessChunks { status: "200 OK" }).await;

    let result = get_person(&server.client(None)).await;

    assert_too_large(result, synctera::DEFAULT_MAX_RESPONSE_BYTES);
    assert!(server.body_bytes_written() < SERVER_GIVES_UP_AFTER);
}

#[tokio::test]
async fn a_declared_length_over_the_limit_fails_before_the_body_is_read() {
    let server = Server::start(Answer::Declared {
        status: "200 OK",
        content_length: 1 << 40,
        body: person_json(),
        trailing: 0,
    })
    .await;

    assert_too_large(get_person(&server.client(Some(LIMIT))).await, LIMIT);
    assert_eq!(server.requests(), 1, "not retried");
}

/// A server declaring fewer bytes than it sends: the body is the declared bytes, the rest is
/// never read as part of it, so nothing past the declaration is buffered.
#[tokio::test]
async fn a_declared_length_under_the_bytes_sent_frames_the_body() {
    let body = person_json();
    let server = Server::start(Answer::Declared {
        status: "200 OK",
        content_length: body.len() as u64,
        body,
        trailing: 4 << 20,
    })
    .await;

    let person = get_person(&server.client(Some(LIMIT))).await.unwrap();

    assert_eq!(person.id.to_string(), PERSON_ID);
}

#[tokio::test]
async fn a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused() {
    let body = person_json();
    for chunked in [true, false] {
        let answer = if chunked {
            Answer::Chunked {
                status: "200 OK",
                body: body.clone(),
            }
        } else {
            Answer::Declared {
                status: "200 OK",
                content_length: body.len() as u64,
                body: body.clone(),
                trailing: 0,
            }
        };
        let server = Server::start(answer).await;

        let person = get_person(&server.client(Some(body.len())))
            .await
            .unwrap_or_else(|e| panic!("chunked {chunked}: {e:?}"));
        assert_eq!(person.id.to_string(), PERSON_ID);

        let limit = body.len() - 1;
        assert_too_large(get_person(&server.client(Some(limit))).await, limit);
    }
}

#[tokio::test]
async fn a_problem_document_over_the_limit_fails_the_same_way_and_is_not_retried() {
    let problem = problem_json(503, 2 * LIMIT);
    let answers = [
        Answer::Chunked {
            status: "503 Service Unavailable",
            body: problem.clone(),
        },
        Answer::Declared {
            status: "503 Service Unavailable",
            content_length: problem.len() as u64,
            body: problem.clone(),
            trailing: 0,
        },
        Answer::EndlessChunks {
            status: "404 Not Found",
        },
    ];
    for answer in answers {
        let server = Server::start(answer).await;

        assert_too_large(get_person(&server.client(Some(LIMIT))).await, LIMIT);
        // A 503 is retried; an answer too large to read is not, whatever its status.
        assert_eq!(server.requests(), 1);
    }
}

#[tokio::test]
async fn a_problem_document_under_the_limit_still_reads_as_the_api_error() {
    let problem = problem_json(404, 100);
    let server = Server::start(Answer::Chunked {
        status: "404 Not Found",
        body: problem.clone(),
    })
    .await;

    let err = get_person(&server.client(Some(problem.len())))
        .await
        .unwrap_err();

    assert!(err.is_not_found(), "{err:?}");
}

#[test]
fn a_zero_limit_is_refused_naming_the_field() {
    let err = Client::builder()
        .api_key("k")
        .max_response_bytes(0)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if *field == "max_response_bytes"),
        "{err:?}"
    );
}

/// The process's peak resident set size, in bytes (Linux).
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// Memory stays bounded with the default limit against a server streaming without end (before
/// the cap, one such call grew a process to 5.99 GB). `cargo test -p synctera --test
/// response_size -- --ignored --nocapture` prints the figure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures this process's peak RSS: run alone"]
async fn peak_rss_stays_bounded_against_an_endless_body() {
    let server = Server::start(Answer::EndlessChunks { status: "200 OK" }).await;
    let client = server.client(None);
    let before = peak_rss();

    for _ in 0..5 {
        assert_too_large(
            get_person(&client).await,
            synctera::DEFAULT_MAX_RESPONSE_BYTES,
        );
    }

    let after = peak_rss();
    let grown = after.saturating_sub(before);
    println!(
        "peak RSS {:.1} MiB before, {:.1} MiB after 5 endless-body calls (grew {:.1} MiB; \
         limit {} MiB); server wrote {:.1} MiB",
        before as f64 / (1 << 20) as f64,
        after as f64 / (1 << 20) as f64,
        grown as f64 / (1 << 20) as f64,
        synctera::DEFAULT_MAX_RESPONSE_BYTES >> 20,
        server.body_bytes_written() as f64 / (1 << 20) as f64,
    );
    assert!(
        grown < 8 * synctera::DEFAULT_MAX_RESPONSE_BYTES,
        "peak RSS grew {grown} bytes"
    );
}
