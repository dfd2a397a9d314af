//! Unit tests of the tenant store: sort-order eviction, paging, creation order.

use super::*;
use crate::records::PersonStatus;

fn tenant_with(n: usize) -> Tenant {
    let mut t = Tenant::new(Arc::new(TokenKey::generate().0), None);
    let start = chrono::Utc::now();
    for i in 0..n {
        let mut p = Person::new(
            start + chrono::Duration::seconds(i as i64),
            PersonStatus::PROSPECT,
            true,
        );
        p.first_name = Some(format!("F{:02}", (i * 7) % n));
        p.last_name = Some(format!("L{:02}", (i * 3) % 5));
        t.put_person(p);
    }
    t
}

/// Every sort order of up to three fields (asc/desc each), default order first.
fn orders() -> Vec<SortSpec> {
    let fields = [
        SortField::CreationTime,
        SortField::FirstName,
        SortField::LastName,
        SortField::LastUpdatedTime,
    ];
    let mut out = vec![default_spec()];
    for a in fields {
        for b in fields {
            for da in [false, true] {
                for db in [false, true] {
                    if a != b {
                        out.push(vec![(a, da), (b, db)]);
                    }
                }
            }
        }
    }
    out
}

/// Walks every page of `spec` with a page size of 3; also the expected order by full sort.
fn walk(t: &Tenant, spec: &SortSpec) -> (Vec<Uuid>, Vec<Uuid>) {
    let mut got = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = t.page(spec, None, token.as_deref(), 3, |_| true).unwrap();
        got.extend(page.rows.iter().map(|p| p.id));
        match page.next {
            Some(n) => token = Some(n),
            None => break,
        }
    }
    let mut all: Vec<RowKey> = t.persons.values().map(|p| row_key(spec, p)).collect();
    all.sort();
    (got, all.into_iter().map(|k| k.1).collect())
}

#[test]
fn sort_orders_beyond_the_cache_evict_the_least_recently_used() {
    let mut t = tenant_with(11);
    let orders = orders();
    assert!(orders.len() > MAX_CACHED_INDEXES + 8);
    for (i, spec) in orders.iter().enumerate() {
        t.ensure_index(spec);
        // The newest order is always indexed, however many came before.
        assert!(t.has_index(spec), "order #{i} has no index");
        assert!(t.index_count() <= MAX_CACHED_INDEXES);
        let (got, want) = walk(&t, spec);
        assert_eq!(got, want, "order #{i}");
        // Keep the first non-default order in use: it must survive every eviction.
        let (got, want) = walk(&t, &orders[1]);
        assert_eq!(got, want);
    }
    assert!(t.has_index(&default_spec()));
    assert!(t.has_index(&orders[1]));
    // The least recently used ones went first.
    assert!(!t.has_index(&orders[2]));
    // An evicted order comes back on demand, with writes since eviction included.
    let late = Person::new(chrono::Utc::now(), PersonStatus::PROSPECT, false);
    t.put_person(late);
    t.ensure_index(&orders[2]);
    let (got, want) = walk(&t, &orders[2]);
    assert_eq!(got.len(), 12);
    assert_eq!(got, want);
}

#[test]
fn a_record_built_with_an_earlier_clock_is_stored_after_the_newest_and_rendered_again() {
    let mut t = tenant_with(3);
    let newest = t.persons.values().map(|p| p.creation_time).max().unwrap();
    let early = Person::new(
        newest - chrono::Duration::seconds(5),
        PersonStatus::PROSPECT,
        true,
    );
    let id = early.id;
    let stale = render(&early, "t", false);
    let view = t.put_created(early, stale.clone(), |p| render(p, "t", false));
    let stored = t.person(&id).unwrap();
    assert!(stored.creation_time > newest);
    assert_eq!(stored.last_updated_time, stored.creation_time);
    assert_ne!(view, stale, "the answer shows the stored times");
    assert_eq!(view, render(stored, "t", false));
    // It is last in creation order, as it was stored last.
    let page = t.page(&default_spec(), None, None, 10, |_| true).unwrap();
    assert_eq!(page.rows.last().unwrap().id, id);
}

/// A request that leads a commit may not run again before the database closes (a task parked
/// on a current-thread runtime that is shutting down): closing commits its batch and its
/// followers', answers them, and a write after closing is refused.
#[cfg(feature = "sqlite")]
#[test]
fn closing_commits_batches_whose_leader_has_not_run_and_refuses_later_ones() {
    use super::persist::Database;
    use std::time::{Duration, SystemTime};

    let path = std::env::temp_dir().join(format!(
        "sandbox-close-{}-{:?}.db",
        std::process::id(),
        SystemTime::now()
    ));
    let replay = |key: &str| Change::Replay {
        op: "createPerson".into(),
        key: key.into(),
        fingerprint: [7; 32],
        response: StoredResponse {
            status: 201,
            content_type: "application/json",
            body: Bytes::from_static(b"{}"),
        },
        stored_at: SystemTime::now(),
    };
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
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
