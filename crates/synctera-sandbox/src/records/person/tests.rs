//! The person and customer views against the way they were first written, with serde_json's
//! serializer: byte for byte, for records with every optional part present or absent and with
//! strings that need escaping.

use chrono::TimeZone;
use proptest::prelude::*;
use serde::ser::{SerializeMap, Serializer};

use super::*;

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
use crate::records::timefmt::{ts, ts_fast};

/// A record as one of its two JSON views.
struct PersonView<'a> {
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

fn oracle(p: &Person, tenant: &str, customer: bool) -> Vec<u8> {
    serde_json::to_vec(&PersonView {
        p,
        tenant,
        customer,
    })
    .unwrap()
}

fn address_of(line: &str, full: bool) -> Address {
    Address::new(AddressInput {
        address_line_1: line.to_string(),
        address_line_2: full.then(|| "Apt \"4\"".to_string()),
        city: full.then(|| "New York".to_string()),
        state: full.then(|| "NY".to_string()),
        postal_code: full.then(|| "12345".to_string()),
        country_code: "US".to_string(),
        nickname: full.then(|| "home\u{7f}\u{1}".to_string()),
    })
}

fn pid(id_type: PersonalIdType, country: Option<&str>) -> PersonalId {
    PersonalId {
        id: Uuid::new_v4(),
        id_type,
        identifier: "AB-1234-é".to_string(),
        country_code: country.map(str::to_string),
        system_provided: false,
    }
}

/// A person with the optional parts `bits` selects. (`Person` has no `Debug`, so proptest is
/// handed these inputs rather than the record.)
fn person(name: Option<String>, text: String, bits: u16, secs: i64, nanos: u32) -> Person {
    let at = |n: u16| bits & (1 << n) != 0;
    let t = Utc.timestamp_opt(secs, nanos).unwrap();
    let mut p = Person::new(
        t,
        PersonStatus::ALL[usize::from(bits) % PersonStatus::ALL.len()].1,
        at(0),
    );
    p.first_name = name;
    p.middle_name = at(1).then(|| text.clone());
    p.last_name = Some(text.clone());
    p.chosen_name = at(2).then(|| "Ché \"Q\"".to_string());
    p.dob = at(3).then(|| NaiveDate::from_ymd_opt(1990, 1, 2).unwrap());
    p.email = at(4).then(|| "a@example.com".to_string());
    p.phone_number = at(5).then(|| "+12125550123".to_string());
    p.ssn = at(6).then(|| "123-45-6789".to_string());
    p.legal_address = at(7).then(|| address_of(&text, at(8)));
    p.shipping_address = at(9).then(|| address_of("2 Main St", !at(8)));
    p.metadata =
        at(10).then(|| serde_json::from_str(r#"{"k": "v\"", "n": [1, {"x": null}]}"#).unwrap());
    if at(11) {
        p.personal_ids
            .push(pid(PersonalIdType::PASSPORT_NUMBER, Some("CA")));
    }
    if at(12) {
        p.personal_ids.push(pid(PersonalIdType::SSN, None));
    }
    p.kyc_status = if at(13) {
        KycStatus::PROVIDER_FAILURE
    } else {
        KycStatus::ACCEPTED
    };
    p.kyc_last_run = at(14).then_some(t);
    p.ban_status = if at(15) {
        BanStatus::SUSPENDED
    } else {
        BanStatus::ALLOWED
    };
    p
}

proptest! {
    #[test]
    fn views_are_byte_identical_to_serde_json(
        name in proptest::option::of(any::<String>()),
        text in "[ -~é\\n\\t]{0,24}",
        bits in any::<u16>(),
        secs in 0i64..4_000_000_000,
        nanos in 0u32..1_000_000_000,
        tenant in "[a-z_\"]{1,12}",
    ) {
        let p = person(name, text, bits, secs, nanos);
        for customer in [false, true] {
            let written = p.render(&tenant, customer);
            prop_assert_eq!(
                String::from_utf8(written.to_vec()).unwrap(),
                String::from_utf8(oracle(&p, &tenant, customer)).unwrap()
            );
        }
    }
}
