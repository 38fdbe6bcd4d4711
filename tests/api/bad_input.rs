//! Hostile or broken input: each class gets a clear problem+json answer and changes nothing
//! (checked by counting rows afterwards); valid text in any script is taken as it is.

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{read, spawn_app, Resp, TestApp};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in `table` (one of ours, named by the test).
async fn rows(app: &TestApp, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(&mut app.conn().await)
        .await
        .unwrap()
        .n
}

/// POSTs raw bytes with a content type of the test's choosing.
async fn post_raw(app: &TestApp, path: &str, token: &str, content_type: Option<&str>, body: Vec<u8>) -> Resp {
    let mut request = app.client.post(app.url(path)).bearer_auth(token).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    read(request.send().await.expect("sent")).await
}

/// A published event, a partner token and the registrations path.
async fn setup(app: &TestApp) -> (String, String) {
    let (org, _organiser, event) = published_event(app, json!({})).await;
    (app.partner_of(org).await, format!("/api/v1/events/{event}/registrations"))
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

#[actix_web::test]
async fn a_body_over_the_size_limit_is_413_and_creates_nothing() {
    let app = spawn_app().await;
    let (partner, path) = setup(&app).await;
    let mut body = participant("online", false);
    body["accessibility_notes"] = json!("x".repeat(app.settings.max_body_bytes + 1));
    let response = post_raw(&app, &path, &partner, Some("application/json"), bytes(&body)).await;
    response.assert_problem(413, "payload_too_large");
    assert_eq!(rows(&app, "registrations").await, 0);
}

#[actix_web::test]
async fn deeply_nested_or_huge_json_is_refused_and_creates_nothing() {
    let app = spawn_app().await;
    let (partner, path) = setup(&app).await;
    // Far deeper than serde_json's recursion limit (128), yet well within the size limit.
    for deep in [
        format!(r#"{{"participant": {}{}}}"#, "[".repeat(5_000), "]".repeat(5_000)),
        format!("{}{}", r#"{"a":"#.repeat(5_000), "}".repeat(5_000)),
    ] {
        post_raw(&app, &path, &partner, Some("application/json"), deep.into_bytes())
            .await
            .assert_problem(400, "malformed_json");
    }
    // An object given as the array of its fields, which serde alone would take.
    let mut as_array = participant("online", false);
    as_array["consent"] = json!([true, false]);
    let response = post_raw(&app, &path, &partner, Some("application/json"), bytes(&as_array)).await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.field_errors()[0], ("consent".to_owned(), "invalid_type".to_owned()));
    let mut huge = participant("online", false);
    huge["interests"] = json!((0..4_000).map(|i| format!("topic_{i}")).collect::<Vec<_>>());
    assert!(bytes(&huge).len() < app.settings.max_body_bytes);
    let response = post_raw(&app, &path, &partner, Some("application/json"), bytes(&huge)).await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.field_errors()[0], ("interests".to_owned(), "too_many".to_owned()));
    assert_eq!(rows(&app, "registrations").await, 0);
}

#[actix_web::test]
async fn invalid_utf8_is_400_and_creates_nothing() {
    let app = spawn_app().await;
    let (partner, path) = setup(&app).await;
    let mut body = bytes(&participant("online", false));
    let at = body.windows(5).position(|w| w == b"Amina").unwrap();
    body[at] = 0xff;
    body[at + 1] = 0xfe;
    let response = post_raw(&app, &path, &partner, Some("application/json"), body).await;
    response.assert_problem(400, "malformed_json");
    assert_eq!(rows(&app, "registrations").await, 0);
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415_and_creates_nothing() {
    let app = spawn_app().await;
    let (partner, path) = setup(&app).await;
    let body = bytes(&participant("online", false));
    for content_type in
        [Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/xml"), None]
    {
        let response = post_raw(&app, &path, &partner, content_type, body.clone()).await;
        response.assert_problem(415, "unsupported_media_type");
    }
    assert_eq!(rows(&app, "registrations").await, 0);
}

#[actix_web::test]
async fn path_ids_that_are_not_uuids_are_404_problems() {
    let app = spawn_app().await;
    let (partner, _path) = setup(&app).await;
    for id in ["42", "not-a-uuid", "0193a5b0-7c1e-7d2a-9f00", "%00", "..%2F..%2Fetc"] {
        app.get(&format!("/api/v1/events/{id}"), None).await.assert_problem(404, "not_found");
        app.get(&format!("/api/v1/registrations/{id}"), Some(&partner))
            .await
            .assert_problem(404, "not_found");
        let response = app
            .post(&format!("/api/v1/events/{id}/registrations"), Some(&partner), participant("online", false))
            .await;
        response.assert_problem(404, "not_found");
    }
    assert_eq!(rows(&app, "registrations").await, 0);
}

#[actix_web::test]
async fn a_limit_out_of_range_or_not_a_number_is_422_naming_limit() {
    let app = spawn_app().await;
    for limit in ["-1", "0", "201", "abc", "99999999999999999999"] {
        let response = app.get(&format!("/api/v1/events?limit={limit}"), None).await;
        response.assert_problem(422, "validation_failed");
        assert!(
            response.field_errors().iter().any(|(field, _)| field == "limit" || field == "query"),
            "{limit}: {}",
            response.text
        );
    }
    assert_eq!(app.get("/api/v1/events?limit=200", None).await.status, 200);
}

#[actix_web::test]
async fn a_tampered_cursor_or_one_from_another_list_is_400_invalid_cursor() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    for _ in 0..2 {
        let event = create_event(&app, &organiser, roundtable(org)).await;
        publish(&app, &organiser, event).await;
    }
    let first = app.get("/api/v1/events?limit=1", None).await;
    let cursor = first.body["next_cursor"].as_str().expect("a second page").to_owned();
    assert_eq!(app.get(&format!("/api/v1/events?limit=1&cursor={cursor}"), None).await.status, 200);

    let mut tampered = cursor.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [tampered.as_str(), "bm90IGEgY3Vyc29y", "%F0%9F%92%A9", "a.b.c"] {
        app.get(&format!("/api/v1/events?cursor={bad}"), None).await.assert_problem(400, "invalid_cursor");
    }
    let admin = app.admin().await;
    app.get(&format!("/api/v1/organisations?cursor={cursor}"), Some(&admin))
        .await
        .assert_problem(400, "invalid_cursor");
}

#[actix_web::test]
async fn nul_characters_are_422_and_create_nothing() {
    let app = spawn_app().await;
    let (partner, path) = setup(&app).await;
    let mut body = participant("online", false);
    body["participant"]["full_name"] = json!("Ami\u{0}na");
    let response = app.post(&path, Some(&partner), body).await;
    response.assert_problem(422, "invalid_characters");
    let admin = app.admin().await;
    let before = rows(&app, "organisations").await;
    app.post("/api/v1/organisations", Some(&admin), json!({"name": "CEP\u{0}AIM", "kind": "ngo"}))
        .await
        .assert_problem(422, "invalid_characters");
    assert_eq!(rows(&app, "registrations").await, 0);
    assert_eq!(rows(&app, "organisations").await, before);
}

#[actix_web::test]
async fn emoji_and_right_to_left_names_are_taken_and_read_back_intact() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org_name = "جمعية التضامن 🤝 Soria";
    let created =
        app.post("/api/v1/organisations", Some(&admin), json!({"name": org_name, "kind": "ngo"})).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["name"], org_name);
    let org: Uuid = created.body["id"].as_str().unwrap().parse().unwrap();

    let organiser = app.organiser_of(org).await;
    let event = create_event(&app, &organiser, roundtable(org)).await;
    publish(&app, &organiser, event).await;
    let names = ["أمينة بنت عبد الله", "שרה כהן", "Amina 👩🏽‍🌾 Ouédraogo", "‏مريم‎ (Maryam) 🇸🇾"];
    for name in names {
        let mut body = participant("online", false);
        body["participant"]["full_name"] = json!(name);
        body["participant"]["organisation_name"] = json!(org_name);
        let response = register(&app, &organiser, event, body).await;
        assert_eq!(response.status, 201, "{name}: {}", response.text);
        assert_eq!(response.body["participant"]["full_name"], name);
        let id = response.body["id"].as_str().unwrap();
        let read_back = app.get(&format!("/api/v1/registrations/{id}"), Some(&organiser)).await;
        assert_eq!(read_back.body["participant"]["full_name"], name);
        assert_eq!(read_back.body["participant"]["organisation_name"], org_name);
    }
    assert_eq!(rows(&app, "registrations").await, names.len() as i64);
}

#[actix_web::test]
async fn a_method_a_path_does_not_offer_is_405_with_allow_and_an_unknown_path_404() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        ("TRACE", "/api/v1/events", "GET, HEAD, POST"),
        ("PUT", "/api/v1/events/0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "GET, HEAD, PATCH"),
        ("DELETE", "/healthz", "GET, HEAD"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app.send(method, path, None, None).await;
        response.assert_problem(405, "method_not_allowed");
        assert_eq!(response.header("allow"), Some(allow));
    }
    app.send(reqwest::Method::PUT, "/api/v1/nothing", None, None).await.assert_problem(404, "not_found");
}
