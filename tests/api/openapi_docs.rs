//! The OpenAPI document is what partners generate clients from (see clients/typescript): every
//! schema must say what it is and show an example, and every operation must say what it does.

use serde_json::Value;

fn document() -> Value {
    serde_json::from_str(&hybrid_events::openapi::document_json()).unwrap()
}

#[test]
fn every_schema_has_a_description_and_an_example() {
    let document = document();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let lacking: Vec<String> = schemas
        .iter()
        .filter_map(|(name, schema)| {
            let described = schema["description"].as_str().is_some_and(|d| !d.trim().is_empty());
            let exemplified = schema.get("example").is_some() || schema.get("examples").is_some();
            match (described, exemplified) {
                (true, true) => None,
                (false, true) => Some(format!("{name}: no description (a /// comment)")),
                (true, false) => Some(format!("{name}: no example (#[schema(example = ...)])")),
                (false, false) => Some(format!("{name}: neither description nor example")),
            }
        })
        .collect();
    assert!(lacking.is_empty(), "schemas without docs:\n{}", lacking.join("\n"));
}

#[test]
fn every_operation_has_a_summary_and_json_bodies_are_named_schemas() {
    let document = document();
    let mut problems = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            if operation["summary"].as_str().is_none_or(|s| s.trim().is_empty()) {
                problems.push(format!("{method} {path}: no summary"));
            }
            let request = operation["requestBody"]["content"]["application/json"]["schema"].clone();
            if !request.is_null() && request.get("$ref").is_none() {
                problems.push(format!("{method} {path}: request body is not a named schema"));
            }
            for (status, response) in operation["responses"].as_object().unwrap() {
                let schema = &response["content"]["application/json"]["schema"];
                if status.starts_with('2') && !schema.is_null() && schema.get("$ref").is_none() {
                    problems.push(format!("{method} {path} {status}: answer is not a named schema"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
