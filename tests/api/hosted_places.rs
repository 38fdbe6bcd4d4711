//! Hosted places: an event offers rooms near people's homes beside its main venue, each with
//! its own seats, and registrations ask for one, list others they could reach, move between
//! them, and free seats there. All through HTTP against PostgreSQL.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::receiver::Receiver;
use crate::webhook_delivery::{fast, subscribe};

/// Creates a place of `org` (as `token`) and returns its id.
pub async fn place(app: &TestApp, token: &str, org: Uuid, body: Value) -> Uuid {
    let response = app.post(&format!("/api/v1/organisations/{org}/places"), Some(token), body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body["id"].as_str().unwrap().parse().unwrap()
}

/// A hosted place of the province of Soria with `devices` screens or laptops.
pub fn hosted(name: &str, municipality: &str, devices: i64) -> Value {
    json!({"name": name, "kind": "hosted", "address": format!("Plaza Mayor 1, {municipality}"),
           "municipality": municipality, "region": "Soria", "devices": devices,
           "accessibility": ["step_free"], "contact_phone": "+34 975 000 000"})
}

/// Offers `place` at `event` with these seats; returns the answer.
pub async fn offer(
    app: &TestApp,
    token: &str,
    event: Uuid,
    place: Uuid,
    capacity: i64,
    reserved: i64,
) -> crate::helpers::Resp {
    app.post(
        &format!("/api/v1/events/{event}/places"),
        Some(token),
        json!({"place_id": place, "capacity": capacity, "reserved_for_physical_space_need": reserved}),
    )
    .await
}

/// The roundtable with Almazán (4 seats, 2 reserved) and El Burgo de Osma (2 seats) offered
/// beside the main venue (onsite `venue` seats, none reserved; unlimited online).
pub struct Roundtable {
    pub org: Uuid,
    pub organiser: String,
    pub partner: String,
    pub event: Uuid,
    pub almazan: Uuid,
    pub burgo: Uuid,
}

pub async fn roundtable_with_places(app: &TestApp, venue: i64) -> Roundtable {
    let (org, organiser, event) =
        published_event(app, json!({"onsite": {"capacity": venue, "reserved_for_physical_space_need": 0}}))
            .await;
    let almazan = place(app, &organiser, org, hosted("Centro cívico de Almazán", "Almazán", 4)).await;
    let burgo =
        place(app, &organiser, org, hosted("Biblioteca de El Burgo de Osma", "El Burgo de Osma", 3)).await;
    assert_eq!(offer(app, &organiser, event, almazan, 4, 2).await.status, 201);
    assert_eq!(offer(app, &organiser, event, burgo, 2, 0).await.status, 201);
    let partner = app.partner_of(org).await;
    Roundtable { org, organiser, partner, event, almazan, burgo }
}

fn at(place: Uuid, needs_physical_space: bool) -> Value {
    with(participant("onsite", needs_physical_space), json!({"place_id": place}))
}

async fn event_places(app: &TestApp, event: Uuid) -> Vec<Value> {
    let read = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(read.status, 200, "{}", read.text);
    read.body["places"].as_array().unwrap().clone()
}

async fn seats_at(app: &TestApp, event: Uuid, place: Uuid) -> Value {
    event_places(app, event).await.into_iter().find(|p| p["place_id"] == place.to_string()).unwrap()
}

fn id(value: &Value) -> &str {
    value["id"].as_str().unwrap()
}

#[actix_web::test]
async fn an_event_offers_places_with_their_own_seats_in_every_read() {
    let app = spawn_app().await;
    let r = roundtable_with_places(&app, 10).await;
    let places = event_places(&app, r.event).await;
    assert_eq!(places.len(), 2);
    assert_eq!(places[0]["place_id"], r.almazan.to_string());
    assert_eq!(places[0]["name"], "Centro cívico de Almazán");
    assert_eq!(places[0]["kind"], "hosted");
    assert_eq!(places[0]["municipality"], "Almazán");
    assert_eq!(
        (&places[0]["capacity"], &places[0]["reserved_for_physical_space_need"], &places[0]["confirmed"]),
        (&json!(4), &json!(2), &json!(0))
    );
    assert_eq!(places[0]["available"], 4);
    assert_eq!(places[0]["available_without_physical_space_need"], 2);
    // The main venue keeps its meaning.
    let event = app.get(&format!("/api/v1/events/{}", r.event), None).await;
    assert_eq!(event.body["onsite"]["capacity"], 10);
    // Lists show them too, and so does the read of one place.
    let list = app.get(&format!("/api/v1/events?organisation_id={}", r.org), None).await;
    assert_eq!(list.body["items"][0]["places"].as_array().unwrap().len(), 2, "{}", list.text);
    let one = app.get(&format!("/api/v1/events/{}/places/{}", r.event, r.burgo), None).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body["capacity"], 2);
}

#[actix_web::test]
async fn offering_a_place_is_checked_and_a_refusal_changes_nothing() {
    let app = spawn_app().await;
    let r = roundtable_with_places(&app, 10).await;
    let other_org = app.organisation("Cruz Roja Teruel").await;
    let other_organiser = app.organiser_of(other_org).await;
    let elsewhere = place(&app, &other_organiser, other_org, hosted("Casa de cultura", "Calamocha", 5)).await;
    let fresh = place(&app, &r.organiser, r.org, hosted("Local social de Ágreda", "Ágreda", 3)).await;

    let too_many = offer(&app, &r.organiser, r.event, fresh, 4, 0).await;
    too_many.assert_problem(422, "validation_failed");
    assert!(too_many.field_errors().contains(&("capacity".into(), "capacity_exceeds_devices".into())));
    let reserved = offer(&app, &r.organiser, r.event, fresh, 2, 3).await;
    assert!(reserved
        .field_errors()
        .contains(&("reserved_for_physical_space_need".into(), "reserved_exceeds_capacity".into())));
    offer(&app, &r.organiser, r.event, elsewhere, 2, 0).await.assert_problem(422, "unknown_place");
    offer(&app, &r.organiser, r.event, r.almazan, 2, 0).await.assert_problem(409, "place_already_offered");
    let partner = offer(&app, &r.partner, r.event, fresh, 2, 0).await;
    assert_eq!(partner.status, 403);
    offer(&app, &other_organiser, r.event, fresh, 2, 0).await.assert_problem(403, "forbidden");
    let places = event_places(&app, r.event).await;
    assert_eq!(places.len(), 2, "nothing offered by a refusal");
    assert_eq!(places[0]["capacity"], 4, "nor changed");
    // An unknown field is refused too.
    let unknown = app
        .post(
            &format!("/api/v1/events/{}/places", r.event),
            Some(&r.organiser),
            json!({"place_id": fresh, "capacity": 2, "seats": 3}),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.text);
}

#[actix_web::test]
async fn a_registration_takes_a_seat_at_the_place_it_asks_for_and_clients_without_places_keep_the_venue() {
    let app = spawn_app().await;
    let r = roundtable_with_places(&app, 10).await;
    let seated = registered(&app, &r.partner, r.event, at(r.almazan, true)).await;
    assert_eq!(seated["status"], "confirmed");
    assert_eq!(seated["attendance_mode"], "onsite");
    assert_eq!(seated["place_id"], r.almazan.to_string());
    let almazan = seats_at(&app, r.event, r.almazan).await;
    assert_eq!((&almazan["confirmed"], &almazan["available"]), (&json!(1), &json!(3)));
    let event = app.get(&format!("/api/v1/events/{}", r.event), None).await;
    assert_eq!(event.body["onsite"]["confirmed"], 0, "the main venue's seats are its own");

    // A client that sends no place is seated at the main venue, exactly as before.
    let venue = registered(&app, &r.partner, r.event, participant("onsite", false)).await;
    assert_eq!(venue["status"], "confirmed");
    assert_eq!(venue["place_id"], Value::Null);
    let event = app.get(&format!("/api/v1/events/{}", r.event), None).await;
    assert_eq!(event.body["onsite"]["confirmed"], 1);
    assert_eq!(seats_at(&app, r.event, r.almazan).await["confirmed"], 1);

    // The host at Almazán lists the people expected there, and no one else.
    let path = format!("/api/v1/events/{}/registrations?place_id={}", r.event, r.almazan);
    let expected = app.get(&path, Some(&r.organiser)).await;
    assert_eq!(expected.status, 200, "{}", expected.text);
    let ids: Vec<&Value> = expected.body["items"].as_array().unwrap().iter().map(|r| &r["id"]).collect();
    assert_eq!(ids, vec![&seated["id"]]);
}

#[actix_web::test]
async fn places_the_event_does_not_offer_and_places_online_are_refused_and_nothing_is_created() {
    let app = spawn_app().await;
    let r = roundtable_with_places(&app, 10).await;
    let not_offered = place(&app, &r.organiser, r.org, hosted("Local social de Ágreda", "Ágreda", 3)).await;
    register(&app, &r.partner, r.event, at(not_offered, false))
        .await
        .assert_problem(422, "place_not_offered");
    let acceptable =
        with(participant("onsite", false), json!({"acceptable_place_ids": [r.burgo, Uuid::now_v7()]}));
    let refused = register(&app, &r.partner, r.event, acceptable).await;
    refused.assert_problem(422, "place_not_offered");
    assert!(refused.field_errors().contains(&("acceptable_place_ids[1]".into(), "place_not_offered".into())));
    let online = with(participant("online", false), json!({"place_id": r.almazan}));
    register(&app, &r.partner, r.event, online).await.assert_problem(422, "place_requires_onsite");
    let list = app.get(&format!("/api/v1/events/{}/registrations", r.event), Some(&r.organiser)).await;
    assert_eq!(list.body["items"], json!([]), "nothing created");
}

#[actix_web::test]
async fn a_full_place_gives_the_first_acceptable_seat_then_the_online_fallback_then_its_waitlist() {
    let app = spawn_app().await;
    let r = roundtable_with_places(&app, 1).await;
    // El Burgo de Osma (2 seats, none reserved) fills up.
    for _ in 0..2 {
        assert_eq!(registered(&app, &r.partner, r.event, at(r.burgo, false)).await["status"], "confirmed");
    }
    // Then the first acceptable place with a seat: Almazán, whose unreserved seats are 2.
    let moved = registered(
        &app,
        &r.partner,
        r.event,
        with(at(r.burgo, false), json!({"acceptable_place_ids": [r.almazan]})),
    )
    .await;
    assert_eq!((&moved["status"], &moved["place_id"]), (&json!("confirmed"), &json!(r.almazan.to_string())));
    registered(&app, &r.partner, r.event, at(r.almazan, false)).await;
    // Almazán has only reserved seats left: someone without the need falls back online ...
    let online = registered(
        &app,
        &r.partner,
        r.event,
        with(
            at(r.burgo, false),
            json!({"acceptable_place_ids": [r.almazan], "accept_online_fallback": true}),
        ),
    )
    .await;
    assert_eq!((&online["attendance_mode"], &online["fallback_applied"]), (&json!("online"), &json!(true)));
    assert_eq!(online["place_id"], Value::Null);
    // ... someone with the need takes a reserved seat at an acceptable place ...
    let needs = registered(
        &app,
        &r.partner,
        r.event,
        with(at(r.burgo, true), json!({"acceptable_place_ids": [r.almazan]})),
    )
    .await;
    assert_eq!((&needs["status"], &needs["place_id"]), (&json!("confirmed"), &json!(r.almazan.to_string())));
    // ... and without a fallback, the person waits for the place asked for.
    let waits = registered(
        &app,
        &r.partner,
        r.event,
        with(at(r.burgo, false), json!({"acceptable_place_ids": [r.almazan]})),
    )
    .await;
    assert_eq!((&waits["status"], &waits["place_id"]), (&json!("waitlisted"), &json!(r.burgo.to_string())));
    assert_eq!(waits["waitlist_position"], 1);
    let burgo = seats_at(&app, r.event, r.burgo).await;
    assert_eq!((&burgo["confirmed"], &burgo["waitlisted"]), (&json!(2), &json!(1)));
    let almazan = seats_at(&app, r.event, r.almazan).await;
    assert_eq!((&almazan["confirmed"], &almazan["available"]), (&json!(3), &json!(1)));
    assert_eq!(almazan["available_without_physical_space_need"], 0, "the last seat is reserved");
}

#[actix_web::test]
async fn a_freed_seat_at_a_place_goes_to_the_first_waitlisted_who_may_take_it_need_first() {
    let app = spawn_app().await;
    let r = roundtable_with_places(&app, 1).await;
    let first = registered(&app, &r.partner, r.event, at(r.burgo, false)).await;
    registered(&app, &r.partner, r.event, at(r.burgo, false)).await;
    registered(&app, &r.partner, r.event, participant("onsite", false)).await;
    // Waiting: for Burgo without the need; for the venue with Burgo acceptable, with the need.
    let for_burgo = registered(&app, &r.partner, r.event, at(r.burgo, false)).await;
    let mut accepting = participant("onsite", true);
    accepting["acceptable_place_ids"] = json!([r.burgo]);
    // Almazán would seat the person with the need: fill it first.
    for _ in 0..4 {
        registered(&app, &r.partner, r.event, at(r.almazan, true)).await;
    }
    let accepting = registered(&app, &r.partner, r.event, accepting).await;
    assert_eq!(for_burgo["status"], "waitlisted");
    assert_eq!(accepting["status"], "waitlisted");
    assert_eq!(accepting["place_id"], Value::Null, "waiting for the main venue");

    let cancelled =
        app.post(&format!("/api/v1/registrations/{}/cancel", id(&first)), Some(&r.partner), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    let promoted = app.get(&format!("/api/v1/registrations/{}", id(&accepting)), Some(&r.partner)).await;
    assert_eq!(promoted.body["status"], "confirmed", "the need first, though it came later");
    assert_eq!(promoted.body["place_id"], r.burgo.to_string(), "seated where the seat freed up");
    let still = app.get(&format!("/api/v1/registrations/{}", id(&for_burgo)), Some(&r.partner)).await;
    assert_eq!((&still.body["status"], &still.body["waitlist_position"]), (&json!("waitlisted"), &json!(1)));
    let burgo = seats_at(&app, r.event, r.burgo).await;
    assert_eq!((&burgo["confirmed"], &burgo["waitlisted"]), (&json!(2), &json!(1)));
}

#[actix_web::test]
async fn moving_between_places_is_one_atomic_patch_announced_and_recorded() {
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::start().await;
    let r = roundtable_with_places(&app, 10).await;
    let hook =
        subscribe(&app, &r.partner, &receiver.url("/moves"), json!(["registration.place_changed"])).await;
    let person = registered(&app, &r.partner, r.event, at(r.almazan, false)).await;
    let path = format!("/api/v1/registrations/{}", id(&person));

    let moved = app.patch(&path, Some(&r.partner), json!({"place_id": r.burgo})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(
        (&moved.body["status"], &moved.body["place_id"]),
        (&json!("confirmed"), &json!(r.burgo.to_string()))
    );
    assert_eq!(seats_at(&app, r.event, r.almazan).await["confirmed"], 0);
    assert_eq!(seats_at(&app, r.event, r.burgo).await["confirmed"], 1);

    let post = receiver.next().await;
    assert!(post.signature_is_valid(&hook.secret));
    let body = post.json();
    assert_eq!(body["type"], "registration.place_changed");
    assert_eq!(body["registration_id"], person["id"]);
    assert_eq!(body["data"]["place_id"], r.burgo.to_string());
    assert_eq!(body["data"]["previous_place_id"], r.almazan.to_string());
    assert_eq!(body["data"]["status"], "confirmed");

    // El Burgo is full now: moving someone else there is 409 and changes nothing.
    registered(&app, &r.partner, r.event, at(r.burgo, false)).await;
    let other = registered(&app, &r.partner, r.event, participant("onsite", false)).await;
    let refused = app
        .patch(
            &format!("/api/v1/registrations/{}", id(&other)),
            Some(&r.partner),
            json!({"place_id": r.burgo}),
        )
        .await;
    refused.assert_problem(409, "capacity_full");
    let unchanged = app.get(&format!("/api/v1/registrations/{}", id(&other)), Some(&r.partner)).await;
    assert_eq!((&unchanged.body["status"], &unchanged.body["place_id"]), (&json!("confirmed"), &Value::Null));
    let event = app.get(&format!("/api/v1/events/{}", r.event), None).await;
    assert_eq!(event.body["onsite"]["confirmed"], 1);
    assert_eq!(seats_at(&app, r.event, r.burgo).await["confirmed"], 2);

    // Back to the main venue with null; turning online leaves the place behind.
    let back = app.patch(&path, Some(&r.partner), json!({"place_id": null})).await;
    assert_eq!((&back.body["place_id"], &back.body["attendance_mode"]), (&Value::Null, &json!("onsite")));
    let online = app.patch(&path, Some(&r.partner), json!({"place_id": r.almazan})).await;
    assert_eq!(online.status, 200);
    let online = app.patch(&path, Some(&r.partner), json!({"attendance_mode": "online"})).await;
    assert_eq!((&online.body["place_id"], &online.body["attendance_mode"]), (&Value::Null, &json!("online")));
    app.patch(&path, Some(&r.partner), json!({"attendance_mode": "online", "place_id": r.almazan}))
        .await
        .assert_problem(422, "place_requires_onsite");

    let history = app.get(&format!("{path}/history"), Some(&r.organiser)).await;
    let moves: Vec<&Value> =
        history.body["items"].as_array().unwrap().iter().filter(|e| e["action"] == "place_changed").collect();
    assert_eq!(moves.len(), 3, "{}", history.text);
    assert_eq!(moves[0]["changes"], json!([{"field": "place_id", "from": r.almazan, "to": r.burgo}]));
}

#[actix_web::test]
async fn a_place_s_seats_change_within_its_people_and_it_is_withdrawn_only_when_empty() {
    let app = spawn_app().await;
    let r = roundtable_with_places(&app, 10).await;
    let path = format!("/api/v1/events/{}/places/{}", r.event, r.burgo);
    let one = registered(&app, &r.partner, r.event, at(r.burgo, false)).await;
    registered(&app, &r.partner, r.event, at(r.burgo, false)).await;
    let waiting = registered(&app, &r.partner, r.event, at(r.burgo, false)).await;
    assert_eq!(waiting["status"], "waitlisted");
    let accepting = registered(
        &app,
        &r.partner,
        r.event,
        with(participant("onsite", false), json!({"acceptable_place_ids": [r.burgo]})),
    )
    .await;

    app.patch(&path, Some(&r.organiser), json!({"capacity": 1}))
        .await
        .assert_problem(409, "capacity_below_confirmed");
    app.patch(&path, Some(&r.organiser), json!({"capacity": 4}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(seats_at(&app, r.event, r.burgo).await["capacity"], 2, "a refusal changes nothing");
    // Raising the seats confirms the person waiting there.
    let raised = app.patch(&path, Some(&r.organiser), json!({"capacity": 3})).await;
    assert_eq!(raised.status, 200, "{}", raised.text);
    assert_eq!((&raised.body["confirmed"], &raised.body["waitlisted"]), (&json!(3), &json!(0)));
    let promoted = app.get(&format!("/api/v1/registrations/{}", id(&waiting)), Some(&r.partner)).await;
    assert_eq!(promoted.body["status"], "confirmed");

    app.delete(&path, Some(&r.organiser)).await.assert_problem(409, "place_in_use");
    for person in [&one, &waiting] {
        app.post(&format!("/api/v1/registrations/{}/cancel", id(person)), Some(&r.partner), json!({})).await;
    }
    app.delete(&path, Some(&r.organiser)).await.assert_problem(409, "place_in_use");
    let rest = app
        .get(&format!("/api/v1/events/{}/registrations?status=confirmed", r.event), Some(&r.organiser))
        .await;
    for person in rest.body["items"].as_array().unwrap() {
        if person["place_id"] == r.burgo.to_string() {
            app.post(&format!("/api/v1/registrations/{}/cancel", id(person)), Some(&r.partner), json!({}))
                .await;
        }
    }
    let withdrawn = app.delete(&path, Some(&r.organiser)).await;
    assert_eq!(withdrawn.status, 204, "{}", withdrawn.text);
    assert_eq!(event_places(&app, r.event).await.len(), 1);
    let no_longer = app.get(&format!("/api/v1/registrations/{}", id(&accepting)), Some(&r.partner)).await;
    assert_eq!(
        no_longer.body["acceptable_place_ids"],
        json!([]),
        "a withdrawn place is no longer acceptable"
    );

    let history = app.get(&format!("/api/v1/events/{}/history", r.event), Some(&r.organiser)).await;
    let changes: Vec<&Value> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "places_changed")
        .flat_map(|e| e["changes"].as_array().unwrap())
        .filter(|c| c["field"] == format!("places.{}", r.burgo))
        .collect();
    assert_eq!(changes.len(), 3, "offered, raised, withdrawn: {}", history.text);
    assert_eq!(changes[1]["from"]["capacity"], 2);
    assert_eq!(changes[1]["to"]["capacity"], 3);
    assert_eq!(changes[2]["to"], Value::Null);
}
