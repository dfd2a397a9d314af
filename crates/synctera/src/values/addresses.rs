//! Postal addresses: [`Address`] as responses carry it, [`AddressInput`] for requests.

use std::fmt;

use serde::{Deserialize, Serialize};

use synctera_raw::types;

use crate::error::Error;
use crate::field_path::FieldPath;
use crate::values::enums::{WireEnum, api_enum};
use crate::values::ids::AddressId;
use crate::values::pii::{AddressLine, redacted};

api_enum! {
    /// What an address is used for (`address_type`, read-only).
    AddressType {
        /// Billing address.
        Billing = "BILLING",
        /// Legal (residential) address.
        Legal = "LEGAL",
        /// Operating address (businesses).
        Operating = "OPERATING",
        /// Any other address.
        Other = "OTHER",
        /// Shipping address.
        Shipping = "SHIPPING",
    }
}

/// An address as Synctera returns it. `Debug` hides the street lines and postal code.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// The stored address's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<AddressId>,
    /// What the address is used for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_type: Option<AddressType>,
    /// First street line.
    pub address_line_1: AddressLine,
    /// Second street line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line_2: Option<AddressLine>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or province (ISO 3166-2 subdivision without the country prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: String,
    /// A name the integrator gave the address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Address")
            .field("id", &self.id)
            .field("address_type", &self.address_type)
            .field("address_line_1", &self.address_line_1)
            .field("address_line_2", &self.address_line_2)
            .field("city", &self.city)
            .field("state", &self.state)
            .field("postal_code", &redacted(&self.postal_code))
            .field("country_code", &self.country_code)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Address {
    /// A one-line, masked form: `[redacted], New York, NY, US`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.address_line_1)?;
        for part in [&self.city, &self.state].into_iter().flatten() {
            write!(f, ", {part}")?;
        }
        write!(f, ", {}", self.country_code)
    }
}

impl From<synctera_raw::types::Address> for Address {
    fn from(raw: synctera_raw::types::Address) -> Self {
        Address {
            id: raw.id.map(AddressId::new),
            address_type: raw.address_type.map(AddressType::from_wire_owned),
            address_line_1: AddressLine::from_response(raw.address_line_1),
            address_line_2: raw.address_line_2.map(AddressLine::from_response),
            city: raw.city,
            state: raw.state,
            postal_code: raw.postal_code,
            country_code: raw.country_code,
            nickname: raw.nickname,
        }
    }
}

impl From<Address> for AddressInput {
    /// Turns a stored address back into request form (dropping the read-only `id` and
    /// `address_type`), e.g. to copy a legal address into the shipping address.
    fn from(a: Address) -> Self {
        AddressInput {
            address_line_1: a.address_line_1.expose().to_owned(),
            address_line_2: a.address_line_2.map(|l| l.expose().to_owned()),
            city: a.city,
            state: a.state,
            postal_code: a.postal_code,
            country_code: a.country_code,
            nickname: a.nickname,
        }
    }
}

/// An address in a request (`legal_address`, `shipping_address`).
///
/// Checked when the request is validated: `address_line_1` must not be blank, `country_code` must
/// be two capital letters, US postal codes must be `12345` or `12345-1234`, Canadian ones
/// `A1A 1A1` (written with or without the space; sent with it).
///
/// ```
/// use synctera::addresses::AddressInput;
/// let home = AddressInput::us("50 Main St", "New York", "NY", "12345");
/// let abroad = AddressInput::new("1 Rue de Rivoli", "FR").city("Paris").postal_code("75001");
/// assert!(home.validate("legal_address").is_ok());
/// assert!(abroad.validate("shipping_address").is_ok());
/// assert!(AddressInput::new("1 Main St", "usa").validate("legal_address").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct AddressInput {
    address_line_1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_line_2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<String>,
    country_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    nickname: Option<String>,
}

impl AddressInput {
    /// An address with its two required fields.
    pub fn new(address_line_1: impl Into<String>, country_code: impl Into<String>) -> Self {
        Self {
            address_line_1: address_line_1.into(),
            address_line_2: None,
            city: None,
            state: None,
            postal_code: None,
            country_code: country_code.into(),
            nickname: None,
        }
    }

    /// A US address with the usual fields.
    pub fn us(
        address_line_1: impl Into<String>,
        city: impl Into<String>,
        state: impl Into<String>,
        postal_code: impl Into<String>,
    ) -> Self {
        Self::new(address_line_1, "US")
            .city(city)
            .state(state)
            .postal_code(postal_code)
    }

    /// Second street line.
    pub fn address_line_2(mut self, line: impl Into<String>) -> Self {
        self.address_line_2 = Some(line.into());
        self
    }

    /// City.
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }

    /// State or province, without the country prefix (`NY`, not `US-NY`).
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Postal code. Checked for the US (`12345` or `12345-6789`) and Canada (`A1A 1A1` or
    /// `A1A1A1`, letters in either case, sent as `A1A 1A1`).
    pub fn postal_code(mut self, postal_code: impl Into<String>) -> Self {
        self.postal_code = Some(postal_code.into());
        self
    }

    /// A name for the address (e.g. "Home").
    pub fn nickname(mut self, nickname: impl Into<String>) -> Self {
        self.nickname = Some(nickname.into());
        self
    }

    /// Checks the address; the error names the sub-field's path under `field`
    /// (`"legal_address"` gives `legal_address.postal_code`).
    pub fn validate(&self, field: &'static str) -> Result<(), Error> {
        self.clone().normalized(field).map(drop)
    }

    /// Validates and returns the form sent on the wire (Canadian postal codes get their space).
    pub(crate) fn normalized(mut self, field: &'static str) -> Result<Self, Error> {
        if self.address_line_1.trim().is_empty() {
            return Err(Error::validation(
                FieldPath::nested(field, "address_line_1"),
                "must not be empty",
            ));
        }
        let cc = self.country_code.as_bytes();
        if cc.len() != 2 || !cc.iter().all(u8::is_ascii_uppercase) {
            return Err(Error::validation(
                FieldPath::nested(field, "country_code"),
                "must be two capital letters (ISO 3166-1 alpha-2, e.g. US)",
            ));
        }
        if self.state.as_deref().is_some_and(|s| s.contains('-')) {
            return Err(Error::validation(
                FieldPath::nested(field, "state"),
                "must be the subdivision code without the country prefix (NY, not US-NY)",
            ));
        }
        if let Some(code) = self.postal_code.take() {
            let code = match self.country_code.as_str() {
                "US" => {
                    let b = code.as_bytes();
                    let five = |s: &[u8]| s.len() == 5 && s.iter().all(u8::is_ascii_digit);
                    let ok = five(b)
                        || (b.len() == 10
                            && five(&b[..5])
                            && b[5] == b'-'
                            && b[6..].iter().all(u8::is_ascii_digit));
                    if !ok {
                        return Err(Error::validation(
                            FieldPath::nested(field, "postal_code"),
                            "must be five digits, optionally followed by a hyphen and four more (ZIP+4), for a US address",
                        ));
                    }
                    code
                }
                "CA" => {
                    let compact: Vec<u8> = code
                        .bytes()
                        .filter(|b| *b != b' ')
                        .map(|b| b.to_ascii_uppercase())
                        .collect();
                    let ok = code.len() <= 7
                        && compact.len() == 6
                        && compact.iter().enumerate().all(|(i, c)| {
                            if i % 2 == 0 {
                                c.is_ascii_uppercase()
                            } else {
                                c.is_ascii_digit()
                            }
                        });
                    if !ok {
                        return Err(Error::validation(
                            FieldPath::nested(field, "postal_code"),
                            "must be A1A 1A1 for a Canadian address",
                        ));
                    }
                    let s = String::from_utf8(compact).expect("ASCII");
                    format!("{} {}", &s[..3], &s[3..])
                }
                _ => code,
            };
            self.postal_code = Some(code);
        }
        Ok(self)
    }
}

/// The field paths of one address in a request body, as errors name them.
pub(crate) struct AddressPaths {
    whole: &'static str,
    address_line_1: &'static str,
    address_line_2: &'static str,
    city: &'static str,
    state: &'static str,
    postal_code: &'static str,
    country_code: &'static str,
    nickname: &'static str,
}

macro_rules! address_paths {
    ($field:literal) => {
        AddressPaths {
            whole: $field,
            address_line_1: concat!($field, ".address_line_1"),
            address_line_2: concat!($field, ".address_line_2"),
            city: concat!($field, ".city"),
            state: concat!($field, ".state"),
            postal_code: concat!($field, ".postal_code"),
            country_code: concat!($field, ".country_code"),
            nickname: concat!($field, ".nickname"),
        }
    };
}

/// `legal_address.*`.
pub(crate) const LEGAL_ADDRESS: AddressPaths = address_paths!("legal_address");
/// `shipping_address.*`.
pub(crate) const SHIPPING_ADDRESS: AddressPaths = address_paths!("shipping_address");

impl AddressInput {
    /// The generated request type: the address's rules first, then each value into its
    /// constrained type, the error naming its path (`legal_address.state`).
    pub(crate) fn to_raw(&self, at: &AddressPaths) -> Result<types::AddressInput, Error> {
        let a = self.clone().normalized(at.whole)?;
        Ok(types::AddressInput {
            address_line_1: Error::constrained(at.address_line_1, &a.address_line_1)?,
            address_line_2: Error::constrained_opt(at.address_line_2, a.address_line_2.as_deref())?,
            city: Error::constrained_opt(at.city, a.city.as_deref())?,
            state: Error::constrained_opt(at.state, a.state.as_deref())?,
            postal_code: Error::constrained_opt(at.postal_code, a.postal_code.as_deref())?,
            country_code: Error::constrained(at.country_code, &a.country_code)?,
            nickname: Error::constrained_opt(at.nickname, a.nickname.as_deref())?,
        })
    }
}

impl fmt::Debug for AddressInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddressInput")
            .field("address_line_1", &"[redacted]")
            .field("address_line_2", &redacted(&self.address_line_2))
            .field("city", &self.city)
            .field("state", &self.state)
            .field("postal_code", &redacted(&self.postal_code))
            .field("country_code", &self.country_code)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(r: Result<AddressInput, Error>) -> String {
        match r {
            Err(Error::Validation { field, reason }) => format!("{field}: {reason}"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn required_fields_and_country_code() {
        let r = reason(AddressInput::new(" ", "US").normalized("legal_address"));
        assert!(r.starts_with("legal_address.address_line_1: "), "{r}");
        for cc in ["us", "USA", "U", ""] {
            let r = reason(AddressInput::new("1 Main", cc).normalized("shipping_address"));
            assert!(r.starts_with("shipping_address.country_code: "), "{r}");
        }
        let r = reason(
            AddressInput::new("1 Main", "US")
                .state("US-NY")
                .normalized("legal_address"),
        );
        assert!(r.starts_with("legal_address.state: "), "{r}");
    }

    #[test]
    fn us_postal_codes() {
        for ok in ["12345", "12345-1234"] {
            assert!(
                AddressInput::new("1 Main", "US")
                    .postal_code(ok)
                    .normalized("a")
                    .is_ok()
            );
        }
        for bad in ["9876", "987654", "98765-98", "98765 4321", "ABCDE"] {
            let r = reason(
                AddressInput::new("1 Main", "US")
                    .postal_code(bad)
                    .normalized("legal_address"),
            );
            assert!(
                r.starts_with("legal_address.postal_code: ") && !r.contains(bad),
                "{r}"
            );
        }
    }

    #[test]
    fn canadian_postal_codes_are_normalised() {
        // Letters in either case, as the spec and the sandbox take them.
        for input in ["K1A 0B1", "K1A0B1", "k1a 0b1", "k1A0b1"] {
            let a = AddressInput::new("1 Main", "CA")
                .postal_code(input)
                .normalized("legal_address")
                .unwrap();
            assert_eq!(a.postal_code.as_deref(), Some("K1A 0B1"));
        }
        for bad in ["K1A-0B1", "11A 0B1", "K1A 0B", "K1A  0B1"] {
            let r = reason(
                AddressInput::new("1 Main", "CA")
                    .postal_code(bad)
                    .normalized("shipping_address"),
            );
            assert!(r.starts_with("shipping_address.postal_code: "), "{r}");
        }
        // Other countries' postal codes are not checked.
        assert!(
            AddressInput::new("1 Main", "GB")
                .postal_code("SW1A 1AA")
                .normalized("a")
                .is_ok()
        );
    }

    #[test]
    fn a_builder_names_the_address_field_by_its_path() {
        let err = crate::NewPerson::prospect()
            .shipping_address(AddressInput::us("50 Main St", "New York", "NY", "1234"))
            .validate()
            .unwrap_err();
        assert_eq!(err.field().unwrap(), "shipping_address.postal_code");
        let err = crate::CustomerPatch::new()
            .legal_address(AddressInput::new("50 Main St", "usa"))
            .validate()
            .unwrap_err();
        assert_eq!(err.field().unwrap(), "legal_address.country_code");
    }

    #[test]
    fn debug_hides_street_and_postal_code() {
        let a = AddressInput::us("50 Main St", "New York", "NY", "12345").address_line_2("Apt 9");
        let shown = format!("{a:?}");
        assert!(!shown.contains("Main") && !shown.contains("12345") && !shown.contains("Apt"));
        let stored: Address = serde_json::from_value(serde_json::json!({
            "address_line_1": "50 Main St", "postal_code": "12345", "country_code": "US",
            "city": "New York", "address_type": "LEGAL"
        }))
        .unwrap();
        let shown = format!("{stored:?} {stored}");
        assert!(
            !shown.contains("Main") && !shown.contains("12345"),
            "{shown}"
        );
        assert_eq!(stored.to_string(), "[redacted], New York, US");
        assert_eq!(stored.address_type, Some(AddressType::Legal));
        let back = AddressInput::from(stored);
        assert_eq!(
            back,
            AddressInput::new("50 Main St", "US")
                .city("New York")
                .postal_code("12345")
        );
    }
}
