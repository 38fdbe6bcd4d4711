//! What the database itself still guarantees after the registration's write was made lighter
//! (migrations 000160 and 000170): closed vocabularies and the rules of single numbers as
//! domains, the rules between columns in triggers that refuse as the CHECK constraints did,
//! the counting trigger only where it counts, the accessibility flag, and registrations that
//! cannot be deleted (their history lines and consents no longer carry a foreign key to them).

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

/// The kind and constraint name of the error PostgreSQL answers `sql` with, and its message.
async fn refused_by(app: &TestApp, sql: &str) -> (diesel::result::DatabaseErrorKind, String, String) {
    let mut conn = app.conn().await;
    match conn.batch_execute(sql).await {
        Ok(()) => panic!("the database accepted: {sql}"),
        Err(diesel::result::Error::DatabaseError(kind, info)) => {
            (kind, info.constraint_name().unwrap_or_default().to_owned(), info.message().to_owned())
        }
        Err(other) => panic!("{sql}: {other}"),
    }
}

#[actix_web::test]
async fn rules_between_columns_refuse_as_check_constraints_and_numbers_stay_in_range() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let registration = registered(&app, &organiser, event, participant("online", false)).await;
    let id = registration["id"].as_str().unwrap();
    let update = |set: &str| format!("UPDATE registrations SET {set} WHERE id = '{id}'");

    // Moved from CHECK constraints into the BEFORE triggers of migration 000170: the same
    // SQLSTATE, constraint name and wording a client or an operator saw before.
    let cases = [
        (update("checked_in_at = now()"), "check_in_has_its_source"),
        (update("check_in_minutes = 5"), "minutes_only_with_a_check_in"),
        (
            update("status = 'waitlisted', checked_in_at = now(), check_in_source = 'manual'"),
            "only_confirmed_check_in",
        ),
        (update("needs_physical_space = true"), "physical_space_is_onsite"),
        (update("place_id = gen_random_uuid()"), "place_is_onsite"),
        (
            update("checked_in_at = now(), check_in_source = 'manual', no_show_reason = 'transport'"),
            "no_show_only_without_a_check_in",
        ),
        (format!("UPDATE events SET ends_at = starts_at WHERE id = '{event}'"), "ends_after_start"),
        (
            format!("UPDATE events SET online_offered = false, onsite_offered = false WHERE id = '{event}'"),
            "has_a_mode",
        ),
        (
            format!("UPDATE events SET onsite_reserved = onsite_capacity + 1 WHERE id = '{event}'"),
            "reserved_within_capacity",
        ),
    ];
    for (sql, rule) in cases {
        let (kind, constraint, message) = refused_by(&app, &sql).await;
        assert!(matches!(kind, diesel::result::DatabaseErrorKind::CheckViolation), "{sql}: {kind:?}");
        assert_eq!(constraint, rule, "{sql}");
        assert!(message.contains(&format!("violates check constraint \"{rule}\"")), "{sql}: {message}");
    }

    // The rules of single numbers, now domains.
    for (sql, domain) in [
        (format!("UPDATE events SET onsite_capacity = -1 WHERE id = '{event}'"), "non_negative_count"),
        (format!("UPDATE events SET online_capacity = -1 WHERE id = '{event}'"), "non_negative_count"),
        (format!("UPDATE events SET retention_days = 0 WHERE id = '{event}'"), "retention_days"),
        (
            format!("UPDATE events SET online_attendance_min_minutes = 1441 WHERE id = '{event}'"),
            "attendance_min_minutes",
        ),
        (format!("UPDATE organisations SET retention_days = 36501 WHERE id = '{org}'"), "retention_days"),
        (
            update("checked_in_at = now(), check_in_source = 'manual', check_in_minutes = -1"),
            "non_negative_count",
        ),
    ] {
        let refused = refusal(&app, &sql).await;
        assert!(refused.contains(&format!("domain {domain}")), "{sql}: {refused}");
    }

    // A write that keeps every rule still goes through, and the seat rules are still CHECKs.
    let mut conn = app.conn().await;
    conn.batch_execute(&update("checked_in_at = now(), check_in_source = 'manual', check_in_minutes = 90"))
        .await
        .expect("a check-in with its source and minutes");
    let (kind, constraint, _) =
        refused_by(&app, &format!("UPDATE events SET online_capacity = 0 WHERE id = '{event}'")).await;
    assert!(matches!(kind, diesel::result::DatabaseErrorKind::CheckViolation));
    assert_eq!(constraint, "online_not_overbooked");
}
