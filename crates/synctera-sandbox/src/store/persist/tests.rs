//! Tests of the state database: closing with batches in flight, a failed commit, and the
//! migrations of earlier schema versions.

use std::sync::atomic::Ordering as AtomicOrdering;
use std::time::Instant;

use bytes::Bytes;
use uuid::Uuid;

use super::Database;
use crate::records::{Disclosure, Person, PersonStatus, Verification};
use crate::store::{Change, IdemLimits, StoreError, StoredResponse, TokenKey};

/// A fresh database path in the temporary directory.
fn temp_db(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "sandbox-{name}-{}-{:?}.db",
        std::process::id(),
        std::time::SystemTime::now()
    ))
}

fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A stored answer to an idempotency key `key` of createPerson.
fn replay(key: &str) -> Change {
    Change::Replay {
        op: "createPerson".into(),
        key: key.into(),
        fingerprint: [7; 32],
        response: StoredResponse {
            status: 201,
            content_type: "application/json",
            body: Bytes::from_static(b"{}"),
        },
        stored_at: std::time::SystemTime::now(),
    }
}

/// Which of `keys` the database at `path` holds for tenant `t1`.
fn stored_keys(path: &std::path::Path, keys: &[&str]) -> Vec<bool> {
    let (ttl, capacity) = (std::time::Duration::from_secs(3600), 100);
    let loaded = Database::open(path, ttl, capacity).unwrap();
    let found = keys
        .iter()
        .map(|key| {
            loaded.tenants.get("t1").is_some_and(|t| {
                t.idem
                    .get(
                        &("createPerson".into(), (*key).into()),
                        Instant::now(),
                        IdemLimits { ttl, capacity },
                    )
                    .is_some()
            })
        })
        .collect();
    loaded.database.close();
    found
}

/// A request that leads a commit may not run again before the database closes (a task parked
/// on a current-thread runtime that is shutting down): closing commits its batch and its
/// followers', answers them, and a write after closing is refused.
#[test]
fn closing_commits_batches_whose_leader_has_not_run_and_refuses_later_ones() {
    use std::time::Duration;

    let path = temp_db("close");
    let limits = (Duration::from_secs(3600), 100);
    let db = Database::open(&path, limits.0, limits.1).unwrap().database;
    let (led, leadership) = db.submit("t1", vec![replay("first")]);
    let (followed, none) = db.submit("t1", vec![replay("second")]);
    assert!(leadership.is_some() && none.is_none());
    db.close();
    assert_eq!(led.blocking_recv(), Ok(Ok(())));
    assert_eq!(followed.blocking_recv(), Ok(Ok(())));
    drop(leadership);
    let (late, _) = db.submit("t1", vec![replay("third")]);
    assert!(
        late.blocking_recv().is_err(),
        "a write after close is refused"
    );
    drop(db);

    let loaded = Database::open(&path, limits.0, limits.1).unwrap();
    let lim = IdemLimits {
        ttl: limits.0,
        capacity: limits.1,
    };
    let tenant = &loaded.tenants["t1"];
    for (key, kept) in [("first", true), ("second", true), ("third", false)] {
        let found = tenant
            .idem
            .get(&("createPerson".into(), key.into()), Instant::now(), lim)
            .is_some();
        assert_eq!(found, kept, "{key}");
    }
    loaded.database.close();
    remove_db(&path);
}

/// After a failed commit the database commits nothing more: not the batches of the failed
/// group, not a later one, and not a barrier (so no replay of an answer it lost is given).
/// Reopened, it holds what was committed before the failure.
#[test]
fn after_a_failed_commit_nothing_more_is_committed() {
    let path = temp_db("failed");
    let db = Database::open(&path, std::time::Duration::from_secs(3600), 100)
        .unwrap()
        .database;
    let commit = |changes: Vec<Change>| {
        let (rx, leadership) = db.submit("t1", changes);
        drop(leadership);
        rx.blocking_recv().expect("answered")
    };
    assert_eq!(commit(vec![replay("kept")]), Ok(()));
    assert!(!db.failed());

    db.fail_next_commit();
    let (lost, leadership) = db.submit("t1", vec![replay("lost")]);
    let (grouped, none) = db.submit("t1", vec![replay("grouped")]);
    assert!(none.is_none(), "one group");
    drop(leadership);
    assert_eq!(lost.blocking_recv(), Ok(Err(StoreError::CommitFailed)));
    assert_eq!(grouped.blocking_recv(), Ok(Err(StoreError::CommitFailed)));
    assert!(db.failed());

    assert_eq!(commit(vec![replay("later")]), Err(StoreError::CommitFailed));
    assert_eq!(
        commit(Vec::new()),
        Err(StoreError::CommitFailed),
        "a barrier"
    );
    db.close();
    drop(db);

    let keys = ["kept", "lost", "grouped", "later"];
    assert_eq!(stored_keys(&path, &keys), [true, false, false, false]);
    remove_db(&path);
}

/// A state file as schema `version` left it: the tables every version has (with a page-token
/// key), then `sql`, the version's own tables and rows.
fn earlier_file(name: &str, version: i32, sql: &str) -> (std::path::PathBuf, rusqlite::Connection) {
    let path = temp_db(name);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
         CREATE TABLE tenants (name TEXT PRIMARY KEY, generation INTEGER NOT NULL) WITHOUT ROWID;
         CREATE TABLE replays (tenant TEXT NOT NULL, op TEXT NOT NULL, key TEXT NOT NULL,
             fingerprint BLOB NOT NULL, status INTEGER NOT NULL, content_type TEXT NOT NULL,
             body BLOB NOT NULL, stored_at_ms INTEGER NOT NULL, PRIMARY KEY (tenant, op, key));
         PRAGMA application_id = 1398361683; PRAGMA user_version = {version};
         {sql}"
    ))
    .unwrap();
    conn.execute(
        "INSERT INTO meta VALUES ('token_key', ?1)",
        [&TokenKey::generate().1[..]],
    )
    .unwrap();
    (path, conn)
}

fn schema_version(path: &std::path::Path) -> i32 {
    rusqlite::Connection::open(path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

/// A state file of schema version 1 (disclosures and verifications numbered per tenant) is
/// migrated at start: every record is loaded, in its old order, and the file is version 3.
#[test]
fn a_version_1_state_file_is_migrated_with_every_record_in_order() {
    use crate::records::{DisclosureEventType, DisclosureType};
    use std::time::Duration;

    let (path, conn) = earlier_file(
        "v1",
        1,
        "CREATE TABLE persons (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL);
         CREATE INDEX persons_by_tenant ON persons (tenant);
         CREATE TABLE disclosures (tenant TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL,
             PRIMARY KEY (tenant, seq));
         CREATE TABLE verifications (tenant TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL,
             PRIMARY KEY (tenant, seq));
         INSERT INTO tenants VALUES ('t1', 0), ('t2', 3);",
    );
    let person = Person::new(chrono::Utc::now(), PersonStatus::ACTIVE, true);
    conn.execute(
        "INSERT INTO persons VALUES (7, 't1', ?1)",
        [serde_json::to_string(&person).unwrap()],
    )
    .unwrap();
    let disclosure = |tenant: &str, seq: i64| {
        let d = Disclosure {
            id: Uuid::new_v4(),
            person_id: Some(person.id),
            business_id: None,
            acknowledging_person_id: None,
            dtype: DisclosureType::E_SIGN,
            version: "1.0".into(),
            event_type: DisclosureEventType::VIEWED,
            disclosure_date: chrono::Utc::now(),
            metadata: None,
            creation_time: chrono::Utc::now(),
        };
        conn.execute(
            "INSERT INTO disclosures VALUES (?1, ?2, ?3)",
            rusqlite::params![tenant, seq, serde_json::to_string(&d).unwrap()],
        )
        .unwrap();
        d.id
    };
    // Inserted out of order: the listing order is the old sequence, per tenant.
    let d2 = disclosure("t1", 2);
    let d1 = disclosure("t1", 1);
    let other = disclosure("t2", 1);
    let verification = serde_json::json!({
        "id": Uuid::new_v4(), "seq": 3, "person_id": person.id, "vtype": "IDENTITY",
        "result": "ACCEPTED", "time": chrono::Utc::now(),
    });
    conn.execute(
        "INSERT INTO verifications VALUES ('t1', 3, ?1)",
        [verification.to_string()],
    )
    .unwrap();
    drop(conn);

    let loaded = Database::open(&path, Duration::from_secs(60), 10).unwrap();
    let t1 = &loaded.tenants["t1"];
    assert!(t1.person(&person.id).is_some());
    let page = t1.page_of::<Disclosure>(None, 10, |_| true).unwrap();
    let ids: Vec<Uuid> = page.rows.iter().map(|d| d.id).collect();
    assert_eq!(ids, [d1, d2]);
    let verifications = t1.page_of::<Verification>(None, 10, |_| true).unwrap();
    assert_eq!(verifications.rows.len(), 1);
    assert!(t1.is_latest(verifications.rows[0]));
    let t2 = &loaded.tenants["t2"];
    assert_eq!(t2.generation, 3);
    assert!(t2.get::<Disclosure>(&other).is_some());
    // New rows come after every migrated one.
    assert!(loaded.rows.load(AtomicOrdering::Relaxed) > 7 + 3 + 1);
    loaded.database.close();
    assert_eq!(schema_version(&path), 3);
    remove_db(&path);
}

/// A state file of schema version 2 (webhook subscriptions and events in `webhook_state`) is
/// migrated at start: both become records of their kinds, in their old order and after every
/// row in use, and a delivery still due is scheduled again.
#[test]
fn a_version_2_state_file_moves_webhook_subscriptions_and_events_to_their_tables() {
    use crate::webhooks::records::{Event, Raised, Webhook, WebhookInput};
    use std::time::Duration;

    let (path, conn) = earlier_file(
        "v2",
        2,
        "CREATE TABLE persons (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL);
         CREATE TABLE disclosures (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL);
         CREATE TABLE verifications (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL);
         CREATE TABLE webhook_state (tenant TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL,
             record TEXT NOT NULL, PRIMARY KEY (tenant, kind, seq));
         INSERT INTO tenants VALUES ('t1', 0);",
    );
    let person = Person::new(chrono::Utc::now(), PersonStatus::ACTIVE, true);
    conn.execute(
        "INSERT INTO persons VALUES (40, 't1', ?1)",
        [serde_json::to_string(&person).unwrap()],
    )
    .unwrap();
    let hook = |seq: i64| {
        let h = Webhook {
            id: Uuid::new_v4(),
            input: WebhookInput {
                url: format!("http://127.0.0.1:9/{seq}"),
                enabled_events: vec!["PERSON.*".into()],
                is_enabled: true,
                description: None,
                metadata: None,
            },
            last_updated: chrono::Utc::now(),
        };
        conn.execute(
            "INSERT INTO webhook_state VALUES ('t1', 'hook', ?1, ?2)",
            rusqlite::params![seq, serde_json::to_string(&h).unwrap()],
        )
        .unwrap();
        h
    };
    // Inserted out of order: the listing order is the old sequence.
    let second = hook(5).id;
    let first_hook = hook(2);
    let first = first_hook.id;
    let raised = Raised {
        event_type: "PERSON.CREATED",
        resource_id: Some(person.id),
        resource: None,
        changed: None,
    };
    let event = Event::new(Uuid::new_v4(), &raised, &first_hook, chrono::Utc::now());
    conn.execute(
        "INSERT INTO webhook_state VALUES ('t1', 'event', 3, ?1)",
        [serde_json::to_string(&event).unwrap()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO webhook_state VALUES ('t1', 'secrets', 0, ?1)",
        [serde_json::to_string(&crate::webhooks::signing::Secrets::new()).unwrap()],
    )
    .unwrap();
    drop(conn);

    let loaded = Database::open(&path, Duration::from_secs(60), 10).unwrap();
    let t1 = &loaded.tenants["t1"];
    let page = t1.page_of::<Webhook>(None, 10, |_| true).unwrap();
    let ids: Vec<Uuid> = page.rows.iter().map(|h| h.id).collect();
    assert_eq!(ids, [first, second]);
    assert!(page.rows.iter().all(|h| h.row() > 40));
    assert!(t1.has_subscribers());
    let migrated = t1
        .get::<Event>(&(first, event.id))
        .expect("the event is kept");
    assert!(migrated.row() > page.rows[1].row());
    assert_eq!(migrated.body(), event.body());
    assert!(t1.has_pending_deliveries(), "its delivery is due again");
    assert!(loaded.rows.load(AtomicOrdering::Relaxed) > 43);
    loaded.database.close();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM webhook_state WHERE kind != 'secrets'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "only the secrets stay in webhook_state");
    drop(conn);
    assert_eq!(schema_version(&path), 3);
    remove_db(&path);
}

/// A file the OS will not create is reported with its path and the OS's kind of error, so the
/// library's caller (and the binary's one-line error) says which file.
#[test]
fn a_state_file_that_cannot_be_created_is_named_with_the_os_error_kind() {
    let dir = temp_db("missing-dir");
    let path = dir.join("state.db");
    let Err(err) = Database::open(&path, std::time::Duration::from_secs(60), 10) else {
        panic!("opened a file in a directory that does not exist");
    };
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert!(!dir.exists(), "no directory created");
}

/// A first start killed after the schema was committed and before the page-token key was
/// (earlier versions wrote them in two transactions) left a file with no key and no record:
/// it starts, with a key kept from then on. A file holding records without a key is corrupt.
#[test]
fn a_first_start_cut_short_before_the_token_key_is_started_afresh() {
    let (ttl, capacity) = (std::time::Duration::from_secs(3600), 100);
    let path = temp_db("no-token-key");
    drop(Database::open(&path, ttl, capacity).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("DELETE FROM meta WHERE name = 'token_key'", [])
        .unwrap();
    drop(conn);
    let loaded = Database::open(&path, ttl, capacity).expect("a file with no record starts");
    assert!(loaded.tenants.is_empty());
    drop(loaded);
    let key: Vec<u8> = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT value FROM meta WHERE name = 'token_key'", [], |r| {
            r.get(0)
        })
        .expect("the new key is stored");
    assert!(TokenKey::from_bytes(&key).is_some());

    // With a record, a missing key is damage, not a start cut short.
    let db = Database::open(&path, ttl, capacity).unwrap();
    let (rx, lead) = db.database.submit("t1", vec![replay("k")]);
    drop(lead);
    assert!(matches!(rx.blocking_recv(), Ok(Ok(()))));
    drop(db);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("DELETE FROM meta WHERE name = 'token_key'", [])
        .unwrap();
    drop(conn);
    let err = Database::open(&path, ttl, capacity).err().expect("refused");
    assert!(err.to_string().contains("no page-token key"), "{err}");
    remove_db(&path);
}

/// Answers that expired while the sandbox was down (or that a smaller capacity evicts) are
/// deleted from the file at start, not only skipped: otherwise the file keeps every answer
/// ever given and reads them all at every start.
#[test]
fn replays_expired_or_evicted_at_start_are_deleted_from_the_file() {
    use std::time::{Duration, SystemTime};

    let path = temp_db("expired-replays");
    let ttl = Duration::from_secs(3600);
    let db = Database::open(&path, ttl, 100).unwrap();
    let aged = |key: &str, age: Duration| match replay(key) {
        Change::Replay {
            op,
            key,
            fingerprint,
            response,
            ..
        } => Change::Replay {
            op,
            key,
            fingerprint,
            response,
            stored_at: SystemTime::now() - age,
        },
        _ => unreachable!(),
    };
    let changes = vec![
        aged("expired", 2 * ttl),
        aged("older", Duration::from_secs(60)),
        aged("newer", Duration::from_secs(1)),
    ];
    let (rx, lead) = db.database.submit("t1", changes);
    drop(lead);
    assert!(matches!(rx.blocking_recv(), Ok(Ok(()))));
    drop(db);
    let rows = |path: &std::path::Path| -> Vec<String> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut q = conn
            .prepare("SELECT key FROM replays ORDER BY key")
            .unwrap();
        q.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(rows(&path), ["expired", "newer", "older"]);
    // Capacity 1: "older" is evicted at load, "expired" was expired.
    drop(Database::open(&path, ttl, 1).unwrap());
    assert_eq!(rows(&path), ["newer"]);
    remove_db(&path);
}
