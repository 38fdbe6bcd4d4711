//! What a meeting decided and what became of it: an event's outcome (topics, summary) and its
//! follow-up actions, changed as the work goes on, listed across the series, announced to
//! the organisation's subscribers, and shown to the next meetings of the series in their
//! reports until they are done or dropped.

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::{create_event, publish, roundtable, with};
use crate::helpers::{spawn_app, Resp, TestApp};
use crate::receiver::Receiver;
use crate::webhook_delivery::{self, subscribe};

fn outcomes_path(event: Uuid) -> String {
    format!("/api/v1/events/{event}/outcomes")
}

fn action_path(id: &Value) -> String {
    format!("/api/v1/actions/{}", id.as_str().unwrap())
}

fn series_actions(series: &str, query: &str) -> String {
    format!("/api/v1/series/{series}/actions{query}")
}

/// An event of the series `series` (by name), starting `days` from now.
fn meeting(org: Uuid, series: &str, title: &str, days: i64) -> Value {
    let starts = Utc::now() + Duration::days(days);
    with(
        roundtable(org),
        json!({"title": title, "series": series, "starts_at": starts.to_rfc3339(),
               "ends_at": (starts + Duration::hours(3)).to_rfc3339()}),
    )
}

fn action(title: &str, due_on: &str, status: &str) -> Value {
    json!({"title": title, "owner_name": "Diputación de Soria", "due_on": due_on, "status": status})
}

async fn record(app: &TestApp, token: &str, event: Uuid, body: Value) -> Resp {
    app.post(&outcomes_path(event), Some(token), body).await
}

async fn recorded(app: &TestApp, token: &str, event: Uuid, body: Value) -> Value {
    let response = record(app, token, event, body).await;
    assert!(matches!(response.status, 200 | 201), "{}", response.text);
    response.body
}

async fn outcome(app: &TestApp, token: &str, event: Uuid) -> Value {
    let response = app.get(&outcomes_path(event), Some(token)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

async fn series_id(app: &TestApp, token: &str, event: Uuid) -> String {
    let response = app.get(&format!("/api/v1/events/{event}"), Some(token)).await;
    response.body["series_id"].as_str().unwrap().to_owned()
}

fn titles(actions: &Value) -> Vec<&str> {
    actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect()
}

async fn history_actions(app: &TestApp, token: &str, event: Uuid) -> Vec<Value> {
    let response = app.get(&format!("/api/v1/events/{event}/history"), Some(token)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"].as_array().unwrap().clone()
}

struct World {
    app: TestApp,
    org: Uuid,
    organiser: String,
    event: Uuid,
}

async fn world_on(app: TestApp) -> World {
    let org = app.organisation("Fundación CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event =
        create_event(&app, &organiser, meeting(org, "Plataforma de Soria", "Third roundtable", 7)).await;
    publish(&app, &organiser, event).await;
    World { app, org, organiser, event }
}

async fn world() -> World {
    world_on(spawn_app().await).await
}

#[actix_web::test]
async fn an_organiser_records_an_outcome_then_corrects_it_and_adds_actions() {
    let w = world().await;
    let accem = w.app.organisation("Accem").await;
    let first = record(
        &w.app,
        &w.organiser,
        w.event,
        json!({
            "topics": ["rural_initiatives", "women_employment", "rural_initiatives"],
            "summary": "Participants want to follow the three pilot projects.",
            "actions": [
                {"title": "  Report on the three pilot projects ", "owner_name": "Diputación de Soria", "due_on": "2027-03-01"},
                {"title": "Map transport to Soria", "owner_organisation_id": accem, "due_on": "2027-02-01", "status": "in_progress"}
            ]
        }),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("location"), Some(outcomes_path(w.event).as_str()));
    let body = &first.body;
    assert_eq!(body["event_id"], w.event.to_string());
    assert_eq!(body["topics"], json!(["rural_initiatives", "women_employment"]), "repeats dropped");
    assert_eq!(body["summary"], "Participants want to follow the three pilot projects.");
    let actions = body["actions"].as_array().unwrap();
    assert_eq!(titles(&body["actions"]), ["Report on the three pilot projects", "Map transport to Soria"]);
    assert_eq!(actions[0]["status"], "open", "open unless said");
    assert_eq!(
        (&actions[0]["owner_name"], &actions[0]["owner_organisation_id"]),
        (&json!("Diputación de Soria"), &Value::Null)
    );
    assert_eq!(actions[1]["owner_organisation_id"], accem.to_string());
    assert_eq!(actions[1]["owner_name"], "Accem", "an organisation owner is shown by its name");
    assert_eq!(actions[1]["status"], "in_progress");
    assert_eq!(actions[0]["due_on"], "2027-03-01");
    assert_eq!(actions[0]["event"]["id"], w.event.to_string());
    assert_eq!(actions[0]["event"]["title"], "Third roundtable");
    assert!(actions.iter().all(|a| a["id"].is_string()));
    assert_eq!(outcome(&w.app, &w.organiser, w.event).await, *body);
    let one = w.app.get(&action_path(&actions[1]["id"]), Some(&w.organiser)).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body, actions[1]);

    // The minutes corrected: new topics replace the old, the summary stays, an action is added.
    let second = record(
        &w.app,
        &w.organiser,
        w.event,
        json!({"topics": ["pilot_projects"], "actions": [action("Invite the provincial council", "2027-01-15", "open")]}),
    )
    .await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.header("location"), Some(outcomes_path(w.event).as_str()));
    assert_eq!(second.body["topics"], json!(["pilot_projects"]));
    assert_eq!(second.body["summary"], body["summary"], "absent: kept");
    assert_eq!(
        titles(&second.body["actions"]),
        ["Report on the three pilot projects", "Map transport to Soria", "Invite the provincial council"],
        "added, in the order recorded"
    );
    let cleared = recorded(&w.app, &w.organiser, w.event, json!({"summary": null})).await;
    assert_eq!(cleared["summary"], Value::Null, "null: cleared");
    assert_eq!(cleared["topics"], json!(["pilot_projects"]));

    // The event's history: the outcome as recorded and corrected, each action once; no text.
    let admin = w.app.admin().await;
    let history = history_actions(&w.app, &admin, w.event).await;
    let kinds: Vec<&str> = history.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "published",
            "outcome_recorded",
            "action_created",
            "action_created",
            "outcome_recorded",
            "action_created",
            "outcome_recorded"
        ]
    );
    assert_eq!(
        history[2]["changes"],
        json!([{"field": "outcome.topics", "from": [], "to": ["rural_initiatives", "women_employment"]},
               {"field": "outcome.summary", "withheld": true}])
    );
    let new = &history[3]["changes"][0];
    assert_eq!(new["field"], format!("actions.{}", actions[0]["id"].as_str().unwrap()));
    assert_eq!(new["to"], json!({"status": "open", "due_on": "2027-03-01", "owner_organisation_id": null}));
    assert!(
        !serde_json::to_string(&history).unwrap().contains("pilot projects"),
        "no free text in the history"
    );
}

#[actix_web::test]
async fn each_bad_field_is_a_422_naming_it_and_records_nothing() {
    let w = world().await;
    let response = record(
        &w.app,
        &w.organiser,
        w.event,
        json!({
            "topics": ["Pilot Projects"],
            "summary": "ok",
            "actions": [
                {"title": "Both owners", "owner_name": "Diputación", "owner_organisation_id": w.org, "due_on": "2027-03-01"},
                {"title": "No owner", "due_on": "2027-03-01"},
                {"title": "", "owner_name": "   ", "due_on": "2027-03-01"}
            ]
        }),
    )
    .await;
    assert_eq!(response.status, 422, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("application/problem+json"));
    let fields: Vec<(String, String)> = response.field_errors();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(f, c)| (f.as_str(), c.as_str())).collect();
    assert_eq!(
        fields,
        [
            ("topics[0]", "invalid_topic"),
            ("actions[0].owner_organisation_id", "one_owner"),
            ("actions[1].owner_organisation_id", "owner_required"),
            ("actions[2].title", "blank"),
            ("actions[2].owner_name", "blank"),
        ]
    );
    let unknown = record(
        &w.app,
        &w.organiser,
        w.event,
        json!({"actions": [action("Fine", "2027-03-01", "open"),
                           {"title": "Who?", "owner_organisation_id": Uuid::now_v7(), "due_on": "2027-03-01"}]}),
    )
    .await;
    unknown.assert_problem(422, "unknown_organisation");
    assert_eq!(unknown.field_errors()[0].0, "actions[1].owner_organisation_id");
    for bad in [
        json!({"actions": [{"title": "No date", "owner_name": "X"}]}),
        json!({"actions": [{"title": "Bad date", "owner_name": "X", "due_on": "next spring"}]}),
        json!({"actions": [action("Bad status", "2027-03-01", "closed")]}),
        json!({"topics": null}),
        json!({"colour": "red"}),
    ] {
        let response = record(&w.app, &w.organiser, w.event, bad.clone()).await;
        assert_eq!(response.status, 422, "{bad}: {}", response.text);
    }
    let nothing = outcome(&w.app, &w.organiser, w.event).await;
    assert_eq!(
        nothing,
        json!({"event_id": w.event, "topics": [], "summary": null, "updated_at": null, "actions": []}),
        "nothing recorded"
    );
    let history = history_actions(&w.app, &w.organiser, w.event).await;
    assert_eq!(history.len(), 2, "created and published only: {history:?}");

    // A cancelled meeting has no outcome.
    let cancelled =
        create_event(&w.app, &w.organiser, meeting(w.org, "Plataforma de Soria", "Cancelled", 9)).await;
    let response =
        w.app.post(&format!("/api/v1/events/{cancelled}/cancel"), Some(&w.organiser), json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    record(&w.app, &w.organiser, cancelled, json!({"topics": ["x"]}))
        .await
        .assert_problem(409, "event_cancelled");
}

#[actix_web::test]
async fn only_the_events_organisers_and_admins_record_read_and_change_its_outcome() {
    let w = world().await;
    let other = w.app.organisation("Accem").await;
    let stranger = w.app.organiser_of(other).await;
    let partner = w.app.partner_of(w.org).await;
    let admin = w.app.admin().await;
    let body = json!({"actions": [action("Report", "2027-03-01", "open")]});
    record(&w.app, &stranger, w.event, body.clone()).await.assert_problem(403, "forbidden");
    record(&w.app, &partner, w.event, body.clone()).await.assert_problem(403, "forbidden");
    w.app.post(&outcomes_path(w.event), None, body.clone()).await.assert_problem(401, "unauthorized");
    record(&w.app, &w.organiser, Uuid::now_v7(), body.clone()).await.assert_problem(404, "not_found");
    // A draft exists only for its organisers.
    let draft = create_event(&w.app, &w.organiser, meeting(w.org, "Plataforma de Soria", "Draft", 10)).await;
    record(&w.app, &stranger, draft, body.clone()).await.assert_problem(404, "not_found");
    w.app.get(&outcomes_path(draft), Some(&stranger)).await.assert_problem(404, "not_found");
    w.app.get(&outcomes_path(w.event), Some(&stranger)).await.assert_problem(403, "forbidden");

    let made = recorded(&w.app, &admin, w.event, body).await;
    let id = &made["actions"][0]["id"];
    w.app.get(&action_path(id), Some(&stranger)).await.assert_problem(403, "forbidden");
    w.app
        .patch(&action_path(id), Some(&stranger), json!({"status": "done"}))
        .await
        .assert_problem(403, "forbidden");
    w.app
        .patch(&action_path(id), Some(&partner), json!({"status": "done"}))
        .await
        .assert_problem(403, "forbidden");
    w.app
        .patch(&action_path(&json!(Uuid::now_v7())), Some(&w.organiser), json!({"status": "done"}))
        .await
        .assert_problem(404, "not_found");
    let series = series_id(&w.app, &w.organiser, w.event).await;
    w.app.get(&series_actions(&series, ""), Some(&stranger)).await.assert_problem(403, "forbidden");
    w.app.get(&series_actions(&series, ""), Some(&partner)).await.assert_problem(403, "forbidden");
    assert_eq!(outcome(&w.app, &w.organiser, w.event).await["actions"][0]["status"], "open", "unchanged");
    let listed = w.app.get(&series_actions(&series, ""), Some(&admin)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
}

#[actix_web::test]
async fn a_patch_changes_an_action_checked_as_a_new_one_and_records_it_in_the_events_history() {
    let w = world().await;
    let accem = w.app.organisation("Accem").await;
    let made =
        recorded(&w.app, &w.organiser, w.event, json!({"actions": [action("Report", "2027-03-01", "open")]}))
            .await;
    let id = made["actions"][0]["id"].clone();
    let before = made["actions"][0].clone();

    let changed = w
        .app
        .patch(
            &action_path(&id),
            Some(&w.organiser),
            json!({"owner_organisation_id": accem, "due_on": "2027-04-01"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(
        (&changed.body["owner_organisation_id"], &changed.body["owner_name"]),
        (&json!(accem), &json!("Accem"))
    );
    assert_eq!(changed.body["due_on"], "2027-04-01");
    assert_eq!(
        (&changed.body["title"], &changed.body["status"]),
        (&before["title"], &before["status"]),
        "absent fields stay"
    );
    let back = w
        .app
        .patch(&action_path(&id), Some(&w.organiser), json!({"owner_name": "Diputación de Soria"}))
        .await;
    assert_eq!(
        (&back.body["owner_organisation_id"], &back.body["owner_name"]),
        (&Value::Null, &json!("Diputación de Soria"))
    );

    for (bad, field) in [
        (json!({"owner_name": "X", "owner_organisation_id": accem}), "owner_organisation_id"),
        (json!({"title": "two\nlines"}), "title"),
        (json!({"status": "closed"}), "status"),
        (json!({"status": null}), "status"),
    ] {
        let response = w.app.patch(&action_path(&id), Some(&w.organiser), bad.clone()).await;
        assert_eq!(response.status, 422, "{bad}: {}", response.text);
        assert_eq!(response.field_errors()[0].0, field, "{bad}");
    }
    w.app
        .patch(&action_path(&id), Some(&w.organiser), json!({"owner_organisation_id": Uuid::now_v7()}))
        .await
        .assert_problem(422, "unknown_organisation");
    let unchanged = w.app.get(&action_path(&id), Some(&w.organiser)).await;
    assert_eq!(unchanged.body, back.body, "refused changes change nothing");

    let entries = history_actions(&w.app, &w.organiser, w.event).await.len();
    let same = w.app.patch(&action_path(&id), Some(&w.organiser), json!({"due_on": "2027-04-01"})).await;
    assert_eq!(same.status, 200);
    assert_eq!(
        history_actions(&w.app, &w.organiser, w.event).await.len(),
        entries,
        "nothing changed, nothing recorded"
    );

    let done = w.app.patch(&action_path(&id), Some(&w.organiser), json!({"status": "done"})).await;
    assert_eq!(done.body["status"], "done");
    let history = history_actions(&w.app, &w.organiser, w.event).await;
    let last = history.last().unwrap();
    assert_eq!(last["action"], "action_updated");
    assert_eq!(
        last["changes"],
        json!([{"field": format!("actions.{}.status", id.as_str().unwrap()), "from": "open", "to": "done"}])
    );
    let owner_change = &history[history.len() - 2];
    assert_eq!(
        owner_change["changes"],
        json!([
            {"field": format!("actions.{}.owner_organisation_id", id.as_str().unwrap()), "from": accem, "to": null},
            {"field": format!("actions.{}.owner_name", id.as_str().unwrap()), "withheld": true}
        ])
    );
    // Reopening is a change like any other.
    let reopened = w.app.patch(&action_path(&id), Some(&w.organiser), json!({"status": "open"})).await;
    assert_eq!(reopened.body["status"], "open");
}

#[actix_web::test]
async fn a_series_lists_the_actions_of_its_events_by_due_date_filtered_and_paged() {
    let w = world().await;
    let later =
        create_event(&w.app, &w.organiser, meeting(w.org, "Plataforma de Soria", "Fourth roundtable", 30))
            .await;
    let teruel = create_event(&w.app, &w.organiser, meeting(w.org, "Mesa de Teruel", "Teruel", 3)).await;
    recorded(
        &w.app,
        &w.organiser,
        w.event,
        json!({"actions": [action("B", "2027-02-01", "open"), action("D", "2027-04-01", "done"),
                           action("A", "2027-01-01", "in_progress")]}),
    )
    .await;
    recorded(
        &w.app,
        &w.organiser,
        later,
        json!({"actions": [action("C", "2027-03-01", "open"), action("E", "2027-05-01", "dropped"),
                           action("B2", "2027-02-01", "open")]}),
    )
    .await;
    recorded(&w.app, &w.organiser, teruel, json!({"actions": [action("Teruel's", "2027-01-15", "open")]}))
        .await;
    let soria = series_id(&w.app, &w.organiser, w.event).await;

    let all = w.app.get(&series_actions(&soria, ""), Some(&w.organiser)).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(titles(&all.body["items"]), ["A", "B", "B2", "C", "D", "E"], "by due date, then by event");
    assert_eq!(all.body["next_cursor"], Value::Null);
    let b2 = &all.body["items"][2];
    assert_eq!(b2["event"]["id"], later.to_string());
    assert_eq!(b2["event"]["title"], "Fourth roundtable");
    assert!(b2["event"]["starts_at"].is_string());

    let open = w.app.get(&series_actions(&soria, "?status=open,in_progress"), Some(&w.organiser)).await;
    assert_eq!(titles(&open.body["items"]), ["A", "B", "B2", "C"]);
    let finished = w.app.get(&series_actions(&soria, "?status=done,dropped"), Some(&w.organiser)).await;
    assert_eq!(titles(&finished.body["items"]), ["D", "E"]);

    // Pages of two, following the cursor, filter kept.
    let mut seen = Vec::new();
    let mut query = "?status=open,in_progress,done&limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = w.app.get(&series_actions(&soria, &query), Some(&w.organiser)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        seen.extend(titles(&page.body["items"]).into_iter().map(str::to_owned));
        pages += 1;
        match page.body["next_cursor"].as_str() {
            Some(cursor) => query = format!("?status=open,in_progress,done&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!((seen, pages), (vec!["A", "B", "B2", "C", "D"].into_iter().map(String::from).collect(), 3));

    let first = w.app.get(&series_actions(&soria, "?limit=1"), Some(&w.organiser)).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let teruel_series = series_id(&w.app, &w.organiser, teruel).await;
    w.app
        .get(&series_actions(&teruel_series, &format!("?cursor={cursor}")), Some(&w.organiser))
        .await
        .assert_problem(400, "invalid_cursor");
    w.app
        .get(&series_actions(&soria, "?status=closed"), Some(&w.organiser))
        .await
        .assert_problem(422, "validation_failed");
    w.app
        .get(&series_actions(&Uuid::now_v7().to_string(), ""), Some(&w.organiser))
        .await
        .assert_problem(404, "not_found");
    let teruel_list = w.app.get(&series_actions(&teruel_series, ""), Some(&w.organiser)).await;
    assert_eq!(titles(&teruel_list.body["items"]), ["Teruel's"], "another series' actions stay there");
}

#[actix_web::test]
async fn the_organisations_subscribers_hear_action_created_and_action_updated_signed_and_partners_do_not() {
    let w = world_on(webhook_delivery::spawn_app(|_| {}).await).await;
    let mut receiver = Receiver::start().await;
    let hook = subscribe(
        &w.app,
        &w.organiser,
        &receiver.url("/organisation"),
        json!(["action.created", "action.updated"]),
    )
    .await;
    let partner = w.app.partner_of(w.org).await;
    let partner_hook =
        subscribe(&w.app, &partner, &receiver.url("/partner"), json!(["action.created", "action.updated"]))
            .await;
    let made =
        recorded(&w.app, &w.organiser, w.event, json!({"actions": [action("Report", "2027-03-01", "open")]}))
            .await;
    let id = made["actions"][0]["id"].as_str().unwrap().to_owned();
    let series = series_id(&w.app, &w.organiser, w.event).await;

    let created = receiver.next().await;
    assert_eq!(created.path, "/organisation");
    assert!(created.standard_signature_is_valid(&hook.secret) && created.signature_is_valid(&hook.secret));
    let body = created.json();
    assert_eq!(body["type"], "action.created");
    assert_eq!(body["event_id"], w.event.to_string());
    assert_eq!(body["registration_id"], Value::Null);
    assert_eq!(
        body["data"],
        json!({"action_id": id, "series_id": series, "status": "open", "previous_status": null,
               "due_on": "2027-03-01", "fields": []})
    );

    let changed = w
        .app
        .patch(
            &format!("/api/v1/actions/{id}"),
            Some(&w.organiser),
            json!({"status": "in_progress", "title": "Report on the pilots"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let updated = receiver.next().await;
    assert_eq!(updated.path, "/organisation");
    assert!(updated.standard_signature_is_valid(&hook.secret));
    let body = updated.json();
    assert_eq!(body["type"], "action.updated");
    assert_eq!(
        body["data"],
        json!({"action_id": id, "series_id": series, "status": "in_progress", "previous_status": "open",
               "due_on": "2027-03-01", "fields": ["title", "status"]})
    );
    assert!(!String::from_utf8_lossy(&updated.body).contains("pilots"), "no title in a message");
    // Deliveries are written in the change's transaction: none was written for the partner.
    let log = w.app.get(&format!("/api/v1/webhooks/{}/deliveries", partner_hook.id), Some(&partner)).await;
    assert_eq!(log.status, 200, "{}", log.text);
    assert_eq!(log.body["items"], json!([]), "a partner does not hear of the organisation's actions");
}

#[actix_web::test]
async fn the_next_events_report_shows_the_earlier_events_open_actions_and_not_finished_ones_nor_other_series()
{
    let w = world().await;
    let next =
        create_event(&w.app, &w.organiser, meeting(w.org, "Plataforma de Soria", "Fourth roundtable", 30))
            .await;
    let teruel = create_event(&w.app, &w.organiser, meeting(w.org, "Mesa de Teruel", "Teruel", 3)).await;
    let made = recorded(
        &w.app,
        &w.organiser,
        w.event,
        json!({"topics": ["pilot_projects"], "summary": "Follow the <pilots>.",
               "actions": [action("Report on the pilots", "2027-03-01", "open"),
                           action("Map transport", "2027-02-01", "in_progress"),
                           action("Hire a mediator", "2027-01-01", "done"),
                           action("Buy a bus", "2027-01-01", "dropped")]}),
    )
    .await;
    recorded(
        &w.app,
        &w.organiser,
        teruel,
        json!({"actions": [action("Teruel action", "2027-01-01", "open")]}),
    )
    .await;
    recorded(
        &w.app,
        &w.organiser,
        next,
        json!({"actions": [action("Next meeting's", "2027-06-01", "open")]}),
    )
    .await;

    let report = w.app.get(&format!("/api/v1/events/{next}/report"), Some(&w.organiser)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let previous = &report.body["previous_open_actions"];
    assert_eq!(titles(previous), ["Map transport", "Report on the pilots"], "open ones, by due date");
    assert_eq!(previous[0]["event"]["id"], w.event.to_string());
    assert_eq!(previous[0]["event"]["title"], "Third roundtable");
    assert_eq!(previous[0]["due_on"], "2027-02-01");
    assert_eq!(previous[0]["status"], "in_progress");
    assert_eq!(titles(&report.body["outcome"]["actions"]), ["Next meeting's"], "its own outcome");

    let own = w.app.get(&format!("/api/v1/events/{}/report", w.event), Some(&w.organiser)).await;
    assert_eq!(own.body["previous_open_actions"], json!([]), "nothing earlier in the series");
    assert_eq!(own.body["outcome"], made, "the outcome as recorded");

    // What is done is no longer shown: as of now.
    let report_id = &made["actions"][0]["id"];
    let done = w.app.patch(&action_path(report_id), Some(&w.organiser), json!({"status": "done"})).await;
    assert_eq!(done.status, 200, "{}", done.text);
    let report = w.app.get(&format!("/api/v1/events/{next}/report"), Some(&w.organiser)).await;
    assert_eq!(titles(&report.body["previous_open_actions"]), ["Map transport"]);

    // The page says the same, escaped.
    let page = w.app.get(&format!("/api/v1/events/{next}/report.html"), Some(&w.organiser)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    assert!(html.contains(r#"id="previous-open-actions""#), "{html}");
    assert!(html.contains("Map transport") && html.contains("Third roundtable"));
    for absent in ["Report on the pilots", "Hire a mediator", "Buy a bus", "Teruel action"] {
        assert!(!html.contains(absent), "{absent} is not shown");
    }
    let third = w.app.get(&format!("/api/v1/events/{}/report.html", w.event), Some(&w.organiser)).await;
    assert!(third.text.contains("Follow the &lt;pilots&gt;."), "{}", third.text);
    assert!(third.text.contains("pilot_projects"));
}

/// POST /events/{id}/outcomes with an `Idempotency-Key`.
async fn record_keyed(app: &TestApp, token: &str, event: Uuid, key: &str, body: &Value) -> Resp {
    app.post_keyed(&outcomes_path(event), token, key, body).await
}

#[actix_web::test]
async fn a_retry_with_the_same_idempotency_key_gets_the_first_answer_and_adds_no_action() {
    let w = world_on(webhook_delivery::spawn_app(|_| {}).await).await;
    let receiver = Receiver::start().await;
    let hook =
        subscribe(&w.app, &w.organiser, &receiver.url("/organisation"), json!(["action.created"])).await;
    let minutes = json!({"topics": ["rural_initiatives"], "summary": "Transport first.",
                         "actions": [action("Map transport to Soria", "2027-03-01", "open")]});

    let first = record_keyed(&w.app, &w.organiser, w.event, "minutes-2026-12-01", &minutes).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("Idempotent-Replayed"), None);
    // A timeout made the client send it again, and then again: both get the first answer.
    for _ in 0..2 {
        let retry = record_keyed(&w.app, &w.organiser, w.event, "minutes-2026-12-01", &minutes).await;
        assert_eq!(retry.status, 201, "{}", retry.text);
        assert_eq!(retry.body, first.body);
        assert_eq!(retry.header("Idempotent-Replayed"), Some("true"));
        assert_eq!(retry.header("Location"), first.header("Location"));
    }
    let now = outcome(&w.app, &w.organiser, w.event).await;
    assert_eq!(titles(&now["actions"]), ["Map transport to Soria"], "the action was added once");
    let created: Vec<_> = history_actions(&w.app, &w.organiser, w.event)
        .await
        .into_iter()
        .filter(|e| e["action"] == "action_created")
        .collect();
    assert_eq!(created.len(), 1, "one history entry");
    let log = w.app.get(&format!("/api/v1/webhooks/{}/deliveries", hook.id), Some(&w.organiser)).await;
    assert_eq!(log.status, 200, "{}", log.text);
    assert_eq!(log.body["items"].as_array().unwrap().len(), 1, "one action.created: {}", log.text);

    // The same key with another body, with the summary cleared instead of kept, or for another
    // event, is another request: refused, and nothing changes.
    let mut cleared = minutes.clone();
    cleared["summary"] = Value::Null;
    let mut kept = minutes.clone();
    kept.as_object_mut().unwrap().remove("summary");
    let other_event =
        create_event(&w.app, &w.organiser, meeting(w.org, "Plataforma de Soria", "Fourth roundtable", 14))
            .await;
    for (event, body) in [
        (w.event, json!({"actions": [action("Something else", "2027-04-01", "open")]})),
        (w.event, cleared),
        (w.event, kept),
        (other_event, minutes.clone()),
    ] {
        record_keyed(&w.app, &w.organiser, event, "minutes-2026-12-01", &body)
            .await
            .assert_problem(422, "idempotency_key_reused");
    }
    assert_eq!(outcome(&w.app, &w.organiser, w.event).await, now);
    assert_eq!(outcome(&w.app, &w.organiser, other_event).await["actions"], json!([]));

    // Keys belong to their caller: an admin's request with the same key is its own, and adds.
    let admin = w.app.admin().await;
    let by_admin = record_keyed(&w.app, &admin, w.event, "minutes-2026-12-01", &minutes).await;
    assert_eq!(by_admin.status, 200, "{}", by_admin.text);
    assert_eq!(by_admin.header("Idempotent-Replayed"), None);
    assert_eq!(titles(&by_admin.body["actions"]), ["Map transport to Soria", "Map transport to Soria"]);

    // A key that is not 1 to 255 printable ASCII characters is refused before anything is read.
    for bad in ["with space", &"k".repeat(256)] {
        record_keyed(&w.app, &w.organiser, w.event, bad, &minutes)
            .await
            .assert_problem(422, "invalid_idempotency_key");
    }
    assert_eq!(outcome(&w.app, &w.organiser, w.event).await["actions"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn simultaneous_requests_with_one_idempotency_key_add_the_actions_once_and_answer_alike() {
    let w = world().await;
    let minutes = json!({"actions": [action("Report on the pilots", "2027-03-01", "open"),
                                     action("Find a room in Almazán", "2027-02-01", "in_progress")]});
    let answers = futures_util::future::join_all(
        (0..8).map(|_| record_keyed(&w.app, &w.organiser, w.event, "minutes-at-once", &minutes)),
    )
    .await;
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}", answer.text);
        assert_eq!(answer.body, answers[0].body, "every request gets the first answer");
    }
    let replayed = answers.iter().filter(|a| a.header("Idempotent-Replayed") == Some("true")).count();
    assert_eq!(replayed, 7, "one request recorded, seven waited for it and were answered alike");
    let now = outcome(&w.app, &w.organiser, w.event).await;
    assert_eq!(now["actions"].as_array().unwrap().len(), 2);
}
