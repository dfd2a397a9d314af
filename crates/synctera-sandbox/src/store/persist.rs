//! The durable log behind `--state`: an SQLite database (WAL journal) that every tenant's
//! changes are committed to before their answers are sent, and that is loaded back at start.
//!
//! Reads never touch it: the tenants in memory are the served state and the database is their
//! log. One writer thread owns the connection; a request hands it the changes its tenant
//! recorded and waits for the commit. Whatever queued up while a commit ran is committed in the
//! next transaction together (group commit), so concurrent writers share the cost of a commit.
//!
//! The database holds the connection's lock for the life of the process (exclusive locking
//! mode), so a second sandbox on the same file is refused at start and the first keeps serving.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{Change, IdemLimits, Journal, Record, StoredResponse, Tenant, TokenKey};
use crate::model::{Disclosure, Person, Verification};
use crate::problem::PROBLEM_JSON;

/// `PRAGMA application_id` of a sandbox database ("SYNS").
const APPLICATION_ID: i32 = 0x5359_4e53;
/// `PRAGMA user_version`: the schema below.
const SCHEMA_VERSION: i32 = 1;
/// Most requests' changes committed in one transaction.
const MAX_GROUP: usize = 4096;
/// WAL pages (4 KiB each) after which a commit checkpoints the log into the database file.
/// A checkpoint syncs both files and holds up every write queued behind it; at SQLite's
/// default of 1000 pages the syncs took about 30% of the writer thread's time in the
/// createPerson bench. 8192 pages (32 MiB) makes them eight times rarer, at the price of a
/// longer log to replay when the file is opened.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 8192;
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

/// One request's changes on their way to the writer thread.
struct Batch {
    tenant: String,
    changes: Vec<Change>,
    done: oneshot::Sender<Result<(), ()>>,
}

/// The handle requests commit through.
pub struct Database {
    queue: Mutex<Option<mpsc::Sender<Batch>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
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
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
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
        let tokens = Arc::new(tokens);
        let limits = IdemLimits { ttl, capacity };
        let rows = Arc::new(AtomicU64::new(1));
        let tenants = load(&conn, &tokens, &rows, limits).map_err(|e| match e {
            LoadError::Sql(e) => sql_err(e),
            LoadError::Record(what) => refused(path, format!("it is corrupt ({what})")),
        })?;
        let (queue, rx) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("sandbox-db".into())
            .spawn(move || write_loop(conn, rx))?;
        Ok(Loaded {
            rows,
            database: Database {
                queue: Mutex::new(Some(queue)),
                writer: Mutex::new(Some(writer)),
            },
            tokens,
            tenants,
        })
    }

    /// Queues `changes` of tenant `tenant`; the receiver answers once they are committed.
    pub fn submit(&self, tenant: &str, changes: Vec<Change>) -> oneshot::Receiver<Result<(), ()>> {
        let (done, rx) = oneshot::channel();
        // A closed or stopped writer drops the batch, and with it `done`: the waiter sees an
        // error and the write is not acknowledged.
        if let Some(queue) = &*self.queue.lock().unwrap_or_else(|e| e.into_inner()) {
            let _ = queue.send(Batch {
                tenant: tenant.to_string(),
                changes,
                done,
            });
        }
        rx
    }

    /// Commits what is queued, then closes the database (releasing the file for another
    /// process) and refuses later writes.
    pub fn close(&self) {
        drop(self.queue.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(writer) = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = writer.join();
        }
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

/// The writer thread: commits every batch queued, as many at a time as are waiting.
fn write_loop(mut conn: Connection, queue: mpsc::Receiver<Batch>) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(b) => group.push(b),
                Err(_) => break,
            }
        }
        let result = commit(&mut conn, &group).map_err(|e| {
            tracing::error!(error = %e, "state database commit failed");
        });
        for b in group {
            let _ = b.done.send(result);
        }
    }
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
    }
    Ok(())
}
