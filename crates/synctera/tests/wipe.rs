//! `client.sandbox().wipe()` against the in-process sandbox (loopback only): the tenant between
//! test runs is empty, other tenants keep their data, and a production client never sends it.

use synctera::{ApiErrorCode, Client, Error, NewPerson};
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
