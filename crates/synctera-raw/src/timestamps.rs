//! Decoding of the API's `date-time` values, faster than chrono's own, with chrono's result.
//!
//! Why: `chrono::DateTime<Utc>` deserializes through chrono's relaxed RFC 3339 parser, ~1.8k
//! instructions per value under callgrind; a person carries two or three timestamps, and a page of
//! a hundred persons a few hundred. The API writes every timestamp in one shape,
//! `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (UTC, up to nine fractional digits). [`parse_utc`] reads
//! exactly that shape directly (~0.1k); anything else (an offset, a lowercase `t`, a space, a leap
//! second, ten fractional digits, an impossible date) goes to chrono's parser. So what is accepted,
//! what it means and the error for what is not are chrono's; only the common shape is quicker.
//!
//! `cargo xtask codegen` points every generated `date-time` field at [`deserialize`] or
//! [`deserialize_option`] (`#[serde(deserialize_with = ...)]`); the fields keep their type,
//! `chrono::DateTime<Utc>`, and serialize as chrono does.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::de::{self, Deserializer, Visitor};

/// A required `date-time` field.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_str(TimestampVisitor)
}

/// An optional `date-time` field (`null` is `None`; the generated field also carries
/// `#[serde(default)]`, so a missing one is `None` too, as for any `Option` field).
pub(crate) fn deserialize_option<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    d.deserialize_option(OptionalTimestampVisitor)
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // chrono's wording, so errors read as they did before.
        f.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        match parse_utc(value) {
            Some(at) => Ok(at),
            // What chrono's `Deserialize for DateTime<Utc>` does.
            None => value
                .parse::<DateTime<FixedOffset>>()
                .map(|at| at.with_timezone(&Utc))
                .map_err(E::custom),
        }
    }
}

struct OptionalTimestampVisitor;

impl<'de> Visitor<'de> for OptionalTimestampVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or an RFC 3339 formatted date and time string")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        deserialize(d).map(Some)
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, or `None` for anything else (including a well-formed string
/// naming no real instant, such as February 30th), which the caller hands to chrono.
pub(crate) fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    // A leap second (`:60`) is left to chrono, which keeps it as nanoseconds past 59.
    if second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    Some(
        date.and_hms_nano_opt(hour, minute, second, nanos)?
            .and_utc(),
    )
}

/// The value of a run of ASCII digits (at most nine, so it fits), or `None` if any byte is not one.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        let d = c.wrapping_sub(b'0');
        (d < 10).then(|| n * 10 + u32::from(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono(s: &str) -> Option<DateTime<Utc>> {
        s.parse::<DateTime<FixedOffset>>()
            .ok()
            .map(|at| at.with_timezone(&Utc))
    }

    /// Whatever the fast path accepts, chrono accepts with the same instant.
    fn agrees(s: &str) {
        if let Some(fast) = parse_utc(s) {
            assert_eq!(Some(fast), chrono(s), "{s:?}");
        }
    }

    #[test]
    fn the_api_shape_is_read_directly_and_means_what_chrono_says() {
        for s in [
            "2026-12-02T01:35:45.499327Z",
            "2026-12-02T01:35:45Z",
            "2026-12-02T01:35:45.4Z",
            "2026-12-02T01:35:45.123456789Z",
            "2024-02-29T23:59:59.999999999Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            assert!(parse_utc(s).is_some(), "{s} takes the fast path");
            agrees(s);
        }
    }

    #[test]
    fn every_other_shape_is_left_to_chrono() {
        for s in [
            "2026-12-02T01:35:45+00:00",
            "2026-12-02T03:35:45+02:00",
            "2026-12-02t01:35:45Z",
            "2026-12-02 01:35:45Z",
            "2026-12-02T01:35:45z",
            "2026-12-02T01:35:45.1234567891Z",
            "2026-12-02T01:35:45.Z",
            "2016-12-31T23:59:60Z",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-02T24:00:00Z",
            "2026-12-02T01:60:00Z",
            "+2026-12-02T01:35:45Z",
            "2026-12-2T01:35:45Z",
            "",
            "2026-12-02T01:35:4 Z",
        ] {
            assert_eq!(parse_utc(s), None, "{s:?} is chrono's to decide");
        }
    }

    #[test]
    fn decoding_matches_chrono_on_valid_invalid_and_odd_input() {
        // Deterministic pseudo-random strings around the API shape: a valid timestamp with one
        // or two bytes replaced from an alphabet of the characters RFC 3339 uses, and every
        // fraction length; the fast path must never accept what chrono rejects or disagree on
        // the instant.
        let alphabet = b"0123456789-T:.Zz+ tx";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut fast = 0;
        for _ in 0..20_000 {
            let r = next();
            let frac_len = (r % 12) as usize;
            let mut s = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                r % 10_000,
                (r >> 8) % 14,
                (r >> 16) % 33,
                (r >> 24) % 26,
                (r >> 32) % 62,
                (r >> 40) % 62
            );
            if frac_len > 0 {
                s.push('.');
                s.extend((0..frac_len - 1).map(|i| char::from(b'0' + ((r >> i) % 10) as u8)));
            }
            s.push('Z');
            let mut bytes = s.into_bytes();
            for _ in 0..(next() % 3) {
                let at = (next() as usize) % bytes.len();
                bytes[at] = alphabet[(next() as usize) % alphabet.len()];
            }
            let s = String::from_utf8(bytes).unwrap();
            fast += usize::from(parse_utc(&s).is_some());
            agrees(&s);
        }
        assert!(fast > 1_000, "the fast path was exercised ({fast} times)");
    }

    #[test]
    fn fields_decode_through_serde_as_before() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Record {
            #[serde(deserialize_with = "deserialize")]
            at: DateTime<Utc>,
            #[serde(default, deserialize_with = "deserialize_option")]
            maybe: Option<DateTime<Utc>>,
        }
        let at = chrono("2026-12-02T01:35:45.499327Z").unwrap();
        let decode = |json: &str| serde_json::from_str::<Record>(json);
        let r = decode(r#"{"at":"2026-12-02T01:35:45.499327Z"}"#).unwrap();
        assert_eq!((r.at, r.maybe), (at, None));
        let r = decode(r#"{"at":"2026-12-02T03:35:45.499327+02:00","maybe":null}"#).unwrap();
        assert_eq!((r.at, r.maybe), (at, None));
        let r =
            decode(r#"{"at":"2026-12-02T01:35:45.499327Z","maybe":"2026-12-02T01:35:45.499327Z"}"#)
                .unwrap();
        assert_eq!(r.maybe, Some(at));
        let err = decode(r#"{"at":"yesterday"}"#).unwrap_err().to_string();
        let chrono_err = serde_json::from_str::<DateTime<Utc>>(r#""yesterday""#)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(chrono_err.split(" at ").next().unwrap()),
            "{err} / {chrono_err}"
        );
        assert!(decode(r#"{"at":7}"#).is_err());
        assert!(
            decode(r#"{}"#).is_err(),
            "a required timestamp stays required"
        );
    }
}
