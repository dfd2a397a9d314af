//! A JSON object written straight into a buffer, for the views answered most often.
//!
//! serde_json escapes every key and string it writes byte by byte; a person's view spent
//! about two thirds of its time there. Here a key is one of the view's own field names, copied
//! as it is, and a string is copied as it is when it holds nothing to escape; any other string,
//! and every other value, is still written by serde_json.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::timefmt::{ts, ts_fast};

/// One object being written: [`JsonObject::end`] closes it.
pub struct JsonObject<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> JsonObject<'a> {
    #[must_use = "an object is closed by `end`"]
    pub fn start(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        JsonObject { out, empty: true }
    }

    /// `name` is a field name of a view: ASCII with nothing to escape.
    fn key(&mut self, name: &'static str) {
        debug_assert!(!needs_escape(name), "{name}");
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    pub fn str(&mut self, name: &'static str, value: &str) -> &mut Self {
        self.key(name);
        string(self.out, value);
        self
    }

    pub fn opt_str(&mut self, name: &'static str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.str(name, v);
        }
        self
    }

    pub fn bool(&mut self, name: &'static str, value: bool) -> &mut Self {
        self.key(name);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        self
    }

    pub fn uuid(&mut self, name: &'static str, value: Uuid) -> &mut Self {
        self.key(name);
        self.out.push(b'"');
        let mut buf = Uuid::encode_buffer();
        self.out
            .extend_from_slice(value.hyphenated().encode_lower(&mut buf).as_bytes());
        self.out.push(b'"');
        self
    }

    /// A timestamp as the API writes one (`2024-01-02T03:04:05.678901Z`).
    pub fn time(&mut self, name: &'static str, value: DateTime<Utc>) -> &mut Self {
        match ts_fast(value, &mut [0; 27]) {
            Some(text) => self.str(name, text),
            None => self.str(name, &ts(value)),
        }
    }

    /// Any other value, written by serde_json.
    pub fn value<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> &mut Self {
        self.key(name);
        serde_json::to_writer(&mut *self.out, value).expect("writing to a Vec does not fail");
        self
    }

    /// A nested object, written by `write`.
    pub fn object(
        &mut self,
        name: &'static str,
        write: impl FnOnce(&mut JsonObject<'_>),
    ) -> &mut Self {
        self.key(name);
        let mut inner = JsonObject::start(self.out);
        write(&mut inner);
        inner.end();
        self
    }

    /// An array of objects, each written by `write`.
    pub fn objects<T>(
        &mut self,
        name: &'static str,
        items: impl IntoIterator<Item = T>,
        mut write: impl FnMut(&mut JsonObject<'_>, T),
    ) -> &mut Self {
        self.key(name);
        self.out.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            let mut inner = JsonObject::start(self.out);
            write(&mut inner, item);
            inner.end();
        }
        self.out.push(b']');
        self
    }

    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// A JSON string: copied when nothing in it needs escaping, else escaped by serde_json.
fn string(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s) {
        serde_json::to_writer(&mut *out, s).expect("writing to a Vec does not fail");
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// Whether JSON needs any byte of `s` escaped: a control character, a quote or a backslash
/// (serde_json escapes exactly these). Every byte is looked at, so the loop vectorizes.
fn needs_escape(s: &str) -> bool {
    s.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn strings_are_written_as_serde_json_writes_them(s in any::<String>(), t in "[ -~\\n\"\\\\é]{0,20}") {
            for s in [&s, &t] {
                let mut out = Vec::new();
                string(&mut out, s);
                prop_assert_eq!(out, serde_json::to_vec(s).unwrap());
            }
        }
    }

    #[test]
    fn an_object_is_the_json_serde_would_write() {
        let mut out = Vec::new();
        let mut o = JsonObject::start(&mut out);
        o.uuid("id", Uuid::nil())
            .str("name", "a \"quoted\"\nname")
            .opt_str("missing", None)
            .bool("yes", true)
            .object("inner", |i| {
                i.str("k", "v");
            })
            .objects("list", [1, 2], |i, n| {
                i.value("n", &n);
            })
            .objects("none", Vec::<u8>::new(), |_, _| {});
        o.end();
        let expected = serde_json::json!({
            "id": Uuid::nil(), "name": "a \"quoted\"\nname", "yes": true,
            "inner": {"k": "v"}, "list": [{"n": 1}, {"n": 2}], "none": []
        });
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&out).unwrap(),
            expected
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"id":"00000000-0000-0000-0000-000000000000","name":"a \"quoted\"\nname","yes":true,"inner":{"k":"v"},"list":[{"n":1},{"n":2}],"none":[]}"#
        );
    }
}
