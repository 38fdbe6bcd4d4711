//! Rule 5's answer as an oracle, bounded: a partner learns only the code, a limited number of
//! times an hour, and the organisers see it fishing in the event's history.

use serde_json::{json, Value};

use crate::fixtures::{participant, published_event, register, registered};
use crate::helpers::spawn_app;
use crate::webhook_delivery::caller_id;

const PROBED_EMAIL: &str = "probed.person@example.org";
const PROBED_PHONE: &str = "+34 699 887 766";

fn probed() -> Value {
    let mut body = participant("online", false);
    body["participant"]["email"] = json!(PROBED_EMAIL);
    body["participant"]["phone"] = json!(PROBED_PHONE);
    body
}

/// A problem carries its six members (`instance` names this request, nothing else) and
/// nothing about the registration it collided with.
fn assert_bare_already_registered(response: &crate::helpers::Resp) {
    response.assert_problem(409, "already_registered");
    let mut members: Vec<_> = response.body.as_object().unwrap().keys().cloned().collect();
    members.sort();
    assert_eq!(members, ["code", "detail", "instance", "status", "title", "type"], "{}", response.text);
}

#[actix_web::test]
async fn a_partner_that_did_not_register_the_person_learns_the_code_and_nothing_more() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let creator = app.partner_of(org).await;
    let prober = app.partner_of(org).await;
    let existing = registered(&app, &creator, event, probed()).await;
    let existing_id = existing["id"].as_str().unwrap();

    let probe = register(&app, &prober, event, probed()).await;
    assert_bare_already_registered(&probe);
    assert!(!probe.text.contains(existing_id), "{}", probe.text);
    // The email alone, or the phone alone, answer the same.
    let mut by_phone = participant("onsite", false);
    by_phone["participant"]["phone"] = json!(PROBED_PHONE);
    assert_bare_already_registered(&register(&app, &prober, event, by_phone).await);

    // The partner that registered the person gets what it always got.
    register(&app, &creator, event, probed()).await.assert_problem(409, "already_registered");
    register(&app, &organiser, event, probed()).await.assert_problem(409, "already_registered");

    let tally = super::entries(&app, &organiser, event, "duplicates_refused").await;
    assert_eq!(tally.len(), 1, "one entry for the prober's hour: {tally:?}");
    assert_eq!(tally[0]["actor_id"], caller_id(&app, &prober).await.to_string());
    assert_eq!(tally[0]["actor_kind"], "api_client");
    assert_eq!(tally[0]["changes"], json!([{"field": "duplicates_refused", "from": null, "to": 2}]));
}

#[actix_web::test]
async fn past_twenty_duplicates_in_an_hour_a_partner_is_refused_before_the_duplicate_check() {
    let app = spawn_app().await;
    assert_eq!(app.settings.duplicate_probe_limit_per_hour, 20, "the default");
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let creator = app.partner_of(org).await;
    let prober = app.partner_of(org).await;
    registered(&app, &creator, event, probed()).await;

    for _ in 0..20 {
        assert_bare_already_registered(&register(&app, &prober, event, probed()).await);
    }
    let limited = register(&app, &prober, event, probed()).await;
    limited.assert_problem(429, "too_many_duplicates");
    let wait: u64 = limited.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    // Someone not registered at all is refused alike: 201 against 429 would be the same oracle.
    register(&app, &prober, event, participant("online", false))
        .await
        .assert_problem(429, "too_many_duplicates");

    // Neither reached the duplicate check: the count stayed at 20, and nothing was created.
    let tally = super::entries(&app, &organiser, event, "duplicates_refused").await;
    assert_eq!(tally.len(), 1, "{tally:?}");
    assert_eq!(tally[0]["changes"][0]["to"], 20);
    let listed = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);

    // The limit is the prober's: the partner that registered the person goes on.
    registered(&app, &creator, event, participant("online", false)).await;
    // The history names neither the email nor the phone that were tried.
    let history = serde_json::to_string(&super::event_history(&app, &organiser, event).await).unwrap();
    for probed_value in ["probed.person", "699887766", "699 887 766"] {
        assert!(!history.contains(probed_value), "{history}");
    }
}
