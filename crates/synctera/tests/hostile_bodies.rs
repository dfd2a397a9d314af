//! Hostile bodies never panic (issue 17, item 3). A broken proxy or a hostile server answers the
//! real facade client, over loopback, with random bytes, HTML error pages, invalid UTF-8, JSON
//! nested ten thousand levels deep, numbers no integer or float holds, wrong content types, and
//! the sandbox's own answers truncated or damaged at a random place, under 2xx, 3xx, 4xx and 5xx
//! statuses, for every operation. Each call must end in a typed `synctera::Error` (or, for a
//! body that is in fact valid, a success), never a panic, and no error message, `Display`,
//! `Debug` or source, may quote the body: bodies carry a fake SSN and an e-mail address that
//! must not come back. The one exception is documented behaviour: an error status's problem
//! document is shown by its `title`, `detail` and `code`.

mod hostile;

use std::sync::OnceLock;

use hostile::{Answer, FORBIDDEN, MARKER_EMAIL, MARKER_SSN, OPERATIONS, Peer};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::Value;
use synctera::Error;

/// Statuses of every class an answer can carry; the documented success statuses most often.
fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => select(vec![200u16, 201, 204]),
        1 => 202u16..=299,
        1 => 300u16..=399,
        3 => 400u16..=499,
        2 => 500u16..=599,
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        select(vec![
            "application/json",
            "application/problem+json",
            "text/html; charset=utf-8",
            "text/plain",
            "application/octet-stream",
            "application/json; charset=utf-16",
        ])
        .prop_map(|t| Some(t.to_owned())),
        "[!-~][ -~]{0,38}[!-~]".prop_map(Some),
    ]
}

fn marker() -> impl Strategy<Value = String> {
    select(vec![
        MARKER_SSN.to_owned(),
        MARKER_EMAIL.to_owned(),
        format!("ssn={MARKER_SSN}&email={MARKER_EMAIL}"),
    ])
}

/// Numbers that overflow every integer type or are out of `f64`'s range.
const HUGE: &[&str] = &[
    "1e400",
    "-1e400",
    "1180591620717411303424",
    "-1180591620717411303424",
    "18446744073709551616",
    "9223372036854775808",
    "1.7976931348623157e309",
    "123456789012345678901234567890123456789012345678901234567890",
];

/// Byte sequences that are not UTF-8: a stray byte, an overlong form, a surrogate, a cut-off
/// sequence, a five-byte form.
const NOT_UTF8: &[&[u8]] = &[
    &[0xff],
    &[0xfe, 0xff],
    &[0xc0, 0xaf],
    &[0xed, 0xa0, 0x80],
    &[0xe2, 0x82],
    &[0xf8, 0x88, 0x80, 0x80, 0x80],
];

/// `depth` levels of `[` or `{"a":`, closed or left open, with `inner` at the bottom.
fn nested(depth: usize, object: bool, closed: bool, inner: &str) -> Vec<u8> {
    let (open, close) = if object { ("{\"a\":", "}") } else { ("[", "]") };
    let mut text = open.repeat(depth);
    text.push_str(inner);
    if closed {
        text.push_str(&close.repeat(depth));
    }
    text.into_bytes()
}

fn quoted(marker: &str) -> String {
    serde_json::to_string(marker).unwrap()
}

/// Whole bodies that are no answer of this API at all.
fn foreign_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Random bytes, the marker somewhere among them.
        (prop::collection::vec(any::<u8>(), 0..2048), any::<Index>(), marker()).prop_map(
            |(mut bytes, at, marker)| {
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, marker.into_bytes());
                bytes
            }
        ),
        // A proxy's error page that echoes the request.
        (select(vec!["502 Bad Gateway", "403 Forbidden", "200 OK"]), "[ -~]{0,200}", marker())
            .prop_map(|(title, junk, marker)| {
                format!(
                    "<!DOCTYPE html><html><head><title>{title}</title></head><body>\
                     <h1>{title}</h1><p>upstream rejected {marker}</p>{junk}</body></html>"
                )
                .into_bytes()
            }),
        // Invalid UTF-8 inside a string of a problem-shaped document.
        (select(NOT_UTF8.to_vec()), marker(), any::<bool>()).prop_map(|(bad, marker, in_title)| {
            let mut body = b"{\"title\":\"Bad Request".to_vec();
            if in_title {
                body.extend_from_slice(bad);
            }
            body.extend_from_slice(b"\",\"detail\":\"rejected ");
            body.extend_from_slice(marker.as_bytes());
            body.extend_from_slice(bad);
            body.extend_from_slice(b"\",\"status\":400}");
            body
        }),
        // Nesting far past any parser's depth limit.
        (1_000usize..=20_000, any::<bool>(), any::<bool>(), marker())
            .prop_map(|(depth, object, closed, marker)| nested(depth, object, closed, &quoted(&marker))),
        // Numbers no integer or float holds, where the documents have numbers and strings.
        (select(HUGE.to_vec()), marker(), 0usize..4).prop_map(|(huge, marker, shape)| {
            let marker = quoted(&marker);
            match shape {
                0 => huge.to_owned(),
                1 => format!("{{\"status\":{huge},\"detail\":{marker},\"title\":{marker}}}"),
                2 => format!("{{\"persons\":[{{\"id\":{huge},\"email\":{marker}}}],\"next_page_token\":{huge}}}"),
                _ => format!("[{huge},{marker}]"),
            }
            .into_bytes()
        }),
        // JSON that is not an object, and nothing at all.
        (select(vec!["", " ", "null", "true", "0", "[]", "{}", "\"\""]), marker()).prop_flat_map(
            |(plain, marker)| select(vec![plain.as_bytes().to_vec(), quoted(&marker).into_bytes()])
        ),
    ]
}

/// A value put in place of one node of an honest document, as JSON text (valid or not).
fn hostile_fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        select(HUGE.to_vec()).prop_map(|h| h.as_bytes().to_vec()),
        select(vec!["true", "null", "{}", "[]", "-1", "1.5", "\"\"", "0"])
            .prop_map(|v| v.as_bytes().to_vec()),
        marker().prop_map(|m| format!("{{\"x\":{}}}", quoted(&m)).into_bytes()),
        (1usize..100_000).prop_map(|n| format!("\"{}\"", "a".repeat(n)).into_bytes()),
        (select(NOT_UTF8.to_vec()), marker()).prop_map(|(bad, marker)| {
            [b"\"".as_slice(), marker.as_bytes(), bad, b"\""].concat()
        }),
        Just(b"\"\\ud800\"".to_vec()),
        (1_000usize..=20_000, any::<bool>(), any::<bool>(), marker()).prop_map(
            |(depth, object, closed, marker)| nested(depth, object, closed, &quoted(&marker))
        ),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// Where a node can be replaced: the JSON pointers of every node of `doc`, the root included.
fn pointers(doc: &Value, at: String, out: &mut Vec<String>) {
    match doc {
        Value::Object(map) => {
            for (key, value) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(value, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                pointers(value, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

const PLACEHOLDER: &str = "@@hostile-fragment@@";

/// An honest document with the marker in one of its strings, one node replaced by `fragment`
/// (spliced in as text: a 20,000-level `Value` would overflow the test's own stack), and cut
/// short when `cut` says so.
fn damage(
    body: &[u8],
    marker: &str,
    marker_at: Index,
    hostile_at: Index,
    fragment: &[u8],
    cut: Option<Index>,
) -> Vec<u8> {
    let mut doc: Value =
        serde_json::from_slice(body).unwrap_or_else(|_| Value::Object(Default::default()));
    let mut nodes = Vec::new();
    pointers(&doc, String::new(), &mut nodes);
    let strings: Vec<&String> = nodes
        .iter()
        .filter(|p| doc.pointer(p).is_some_and(Value::is_string))
        .collect();
    if !strings.is_empty() {
        let at = strings[marker_at.index(strings.len())].clone();
        *doc.pointer_mut(&at).unwrap() = Value::String(marker.to_owned());
    }
    *doc.pointer_mut(&nodes[hostile_at.index(nodes.len())])
        .unwrap() = Value::String(PLACEHOLDER.to_owned());
    let text = serde_json::to_vec(&doc).unwrap();
    let placeholder = quoted(PLACEHOLDER).into_bytes();
    let at = text
        .windows(placeholder.len())
        .position(|w| w == placeholder)
        .unwrap();
    let mut damaged = [&text[..at], fragment, &text[at + placeholder.len()..]].concat();
    if let Some(cut) = cut {
        damaged.truncate(cut.index(damaged.len().max(1)));
    }
    damaged
}

/// The only parts of a body an error may show: the `title`, `detail` and `code` of the problem
/// document an error status carries (as `Error::Api` documents).
fn shown_problem_fields(answer: &Answer) -> Vec<String> {
    let doc: Option<Value> = match answer.status {
        // The client's hook keeps an error body only if it is a problem document.
        400.. => serde_json::from_slice::<synctera_raw::types::Problem>(&answer.body)
            .ok()
            .and_then(|p| serde_json::to_value(p).ok()),
        300..=399 => serde_json::from_slice(&answer.body).ok(),
        _ => None,
    };
    ["title", "detail", "code"]
        .iter()
        .filter_map(|f| doc.as_ref()?.get(f)?.as_str().map(str::to_owned))
        .collect()
}

/// A typed error of the right kind for the status, or a success for a 2xx body that is in fact
/// valid; and no marker in the error's `Display`, `Debug` or any source.
fn check(op: &str, answer: &Answer, result: Result<(), Error>) -> Result<(), TestCaseError> {
    let error = match (result, answer.status) {
        (Ok(()), 200..=299) => return Ok(()),
        (Ok(()), status) => {
            return Err(TestCaseError::fail(format!(
                "{op}: {status} taken for a success"
            )));
        }
        (Err(error @ Error::Decode(_)), 200..=299) => error,
        (Err(error @ Error::Api { .. }), 300..) => {
            prop_assert_eq!(error.status(), Some(answer.status), "{}: {:?}", op, error);
            error
        }
        (Err(error), status) => {
            return Err(TestCaseError::fail(format!(
                "{op}: {status} gave {error:?}"
            )));
        }
    };
    let mut shown = vec![error.to_string(), format!("{error:?}")];
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.extend([cause.to_string(), format!("{cause:?}")]);
        source = cause.source();
    }
    let documented = shown_problem_fields(answer);
    for marker in FORBIDDEN {
        if documented.iter().any(|field| field.contains(marker)) {
            continue;
        }
        for text in &shown {
            prop_assert!(
                !text.contains(marker),
                "{}: the error quotes the body: {}",
                op,
                text
            );
        }
    }
    Ok(())
}

/// One peer per property, reused across its cases (the properties run in parallel).
fn peer(slot: &'static OnceLock<Peer>) -> &'static Peer {
    slot.get_or_init(|| hostile::runtime().block_on(Peer::start()))
}

static FOREIGN_PEER: OnceLock<Peer> = OnceLock::new();
static DAMAGE_PEER: OnceLock<Peer> = OnceLock::new();

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Each case: one foreign answer, given to every operation in turn.
    #[test]
    fn foreign_bodies_give_typed_errors_that_never_quote_them(
        status in status(),
        content_type in content_type(),
        body in foreign_body(),
    ) {
        let answers = hostile::sandbox_answers();
        let peer = peer(&FOREIGN_PEER);
        let client = peer.client();
        let answer = Answer { status, content_type, body };
        peer.answer_with(answer.clone());
        for (op, call) in OPERATIONS {
            let result = hostile::runtime().block_on(call(client, answers.ids));
            check(op, &answer, result)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Each case: one operation's honest answer (or the problem document of an error status)
    /// with the marker in one string, one node replaced by a hostile value, maybe cut short,
    /// under its own status or another.
    #[test]
    fn damaged_answers_give_typed_errors_that_never_quote_them(
        op in 0..OPERATIONS.len(),
        problem in prop::bool::weighted(0.3),
        marker in marker(),
        marker_at in any::<Index>(),
        hostile_at in any::<Index>(),
        fragment in hostile_fragment(),
        cut in prop::option::weighted(0.3, any::<Index>()),
        other_status in prop::option::weighted(0.3, status()),
        content_type in content_type(),
    ) {
        let answers = hostile::sandbox_answers();
        let (id, call) = OPERATIONS[op];
        let honest = if problem { &answers.problem } else { &answers.success[id] };
        let status = match other_status {
            Some(s) if !problem || s >= 400 => s,
            _ => honest.status,
        };
        let body = damage(&honest.body, &marker, marker_at, hostile_at, &fragment, cut);
        let answer = Answer { status, content_type: content_type.or(honest.content_type.clone()), body };
        let peer = peer(&DAMAGE_PEER);
        peer.answer_with(answer.clone());
        let result = hostile::runtime().block_on(call(peer.client(), answers.ids));
        check(id, &answer, result)?;
    }
}

type Parse = fn(&str) -> Result<(), Error>;

/// Every parser of a caller's string into an SDK type that reports a `synctera::Error`.
const PARSERS: &[(&str, Parse)] = &[
    ("PersonId", |s| {
        s.parse::<synctera::ids::PersonId>().map(drop)
    }),
    ("CustomerId", |s| {
        s.parse::<synctera::ids::CustomerId>().map(drop)
    }),
    ("DisclosureId", |s| {
        s.parse::<synctera::ids::DisclosureId>().map(drop)
    }),
    ("VerificationId", |s| {
        s.parse::<synctera::ids::VerificationId>().map(drop)
    }),
    ("AddressId", |s| {
        s.parse::<synctera::ids::AddressId>().map(drop)
    }),
    ("PersonalIdId", |s| {
        s.parse::<synctera::ids::PersonalIdId>().map(drop)
    }),
    ("BusinessId", |s| {
        s.parse::<synctera::ids::BusinessId>().map(drop)
    }),
    ("IdempotencyKey", |s| {
        s.parse::<synctera::IdempotencyKey>().map(drop)
    }),
    ("Ssn", |s| s.parse::<synctera::Ssn>().map(drop)),
    ("SsnLast4", |s| s.parse::<synctera::SsnLast4>().map(drop)),
    ("DateOfBirth", |s| {
        s.parse::<synctera::DateOfBirth>().map(drop)
    }),
    ("PhoneNumber", |s| {
        s.parse::<synctera::PhoneNumber>().map(drop)
    }),
    ("Email", |s| s.parse::<synctera::Email>().map(drop)),
    ("Identifier", |s| {
        s.parse::<synctera::Identifier>().map(drop)
    }),
    ("AddressLine", |s| {
        s.parse::<synctera::pii::AddressLine>().map(drop)
    }),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The SDK's decoding that involves no HTTP: a caller's string into an id, a key or a PII
    /// type. Never a panic; a refusal is a validation error that names the field, not the value.
    #[test]
    fn parsed_strings_give_typed_errors_that_never_quote_them(
        before in any::<String>(),
        marker in marker(),
        after in any::<String>(),
    ) {
        let text = format!("{before}{marker}{after}");
        for (parser, parse) in PARSERS {
            let Err(error) = parse(&text) else { continue };
            prop_assert!(error.field().is_some(), "{}: {:?}", parser, error);
            for shown in [error.to_string(), format!("{error:?}")] {
                for marker in FORBIDDEN {
                    prop_assert!(!shown.contains(marker), "{}: {}", parser, shown);
                }
            }
        }
    }
}

/// The tables above cover the API: every operation the description has is called, makes the
/// request its id names, and is answered by the sandbox (see `hostile::sandbox_answers`).
#[test]
fn every_described_operation_is_exercised() {
    let answers = hostile::sandbox_answers();
    assert_eq!(answers.success.len(), OPERATIONS.len());
    assert!(answers.problem.status >= 400);
}
