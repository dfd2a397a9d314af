//! Errors that come from infrastructure in front of the API (a proxy's HTML error page, a load
//! balancer's empty 429) carry no problem document. Callers still need their status, their
//! `Retry-After` and a retry when it is safe, and must never see the foreign body quoted.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use synctera::Client;
use synctera::retry::RetryPolicy;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PERSON_ID: &str = "3f1c2a9e-5b7d-4e8a-9c61-2d4f8b0a7e13";

/// A loopback HTTP/1.1 server answering each request with the next canned response.
struct Gateway {
    base_url: String,
    answers: Arc<Mutex<VecDeque<String>>>,
    served: Arc<Mutex<usize>>,
}

impl Gateway {
    async fn start(answers: Vec<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
        let served = Arc::new(Mutex::new(0));
        let (queue, count) = (answers.clone(), served.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = queue.lock().unwrap().pop_front().expect("no answer left");
                *count.lock().unwrap() += 1;
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        Self {
            base_url: format!("http://{addr}/v0"),
            answers,
            served,
        }
    }

    fn served(&self) -> usize {
        *self.served.lock().unwrap()
    }

    fn client(&self, policy: RetryPolicy) -> Client {
        Client::builder()
            .api_key("gateway-test-key")
            .base_url(&self.base_url)
            .retry_policy(policy)
            .build()
            .unwrap()
    }
}

fn answer(status: &str, headers: &[&str], body: &str) -> String {
    let mut text = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    text
}

fn html_error(status: &str) -> String {
    answer(
        status,
        &["content-type: text/html"],
        "<html><body>upstream rejected ssn=123-45-6789 for anne.baker@example.com</body></html>",
    )
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

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

#[tokio::test]
async fn a_read_is_retried_through_html_gateway_errors() {
    let gateway = Gateway::start(vec![
        html_error("502 Bad Gateway"),
        html_error("500 Internal Server Error"),
        answer(
            "200 OK",
            &["content-type: application/json"],
            &person_json(),
        ),
    ])
    .await;

    let person = gateway
        .client(quick_retries())
        .persons()
        .get(PERSON_ID.parse::<synctera::ids::PersonId>().unwrap())
        .await
        .expect("the third attempt succeeds");

    assert_eq!(person.id.to_string(), PERSON_ID);
    assert_eq!(gateway.served(), 3);
    assert!(gateway.answers.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_empty_429_keeps_its_status_and_retry_after() {
    let gateway = Gateway::start(vec![answer(
        "429 Too Many Requests",
        &["retry-after: 7"],
        "",
    )])
    .await;

    let err = gateway
        .client(RetryPolicy::default().max_retries(0))
        .persons()
        .get(PERSON_ID.parse::<synctera::ids::PersonId>().unwrap())
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert!(err.is_retryable());
    assert_eq!(gateway.served(), 1);
}

#[tokio::test]
async fn a_gateway_error_page_is_never_quoted() {
    let gateway = Gateway::start(vec![html_error("500 Internal Server Error")]).await;

    let err = gateway
        .client(RetryPolicy::default().max_retries(0))
        .persons()
        .get(PERSON_ID.parse::<synctera::ids::PersonId>().unwrap())
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(500));
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains("123-45-6789"), "{shown}");
        assert!(!shown.contains("anne.baker"), "{shown}");
        assert!(!shown.contains("<html>"), "{shown}");
    }
}

/// A request body can hold a full SSN: a redirect to another host must never carry it there.
/// The client does not follow redirects at all; a 307/308 reaches the caller as an error.
#[tokio::test]
async fn a_redirect_is_returned_not_followed() {
    for status in ["307 Temporary Redirect", "308 Permanent Redirect"] {
        let elsewhere = Gateway::start(vec![answer(
            "201 Created",
            &["content-type: application/json"],
            &person_json(),
        )])
        .await;
        let location = format!("location: {}/persons", elsewhere.base_url);
        let gateway = Gateway::start(vec![answer(status, &[&location], "")]).await;

        let err = gateway
            .client(quick_retries())
            .persons()
            .create(
                synctera::NewPerson::active("Anne", "Baker")
                    .ssn("123-45-6789")
                    .email("anne.baker@example.com"),
            )
            .await
            .unwrap_err();

        assert_eq!(err.status(), Some(status[..3].parse().unwrap()), "{err:?}");
        assert!(!err.is_retryable());
        assert_eq!(gateway.served(), 1, "asked once, not retried");
        assert_eq!(
            elsewhere.served(),
            0,
            "the body never went to the redirect's target"
        );
    }
}

/// `replaceSecret` is a `PUT` that issues a new secret each time: had the lost answer's rotation
/// happened, a second attempt would rotate again and, in a rolling rotation, revoke the secret
/// receivers still use. A full replace (`updateCustomer`, also a `PUT`) is retried.
#[cfg(feature = "webhooks")]
#[tokio::test]
async fn replacing_the_webhook_secret_is_sent_once_while_a_replace_is_retried() {
    let gateway = Gateway::start(vec![html_error("503 Service Unavailable")]).await;
    let err = gateway
        .client(quick_retries())
        .webhook_secrets()
        .replace(true)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(gateway.served(), 1, "sent once, not retried");

    let customer = serde_json::json!({
        "id": PERSON_ID, "status": "ACTIVE", "ban_status": "ALLOWED", "kyc_status": "ACCEPTED",
        "tenant": "t", "creation_time": "2024-01-01T00:00:00Z",
        "last_updated_time": "2024-01-01T00:00:00Z"
    })
    .to_string();
    let gateway = Gateway::start(vec![
        html_error("503 Service Unavailable"),
        answer("200 OK", &["content-type: application/json"], &customer),
    ])
    .await;
    gateway
        .client(quick_retries())
        .customers()
        .replace(
            PERSON_ID.parse::<synctera::CustomerId>().unwrap(),
            synctera::CustomerReplace::active("Anne", "Baker"),
        )
        .await
        .expect("the replace is retried after the 503");
    assert_eq!(gateway.served(), 2);
}
