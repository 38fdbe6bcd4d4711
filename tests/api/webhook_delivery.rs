//! The outbox and the worker, end to end: changes are enqueued inside transactions (as the
//! registration and event transactions do) and a real receiver on loopback gets the posts.

use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hybrid_events::config::Settings;
use hybrid_events::db::outbox::{enqueue, Change};
use hybrid_events::error::AppError;
use hybrid_events::startup::Application;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{read, spawn_app_with, TestApp};
use crate::receiver::{eventually, Receiver};

/// Polls and retries in milliseconds, so tests take well under a second per delivery.
pub fn fast(settings: &mut Settings) {
    settings.webhook_poll_interval_ms = 20;
    settings.webhook_retry_base_ms = 50;
    settings.webhook_retry_max_ms = 500;
    settings.webhook_timeout_ms = 1000;
}

/// An id and the secret of a new subscription.
pub struct Subscription {
    pub id: String,
    pub secret: String,
}

pub async fn subscribe(app: &TestApp, token: &str, url: &str, types: Value) -> Subscription {
    let response = app.post("/api/v1/webhooks", Some(token), json!({"url": url, "event_types": types})).await;
    assert_eq!(response.status, 201, "{}", response.text);
    Subscription {
        id: response.body["id"].as_str().unwrap().to_owned(),
        secret: response.body["secret"].as_str().unwrap().to_owned(),
    }
}

/// A published online event of `org`, written directly (the events API is not part of this
/// test's subject).
async fn insert_event(app: &TestApp, org: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    diesel::sql_query(
        "INSERT INTO events (id, organisation_id, title, region, starts_at, ends_at, timezone, status,
                             online_offered, onsite_offered)
         VALUES ($1, $2, 'Third regional roundtable', 'Soria', now() + interval '7 days',
                 now() + interval '7 days 3 hours', 'Europe/Madrid', 'published', true, false)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(org)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    id
}

/// A registration for `event` created by `created_by` (an API client when `kind` says so).
async fn insert_registration(app: &TestApp, event: Uuid, status: &str, created_by: Uuid, kind: &str) -> Uuid {
    let id = Uuid::now_v7();
    diesel::sql_query(
        "INSERT INTO registrations (id, event_id, status, attendance_mode, stakeholder_category,
                                    consent_data_processing, created_by, created_by_kind)
         VALUES ($1, $2, $3, 'online', 'refugee', true, $4, $5)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(event)
    .bind::<Text, _>(status)
    .bind::<SqlUuid, _>(created_by)
    .bind::<Text, _>(kind)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    id
}

pub async fn caller_id(app: &TestApp, token: &str) -> Uuid {
    app.get("/api/v1/me", Some(token)).await.body["id"].as_str().unwrap().parse().unwrap()
}

fn promoted(event: Uuid, org: Uuid, registration: Uuid, created_by: Uuid) -> Change {
    Change {
        event_type: hybrid_events::domain::webhooks::EventType::RegistrationPromoted,
        event_id: event,
        organisation_id: org,
        registration_id: Some(registration),
        registration_created_by: Some(created_by),
        data: json!({"status": "confirmed", "attendance_mode": "online", "previous_status": "waitlisted"}),
    }
}

/// Enqueues `changes` in one transaction that commits.
async fn commit(app: &TestApp, changes: Vec<Change>) {
    let mut pooled = app.conn().await;
    let conn: &mut AsyncPgConnection = &mut pooled;
    conn.transaction::<_, AppError, _>(async move |conn| {
        for change in &changes {
            enqueue(conn, change).await?;
        }
        Ok(())
    })
    .await
    .unwrap();
}

/// The subscription's delivery log, once its newest delivery is no longer pending.
pub async fn settled_log(app: &TestApp, token: &str, subscription: &str) -> Value {
    eventually("the delivery log to settle", || async {
        let log = app.get(&format!("/api/v1/webhooks/{subscription}/deliveries"), Some(token)).await;
        assert_eq!(log.status, 200, "{}", log.text);
        let items = log.body["items"].as_array().unwrap();
        (!items.is_empty() && items.iter().all(|d| d["status"] != "pending")).then_some(log.body)
    })
    .await
}

#[actix_web::test]
async fn a_committed_change_is_posted_once_signed_with_ids_and_statuses_only() {
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::start().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["registration.promoted"])).await;
    let (event, registration, creator) = (insert_event(&app, org).await, Uuid::now_v7(), Uuid::now_v7());

    commit(&app, vec![promoted(event, org, registration, creator)]).await;

    let post = receiver.next().await;
    assert_eq!(post.path, "/hooks");
    assert_eq!(post.content_type.as_deref(), Some("application/json"));
    assert!(post.signature_is_valid(&hook.secret), "{:?}", post.signature);
    assert!(!post.signature_is_valid("whsec_not_the_secret"));
    let body = post.json();
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, ["data", "event_id", "id", "occurred_at", "registration_id", "type"]);
    assert_eq!(body["type"], "registration.promoted");
    assert_eq!(body["event_id"], event.to_string());
    assert_eq!(body["registration_id"], registration.to_string());
    assert_eq!(body["data"]["previous_status"], "waitlisted");
    assert_eq!(post.webhook_id.as_deref(), body["id"].as_str());
    assert!(body["occurred_at"].as_str().unwrap().ends_with('Z'));

    let log = settled_log(&app, &organiser, &hook.id).await;
    let delivery = &log["items"][0];
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert_eq!(delivery["status"], "delivered");
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["last_status_code"], 200);
    assert_eq!(delivery["message_id"], body["id"]);
    assert_eq!(delivery["payload"], body);
    assert!(receiver.drain().is_empty(), "posted more than once");
}

#[actix_web::test]
async fn a_change_whose_transaction_rolls_back_is_never_posted() {
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::start().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["registration.promoted"])).await;
    let event = insert_event(&app, org).await;
    let rolled_back = Uuid::now_v7();

    let mut pooled = app.conn().await;
    let conn: &mut AsyncPgConnection = &mut pooled;
    let outcome = conn
        .transaction::<(), AppError, _>(async |conn| {
            enqueue(conn, &promoted(event, org, rolled_back, Uuid::now_v7())).await?;
            Err(AppError::conflict("capacity_full", "the change failed after enqueueing"))
        })
        .await;
    assert!(outcome.is_err());
    drop(pooled);
    // A later change that commits is delivered, and it is the only one ever written.
    let committed = Uuid::now_v7();
    commit(&app, vec![promoted(event, org, committed, Uuid::now_v7())]).await;

    assert_eq!(receiver.next().await.json()["registration_id"], committed.to_string());
    let log = settled_log(&app, &organiser, &hook.id).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log["items"][0]["payload"]["registration_id"], committed.to_string());
}

#[actix_web::test]
async fn a_receiver_that_answers_500_twice_gets_the_message_on_the_third_try() {
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::answering(&[500, 500]).await;
    let org = app.organisation("CEPAIM").await;
    let partner = app.partner_of(org).await;
    let partner_id = caller_id(&app, &partner).await;
    let hook = subscribe(&app, &partner, &receiver.url("/p"), json!(["registration.promoted"])).await;
    let event = insert_event(&app, org).await;
    let registration = insert_registration(&app, event, "confirmed", partner_id, "api_client").await;

    commit(&app, vec![promoted(event, org, registration, partner_id)]).await;

    let tries = [receiver.next().await, receiver.next().await, receiver.next().await];
    assert_eq!(tries.iter().map(|t| t.answered).collect::<Vec<_>>(), [500, 500, 200]);
    let id = tries[0].json()["id"].clone();
    for attempt in &tries {
        assert_eq!(attempt.json()["id"], id, "every retry carries the same message");
        assert!(attempt.signature_is_valid(&hook.secret));
    }
    let log = settled_log(&app, &partner, &hook.id).await;
    let delivery = &log["items"][0];
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_i64()), (Some("delivered"), Some(3)));
    assert_eq!(delivery["last_status_code"], 200);
    assert_eq!(delivery["last_error"], json!(null));
    assert!(receiver.drain().is_empty());
}

#[actix_web::test]
async fn a_delivery_still_failing_after_the_retry_window_is_marked_failed() {
    let app = spawn_app_with(|s| {
        fast(s);
        s.webhook_retry_window_seconds = 0;
    })
    .await;
    let mut receiver = Receiver::answering(&[503]).await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["registration.promoted"])).await;
    commit(&app, vec![promoted(insert_event(&app, org).await, org, Uuid::now_v7(), Uuid::now_v7())]).await;

    assert_eq!(receiver.next().await.answered, 503);
    let log = settled_log(&app, &organiser, &hook.id).await;
    let delivery = &log["items"][0];
    assert_eq!(delivery["status"], "failed");
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["last_status_code"], 503);
    assert_eq!(delivery["last_error"], "answered HTTP 503");
    assert_eq!(delivery["next_attempt_at"], json!(null));
}

/// Starts a server process of its own on `app`'s database; it stops when its pool closes.
async fn second_server(app: &TestApp) -> (hybrid_events::db::DbPool, actix_web::dev::ServerHandle, String) {
    let pool = hybrid_events::db::build_pool(&app.database.url(), &app.settings).unwrap();
    let server =
        Application::build_with_pool(app.settings.clone(), &app.database.url(), pool.clone()).await.unwrap();
    let address = format!("http://127.0.0.1:{}", server.port());
    let server = server.into_server();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (pool, handle, address)
}

#[actix_web::test]
async fn a_server_restart_in_between_loses_nothing() {
    // Retries far apart enough that no retry starts while the servers are being stopped.
    let app = spawn_app_with(|s| {
        fast(s);
        s.webhook_retry_base_ms = 1500;
    })
    .await;
    let mut receiver = Receiver::start().await;
    receiver.answer_by_default(500);
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["event.cancelled"])).await;
    let event = insert_event(&app, org).await;
    // A second process on the same database, stopped with the first.
    let (pool, handle, _) = second_server(&app).await;

    let cancelled = Change {
        event_type: hybrid_events::domain::webhooks::EventType::EventCancelled,
        event_id: event,
        organisation_id: org,
        registration_id: None,
        registration_created_by: None,
        data: json!({"status": "cancelled", "previous_status": "published"}),
    };
    commit(&app, vec![cancelled]).await;
    let first = receiver.next().await;
    assert_eq!(first.answered, 500);
    app.stop_server().await;
    handle.stop(false).await;
    pool.close();
    assert!(app.client.get(app.url("/healthz")).send().await.is_err(), "the first server is stopped");

    // A new process on the same database delivers what was left.
    receiver.answer_by_default(200);
    let (pool, handle, address) = second_server(&app).await;
    let second = receiver.next().await;
    assert_eq!(second.answered, 200);
    assert_eq!(second.json()["id"], first.json()["id"]);
    assert!(second.signature_is_valid(&hook.secret));
    let log = eventually("the delivery to be recorded", || async {
        let url = format!("{address}/api/v1/webhooks/{}/deliveries", hook.id);
        let log = read(app.client.get(url).bearer_auth(&organiser).send().await.unwrap()).await;
        (log.body["items"][0]["status"] == "delivered").then_some(log.body)
    })
    .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert!(log["items"][0]["attempts"].as_i64().unwrap() >= 2, "{log}");
    handle.stop(false).await;
    pool.close();
}

#[actix_web::test]
async fn two_servers_sharing_a_database_post_each_message_once() {
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::start().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["registration.promoted"])).await;
    let event = insert_event(&app, org).await;
    let (pool, handle, _) = second_server(&app).await;

    const MESSAGES: usize = 40;
    let changes = (0..MESSAGES).map(|_| promoted(event, org, Uuid::now_v7(), Uuid::now_v7())).collect();
    commit(&app, changes).await;

    let mut ids = std::collections::HashSet::new();
    for _ in 0..MESSAGES {
        let post = receiver.next().await;
        assert!(ids.insert(post.json()["id"].as_str().unwrap().to_owned()), "a message was posted twice");
    }
    let log = eventually("every delivery to be recorded", || async {
        let log =
            app.get(&format!("/api/v1/webhooks/{}/deliveries?limit=200", hook.id), Some(&organiser)).await;
        let items = log.body["items"].as_array().unwrap().clone();
        items.iter().all(|d| d["status"] == "delivered").then_some(items)
    })
    .await;
    assert_eq!(log.len(), MESSAGES);
    // Each row was claimed once: no process posted a message another had claimed.
    assert!(log.iter().all(|d| d["attempts"] == 1), "{log:?}");
    assert!(receiver.drain().is_empty());
    handle.stop(false).await;
    pool.close();
}
