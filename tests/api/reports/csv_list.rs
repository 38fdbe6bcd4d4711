use chrono::{DateTime, FixedOffset, Offset, Utc};
use uuid::Uuid;

use super::seed::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const HEADER: [&str; 13] = [
    "registration_id",
    "full_name",
    "stakeholder_category",
    "attendance_mode",
    "status",
    "needs_physical_space",
    "needs_transport",
    "interpretation_language",
    "checked_in_at",
    "place",
    "check_in_source",
    "minutes",
    "no_show_reason",
];

fn read_csv(text: &str) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect()
}

/// The file as Excel opens a CSV: UTF-8 when it starts with a byte-order mark (which it then
/// hides), else the ANSI code page, Windows-1252 in Western Europe (its C1 range differs from
/// Latin-1, but not in a way that matters for these bytes).
fn decode_as_excel(bytes: &[u8]) -> String {
    match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(utf8) => String::from_utf8(utf8.to_vec()).expect("UTF-8 after the mark"),
        None => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// `cell` is RFC 3339 at the offset Europe/Madrid (the seeded events' zone) has at that
/// instant, and no later than now.
#[track_caller]
fn assert_at_the_events_offset(cell: &str) {
    let at: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(cell).unwrap();
    let madrid = at.with_timezone(&chrono_tz::Europe::Madrid).offset().fix();
    assert_eq!(*at.offset(), madrid, "{cell}");
    assert!(!cell.ends_with('Z') && at <= Utc::now(), "{cell}");
}

async fn raw_csv(app: &TestApp, path: &str, token: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    (headers, response.bytes().await.unwrap().to_vec())
}

#[actix_web::test]
async fn excel_reads_names_in_any_script_and_local_times_and_programs_may_refuse_the_mark() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_event(&app, org, NewEvent::hybrid("Roundtable")).await;
    for name in ["José Núñez", "أمينة حداد"] {
        let registration = NewRegistration {
            full_name: Some(name.to_owned()),
            checked_in: true,
            ..NewRegistration::new("confirmed", "onsite")
        };
        seed_registration(&app, event, registration).await;
    }
    let path = format!("/api/v1/events/{event}/attendance.csv");

    let (_, bytes) = raw_csv(&app, &path, &organiser).await;
    let records = read_csv(&decode_as_excel(&bytes));
    assert_eq!(records[0].iter().collect::<Vec<_>>(), HEADER, "the mark is not part of the first name");
    assert_eq!(&records[1][1], "José Núñez");
    assert_eq!(&records[2][1], "أمينة حداد");
    for record in &records[1..] {
        assert_at_the_events_offset(&record[8]);
    }

    let (_, bytes) = raw_csv(&app, &format!("{path}?bom=false"), &organiser).await;
    assert!(bytes.starts_with(b"registration_id,"), "no mark for programs");
    let (_, with_mark) = raw_csv(&app, &format!("{path}?bom=true"), &organiser).await;
    assert_eq!(with_mark[3..], bytes[..]);
    let bad = app.get(&format!("{path}?bom=no"), Some(&organiser)).await;
    bad.assert_problem(422, "validation_failed");
    assert!(bad.text.contains("\"bom\""), "{}", bad.text);
}

#[actix_web::test]
async fn a_browser_app_on_an_allowed_origin_may_read_the_file_name() {
    let origin = "https://partner.example.org";
    let app = spawn_app_with(|s| s.cors_allowed_origins = vec![origin.into()]).await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_event(&app, org, NewEvent::hybrid("Roundtable")).await;

    let response = app
        .client
        .get(app.url(&format!("/api/v1/events/{event}/attendance.csv")))
        .bearer_auth(&organiser)
        .header("origin", origin)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let exposed = response.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(exposed.split(',').any(|h| h.trim() == "content-disposition"), "{exposed}");
    assert!(response.headers().contains_key("content-disposition"));
}

#[actix_web::test]
async fn names_in_any_script_and_with_separators_survive_a_round_trip_through_a_csv_reader() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_event(&app, org, NewEvent::hybrid("Roundtable")).await;
    let names = [
        "Haddad, Amina",
        "Aïcha \"la grande\" Diallo",
        "two\r\nlines",
        "أمينة حداد",
        "王秀英",
        "Дарья Ковальчук 👩🏽‍🌾",
        "O'Brien",
    ];
    let mut ids = Vec::new();
    for name in names {
        let registration = NewRegistration {
            full_name: Some(name.to_owned()),
            ..NewRegistration::new("confirmed", "online")
        };
        ids.push(seed_registration(&app, event, registration).await);
    }

    let response = app.get(&format!("/api/v1/events/{event}/attendance.csv"), Some(&organiser)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        response.header("content-disposition"),
        Some(format!("attachment; filename=\"attendance-{event}.csv\"").as_str())
    );
    assert!(
        response.text.starts_with(&format!("\u{feff}{}\r\n", HEADER.join(","))),
        "a byte-order mark, then CRLF line ends: {:?}",
        response.text
    );
    let records = read_csv(&response.text);
    assert_eq!(records[0].iter().collect::<Vec<_>>(), HEADER);
    assert_eq!(records.len(), names.len() + 1);
    for ((record, name), id) in records[1..].iter().zip(names).zip(&ids) {
        assert_eq!(&record[0], id.to_string());
        assert_eq!(&record[1], name);
        assert_eq!(&record[3], "online");
        assert_eq!(&record[4], "confirmed");
    }
}

#[actix_web::test]
async fn cells_a_spreadsheet_would_run_are_quoted_and_erased_names_are_empty() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_event(&app, org, NewEvent::hybrid("Roundtable")).await;
    let formulas = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+34 600 000 000", "-2+3", "@SUM(A1:A9)"];
    for name in formulas {
        let registration = NewRegistration {
            full_name: Some(name.to_owned()),
            ..NewRegistration::new("confirmed", "online")
        };
        seed_registration(&app, event, registration).await;
    }
    let erased = seed_registration(
        &app,
        event,
        NewRegistration {
            needs_physical_space: true,
            needs_transport: true,
            interpretation_language: Some("ar"),
            checked_in: true,
            category: "refugee",
            ..NewRegistration::new("confirmed", "onsite")
        },
    )
    .await;
    erase(&app, erased).await;
    let cancelled = seed_registration(&app, event, NewRegistration::new("cancelled", "onsite")).await;

    let response = app.get(&format!("/api/v1/events/{event}/attendance.csv"), Some(&organiser)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let records = read_csv(&response.text);
    for (record, formula) in records[1..].iter().zip(formulas) {
        assert_eq!(&record[1], format!("'{formula}"));
    }
    let erased_row = records.iter().find(|r| r[0] == erased.to_string()).unwrap();
    assert_eq!(&erased_row[1], "", "the erased name is an empty cell");
    assert_eq!(
        erased_row.iter().skip(2).take(6).collect::<Vec<_>>(),
        ["refugee", "onsite", "confirmed", "true", "true", "ar"]
    );
    assert_at_the_events_offset(&erased_row[8]);
    let cancelled_row = records.iter().find(|r| r[0] == cancelled.to_string()).unwrap();
    assert_eq!(&cancelled_row[4], "cancelled");
    assert_eq!(&cancelled_row[8], "", "never checked in");
}

#[actix_web::test]
async fn a_hundred_thousand_rows_are_streamed_in_chunks() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event =
        seed_event(&app, org, NewEvent { onsite: Some((100_000, 0)), ..NewEvent::hybrid("Big") }).await;
    seed_many(&app, event, 100_000).await;

    let response = app
        .client
        .get(app.url(&format!("/api/v1/events/{event}/attendance.csv")))
        .bearer_auth(&organiser)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["transfer-encoding"], "chunked", "streamed, not buffered");
    assert!(response.headers().get("content-length").is_none());
    let text = response.text().await.unwrap();
    let records = read_csv(&text);
    assert_eq!(records.len(), 100_001);
    let mut seen: Vec<&str> = records[1..].iter().map(|r| r.get(0).unwrap()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 100_000, "every registration exactly once across the pages");
    assert_eq!(records[1..].iter().filter(|r| !r[8].is_empty()).count(), 20_000);
}

#[actix_web::test]
async fn the_attendance_list_is_for_the_events_organisers_only() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let event = seed_event(&app, org, NewEvent::hybrid("Roundtable")).await;
    let path = format!("/api/v1/events/{event}/attendance.csv");
    app.get(&path, Some(&app.partner_of(org).await)).await.assert_problem(403, "forbidden");
    let other = app.organisation("Accem").await;
    app.get(&path, Some(&app.organiser_of(other).await)).await.assert_problem(403, "forbidden");
    app.get(&path, None).await.assert_problem(401, "unauthorized");
    let admin = app.admin().await;
    app.get(&format!("/api/v1/events/{}/attendance.csv", Uuid::now_v7()), Some(&admin))
        .await
        .assert_problem(404, "not_found");
}
