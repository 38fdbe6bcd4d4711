//! How people attended, through the API end to end: check-ins by source with their minutes,
//! no-show reasons per mode and room, in the report (JSON, page) and the attendance CSV, and
//! none of it giving a small count away.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::disclosure::audit_event_report;
use super::{no_show_reasons, summary_no_show_reasons};
use crate::check_in::{event_starting, move_into_the_past};
use crate::fixtures::*;
use crate::helpers::{read, spawn_app, TestApp};

struct Attended {
    organiser: String,
    event: Uuid,
    /// Registration ids by what happened to them.
    ids: Vec<(&'static str, String)>,
}

/// Seven people at a three-hour event that ended an hour ago: four checked in (by hand,
/// online with 90 and 30 minutes and without minutes; at the door onsite), three who did not
/// come (online: connection, and no reason given; onsite: transport).
async fn attended(app: &TestApp) -> Attended {
    let (org, organiser, event) = event_starting(app, Utc::now() + Duration::days(7)).await;
    let partner = app.partner_of(org).await;
    let mut ids = Vec::new();
    for (what, mode) in [
        ("online 90", "online"),
        ("online 30", "online"),
        ("online", "online"),
        ("onsite", "onsite"),
        ("connection", "online"),
        ("no reason", "online"),
        ("transport", "onsite"),
    ] {
        let registration = registered(app, &partner, event, participant(mode, false)).await;
        assert_eq!(registration["status"], "confirmed");
        ids.push((what, registration["id"].as_str().unwrap().to_owned()));
    }
    move_into_the_past(app, &organiser, event, Duration::hours(1)).await;
    let id = |what: &str| ids.iter().find(|(w, _)| *w == what).unwrap().1.clone();
    for (what, body) in [
        ("online 90", json!({"minutes": 90})),
        ("online 30", json!({"source": "manual", "minutes": 30})),
        ("online", json!({})),
        ("onsite", json!({})),
    ] {
        let path = format!("/api/v1/registrations/{}/check-in", id(what));
        let response = app.post(&path, Some(&organiser), body).await;
        assert_eq!(response.status, 200, "{}", response.text);
    }
    for (what, reason) in [("connection", "connection"), ("transport", "transport")] {
        let path = format!("/api/v1/registrations/{}/no-show", id(what));
        let response =
            app.send(reqwest::Method::PUT, &path, Some(&partner), Some(&json!({"reason": reason}))).await;
        assert_eq!(response.status, 200, "{}", response.text);
    }
    Attended { organiser, event, ids }
}

#[actix_web::test]
async fn the_report_counts_attendance_by_source_online_minutes_and_no_show_reasons_per_mode_and_room() {
    let app = spawn_app().await;
    let a = attended(&app).await;

    let report = app.get(&format!("/api/v1/events/{}/report", a.event), Some(&a.organiser)).await;

    assert_eq!(report.status, 200, "{}", report.text);
    let body = &report.body;
    assert_eq!(body["totals"]["attended"], 4);
    assert_eq!(body["attended_by_source"], json!({"onsite": 1, "online_import": 0, "manual": 3}));
    assert_eq!(
        body["online_minutes"],
        json!({"minimum": 45, "with_minutes": 2, "at_or_above_minimum": 1, "share_at_or_above_minimum": 0.5,
               "median": 60.0})
    );
    assert_eq!(body["totals"]["no_show"], 3);
    assert_eq!(
        body["no_show_reasons"],
        no_show_reasons(&[("connection", 1), ("transport", 1), ("not_recorded", 1)])
    );
    assert_eq!(
        body["by_mode"]["online"]["no_show_reasons"],
        no_show_reasons(&[("connection", 1), ("not_recorded", 1)])
    );
    assert_eq!(body["by_mode"]["onsite"]["no_show_reasons"], no_show_reasons(&[("transport", 1)]));
    assert_eq!(
        body["by_place"][0]["no_show_reasons"],
        no_show_reasons(&[("transport", 1)]),
        "the main venue"
    );

    // Under a threshold nothing of it gives a small count away.
    let shown =
        app.get(&format!("/api/v1/events/{}/report?suppress_below=3", a.event), Some(&a.organiser)).await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.body["suppressed"], true);
    assert_eq!(shown.body["online_minutes"]["median"], Value::Null, "the median of two people");
    audit_event_report(&shown.body, body, 3, "seven people at 3");

    // The summary over many events counts the reasons in its totals.
    let event = app.get(&format!("/api/v1/events/{}", a.event), Some(&a.organiser)).await;
    let organisation = event.body["organisation_id"].as_str().unwrap();
    let summary = app
        .get(&format!("/api/v1/reports/attendance?organisation_id={organisation}"), Some(&a.organiser))
        .await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(
        summary.body["totals"]["no_show_reasons"],
        summary_no_show_reasons(&[("connection", 1), ("transport", 1)])
    );
}

#[actix_web::test]
async fn the_reports_minimum_is_the_one_the_event_shows() {
    let app = spawn_app().await;
    let (_, organiser, event) = event_starting(&app, Utc::now() + Duration::days(7)).await;
    let path = format!("/api/v1/events/{event}");
    let read_event = app.get(&path, Some(&organiser)).await;
    let starts: DateTime<Utc> = read_event.body["starts_at"].as_str().unwrap().parse().unwrap();
    for (patch, minimum) in [
        (json!({"ends_at": (starts + Duration::minutes(110)).to_rfc3339()}), 28),
        (json!({"ends_at": (starts + Duration::days(9)).to_rfc3339()}), 1440),
        (json!({"online_attendance_min_minutes": 20}), 20),
    ] {
        let changed = app.patch(&path, Some(&organiser), patch.clone()).await;
        assert_eq!(changed.status, 200, "{}", changed.text);
        assert_eq!(changed.body["effective_online_attendance_min_minutes"], minimum, "{patch}");
        let report = app.get(&format!("{path}/report"), Some(&organiser)).await;
        assert_eq!(report.body["online_minutes"]["minimum"], minimum, "{patch}");
    }
}

#[actix_web::test]
async fn the_attendance_csv_appends_the_source_minutes_and_no_show_reason() {
    let app = spawn_app().await;
    let a = attended(&app).await;

    let response = app.get(&format!("/api/v1/events/{}/attendance.csv", a.event), Some(&a.organiser)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let mut reader = csv::Reader::from_reader(response.text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[8..], ["checked_in_at", "place", "check_in_source", "minutes", "no_show_reason"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row = |what: &str| {
        let id = &a.ids.iter().find(|(w, _)| *w == what).unwrap().1;
        let row = rows.iter().find(|r| &r[0] == id).unwrap();
        (row[10].to_owned(), row[11].to_owned(), row[12].to_owned())
    };
    let expect = |s: &str, m: &str, r: &str| (s.to_owned(), m.to_owned(), r.to_owned());
    assert_eq!(row("online 90"), expect("manual", "90", ""));
    assert_eq!(row("online"), expect("manual", "", ""));
    assert_eq!(row("onsite"), expect("onsite", "", ""));
    assert_eq!(row("connection"), expect("", "", "connection"));
    assert_eq!(row("no reason"), expect("", "", ""));
}

#[actix_web::test]
async fn the_page_draws_the_no_show_reasons_online_and_onsite() {
    let app = spawn_app().await;
    let a = attended(&app).await;
    let link =
        app.post(&format!("/api/v1/events/{}/report-links", a.event), Some(&a.organiser), json!({})).await;
    assert_eq!(link.status, 201, "{}", link.text);

    let page = read(app.client.get(link.body["url"].as_str().unwrap()).send().await.unwrap()).await;

    assert_eq!(page.status, 200, "{}", page.text);
    let chart = &page.text[page.text.find(r#"<svg id="chart-no-show-reasons""#).expect("the chart")..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    let bars = |label: &str| {
        let row = &chart[chart.find(&format!(">{label}<")).unwrap_or_else(|| panic!("{label}: {chart}"))..];
        row[..row.find("</g>").unwrap()].to_owned()
    };
    assert!(bars("transport").contains("<title>Onsite: 1</title>"), "{chart}");
    assert!(bars("connection").contains("<title>Online: 1</title>"), "{chart}");
    assert!(bars("not recorded").contains("<title>Online: 1</title>"), "{chart}");
    assert!(page.text.contains(r#"id="online-median">60 min<"#), "{}", page.text);
}
