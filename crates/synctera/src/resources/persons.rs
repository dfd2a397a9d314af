//! Persons (`/persons`): the recommended view of personal customers.
//!
//! A person starts as a [`PersonStatus::Prospect`] with whatever is known, is activated with full
//! details, and is then verified (see [`crate::verifications`]). The same records can be read
//! and changed through [`crate::customers`] with the same id.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use synctera_raw::types;

use secrecy::ExposeSecret;

use crate::error::Error;
use crate::field_path::FieldPath;
use crate::resources::person_query::{RawFilters, with_shared_filters};
use crate::resources::person_record::shared_record;
use crate::transport::client::Client;
use crate::transport::pagination::{self, List, ListQuery, Page, Paging};
use crate::transport::{OptionalParams, Request, operation};
use crate::values::addresses::Address;
use crate::values::enums::{WireEnum, api_enum};
use crate::values::ids::{PersonId, PersonalIdId};
use crate::values::pii::{
    DateOfBirth, Email, Identifier, IdentifierLast4, MaskedName, NOT_AN_SSN, PhoneNumber, SsnLast4,
    is_ssn_shaped,
};

pub use crate::resources::person_query::{PersonFilters, PersonListQuery, PersonSortKey};
use crate::values::metadata::Metadata;
pub use crate::values::statuses::{
    BanStatus, BanStatusInput, PersonStatus, SsnSource, VerificationStatus,
};

api_enum! {
    /// The kind of a personal identifier (`personal_ids[].id_type`).
    PersonalIdType {
        /// Citizenship card.
        CitizenshipCard = "CITIZENSHIP_CARD",
        /// Driver's licence.
        DriverLicense = "DRIVER_LICENSE",
        /// US individual taxpayer identification number.
        Itin = "ITIN",
        /// National id.
        NationalId = "NATIONAL_ID",
        /// Passport number.
        PassportNumber = "PASSPORT_NUMBER",
        /// Provincial id.
        ProvincialId = "PROVINCIAL_ID",
        /// Permanent resident card.
        PrCard = "PR_CARD",
        /// Secure status card.
        SecureStatusCard = "SECURE_STATUS_CARD",
        /// Canadian social insurance number.
        Sin = "SIN",
        /// US social security number.
        Ssn = "SSN",
        /// State id.
        StateId = "STATE_ID",
        /// Tax id.
        TaxId = "TAX_ID",
    }
}

/// A personal identifier as responses carry it (identifier reduced to its last four).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PersonalId {
    /// The stored identifier's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<PersonalIdId>,
    /// Kind of identifier.
    pub id_type: PersonalIdType,
    /// Last four characters of the identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<IdentifierLast4>,
    /// Issuing country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Whether Synctera created it (e.g. from the SSN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_provided: Option<bool>,
}

/// A personal identifier to store when creating a person.
#[derive(Debug, Clone)]
pub struct PersonalIdInput {
    id_type: PersonalIdType,
    identifier: Identifier,
    country_code: Option<String>,
}

impl PersonalIdInput {
    /// An identifier of `id_type`. `country_code` may be left out where the type implies it
    /// (SSN → US). An `SSN` identifier must be written as one (`123-45-6789`), as the API
    /// requires; the request is refused locally, naming `personal_ids[i].identifier`, if not.
    pub fn new(id_type: PersonalIdType, identifier: Identifier) -> Self {
        Self {
            id_type,
            identifier,
            country_code: None,
        }
    }

    /// The issuing country (two capital letters).
    pub fn country_code(mut self, cc: impl Into<String>) -> Self {
        self.country_code = Some(cc.into());
        self
    }

    /// The entry's own rules; errors name `personal_ids[index].<field>`.
    fn validate(&self, index: usize) -> Result<(), Error> {
        if self.id_type == PersonalIdType::Ssn && !is_ssn_shaped(self.identifier.expose_secret()) {
            return Err(Error::validation(
                Self::path(index, "identifier"),
                NOT_AN_SSN,
            ));
        }
        match &self.country_code {
            Some(cc) if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) => {
                Err(Error::validation(
                    Self::path(index, "country_code"),
                    "must be two capital letters",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The generated entry, for position `index` of `personal_ids`; errors name
    /// `personal_ids[index].<field>`.
    fn to_raw(&self, index: usize) -> Result<types::PersonalIdInput, Error> {
        Ok(types::PersonalIdInput {
            country_code: Error::constrained_opt(
                Self::path(index, "country_code"),
                self.country_code.as_deref(),
            )?,
            id_type: self.id_type.to_raw(Self::path(index, "id_type"))?,
            identifier: Error::constrained(
                Self::path(index, "identifier"),
                self.identifier.expose_secret(),
            )?,
        })
    }

    fn path(index: usize, field: &'static str) -> FieldPath {
        FieldPath::element_field("personal_ids", index, field)
    }

    /// Converts every entry of a `personal_ids` list, each named by its index.
    fn list_to_raw(list: &[Self]) -> Result<Vec<types::PersonalIdInput>, Error> {
        list.iter()
            .enumerate()
            .map(|(index, id)| id.to_raw(index))
            .collect()
    }

    /// Checks every entry of a `personal_ids` list, each named by its index.
    fn check_list(list: &[Self]) -> Result<(), Error> {
        list.iter()
            .enumerate()
            .try_for_each(|(index, id)| id.validate(index))
    }
}

/// A person as Synctera returns it. Field names are the API's. `Debug` masks every piece of PII
/// (names to their initial, SSN to its last four, date of birth, phone, e-mail and street lines
/// hidden).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Person {
    /// The person's id (also usable as a [`crate::CustomerId`]).
    pub id: PersonId,
    /// Administrative status.
    pub status: PersonStatus,
    /// Ban status.
    pub ban_status: BanStatus,
    /// Whether the person is a customer of the fintech.
    pub is_customer: bool,
    /// KYC outcome.
    pub verification_status: VerificationStatus,
    /// When KYC last ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_last_run: Option<DateTime<Utc>>,
    /// Tenant (workspace) holding the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Creation time.
    pub creation_time: DateTime<Utc>,
    /// Last change.
    pub last_updated_time: DateTime<Utc>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Middle name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The name the person goes by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen_name: Option<String>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<DateOfBirth>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Mobile phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumber>,
    /// The SSN's last four digits (all the API ever returns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssn: Option<SsnLast4>,
    /// How the SSN was collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssn_source: Option<SsnSource>,
    /// Legal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_address: Option<Address>,
    /// Shipping address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
    /// Whether the person holds accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_accounts: Option<bool>,
    /// Whether the person is a console user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_user: Option<bool>,
    /// Personal identifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub personal_ids: Vec<PersonalId>,
    /// Integrator metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl Person {
    /// The name to address the person by: chosen name, else first name.
    pub fn display_name(&self) -> Option<&str> {
        self.chosen_name.as_deref().or(self.first_name.as_deref())
    }
}

impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Person");
        d.field("id", &self.id)
            .field("status", &self.status)
            .field("ban_status", &self.ban_status)
            .field("is_customer", &self.is_customer)
            .field("verification_status", &self.verification_status)
            .field("verification_last_run", &self.verification_last_run);
        let shared = shared_record!(self);
        shared.debug_fields(
            &mut d,
            &[("chosen_name", &MaskedName(&self.chosen_name))],
            &[
                ("has_accounts", &self.has_accounts),
                ("is_user", &self.is_user),
                ("personal_ids", &self.personal_ids),
            ],
        );
        d.finish()
    }
}

impl From<types::PersonalId> for PersonalId {
    fn from(raw: types::PersonalId) -> Self {
        PersonalId {
            id: raw.id.map(PersonalIdId::new),
            id_type: PersonalIdType::from_wire_owned(raw.id_type),
            identifier: Some(IdentifierLast4::from_response(raw.identifier)),
            country_code: raw.country_code,
            system_provided: raw.system_provided,
        }
    }
}

impl From<types::Person> for Person {
    /// Field by field, moving every value: no JSON round trip, no re-parsing of ids or times.
    /// Strings become the masking PII types as they are (the server is the authority on stored
    /// data); SSNs and identifiers are cut to their last four at once.
    fn from(raw: types::Person) -> Self {
        Person {
            id: PersonId::new(raw.id),
            status: PersonStatus::from_wire_owned(raw.status),
            ban_status: BanStatus::from_wire_owned(raw.ban_status),
            is_customer: raw.is_customer,
            verification_status: VerificationStatus::from_wire_owned(raw.verification_status),
            verification_last_run: raw.verification_last_run,
            tenant: Some(raw.tenant),
            creation_time: raw.creation_time,
            last_updated_time: raw.last_updated_time,
            first_name: raw.first_name,
            middle_name: raw.middle_name,
            last_name: raw.last_name,
            chosen_name: raw.chosen_name,
            dob: raw.dob.map(DateOfBirth::from_response),
            email: raw.email.map(Email::from_response),
            phone_number: raw.phone_number.map(PhoneNumber::from_response),
            ssn: raw.ssn.map(SsnLast4::from_response),
            ssn_source: raw.ssn_source.map(SsnSource::from_wire_owned),
            legal_address: raw.legal_address.map(Address::from),
            shipping_address: raw.shipping_address.map(Address::from),
            has_accounts: raw.has_accounts,
            is_user: raw.is_user,
            personal_ids: raw.personal_ids.into_iter().map(PersonalId::from).collect(),
            metadata: raw.metadata.map(|m| m.0),
        }
    }
}

impl From<types::PersonList> for Page<Person> {
    fn from(raw: types::PersonList) -> Self {
        Page::from_answer(
            raw.persons.into_iter().map(Person::from).collect(),
            raw.next_page_token,
        )
    }
}

mod writes;
pub use writes::{NewPerson, PersonChange, PersonCreate, PersonUpdate};

/// `client.persons()`: create, read, update and list persons.
#[derive(Debug, Clone, Copy)]
pub struct Persons<'a> {
    client: &'a Client,
}

impl Client {
    /// Persons (`/persons`).
    pub fn persons(&self) -> Persons<'_> {
        Persons { client: self }
    }
}

impl Persons<'_> {
    /// `createPerson`: creates a person. The call's idempotency key is generated before the
    /// first attempt and sent by every retry; supply your own with
    /// [`Request::idempotency_key`].
    pub fn create(&self, person: NewPerson) -> Request<CreatePerson> {
        Request::new(
            self.client,
            person.to_raw().map(|body| CreatePerson(Box::new(body))),
        )
    }

    /// `getPerson`.
    pub fn get(&self, id: impl Into<PersonId>) -> Request<GetPerson> {
        Request::new(self.client, Ok(GetPerson(id.into().into_uuid())))
    }

    /// `updatePerson` (a PATCH: only the fields set change). Keyed like
    /// [`create`](Self::create).
    pub fn update(&self, id: impl Into<PersonId>, update: PersonUpdate) -> Request<UpdatePerson> {
        let id = id.into().into_uuid();
        Request::new(
            self.client,
            update.to_raw().map(|body| UpdatePerson(id, Box::new(body))),
        )
    }

    /// `listPersons`: a query builder; `.await` it (or [`ListPersons::send`]) for one page, or
    /// finish it with [`ListPersons::pages`] or [`ListPersons::stream`].
    pub fn list(&self) -> ListPersons {
        List::new(self.client, PersonsQuery::default())
    }
}

operation! {
    /// The `createPerson` operation, made by [`Persons::create`].
    CreatePerson(Box<types::CreatePersonRequest>) = POST "createPerson" keyed,
    types::Person => Person,
    |op, raw| raw.create_person().body((*op.0).clone())
}

operation! {
    /// The `getPerson` operation, made by [`Persons::get`].
    GetPerson(uuid::Uuid) = GET "getPerson",
    types::Person => Person,
    |op, raw| raw.get_person().person_id(op.0)
}

operation! {
    /// The `updatePerson` operation, made by [`Persons::update`].
    UpdatePerson(uuid::Uuid, Box<types::UpdatePersonRequest>) = PATCH "updatePerson" keyed,
    types::Person => Person,
    |op, raw| raw.update_person().person_id(op.0).body((*op.1).clone())
}

/// A `listPersons` query. Every documented filter is a setter; multi-valued ones (`id`,
/// `sort_by`, `ban_status`) add to a list.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use synctera::{PersonStatus, persons::PersonSortKey};
/// # async fn f(client: synctera::Client) -> Result<(), synctera::Error> {
/// let active: Vec<synctera::Person> = client
///     .persons()
///     .list()
///     .status(PersonStatus::Active)
///     .last_name("Bak*")
///     .sort_by(PersonSortKey::CreationTimeDesc)
///     .limit(50)
///     .stream()
///     .try_collect()
///     .await?;
/// # Ok(()) }
/// ```
pub type ListPersons = List<PersonsQuery>;

/// The query of [`ListPersons`]: the filters it shares with customers plus its own three.
// `Debug` is derived: the shared filters redact their PII themselves.
#[derive(Debug, Clone, Default)]
pub struct PersonsQuery {
    shared: PersonFilters,
    is_customer: Option<bool>,
    ban_status: Vec<BanStatus>,
    include_console_users: Option<bool>,
}

impl ListPersons {
    /// Only persons whose `is_customer` is `v`.
    pub fn is_customer(mut self, v: bool) -> Self {
        self.query.is_customer = Some(v);
        self
    }
    /// Only persons with one of these ban statuses (may be called repeatedly).
    pub fn ban_status(mut self, v: BanStatus) -> Self {
        self.query.ban_status.push(v);
        self
    }
    /// Also list console users.
    pub fn include_console_users(mut self, v: bool) -> Self {
        self.query.include_console_users = Some(v);
        self
    }
}

impl pagination::sealed::Sealed for PersonsQuery {}
impl ListQuery for PersonsQuery {
    const NAME: &'static str = "ListPersons";
    type Item = Person;
    type Page = ListPersonsPage;

    fn page(self, paging: Paging) -> Result<ListPersonsPage, Error> {
        let filters = self.shared.to_raw()?;
        let ban_status = self
            .ban_status
            .iter()
            .enumerate()
            .map(|(i, s)| s.to_raw(FieldPath::element("ban_status", i)))
            .collect::<Result<_, _>>()?;
        Ok(ListPersonsPage(self, filters, ban_status, paging))
    }
}

impl PersonListQuery for PersonsQuery {
    type Id = PersonId;
    fn filters_mut(&mut self) -> &mut PersonFilters {
        &mut self.shared
    }
}

operation! {
    /// The `listPersons` operation (one page), made by [`ListPersons`]: the query and its
    /// filters in the generated types.
    ListPersonsPage(PersonsQuery, RawFilters, Vec<types::BanStatus>, Paging) = GET "listPersons",
    types::PersonList => Page<Person>,
    |op, raw| {
        let ListPersonsPage(q, filters, ban_status, paging) = op;
        with_shared_filters!(raw.list_persons(), filters, paging)
            .set_some(q.is_customer, |r, v| r.is_customer(v))
            .set_nonempty(ban_status, |r, v| r.ban_status(v))
            .set_some(q.include_console_users, |r, v| r.include_console_users(v))
    }
}

#[cfg(test)]
mod tests;
