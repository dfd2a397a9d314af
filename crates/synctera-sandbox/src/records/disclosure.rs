//! Disclosures: records of the documents a person was shown or accepted.

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Resource;
use super::ts;

string_enum!(DisclosureType {
    ACH_AUTHORIZATION,
    CARDHOLDER_AGREEMENT,
    CARD_DISCLOSURE,
    DIRECT_BILLING_AUTHORIZATION,
    E_SIGN,
    KYC_DATA_COLLECTION,
    OWNER_CERTIFICATION,
    PAD_AUTHORIZATION,
    PRIVACY_NOTICE,
    REG_CC,
    REG_DD,
    REG_E,
    SC_ACCOUNT_AGREEMENT,
    SC_AUTO_PAYMENT,
    SC_SECURITY_AGREEMENT,
    TERMS_AND_CONDITIONS
});
string_enum!(DisclosureEventType {
    ACKNOWLEDGED,
    DISPLAYED,
    VIEWED
});

#[derive(Clone, Serialize, Deserialize)]
pub struct Disclosure {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub business_id: Option<Uuid>,
    pub acknowledging_person_id: Option<Uuid>,
    pub dtype: DisclosureType,
    pub version: String,
    pub event_type: DisclosureEventType,
    pub disclosure_date: DateTime<Utc>,
    pub metadata: Option<Map<String, Value>>,
    pub creation_time: DateTime<Utc>,
}

impl Disclosure {
    pub fn view(&self, tenant: &str) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), self.id.to_string().into());
        if let Some(p) = self.person_id {
            m.insert("person_id".into(), p.to_string().into());
        }
        if let Some(b) = self.business_id {
            m.insert("business_id".into(), b.to_string().into());
        }
        if let Some(a) = self.acknowledging_person_id {
            m.insert("acknowledging_person_id".into(), a.to_string().into());
        }
        m.insert("type".into(), self.dtype.as_str().into());
        m.insert("version".into(), self.version.clone().into());
        m.insert("event_type".into(), self.event_type.as_str().into());
        m.insert(
            "disclosure_date".into(),
            self.disclosure_date
                .to_rfc3339_opts(SecondsFormat::Secs, true)
                .into(),
        );
        if let Some(md) = &self.metadata {
            m.insert("metadata".into(), Value::Object(md.clone()));
        }
        m.insert("tenant".into(), tenant.into());
        m.insert("creation_time".into(), ts(self.creation_time).into());
        m.insert("last_updated_time".into(), ts(self.creation_time).into());
        Value::Object(m)
    }
}

impl Resource for Disclosure {
    const KIND: &'static str = "disclosures";
    type View = ();
    type Id = Uuid;
    fn id(&self) -> Uuid {
        self.id
    }
    fn render(&self, tenant: &str, (): ()) -> Bytes {
        Bytes::from(self.view(tenant).to_string())
    }
}
