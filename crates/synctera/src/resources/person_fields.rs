//! The writable fields of a person record, defined once for the five writes that send them:
//! [`NewPerson`](crate::NewPerson), [`PersonUpdate`](crate::PersonUpdate),
//! [`NewCustomer`](crate::NewCustomer), [`CustomerPatch`](crate::CustomerPatch) and
//! [`CustomerReplace`](crate::CustomerReplace).
//!
//! Each write is a [`PersonFields`] of its own [`WriteKind`]: the setters of the fields they
//! share (names, date of birth, e-mail, phone, SSN, addresses, metadata, ban status, note,
//! `tenant`) are the plain methods below; each write's module adds only what is its own
//! (`chosen_name`, `is_customer`, `personal_ids`, a `status` setter). The documented rules are
//! checked here, and the rules that differ between the writes are one row per write,
//! [`WriteKind::RULES`].
//!
//! The path to the wire runs one way: the write's module (`NewPerson::to_raw`, …) checks its
//! own fields, hands the result to `PersonFields::shared_to_raw`, which checks the rules and
//! converts the shared fields, and builds its generated body from what comes back. Nothing
//! here calls into a write.

use std::fmt;

use secrecy::ExposeSecret;
use synctera_raw::types;

use crate::error::Error;
use crate::values::addresses::{AddressInput, LEGAL_ADDRESS, SHIPPING_ADDRESS};
use crate::values::enums::WireEnum;
use crate::values::invalid::Invalid;
use crate::values::metadata::Metadata;
use crate::values::pii::{DateOfBirth, Email, MaskedName, PhoneNumber, Ssn, redacted};
use crate::values::statuses::{BanStatusInput, PersonStatus};

/// A write of a person record: the fields every write shares, plus `K`, what only this write
/// sends. Use it through its names: [`NewPerson`](crate::NewPerson),
/// [`PersonUpdate`](crate::PersonUpdate), [`NewCustomer`](crate::NewCustomer),
/// [`CustomerPatch`](crate::CustomerPatch), [`CustomerReplace`](crate::CustomerReplace).
///
/// Setters that parse (e-mail, phone, SSN, date of birth) record a bad value instead of
/// failing; sending (or `validate`) reports the first problem, naming the field, never the
/// value. The checks, in order: the values the setters rejected, then the rules (non-blank
/// names and note, valid addresses; names outside `PROSPECT` and the note with a `ban_status`
/// as the write's [`Rules`] row says), then every value against the limits the API
/// description sets (lengths, patterns, enum values). `Debug` masks every piece of PII.
#[derive(Clone, Default)]
pub struct PersonFields<K> {
    pub(crate) status: Option<PersonStatus>,
    ban_status: Option<BanStatusInput>,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    dob: Option<DateOfBirth>,
    email: Option<Email>,
    phone_number: Option<PhoneNumber>,
    ssn: Option<Ssn>,
    legal_address: Option<AddressInput>,
    shipping_address: Option<AddressInput>,
    metadata: Option<Metadata>,
    note: Option<String>,
    tenant: Option<String>,
    invalid: Invalid,
    pub(crate) own: K,
}

/// When a `note` must come with a `ban_status`.
#[derive(Debug, Clone, Copy)]
pub enum NoteRule {
    /// Only with `SUSPENDED` (a create: there is no suspension to lift); the reason the error
    /// gives.
    WhenSuspending(&'static str),
    /// Left to the server (a change): a note is needed only when `ban_status` moves between
    /// `SUSPENDED` and `ALLOWED`, and only the server knows the stored value. Requiring one
    /// with every `ban_status` would refuse requests the API accepts (the same value sent
    /// again, as a full replace may) and have notes invented, which are stored for good.
    ByTheServer,
}

/// The rules that differ between the writes; each write's row is its [`WriteKind::RULES`].
///
/// | write | whole record | note needed |
/// | --- | --- | --- |
/// | `NewPerson` | yes | with `SUSPENDED` |
/// | `PersonUpdate` | no | checked by the server |
/// | `NewCustomer` | yes | with `SUSPENDED` |
/// | `CustomerPatch` | no | checked by the server |
/// | `CustomerReplace` | yes | checked by the server |
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The write sends the whole record, so every status but `PROSPECT` needs a first and a
    /// last name (a patch leaves that to the server, which knows the stored names).
    pub whole_record: bool,
    /// When a `note` must come with a `ban_status`.
    pub note: NoteRule,
}

impl NoteRule {
    fn check(self, ban_status: Option<BanStatusInput>, note: Option<&str>) -> Result<(), Error> {
        match (self, ban_status, note) {
            (NoteRule::WhenSuspending(reason), Some(BanStatusInput::Suspended), None) => {
                Err(Error::validation("note", reason))
            }
            _ => Ok(()),
        }
    }
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// What one write adds to the shared fields: its name, its row of [`Rules`] and its own fields.
/// Implemented by this crate's writes only. The write's module builds its generated body (it
/// calls `PersonFields::shared_to_raw`; nothing here calls the write).
pub trait WriteKind: sealed::Sealed + Clone {
    /// The write's name, as `Debug` shows it.
    const NAME: &'static str;
    /// The write's row of the rules table.
    const RULES: Rules;
    /// The write's own fields, for `Debug` (PII masked); none by default.
    #[doc(hidden)]
    fn debug_own(&self, _: &mut fmt::DebugStruct<'_, '_>) {}
}

/// The shared fields checked and converted into the generated types, from which a write builds
/// its generated body.
pub(crate) struct RawShared {
    pub(crate) status: Option<types::PersonStatus>,
    pub(crate) ban_status: Option<types::BanStatusInput>,
    pub(crate) first_name: Option<types::PersonName>,
    pub(crate) middle_name: Option<types::PersonName>,
    pub(crate) last_name: Option<types::PersonName>,
    pub(crate) dob: Option<chrono::NaiveDate>,
    pub(crate) email: Option<String>,
    pub(crate) phone_number: Option<types::PhoneNumber>,
    pub(crate) ssn: Option<types::Ssn>,
    pub(crate) legal_address: Option<types::AddressInput>,
    pub(crate) shipping_address: Option<types::AddressInput>,
    pub(crate) metadata: Option<types::Metadata>,
    pub(crate) note: Option<types::Note>,
    pub(crate) tenant: Option<String>,
}

impl RawShared {
    /// The status a whole-record write always has (its constructors set one).
    pub(crate) fn required_status(&mut self) -> Result<types::PersonStatus, Error> {
        self.status
            .take()
            .ok_or_else(|| Error::validation("status", "is required"))
    }
}

/// Builds the generated body `types::$raw` from `$shared` (a [`RawShared`]), plus the fields listed
/// after it: the one place the shared fields are spelled out on their way to the wire.
macro_rules! with_shared_fields {
    ($raw:ident { $shared:ident, $($field:ident: $value:expr),* $(,)? }) => {
        ::synctera_raw::types::$raw {
            ban_status: $shared.ban_status,
            first_name: $shared.first_name,
            middle_name: $shared.middle_name,
            last_name: $shared.last_name,
            dob: $shared.dob,
            email: $shared.email,
            phone_number: $shared.phone_number,
            ssn: $shared.ssn,
            legal_address: $shared.legal_address,
            shipping_address: $shared.shipping_address,
            metadata: $shared.metadata,
            note: $shared.note,
            $($field: $value),*
        }
    };
}
pub(crate) use with_shared_fields;

/// Requires a non-blank name.
pub(crate) fn check_name(field: &'static str, value: Option<&str>) -> Result<(), Error> {
    match value {
        Some(v) if v.trim().is_empty() => Err(Error::validation(field, "must not be blank")),
        _ => Ok(()),
    }
}

/// A write that sends the whole record (a create or a replace): it starts from a status, and
/// every status but `PROSPECT` needs a first and a last name (its [`Rules`] row says
/// `whole_record`).
pub trait WholeRecord: WriteKind + Default {}

/// A write that may name the `tenant` (every one but `CustomerPatch`).
pub trait WithTenant: WriteKind {}

impl<K: WholeRecord> PersonFields<K> {
    /// A `PROSPECT`: nothing else required.
    pub fn prospect() -> Self {
        Self::with_status(PersonStatus::Prospect)
    }

    /// An `ACTIVE` record with the names every status but `PROSPECT` requires.
    pub fn active(first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        Self::with_status(PersonStatus::Active)
            .first_name(first_name)
            .last_name(last_name)
    }

    /// Any status; names are then required unless it is `PROSPECT`.
    pub fn with_status(status: PersonStatus) -> Self {
        Self {
            status: Some(status),
            ..Self::default()
        }
    }
}

impl<K: WithTenant> PersonFields<K> {
    /// `tenant`: only for platforms with several tenants.
    pub fn tenant(mut self, v: impl Into<String>) -> Self {
        self.tenant = Some(v.into());
        self
    }
}

impl<K: WriteKind> PersonFields<K> {
    /// `first_name`.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }
    /// `middle_name`.
    pub fn middle_name(mut self, v: impl Into<String>) -> Self {
        self.middle_name = Some(v.into());
        self
    }
    /// `last_name`.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }
    /// `dob`: a [`DateOfBirth`] or a `YYYY-MM-DD` string (checked: 1900-01-01 ≤ dob < today).
    pub fn dob<T>(mut self, v: T) -> Self
    where
        T: TryInto<DateOfBirth>,
        T::Error: Into<Error>,
    {
        self.dob = self.invalid.capture("dob", v);
        self
    }
    /// `email`: an [`Email`] or a string.
    pub fn email<T>(mut self, v: T) -> Self
    where
        T: TryInto<Email>,
        T::Error: Into<Error>,
    {
        self.email = self.invalid.capture("email", v);
        self
    }
    /// `phone_number`: a [`PhoneNumber`] or an E.164 string.
    pub fn phone_number<T>(mut self, v: T) -> Self
    where
        T: TryInto<PhoneNumber>,
        T::Error: Into<Error>,
    {
        self.phone_number = self.invalid.capture("phone_number", v);
        self
    }
    /// `ssn`: an [`Ssn`] or a `123-45-6789` string. The masked
    /// [`SsnLast4`](crate::SsnLast4) of a response is not accepted.
    pub fn ssn<T>(mut self, v: T) -> Self
    where
        T: TryInto<Ssn>,
        T::Error: Into<Error>,
    {
        self.ssn = self.invalid.capture("ssn", v);
        self
    }
    /// `legal_address`.
    pub fn legal_address(mut self, v: AddressInput) -> Self {
        self.legal_address = Some(v);
        self
    }
    /// `shipping_address` (when left out on create, the API copies the legal address).
    pub fn shipping_address(mut self, v: AddressInput) -> Self {
        self.shipping_address = Some(v);
        self
    }
    /// `metadata`: free-form integrator data. Do not put PII in it.
    pub fn metadata(mut self, v: Metadata) -> Self {
        self.metadata = Some(v);
        self
    }
    /// `ban_status`: suspend a person or lift a suspension, which needs a [`note`](Self::note)
    /// (see [`Rules`]: a create checks it here, a change is checked by the server, which knows
    /// the stored value). `BANNED` cannot be requested.
    pub fn ban_status(mut self, v: BanStatusInput) -> Self {
        self.ban_status = Some(v);
        self
    }
    /// `note`: required when `ban_status` moves between `SUSPENDED` and `ALLOWED`, and when a
    /// record is created `SUSPENDED`. Stored with the record and never returned.
    pub fn note(mut self, v: impl Into<String>) -> Self {
        self.note = Some(v.into());
        self
    }

    /// The rules, in order; `own_checks` (the write's checks of its own fields) is reported
    /// after the names.
    fn check_rules(&self, own_checks: Result<(), Error>) -> Result<(), Error> {
        self.invalid.check()?;
        for (field, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("middle_name", &self.middle_name),
        ] {
            check_name(field, value.as_deref())?;
        }
        own_checks?;
        if let Some(a) = &self.legal_address {
            a.validate("legal_address")?;
        }
        if let Some(a) = &self.shipping_address {
            a.validate("shipping_address")?;
        }
        check_name("note", self.note.as_deref())?;
        let rules = K::RULES;
        if rules.whole_record
            && self
                .status
                .as_ref()
                .is_some_and(|s| *s != PersonStatus::Prospect)
        {
            for (field, value) in [
                ("first_name", &self.first_name),
                ("last_name", &self.last_name),
            ] {
                if value.is_none() {
                    return Err(Error::validation(
                        field,
                        "is required for every status but PROSPECT",
                    ));
                }
            }
        }
        rules.note.check(self.ban_status, self.note.as_deref())
    }

    /// The shared fields for the generated request body: rules checked (with the write's
    /// `own_checks` in their place), then each value converted into its generated type, field by
    /// field (no JSON in between). Called by each write's `to_raw`.
    ///
    /// The SSN stays in a zeroize-on-drop [`Ssn`] here; what this cannot reach is the copy the
    /// generated request type keeps (a plain `String`) and the body `reqwest` serializes.
    pub(crate) fn shared_to_raw(&self, own_checks: Result<(), Error>) -> Result<RawShared, Error> {
        self.check_rules(own_checks)?;
        Ok(RawShared {
            status: PersonStatus::to_raw_opt(self.status.as_ref(), "status")?,
            ban_status: self.ban_status.map(BanStatusInput::to_raw),
            first_name: Error::constrained_opt("first_name", self.first_name.as_deref())?,
            middle_name: Error::constrained_opt("middle_name", self.middle_name.as_deref())?,
            last_name: Error::constrained_opt("last_name", self.last_name.as_deref())?,
            dob: self.dob.as_ref().map(DateOfBirth::expose),
            email: self.email.as_ref().map(|e| e.expose().to_owned()),
            phone_number: Error::constrained_opt(
                "phone_number",
                self.phone_number.as_ref().map(PhoneNumber::expose),
            )?,
            ssn: Error::constrained_opt("ssn", self.ssn.as_ref().map(|s| s.expose_secret()))?,
            legal_address: self
                .legal_address
                .as_ref()
                .map(|a| a.to_raw(&LEGAL_ADDRESS))
                .transpose()?,
            shipping_address: self
                .shipping_address
                .as_ref()
                .map(|a| a.to_raw(&SHIPPING_ADDRESS))
                .transpose()?,
            metadata: self.metadata.clone().map(types::Metadata),
            note: Error::constrained_opt("note", self.note.as_deref())?,
            tenant: self.tenant.clone(),
        })
    }
}

impl<K: WriteKind> fmt::Debug for PersonFields<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct(K::NAME);
        d.field("status", &self.status)
            .field("ban_status", &self.ban_status)
            .field("first_name", &MaskedName(&self.first_name))
            .field("middle_name", &MaskedName(&self.middle_name))
            .field("last_name", &MaskedName(&self.last_name))
            .field("dob", &self.dob)
            .field("email", &self.email)
            .field("phone_number", &self.phone_number)
            .field("ssn", &self.ssn)
            .field("legal_address", &self.legal_address)
            .field("shipping_address", &self.shipping_address)
            .field("metadata", &self.metadata.as_ref().map(|m| m.len()));
        self.own.debug_own(&mut d);
        d.field("note", &redacted(&self.note))
            .finish_non_exhaustive()
    }
}
