//! Example rules: every example validates against its schema, translated from OpenAPI 3.0 to
//! JSON Schema 2020-12.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Finding, METHODS, seg};

/// Where examples sit relative to a schema: the schema itself and its subschemas.
pub(super) fn check_examples(spec: &Value, out: &mut Vec<Finding>) {
    let defs = translated_components(spec);
    let mut checker = ExampleChecker {
        spec,
        defs,
        out,
        validators: BTreeMap::new(),
    };

    if let Some(schemas) = spec["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            checker.schema_tree(schema, &format!("/components/schemas/{}", seg(name)));
        }
    }
    if let Some(params) = spec["components"]["parameters"].as_object() {
        for (name, param) in params {
            checker.parameter(param, &format!("/components/parameters/{}", seg(name)));
        }
    }
    if let Some(responses) = spec["components"]["responses"].as_object() {
        for (name, response) in responses {
            checker.content(
                &response["content"],
                &format!("/components/responses/{}/content", seg(name)),
            );
        }
    }
    if let Some(bodies) = spec["components"]["requestBodies"].as_object() {
        for (name, body) in bodies {
            checker.content(
                &body["content"],
                &format!("/components/requestBodies/{}/content", seg(name)),
            );
        }
    }
    if let Some(paths) = spec["paths"].as_object() {
        for (path, item) in paths {
            let item_ptr = format!("/paths/{}", seg(path));
            if let Some(params) = item["parameters"].as_array() {
                for (i, p) in params.iter().enumerate() {
                    checker.parameter(p, &format!("{item_ptr}/parameters/{i}"));
                }
            }
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let ptr = format!("{item_ptr}/{method}");
                if let Some(params) = op["parameters"].as_array() {
                    for (i, p) in params.iter().enumerate() {
                        checker.parameter(p, &format!("{ptr}/parameters/{i}"));
                    }
                }
                checker.content(
                    &op["requestBody"]["content"],
                    &format!("{ptr}/requestBody/content"),
                );
                if let Some(responses) = op["responses"].as_object() {
                    for (code, response) in responses {
                        checker.content(
                            &response["content"],
                            &format!("{ptr}/responses/{}/content", seg(code)),
                        );
                    }
                }
            }
        }
    }
}

struct ExampleChecker<'a> {
    spec: &'a Value,
    /// `components/schemas`, translated to JSON Schema, as `$defs`.
    defs: Value,
    out: &'a mut Vec<Finding>,
    /// Compiled validators by the pointer of their (translated) schema.
    validators: BTreeMap<String, Option<jsonschema::Validator>>,
}

impl ExampleChecker<'_> {
    /// A schema and every subschema: check each one's `example`.
    fn schema_tree(&mut self, schema: &Value, ptr: &str) {
        let Some(obj) = schema.as_object() else {
            return;
        };
        if obj.contains_key("$ref") {
            return; // Checked where it is defined.
        }
        if let Some(example) = obj.get("example") {
            self.validate(schema, example, ptr, &format!("{ptr}/example"));
        }
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                self.schema_tree(sub, &format!("{ptr}/properties/{}", seg(name)));
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(sub) = obj.get(key) {
                self.schema_tree(sub, &format!("{ptr}/{key}"));
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(subs) = obj.get(key).and_then(Value::as_array) {
                for (i, sub) in subs.iter().enumerate() {
                    self.schema_tree(sub, &format!("{ptr}/{key}/{i}"));
                }
            }
        }
    }

    fn parameter(&mut self, param: &Value, ptr: &str) {
        if param.get("$ref").is_some() {
            return; // Checked under components/parameters.
        }
        let schema = &param["schema"];
        self.schema_tree(schema, &format!("{ptr}/schema"));
        self.examples_of(param, schema, ptr);
    }

    fn content(&mut self, content: &Value, ptr: &str) {
        let Some(media_types) = content.as_object() else {
            return;
        };
        for (mt, media) in media_types {
            let mptr = format!("{ptr}/{}", seg(mt));
            let schema = &media["schema"];
            self.schema_tree(schema, &format!("{mptr}/schema"));
            self.examples_of(media, schema, &mptr);
        }
    }

    /// `example` and `examples.*.value` of a parameter or media type object.
    fn examples_of(&mut self, holder: &Value, schema: &Value, ptr: &str) {
        if schema.is_null() {
            return;
        }
        let schema_ptr = format!("{ptr}/schema");
        if let Some(example) = holder.get("example") {
            self.validate(schema, example, &schema_ptr, &format!("{ptr}/example"));
        }
        if let Some(examples) = holder.get("examples").and_then(Value::as_object) {
            for (name, ex) in examples {
                let ex = resolve(self.spec, ex);
                if let Some(value) = ex.get("value") {
                    self.validate(
                        schema,
                        value,
                        &schema_ptr,
                        &format!("{ptr}/examples/{}/value", seg(name)),
                    );
                }
            }
        }
    }

    fn validate(&mut self, schema: &Value, example: &Value, schema_ptr: &str, example_ptr: &str) {
        let validator = match self.validators.get(schema_ptr) {
            Some(v) => v,
            None => {
                let mut root = translate(schema);
                if let Some(obj) = root.as_object_mut() {
                    obj.insert(
                        "$schema".into(),
                        json!("https://json-schema.org/draft/2020-12/schema"),
                    );
                    obj.insert("$defs".into(), self.defs.clone());
                } else {
                    // A boolean schema: wrap it so it can carry `$defs`.
                    root = json!({"allOf": [root], "$defs": self.defs.clone()});
                }
                let compiled = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&root);
                let compiled = match compiled {
                    Ok(v) => Some(v),
                    Err(e) => {
                        self.out.push(Finding {
                            pointer: schema_ptr.to_string(),
                            message: format!("schema does not compile: {e}"),
                        });
                        None
                    }
                };
                self.validators
                    .entry(schema_ptr.to_string())
                    .or_insert(compiled)
            }
        };
        let Some(validator) = validator else {
            return;
        };
        for error in validator.iter_errors(example) {
            let at = error.instance_path().to_string();
            self.out.push(Finding {
                pointer: format!("{example_ptr}{at}"),
                message: format!("example does not match its schema ({schema_ptr}): {error}"),
            });
        }
    }
}

/// Follow a local `$ref` (one level) for non-schema objects such as example objects.
fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| spec.pointer(p))
        .unwrap_or(v)
}

fn translated_components(spec: &Value) -> Value {
    let mut defs = Map::new();
    if let Some(schemas) = spec["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            defs.insert(name.clone(), translate(schema));
        }
    }
    Value::Object(defs)
}

/// Translate an OpenAPI 3.0 schema object to JSON Schema 2020-12.
pub fn translate(schema: &Value) -> Value {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in obj {
        let value = match key.as_str() {
            "$ref" => match value.as_str() {
                Some(r) => json!(r.replacen("#/components/schemas/", "#/$defs/", 1)),
                None => value.clone(),
            },
            "properties" | "patternProperties" => Value::Object(
                value
                    .as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(k, v)| (k.clone(), translate(v)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" => translate(value),
            "allOf" | "oneOf" | "anyOf" => Value::Array(
                value
                    .as_array()
                    .map(|subs| subs.iter().map(translate).collect())
                    .unwrap_or_default(),
            ),
            // OpenAPI-only keywords with no JSON Schema meaning: dropped so they cannot be
            // mistaken for (or collide with) 2020-12 keywords.
            "nullable" | "discriminator" | "xml" | "externalDocs" | "example" => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }

    // 3.0's boolean exclusive bounds become 2020-12's numeric ones.
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if out.get(flag) == Some(&Value::Bool(true)) {
            if let Some(b) = out.remove(bound) {
                out.insert(flag.into(), b);
            }
        } else if out.get(flag) == Some(&Value::Bool(false)) {
            out.remove(flag);
        }
    }

    if obj.get("nullable") == Some(&Value::Bool(true)) {
        match out.get_mut("type") {
            Some(Value::String(t)) => {
                let t = t.clone();
                out.insert("type".into(), json!([t, "null"]));
                if let Some(Value::Array(values)) = out.get_mut("enum")
                    && !values.contains(&Value::Null)
                {
                    values.push(Value::Null);
                }
            }
            _ => {
                return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use crate::lint::fixtures::{example_spec, messages};

    const THING: &str = "
    Code: {type: string, pattern: '^[A-Z]{2}$'}
    Thing:
      type: object
      required: [code]
      properties:
        code: {description: c, allOf: [{$ref: '#/components/schemas/Code'}]}
        born: {type: string, format: date, nullable: true, description: b}
        kind:
          type: string
          description: k
          enum: [A, B]
          x-enumDescriptions: {A: a, B: b}
          nullable: true
      example: {code: US, born: null, kind: null}";

    #[test]
    fn valid_examples_pass_with_refs_and_nullable_resolved() {
        let spec = example_spec(THING, "5", "{code: CA, born: '2000-01-01', kind: A}");
        assert_eq!(messages(&spec), Vec::<String>::new());
    }

    #[test]
    fn invalid_examples_are_reported_where_they_are() {
        let spec = example_spec(THING, "0", "{code: usa, born: '2000-02-30'}");
        let found = messages(&spec);
        let at = |p: &str| found.iter().any(|f| f.starts_with(p));
        assert!(
            at("/paths/~1things/get/parameters/0/example: "),
            "{found:#?}"
        );
        assert!(
            at("/paths/~1things/get/responses/200/content/application~1json/example/code: "),
            "{found:#?}"
        );
        assert!(
            at("/paths/~1things/get/responses/200/content/application~1json/example/born: "),
            "format is asserted: {found:#?}"
        );
        assert_eq!(found.len(), 3, "{found:#?}");
    }

    #[test]
    fn schema_examples_are_checked_at_every_level() {
        let schemas = "
    Thing:
      type: object
      properties:
        n: {type: integer, example: nope}
      example: {n: 1, extra: true}
      additionalProperties: false";
        let spec = example_spec(schemas, "5", "{n: 2}");
        let found = messages(&spec);
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("/components/schemas/Thing/properties/n/example: ")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("/components/schemas/Thing/example: ")),
            "{found:#?}"
        );
    }
}
