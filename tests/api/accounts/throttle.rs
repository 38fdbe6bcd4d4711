//! No brute force: failures are counted per email (or client) and per address, in
//! PostgreSQL, so the limit holds for every server process that shares the database.

use futures_util::future::join_all;
use hybrid_events::startup::Application;
use serde_json::json;

use super::{client_login, create_client, create_user, login, PASSWORD};
use crate::helpers::{read, spawn_app_with, Resp};

const WRONG: &str = "certainly not the password";

#[track_caller]
fn assert_locked(response: &Resp, lockout_seconds: u64) {
    response.assert_problem(429, "too_many_attempts");
    let retry_after: u64 = response.header("retry-after").expect("a Retry-After header").parse().unwrap();
    assert!((1..=lockout_seconds).contains(&retry_after), "Retry-After {retry_after}");
}

#[actix_web::test]
async fn repeated_failures_for_one_email_are_429_with_retry_after_even_with_the_right_password() {
    let app = spawn_app_with(|s| s.login_max_failures = 3).await;
    create_user(&app, "amina@example.org", "admin", None).await;
    create_user(&app, "omar@example.org", "admin", None).await;
    for _ in 0..3 {
        login(&app, "amina@example.org", WRONG).await.assert_problem(401, "invalid_credentials");
    }
    assert_locked(&login(&app, "amina@example.org", WRONG).await, app.settings.login_lockout_seconds);
    assert_locked(&login(&app, "AMINA@example.org", PASSWORD).await, app.settings.login_lockout_seconds);
    let other = login(&app, "omar@example.org", PASSWORD).await;
    assert_eq!(other.status, 200, "another email from the same address is not locked: {}", other.text);
}

#[actix_web::test]
async fn the_lock_holds_in_a_second_server_process_on_the_same_database() {
    let app = spawn_app_with(|s| s.login_max_failures = 2).await;
    create_user(&app, "amina@example.org", "admin", None).await;
    for _ in 0..2 {
        login(&app, "amina@example.org", WRONG).await.assert_problem(401, "invalid_credentials");
    }
    let pool = hybrid_events::db::build_pool(&app.database.url(), &app.settings).unwrap();
    let second = Application::build_with_pool(app.settings.clone(), &app.database.url(), pool).await.unwrap();
    let address = format!("http://127.0.0.1:{}", second.port());
    let server = second.into_server();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let body = json!({"email": "amina@example.org", "password": PASSWORD});
    let response =
        read(app.client.post(format!("{address}/api/v1/auth/login")).json(&body).send().await.unwrap()).await;
    assert_locked(&response, app.settings.login_lockout_seconds);
    handle.stop(false).await;
}

#[actix_web::test]
async fn attempts_sent_at_the_same_moment_cannot_exceed_the_limit() {
    let app = spawn_app_with(|s| s.login_max_failures = 3).await;
    create_user(&app, "amina@example.org", "admin", None).await;
    let answers = join_all((0..10).map(|_| login(&app, "amina@example.org", WRONG))).await;
    let checked = answers.iter().filter(|r| r.status == 401).count();
    let refused = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!((checked, refused), (3, 7), "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_locked(&login(&app, "amina@example.org", PASSWORD).await, app.settings.login_lockout_seconds);
}

#[actix_web::test]
async fn repeated_failures_from_one_address_are_429_for_every_email() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 100;
        s.login_max_failures_per_address = 4;
    })
    .await;
    create_user(&app, "amina@example.org", "admin", None).await;
    for i in 0..4 {
        login(&app, &format!("guess{i}@example.org"), WRONG).await.assert_problem(401, "invalid_credentials");
    }
    assert_locked(&login(&app, "amina@example.org", PASSWORD).await, app.settings.login_lockout_seconds);
}

#[actix_web::test]
async fn a_successful_login_starts_the_email_count_again_and_does_not_count_against_the_address() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 3;
        s.login_max_failures_per_address = 5;
    })
    .await;
    create_user(&app, "amina@example.org", "admin", None).await;
    for _ in 0..6 {
        assert_eq!(
            login(&app, "amina@example.org", PASSWORD).await.status,
            200,
            "successes are not failures"
        );
    }
    for _ in 0..2 {
        login(&app, "amina@example.org", WRONG).await.assert_problem(401, "invalid_credentials");
    }
    assert_eq!(login(&app, "amina@example.org", PASSWORD).await.status, 200);
    for _ in 0..3 {
        login(&app, "amina@example.org", WRONG).await.assert_problem(401, "invalid_credentials");
    }
    assert_locked(&login(&app, "amina@example.org", PASSWORD).await, app.settings.login_lockout_seconds);
}

#[actix_web::test]
async fn repeated_wrong_client_secrets_are_429_too() {
    let app = spawn_app_with(|s| s.login_max_failures = 2).await;
    let org = app.organisation("CEPAIM").await;
    let client = create_client(&app, &app.admin().await, org).await;
    let mut wrong = client.clone();
    wrong["client_secret"] = WRONG.into();
    for _ in 0..2 {
        client_login(&app, &wrong).await.assert_problem(401, "invalid_credentials");
    }
    assert_locked(&client_login(&app, &client).await, app.settings.login_lockout_seconds);
}
