//! One natural person and its two JSON views (person and customer).

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Resource;
use super::json_object::JsonObject;
use super::timefmt::date;
use super::{LastFour, last_four};
use crate::validate::AddressInput;

string_enum!(PersonStatus {
    ACTIVE,
    DECEASED,
    DENIED,
    DORMANT,
    ESCHEAT,
    FROZEN,
    INACTIVE,
    PROSPECT,
    SANCTION
});
string_enum!(BanStatus {
    ALLOWED,
    BANNED,
    SUSPENDED
});
string_enum!(answered only KycStatus {
    ACCEPTED,
    PENDING,
    PROVIDER_FAILURE,
    PROVISIONAL,
    REJECTED,
    REVIEW,
    UNVERIFIED
});
string_enum!(PersonalIdType {
    CITIZENSHIP_CARD,
    DRIVER_LICENSE,
    ITIN,
    NATIONAL_ID,
    PASSPORT_NUMBER,
    PROVINCIAL_ID,
    PR_CARD,
    SECURE_STATUS_CARD,
    SIN,
    SSN,
    STATE_ID,
    TAX_ID
});

/// The statuses a client may request; BANNED is the platform's alone.
pub const BAN_STATUS_INPUT: &[(&str, BanStatus)] = &[
    ("ALLOWED", BanStatus::ALLOWED),
    ("SUSPENDED", BanStatus::SUSPENDED),
];

impl KycStatus {
    /// The person view has no PROVIDER_FAILURE; a vendor failure leaves the person unverified.
    pub fn person_view(self) -> &'static str {
        match self {
            KycStatus::PROVIDER_FAILURE => "UNVERIFIED",
            other => other.as_str(),
        }
    }
}

/// An address of a person. Its lines sit behind an `Arc` so that a shipping address left out
/// on create shares the legal address's lines (under its own id) instead of copying five
/// strings; stored and answered as a plain object all the same.
#[derive(Clone, Serialize, Deserialize)]
pub struct Address {
    pub id: Uuid,
    pub input: Arc<AddressInput>,
}

impl Address {
    pub fn new(input: impl Into<Arc<AddressInput>>) -> Self {
        Address {
            id: Uuid::new_v4(),
            input: input.into(),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub struct PersonalId {
    pub id: Uuid,
    pub id_type: PersonalIdType,
    pub identifier: String,
    pub country_code: Option<String>,
    pub system_provided: bool,
}

/// One natural person, visible as a person and as a customer under the same id.
#[derive(Clone, Serialize, Deserialize)]
pub struct Person {
    pub id: Uuid,
    pub creation_time: DateTime<Utc>,
    pub last_updated_time: DateTime<Utc>,
    pub status: PersonStatus,
    pub ban_status: BanStatus,
    pub is_customer: bool,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub chosen_name: Option<String>,
    pub dob: Option<NaiveDate>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    /// The full SSN: stored, never answered.
    pub ssn: Option<String>,
    pub ssn_pid_id: Uuid,
    pub legal_address: Option<Address>,
    pub shipping_address: Option<Address>,
    pub metadata: Option<Map<String, Value>>,
    pub personal_ids: Vec<PersonalId>,
    pub kyc_status: KycStatus,
    pub kyc_last_run: Option<DateTime<Utc>>,
}

impl Person {
    pub fn new(now: DateTime<Utc>, status: PersonStatus, is_customer: bool) -> Self {
        Person {
            id: Uuid::new_v4(),
            creation_time: now,
            last_updated_time: now,
            status,
            ban_status: BanStatus::ALLOWED,
            is_customer,
            first_name: None,
            middle_name: None,
            last_name: None,
            chosen_name: None,
            dob: None,
            email: None,
            phone_number: None,
            ssn: None,
            ssn_pid_id: Uuid::new_v4(),
            legal_address: None,
            shipping_address: None,
            metadata: None,
            personal_ids: Vec::new(),
            kyc_status: KycStatus::UNVERIFIED,
            kyc_last_run: None,
        }
    }

    pub fn ssn_last4(&self) -> Option<String> {
        self.ssn.as_deref().map(last_four)
    }
}

impl Resource for Person {
    const KIND: &'static str = "persons";
    /// `true` for the customer view.
    type View = bool;
    type Id = Uuid;
    fn id(&self) -> Uuid {
        self.id
    }
    fn render(&self, tenant: &str, customer: bool) -> Bytes {
        // Room for a typical record's view, so writing it does not grow the buffer repeatedly,
        // and no more than 1 KiB: glibc serves blocks up to about that size from a per-thread
        // cache, larger ones from its shared bins at several times the cost. A larger view grows
        // the buffer once.
        let mut out = Vec::with_capacity(1024);
        self.write_view(&mut out, tenant, customer);
        Bytes::from(out)
    }
}

impl Person {
    /// The person (`customer == false`) or customer view, written straight from the record.
    fn write_view(&self, out: &mut Vec<u8>, tenant: &str, customer: bool) {
        let p = self;
        let mut o = JsonObject::start(out);
        o.uuid("id", p.id)
            .time("creation_time", p.creation_time)
            .time("last_updated_time", p.last_updated_time)
            .str("status", p.status.as_str())
            .str("ban_status", p.ban_status.as_str())
            .str("tenant", tenant)
            .bool("has_accounts", false)
            .opt_str("first_name", p.first_name.as_deref())
            .opt_str("middle_name", p.middle_name.as_deref())
            .opt_str("last_name", p.last_name.as_deref())
            .opt_str("email", p.email.as_deref())
            .opt_str("phone_number", p.phone_number.as_deref());
        if let Some(d) = p.dob {
            o.str("dob", &date(d, &mut [0; 10]));
        }
        if let Some(l4) = p.ssn.as_deref().map(LastFour::of) {
            o.str("ssn", l4.as_str()).str("ssn_source", "MANUAL");
        }
        let addresses = [
            ("legal_address", "LEGAL", &p.legal_address),
            ("shipping_address", "SHIPPING", &p.shipping_address),
        ];
        for (name, kind, a) in addresses {
            if let Some(a) = a {
                o.object(name, |o| address(o, a, kind));
            }
        }
        match &p.metadata {
            Some(m) => o.value("metadata", m),
            None => o.object("metadata", |_| {}),
        };
        if customer {
            o.str("kyc_status", p.kyc_status.as_str());
            if let Some(t) = p.kyc_last_run {
                o.time("kyc_last_run", t);
            }
            o.bool("kyc_exempt", false);
            let listed = addresses
                .into_iter()
                .filter_map(|(_, kind, a)| Some((a.as_ref()?, kind)));
            o.objects("addresses", listed, |o, (a, kind)| address(o, a, kind));
        } else {
            o.bool("is_customer", p.is_customer)
                .bool("is_user", false)
                .opt_str("chosen_name", p.chosen_name.as_deref())
                .str("verification_status", p.kyc_status.person_view());
            if let Some(t) = p.kyc_last_run {
                o.time("verification_last_run", t);
            }
            // The SSN given at creation is listed as a system-provided personal id, unless one
            // of the client's own is an SSN.
            let ssn_pid = p
                .ssn
                .as_deref()
                .filter(|_| {
                    !p.personal_ids
                        .iter()
                        .any(|x| x.id_type == PersonalIdType::SSN)
                })
                .map(|ssn| PersonalIdView {
                    id: p.ssn_pid_id,
                    id_type: PersonalIdType::SSN,
                    identifier: ssn,
                    country_code: Some("US"),
                    system_provided: true,
                });
            let pids = ssn_pid
                .into_iter()
                .chain(p.personal_ids.iter().map(|x| PersonalIdView {
                    id: x.id,
                    id_type: x.id_type,
                    identifier: &x.identifier,
                    country_code: x.country_code.as_deref(),
                    system_provided: x.system_provided,
                }));
            if ssn_pid.is_some() || !p.personal_ids.is_empty() {
                o.objects("personal_ids", pids, |o, pid| pid.write(o));
            }
        }
        o.end();
    }
}

fn address(o: &mut JsonObject<'_>, address: &Address, kind: &str) {
    let a = &address.input;
    o.uuid("id", address.id)
        .str("address_type", kind)
        .str("address_line_1", &a.address_line_1)
        .opt_str("address_line_2", a.address_line_2.as_deref())
        .opt_str("city", a.city.as_deref())
        .opt_str("state", a.state.as_deref())
        .opt_str("postal_code", a.postal_code.as_deref())
        .str("country_code", &a.country_code)
        .opt_str("nickname", a.nickname.as_deref());
}

/// A personal id as answered: its identifier masked to the last four.
#[derive(Clone, Copy)]
struct PersonalIdView<'a> {
    id: Uuid,
    id_type: PersonalIdType,
    identifier: &'a str,
    country_code: Option<&'a str>,
    system_provided: bool,
}

impl PersonalIdView<'_> {
    fn write(self, o: &mut JsonObject<'_>) {
        o.uuid("id", self.id)
            .str("id_type", self.id_type.as_str())
            .str("identifier", LastFour::of(self.identifier).as_str())
            .opt_str("country_code", self.country_code)
            .bool("system_provided", self.system_provided);
    }
}

#[cfg(test)]
mod tests;
