//! `GET /events/{id}/history`: every change to an event, oldest first, with who made it and
//! which fields moved from what to what; never anything about the people registered.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, Resp, TestApp};
use crate::webhook_delivery::caller_id;

async fn history(app: &TestApp, token: Option<&str>, event: Uuid) -> Resp {
    app.get(&format!("/api/v1/events/{event}/history"), token).await
}

fn items(response: &Resp) -> &Vec<Value> {
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"].as_array().unwrap_or_else(|| panic!("no items: {}", response.text))
}

fn instant(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap_or_else(|| panic!("not a time: {value}")).parse().unwrap()
}

/// The change of `field` in `entry`, which must hold exactly one.
fn change<'a>(entry: &'a Value, field: &str) -> &'a Value {
    let found: Vec<&Value> =
        entry["changes"].as_array().unwrap().iter().filter(|c| c["field"] == field).collect();
    assert_eq!(found.len(), 1, "one change of {field} in {entry}");
    found[0]
}

#[actix_web::test]
async fn the_history_lists_creation_changes_publication_and_cancellation_in_order() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let creator = app.organiser_of(org).await;
    let publisher = app.organiser_of(org).await;
    let admin = app.admin().await;
    let event = create_event(&app, &creator, roundtable(org)).await;
    let path = format!("/api/v1/events/{event}");
    let before = app.get(&path, Some(&creator)).await.body;
    assert_eq!(before["status"], "draft");

    let starts = Utc::now() + Duration::days(10);
    let patched = app
        .patch(
            &path,
            Some(&admin),
            json!({
                "onsite": {"capacity": 12, "reserved_for_physical_space_need": 2},
                // Given with an offset: the history holds the instants, in UTC.
                "starts_at": starts.with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap()).to_rfc3339(),
                "ends_at": (starts + Duration::hours(2)).to_rfc3339(),
            }),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    publish(&app, &publisher, event).await;
    let cancelled = app.post(&format!("{path}/cancel"), Some(&creator), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);

    let response = history(&app, Some(&creator), event).await;
    let entries = items(&response);
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "updated", "published", "cancelled"], "{}", response.text);
    let (creator_id, publisher_id, admin_id) =
        (caller_id(&app, &creator).await, caller_id(&app, &publisher).await, caller_id(&app, &admin).await);
    let actors: Vec<&Value> = entries.iter().map(|e| &e["actor_id"]).collect();
    assert_eq!(
        actors,
        [&json!(creator_id), &json!(admin_id), &json!(publisher_id), &json!(creator_id)],
        "{}",
        response.text
    );
    for entry in entries {
        assert_eq!(entry["actor_kind"], "user", "{entry}");
        assert!(entry["changes"].is_array(), "{entry}");
        assert!(entry["at"].as_str().unwrap().ends_with('Z'), "{entry}");
    }
    let times: Vec<DateTime<Utc>> = entries.iter().map(|e| instant(&e["at"])).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first: {times:?}");

    let updated = &entries[1];
    let mut fields: Vec<&str> =
        updated["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(
        fields,
        ["ends_at", "onsite.capacity", "onsite.reserved_for_physical_space_need", "starts_at"],
        "only what changed: {updated}"
    );
    assert_eq!(
        change(updated, "onsite.capacity"),
        &json!({"field": "onsite.capacity", "from": 10, "to": 12})
    );
    assert_eq!(
        change(updated, "onsite.reserved_for_physical_space_need"),
        &json!({"field": "onsite.reserved_for_physical_space_need", "from": 3, "to": 2})
    );
    for field in ["starts_at", "ends_at"] {
        let moved = change(updated, field);
        assert_eq!(instant(&moved["from"]), instant(&before[field]), "{field}: {moved}");
        assert_eq!(instant(&moved["to"]), instant(&patched.body[field]), "{field}: {moved}");
        assert!(moved["to"].as_str().unwrap().ends_with('Z'), "{field} in UTC: {moved}");
    }
    assert_eq!(instant(&change(updated, "starts_at")["to"]).timestamp(), starts.timestamp());

    let published = entries[2]["changes"].as_array().unwrap();
    assert!(
        published.contains(&json!({"field": "status", "from": "draft", "to": "published"})),
        "{}",
        entries[2]
    );
    let cancelled = entries[3]["changes"].as_array().unwrap();
    assert!(
        cancelled.contains(&json!({"field": "status", "from": "published", "to": "cancelled"})),
        "{}",
        entries[3]
    );

    // Admins read it too, the same.
    assert_eq!(history(&app, Some(&admin), event).await.body, response.body);
}

#[actix_web::test]
async fn the_history_holds_no_personal_data_of_registrations() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let name = "Fatima Zahra El Idrissi";
    let email = "fatima.elidrissi@example.net";
    let phone = "+34 611 222 333";
    let body = with(
        participant("onsite", false),
        json!({"participant": {"full_name": name, "email": email, "phone": phone, "organisation_name": "Asociación Rif"},
               "accessibility_notes": "Needs a quiet room"}),
    );
    let seated = registered(&app, &partner, event, body).await;
    let waiting = registered(&app, &partner, event, participant("onsite", false)).await;
    assert_eq!(waiting["status"], "waitlisted");
    // Changes to the event that move registrations: a raised capacity promotes, a
    // cancellation frees a seat.
    let raised = app
        .patch(&format!("/api/v1/events/{event}"), Some(&organiser), json!({"onsite": {"capacity": 2}}))
        .await;
    assert_eq!(raised.status, 200, "{}", raised.text);
    let cancel = format!("/api/v1/registrations/{}/cancel", seated["id"].as_str().unwrap());
    assert_eq!(app.post(&cancel, Some(&partner), json!({})).await.status, 200);
    let cancelled = app.post(&format!("/api/v1/events/{event}/cancel"), Some(&organiser), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);

    let response = history(&app, Some(&organiser), event).await;
    let actions: Vec<&str> = items(&response).iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "published", "updated", "cancelled"], "{}", response.text);
    for personal in
        [name, email, phone, "611 222 333", "611222333", "Asociación Rif", "Needs a quiet room", "Amina"]
    {
        assert!(!response.text.contains(personal), "{personal} in {}", response.text);
    }
}

#[actix_web::test]
async fn only_the_organisations_organisers_and_admins_read_an_events_history() {
    let app = spawn_app().await;
    let (org, organiser, published) = published_event(&app, json!({})).await;
    let draft = create_event(&app, &organiser, roundtable(org)).await;
    let other_org = app.organisation("IOM Spain").await;
    let stranger = app.organiser_of(other_org).await;
    let admin = app.admin().await;

    for event in [published, draft] {
        assert_eq!(history(&app, Some(&organiser), event).await.status, 200);
        assert_eq!(history(&app, Some(&admin), event).await.status, 200);
        history(&app, None, event).await.assert_problem(401, "unauthorized");
    }
    history(&app, Some(&app.partner_of(org).await), published).await.assert_problem(403, "forbidden");
    history(&app, Some(&app.partner_of(other_org).await), published).await.assert_problem(403, "forbidden");
    history(&app, Some(&stranger), published).await.assert_problem(403, "forbidden");
    history(&app, Some(&stranger), draft).await.assert_problem(404, "not_found");
    history(&app, Some(&organiser), Uuid::now_v7()).await.assert_problem(404, "not_found");
    history(&app, Some(&admin), Uuid::now_v7()).await.assert_problem(404, "not_found");
    history(&app, None, Uuid::now_v7()).await.assert_problem(401, "unauthorized");
}
