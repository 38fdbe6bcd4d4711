//! Partners of other organisations: a partner registers people only for the events of its own
//! organisation and of organisations that trust its organisation. Without that rule any
//! partner could register a throw-away person for any published event and read the event's
//! join link in the answer.

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, Resp, TestApp};

fn trust_path(org: Uuid, other: Uuid) -> String {
    format!("/api/v1/organisations/{org}/trusted-organisations/{other}")
}

async fn put_trust(app: &TestApp, token: Option<&str>, org: Uuid, other: Uuid) -> Resp {
    app.send(Method::PUT, &trust_path(org, other), token, None).await
}

async fn delete_trust(app: &TestApp, token: Option<&str>, org: Uuid, other: Uuid) -> Resp {
    app.delete(&trust_path(org, other), token).await
}

async fn trusted(app: &TestApp, token: Option<&str>, org: Uuid) -> Resp {
    app.get(&format!("/api/v1/organisations/{org}/trusted-organisations"), token).await
}

/// The ids of the organisations `org` trusts, as its organiser `token` lists them.
async fn trusted_ids(app: &TestApp, token: &str, org: Uuid) -> Vec<String> {
    let response = trusted(app, Some(token), org).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["trusted_organisation_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn register_with_key(app: &TestApp, token: &str, event: Uuid, key: &str, body: &Value) -> Resp {
    app.post_keyed(&format!("/api/v1/events/{event}/registrations"), token, key, body).await
}

/// The event's seat counters and every registration in it, as its organiser sees them.
async fn seats_and_registrations(app: &TestApp, organiser: &str, event: Uuid) -> (Value, Vec<Value>) {
    let read = app.get(&format!("/api/v1/events/{event}"), Some(organiser)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    let counters = json!({
        "online": [read.body["online"]["confirmed"].clone(), read.body["online"]["waitlisted"].clone()],
        "onsite": [read.body["onsite"]["confirmed"].clone(), read.body["onsite"]["waitlisted"].clone()],
    });
    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(organiser)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    (counters, list.body["items"].as_array().unwrap().clone())
}

/// Organisation A's published roundtable (online with a join link, and onsite), A's
/// organiser, and a partner of organisation B.
struct World {
    app: TestApp,
    host: Uuid,
    organiser: String,
    event: Uuid,
    guest: Uuid,
    partner: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let (host, organiser, event) = published_event(&app, json!({})).await;
    let guest = app.organisation("Accem").await;
    let partner = app.partner_of(guest).await;
    World { app, host, organiser, event, guest, partner }
}

#[actix_web::test]
async fn a_partner_of_an_untrusted_organisation_cannot_register_and_so_gets_no_join_link() {
    let w = world().await;
    let before = seats_and_registrations(&w.app, &w.organiser, w.event).await;
    assert_eq!(before.0, json!({"online": [0, 0], "onsite": [0, 0]}));

    // The attack: a throw-away person registered online, to read the join link.
    let refused = register(&w.app, &w.partner, w.event, participant("online", false)).await;
    refused.assert_problem(403, "partner_not_allowed");
    assert!(!refused.text.contains("meet.example.org"), "{}", refused.text);
    // The same with an Idempotency-Key: the key is not kept either.
    let keyed = participant("online", false);
    register_with_key(&w.app, &w.partner, w.event, "throw-away-1", &keyed)
        .await
        .assert_problem(403, "partner_not_allowed");

    assert_eq!(seats_and_registrations(&w.app, &w.organiser, w.event).await, before, "nothing created");
    let own = w.app.get(&format!("/api/v1/events/{}/registrations", w.event), Some(&w.partner)).await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.body["items"], json!([]));

    // The event's own partners need no trust.
    let home =
        registered(&w.app, &w.app.partner_of(w.host).await, w.event, participant("online", false)).await;
    assert_eq!(home["join_url"], "https://meet.example.org/abc");

    // Once trusted, the request refused before registers: the refusal was not remembered.
    trust(&w.app, &w.organiser, w.host, w.guest).await;
    let retried = register_with_key(&w.app, &w.partner, w.event, "throw-away-1", &keyed).await;
    assert_eq!(retried.status, 201, "{}", retried.text);
    assert_eq!(retried.header("idempotent-replayed"), None);
    assert_eq!(retried.body["join_url"], "https://meet.example.org/abc");
}

#[actix_web::test]
async fn trust_lets_a_partner_register_and_withdrawing_it_stops_new_registrations_only() {
    let w = world().await;
    let given = put_trust(&w.app, Some(&w.organiser), w.host, w.guest).await;
    assert_eq!(given.status, 201, "{}", given.text);

    let mine = registered(&w.app, &w.partner, w.event, participant("online", false)).await;
    assert_eq!(mine["status"], "confirmed");
    assert_eq!(mine["join_url"], "https://meet.example.org/abc");
    let path = format!("/api/v1/registrations/{}", mine["id"].as_str().unwrap());

    let withdrawn = delete_trust(&w.app, Some(&w.organiser), w.host, w.guest).await;
    assert_eq!(withdrawn.status, 204, "{}", withdrawn.text);
    let before = seats_and_registrations(&w.app, &w.organiser, w.event).await;
    register(&w.app, &w.partner, w.event, participant("onsite", false))
        .await
        .assert_problem(403, "partner_not_allowed");
    assert_eq!(seats_and_registrations(&w.app, &w.organiser, w.event).await, before, "nothing created");

    // What the partner made under the trust stays its own: read, listed, changed, cancelled.
    let read = w.app.get(&path, Some(&w.partner)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["id"], mine["id"]);
    let own = w.app.get(&format!("/api/v1/events/{}/registrations", w.event), Some(&w.partner)).await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1);
    let changed = w.app.patch(&path, Some(&w.partner), json!({"needs_transport": true})).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["needs_transport"], true);
    let cancelled = w.app.post(&format!("{path}/cancel"), Some(&w.partner), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");
    let (counters, _) = seats_and_registrations(&w.app, &w.organiser, w.event).await;
    assert_eq!(counters, json!({"online": [0, 0], "onsite": [0, 0]}));
}

#[actix_web::test]
async fn trust_goes_one_way_and_only_from_the_events_organisation() {
    let w = world().await;
    let third = w.app.organisation("IOM Spain").await;
    // B trusts A, and a third organisation trusts B: neither lets B's partner into A's event.
    trust(&w.app, &w.app.organiser_of(w.guest).await, w.guest, w.host).await;
    trust(&w.app, &w.app.admin().await, third, w.guest).await;
    register(&w.app, &w.partner, w.event, participant("online", false))
        .await
        .assert_problem(403, "partner_not_allowed");
    // But B's trust lets A's partners into B's events.
    let guest_organiser = w.app.organiser_of(w.guest).await;
    let theirs = create_event(&w.app, &guest_organiser, roundtable(w.guest)).await;
    publish(&w.app, &guest_organiser, theirs).await;
    registered(&w.app, &w.app.partner_of(w.host).await, theirs, participant("online", false)).await;
}

#[actix_web::test]
async fn only_admins_and_the_organisations_organisers_manage_its_trust() {
    let w = world().await;
    let admin = w.app.admin().await;
    let outsiders = [
        ("a partner of the organisation", w.app.partner_of(w.host).await),
        ("a partner of the trusted organisation", w.partner.clone()),
        ("an organiser of another organisation", w.app.organiser_of(w.guest).await),
    ];
    for (who, token) in &outsiders {
        let put = put_trust(&w.app, Some(token), w.host, w.guest).await;
        assert_eq!(put.status, 403, "{who}: {}", put.text);
        put.assert_problem(403, "forbidden");
        delete_trust(&w.app, Some(token), w.host, w.guest).await.assert_problem(403, "forbidden");
        trusted(&w.app, Some(token), w.host).await.assert_problem(403, "forbidden");
    }
    put_trust(&w.app, None, w.host, w.guest).await.assert_problem(401, "unauthorized");
    delete_trust(&w.app, None, w.host, w.guest).await.assert_problem(401, "unauthorized");
    trusted(&w.app, None, w.host).await.assert_problem(401, "unauthorized");
    assert_eq!(trusted_ids(&w.app, &w.organiser, w.host).await, Vec::<String>::new(), "none given");

    let unknown = Uuid::now_v7();
    for token in [&w.organiser, &admin] {
        put_trust(&w.app, Some(token), unknown, w.guest).await.assert_problem(404, "not_found");
        delete_trust(&w.app, Some(token), unknown, w.guest).await.assert_problem(404, "not_found");
        trusted(&w.app, Some(token), unknown).await.assert_problem(404, "not_found");
        put_trust(&w.app, Some(token), w.host, unknown).await.assert_problem(404, "not_found");
        delete_trust(&w.app, Some(token), w.host, unknown).await.assert_problem(404, "not_found");
        let malformed = format!("{}-x", trust_path(w.host, w.guest));
        w.app.send(Method::PUT, &malformed, Some(token), None).await.assert_problem(404, "not_found");
        let itself = put_trust(&w.app, Some(token), w.host, w.host).await;
        itself.assert_problem(422, "cannot_trust_itself");
        assert_eq!(itself.field_errors(), [("other".to_owned(), "cannot_trust_itself".to_owned())]);
    }
    assert_eq!(trusted_ids(&w.app, &w.organiser, w.host).await, Vec::<String>::new(), "nothing changed");

    // The organiser and an admin may; each other's trust is the same trust.
    assert_eq!(put_trust(&w.app, Some(&w.organiser), w.host, w.guest).await.status, 201);
    assert_eq!(trusted_ids(&w.app, &admin, w.host).await, [w.guest.to_string()]);
    assert_eq!(delete_trust(&w.app, Some(&admin), w.host, w.guest).await.status, 204);
    assert_eq!(trusted_ids(&w.app, &w.organiser, w.host).await, Vec::<String>::new());
}

#[actix_web::test]
async fn giving_and_withdrawing_trust_are_idempotent() {
    let w = world().await;
    let me = w.app.get("/api/v1/me", Some(&w.organiser)).await.body["id"].clone();
    let first = put_trust(&w.app, Some(&w.organiser), w.host, w.guest).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["organisation_id"], w.host.to_string());
    assert_eq!(first.body["trusted_organisation_id"], w.guest.to_string());
    assert_eq!(first.body["name"], "Accem");
    assert_eq!(first.body["kind"], "ngo");
    assert_eq!(first.body["created_by"], me);

    // Again, by someone else: nothing changes, and the first giver is kept.
    let again = put_trust(&w.app, Some(&w.app.admin().await), w.host, w.guest).await;
    assert_eq!(again.status, 204, "{}", again.text);
    assert_eq!(again.text, "");
    let list = trusted(&w.app, Some(&w.organiser), w.host).await;
    assert_eq!(list.body, json!({"items": [first.body], "next_cursor": null}));

    assert_eq!(delete_trust(&w.app, Some(&w.organiser), w.host, w.guest).await.status, 204);
    assert_eq!(delete_trust(&w.app, Some(&w.organiser), w.host, w.guest).await.status, 204);
    assert_eq!(trusted_ids(&w.app, &w.organiser, w.host).await, Vec::<String>::new());
    register(&w.app, &w.partner, w.event, participant("online", false))
        .await
        .assert_problem(403, "partner_not_allowed");
}

#[actix_web::test]
async fn trusted_organisations_are_listed_newest_first_in_pages() {
    let w = world().await;
    let mut given = Vec::new();
    for name in ["Accem one", "Accem two", "Accem three"] {
        let other = w.app.organisation(name).await;
        trust(&w.app, &w.organiser, w.host, other).await;
        given.push(other.to_string());
    }
    let path = format!("/api/v1/organisations/{}/trusted-organisations", w.host);
    let first = w.app.get(&format!("{path}?limit=2"), Some(&w.organiser)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let cursor = first.body["next_cursor"].as_str().expect("a second page").to_owned();
    let second = w.app.get(&format!("{path}?limit=2&cursor={cursor}"), Some(&w.organiser)).await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.body["next_cursor"], Value::Null);
    let listed: Vec<&str> = [&first, &second]
        .iter()
        .flat_map(|page| page.body["items"].as_array().unwrap())
        .map(|item| item["trusted_organisation_id"].as_str().unwrap())
        .collect();
    let newest_first: Vec<&str> = given.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first);

    // A cursor of this list means nothing for another organisation's.
    let other_path = format!("/api/v1/organisations/{}/trusted-organisations", w.guest);
    w.app
        .get(&format!("{other_path}?cursor={cursor}"), Some(&w.app.admin().await))
        .await
        .assert_problem(400, "invalid_cursor");
    w.app.get(&format!("{path}?limit=0"), Some(&w.organiser)).await.assert_problem(422, "validation_failed");
}
