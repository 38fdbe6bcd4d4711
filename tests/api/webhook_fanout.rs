//! Who hears about what: `enqueue` fans a change out to the matching subscriptions only.
//! Events and registrations are written directly here; the registration endpoints will
//! call `enqueue` exactly as these tests do.

use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use hybrid_events::db::outbox::Change;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{spawn_app_with, TestApp};
use crate::receiver::Receiver;
use crate::webhook_delivery::{
    caller_id, commit, fast, insert_event, insert_registration, promoted, subscribe,
};

const ALL: [&str; 7] = [
    "registration.confirmed",
    "registration.waitlisted",
    "registration.promoted",
    "registration.cancelled",
    "registration.mode_changed",
    "event.updated",
    "event.cancelled",
];

/// Reads which subscriptions (by the path of their URL) got deliveries written since the
/// last look.
struct Outbox {
    seen: i64,
}

impl Outbox {
    async fn new_recipients(&mut self, app: &TestApp) -> Vec<String> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = BigInt)]
            seq: i64,
            #[diesel(sql_type = Text)]
            url: String,
        }
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT d.seq, s.url FROM webhook_deliveries d
               JOIN webhook_subscriptions s ON s.id = d.subscription_id
              WHERE d.seq > $1 ORDER BY d.seq",
        )
        .bind::<BigInt, _>(self.seen)
        .load(&mut app.conn().await)
        .await
        .unwrap();
        self.seen = rows.iter().map(|r| r.seq).max().unwrap_or(self.seen);
        let mut paths: Vec<String> =
            rows.into_iter().map(|r| url::Url::parse(&r.url).unwrap().path().to_owned()).collect();
        paths.sort();
        paths
    }
}

fn event_change(event_type: &'static str, event: Uuid, org: Uuid) -> Change {
    Change {
        event_type,
        event_id: event,
        organisation_id: org,
        registration_id: None,
        registration_created_by: None,
        data: json!({"status": "published"}),
    }
}

struct World {
    app: TestApp,
    receiver: Receiver,
    org: Uuid,
    event: Uuid,
    partner_one: Uuid,
    partner_two: Uuid,
    outbox: Outbox,
}

/// An event of one organisation; two partners of another organisation, the event's
/// organisers and another organisation's organisers, each subscribed to everything.
async fn world() -> World {
    let app = spawn_app_with(fast).await;
    let receiver = Receiver::start().await;
    let org = app.organisation("CEPAIM").await;
    let other_org = app.organisation("Accem").await;
    let (p1, p2) = (app.partner_of(other_org).await, app.partner_of(other_org).await);
    subscribe(&app, &p1, &receiver.url("/partner-one"), json!(ALL)).await;
    subscribe(&app, &p2, &receiver.url("/partner-two"), json!(ALL)).await;
    subscribe(&app, &app.organiser_of(org).await, &receiver.url("/organisers"), json!(ALL)).await;
    subscribe(&app, &app.organiser_of(other_org).await, &receiver.url("/other-organisers"), json!(ALL)).await;
    let event = insert_event(&app, org).await;
    let (partner_one, partner_two) = (caller_id(&app, &p1).await, caller_id(&app, &p2).await);
    World { app, receiver, org, event, partner_one, partner_two, outbox: Outbox { seen: 0 } }
}

#[actix_web::test]
async fn a_promotion_reaches_the_partner_that_made_the_registration_and_the_organisers_only() {
    let mut w = world().await;
    let registration = insert_registration(&w.app, w.event, "confirmed", w.partner_one, "api_client").await;
    insert_registration(&w.app, w.event, "confirmed", w.partner_two, "api_client").await;

    commit(&w.app, vec![promoted(w.event, w.org, registration, w.partner_one)]).await;

    assert_eq!(w.outbox.new_recipients(&w.app).await, ["/organisers", "/partner-one"]);
    let mut paths = vec![w.receiver.next().await.path, w.receiver.next().await.path];
    paths.sort();
    assert_eq!(paths, ["/organisers", "/partner-one"]);
}

#[actix_web::test]
async fn registrations_made_by_an_organiser_reach_the_organisers_only() {
    let mut w = world().await;
    let organiser = Uuid::now_v7();
    let registration = insert_registration(&w.app, w.event, "waitlisted", organiser, "user").await;
    commit(&w.app, vec![promoted(w.event, w.org, registration, organiser)]).await;
    assert_eq!(w.outbox.new_recipients(&w.app).await, ["/organisers"]);
}

#[actix_web::test]
async fn event_changes_reach_partners_holding_a_live_registration_and_the_organisers() {
    let mut w = world().await;
    insert_registration(&w.app, w.event, "confirmed", w.partner_one, "api_client").await;
    insert_registration(&w.app, w.event, "cancelled", w.partner_two, "api_client").await;

    commit(&w.app, vec![event_change("event.updated", w.event, w.org)]).await;
    assert_eq!(w.outbox.new_recipients(&w.app).await, ["/organisers", "/partner-one"]);

    // Partner two registers again; a registration for another event does not count.
    insert_registration(&w.app, w.event, "waitlisted", w.partner_two, "api_client").await;
    let elsewhere = insert_event(&w.app, w.org).await;
    commit(&w.app, vec![event_change("event.cancelled", w.event, w.org)]).await;
    assert_eq!(w.outbox.new_recipients(&w.app).await, ["/organisers", "/partner-one", "/partner-two"]);
    commit(&w.app, vec![event_change("event.cancelled", elsewhere, w.org)]).await;
    assert_eq!(w.outbox.new_recipients(&w.app).await, ["/organisers"]);
}

#[actix_web::test]
async fn nothing_is_written_for_unwanted_types_deleted_subscriptions_or_revoked_partners() {
    let mut w = world().await;
    let org = w.org;
    let organiser = w.app.organiser_of(org).await;
    let narrow =
        subscribe(&w.app, &organiser, &w.receiver.url("/cancellations"), json!(["registration.cancelled"]))
            .await;
    let registration = insert_registration(&w.app, w.event, "confirmed", w.partner_one, "api_client").await;

    // The narrow subscription hears cancellations and nothing else.
    let cancelled = Change {
        event_type: "registration.cancelled",
        ..promoted(w.event, org, registration, w.partner_one)
    };
    commit(&w.app, vec![cancelled]).await;
    assert_eq!(w.outbox.new_recipients(&w.app).await, ["/cancellations", "/organisers", "/partner-one"]);
    commit(&w.app, vec![promoted(w.event, org, registration, w.partner_one)]).await;
    assert_eq!(w.outbox.new_recipients(&w.app).await, ["/organisers", "/partner-one"]);

    // Deleted, it hears nothing; a revoked partner hears nothing.
    let deleted = w.app.delete(&format!("/api/v1/webhooks/{}", narrow.id), Some(&organiser)).await;
    assert_eq!(deleted.status, 204);
    diesel::sql_query("UPDATE api_clients SET revoked_at = now() WHERE id = $1")
        .bind::<SqlUuid, _>(w.partner_one)
        .execute(&mut w.app.conn().await)
        .await
        .unwrap();
    let cancelled = Change {
        event_type: "registration.cancelled",
        ..promoted(w.event, org, registration, w.partner_one)
    };
    commit(&w.app, vec![cancelled]).await;
    assert_eq!(w.outbox.new_recipients(&w.app).await, ["/organisers"]);

    // A change no subscription wants writes no row at all.
    let elsewhere = w.app.organisation("Cruz Roja").await;
    commit(&w.app, vec![event_change("event.updated", insert_event(&w.app, elsewhere).await, elsewhere)])
        .await;
    assert!(w.outbox.new_recipients(&w.app).await.is_empty());
}
