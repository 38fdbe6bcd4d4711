//! Webhook subscriptions over HTTP: who may create, see and delete which, and what a target
//! URL may be. No change is enqueued here, so nothing is ever posted to these URLs.

use hybrid_events::config::Environment;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const PARTNER_URL: &str = "https://partner.example.org/hooks";
const TOOLS_URL: &str = "https://tools.cepaim.example/hooks";

fn all_types() -> serde_json::Value {
    json!([
        "registration.confirmed",
        "registration.waitlisted",
        "registration.promoted",
        "registration.cancelled",
        "registration.mode_changed",
        "event.updated",
        "event.cancelled"
    ])
}

/// Creates a subscription and returns its id.
async fn subscribe(app: &TestApp, token: &str, body: serde_json::Value) -> String {
    let response = app.post("/api/v1/webhooks", Some(token), body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn anonymous_callers_get_401_on_every_webhook_endpoint() {
    let app = spawn_app().await;
    let id = Uuid::now_v7();
    app.post("/api/v1/webhooks", None, json!({"url": PARTNER_URL, "event_types": ["event.updated"]}))
        .await
        .assert_problem(401, "unauthorized");
    app.get("/api/v1/webhooks", None).await.assert_problem(401, "unauthorized");
    app.get(&format!("/api/v1/webhooks/{id}"), None).await.assert_problem(401, "unauthorized");
    app.delete(&format!("/api/v1/webhooks/{id}"), None).await.assert_problem(401, "unauthorized");
    app.get(&format!("/api/v1/webhooks/{id}/deliveries"), None).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_partner_subscribes_for_itself_and_sees_the_secret_only_once() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let partner = app.partner_of(org).await;
    let me = app.get("/api/v1/me", Some(&partner)).await.body["id"].clone();

    let created = app
        .post(
            "/api/v1/webhooks",
            Some(&partner),
            json!({"url": PARTNER_URL, "event_types": ["registration.promoted", "registration.promoted"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["owner_kind"], "api_client");
    assert_eq!(created.body["api_client_id"], me);
    assert_eq!(created.body["organisation_id"], org.to_string());
    assert_eq!(created.body["url"], PARTNER_URL);
    assert_eq!(created.body["event_types"], json!(["registration.promoted"]), "repeats are ignored");
    let secret = created.body["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");

    let id = created.body["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/webhooks/{id}"), Some(&partner)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert!(read.body.get("secret").is_none() && !read.text.contains(secret), "{}", read.text);
    let list = app.get("/api/v1/webhooks", Some(&partner)).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert!(!list.text.contains(secret));
    let deliveries = app.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&partner)).await;
    assert_eq!(deliveries.status, 200, "{}", deliveries.text);
    assert_eq!(deliveries.body, json!({"items": [], "next_cursor": null}));
}

#[actix_web::test]
async fn partners_may_not_subscribe_for_an_organisation() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let partner = app.partner_of(org).await;
    let response = app
        .post(
            "/api/v1/webhooks",
            Some(&partner),
            json!({"url": PARTNER_URL, "event_types": ["event.updated"], "organisation_id": org}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.field_errors(), vec![("organisation_id".into(), "not_allowed".into())]);
}

#[actix_web::test]
async fn an_organiser_subscribes_for_its_own_organisation_only() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let other = app.organisation("Accem").await;
    let organiser = app.organiser_of(org).await;

    let own = app
        .post("/api/v1/webhooks", Some(&organiser), json!({"url": TOOLS_URL, "event_types": all_types()}))
        .await;
    assert_eq!(own.status, 201, "{}", own.text);
    assert_eq!(own.body["owner_kind"], "organisation");
    assert_eq!(own.body["api_client_id"], json!(null));
    assert_eq!(own.body["organisation_id"], org.to_string());

    app.post(
        "/api/v1/webhooks",
        Some(&organiser),
        json!({"url": TOOLS_URL, "event_types": ["event.updated"], "organisation_id": other}),
    )
    .await
    .assert_problem(403, "forbidden");
    let unknown = app
        .post(
            "/api/v1/webhooks",
            Some(&organiser),
            json!({"url": TOOLS_URL, "event_types": ["event.updated"], "organisation_id": Uuid::now_v7()}),
        )
        .await;
    unknown.assert_problem(422, "unknown_organisation");
}

#[actix_web::test]
async fn an_admin_names_the_organisation_and_sees_every_subscription() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let admin = app.admin().await;
    let missing = app
        .post("/api/v1/webhooks", Some(&admin), json!({"url": TOOLS_URL, "event_types": ["event.updated"]}))
        .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.field_errors(), vec![("organisation_id".into(), "required".into())]);

    let by_admin = subscribe(
        &app,
        &admin,
        json!({"url": TOOLS_URL, "event_types": ["event.updated"], "organisation_id": org}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let by_partner =
        subscribe(&app, &partner, json!({"url": PARTNER_URL, "event_types": ["event.updated"]})).await;

    let list = app.get("/api/v1/webhooks", Some(&admin)).await;
    let ids: Vec<&str> =
        list.body["items"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![by_partner.as_str(), by_admin.as_str()], "newest first");
    for id in [&by_admin, &by_partner] {
        assert_eq!(app.get(&format!("/api/v1/webhooks/{id}"), Some(&admin)).await.status, 200);
        assert_eq!(app.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&admin)).await.status, 200);
    }
    assert_eq!(app.delete(&format!("/api/v1/webhooks/{by_partner}"), Some(&admin)).await.status, 204);
}

#[actix_web::test]
async fn subscriptions_are_404_to_everyone_but_their_owner_and_admins() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let other_org = app.organisation("Accem").await;
    let partner = app.partner_of(org).await;
    let organiser = app.organiser_of(org).await;
    let outsiders = [
        ("another partner of the organisation", app.partner_of(org).await),
        ("a partner of another organisation", app.partner_of(other_org).await),
        ("an organiser of another organisation", app.organiser_of(other_org).await),
    ];
    let partners_own =
        subscribe(&app, &partner, json!({"url": PARTNER_URL, "event_types": all_types()})).await;
    let organisations =
        subscribe(&app, &organiser, json!({"url": TOOLS_URL, "event_types": all_types()})).await;

    let mut cases: Vec<(&str, &str, &str)> = outsiders
        .iter()
        .flat_map(|(who, token)| {
            [(*who, token.as_str(), partners_own.as_str()), (*who, token.as_str(), organisations.as_str())]
        })
        .collect();
    // A partner does not see its organisation's subscription, nor an organiser a partner's.
    cases.push(("the organisation's partner", &partner, &organisations));
    cases.push(("the partner's organiser", &organiser, &partners_own));
    for (who, token, id) in cases {
        for response in [
            app.get(&format!("/api/v1/webhooks/{id}"), Some(token)).await,
            app.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(token)).await,
            app.delete(&format!("/api/v1/webhooks/{id}"), Some(token)).await,
        ] {
            assert_eq!(response.status, 404, "{who} on {id}: {}", response.text);
            response.assert_problem(404, "not_found");
        }
        let list = app.get("/api/v1/webhooks", Some(token)).await;
        assert!(!list.text.contains(id), "{who} lists {id}");
    }
    // Both still exist for their owners.
    assert_eq!(app.get(&format!("/api/v1/webhooks/{partners_own}"), Some(&partner)).await.status, 200);
    assert_eq!(app.get(&format!("/api/v1/webhooks/{organisations}"), Some(&organiser)).await.status, 200);
}

#[actix_web::test]
async fn a_deleted_subscription_is_gone_for_everyone() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let id = subscribe(&app, &organiser, json!({"url": TOOLS_URL, "event_types": ["event.cancelled"]})).await;
    let deleted = app.delete(&format!("/api/v1/webhooks/{id}"), Some(&organiser)).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    app.get(&format!("/api/v1/webhooks/{id}"), Some(&organiser)).await.assert_problem(404, "not_found");
    app.delete(&format!("/api/v1/webhooks/{id}"), Some(&organiser)).await.assert_problem(404, "not_found");
    let admin = app.admin().await;
    app.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&admin))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.get("/api/v1/webhooks", Some(&organiser)).await.body["items"], json!([]));
}

#[actix_web::test]
async fn target_urls_must_be_https_except_loopback_in_development_with_the_opt_in() {
    let app = spawn_app_with(|s| s.webhook_allow_private_targets = true).await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    for url in ["http://127.0.0.1:9/hooks", "http://localhost:9/hooks", "https://10.0.0.8/hooks"] {
        subscribe(&app, &organiser, json!({"url": url, "event_types": ["event.updated"]})).await;
    }
    for (url, code) in [
        ("http://partner.example.org/hooks", "https_required"),
        ("ftp://partner.example.org/hooks", "https_required"),
        ("partner.example.org/hooks", "invalid_url"),
        ("https://user:secret@partner.example.org/hooks", "invalid_url"),
        ("javascript:alert(1)", "invalid_url"),
    ] {
        let response = app
            .post("/api/v1/webhooks", Some(&organiser), json!({"url": url, "event_types": ["event.updated"]}))
            .await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.field_errors(), vec![("url".into(), code.into())], "{url}");
    }
}

#[actix_web::test]
async fn a_production_server_refuses_plain_http_and_private_addresses() {
    let app = spawn_app_with(|s| s.app_env = Environment::Production).await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    for (url, code) in [
        ("http://127.0.0.1:9/hooks", "url_not_public"),
        ("https://127.0.0.1/hooks", "url_not_public"),
        ("https://192.168.1.20/hooks", "url_not_public"),
        ("https://localhost/hooks", "url_not_public"),
    ] {
        let response = app
            .post("/api/v1/webhooks", Some(&organiser), json!({"url": url, "event_types": ["event.updated"]}))
            .await;
        assert_eq!(response.field_errors(), vec![("url".into(), code.into())], "{url}: {}", response.text);
    }
    subscribe(&app, &organiser, json!({"url": TOOLS_URL, "event_types": ["event.updated"]})).await;
}

#[actix_web::test]
async fn event_types_must_be_known_and_at_least_one() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let partner = app.partner_of(org).await;
    let empty =
        app.post("/api/v1/webhooks", Some(&partner), json!({"url": PARTNER_URL, "event_types": []})).await;
    assert_eq!(empty.field_errors(), vec![("event_types".into(), "empty".into())]);
    let unknown = app
        .post(
            "/api/v1/webhooks",
            Some(&partner),
            json!({"url": PARTNER_URL, "event_types": ["registration.created"]}),
        )
        .await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.field_errors(), vec![("event_types[0]".into(), "invalid_value".into())]);
    let extra = app
        .post(
            "/api/v1/webhooks",
            Some(&partner),
            json!({"url": PARTNER_URL, "event_types": ["event.updated"], "secret": "mine"}),
        )
        .await;
    assert_eq!(extra.field_errors(), vec![("secret".into(), "unknown_field".into())]);
}

#[actix_web::test]
async fn an_owner_holds_at_most_twenty_subscriptions() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let partner = app.partner_of(org).await;
    for _ in 0..20 {
        subscribe(&app, &partner, json!({"url": PARTNER_URL, "event_types": ["event.updated"]})).await;
    }
    app.post(
        "/api/v1/webhooks",
        Some(&partner),
        json!({"url": PARTNER_URL, "event_types": ["event.updated"]}),
    )
    .await
    .assert_problem(409, "too_many_subscriptions");
    // Pages of the list hold them all, once each.
    let first = app.get("/api/v1/webhooks?limit=15", Some(&partner)).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/api/v1/webhooks?limit=15&cursor={cursor}"), Some(&partner)).await;
    assert_eq!(
        first.body["items"].as_array().unwrap().len() + second.body["items"].as_array().unwrap().len(),
        20
    );
    assert_eq!(second.body["next_cursor"], json!(null));
    // Another partner is not limited by this one's subscriptions.
    let other = app.partner_of(org).await;
    subscribe(&app, &other, json!({"url": PARTNER_URL, "event_types": ["event.updated"]})).await;
}
