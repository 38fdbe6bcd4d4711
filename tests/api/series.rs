//! Series of an organisation: the sessions of one platform, which its events belong to by
//! `series_id` or by naming it in `series` (as clients did before series were a resource).

use futures_util::future::join_all;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::{create_event, roundtable, with};
use crate::helpers::{spawn_app, TestApp};

fn series_path(org: Uuid) -> String {
    format!("/api/v1/organisations/{org}/series")
}

fn one_path(id: &Value) -> String {
    format!("/api/v1/series/{}", id.as_str().unwrap())
}

fn event_path(id: Uuid) -> String {
    format!("/api/v1/events/{id}")
}

fn platform() -> Value {
    json!({
        "name": "Plataforma regional de Soria",
        "region": "Soria",
        "description": "Roundtables every three months.\nOpen to everyone."
    })
}

/// Creates a series and expects a 201; returns it.
async fn created(app: &TestApp, token: &str, org: Uuid, body: Value) -> Value {
    let response = app.post(&series_path(org), Some(token), body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body
}

/// The series of `org` as an admin lists them (one page).
async fn listed(app: &TestApp, org: Uuid) -> Vec<Value> {
    let response = app.get(&series_path(org), Some(&app.admin().await)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"].as_array().unwrap().clone()
}

async fn event(app: &TestApp, token: &str, id: Uuid) -> Value {
    let response = app.get(&event_path(id), Some(token)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

struct World {
    app: TestApp,
    org: Uuid,
    organiser: String,
    other: Uuid,
}

async fn world() -> World {
    let app = spawn_app().await;
    let org = app.organisation("Fundación CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let other = app.organisation("Accem").await;
    World { app, org, organiser, other }
}

#[actix_web::test]
async fn an_organiser_creates_reads_lists_and_changes_the_series_of_its_organisation() {
    let w = world().await;
    let response = w.app.post(&series_path(w.org), Some(&w.organiser), platform()).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let series = response.body.clone();
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/series/{}", series["id"].as_str().unwrap()).as_str())
    );
    assert_eq!(series["organisation_id"], w.org.to_string());
    assert_eq!(series["name"], "Plataforma regional de Soria");
    assert_eq!(series["region"], "Soria");
    assert_eq!(series["description"], "Roundtables every three months.\nOpen to everyone.");
    assert!(series["created_at"].is_string() && series["updated_at"].is_string());

    let read = w.app.get(&one_path(&series["id"]), Some(&w.organiser)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body, series);
    let teruel = created(&w.app, &w.organiser, w.org, json!({"name": "  Mesa de Teruel  "})).await;
    assert_eq!(teruel["name"], "Mesa de Teruel", "trimmed");
    assert_eq!((&teruel["region"], &teruel["description"]), (&Value::Null, &Value::Null));
    assert_eq!(listed(&w.app, w.org).await, [teruel, series.clone()], "by name");

    let patched = w
        .app
        .patch(
            &one_path(&series["id"]),
            Some(&w.organiser),
            json!({"region": null, "description": "Quarterly"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["name"], series["name"], "absent fields stay");
    assert_eq!(patched.body["region"], Value::Null);
    assert_eq!(patched.body["description"], "Quarterly");
    let read = w.app.get(&one_path(&series["id"]), Some(&w.organiser)).await;
    assert_eq!(read.body, patched.body);

    // An admin manages any organisation's series.
    let admin = w.app.admin().await;
    let theirs = created(&w.app, &admin, w.other, json!({"name": "Plataforma regional de Soria"})).await;
    assert_eq!(theirs["organisation_id"], w.other.to_string(), "another organisation may use the name");
}

#[actix_web::test]
async fn a_name_the_organisation_has_in_any_case_is_409_and_changes_nothing() {
    let w = world().await;
    let soria = created(&w.app, &w.organiser, w.org, platform()).await;
    let teruel = created(&w.app, &w.organiser, w.org, json!({"name": "Mesa de Teruel"})).await;
    w.app
        .post(&series_path(w.org), Some(&w.organiser), json!({"name": " PLATAFORMA regional de soria "}))
        .await
        .assert_problem(409, "series_name_taken");
    w.app
        .patch(&one_path(&teruel["id"]), Some(&w.organiser), json!({"name": "plataforma REGIONAL de Soria"}))
        .await
        .assert_problem(409, "series_name_taken");
    assert_eq!(listed(&w.app, w.org).await, [teruel, soria.clone()], "nothing created, nothing renamed");

    // A series may change the case of its own name.
    let recased = w
        .app
        .patch(&one_path(&soria["id"]), Some(&w.organiser), json!({"name": "PLATAFORMA regional de Soria"}))
        .await;
    assert_eq!(recased.status, 200, "{}", recased.text);
    assert_eq!(recased.body["name"], "PLATAFORMA regional de Soria");
}

#[actix_web::test]
async fn each_bad_field_is_a_422_naming_it_and_creates_nothing() {
    let w = world().await;
    let bad = json!({"name": "Two\nlines", "region": "x".repeat(201), "description": "y".repeat(5001)});
    let response = w.app.post(&series_path(w.org), Some(&w.organiser), bad).await;
    assert_eq!(response.status, 422, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("application/problem+json"));
    let fields: Vec<String> = response.field_errors().into_iter().map(|(field, _)| field).collect();
    assert_eq!(fields, ["name", "region", "description"]);
    for name in [json!(""), json!("   "), json!("x".repeat(201))] {
        let response = w.app.post(&series_path(w.org), Some(&w.organiser), json!({"name": name})).await;
        assert_eq!(response.status, 422, "{}", response.text);
        assert_eq!(response.field_errors()[0].0, "name");
    }
    w.app
        .post(&series_path(w.org), Some(&w.organiser), json!({"name": "Soria", "colour": "red"}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(listed(&w.app, w.org).await, Vec::<Value>::new());

    let series = created(&w.app, &w.organiser, w.org, platform()).await;
    let patched = w.app.patch(&one_path(&series["id"]), Some(&w.organiser), json!({"name": null})).await;
    assert_eq!(patched.status, 422, "{}", patched.text);
    let patched = w.app.patch(&one_path(&series["id"]), Some(&w.organiser), json!({"region": "a\nb"})).await;
    assert_eq!(patched.status, 422, "{}", patched.text);
    assert_eq!(listed(&w.app, w.org).await, [series], "nothing changed");
}

#[actix_web::test]
async fn partners_and_organisers_of_other_organisations_are_refused_and_unknown_series_are_404() {
    let w = world().await;
    let series = created(&w.app, &w.organiser, w.org, platform()).await;
    let path = one_path(&series["id"]);
    let partner = w.app.partner_of(w.org).await;
    let stranger = w.app.organiser_of(w.other).await;
    for token in [partner.as_str(), stranger.as_str()] {
        w.app
            .post(&series_path(w.org), Some(token), json!({"name": "Mine"}))
            .await
            .assert_problem(403, "forbidden");
        w.app.get(&series_path(w.org), Some(token)).await.assert_problem(403, "forbidden");
        w.app.get(&path, Some(token)).await.assert_problem(403, "forbidden");
        let patched = w.app.patch(&path, Some(token), json!({"name": "Mine"})).await;
        patched.assert_problem(403, "forbidden");
        assert!(!patched.text.contains("Soria"), "nothing of the series leaks: {}", patched.text);
    }
    w.app.post(&series_path(w.org), None, platform()).await.assert_problem(401, "unauthorized");
    w.app.get(&path, None).await.assert_problem(401, "unauthorized");
    assert_eq!(listed(&w.app, w.org).await, [series]);

    let admin = w.app.admin().await;
    let nowhere = Uuid::now_v7();
    w.app.get(&format!("/api/v1/series/{nowhere}"), Some(&admin)).await.assert_problem(404, "not_found");
    w.app
        .patch(&format!("/api/v1/series/{nowhere}"), Some(&w.organiser), json!({"name": "x"}))
        .await
        .assert_problem(404, "not_found");
    w.app.post(&series_path(nowhere), Some(&admin), platform()).await.assert_problem(404, "not_found");
    w.app.get(&series_path(nowhere), Some(&admin)).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn series_come_in_pages_by_name_that_follow_their_cursor() {
    let w = world().await;
    for name in ["Delta", "Alpha", "Charlie", "Echo", "Bravo"] {
        created(&w.app, &w.organiser, w.org, json!({"name": name})).await;
    }
    let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let path = match &cursor {
            None => format!("{}?limit=2", series_path(w.org)),
            Some(c) => format!("{}?limit=2&cursor={c}", series_path(w.org)),
        };
        let page = w.app.get(&path, Some(&w.organiser)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        pages += 1;
        seen.extend(
            page.body["items"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"], "every series once, by name");

    let first = w.app.get(&format!("{}?limit=2", series_path(w.org)), Some(&w.organiser)).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let admin = w.app.admin().await;
    w.app
        .get(&format!("{}?cursor={cursor}", series_path(w.other)), Some(&admin))
        .await
        .assert_problem(400, "invalid_cursor");
    w.app
        .get(&format!("{}?limit=0", series_path(w.org)), Some(&w.organiser))
        .await
        .assert_problem(422, "validation_failed");
}

#[actix_web::test]
async fn an_event_naming_a_series_joins_it_whatever_its_case_or_creates_it() {
    let w = world().await;
    let series = created(&w.app, &w.organiser, w.org, json!({"name": "Regional cooperation platform"})).await;

    // A client that knows nothing of series gets what it got before, and `series_id`.
    let response = w.app.post("/api/v1/events", Some(&w.organiser), roundtable(w.org)).await;
    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["series"], "Regional cooperation platform");
    assert_eq!(response.body["series_id"], series["id"]);

    let shouted = with(roundtable(w.org), json!({"series": "  REGIONAL cooperation PLATFORM "}));
    let id = create_event(&w.app, &w.organiser, shouted).await;
    let read = event(&w.app, &w.organiser, id).await;
    assert_eq!(read["series_id"], series["id"], "joined whatever its case");
    assert_eq!(read["series"], "Regional cooperation platform", "the series' name");

    let new =
        create_event(&w.app, &w.organiser, with(roundtable(w.org), json!({"series": "Mesa de Teruel"})))
            .await;
    let read = event(&w.app, &w.organiser, new).await;
    let all = listed(&w.app, w.org).await;
    assert_eq!(all.len(), 2, "created: {all:?}");
    let teruel = all.iter().find(|s| s["name"] == "Mesa de Teruel").expect("the new series");
    assert_eq!(read["series_id"], teruel["id"]);
    assert_eq!((&teruel["region"], &teruel["description"]), (&Value::Null, &Value::Null));

    // Without a series, an event has none; PATCH names one, or detaches with null.
    let loose = create_event(&w.app, &w.organiser, with(roundtable(w.org), json!({"series": null}))).await;
    let read = event(&w.app, &w.organiser, loose).await;
    assert_eq!((&read["series"], &read["series_id"]), (&Value::Null, &Value::Null));
    let joined =
        w.app.patch(&event_path(loose), Some(&w.organiser), json!({"series": "mesa de teruel"})).await;
    assert_eq!(joined.status, 200, "{}", joined.text);
    assert_eq!(
        (&joined.body["series"], &joined.body["series_id"]),
        (&json!("Mesa de Teruel"), &teruel["id"])
    );
    let other = w.app.patch(&event_path(loose), Some(&w.organiser), json!({"title": "Renamed"})).await;
    assert_eq!(other.body["series_id"], teruel["id"], "a PATCH without series keeps it");
    for detach in
        [json!({"series": null}), json!({"series_id": null}), json!({"series": null, "series_id": null})]
    {
        let patched = w.app.patch(&event_path(new), Some(&w.organiser), detach.clone()).await;
        assert_eq!(patched.status, 200, "{}", patched.text);
        assert_eq!(
            (&patched.body["series"], &patched.body["series_id"]),
            (&Value::Null, &Value::Null),
            "{detach}"
        );
        let back =
            w.app.patch(&event_path(new), Some(&w.organiser), json!({"series_id": teruel["id"]})).await;
        assert_eq!(
            (&back.body["series"], &back.body["series_id"]),
            (&json!("Mesa de Teruel"), &teruel["id"])
        );
    }
    assert_eq!(listed(&w.app, w.org).await.len(), 2, "no series made twice");
}

#[actix_web::test]
async fn an_event_takes_a_series_id_of_its_own_organisation_only_and_both_fields_must_agree() {
    let w = world().await;
    let admin = w.app.admin().await;
    let ours = created(&w.app, &w.organiser, w.org, platform()).await;
    let theirs = created(&w.app, &admin, w.other, json!({"name": "Accem platform"})).await;

    let by_id = with(roundtable(w.org), json!({"series": null, "series_id": ours["id"]}));
    let id = create_event(&w.app, &w.organiser, by_id).await;
    let read = event(&w.app, &w.organiser, id).await;
    assert_eq!((&read["series"], &read["series_id"]), (&ours["name"], &ours["id"]), "the name filled in");
    let agreeing =
        with(roundtable(w.org), json!({"series": "plataforma REGIONAL de soria", "series_id": ours["id"]}));
    create_event(&w.app, &w.organiser, agreeing).await;

    let foreign = w
        .app
        .post(
            "/api/v1/events",
            Some(&w.organiser),
            with(roundtable(w.org), json!({"series_id": theirs["id"]})),
        )
        .await;
    foreign.assert_problem(422, "unknown_series");
    assert_eq!(foreign.field_errors(), [("series_id".to_owned(), "unknown_series".to_owned())]);
    let nowhere = w
        .app
        .post(
            "/api/v1/events",
            Some(&w.organiser),
            with(roundtable(w.org), json!({"series_id": Uuid::now_v7()})),
        )
        .await;
    nowhere.assert_problem(422, "unknown_series");
    let disagreeing = with(roundtable(w.org), json!({"series": "Something else", "series_id": ours["id"]}));
    let response = w.app.post("/api/v1/events", Some(&w.organiser), disagreeing).await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.field_errors(), [("series".to_owned(), "series_mismatch".to_owned())]);
    assert_eq!(listed(&w.app, w.org).await, std::slice::from_ref(&ours), "no series made by a refused event");

    w.app
        .patch(&event_path(id), Some(&w.organiser), json!({"series_id": theirs["id"]}))
        .await
        .assert_problem(422, "unknown_series");
    for half in [
        json!({"series": null, "series_id": ours["id"]}),
        json!({"series": "Plataforma regional de Soria", "series_id": null}),
    ] {
        let response = w.app.patch(&event_path(id), Some(&w.organiser), half).await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.field_errors(), [("series".to_owned(), "series_mismatch".to_owned())]);
    }
    let read = event(&w.app, &w.organiser, id).await;
    assert_eq!(read["series_id"], ours["id"], "unchanged");

    // Moved to another organisation, the event joins (or creates) the series of its name there.
    let moved = w.app.patch(&event_path(id), Some(&admin), json!({"organisation_id": w.other})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["series"], ours["name"]);
    let there = listed(&w.app, w.other).await;
    let created_there = there.iter().find(|s| s["name"] == ours["name"]).expect("created there");
    assert_eq!(moved.body["series_id"], created_there["id"]);
}

#[actix_web::test]
async fn renaming_a_series_renames_it_on_its_events_and_in_reports() {
    let w = world().await;
    let first = create_event(&w.app, &w.organiser, roundtable(w.org)).await;
    let second = create_event(&w.app, &w.organiser, roundtable(w.org)).await;
    let elsewhere =
        create_event(&w.app, &w.organiser, with(roundtable(w.org), json!({"series": "Other"}))).await;
    let series = event(&w.app, &w.organiser, first).await["series_id"].clone();
    let renamed =
        w.app.patch(&one_path(&series), Some(&w.organiser), json!({"name": "Soria platform"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    for id in [first, second] {
        let read = event(&w.app, &w.organiser, id).await;
        assert_eq!((&read["series"], &read["series_id"]), (&json!("Soria platform"), &series));
    }
    assert_eq!(event(&w.app, &w.organiser, elsewhere).await["series"], "Other");
    let report = w.app.get("/api/v1/reports/attendance?series=Soria%20platform", Some(&w.organiser)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["totals"]["events"], 2);
    let old = w
        .app
        .get("/api/v1/reports/attendance?series=Regional%20cooperation%20platform", Some(&w.organiser))
        .await;
    assert_eq!(old.body["totals"]["events"], 0);

    // The events' `series` filter follows too, and the old name now makes a new series.
    let listed_events = w.app.get("/api/v1/events?series=Soria%20platform", Some(&w.organiser)).await;
    assert_eq!(listed_events.body["items"].as_array().unwrap().len(), 2);
    let again = create_event(&w.app, &w.organiser, roundtable(w.org)).await;
    assert_ne!(event(&w.app, &w.organiser, again).await["series_id"], series);
}

#[actix_web::test]
async fn events_created_at_once_naming_one_new_series_end_up_in_one_series() {
    let w = world().await;
    let names = ["Mesa de Almazán", "MESA DE ALMAZÁN", "mesa de almazán", " Mesa de Almazán "];
    let bodies: Vec<Value> =
        (0..8).map(|i| with(roundtable(w.org), json!({"series": names[i % names.len()]}))).collect();
    let responses =
        join_all(bodies.into_iter().map(|body| w.app.post("/api/v1/events", Some(&w.organiser), body))).await;
    let mut ids = Vec::new();
    for response in &responses {
        assert_eq!(response.status, 201, "{}", response.text);
        ids.push(response.body["series_id"].clone());
    }
    let all = listed(&w.app, w.org).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(ids.iter().all(|id| *id == all[0]["id"]), "{ids:?}");
    assert!(responses.iter().all(|r| r.body["series"] == all[0]["name"]));
}

#[actix_web::test]
async fn the_attendance_summary_filters_by_series_id() {
    let w = world().await;
    let soria = created(&w.app, &w.organiser, w.org, json!({"name": "Soria"})).await;
    let teruel = created(&w.app, &w.organiser, w.org, json!({"name": "Teruel"})).await;
    for (title, series) in [("S1", &soria), ("S2", &soria), ("T1", &teruel)] {
        let body =
            with(roundtable(w.org), json!({"title": title, "series": null, "series_id": series["id"]}));
        create_event(&w.app, &w.organiser, body).await;
    }
    create_event(&w.app, &w.organiser, with(roundtable(w.org), json!({"title": "None", "series": null})))
        .await;
    let titles = |body: &Value| -> Vec<String> {
        body["events"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect()
    };
    let by_id = |id: &Value| format!("/api/v1/reports/attendance?series_id={}", id.as_str().unwrap());
    let report = w.app.get(&by_id(&soria["id"]), Some(&w.organiser)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(titles(&report.body), ["S1", "S2"]);
    assert_eq!(report.body["totals"]["events"], 2);
    let report = w.app.get(&by_id(&teruel["id"]), Some(&w.organiser)).await;
    assert_eq!(titles(&report.body), ["T1"]);
    // Beside the name filter, both apply.
    let both = format!("{}&series=Soria", by_id(&teruel["id"]));
    assert_eq!(w.app.get(&both, Some(&w.organiser)).await.body["totals"]["events"], 0);
    let all = w.app.get("/api/v1/reports/attendance", Some(&w.organiser)).await;
    assert_eq!(all.body["totals"]["events"], 4);
    w.app
        .get("/api/v1/reports/attendance?series_id=not-a-uuid", Some(&w.organiser))
        .await
        .assert_problem(422, "validation_failed");
}

/// The titles of the events `GET /events?series_id=` lists, each checked to be of the series.
async fn titles_in(w: &World, series_id: &Value) -> Vec<String> {
    let path = format!("/api/v1/events?series_id={}", series_id.as_str().unwrap());
    let list = w.app.get(&path, Some(&w.organiser)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let items = list.body["items"].as_array().unwrap();
    assert!(items.iter().all(|e| e["series_id"] == *series_id), "{items:?}");
    let mut titles: Vec<String> = items.iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect();
    titles.sort();
    titles
}

#[actix_web::test]
async fn the_events_list_filters_by_series_id() {
    let w = world().await;
    let soria = created(&w.app, &w.organiser, w.org, json!({"name": "Soria"})).await;
    let teruel = created(&w.app, &w.organiser, w.org, json!({"name": "Teruel"})).await;
    for (title, series) in [("S1", &soria), ("T1", &teruel), ("S2", &soria)] {
        let body =
            with(roundtable(w.org), json!({"title": title, "series": null, "series_id": series["id"]}));
        create_event(&w.app, &w.organiser, body).await;
    }
    // By name the old way, the third event joins Soria too.
    create_event(&w.app, &w.organiser, with(roundtable(w.org), json!({"title": "S3", "series": "soria"})))
        .await;
    assert_eq!(titles_in(&w, &soria["id"]).await, ["S1", "S2", "S3"]);
    assert_eq!(titles_in(&w, &teruel["id"]).await, ["T1"]);
    w.app
        .get("/api/v1/events?series_id=not-a-uuid", Some(&w.organiser))
        .await
        .assert_problem(422, "validation_failed");
}
