//! Importing a participant list: who is checked in, with what source and minutes, who waits
//! for the organiser, and that nothing is imported twice or overwritten.

use serde_json::{json, Value};

use super::*;
use crate::helpers::{spawn_app, until_a_statement_waits_for_a_lock};

#[actix_web::test]
async fn a_zoom_list_checks_in_those_matched_who_stayed_long_enough_and_leaves_the_rest_to_the_organiser() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    let answer = imported(&app, &r.organiser, r.event, "?format=zoom", ZOOM).await;

    assert_eq!(answer["format"], "zoom");
    assert_eq!(answer["min_minutes"], 45, "a quarter of the three hours");
    assert_eq!(answer["rows"], 10, "every row of the table, the rejoin included");
    assert_eq!(
        [&answer["matched"], &answer["checked_in"], &answer["already_checked_in"], &answer["below_minimum"]],
        [&json!(5), &json!(4), &json!(0), &json!(1)],
        "{answer}"
    );
    assert_eq!(answer["ambiguous"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(answer["ambiguous"][0]["row"], 10);
    assert_eq!(answer["ambiguous"][0]["name"], "Ana López");
    assert_eq!(answer["ambiguous"][0]["minutes"], 90);
    let mut candidates: Vec<String> = answer["ambiguous"][0]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    candidates.sort();
    let mut anas = vec![r.ids["Ana López 1"].clone(), r.ids["Ana López 2"].clone()];
    anas.sort();
    assert_eq!(candidates, anas);
    assert_eq!(
        rows(&answer, "unmatched"),
        [(5, json!("CEPAIM Soria")), (13, json!("Omar Said")), (14, json!("iPhone"))],
        "the host, someone at the main venue (no list names them), and a device"
    );
    assert_eq!(answer["unmatched"][0]["email"], "host@cepaim.example");

    for (name, minutes) in
        [("Amina Haddad", 121), ("Karim Benali", 51), ("Álvaro Ruiz Gómez", 75), ("Youssef El Amrani", 150)]
    {
        let id = &r.ids[name];
        assert_ne!(checked_in_at(&app, &r.organiser, id).await, Value::Null, "{name}");
        assert_eq!(
            stored_check_in(&app, id).await,
            StoredCheckIn { source: Some("online_import".into()), minutes: Some(minutes) },
            "{name}"
        );
        assert_eq!(history_actions(&app, &r.organiser, id).await, ["created", "checked_in"], "{name}");
    }
    let history = app
        .get(&format!("/api/v1/registrations/{}/history", r.ids["Amina Haddad"]), Some(&r.organiser))
        .await;
    let entry = &history.body["items"][1];
    assert_eq!(entry["action"], "checked_in", "{}", history.text);
    assert_eq!(entry["changes"][0]["field"], "check_in");
    assert_eq!(
        [&entry["changes"][0]["to"]["source"], &entry["changes"][0]["to"]["minutes"]],
        [&json!("online_import"), &json!(121)],
        "the history says how: {}",
        history.text
    );
    for name in ["Fatima Zahra", "Ana López 1", "Ana López 2", "Omar Said"] {
        assert_eq!(checked_in_at(&app, &r.organiser, &r.ids[name]).await, Value::Null, "{name}");
        assert_eq!(history_actions(&app, &r.organiser, &r.ids[name]).await, ["created"], "{name}");
    }
    let report = app.get(&format!("/api/v1/events/{}/report", r.event), Some(&r.organiser)).await;
    assert_eq!(report.body["totals"]["attended"], 4, "{}", report.text);
}

#[actix_web::test]
async fn the_same_file_imported_twice_changes_nothing() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    let first = imported(&app, &r.organiser, r.event, "", ZOOM).await;
    let again =
        import(&app, Some(&r.organiser), r.event, "?format=zoom&min_minutes=10", "text/csv", ZOOM).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body, first, "the first import, with its own minimum");
    assert_eq!(count(&app, "attendance_imports").await, 1);
    assert_eq!(checked_in_at(&app, &r.organiser, &r.ids["Fatima Zahra"]).await, Value::Null);
    assert_eq!(history_actions(&app, &r.organiser, &r.ids["Amina Haddad"]).await, ["created", "checked_in"]);
}

#[actix_web::test]
async fn a_check_in_at_the_door_or_by_hand_is_kept_and_a_minimum_asked_for_applies() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    let by_hand = app
        .post(
            &format!("/api/v1/registrations/{}/check-in", r.ids["Amina Haddad"]),
            Some(&r.organiser),
            json!({}),
        )
        .await;
    assert_eq!(by_hand.status, 200, "{}", by_hand.text);
    let at = by_hand.body["checked_in_at"].clone();

    let answer = imported(&app, &r.organiser, r.event, "?min_minutes=20", ZOOM).await;
    assert_eq!(answer["min_minutes"], 20);
    assert_eq!(
        [&answer["matched"], &answer["checked_in"], &answer["already_checked_in"], &answer["below_minimum"]],
        [&json!(5), &json!(4), &json!(1), &json!(0)],
        "{answer}"
    );
    assert_eq!(checked_in_at(&app, &r.organiser, &r.ids["Amina Haddad"]).await, at);
    assert_eq!(stored_check_in(&app, &r.ids["Amina Haddad"]).await.source.as_deref(), Some("manual"));
    assert_eq!(
        stored_check_in(&app, &r.ids["Fatima Zahra"]).await,
        StoredCheckIn { source: Some("online_import".into()), minutes: Some(20) },
        "20 minutes reach a minimum of 20"
    );
}

#[actix_web::test]
async fn the_events_own_minimum_applies_when_the_import_asks_for_none() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    // Set as the event's setting would be (its PATCH is another part of the issue).
    diesel::sql_query("UPDATE events SET online_attendance_min_minutes = 100 WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(r.event)
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    let answer = imported(&app, &r.organiser, r.event, "", ZOOM).await;
    assert_eq!(answer["min_minutes"], 100);
    assert_eq!([&answer["checked_in"], &answer["below_minimum"]], [&json!(2), &json!(3)], "{answer}");
}

#[actix_web::test]
async fn teams_bigbluebutton_and_generic_exports_are_read_whatever_their_encoding_and_separator() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    let teams = imported(&app, &r.organiser, r.event, "?format=auto", TEAMS).await;
    assert_eq!(teams["format"], "teams", "UTF-16LE, tab-separated, after its summary block");
    assert_eq!([&teams["matched"], &teams["checked_in"]], [&json!(4), &json!(3)], "{teams}");
    assert_eq!(rows(&teams, "unmatched"), [(11, json!("CEPAIM Soria")), (16, json!("iPhone (Guest)"))]);
    assert_eq!(
        stored_check_in(&app, &r.ids["Karim Benali"]).await,
        StoredCheckIn { source: Some("online_import".into()), minutes: Some(50) },
        "\"Karim Benali (Guest)\" by his name, 50m 30s"
    );

    let bbb = imported(&app, &r.organiser, r.event, "?format=bigbluebutton", BIGBLUEBUTTON).await;
    assert_eq!(bbb["format"], "bigbluebutton");
    assert_eq!(
        [&bbb["matched"], &bbb["already_checked_in"], &bbb["below_minimum"]],
        [&json!(3), &json!(2), &json!(1)]
    );

    // The generic list (semicolons, a BOM) sent as a browser's form upload.
    let form = reqwest::multipart::Form::new()
        .text("note", "typed up from the sign-in sheet")
        .part("file", reqwest::multipart::Part::bytes(GENERIC.to_vec()).file_name("sheet.csv"));
    let response = app
        .client
        .post(app.url(&format!("/api/v1/events/{}/online-attendance?format=generic", r.event)))
        .bearer_auth(&r.organiser)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let generic = crate::helpers::read(response).await;
    assert_eq!(generic.status, 201, "{}", generic.text);
    assert_eq!([&generic.body["format"], &generic.body["matched"]], [&json!("generic"), &json!(3)]);
    assert_eq!(count(&app, "attendance_imports").await, 3);
}

#[actix_web::test]
async fn only_the_events_organisers_import_and_only_once_it_has_started() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    import(&app, Some(&r.partner), r.event, "", "text/csv", ZOOM).await.assert_problem(403, "forbidden");
    let other = app.organisation("Another NGO").await;
    let stranger = app.organiser_of(other).await;
    import(&app, Some(&stranger), r.event, "", "text/csv", ZOOM).await.assert_problem(403, "forbidden");
    import(&app, None, r.event, "", "text/csv", ZOOM).await.assert_problem(401, "unauthorized");
    import(&app, Some(&r.organiser), uuid::Uuid::now_v7(), "", "text/csv", ZOOM)
        .await
        .assert_problem(404, "not_found");

    let (_, organiser, upcoming) = crate::fixtures::published_event(&app, json!({})).await;
    import(&app, Some(&organiser), upcoming, "", "text/csv", ZOOM)
        .await
        .assert_problem(409, "event_not_started");
    let admin = app.admin().await;
    assert_eq!(import(&app, Some(&admin), r.event, "", "text/csv", ZOOM).await.status, 201, "admins may");
}

/// The list is matched before the event is locked: a registration moved to the main venue in
/// between is matched, and still not checked in (the list says nothing of who came to the
/// room).
#[actix_web::test]
async fn a_registration_moved_onsite_while_the_import_waits_for_the_event_is_not_checked_in() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

    let app = spawn_app().await;
    let r = roundtable(&app).await;
    let amina = r.ids["Amina Haddad"].clone();
    let mut holder = AsyncPgConnection::establish(&app.database.url()).await.unwrap();
    holder
        .batch_execute(&format!("BEGIN; SELECT 1 FROM events WHERE id = '{}' FOR UPDATE", r.event))
        .await
        .unwrap();

    let importing = import(&app, Some(&r.organiser), r.event, "?format=zoom", "text/csv", ZOOM);
    let cancelling = async {
        until_a_statement_waits_for_a_lock(&app, "the import").await;
        holder
            .batch_execute(&format!(
                "UPDATE registrations SET attendance_mode = 'onsite' WHERE id = '{amina}'; COMMIT"
            ))
            .await
            .unwrap();
    };
    let (answer, ()) = tokio::join!(importing, cancelling);

    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.body["checked_in"], 3, "the three others matched who stayed: {}", answer.text);
    assert_eq!(checked_in_at(&app, &r.organiser, &amina).await, Value::Null);
    assert_eq!(stored_check_in(&app, &amina).await, StoredCheckIn { source: None, minutes: None });
}
