//! Query strings, parsed leniently so that every parameter error names the parameter.

use std::collections::HashSet;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use uuid::Uuid;

use crate::problem::Problem;
use crate::validate::{echo_name, parse_uuid};

/// Raw query pairs, parsed leniently so that every parameter error names the parameter.
pub(crate) struct Query(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let q = parts.uri.query().unwrap_or("");
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .map_err(|_| Problem::bad_query("the query string is not valid form encoding"))?;
        // Honouring one of two values would answer a question the client did not ask (two ids
        // read as one, two statuses as the last): a repeat is refused, whatever the parameter.
        if let Some(name) = repeated(&pairs) {
            return Err(Problem::bad_query(format!(
                "{} is given more than once; a multi-valued parameter is one comma-separated \
                 value (?id=a,b)",
                echo_name(name)
            )));
        }
        Ok(Query(pairs))
    }
}

/// The first parameter name given more than once. Queries are short, so comparing each name
/// with the ones before it is cheaper than hashing; a long one is hashed so that a hostile
/// query (tens of thousands of pairs fit in a URI) costs linear time, not quadratic.
fn repeated(pairs: &[(String, String)]) -> Option<&str> {
    const SHORT: usize = 16;
    if pairs.len() <= SHORT {
        return pairs
            .iter()
            .enumerate()
            .find(|(i, (k, _))| pairs[..*i].iter().any(|(p, _)| p == k))
            .map(|(_, (k, _))| k.as_str());
    }
    let mut seen = HashSet::with_capacity(pairs.len());
    pairs
        .iter()
        .map(|(k, _)| k.as_str())
        .find(|k| !seen.insert(*k))
}

impl Query {
    /// The parameter's value; each name occurs at most once (see `from_request_parts`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn list(&self, name: &str) -> Option<Vec<&str>> {
        self.get(name)
            .map(|v| v.split(',').map(str::trim).collect())
    }
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, Problem> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(Problem::bad_query(format!("{name} must be true or false"))),
        }
    }
    pub fn uuids(&self, name: &str) -> Result<Option<Vec<Uuid>>, Problem> {
        let Some(items) = self.list(name) else {
            return Ok(None);
        };
        if items.len() > 100 {
            return Err(Problem::bad_query(format!("{name} takes at most 100 ids")));
        }
        items
            .iter()
            .map(|s| parse_uuid(s))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| {
                Problem::bad_query(format!(
                    "{name} must be a comma-separated list of hyphenated UUIDs"
                ))
            })
    }
    pub fn uuid(&self, name: &str) -> Result<Option<Uuid>, Problem> {
        self.get(name)
            .map(|s| {
                parse_uuid(s)
                    .ok_or_else(|| Problem::bad_query(format!("{name} must be a hyphenated UUID")))
            })
            .transpose()
    }
    /// A parameter that takes one value of an enum, not a comma-separated list of them.
    pub fn one_of<E: Copy>(&self, name: &str, all: &[(&str, E)]) -> Result<Option<E>, Problem> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        all.iter()
            .find(|(n, _)| *n == v)
            .map(|(_, e)| Some(*e))
            .ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
                Problem::bad_query(format!("{name} must be one of {}", names.join(", ")))
            })
    }
    /// A comma-separated list of enum values.
    pub fn enumeration<E: Copy>(
        &self,
        name: &str,
        all: &[(&str, E)],
    ) -> Result<Option<Vec<E>>, Problem> {
        let Some(items) = self.list(name) else {
            return Ok(None);
        };
        items
            .iter()
            .map(|s| all.iter().find(|(n, _)| n == s).map(|(_, e)| *e))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
                Problem::bad_query(format!("{name} must be one of {}", names.join(", ")))
            })
    }
    /// Where a list resumes; an empty token asks for the first page, as an absent one does.
    pub fn page_token(&self) -> Option<&str> {
        self.get("page_token").filter(|s| !s.is_empty())
    }
    pub fn limit(&self) -> Result<usize, Problem> {
        let Some(s) = self.get("limit") else {
            return Ok(100);
        };
        let bad = || Problem::bad_query("limit must be an integer of at least 1");
        if s.is_empty()
            || !s
                .bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'))
        {
            return Err(bad());
        }
        if s.starts_with('-') {
            return Err(bad());
        }
        match s.parse::<u64>() {
            Ok(0) => Err(bad()),
            Ok(n) => Ok(n.min(100) as usize),
            // All digits but too big for u64: still "more than 100".
            Err(_) => Ok(100),
        }
    }
    pub fn text(&self, name: &str) -> Result<Option<&str>, Problem> {
        match self.get(name) {
            Some(v) if v.is_empty() || v.chars().count() > 256 => Err(Problem::bad_query(format!(
                "{name} must be 1 to 256 characters long"
            ))),
            other => Ok(other),
        }
    }
}
