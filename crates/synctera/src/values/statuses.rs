//! The states a person record is in: its administrative `status`, its `ban_status` (and the
//! two values a request may set), its KYC `verification_status` and how its SSN was collected.
//! Persons and customers share them.

use crate::values::enums::api_enum;
use serde::{Deserialize, Serialize};

api_enum! {
    /// The administrative state of a person (`status`), set by the integrator.
    PersonStatus {
        /// An active customer.
        Active = "ACTIVE",
        /// The person is deceased.
        Deceased = "DECEASED",
        /// The customer was turned down.
        Denied = "DENIED",
        /// Inactive after an extended period without transactions.
        Dormant = "DORMANT",
        /// Assets are abandoned and belong to the state.
        Escheat = "ESCHEAT",
        /// Blocked for security, legal or other reasons.
        Frozen = "FROZEN",
        /// No longer active, e.g. a former customer.
        Inactive = "INACTIVE",
        /// A potential customer, for information gathering and disclosures.
        Prospect = "PROSPECT",
        /// On a sanctions list.
        Sanction = "SANCTION",
    }
}

api_enum! {
    /// Whether a person is banned (`ban_status`, as responses carry it).
    BanStatus {
        /// Neither banned nor suspended.
        Allowed = "ALLOWED",
        /// Banned by the platform's ban rules (only the platform sets or clears this).
        Banned = "BANNED",
        /// Manually suspended, e.g. for fraud.
        Suspended = "SUSPENDED",
    }
}

/// The ban statuses a request may set. `BANNED` is missing on purpose: only the Synctera platform
/// moves a person to or from it, so a request cannot even express it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BanStatusInput {
    /// Lift a suspension (needs a `note`).
    Allowed,
    /// Suspend the person (needs a `note`).
    Suspended,
}

impl From<BanStatusInput> for BanStatus {
    fn from(s: BanStatusInput) -> Self {
        match s {
            BanStatusInput::Allowed => BanStatus::Allowed,
            BanStatusInput::Suspended => BanStatus::Suspended,
        }
    }
}

api_enum! {
    /// The result of KYC verification of a person (`verification_status`, read-only).
    VerificationStatus {
        /// Verified.
        Accepted = "ACCEPTED",
        /// In progress.
        Pending = "PENDING",
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

api_enum! {
    /// How the SSN was collected (`ssn_source`).
    SsnSource {
        /// All nine digits were collected.
        Manual = "MANUAL",
        /// Collected through SSN prefill.
        Prefill = "PREFILL",
    }
}

impl BanStatusInput {
    /// The generated client's value.
    pub(crate) fn to_raw(self) -> synctera_raw::types::BanStatusInput {
        match self {
            BanStatusInput::Allowed => synctera_raw::types::BanStatusInput::Allowed,
            BanStatusInput::Suspended => synctera_raw::types::BanStatusInput::Suspended,
        }
    }
}
