//! The state every request shares: configuration, the tenants, injected faults and, with
//! `--state`, the database the tenants' changes are committed to.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use crate::config::SandboxConfig;
use crate::delivery::{Committed, Deliveries, Sandboxed};
use crate::faults::FaultState;
#[cfg(feature = "sqlite")]
use crate::store::persist::{Database, Loaded};
use crate::store::{IdemLimits, Journal, StoreError, Tenant, TokenKey};

fn deliveries(config: &SandboxConfig) -> Deliveries {
    Deliveries::new(
        config.webhook_retry_base,
        config.webhook_allow_hosts.clone(),
    )
}

/// The tenant name a key maps to: derived, never the key itself.
pub(crate) fn tenant_name(api_key: &str) -> String {
    let digest = Sha256::digest(api_key.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sbx_{hex}")
}

/// `map[key]` under a shared lock: the path of every request but a tenant's or a key's first.
fn cached<V: Clone>(map: &RwLock<HashMap<String, V>>, key: &str) -> Option<V> {
    map.read()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .cloned()
}

/// A tenant's name and records.
pub(crate) type KeyedTenant = (Arc<str>, Arc<RwLock<Tenant>>);

pub(crate) struct App {
    pub config: SandboxConfig,
    pub faults: Arc<FaultState>,
    tenants: RwLock<HashMap<String, Arc<RwLock<Tenant>>>>,
    /// The tenant each API key seen so far resolves to, so that a request hashes no key the
    /// sandbox already knows. Holds at most one entry per tenant, since a key names one tenant.
    by_key: RwLock<HashMap<String, KeyedTenant>>,
    tokens: Arc<TokenKey>,
    #[cfg(feature = "sqlite")]
    database: Option<Database>,
    /// The next free row of a record, shared by every tenant.
    rows: Arc<std::sync::atomic::AtomicU64>,
    /// The webhook delivery workers.
    pub deliveries: Deliveries,
}

impl App {
    /// A sandbox that keeps its records in memory only.
    pub(crate) fn in_memory(config: SandboxConfig, faults: Arc<FaultState>) -> App {
        App {
            deliveries: deliveries(&config),
            config,
            faults,
            tenants: RwLock::new(HashMap::new()),
            by_key: RwLock::new(HashMap::new()),
            tokens: Arc::new(TokenKey::generate().0),
            #[cfg(feature = "sqlite")]
            database: None,
            rows: Arc::default(),
        }
    }

    /// A sandbox whose tenants are those loaded from a database, which commits every change
    /// from now on.
    #[cfg(feature = "sqlite")]
    pub(crate) fn durable(config: SandboxConfig, faults: Arc<FaultState>, loaded: Loaded) -> App {
        App {
            deliveries: deliveries(&config),
            config,
            faults,
            tenants: RwLock::new(
                loaded
                    .tenants
                    .into_iter()
                    .map(|(name, t)| (name, Arc::new(RwLock::new(t))))
                    .collect(),
            ),
            by_key: RwLock::new(HashMap::new()),
            tokens: loaded.tokens,
            database: Some(loaded.database),
            rows: loaded.rows,
        }
    }

    /// Starts the delivery workers of the tenants loaded with deliveries still to make (a
    /// restart after a crash: the outbox the last run left).
    pub(crate) fn resume_deliveries(self: &Arc<Self>) {
        let tenants: Vec<(String, Arc<RwLock<Tenant>>)> = self
            .tenants
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(n, t)| (n.clone(), t.clone()))
            .collect();
        for (name, tenant) in tenants {
            let pending = tenant
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .has_pending_deliveries();
            if pending {
                self.deliveries
                    .wake(self, &Arc::from(name.as_str()), &tenant);
            }
        }
    }

    /// Closes the database, if any, once what is queued is committed.
    pub(crate) fn close(&self) {
        self.deliveries.stop();
        #[cfg(feature = "sqlite")]
        if let Some(db) = &self.database {
            db.close();
        }
    }

    /// The journal a new tenant records its changes in, when the sandbox is durable.
    fn new_journal(&self) -> Option<Journal> {
        #[cfg(feature = "sqlite")]
        if self.database.is_some() {
            return Some(Journal::default());
        }
        None
    }

    /// The tenant called `name`, created on first use; `None` when it is new and the sandbox
    /// already holds [`SandboxConfig::max_tenants`] tenants.
    pub(crate) fn tenant(&self, name: &str) -> Option<Arc<RwLock<Tenant>>> {
        if let Some(t) = cached(&self.tenants, name) {
            return Some(t);
        }
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        if !tenants.contains_key(name) && tenants.len() >= self.config.max_tenants {
            return None;
        }
        Some(
            tenants
                .entry(name.to_string())
                .or_insert_with(|| {
                    Arc::new(RwLock::new(Tenant::new(
                        self.tokens.clone(),
                        self.rows.clone(),
                        self.new_journal(),
                    )))
                })
                .clone(),
        )
    }

    /// The tenant of an accepted `api_key`, created on first use; `None` as for [`App::tenant`].
    pub(crate) fn tenant_of_key(&self, api_key: &str) -> Option<KeyedTenant> {
        if let Some(t) = cached(&self.by_key, api_key) {
            return Some(t);
        }
        let name = tenant_name(api_key);
        let tenant = self.tenant(&name)?;
        let keyed: KeyedTenant = (name.into(), tenant);
        self.by_key
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(api_key.to_string(), keyed.clone());
        Some(keyed)
    }

    /// How many persons the tenant called `name` holds (0 for an unknown one).
    pub(crate) fn person_count(&self, name: &str) -> usize {
        let tenants = self.tenants.read().unwrap_or_else(|e| e.into_inner());
        tenants.get(name).map_or(0, |t| {
            t.read().unwrap_or_else(|e| e.into_inner()).person_count()
        })
    }

    pub(crate) fn idem_limits(&self) -> IdemLimits {
        IdemLimits {
            ttl: self.config.idempotency_ttl,
            capacity: self.config.idempotency_capacity,
        }
    }

    /// Whether the database failed a commit: memory then holds writes the file lacks, so the
    /// sandbox answers nothing from it (every request is refused) until it is restarted.
    pub(crate) fn failed(&self) -> bool {
        #[cfg(feature = "sqlite")]
        if let Some(db) = &self.database {
            return db.failed();
        }
        false
    }

    /// A commit that completes once everything handed to the database before it is committed:
    /// an answer replayed from memory must not be seen before the write it answered is durable.
    pub(crate) fn barrier(&self, name: &str) -> Commit {
        #[cfg(feature = "sqlite")]
        if let Some(db) = &self.database {
            return Commit(Some(db.submit(name, Vec::new())));
        }
        let _ = name;
        Commit(None)
    }

    /// Hands the changes `tenant` recorded to the database. Called with the tenant's write lock
    /// held, so changes reach the database in the order they were made; the returned
    /// [`Commit`] is awaited after the lock is released and before the answer is sent.
    pub(crate) fn commit(&self, name: &str, tenant: &mut Tenant) -> Commit {
        #[cfg(feature = "sqlite")]
        if let Some(db) = &self.database {
            let changes = tenant.take_journal();
            if !changes.is_empty() {
                if self.faults.take_commit_failure() {
                    db.fail_next_commit();
                }
                return Commit(Some(db.submit(name, changes)));
            }
        }
        let _ = (name, tenant);
        Commit(None)
    }
}

/// A batch of changes on its way to the database.
#[must_use = "a write is acknowledged only once its commit is awaited"]
pub(crate) struct Commit(Option<Submitted>);

/// The answer to come, and the duty to commit when no other request holds it.
#[cfg(feature = "sqlite")]
type Submitted = (
    tokio::sync::oneshot::Receiver<Result<(), StoreError>>,
    Option<crate::store::persist::Leadership>,
);
#[cfg(not(feature = "sqlite"))]
type Submitted = std::convert::Infallible;

impl Commit {
    /// Waits until the changes are committed; on an error nothing may be acknowledged.
    pub(crate) async fn durable(self) -> Result<(), StoreError> {
        match self.0 {
            None => Ok(()),
            #[cfg(feature = "sqlite")]
            Some((rx, leadership)) => {
                if let Some(leadership) = leadership {
                    // Lets the requests ready on this worker hand in their batches first, so
                    // one commit carries them all.
                    tokio::task::yield_now().await;
                    leadership.commit();
                }
                // A dropped batch: the database closed before taking it.
                rx.await.unwrap_or(Err(StoreError::Closed))
            }
            #[cfg(not(feature = "sqlite"))]
            Some(never) => match never {},
        }
    }
}

impl Sandboxed for App {
    fn deliveries(&self) -> &Deliveries {
        &self.deliveries
    }
    fn commit_changes(&self, name: &str, tenant: &mut Tenant) -> Committed {
        let commit = self.commit(name, tenant);
        Box::pin(async move { commit.durable().await.is_ok() })
    }
    fn committed(&self, name: &str) -> Committed {
        let barrier = self.barrier(name);
        Box::pin(async move { barrier.durable().await.is_ok() })
    }
}
