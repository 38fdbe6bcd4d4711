//! No-show reasons: after the event, for a confirmed registration not checked in, by its
//! organisers, admins and the partner that created it; idempotent, in the history, cleared
//! by `DELETE` and by a later check-in.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::check_in::{check_in, confirmed, event_starting, history_actions, move_into_the_past, undo};
use crate::helpers::{spawn_app, Resp, TestApp};

async fn no_show(app: &TestApp, token: Option<&str>, registration: &str, reason: &str) -> Resp {
    let path = format!("/api/v1/registrations/{registration}/no-show");
    app.send(Method::PUT, &path, token, Some(&json!({"reason": reason}))).await
}

async fn clear(app: &TestApp, token: Option<&str>, registration: &str) -> Resp {
    app.delete(&format!("/api/v1/registrations/{registration}/no-show"), token).await
}

async fn reason_of(app: &TestApp, token: &str, registration: &str) -> Value {
    let response = app.get(&format!("/api/v1/registrations/{registration}"), Some(token)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["no_show_reason"].clone()
}

/// An event that ended `ago` before now, with one confirmed online registration made by a
/// partner: (organisation, organiser, event, partner, registration).
async fn ended(app: &TestApp, ago: Duration) -> (Uuid, String, Uuid, String, String) {
    let (org, organiser, event) = event_starting(app, Utc::now() + Duration::days(7)).await;
    let (partner, registration) = confirmed(app, org, event).await;
    move_into_the_past(app, &organiser, event, ago).await;
    (org, organiser, event, partner, registration)
}

#[actix_web::test]
async fn the_partner_that_registered_someone_records_why_they_did_not_come_and_the_history_says_so() {
    let app = spawn_app().await;
    let (_, organiser, _, partner, registration) = ended(&app, Duration::hours(2)).await;

    let response = no_show(&app, Some(&partner), &registration, "transport").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["no_show_reason"], "transport");
    assert_eq!(response.body["check_in"], Value::Null);
    assert_eq!(reason_of(&app, &organiser, &registration).await, "transport");

    let history = app.get(&format!("/api/v1/registrations/{registration}/history"), Some(&organiser)).await;
    let entry = history.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["action"], "no_show_recorded", "{entry}");
    assert_eq!(entry["actor_kind"], "api_client");
    assert_eq!(entry["changes"], json!([{"field": "no_show_reason", "from": null, "to": "transport"}]));
}

#[actix_web::test]
async fn the_same_reason_again_changes_nothing_and_another_replaces_it() {
    let app = spawn_app().await;
    let (_, organiser, _, _, registration) = ended(&app, Duration::days(3)).await;

    for _ in 0..2 {
        let response = no_show(&app, Some(&organiser), &registration, "unknown").await;
        assert_eq!(response.status, 200, "{}", response.text);
        assert_eq!(response.body["no_show_reason"], "unknown");
    }
    assert_eq!(history_actions(&app, &organiser, &registration).await, ["created", "no_show_recorded"]);

    let replaced = no_show(&app, Some(&app.admin().await), &registration, "care_duties").await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(reason_of(&app, &organiser, &registration).await, "care_duties");
    let history = app.get(&format!("/api/v1/registrations/{registration}/history"), Some(&organiser)).await;
    let last = history.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["changes"], json!([{"field": "no_show_reason", "from": "unknown", "to": "care_duties"}]));
}

#[actix_web::test]
async fn a_no_show_reason_before_the_end_is_409_event_not_ended_and_changes_nothing() {
    let app = spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::days(7)).await;
    let (partner, registration) = confirmed(&app, org, event).await;
    // Under way: it ends in two hours.
    move_into_the_past(&app, &organiser, event, Duration::hours(-2)).await;

    for token in [&organiser, &partner] {
        no_show(&app, Some(token), &registration, "illness").await.assert_problem(409, "event_not_ended");
    }
    assert_eq!(reason_of(&app, &organiser, &registration).await, Value::Null);
    assert_eq!(history_actions(&app, &organiser, &registration).await, ["created"]);
}

#[actix_web::test]
async fn a_no_show_reason_for_someone_checked_in_or_cancelled_is_409_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, organiser, _, _, came) = ended(&app, Duration::hours(1)).await;
    assert_eq!(check_in(&app, &organiser, &came).await.status, 200);
    no_show(&app, Some(&organiser), &came, "schedule").await.assert_problem(409, "checked_in");
    assert_eq!(reason_of(&app, &organiser, &came).await, Value::Null);

    let (_, organiser, _, partner, cancelled) = ended(&app, Duration::hours(1)).await;
    let response =
        app.post(&format!("/api/v1/registrations/{cancelled}/cancel"), Some(&partner), json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    no_show(&app, Some(&organiser), &cancelled, "schedule").await.assert_problem(409, "not_confirmed");
    assert_eq!(history_actions(&app, &organiser, &cancelled).await, ["created", "cancelled"]);
}

#[actix_web::test]
async fn only_the_events_organisers_admins_and_the_creating_partner_record_a_no_show() {
    let app = spawn_app().await;
    let (org, organiser, _, _, registration) = ended(&app, Duration::hours(2)).await;
    let other_org = app.organisation("IOM Spain").await;
    for (who, token) in [
        ("another partner of the organisation", app.partner_of(org).await),
        ("a partner of another organisation", app.partner_of(other_org).await),
        ("an organiser of another organisation", app.organiser_of(other_org).await),
    ] {
        let response = no_show(&app, Some(&token), &registration, "device").await;
        assert_eq!(response.status, 404, "{who}: {}", response.text);
        response.assert_problem(404, "not_found");
        clear(&app, Some(&token), &registration).await.assert_problem(404, "not_found");
    }
    no_show(&app, None, &registration, "device").await.assert_problem(401, "unauthorized");
    no_show(&app, Some(&organiser), &Uuid::now_v7().to_string(), "device")
        .await
        .assert_problem(404, "not_found");
    assert_eq!(reason_of(&app, &organiser, &registration).await, Value::Null);
    assert_eq!(no_show(&app, Some(&organiser), &registration, "device").await.status, 200);
}

#[actix_web::test]
async fn an_unknown_or_missing_reason_is_422_naming_the_field() {
    let app = spawn_app().await;
    let (_, organiser, _, _, registration) = ended(&app, Duration::hours(2)).await;
    let path = format!("/api/v1/registrations/{registration}/no-show");
    for (body, field, code) in [
        (json!({"reason": "weather"}), "reason", "invalid_value"),
        (json!({}), "reason", "required"),
        (json!({"reason": "other", "note": "rain"}), "note", "unknown_field"),
    ] {
        let response = app.send(Method::PUT, &path, Some(&organiser), Some(&body)).await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.field_errors(), vec![(field.to_owned(), code.to_owned())], "{body}");
    }
    assert_eq!(reason_of(&app, &organiser, &registration).await, Value::Null);
}

#[actix_web::test]
async fn clearing_a_no_show_reason_is_recorded_and_idempotent() {
    let app = spawn_app().await;
    let (_, organiser, _, partner, registration) = ended(&app, Duration::days(2)).await;
    assert_eq!(no_show(&app, Some(&partner), &registration, "language").await.status, 200);

    for _ in 0..2 {
        let response = clear(&app, Some(&partner), &registration).await;
        assert_eq!(response.status, 200, "{}", response.text);
        assert_eq!(response.body["no_show_reason"], Value::Null);
    }
    assert_eq!(
        history_actions(&app, &organiser, &registration).await,
        ["created", "no_show_recorded", "no_show_cleared"]
    );
    clear(&app, None, &registration).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_check_in_after_a_no_show_reason_clears_it_and_the_history_says_so() {
    let app = spawn_app().await;
    let (_, organiser, _, partner, registration) = ended(&app, Duration::hours(1)).await;
    assert_eq!(no_show(&app, Some(&partner), &registration, "connection").await.status, 200);

    let checked = check_in(&app, &organiser, &registration).await;
    assert_eq!(checked.status, 200, "{}", checked.text);
    assert_eq!(checked.body["no_show_reason"], Value::Null);
    assert_eq!(checked.body["check_in"]["source"], "manual");
    let history = app.get(&format!("/api/v1/registrations/{registration}/history"), Some(&organiser)).await;
    let last = history.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "checked_in");
    assert_eq!(last["changes"][1], json!({"field": "no_show_reason", "from": "connection", "to": null}));

    // Undoing the check-in does not bring the reason back: it was the organiser's mistake,
    // not the participant's reason.
    assert_eq!(undo(&app, Some(&organiser), &registration).await.status, 200);
    assert_eq!(reason_of(&app, &organiser, &registration).await, Value::Null);
}
