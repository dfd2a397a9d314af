//! Personally identifiable information, typed so it is validated on the way in and masked on the
//! way out.
//!
//! Every type here validates the way the API does when you build it from a string, and shows at
//! most a harmless fragment in `Debug` and `Display` (the SSN's last four, a phone number's last
//! two digits, an e-mail's first character), so a `tracing::debug!("{person:?}")` or a panic
//! message never writes a customer's identity into a log. Call `expose()` (or
//! [`secrecy::ExposeSecret`] for [`Ssn`]) when you really need the value.
//!
//! The SSN a response carries is a different type, [`SsnLast4`], with no way to turn it into an
//! [`Ssn`], so a value read from the API can never be sent back as a full SSN.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// `TryFrom<&str>` for each type listed (it is [`str::parse`], so a setter taking
/// `impl TryInto<T>` accepts text), and `TryFrom<String>` for the types after `;` (the
/// others write their own, to keep or wipe the caller's string).
macro_rules! try_from_text {
    ($($by_ref:ty),*; $($by_value:ty),*) => {
        $(impl TryFrom<&str> for $by_ref {
            type Error = Error;
            fn try_from(value: &str) -> Result<Self, Error> {
                value.parse()
            }
        })*
        $(impl TryFrom<String> for $by_value {
            type Error = Error;
            fn try_from(value: String) -> Result<Self, Error> {
                value.parse()
            }
        })*
    };
}

try_from_text!(Ssn, SsnLast4, DateOfBirth, PhoneNumber, Email, AddressLine, Identifier;
    SsnLast4, DateOfBirth, PhoneNumber);

/// A full US Social Security Number (or other hyphenated 9-digit tax id), as the API accepts it in
/// requests: `^\d{3}-\d{2}-\d{4}$`.
///
/// Its memory is zeroized on drop, it is never `Serialize`d except into a request body, and its
/// `Debug`/`Display` show only the last four digits.
///
/// ```
/// use synctera::pii::Ssn;
/// use secrecy::ExposeSecret;
///
/// let ssn = "123-45-6789".parse::<Ssn>()?;
/// assert_eq!(format!("{ssn}"), "***-**-6789");
/// assert_eq!(format!("{ssn:?}"), "Ssn(***-**-6789)");
/// assert_eq!(ssn.expose_secret(), "123-45-6789");
/// assert!("123456789".parse::<Ssn>().is_err());
/// # Ok::<(), synctera::Error>(())
/// ```
#[derive(Clone)]
pub struct Ssn(SecretString);

impl Ssn {
    /// The last four digits, the part that is safe to show.
    pub fn last4(&self) -> SsnLast4 {
        SsnLast4(self.0.expose_secret()[7..].to_owned())
    }
}

/// Whether `value` is written as an SSN is sent: `^\d{3}-\d{2}-\d{4}$`.
pub(crate) fn is_ssn_shaped(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 11
        && b.iter().enumerate().all(|(i, c)| match i {
            3 | 6 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// Why a value is not an SSN, for the field that should have held one.
pub(crate) const NOT_AN_SSN: &str = "must be nine digits written ddd-dd-dddd";

/// Validates and wraps an SSN written as `123-45-6789`.
impl FromStr for Ssn {
    type Err = Error;
    fn from_str(value: &str) -> Result<Self, Error> {
        if is_ssn_shaped(value) {
            Ok(Self(SecretString::from(value)))
        } else {
            Err(Error::validation("ssn", NOT_AN_SSN))
        }
    }
}

impl ExposeSecret<str> for Ssn {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl TryFrom<String> for Ssn {
    type Error = Error;
    fn try_from(mut value: String) -> Result<Self, Error> {
        let parsed = value.parse();
        zeroize::Zeroize::zeroize(&mut value);
        parsed
    }
}

impl fmt::Debug for Ssn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ssn({self})")
    }
}

impl fmt::Display for Ssn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "***-**-{}", &self.0.expose_secret()[7..])
    }
}

/// The masked SSN a response carries: at most its last four digits.
///
/// Synctera answers with the last four (`"6789"`), but some of its own examples show a full value,
/// so deserialization keeps only the last four digits of whatever arrives. There is deliberately no
/// conversion from `SsnLast4` into [`Ssn`]: the compiler refuses to send it back as an SSN.
///
/// ```
/// use synctera::pii::SsnLast4;
/// let masked: SsnLast4 = serde_json::from_str("\"123-45-6789\"").unwrap();
/// assert_eq!(masked.as_str(), "6789");
/// assert_eq!(masked.to_string(), "***-**-6789");
/// ```
///
/// ```compile_fail
/// use synctera::pii::{Ssn, SsnLast4};
/// let masked: SsnLast4 = serde_json::from_str("\"6789\"").unwrap();
/// let ssn: Ssn = masked.into(); // no such conversion
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SsnLast4(String);

/// Parses exactly four digits, e.g. for the `ssn_last_4` list filter.
impl FromStr for SsnLast4 {
    type Err = Error;
    fn from_str(value: &str) -> Result<Self, Error> {
        if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(Error::validation(
                "ssn_last_4",
                "must be exactly four digits",
            ))
        }
    }
}

impl SsnLast4 {
    /// The (up to) four digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The generated client's value, for the `ssn_last_4` filter (exactly four digits; a
    /// shorter value read from a response cannot be used).
    pub(crate) fn to_raw(
        &self,
        field: impl Into<crate::field_path::FieldPath>,
    ) -> Result<synctera_raw::types::SsnLast4, Error> {
        synctera_raw::types::SsnLast4::try_from(self.0.as_str())
            .map_err(|_| Error::validation(field, "must be exactly four digits"))
    }

    /// What a response carried (`"123-45-6789"`, `"***-**-6789"`, `"6789"`), cut to its last
    /// four digits at once.
    pub(crate) fn from_response(raw: String) -> Self {
        Self(last_four_in_place(raw, u8::is_ascii_digit))
    }
}

impl<'de> Deserialize<'de> for SsnLast4 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SsnLast4::from_response)
    }
}

impl Serialize for SsnLast4 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl fmt::Debug for SsnLast4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SsnLast4({})", self.0)
    }
}

impl fmt::Display for SsnLast4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "***-**-{}", self.0)
    }
}

/// A date of birth: on or after 1900-01-01 and before today (UTC), as the API requires.
///
/// `Debug` and `Display` hide it entirely. Values read from responses are taken as the server
/// sent them (the server is the authority on stored data); values you build are checked.
///
/// ```
/// use synctera::pii::DateOfBirth;
/// let dob = "2000-01-01".parse::<DateOfBirth>()?;
/// assert_eq!(dob.to_string(), "****-**-**");
/// assert_eq!(dob.expose().to_string(), "2000-01-01");
/// assert!("1899-12-31".parse::<DateOfBirth>().is_err());
/// # Ok::<(), synctera::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    /// Validates a date of birth against today's date (UTC).
    pub fn new(date: NaiveDate) -> Result<Self, Error> {
        Self::new_relative_to(date, Utc::now().date_naive())
    }

    fn new_relative_to(date: NaiveDate, today: NaiveDate) -> Result<Self, Error> {
        if date.year() < 1900 {
            Err(Error::validation("dob", "must be on or after 1900-01-01"))
        } else if date >= today {
            Err(Error::validation("dob", "must be before today"))
        } else {
            Ok(Self(date))
        }
    }

    /// The date itself.
    pub fn expose(&self) -> NaiveDate {
        self.0
    }

    /// A stored value as a response carries it: not re-checked (the server is the authority on
    /// stored data, and "before today" depends on when it is read).
    pub(crate) fn from_response(date: NaiveDate) -> Self {
        Self(date)
    }
}

/// Parses a date written `YYYY-MM-DD`, then checks it as [`DateOfBirth::new`] does.
impl FromStr for DateOfBirth {
    type Err = Error;
    fn from_str(value: &str) -> Result<Self, Error> {
        let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map_err(|_| Error::validation("dob", "must be a date written YYYY-MM-DD"))?;
        Self::new(date)
    }
}

impl TryFrom<NaiveDate> for DateOfBirth {
    type Error = Error;
    fn try_from(value: NaiveDate) -> Result<Self, Error> {
        DateOfBirth::new(value)
    }
}

impl fmt::Debug for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DateOfBirth(****-**-**)")
    }
}

impl fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****-**-**")
    }
}

/// A mobile phone number in E.164 form (`^\+[1-9]\d{1,14}$`), e.g. `+12124567890`.
///
/// `Debug`/`Display` show only the last two digits.
///
/// ```
/// use synctera::pii::PhoneNumber;
/// let phone = "+12124567890".parse::<PhoneNumber>()?;
/// assert_eq!(phone.to_string(), "+*********90");
/// assert!("212-456-7890".parse::<PhoneNumber>().is_err());
/// # Ok::<(), synctera::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// The full number.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A stored value as a response carries it (not re-checked, like its deserialization).
    pub(crate) fn from_response(value: String) -> Self {
        Self(value)
    }
}

/// Validates an E.164 number.
impl FromStr for PhoneNumber {
    type Err = Error;
    fn from_str(value: &str) -> Result<Self, Error> {
        let b = value.as_bytes();
        let ok = b.len() >= 3
            && b.len() <= 16
            && b[0] == b'+'
            && (b'1'..=b'9').contains(&b[1])
            && b[2..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(Error::validation(
                "phone_number",
                "must be in E.164 form: '+', a country code and up to 15 digits in all",
            ))
        }
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({self})")
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.chars().count();
        let keep = if n > 6 { 2 } else { 0 };
        let tail: String = self.0.chars().skip(n - keep).collect();
        write!(f, "+{}{}", "*".repeat(n.saturating_sub(keep + 1)), tail)
    }
}

/// An e-mail address. Checked for the shape `local@domain.tld` without ASCII spaces or control
/// characters, at most 320 characters, as the API describes it. `Debug`/`Display` show only the first character.
///
/// ```
/// use synctera::pii::Email;
/// let email = "anne.baker@example.com".parse::<Email>()?;
/// assert_eq!(email.to_string(), "a***@***");
/// assert!("not an address".parse::<Email>().is_err());
/// # Ok::<(), synctera::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    fn check(value: &str) -> Result<(), Error> {
        // The spec refuses ASCII spaces and control characters (a byte up to the space, or
        // DEL), as the API does; no byte of a longer UTF-8 character is one of them. Other
        // Unicode white space is the API's to judge: refusing it here would refuse what it takes.
        let spaced = value.bytes().any(|b| b <= b' ' || b == 0x7f);
        // The spec's bound, in characters as it counts them (not the 254 of RFC 5321's path).
        let ok = value.chars().count() <= 320
            && !spaced
            && match value.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if ok {
            Ok(())
        } else {
            Err(Error::validation(
                "email",
                "must be an e-mail address: a name, '@' and a domain with a dot",
            ))
        }
    }

    /// The full address.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A stored value as a response carries it (not re-checked, like its deserialization).
    pub(crate) fn from_response(value: String) -> Self {
        Self(value)
    }
}

/// Validates the rough shape of an address.
impl FromStr for Email {
    type Err = Error;
    fn from_str(value: &str) -> Result<Self, Error> {
        Self::check(value)?;
        Ok(Self(value.to_owned()))
    }
}

impl TryFrom<String> for Email {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Error> {
        // The caller's string is kept, not copied.
        Email::check(&value)?;
        Ok(Self(value))
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({self})")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.chars().next() {
            Some(c) if self.0.contains('@') && !self.0.starts_with('@') => write!(f, "{c}***@***"),
            _ => f.write_str("***"),
        }
    }
}

/// A street address line (`address_line_1`, `address_line_2`). Not validated beyond being
/// non-empty, but always shown as `[redacted]`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AddressLine(String);

/// Wraps a line, keeping the caller's string; it must not be blank.
impl TryFrom<String> for AddressLine {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Error> {
        if value.trim().is_empty() {
            Err(Error::validation("address_line_1", "must not be empty"))
        } else {
            Ok(Self(value))
        }
    }
}

impl FromStr for AddressLine {
    type Err = Error;
    fn from_str(value: &str) -> Result<Self, Error> {
        Self::try_from(value.to_owned())
    }
}

impl AddressLine {
    /// The line as written.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A stored value as a response carries it (not re-checked, like its deserialization).
    pub(crate) fn from_response(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for AddressLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AddressLine([redacted])")
    }
}

impl fmt::Display for AddressLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The identifier of a personal id (passport number, driver licence, SSN, …) as a response carries
/// it: only its last four letters or digits are kept, so a full identifier that a response might
/// include is never held, shown or sent back.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdentifierLast4(String);

impl IdentifierLast4 {
    /// The kept (up to) four characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What a response carried, cut to its last four ASCII letters or digits at once.
    pub(crate) fn from_response(raw: String) -> Self {
        Self(last_four_in_place(raw, u8::is_ascii_alphanumeric))
    }
}

/// The last four bytes of `raw` that `keep` accepts (ASCII only), in the allocation `raw` came in:
/// the whole buffer is zeroized first, so the rest of the value is gone from memory, and no second
/// allocation (nor an unzeroized copy of the value) is made.
fn last_four_in_place(mut raw: String, keep: fn(&u8) -> bool) -> String {
    let mut last = [0u8; 4];
    let mut found = 0;
    for &b in raw.as_bytes().iter().rev().filter(|b| keep(b)).take(4) {
        found += 1;
        last[4 - found] = b;
    }
    zeroize::Zeroize::zeroize(&mut raw);
    let kept = std::str::from_utf8(&last[4 - found..]).expect("`keep` accepts ASCII bytes only");
    raw.push_str(kept);
    zeroize::Zeroize::zeroize(&mut last);
    raw
}

impl<'de> Deserialize<'de> for IdentifierLast4 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(IdentifierLast4::from_response)
    }
}

impl fmt::Debug for IdentifierLast4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdentifierLast4({self})")
    }
}

impl fmt::Display for IdentifierLast4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "****{}", self.0)
    }
}

/// The full identifier of a personal id in a request. Zeroized on drop, `Debug`/`Display`
/// redacted.
#[derive(Clone)]
pub struct Identifier(SecretString);

/// Wraps an identifier, keeping the caller's string; it must not be blank.
impl TryFrom<String> for Identifier {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Error> {
        if value.trim().is_empty() {
            Err(Error::validation(
                "personal_ids.identifier",
                "must not be empty",
            ))
        } else {
            Ok(Self(SecretString::from(value)))
        }
    }
}

impl FromStr for Identifier {
    type Err = Error;
    fn from_str(value: &str) -> Result<Self, Error> {
        Self::try_from(value.to_owned())
    }
}

impl ExposeSecret<str> for Identifier {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl Serialize for Identifier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.expose_secret())
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Identifier([redacted])")
    }
}

/// How `Debug` shows an optional value it must not print: whether it is there, never what it is.
pub(crate) fn redacted<T>(value: &Option<T>) -> Option<&'static str> {
    value.as_ref().map(|_| "[redacted]")
}

/// Shows a name as its first letter, for `Debug` of records holding names.
pub(crate) struct MaskedName<'a>(pub &'a Option<String>);

impl fmt::Debug for MaskedName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_deref().and_then(|n| n.chars().next()) {
            Some(c) => write!(f, "Some(\"{c}***\")"),
            None => f.write_str("None"),
        }
    }
}

#[cfg(test)]
mod tests;
