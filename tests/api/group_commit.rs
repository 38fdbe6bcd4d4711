//! Registrations that arrive together are written together (`group_commit`): what each
//! client is answered, what the event holds and what the partners hear must be exactly what
//! one-by-one registrations would give. The group is made to form for certain: the event's
//! row is held locked while the requests arrive, so the first writer's transaction waits on
//! it and the others queue behind; the test releases it once all are counted in.

use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use futures_util::future::{join, join_all};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::faults::lock_event;
use crate::fixtures::*;
use crate::helpers::{read, spawn_app_with, Resp, TestApp};
use crate::hosted_places::{hosted, offer, place};
use crate::receiver::{eventually, Receiver};
use crate::webhook_delivery::subscribe;

fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Registrations waiting for their writer, and those taken into groups so far, and how many
/// groups: from /metrics, as an operator reads them.
async fn queue_state(app: &TestApp) -> (f64, f64, f64) {
    let text = app.get("/metrics", None).await.text;
    (
        sample(&text, "hybrid_events_registrations_waiting"),
        sample(&text, "hybrid_events_registrations_per_group_sum"),
        sample(&text, "hybrid_events_registrations_per_group_count"),
    )
}

/// Whether a backend of the app's database waits for a row lock.
async fn someone_waits_for_a_lock(app: &TestApp) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let waiting: Waiting = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .get_result(&mut app.conn().await)
    .await
    .unwrap();
    waiting.n > 0
}

async fn post(app: &TestApp, token: &str, event: Uuid, body: &Value) -> Resp {
    let request = app
        .client
        .post(format!("{}/api/v1/events/{event}/registrations", app.address))
        .bearer_auth(token)
        .json(body);
    read(request.send().await.expect("sent")).await
}

/// Sends `requests` (token, event, body) at once while `locked`'s row is held by another
/// transaction; releases it once every request is in a writer's hands and a group waits for
/// the lock. Answers in the order of `requests`.
async fn sent_together(app: &TestApp, locked: Uuid, requests: &[(String, Uuid, Value)]) -> Vec<Resp> {
    let (_, taken_before, _) = queue_state(app).await;
    let mut holder = lock_event(app, locked).await;
    let sent = join_all(requests.iter().map(|(token, event, body)| post(app, token, *event, body)));
    let release = async {
        let expected = requests.len() as f64;
        eventually("every request queued or taken, a group waiting for the lock", || async {
            let (waiting, taken, _) = queue_state(app).await;
            (waiting + taken - taken_before == expected && someone_waits_for_a_lock(app).await).then_some(())
        })
        .await;
        holder.batch_execute("COMMIT").await.unwrap();
    };
    join(sent, release).await.0
}

/// `bodies` for `event`, sent by `token`.
fn all_for(token: &str, event: Uuid, bodies: &[Value]) -> Vec<(String, Uuid, Value)> {
    bodies.iter().map(|body| (token.to_owned(), event, body.clone())).collect()
}

/// The groups wait for the held lock as long as the test holds it.
async fn spawn_app() -> TestApp {
    crate::webhook_delivery::spawn_app(|s| {
        s.database_acquire_timeout_ms = 60_000;
        s.database_statement_timeout_ms = 60_000;
        s.database_pool_size = 8;
        s.registration_group_lock_wait_ms = 60_000;
    })
    .await
}

/// One writer for the whole server, so that every event's registrations queue together; a
/// group waits for an event's lock at most `lock_wait_ms`, and other statements a minute.
async fn one_writer_app(lock_wait_ms: u32) -> TestApp {
    spawn_app_with(|s| {
        s.database_acquire_timeout_ms = 60_000;
        s.database_statement_timeout_ms = 60_000;
        s.database_pool_size = 8;
        s.registration_writers = 1;
        s.registration_group_lock_wait_ms = lock_wait_ms;
    })
    .await
}

#[actix_web::test]
async fn registrations_arriving_together_are_seated_in_arrival_order_and_each_announced() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 3, "reserved_for_physical_space_need": 1}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let mut receiver = Receiver::start().await;
    subscribe(
        &app,
        &partner,
        &receiver.url("/partner"),
        json!(["registration.confirmed", "registration.waitlisted"]),
    )
    .await;
    // Some with the physical-space need: they wait ahead of those without it (rule 4).
    let bodies: Vec<Value> = (0..10).map(|i| participant("onsite", i % 3 == 0)).collect();
    let responses = sent_together(&app, event, &all_for(&partner, event, &bodies)).await;

    for r in &responses {
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let (_, taken, groups) = queue_state(&app).await;
    assert_eq!(taken, 10.0);
    assert!(groups < 10.0, "written in fewer transactions than registrations: {groups}");
    let confirmed: Vec<&Resp> = responses.iter().filter(|r| r.body["status"] == "confirmed").collect();
    assert_eq!(confirmed.len(), 3, "exactly the seats");
    // The reserved seat went to someone with the need (rule 2).
    assert!(confirmed.iter().any(|r| r.body["needs_physical_space"] == true));

    // Each was told its place as one-by-one registrations are: behind everyone with the need
    // who waited already when it has the need (rule 4), behind everyone waiting otherwise.
    let told = |need: bool| {
        let mut positions: Vec<i64> = responses
            .iter()
            .filter(|r| r.body["status"] == "waitlisted" && r.body["needs_physical_space"] == need)
            .map(|r| r.body["waitlist_position"].as_i64().unwrap())
            .collect();
        positions.sort();
        positions
    };
    let needy = told(true);
    assert_eq!(needy, (1..=needy.len() as i64).collect::<Vec<_>>(), "{needy:?}");
    let rest = told(false);
    assert!(rest.windows(2).all(|w| w[0] < w[1]), "no two share a place: {rest:?}");
    // Read back now, the waitlist holds them 1 to 7, without gaps or repeats, the need first.
    let mut now = Vec::new();
    for r in responses.iter().filter(|r| r.body["status"] == "waitlisted") {
        let read = app
            .get(&format!("/api/v1/registrations/{}", r.body["id"].as_str().unwrap()), Some(&organiser))
            .await;
        now.push((
            read.body["waitlist_position"].as_i64().unwrap(),
            read.body["needs_physical_space"] == true,
        ));
    }
    now.sort();
    assert_eq!(now.iter().map(|(p, _)| *p).collect::<Vec<_>>(), (1..=7).collect::<Vec<_>>(), "{now:?}");
    assert!(now.windows(2).all(|w| w[0].1 >= w[1].1), "those with the need first: {now:?}");
    let event_now = app.get(&format!("/api/v1/events/{event}"), Some(&organiser)).await;
    assert_eq!(event_now.body["onsite"]["confirmed"], 3, "{}", event_now.text);
    assert_eq!(event_now.body["onsite"]["waitlisted"], 7, "{}", event_now.text);

    // The partner hears of each registration once, through its receiver.
    let mut heard = Vec::new();
    for _ in 0..10 {
        let message = receiver.next().await.json();
        heard.push(message["registration_id"].as_str().unwrap().to_owned());
    }
    heard.sort();
    let mut created: Vec<String> =
        responses.iter().map(|r| r.body["id"].as_str().unwrap().to_owned()).collect();
    created.sort();
    assert_eq!(heard, created);
    assert!(receiver.drain().is_empty(), "nothing twice");
}

#[actix_web::test]
async fn one_person_twice_in_a_group_is_registered_once_and_the_others_are_not_held_back() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let mut bodies: Vec<Value> =
        (0..8).map(|i| participant(if i % 2 == 0 { "online" } else { "onsite" }, false)).collect();
    bodies[5]["participant"]["phone"] = bodies[2]["participant"]["phone"].clone();

    let responses = sent_together(&app, event, &all_for(&partner, event, &bodies)).await;

    let twice: Vec<u16> = [2, 5].iter().map(|&i| responses[i].status).collect();
    let mut sorted = twice.clone();
    sorted.sort();
    assert_eq!(sorted, [201, 409], "one of the two is the duplicate: {twice:?}");
    let refused = if twice[0] == 409 { &responses[2] } else { &responses[5] };
    assert_eq!(refused.body["code"], "already_registered", "{}", refused.text);
    for (i, r) in responses.iter().enumerate().filter(|(i, _)| ![2, 5].contains(i)) {
        assert_eq!(r.status, 201, "request {i}: {}", r.text);
    }
    let list = app.get(&format!("/api/v1/events/{event}/registrations?limit=100"), Some(&partner)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 7, "{}", list.text);
}

#[actix_web::test]
async fn a_group_past_the_rate_limit_registers_exactly_the_limit_and_refuses_the_rest() {
    let app = spawn_app_with(|s| {
        s.database_acquire_timeout_ms = 60_000;
        s.database_pool_size = 8;
        s.registration_rate_limit_per_minute = 5;
        s.registration_group_lock_wait_ms = 60_000;
    })
    .await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let bodies: Vec<Value> = (0..8).map(|_| participant("online", false)).collect();

    let responses = sent_together(&app, event, &all_for(&partner, event, &bodies)).await;

    let created: Vec<&Resp> = responses.iter().filter(|r| r.status == 201).collect();
    let limited: Vec<&Resp> = responses.iter().filter(|r| r.status == 429).collect();
    assert_eq!(
        (created.len(), limited.len()),
        (5, 3),
        "{:?}",
        responses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in &limited {
        assert_eq!(r.body["code"], "rate_limited", "{}", r.text);
    }
    // Each created one stands where it would have one by one: 4, 3, 2, 1 and 0 left.
    let mut remaining: Vec<u32> =
        created.iter().map(|r| r.header("RateLimit-Remaining").unwrap().parse().unwrap()).collect();
    remaining.sort();
    assert_eq!(remaining, [0, 1, 2, 3, 4]);
    let list = app.get(&format!("/api/v1/events/{event}/registrations?limit=100"), Some(&partner)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 5, "{}", list.text);
}

#[actix_web::test]
async fn a_group_over_several_events_and_partners_decides_each_on_its_own_event() {
    // One writer, so that every event's registrations queue together.
    let app = one_writer_app(60_000).await;
    let (org, organiser, small) =
        published_event(&app, json!({"online": {"capacity": 1}, "onsite": null})).await;
    let large = create_event(&app, &organiser, roundtable(org)).await;
    publish(&app, &organiser, large).await;
    let partners = [app.partner_of(org).await, app.partner_of(org).await];
    // Another organisation's event, which these partners may not register for: refused in
    // the group without holding the others back.
    let (_, _, foreign) = published_event(&app, json!({})).await;
    let mut requests = Vec::new();
    for i in 0..12 {
        let event = [small, large, foreign][i % 3];
        requests.push((partners[i % 2].clone(), event, participant("online", false)));
    }

    let responses = sent_together(&app, small, &requests).await;

    let (_, _, groups) = queue_state(&app).await;
    assert!(groups < 12.0, "written in fewer transactions than registrations: {groups}");
    for (r, (_, event, _)) in responses.iter().zip(&requests) {
        let expected = if *event == foreign { 403 } else { 201 };
        assert_eq!(r.status, expected, "{}", r.text);
    }
    let status_of = |event: Uuid, status: &str| {
        responses
            .iter()
            .zip(&requests)
            .filter(|(r, (_, e, _))| *e == event && r.body["status"] == status)
            .count()
    };
    assert_eq!((status_of(small, "confirmed"), status_of(small, "waitlisted")), (1, 3));
    assert_eq!((status_of(large, "confirmed"), status_of(large, "waitlisted")), (4, 0));
}

#[actix_web::test]
async fn an_event_held_locked_by_another_transaction_holds_back_only_its_own_registrations() {
    // One writer, so that both events' registrations go through it; statements may wait a
    // minute, so only the group's own bound on lock waits lets the writer go on.
    let app = one_writer_app(250).await;
    let (org, organiser, held) = published_event(&app, json!({})).await;
    let other = create_event(&app, &organiser, roundtable(org)).await;
    publish(&app, &organiser, other).await;
    let partner = app.partner_of(org).await;
    let mut holder = lock_event(&app, held).await;

    let first = participant("online", false);
    let waiting = post(&app, &partner, held, &first);
    let meanwhile = async {
        eventually("the held event's registration waiting for its lock", || async {
            someone_waits_for_a_lock(&app).await.then_some(())
        })
        .await;
        // Answered while the first event is still locked.
        let answered = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            post(&app, &partner, other, &participant("online", false)),
        )
        .await
        .expect("the other event's registration is not held back");
        holder.batch_execute("COMMIT").await.unwrap();
        answered
    };
    let (waited, answered) = join(waiting, meanwhile).await;
    assert_eq!(answered.status, 201, "{}", answered.text);
    assert_eq!(waited.status, 201, "{}", waited.text);
}

#[actix_web::test]
async fn a_group_over_two_events_sharing_a_place_counts_each_events_own_waitlist_there() {
    // The writer waits for the held lock until the test releases it.
    let app = one_writer_app(60_000).await;
    let (org, organiser, first) = published_event(&app, json!({})).await;
    let second = create_event(&app, &organiser, roundtable(org)).await;
    publish(&app, &organiser, second).await;
    let centre = place(&app, &organiser, org, hosted("Centro cívico", "Almazán", 4)).await;
    for event in [first, second] {
        assert_eq!(offer(&app, &organiser, event, centre, 1, 0).await.status, 201);
    }
    let partner = app.partner_of(org).await;
    let at_centre = || {
        let mut body = participant("onsite", false);
        body["place_id"] = json!(centre);
        body
    };
    // The first event's seat there is taken and two wait for it; the second's seat is taken.
    for _ in 0..3 {
        assert_eq!(post(&app, &partner, first, &at_centre()).await.status, 201);
    }
    assert_eq!(post(&app, &partner, second, &at_centre()).await.status, 201);

    // The writer is held back by a third event's lock while both arrive, so they form one
    // group behind it.
    let (_, _, third) = {
        let third = create_event(&app, &organiser, roundtable(org)).await;
        publish(&app, &organiser, third).await;
        (org, (), third)
    };
    let mut holder = lock_event(&app, third).await;
    let blocker = participant("online", false);
    let (first_body, second_body) = (at_centre(), at_centre());
    let held = post(&app, &partner, third, &blocker);
    let together = async {
        eventually("the writer waiting for the third event", || async {
            someone_waits_for_a_lock(&app).await.then_some(())
        })
        .await;
        let sent = join(post(&app, &partner, first, &first_body), post(&app, &partner, second, &second_body));
        let release = async {
            eventually("both queued behind it", || async {
                (queue_state(&app).await.0 == 2.0).then_some(())
            })
            .await;
            holder.batch_execute("COMMIT").await.unwrap();
        };
        join(sent, release).await.0
    };
    let (held, (first_answer, second_answer)) = join(held, together).await;
    assert_eq!(held.status, 201, "{}", held.text);
    let responses = [first_answer, second_answer];
    assert_eq!(responses[0].body["waitlist_position"], 3, "{}", responses[0].text);
    assert_eq!(responses[1].body["waitlist_position"], 1, "its own event's waitlist: {}", responses[1].text);
}

#[actix_web::test]
async fn a_group_over_events_rooms_and_report_cells_moves_every_counter_and_tally_exactly() {
    // One writer, so that both events' registrations are written in the same statements.
    let app = one_writer_app(60_000).await;
    let (org, organiser, first) = published_event(
        &app,
        json!({"online": {"capacity": 3}, "onsite": {"capacity": 3, "reserved_for_physical_space_need": 1}}),
    )
    .await;
    let second = create_event(
        &app,
        &organiser,
        with(
            roundtable(org),
            json!({"online": {"capacity": 2}, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
        ),
    )
    .await;
    publish(&app, &organiser, second).await;
    let centre = place(&app, &organiser, org, hosted("Centro cívico", "Almazán", 4)).await;
    assert_eq!(offer(&app, &organiser, first, centre, 2, 1).await.status, 201);
    assert_eq!(offer(&app, &organiser, second, centre, 1, 0).await.status, 201);
    let partner = app.partner_of(org).await;
    // Before the group, one registration of each event, so that the group adds to report
    // cells that exist as well as to new ones.
    for event in [first, second] {
        registered(&app, &partner, event, participant("online", false)).await;
    }
    let categories = ["refugee", "migrant", "ngo"];
    let body = |i: usize| {
        let mut body = match i % 4 {
            0 => participant("online", false),
            1 => participant("onsite", i.is_multiple_of(3)),
            2 => with(participant("onsite", i.is_multiple_of(5)), json!({"place_id": centre})),
            _ => with(participant("onsite", false), json!({"accept_online_fallback": true})),
        };
        body["participant"]["stakeholder_category"] = json!(categories[i % 3]);
        if i.is_multiple_of(2) {
            body["interests"] = json!(["housing"]);
        }
        body
    };
    // More than every room holds: some confirmed, some moved online, some waitlisted.
    let requests: Vec<(String, Uuid, Value)> =
        (0..24).map(|i| (partner.clone(), if i % 3 == 0 { second } else { first }, body(i))).collect();

    let responses = sent_together(&app, first, &requests).await;

    for r in &responses {
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let (_, _, groups) = queue_state(&app).await;
    assert!(groups < 24.0, "written in fewer transactions than registrations: {groups}");
    for status in ["confirmed", "waitlisted"] {
        assert!(responses.iter().any(|r| r.body["status"] == status), "some {status}");
    }
    assert!(responses.iter().any(|r| r.body["fallback_applied"] == true), "some moved online");
    for event in [first, second] {
        let rooms = crate::concurrency::rooms(&app, event).await;
        assert_eq!(rooms.len(), 3, "online, the venue and the centre: {rooms:?}");
        let broken = crate::concurrency::broken_rules_of(&rooms);
        assert!(broken.is_empty(), "{broken:#?}\n{rooms:#?}");
        let total = responses.iter().zip(&requests).filter(|(_, (_, e, _))| *e == event).count() + 1;
        let report = crate::reports::tallies::served(&app, &organiser, event).await;
        let counted = ["confirmed", "waitlisted"].map(|n| report["totals"][n].as_i64().expect("counted"));
        assert_eq!(counted.iter().sum::<i64>() as usize, total, "{report}");
        assert_eq!(crate::reports::tallies::tallies_off(&app, event).await, 0, "tallies equal a recount");
        assert_eq!(
            report,
            crate::reports::tallies::recounted(&app, event).await,
            "the report served equals a recount"
        );
    }
}
