//! The platform's names kept for review go with the people they may be, with the event's
//! erasure, and with the retention purge.

use serde_json::json;

use super::*;
use crate::helpers::spawn_app;
use hybrid_events::app::erasure::purge_next;

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    line: i32,
    #[diesel(sql_type = Nullable<Text>)]
    platform_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    platform_email: Option<String>,
}

async fn waiting(app: &TestApp) -> Vec<(i32, Option<String>, Option<String>)> {
    diesel::sql_query(
        "SELECT line, platform_name, platform_email FROM attendance_import_rows
          WHERE status IN ('ambiguous', 'unmatched') ORDER BY line",
    )
    .load::<Waiting>(&mut app.conn().await)
    .await
    .unwrap()
    .into_iter()
    .map(|w| (w.line, w.platform_name, w.platform_email))
    .collect()
}

#[actix_web::test]
async fn erasing_a_candidate_forgets_the_ambiguous_name_and_erasing_the_event_forgets_them_all() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    let first = imported(&app, &r.organiser, r.event, "", ZOOM).await;
    let named = |line: i32, name: &str| (line, Some(name.to_owned()), None::<String>);
    assert_eq!(
        waiting(&app).await,
        [
            (5, Some("CEPAIM Soria".into()), Some("host@cepaim.example".into())),
            named(10, "Ana López"),
            named(13, "Omar Said"),
            named(14, "iPhone"),
        ]
    );

    let erased = app
        .delete(&format!("/api/v1/registrations/{}/personal-data", r.ids["Ana López 1"]), Some(&r.organiser))
        .await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    assert_eq!(waiting(&app).await[1], (10, None, None), "the name fitted the erased registration");
    assert_eq!(waiting(&app).await[2], named(13, "Omar Said"), "the others wait on");

    let whole = app.delete(&format!("/api/v1/events/{}/personal-data", r.event), Some(&r.organiser)).await;
    assert_eq!(whole.status, 204, "{}", whole.text);
    assert!(waiting(&app).await.iter().all(|(_, name, email)| name.is_none() && email.is_none()));
    let replay = import(&app, Some(&r.organiser), r.event, "", "text/csv", ZOOM).await;
    assert_eq!(replay.status, 200, "{}", replay.text);
    assert_eq!(replay.body["import_id"], first["import_id"]);
    assert_eq!(
        replay.body["unmatched"][2],
        json!({"row": 14, "name": null, "email": null, "phone": null, "minutes": 60})
    );
}

#[actix_web::test]
async fn the_retention_purge_forgets_names_kept_for_review_even_when_no_registration_is_left_to_erase() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    // Every registration erased first: a list imported then matches nobody, and keeps every
    // name for review.
    assert_eq!(
        app.delete(&format!("/api/v1/events/{}/personal-data", r.event), Some(&r.organiser)).await.status,
        204
    );
    let import = imported(&app, &r.organiser, r.event, "", ZOOM).await;
    assert_eq!(import["unmatched"].as_array().unwrap().len(), 9, "{import}");
    assert_eq!(waiting(&app).await.len(), 9);

    // Past the organisation's year of retention.
    crate::privacy::ended_days_ago(&app, r.event, 400).await;
    let mut conn = app.conn().await;
    let purged = purge_next(&mut conn, 100).await.unwrap().expect("the event is due for its review rows");
    assert_eq!(purged.registrations, 0);
    assert_eq!(purge_next(&mut conn, 100).await.unwrap(), None, "nothing more is due");
    assert!(waiting(&app).await.iter().all(|(_, name, email)| name.is_none() && email.is_none()));
}
