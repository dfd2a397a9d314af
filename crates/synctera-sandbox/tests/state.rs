//! Durable state in an SQLite database (`SandboxConfig::state`, `Sandbox::start_with_state`).
mod common;

use common::*;
use serde_json::{Value, json};

/// A fresh path in the temp dir, with the database's WAL side file removed along with it.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        TempDb(std::env::temp_dir().join(format!(
            "synctera-sandbox-{name}-{}.db",
            uuid::Uuid::new_v4()
        )))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(self.0.with_extension("db-wal"));
    }
}

async fn durable(db: &TempDb) -> Api {
    Api::with(SandboxConfig::default().state(&db.0)).await
}

#[tokio::test]
async fn records_replays_and_page_tokens_survive_a_restart() {
    let db = TempDb::new("roundtrip");
    let api = durable(&db).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&db.0).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the database holds full SSNs");
    }
    let p = api.create_kyc_ready("123-45-0002").await.id();
    let d = api
        .post("/disclosures", json!({"person_id": p, "type": "E_SIGN", "version": "1.0", "event_type": "ACKNOWLEDGED", "disclosure_date": "2024-02-03T04:05:06Z"}))
        .await
        .id();
    api.post(
        "/verifications/verify",
        json!({"customer_consent": true, "person_id": p}),
    )
    .await
    .expect(201);
    api.patch(&format!("/persons/{p}"), json!({"middle_name": "Q"}))
        .await
        .expect(200);
    api.put(
        &format!("/customers/{p}"),
        json!({"status": "ACTIVE", "first_name": "Anne", "last_name": "Baker", "dob": "2000-01-01", "email": "a@example.com", "phone_number": "+12124567890", "ssn": "123-45-0002", "legal_address": address("1 Main St")}),
    )
    .await
    .expect(200);
    let created = api
        .post_idem(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": false}),
            "retry-me",
        )
        .await;
    created.expect(201);
    api.as_key("second")
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": false}),
        )
        .await
        .expect(201);
    let first_page = api.get("/persons?limit=1&sort_by=last_name:asc").await;
    let token = first_page.body["next_page_token"]
        .as_str()
        .unwrap()
        .to_string();
    let reads = [
        format!("/persons/{p}"),
        format!("/customers/{p}"),
        format!("/disclosures/{d}"),
        "/verifications?include_history=true".to_string(),
        format!("/persons?limit=1&sort_by=last_name:asc&page_token={token}"),
        "/disclosures".to_string(),
    ];
    let mut before = Vec::new();
    for r in &reads {
        before.push(api.get(r).await.raw);
    }
    api.sb.shutdown().await;

    let api = durable(&db).await;
    let mut after = Vec::new();
    for r in &reads {
        after.push(api.get(r).await.raw);
    }
    assert_eq!(before, after);
    assert_eq!(api.sb.person_count(KEY), 2);
    assert_eq!(api.sb.person_count("second"), 1);
    // The retried key replays the stored answer instead of creating a third person.
    let replay = api
        .post_idem(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": false}),
            "retry-me",
        )
        .await;
    assert_eq!(replay.raw, created.raw);
    assert_eq!(api.sb.person_count(KEY), 2);
    // The restored record keeps working: KYC runs again on the stored SSN.
    let v = api
        .post(
            "/verifications/verify",
            json!({"customer_consent": true, "person_id": p}),
        )
        .await;
    assert_eq!(v.expect(201)["verification_status"], "REVIEW");
}

#[tokio::test]
async fn a_wipe_is_durable_and_leaves_other_tenants_alone() {
    let db = TempDb::new("wipe");
    let api = durable(&db).await;
    api.create_active("Ann", "Baker").await.expect(201);
    api.as_key("other")
        .post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": false}),
        )
        .await
        .expect(201);
    let wiped = api.wipe().await;
    assert_eq!(wiped.status, 204);
    api.sb.shutdown().await;
    let api = durable(&db).await;
    assert_eq!(api.sb.person_count(KEY), 0);
    assert_eq!(api.sb.person_count("other"), 1);
    // The wiped tenant takes new records as usual, and they are kept too.
    api.create_active("Cy", "Dale").await.expect(201);
    api.sb.shutdown().await;
    let api = durable(&db).await;
    assert_eq!(api.sb.person_count(KEY), 1);
}

/// Subscriptions are records like the others: a change, a delete and a wipe (which keeps them)
/// are what a restart finds, in creation order.
#[tokio::test]
async fn webhook_subscriptions_survive_a_restart_and_a_deleted_one_stays_deleted() {
    let db = TempDb::new("webhooks");
    let api = durable(&db).await;
    let subscribe = |n: u16| json!({"url": format!("http://127.0.0.1:9/hook-{n}"), "enabled_events": ["PERSON.*"], "is_enabled": false});
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(api.post("/webhooks", subscribe(n)).await.id());
    }
    api.put(&format!("/webhooks/{}", ids[2]), subscribe(30))
        .await
        .expect(200);
    let deleted = api.delete(&format!("/webhooks/{}", ids[1])).await;
    assert_eq!(deleted.status, 200);
    let wiped = api.wipe().await;
    assert_eq!(wiped.status, 204);
    api.sb.shutdown().await;

    let api = durable(&db).await;
    let listed = api.get("/webhooks").await.expect(200)["webhooks"].clone();
    let urls: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        ["http://127.0.0.1:9/hook-1", "http://127.0.0.1:9/hook-30"]
    );
    assert_eq!(listed[1]["id"], json!(ids[2]));
    assert_eq!(api.get(&format!("/webhooks/{}", ids[1])).await.status, 404);
    // A subscription made after the restart lists after the ones before it.
    let later = api.post("/webhooks", subscribe(4)).await.id();
    let listed = api.get("/webhooks").await.expect(200)["webhooks"].clone();
    assert_eq!(listed[2]["id"], json!(later));
}

/// A deleted record's row is not given to a new one after a restart, even when it was the
/// highest: a page token naming it still resumes after it.
#[tokio::test]
async fn a_page_token_past_deleted_subscriptions_still_sees_new_ones_after_a_restart() {
    let db = TempDb::new("rows");
    let api = durable(&db).await;
    let subscribe = json!({"url": "http://127.0.0.1:9/hook", "enabled_events": ["PERSON.*"], "is_enabled": false});
    let a = api.post("/webhooks", subscribe.clone()).await.id();
    let b = api.post("/webhooks", subscribe.clone()).await.id();
    let page = api.get("/webhooks?limit=1").await;
    let token = page.expect(200)["next_page_token"]
        .as_str()
        .unwrap()
        .to_string();
    for id in [&a, &b] {
        assert_eq!(api.delete(&format!("/webhooks/{id}")).await.status, 200);
    }
    api.sb.shutdown().await;

    let api = durable(&db).await;
    let c = api.post("/webhooks", subscribe).await.id();
    let rest = api.get(&format!("/webhooks?page_token={token}")).await;
    let listed: Vec<&str> = rest.expect(200)["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [c.as_str()]);
}

/// An event's delivery and its attempt are records like any other: after a restart the
/// delivered event is still delivered (so not due again), with its attempt.
#[tokio::test]
async fn a_delivered_event_and_its_attempt_survive_a_restart() {
    let db = TempDb::new("attempts");
    let api = durable(&db).await;
    let rx = common::receiver::Receiver::start().await;
    api.post("/webhook_secrets", json!({})).await.expect(201);
    let hook = api
        .post(
            "/webhooks",
            json!({"url": rx.url, "enabled_events": ["PERSON.CREATED"], "is_enabled": true}),
        )
        .await
        .id();
    api.create_active("Anne", "Baker").await.expect(201);
    let delivered = rx.wait_for(1).await.remove(0);
    let event = format!("/webhooks/{hook}/events/{}", delivered.id());
    // The attempt is recorded just after the receiver answers.
    let mut status = Value::Null;
    for _ in 0..100 {
        status = api.get(&event).await.expect(200)["status"].clone();
        if status == "SUCCESS" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, "SUCCESS");
    api.sb.shutdown().await;

    let api = durable(&db).await;
    let after = api.get(&event).await.expect(200).clone();
    assert_eq!(after["status"], "SUCCESS");
    assert_eq!(after["response_history"].as_array().unwrap().len(), 1);
}

/// A resend accepted while an attempt was under way stays due once that attempt is recorded,
/// in the database too: after a restart it is delivered.
#[tokio::test]
async fn a_resend_made_during_an_attempt_is_delivered_after_a_restart() {
    use common::receiver::{Answer, Receiver};
    use std::time::Duration;

    let db = TempDb::new("resend");
    let api = durable(&db).await;
    let hold = Answer::After(Duration::from_secs(1), 200);
    let rx = Receiver::scripted(&[hold], Answer::Status(200)).await;
    let hook = api
        .post(
            "/webhooks",
            json!({"url": rx.url, "enabled_events": ["PERSON.*"], "is_enabled": true}),
        )
        .await
        .id();
    let r = api
        .post("/webhooks/trigger", json!({"event": "PERSON.CREATED"}))
        .await;
    let event = format!(
        "/webhooks/{hook}/events/{}",
        r.expect(200)["id"].as_str().unwrap()
    );
    rx.wait_for(1).await;
    // Due 5 s from now: the held attempt is recorded after 1 s, then the sandbox restarts.
    api.post(&format!("{event}/resend?delay=5"), json!({}))
        .await
        .expect(200);
    let mut history = 0;
    for _ in 0..100 {
        history = api.get(&event).await.expect(200)["response_history"]
            .as_array()
            .unwrap()
            .len();
        if history == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(history, 1, "the first attempt is recorded");
    api.sb.shutdown().await;
    assert_eq!(rx.received().len(), 1);

    let api = durable(&db).await;
    assert_eq!(api.get(&event).await.expect(200)["status"], "RUNNING");
    assert_eq!(rx.wait_for(2).await.len(), 2, "the resend was lost");
    api.sb.shutdown().await;
}

/// The url a pending event is given when its subscription's url changes is committed with the
/// change: a restart finds it.
#[tokio::test]
async fn a_pending_event_keeps_its_new_url_after_a_restart() {
    let db = TempDb::new("redirect");
    let api = durable(&db).await;
    let hook = |url: &str| json!({"url": url, "enabled_events": ["PERSON.*"], "is_enabled": true});
    // Nothing listens on the discard port: each attempt fails, and the next is 30 s away.
    let id = api
        .post("/webhooks", hook("http://127.0.0.1:9/old"))
        .await
        .id();
    let r = api
        .post("/webhooks/trigger", json!({"event": "PERSON.CREATED"}))
        .await;
    let event = format!(
        "/webhooks/{id}/events/{}",
        r.expect(200)["id"].as_str().unwrap()
    );
    api.put(&format!("/webhooks/{id}"), hook("http://127.0.0.1:9/new"))
        .await
        .expect(200);
    assert_eq!(
        api.get(&event).await.expect(200)["url"],
        "http://127.0.0.1:9/new"
    );
    api.sb.shutdown().await;

    let api = durable(&db).await;
    let after = api.get(&event).await.expect(200).clone();
    assert_ne!(after["status"], "SUCCESS");
    assert_eq!(after["url"], "http://127.0.0.1:9/new");
    api.sb.shutdown().await;
}

/// A subscription paused with an event pending stays paused after a restart (the schedule
/// rebuilt at load sends nothing to it), and enabling it then delivers the event.
#[tokio::test]
async fn a_paused_subscription_stays_paused_after_a_restart() {
    use common::receiver::{Answer, Receiver};
    use std::time::{Duration, Instant};

    let db = TempDb::new("paused");
    let api = durable(&db).await;
    let hold = Answer::After(Duration::from_secs(1), 200);
    let rx = Receiver::scripted(&[hold], Answer::Status(200)).await;
    let settings = |enabled: bool| json!({"url": rx.url, "enabled_events": ["PERSON.*"], "is_enabled": enabled});
    let hook = api.post("/webhooks", settings(true)).await.id();
    let r = api
        .post("/webhooks/trigger", json!({"event": "PERSON.CREATED"}))
        .await;
    let event = r.expect(200)["id"].as_str().unwrap().to_string();
    rx.wait_for(1).await;
    // Disabled and stopped while the first attempt is held: the event is due again at start.
    api.put(&format!("/webhooks/{hook}"), settings(false))
        .await
        .expect(200);
    api.sb.shutdown().await;

    let api = durable(&db).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rx.received().len(), 1, "sent while paused");
    let enabled = Instant::now();
    api.put(&format!("/webhooks/{hook}"), settings(true))
        .await
        .expect(200);
    let got = rx.wait_for(2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].id(), event);
    assert!(got[1].at < enabled + Duration::from_secs(2));
    api.sb.shutdown().await;
}

async fn refusal(path: &std::path::Path) -> String {
    let before = std::fs::read(path).unwrap();
    let err = Sandbox::start_with_state(SandboxConfig::default(), path)
        .await
        .expect_err("the file is refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{err}");
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "a refused file is left as it was"
    );
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "one line: {msg}");
    msg
}

#[tokio::test]
async fn files_that_are_not_sandbox_databases_are_refused_and_left_alone() {
    let db = TempDb::new("foreign");
    // The JSON state file of earlier versions, holding an SSN.
    std::fs::write(&db.0, br#"{"version": 1, "tenants": {"x": "123-45-6789"}}"#).unwrap();
    let msg = refusal(&db.0).await;
    assert!(msg.contains("not an SQLite database"), "{msg}");
    assert!(!msg.contains("123-45-6789"), "{msg}");
    // An SQLite database of some other program.
    std::fs::remove_file(&db.0).unwrap();
    let other = rusqlite::Connection::open(&db.0).unwrap();
    other
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
        .unwrap();
    drop(other);
    let msg = refusal(&db.0).await;
    assert!(msg.contains("not a sandbox database"), "{msg}");
}

#[tokio::test]
async fn a_corrupt_database_is_refused_and_left_alone() {
    let db = TempDb::new("corrupt");
    let api = durable(&db).await;
    for i in 0..200 {
        api.create_active(&format!("F{i}"), "Baker")
            .await
            .expect(201);
    }
    api.sb.shutdown().await;
    // Fold the WAL into the file (as a later open would), then damage a page in the middle.
    let conn = rusqlite::Connection::open(&db.0).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);
    let mut bytes = std::fs::read(&db.0).unwrap();
    assert!(bytes.len() > 4 * 4096, "{} bytes", bytes.len());
    let mid = bytes.len() / 2;
    bytes[mid..mid + 512].fill(0xA5);
    std::fs::write(&db.0, &bytes).unwrap();
    let msg = refusal(&db.0).await;
    assert!(msg.contains("corrupt"), "{msg}");
}

#[tokio::test]
async fn a_second_sandbox_on_the_same_file_is_refused_and_the_first_keeps_serving() {
    let db = TempDb::new("twice");
    let api = durable(&db).await;
    api.create_active("Ann", "Baker").await.expect(201);
    let err = Sandbox::start_with_state(SandboxConfig::default(), &db.0)
        .await
        .expect_err("second sandbox refused");
    assert!(err.to_string().contains("in use"), "{err}");
    // The first still reads and, above all, still commits.
    api.create_active("Cy", "Dale").await.expect(201);
    assert_eq!(
        api.get("/persons").await.expect(200)["persons"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    api.sb.shutdown().await;
    let api = durable(&db).await;
    assert_eq!(api.sb.person_count(KEY), 2);
}

/// A symbolic link to nothing is refused naming the path, not with a bare OS error, and is
/// left as it was (no file is created where it points).
#[cfg(unix)]
#[tokio::test]
async fn a_state_path_that_is_a_dangling_link_is_refused_naming_it() {
    let db = TempDb::new("dangling");
    let target = db.0.with_extension("target");
    std::os::unix::fs::symlink(&target, &db.0).unwrap();
    let err = Sandbox::start_with_state(SandboxConfig::default(), &db.0)
        .await
        .expect_err("a dangling link is refused");
    let msg = err.to_string();
    assert!(msg.contains(&db.0.display().to_string()), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(db.0.is_symlink(), "the link is left as it was");
    assert!(!target.exists(), "no file is created where it points");
}

/// A state file this user may not write is refused naming it and saying so, and left as it
/// was (SQLite alone would open it read-only and fail with a bare "disk I/O error"). Skipped
/// when the test runs as a user whom file modes do not stop (root).
#[cfg(unix)]
#[tokio::test]
async fn a_read_only_state_file_is_refused_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let db = TempDb::new("read-only");
    let api = durable(&db).await;
    api.create_active("Read", "Only").await;
    api.sb.shutdown().await;
    std::fs::set_permissions(&db.0, std::fs::Permissions::from_mode(0o400)).unwrap();
    if std::fs::OpenOptions::new().write(true).open(&db.0).is_ok() {
        println!("skipped: this user writes files whatever their mode");
        return;
    }
    let before = std::fs::read(&db.0).unwrap();
    let err = Sandbox::start_with_state(SandboxConfig::default(), &db.0)
        .await
        .expect_err("a read-only file is refused");
    let msg = err.to_string();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{msg}");
    assert!(msg.contains(&db.0.display().to_string()), "{msg}");
    assert!(msg.contains("writing"), "{msg}");
    assert_eq!(std::fs::read(&db.0).unwrap(), before, "left as it was");
}
