//! Pattern rules: no `pattern` uses the Unicode-dependent `\d`/`\D` classes.

use serde_json::Value;

use super::{Finding, seg};

/// Every schema `pattern` anywhere in the spec (components, parameters, inline bodies): report
/// the ones that use the Unicode-dependent `\d`/`\D` classes.
pub(super) fn check_patterns(value: &Value, ptr: &str, out: &mut Vec<Finding>) {
    match value {
        Value::Object(obj) => {
            for (key, sub) in obj {
                let sub_ptr = format!("{ptr}/{}", seg(key));
                if key == "pattern"
                    && let Some(pattern) = sub.as_str()
                    && let Some(class) = unicode_digit_class(pattern)
                {
                    out.push(Finding {
                        pointer: sub_ptr.clone(),
                        message: format!(
                            "pattern uses `{class}`, which matches any Unicode digit in some \
                             regex engines (Python's, Rust's); spell digits `[0-9]`"
                        ),
                    });
                }
                if key == "properties" || key == "patternProperties" {
                    // Keys here are property names, not keywords: a property may be called
                    // `pattern`. Only their schemas are searched.
                    if let Some(props) = sub.as_object() {
                        for (name, schema) in props {
                            check_patterns(schema, &format!("{sub_ptr}/{}", seg(name)), out);
                        }
                    }
                } else if key != "example" && key != "examples" {
                    check_patterns(sub, &sub_ptr, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_patterns(item, &format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// `\d` or `\D` when the regex uses one (an escaped backslash followed by `d` does not count).
fn unicode_digit_class(pattern: &str) -> Option<&'static str> {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('d') => return Some("\\d"),
                Some('D') => return Some("\\D"),
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::lint::fixtures::{example_spec, messages, yaml};

    #[test]
    fn unicode_digit_classes_in_patterns_are_reported_wherever_they_are() {
        let schemas = r"
    Ssn: {type: string, pattern: '^\d{3}-[0-9]{2}$', example: 123-45}
    Thing:
      type: object
      properties:
        pattern: {type: string, pattern: '^[0-9]+$', description: p}
        code: {type: string, pattern: '^\D$', description: c}
        path: {type: string, pattern: '^a\\d$', description: p}
        list: {type: array, items: {type: string, pattern: '^x\d$'}, description: l}";
        let spec = example_spec(schemas, "5", "{pattern: '1'}");
        let found: Vec<String> = messages(&spec)
            .into_iter()
            .map(|f| f.split(": ").next().unwrap().to_string())
            .collect();
        assert_eq!(
            found,
            [
                "/components/schemas/Ssn/pattern",
                "/components/schemas/Thing/properties/code/pattern",
                "/components/schemas/Thing/properties/list/items/pattern",
            ],
            "a property named `pattern` and an escaped backslash (`\\\\d`) are not findings"
        );
        assert!(
            messages(&spec)[0].contains("`\\d`") && messages(&spec)[1].contains("`\\D`"),
            "{:#?}",
            messages(&spec)
        );
    }

    #[test]
    fn the_workspace_spec_spells_digits_in_ascii() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/synctera.yaml"),
        )
        .unwrap();
        let mut found = Vec::new();
        check_patterns(&yaml(&text), "", &mut found);
        assert_eq!(found, Vec::<Finding>::new());
    }
}
