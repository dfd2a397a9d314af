//! KYC verification (`/verifications`): checks a person's identity once the details KYC needs
//! (names, date of birth, e-mail, phone, legal address and SSN) are on the record.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::ids::{BusinessId, PersonId, VerificationId};
use crate::persons::{Metadata, VerificationStatus};

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
    pub fn business(id: BusinessId) -> Self {
        Self {
            business_id: Some(id),
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

    /// Checks the request without sending it.
    pub fn validate(&self) -> Result<(), Error> {
        if !self.customer_consent {
            return Err(Error::validation(
                "customer_consent",
                "must be true: KYC may only run with the customer's consent",
            ));
        }
        Ok(())
    }

    pub(crate) fn into_body(self) -> Result<serde_json::Value, Error> {
        self.validate()?;
        crate::request::to_json(&self)
    }
}

impl fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyRequest")
            .field("customer_consent", &self.customer_consent)
            .field(
                "customer_ip_address",
                &self.customer_ip_address.map(|_| "[redacted]"),
            )
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
        assert!(matches!(
            err,
            Error::Validation {
                field: "customer_consent",
                ..
            }
        ));
        let err = VerifyRequest::person(id)
            .customer_consent(false)
            .into_body()
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Validation {
                field: "customer_consent",
                ..
            }
        ));
        let body = VerifyRequest::person(id)
            .customer_consent(true)
            .customer_ip_address("203.0.113.7".parse().unwrap())
            .into_body()
            .unwrap();
        assert_eq!(body["customer_ip_address"], "203.0.113.7");
        assert_eq!(body["person_id"], id.to_string());
        let b = VerifyRequest::business(uuid::Uuid::new_v4().into()).customer_consent(true);
        let body = b.into_body().unwrap();
        assert!(body.get("person_id").is_none());
    }

    #[test]
    fn ip_is_redacted_in_debug() {
        let r = VerifyRequest::person(uuid::Uuid::nil())
            .customer_ip_address("203.0.113.7".parse().unwrap());
        assert!(!format!("{r:?}").contains("203.0.113.7"));
    }
}
