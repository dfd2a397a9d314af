//! What a person/customer write asks for: the validated body ([`Changes`]) and the rules that
//! apply it to a record.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::problem::Problem;
use crate::records::*;
use crate::validate::{AddressInput, Errors, Obj, address, metadata, parse_object};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    PersonCreate,
    PersonUpdate,
    CustomerCreate,
    CustomerPatch,
    CustomerReplace,
}

impl Mode {
    pub(super) fn is_create(self) -> bool {
        matches!(self, Mode::PersonCreate | Mode::CustomerCreate)
    }
    pub(super) fn is_person(self) -> bool {
        matches!(self, Mode::PersonCreate | Mode::PersonUpdate)
    }
    /// The operation's name, which scopes its idempotency keys.
    pub(super) fn op(self) -> &'static str {
        match self {
            Mode::PersonCreate => "createPerson",
            Mode::PersonUpdate => "updatePerson",
            Mode::CustomerCreate => "createCustomer",
            Mode::CustomerPatch => "patchCustomer",
            Mode::CustomerReplace => "updateCustomer",
        }
    }
}

#[derive(Default)]
pub(super) struct Changes {
    status: Option<PersonStatus>,
    ban_status: Option<BanStatus>,
    is_customer: Option<bool>,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    chosen_name: Option<String>,
    dob: Option<chrono::NaiveDate>,
    email: Option<String>,
    phone_number: Option<String>,
    ssn: Option<String>,
    legal_address: Option<Arc<AddressInput>>,
    shipping_address: Option<Arc<AddressInput>>,
    metadata: Option<Map<String, Value>>,
    personal_ids: Option<Vec<PersonalId>>,
    note: Option<String>,
}

fn email(o: &mut Obj<'_>) -> Option<String> {
    let s = o.text("email", 320)?;
    if crate::validate::is_email(&s) {
        Some(s)
    } else {
        o.invalid("email", "must be an e-mail address");
        None
    }
}

pub(super) fn parse_person(mode: Mode, body: &[u8]) -> Result<Changes, Problem> {
    let map = parse_object(body)?;
    let mut errs = Errors::default();
    let mut o = Obj::new("", map, &mut errs);
    let mut c = Changes {
        status: o.enumeration("status", PersonStatus::ALL),
        ban_status: o.enumeration("ban_status", BAN_STATUS_INPUT),
        first_name: o.text("first_name", 100),
        middle_name: o.text("middle_name", 100),
        last_name: o.text("last_name", 100),
        dob: o.dob("dob"),
        email: email(&mut o),
        phone_number: o.phone("phone_number"),
        ssn: o.ssn("ssn"),
        legal_address: address(&mut o, "legal_address").map(Arc::new),
        shipping_address: address(&mut o, "shipping_address").map(Arc::new),
        metadata: metadata(&mut o),
        note: o.text("note", 2000),
        ..Changes::default()
    };
    // Accepted (type-checked) and ignored: the API key decides the tenant. The PATCH of a
    // customer has no `tenant` in the spec, so there it is an unknown field.
    if mode != Mode::CustomerPatch {
        let _ = o.string("tenant");
    }
    if matches!(
        mode,
        Mode::PersonCreate | Mode::CustomerCreate | Mode::CustomerReplace
    ) {
        let s = c.status.take();
        c.status = o.required("status", s);
    }
    if mode.is_person() {
        c.is_customer = o.boolean("is_customer");
        c.chosen_name = o.text("chosen_name", 100);
        if mode == Mode::PersonCreate {
            let v = c.is_customer.take();
            c.is_customer = o.required("is_customer", v);
            if let Some(items) = o.array("personal_ids") {
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    let name = format!("personal_ids[{i}]");
                    let Value::Object(m) = item else {
                        o.errs.invalid(&name, "must be an object");
                        continue;
                    };
                    let mut po = o.child(&name, m.into());
                    let t = po.enumeration("id_type", PersonalIdType::ALL);
                    let t = po.required("id_type", t);
                    let ident = if t == Some(PersonalIdType::SSN) {
                        po.ssn("identifier")
                    } else {
                        po.text("identifier", 64)
                    };
                    let ident = po.required("identifier", ident);
                    let cc = po.country("country_code");
                    po.finish();
                    if let (Some(t), Some(ident)) = (t, ident) {
                        let implied = match t {
                            PersonalIdType::SSN | PersonalIdType::ITIN => Some("US".to_string()),
                            PersonalIdType::SIN => Some("CA".to_string()),
                            _ => None,
                        };
                        out.push(PersonalId {
                            id: Uuid::new_v4(),
                            id_type: t,
                            identifier: ident,
                            country_code: cc.or(implied),
                            system_provided: false,
                        });
                    }
                }
                c.personal_ids = Some(out);
            }
        }
    } else if o.has("related_customers") {
        o.ignore("related_customers");
        o.errs.invalid(
            "related_customers",
            "is no longer supported and must not be set",
        );
    }
    o.finish();
    errs.into_result()?;
    Ok(c)
}

/// Applies validated changes to a record (a new one for creates) and checks the cross-field rules.
pub(super) fn apply(
    mode: Mode,
    c: Changes,
    old: Option<&Person>,
    now: DateTime<Utc>,
) -> Result<Person, Problem> {
    let mut p = match old {
        Some(o) => o.clone(),
        None => Person::new(
            now,
            c.status.unwrap_or(PersonStatus::PROSPECT),
            c.is_customer.unwrap_or(true),
        ),
    };
    let old_ban = old.map(|o| o.ban_status);
    let mut errs = Errors::default();

    if mode == Mode::CustomerReplace {
        p.first_name = None;
        p.middle_name = None;
        p.last_name = None;
        p.dob = None;
        p.email = None;
        p.phone_number = None;
        p.ssn = None;
        p.legal_address = None;
        p.shipping_address = None;
        p.metadata = None;
    }
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = c.$f { p.$f = Some(v); } )* };
    }
    set!(
        first_name,
        middle_name,
        last_name,
        chosen_name,
        dob,
        email,
        phone_number,
        ssn,
        metadata
    );
    if let Some(s) = c.status {
        p.status = s;
    }
    if let Some(b) = c.is_customer {
        p.is_customer = b;
    }
    if let Some(pids) = c.personal_ids {
        p.personal_ids = pids;
    }
    let legal_given = c.legal_address.is_some();
    let shipping_given = c.shipping_address.is_some();
    if let Some(a) = c.legal_address {
        p.legal_address = Some(Address::new(a));
    }
    if let Some(a) = c.shipping_address {
        p.shipping_address = Some(Address::new(a));
    }
    // Shipping defaults to a copy of the legal address: always on create/replace, and on an
    // update that sets the legal address of a record without a shipping address.
    let copy = legal_given
        && !shipping_given
        && (mode.is_create() || mode == Mode::CustomerReplace || p.shipping_address.is_none());
    if copy && let Some(legal) = &p.legal_address {
        p.shipping_address = Some(Address::new(legal.input.clone()));
    }

    if let Some(b) = c.ban_status {
        let needs_note = match old_ban {
            None => b == BanStatus::SUSPENDED,
            Some(ob) => {
                matches!(
                    (ob, b),
                    (BanStatus::SUSPENDED, BanStatus::ALLOWED)
                        | (BanStatus::ALLOWED, BanStatus::SUSPENDED)
                )
            }
        };
        if needs_note && c.note.is_none() {
            errs.missing("note (required when ban_status changes between ALLOWED and SUSPENDED)");
        }
        if old_ban == Some(BanStatus::BANNED) {
            errs.invalid(
                "ban_status",
                "only the platform moves a person out of BANNED",
            );
        }
        p.ban_status = b;
    }
    if p.status != PersonStatus::PROSPECT {
        if p.first_name.is_none() {
            errs.missing("first_name");
        }
        if p.last_name.is_none() {
            errs.missing("last_name");
        }
    }
    errs.into_result()?;
    p.last_updated_time = now;
    Ok(p)
}

pub(crate) fn now_after(prev: Option<DateTime<Utc>>) -> DateTime<Utc> {
    // Keeps last_updated_time strictly increasing per record, so sort orders stay stable.
    let now = Utc::now();
    match prev {
        Some(p) if now <= p => p + chrono::Duration::microseconds(1),
        _ => now,
    }
}
