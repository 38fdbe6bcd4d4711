//! An event's `online_attendance_min_minutes`: the minutes of online attendance that count
//! as attended, null for a quarter of the event's length (shown as
//! `effective_online_attendance_min_minutes`); 1 to 1440, else 422 naming the field.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::fixtures::*;
use crate::helpers::spawn_app;

fn minimum(event: &Value) -> (Value, Value) {
    (event["online_attendance_min_minutes"].clone(), event["effective_online_attendance_min_minutes"].clone())
}

#[actix_web::test]
async fn the_minimum_is_a_quarter_of_the_length_until_set_and_again_once_cleared() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let path = format!("/api/v1/events/{event}");
    let read = app.get(&path, Some(&organiser)).await;
    assert_eq!(minimum(&read.body), (Value::Null, json!(45)), "three hours: 45 minutes");
    let anonymous = app.get(&path, None).await;
    assert_eq!(minimum(&anonymous.body), (Value::Null, json!(45)), "everyone reads it");

    let starts: DateTime<Utc> = read.body["starts_at"].as_str().unwrap().parse().unwrap();
    let longer = app
        .patch(&path, Some(&organiser), json!({"ends_at": (starts + Duration::hours(4)).to_rfc3339()}))
        .await;
    assert_eq!(longer.status, 200, "{}", longer.text);
    assert_eq!(minimum(&longer.body), (Value::Null, json!(60)), "the default follows the length");

    let set = app.patch(&path, Some(&organiser), json!({"online_attendance_min_minutes": 30})).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(minimum(&set.body), (json!(30), json!(30)));
    let list = app.get("/api/v1/events?region=Soria", Some(&organiser)).await;
    let listed =
        list.body["items"].as_array().unwrap().iter().find(|e| e["id"] == json!(event)).unwrap().clone();
    assert_eq!(minimum(&listed), (json!(30), json!(30)));

    let cleared = app.patch(&path, Some(&organiser), json!({"online_attendance_min_minutes": null})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(minimum(&cleared.body), (Value::Null, json!(60)));

    let history = app.get(&format!("/api/v1/events/{event}/history"), Some(&organiser)).await;
    let changes: Vec<Value> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|entry| entry["changes"].as_array().unwrap().clone())
        .filter(|change| change["field"] == "online_attendance_min_minutes")
        .collect();
    assert_eq!(
        changes,
        [
            json!({"field": "online_attendance_min_minutes", "from": null, "to": 30}),
            json!({"field": "online_attendance_min_minutes", "from": 30, "to": null}),
        ]
    );
}

#[actix_web::test]
async fn a_minimum_set_on_create_is_kept() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({"online_attendance_min_minutes": 1440})).await;
    let read = app.get(&format!("/api/v1/events/{event}"), Some(&organiser)).await;
    assert_eq!(minimum(&read.body), (json!(1440), json!(1440)));
}

#[actix_web::test]
async fn a_minimum_out_of_range_is_422_naming_the_field_and_changes_nothing() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({"online_attendance_min_minutes": 20})).await;
    let path = format!("/api/v1/events/{event}");
    for (bad, code) in
        [(json!(0), "out_of_range"), (json!(1441), "out_of_range"), (json!("45"), "invalid_type")]
    {
        let created = app
            .post(
                "/api/v1/events",
                Some(&organiser),
                with(roundtable(org), json!({"online_attendance_min_minutes": bad})),
            )
            .await;
        created.assert_problem(422, "validation_failed");
        assert_eq!(
            created.field_errors(),
            vec![("online_attendance_min_minutes".to_owned(), code.to_owned())]
        );

        let patched = app.patch(&path, Some(&organiser), json!({"online_attendance_min_minutes": bad})).await;
        patched.assert_problem(422, "validation_failed");
        assert_eq!(
            patched.field_errors(),
            vec![("online_attendance_min_minutes".to_owned(), code.to_owned())]
        );
    }
    let read = app.get(&path, Some(&organiser)).await;
    assert_eq!(minimum(&read.body), (json!(20), json!(20)));
    let events = app.get(&format!("/api/v1/events?organisation_id={org}"), Some(&organiser)).await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 1, "no event created");
}
