//! The outbox and the worker, end to end: every message here is set off by the HTTP request
//! that makes its change (a registration, a cancellation, an event's PATCH or cancellation),
//! and a real receiver on loopback gets the posts. A request refused after its checks
//! writes nothing, so nothing is posted for it.

use std::collections::HashSet;

use futures_util::future::join_all;
use hybrid_events::config::{Environment, Settings};
use hybrid_events::startup::Application;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::{participant, published_event, register, registered, with};
use crate::helpers::{read, spawn_app_with, TestApp};
use crate::receiver::{eventually, Receiver};

/// Polls and retries in milliseconds, so tests take well under a second per delivery; and
/// the receivers of these tests listen on loopback, which only a server that allows private
/// targets posts to.
pub fn fast(settings: &mut Settings) {
    settings.webhook_allow_private_targets = true;
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

pub async fn caller_id(app: &TestApp, token: &str) -> Uuid {
    app.get("/api/v1/me", Some(token)).await.body["id"].as_str().unwrap().parse().unwrap()
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

/// The server with `fast` settings, then `customise`. In development, the only environment
/// that accepts the receiver's loopback http URL (given the opt-in of `fast`).
pub async fn spawn_app(customise: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(|s| {
        fast(s);
        s.app_env = Environment::Development;
        customise(s);
    })
    .await
}

/// Onsite only, one seat, none reserved: a second registration waits.
pub fn one_seat() -> Value {
    json!({"online": null, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}})
}

/// A registration body for a participant with a name, a unique email and a unique phone:
/// what no payload may carry.
fn person(mode: &str) -> Value {
    let email = format!("amina.haddad.{}@example.org", Uuid::new_v4().simple());
    with(participant(mode, false), json!({"participant": {"full_name": "Amina Haddad", "email": email}}))
}

/// Fails when `body` holds the name (or a part of it), the email or the phone (as sent or
/// as digits) of the participant of registration body `registration`.
#[track_caller]
fn assert_no_personal_data(body: &[u8], registration: &Value) {
    let text = String::from_utf8_lossy(body);
    let person = &registration["participant"];
    let name = person["full_name"].as_str().unwrap();
    let phone = person["phone"].as_str().unwrap();
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let mut personal: Vec<&str> = name.split_whitespace().collect();
    personal.extend([name, phone, &digits]);
    personal.extend(person["email"].as_str());
    for value in personal {
        assert!(!text.to_lowercase().contains(&value.to_lowercase()), "{value:?} in a payload: {text}");
    }
}

fn id(registration: &Value) -> &str {
    registration["id"].as_str().unwrap()
}

async fn cancel_registration(app: &TestApp, token: &str, registration: &Value) {
    let response =
        app.post(&format!("/api/v1/registrations/{}/cancel", id(registration)), Some(token), json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["status"], "cancelled");
}

#[actix_web::test]
async fn a_committed_change_is_posted_once_signed_with_ids_and_statuses_only() {
    let app = spawn_app(|_| {}).await;
    let mut receiver = Receiver::start().await;
    let (org, organiser, event) = published_event(&app, one_seat()).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["registration.promoted"])).await;
    let (seated_partner, waiting_partner) = (app.partner_of(org).await, app.partner_of(org).await);
    let (seated_person, waiting_person) = (person("onsite"), person("onsite"));
    let seated = registered(&app, &seated_partner, event, seated_person.clone()).await;
    let waiting = registered(&app, &waiting_partner, event, waiting_person.clone()).await;
    assert_eq!(
        (seated["status"].as_str(), waiting["status"].as_str()),
        (Some("confirmed"), Some("waitlisted"))
    );

    // The change: the seated participant's partner cancels, which gives the seat to the
    // waiting participant.
    cancel_registration(&app, &seated_partner, &seated).await;

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
    assert_eq!(body["registration_id"], waiting["id"]);
    assert_eq!(
        body["data"],
        json!({"status": "confirmed", "attendance_mode": "onsite", "place_id": null, "fallback_applied": false,
               "previous_status": "waitlisted", "previous_place_id": null})
    );
    assert_eq!(post.webhook_id.as_deref(), body["id"].as_str());
    assert!(body["occurred_at"].as_str().unwrap().ends_with('Z'));
    assert_no_personal_data(&post.body, &waiting_person);
    assert_no_personal_data(&post.body, &seated_person);

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
    let app = spawn_app(|_| {}).await;
    let mut receiver = Receiver::start().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let types = json!(["registration.confirmed", "registration.waitlisted"]);
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), types).await;
    let first_person = person("online");
    let first = registered(&app, &partner, event, first_person.clone()).await;
    assert_eq!(receiver.next().await.json()["registration_id"], first["id"]);

    // The same email again: refused by the unique index of the statement that also writes
    // the registration's message, so the message goes with the rolled-back transaction.
    let again = with(
        participant("online", false),
        json!({"participant": {"email": first_person["participant"]["email"]}}),
    );
    register(&app, &partner, event, again.clone()).await.assert_problem(409, "already_registered");

    // A later change that commits is delivered, and with the first it is all ever written.
    let later_person = person("online");
    let later = registered(&app, &partner, event, later_person.clone()).await;
    let post = receiver.next().await;
    assert_eq!(post.json()["registration_id"], later["id"]);
    assert_no_personal_data(&post.body, &later_person);
    assert_no_personal_data(&post.body, &again);
    let log = settled_log(&app, &organiser, &hook.id).await;
    let written: Vec<&Value> =
        log["items"].as_array().unwrap().iter().map(|d| &d["payload"]["registration_id"]).collect();
    assert_eq!(written, [&later["id"], &first["id"]], "{log}");
    assert!(receiver.drain().is_empty());
}

#[actix_web::test]
async fn a_receiver_that_answers_500_twice_gets_the_message_on_the_third_try() {
    let app = spawn_app(|_| {}).await;
    let mut receiver = Receiver::answering(&[500, 500]).await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let hook = subscribe(&app, &partner, &receiver.url("/p"), json!(["registration.confirmed"])).await;
    let someone = person("online");

    let registration = registered(&app, &partner, event, someone.clone()).await;

    let tries = [receiver.next().await, receiver.next().await, receiver.next().await];
    assert_eq!(tries.iter().map(|t| t.answered).collect::<Vec<_>>(), [500, 500, 200]);
    let body = tries[0].json();
    assert_eq!(body["type"], "registration.confirmed");
    assert_eq!(body["registration_id"], registration["id"]);
    assert_eq!(body["event_id"], event.to_string());
    for attempt in &tries {
        assert_eq!(attempt.json(), body, "every retry carries the same message");
        assert!(attempt.signature_is_valid(&hook.secret));
        assert_no_personal_data(&attempt.body, &someone);
    }
    let log = settled_log(&app, &partner, &hook.id).await;
    let delivery = &log["items"][0];
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert_eq!((delivery["status"].as_str(), delivery["attempts"].as_i64()), (Some("delivered"), Some(3)));
    assert_eq!(delivery["last_status_code"], 200);
    assert_eq!(delivery["last_error"], json!(null));
    assert!(receiver.drain().is_empty());
}

#[actix_web::test]
async fn a_delivery_still_failing_after_the_retry_window_is_marked_failed() {
    let app = spawn_app(|s| s.webhook_retry_window_seconds = 0).await;
    let mut receiver = Receiver::answering(&[503]).await;
    let (_org, organiser, event) = published_event(&app, json!({})).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["event.updated"])).await;

    let patched = app
        .patch(&format!("/api/v1/events/{event}"), Some(&organiser), json!({"title": "Fourth roundtable"}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);

    let post = receiver.next().await;
    assert_eq!(post.answered, 503);
    let body = post.json();
    assert_eq!(body["type"], "event.updated");
    assert_eq!(body["event_id"], event.to_string());
    assert_eq!(body["registration_id"], json!(null));
    assert_eq!(
        body["data"],
        json!({"change": "updated", "status": "published", "previous_status": "published", "fields": ["title"]})
    );
    let log = settled_log(&app, &organiser, &hook.id).await;
    let delivery = &log["items"][0];
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
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
    let app = spawn_app(|s| s.webhook_retry_base_ms = 1500).await;
    let mut receiver = Receiver::start().await;
    receiver.answer_by_default(500);
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["event.cancelled"])).await;
    let someone = person("online");
    registered(&app, &app.partner_of(org).await, event, someone.clone()).await;
    // A second process on the same database, stopped with the first.
    let (pool, handle, _) = second_server(&app).await;

    let cancelled = app.post(&format!("/api/v1/events/{event}/cancel"), Some(&organiser), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");
    let first = receiver.next().await;
    assert_eq!(first.answered, 500);
    let body = first.json();
    assert_eq!(body["type"], "event.cancelled");
    assert_eq!(body["event_id"], event.to_string());
    assert_eq!(body["registration_id"], json!(null));
    assert_eq!(
        body["data"],
        json!({"change": "cancelled", "status": "cancelled", "previous_status": "published"})
    );
    assert_no_personal_data(&first.body, &someone);
    app.stop_server().await;
    handle.stop(false).await;
    pool.close();
    assert!(app.client.get(app.url("/healthz")).send().await.is_err(), "the first server is stopped");

    // A new process on the same database delivers what was left.
    receiver.answer_by_default(200);
    let (pool, handle, address) = second_server(&app).await;
    let second = receiver.next().await;
    assert_eq!(second.answered, 200);
    assert_eq!(second.json(), body, "the same message");
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
    let app = spawn_app(|_| {}).await;
    let mut receiver = Receiver::start().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["registration.confirmed"])).await;
    let (pool, handle, second) = second_server(&app).await;

    // Registrations sent all at once, half to each server, so that both workers find
    // messages due together.
    const MESSAGES: usize = 40;
    let people: Vec<Value> = (0..MESSAGES).map(|_| person("online")).collect();
    let answers = join_all(people.iter().enumerate().map(|(i, body)| {
        let server = if i % 2 == 0 { &app.address } else { &second };
        let request = app
            .client
            .post(format!("{server}/api/v1/events/{event}/registrations"))
            .bearer_auth(&partner)
            .json(body);
        async move { read(request.send().await.expect("the request is sent")).await }
    }))
    .await;
    let mut registrations = HashSet::new();
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}", answer.text);
        assert_eq!(answer.body["status"], "confirmed");
        registrations.insert(answer.body["id"].clone());
    }
    assert_eq!(registrations.len(), MESSAGES);

    let mut ids = HashSet::new();
    let mut announced = HashSet::new();
    for _ in 0..MESSAGES {
        let post = receiver.next().await;
        let body = post.json();
        assert!(ids.insert(body["id"].as_str().unwrap().to_owned()), "a message was posted twice");
        assert!(announced.insert(body["registration_id"].clone()), "a registration announced twice");
        assert!(post.signature_is_valid(&hook.secret));
        for someone in &people {
            assert_no_personal_data(&post.body, someone);
        }
    }
    assert_eq!(announced, registrations, "each registration announced");
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
