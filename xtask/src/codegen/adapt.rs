//! The adaptations: the changes made to the in-memory copy of the spec that progenitor is fed,
//! each with the reason it exists.

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use openapiv3::{OpenAPI, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type};

use super::{operations, operations_mut, resolve_parameter, resolve_schema};

/// Media type of the spec's error bodies (RFC 7807).
const PROBLEM_JSON: &str = "application/problem+json";

/// One change made to the in-memory copy handed to progenitor, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adaptation {
    /// Where it was applied, e.g. `components/responses/BadRequest`.
    pub location: String,
    /// What was changed.
    pub change: &'static str,
}

/// Apply every codegen adaptation to `spec` (an in-memory copy) and report what changed.
///
/// Adaptations (each one explains itself where it is applied):
/// 1. `application/problem+json` response content is presented as `application/json`.
/// 2. Response-only schemas are decoded leniently: their enum and constrained-string properties
///    become plain `type: string` (see [`loosen_response_schemas`]).
pub fn adapt(spec: &mut OpenAPI) -> Result<Vec<Adaptation>> {
    let mut log = Vec::new();

    // (1) progenitor only decodes response bodies whose media type is `application/json`
    // (progenitor-impl method.rs); anything else becomes an untyped `ByteStream`. The API's error
    // bodies are `application/problem+json` (RFC 7807, and that is what the spec says and the
    // server sends), so present them to the generator as `application/json`: the generated client
    // then decodes every documented error into `types::Problem`. The decode itself ignores the
    // response's Content-Type, so this changes nothing on the wire. Side effect: generated
    // requests send `Accept: application/json`; the raw crate's `pre` hook widens it to
    // `application/json, application/problem+json`.
    let mut retype = |location: String, content: &mut openapiv3::Content| {
        if let Some(media) = content.shift_remove(PROBLEM_JSON) {
            content
                .entry("application/json".to_string())
                .or_insert(media);
            log.push(Adaptation {
                location,
                change: "application/problem+json presented as application/json",
            });
        }
    };
    if let Some(components) = spec.components.as_mut() {
        for (name, response) in components.responses.iter_mut() {
            if let ReferenceOr::Item(response) = response {
                retype(
                    format!("components/responses/{name}"),
                    &mut response.content,
                );
            }
        }
    }
    for (path, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in operations_mut(item) {
            for (code, response) in op.responses.responses.iter_mut() {
                if let ReferenceOr::Item(response) = response {
                    retype(
                        format!("paths/{path}/{method}/responses/{code}"),
                        &mut response.content,
                    );
                }
            }
            if let Some(ReferenceOr::Item(response)) = op.responses.default.as_mut() {
                retype(
                    format!("paths/{path}/{method}/responses/default"),
                    &mut response.content,
                );
            }
        }
    }

    log.extend(loosen_response_schemas(spec)?);
    Ok(log)
}

/// Adaptation (2): decode what the server answers leniently, validate what the client sends.
///
/// A client must not reject a server's answer because the API grew a new enum value (a
/// `PENDING_REVIEW` status) or loosened a format: with closed generated enums such a response
/// fails decoding and the facade's `Unknown(String)` variants could never be reached. So in every
/// schema reachable *only* from responses, each property whose schema is an enum or a constrained
/// string (`pattern`, `minLength`, `maxLength`) is presented as a plain `type: string`, keeping
/// its description and a `date`, `date-time` or `uuid` format (cheap to check, and the facade
/// relies on those types). Inline objects and array items inside those schemas are treated the
/// same way. Side benefit: no regex or newtype validation on the response hot path.
///
/// What stays strict: request bodies and parameters keep their enums and newtypes, so bad input
/// is still refused before it is sent. The spec file is unchanged, and the sandbox's conformance
/// tests still validate every response it sends against the full spec.
///
/// Reachability is computed from the spec (response content vs request bodies and parameters),
/// not from a list of names. A schema reachable from both sides is left alone; if such a shared
/// schema has a property this adaptation would loosen, generation fails with an error naming it,
/// because loosening it would weaken requests (it then needs a response-only copy in this
/// function).
pub fn loosen_response_schemas(spec: &mut OpenAPI) -> Result<Vec<Adaptation>> {
    let (request, response) = reachable_schemas(spec);
    let mut shared_problems = Vec::new();
    for name in request.intersection(&response) {
        if let Some(ReferenceOr::Item(schema)) =
            spec.components.as_ref().and_then(|c| c.schemas.get(name))
        {
            let mut copy = schema.clone();
            let mut changed = Vec::new();
            loosen_properties(spec, &mut copy, "", &mut changed);
            if !changed.is_empty() {
                shared_problems.push(format!("{name} ({})", changed.join(", ")));
            }
        }
    }
    if !shared_problems.is_empty() {
        bail!(
            "adaptation 2 cannot loosen schemas used by both requests and responses without \
             weakening requests; give responses their own schema:\n  {}",
            shared_problems.join("\n  ")
        );
    }
    let mut log = Vec::new();
    let names: Vec<String> = response.difference(&request).cloned().collect();
    for name in names {
        let Some(ReferenceOr::Item(mut schema)) = spec
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(&name))
            .cloned()
        else {
            continue;
        };
        let mut changed = Vec::new();
        loosen_properties(spec, &mut schema, "", &mut changed);
        if changed.is_empty() {
            continue;
        }
        if let Some(components) = spec.components.as_mut() {
            components
                .schemas
                .insert(name.clone(), ReferenceOr::Item(schema));
        }
        for property in changed {
            log.push(Adaptation {
                location: format!("components/schemas/{name}/{property}"),
                change: "response-only enum or constrained string presented as plain string",
            });
        }
    }
    Ok(log)
}

/// Loosen, in place, the properties of `schema` (and of inline objects and array items in it).
fn loosen_properties(spec: &OpenAPI, schema: &mut Schema, path: &str, changed: &mut Vec<String>) {
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            for (name, property) in object.properties.iter_mut() {
                let here = format!("{path}{name}");
                loosen_boxed(spec, property, &here, changed);
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            if let Some(items) = array.items.as_mut() {
                loosen_boxed(spec, items, &format!("{path}items"), changed);
            }
        }
        _ => {}
    }
}

fn loosen_boxed(
    spec: &OpenAPI,
    property: &mut ReferenceOr<Box<Schema>>,
    here: &str,
    changed: &mut Vec<String>,
) {
    let resolved = match &*property {
        // `description` + `allOf: [$ref]` is how the spec documents a property that names a
        // shared schema (OpenAPI 3.0 ignores siblings of a bare `$ref`): it is that schema.
        ReferenceOr::Item(s) => match described_reference(s) {
            Some(target) => resolve_schema(spec, target).cloned(),
            None => Some((**s).clone()),
        },
        ReferenceOr::Reference { reference } => {
            resolve_schema(spec, &ReferenceOr::ref_(reference)).cloned()
        }
    };
    let Some(resolved) = resolved else {
        return;
    };
    if let Some(plain) = plain_string(&resolved, own_description(property)) {
        *property = ReferenceOr::Item(Box::new(plain));
        changed.push(here.to_string());
    } else if let ReferenceOr::Item(inline) = property {
        loosen_properties(spec, inline, &format!("{here}/"), changed);
    }
}

/// The one schema of an `allOf: [X]` wrapper, the spec's way of giving a reference its own
/// description.
fn described_reference(schema: &Schema) -> Option<&ReferenceOr<Schema>> {
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => all_of.first(),
        _ => None,
    }
}

fn own_description(property: &ReferenceOr<Box<Schema>>) -> Option<String> {
    match property {
        ReferenceOr::Item(s) => s.schema_data.description.clone(),
        ReferenceOr::Reference { .. } => None,
    }
}

/// The plain-string stand-in for `schema` if it is an enum or a constrained string.
fn plain_string(schema: &Schema, description: Option<String>) -> Option<Schema> {
    let SchemaKind::Type(Type::String(string)) = &schema.schema_kind else {
        return None;
    };
    let constrained = !string.enumeration.is_empty()
        || string.pattern.is_some()
        || string.min_length.is_some()
        || string.max_length.is_some();
    if !constrained {
        return None;
    }
    use openapiv3::{StringFormat, StringType, VariantOrUnknownOrEmpty as F};
    let format = match &string.format {
        F::Item(StringFormat::Date) => F::Item(StringFormat::Date),
        F::Item(StringFormat::DateTime) => F::Item(StringFormat::DateTime),
        F::Unknown(f) if f == "uuid" => F::Unknown(f.clone()),
        _ => F::Empty,
    };
    Some(Schema {
        schema_data: openapiv3::SchemaData {
            description: description.or_else(|| schema.schema_data.description.clone()),
            nullable: schema.schema_data.nullable,
            read_only: schema.schema_data.read_only,
            deprecated: schema.schema_data.deprecated,
            ..Default::default()
        },
        schema_kind: SchemaKind::Type(Type::String(StringType {
            format,
            ..Default::default()
        })),
    })
}

/// The component schemas reachable from request bodies and parameters, and from responses (a
/// callback's request body, which the client reads, counts as a response).
fn reachable_schemas(spec: &OpenAPI) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut request = BTreeSet::new();
    let mut response = BTreeSet::new();
    let components = spec.components.as_ref();
    for (_, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, op) in operations(item) {
            for param in item.parameters.iter().chain(op.parameters.iter()) {
                if let Some(param) = resolve_parameter(spec, param)
                    && let ParameterSchemaOrContent::Schema(schema) =
                        &param.parameter_data_ref().format
                {
                    collect_refs(spec, schema, &mut request);
                }
            }
            let body = match &op.request_body {
                Some(ReferenceOr::Item(body)) => Some(body),
                Some(ReferenceOr::Reference { reference }) => reference
                    .strip_prefix("#/components/requestBodies/")
                    .and_then(|n| components?.request_bodies.get(n))
                    .and_then(|b| b.as_item()),
                None => None,
            };
            for media in body.iter().flat_map(|b| b.content.values()) {
                if let Some(schema) = &media.schema {
                    collect_refs(spec, schema, &mut request);
                }
            }
            for response_ref in op
                .responses
                .responses
                .values()
                .chain(op.responses.default.iter())
            {
                let resolved = match response_ref {
                    ReferenceOr::Item(r) => Some(r),
                    ReferenceOr::Reference { reference } => reference
                        .strip_prefix("#/components/responses/")
                        .and_then(|n| components?.responses.get(n))
                        .and_then(|r| r.as_item()),
                };
                for media in resolved.iter().flat_map(|r| r.content.values()) {
                    if let Some(schema) = &media.schema {
                        collect_refs(spec, schema, &mut response);
                    }
                }
            }
            // A callback's request (a webhook delivery) is sent by the server and read by the
            // client's receiver: it is read leniently, like a response.
            for callback_item in op.callbacks.values().flat_map(|c| c.values()) {
                for (_, callback_op) in operations(callback_item) {
                    let body = callback_op.request_body.as_ref().and_then(|b| b.as_item());
                    for media in body.iter().flat_map(|b| b.content.values()) {
                        if let Some(schema) = &media.schema {
                            collect_refs(spec, schema, &mut response);
                        }
                    }
                }
            }
        }
    }
    (request, response)
}

/// Add every component schema `schema` refers to, transitively, to `seen`.
fn collect_refs(spec: &OpenAPI, schema: &ReferenceOr<Schema>, seen: &mut BTreeSet<String>) {
    match schema {
        ReferenceOr::Reference { reference } => {
            let Some(name) = reference.strip_prefix("#/components/schemas/") else {
                return;
            };
            if !seen.insert(name.to_string()) {
                return;
            }
            if let Some(target) = spec.components.as_ref().and_then(|c| c.schemas.get(name)) {
                collect_refs(spec, target, seen);
            }
        }
        ReferenceOr::Item(schema) => {
            let boxed = |s: &ReferenceOr<Box<Schema>>| match s {
                ReferenceOr::Item(b) => ReferenceOr::Item((**b).clone()),
                ReferenceOr::Reference { reference } => ReferenceOr::ref_(reference),
            };
            match &schema.schema_kind {
                SchemaKind::Type(Type::Object(object)) => {
                    for property in object.properties.values() {
                        collect_refs(spec, &boxed(property), seen);
                    }
                    if let Some(openapiv3::AdditionalProperties::Schema(extra)) =
                        &object.additional_properties
                    {
                        collect_refs(spec, extra, seen);
                    }
                }
                SchemaKind::Type(Type::Array(array)) => {
                    if let Some(items) = &array.items {
                        collect_refs(spec, &boxed(items), seen);
                    }
                }
                SchemaKind::OneOf { one_of: list }
                | SchemaKind::AllOf { all_of: list }
                | SchemaKind::AnyOf { any_of: list } => {
                    for s in list {
                        collect_refs(spec, s, seen);
                    }
                }
                SchemaKind::Not { not } => collect_refs(spec, not, seen),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use progenitor::Generator;

    use super::*;
    use crate::codegen::tests::spec;
    use crate::codegen::{generate_from_str, parse_spec, settings};

    #[test]
    fn problem_json_errors_are_presented_as_json_and_decode_into_problem() {
        let mut parsed = parse_spec(&spec("explode: false")).unwrap();
        let log = adapt(&mut parsed).unwrap();
        assert_eq!(
            log,
            vec![Adaptation {
                location: "components/responses/Bad".into(),
                change: "application/problem+json presented as application/json",
            }]
        );
        let code = generate_from_str(&spec("explode: false")).unwrap();
        assert!(code.contains("Error<types::Problem>"), "{code}");
    }

    /// Canary: the day progenitor decodes problem+json by itself, adaptation (1) can go.
    #[test]
    fn without_the_adaptation_progenitor_leaves_problem_json_undecoded() {
        let parsed = parse_spec(&spec("explode: false")).unwrap();
        let tokens = Generator::new(&settings())
            .generate_tokens(&parsed)
            .unwrap();
        let code = prettyplease::unparse(&syn::parse2(tokens).unwrap());
        assert!(!code.contains("Error<types::Problem>"));
        assert!(code.contains("Error<ByteStream>"), "{code}");
    }

    /// A spec whose request and response share an enum, plus a constrained string, a date-time
    /// and an inline array of objects on the response side. `shared` puts `Thing` in the
    /// request body too.
    fn lenient_spec(shared: bool) -> String {
        let request_schema = if shared { "Thing" } else { "NewThing" };
        format!(
            r##"
openapi: 3.0.3
info: {{title: t, version: 1.0.0}}
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {{$ref: '#/components/schemas/{request_schema}'}}
      responses:
        '201':
          description: ok
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Thing'}}
components:
  schemas:
    Status:
      type: string
      description: The state.
      enum: [ON, OFF]
    Code:
      type: string
      pattern: '^[A-Z]{{2}}$'
    NewThing:
      type: object
      required: [status, code]
      properties:
        status: {{$ref: '#/components/schemas/Status'}}
        code: {{$ref: '#/components/schemas/Code'}}
    Thing:
      type: object
      required: [status, code, when]
      properties:
        status: {{$ref: '#/components/schemas/Status'}}
        code: {{$ref: '#/components/schemas/Code'}}
        when: {{type: string, format: date-time}}
        parts:
          type: array
          items:
            type: object
            properties:
              kind: {{type: string, enum: [A, B]}}
"##
        )
    }

    #[test]
    fn response_only_enums_and_constrained_strings_become_plain_strings() {
        let mut parsed = parse_spec(&lenient_spec(false)).unwrap();
        let log = adapt(&mut parsed).unwrap();
        let places: Vec<_> = log.iter().map(|a| a.location.as_str()).collect();
        assert_eq!(
            places,
            [
                "components/schemas/Thing/status",
                "components/schemas/Thing/code",
                "components/schemas/Thing/parts/items/kind",
            ]
        );
        let code = generate_from_str(&lenient_spec(false)).unwrap();
        let squashed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
        // Response: plain strings, description kept, the date-time still typed.
        assert!(
            squashed.contains("pub struct Thing { pub code: ::std::string::String,"),
            "{code}"
        );
        assert!(squashed.contains("///The state. pub status: ::std::string::String,"));
        assert!(squashed.contains("pub when: ::chrono::DateTime<::chrono::offset::Utc>"));
        assert!(squashed.contains("pub kind: ::std::option::Option<::std::string::String>"));
        // Request: still the enum and the validated newtype.
        assert!(squashed.contains("pub struct NewThing { pub code: Code, pub status: Status, }"));
        assert!(squashed.contains("pub enum Status"));
    }

    #[test]
    fn a_described_reference_is_loosened_like_a_bare_one() {
        let text = lenient_spec(false).replace(
            "        status: {$ref: '#/components/schemas/Status'}\n        code: {$ref: '#/components/schemas/Code'}\n        when:",
            "        status: {description: Now., allOf: [{$ref: '#/components/schemas/Status'}]}\n        code: {$ref: '#/components/schemas/Code'}\n        when:",
        );
        assert_ne!(text, lenient_spec(false));
        let code = generate_from_str(&text).unwrap();
        let squashed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            squashed.contains("///Now. pub status: ::std::string::String,"),
            "{code}"
        );
    }

    #[test]
    fn a_callback_body_is_read_leniently_like_a_response() {
        let text = lenient_spec(false).replace(
            "      responses:\n        '201':",
            "      callbacks:\n        delivered:\n          '{$request.body#/url}':\n            post:\n              requestBody:\n                content:\n                  application/json:\n                    schema: {$ref: '#/components/schemas/Delivery'}\n              responses:\n                '200': {description: ok}\n      responses:\n        '201':",
        ) + "    Delivery:\n      type: object\n      properties:\n        status: {description: Now., allOf: [{$ref: '#/components/schemas/Status'}]}\n";
        assert_ne!(text, lenient_spec(false));
        let mut parsed = parse_spec(&text).unwrap();
        let log = adapt(&mut parsed).unwrap();
        assert!(
            log.iter()
                .any(|a| a.location == "components/schemas/Delivery/status"),
            "{log:#?}"
        );
    }

    #[test]
    fn a_schema_shared_by_requests_and_responses_is_not_loosened_silently() {
        let err = generate_from_str(&lenient_spec(true))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Thing (status, code, parts/items/kind)"),
            "{err}"
        );
    }
}
