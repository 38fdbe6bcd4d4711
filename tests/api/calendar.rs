//! The `.ics` entries read back with an RFC 5545 parser, as a calendar program reads them:
//! who wrote them, which revision they are, and where the event is.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use diesel_async::RunQueryDsl;
use icalendar::{Calendar, Component};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, TestApp};

/// What a calendar program keeps of an entry to decide whether a new import replaces it.
#[derive(Debug, PartialEq)]
struct Entry {
    prodid: String,
    uid: String,
    sequence: u32,
    last_modified: DateTime<Utc>,
    starts: String,
    url: String,
}

async fn entry(app: &TestApp, path: &str, token: Option<&str>) -> Entry {
    let response = app.get(path, token).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let calendar = Calendar::from_str(&response.text).unwrap_or_else(|e| panic!("{e}\n{}", response.text));
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 1, "{}", response.text);
    let event = events[0];
    Entry {
        prodid: calendar.property_value("PRODID").expect("a PRODID").to_owned(),
        uid: event.get_uid().expect("a UID").to_owned(),
        sequence: event.get_sequence().expect("a SEQUENCE"),
        last_modified: event.get_last_modified().expect("a LAST-MODIFIED in UTC"),
        starts: format!("{:?}", event.get_start().expect("a DTSTART")),
        url: event.get_url().expect("a URL").to_owned(),
    }
}

/// The event and its registrations as if last changed an hour ago, so that a change now is
/// later by the second precision of LAST-MODIFIED without waiting.
async fn last_changed_an_hour_ago(app: &TestApp, event: Uuid) {
    for (table, column) in [("events", "id"), ("registrations", "event_id")] {
        let earlier =
            format!("UPDATE {table} SET updated_at = updated_at - interval '1 hour' WHERE {column} = $1");
        diesel::sql_query(earlier)
            .bind::<diesel::sql_types::Uuid, _>(event)
            .execute(&mut app.conn().await)
            .await
            .unwrap();
    }
}

async fn patch_event(app: &TestApp, organiser: &str, event: Uuid, body: Value) {
    let response = app.patch(&format!("/api/v1/events/{event}"), Some(organiser), body).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[actix_web::test]
async fn a_new_start_time_is_a_new_revision_that_calendars_take() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let path = format!("/api/v1/events/{event}/calendar.ics");
    let first = entry(&app, &path, None).await;
    assert_eq!(first.prodid, concat!("-//hybrid-events//hybrid-events ", env!("CARGO_PKG_VERSION"), "//EN"));
    assert_ne!(first.prodid, "ICALENDAR-RS", "not the library's default");
    assert_eq!(first.sequence, 0);
    assert_eq!(first.url, app.url(&format!("/api/v1/events/{event}")));
    last_changed_an_hour_ago(&app, event).await;
    let before = entry(&app, &path, None).await;

    let starts = Utc::now() + Duration::days(8);
    let times =
        json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(3)).to_rfc3339()});
    patch_event(&app, &organiser, event, times).await;

    let after = entry(&app, &path, None).await;
    assert_eq!(after.uid, before.uid, "the same entry");
    assert_eq!(after.sequence, 1, "{after:?}");
    assert!(after.last_modified > before.last_modified, "{before:?} then {after:?}");
    assert_ne!(after.starts, before.starts);

    last_changed_an_hour_ago(&app, event).await;
    let before = entry(&app, &path, None).await;
    patch_event(&app, &organiser, event, json!({"title": "Fourth regional roundtable"})).await;
    let retitled = entry(&app, &path, None).await;
    assert_eq!(retitled.sequence, 1, "a new title is not a new time or place");
    assert!(retitled.last_modified > before.last_modified, "{before:?} then {retitled:?}");

    patch_event(&app, &organiser, event, json!({"onsite": {"address": "Plaza Mayor 1"}})).await;
    assert_eq!(entry(&app, &path, None).await.sequence, 2, "a new address is a new place");
    let cancelled = app.post(&format!("/api/v1/events/{event}/cancel"), Some(&organiser), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(entry(&app, &path, None).await.sequence, 3, "a cancellation too");
}

#[actix_web::test]
async fn a_registrations_entry_follows_the_events_changes_and_its_own() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let registration = registered(&app, &partner, event, participant("onsite", false)).await;
    let path = format!("/api/v1/registrations/{}/calendar.ics", registration["id"].as_str().unwrap());
    last_changed_an_hour_ago(&app, event).await;
    let before = entry(&app, &path, Some(&partner)).await;
    assert_eq!(before.sequence, 0);
    assert_eq!(before.url, app.url(&format!("/api/v1/events/{event}")), "no join link onsite");
    assert_ne!(before.prodid, "ICALENDAR-RS");

    let starts = Utc::now() + Duration::days(9);
    let times =
        json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(2)).to_rfc3339()});
    patch_event(&app, &organiser, event, times).await;

    let after = entry(&app, &path, Some(&partner)).await;
    assert_eq!(after.sequence, 1, "{after:?}");
    assert!(after.last_modified > before.last_modified, "{before:?} then {after:?}");

    let cancel = format!("/api/v1/registrations/{}/cancel", registration["id"].as_str().unwrap());
    assert_eq!(app.post(&cancel, Some(&partner), json!({})).await.status, 200);
    assert_eq!(entry(&app, &path, Some(&partner)).await.sequence, 2, "its own cancellation too");
}
