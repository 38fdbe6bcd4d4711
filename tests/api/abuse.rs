//! Abuse: a per-caller limit on registrations, counted in PostgreSQL, and the login limits
//! keyed on the right client address behind a proxy.

use chrono::{Timelike, Utc};
use futures_util::future::join_all;
use hybrid_events::startup::Application;
use serde_json::json;

use crate::accounts::{behind_proxies, create_user, login_from, PASSWORD};
use crate::fixtures::*;
use crate::helpers::{read, spawn_app_with, Resp, TestApp};

#[track_caller]
fn assert_rate_limited(response: &Resp) {
    response.assert_problem(429, "rate_limited");
    let retry_after: u64 = response.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
}

/// Runs `attempt` until it ran within one minute of the clock: the limit counts in
/// one-minute windows, and a window that ends half-way would reset the count.
pub(crate) async fn within_one_minute<F: std::future::Future<Output = bool>>(mut attempt: impl FnMut() -> F) {
    for _ in 0..3 {
        let minute = Utc::now().minute();
        let done = attempt().await;
        if Utc::now().minute() == minute {
            assert!(done);
            return;
        }
    }
    panic!("three attempts each crossed a minute boundary");
}

async fn registrations_of(app: &TestApp, event: uuid::Uuid, token: &str) -> usize {
    let list = app.get(&format!("/api/v1/events/{event}/registrations?limit=200"), Some(token)).await;
    list.body["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn a_caller_over_its_registrations_per_minute_gets_429_and_creates_nothing_more() {
    let app = spawn_app_with(|s| s.registration_rate_limit_per_minute = 3).await;
    let (org, organiser, event) = published_event(&app, json!({"onsite": null})).await;
    within_one_minute(|| async {
        let partner = app.partner_of(org).await;
        for _ in 0..3 {
            assert_eq!(register(&app, &partner, event, participant("online", false)).await.status, 201);
        }
        assert_rate_limited(&register(&app, &partner, event, participant("online", false)).await);
        assert_eq!(registrations_of(&app, event, &partner).await, 3, "the refused one created nothing");
        // Another caller has a limit of its own.
        let other = app.partner_of(org).await;
        assert_eq!(register(&app, &other, event, participant("online", false)).await.status, 201);
        true
    })
    .await;
    assert!(registrations_of(&app, event, &organiser).await >= 4);
}

#[actix_web::test]
async fn simultaneous_registrations_and_a_second_server_process_share_one_limit() {
    let app = spawn_app_with(|s| s.registration_rate_limit_per_minute = 5).await;
    let (org, _organiser, event) = published_event(&app, json!({"onsite": null})).await;
    let pool = hybrid_events::db::build_pool(&app.database.url(), &app.settings).unwrap();
    let second = Application::build_with_pool(app.settings.clone(), &app.database.url(), pool).await.unwrap();
    let second_address = format!("http://127.0.0.1:{}", second.port());
    let server = second.into_server();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    within_one_minute(|| async {
        let partner = app.partner_of(org).await;
        let answers = join_all((0..12).map(|i| {
            let base = if i % 2 == 0 { app.address.clone() } else { second_address.clone() };
            let request = app
                .client
                .post(format!("{base}/api/v1/events/{event}/registrations"))
                .bearer_auth(&partner)
                .json(&participant("online", false))
                .send();
            async move { read(request.await.unwrap()).await }
        }))
        .await;
        let created = answers.iter().filter(|r| r.status == 201).count();
        for refused in answers.iter().filter(|r| r.status != 201) {
            assert_rate_limited(refused);
        }
        assert_eq!(created, 5, "exactly the limit went through");
        assert_eq!(registrations_of(&app, event, &partner).await, 5);
        true
    })
    .await;
    handle.stop(false).await;
}

#[actix_web::test]
async fn a_limit_of_zero_turns_the_registration_limit_off() {
    let app = spawn_app_with(|s| s.registration_rate_limit_per_minute = 0).await;
    let (org, _organiser, event) = published_event(&app, json!({"onsite": null})).await;
    let partner = app.partner_of(org).await;
    for _ in 0..8 {
        assert_eq!(register(&app, &partner, event, participant("online", false)).await.status, 201);
    }
}

#[actix_web::test]
async fn without_trusted_proxies_x_forwarded_for_is_ignored_and_cannot_escape_the_per_address_limit() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 50;
        s.login_max_failures_per_address = 2;
        s.login_delay_seconds = 60;
    })
    .await;
    assert_eq!(app.settings.trusted_proxies, None, "no proxy is trusted by default");
    assert!(!app.settings.trust_forwarded_for, "off by default");
    for (i, address) in ["203.0.113.1", "203.0.113.2"].iter().enumerate() {
        let response = login_from(&app, address, &format!("person{i}@example.org"), "wrong password!").await;
        response.assert_problem(401, "invalid_credentials");
    }
    let response = login_from(&app, "203.0.113.3", "person3@example.org", "wrong password!").await;
    response.assert_problem(429, "too_many_attempts");
}

/// The attack: the first `X-Forwarded-For` entry was believed, and the client writes it.
#[actix_web::test]
async fn behind_trusted_proxies_the_right_most_untrusted_address_is_counted_not_the_clients_own() {
    let app = spawn_app_with(|s| {
        behind_proxies(s, "10.0.0.0/8");
        s.login_max_failures = 50;
        s.login_max_failures_per_address = 2;
        s.login_delay_seconds = 60;
    })
    .await;
    create_user(&app, "amina@example.org", "admin", None).await;
    // 203.0.113.1 reaches proxy 10.0.0.1 (which appends it) and through it the server (the
    // test client, trusted too, appends 10.0.0.1); each time it writes another address of
    // its own on the left.
    for i in 0..2 {
        let chain = format!("198.51.100.{i}, 203.0.113.1, 10.0.0.1");
        let response = login_from(&app, &chain, &format!("person{i}@example.org"), "wrong password!").await;
        response.assert_problem(401, "invalid_credentials");
    }
    for chain in ["192.0.2.99, 203.0.113.1, 10.0.0.1", "203.0.113.1, 10.0.0.1", "203.0.113.1"] {
        login_from(&app, chain, "person9@example.org", "wrong password!")
            .await
            .assert_problem(429, "too_many_attempts");
    }
    // Another client behind the same proxies is not held, even when it writes the held
    // address itself; nor is the proxies' own address.
    let other = login_from(&app, "203.0.113.1, 198.51.100.7, 10.0.0.1", "amina@example.org", PASSWORD).await;
    assert_eq!(other.status, 200, "{}", other.text);
    let garbage = login_from(&app, "not an address", "person8@example.org", "wrong password!").await;
    garbage.assert_problem(401, "invalid_credentials");
}

/// TRUST_FORWARDED_FOR, deprecated, still works: it takes the right-most address, which the
/// one proxy it stands for wrote, no longer the client's first.
#[actix_web::test]
async fn trust_forwarded_for_alone_counts_the_right_most_address() {
    let app = spawn_app_with(|s| {
        s.trust_forwarded_for = true;
        s.login_max_failures = 50;
        s.login_max_failures_per_address = 2;
        s.login_delay_seconds = 60;
    })
    .await;
    for i in 0..2 {
        let chain = format!("198.51.100.{i}, 203.0.113.1");
        let response = login_from(&app, &chain, &format!("person{i}@example.org"), "wrong password!").await;
        response.assert_problem(401, "invalid_credentials");
    }
    login_from(&app, "192.0.2.99, 203.0.113.1", "person9@example.org", "wrong password!")
        .await
        .assert_problem(429, "too_many_attempts");
    login_from(&app, "203.0.113.1, 198.51.100.7", "person9@example.org", "wrong password!")
        .await
        .assert_problem(401, "invalid_credentials");
}
