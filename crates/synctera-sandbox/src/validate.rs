//! Field-by-field checking of JSON request bodies.
//!
//! Bodies are parsed to `serde_json::Value` first and then walked by hand, so every problem can
//! be reported by field name (unknown, missing, wrong type, bad format) without ever echoing a value.

use std::fmt::Display;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use regex::Regex;
use serde_json::{Map, Value};

use crate::problem::Problem;

mod fields;
mod patterns;

pub use fields::{Field, Fields};
use fields::{Read, first_token, read_object};
pub use patterns::is_email;
use patterns::{full_date, is_country, is_phone, is_ssn, is_state, is_us_zip};

// Every pattern spells digits as `[0-9]`: in the `regex` crate `\d` matches any Unicode decimal
// digit (Arabic-Indic, Devanagari, ...), which the spec's ECMAScript patterns do not allow.
static VERSION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^v?[0-9]+\.[0-9]+$").unwrap());
static CA_POSTAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][0-9][A-Za-z]) ?([0-9][A-Za-z][0-9])$").unwrap());

/// True when `s` is exactly four ASCII digits (the `ssn_last_4` filter).
pub fn is_ssn_last4(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A UUID in the one text form the spec's `format: uuid` means: RFC 4122's 36-character
/// hyphenated form (hex digits in either case). The simple (32 hex digits), `urn:uuid:` and
/// braced forms the `uuid` crate also reads are not ids of this API.
pub fn parse_uuid(s: &str) -> Option<uuid::Uuid> {
    if s.len() != 36 {
        return None;
    }
    uuid::Uuid::parse_str(s).ok()
}

/// Collected problems of one body, reported together.
#[derive(Default)]
pub struct Errors {
    unknown: Vec<String>,
    missing: Vec<String>,
    invalid: Vec<String>,
}

impl Errors {
    pub fn unknown(&mut self, f: impl Into<String>) {
        self.unknown.push(f.into());
    }
    pub fn missing(&mut self, f: impl Into<String>) {
        self.missing.push(f.into());
    }
    /// `what` describes the rule, never the value.
    pub fn invalid(&mut self, f: impl AsRef<str>, what: impl Display) {
        self.invalid.push(format!("{} ({what})", f.as_ref()));
    }
    pub fn is_empty(&self) -> bool {
        self.unknown.is_empty() && self.missing.is_empty() && self.invalid.is_empty()
    }
    pub fn into_result(self) -> Result<(), Problem> {
        if self.is_empty() {
            return Ok(());
        }
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "missing required fields: {}",
                self.missing.join(", ")
            ));
        }
        if !self.unknown.is_empty() {
            parts.push(format!("unknown fields: {}", echo_unknown(&self.unknown)));
        }
        if !self.invalid.is_empty() {
            parts.push(format!("invalid fields: {}", self.invalid.join(", ")));
        }
        Err(Problem::bad_body(parts.join("; ")))
    }
}

/// Most unknown field names one problem report lists; the rest are counted.
const MAX_UNKNOWN_LISTED: usize = 10;

/// A field name this API could have: lower_snake_case ASCII of at most 40 characters. Anything
/// else a client sent as a key may be data typed into the wrong place (an SSN, an e-mail
/// address) and is never echoed.
static ECHOABLE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9_]{0,39}$").unwrap());

/// Placeholder for a field name that is not echoed.
const REDACTED_NAME: &str = "<redacted>";

/// One unknown field path as it may appear in a response: each dotted segment is echoed only
/// when it looks like a field name and holds no run of four digits. A segment before the last
/// may carry an array index the sandbox added (`personal_ids[0].nickname`); only indexes of up
/// to three digits pass, because a client can type the same shape into a key
/// (`{"ssn[123456789]": 1}`), and the last segment, always the client's key, is checked whole.
fn echo_path(path: &str) -> String {
    let name_ok = is_echoable;
    let indexed_ok = |seg: &str| {
        let Some((name, rest)) = seg.split_once('[') else {
            return name_ok(seg);
        };
        let index_ok = rest
            .strip_suffix(']')
            .is_some_and(|i| (1..=3).contains(&i.len()) && i.bytes().all(|b| b.is_ascii_digit()));
        index_ok && name_ok(name)
    };
    let mut segments: Vec<&str> = path.split('.').collect();
    let last = segments.pop().unwrap_or_default();
    if path.len() > 200 || !name_ok(last) || !segments.into_iter().all(indexed_ok) {
        return REDACTED_NAME.to_string();
    }
    path.to_string()
}

/// A name a client sent (a body field's, a query parameter's) as it may appear in a response:
/// itself when it looks like a name of this API, else [`REDACTED_NAME`].
pub fn echo_name(name: &str) -> &str {
    if is_echoable(name) {
        name
    } else {
        REDACTED_NAME
    }
}

fn is_echoable(name: &str) -> bool {
    ECHOABLE_NAME.is_match(name) && !has_digit_run(name, 4)
}

fn has_digit_run(s: &str, n: usize) -> bool {
    let mut run = 0;
    for b in s.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= n {
            return true;
        }
    }
    false
}

/// The unknown field names of a report: at most [`MAX_UNKNOWN_LISTED`], each masked by
/// [`echo_path`], with a count of the rest.
fn echo_unknown(names: &[String]) -> String {
    let mut listed: Vec<String> = names
        .iter()
        .take(MAX_UNKNOWN_LISTED)
        .map(|n| echo_path(n))
        .collect();
    if names.len() > MAX_UNKNOWN_LISTED {
        listed.push(format!("and {} more", names.len() - MAX_UNKNOWN_LISTED));
    }
    listed.join(", ")
}

/// Parses a request body into a JSON object's fields, or a 400 that says what is wrong with it.
pub fn parse_object(body: &[u8]) -> Result<Fields<'_>, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::bad_body(
            "request body is empty; a JSON object is required",
        ));
    }
    if first_token(body) == Some(b'{') {
        match read_object(body) {
            Ok(Read::Fields(f)) => return Ok(f),
            Ok(Read::AsValue) => {}
            Err(e) => return Err(not_json(&e)),
        }
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m.into()),
        Ok(_) => Err(Problem::bad_body("request body must be a JSON object")),
        Err(e) => Err(not_json(&e)),
    }
}

fn not_json(e: &serde_json::Error) -> Problem {
    Problem::bad_body(format!(
        "request body is not valid JSON (line {}, column {})",
        e.line(),
        e.column()
    ))
}

/// A walker over one JSON object that consumes fields as they are read; whatever is left at
/// the end is an unknown field.
pub struct Obj<'a> {
    prefix: String,
    map: Fields<'a>,
    pub errs: &'a mut Errors,
}

impl<'a> Obj<'a> {
    pub fn new(prefix: &str, map: Fields<'a>, errs: &'a mut Errors) -> Self {
        Obj {
            prefix: prefix.to_string(),
            map,
            errs,
        }
    }

    pub fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.map.has(name)
    }

    /// Records `name`, under this object's prefix, as breaking `rule`.
    pub fn invalid(&mut self, name: &str, rule: impl Display) {
        let p = self.path(name);
        self.errs.invalid(p, rule);
    }

    /// `v` as it is; when it is `None`, `name` is recorded as breaking `rule`. A `rule` that is
    /// formatted is passed as `format_args!` so that a valid field costs no allocation.
    fn or_invalid<T>(&mut self, name: &str, rule: impl Display, v: Option<T>) -> Option<T> {
        if v.is_none() {
            self.invalid(name, rule);
        }
        v
    }

    /// Takes a field out; `null` counts as a wrong type since no request field is nullable.
    fn take(&mut self, name: &str, ty: &str) -> Option<Field<'a>> {
        match self.map.take(name) {
            None => None,
            Some(Field::Other(Value::Null)) => {
                self.invalid(name, format_args!("must be {ty}, not null"));
                None
            }
            Some(v) => Some(v),
        }
    }

    /// Takes a field of the JSON type `ty` names; `get` unwraps that variant.
    fn typed<T>(
        &mut self,
        name: &str,
        ty: &str,
        get: impl FnOnce(Field<'a>) -> Option<T>,
    ) -> Option<T> {
        let v = self.take(name, ty)?;
        self.or_invalid(name, format_args!("must be {ty}"), get(v))
    }

    pub fn string(&mut self, name: &str) -> Option<String> {
        self.typed(name, "a string", |v| match v {
            Field::Other(Value::String(s)) => Some(s),
            _ => None,
        })
    }

    /// A string of 1..=max characters.
    pub fn text(&mut self, name: &str, max: usize) -> Option<String> {
        let s = self.string(name)?;
        let ok = (1..=max).contains(&s.chars().count());
        self.or_invalid(
            name,
            format_args!("must be 1 to {max} characters long"),
            ok.then_some(s),
        )
    }

    pub fn required<T>(&mut self, name: &str, v: Option<T>) -> Option<T> {
        if v.is_none() && !self.invalid_recorded(name) {
            let p = self.path(name);
            self.errs.missing(p);
        }
        v
    }

    fn invalid_recorded(&self, name: &str) -> bool {
        let p = self.path(name);
        self.errs
            .invalid
            .iter()
            .any(|e| e.starts_with(&format!("{p} (")))
    }

    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        self.typed(name, "a boolean", |v| match v {
            Field::Other(Value::Bool(b)) => Some(b),
            _ => None,
        })
    }

    pub fn object(&mut self, name: &str) -> Option<Fields<'a>> {
        self.typed(name, "an object", |v| match v {
            Field::Object(fields) => Some(fields),
            // A body read as a whole `Value` (see `parse_object`).
            Field::Other(Value::Object(m)) => Some(m.into()),
            _ => None,
        })
    }

    pub fn array(&mut self, name: &str) -> Option<Vec<Value>> {
        self.typed(name, "an array", |v| match v {
            Field::Other(Value::Array(a)) => Some(a),
            _ => None,
        })
    }

    pub fn enumeration<E: Copy>(&mut self, name: &str, values: &[(&str, E)]) -> Option<E> {
        let s = self.string(name)?;
        match values.iter().find(|(n, _)| *n == s) {
            Some((_, e)) => Some(*e),
            None => {
                let allowed: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
                self.invalid(name, format_args!("must be one of {}", allowed.join(", ")));
                None
            }
        }
    }

    /// A string `ok` accepts; `rule` says what it must be.
    pub fn pattern(&mut self, name: &str, ok: fn(&str) -> bool, rule: &str) -> Option<String> {
        let s = self.string(name)?;
        self.or_invalid(name, rule, ok(&s).then_some(s))
    }

    pub fn ssn(&mut self, name: &str) -> Option<String> {
        self.pattern(name, is_ssn, "must match ^[0-9]{3}-[0-9]{2}-[0-9]{4}$")
    }

    pub fn phone(&mut self, name: &str) -> Option<String> {
        self.pattern(name, is_phone, r"must be E.164, ^\+[1-9][0-9]{1,14}$")
    }

    pub fn version(&mut self, name: &str) -> Option<String> {
        self.pattern(
            name,
            |s| VERSION.is_match(s),
            r"must match ^v?[0-9]+\.[0-9]+$",
        )
    }

    pub fn country(&mut self, name: &str) -> Option<String> {
        self.pattern(name, is_country, "must match ^[A-Z]{2}$")
    }

    pub fn uuid(&mut self, name: &str) -> Option<uuid::Uuid> {
        let s = self.string(name)?;
        self.or_invalid(name, "must be a hyphenated UUID", parse_uuid(&s))
    }

    /// Date of birth: a full-date on or after 1900-01-01 and before today (UTC).
    pub fn dob(&mut self, name: &str) -> Option<NaiveDate> {
        let s = self.string(name)?;
        let d = self.or_invalid(name, "must be a full-date YYYY-MM-DD", full_date(&s))?;
        let min = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date");
        if d < min || d >= Utc::now().date_naive() {
            self.invalid(name, "must be on or after 1900-01-01 and before today");
            return None;
        }
        Some(d)
    }

    pub fn datetime(&mut self, name: &str) -> Option<DateTime<Utc>> {
        let s = self.string(name)?;
        let d = DateTime::parse_from_rfc3339(&s).map(|d| d.with_timezone(&Utc));
        self.or_invalid(name, "must be an RFC 3339 date-time", d.ok())
    }

    /// Consumes a field without using it (accepted for compatibility, ignored).
    pub fn ignore(&mut self, name: &str) {
        self.map.take(name);
    }

    pub fn child<'b>(&'b mut self, name: &str, map: Fields<'b>) -> Obj<'b> {
        let prefix = self.path(name);
        Obj {
            prefix,
            map,
            errs: self.errs,
        }
    }

    /// Reports every field not consumed.
    pub fn finish(self) {
        for k in self.map.remaining() {
            let p = if self.prefix.is_empty() {
                k
            } else {
                format!("{}.{k}", self.prefix)
            };
            self.errs.unknown(p);
        }
    }
}

/// An address as given in a request, already validated and normalised.
#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AddressInput {
    pub address_line_1: String,
    pub address_line_2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: String,
    pub nickname: Option<String>,
}

pub fn address(parent: &mut Obj<'_>, name: &str) -> Option<AddressInput> {
    let map = parent.object(name)?;
    let mut o = parent.child(name, map);
    let line1 = o.text("address_line_1", 256);
    let line1 = o.required("address_line_1", line1);
    let address_line_2 = o.text("address_line_2", 256);
    let city = o.text("city", 128);
    let state = o.pattern(
        "state",
        is_state,
        "must match ^[A-Z0-9]{1,3}$ (an ISO 3166-2 subdivision code without the country prefix)",
    );
    let postal = o.text("postal_code", 16);
    let country = o.pattern("country_code", is_country, "must match ^[A-Z]{2}$");
    let country = o.required("country_code", country);
    let nickname = o.text("nickname", 256);
    let mut postal_code = None;
    if let Some(pc) = postal {
        match country.as_deref() {
            Some("US") if !is_us_zip(&pc) => {
                o.invalid("postal_code", "US postal codes are 12345 or 12345-1234");
            }
            Some("CA") => match CA_POSTAL.captures(&pc) {
                Some(c) => {
                    postal_code = Some(format!("{} {}", &c[1], &c[2]).to_ascii_uppercase());
                }
                None => {
                    o.invalid("postal_code", "CA postal codes are A1A 1A1 or A1A1A1");
                }
            },
            _ => postal_code = Some(pc),
        }
    }
    o.finish();
    Some(AddressInput {
        address_line_1: line1?,
        address_line_2,
        city,
        state,
        postal_code,
        country_code: country?,
        nickname,
    })
}

/// Free-form metadata: any JSON object.
pub fn metadata(o: &mut Obj<'_>) -> Option<Map<String, Value>> {
    o.object("metadata").map(Fields::into_map)
}

/// The `person_id` or `business_id` of a body that names exactly one of them.
pub fn one_of_person_business(o: &mut Obj<'_>) -> (Option<uuid::Uuid>, Option<uuid::Uuid>) {
    let had_p = o.has("person_id");
    let had_b = o.has("business_id");
    let p = o.uuid("person_id");
    let b = o.uuid("business_id");
    match (had_p, had_b) {
        (true, true) => o
            .errs
            .invalid("person_id, business_id", "exactly one of them must be set"),
        (false, false) => o.errs.missing("person_id or business_id"),
        _ => {}
    }
    (p, b)
}
