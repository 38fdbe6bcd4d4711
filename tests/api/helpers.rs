//! The test harness: each test gets its own database, copied from a migrated template, and
//! the real server on a random port; callers are made directly in the database and given
//! tokens signed with the server's secret.
#![allow(dead_code)] // each test module uses its own part of the harness

use std::sync::OnceLock;
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use hybrid_events::auth::jwt::TokenService;
use hybrid_events::auth::Role;
use hybrid_events::config::Settings;
use hybrid_events::db::accounts::{self, NewUser};
use hybrid_events::db::{self, DbPool};
use hybrid_events::startup::Application;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use uuid::Uuid;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// URL of the PostgreSQL server the tests use (no database name).
static SERVER: OnceCell<String> = OnceCell::const_new();

async fn server_url() -> &'static str {
    SERVER
        .get_or_init(|| async {
            // TEST_PRIVATE_CLUSTER: the path of a machine with no PostgreSQL server, taken even
            // where one answers (.ci/run runs the suite both ways).
            if std::env::var("TEST_PRIVATE_CLUSTER").is_err() {
                if let Some(server) = existing_server().await {
                    return server;
                }
            }
            // A throwaway cluster of our own, shared by the test processes of this checkout.
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-postgres");
            let port = private_cluster_port(env!("CARGO_MANIFEST_DIR"));
            tokio::task::spawn_blocking(move || db::local_cluster::ensure_running(&dir, port))
                .await
                .unwrap()
                .expect("starting a private PostgreSQL cluster for the tests")
        })
        .await
}

/// The port of this checkout's test cluster: 25432 and up, by its path, so that two
/// checkouts on one machine (a clone next to a working copy, as CI makes) do not both ask
/// for one port while the other's cluster holds it; and below the range the kernel hands out
/// for outgoing connections (32768 and up), where the suite's own many connections to
/// PostgreSQL once held the port the cluster was about to listen on.
fn private_cluster_port(checkout: &str) -> u16 {
    let digest = Sha256::digest(checkout.as_bytes());
    25432 + u16::from_be_bytes([digest[0], digest[1]]) % 1000
}

/// TEST_DATABASE_URL's server (or DATABASE_URL's), else the machine's when it answers.
async fn existing_server() -> Option<String> {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL").or_else(|_| std::env::var("DATABASE_URL")) {
        return Some(db::with_database(&url, "").unwrap().trim_end_matches('/').to_owned());
    }
    let machine = "postgres://postgres@127.0.0.1:5432";
    db::server_answers(&format!("{machine}/postgres")).await.then(|| machine.to_owned())
}

/// `server` with the database name put in (any parameters of `server`, such as `sslmode`, kept).
fn url_for(server: &str, database: &str) -> String {
    db::with_database(server, database).unwrap()
}

/// The migrated template, named after a hash of the migrations so that a change of schema
/// gets a new one. Built once per server, under an advisory lock across test processes.
async fn template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let server = server_url().await;
            let name = format!("hybrid_events_template_{}", migrations_hash());
            let mut conn = db::establish(&url_for(server, "postgres")).await.unwrap();
            conn.batch_execute("SELECT pg_advisory_lock(727012)").await.unwrap();
            if !database_exists(&mut conn, &name).await {
                let building = format!("{name}_building_{}", std::process::id());
                conn.batch_execute(&format!("DROP DATABASE IF EXISTS {building}")).await.unwrap();
                conn.batch_execute(&format!("CREATE DATABASE {building}")).await.unwrap();
                db::run_migrations(&url_for(server, &building)).await.unwrap();
                conn.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}")).await.unwrap();
            }
            conn.batch_execute("SELECT pg_advisory_unlock(727012)").await.unwrap();
            name
        })
        .await
}

fn migrations_hash() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file).unwrap());
    }
    hex::encode(&hasher.finalize()[..6])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] })
        .collect()
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Count>(conn)
        .await
        .unwrap()
        .n
        == 1
}

/// A fresh database copied from the template; dropped when the returned guard is dropped.
pub async fn fresh_database() -> TestDatabase {
    let server = server_url().await;
    let template = template().await;
    let name = format!("hybrid_events_test_{}", Uuid::new_v4().simple());
    let mut conn = db::establish(&url_for(server, "postgres")).await.unwrap();
    let mut attempt = 0;
    loop {
        match conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await {
            Ok(()) => break,
            // PostgreSQL refuses to copy a template while another session is connected to
            // it, which happens for a moment while another process checks it exists.
            Err(e) if attempt < 20 && e.to_string().contains("being accessed by other users") => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
            Err(e) => panic!("creating the test database: {e}"),
        }
    }
    TestDatabase { server: server.to_owned(), name }
}

/// A database name that does not exist yet on the test server, for tests that create and
/// migrate it themselves; dropped (when it exists by then) with the guard.
pub async fn missing_database() -> TestDatabase {
    let server = server_url().await;
    TestDatabase {
        server: server.to_owned(),
        name: format!("hybrid_events_test_{}", Uuid::new_v4().simple()),
    }
}

pub struct TestDatabase {
    pub server: String,
    pub name: String,
}

impl TestDatabase {
    pub fn url(&self) -> String {
        url_for(&self.server, &self.name)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let maintenance = url_for(&self.server, "postgres");
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                if let Ok(mut conn) = db::establish(&maintenance).await {
                    let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                }
            });
        })
        .join();
    }
}

pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::defaults();
    settings.database_url = Some(database_url.to_owned());
    settings.bind_addr = "127.0.0.1:0".parse().unwrap();
    settings.jwt_secret = Some(JWT_SECRET.to_owned());
    settings.http_workers = Some(1);
    settings.database_pool_size = 8;
    settings.bootstrap_admin_email = None;
    settings.bootstrap_admin_password = None;
    settings
}

fn init_test_logging() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            hybrid_events::telemetry::init(hybrid_events::config::LogFormat::Text);
        }
    });
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// A pool of the test's own, for arranging and checking rows directly.
    pub pool: DbPool,
    pub settings: Settings,
    tokens: TokenService,
    handle: actix_web::dev::ServerHandle,
    server_pool: DbPool,
    // Dropped last: the database outlives the server and pool above.
    pub database: TestDatabase,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(fresh_database().await, customise).await
}

/// A new, migrated database on the PostgreSQL server at `server` (a URL without database
/// name), for tests that bring their own server.
pub async fn migrated_database_on(server: &str) -> TestDatabase {
    let name = format!("hybrid_events_test_{}", Uuid::new_v4().simple());
    let mut conn = db::establish(&url_for(server, "postgres")).await.unwrap();
    conn.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    db::run_migrations(&url_for(server, &name)).await.unwrap();
    TestDatabase { server: server.to_owned(), name }
}

/// The real server on `database`.
pub async fn spawn_app_on(database: TestDatabase, customise: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_logging();
    // The test's own pool keeps the default limits: a test that gives the server one
    // connection and a 300 ms acquire timeout provokes the server, and arranging its rows
    // on a busy machine must not trip over those limits.
    let pool = db::build_pool(&database.url(), &test_settings(&database.url())).unwrap();
    let mut settings = test_settings(&database.url());
    customise(&mut settings);
    // The server's own pool, kept so that stopping the app also stops its background loops.
    let (_, server_pool) = db::prepare(&settings).await.expect("the database is prepared");
    let app = Application::build_with_pool(settings.clone(), &database.url(), server_pool.clone())
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.into_server();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    TestApp {
        address,
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        pool,
        // The server refuses tokens that live longer than its ACCESS_TOKEN_TTL_SECONDS.
        tokens: TokenService::new(JWT_SECRET.as_bytes(), settings.access_token_ttl_seconds).unwrap(),
        settings,
        handle,
        server_pool,
        database,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // `stop` sends the command at once; its future only waits for completion.
        drop(self.handle.stop(false));
        self.pool.close();
        self.server_pool.close();
        // Every problem this server answered must be one its operation documents (the
        // code in its enum, the status among its responses): src/problem_codes.rs.
        let port = self.address.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let undocumented = hybrid_events::problem_codes::take_undocumented(port);
        if !undocumented.is_empty() && !std::thread::panicking() {
            panic!("answers the OpenAPI document does not list (src/problem_codes.rs): {undocumented:#?}");
        }
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{}", self.text);
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        // RFC 9457: the type leads to the code's page, the instance names the request.
        assert_eq!(self.body["type"], format!("/problems/{code}"), "{}", self.text);
        let request_id = self.header("x-request-id").expect("a request id");
        assert_eq!(self.body["instance"], format!("urn:hybrid-events:request:{request_id}"), "{}", self.text);
    }

    /// The codes of `errors[]` keyed by field.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (e["field"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl TestApp {
    /// Stops the server and its background loops (as a process exit would); the test's own
    /// pool and the database stay.
    pub async fn stop_server(&self) {
        self.handle.stop(false).await;
        self.server_pool.close();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        read(request.send().await.expect("the request is sent")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send(Method::POST, path, token, Some(&body)).await
    }

    /// POST with an `Idempotency-Key`.
    pub async fn post_keyed(&self, path: &str, token: &str, key: &str, body: &Value) -> Resp {
        read(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(body)
                .send()
                .await
                .expect("the request is sent"),
        )
        .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send(Method::PATCH, path, token, Some(&body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(Method::DELETE, path, token, None).await
    }

    pub async fn conn(&self) -> diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection> {
        self.pool.get().await.unwrap()
    }

    pub fn token_for(&self, id: Uuid, role: Role, org: Option<Uuid>) -> String {
        self.tokens.issue(id, role, org).unwrap().access_token
    }

    /// A user made directly in the database (no Argon2 hash to compute), through the same
    /// insert as the API's, so it has its email's key.
    async fn insert_user(&self, email: &str, password_hash: &str, role: Role, org: Option<Uuid>) -> Uuid {
        let user = NewUser { id: Uuid::now_v7(), email, password_hash, role, organisation_id: org };
        accounts::insert_user(&mut *self.conn().await, user).await.expect("inserting a test user").id
    }

    /// A token of a new admin.
    pub async fn admin(&self) -> String {
        let id = self
            .insert_user(&format!("admin-{}@example.org", Uuid::new_v4().simple()), "-", Role::Admin, None)
            .await;
        self.token_for(id, Role::Admin, None)
    }

    /// A new organisation's id.
    pub async fn organisation(&self, name: &str) -> Uuid {
        let admin = self.admin().await;
        let response =
            self.post("/api/v1/organisations", Some(&admin), json!({"name": name, "kind": "ngo"})).await;
        assert_eq!(response.status, 201, "{}", response.text);
        response.body["id"].as_str().unwrap().parse().unwrap()
    }

    /// A token of a new organiser of `org`.
    pub async fn organiser_of(&self, org: Uuid) -> String {
        let id = self
            .insert_user(
                &format!("organiser-{}@example.org", Uuid::new_v4().simple()),
                "-",
                Role::Organiser,
                Some(org),
            )
            .await;
        self.token_for(id, Role::Organiser, Some(org))
    }

    /// A token of a new API client (partner) of `org`.
    pub async fn partner_of(&self, org: Uuid) -> String {
        use hybrid_events::db::schema::api_clients;
        let id = Uuid::now_v7();
        diesel::insert_into(api_clients::table)
            .values((
                api_clients::id.eq(id),
                api_clients::organisation_id.eq(org),
                api_clients::name.eq("test partner"),
                api_clients::client_id.eq(format!("hec_{}", Uuid::new_v4().simple())),
                api_clients::secret_hash.eq("-"),
            ))
            .execute(&mut self.conn().await)
            .await
            .unwrap();
        self.token_for(id, Role::Partner, Some(org))
    }
}

pub async fn read(response: reqwest::Response) -> Resp {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp { status, headers, text, body }
}

#[derive(QueryableByName)]
struct LockWaiters {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Returns once a statement of the app's database waits for a lock (polled every 20 ms, for
/// at most 10 s): what a test holding a row lock waits for before it lets go.
pub async fn until_a_statement_waits_for_a_lock(app: &TestApp, what: &str) {
    use diesel_async::AsyncConnection;
    let mut watcher = AsyncPgConnection::establish(&app.database.url()).await.unwrap();
    let started = std::time::Instant::now();
    loop {
        let waiting = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .get_result::<LockWaiters>(&mut watcher)
        .await
        .unwrap();
        if waiting.n > 0 {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{what} never waited for the lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
