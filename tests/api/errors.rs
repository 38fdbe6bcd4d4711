//! Every failure is answered as application/problem+json, whatever produced it.

use serde_json::json;

use crate::helpers::{read, spawn_app, spawn_app_with};

const LOGIN: &str = "/api/v1/auth/login";

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let response = read(
        app.client
            .post(app.url(LOGIN))
            .header("content-type", "application/json")
            .body(r#"{"email": "a@example.org", "password": "#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    response.assert_problem(400, "malformed_json");
}

#[actix_web::test]
async fn json_that_does_not_fit_the_schema_is_a_422_naming_the_field() {
    let app = spawn_app().await;
    let mistyped = app.post(LOGIN, None, json!({"email": 42, "password": "a long passphrase"})).await;
    mistyped.assert_problem(422, "validation_failed");
    assert_eq!(mistyped.field_errors(), vec![("email".to_owned(), "invalid_type".to_owned())]);

    let missing = app.post(LOGIN, None, json!({"email": "a@example.org"})).await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.field_errors(), vec![("password".to_owned(), "required".to_owned())]);

    let unknown =
        app.post(LOGIN, None, json!({"email": "a@example.org", "password": "p", "remember_me": true})).await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.field_errors(), vec![("remember_me".to_owned(), "unknown_field".to_owned())]);
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = spawn_app().await;
    let response = read(
        app.client
            .post(app.url(LOGIN))
            .header("content-type", "text/plain")
            .body("email=a@example.org")
            .send()
            .await
            .unwrap(),
    )
    .await;
    response.assert_problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn a_body_over_max_body_bytes_is_a_413_problem() {
    let app = spawn_app_with(|s| s.max_body_bytes = 1024).await;
    let response =
        app.post(LOGIN, None, json!({"email": "a@example.org", "password": "x".repeat(2000)})).await;
    response.assert_problem(413, "payload_too_large");
}

/// A path that exists with another method is 405 with `Allow`; a path that does not is 404.
#[actix_web::test]
async fn a_method_a_route_lacks_is_a_405_problem_naming_the_allowed_ones() {
    let app = spawn_app().await;
    let response = app.delete("/healthz", None).await;
    response.assert_problem(405, "method_not_allowed");
    assert_eq!(response.header("allow"), Some("GET, HEAD"));
    app.delete("/nowhere", None).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_bad_token_is_a_401_problem_with_www_authenticate() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/me", Some("not.a.token")).await;
    response.assert_problem(401, "unauthorized");
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
}

#[actix_web::test]
async fn a_problem_names_its_request_and_its_type_is_a_page_that_explains_the_code() {
    let app = spawn_app().await;
    let response = read(
        app.client
            .post(app.url(LOGIN))
            .header("content-type", "application/json")
            .header("x-request-id", "support-ticket-42")
            .body("{")
            .send()
            .await
            .unwrap(),
    )
    .await;
    response.assert_problem(400, "malformed_json");
    assert_eq!(response.body["instance"], "urn:hybrid-events:request:support-ticket-42");
    assert_eq!(response.body["type"], "/problems/malformed_json");

    // The type, resolved against the request's URL, is a page for people.
    let page = app.client.get(app.url("/problems/malformed_json")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    assert!(html.contains("<code>malformed_json</code>") && html.contains("not well-formed JSON"), "{html}");

    let unknown = app.get("/problems/no_such_code", None).await;
    unknown.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn every_code_the_document_lists_has_its_page() {
    let app = spawn_app().await;
    let document = app.get("/openapi.json", None).await.body;
    let mut codes = std::collections::BTreeSet::new();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        if name.ends_with("Problem") && name != "Problem" {
            for code in schema["properties"]["code"]["enum"].as_array().unwrap() {
                codes.insert(code.as_str().unwrap().to_owned());
            }
        }
    }
    assert!(codes.len() > 50, "{codes:?}");
    for code in codes {
        let page = app.client.get(app.url(&format!("/problems/{code}"))).send().await.unwrap();
        assert_eq!(page.status(), 200, "{code}");
    }
}
