//! Privacy of the participants (issue 16): organisation settings, the bounded answer to
//! duplicates, complete erasure, and retention.

mod duplicates;
mod erasure;
mod retention;
mod settings;

use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::RunQueryDsl;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::TestApp;

/// Moves an event into the past, ended `days_ago` days ago: setting up time (the API takes no
/// event that has already happened), not the behaviour under test.
pub async fn ended_days_ago(app: &TestApp, event: Uuid, days_ago: i32) {
    diesel::sql_query(
        "UPDATE events SET starts_at = now() - make_interval(days => $2, hours => 3),
                           ends_at = now() - make_interval(days => $2),
                           registration_closes_at = NULL
          WHERE id = $1",
    )
    .bind::<SqlUuid, _>(event)
    .bind::<diesel::sql_types::Integer, _>(days_ago)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
}

/// The event's history, as its organiser reads it.
pub async fn event_history(app: &TestApp, token: &str, event: Uuid) -> Vec<Value> {
    let history = app.get(&format!("/api/v1/events/{event}/history"), Some(token)).await;
    assert_eq!(history.status, 200, "{}", history.text);
    history.body["items"].as_array().unwrap().clone()
}

/// The entries of `action` in the event's history.
pub async fn entries(app: &TestApp, token: &str, event: Uuid, action: &str) -> Vec<Value> {
    event_history(app, token, event).await.into_iter().filter(|e| e["action"] == action).collect()
}

/// The event's report without the times it was made and is as of, to compare counts.
pub async fn report_counts(app: &TestApp, token: &str, event: Uuid) -> Value {
    let mut report = app.get(&format!("/api/v1/events/{event}/report"), Some(token)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    report.body.as_object_mut().unwrap().remove("generated_at");
    report.body.as_object_mut().unwrap().remove("data_as_of");
    report.body
}
