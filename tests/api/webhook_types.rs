//! Each of the eight webhook types, set off by the HTTP request that makes the change, and
//! heard by exactly the subscriptions the audience rules name: the event's organisation
//! hears everything about its events; a partner hears `registration.*` for the
//! registrations it created and `event.*` for events where it holds a registration that is
//! not cancelled; another organisation, a partner with nothing there and a revoked partner
//! hear nothing.
//!
//! Deliveries to one subscription are not ordered (the worker posts a batch at once), so
//! "nothing else was sent" is proved with the delivery logs instead of a sleep: the
//! deliveries of a change are written in its transaction, so once the request is answered
//! and every logged delivery has reached the receiver, nothing more is coming.

use std::collections::BTreeSet;
use std::time::Duration;

use hybrid_events::config::Environment;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app_with, TestApp};
use crate::receiver::{Receiver, PATIENCE};
use crate::webhook_delivery::{caller_id, fast, subscribe};

const ALL: [&str; 8] = [
    "registration.confirmed",
    "registration.waitlisted",
    "registration.promoted",
    "registration.cancelled",
    "registration.mode_changed",
    "registration.consent_changed",
    "event.updated",
    "event.cancelled",
];

/// One post the receiver got: the path names the subscription.
#[derive(Debug)]
struct Heard {
    to: String,
    body: Value,
}

/// (subscription path, type, registration id) of each post, sorted.
type Summary = Vec<(String, String, Option<String>)>;

fn summary(heard: &[Heard]) -> Summary {
    let mut all: Summary = heard
        .iter()
        .map(|h| {
            (
                h.to.clone(),
                h.body["type"].as_str().unwrap_or_default().to_owned(),
                h.body["registration_id"].as_str().map(str::to_owned),
            )
        })
        .collect();
    all.sort();
    all
}

fn expected(list: &[(&str, &str, Option<&str>)]) -> Summary {
    let mut all: Summary =
        list.iter().map(|(to, t, r)| (to.to_string(), t.to_string(), r.map(str::to_owned))).collect();
    all.sort();
    all
}

/// The one post of `event_type` to `to`.
fn post<'a>(heard: &'a [Heard], to: &str, event_type: &str) -> &'a Value {
    let found: Vec<&Heard> = heard.iter().filter(|h| h.to == to && h.body["type"] == event_type).collect();
    assert_eq!(found.len(), 1, "one {event_type} to {to}: {heard:#?}");
    &found[0].body
}

/// The receiver, and the subscriptions posting to it (each to a path of its own).
struct Hooks {
    receiver: Receiver,
    admin: String,
    subscriptions: Vec<(String, String)>,
    /// (path, message id) of every post taken so far.
    taken: BTreeSet<(String, String)>,
}

impl Hooks {
    async fn subscribe(&mut self, app: &TestApp, token: &str, path: &str) {
        let hook = subscribe(app, token, &self.receiver.url(path), json!(ALL)).await;
        self.subscriptions.push((path.to_owned(), hook.id));
    }

    /// (path, message id) of every delivery written so far, and how many are pending.
    async fn written(&self, app: &TestApp) -> (BTreeSet<(String, String)>, usize) {
        let mut written = BTreeSet::new();
        let mut pending = 0;
        for (path, id) in &self.subscriptions {
            let log =
                app.get(&format!("/api/v1/webhooks/{id}/deliveries?limit=200"), Some(&self.admin)).await;
            assert_eq!(log.status, 200, "{}", log.text);
            for delivery in log.body["items"].as_array().unwrap() {
                pending += usize::from(delivery["status"] == "pending");
                written.insert((path.clone(), delivery["message_id"].as_str().unwrap().to_owned()));
            }
        }
        (written, pending)
    }

    /// The posts received since the last call, once every delivery written so far has been
    /// posted and received: call it after the requests whose messages it should hold.
    async fn settle(&mut self, app: &TestApp) -> Vec<Heard> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut new = Vec::new();
        loop {
            for received in self.receiver.drain() {
                let body = received.json();
                let key = (received.path.clone(), body["id"].as_str().unwrap_or_default().to_owned());
                // A retried post carries the same message id: it counts once.
                if self.taken.insert(key) {
                    new.push(Heard { to: received.path, body });
                }
            }
            let (written, pending) = self.written(app).await;
            if pending == 0 && written == self.taken {
                return new;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the deliveries did not settle: written {written:?}, received {:?}",
                self.taken
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// An event of one organisation, with subscriptions to every type: the organisation's
/// (`/organisation`), a partner of the organisation (`/partner`), a partner of another
/// organisation that it trusts (`/other-partner`), and the other organisation's (`/other-organisation`).
struct World {
    app: TestApp,
    hooks: Hooks,
    org: Uuid,
    organiser: String,
    admin: String,
    event: Uuid,
    partner: String,
    other_partner: String,
}

async fn world(event: Value) -> World {
    // Loopback http targets are accepted by a development server that allows private
    // targets (`fast`) only.
    let app = spawn_app_with(|s| {
        fast(s);
        s.app_env = Environment::Development;
    })
    .await;
    let (org, organiser, event) = published_event(&app, event).await;
    let other_org = app.organisation(&format!("Accem {}", Uuid::new_v4().simple())).await;
    let admin = app.admin().await;
    let mut hooks = Hooks {
        receiver: Receiver::start().await,
        admin: admin.clone(),
        subscriptions: Vec::new(),
        taken: BTreeSet::new(),
    };
    let partner = app.partner_of(org).await;
    // The event's organisation trusts the other partner's, so that it registers too.
    trust(&app, &organiser, org, other_org).await;
    let other_partner = app.partner_of(other_org).await;
    hooks.subscribe(&app, &organiser, "/organisation").await;
    hooks.subscribe(&app, &partner, "/partner").await;
    hooks.subscribe(&app, &other_partner, "/other-partner").await;
    hooks.subscribe(&app, &app.organiser_of(other_org).await, "/other-organisation").await;
    World { app, hooks, org, organiser, admin, event, partner, other_partner }
}

/// Onsite only, one seat, none reserved.
fn one_seat() -> Value {
    json!({"online": null, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}})
}

fn id(registration: &Value) -> &str {
    registration["id"].as_str().unwrap()
}

async fn cancel(w: &World, token: &str, registration: &str) -> Value {
    let response =
        w.app.post(&format!("/api/v1/registrations/{registration}/cancel"), Some(token), json!({})).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["status"], "cancelled");
    response.body
}

#[actix_web::test]
async fn registration_confirmed_is_heard_by_the_registering_partner_and_the_organisation() {
    let mut w = world(json!({})).await;
    let r = registered(&w.app, &w.partner, w.event, participant("onsite", false)).await;
    assert_eq!(r["status"], "confirmed");

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "registration.confirmed", Some(id(&r))),
            ("/partner", "registration.confirmed", Some(id(&r))),
        ])
    );
    let body = post(&heard, "/partner", "registration.confirmed");
    assert_eq!(body["event_id"], w.event.to_string());
    assert_eq!(body["data"]["status"], "confirmed");
    assert_eq!(body["data"]["attendance_mode"], "onsite");
    assert_eq!(body["data"]["previous_status"], Value::Null);
    assert_eq!(post(&heard, "/organisation", "registration.confirmed")["id"], body["id"], "one message");
}

#[actix_web::test]
async fn registrations_made_by_an_organiser_are_heard_by_the_organisation_only() {
    let mut w = world(json!({})).await;
    let r = registered(&w.app, &w.organiser, w.event, participant("online", false)).await;
    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(summary(&heard), expected(&[("/organisation", "registration.confirmed", Some(id(&r)))]));
    assert_eq!(post(&heard, "/organisation", "registration.confirmed")["data"]["attendance_mode"], "online");
}

#[actix_web::test]
async fn registration_waitlisted_is_heard_by_the_registering_partner_and_the_organisation() {
    let mut w = world(one_seat()).await;
    registered(&w.app, &w.other_partner, w.event, participant("onsite", false)).await;
    w.hooks.settle(&w.app).await;

    let r = registered(&w.app, &w.partner, w.event, participant("onsite", false)).await;
    assert_eq!(r["status"], "waitlisted");
    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "registration.waitlisted", Some(id(&r))),
            ("/partner", "registration.waitlisted", Some(id(&r))),
        ])
    );
    let data = &post(&heard, "/partner", "registration.waitlisted")["data"];
    assert_eq!(data["status"], "waitlisted");
    assert_eq!(data["attendance_mode"], "onsite");
    assert_eq!(data["previous_status"], Value::Null);
}

#[actix_web::test]
async fn registration_promoted_by_a_raised_capacity_is_heard_by_its_partner_and_the_organisation() {
    let mut w = world(one_seat()).await;
    registered(&w.app, &w.other_partner, w.event, participant("onsite", false)).await;
    let waiting = registered(&w.app, &w.partner, w.event, participant("onsite", false)).await;
    assert_eq!(waiting["status"], "waitlisted");
    w.hooks.settle(&w.app).await;

    let raised = w
        .app
        .patch(&format!("/api/v1/events/{}", w.event), Some(&w.organiser), json!({"onsite": {"capacity": 2}}))
        .await;
    assert_eq!(raised.status, 200, "{}", raised.text);

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "event.updated", None),
            ("/organisation", "registration.promoted", Some(id(&waiting))),
            ("/partner", "event.updated", None),
            ("/partner", "registration.promoted", Some(id(&waiting))),
            ("/other-partner", "event.updated", None),
        ])
    );
    let data = &post(&heard, "/partner", "registration.promoted")["data"];
    assert_eq!(data["status"], "confirmed");
    assert_eq!(data["previous_status"], "waitlisted");
    assert_eq!(data["attendance_mode"], "onsite");
}

#[derive(Debug, Clone, Copy)]
enum Canceller {
    Partner,
    Organiser,
    Admin,
}

/// A partner's confirmed online registration, cancelled by `who`: one
/// `registration.cancelled` to the partner and one to the organisation.
async fn registration_cancelled_by(who: Canceller) {
    let mut w = world(json!({})).await;
    let r = registered(&w.app, &w.partner, w.event, participant("online", false)).await;
    w.hooks.settle(&w.app).await;

    let token = match who {
        Canceller::Partner => w.partner.clone(),
        Canceller::Organiser => w.organiser.clone(),
        Canceller::Admin => w.admin.clone(),
    };
    cancel(&w, &token, id(&r)).await;

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "registration.cancelled", Some(id(&r))),
            ("/partner", "registration.cancelled", Some(id(&r))),
        ]),
        "cancelled by the {who:?}"
    );
    let body = post(&heard, "/partner", "registration.cancelled");
    assert_eq!(body["event_id"], w.event.to_string());
    assert_eq!(body["data"]["status"], "cancelled");
    assert_eq!(body["data"]["previous_status"], "confirmed");
    assert_eq!(body["data"]["attendance_mode"], "online");
}

#[actix_web::test]
async fn registration_cancelled_by_the_partner_that_made_it_is_heard() {
    registration_cancelled_by(Canceller::Partner).await;
}

#[actix_web::test]
async fn registration_cancelled_by_an_organiser_is_heard() {
    registration_cancelled_by(Canceller::Organiser).await;
}

#[actix_web::test]
async fn registration_cancelled_by_an_admin_is_heard() {
    registration_cancelled_by(Canceller::Admin).await;
}

#[actix_web::test]
async fn cancelling_a_registration_twice_sends_one_registration_cancelled() {
    let mut w = world(json!({})).await;
    let r = registered(&w.app, &w.partner, w.event, participant("online", false)).await;
    w.hooks.settle(&w.app).await;

    cancel(&w, &w.partner, id(&r)).await;
    cancel(&w, &w.organiser, id(&r)).await;
    cancel(&w, &w.partner, id(&r)).await;

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "registration.cancelled", Some(id(&r))),
            ("/partner", "registration.cancelled", Some(id(&r))),
        ])
    );
}

#[actix_web::test]
async fn a_cancelled_waitlisted_registration_is_heard_with_its_previous_status_and_promotes_nobody() {
    let mut w = world(one_seat()).await;
    registered(&w.app, &w.other_partner, w.event, participant("onsite", false)).await;
    let waiting = registered(&w.app, &w.partner, w.event, participant("onsite", false)).await;
    w.hooks.settle(&w.app).await;

    cancel(&w, &w.partner, id(&waiting)).await;

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "registration.cancelled", Some(id(&waiting))),
            ("/partner", "registration.cancelled", Some(id(&waiting))),
        ])
    );
    let data = &post(&heard, "/partner", "registration.cancelled")["data"];
    assert_eq!(data["status"], "cancelled");
    assert_eq!(data["previous_status"], "waitlisted");
}

#[actix_web::test]
async fn a_cancellation_that_frees_a_seat_sends_cancelled_for_it_and_promoted_for_the_next() {
    let mut w = world(one_seat()).await;
    let seated = registered(&w.app, &w.partner, w.event, participant("onsite", false)).await;
    let waiting = registered(&w.app, &w.other_partner, w.event, participant("onsite", false)).await;
    assert_eq!(waiting["status"], "waitlisted");
    w.hooks.settle(&w.app).await;

    cancel(&w, &w.partner, id(&seated)).await;

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "registration.cancelled", Some(id(&seated))),
            ("/partner", "registration.cancelled", Some(id(&seated))),
            ("/organisation", "registration.promoted", Some(id(&waiting))),
            ("/other-partner", "registration.promoted", Some(id(&waiting))),
        ])
    );
    let promoted = &post(&heard, "/other-partner", "registration.promoted")["data"];
    assert_eq!(promoted["status"], "confirmed");
    assert_eq!(promoted["previous_status"], "waitlisted");
    let cancelled = &post(&heard, "/partner", "registration.cancelled")["data"];
    assert_eq!(cancelled["previous_status"], "confirmed");
}

#[actix_web::test]
async fn registration_mode_changed_is_heard_by_the_registering_partner_and_the_organisation() {
    let mut w = world(json!({})).await;
    let r = registered(&w.app, &w.partner, w.event, participant("onsite", false)).await;
    w.hooks.settle(&w.app).await;

    let changed = w
        .app
        .patch(
            &format!("/api/v1/registrations/{}", id(&r)),
            Some(&w.partner),
            json!({"attendance_mode": "online"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["attendance_mode"], "online");

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "registration.mode_changed", Some(id(&r))),
            ("/partner", "registration.mode_changed", Some(id(&r))),
        ])
    );
    let data = &post(&heard, "/partner", "registration.mode_changed")["data"];
    assert_eq!(data["status"], "confirmed");
    assert_eq!(data["previous_status"], "confirmed");
    assert_eq!(data["attendance_mode"], "online");
}

#[actix_web::test]
async fn registration_consent_changed_is_heard_by_the_registering_partner_and_the_organisation() {
    let mut w = world(json!({})).await;
    let body =
        with(participant("onsite", false), json!({"consent": {"data_processing": true, "contact": true}}));
    let r = registered(&w.app, &w.partner, w.event, body).await;
    w.hooks.settle(&w.app).await;

    let changed = w
        .app
        .patch(
            &format!("/api/v1/registrations/{}", id(&r)),
            Some(&w.organiser),
            json!({"consents": {"contact": false}}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "registration.consent_changed", Some(id(&r))),
            ("/partner", "registration.consent_changed", Some(id(&r))),
        ])
    );
    let data = &post(&heard, "/partner", "registration.consent_changed")["data"];
    assert_eq!(data["status"], "confirmed");
    assert_eq!(
        data["consent"],
        json!({"purpose": "contact", "granted": false, "version": null, "previous_version": 1}),
        "the partner's front-end learns to stop writing to them"
    );
}

#[actix_web::test]
async fn event_updated_is_heard_by_the_organisation_and_partners_holding_a_live_registration() {
    let mut w = world(json!({})).await;
    registered(&w.app, &w.partner, w.event, participant("online", false)).await;
    let gone = registered(&w.app, &w.other_partner, w.event, participant("online", false)).await;
    cancel(&w, &w.other_partner, id(&gone)).await;
    w.hooks.settle(&w.app).await;

    let patched = w
        .app
        .patch(
            &format!("/api/v1/events/{}", w.event),
            Some(&w.organiser),
            json!({"title": "Fourth roundtable"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[("/organisation", "event.updated", None), ("/partner", "event.updated", None)])
    );
    let body = post(&heard, "/partner", "event.updated");
    assert_eq!(body["event_id"], w.event.to_string());
    assert_eq!(body["registration_id"], Value::Null);
    assert_eq!(body["data"]["previous_status"], "published");
    let status = &body["data"]["status"];
    assert!(status.is_null() || status == "published", "{body}");
}

#[actix_web::test]
async fn event_cancelled_is_heard_by_the_organisation_and_every_partner_holding_a_live_registration() {
    let mut w = world(one_seat()).await;
    let seated = registered(&w.app, &w.partner, w.event, participant("onsite", false)).await;
    let waiting = registered(&w.app, &w.other_partner, w.event, participant("onsite", false)).await;
    assert_eq!(
        (seated["status"].as_str(), waiting["status"].as_str()),
        (Some("confirmed"), Some("waitlisted"))
    );
    // A partner whose only registration is cancelled, and one with none at all.
    let leaver = w.app.partner_of(w.org).await;
    w.hooks.subscribe(&w.app, &leaver, "/leaver").await;
    let left = registered(&w.app, &leaver, w.event, participant("onsite", false)).await;
    cancel(&w, &leaver, id(&left)).await;
    let idle = w.app.partner_of(w.org).await;
    w.hooks.subscribe(&w.app, &idle, "/idle").await;
    w.hooks.settle(&w.app).await;

    let cancelled =
        w.app.post(&format!("/api/v1/events/{}/cancel", w.event), Some(&w.organiser), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");

    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(
        summary(&heard),
        expected(&[
            ("/organisation", "event.cancelled", None),
            ("/partner", "event.cancelled", None),
            ("/other-partner", "event.cancelled", None),
        ])
    );
    let body = post(&heard, "/other-partner", "event.cancelled");
    assert_eq!(body["event_id"], w.event.to_string());
    assert_eq!(body["registration_id"], Value::Null);
    assert_eq!(body["data"]["status"], "cancelled");
    assert_eq!(body["data"]["previous_status"], "published");
}

#[actix_web::test]
async fn a_revoked_partner_hears_nothing_more() {
    let mut w = world(json!({})).await;
    let revoked = w.app.partner_of(w.org).await;
    let revoked_id = caller_id(&w.app, &revoked).await;
    w.hooks.subscribe(&w.app, &revoked, "/revoked").await;
    let r = registered(&w.app, &revoked, w.event, participant("online", false)).await;
    let heard = w.hooks.settle(&w.app).await;
    assert!(summary(&heard).contains(&(
        "/revoked".into(),
        "registration.confirmed".into(),
        Some(id(&r).into())
    )));

    let revoke = w
        .app
        .delete(&format!("/api/v1/organisations/{}/api-clients/{revoked_id}", w.org), Some(&w.organiser))
        .await;
    assert_eq!(revoke.status, 204, "{}", revoke.text);

    // It still holds a live registration, yet hears neither the event's change...
    let patched = w
        .app
        .patch(
            &format!("/api/v1/events/{}", w.event),
            Some(&w.organiser),
            json!({"title": "Fourth roundtable"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(summary(&heard), expected(&[("/organisation", "event.updated", None)]));

    // ...nor the cancellation of the registration it made.
    cancel(&w, &w.organiser, id(&r)).await;
    let heard = w.hooks.settle(&w.app).await;
    assert_eq!(summary(&heard), expected(&[("/organisation", "registration.cancelled", Some(id(&r)))]));
}
