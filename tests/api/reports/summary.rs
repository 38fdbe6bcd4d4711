use chrono::{Duration, Offset, SubsecRound, Utc};
use reqwest::header::ACCEPT;
use serde_json::{json, Value};
use uuid::Uuid;

use super::seed::*;
use crate::helpers::{read, spawn_app, TestApp};

async fn seed_some(app: &TestApp, event: Uuid, online: usize, onsite: usize, checked_in: usize) {
    for i in 0..online + onsite {
        let mode = if i < online { "online" } else { "onsite" };
        let registration = NewRegistration {
            checked_in: i < checked_in,
            needs_physical_space: mode == "onsite" && i % 2 == 0,
            ..NewRegistration::new("confirmed", mode)
        };
        seed_registration(app, event, registration).await;
    }
    seed_registration(app, event, NewRegistration::new("waitlisted", "onsite")).await;
    seed_registration(app, event, NewRegistration::new("cancelled", "online")).await;
}

#[actix_web::test]
async fn the_aggregated_report_adds_up_to_the_per_event_reports() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let soon = Utc::now() + Duration::days(1);
    let first = seed_event(&app, org, NewEvent { starts_at: soon, ..NewEvent::hybrid("First") }).await;
    let second =
        seed_event(&app, org, NewEvent { starts_at: soon + Duration::days(7), ..NewEvent::hybrid("Second") })
            .await;
    let third =
        seed_event(&app, org, NewEvent { starts_at: soon + Duration::days(14), ..NewEvent::hybrid("Third") })
            .await;
    seed_some(&app, first, 3, 4, 5).await;
    seed_some(&app, second, 6, 2, 1).await;
    seed_some(&app, third, 0, 0, 0).await;

    let response = app.get("/api/v1/reports/attendance", Some(&organiser)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let events = response.body["events"].as_array().unwrap();
    let ids: Vec<&str> = events.iter().map(|e| e["event_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [first.to_string(), second.to_string(), third.to_string()], "by starts_at");
    let (mut confirmed, mut attended, mut online, mut onsite) = (0, 0, 0, 0);
    for row in events {
        let report = app
            .get(&format!("/api/v1/events/{}/report", row["event_id"].as_str().unwrap()), Some(&organiser))
            .await;
        let by_mode = &report.body["by_mode"];
        assert_eq!(
            row["online"],
            json!({"confirmed": by_mode["online"]["confirmed"], "attended": by_mode["online"]["attended"]})
        );
        assert_eq!(
            row["onsite"],
            json!({"confirmed": by_mode["onsite"]["confirmed"], "attended": by_mode["onsite"]["attended"]})
        );
        let physical = &report.body["needs"]["physical_space"];
        assert_eq!(
            row["physical_space"],
            json!({"requested": physical["requested"], "seated": physical["seated"]})
        );
        confirmed += report.body["totals"]["confirmed"].as_i64().unwrap();
        attended += report.body["totals"]["attended"].as_i64().unwrap();
        online += by_mode["online"]["confirmed"].as_i64().unwrap();
        onsite += by_mode["onsite"]["confirmed"].as_i64().unwrap();
    }
    assert_eq!(
        response.body["totals"],
        json!({"events": 3, "confirmed": confirmed, "attended": attended, "online_confirmed": online, "onsite_confirmed": onsite,
               "hosted_confirmed": 0, "hosted_attended": 0, "no_show_reasons": crate::reports::summary_no_show_reasons(&[])})
    );
    assert_eq!((confirmed, attended, online, onsite), (15, 6, 9, 6));
    assert_eq!(events[0]["title"], "First");
    assert_eq!(events[0]["region"], "Soria");
    assert_eq!(events[0]["series"], "Regional cooperation platform");
}

fn titles(body: &Value) -> Vec<String> {
    body["events"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn organisers_see_their_own_events_and_filters_narrow_the_report() {
    let app = spawn_app().await;
    let (org, other) = (app.organisation("CEPAIM").await, app.organisation("Accem").await);
    let start = Utc::now() + Duration::days(1);
    seed_event(&app, org, NewEvent { starts_at: start, ..NewEvent::hybrid("Soria 1") }).await;
    seed_event(
        &app,
        org,
        NewEvent { starts_at: start + Duration::days(30), series: None, ..NewEvent::hybrid("Soria 2") },
    )
    .await;
    seed_event(
        &app,
        org,
        NewEvent {
            region: "Teruel".into(),
            starts_at: start + Duration::days(2),
            ..NewEvent::hybrid("Teruel 1")
        },
    )
    .await;
    seed_event(&app, other, NewEvent { starts_at: start + Duration::days(3), ..NewEvent::hybrid("Other's") })
        .await;
    let organiser = app.organiser_of(org).await;
    let admin = app.admin().await;
    let get = |query: String, token: String| {
        let app = &app;
        async move { app.get(&format!("/api/v1/reports/attendance{query}"), Some(&token)).await }
    };

    assert_eq!(titles(&get(String::new(), organiser.clone()).await.body), ["Soria 1", "Teruel 1", "Soria 2"]);
    assert_eq!(
        titles(&get(String::new(), admin.clone()).await.body),
        ["Soria 1", "Teruel 1", "Other's", "Soria 2"]
    );
    let others = get(format!("?organisation_id={other}"), organiser.clone()).await;
    assert_eq!(titles(&others.body), Vec::<String>::new(), "never another organisation's events");
    assert_eq!(others.body["totals"]["events"], 0);
    assert_eq!(titles(&get(format!("?organisation_id={other}"), admin.clone()).await.body), ["Other's"]);
    assert_eq!(titles(&get("?region=Teruel".into(), organiser.clone()).await.body), ["Teruel 1"]);
    assert_eq!(
        titles(&get("?series=Regional%20cooperation%20platform".into(), organiser.clone()).await.body),
        ["Soria 1", "Teruel 1"]
    );
    let from = (start + Duration::days(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (start + Duration::days(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(titles(&get(format!("?from={from}&to={to}"), organiser.clone()).await.body), ["Teruel 1"]);
    assert_eq!(titles(&get("?status=draft".into(), organiser.clone()).await.body), Vec::<String>::new());
    get("?from=yesterday".into(), organiser.clone()).await.assert_problem(422, "validation_failed");
    get("?suppress_below=0".into(), organiser.clone()).await.assert_problem(422, "validation_failed");
    get(String::new(), app.partner_of(org).await).await.assert_problem(403, "forbidden");
    app.get("/api/v1/reports/attendance", None).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn the_aggregated_report_comes_as_csv_when_asked_for() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let start = Utc::now() + Duration::days(1);
    let first =
        seed_event(&app, org, NewEvent { starts_at: start, ..NewEvent::hybrid("=cmd|' /C calc'!A0") }).await;
    seed_event(
        &app,
        org,
        NewEvent {
            starts_at: start + Duration::days(1),
            series: None,
            ..NewEvent::hybrid("Mesa, \"regional\"")
        },
    )
    .await;
    seed_some(&app, first, 2, 1, 1).await;

    let response = read(
        app.client
            .get(app.url("/api/v1/reports/attendance"))
            .bearer_auth(&organiser)
            .header(ACCEPT, "text/csv, application/json;q=0.5")
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(response.header("vary").unwrap().contains("Accept"));
    // Read on the primary: as of the reading.
    let as_of: chrono::DateTime<chrono::Utc> = response.header("data-as-of").unwrap().parse().unwrap();
    assert!((chrono::Utc::now() - as_of).num_seconds().abs() < 60, "{as_of}");
    let records: Vec<csv::StringRecord> =
        csv::Reader::from_reader(response.text.as_bytes()).records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 2, "one row per event");
    assert_eq!(&records[0][0], first.to_string());
    assert_eq!(&records[0][1], "'=cmd|' /C calc'!A0");
    assert_eq!(&records[0][2], "Soria");
    assert_eq!(records[0].iter().skip(6).collect::<Vec<_>>(), ["2", "1", "1", "0", "1", "1", "0", "0"]);
    assert_eq!(&records[1][1], "Mesa, \"regional\"");
    assert_eq!(&records[1][3], "", "no series");
    let starts_at = chrono::DateTime::parse_from_rfc3339(&records[0][4]).unwrap();
    assert_eq!(starts_at, start.trunc_subsecs(6), "the same instant");
    let madrid = starts_at.with_timezone(&chrono_tz::Europe::Madrid).offset().fix();
    assert_eq!(*starts_at.offset(), madrid, "at the event's offset: {}", &records[0][4]);

    let csv_bytes = |query: &'static str| {
        let request = app.client.get(app.url(&format!("/api/v1/reports/attendance{query}")));
        let request = request.bearer_auth(&organiser).header(ACCEPT, "text/csv");
        async move { request.send().await.unwrap().bytes().await.unwrap() }
    };
    assert!(csv_bytes("").await.starts_with(b"\xEF\xBB\xBFevent_id,"), "a byte-order mark for Excel");
    assert!(csv_bytes("?bom=false").await.starts_with(b"event_id,"), "none for programs");
    assert!(csv_bytes("?suppress_below=5").await.starts_with(b"\xEF\xBB\xBFevent_id,"), "protected too");
    let bad = app.get("/api/v1/reports/attendance?bom=maybe", Some(&organiser)).await;
    bad.assert_problem(422, "validation_failed");
    assert!(bad.text.contains("\"bom\""), "{}", bad.text);

    let preferred_json = read(
        app.client
            .get(app.url("/api/v1/reports/attendance"))
            .bearer_auth(&organiser)
            .header(ACCEPT, "application/json, text/csv;q=0.5")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(preferred_json.header("content-type"), Some("application/json"));
}

#[actix_web::test]
async fn the_aggregated_report_hides_small_counts_when_asked() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_event(&app, org, NewEvent::hybrid("Roundtable")).await;
    seed_some(&app, event, 6, 2, 1).await;

    let response = app.get("/api/v1/reports/attendance?suppress_below=5", Some(&organiser)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["suppressed"], true);
    let row = &response.body["events"][0];
    assert!(row["onsite"]["confirmed"].is_null(), "2 is hidden: {row}");
    assert!(row["online"]["attended"].is_null(), "1 is hidden: {row}");
    assert!(
        response.body["totals"]["onsite_confirmed"].is_null(),
        "with one event, the column total is the hidden count itself: {}",
        response.body
    );
    assert_eq!(response.body["totals"]["events"], 1);
    let full = app.get("/api/v1/reports/attendance", Some(&organiser)).await.body;
    super::disclosure::audit_summary(
        (response.body["events"].as_array().unwrap(), &response.body["totals"]),
        (full["events"].as_array().unwrap(), &full["totals"]),
        5,
        "one event at 5",
    );

    let csv = read(
        app.client
            .get(app.url("/api/v1/reports/attendance?suppress_below=5"))
            .bearer_auth(&organiser)
            .header(ACCEPT, "text/csv")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let line = csv.text.lines().nth(1).unwrap();
    let n = |v: &Value| v.as_i64().map(|n| n.to_string()).unwrap_or_default();
    let counts = [
        &row["online"]["confirmed"],
        &row["online"]["attended"],
        &row["onsite"]["confirmed"],
        &row["onsite"]["attended"],
    ]
    .map(n)
    .join(",");
    assert!(
        line.contains(&format!(",{counts},")),
        "the CSV shows what the JSON shows, hidden as empty cells: {line}"
    );
}
