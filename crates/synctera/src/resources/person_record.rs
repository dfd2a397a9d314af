//! The masked `Debug` of a person record, written once for its two views,
//! [`Person`](crate::Person) and [`Customer`](crate::Customer): which fields are masked, and how.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::values::addresses::Address;
use crate::values::metadata::Metadata;
use crate::values::pii::{DateOfBirth, Email, MaskedName, PhoneNumber, SsnLast4};
use crate::values::statuses::SsnSource;

/// The fields both views carry, borrowed, in the order both print them (from `tenant` on).
pub(crate) struct SharedRecord<'a> {
    pub(crate) tenant: &'a Option<String>,
    pub(crate) creation_time: &'a DateTime<Utc>,
    pub(crate) last_updated_time: &'a DateTime<Utc>,
    pub(crate) first_name: &'a Option<String>,
    pub(crate) middle_name: &'a Option<String>,
    pub(crate) last_name: &'a Option<String>,
    pub(crate) dob: &'a Option<DateOfBirth>,
    pub(crate) email: &'a Option<Email>,
    pub(crate) phone_number: &'a Option<PhoneNumber>,
    pub(crate) ssn: &'a Option<SsnLast4>,
    pub(crate) ssn_source: &'a Option<SsnSource>,
    pub(crate) legal_address: &'a Option<Address>,
    pub(crate) shipping_address: &'a Option<Address>,
    pub(crate) metadata: &'a Option<Metadata>,
}

/// The [`SharedRecord`] of `$record`, a [`Person`](crate::Person) or a
/// [`Customer`](crate::Customer): the two views are distinct public types with the same field
/// names, so the one place those names are listed is here.
macro_rules! shared_record {
    ($record:expr) => {{
        let r = $record;
        $crate::resources::person_record::SharedRecord {
            tenant: &r.tenant,
            creation_time: &r.creation_time,
            last_updated_time: &r.last_updated_time,
            first_name: &r.first_name,
            middle_name: &r.middle_name,
            last_name: &r.last_name,
            dob: &r.dob,
            email: &r.email,
            phone_number: &r.phone_number,
            ssn: &r.ssn,
            ssn_source: &r.ssn_source,
            legal_address: &r.legal_address,
            shipping_address: &r.shipping_address,
            metadata: &r.metadata,
        }
    }};
}
pub(crate) use shared_record;

/// A view's own fields, as `Debug` prints them.
pub(crate) type OwnFields<'a> = &'a [(&'static str, &'a dyn fmt::Debug)];

impl SharedRecord<'_> {
    /// Adds the shared fields to `d`, names masked to their initial and metadata to its size
    /// (the PII types mask themselves): the view's `after_names` follow the names, its
    /// `after_addresses` the addresses, and `metadata` comes last.
    pub(crate) fn debug_fields(
        &self,
        d: &mut fmt::DebugStruct<'_, '_>,
        after_names: OwnFields<'_>,
        after_addresses: OwnFields<'_>,
    ) {
        d.field("tenant", self.tenant)
            .field("creation_time", self.creation_time)
            .field("last_updated_time", self.last_updated_time)
            .field("first_name", &MaskedName(self.first_name))
            .field("middle_name", &MaskedName(self.middle_name))
            .field("last_name", &MaskedName(self.last_name));
        for (name, value) in after_names {
            d.field(name, value);
        }
        d.field("dob", self.dob)
            .field("email", self.email)
            .field("phone_number", self.phone_number)
            .field("ssn", self.ssn)
            .field("ssn_source", self.ssn_source)
            .field("legal_address", self.legal_address)
            .field("shipping_address", self.shipping_address);
        for (name, value) in after_addresses {
            d.field(name, value);
        }
        d.field("metadata", &self.metadata.as_ref().map(|m| m.len()));
    }
}
