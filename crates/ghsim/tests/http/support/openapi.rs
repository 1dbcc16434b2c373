//! GitHub's API descriptions, from the npm packages GitHub publishes them in (installed by
//! `make setup` into `node_modules/`, versions pinned in `package.json`), and a small
//! OpenAPI schema checker for the simulator's responses and webhook payloads.

use serde_json::Value;

/// A file of an npm package in the workspace's `node_modules/`.
fn package_file(package_and_path: &str) -> String {
    format!(
        "{}/../../node_modules/{package_and_path}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Reads one of GitHub's descriptions.
pub fn load(package_and_path: &str) -> Value {
    let path = package_file(package_and_path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read GitHub's API description at {path} ({e}); run `make setup` (npm ci)")
    });
    serde_json::from_str(&text).unwrap()
}

/// The REST description (OpenAPI 3.0, `@octokit/openapi`).
pub fn rest_spec() -> Value {
    load("@octokit/openapi/generated/api.github.com.json")
}

/// The webhooks description (OpenAPI 3.1, `@octokit/openapi-webhooks`).
pub fn webhooks_spec() -> Value {
    load("@octokit/openapi-webhooks/generated/api.github.com.json")
}

/// Checks `value` against `schema`: `$ref`, `type` (a name or, in OpenAPI 3.1, a list),
/// `nullable`, `enum`, `required`, `properties`, `items`, `oneOf`/`anyOf`/`allOf`.
/// Lenient where GitHub is (a nullable enum accepts null). Collects problems with JSON
/// paths.
pub fn validate(spec: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return validate(
            spec,
            &spec["components"]["schemas"][name],
            value,
            path,
            errors,
        );
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if value.is_null() {
        let nullable = schema
            .get("nullable")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            || types.contains(&"null");
        if !nullable && !types.is_empty() {
            errors.push(format!("{path}: null where not nullable"));
        }
        return;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            validate(spec, s, value, path, errors);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array) {
            let ok = alts.iter().any(|s| {
                let mut e = Vec::new();
                validate(spec, s, value, path, &mut e);
                e.is_empty()
            });
            if !ok {
                errors.push(format!("{path}: matches none of {key}"));
            }
        }
    }
    if !types.is_empty() {
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => true,
        });
        if !ok {
            errors.push(format!("{path}: expected {types:?}, got {value}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            errors.push(format!("{path}: {value} not in {options:?}"));
        }
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for field in required.iter().filter_map(Value::as_str) {
            if value.get(field).is_none() {
                errors.push(format!("{path}: missing required field {field}"));
            }
        }
    }
    if let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        for (k, v) in obj {
            if let Some(s) = props.get(k) {
                validate(spec, s, v, &format!("{path}.{k}"), errors);
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            validate(spec, items, v, &format!("{path}[{i}]"), errors);
        }
    }
}

/// The schema of a REST path's success response (`method` in lower case).
pub fn response_schema<'a>(spec: &'a Value, method: &str, path: &str) -> &'a Value {
    let responses = &spec["paths"][path][method]["responses"];
    let ok = if responses.get("200").is_some() {
        "200"
    } else {
        "201"
    };
    &responses[ok]["content"]["application/json"]["schema"]
}

/// Asserts that `body` is what GitHub documents for `GET path`.
pub fn assert_valid(spec: &Value, path: &str, body: &Value) {
    assert_valid_for(spec, "get", path, body);
}

pub fn assert_valid_for(spec: &Value, method: &str, path: &str, body: &Value) {
    let schema = response_schema(spec, method, path);
    assert!(
        !schema.is_null(),
        "{method} {path} is not in GitHub's description"
    );
    let mut errors = Vec::new();
    validate(spec, schema, body, "$", &mut errors);
    assert!(errors.is_empty(), "{method} {path}: {errors:#?}");
}

/// Asserts that a webhook payload is what GitHub documents for the operation
/// (e.g. `pull-request-opened`, `push`).
pub fn assert_valid_webhook(spec: &Value, operation: &str, body: &Value) {
    let schema = &spec["webhooks"][operation]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    assert!(
        !schema.is_null(),
        "webhook {operation} is not in GitHub's description"
    );
    let mut errors = Vec::new();
    validate(spec, schema, body, "$", &mut errors);
    assert!(errors.is_empty(), "webhook {operation}: {errors:#?}");
}
