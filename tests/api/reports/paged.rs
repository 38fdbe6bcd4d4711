//! The aggregated report over many events is paged like every list (an organisation with
//! thousands of events cannot make one request build an answer of unbounded size), its totals
//! still cover the whole filter, and its CSV form streams every event.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use hybrid_events::db::schema::events;
use reqwest::header::ACCEPT;
use serde_json::{json, Value};
use uuid::Uuid;

use super::seed::*;
use crate::helpers::{read, spawn_app, Resp, TestApp};

async fn seed_counts(app: &TestApp, event: Uuid, online: usize, onsite: usize, checked_in: usize) {
    for i in 0..online + onsite {
        let mode = if i < online { "online" } else { "onsite" };
        let registration =
            NewRegistration { checked_in: i < checked_in, ..NewRegistration::new("confirmed", mode) };
        seed_registration(app, event, registration).await;
    }
    seed_registration(app, event, NewRegistration::new("cancelled", "onsite")).await;
}

fn ids(body: &Value) -> Vec<String> {
    body["events"].as_array().unwrap().iter().map(|e| e["event_id"].as_str().unwrap().to_owned()).collect()
}

/// The totals a client would get by adding up the rows of every page.
fn sum_of_rows(rows: &[Value]) -> Value {
    let sum = |f: &dyn Fn(&Value) -> i64| rows.iter().map(f).sum::<i64>();
    let online = sum(&|r| r["online"]["confirmed"].as_i64().unwrap());
    let onsite = sum(&|r| r["onsite"]["confirmed"].as_i64().unwrap());
    let attended =
        sum(&|r| r["online"]["attended"].as_i64().unwrap() + r["onsite"]["attended"].as_i64().unwrap());
    let hosted = sum(&|r| r["hosted"]["confirmed"].as_i64().unwrap());
    let hosted_attended = sum(&|r| r["hosted"]["attended"].as_i64().unwrap());
    json!({"events": rows.len(), "confirmed": online + onsite, "attended": attended,
           "online_confirmed": online, "onsite_confirmed": onsite,
           "hosted_confirmed": hosted, "hosted_attended": hosted_attended,
           // The rows do not show reasons; these events have none.
           "no_show_reasons": crate::reports::summary_no_show_reasons(&[])})
}

async fn get(app: &TestApp, token: &str, query: &str) -> Resp {
    app.get(&format!("/api/v1/reports/attendance{query}"), Some(token)).await
}

#[actix_web::test]
async fn the_aggregated_report_comes_in_pages_whose_totals_cover_the_whole_filter() {
    let app = spawn_app().await;
    let (org, other) = (app.organisation("CEPAIM").await, app.organisation("Accem").await);
    let organiser = app.organiser_of(org).await;
    let start = Utc::now() + Duration::days(1);
    let mut expected = Vec::new();
    // Two events start at the same time: the pages must neither repeat nor skip either.
    for (i, day) in [0, 1, 1, 2, 3].into_iter().enumerate() {
        let starts_at = start + Duration::days(day);
        let event =
            seed_event(&app, org, NewEvent { starts_at, ..NewEvent::hybrid(&format!("Event {i}")) }).await;
        seed_counts(&app, event, i + 1, 2 * i, i).await;
        expected.push((starts_at, event));
    }
    let foreign = seed_event(&app, other, NewEvent::hybrid("Another organisation's")).await;
    seed_counts(&app, foreign, 7, 7, 7).await;
    expected.sort();
    let expected: Vec<String> = expected.iter().map(|(_, id)| id.to_string()).collect();

    let first = get(&app, &organiser, "?limit=2").await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(ids(&first.body), &expected[..2]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page").to_owned();
    let second = get(&app, &organiser, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(ids(&second.body), &expected[2..4]);
    let cursor = second.body["next_cursor"].as_str().expect("a last page").to_owned();
    let last = get(&app, &organiser, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&last.body), &expected[4..]);
    assert_eq!(last.body["next_cursor"], Value::Null);

    // Totals: the same on every page, and the sums over every event of the filter.
    let rows: Vec<Value> = [&first, &second, &last]
        .iter()
        .flat_map(|page| page.body["events"].as_array().unwrap().clone())
        .collect();
    let totals = sum_of_rows(&rows);
    assert_eq!(
        totals,
        json!({"events": 5, "confirmed": 35, "attended": 10, "online_confirmed": 15, "onsite_confirmed": 20,
               "hosted_confirmed": 0, "hosted_attended": 0,
               "no_show_reasons": crate::reports::summary_no_show_reasons(&[])})
    );
    for page in [&first, &second, &last] {
        assert_eq!(page.body["totals"], totals, "{}", page.text);
    }
    let whole = get(&app, &organiser, "").await;
    assert_eq!(ids(&whole.body), expected, "the default page (50) holds them all");
    assert_eq!(whole.body["next_cursor"], Value::Null);
    assert_eq!(whole.body["totals"], totals);

    // Filters hold across pages.
    let later = (start + Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let filtered = get(&app, &organiser, &format!("?from={later}&limit=1")).await;
    assert_eq!(ids(&filtered.body), &expected[1..2]);
    assert_eq!(filtered.body["totals"]["events"], 4);
    let cursor = filtered.body["next_cursor"].as_str().unwrap().to_owned();
    let next = get(&app, &organiser, &format!("?from={later}&limit=1&cursor={cursor}")).await;
    assert_eq!(ids(&next.body), &expected[2..3]);
}

#[actix_web::test]
async fn bad_limits_and_cursors_are_refused_in_both_forms() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    seed_event(&app, org, NewEvent::hybrid("Roundtable")).await;
    for query in ["?limit=0", "?limit=201", "?limit=many"] {
        get(&app, &organiser, query).await.assert_problem(422, "validation_failed");
    }
    get(&app, &organiser, "?cursor=not-a-cursor").await.assert_problem(400, "invalid_cursor");
    // A cursor of another list is not one of this list.
    seed_event(&app, org, NewEvent::hybrid("Second")).await;
    let events = app.get("/api/v1/events?limit=1", Some(&organiser)).await;
    let foreign = events.body["next_cursor"].as_str().expect("a cursor of the events list");
    get(&app, &organiser, &format!("?cursor={foreign}")).await.assert_problem(400, "invalid_cursor");
    let csv = read(
        app.client
            .get(app.url("/api/v1/reports/attendance?limit=0"))
            .bearer_auth(&organiser)
            .header(ACCEPT, "text/csv")
            .send()
            .await
            .unwrap(),
    )
    .await;
    csv.assert_problem(422, "validation_failed");
}

/// Events made by PostgreSQL: `n` of them, seven to each start time (so that ties are
/// common, also across the CSV's chunks of 500).
async fn seed_events(app: &TestApp, org: Uuid, n: i64) {
    app.conn()
        .await
        .batch_execute(&format!(
            "INSERT INTO events (id, organisation_id, title, region, series, starts_at, ends_at, timezone, status,
                                 online_offered, online_join_url, online_capacity, onsite_offered,
                                 onsite_venue_name, onsite_capacity, onsite_reserved)
             SELECT gen_random_uuid(), '{org}', 'Session ' || i, 'Soria', 'Platform',
                    now() + interval '1 day' + (i / 7) * interval '1 hour',
                    now() + interval '1 day' + (i / 7) * interval '1 hour' + interval '3 hours',
                    'Europe/Madrid', 'published', true, 'https://meet.example.org/abc', NULL, true,
                    'CEPAIM Soria', 10, 3
               FROM generate_series(1, {n}) AS i"
        ))
        .await
        .unwrap();
}

#[actix_web::test]
async fn the_csv_form_streams_every_event_of_the_filter() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let n = 1203;
    seed_events(&app, org, n).await;
    let counted =
        seed_event(&app, org, NewEvent { starts_at: Utc::now(), ..NewEvent::hybrid("First of all") }).await;
    seed_counts(&app, counted, 2, 1, 1).await;
    let expected: Vec<String> = events::table
        .filter(events::organisation_id.eq(org))
        .order((events::starts_at, events::id))
        .select(events::id)
        .load::<Uuid>(&mut app.conn().await)
        .await
        .unwrap()
        .iter()
        .map(Uuid::to_string)
        .collect();
    assert_eq!(expected.len() as i64, n + 1);

    // `limit` does not cut the CSV short.
    let response = read(
        app.client
            .get(app.url("/api/v1/reports/attendance?limit=1"))
            .bearer_auth(&organiser)
            .header(ACCEPT, "text/csv")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(response.text.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "event_id");
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let in_csv: Vec<String> = records.iter().map(|r| r[0].to_owned()).collect();
    assert_eq!(in_csv, expected, "every event once, in order, across the chunks");
    assert_eq!(response.text.matches("event_id").count(), 1, "one header row");
    assert_eq!(records[0].iter().skip(6).collect::<Vec<_>>(), ["2", "1", "1", "0", "0", "0", "0", "0"]);

    // The JSON pages go through the same events, in the same order.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(cursor) => format!("?limit=200&cursor={cursor}"),
            None => "?limit=200".to_owned(),
        };
        let page = get(&app, &organiser, &query).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert_eq!(page.body["totals"]["events"], n + 1, "totals cover every page");
        assert_eq!(page.body["totals"]["confirmed"], 3);
        paged.extend(ids(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, expected);
}
