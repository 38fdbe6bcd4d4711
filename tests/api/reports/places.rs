//! Reports per place: an event with its main venue and two hosted places, reported per room
//! (JSON, the attendance CSV, the page), in the summary over many events, and under
//! suppression.

use serde_json::{json, Value};
use uuid::Uuid;

use super::disclosure::{audit_event_report, audit_summary, whole_summary};
use crate::fixtures::*;
use crate::helpers::{read, spawn_app, TestApp};
use crate::hosted_places::{hosted, offer, place};

const VENUE: &str = "CEPAIM Soria";
const ALMAZAN: &str = "Centro cívico de Almazán";
const BURGO: &str = "Biblioteca de El Burgo de Osma";

/// The roundtable starting within the hour (check-in is open): 3 seats at the main venue,
/// Almazán (4 seats, 2 reserved) and El Burgo de Osma (2 seats).
struct Hybrid {
    org: Uuid,
    organiser: String,
    event: Uuid,
    almazan: Uuid,
    burgo: Uuid,
    /// Registration ids by where they are: venue, Almazán, El Burgo, online.
    venue_ids: Vec<String>,
    almazan_ids: Vec<String>,
    burgo_ids: Vec<String>,
    online_ids: Vec<String>,
}

fn at(place: Option<Uuid>, needs_physical_space: bool) -> Value {
    with(participant("onsite", needs_physical_space), json!({"place_id": place}))
}

async fn check_in(app: &TestApp, token: &str, registration: &str) {
    let response =
        app.post(&format!("/api/v1/registrations/{registration}/check-in"), Some(token), json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

fn id(registration: &Value) -> String {
    registration["id"].as_str().unwrap().to_owned()
}

/// Registers `body` and checks it got `status`.
async fn registered_as(app: &TestApp, partner: &str, event: Uuid, body: Value, status: &str) -> String {
    let registration = registered(app, partner, event, body).await;
    assert_eq!(registration["status"], status, "{registration}");
    id(&registration)
}

/// At the venue: A (needs a space, and transport), B and C confirmed, D waitlisted. At
/// Almazán: E and G (need a space) and F confirmed. At El Burgo: H and I confirmed, J (needs
/// a space) waitlisted. Online: K and L. Checked in: A, B, E, H, K.
async fn hybrid(app: &TestApp) -> Hybrid {
    let (org, organiser, event) = published_event(
        app,
        with(starting_soon(), json!({"onsite": {"capacity": 3, "reserved_for_physical_space_need": 0}})),
    )
    .await;
    let almazan = place(app, &organiser, org, hosted(ALMAZAN, "Almazán", 4)).await;
    let burgo = place(app, &organiser, org, hosted(BURGO, "El Burgo de Osma", 3)).await;
    assert_eq!(offer(app, &organiser, event, almazan, 4, 2).await.status, 201);
    assert_eq!(offer(app, &organiser, event, burgo, 2, 0).await.status, 201);
    let partner = app.partner_of(org).await;
    let p = &partner;
    let venue_ids = vec![
        registered_as(app, p, event, at(None, true), "confirmed").await,
        registered_as(app, p, event, at(None, false), "confirmed").await,
        registered_as(app, p, event, at(None, false), "confirmed").await,
        registered_as(app, p, event, at(None, false), "waitlisted").await,
    ];
    let almazan_ids = vec![
        registered_as(app, p, event, at(Some(almazan), true), "confirmed").await,
        registered_as(app, p, event, at(Some(almazan), false), "confirmed").await,
        registered_as(app, p, event, at(Some(almazan), true), "confirmed").await,
    ];
    let burgo_ids = vec![
        registered_as(app, p, event, at(Some(burgo), false), "confirmed").await,
        registered_as(app, p, event, at(Some(burgo), false), "confirmed").await,
        registered_as(app, p, event, at(Some(burgo), true), "waitlisted").await,
    ];
    let online_ids = vec![
        registered_as(app, p, event, participant("online", false), "confirmed").await,
        registered_as(app, p, event, participant("online", false), "confirmed").await,
    ];
    for registration in [&venue_ids[0], &venue_ids[1], &almazan_ids[0], &burgo_ids[0], &online_ids[0]] {
        check_in(app, &organiser, registration).await;
    }
    Hybrid { org, organiser, event, almazan, burgo, venue_ids, almazan_ids, burgo_ids, online_ids }
}

fn room(
    place_id: Option<Uuid>,
    (name, kind, municipality, capacity): (&str, &str, Option<&str>, i64),
    (confirmed, waitlisted, attended): (i64, i64, i64),
    (requested, seated, transport): (i64, i64, i64),
) -> Value {
    json!({"place_id": place_id, "name": name, "kind": kind, "municipality": municipality, "capacity": capacity,
           "confirmed": confirmed, "waitlisted": waitlisted, "attended": attended, "no_show": 0,
           "physical_space": {"requested": requested, "seated": seated}, "transport_requested": transport,
           "no_show_reasons": crate::reports::no_show_reasons(&[]), "reached_before_event": 0})
}

#[actix_web::test]
async fn the_report_counts_each_room_the_main_venue_first_and_the_rooms_add_up_to_onsite() {
    let app = spawn_app().await;
    let h = hybrid(&app).await;

    let report = app.get(&format!("/api/v1/events/{}/report", h.event), Some(&h.organiser)).await;

    assert_eq!(report.status, 200, "{}", report.text);
    let expected = json!([
        room(None, (VENUE, "venue", None, 3), (3, 1, 2), (1, 1, 1)),
        room(Some(h.almazan), (ALMAZAN, "hosted", Some("Almazán"), 4), (3, 0, 1), (2, 2, 2)),
        room(Some(h.burgo), (BURGO, "hosted", Some("El Burgo de Osma"), 2), (2, 1, 1), (1, 0, 1)),
    ]);
    assert_eq!(report.body["by_place"], expected, "{}", report.text);
    let onsite = &report.body["by_mode"]["onsite"];
    assert_eq!(
        (&onsite["confirmed"], &onsite["waitlisted"], &onsite["attended"]),
        (&json!(8), &json!(2), &json!(4))
    );
    assert_eq!(onsite["capacity"], 3 + 4 + 2, "in person: the venue's seats and every place's");
    assert_eq!(report.body["needs"]["physical_space"], json!({"requested": 4, "seated": 3, "waitlisted": 1}));
    assert_eq!(report.body["needs"]["transport"], 4);

    // An event that offers no place and no onsite has no rooms; one with onsite only its venue.
    let (_, organiser, online_only) = published_event(&app, json!({"onsite": null})).await;
    let read = app.get(&format!("/api/v1/events/{online_only}/report"), Some(&organiser)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["by_place"], json!([]));
    let (_, organiser, plain) = published_event(&app, json!({})).await;
    let read = app.get(&format!("/api/v1/events/{plain}/report"), Some(&organiser)).await;
    assert_eq!(read.body["by_place"], json!([room(None, (VENUE, "venue", None, 10), (0, 0, 0), (0, 0, 0))]));
}

#[actix_web::test]
async fn the_attendance_csv_appends_the_place_of_each_registration() {
    let app = spawn_app().await;
    let h = hybrid(&app).await;

    let response = app.get(&format!("/api/v1/events/{}/attendance.csv", h.event), Some(&h.organiser)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let mut reader = csv::Reader::from_reader(response.text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header.len(), 13);
    assert_eq!(
        header[..9],
        [
            "registration_id",
            "full_name",
            "stakeholder_category",
            "attendance_mode",
            "status",
            "needs_physical_space",
            "needs_transport",
            "interpretation_language",
            "checked_in_at"
        ]
    );
    assert_eq!(header[9], "place", "appended last, the earlier columns unchanged");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 12);
    let place_of = |registration: &str| {
        let row = rows.iter().find(|r| &r[0] == registration).unwrap_or_else(|| panic!("{registration}"));
        row[9].to_owned()
    };
    for (ids, place) in
        [(&h.venue_ids, VENUE), (&h.almazan_ids, ALMAZAN), (&h.burgo_ids, BURGO), (&h.online_ids, "")]
    {
        for registration in ids {
            assert_eq!(place_of(registration), place, "{registration}");
        }
    }
}

#[actix_web::test]
async fn the_page_draws_a_chart_per_place() {
    let app = spawn_app().await;
    let h = hybrid(&app).await;

    let page = app.get(&format!("/api/v1/events/{}/report.html", h.event), Some(&h.organiser)).await;

    assert_eq!(page.status, 200, "{}", page.text);
    for (i, name) in [VENUE, ALMAZAN, BURGO].iter().enumerate() {
        let at = page.text.find(&format!(r#"<svg id="chart-place-{i}""#)).unwrap_or_else(|| panic!("{i}"));
        let chart = &page.text[at..at + page.text[at..].find("</svg>").unwrap()];
        assert!(chart.contains(&format!("Onsite registrations at {name}")), "{chart}");
    }
    assert!(!page.text.contains("chart-place-3"));
    let almazan = page.text.find(r#"id="chart-place-1""#).unwrap();
    let chart = &page.text[almazan..almazan + page.text[almazan..].find("</svg>").unwrap()];
    assert!(
        chart.contains(r#"<title>Confirmed</title>"#) && chart.contains(r#"class="value">3<"#),
        "{chart}"
    );

    // Under suppression, small counts at a place read x.
    let hidden = app
        .get(&format!("/api/v1/events/{}/report.html?suppress_below=3", h.event), Some(&h.organiser))
        .await;
    let burgo = hidden.text.find(r#"id="chart-place-2""#).unwrap();
    let chart = &hidden.text[burgo..burgo + hidden.text[burgo..].find("</svg>").unwrap()];
    assert!(chart.contains(r#"class="value">x<"#), "{chart}");
    assert!(!chart.contains(r#"class="value">1<"#) && !chart.contains(r#"class="value">2<"#), "{chart}");
}

/// A second event of the organisation, in Teruel: one person at a hosted place and one at
/// another venue the event offers (not hosted).
async fn teruel(app: &TestApp, h: &Hybrid) -> Uuid {
    let body = with(roundtable(h.org), json!({"region": "Teruel", "series": "Teruel platform"}));
    let event = create_event(app, &h.organiser, body).await;
    publish(app, &h.organiser, event).await;
    let library = place(
        app,
        &h.organiser,
        h.org,
        with(hosted("Biblioteca de Alcañiz", "Alcañiz", 2), json!({"region": "Teruel"})),
    )
    .await;
    let hall = place(
        app,
        &h.organiser,
        h.org,
        json!({"name": "Salón de Utrillas", "kind": "venue", "address": "Plaza 1, Utrillas", "municipality": "Utrillas",
               "region": "Teruel", "devices": null, "accessibility": []}),
    )
    .await;
    assert_eq!(offer(app, &h.organiser, event, library, 2, 0).await.status, 201);
    assert_eq!(offer(app, &h.organiser, event, hall, 5, 0).await.status, 201);
    let partner = app.partner_of(h.org).await;
    registered_as(app, &partner, event, at(Some(library), false), "confirmed").await;
    registered_as(app, &partner, event, at(Some(hall), false), "confirmed").await;
    event
}

#[actix_web::test]
async fn the_summary_counts_participants_at_hosted_places_per_event_region_and_series() {
    let app = spawn_app().await;
    let h = hybrid(&app).await;
    let other = teruel(&app, &h).await;
    let summary = |query: &'static str| {
        let (app, token) = (&app, h.organiser.clone());
        async move {
            let response = app.get(&format!("/api/v1/reports/attendance{query}"), Some(&token)).await;
            assert_eq!(response.status, 200, "{}", response.text);
            response.body
        }
    };

    let all = summary("").await;
    let row = |body: &Value, event: Uuid| {
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event_id"] == event.to_string())
            .unwrap()
            .clone()
    };
    assert_eq!(row(&all, h.event)["hosted"], json!({"confirmed": 5, "attended": 2}));
    assert_eq!(row(&all, h.event)["onsite"], json!({"confirmed": 8, "attended": 4}));
    assert_eq!(
        row(&all, other)["hosted"],
        json!({"confirmed": 1, "attended": 0}),
        "another venue is not hosted"
    );
    assert_eq!(row(&all, other)["onsite"]["confirmed"], 2);
    assert_eq!(
        (&all["totals"]["hosted_confirmed"], &all["totals"]["hosted_attended"]),
        (&json!(6), &json!(2))
    );

    // Per region and series: the filter picks the events, the totals count them.
    let soria = summary("?region=Soria&series=Regional%20cooperation%20platform").await;
    assert_eq!(
        (&soria["totals"]["hosted_confirmed"], &soria["totals"]["hosted_attended"]),
        (&json!(5), &json!(2))
    );
    let teruel = summary("?region=Teruel").await;
    assert_eq!((&teruel["totals"]["events"], &teruel["totals"]["hosted_confirmed"]), (&json!(1), &json!(1)));

    // The CSV appends the two columns.
    let csv = read(
        app.client
            .get(app.url("/api/v1/reports/attendance"))
            .bearer_auth(&h.organiser)
            .header(reqwest::header::ACCEPT, "text/csv")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let mut reader = csv::Reader::from_reader(csv.text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[header.len() - 3..], ["physical_space_seated", "hosted_confirmed", "hosted_attended"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let cells = |event: Uuid| {
        let row = rows.iter().find(|r| r[0] == event.to_string()).unwrap();
        (row[header.len() - 2].to_owned(), row[header.len() - 1].to_owned())
    };
    assert_eq!(cells(h.event), ("5".to_owned(), "2".to_owned()));
    assert_eq!(cells(other), ("1".to_owned(), "0".to_owned()));
}

/// Every count of `by_place` (capacities aside), with where it is.
fn room_counts(report: &Value) -> Vec<(String, Value)> {
    let mut counts = Vec::new();
    for (i, room) in report["by_place"].as_array().unwrap().iter().enumerate() {
        for field in ["confirmed", "waitlisted", "attended", "no_show", "transport_requested"] {
            counts.push((format!("{i}.{field}"), room[field].clone()));
        }
        for field in ["requested", "seated"] {
            counts.push((format!("{i}.physical_space.{field}"), room["physical_space"][field].clone()));
        }
    }
    counts
}

#[actix_web::test]
async fn suppression_hides_small_counts_at_places_and_none_comes_back_from_the_others() {
    let app = spawn_app().await;
    let h = hybrid(&app).await;
    teruel(&app, &h).await;
    let path = format!("/api/v1/events/{}/report", h.event);
    let full = app.get(&path, Some(&h.organiser)).await.body;

    for below in [2, 3, 4] {
        let shown = app.get(&format!("{path}?suppress_below={below}"), Some(&h.organiser)).await;
        assert_eq!(shown.status, 200, "{}", shown.text);
        let report = shown.body;
        assert_eq!(report["suppressed"], true);
        let (counts, truth) = (room_counts(&report), room_counts(&full));
        for ((name, shown), (_, truth)) in counts.iter().zip(&truth) {
            let truth = truth.as_i64().unwrap();
            if (1..below).contains(&truth) {
                assert!(shown.is_null(), "{name} = {truth} is shown at {below}: {report}");
            }
        }
        for (room, full_room) in
            report["by_place"].as_array().unwrap().iter().zip(full["by_place"].as_array().unwrap())
        {
            assert_eq!(room["capacity"], full_room["capacity"], "capacities are public");
            assert_eq!(room["name"], full_room["name"]);
        }
        audit_event_report(&report, &full, below, &format!("the hybrid event at {below}"));
    }

    // The summary, with its hosted counts, keeps every hidden count hidden too.
    let (events, totals) = whole_summary(&app, &h.organiser, "&suppress_below=3").await;
    let (full_events, full_totals) = whole_summary(&app, &h.organiser, "").await;
    assert!(events.iter().any(|e| e["hosted"]["attended"].is_null()), "{events:?}");
    audit_summary((&events, &totals), (&full_events, &full_totals), 3, "the hybrid summary at 3");

    // The organisation's floor applies to the rooms as to every count.
    let set = app
        .patch(
            &format!("/api/v1/organisations/{}", h.org),
            Some(&h.organiser),
            json!({"report_suppress_below": 3}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let by_default = app.get(&path, Some(&h.organiser)).await.body;
    let at_three = app.get(&format!("{path}?suppress_below=3"), Some(&h.organiser)).await.body;
    assert_eq!(by_default["by_place"], at_three["by_place"]);
}
