//! Organisations, users and API clients; the submodules cover tokens and the login throttle,
//! the authorization matrix, CORS and headers, and the `create-admin` command.

mod cli;
mod matrix;
mod throttle;
mod tokens;
mod web;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hybrid_events::db::schema::{api_clients, users};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, Resp, TestApp};

pub const PASSWORD: &str = "a long enough passphrase";

/// Creates a user through the API; answers its body.
pub async fn create_user(app: &TestApp, email: &str, role: &str, org: Option<Uuid>) -> Value {
    let admin = app.admin().await;
    let body = json!({"email": email, "password": PASSWORD, "role": role, "organisation_id": org});
    let response = app.post("/api/v1/users", Some(&admin), body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body
}

pub async fn login(app: &TestApp, email: &str, password: &str) -> Resp {
    app.post("/api/v1/auth/login", None, json!({"email": email, "password": password})).await
}

/// A login sent with `X-Forwarded-For: forwarded_for`: the client address the server counts
/// when it trusts the test client as a proxy (see [`behind_proxies`]).
pub async fn login_from(app: &TestApp, forwarded_for: &str, email: &str, password: &str) -> Resp {
    let request = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": email, "password": password}));
    crate::helpers::read(request.send().await.unwrap()).await
}

/// Settings under which the test client (127.0.0.1) and `others` are trusted proxies.
pub fn behind_proxies(settings: &mut hybrid_events::config::Settings, others: &str) {
    let list = format!("127.0.0.1/32,{others}");
    settings.trusted_proxies = Some(hybrid_events::config::TrustedProxies::parse(&list).unwrap());
}

/// Creates an API client of `org` through the API; answers its body, secret included.
pub async fn create_client(app: &TestApp, token: &str, org: Uuid) -> Value {
    let path = format!("/api/v1/organisations/{org}/api-clients");
    let response = app.post(&path, Some(token), json!({"name": "Registration tablet"})).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body
}

pub async fn client_login(app: &TestApp, client: &Value) -> Resp {
    let body = json!({"client_id": client["client_id"], "client_secret": client["client_secret"]});
    app.post("/api/v1/auth/token", None, body).await
}

pub fn access_token(response: &Resp) -> String {
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["access_token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn admins_create_organisations_that_organisers_list_newest_first() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = app
        .post("/api/v1/organisations", Some(&admin), json!({"name": "  Fundación CEPAIM ", "kind": "ngo"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["name"], "Fundación CEPAIM", "names are trimmed");
    assert_eq!(created.body["kind"], "ngo");
    assert!(created.body["created_at"].as_str().unwrap().ends_with('Z'));
    let first: Uuid = created.body["id"].as_str().unwrap().parse().unwrap();
    let second = app.organisation("Junta de Castilla y León").await;

    let organiser = app.organiser_of(first).await;
    let list = app.get("/api/v1/organisations", Some(&organiser)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let ids: Vec<&str> =
        list.body["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [second.to_string(), first.to_string()]);
    assert_eq!(list.body["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn the_organisation_list_pages_with_its_cursor() {
    let app = spawn_app().await;
    for name in ["One", "Two", "Three"] {
        app.organisation(name).await;
    }
    let admin = app.admin().await;
    let first = app.get("/api/v1/organisations?limit=2", Some(&admin)).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().expect("a second page").to_owned();
    let second = app.get(&format!("/api/v1/organisations?limit=2&cursor={cursor}"), Some(&admin)).await;
    assert_eq!(second.body["items"][0]["name"], "One");
    assert_eq!(second.body["next_cursor"], Value::Null);
    app.get("/api/v1/organisations?cursor=forged.cursor", Some(&admin))
        .await
        .assert_problem(400, "invalid_cursor");
    app.get("/api/v1/organisations?limit=0", Some(&admin)).await.assert_problem(422, "validation_failed");
}

#[actix_web::test]
async fn organisation_names_are_unique_regardless_of_case_and_spaces() {
    let app = spawn_app().await;
    app.organisation("Fundación CEPAIM").await;
    let admin = app.admin().await;
    // The last with its accent typed as a combining character after the O.
    for name in ["Fundación CEPAIM", "fundación cepaim", " FUNDACIÓN CEPAIM ", "FUNDACIO\u{301}N CEPAIM"] {
        let again =
            app.post("/api/v1/organisations", Some(&admin), json!({"name": name, "kind": "other"})).await;
        again.assert_problem(409, "organisation_exists");
    }
}

#[actix_web::test]
async fn an_organisation_kind_outside_the_contract_or_a_blank_name_is_422() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let bad_kind =
        app.post("/api/v1/organisations", Some(&admin), json!({"name": "A", "kind": "company"})).await;
    bad_kind.assert_problem(422, "validation_failed");
    assert_eq!(bad_kind.field_errors(), [("kind".to_owned(), "invalid_value".to_owned())]);
    let blank = app.post("/api/v1/organisations", Some(&admin), json!({"name": "  ", "kind": "ngo"})).await;
    assert_eq!(blank.field_errors(), [("name".to_owned(), "blank".to_owned())]);
    // The schema's maxLength counts what is sent, padding included; so does the server.
    let padded = format!("   {}", "x".repeat(199));
    let long = app.post("/api/v1/organisations", Some(&admin), json!({"name": padded, "kind": "ngo"})).await;
    assert_eq!(long.field_errors(), [("name".to_owned(), "too_long".to_owned())]);
    let extra =
        app.post("/api/v1/organisations", Some(&admin), json!({"name": "B", "kind": "ngo", "x": 1})).await;
    assert_eq!(extra.field_errors(), [("x".to_owned(), "unknown_field".to_owned())]);
    for kind in [
        "regional_authority",
        "public_agency",
        "ngo",
        "migrant_led_organisation",
        "international_organisation",
        "volunteer_group",
        "other",
    ] {
        let ok = app.post("/api/v1/organisations", Some(&admin), json!({"name": kind, "kind": kind})).await;
        assert_eq!((ok.status, ok.body["kind"].as_str()), (201, Some(kind)), "{}", ok.text);
    }
}

#[actix_web::test]
async fn a_password_under_12_characters_is_422_weak_password() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json!({"email": "a@example.org", "password": "elevenchars", "role": "admin"});
    let response = app.post("/api/v1/users", Some(&admin), body).await;
    response.assert_problem(422, "weak_password");
    assert_eq!(response.field_errors(), [("password".to_owned(), "weak_password".to_owned())]);
}

#[actix_web::test]
async fn a_created_user_is_stored_with_an_argon2id_hash_and_no_password_in_the_answer() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let user = create_user(&app, "Amina.Organiser@Example.org", "organiser", Some(org)).await;
    assert_eq!(user["email"], "Amina.Organiser@Example.org");
    assert_eq!(user["role"], "organiser");
    assert_eq!(user["organisation_id"], org.to_string());
    let mut keys: Vec<&String> = user.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["created_at", "email", "id", "organisation_id", "role"]);

    let id: Uuid = user["id"].as_str().unwrap().parse().unwrap();
    let hash: String =
        users::table.find(id).select(users::password_hash).first(&mut app.conn().await).await.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    let cost = |name: &str| -> u32 {
        let params = hash.split('$').nth(3).unwrap();
        params.split(',').find_map(|p| p.strip_prefix(name)).unwrap().parse().unwrap()
    };
    assert!(cost("m=") >= 19 * 1024 && cost("t=") >= 2, "at least the argon2 crate's defaults: {hash}");
    assert!(!hash.contains(PASSWORD));
}

#[actix_web::test]
async fn emails_are_unique_regardless_of_case() {
    let app = spawn_app().await;
    create_user(&app, "amina@example.org", "admin", None).await;
    let admin = app.admin().await;
    let body = json!({"email": " AMINA@Example.ORG ", "password": PASSWORD, "role": "admin"});
    app.post("/api/v1/users", Some(&admin), body).await.assert_problem(409, "email_taken");
}

#[actix_web::test]
async fn emails_differing_only_in_case_beyond_ascii_are_one_user_who_logs_in_with_either() {
    let app = spawn_app().await;
    create_user(&app, "ÁLVARO@cepaim.test", "admin", None).await;
    let admin = app.admin().await;
    // Lower case; then upper case with the accent typed as a combining character.
    for email in ["álvaro@cepaim.test", "A\u{301}LVARO@CEPAIM.test"] {
        let body = json!({"email": email, "password": PASSWORD, "role": "admin"});
        app.post("/api/v1/users", Some(&admin), body).await.assert_problem(409, "email_taken");
    }
    for email in ["álvaro@cepaim.test", " Álvaro@Cepaim.Test ", "a\u{301}lvaro@cepaim.test"] {
        access_token(&login(&app, email, PASSWORD).await);
    }
}

#[actix_web::test]
async fn an_organiser_needs_an_organisation_that_exists() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let missing = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": "o@example.org", "password": PASSWORD, "role": "organiser"}),
        )
        .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.field_errors(), [("organisation_id".to_owned(), "required".to_owned())]);

    let body = json!({"email": "o@example.org", "password": PASSWORD, "role": "organiser",
                      "organisation_id": Uuid::now_v7()});
    let unknown = app.post("/api/v1/users", Some(&admin), body).await;
    unknown.assert_problem(422, "unknown_organisation");
    assert_eq!(unknown.field_errors(), [("organisation_id".to_owned(), "unknown_organisation".to_owned())]);

    let body = json!({"email": "not-an-email", "password": PASSWORD, "role": "admin"});
    let bad_email = app.post("/api/v1/users", Some(&admin), body).await;
    assert_eq!(bad_email.field_errors(), [("email".to_owned(), "invalid_email".to_owned())]);
    let body = json!({"email": "o@example.org", "password": PASSWORD, "role": "partner"});
    let bad_role = app.post("/api/v1/users", Some(&admin), body).await;
    assert_eq!(bad_role.field_errors(), [("role".to_owned(), "invalid_value".to_owned())]);
}

#[actix_web::test]
async fn an_api_client_secret_is_shown_once_and_stored_only_as_an_argon2id_hash() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let client = create_client(&app, &organiser, org).await;
    let secret = client["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 32, "{secret}");
    assert_eq!(client["organisation_id"], org.to_string());
    assert_eq!(client["name"], "Registration tablet");
    assert!(client["client_id"].as_str().unwrap().starts_with("hec_"));

    let id: Uuid = client["id"].as_str().unwrap().parse().unwrap();
    let stored: String = api_clients::table
        .find(id)
        .select(api_clients::secret_hash)
        .first(&mut app.conn().await)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(secret));

    let list = app.get(&format!("/api/v1/organisations/{org}/api-clients"), Some(&organiser)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let listed = &list.body["items"][0];
    assert_eq!(listed["client_id"], client["client_id"]);
    assert_eq!(listed["revoked_at"], Value::Null);
    assert!(!list.text.contains(secret) && !list.text.contains("argon2"), "{}", list.text);
    assert!(listed.get("client_secret").is_none() && listed.get("secret_hash").is_none());
}

#[actix_web::test]
async fn a_client_logs_in_with_its_secret_and_me_shows_no_email() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let client = create_client(&app, &app.admin().await, org).await;
    let token_response = client_login(&app, &client).await;
    assert_eq!(token_response.body["token_type"], "Bearer");
    let me = app.get("/api/v1/me", Some(&access_token(&token_response))).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        me.body,
        json!({"id": client["id"], "kind": "api_client", "role": "partner",
               "organisation_id": org.to_string(), "email": null})
    );
    let wrong = json!({"client_id": client["client_id"], "client_secret": "not the secret"});
    app.post("/api/v1/auth/token", None, wrong).await.assert_problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn revoking_a_client_stops_its_tokens_at_once() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let client = create_client(&app, &organiser, org).await;
    let token = access_token(&client_login(&app, &client).await);
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);

    let path = format!("/api/v1/organisations/{org}/api-clients/{}", client["id"].as_str().unwrap());
    let revoked = app.delete(&path, Some(&organiser)).await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    app.get("/api/v1/me", Some(&token)).await.assert_problem(401, "unauthorized");
    client_login(&app, &client).await.assert_problem(401, "invalid_credentials");
    assert_eq!(app.delete(&path, Some(&organiser)).await.status, 204, "revoking again is harmless");

    let list = app.get(&format!("/api/v1/organisations/{org}/api-clients"), Some(&organiser)).await;
    assert!(list.body["items"][0]["revoked_at"].is_string(), "{}", list.text);
}

#[actix_web::test]
async fn a_client_can_be_revoked_by_its_public_client_id() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let admin = app.admin().await;
    let client = create_client(&app, &admin, org).await;
    let token = access_token(&client_login(&app, &client).await);
    let path = format!("/api/v1/organisations/{org}/api-clients/{}", client["client_id"].as_str().unwrap());
    assert_eq!(app.delete(&path, Some(&admin)).await.status, 204);
    app.get("/api/v1/me", Some(&token)).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_client_is_not_found_through_another_organisation() {
    let app = spawn_app().await;
    let (mine, other) = (app.organisation("Mine").await, app.organisation("Other").await);
    let admin = app.admin().await;
    let client = create_client(&app, &admin, other).await;
    let organiser = app.organiser_of(mine).await;
    for id in [client["id"].as_str().unwrap(), client["client_id"].as_str().unwrap(), "no-such-client"] {
        let path = format!("/api/v1/organisations/{mine}/api-clients/{id}");
        app.delete(&path, Some(&organiser)).await.assert_problem(404, "not_found");
        app.delete(&path, Some(&admin)).await.assert_problem(404, "not_found");
    }
    let still = client_login(&app, &client).await;
    assert_eq!(still.status, 200, "the client of the other organisation still works: {}", still.text);
}
