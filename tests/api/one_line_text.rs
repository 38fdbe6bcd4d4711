//! One-line fields (titles, regions, series, places, names) refuse control characters and
//! line breaks with `invalid_characters`, so an organiser's title cannot add properties to
//! the anonymous `calendar.ics`; and the calendar writer keeps even text stored before that
//! check on one line.

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, TestApp};

/// A title that, written raw into a calendar, adds a link and an alarm to the event.
const INJECTED: &str = "Roundtable\r\nURL:http://evil.example\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nEND:VALARM";

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in `table` (one of ours, named by the test).
async fn rows(app: &TestApp, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(&mut app.conn().await)
        .await
        .unwrap()
        .n
}

/// Each one-line field of an event with a line break or control character in it, as the
/// body patch that sets it and the field the problem names.
fn broken_fields() -> Vec<(Value, &'static str)> {
    vec![
        (json!({"title": INJECTED}), "title"),
        (json!({"title": "Roundtable\nURL:http://evil.example"}), "title"),
        (json!({"title": "Roundtable\u{2028}URL:http://evil.example"}), "title"),
        (json!({"region": "Soria\rX"}), "region"),
        (json!({"series": "Platform\u{85}2"}), "series"),
        (json!({"online": {"join_url": "https://meet.example.org/a\r\nb"}}), "online.join_url"),
        (json!({"onsite": {"venue_name": "CEPAIM\u{1b}[2J"}}), "onsite.venue_name"),
        (json!({"onsite": {"address": "Calle\tExample\u{2029}1"}}), "onsite.address"),
    ]
}

fn invalid(field: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), "invalid_characters".to_owned())]
}

#[actix_web::test]
async fn an_event_with_a_line_break_in_a_one_line_field_is_422_invalid_characters_and_not_created() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    for (patch, field) in broken_fields() {
        let response =
            app.post("/api/v1/events", Some(&organiser), with(roundtable(org), patch.clone())).await;
        response.assert_problem(422, "invalid_characters");
        assert_eq!(response.field_errors(), invalid(field), "{patch}");
    }
    assert_eq!(rows(&app, "events").await, 0);

    // With another problem beside it, the problem is the general one and names both fields.
    let response = app
        .post(
            "/api/v1/events",
            Some(&organiser),
            with(roundtable(org), json!({"title": INJECTED, "region": ""})),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.field_errors().len(), 2, "{}", response.text);
    assert_eq!(rows(&app, "events").await, 0);
}

#[actix_web::test]
async fn patching_a_line_break_into_a_one_line_field_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let path = format!("/api/v1/events/{event}");
    let before = app.get(&path, None).await;
    let calendar_before = app.get(&format!("{path}/calendar.ics"), None).await.text;
    for (patch, field) in broken_fields() {
        let response = app.patch(&path, Some(&organiser), patch.clone()).await;
        response.assert_problem(422, "invalid_characters");
        assert_eq!(response.field_errors(), invalid(field), "{patch}");
    }
    assert_eq!(app.get(&path, None).await.body, before.body);
    let calendar = app.get(&format!("{path}/calendar.ics"), None).await.text;
    assert_eq!(calendar, calendar_before);
    assert!(!calendar.contains("evil.example"), "{calendar}");
}

#[actix_web::test]
async fn a_description_keeps_its_line_breaks_and_the_calendar_writes_them_as_escapes() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let description = "Agenda:\r\n1. Welcome\n2. Transport\tand schedules";
    let event =
        create_event(&app, &organiser, with(roundtable(org), json!({"description": description}))).await;
    publish(&app, &organiser, event).await;
    let read = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(read.body["description"], description);
    let calendar = app.get(&format!("/api/v1/events/{event}/calendar.ics"), None).await;
    let lines = assert_one_property_per_line(&calendar.text);
    assert!(
        lines.iter().any(|l| l.starts_with("DESCRIPTION:Agenda:\\n1. Welcome\\n2. Transport\tand schedules")),
        "{}",
        calendar.text
    );
    // Other control characters are refused in multi-line text too.
    let response = app
        .patch(&format!("/api/v1/events/{event}"), Some(&organiser), json!({"description": "a\u{7}b"}))
        .await;
    response.assert_problem(422, "invalid_characters");
    assert_eq!(response.field_errors(), invalid("description"));
}

#[actix_web::test]
async fn names_of_participants_organisations_and_api_clients_are_one_line() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;

    for (name, organisation_name, field) in [
        ("Amina\r\nBEGIN:VALARM", None, "participant.full_name"),
        ("Amina\u{2028}Ouédraogo", None, "participant.full_name"),
        ("Amina", Some("CEPAIM\nSoria"), "participant.organisation_name"),
    ] {
        let mut body = participant("online", false);
        body["participant"]["full_name"] = json!(name);
        body["participant"]["organisation_name"] = json!(organisation_name);
        let response = register(&app, &partner, event, body).await;
        response.assert_problem(422, "invalid_characters");
        assert_eq!(response.field_errors(), invalid(field));
    }
    assert_eq!(rows(&app, "registrations").await, 0);

    // Accessibility notes are multi-line and keep their line breaks.
    let mut body = participant("online", false);
    body["accessibility_notes"] = json!("Hearing loop\r\nLarge print");
    let registration = registered(&app, &partner, event, body).await;
    let id = registration["id"].as_str().unwrap();
    let changed = app
        .patch(
            &format!("/api/v1/registrations/{id}"),
            Some(&organiser),
            json!({"participant": {"full_name": "A\nB"}}),
        )
        .await;
    changed.assert_problem(422, "invalid_characters");
    assert_eq!(changed.field_errors(), invalid("participant.full_name"));
    let read = app.get(&format!("/api/v1/registrations/{id}"), Some(&organiser)).await;
    assert_eq!(read.body["participant"]["full_name"], "Amina");
    assert_eq!(read.body["accessibility_notes"], "Hearing loop\r\nLarge print");

    let admin = app.admin().await;
    let organisations = rows(&app, "organisations").await;
    app.post("/api/v1/organisations", Some(&admin), json!({"name": "Accem\r\nX", "kind": "ngo"}))
        .await
        .assert_problem(422, "invalid_characters");
    assert_eq!(rows(&app, "organisations").await, organisations);
    let clients = rows(&app, "api_clients").await;
    app.post(
        &format!("/api/v1/organisations/{org}/api-clients"),
        Some(&organiser),
        json!({"name": "Registration\ntablet"}),
    )
    .await
    .assert_problem(422, "invalid_characters");
    assert_eq!(rows(&app, "api_clients").await, clients);
}

/// The content lines of a calendar (RFC 5545 3.1: CRLF ends a line, a line that starts with
/// a space continues the one before), each checked to be one property the writer writes,
/// within exactly one calendar and one event.
fn assert_one_property_per_line(ics: &str) -> Vec<String> {
    const WRITTEN: [&str; 18] = [
        "BEGIN",
        "END",
        "VERSION",
        "PRODID",
        "CALSCALE",
        "NAME",
        "X-WR-CALNAME",
        "UID",
        "SUMMARY",
        "DTSTART",
        "DTEND",
        "DTSTAMP",
        "DESCRIPTION",
        "LOCATION",
        "STATUS",
        "URL",
        "SEQUENCE",
        "LAST-MODIFIED",
    ];
    let body = ics.strip_suffix("\r\n").expect("the calendar ends with CRLF");
    let mut lines: Vec<String> = Vec::new();
    for physical in body.split("\r\n") {
        assert!(!physical.contains(['\r', '\n']), "a bare CR or LF in {physical:?}:\n{ics}");
        match physical.strip_prefix(' ') {
            Some(continued) => lines.last_mut().expect("a first line").push_str(continued),
            None => lines.push(physical.to_owned()),
        }
    }
    let name = |line: &str| line.split([':', ';']).next().unwrap().to_owned();
    for line in &lines {
        assert!(line.contains(':') && WRITTEN.contains(&name(line).as_str()), "{line:?} in\n{ics}");
    }
    let of = |kind: &str| lines.iter().filter(|l| name(l) == kind).cloned().collect::<Vec<_>>();
    assert_eq!(of("BEGIN"), ["BEGIN:VCALENDAR", "BEGIN:VEVENT"], "{ics}");
    assert_eq!(of("END"), ["END:VEVENT", "END:VCALENDAR"], "{ics}");
    lines
}

#[actix_web::test]
async fn text_stored_with_line_breaks_before_the_check_still_yields_one_property_per_line() {
    let app = spawn_app().await;
    let (_, _, event) = published_event(&app, json!({})).await;
    // Rows from before one-line fields were checked, written straight into the table.
    diesel::sql_query(
        "UPDATE events SET title = $2, description = $3, onsite_venue_name = $4, onsite_address = $5 WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, Uuid>(event)
    .bind::<diesel::sql_types::Text, _>(INJECTED)
    .bind::<diesel::sql_types::Text, _>("Agenda\rURL:http://evil.example\r\nBEGIN:VALARM\u{2028}END:VALARM\u{7}")
    .bind::<diesel::sql_types::Text, _>("CEPAIM\nORGANIZER:mailto:evil@evil.example")
    .bind::<diesel::sql_types::Text, _>("Calle Example 1\r\nATTACH:http://evil.example\u{85}END:VEVENT")
    .execute(&mut app.conn().await)
    .await
    .unwrap();

    let response = app.get(&format!("/api/v1/events/{event}/calendar.ics"), None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let lines = assert_one_property_per_line(&response.text);
    let url = format!("URL:{}", app.url(&format!("/api/v1/events/{event}")));
    for line in lines.iter().filter(|line| **line != url) {
        for injected in ["URL:", "BEGIN:VALARM", "ACTION:", "ORGANIZER:", "ATTACH:", "END:VALARM"] {
            assert!(!line.starts_with(injected), "{line:?} in\n{}", response.text);
        }
    }
    let flattened = "Roundtable  URL:http://evil.example  BEGIN:VALARM  ACTION:AUDIO  END:VALARM";
    assert!(lines.contains(&format!("SUMMARY:{flattened}")), "{}", response.text);
    assert!(lines.contains(&format!("NAME:{flattened}")), "{}", response.text);
}
