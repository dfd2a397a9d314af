//! The path of a request field, as [`Error::Validation`](crate::Error::Validation) names it.

use std::fmt;

/// Where in a request a rejected value sits: a field (`ssn`), a nested field
/// (`legal_address.state`), or an element of a list, by its zero-based index
/// (`personal_ids[1].identifier`, `sort_by[0]`). It holds names and an index, never a value.
///
/// It displays as the path and compares equal to the path's text, so a test or a match guard
/// can write the path as a string:
///
/// ```
/// use synctera::{Error, Identifier, NewPerson, PersonalIdInput, PersonalIdType};
///
/// let err = NewPerson::prospect()
///     .personal_id(PersonalIdInput::new(
///         PersonalIdType::PassportNumber,
///         "X1234567".parse::<Identifier>().unwrap(),
///     ))
///     .personal_id(
///         PersonalIdInput::new(PersonalIdType::PassportNumber, "X7654321".parse::<Identifier>().unwrap())
///             .country_code("gb"),
///     )
///     .validate()
///     .unwrap_err();
/// let Error::Validation { field, .. } = &err else { panic!("{err:?}") };
/// assert_eq!(*field, "personal_ids[1].country_code");
/// assert_eq!(field.to_string(), "personal_ids[1].country_code");
/// assert_eq!(err.field().unwrap(), "personal_ids[1].country_code");
/// ```
#[derive(Clone, Copy)]
pub struct FieldPath(Path);

#[derive(Clone, Copy)]
enum Path {
    /// A field or a fixed dotted path (`legal_address.state`).
    Fixed(&'static str),
    /// `field` inside the object field `parent`: `parent.field`.
    Nested {
        parent: &'static str,
        field: &'static str,
    },
    /// Element `index` of `list`, or `field` inside that element.
    Element {
        list: &'static str,
        index: usize,
        field: Option<&'static str>,
    },
}

impl FieldPath {
    /// A field, or a fixed dotted path such as `legal_address.state`.
    pub const fn new(path: &'static str) -> Self {
        Self(Path::Fixed(path))
    }

    /// `field` inside the object field `parent`: `parent.field` (`legal_address.postal_code`),
    /// for a parent known only at run time.
    pub(crate) const fn nested(parent: &'static str, field: &'static str) -> Self {
        Self(Path::Nested { parent, field })
    }

    /// Element `index` (from zero) of the list field `list`: `list[index]`.
    pub const fn element(list: &'static str, index: usize) -> Self {
        Self(Path::Element {
            list,
            index,
            field: None,
        })
    }

    /// `field` inside element `index` (from zero) of the list field `list`:
    /// `list[index].field`.
    pub const fn element_field(list: &'static str, index: usize, field: &'static str) -> Self {
        Self(Path::Element {
            list,
            index,
            field: Some(field),
        })
    }
}

impl From<&'static str> for FieldPath {
    fn from(path: &'static str) -> Self {
        Self::new(path)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Path::Fixed(path) => f.write_str(path),
            Path::Nested { parent, field } => write!(f, "{parent}.{field}"),
            Path::Element { list, index, field } => {
                write!(f, "{list}[{index}]")?;
                match field {
                    Some(field) => write!(f, ".{field}"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Shows the path as a string, as `Debug` of a `&str` would.
impl fmt::Debug for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Path::Fixed(path) => fmt::Debug::fmt(path, f),
            Path::Nested { .. } | Path::Element { .. } => fmt::Debug::fmt(&self.to_string(), f),
        }
    }
}

/// Two paths are equal when they name the same place, i.e. display the same.
impl PartialEq for FieldPath {
    fn eq(&self, other: &Self) -> bool {
        match (self.0, other.0) {
            (Path::Fixed(a), Path::Fixed(b)) => a == b,
            (Path::Fixed(a), _) => other == a,
            _ => self == other.to_string().as_str(),
        }
    }
}

impl Eq for FieldPath {}

/// Hashes the displayed path, consistent with `PartialEq`.
impl std::hash::Hash for FieldPath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self.0 {
            Path::Fixed(path) => path.hash(state),
            Path::Nested { .. } | Path::Element { .. } => self.to_string().hash(state),
        }
    }
}

impl PartialEq<str> for FieldPath {
    fn eq(&self, other: &str) -> bool {
        /// Consumes `rest` while what is written matches it, without building the path.
        struct Matches<'a> {
            rest: &'a str,
        }
        impl fmt::Write for Matches<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.rest = self.rest.strip_prefix(s).ok_or(fmt::Error)?;
                Ok(())
            }
        }
        match self.0 {
            Path::Fixed(path) => path == other,
            Path::Nested { .. } | Path::Element { .. } => {
                let mut m = Matches { rest: other };
                fmt::write(&mut m, format_args!("{self}")).is_ok() && m.rest.is_empty()
            }
        }
    }
}

impl PartialEq<&str> for FieldPath {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<FieldPath> for str {
    fn eq(&self, other: &FieldPath) -> bool {
        other == self
    }
}

impl PartialEq<FieldPath> for &str {
    fn eq(&self, other: &FieldPath) -> bool {
        other == *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn paths_display_and_compare_as_their_text() {
        let fixed = FieldPath::new("legal_address.state");
        let element = FieldPath::element("sort_by", 0);
        let inside = FieldPath::element_field("personal_ids", 12, "identifier");
        let nested = FieldPath::nested("legal_address", "postal_code");
        assert_eq!(nested.to_string(), "legal_address.postal_code");
        assert_eq!(format!("{nested:?}"), "\"legal_address.postal_code\"");
        assert_eq!(nested, "legal_address.postal_code");
        assert_eq!(nested, FieldPath::new("legal_address.postal_code"));
        assert_ne!(nested, "legal_address");
        assert_eq!(fixed.to_string(), "legal_address.state");
        assert_eq!(element.to_string(), "sort_by[0]");
        assert_eq!(inside.to_string(), "personal_ids[12].identifier");
        assert_eq!(format!("{inside:?}"), "\"personal_ids[12].identifier\"");
        assert_eq!(format!("{fixed:?}"), "\"legal_address.state\"");
        assert_eq!(inside, "personal_ids[12].identifier");
        assert_eq!("sort_by[0]", element);
        assert_ne!(inside, "personal_ids.identifier");
        assert_ne!(FieldPath::element("sort_by", 1), element);
        // A fixed path spelled like an element names the same place.
        assert_eq!(FieldPath::new("sort_by[0]"), element);
        let set: HashSet<FieldPath> = [FieldPath::new("sort_by[0]"), element].into();
        assert_eq!(set.len(), 1);
    }
}
