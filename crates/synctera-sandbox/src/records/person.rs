//! One natural person and its two JSON views (person and customer).

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Resource;
use super::timefmt::{date, ts, ts_fast};
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

#[derive(Clone, Serialize, Deserialize)]
pub struct Address {
    pub id: Uuid,
    pub input: AddressInput,
}

impl Address {
    pub fn new(input: AddressInput) -> Self {
        Address {
            id: Uuid::new_v4(),
            input,
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

    /// The person (`customer == false`) or customer view, serialized straight from the record.
    pub fn view<'a>(&'a self, tenant: &'a str, customer: bool) -> PersonView<'a> {
        PersonView {
            p: self,
            tenant,
            customer,
        }
    }
}

impl Resource for Person {
    const KIND: &'static str = "persons";
    /// `true` for the customer view.
    type View = bool;
    fn id(&self) -> Uuid {
        self.id
    }
    fn render(&self, tenant: &str, customer: bool) -> Bytes {
        // Room for a typical record's view, so serializing it does not grow the buffer repeatedly,
        // and no more than 1 KiB: glibc serves blocks up to about that size from a per-thread
        // cache, larger ones from its shared bins at several times the cost. A larger view grows
        // the buffer once.
        let mut out = Vec::with_capacity(1024);
        serde_json::to_writer(&mut out, &self.view(tenant, customer))
            .expect("a person view always serializes");
        Bytes::from(out)
    }
}

/// A record as one of its two JSON views.
pub struct PersonView<'a> {
    p: &'a Person,
    tenant: &'a str,
    customer: bool,
}

struct Ts(DateTime<Utc>);

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match ts_fast(self.0, &mut [0; 27]) {
            Some(text) => s.serialize_str(text),
            None => s.serialize_str(&ts(self.0)),
        }
    }
}

struct AddressView<'a>(&'a Address, &'static str);

impl Serialize for AddressView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = &self.0.input;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.0.id)?;
        m.serialize_entry("address_type", self.1)?;
        m.serialize_entry("address_line_1", &a.address_line_1)?;
        opt(&mut m, "address_line_2", &a.address_line_2)?;
        opt(&mut m, "city", &a.city)?;
        opt(&mut m, "state", &a.state)?;
        opt(&mut m, "postal_code", &a.postal_code)?;
        m.serialize_entry("country_code", &a.country_code)?;
        opt(&mut m, "nickname", &a.nickname)?;
        m.end()
    }
}

fn opt<M: SerializeMap>(m: &mut M, k: &str, v: &Option<String>) -> Result<(), M::Error> {
    match v {
        Some(v) => m.serialize_entry(k, v),
        None => Ok(()),
    }
}

struct PidView<'a> {
    id: Uuid,
    id_type: PersonalIdType,
    identifier: &'a str,
    country_code: Option<&'a str>,
    system_provided: bool,
}

impl Serialize for PidView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("id_type", self.id_type.as_str())?;
        m.serialize_entry("identifier", LastFour::of(self.identifier).as_str())?;
        if let Some(c) = self.country_code {
            m.serialize_entry("country_code", c)?;
        }
        m.serialize_entry("system_provided", &self.system_provided)?;
        m.end()
    }
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

impl Serialize for PersonView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.p;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &p.id)?;
        m.serialize_entry("creation_time", &Ts(p.creation_time))?;
        m.serialize_entry("last_updated_time", &Ts(p.last_updated_time))?;
        m.serialize_entry("status", p.status.as_str())?;
        m.serialize_entry("ban_status", p.ban_status.as_str())?;
        m.serialize_entry("tenant", self.tenant)?;
        m.serialize_entry("has_accounts", &false)?;
        opt(&mut m, "first_name", &p.first_name)?;
        opt(&mut m, "middle_name", &p.middle_name)?;
        opt(&mut m, "last_name", &p.last_name)?;
        opt(&mut m, "email", &p.email)?;
        opt(&mut m, "phone_number", &p.phone_number)?;
        if let Some(d) = p.dob {
            m.serialize_entry("dob", &date(d, &mut [0; 10]))?;
        }
        if let Some(l4) = p.ssn.as_deref().map(LastFour::of) {
            m.serialize_entry("ssn", l4.as_str())?;
            m.serialize_entry("ssn_source", "MANUAL")?;
        }
        if let Some(a) = &p.legal_address {
            m.serialize_entry("legal_address", &AddressView(a, "LEGAL"))?;
        }
        if let Some(a) = &p.shipping_address {
            m.serialize_entry("shipping_address", &AddressView(a, "SHIPPING"))?;
        }
        m.serialize_entry("metadata", p.metadata.as_ref().unwrap_or(&EMPTY))?;
        if self.customer {
            m.serialize_entry("kyc_status", p.kyc_status.as_str())?;
            if let Some(t) = p.kyc_last_run {
                m.serialize_entry("kyc_last_run", &Ts(t))?;
            }
            m.serialize_entry("kyc_exempt", &false)?;
            let mut addrs = Vec::new();
            if let Some(a) = &p.legal_address {
                addrs.push(AddressView(a, "LEGAL"));
            }
            if let Some(a) = &p.shipping_address {
                addrs.push(AddressView(a, "SHIPPING"));
            }
            m.serialize_entry("addresses", &addrs)?;
        } else {
            m.serialize_entry("is_customer", &p.is_customer)?;
            m.serialize_entry("is_user", &false)?;
            opt(&mut m, "chosen_name", &p.chosen_name)?;
            m.serialize_entry("verification_status", p.kyc_status.person_view())?;
            if let Some(t) = p.kyc_last_run {
                m.serialize_entry("verification_last_run", &Ts(t))?;
            }
            let mut pids = Vec::new();
            if let Some(ssn) = &p.ssn
                && !p
                    .personal_ids
                    .iter()
                    .any(|x| x.id_type == PersonalIdType::SSN)
            {
                pids.push(PidView {
                    id: p.ssn_pid_id,
                    id_type: PersonalIdType::SSN,
                    identifier: ssn,
                    country_code: Some("US"),
                    system_provided: true,
                });
            }
            pids.extend(p.personal_ids.iter().map(|x| PidView {
                id: x.id,
                id_type: x.id_type,
                identifier: &x.identifier,
                country_code: x.country_code.as_deref(),
                system_provided: x.system_provided,
            }));
            if !pids.is_empty() {
                m.serialize_entry("personal_ids", &pids)?;
            }
        }
        m.end()
    }
}
