//! /metrics by Prometheus conventions: every name `hybrid_events_*` (process metrics keep the
//! standard `process_*`), `_seconds` for durations and `_total` for counters, a build info
//! gauge, the webhook outbox's depth and age, and a scrape that `promtool check metrics`
//! accepts.

use std::io::Write;
use std::process::{Command, Stdio};

use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::fixtures::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp};

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.text
}

/// The value of the sample named exactly `name` (with its labels, if any).
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

#[actix_web::test]
async fn every_metric_is_named_by_the_prometheus_conventions() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    registered(&app, &organiser, event, participant("online", false)).await;
    let text = scrape(&app).await;
    let families: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .map(|line| line.split_once(' ').unwrap())
        .collect();
    assert!(families.len() >= 10, "{text}");
    for (name, kind) in &families {
        assert!(name.starts_with("hybrid_events_") || name.starts_with("process_"), "{name}: {text}");
        if *kind == "counter" {
            assert!(name.ends_with("_total"), "a counter ends in _total: {name}");
        }
        // Durations are in seconds; the one histogram that is not a duration counts
        // registrations, its unit in its name.
        if *kind == "histogram" && *name != "hybrid_events_registrations_per_group" {
            assert!(name.ends_with("_seconds"), "durations are in seconds: {name}");
        }
    }
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        sample(&text, &format!("hybrid_events_build_info{{version=\"{version}\"}}")),
        Some(1.0),
        "{text}"
    );
    for name in [
        "hybrid_events_http_requests_total",
        "hybrid_events_http_requests_duration_seconds",
        "hybrid_events_db_pool_connections",
        "hybrid_events_db_pool_idle_connections",
        "hybrid_events_db_pool_waiting_requests",
        "hybrid_events_registrations_created_total",
        "hybrid_events_webhook_outbox_pending",
        "hybrid_events_webhook_outbox_oldest_pending_age_seconds",
    ] {
        assert!(families.iter().any(|(family, _)| *family == name), "{name} missing: {text}");
    }
    assert_eq!(sample(&text, "hybrid_events_registrations_created_total{outcome=\"confirmed\"}"), Some(1.0));
    // The process, read from /proc (Linux).
    if cfg!(target_os = "linux") {
        assert!(sample(&text, "process_resident_memory_bytes").is_some_and(|b| b > 0.0), "{text}");
        assert!(sample(&text, "process_cpu_seconds_total").is_some(), "{text}");
        assert!(sample(&text, "process_start_time_seconds").is_some_and(|t| t > 1.7e9), "{text}");
    }
}

#[actix_web::test]
async fn the_outbox_gauges_say_how_many_deliveries_wait_and_since_when() {
    let app = spawn_app_with(|s| s.webhook_allow_private_targets = true).await;
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "hybrid_events_webhook_outbox_pending"), Some(0.0), "{text}");
    assert_eq!(sample(&text, "hybrid_events_webhook_outbox_oldest_pending_age_seconds"), Some(0.0));

    let (_, organiser, _) = published_event(&app, json!({})).await;
    let hook = app
        .post(
            "/api/v1/webhooks",
            Some(&organiser),
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["event.updated"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    let subscription: uuid::Uuid = hook.body["id"].as_str().unwrap().parse().unwrap();
    // Two deliveries written as the outbox writes them, one from ten minutes ago; not due for
    // an hour, so the worker leaves them as they are.
    for age in ["10 minutes", "1 second"] {
        diesel::sql_query(
            "INSERT INTO webhook_deliveries (message_id, subscription_id, event_type, payload, next_attempt_at, created_at)
             VALUES ($1, $2, 'event.updated', '{}', now() + interval '1 hour', now() - $3::interval)",
        )
        .bind::<SqlUuid, _>(uuid::Uuid::now_v7())
        .bind::<SqlUuid, _>(subscription)
        .bind::<Text, _>(age)
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    }
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "hybrid_events_webhook_outbox_pending"), Some(2.0), "{text}");
    let age = sample(&text, "hybrid_events_webhook_outbox_oldest_pending_age_seconds").unwrap();
    assert!((600.0..700.0).contains(&age), "the oldest waits since ten minutes: {age}");
}

#[actix_web::test]
async fn promtool_finds_nothing_to_fix_in_a_real_scrape() {
    let Ok(mut promtool) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have promtool (.ci/run installs Debian's prometheus)"
        );
        eprintln!("skipped: no promtool on this machine");
        return;
    };
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    registered(&app, &organiser, event, participant("online", false)).await;
    app.get("/api/v1/events", None).await;
    let text = scrape(&app).await;
    promtool.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = promtool.wait_with_output().unwrap();
    let said =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && said.trim().is_empty(), "promtool check metrics: {said}\n{text}");
}
