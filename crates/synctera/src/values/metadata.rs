//! Free-form integrator data attached to a record.

/// Free-form integrator data attached to a record (persons, customers, disclosures,
/// verifications). Do not store PII in it.
pub type Metadata = serde_json::Map<String, serde_json::Value>;
