//! The organiser's answers for the people an import could not match.

use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::helpers::spawn_app;

async fn resolve(app: &TestApp, token: &str, event: Uuid, import: &Value, body: Value) -> Resp {
    let import = import["import_id"].as_str().unwrap();
    app.post(&format!("/api/v1/events/{event}/online-attendance/{import}/resolve"), Some(token), body).await
}

#[derive(diesel::QueryableByName)]
struct Platform {
    #[diesel(sql_type = Nullable<Text>)]
    platform_name: Option<String>,
}

async fn platform_name(app: &TestApp, line: i32) -> Option<String> {
    diesel::sql_query("SELECT platform_name FROM attendance_import_rows WHERE line = $1")
        .bind::<diesel::sql_types::Integer, _>(line)
        .get_result::<Platform>(&mut app.conn().await)
        .await
        .unwrap()
        .platform_name
}

#[actix_web::test]
async fn resolving_an_ambiguous_row_checks_in_the_registration_named_and_forgets_the_platform_name() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    let import = imported(&app, &r.organiser, r.event, "", ZOOM).await;
    assert_eq!(platform_name(&app, 10).await.as_deref(), Some("Ana López"), "kept for the review");

    let ana = &r.ids["Ana López 2"];
    let resolved =
        resolve(&app, &r.organiser, r.event, &import, json!({"row": 10, "registration_id": ana})).await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    assert_eq!(resolved.body["ambiguous"], json!([]));
    assert_eq!([&resolved.body["matched"], &resolved.body["checked_in"]], [&json!(6), &json!(5)]);
    assert_eq!(
        stored_check_in(&app, ana).await,
        StoredCheckIn { source: Some("online_import".into()), minutes: Some(90) }
    );
    assert_eq!(history_actions(&app, &r.organiser, ana).await, ["created", "checked_in"]);
    assert_eq!(checked_in_at(&app, &r.organiser, &r.ids["Ana López 1"]).await, Value::Null);
    assert_eq!(platform_name(&app, 10).await, None, "forgotten once resolved");

    resolve(&app, &r.organiser, r.event, &import, json!({"row": 10, "registration_id": ana}))
        .await
        .assert_problem(409, "already_resolved");
    // Fatima, matched by her name, is no one's to resolve.
    resolve(&app, &r.organiser, r.event, &import, json!({"row": 11, "registration_id": ana}))
        .await
        .assert_problem(409, "already_resolved");
    // Line 9 is a rejoin, counted with the person of line 8.
    resolve(&app, &r.organiser, r.event, &import, json!({"row": 9, "registration_id": ana}))
        .await
        .assert_problem(422, "unknown_row");
    resolve(&app, &r.organiser, r.event, &import, json!({"row": 13, "registration_id": r.ids["Omar Said"]}))
        .await
        .assert_problem(422, "registration_not_eligible");
    resolve(&app, &r.organiser, r.event, &import, json!({"row": 13}))
        .await
        .assert_problem(422, "validation_failed");
    resolve(&app, &r.partner, r.event, &import, json!({"row": 13, "registration_id": null}))
        .await
        .assert_problem(403, "forbidden");
    let elsewhere = json!({"import_id": Uuid::now_v7()});
    resolve(&app, &r.organiser, r.event, &elsewhere, json!({"row": 13, "registration_id": null}))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(platform_name(&app, 13).await.as_deref(), Some("Omar Said"), "refusals change nothing");
}

#[actix_web::test]
async fn a_device_resolved_to_a_person_adds_its_minutes_and_nobody_dismisses_a_row() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    let import = imported(&app, &r.organiser, r.event, "", ZOOM).await;
    let fatima = &r.ids["Fatima Zahra"];
    assert_eq!(import["below_minimum"], 1);

    // Fatima's 20 minutes on her laptop and the 60 of "iPhone": 80, over the 45 minutes.
    let resolved =
        resolve(&app, &r.organiser, r.event, &import, json!({"row": 14, "registration_id": fatima})).await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    assert_eq!([&resolved.body["below_minimum"], &resolved.body["checked_in"]], [&json!(0), &json!(5)]);
    assert_eq!(
        stored_check_in(&app, fatima).await,
        StoredCheckIn { source: Some("online_import".into()), minutes: Some(80) }
    );

    let dismissed =
        resolve(&app, &r.organiser, r.event, &import, json!({"row": 5, "registration_id": null})).await;
    assert_eq!(dismissed.status, 200, "{}", dismissed.text);
    assert_eq!(rows(&dismissed.body, "unmatched"), [(13, json!("Omar Said"))]);
    assert_eq!(platform_name(&app, 5).await, None);
    assert_eq!(dismissed.body["matched"], 5, "nobody is no match");
}
