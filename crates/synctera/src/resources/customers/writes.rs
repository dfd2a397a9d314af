//! The three customer writes: [`NewCustomer`] (`createCustomer`), [`CustomerPatch`]
//! (`patchCustomer`) and [`CustomerReplace`] (`updateCustomer`, a PUT), each the shared
//! [`PersonFields`] plus what only it sends.

use synctera_raw::types;

use crate::error::Error;
use crate::resources::person_fields::{
    self, NoteRule, PersonFields, Rules, WholeRecord, WithTenant, WriteKind, with_shared_fields,
};
use crate::values::statuses::PersonStatus;

/// A `createCustomer` request (POST `/customers`).
///
/// ```
/// use synctera::NewCustomer;
/// let c = NewCustomer::active("Jane", "Smith").email("jane@example.com");
/// assert!(c.validate().is_ok());
/// assert!(NewCustomer::prospect().validate().is_ok());
/// ```
pub type NewCustomer = PersonFields<CustomerCreate>;

/// What only `createCustomer` sends on top of the shared fields: nothing (its `status` is
/// required).
#[derive(Clone, Default)]
pub struct CustomerCreate {}

impl NewCustomer {
    /// Checks the request without sending it, as sending it does (the checks are listed at
    /// [`PersonFields`]). The error names the first field at fault, never its value.
    pub fn validate(&self) -> Result<(), Error> {
        self.to_raw().map(drop)
    }

    /// The generated body: the shared fields checked and converted.
    pub(crate) fn to_raw(&self) -> Result<types::CreateCustomerRequest, Error> {
        let mut shared = self.shared_to_raw(Ok(()))?;
        let status = shared.required_status()?;
        Ok(with_shared_fields!(CreateCustomerRequest {
            shared,
            status: status,
            tenant: shared.tenant,
        }))
    }
}

impl person_fields::sealed::Sealed for CustomerCreate {}
impl WholeRecord for CustomerCreate {}
impl WithTenant for CustomerCreate {}
impl WriteKind for CustomerCreate {
    const NAME: &'static str = "NewCustomer";
    const RULES: Rules = Rules {
        whole_record: true,
        note: NoteRule::WhenSuspending(
            "is required when creating a customer with ban_status SUSPENDED",
        ),
    };
}

/// A `patchCustomer` request (PATCH `/customers/{id}`): only the fields you set are sent.
///
/// ```
/// use synctera::{CustomerPatch, PersonStatus};
/// let patch = CustomerPatch::new().status(PersonStatus::Frozen);
/// assert!(patch.validate().is_ok());
/// ```
pub type CustomerPatch = PersonFields<CustomerChange>;

/// What only `patchCustomer` sends on top of the shared fields: nothing (its `status` is
/// optional, and it takes no `tenant`).
#[derive(Clone, Default)]
pub struct CustomerChange {}

impl CustomerPatch {
    /// An empty patch.
    pub fn new() -> Self {
        Self::default()
    }

    /// `status`. Every status but `PROSPECT` needs names on the record (checked by the server,
    /// which knows the stored names).
    pub fn status(mut self, v: PersonStatus) -> Self {
        self.status = Some(v);
        self
    }

    /// Checks the request without sending it, as sending it does (the checks are listed at
    /// [`PersonFields`]). The error names the first field at fault, never its value.
    pub fn validate(&self) -> Result<(), Error> {
        self.to_raw().map(drop)
    }

    /// The generated body: the shared fields checked and converted.
    pub(crate) fn to_raw(&self) -> Result<types::PatchCustomerRequest, Error> {
        let shared = self.shared_to_raw(Ok(()))?;
        Ok(with_shared_fields!(PatchCustomerRequest {
            shared,
            status: shared.status,
        }))
    }
}

impl person_fields::sealed::Sealed for CustomerChange {}
impl WriteKind for CustomerChange {
    const NAME: &'static str = "CustomerPatch";
    const RULES: Rules = Rules {
        whole_record: false,
        note: NoteRule::ByTheServer,
    };
}

/// An `updateCustomer` request (PUT `/customers/{id}`): replaces the whole record, so it has the
/// same requirements as a create.
///
/// ```
/// use synctera::CustomerReplace;
/// assert!(CustomerReplace::active("Jane", "Smith").validate().is_ok());
/// ```
pub type CustomerReplace = PersonFields<CustomerReplacement>;

/// What only `updateCustomer` sends on top of the shared fields: nothing (its `status` is
/// required).
#[derive(Clone, Default)]
pub struct CustomerReplacement {}

impl CustomerReplace {
    /// Checks the request without sending it, as sending it does (the checks are listed at
    /// [`PersonFields`]). The error names the first field at fault, never its value.
    pub fn validate(&self) -> Result<(), Error> {
        self.to_raw().map(drop)
    }

    /// The generated body: the shared fields checked and converted.
    pub(crate) fn to_raw(&self) -> Result<types::ReplaceCustomerRequest, Error> {
        let mut shared = self.shared_to_raw(Ok(()))?;
        let status = shared.required_status()?;
        Ok(with_shared_fields!(ReplaceCustomerRequest {
            shared,
            status: status,
            tenant: shared.tenant,
        }))
    }
}

impl person_fields::sealed::Sealed for CustomerReplacement {}
impl WholeRecord for CustomerReplacement {}
impl WithTenant for CustomerReplacement {}
impl WriteKind for CustomerReplacement {
    const NAME: &'static str = "CustomerReplace";
    const RULES: Rules = Rules {
        whole_record: true,
        note: NoteRule::ByTheServer,
    };
}
