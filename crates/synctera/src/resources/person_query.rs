//! The query filters `listPersons` and `listCustomers` share: the two lists take the same
//! filters, except three that only `listPersons` has.

use std::fmt;

use synctera_raw::types;

use crate::error::Error;
use crate::field_path::FieldPath;
use crate::transport::pagination::{List, ListQuery};
use crate::values::enums::{WireEnum, api_enum};
use crate::values::ids::{PersonId, id_filter};
use crate::values::pii::{SsnLast4, redacted};
use crate::values::statuses::PersonStatus;

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

/// The filters `listPersons` and `listCustomers` share; each list's query holds them (the
/// persons list adds `is_customer`, `ban_status` and `include_console_users`).
#[derive(Clone, Default)]
pub struct PersonFilters {
    sort_by: Vec<PersonSortKey>,
    id: Vec<PersonId>,
    has_accounts: Option<bool>,
    ssn_last_4: Option<SsnLast4>,
    last_name: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    phone_number: Option<String>,
    status: Option<PersonStatus>,
}

/// The shared filters in the generated client's types (checked once per page), as the
/// page operations carry them.
pub(crate) struct RawFilters {
    pub(crate) sort_by: Vec<types::PersonSortKey>,
    pub(crate) ids: Vec<uuid::Uuid>,
    pub(crate) has_accounts: Option<bool>,
    pub(crate) ssn_last_4: Option<types::SsnLast4>,
    pub(crate) last_name: Option<types::TextFilter>,
    pub(crate) email: Option<types::TextFilter>,
    pub(crate) first_name: Option<types::TextFilter>,
    pub(crate) phone_number: Option<types::TextFilter>,
    pub(crate) status: Option<types::PersonStatus>,
}

impl PersonFilters {
    pub(crate) fn to_raw(&self) -> Result<RawFilters, Error> {
        self.check_sort_fields()?;
        Ok(RawFilters {
            status: PersonStatus::to_raw_opt(self.status.as_ref(), "status")?,
            sort_by: self
                .sort_by
                .iter()
                .enumerate()
                .map(|(i, s)| s.to_raw(FieldPath::element("sort_by", i)))
                .collect::<Result<_, _>>()?,
            ssn_last_4: self
                .ssn_last_4
                .as_ref()
                .map(|s| s.to_raw("ssn_last_4"))
                .transpose()?,
            ids: id_filter(&self.id)?,
            has_accounts: self.has_accounts,
            // Checked here (1 to 256 characters), so a refusal names the filter: the generated
            // builder would refuse it only when sending, naming no field.
            last_name: Error::constrained_opt("last_name", self.last_name.as_deref())?,
            email: Error::constrained_opt("email", self.email.as_deref())?,
            first_name: Error::constrained_opt("first_name", self.first_name.as_deref())?,
            phone_number: Error::constrained_opt("phone_number", self.phone_number.as_deref())?,
        })
    }
}

impl PersonFilters {
    /// The spec's rule for `sort_by`: each field at most once (`last_name:asc` and
    /// `last_name:desc` together are refused by the API). The key naming a field again is named
    /// by its index.
    fn check_sort_fields(&self) -> Result<(), Error> {
        fn field(key: &PersonSortKey) -> &str {
            key.as_str().split(':').next().unwrap_or_default()
        }
        for (i, key) in self.sort_by.iter().enumerate() {
            if self.sort_by[..i].iter().any(|k| field(k) == field(key)) {
                return Err(Error::validation(
                    FieldPath::element("sort_by", i),
                    "sorts by a field an earlier key already sorts by (each field at most once)",
                ));
            }
        }
        Ok(())
    }
}

/// PII filters redacted.
impl fmt::Debug for PersonFilters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonFilters")
            .field("sort_by", &self.sort_by)
            .field("id", &self.id)
            .field("has_accounts", &self.has_accounts)
            .field("ssn_last_4", &redacted(&self.ssn_last_4))
            .field("last_name", &redacted(&self.last_name))
            .field("email", &redacted(&self.email))
            .field("first_name", &redacted(&self.first_name))
            .field("phone_number", &redacted(&self.phone_number))
            .field("status", &self.status)
            .finish()
    }
}

/// The query of a list that takes the [`PersonFilters`]: [`ListPersons`](crate::ListPersons)
/// and [`ListCustomers`](crate::ListCustomers). Implemented by this crate's lists only.
pub trait PersonListQuery: ListQuery {
    /// The id the list's `id` filter takes (either converts into the other).
    type Id: Into<PersonId>;
    /// Where the query keeps the shared filters.
    #[doc(hidden)]
    fn filters_mut(&mut self) -> &mut PersonFilters;
}

/// The filters persons and customers share, written once for both lists.
impl<Q: PersonListQuery> List<Q> {
    /// Adds a sort key (`sort_by`); keys apply in the order added, each field at most once.
    pub fn sort_by(mut self, key: PersonSortKey) -> Self {
        self.query.filters_mut().sort_by.push(key);
        self
    }
    /// Only these ids (may be called repeatedly; at most 100). Accepts person or customer ids.
    pub fn id(mut self, id: impl Into<Q::Id>) -> Self {
        self.query.filters_mut().id.push(id.into().into());
        self
    }
    /// Only records that do (or do not) hold accounts.
    pub fn has_accounts(mut self, v: bool) -> Self {
        self.query.filters_mut().has_accounts = Some(v);
        self
    }
    /// Only records whose SSN ends with these four digits.
    pub fn ssn_last_4(mut self, v: SsnLast4) -> Self {
        self.query.filters_mut().ssn_last_4 = Some(v);
        self
    }
    /// Last name; `*` is a wildcard. Like every text filter, 1 to 256 characters (checked when
    /// the list is sent, the error naming the filter).
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.query.filters_mut().last_name = Some(v.into());
        self
    }
    /// E-mail; `*` is a wildcard.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.query.filters_mut().email = Some(v.into());
        self
    }
    /// First name (for persons, also the chosen name); `*` is a wildcard.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.query.filters_mut().first_name = Some(v.into());
        self
    }
    /// Phone number; `*` is a wildcard.
    pub fn phone_number(mut self, v: impl Into<String>) -> Self {
        self.query.filters_mut().phone_number = Some(v.into());
        self
    }
    /// Only records in this status.
    pub fn status(mut self, v: PersonStatus) -> Self {
        self.query.filters_mut().status = Some(v);
        self
    }
}

/// The generated list builder `$request` (`listPersons` and `listCustomers` are different types
/// with the same setters) with the shared filters `$filters` (a [`RawFilters`]) and the page
/// `$paging` set.
macro_rules! with_shared_filters {
    ($request:expr, $filters:expr, $paging:expr) => {{
        let (f, p) = (&$filters, &$paging);
        $request
            .set_nonempty(&f.sort_by, |r, v| r.sort_by(v))
            .set_nonempty(&f.ids, |r, v| r.id(v))
            .set_some(f.has_accounts, |r, v| r.has_accounts(v))
            .set_some(f.ssn_last_4.clone(), |r, v| r.ssn_last_4(v))
            .set_some(f.last_name.clone(), |r, v| r.last_name(v))
            .set_some(f.email.clone(), |r, v| r.email(v))
            .set_some(f.first_name.clone(), |r, v| r.first_name(v))
            .set_some(f.phone_number.clone(), |r, v| r.phone_number(v))
            .set_some(f.status, |r, v| r.status(v))
            .set_some(p.limit, |r, v| r.limit(v))
            .set_some(p.page_token.clone(), |r, v| r.page_token(v))
    }};
}
pub(crate) use with_shared_filters;
