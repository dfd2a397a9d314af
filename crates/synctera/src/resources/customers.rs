//! Customers (`/customers`): the older view of the same personal records as [`crate::persons`].
//!
//! A record created through either view can be read and changed through the other with the same
//! id; [`Person`] and [`Customer`] convert into each other with the API's field mapping
//! (`verification_status` ⇄ `kyc_status`, `verification_last_run` ⇄ `kyc_last_run`).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use synctera_raw::types;

use crate::error::Error;
use crate::resources::person_query::{
    PersonFilters, PersonListQuery, RawFilters, with_shared_filters,
};
use crate::resources::person_record::shared_record;
use crate::resources::persons::Person;
use crate::transport::OptionalParams;
use crate::transport::client::Client;
use crate::transport::pagination::{self, List, ListQuery, Page, Paging};
use crate::transport::{Request, operation};
use crate::values::addresses::{Address, AddressType};
use crate::values::enums::{WireEnum, api_enum};
use crate::values::ids::CustomerId;
use crate::values::metadata::Metadata;
use crate::values::pii::{DateOfBirth, Email, PhoneNumber, SsnLast4};
use crate::values::statuses::{BanStatus, PersonStatus, SsnSource, VerificationStatus};

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
        let mut d = f.debug_struct("Customer");
        d.field("id", &self.id)
            .field("status", &self.status)
            .field("ban_status", &self.ban_status)
            .field("kyc_status", &self.kyc_status)
            .field("kyc_last_run", &self.kyc_last_run)
            .field("kyc_exempt", &self.kyc_exempt);
        let shared = shared_record!(self);
        shared.debug_fields(
            &mut d,
            &[],
            &[
                ("addresses", &self.addresses),
                ("has_accounts", &self.has_accounts),
            ],
        );
        d.finish_non_exhaustive()
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
        Page::from_answer(
            raw.customers.into_iter().map(Customer::from).collect(),
            raw.next_page_token,
        )
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

mod writes;
pub use writes::{
    CustomerChange, CustomerCreate, CustomerPatch, CustomerReplace, CustomerReplacement,
    NewCustomer,
};

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
        Request::new(
            self.client,
            customer.to_raw().map(|body| CreateCustomer(Box::new(body))),
        )
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
            patch.to_raw().map(|body| PatchCustomer(id, Box::new(body))),
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
            record
                .to_raw()
                .map(|body| ReplaceCustomer(id, Box::new(body))),
        )
    }

    /// `listCustomers`: a query builder; `.await` it for one page, or finish it with
    /// [`ListCustomers::pages`] or [`ListCustomers::stream`].
    pub fn list(&self) -> ListCustomers {
        List::new(self.client, CustomersQuery::default())
    }
}

operation! {
    /// The `createCustomer` operation, made by [`Customers::create`].
    CreateCustomer(Box<types::CreateCustomerRequest>) = POST "createCustomer" keyed,
    types::Customer => Customer,
    |op, raw| raw.create_customer().body((*op.0).clone())
}

operation! {
    /// The `getCustomer` operation, made by [`Customers::get`].
    GetCustomer(uuid::Uuid) = GET "getCustomer",
    types::Customer => Customer,
    |op, raw| raw.get_customer().customer_id(op.0)
}

operation! {
    /// The `patchCustomer` operation, made by [`Customers::patch`].
    PatchCustomer(uuid::Uuid, Box<types::PatchCustomerRequest>) = PATCH "patchCustomer" keyed,
    types::Customer => Customer,
    |op, raw| raw.patch_customer().customer_id(op.0).body((*op.1).clone())
}

operation! {
    /// The `updateCustomer` operation (a full replace), made by [`Customers::replace`].
    ReplaceCustomer(uuid::Uuid, Box<types::ReplaceCustomerRequest>) = PUT "updateCustomer",
    types::Customer => Customer,
    |op, raw| raw.update_customer().customer_id(op.0).body((*op.1).clone())
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
pub type ListCustomers = List<CustomersQuery>;

/// The query of [`ListCustomers`]: the filters it shares with persons.
#[derive(Debug, Clone, Default)]
pub struct CustomersQuery {
    shared: PersonFilters,
}

impl pagination::sealed::Sealed for CustomersQuery {}
impl ListQuery for CustomersQuery {
    const NAME: &'static str = "ListCustomers";
    type Item = Customer;
    type Page = ListCustomersPage;

    fn page(self, paging: Paging) -> Result<ListCustomersPage, Error> {
        Ok(ListCustomersPage(self.shared.to_raw()?, paging))
    }
}

impl PersonListQuery for CustomersQuery {
    type Id = CustomerId;
    fn filters_mut(&mut self) -> &mut PersonFilters {
        &mut self.shared
    }
}

operation! {
    /// The `listCustomers` operation (one page), made by [`ListCustomers`].
    ListCustomersPage(RawFilters, Paging) = GET "listCustomers",
    types::CustomerList => Page<Customer>,
    |op, raw| with_shared_filters!(raw.list_customers(), op.0, op.1)
}

#[cfg(test)]
mod tests;
