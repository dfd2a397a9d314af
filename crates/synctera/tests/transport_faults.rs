//! Retries against a sandbox that fails the way real networks do: 503s, 429s with `Retry-After`,
//! and connections dropped after the server committed the work. Loopback only.

use std::collections::HashSet;
use std::time::Duration;

use futures::TryStreamExt;
use synctera::retry::{
    CallInfo, DefaultClassifier, IdempotencyKey, RetryClassifier, RetryDecision, RetryPolicy,
};
use synctera::{Client, Error, NewPerson, PersonId};
use synctera_sandbox::{Fault, Sandbox, SandboxConfig};

const KEY: &str = "transport-faults-key";

fn client(sandbox: &Sandbox, policy: RetryPolicy) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(sandbox.base_url())
        .retry_policy(policy)
        .build()
        .unwrap()
}

fn prospect(n: usize) -> NewPerson {
    NewPerson::prospect().email(format!("fault.test.{n}@example.com"))
}

fn is_status(error: &Error, expected: u16) -> bool {
    error.status() == Some(expected)
}

/// The headline guarantee: with one request in five failing (before or after the server did
/// the work), 500 concurrent creates all succeed for the caller and leave exactly 500 records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_creates_through_a_faulty_sandbox_make_exactly_500_persons() {
    let sandbox = Sandbox::start_with(
        SandboxConfig::default()
            .fault_rate(0.2)
            .fault_seed(20_240_611),
    )
    .await
    .unwrap();
    // At a 20% fault rate, three attempts would leave a few of 500 calls failing (0.2³ each);
    // eleven make that a one-in-millions event while still exercising every fault kind.
    let policy = RetryPolicy::default()
        .max_retries(10)
        .base_delay(Duration::from_millis(20))
        .max_delay(Duration::from_secs(1))
        .total_deadline(Duration::from_secs(120));
    let client = client(&sandbox, policy);

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..500 {
        let client = client.clone();
        tasks.spawn(async move { (n, client.persons().create(prospect(n)).await) });
    }
    let mut created: HashSet<PersonId> = HashSet::new();
    while let Some(joined) = tasks.join_next().await {
        let (n, result) = joined.unwrap();
        let person = result.unwrap_or_else(|e| panic!("create {n} failed for the caller: {e}"));
        assert_eq!(
            person.email.as_ref().map(|e| e.expose().to_owned()),
            Some(format!("fault.test.{n}@example.com")),
            "create {n} got someone else's record"
        );
        assert!(created.insert(person.id), "two creates returned one id");
    }
    assert_eq!(created.len(), 500);
    assert_eq!(
        sandbox.person_count(KEY),
        500,
        "no duplicates on the server"
    );

    // Listing through the same faulty sandbox: page requests fail too, and are retried.
    let listed: Vec<PersonId> = client
        .persons()
        .list()
        .limit(37)
        .stream()
        .map_ok(|p| p.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 500, "every row exactly once");
    assert_eq!(listed.into_iter().collect::<HashSet<_>>(), created);

    // The same records through the customers view, page by page.
    let pages: Vec<synctera::Page<synctera::Customer>> = client
        .customers()
        .list()
        .limit(100)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, vec![100; 5]);
    assert!(pages[..4].iter().all(|p| p.has_next()) && !pages[4].has_next());
    let customers: HashSet<PersonId> = pages
        .into_iter()
        .flat_map(|p| p.items)
        .map(|c| PersonId::from(c.id))
        .collect();
    assert_eq!(customers, created);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_connection_dropped_after_commit_is_retried_without_a_duplicate() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client(&sandbox, RetryPolicy::default());

    sandbox.faults().push(Fault::DropAfterCommit);
    let person = client.persons().create(prospect(1)).await.unwrap();
    assert_eq!(
        sandbox.person_count(KEY),
        1,
        "the retry replayed, not re-created"
    );
    assert_eq!(client.persons().get(person.id).await.unwrap().id, person.id);
    sandbox.shutdown().await;
}

/// Without retries the caller sees the dropped connection although the server committed; the
/// caller's own retry with the same key then gets the committed record instead of a second one.
#[tokio::test]
async fn a_caller_supplied_key_makes_a_caller_level_retry_safe() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client(&sandbox, RetryPolicy::default());
    let key: IdempotencyKey = "signup-form-8812".parse().unwrap();

    sandbox.faults().push(Fault::DropAfterCommit);
    let error = client
        .persons()
        .create(prospect(2))
        .idempotency_key(key.clone())
        .retry_policy(RetryPolicy::no_retries())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Transport(_)),
        "the caller saw the drop: {error:?}"
    );
    assert_eq!(sandbox.person_count(KEY), 1, "yet the server committed");

    let person = client
        .persons()
        .create(prospect(2))
        .idempotency_key(key.clone())
        .retry_policy(RetryPolicy::no_retries())
        .await
        .unwrap();
    assert_eq!(sandbox.person_count(KEY), 1, "same key: no second record");
    let listed: Vec<PersonId> = client
        .persons()
        .list()
        .stream()
        .map_ok(|p| p.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, vec![person.id]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_get_is_retried() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client(&sandbox, RetryPolicy::default());
    let person = client.persons().create(prospect(4)).await.unwrap();

    sandbox.faults().push(Fault::Unavailable);
    sandbox.faults().push(Fault::DropAfterCommit);
    assert_eq!(client.persons().get(person.id).await.unwrap(), person);
    assert_eq!(
        client.customers().get(person.id).await.unwrap().id,
        person.id
    );

    // The same 503 without retries reaches the caller: the success above was the retry's doing.
    sandbox.faults().push(Fault::Unavailable);
    let error = client
        .persons()
        .get(person.id)
        .retry_policy(RetryPolicy::no_retries())
        .await
        .unwrap_err();
    assert!(is_status(&error, 503), "{error:?}");
    sandbox.shutdown().await;
}

/// Per-call options reach the disclosure and verification reads too: the same queued 503 is
/// returned with retries off and retried past (to the real 404 of an unknown id) with the
/// client's default policy.
#[tokio::test]
async fn disclosure_and_verification_reads_take_per_call_options() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client(&sandbox, RetryPolicy::default());
    let once = RetryPolicy::no_retries;
    let disclosure = synctera::DisclosureId::from(uuid::Uuid::new_v4());
    let verification = synctera::VerificationId::from(uuid::Uuid::new_v4());

    sandbox.faults().push(Fault::Unavailable);
    let error = client
        .disclosures()
        .get(disclosure)
        .retry_policy(once())
        .await
        .unwrap_err();
    assert!(is_status(&error, 503), "{error:?}");
    sandbox.faults().push(Fault::Unavailable);
    let error = client.disclosures().get(disclosure).await.unwrap_err();
    assert!(error.is_not_found(), "retried past the 503: {error:?}");

    sandbox.faults().push(Fault::Unavailable);
    let error = client
        .verifications()
        .get(verification)
        .retry_policy(once())
        .await
        .unwrap_err();
    assert!(is_status(&error, 503), "{error:?}");
    sandbox.faults().push(Fault::Unavailable);
    let error = client.verifications().get(verification).await.unwrap_err();
    assert!(error.is_not_found(), "retried past the 503: {error:?}");
    sandbox.shutdown().await;
}

/// What this does NOT show: an unkeyed POST sent end to end (the facade keys every POST, so one
/// only exists for users of the raw client or of their own transport). What it shows: on the
/// real errors a POST gets from the sandbox (a 503, a connection dropped after commit), the
/// default classifier refuses a replay without a key and allows it with one.
#[tokio::test]
async fn the_default_classifier_replays_real_post_failures_only_with_a_key() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client(&sandbox, RetryPolicy::no_retries());
    let once = RetryPolicy::no_retries;

    sandbox.faults().push(Fault::Unavailable);
    let unavailable = client
        .persons()
        .create(prospect(5))
        .retry_policy(once())
        .await
        .unwrap_err();
    sandbox.faults().push(Fault::DropAfterCommit);
    let dropped = client
        .persons()
        .create(prospect(6))
        .retry_policy(once())
        .await
        .unwrap_err();
    assert!(is_status(&unavailable, 503), "{unavailable:?}");
    assert!(matches!(dropped, Error::Transport(_)), "{dropped:?}");

    let unkeyed = CallInfo::new("createPerson", http::Method::POST);
    let keyed = unkeyed
        .clone()
        .with_idempotency_key(IdempotencyKey::new_v4());
    for error in [&unavailable, &dropped] {
        assert_eq!(
            DefaultClassifier.classify(&unkeyed, error, 1),
            RetryDecision::DoNotRetry
        );
        assert!(matches!(
            DefaultClassifier.classify(&keyed, error, 1),
            RetryDecision::Retry { .. }
        ));
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn max_retries_zero_makes_exactly_one_attempt() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client(&sandbox, RetryPolicy::default().max_retries(0));
    sandbox.faults().push(Fault::Unavailable);
    sandbox.faults().push(Fault::Unavailable);

    let first = client.persons().create(prospect(7)).await.unwrap_err();
    assert!(is_status(&first, 503), "{first:?}");
    // The second queued fault is still there: the first call sent one request, not two.
    let second = client.persons().create(prospect(7)).await.unwrap_err();
    assert!(is_status(&second, 503), "{second:?}");
    assert_eq!(sandbox.person_count(KEY), 0);

    client.persons().create(prospect(7)).await.unwrap();
    assert_eq!(sandbox.person_count(KEY), 1);
    sandbox.shutdown().await;
}

/// `.timeout()` bounds each attempt of that one call: a create the server holds in flight times
/// out for the caller (no retry: the policy of the call says so), while the client's other calls
/// keep the client's policy. A list builder takes the same options and is awaited for one page.
#[tokio::test]
async fn per_call_options_chain_on_requests_and_list_builders() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client(&sandbox, RetryPolicy::default());
    let hold = sandbox.faults().hold_next();
    let error = client
        .persons()
        .create(prospect(9))
        .retry_policy(RetryPolicy::no_retries())
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout), "{error:?}");
    drop(hold);

    client.persons().create(prospect(10)).await.unwrap();
    let page = client
        .persons()
        .list()
        .limit(1)
        .retry_policy(RetryPolicy::no_retries())
        .timeout(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.has_next(), "two persons exist, one per page");
    sandbox.shutdown().await;
}
