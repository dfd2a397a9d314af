use super::*;

/// Parses each of `bad` as a `T` and asserts that it is refused naming `field`; returns each
/// value with its error, for a test's further checks.
fn refused<T: FromStr<Err = Error>>(
    bad: &[&'static str],
    field: &str,
) -> Vec<(&'static str, Error)> {
    bad.iter()
        .map(|&bad| {
            let err = bad
                .parse::<T>()
                .err()
                .unwrap_or_else(|| panic!("{bad:?} is refused"));
            assert!(
                matches!(&err, Error::Validation { field: f, .. } if *f == field),
                "{bad:?}"
            );
            (bad, err)
        })
        .collect()
}

/// Reads each input of `cases` as a `T` from a JSON string and asserts that it keeps the
/// wanted part (`kept` reads it back); returns the values, for a test's further checks.
fn read_keeps<T: serde::de::DeserializeOwned>(
    cases: &[(&str, &str)],
    kept: fn(&T) -> &str,
) -> Vec<T> {
    cases
        .iter()
        .map(|&(input, want)| {
            let v: T = serde_json::from_value(serde_json::json!(input)).unwrap();
            assert_eq!(kept(&v), want, "{input}");
            v
        })
        .collect()
}

#[test]
fn ssn_accepts_only_the_hyphenated_form() {
    assert!("123-45-6789".parse::<Ssn>().is_ok());
    let bad = [
        "123456789",
        "123-456-789",
        "12-345-6789",
        "123-45-678a",
        "",
        "123-45-67890",
    ];
    for (bad, err) in refused::<Ssn>(&bad, "ssn") {
        if !bad.is_empty() {
            assert!(!err.to_string().contains(bad));
        }
    }
    assert!(Ssn::try_from(String::from("123-45-6789")).is_ok());
}

#[test]
fn ssn_shows_only_last_four() {
    let ssn = "123-45-6789".parse::<Ssn>().unwrap();
    for shown in [
        format!("{ssn}"),
        format!("{ssn:?}"),
        format!("{:?}", Some(&ssn)),
    ] {
        assert!(
            !shown.contains("12345") && !shown.contains("123-45"),
            "{shown}"
        );
        assert!(shown.contains("6789"));
    }
    assert_eq!(ssn.last4().as_str(), "6789");
}

#[test]
fn ssn_last4_keeps_only_four_digits_of_anything() {
    let cases = [
        ("6789", "6789"),
        ("123-45-6789", "6789"),
        ("***-**-6789", "6789"),
        ("XXX-XX-6789", "6789"),
        ("89", "89"),
        ("", ""),
    ];
    for v in read_keeps(&cases, SsnLast4::as_str) {
        assert!(!format!("{v:?}{v}").contains("12345"));
    }
    assert!("6789".parse::<SsnLast4>().is_ok());
    for bad in ["678", "67890", "67a9"] {
        assert!(matches!(
            bad.parse::<SsnLast4>(),
            Err(Error::Validation { field, .. }) if field == "ssn_last_4"
        ));
    }
}

#[test]
fn identifier_last4_keeps_the_last_four_ascii_letters_or_digits() {
    let cases = [
        ("X1234567", "4567"),
        ("AB-123 4Z", "234Z"),
        ("é12", "12"),
        ("ÄÖÜ", ""),
        ("a", "a"),
        ("", ""),
    ];
    read_keeps(&cases, IdentifierLast4::as_str);
    let v: IdentifierLast4 = serde_json::from_value(serde_json::json!("D1234-5678-9")).unwrap();
    assert!(!format!("{v:?}{v}").contains("1234"));
}

#[test]
fn dob_range_is_1900_to_yesterday() {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert!(DateOfBirth::new_relative_to(d("1900-01-01"), today).is_ok());
    assert!(DateOfBirth::new_relative_to(d("2026-04-30"), today).is_ok());
    let err = DateOfBirth::new_relative_to(d("1899-12-31"), today).unwrap_err();
    assert!(err.to_string().contains("1900-01-01") && err.to_string().contains("dob"));
    assert!(DateOfBirth::new_relative_to(today, today).is_err());
    assert!(DateOfBirth::new_relative_to(d("2030-01-01"), today).is_err());
    assert!("2000-01-01".parse::<DateOfBirth>().is_ok());
    let bad = "01/02/2000".parse::<DateOfBirth>().unwrap_err();
    assert!(!bad.to_string().contains("01/02/2000"));
    let future = Utc::now().date_naive() + chrono::Days::new(1);
    assert!(DateOfBirth::new(future).is_err());
}

#[test]
fn dob_is_hidden_and_serializes_as_full_date() {
    let dob = "2000-01-01".parse::<DateOfBirth>().unwrap();
    assert!(!format!("{dob}{dob:?}").contains("2000"));
    assert_eq!(serde_json::to_string(&dob).unwrap(), "\"2000-01-01\"");
}

#[test]
fn phone_must_be_e164() {
    for ok in ["+12124567890", "+447911123456", "+12", "+123456789012345"] {
        assert!(ok.parse::<PhoneNumber>().is_ok(), "{ok}");
    }
    let bad = [
        "12124567890",
        "+02124567890",
        "+1 212 456",
        "+",
        "+1",
        "+1234567890123456",
    ];
    refused::<PhoneNumber>(&bad, "phone_number");
    let p = "+12124567890".parse::<PhoneNumber>().unwrap();
    assert!(!format!("{p}{p:?}").contains("2124567"));
}

#[test]
fn email_shape_and_masking() {
    for ok in ["a@b.co", "anne.baker+x@example.com", "zoë@exämple.de"] {
        assert!(ok.parse::<Email>().is_ok(), "{ok}");
        assert!(Email::try_from(ok.to_owned()).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "plain",
        "@example.com",
        "a@b",
        "a b@c.com",
        "a@@b.com",
        "a@.com",
        "a\tb@c.com",
        "a\u{b}b@c.com",
        "a\u{7f}b@c.com",
        "zoë x@c.com",
        "zoë@c.com\n",
    ] {
        for err in [
            bad.parse::<Email>().unwrap_err(),
            Email::try_from(bad.to_owned()).unwrap_err(),
        ] {
            assert!(
                matches!(&err, Error::Validation { field, .. } if *field == "email"),
                "{bad:?}"
            );
        }
    }
    // The spec refuses ASCII spaces and control characters only, as the API does: other
    // Unicode white space or controls are the API's to judge, not refused here.
    for ok in ["zoë\u{2003}x@c.com", "zoë\u{85}x@c.com", "a\u{a0}b@c.com"] {
        assert!(ok.parse::<Email>().is_ok(), "{ok:?}");
        assert!(Email::try_from(ok.to_owned()).is_ok(), "{ok:?}");
    }
    // The spec's bound is 320 characters, counted as characters, not bytes.
    let longest = format!("{}@example.com", "a".repeat(320 - "@example.com".len()));
    let longest_wide = format!("{}@example.com", "ë".repeat(320 - "@example.com".len()));
    for ok in [&longest, &longest_wide] {
        assert!(
            ok.parse::<Email>().is_ok(),
            "{} characters",
            ok.chars().count()
        );
    }
    let too_long = format!("a{longest}");
    assert!(too_long.parse::<Email>().is_err());

    let e = "anne.baker@example.com".parse::<Email>().unwrap();
    let shown = format!("{e}{e:?}");
    assert!(
        !shown.contains("anne.baker") && !shown.contains("example.com"),
        "{shown}"
    );
}

#[test]
fn address_lines_are_redacted() {
    let l = "50 Main St".parse::<AddressLine>().unwrap();
    assert!(!format!("{l}{l:?}").contains("Main"));
    assert_eq!(l.expose(), "50 Main St");
    assert!("  ".parse::<AddressLine>().is_err());
}

/// Each value built from text, through `str::parse`, `TryFrom<&str>` and `TryFrom<String>`:
/// a valid value is accepted, an invalid one refused naming the field, its text kept out of
/// the message.
#[test]
fn every_value_is_built_from_text_three_ways() {
    fn check<T>(valid: &str, invalid: &str, field: &str)
    where
        T: std::str::FromStr<Err = Error>
            + for<'a> TryFrom<&'a str, Error = Error>
            + TryFrom<String, Error = Error>,
    {
        assert!(valid.parse::<T>().is_ok(), "{field}");
        assert!(T::try_from(valid).is_ok(), "{field}");
        assert!(T::try_from(valid.to_owned()).is_ok(), "{field}");
        let errors = [
            invalid.parse::<T>().err(),
            T::try_from(invalid).err(),
            T::try_from(invalid.to_owned()).err(),
        ];
        for err in errors {
            let err = err.unwrap_or_else(|| panic!("{field}: the invalid value is refused"));
            assert!(
                matches!(&err, Error::Validation { field: f, .. } if *f == field),
                "{err:?}"
            );
            if !invalid.trim().is_empty() {
                assert!(!err.to_string().contains(invalid), "{err}");
            }
        }
    }
    check::<Ssn>("123-45-6789", "123456789", "ssn");
    check::<SsnLast4>("6789", "67890", "ssn_last_4");
    check::<DateOfBirth>("2000-01-01", "1899-12-31", "dob");
    check::<PhoneNumber>("+12124567890", "212-456-7890", "phone_number");
    check::<Email>("anne.baker@example.com", "anne.baker@example", "email");
    check::<AddressLine>("50 Main St", "  ", "address_line_1");
    check::<Identifier>("X1234567", " ", "personal_ids.identifier");
}
