//! Barriers as data: a registration lists what keeps the person from taking part, each with
//! its status and what was arranged; the first contract's two needs are views of the list;
//! organisers change them (each change a history line), bad lists are refused and change
//! nothing, and the event and series reports count them, protected like every count.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::TestApp;

fn id(registration: &Value) -> &str {
    registration["id"].as_str().unwrap()
}

/// A participant of `mode` with `barriers` and the two needs as given.
fn listing(mode: &str, space: bool, transport: bool, barriers: Value) -> Value {
    with(participant(mode, space), json!({"needs_transport": transport, "barriers": barriers}))
}

async fn barriers_changed(app: &TestApp, token: &str, registration: &Value) -> Vec<Value> {
    let history = app.get(&format!("/api/v1/registrations/{}/history", id(registration)), Some(token)).await;
    assert_eq!(history.status, 200, "{}", history.text);
    history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "barriers_changed")
        .cloned()
        .collect()
}

#[actix_web::test]
async fn a_registration_lists_its_barriers_and_the_old_needs_are_views_of_them() {
    let app = crate::helpers::spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;

    // The first contract's needs raise their barriers; listed ones keep their status, and the
    // list comes back in the vocabulary's order.
    let needy = registered(
        &app,
        &organiser,
        event,
        listing(
            "onsite",
            true,
            true,
            json!([{"barrier": "language_confidence", "status": "arranged", "arranged": ["interpreter", "interpreter"]}]),
        ),
    )
    .await;
    assert_eq!(
        needy["barriers"],
        json!([
            {"barrier": "transport", "status": "raised", "arranged": []},
            {"barrier": "digital_gap", "status": "raised", "arranged": []},
            {"barrier": "language_confidence", "status": "arranged", "arranged": ["interpreter"]},
        ])
    );
    assert_eq!(
        (needy["needs_transport"].as_bool(), needy["needs_physical_space"].as_bool()),
        (Some(true), Some(true))
    );

    // A listed transport barrier is the transport need; a digital gap met by a lent device
    // needs no room.
    let online = registered(
        &app,
        &organiser,
        event,
        listing(
            "online",
            false,
            false,
            json!([{"barrier": "digital_gap", "status": "arranged", "arranged": ["device_lent"]},
                   {"barrier": "transport"}]),
        ),
    )
    .await;
    assert_eq!(online["needs_transport"], true);
    assert_eq!(online["needs_physical_space"], false);
    assert_eq!(
        online["barriers"],
        json!([
            {"barrier": "transport", "status": "raised", "arranged": []},
            {"barrier": "digital_gap", "status": "arranged", "arranged": ["device_lent"]},
        ])
    );

    // Without either, the list is empty, and reads show it as stored.
    let plain = registered(&app, &organiser, event, listing("online", false, false, json!([]))).await;
    assert_eq!(plain["barriers"], json!([]));
    let read = app.get(&format!("/api/v1/registrations/{}", id(&needy)), Some(&organiser)).await;
    assert_eq!(read.body["barriers"], needy["barriers"]);
}

#[actix_web::test]
async fn bad_barriers_are_refused_with_each_problem_named_and_nothing_is_stored() {
    let app = crate::helpers::spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let refused = register(
        &app,
        &organiser,
        event,
        listing(
            "online",
            false,
            false,
            json!([{"barrier": "cost"}, {"barrier": "cost", "status": "unresolved"},
                   {"barrier": "schedule", "status": "arranged"},
                   {"barrier": "vision", "status": "unresolved", "arranged": ["accessible_documents"]}]),
        ),
    )
    .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        vec![
            ("barriers[1].barrier".to_owned(), "duplicate_barrier".to_owned()),
            ("barriers[2].arranged".to_owned(), "arrangement_required".to_owned()),
            ("barriers[3].arranged".to_owned(), "arranged_without_arrangement_status".to_owned()),
        ]
    );
    for (barriers, field) in [
        (json!([{"barrier": "weather"}]), "barriers[0].barrier"),
        (json!([{"barrier": "cost", "status": "solved"}]), "barriers[0].status"),
        (
            json!([{"barrier": "cost", "status": "arranged", "arranged": ["a_miracle"]}]),
            "barriers[0].arranged[0]",
        ),
        (json!([{"barrier": "cost", "note": "no money"}]), "barriers[0].note"),
    ] {
        let response =
            register(&app, &organiser, event, listing("online", false, false, barriers.clone())).await;
        assert_eq!(response.status, 422, "{barriers}: {}", response.text);
        let fields: Vec<String> = response.field_errors().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec![field.to_owned()], "{barriers}: {}", response.text);
    }
    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    assert_eq!(list.body["items"], json!([]), "nothing was stored");
}

#[actix_web::test]
async fn organisers_arrange_what_was_raised_and_each_change_is_a_history_line() {
    let app = crate::helpers::spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let needy = registered(&app, &organiser, event, listing("onsite", true, true, json!([]))).await;
    let path = format!("/api/v1/registrations/{}", id(&needy));

    let arranged = app
        .patch(
            &path,
            Some(&organiser),
            json!({"barriers": [
                {"barrier": "transport", "status": "arranged", "arranged": ["transport_booked"]},
                {"barrier": "digital_gap", "status": "arranged", "arranged": ["hosted_place"]},
                {"barrier": "childcare", "status": "unresolved"}]}),
        )
        .await;
    assert_eq!(arranged.status, 200, "{}", arranged.text);
    assert_eq!(arranged.body["needs_transport"], true);
    assert_eq!(arranged.body["status"], "confirmed", "barriers alone do not move the seat");
    let lines = barriers_changed(&app, &organiser, &needy).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0]["changes"],
        json!([
            {"field": "barriers.transport", "from": {"status": "raised", "arranged": []},
             "to": {"status": "arranged", "arranged": ["transport_booked"]}},
            {"field": "barriers.digital_gap", "from": {"status": "raised", "arranged": []},
             "to": {"status": "arranged", "arranged": ["hosted_place"]}},
            {"field": "barriers.childcare", "from": null, "to": {"status": "unresolved", "arranged": []}},
        ])
    );

    // Contradictions with the needs are refused, and nothing changes.
    let before = app.get(&path, Some(&organiser)).await.body;
    let dropped_gap = app.patch(&path, Some(&organiser), json!({"barriers": []})).await;
    dropped_gap.assert_problem(422, "barriers_contradict_needs");
    let both = app
        .patch(&path, Some(&organiser), json!({"needs_transport": false, "barriers": [{"barrier": "digital_gap"}, {"barrier": "transport"}]}))
        .await;
    both.assert_problem(422, "barriers_contradict_needs");
    assert_eq!(app.get(&path, Some(&organiser)).await.body["barriers"], before["barriers"]);
    assert_eq!(barriers_changed(&app, &organiser, &needy).await.len(), 1, "no line for a refused change");

    // The old field still works: needs_transport false removes the transport barrier.
    let no_transport = app.patch(&path, Some(&organiser), json!({"needs_transport": false})).await;
    assert_eq!(no_transport.status, 200, "{}", no_transport.text);
    assert_eq!(
        no_transport.body["barriers"],
        json!([{"barrier": "digital_gap", "status": "arranged", "arranged": ["hosted_place"]},
               {"barrier": "childcare", "status": "unresolved", "arranged": []}])
    );
    let lines = barriers_changed(&app, &organiser, &needy).await;
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[1]["changes"],
        json!([{"field": "barriers.transport", "from": {"status": "arranged", "arranged": ["transport_booked"]}, "to": null}])
    );
    // Ending the need and the barrier together is allowed.
    let cleared =
        app.patch(&path, Some(&organiser), json!({"needs_physical_space": false, "barriers": []})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(cleared.body["barriers"], json!([]));
    assert_eq!(cleared.body["needs_physical_space"], false);
    // A change that leaves the barriers as they were writes no line.
    let same = app.patch(&path, Some(&organiser), json!({"interpretation_language": "fr"})).await;
    assert_eq!(same.status, 200, "{}", same.text);
    assert_eq!(barriers_changed(&app, &organiser, &needy).await.len(), 3);
}

/// Registers `n` people online with `barriers`, and returns them.
async fn people_with(app: &TestApp, token: &str, event: Uuid, n: usize, barriers: Value) -> Vec<Value> {
    let mut people = Vec::new();
    for _ in 0..n {
        people.push(registered(app, token, event, listing("online", false, false, barriers.clone())).await);
    }
    people
}

#[actix_web::test]
async fn the_event_report_counts_barriers_raised_against_arranged_and_protects_small_counts() {
    let app = crate::helpers::spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let booked = json!({"barrier": "transport", "status": "arranged", "arranged": ["transport_booked"]});
    people_with(&app, &organiser, event, 4, json!([booked])).await;
    people_with(&app, &organiser, event, 1, json!([{"barrier": "transport", "status": "unresolved"}])).await;
    people_with(
        &app,
        &organiser,
        event,
        3,
        json!([{"barrier": "language_confidence", "status": "arranged", "arranged": ["interpreter"]}]),
    )
    .await;
    people_with(&app, &organiser, event, 2, json!([])).await;
    // A cancelled registration's barriers do not count.
    let gone = people_with(&app, &organiser, event, 1, json!([{"barrier": "cost"}])).await;
    let cancel = app
        .post(&format!("/api/v1/registrations/{}/cancel", id(&gone[0])), Some(&organiser), json!({}))
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.text);

    let report = app.get(&format!("/api/v1/events/{event}/report"), Some(&organiser)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let barriers = &report.body["barriers"];
    assert_eq!(barriers.as_object().unwrap().len(), 10, "every kind: {barriers}");
    assert_eq!(barriers["transport"], json!({"raised": 5, "arranged": 4, "unresolved": 1}));
    assert_eq!(barriers["language_confidence"], json!({"raised": 3, "arranged": 3, "unresolved": 0}));
    assert_eq!(barriers["cost"], json!({"raised": 0, "arranged": 0, "unresolved": 0}));
    assert_eq!(report.body["needs"]["transport"], 5, "the transport need is the transport barrier");

    // At 3, the one unresolved transport barrier is hidden. Raised 5 and arranged 4 may
    // stay: the one left is unresolved or still raised, which the report does not say.
    let protected =
        app.get(&format!("/api/v1/events/{event}/report?suppress_below=3"), Some(&organiser)).await;
    let transport = &protected.body["barriers"]["transport"];
    assert!(transport["unresolved"].is_null(), "{transport}");
    assert_eq!(protected.body["barriers"]["language_confidence"]["raised"], 3, "large enough to show");
    assert_eq!(protected.body["suppressed"], true);

    let page = app.get(&format!("/api/v1/events/{event}/report.html"), Some(&organiser)).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains(r#"id="chart-barriers""#), "the page charts the barriers");
    assert!(page.text.contains("language confidence"), "named without underscores");
}

#[actix_web::test]
async fn the_series_report_counts_barriers_per_event_and_for_the_series() {
    let app = crate::helpers::spawn_app().await;
    let org = app.organisation(&format!("CEPAIM {}", Uuid::new_v4().simple())).await;
    let organiser = app.organiser_of(org).await;
    let series = app
        .post(
            &format!("/api/v1/organisations/{org}/series"),
            Some(&organiser),
            json!({"name": "Plataforma de Soria"}),
        )
        .await;
    assert_eq!(series.status, 201, "{}", series.text);
    let series_id = series.body["id"].as_str().unwrap().to_owned();
    let mut events = Vec::new();
    for days in [7, 14] {
        let starts = chrono::Utc::now() + chrono::Duration::days(days);
        let body = with(
            roundtable(org),
            json!({"series": null, "series_id": series_id, "starts_at": starts.to_rfc3339(),
                   "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339()}),
        );
        let event = create_event(&app, &organiser, body).await;
        publish(&app, &organiser, event).await;
        events.push(event);
    }
    let (first, second) = (events[0], events[1]);

    people_with(&app, &organiser, first, 3, json!([{"barrier": "transport"}])).await;
    people_with(
        &app,
        &organiser,
        second,
        2,
        json!([{"barrier": "transport", "status": "arranged", "arranged": ["transport_booked"]}]),
    )
    .await;
    people_with(&app, &organiser, second, 1, json!([{"barrier": "hearing", "status": "unresolved"}])).await;

    let report = app.get(&format!("/api/v1/series/{series_id}/report"), Some(&organiser)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let shown = report.body["events"].as_array().unwrap();
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0]["barriers"]["transport"], json!({"raised": 3, "arranged": 0, "unresolved": 0}));
    assert_eq!(shown[1]["barriers"]["transport"], json!({"raised": 2, "arranged": 2, "unresolved": 0}));
    assert_eq!(
        report.body["totals"]["barriers"]["transport"],
        json!({"raised": 5, "arranged": 2, "unresolved": 0})
    );
    assert_eq!(
        report.body["totals"]["barriers"]["hearing"],
        json!({"raised": 1, "arranged": 0, "unresolved": 1})
    );

    let csv = app
        .client
        .get(app.url(&format!("/api/v1/series/{series_id}/report")))
        .bearer_auth(&organiser)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().trim_start_matches('\u{feff}').split(',').collect();
    let column = header.iter().position(|h| *h == "barrier_transport_raised").expect("a column per barrier");
    assert_eq!(header[column + 1], "barrier_transport_arranged");
    let values: Vec<String> = lines.map(|l| l.split(',').nth(column).unwrap().to_owned()).collect();
    assert_eq!(values, vec!["3", "2"], "{csv}");

    // At 3, the hearing barrier's 1 is hidden in the event and in the totals.
    let protected =
        app.get(&format!("/api/v1/series/{series_id}/report?suppress_below=3"), Some(&organiser)).await;
    assert!(protected.body["totals"]["barriers"]["hearing"]["raised"].is_null(), "{}", protected.text);
}
