//! Places in more languages: an organiser writes a place's name and notes once more per
//! language; staff read the place in the language their `Accept-Language` prefers, event and
//! registration reads name it so too, and a participant's message and card name it in the
//! language they are written in. All through HTTP against PostgreSQL.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::{read, spawn_app, Resp, TestApp};
use crate::hosted_places::{hosted, offer};

const ARABIC_NAME: &str = "المركز المدني في المازان";
const ARABIC_NOTES: &str = "اسأل عن لوسيا في مكتب الاستقبال.";
const FRENCH_NAME: &str = "Centre civique d'Almazán";

/// Almazán's community centre, with its name and notes in Arabic and its name in French.
fn translated_centre() -> Value {
    with(
        hosted("Centro cívico de Almazán", "Almazán", 6),
        json!({"notes": "Pregunta por Lucía en la entrada.",
               "translations": {"ar": {"name": ARABIC_NAME, "notes": ARABIC_NOTES},
                                "fr": {"name": FRENCH_NAME}}}),
    )
}

/// `GET path` with `Accept-Language: accept` (none when `None`).
async fn get_in(app: &TestApp, path: &str, token: Option<&str>, accept: Option<&str>) -> Resp {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(accept) = accept {
        request = request.header("accept-language", accept);
    }
    read(request.send().await.unwrap()).await
}

fn varies_on_language(response: &Resp) -> bool {
    response.header("vary").is_some_and(|vary| vary.to_ascii_lowercase().contains("accept-language"))
}

async fn create_place(app: &TestApp, token: &str, org: Uuid, body: Value) -> Value {
    let created = app.post(&format!("/api/v1/organisations/{org}/places"), Some(token), body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body
}

fn place_path(place: &Value) -> String {
    format!("/api/v1/places/{}", place["id"].as_str().unwrap())
}

#[actix_web::test]
async fn a_place_reads_in_the_language_the_reader_prefers_with_every_translation_as_written() {
    let app = spawn_app().await;
    let org = app.organisation("Fundación CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let created = create_place(&app, &organiser, org, translated_centre()).await;
    assert_eq!(created["name"], "Centro cívico de Almazán", "the answer to a create is as written");
    assert_eq!(created["language"], Value::Null);
    assert_eq!(
        created["translations"],
        json!({"ar": {"name": ARABIC_NAME, "notes": ARABIC_NOTES}, "fr": {"name": FRENCH_NAME, "notes": null}})
    );
    let path = place_path(&created);

    let arabic = get_in(&app, &path, Some(&organiser), Some("ar")).await;
    assert_eq!(arabic.status, 200, "{}", arabic.text);
    assert_eq!((&arabic.body["name"], &arabic.body["notes"]), (&json!(ARABIC_NAME), &json!(ARABIC_NOTES)));
    assert_eq!(arabic.body["language"], "ar");
    assert_eq!(arabic.header("content-language"), Some("ar"));
    assert!(varies_on_language(&arabic), "{:?}", arabic.header("vary"));
    assert_eq!(arabic.body["translations"], created["translations"], "every translation, as written");
    assert_eq!(arabic.body["address"], "Plaza Mayor 1, Almazán", "what is not translated stays");

    let french = get_in(&app, &path, Some(&organiser), Some("fr-CA, es;q=0.5")).await;
    assert_eq!(french.body["name"], FRENCH_NAME, "fr-CA reads fr");
    assert_eq!(french.body["notes"], Value::Null, "the translation's notes, which it has none of");
    assert_eq!(french.body["language"], "fr");
    assert_eq!(french.header("content-language"), Some("fr"));

    for accept in [Some("de"), None] {
        let written = get_in(&app, &path, Some(&organiser), accept).await;
        assert_eq!(written.body["name"], "Centro cívico de Almazán", "{accept:?}");
        assert_eq!(written.body["notes"], "Pregunta por Lucía en la entrada.");
        assert_eq!(written.body["language"], Value::Null);
        assert_eq!(written.header("content-language"), None);
        assert!(varies_on_language(&written));
    }

    let list =
        get_in(&app, &format!("/api/v1/organisations/{org}/places"), Some(&organiser), Some("ar")).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["items"][0]["name"], ARABIC_NAME);
    assert_eq!(list.body["items"][0]["language"], "ar");
    assert!(varies_on_language(&list));
}

#[actix_web::test]
async fn a_bad_translation_is_422_naming_its_field_and_stores_nothing() {
    let app = spawn_app().await;
    let org = app.organisation("Fundación CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let places = format!("/api/v1/organisations/{org}/places");
    let bad = with(
        hosted("Centro cívico de Almazán", "Almazán", 6),
        json!({"translations": {"not a tag": {"name": "x"}, "ar": {"name": " ", "notes": "n".repeat(1001)},
                                "fr": {"name": "Centre\ncivique"}}}),
    );
    let refused = app.post(&places, Some(&organiser), bad).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.header("content-type"), Some("application/problem+json"));
    let fields = refused.field_errors();
    for (field, code) in [
        ("translations.ar.name", "blank"),
        ("translations.ar.notes", "too_long"),
        ("translations.fr.name", "invalid_characters"),
        ("translations.not a tag", "invalid_language"),
    ] {
        assert!(fields.contains(&(field.to_owned(), code.to_owned())), "{field} {code}: {fields:?}");
    }
    let listed = app.get(&places, Some(&organiser)).await;
    assert_eq!(listed.body["items"], json!([]), "nothing stored");

    let tags = "aa ab af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca";
    let many: serde_json::Map<String, Value> =
        tags.split(' ').map(|tag| (tag.into(), json!({"name": "n"}))).collect();
    let too_many = with(hosted("Centro", "Almazán", 6), json!({"translations": many}));
    let refused = app.post(&places, Some(&organiser), too_many).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.field_errors(), [("translations".to_owned(), "too_many".to_owned())]);

    // A PATCH is checked as a create is, and changes nothing either.
    let place = create_place(&app, &organiser, org, translated_centre()).await;
    let refused = app
        .patch(&place_path(&place), Some(&organiser), json!({"translations": {"ar-": {"name": "x"}}}))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.field_errors(), [("translations.ar-".to_owned(), "invalid_language".to_owned())]);
    let unknown = app
        .patch(&place_path(&place), Some(&organiser), json!({"translations": {"ar": {"title": "x"}}}))
        .await;
    assert!(matches!(unknown.status, 400 | 422), "a translation has a name, not a title: {}", unknown.text);
    let read = app.get(&place_path(&place), Some(&organiser)).await;
    assert_eq!(read.body["translations"], place["translations"]);
}

#[actix_web::test]
async fn a_patch_replaces_every_translation() {
    let app = spawn_app().await;
    let org = app.organisation("Fundación CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let place = create_place(&app, &organiser, org, translated_centre()).await;
    let path = place_path(&place);

    let replaced = app
        .patch(&path, Some(&organiser), json!({"translations": {"ti": {"name": " ማእከል ", "notes": " "}}}))
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(replaced.body["translations"], json!({"ti": {"name": "ማእከል", "notes": null}}), "trimmed");
    let arabic = get_in(&app, &path, Some(&organiser), Some("ar")).await;
    assert_eq!(arabic.body["name"], "Centro cívico de Almazán", "Arabic is gone: as written");
    assert_eq!(arabic.body["language"], Value::Null);

    let other = app.patch(&path, Some(&organiser), json!({"devices": 5})).await;
    assert_eq!(other.body["translations"], replaced.body["translations"], "absent: kept");
    let cleared = app.patch(&path, Some(&organiser), json!({"translations": {}})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(cleared.body["translations"], json!({}));
    let null = app.patch(&path, Some(&organiser), json!({"translations": null})).await;
    assert_eq!(null.status, 422, "{}", null.text);
}

#[actix_web::test]
async fn participants_find_the_place_named_in_their_language_in_reads_messages_and_the_card() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(
        &app,
        json!({"contact_phone": "+34 975 000 000", "starts_at": "2031-05-12T10:00:00+02:00",
               "ends_at": "2031-05-12T13:00:00+02:00"}),
    )
    .await;
    let place = create_place(&app, &organiser, org, translated_centre()).await;
    let place_id: Uuid = place["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(offer(&app, &organiser, event, place_id, 4, 0).await.status, 201);

    // The event's places.
    let arabic = get_in(&app, &format!("/api/v1/events/{event}"), None, Some("ar-SY")).await;
    assert_eq!(arabic.status, 200, "{}", arabic.text);
    assert_eq!(arabic.body["places"][0]["name"], ARABIC_NAME);
    assert_eq!(arabic.body["places"][0]["language"], "ar");
    assert_eq!(arabic.body["language"], Value::Null, "the event itself has no Arabic title");
    assert!(varies_on_language(&arabic));
    let written = get_in(&app, &format!("/api/v1/events/{event}"), None, Some("de")).await;
    assert_eq!(written.body["places"][0]["name"], "Centro cívico de Almazán");
    assert_eq!(written.body["places"][0]["language"], Value::Null);
    let list = get_in(&app, &format!("/api/v1/events?organisation_id={org}"), None, Some("fr")).await;
    assert_eq!(list.body["items"][0]["places"][0]["name"], FRENCH_NAME);
    let offered = get_in(&app, &format!("/api/v1/events/{event}/places/{place_id}"), None, Some("ar")).await;
    assert_eq!(offered.body["name"], ARABIC_NAME);

    // A registration's place.
    let partner = app.partner_of(org).await;
    let speaking = |language: &str| {
        let mut body = with(participant("onsite", false), json!({"place_id": place_id}));
        body["participant"]["preferred_language"] = json!(language);
        body["consent"]["contact"] = json!(true);
        body
    };
    let amina = registered(&app, &partner, event, speaking("ar")).await;
    let lucia = registered(&app, &partner, event, speaking("es")).await;
    let path = format!("/api/v1/registrations/{}", amina["id"].as_str().unwrap());
    let answer = get_in(&app, &path, Some(&partner), Some("ar")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["place"]["name"], ARABIC_NAME);
    assert_eq!(answer.body["place"]["language"], "ar");
    assert_eq!(answer.body["place"]["address"], "Plaza Mayor 1, Almazán");
    assert!(varies_on_language(&answer));
    let answer = get_in(&app, &path, Some(&partner), None).await;
    assert_eq!(answer.body["place"]["name"], "Centro cívico de Almazán");
    assert_eq!(answer.body["place"]["language"], Value::Null);
    let list =
        get_in(&app, &format!("/api/v1/events/{event}/registrations"), Some(&organiser), Some("fr")).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert!(list.body["items"].as_array().unwrap().iter().all(|r| r["place"]["name"] == FRENCH_NAME));
    assert!(varies_on_language(&list));

    // The message to each person is in their language, and names the place in it.
    let items = app.get(&format!("/api/v1/outreach?status=open&event_id={event}"), Some(&partner)).await;
    assert_eq!(items.status, 200, "{}", items.text);
    let item_of = |registration: &Value| {
        let items = items.body["items"].as_array().unwrap();
        items.iter().find(|item| item["registration_id"] == registration["id"]).unwrap().clone()
    };
    let to_amina = item_of(&amina);
    assert_eq!(to_amina["language"], "ar");
    let text = to_amina["message"]["text"].as_str().unwrap();
    assert!(text.contains(ARABIC_NAME), "{text}");
    assert!(!text.contains("Centro cívico"), "{text}");
    let to_lucia = item_of(&lucia);
    assert_eq!(to_lucia["language"], "es");
    assert!(to_lucia["message"]["text"].as_str().unwrap().contains("Centro cívico de Almazán"), "{to_lucia}");

    // The card, as a text message and as a page.
    let card = |accept: &'static str| {
        let (app, partner, path) = (&app, &partner, &path);
        async move {
            let request = app.client.get(app.url(&format!("{path}/card"))).bearer_auth(partner);
            read(request.header("accept", accept).send().await.unwrap()).await
        }
    };
    let text = card("text/plain").await;
    assert_eq!(text.status, 200, "{}", text.text);
    assert!(text.text.contains(ARABIC_NAME), "{}", text.text);
    assert!(!text.text.contains("Centro cívico"), "{}", text.text);
    let page = card("text/html").await;
    assert!(page.text.contains(ARABIC_NAME), "{}", page.text);
}
