//! No brute force, and no lock-out of others: failures are counted per account from one
//! address, per address, and per account from many addresses, in PostgreSQL, so the limits
//! hold for every server process that shares the database. Past a limit an attempt waits a
//! delay that grows with each failure, told in `Retry-After`.

use std::time::Duration;

use futures_util::future::join_all;
use hybrid_events::startup::Application;
use serde_json::json;

use super::{behind_proxies, client_login, create_client, create_user, login, login_from, PASSWORD};
use crate::helpers::{read, spawn_app_with, Resp};

const WRONG: &str = "certainly not the password";

/// Long enough that a refusal asserted right after the failure that earned it cannot have
/// expired in between, however slow the machine.
const SLOW_DELAY: u64 = 60;

#[track_caller]
fn assert_locked(response: &Resp, lockout_seconds: u64) {
    response.assert_problem(429, "too_many_attempts");
    assert!(retry_after(response) <= lockout_seconds);
}

#[track_caller]
fn retry_after(response: &Resp) -> u64 {
    response.assert_problem(429, "too_many_attempts");
    let retry_after: u64 = response.header("retry-after").expect("a Retry-After header").parse().unwrap();
    assert!(retry_after >= 1, "Retry-After {retry_after}");
    retry_after
}

#[actix_web::test]
async fn repeated_failures_for_one_account_from_one_address_are_429_with_retry_after_even_with_the_right_password(
) {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 3;
        s.login_delay_seconds = SLOW_DELAY;
    })
    .await;
    create_user(&app, "amina@example.org", "admin", None).await;
    create_user(&app, "omar@example.org", "admin", None).await;
    for _ in 0..3 {
        login(&app, "amina@example.org", WRONG).await.assert_problem(401, "invalid_credentials");
    }
    assert_locked(&login(&app, "amina@example.org", WRONG).await, SLOW_DELAY);
    assert_locked(&login(&app, "AMINA@example.org", PASSWORD).await, SLOW_DELAY);
    let other = login(&app, "omar@example.org", PASSWORD).await;
    assert_eq!(other.status, 200, "another email from the same address is not locked: {}", other.text);
}

#[actix_web::test]
async fn the_lock_holds_in_a_second_server_process_on_the_same_database() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 2;
        s.login_delay_seconds = SLOW_DELAY;
    })
    .await;
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
    assert_locked(&response, SLOW_DELAY);
    handle.stop(false).await;
}

#[actix_web::test]
async fn attempts_sent_at_the_same_moment_cannot_exceed_the_limit() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 3;
        s.login_delay_seconds = SLOW_DELAY;
    })
    .await;
    create_user(&app, "amina@example.org", "admin", None).await;
    let answers = join_all((0..10).map(|_| login(&app, "amina@example.org", WRONG))).await;
    let checked = answers.iter().filter(|r| r.status == 401).count();
    let refused = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!((checked, refused), (3, 7), "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    for refusal in answers.iter().filter(|r| r.status == 429) {
        retry_after(refusal);
    }
    assert_locked(&login(&app, "amina@example.org", PASSWORD).await, SLOW_DELAY);
}

#[actix_web::test]
async fn repeated_failures_from_one_address_are_429_for_every_email() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 50;
        s.login_max_failures_per_address = 4;
        s.login_delay_seconds = SLOW_DELAY;
    })
    .await;
    create_user(&app, "amina@example.org", "admin", None).await;
    for i in 0..4 {
        login(&app, &format!("guess{i}@example.org"), WRONG).await.assert_problem(401, "invalid_credentials");
    }
    assert_locked(&login(&app, "amina@example.org", PASSWORD).await, SLOW_DELAY);
}

#[actix_web::test]
async fn a_successful_login_starts_the_email_count_again_and_does_not_count_against_the_address() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 3;
        s.login_max_failures_per_address = 5;
        s.login_delay_seconds = SLOW_DELAY;
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
    assert_locked(&login(&app, "amina@example.org", PASSWORD).await, SLOW_DELAY);
}

#[actix_web::test]
async fn repeated_wrong_client_secrets_are_429_too() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 2;
        s.login_delay_seconds = SLOW_DELAY;
    })
    .await;
    let org = app.organisation("CEPAIM").await;
    let client = create_client(&app, &app.admin().await, org).await;
    let mut wrong = client.clone();
    wrong["client_secret"] = WRONG.into();
    for _ in 0..2 {
        client_login(&app, &wrong).await.assert_problem(401, "invalid_credentials");
    }
    assert_locked(&client_login(&app, &client).await, SLOW_DELAY);
}

/// The attack: five anonymous failures for `"ORGB@sec.test "` locked the real user out.
#[actix_web::test]
async fn failures_for_an_account_from_one_address_do_not_stop_its_user_at_another() {
    let app = spawn_app_with(|s| {
        behind_proxies(s, "");
        s.login_delay_seconds = SLOW_DELAY;
    })
    .await;
    assert_eq!(app.settings.login_max_failures, 5);
    create_user(&app, "orgb@sec.test", "admin", None).await;
    for _ in 0..5 {
        let response = login_from(&app, "203.0.113.66", "ORGB@sec.test ", WRONG).await;
        response.assert_problem(401, "invalid_credentials");
    }
    // The guesser is slowed down...
    retry_after(&login_from(&app, "203.0.113.66", "orgb@sec.test", PASSWORD).await);
    // ...and the user, elsewhere, is not.
    let user = login_from(&app, "198.51.100.7", "orgb@sec.test", PASSWORD).await;
    assert_eq!(user.status, 200, "{}", user.text);
}

/// The attack: twenty failures from one address locked out the admin.
#[actix_web::test]
async fn twenty_failures_from_one_address_do_not_stop_an_admin_at_another() {
    let app = spawn_app_with(|s| {
        behind_proxies(s, "");
        s.login_delay_seconds = SLOW_DELAY;
    })
    .await;
    assert_eq!(app.settings.login_max_failures_per_address, 20);
    create_user(&app, "admin@sec.test", "admin", None).await;
    let mut answers = Vec::new();
    for i in 0..20 {
        answers.push(login_from(&app, "203.0.113.66", "admin@sec.test", WRONG).await.status);
        answers.push(login_from(&app, "203.0.113.66", &format!("guess{i}@sec.test"), WRONG).await.status);
    }
    assert_eq!(answers.iter().filter(|&&s| s == 401).count(), 20, "{answers:?}");
    assert!(answers.iter().all(|&s| s == 401 || s == 429), "{answers:?}");
    retry_after(&login_from(&app, "203.0.113.66", "admin@sec.test", PASSWORD).await);

    let admin = login_from(&app, "198.51.100.7", "admin@sec.test", PASSWORD).await;
    assert_eq!(admin.status, 200, "{}", admin.text);
}

#[actix_web::test]
async fn only_failures_from_many_addresses_slow_an_account_down_everywhere() {
    let app = spawn_app_with(|s| {
        behind_proxies(s, "");
        s.login_max_failures = 2;
        s.login_max_failures_per_account = 6;
        s.login_delay_seconds = SLOW_DELAY;
    })
    .await;
    create_user(&app, "amina@example.org", "admin", None).await;
    create_user(&app, "omar@example.org", "admin", None).await;
    // One address: its failures beyond its own limit are refused, and not counted.
    for _ in 0..2 {
        login_from(&app, "203.0.113.1", "amina@example.org", WRONG)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    for _ in 0..6 {
        retry_after(&login_from(&app, "203.0.113.1", "amina@example.org", WRONG).await);
    }
    let user = login_from(&app, "198.51.100.7", "amina@example.org", PASSWORD).await;
    assert_eq!(user.status, 200, "one address cannot slow the account down: {}", user.text);

    // Three addresses reach the account-wide limit.
    for address in ["203.0.113.2", "203.0.113.3"] {
        for _ in 0..2 {
            login_from(&app, address, "amina@example.org", WRONG)
                .await
                .assert_problem(401, "invalid_credentials");
        }
    }
    assert_locked(&login_from(&app, "198.51.100.7", "amina@example.org", PASSWORD).await, SLOW_DELAY);
    let other = login_from(&app, "198.51.100.7", "omar@example.org", PASSWORD).await;
    assert_eq!(other.status, 200, "other accounts are not slowed down: {}", other.text);
}

/// The attack: another spelling of the email had tries of its own.
#[actix_web::test]
async fn every_spelling_of_an_email_counts_against_one_account() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 4;
        s.login_delay_seconds = SLOW_DELAY;
    })
    .await;
    create_user(&app, "órgb@sec.test", "admin", None).await;
    let spellings = ["ÓRGB@sec.test ", "órgb@SEC.test", "o\u{301}rgb@sec.test", " O\u{301}RGB@Sec.Test"];
    for spelling in spellings {
        let response = login(&app, spelling, PASSWORD).await;
        assert_eq!(response.status, 200, "{spelling:?} is the account's email: {}", response.text);
    }
    for spelling in spellings {
        login(&app, spelling, WRONG).await.assert_problem(401, "invalid_credentials");
    }
    for spelling in spellings {
        assert_locked(&login(&app, spelling, PASSWORD).await, SLOW_DELAY);
    }

    // An email no account has: its spellings share one counter too.
    let unknown = ["NOBODY@sec.test", " nobody@sec.test", "nobody@SEC.TEST", "Nobody@Sec.Test "];
    for spelling in unknown {
        login(&app, spelling, WRONG).await.assert_problem(401, "invalid_credentials");
    }
    retry_after(&login(&app, "nobody@sec.test", WRONG).await);
}

/// The delay grows with each failure past the limit, and a client that waits what
/// `Retry-After` says is heard again: no fixed lock-out. The waits below are the delays
/// under test, taken as a client takes them.
#[actix_web::test]
async fn past_the_limit_the_delay_doubles_with_each_failure_and_then_lets_the_user_in() {
    let app = spawn_app_with(|s| s.login_max_failures = 2).await;
    assert_eq!(app.settings.login_delay_seconds, 1);
    create_user(&app, "amina@example.org", "admin", None).await;
    for _ in 0..2 {
        login(&app, "amina@example.org", WRONG).await.assert_problem(401, "invalid_credentials");
    }
    let mut waits = Vec::new();
    for _ in 0..2 {
        let wait = retry_after(&login(&app, "amina@example.org", PASSWORD).await);
        waits.push(wait);
        actix_web::rt::time::sleep(Duration::from_secs(wait)).await;
        login(&app, "amina@example.org", WRONG).await.assert_problem(401, "invalid_credentials");
    }
    let wait = retry_after(&login(&app, "amina@example.org", PASSWORD).await);
    waits.push(wait);
    assert_eq!(waits, [1, 2, 4], "Retry-After of successive refusals");
    actix_web::rt::time::sleep(Duration::from_secs(wait)).await;
    let user = login(&app, "amina@example.org", PASSWORD).await;
    assert_eq!(user.status, 200, "{}", user.text);
}
