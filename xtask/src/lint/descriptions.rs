//! Description rules: what a reader of the spec (and of the generated docs) is told.
//!
//! - Every schema property has a non-empty `description`. A property that names a shared schema
//!   writes it as `description` + `allOf: [$ref]`: OpenAPI 3.0 ignores every sibling of a bare
//!   `$ref`, so a description written beside one would be silently dropped.
//! - Every string `enum` has `x-enumDescriptions` (Redocly's extension, a map value -> text)
//!   with a non-empty entry for each value and no entry for a value the enum lacks. The codegen
//!   turns these entries into the raw crate's variant docs.

use serde_json::Value;

use super::{Finding, seg};
use crate::codegen::docs::ENUM_DESCRIPTIONS;

/// Check every schema in the spec (components, parameters, inline bodies).
pub(super) fn check_descriptions(value: &Value, ptr: &str, out: &mut Vec<Finding>) {
    match value {
        Value::Object(obj) => {
            check_enum(obj, ptr, out);
            for (key, sub) in obj {
                let sub_ptr = format!("{ptr}/{}", seg(key));
                if key == "properties" {
                    // Keys here are property names, not keywords (a property may be called
                    // `enum` or `description`).
                    for (name, schema) in sub.as_object().into_iter().flatten() {
                        let prop_ptr = format!("{sub_ptr}/{}", seg(name));
                        check_property(name, schema, &prop_ptr, out);
                        check_descriptions(schema, &prop_ptr, out);
                    }
                } else if key != "example" && key != "examples" && key != ENUM_DESCRIPTIONS {
                    check_descriptions(sub, &sub_ptr, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_descriptions(item, &format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn check_property(name: &str, schema: &Value, ptr: &str, out: &mut Vec<Finding>) {
    let described = schema["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty());
    if schema.get("$ref").is_some() {
        let message = if described {
            format!(
                "property `{name}`: a description beside a bare `$ref` is ignored in OpenAPI \
                 3.0; write `description` + `allOf: [$ref]`"
            )
        } else {
            format!(
                "property `{name}` has no description; for a `$ref`, write `description` + \
                 `allOf: [$ref]`"
            )
        };
        out.push(Finding {
            pointer: ptr.to_string(),
            message,
        });
    } else if !described {
        out.push(Finding {
            pointer: ptr.to_string(),
            message: format!("property `{name}` has no description"),
        });
    }
}

fn check_enum(obj: &serde_json::Map<String, Value>, ptr: &str, out: &mut Vec<Finding>) {
    let values: Vec<&str> = obj
        .get("enum")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let descriptions = obj.get(ENUM_DESCRIPTIONS);
    let mut finding = |suffix: &str, message: String| {
        out.push(Finding {
            pointer: format!("{ptr}{suffix}"),
            message,
        })
    };
    if values.is_empty() {
        if descriptions.is_some() {
            finding(
                &format!("/{ENUM_DESCRIPTIONS}"),
                format!("{ENUM_DESCRIPTIONS} on a schema without string `enum` values"),
            );
        }
        return;
    }
    let Some(descriptions) = descriptions.and_then(Value::as_object) else {
        finding(
            "",
            format!("enum has no {ENUM_DESCRIPTIONS} (a map from each value to its description)"),
        );
        return;
    };
    for value in &values {
        let text = descriptions.get(*value).and_then(Value::as_str);
        if text.is_none_or(|t| t.trim().is_empty()) {
            finding(
                &format!("/{ENUM_DESCRIPTIONS}"),
                format!("enum value `{value}` has no description"),
            );
        }
    }
    for key in descriptions.keys() {
        if !values.contains(&key.as_str()) {
            finding(
                &format!("/{ENUM_DESCRIPTIONS}/{}", seg(key)),
                format!("describes `{key}`, which is not a value of the enum"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(schemas: &str) -> Vec<String> {
        let spec: Value =
            serde_norway::from_str(&format!("components:\n  schemas:{schemas}\n")).unwrap();
        let mut out = Vec::new();
        check_descriptions(&spec, "", &mut out);
        out.sort();
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn described_properties_and_fully_described_enums_pass() {
        let schemas = "
    Mode:
      type: string
      enum: [ON, 'a:b']
      x-enumDescriptions: {ON: On., 'a:b': Both.}
    Thing:
      type: object
      properties:
        mode: {description: The mode., allOf: [{$ref: '#/components/schemas/Mode'}]}
        enum: {type: string, description: A property called enum.}
        list: {type: array, description: Some., items: {type: object, properties: {n: {type: integer, description: N.}}}}
      example: {mode: ON, list: [{n: 1, undocumented: true}]}";
        assert_eq!(findings(schemas), Vec::<String>::new());
    }

    #[test]
    fn undescribed_properties_are_reported_wherever_they_are() {
        let schemas = "
    Mode: {type: string, enum: [ON], x-enumDescriptions: {ON: On.}}
    Thing:
      type: object
      properties:
        bare: {$ref: '#/components/schemas/Mode'}
        beside: {$ref: '#/components/schemas/Mode', description: Ignored.}
        blank: {type: string, description: '  '}
        list: {type: array, description: Some., items: {type: object, properties: {n: {type: integer}}}}";
        assert_eq!(
            findings(schemas),
            [
                "/components/schemas/Thing/properties/bare: property `bare` has no description; \
                 for a `$ref`, write `description` + `allOf: [$ref]`",
                "/components/schemas/Thing/properties/beside: property `beside`: a description \
                 beside a bare `$ref` is ignored in OpenAPI 3.0; write `description` + \
                 `allOf: [$ref]`",
                "/components/schemas/Thing/properties/blank: property `blank` has no description",
                "/components/schemas/Thing/properties/list/items/properties/n: property `n` has \
                 no description",
            ]
        );
    }

    #[test]
    fn enum_values_need_exactly_their_own_descriptions() {
        let schemas = "
    Missing: {type: string, enum: [A]}
    Partial:
      type: string
      enum: [A, B, C]
      x-enumDescriptions: {A: a., B: '', D: d.}
    NotAnEnum: {type: string, x-enumDescriptions: {A: a.}}";
        assert_eq!(
            findings(schemas),
            [
                "/components/schemas/Missing: enum has no x-enumDescriptions (a map from each \
                 value to its description)",
                "/components/schemas/NotAnEnum/x-enumDescriptions: x-enumDescriptions on a \
                 schema without string `enum` values",
                "/components/schemas/Partial/x-enumDescriptions: enum value `B` has no \
                 description",
                "/components/schemas/Partial/x-enumDescriptions: enum value `C` has no \
                 description",
                "/components/schemas/Partial/x-enumDescriptions/D: describes `D`, which is not a \
                 value of the enum",
            ]
        );
    }

    #[test]
    fn the_workspace_spec_describes_every_property_and_enum_value() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/synctera.yaml");
        let spec: Value = serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut out = Vec::new();
        check_descriptions(&spec, "", &mut out);
        assert_eq!(out, Vec::<Finding>::new());
    }
}
