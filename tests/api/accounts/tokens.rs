//! Logging in, `/me`, and what the server makes of tokens it did not issue as they are.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hybrid_events::db::schema::users;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use uuid::Uuid;

use hybrid_events::auth::jwt::{AUDIENCE, ISSUER};

use super::{access_token, create_user, login, PASSWORD};
use crate::helpers::{spawn_app, spawn_app_with, JWT_SECRET};

fn mint(alg: Algorithm, claims: &Value) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(JWT_SECRET.as_bytes()).unwrap()).unwrap()
}

fn payload(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[actix_web::test]
async fn a_user_logs_in_with_any_case_of_their_email_and_me_describes_them() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let user = create_user(&app, "Amina@Example.org", "organiser", Some(org)).await;
    let response = login(&app, "  amina@EXAMPLE.org", PASSWORD).await;
    assert_eq!(response.body["token_type"], "Bearer");
    assert_eq!(response.body["expires_in"], 3600);
    assert_eq!(response.header("cache-control"), Some("no-store"), "an answer holding a token is not stored");
    let me = app.get("/api/v1/me", Some(&access_token(&response))).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        me.body,
        json!({"id": user["id"], "kind": "user", "role": "organiser",
               "organisation_id": org.to_string(), "email": "Amina@Example.org"})
    );
}

#[actix_web::test]
async fn tokens_are_hs256_with_sub_role_org_iat_and_the_configured_lifetime() {
    let app = spawn_app_with(|s| s.access_token_ttl_seconds = 600).await;
    let admin = create_user(&app, "admin@example.org", "admin", None).await;
    let response = login(&app, "admin@example.org", PASSWORD).await;
    assert_eq!(response.body["expires_in"], 600);
    let token = access_token(&response);
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    let claims = payload(&token);
    assert_eq!(claims["sub"], admin["id"]);
    assert_eq!(claims["role"], "admin");
    assert_eq!(claims["org"], Value::Null);
    assert_eq!((&claims["iss"], &claims["aud"]), (&json!("hybrid-events"), &json!("hybrid-events-api")));
    let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    assert_eq!(exp - iat, 600);
    assert!((iat - now()).abs() < 60, "iat is now");
}

#[actix_web::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer_in_about_the_same_time() {
    let app = spawn_app().await;
    create_user(&app, "amina@example.org", "admin", None).await;
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..3 {
        let started = Instant::now();
        let response = login(&app, "amina@example.org", "not her password at all").await;
        wrong.push((started.elapsed(), response));
        let started = Instant::now();
        let response = login(&app, &format!("nobody{i}@example.org"), "not her password at all").await;
        unknown.push((started.elapsed(), response));
    }
    let reference = &wrong[0].1;
    reference.assert_problem(401, "invalid_credentials");
    // The same answer but for `instance`, which names each request.
    let without_instance = |body: &serde_json::Value| {
        let mut body = body.clone();
        body.as_object_mut().unwrap().remove("instance");
        body
    };
    for (_, response) in wrong.iter().chain(&unknown) {
        assert_eq!(
            (response.status, without_instance(&response.body)),
            (401, without_instance(&reference.body))
        );
        assert_eq!(response.header("content-type"), reference.header("content-type"));
    }
    // Both verify one Argon2 hash; without the dummy hash an unknown email answers in a few
    // milliseconds instead. A quarter is far from either, whatever else the machine runs.
    let fastest_wrong = wrong.iter().map(|(t, _)| *t).min().unwrap();
    let fastest_unknown = unknown.iter().map(|(t, _)| *t).min().unwrap();
    assert!(
        fastest_unknown * 4 >= fastest_wrong,
        "unknown email {fastest_unknown:?} vs wrong password {fastest_wrong:?}"
    );
    assert!(fastest_wrong >= Duration::from_millis(5), "a password check takes time: {fastest_wrong:?}");
}

#[actix_web::test]
async fn tampered_unsigned_foreign_and_expired_tokens_are_401() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let user = create_user(&app, "amina@example.org", "organiser", Some(org)).await;
    let good = access_token(&login(&app, "amina@example.org", PASSWORD).await);
    assert_eq!(app.get("/api/v1/me", Some(&good)).await.status, 200);

    let sub = user["id"].clone();
    let claims = json!({"sub": sub, "role": "organiser", "org": org, "iat": now(), "exp": now() + 600,
                        "iss": ISSUER, "aud": AUDIENCE});
    let fresh = mint(Algorithm::HS256, &claims);
    assert_eq!(
        app.get("/api/v1/me", Some(&fresh)).await.status,
        200,
        "the test mints tokens as the server does"
    );

    let parts: Vec<&str> = good.split('.').collect();
    let mut forged_claims = payload(&good);
    forged_claims["role"] = "admin".into();
    let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(forged_claims.to_string()), parts[2]);
    // A character inside the signature (the last one carries padding bits).
    let mut flipped = good.clone();
    let at = flipped.len() - 10;
    let replacement = if &flipped[at..at + 1] == "A" { "B" } else { "A" };
    flipped.replace_range(at..at + 1, replacement);
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);
    let other_secret = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"another-secret-another-secret-0123456").unwrap(),
    )
    .unwrap();
    let expired = mint(
        Algorithm::HS256,
        &json!({"sub": sub, "role": "organiser", "org": org, "iat": now() - 7200, "exp": now() - 3600,
                "iss": ISSUER, "aud": AUDIENCE}),
    );
    let partner_claim = mint(
        Algorithm::HS256,
        &json!({"sub": sub, "role": "partner", "org": org, "iat": now(), "exp": now() + 600,
                "iss": ISSUER, "aud": AUDIENCE}),
    );
    let no_exp = mint(
        Algorithm::HS256,
        &json!({"sub": sub, "role": "organiser", "org": org, "iat": now(), "iss": ISSUER, "aud": AUDIENCE}),
    );
    let cases = [
        ("tampered payload", forged),
        ("tampered signature", flipped),
        ("alg none", unsigned),
        ("HS512", mint(Algorithm::HS512, &claims)),
        ("HS384", mint(Algorithm::HS384, &claims)),
        ("another secret", other_secret),
        ("expired", expired),
        ("no exp", no_exp),
        ("a user's id with the partner role", partner_claim),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in cases {
        let response = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(response.status, 401, "{what}: {}", response.text);
        response.assert_problem(401, "unauthorized");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"), "{what}");
    }
    let basic =
        app.client.get(app.url("/api/v1/me")).header("authorization", format!("Basic {good}")).send().await;
    crate::helpers::read(basic.unwrap()).await.assert_problem(401, "unauthorized");
}

/// Someone who holds the key (or a tool that shares it) mints tokens: without the issuer and
/// audience this server puts in, or living longer than ACCESS_TOKEN_TTL_SECONDS, they are
/// refused however well signed they are.
#[actix_web::test]
async fn well_signed_tokens_without_issuer_and_audience_or_living_too_long_are_401() {
    let app = spawn_app_with(|s| s.access_token_ttl_seconds = 600).await;
    let admin = create_user(&app, "admin@example.org", "admin", None).await;
    let sub = admin["id"].clone();
    let token = |iat: i64, exp: i64, iss: Option<&str>, aud: Option<&str>| {
        let mut claims = json!({"sub": sub, "role": "admin", "org": null, "iat": iat, "exp": exp});
        if let Some(iss) = iss {
            claims["iss"] = iss.into();
        }
        if let Some(aud) = aud {
            claims["aud"] = aud.into();
        }
        mint(Algorithm::HS256, &claims)
    };
    let (iss, aud) = (Some(ISSUER), Some(AUDIENCE));
    let good = token(now(), now() + 600, iss, aud);
    assert_eq!(app.get("/api/v1/me", Some(&good)).await.status, 200, "as the server issues them");

    let day = 86_400;
    let cases = [
        ("no iss, no aud (as tokens were minted before)", token(now(), now() + 600, None, None)),
        ("no iss", token(now(), now() + 600, None, aud)),
        ("no aud", token(now(), now() + 600, iss, None)),
        ("another issuer", token(now(), now() + 600, Some("https://sso.example.org"), aud)),
        ("another audience", token(now(), now() + 600, iss, Some("hybrid-events-webhooks"))),
        ("a 30-day lifetime", token(now(), now() + 30 * day, iss, aud)),
        ("a minute longer than the configured 600 s", token(now(), now() + 660, iss, aud)),
        ("issued in the future to look short", token(now() + 29 * day, now() + 29 * day + 600, iss, aud)),
    ];
    for (what, token) in cases {
        let response = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(response.status, 401, "{what}: {}", response.text);
        response.assert_problem(401, "unauthorized");
        let admin_only = app.get("/api/v1/organisations", Some(&token)).await;
        assert_eq!(admin_only.status, 401, "{what}: {}", admin_only.text);
    }
}

#[actix_web::test]
async fn a_deleted_users_token_is_401_at_once() {
    let app = spawn_app().await;
    let user = create_user(&app, "amina@example.org", "admin", None).await;
    let token = access_token(&login(&app, "amina@example.org", PASSWORD).await);
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
    let id: Uuid = user["id"].as_str().unwrap().parse().unwrap();
    let deleted = diesel::delete(users::table.find(id)).execute(&mut app.conn().await).await.unwrap();
    assert_eq!(deleted, 1);
    app.get("/api/v1/me", Some(&token)).await.assert_problem(401, "unauthorized");
    app.get("/api/v1/organisations", Some(&token)).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn me_without_a_token_is_401() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/me", None).await;
    response.assert_problem(401, "unauthorized");
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
}

#[actix_web::test]
async fn malformed_login_bodies_are_400_415_and_422() {
    let app = spawn_app().await;
    let malformed = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    crate::helpers::read(malformed).await.assert_problem(400, "malformed_json");
    let form =
        app.client.post(app.url("/api/v1/auth/login")).body("email=a&password=b").send().await.unwrap();
    crate::helpers::read(form).await.assert_problem(415, "unsupported_media_type");
    let missing = app.post("/api/v1/auth/login", None, json!({"email": "a@example.org"})).await;
    assert_eq!(missing.field_errors(), [("password".to_owned(), "required".to_owned())]);
    let extra = app
        .post("/api/v1/auth/token", None, json!({"client_id": "a", "client_secret": "b", "scope": "x"}))
        .await;
    assert_eq!(extra.field_errors(), [("scope".to_owned(), "unknown_field".to_owned())]);
}
