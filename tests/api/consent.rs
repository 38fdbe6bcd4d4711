//! Consent per purpose: organisations define purposes with versioned texts per language;
//! registrations record which purposes, at which version, were accepted and when; PATCH
//! withdraws and grants them, recorded in the history; withdrawing `data_processing` erases
//! the personal data and keeps the counts.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{Resp, TestApp};

fn purposes_path(org: Uuid) -> String {
    format!("/api/v1/organisations/{org}/consent-purposes")
}

async fn define(app: &TestApp, token: &str, org: Uuid, body: Value) -> Resp {
    app.post(&purposes_path(org), Some(token), body).await
}

async fn publish_version(app: &TestApp, token: &str, org: Uuid, purpose: &str, texts: Value) -> Resp {
    app.post(&format!("{}/{purpose}/versions", purposes_path(org)), Some(token), json!({"texts": texts}))
        .await
}

async fn purposes(app: &TestApp, token: &str, org: Uuid) -> Value {
    let response = app.get(&purposes_path(org), Some(token)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

fn keys(list: &Value) -> Vec<&str> {
    list["items"].as_array().unwrap().iter().map(|p| p["purpose"].as_str().unwrap()).collect()
}

/// `photos` (en, es) defined, and `contact` at version 2 (en, ar).
async fn photos_and_contact_v2(app: &TestApp, organiser: &str, org: Uuid) {
    let photos = define(
        app,
        organiser,
        org,
        json!({"purpose": "photos", "texts": {"en": "I agree to be photographed.", "es": "Acepto que me fotografíen."}}),
    )
    .await;
    assert_eq!(photos.status, 201, "{}", photos.text);
    let contact = publish_version(
        app,
        organiser,
        org,
        "contact",
        json!({"en": "You may write to me about later meetings.", "ar": "يمكنكم مراسلتي بشأن الاجتماعات القادمة."}),
    )
    .await;
    assert_eq!(contact.status, 201, "{}", contact.text);
}

fn consent_of<'a>(registration: &'a Value, purpose: &str) -> &'a Value {
    registration["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purpose"] == purpose)
        .unwrap_or_else(|| panic!("no {purpose} consent in {registration}"))
}

fn purposes_held(registration: &Value) -> Vec<(String, i64, bool)> {
    registration["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["purpose"].as_str().unwrap().to_owned(),
                c["version"].as_i64().unwrap(),
                c["withdrawn_at"].is_null(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn organisers_define_purposes_in_two_languages_and_publish_new_versions_of_their_texts() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, _event) = published_event(&app, json!({})).await;

    let built_in = purposes(&app, &organiser, org).await;
    assert_eq!(keys(&built_in), ["contact", "data_processing"], "every organisation starts with these");
    let data_processing = &built_in["items"][1];
    assert_eq!(
        (data_processing["required"].clone(), data_processing["current_version"].clone()),
        (json!(true), json!(1))
    );
    assert!(data_processing["versions"][0]["texts"]["en"].as_str().unwrap().contains("erased"));
    assert_eq!(built_in["items"][0]["required"], false);

    let photos = define(
        &app,
        &organiser,
        org,
        json!({"purpose": "photos", "texts": {"en": "I agree to be photographed.", "es": "Acepto que me fotografíen."}}),
    )
    .await;
    assert_eq!(photos.status, 201, "{}", photos.text);
    assert_eq!(photos.body["purpose"], "photos");
    assert_eq!(photos.body["required"], false);
    assert_eq!(photos.body["current_version"], 1);
    assert_eq!(photos.body["versions"][0]["texts"]["es"], "Acepto que me fotografíen.");

    let v2 =
        publish_version(&app, &organiser, org, "contact", json!({"en": "Write to me.", "ar": "راسلوني."}))
            .await;
    assert_eq!(v2.status, 201, "{}", v2.text);
    assert_eq!(v2.body["current_version"], 2);
    let versions: Vec<i64> =
        v2.body["versions"].as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, [1, 2]);
    assert_eq!(v2.body["versions"][1]["texts"], json!({"en": "Write to me.", "ar": "راسلوني."}));
    assert!(
        v2.body["versions"][0]["texts"]["en"].as_str().unwrap().contains("contact me"),
        "version 1 is kept as it was: {}",
        v2.text
    );

    let admin = app.admin().await;
    let required = define(
        &app,
        &admin,
        org,
        json!({"purpose": "funder_statistics", "required": true, "texts": {"en": "Count me across the series."}}),
    )
    .await;
    assert_eq!(required.status, 201, "{}", required.text);
    assert_eq!(required.body["required"], true);

    let list = purposes(&app, &organiser, org).await;
    assert_eq!(keys(&list), ["contact", "data_processing", "funder_statistics", "photos"]);
    let one = app.get(&format!("{}/contact", purposes_path(org)), Some(&organiser)).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body["current_version"], 2);
    let page = app.get(&format!("{}?limit=3", purposes_path(org)), Some(&organiser)).await;
    assert_eq!(keys(&page.body), ["contact", "data_processing", "funder_statistics"]);
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("{}?limit=3&cursor={cursor}", purposes_path(org)), Some(&organiser)).await;
    assert_eq!(keys(&rest.body), ["photos"]);
    assert_eq!(rest.body["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn partners_that_may_register_read_the_texts_and_nobody_else_defines_them() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, _event) = published_event(&app, json!({})).await;
    let own_partner = app.partner_of(org).await;
    let trusted_org = app.organisation("Trusted partner organisation").await;
    let other_org = app.organisation("Other organisation").await;
    trust(&app, &organiser, org, trusted_org).await;
    let trusted_partner = app.partner_of(trusted_org).await;
    let other_partner = app.partner_of(other_org).await;
    let other_organiser = app.organiser_of(other_org).await;

    for reader in [&own_partner, &trusted_partner] {
        assert_eq!(keys(&purposes(&app, reader, org).await), ["contact", "data_processing"]);
    }
    for outsider in [&other_partner, &other_organiser] {
        app.get(&purposes_path(org), Some(outsider)).await.assert_problem(403, "forbidden");
        app.get(&format!("{}/contact", purposes_path(org)), Some(outsider))
            .await
            .assert_problem(403, "forbidden");
    }
    app.get(&purposes_path(org), None).await.assert_problem(401, "unauthorized");
    app.get(&purposes_path(Uuid::now_v7()), Some(&own_partner)).await.assert_problem(404, "not_found");

    let photos = json!({"purpose": "photos", "texts": {"en": "Photos."}});
    for not_allowed in [&own_partner, &trusted_partner, &other_partner, &other_organiser] {
        define(&app, not_allowed, org, photos.clone()).await.assert_problem(403, "forbidden");
        publish_version(&app, not_allowed, org, "contact", json!({"en": "Mine now."}))
            .await
            .assert_problem(403, "forbidden");
    }
    let list = purposes(&app, &organiser, org).await;
    assert_eq!(keys(&list), ["contact", "data_processing"]);
    assert_eq!(list["items"][0]["current_version"], 1, "nothing was published");
}

#[actix_web::test]
async fn bad_purposes_and_texts_are_refused_with_codes_and_change_nothing() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, _event) = published_event(&app, json!({})).await;
    let before = purposes(&app, &organiser, org).await;

    let refused = |key: &str, required: Value, texts: Value| json!({"purpose": key, "required": required, "texts": texts});
    define(&app, &organiser, org, refused("Photos!", json!(false), json!({"en": "Photos."})))
        .await
        .assert_problem(422, "invalid_consent_purpose");
    let blank = define(&app, &organiser, org, refused("photos", json!(false), json!({"en": "   "}))).await;
    blank.assert_problem(422, "validation_failed");
    assert_eq!(blank.field_errors(), [("texts.en".to_owned(), "blank".to_owned())]);
    let tag =
        define(&app, &organiser, org, refused("photos", json!(false), json!({"english!": "Photos."}))).await;
    tag.assert_problem(422, "validation_failed");
    assert_eq!(tag.field_errors(), [("texts.english!".to_owned(), "invalid_language".to_owned())]);
    let none = define(&app, &organiser, org, refused("photos", json!(false), json!({}))).await;
    assert_eq!(none.field_errors(), [("texts".to_owned(), "required".to_owned())]);
    define(&app, &organiser, org, refused("contact", json!(true), json!({"en": "Must write."})))
        .await
        .assert_problem(422, "consent_purpose_optional");
    define(&app, &organiser, org, refused("contact", json!(false), json!({"en": "Again."})))
        .await
        .assert_problem(409, "consent_purpose_exists");
    define(&app, &organiser, org, refused("data_processing", json!(false), json!({"en": "Optional?"})))
        .await
        .assert_problem(422, "consent_purpose_required");
    publish_version(&app, &organiser, org, "contact", json!({"en": "Bell\u{7}"}))
        .await
        .assert_problem(422, "invalid_characters");
    publish_version(&app, &organiser, org, "contact", json!({"xx-!!": "Text"}))
        .await
        .assert_problem(422, "validation_failed");
    publish_version(&app, &organiser, org, "press", json!({"en": "Text"}))
        .await
        .assert_problem(404, "not_found");
    let unknown_field = app
        .post(
            &format!("{}/contact/versions", purposes_path(org)),
            Some(&organiser),
            json!({"texts": {"en": "Text"}, "version": 7}),
        )
        .await;
    assert_eq!(unknown_field.status, 422, "{}", unknown_field.text);

    assert_eq!(purposes(&app, &organiser, org).await, before, "nothing changed");
    let photos =
        define(&app, &organiser, org, refused("photos", json!(false), json!({"en": "Photos."}))).await;
    assert_eq!(photos.status, 201, "{}", photos.text);
    define(&app, &organiser, org, refused("photos", json!(true), json!({"en": "Photos again."})))
        .await
        .assert_problem(409, "consent_purpose_exists");
    assert_eq!(keys(&purposes(&app, &organiser, org).await), ["contact", "data_processing", "photos"]);
}

#[actix_web::test]
async fn a_registration_records_which_purposes_and_versions_were_accepted_and_when() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    photos_and_contact_v2(&app, &organiser, org).await;

    let new_body = with(
        participant("onsite", false),
        json!({"consent": null, "consents": [{"purpose": "data_processing", "version": 1},
                                             {"purpose": "contact", "version": 2},
                                             {"purpose": "photos", "version": 1}]}),
    );
    let mut new_body = new_body;
    new_body.as_object_mut().unwrap().remove("consent");
    let created = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/events/{event}/registrations"),
            Some(&partner),
            Some(&new_body),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let r = &created.body;
    assert_eq!(
        purposes_held(r),
        [
            ("contact".to_owned(), 2, true),
            ("data_processing".to_owned(), 1, true),
            ("photos".to_owned(), 1, true)
        ]
    );
    assert_eq!(consent_of(r, "contact")["granted_at"], r["created_at"], "granted as it was registered");
    assert_eq!(r["may_contact"], true);
    let id = r["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/registrations/{id}"), Some(&partner)).await;
    assert_eq!(read.body["consents"], r["consents"]);

    // The first contract's body maps to the current versions: data_processing 1, contact 2.
    let old_body =
        with(participant("online", false), json!({"consent": {"data_processing": true, "contact": true}}));
    let old = registered(&app, &partner, event, old_body).await;
    assert_eq!(
        purposes_held(&old),
        [("contact".to_owned(), 2, true), ("data_processing".to_owned(), 1, true)]
    );
    let without_contact = registered(&app, &partner, event, participant("online", false)).await;
    assert_eq!(purposes_held(&without_contact), [("data_processing".to_owned(), 1, true)]);
    assert_eq!(without_contact["may_contact"], false);

    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    let listed: Vec<Vec<(String, i64, bool)>> =
        list.body["items"].as_array().unwrap().iter().map(purposes_held).collect();
    assert_eq!(listed, [purposes_held(r), purposes_held(&old), purposes_held(&without_contact)]);

    // A retry with the same key gets the first answer, consents included.
    let keyed =
        with(participant("online", false), json!({"consent": {"data_processing": true, "contact": true}}));
    let path = format!("/api/v1/events/{event}/registrations");
    let first = app.post_keyed(&path, &partner, "consent-retry-1", &keyed).await;
    let again = app.post_keyed(&path, &partner, "consent-retry-1", &keyed).await;
    assert_eq!((first.status, again.status), (201, 201), "{}", again.text);
    assert_eq!(again.body["consents"], first.body["consents"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}

#[actix_web::test]
async fn consents_the_organisation_does_not_have_or_requires_are_422_and_register_nobody() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    photos_and_contact_v2(&app, &organiser, org).await;
    let per_purpose = |consents: Value| {
        let mut body = participant("online", false);
        body.as_object_mut().unwrap().remove("consent");
        with(body, json!({"consents": consents}))
    };
    let dp = json!({"purpose": "data_processing", "version": 1});

    let unknown =
        register(&app, &partner, event, per_purpose(json!([dp, {"purpose": "press", "version": 1}]))).await;
    unknown.assert_problem(422, "unknown_consent_purpose");
    assert_eq!(
        unknown.field_errors(),
        [("consents[1].purpose".to_owned(), "unknown_consent_purpose".to_owned())]
    );
    let version =
        register(&app, &partner, event, per_purpose(json!([dp, {"purpose": "contact", "version": 3}]))).await;
    version.assert_problem(422, "unknown_consent_version");
    assert_eq!(
        version.field_errors(),
        [("consents[1].version".to_owned(), "unknown_consent_version".to_owned())]
    );
    register(&app, &partner, event, per_purpose(json!([{"purpose": "data_processing", "version": 2}])))
        .await
        .assert_problem(422, "unknown_consent_version");
    register(&app, &partner, event, per_purpose(json!([{"purpose": "contact", "version": 1}])))
        .await
        .assert_problem(422, "consent_required");
    register(&app, &partner, event, per_purpose(json!([dp, dp])))
        .await
        .assert_problem(422, "duplicate_consent");
    register(&app, &partner, event, per_purpose(json!([{"purpose": "data_processing", "version": 0}])))
        .await
        .assert_problem(422, "unknown_consent_version");
    let both = with(per_purpose(json!([dp])), json!({"consent": {"data_processing": true}}));
    let both = register(&app, &partner, event, both).await;
    both.assert_problem(422, "validation_failed");
    assert_eq!(both.field_errors(), [("consent".to_owned(), "conflicting_consent".to_owned())]);
    let mut neither = participant("online", false);
    neither.as_object_mut().unwrap().remove("consent");
    register(&app, &partner, event, neither).await.assert_problem(422, "consent_required");

    // A purpose the organisation requires must be given, in either form.
    let required = define(
        &app,
        &organiser,
        org,
        json!({"purpose": "funder_statistics", "required": true, "texts": {"en": "Count me across the series."}}),
    )
    .await;
    assert_eq!(required.status, 201, "{}", required.text);
    let missing = register(&app, &partner, event, per_purpose(json!([dp]))).await;
    missing.assert_problem(422, "consent_required");
    assert_eq!(missing.field_errors(), [("consents".to_owned(), "consent_required".to_owned())]);
    register(&app, &partner, event, participant("online", false))
        .await
        .assert_problem(422, "consent_required");

    let list = app.get(&format!("/api/v1/events/{event}/registrations"), Some(&organiser)).await;
    assert_eq!(list.body["items"], json!([]), "nobody was registered");
    let given = per_purpose(json!([dp, {"purpose": "funder_statistics", "version": 1}]));
    registered(&app, &partner, event, given).await;
}

fn history_path(registration: &Value) -> String {
    format!("/api/v1/registrations/{}/history", registration["id"].as_str().unwrap())
}

async fn history(app: &TestApp, organiser: &str, registration: &Value) -> Vec<Value> {
    let response = app.get(&history_path(registration), Some(organiser)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn withdrawing_contact_and_granting_photos_are_recorded_with_actor_and_time() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    photos_and_contact_v2(&app, &organiser, org).await;
    let partner_id = app.get("/api/v1/me", Some(&partner)).await.body["id"].clone();
    let r = registered(
        &app,
        &partner,
        event,
        with(participant("onsite", false), json!({"consent": {"data_processing": true, "contact": true}})),
    )
    .await;
    assert_eq!(r["may_contact"], true);
    let path = format!("/api/v1/registrations/{}", r["id"].as_str().unwrap());

    let withdrawn = app.patch(&path, Some(&partner), json!({"consents": {"contact": false}})).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
    let contact = consent_of(&withdrawn.body, "contact");
    assert_eq!(contact["version"], 2);
    assert!(contact["withdrawn_at"].is_string(), "{contact}");
    assert_eq!(withdrawn.body["may_contact"], false, "no more messages");
    assert_eq!(withdrawn.body["participant"]["full_name"], "Amina", "nothing else changed");
    assert_eq!(withdrawn.body["status"], r["status"]);

    let lines = history(&app, &organiser, &r).await;
    let line = lines.last().unwrap();
    assert_eq!(line["action"], "consent_changed");
    assert_eq!(line["actor_id"], partner_id);
    assert_eq!(line["actor_kind"], "api_client");
    assert!(line["at"].as_str().unwrap() >= contact["granted_at"].as_str().unwrap());
    assert_eq!(line["changes"], json!([{"field": "consents.contact", "from": 2, "to": null}]));

    let granted = app.patch(&path, Some(&organiser), json!({"consents": {"photos": {"version": 1}}})).await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert_eq!(consent_of(&granted.body, "photos")["withdrawn_at"], Value::Null);
    let lines = history(&app, &organiser, &r).await;
    assert_eq!(
        lines.last().unwrap()["changes"],
        json!([{"field": "consents.photos", "from": null, "to": 1}])
    );
    assert_eq!(lines.last().unwrap()["actor_kind"], "user");

    // Contact given again, at the text now shown: a new grant of version 2.
    let again = app.patch(&path, Some(&partner), json!({"consents": {"contact": {"version": 2}}})).await;
    assert_eq!(consent_of(&again.body, "contact")["withdrawn_at"], Value::Null);
    assert_eq!(again.body["may_contact"], true);

    // Asking for what is so already records nothing; bad changes are refused and change nothing.
    let count = history(&app, &organiser, &r).await.len();
    let same = app
        .patch(
            &path,
            Some(&partner),
            json!({"consents": {"photos": {"version": 1}, "contact": {"version": 2}}}),
        )
        .await;
    assert_eq!(same.status, 200, "{}", same.text);
    app.patch(&path, Some(&partner), json!({"consents": {"press": false}}))
        .await
        .assert_problem(422, "unknown_consent_purpose");
    app.patch(&path, Some(&partner), json!({"consents": {"photos": {"version": 2}}}))
        .await
        .assert_problem(422, "unknown_consent_version");
    let yes = app.patch(&path, Some(&partner), json!({"consents": {"photos": true}})).await;
    yes.assert_problem(422, "validation_failed");
    assert_eq!(yes.field_errors(), [("consents.photos".to_owned(), "consent_version_required".to_owned())]);
    for shape in [
        json!({"consents": {"contact": "no"}}),
        json!({"consents": {"photos": {"version": 1, "at": 1}}}),
        json!({"consents": null}),
        json!({"consents": ["contact"]}),
    ] {
        let refused = app.patch(&path, Some(&partner), shape.clone()).await;
        assert_eq!(refused.status, 422, "{shape}: {}", refused.text);
    }
    let mixed = app
        .patch(
            &path,
            Some(&partner),
            json!({"needs_transport": true, "consents": {"contact": false, "press": false}}),
        )
        .await;
    mixed.assert_problem(422, "unknown_consent_purpose");
    assert_eq!(history(&app, &organiser, &r).await.len(), count, "nothing recorded");
    let now = app.get(&path, Some(&partner)).await.body;
    assert_eq!(now["consents"], again.body["consents"]);
    assert_eq!(now["needs_transport"], false, "the whole PATCH was refused");

    // Another partner of the organisation does not see it, so cannot change it.
    let stranger = app.partner_of(org).await;
    app.patch(&path, Some(&stranger), json!({"consents": {"contact": false}}))
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn withdrawing_data_processing_erases_the_personal_data_and_keeps_the_counts() {
    let app = crate::helpers::spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let kept = registered(&app, &partner, event, participant("online", false)).await;
    let r = registered(
        &app,
        &partner,
        event,
        with(
            participant("onsite", true),
            json!({"accessibility_notes": "Wheelchair", "consent": {"data_processing": true, "contact": true}}),
        ),
    )
    .await;
    let report = || async {
        let response = app.get(&format!("/api/v1/events/{event}/report"), Some(&organiser)).await;
        assert_eq!(response.status, 200, "{}", response.text);
        let mut body = response.body;
        body.as_object_mut().unwrap().remove("generated_at");
        body.as_object_mut().unwrap().remove("data_as_of");
        body
    };
    let before = report().await;
    let path = format!("/api/v1/registrations/{}", r["id"].as_str().unwrap());

    let withdrawn = app.patch(&path, Some(&partner), json!({"consents": {"data_processing": false}})).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
    let after = &withdrawn.body;
    for field in ["full_name", "email", "phone", "organisation_name"] {
        assert_eq!(after["participant"][field], Value::Null, "{field}");
    }
    assert_eq!(after["accessibility_notes"], Value::Null);
    assert!(after["personal_data_erased_at"].is_string());
    assert_eq!(after["status"], r["status"], "no seat is freed");
    assert_eq!(after["needs_physical_space"], true);
    assert!(after["consents"].as_array().unwrap().iter().all(|c| c["withdrawn_at"].is_string()), "{after}");
    assert_eq!(after["may_contact"], false);
    let read = app.get(&path, Some(&organiser)).await.body;
    assert_eq!(read["participant"]["full_name"], Value::Null);

    let lines = history(&app, &organiser, &r).await;
    let actions: Vec<&str> = lines.iter().map(|l| l["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "consent_changed", "consent_changed", "erased"]);
    assert_eq!(lines[1]["changes"], json!([{"field": "consents.data_processing", "from": 1, "to": null}]));
    assert_eq!(lines[2]["changes"], json!([{"field": "consents.contact", "from": 1, "to": null}]));
    assert_eq!(report().await, before, "reports count it as before");
    assert_eq!(
        app.get(&format!("/api/v1/registrations/{}", kept["id"].as_str().unwrap()), Some(&partner))
            .await
            .body["participant"]["full_name"],
        "Amina"
    );

    app.patch(&path, Some(&partner), json!({"consents": {"contact": {"version": 1}}}))
        .await
        .assert_problem(409, "personal_data_erased");
    let again = app.patch(&path, Some(&partner), json!({"consents": {"data_processing": false}})).await;
    assert_eq!(again.status, 200, "withdrawing again is harmless: {}", again.text);
    assert_eq!(history(&app, &organiser, &r).await.len(), lines.len());
}
