use std::process::Stdio;
use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use hybrid_events::auth::report_link::ReportLinkClaims;
use hybrid_events::auth::signing::Signer;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;

use super::seed::*;
use crate::helpers::{read, spawn_app, TestApp, JWT_SECRET};

/// An event with 4 confirmed online (3 checked in) and 2 confirmed onsite (1 checked in).
pub async fn seed_page_event(app: &TestApp, org: Uuid, title: &str) -> Uuid {
    let event = seed_event(app, org, NewEvent::hybrid(title)).await;
    for (mode, checked_in) in [
        ("online", true),
        ("online", true),
        ("online", true),
        ("online", false),
        ("onsite", true),
        ("onsite", false),
    ] {
        let registration = NewRegistration {
            checked_in,
            needs_physical_space: mode == "onsite",
            interests: vec!["women_employment"],
            ..NewRegistration::new("confirmed", mode)
        };
        seed_registration(app, event, registration).await;
    }
    seed_registration(app, event, NewRegistration::new("cancelled", "online")).await;
    event
}

pub async fn report_link(app: &TestApp, token: &str, event: Uuid, body: serde_json::Value) -> String {
    let response = app.post(&format!("/api/v1/events/{event}/report-links"), Some(token), body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body["url"].as_str().unwrap().to_owned()
}

async fn get_url(app: &TestApp, url: &str) -> crate::helpers::Resp {
    read(app.client.get(url).send().await.unwrap()).await
}

#[actix_web::test]
async fn a_report_link_opens_the_page_without_a_bearer_token_for_fifteen_minutes() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_page_event(&app, org, "Third regional roundtable").await;

    let response =
        app.post(&format!("/api/v1/events/{event}/report-links"), Some(&organiser), json!({})).await;

    assert_eq!(response.status, 201, "{}", response.text);
    let url = response.body["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/api/v1/events/{event}/report.html?token=", app.address)), "{url}");
    let expires_at: chrono::DateTime<Utc> = response.body["expires_at"].as_str().unwrap().parse().unwrap();
    let lifetime = expires_at - Utc::now();
    assert!(lifetime > Duration::minutes(14) && lifetime <= Duration::minutes(15), "{lifetime}");

    let page = get_url(&app, url).await;

    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.header("content-security-policy").unwrap().starts_with("default-src 'none'"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.text.contains("Third regional roundtable"));
    assert!(page.text.contains(r#"id="kpi-confirmed">6<"#), "{}", page.text);
    assert!(page.text.contains(r#"id="kpi-attended">4<"#));
    assert!(page.text.contains(r#"id="kpi-cancelled">1<"#));
    assert!(page.text.contains(r#"id="online-confirmed">4<"#));
    assert!(page.text.contains("<svg"));
}

#[actix_web::test]
async fn the_page_opens_with_a_bearer_token_too_and_not_without_either() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let event = seed_page_event(&app, org, "Roundtable").await;
    let path = format!("/api/v1/events/{event}/report.html");

    let page = app.get(&path, Some(&app.organiser_of(org).await)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains(r#"id="kpi-confirmed">6<"#));
    app.get(&path, None).await.assert_problem(401, "unauthorized");
    app.get(&path, Some(&app.partner_of(org).await)).await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_link_works_for_its_own_report_only_and_not_once_expired_or_altered() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_page_event(&app, org, "Roundtable").await;
    let other_event = seed_page_event(&app, org, "Another").await;
    let url = report_link(&app, &organiser, event, json!({})).await;
    let token = url.split("token=").nth(1).unwrap();

    let elsewhere = app.get(&format!("/api/v1/events/{other_event}/report.html?token={token}"), None).await;
    elsewhere.assert_problem(401, "unauthorized");
    let mut altered = token.to_owned();
    altered.insert(3, 'x');
    app.get(&format!("/api/v1/events/{event}/report.html?token={altered}"), None)
        .await
        .assert_problem(401, "unauthorized");
    let signer = Signer::new(JWT_SECRET.as_bytes());
    let expired =
        ReportLinkClaims::new(event, Uuid::now_v7(), None, Utc::now() - Duration::minutes(16)).seal(&signer);
    app.get(&format!("/api/v1/events/{event}/report.html?token={expired}"), None)
        .await
        .assert_problem(401, "unauthorized");
    let claims = ReportLinkClaims::new(event, Uuid::now_v7(), None, Utc::now());
    let cursor = signer.seal("cursor:events", &serde_json::to_vec(&claims).unwrap());
    app.get(&format!("/api/v1/events/{event}/report.html?token={cursor}"), None)
        .await
        .assert_problem(401, "unauthorized");
    let access_token = app.get(&format!("/api/v1/events/{event}/report.html?token={organiser}"), None).await;
    access_token.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn only_the_events_organisers_may_make_links() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let event = seed_page_event(&app, org, "Roundtable").await;
    let path = format!("/api/v1/events/{event}/report-links");
    app.post(&path, Some(&app.partner_of(org).await), json!({})).await.assert_problem(403, "forbidden");
    let other = app.organisation("Accem").await;
    app.post(&path, Some(&app.organiser_of(other).await), json!({})).await.assert_problem(403, "forbidden");
    app.post(&path, None, json!({})).await.assert_problem(401, "unauthorized");
    let organiser = app.organiser_of(org).await;
    app.post(&path, Some(&organiser), json!({"suppress_below": 0}))
        .await
        .assert_problem(422, "validation_failed");
    app.post(&path, Some(&organiser), json!({"expires": 1})).await.assert_problem(422, "validation_failed");
    app.post(&format!("/api/v1/events/{}/report-links", Uuid::now_v7()), Some(&organiser), json!({}))
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_link_made_with_suppression_keeps_it_whatever_the_reader_asks() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_page_event(&app, org, "Roundtable").await;
    let url = report_link(&app, &organiser, event, json!({"suppress_below": 5})).await;

    for url in [url.clone(), format!("{url}&suppress_below=1")] {
        let page = get_url(&app, &url).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("suppressed-notice"));
        assert!(page.text.contains(r#"id="kpi-attended">x<"#), "4 is hidden: {}", page.text);
        assert!(page.text.contains(r#"id="kpi-cancelled">x<"#));
        assert!(!page.text.contains(r#"id="kpi-confirmed">x<"#), "6 needs no hiding here: {}", page.text);
    }
    let stricter = get_url(&app, &format!("{url}&suppress_below=7")).await;
    assert!(stricter.text.contains(r#"id="kpi-confirmed">x<"#), "{}", stricter.text);
}

/// The server as production runs it (its own process, debug logging), on the test's database:
/// the link's token must not appear anywhere in what it writes.
#[actix_web::test]
async fn the_links_token_never_reaches_the_log() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_page_event(&app, org, "Roundtable").await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_hybrid-events"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", app.database.url())
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("JWT_SECRET", JWT_SECRET)
        .env("HTTP_WORKERS", "1")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let output = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let drain_stderr = tokio::spawn(drain(stderr, output.clone()));
    let address = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(line) = stdout.next_line().await.unwrap() {
            output.lock().unwrap().push(line.clone());
            let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if entry["message"] == "listening" {
                return entry["address"].as_str().unwrap().to_owned();
            }
        }
        panic!("the server stopped before listening: {:?}", output.lock().unwrap());
    })
    .await
    .expect("the server listens within a minute");
    let drain_stdout = tokio::spawn(drain(stdout, output.clone()));
    let base = format!("http://{address}");

    let created = read(
        app.client
            .post(format!("{base}/api/v1/events/{event}/report-links"))
            .bearer_auth(&organiser)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let url = created.body["url"].as_str().unwrap();
    let token = url.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(read(app.client.get(url).send().await.unwrap()).await.status, 200);
    let wrong = format!("{base}/api/v1/events/{}/report.html?token={token}", Uuid::now_v7());
    assert_eq!(read(app.client.get(&wrong).send().await.unwrap()).await.status, 401);
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    drain_stdout.await.unwrap();
    drain_stderr.await.unwrap();

    let output = output.lock().unwrap().join("\n");
    assert!(output.contains("/api/v1/events/{id}/report.html"), "the request lines are there: {output}");
    let (payload, signature) = token.split_once('.').unwrap();
    assert!(!output.contains(&token), "the token is in the log");
    assert!(!output.contains(signature) && !output.contains(payload), "part of the token is in the log");
    assert!(!output.contains(&organiser), "the bearer token is in the log");
}

async fn drain<R: tokio::io::AsyncBufRead + Unpin>(
    mut lines: tokio::io::Lines<R>,
    into: Arc<Mutex<Vec<String>>>,
) {
    while let Ok(Some(line)) = lines.next_line().await {
        into.lock().unwrap().push(line);
    }
}
