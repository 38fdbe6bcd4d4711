//! What browsers see: CORS for the configured partner origins only, and the security headers
//! on every answer.

use reqwest::Method;

use crate::helpers::{read, spawn_app, spawn_app_with, Resp, TestApp};

const PARTNER: &str = "https://partner.example.org";

async fn preflight(app: &TestApp, origin: &str) -> Resp {
    let request = app
        .client
        .request(Method::OPTIONS, app.url("/api/v1/auth/login"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,authorization");
    read(request.send().await.unwrap()).await
}

async fn from_origin(app: &TestApp, path: &str, origin: &str) -> Resp {
    read(app.client.get(app.url(path)).header("origin", origin).send().await.unwrap()).await
}

#[actix_web::test]
async fn a_preflight_from_a_configured_origin_is_allowed_and_from_another_is_not() {
    let app = spawn_app_with(|s| s.cors_allowed_origins = vec![PARTNER.to_owned()]).await;
    let allowed = preflight(&app, PARTNER).await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(PARTNER));
    let methods = allowed.header("access-control-allow-methods").unwrap_or_default().to_ascii_uppercase();
    assert!(methods.contains("POST") && methods.contains("DELETE"), "{methods}");
    let headers = allowed.header("access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"), "{headers}");
    assert_eq!(allowed.header("x-content-type-options"), Some("nosniff"));

    let refused = preflight(&app, "https://evil.example.com").await;
    assert_ne!(refused.status, 200);
    assert_eq!(refused.header("access-control-allow-origin"), None);

    let actual = from_origin(&app, "/healthz", PARTNER).await;
    assert_eq!(actual.header("access-control-allow-origin"), Some(PARTNER));
    let exposed = actual.header("access-control-expose-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(exposed.contains("retry-after") && exposed.contains("x-request-id"), "{exposed}");
    let foreign = from_origin(&app, "/healthz", "https://evil.example.com").await;
    assert_eq!(foreign.status, 200, "a request is served; only the browser is told not to share it");
    assert_eq!(foreign.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn without_configured_origins_no_origin_is_allowed() {
    let app = spawn_app().await;
    assert!(app.settings.cors_allowed_origins.is_empty(), "none by default");
    let refused = preflight(&app, PARTNER).await;
    assert_ne!(refused.status, 200);
    assert_eq!(refused.header("access-control-allow-origin"), None);
    let actual = from_origin(&app, "/healthz", PARTNER).await;
    assert_eq!(actual.status, 200);
    assert_eq!(actual.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn authenticated_answers_are_not_stored_and_every_answer_is_nosniff() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let me = app.get("/api/v1/me", Some(&admin)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.header("cache-control"), Some("no-store"));
    let denied =
        app.get("/api/v1/organisations", Some(&app.partner_of(app.organisation("CEPAIM").await).await)).await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.header("cache-control"), Some("no-store"));

    let answers = [
        me,
        denied,
        app.get("/healthz", None).await,
        app.get("/api/v1/me", None).await,
        app.get("/api/v1/nothing-here", None).await,
        app.post("/api/v1/auth/login", None, serde_json::json!({"email": "a@example.org", "password": "x"}))
            .await,
        preflight(&app, PARTNER).await,
    ];
    for answer in answers {
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{} {}",
            answer.status,
            answer.text
        );
    }
}
