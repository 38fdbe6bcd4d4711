//! Bodies and arrangements shared by the event and registration tests.

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::TestApp;

/// The Soria roundtable, a week from now: unlimited online, 10 onsite with 3 reserved.
pub fn roundtable(org: Uuid) -> Value {
    let starts = Utc::now() + Duration::days(7);
    json!({
        "title": "Third regional roundtable",
        "description": "Migrants' participation in forums and activities",
        "organisation_id": org,
        "region": "Soria",
        "series": "Regional cooperation platform",
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + Duration::hours(3)).to_rfc3339(),
        "timezone": "Europe/Madrid",
        "languages": ["es"],
        "registration_closes_at": null,
        "online": {"join_url": "https://meet.example.org/abc", "capacity": null},
        "onsite": {"venue_name": "CEPAIM Soria", "address": "Calle Example 1", "capacity": 10,
                   "reserved_for_physical_space_need": 3}
    })
}

/// Changes `body` with `patch` (one level deep for objects).
pub fn with(mut body: Value, patch: Value) -> Value {
    for (key, value) in patch.as_object().unwrap() {
        match (body.get_mut(key), value) {
            (Some(Value::Object(target)), Value::Object(changes)) => {
                for (k, v) in changes {
                    target.insert(k.clone(), v.clone());
                }
            }
            _ => {
                body[key] = value.clone();
            }
        }
    }
    body
}

/// Creates an event with `body` as `token` and returns its id.
pub async fn create_event(app: &TestApp, token: &str, body: Value) -> Uuid {
    let response = app.post("/api/v1/events", Some(token), body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body["id"].as_str().unwrap().parse().unwrap()
}

pub async fn publish(app: &TestApp, token: &str, event: Uuid) {
    let response = app.post(&format!("/api/v1/events/{event}/publish"), Some(token), json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

/// An organisation with an organiser and a published event made from `patch` over the
/// roundtable: (organisation, organiser token, event id).
pub async fn published_event(app: &TestApp, patch: Value) -> (Uuid, String, Uuid) {
    let org = app.organisation(&format!("CEPAIM {}", Uuid::new_v4().simple())).await;
    let organiser = app.organiser_of(org).await;
    let event = create_event(app, &organiser, with(roundtable(org), patch)).await;
    publish(app, &organiser, event).await;
    (org, organiser, event)
}

/// A registration body for a participant with a unique phone number.
pub fn participant(mode: &str, needs_physical_space: bool) -> Value {
    json!({
        "participant": {"full_name": "Amina", "email": null,
                        "phone": format!("+34 6{:08}", rand_digits()),
                        "preferred_language": "ar", "stakeholder_category": "refugee", "organisation_name": null},
        "attendance_mode": mode,
        "needs_physical_space": needs_physical_space,
        "needs_transport": needs_physical_space,
        "interpretation_language": "ar",
        "accessibility_notes": null,
        "accept_online_fallback": false,
        "consent": {"data_processing": true, "contact": false},
        "interests": ["entrepreneurship", "women_employment"]
    })
}

fn rand_digits() -> u32 {
    (Uuid::new_v4().as_u128() % 100_000_000) as u32
}

pub async fn register(app: &TestApp, token: &str, event: Uuid, body: Value) -> crate::helpers::Resp {
    app.post(&format!("/api/v1/events/{event}/registrations"), Some(token), body).await
}

/// Registers and expects a 201; returns the registration.
pub async fn registered(app: &TestApp, token: &str, event: Uuid, body: Value) -> Value {
    let response = register(app, token, event, body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body
}

/// Times for an event starting within the hour: it still takes registrations, and check-in
/// (from 2 hours before the start) is already open.
pub fn starting_soon() -> Value {
    let starts = Utc::now() + Duration::hours(1);
    json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(3)).to_rfc3339()})
}

/// `org` trusts `other`, set by `token` (an organiser of `org`, or an admin): the partners of
/// `other` may then register people for `org`'s events.
pub async fn trust(app: &TestApp, token: &str, org: Uuid, other: Uuid) {
    let path = format!("/api/v1/organisations/{org}/trusted-organisations/{other}");
    let response = app.send(reqwest::Method::PUT, &path, Some(token), None).await;
    assert_eq!(response.status, 201, "{}", response.text);
}
