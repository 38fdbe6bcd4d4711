//! The series report over HTTP: three roundtables of one series, people who come back (linked
//! by email, phone or the card's code), people who did not consent to be linked, and people
//! registered who never came; then the counts per event, the cohorts, the CSV, the
//! organisation's floor and who may read it.

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::TestApp;

struct Series {
    org: Uuid,
    organiser: String,
    id: String,
    events: Vec<Uuid>,
}

/// An organisation asking for `link_across_events`, a series and three of its events, all
/// starting within the hour (so that people can still register and be checked in), in order.
async fn three_roundtables(app: &TestApp) -> Series {
    let org = app.organisation(&format!("CEPAIM {}", Uuid::new_v4().simple())).await;
    let organiser = app.organiser_of(org).await;
    let purpose = app
        .post(
            &format!("/api/v1/organisations/{org}/consent-purposes"),
            Some(&organiser),
            json!({"purpose": "link_across_events", "texts": {"es": "Podéis reconocerme en las próximas reuniones."}}),
        )
        .await;
    assert_eq!(purpose.status, 201, "{}", purpose.text);
    let series = app
        .post(
            &format!("/api/v1/organisations/{org}/series"),
            Some(&organiser),
            json!({"name": "Plataforma de Soria", "region": "Soria"}),
        )
        .await;
    assert_eq!(series.status, 201, "{}", series.text);
    let id = series.body["id"].as_str().unwrap().to_owned();
    let mut events = Vec::new();
    for (n, minutes) in [(1, 20), (2, 30), (3, 40)] {
        let starts = Utc::now() + Duration::minutes(minutes);
        let event = create_event(
            app,
            &organiser,
            with(
                roundtable(org),
                json!({"title": format!("Roundtable {n}"), "series": null, "series_id": id,
                       "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(2)).to_rfc3339()}),
            ),
        )
        .await;
        publish(app, &organiser, event).await;
        events.push(event);
    }
    Series { org, organiser, id, events }
}

/// Registers someone (linked when `linked`) and checks them in when `came`.
async fn takes_part(
    app: &TestApp,
    series: &Series,
    event: usize,
    who: (Value, Value, &str),
    mode: &str,
    linked: bool,
    came: bool,
) -> Value {
    let (email, phone, category) = who;
    let mut consents = vec![json!({"purpose": "data_processing", "version": 1})];
    if linked {
        consents.push(json!({"purpose": "link_across_events", "version": 1}));
    }
    let mut body = with(
        participant(mode, false),
        json!({"consents": consents,
               "participant": {"full_name": "Someone", "email": email, "phone": phone, "preferred_language": "es",
                               "stakeholder_category": category, "organisation_name": null}}),
    );
    body.as_object_mut().unwrap().remove("consent");
    let registration = registered(app, &series.organiser, series.events[event], body).await;
    if came {
        let id = registration["id"].as_str().unwrap();
        let checked = app
            .post(&format!("/api/v1/registrations/{id}/check-in"), Some(&series.organiser), json!({}))
            .await;
        assert_eq!(checked.status, 200, "{}", checked.text);
    }
    registration
}

fn person(email: &str, category: &str) -> (Value, Value, &'static str) {
    let category: &'static str = match category {
        "migrant" => "migrant",
        "refugee" => "refugee",
        "ngo" => "ngo",
        _ => "volunteer",
    };
    (json!(email), json!(null), category)
}

/// Amina (migrant) comes to all three; Omar (refugee) to the first and third; Lucía (ngo) to
/// the second and third; Pedro (volunteer, not linked) to the first and the second, counted
/// each time as not linked; Fatou (migrant) registers for the first but does not come.
async fn a_year_of_roundtables(app: &TestApp) -> Series {
    let series = three_roundtables(app).await;
    let amina = person("amina@example.org", "migrant");
    let omar = person("omar@example.org", "refugee");
    let lucia = person("lucia@example.org", "ngo");
    let pedro = person("pedro@example.org", "volunteer");
    let fatou = person("fatou@example.org", "migrant");
    takes_part(app, &series, 0, amina.clone(), "online", true, true).await;
    takes_part(app, &series, 0, omar.clone(), "onsite", true, true).await;
    takes_part(app, &series, 0, pedro.clone(), "online", false, true).await;
    takes_part(app, &series, 0, fatou, "online", true, false).await;
    takes_part(app, &series, 1, amina.clone(), "onsite", true, true).await;
    takes_part(app, &series, 1, lucia.clone(), "online", true, true).await;
    takes_part(app, &series, 1, pedro, "online", false, true).await;
    // At the third, Amina comes by the code on her card (no email given this time).
    let first = takes_part(app, &series, 2, omar, "online", true, true).await;
    assert!(first["person_code"].is_string());
    takes_part(app, &series, 2, lucia, "online", true, true).await;
    let amina_code = {
        let list = app
            .get(&format!("/api/v1/events/{}/registrations", series.events[0]), Some(&series.organiser))
            .await;
        let items = list.body["items"].as_array().unwrap().clone();
        items.iter().find(|r| r["participant"]["email"] == "amina@example.org").unwrap()["person_code"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut by_code = with(
        participant("online", false),
        json!({"consents": [{"purpose": "data_processing", "version": 1}, {"purpose": "link_across_events", "version": 1}],
               "person_ref": amina_code,
               "participant": {"full_name": "Amina", "email": null, "phone": null, "preferred_language": "ar",
                               "stakeholder_category": "migrant", "organisation_name": null}}),
    );
    by_code.as_object_mut().unwrap().remove("consent");
    let third = registered(app, &series.organiser, series.events[2], by_code).await;
    let id = third["id"].as_str().unwrap();
    let checked =
        app.post(&format!("/api/v1/registrations/{id}/check-in"), Some(&series.organiser), json!({})).await;
    assert_eq!(checked.status, 200, "{}", checked.text);
    series
}

fn counts(event: &Value) -> (i64, i64, i64, i64) {
    let n = |key: &str| event[key].as_i64().unwrap_or_else(|| panic!("{key} in {event}"));
    (n("participants"), n("new"), n("returning"), n("not_linked"))
}

#[actix_web::test]
async fn the_series_report_tells_who_came_back_event_by_event_and_by_cohort() {
    let app = crate::helpers::spawn_app().await;
    let series = a_year_of_roundtables(&app).await;
    let report = app.get(&format!("/api/v1/series/{}/report", series.id), Some(&series.organiser)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let body = &report.body;
    assert_eq!(body["name"], "Plataforma de Soria");
    assert_eq!(body["suppressed"], false);
    let events = body["events"].as_array().unwrap();
    let ids: Vec<String> = events.iter().map(|e| e["event_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, series.events.iter().map(Uuid::to_string).collect::<Vec<_>>(), "in the series' order");
    // Participants, new, returning, not linked.
    assert_eq!(counts(&events[0]), (3, 2, 0, 1), "Fatou did not come: not a participant");
    assert_eq!(counts(&events[1]), (3, 1, 1, 1));
    assert_eq!(counts(&events[2]), (3, 0, 3, 0), "Amina by her code, Omar and Lucía by email");
    assert_eq!(events[0]["by_mode"], json!({"online": 2, "onsite": 1}));
    assert_eq!(events[1]["by_place"][0]["participants"], 1, "{}", events[1]);
    assert_eq!(events[1]["by_place"][0]["name"], "CEPAIM Soria");
    assert_eq!(events[0]["by_stakeholder_category"]["migrant"], 1);
    assert_eq!(events[0]["by_stakeholder_category"]["refugee"], 1);
    assert_eq!(events[0]["by_stakeholder_category"]["public_agency"], 0, "every category is listed");
    assert_eq!(events[0]["migrants_and_refugees"], 2);
    assert_eq!(events[0]["migrants_and_refugees_share"], 0.667);
    let cohorts = body["cohorts"].as_array().unwrap();
    assert_eq!(cohorts[0]["size"], 2);
    assert_eq!(
        cohorts[0]["came_to"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["people"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 2],
        "of Amina and Omar: Amina came to the second, both to the third"
    );
    assert_eq!(cohorts[1]["size"], 1);
    assert_eq!(cohorts[1]["came_to"][0]["people"], 1, "Lucía came back");
    let mut totals = body["totals"].clone();
    let barriers = totals.as_object_mut().unwrap().remove("barriers").unwrap();
    assert_eq!(
        totals,
        json!({"participations": 9, "people": 3, "not_linked": 2, "migrants_and_refugees": 5,
               "migrants_and_refugees_share": 0.556})
    );
    assert_eq!(barriers.as_object().unwrap().len(), 10, "every barrier, zeros too: {barriers}");

    // The event's report page sets it among its series.
    let page =
        app.get(&format!("/api/v1/events/{}/report.html", series.events[2]), Some(&series.organiser)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page
        .text
        .contains(r#"<section class="card" id="series"><h2>The series: Plataforma de Soria</h2>"#));
    let third_row =
        page.text.split(r#"<tr id="series-event-2">"#).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(
        third_row
            .contains(r#"<td class="n">3</td><td class="n">0</td><td class="n">3</td><td class="n">0</td>"#),
        "participants, new, returning, not linked: {third_row}"
    );
    assert!(page.text.contains(r#"<p id="series-totals">9 participations by 3 people"#));
    let hidden_page = app
        .get(
            &format!("/api/v1/events/{}/report.html?suppress_below=3", series.events[2]),
            Some(&series.organiser),
        )
        .await;
    let second_row =
        hidden_page.text.split(r#"<tr id="series-event-1">"#).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(
        !second_row.contains(r#"<td class="n">1</td>"#),
        "small counts are hidden on the page too: {second_row}"
    );

    let csv = app
        .client
        .get(app.url(&format!("/api/v1/series/{}/report?bom=false", series.id)))
        .bearer_auth(&series.organiser)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let as_of: chrono::DateTime<chrono::Utc> = csv.headers()["data-as-of"].to_str().unwrap().parse().unwrap();
    assert!((chrono::Utc::now() - as_of).num_seconds().abs() < 60, "read on the primary, as of now: {as_of}");
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with(
        "event_id,title,starts_at,status,participants,new,returning,not_linked,from_first_event,"
    ));
    assert!(lines[3].starts_with(&format!("{},Roundtable 3,", series.events[2])), "{}", lines[3]);
    assert!(
        lines[3].contains(",published,3,0,3,0,2,"),
        "from the first event's people, 2 came to the third: {}",
        lines[3]
    );
}

#[actix_web::test]
async fn small_counts_are_hidden_with_their_complements_and_the_organisations_floor_applies() {
    let app = crate::helpers::spawn_app().await;
    let series = a_year_of_roundtables(&app).await;
    let path = format!("/api/v1/series/{}/report", series.id);
    let hidden = app.get(&format!("{path}?suppress_below=3"), Some(&series.organiser)).await;
    assert_eq!(hidden.status, 200, "{}", hidden.text);
    assert_eq!(hidden.body["suppressed"], true);
    let second = &hidden.body["events"][1];
    assert!(second["new"].is_null() && second["returning"].is_null(), "ones are hidden: {second}");
    // With new and returning hidden and participants shown, not_linked must not give them away.
    assert!(
        second["participants"].is_null() || second["not_linked"].is_null(),
        "a complement is hidden too: {second}"
    );
    // The organisation's floor is a floor, whatever the reader asks.
    let admin = app.admin().await;
    let floor = app
        .patch(
            &format!("/api/v1/organisations/{}", series.org),
            Some(&admin),
            json!({"report_suppress_below": 3}),
        )
        .await;
    assert_eq!(floor.status, 200, "{}", floor.text);
    let asked_less = app.get(&format!("{path}?suppress_below=1"), Some(&series.organiser)).await;
    assert_eq!(asked_less.body["suppressed"], true);
    assert_eq!(asked_less.body["events"], hidden.body["events"]);
}

#[actix_web::test]
async fn only_the_series_organisers_and_admins_read_it_and_bad_input_is_refused() {
    let app = crate::helpers::spawn_app().await;
    let series = three_roundtables(&app).await;
    let path = format!("/api/v1/series/{}/report", series.id);
    let other_org = app.organisation(&format!("Accem {}", Uuid::new_v4().simple())).await;
    let stranger = app.organiser_of(other_org).await;
    app.get(&path, Some(&stranger)).await.assert_problem(403, "forbidden");
    let partner = app.partner_of(series.org).await;
    app.get(&path, Some(&partner)).await.assert_problem(403, "forbidden");
    assert_eq!(app.get(&path, None).await.status, 401);
    app.get(&format!("/api/v1/series/{}/report", Uuid::now_v7()), Some(&series.organiser))
        .await
        .assert_problem(404, "not_found");
    let bad = app.get(&format!("{path}?suppress_below=0"), Some(&series.organiser)).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let admin = app.admin().await;
    let empty = app.get(&path, Some(&admin)).await;
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(counts(&empty.body["events"][0]), (0, 0, 0, 0), "nobody yet");
}
