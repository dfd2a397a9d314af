//! Validates every response a test receives against what `openapi/synctera.yaml` documents for
//! that operation: the status must be documented, the content type must match, and the body
//! must satisfy the response schema (with `$ref`s resolved into `components`).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use serde_json::{Value, json};

struct Spec {
    doc: Value,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

static SPEC: LazyLock<Spec> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/synctera.yaml");
    let text = std::fs::read_to_string(path).expect("openapi/synctera.yaml is readable");
    let doc: Value = serde_yaml_ng::from_str(&text).expect("spec parses");
    Spec {
        doc,
        validators: Mutex::new(HashMap::new()),
    }
});

/// The spec's path template for a concrete `/v0/...`-relative path, preferring literal segments.
fn template(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    let segs: Vec<&str> = path.split('/').collect();
    let paths = SPEC.doc["paths"].as_object()?;
    let mut best: Option<(usize, &String)> = None;
    for t in paths.keys() {
        let ts: Vec<&str> = t.split('/').collect();
        if ts.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let ok = ts.iter().zip(&segs).all(|(a, b)| {
            if a.starts_with('{') {
                true
            } else if a == b {
                literal += 1;
                true
            } else {
                false
            }
        });
        if ok && best.is_none_or(|(l, _)| literal > l) {
            best = Some((literal, t));
        }
    }
    best.map(|(_, t)| t.clone())
}

fn resolve(v: &Value) -> &Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let ptr = r.trim_start_matches('#');
            resolve(
                SPEC.doc
                    .pointer(ptr)
                    .unwrap_or_else(|| panic!("unresolvable $ref {r}")),
            )
        }
        None => v,
    }
}

fn validator(key: &str, schema: &Value) -> std::sync::Arc<jsonschema::Validator> {
    let mut cache = SPEC.validators.lock().unwrap();
    cache
        .entry(key.to_string())
        .or_insert_with(|| {
            let root = json!({
                "allOf": [schema],
                "components": SPEC.doc["components"],
            });
            std::sync::Arc::new(
                jsonschema::draft4::options()
                    .should_validate_formats(true)
                    .build(&root)
                    .expect("response schema compiles"),
            )
        })
        .clone()
}

/// How many responses were checked against a schema (so a suite can prove it checked some).
pub static CHECKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Panics when a response does not conform to the spec.
pub fn check(method: &str, path: &str, status: u16, content_type: &str, body: &Value) {
    // Injected faults are checked like any answer: every operation documents 503 (and 429)
    // as problem+json. Only dropped connections, which have no answer, are outside the spec.
    let Some(t) = template(path) else {
        // Unknown paths: only the problem shape is promised.
        assert_eq!(content_type, "application/problem+json", "{method} {path}");
        return;
    };
    let Some(op) = SPEC.doc["paths"][&t].get(method.to_ascii_lowercase()) else {
        assert_eq!(
            status, 405,
            "{method} {path}: method not in spec but answered {status}"
        );
        return;
    };
    let responses = &op["responses"];
    let resp = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"))
        .unwrap_or_else(|| panic!("{method} {t}: status {status} is not documented; body {body}"));
    let resp = resolve(resp);
    let Some(content) = resp.get("content").and_then(Value::as_object) else {
        return;
    };
    let media = content.get(content_type).unwrap_or_else(|| {
        panic!("{method} {t} {status}: content type {content_type} not documented")
    });
    let schema = resolve(&media["schema"]);
    documented_code(method, &t, op, resp, media, status, body);
    let key = format!("{method} {t} {status} {content_type}");
    let v = validator(&key, schema);
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{key}: response does not conform: {errors:?}\nbody: {body}"
    );
    CHECKED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Panics when a `Retry-After` header is present but is not what the spec's `RetryAfter`
/// header says: a whole number of seconds, at least 0.
pub fn check_retry_after(method: &str, path: &str, headers: &reqwest::header::HeaderMap) {
    if let Some(v) = headers.get("retry-after") {
        let ok = v
            .to_str()
            .ok()
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
        assert!(
            ok,
            "{method} {path}: Retry-After {v:?} is not a number of seconds"
        );
    }
}

/// A 4xx problem's `code` must be one the spec names for that answer: in the response's
/// description or example, or in the operation's description. A client reads `code` to decide
/// what went wrong, so a code the spec never mentions is a behaviour it does not describe.
fn documented_code(
    method: &str,
    t: &str,
    op: &Value,
    resp: &Value,
    media: &Value,
    status: u16,
    body: &Value,
) {
    let Some(code) = body["code"].as_str() else {
        return;
    };
    if !(400..500).contains(&status) {
        return;
    }
    let quoted = format!("`{code}`");
    let named = |v: &Value| v.as_str().is_some_and(|d| d.contains(&quoted));
    assert!(
        named(&resp["description"])
            || named(&op["description"])
            || media["example"]["code"].as_str() == Some(code),
        "{method} {t} {status}: code {code} is not named by the spec for this answer"
    );
}
