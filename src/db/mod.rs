//! PostgreSQL: the pool, migrations, and the queries of each resource. Functions take a
//! connection so that they also run inside a caller's transaction.

pub mod accounts;
pub mod attendance_imports;
pub mod connect;
pub mod consents;
pub mod enums;
pub mod events;
pub mod history;
pub mod idempotency;
pub mod local_cluster;
pub mod maintenance;
pub mod outbox;
pub mod outcomes;
pub mod outreach;
pub mod outreach_email;
pub mod people;
pub mod pipelined;
pub mod places;
pub mod prepared;
pub mod rate_limits;
pub mod registrations;
pub mod replica;
pub mod reports;
pub mod schema;
pub mod series;
pub mod series_report;
pub mod trusts;
pub mod webhooks;

use std::time::Duration;

use anyhow::Context;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use futures_util::FutureExt;

pub use self::connect::establish;
use crate::config::{Environment, Settings, DEFAULT_DATABASE_URL};
use crate::error::AppResult;

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Port of the private development cluster (see `local_cluster`).
pub const LOCAL_CLUSTER_PORT: u16 = 54329;

/// The URL to use: DATABASE_URL when set; else the machine's PostgreSQL when it answers;
/// else, in development only, a private cluster under LOCAL_POSTGRES_DIR.
pub async fn resolve_database_url(settings: &Settings) -> anyhow::Result<String> {
    resolve_database_url_with(settings, DEFAULT_DATABASE_URL, LOCAL_CLUSTER_PORT).await
}

/// `resolve_database_url` with the machine's server and the private cluster's port given, so
/// that a test can pretend no server answers without stopping the real one.
pub async fn resolve_database_url_with(
    settings: &Settings,
    default_url: &str,
    local_port: u16,
) -> anyhow::Result<String> {
    if let Some(url) = &settings.database_url {
        return Ok(url.clone());
    }
    if server_answers(default_url).await {
        return Ok(default_url.to_owned());
    }
    let tried = server_address(default_url);
    if settings.app_env != Environment::Development {
        anyhow::bail!("DATABASE_URL is not set and no PostgreSQL answers at {tried}");
    }
    let dir = settings.local_postgres_dir.clone();
    tracing::warn!(
        dir = %dir.display(),
        port = local_port,
        "no PostgreSQL answers at {tried}; starting a private development cluster"
    );
    let server =
        tokio::task::spawn_blocking(move || local_cluster::ensure_running(&dir, local_port)).await??;
    let url = with_database(&server, &database_name(default_url)?)?;
    tracing::info!(url = %url, "private development cluster running; it keeps running after this process");
    Ok(url)
}

/// `host:port` of a URL, for messages (never the password).
fn server_address(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| format!("{}:{}", u.host_str().unwrap_or("?"), u.port().unwrap_or(5432)))
        .unwrap_or_else(|_| "?".into())
}

/// True when a PostgreSQL server accepts a connection to the maintenance database of `url`.
pub async fn server_answers(url: &str) -> bool {
    let Ok(maintenance) = with_database(url, "postgres") else { return false };
    tokio::time::timeout(Duration::from_secs(3), establish(&maintenance))
        .await
        .map(|r| r.is_ok())
        .unwrap_or(false)
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let mut parsed = url::Url::parse(url).context("DATABASE_URL is not a URL")?;
    parsed.set_path(&format!("/{database}"));
    Ok(parsed.to_string())
}

/// The database name in `url`.
pub fn database_name(url: &str) -> anyhow::Result<String> {
    let parsed = url::Url::parse(url).context("DATABASE_URL is not a URL")?;
    let name = parsed.path().trim_start_matches('/');
    anyhow::ensure!(!name.is_empty(), "DATABASE_URL names no database");
    Ok(name.to_owned())
}

/// Creates the database named in `url` when it does not exist yet.
pub async fn create_database_if_missing(url: &str) -> anyhow::Result<()> {
    let name = database_name(url)?;
    let maintenance = with_database(url, "postgres")?;
    let mut conn = establish(&maintenance).await.context("connecting to the PostgreSQL server")?;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        #[allow(dead_code)]
        one: i32,
    }
    let exists = diesel::sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(&name)
        .get_results::<Found>(&mut conn)
        .await?
        .len()
        == 1;
    if !exists {
        let sql = format!("CREATE DATABASE {}", quote_identifier(&name));
        match conn.batch_execute(&sql).await {
            Ok(()) => tracing::info!(database = %name, "created the database"),
            // Another process created it at the same moment.
            Err(e) if e.to_string().contains("already exists") => {}
            Err(e) => return Err(e).context("creating the database"),
        }
    }
    Ok(())
}

pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Applies pending migrations. An advisory lock keeps several starting processes from
/// applying them at the same time.
pub async fn run_migrations(url: &str) -> anyhow::Result<()> {
    // Connected here (with TLS when the URL asks), then handed to the blocking thread below.
    let conn = establish(url).await.context("connecting to run migrations")?;
    // diesel's migration harness is synchronous; run it on a blocking thread through the
    // async connection wrapper (no libpq needed).
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
        diesel::RunQueryDsl::execute(diesel::sql_query("SELECT pg_advisory_lock(727011)"), &mut conn)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("applying migrations: {e}"))?;
        for migration in applied {
            tracing::info!(%migration, "applied migration");
        }
        diesel::RunQueryDsl::execute(diesel::sql_query("SELECT pg_advisory_unlock(727011)"), &mut conn)?;
        Ok(())
    })
    .await?
}

/// Builds the pool. No connection is opened here: connections are made on first use, so a
/// server can start (and answer /readyz with 503) while the database is away.
/// The URL's TLS parameters are read and its root certificates loaded here, once per pool.
pub fn build_pool(url: &str, settings: &Settings) -> anyhow::Result<DbPool> {
    let statement_timeout = settings.database_statement_timeout_ms;
    let target = connect::Target::new(url)?;
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    config.custom_setup = Box::new(move |_url| {
        let target = target.clone();
        async move {
            let mut conn = target.establish().await?;
            // No JIT: every query here answers in milliseconds, and compiling one (which
            // PostgreSQL does once a plan's cost passes jit_above_cost, as a report over
            // 100 000 registrations does) took 140 ms, twice the time of the query itself.
            conn.batch_execute(&format!(
                "SET statement_timeout = {statement_timeout}; SET idle_in_transaction_session_timeout = 30000; \
                 SET jit = off"
            ))
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    // A connection whose server went away is marked broken by diesel-async and dropped on
    // return; checking every checkout with a query would cost a round trip per request.
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    let timeout = settings.acquire_timeout();
    Pool::builder(manager)
        .max_size(settings.database_pool_size as usize)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the connection pool")
}

/// Resolves the URL, creates the database, applies migrations and builds the pool.
pub async fn prepare(settings: &Settings) -> anyhow::Result<(String, DbPool)> {
    let url = resolve_database_url(settings).await?;
    create_database_if_missing(&url).await?;
    run_migrations(&url).await?;
    let pool = build_pool(&url, settings)?;
    Ok((url, pool))
}

pub async fn connection(pool: &DbPool) -> AppResult<DbConn> {
    Ok(pool.get().await?)
}

/// True when the database answers a trivial query within the acquire timeout.
pub async fn ping(pool: &DbPool) -> bool {
    let Ok(mut conn) = pool.get().await else { return false };
    diesel::sql_query("SELECT 1").execute(&mut conn).await.is_ok()
}
