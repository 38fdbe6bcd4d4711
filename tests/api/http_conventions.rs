//! HTTP as clients and caches expect it: `Location` on every 201, strong `ETag`s and 304 on
//! the cached reads, `Cache-Control` by who may share an answer, gzip and brotli, `HEAD`
//! wherever `GET` is, 404 for unknown paths, and the `RateLimit-*` fields.

use std::io::Read;

use reqwest::Method;
use serde_json::{json, Value};

use crate::abuse::within_one_minute;
use crate::accounts::{create_user, login};
use crate::fixtures::*;
use crate::helpers::{read, spawn_app, spawn_app_with, Resp, TestApp};

/// A request with extra headers, read whole (as bytes too: a coded body is not text).
async fn ask(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Asked {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the request is sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap().to_vec();
    Asked { status, headers, bytes }
}

struct Asked {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Asked {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn etag(&self) -> String {
        self.header("etag").expect("an ETag").to_owned()
    }
}

#[track_caller]
fn assert_strong(etag: &str) {
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10, "a strong tag: {etag}");
}

/// `path` answers 200 with a strong `ETag` and `cache_control`, then 304 (no body, the same
/// tag and caching) to `If-None-Match` with that tag, also as a weak one in a list.
async fn assert_validated(app: &TestApp, path: &str, token: Option<&str>, cache_control: &str) -> String {
    let first = ask(app, Method::GET, path, token, &[]).await;
    assert_eq!(first.status, 200, "{path}: {}", String::from_utf8_lossy(&first.bytes));
    let etag = first.etag();
    assert_strong(etag.trim_start_matches("W/"));
    assert_eq!(first.header("cache-control"), Some(cache_control), "{path}");
    let again = ask(app, Method::GET, path, token, &[]).await;
    assert_eq!(again.etag(), etag, "{path}: the same body has the same tag");
    for asked in [etag.clone(), format!("\"other\", W/{etag}")] {
        let not_modified = ask(app, Method::GET, path, token, &[("if-none-match", &asked)]).await;
        assert_eq!(not_modified.status, 304, "{path} with If-None-Match {asked}");
        assert!(not_modified.bytes.is_empty(), "{path}: a 304 has no body");
        assert_eq!(not_modified.header("etag"), Some(etag.as_str()), "{path}");
        assert_eq!(not_modified.header("cache-control"), Some(cache_control), "{path}");
    }
    let other = ask(app, Method::GET, path, token, &[("if-none-match", "\"not-this-one\"")]).await;
    assert_eq!(other.status, 200, "{path}: another tag gets the body");
    etag
}

#[actix_web::test]
async fn every_201_says_in_location_where_to_read_what_it_created() {
    let app = spawn_app_with(|s| s.webhook_allow_private_targets = true).await;
    let admin = app.admin().await;
    let created =
        app.post("/api/v1/organisations", Some(&admin), json!({"name": "CEPAIM", "kind": "ngo"})).await;
    let org = created.body["id"].as_str().unwrap().to_owned();
    let organiser = app.organiser_of(org.parse().unwrap()).await;
    let event = app.post("/api/v1/events", Some(&organiser), roundtable(org.parse().unwrap())).await;
    let event_id = event.body["id"].as_str().unwrap().to_owned();
    publish(&app, &organiser, event_id.parse().unwrap()).await;
    let registration =
        register(&app, &organiser, event_id.parse().unwrap(), participant("online", false)).await;
    let webhook = app
        .post(
            "/api/v1/webhooks",
            Some(&organiser),
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["event.updated"]}),
        )
        .await;
    let purpose = app
        .post(
            &format!("/api/v1/organisations/{org}/consent-purposes"),
            Some(&organiser),
            json!({"purpose": "newsletter", "required": false, "texts": {"en": "Send me the newsletter"}}),
        )
        .await;
    let id = |response: &Resp| response.body["id"].as_str().unwrap_or("?").to_owned();
    for (what, response, expected, key) in [
        ("organisation", &created, format!("/api/v1/organisations/{org}"), "id"),
        ("event", &event, format!("/api/v1/events/{event_id}"), "id"),
        ("registration", &registration, format!("/api/v1/registrations/{}", id(&registration)), "id"),
        ("webhook", &webhook, format!("/api/v1/webhooks/{}", id(&webhook)), "id"),
        (
            "consent purpose",
            &purpose,
            format!("/api/v1/organisations/{org}/consent-purposes/newsletter"),
            "purpose",
        ),
    ] {
        assert_eq!(response.status, 201, "{what}: {}", response.text);
        assert_eq!(response.header("location"), Some(expected.as_str()), "{what}");
        let read_back = app.get(&expected, Some(&organiser)).await;
        assert_eq!(read_back.status, 200, "{what} at its Location: {}", read_back.text);
        assert!(read_back.body[key].is_string(), "{what}: {}", read_back.text);
        assert_eq!(read_back.body[key], response.body[key], "{what}");
    }
}

#[actix_web::test]
async fn a_replayed_registration_has_the_location_of_the_first() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let send = || async {
        let request = app
            .client
            .post(app.url(&format!("/api/v1/events/{event}/registrations")))
            .bearer_auth(&organiser)
            .header("idempotency-key", "the-same-key")
            .json(&participant_with_phone("+34 600 000 001"));
        read(request.send().await.unwrap()).await
    };
    let first = send().await;
    let again = send().await;
    assert_eq!((first.status, again.status), (201, 201), "{}", again.text);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert!(first.header("location").is_some());
    assert_eq!(again.header("location"), first.header("location"));
}

fn participant_with_phone(phone: &str) -> Value {
    let mut body = participant("online", false);
    body["participant"]["phone"] = json!(phone);
    body
}

#[actix_web::test]
async fn the_openapi_document_names_location_on_every_201_and_the_validators_of_the_cached_reads() {
    let app = spawn_app().await;
    let document = app.get("/openapi.json", None).await.body;
    let mut created = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Some(response) = operation["responses"].get("201") {
                created += 1;
                assert!(
                    response["headers"].get("Location").is_some(),
                    "{method} {path} 201 without Location"
                );
            }
        }
    }
    assert!(created >= 10, "{created} operations answer 201");
    let event = &document["paths"]["/api/v1/events/{id}"]["get"]["responses"];
    assert!(event["200"]["headers"].get("ETag").is_some());
    assert!(event.get("304").is_some());
    let registration = &document["paths"]["/api/v1/events/{id}/registrations"]["post"]["responses"];
    assert!(registration["201"]["headers"].get("RateLimit-Remaining").is_some());
    // Every 429 (each operation's own response, with its problem codes) names the headers.
    let mut limited = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Some(response) = operation["responses"].get("429") {
                limited += 1;
                for name in ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
                    assert!(response["headers"].get(name).is_some(), "{method} {path} 429 documents {name}");
                }
            }
        }
    }
    assert!(limited >= 3, "{limited} operations answer 429");
}

#[actix_web::test]
async fn published_events_are_public_for_a_minute_and_revalidated_by_their_etag() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let path = format!("/api/v1/events/{event}");
    let anonymous = assert_validated(&app, &path, None, "public, max-age=60").await;
    assert_strong(&anonymous);
    assert_validated(&app, "/api/v1/events", None, "public, max-age=60").await;
    assert_validated(&app, &format!("{path}/calendar.ics"), None, "public, max-age=60").await;
    // The organiser's view may hold more than the public one: theirs, revalidated each time.
    assert_validated(&app, &path, Some(&organiser), "private, no-cache").await;
    assert_validated(&app, "/api/v1/events", Some(&organiser), "private, no-cache").await;
    let first = ask(&app, Method::GET, &path, None, &[]).await;
    // A field sent more than once is the list of its values (RFC 9110, 5.3).
    let vary: Vec<&str> = first.headers.get_all("vary").iter().filter_map(|v| v.to_str().ok()).collect();
    let vary = vary.join(", ").to_ascii_lowercase();
    assert!(vary.contains("accept-language"), "an event reads in the reader's language: Vary: {vary}");
    assert!(vary.contains("accept-encoding") && vary.contains("authorization"), "Vary: {vary}");

    let changed = app.patch(&path, Some(&organiser), json!({"title": "Another title"})).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let after = ask(&app, Method::GET, &path, None, &[("if-none-match", &anonymous)]).await;
    assert_eq!(after.status, 200, "a changed event is sent again");
    assert_ne!(after.etag(), anonymous);
}

#[actix_web::test]
async fn reports_and_calendars_of_people_are_validated_but_never_stored() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let registration = registered(&app, &organiser, event, participant("online", false)).await;
    let id = registration["id"].as_str().unwrap();
    for (path, weak) in [
        // Counted at each read: equivalent while nothing changed, not the same bytes.
        (format!("/api/v1/events/{event}/report"), true),
        (format!("/api/v1/events/{event}/report.html"), true),
        (format!("/api/v1/events/{event}/attendance.csv"), false),
        // Its `data_as_of` is the time of the read on the primary.
        ("/api/v1/reports/attendance".to_owned(), true),
        (format!("/api/v1/registrations/{id}/calendar.ics"), false),
    ] {
        let etag = assert_validated(&app, &path, Some(&organiser), "no-store").await;
        assert_eq!(etag.starts_with("W/"), weak, "{path}: {etag}");
    }
    // A change to what the report counts is a new tag.
    let path = format!("/api/v1/events/{event}/report");
    let before = ask(&app, Method::GET, &path, Some(&organiser), &[]).await.etag();
    registered(&app, &organiser, event, participant("online", false)).await;
    let after = ask(&app, Method::GET, &path, Some(&organiser), &[("if-none-match", &before)]).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.etag(), before);
}

#[actix_web::test]
async fn other_answers_are_not_stored() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    let registration = register(&app, &organiser, event, participant("online", false)).await;
    assert_eq!(registration.header("cache-control"), Some("no-store"));
    assert_eq!(registration.header("etag"), None);
    let me = app.get("/api/v1/me", Some(&organiser)).await;
    assert_eq!(me.header("cache-control"), Some("no-store"));
    assert_eq!(me.header("etag"), None);
    let missing = app.get(&format!("/api/v1/events/{}", uuid::Uuid::now_v7()), None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("cache-control"), Some("no-store"));
    assert_eq!(missing.header("etag"), None);
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(bytes, 4096).read_to_end(&mut out).unwrap();
    out
}

#[actix_web::test]
async fn gzip_and_brotli_by_accept_encoding_each_with_a_tag_of_its_own() {
    let app = spawn_app().await;
    let plain = ask(&app, Method::GET, "/openapi.json", None, &[]).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("cache-control"), Some("public, max-age=60"));
    let tag = plain.etag();
    assert_strong(&tag);
    for (asked, coding, decode) in [
        ("gzip", "gzip", gunzip as fn(&[u8]) -> Vec<u8>),
        ("br", "br", unbrotli),
        ("gzip, deflate, br", "br", unbrotli),
        ("br;q=0.1, gzip", "gzip", gunzip),
    ] {
        let coded = ask(&app, Method::GET, "/openapi.json", None, &[("accept-encoding", asked)]).await;
        assert_eq!(coded.status, 200);
        assert_eq!(coded.header("content-encoding"), Some(coding), "Accept-Encoding: {asked}");
        assert!(coded.bytes.len() * 4 < plain.bytes.len(), "{asked}: {} bytes", coded.bytes.len());
        assert_eq!(decode(&coded.bytes), plain.bytes, "{asked}: the same document");
        let coded_tag = coded.etag();
        assert_eq!(coded_tag, format!("{}-{coding}\"", tag.trim_end_matches('"')), "{asked}");
        assert!(coded.header("vary").unwrap_or_default().to_ascii_lowercase().contains("accept-encoding"));
        // A tag names one coding's bytes: it validates that coding only.
        let same = ask(
            &app,
            Method::GET,
            "/openapi.json",
            None,
            &[("accept-encoding", asked), ("if-none-match", &coded_tag)],
        )
        .await;
        assert_eq!(same.status, 304, "{asked}");
        assert_eq!(same.header("etag"), Some(coded_tag.as_str()));
        let identity = ask(&app, Method::GET, "/openapi.json", None, &[("if-none-match", &coded_tag)]).await;
        assert_eq!(identity.status, 200, "{asked}: the identity body is other bytes");
        let plain_tag = ask(
            &app,
            Method::GET,
            "/openapi.json",
            None,
            &[("accept-encoding", asked), ("if-none-match", &tag)],
        )
        .await;
        assert_eq!(plain_tag.status, 200, "{asked}: the coded body is other bytes");
    }
    // Every answer is compressed when asked, not only the cached ones (those have no tag).
    let admin = app.admin().await;
    let me = ask(&app, Method::GET, "/api/v1/me", Some(&admin), &[("accept-encoding", "gzip")]).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.header("content-encoding"), Some("gzip"));
    assert_eq!(me.header("etag"), None);
    let me: Value = serde_json::from_slice(&gunzip(&me.bytes)).unwrap();
    assert_eq!(me["role"], "admin");
}

#[actix_web::test]
async fn head_is_answered_wherever_get_is_with_the_headers_and_no_body() {
    let app = spawn_app().await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    for (path, token) in [
        (format!("/api/v1/events/{event}"), None),
        ("/api/v1/events".to_owned(), None),
        (format!("/api/v1/events/{event}/calendar.ics"), None),
        ("/openapi.json".to_owned(), None),
        ("/healthz".to_owned(), None),
        ("/api/v1/me".to_owned(), Some(organiser.as_str())),
        (format!("/api/v1/events/{event}/report"), Some(organiser.as_str())),
    ] {
        let get = ask(&app, Method::GET, &path, token, &[]).await;
        let head = ask(&app, Method::HEAD, &path, token, &[]).await;
        assert_eq!(head.status, 200, "HEAD {path}");
        assert!(head.bytes.is_empty(), "HEAD {path} has no body");
        assert_eq!(head.header("content-type"), get.header("content-type"), "HEAD {path}");
        assert_eq!(head.header("content-length"), Some(get.bytes.len().to_string().as_str()), "HEAD {path}");
        assert_eq!(head.header("etag"), get.header("etag"), "HEAD {path}");
        assert_eq!(head.header("cache-control"), get.header("cache-control"), "HEAD {path}");
    }
    let tag = ask(&app, Method::GET, "/openapi.json", None, &[]).await.etag();
    let head = ask(&app, Method::HEAD, "/openapi.json", None, &[("if-none-match", &tag)]).await;
    assert_eq!(head.status, 304);
    // HEAD where only POST is: 405, naming what is allowed.
    let head = ask(&app, Method::HEAD, "/api/v1/auth/login", None, &[]).await;
    assert_eq!(head.status, 405);
    assert_eq!(head.header("allow"), Some("POST"));
    assert_eq!(ask(&app, Method::HEAD, "/api/v1/nothing", None, &[]).await.status, 404);
}

#[actix_web::test]
async fn unknown_paths_are_404_and_known_paths_with_another_method_405_with_allow() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::GET, "/api/v1/events/"),
        (Method::POST, "/api/v1/events/"),
        (Method::GET, "/api/v1/events//calendar.ics"),
        (Method::GET, "/api/v1/nothing"),
        (Method::DELETE, "/healthz/"),
    ] {
        app.send(method.clone(), path, None, None).await.assert_problem(404, "not_found");
    }
    let wrong = app.send(Method::DELETE, "/api/v1/events", None, None).await;
    wrong.assert_problem(405, "method_not_allowed");
    assert_eq!(wrong.header("allow"), Some("GET, HEAD, POST"));
}

#[track_caller]
fn rate_limit(response: &Resp) -> (u32, u32, u64) {
    let field =
        |name: &str| response.header(name).unwrap_or_else(|| panic!("{name}: {:?}", response.headers));
    (
        field("ratelimit-limit").parse().unwrap(),
        field("ratelimit-remaining").parse().unwrap(),
        field("ratelimit-reset").parse().unwrap(),
    )
}

#[actix_web::test]
async fn registrations_say_how_many_the_caller_has_left_this_minute() {
    let app = spawn_app_with(|s| s.registration_rate_limit_per_minute = 2).await;
    let (org, _, event) = published_event(&app, json!({"onsite": null})).await;
    within_one_minute(|| async {
        let partner = app.partner_of(org).await;
        let first = register(&app, &partner, event, participant("online", false)).await;
        let second = register(&app, &partner, event, participant("online", false)).await;
        let refused = register(&app, &partner, event, participant("online", false)).await;
        assert_eq!((first.status, second.status), (201, 201), "{}", second.text);
        let (limit, remaining, reset) = rate_limit(&first);
        assert_eq!((limit, remaining), (2, 1));
        assert!((1..=60).contains(&reset), "RateLimit-Reset {reset}");
        assert_eq!(rate_limit(&second).1, 0);
        refused.assert_problem(429, "rate_limited");
        let (limit, remaining, reset) = rate_limit(&refused);
        assert_eq!((limit, remaining), (2, 0));
        assert_eq!(Some(reset.to_string().as_str()), refused.header("retry-after"));
        true
    })
    .await;
    let unlimited = spawn_app_with(|s| s.registration_rate_limit_per_minute = 0).await;
    let (_, organiser, event) = published_event(&unlimited, json!({"onsite": null})).await;
    let response = register(&unlimited, &organiser, event, participant("online", false)).await;
    assert_eq!(response.status, 201);
    assert_eq!(response.header("ratelimit-limit"), None, "no limit, no fields");
}

#[actix_web::test]
async fn a_refused_login_says_the_limit_it_reached_and_when_to_try_again() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 2;
        s.login_delay_seconds = 60;
    })
    .await;
    create_user(&app, "amina@example.org", "admin", None).await;
    for _ in 0..2 {
        login(&app, "amina@example.org", "not the password at all")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let refused = login(&app, "amina@example.org", "not the password at all").await;
    refused.assert_problem(429, "too_many_attempts");
    let (limit, remaining, reset) = rate_limit(&refused);
    assert_eq!((limit, remaining), (2, 0));
    assert_eq!(Some(reset.to_string().as_str()), refused.header("retry-after"));
}
