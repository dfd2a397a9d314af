//! The generated pattern checks run on `regex-lite`, not `regress`.
//!
//! Why: typify compiles each string `pattern` with `regress` (an ECMAScript engine, as JSON
//! Schema prescribes), and `regress` alone takes ~4.5 s of a user's cold build, a fifth of
//! everything `synctera` adds to it, for six patterns of digits, letters and counts.
//! `regex-lite` (the regex project's small engine) compiles in under a second and has the same
//! `Regex::new(..)` / `find(..)` shape, so the calls are re-pointed, not rewritten.
//!
//! The two engines speak different dialects, so the swap is only sound for patterns both read
//! the same way. Generation checks that for every pattern in the spec: both engines must accept
//! it, and they must agree on the schema's examples, on every one-character edit of them
//! (substitution, deletion, insertion), and on a fixed set of pseudo-random strings. A pattern
//! the engines read differently fails `cargo xtask codegen` (and `--check` in CI) with its
//! location and the string they disagree on.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use openapiv3::OpenAPI;
use syn::visit_mut::VisitMut;

/// The crate typify's output names, and the one it is re-pointed to.
const FROM_CRATE: &str = "regress";
const TO_CRATE: &str = "regex_lite";

/// Pseudo-random strings checked per pattern, besides the examples and their edits.
const RANDOM_SAMPLES: usize = 4_000;

/// Check that every spec pattern reads the same in both engines, then re-point the generated
/// `::regress::` paths to `::regex_lite::`. Fails if the output names `regress` in any other way,
/// or has no pattern check although the spec has patterns.
pub fn use_regex_lite(spec: &OpenAPI, file: &mut syn::File) -> Result<()> {
    let patterns = spec_patterns(spec)?;
    for (pattern, (location, examples)) in &patterns {
        engines_agree(pattern, examples).with_context(|| format!("pattern at {location}"))?;
    }

    let mut repoint = Repoint { count: 0 };
    repoint.visit_file_mut(file);
    let rest = quote::quote!(#file).to_string();
    if rest.contains(FROM_CRATE) {
        bail!("progenitor output still names `{FROM_CRATE}` after re-pointing its paths");
    }
    if repoint.count == 0 && !patterns.is_empty() {
        bail!(
            "the spec has {} pattern(s) but progenitor output names no `::{FROM_CRATE}::` path",
            patterns.len()
        );
    }
    Ok(())
}

/// Rewrites the leading segment of `::regress::...` paths.
struct Repoint {
    count: usize,
}

impl VisitMut for Repoint {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if let Some(first) = path.segments.first_mut()
            && first.ident == FROM_CRATE
        {
            first.ident = syn::Ident::new(TO_CRATE, first.ident.span());
            self.count += 1;
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

/// Every `pattern` in the spec, with where it was found first and the string examples of every
/// schema that carries it.
fn spec_patterns(spec: &OpenAPI) -> Result<BTreeMap<String, (String, Vec<String>)>> {
    fn walk(
        value: &serde_json::Value,
        at: &str,
        out: &mut BTreeMap<String, (String, Vec<String>)>,
    ) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(pattern)) = map.get("pattern") {
                    let entry = out
                        .entry(pattern.clone())
                        .or_insert_with(|| (at.to_owned(), Vec::new()));
                    if let Some(serde_json::Value::String(example)) = map.get("example") {
                        entry.1.push(example.clone());
                    }
                }
                for (key, inner) in map {
                    walk(inner, &format!("{at}/{key}"), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, inner) in items.iter().enumerate() {
                    walk(inner, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let value = serde_json::to_value(spec).context("serializing the spec")?;
    let mut out = BTreeMap::new();
    walk(&value, "#", &mut out);
    Ok(out)
}

/// Both engines compile `pattern` and match the same strings among `examples`, their
/// one-character edits and [`RANDOM_SAMPLES`] pseudo-random strings.
fn engines_agree(pattern: &str, examples: &[String]) -> Result<()> {
    let ecma = regress::Regex::new(pattern)
        .map_err(|e| anyhow::anyhow!("regress rejects `{pattern}`: {e}"))?;
    let lite = regex_lite::Regex::new(pattern)
        .map_err(|e| anyhow::anyhow!("regex-lite rejects `{pattern}`: {e}"))?;
    // What the strings are made of: the pattern's own characters (its literals and class
    // bounds) plus digits, letters and the punctuation the spec's formats use.
    let mut alphabet: Vec<char> = pattern.chars().collect();
    alphabet.extend("0123456789azAZmM +-._/\u{e9}\u{a0}\r\n".chars());
    alphabet.sort_unstable();
    alphabet.dedup();

    let mut samples: Vec<String> = vec![String::new()];
    for example in examples {
        samples.push(example.clone());
        let chars: Vec<char> = example.chars().collect();
        for i in 0..=chars.len() {
            for &c in &alphabet {
                let mut inserted = chars.clone();
                inserted.insert(i, c);
                samples.push(inserted.into_iter().collect());
                if i < chars.len() {
                    let mut replaced = chars.clone();
                    replaced[i] = c;
                    samples.push(replaced.into_iter().collect());
                }
            }
            if i < chars.len() {
                let mut deleted = chars.clone();
                deleted.remove(i);
                samples.push(deleted.into_iter().collect());
            }
        }
    }
    // A fixed linear congruential sequence: the same strings on every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..RANDOM_SAMPLES {
        let len = next() % 20;
        samples.push(
            (0..len)
                .map(|_| alphabet[next() % alphabet.len()])
                .collect(),
        );
    }

    for sample in &samples {
        let by_ecma = ecma.find(sample).is_some();
        let by_lite = lite.find(sample).is_some();
        if by_ecma != by_lite {
            bail!(
                "regress and regex-lite disagree on `{pattern}` for {sample:?} \
                 (regress: {by_ecma}, regex-lite: {by_lite})"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_patterns_read_the_same_in_both_engines() {
        let spec = crate::codegen::load_spec(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(crate::codegen::SPEC_PATH),
        )
        .unwrap();
        let patterns = spec_patterns(&spec).unwrap();
        assert!(!patterns.is_empty());
        for (pattern, (location, examples)) in &patterns {
            assert!(
                !examples.is_empty(),
                "{location}: `{pattern}` has no example"
            );
            engines_agree(pattern, examples).unwrap();
        }
    }

    #[test]
    fn a_pattern_the_dialects_read_differently_is_refused() {
        // ECMAScript's `\s` takes Unicode spaces (U+00A0), regex-lite's only ASCII ones.
        let err = engines_agree(r"^a\sb$", &["a b".to_owned()]).unwrap_err();
        assert!(format!("{err:#}").contains("disagree"), "{err:#}");
        // ECMAScript's `.` stops at `\r`, regex-lite's only at `\n`.
        let err = engines_agree("^a.b$", &["axb".to_owned()]).unwrap_err();
        assert!(format!("{err:#}").contains("disagree"), "{err:#}");
        // A Unicode class: regex-lite has none.
        assert!(engines_agree(r"^\p{L}$", &["x".to_owned()]).is_err());
        // What the spec's patterns are made of reads the same in both.
        engines_agree(r"^\+[1-9][0-9]{1,14}$", &["+12125550199".to_owned()]).unwrap();
    }

    #[test]
    fn regress_paths_are_re_pointed_and_nothing_else_named_regress_survives() {
        let spec: OpenAPI = serde_json::from_value(serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"Code": {
                "type": "string", "pattern": "^[A-Z]{2}$", "example": "NY"
            }}}
        }))
        .unwrap();
        let mut file: syn::File = syn::parse_quote! {
            fn check(value: &str) -> bool {
                static PATTERN: ::std::sync::LazyLock<::regress::Regex> =
                    ::std::sync::LazyLock::new(|| ::regress::Regex::new("^[A-Z]{2}$").unwrap());
                PATTERN.find(value).is_some()
            }
        };
        use_regex_lite(&spec, &mut file).unwrap();
        let code = quote::quote!(#file).to_string();
        assert!(!code.contains("regress"), "{code}");
        assert_eq!(code.matches(":: regex_lite :: Regex").count(), 2, "{code}");

        // Output with no pattern check while the spec has patterns: progenitor changed.
        let mut empty: syn::File = syn::parse_quote! { fn f() {} };
        let err = use_regex_lite(&spec, &mut empty).unwrap_err();
        assert!(err.to_string().contains("names no"), "{err}");
    }
}
