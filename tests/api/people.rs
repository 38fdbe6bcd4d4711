//! People across events, with consent: a registration holding `link_across_events` is linked
//! to the person's other registrations in the organisation (by the partner's reference, the
//! code on their card, their email or their phone) and shows the person's code; without the
//! consent nothing links, and erasure or a withdrawn consent removes the link.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::TestApp;

/// An organisation that asks for `link_across_events`, with an organiser and two published
/// events of one series: (organisation, organiser, first event, second event).
async fn platform(app: &TestApp) -> (Uuid, String, Uuid, Uuid) {
    let (org, organiser, first) = published_event(app, json!({})).await;
    let purpose = app
        .post(
            &format!("/api/v1/organisations/{org}/consent-purposes"),
            Some(&organiser),
            json!({"purpose": "link_across_events",
                   "texts": {"en": "You may recognise me at the platform's next meetings.",
                             "es": "Podéis reconocerme en las próximas reuniones de la plataforma."}}),
        )
        .await;
    assert_eq!(purpose.status, 201, "{}", purpose.text);
    let second = create_event(app, &organiser, roundtable(org)).await;
    publish(app, &organiser, second).await;
    (org, organiser, first, second)
}

/// A person with the given email and phone (either may be null), consenting to be linked or
/// not, with `extra` fields over the body.
fn person(email: Value, phone: Value, linked: bool, extra: Value) -> Value {
    let mut consents = vec![json!({"purpose": "data_processing", "version": 1})];
    if linked {
        consents.push(json!({"purpose": "link_across_events", "version": 1}));
    }
    let mut body = with(
        participant("online", false),
        json!({"consent": null, "consents": consents,
               "participant": {"full_name": "Amina", "email": email, "phone": phone,
                               "preferred_language": "es", "stakeholder_category": "refugee",
                               "organisation_name": null}}),
    );
    body.as_object_mut().unwrap().remove("consent");
    with(body, extra)
}

fn code(registration: &Value) -> &str {
    registration["person_code"].as_str().unwrap_or_else(|| panic!("no person_code in {registration}"))
}

async fn registrations_of(app: &TestApp, token: &str, event: Uuid) -> usize {
    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.body["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn a_person_who_consents_is_recognised_at_the_next_event_by_email_and_gets_one_code() {
    let app = crate::helpers::spawn_app().await;
    let (_, organiser, first, second) = platform(&app).await;
    let at_first =
        registered(&app, &organiser, first, person(json!("Amina@Example.org"), json!(null), true, json!({})))
            .await;
    let at_second = registered(
        &app,
        &organiser,
        second,
        person(json!("amina@example.org "), json!(null), true, json!({})),
    )
    .await;
    let person_code = code(&at_first);
    assert_eq!(person_code, code(&at_second), "the same email, normalised, is the same person");
    assert!(person_code.starts_with("P-") && person_code.len() == 11, "{person_code}");
    let someone_else = registered(
        &app,
        &organiser,
        second,
        person(json!("other@example.org"), json!(null), true, json!({})),
    )
    .await;
    assert_ne!(code(&someone_else), person_code);
    let read = app
        .get(&format!("/api/v1/registrations/{}", at_first["id"].as_str().unwrap()), Some(&organiser))
        .await;
    assert_eq!(read.body["person_code"], person_code, "reads show it too");
}

#[actix_web::test]
async fn without_the_consent_nothing_is_linked_and_a_person_ref_is_refused_without_a_trace() {
    let app = crate::helpers::spawn_app().await;
    let (_, organiser, first, _) = platform(&app).await;
    let unlinked = registered(
        &app,
        &organiser,
        first,
        person(json!("amina@example.org"), json!(null), false, json!({})),
    )
    .await;
    assert!(unlinked["person_code"].is_null(), "{unlinked}");
    let refused = register(
        &app,
        &organiser,
        first,
        person(json!("someone@example.org"), json!(null), false, json!({"person_ref": "client 42"})),
    )
    .await;
    refused.assert_problem(422, "link_consent_required");
    assert_eq!(refused.field_errors(), vec![("person_ref".to_owned(), "link_consent_required".to_owned())]);
    assert_eq!(registrations_of(&app, &organiser, first).await, 1, "nothing was registered");
}

#[actix_web::test]
async fn a_person_without_email_or_phone_is_linked_by_the_code_on_their_card_whoever_registers_them() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, first, second) = platform(&app).await;
    let first_time =
        registered(&app, &organiser, first, person(json!(null), json!(null), true, json!({}))).await;
    let person_code = code(&first_time).to_owned();
    let card = app
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/registrations/{}/card", first_time["id"].as_str().unwrap()),
            Some(&organiser),
            None,
        )
        .await;
    assert_eq!(card.status, 200, "{}", card.text);
    assert!(card.text.contains(&person_code), "the card prints the code: {}", card.text);
    assert!(card.text.chars().count() <= 320, "still one text message: {}", card.text);

    // At the next meeting a volunteer of a trusted NGO types the code from the card, in lower
    // case and without hyphens.
    let ngo = app.organisation(&format!("Accem {}", Uuid::new_v4().simple())).await;
    trust(&app, &organiser, org, ngo).await;
    let volunteer = app.partner_of(ngo).await;
    let typed = person_code.to_lowercase().replace('-', " ");
    let next_time = registered(
        &app,
        &volunteer,
        second,
        person(json!(null), json!(null), true, json!({"person_ref": typed})),
    )
    .await;
    assert_eq!(code(&next_time), person_code);

    let a_new_person =
        registered(&app, &organiser, second, person(json!(null), json!(null), true, json!({}))).await;
    assert_ne!(code(&a_new_person), person_code, "no email, no phone, no code: a new person");
}

#[actix_web::test]
async fn an_unknown_code_is_refused_and_changes_nothing() {
    let app = crate::helpers::spawn_app().await;
    let (_, organiser, first, _) = platform(&app).await;
    let refused = register(
        &app,
        &organiser,
        first,
        person(json!(null), json!(null), true, json!({"person_ref": "P-0000-0000"})),
    )
    .await;
    refused.assert_problem(422, "unknown_person_code");
    assert_eq!(registrations_of(&app, &organiser, first).await, 0);
    let blank = register(
        &app,
        &organiser,
        first,
        person(json!(null), json!(null), true, json!({"person_ref": "  "})),
    )
    .await;
    assert_eq!(blank.status, 422, "{}", blank.text);
    assert_eq!(blank.field_errors(), vec![("person_ref".to_owned(), "invalid_person_ref".to_owned())]);
}

#[actix_web::test]
async fn a_partners_own_reference_links_its_registrations_and_is_its_own_namespace() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, first, second) = platform(&app).await;
    let ngo = app.organisation(&format!("Accem {}", Uuid::new_v4().simple())).await;
    let other_ngo = app.organisation(&format!("Cruz Roja {}", Uuid::new_v4().simple())).await;
    trust(&app, &organiser, org, ngo).await;
    trust(&app, &organiser, org, other_ngo).await;
    let (partner, other_partner) = (app.partner_of(ngo).await, app.partner_of(other_ngo).await);
    let by_ref = |email: &str| person(json!(email), json!(null), true, json!({"person_ref": "client-42"}));
    let first_time = registered(&app, &partner, first, by_ref("one@example.org")).await;
    // The partner's reference comes before the email: a new email is still the same person.
    let second_time = registered(&app, &partner, second, by_ref("two@example.org")).await;
    assert_eq!(code(&first_time), code(&second_time));
    let other_ngos_42 = registered(&app, &other_partner, second, by_ref("three@example.org")).await;
    assert_ne!(code(&other_ngos_42), code(&first_time), "another partner's 42 is another person");
}

#[actix_web::test]
async fn the_same_person_has_unrelated_codes_in_two_organisations() {
    let app = crate::helpers::spawn_app().await;
    let (_, organiser, first, _) = platform(&app).await;
    let (_, other_organiser, other_first, _) = platform(&app).await;
    let here =
        registered(&app, &organiser, first, person(json!(null), json!("+34 600 111 222"), true, json!({})))
            .await;
    let there = registered(
        &app,
        &other_organiser,
        other_first,
        person(json!(null), json!("+34600111222"), true, json!({})),
    )
    .await;
    assert_ne!(code(&here), code(&there));
    // Nor may one organisation use the other's code.
    let borrowed = register(
        &app,
        &other_organiser,
        other_first,
        person(json!(null), json!(null), true, json!({"person_ref": code(&here)})),
    )
    .await;
    borrowed.assert_problem(422, "unknown_person_code");
}

#[actix_web::test]
async fn withdrawing_the_consent_unlinks_granting_it_links_again_and_erasure_removes_the_link() {
    let app = crate::helpers::spawn_app().await;
    let (_, organiser, first, second) = platform(&app).await;
    let unlinked =
        registered(&app, &organiser, first, person(json!(null), json!("+34 600 333 444"), false, json!({})))
            .await;
    let path = format!("/api/v1/registrations/{}", unlinked["id"].as_str().unwrap());
    let granted =
        app.patch(&path, Some(&organiser), json!({"consents": {"link_across_events": {"version": 1}}})).await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    let later =
        registered(&app, &organiser, second, person(json!(null), json!("+34 600 333 444"), true, json!({})))
            .await;
    assert_eq!(code(&granted.body), code(&later), "granted later, linked by the phone");

    let withdrawn =
        app.patch(&path, Some(&organiser), json!({"consents": {"link_across_events": false}})).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
    assert!(withdrawn.body["person_code"].is_null(), "{}", withdrawn.text);

    let later_path = format!("/api/v1/registrations/{}", later["id"].as_str().unwrap());
    let erased = app.delete(&format!("{later_path}/personal-data"), Some(&organiser)).await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    let read = app.get(&later_path, Some(&organiser)).await;
    assert!(read.body["person_code"].is_null(), "{}", read.text);
    // The code no longer names anyone.
    let by_code = register(
        &app,
        &organiser,
        second,
        person(json!(null), json!(null), true, json!({"person_ref": code(&later)})),
    )
    .await;
    by_code.assert_problem(422, "unknown_person_code");
}

#[actix_web::test]
async fn link_across_events_cannot_be_made_a_condition_of_taking_part() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, _) = published_event(&app, json!({})).await;
    let required = app
        .post(
            &format!("/api/v1/organisations/{org}/consent-purposes"),
            Some(&organiser),
            json!({"purpose": "link_across_events", "required": true, "texts": {"en": "Link me."}}),
        )
        .await;
    required.assert_problem(422, "consent_purpose_optional");
}
