//! Every check-in keeps how it was made (`source`) and, for online attendance, its minutes:
//! read back in `check_in` beside `checked_in_at`, recorded in the history, cleared by undo.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::check_in::{check_in, confirmed, event_starting, undo};
use crate::fixtures::*;
use crate::helpers::{Resp, TestApp};

async fn check_in_with(app: &TestApp, token: &str, registration: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/registrations/{registration}/check-in"), Some(token), body).await
}

async fn read(app: &TestApp, token: &str, registration: &str) -> Value {
    let response = app.get(&format!("/api/v1/registrations/{registration}"), Some(token)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

/// The `changes` of the registration's history entries with `action`.
async fn changes_of(app: &TestApp, token: &str, registration: &str, action: &str) -> Vec<Value> {
    let history = app.get(&format!("/api/v1/registrations/{registration}/history"), Some(token)).await;
    assert_eq!(history.status, 200, "{}", history.text);
    history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == action)
        .map(|entry| entry["changes"].clone())
        .collect()
}

#[actix_web::test]
async fn a_check_in_by_hand_is_at_the_door_onsite_and_manual_online_with_checked_in_at_kept() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, online) = confirmed(&app, org, event).await;
    let onsite = registered(&app, &organiser, event, participant("onsite", false)).await;
    let onsite = onsite["id"].as_str().unwrap();
    assert_eq!(read(&app, &organiser, onsite).await["check_in"], Value::Null);

    for (registration, source) in [(online.as_str(), "manual"), (onsite, "onsite")] {
        let response = check_in(&app, &organiser, registration).await;
        assert_eq!(response.status, 200, "{}", response.text);
        let check_in = &response.body["check_in"];
        assert_eq!(check_in["source"], source, "{}", response.text);
        assert_eq!(check_in["minutes"], Value::Null);
        assert_eq!(check_in["at"], response.body["checked_in_at"], "the old field keeps the same time");
        assert_eq!(read(&app, &organiser, registration).await["check_in"], *check_in);
    }
    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let sources: Vec<&Value> =
        list.body["items"].as_array().unwrap().iter().map(|r| &r["check_in"]["source"]).collect();
    assert_eq!(sources, [&json!("manual"), &json!("onsite")], "lists show the check-in too");
}

#[actix_web::test]
async fn a_check_in_may_name_its_source_and_minutes_and_the_history_records_them() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, registration) = confirmed(&app, org, event).await;

    let response =
        check_in_with(&app, &organiser, &registration, json!({"source": "onsite", "minutes": 95})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let check_in = response.body["check_in"].clone();
    assert_eq!((&check_in["source"], &check_in["minutes"]), (&json!("onsite"), &json!(95)), "{check_in}");

    assert_eq!(
        changes_of(&app, &organiser, &registration, "checked_in").await,
        [json!([{"field": "check_in", "from": null, "to": check_in}])]
    );
    // A repeat keeps the first check-in, whatever it says.
    let again =
        check_in_with(&app, &organiser, &registration, json!({"source": "manual", "minutes": 5})).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["check_in"], check_in);
    assert_eq!(changes_of(&app, &organiser, &registration, "checked_in").await.len(), 1);
}

#[actix_web::test]
async fn a_check_in_claiming_the_import_or_with_impossible_minutes_is_422_and_changes_nothing() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, registration) = confirmed(&app, org, event).await;

    for (body, field, code) in [
        (json!({"source": "online_import"}), "source", "invalid_value"),
        (json!({"source": "door"}), "source", "invalid_value"),
        (json!({"minutes": -1}), "minutes", "out_of_range"),
        (json!({"minutes": 10081}), "minutes", "out_of_range"),
        (json!({"minutes": "95"}), "minutes", "invalid_type"),
    ] {
        let response = check_in_with(&app, &organiser, &registration, body.clone()).await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.field_errors(), vec![(field.to_owned(), code.to_owned())], "{body}");
        let read_back = read(&app, &organiser, &registration).await;
        assert_eq!(
            (&read_back["check_in"], &read_back["checked_in_at"]),
            (&Value::Null, &Value::Null),
            "{body}"
        );
    }
    assert!(changes_of(&app, &organiser, &registration, "checked_in").await.is_empty());
}

#[actix_web::test]
async fn undoing_a_check_in_clears_its_source_and_minutes_and_the_history_keeps_what_was_undone() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, event) = event_starting(&app, Utc::now() + Duration::hours(1)).await;
    let (_, registration) = confirmed(&app, org, event).await;
    let checked = check_in_with(&app, &organiser, &registration, json!({"minutes": 40})).await;
    assert_eq!(checked.status, 200, "{}", checked.text);
    let made = checked.body["check_in"].clone();
    assert_eq!((&made["source"], &made["minutes"]), (&json!("manual"), &json!(40)));

    let undone = undo(&app, Some(&organiser), &registration).await;
    assert_eq!(undone.status, 200, "{}", undone.text);
    assert_eq!((&undone.body["check_in"], &undone.body["checked_in_at"]), (&Value::Null, &Value::Null));
    assert_eq!(read(&app, &organiser, &registration).await["check_in"], Value::Null);
    assert_eq!(
        changes_of(&app, &organiser, &registration, "check_in_undone").await,
        [json!([{"field": "check_in", "from": made, "to": null}])]
    );

    // Checked in anew without minutes, none are left over from the first check-in.
    let anew = check_in(&app, &organiser, &registration).await;
    assert_eq!(anew.status, 200, "{}", anew.text);
    assert_eq!(anew.body["check_in"]["minutes"], Value::Null);
}
