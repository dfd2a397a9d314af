//! Sort orders of person listings and a row's position in one.

use std::cmp::Ordering;

use uuid::Uuid;

use crate::records::Person;

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
    pub(super) fn name(self) -> &'static str {
        match self {
            SortField::CreationTime => "creation_time",
            SortField::FirstName => "first_name",
            SortField::LastName => "last_name",
            SortField::LastUpdatedTime => "last_updated_time",
        }
    }
    pub(super) fn is_time(self) -> bool {
        matches!(self, SortField::CreationTime | SortField::LastUpdatedTime)
    }
}

/// An ordered list of (field, descending?) pairs; the record id always breaks ties.
pub type SortSpec = Vec<(SortField, bool)>;

pub fn default_spec() -> SortSpec {
    vec![(SortField::CreationTime, false)]
}

pub(super) fn spec_string(spec: &SortSpec) -> String {
    spec.iter()
        .map(|(f, d)| format!("{}:{}", f.name(), if *d { "desc" } else { "asc" }))
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) enum SortVal {
    Time(i64),
    Str(Option<String>),
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Part {
    pub(super) val: SortVal,
    pub(super) desc: bool,
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

pub(super) fn row_key(spec: &SortSpec, p: &Person) -> RowKey {
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
