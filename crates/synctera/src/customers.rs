//! Customers (`/customers`): the older view of the same personal records as [`crate::persons`].
//!
//! A record created through either view can be read and changed through the other with the same
//! id; [`Person`] and [`Customer`] convert into each other with the API's field mapping
//! (`verification_status` ⇄ `kyc_status`, `verification_last_run` ⇄ `kyc_last_run`).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use synctera_raw::types;

use crate::Error;
use crate::addresses::{Address, AddressType};
use crate::client::Client;
use crate::ids::CustomerId;
use crate::metadata::Metadata;
use crate::pagination::Page;
use crate::person_fields::{
    self, NoteRule, PersonFields, RawShared, Rules, WriteKind, with_shared_fields,
};
use crate::person_query::{PersonQuery, RawFilters};
use crate::persons::Person;
use crate::pii::{DateOfBirth, Email, MaskedName, PhoneNumber, SsnLast4};
use crate::statuses::{BanStatus, PersonStatus, SsnSource, VerificationStatus};
use crate::transport::{Request, operation};

api_enum! {
    /// A customer's KYC status (`kyc_status`): the person's `verification_status` plus
    /// `PROVIDER_FAILURE`.
    KycStatus {
        /// Verified.
        Accepted = "ACCEPTED",
        /// In progress.
        Pending = "PENDING",
        /// The verification provider failed.
        ProviderFailure = "PROVIDER_FAILURE",
        /// Partially verified or verified with restrictions.
        Provisional = "PROVISIONAL",
        /// Rejected.
        Rejected = "REJECTED",
        /// Issues found that need review.
        Review = "REVIEW",
        /// Not verified yet.
        Unverified = "UNVERIFIED",
    }
}

impl From<VerificationStatus> for KycStatus {
    /// Every person-side value has the customer-side value of the same name.
    fn from(s: VerificationStatus) -> Self {
        match s {
            VerificationStatus::Accepted => KycStatus::Accepted,
            VerificationStatus::Pending => KycStatus::Pending,
            VerificationStatus::Provisional => KycStatus::Provisional,
            VerificationStatus::Rejected => KycStatus::Rejected,
            VerificationStatus::Review => KycStatus::Review,
            VerificationStatus::Unverified => KycStatus::Unverified,
            VerificationStatus::Unknown(other) => KycStatus::Unknown(other),
        }
    }
}

impl From<KycStatus> for VerificationStatus {
    /// The person view of a KYC status:
    ///
    /// | `kyc_status` (customer) | `verification_status` (person) |
    /// | --- | --- |
    /// | `ACCEPTED`, `PENDING`, `PROVISIONAL`, `REJECTED`, `REVIEW`, `UNVERIFIED` | the same |
    /// | `PROVIDER_FAILURE` | `UNVERIFIED` |
    /// | anything else (`Unknown`) | kept verbatim as `Unknown` |
    ///
    /// The person view has no `PROVIDER_FAILURE`: when the verification provider failed, the
    /// person simply is not verified, which is what Synctera's `/persons` answers for the same
    /// record. The conversion therefore loses that one distinction; keep the [`Customer`] if
    /// you need it.
    fn from(s: KycStatus) -> Self {
        match s {
            KycStatus::Accepted => VerificationStatus::Accepted,
            KycStatus::Pending => VerificationStatus::Pending,
            KycStatus::Provisional => VerificationStatus::Provisional,
            KycStatus::Rejected => VerificationStatus::Rejected,
            KycStatus::Review => VerificationStatus::Review,
            KycStatus::Unverified | KycStatus::ProviderFailure => VerificationStatus::Unverified,
            KycStatus::Unknown(other) => VerificationStatus::Unknown(other),
        }
    }
}

/// A deprecated relationship to another customer (`related_customers[]`), read-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RelatedCustomer {
    /// The related customer's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<CustomerId>,
    /// The role of the related customer, such as `CUSTODIAN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_role: Option<String>,
}

/// A personal customer as `/customers` returns it. `Debug` masks every piece of PII.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// The customer's id (also usable as a [`crate::PersonId`]).
    pub id: CustomerId,
    /// Administrative status.
    pub status: PersonStatus,
    /// Ban status.
    pub ban_status: BanStatus,
    /// KYC outcome (the person's `verification_status`).
    pub kyc_status: KycStatus,
    /// When KYC last ran (the person's `verification_last_run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kyc_last_run: Option<DateTime<Utc>>,
    /// Whether the customer is exempt from KYC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kyc_exempt: Option<bool>,
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
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<DateOfBirth>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Mobile phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumber>,
    /// The SSN's last four digits.
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
    /// Every address with its `address_type`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Whether the customer holds accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_accounts: Option<bool>,
    /// Integrator metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Deprecated relationships (read-only here: setting them is an API error).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_customers: Vec<RelatedCustomer>,
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("ban_status", &self.ban_status)
            .field("kyc_status", &self.kyc_status)
            .field("kyc_last_run", &self.kyc_last_run)
            .field("kyc_exempt", &self.kyc_exempt)
            .field("tenant", &self.tenant)
            .field("creation_time", &self.creation_time)
            .field("last_updated_time", &self.last_updated_time)
            .field("first_name", &MaskedName(&self.first_name))
            .field("middle_name", &MaskedName(&self.middle_name))
            .field("last_name", &MaskedName(&self.last_name))
            .field("dob", &self.dob)
            .field("email", &self.email)
            .field("phone_number", &self.phone_number)
            .field("ssn", &self.ssn)
            .field("ssn_source", &self.ssn_source)
            .field("legal_address", &self.legal_address)
            .field("shipping_address", &self.shipping_address)
            .field("addresses", &self.addresses)
            .field("has_accounts", &self.has_accounts)
            .field("metadata", &self.metadata.as_ref().map(|m| m.len()))
            .finish_non_exhaustive()
    }
}

fn typed(address: &Option<Address>, kind: AddressType) -> Option<Address> {
    address.clone().map(|mut a| {
        a.address_type.get_or_insert(kind);
        a
    })
}

impl From<types::Customer> for Customer {
    /// Field by field, moving every value (see `From<types::Person> for Person`).
    fn from(raw: types::Customer) -> Self {
        Customer {
            id: CustomerId::new(raw.id),
            status: PersonStatus::from_wire_owned(raw.status),
            ban_status: BanStatus::from_wire_owned(raw.ban_status),
            kyc_status: KycStatus::from_wire_owned(raw.kyc_status),
            kyc_last_run: raw.kyc_last_run,
            kyc_exempt: raw.kyc_exempt,
            tenant: Some(raw.tenant),
            creation_time: raw.creation_time,
            last_updated_time: raw.last_updated_time,
            first_name: raw.first_name,
            middle_name: raw.middle_name,
            last_name: raw.last_name,
            dob: raw.dob.map(DateOfBirth::from_response),
            email: raw.email.map(Email::from_response),
            phone_number: raw.phone_number.map(PhoneNumber::from_response),
            ssn: raw.ssn.map(SsnLast4::from_response),
            ssn_source: raw.ssn_source.map(SsnSource::from_wire_owned),
            legal_address: raw.legal_address.map(Address::from),
            shipping_address: raw.shipping_address.map(Address::from),
            addresses: raw.addresses.into_iter().map(Address::from).collect(),
            has_accounts: raw.has_accounts,
            metadata: raw.metadata.map(|m| m.0),
            related_customers: raw
                .related_customers
                .into_iter()
                .map(|r| RelatedCustomer {
                    id: r.id.map(CustomerId::new),
                    relationship_role: r.relationship_role,
                })
                .collect(),
        }
    }
}

impl From<types::CustomerList> for Page<Customer> {
    fn from(raw: types::CustomerList) -> Self {
        Page {
            items: raw.customers.into_iter().map(Customer::from).collect(),
            next_page_token: raw.next_page_token,
        }
    }
}

impl From<Person> for Customer {
    /// The customer view of a person, with the API's field mapping:
    ///
    /// | person | customer |
    /// | --- | --- |
    /// | `verification_status` | `kyc_status` (same value; see [`KycStatus`]) |
    /// | `verification_last_run` | `kyc_last_run` |
    /// | `legal_address`, `shipping_address` | the same, and both listed in `addresses` with their `address_type` |
    /// | `chosen_name`, `is_customer`, `is_user`, `personal_ids` | dropped (person-only) |
    /// | — | `kyc_exempt`: `None`, `related_customers`: empty (customer-only, unknown here) |
    /// | every other field | the same |
    fn from(p: Person) -> Self {
        let addresses = [
            typed(&p.legal_address, AddressType::Legal),
            typed(&p.shipping_address, AddressType::Shipping),
        ]
        .into_iter()
        .flatten()
        .collect();
        Customer {
            id: p.id.into(),
            status: p.status,
            ban_status: p.ban_status,
            kyc_status: p.verification_status.into(),
            kyc_last_run: p.verification_last_run,
            kyc_exempt: None,
            tenant: p.tenant,
            creation_time: p.creation_time,
            last_updated_time: p.last_updated_time,
            first_name: p.first_name,
            middle_name: p.middle_name,
            last_name: p.last_name,
            dob: p.dob,
            email: p.email,
            phone_number: p.phone_number,
            ssn: p.ssn,
            ssn_source: p.ssn_source,
            legal_address: p.legal_address,
            shipping_address: p.shipping_address,
            addresses,
            has_accounts: p.has_accounts,
            metadata: p.metadata,
            related_customers: Vec::new(),
        }
    }
}

impl Customer {
    /// The person view of this customer. The customer view does not carry the person-only
    /// `is_customer`, so the caller supplies it (read it from the person, or from what your
    /// system knows) rather than have this conversion invent it. The mapping:
    ///
    /// | customer | person |
    /// | --- | --- |
    /// | `kyc_status` | `verification_status`; `PROVIDER_FAILURE` becomes `UNVERIFIED` (see [`KycStatus`]'s conversion) |
    /// | `kyc_last_run` | `verification_last_run` |
    /// | `addresses`, `kyc_exempt`, `related_customers` | dropped (customer-only) |
    /// | — | `is_customer`: the argument; `chosen_name`, `is_user`: `None`; `personal_ids`: empty (person-only, unknown here) |
    /// | every other field | the same |
    ///
    /// ```
    /// # use synctera::{Customer, KycStatus, VerificationStatus};
    /// # let customer: Customer = serde_json::from_value(serde_json::json!({
    /// #     "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7", "status": "ACTIVE",
    /// #     "ban_status": "ALLOWED", "kyc_status": "PROVIDER_FAILURE",
    /// #     "creation_time": "2022-04-13T01:52:40Z", "last_updated_time": "2022-04-13T01:52:40Z"
    /// # })).unwrap();
    /// assert_eq!(customer.kyc_status, KycStatus::ProviderFailure);
    /// let person = customer.into_person(true);
    /// assert_eq!(person.verification_status, VerificationStatus::Unverified);
    /// assert!(person.is_customer);
    /// ```
    pub fn into_person(self, is_customer: bool) -> Person {
        Person {
            id: self.id.into(),
            status: self.status,
            ban_status: self.ban_status,
            is_customer,
            verification_status: self.kyc_status.into(),
            verification_last_run: self.kyc_last_run,
            tenant: self.tenant,
            creation_time: self.creation_time,
            last_updated_time: self.last_updated_time,
            first_name: self.first_name,
            middle_name: self.middle_name,
            last_name: self.last_name,
            chosen_name: None,
            dob: self.dob,
            email: self.email,
            phone_number: self.phone_number,
            ssn: self.ssn,
            ssn_source: self.ssn_source,
            legal_address: self.legal_address,
            shipping_address: self.shipping_address,
            has_accounts: self.has_accounts,
            is_user: None,
            personal_ids: Vec::new(),
            metadata: self.metadata,
        }
    }
}

/// A `createCustomer` request (POST `/customers`).
///
/// ```
/// use synctera::NewCustomer;
/// let c = NewCustomer::active("Jane", "Smith").email("jane@example.com");
/// assert!(c.validate().is_ok());
/// assert!(NewCustomer::prospect().validate().is_ok());
/// ```
pub type NewCustomer = PersonFields<CustomerCreate>;

/// What only `createCustomer` sends on top of the shared fields: `tenant`.
#[derive(Clone, Default)]
pub struct CustomerCreate {
    tenant: Option<String>,
}

impl NewCustomer {
    /// A `PROSPECT`: nothing else required.
    pub fn prospect() -> Self {
        Self::with_status(PersonStatus::Prospect)
    }

    /// An `ACTIVE` customer with the names every status but `PROSPECT` requires.
    pub fn active(first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        Self::with_status(PersonStatus::Active)
            .first_name(first_name)
            .last_name(last_name)
    }

    /// Any status; names are then required unless it is `PROSPECT`.
    pub fn with_status(status: PersonStatus) -> Self {
        Self::in_status(status)
    }

    /// `tenant`: only for platforms with several tenants.
    pub fn tenant(mut self, v: impl Into<String>) -> Self {
        self.own.tenant = Some(v.into());
        self
    }
}

impl person_fields::sealed::Sealed for CustomerCreate {}
impl WriteKind for CustomerCreate {
    const NAME: &'static str = "NewCustomer";
    const RULES: Rules = Rules {
        whole_record: true,
        note: NoteRule::WhenSuspending(
            "is required when creating a customer with ban_status SUSPENDED",
        ),
    };
    type Raw = types::CreateCustomerRequest;

    fn debug_own(&self, _: &mut fmt::DebugStruct<'_, '_>) {}

    fn to_raw(&self, mut shared: RawShared) -> Result<Self::Raw, Error> {
        let status = shared.required_status()?;
        Ok(with_shared_fields!(CreateCustomerRequest {
            shared,
            status: status,
            tenant: self.tenant.clone(),
        }))
    }
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
/// optional).
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
}

impl person_fields::sealed::Sealed for CustomerChange {}
impl WriteKind for CustomerChange {
    const NAME: &'static str = "CustomerPatch";
    const RULES: Rules = Rules {
        whole_record: false,
        note: NoteRule::WithAnyBanStatus,
    };
    type Raw = types::PatchCustomerRequest;

    fn debug_own(&self, _: &mut fmt::DebugStruct<'_, '_>) {}

    fn to_raw(&self, shared: RawShared) -> Result<Self::Raw, Error> {
        Ok(with_shared_fields!(PatchCustomerRequest {
            shared,
            status: shared.status,
        }))
    }
}

/// An `updateCustomer` request (PUT `/customers/{id}`): replaces the whole record, so it has the
/// same requirements as a create.
///
/// ```
/// use synctera::CustomerReplace;
/// assert!(CustomerReplace::active("Jane", "Smith").validate().is_ok());
/// ```
pub type CustomerReplace = PersonFields<CustomerReplacement>;

/// What only `updateCustomer` sends on top of the shared fields: `tenant`.
#[derive(Clone, Default)]
pub struct CustomerReplacement {
    tenant: Option<String>,
}

impl CustomerReplace {
    /// A `PROSPECT`: nothing else required.
    pub fn prospect() -> Self {
        Self::with_status(PersonStatus::Prospect)
    }

    /// An `ACTIVE` customer with the names every status but `PROSPECT` requires.
    pub fn active(first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        Self::with_status(PersonStatus::Active)
            .first_name(first_name)
            .last_name(last_name)
    }

    /// Any status; names are then required unless it is `PROSPECT`.
    pub fn with_status(status: PersonStatus) -> Self {
        Self::in_status(status)
    }

    /// `tenant`: only for platforms with several tenants.
    pub fn tenant(mut self, v: impl Into<String>) -> Self {
        self.own.tenant = Some(v.into());
        self
    }
}

impl person_fields::sealed::Sealed for CustomerReplacement {}
impl WriteKind for CustomerReplacement {
    const NAME: &'static str = "CustomerReplace";
    const RULES: Rules = Rules {
        whole_record: true,
        note: NoteRule::WithAnyBanStatus,
    };
    type Raw = types::ReplaceCustomerRequest;

    fn debug_own(&self, _: &mut fmt::DebugStruct<'_, '_>) {}

    fn to_raw(&self, mut shared: RawShared) -> Result<Self::Raw, Error> {
        let status = shared.required_status()?;
        Ok(with_shared_fields!(ReplaceCustomerRequest {
            shared,
            status: status,
            tenant: self.tenant.clone(),
        }))
    }
}

/// `client.customers()`: the same records as [`crate::persons`], through the older
/// `/customers` view.
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    client: &'a Client,
}

impl Client {
    /// Customers (`/customers`), the older view of the same records.
    pub fn customers(&self) -> Customers<'_> {
        Customers { client: self }
    }
}

impl Customers<'_> {
    /// `createCustomer`. The call's idempotency key is generated before the first attempt and
    /// sent by every retry; supply your own with [`Request::idempotency_key`].
    pub fn create(&self, customer: NewCustomer) -> Request<CreateCustomer> {
        Request::new(self.client, customer.to_raw().map(CreateCustomer))
    }

    /// `getCustomer`.
    pub fn get(&self, id: impl Into<CustomerId>) -> Request<GetCustomer> {
        Request::new(self.client, Ok(GetCustomer(id.into().into_uuid())))
    }

    /// `patchCustomer`: changes only the fields set. Keyed like [`create`](Self::create).
    pub fn patch(&self, id: impl Into<CustomerId>, patch: CustomerPatch) -> Request<PatchCustomer> {
        let id = id.into().into_uuid();
        Request::new(
            self.client,
            patch.to_raw().map(|body| PatchCustomer(id, body)),
        )
    }

    /// `updateCustomer`: a PUT that replaces the whole record (fields left out are cleared).
    /// Safe to repeat, so it is retried without an idempotency key.
    pub fn replace(
        &self,
        id: impl Into<CustomerId>,
        record: CustomerReplace,
    ) -> Request<ReplaceCustomer> {
        let id = id.into().into_uuid();
        Request::new(
            self.client,
            record.to_raw().map(|body| ReplaceCustomer(id, body)),
        )
    }

    /// `listCustomers`: a query builder; `.await` it for one page, or finish it with
    /// [`ListCustomers::pages`] or [`ListCustomers::stream`].
    pub fn list(&self) -> ListCustomers {
        ListCustomers {
            client: self.client.clone(),
            q: PersonQuery::default(),
        }
    }
}

operation! {
    /// The `createCustomer` operation, made by [`Customers::create`].
    CreateCustomer(types::CreateCustomerRequest) = POST "createCustomer" keyed,
    types::Customer => Customer,
    |op, raw| raw.create_customer().body(op.0.clone())
}

operation! {
    /// The `getCustomer` operation, made by [`Customers::get`].
    GetCustomer(uuid::Uuid) = GET "getCustomer",
    types::Customer => Customer,
    |op, raw| raw.get_customer().customer_id(op.0)
}

operation! {
    /// The `patchCustomer` operation, made by [`Customers::patch`].
    PatchCustomer(uuid::Uuid, types::PatchCustomerRequest) = PATCH "patchCustomer" keyed,
    types::Customer => Customer,
    |op, raw| raw.patch_customer().customer_id(op.0).body(op.1.clone())
}

operation! {
    /// The `updateCustomer` operation (a full replace), made by [`Customers::replace`].
    ReplaceCustomer(uuid::Uuid, types::ReplaceCustomerRequest) = PUT "updateCustomer",
    types::Customer => Customer,
    |op, raw| raw.update_customer().customer_id(op.0).body(op.1.clone())
}

/// A `listCustomers` query with every documented filter.
///
/// ```no_run
/// use futures::TryStreamExt;
/// # async fn f(client: synctera::Client) -> Result<(), synctera::Error> {
/// let page = client.customers().list().email("*@example.com").limit(10).send().await?;
/// for customer in &page.items {
///     println!("{} {}", customer.id, customer.status);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ListCustomers {
    client: Client,
    q: PersonQuery,
}

impl fmt::Debug for ListCustomers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.q.debug(f, "ListCustomers", false)
    }
}

impl ListCustomers {
    /// One page, as a request.
    fn request(self) -> Request<ListCustomersPage> {
        let ListCustomers { client, q } = self;
        let settings = q.settings.clone();
        let page = q.raw_filters().map(|filters| ListCustomersPage(q, filters));
        Request::with_settings(&client, page, settings)
    }
}

operation! {
    /// The `listCustomers` operation (one page), made by [`ListCustomers`].
    ListCustomersPage(PersonQuery, RawFilters) = GET "listCustomers",
    types::CustomerList => Page<Customer>,
    |op, raw| {
        let ListCustomersPage(q, filters) = op;
        let mut r = raw.list_customers();
        apply_shared_filters!(r, q, filters);
        r
    }
}

person_filters!(ListCustomers, CustomerId, "customers");
paged_list!(ListCustomers, Customer, "customer");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statuses::BanStatusInput;
    use serde_json::json;

    fn field_of(r: Result<(), Error>) -> &'static str {
        match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn person_json() -> serde_json::Value {
        json!({
            "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
            "status": "ACTIVE", "ban_status": "ALLOWED", "is_customer": true,
            "verification_status": "ACCEPTED",
            "verification_last_run": "2022-04-13T18:09:12.880623Z",
            "tenant": "abcdef_ghijkl",
            "creation_time": "2022-04-13T01:52:40.690387Z",
            "last_updated_time": "2022-04-13T18:09:12.881517Z",
            "first_name": "Anne", "last_name": "Baker", "chosen_name": "Annie",
            "dob": "2000-01-01", "email": "anne@example.com", "phone_number": "+12124567890",
            "ssn": "6789", "ssn_source": "MANUAL", "is_user": false,
            "legal_address": {"address_line_1": "50 Main St", "city": "New York",
                              "state": "NY", "postal_code": "12345", "country_code": "US"},
            "shipping_address": {"address_line_1": "99 Elm St", "city": "San Antonio",
                                 "state": "TX", "postal_code": "77777", "country_code": "US"},
            "personal_ids": [{"id_type": "SSN", "identifier": "123-45-6789"}]
        })
    }

    #[test]
    fn person_to_customer_maps_fields() {
        let person: Person = serde_json::from_value(person_json()).unwrap();
        assert_eq!(
            person.personal_ids[0].identifier.as_ref().unwrap().as_str(),
            "6789"
        );
        let customer = Customer::from(person.clone());
        assert_eq!(customer.id, person.id);
        assert_eq!(customer.kyc_status, KycStatus::Accepted);
        assert_eq!(customer.kyc_last_run, person.verification_last_run);
        assert_eq!(customer.addresses.len(), 2);
        assert_eq!(customer.addresses[0].address_type, Some(AddressType::Legal));
        assert_eq!(
            customer.addresses[1].address_type,
            Some(AddressType::Shipping)
        );
        assert_eq!(customer.ssn.as_ref().unwrap().as_str(), "6789");

        let back = customer.clone().into_person(person.is_customer);
        assert_eq!(back.id, person.id);
        assert_eq!(back.verification_status, VerificationStatus::Accepted);
        assert_eq!(back.verification_last_run, person.verification_last_run);
        assert_eq!(back.chosen_name, None, "chosen_name is person-only");
        assert_eq!(back.is_user, None, "is_user is person-only");
        assert!(back.personal_ids.is_empty(), "personal_ids are person-only");
        assert_eq!(back.email, person.email);
        assert_eq!(back.legal_address, person.legal_address);
        // `is_customer` is not in the customer view: it is what the caller says, never invented.
        assert!(back.is_customer);
        assert!(!customer.into_person(false).is_customer);
    }

    #[test]
    fn provider_failure_is_unverified_on_the_person_side() {
        let c: Customer = serde_json::from_value(json!({
            "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7", "status": "ACTIVE",
            "ban_status": "ALLOWED", "tenant": "abcdef_ghijkl",
            "kyc_status": "PROVIDER_FAILURE", "kyc_exempt": true,
            "creation_time": "2010-05-06T12:23:34.321Z",
            "last_updated_time": "2010-05-06T12:23:34.321Z",
            "ssn": "123-45-6789",
            "related_customers": [{"id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
                                   "relationship_role": "CUSTODIAN"}]
        }))
        .unwrap();
        assert_eq!(
            c.ssn.as_ref().unwrap().as_str(),
            "6789",
            "full SSN is cut to last four"
        );
        assert_eq!(
            c.related_customers[0].relationship_role.as_deref(),
            Some("CUSTODIAN")
        );
        assert_eq!(c.kyc_status, KycStatus::ProviderFailure);
        let p = c.into_person(false);
        // What the sandbox's (and Synctera's) /persons answers for the same record.
        assert_eq!(p.verification_status, VerificationStatus::Unverified);
        assert!(!p.is_customer);
    }

    #[test]
    fn kyc_to_verification_status_follows_the_documented_table() {
        use KycStatus as K;
        use VerificationStatus as V;
        let table = [
            (K::Accepted, V::Accepted),
            (K::Pending, V::Pending),
            (K::ProviderFailure, V::Unverified),
            (K::Provisional, V::Provisional),
            (K::Rejected, V::Rejected),
            (K::Review, V::Review),
            (K::Unverified, V::Unverified),
        ];
        assert_eq!(
            table.len(),
            K::KNOWN.len(),
            "every known kyc_status is in the table"
        );
        for (kyc, person) in table {
            assert_eq!(V::from(kyc.clone()), person, "{kyc}");
        }
        assert_eq!(
            V::from(K::Unknown("MANUAL_HOLD".into())),
            V::Unknown("MANUAL_HOLD".into())
        );
        // Person → customer is lossless, and back again.
        for v in V::KNOWN {
            let k = K::from(v.clone());
            assert_eq!(k.as_str(), v.as_str());
            assert_eq!(&V::from(k), v);
        }
        assert_eq!(
            K::from(V::Unknown("MANUAL_HOLD".into())),
            K::Unknown("MANUAL_HOLD".into())
        );
    }

    #[test]
    fn customer_request_rules() {
        assert_eq!(
            field_of(NewCustomer::with_status(PersonStatus::Active).validate()),
            "first_name"
        );
        assert_eq!(
            field_of(
                CustomerReplace::with_status(PersonStatus::Frozen)
                    .first_name("J")
                    .validate()
            ),
            "last_name"
        );
        assert!(
            CustomerPatch::new()
                .status(PersonStatus::Active)
                .validate()
                .is_ok()
        );
        assert_eq!(
            field_of(
                NewCustomer::prospect()
                    .ban_status(BanStatusInput::Suspended)
                    .validate()
            ),
            "note"
        );
        assert!(
            NewCustomer::prospect()
                .ban_status(BanStatusInput::Allowed)
                .validate()
                .is_ok()
        );
        assert_eq!(
            field_of(
                CustomerPatch::new()
                    .ban_status(BanStatusInput::Allowed)
                    .validate()
            ),
            "note"
        );
        assert_eq!(
            field_of(
                CustomerReplace::prospect()
                    .ban_status(BanStatusInput::Allowed)
                    .validate()
            ),
            "note"
        );
        assert_eq!(
            field_of(CustomerPatch::new().ssn("123-45-678").validate()),
            "ssn"
        );
        assert_eq!(
            field_of(NewCustomer::prospect().dob("2999-01-01").validate()),
            "dob"
        );
    }
}
