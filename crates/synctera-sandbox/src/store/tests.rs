//! Unit tests of the tenant store: sort-order eviction, creation order, the outbox bound.

use super::order::{RowKey, row_key};
use super::persons::MAX_CACHED_INDEXES;
use super::*;
use crate::records::PersonStatus;

fn tenant_with(n: usize) -> Tenant {
    let mut t = Tenant::new(Arc::new(TokenKey::generate().0), Arc::default(), None);
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
    let mut all: Vec<RowKey> = t.records.persons.iter().map(|p| row_key(spec, p)).collect();
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
    let newest = t
        .records
        .persons
        .iter()
        .map(|p| p.creation_time)
        .max()
        .unwrap();
    let early = Person::new(
        newest - chrono::Duration::seconds(5),
        PersonStatus::PROSPECT,
        true,
    );
    let id = early.id;
    let stale = early.render("t", false);
    let view = t.put_created(early, stale.clone(), |p| p.render("t", false));
    let stored = t.person(&id).unwrap();
    assert!(stored.creation_time > newest);
    assert_eq!(stored.last_updated_time, stored.creation_time);
    assert_ne!(view, stale, "the answer shows the stored times");
    assert_eq!(view, stored.render("t", false));
    // It is last in creation order, as it was stored last.
    let page = t.page(&default_spec(), None, None, 10, |_| true).unwrap();
    assert_eq!(page.rows.last().unwrap().id, id);
}

/// The outbox is bounded: the oldest event makes room for a new one, its pending delivery given
/// up; deleting a subscription deletes its events and their deliveries.
#[test]
fn the_oldest_event_makes_room_and_a_deleted_subscription_takes_its_events_along() {
    use super::webhooks::MAX_EVENTS;
    use crate::webhooks::records::{Event, Raised, WebhookInput};

    let mut t = tenant_with(0);
    let input = |n: u8| WebhookInput {
        url: format!("http://127.0.0.1:9/{n}"),
        enabled_events: vec!["PERSON.*".into()],
        is_enabled: true,
        description: None,
        metadata: None,
    };
    let now = chrono::Utc::now();
    let kept = t.add_webhook(input(1), now).id;
    let raised = Raised {
        event_type: "PERSON.CREATED",
        resource_id: None,
        resource: None,
        changed: None,
    };
    let ids: Vec<Uuid> = (0..=MAX_EVENTS)
        .map(|_| {
            let id = Uuid::new_v4();
            t.raise_event(id, &raised, now);
            id
        })
        .collect();
    assert_eq!(Event::of(&t.records).len(), MAX_EVENTS);
    assert!(
        t.get::<Event>(&(kept, ids[0])).is_none(),
        "the oldest is gone"
    );
    assert!(t.get::<Event>(&(kept, ids[MAX_EVENTS])).is_some());

    let gone = t.add_webhook(input(2), now).id;
    let id = Uuid::new_v4();
    t.raise_event(id, &raised, now);
    assert!(t.get::<Event>(&(gone, id)).is_some());
    assert!(t.delete_webhook(&gone));
    assert!(t.get::<Event>(&(gone, id)).is_none());
    assert!(
        t.get::<Event>(&(kept, id)).is_some(),
        "the other's event stays"
    );
    assert!(!t.delete_webhook(&gone), "deleted once");
    // Only the remaining subscription has deliveries due.
    let (jobs, _) = t.due_deliveries(now, &std::collections::HashSet::new());
    assert!(jobs.iter().all(|j| j.webhook_id == kept) && jobs.len() == 1);
}

/// A paused subscription's due events are neither handed to the worker nor a reason to wake
/// it (a due time in the past would make it spin); enabling it again hands them over, and
/// tells the caller to wake the worker.
#[test]
fn a_paused_subscriptions_events_wait_without_waking_the_worker() {
    use crate::webhooks::records::{Raised, WebhookInput};

    let mut t = tenant_with(0);
    let input = |is_enabled: bool| WebhookInput {
        url: "http://127.0.0.1:9/hook".into(),
        enabled_events: vec!["PERSON.*".into()],
        is_enabled,
        description: None,
        metadata: None,
    };
    let now = chrono::Utc::now();
    let id = t.add_webhook(input(true), now).id;
    let raised = Raised {
        event_type: "PERSON.CREATED",
        resource_id: None,
        resource: None,
        changed: None,
    };
    t.raise_event(Uuid::new_v4(), &raised, now);
    let later = now + chrono::Duration::hours(1);
    let idle = std::collections::HashSet::new();
    let (_, wake) = t.replace_webhook(&id, input(false), now).unwrap();
    assert!(!wake);
    let (jobs, next) = t.due_deliveries(later, &idle);
    assert!(
        jobs.is_empty() && next.is_none(),
        "{} jobs, next {next:?}",
        jobs.len()
    );
    assert!(t.has_pending_deliveries(), "still pending");

    let (_, wake) = t.replace_webhook(&id, input(true), now).unwrap();
    assert!(wake);
    let (jobs, _) = t.due_deliveries(later, &idle);
    assert_eq!(jobs.len(), 1);
    let (_, wake) = t.replace_webhook(&id, input(true), now).unwrap();
    assert!(!wake, "already enabled");
}

/// Webhook subscriptions were numbered by a per-tenant sequence before schema 3 and by row
/// since: a token of the old listing is refused, not read as a row.
#[test]
fn a_webhooks_page_token_of_the_old_numbering_is_refused() {
    use crate::webhooks::records::{Webhook, WebhookInput};

    let mut t = tenant_with(0);
    let input = WebhookInput {
        url: "http://127.0.0.1:9/hook".into(),
        enabled_events: vec!["PERSON.*".into()],
        is_enabled: true,
        description: None,
        metadata: None,
    };
    t.add_webhook(input, chrono::Utc::now());
    let old = t.tokens.seq_token(t.generation, "webhooks", 1);
    assert!(matches!(
        t.page_of::<Webhook>(Some(&old), 10, |_| true),
        Err(StoreError::PageTokenOfOtherListing)
    ));
    let current = t.tokens.seq_token(t.generation, Webhook::LISTING, 0);
    assert!(t.page_of::<Webhook>(Some(&current), 10, |_| true).is_ok());
}
