//! Where the server posts webhooks, against a subscriber who would use it to reach the
//! server's own machine and networks (SSRF): loopback, private and reserved targets are an
//! explicit opt-in, checked when a subscription is made and again by the process that
//! delivers it; the webhook client takes no proxy from the environment; and the deliveries
//! of a revoked partner stop.

use diesel_async::RunQueryDsl;
use hybrid_events::config::{Environment, Settings};
use hybrid_events::db::DbPool;
use hybrid_events::startup::Application;
use serde_json::{json, Value};

use crate::fixtures::{participant, published_event, registered};
use crate::helpers::{read, spawn_app_with, Resp, TestApp, JWT_SECRET};
use crate::process::Running;
use crate::receiver::{eventually, Receiver, PATIENCE};
use crate::webhook_delivery::{caller_id, fast, settled_log, subscribe};

/// The targets of the security report that a development server accepted by default.
const LOOPBACK_AND_PRIVATE: [&str; 9] = [
    "http://127.0.0.1/hooks",
    "http://[::1]/hooks",
    "http://localhost/hooks",
    "http://2130706433/hooks",
    "http://0x7f.1/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://10.0.0.1/hooks",
    "https://[fd00::1]/hooks",
];

/// The targets of the security report that a production server accepted: reserved,
/// benchmarking and multicast addresses, and IPv6 forms of loopback, link-local and
/// site-local ones.
const RESERVED: [&str; 6] = [
    "https://198.18.0.1/hooks",
    "https://240.0.0.1/hooks",
    "https://224.0.0.1/hooks",
    "https://[::127.0.0.1]/hooks",
    "https://[64:ff9b::a9fe:a9fe]/hooks",
    "https://[fec0::1]/hooks",
];

async fn try_subscribe(app: &TestApp, token: &str, url: &str) -> Resp {
    app.post("/api/v1/webhooks", Some(token), json!({"url": url, "event_types": ["registration.confirmed"]}))
        .await
}

#[track_caller]
fn assert_refused(response: &Resp, url: &str, code: &str) {
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.field_errors(), vec![("url".into(), code.into())], "{url}: {}", response.text);
}

/// Posts every target of both lists as `partner` and expects each refused as not public,
/// with nothing created.
async fn all_refused(app: &TestApp, partner: &str) {
    for url in LOOPBACK_AND_PRIVATE.iter().chain(&RESERVED) {
        assert_refused(&try_subscribe(app, partner, url).await, url, "url_not_public");
    }
    let list = app.get("/api/v1/webhooks", Some(partner)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["items"], json!([]), "a refused subscription was created");
}

#[actix_web::test]
async fn by_default_a_development_server_refuses_loopback_private_and_reserved_targets() {
    let app = spawn_app_with(|s| s.app_env = Environment::Development).await;
    assert!(!app.settings.webhook_allow_private_targets, "the default");
    let partner = app.partner_of(app.organisation("CEPAIM").await).await;
    all_refused(&app, &partner).await;
}

#[actix_web::test]
async fn a_production_server_accepts_only_global_unicast_targets() {
    let app = spawn_app_with(|s| s.app_env = Environment::Production).await;
    let partner = app.partner_of(app.organisation("CEPAIM").await).await;
    all_refused(&app, &partner).await;
    for url in
        ["https://93.184.215.14/hooks", "https://[2606:4700:4700::1111]/hooks", "https://[::ffff:8.8.8.8]/h"]
    {
        let response = try_subscribe(&app, &partner, url).await;
        assert_eq!(response.status, 201, "{url}: {}", response.text);
    }
}

#[actix_web::test]
async fn with_the_opt_in_a_development_server_accepts_them() {
    let app = spawn_app_with(|s| {
        s.app_env = Environment::Development;
        s.webhook_allow_private_targets = true;
    })
    .await;
    let partner = app.partner_of(app.organisation("CEPAIM").await).await;
    for url in LOOPBACK_AND_PRIVATE.iter().chain(&RESERVED) {
        let response = try_subscribe(&app, &partner, url).await;
        assert_eq!(response.status, 201, "{url}: {}", response.text);
    }
}

#[actix_web::test]
async fn with_the_opt_in_a_production_server_accepts_them_over_https_only() {
    let app = spawn_app_with(|s| {
        s.app_env = Environment::Production;
        s.webhook_allow_private_targets = true;
    })
    .await;
    let partner = app.partner_of(app.organisation("CEPAIM").await).await;
    for url in LOOPBACK_AND_PRIVATE.iter().chain(&RESERVED) {
        let response = try_subscribe(&app, &partner, url).await;
        if url.starts_with("http://") {
            assert_refused(&response, url, "https_required");
        } else {
            assert_eq!(response.status, 201, "{url}: {}", response.text);
        }
    }
}

/// Another server process on `app`'s database, with `app`'s settings changed by
/// `customise`; stopped when dropped.
struct OtherServer {
    pool: DbPool,
    handle: actix_web::dev::ServerHandle,
    address: String,
}

impl OtherServer {
    async fn start(app: &TestApp, customise: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = app.settings.clone();
        customise(&mut settings);
        let pool = hybrid_events::db::build_pool(&app.database.url(), &settings).unwrap();
        let server = Application::build_with_pool(settings, &app.database.url(), pool.clone()).await.unwrap();
        let address = format!("http://127.0.0.1:{}", server.port());
        let server = server.into_server();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self { pool, handle, address }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl Drop for OtherServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        self.pool.close();
    }
}

#[actix_web::test]
async fn a_process_without_the_opt_in_refuses_to_post_to_what_another_accepted() {
    // Subscriptions accepted by a process that allows private targets: a name that resolves
    // to this machine, and address literals of it. That process then stops.
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::start().await;
    let port = receiver.address.rsplit(':').next().unwrap().to_owned();
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let types = json!(["registration.confirmed"]);
    let mut hooks = Vec::new();
    for url in [
        format!("http://localhost:{port}/by-name"),
        receiver.url("/by-address"),
        format!("http://[::ffff:127.0.0.1]:{port}/mapped"),
    ] {
        hooks.push(subscribe(&app, &partner, &url, types.clone()).await);
    }
    app.stop_server().await;

    // The process that delivers does not allow them (the setting was turned off since).
    let other = OtherServer::start(&app, |s| s.webhook_allow_private_targets = false).await;
    let url = other.url(&format!("/api/v1/events/{event}/registrations"));
    let body = participant("online", false);
    let created = read(app.client.post(url).bearer_auth(&partner).json(&body).send().await.unwrap()).await;
    assert_eq!(created.status, 201, "{}", created.text);

    for hook in &hooks {
        let log_url = other.url(&format!("/api/v1/webhooks/{}/deliveries", hook.id));
        let delivery = eventually("an attempt to be recorded", || async {
            let log = read(app.client.get(&log_url).bearer_auth(&partner).send().await.unwrap()).await;
            assert_eq!(log.status, 200, "{}", log.text);
            let delivery = log.body["items"][0].clone();
            (delivery["attempts"].as_i64() >= Some(1) && !delivery["last_error"].is_null())
                .then_some(delivery)
        })
        .await;
        assert_eq!(delivery["last_error"], "the target address is not public", "{delivery}");
        assert_eq!(delivery["last_status_code"], json!(null), "{delivery}");
        assert_eq!(delivery["status"], "pending", "tried again later, under the policy of that process");
    }
    assert!(receiver.drain().is_empty(), "a post reached the receiver on loopback");
}

#[actix_web::test]
async fn the_webhook_client_takes_no_proxy_from_the_environment() {
    // Arranged through a test server that allows private targets, which then stops: the
    // binary started below is the only process that posts.
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::start().await;
    // An https target: a direct post first connects here (the TLS handshake then fails).
    let direct = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    // The proxy named by the environment: nothing may connect to it.
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let types = json!(["registration.confirmed"]);
    subscribe(&app, &partner, &receiver.url("/plain"), types.clone()).await;
    subscribe(&app, &partner, &format!("https://{}/tls", direct.local_addr().unwrap()), types).await;
    app.stop_server().await;

    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let mut env: Vec<(&str, &str)> = vec![
        ("JWT_SECRET", JWT_SECRET),
        ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
        ("WEBHOOK_POLL_INTERVAL_MS", "20"),
        ("WEBHOOK_TIMEOUT_MS", "1000"),
    ];
    for variable in ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"] {
        env.push((variable, &proxy_url));
    }
    let mut server = Running::start(&app.database.url(), &env).await;
    server
        .wait_for_line(|line| {
            line["level"] == "WARN"
                && line["message"].as_str().is_some_and(|m| m.contains("WEBHOOK_ALLOW_PRIVATE_TARGETS"))
        })
        .await;

    let created = read(
        Running::client()
            .post(server.url(&format!("/api/v1/events/{event}/registrations")))
            .bearer_auth(&partner)
            .json(&participant("online", false))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);

    let post = receiver.next().await;
    assert_eq!(post.path, "/plain");
    assert_eq!(post.json()["registration_id"], created.body["id"]);
    tokio::time::timeout(PATIENCE, direct.accept())
        .await
        .expect("no direct connection to the https target")
        .unwrap();
    let proxied = proxy.accept();
    assert!(
        proxied.as_ref().is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
        "the proxy got a connection: {proxied:?}"
    );
}

#[actix_web::test]
async fn the_pending_deliveries_of_a_revoked_partner_are_cancelled_and_never_tried_again() {
    // Retries 1.5 s apart: the revocation lands while no attempt is under way.
    let app = spawn_app_with(|s| {
        fast(s);
        s.webhook_retry_base_ms = 1500;
        s.webhook_retry_max_ms = 1500;
    })
    .await;
    // The partner's first try and the organisation's first try fail; later ones succeed.
    let mut receiver = Receiver::answering(&[500, 500]).await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let partner_id = caller_id(&app, &partner).await;
    let admin = app.admin().await;
    let types = json!(["registration.confirmed"]);
    let partners = subscribe(&app, &partner, &receiver.url("/partner"), types.clone()).await;
    registered(&app, &partner, event, participant("online", false)).await;
    let first = receiver.next().await;
    assert_eq!((first.path.as_str(), first.answered), ("/partner", 500));
    let log_path = format!("/api/v1/webhooks/{}/deliveries", partners.id);
    let pending = eventually("the failed attempt to be recorded", || async {
        let log = app.get(&log_path, Some(&admin)).await;
        let delivery = log.body["items"][0].clone();
        (delivery["last_error"] == "answered HTTP 500").then_some(delivery)
    })
    .await;
    assert_eq!(pending["status"], "pending", "to be tried again: {pending}");

    let revoked =
        app.delete(&format!("/api/v1/organisations/{org}/api-clients/{partner_id}"), Some(&admin)).await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);

    let log = app.get(&log_path, Some(&admin)).await;
    let items = log.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", log.text);
    let delivery = &items[0];
    assert_eq!(delivery["status"], "cancelled", "{delivery}");
    assert_eq!(delivery["last_error"], "the API client was revoked");
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["next_attempt_at"], json!(null));
    assert_eq!(delivery["message_id"], pending["message_id"]);

    // The organisation's subscription hears a later registration: it fails once, then
    // succeeds on a retry due after the partner's retry would have been. Once that retry is
    // recorded, the round that posted it (and every round before) is over, so a retry of
    // the partner's delivery would have reached the receiver by then.
    let organisations = subscribe(&app, &organiser, &receiver.url("/organisation"), types).await;
    registered(&app, &app.partner_of(org).await, event, participant("online", false)).await;
    let tries = [receiver.next().await, receiver.next().await];
    let seen: Vec<(&str, u16)> = tries.iter().map(|t| (t.path.as_str(), t.answered)).collect();
    assert_eq!(seen, [("/organisation", 500), ("/organisation", 200)]);
    let organisations_log = settled_log(&app, &organiser, &organisations.id).await;
    assert_eq!(organisations_log["items"][0]["status"], "delivered");
    assert!(receiver.drain().is_empty(), "the revoked partner's delivery was tried again");

    // A message written for the partner while the revocation was under way (as a
    // transaction committing at that moment could) is cancelled by the worker, not posted.
    diesel::sql_query(
        "INSERT INTO webhook_deliveries (message_id, subscription_id, event_type, payload)
         VALUES (gen_random_uuid(), $1, 'registration.confirmed', '{}')",
    )
    .bind::<diesel::sql_types::Uuid, _>(partners.id.parse::<uuid::Uuid>().unwrap())
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    let late: Value = eventually("the worker to cancel the late delivery", || async {
        let log = app.get(&log_path, Some(&admin)).await;
        let newest = log.body["items"][0].clone();
        (newest["message_id"] != pending["message_id"] && newest["status"] != "pending").then_some(newest)
    })
    .await;
    assert_eq!(late["status"], "cancelled", "{late}");
    assert_eq!(late["attempts"], 0, "never claimed");
    assert_eq!(late["last_error"], "the API client was revoked");
    assert!(receiver.drain().is_empty(), "the late delivery was posted");
}
