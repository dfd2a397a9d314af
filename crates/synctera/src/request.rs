//! Shared plumbing for request builders: setters that parse their input record failures here,
//! per field, and the request method reports the first one still standing before anything is
//! sent.

use std::borrow::Cow;

use crate::Error;
use crate::addresses::AddressInput;
use crate::persons::PersonStatus;

/// The invalid inputs a builder holds, per setter, in the order they were first set (field and
/// reason only, never the value). Setting the same field again with a valid value clears its
/// entry, so `.email("bad").email("ok@example.com")` is a valid builder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Invalid(Vec<Failure>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    /// The setter's field, the key that a later successful set clears.
    setter: &'static str,
    /// The field the error names (normally the same).
    field: &'static str,
    reason: Cow<'static, str>,
}

impl Invalid {
    /// Parses `value` for the setter of `setter`, replacing whatever that setter recorded before.
    pub(crate) fn capture<T, S>(&mut self, setter: &'static str, value: S) -> Option<T>
    where
        S: TryInto<T>,
        S::Error: Into<Error>,
    {
        let parsed = value.try_into();
        let position = self.0.iter().position(|f| f.setter == setter);
        match parsed {
            Ok(v) => {
                if let Some(i) = position {
                    self.0.remove(i);
                }
                Some(v)
            }
            Err(e) => {
                let (field, reason) = match e.into() {
                    Error::Validation { field, reason } => (field, reason),
                    other => (setter, Cow::Owned(other.to_string())),
                };
                let failure = Failure {
                    setter,
                    field,
                    reason,
                };
                match position {
                    Some(i) => self.0[i] = failure,
                    None => self.0.push(failure),
                }
                None
            }
        }
    }

    /// Fails with the earliest recorded problem still standing, if any.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match self.0.first() {
            Some(f) => Err(Error::validation(f.field, f.reason.clone())),
            None => Ok(()),
        }
    }
}

/// Requires a non-blank name.
pub(crate) fn check_name(field: &'static str, value: &Option<String>) -> Result<(), Error> {
    match value {
        Some(v) if v.trim().is_empty() => Err(Error::validation(field, "must not be blank")),
        _ => Ok(()),
    }
}

/// The checks every person and customer request makes on the writable fields they share: values
/// that failed to parse, non-blank names, addresses, and a non-blank note.
pub(crate) fn check_shared_fields(
    invalid: &Invalid,
    names: &[(&'static str, &Option<String>)],
    legal_address: Option<&AddressInput>,
    shipping_address: Option<&AddressInput>,
    note: Option<&str>,
) -> Result<(), Error> {
    invalid.check()?;
    for (field, value) in names {
        check_name(field, value)?;
    }
    if let Some(a) = legal_address {
        a.validate("legal_address")?;
    }
    if let Some(a) = shipping_address {
        a.validate("shipping_address")?;
    }
    if note.is_some_and(|n| n.trim().is_empty()) {
        return Err(Error::validation("note", "must not be blank"));
    }
    Ok(())
}

/// Every status but `PROSPECT` needs a first and a last name (for a full record: a create or a
/// replace; a patch leaves the check to the server, which knows the stored names).
pub(crate) fn require_names(
    status: Option<&PersonStatus>,
    first_name: &Option<String>,
    last_name: &Option<String>,
) -> Result<(), Error> {
    if status.is_some_and(|s| *s != PersonStatus::Prospect) {
        for (field, value) in [("first_name", first_name), ("last_name", last_name)] {
            if value.is_none() {
                return Err(Error::validation(
                    field,
                    "is required for every status but PROSPECT",
                ));
            }
        }
    }
    Ok(())
}

/// Replaces both addresses by their wire form (validated; Canadian postal codes spaced).
pub(crate) fn normalize_addresses(
    legal_address: &mut Option<AddressInput>,
    shipping_address: &mut Option<AddressInput>,
) -> Result<(), Error> {
    for (field, address) in [
        ("legal_address", legal_address),
        ("shipping_address", shipping_address),
    ] {
        if let Some(a) = address.take() {
            *address = Some(a.normalized(field)?);
        }
    }
    Ok(())
}

/// Every field path a request body can have, as the API names it (array indices dropped): the
/// names [`Error::Validation`] reports when a value breaks one of the spec's constraints. A test
/// walks the generated request types' JSON Schemas to keep this list complete.
const REQUEST_FIELDS: &[&str] = &[
    "acknowledging_person_id",
    "ban_status",
    "business_id",
    "chosen_name",
    "customer_consent",
    "customer_ip_address",
    "disclosure_date",
    "document_id",
    "dob",
    "email",
    "event_type",
    "first_name",
    "is_customer",
    "last_name",
    "legal_address",
    "legal_address.address_line_1",
    "legal_address.address_line_2",
    "legal_address.city",
    "legal_address.country_code",
    "legal_address.nickname",
    "legal_address.postal_code",
    "legal_address.state",
    "metadata",
    "middle_name",
    "note",
    "person_id",
    "personal_ids",
    "personal_ids.country_code",
    "personal_ids.id_type",
    "personal_ids.identifier",
    "phone_number",
    "shipping_address",
    "shipping_address.address_line_1",
    "shipping_address.address_line_2",
    "shipping_address.city",
    "shipping_address.country_code",
    "shipping_address.nickname",
    "shipping_address.postal_code",
    "shipping_address.state",
    "ssn",
    "status",
    "tenant",
    "type",
    "version",
];

/// The `'static` name of the field at `path` (`personal_ids[0].identifier` →
/// `personal_ids.identifier`), or of its nearest known parent; `request` if none is known.
pub(crate) fn request_field(path: &str) -> &'static str {
    let mut name: String = path
        .split('.')
        .map(|segment| segment.split('[').next().unwrap_or(segment))
        .filter(|segment| !segment.is_empty())
        .collect::<Vec<_>>()
        .join(".");
    loop {
        if let Some(known) = REQUEST_FIELDS.iter().find(|f| **f == name) {
            return known;
        }
        match name.rfind('.') {
            Some(dot) => name.truncate(dot),
            None => return "request",
        }
    }
}

/// The validation error for a body value the generated types (that is, the spec) reject. The
/// generated constraint messages (`longer than 100 characters`, `doesn't match pattern "…"`)
/// hold no value and are kept; anything else (serde's messages can quote the value) is replaced
/// by a value-free reason.
pub(crate) fn spec_violation(path: &str, error: &serde_json::Error) -> Error {
    let message = error.to_string();
    let reason: Cow<'static, str> = if ["longer than ", "shorter than ", "doesn't match pattern "]
        .iter()
        .any(|p| message.starts_with(p))
    {
        Cow::Owned(message)
    } else if message.starts_with("unknown variant") || message.starts_with("invalid value") {
        Cow::Borrowed("is not a value the API accepts")
    } else if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        // The path points at the struct; the message names the field it lacks.
        let path = if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return Error::validation(request_field(&path), "is required");
    } else {
        Cow::Borrowed("has the wrong type or format for the API")
    };
    Error::validation(request_field(path), reason)
}

/// Converts a validated facade request body into the generated request type, then zeroizes
/// every string of the intermediate JSON.
pub(crate) fn to_raw<T: serde::de::DeserializeOwned>(
    mut body: serde_json::Value,
) -> Result<T, Error> {
    let converted = serde_path_to_error::deserialize(&body);
    zeroize_strings(&mut body);
    converted.map_err(|e| {
        let path = e.path().to_string();
        crate::request::spec_violation(&path, &e.into_inner())
    })
}

fn zeroize_strings(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => zeroize::Zeroize::zeroize(s),
        Value::Array(items) => items.iter_mut().for_each(zeroize_strings),
        Value::Object(map) => map.values_mut().for_each(zeroize_strings),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Serializes a validated request, describing a failure without values.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::from_json(&e))
}

/// `validate()` and `into_raw()` for a request builder that has `check_rules(&self)` and
/// `into_body(self)`: its rules first, then every value against the generated type `$raw`,
/// which carries the API description's constraints, exactly as sending the request does.
macro_rules! spec_checked_request {
    ($builder:ident => $raw:ty $(, $extra_doc:literal)?) => {
        impl $builder {
            /// Checks the request without sending it: the API's rules, then the constraints the
            /// API description sets on each value (lengths, patterns, enum values), as sending it
            /// would.
            $(#[doc = ""] #[doc = $extra_doc])?
            pub fn validate(&self) -> Result<(), crate::Error> {
                self.clone().into_raw().map(drop)
            }

            /// The generated request body: rules checked, then every value against the API
            /// description.
            pub(crate) fn into_raw(self) -> Result<$raw, crate::Error> {
                crate::request::to_raw(self.into_body()?)
            }
        }
    };
}
pub(crate) use spec_checked_request;

/// Setters for the writable fields persons and customers share; `$ty` wraps a struct with
/// those fields plus `invalid: Invalid`.
macro_rules! common_setters {
    ($ty:ident) => {
        impl $ty {
            /// `first_name`.
            pub fn first_name(mut self, v: impl Into<String>) -> Self {
                self.0.first_name = Some(v.into());
                self
            }
            /// `middle_name`.
            pub fn middle_name(mut self, v: impl Into<String>) -> Self {
                self.0.middle_name = Some(v.into());
                self
            }
            /// `last_name`.
            pub fn last_name(mut self, v: impl Into<String>) -> Self {
                self.0.last_name = Some(v.into());
                self
            }
            /// `dob`: a [`DateOfBirth`](crate::pii::DateOfBirth) or a `YYYY-MM-DD` string (checked: 1900-01-01 ≤ dob <
            /// today).
            pub fn dob<T>(mut self, v: T) -> Self
            where
                T: TryInto<crate::pii::DateOfBirth>,
                T::Error: Into<crate::Error>,
            {
                self.0.dob = self.0.invalid.capture("dob", v);
                self
            }
            /// `email`: an [`Email`](crate::pii::Email) or a string.
            pub fn email<T>(mut self, v: T) -> Self
            where
                T: TryInto<crate::pii::Email>,
                T::Error: Into<crate::Error>,
            {
                self.0.email = self.0.invalid.capture("email", v);
                self
            }
            /// `phone_number`: a [`PhoneNumber`](crate::pii::PhoneNumber) or an E.164 string.
            pub fn phone_number<T>(mut self, v: T) -> Self
            where
                T: TryInto<crate::pii::PhoneNumber>,
                T::Error: Into<crate::Error>,
            {
                self.0.phone_number = self.0.invalid.capture("phone_number", v);
                self
            }
            /// `ssn`: an [`Ssn`](crate::pii::Ssn) or a `123-45-6789` string. The masked
            /// [`SsnLast4`](crate::pii::SsnLast4) of a response is not accepted.
            pub fn ssn<T>(mut self, v: T) -> Self
            where
                T: TryInto<crate::pii::Ssn>,
                T::Error: Into<crate::Error>,
            {
                self.0.ssn = self.0.invalid.capture("ssn", v);
                self
            }
            /// `legal_address`.
            pub fn legal_address(mut self, v: crate::addresses::AddressInput) -> Self {
                self.0.legal_address = Some(v);
                self
            }
            /// `shipping_address` (when left out on create, the API copies the legal address).
            pub fn shipping_address(mut self, v: crate::addresses::AddressInput) -> Self {
                self.0.shipping_address = Some(v);
                self
            }
            /// `metadata`: free-form integrator data. Do not put PII in it.
            pub fn metadata(mut self, v: crate::persons::Metadata) -> Self {
                self.0.metadata = Some(v);
                self
            }
            /// `note`: required with a `ban_status` change.
            pub fn note(mut self, v: impl Into<String>) -> Self {
                self.0.note = Some(v.into());
                self
            }
        }
    };
}

/// Applies the filters `listPersons` and `listCustomers` share to a generated request builder
/// (the two builders are different types with the same setters).
macro_rules! apply_shared_filters {
    ($r:ident, $q:expr, $f:expr) => {{
        let (q, f) = (&$q, &$f);
        if !f.sort_by.is_empty() {
            $r = $r.sort_by(f.sort_by.clone());
        }
        if !f.ids.is_empty() {
            $r = $r.id(f.ids.clone());
        }
        if let Some(v) = q.has_accounts {
            $r = $r.has_accounts(v);
        }
        if let Some(v) = &f.ssn_last_4 {
            $r = $r.ssn_last_4(v.clone());
        }
        if let Some(v) = &q.last_name {
            $r = $r.last_name(v.clone());
        }
        if let Some(v) = &q.email {
            $r = $r.email(v.clone());
        }
        if let Some(v) = &q.first_name {
            $r = $r.first_name(v.clone());
        }
        if let Some(v) = &q.phone_number {
            $r = $r.phone_number(v.clone());
        }
        if let Some(v) = f.status {
            $r = $r.status(v);
        }
        if let Some(v) = f.limit {
            $r = $r.limit(v);
        }
        if let Some(v) = &q.page_token {
            $r = $r.page_token(v.clone());
        }
    }};
}

/// The filter setters `ListPersons` and `ListCustomers` share (their query is a
/// `persons::PersonQuery` in `q`); `$id` is the id type the list accepts besides its twin.
macro_rules! person_filters {
    ($list:ident, $id:ty, $noun:literal) => {
        impl $list {
            /// Adds a sort key (`sort_by`); keys apply in the order added.
            pub fn sort_by(mut self, key: $crate::persons::PersonSortKey) -> Self {
                self.q.sort_by.push(key);
                self
            }
            /// Only these ids (may be called repeatedly). Accepts person or customer ids.
            pub fn id(mut self, id: impl Into<$id>) -> Self {
                self.q.id.push($crate::ids::PersonId::from(id.into()));
                self
            }
            #[doc = concat!("Only ", $noun, " that do (or do not) hold accounts.")]
            pub fn has_accounts(mut self, v: bool) -> Self {
                self.q.has_accounts = Some(v);
                self
            }
            #[doc = concat!("Only ", $noun, " whose SSN ends with these four digits.")]
            pub fn ssn_last_4(mut self, v: $crate::pii::SsnLast4) -> Self {
                self.q.ssn_last_4 = Some(v);
                self
            }
            /// Last name; `*` is a wildcard.
            pub fn last_name(mut self, v: impl Into<String>) -> Self {
                self.q.last_name = Some(v.into());
                self
            }
            /// E-mail; `*` is a wildcard.
            pub fn email(mut self, v: impl Into<String>) -> Self {
                self.q.email = Some(v.into());
                self
            }
            /// First name (for persons, also the chosen name); `*` is a wildcard.
            pub fn first_name(mut self, v: impl Into<String>) -> Self {
                self.q.first_name = Some(v.into());
                self
            }
            /// Phone number; `*` is a wildcard.
            pub fn phone_number(mut self, v: impl Into<String>) -> Self {
                self.q.phone_number = Some(v.into());
                self
            }
            #[doc = concat!("Only ", $noun, " in this status.")]
            pub fn status(mut self, v: $crate::persons::PersonStatus) -> Self {
                self.q.status = Some(v);
                self
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pii::Email;

    /// Every property path of a generated request type's JSON Schema (array items as their
    /// array's name), following `$ref`s into the definitions.
    fn property_paths(root: &schemars::schema::RootSchema) -> Vec<String> {
        use schemars::schema::{Schema, SingleOrVec};
        fn walk(
            schema: &Schema,
            root: &schemars::schema::RootSchema,
            prefix: &str,
            depth: usize,
            out: &mut Vec<String>,
        ) {
            let Schema::Object(object) = schema else {
                return;
            };
            assert!(depth < 8, "unexpectedly deep schema at {prefix}");
            if let Some(name) = object
                .reference
                .as_deref()
                .and_then(|r| r.strip_prefix("#/definitions/"))
            {
                walk(&root.definitions[name], root, prefix, depth + 1, out);
            }
            if let Some(sub) = &object.subschemas {
                for s in [&sub.all_of, &sub.any_of, &sub.one_of]
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    walk(s, root, prefix, depth + 1, out);
                }
            }
            if let Some(items) = object.array.as_ref().and_then(|a| a.items.as_ref()) {
                let items: Vec<&Schema> = match items {
                    SingleOrVec::Single(one) => vec![one],
                    SingleOrVec::Vec(many) => many.iter().collect(),
                };
                for item in items {
                    walk(item, root, prefix, depth + 1, out);
                }
            }
            if let Some(props) = object.object.as_ref().map(|o| &o.properties) {
                for (name, property) in props {
                    let path = if prefix.is_empty() {
                        name.clone()
                    } else {
                        format!("{prefix}.{name}")
                    };
                    out.push(path.clone());
                    walk(property, root, &path, depth + 1, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &schemars::schema::Schema::Object(root.schema.clone()),
            root,
            "",
            0,
            &mut out,
        );
        out
    }

    #[test]
    fn every_field_of_every_generated_request_body_has_its_own_name() {
        use schemars::schema_for;
        use synctera_raw::types;
        let roots = [
            schema_for!(types::CreatePersonRequest),
            schema_for!(types::UpdatePersonRequest),
            schema_for!(types::CreateCustomerRequest),
            schema_for!(types::PatchCustomerRequest),
            schema_for!(types::ReplaceCustomerRequest),
            schema_for!(types::CreateDisclosureRequest),
            schema_for!(types::VerifyRequest),
        ];
        let mut checked = 0;
        for root in &roots {
            for path in property_paths(root) {
                assert_eq!(request_field(&path), path, "REQUEST_FIELDS lacks {path}");
                checked += 1;
            }
        }
        // The walk really descends into addresses and personal ids.
        assert!(checked > 100, "only {checked} paths");
        assert_eq!(
            request_field("personal_ids[3].identifier"),
            "personal_ids.identifier"
        );
        assert_eq!(request_field("legal_address.unheard_of"), "legal_address");
        assert_eq!(request_field("unheard_of"), "request");
    }

    fn field(invalid: &Invalid) -> Option<&'static str> {
        match invalid.check() {
            Err(Error::Validation { field, .. }) => Some(field),
            Err(other) => panic!("{other:?}"),
            Ok(()) => None,
        }
    }

    #[test]
    fn a_later_valid_value_clears_the_fields_failure() {
        let mut invalid = Invalid::default();
        assert!(invalid.capture::<Email, _>("email", "bad").is_none());
        assert_eq!(field(&invalid), Some("email"));
        assert!(invalid.capture::<Email, _>("email", "ok@x.io").is_some());
        assert_eq!(field(&invalid), None);
    }

    #[test]
    fn failures_are_kept_per_field_in_first_set_order() {
        let mut invalid = Invalid::default();
        invalid.capture::<Email, _>("email", "bad");
        invalid.capture::<crate::pii::Ssn, _>("ssn", "bad");
        // Setting e-mail again (still bad) keeps its place; fixing it reveals the SSN's.
        invalid.capture::<Email, _>("email", "still bad");
        assert_eq!(field(&invalid), Some("email"));
        invalid.capture::<Email, _>("email", "ok@x.io");
        assert_eq!(field(&invalid), Some("ssn"));
        invalid.capture::<crate::pii::Ssn, _>("ssn", "123-45-6789");
        assert_eq!(field(&invalid), None);
    }
}
