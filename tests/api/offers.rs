//! Offers instead of silent promotion (issue 19, item 3): on an event with
//! `waitlist_promotion: offer`, a freed seat is kept for the first waiting person until a
//! deadline; accepting confirms it, declining or letting it expire passes it on, in the seat
//! transaction, and an offer lapses once however many processes sweep.

use chrono::{DateTime, Duration, Utc};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::receiver::Receiver;
use crate::webhook_delivery::{fast, subscribe};

/// One seat at the venue, nothing online: every freed seat is the offer under test.
fn one_seat_with_offers(patch: Value) -> Value {
    with(
        json!({"waitlist_promotion": "offer", "online": null,
               "onsite": {"venue_name": "CEPAIM Soria", "address": "Calle Example 1", "capacity": 1,
                          "reserved_for_physical_space_need": 0}}),
        patch,
    )
}

fn reachable(language: &str) -> Value {
    let mut body = participant("onsite", false);
    body["participant"]["preferred_language"] = json!(language);
    body["consent"]["contact"] = json!(true);
    body
}

fn id(registration: &Value) -> &str {
    registration["id"].as_str().unwrap()
}

async fn registration(app: &TestApp, token: &str, registration: &Value) -> Value {
    let read = app.get(&format!("/api/v1/registrations/{}", id(registration)), Some(token)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    read.body
}

async fn answer(app: &TestApp, token: &str, registration: &Value, answer: &str) -> crate::helpers::Resp {
    app.post(&format!("/api/v1/registrations/{}/{answer}", id(registration)), Some(token), json!({})).await
}

async fn cancel(app: &TestApp, token: &str, registration: &Value) {
    let cancelled =
        app.post(&format!("/api/v1/registrations/{}/cancel", id(registration)), Some(token), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
}

async fn actions(app: &TestApp, token: &str, registration: &Value) -> Vec<(String, String)> {
    let history = app.get(&format!("/api/v1/registrations/{}/history", id(registration)), Some(token)).await;
    assert_eq!(history.status, 200, "{}", history.text);
    history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (entry["action"].as_str().unwrap().to_owned(), entry["actor_kind"].as_str().unwrap().to_owned())
        })
        .collect()
}

async fn items_of(app: &TestApp, token: &str, event: Uuid, registration: &Value) -> Vec<Value> {
    let list = app.get(&format!("/api/v1/outreach?event_id={event}&limit=200"), Some(token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["registration_id"] == registration["id"])
        .cloned()
        .collect()
}

/// The clock moved past an offer's deadline: what a day of waiting does, in a test.
async fn deadline_moved(app: &TestApp, registration: &Value, from_now: &str) {
    diesel::sql_query(format!(
        "UPDATE registrations SET offer_expires_at = now() + interval '{from_now}' WHERE id = $1 AND status = 'offered'"
    ))
    .bind::<diesel::sql_types::Uuid, _>(Uuid::parse_str(id(registration)).unwrap())
    .execute(&mut app.conn().await)
    .await
    .unwrap();
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap_or_else(|| panic!("a time: {value}")).parse().unwrap()
}

async fn onsite_seats(app: &TestApp, token: &str, event: Uuid) -> (i64, i64, i64) {
    let read = app.get(&format!("/api/v1/events/{event}"), Some(token)).await;
    let onsite = &read.body["onsite"];
    (
        onsite["confirmed"].as_i64().unwrap(),
        onsite["waitlisted"].as_i64().unwrap(),
        onsite["available"].as_i64().unwrap(),
    )
}

#[actix_web::test]
async fn a_freed_seat_is_offered_held_and_confirmed_once_accepted() {
    let mut receiver = Receiver::start().await;
    let app = spawn_app_with(fast).await;
    let (org, organiser, event) = published_event(&app, one_seat_with_offers(json!({}))).await;
    let partner = app.partner_of(org).await;
    subscribe(&app, &partner, &receiver.url("/offers"), json!(["registration.offered"])).await;
    let seated = registered(&app, &partner, event, reachable("es")).await;
    let first = registered(&app, &partner, event, reachable("fr")).await;
    assert_eq!(first["status"], "waitlisted");
    assert_eq!(first["offer_expires_at"], Value::Null);

    cancel(&app, &partner, &seated).await;
    let offered = registration(&app, &partner, &first).await;
    assert_eq!(offered["status"], "offered");
    let deadline = time(&offered["offer_expires_at"]);
    let expected = Utc::now() + Duration::hours(48);
    assert!((deadline - expected).num_seconds().abs() <= 5, "48 hours by default: {deadline}");
    assert_eq!(offered["waitlist_position"], Value::Null);

    // The seat is held: the counters count it taken, and the next person waits.
    assert_eq!(onsite_seats(&app, &organiser, event).await, (1, 0, 0));
    let next = registered(&app, &partner, event, reachable("es")).await;
    assert_eq!(next["status"], "waitlisted", "an offered seat is taken");

    // The partner hears it by webhook, with the deadline, and has the person told.
    let post = receiver.next().await.json();
    assert_eq!(post["type"], "registration.offered");
    assert_eq!(post["registration_id"], first["id"]);
    assert_eq!(post["data"]["status"], "offered");
    assert_eq!(post["data"]["previous_status"], "waitlisted");
    assert_eq!(time(&post["data"]["offer_expires_at"]), deadline);
    let items = items_of(&app, &partner, event, &first).await;
    let open: Vec<_> = items.iter().filter(|item| item["status"] == "open").collect();
    assert_eq!(open.len(), 1, "{items:?}");
    assert_eq!(open[0]["kind"], "offered");
    assert_eq!(open[0]["channel"], "phone", "an offer is answered: a call");
    let text = open[0]["message"]["text"].as_str().unwrap();
    assert!(text.starts_with("Une place s’est libérée à Third regional roundtable"), "{text}");
    assert!(text.contains("si vous la voulez avant le"), "the deadline is said: {text}");

    // Accepted: confirmed, the deadline gone, the history says so; again is the same answer.
    let accepted = answer(&app, &partner, &first, "accept-offer").await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.body["status"], "confirmed");
    assert_eq!(accepted.body["offer_expires_at"], Value::Null);
    let again = answer(&app, &partner, &first, "accept-offer").await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["status"], "confirmed");
    assert_eq!(
        actions(&app, &organiser, &first).await,
        [("created", "api_client"), ("offered", "api_client"), ("offer_accepted", "api_client")]
            .map(|(a, k)| (a.to_owned(), k.to_owned()))
    );
    assert_eq!(onsite_seats(&app, &organiser, event).await, (1, 1, 0));
    let items = items_of(&app, &partner, event, &first).await;
    let open: Vec<_> = items.iter().filter(|item| item["status"] == "open").collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["kind"], "confirmed", "what holds now, to keep");

    // Only an offer is answered.
    answer(&app, &partner, &next, "accept-offer").await.assert_problem(409, "not_offered");
    answer(&app, &partner, &first, "decline-offer").await.assert_problem(409, "not_offered");
    let stranger = app.partner_of(org).await;
    answer(&app, &stranger, &next, "accept-offer").await.assert_problem(404, "not_found");
    assert_eq!(registration(&app, &partner, &next).await["status"], "waitlisted");
}

#[actix_web::test]
async fn a_declined_or_expired_offer_passes_the_seat_to_the_next_person() {
    // The server's own sweep runs only at start-up: the test's sweeps are the job.
    let app = spawn_app_with(|settings| settings.reminder_sweep_seconds = 3600).await;
    let (org, organiser, event) = published_event(&app, one_seat_with_offers(json!({}))).await;
    let partner = app.partner_of(org).await;
    let seated = registered(&app, &partner, event, reachable("es")).await;
    let first = registered(&app, &partner, event, reachable("es")).await;
    let second = registered(&app, &partner, event, reachable("en")).await;
    let third = registered(&app, &partner, event, reachable("es")).await;
    cancel(&app, &partner, &seated).await;
    assert_eq!(registration(&app, &partner, &first).await["status"], "offered");

    // Declined: cancelled, and the seat is offered to the next, in the same request.
    let declined = answer(&app, &partner, &first, "decline-offer").await;
    assert_eq!(declined.status, 200, "{}", declined.text);
    assert_eq!(declined.body["status"], "cancelled");
    assert_eq!(declined.body["offer_expires_at"], Value::Null);
    let again = answer(&app, &partner, &first, "decline-offer").await;
    assert_eq!(again.status, 200, "a retry: {}", again.text);
    assert_eq!(registration(&app, &partner, &second).await["status"], "offered");
    assert_eq!(actions(&app, &organiser, &first).await.last().unwrap().0, "offer_declined");
    assert!(
        items_of(&app, &partner, event, &first).await.iter().all(|item| item["status"] != "open"),
        "whoever declined knows"
    );

    // Past its deadline an offer cannot be accepted, even before the job has passed, and
    // the refusal changes nothing.
    deadline_moved(&app, &second, "-1 minute").await;
    answer(&app, &partner, &second, "accept-offer").await.assert_problem(409, "offer_expired");
    assert_eq!(registration(&app, &partner, &second).await["status"], "offered");
    assert_eq!(registration(&app, &partner, &third).await["status"], "waitlisted");

    // The job lets it lapse: cancelled, the person told, the seat offered to the next.
    assert_eq!(hybrid_events::reminders::lapse_offers(&app.pool).await.unwrap(), 1);
    assert_eq!(hybrid_events::reminders::lapse_offers(&app.pool).await.unwrap(), 0);
    assert_eq!(registration(&app, &partner, &second).await["status"], "cancelled");
    assert_eq!(registration(&app, &partner, &third).await["status"], "offered");
    assert_eq!(
        actions(&app, &organiser, &second).await.last().unwrap(),
        &("offer_expired".to_owned(), "system".to_owned())
    );
    let told: Vec<_> = items_of(&app, &partner, event, &second)
        .await
        .into_iter()
        .filter(|item| item["status"] == "open")
        .collect();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["kind"], "offer_expired");
    let text = told[0]["message"]["text"].as_str().unwrap();
    assert!(text.starts_with("We kept a place for you at Third regional roundtable"), "{text}");
    assert_eq!(onsite_seats(&app, &organiser, event).await, (1, 0, 0));

    // An offered registration keeps its seat until it is answered.
    let moved = app
        .patch(
            &format!("/api/v1/registrations/{}", id(&third)),
            Some(&partner),
            json!({"attendance_mode": "online"}),
        )
        .await;
    moved.assert_problem(409, "offer_pending");
    assert_eq!(registration(&app, &partner, &third).await["attendance_mode"], "onsite");
}

#[actix_web::test]
async fn an_offer_ends_two_hours_before_the_start_and_after_that_seats_are_confirmed() {
    let app = spawn_app().await;
    for (starts_in, given) in [(Duration::hours(10), "offered"), (Duration::minutes(90), "confirmed")] {
        let starts = Utc::now() + starts_in;
        let (org, organiser, event) = published_event(
            &app,
            one_seat_with_offers(json!({"starts_at": starts.to_rfc3339(),
                                        "ends_at": (starts + Duration::hours(3)).to_rfc3339()})),
        )
        .await;
        let partner = app.partner_of(org).await;
        let seated = registered(&app, &partner, event, reachable("es")).await;
        let waiting = registered(&app, &partner, event, reachable("es")).await;
        cancel(&app, &partner, &seated).await;
        let now = registration(&app, &partner, &waiting).await;
        assert_eq!(now["status"], given, "starting in {starts_in}");
        if given == "offered" {
            let deadline = time(&now["offer_expires_at"]);
            let latest = time(&json!(starts.to_rfc3339())) - Duration::hours(2);
            assert!((deadline - latest).num_seconds().abs() <= 1, "{deadline} vs {latest}");
        } else {
            assert_eq!(now["offer_expires_at"], Value::Null);
            assert_eq!(actions(&app, &organiser, &waiting).await.last().unwrap().0, "promoted");
        }
    }
}

#[actix_web::test]
async fn an_automatic_event_promotes_as_before_and_the_settings_are_checked() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let read = app.get(&format!("/api/v1/events/{event}"), Some(&organiser)).await;
    assert_eq!(read.body["waitlist_promotion"], "automatic");
    assert_eq!(read.body["offer_hours"], 48);
    let partner = app.partner_of(org).await;
    let seated = registered(&app, &partner, event, reachable("es")).await;
    let waiting = registered(&app, &partner, event, reachable("es")).await;
    cancel(&app, &partner, &seated).await;
    assert_eq!(registration(&app, &partner, &waiting).await["status"], "confirmed");

    for (patch, field) in
        [(json!({"offer_hours": 0}), "offer_hours"), (json!({"offer_hours": 721}), "offer_hours")]
    {
        let refused = app.patch(&format!("/api/v1/events/{event}"), Some(&organiser), patch).await;
        refused.assert_problem(422, "validation_failed");
        assert_eq!(refused.field_errors()[0].0, field);
    }
    let refused = app
        .patch(&format!("/api/v1/events/{event}"), Some(&organiser), json!({"waitlist_promotion": "lottery"}))
        .await;
    assert!(refused.status == 400 || refused.status == 422, "{}", refused.text);
    let changed = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&organiser),
            json!({"waitlist_promotion": "offer", "offer_hours": 24}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["waitlist_promotion"], "offer");
    assert_eq!(changed.body["offer_hours"], 24);
    let history = app.get(&format!("/api/v1/events/{event}/history"), Some(&organiser)).await;
    let fields: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|entry| entry["changes"].as_array().unwrap())
        .map(|change| change["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"waitlist_promotion") && fields.contains(&"offer_hours"), "{fields:?}");
}

#[actix_web::test]
async fn racing_processes_let_each_offer_lapse_once() {
    let app = spawn_app_with(|settings| settings.reminder_sweep_seconds = 3600).await;
    let (org, organiser, event) = published_event(
        &app,
        one_seat_with_offers(json!({"onsite": {"capacity": 2, "reserved_for_physical_space_need": 0}})),
    )
    .await;
    let partner = app.partner_of(org).await;
    let mut people = Vec::new();
    for _ in 0..6 {
        people.push(registered(&app, &partner, event, reachable("es")).await);
    }
    cancel(&app, &partner, &people[0]).await;
    cancel(&app, &partner, &people[1]).await;
    for offered in &people[2..4] {
        assert_eq!(registration(&app, &partner, offered).await["status"], "offered");
        deadline_moved(&app, offered, "-1 second").await;
    }
    let sweeps =
        futures_util::future::join_all((0..4).map(|_| hybrid_events::reminders::lapse_offers(&app.pool)))
            .await;
    let lapsed: usize = sweeps.into_iter().map(Result::unwrap).sum();
    assert_eq!(lapsed, 2, "each offer lapses once");
    for (person, status) in people[2..].iter().zip(["cancelled", "cancelled", "offered", "offered"]) {
        assert_eq!(registration(&app, &partner, person).await["status"], status);
    }
    for lapsed in &people[2..4] {
        let expired =
            actions(&app, &organiser, lapsed).await.into_iter().filter(|(a, _)| a == "offer_expired").count();
        assert_eq!(expired, 1);
        let told = items_of(&app, &partner, event, lapsed).await;
        assert_eq!(told.iter().filter(|item| item["kind"] == "offer_expired").count(), 1, "{told:?}");
    }
    assert_eq!(onsite_seats(&app, &organiser, event).await, (2, 0, 0));
}

/// Accepting at the deadline races the job letting the offer lapse: whichever comes first
/// wins, whole, and the other changes nothing.
#[actix_web::test]
async fn an_accept_racing_the_expiry_job_either_confirms_or_passes_the_seat_on_never_both() {
    let app = spawn_app_with(|settings| settings.reminder_sweep_seconds = 3600).await;
    let mut outcomes = (0, 0);
    for round in 0..8 {
        let (org, organiser, event) = published_event(&app, one_seat_with_offers(json!({}))).await;
        let partner = app.partner_of(org).await;
        let seated = registered(&app, &partner, event, reachable("es")).await;
        let first = registered(&app, &partner, event, reachable("es")).await;
        let second = registered(&app, &partner, event, reachable("es")).await;
        cancel(&app, &partner, &seated).await;
        deadline_moved(&app, &first, &format!("{} milliseconds", 20 * round)).await;

        let accept = answer(&app, &partner, &first, "accept-offer");
        let expire = async {
            // The job's rounds, until the offer is answered or lapses.
            let mut lapsed = 0;
            loop {
                lapsed += hybrid_events::reminders::lapse_offers(&app.pool).await.unwrap();
                if registration(&app, &partner, &first).await["status"] != "offered" {
                    return lapsed;
                }
                tokio::task::yield_now().await;
            }
        };
        let (accepted, lapsed) = tokio::join!(accept, expire);
        let first_now = registration(&app, &partner, &first).await;
        let second_now = registration(&app, &partner, &second).await;
        let history: Vec<String> =
            actions(&app, &organiser, &first).await.into_iter().map(|(a, _)| a).collect();
        if accepted.status == 200 {
            outcomes.0 += 1;
            assert_eq!(lapsed, 0, "round {round}");
            assert_eq!(first_now["status"], "confirmed");
            assert_eq!(second_now["status"], "waitlisted");
            assert_eq!(history.last().unwrap(), "offer_accepted");
        } else {
            outcomes.1 += 1;
            accepted.assert_problem(409, "offer_expired");
            assert_eq!(lapsed, 1, "round {round}");
            assert_eq!(first_now["status"], "cancelled");
            assert_eq!(second_now["status"], "offered");
            assert_eq!(history.last().unwrap(), "offer_expired");
        }
        assert!(
            !(history.contains(&"offer_accepted".to_owned())
                && history.contains(&"offer_expired".to_owned())),
            "round {round}: {history:?}"
        );
        assert_eq!(onsite_seats(&app, &organiser, event).await.0, 1, "round {round}: one seat, held once");
    }
    assert_eq!(outcomes.0 + outcomes.1, 8, "{outcomes:?}");
}

#[actix_web::test]
async fn a_cancelled_event_gives_no_seat_and_its_offers_stay_as_they_were() {
    let app = spawn_app_with(|settings| settings.reminder_sweep_seconds = 3600).await;
    let (org, organiser, event) = published_event(
        &app,
        one_seat_with_offers(json!({"onsite": {"capacity": 2, "reserved_for_physical_space_need": 0}})),
    )
    .await;
    let partner = app.partner_of(org).await;
    let seated = registered(&app, &partner, event, reachable("es")).await;
    let freed = registered(&app, &partner, event, reachable("es")).await;
    let first = registered(&app, &partner, event, reachable("es")).await;
    let second = registered(&app, &partner, event, reachable("es")).await;
    cancel(&app, &partner, &freed).await;
    assert_eq!(registration(&app, &partner, &first).await["status"], "offered");
    let cancelled = app.post(&format!("/api/v1/events/{event}/cancel"), Some(&organiser), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);

    deadline_moved(&app, &first, "-1 minute").await;
    assert_eq!(hybrid_events::reminders::lapse_offers(&app.pool).await.unwrap(), 0);
    assert_eq!(registration(&app, &partner, &first).await["status"], "offered");
    cancel(&app, &partner, &seated).await;
    assert_eq!(registration(&app, &partner, &second).await["status"], "waitlisted", "no seat is given");
    let told: Vec<_> = items_of(&app, &partner, event, &second).await;
    assert!(told.iter().all(|item| item["kind"] != "offered" && item["kind"] != "promoted"), "{told:?}");
}
