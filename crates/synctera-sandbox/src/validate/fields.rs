//! The top-level fields of a JSON request body, read into a vector sorted by name rather than
//! a `serde_json::Map`: every body is walked once, field by field, so a map's inserts and
//! removals cost more than they give. Names without escapes are borrowed from the body. A
//! value that is an object (an address) is read the same way; every other value is a
//! `serde_json::Value`.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Fields by name (byte order, as a `Map` without `preserve_order` keeps them), each `None`
/// once taken.
pub struct Fields<'a>(Vec<(Cow<'a, str>, Option<Field<'a>>)>);

/// The value of a field: an object read as [`Fields`], anything else as a `Value`.
pub enum Field<'a> {
    Object(Fields<'a>),
    Other(Value),
}

impl Field<'_> {
    /// The value as `serde_json` would have read it.
    pub fn into_value(self) -> Value {
        match self {
            Field::Object(fields) => Value::Object(fields.into_map()),
            Field::Other(v) => v,
        }
    }
}

impl<'a> Fields<'a> {
    /// `pairs` as read; a name given twice keeps its last value, as `serde_json::Map` does.
    fn from_pairs(mut pairs: Vec<(Cow<'a, str>, Option<Field<'a>>)>) -> Self {
        // Stable, so the later of two equal names stays the later one.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(&mut later.1, &mut earlier.1);
            }
            same
        });
        Fields(pairs)
    }

    fn find(&self, name: &str) -> Option<usize> {
        // A scan, not a binary search: bodies have a dozen fields or so, and `==` rejects most
        // names on their length alone where ordering them compares their bytes.
        self.0.iter().position(|(k, _)| *k == name)
    }

    pub fn take(&mut self, name: &str) -> Option<Field<'a>> {
        let i = self.find(name)?;
        self.0[i].1.take()
    }

    pub fn has(&self, name: &str) -> bool {
        self.find(name).is_some_and(|i| self.0[i].1.is_some())
    }

    /// The names not taken, sorted.
    pub fn remaining(self) -> impl Iterator<Item = String> {
        self.0
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k.into_owned())
    }

    /// The fields not taken, as a `serde_json` object.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
            .into_iter()
            .filter_map(|(k, v)| Some((k.into_owned(), v?.into_value())))
            .collect()
    }
}

impl From<Map<String, Value>> for Fields<'_> {
    fn from(map: Map<String, Value>) -> Self {
        Fields::from_pairs(
            map.into_iter()
                .map(|(k, v)| (k.into(), Some(Field::Other(v))))
                .collect(),
        )
    }
}

/// How a body that is a JSON object was read.
pub enum Read<'a> {
    Fields(Fields<'a>),
    /// An object's first name is serde_json's private raw-value token, which `Value`'s own
    /// reader treats specially (or the body is not an object after all): the body must be read
    /// as a `Value` to answer the same.
    AsValue,
}

/// Reads a body whose first non-blank byte is `{`. Reading goes through the same deserializer
/// calls as `serde_json::from_slice::<Value>` (a string per name, `deserialize_any` per value,
/// then the end of input), so invalid JSON fails at the same line and column.
pub fn read_object(body: &[u8]) -> serde_json::Result<Read<'_>> {
    // A body that is UTF-8 as a whole (as good as every one) is checked once, here, instead of
    // string by string; any other is read from its bytes, so that the error is the same.
    match std::str::from_utf8(body) {
        Ok(text) => read_from(serde_json::Deserializer::from_str(text)),
        Err(_) => read_from(serde_json::Deserializer::from_slice(body)),
    }
}

fn read_from<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> serde_json::Result<Read<'de>> {
    let token = Cell::new(false);
    match (FieldSeed { token: &token }).deserialize(&mut de) {
        Err(_) if token.get() => Ok(Read::AsValue),
        Err(e) => Err(e),
        Ok(Field::Object(fields)) => {
            de.end()?;
            Ok(Read::Fields(fields))
        }
        // Not an object after all: the reader of a whole `Value` says so.
        Ok(Field::Other(_)) => Ok(Read::AsValue),
    }
}

/// The whitespace serde_json skips before a value.
pub fn first_token(body: &[u8]) -> Option<u8> {
    body.iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
}

/// Reads the names and values of an object whose `{` was read.
fn read_fields<'de, A: MapAccess<'de>>(
    mut map: A,
    token: &Cell<bool>,
) -> Result<Fields<'de>, A::Error> {
    let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(16));
    while let Some(Name(name)) = map.next_key()? {
        if pairs.is_empty() && name == RAW_VALUE_TOKEN {
            token.set(true);
            return Err(de::Error::custom("raw value token"));
        }
        let value = map.next_value_seed(FieldSeed { token })?;
        pairs.push((name, Some(value)));
    }
    Ok(Fields::from_pairs(pairs))
}

/// A value: an object read as [`Fields`] (by [`read_fields`]), anything else into a `Value` as
/// `Value`'s own visitor does. `token` is set when an object's first name is serde_json's
/// raw-value token.
struct FieldSeed<'a> {
    token: &'a Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Field<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Field<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<'de>, A::Error> {
        read_fields(map, self.token).map(Field::Object)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Field<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Field::Other(Value::Array(items)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Field<'de>, E> {
        Ok(Field::Other(Value::Null))
    }
}

/// A field name, borrowed when the body spells it without escapes. (`Cow`'s own
/// `Deserialize` always copies.)
struct Name<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Name<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(NameVisitor)
    }
}

struct NameVisitor;

impl<'de> Visitor<'de> for NameVisitor {
    type Value = Name<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Borrowed(s)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Owned(s)))
    }
}

/// serde_json's (private) name for a raw value inside a map.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

#[cfg(test)]
mod tests {
    use super::*;

    fn via_value(body: &[u8]) -> Result<Vec<(String, Value)>, (usize, usize)> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Ok(m.into_iter().collect()),
            Ok(_) => panic!("not an object: {body:?}"),
            Err(e) => Err((e.line(), e.column())),
        }
    }

    fn via_fields(body: &[u8]) -> Result<Vec<(String, Value)>, (usize, usize)> {
        match read_object(body) {
            Ok(Read::Fields(f)) => Ok(f
                .0
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.unwrap().into_value()))
                .collect()),
            Ok(Read::AsValue) => panic!("raw value token: {body:?}"),
            Err(e) => Err((e.line(), e.column())),
        }
    }

    #[test]
    fn reads_as_a_value_map_does() {
        let bodies = [
            "{}",
            " {\"b\": 1, \"a\": [1, {\"x\": null}], \"b\": 2, \"\\u0061\": \"dup\"}",
            "{\"z\":1,\"y\":2,\"x\":3,\"z\":4,\"é\":5,\"Z\":6,\"a b\":{}}",
            "{\"a\": 1,}",
            "{\"a\": 1} x",
            "{\"a\" 1}",
            "{\"a\": 1e400}",
            "{\"a\": \"\\ud800\"}",
            "{\n\"a\":\n[1,\n2,\n}",
            "{\"a\": 1",
            "{1: 2}",
            "{\"a\": tru}",
            &format!("{{\"a\": {}{}}}", "[".repeat(200), "]".repeat(200)),
            // Objects one level down are read as fields too.
            "{\"o\": {\"b\": 1, \"a\": {\"c\": [true]}, \"b\": 3, \"\\u0061\": -1.5}}",
            "{\"o\": {\"a\": 1,}}",
            "{\"o\": {\"a\" 1}}",
            "{\"o\": {\"a\": 1e400}}",
            "{\"o\": {}, \"p\": null, \"q\": 18446744073709551615, \"r\": -9}",
            &format!("{{\"o\": {}{}}}", "{\"a\":".repeat(200), "}".repeat(200)),
        ];
        for body in bodies {
            assert_eq!(
                via_fields(body.as_bytes()),
                via_value(body.as_bytes()),
                "{body}"
            );
        }
        // Bytes that are not UTF-8, in and out of strings, and after the object.
        let bytes: [&[u8]; 5] = [
            b"{\"a\": \"\xff\"}",
            b"{\"a\xc3\": 1}",
            b"{\"a\": 1, \"b\": \"ok\", \"c\": \"\xed\xa0\x80\"}",
            b"{\"a\": 1} \xff",
            b"{\xff: 1}",
        ];
        for body in bytes {
            assert_eq!(via_fields(body), via_value(body), "{body:?}");
        }
    }

    #[test]
    fn the_raw_value_token_first_is_left_to_value() {
        let body = br#"{"$serde_json::private::RawValue": "1"}"#;
        assert!(matches!(read_object(body), Ok(Read::AsValue)));
        let nested = br#"{"o": {"$serde_json::private::RawValue": "1"}}"#;
        assert!(matches!(read_object(nested), Ok(Read::AsValue)));
        let later = br#"{"a": 1, "$serde_json::private::RawValue": "1"}"#;
        assert!(matches!(read_object(later), Ok(Read::Fields(_))));
    }

    #[test]
    fn taking_and_what_remains() {
        let Ok(Read::Fields(mut f)) = read_object(br#"{"c": 3, "a": 1, "b": 2}"#) else {
            panic!("an object");
        };
        assert_eq!(f.take("b").map(Field::into_value), Some(Value::from(2)));
        assert!(f.take("b").is_none());
        assert!(f.has("a") && !f.has("b") && !f.has("d"));
        assert_eq!(f.remaining().collect::<Vec<_>>(), ["a", "c"]);
    }
}
