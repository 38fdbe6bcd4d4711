//! The event report counts from tallies that the registrations' triggers keep (migration
//! 000300), not from the registrations themselves. After random changes through the API, and
//! after random writes straight to the table, the report served equals the same report
//! counted afresh from the registrations, and every tally equals its recount.

use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use hybrid_events::db::reports::{event_report_data, CountedFrom};
use hybrid_events::views::reports::EventReport;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, TestApp};
use crate::hosted_places::{hosted, offer, place};

/// The parts of a report that differ at every read, whatever it counts.
fn without_times(mut report: Value) -> Value {
    let fields = report.as_object_mut().expect("a report is an object");
    fields.remove("generated_at").expect("a report says when it was made");
    fields.remove("data_as_of").expect("a report says how fresh its data is");
    report
}

pub async fn served(app: &TestApp, token: &str, event: Uuid) -> Value {
    let report = app.get(&format!("/api/v1/events/{event}/report"), Some(token)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    without_times(report.body)
}

/// The same report, its counts made from the registrations table at this moment.
pub async fn recounted(app: &TestApp, event: Uuid) -> Value {
    let mut conn = app.conn().await;
    let data = event_report_data(&mut conn, event, CountedFrom::Registrations).await.unwrap().unwrap();
    without_times(serde_json::to_value(EventReport::build(&data, None)).unwrap())
}

#[derive(QueryableByName)]
struct Off {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many of the event's tallies (cells at zero left out) differ from their recount.
pub async fn tallies_off(app: &TestApp, event: Uuid) -> i64 {
    let off: Off = diesel::sql_query(
        "SELECT (SELECT count(*) FROM (SELECT * FROM registration_tallies WHERE event_id = $1 AND n <> 0
                                       EXCEPT ALL SELECT * FROM registration_tallies_recount WHERE event_id = $1) a)
              + (SELECT count(*) FROM (SELECT * FROM registration_tallies_recount WHERE event_id = $1
                                       EXCEPT ALL SELECT * FROM registration_tallies WHERE event_id = $1 AND n <> 0) b)
                AS n",
    )
    .bind::<SqlUuid, _>(event)
    .get_result(&mut app.conn().await)
    .await
    .unwrap();
    off.n
}

async fn assert_report_is_exact(app: &TestApp, token: &str, event: Uuid, after: &str) {
    assert_eq!(tallies_off(app, event).await, 0, "tallies differ from a recount after {after}");
    let (fast, recount) = (served(app, token, event).await, recounted(app, event).await);
    assert_eq!(fast, recount, "the served report differs from a recount after {after}");
}

const CATEGORIES: [&str; 5] = ["migrant", "refugee", "ngo", "volunteer", "regional_authority"];
const LANGUAGES: [Option<&str>; 4] = [None, Some("ar"), Some("fr"), Some("uk")];
const TOPICS: [&str; 3] = ["entrepreneurship", "housing", "women_employment"];
// Barriers that no need implies, so that any list of them agrees with any needs.
const FREE_BARRIERS: [&str; 3] = ["schedule", "language_confidence", "childcare"];
const BARRIER_STATUSES: [&str; 3] = ["raised", "arranged", "unresolved"];
const EVERY_ARRANGEMENT: [&str; 21] = [
    "transport_booked",
    "travel_costs_refunded",
    "physical_space",
    "hosted_place",
    "device_lent",
    "connection_provided",
    "digital_support",
    "schedule_adapted",
    "recording_shared",
    "interpreter",
    "translated_material",
    "plain_language",
    "childcare_provided",
    "step_free_access",
    "companion",
    "hearing_loop",
    "captions",
    "sign_language",
    "accessible_documents",
    "costs_covered",
    "other",
];

fn barriers(rng: &mut StdRng) -> Value {
    let mut listed = Vec::new();
    for kind in FREE_BARRIERS {
        if rng.random_bool(0.3) {
            let status = BARRIER_STATUSES[rng.random_range(0..3)];
            let arranged: Vec<&str> = if status == "arranged" { vec!["other"] } else { vec![] };
            listed.push(json!({"barrier": kind, "status": status, "arranged": arranged}));
        }
    }
    Value::Array(listed)
}

/// Where an onsite registration asks to sit: the main venue (no place) or one of the places.
fn room(rng: &mut StdRng, places: &[Uuid]) -> Value {
    match rng.random_range(0..=places.len()) {
        0 => Value::Null,
        i => json!(places[i - 1]),
    }
}

fn random_registration(rng: &mut StdRng, places: &[Uuid]) -> Value {
    let onsite = rng.random_bool(0.5);
    let space = onsite && rng.random_bool(0.3);
    let interests: Vec<&str> = TOPICS.iter().copied().filter(|_| rng.random_bool(0.4)).collect();
    let mut body = with(
        participant(if onsite { "onsite" } else { "online" }, space),
        json!({
            "needs_transport": rng.random_bool(0.3),
            "interpretation_language": LANGUAGES[rng.random_range(0..4)],
            "accessibility_notes": if rng.random_bool(0.2) { json!("Step-free access") } else { Value::Null },
            "accept_online_fallback": !space && rng.random_bool(0.5),
            "interests": interests,
            "barriers": barriers(rng),
        }),
    );
    body["participant"]["stakeholder_category"] = json!(CATEGORIES[rng.random_range(0..CATEGORIES.len())]);
    if onsite {
        body["place_id"] = room(rng, places);
    }
    body
}

/// One random change to `registration` (mode or room, needs, language, category or barriers),
/// as an organiser would make it: 200, or 409 when the seat it asks for is full.
fn random_change(rng: &mut StdRng, places: &[Uuid], registration: &Value) -> Value {
    match rng.random_range(0..5) {
        0 if registration["attendance_mode"] == "online" => {
            json!({"attendance_mode": "onsite", "place_id": room(rng, places)})
        }
        0 if registration["needs_physical_space"] == true => json!({"place_id": room(rng, places)}),
        0 => json!({"attendance_mode": "online"}),
        1 => json!({"needs_transport": registration["needs_transport"] != true}),
        2 => json!({"interpretation_language": LANGUAGES[rng.random_range(0..4)]}),
        3 => {
            json!({"participant": {"stakeholder_category": CATEGORIES[rng.random_range(0..CATEGORIES.len())]}})
        }
        _ => {
            // The barriers the needs stand for stay as they are; the others are drawn anew.
            let mut listed: Vec<Value> = registration["barriers"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|b| b["barrier"] == "transport" || b["barrier"] == "digital_gap")
                .cloned()
                .collect();
            listed.extend(barriers(rng).as_array().unwrap().iter().cloned());
            json!({"barriers": listed})
        }
    }
}

#[actix_web::test]
async fn the_report_from_the_tallies_equals_a_recount_through_random_changes() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        with(
            starting_soon(),
            json!({"online": {"capacity": 12}, "onsite": {"capacity": 6, "reserved_for_physical_space_need": 2}}),
        ),
    )
    .await;
    let almazan = place(&app, &organiser, org, hosted("Centro cívico de Almazán", "Almazán", 4)).await;
    let burgo =
        place(&app, &organiser, org, hosted("Biblioteca de El Burgo de Osma", "El Burgo de Osma", 3)).await;
    assert_eq!(offer(&app, &organiser, event, almazan, 4, 1).await.status, 201);
    assert_eq!(offer(&app, &organiser, event, burgo, 3, 0).await.status, 201);
    let places = [almazan, burgo];
    let partner = app.partner_of(org).await;

    // The longest list of barriers there is: every kind, arranged in every way. A cell keeps
    // only each barrier's status, so it fits the tallies' index like any other.
    let every_barrier: Vec<Value> = hybrid_events::domain::barriers::BarrierKind::ALL
        .iter()
        .map(|kind| json!({"barrier": kind.as_str(), "status": "arranged", "arranged": EVERY_ARRANGEMENT}))
        .collect();
    let longest = registered(
        &app,
        &partner,
        event,
        with(participant("onsite", true), json!({"needs_transport": true, "barriers": every_barrier})),
    )
    .await;
    assert_eq!(longest["barriers"].as_array().unwrap().len(), 10, "{longest}");

    let mut rng = StdRng::seed_from_u64(20261201);
    let mut ids: Vec<String> = vec![longest["id"].as_str().unwrap().to_owned()];
    let (mut changed, mut checked_in, mut cancelled) = (0, 0, 0);
    for step in 1..=240 {
        let pick = |rng: &mut StdRng, ids: &[String]| ids[rng.random_range(0..ids.len())].clone();
        match rng.random_range(0..10) {
            0..=3 => {
                let made = registered(&app, &partner, event, random_registration(&mut rng, &places)).await;
                ids.push(made["id"].as_str().unwrap().to_owned());
            }
            _ if ids.is_empty() => continue,
            4 | 5 => {
                let id = pick(&mut rng, &ids);
                let current = app.get(&format!("/api/v1/registrations/{id}"), Some(&organiser)).await.body;
                let change = random_change(&mut rng, &places, &current);
                let answer =
                    app.patch(&format!("/api/v1/registrations/{id}"), Some(&organiser), change).await;
                match answer.status {
                    200 => changed += 1,
                    409 => {}
                    other => panic!("a change answered {other}: {}", answer.text),
                }
            }
            6 | 7 => {
                let id = pick(&mut rng, &ids);
                let answer = app
                    .post(&format!("/api/v1/registrations/{id}/check-in"), Some(&organiser), json!({}))
                    .await;
                match answer.status {
                    200 => checked_in += 1,
                    409 => {} // not confirmed
                    other => panic!("a check-in answered {other}: {}", answer.text),
                }
            }
            8 => {
                let id = pick(&mut rng, &ids);
                let answer =
                    app.delete(&format!("/api/v1/registrations/{id}/check-in"), Some(&organiser)).await;
                assert!([200, 204, 409].contains(&answer.status), "{}", answer.text);
            }
            _ => {
                let id = pick(&mut rng, &ids);
                let answer =
                    app.post(&format!("/api/v1/registrations/{id}/cancel"), Some(&partner), json!({})).await;
                match answer.status {
                    200 => cancelled += 1,
                    409 => {} // cancelled before
                    other => panic!("a cancellation answered {other}: {}", answer.text),
                }
            }
        }
        if step % 60 == 0 {
            assert_report_is_exact(&app, &organiser, event, &format!("{step} steps")).await;
        }
    }
    // The random walk reached what it is meant to test: waitlists, rooms, changes, check-ins.
    let report = served(&app, &organiser, event).await;
    assert!(report["totals"]["waitlisted"].as_i64().unwrap() > 0, "{report}");
    assert!(report["totals"]["attended"].as_i64().unwrap() > 0, "{report}");
    assert!(report["by_place"].as_array().unwrap().len() >= 3, "{report}");
    assert!(changed > 10 && checked_in > 10 && cancelled > 5, "{changed} {checked_in} {cancelled}");

    // The event over: no-shows are counted from the same tallies.
    crate::reports::seed::end_event(&app, event).await;
    assert_report_is_exact(&app, &organiser, event, "the end").await;
}

/// Writes no use case makes, straight to the table, many rows a statement: every column the
/// report counts by, minutes of online attendance (the median), repeated topics, erasure.
#[actix_web::test]
async fn the_tallies_follow_any_write_to_the_table() {
    use diesel_async::SimpleAsyncConnection;
    let app = spawn_app().await;
    let (org, organiser, event) =
        published_event(&app, json!({"onsite": {"capacity": 100000, "reserved_for_physical_space_need": 0}}))
            .await;
    let almazan = place(&app, &organiser, org, hosted("Centro cívico de Almazán", "Almazán", 2000)).await;
    assert_eq!(offer(&app, &organiser, event, almazan, 2000, 0).await.status, 201);
    let mut conn = app.conn().await;
    conn.batch_execute(&format!(
        "SELECT setseed(0.42);
         INSERT INTO registrations (id, event_id, status, attendance_mode, place_id, needs_physical_space,
                                    needs_transport, interpretation_language, accessibility_notes,
                                    accept_online_fallback, fallback_applied, interests, barriers, full_name,
                                    stakeholder_category, consent_data_processing, created_by, created_by_kind,
                                    checked_in_at, check_in_source, check_in_minutes, cancelled_at)
         SELECT gen_random_uuid(), '{event}', s.status, m.mode,
                CASE WHEN m.mode = 'onsite' AND random() < 0.3 THEN '{almazan}'::uuid END,
                m.mode = 'onsite' AND random() < 0.2, random() < 0.3,
                (ARRAY[NULL, 'ar', 'fr', 'uk'])[1 + floor(random() * 4)::int],
                CASE WHEN random() < 0.2 THEN 'Step-free access' END,
                m.mode = 'online', m.mode = 'online' AND s.status = 'confirmed' AND random() < 0.1,
                CASE floor(random() * 3)::int WHEN 0 THEN ARRAY[]::text[] WHEN 1 THEN ARRAY['housing']
                     ELSE ARRAY['housing', 'housing', 'entrepreneurship'] END,
                (ARRAY['[]', '[{{\"barrier\": \"schedule\", \"status\": \"raised\", \"arranged\": []}}]',
                       '[{{\"barrier\": \"childcare\", \"status\": \"arranged\", \"arranged\": [\"childcare\"]}},
                         {{\"barrier\": \"schedule\", \"status\": \"unresolved\", \"arranged\": []}}]'])
                  [1 + floor(random() * 3)::int]::jsonb,
                'Person ' || i,
                (ARRAY['migrant', 'refugee', 'ngo', 'volunteer'])[1 + floor(random() * 4)::int],
                true, gen_random_uuid(), 'user',
                CASE WHEN c.checked_in THEN now() END,
                CASE WHEN c.checked_in THEN CASE m.mode WHEN 'online' THEN 'online_import' ELSE 'onsite' END END,
                CASE WHEN c.checked_in AND m.mode = 'online' AND random() < 0.8 THEN floor(random() * 200)::int END,
                CASE WHEN s.status = 'cancelled' THEN now() END
           FROM generate_series(1, 3000) AS i,
                LATERAL (SELECT CASE WHEN random() < 0.5 THEN 'online' ELSE 'onsite' END AS mode, i AS k) m,
                LATERAL (SELECT (ARRAY['confirmed', 'confirmed', 'confirmed', 'waitlisted', 'cancelled'])
                                  [1 + floor(random() * 5)::int] AS status, m.k) s,
                LATERAL (SELECT s.status = 'confirmed' AND random() < 0.5 AS checked_in, s.k) c;"
    ))
    .await
    .unwrap();
    assert_report_is_exact(&app, &organiser, event, "inserting 3 000 rows").await;

    for (what, statement) in [
        (
            "changing categories and languages",
            "UPDATE registrations SET stakeholder_category = 'regional_authority',
                    interpretation_language = CASE WHEN interpretation_language IS NULL THEN 'ti' END
              WHERE event_id = $1 AND random() < 0.3",
        ),
        (
            "new minutes of online attendance",
            "UPDATE registrations SET check_in_minutes = floor(random() * 200)::int
              WHERE event_id = $1 AND check_in_source = 'online_import' AND random() < 0.5",
        ),
        (
            "undoing check-ins",
            "UPDATE registrations SET checked_in_at = NULL, check_in_source = NULL, check_in_minutes = NULL
              WHERE event_id = $1 AND checked_in_at IS NOT NULL AND random() < 0.3",
        ),
        (
            "cancelling",
            "UPDATE registrations SET status = 'cancelled', cancelled_at = now(), checked_in_at = NULL,
                    check_in_source = NULL, check_in_minutes = NULL, fallback_applied = false
              WHERE event_id = $1 AND status <> 'cancelled' AND random() < 0.2",
        ),
        (
            "new interests and barriers",
            "UPDATE registrations SET interests = ARRAY['women_employment', 'housing'],
                    barriers = '[{\"barrier\": \"cost\", \"status\": \"raised\", \"arranged\": []}]'
              WHERE event_id = $1 AND random() < 0.3",
        ),
        (
            "needs and accessibility notes",
            "UPDATE registrations SET needs_transport = NOT needs_transport,
                    accessibility_notes = CASE WHEN accessibility_notes IS NULL THEN 'Hearing loop' END
              WHERE event_id = $1 AND random() < 0.3",
        ),
        (
            "erasing personal data (nothing counted changes)",
            "UPDATE registrations SET full_name = NULL, erased_at = now() WHERE event_id = $1 AND random() < 0.3",
        ),
    ] {
        let changed = diesel::sql_query(statement).bind::<SqlUuid, _>(event).execute(&mut conn).await.unwrap();
        assert!(changed > 0, "{what} changed no row");
        assert_report_is_exact(&app, &organiser, event, what).await;
    }
    // The median taken from the counts of each number of minutes is percentile_cont's.
    #[derive(QueryableByName)]
    struct Median {
        #[diesel(sql_type = diesel::sql_types::Double)]
        median: f64,
    }
    let truth: Median = diesel::sql_query(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY check_in_minutes) AS median FROM registrations
          WHERE event_id = $1 AND status = 'confirmed' AND attendance_mode = 'online'
            AND check_in_minutes IS NOT NULL",
    )
    .bind::<SqlUuid, _>(event)
    .get_result(&mut conn)
    .await
    .unwrap();
    let report = served(&app, &organiser, event).await;
    assert_eq!(report["online_minutes"]["median"].as_f64(), Some(truth.median), "{report}");
}
