//! The video platform's participant list (issue 18): imported, matched, checked in, resolved
//! by the organiser, refused when it cannot be read; and many check-ins at once. All through
//! HTTP against PostgreSQL.

mod bad_files;
mod check_ins;
mod import;
mod privacy;
mod resolve;

use std::collections::HashMap;

use diesel::sql_types::{Nullable, Text};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use uuid::Uuid;

pub use crate::check_in::{checked_in_at, history_actions};
use crate::fixtures::{participant, published_event, registered, with};
use crate::helpers::{read, Resp, TestApp};
use crate::hosted_places::{hosted, offer, place};

pub const ZOOM: &[u8] = include_bytes!("../../fixtures/attendance/zoom.csv");
pub const TEAMS: &[u8] = include_bytes!("../../fixtures/attendance/teams.csv");
pub const BIGBLUEBUTTON: &[u8] = include_bytes!("../../fixtures/attendance/bigbluebutton.csv");
pub const GENERIC: &[u8] = include_bytes!("../../fixtures/attendance/generic.csv");

/// Posts `file` as the participant list of `event`, as `content_type`.
pub async fn import(
    app: &TestApp,
    token: Option<&str>,
    event: Uuid,
    query: &str,
    content_type: &str,
    file: &[u8],
) -> Resp {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/online-attendance{query}")))
        .header("content-type", content_type)
        .body(file.to_vec());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    read(request.send().await.expect("the request is sent")).await
}

/// Posts `file` as CSV and expects it imported anew.
pub async fn imported(app: &TestApp, token: &str, event: Uuid, query: &str, file: &[u8]) -> Value {
    let response = import(app, Some(token), event, query, "text/csv", file).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body
}

/// The roundtable the fixtures were exported from, three hours long (so the minimum is 45
/// minutes), ended an hour ago: the people registered online, Youssef at a hosted place,
/// and Omar at the main venue (whom no participant list may name).
pub struct Roundtable {
    pub organiser: String,
    pub partner: String,
    pub event: Uuid,
    /// Registration ids by name; the two Ana López are `Ana López 1` and `Ana López 2`.
    pub ids: HashMap<&'static str, String>,
}

pub async fn roundtable(app: &TestApp) -> Roundtable {
    let (org, organiser, event) = published_event(app, json!({})).await;
    let partner = app.partner_of(org).await;
    let hosted_place = place(app, &organiser, org, hosted("Centro social de Almazán", "Almazán", 4)).await;
    assert_eq!(offer(app, &organiser, event, hosted_place, 4, 0).await.status, 201);
    let online = |name: &str, extra: Value| {
        with(with(participant("online", false), json!({"participant": {"full_name": name}})), extra)
    };
    let people: Vec<(&'static str, Value)> = vec![
        (
            "Amina Haddad",
            online("Amina Haddad", json!({"participant": {"email": "amina.haddad@example.org"}})),
        ),
        ("Karim Benali", online("Karim Benali", json!({"participant": {"phone": "+34 600 111 222"}}))),
        ("Álvaro Ruiz Gómez", online("Álvaro Ruiz Gómez", json!({}))),
        ("Ana López 1", online("Ana López", json!({}))),
        ("Ana López 2", online("Ana López", json!({}))),
        ("Fatima Zahra", online("Fatima Zahra", json!({}))),
        (
            "Youssef El Amrani",
            with(
                participant("onsite", false),
                json!({"participant": {"full_name": "Youssef El Amrani"}, "place_id": hosted_place}),
            ),
        ),
        ("Omar Said", with(participant("onsite", false), json!({"participant": {"full_name": "Omar Said"}}))),
    ];
    let mut ids = HashMap::new();
    for (key, body) in people {
        let registration = registered(app, &partner, event, body).await;
        assert_eq!(registration["status"], "confirmed", "{registration}");
        ids.insert(key, registration["id"].as_str().unwrap().to_owned());
    }
    crate::privacy::ended_days_ago(app, event, 0).await;
    Roundtable { organiser, partner, event, ids }
}

/// A registration's check-in as its reads show it: (source, minutes).
#[derive(Debug, PartialEq)]
pub struct StoredCheckIn {
    pub source: Option<String>,
    pub minutes: Option<i64>,
}

/// How a registration was checked in, as an admin reads it (`check_in`).
pub async fn stored_check_in(app: &TestApp, registration: &str) -> StoredCheckIn {
    let admin = app.admin().await;
    let read = app.get(&format!("/api/v1/registrations/{registration}"), Some(&admin)).await;
    assert_eq!(read.status, 200, "{}", read.text);
    let check_in = &read.body["check_in"];
    assert_eq!(check_in.is_null(), read.body["checked_in_at"].is_null(), "{}", read.text);
    if !check_in.is_null() {
        assert_eq!(check_in["at"], read.body["checked_in_at"]);
    }
    StoredCheckIn {
        source: check_in["source"].as_str().map(str::to_owned),
        minutes: check_in["minutes"].as_i64(),
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// Rows of a table, to show that a refused import wrote nothing.
pub async fn count(app: &TestApp, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT count(*) AS count FROM {table}"))
        .get_result::<Count>(&mut app.conn().await)
        .await
        .unwrap()
        .count
}

/// The rows of `answer[list]` as (row, name).
pub fn rows(answer: &Value, list: &str) -> Vec<(i64, Value)> {
    answer[list].as_array().unwrap().iter().map(|r| (r["row"].as_i64().unwrap(), r["name"].clone())).collect()
}
