//! Slow and greedy clients: connections that trickle a request head a byte at a time, sit idle
//! on keep-alive, or hold every connection slot must not starve ordinary clients, and are
//! closed by the sandbox's timeouts. All traffic is loopback; every loop has its own deadline.
//! Run with `--nocapture` to see the figures.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Trickling connections opened at once: a few hundred, far below the test's descriptor limit
/// (each costs one descriptor here and one in the sandbox).
const TRICKLERS: usize = 300;
const HEADER_READ: Duration = Duration::from_secs(2);
/// The liveness bound: a trickling connection still open this long after it connected counts
/// as never closed.
const CLOSE_BOUND: Duration = Duration::from_secs(8);

/// A request head long enough that sending it a byte every 100 ms takes well over
/// [`HEADER_READ`].
fn slow_head() -> Vec<u8> {
    let mut head = format!(
        "GET /v0/persons HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\nX-Pad: "
    )
    .into_bytes();
    head.extend(std::iter::repeat_n(b'a', 200));
    head.extend_from_slice(b"\r\n\r\n");
    head
}

/// What became of one trickling connection.
enum Trickle {
    /// The sandbox closed it this long after it connected.
    Closed(Duration),
    /// Still open at [`CLOSE_BOUND`] (the test then fails), or the whole head went through.
    NotClosed,
}

/// Connects, reports that it is connected, then sends `head` a byte every 100 ms until the
/// sandbox closes the connection (a read returns end of file or an error) or the bound passes.
async fn trickle(
    addr: std::net::SocketAddr,
    head: Arc<Vec<u8>>,
    open: Arc<AtomicUsize>,
) -> Trickle {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return Trickle::NotClosed;
    };
    let start = Instant::now();
    open.fetch_add(1, Ordering::SeqCst);
    let mut sent = 0;
    let mut buf = [0u8; 512];
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let outcome = loop {
        if start.elapsed() > CLOSE_BOUND || sent == head.len() {
            break Trickle::NotClosed;
        }
        tokio::select! {
            r = stream.read(&mut buf) => match r {
                // hyper may answer 408 before closing: keep reading until the end.
                Ok(n) if n > 0 => continue,
                _ => break Trickle::Closed(start.elapsed()),
            },
            _ = tick.tick() => {
                if stream.write_all(&head[sent..sent + 1]).await.is_err() {
                    break Trickle::Closed(start.elapsed());
                }
                sent += 1;
            }
        }
    };
    open.fetch_sub(1, Ordering::SeqCst);
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickling_heads_are_closed_while_ordinary_clients_are_served() {
    let api = Api::with(
        SandboxConfig::default()
            .header_read_timeout(HEADER_READ)
            .max_connections(TRICKLERS + 64),
    )
    .await;
    let addr = api.sb.local_addr();
    let head = Arc::new(slow_head());
    let open = Arc::new(AtomicUsize::new(0));
    let tricklers: Vec<_> = (0..TRICKLERS)
        .map(|_| tokio::spawn(trickle(addr, head.clone(), open.clone())))
        .collect();
    // Every trickler connected before ordinary traffic starts.
    let connect_deadline = Instant::now() + CLOSE_BOUND;
    while open.load(Ordering::SeqCst) < TRICKLERS && Instant::now() < connect_deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let held = open.load(Ordering::SeqCst);
    assert_eq!(held, TRICKLERS, "not every trickling connection was opened");

    // Ordinary clients: create a person, read it back, while the tricklers trickle.
    let started = Instant::now();
    let (mut answered, mut answered_while_trickling) = (0, 0);
    for i in 0..25 {
        let first = format!("Slow{i}");
        let id = api.create_active(&first, "Loris").await.id();
        let got = api.get(&format!("/persons/{id}")).await;
        assert_eq!(got.expect(200)["first_name"], first.as_str());
        answered += 2;
        if open.load(Ordering::SeqCst) > 0 {
            answered_while_trickling += 2;
        }
    }
    let good_elapsed = started.elapsed();

    let mut slowest = Duration::ZERO;
    let mut not_closed = 0;
    for t in tricklers {
        match t.await.expect("trickler ran") {
            Trickle::Closed(after) => slowest = slowest.max(after),
            Trickle::NotClosed => not_closed += 1,
        }
    }
    println!(
        "slowloris: {held} trickling connections held; {answered} ordinary requests answered \
         correctly in {good_elapsed:.2?} ({answered_while_trickling} while trickling connections \
         were open); every trickling connection closed within {slowest:.2?} of connecting \
         (header-read timeout {HEADER_READ:?})"
    );
    assert_eq!(
        not_closed, 0,
        "trickling connections left open past {CLOSE_BOUND:?}"
    );
    assert!(
        answered_while_trickling > 0,
        "no ordinary request was answered while the trickling connections were open"
    );
    api.sb.shutdown().await;
}

/// Sends one GET on `stream` and reads its answer; returns the status line.
async fn get_once(stream: &mut TcpStream) -> String {
    let req = format!(
        "GET /v0/persons?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n\r\n"
    );
    stream
        .write_all(req.as_bytes())
        .await
        .expect("request sent");
    read_answer(stream).await
}

/// Reads one answer with a `Content-Length` body; returns its status line.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_string();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .expect("content-length");
            while got.len() < end + 4 + len {
                let n = stream.read(&mut buf).await.expect("body read");
                assert!(n > 0, "closed mid-body");
                got.extend_from_slice(&buf[..n]);
            }
            return head.lines().next().unwrap_or_default().to_string();
        }
        let n = stream.read(&mut buf).await.expect("head read");
        assert!(n > 0, "closed before an answer");
        got.extend_from_slice(&buf[..n]);
    }
}

/// Waits until the sandbox closes `stream`, at most `bound`; returns how long that took.
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout_at((start + bound).into(), stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(n)) if n > 0 => continue,
            Ok(_) => return Some(start.elapsed()),
        }
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let timeout = Duration::from_secs(1);
    let sb = Sandbox::start_with(SandboxConfig::default().header_read_timeout(timeout))
        .await
        .unwrap();
    let mut stream = TcpStream::connect(sb.local_addr()).await.unwrap();
    // Two requests on one connection: it is kept alive between answers.
    assert!(get_once(&mut stream).await.starts_with("HTTP/1.1 200"));
    assert!(get_once(&mut stream).await.starts_with("HTTP/1.1 200"));
    let after = closed_within(&mut stream, 4 * timeout)
        .await
        .expect("idle keep-alive connection still open after 4x the timeout");
    println!("idle keep-alive: closed {after:.2?} after the last answer (timeout {timeout:?})");
    sb.shutdown().await;
}

#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    const CAP: usize = 4;
    // A long header-read timeout: the slots stay taken until this test lets them go.
    let sb = Sandbox::start_with(
        SandboxConfig::default()
            .max_connections(CAP)
            .header_read_timeout(Duration::from_secs(60)),
    )
    .await
    .unwrap();
    let addr = sb.local_addr();
    let mut holders = Vec::new();
    for _ in 0..CAP {
        holders.push(TcpStream::connect(addr).await.unwrap());
    }
    // One past the cap: the kernel completes the handshake, the sandbox does not serve it.
    let mut extra = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET /v0/persons?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n\r\n"
    );
    extra.write_all(req.as_bytes()).await.unwrap();
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), extra.read(&mut byte)).await;
    assert!(early.is_err(), "a connection past the cap was served");
    // A holder goes away: its slot goes to the waiting connection, which is answered.
    drop(holders.pop());
    let status = tokio::time::timeout(Duration::from_secs(10), read_answer(&mut extra))
        .await
        .expect("the waiting connection was not served once a slot was free");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    println!("connection cap {CAP}: a connection past it waited, then was served: {status}");
    drop(holders);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_request_past_the_request_timeout_is_answered_504() {
    let api = Api::with(SandboxConfig::default().request_timeout(Duration::from_millis(300))).await;
    let mut hold = api.sb.faults().hold_next();
    let create = api.post(
        "/persons",
        serde_json::json!({"status": "ACTIVE", "is_customer": true, "first_name": "Late"}),
    );
    let (resp, ()) = tokio::join!(create, hold.reached());
    let detail = resp.problem(504, "GATEWAY_TIMEOUT");
    assert!(detail.contains("timeout"), "{detail}");
    drop(hold);
    // The sandbox serves on: the next request is answered as usual.
    api.create_active("On", "Time").await;
}

/// Opens a connection with a small receive buffer, sends `requests` pipelined list requests at
/// once and never reads: the answers (tens of megabytes) fill the buffers and the sandbox's
/// writes stall.
async fn non_reader(addr: std::net::SocketAddr, requests: usize) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let req = format!(
        "GET /v0/persons?limit=100 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n\r\n"
    );
    stream
        .write_all(req.repeat(requests).as_bytes())
        .await
        .expect("pipelined requests sent");
    stream
}

#[tokio::test]
async fn clients_that_never_read_their_answers_do_not_hold_the_slots() {
    const CAP: usize = 2;
    let stall = Duration::from_secs(1);
    let api = Api::with(
        SandboxConfig::default()
            .max_connections(CAP)
            .header_read_timeout(stall)
            .request_timeout(stall),
    )
    .await;
    for i in 0..100 {
        api.create_active(&format!("Unread{i}"), "Answer")
            .await
            .expect(201);
    }
    let addr = api.sb.local_addr();
    // Every slot held by a client whose answers pile up unread (100 answers of ~60 KiB each).
    let mut stalled = Vec::new();
    for _ in 0..CAP {
        stalled.push(non_reader(addr, 100).await);
    }
    // An ordinary client is served once the sandbox gives up on a stalled write.
    let mut ordinary = TcpStream::connect(addr).await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), get_once(&mut ordinary))
        .await
        .expect("clients that never read their answers held every connection slot");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    // And the stalled connections are closed: reading drains what was sent, then ends.
    for mut s in stalled {
        let mut buf = vec![0u8; 64 << 10];
        let closed = tokio::time::timeout(Duration::from_secs(20), async {
            while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
        })
        .await;
        assert!(closed.is_ok(), "a stalled connection was left open");
    }
    api.sb.shutdown().await;
}
