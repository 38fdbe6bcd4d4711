//! What the database itself still guarantees after the registration's write was made lighter
//! (migration 000160): closed vocabularies as domains, the counting trigger only where it
//! counts, the accessibility flag, and registrations that cannot be deleted (their history
//! lines and consents no longer carry a foreign key to them).

use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use serde_json::json;
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, TestApp};

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Flag {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    accessibility_requested: bool,
}

async fn flag(app: &TestApp, id: &str) -> bool {
    let mut conn = app.conn().await;
    diesel::sql_query(format!("SELECT accessibility_requested FROM registrations WHERE id = '{id}'"))
        .get_result::<Flag>(&mut conn)
        .await
        .unwrap()
        .accessibility_requested
}

/// The error PostgreSQL answers `sql` with (the statement must fail).
async fn refusal(app: &TestApp, sql: &str) -> String {
    let mut conn = app.conn().await;
    match conn.batch_execute(sql).await {
        Ok(()) => panic!("the database accepted: {sql}"),
        Err(error) => error.to_string(),
    }
}

#[actix_web::test]
async fn the_accessibility_flag_follows_the_notes_and_survives_erasure() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, starting_soon()).await;
    let without = registered(&app, &organiser, event, participant("online", false)).await;
    let with_notes = registered(
        &app,
        &organiser,
        event,
        with(participant("onsite", false), json!({"accessibility_notes": "Wheelchair user"})),
    )
    .await;
    let (without, with_notes) = (without["id"].as_str().unwrap(), with_notes["id"].as_str().unwrap());
    assert!(!flag(&app, without).await, "no notes, no flag");
    assert!(flag(&app, with_notes).await, "notes given at registration set the flag");

    // Notes added later set it; notes removed clear it.
    let response = app
        .patch(
            &format!("/api/v1/registrations/{without}"),
            Some(&organiser),
            json!({"accessibility_notes": "Hearing loop"}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(flag(&app, without).await, "notes added by PATCH set the flag");
    let response = app
        .patch(
            &format!("/api/v1/registrations/{without}"),
            Some(&organiser),
            json!({"accessibility_notes": null}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(!flag(&app, without).await, "notes removed by PATCH clear the flag");

    // A write that names neither (a check-in) keeps it as it was.
    let response =
        app.post(&format!("/api/v1/registrations/{with_notes}/check-in"), Some(&organiser), json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(flag(&app, with_notes).await);

    // Erasure clears the notes and keeps the count reports rely on.
    let response =
        app.delete(&format!("/api/v1/registrations/{with_notes}/personal-data"), Some(&organiser)).await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(flag(&app, with_notes).await, "erasure keeps the flag");
}

#[actix_web::test]
async fn registrations_cannot_be_deleted_and_vocabularies_stay_closed() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let registration = registered(&app, &organiser, event, participant("online", false)).await;
    let id: Uuid = registration["id"].as_str().unwrap().parse().unwrap();

    let deleted = refusal(&app, &format!("DELETE FROM registrations WHERE id = '{id}'")).await;
    assert!(deleted.contains("never deleted"), "{deleted}");
    let truncated = refusal(&app, "TRUNCATE registrations CASCADE").await;
    assert!(truncated.contains("never deleted"), "{truncated}");

    for (sql, domain) in [
        (format!("UPDATE registrations SET status = 'maybe' WHERE id = '{id}'"), "registration_status"),
        (format!("UPDATE registrations SET attendance_mode = 'hybrid' WHERE id = '{id}'"), "attendance_mode"),
        (format!("UPDATE registrations SET stakeholder_category = 'tourist' WHERE id = '{id}'"), "stakeholder_category"),
        (format!("UPDATE registrations SET no_show_reason = 'weather' WHERE id = '{id}'"), "no_show_reason"),
        (
            format!("UPDATE registrations SET checked_in_at = now(), check_in_source = 'psychic' WHERE id = '{id}'"),
            "check_in_source",
        ),
        (format!("UPDATE events SET status = 'postponed' WHERE id = '{event}'"), "event_status"),
        (
            format!(
                "INSERT INTO registration_history (registration_id, event_id, action, actor_kind, new_status, new_mode)
                 VALUES ('{id}', '{event}', 'teleported', 'system', 'confirmed', 'online')"
            ),
            "registration_action",
        ),
    ] {
        let refused = refusal(&app, &sql).await;
        assert!(refused.contains(&format!("domain {domain}")), "{sql}: {refused}");
    }

    // The table's own rules between columns are still checked.
    let refused = refusal(
        &app,
        &format!("UPDATE registrations SET needs_physical_space = true, attendance_mode = 'online' WHERE id = '{id}'"),
    )
    .await;
    assert!(refused.contains("physical_space_is_onsite"), "{refused}");
}
