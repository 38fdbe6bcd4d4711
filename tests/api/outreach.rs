//! Reaching the participant (issue 19): every change that matters to a person makes an
//! outreach item, in the change's transaction, for the partner that can reach them; the
//! message is in their language and says what, when, where and whom to call; a person who
//! declines gives their seat to the next.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::receiver::Receiver;
use crate::webhook_delivery::{fast, subscribe};

/// A person reachable by phone, who agreed to be contacted, speaking `language`.
fn reachable(mode: &str, language: &str) -> Value {
    let mut body = participant(mode, false);
    body["participant"]["preferred_language"] = json!(language);
    body["consent"]["contact"] = json!(true);
    body
}

async fn open_items(app: &TestApp, token: &str, event: Uuid) -> Vec<Value> {
    let list = app.get(&format!("/api/v1/outreach?status=open&event_id={event}"), Some(token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.body["items"].as_array().unwrap().clone()
}

fn of(items: &[Value], registration: &Value) -> Vec<Value> {
    items.iter().filter(|item| item["registration_id"] == registration["id"]).cloned().collect()
}

async fn report(app: &TestApp, token: &str, item: &Value, body: Value) -> crate::helpers::Resp {
    app.post(&format!("/api/v1/outreach/{}/result", item["id"].as_str().unwrap()), Some(token), body).await
}

#[actix_web::test]
async fn a_registration_makes_an_item_in_the_persons_language_saying_when_where_and_whom_to_call() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"contact_phone": "+34 975 000 000", "starts_at": "2031-05-12T10:00:00+02:00",
               "ends_at": "2031-05-12T13:00:00+02:00"}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let other_partner = app.partner_of(org).await;
    let spanish = registered(&app, &partner, event, reachable("onsite", "es")).await;
    let arabic = registered(&app, &partner, event, reachable("online", "ar-SY")).await;
    let tigrinya = registered(&app, &organiser, event, reachable("onsite", "ti")).await;

    let items = open_items(&app, &partner, event).await;
    assert_eq!(items.len(), 2, "a partner sees the items of the people it registered: {items:?}");
    let item = &of(&items, &spanish)[0];
    assert_eq!(item["kind"], "confirmed");
    assert_eq!(item["status"], "open");
    assert_eq!(item["language"], "es");
    assert_eq!(item["channel"], "sms", "a phone and consent, and nothing to discuss: a text");
    assert_eq!(item["assigned_to"], "partner");
    assert_eq!(item["message"]["subject"], "Tu plaza en Third regional roundtable");
    assert_eq!(
        item["message"]["text"],
        "Tu plaza en Third regional roundtable está confirmada: lunes 12 de mayo de 2031, a las 10:00.\n\
         Dónde: CEPAIM Soria, Calle Example 1.\n\
         ¿Dudas? Llama al +34 975 000 000."
    );
    let item = &of(&items, &arabic)[0];
    assert_eq!(item["language"], "ar");
    assert_eq!(item["message"]["direction"], "rtl");
    let text = item["message"]["text"].as_str().unwrap();
    assert!(text.contains("عبر الإنترنت"), "online: the link comes from the partner: {text}");
    assert!(!text.contains("meet.example.org"), "the join link is the partner's to send: {text}");

    // The organisers see every item of their events, and their own people are theirs.
    let all = open_items(&app, &organiser, event).await;
    assert_eq!(all.len(), 3);
    let own = &of(&all, &tigrinya)[0];
    assert_eq!(own["assigned_to"], "organisers");
    assert_eq!(own["partner_id"], Value::Null);
    assert_eq!(own["language"], "es", "no messages in Tigrinya: the event's language");
    assert_eq!(open_items(&app, &other_partner, event).await, Vec::<Value>::new());
    let stranger = app.organiser_of(app.organisation("IOM Spain").await).await;
    assert_eq!(open_items(&app, &stranger, event).await, Vec::<Value>::new());
    let one = app.get(&format!("/api/v1/outreach/{}", own["id"].as_str().unwrap()), Some(&stranger)).await;
    one.assert_problem(404, "not_found");
    let one = app.get(&format!("/api/v1/outreach/{}", own["id"].as_str().unwrap()), Some(&organiser)).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body["id"], own["id"]);
}

#[actix_web::test]
async fn without_consent_to_contact_only_the_partner_in_person() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let mut body = participant("onsite", false);
    body["participant"]["email"] = json!("amina@example.org");
    let person = registered(&app, &partner, event, body).await;
    let items = open_items(&app, &partner, event).await;
    assert_eq!(of(&items, &person)[0]["channel"], "in_person");
}

#[actix_web::test]
async fn a_freed_seat_is_told_and_a_declined_one_goes_to_the_next_person() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let seated = registered(&app, &partner, event, reachable("onsite", "fr")).await;
    let first = registered(&app, &partner, event, reachable("onsite", "fr")).await;
    let second = registered(&app, &partner, event, reachable("onsite", "es")).await;
    assert_eq!(first["status"], "waitlisted");
    let waiting = &of(&open_items(&app, &partner, event).await, &first)[0];
    assert_eq!(waiting["kind"], "waitlisted");

    // The partner cancels for the person, who knows: nobody is told that; the next is.
    let cancelled = app
        .post(
            &format!("/api/v1/registrations/{}/cancel", seated["id"].as_str().unwrap()),
            Some(&partner),
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    let items = open_items(&app, &partner, event).await;
    assert!(of(&items, &seated).is_empty(), "{items:?}");
    let told = app.get(&format!("/api/v1/outreach?event_id={event}&kind=confirmed"), Some(&partner)).await;
    assert_eq!(told.body["items"][0]["registration_id"], seated["id"]);
    assert_eq!(told.body["items"][0]["status"], "done");
    assert_eq!(told.body["items"][0]["result"], "cancelled", "nothing is left to tell them");
    let promoted = of(&items, &first);
    assert_eq!(promoted.len(), 1, "one open item per person: {promoted:?}");
    assert_eq!(promoted[0]["kind"], "promoted");
    assert_eq!(promoted[0]["channel"], "phone", "a seat given is talked about");
    assert!(promoted[0]["message"]["text"].as_str().unwrap().starts_with("Une place s’est libérée"));
    let old = app.get(&format!("/api/v1/outreach/{}", waiting["id"].as_str().unwrap()), Some(&partner)).await;
    assert_eq!(old.body["status"], "done");
    assert_eq!(old.body["result"], "superseded");

    // Declining cancels the registration and gives the seat to the next, in one go.
    let declined =
        report(&app, &partner, &promoted[0], json!({"result": "declined", "note": "Works that day."})).await;
    assert_eq!(declined.status, 200, "{}", declined.text);
    assert_eq!(declined.body["status"], "done");
    assert_eq!(declined.body["result"], "declined");
    assert_eq!(declined.body["note"], "Works that day.");
    assert_eq!(declined.body["attempts"], 1);
    let first_now =
        app.get(&format!("/api/v1/registrations/{}", first["id"].as_str().unwrap()), Some(&partner)).await;
    assert_eq!(first_now.body["status"], "cancelled");
    let second_now =
        app.get(&format!("/api/v1/registrations/{}", second["id"].as_str().unwrap()), Some(&partner)).await;
    assert_eq!(second_now.body["status"], "confirmed");
    let items = open_items(&app, &partner, event).await;
    assert!(of(&items, &first).is_empty(), "the partner cancelled for the person: {items:?}");
    assert_eq!(of(&items, &second)[0]["kind"], "promoted");

    // A closed item takes no more results, and nothing changes.
    let again = report(&app, &partner, &promoted[0], json!({"result": "reached"})).await;
    again.assert_problem(409, "outreach_closed");
    let still =
        app.get(&format!("/api/v1/outreach/{}", promoted[0]["id"].as_str().unwrap()), Some(&partner)).await;
    assert_eq!(still.body["result"], "declined");
}

#[actix_web::test]
async fn no_answer_keeps_it_open_and_erasure_takes_the_note_and_closes_it() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let person = registered(&app, &partner, event, reachable("onsite", "es")).await;
    let item = of(&open_items(&app, &partner, event).await, &person)[0].clone();

    let tried =
        report(&app, &partner, &item, json!({"result": "no_answer", "note": "Try after 18:00."})).await;
    assert_eq!(tried.status, 200, "{}", tried.text);
    assert_eq!(tried.body["status"], "open");
    assert_eq!(tried.body["result"], "no_answer");
    assert_eq!(tried.body["attempts"], 1);
    assert_eq!(tried.body["resolved_at"], Value::Null);

    let erased = app
        .delete(
            &format!("/api/v1/registrations/{}/personal-data", person["id"].as_str().unwrap()),
            Some(&organiser),
        )
        .await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    let after = app.get(&format!("/api/v1/outreach/{}", item["id"].as_str().unwrap()), Some(&partner)).await;
    assert_eq!(after.body["status"], "failed");
    assert_eq!(after.body["result"], "erased");
    assert_eq!(after.body["note"], Value::Null, "the partner's note was personal data");
    assert_eq!(open_items(&app, &partner, event).await, Vec::<Value>::new());
}

#[actix_web::test]
async fn bad_results_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let other_partner = app.partner_of(org).await;
    let person = registered(&app, &partner, event, reachable("onsite", "es")).await;
    let item = of(&open_items(&app, &partner, event).await, &person)[0].clone();

    report(&app, &partner, &item, json!({"result": "maybe"})).await.assert_problem(422, "validation_failed");
    report(&app, &partner, &item, json!({"result": "superseded"}))
        .await
        .assert_problem(422, "validation_failed");
    report(&app, &partner, &item, json!({"result": "reached", "note": "a\u{0007}b"}))
        .await
        .assert_problem(422, "invalid_characters");
    report(&app, &partner, &item, json!({"result": "reached", "note": "x".repeat(1001)}))
        .await
        .assert_problem(422, "validation_failed");
    report(&app, &other_partner, &item, json!({"result": "declined"})).await.assert_problem(404, "not_found");
    let unknown = json!({"id": Uuid::now_v7()});
    report(&app, &partner, &unknown, json!({"result": "reached"})).await.assert_problem(404, "not_found");
    app.get("/api/v1/outreach?status=closed", Some(&partner)).await.assert_problem(422, "validation_failed");

    let unchanged =
        app.get(&format!("/api/v1/outreach/{}", item["id"].as_str().unwrap()), Some(&partner)).await;
    assert_eq!(unchanged.body["status"], "open");
    assert_eq!(unchanged.body["attempts"], 0);
    let registration =
        app.get(&format!("/api/v1/registrations/{}", person["id"].as_str().unwrap()), Some(&partner)).await;
    assert_eq!(registration.body["status"], "confirmed");
}

#[actix_web::test]
async fn a_moved_event_tells_everyone_waiting_or_seated_and_a_new_address_only_those_going_there() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": {"capacity": 1}, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let onsite = registered(&app, &partner, event, reachable("onsite", "en")).await;
    let online = registered(&app, &partner, event, reachable("online", "en")).await;
    let waiting = registered(&app, &partner, event, reachable("online", "en")).await;
    assert_eq!(waiting["status"], "waitlisted");
    let gone = registered(&app, &partner, event, reachable("onsite", "en")).await;
    let cancelled = app
        .post(
            &format!("/api/v1/registrations/{}/cancel", gone["id"].as_str().unwrap()),
            Some(&partner),
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200);

    let event_now = app.get(&format!("/api/v1/events/{event}"), Some(&organiser)).await;
    let starts: chrono::DateTime<chrono::Utc> =
        event_now.body["starts_at"].as_str().unwrap().parse().unwrap();
    let later = starts + chrono::Duration::days(1);
    let moved = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&organiser),
            json!({"starts_at": later.to_rfc3339(), "ends_at": (later + chrono::Duration::hours(3)).to_rfc3339()}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let items = open_items(&app, &partner, event).await;
    for person in [&onsite, &online, &waiting] {
        let told = of(&items, person);
        assert_eq!(told.len(), 1, "{items:?}");
        assert_eq!(told[0]["kind"], "event_changed");
        assert!(told[0]["message"]["text"].as_str().unwrap().contains("It was planned for"), "{}", told[0]);
    }
    assert!(of(&items, &gone).is_empty(), "a cancelled registration hears nothing more");

    let readdressed = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&organiser),
            json!({"onsite": {"address": "Plaza Mayor 1"}}),
        )
        .await;
    assert_eq!(readdressed.status, 200, "{}", readdressed.text);
    let items = open_items(&app, &partner, event).await;
    let at_venue = of(&items, &onsite);
    assert_eq!(at_venue.len(), 1);
    assert!(at_venue[0]["message"]["text"].as_str().unwrap().contains("Where: CEPAIM Soria, Plaza Mayor 1."));
    let before: Vec<_> = of(&items, &online).iter().map(|i| i["id"].clone()).collect();
    assert_eq!(before.len(), 1, "online people keep the item of the move, not one of the address");

    let retitled = app
        .patch(&format!("/api/v1/events/{event}"), Some(&organiser), json!({"title": "Fourth roundtable"}))
        .await;
    assert_eq!(retitled.status, 200);
    assert_eq!(open_items(&app, &partner, event).await.len(), 3, "a new title tells nobody anything new");

    let called_off = app.post(&format!("/api/v1/events/{event}/cancel"), Some(&organiser), json!({})).await;
    assert_eq!(called_off.status, 200, "{}", called_off.text);
    let items = open_items(&app, &partner, event).await;
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|item| item["kind"] == "event_cancelled"), "{items:?}");
}

#[actix_web::test]
async fn each_item_is_announced_to_the_partners_receiver() {
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::start().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let hook = subscribe(&app, &partner, &receiver.url("/outreach"), json!(["outreach.created"])).await;

    let person = registered(&app, &partner, event, reachable("onsite", "es")).await;
    let post = receiver.next().await;
    assert!(post.signature_is_valid(&hook.secret));
    let body = post.json();
    assert_eq!(body["type"], "outreach.created");
    assert_eq!(body["registration_id"], person["id"]);
    assert_eq!(body["data"]["kind"], "confirmed");
    let item = &of(&open_items(&app, &partner, event).await, &person)[0];
    assert_eq!(body["data"]["outreach_id"], item["id"]);
    assert_eq!(body["id"], item["id"], "the message's id is the item's");
    assert!(!post.body.windows(5).any(|w| w == b"Amina"), "no personal data in a payload");

    // An item made by a later change (here a cancellation by the organisers) is announced
    // the same way.
    let organiser = app.organiser_of(org).await;
    let cancelled = app
        .post(
            &format!("/api/v1/registrations/{}/cancel", person["id"].as_str().unwrap()),
            Some(&organiser),
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200);
    let post = receiver.next().await;
    assert_eq!(post.json()["data"]["kind"], "registration_cancelled");
}

/// Registers `body` and makes the registration look `days` old: reminders are for people who
/// registered before the reminder's time, and a test cannot wait two days.
async fn registered_days_ago(app: &TestApp, token: &str, event: Uuid, body: Value, days: i32) -> Value {
    use diesel_async::RunQueryDsl;
    let registration = registered(app, token, event, body).await;
    let id: Uuid = registration["id"].as_str().unwrap().parse().unwrap();
    diesel::sql_query(
        "UPDATE registrations SET created_at = now() - make_interval(days => $2) WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Integer, _>(days)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
    registration
}

#[actix_web::test]
async fn the_latest_reminder_due_reaches_confirmed_people_once_whichever_process_makes_it() {
    let app = spawn_app_with(|settings| {
        fast(settings);
        settings.reminder_sweep_seconds = 1;
    })
    .await;
    let mut receiver = Receiver::start().await;
    let starts = chrono::Utc::now() + chrono::Duration::hours(2);
    let (org, _organiser, event) = published_event(
        &app,
        json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(),
               "contact_phone": "+34 975 000 000", "online": null,
               "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let seated = registered_days_ago(&app, &partner, event, reachable("onsite", "en"), 3).await;
    let waiting = registered_days_ago(&app, &partner, event, reachable("onsite", "en"), 3).await;
    assert_eq!(waiting["status"], "waitlisted");
    subscribe(&app, &partner, &receiver.url("/outreach"), json!(["outreach.created"])).await;

    // The job of this server makes it within a second.
    let post = receiver.next().await;
    let body = post.json();
    assert_eq!(body["data"]["kind"], "reminder");
    assert_eq!(body["registration_id"], seated["id"]);
    let reminders =
        app.get(&format!("/api/v1/outreach?event_id={event}&kind=reminder"), Some(&partner)).await.body
            ["items"]
            .as_array()
            .unwrap()
            .clone();
    assert_eq!(reminders.len(), 1, "the 3-hour one only, and nothing for the waitlist: {reminders:?}");
    let reminder = &reminders[0];
    assert_eq!(reminder["id"], body["data"]["outreach_id"]);
    assert_eq!(reminder["channel"], "sms");
    let due: chrono::DateTime<chrono::Utc> = reminder["due_at"].as_str().unwrap().parse().unwrap();
    assert!((due - (starts - chrono::Duration::hours(3))).num_seconds().abs() <= 1, "{due}");
    let text = reminder["message"]["text"].as_str().unwrap();
    assert!(text.starts_with("Reminder: Third regional roundtable is "), "{text}");
    assert!(text.ends_with("Questions? Call +34 975 000 000."), "{text}");

    // Two more processes sweeping at the same moment make nothing more.
    let (one, two) =
        tokio::join!(hybrid_events::reminders::sweep(&app.pool), hybrid_events::reminders::sweep(&app.pool));
    assert_eq!((one.unwrap(), two.unwrap()), (0, 0));
    let again = app.get(&format!("/api/v1/outreach?event_id={event}&kind=reminder"), Some(&partner)).await;
    assert_eq!(again.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn reminders_made_by_racing_processes_are_made_once_each() {
    // No job in the server after its first round: the test's own sweeps are the processes.
    let app = spawn_app_with(|settings| settings.reminder_sweep_seconds = 3600).await;
    let starts = chrono::Utc::now() + chrono::Duration::hours(20);
    let (org, _organiser, event) = published_event(
        &app,
        json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(),
               "reminders_hours_before": [24]}),
    )
    .await;
    let partner = app.partner_of(org).await;
    for _ in 0..6 {
        registered_days_ago(&app, &partner, event, reachable("online", "es"), 2).await;
    }
    let fresh = registered(&app, &partner, event, reachable("online", "es")).await;
    let sweeps =
        futures_util::future::join_all((0..4).map(|_| hybrid_events::reminders::sweep(&app.pool))).await;
    let made: usize = sweeps.into_iter().map(Result::unwrap).sum();
    let listed =
        app.get(&format!("/api/v1/outreach?event_id={event}&kind=reminder&limit=200"), Some(&partner)).await;
    let reminders = listed.body["items"].as_array().unwrap();
    assert_eq!(reminders.len(), 6, "one each for those registered before the reminder's time");
    assert!(made <= 6, "{made} made by the sweeps, the server's first round aside");
    assert!(reminders.iter().all(|r| r["registration_id"] != fresh["id"]));
    assert_eq!(hybrid_events::reminders::sweep(&app.pool).await.unwrap(), 0);
}

#[actix_web::test]
async fn an_events_reminders_and_contact_phone_are_checked_and_read_back() {
    let app = spawn_app().await;
    let (_org, organiser, event) = published_event(&app, json!({})).await;
    let read = app.get(&format!("/api/v1/events/{event}"), Some(&organiser)).await;
    assert_eq!(read.body["reminders_hours_before"], json!([48, 3]), "the default");
    assert_eq!(read.body["contact_phone"], Value::Null);
    let changed = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&organiser),
            json!({"reminders_hours_before": [2, 24], "contact_phone": " +34 975 000 000 "}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["reminders_hours_before"], json!([24, 2]), "latest first");
    assert_eq!(changed.body["contact_phone"], "+34 975 000 000");
    for (body, field) in [
        (json!({"reminders_hours_before": [0]}), "reminders_hours_before"),
        (json!({"reminders_hours_before": [3, 3]}), "reminders_hours_before"),
        (json!({"reminders_hours_before": [1, 2, 3, 4, 5, 6]}), "reminders_hours_before"),
        (json!({"contact_phone": "call me"}), "contact_phone"),
    ] {
        let refused = app.patch(&format!("/api/v1/events/{event}"), Some(&organiser), body.clone()).await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.text);
        assert!(refused.field_errors().iter().any(|(f, _)| f == field), "{body}: {}", refused.text);
    }
    let unchanged = app.get(&format!("/api/v1/events/{event}"), Some(&organiser)).await;
    assert_eq!(unchanged.body["reminders_hours_before"], json!([24, 2]));
}

async fn card(app: &TestApp, token: &str, registration: &Value, accept: &str) -> crate::helpers::Resp {
    let path = format!("/api/v1/registrations/{}/card", registration["id"].as_str().unwrap());
    let response =
        app.client.get(app.url(&path)).bearer_auth(token).header("accept", accept).send().await.unwrap();
    crate::helpers::read(response).await
}

#[actix_web::test]
async fn the_card_is_a_text_message_or_a_printable_page_in_the_persons_language_without_their_name() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(
        &app,
        json!({"contact_phone": "+34 975 000 000", "starts_at": "2031-05-12T10:00:00+02:00",
               "ends_at": "2031-05-12T13:00:00+02:00", "title": "Mesa <redonda> & foro"}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let spanish = registered(&app, &partner, event, reachable("onsite", "es")).await;

    let text = card(&app, &partner, &spanish, "text/plain").await;
    assert_eq!(text.status, 200, "{}", text.text);
    assert_eq!(text.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(text.header("vary").is_some_and(|vary| vary.starts_with("Accept")), "{:?}", text.header("vary"));
    let lines: Vec<&str> = text.text.lines().collect();
    assert_eq!(lines[0], "Mesa <redonda> & foro: tienes plaza, lunes 12 de mayo de 2031, a las 10:00.");
    assert_eq!(lines[1], "Dónde: CEPAIM Soria, Calle Example 1.");
    assert_eq!(lines[2], "¿Dudas? Llama al +34 975 000 000.");
    let code = lines[3].strip_prefix("Tu código: ").expect("the code comes last");
    assert_eq!(code.len(), 9);
    assert!(!text.text.contains("Amina"), "a card may be handed on: no name");

    let arabic = registered(&app, &partner, event, reachable("online", "ar")).await;
    let page = card(&app, &partner, &arabic, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.text.contains(r#"<html lang="ar" dir="rtl">"#), "{}", page.text);
    assert!(page.text.contains("size: A6"));
    assert!(page.text.contains("Mesa &lt;redonda&gt; &amp; foro"), "escaped: {}", page.text);
    assert!(!page.text.contains("<redonda>"));
    assert!(!page.text.contains("Amina"));
    assert!(!page.text.contains("meet.example.org"), "the join link is the partner's to send");

    let other = app.partner_of(org).await;
    card(&app, &other, &spanish, "text/plain").await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_card_fits_a_text_message_whatever_the_length_of_the_title_and_the_address() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(
        &app,
        json!({"title": "T".repeat(200), "contact_phone": "+34 975 000 000",
               "onsite": {"venue_name": "V".repeat(200), "address": "A".repeat(500), "capacity": 10}}),
    )
    .await;
    let partner = app.partner_of(org).await;
    for language in ["es", "en", "fr", "ar"] {
        let person = registered(&app, &partner, event, reachable("onsite", language)).await;
        let text = card(&app, &partner, &person, "text/plain").await;
        assert_eq!(text.status, 200);
        assert!(text.text.chars().count() <= 320, "{language}: {} characters", text.text.chars().count());
        assert!(text.text.contains("+34 975 000 000"), "{language}: whom to call stays: {}", text.text);
        let last = text.text.lines().last().unwrap();
        assert!(
            last.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 8,
            "{language}: the code stays"
        );
    }
}

#[actix_web::test]
async fn an_event_reads_in_the_readers_language_and_messages_in_the_persons() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"translations": {"ar": {"title": "الطاولة المستديرة", "description": "نقاش"},
                                "fr-FR": {"title": "Table ronde"}}}),
    )
    .await;
    let get = |accept: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(app.url(&format!("/api/v1/events/{event}")))
                .header("accept-language", accept)
                .send()
                .await
                .unwrap();
            crate::helpers::read(response).await
        }
    };
    let arabic = get("ar-MA, es;q=0.8").await;
    assert_eq!(arabic.status, 200, "{}", arabic.text);
    assert_eq!(arabic.body["title"], "الطاولة المستديرة");
    assert_eq!(arabic.body["description"], "نقاش");
    assert_eq!(arabic.body["language"], "ar");
    assert_eq!(arabic.header("content-language"), Some("ar"));
    assert!(
        arabic.header("vary").is_some_and(|v| v.contains("Accept-Language")),
        "{:?}",
        arabic.header("vary")
    );
    assert_eq!(arabic.body["translations"]["fr-FR"]["title"], "Table ronde", "every translation as written");
    let french = get("de, fr;q=0.5").await;
    assert_eq!(french.body["title"], "Table ronde");
    assert_eq!(french.body["description"], Value::Null, "the translation's, which has none");
    let written = get("de").await;
    assert_eq!(written.body["title"], "Third regional roundtable");
    assert_eq!(written.body["language"], Value::Null);
    assert_eq!(written.header("content-language"), None);
    let list = app
        .client
        .get(app.url(&format!("/api/v1/events?organisation_id={org}")))
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    let list = crate::helpers::read(list).await;
    assert_eq!(list.body["items"][0]["title"], "Table ronde");

    // The message and the card of an Arabic speaker carry the Arabic title.
    let partner = app.partner_of(org).await;
    let person = registered(&app, &partner, event, reachable("onsite", "ar")).await;
    let item = &of(&open_items(&app, &partner, event).await, &person)[0];
    assert!(item["message"]["text"].as_str().unwrap().contains("الطاولة المستديرة"), "{item}");
    let text = card(&app, &partner, &person, "text/plain").await;
    assert!(text.text.contains("الطاولة المستديرة"), "{}", text.text);

    let refused = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&organiser),
            json!({"translations": {"not a tag": {"title": "x"}, "es": {"title": " "}}}),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    let fields: Vec<String> = refused.field_errors().into_iter().map(|(field, _)| field).collect();
    assert!(fields.contains(&"translations.not a tag".to_owned()), "{fields:?}");
    assert!(fields.contains(&"translations.es.title".to_owned()), "{fields:?}");
    let replaced =
        app.patch(&format!("/api/v1/events/{event}"), Some(&organiser), json!({"translations": {}})).await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(replaced.body["translations"], json!({}));
}
