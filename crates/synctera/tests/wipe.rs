//! `client.sandbox().wipe()` against the in-process sandbox (loopback only): the tenant between
//! test runs is empty, other tenants keep their data, and a production client never sends it.

use synctera::{ApiErrorCode, Client, Environment, Error, NewPerson};
use synctera_sandbox::Sandbox;

fn client(sandbox: &Sandbox, key: &str) -> Client {
    Client::builder()
        .api_key(key)
        .base_url(sandbox.base_url())
        .build()
        .unwrap()
}

#[tokio::test]
async fn wipe_empties_the_callers_tenant_only() {
    let sandbox = Sandbox::start().await.unwrap();
    let (suite, neighbour) = (
        client(&sandbox, "suite-key"),
        client(&sandbox, "other-team-key"),
    );
    let gone = suite
        .persons()
        .create(NewPerson::prospect().email("anne.baker@example.com"))
        .await
        .unwrap();
    let kept = neighbour
        .persons()
        .create(NewPerson::prospect().email("bob.stone@example.com"))
        .await
        .unwrap();

    suite.sandbox().wipe().await.unwrap();

    assert!(suite.persons().list().await.unwrap().items.is_empty());
    assert!(suite.customers().list().await.unwrap().items.is_empty());
    match suite.persons().get(gone.id).await {
        Err(Error::Api { code, .. }) => assert_eq!(code, Some(ApiErrorCode::ResourceNotFound)),
        other => panic!("a wiped person must be gone, got {other:?}"),
    }
    let theirs = neighbour.persons().list().await.unwrap().items;
    assert_eq!(
        theirs.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![kept.id]
    );

    // Wiping an empty tenant is fine too, and the tenant is usable afterwards.
    suite.sandbox().wipe().await.unwrap();
    suite
        .persons()
        .create(NewPerson::prospect().email("anne.baker@example.com"))
        .await
        .unwrap();
    assert_eq!(suite.persons().list().await.unwrap().items.len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_production_client_refuses_to_wipe_without_sending() {
    let production = Client::builder()
        .api_key("live-key")
        .environment(Environment::Production)
        .build()
        .unwrap();
    // The refusal happens before the transport: awaiting it touches no network (a sent request
    // would fail with a transport error instead, and the assertion below would say so).
    match production.sandbox().wipe().await {
        Err(err @ Error::Validation { .. }) => {
            let Error::Validation { field, .. } = &err else {
                unreachable!()
            };
            assert_eq!(field.to_string(), "environment");
            assert!(err.to_string().contains("production"), "{err}");
            assert!(!format!("{err:?}").contains("live-key"));
        }
        other => panic!("expected a local validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_production_client_refuses_to_settle_without_sending() {
    let production = Client::builder()
        .api_key("live-key")
        .environment(Environment::Production)
        .build()
        .unwrap();
    let person = synctera::PersonId::from(uuid::Uuid::nil());
    match production
        .sandbox()
        .settle_verification(person, synctera::SettledResult::Accepted)
        .await
    {
        Err(err) => assert_eq!(err.field().unwrap(), "environment", "{err:?}"),
        Ok(_) => panic!("a production client settled"),
    }
}
