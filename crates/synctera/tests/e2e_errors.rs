//! Failures against the in-process sandbox (loopback only): typed API errors, local validation
//! that sends nothing, a caller's idempotency key replaying its first result, and throttling,
//! unavailability and dropped connections as typed, retryable errors.

use synctera::retry::RetryPolicy;
use synctera::{
    ApiErrorCode, Error, NewPerson, PersonId, PersonStatus, PersonUpdate, VerifyRequest,
};
use synctera_sandbox::Fault;

use common::{API_KEY, setup};

mod common;

#[tokio::test]
async fn api_errors_are_typed() {
    let (sandbox, client) = setup().await;
    let missing = PersonId::from(uuid::Uuid::new_v4());
    let err = client.persons().get(missing).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.status(), Some(404));
    assert!(!err.is_retryable());
    assert!(
        err.to_string().starts_with("Synctera answered 404"),
        "{err}"
    );

    let err = client.customers().get(missing).await.unwrap_err();
    assert!(err.is_not_found());

    // Activating a prospect without names: the server checks the stored record.
    let p = client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    let err = client
        .persons()
        .update(p.id, PersonUpdate::new().status(PersonStatus::Active))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(err.code(), Some(&ApiErrorCode::BadRequestBody));
    let text = err.to_string();
    assert!(
        text.contains("first_name") || text.contains("last_name"),
        "{text}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn local_validation_sends_nothing() {
    let (sandbox, client) = setup().await;
    // Claimed by the first request that reaches the server.
    sandbox.faults().push(Fault::Unavailable);
    let err = client
        .persons()
        .create(NewPerson::prospect().ssn("123456789"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if *field == "ssn"));
    let err = client
        .verifications()
        .verify(VerifyRequest::person(uuid::Uuid::new_v4()))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if *field == "customer_consent"));
    let long_name = "Maximilian".repeat(11);
    let err = client
        .persons()
        .create(NewPerson::active(&long_name, "Baker"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if *field == "first_name"));
    assert!(!err.to_string().contains(&long_name));
    assert_eq!(sandbox.person_count(API_KEY), 0);
    // Nothing above reached the server: the fault is still waiting for the first request that
    // does.
    let first_sent = client
        .persons()
        .get(uuid::Uuid::new_v4())
        .retry_policy(RetryPolicy::no_retries())
        .await
        .unwrap_err();
    assert_eq!(first_sent.status(), Some(503), "{first_sent:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_caller_supplied_idempotency_key_replays_the_first_result() {
    let (sandbox, client) = setup().await;
    let key: synctera::retry::IdempotencyKey = "signup-42".parse().unwrap();
    let first = client
        .persons()
        .create(NewPerson::prospect().email("a@example.com"))
        .idempotency_key(key.clone())
        .await
        .unwrap();
    let second = client
        .persons()
        .create(NewPerson::prospect().email("a@example.com"))
        .idempotency_key(key.clone())
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(sandbox.person_count(API_KEY), 1);

    // The same key with a different request is a misuse the server reports.
    let err = client
        .persons()
        .create(NewPerson::prospect().email("b@example.com"))
        .idempotency_key(key)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&ApiErrorCode::IdempotencyInvalidReuse),
        "{err}"
    );

    // Without a caller key every call is a new logical request.
    client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    assert_eq!(sandbox.person_count(API_KEY), 3);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn throttling_unavailability_and_dropped_connections_map_to_typed_errors() {
    let (sandbox, client) = setup().await;
    let once = synctera::RetryPolicy::no_retries;
    let person = client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();

    sandbox
        .faults()
        .push(synctera_sandbox::Fault::TooManyRequests {
            retry_after_secs: 7,
        });
    let err = client
        .persons()
        .get(person.id)
        .retry_policy(once())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429), "{err}");
    assert_eq!(err.code(), Some(&ApiErrorCode::TooManyRequests));
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
    assert!(err.is_retryable());

    sandbox.faults().push(synctera_sandbox::Fault::Unavailable);
    let err = client
        .customers()
        .get(person.id)
        .retry_policy(once())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(err.is_retryable());

    sandbox
        .faults()
        .push(synctera_sandbox::Fault::DropAfterCommit);
    let err = client
        .persons()
        .create(NewPerson::prospect())
        .retry_policy(once())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());

    // With the default policy the same failure is retried with the same key: one new record.
    let before = sandbox.person_count(API_KEY);
    sandbox
        .faults()
        .push(synctera_sandbox::Fault::DropAfterCommit);
    client
        .persons()
        .create(NewPerson::prospect())
        .await
        .unwrap();
    assert_eq!(sandbox.person_count(API_KEY), before + 1);
    sandbox.shutdown().await;
}
