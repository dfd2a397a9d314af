//! The API's closed sets of values (statuses, types, results), each declared with [`api_enum!`]
//! (or [`wire_enum!`] when the generated client has no counterpart).

use crate::error::Error;
use crate::field_path::FieldPath;

/// Declares an enum of wire values that keeps unknown ones in `Unknown(String)`: the parts of
/// [`api_enum!`] that need no generated counterpart (e.g. webhook event types, which reach a
/// receiver in a delivery the generated client never decodes).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        ///
        /// Values this version of the SDK does not know deserialize into `Unknown` instead of
        /// failing, so a value Synctera adds later does not break reading a record.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this SDK version does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every value this SDK version knows, in the API's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The wire form, e.g. `"ACTIVE"`.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(s) => s,
                }
            }

            /// Parses the wire form; unknown values land in `Unknown`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}
pub(crate) use wire_enum;

/// Declares an API enum: [`wire_enum!`] (one variant per documented wire value, plus
/// `Unknown(String)` for a value this SDK does not know yet) and the conversions to and from
/// the generated client's enum of the same name.
macro_rules! api_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $crate::values::enums::wire_enum! {
            $(#[$meta])*
            $name {
                $( $(#[$vmeta])* $variant = $wire, )+
            }
        }

        /// Every value the generated client can decode has a variant here. The match is
        /// exhaustive on purpose: a value added to the API description breaks this crate's
        /// build instead of being silently mis-mapped at run time.
        impl From<::synctera_raw::types::$name> for $name {
            fn from(raw: ::synctera_raw::types::$name) -> Self {
                match raw {
                    $( ::synctera_raw::types::$name::$variant => $name::$variant, )+
                }
            }
        }

        impl $crate::values::enums::WireEnum for $name {
            type Raw = ::synctera_raw::types::$name;

            fn from_wire_owned(s: ::std::string::String) -> Self {
                match s.as_str() {
                    $( $wire => $name::$variant, )+
                    _ => $name::Unknown(s),
                }
            }

            fn to_raw(
                &self,
                field: impl Into<$crate::field_path::FieldPath>,
            ) -> Result<::synctera_raw::types::$name, $crate::error::Error> {
                match self {
                    $( $name::$variant => Ok(::synctera_raw::types::$name::$variant), )+
                    $name::Unknown(_) => Err($crate::error::Error::validation(
                        field,
                        "is not a value the API accepts",
                    )),
                }
            }
        }
    };
}
pub(crate) use api_enum;

/// How this crate's requests and responses meet an API enum in the generated client's types.
/// A trait rather than inherent methods: each enum occurs in responses, in requests or both,
/// and a trait's methods need no per-enum `allow(dead_code)`.
pub(crate) trait WireEnum: Sized {
    /// The generated client's enum.
    type Raw;

    /// The enum's `from_wire` for a string the caller owns: an unknown value
    /// is moved into `Unknown`, not copied. Responses carry these values as plain strings
    /// (codegen adaptation 2), so this is how a value Synctera adds later reaches `Unknown`.
    fn from_wire_owned(s: String) -> Self;

    /// The generated client's value, for a request. An `Unknown` value cannot be sent: the
    /// error names `field`.
    fn to_raw(&self, field: impl Into<FieldPath>) -> Result<Self::Raw, Error>;

    /// [`to_raw`](Self::to_raw) for an optional request field: an absent value stays absent.
    fn to_raw_opt(
        value: Option<&Self>,
        field: impl Into<FieldPath>,
    ) -> Result<Option<Self::Raw>, Error> {
        value.map(|v| v.to_raw(field)).transpose()
    }
}
