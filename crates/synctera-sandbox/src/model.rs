//! The sandbox's own records and their two JSON views (person and customer).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::validate::AddressInput;

macro_rules! string_enum {
    ($name:ident { $($var:ident),+ $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
        pub enum $name { $($var),+ }
        #[allow(dead_code)]
        impl $name {
            pub const ALL: &'static [(&'static str, $name)] = &[$((stringify!($var), $name::$var)),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => stringify!($var)),+ }
            }
        }
    };
}

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
string_enum!(KycStatus {
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
string_enum!(DisclosureType {
    ACH_AUTHORIZATION,
    CARDHOLDER_AGREEMENT,
    CARD_DISCLOSURE,
    DIRECT_BILLING_AUTHORIZATION,
    E_SIGN,
    KYC_DATA_COLLECTION,
    OWNER_CERTIFICATION,
    PAD_AUTHORIZATION,
    PRIVACY_NOTICE,
    REG_CC,
    REG_DD,
    REG_E,
    SC_ACCOUNT_AGREEMENT,
    SC_AUTO_PAYMENT,
    SC_SECURITY_AGREEMENT,
    TERMS_AND_CONDITIONS
});
string_enum!(DisclosureEventType {
    ACKNOWLEDGED,
    DISPLAYED,
    VIEWED
});
string_enum!(VerificationType {
    DOCUMENT_VERIFICATION,
    IDENTITY,
    LICENSE,
    MANUAL_REVIEW,
    RELATED_ENTITIES,
    WATCHLIST
});
string_enum!(VerificationResult {
    ACCEPTED,
    PENDING,
    PROVISIONAL,
    REJECTED,
    REVIEW,
    UNVERIFIED,
    VENDOR_ERROR
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

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Responses carry only the last four characters of any identifier.
pub fn last_four(s: &str) -> String {
    let chars: Vec<char> = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

#[derive(Clone)]
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
    pub fn view(&self, address_type: &str) -> Value {
        let a = &self.input;
        let mut m = Map::new();
        m.insert("id".into(), self.id.to_string().into());
        m.insert("address_type".into(), address_type.into());
        m.insert("address_line_1".into(), a.address_line_1.clone().into());
        put(&mut m, "address_line_2", &a.address_line_2);
        put(&mut m, "city", &a.city);
        put(&mut m, "state", &a.state);
        put(&mut m, "postal_code", &a.postal_code);
        m.insert("country_code".into(), a.country_code.clone().into());
        put(&mut m, "nickname", &a.nickname);
        Value::Object(m)
    }
}

fn put(m: &mut Map<String, Value>, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        m.insert(k.into(), Value::String(v.clone()));
    }
}

#[derive(Clone)]
pub struct PersonalId {
    pub id: Uuid,
    pub id_type: PersonalIdType,
    pub identifier: String,
    pub country_code: Option<String>,
    pub system_provided: bool,
}

impl PersonalId {
    fn view(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), self.id.to_string().into());
        m.insert("id_type".into(), self.id_type.as_str().into());
        m.insert("identifier".into(), last_four(&self.identifier).into());
        put(&mut m, "country_code", &self.country_code);
        m.insert("system_provided".into(), self.system_provided.into());
        Value::Object(m)
    }
}

/// One natural person, visible as a person and as a customer under the same id.
#[derive(Clone)]
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

    fn common(&self, tenant: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), self.id.to_string().into());
        m.insert("creation_time".into(), ts(self.creation_time).into());
        m.insert(
            "last_updated_time".into(),
            ts(self.last_updated_time).into(),
        );
        m.insert("status".into(), self.status.as_str().into());
        m.insert("ban_status".into(), self.ban_status.as_str().into());
        m.insert("tenant".into(), tenant.into());
        m.insert("has_accounts".into(), false.into());
        put(&mut m, "first_name", &self.first_name);
        put(&mut m, "middle_name", &self.middle_name);
        put(&mut m, "last_name", &self.last_name);
        put(&mut m, "email", &self.email);
        put(&mut m, "phone_number", &self.phone_number);
        if let Some(d) = self.dob {
            m.insert("dob".into(), d.format("%Y-%m-%d").to_string().into());
        }
        if let Some(l4) = self.ssn_last4() {
            m.insert("ssn".into(), l4.into());
            m.insert("ssn_source".into(), "MANUAL".into());
        }
        if let Some(a) = &self.legal_address {
            m.insert("legal_address".into(), a.view("LEGAL"));
        }
        if let Some(a) = &self.shipping_address {
            m.insert("shipping_address".into(), a.view("SHIPPING"));
        }
        m.insert(
            "metadata".into(),
            Value::Object(self.metadata.clone().unwrap_or_default()),
        );
        m
    }

    pub fn person_view(&self, tenant: &str) -> Value {
        let mut m = self.common(tenant);
        m.insert("is_customer".into(), self.is_customer.into());
        m.insert("is_user".into(), false.into());
        put(&mut m, "chosen_name", &self.chosen_name);
        m.insert(
            "verification_status".into(),
            self.kyc_status.person_view().into(),
        );
        if let Some(t) = self.kyc_last_run {
            m.insert("verification_last_run".into(), ts(t).into());
        }
        let mut pids: Vec<Value> = Vec::new();
        if self.ssn.is_some()
            && !self
                .personal_ids
                .iter()
                .any(|p| p.id_type == PersonalIdType::SSN)
        {
            pids.push(
                PersonalId {
                    id: self.ssn_pid_id,
                    id_type: PersonalIdType::SSN,
                    identifier: self.ssn.clone().unwrap_or_default(),
                    country_code: Some("US".into()),
                    system_provided: true,
                }
                .view(),
            );
        }
        pids.extend(self.personal_ids.iter().map(PersonalId::view));
        if !pids.is_empty() {
            m.insert("personal_ids".into(), Value::Array(pids));
        }
        Value::Object(m)
    }

    pub fn customer_view(&self, tenant: &str) -> Value {
        let mut m = self.common(tenant);
        m.insert("kyc_status".into(), self.kyc_status.as_str().into());
        if let Some(t) = self.kyc_last_run {
            m.insert("kyc_last_run".into(), ts(t).into());
        }
        m.insert("kyc_exempt".into(), false.into());
        let mut addrs = Vec::new();
        if let Some(a) = &self.legal_address {
            addrs.push(a.view("LEGAL"));
        }
        if let Some(a) = &self.shipping_address {
            addrs.push(a.view("SHIPPING"));
        }
        m.insert("addresses".into(), Value::Array(addrs));
        Value::Object(m)
    }
}

#[derive(Clone)]
pub struct Disclosure {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub business_id: Option<Uuid>,
    pub acknowledging_person_id: Option<Uuid>,
    pub dtype: DisclosureType,
    pub version: String,
    pub event_type: DisclosureEventType,
    pub disclosure_date: DateTime<Utc>,
    pub metadata: Option<Map<String, Value>>,
    pub creation_time: DateTime<Utc>,
}

impl Disclosure {
    pub fn view(&self, tenant: &str) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), self.id.to_string().into());
        if let Some(p) = self.person_id {
            m.insert("person_id".into(), p.to_string().into());
        }
        if let Some(b) = self.business_id {
            m.insert("business_id".into(), b.to_string().into());
        }
        if let Some(a) = self.acknowledging_person_id {
            m.insert("acknowledging_person_id".into(), a.to_string().into());
        }
        m.insert("type".into(), self.dtype.as_str().into());
        m.insert("version".into(), self.version.clone().into());
        m.insert("event_type".into(), self.event_type.as_str().into());
        m.insert(
            "disclosure_date".into(),
            self.disclosure_date
                .to_rfc3339_opts(SecondsFormat::Secs, true)
                .into(),
        );
        if let Some(md) = &self.metadata {
            m.insert("metadata".into(), Value::Object(md.clone()));
        }
        m.insert("tenant".into(), tenant.into());
        m.insert("creation_time".into(), ts(self.creation_time).into());
        m.insert("last_updated_time".into(), ts(self.creation_time).into());
        Value::Object(m)
    }
}

#[derive(Clone)]
pub struct Verification {
    pub id: Uuid,
    pub seq: u64,
    pub person_id: Uuid,
    pub vtype: VerificationType,
    pub result: VerificationResult,
    pub time: DateTime<Utc>,
    pub detail: (&'static str, &'static str, &'static str),
}

impl Verification {
    pub fn view(&self) -> Value {
        let (res, label, desc) = self.detail;
        serde_json::json!({
            "id": self.id.to_string(),
            "person_id": self.person_id.to_string(),
            "verification_type": self.vtype.as_str(),
            "result": self.result.as_str(),
            "verification_time": ts(self.time),
            "creation_time": ts(self.time),
            "last_updated_time": ts(self.time),
            "metadata": {},
            "details": [{
                "category": self.vtype.as_str(),
                "result": res,
                "label": label,
                "description": desc,
                "vendor_code": "SANDBOX",
            }],
        })
    }
}
