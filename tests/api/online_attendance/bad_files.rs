//! Files the import cannot read: a 422 naming the problem (and its line and column where
//! there is one), and nothing written.

use serde_json::{json, Value};

use super::*;
use crate::helpers::{spawn_app, spawn_app_with};

fn detail(response: &Resp) -> String {
    response.body["detail"].as_str().unwrap_or_default().to_owned()
}

#[actix_web::test]
async fn bad_files_are_refused_with_a_422_naming_the_problem_and_nothing_is_written() {
    let app = spawn_app_with(|settings| settings.max_import_bytes = 4096).await;
    let r = roundtable(&app).await;
    let token = Some(r.organiser.as_str());
    let refused = |query: &'static str, content_type: &'static str, file: Vec<u8>| {
        let app = &app;
        let event = r.event;
        async move { import(app, token, event, query, content_type, &file).await }
    };

    let empty = refused("", "text/csv", b"\r\n\r\n".to_vec()).await;
    empty.assert_problem(422, "empty_file");
    let latin1 = refused("", "text/csv", b"name,minutes\nAmina,50\nJos\xe9,50\n".to_vec()).await;
    latin1.assert_problem(422, "unsupported_encoding");
    assert!(detail(&latin1).starts_with("Line 3: the file is not UTF-8 text"), "{}", latin1.text);
    assert_eq!(latin1.field_errors(), [("body".to_owned(), "unsupported_encoding".to_owned())]);
    refused("", "text/csv", b"Amina Haddad,121\nKarim,51\n".to_vec()).await.assert_problem(422, "no_header");
    let wrong = refused("?format=zoom", "text/csv", TEAMS.to_vec()).await;
    wrong.assert_problem(422, "wrong_format");
    assert!(
        detail(&wrong).starts_with("Line 10 is the header of a teams participant list"),
        "{}",
        wrong.text
    );
    let missing = refused(
        "?format=zoom",
        "text/csv",
        b"Name (Original Name),User Email,Join Time\nAmina,,x\n".to_vec(),
    )
    .await;
    missing.assert_problem(422, "missing_columns");
    assert!(detail(&missing).contains("\"duration (minutes)\""), "{}", missing.text);
    let duration =
        refused("", "text/csv", b"name,minutes\nAmina Haddad,121\nKarim Benali,an hour\n".to_vec()).await;
    duration.assert_problem(422, "invalid_duration");
    assert_eq!(detail(&duration), "Line 3, column 2: \"an hour\" is not a duration.");
    let mut large = b"name,minutes\n".to_vec();
    while large.len() <= 4096 {
        large.extend_from_slice(b"Amina Haddad,121\n");
    }
    let too_large = refused("", "text/csv", large).await;
    too_large.assert_problem(422, "file_too_large");
    assert!(detail(&too_large).contains("4096 bytes"), "{}", too_large.text);
    refused("", "application/json", b"{}".to_vec()).await.assert_problem(415, "unsupported_media_type");
    refused("?min_minutes=0", "text/csv", ZOOM.to_vec()).await.assert_problem(422, "validation_failed");
    let format = refused("?format=excel", "text/csv", ZOOM.to_vec()).await;
    format.assert_problem(422, "validation_failed");
    assert_eq!(format.field_errors()[0].1, "invalid_query", "{}", format.text);

    assert_eq!(count(&app, "attendance_imports").await, 0);
    assert_eq!(count(&app, "attendance_import_rows").await, 0);
    assert_eq!(checked_in_at(&app, &r.organiser, &r.ids["Amina Haddad"]).await, Value::Null);
    assert_eq!(history_actions(&app, &r.organiser, &r.ids["Amina Haddad"]).await, ["created"]);
    // The same list, readable, is imported.
    let fine = refused("", "text/csv", b"name,minutes\nAmina Haddad,121\n".to_vec()).await;
    assert_eq!((fine.status, &fine.body["checked_in"]), (201, &json!(1)), "{}", fine.text);
}

#[actix_web::test]
async fn a_form_without_a_file_is_refused() {
    let app = spawn_app().await;
    let r = roundtable(&app).await;
    let form = reqwest::multipart::Form::new().text("note", "no file");
    let response = app
        .client
        .post(app.url(&format!("/api/v1/events/{}/online-attendance", r.event)))
        .bearer_auth(&r.organiser)
        .multipart(form)
        .send()
        .await
        .unwrap();
    crate::helpers::read(response).await.assert_problem(422, "no_file");
}
