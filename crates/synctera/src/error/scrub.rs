//! Masking of personal data in the text of a server's problem report.
//!
//! The `title` and `detail` of an [`Error::Api`](super::Error::Api) are Synctera's words, shown
//! by `Display` and `Debug` and so written into logs. The SDK never puts a submitted value into
//! an error; the server is not bound by that, and a `detail` that quotes a request
//! (`"ssn 123-45-6789 does not match"`, `"alice@example.com is taken"`) would carry PII into
//! every log line that prints the error. So before the text is kept, whatever has the shape of an
//! e-mail address, or is a free-standing number of 6 to 15 digits (an SSN, a phone number, a
//! date of birth written `1990-01-01`), is masked. The words around them, field names, UUIDs and
//! timestamps (`2022-04-13T01:52:40Z`) are kept.

/// `text` with e-mail addresses and free-standing long numbers masked.
pub(crate) fn scrub(text: &str) -> String {
    mask_numbers(&mask_emails(text))
}

/// What ends an e-mail address (or the word around an `@`).
fn is_boundary(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '<' | '>' | '(' | ')' | '[' | ']' | ',' | ';'
        )
}

/// Replaces each word holding an `@` with something before it and a dot after it by `***@***`.
fn mask_emails(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let start = rest[..at]
            .char_indices()
            .rev()
            .find(|&(_, c)| is_boundary(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = rest[at..]
            .char_indices()
            .find(|&(_, c)| is_boundary(c))
            .map_or(rest.len(), |(i, _)| at + i);
        let domain = rest[at + 1..end].trim_end_matches(['.', ':']);
        let is_email =
            start < at && domain.contains('.') && !domain.starts_with('.') && !domain.contains('@');
        out.push_str(&rest[..start]);
        if is_email {
            out.push_str("***@***");
            // A sentence's full stop (or colon) after the address stays.
            out.push_str(&rest[at + 1 + domain.len()..end]);
        } else {
            out.push_str(&rest[start..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Characters that may join the digits of one number (`123-45-6789`, `+1 (437)`, `1990/01/01`).
fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '.' | '/' | '+' | '(' | ')')
}

/// Masks every digit of a run of digits and joiners that stands alone (no letter or digit
/// touches it: `T` after a date makes a timestamp, hex around digits a UUID) and holds 6 to 15
/// digits.
fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !(c.is_ascii_digit() || c == '+') {
            out.push(c);
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && (chars[end].is_ascii_digit() || is_joiner(chars[end])) {
            end += 1;
        }
        // A trailing joiner (a full stop, a closing bracket) is punctuation, not the number's.
        while end > i && !chars[end - 1].is_ascii_digit() {
            end -= 1;
        }
        let run = &chars[i..end.max(i + 1)];
        let alone = |c: Option<&char>| c.is_none_or(|c| !c.is_alphanumeric() && *c != '_');
        let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
        let masked = (6..=15).contains(&digits)
            && alone(i.checked_sub(1).and_then(|p| chars.get(p)))
            && alone(chars.get(i + run.len()));
        for &d in run {
            out.push(if masked && d.is_ascii_digit() { '*' } else { d });
        }
        i += run.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn personal_data_is_masked() {
        for (given, shown) in [
            (
                "ssn 123-45-6789 does not match",
                "ssn ***-**-**** does not match",
            ),
            ("ssn=123456789.", "ssn=*********."),
            (
                "alice@example.com is already in use.",
                "***@*** is already in use.",
            ),
            ("email \"bob.s@mail.example.org\"", "email \"***@***\""),
            ("phone +14374570680 invalid", "phone +*********** invalid"),
            ("phone (+1 437-457-0680)", "phone (+1 ***-***-****)"),
            ("dob: 1990-01-01", "dob: ****-**-**"),
        ] {
            assert_eq!(scrub(given), shown, "{given}");
        }
    }

    #[test]
    fn the_rest_of_the_text_is_kept() {
        for kept in [
            "missing required fields: first_name, dob",
            "no such person 7d943c51-e4ff-4e57-9558-08cab6b963c7",
            "person 12345678-1234-1234-1234-123456789012 not found",
            "deleted at 2022-04-13T01:52:40.690387Z",
            "limit must be at most 100; got 12345",
            "sort_by field@asc is not allowed",
            "write to @synctera",
            "ssn_last_4 must be 4 digits",
            "",
        ] {
            assert_eq!(scrub(kept), kept);
        }
    }
}
