//! The durable log behind `--state`: an SQLite database (WAL journal) that every tenant's
//! changes are committed to before their answers are sent, and that is loaded back at start.
//!
//! Reads never touch it: the tenants in memory are the served state and the database is their
//! log. A request hands the database the changes its tenant recorded. If no commit is running,
//! the request leads: it yields once (so requests ready on the same worker queue theirs), then
//! commits, on its own task, every batch pending (looping while more arrive) and tells the
//! other requests their batches are committed. Otherwise it waits for that word (group commit),
//! so concurrent writers share a commit and no thread has to be woken to start one. A commit is ~50 us of SQLite work, so
//! blocking a runtime worker for it costs less than a hand-off to another thread would.
//!
//! Checkpoints (copying the log into the database file, with syncs) are kept off the request
//! path: automatic checkpoints are off, and a background thread runs them while holding the
//! leader's role, so requests arriving meanwhile queue and are committed by that thread.
//!
//! The database holds the connection's lock for the life of the process (exclusive locking
//! mode), so a second sandbox on the same file is refused at start and the first keeps serving.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{Change, IdemLimits, Journal, Record, StoredResponse, Tenant, TokenKey};
use crate::model::{Disclosure, Person, Verification};
use crate::problem::PROBLEM_JSON;
use crate::webhooks::state::WebhookChange;

/// `PRAGMA application_id` of a sandbox database ("SYNS").
const APPLICATION_ID: i32 = 0x5359_4e53;
/// `PRAGMA user_version`: the schema below.
const SCHEMA_VERSION: i32 = 1;
/// Most requests' changes committed in one transaction.
const MAX_GROUP: usize = 4096;
/// Changes committed since the last checkpoint after which the checkpointer runs one. A
/// person is about 2 KiB of log, so this is roughly 16 MiB of WAL.
const CHECKPOINT_CHANGES: u64 = 8192;
/// How often the checkpointer looks; it also checkpoints whatever was committed since the
/// last look once the sandbox is quiet.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);
/// Bytes of WAL file kept after a checkpoint; a longer log is truncated to this.
const JOURNAL_SIZE_LIMIT: i64 = 64 << 20;

// The small tables are clustered on their key (WITHOUT ROWID); the record tables are not, as
// SQLite advises for rows of a kilobyte. Persons are keyed by a row number given in creation
// order rather than by their random UUID, so that a commit of new records appends pages
// instead of touching one index page per record.
const SCHEMA: &str = "
    CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE tenants (name TEXT PRIMARY KEY, generation INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE persons (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL);
    CREATE INDEX persons_by_tenant ON persons (tenant);
    CREATE TABLE disclosures (
        tenant TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (tenant, seq));
    CREATE TABLE verifications (
        tenant TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (tenant, seq));
    CREATE TABLE replays (
        tenant TEXT NOT NULL, op TEXT NOT NULL, key TEXT NOT NULL,
        fingerprint BLOB NOT NULL, status INTEGER NOT NULL, content_type TEXT NOT NULL,
        body BLOB NOT NULL, stored_at_ms INTEGER NOT NULL,
        PRIMARY KEY (tenant, op, key));
";

/// Added after schema version 1 without changing it: created on open when missing, so a
/// database from before webhooks opens as it is.
const WEBHOOK_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS webhook_state (
        tenant TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (tenant, kind, seq));
";

/// One request's changes waiting for a commit.
struct Batch {
    tenant: String,
    changes: Vec<Change>,
    done: oneshot::Sender<Result<(), ()>>,
}

/// Who commits next, and what.
#[derive(Default)]
struct Queue {
    pending: Vec<Batch>,
    /// A leader (a request or the checkpointer) is committing and will take `pending`.
    leading: bool,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Locked by the leader (and by `close`), so requests never contend for it.
    conn: Mutex<Option<Connection>>,
    /// Changes committed since the last checkpoint.
    uncheckpointed: AtomicU64,
}

/// The handle requests commit through.
pub struct Database {
    shared: Arc<Shared>,
    checkpointer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// What a loaded database holds.
pub struct Loaded {
    pub database: Database,
    /// The next free person row.
    pub rows: Arc<AtomicU64>,
    pub tokens: Arc<TokenKey>,
    pub tenants: HashMap<String, Tenant>,
}

fn refused(path: &Path, why: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("state file {} refused: {why}", path.display()),
    )
}

impl Database {
    /// Opens (or creates, owner-read/write only) the database at `path` and loads it.
    ///
    /// Refuses, without changing it, a file that is not a sandbox database, a corrupt one, one
    /// of another schema version, and one another process holds.
    pub fn open(path: &Path, ttl: Duration, capacity: usize) -> io::Result<Loaded> {
        create_private(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| refused(path, e))?;
        let sql_err = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                refused(path, "it is in use by another sandbox process")
            }
            Some(ErrorCode::NotADatabase) => refused(path, "it is not an SQLite database"),
            Some(ErrorCode::DatabaseCorrupt) => refused(path, "it is corrupt"),
            _ => refused(path, e),
        };
        // Exclusive locking before the first access: the lock is taken by the transaction below
        // and kept until the process ends, and WAL then needs no shared-memory file.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(sql_err)?;
        conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;")
            .map_err(sql_err)?;
        let app_id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(sql_err)?;
        let objects: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(sql_err)?;
        let fresh = match app_id {
            APPLICATION_ID => false,
            0 if objects == 0 => true,
            _ => return Err(refused(path, "it is not a sandbox database")),
        };
        if !fresh {
            let version: i32 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(sql_err)?;
            if version != SCHEMA_VERSION {
                return Err(refused(
                    path,
                    format!("its schema version {version} is not {SCHEMA_VERSION}"),
                ));
            }
            let check: String = conn
                .pragma_query_value(None, "quick_check", |r| r.get(0))
                .map_err(sql_err)?;
            if check != "ok" {
                return Err(refused(path, "it is corrupt"));
            }
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql_err)?;
        // In WAL mode, synchronous=NORMAL writes every commit to the log before it returns
        // (so a killed process loses no acknowledged write) and syncs the log at checkpoints,
        // not on every commit: a power loss may roll back the last commits, never corrupt the
        // file. FULL would sync on every commit; a sandbox is a test server, not a system of
        // record.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql_err)?;
        // Checkpoints are the checkpointer thread's (below), never a commit's.
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(sql_err)?;
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)
            .map_err(sql_err)?;
        let tokens = if fresh {
            let (key, bytes) = TokenKey::generate();
            let init = format!(
                "BEGIN; {SCHEMA} PRAGMA application_id = {APPLICATION_ID}; \
                 PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            );
            conn.execute_batch(&init).map_err(sql_err)?;
            conn.execute(
                "INSERT INTO meta (name, value) VALUES ('token_key', ?1)",
                [&bytes[..]],
            )
            .map_err(sql_err)?;
            key
        } else {
            let bytes: Option<Vec<u8>> = conn
                .query_row("SELECT value FROM meta WHERE name = 'token_key'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(sql_err)?;
            bytes
                .as_deref()
                .and_then(TokenKey::from_bytes)
                .ok_or_else(|| refused(path, "it is corrupt (no page-token key)"))?
        };
        conn.execute_batch(WEBHOOK_SCHEMA).map_err(sql_err)?;
        let tokens = Arc::new(tokens);
        let limits = IdemLimits { ttl, capacity };
        let rows = Arc::new(AtomicU64::new(1));
        let tenants = load(&conn, &tokens, &rows, limits).map_err(|e| match e {
            LoadError::Sql(e) => sql_err(e),
            LoadError::Record(what) => refused(path, format!("it is corrupt ({what})")),
        })?;
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            conn: Mutex::new(Some(conn)),
            uncheckpointed: AtomicU64::new(0),
        });
        let checkpointer = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("sandbox-checkpoint".into())
                .spawn(move || checkpoint_loop(&shared))?
        };
        Ok(Loaded {
            rows,
            database: Database {
                shared,
                checkpointer: Mutex::new(Some(checkpointer)),
            },
            tokens,
            tenants,
        })
    }

    /// Queues `changes` of tenant `tenant`; the receiver answers once they are committed.
    ///
    /// If no commit is running, the caller is also handed the [`Leadership`]: it must commit
    /// (by dropping it, or calling [`Leadership::commit`]) before the receiver can answer.
    pub fn submit(
        &self,
        tenant: &str,
        changes: Vec<Change>,
    ) -> (oneshot::Receiver<Result<(), ()>>, Option<Leadership>) {
        let (done, rx) = oneshot::channel();
        let mut queue = self.shared.lock_queue();
        // A closed database drops the batch, and with it `done`: the waiter sees an error and
        // the write is not acknowledged.
        if queue.closed {
            return (rx, None);
        }
        queue.pending.push(Batch {
            tenant: tenant.to_string(),
            changes,
            done,
        });
        if queue.leading {
            return (rx, None);
        }
        queue.leading = true;
        (
            rx,
            Some(Leadership {
                shared: self.shared.clone(),
            }),
        )
    }

    /// Commits what is queued, then closes the database (releasing the file for another
    /// process) and refuses later writes.
    pub fn close(&self) {
        self.shared.lock_queue().closed = true;
        if let Some(checkpointer) = self
            .checkpointer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            checkpointer.thread().unpark();
            let _ = checkpointer.join();
        }
        // Whatever was accepted and is not committed yet is committed here, even if its leader
        // is a task that has not run again (on a current-thread runtime it cannot, while this
        // blocks): that leader later finds nothing pending.
        let mut conn = self.shared.lock_conn();
        let group = std::mem::take(&mut self.shared.lock_queue().pending);
        if let Some(c) = conn.as_mut() {
            let result = self.shared.commit_group(c, &group);
            for b in group {
                let _ = b.done.send(result);
            }
            checkpoint(c);
        }
        drop(conn.take());
    }
}

/// The duty to commit everything pending, held by one request at a time. It is discharged when
/// dropped, so a request that is cancelled still commits the batches that waited for it.
pub struct Leadership {
    shared: Arc<Shared>,
}

impl Leadership {
    /// Commits every batch pending, looping while more arrive, then steps down.
    pub fn commit(self) {}
}

impl Drop for Leadership {
    fn drop(&mut self) {
        self.shared.lead();
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        self.close();
    }
}

impl Shared {
    fn lock_queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_conn(&self) -> MutexGuard<'_, Option<Connection>> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called by the leader, with `leading` set: commits pending batches until none is left,
    /// then steps down. A group is taken with the connection locked, so that [`Database::close`]
    /// commits either before it or after it, never a group taken and not yet committed.
    fn lead(&self) {
        loop {
            let mut conn = self.lock_conn();
            let group: Vec<Batch> = {
                let mut queue = self.lock_queue();
                let take = queue.pending.len().min(MAX_GROUP);
                if take == 0 {
                    queue.leading = false;
                    return;
                }
                queue.pending.drain(..take).collect()
            };
            let result = match conn.as_mut() {
                Some(c) => self.commit_group(c, &group),
                None => Err(()),
            };
            drop(conn);
            for b in group {
                let _ = b.done.send(result);
            }
        }
    }

    fn commit_group(&self, conn: &mut Connection, group: &[Batch]) -> Result<(), ()> {
        commit(conn, group).map_err(|e| {
            tracing::error!(error = %e, "state database commit failed");
        })?;
        let changes: usize = group.iter().map(|b| b.changes.len()).sum();
        self.uncheckpointed
            .fetch_add(changes as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// The checkpointer thread: takes the leader's role to checkpoint once enough was committed, or
/// once the sandbox is quiet after commits, so that requests never wait for a checkpoint's
/// syncs on their own task: those arriving meanwhile queue, and this thread commits them.
fn checkpoint_loop(shared: &Shared) {
    let mut seen = 0;
    loop {
        std::thread::park_timeout(CHECKPOINT_INTERVAL);
        {
            let mut queue = shared.lock_queue();
            if queue.closed {
                // [`Database::close`] checkpoints last.
                return;
            }
            let committed = shared.uncheckpointed.load(Ordering::Relaxed);
            let quiet = committed > 0 && committed == seen;
            seen = committed;
            if queue.leading || !(committed >= CHECKPOINT_CHANGES || quiet) {
                continue;
            }
            queue.leading = true;
        }
        if let Some(conn) = shared.lock_conn().as_mut() {
            checkpoint(conn);
        }
        shared.uncheckpointed.store(0, Ordering::Relaxed);
        seen = 0;
        shared.lead();
    }
}

fn checkpoint(conn: &mut Connection) {
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::warn!(error = %e, "state database checkpoint failed");
    }
}

/// Creates `path` readable and writable by its owner only, unless it exists.
fn create_private(path: &Path) -> io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            if std::fs::metadata(path)?.is_file() {
                Ok(())
            } else {
                Err(refused(path, "it is not a regular file"))
            }
        }
        Err(e) => Err(e),
    }
}

enum LoadError {
    Sql(rusqlite::Error),
    Record(&'static str),
}

impl From<rusqlite::Error> for LoadError {
    fn from(e: rusqlite::Error) -> Self {
        LoadError::Sql(e)
    }
}

fn load(
    conn: &Connection,
    tokens: &Arc<TokenKey>,
    row_counter: &Arc<AtomicU64>,
    limits: IdemLimits,
) -> Result<HashMap<String, Tenant>, LoadError> {
    let mut tenants: HashMap<String, Tenant> = HashMap::new();
    macro_rules! tenant {
        ($name:expr) => {
            tenants.entry($name).or_insert_with(|| {
                Tenant::new(tokens.clone(), Some(Journal::new(row_counter.clone())))
            })
        };
    }
    let mut q = conn.prepare("SELECT name, generation FROM tenants")?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        let generation: i64 = r.get(1)?;
        tenant!(r.get(0)?).generation = generation as u64;
    }
    let mut q = conn.prepare("SELECT row, tenant, record FROM persons")?;
    let mut found = q.query([])?;
    let mut next_row = 1;
    while let Some(r) = found.next()? {
        let row: i64 = r.get(0)?;
        let p: Person = serde_json::from_str(&r.get::<_, String>(2)?)
            .map_err(|_| LoadError::Record("a person record"))?;
        tenant!(r.get(1)?).index_person(Record::new(p, row as u64));
        next_row = next_row.max(row as u64 + 1);
    }
    row_counter.store(next_row, std::sync::atomic::Ordering::Relaxed);
    let mut q = conn.prepare("SELECT tenant, seq, record FROM disclosures")?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        let d: Disclosure = serde_json::from_str(&r.get::<_, String>(2)?)
            .map_err(|_| LoadError::Record("a disclosure record"))?;
        let seq: i64 = r.get(1)?;
        tenant!(r.get(0)?).insert_disclosure(seq as u64, d);
    }
    let mut q = conn.prepare("SELECT tenant, record FROM verifications")?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        let v: Verification = serde_json::from_str(&r.get::<_, String>(1)?)
            .map_err(|_| LoadError::Record("a verification record"))?;
        tenant!(r.get(0)?).insert_verification(v);
    }
    let mut q = conn.prepare("SELECT tenant, kind, seq, record FROM webhook_state ORDER BY seq")?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        let record = r.get::<_, String>(3)?;
        let seq = r.get::<_, i64>(2)? as u64;
        let bad = |_| LoadError::Record("a webhook record");
        let change = match r.get::<_, String>(1)?.as_str() {
            "secrets" => WebhookChange::Secrets(Some(serde_json::from_str(&record).map_err(bad)?)),
            "hook" => WebhookChange::Hook(seq, Some(serde_json::from_str(&record).map_err(bad)?)),
            "event" => WebhookChange::Event(seq, Some(serde_json::from_str(&record).map_err(bad)?)),
            _ => return Err(LoadError::Record("a webhook record")),
        };
        tenant!(r.get(0)?).webhooks.restore(change);
    }
    let mut q = conn.prepare(
        "SELECT tenant, op, key, fingerprint, status, content_type, body, stored_at_ms \
         FROM replays ORDER BY stored_at_ms",
    )?;
    let mut rows = q.query([])?;
    let now_ms = unix_ms(SystemTime::now());
    let now = Instant::now();
    while let Some(r) = rows.next()? {
        let fingerprint: [u8; 32] = r
            .get::<_, Vec<u8>>(3)?
            .try_into()
            .map_err(|_| LoadError::Record("an idempotency record"))?;
        let status: u16 = r.get(4)?;
        let content_type = match r.get::<_, String>(5)?.as_str() {
            "application/json" => "application/json",
            PROBLEM_JSON => PROBLEM_JSON,
            _ => return Err(LoadError::Record("an idempotency record")),
        };
        let stored_at: i64 = r.get(7)?;
        let age = Duration::from_millis(now_ms.saturating_sub(stored_at).max(0) as u64);
        if age >= limits.ttl {
            continue;
        }
        let response = StoredResponse {
            status,
            content_type,
            body: Bytes::from(r.get::<_, Vec<u8>>(6)?),
        };
        let key = (r.get::<_, String>(1)?.into(), r.get::<_, String>(2)?);
        // Aged as it was: a record expires when it would have without the restart.
        let at = now.checked_sub(age).unwrap_or(now);
        let _ = tenant!(r.get(0)?)
            .idem
            .finish(key, fingerprint, response, at, limits);
    }
    Ok(tenants)
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn commit(conn: &mut Connection, group: &[Batch]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let mut tenants: Vec<&str> = Vec::new();
    for b in group {
        let t = b.tenant.as_str();
        if !tenants.contains(&t) {
            tx.prepare_cached("INSERT OR IGNORE INTO tenants (name, generation) VALUES (?1, 0)")?
                .execute([t])?;
            tenants.push(t);
        }
        for change in &b.changes {
            apply(&tx, t, change)?;
        }
    }
    tx.commit()
}

fn json<T: serde::Serialize>(v: &T) -> rusqlite::Result<String> {
    serde_json::to_string(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn apply(tx: &rusqlite::Transaction<'_>, t: &str, change: &Change) -> rusqlite::Result<()> {
    match change {
        Change::Person { row, person } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO persons (row, tenant, record) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![*row as i64, t, json(person)?])?;
        }
        Change::Disclosure(seq, d) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO disclosures (tenant, seq, record) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![t, *seq as i64, json(d)?])?;
        }
        Change::Verification(v) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO verifications (tenant, seq, record) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![t, v.seq as i64, json(v)?])?;
        }
        Change::Replay {
            op,
            key,
            fingerprint,
            response,
            stored_at,
        } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO replays \
                 (tenant, op, key, fingerprint, status, content_type, body, stored_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                t,
                op,
                key,
                &fingerprint[..],
                response.status,
                response.content_type,
                &response.body[..],
                unix_ms(*stored_at)
            ])?;
        }
        Change::ReplayEvicted { op, key } => {
            tx.prepare_cached("DELETE FROM replays WHERE tenant = ?1 AND op = ?2 AND key = ?3")?
                .execute(params![t, op, key])?;
        }
        Change::Wipe => {
            for table in ["persons", "disclosures", "verifications", "replays"] {
                tx.prepare_cached(&format!("DELETE FROM {table} WHERE tenant = ?1"))?
                    .execute([t])?;
            }
            tx.prepare_cached("UPDATE tenants SET generation = generation + 1 WHERE name = ?1")?
                .execute([t])?;
        }
        Change::Webhook(change) => apply_webhook(tx, t, change)?,
    }
    Ok(())
}

/// Upserts or deletes the one row a webhook change touches.
fn apply_webhook(
    tx: &rusqlite::Transaction<'_>,
    t: &str,
    change: &WebhookChange,
) -> rusqlite::Result<()> {
    let (kind, seq, record) = match change {
        WebhookChange::Secrets(s) => ("secrets", 0, s.as_ref().map(json).transpose()?),
        WebhookChange::Hook(seq, h) => ("hook", *seq, h.as_ref().map(json).transpose()?),
        WebhookChange::Event(seq, e) => ("event", *seq, e.as_ref().map(json).transpose()?),
    };
    match record {
        Some(record) => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO webhook_state (tenant, kind, seq, record) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![t, kind, seq as i64, record])?,
        None => tx
            .prepare_cached(
                "DELETE FROM webhook_state WHERE tenant = ?1 AND kind = ?2 AND seq = ?3",
            )?
            .execute(params![t, kind, seq as i64])?,
    };
    Ok(())
}
