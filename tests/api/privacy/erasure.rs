//! Erasure is complete: after it, no table holds the person's values, nor the fingerprint of
//! the request that registered them; and an ended event is erased at once.

use diesel::sql_types::{Bytea, Text};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::fixtures::{participant, published_event, register, registered, with};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::receiver::Receiver;
use crate::webhook_delivery::{fast, subscribe};

/// Values nobody else has: found anywhere after the erasure, they are a leak.
const NAME: &str = "Zebulon Quillfeather";
const RENAMED: &str = "Zebulon Q. Quillfeather";
const EMAIL: &str = "zebulon.quillfeather@example.org";
const PHONE: &str = "+34 611 223 344";
const PHONE_DIGITS: &str = "34611223344";
const NOTES: &str = "needs the seat by the north window";
const ORGANISATION: &str = "Quillfeather Collective";
const OTHER_NAME: &str = "Philippa Marchbanks";
const OTHER_EMAIL: &str = "philippa.marchbanks@example.org";
const OTHER_PHONE_DIGITS: &str = "34622334455";
/// A device's name on the video platform's participant list, and its email.
const TABLET: &str = "Tablet of the Quillfeather family";
const TABLET_EMAIL: &str = "tablet.quillfeather@example.org";

#[derive(diesel::QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
}

#[derive(diesel::QueryableByName)]
struct Found {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    found: i64,
}

/// Every (table, column) of the database where `needle` occurs: text, character, JSON and
/// array columns searched case-insensitively as text, bytea columns for the bytes of `bytes`.
async fn where_found(app: &TestApp, needles: &[&str], bytes: &[&[u8]]) -> Vec<String> {
    let mut conn = app.conn().await;
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text
           FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
            AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let tables: std::collections::BTreeSet<&str> = columns.iter().map(|c| c.table_name.as_str()).collect();
    for expected in [
        "registrations",
        "idempotency_keys",
        "registration_history",
        "event_history",
        "webhook_deliveries",
        "attendance_import_rows",
    ] {
        assert!(tables.contains(expected), "{expected} is searched: {tables:?}");
    }
    let mut found = Vec::new();
    for column in &columns {
        let (table, name) = (&column.table_name, &column.column_name);
        if column.data_type == "bytea" {
            for needle in bytes {
                let sql =
                    format!("SELECT count(*) AS found FROM \"{table}\" WHERE position($1 IN \"{name}\") > 0");
                let hits = diesel::sql_query(sql)
                    .bind::<Bytea, _>(*needle)
                    .get_result::<Found>(&mut conn)
                    .await
                    .unwrap();
                if hits.found > 0 {
                    found.push(format!("{table}.{name} holds a request fingerprint"));
                }
            }
        } else {
            for needle in needles {
                let sql = format!(
                    "SELECT count(*) AS found FROM \"{table}\" WHERE strpos(lower(\"{name}\"::text), lower($1)) > 0"
                );
                let hits = diesel::sql_query(sql)
                    .bind::<Text, _>(*needle)
                    .get_result::<Found>(&mut conn)
                    .await
                    .unwrap();
                if hits.found > 0 {
                    found.push(format!("{table}.{name} holds {needle:?}"));
                }
            }
        }
    }
    found
}

#[derive(diesel::QueryableByName)]
struct Hash {
    #[diesel(sql_type = diesel::sql_types::Nullable<Bytea>)]
    request_hash: Option<Vec<u8>>,
}

async fn register_with_key(
    app: &TestApp,
    token: &str,
    event: Uuid,
    key: &str,
    body: &Value,
) -> crate::helpers::Resp {
    app.post_keyed(&format!("/api/v1/events/{event}/registrations"), token, key, body).await
}

#[actix_web::test]
async fn after_erasure_no_table_holds_the_persons_values_nor_the_fingerprint_of_their_request() {
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::start().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    // Subscriptions of the organisation and of the partner, so that deliveries exist.
    subscribe(
        &app,
        &organiser,
        &receiver.url("/organisation"),
        json!(["registration.confirmed", "registration.mode_changed"]),
    )
    .await;
    subscribe(&app, &partner, &receiver.url("/partner"), json!(["registration.confirmed"])).await;

    let body = with(
        participant("onsite", false),
        json!({"participant": {"full_name": NAME, "email": EMAIL, "phone": PHONE, "organisation_name": ORGANISATION},
               "accessibility_notes": NOTES}),
    );
    let created = register_with_key(&app, &partner, event, "zebulon-1", &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let other = registered(
        &app,
        &partner,
        event,
        with(participant("online", false), json!({"participant": {"full_name": OTHER_NAME, "email": OTHER_EMAIL, "phone": "+34 622 334 455"}})),
    )
    .await;
    // A change of name, notes and mode, so the history has field changes and a mode change.
    let patched = app
        .patch(
            &format!("/api/v1/registrations/{id}"),
            Some(&partner),
            json!({"attendance_mode": "online", "participant": {"full_name": RENAMED}, "accessibility_notes": format!("{NOTES}, please")}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    // Deliveries are written with their changes; one arriving shows they go out.
    receiver.next().await;
    let before =
        where_found(&app, &[NAME, EMAIL, PHONE_DIGITS, NOTES, ORGANISATION, OTHER_NAME, OTHER_EMAIL], &[])
            .await;
    assert!(
        before.iter().any(|f| f.starts_with("registrations.full_name")),
        "the search finds what is there: {before:?}"
    );
    let fingerprint = diesel::sql_query("SELECT request_hash FROM idempotency_keys WHERE key = 'zebulon-1'")
        .get_result::<Hash>(&mut app.conn().await)
        .await
        .unwrap()
        .request_hash
        .expect("the key holds the request's fingerprint before the erasure");
    let raw_body_hash = Sha256::digest(serde_json::to_vec(&body).unwrap()).to_vec();

    super::ended_days_ago(&app, event, 0).await;
    // The video platform's participant list: the other person matched by email, Zebulon's
    // tablet under a name of its own, kept for the organiser's review.
    let list =
        format!("name,email,phone,minutes\n{OTHER_NAME},{OTHER_EMAIL},,90\n{TABLET},{TABLET_EMAIL},,60\n");
    let imported =
        crate::online_attendance::import(&app, Some(&organiser), event, "", "text/csv", list.as_bytes())
            .await;
    assert_eq!(
        (imported.status, &imported.body["unmatched"][0]["name"]),
        (201, &json!(TABLET)),
        "{}",
        imported.text
    );
    let counted = super::report_counts(&app, &organiser, event).await;
    let erased = app.delete(&format!("/api/v1/registrations/{id}/personal-data"), Some(&organiser)).await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    let whole_event = app.delete(&format!("/api/v1/events/{event}/personal-data"), Some(&organiser)).await;
    assert_eq!(whole_event.status, 204, "{}", whole_event.text);

    let after = where_found(
        &app,
        &[
            NAME,
            RENAMED,
            "Quillfeather",
            EMAIL,
            PHONE_DIGITS,
            "611 223 344",
            NOTES,
            ORGANISATION,
            OTHER_NAME,
            OTHER_EMAIL,
            OTHER_PHONE_DIGITS,
            TABLET,
            TABLET_EMAIL,
        ],
        &[&fingerprint, &raw_body_hash],
    )
    .await;
    assert!(after.is_empty(), "still stored after the erasure: {after:?}");
    assert_eq!(super::report_counts(&app, &organiser, event).await, counted, "reports still count everyone");
    for registration in [&id, other["id"].as_str().unwrap()] {
        let read = app.get(&format!("/api/v1/registrations/{registration}"), Some(&organiser)).await.body;
        assert_eq!(read["participant"]["full_name"], Value::Null);
        assert_eq!(read["participant"]["stakeholder_category"], "refugee");
    }

    // A late retry with the key is answered with the registration as it is now, and registers
    // no one again; the fingerprint being gone, any body gets that answer.
    let retried = register_with_key(&app, &partner, event, "zebulon-1", &body).await;
    assert_eq!((retried.status, retried.body["id"].as_str()), (201, Some(id.as_str())), "{}", retried.text);
    assert_eq!(retried.body["participant"]["full_name"], Value::Null);
    let guessed = with(body.clone(), json!({"participant": {"full_name": "Someone Else"}}));
    let guess = register_with_key(&app, &partner, event, "zebulon-1", &guessed).await;
    assert_eq!((guess.status, guess.body["id"].as_str()), (201, Some(id.as_str())), "{}", guess.text);
    let listed = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    drop(receiver.drain());
}

#[actix_web::test]
async fn an_ended_event_is_erased_at_once_by_its_organisers_and_its_history_counts_it() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let mut ids = Vec::new();
    for (mode, need) in [("online", false), ("onsite", true), ("onsite", false)] {
        ids.push(
            registered(&app, &partner, event, participant(mode, need)).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let path = format!("/api/v1/events/{event}/personal-data");

    app.delete(&path, Some(&organiser)).await.assert_problem(409, "event_not_ended");
    let other_org = app.organisation("Other").await;
    app.delete(&path, Some(&app.organiser_of(other_org).await)).await.assert_problem(403, "forbidden");
    app.delete(&path, Some(&partner)).await.assert_problem(403, "forbidden");
    app.delete(&path, None).await.assert_problem(401, "unauthorized");
    app.delete(&format!("/api/v1/events/{}/personal-data", Uuid::now_v7()), Some(&organiser))
        .await
        .assert_problem(404, "not_found");
    let still = app.get(&format!("/api/v1/registrations/{}", ids[0]), Some(&organiser)).await;
    assert_eq!(still.body["participant"]["full_name"], "Amina", "nothing erased before the end");

    super::ended_days_ago(&app, event, 1).await;
    let counted = super::report_counts(&app, &organiser, event).await;
    assert_eq!(app.delete(&path, Some(&app.admin().await)).await.status, 204);
    assert_eq!(app.delete(&path, Some(&organiser)).await.status, 204, "idempotent");
    for id in &ids {
        let read = app.get(&format!("/api/v1/registrations/{id}"), Some(&organiser)).await.body;
        assert_eq!(read["participant"]["full_name"], Value::Null);
        assert_eq!(read["participant"]["phone"], Value::Null);
        let history = app.get(&format!("/api/v1/registrations/{id}/history"), Some(&organiser)).await;
        let actions: Vec<_> =
            history.body["items"].as_array().unwrap().iter().map(|h| h["action"].clone()).collect();
        assert_eq!(actions, [json!("created"), json!("erased")]);
    }
    let csv = app.get(&format!("/api/v1/events/{event}/attendance.csv"), Some(&organiser)).await;
    assert!(!csv.text.contains("Amina"), "{}", csv.text);
    assert_eq!(super::report_counts(&app, &organiser, event).await, counted);
    let erasures = super::entries(&app, &organiser, event, "personal_data_erased").await;
    assert_eq!(erasures.len(), 1, "the repeat erased nothing and recorded nothing: {erasures:?}");
    assert_eq!(erasures[0]["actor_kind"], "user");
    assert_eq!(erasures[0]["changes"], json!([{"field": "registrations_erased", "from": null, "to": 3}]));
    // Registering again is still refused as before (the event is over), not by a duplicate.
    register(&app, &partner, event, participant("online", false))
        .await
        .assert_problem(409, "registration_closed");
}
