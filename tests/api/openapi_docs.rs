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

/// Every operation of the paths and of the webhooks section, as (name, operation).
fn operations(document: &Value) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for section in ["paths", "webhooks"] {
        for (path, operations) in document[section].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                found.push((format!("{method} {path}"), operation.clone()));
            }
        }
    }
    found
}

#[test]
fn summaries_are_one_short_line_and_descriptions_carry_the_rest() {
    let problems: Vec<String> = operations(&document())
        .into_iter()
        .filter_map(|(name, operation)| {
            let summary = operation["summary"].as_str().unwrap_or_default();
            let description = operation["description"].as_str().unwrap_or_default();
            if summary.contains('\n') || summary.chars().count() > 60 {
                Some(format!("{name}: summary of {} characters or lines", summary.len()))
            } else if description.trim().is_empty() {
                Some(format!("{name}: no description (a paragraph after the summary line)"))
            } else {
                None
            }
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_operation_says_which_credentials_it_takes() {
    let document = document();
    let schemes = document["components"]["securitySchemes"].as_object().unwrap();
    for (name, operation) in operations(&document) {
        let security = operation["security"].as_array().unwrap_or_else(|| panic!("{name}: no `security`"));
        for requirement in security {
            for scheme in requirement.as_object().unwrap().keys() {
                assert!(schemes.contains_key(scheme), "{name}: unknown scheme {scheme}");
            }
        }
    }
    let page = &document["paths"]["/api/v1/events/{id}/report.html"]["get"];
    assert_eq!(page["security"], serde_json::json!([{"report_link": []}, {"bearer": []}]));
    assert_eq!(schemes["report_link"]["type"], "apiKey");
    assert_eq!(schemes["report_link"]["in"], "query");
    assert_eq!(schemes["report_link"]["name"], "token");
    assert_eq!(document["paths"]["/api/v1/auth/login"]["post"]["security"], serde_json::json!([]));
}

#[test]
fn every_error_answer_is_a_named_problem_with_the_enum_of_its_codes() {
    let document = document();
    let schemas = &document["components"]["schemas"];
    for (name, operation) in operations(&document) {
        for (status, response) in operation["responses"].as_object().unwrap() {
            if !status.starts_with('4') && !status.starts_with('5') {
                continue;
            }
            for content in response["content"].as_object().into_iter().flat_map(|c| c.values()) {
                let Some(reference) = content["schema"]["$ref"].as_str() else {
                    // readyz answers its 503 as Health, not as a problem.
                    continue;
                };
                let schema = &schemas[reference.trim_start_matches("#/components/schemas/")];
                if reference.ends_with("/Health") {
                    continue;
                }
                assert!(reference.ends_with("Problem"), "{name} {status}: {reference}");
                let codes = schema["properties"]["code"]["enum"].as_array();
                assert!(codes.is_some_and(|c| !c.is_empty()), "{name} {status}: no enum of codes");
                assert!(schema["required"].as_array().unwrap().contains(&"instance".into()));
            }
        }
    }
}

#[test]
fn every_object_is_a_named_schema() {
    // An object described inline becomes an untyped map, or a type with a made-up name, in a
    // generated client. Maps (`additionalProperties` alone) are fine.
    fn walk(node: &Value, at: String, top: bool, found: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if !top && map.contains_key("properties") {
                    found.push(at.clone());
                }
                for (key, value) in map {
                    if key != "example" && key != "examples" {
                        walk(value, format!("{at}/{key}"), false, found);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{at}/{i}"), false, found);
                }
            }
            _ => {}
        }
    }
    let document = document();
    let mut found = Vec::new();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        walk(schema, format!("#/components/schemas/{name}"), true, &mut found);
    }
    walk(&document["paths"], "paths".into(), false, &mut found);
    walk(&document["webhooks"], "webhooks".into(), false, &mut found);
    assert!(found.is_empty(), "inline objects:\n{}", found.join("\n"));
}
