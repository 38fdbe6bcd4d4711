//! The seat rules under concurrent load, against the real database: these tests fail if
//! the transactions race.

use futures_util::future::join_all;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{read, spawn_app_with, Resp, TestApp, JWT_SECRET};
use crate::hosted_places::{hosted, offer, place};
use crate::process::Running;

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

/// One room of an event (online, the main venue or a place it offers): its seats and
/// counters as stored, a recount of its registrations, and who waits that may take a seat
/// there (rule 4's queue of the room).
#[derive(diesel::QueryableByName, Debug)]
pub struct RoomCount {
    /// "online", "venue" or the place's id.
    #[diesel(sql_type = diesel::sql_types::Text)]
    room: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    capacity: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    reserved: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    confirmed: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    confirmed_physical_space: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    waitlisted: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    waitlisted_physical_space: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    recounted_confirmed: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    recounted_confirmed_physical_space: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    recounted_waitlisted: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    recounted_waitlisted_physical_space: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    may_take_with_need: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    may_take_without_need: i32,
}

impl RoomCount {
    /// Every seat rule of one room, judged on the recount (not on the counters it checks).
    fn broken_rules(&self) -> Vec<String> {
        let mut broken = Vec::new();
        let counters =
            (self.confirmed, self.confirmed_physical_space, self.waitlisted, self.waitlisted_physical_space);
        let recount = (
            self.recounted_confirmed,
            self.recounted_confirmed_physical_space,
            self.recounted_waitlisted,
            self.recounted_waitlisted_physical_space,
        );
        if counters != recount {
            broken.push(format!("counters {counters:?} but a recount gives {recount:?}"));
        }
        let (confirmed, with_need) = (self.recounted_confirmed, self.recounted_confirmed_physical_space);
        if confirmed > self.capacity {
            broken.push(format!("overbooked: {confirmed} confirmed for {} seats", self.capacity));
        }
        let without_need = confirmed - with_need;
        if without_need > self.capacity - self.reserved {
            broken.push(format!(
                "reserved seats to people without the need: {without_need} of them for {} - {} seats",
                self.capacity, self.reserved
            ));
        }
        // Rule 4 after the dust settles: people with the need may take any free seat, the
        // others only the unreserved ones not taken by anyone (`domain::seats::Room`).
        let free = (self.capacity - confirmed).max(0);
        let unreserved_taken = without_need + (with_need - self.reserved).max(0);
        let free_unreserved = (self.capacity - self.reserved - unreserved_taken).max(0).min(free);
        if free > 0 && self.may_take_with_need > 0 {
            broken.push(format!(
                "{free} free seats while {} with the need wait for them",
                self.may_take_with_need
            ));
        }
        if free_unreserved > 0 && self.may_take_without_need > 0 {
            broken.push(format!(
                "{free_unreserved} free unreserved seats while {} without the need wait for them",
                self.may_take_without_need
            ));
        }
        broken
    }
}

/// Every seat rule any of `rooms` breaks, each named with its room.
pub fn broken_rules_of(rooms: &[RoomCount]) -> Vec<String> {
    rooms
        .iter()
        .flat_map(|room| room.broken_rules().into_iter().map(move |rule| format!("{}: {rule}", room.room)))
        .collect()
}

/// The rooms of `event`, each with its recount from the registrations table. Online has no
/// reserved seats and no physical-space counters: those recount as 0.
pub async fn rooms(app: &TestApp, event: Uuid) -> Vec<RoomCount> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "WITH rooms AS (
            SELECT 'online' AS room, NULL::uuid AS place_id, coalesce(online_capacity, 2147483647) AS capacity,
                   0 AS reserved, online_confirmed AS confirmed, 0 AS confirmed_physical_space,
                   online_waitlisted AS waitlisted, 0 AS waitlisted_physical_space
              FROM events WHERE id = $1
            UNION ALL
            SELECT 'venue', NULL, onsite_capacity, onsite_reserved, onsite_confirmed,
                   onsite_confirmed_physical_space, onsite_waitlisted, onsite_waitlisted_physical_space
              FROM events WHERE id = $1
            UNION ALL
            SELECT place_id::text, place_id, capacity, reserved, confirmed, confirmed_physical_space,
                   waitlisted, waitlisted_physical_space
              FROM event_places WHERE event_id = $1),
         r AS (
            SELECT rooms.room, g.status, g.needs_physical_space AND rooms.room <> 'online' AS need,
                   CASE rooms.room
                        WHEN 'online' THEN g.attendance_mode = 'online'
                        WHEN 'venue' THEN g.attendance_mode = 'onsite' AND g.place_id IS NULL
                        ELSE g.place_id = rooms.place_id END AS here,
                   g.status = 'waitlisted' AND CASE rooms.room
                        WHEN 'online' THEN g.attendance_mode = 'online'
                             OR (g.attendance_mode = 'onsite' AND g.accept_online_fallback AND NOT g.needs_physical_space)
                        WHEN 'venue' THEN g.attendance_mode = 'onsite' AND g.place_id IS NULL
                        ELSE g.attendance_mode = 'onsite'
                             AND (g.place_id = rooms.place_id OR rooms.place_id = ANY(g.acceptable_place_ids)) END
                     AS may_take
              FROM rooms CROSS JOIN registrations g WHERE g.event_id = $1)
         SELECT rooms.room, rooms.capacity, rooms.reserved, rooms.confirmed, rooms.confirmed_physical_space,
                rooms.waitlisted, rooms.waitlisted_physical_space,
                count(*) FILTER (WHERE r.here AND r.status = 'confirmed')::int AS recounted_confirmed,
                count(*) FILTER (WHERE r.here AND r.status = 'confirmed' AND r.need)::int AS recounted_confirmed_physical_space,
                count(*) FILTER (WHERE r.here AND r.status = 'waitlisted')::int AS recounted_waitlisted,
                count(*) FILTER (WHERE r.here AND r.status = 'waitlisted' AND r.need)::int AS recounted_waitlisted_physical_space,
                count(*) FILTER (WHERE r.may_take AND r.need)::int AS may_take_with_need,
                count(*) FILTER (WHERE r.may_take AND NOT r.need)::int AS may_take_without_need
           FROM rooms LEFT JOIN r ON r.room = rooms.room
          GROUP BY rooms.room, rooms.capacity, rooms.reserved, rooms.confirmed, rooms.confirmed_physical_space,
                   rooms.waitlisted, rooms.waitlisted_physical_space
          ORDER BY rooms.room",
    )
    .bind::<diesel::sql_types::Uuid, _>(event)
    .load(&mut app.conn().await)
    .await
    .unwrap()
}

/// Any request of the test, to either server.
async fn send(
    app: &TestApp,
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> Resp {
    let request = app.client.request(method, format!("{base}{path}")).bearer_auth(token).json(&body);
    read(request.send().await.expect("sent")).await
}

#[actix_web::test]
async fn sixty_registrations_over_a_venue_and_two_places_with_cancellations_and_moves_in_flight_on_two_processes_overbook_nothing(
) {
    let app = spawn_app().await;
    // A second server: the real binary, another OS process with its own pools, on the same
    // database. Every seat decision must hold across both.
    let second = Running::start(
        &app.database.url(),
        &[
            ("JWT_SECRET", JWT_SECRET),
            ("RUST_LOG", "warn"),
            ("DATABASE_POOL_SIZE", "16"),
            ("DATABASE_ACQUIRE_TIMEOUT_MS", "60000"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "60000"),
        ],
    )
    .await;
    let second_base = second.url("");
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": {"capacity": 4}, "onsite": {"capacity": 10, "reserved_for_physical_space_need": 4}}),
    )
    .await;
    let almazan = place(&app, &organiser, org, hosted("Centro cívico de Almazán", "Almazán", 8)).await;
    let burgo =
        place(&app, &organiser, org, hosted("Biblioteca de El Burgo de Osma", "El Burgo de Osma", 6)).await;
    assert_eq!(offer(&app, &organiser, event, almazan, 7, 2).await.status, 201);
    assert_eq!(offer(&app, &organiser, event, burgo, 6, 1).await.status, 201);
    let mut partners = Vec::new();
    for _ in 0..4 {
        partners.push(app.partner_of(org).await);
    }
    let onsite = |place: Option<Uuid>, need: bool, acceptable: &[Uuid], fallback: bool| {
        with(
            participant("onsite", need),
            json!({"place_id": place, "acceptable_place_ids": acceptable, "accept_online_fallback": fallback}),
        )
    };

    // Before the rush, one at a time: 18 people, so that there is someone to cancel and to
    // move. The venue's 6 unreserved seats are taken and three people without the need wait
    // for it (its 2 free reserved seats are not for them); 12 seats are left to fight over.
    let mut first_wave = Vec::new();
    for body in [
        onsite(Some(almazan), false, &[], false),      // 0: moves to El Burgo
        onsite(Some(almazan), false, &[], false),      // 1: moves to the venue
        onsite(Some(burgo), false, &[almazan], false), // 2: moves to Almazán
        onsite(None, true, &[], false),                // 3: moves to Almazán
        onsite(None, true, &[], false),                // 4: moves to El Burgo
        onsite(Some(almazan), true, &[], false),       // 5: cancels
        onsite(Some(almazan), false, &[], false),      // 6: cancels
        onsite(Some(burgo), false, &[], true),         // 7: cancels
        onsite(Some(burgo), true, &[almazan], false),  // 8: cancels
    ]
    .into_iter()
    .chain((0..9).map(|_| onsite(None, false, &[], false)))
    {
        first_wave.push(registered(&app, &partners[0], event, body).await);
    }
    let statuses: Vec<&Value> = first_wave.iter().map(|r| &r["status"]).collect();
    assert_eq!(statuses[..15], [&json!("confirmed"); 15]);
    assert_eq!(statuses[15..], [&json!("waitlisted"); 3]);

    // The rush: 60 registrations, 4 cancellations and 7 moves between rooms, all at once,
    // every other one through the second process.
    let base = |i: usize| if i.is_multiple_of(2) { app.address.clone() } else { second_base.clone() };
    let moves: Vec<(usize, Value)> = vec![
        (0, json!(burgo)),
        (1, Value::Null),
        (2, json!(almazan)),
        (3, json!(almazan)),
        (4, json!(burgo)),
        // Nothing frees a venue seat they could take, so they still wait when they move.
        (16, json!(almazan)),
        (17, json!(burgo)),
    ];
    let moving =
        join_all(
            moves.iter().map(|(i, to)| {
                let path = format!("/api/v1/registrations/{}", first_wave[*i]["id"].as_str().unwrap());
                let (base, app, partner) = (base(*i), &app, &partners[0]);
                async move {
                    send(app, &base, reqwest::Method::PATCH, &path, partner, json!({"place_id": to})).await
                }
            }),
        );
    let cancellations = join_all((5..9).map(|i| {
        let path = format!("/api/v1/registrations/{}/cancel", first_wave[i]["id"].as_str().unwrap());
        let (base, app, organiser) = (base(i), &app, &organiser);
        async move { send(app, &base, reqwest::Method::POST, &path, organiser, json!({})).await }
    }));
    let bodies: Vec<Value> = (0..60)
        .map(|i| match i % 10 {
            0 => onsite(None, false, &[], false),
            1 => onsite(None, true, &[], false),
            2 => onsite(Some(almazan), false, &[burgo], false),
            3 => onsite(Some(almazan), true, &[], false),
            4 => onsite(Some(burgo), false, &[], true),
            5 => onsite(Some(burgo), true, &[almazan], false),
            6 => onsite(None, false, &[almazan, burgo], true),
            7 => participant("online", false),
            8 => onsite(Some(almazan), false, &[], false),
            _ => onsite(Some(burgo), false, &[almazan], true),
        })
        .collect();
    let registrations = join_all(bodies.iter().enumerate().map(|(i, body)| {
        let (base, app, partner) = (base(i), &app, &partners[i % 4]);
        async move { register_as(app, &base, partner, event, body, None).await }
    }));
    let (created, cancelled, moved) = tokio::join!(registrations, cancellations, moving);

    for r in &created {
        assert_eq!(r.status, 201, "{}", r.text);
    }
    for r in &cancelled {
        assert_eq!(r.status, 200, "{}", r.text);
    }
    // Someone seated moving to a full room keeps the seat they have (409); anyone else moves.
    for ((i, to), answer) in moves.iter().zip(&moved) {
        let now = app
            .get(
                &format!("/api/v1/registrations/{}", first_wave[*i]["id"].as_str().unwrap()),
                Some(&organiser),
            )
            .await;
        if answer.status == 200 {
            assert_eq!((&answer.body["place_id"], &now.body["place_id"]), (to, to), "{}", answer.text);
        } else {
            assert!(*i < 15, "a waiting person always moves: {}", answer.text);
            answer.assert_problem(409, "capacity_full");
            assert_eq!(now.body["place_id"], first_wave[*i]["place_id"], "a refused move changes nothing");
            assert_eq!(now.body["status"], "confirmed");
        }
    }

    // Every room, recounted from the registrations table.
    let rooms = rooms(&app, event).await;
    assert_eq!(rooms.len(), 4, "{rooms:?}");
    let broken = broken_rules_of(&rooms);
    assert!(broken.is_empty(), "{broken:#?}\n{rooms:#?}");
    let of = |name: &str| rooms.iter().find(|r| r.room == name).unwrap();
    let total: i32 = rooms.iter().map(|r| r.recounted_confirmed + r.recounted_waitlisted).sum();
    assert_eq!(total, 18 + 60 - 4, "every registration is in one room, cancelled ones in none");
    // 27 seats and 78 people, 4 of whom cancelled: every room is full at the end.
    for room in &rooms {
        assert_eq!(room.recounted_confirmed, room.capacity, "{room:?}");
    }

    // Clients of either process read the same counters.
    for base in [&app.address, &second_base] {
        let seen = read(app.client.get(format!("{base}/api/v1/events/{event}")).send().await.unwrap()).await;
        assert_eq!(seen.status, 200, "{}", seen.text);
        let seen = seen.body;
        for (view, room) in [(&seen["online"], of("online")), (&seen["onsite"], of("venue"))] {
            assert_eq!(
                (&view["confirmed"], &view["waitlisted"]),
                (&json!(room.recounted_confirmed), &json!(room.recounted_waitlisted)),
                "{} {seen}",
                room.room
            );
        }
        let places = seen["places"].as_array().unwrap();
        assert_eq!(places.len(), 2);
        for view in places {
            let room = of(view["place_id"].as_str().unwrap());
            assert_eq!(
                (&view["confirmed"], &view["waitlisted"]),
                (&json!(room.recounted_confirmed), &json!(room.recounted_waitlisted)),
                "{seen}"
            );
            assert_eq!(view["available"], 0, "{seen}");
        }
    }
}

/// Who holds or waits for a seat in one onsite room of an event with group reservations, by
/// kind, recounted from the registrations table.
#[derive(diesel::QueryableByName, Debug)]
struct GroupKindCount {
    /// "venue" or the place's id.
    #[diesel(sql_type = diesel::sql_types::Text)]
    room: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    seated: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    need: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    category: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    count: i32,
}

async fn group_kinds(app: &TestApp, event: Uuid) -> Vec<GroupKindCount> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "SELECT coalesce(place_id::text, 'venue') AS room, status IN ('confirmed', 'offered') AS seated,
                needs_physical_space AS need, stakeholder_category AS category, count(*)::int AS count
           FROM registrations
          WHERE event_id = $1 AND attendance_mode = 'onsite' AND status <> 'cancelled'
          GROUP BY 1, 2, 3, 4",
    )
    .bind::<diesel::sql_types::Uuid, _>(event)
    .load(&mut app.conn().await)
    .await
    .unwrap()
}

/// Whether `people` (each the seat kinds they may take: 0 free, 1 the need's, 2 the
/// group's) can all be seated in `seats` (per kind), by trying every seating: the test's own
/// judge, written apart from the server's closed test.
fn everyone_seated(people: &[Vec<usize>], seats: &mut [i32]) -> bool {
    let Some((first, rest)) = people.split_first() else { return true };
    first.iter().any(|&kind| {
        if seats[kind] == 0 {
            return false;
        }
        seats[kind] -= 1;
        let seated = everyone_seated(rest, seats);
        seats[kind] += 1;
        seated
    })
}

#[actix_web::test]
async fn simultaneous_registrations_and_cancellations_at_rooms_with_group_reservations_seat_only_those_entitled(
) {
    let app = spawn_app().await;
    // The venue: 10 seats, 2 for the need, 3 for migrants and refugees. Almazán: 6 seats, 1
    // for the need, 2 for migrant-led organisations.
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 10, "reserved_for_physical_space_need": 2}}),
    )
    .await;
    let almazan = place(&app, &organiser, org, hosted("Centro cívico de Almazán", "Almazán", 8)).await;
    assert_eq!(offer(&app, &organiser, event, almazan, 6, 1).await.status, 201);
    let reserved = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&organiser),
            json!({"group_reservations": [
                {"categories": ["migrant", "refugee"], "seats": 3, "places": null},
                {"categories": ["migrant_led_organisation"], "seats": 2, "places": [almazan]}
            ]}),
        )
        .await;
    assert_eq!(reserved.status, 200, "{}", reserved.text);
    let mut partners = Vec::new();
    for _ in 0..4 {
        partners.push(app.partner_of(org).await);
    }
    let categories = ["refugee", "migrant_led_organisation", "volunteer", "ngo", "migrant"];
    let body = |i: usize| {
        let mut body = participant("onsite", i.is_multiple_of(3));
        body["participant"]["stakeholder_category"] = json!(categories[i % categories.len()]);
        if i % 2 == 1 {
            body["place_id"] = json!(almazan);
        }
        body
    };
    // Before the rush, one at a time: 12 people, some of whom cancel during it.
    let mut first_wave = Vec::new();
    for i in 0..12 {
        first_wave.push(registered(&app, &partners[0], event, body(i + 100)).await);
    }
    let cancellations = join_all(first_wave.iter().take(6).map(|r| {
        let path = format!("/api/v1/registrations/{}/cancel", r["id"].as_str().unwrap());
        let (app, organiser) = (&app, &organiser);
        async move { app.post(&path, Some(organiser), json!({})).await }
    }));
    let bodies: Vec<Value> = (0..60).map(body).collect();
    let registrations = join_all(
        bodies
            .iter()
            .enumerate()
            .map(|(i, body)| register_as(&app, &app.address, &partners[i % 4], event, body, None)),
    );
    let (cancelled, created) = tokio::join!(cancellations, registrations);
    for r in &cancelled {
        assert_eq!(r.status, 200, "{}", r.text);
    }
    for r in &created {
        assert_eq!(r.status, 201, "{}", r.text);
    }

    // The counters still agree with a recount, and no room holds more than its seats.
    for room in rooms(&app, event).await.iter().filter(|r| r.room != "online") {
        assert_eq!(
            (room.confirmed, room.confirmed_physical_space, room.waitlisted, room.waitlisted_physical_space),
            (
                room.recounted_confirmed,
                room.recounted_confirmed_physical_space,
                room.recounted_waitlisted,
                room.recounted_waitlisted_physical_space
            ),
            "{room:?}"
        );
        assert!(room.recounted_confirmed <= room.capacity, "{room:?}");
    }
    // Per room: (capacity, the need's seats, the group's seats, the group's categories).
    let venue_id = "venue".to_owned();
    let almazan_id = almazan.to_string();
    let rooms_of_test = [
        (&venue_id, 10, 2, 3, &["migrant", "refugee"][..]),
        (&almazan_id, 6, 1, 2, &["migrant_led_organisation"][..]),
    ];
    let kinds = group_kinds(&app, event).await;
    for (room, capacity, need_seats, group_seats, group) in rooms_of_test {
        let may_take = |need: bool, category: &str| {
            let mut kinds = vec![0];
            if need {
                kinds.push(1);
            }
            if group.contains(&category) {
                kinds.push(2);
            }
            kinds
        };
        let mut seated = Vec::new();
        for k in kinds.iter().filter(|k| &k.room == room && k.seated) {
            seated.extend(std::iter::repeat_n(may_take(k.need, &k.category), k.count as usize));
        }
        let mut seats = [capacity - need_seats - group_seats, need_seats, group_seats];
        assert!(
            everyone_seated(&seated, &mut seats),
            "{room}: someone holds a seat reserved for others: {kinds:?}"
        );
        // And no one waits who could still be seated there.
        for k in kinds.iter().filter(|k| &k.room == room && !k.seated) {
            let mut with = seated.clone();
            with.push(may_take(k.need, &k.category));
            assert!(!everyone_seated(&with, &mut seats), "{room}: a seat is free for {k:?}: {kinds:?}");
        }
        // 16 seats for 72 people (6 of whom cancelled), of every kind: every seat is taken.
        assert_eq!(seated.len() as i32, capacity, "{room}: {kinds:?}");
    }
}
