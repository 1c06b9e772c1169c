//! The published JSON schemas (`schema/*.json`) and the strict form the
//! tests hold real output to.
//!
//! The published files are open: a version-1 consumer validating with them
//! must keep working when recdiag adds a field, a check or a finding code.
//! The tests are not: the strict form, derived here from the same file,
//! rejects any field the schema does not list and any code or check id that
//! is not in today's list, so an undocumented addition fails CI.

use serde_json::{Map, Value};

/// A published schema, as consumers get it.
pub fn published(file: &str) -> Value {
    let path = format!("{}/schema/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("schema file {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// The strict form of a published schema: every object schema with
/// `properties` and no rule of its own for other keys
/// (`additionalProperties`, `patternProperties`) gets
/// `"additionalProperties": false`, and every open list (an `anyOf` of an
/// `enum` and a string `pattern`: finding codes, check ids) is closed to its
/// `enum`.
pub fn strict(file: &str) -> Value {
    let mut schema = published(file);
    tighten(&mut schema);
    schema
}

/// Validator of the published schema.
pub fn published_validator(file: &str) -> jsonschema::Validator {
    compile(&published(file))
}

/// Validator of the strict form.
pub fn strict_validator(file: &str) -> jsonschema::Validator {
    compile(&strict(file))
}

/// Every violation of `value`, with where it is.
pub fn violations(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn compile(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema).expect("schema compiles")
}

fn tighten(value: &mut Value) {
    match value {
        Value::Object(map) => {
            close_open_enum(map);
            if is_object_schema(map)
                && map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !map.contains_key("patternProperties")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(tighten);
        }
        Value::Array(items) => items.iter_mut().for_each(tighten),
        _ => {}
    }
}

/// `"type": "object"` or a type list holding it. Subschemas without a type
/// (the `if`/`then` that pick a check's metrics) only add rules to an
/// object described elsewhere: closing them would reject every check.
fn is_object_schema(map: &Map<String, Value>) -> bool {
    match map.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
        _ => false,
    }
}

/// `{"anyOf": [{"enum": [...]}, {"type": "string", "pattern": ...}]}` becomes
/// `{"enum": [...]}`.
fn close_open_enum(map: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = map.get("anyOf") else {
        return;
    };
    if branches.len() != 2 {
        return;
    }
    let known = branches.iter().find_map(|b| b.get("enum")).cloned();
    let open = branches
        .iter()
        .any(|b| b.get("pattern").is_some() && b.get("enum").is_none());
    if let (Some(known), true) = (known, open) {
        map.remove("anyOf");
        map.insert("enum".into(), known);
    }
}
