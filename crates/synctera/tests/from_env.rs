//! `Client::from_env` applies the builder's rules to `SYNCTERA_BASE_URL`. Its own test binary
//! with one test: it sets process environment variables, which no other thread may read
//! meanwhile.

use synctera::{Client, Error};

#[test]
fn synctera_base_url_follows_the_plain_http_rule() {
    // SAFETY: the only test of this binary, so no other thread reads the environment.
    unsafe { std::env::set_var("SYNCTERA_API_KEY", "sk_from_env_test") };

    unsafe { std::env::set_var("SYNCTERA_BASE_URL", "http://api.example.com/v0") };
    let err = Client::from_env().unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if *field == "base_url"),
        "{err:?}"
    );

    unsafe { std::env::set_var("SYNCTERA_BASE_URL", "http://127.0.0.1:4010/v0") };
    assert_eq!(
        Client::from_env().unwrap().base_url(),
        "http://127.0.0.1:4010/v0"
    );

    unsafe { std::env::set_var("SYNCTERA_BASE_URL", "https://api.example.com/v0") };
    assert_eq!(
        Client::from_env().unwrap().base_url(),
        "https://api.example.com/v0"
    );
}
