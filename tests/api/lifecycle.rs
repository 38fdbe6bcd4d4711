//! The server process as an operator sees it: how it stops, what it logs.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use hybrid_events::auth::jwt::TokenService;
use hybrid_events::auth::Role;
use serde_json::{json, Value};

use crate::helpers::{fresh_database, JWT_SECRET};
use crate::process::{request_lines, Running, PATIENCE};

/// Reads one HTTP/1.1 answer (with a Content-Length) from a raw connection.
fn read_answer(stream: &mut TcpStream) -> (u16, Value) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buffer).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = &text[..end];
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                let status = head.split(' ').nth(1).unwrap().parse().unwrap();
                let body = serde_json::from_slice(&buffer[end + 4..end + 4 + length]).unwrap_or(Value::Null);
                return (status, body);
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) => panic!("the connection closed before a whole answer: {text}"),
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            // A signal for this process (a child exiting) interrupted the wait.
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("reading the answer: {e}"),
        }
    }
}

#[actix_web::test]
async fn sigterm_stops_accepting_lets_the_request_in_flight_finish_and_exits_cleanly() {
    let database = fresh_database().await;
    let mut server = Running::start(&database.url(), &[("JWT_SECRET", JWT_SECRET)]).await;

    // A request the server has begun: it answers `100 Continue` to the head once the request is
    // handed to the application, which then waits for the body.
    let body = br#"{"email": "nobody@example.org", "password": "not anybody's password"}"#;
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(server.address).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 100);

    server.terminate();
    server
        .wait_for_line(|line| line["message"].as_str().is_some_and(|m| m.starts_with("shutting down")))
        .await;
    // New connections are refused from now on...
    let deadline = Instant::now() + PATIENCE;
    loop {
        match TcpStream::connect(server.address) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
            _ => assert!(Instant::now() < deadline, "the server still accepts connections"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ...while the request in flight is still answered in full.
    stream.write_all(body).unwrap();
    let (status, answer) = read_answer(&mut stream);
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["code"], "invalid_credentials");

    let (exit, lines) = server.wait_for_exit().await;
    assert!(exit.success(), "exit status {exit}:\n{}", server.text());
    // In the log: the signal, then the request in flight answered, then the end.
    let position = |wanted: &dyn Fn(&Value) -> bool| {
        lines.iter().position(wanted).unwrap_or_else(|| panic!("a line is missing:\n{}", server.text()))
    };
    let shutting_down = position(&|l| l["message"].as_str().is_some_and(|m| m.starts_with("shutting down")));
    let login = position(&|l| l["message"] == "request" && l["route"] == "/api/v1/auth/login");
    let stopped = position(&|l| l["message"] == "stopped");
    assert!(shutting_down < login && login < stopped, "{}", server.text());
}

#[actix_web::test]
async fn each_request_gets_one_log_line_without_tokens_or_personal_data() {
    let database = fresh_database().await;
    let secret_email = "rahel.distinctive@example.org";
    let secret_password = "ZZ-distinctive-passphrase-42";
    let admin = {
        let pool =
            hybrid_events::db::build_pool(&database.url(), &crate::helpers::test_settings(&database.url()))
                .unwrap();
        let (id, _) =
            hybrid_events::db::accounts::upsert_admin(&pool, secret_email, secret_password).await.unwrap();
        id
    };
    let token =
        TokenService::new(JWT_SECRET.as_bytes(), 3600).unwrap().issue(admin, Role::Admin, None).unwrap();
    let mut server = Running::start(&database.url(), &[("JWT_SECRET", JWT_SECRET)]).await;
    let client = Running::client();

    let me = client.get(server.url("/api/v1/me")).bearer_auth(&token.access_token).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let me_id = me.headers()["x-request-id"].to_str().unwrap().to_owned();
    let login = client
        .post(server.url("/api/v1/auth/login"))
        .bearer_auth("ZZ-distinctive-token")
        .json(&json!({"email": secret_email, "password": "ZZ-distinctive-wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 401);
    let login_id = login.headers()["x-request-id"].to_str().unwrap().to_owned();
    let invalid = client
        .post(server.url("/api/v1/auth/login"))
        .json(
            &json!({"email": secret_email, "password": secret_password, "ZZ-distinctive-field": "ZZ-value"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);

    server.terminate();
    let (exit, lines) = server.wait_for_exit().await;
    assert!(exit.success());
    let requests = request_lines(&lines);
    assert_eq!(requests.len(), 4, "one line per request (healthz at start, then three): {requests:#?}");
    let line_of = |id: &str| {
        let found: Vec<_> = requests.iter().filter(|l| l["request_id"] == id).collect();
        assert_eq!(found.len(), 1, "{id}: {found:?}");
        *found[0]
    };
    let me_line = line_of(&me_id);
    assert_eq!(me_line["method"], "GET");
    assert_eq!(me_line["route"], "/api/v1/me");
    assert_eq!(me_line["status"], 200);
    assert_eq!(me_line["caller"], admin.to_string());
    assert!(me_line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{me_line}");
    let login_line = line_of(&login_id);
    assert_eq!((login_line["method"].as_str(), login_line["status"].as_u64()), (Some("POST"), Some(401)));
    assert_eq!(login_line["route"], "/api/v1/auth/login");

    let log = server.text();
    for secret in
        [token.access_token.as_str(), "ZZ-distinctive", "ZZ-value", secret_email, "rahel", secret_password]
    {
        assert!(!log.contains(secret), "the log contains {secret:?}:\n{log}");
    }
}

#[actix_web::test]
async fn rust_log_filters_what_is_logged() {
    let database = fresh_database().await;
    let mut server =
        Running::start(&database.url(), &[("JWT_SECRET", JWT_SECRET), ("RUST_LOG", "warn")]).await;
    let response = Running::client().get(server.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    server.terminate();
    let (exit, lines) = server.wait_for_exit().await;
    assert!(exit.success());
    assert!(lines.iter().all(|l| l["level"] == "WARN" || l["level"] == "ERROR"), "{}", server.text());
    assert!(request_lines(&lines).is_empty());
}

#[actix_web::test]
async fn in_development_a_missing_jwt_secret_is_generated_with_a_warning() {
    let database = fresh_database().await;
    let mut server = Running::start(&database.url(), &[]).await;
    server.terminate();
    let (exit, lines) = server.wait_for_exit().await;
    assert!(exit.success());
    let warning = lines
        .iter()
        .find(|l| l["level"] == "WARN" && l["message"].as_str().is_some_and(|m| m.contains("JWT_SECRET")));
    assert!(warning.is_some(), "{}", server.text());
}

#[actix_web::test]
async fn sigterm_while_the_database_does_not_answer_stops_the_start_cleanly() {
    // A server that takes connections and never says a word: the start waits on it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("postgres://postgres@{}/hybrid_events", silent.local_addr().unwrap());
    let mut server = Running::spawn(&url, &[("JWT_SECRET", JWT_SECRET)]);
    server.wait_for_line(|line| line["message"] == "starting").await;

    server.terminate();
    let (exit, lines) = server.wait_for_exit().await;
    assert!(exit.success(), "exit status {exit}:\n{}", server.text());
    assert!(lines.iter().any(|l| l["message"] == "stopped before the server started"), "{}", server.text());
}
