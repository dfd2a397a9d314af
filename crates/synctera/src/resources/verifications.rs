//! KYC verification (`/verifications`): checks a person's identity once the details KYC needs
//! (names, date of birth, e-mail, phone, legal address and SSN) are on the record.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use synctera_raw::types;

use crate::error::Error;
use crate::transport::client::Client;
use crate::transport::pagination::{self, List, ListQuery, Page, Paging};
use crate::transport::{OptionalParams, Request, operation};
use crate::values::enums::{WireEnum, api_enum};
use crate::values::ids::{BusinessId, PersonId, VerificationId, id_filter};
use crate::values::metadata::Metadata;
use crate::values::pii::redacted;
use crate::values::statuses::VerificationStatus;

api_enum! {
    /// Which check a verification ran (`verification_type`).
    VerificationType {
        /// Document verification.
        DocumentVerification = "DOCUMENT_VERIFICATION",
        /// Identity (KYC).
        Identity = "IDENTITY",
        /// Licence check.
        License = "LICENSE",
        /// Manual review.
        ManualReview = "MANUAL_REVIEW",
        /// Related entities.
        RelatedEntities = "RELATED_ENTITIES",
        /// Watchlist screening.
        Watchlist = "WATCHLIST",
    }
}

api_enum! {
    /// The outcome of one verification (`result`).
    VerificationResult {
        /// Passed.
        Accepted = "ACCEPTED",
        /// In progress.
        Pending = "PENDING",
        /// Passed with restrictions.
        Provisional = "PROVISIONAL",
        /// Failed.
        Rejected = "REJECTED",
        /// Needs review.
        Review = "REVIEW",
        /// Not run.
        Unverified = "UNVERIFIED",
        /// The vendor failed.
        VendorError = "VENDOR_ERROR",
    }
}

api_enum! {
    /// The outcome of one detail of a verification (`details[].result`).
    VerificationDetailResult {
        /// Passed.
        Pass = "PASS",
        /// Informational.
        Info = "INFO",
        /// A warning.
        Warn = "WARN",
        /// Failed.
        Fail = "FAIL",
    }
}

/// One finding of a verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerificationDetail {
    /// Category of the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<VerificationDetailResult>,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Short label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The vendor's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_code: Option<String>,
    /// A score, when the vendor gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// A link to more information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One verification that ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Verification {
    /// The verification's id.
    pub id: VerificationId,
    /// The person verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    /// The business verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<BusinessId>,
    /// Which check.
    pub verification_type: VerificationType,
    /// Outcome.
    pub result: VerificationResult,
    /// When it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_time: Option<DateTime<Utc>>,
    /// Findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<VerificationDetail>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_time: Option<DateTime<Utc>>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// The answer to a `verify` call: the person's resulting status and every verification run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyResponse {
    /// The person's `verification_status` after this run.
    pub verification_status: VerificationStatus,
    /// The verifications that ran.
    #[serde(default)]
    pub verifications: Vec<Verification>,
}

impl From<types::VerificationDetail> for VerificationDetail {
    fn from(raw: types::VerificationDetail) -> Self {
        VerificationDetail {
            category: raw.category,
            result: Some(VerificationDetailResult::from_wire_owned(raw.result)),
            description: raw.description,
            label: raw.label,
            vendor_code: raw.vendor_code,
            score: raw.score,
            url: raw.url,
        }
    }
}

impl From<types::Verification> for Verification {
    fn from(raw: types::Verification) -> Self {
        Verification {
            id: VerificationId::new(raw.id),
            person_id: raw.person_id.map(PersonId::new),
            business_id: raw.business_id.map(BusinessId::new),
            verification_type: VerificationType::from_wire_owned(raw.verification_type),
            result: VerificationResult::from_wire_owned(raw.result),
            verification_time: Some(raw.verification_time),
            details: raw
                .details
                .into_iter()
                .map(VerificationDetail::from)
                .collect(),
            creation_time: raw.creation_time,
            last_updated_time: raw.last_updated_time,
            metadata: raw.metadata.map(|m| m.0),
        }
    }
}

impl From<types::VerifyResponse> for VerifyResponse {
    fn from(raw: types::VerifyResponse) -> Self {
        VerifyResponse {
            verification_status: VerificationStatus::from_wire_owned(raw.verification_status),
            verifications: raw
                .verifications
                .into_iter()
                .map(Verification::from)
                .collect(),
        }
    }
}

impl From<types::VerificationList> for Page<Verification> {
    fn from(raw: types::VerificationList) -> Self {
        Page::from_answer(
            raw.verifications
                .into_iter()
                .map(Verification::from)
                .collect(),
            raw.next_page_token,
        )
    }
}

/// A `verify` request (POST `/verifications/verify`).
///
/// KYC needs the person's consent: [`customer_consent`](Self::customer_consent) must be set to
/// `true` or the request is refused before it is sent.
///
/// ```
/// use synctera::{PersonId, VerifyRequest};
/// let person: PersonId = uuid::Uuid::new_v4().into();
/// assert!(VerifyRequest::person(person).customer_consent(true).validate().is_ok());
/// assert!(VerifyRequest::person(person).validate().is_err()); // no consent
/// ```
#[derive(Clone, Serialize)]
pub struct VerifyRequest {
    customer_consent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_ip_address: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    person_id: Option<PersonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_id: Option<BusinessId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    document_id: Option<uuid::Uuid>,
}

impl VerifyRequest {
    /// Verify a person.
    pub fn person(id: impl Into<PersonId>) -> Self {
        Self {
            customer_consent: false,
            customer_ip_address: None,
            person_id: Some(id.into()),
            business_id: None,
            document_id: None,
        }
    }

    /// Verify a business.
    pub fn business(id: impl Into<BusinessId>) -> Self {
        Self {
            business_id: Some(id.into()),
            person_id: None,
            ..Self::person(uuid::Uuid::nil())
        }
    }

    /// `customer_consent`: the person agreed to the check. Required to be `true`.
    pub fn customer_consent(mut self, consent: bool) -> Self {
        self.customer_consent = consent;
        self
    }

    /// `customer_ip_address`: where the person gave consent from.
    pub fn customer_ip_address(mut self, ip: IpAddr) -> Self {
        self.customer_ip_address = Some(ip);
        self
    }

    /// `document_id`: a previously uploaded identity document.
    pub fn document_id(mut self, id: uuid::Uuid) -> Self {
        self.document_id = Some(id);
        self
    }

    /// The rules [`validate`](Self::validate) checks before the value constraints.
    fn check_rules(&self) -> Result<(), Error> {
        if !self.customer_consent {
            return Err(Error::validation(
                "customer_consent",
                "must be true: KYC may only run with the customer's consent",
            ));
        }
        Ok(())
    }

    /// Checks the request without sending it, as sending it does: consent, then the limits the
    /// API description sets on each value.
    pub fn validate(&self) -> Result<(), Error> {
        self.to_raw().map(drop)
    }

    /// The generated request body, field by field.
    pub(crate) fn to_raw(&self) -> Result<types::VerifyRequest, Error> {
        self.check_rules()?;
        Ok(types::VerifyRequest {
            business_id: self.business_id.map(BusinessId::into_uuid),
            customer_consent: self.customer_consent,
            customer_ip_address: self
                .customer_ip_address
                .map(|ip| Error::constrained("customer_ip_address", &ip.to_string()))
                .transpose()?,
            document_id: self.document_id,
            person_id: self.person_id.map(PersonId::into_uuid),
        })
    }
}

/// `client.verifications()`: run KYC and read the results.
#[derive(Debug, Clone, Copy)]
pub struct Verifications<'a> {
    client: &'a Client,
}

impl Client {
    /// KYC verifications (`/verifications`).
    pub fn verifications(&self) -> Verifications<'_> {
        Verifications { client: self }
    }
}

impl Verifications<'_> {
    /// `verify`: runs KYC on a person (whose record must already hold names, date of birth,
    /// e-mail, phone, legal address and SSN). The call's idempotency key is generated before
    /// the first attempt and sent by every retry; supply your own with
    /// [`Request::idempotency_key`].
    pub fn verify(&self, request: VerifyRequest) -> Request<Verify> {
        Request::new(
            self.client,
            request.to_raw().map(|body| Verify(Box::new(body))),
        )
    }

    /// `getVerification`.
    pub fn get(&self, id: impl Into<VerificationId>) -> Request<GetVerification> {
        Request::new(self.client, Ok(GetVerification(id.into().into_uuid())))
    }

    /// `listVerifications`: a query builder.
    pub fn list(&self) -> ListVerifications {
        List::new(self.client, VerificationsQuery::default())
    }
}

operation! {
    /// The `verify` operation, made by [`Verifications::verify`].
    Verify(Box<types::VerifyRequest>) = POST "verify" keyed,
    types::VerifyResponse => VerifyResponse,
    |op, raw| raw.verify().body((*op.0).clone())
}

operation! {
    /// The `getVerification` operation, made by [`Verifications::get`].
    GetVerification(uuid::Uuid) = GET "getVerification",
    types::Verification => Verification,
    |op, raw| raw.get_verification().verification_id(op.0)
}

/// The query of [`ListVerifications`].
#[derive(Debug, Clone, Default)]
pub struct VerificationsQuery {
    person_id: Option<PersonId>,
    business_id: Option<BusinessId>,
    id: Vec<VerificationId>,
    verification_type: Option<VerificationType>,
    result: Option<VerificationResult>,
    include_history: Option<bool>,
}

/// A `listVerifications` query.
///
/// ```no_run
/// use synctera::VerificationType;
/// # async fn f(client: synctera::Client, person: synctera::PersonId) -> Result<(), synctera::Error> {
/// let page = client
///     .verifications()
///     .list()
///     .person_id(person)
///     .verification_type(VerificationType::Identity)
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
pub type ListVerifications = List<VerificationsQuery>;

impl ListVerifications {
    /// Only verifications of this person.
    pub fn person_id(mut self, id: impl Into<PersonId>) -> Self {
        self.query.person_id = Some(id.into());
        self
    }
    /// Only verifications of this business.
    pub fn business_id(mut self, id: impl Into<BusinessId>) -> Self {
        self.query.business_id = Some(id.into());
        self
    }
    /// Only these ids (may be called repeatedly; at most 100).
    pub fn id(mut self, id: impl Into<VerificationId>) -> Self {
        self.query.id.push(id.into());
        self
    }
    /// Only this kind of check.
    pub fn verification_type(mut self, v: VerificationType) -> Self {
        self.query.verification_type = Some(v);
        self
    }
    /// Only this outcome.
    pub fn result(mut self, v: VerificationResult) -> Self {
        self.query.result = Some(v);
        self
    }
    /// Also list results a later run superseded.
    pub fn include_history(mut self, v: bool) -> Self {
        self.query.include_history = Some(v);
        self
    }
}

impl pagination::sealed::Sealed for VerificationsQuery {}
impl ListQuery for VerificationsQuery {
    const NAME: &'static str = "ListVerifications";
    type Item = Verification;
    type Page = ListVerificationsPage;

    fn page(self, paging: Paging) -> Result<ListVerificationsPage, Error> {
        let filters = VerificationFilters {
            verification_type: VerificationType::to_raw_opt(
                self.verification_type.as_ref(),
                "verification_type",
            )?,
            result: VerificationResult::to_raw_opt(self.result.as_ref(), "result")?,
            ids: id_filter(&self.id)?,
        };
        Ok(ListVerificationsPage(self, filters, paging))
    }
}

/// A verification query's filters in the generated types (checked once, before sending).
struct VerificationFilters {
    verification_type: Option<types::VerificationType>,
    result: Option<types::VerificationResult>,
    ids: Vec<uuid::Uuid>,
}

operation! {
    /// The `listVerifications` operation (one page), made by [`ListVerifications`]: the query
    /// and its filters in the generated types.
    ListVerificationsPage(VerificationsQuery, VerificationFilters, Paging) =
        GET "listVerifications",
    types::VerificationList => Page<Verification>,
    |op, raw| {
        let ListVerificationsPage(q, f, paging) = op;
        raw.list_verifications()
            .set_some(q.person_id, |r, v| r.person_id(v.into_uuid()))
            .set_some(q.business_id, |r, v| r.business_id(v.into_uuid()))
            .set_nonempty(&f.ids, |r, v| r.id(v))
            .set_some(f.verification_type, |r, v| r.verification_type(v))
            .set_some(f.result, |r, v| r.result(v))
            .set_some(q.include_history, |r, v| r.include_history(v))
            .set_some(paging.limit, |r, v| r.limit(v))
            .set_some(paging.page_token.clone(), |r, v| r.page_token(v))
    }
}

impl fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyRequest")
            .field("customer_consent", &self.customer_consent)
            .field("customer_ip_address", &redacted(&self.customer_ip_address))
            .field("person_id", &self.person_id)
            .field("business_id", &self.business_id)
            .field("document_id", &self.document_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_is_required() {
        let id: PersonId = uuid::Uuid::new_v4().into();
        let err = VerifyRequest::person(id).validate().unwrap_err();
        assert!(matches!(&err, Error::Validation { field, .. } if *field == "customer_consent"));
        let err = VerifyRequest::person(id)
            .customer_consent(false)
            .to_raw()
            .map(|body| serde_json::to_value(body).unwrap())
            .unwrap_err();
        assert!(matches!(&err, Error::Validation { field, .. } if *field == "customer_consent"));
        let body = VerifyRequest::person(id)
            .customer_consent(true)
            .customer_ip_address("203.0.113.7".parse().unwrap())
            .to_raw()
            .map(|body| serde_json::to_value(body).unwrap())
            .unwrap();
        assert_eq!(body["customer_ip_address"], "203.0.113.7");
        assert_eq!(body["person_id"], id.to_string());
        let b = VerifyRequest::business(uuid::Uuid::new_v4()).customer_consent(true);
        let body = b
            .to_raw()
            .map(|body| serde_json::to_value(body).unwrap())
            .unwrap();
        assert!(body.get("person_id").is_none());
    }

    #[test]
    fn ip_is_redacted_in_debug() {
        let r = VerifyRequest::person(uuid::Uuid::nil())
            .customer_ip_address("203.0.113.7".parse().unwrap());
        assert!(!format!("{r:?}").contains("203.0.113.7"));
    }
}
