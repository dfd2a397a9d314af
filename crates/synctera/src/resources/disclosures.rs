//! Disclosures (`/disclosures`): records that a person was shown, viewed or acknowledged a
//! document such as the REG_DD (Truth in Savings) disclosure.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use synctera_raw::types;

use crate::error::Error;
use crate::transport::client::Client;
use crate::transport::pagination::{self, List, ListQuery, Page, Paging};
use crate::transport::{OptionalParams, Request, operation};
use crate::values::enums::{WireEnum, api_enum};
use crate::values::ids::{BusinessId, DisclosureId, PersonId, id_filter};
use crate::values::metadata::Metadata;

api_enum! {
    /// Which document was disclosed (`type`).
    DisclosureType {
        /// ACH authorization.
        AchAuthorization = "ACH_AUTHORIZATION",
        /// Cardholder agreement.
        CardholderAgreement = "CARDHOLDER_AGREEMENT",
        /// Card disclosure.
        CardDisclosure = "CARD_DISCLOSURE",
        /// Direct billing authorization.
        DirectBillingAuthorization = "DIRECT_BILLING_AUTHORIZATION",
        /// E-sign consent.
        ESign = "E_SIGN",
        /// KYC data collection notice.
        KycDataCollection = "KYC_DATA_COLLECTION",
        /// Beneficial owner certification (needs `acknowledging_person_id`).
        OwnerCertification = "OWNER_CERTIFICATION",
        /// Pre-authorized debit authorization.
        PadAuthorization = "PAD_AUTHORIZATION",
        /// Privacy notice.
        PrivacyNotice = "PRIVACY_NOTICE",
        /// Regulation CC (funds availability).
        RegCc = "REG_CC",
        /// Regulation DD (Truth in Savings).
        RegDd = "REG_DD",
        /// Regulation E (electronic transfers).
        RegE = "REG_E",
        /// Secured card account agreement.
        ScAccountAgreement = "SC_ACCOUNT_AGREEMENT",
        /// Secured card auto-payment.
        ScAutoPayment = "SC_AUTO_PAYMENT",
        /// Secured card security agreement.
        ScSecurityAgreement = "SC_SECURITY_AGREEMENT",
        /// Terms and conditions.
        TermsAndConditions = "TERMS_AND_CONDITIONS",
    }
}

api_enum! {
    /// What happened with the document (`event_type`).
    DisclosureEventType {
        /// The person acknowledged it.
        Acknowledged = "ACKNOWLEDGED",
        /// It was displayed to the person.
        Displayed = "DISPLAYED",
        /// The person viewed it.
        Viewed = "VIEWED",
    }
}

/// A disclosure record as Synctera returns it (no PII, so `Debug` is derived).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Disclosure {
    /// The record's id.
    pub id: DisclosureId,
    /// The person it was disclosed to (or `business_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    /// The business it was disclosed to (or `person_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<BusinessId>,
    /// The person who acknowledged on a business's behalf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledging_person_id: Option<PersonId>,
    /// The document.
    #[serde(rename = "type")]
    pub disclosure_type: DisclosureType,
    /// The document's version (`1.0`, `v2.3`).
    pub version: String,
    /// What happened.
    pub event_type: DisclosureEventType,
    /// When it happened (Synctera may round it, e.g. to the day).
    pub disclosure_date: DateTime<Utc>,
    /// Integrator metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Tenant holding the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_time: Option<DateTime<Utc>>,
}

impl From<types::Disclosure> for Disclosure {
    fn from(raw: types::Disclosure) -> Self {
        Disclosure {
            id: DisclosureId::new(raw.id),
            person_id: raw.person_id.map(PersonId::new),
            business_id: raw.business_id.map(BusinessId::new),
            acknowledging_person_id: raw.acknowledging_person_id.map(PersonId::new),
            disclosure_type: DisclosureType::from_wire_owned(raw.type_),
            version: raw.version,
            event_type: DisclosureEventType::from_wire_owned(raw.event_type),
            disclosure_date: raw.disclosure_date,
            metadata: raw.metadata.map(|m| m.0),
            tenant: raw.tenant,
            creation_time: Some(raw.creation_time),
            last_updated_time: Some(raw.last_updated_time),
        }
    }
}

impl From<types::DisclosureList> for Page<Disclosure> {
    fn from(raw: types::DisclosureList) -> Self {
        Page::from_answer(
            raw.disclosures.into_iter().map(Disclosure::from).collect(),
            raw.next_page_token,
        )
    }
}

/// A `createDisclosure` request.
///
/// Rules checked before sending: exactly one of `person_id` / `business_id`, a `version` like
/// `1.0` or `v1.0`, and an `acknowledging_person_id` for `OWNER_CERTIFICATION`.
///
/// ```
/// use synctera::{DisclosureType, NewDisclosure, PersonId};
/// let person: PersonId = uuid::Uuid::new_v4().into();
/// let ack = NewDisclosure::acknowledged(person, DisclosureType::RegDd, "1.0");
/// assert!(ack.validate().is_ok());
/// assert!(NewDisclosure::acknowledged(person, DisclosureType::RegDd, "one").validate().is_err());
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct NewDisclosure {
    #[serde(skip_serializing_if = "Option::is_none")]
    person_id: Option<PersonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_id: Option<BusinessId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acknowledging_person_id: Option<PersonId>,
    #[serde(rename = "type")]
    disclosure_type: DisclosureType,
    version: String,
    event_type: DisclosureEventType,
    disclosure_date: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant: Option<String>,
}

impl NewDisclosure {
    /// A disclosure event; `disclosure_date` defaults to now. Set the subject with
    /// [`person_id`](Self::person_id) or [`business_id`](Self::business_id).
    pub fn new(
        disclosure_type: DisclosureType,
        version: impl Into<String>,
        event_type: DisclosureEventType,
    ) -> Self {
        Self {
            person_id: None,
            business_id: None,
            acknowledging_person_id: None,
            disclosure_type,
            version: version.into(),
            event_type,
            disclosure_date: Utc::now(),
            metadata: None,
            tenant: None,
        }
    }

    /// `person` acknowledged version `version` of `disclosure_type`, now.
    pub fn acknowledged(
        person: impl Into<PersonId>,
        disclosure_type: DisclosureType,
        version: impl Into<String>,
    ) -> Self {
        Self::new(disclosure_type, version, DisclosureEventType::Acknowledged).person_id(person)
    }

    /// `person_id`: the person the document was disclosed to.
    pub fn person_id(mut self, id: impl Into<PersonId>) -> Self {
        self.person_id = Some(id.into());
        self
    }

    /// `business_id`: the business the document was disclosed to.
    pub fn business_id(mut self, id: impl Into<BusinessId>) -> Self {
        self.business_id = Some(id.into());
        self
    }

    /// `acknowledging_person_id`: who acknowledged for a business (required for
    /// `OWNER_CERTIFICATION`).
    pub fn acknowledging_person_id(mut self, id: impl Into<PersonId>) -> Self {
        self.acknowledging_person_id = Some(id.into());
        self
    }

    /// `disclosure_date`: when the event happened (by default, when this builder was made).
    ///
    /// Set it when you send the disclosure with your own [`IdempotencyKey`](crate::IdempotencyKey)
    /// and may build it again after a restart: a rebuilt default date makes a different body,
    /// and the same key with a different body is refused (`IDEMPOTENCY_INVALID_REUSE`).
    pub fn disclosure_date(mut self, at: DateTime<Utc>) -> Self {
        self.disclosure_date = at;
        self
    }

    /// `metadata`.
    pub fn metadata(mut self, m: Metadata) -> Self {
        self.metadata = Some(m);
        self
    }

    /// `tenant`, for fintechs with several workspaces.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The rules [`validate`](Self::validate) checks before the value constraints.
    fn check_rules(&self) -> Result<(), Error> {
        match (self.person_id.is_some(), self.business_id.is_some()) {
            (true, true) => {
                return Err(Error::validation(
                    "person_id",
                    "set either person_id or business_id, not both",
                ));
            }
            (false, false) => {
                return Err(Error::validation(
                    "person_id",
                    "one of person_id or business_id is required",
                ));
            }
            _ => {}
        }
        if !version_is_valid(&self.version) {
            return Err(Error::validation(
                "version",
                "must look like 1.0 or v1.0 (digits, a dot, digits)",
            ));
        }
        if self.disclosure_type == DisclosureType::OwnerCertification
            && self.acknowledging_person_id.is_none()
        {
            return Err(Error::validation(
                "acknowledging_person_id",
                "is required for OWNER_CERTIFICATION",
            ));
        }
        Ok(())
    }

    /// Checks the disclosure without sending it, as sending it does: the rules above, then the
    /// limits the API description sets on each value.
    pub fn validate(&self) -> Result<(), Error> {
        self.to_raw().map(drop)
    }

    /// The generated request body, field by field.
    pub(crate) fn to_raw(&self) -> Result<types::CreateDisclosureRequest, Error> {
        self.check_rules()?;
        Ok(types::CreateDisclosureRequest {
            acknowledging_person_id: self.acknowledging_person_id.map(PersonId::into_uuid),
            business_id: self.business_id.map(BusinessId::into_uuid),
            disclosure_date: self.disclosure_date,
            event_type: self.event_type.to_raw("event_type")?,
            metadata: self.metadata.clone().map(types::Metadata),
            person_id: self.person_id.map(PersonId::into_uuid),
            tenant: self.tenant.clone(),
            type_: self.disclosure_type.to_raw("type")?,
            version: Error::constrained("version", &self.version)?,
        })
    }
}

/// `client.disclosures()`: record and read disclosure events.
#[derive(Debug, Clone, Copy)]
pub struct Disclosures<'a> {
    client: &'a Client,
}

impl Client {
    /// Disclosures (`/disclosures`).
    pub fn disclosures(&self) -> Disclosures<'_> {
        Disclosures { client: self }
    }
}

impl Disclosures<'_> {
    /// `createDisclosure`. The call's idempotency key is generated before the first attempt
    /// and sent by every retry; supply your own with [`Request::idempotency_key`].
    pub fn create(&self, disclosure: NewDisclosure) -> Request<CreateDisclosure> {
        Request::new(
            self.client,
            disclosure
                .to_raw()
                .map(|body| CreateDisclosure(Box::new(body))),
        )
    }

    /// `getDisclosure`.
    pub fn get(&self, id: impl Into<DisclosureId>) -> Request<GetDisclosure> {
        Request::new(self.client, Ok(GetDisclosure(id.into().into_uuid())))
    }

    /// `listDisclosures`: a query builder.
    pub fn list(&self) -> ListDisclosures {
        List::new(self.client, DisclosuresQuery::default())
    }
}

operation! {
    /// The `createDisclosure` operation, made by [`Disclosures::create`].
    CreateDisclosure(Box<types::CreateDisclosureRequest>) = POST "createDisclosure" keyed,
    types::Disclosure => Disclosure,
    |op, raw| raw.create_disclosure().body((*op.0).clone())
}

operation! {
    /// The `getDisclosure` operation, made by [`Disclosures::get`].
    GetDisclosure(uuid::Uuid) = GET "getDisclosure",
    types::Disclosure => Disclosure,
    |op, raw| raw.get_disclosure().disclosure_id(op.0)
}

/// The query of [`ListDisclosures`].
#[derive(Debug, Clone, Default)]
pub struct DisclosuresQuery {
    person_id: Option<PersonId>,
    business_id: Option<BusinessId>,
    acknowledging_person_id: Option<PersonId>,
    id: Vec<DisclosureId>,
}

/// A `listDisclosures` query.
///
/// ```no_run
/// use futures::TryStreamExt;
/// # async fn f(client: synctera::Client, person: synctera::PersonId) -> Result<(), synctera::Error> {
/// let all: Vec<synctera::Disclosure> =
///     client.disclosures().list().person_id(person).stream().try_collect().await?;
/// # Ok(()) }
/// ```
pub type ListDisclosures = List<DisclosuresQuery>;

impl ListDisclosures {
    /// Only disclosures to this person.
    pub fn person_id(mut self, id: impl Into<PersonId>) -> Self {
        self.query.person_id = Some(id.into());
        self
    }
    /// Only disclosures to this business.
    pub fn business_id(mut self, id: impl Into<BusinessId>) -> Self {
        self.query.business_id = Some(id.into());
        self
    }
    /// Only disclosures acknowledged by this person on a business's behalf.
    pub fn acknowledging_person_id(mut self, id: impl Into<PersonId>) -> Self {
        self.query.acknowledging_person_id = Some(id.into());
        self
    }
    /// Only these ids (may be called repeatedly; at most 100).
    pub fn id(mut self, id: impl Into<DisclosureId>) -> Self {
        self.query.id.push(id.into());
        self
    }
}

impl pagination::sealed::Sealed for DisclosuresQuery {}
impl ListQuery for DisclosuresQuery {
    const NAME: &'static str = "ListDisclosures";
    type Item = Disclosure;
    type Page = ListDisclosuresPage;

    fn page(self, paging: Paging) -> Result<ListDisclosuresPage, Error> {
        let ids = id_filter(&self.id)?;
        Ok(ListDisclosuresPage(self, ids, paging))
    }
}

operation! {
    /// The `listDisclosures` operation (one page), made by [`ListDisclosures`]: the query and
    /// its ids in the generated type.
    ListDisclosuresPage(DisclosuresQuery, Vec<uuid::Uuid>, Paging) = GET "listDisclosures",
    types::DisclosureList => Page<Disclosure>,
    |op, raw| {
        let ListDisclosuresPage(q, ids, paging) = op;
        raw.list_disclosures()
            .set_some(q.person_id, |r, v| r.person_id(v.into_uuid()))
            .set_some(q.business_id, |r, v| r.business_id(v.into_uuid()))
            .set_some(q.acknowledging_person_id, |r, v| {
                r.acknowledging_person_id(v.into_uuid())
            })
            .set_nonempty(ids, |r, v| r.id(v))
            .set_some(paging.limit, |r, v| r.limit(v))
            .set_some(paging.page_token.clone(), |r, v| r.page_token(v))
    }
}

/// `^v?[0-9]+\.[0-9]+$`
fn version_is_valid(v: &str) -> bool {
    let v = v.strip_prefix('v').unwrap_or(v);
    match v.split_once('.') {
        Some((major, minor)) => {
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            digits(major) && digits(minor)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field_path::FieldPath;

    fn pid() -> PersonId {
        uuid::Uuid::new_v4().into()
    }

    fn field_of(r: Result<(), Error>) -> FieldPath {
        match r {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn version_pattern() {
        for ok in ["1.0", "v1.0", "12.34", "v0.1"] {
            assert!(version_is_valid(ok), "{ok}");
        }
        for bad in ["1", "v1", "1.", ".1", "1.0.0", "V1.0", "1.a", "", "vv1.0"] {
            assert!(!version_is_valid(bad), "{bad}");
            let r = NewDisclosure::acknowledged(pid(), DisclosureType::RegDd, bad).validate();
            assert_eq!(field_of(r), "version");
        }
    }

    #[test]
    fn exactly_one_subject() {
        let base = || NewDisclosure::new(DisclosureType::RegE, "1.0", DisclosureEventType::Viewed);
        assert_eq!(field_of(base().validate()), "person_id");
        let both = base().person_id(pid()).business_id(uuid::Uuid::new_v4());
        assert_eq!(field_of(both.validate()), "person_id");
        assert!(base().business_id(uuid::Uuid::new_v4()).validate().is_ok());
        assert!(base().person_id(pid()).validate().is_ok());
    }

    #[test]
    fn owner_certification_needs_acknowledging_person() {
        let d = NewDisclosure::new(
            DisclosureType::OwnerCertification,
            "1.0",
            DisclosureEventType::Acknowledged,
        )
        .business_id(uuid::Uuid::new_v4());
        assert_eq!(field_of(d.clone().validate()), "acknowledging_person_id");
        assert!(d.acknowledging_person_id(pid()).validate().is_ok());
    }

    #[test]
    fn guide_response_deserializes() {
        let d: Disclosure = serde_json::from_value(serde_json::json!({
            "creation_time": "2022-04-13T02:17:34.895861Z",
            "disclosure_date": "2022-04-17T00:00:00Z",
            "event_type": "ACKNOWLEDGED",
            "id": "7d943c51-e4ff-4e57-9558-08cab6b963c7",
            "last_updated_time": "2022-04-13T02:17:34.895861Z",
            "person_id": "7d943c51-e4ff-4e57-9558-08cab6b963c8",
            "type": "REG_DD",
            "version": "1.0"
        }))
        .unwrap();
        assert_eq!(d.disclosure_type, DisclosureType::RegDd);
        assert_eq!(d.event_type, DisclosureEventType::Acknowledged);
    }
}
