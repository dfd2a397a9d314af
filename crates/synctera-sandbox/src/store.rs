//! Per-tenant in-memory state with ordered indexes for keyset pagination.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::Instant;

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::model::{Disclosure, Person, Verification, VerificationType};
use crate::problem::Problem;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SortField {
    CreationTime,
    FirstName,
    LastName,
    LastUpdatedTime,
}

impl SortField {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "creation_time" => SortField::CreationTime,
            "first_name" => SortField::FirstName,
            "last_name" => SortField::LastName,
            "last_updated_time" => SortField::LastUpdatedTime,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            SortField::CreationTime => "creation_time",
            SortField::FirstName => "first_name",
            SortField::LastName => "last_name",
            SortField::LastUpdatedTime => "last_updated_time",
        }
    }
    fn is_time(self) -> bool {
        matches!(self, SortField::CreationTime | SortField::LastUpdatedTime)
    }
}

/// An ordered list of (field, descending?) pairs; the record id always breaks ties.
pub type SortSpec = Vec<(SortField, bool)>;

pub fn default_spec() -> SortSpec {
    vec![(SortField::CreationTime, false)]
}

fn spec_string(spec: &SortSpec) -> String {
    spec.iter()
        .map(|(f, d)| format!("{}:{}", f.name(), if *d { "desc" } else { "asc" }))
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum SortVal {
    Time(i64),
    Str(Option<String>),
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Part {
    val: SortVal,
    desc: bool,
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> Ordering {
        let o = self.val.cmp(&other.val);
        if self.desc { o.reverse() } else { o }
    }
}
impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A row's position in one sort order.
pub type RowKey = (Vec<Part>, Uuid);

fn row_key(spec: &SortSpec, p: &Person) -> RowKey {
    let parts = spec
        .iter()
        .map(|(f, desc)| {
            let val = match f {
                SortField::CreationTime => SortVal::Time(p.creation_time.timestamp_micros()),
                SortField::LastUpdatedTime => SortVal::Time(p.last_updated_time.timestamp_micros()),
                SortField::FirstName => {
                    SortVal::Str(p.first_name.as_ref().map(|s| s.to_lowercase()))
                }
                SortField::LastName => SortVal::Str(p.last_name.as_ref().map(|s| s.to_lowercase())),
            };
            Part { val, desc: *desc }
        })
        .collect();
    (parts, p.id)
}

/// The per-process key page tokens are sealed with. A keyset cursor holds the sort values of
/// the last row (a lower-cased name, say); sealing keeps them unreadable and unforgeable without
/// any server-side cursor table. Tokens therefore do not survive a restart, which the spec
/// allows: they are opaque and short-lived.
static TOKEN_KEY: LazyLock<ChaCha20Poly1305> =
    LazyLock::new(|| ChaCha20Poly1305::new(&ChaCha20Poly1305::generate_key(&mut OsRng)));

const NONCE_LEN: usize = 12;

fn encode_token(v: Value) -> String {
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = TOKEN_KEY
        .encrypt(&nonce, v.to_string().as_bytes())
        .expect("ChaCha20-Poly1305 encryption of a short buffer cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    URL_SAFE_NO_PAD.encode(out)
}

fn decode_token(token: &str) -> Result<Value, Problem> {
    let bad = || Problem::bad_query("page_token is not a token this listing issued");
    if token.len() > 4096 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    if raw.len() < NONCE_LEN {
        return Err(bad());
    }
    let (nonce, sealed) = raw.split_at(NONCE_LEN);
    let plain = TOKEN_KEY
        .decrypt(Nonce::from_slice(nonce), sealed)
        .map_err(|_| bad())?;
    serde_json::from_slice(&plain).map_err(|_| bad())
}

fn encode_row_token(spec: &SortSpec, key: &RowKey) -> String {
    let vals: Vec<Value> = key
        .0
        .iter()
        .map(|p| match &p.val {
            SortVal::Time(t) => json!(t),
            SortVal::Str(s) => json!(s),
        })
        .collect();
    encode_token(json!({"s": spec_string(spec), "k": vals, "id": key.1}))
}

fn decode_row_token(spec: &SortSpec, token: &str) -> Result<RowKey, Problem> {
    let bad = || Problem::bad_query("page_token does not belong to this sort order");
    let v = decode_token(token)?;
    if v.get("s").and_then(Value::as_str) != Some(spec_string(spec).as_str()) {
        return Err(bad());
    }
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(bad)?;
    let vals = v.get("k").and_then(Value::as_array).ok_or_else(bad)?;
    if vals.len() != spec.len() {
        return Err(bad());
    }
    let mut parts = Vec::new();
    for ((f, desc), v) in spec.iter().zip(vals) {
        let val = if f.is_time() {
            SortVal::Time(v.as_i64().ok_or_else(bad)?)
        } else {
            match v {
                Value::Null => SortVal::Str(None),
                Value::String(s) => SortVal::Str(Some(s.clone())),
                _ => return Err(bad()),
            }
        };
        parts.push(Part { val, desc: *desc });
    }
    Ok((parts, id))
}

/// Sequence-ordered tokens for disclosures and verifications.
pub fn encode_seq_token(kind: &str, seq: u64) -> String {
    encode_token(json!({"s": kind, "q": seq}))
}

pub fn decode_seq_token(kind: &str, token: &str) -> Result<u64, Problem> {
    let v = decode_token(token)?;
    if v.get("s").and_then(Value::as_str) != Some(kind) {
        return Err(Problem::bad_query(
            "page_token does not belong to this listing",
        ));
    }
    v.get("q")
        .and_then(Value::as_u64)
        .ok_or_else(|| Problem::bad_query("page_token is not a token this listing issued"))
}

/// What an idempotency key has seen so far.
pub enum IdemEntry {
    InFlight,
    Done {
        fingerprint: [u8; 32],
        response: StoredResponse,
    },
}

/// An idempotency key, scoped by operation (the tenant scope is the store itself).
pub type IdemKey = (&'static str, String);

/// How long and how many finished idempotency records a tenant keeps.
#[derive(Clone, Copy)]
pub struct IdemLimits {
    pub ttl: std::time::Duration,
    pub capacity: usize,
}

/// A tenant's idempotency records, bounded in time and number so that a long-running shared
/// sandbox does not grow without limit. Finished records expire after `ttl`; beyond `capacity`
/// the oldest finished ones are evicted first. In-flight keys are bounded by the number of
/// open requests and are never evicted.
#[derive(Default)]
pub struct IdemStore {
    map: HashMap<IdemKey, (IdemEntry, Instant)>,
    /// Finished records in completion order, with the stamp they were stored under.
    done: VecDeque<(Instant, IdemKey)>,
}

impl IdemStore {
    /// The live record of `key`; an expired one counts as absent.
    pub fn get(&self, key: &IdemKey, now: Instant, lim: IdemLimits) -> Option<&IdemEntry> {
        match self.map.get(key) {
            Some((IdemEntry::Done { .. }, at)) if now.duration_since(*at) >= lim.ttl => None,
            Some((e, _)) => Some(e),
            None => None,
        }
    }

    /// Claims `key` for a request that is starting.
    pub fn begin(&mut self, key: IdemKey, now: Instant) {
        self.map.insert(key, (IdemEntry::InFlight, now));
    }

    /// Releases a claim whose request went away before finishing.
    pub fn abandon(&mut self, key: &IdemKey) {
        if matches!(self.map.get(key), Some((IdemEntry::InFlight, _))) {
            self.map.remove(key);
        }
    }

    /// Stores the answer of a finished request and evicts what is expired or over capacity.
    pub fn finish(
        &mut self,
        key: IdemKey,
        fingerprint: [u8; 32],
        response: StoredResponse,
        now: Instant,
        lim: IdemLimits,
    ) {
        self.map.insert(
            key.clone(),
            (
                IdemEntry::Done {
                    fingerprint,
                    response,
                },
                now,
            ),
        );
        self.done.push_back((now, key));
        while let Some((at, _)) = self.done.front() {
            if self.done.len() <= lim.capacity && now.duration_since(*at) < lim.ttl {
                break;
            }
            let Some((at, key)) = self.done.pop_front() else {
                break;
            };
            // Only drop the record this queue entry stands for, not a newer one under the
            // same key (stored again after it expired).
            if matches!(self.map.get(&key), Some((IdemEntry::Done { .. }, t)) if *t == at) {
                self.map.remove(&key);
            }
        }
    }
}

#[derive(Clone)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Bytes,
}

type UniqKey = (NaiveDate, String, String);

const MAX_CACHED_INDEXES: usize = 32;

/// One maintained sort order and when a listing last used it (a tenant-wide tick, bumped
/// under the read lock, hence atomic).
struct Index {
    rows: BTreeSet<RowKey>,
    last_used: AtomicU64,
}

/// Everything one API key can see.
pub struct Tenant {
    persons: HashMap<Uuid, Person>,
    /// At most [`MAX_CACHED_INDEXES`] sort orders; the least recently used one (never the
    /// default order) makes room for a new one.
    indexes: HashMap<SortSpec, Index>,
    clock: AtomicU64,
    uniq: HashMap<UniqKey, Uuid>,
    pub disclosures: BTreeMap<u64, Disclosure>,
    pub disclosure_ids: HashMap<Uuid, u64>,
    pub verifications: BTreeMap<u64, Verification>,
    pub verification_ids: HashMap<Uuid, u64>,
    pub latest_verification: HashMap<(Uuid, VerificationType), u64>,
    seq: u64,
    pub idem: IdemStore,
}

fn uniq_key(p: &Person) -> Option<UniqKey> {
    Some((p.dob?, p.last_name.as_ref()?.to_lowercase(), p.ssn_last4()?))
}

pub struct Page<'a> {
    pub rows: Vec<&'a Person>,
    pub next: Option<String>,
}

impl Tenant {
    pub fn new() -> Self {
        let mut indexes = HashMap::new();
        indexes.insert(
            default_spec(),
            Index {
                rows: BTreeSet::new(),
                last_used: AtomicU64::new(0),
            },
        );
        Tenant {
            persons: HashMap::new(),
            indexes,
            clock: AtomicU64::new(0),
            uniq: HashMap::new(),
            disclosures: BTreeMap::new(),
            disclosure_ids: HashMap::new(),
            verifications: BTreeMap::new(),
            verification_ids: HashMap::new(),
            latest_verification: HashMap::new(),
            seq: 0,
            idem: IdemStore::default(),
        }
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn person(&self, id: &Uuid) -> Option<&Person> {
        self.persons.get(id)
    }

    pub fn person_count(&self) -> usize {
        self.persons.len()
    }

    /// The id of another record that would make `p` a duplicate customer.
    pub fn duplicate_of(&self, p: &Person) -> Option<Uuid> {
        let k = uniq_key(p)?;
        self.uniq.get(&k).copied().filter(|id| *id != p.id)
    }

    /// Inserts or replaces a record, keeping every index in step.
    pub fn put_person(&mut self, p: Person) {
        if let Some(old) = self.persons.get(&p.id) {
            for (spec, idx) in self.indexes.iter_mut() {
                idx.rows.remove(&row_key(spec, old));
            }
            if let Some(k) = uniq_key(old)
                && self.uniq.get(&k) == Some(&old.id)
            {
                self.uniq.remove(&k);
            }
        }
        for (spec, idx) in self.indexes.iter_mut() {
            idx.rows.insert(row_key(spec, &p));
        }
        if let Some(k) = uniq_key(&p) {
            self.uniq.entry(k).or_insert(p.id);
        }
        self.persons.insert(p.id, p);
    }

    pub fn has_index(&self, spec: &SortSpec) -> bool {
        self.indexes.contains_key(spec)
    }

    /// Builds the index for a sort order the first time it is asked for (once, O(n log n));
    /// from then on it is maintained on every write. With [`MAX_CACHED_INDEXES`] already
    /// kept, the least recently used order other than the default is dropped first, so every
    /// page of every order is served from an index and writes stay bounded.
    pub fn ensure_index(&mut self, spec: &SortSpec) {
        if self.indexes.contains_key(spec) {
            return;
        }
        if self.indexes.len() >= MAX_CACHED_INDEXES {
            let default = default_spec();
            let lru = self
                .indexes
                .iter()
                .filter(|(s, _)| **s != default)
                .min_by_key(|(_, i)| i.last_used.load(AtomicOrdering::Relaxed))
                .map(|(s, _)| s.clone());
            if let Some(lru) = lru {
                self.indexes.remove(&lru);
            }
        }
        let rows: BTreeSet<RowKey> = self.persons.values().map(|p| row_key(spec, p)).collect();
        let stamp = self.clock.fetch_add(1, AtomicOrdering::Relaxed) + 1;
        self.indexes.insert(
            spec.clone(),
            Index {
                rows,
                last_used: AtomicU64::new(stamp),
            },
        );
    }

    /// How many sort orders are kept (for tests of the bound).
    #[cfg(test)]
    fn index_count(&self) -> usize {
        self.indexes.len()
    }

    /// One page in `spec` order after `token`, holding rows that pass `keep`.
    pub fn page(
        &self,
        spec: &SortSpec,
        ids: Option<&[Uuid]>,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Person) -> bool,
    ) -> Result<Page<'_>, Problem> {
        let after = token.map(|t| decode_row_token(spec, t)).transpose()?;
        let mut rows: Vec<(RowKey, &Person)> = Vec::with_capacity(limit + 1);
        let lower = match &after {
            Some(k) => Bound::Excluded(k.clone()),
            None => Bound::Unbounded,
        };
        let index = self.indexes.get(spec);
        if let Some(i) = index {
            let stamp = self.clock.fetch_add(1, AtomicOrdering::Relaxed) + 1;
            i.last_used.store(stamp, AtomicOrdering::Relaxed);
        }
        match (ids, index.map(|i| &i.rows)) {
            (Some(ids), _) => {
                let mut found: Vec<(RowKey, &Person)> = ids
                    .iter()
                    .filter_map(|id| self.persons.get(id))
                    .map(|p| (row_key(spec, p), p))
                    .filter(|(k, p)| after.as_ref().is_none_or(|a| k > a) && keep(p))
                    .collect();
                found.sort_by(|a, b| a.0.cmp(&b.0));
                found.dedup_by(|a, b| a.0 == b.0);
                found.truncate(limit + 1);
                rows = found;
            }
            (None, Some(idx)) => {
                for k in idx.range((lower, Bound::Unbounded)) {
                    let p = &self.persons[&k.1];
                    if keep(p) {
                        rows.push((k.clone(), p));
                        if rows.len() > limit {
                            break;
                        }
                    }
                }
            }
            (None, None) => {
                // No index for this order: a listing checks for one and renders under separate
                // locks, so another listing may have evicted it in between. Rare, and still
                // correct: sort every row this once.
                let mut all: Vec<(RowKey, &Person)> = self
                    .persons
                    .values()
                    .map(|p| (row_key(spec, p), p))
                    .filter(|(k, p)| after.as_ref().is_none_or(|a| k > a) && keep(p))
                    .collect();
                all.sort_by(|a, b| a.0.cmp(&b.0));
                all.truncate(limit + 1);
                rows = all;
            }
        }
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|(k, _)| encode_row_token(spec, k))
        } else {
            None
        };
        Ok(Page {
            rows: rows.into_iter().map(|(_, p)| p).collect(),
            next,
        })
    }
}

/// A tenant's records as written to a state file (idempotency records are not kept).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct TenantSnapshot {
    seq: u64,
    persons: Vec<Person>,
    disclosures: Vec<(u64, Disclosure)>,
    verifications: Vec<Verification>,
}

impl Tenant {
    pub fn snapshot(&self) -> TenantSnapshot {
        let mut persons: Vec<Person> = self.persons.values().cloned().collect();
        persons.sort_by_key(|p| (p.creation_time, p.id));
        TenantSnapshot {
            seq: self.seq,
            persons,
            disclosures: self
                .disclosures
                .iter()
                .map(|(s, d)| (*s, d.clone()))
                .collect(),
            verifications: self.verifications.values().cloned().collect(),
        }
    }

    pub fn restore(snap: TenantSnapshot) -> Tenant {
        let mut t = Tenant::new();
        for p in snap.persons {
            t.put_person(p);
        }
        for (seq, d) in snap.disclosures {
            t.disclosure_ids.insert(d.id, seq);
            t.disclosures.insert(seq, d);
            t.seq = t.seq.max(seq);
        }
        for v in snap.verifications {
            t.verification_ids.insert(v.id, v.seq);
            let latest = t
                .latest_verification
                .entry((v.person_id, v.vtype))
                .or_insert(v.seq);
            *latest = (*latest).max(v.seq);
            t.seq = t.seq.max(v.seq);
            t.verifications.insert(v.seq, v);
        }
        t.seq = t.seq.max(snap.seq);
        t
    }
}

impl Default for Tenant {
    fn default() -> Self {
        Tenant::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PersonStatus;

    fn tenant_with(n: usize) -> Tenant {
        let mut t = Tenant::new();
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
}
