//! What the event report says of reaching participants (issue 19, item 7): the confirmed a
//! message reached before the event, per mode, room and stakeholder category; what became of
//! the seats offered; how the reminders went. Counts only: no message is in any report.

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app_with, TestApp};

fn reachable(mode: &str, category: &str) -> Value {
    let mut body = participant(mode, false);
    body["participant"]["stakeholder_category"] = json!(category);
    body["consent"]["contact"] = json!(true);
    body
}

fn id(registration: &Value) -> String {
    registration["id"].as_str().unwrap().to_owned()
}

/// Registers `body` as if two days ago: the reminder due 4 hours ago is for those registered
/// before it.
async fn registered_two_days_ago(app: &TestApp, token: &str, event: Uuid, body: Value) -> Value {
    let registration = registered(app, token, event, body).await;
    diesel::sql_query("UPDATE registrations SET created_at = now() - interval '2 days' WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(Uuid::parse_str(&id(&registration)).unwrap())
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    registration
}

async fn items_of(app: &TestApp, token: &str, event: Uuid, registration: &Value) -> Vec<Value> {
    let list = app.get(&format!("/api/v1/outreach?event_id={event}&limit=200"), Some(token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let items = list.body["items"].as_array().unwrap().iter();
    items.filter(|item| item["registration_id"] == registration["id"]).cloned().collect()
}

async fn reached(app: &TestApp, token: &str, item: &Value) {
    let reported = app
        .post(
            &format!("/api/v1/outreach/{}/result", item["id"].as_str().unwrap()),
            Some(token),
            json!({"result": "reached"}),
        )
        .await;
    assert_eq!(reported.status, 200, "{}", reported.text);
}

async fn report(app: &TestApp, token: &str, event: Uuid, query: &str) -> Value {
    let read = app.get(&format!("/api/v1/events/{event}/report{query}"), Some(token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    read.body
}

#[actix_web::test]
async fn the_report_counts_who_was_reached_before_the_event_and_how_offers_and_reminders_ended() {
    // The test's own calls are the background job: the server's runs once, at start.
    let app = spawn_app_with(|settings| settings.reminder_sweep_seconds = 3600).await;
    let starts = chrono::Utc::now() + chrono::Duration::hours(20);
    let (org, organiser, event) = published_event(
        &app,
        json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(),
               "waitlist_promotion": "offer", "reminders_hours_before": [24],
               "onsite": {"venue_name": "CEPAIM Soria", "capacity": 1, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let migrant_online = registered_two_days_ago(&app, &partner, event, reachable("online", "migrant")).await;
    let ngo_online = registered_two_days_ago(&app, &partner, event, reachable("online", "ngo")).await;
    let seated = registered(&app, &partner, event, reachable("onsite", "refugee")).await;
    let declines = registered(&app, &partner, event, reachable("onsite", "refugee")).await;
    let lets_it_lapse = registered(&app, &partner, event, reachable("onsite", "refugee")).await;
    let accepts = registered(&app, &partner, event, reachable("onsite", "refugee")).await;
    assert_eq!(accepts["status"], "waitlisted");

    // Reached: one online by the partner's call about the confirmation.
    let confirmation = items_of(&app, &partner, event, &migrant_online).await;
    assert_eq!(confirmation[0]["kind"], "confirmed");
    reached(&app, &partner, &confirmation[0]).await;

    // Offers: the seat freed goes to three people in turn; one declines, one lets it lapse,
    // one accepts.
    let cancelled =
        app.post(&format!("/api/v1/registrations/{}/cancel", id(&seated)), Some(&partner), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    let declined = app
        .post(&format!("/api/v1/registrations/{}/decline-offer", id(&declines)), Some(&partner), json!({}))
        .await;
    assert_eq!(declined.status, 200, "{}", declined.text);
    diesel::sql_query(
        "UPDATE registrations SET offer_expires_at = now() - interval '1 second' WHERE id = $1 AND status = 'offered'",
    )
    .bind::<diesel::sql_types::Uuid, _>(Uuid::parse_str(&id(&lets_it_lapse)).unwrap())
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    assert_eq!(hybrid_events::reminders::lapse_offers(&app.pool).await.unwrap(), 1);
    let accepted = app
        .post(&format!("/api/v1/registrations/{}/accept-offer", id(&accepts)), Some(&partner), json!({}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);

    // Reminders: the one due 4 hours ago, for the two registered before it; one reached.
    assert_eq!(hybrid_events::reminders::sweep(&app.pool).await.unwrap(), 2);
    let reminder = items_of(&app, &partner, event, &ngo_online).await;
    let reminder = reminder.iter().find(|item| item["kind"] == "reminder").unwrap();
    reached(&app, &partner, reminder).await;

    let body = report(&app, &organiser, event, "").await;
    assert_eq!(body["totals"]["confirmed"], 3, "two online, the offer accepted onsite");
    assert_eq!(body["totals"]["reached_before_event"], 2, "{body}");
    assert_eq!(body["by_mode"]["online"]["reached_before_event"], 2);
    assert_eq!(body["by_mode"]["onsite"]["reached_before_event"], 0);
    assert_eq!(body["by_place"][0]["reached_before_event"], 0, "the main venue");
    let categories = &body["by_stakeholder_category"];
    assert_eq!(categories["migrant"], json!({"confirmed": 1, "attended": 0, "reached_before_event": 1}));
    assert_eq!(categories["ngo"], json!({"confirmed": 1, "attended": 0, "reached_before_event": 1}));
    assert_eq!(categories["refugee"], json!({"confirmed": 1, "attended": 0, "reached_before_event": 0}));
    assert_eq!(body["offers"], json!({"made": 3, "accepted": 1, "declined": 1, "expired": 1, "open": 0}));
    assert_eq!(body["reminders"], json!({"created": 2, "reached": 1, "failed": 0, "open": 1}));

    // Small counts are hidden here as everywhere in the report.
    let protected = report(&app, &organiser, event, "?suppress_below=2").await;
    assert_eq!(protected["offers"]["accepted"], Value::Null, "{}", protected["offers"]);
    assert_eq!(protected["by_stakeholder_category"].get("migrant"), None, "pooled, unnamed");

    // The page shows the same counts, and no report holds a word of any message.
    let page = app.get(&format!("/api/v1/events/{event}/report.html"), Some(&organiser)).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains(r#"id="reached-total">2<"#), "{}", page.text);
    assert!(page.text.contains(r#"id="offers-expired">1<"#));
    let csv = app.get(&format!("/api/v1/events/{event}/attendance.csv"), Some(&organiser)).await;
    assert_eq!(csv.status, 200);
    let summary = app.get("/api/v1/reports/attendance", Some(&organiser)).await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    let messages = app.get(&format!("/api/v1/outreach?event_id={event}&limit=200"), Some(&partner)).await;
    let messages = messages.body["items"].as_array().unwrap();
    assert!(messages.len() >= 10, "every change made an item: {}", messages.len());
    for item in messages {
        for part in ["subject", "text"] {
            let words = item["message"][part].as_str().unwrap();
            for (name, text) in [
                ("JSON", &body.to_string()),
                ("page", &page.text),
                ("CSV", &csv.text),
                ("summary", &summary.text),
            ] {
                assert!(!text.contains(words), "the {name} report holds a message's {part}: {words}");
            }
        }
    }

    // A message that reaches someone once the event has begun is not "before the event".
    diesel::sql_query(
        "UPDATE events SET starts_at = (SELECT max(resolved_at) FROM outreach_items
                                         WHERE event_id = $1 AND result = 'reached') - interval '1 millisecond'
          WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(event)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    let later = report(&app, &organiser, event, "").await;
    assert_eq!(later["totals"]["reached_before_event"], 1, "the reminder was reached after the start");
    assert_eq!(later["by_stakeholder_category"]["ngo"]["reached_before_event"], 0);
}
