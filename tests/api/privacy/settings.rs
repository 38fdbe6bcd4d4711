//! `GET` and `PATCH /organisations/{id}`: the privacy settings of an organisation, and an
//! event's own `retention_days`.

use serde_json::json;

use crate::fixtures::{create_event, roundtable, with};
use crate::helpers::spawn_app;

#[actix_web::test]
async fn an_organisation_reads_back_its_privacy_settings_and_its_organisers_change_them() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let path = format!("/api/v1/organisations/{org}");

    let read = app.get(&path, Some(&organiser)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["id"], org.to_string());
    assert_eq!(read.body["name"], "CEPAIM");
    assert_eq!(read.body["retention_days"], 365, "the default retention is a year");
    assert_eq!(read.body["report_suppress_below"], json!(null), "no suppression by default");

    let changed =
        app.patch(&path, Some(&organiser), json!({"report_suppress_below": 5, "retention_days": 30})).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(
        (changed.body["report_suppress_below"].clone(), changed.body["retention_days"].clone()),
        (json!(5), json!(30))
    );
    let again = app.get(&path, Some(&app.admin().await)).await;
    assert_eq!(
        (again.body["report_suppress_below"].clone(), again.body["retention_days"].clone()),
        (json!(5), json!(30))
    );

    // null clears the threshold; an absent field stays as it is.
    let cleared = app.patch(&path, Some(&organiser), json!({"report_suppress_below": null})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(cleared.body["report_suppress_below"], json!(null));
    assert_eq!(cleared.body["retention_days"], 30);

    let list = app.get("/api/v1/organisations", Some(&organiser)).await;
    let listed =
        list.body["items"].as_array().unwrap().iter().find(|o| o["id"] == org.to_string()).unwrap().clone();
    assert_eq!(listed["retention_days"], 30, "lists carry the settings too");
}

#[actix_web::test]
async fn bad_privacy_settings_are_refused_by_field_and_change_nothing() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let path = format!("/api/v1/organisations/{org}");
    app.patch(&path, Some(&organiser), json!({"report_suppress_below": 5, "retention_days": 30})).await;

    let bad =
        app.patch(&path, Some(&organiser), json!({"report_suppress_below": 0, "retention_days": 0})).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(
        bad.field_errors(),
        [
            ("report_suppress_below".to_owned(), "out_of_range".to_owned()),
            ("retention_days".to_owned(), "out_of_range".to_owned())
        ]
    );
    // One bad value and one good one: neither is written.
    let half = app
        .patch(&path, Some(&organiser), json!({"report_suppress_below": 1001, "retention_days": 60}))
        .await;
    half.assert_problem(422, "validation_failed");
    assert_eq!(half.field_errors(), [("report_suppress_below".to_owned(), "out_of_range".to_owned())]);
    for body in [
        json!({"retention_days": 36501}),
        json!({"retention_days": null}),
        json!({"retention_days": "30"}),
        json!({"name": "other"}),
    ] {
        let refused = app.patch(&path, Some(&organiser), body.clone()).await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.text);
    }
    let read = app.get(&path, Some(&organiser)).await;
    assert_eq!(
        (read.body["report_suppress_below"].clone(), read.body["retention_days"].clone()),
        (json!(5), json!(30))
    );
}

#[actix_web::test]
async fn only_the_organisations_organisers_and_admins_see_and_change_its_settings() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let other = app.organisation("Other").await;
    let path = format!("/api/v1/organisations/{org}");
    let body = json!({"retention_days": 2});
    for token in [app.organiser_of(other).await, app.partner_of(org).await] {
        app.get(&path, Some(&token)).await.assert_problem(403, "forbidden");
        app.patch(&path, Some(&token), body.clone()).await.assert_problem(403, "forbidden");
    }
    app.get(&path, None).await.assert_problem(401, "unauthorized");
    let unknown = format!("/api/v1/organisations/{}", uuid::Uuid::now_v7());
    app.get(&unknown, Some(&app.admin().await)).await.assert_problem(404, "not_found");
    app.patch(&unknown, Some(&app.admin().await), body).await.assert_problem(404, "not_found");
    assert_eq!(app.get(&path, Some(&app.admin().await)).await.body["retention_days"], 365);
}

#[actix_web::test]
async fn an_event_keeps_its_own_retention_and_gives_it_back_to_the_organisation() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = create_event(&app, &organiser, with(roundtable(org), json!({"retention_days": 30}))).await;
    let path = format!("/api/v1/events/{event}");
    assert_eq!(app.get(&path, Some(&organiser)).await.body["retention_days"], 30);

    let refused = app.patch(&path, Some(&organiser), json!({"retention_days": 0})).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.field_errors(), [("retention_days".to_owned(), "out_of_range".to_owned())]);
    let created = app
        .post("/api/v1/events", Some(&organiser), with(roundtable(org), json!({"retention_days": 40000})))
        .await;
    assert_eq!(created.field_errors(), [("retention_days".to_owned(), "out_of_range".to_owned())]);

    let changed = app.patch(&path, Some(&organiser), json!({"retention_days": 7})).await;
    assert_eq!(changed.body["retention_days"], 7, "{}", changed.text);
    let back = app.patch(&path, Some(&organiser), json!({"retention_days": null})).await;
    assert_eq!(back.body["retention_days"], json!(null), "null: the organisation's retention applies");
    let updates = super::entries(&app, &organiser, event, "updated").await;
    let changes: Vec<_> = updates.iter().map(|u| u["changes"][0].clone()).collect();
    assert_eq!(
        changes,
        [
            json!({"field": "retention_days", "from": 30, "to": 7}),
            json!({"field": "retention_days", "from": 7, "to": null})
        ]
    );
}
