//! `cargo xtask lint [--no-npm]`: the spec checks the npm linters (redocly, spectral) miss.
//!
//! - Every example (schema `example`, media type `example`/`examples`, parameter
//!   `example`/`examples`) validates against its schema. OpenAPI 3.0 schemas are translated to
//!   JSON Schema 2020-12 first: `$ref`s to `#/components/schemas/*` resolve, `nullable` becomes a
//!   `null` alternative, boolean `exclusiveMinimum`/`exclusiveMaximum` become numeric, and
//!   formats (`date`, `date-time`, `uuid`, `email`, ...) are asserted, not just annotated.
//! - Every operation has a unique `operationId`, a declared tag, a summary, and documents 400,
//!   401, 403 and 500; 404 where the path has a `{param}`; 409 on creates (POST other than
//!   `verify`, and other than a POST answered 204, such as `wipeWorkspace`, which creates nothing).
//! - No `pattern` uses `\d` or `\D`: Unicode-aware engines (Python's `re`, which schemathesis
//!   and `jsonschema` use; Rust's `regex`) let `\d` match any Unicode decimal digit, so a
//!   validator built from the spec would accept values the API refuses. Spell digits `[0-9]`.
//! - Every property has a description, and every enum value one in `x-enumDescriptions`, with no
//!   entry for a value the enum lacks (see [`descriptions`]).
//!
//! Each finding is printed with the JSON pointer of what it is about.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

mod descriptions;

/// One problem in the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// JSON pointer into the spec (`/paths/~1persons/get/responses`).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Options of `cargo xtask lint`.
#[derive(Debug, Default, clap::Args)]
pub struct LintArgs {
    /// Skip openapi/lint/run.sh (the npm linters redocly and spectral).
    #[arg(long)]
    pub no_npm: bool,
    /// Spec to lint instead of the workspace's openapi/synctera.yaml.
    #[arg(long, value_name = "PATH")]
    pub spec: Option<std::path::PathBuf>,
}

/// Run `cargo xtask lint` against the workspace at `root`.
pub fn run(root: &Path, args: &LintArgs) -> Result<()> {
    let spec_path = args
        .spec
        .clone()
        .unwrap_or_else(|| root.join(crate::codegen::SPEC_PATH));
    let text = std::fs::read_to_string(&spec_path)
        .with_context(|| format!("reading {}", spec_path.display()))?;
    let spec: Value = serde_norway::from_str(&text)
        .with_context(|| format!("parsing {}", spec_path.display()))?;
    let findings = lint(&spec);
    for finding in &findings {
        println!("{finding}");
    }
    println!(
        "xtask lint: {} finding(s) in {}",
        findings.len(),
        spec_path.display()
    );

    let mut npm_failed = false;
    let script = root.join("openapi/lint/run.sh");
    if args.no_npm {
        println!("xtask lint: skipping openapi/lint/run.sh (--no-npm)");
    } else if script.exists() {
        let mut cmd = Command::new("bash");
        cmd.arg(&script);
        if let Some(spec) = &args.spec {
            cmd.arg(spec);
        }
        let status = cmd
            .status()
            .with_context(|| format!("running {}", script.display()))?;
        npm_failed = !status.success();
    }

    match (findings.is_empty(), npm_failed) {
        (true, false) => Ok(()),
        (false, _) => bail!("the spec has {} finding(s)", findings.len()),
        (true, true) => bail!("openapi/lint/run.sh failed"),
    }
}

/// All findings for a spec, sorted by pointer.
pub fn lint(spec: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    check_operations(spec, &mut findings);
    check_examples(spec, &mut findings);
    check_patterns(spec, "", &mut findings);
    descriptions::check_descriptions(spec, "", &mut findings);
    findings.sort();
    findings.dedup();
    findings
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Escape one JSON pointer segment (RFC 6901).
fn seg(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn check_operations(spec: &Value, out: &mut Vec<Finding>) {
    let declared_tags: Vec<&str> = spec["tags"]
        .as_array()
        .map(|tags| tags.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
    let Some(paths) = spec["paths"].as_object() else {
        out.push(Finding {
            pointer: "/paths".into(),
            message: "the spec has no paths".into(),
        });
        return;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else {
                continue;
            };
            let ptr = format!("/paths/{}/{method}", seg(path));
            let mut finding = |suffix: &str, message: String| {
                out.push(Finding {
                    pointer: format!("{ptr}{suffix}"),
                    message,
                })
            };

            let op_id = op["operationId"].as_str().filter(|s| !s.is_empty());
            match op_id {
                None => finding("", "missing operationId".into()),
                Some(id) => {
                    if let Some(first) = seen_ids.insert(id.to_string(), ptr.clone()) {
                        finding(
                            "/operationId",
                            format!("operationId `{id}` is also used by {first}"),
                        );
                    }
                }
            }

            match op["tags"].as_array().filter(|t| !t.is_empty()) {
                None => finding("", "missing tags".into()),
                Some(tags) => {
                    for (i, tag) in tags.iter().enumerate() {
                        let name = tag.as_str().unwrap_or_default();
                        if !declared_tags.contains(&name) {
                            finding(
                                &format!("/tags/{i}"),
                                format!("tag `{name}` is not declared in the top-level `tags`"),
                            );
                        }
                    }
                }
            }

            if op["summary"].as_str().is_none_or(|s| s.trim().is_empty()) {
                finding("", "missing summary".into());
            }

            let mut required: Vec<&str> = vec!["400", "401", "403", "500"];
            if path.contains('{') {
                required.push("404");
            }
            let responses = op["responses"].as_object();
            let answers_no_content = responses.is_some_and(|r| r.contains_key("204"));
            if method == "post" && op_id != Some("verify") && !answers_no_content {
                required.push("409");
            }
            for code in required {
                if !responses.is_some_and(|r| r.contains_key(code)) {
                    finding("/responses", format!("does not document a {code} response"));
                }
            }
        }
    }
}

/// Every schema `pattern` anywhere in the spec (components, parameters, inline bodies): report
/// the ones that use the Unicode-dependent `\d`/`\D` classes.
fn check_patterns(value: &Value, ptr: &str, out: &mut Vec<Finding>) {
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

/// Where examples sit relative to a schema: the schema itself and its subschemas.
fn check_examples(spec: &Value, out: &mut Vec<Finding>) {
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
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).unwrap()
    }

    fn messages(spec: &Value) -> Vec<String> {
        lint(spec).iter().map(ToString::to_string).collect()
    }

    const OK_RESPONSES: &str = "
        '400': {description: x}
        '401': {description: x}
        '403': {description: x}
        '404': {description: x}
        '409': {description: x}
        '500': {description: x}";

    fn one_op(method: &str, path: &str, op_id: &str, responses: &str) -> Value {
        yaml(&format!(
            "
openapi: 3.0.3
info: {{title: t, version: 1.0.0}}
tags: [{{name: T}}]
paths:
  {path}:
    {method}:
      operationId: {op_id}
      tags: [T]
      summary: s
      responses:{responses}
"
        ))
    }

    #[test]
    fn a_complete_operation_has_no_findings() {
        let spec = one_op("post", "/things/{id}", "createThing", OK_RESPONSES);
        assert_eq!(messages(&spec), Vec::<String>::new());
    }

    #[test]
    fn missing_statuses_are_reported_with_their_pointer() {
        let spec = one_op(
            "post",
            "/things/{id}",
            "createThing",
            "\n        '200': {description: x}",
        );
        let found = messages(&spec);
        for code in ["400", "401", "403", "404", "409", "500"] {
            let want = format!(
                "/paths/~1things~1{{id}}/post/responses: does not document a {code} response"
            );
            assert!(found.contains(&want), "{want} not in {found:#?}");
        }
    }

    #[test]
    fn verify_and_gets_need_no_409_and_id_less_paths_no_404() {
        let responses = "
        '400': {description: x}
        '401': {description: x}
        '403': {description: x}
        '500': {description: x}";
        assert!(messages(&one_op("post", "/things/verify", "verify", responses)).is_empty());
        let no_content = format!("{responses}\n        '204': {{description: x}}");
        assert!(messages(&one_op("post", "/wipe", "wipeThings", &no_content)).is_empty());
        assert!(messages(&one_op("get", "/things", "listThings", responses)).is_empty());
        assert_eq!(
            messages(&one_op("post", "/things", "createThing", responses)),
            vec!["/paths/~1things/post/responses: does not document a 409 response"]
        );
    }

    #[test]
    fn duplicate_ids_missing_summary_and_undeclared_tags_are_reported() {
        let spec = yaml(
            "
openapi: 3.0.3
info: {title: t, version: 1.0.0}
tags: [{name: T}]
paths:
  /a:
    get: {operationId: same, tags: [T], summary: s, responses: {}}
  /b:
    get: {operationId: same, tags: [Nope], responses: {}}
",
        );
        let found = messages(&spec);
        assert!(
            found.contains(
                &"/paths/~1b/get/operationId: operationId `same` is also used by /paths/~1a/get"
                    .to_string()
            ),
            "{found:#?}"
        );
        assert!(found.contains(&"/paths/~1b/get: missing summary".to_string()));
        assert!(
            found.contains(
                &"/paths/~1b/get/tags/0: tag `Nope` is not declared in the top-level `tags`"
                    .to_string()
            )
        );
    }

    fn example_spec(schemas: &str, param_example: &str, media_example: &str) -> Value {
        yaml(&format!(
            "
openapi: 3.0.3
info: {{title: t, version: 1.0.0}}
tags: [{{name: T}}]
paths:
  /things:
    get:
      operationId: listThings
      tags: [T]
      summary: s
      parameters:
        - name: limit
          in: query
          schema: {{type: integer, minimum: 1}}
          example: {param_example}
      responses:
        '400': {{description: x}}
        '401': {{description: x}}
        '403': {{description: x}}
        '500': {{description: x}}
        '200':
          description: ok
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Thing'}}
              example: {media_example}
components:
  schemas:{schemas}
"
        ))
    }

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
