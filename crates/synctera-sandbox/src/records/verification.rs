//! Verifications: KYC runs on a person.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::Resource;
use super::ts;

string_enum!(VerificationType {
    DOCUMENT_VERIFICATION,
    IDENTITY,
    LICENSE,
    MANUAL_REVIEW,
    RELATED_ENTITIES,
    WATCHLIST
});
string_enum!(VerificationResult {
    ACCEPTED,
    PENDING,
    PROVISIONAL,
    REJECTED,
    REVIEW,
    UNVERIFIED,
    VENDOR_ERROR
});

#[derive(Clone, Serialize, Deserialize)]
pub struct Verification {
    pub id: Uuid,
    pub person_id: Uuid,
    pub vtype: VerificationType,
    pub result: VerificationResult,
    pub time: DateTime<Utc>,
}

impl Verification {
    pub fn view(&self) -> Value {
        let (res, label, desc) = detail_for(self.result);
        serde_json::json!({
            "id": self.id.to_string(),
            "person_id": self.person_id.to_string(),
            "verification_type": self.vtype.as_str(),
            "result": self.result.as_str(),
            "verification_time": ts(self.time),
            "creation_time": ts(self.time),
            "last_updated_time": ts(self.time),
            "metadata": {},
            "details": [{
                "category": self.vtype.as_str(),
                "result": res,
                "label": label,
                "description": desc,
                "vendor_code": "SANDBOX",
            }],
        })
    }
}

impl Resource for Verification {
    const KIND: &'static str = "verifications";
    type View = ();
    type Id = Uuid;
    fn id(&self) -> Uuid {
        self.id
    }
    fn render(&self, _tenant: &str, (): ()) -> Bytes {
        Bytes::from(self.view().to_string())
    }
}

/// The one detail line each sandbox verification carries, derived from its result.
fn detail_for(r: VerificationResult) -> (&'static str, &'static str, &'static str) {
    match r {
        VerificationResult::ACCEPTED => ("PASS", "sandbox-pass", "all checks passed"),
        VerificationResult::REJECTED => ("FAIL", "sandbox-fail", "identity could not be verified"),
        VerificationResult::REVIEW => ("WARN", "sandbox-review", "manual review required"),
        VerificationResult::PROVISIONAL => {
            ("INFO", "sandbox-provisional", "verified with restrictions")
        }
        _ => (
            "WARN",
            "sandbox-vendor-error",
            "the verification vendor failed",
        ),
    }
}
