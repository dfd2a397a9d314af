//! The two person writes: [`NewPerson`] (`createPerson`) and [`PersonUpdate`]
//! (`updatePerson`), each the shared [`PersonFields`] plus what only it sends.

use std::fmt;

use synctera_raw::types;

use super::PersonalIdInput;
use crate::error::Error;
use crate::resources::person_fields::{
    self, NoteRule, PersonFields, Rules, WholeRecord, WithTenant, WriteKind, check_name,
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

/// What only `createPerson` sends: `chosen_name`, `is_customer`, `personal_ids`.
#[derive(Clone)]
pub struct PersonCreate {
    chosen_name: Option<String>,
    is_customer: bool,
    personal_ids: Vec<PersonalIdInput>,
}

impl Default for PersonCreate {
    fn default() -> Self {
        Self {
            chosen_name: None,
            is_customer: true,
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

    /// Checks the request without sending it, as sending it does (the checks are listed at
    /// [`PersonFields`]). The error names the first field at fault, never its value.
    pub fn validate(&self) -> Result<(), Error> {
        self.to_raw().map(drop)
    }

    /// The generated body: this write's own checks, the shared fields checked and converted,
    /// then this write's own fields.
    pub(crate) fn to_raw(&self) -> Result<types::CreatePersonRequest, Error> {
        let own = &self.own;
        let own_checks = check_name("chosen_name", own.chosen_name.as_deref())
            .and_then(|()| PersonalIdInput::check_list(&own.personal_ids));
        let mut shared = self.shared_to_raw(own_checks)?;
        let status = shared.required_status()?;
        Ok(with_shared_fields!(CreatePersonRequest {
            shared,
            status: status,
            chosen_name: Error::constrained_opt("chosen_name", own.chosen_name.as_deref())?,
            is_customer: own.is_customer,
            tenant: shared.tenant,
            personal_ids: PersonalIdInput::list_to_raw(&own.personal_ids)?,
        }))
    }
}

impl person_fields::sealed::Sealed for PersonCreate {}
impl WholeRecord for PersonCreate {}
impl WithTenant for PersonCreate {}
impl WriteKind for PersonCreate {
    const NAME: &'static str = "NewPerson";
    const RULES: Rules = Rules {
        whole_record: true,
        note: NoteRule::WhenSuspending(
            "is required when creating a person with ban_status SUSPENDED",
        ),
    };

    fn debug_own(&self, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field("chosen_name", &MaskedName(&self.chosen_name))
            .field("is_customer", &self.is_customer)
            .field("personal_ids", &self.personal_ids);
    }
}

/// An `updatePerson` (PATCH) request: only the fields you set are sent.
///
/// ```
/// use synctera::{BanStatusInput, PersonUpdate};
/// let update = PersonUpdate::new().phone_number("+12124567890");
/// assert!(update.validate().is_ok());
///
/// // Values are checked as they are set; the first bad one is named, never shown.
/// let err = PersonUpdate::new().phone_number("212-456-7890").validate().unwrap_err();
/// assert!(matches!(&err, synctera::Error::Validation { field, .. } if *field == "phone_number"));
///
/// // Lifting a suspension needs a note; the server checks it, as only it knows the stored value.
/// let lift = PersonUpdate::new().ban_status(BanStatusInput::Allowed).note("cleared by review");
/// assert!(lift.validate().is_ok());
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

/// What only `updatePerson` sends: `chosen_name`, `is_customer` (and its `status` is
/// optional).
#[derive(Clone, Default)]
pub struct PersonChange {
    chosen_name: Option<String>,
    is_customer: Option<bool>,
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

    /// Checks the request without sending it, as sending it does (the checks are listed at
    /// [`PersonFields`]). The error names the first field at fault, never its value.
    pub fn validate(&self) -> Result<(), Error> {
        self.to_raw().map(drop)
    }

    /// The generated body: this write's own check, the shared fields checked and converted,
    /// then this write's own fields.
    pub(crate) fn to_raw(&self) -> Result<types::UpdatePersonRequest, Error> {
        let own = &self.own;
        let shared = self.shared_to_raw(check_name("chosen_name", own.chosen_name.as_deref()))?;
        Ok(with_shared_fields!(UpdatePersonRequest {
            shared,
            status: shared.status,
            chosen_name: Error::constrained_opt("chosen_name", own.chosen_name.as_deref())?,
            is_customer: own.is_customer,
            tenant: shared.tenant,
        }))
    }
}

impl person_fields::sealed::Sealed for PersonChange {}
impl WithTenant for PersonChange {}
impl WriteKind for PersonChange {
    const NAME: &'static str = "PersonUpdate";
    const RULES: Rules = Rules {
        whole_record: false,
        note: NoteRule::ByTheServer,
    };

    fn debug_own(&self, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field("chosen_name", &MaskedName(&self.chosen_name))
            .field("is_customer", &self.is_customer);
    }
}
