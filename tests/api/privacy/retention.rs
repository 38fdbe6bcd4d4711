//! Retention: personal data is purged `retention_days` after an event ends (the event's own,
//! else its organisation's), by a background job that records counts and keeps what reports
//! count.

use diesel_async::{AnsiTransactionManager, TransactionManager};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::{participant, published_event, registered};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::receiver::eventually;
use hybrid_events::app::erasure::purge_next;

async fn full_name(app: &TestApp, token: &str, registration: &str) -> Value {
    let read = app.get(&format!("/api/v1/registrations/{registration}"), Some(token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    read.body["participant"]["full_name"].clone()
}

/// `n` registrations of `event` by a partner of `org`; their ids.
async fn register_people(app: &TestApp, org: Uuid, event: Uuid, n: usize) -> Vec<String> {
    let partner = app.partner_of(org).await;
    let mut ids = Vec::new();
    for i in 0..n {
        let mode = if i % 2 == 0 { "online" } else { "onsite" };
        ids.push(
            registered(app, &partner, event, participant(mode, i == 1)).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    ids
}

#[actix_web::test]
async fn the_retention_job_purges_names_after_the_retention_and_the_report_counts_stay() {
    // The job runs every second, as it would every hour.
    let app = spawn_app_with(|settings| settings.retention_sweep_seconds = 1).await;
    let (org, organiser, short) = published_event(&app, json!({"retention_days": 1})).await;
    let by_organisation =
        crate::fixtures::create_event(&app, &organiser, crate::fixtures::roundtable(org)).await;
    crate::fixtures::publish(&app, &organiser, by_organisation).await;
    let kept = crate::fixtures::create_event(&app, &organiser, crate::fixtures::roundtable(org)).await;
    crate::fixtures::publish(&app, &organiser, kept).await;
    // Another organisation's event, with the default year of retention.
    let (other_org, other_organiser, elsewhere) = published_event(&app, json!({})).await;

    let short_ids = register_people(&app, org, short, 3).await;
    let by_organisation_ids = register_people(&app, org, by_organisation, 2).await;
    let kept_ids = register_people(&app, org, kept, 2).await;
    let elsewhere_ids = register_people(&app, other_org, elsewhere, 2).await;
    let counted = super::report_counts(&app, &organiser, short).await;

    // The organisation keeps data for 3 days, `short` for 1; all four ended 2 days ago.
    let settings = app
        .patch(&format!("/api/v1/organisations/{org}"), Some(&organiser), json!({"retention_days": 3}))
        .await;
    assert_eq!(settings.status, 200, "{}", settings.text);
    for event in [short, by_organisation, kept, elsewhere] {
        super::ended_days_ago(&app, event, 2).await;
    }
    let counted_after_end = super::report_counts(&app, &organiser, short).await;
    assert_eq!(counted_after_end["totals"]["confirmed"], counted["totals"]["confirmed"]);

    eventually("the purge of the event past its retention", || async {
        let erased = full_name(&app, &organiser, &short_ids[2]).await == Value::Null;
        erased.then_some(())
    })
    .await;
    for id in &short_ids {
        assert_eq!(full_name(&app, &organiser, id).await, Value::Null, "{id}");
    }
    // The organisation's 3 days have not passed for the other event, nor a year elsewhere.
    for id in by_organisation_ids.iter().chain(&kept_ids) {
        assert_eq!(full_name(&app, &organiser, id).await, "Amina", "{id}");
    }
    for id in &elsewhere_ids {
        assert_eq!(full_name(&app, &other_organiser, id).await, "Amina", "{id}");
    }
    let csv = app.get(&format!("/api/v1/events/{short}/attendance.csv"), Some(&organiser)).await;
    assert_eq!(csv.status, 200);
    assert!(!csv.text.contains("Amina"), "{}", csv.text);
    assert_eq!(
        super::report_counts(&app, &organiser, short).await,
        counted_after_end,
        "reports count everyone still"
    );

    let purges = super::entries(&app, &organiser, short, "retention_purged").await;
    assert_eq!(purges.len(), 1, "{purges:?}");
    assert_eq!(
        (purges[0]["actor_kind"].clone(), purges[0]["actor_id"].clone()),
        (json!("system"), Value::Null)
    );
    assert_eq!(purges[0]["changes"], json!([{"field": "registrations_erased", "from": null, "to": 3}]));
    let history = app.get(&format!("/api/v1/registrations/{}/history", short_ids[0]), Some(&organiser)).await;
    let last = history.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].clone(), last["actor_kind"].clone()), (json!("erased"), json!("system")));

    // Once the organisation's retention has passed too, its other event goes the same way.
    super::ended_days_ago(&app, by_organisation, 4).await;
    eventually("the purge by the organisation's retention", || async {
        (full_name(&app, &organiser, &by_organisation_ids[1]).await == Value::Null).then_some(())
    })
    .await;
    assert_eq!(full_name(&app, &organiser, &kept_ids[0]).await, "Amina");
}

#[actix_web::test]
async fn the_purge_goes_in_bounded_batches_and_skips_an_event_another_process_holds() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({"retention_days": 1})).await;
    let ids = register_people(&app, org, event, 5).await;
    super::ended_days_ago(&app, event, 2).await;

    // Another process holds the event (a request changing it, or another purge): skipped.
    let mut holder = app.conn().await;
    AnsiTransactionManager::begin_transaction(&mut *holder).await.unwrap();
    hybrid_events::db::events::lock(&mut holder, event).await.unwrap().unwrap();
    let mut conn = app.conn().await;
    assert_eq!(purge_next(&mut conn, 2).await.unwrap(), None, "a held event is skipped, not waited for");
    AnsiTransactionManager::rollback_transaction(&mut *holder).await.unwrap();

    let mut batches = Vec::new();
    while let Some(erased) = purge_next(&mut conn, 2).await.unwrap() {
        assert_eq!(erased.event.0, event);
        batches.push(erased.registrations);
    }
    assert_eq!(batches, [2, 2, 1]);
    for id in &ids {
        assert_eq!(full_name(&app, &organiser, id).await, Value::Null, "{id}");
    }
    let purges = super::entries(&app, &organiser, event, "retention_purged").await;
    let counts: Vec<_> = purges.iter().map(|p| p["changes"][0]["to"].clone()).collect();
    assert_eq!(counts, [json!(2), json!(2), json!(1)]);
}
