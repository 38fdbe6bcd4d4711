//! Check-in rules: allowed from 2 hours before an event's start until 24 hours after its end
//! (409 `check_in_window` otherwise, changing nothing); the body is `{}` or nothing; undone
//! by `DELETE /registrations/{id}/check-in`, which the history records.

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, Resp, TestApp};

/// A published event (the roundtable) running from `starts` for three hours:
/// (organisation, organiser token, event id).
pub async fn event_starting(app: &TestApp, starts: DateTime<Utc>) -> (Uuid, String, Uuid) {
    published_event(
        app,
        json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(3)).to_rfc3339()}),
    )
    .await
}

/// A confirmed registration made by a new partner of `org` while the event takes them:
/// (partner token, registration id).
pub async fn confirmed(app: &TestApp, org: Uuid, event: Uuid) -> (String, String) {
    let partner = app.partner_of(org).await;
    let registration = registered(app, &partner, event, participant("online", false)).await;
    assert_eq!(registration["status"], "confirmed");
    (partner, registration["id"].as_str().unwrap().to_owned())
}

/// Moves the event so that it ended `ago` before now, after three hours.
pub async fn move_into_the_past(app: &TestApp, organiser: &str, event: Uuid, ago: Duration) {
    let ends = Utc::now() - ago;
    let response = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(organiser),
            json!({"starts_at": (ends - Duration::hours(3)).to_rfc3339(), "ends_at": ends.to_rfc3339()}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
}

pub async fn check_in(app: &TestApp, token: &str, registration: &str) -> Resp {
    app.post(&format!("/api/v1/registrations/{registration}/check-in"), Some(token), json!({})).await
}

pub async fn undo(app: &TestApp, token: Option<&str>, registration: &str) -> Resp {
    app.delete(&format!("/api/v1/registrations/{registration}/check-in"), token).await
}

pub async fn checked_in_at(app: &TestApp, token: &str, registration: &str) -> Value {
    let response = app.get(&format!("/api/v1/registrations/{registration}"), Some(token)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["checked_in_at"].clone()
}

async fn attended(app: &TestApp, token: &str, event: Uuid) -> Value {
    let report = app.get(&format!("/api/v1/events/{event}/report"), Some(token)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    report.body["totals"]["attended"].clone()
}

pub async fn history_actions(app: &TestApp, token: &str, registration: &str) -> Vec<String> {
    let history = app.get(&format!("/api/v1/registrations/{registration}/history"), Some(token)).await;
    assert_eq!(history.status, 200, "{}", history.text);
    history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_owned())
        .collect()
}

/// A refused check-in left the registration, the report and the history as they were.
async fn assert_not_checked_in(app: &TestApp, organiser: &str, event: Uuid, registration: &str) {
    assert_eq!(checked_in_at(app, organiser, registration).await, Value::Null);
    assert_eq!(attended(app, organiser, event).await, 0);
    assert_eq!(history_actions(app, organiser, registration).await, ["created"]);
}

#[actix_web::test]
async fn check_in_an_hour_before_the_start_is_recorded() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, registration) = confirmed(&app, org, event).await;

    let response = check_in(&app, &organiser, &registration).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let at: DateTime<Utc> = response.body["checked_in_at"].as_str().unwrap().parse().unwrap();
    assert!((Utc::now() - at).num_seconds().abs() < 60, "{at}");
    assert_eq!(checked_in_at(&app, &organiser, &registration).await, response.body["checked_in_at"]);
    assert_eq!(attended(&app, &organiser, event).await, 1);
}

#[actix_web::test]
async fn check_in_two_weeks_before_the_start_is_409_and_changes_nothing() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::days(14)).await;
    let (_, registration) = confirmed(&app, org, event).await;

    check_in(&app, &organiser, &registration).await.assert_problem(409, "check_in_window");
    let admin = app.admin().await;
    check_in(&app, &admin, &registration).await.assert_problem(409, "check_in_window");
    assert_not_checked_in(&app, &organiser, event, &registration).await;
}

#[actix_web::test]
async fn check_in_three_hours_before_the_start_is_still_too_early() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(3)).await;
    let (_, registration) = confirmed(&app, org, event).await;

    check_in(&app, &organiser, &registration).await.assert_problem(409, "check_in_window");
    assert_not_checked_in(&app, &organiser, event, &registration).await;
}

#[actix_web::test]
async fn check_in_23_hours_after_the_end_is_recorded() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::days(7)).await;
    let (_, registration) = confirmed(&app, org, event).await;
    move_into_the_past(&app, &organiser, event, Duration::hours(23)).await;

    let response = check_in(&app, &organiser, &registration).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.body["checked_in_at"].is_string(), "{}", response.text);
    assert_eq!(attended(&app, &organiser, event).await, 1);
}

#[actix_web::test]
async fn a_check_in_repeated_after_the_window_closed_answers_the_first_one() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::days(7)).await;
    let (_, registration) = confirmed(&app, org, event).await;
    move_into_the_past(&app, &organiser, event, Duration::hours(23)).await;
    let first = check_in(&app, &organiser, &registration).await;
    assert_eq!(first.status, 200, "{}", first.text);
    move_into_the_past(&app, &organiser, event, Duration::days(3)).await;

    let again = check_in(&app, &organiser, &registration).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["checked_in_at"], first.body["checked_in_at"]);
    assert_eq!(history_actions(&app, &organiser, &registration).await, ["created", "checked_in"]);
}

#[actix_web::test]
async fn check_in_after_the_window_is_409_and_changes_nothing() {
    let app = spawn_app().await;
    for ago in [Duration::days(3), Duration::hours(25)] {
        let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::days(7)).await;
        let (_, registration) = confirmed(&app, org, event).await;
        move_into_the_past(&app, &organiser, event, ago).await;

        let response = check_in(&app, &organiser, &registration).await;
        assert_eq!(response.status, 409, "ended {ago} ago: {}", response.text);
        response.assert_problem(409, "check_in_window");
        assert_not_checked_in(&app, &organiser, event, &registration).await;
    }
}

#[actix_web::test]
async fn a_check_in_body_with_any_field_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, registration) = confirmed(&app, org, event).await;
    let path = format!("/api/v1/registrations/{registration}/check-in");

    for (body, field) in [(json!({"at": Utc::now().to_rfc3339()}), "at"), (json!({"x": 1}), "x")] {
        let response = app.post(&path, Some(&organiser), body.clone()).await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.field_errors(), vec![(field.to_owned(), "unknown_field".to_owned())], "{body}");
        assert_not_checked_in(&app, &organiser, event, &registration).await;
    }
}

#[actix_web::test]
async fn a_check_in_without_a_body_is_taken_as_an_empty_one() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, registration) = confirmed(&app, org, event).await;
    let path = format!("/api/v1/registrations/{registration}/check-in");

    let response = app.send(Method::POST, &path, Some(&organiser), None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.body["checked_in_at"].is_string(), "{}", response.text);
    assert_eq!(attended(&app, &organiser, event).await, 1);
}

#[actix_web::test]
async fn a_second_check_in_keeps_the_first_time() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, registration) = confirmed(&app, org, event).await;
    let first = check_in(&app, &organiser, &registration).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let again = check_in(&app, &app.admin().await, &registration).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["checked_in_at"], first.body["checked_in_at"]);
    assert_eq!(attended(&app, &organiser, event).await, 1);
    assert_eq!(history_actions(&app, &organiser, &registration).await, ["created", "checked_in"]);
}

#[actix_web::test]
async fn undoing_a_check_in_clears_it_records_it_and_is_idempotent() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, registration) = confirmed(&app, org, event).await;
    let checked = check_in(&app, &organiser, &registration).await;
    assert_eq!(checked.status, 200, "{}", checked.text);
    assert_eq!(attended(&app, &organiser, event).await, 1);

    let undone = undo(&app, Some(&organiser), &registration).await;
    assert_eq!(undone.status, 200, "{}", undone.text);
    assert_eq!(undone.body["id"], registration);
    assert_eq!(undone.body["status"], "confirmed");
    assert_eq!(undone.body["checked_in_at"], Value::Null);
    assert_eq!(checked_in_at(&app, &organiser, &registration).await, Value::Null);
    assert_eq!(attended(&app, &organiser, event).await, 0);
    assert_eq!(
        history_actions(&app, &organiser, &registration).await,
        ["created", "checked_in", "check_in_undone"]
    );

    let again = undo(&app, Some(&organiser), &registration).await;
    assert_eq!(again.status, 200, "undoing when not checked in: {}", again.text);
    assert_eq!(again.body["checked_in_at"], Value::Null);

    // Checked in anew, it gets a new time.
    let anew = check_in(&app, &organiser, &registration).await;
    assert_eq!(anew.status, 200, "{}", anew.text);
    assert!(anew.body["checked_in_at"].is_string());
    assert_eq!(attended(&app, &organiser, event).await, 1);
}

#[actix_web::test]
async fn undoing_a_registration_never_checked_in_is_200() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, registration) = confirmed(&app, org, event).await;
    let undone = undo(&app, Some(&organiser), &registration).await;
    assert_eq!(undone.status, 200, "{}", undone.text);
    assert_eq!(undone.body["checked_in_at"], Value::Null);
}

#[actix_web::test]
async fn only_the_events_organisers_and_admins_undo_a_check_in() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (partner, registration) = confirmed(&app, org, event).await;
    let other_org = app.organisation("IOM Spain").await;
    let outsiders = [
        ("another partner of the organisation", app.partner_of(org).await),
        ("a partner of another organisation", app.partner_of(other_org).await),
        ("an organiser of another organisation", app.organiser_of(other_org).await),
    ];
    assert_eq!(check_in(&app, &organiser, &registration).await.status, 200);

    undo(&app, None, &registration).await.assert_problem(401, "unauthorized");
    undo(&app, Some(&partner), &registration).await.assert_problem(403, "forbidden");
    for (who, token) in &outsiders {
        let response = undo(&app, Some(token), &registration).await;
        assert_eq!(response.status, 404, "{who}: {}", response.text);
        response.assert_problem(404, "not_found");
    }
    undo(&app, Some(&organiser), &format!("{}", Uuid::now_v7())).await.assert_problem(404, "not_found");
    assert!(checked_in_at(&app, &organiser, &registration).await.is_string(), "still checked in");

    let admin = app.admin().await;
    let undone = undo(&app, Some(&admin), &registration).await;
    assert_eq!(undone.status, 200, "{}", undone.text);
    assert_eq!(undone.body["checked_in_at"], Value::Null);
    assert_eq!(attended(&app, &organiser, event).await, 0);
}
