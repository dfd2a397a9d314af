//! The sandbox's own records, one module per resource, each with its JSON views.

/// An enum answered and stored by its variant names (`as_str`). Unless declared `answered
/// only`, requests may name its variants too, and `ALL` pairs each name with its variant for
/// validation.
macro_rules! string_enum {
    (answered only $name:ident { $($var:ident),+ $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub enum $name { $($var),+ }
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => stringify!($var)),+ }
            }
        }
    };
    ($name:ident { $($var:ident),+ $(,)? }) => {
        string_enum!(answered only $name { $($var),+ });
        impl $name {
            pub const ALL: &'static [(&'static str, $name)] = &[$((stringify!($var), $name::$var)),+];
        }
    };
}

mod disclosure;
mod person;
mod resource;
mod timefmt;
mod verification;

pub use disclosure::*;
pub use person::*;
pub use resource::{Resource, VIEWS, ViewSlot};
pub use timefmt::ts;
pub use verification::*;

/// Responses carry only the last four characters of any identifier.
pub fn last_four(s: &str) -> String {
    // Where the fourth-last letter or digit starts (or the whole string, with fewer than four).
    let start = s
        .char_indices()
        .rev()
        .filter(|(_, c)| c.is_ascii_alphanumeric())
        .nth(3)
        .map_or(0, |(i, _)| i);
    s[start..]
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}
