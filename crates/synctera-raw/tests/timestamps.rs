//! The generated types' `date-time` fields decode as chrono decodes them (they go through the
//! crate's faster reader for the API's usual shape, chrono for every other one).

use chrono::{DateTime, FixedOffset, Utc};
use synctera_raw::types::Person;

fn person(creation: &str, extra: &str) -> serde_json::Result<Person> {
    serde_json::from_str(&format!(
        r#"{{"id":"7d943c51-e4ff-4e57-9558-08cab6b963c7","status":"PROSPECT","ban_status":"ALLOWED",
        "verification_status":"UNVERIFIED","is_customer":true,"tenant":"abcdef_ghijkl",
        "creation_time":{creation},"last_updated_time":"2026-01-02T05:04:05.678+02:00"{extra}}}"#
    ))
}

fn chrono(s: &str) -> DateTime<Utc> {
    s.parse::<DateTime<FixedOffset>>()
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn both_the_api_shape_and_other_rfc3339_forms_decode_to_chrono_instants() {
    let p = person(r#""2026-01-02T03:04:05.678901Z""#, "").unwrap();
    assert_eq!(p.creation_time, chrono("2026-01-02T03:04:05.678901Z"));
    // An offset takes chrono's parser; the instant is the same as written in UTC.
    assert_eq!(p.last_updated_time, chrono("2026-01-02T03:04:05.678Z"));
    // Space separator and lowercase `z`, as chrono's relaxed parser allows.
    let p = person(r#""2026-01-02 03:04:05z""#, "").unwrap();
    assert_eq!(p.creation_time, chrono("2026-01-02T03:04:05Z"));
}

#[test]
fn an_optional_timestamp_may_be_missing_null_or_present() {
    assert_eq!(
        person(r#""2026-01-02T03:04:05Z""#, "")
            .unwrap()
            .verification_last_run,
        None
    );
    let null = r#","verification_last_run":null"#;
    assert_eq!(
        person(r#""2026-01-02T03:04:05Z""#, null)
            .unwrap()
            .verification_last_run,
        None
    );
    let set = r#","verification_last_run":"2026-02-03T04:05:06.7Z""#;
    assert_eq!(
        person(r#""2026-01-02T03:04:05Z""#, set)
            .unwrap()
            .verification_last_run,
        Some(chrono("2026-02-03T04:05:06.7Z"))
    );
}

#[test]
fn a_bad_timestamp_is_a_decode_error_naming_what_was_expected() {
    for bad in [r#""2026-02-30T03:04:05Z""#, r#""yesterday""#, "7", "null"] {
        let err = person(bad, "").unwrap_err().to_string();
        assert!(
            err.contains("RFC 3339") || err.contains("input") || err.contains("invalid type"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn timestamps_serialize_as_chrono_writes_them() {
    let p = person(r#""2026-01-02T03:04:05.678901Z""#, "").unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(
        json["creation_time"],
        serde_json::to_value(chrono("2026-01-02T03:04:05.678901Z")).unwrap()
    );
    assert_eq!(json["creation_time"], "2026-01-02T03:04:05.678901Z");
}
