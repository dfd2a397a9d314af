//! The database's tables: the schema (and its migration from earlier versions), what each
//! change writes, and how the tenants are read back at start.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, params};

use super::Batch;
use crate::problem::PROBLEM_JSON;
use crate::store::{Change, Collections, IdemLimits, Journal, StoredResponse, Tenant, TokenKey};
use crate::webhooks::signing::Secrets;

/// `PRAGMA application_id` of a sandbox database ("SYNS").
pub(super) const APPLICATION_ID: i32 = 0x5359_4e53;
/// `PRAGMA user_version`: the schema below. Version 1 kept disclosures and verifications by a
/// per-tenant sequence number; [`MIGRATE_FROM_1`] moves them to rows like every other kind.
/// Version 2 kept webhook subscriptions and events in `webhook_state`; [`MIGRATE_FROM_2`]
/// moves them to the record tables of their kinds.
pub(super) const SCHEMA_VERSION: i32 = 3;

// The small tables are clustered on their key (WITHOUT ROWID); the record tables are not, as
// SQLite advises for rows of a kilobyte. Records are keyed by a row number given in creation
// order rather than by their random UUID, so that a commit of new records appends pages
// instead of touching one index page per record. Each kind of record has a table of its own,
// named by its `Resource::KIND` ([`record_tables`]).
pub(super) const SCHEMA: &str = "
    CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE tenants (name TEXT PRIMARY KEY, generation INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE replays (
        tenant TEXT NOT NULL, op TEXT NOT NULL, key TEXT NOT NULL,
        fingerprint BLOB NOT NULL, status INTEGER NOT NULL, content_type TEXT NOT NULL,
        body BLOB NOT NULL, stored_at_ms INTEGER NOT NULL,
        PRIMARY KEY (tenant, op, key));
";

/// The table of every kind of record registered, created when missing: a kind added since the
/// file was made gets its table on the next start, with no new schema version.
pub(super) fn record_tables() -> String {
    Collections::KINDS
        .iter()
        .map(|t| {
            format!(
                "CREATE TABLE IF NOT EXISTS {t} \
                 (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL); \
                 CREATE INDEX IF NOT EXISTS {t}_by_tenant ON {t} (tenant);"
            )
        })
        .chain(std::iter::once(WEBHOOK_TABLE.to_string()))
        .collect()
}

/// Each tenant's webhook secrets (kind `secrets`, sequence number 0; earlier versions also kept
/// subscriptions and events here); created when missing, like the record tables.
const WEBHOOK_TABLE: &str = "CREATE TABLE IF NOT EXISTS webhook_state (
    tenant TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (tenant, kind, seq));";

/// Version 1 to 2: disclosures and verifications get rows (after every row in use, in their
/// old order) in place of their per-tenant sequence numbers.
pub(super) const MIGRATE_FROM_1: &str = "
    ALTER TABLE disclosures RENAME TO disclosures_v1;
    ALTER TABLE verifications RENAME TO verifications_v1;
    CREATE TABLE disclosures (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL);
    CREATE TABLE verifications (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL);
    INSERT INTO disclosures (row, tenant, record)
        SELECT (SELECT coalesce(max(row), 0) FROM persons) + row_number() OVER (ORDER BY seq, tenant),
               tenant, record FROM disclosures_v1;
    INSERT INTO verifications (row, tenant, record)
        SELECT (SELECT coalesce(max(row), 0) FROM persons)
                   + (SELECT count(*) FROM disclosures_v1)
                   + row_number() OVER (ORDER BY seq, tenant),
               tenant, record FROM verifications_v1;
    DROP TABLE disclosures_v1;
    DROP TABLE verifications_v1;
    PRAGMA user_version = 2;
";

/// Version 2 to 3: webhook subscriptions and events move from `webhook_state` to the record
/// tables of their kinds (`webhooks`, `webhook_events`), with rows after every row in use, in
/// their old order.
pub(super) const MIGRATE_FROM_2: &str = "
    CREATE TABLE IF NOT EXISTS webhook_state (
        tenant TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (tenant, kind, seq));
    CREATE TABLE IF NOT EXISTS webhooks (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL);
    INSERT INTO webhooks (row, tenant, record)
        SELECT (SELECT max(r) FROM (SELECT coalesce(max(row), 0) AS r FROM persons
                                    UNION ALL SELECT coalesce(max(row), 0) FROM disclosures
                                    UNION ALL SELECT coalesce(max(row), 0) FROM verifications))
                   + row_number() OVER (ORDER BY seq, tenant),
               tenant, record FROM webhook_state WHERE kind = 'hook';
    CREATE TABLE IF NOT EXISTS webhook_events (row INTEGER PRIMARY KEY, tenant TEXT NOT NULL, record TEXT NOT NULL);
    INSERT INTO webhook_events (row, tenant, record)
        SELECT (SELECT max(r) FROM (SELECT coalesce(max(row), 0) AS r FROM persons
                                    UNION ALL SELECT coalesce(max(row), 0) FROM disclosures
                                    UNION ALL SELECT coalesce(max(row), 0) FROM verifications
                                    UNION ALL SELECT coalesce(max(row), 0) FROM webhooks))
                   + row_number() OVER (ORDER BY seq, tenant),
               tenant, record FROM webhook_state WHERE kind = 'event';
    DELETE FROM webhook_state WHERE kind IN ('hook', 'event');
    PRAGMA user_version = 3;
";

pub(super) enum LoadError {
    Sql(rusqlite::Error),
    Record(&'static str),
}

impl From<rusqlite::Error> for LoadError {
    fn from(e: rusqlite::Error) -> Self {
        LoadError::Sql(e)
    }
}

pub(super) fn load(
    conn: &Connection,
    tokens: &Arc<TokenKey>,
    row_counter: &Arc<AtomicU64>,
    limits: IdemLimits,
) -> Result<HashMap<String, Tenant>, LoadError> {
    let mut tenants: HashMap<String, Tenant> = HashMap::new();
    macro_rules! tenant {
        ($name:expr) => {
            tenants.entry($name).or_insert_with(|| {
                Tenant::new(
                    tokens.clone(),
                    row_counter.clone(),
                    Some(Journal::default()),
                )
            })
        };
    }
    let mut q = conn.prepare("SELECT name, generation FROM tenants")?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        let generation: i64 = r.get(1)?;
        tenant!(r.get(0)?).generation = generation as u64;
    }
    let deleted: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE name = 'highest_deleted_row'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let mut next_row = deleted.map_or(1, |row| row as u64 + 1);
    for kind in Collections::KINDS {
        let mut q = conn.prepare(&format!("SELECT row, tenant, record FROM {kind}"))?;
        let mut found = q.query([])?;
        while let Some(r) = found.next()? {
            let row = r.get::<_, i64>(0)? as u64;
            tenant!(r.get(1)?)
                .records
                .load(kind, row, &r.get::<_, String>(2)?)
                .ok_or(LoadError::Record(kind))?;
            next_row = next_row.max(row + 1);
        }
    }
    row_counter.store(next_row, std::sync::atomic::Ordering::Relaxed);
    for t in tenants.values_mut() {
        t.reindex();
    }
    let mut q = conn.prepare("SELECT tenant, kind, record FROM webhook_state")?;
    let mut rows = q.query([])?;
    while let Some(r) = rows.next()? {
        if r.get::<_, String>(1)? != "secrets" {
            return Err(LoadError::Record("webhook_state"));
        }
        let secrets = serde_json::from_str(&r.get::<_, String>(2)?)
            .map_err(|_| LoadError::Record("webhook_state"))?;
        tenant!(r.get(0)?).webhook_secrets.restore_secrets(secrets);
    }
    let mut q = conn.prepare(
        "SELECT tenant, op, key, fingerprint, status, content_type, body, stored_at_ms \
         FROM replays ORDER BY stored_at_ms",
    )?;
    let mut rows = q.query([])?;
    let now_ms = unix_ms(SystemTime::now());
    let now = Instant::now();
    // Answers that expired or were evicted while loading: deleted below, or the file would
    // keep every answer that expired while the sandbox was down, and read it at every start.
    let mut forgotten: Vec<(String, String, String)> = Vec::new();
    while let Some(r) = rows.next()? {
        let fingerprint: [u8; 32] = r
            .get::<_, Vec<u8>>(3)?
            .try_into()
            .map_err(|_| LoadError::Record("replays"))?;
        let status: u16 = r.get(4)?;
        let content_type = match r.get::<_, String>(5)?.as_str() {
            "application/json" => "application/json",
            PROBLEM_JSON => PROBLEM_JSON,
            _ => return Err(LoadError::Record("replays")),
        };
        let stored_at: i64 = r.get(7)?;
        let age = Duration::from_millis(now_ms.saturating_sub(stored_at).max(0) as u64);
        if age >= limits.ttl {
            forgotten.push((r.get(0)?, r.get(1)?, r.get(2)?));
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
        let name: String = r.get(0)?;
        let evicted = tenant!(name.clone())
            .idem
            .finish(key, fingerprint, response, at, limits);
        forgotten.extend(
            evicted
                .into_iter()
                .map(|(op, key)| (name.clone(), op.into(), key)),
        );
    }
    drop(rows);
    if !forgotten.is_empty() {
        let tx = conn.unchecked_transaction()?;
        let mut delete =
            tx.prepare("DELETE FROM replays WHERE tenant = ?1 AND op = ?2 AND key = ?3")?;
        for (tenant, op, key) in &forgotten {
            delete.execute(params![tenant, op, key])?;
        }
        drop(delete);
        tx.commit()?;
    }
    Ok(tenants)
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub(super) fn commit(conn: &mut Connection, group: &[Batch]) -> rusqlite::Result<()> {
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

fn apply(tx: &rusqlite::Transaction<'_>, t: &str, change: &Change) -> rusqlite::Result<()> {
    match change {
        Change::Put { kind, row, record } => {
            let json = record
                .to_json()
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            tx.prepare_cached(&format!(
                "INSERT OR REPLACE INTO {kind} (row, tenant, record) VALUES (?1, ?2, ?3)"
            ))?
            .execute(params![*row as i64, t, json])?;
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
        Change::Delete { kind, row } => {
            tx.prepare_cached(&format!("DELETE FROM {kind} WHERE row = ?1"))?
                .execute([*row as i64])?;
            // Rows are never given out twice, even after a restart that finds the highest
            // ones deleted: a page token may still name one.
            tx.prepare_cached(
                "INSERT INTO meta (name, value) VALUES ('highest_deleted_row', ?1) \
                 ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
            )?
            .execute([*row as i64])?;
        }
        Change::Wipe => {
            for table in Collections::wiped_kinds().chain(["replays"]) {
                tx.prepare_cached(&format!("DELETE FROM {table} WHERE tenant = ?1"))?
                    .execute([t])?;
            }
            tx.prepare_cached("UPDATE tenants SET generation = generation + 1 WHERE name = ?1")?
                .execute([t])?;
        }
        Change::Secrets(secrets) => apply_secrets(tx, t, secrets.as_ref())?,
    }
    Ok(())
}

/// Upserts or deletes a tenant's webhook secrets.
fn apply_secrets(
    tx: &rusqlite::Transaction<'_>,
    t: &str,
    secrets: Option<&Secrets>,
) -> rusqlite::Result<()> {
    match secrets {
        Some(s) => {
            let json = serde_json::to_string(s)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            tx.prepare_cached(
                "INSERT OR REPLACE INTO webhook_state (tenant, kind, seq, record) \
                 VALUES (?1, 'secrets', 0, ?2)",
            )?
            .execute(params![t, json])?
        }
        None => tx
            .prepare_cached("DELETE FROM webhook_state WHERE tenant = ?1 AND kind = 'secrets'")?
            .execute([t])?,
    };
    Ok(())
}
