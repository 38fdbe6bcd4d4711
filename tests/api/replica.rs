//! Reads from a streaming replica (DATABASE_REPLICA_URL): a real primary and a real replica
//! made from it with `pg_basebackup`, started once for the test binary on private ports from
//! the machine's PostgreSQL programs (`db::local_cluster::ensure_streaming_pair`). Each test
//! makes its own database on the primary, waits for it on the replica, and starts the server
//! with both. Pausing the replica's replay (`pg_wal_replay_pause()`) holds what it shows, so
//! a report that misses a change made on the primary was read there.
//!
//! Without DATABASE_REPLICA_URL nothing changes: the rest of the suite is that test, and
//! `without_a_replica_readiness_says_nothing_of_one` checks the one visible difference.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use hybrid_events::db;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, MutexGuard, OnceCell};
use uuid::Uuid;

use crate::check_in::confirmed;
use crate::fixtures::{participant, published_event, starting_soon};
use crate::helpers::{
    migrated_database_on, read, spawn_app, spawn_app_on, spawn_app_with, Resp, TestApp, TestDatabase,
    JWT_SECRET,
};
use crate::process::Running;

/// How long a test waits for the replica or the server to get where it should.
const PATIENCE: Duration = Duration::from_secs(30);

/// The URLs (no database) of the primary and the replica.
async fn pair() -> &'static (String, String) {
    static PAIR: OnceCell<(String, String)> = OnceCell::const_new();
    PAIR.get_or_init(|| async {
        let checkout = env!("CARGO_MANIFEST_DIR");
        let dir = std::path::Path::new(checkout).join("target/test-replica");
        // By the checkout's path, as the test cluster's port: two checkouts on one machine
        // each get their own pair. 26500 to 27499, below the kernel's outgoing ports.
        let digest = Sha256::digest(checkout.as_bytes());
        let offset = u16::from_be_bytes([digest[0], digest[1]]) % 500;
        let (primary, replica) = (26500 + offset, 27000 + offset);
        tokio::task::spawn_blocking(move || db::local_cluster::ensure_streaming_pair(&dir, primary, replica))
            .await
            .unwrap()
            .expect("starting a primary and a streaming replica for the tests")
    })
    .await
}

/// Pausing replay holds the whole replica, so the tests that use it take turns.
async fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::const_new(());
    TURN.lock().await
}

async fn connect(url: &str) -> AsyncPgConnection {
    db::establish(url).await.unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Word {
    #[diesel(sql_type = Text)]
    word: String,
}

#[derive(QueryableByName)]
struct At {
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
}

/// A server on a new database of the primary, reading from the replica, which has the
/// database (migrated) by the time this returns; `max_lag_ms` is its REPLICA_MAX_LAG_MS.
struct ReplicaApp {
    app: TestApp,
    /// The test's database on the replica.
    replica_db: String,
    /// The replica server's maintenance database, where replay is paused and resumed.
    replica_server: String,
}

/// A new migrated database on the primary, and its URL on the replica once the replica has
/// it (migrations included).
async fn replicated_database() -> (TestDatabase, String) {
    let (primary, replica) = pair().await;
    let database = migrated_database_on(primary).await;
    let replica_db = db::with_database(replica, &database.name).unwrap();
    let migrations = {
        let mut conn = connect(&database.url()).await;
        diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
            .get_result::<Count>(&mut conn)
            .await
            .unwrap()
            .n
    };
    // The new database and its migrations arrive on the replica by streaming.
    let started = Instant::now();
    loop {
        if let Ok(mut conn) = db::establish(&replica_db).await {
            let there = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
                .get_result::<Count>(&mut conn)
                .await
                .map(|c| c.n);
            if there.as_ref().ok() == Some(&migrations) {
                break;
            }
        }
        assert!(started.elapsed() < PATIENCE, "the database never reached the replica");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (database, replica_db)
}

async fn spawn_with_replica(max_lag_ms: u64) -> ReplicaApp {
    let (database, replica_db) = replicated_database().await;
    let url = replica_db.clone();
    let app = spawn_app_on(database, move |settings| {
        settings.database_replica_url = Some(url);
        settings.replica_max_lag_ms = max_lag_ms;
    })
    .await;
    let replica_server = db::with_database(&pair().await.1, "postgres").unwrap();
    let replica = ReplicaApp { app, replica_db, replica_server };
    replica.until_reads_go_to("replica").await;
    replica
}

impl ReplicaApp {
    /// Polls /readyz until its `replica.reads` is `reads`; returns that answer.
    async fn until_reads_go_to(&self, reads: &str) -> Value {
        let started = Instant::now();
        loop {
            let ready = self.app.get("/readyz", None).await;
            assert_eq!(ready.status, 200, "{}", ready.text);
            if ready.body["replica"]["reads"] == reads {
                return ready.body;
            }
            assert!(started.elapsed() < PATIENCE, "reads never went to the {reads}: {}", ready.text);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the replica's replay: it keeps receiving the primary's changes and shows none of
    /// them until the guard is dropped.
    async fn pause_replay(&self) -> Paused {
        let mut conn = connect(&self.replica_server).await;
        conn.batch_execute("SELECT pg_wal_replay_pause()").await.unwrap();
        let started = Instant::now();
        loop {
            let state = diesel::sql_query("SELECT pg_get_wal_replay_pause_state() AS word")
                .get_result::<Word>(&mut conn)
                .await
                .unwrap();
            if state.word == "paused" {
                break;
            }
            assert!(started.elapsed() < PATIENCE, "replay never paused");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Paused { replica_server: self.replica_server.clone() }
    }

    async fn settle(&self, event: Uuid) {
        settle(&self.app, &self.replica_db, event).await;
    }
}

/// The event's last change, as the read-your-own-writes rule sees it, an hour ago, and that
/// on the replica too: what a test does afterwards is then the only recent change.
async fn settle(app: &TestApp, replica_db: &str, event: Uuid) {
    let mut conn = connect(&app.database.url()).await;
    diesel::sql_query(
        "UPDATE events SET changed_at = now() - interval '1 hour', updated_at = now() - interval '1 hour'
          WHERE id = $1",
    )
    .bind::<SqlUuid, _>(event)
    .execute(&mut conn)
    .await
    .unwrap();
    let mut replica = connect(replica_db).await;
    let started = Instant::now();
    loop {
        let settled = diesel::sql_query(
            "SELECT count(*) AS n FROM events WHERE id = $1 AND changed_at < now() - interval '30 minutes'",
        )
        .bind::<SqlUuid, _>(event)
        .get_result::<Count>(&mut replica)
        .await
        .unwrap();
        if settled.n == 1 {
            return;
        }
        assert!(started.elapsed() < PATIENCE, "the change never reached the replica");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Resumes replay when dropped, even when the test fails, so that the next test finds a
/// replica that streams.
struct Paused {
    replica_server: String,
}

impl Paused {
    async fn resume(self) {
        drop(self);
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let url = self.replica_server.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let mut conn = connect(&url).await;
                conn.batch_execute("SELECT pg_wal_replay_resume()").await.unwrap();
            });
        })
        .join();
    }
}

/// Checks `registration` in on the primary behind the server's back: as a change by someone
/// else would, but without moving the event's `changed_at` (the registrations' triggers are
/// off for this one statement's session, so it recounts the event's report tallies itself),
/// so that the read-your-own-writes rule does not send the report to the primary and only
/// where it is read decides whether it shows.
async fn check_in_behind_the_back(app: &TestApp, registration: &str) {
    let mut conn = connect(&app.database.url()).await;
    conn.batch_execute("SET session_replication_role = replica").await.unwrap();
    let changed = diesel::sql_query(
        "UPDATE registrations SET checked_in_at = now(), check_in_source = 'manual' WHERE id = $1::uuid",
    )
    .bind::<Text, _>(registration)
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(changed, 1);
    diesel::sql_query("SELECT recount_registration_tallies(event_id) FROM registrations WHERE id = $1::uuid")
        .bind::<Text, _>(registration)
        .execute(&mut conn)
        .await
        .unwrap();
}

async fn primary_now(app: &TestApp) -> DateTime<Utc> {
    let mut conn = connect(&app.database.url()).await;
    diesel::sql_query("SELECT now() AS at").get_result::<At>(&mut conn).await.unwrap().at
}

async fn report(app: &TestApp, token: &str, event: Uuid) -> Resp {
    let report = app.get(&format!("/api/v1/events/{event}/report"), Some(token)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    report
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("a time: {value}"))
}

/// The CSV row of `registration`: its `checked_in_at` cell.
async fn csv_checked_in_at(app: &TestApp, token: &str, event: Uuid, registration: &str) -> String {
    let csv = app.get(&format!("/api/v1/events/{event}/attendance.csv?bom=false"), Some(token)).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let header: Vec<&str> = csv.text.lines().next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "checked_in_at").unwrap();
    let row = csv.text.lines().find(|l| l.starts_with(registration)).expect("the registration's row");
    row.split(',').nth(column).unwrap().to_owned()
}

async fn metric(app: &TestApp, name: &str) -> f64 {
    let metrics = app.get("/metrics", None).await;
    assert_eq!(metrics.status, 200);
    metrics
        .text
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} in\n{}", metrics.text))
}

#[actix_web::test]
async fn reports_and_anonymous_reads_come_from_the_replica_and_say_how_fresh() {
    let _turn = one_at_a_time().await;
    let replica = spawn_with_replica(60_000).await;
    let app = &replica.app;
    let (org, organiser, event) = published_event(app, starting_soon()).await;
    let (_, registration) = confirmed(app, org, event).await;
    replica.settle(event).await;
    assert_eq!(report(app, &organiser, event).await.body["totals"]["attended"], 0);

    let paused = replica.pause_replay().await;
    let paused_at = primary_now(app).await;
    check_in_behind_the_back(app, &registration).await;
    let mut conn = connect(&app.database.url()).await;
    conn.batch_execute(&format!(
        "SET session_replication_role = replica; UPDATE events SET title = 'Renamed' WHERE id = '{event}'"
    ))
    .await
    .unwrap();

    // The replica still streams (its lag is far under a minute) and has not replayed them.
    let ready = replica.until_reads_go_to("replica").await;
    assert_eq!(ready["replica"]["state"], "streaming", "{ready}");
    let seen = report(app, &organiser, event).await;
    assert_eq!(seen.body["totals"]["attended"], 0, "read on the replica: {}", seen.text);
    let as_of = time(&seen.body["data_as_of"]);
    assert!(as_of <= paused_at, "the replica's data is as of its last replay, {as_of}, before {paused_at}");
    assert!(time(&seen.body["generated_at"]) > as_of);
    assert_eq!(csv_checked_in_at(app, &organiser, event, &registration).await, "");
    // The CSV reports say as much in a header.
    let list = app.get(&format!("/api/v1/events/{event}/attendance.csv"), Some(&organiser)).await;
    let summary_csv = read(
        app.client
            .get(app.url(&format!("/api/v1/reports/attendance?organisation_id={org}")))
            .bearer_auth(&organiser)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap(),
    )
    .await;
    for csv in [&list, &summary_csv] {
        let as_of: DateTime<Utc> = csv.header("data-as-of").expect("a Data-As-Of header").parse().unwrap();
        assert!(
            as_of <= paused_at,
            "the CSV is as of the replica's last replay, {as_of}, before {paused_at}"
        );
    }
    let page = app.get(&format!("/api/v1/events/{event}/report.html"), Some(&organiser)).await;
    assert_eq!(page.status, 200);
    let summary =
        app.get(&format!("/api/v1/reports/attendance?organisation_id={org}"), Some(&organiser)).await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(summary.body["totals"]["attended"], 0, "{}", summary.text);
    assert!(time(&summary.body["data_as_of"]) <= paused_at);
    // Anonymous readers get the replica's copy; the organiser reading the event, the primary's.
    let anonymous = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(anonymous.body["title"], "Third regional roundtable", "{}", anonymous.text);
    let own = app.get(&format!("/api/v1/events/{event}"), Some(&organiser)).await;
    assert_eq!(own.body["title"], "Renamed", "{}", own.text);

    paused.resume().await;
    let started = Instant::now();
    while report(app, &organiser, event).await.body["totals"]["attended"] != 1 {
        assert!(started.elapsed() < PATIENCE, "the replica never caught up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.get(&format!("/api/v1/events/{event}"), None).await.body["title"], "Renamed");
    assert_ne!(csv_checked_in_at(app, &organiser, event, &registration).await, "");
}

#[actix_web::test]
async fn a_replica_behind_the_limit_sends_reads_to_the_primary_until_it_catches_up() {
    let _turn = one_at_a_time().await;
    // A second: far above what a streaming replica lags here, reached soon once paused.
    let replica = spawn_with_replica(1000).await;
    let app = &replica.app;
    let (org, organiser, event) = published_event(app, starting_soon()).await;
    let (_, registration) = confirmed(app, org, event).await;
    replica.settle(event).await;
    replica.until_reads_go_to("replica").await;
    assert_eq!(metric(app, "hybrid_events_replica_in_use").await, 1.0);

    let paused = replica.pause_replay().await;
    check_in_behind_the_back(app, &registration).await;
    let ready = replica.until_reads_go_to("primary").await;
    assert_eq!(ready["status"], "ok", "a lagging replica leaves the process ready: {ready}");
    assert_eq!(ready["replica"]["state"], "lagging", "{ready}");
    assert!(ready["replica"]["lag_seconds"].as_f64().unwrap() > 1.0, "{ready}");
    assert_eq!(ready["replica"]["max_lag_seconds"], 1.0);
    let seen = report(app, &organiser, event).await;
    assert_eq!(seen.body["totals"]["attended"], 1, "read on the primary: {}", seen.text);
    assert!(
        time(&seen.body["data_as_of"]) >= time(&seen.body["generated_at"]) - chrono::Duration::seconds(1)
    );
    assert_ne!(csv_checked_in_at(app, &organiser, event, &registration).await, "");
    assert_eq!(metric(app, "hybrid_events_replica_in_use").await, 0.0);
    assert_eq!(metric(app, "hybrid_events_replica_up").await, 1.0);
    assert!(metric(app, "hybrid_events_replica_lag_seconds").await > 1.0);

    paused.resume().await;
    let ready = replica.until_reads_go_to("replica").await;
    assert_eq!(ready["replica"]["state"], "streaming", "{ready}");
    assert_eq!(metric(app, "hybrid_events_replica_in_use").await, 1.0);
}

#[actix_web::test]
async fn an_organiser_sees_their_own_check_in_and_change_at_once_while_the_replica_is_behind() {
    let _turn = one_at_a_time().await;
    let replica = spawn_with_replica(60_000).await;
    let app = &replica.app;
    let (org, organiser, event) = published_event(app, starting_soon()).await;
    let (_, registration) = confirmed(app, org, event).await;
    replica.settle(event).await;

    let paused = replica.pause_replay().await;
    let checked_in = app
        .post(&format!("/api/v1/registrations/{registration}/check-in"), Some(&organiser), json!({}))
        .await;
    assert_eq!(checked_in.status, 200, "{}", checked_in.text);
    // The replica is still in use (far under the limit) and has not replayed the check-in ...
    assert_eq!(replica.until_reads_go_to("replica").await["replica"]["state"], "streaming");
    let mut on_replica = connect(&replica.replica_db).await;
    let there = diesel::sql_query(
        "SELECT count(*) AS n FROM registrations WHERE id = $1::uuid AND checked_in_at IS NOT NULL",
    )
    .bind::<Text, _>(&registration)
    .get_result::<Count>(&mut on_replica)
    .await
    .unwrap();
    assert_eq!(there.n, 0, "replay is paused");
    // ... yet the report, the list and the summary have it: the event just changed.
    assert_eq!(report(app, &organiser, event).await.body["totals"]["attended"], 1);
    assert_ne!(csv_checked_in_at(app, &organiser, event, &registration).await, "");
    let summary =
        app.get(&format!("/api/v1/reports/attendance?organisation_id={org}"), Some(&organiser)).await;
    assert_eq!(summary.body["totals"]["attended"], 1, "{}", summary.text);

    // A change of the event itself, likewise.
    let patched = app
        .patch(&format!("/api/v1/events/{event}"), Some(&organiser), json!({"onsite": {"capacity": 12}}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(report(app, &organiser, event).await.body["by_mode"]["onsite"]["capacity"], 12);
    paused.resume().await;
}

#[actix_web::test]
async fn a_replica_that_does_not_answer_leaves_every_read_on_the_primary() {
    let closed = crate::process::free_port();
    let app = spawn_app_with(|settings| {
        settings.database_replica_url = Some(format!("postgres://postgres@127.0.0.1:{closed}/hybrid_events"));
        settings.replica_max_lag_ms = 200;
    })
    .await;
    let started = Instant::now();
    let ready = loop {
        let ready = app.get("/readyz", None).await;
        if ready.body["replica"]["state"] == "down" {
            break ready;
        }
        assert!(started.elapsed() < PATIENCE, "the replica was never found down: {}", ready.text);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(ready.status, 200, "the primary answers, so the process is ready: {}", ready.text);
    assert_eq!(ready.body["replica"]["reads"], "primary");
    assert_eq!(ready.body["replica"]["lag_seconds"], Value::Null);

    let (org, organiser, event) = published_event(&app, starting_soon()).await;
    let (_, registration) = confirmed(&app, org, event).await;
    let checked_in = app
        .post(&format!("/api/v1/registrations/{registration}/check-in"), Some(&organiser), json!({}))
        .await;
    assert_eq!(checked_in.status, 200, "{}", checked_in.text);
    assert_eq!(report(&app, &organiser, event).await.body["totals"]["attended"], 1);
    assert_eq!(app.get(&format!("/api/v1/events/{event}"), None).await.status, 200);
    assert_eq!(metric(&app, "hybrid_events_replica_up").await, 0.0);
    assert_eq!(metric(&app, "hybrid_events_replica_in_use").await, 0.0);
}

#[actix_web::test]
async fn without_a_replica_readiness_says_nothing_of_one() {
    let app = spawn_app().await;
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.body, json!({"status": "ok"}));
    let metrics = app.get("/metrics", None).await;
    assert!(!metrics.text.contains("replica"), "no replica gauges without a replica");
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let report = report(&app, &organiser, event).await;
    assert_eq!(report.body["data_as_of"], report.body["generated_at"], "the primary counts as of now");
}

/// README's "several processes" recipe: two server processes on one primary with a replica,
/// registrations spread over both at once, the seat rule held across them, and each
/// process's report read on the replica.
#[actix_web::test]
async fn two_processes_share_the_seats_and_read_reports_from_the_replica() {
    let _turn = one_at_a_time().await;
    let (database, replica_db) = replicated_database().await;
    // In-process, only to arrange rows and make tokens (signed with the processes' secret).
    let app = spawn_app_on(database, |_| {}).await;
    let primary_db = app.database.url();
    let env = [
        ("DATABASE_REPLICA_URL", replica_db.as_str()),
        ("JWT_SECRET", JWT_SECRET),
        ("DATABASE_POOL_SIZE", "4"),
    ];
    let processes = [Running::start(&primary_db, &env).await, Running::start(&primary_db, &env).await];
    let client = Running::client();
    for process in &processes {
        let started = Instant::now();
        loop {
            let ready: Value = client.get(process.url("/readyz")).send().await.unwrap().json().await.unwrap();
            if ready["replica"]["reads"] == "replica" {
                break;
            }
            assert!(started.elapsed() < PATIENCE, "{ready}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    let (org, organiser, event) = published_event(&app, json!({"online": {"capacity": 3}})).await;
    let partner = app.partner_of(org).await;
    let registrations = (0..12).map(|i| {
        let url = processes[i % 2].url(&format!("/api/v1/events/{event}/registrations"));
        client.post(url).bearer_auth(&partner).json(&participant("online", false)).send()
    });
    let mut statuses = Vec::new();
    for response in futures_util::future::join_all(registrations).await {
        let response = crate::helpers::read(response.unwrap()).await;
        assert_eq!(response.status, 201, "{}", response.text);
        statuses.push(response.body["status"].as_str().unwrap().to_owned());
    }
    let confirmed = statuses.iter().filter(|s| *s == "confirmed").count();
    assert_eq!((confirmed, statuses.len() - confirmed), (3, 9), "{statuses:?}");

    // The counters the seat rule reads agree with the rows, on the primary.
    #[derive(QueryableByName)]
    struct Counters {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        online_confirmed: i32,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        online_waitlisted: i32,
        #[diesel(sql_type = BigInt)]
        confirmed_rows: i64,
        #[diesel(sql_type = BigInt)]
        waitlisted_rows: i64,
    }
    let mut conn = connect(&primary_db).await;
    let counters = diesel::sql_query(
        "SELECT e.online_confirmed, e.online_waitlisted,
                (SELECT count(*) FROM registrations WHERE event_id = e.id AND status = 'confirmed') AS confirmed_rows,
                (SELECT count(*) FROM registrations WHERE event_id = e.id AND status = 'waitlisted') AS waitlisted_rows
           FROM events e WHERE e.id = $1",
    )
    .bind::<SqlUuid, _>(event)
    .get_result::<Counters>(&mut conn)
    .await
    .unwrap();
    assert_eq!((counters.online_confirmed, counters.online_waitlisted), (3, 9));
    assert_eq!((counters.confirmed_rows, counters.waitlisted_rows), (3, 9));

    // Once the registrations are older than the rule's margin, each process reads the report
    // on the replica: as of its last replay, before the replica's own clock when it counted.
    settle(&app, &replica_db, event).await;
    for process in &processes {
        let url = process.url(&format!("/api/v1/events/{event}/report"));
        let started = Instant::now();
        loop {
            let report =
                crate::helpers::read(client.get(&url).bearer_auth(&organiser).send().await.unwrap()).await;
            assert_eq!(report.status, 200, "{}", report.text);
            assert_eq!(report.body["totals"]["confirmed"], 3, "{}", report.text);
            assert_eq!(report.body["totals"]["waitlisted"], 9, "{}", report.text);
            if time(&report.body["data_as_of"]) < time(&report.body["generated_at"]) {
                break;
            }
            assert!(started.elapsed() < PATIENCE, "never read on the replica: {}", report.text);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Sends what `conn`'s open transaction wrote to the WAL on to the replica: WAL is streamed
/// once flushed, and another transaction's commit flushes it.
async fn flush_wal(app: &TestApp) {
    let mut conn = connect(&app.database.url()).await;
    conn.batch_execute("BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_current_xact_id(); COMMIT")
        .await
        .unwrap();
}

/// Polls `query` (a count `n`) on `url` until it is at least `at_least`.
async fn until_count(url: &str, query: &str, at_least: i64, what: &str) {
    let mut conn = connect(url).await;
    let started = Instant::now();
    loop {
        let n = diesel::sql_query(query).get_result::<Count>(&mut conn).await.unwrap().n;
        if n >= at_least {
            return;
        }
        assert!(started.elapsed() < PATIENCE, "{what} never happened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A hot standby cancels a query that stands in replay's way; the reader then gets the
/// primary's answer, not an error. Here replay and the report wait on each other, which the
/// replica resolves at once: a transaction on the primary locks the report's tallies (replay
/// takes the same lock on the replica), the report, read there, holds `events` and waits for
/// the tallies, and the same transaction then locks `events`, which replay cannot take while
/// the report holds it. The replica cancels the report (40P01, "conflict with recovery");
/// the server reads it on the primary, where it waits for that transaction to end.
#[actix_web::test]
async fn a_report_the_replica_cancels_for_replay_is_answered_by_the_primary() {
    let _turn = one_at_a_time().await;
    let replica = spawn_with_replica(60_000).await;
    let app = &replica.app;
    let (org, organiser, event) = published_event(app, starting_soon()).await;
    confirmed(app, org, event).await;
    replica.settle(event).await;
    let before = report(app, &organiser, event).await;
    assert!(time(&before.body["data_as_of"]) < time(&before.body["generated_at"]), "read on the replica");
    let retried = "hybrid_events_replica_reads_retried_total";
    assert_eq!(metric(app, retried).await, 0.0);

    let mut locker = connect(&app.database.url()).await;
    locker.batch_execute("BEGIN; LOCK TABLE registration_tallies IN ACCESS EXCLUSIVE MODE").await.unwrap();
    flush_wal(app).await;
    until_count(
        &replica.replica_db,
        "SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
          WHERE c.relname = 'registration_tallies' AND l.mode = 'AccessExclusiveLock' AND l.granted",
        1,
        "replay taking the tallies' lock",
    )
    .await;

    let path = format!("/api/v1/events/{event}/report");
    let answered = app.get(&path, Some(&organiser));
    let conflict = async {
        until_count(
            &replica.replica_db,
            "SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'",
            1,
            "the report waiting on the replica",
        )
        .await;
        locker.batch_execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE").await.unwrap();
        flush_wal(app).await;
        let started = Instant::now();
        while metric(app, retried).await < 1.0 {
            assert!(started.elapsed() < PATIENCE, "the report was never read again on the primary");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The primary's read waits for this transaction's locks; ending it lets it through.
        locker.batch_execute("COMMIT").await.unwrap();
    };
    let (answered, ()) = futures_util::future::join(answered, conflict).await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(answered.body["totals"], before.body["totals"], "{}", answered.text);
    assert_eq!(
        answered.body["data_as_of"], answered.body["generated_at"],
        "read on the primary, as of the moment it was read: {}",
        answered.text
    );
    assert_eq!(metric(app, retried).await, 1.0);
}
