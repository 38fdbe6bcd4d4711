//! The database underneath: reversible migrations, the private development cluster, and a
//! server that rides out a database restart.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use hybrid_events::config::{Environment, Settings};
use hybrid_events::db::schema::{organisations, users};
use hybrid_events::db::{self, local_cluster};
use hybrid_events::domain::text::fold;
use hybrid_events::startup::Application;

use crate::helpers::{missing_database, read, test_settings};
use crate::process::{free_port, PATIENCE};

/// Everything the migrations can create in `public`, one line per object, sorted; diesel's
/// own bookkeeping table left out.
async fn schema_fingerprint(url: &str) -> String {
    #[derive(QueryableByName)]
    struct Fingerprint {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    diesel::sql_query(
        "SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') AS text FROM (
            SELECT 'relation ' || c.relname || ' ' || c.relkind::text FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relname NOT LIKE '__diesel_schema_migrations%'
            UNION ALL
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
              FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'
            UNION ALL
            SELECT 'function ' || p.proname FROM pg_proc p
              JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'type ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r', 'm')
            UNION ALL
            SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
            UNION ALL
            SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
        ) objects(x)",
    )
    .get_result::<Fingerprint>(&mut conn)
    .await
    .unwrap()
    .text
}

async fn revert_all_migrations(url: &str) {
    let url = url.to_owned();
    // diesel's harness is synchronous: the same wrapper and blocking thread as db::run_migrations.
    tokio::task::spawn_blocking(move || {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url).unwrap();
        conn.revert_all_migrations(db::MIGRATIONS).unwrap();
    })
    .await
    .unwrap();
}

#[actix_web::test]
async fn every_migration_reverts_completely_and_applies_again() {
    let database = missing_database().await;
    db::create_database_if_missing(&database.url()).await.unwrap();
    let empty = schema_fingerprint(&database.url()).await;

    db::run_migrations(&database.url()).await.unwrap();
    let migrated = schema_fingerprint(&database.url()).await;
    assert!(migrated.contains("relation users r"), "{migrated}");

    revert_all_migrations(&database.url()).await;
    assert_eq!(schema_fingerprint(&database.url()).await, empty, "a down.sql leaves something behind");

    db::run_migrations(&database.url()).await.unwrap();
    assert_eq!(schema_fingerprint(&database.url()).await, migrated);
}

/// Reverts the migrations down to and including `version` (its digits, as diesel keeps it).
pub async fn revert_migrations_through(url: &str, version: &'static str) {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url).unwrap();
        while conn.revert_last_migration(db::MIGRATIONS).unwrap().to_string() != version {}
    })
    .await
    .unwrap();
}

/// Rows from before the folded keys get theirs from the migration, folded as the code folds
/// new ones: their users still log in, their names are still taken.
#[actix_web::test]
async fn the_folded_keys_migration_folds_existing_rows_as_the_code_does() {
    let database = missing_database().await;
    db::create_database_if_missing(&database.url()).await.unwrap();
    db::run_migrations(&database.url()).await.unwrap();
    revert_migrations_through(&database.url(), "20261129000050").await;
    let names = ["FUNDACIÓN CEPAIM", "ὈΔΥΣΣΕΎΣ", "Fundacio\u{301}n Soria "];
    let emails = ["ÁLVARO@Cepaim.TEST", "E\u{301}va@example.org"];
    let mut conn = AsyncPgConnection::establish(&database.url()).await.unwrap();
    for name in names {
        diesel::sql_query("INSERT INTO organisations (id, name, kind) VALUES (gen_random_uuid(), $1, 'ngo')")
            .bind::<diesel::sql_types::Text, _>(name)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    for email in emails {
        diesel::sql_query(
            "INSERT INTO users (id, email, password_hash, role) VALUES (gen_random_uuid(), $1, '-', 'admin')",
        )
        .bind::<diesel::sql_types::Text, _>(email)
        .execute(&mut conn)
        .await
        .unwrap();
    }

    db::run_migrations(&database.url()).await.unwrap();
    let organisations =
        organisations::table.select((organisations::name, organisations::name_key)).load(&mut conn).await;
    let users = users::table.select((users::email, users::email_key)).load(&mut conn).await;
    // Sorted here, not by the server, whose collation the test does not know.
    let sorted = |mut pairs: Vec<(String, String)>| {
        pairs.sort();
        pairs
    };
    let folded_in_rust =
        |texts: &[&str]| sorted(texts.iter().map(|text| (text.to_string(), fold(text))).collect());
    assert_eq!(sorted(organisations.unwrap()), folded_in_rust(&names));
    assert_eq!(sorted(users.unwrap()), folded_in_rust(&emails));
}

/// A private cluster in a directory of its own under target/, stopped and removed on drop.
struct PrivateCluster {
    dir: PathBuf,
    port: u16,
}

impl PrivateCluster {
    fn new() -> Self {
        // Short: the server's socket lives in this directory and socket paths are limited.
        let name = format!("pgc-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join(name);
        PrivateCluster { dir, port: free_port() }
    }

    async fn ensure_running(&self) -> String {
        let (dir, port) = (self.dir.clone(), self.port);
        tokio::task::spawn_blocking(move || local_cluster::ensure_running(&dir, port))
            .await
            .unwrap()
            .expect("the private cluster starts")
    }

    async fn stop(&self) {
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || local_cluster::stop(&dir)).await.unwrap().unwrap();
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if self.dir.exists() {
            let _ = local_cluster::stop(&self.dir);
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        let _ = std::fs::remove_file(self.dir.with_extension("lock"));
    }
}

async fn answers(url: &str) -> bool {
    let Ok(mut conn) = AsyncPgConnection::establish(url).await else { return false };
    diesel::sql_query("SELECT 1").execute(&mut conn).await.is_ok()
}

#[actix_web::test]
async fn a_private_cluster_is_initialised_started_and_found_running_again() {
    let cluster = PrivateCluster::new();
    let server = cluster.ensure_running().await;
    assert_eq!(server, format!("postgres://postgres@127.0.0.1:{}", cluster.port));
    assert!(cluster.dir.join("data/PG_VERSION").exists());
    assert!(answers(&format!("{server}/postgres")).await);
    // A UTF-8 locale: SQL's lower() knows letters beyond ASCII, as on the machine's server.
    let mut conn = AsyncPgConnection::establish(&format!("{server}/postgres")).await.unwrap();
    let (locale, lowered) = diesel::select((
        diesel::dsl::sql::<diesel::sql_types::Text>(
            "(SELECT datctype FROM pg_database WHERE datname = current_database())",
        ),
        diesel::dsl::sql::<diesel::sql_types::Text>("lower('FUNDACIÓN')"),
    ))
    .get_result::<(String, String)>(&mut conn)
    .await
    .unwrap();
    assert_eq!((locale.as_str(), lowered.as_str()), ("C.UTF-8", "fundación"));
    drop(conn);

    // A second call (another process starting, or the next `cargo run`) finds it running.
    assert_eq!(cluster.ensure_running().await, server);
    assert!(answers(&format!("{server}/postgres")).await);

    cluster.stop().await;
    assert!(!answers(&format!("{server}/postgres")).await);
}

#[actix_web::test]
async fn without_database_url_development_falls_back_to_a_private_cluster() {
    let cluster = PrivateCluster::new();
    let nobody = format!("postgres://postgres@127.0.0.1:{}/hybrid_events", free_port());
    let mut settings = Settings::defaults();
    settings.database_url = None;
    settings.local_postgres_dir = cluster.dir.clone();

    let url = db::resolve_database_url_with(&settings, &nobody, cluster.port).await.unwrap();
    assert_eq!(url, format!("postgres://postgres@127.0.0.1:{}/hybrid_events", cluster.port));
    db::create_database_if_missing(&url).await.unwrap();
    assert!(answers(&url).await);

    // Production never starts a cluster of its own.
    settings.app_env = Environment::Production;
    let refused = db::resolve_database_url_with(&settings, &nobody, cluster.port).await.unwrap_err();
    assert!(refused.to_string().contains("DATABASE_URL"), "{refused}");
}

#[actix_web::test]
async fn readyz_recovers_when_the_database_comes_back_without_a_restart() {
    let cluster = PrivateCluster::new();
    let url = format!("{}/hybrid_events", cluster.ensure_running().await);
    let mut settings = test_settings(&url);
    settings.database_acquire_timeout_ms = 1000;
    let app = Application::build(settings).await.expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.into_server();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    hybrid_events::webhooks::install_tls_provider();
    let client = reqwest::Client::new();
    let readyz = || async { read(client.get(format!("{address}/readyz")).send().await.unwrap()).await };

    assert_eq!(readyz().await.status, 200);
    cluster.stop().await;
    let down = readyz().await;
    assert_eq!(down.status, 503, "{}", down.text);
    assert_eq!(down.body["status"], "unavailable");

    cluster.ensure_running().await;
    // The pool may first hand out a connection that died with the old server; it is dropped
    // and the next check opens a new one.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let status = readyz().await.status;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "readyz stayed {status} after the database came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    handle.stop(false).await;
}
