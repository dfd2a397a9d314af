//! The bearer key travels with every request: plain `http://` is accepted only to this machine,
//! where a local sandbox runs. Every decision here is made by `build()`, before a connection
//! could exist; nothing in this file connects anywhere.

use synctera::{Client, Error};

const KEY: &str = "sk_plain_http_test_key";

fn build(url: &str) -> Result<Client, Error> {
    Client::builder().api_key(KEY).base_url(url).build()
}

fn assert_refused(url: &str, result: Result<Client, Error>) {
    let err = result.expect_err(url);
    assert!(
        matches!(&err, Error::Validation { field, .. } if *field == "base_url"),
        "{url}: {err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("loopback"), "says why: {shown}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(!err.is_retryable());
}

#[test]
fn plain_http_to_each_form_of_loopback_is_accepted() {
    for url in [
        "http://127.0.0.1:8080/v0",
        "http://127.1.2.3:8080/v0",
        "http://127.255.255.254/v0",
        "http://[::1]:8080/v0",
        "http://localhost:8080/v0",
        "http://LOCALHOST:8080/v0",
        "http://localhost/v0",
    ] {
        let client = build(url).unwrap_or_else(|e| panic!("{url}: {e:?}"));
        assert_eq!(client.environment(), None, "{url}");
    }
}

#[test]
fn plain_http_to_any_other_host_is_refused_naming_the_field() {
    for url in [
        "http://api.example.com/v0",
        "http://api-sandbox.synctera.com/v0",
        "http://10.0.0.5:8080/v0",
        "http://192.168.1.20/v0",
        "http://0.0.0.0:8080/v0",
        "http://128.0.0.1/v0",
        "http://[2001:db8::1]/v0",
        // Reaches loopback only through a mapping or a resolver's goodwill: not taken on trust.
        "http://[::ffff:127.0.0.1]/v0",
        "http://localhost.example.com/v0",
        "http://localhost./v0",
        "http://127.0.0.1.example.com/v0",
    ] {
        assert_refused(url, build(url));
    }
}

#[test]
fn the_opt_in_accepts_plain_http_to_another_host() {
    let url = "http://test-proxy.internal:3128/v0";
    assert_refused(url, build(url));
    let client = Client::builder()
        .api_key(KEY)
        .base_url(url)
        .danger_allow_plain_http_to_non_loopback()
        .build()
        .expect("opted in");
    assert_eq!(client.base_url(), url);
}

#[test]
fn https_to_any_host_is_unaffected() {
    for url in [
        "https://api.example.com/v0",
        "https://10.0.0.5:8443/v0",
        "https://127.0.0.1:8443/v0",
        "https://localhost/v0",
    ] {
        build(url).unwrap_or_else(|e| panic!("{url}: {e:?}"));
    }
    for env in [
        synctera::Environment::Sandbox,
        synctera::Environment::Production,
    ] {
        let client = Client::builder()
            .api_key(KEY)
            .environment(env)
            .build()
            .unwrap();
        assert_eq!(client.environment(), Some(env));
    }
}

/// A refused configuration produces no client, so no request can be made with it; a loopback
/// listener the refused URL would otherwise reach (through an IPv4-mapped address) stays
/// untouched.
#[tokio::test]
async fn nothing_is_sent_when_plain_http_is_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("http://[::ffff:127.0.0.1]:{port}/v0");

    assert_refused(&url, build(&url));

    let accepted = tokio::time::timeout(std::time::Duration::ZERO, listener.accept()).await;
    assert!(accepted.is_err(), "no connection was made");
}
