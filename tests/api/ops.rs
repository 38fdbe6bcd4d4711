use serde_json::Value;

use hybrid_events::config::Settings;
use hybrid_events::startup::Application;

use crate::helpers::{spawn_app, spawn_app_with, Resp, TestApp};

#[actix_web::test]
async fn healthz_answers_ok_with_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/healthz", None).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["status"], "ok");
    assert!(response.header("x-request-id").is_some_and(|id| !id.is_empty()));
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
}

#[actix_web::test]
async fn a_plain_incoming_request_id_is_echoed_and_a_strange_one_replaced() {
    let app = spawn_app().await;
    let plain = app.client.get(app.url("/healthz")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(plain.headers()["x-request-id"], "abc-123");
    let strange = app.client.get(app.url("/healthz")).header("x-request-id", "a b\"c").send().await.unwrap();
    assert_ne!(strange.headers()["x-request-id"], "a b\"c");
}

#[actix_web::test]
async fn readyz_is_ok_while_the_database_answers() {
    let app = spawn_app().await;
    let response = app.get("/readyz", None).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[actix_web::test]
async fn readyz_is_503_when_the_database_does_not_answer() {
    let app = spawn_app().await;
    // A second server whose pool points at a port where nothing listens.
    let nowhere = "postgres://postgres@127.0.0.1:1/none";
    let other = hybrid_events::db::build_pool(nowhere, &app.settings).unwrap();
    let mut settings = app.settings.clone();
    settings.database_acquire_timeout_ms = 500;
    let application =
        hybrid_events::startup::Application::build_with_pool(settings, nowhere, other).await.unwrap();
    let address = format!("http://127.0.0.1:{}", application.port());
    actix_web::rt::spawn(application.into_server());
    let response =
        crate::helpers::read(app.client.get(format!("{address}/readyz")).send().await.unwrap()).await;
    assert_eq!(response.status, 503, "{}", response.text);
    assert!(response.header("retry-after").is_some());
    let me = crate::helpers::read(
        app.client.get(format!("{address}/api/v1/me")).bearer_auth("x.y.z").send().await.unwrap(),
    )
    .await;
    me.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn metrics_show_requests_by_route_and_the_pool() {
    let app = spawn_app().await;
    app.get("/healthz", None).await;
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status, 200);
    assert!(response.text.contains("endpoint=\"/healthz\""), "{}", response.text);
    assert!(response.text.contains("hybrid_events_http_requests_duration_seconds_bucket"));
    assert!(response.text.contains("hybrid_events_db_pool_connections "), "{}", response.text);
}

const METRICS_TOKEN: &str = "scraper-token-Fq9wLm2Xr7";

/// What a scrape gets from `address`, with `token` as bearer token when given.
async fn scrape(app: &TestApp, address: &str, token: Option<&str>) -> Resp {
    let mut request = app.client.get(format!("{address}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    crate::helpers::read(request.send().await.unwrap()).await
}

/// With METRICS_BEARER_TOKEN set, a scraper that does not show it learns nothing (routes,
/// traffic, pool use).
#[actix_web::test]
async fn with_a_metrics_token_metrics_are_401_without_it() {
    let app = spawn_app_with(|s| s.metrics_bearer_token = Some(METRICS_TOKEN.into())).await;
    app.get("/healthz", None).await;
    let admin = app.admin().await;
    let wrong = format!("{METRICS_TOKEN}x");
    let short = &METRICS_TOKEN[..METRICS_TOKEN.len() - 1];
    let cases = [
        ("none", None),
        ("a wrong one", Some(wrong.as_str())),
        ("a prefix", Some(short)),
        ("an admin's access token", Some(admin.as_str())),
    ];
    for (what, token) in cases {
        let response = scrape(&app, &app.address, token).await;
        assert_eq!(response.status, 401, "{what}: {}", response.text);
        response.assert_problem(401, "unauthorized");
        assert!(!response.text.contains("hybrid_events_http_requests"), "{what}: {}", response.text);
        assert_eq!(response.header("www-authenticate"), Some("Bearer"), "{what}");
    }
    let basic = app
        .client
        .get(app.url("/metrics"))
        .header("authorization", format!("Basic {METRICS_TOKEN}"))
        .send()
        .await
        .unwrap();
    crate::helpers::read(basic).await.assert_problem(401, "unauthorized");

    let response = scrape(&app, &app.address, Some(METRICS_TOKEN)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.text.contains("endpoint=\"/healthz\""), "{}", response.text);
    // The token is for /metrics only: it opens nothing else.
    app.get("/api/v1/me", Some(METRICS_TOKEN)).await.assert_problem(401, "unauthorized");
}

/// A second server on the test app's database with METRICS_BIND_ADDR=127.0.0.1:0 and
/// `customise`d settings; answers its main and metrics addresses and a handle that stops it.
async fn spawn_with_metrics_listener(
    app: &TestApp,
    customise: impl FnOnce(&mut Settings),
) -> (String, String, actix_web::dev::ServerHandle) {
    let mut settings = app.settings.clone();
    settings.metrics_bind_addr = Some("127.0.0.1:0".parse().unwrap());
    customise(&mut settings);
    let url = app.database.url();
    let pool = hybrid_events::db::build_pool(&url, &settings).unwrap();
    let application = Application::build_with_pool(settings, &url, pool).await.unwrap();
    let main = format!("http://127.0.0.1:{}", application.port());
    let metrics = format!("http://127.0.0.1:{}", application.metrics_port().expect("a metrics listener"));
    assert_ne!(main, metrics);
    let server = application.into_server();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (main, metrics, handle)
}

/// With METRICS_BIND_ADDR, /metrics lives on that listener only (one an operator keeps on an
/// internal interface), and that listener serves nothing else.
#[actix_web::test]
async fn with_a_metrics_listener_metrics_are_served_there_only() {
    let app = spawn_app().await;
    let (main, metrics, handle) = spawn_with_metrics_listener(&app, |_| {}).await;
    let healthz = crate::helpers::read(app.client.get(format!("{main}/healthz")).send().await.unwrap()).await;
    assert_eq!(healthz.status, 200);

    scrape(&app, &main, None).await.assert_problem(404, "not_found");
    let response = scrape(&app, &metrics, None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response.text.contains("endpoint=\"/healthz\""),
        "the main listener's traffic: {}",
        response.text
    );
    for path in ["/healthz", "/api/v1/events", "/openapi.json", "/docs/", "/metrics/x"] {
        let response =
            crate::helpers::read(app.client.get(format!("{metrics}{path}")).send().await.unwrap()).await;
        response.assert_problem(404, "not_found");
    }
    let post = app.client.post(format!("{metrics}/metrics")).send().await.unwrap();
    crate::helpers::read(post).await.assert_problem(404, "not_found");
    handle.stop(false).await;
}

#[actix_web::test]
async fn with_both_the_metrics_listener_needs_the_token_too() {
    let app = spawn_app().await;
    let (main, metrics, handle) =
        spawn_with_metrics_listener(&app, |s| s.metrics_bearer_token = Some(METRICS_TOKEN.into())).await;
    scrape(&app, &main, Some(METRICS_TOKEN)).await.assert_problem(404, "not_found");
    scrape(&app, &metrics, None).await.assert_problem(401, "unauthorized");
    let response = scrape(&app, &metrics, Some(METRICS_TOKEN)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.text.contains("hybrid_events_db_pool_connections "), "{}", response.text);
    handle.stop(false).await;
}

#[actix_web::test]
async fn unknown_paths_are_problem_json_404() {
    let app = spawn_app().await;
    app.get("/api/v1/nothing-here", None).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn the_served_openapi_document_is_the_generated_one() {
    let app = spawn_app().await;
    let served = app.get("/openapi.json", None).await;
    assert_eq!(served.status, 200);
    let generated: Value = serde_json::from_str(&hybrid_events::openapi::document_json()).unwrap();
    assert_eq!(served.body, generated);
}

#[actix_web::test]
async fn the_docs_page_is_served_by_this_server_alone() {
    let app = spawn_app().await;
    let redirect = app.get("/docs", None).await;
    assert_eq!(redirect.status, 308);
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger"), "{}", page.text);
    assert!(!page.text.contains("https://"), "the page must not load anything from elsewhere: {}", page.text);
    let script = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(script.status, 200);
}

/// The checked-in document must be what the code generates. `UPDATE_OPENAPI=1 cargo test`
/// rewrites it.
#[test]
fn the_checked_in_openapi_document_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let generated = hybrid_events::openapi::document_json();
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let diff: Vec<String> = checked_in
            .lines()
            .zip(generated.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(10)
            .map(|(i, (a, b))| format!("line {}:\n  checked in: {a}\n  generated:  {b}", i + 1))
            .collect();
        panic!(
            "openapi/openapi.json is out of date ({} vs {} lines); run `UPDATE_OPENAPI=1 cargo test openapi`.\n{}",
            checked_in.lines().count(),
            generated.lines().count(),
            diff.join("\n")
        );
    }
}

#[actix_web::test]
async fn bootstrap_admin_is_created_once() {
    let app = spawn_app_with(|s| {
        s.bootstrap_admin_email = Some("first.admin@example.org".into());
        s.bootstrap_admin_password = Some("a long enough password".into());
    })
    .await;
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            serde_json::json!({"email": "first.admin@example.org", "password": "a long enough password"}),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    // A second start with the same settings changes nothing.
    let again = hybrid_events::db::accounts::bootstrap_admin(
        &app.pool,
        "first.admin@example.org",
        "another long password",
    )
    .await
    .unwrap();
    assert!(!again);
}
