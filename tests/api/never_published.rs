//! An event that was never published exists only for its organisers and admins, cancelled
//! or not: cancelling a draft must not make it readable by anyone. One that was published
//! stays readable after it is cancelled, as before.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use hybrid_events::db;
use serde_json::json;
use uuid::Uuid;

use crate::database::revert_migrations_through;
use crate::fixtures::*;
use crate::helpers::{spawn_app, TestApp};

async fn cancel(app: &TestApp, token: &str, event: Uuid) {
    let response = app.post(&format!("/api/v1/events/{event}/cancel"), Some(token), json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["status"], "cancelled");
}

/// Every way an event is read: (path, whether it needs a caller).
fn reads(event: Uuid) -> [(String, bool); 3] {
    [
        (format!("/api/v1/events/{event}"), false),
        (format!("/api/v1/events/{event}/calendar.ics"), false),
        (format!("/api/v1/events/{event}/registrations"), true),
    ]
}

/// The ids of the events listed to `token` (anonymous without), all statuses asked for.
async fn listed(app: &TestApp, token: Option<&str>) -> Vec<String> {
    let mut ids = Vec::new();
    for status in ["", "?status=cancelled"] {
        let response = app.get(&format!("/api/v1/events{status}"), token).await;
        assert_eq!(response.status, 200, "{}", response.text);
        ids.extend(
            response.body["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()),
        );
    }
    ids
}

#[actix_web::test]
async fn a_cancelled_draft_is_404_to_everyone_but_its_organisers_and_admins() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let draft =
        create_event(&app, &organiser, with(roundtable(org), json!({"title": "Not announced yet"}))).await;
    cancel(&app, &organiser, draft).await;

    let partner = app.partner_of(org).await;
    let stranger = app.organiser_of(app.organisation("Accem").await).await;
    for (path, needs_caller) in reads(draft) {
        if !needs_caller {
            app.get(&path, None).await.assert_problem(404, "not_found");
        }
        app.get(&path, Some(&partner)).await.assert_problem(404, "not_found");
        app.get(&path, Some(&stranger)).await.assert_problem(404, "not_found");
    }
    for path in [format!("/api/v1/events/{draft}/report"), format!("/api/v1/events/{draft}/history")] {
        app.get(&path, Some(&stranger)).await.assert_problem(404, "not_found");
        app.get(&path, Some(&partner)).await.assert_problem(404, "not_found");
    }
    register(&app, &partner, draft, participant("online", false)).await.assert_problem(404, "not_found");
    let id = draft.to_string();
    for token in [None, Some(partner.as_str()), Some(stranger.as_str())] {
        assert!(!listed(&app, token).await.contains(&id));
    }

    let admin = app.admin().await;
    for token in [&organiser, &admin] {
        for (path, _) in reads(draft) {
            let response = app.get(&path, Some(token)).await;
            assert_eq!(response.status, 200, "{path}: {}", response.text);
        }
        let event = app.get(&format!("/api/v1/events/{draft}"), Some(token)).await;
        assert_eq!(event.body["status"], "cancelled");
        assert_eq!(event.body["title"], "Not announced yet");
        assert!(listed(&app, Some(token)).await.contains(&id));
    }
}

#[actix_web::test]
async fn a_published_then_cancelled_event_stays_readable_by_anyone() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    registered(&app, &partner, event, participant("online", false)).await;
    cancel(&app, &organiser, event).await;

    let read = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["status"], "cancelled");
    let calendar = app.get(&format!("/api/v1/events/{event}/calendar.ics"), None).await;
    assert_eq!(calendar.status, 200, "{}", calendar.text);
    assert!(calendar.text.contains("STATUS:CANCELLED"), "{}", calendar.text);

    let stranger = app.organiser_of(app.organisation("Accem").await).await;
    for (path, _) in reads(event) {
        let response = app.get(&path, Some(&partner)).await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
    }
    assert_eq!(app.get(&format!("/api/v1/events/{event}"), Some(&stranger)).await.status, 200);
    // Seen but not managed by another organisation's organiser: 403, as before.
    app.get(&format!("/api/v1/events/{event}/registrations"), Some(&stranger))
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/events/{event}/report"), Some(&stranger))
        .await
        .assert_problem(403, "forbidden");
}

#[derive(diesel::QueryableByName)]
struct Dates {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    /// Its first `published` history entry.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    history: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    updated_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    published_at: Option<DateTime<Utc>>,
}

async fn dates(conn: &mut AsyncPgConnection) -> Vec<Dates> {
    diesel::sql_query(
        "SELECT id, updated_at, published_at,
                (SELECT min(at) FROM event_history h WHERE h.event_id = e.id AND h.action = 'published') AS history
           FROM events e",
    )
    .load(conn)
    .await
    .unwrap()
}

/// Events from before `published_at` get theirs from the migration: a published event, and
/// a cancelled one whose history or registrations show it was published; a cancelled draft
/// stays unpublished.
#[actix_web::test]
async fn the_migration_marks_events_published_by_their_history_or_registrations() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let partner = app.partner_of(org).await;
    let draft = create_event(&app, &organiser, roundtable(org)).await;
    let cancelled_draft = create_event(&app, &organiser, roundtable(org)).await;
    cancel(&app, &organiser, cancelled_draft).await;
    let published = create_event(&app, &organiser, roundtable(org)).await;
    publish(&app, &organiser, published).await;
    let cancelled_with_history = create_event(&app, &organiser, roundtable(org)).await;
    publish(&app, &organiser, cancelled_with_history).await;
    cancel(&app, &organiser, cancelled_with_history).await;
    let cancelled_with_registrations = create_event(&app, &organiser, roundtable(org)).await;
    publish(&app, &organiser, cancelled_with_registrations).await;
    registered(&app, &partner, cancelled_with_registrations, participant("online", false)).await;
    cancel(&app, &organiser, cancelled_with_registrations).await;
    app.stop_server().await;

    let url = app.database.url();
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    let before = dates(&mut conn).await;
    let of = |id: Uuid| before.iter().find(|d| d.id == id).unwrap();
    // What the application records: publishing sets it, cancelling keeps it.
    assert!(of(published).published_at.is_some() && of(cancelled_with_history).published_at.is_some());
    assert_eq!((of(draft).published_at, of(cancelled_draft).published_at), (None, None));
    revert_migrations_through(&url, "20261129000070").await;
    // As if published before the history was kept: only its registrations tell.
    conn.batch_execute(&format!(
        "ALTER TABLE event_history DISABLE TRIGGER event_history_append_only;
         DELETE FROM event_history WHERE event_id = '{cancelled_with_registrations}';
         ALTER TABLE event_history ENABLE TRIGGER event_history_append_only;"
    ))
    .await
    .unwrap();
    db::run_migrations(&url).await.unwrap();

    let after = dates(&mut conn).await;
    let published_at = |id: Uuid| after.iter().find(|d| d.id == id).unwrap().published_at;
    assert_eq!(after.len(), 5);
    assert_eq!(published_at(draft), None);
    assert_eq!(published_at(cancelled_draft), None, "a cancelled draft was never published");
    assert!(of(published).history.is_some());
    assert_eq!(published_at(published), of(published).history);
    assert_eq!(published_at(cancelled_with_history), of(cancelled_with_history).history);
    assert_eq!(
        published_at(cancelled_with_registrations),
        Some(of(cancelled_with_registrations).updated_at),
        "its registrations show it was published; when, only roughly"
    );
}
