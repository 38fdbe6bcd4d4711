//! The database going away, and being slow: requests get 503 `service_unavailable` with
//! `Retry-After` in bounded time, the process stays up, and nothing a client was told
//! succeeded is lost (nor anything it was told failed kept).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use hybrid_events::db::local_cluster;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{
    migrated_database_on, read, spawn_app_on, spawn_app_with, until_a_statement_waits_for_a_lock, Resp,
    TestApp,
};

/// A private PostgreSQL cluster under target/, stopped and removed when dropped.
struct Cluster {
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    async fn start() -> (Self, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("target/fault-postgres-{}-{port}", std::process::id()));
        let cluster = Self { dir, port };
        let server = cluster.resume().await;
        (cluster, server)
    }

    async fn resume(&self) -> String {
        let (dir, port) = (self.dir.clone(), self.port);
        tokio::task::spawn_blocking(move || local_cluster::ensure_running(&dir, port))
            .await
            .unwrap()
            .expect("starting the private cluster")
    }

    async fn stop(&self) {
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || local_cluster::stop(&dir))
            .await
            .unwrap()
            .expect("stopping the cluster");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = local_cluster::stop(&self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(self.dir.with_extension("lock"));
    }
}

#[track_caller]
fn assert_unavailable(response: &Resp) {
    response.assert_problem(503, "service_unavailable");
    let retry_after: u64 = response.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!(retry_after >= 1);
}

/// Polls `condition` every 20 ms until it holds, for at most `limit`.
async fn eventually(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[derive(Default)]
struct Outcomes {
    /// (phone, status, seconds taken), in the order the answers came.
    answers: Vec<(String, u16, f64)>,
}

impl Outcomes {
    fn count(&self, status: u16) -> usize {
        self.answers.iter().filter(|a| a.1 == status).count()
    }
}

#[derive(QueryableByName)]
struct Phone {
    #[diesel(sql_type = diesel::sql_types::Text)]
    phone: String,
}

/// The registration of the person with `phone`, under an `Idempotency-Key` of its own: the
/// way a client settles an answer lost with the database.
fn registration_of(phone: &str) -> (String, Value) {
    let mut body = participant("online", false);
    body["participant"]["phone"] = json!(phone);
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (format!("outage-{digits}"), body)
}

async fn send_registration(app: &TestApp, partner: &str, event: Uuid, phone: &str) -> u16 {
    let (key, body) = registration_of(phone);
    let request = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/registrations")))
        .bearer_auth(partner)
        .header("Idempotency-Key", key)
        .json(&body)
        .send();
    match tokio::time::timeout(Duration::from_secs(20), request).await {
        Ok(Ok(response)) => {
            let response = read(response).await;
            if response.status == 503 {
                assert_unavailable(&response);
            }
            response.status
        }
        Ok(Err(_)) => 1, // the connection to our server failed
        Err(_) => 0,     // no answer in 20 s: a hang
    }
}

async fn stored_phones(app: &TestApp, event: Uuid) -> Vec<String> {
    diesel::sql_query("SELECT phone FROM registrations WHERE event_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(event)
        // A connection of its own: the test's pool may still hold one from before the outage.
        .load::<Phone>(&mut AsyncPgConnection::establish(&app.database.url()).await.unwrap())
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.phone)
        .collect()
}

/// A 503 cannot say whether the database committed before it went away (the commit may land
/// and its answer be lost with the connection), so the promise is the one a client can hold
/// the server to: every 201 is kept, and retrying a 503 with its `Idempotency-Key` ends in
/// exactly one registration.
#[actix_web::test]
async fn the_database_stopping_mid_load_gives_503s_every_201_is_kept_and_a_retried_503_registers_once() {
    let (cluster, server) = Cluster::start().await;
    let app = spawn_app_on(migrated_database_on(&server).await, |s| {
        s.database_pool_size = 4;
        s.database_acquire_timeout_ms = 1_000;
        s.registration_rate_limit_per_minute = 0;
    })
    .await;
    let (org, _organiser, event) = published_event(&app, json!({"onsite": null})).await;
    let partner = app.partner_of(org).await;
    let app = Arc::new(app);

    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let done = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..6)
        .map(|worker| {
            let (app, outcomes, done, partner) =
                (app.clone(), outcomes.clone(), done.clone(), partner.clone());
            actix_web::rt::spawn(async move {
                for i in 0..5_000 {
                    if AtomicBool::load(&done, Ordering::Relaxed) {
                        break;
                    }
                    let phone = format!("+34 6{worker:02}{i:06}");
                    let started = Instant::now();
                    let status = send_registration(&app, &partner, event, &phone).await;
                    outcomes.lock().unwrap().answers.push((phone, status, started.elapsed().as_secs_f64()));
                }
            })
        })
        .collect();

    let load = Duration::from_secs(60);
    eventually(load, "registrations before the outage", || outcomes.lock().unwrap().count(201) >= 30).await;
    cluster.stop().await;
    let before = outcomes.lock().unwrap().count(503);
    eventually(load, "503s during the outage", || outcomes.lock().unwrap().count(503) >= before + 20).await;
    let ready = app.get("/readyz", None).await;
    assert_eq!((ready.status, ready.body["status"].as_str()), (503, Some("unavailable")), "{}", ready.text);
    assert!(ready.header("retry-after").is_some());
    assert_eq!(app.get("/healthz", None).await.status, 200, "the process stays up");

    cluster.resume().await;
    let created = outcomes.lock().unwrap().count(201);
    eventually(load, "registrations after the outage", || {
        outcomes.lock().unwrap().count(201) >= created + 30
    })
    .await;
    done.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(app.get("/readyz", None).await.status, 200, "ready again without a restart");

    let answers = std::mem::take(&mut outcomes.lock().unwrap().answers);
    let unexpected: Vec<_> = answers.iter().filter(|a| a.1 != 201 && a.1 != 503).collect();
    assert!(unexpected.is_empty(), "only 201 or 503 may be answered: {unexpected:?}");
    let slowest = answers.iter().filter(|a| a.1 == 503).map(|a| a.2).fold(0.0, f64::max);
    assert!(slowest < 10.0, "a 503 took {slowest:.1} s");

    let answered: BTreeSet<String> = answers.iter().filter(|a| a.1 == 201).map(|a| a.0.clone()).collect();
    let stored: BTreeSet<String> = stored_phones(&app, event).await.into_iter().collect();
    let lost: Vec<_> = answered.difference(&stored).collect();
    assert!(lost.is_empty(), "registrations answered 201 and not kept: {lost:?}");

    let unavailable: Vec<&String> = answers.iter().filter(|a| a.1 == 503).map(|a| &a.0).collect();
    for phone in &unavailable {
        let status = send_registration(&app, &partner, event, phone).await;
        assert_eq!(status, 201, "retrying {phone} with its key once the database is back");
    }
    let every_phone: BTreeSet<String> = answers.iter().map(|a| a.0.clone()).collect();
    let mut stored = stored_phones(&app, event).await;
    stored.sort();
    let once: Vec<String> = every_phone.into_iter().collect();
    assert_eq!(stored, once, "each person registered exactly once, whatever their first answer");
    drop(app);
    drop(cluster);
}

/// Holds the row lock of `event` in an open transaction on a connection of its own.
pub async fn lock_event(app: &TestApp, event: Uuid) -> AsyncPgConnection {
    let mut conn = AsyncPgConnection::establish(&app.database.url()).await.unwrap();
    conn.batch_execute(&format!("BEGIN; SELECT 1 FROM events WHERE id = '{event}' FOR UPDATE"))
        .await
        .unwrap();
    conn
}

#[actix_web::test]
async fn a_query_slower_than_the_statement_timeout_is_503_and_changes_nothing() {
    let app = spawn_app_with(|s| s.database_statement_timeout_ms = 300).await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let mut lock = lock_event(&app, event).await;

    let started = Instant::now();
    let response = register(&app, &partner, event, participant("online", false)).await;
    assert_unavailable(&response);
    assert!(started.elapsed() < Duration::from_secs(5), "answered in {:?}", started.elapsed());

    lock.batch_execute("ROLLBACK").await.unwrap();
    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&partner)).await;
    assert_eq!(list.body["items"], json!([]), "the timed-out request created nothing");
    assert_eq!(register(&app, &partner, event, participant("online", false)).await.status, 201);
}

#[actix_web::test]
async fn with_every_connection_taken_a_request_is_503_after_the_acquire_timeout() {
    let app = spawn_app_with(|s| {
        s.database_pool_size = 1;
        s.database_acquire_timeout_ms = 300;
        s.database_statement_timeout_ms = 30_000;
    })
    .await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let mut lock = lock_event(&app, event).await;

    // This registration takes the server's only connection and waits for the lock. (With an
    // `Idempotency-Key` it is registered alone, on the handler's connection: one without is
    // written by a group, which gives its connection back after 250 ms of waiting.)
    let blocked = {
        let (client, url, partner) =
            (app.client.clone(), app.url(&format!("/api/v1/events/{event}/registrations")), partner.clone());
        actix_web::rt::spawn(async move {
            read(
                client
                    .post(url)
                    .bearer_auth(partner)
                    .header("Idempotency-Key", "blocked-registration")
                    .json(&participant("online", false))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        })
    };
    until_a_statement_waits_for_a_lock(&app, "the registration").await;

    let started = Instant::now();
    let response = app.get(&format!("/api/v1/events/{event}"), None).await;
    let took = started.elapsed();
    assert_unavailable(&response);
    assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(5), "answered in {took:?}");

    lock.batch_execute("ROLLBACK").await.unwrap();
    let response = blocked.await.unwrap();
    assert_eq!(response.status, 201, "the waiting registration goes through: {}", response.text);
    assert_eq!(app.get(&format!("/api/v1/events/{event}"), None).await.status, 200);
}
