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
//!
//! A failed commit is final (fail-stop, as databases treat a failed fsync): the tenants in
//! memory then hold changes the file lacks, and later changes may build on them, so every
//! later batch is refused ([`StoreError::CommitFailed`]) and [`Database::failed`] tells the
//! sandbox to serve nothing more. A restart loads the last committed state.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};
use tokio::sync::oneshot;

use super::{Change, IdemLimits, StoreError, Tenant, TokenKey};
use tables::{
    APPLICATION_ID, LoadError, MIGRATE_FROM_1, MIGRATE_FROM_2, SCHEMA, SCHEMA_VERSION, commit,
    load, record_tables,
};

mod tables;
#[cfg(test)]
mod tests;

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

/// One request's changes waiting for a commit.
struct Batch {
    tenant: String,
    changes: Vec<Change>,
    done: oneshot::Sender<Result<(), StoreError>>,
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
    /// A commit failed: nothing is committed any more.
    failed: AtomicBool,
    /// The next commit fails as an I/O error would ([`Database::fail_next_commit`]).
    fail_next: AtomicBool,
}

/// The handle requests commit through.
pub struct Database {
    shared: Arc<Shared>,
    checkpointer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// What a loaded database holds.
pub struct Loaded {
    pub database: Database,
    /// The next free row.
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
        let mut conn = Connection::open_with_flags(
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
            if !(1..=SCHEMA_VERSION).contains(&version) {
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
            let migrations = [MIGRATE_FROM_1, MIGRATE_FROM_2];
            let pending = &migrations[(version - 1) as usize..];
            if !pending.is_empty() {
                conn.execute_batch(&format!("BEGIN; {} COMMIT;", pending.concat()))
                    .map_err(sql_err)?;
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
            // One transaction, the page-token key included: a first start killed part way
            // leaves an empty file (started afresh next time), never a sandbox database
            // without its key.
            let init = format!(
                "{SCHEMA} {} PRAGMA application_id = {APPLICATION_ID}; \
                 PRAGMA user_version = {SCHEMA_VERSION};",
                record_tables()
            );
            let tx = conn.transaction().map_err(sql_err)?;
            tx.execute_batch(&init).map_err(sql_err)?;
            let key = insert_token_key(&tx).map_err(sql_err)?;
            tx.commit().map_err(sql_err)?;
            key
        } else {
            conn.execute_batch(&record_tables()).map_err(sql_err)?;
            let bytes: Option<Vec<u8>> = conn
                .query_row("SELECT value FROM meta WHERE name = 'token_key'", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(sql_err)?;
            match bytes {
                Some(bytes) => TokenKey::from_bytes(&bytes)
                    .ok_or_else(|| refused(path, "it is corrupt (no page-token key)"))?,
                // Earlier versions wrote the key after the schema, in a transaction of its own:
                // a first start killed between the two left this. Nothing was ever committed
                // (every commit names its tenant), so no page token was given out under a key.
                None if no_tenants(&conn).map_err(sql_err)? => {
                    insert_token_key(&conn).map_err(sql_err)?
                }
                None => return Err(refused(path, "it is corrupt (no page-token key)")),
            }
        };
        let tokens = Arc::new(tokens);
        let limits = IdemLimits { ttl, capacity };
        let rows = Arc::new(AtomicU64::new(1));
        let tenants = load(&conn, &tokens, &rows, limits).map_err(|e| match e {
            LoadError::Sql(e) => sql_err(e),
            LoadError::Record(what) => refused(path, format!("it is corrupt (a record of {what})")),
        })?;
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            conn: Mutex::new(Some(conn)),
            uncheckpointed: AtomicU64::new(0),
            failed: AtomicBool::new(false),
            fail_next: AtomicBool::new(false),
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
    ) -> (
        oneshot::Receiver<Result<(), StoreError>>,
        Option<Leadership>,
    ) {
        let (done, rx) = oneshot::channel();
        let mut queue = self.shared.lock_queue();
        // A closed database drops the batch, and with it `done`: the waiter sees an error and
        // the write is not acknowledged.
        if queue.closed {
            return (rx, None);
        }
        if self.failed() {
            let _ = done.send(Err(StoreError::CommitFailed));
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

    /// Whether a commit has failed, after which nothing is committed and the sandbox must not
    /// act on what it holds in memory.
    pub fn failed(&self) -> bool {
        self.shared.failed.load(Ordering::Acquire)
    }

    /// Makes the next commit that carries changes fail as an I/O error would, for tests of
    /// what follows a failed commit.
    pub fn fail_next_commit(&self) {
        self.shared.fail_next.store(true, Ordering::Release);
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
                None => Err(StoreError::Closed),
            };
            drop(conn);
            for b in group {
                let _ = b.done.send(result);
            }
        }
    }

    fn commit_group(&self, conn: &mut Connection, group: &[Batch]) -> Result<(), StoreError> {
        if self.failed.load(Ordering::Acquire) {
            return Err(StoreError::CommitFailed);
        }
        // Barriers only (empty batches): what was queued before them is committed already,
        // since groups commit in order.
        if group.iter().all(|b| b.changes.is_empty()) {
            return Ok(());
        }
        let result = if self.fail_next.swap(false, Ordering::AcqRel) {
            Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR),
                Some("injected by FaultInjector::fail_next_commit".into()),
            ))
        } else {
            commit(conn, group)
        };
        if let Err(e) = result {
            // Set before any waiter hears of it, so no later group commits: the leader takes
            // the next group only after this returns.
            self.failed.store(true, Ordering::Release);
            tracing::error!(
                error = %e,
                "state database commit failed: the sandbox answers every request 503 from now \
                 on; restart it to reload the last committed state"
            );
            return Err(StoreError::CommitFailed);
        }
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

/// Makes and stores a new page-token key.
fn insert_token_key(conn: &Connection) -> rusqlite::Result<TokenKey> {
    let (key, bytes) = TokenKey::generate();
    conn.execute(
        "INSERT INTO meta (name, value) VALUES ('token_key', ?1)",
        [&bytes[..]],
    )?;
    Ok(key)
}

/// Whether no commit ever named a tenant: the file holds no record of any kind.
fn no_tenants(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM tenants)", [], |r| {
        r.get(0)
    })
}

/// Creates `path` readable and writable by its owner only, unless it exists.
fn create_private(path: &Path) -> io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match std::fs::metadata(path) {
            // SQLite would open a file it may not write read-only, and fail at start with a
            // bare "disk I/O error": say what is wrong, naming the file.
            Ok(m) if m.is_file() => match std::fs::OpenOptions::new().write(true).open(path) {
                Ok(_) => Ok(()),
                Err(e) => Err(io::Error::new(
                    e.kind(),
                    format!(
                        "state file {}: it cannot be opened for writing ({e})",
                        path.display()
                    ),
                )),
            },
            Ok(_) => Err(refused(path, "it is not a regular file")),
            // A symbolic link to nothing (or to a place this user cannot see) exists, yet no
            // file can be opened through it: say which path, as below.
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!(
                    "state file {}: it is a link to no file ({e})",
                    path.display()
                ),
            )),
        },
        // Named, and of the OS's kind (not found, permission denied): a bare OS message would
        // not say which file.
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("state file {}: {e}", path.display()),
        )),
    }
}
