//! Email by the server (issue 19, item 6): with SMTP_URL set, the items of people who left
//! an email and agreed to be contacted are sent by the server, in their language, through a
//! real SMTP dialogue with a receiver on loopback, and marked done (`sent`) or, when
//! refused for good or out of retries, failed (`undeliverable`); nobody else gets anything.
//!
//! Most tests run the sweep themselves, on a server started without SMTP_URL, so that the
//! test's sweep is the only one (the sweep is what every process runs; its loop is shown by
//! `the_server_emails_by_itself_when_smtp_url_is_set`).

use chrono::{DateTime, Utc};
use diesel_async::RunQueryDsl;
use hybrid_events::config::Smtp;
use hybrid_events::email::{Mailer, Round};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::receiver::eventually;
use crate::smtp_receiver::SmtpReceiver;

const FROM: &str = "Soria roundtables <events@example.org>";

fn mailer(receiver: &SmtpReceiver) -> Mailer {
    Mailer::new(&Smtp { url: receiver.url(), from: FROM.parse().unwrap() }).unwrap()
}

/// A person who left `email` and agreed to be contacted, speaking `language`.
fn writable(email: &str, language: &str) -> Value {
    let mut body = participant("onsite", false);
    body["participant"]["email"] = json!(email);
    body["participant"]["preferred_language"] = json!(language);
    body["consent"]["contact"] = json!(true);
    body
}

fn unique_email(name: &str) -> String {
    format!("{name}.{}@example.org", Uuid::new_v4().simple())
}

async fn item_of(app: &TestApp, token: &str, registration: &Value) -> Value {
    let list = app.get("/api/v1/outreach", Some(token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let items: Vec<Value> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["registration_id"] == registration["id"])
        .cloned()
        .collect();
    assert_eq!(items.len(), 1, "{items:?}");
    items[0].clone()
}

async fn item(app: &TestApp, token: &str, id: &Value) -> Value {
    let item = app.get(&format!("/api/v1/outreach/{}", id.as_str().unwrap()), Some(token)).await;
    assert_eq!(item.status, 200, "{}", item.text);
    item.body
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap_or_else(|| panic!("a time: {value}")).parse().unwrap()
}

#[actix_web::test]
async fn a_person_who_left_an_email_and_agreed_to_be_contacted_is_emailed_in_their_language() {
    let app = spawn_app().await;
    let mut receiver = SmtpReceiver::start().await;
    let (org, _organiser, event) = published_event(&app, json!({"contact_phone": "+34 975 000 000"})).await;
    let partner = app.partner_of(org).await;
    let spanish_address = unique_email("lucia");
    let spanish = registered(&app, &partner, event, writable(&spanish_address, "es")).await;
    let arabic_address = unique_email("amina");
    let arabic = registered(&app, &partner, event, writable(&arabic_address, "ar")).await;
    let before = item_of(&app, &partner, &spanish).await;
    assert_eq!(before["channel"], "email");
    assert_eq!(before["status"], "open");
    assert_eq!(before["sent_by_server_at"], Value::Null);

    let round = mailer(&receiver).sweep(&app.pool).await.unwrap();
    assert_eq!(round, Round { sent: 2, deferred: 0, undeliverable: 0 });

    let mails = receiver.drain();
    assert_eq!(mails.len(), 2);
    let to =
        |address: &str| mails.iter().find(|m| m.rcpt_to == [address.to_owned()]).expect("a mail to them");
    let mail = to(&spanish_address);
    assert_eq!(mail.mail_from, "events@example.org");
    assert_eq!(mail.header("To").as_deref(), Some(spanish_address.as_str()));
    assert_eq!(mail.header("From").as_deref(), Some("\"Soria roundtables\" <events@example.org>"));
    assert_eq!(mail.header("Subject").unwrap(), before["message"]["subject"].as_str().unwrap());
    assert_eq!(mail.header("Subject").unwrap(), "Tu plaza en Third regional roundtable");
    assert_eq!(mail.body(), before["message"]["text"].as_str().unwrap(), "the words partners read");
    assert!(mail.body().contains("está confirmada"), "{}", mail.body());
    assert_eq!(mail.header("Content-Language").as_deref(), Some("es"));
    assert_eq!(mail.header("Auto-Submitted").as_deref(), Some("auto-generated"));
    let id = before["id"].as_str().unwrap();
    assert_eq!(mail.header("Message-ID"), Some(format!("<{id}@example.org>")), "the item names the message");
    let mail = to(&arabic_address);
    assert_eq!(mail.header("Content-Language").as_deref(), Some("ar"));
    assert_eq!(mail.body(), item_of(&app, &partner, &arabic).await["message"]["text"].as_str().unwrap());
    assert!(mail.body().chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "{}", mail.body());

    let after = item(&app, &partner, &before["id"]).await;
    assert_eq!(after["status"], "done");
    assert_eq!(after["result"], "sent");
    assert_eq!(after["attempts"], 1);
    assert_eq!(after["next_attempt_at"], Value::Null);
    let sent = at(&after["sent_by_server_at"]);
    assert_eq!(after["resolved_at"], after["sent_by_server_at"]);
    assert!((Utc::now() - sent).num_seconds().abs() < 60, "{sent}");

    // Sent is sent: another round sends nothing.
    assert_eq!(mailer(&receiver).sweep(&app.pool).await.unwrap(), Round::default());
    assert!(receiver.drain().is_empty());
    assert_eq!(receiver.tries().len(), 2);
}

#[actix_web::test]
async fn nobody_is_emailed_without_consent_to_contact_or_an_email_and_a_withdrawal_counts_at_once() {
    let app = spawn_app().await;
    let mut receiver = SmtpReceiver::start().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let mut no_consent = writable(&unique_email("karim"), "fr");
    no_consent["consent"]["contact"] = json!(false);
    let no_consent = registered(&app, &partner, event, no_consent).await;
    let mut no_email = writable("", "fr");
    no_email["participant"]["email"] = Value::Null;
    let no_email = registered(&app, &partner, event, no_email).await;
    let withdrawn = registered(&app, &partner, event, writable(&unique_email("nadia"), "fr")).await;
    assert_eq!(item_of(&app, &partner, &withdrawn).await["channel"], "email");
    let path = format!("/api/v1/registrations/{}", withdrawn["id"].as_str().unwrap());
    let withdrawal = app.patch(&path, Some(&partner), json!({"consents": {"contact": false}})).await;
    assert_eq!(withdrawal.status, 200, "{}", withdrawal.text);

    assert_eq!(mailer(&receiver).sweep(&app.pool).await.unwrap(), Round::default());
    assert!(receiver.drain().is_empty());
    assert_eq!(receiver.tries(), Vec::new(), "not even tried");
    for (person, channel) in [(&no_consent, "in_person"), (&no_email, "sms"), (&withdrawn, "in_person")] {
        let item = item_of(&app, &partner, person).await;
        assert_eq!(item["channel"], channel);
        assert_eq!(item["status"], "open", "still the partner's: {item}");
        assert_eq!(item["attempts"], 0);
        assert_eq!(item["sent_by_server_at"], Value::Null);
    }
}

#[actix_web::test]
async fn a_temporary_refusal_is_tried_again_later_and_counted() {
    let app = spawn_app().await;
    let mut receiver = SmtpReceiver::start().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let address = unique_email("omar");
    let person = registered(&app, &partner, event, writable(&address, "en")).await;
    let id = item_of(&app, &partner, &person).await["id"].clone();

    receiver.answer_next(451);
    let round = mailer(&receiver).sweep(&app.pool).await.unwrap();
    assert_eq!(round, Round { sent: 0, deferred: 1, undeliverable: 0 });
    assert!(receiver.drain().is_empty());
    let deferred = item(&app, &partner, &id).await;
    assert_eq!(deferred["status"], "open");
    assert_eq!(deferred["result"], Value::Null);
    assert_eq!(deferred["attempts"], 1, "the try counts");
    let retry = at(&deferred["next_attempt_at"]);
    let wait = (retry - Utc::now()).num_seconds();
    assert!((30..=60).contains(&wait), "a minute's backoff: {wait} s");

    // Not before its time.
    assert_eq!(mailer(&receiver).sweep(&app.pool).await.unwrap(), Round::default());
    assert_eq!(receiver.tries().len(), 1);

    // Its time comes.
    diesel::sql_query("UPDATE outreach_items SET next_attempt_at = now() - interval '1 second'")
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    let round = mailer(&receiver).sweep(&app.pool).await.unwrap();
    assert_eq!(round, Round { sent: 1, deferred: 0, undeliverable: 0 });
    assert_eq!(receiver.next().await.rcpt_to, [address]);
    let sent = item(&app, &partner, &id).await;
    assert_eq!(sent["status"], "done");
    assert_eq!(sent["result"], "sent");
    assert_eq!(sent["attempts"], 2);
    assert_eq!(sent["next_attempt_at"], Value::Null);
}

#[actix_web::test]
async fn a_permanent_refusal_fails_the_item_at_once() {
    let app = spawn_app().await;
    let mut receiver = SmtpReceiver::start().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let person = registered(&app, &partner, event, writable(&unique_email("samir"), "en")).await;
    let id = item_of(&app, &partner, &person).await["id"].clone();

    receiver.answer_next(550);
    let round = mailer(&receiver).sweep(&app.pool).await.unwrap();
    assert_eq!(round, Round { sent: 0, deferred: 0, undeliverable: 1 });
    let failed = item(&app, &partner, &id).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["result"], "undeliverable");
    assert_eq!(failed["attempts"], 1);
    assert_eq!(failed["sent_by_server_at"], Value::Null);
    assert_eq!(failed["next_attempt_at"], Value::Null);
    assert!(failed["resolved_at"].is_string());

    assert_eq!(mailer(&receiver).sweep(&app.pool).await.unwrap(), Round::default());
    assert_eq!(receiver.tries().len(), 1, "never tried again");
    assert!(receiver.drain().is_empty());
    // Closed: a partner's report is refused as for any closed item.
    let report = app
        .post(
            &format!("/api/v1/outreach/{}/result", id.as_str().unwrap()),
            Some(&partner),
            json!({"result": "reached"}),
        )
        .await;
    report.assert_problem(409, "outreach_closed");
}

#[actix_web::test]
async fn two_sweeps_at_once_send_each_message_once() {
    let app = spawn_app().await;
    let mut receiver = SmtpReceiver::start().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let mut addresses = Vec::new();
    for n in 0..6 {
        let address = unique_email(&format!("person{n}"));
        registered(&app, &partner, event, writable(&address, "es")).await;
        addresses.push(address);
    }

    let (one, two) = (mailer(&receiver), mailer(&receiver));
    let (first, second) = tokio::join!(one.sweep(&app.pool), two.sweep(&app.pool));
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.sent + second.sent, 6, "{first:?} {second:?}");

    let mails = receiver.drain();
    let mut received: Vec<String> = mails.iter().flat_map(|m| m.rcpt_to.clone()).collect();
    received.sort();
    addresses.sort();
    assert_eq!(received, addresses, "each person once");
    let mut ids: Vec<String> = mails.iter().map(|m| m.header("Message-ID").unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6);
    assert_eq!(receiver.tries().len(), 6, "no second try of any");
}

#[actix_web::test]
async fn a_mail_server_that_does_not_answer_costs_no_attempt() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let person = registered(&app, &partner, event, writable(&unique_email("yusuf"), "en")).await;
    // A port nobody listens on any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mailer =
        Mailer::new(&Smtp { url: format!("smtp://127.0.0.1:{closed}"), from: FROM.parse().unwrap() })
            .unwrap();

    let error = mailer.sweep(&app.pool).await.unwrap_err().to_string();
    assert!(error.contains("no connection"), "{error}");
    let item = item_of(&app, &partner, &person).await;
    assert_eq!(item["status"], "open");
    assert_eq!(item["attempts"], 0);
    assert_eq!(item["next_attempt_at"], Value::Null, "given back, due at the next round");
}

#[actix_web::test]
async fn the_server_emails_by_itself_when_smtp_url_is_set() {
    let mut receiver = SmtpReceiver::start().await;
    let url = receiver.url();
    let app = spawn_app_with(|settings| {
        settings.smtp_url = Some(url);
        settings.smtp_from = Some(FROM.to_owned());
        settings.email_sweep_seconds = 1;
    })
    .await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let address = unique_email("hana");
    let person = registered(&app, &partner, event, writable(&address, "fr")).await;

    let mail = receiver.next().await;
    assert_eq!(mail.rcpt_to, [address]);
    assert_eq!(mail.header("Content-Language").as_deref(), Some("fr"));
    let id = item_of(&app, &partner, &person).await["id"].clone();
    let done = eventually("the item to be marked sent", || async {
        let item = item(&app, &partner, &id).await;
        (item["status"] != "open").then_some(item)
    })
    .await;
    assert_eq!(done["result"], "sent");
}

#[actix_web::test]
async fn without_smtp_url_the_server_sends_nothing_and_items_stay_with_the_partners() {
    let app = spawn_app().await;
    assert!(app.settings.smtp_url.is_none());
    assert!(Mailer::from_settings(&app.settings).unwrap().is_none(), "no mail client, no loop");
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let person = registered(&app, &partner, event, writable(&unique_email("lina"), "es")).await;
    let item = item_of(&app, &partner, &person).await;
    assert_eq!(item["channel"], "email", "the partner emails them, as before");
    assert_eq!(item["status"], "open");
    assert_eq!(item["sent_by_server_at"], Value::Null);
    assert_eq!(item["next_attempt_at"], Value::Null);
}
