//! Users emit JSON Schemas of the request and response types (`schemars::JsonSchema` is derived
//! on every generated type).

use serde_json::{Value, json};
use synctera_raw::types;

fn schema_json<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap()
}

#[test]
fn request_types_emit_their_required_fields_and_properties() {
    let schema = schema_json::<types::CreatePersonRequest>();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["is_customer", "status"]);
    for field in [
        "first_name",
        "last_name",
        "dob",
        "ssn",
        "legal_address",
        "metadata",
    ] {
        assert!(
            schema["properties"].get(field).is_some(),
            "{field} missing from {schema:#}"
        );
    }
    assert_eq!(schema["additionalProperties"], serde_json::json!(false));
}

/// The definition a property points at (`$ref: #/definitions/X`, the one schema of a described
/// reference's `allOf`, or the non-null alternative of an optional field's `anyOf`), else the
/// property itself.
fn resolved<'a>(root: &'a Value, property: &'a Value) -> &'a Value {
    if let Some([only]) = property["allOf"].as_array().map(Vec::as_slice) {
        return resolved(root, only);
    }
    if let Some(alternatives) = property["anyOf"].as_array() {
        let not_null: Vec<&Value> = alternatives
            .iter()
            .filter(|a| a["type"] != json!("null"))
            .collect();
        assert_eq!(not_null.len(), 1, "{property:#}");
        return resolved(root, not_null[0]);
    }
    match property["$ref"].as_str() {
        Some(r) => {
            let name = r.strip_prefix("#/definitions/").expect("local definition");
            &root["definitions"][name]
        }
        None => property,
    }
}

/// The values an enum schema admits: its `enum`, or (as schemars writes an enum whose variants
/// are documented) one single-value `enum` per `oneOf` alternative.
fn enum_values(schema: &Value) -> Vec<&str> {
    if let Some(values) = schema["enum"].as_array() {
        return values.iter().map(|v| v.as_str().unwrap()).collect();
    }
    schema["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("no enum in {schema:#}"))
        .iter()
        .map(
            |alternative| match alternative["enum"].as_array().map(Vec::as_slice) {
                Some([value]) => value.as_str().unwrap(),
                _ => panic!("not a single-value alternative: {alternative:#}"),
            },
        )
        .collect()
}

#[test]
fn request_enums_keep_their_value_lists() {
    let schema = schema_json::<types::CreatePersonRequest>();
    let status = enum_values(resolved(&schema, &schema["properties"]["status"]));
    for value in ["PROSPECT", "ACTIVE", "INACTIVE", "FROZEN", "SANCTION"] {
        assert!(status.contains(&value), "{value} missing from {status:?}");
    }
    assert_eq!(status.len(), 9, "{status:?}");
    // Requests may only ask for ALLOWED or SUSPENDED: the platform alone sets BANNED.
    let ban = enum_values(resolved(&schema, &schema["properties"]["ban_status"]));
    assert_eq!(ban, ["ALLOWED", "SUSPENDED"]);
}

#[test]
fn request_constrained_strings_keep_their_lengths_and_patterns() {
    let schema = schema_json::<types::CreatePersonRequest>();
    let name = resolved(&schema, &schema["properties"]["first_name"]);
    assert_eq!(name["type"], json!("string"), "{name:#}");
    assert_eq!(name["minLength"], json!(1), "{name:#}");
    assert_eq!(name["maxLength"], json!(100), "{name:#}");
    let ssn = resolved(&schema, &schema["properties"]["ssn"]);
    assert_eq!(
        ssn["pattern"],
        json!("^[0-9]{3}-[0-9]{2}-[0-9]{4}$"),
        "{ssn:#}"
    );
    let phone = resolved(&schema, &schema["properties"]["phone_number"]);
    assert_eq!(
        phone["pattern"],
        json!("^\\+[1-9][0-9]{1,14}$"),
        "{phone:#}"
    );
    // Nested request types too: an address line keeps its limit inside AddressInput.
    let line = resolved(
        &schema,
        &resolved(&schema, &schema["properties"]["legal_address"])["properties"]["address_line_1"],
    );
    assert_eq!(line["maxLength"], json!(256), "{line:#}");
    // The newtype's own schema is the same one.
    let own = schema_json::<types::PersonName>();
    assert_eq!(own["maxLength"], json!(100), "{own:#}");
}

/// Codegen adaptation 2 (docs/design.md): response enums and constrained strings are plain
/// strings, so a value Synctera adds later still decodes.
#[test]
fn response_enum_fields_are_plain_strings() {
    let person = schema_json::<types::Person>();
    for field in ["status", "verification_status", "ban_status"] {
        let property = &person["properties"][field];
        assert_eq!(property["type"], json!("string"), "{field}: {property:#}");
        assert!(
            property.get("enum").is_none() && property.get("$ref").is_none(),
            "{field} must not be restricted to today's values: {property:#}"
        );
    }
    let decoded: types::Person = serde_json::from_value(json!({
        "id": "3f1c2a9e-5b7d-4e8a-9c61-2d4f8b0a7e13",
        "creation_time": "2022-04-13T02:17:34.895861Z",
        "last_updated_time": "2022-04-13T02:17:34.895861Z",
        "is_customer": true,
        "status": "SOME_NEW_STATUS",
        "verification_status": "SOME_NEW_OUTCOME",
        "ban_status": "SOME_NEW_BAN",
        "personal_ids": [],
        "tenant": "acme_sandbox",
    }))
    .expect("a response with enum values added later decodes");
    assert_eq!(decoded.status, "SOME_NEW_STATUS");
}

#[test]
fn enum_types_emit_their_values() {
    let status = schema_json::<types::PersonStatus>();
    let values = enum_values(&status);
    assert!(values.contains(&"PROSPECT"), "{status:#}");
    assert_eq!(values.len(), 9);
    // Each value carries its description from the spec's `x-enumDescriptions`.
    let prospect = status["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["enum"] == json!(["PROSPECT"]))
        .unwrap();
    assert_eq!(
        prospect["description"],
        json!("A potential customer; little data is required in this state."),
        "{status:#}"
    );
}

/// The timestamp fields decode through the crate's own reader (`#[serde(deserialize_with)]`);
/// their schema is still chrono's: a `date-time` string, required or not as the spec says.
#[test]
fn timestamp_fields_keep_their_date_time_schema() {
    let schema = schema_json::<types::Person>();
    let required = schema["required"].as_array().unwrap();
    for (field, is_required) in [
        ("creation_time", true),
        ("last_updated_time", true),
        ("verification_last_run", false),
    ] {
        let property = resolved(&schema, &schema["properties"][field]);
        let string = if is_required {
            json!("string")
        } else {
            json!(["string", "null"])
        };
        assert_eq!(property["type"], string, "{field}: {property:#}");
        assert_eq!(
            property["format"],
            json!("date-time"),
            "{field}: {property:#}"
        );
        assert_eq!(required.contains(&json!(field)), is_required, "{field}");
    }
}
