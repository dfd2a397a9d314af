//! A webhook receiver on loopback for tests: records every delivery (headers and raw body) and
//! answers as its script says.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::Notify;

/// How the receiver answers a delivery.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    Status(u16),
    /// Never answers (the sandbox gives up after its 5-second limit).
    Hang,
    /// Answers this status after holding the attempt in flight this long.
    After(Duration, u16),
}

/// One delivery as received.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub timestamp: Option<String>,
    pub signature: Option<String>,
    pub raw: Vec<u8>,
    pub body: Value,
    pub at: Instant,
}

impl Delivery {
    pub fn event_type(&self) -> &str {
        self.body["type"].as_str().unwrap_or_default()
    }
    pub fn id(&self) -> &str {
        self.body["id"].as_str().unwrap_or_default()
    }
    /// Whether any signature in the header is the HMAC-SHA256 of `{timestamp}.{body}` keyed
    /// with `secret`, checked from the description in the spec alone.
    pub fn signed_by(&self, secret: &str) -> bool {
        let (Some(ts), Some(sig)) = (&self.timestamp, &self.signature) else {
            return false;
        };
        sig.split('.').any(|one| {
            let Ok(bytes) = hex::decode(one) else {
                return false;
            };
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(ts.as_bytes());
            mac.update(b".");
            mac.update(&self.raw);
            mac.verify_slice(&bytes).is_ok()
        })
    }
    pub fn signature_count(&self) -> usize {
        self.signature
            .as_deref()
            .map_or(0, |s| s.split('.').count())
    }
}

#[derive(Default)]
struct State {
    received: Vec<Delivery>,
    script: VecDeque<Answer>,
    /// The answer once the script is used up.
    then: Option<Answer>,
}

/// A receiver listening on `127.0.0.1`.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
}

impl Receiver {
    /// A receiver answering 200 to everything.
    pub async fn start() -> Receiver {
        Receiver::scripted(&[], Answer::Status(200)).await
    }

    /// A receiver answering `script` in order, then `then` forever.
    pub async fn scripted(script: &[Answer], then: Answer) -> Receiver {
        let state = Arc::new(Mutex::new(State {
            received: Vec::new(),
            script: script.iter().copied().collect(),
            then: Some(then),
        }));
        let arrived = Arc::new(Notify::new());
        let (s, a) = (state.clone(), arrived.clone());
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let (state, arrived) = (s.clone(), a.clone());
            async move {
                let header = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(String::from)
                };
                let answer = {
                    let mut st = state.lock().unwrap();
                    st.received.push(Delivery {
                        timestamp: header("request-timestamp"),
                        signature: header("synctera-signature"),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        raw: body.to_vec(),
                        at: Instant::now(),
                    });
                    let then = st.then.unwrap_or(Answer::Status(200));
                    st.script.pop_front().unwrap_or(then)
                };
                arrived.notify_waiters();
                match answer {
                    Answer::Status(code) => (StatusCode::from_u16(code).unwrap(), "ok"),
                    Answer::Hang => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        (StatusCode::OK, "late")
                    }
                    Answer::After(hold, code) => {
                        tokio::time::sleep(hold).await;
                        (StatusCode::from_u16(code).unwrap(), "ok")
                    }
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            state,
            arrived,
        }
    }

    /// Changes how the next deliveries are answered.
    pub fn answer(&self, then: Answer) {
        let mut st = self.state.lock().unwrap();
        st.script.clear();
        st.then = Some(then);
    }

    pub fn received(&self) -> Vec<Delivery> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits until `n` deliveries arrived (or 20 seconds passed, a bound that only a broken
    /// sandbox reaches) and returns every delivery received.
    pub async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let notified = self.arrived.notified();
            let got = self.received();
            if got.len() >= n || Instant::now() >= deadline {
                return got;
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), notified).await;
        }
    }
}
