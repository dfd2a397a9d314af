//! The two person writes: [`NewPerson`] (`createPerson`) and [`PersonUpdate`]
//! (`updatePerson`), each the shared [`PersonFields`] plus what only it sends.

use std::fmt;

use synctera_raw::types;

use super::PersonalIdInput;
use crate::error::Error;
use crate::resources::person_fields::{
    self, NoteRule, PersonFields, RawShared, Rules, WholeRecord, WithTenant, WriteKind, check_name,
    with_shared_fields,
};
use crate::values::pii::MaskedName;
use crate::values::statuses::PersonStatus;

/// A `createPerson` request.
///
/// Start from [`NewPerson::prospect`] when only some details are known, or
/// [`NewPerson::active`] (which requires names). Setters are named after the API's fields; values
/// that need parsing (e-mail, phone, SSN, date of birth) are checked when the request is sent,
/// and the first problem is reported naming the field, never the value.
///
/// ```
/// use synctera::NewPerson;
/// let prospect = NewPerson::prospect().email("anne.baker@example.com").is_customer(true);
/// assert!(prospect.validate().is_ok());
///
/// let err = NewPerson::prospect().email("not-an-email").validate().unwrap_err();
/// assert_eq!(err.to_string(), "invalid `email`: must be an e-mail address: a name, '@' and a domain with a dot");
/// ```
///
/// `is_customer` defaults to `true`.
pub type NewPerson = PersonFields<PersonCreate>;

/// What only `createPerson` sends: `chosen_name`, `is_customer`, `tenant`, `personal_ids`.
#[derive(Clone)]
pub struct PersonCreate {
    chosen_name: Option<String>,
    is_customer: bool,
    tenant: Option<String>,
    personal_ids: Vec<PersonalIdInput>,
}

impl Default for PersonCreate {
    fn default() -> Self {
        Self {
            chosen_name: None,
            is_customer: true,
            tenant: None,
            personal_ids: Vec::new(),
        }
    }
}

impl NewPerson {
    /// `chosen_name`: the name the person goes by.
    pub fn chosen_name(mut self, v: impl Into<String>) -> Self {
        self.own.chosen_name = Some(v.into());
        self
    }

    /// `is_customer` (default `true`): whether the person has a direct relationship with the
    /// fintech, such as an account holder.
    pub fn is_customer(mut self, v: bool) -> Self {
        self.own.is_customer = v;
        self
    }

    /// Adds an entry to `personal_ids` (only settable on create).
    pub fn personal_id(mut self, v: PersonalIdInput) -> Self {
        self.own.personal_ids.push(v);
        self
    }
}

impl person_fields::sealed::Sealed for PersonCreate {}
impl WholeRecord for PersonCreate {}
impl WithTenant for PersonCreate {
    fn tenant_mut(&mut self) -> &mut Option<String> {
        &mut self.tenant
    }
}
impl WriteKind for PersonCreate {
    const NAME: &'static str = "NewPerson";
    const RULES: Rules = Rules {
        whole_record: true,
        note: NoteRule::WhenSuspending(
            "is required when creating a person with ban_status SUSPENDED",
        ),
    };
    type Raw = types::CreatePersonRequest;

    fn check_own(&self) -> Result<(), Error> {
        check_name("chosen_name", self.chosen_name.as_deref())?;
        PersonalIdInput::check_list(&self.personal_ids)
    }

    fn debug_own(&self, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field("chosen_name", &MaskedName(&self.chosen_name))
            .field("is_customer", &self.is_customer)
            .field("personal_ids", &self.personal_ids);
    }

    fn to_raw(&self, mut shared: RawShared) -> Result<Self::Raw, Error> {
        let status = shared.required_status()?;
        Ok(with_shared_fields!(CreatePersonRequest {
            shared,
            status: status,
            chosen_name: Error::constrained_opt("chosen_name", self.chosen_name.as_deref())?,
            is_customer: self.is_customer,
            tenant: self.tenant.clone(),
            personal_ids: PersonalIdInput::list_to_raw(&self.personal_ids)?,
        }))
    }
}

/// An `updatePerson` (PATCH) request: only the fields you set are sent.
///
/// ```
/// use synctera::{BanStatusInput, PersonUpdate};
/// let update = PersonUpdate::new().phone_number("+12124567890");
/// assert!(update.validate().is_ok());
///
/// // Changing the ban status needs a note.
/// let err = PersonUpdate::new().ban_status(BanStatusInput::Suspended).validate().unwrap_err();
/// assert!(matches!(&err, synctera::Error::Validation { field, .. } if *field == "note"));
/// ```
///
/// The masked SSN a response carries cannot be sent back:
///
/// ```compile_fail
/// # async fn f(client: synctera::Client, id: synctera::PersonId) -> Result<(), synctera::Error> {
/// let person = client.persons().get(id).await?;
/// let update = synctera::PersonUpdate::new().ssn(person.ssn.unwrap()); // SsnLast4 is not an Ssn
/// # Ok(()) }
/// ```
///
/// while a full SSN the caller collected is (the same code otherwise, so the line above fails
/// only because of the type):
///
/// ```no_run
/// # async fn f(client: synctera::Client, id: synctera::PersonId) -> Result<(), synctera::Error> {
/// let person = client.persons().get(id).await?;
/// let update = synctera::PersonUpdate::new().ssn("123-45-6789");
/// # let _ = (person, update);
/// # Ok(()) }
/// ```
pub type PersonUpdate = PersonFields<PersonChange>;

/// What only `updatePerson` sends: `status`, `chosen_name`, `is_customer`, `tenant`.
#[derive(Clone, Default)]
pub struct PersonChange {
    chosen_name: Option<String>,
    is_customer: Option<bool>,
    tenant: Option<String>,
}

impl PersonUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the person to `ACTIVE` and sets the names that status requires.
    pub fn activate(first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        Self::new()
            .status(PersonStatus::Active)
            .first_name(first_name)
            .last_name(last_name)
    }

    /// `status`. Every status but `PROSPECT` needs names on the record (checked by the server,
    /// which knows the stored names).
    pub fn status(mut self, v: PersonStatus) -> Self {
        self.status = Some(v);
        self
    }

    /// `chosen_name`: the name the person goes by.
    pub fn chosen_name(mut self, v: impl Into<String>) -> Self {
        self.own.chosen_name = Some(v.into());
        self
    }

    /// `is_customer`.
    pub fn is_customer(mut self, v: bool) -> Self {
        self.own.is_customer = Some(v);
        self
    }
}

impl person_fields::sealed::Sealed for PersonChange {}
impl WithTenant for PersonChange {
    fn tenant_mut(&mut self) -> &mut Option<String> {
        &mut self.tenant
    }
}
impl WriteKind for PersonChange {
    const NAME: &'static str = "PersonUpdate";
    const RULES: Rules = Rules {
        whole_record: false,
        note: NoteRule::WithAnyBanStatus,
    };
    type Raw = types::UpdatePersonRequest;

    fn check_own(&self) -> Result<(), Error> {
        check_name("chosen_name", self.chosen_name.as_deref())
    }

    fn debug_own(&self, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field("chosen_name", &MaskedName(&self.chosen_name))
            .field("is_customer", &self.is_customer);
    }

    fn to_raw(&self, shared: RawShared) -> Result<Self::Raw, Error> {
        Ok(with_shared_fields!(UpdatePersonRequest {
            shared,
            status: shared.status,
            chosen_name: Error::constrained_opt("chosen_name", self.chosen_name.as_deref())?,
            is_customer: self.is_customer,
            tenant: self.tenant.clone(),
        }))
    }
}
