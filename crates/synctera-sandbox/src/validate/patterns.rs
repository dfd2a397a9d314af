//! The fixed-shape rules of request fields, checked byte by byte rather than by regex or
//! chrono's parser, which cost several times as much on every person write.

use chrono::NaiveDate;

// The tests hold each check to the pattern it implements.

/// `^[0-9]{3}-[0-9]{2}-[0-9]{4}$`
pub(super) fn is_ssn(s: &str) -> bool {
    shape(s, b"000-00-0000")
}

/// `^\+[1-9][0-9]{1,14}$`
pub(super) fn is_phone(s: &str) -> bool {
    match s.as_bytes() {
        [b'+', b'1'..=b'9', rest @ ..] => (1..=14).contains(&rest.len()) && all_digits(rest),
        _ => false,
    }
}

/// `^[A-Z]{2}$`
pub(super) fn is_country(s: &str) -> bool {
    shape(s, b"AA")
}

/// `^[A-Z0-9]{1,3}$`
pub(super) fn is_state(s: &str) -> bool {
    (1..=3).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// `^[0-9]{5}(-[0-9]{4})?$`
pub(super) fn is_us_zip(s: &str) -> bool {
    shape(s, b"00000") || shape(s, b"00000-0000")
}

/// Whether `s` has the shape of `template`: `0` an ASCII digit, `A` an ASCII capital letter,
/// anything else itself.
fn shape(s: &str, template: &[u8]) -> bool {
    s.len() == template.len()
        && s.bytes().zip(template).all(|(b, t)| match t {
            b'0' => b.is_ascii_digit(),
            b'A' => b.is_ascii_uppercase(),
            _ => b == *t,
        })
}

fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// True when `s` is an e-mail address as the spec's request `email` fields describe it: one
/// `@`, a non-empty local part, a domain with a dot neither first nor last, no ASCII spaces or
/// control characters. As a pattern:
/// `^[^@\x00-\x20\x7f]+@[^@\x00-\x20\x7f.][^@\x00-\x20\x7f]*\.[^@\x00-\x20\x7f]*[^@\x00-\x20\x7f.]$`
pub fn is_email(s: &str) -> bool {
    // Bytes suffice: every excluded character is ASCII, and no byte of a longer UTF-8
    // character is.
    let allowed = |b: &u8| *b > 0x20 && *b != 0x7f;
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let domain = domain.as_bytes();
    let inner = domain
        .get(1..domain.len().saturating_sub(1))
        .unwrap_or_default();
    !local.is_empty()
        && local.bytes().all(|b| allowed(&b))
        && domain.iter().all(|b| allowed(b) && *b != b'@')
        && domain.first().is_some_and(|b| *b != b'.')
        && domain.last().is_some_and(|b| *b != b'.')
        && inner.contains(&b'.')
}

/// An RFC 3339 `full-date` (`YYYY-MM-DD`, ASCII digits), as the spec's `format: date` says.
/// chrono's `%Y-%m-%d` also takes signed years, one-digit fields and blanks (`+1990-1-01`),
/// which the format does not allow.
pub(super) fn full_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    let b = s.as_bytes();
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if let (b'-', b'-', Some(y), Some(m), Some(d)) = (
        b[4],
        b[7],
        number(&b[..4]),
        number(&b[5..7]),
        number(&b[8..]),
    ) {
        return NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    fn chrono_full_date(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|_| s.len() == 10)
    }

    proptest! {
        #[test]
        fn full_date_is_the_strict_rfc3339_form(s in "[0-9 +-]{8,12}") {
            let strict = matches(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", &s);
            prop_assert_eq!(full_date(&s), chrono_full_date(&s).filter(|_| strict));
        }

        #[test]
        fn full_date_reads_dates_as_chrono(y in 0u32..10000, m in 0u32..14, d in 0u32..33) {
            let s = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(full_date(&s), chrono_full_date(&s));
        }
    }

    fn matches(re: &str, s: &str) -> bool {
        Regex::new(re).unwrap().is_match(s)
    }

    const EMAIL: &str = r"^[^@\x00-\x20\x7f]+@[^@\x00-\x20\x7f.][^@\x00-\x20\x7f]*\.[^@\x00-\x20\x7f]*[^@\x00-\x20\x7f.]$";

    fn checks_are_their_patterns(s: &str) {
        assert_eq!(
            is_ssn(s),
            matches(r"^[0-9]{3}-[0-9]{2}-[0-9]{4}$", s),
            "ssn {s:?}"
        );
        assert_eq!(
            is_phone(s),
            matches(r"^\+[1-9][0-9]{1,14}$", s),
            "phone {s:?}"
        );
        assert_eq!(is_country(s), matches(r"^[A-Z]{2}$", s), "country {s:?}");
        assert_eq!(is_state(s), matches(r"^[A-Z0-9]{1,3}$", s), "state {s:?}");
        assert_eq!(
            is_us_zip(s),
            matches(r"^[0-9]{5}(-[0-9]{4})?$", s),
            "zip {s:?}"
        );
        assert_eq!(is_email(s), matches(EMAIL, s), "email {s:?}");
    }

    proptest! {
        #[test]
        fn byte_checks_are_their_patterns(s in "[0-9A-Z+@. \\-a\\x00\\x7fé٣\n]{0,18}") {
            checks_are_their_patterns(&s);
        }

        #[test]
        fn email_check_is_its_pattern(s in "[a.@é \\x7f]{0,4}[@.]{0,2}[a.@é\\x01]{0,5}") {
            checks_are_their_patterns(&s);
        }
    }

    #[test]
    fn byte_checks_edges_are_their_patterns() {
        for s in [
            "123-45-6789",
            "123-45-678",
            "123-45-67890",
            "+12125550123",
            "+0212",
            "+1",
            "+12",
            "+123456789012345",
            "+1234567890123456",
            "US",
            "us",
            "USA",
            "U",
            "NY",
            "Q1",
            "1234",
            "",
            "12345",
            "12345-6789",
            "12345-678",
            "12345\n",
            "a@b.c",
            "a@.b.c",
            "a@b.c.",
            "a@bc",
            "@b.c",
            "a@b@c.d",
            "a b@c.d",
            "é@é.é",
            "a@b..c",
            "a@..c",
            "a@b.\u{7f}",
            "a\u{80}@b.c",
            "x@y.zz",
            "١٢٣-٤٥-٦٧٨٩",
        ] {
            checks_are_their_patterns(s);
        }
    }

    #[test]
    fn full_date_edges() {
        // The strict form reads as chrono reads it; every other spelling is refused.
        for s in [
            "1990-01-01",
            "0000-01-01",
            "2024-02-29",
            "2023-02-29",
            "1990-13-01",
            "1990-00-10",
        ] {
            assert_eq!(full_date(s), chrono_full_date(s), "{s}");
        }
        for s in [
            "+990-01-01",
            "-990-01-01",
            "19900-1-01",
            "1990-1-011",
            " 990-01-01",
            "1990-01- 1",
            "1990/01/01",
            "1990-01-0a",
            "١٩٩٠-01-01",
            "99999-1-1",
            "+1990-1-01",
        ] {
            assert_eq!(full_date(s), None, "{s}");
        }
    }
}
