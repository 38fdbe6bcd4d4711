use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::fixtures::*;
use crate::helpers::spawn_app;

#[actix_web::test]
async fn a_partner_registers_someone_without_email_or_device_onsite() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let response = register(&app, &partner, event, participant("onsite", true)).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let r = &response.body;
    assert_eq!(r["status"], "confirmed");
    assert_eq!(r["attendance_mode"], "onsite");
    assert_eq!(r["needs_physical_space"], true);
    assert_eq!(r["needs_transport"], true);
    assert_eq!(r["interpretation_language"], "ar");
    assert_eq!(r["interests"], json!(["entrepreneurship", "women_employment"]));
    assert_eq!(r["participant"]["full_name"], "Amina");
    assert_eq!(r["participant"]["email"], Value::Null);
    assert_eq!(r["participant"]["stakeholder_category"], "refugee");
    assert_eq!(r["waitlist_position"], Value::Null);
    assert_eq!(r["fallback_applied"], false);
    assert_eq!(r["join_url"], Value::Null, "no join link onsite");
    assert_eq!(r["checked_in_at"], Value::Null);
    assert_eq!(r["event_id"], event.to_string());
    for field in ["id", "accessibility_notes", "created_by", "created_at", "updated_at"] {
        assert!(r.get(field).is_some(), "missing {field}");
    }
    let online = registered(&app, &partner, event, participant("online", false)).await;
    assert_eq!(
        online["join_url"], "https://meet.example.org/abc",
        "a confirmed online registration carries the link"
    );
    let seen = app.get(&format!("/api/v1/events/{event}"), None).await.body;
    assert_eq!(seen["onsite"]["confirmed"], 1);
    assert_eq!(seen["online"]["confirmed"], 1);
}

#[actix_web::test]
async fn invalid_registrations_get_the_contract_codes_and_change_nothing() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let no_consent = with(participant("onsite", false), json!({"consent": {"data_processing": false}}));
    register(&app, &partner, event, no_consent).await.assert_problem(422, "consent_required");
    register(&app, &partner, event, participant("online", true))
        .await
        .assert_problem(422, "physical_space_required");
    let bad = with(
        participant("onsite", false),
        json!({"participant": {"email": "nope", "phone": "call me"}, "interests": ["Not Snake", "ok"]}),
    );
    let response = register(&app, &partner, event, bad).await;
    response.assert_problem(422, "validation_failed");
    let fields: Vec<String> = response.field_errors().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, vec!["participant.email", "participant.phone", "interests[0]"]);
    let many = with(
        participant("onsite", false),
        json!({"interests": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
    );
    register(&app, &partner, event, many).await.assert_problem(422, "validation_failed");
    let category =
        with(participant("onsite", false), json!({"participant": {"stakeholder_category": "tourist"}}));
    let response = register(&app, &partner, event, category).await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.field_errors()[0].0, "participant.stakeholder_category");
    let long_name =
        with(participant("onsite", false), json!({"participant": {"full_name": "x".repeat(201)}}));
    register(&app, &partner, event, long_name).await.assert_problem(422, "validation_failed");
    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    assert_eq!(list.body["items"], json!([]));
}

#[actix_web::test]
async fn reserved_seats_go_only_to_people_who_need_a_physical_space() {
    let app = spawn_app().await;
    let (org, _organiser, event) =
        published_event(&app, json!({"onsite": {"capacity": 5, "reserved_for_physical_space_need": 2}}))
            .await;
    let partner = app.partner_of(org).await;
    for _ in 0..3 {
        assert_eq!(
            registered(&app, &partner, event, participant("onsite", false)).await["status"],
            "confirmed"
        );
    }
    let fourth = registered(&app, &partner, event, participant("onsite", false)).await;
    assert_eq!(fourth["status"], "waitlisted", "the last 2 seats are reserved");
    assert_eq!(fourth["waitlist_position"], 1);
    for _ in 0..2 {
        assert_eq!(
            registered(&app, &partner, event, participant("onsite", true)).await["status"],
            "confirmed"
        );
    }
    let third_needy = registered(&app, &partner, event, participant("onsite", true)).await;
    assert_eq!(third_needy["status"], "waitlisted");
    assert_eq!(third_needy["waitlist_position"], 1, "people with the need go first");
    let fourth =
        app.get(&format!("/api/v1/registrations/{}", fourth["id"].as_str().unwrap()), Some(&partner)).await;
    assert_eq!(fourth.body["waitlist_position"], 2, "positions are right at every read");
    let seen = app.get(&format!("/api/v1/events/{event}"), None).await.body;
    assert_eq!(seen["onsite"]["confirmed"], 5);
    assert_eq!(seen["onsite"]["waitlisted"], 2);
    assert_eq!(seen["onsite"]["available"], 0);

    // Those waiting with the need are counted as they come and go: a newcomer with the need
    // lands right behind them, whoever of them left.
    let fourth_needy = registered(&app, &partner, event, participant("onsite", true)).await;
    assert_eq!(fourth_needy["waitlist_position"], 2);
    let cancel = format!("/api/v1/registrations/{}/cancel", third_needy["id"].as_str().unwrap());
    assert_eq!(app.post(&cancel, Some(&partner), json!({})).await.status, 200);
    let fifth_needy = registered(&app, &partner, event, participant("onsite", true)).await;
    assert_eq!(fifth_needy["waitlist_position"], 2, "behind the one with the need still waiting");
    let without_need = registered(&app, &partner, event, participant("onsite", false)).await;
    assert_eq!(without_need["waitlist_position"], 4, "behind both with the need and the earlier one");
}

#[actix_web::test]
async fn a_full_onsite_falls_back_online_only_for_those_who_accept_it() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(
        &app,
        json!({"online": {"capacity": 1}, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    registered(&app, &partner, event, participant("onsite", false)).await;
    let fallback = registered(
        &app,
        &partner,
        event,
        with(participant("onsite", false), json!({"accept_online_fallback": true})),
    )
    .await;
    assert_eq!(fallback["status"], "confirmed");
    assert_eq!(fallback["attendance_mode"], "online");
    assert_eq!(fallback["fallback_applied"], true);
    assert_eq!(fallback["join_url"], "https://meet.example.org/abc");
    let no_more = registered(
        &app,
        &partner,
        event,
        with(participant("onsite", false), json!({"accept_online_fallback": true})),
    )
    .await;
    assert_eq!(no_more["status"], "waitlisted", "online is full too");
    assert_eq!(no_more["attendance_mode"], "onsite");
    let needy = registered(
        &app,
        &partner,
        event,
        with(participant("onsite", true), json!({"accept_online_fallback": true})),
    )
    .await;
    assert_eq!(needy["status"], "waitlisted", "no device: never moved online");
}

#[actix_web::test]
async fn cancelling_promotes_the_first_waitlisted_who_may_take_the_seat() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 2, "reserved_for_physical_space_need": 1}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let seated = registered(&app, &partner, event, participant("onsite", false)).await;
    let needy_seated = registered(&app, &partner, event, participant("onsite", true)).await;
    let waiting = registered(&app, &partner, event, participant("onsite", false)).await;
    let needy_waiting = registered(&app, &partner, event, participant("onsite", true)).await;
    assert_eq!(needy_waiting["waitlist_position"], 1);
    assert_eq!(waiting["status"], "waitlisted");

    let cancelled = app
        .post(
            &format!("/api/v1/registrations/{}/cancel", seated["id"].as_str().unwrap()),
            Some(&partner),
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");
    let get = async |r: &Value| {
        app.get(&format!("/api/v1/registrations/{}", r["id"].as_str().unwrap()), Some(&organiser)).await
    };
    assert_eq!(get(&needy_waiting).await.body["status"], "confirmed", "the need goes first");
    assert_eq!(get(&waiting).await.body["waitlist_position"], 1);

    // Cancelling again changes nothing.
    let again = app
        .post(
            &format!("/api/v1/registrations/{}/cancel", seated["id"].as_str().unwrap()),
            Some(&partner),
            json!({}),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(get(&waiting).await.body["status"], "waitlisted");

    // The reserved seat frees up; the non-needy person may not take it.
    app.post(
        &format!("/api/v1/registrations/{}/cancel", needy_seated["id"].as_str().unwrap()),
        Some(&partner),
        json!({}),
    )
    .await;
    let waiting_now = get(&waiting).await.body;
    assert_eq!(
        waiting_now["status"], "confirmed",
        "one needy person still holds the reserved seat, so the other seat is unreserved"
    );
    let event_now = app.get(&format!("/api/v1/events/{event}"), None).await.body;
    assert_eq!(event_now["onsite"]["confirmed"], 2);
    assert_eq!(event_now["onsite"]["waitlisted"], 0);
}

#[actix_web::test]
async fn raising_capacity_or_lowering_reserved_seats_promotes_and_lowering_below_confirmed_is_refused() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": {"capacity": 1}, "onsite": {"capacity": 3, "reserved_for_physical_space_need": 2}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    registered(&app, &partner, event, participant("online", false)).await;
    let online_waiting = registered(&app, &partner, event, participant("online", false)).await;
    registered(&app, &partner, event, participant("onsite", false)).await;
    let onsite_waiting = registered(&app, &partner, event, participant("onsite", false)).await;
    assert_eq!(online_waiting["status"], "waitlisted");
    assert_eq!(onsite_waiting["status"], "waitlisted");
    let path = format!("/api/v1/events/{event}");

    let refused = app.patch(&path, Some(&organiser), json!({"online": {"capacity": 0}})).await;
    refused.assert_problem(409, "capacity_below_confirmed");
    let refused = app
        .patch(
            &path,
            Some(&organiser),
            json!({"onsite": {"capacity": 2, "reserved_for_physical_space_need": 2}}),
        )
        .await;
    refused.assert_problem(409, "capacity_below_confirmed");
    assert_eq!(app.get(&path, Some(&organiser)).await.body["online"]["capacity"], 1, "nothing changed");

    let raised = app.patch(&path, Some(&organiser), json!({"online": {"capacity": 2}})).await;
    assert_eq!(raised.status, 200, "{}", raised.text);
    assert_eq!(raised.body["online"]["confirmed"], 2);
    assert_eq!(raised.body["online"]["waitlisted"], 0);
    let lowered =
        app.patch(&path, Some(&organiser), json!({"onsite": {"reserved_for_physical_space_need": 1}})).await;
    assert_eq!(lowered.body["onsite"]["confirmed"], 2);
    let promoted = app
        .get(&format!("/api/v1/registrations/{}", onsite_waiting["id"].as_str().unwrap()), Some(&partner))
        .await;
    assert_eq!(promoted.body["status"], "confirmed");
    app.patch(&path, Some(&organiser), json!({"online": null})).await.assert_problem(409, "mode_in_use");
}

#[actix_web::test]
async fn one_person_registers_once_per_event_by_email_or_phone() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let other_partner = app.partner_of(org).await;
    let first = registered(
        &app,
        &partner,
        event,
        with(
            participant("online", false),
            json!({"participant": {"email": "Amina@Example.org", "phone": "+34 600 111 222"}}),
        ),
    )
    .await;
    let same_email =
        with(participant("online", false), json!({"participant": {"email": "amina@example.ORG"}}));
    register(&app, &other_partner, event, same_email).await.assert_problem(409, "already_registered");
    let same_phone = with(participant("onsite", false), json!({"participant": {"phone": "34-600-111-222"}}));
    register(&app, &partner, event, same_phone.clone()).await.assert_problem(409, "already_registered");
    app.post(
        &format!("/api/v1/registrations/{}/cancel", first["id"].as_str().unwrap()),
        Some(&partner),
        json!({}),
    )
    .await;
    assert_eq!(
        register(&app, &partner, event, same_phone).await.status,
        201,
        "a cancelled registration does not count"
    );
    let other_event = create_event(&app, &organiser, roundtable(org)).await;
    publish(&app, &organiser, other_event).await;
    let again = with(participant("online", false), json!({"participant": {"email": "amina@example.org"}}));
    assert_eq!(register(&app, &partner, other_event, again).await.status, 201, "another event is fine");
}

#[actix_web::test]
async fn a_refused_registration_leaves_no_trace() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let body = with(participant("onsite", false), json!({"participant": {"email": "amina@example.org"}}));
    registered(&app, &partner, event, body.clone()).await;
    // Refused by the unique index, inside the batch that carries the COMMIT: it rolls back.
    register(&app, &partner, event, body).await.assert_problem(409, "already_registered");
    let shown = app.get(&format!("/api/v1/events/{event}"), Some(&organiser)).await;
    assert_eq!(shown.body["onsite"]["confirmed"], 1, "{}", shown.text);
    let listed = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "{}", listed.text);

    // A partner revoked after its token was issued: 401, before any complaint about the
    // request (a bad body, an unknown event), and nothing is written.
    let client_id: uuid::Uuid =
        app.get("/api/v1/me", Some(&partner)).await.body["id"].as_str().unwrap().parse().unwrap();
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use hybrid_events::db::schema::api_clients;
        diesel::update(api_clients::table.find(client_id))
            .set(api_clients::revoked_at.eq(diesel::dsl::now))
            .execute(&mut app.conn().await)
            .await
            .unwrap();
    }
    register(&app, &partner, event, participant("online", false)).await.assert_problem(401, "unauthorized");
    register(&app, &partner, event, json!({"participant": {}})).await.assert_problem(401, "unauthorized");
    register(&app, &partner, uuid::Uuid::now_v7(), participant("online", false))
        .await
        .assert_problem(401, "unauthorized");
    app.post("/api/v1/events/not-an-id/registrations", Some(&partner), participant("online", false))
        .await
        .assert_problem(401, "unauthorized");
    // A person's token outlives the account: a user that no longer exists is refused too.
    let no_one = app.token_for(uuid::Uuid::now_v7(), hybrid_events::auth::Role::Admin, None);
    register(&app, &no_one, event, participant("online", false)).await.assert_problem(401, "unauthorized");
    register(&app, &no_one, uuid::Uuid::now_v7(), participant("online", false))
        .await
        .assert_problem(401, "unauthorized");
    let shown = app.get(&format!("/api/v1/events/{event}"), Some(&organiser)).await;
    assert_eq!(shown.body["online"]["confirmed"], 0, "{}", shown.text);
    assert_eq!(shown.body["online"]["waitlisted"], 0, "{}", shown.text);
    // And an organiser who does exist is told apart from those.
    let unknown_event = register(&app, &organiser, uuid::Uuid::now_v7(), participant("online", false)).await;
    unknown_event.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn registration_is_closed_for_drafts_cancelled_events_and_after_the_deadline_or_start() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let partner = app.partner_of(org).await;
    let draft = create_event(&app, &organiser, roundtable(org)).await;
    register(&app, &organiser, draft, participant("online", false))
        .await
        .assert_problem(409, "registration_closed");
    register(&app, &partner, draft, participant("online", false)).await.assert_problem(404, "not_found");
    let (_, organiser2, cancelled) = published_event(&app, json!({})).await;
    app.post(&format!("/api/v1/events/{cancelled}/cancel"), Some(&organiser2), json!({})).await;
    register(&app, &organiser2, cancelled, participant("online", false))
        .await
        .assert_problem(409, "registration_closed");
    let now = Utc::now();
    let (_, organiser3, deadline) = published_event(&app, json!({})).await;
    let closed = app
        .patch(
            &format!("/api/v1/events/{deadline}"),
            Some(&organiser3),
            json!({"registration_closes_at": (now - Duration::minutes(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    register(&app, &organiser3, deadline, participant("online", false))
        .await
        .assert_problem(409, "registration_closed");
    let started = app
        .patch(
            &format!("/api/v1/events/{deadline}"),
            Some(&organiser3),
            json!({"registration_closes_at": null, "starts_at": (now - Duration::hours(1)).to_rfc3339(), "ends_at": (now + Duration::hours(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(started.status, 200, "{}", started.text);
    register(&app, &organiser3, deadline, participant("online", false))
        .await
        .assert_problem(409, "registration_closed");
}

#[actix_web::test]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_another_body() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let body = participant("onsite", true);
    let path = format!("/api/v1/events/{event}/registrations");
    let send = |key: &'static str, token: String, body: Value| {
        let (app, path) = (&app, &path);
        async move { app.post_keyed(path, &token, key, &body).await }
    };
    let first = send("key-1", partner.clone(), body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let second = send("key-1", partner.clone(), body.clone()).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.body, first.body, "the same answer, byte for byte in JSON");
    send("key-1", partner.clone(), participant("online", false))
        .await
        .assert_problem(422, "idempotency_key_reused");
    let other_caller = send("key-1", app.partner_of(org).await, participant("online", false)).await;
    assert_eq!(other_caller.status, 201, "keys belong to their caller");
    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn partners_see_and_change_only_their_own_registrations() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let accem = app.organisation("ACCEM").await;
    // A partner of another organisation that the event's trusts, so that it registers too.
    trust(&app, &organiser, org, accem).await;
    let other_partner = app.partner_of(accem).await;
    let outsider = app.organiser_of(app.organisation("IOM Spain").await).await;
    let admin = app.admin().await;
    let mine = registered(&app, &partner, event, participant("onsite", false)).await;
    registered(&app, &other_partner, event, participant("online", false)).await;
    let path = format!("/api/v1/registrations/{}", mine["id"].as_str().unwrap());

    for token in [&other_partner, &outsider] {
        app.get(&path, Some(token)).await.assert_problem(404, "not_found");
        app.patch(&path, Some(token), json!({"needs_transport": false}))
            .await
            .assert_problem(404, "not_found");
        app.post(&format!("{path}/cancel"), Some(token), json!({})).await.assert_problem(404, "not_found");
    }
    app.get(&path, None).await.assert_problem(401, "unauthorized");
    for token in [&partner, &organiser, &admin] {
        assert_eq!(app.get(&path, Some(token)).await.status, 200);
    }
    let own = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&partner)).await;
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1, "a partner lists its own");
    assert_eq!(
        app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    app.get(&format!("/api/v1/events/{event}/registrations"), Some(&outsider))
        .await
        .assert_problem(403, "forbidden");
    let updated = app
        .patch(
            &path,
            Some(&partner),
            json!({"needs_transport": true, "participant": {"full_name": "Amina B."}}),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["participant"]["full_name"], "Amina B.");
    assert_eq!(updated.body["participant"]["phone"], mine["participant"]["phone"], "partial");
    // Organisers' actions are not the partner's.
    app.post(&format!("{path}/check-in"), Some(&partner), json!({})).await.assert_problem(403, "forbidden");
    app.delete(&format!("{path}/personal-data"), Some(&partner)).await.assert_problem(403, "forbidden");
    app.get(&format!("{path}/history"), Some(&partner)).await.assert_problem(403, "forbidden");
    app.post(&format!("{path}/check-in"), Some(&outsider), json!({})).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn listing_registrations_filters_and_pages_oldest_first() {
    let app = spawn_app().await;
    let (org, organiser, event) =
        published_event(&app, json!({"onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}))
            .await;
    let partner = app.partner_of(org).await;
    let mut ids = Vec::new();
    for body in [
        participant("onsite", false),
        participant("onsite", true),
        participant("online", false),
        participant("onsite", false),
    ] {
        ids.push(registered(&app, &partner, event, body).await["id"].as_str().unwrap().to_owned());
    }
    let list = async |query: &str| {
        app.get(&format!("/api/v1/events/{event}/registrations?{query}"), Some(&organiser)).await
    };
    let waitlisted = list("status=waitlisted").await.body["items"].as_array().unwrap().clone();
    assert_eq!(
        waitlisted.iter().map(|r| r["id"].as_str().unwrap()).collect::<Vec<_>>(),
        vec![ids[1].as_str(), ids[3].as_str()]
    );
    assert_eq!(waitlisted[0]["waitlist_position"], 1);
    assert_eq!(waitlisted[1]["waitlist_position"], 2);
    assert_eq!(list("mode=online").await.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list("needs_physical_space=true").await.body["items"].as_array().unwrap().len(), 1);
    let first = list("limit=3").await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = list(&format!("limit=3&cursor={cursor}")).await;
    assert_eq!(second.body["items"][0]["id"], ids[3]);
    assert_eq!(second.body["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn a_mode_change_needs_a_seat_and_frees_the_old_one() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": {"capacity": 1}, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let onsite = registered(&app, &partner, event, participant("onsite", false)).await;
    let online = registered(&app, &partner, event, participant("online", false)).await;
    let waiting_onsite = registered(&app, &partner, event, participant("onsite", false)).await;
    let path = format!("/api/v1/registrations/{}", onsite["id"].as_str().unwrap());
    app.patch(&path, Some(&partner), json!({"attendance_mode": "online"}))
        .await
        .assert_problem(409, "capacity_full");
    assert_eq!(app.get(&path, Some(&partner)).await.body["attendance_mode"], "onsite", "nothing changed");
    app.post(
        &format!("/api/v1/registrations/{}/cancel", online["id"].as_str().unwrap()),
        Some(&partner),
        json!({}),
    )
    .await;
    let moved = app.patch(&path, Some(&partner), json!({"attendance_mode": "online"})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["attendance_mode"], "online");
    assert_eq!(moved.body["join_url"], "https://meet.example.org/abc");
    let promoted = app
        .get(&format!("/api/v1/registrations/{}", waiting_onsite["id"].as_str().unwrap()), Some(&organiser))
        .await;
    assert_eq!(promoted.body["status"], "confirmed", "the freed onsite seat went to the waitlist");
    app.patch(&path, Some(&partner), json!({"needs_physical_space": true}))
        .await
        .assert_problem(422, "physical_space_required");
}

#[actix_web::test]
async fn check_in_is_for_confirmed_registrations_and_idempotent() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        with(
            json!({"online": null, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
            starting_soon(),
        ),
    )
    .await;
    let partner = app.partner_of(org).await;
    let seated = registered(&app, &partner, event, participant("onsite", false)).await;
    let waiting = registered(&app, &partner, event, participant("onsite", false)).await;
    let path = format!("/api/v1/registrations/{}/check-in", seated["id"].as_str().unwrap());
    let first = app.post(&path, Some(&organiser), json!({})).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let at = first.body["checked_in_at"].as_str().unwrap().to_owned();
    let again = app.post(&path, Some(&organiser), json!({})).await;
    assert_eq!(again.body["checked_in_at"], at, "the first arrival is kept");
    let not_yet = format!("/api/v1/registrations/{}/check-in", waiting["id"].as_str().unwrap());
    app.post(&not_yet, Some(&organiser), json!({})).await.assert_problem(409, "not_confirmed");
}

#[actix_web::test]
async fn erasure_removes_personal_data_everywhere_but_keeps_the_count() {
    use diesel_async::RunQueryDsl;
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let body = with(
        participant("onsite", true),
        json!({"participant": {"full_name": "Fatima Zahra", "email": "fatima@example.org", "organisation_name": "Asociación X"},
               "accessibility_notes": "uses a wheelchair"}),
    );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/registrations")))
        .bearer_auth(&partner)
        .header("Idempotency-Key", "erase-me")
        .json(&body)
        .send()
        .await
        .unwrap();
    let created = crate::helpers::read(response).await.body;
    let id = created["id"].as_str().unwrap();
    let erased = app.delete(&format!("/api/v1/registrations/{id}/personal-data"), Some(&organiser)).await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    let read = app.get(&format!("/api/v1/registrations/{id}"), Some(&organiser)).await.body;
    for field in ["full_name", "email", "phone", "organisation_name"] {
        assert_eq!(read["participant"][field], Value::Null, "{field}");
    }
    assert_eq!(read["accessibility_notes"], Value::Null);
    assert_eq!(read["status"], "confirmed");
    assert_eq!(read["needs_physical_space"], true);
    assert_eq!(read["participant"]["stakeholder_category"], "refugee");
    assert_eq!(
        app.get(&format!("/api/v1/events/{event}"), None).await.body["onsite"]["confirmed"],
        1,
        "no seat freed"
    );

    // The database itself keeps nothing personal, the stored idempotent answer included.
    let mut conn = app.conn().await;
    let everything: Vec<String> = diesel::sql_query(
        "SELECT row_to_json(r)::text AS text FROM registrations r
         UNION ALL SELECT row_to_json(k)::text FROM idempotency_keys k
         UNION ALL SELECT row_to_json(h)::text FROM registration_history h",
    )
    .load::<Text>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|t| t.text)
    .collect();
    let dump = everything.join("\n");
    for secret in [
        "Fatima",
        "fatima@example.org",
        "Asociación X",
        "wheelchair",
        created["participant"]["phone"].as_str().unwrap(),
    ] {
        assert!(!dump.contains(secret), "{secret} is still stored:\n{dump}");
    }
    // A replay of the erased registration's key answers without the erased data.
    let replay = app
        .client
        .post(app.url(&format!("/api/v1/events/{event}/registrations")))
        .bearer_auth(&partner)
        .header("Idempotency-Key", "erase-me")
        .json(&body)
        .send()
        .await
        .unwrap();
    let replay = crate::helpers::read(replay).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.body["id"], created["id"]);
    assert_eq!(replay.body["participant"]["full_name"], Value::Null);
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

#[actix_web::test]
async fn the_history_records_every_change_without_personal_data() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        with(
            json!({"online": null, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
            starting_soon(),
        ),
    )
    .await;
    let partner = app.partner_of(org).await;
    let first = registered(&app, &partner, event, participant("onsite", false)).await;
    let second = registered(&app, &partner, event, participant("onsite", false)).await;
    let second_id = second["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/registrations/{}/cancel", first["id"].as_str().unwrap()),
        Some(&partner),
        json!({}),
    )
    .await;
    app.post(&format!("/api/v1/registrations/{second_id}/check-in"), Some(&organiser), json!({})).await;
    app.delete(&format!("/api/v1/registrations/{second_id}/personal-data"), Some(&organiser)).await;
    let history = app.get(&format!("/api/v1/registrations/{second_id}/history"), Some(&organiser)).await;
    assert_eq!(history.status, 200, "{}", history.text);
    let actions: Vec<&str> =
        history.body["items"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["created", "promoted", "checked_in", "erased"]);
    let items = history.body["items"].as_array().unwrap();
    assert_eq!(items[0]["actor_kind"], "api_client");
    assert_eq!(items[1]["old_status"], "waitlisted");
    assert_eq!(items[1]["new_status"], "confirmed");
    assert_eq!(items[1]["actor_kind"], "api_client", "the cancelling partner set off the promotion");
    assert_eq!(items[2]["actor_kind"], "user");
    assert!(!history.text.contains("Amina"));
}
