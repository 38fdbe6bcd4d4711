//! Where to go: every read of a registration says where the person attends (the place of the
//! event, the main venue, or nothing online), and `GET /registrations/{id}/calendar.ics`
//! gives the person's own calendar entry. All through HTTP against PostgreSQL.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, Resp, TestApp};
use crate::hosted_places::{roundtable_with_places, Roundtable};

fn at(place: Uuid) -> Value {
    with(participant("onsite", false), json!({"place_id": place}))
}

/// The place reads show for Almazán as `roundtable_with_places` creates it (no translation).
fn almazan(id: Uuid) -> Value {
    json!({"id": id, "kind": "hosted", "name": "Centro cívico de Almazán", "address": "Plaza Mayor 1, Almazán",
           "municipality": "Almazán", "contact_phone": "+34 975 000 000", "language": null})
}

fn burgo(id: Uuid) -> Value {
    json!({"id": id, "kind": "hosted", "name": "Biblioteca de El Burgo de Osma",
           "address": "Plaza Mayor 1, El Burgo de Osma", "municipality": "El Burgo de Osma",
           "contact_phone": "+34 975 000 000", "language": null})
}

fn main_venue() -> Value {
    json!({"id": null, "kind": "venue", "name": "CEPAIM Soria", "address": "Calle Example 1",
           "municipality": null, "contact_phone": null, "language": null})
}

async fn register_with_key(app: &TestApp, token: &str, event: Uuid, key: &str, body: &Value) -> Resp {
    app.post_keyed(&format!("/api/v1/events/{event}/registrations"), token, key, body).await
}

async fn read(app: &TestApp, token: &str, id: &Value) -> Value {
    let read = app.get(&format!("/api/v1/registrations/{}", id.as_str().unwrap()), Some(token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    read.body
}

#[actix_web::test]
async fn every_read_of_a_registration_says_where_to_go() {
    let app = spawn_app().await;
    let Roundtable { organiser, partner, event, almazan: a, burgo: b, .. } =
        roundtable_with_places(&app, 10).await;

    // Created at a place, with an Idempotency-Key: the answer and its replay name the place.
    let body = at(a);
    let created = register_with_key(&app, &partner, event, "where-1", &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["place"], almazan(a), "{}", created.text);
    let replayed = register_with_key(&app, &partner, event, "where-1", &body).await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body, created.body);
    let at_almazan = created.body["id"].clone();

    let venue = registered(&app, &partner, event, participant("onsite", true)).await;
    assert_eq!(venue["place_id"], Value::Null);
    assert_eq!(venue["place"], main_venue());
    let online = registered(&app, &partner, event, participant("online", false)).await;
    assert_eq!(online["place"], Value::Null);
    assert_eq!(online["join_url"], "https://meet.example.org/abc");

    // El Burgo de Osma full (2 seats), the next who asks for it and would go to Almazán is
    // seated there, and the answer says Almazán, not the place asked for.
    for _ in 0..2 {
        assert_eq!(registered(&app, &partner, event, at(b)).await["place"], burgo(b));
    }
    let moved_on = registered(&app, &partner, event, with(at(b), json!({"acceptable_place_ids": [a]}))).await;
    assert_eq!(moved_on["status"], "confirmed");
    assert_eq!(moved_on["place"], almazan(a));
    // One who waits for El Burgo de Osma reads where they wait for.
    let waiting = registered(&app, &partner, event, at(b)).await;
    assert_eq!(waiting["status"], "waitlisted");
    assert_eq!(waiting["place"], burgo(b));

    for (id, place) in [
        (&at_almazan, almazan(a)),
        (&venue["id"], main_venue()),
        (&online["id"], Value::Null),
        (&waiting["id"], burgo(b)),
    ] {
        assert_eq!(read(&app, &partner, id).await["place"], place);
    }
    let list = app.get(&format!("/api/v1/events/{event}/registrations?limit=200"), Some(&organiser)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let places: Vec<(Value, Value)> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].clone(), r["place"].clone()))
        .collect();
    assert_eq!(
        places,
        [
            (at_almazan.clone(), almazan(a)),
            (venue["id"].clone(), main_venue()),
            (online["id"].clone(), Value::Null),
            (places[3].0.clone(), burgo(b)),
            (places[4].0.clone(), burgo(b)),
            (moved_on["id"].clone(), almazan(a)),
            (waiting["id"].clone(), burgo(b)),
        ]
    );

    // Moves, to the main venue and online, and a cancellation all answer where to go now.
    let path = format!("/api/v1/registrations/{}", at_almazan.as_str().unwrap());
    let to_venue = app.patch(&path, Some(&partner), json!({"place_id": null})).await;
    assert_eq!(to_venue.status, 200, "{}", to_venue.text);
    assert_eq!(to_venue.body["place"], main_venue());
    let back = app.patch(&path, Some(&partner), json!({"place_id": a})).await;
    assert_eq!(back.body["place"], almazan(a), "{}", back.text);
    let cancelled = app.post(&format!("{path}/cancel"), Some(&partner), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["place"], almazan(a), "where they would have gone");
    let to_online = app
        .patch(
            &format!("/api/v1/registrations/{}", venue["id"].as_str().unwrap()),
            Some(&partner),
            json!({"attendance_mode": "online", "needs_physical_space": false}),
        )
        .await;
    assert_eq!(to_online.status, 200, "{}", to_online.text);
    assert_eq!(to_online.body["place"], Value::Null);
}

/// The content lines of an iCalendar text (RFC 5545 3.1: CRLF line ends, a line starting
/// with a space continues the one before).
fn unfolded(ics: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for physical in ics.strip_suffix("\r\n").expect("ends with CRLF").split("\r\n") {
        assert!(!physical.contains(['\r', '\n']), "a bare CR or LF in {physical:?}");
        match physical.strip_prefix(' ') {
            Some(continued) => lines.last_mut().expect("a first line").push_str(continued),
            None => lines.push(physical.to_owned()),
        }
    }
    lines
}

/// The value of the one property `name` of the entry, if it has it.
fn property(lines: &[String], name: &str) -> Option<String> {
    let values: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix(name)?.strip_prefix(':')).collect();
    assert!(values.len() <= 1, "{name} more than once: {lines:?}");
    values.first().map(|v| v.to_string())
}

async fn calendar(app: &TestApp, token: Option<&str>, id: &Value) -> Resp {
    app.get(&format!("/api/v1/registrations/{}/calendar.ics", id.as_str().unwrap()), token).await
}

/// The entry of registration `id` as `token` gets it: its content lines, after checking what
/// every entry has.
async fn entry(app: &TestApp, token: &str, id: &Value, title: &str) -> Vec<String> {
    let response = calendar(app, Some(token), id).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("text/calendar; charset=utf-8"));
    let id = id.as_str().unwrap();
    assert_eq!(
        response.header("content-disposition"),
        Some(format!("attachment; filename=\"registration-{id}.ics\"").as_str())
    );
    let lines = unfolded(&response.text);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(property(&lines, "SUMMARY").as_deref(), Some(title));
    assert_eq!(property(&lines, "UID"), Some(format!("registration-{id}@hybrid-events")));
    assert!(property(&lines, "DTSTART").is_some() && property(&lines, "DTEND").is_some());
    assert!(!response.text.contains("Amina"), "the person is named: {}", response.text);
    lines
}

#[actix_web::test]
async fn the_calendar_entry_says_where_to_go_and_only_the_registration_s_readers_get_it() {
    let app = spawn_app().await;
    let Roundtable { org, organiser, partner, event, almazan: a, burgo: b, .. } =
        roundtable_with_places(&app, 10).await;
    let title = "Third regional roundtable";

    let hosted = registered(&app, &partner, event, at(a)).await;
    for token in [&partner, &organiser] {
        let lines = entry(&app, token, &hosted["id"], title).await;
        assert_eq!(
            property(&lines, "LOCATION").as_deref(),
            Some("Centro cívico de Almazán\\, Plaza Mayor 1\\, Almazán")
        );
        assert_eq!(property(&lines, "STATUS").as_deref(), Some("CONFIRMED"));
        assert_eq!(property(&lines, "URL"), Some(app.url(&format!("/api/v1/events/{event}"))), "the event's");
        let description = property(&lines, "DESCRIPTION").unwrap();
        assert!(description.starts_with("Contact at the place: +34 975 000 000\\n"), "{description}");
        assert!(!lines.iter().any(|l| l.contains("meet.example.org")), "{lines:?}");
    }

    let venue = registered(&app, &partner, event, participant("onsite", true)).await;
    let lines = entry(&app, &partner, &venue["id"], title).await;
    assert_eq!(property(&lines, "LOCATION").as_deref(), Some("CEPAIM Soria\\, Calle Example 1"));
    assert_eq!(property(&lines, "STATUS").as_deref(), Some("CONFIRMED"));

    let online = registered(&app, &partner, event, participant("online", false)).await;
    let lines = entry(&app, &partner, &online["id"], title).await;
    let link = "https://meet.example.org/abc";
    assert_eq!(property(&lines, "URL").as_deref(), Some(link));
    assert_eq!(property(&lines, "LOCATION").as_deref(), Some(link));
    assert!(property(&lines, "DESCRIPTION").unwrap().starts_with(&format!("Join online: {link}")));
    assert_eq!(property(&lines, "STATUS").as_deref(), Some("CONFIRMED"));
    // Cancelled, it no longer shows the link, as the registration no longer does.
    let path = format!("/api/v1/registrations/{}/cancel", online["id"].as_str().unwrap());
    assert_eq!(app.post(&path, Some(&partner), json!({})).await.body["join_url"], Value::Null);
    let lines = entry(&app, &partner, &online["id"], title).await;
    assert_eq!(property(&lines, "STATUS").as_deref(), Some("CANCELLED"));
    assert_eq!(property(&lines, "URL"), Some(app.url(&format!("/api/v1/events/{event}"))), "the event's");
    assert_eq!(property(&lines, "LOCATION").as_deref(), Some("Online"));
    assert!(!lines.iter().any(|l| l.contains("meet.example.org")), "{lines:?}");

    // Waiting for El Burgo de Osma (2 seats, both taken): tentative, located there.
    for _ in 0..2 {
        registered(&app, &partner, event, at(b)).await;
    }
    let waiting = registered(&app, &partner, event, at(b)).await;
    assert_eq!(waiting["status"], "waitlisted");
    let lines = entry(&app, &partner, &waiting["id"], title).await;
    assert_eq!(property(&lines, "STATUS").as_deref(), Some("TENTATIVE"));
    assert_eq!(
        property(&lines, "LOCATION").as_deref(),
        Some("Biblioteca de El Burgo de Osma\\, Plaza Mayor 1\\, El Burgo de Osma")
    );

    // Who may not read the registration does not learn it exists.
    let other_partner = app.partner_of(org).await;
    let other_org = app.organisation("Accem Teruel").await;
    let stranger = app.organiser_of(other_org).await;
    for token in [&other_partner, &stranger] {
        calendar(&app, Some(token), &hosted["id"]).await.assert_problem(404, "not_found");
    }
    calendar(&app, Some(&organiser), &json!(Uuid::now_v7().to_string()))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(calendar(&app, None, &hosted["id"]).await.status, 401);
}
