//! Seats reserved for groups of stakeholder categories (issue 21, item 4), over HTTP: what an
//! organiser may reserve, who may take the seats, who a freed seat goes to, and what the
//! event's changes refuse.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, TestApp};
use crate::hosted_places::{hosted, offer, place};

/// Migrants and refugees: the group of the Soria roundtable.
pub fn migrants_and_refugees(seats: i64, places: Value) -> Value {
    json!({"categories": ["migrant", "refugee"], "seats": seats, "places": places})
}

/// A registration of someone of `category`, onsite at the main venue unless `patch` says
/// otherwise.
pub fn person(category: &str, need: bool) -> Value {
    let mut body = participant("onsite", need);
    body["participant"]["stakeholder_category"] = json!(category);
    body
}

async fn cancel(app: &TestApp, token: &str, registration: &Value) {
    let path = format!("/api/v1/registrations/{}/cancel", registration["id"].as_str().unwrap());
    let cancelled = app.post(&path, Some(token), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
}

async fn status_of(app: &TestApp, token: &str, id: &str) -> String {
    let read = app.get(&format!("/api/v1/registrations/{id}"), Some(token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    read.body["status"].as_str().unwrap().to_owned()
}

/// The roundtable's venue, 10 seats: 3 for the physical-space need, 3 for migrants and
/// refugees; nothing online.
async fn roundtable_with_a_group(app: &TestApp, patch: Value) -> (Uuid, String, String, Uuid) {
    let (org, organiser, event) = published_event(
        app,
        with(json!({"online": null, "group_reservations": [migrants_and_refugees(3, Value::Null)]}), patch),
    )
    .await;
    let partner = app.partner_of(org).await;
    (org, organiser, partner, event)
}

#[actix_web::test]
async fn an_event_reserves_seats_for_a_group_shows_them_and_records_their_changes() {
    let app = spawn_app().await;
    let (_, organiser, _, event) = roundtable_with_a_group(&app, json!({})).await;
    let read = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(
        read.body["group_reservations"],
        json!([{"categories": ["migrant", "refugee"], "seats": 3, "places": null}])
    );
    let changed = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&organiser),
            json!({"group_reservations": [migrants_and_refugees(2, Value::Null),
                                          {"categories": ["migrant_led_organisation"], "seats": 1}]}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["group_reservations"][1]["places"], Value::Null);
    let history = app.get(&format!("/api/v1/events/{event}/history"), Some(&organiser)).await;
    let last = history.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "updated");
    assert_eq!(last["changes"][0]["field"], "group_reservations", "{last}");
    assert_eq!(last["changes"][0]["to"][0]["seats"], 2);
    // A read without group reservations shows an empty list.
    let (_, _, plain) = published_event(&app, json!({})).await;
    assert_eq!(app.get(&format!("/api/v1/events/{plain}"), None).await.body["group_reservations"], json!([]));
}

/// The answer to creating the roundtable of `org` with `patch`, refused with 422: its field
/// errors.
async fn refused_event(app: &TestApp, organiser: &str, org: Uuid, patch: Value) -> Vec<(String, String)> {
    let refused = app.post("/api/v1/events", Some(organiser), with(roundtable(org), patch)).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    refused.field_errors()
}

#[actix_web::test]
async fn group_reservations_are_refused_with_every_problem_named() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let reservations = |list: Value| json!({"group_reservations": list});
    assert_eq!(
        refused_event(
            &app,
            &organiser,
            org,
            reservations(json!([
                migrants_and_refugees(5, Value::Null),
                {"categories": ["refugee", "ngo"], "seats": 0},
                {"categories": [], "seats": 1, "places": []}
            ]))
        )
        .await,
        vec![
            ("group_reservations[1].categories[0]".into(), "category_in_two_reservations".into()),
            ("group_reservations[1].seats".into(), "out_of_range".into()),
            ("group_reservations[2].categories".into(), "required".into()),
            ("group_reservations[2].places".into(), "required".into()),
        ]
    );
    // On the rooms: a place the event does not offer, and more reserved than seats (3 for
    // the need and 8 for the group in a room of 10).
    assert_eq!(
        refused_event(
            &app,
            &organiser,
            org,
            reservations(json!([
                migrants_and_refugees(8, Value::Null),
                {"categories": ["volunteer"], "seats": 1, "places": [Uuid::now_v7()]}
            ]))
        )
        .await,
        vec![
            ("group_reservations[1].places[0]".into(), "place_not_offered".into()),
            ("group_reservations[0].seats".into(), "reserved_above_capacity".into()),
        ]
    );
    // A category outside the vocabulary is refused by the request's type.
    refused_event(&app, &organiser, org, reservations(json!([{"categories": ["tourist"], "seats": 1}])))
        .await;
    let five: Vec<Value> = ["migrant", "refugee", "ngo", "volunteer", "other"]
        .iter()
        .map(|c| json!({"categories": [c], "seats": 1}))
        .collect();
    let errors =
        refused_event(&app, &organiser, org, json!({"onsite": {"capacity": 20}, "group_reservations": five}))
            .await;
    assert!(errors.contains(&("group_reservations".into(), "too_many".into())), "{errors:?}");
}

#[actix_web::test]
async fn seats_reserved_for_migrants_and_refugees_go_only_to_them_and_a_member_with_the_need_takes_either() {
    let app = spawn_app().await;
    let (_, _, partner, event) = roundtable_with_a_group(&app, json!({})).await;
    // 10 seats less 3 for the need and 3 for the group: 4 for everyone else.
    for _ in 0..4 {
        assert_eq!(registered(&app, &partner, event, person("ngo", false)).await["status"], "confirmed");
    }
    assert_eq!(registered(&app, &partner, event, person("ngo", false)).await["status"], "waitlisted");
    for _ in 0..3 {
        assert_eq!(registered(&app, &partner, event, person("migrant", false)).await["status"], "confirmed");
    }
    // The group's seats are taken and the free ones too: the need's seats are not theirs.
    assert_eq!(registered(&app, &partner, event, person("refugee", false)).await["status"], "waitlisted");
    // A refugee with the need takes a need seat; two need seats remain for the need alone.
    assert_eq!(registered(&app, &partner, event, person("refugee", true)).await["status"], "confirmed");
    assert_eq!(registered(&app, &partner, event, person("ngo", true)).await["status"], "confirmed");
    assert_eq!(registered(&app, &partner, event, person("ngo", true)).await["status"], "confirmed");
    let read = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(read.body["onsite"]["confirmed"], 10);
}

#[actix_web::test]
async fn a_member_with_the_need_leaves_the_need_seats_to_others_by_sitting_in_a_group_seat() {
    let app = spawn_app().await;
    let (_, _, partner, event) = roundtable_with_a_group(&app, json!({})).await;
    // A refugee with the need first, then three others with it: the refugee can sit in a
    // group seat, so all four are seated though the need has only three seats.
    assert_eq!(registered(&app, &partner, event, person("refugee", true)).await["status"], "confirmed");
    for _ in 0..3 {
        assert_eq!(registered(&app, &partner, event, person("volunteer", true)).await["status"], "confirmed");
    }
    // Four without the need or the group fill the free seats; two group seats remain.
    for _ in 0..4 {
        assert_eq!(
            registered(&app, &partner, event, person("volunteer", false)).await["status"],
            "confirmed"
        );
    }
    assert_eq!(registered(&app, &partner, event, person("volunteer", false)).await["status"], "waitlisted");
    assert_eq!(registered(&app, &partner, event, person("volunteer", true)).await["status"], "waitlisted");
    assert_eq!(registered(&app, &partner, event, person("migrant", false)).await["status"], "confirmed");
}

async fn a_freed_group_seat_goes_to_the_first_member_waiting(promotion: &str) {
    let app = spawn_app().await;
    let (_, organiser, partner, event) = roundtable_with_a_group(
        &app,
        json!({"onsite": {"capacity": 6, "reserved_for_physical_space_need": 0}, "waitlist_promotion": promotion}),
    )
    .await;
    let mut members = Vec::new();
    for _ in 0..3 {
        members.push(registered(&app, &partner, event, person("refugee", false)).await);
    }
    let mut others = Vec::new();
    for _ in 0..3 {
        others.push(registered(&app, &partner, event, person("ngo", false)).await);
    }
    // Waiting: someone outside the group first, then a migrant, then another.
    let first = registered(&app, &partner, event, person("ngo", false)).await;
    let migrant = registered(&app, &partner, event, person("migrant", false)).await;
    let later = registered(&app, &partner, event, person("migrant", false)).await;
    for w in [&first, &migrant, &later] {
        assert_eq!(w["status"], "waitlisted");
    }
    let seat_given = if promotion == "offer" { "offered" } else { "confirmed" };
    // A refugee cancels: the seat is the group's, so the first migrant waiting gets it.
    cancel(&app, &organiser, &members[0]).await;
    let id = |r: &Value| r["id"].as_str().unwrap().to_owned();
    assert_eq!(status_of(&app, &organiser, &id(&migrant)).await, seat_given);
    assert_eq!(status_of(&app, &organiser, &id(&first)).await, "waitlisted");
    assert_eq!(status_of(&app, &organiser, &id(&later)).await, "waitlisted");
    // Someone outside the group cancels: a free seat, to the first in line.
    cancel(&app, &organiser, &others[0]).await;
    assert_eq!(status_of(&app, &organiser, &id(&first)).await, seat_given);
    assert_eq!(status_of(&app, &organiser, &id(&later)).await, "waitlisted");
}

#[actix_web::test]
async fn a_freed_group_seat_goes_to_the_first_member_waiting_and_a_free_seat_to_the_first_in_line() {
    a_freed_group_seat_goes_to_the_first_member_waiting("automatic").await;
}

#[actix_web::test]
async fn with_offers_a_freed_group_seat_is_offered_to_the_first_member_waiting() {
    a_freed_group_seat_goes_to_the_first_member_waiting("offer").await;
}

#[actix_web::test]
async fn changes_that_would_leave_someone_seated_without_a_seat_they_may_take_are_refused() {
    let app = spawn_app().await;
    let (_, organiser, partner, event) = roundtable_with_a_group(&app, json!({})).await;
    let path = format!("/api/v1/events/{event}");
    // Lowering the room under its reserved seats: 3 + 3 > 5.
    let refused = app.patch(&path, Some(&organiser), json!({"onsite": {"capacity": 5}})).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        vec![("group_reservations[0].seats".into(), "reserved_above_capacity".into())]
    );
    let mut others = Vec::new();
    for _ in 0..4 {
        others.push(registered(&app, &partner, event, person("volunteer", false)).await);
    }
    // Four people outside the group sit in the 4 free seats: a larger reservation would
    // leave one of them without a seat.
    let refused = app
        .patch(
            &path,
            Some(&organiser),
            json!({"group_reservations": [migrants_and_refugees(4, Value::Null)]}),
        )
        .await;
    refused.assert_problem(409, "capacity_below_confirmed");
    // Nor may the room shrink under them.
    let refused = app.patch(&path, Some(&organiser), json!({"onsite": {"capacity": 9}})).await;
    refused.assert_problem(409, "capacity_below_confirmed");
    // A refugee seated in a group seat who says they are a volunteer would need a free seat:
    // none is left, so the change is refused and nothing changes.
    let refugee = registered(&app, &partner, event, person("refugee", false)).await;
    assert_eq!(refugee["status"], "confirmed");
    let refused = app
        .patch(
            &format!("/api/v1/registrations/{}", refugee["id"].as_str().unwrap()),
            Some(&partner),
            json!({"participant": {"stakeholder_category": "volunteer"}}),
        )
        .await;
    refused.assert_problem(409, "capacity_full");
    // Removing the reservation frees the seats for anyone: the first waiting is seated.
    let waiting = registered(&app, &partner, event, person("volunteer", false)).await;
    assert_eq!(waiting["status"], "waitlisted");
    let freed = app.patch(&path, Some(&organiser), json!({"group_reservations": []})).await;
    assert_eq!(freed.status, 200, "{}", freed.text);
    assert_eq!(status_of(&app, &organiser, waiting["id"].as_str().unwrap()).await, "confirmed");
}

#[actix_web::test]
async fn a_group_reservation_at_a_hosted_place_holds_there_and_keeps_the_place_offered() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({"online": null})).await;
    let partner = app.partner_of(org).await;
    let almazan = place(&app, &organiser, org, hosted("Centro cívico de Almazán", "Almazán", 6)).await;
    assert_eq!(offer(&app, &organiser, event, almazan, 4, 1).await.status, 201);
    let path = format!("/api/v1/events/{event}");
    let reserved = app
        .patch(
            &path,
            Some(&organiser),
            json!({"group_reservations": [migrants_and_refugees(2, json!([almazan]))]}),
        )
        .await;
    assert_eq!(reserved.status, 200, "{}", reserved.text);
    let at_almazan = |category: &str| with(person(category, false), json!({"place_id": almazan}));
    // 4 seats at Almazán, 1 for the need and 2 for the group: 1 for anyone else.
    assert_eq!(registered(&app, &partner, event, at_almazan("ngo")).await["status"], "confirmed");
    assert_eq!(registered(&app, &partner, event, at_almazan("ngo")).await["status"], "waitlisted");
    assert_eq!(registered(&app, &partner, event, at_almazan("migrant")).await["status"], "confirmed");
    // The main venue is not reserved for the group: anyone takes its unreserved seats.
    assert_eq!(registered(&app, &partner, event, person("ngo", false)).await["status"], "confirmed");
    // The place's seats cannot drop under what is reserved there, nor can it be withdrawn.
    let place_path = format!("/api/v1/events/{event}/places/{almazan}");
    let refused = app.patch(&place_path, Some(&organiser), json!({"capacity": 2})).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.field_errors(), vec![("capacity".into(), "reserved_above_capacity".into())]);
    let refused =
        app.patch(&place_path, Some(&organiser), json!({"reserved_for_physical_space_need": 2})).await;
    refused.assert_problem(409, "capacity_below_confirmed");
}

#[actix_web::test]
async fn a_place_a_group_reservation_holds_at_is_not_withdrawn() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let almazan = place(&app, &organiser, org, hosted("Centro cívico de Almazán", "Almazán", 6)).await;
    assert_eq!(offer(&app, &organiser, event, almazan, 4, 0).await.status, 201);
    let reserved = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&organiser),
            json!({"group_reservations": [migrants_and_refugees(2, json!([almazan]))]}),
        )
        .await;
    assert_eq!(reserved.status, 200, "{}", reserved.text);
    let refused = app.delete(&format!("/api/v1/events/{event}/places/{almazan}"), Some(&organiser)).await;
    refused.assert_problem(409, "place_in_group_reservation");
}
