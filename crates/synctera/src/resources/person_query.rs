//! The query filters `listPersons` and `listCustomers` share: the two lists take the same
//! filters, except three that only `listPersons` has.

use std::fmt;

use synctera_raw::types;

use crate::error::Error;
use crate::transport::CallSettings;
use crate::values::enums::api_enum;
use crate::values::ids::PersonId;
use crate::values::pii::SsnLast4;
use crate::values::statuses::{BanStatus, PersonStatus};

api_enum! {
    /// Sort keys for `listPersons` / `listCustomers` (`sort_by`).
    PersonSortKey {
        /// Oldest first.
        CreationTimeAsc = "creation_time:asc",
        /// Newest first.
        CreationTimeDesc = "creation_time:desc",
        /// First name A–Z.
        FirstNameAsc = "first_name:asc",
        /// First name Z–A.
        FirstNameDesc = "first_name:desc",
        /// Last name A–Z.
        LastNameAsc = "last_name:asc",
        /// Last name Z–A.
        LastNameDesc = "last_name:desc",
        /// Least recently updated first.
        LastUpdatedTimeAsc = "last_updated_time:asc",
        /// Most recently updated first.
        LastUpdatedTimeDesc = "last_updated_time:desc",
    }
}

/// The query behind [`ListPersons`](crate::persons::ListPersons) and [`ListCustomers`](crate::customers::ListCustomers): the two lists take
/// the same filters, except three that only `listPersons` has (`is_customer`, `ban_status`,
/// `include_console_users`, which stay empty for customers).
#[derive(Clone, Default)]
pub(crate) struct PersonQuery {
    pub(crate) sort_by: Vec<PersonSortKey>,
    pub(crate) id: Vec<PersonId>,
    pub(crate) has_accounts: Option<bool>,
    pub(crate) ssn_last_4: Option<SsnLast4>,
    pub(crate) last_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) first_name: Option<String>,
    pub(crate) phone_number: Option<String>,
    pub(crate) status: Option<PersonStatus>,
    pub(crate) is_customer: Option<bool>,
    pub(crate) ban_status: Vec<BanStatus>,
    pub(crate) include_console_users: Option<bool>,
    pub(crate) limit: Option<u32>,
    pub(crate) page_token: Option<String>,
    pub(crate) settings: CallSettings,
}

/// The shared filters converted to the generated client's types (checked once per page).
pub(crate) struct RawFilters {
    pub(crate) limit: Option<std::num::NonZeroU64>,
    pub(crate) status: Option<types::PersonStatus>,
    pub(crate) sort_by: Vec<types::PersonSortKey>,
    pub(crate) ssn_last_4: Option<types::SsnLast4>,
    pub(crate) ids: Vec<uuid::Uuid>,
}

impl PersonQuery {
    pub(crate) fn raw_filters(&self) -> Result<RawFilters, Error> {
        Ok(RawFilters {
            limit: crate::transport::pagination::page_limit(self.limit)?,
            status: self
                .status
                .as_ref()
                .map(|s| s.to_raw("status"))
                .transpose()?,
            sort_by: self
                .sort_by
                .iter()
                .enumerate()
                .map(|(i, s)| s.to_raw(crate::field_path::FieldPath::element("sort_by", i)))
                .collect::<Result<_, _>>()?,
            ssn_last_4: self
                .ssn_last_4
                .as_ref()
                .map(|s| s.to_raw("ssn_last_4"))
                .transpose()?,
            ids: self.id.iter().map(|i| i.into_uuid()).collect(),
        })
    }

    /// `Debug` of a list builder: PII filters redacted; the person-only ones when `persons`.
    pub(crate) fn debug(
        &self,
        f: &mut fmt::Formatter<'_>,
        name: &str,
        persons: bool,
    ) -> fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        let mut d = f.debug_struct(name);
        d.field("sort_by", &self.sort_by)
            .field("id", &self.id)
            .field("has_accounts", &self.has_accounts)
            .field(
                "ssn_last_4",
                &self.ssn_last_4.as_ref().map(|_| "[redacted]"),
            )
            .field("last_name", &hidden(&self.last_name))
            .field("email", &hidden(&self.email))
            .field("first_name", &hidden(&self.first_name))
            .field("phone_number", &hidden(&self.phone_number))
            .field("status", &self.status);
        if persons {
            d.field("is_customer", &self.is_customer)
                .field("ban_status", &self.ban_status)
                .field("include_console_users", &self.include_console_users);
        }
        d.field("limit", &self.limit)
            .field("page_token", &self.page_token)
            .finish()
    }
}

/// Applies the filters `listPersons` and `listCustomers` share to a generated request builder
/// (the two builders are different types with the same setters).
macro_rules! apply_shared_filters {
    ($r:ident, $q:expr, $f:expr) => {{
        let (q, f) = (&$q, &$f);
        if !f.sort_by.is_empty() {
            $r = $r.sort_by(f.sort_by.clone());
        }
        if !f.ids.is_empty() {
            $r = $r.id(f.ids.clone());
        }
        if let Some(v) = q.has_accounts {
            $r = $r.has_accounts(v);
        }
        if let Some(v) = &f.ssn_last_4 {
            $r = $r.ssn_last_4(v.clone());
        }
        if let Some(v) = &q.last_name {
            $r = $r.last_name(v.clone());
        }
        if let Some(v) = &q.email {
            $r = $r.email(v.clone());
        }
        if let Some(v) = &q.first_name {
            $r = $r.first_name(v.clone());
        }
        if let Some(v) = &q.phone_number {
            $r = $r.phone_number(v.clone());
        }
        if let Some(v) = f.status {
            $r = $r.status(v);
        }
        if let Some(v) = f.limit {
            $r = $r.limit(v);
        }
        if let Some(v) = &q.page_token {
            $r = $r.page_token(v.clone());
        }
    }};
}
pub(crate) use apply_shared_filters;

/// The filter setters `ListPersons` and `ListCustomers` share (their query is a
/// `person_query::PersonQuery` in `q`); `$id` is the id type the list accepts besides its twin.
macro_rules! person_filters {
    ($list:ident, $id:ty, $noun:literal) => {
        impl $list {
            /// Adds a sort key (`sort_by`); keys apply in the order added.
            pub fn sort_by(mut self, key: $crate::resources::person_query::PersonSortKey) -> Self {
                self.q.sort_by.push(key);
                self
            }
            /// Only these ids (may be called repeatedly). Accepts person or customer ids.
            pub fn id(mut self, id: impl Into<$id>) -> Self {
                self.q
                    .id
                    .push($crate::values::ids::PersonId::from(id.into()));
                self
            }
            #[doc = concat!("Only ", $noun, " that do (or do not) hold accounts.")]
            pub fn has_accounts(mut self, v: bool) -> Self {
                self.q.has_accounts = Some(v);
                self
            }
            #[doc = concat!("Only ", $noun, " whose SSN ends with these four digits.")]
            pub fn ssn_last_4(mut self, v: $crate::values::pii::SsnLast4) -> Self {
                self.q.ssn_last_4 = Some(v);
                self
            }
            /// Last name; `*` is a wildcard.
            pub fn last_name(mut self, v: impl Into<String>) -> Self {
                self.q.last_name = Some(v.into());
                self
            }
            /// E-mail; `*` is a wildcard.
            pub fn email(mut self, v: impl Into<String>) -> Self {
                self.q.email = Some(v.into());
                self
            }
            /// First name (for persons, also the chosen name); `*` is a wildcard.
            pub fn first_name(mut self, v: impl Into<String>) -> Self {
                self.q.first_name = Some(v.into());
                self
            }
            /// Phone number; `*` is a wildcard.
            pub fn phone_number(mut self, v: impl Into<String>) -> Self {
                self.q.phone_number = Some(v.into());
                self
            }
            #[doc = concat!("Only ", $noun, " in this status.")]
            pub fn status(mut self, v: $crate::values::statuses::PersonStatus) -> Self {
                self.q.status = Some(v);
                self
            }
        }
    };
}
pub(crate) use person_filters;
