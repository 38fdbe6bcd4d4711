//! Who hears about what: each change, made over HTTP, writes deliveries for the matching
//! subscriptions only. Read from the subscriptions' delivery logs, which hold a change's
//! deliveries as soon as its request is answered (they are written in its transaction).

use std::collections::HashSet;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app_with, TestApp};
use crate::receiver::Receiver;
use crate::webhook_delivery::{caller_id, fast, subscribe};

const ALL: [&str; 7] = [
    "registration.confirmed",
    "registration.waitlisted",
    "registration.promoted",
    "registration.cancelled",
    "registration.mode_changed",
    "event.updated",
    "event.cancelled",
];

struct World {
    app: TestApp,
    receiver: Receiver,
    admin: String,
    org: Uuid,
    organiser: String,
    event: Uuid,
    /// Two partners of another organisation.
    partner_one: String,
    partner_two: String,
    /// (path of the URL, id) of each subscription.
    subscriptions: Vec<(String, String)>,
    /// Deliveries already looked at.
    seen: HashSet<String>,
}

impl World {
    async fn subscribe(&mut self, token: &str, path: &str, types: Value) -> String {
        let hook = subscribe(&self.app, token, &self.receiver.url(path), types).await;
        self.subscriptions.push((path.to_owned(), hook.id.clone()));
        hook.id
    }

    /// (subscription path, type) of each delivery written since the last look, sorted.
    async fn new_deliveries(&mut self) -> Vec<(String, String)> {
        let mut new = Vec::new();
        for (path, id) in &self.subscriptions {
            let log =
                self.app.get(&format!("/api/v1/webhooks/{id}/deliveries?limit=200"), Some(&self.admin)).await;
            assert_eq!(log.status, 200, "{}", log.text);
            for delivery in log.body["items"].as_array().unwrap() {
                if self.seen.insert(delivery["id"].as_str().unwrap().to_owned()) {
                    new.push((path.clone(), delivery["event_type"].as_str().unwrap().to_owned()));
                }
            }
        }
        new.sort();
        new
    }

    async fn patch_event(&self, event: Uuid, body: Value) {
        let response = self.app.patch(&format!("/api/v1/events/{event}"), Some(&self.organiser), body).await;
        assert_eq!(response.status, 200, "{}", response.text);
    }

    /// The next `n` posts the receiver gets, as (path, body).
    async fn receiver_posts(&mut self, n: usize) -> Vec<(String, Value)> {
        let mut posts = Vec::new();
        for _ in 0..n {
            let post = self.receiver.next().await;
            posts.push((post.path.clone(), post.json()));
        }
        posts
    }

    async fn cancel(&self, token: &str, registration: &Value) {
        let path = format!("/api/v1/registrations/{}/cancel", registration["id"].as_str().unwrap());
        let response = self.app.post(&path, Some(token), json!({})).await;
        assert_eq!(response.status, 200, "{}", response.text);
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = list.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    all.sort();
    all
}

/// A published event of one organisation (the roundtable changed by `event`); two partners
/// of another organisation that it trusts, the event's organisers and another organisation's organisers,
/// each subscribed to everything.
async fn world(event: Value) -> World {
    let app = spawn_app_with(fast).await;
    let (org, organiser, event) = published_event(&app, event).await;
    let other_org = app.organisation("Accem").await;
    // The event's organisation trusts the partners' organisation, so they may register.
    trust(&app, &organiser, org, other_org).await;
    let (partner_one, partner_two) = (app.partner_of(other_org).await, app.partner_of(other_org).await);
    let mut w = World {
        receiver: Receiver::start().await,
        admin: app.admin().await,
        org,
        organiser: organiser.clone(),
        event,
        partner_one: partner_one.clone(),
        partner_two: partner_two.clone(),
        subscriptions: Vec::new(),
        seen: HashSet::new(),
        app,
    };
    w.subscribe(&partner_one, "/partner-one", json!(ALL)).await;
    w.subscribe(&partner_two, "/partner-two", json!(ALL)).await;
    w.subscribe(&organiser, "/organisers", json!(ALL)).await;
    let other_organiser = w.app.organiser_of(other_org).await;
    w.subscribe(&other_organiser, "/other-organisers", json!(ALL)).await;
    w
}

fn one_seat() -> Value {
    json!({"online": null, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}})
}

#[actix_web::test]
async fn a_promotion_reaches_the_partner_that_made_the_registration_and_the_organisers_only() {
    let mut w = world(one_seat()).await;
    registered(&w.app, &w.partner_two, w.event, participant("onsite", false)).await;
    let waiting = registered(&w.app, &w.partner_one, w.event, participant("onsite", false)).await;
    assert_eq!(waiting["status"], "waitlisted");
    w.new_deliveries().await;
    // The four announcements of those registrations, out of the way.
    w.receiver_posts(4).await;

    // A raised capacity promotes partner one's registration (and is itself an event change).
    w.patch_event(w.event, json!({"onsite": {"capacity": 2}})).await;

    assert_eq!(
        w.new_deliveries().await,
        pairs(&[
            ("/organisers", "event.updated"),
            ("/organisers", "registration.promoted"),
            ("/partner-one", "event.updated"),
            ("/partner-one", "registration.promoted"),
            ("/partner-two", "event.updated"),
        ])
    );
    let posts = w.receiver_posts(5).await;
    let mut promoted: Vec<String> = posts
        .iter()
        .filter(|(_, body)| body["type"] == "registration.promoted")
        .map(|(path, body)| {
            assert_eq!(body["registration_id"], waiting["id"]);
            path.clone()
        })
        .collect();
    promoted.sort();
    assert_eq!(promoted, ["/organisers", "/partner-one"]);
}

#[actix_web::test]
async fn registrations_made_by_an_organiser_reach_the_organisers_only() {
    let mut w = world(one_seat()).await;
    let organiser = w.organiser.clone();
    registered(&w.app, &organiser, w.event, participant("onsite", false)).await;
    assert_eq!(w.new_deliveries().await, pairs(&[("/organisers", "registration.confirmed")]));
    let waiting = registered(&w.app, &organiser, w.event, participant("onsite", false)).await;
    assert_eq!(waiting["status"], "waitlisted");
    assert_eq!(w.new_deliveries().await, pairs(&[("/organisers", "registration.waitlisted")]));

    w.patch_event(w.event, json!({"onsite": {"capacity": 2}})).await;
    assert_eq!(
        w.new_deliveries().await,
        pairs(&[("/organisers", "event.updated"), ("/organisers", "registration.promoted")])
    );
}

#[actix_web::test]
async fn event_updates_reach_partners_holding_a_live_registration_and_the_organisers() {
    let mut w = world(json!({})).await;
    registered(&w.app, &w.partner_one, w.event, participant("online", false)).await;
    let gone = registered(&w.app, &w.partner_two, w.event, participant("online", false)).await;
    w.cancel(&w.partner_two, &gone).await;
    w.new_deliveries().await;

    w.patch_event(w.event, json!({"title": "Fourth roundtable"})).await;
    assert_eq!(
        w.new_deliveries().await,
        pairs(&[("/organisers", "event.updated"), ("/partner-one", "event.updated")])
    );

    // Partner two registers again; a registration for another event does not count.
    registered(&w.app, &w.partner_two, w.event, participant("online", false)).await;
    let elsewhere = create_event(&w.app, &w.organiser, roundtable(w.org)).await;
    publish(&w.app, &w.organiser, elsewhere).await;
    registered(&w.app, &w.partner_one, elsewhere, participant("online", false)).await;
    w.new_deliveries().await;
    w.patch_event(w.event, json!({"title": "Fifth roundtable"})).await;
    assert_eq!(
        w.new_deliveries().await,
        pairs(&[
            ("/organisers", "event.updated"),
            ("/partner-one", "event.updated"),
            ("/partner-two", "event.updated")
        ])
    );
    w.patch_event(elsewhere, json!({"title": "Another roundtable"})).await;
    assert_eq!(
        w.new_deliveries().await,
        pairs(&[("/organisers", "event.updated"), ("/partner-one", "event.updated")])
    );
}

#[actix_web::test]
async fn event_cancellations_reach_partners_holding_a_live_registration_and_the_organisers() {
    let mut w = world(json!({})).await;
    registered(&w.app, &w.partner_one, w.event, participant("online", false)).await;
    let gone = registered(&w.app, &w.partner_two, w.event, participant("online", false)).await;
    w.cancel(&w.partner_two, &gone).await;
    let elsewhere = create_event(&w.app, &w.organiser, roundtable(w.org)).await;
    publish(&w.app, &w.organiser, elsewhere).await;
    w.new_deliveries().await;

    let cancelled =
        w.app.post(&format!("/api/v1/events/{}/cancel", w.event), Some(&w.organiser), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(
        w.new_deliveries().await,
        pairs(&[("/organisers", "event.cancelled"), ("/partner-one", "event.cancelled")])
    );
    let cancelled =
        w.app.post(&format!("/api/v1/events/{elsewhere}/cancel"), Some(&w.organiser), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(w.new_deliveries().await, pairs(&[("/organisers", "event.cancelled")]));
}

#[actix_web::test]
async fn nothing_is_written_for_unwanted_types_deleted_subscriptions_or_revoked_partners() {
    let mut w = world(one_seat()).await;
    let organiser = w.app.organiser_of(w.org).await;
    let narrow = w.subscribe(&organiser, "/cancellations", json!(["registration.cancelled"])).await;
    let seated = registered(&w.app, &w.partner_one, w.event, participant("onsite", false)).await;
    let waiting = registered(&w.app, &w.partner_one, w.event, participant("onsite", false)).await;
    assert_eq!(waiting["status"], "waitlisted");
    w.new_deliveries().await;

    // The narrow subscription hears the cancellation and not the promotion it sets off.
    w.cancel(&w.partner_one, &seated).await;
    assert_eq!(
        w.new_deliveries().await,
        pairs(&[
            ("/cancellations", "registration.cancelled"),
            ("/organisers", "registration.cancelled"),
            ("/organisers", "registration.promoted"),
            ("/partner-one", "registration.cancelled"),
            ("/partner-one", "registration.promoted"),
        ])
    );

    // Deleted, it hears nothing; a revoked partner hears nothing.
    let deleted = w.app.delete(&format!("/api/v1/webhooks/{narrow}"), Some(&organiser)).await;
    assert_eq!(deleted.status, 204);
    // Its delivery log is gone with it (404), so what it is written is counted in the table.
    w.subscriptions.retain(|(_, id)| id != &narrow);
    assert_eq!(deliveries_of(&w.app, &narrow).await, 1);
    let partner_one = caller_id(&w.app, &w.partner_one).await;
    let partners_org = w.app.get("/api/v1/me", Some(&w.partner_one)).await.body["organisation_id"].clone();
    let revoke =
        format!("/api/v1/organisations/{}/api-clients/{partner_one}", partners_org.as_str().unwrap());
    let revoked = w.app.delete(&revoke, Some(&w.admin)).await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    let organiser = w.organiser.clone();
    w.cancel(&organiser, &waiting).await;
    assert_eq!(w.new_deliveries().await, pairs(&[("/organisers", "registration.cancelled")]));
    assert_eq!(deliveries_of(&w.app, &narrow).await, 1, "a deleted subscription hears nothing");

    // A change no subscription wants writes no delivery at all.
    let (_, elsewhere_organiser, elsewhere) = published_event(&w.app, json!({})).await;
    let response = w
        .app
        .patch(
            &format!("/api/v1/events/{elsewhere}"),
            Some(&elsewhere_organiser),
            json!({"title": "Elsewhere"}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(w.new_deliveries().await.is_empty());
}

/// How many deliveries were ever written for the subscription `id`.
async fn deliveries_of(app: &TestApp, id: &str) -> i64 {
    use diesel::dsl::count_star;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use hybrid_events::db::schema::webhook_deliveries;
    webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(Uuid::parse_str(id).unwrap()))
        .select(count_star())
        .get_result(&mut app.conn().await)
        .await
        .unwrap()
}
