//! Places of an organisation: its venues and the hosted places where people without a
//! device follow a meeting. Its organisers and admins manage them; nobody else sees them.

use diesel::sql_types;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::{create_event, roundtable};
use crate::helpers::{spawn_app, Resp, TestApp};

fn places_path(org: Uuid) -> String {
    format!("/api/v1/organisations/{org}/places")
}

fn place_path(id: &Value) -> String {
    format!("/api/v1/places/{}", id.as_str().unwrap())
}

/// A community centre in a village, with every field set.
fn centre(host: Uuid) -> Value {
    json!({
        "name": "Centro cívico de Almazán",
        "kind": "hosted",
        "address": "Plaza Mayor 1",
        "municipality": "Almazán",
        "region": "Soria",
        "devices": 6,
        "accessibility": ["step_free", "hearing_loop"],
        "host_organisation_id": host,
        "contact_phone": "+34 975 000 000",
        "notes": "Ask for Lucía at the desk.\nOpen from 9:00."
    })
}

/// Creates a place and expects a 201; returns it.
async fn created(app: &TestApp, token: &str, org: Uuid, body: Value) -> Value {
    let response = app.post(&places_path(org), Some(token), body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body
}

/// The places of `org` as an admin lists them (one page).
async fn listed(app: &TestApp, org: Uuid) -> Vec<Value> {
    let response = app.get(&places_path(org), Some(&app.admin().await)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"].as_array().unwrap().clone()
}

fn fields(response: &Resp) -> Vec<(&str, &str)> {
    response.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no field errors: {}", response.text))
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect()
}

/// An organisation with its organiser, and the organisation that hosts its hosted place.
struct World {
    app: TestApp,
    org: Uuid,
    organiser: String,
    host: Uuid,
}

async fn world() -> World {
    let app = spawn_app().await;
    let org = app.organisation("Fundación CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let host = app.organisation("Asociación Vecinal de Almazán").await;
    World { app, org, organiser, host }
}

#[actix_web::test]
async fn an_organiser_creates_reads_lists_and_changes_the_places_of_its_organisation() {
    let w = world().await;
    let response = w.app.post(&places_path(w.org), Some(&w.organiser), centre(w.host)).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let place = response.body;
    let id = place["id"].as_str().unwrap();
    assert_eq!(response.headers.get("location").unwrap(), &format!("/api/v1/places/{id}"));
    assert_eq!(place["organisation_id"], w.org.to_string());
    assert_eq!(place["name"], "Centro cívico de Almazán");
    assert_eq!(place["kind"], "hosted");
    assert_eq!(place["address"], "Plaza Mayor 1");
    assert_eq!(place["municipality"], "Almazán");
    assert_eq!(place["region"], "Soria");
    assert_eq!(place["devices"], 6);
    assert_eq!(place["accessibility"], json!(["step_free", "hearing_loop"]));
    assert_eq!(place["host_organisation_id"], w.host.to_string());
    assert_eq!(place["contact_phone"], "+34 975 000 000");
    assert_eq!(place["notes"], "Ask for Lucía at the desk.\nOpen from 9:00.");
    assert_eq!(place["created_at"], place["updated_at"]);

    let read = w.app.get(&place_path(&place["id"]), Some(&w.organiser)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body, place);

    let venue = created(
        &w.app,
        &w.organiser,
        w.org,
        json!({"name": "  CEPAIM Soria  ", "kind": "venue", "address": "Calle Example 1"}),
    )
    .await;
    assert_eq!(venue["name"], "CEPAIM Soria", "trimmed");
    assert_eq!(venue["devices"], Value::Null);
    assert_eq!(venue["accessibility"], json!([]));
    assert_eq!(venue["host_organisation_id"], Value::Null);

    let list = w.app.get(&places_path(w.org), Some(&w.organiser)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["items"], json!([venue, place]), "newest first");
    assert_eq!(list.body["next_cursor"], Value::Null);

    let changed = w
        .app
        .patch(&place_path(&place["id"]), Some(&w.organiser), json!({"devices": 4, "name": "Centro cívico"}))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["devices"], 4);
    assert_eq!(changed.body["name"], "Centro cívico");
    assert_eq!(changed.body["municipality"], "Almazán", "absent fields stay");
    assert_eq!(changed.body["accessibility"], place["accessibility"]);
    assert_eq!(changed.body["created_at"], place["created_at"]);
    assert_ne!(changed.body["updated_at"], place["updated_at"]);
    let read = w.app.get(&place_path(&place["id"]), Some(&w.organiser)).await;
    assert_eq!(read.body, changed.body);
}

#[actix_web::test]
async fn an_admin_manages_the_places_of_any_organisation() {
    let w = world().await;
    let admin = w.app.admin().await;
    let place = created(&w.app, &admin, w.org, centre(w.host)).await;
    assert_eq!(place["organisation_id"], w.org.to_string());
    let read = w.app.get(&place_path(&place["id"]), Some(&admin)).await;
    assert_eq!(read.body, place);
    let changed =
        w.app.patch(&place_path(&place["id"]), Some(&admin), json!({"region": "Castilla y León"})).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["region"], "Castilla y León");
    // The organisation's own organiser sees what the admin made.
    let list = w.app.get(&places_path(w.org), Some(&w.organiser)).await;
    assert_eq!(list.body["items"], json!([changed.body]));
}

#[actix_web::test]
async fn partners_and_organisers_of_other_organisations_are_refused_and_nothing_changes() {
    let w = world().await;
    let place = created(&w.app, &w.organiser, w.org, centre(w.host)).await;
    let path = place_path(&place["id"]);
    let own_partner = w.app.partner_of(w.org).await;
    let stranger = w.app.organiser_of(w.host).await;
    let outsiders =
        [("partner", own_partner.as_str()), ("organiser of another organisation", stranger.as_str())];
    for (who, token) in outsiders {
        let body = json!({"name": "Mine now", "kind": "venue"});
        w.app.post(&places_path(w.org), Some(token), body).await.assert_problem(403, "forbidden");
        w.app.get(&places_path(w.org), Some(token)).await.assert_problem(403, "forbidden");
        w.app.get(&path, Some(token)).await.assert_problem(403, "forbidden");
        let patched = w.app.patch(&path, Some(token), json!({"name": "Mine now"})).await;
        patched.assert_problem(403, "forbidden");
        assert!(!patched.text.contains("Almazán"), "{who} learns nothing of the place: {}", patched.text);
    }
    w.app.post(&places_path(w.org), None, centre(w.host)).await.assert_problem(401, "unauthorized");
    w.app.get(&path, None).await.assert_problem(401, "unauthorized");
    assert_eq!(listed(&w.app, w.org).await, [place], "nothing created, nothing changed");
    assert_eq!(listed(&w.app, w.host).await, Vec::<Value>::new());

    // The stranger manages its own organisation's places, and sees only those.
    let theirs = created(&w.app, &stranger, w.host, json!({"name": "Biblioteca", "kind": "hosted"})).await;
    let list = w.app.get(&places_path(w.host), Some(&stranger)).await;
    assert_eq!(list.body["items"], json!([theirs]));
}

#[actix_web::test]
async fn unknown_places_and_organisations_are_404() {
    let w = world().await;
    let admin = w.app.admin().await;
    let nowhere = Uuid::now_v7();
    w.app.get(&format!("/api/v1/places/{nowhere}"), Some(&admin)).await.assert_problem(404, "not_found");
    w.app
        .patch(&format!("/api/v1/places/{nowhere}"), Some(&w.organiser), json!({"name": "x"}))
        .await
        .assert_problem(404, "not_found");
    w.app.post(&places_path(nowhere), Some(&admin), centre(w.host)).await.assert_problem(404, "not_found");
    w.app.get(&places_path(nowhere), Some(&admin)).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn each_bad_field_is_a_422_naming_it_and_creates_nothing() {
    let w = world().await;
    let with = |changes: Value| {
        let mut body = centre(w.host);
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases = [
        (with(json!({"name": "  "})), "validation_failed", ("name", "blank")),
        (with(json!({"name": "x".repeat(201)})), "validation_failed", ("name", "too_long")),
        (
            with(json!({"name": "Centro\r\nBEGIN:VALARM"})),
            "invalid_characters",
            ("name", "invalid_characters"),
        ),
        (with(json!({"address": "a".repeat(201)})), "validation_failed", ("address", "too_long")),
        (
            with(json!({"municipality": "Alma\u{2028}zán"})),
            "invalid_characters",
            ("municipality", "invalid_characters"),
        ),
        (with(json!({"region": "r".repeat(201)})), "validation_failed", ("region", "too_long")),
        (with(json!({"devices": -1})), "validation_failed", ("devices", "negative")),
        (with(json!({"devices": 10_001})), "validation_failed", ("devices", "too_large")),
        (with(json!({"devices": 2.5})), "validation_failed", ("devices", "invalid_type")),
        (with(json!({"devices": "6"})), "validation_failed", ("devices", "invalid_type")),
        (with(json!({"kind": "venue"})), "validation_failed", ("devices", "devices_at_venue")),
        (with(json!({"kind": "online"})), "validation_failed", ("kind", "invalid_value")),
        (
            with(json!({"accessibility": ["step_free", "lift"]})),
            "validation_failed",
            ("accessibility[1]", "unknown_feature"),
        ),
        (
            with(json!({"accessibility": vec!["parking"; 17]})),
            "validation_failed",
            ("accessibility", "too_many"),
        ),
        (with(json!({"contact_phone": "call me"})), "validation_failed", ("contact_phone", "invalid_phone")),
        (with(json!({"contact_phone": "12"})), "validation_failed", ("contact_phone", "invalid_phone")),
        (with(json!({"notes": "n".repeat(1001)})), "validation_failed", ("notes", "too_long")),
        (
            with(json!({"host_organisation_id": Uuid::now_v7()})),
            "unknown_organisation",
            ("host_organisation_id", "unknown_organisation"),
        ),
        (with(json!({"capacity": 10})), "validation_failed", ("capacity", "unknown_field")),
        (json!({"kind": "hosted"}), "validation_failed", ("name", "required")),
    ];
    for (body, code, field) in cases {
        let response = w.app.post(&places_path(w.org), Some(&w.organiser), body).await;
        response.assert_problem(422, code);
        assert_eq!(fields(&response), [field]);
    }
    // Every bad field at once is named at once.
    let response = w
        .app
        .post(
            &places_path(w.org),
            Some(&w.organiser),
            with(json!({"name": "", "kind": "venue", "accessibility": ["lift"], "contact_phone": "call me"})),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        fields(&response),
        [
            ("name", "blank"),
            ("devices", "devices_at_venue"),
            ("accessibility[0]", "unknown_feature"),
            ("contact_phone", "invalid_phone")
        ]
    );
    assert_eq!(listed(&w.app, w.org).await, Vec::<Value>::new(), "nothing created");
}

#[actix_web::test]
async fn repeated_features_are_kept_once_and_blank_optional_text_is_null() {
    let w = world().await;
    let place = created(
        &w.app,
        &w.organiser,
        w.org,
        json!({"name": "Biblioteca municipal", "kind": "hosted", "devices": 0, "address": "  ",
               "contact_phone": "", "accessibility": ["quiet_room", "childcare", "quiet_room"]}),
    )
    .await;
    assert_eq!(place["accessibility"], json!(["quiet_room", "childcare"]));
    assert_eq!(place["devices"], 0);
    assert_eq!((&place["address"], &place["contact_phone"]), (&Value::Null, &Value::Null));
}

#[actix_web::test]
async fn null_clears_optional_fields_and_a_bad_patch_changes_nothing() {
    let w = world().await;
    let place = created(&w.app, &w.organiser, w.org, centre(w.host)).await;
    let path = place_path(&place["id"]);

    let bad_patches = [
        (json!({"name": null}), "validation_failed", ("name", "invalid_type")),
        (json!({"kind": null}), "validation_failed", ("kind", "invalid_type")),
        (json!({"accessibility": null}), "validation_failed", ("accessibility", "invalid_type")),
        (json!({"name": " "}), "validation_failed", ("name", "blank")),
        (json!({"kind": "venue"}), "validation_failed", ("devices", "devices_at_venue")),
        (json!({"devices": 10_001}), "validation_failed", ("devices", "too_large")),
        (json!({"devices": 1.5}), "validation_failed", ("devices", "invalid_type")),
        (
            json!({"accessibility": ["step_free", "ramp"]}),
            "validation_failed",
            ("accessibility[1]", "unknown_feature"),
        ),
        (json!({"contact_phone": "+34 call me"}), "validation_failed", ("contact_phone", "invalid_phone")),
        (json!({"notes": "n".repeat(1001)}), "validation_failed", ("notes", "too_long")),
        (
            json!({"host_organisation_id": Uuid::now_v7()}),
            "unknown_organisation",
            ("host_organisation_id", "unknown_organisation"),
        ),
        (
            json!({"organisation_id": Uuid::now_v7()}),
            "validation_failed",
            ("organisation_id", "unknown_field"),
        ),
    ];
    for (body, code, field) in bad_patches {
        let response = w.app.patch(&path, Some(&w.organiser), body).await;
        response.assert_problem(422, code);
        assert_eq!(fields(&response), [field]);
    }
    let read = w.app.get(&path, Some(&w.organiser)).await;
    assert_eq!(read.body, place, "nothing changed");

    let cleared = w
        .app
        .patch(
            &path,
            Some(&w.organiser),
            json!({"address": null, "municipality": null, "region": null, "devices": null,
                   "accessibility": [], "host_organisation_id": null, "contact_phone": null, "notes": null}),
        )
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    for field in
        ["address", "municipality", "region", "devices", "host_organisation_id", "contact_phone", "notes"]
    {
        assert_eq!(cleared.body[field], Value::Null, "{field}");
    }
    assert_eq!(cleared.body["accessibility"], json!([]));
    assert_eq!(
        (&cleared.body["name"], &cleared.body["kind"]),
        (&place["name"], &place["kind"]),
        "absent stay"
    );

    // Without devices a hosted place may become a venue.
    let venue = w.app.patch(&path, Some(&w.organiser), json!({"kind": "venue"})).await;
    assert_eq!(venue.status, 200, "{}", venue.text);
    assert_eq!(venue.body["kind"], "venue");
    assert_eq!(w.app.get(&path, Some(&w.organiser)).await.body, venue.body);
}

#[actix_web::test]
async fn places_come_in_pages_that_follow_their_cursor() {
    let w = world().await;
    let mut made = Vec::new();
    for i in 0..5 {
        let place =
            created(&w.app, &w.organiser, w.org, json!({"name": format!("Place {i}"), "kind": "hosted"}))
                .await;
        made.push(place["id"].clone());
    }
    made.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            None => format!("{}?limit=2", places_path(w.org)),
            Some(c) => format!("{}?limit=2&cursor={c}", places_path(w.org)),
        };
        let page = w.app.get(&path, Some(&w.organiser)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        pages += 1;
        seen.extend(page.body["items"].as_array().unwrap().iter().map(|p| p["id"].clone()));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, made, "every place once, newest first");

    // A cursor belongs to its organisation's list.
    let first = w.app.get(&format!("{}?limit=2", places_path(w.org)), Some(&w.organiser)).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let admin = w.app.admin().await;
    w.app
        .get(&format!("{}?cursor={cursor}", places_path(w.host)), Some(&admin))
        .await
        .assert_problem(400, "invalid_cursor");
    w.app
        .get(&format!("{}?limit=0", places_path(w.org)), Some(&w.organiser))
        .await
        .assert_problem(422, "validation_failed");
}

/// Offers `capacity` seats of `event` at `place`. (Written in SQL until event places have
/// their endpoints.)
/// Offers `place` at `event` with `capacity` seats, through the API.
async fn offer(app: &TestApp, token: &str, event: Uuid, place: &Value, capacity: i32) {
    let offered = app
        .post(
            &format!("/api/v1/events/{event}/places"),
            Some(token),
            json!({"place_id": place["id"], "capacity": capacity}),
        )
        .await;
    assert_eq!(offered.status, 201, "{}", offered.text);
}

#[actix_web::test]
async fn devices_are_not_lowered_under_the_seats_an_unended_event_offers_there() {
    let w = world().await;
    let place = created(&w.app, &w.organiser, w.org, centre(w.host)).await;
    let path = place_path(&place["id"]);
    let small = create_event(&w.app, &w.organiser, roundtable(w.org)).await;
    let large = create_event(&w.app, &w.organiser, roundtable(w.org)).await;
    offer(&w.app, &w.organiser, small, &place, 2).await;
    offer(&w.app, &w.organiser, large, &place, 5).await;

    let refused = w.app.patch(&path, Some(&w.organiser), json!({"devices": 4, "name": "Renamed"})).await;
    refused.assert_problem(409, "devices_below_capacity");
    assert!(refused.body["detail"].as_str().unwrap().contains('5'), "{}", refused.text);
    assert_eq!(w.app.get(&path, Some(&w.organiser)).await.body, place, "nothing changed");

    let lowered = w.app.patch(&path, Some(&w.organiser), json!({"devices": 5})).await;
    assert_eq!(lowered.status, 200, "{}", lowered.text);
    assert_eq!(lowered.body["devices"], 5);
    // Not lowered: other fields still change.
    let renamed = w.app.patch(&path, Some(&w.organiser), json!({"devices": 5, "name": "Renamed"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);

    // A cancelled event, and one that has ended, offer nothing any more.
    let cancelled =
        w.app.post(&format!("/api/v1/events/{large}/cancel"), Some(&w.organiser), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    let lowered = w.app.patch(&path, Some(&w.organiser), json!({"devices": 2})).await;
    assert_eq!(lowered.status, 200, "{}", lowered.text);
    w.app
        .patch(&path, Some(&w.organiser), json!({"devices": 1}))
        .await
        .assert_problem(409, "devices_below_capacity");
    diesel::sql_query(
        "UPDATE events SET starts_at = now() - interval '2 days', ends_at = now() - interval '1 day' WHERE id = $1",
    )
    .bind::<sql_types::Uuid, _>(small)
    .execute(&mut w.app.conn().await)
    .await
    .unwrap();
    let lowered = w.app.patch(&path, Some(&w.organiser), json!({"devices": 1})).await;
    assert_eq!(lowered.status, 200, "{}", lowered.text);
    assert_eq!(lowered.body["devices"], 1);
}
