//! The webhook delivery workers: one background task per tenant with events to deliver, so a request
//! that raises an event only stores it (in its own transaction) and wakes the worker.
//!
//! A worker sends at most one attempt per subscription at a time, each subscription's earliest
//! due event first (first attempts in the order raised; a retry waits for its back-off and may
//! arrive after later events). Subscriptions do not wait for each other: a receiver that hangs
//! holds up only its own deliveries, for at most the 5-second attempt limit each.
//!
//! Nothing is sent before the write that raised it is committed: the worker reads events from
//! memory, where a write puts them before its commit, so it waits for a barrier first. When a
//! commit has failed the barrier fails, and the worker stops: the events memory holds may
//! belong to writes the database lost.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::store::Tenant;
use crate::webhooks::attempt::{self, Attempt};
use crate::webhooks::destination;
use crate::webhooks::signing::signature;

/// The wait for a commit: `true` once committed, `false` when it never will be.
pub(crate) type Committed = std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>;

/// What a worker needs of the sandbox: its delivery settings, and the commit of a tenant's
/// changes (the app's; a trait so that this module need not name the app, which owns it).
pub(crate) trait Sandboxed: Send + Sync + 'static {
    fn deliveries(&self) -> &Deliveries;
    /// Commits what `tenant` recorded (under its write lock) and returns the wait for it.
    fn commit_changes(&self, name: &str, tenant: &mut Tenant) -> Committed;
    /// The wait until every change tenant `name` made so far is committed.
    fn committed(&self, name: &str) -> Committed;
}

/// The delivery settings and the running workers.
pub(crate) struct Deliveries {
    client: reqwest::Client,
    pub retry_base: Duration,
    pub allowed_hosts: Vec<String>,
    workers: Mutex<HashMap<Arc<str>, Arc<Notify>>>,
    stop: watch::Sender<bool>,
}

impl Deliveries {
    pub(crate) fn new(retry_base: Duration, allowed_hosts: Vec<String>) -> Self {
        Deliveries {
            client: attempt::client(),
            retry_base,
            allowed_hosts,
            workers: Mutex::new(HashMap::new()),
            stop: watch::channel(false).0,
        }
    }

    /// Wakes the worker of tenant `name` (starting it if needed): it has new work.
    pub(crate) fn wake<A: Sandboxed>(
        &self,
        app: &Arc<A>,
        name: &Arc<str>,
        tenant: &Arc<RwLock<Tenant>>,
    ) {
        let mut workers = self.workers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = workers.get(name) {
            n.notify_one();
            return;
        }
        if *self.stop.borrow() {
            return;
        }
        let notify = Arc::new(Notify::new());
        workers.insert(name.clone(), notify.clone());
        let app: Arc<dyn Sandboxed> = app.clone();
        let worker = Worker {
            app: Arc::downgrade(&app),
            name: name.clone(),
            tenant: tenant.clone(),
            notify,
            stop: self.stop.subscribe(),
        };
        tokio::spawn(worker.run());
    }

    /// Stops every worker (the sandbox is shutting down); attempts under way are dropped and
    /// stay due, to be made after the next start.
    pub(crate) fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

struct Worker {
    app: Weak<dyn Sandboxed>,
    name: Arc<str>,
    tenant: Arc<RwLock<Tenant>>,
    notify: Arc<Notify>,
    stop: watch::Receiver<bool>,
}

impl Worker {
    async fn run(mut self) {
        let mut busy: HashSet<Uuid> = HashSet::new();
        let mut running: JoinSet<(Uuid, Uuid, DateTime<Utc>, Attempt)> = JoinSet::new();
        loop {
            if *self.stop.borrow() {
                return;
            }
            let Some(app) = self.app.upgrade() else {
                return;
            };
            let (jobs, next) = {
                let t = self.tenant.read().unwrap_or_else(|e| e.into_inner());
                t.due_deliveries(Utc::now(), &busy)
            };
            // Every write whose events were read above handed its changes to the database
            // under the tenant's lock, so this barrier completes once they are committed.
            if !jobs.is_empty() && !app.committed(&self.name).await {
                return;
            }
            for job in jobs {
                busy.insert(job.webhook_id);
                let client = app.deliveries().client.clone();
                let allowed = destination::check(&job.url, &app.deliveries().allowed_hosts);
                running.spawn(async move {
                    let timestamp = Utc::now().timestamp();
                    let attempt = match allowed {
                        Ok(()) => {
                            let sig = signature(&job.secrets, timestamp, &job.body);
                            attempt::send(&client, &job.url, timestamp, sig.as_deref(), job.body)
                                .await
                        }
                        Err(_) => refused_attempt(),
                    };
                    (job.webhook_id, job.event_id, job.due, attempt)
                });
            }
            let sleep = next.map(|due| {
                (due - Utc::now())
                    .to_std()
                    .unwrap_or_default()
                    .max(Duration::from_millis(1))
            });
            drop(app);
            tokio::select! {
                _ = self.stop.changed() => return,
                _ = self.notify.notified() => {}
                _ = tokio::time::sleep(sleep.unwrap_or(Duration::from_secs(3600))) => {}
                Some(done) = running.join_next(), if !running.is_empty() => {
                    if let Ok((webhook_id, event_id, sent_for, attempt)) = done {
                        busy.remove(&webhook_id);
                        if !self.record(&webhook_id, &event_id, sent_for, attempt).await {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Stores the outcome of an attempt made for the delivery due at `sent_for`, durably when
    /// the sandbox is; `false` when the worker must stop (the sandbox is gone or its database
    /// failed).
    async fn record(
        &self,
        webhook_id: &Uuid,
        event_id: &Uuid,
        sent_for: DateTime<Utc>,
        attempt: Attempt,
    ) -> bool {
        let Some(app) = self.app.upgrade() else {
            return false;
        };
        let committed = {
            let mut t = self.tenant.write().unwrap_or_else(|e| e.into_inner());
            let retry_base = app.deliveries().retry_base;
            t.record_attempt(webhook_id, event_id, sent_for, attempt, retry_base);
            app.commit_changes(&self.name, &mut t)
        };
        // A failed commit leaves the attempt recorded in memory only: after a restart the
        // event is due again, which at-least-once delivery allows. Until then nothing more
        // is sent (the database failed, see the module's note).
        committed.await
    }
}

/// The attempt recorded, without sending, for a URL the loopback rule refuses (the allowed
/// hosts changed since the webhook was registered).
fn refused_attempt() -> Attempt {
    let now = Utc::now();
    Attempt {
        code: 0,
        response_body: "not sent: the URL's host is not allowed by this sandbox".into(),
        sent_time: now,
        response_time: now,
    }
}
