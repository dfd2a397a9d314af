//! Sealed page tokens.
//!
//! A keyset cursor holds the sort values of the last row (a lower-cased name, say); sealing keeps
//! them unreadable and unforgeable without any server-side cursor table. Each token also names
//! the tenant's generation, which a wipe bumps, so a token issued before a wipe is refused after
//! it. The key is random per process in memory and kept in the database with `--state`, so
//! tokens issued before a restart keep working there.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::StoreError;
use super::order::{Part, RowKey, SortSpec, SortVal, spec_string};

const NONCE_LEN: usize = 12;

/// The key page tokens are sealed with.
/// What a keyset page token holds: the store's generation, the sort order, and the last row's
/// sort values and id.
#[derive(Serialize)]
struct RowToken<'a> {
    g: u64,
    s: &'a str,
    k: Vec<KeyVal<'a>>,
    id: Uuid,
}

#[derive(Serialize)]
#[serde(untagged)]
enum KeyVal<'a> {
    Time(i64),
    Str(Option<&'a str>),
}

/// What a page token of a listing in creation order holds: the generation, the listing and
/// the last row's place.
#[derive(Serialize)]
struct SeqToken<'a> {
    g: u64,
    s: &'a str,
    q: u64,
}

pub struct TokenKey(ChaCha20Poly1305);

impl TokenKey {
    /// A fresh random key and its 32 bytes (to keep in a database).
    pub fn generate() -> (TokenKey, [u8; 32]) {
        let key = ChaCha20Poly1305::generate_key(&mut OsRng);
        let bytes: [u8; 32] = key.into();
        (TokenKey(ChaCha20Poly1305::new(&key)), bytes)
    }

    /// The key kept as `bytes`; `None` unless they are 32 bytes long.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub fn from_bytes(bytes: &[u8]) -> Option<TokenKey> {
        let bytes: [u8; 32] = bytes.try_into().ok()?;
        Some(TokenKey(ChaCha20Poly1305::new(&Key::from(bytes))))
    }

    fn seal(&self, v: &impl Serialize) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let plain = serde_json::to_vec(v).expect("a token's fields always serialize");
        let sealed = self
            .0
            .encrypt(&nonce, plain.as_slice())
            .expect("ChaCha20-Poly1305 encryption of a short buffer cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The content of `token`, if this key sealed it for generation `generation`.
    fn open(&self, token: &str, generation: u64) -> Result<Value, StoreError> {
        let bad = || StoreError::ForeignPageToken;
        if token.len() > 4096 {
            return Err(bad());
        }
        let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
        if raw.len() < NONCE_LEN {
            return Err(bad());
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let plain = self
            .0
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| bad())?;
        let v: Value = serde_json::from_slice(&plain).map_err(|_| bad())?;
        if v.get("g").and_then(Value::as_u64) != Some(generation) {
            return Err(StoreError::PageTokenBeforeWipe);
        }
        Ok(v)
    }

    pub(super) fn row_token(&self, generation: u64, spec: &SortSpec, key: &RowKey) -> String {
        let k = key
            .0
            .iter()
            .map(|p| match &p.val {
                SortVal::Time(t) => KeyVal::Time(*t),
                SortVal::Str(s) => KeyVal::Str(s.as_deref()),
            })
            .collect();
        let s = spec_string(spec);
        self.seal(&RowToken {
            g: generation,
            s: &s,
            k,
            id: key.1,
        })
    }

    pub(super) fn open_row_token(
        &self,
        generation: u64,
        spec: &SortSpec,
        token: &str,
    ) -> Result<RowKey, StoreError> {
        let bad = || StoreError::PageTokenOfOtherOrder;
        let v = self.open(token, generation)?;
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

    /// A token for listings in creation order (every kind but persons in another sort order).
    pub(super) fn seq_token(&self, generation: u64, kind: &str, row: u64) -> String {
        self.seal(&SeqToken {
            g: generation,
            s: kind,
            q: row,
        })
    }

    pub(super) fn open_seq_token(
        &self,
        generation: u64,
        kind: &str,
        token: &str,
    ) -> Result<u64, StoreError> {
        let v = self.open(token, generation)?;
        if v.get("s").and_then(Value::as_str) != Some(kind) {
            return Err(StoreError::PageTokenOfOtherListing);
        }
        v.get("q")
            .and_then(Value::as_u64)
            .ok_or(StoreError::ForeignPageToken)
    }
}
