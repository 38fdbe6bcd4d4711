//! The seat rules under concurrent load, against the real database: these tests fail if
//! the transactions race.

use futures_util::future::join_all;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{read, spawn_app_with, Resp, TestApp};

/// These tests are about correctness under contention, not latency: on a loaded machine
/// the queue on one event row can outlast the default timeouts, which would answer 503.
async fn spawn_app() -> TestApp {
    spawn_app_with(|s| {
        s.database_acquire_timeout_ms = 60_000;
        s.database_statement_timeout_ms = 60_000;
        s.database_pool_size = 16;
    })
    .await
}

async fn register_as(
    app: &TestApp,
    base: &str,
    token: &str,
    event: Uuid,
    body: &Value,
    key: Option<&str>,
) -> Resp {
    let mut request =
        app.client.post(format!("{base}/api/v1/events/{event}/registrations")).bearer_auth(token).json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    read(request.send().await.expect("sent")).await
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Recount {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    counters_agree: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    free_seat_and_eligible_waiting: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    overbooked: bool,
}

/// Compares the event's counters with a recount of its registrations, and checks the
/// promotion invariant and seat rule 1.
async fn recount(app: &TestApp, event: Uuid) -> Recount {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "WITH c AS (
            SELECT count(*) FILTER (WHERE status = 'confirmed' AND attendance_mode = 'online') AS online_confirmed,
                   count(*) FILTER (WHERE status = 'waitlisted' AND attendance_mode = 'online') AS online_waitlisted,
                   count(*) FILTER (WHERE status = 'confirmed' AND attendance_mode = 'onsite') AS onsite_confirmed,
                   count(*) FILTER (WHERE status = 'confirmed' AND attendance_mode = 'onsite' AND needs_physical_space) AS onsite_physical,
                   count(*) FILTER (WHERE status = 'waitlisted' AND attendance_mode = 'onsite') AS onsite_waitlisted,
                   count(*) FILTER (WHERE status = 'waitlisted' AND attendance_mode = 'onsite' AND needs_physical_space) AS onsite_waitlisted_physical
              FROM registrations WHERE event_id = $1)
         SELECT (e.online_confirmed = c.online_confirmed AND e.online_waitlisted = c.online_waitlisted
                 AND e.onsite_confirmed = c.onsite_confirmed AND e.onsite_confirmed_physical_space = c.onsite_physical
                 AND e.onsite_waitlisted = c.onsite_waitlisted
                 AND e.onsite_waitlisted_physical_space = c.onsite_waitlisted_physical) AS counters_agree,
                (c.onsite_waitlisted_physical > 0 AND c.onsite_confirmed < e.onsite_capacity) AS free_seat_and_eligible_waiting,
                (c.onsite_confirmed > e.onsite_capacity OR c.online_confirmed > coalesce(e.online_capacity, 2147483647)) AS overbooked
           FROM events e, c WHERE e.id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(event)
    .get_result(&mut app.conn().await)
    .await
    .unwrap()
}

fn statuses(responses: &[Resp]) -> (usize, Vec<i64>) {
    for r in responses {
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let confirmed = responses.iter().filter(|r| r.body["status"] == "confirmed").count();
    let mut positions: Vec<i64> =
        responses.iter().filter_map(|r| r.body["waitlist_position"].as_i64()).collect();
    positions.sort();
    (confirmed, positions)
}

#[actix_web::test]
async fn sixty_simultaneous_registrations_for_five_seats_confirm_exactly_five() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 5, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let mut partners = Vec::new();
    for _ in 0..4 {
        partners.push(app.partner_of(org).await);
    }
    let bodies: Vec<Value> = (0..64).map(|_| participant("onsite", false)).collect();
    let responses = join_all(
        bodies
            .iter()
            .enumerate()
            .map(|(i, body)| register_as(&app, &app.address, &partners[i % 4], event, body, None)),
    )
    .await;
    let (confirmed, positions) = statuses(&responses);
    assert_eq!(confirmed, 5);
    assert_eq!(positions, (1..=59).collect::<Vec<i64>>(), "positions 1..n without gaps or repeats");
    let recount = recount(&app, event).await;
    assert_eq!(
        recount,
        Recount { counters_agree: true, free_seat_and_eligible_waiting: false, overbooked: false }
    );
}

#[actix_web::test]
async fn simultaneous_registrations_with_the_need_are_told_their_place_among_those_with_the_need() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 2, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let bodies: Vec<Value> = (0..40).map(|i| participant("onsite", i % 2 == 0)).collect();
    let responses =
        join_all(bodies.iter().map(|body| register_as(&app, &app.address, &partner, event, body, None)))
            .await;
    let (confirmed, _) = statuses(&responses);
    assert_eq!(confirmed, 2);
    let waiting = |need: bool| {
        let mut positions: Vec<i64> = responses
            .iter()
            .filter(|r| r.body["needs_physical_space"] == need)
            .filter_map(|r| r.body["waitlist_position"].as_i64())
            .collect();
        positions.sort();
        positions
    };
    // Each arrives behind everyone with the need who waits already, and no one else.
    let needy = waiting(true);
    assert_eq!(needy, (1..=needy.len() as i64).collect::<Vec<_>>(), "{needy:?}");
    // Behind everyone waiting, so no two share a place.
    let rest = waiting(false);
    assert!(rest.windows(2).all(|w| w[0] < w[1]), "{rest:?}");
    assert_eq!(needy.len() + rest.len(), 38);
    let recount = recount(&app, event).await;
    assert!(recount.counters_agree && !recount.overbooked, "{recount:?}");
}

#[actix_web::test]
async fn simultaneous_cancellations_and_registrations_leave_counters_equal_to_a_recount() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": {"capacity": 4}, "onsite": {"capacity": 6, "reserved_for_physical_space_need": 2}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let mut first_wave = Vec::new();
    for i in 0..24 {
        let body = match i % 4 {
            0 => participant("onsite", true),
            1 => with(participant("onsite", false), json!({"accept_online_fallback": true})),
            2 => participant("online", false),
            _ => participant("onsite", false),
        };
        first_wave.push(registered(&app, &partner, event, body).await);
    }
    let cancellations = first_wave.iter().step_by(2).map(|r| {
        let path = format!("/api/v1/registrations/{}/cancel", r["id"].as_str().unwrap());
        let (app, organiser) = (&app, &organiser);
        async move { app.post(&path, Some(organiser), json!({})).await }
    });
    let bodies: Vec<Value> = (0..16)
        .map(|i| participant(if i % 2 == 0 { "onsite" } else { "online" }, i % 3 == 0 && i % 2 == 0))
        .collect();
    let registrations =
        bodies.iter().map(|body| register_as(&app, &app.address, &partner, event, body, None));
    let (cancelled, created) = tokio::join!(join_all(cancellations), join_all(registrations));
    assert!(
        cancelled.iter().all(|r| r.status == 200),
        "{:?}",
        cancelled.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    assert!(created.iter().all(|r| r.status == 201));
    let recount = recount(&app, event).await;
    assert_eq!(
        recount,
        Recount { counters_agree: true, free_seat_and_eligible_waiting: false, overbooked: false }
    );
    let seen = app.get(&format!("/api/v1/events/{event}"), None).await.body;
    assert_eq!(seen["onsite"]["confirmed"], 6, "every freed seat was refilled: {seen}");
    assert_eq!(seen["online"]["confirmed"], 4);
}

#[actix_web::test]
async fn two_server_processes_on_one_database_do_not_overbook() {
    let app = spawn_app().await;
    let second = hybrid_events::startup::Application::build(app.settings.clone()).await.unwrap();
    let second_address = format!("http://127.0.0.1:{}", second.port());
    let second_server = second.into_server();
    let second_handle = second_server.handle();
    actix_web::rt::spawn(second_server);
    let (org, _organiser, event) = published_event(
        &app,
        json!({"online": {"capacity": 3}, "onsite": {"capacity": 5, "reserved_for_physical_space_need": 2}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let bodies: Vec<Value> = (0..60)
        .map(|i| match i % 3 {
            0 => participant("onsite", i % 2 == 0),
            1 => with(participant("onsite", false), json!({"accept_online_fallback": true})),
            _ => participant("online", false),
        })
        .collect();
    let responses = join_all(bodies.iter().enumerate().map(|(i, body)| {
        let base = if i % 2 == 0 { app.address.clone() } else { second_address.clone() };
        let partner = &partner;
        let app = &app;
        async move { register_as(app, &base, partner, event, body, None).await }
    }))
    .await;
    let (confirmed, _) = statuses(&responses);
    assert_eq!(confirmed, 8, "5 onsite and 3 online seats");
    let recount = recount(&app, event).await;
    assert_eq!(
        recount,
        Recount { counters_agree: true, free_seat_and_eligible_waiting: false, overbooked: false }
    );
    drop(second_handle.stop(false));
}

#[actix_web::test]
async fn the_same_idempotency_key_sent_concurrently_creates_one_registration() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let body = participant("onsite", true);
    let responses =
        join_all((0..20).map(|_| register_as(&app, &app.address, &partner, event, &body, Some("one-key"))))
            .await;
    let first = &responses[0];
    for response in &responses {
        assert_eq!(response.status, 201, "{}", response.text);
        assert_eq!(response.body["id"], first.body["id"]);
    }
    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}
