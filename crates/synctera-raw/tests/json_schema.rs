//! Users emit JSON Schemas of the request and response types (`schemars::JsonSchema` is derived
//! on every generated type).

use synctera_raw::types;

fn schema_json<T: schemars::JsonSchema>() -> serde_json::Value {
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

#[test]
fn response_and_enum_types_emit_schemas_too() {
    let person = schema_json::<types::Person>();
    assert!(person["properties"]["verification_status"].is_object());
    let status = schema_json::<types::PersonStatus>();
    let values = status["enum"].as_array().unwrap();
    assert!(
        values.contains(&serde_json::json!("PROSPECT")),
        "{status:#}"
    );
    assert_eq!(values.len(), 9);
}
