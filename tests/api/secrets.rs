//! Secrets and personal data never reach the log: the real binary, at RUST_LOG=debug, goes
//! through a whole scenario with known names, emails, phones, passwords and tokens, and its
//! captured output is searched for each of them.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::fixtures::roundtable;
use crate::helpers::{fresh_database, read, Resp};

const JWT_SECRET: &str = "jwt-secret-Zq7RkV3mW9xT2pL8nB4cD6fH";
const ADMIN_EMAIL: &str = "bootstrap.admin.Xk2@example.org";
const ADMIN_PASSWORD: &str = "admin-password-Qw8Er5Ty";
const ORGANISER_EMAIL: &str = "organiser.Lm4@example.org";
const ORGANISER_PASSWORD: &str = "organiser-password-Hj6Kl9";
const WRONG_PASSWORD: &str = "wrong-password-Vb3Nm7Zx";
const UNKNOWN_EMAIL: &str = "nobody.Pp5@example.org";
const NAME: &str = "Zainab Oyelaran-Mbeki";
const NEW_NAME: &str = "Zainab Oyelaran-Okafor";
const EMAIL: &str = "zainab.oyelaran@example.net";
const PHONE: &str = "+34 611 987 654";
const PHONE_DIGITS: &str = "34611987654";
const NEW_PHONE: &str = "+34 622 135 246";
const NOTES: &str = "Wheelchair-user-Yt5 needs step-free entrance";
const ORGANISATION_NAME: &str = "Asociación Kwame-Ruiz";
const OUTREACH_NOTE: &str = "Called her sister-Gw4, she will pass it on";

struct Binary {
    child: tokio::process::Child,
    log: std::path::PathBuf,
    address: String,
    client: reqwest::Client,
}

impl Binary {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut request = self.client.request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.expect("sent")).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(reqwest::Method::POST, path, token, Some(body)).await
    }

    /// Stops the server with SIGTERM, as an operator would, and returns all it printed.
    async fn stop(mut self) -> String {
        let pid = self.child.id().expect("running").to_string();
        let status = tokio::process::Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await.expect("stops").unwrap();
        let log = std::fs::read_to_string(&self.log).unwrap();
        let _ = std::fs::remove_file(&self.log);
        log
    }
}

async fn start(database_url: &str) -> Binary {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/secrets-{}-{port}.log", std::process::id()));
    let file = std::fs::File::create(&log).unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_hybrid-events"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENV", "production")
        .env("DATABASE_URL", database_url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("JWT_SECRET", JWT_SECRET)
        .env("BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("HTTP_WORKERS", "1")
        // Everything, at debug level, our crate and every dependency alike.
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let binary = Binary {
        child,
        log,
        address: format!("http://127.0.0.1:{port}"),
        client: {
            // reqwest has no TLS provider of its own here (see `install_tls_provider`).
            hybrid_events::webhooks::install_tls_provider();
            reqwest::Client::new()
        },
    };
    let started = Instant::now();
    loop {
        if let Ok(response) = binary.client.get(format!("{}/readyz", binary.address)).send().await {
            if response.status() == 200 {
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    binary
}

fn token(response: &Resp) -> String {
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["access_token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_whole_scenario_at_debug_level_logs_no_secret_and_no_personal_data() {
    let database = fresh_database().await;
    let server = start(&database.url()).await;

    let admin = token(
        &server
            .post("/api/v1/auth/login", None, json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .await,
    );
    let org = server
        .post("/api/v1/organisations", Some(&admin), json!({"name": ORGANISATION_NAME, "kind": "ngo"}))
        .await;
    assert_eq!(org.status, 201, "{}", org.text);
    let org_id = org.body["id"].as_str().unwrap().to_owned();
    let user = server
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": ORGANISER_EMAIL, "password": ORGANISER_PASSWORD, "role": "organiser", "organisation_id": org_id}),
        )
        .await;
    assert_eq!(user.status, 201, "{}", user.text);
    let organiser = token(
        &server
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": ORGANISER_EMAIL, "password": ORGANISER_PASSWORD}),
            )
            .await,
    );
    let client = server
        .post(
            &format!("/api/v1/organisations/{org_id}/api-clients"),
            Some(&organiser),
            json!({"name": "Tablet"}),
        )
        .await;
    assert_eq!(client.status, 201, "{}", client.text);
    let (client_id, client_secret) = (
        client.body["client_id"].as_str().unwrap().to_owned(),
        client.body["client_secret"].as_str().unwrap().to_owned(),
    );
    let partner = token(
        &server
            .post("/api/v1/auth/token", None, json!({"client_id": client_id, "client_secret": client_secret}))
            .await,
    );

    let event = server.post("/api/v1/events", Some(&organiser), roundtable(org_id.parse().unwrap())).await;
    assert_eq!(event.status, 201, "{}", event.text);
    let event_id = event.body["id"].as_str().unwrap().to_owned();
    let published =
        server.post(&format!("/api/v1/events/{event_id}/publish"), Some(&organiser), json!({})).await;
    assert_eq!(published.status, 200);
    let registration = server
        .post(
            &format!("/api/v1/events/{event_id}/registrations"),
            Some(&partner),
            json!({
                "participant": {"full_name": NAME, "email": EMAIL, "phone": PHONE, "preferred_language": "ar",
                                "stakeholder_category": "refugee", "organisation_name": ORGANISATION_NAME},
                "attendance_mode": "onsite", "needs_physical_space": true, "accessibility_notes": NOTES,
                "consent": {"data_processing": true, "contact": true}
            }),
        )
        .await;
    assert_eq!(registration.status, 201, "{}", registration.text);
    let id = registration.body["id"].as_str().unwrap().to_owned();
    let changed = server
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/registrations/{id}"),
            Some(&partner),
            Some(json!({"participant": {"full_name": NEW_NAME, "phone": NEW_PHONE}})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    // The messages to her, and the partner's note on reaching her.
    let items = server
        .call(reqwest::Method::GET, &format!("/api/v1/outreach?event_id={event_id}"), Some(&partner), None)
        .await;
    assert_eq!(items.status, 200, "{}", items.text);
    let messages: Vec<String> = items.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|item| ["subject", "text"].map(|part| item["message"][part].as_str().unwrap().to_owned()))
        .collect();
    assert!(!messages.is_empty(), "her registration made an item: {}", items.text);
    let item_id = items.body["items"][0]["id"].as_str().unwrap().to_owned();
    let result = server
        .post(
            &format!("/api/v1/outreach/{item_id}/result"),
            Some(&partner),
            json!({"result": "reached", "note": OUTREACH_NOTE}),
        )
        .await;
    assert_eq!(result.status, 200, "{}", result.text);
    let report = server
        .call(reqwest::Method::GET, &format!("/api/v1/events/{event_id}/report"), Some(&organiser), None)
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["totals"]["reached_before_event"], 1, "{}", report.text);
    let duplicate = server
        .post(
            &format!("/api/v1/events/{event_id}/registrations"),
            Some(&partner),
            json!({"participant": {"full_name": NAME, "email": EMAIL, "stakeholder_category": "refugee"},
                   "attendance_mode": "online", "consent": {"data_processing": true}}),
        )
        .await;
    assert_eq!(duplicate.status, 409, "{}", duplicate.text);
    assert_eq!(
        server.post(&format!("/api/v1/registrations/{id}/cancel"), Some(&partner), json!({})).await.status,
        200
    );
    let erased = server
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/registrations/{id}/personal-data"),
            Some(&organiser),
            None,
        )
        .await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    let me = server.call(reqwest::Method::GET, "/api/v1/me", Some(&organiser), None).await;
    assert_eq!(me.status, 200);
    let wrong = server
        .post("/api/v1/auth/login", None, json!({"email": ORGANISER_EMAIL, "password": WRONG_PASSWORD}))
        .await;
    assert_eq!(wrong.status, 401);
    let unknown = server
        .post("/api/v1/auth/login", None, json!({"email": UNKNOWN_EMAIL, "password": WRONG_PASSWORD}))
        .await;
    assert_eq!(unknown.status, 401);
    let bad_secret = server
        .post("/api/v1/auth/token", None, json!({"client_id": client_id, "client_secret": WRONG_PASSWORD}))
        .await;
    assert_eq!(bad_secret.status, 401);

    let log = server.stop().await;
    assert!(log.contains("registered") && log.contains("request"), "the log was captured: {log}");
    assert!(log.contains("DEBUG"), "debug lines were written");
    let secrets = [
        JWT_SECRET,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        ORGANISER_EMAIL,
        ORGANISER_PASSWORD,
        WRONG_PASSWORD,
        UNKNOWN_EMAIL,
        NAME,
        NEW_NAME,
        EMAIL,
        PHONE,
        PHONE_DIGITS,
        NEW_PHONE,
        NOTES,
        ORGANISATION_NAME,
        OUTREACH_NOTE,
        &client_secret,
        &admin,
        &organiser,
        &partner,
    ];
    for secret in secrets.into_iter().chain(messages.iter().map(String::as_str)) {
        // As text, and as the list of bytes a `{:?}` of a byte buffer prints.
        let bytes = format!("{:?}", secret.as_bytes());
        let bytes = bytes.trim_matches(|c| c == '[' || c == ']');
        let found: Vec<&str> =
            log.lines().filter(|line| line.contains(secret) || line.contains(bytes)).take(3).collect();
        assert!(found.is_empty(), "{secret:?} is in the log:\n{}", found.join("\n"));
    }
    // Tokens are long; a part of one is as bad as the whole.
    for token in [&admin, &organiser, &partner] {
        let signature = token.rsplit('.').next().unwrap();
        assert!(!log.contains(signature), "a token signature is in the log");
    }
}

#[actix_web::test]
async fn a_jwt_secret_shorter_than_32_bytes_is_refused_at_start_up_in_production() {
    let short = "short-secret-Rt5";
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_hybrid-events"))
        .env_clear()
        .env("APP_ENV", "production")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/never_reached")
        .env("JWT_SECRET", short)
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "debug")
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output).await.expect("exits at once").unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("JWT_SECRET must be at least 32 bytes"), "{text}");
    assert!(!text.contains(short), "the secret itself is not echoed: {text}");
}
