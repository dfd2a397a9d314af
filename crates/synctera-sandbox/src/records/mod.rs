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
mod json_object;
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
    LastFour::of(s).as_str().to_owned()
}

/// [`last_four`] kept inline, for views that only write it out: the last four ASCII letters
/// or digits of an identifier, or all of them when it has fewer.
pub struct LastFour {
    buf: [u8; 4],
    len: usize,
}

impl LastFour {
    pub fn of(s: &str) -> Self {
        let mut buf = [0; 4];
        let mut len = 0;
        // Bytes suffice: no byte of a non-ASCII character is an ASCII letter or digit.
        for b in s.bytes().rev().filter(u8::is_ascii_alphanumeric).take(4) {
            len += 1;
            buf[4 - len] = b;
        }
        LastFour { buf, len }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[4 - self.len..]).expect("ASCII letters and digits")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule as first written: from the fourth-last letter or digit, every letter and digit.
    fn by_chars(s: &str) -> String {
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

    proptest! {
        #[test]
        fn last_four_is_the_rule(s in "[0-9a-zA-Z é٣.\\-\\x00]{0,12}") {
            let l4 = LastFour::of(&s);
            prop_assert_eq!(l4.as_str(), by_chars(&s));
            prop_assert_eq!(last_four(&s), by_chars(&s));
        }
    }
}
