//! Fault injection: queued per request through the handle, or seeded at a rate.
mod common;

use common::*;
use serde_json::json;

fn person() -> serde_json::Value {
    json!({"status": "PROSPECT", "is_customer": true})
}

#[tokio::test]
async fn unavailable_and_rate_limited_happen_before_the_work() {
    let api = Api::new().await;
    api.sb.faults().push(Fault::Unavailable);
    api.sb.faults().push(Fault::TooManyRequests {
        retry_after_secs: 7,
    });
    let r = api.post("/persons", person()).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.content_type, "application/problem+json");
    let r = api.post("/persons", person()).await;
    r.problem(429, "TOO_MANY_REQUESTS");
    assert_eq!(r.headers["retry-after"], "7");
    assert_eq!(api.sb.person_count(KEY), 0);
    // The queue is drained: the next request goes through.
    api.post("/persons", person()).await.expect(201);
    assert_eq!(api.sb.person_count(KEY), 1);
}

#[tokio::test]
async fn drop_after_commit_does_the_work_and_closes_the_connection() {
    let api = Api::new().await;
    let url = format!("{}/persons", api.sb.base_url());
    api.sb.faults().push(Fault::DropAfterCommit);
    let err = api
        .http
        .post(&url)
        .bearer_auth(KEY)
        .header("idempotency-key", "retry-me")
        .json(&person())
        .send()
        .await
        .expect_err("connection dropped without a response");
    assert!(!err.is_status());
    assert_eq!(api.sb.person_count(KEY), 1, "the work was committed");
    // A retry with the same key gets the stored answer, not a second record.
    let r = api.post_idem("/persons", person(), "retry-me").await;
    r.expect(201);
    assert_eq!(api.sb.person_count(KEY), 1);
    // A retry without a key creates a duplicate: the reason clients must send keys.
    api.sb.faults().push(Fault::DropAfterCommit);
    assert!(
        api.http
            .post(&url)
            .bearer_auth(KEY)
            .json(&person())
            .send()
            .await
            .is_err()
    );
    api.post("/persons", person()).await.expect(201);
    assert_eq!(api.sb.person_count(KEY), 3);
}

async fn outcomes(seed: u64, rate: f64) -> Vec<String> {
    let api = Api::with(SandboxConfig::default().fault_rate(rate).fault_seed(seed)).await;
    let mut out = Vec::new();
    for _ in 0..40 {
        let r = api
            .http
            .get(format!("{}/persons?limit=1", api.sb.base_url()))
            .bearer_auth(KEY)
            .send()
            .await;
        out.push(match r {
            Ok(r) => r.status().as_u16().to_string(),
            Err(_) => "dropped".to_string(),
        });
    }
    out
}

#[tokio::test]
async fn seeded_rate_is_reproducible_and_mixes_all_kinds() {
    let a = outcomes(42, 0.5).await;
    let b = outcomes(42, 0.5).await;
    assert_eq!(a, b, "same seed, same schedule");
    let c = outcomes(7, 0.5).await;
    assert_ne!(a, c, "another seed, another schedule");
    let all = outcomes(1, 1.0).await;
    assert!(all.iter().all(|o| o != "200"));
    for kind in ["503", "429", "dropped"] {
        assert!(
            all.iter().any(|o| o == kind),
            "{kind} never injected: {all:?}"
        );
    }
    assert!(outcomes(1, 0.0).await.iter().all(|o| o == "200"));
}
