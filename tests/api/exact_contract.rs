//! The served OpenAPI document says what the server accepts of each string: a value that
//! fits a field's pattern (or enum) is taken, one that does not is refused with 422 naming the
//! field. Each case is sent through HTTP and compared with the document the server itself
//! serves, as a client that validates against it, or a fuzzer that generates from it, would.

use serde_json::{json, Value};

use crate::fixtures::*;
use crate::helpers::{spawn_app, TestApp};

/// The served document, with `$ref`s of component schemas resolved as it goes.
struct Document(Value);

impl Document {
    async fn served(app: &TestApp) -> Self {
        let response = app.get("/openapi.json", None).await;
        assert_eq!(response.status, 200);
        Self(response.body)
    }

    /// `schema`, or what its `$ref` names; for a nullable object (`oneOf` it and null), the
    /// object.
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        if let Some(variants) = schema["oneOf"].as_array() {
            let object = variants.iter().find(|v| v["type"] != "null").expect("a variant that is not null");
            return self.resolve(object);
        }
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                &self.0["components"]["schemas"][name]
            }
            None => schema,
        }
    }

    /// The schema of `path` (dot-separated properties, `[]` for an array's items) in the
    /// component `component`.
    fn field(&self, component: &str, path: &str) -> &Value {
        let mut schema = &self.0["components"]["schemas"][component];
        for step in path.split('.') {
            let (name, items) = match step.strip_suffix("[]") {
                Some(name) => (name, true),
                None => (step, false),
            };
            schema = self.resolve(&self.resolve(schema)["properties"][name]);
            if items {
                schema = self.resolve(&schema["items"]);
            }
        }
        assert!(schema.is_object(), "{component}.{path} is in the document");
        schema
    }

    /// Whether `value` fits the string schema at `component`.`path` by its pattern, enum and
    /// length, as JSON Schema reads them.
    fn allows(&self, component: &str, path: &str, value: &str) -> bool {
        let schema = self.field(component, path);
        let pattern = schema["pattern"].as_str().map(|p| regex::Regex::new(p).expect("the pattern compiles"));
        let fits_pattern = pattern.as_ref().is_none_or(|p| p.is_match(value));
        let fits_enum = schema["enum"].as_array().is_none_or(|names| names.iter().any(|n| n == value));
        let chars = value.chars().count() as u64;
        let fits_length = schema["maxLength"].as_u64().is_none_or(|max| chars <= max)
            && schema["minLength"].as_u64().is_none_or(|min| chars >= min);
        assert!(pattern.is_some() || schema["enum"].is_array(), "{component}.{path} states its rule");
        fits_pattern && fits_enum && fits_length
    }
}

/// Sends `body`; 201 when the document allows `value`, else 422 naming `field`.
async fn agrees(
    app: &TestApp,
    path: &str,
    token: &str,
    body: Value,
    allowed: bool,
    field: &str,
    value: &str,
) {
    let response = app.post(path, Some(token), body).await;
    if allowed {
        assert_eq!(response.status, 201, "{field} = {value:?} fits the document: {}", response.text);
    } else {
        assert_eq!(response.status, 422, "{field} = {value:?} does not fit the document: {}", response.text);
        assert!(
            response.field_errors().iter().any(|(f, _)| f == field),
            "{field} = {value:?}: {}",
            response.text
        );
    }
}

/// Text that tells the patterns of trimmed text apart: padding with line breaks, breaks
/// inside, spaces that are not ASCII, blanks, a byte-order mark, control characters.
const TEXTS: &[&str] = &[
    "Roundtable",
    " Roundtable\n",
    "\tRound table\r\n",
    "Round\ntable",
    "Round\u{2028}table",
    "Round\u{85}table",
    "\u{3000}Mesa redonda\u{a0}",
    "\u{feff}",
    "",
    " \n ",
    "Núñez \u{1F600}",
    "bell\u{7}",
];

#[actix_web::test]
async fn event_strings_are_taken_exactly_when_the_document_allows_them() {
    let app = spawn_app().await;
    let doc = Document::served(&app).await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let create = |patch: Value| with(roundtable(org), patch);
    for &text in TEXTS {
        let cases = [
            ("title", json!({"title": text}), "title"),
            ("series", json!({"series": text}), "series"),
            ("description", json!({"description": text}), "description"),
            ("onsite.venue_name", json!({"onsite": {"venue_name": text}}), "onsite.venue_name"),
        ];
        for (path, patch, field) in cases {
            let allowed = doc.allows("CreateEvent", path, text);
            agrees(&app, "/api/v1/events", &organiser, create(patch), allowed, field, text).await;
        }
    }
    for zone in
        ["Europe/Madrid", "Africa/Casablanca", "UTC", "Europe/Soria", "europe/madrid", " Europe/Madrid"]
    {
        let allowed = doc.allows("CreateEvent", "timezone", zone);
        agrees(
            &app,
            "/api/v1/events",
            &organiser,
            create(json!({"timezone": zone})),
            allowed,
            "timezone",
            zone,
        )
        .await;
    }
    for tag in ["es", "ar-MA", "zh-Hant-TW", "es_ES", "español", "es-", " es"] {
        let allowed = doc.allows("CreateEvent", "languages[]", tag);
        agrees(
            &app,
            "/api/v1/events",
            &organiser,
            create(json!({"languages": [tag]})),
            allowed,
            "languages[0]",
            tag,
        )
        .await;
    }
}

#[actix_web::test]
async fn registration_strings_are_taken_exactly_when_the_document_allows_them() {
    let app = spawn_app().await;
    let doc = Document::served(&app).await;
    let (_, organiser, event) = published_event(&app, json!({"onsite": null})).await;
    let path = format!("/api/v1/events/{event}/registrations");
    let online = || participant("online", false);
    let with_participant = |name: &str, value: &str| {
        let mut body = online();
        body["participant"][name] = json!(value);
        body
    };
    for &text in TEXTS {
        let allowed = doc.allows("CreateRegistration", "participant.full_name", text);
        let body = with_participant("full_name", text);
        agrees(&app, &path, &organiser, body, allowed, "participant.full_name", text).await;
        let allowed = doc.allows("CreateRegistration", "accessibility_notes", text);
        let body = with(online(), json!({"accessibility_notes": text}));
        agrees(&app, &path, &organiser, body, allowed, "accessibility_notes", text).await;
    }
    let emails = [
        "amina@example.org",
        " Amina@Example.org\t",
        "álvaro@cepaim.test",
        "!#$%&'*+/=?^_`{|}~@x.y",
        "",
        "amina",
        "a@example",
        "a@.org",
        "a b@example.org",
        "a@b@c.org",
    ];
    for (i, email) in emails.into_iter().enumerate() {
        let allowed = doc.allows("CreateRegistration", "participant.email", email);
        // Unique addresses: one person registers once.
        let email = if allowed && !email.trim().is_empty() {
            format!("{i}{}", email.trim_start())
        } else {
            email.into()
        };
        let body = with_participant("email", &email);
        agrees(&app, &path, &organiser, body, allowed, "participant.email", &email).await;
    }
    let phones =
        ["+34 600 000 000", "(+34) 600.000-001", " 600002\n", "12345", "+34\t600000003", "call me", ""];
    for phone in phones {
        let allowed = doc.allows("CreateRegistration", "participant.phone", phone);
        let body = with_participant("phone", phone);
        agrees(&app, &path, &organiser, body, allowed, "participant.phone", phone).await;
    }
    for topic in ["women_employment", "a1_b2", "Rural", "a__b", "a_", "1a", "a-b"] {
        let allowed = doc.allows("CreateRegistration", "interests[]", topic);
        let body = with(online(), json!({"interests": [topic]}));
        agrees(&app, &path, &organiser, body, allowed, "interests[0]", topic).await;
    }
    for tag in ["fr", " ar ", "es_ES", "español"] {
        let allowed = doc.allows("CreateRegistration", "interpretation_language", tag);
        let body = with(online(), json!({"interpretation_language": tag}));
        agrees(&app, &path, &organiser, body, allowed, "interpretation_language", tag).await;
    }
}

/// A well-formed language tag that IANA never registered fits the pattern, which says the
/// form only; the server's registry check answers it 422, as the schema's description says.
#[actix_web::test]
async fn a_well_formed_but_unregistered_language_tag_is_the_one_string_rule_beyond_the_pattern() {
    let app = spawn_app().await;
    let doc = Document::served(&app).await;
    let (_, organiser, event) = published_event(&app, json!({})).await;
    assert!(doc.allows("CreateRegistration", "interpretation_language", "zz"));
    let body = with(participant("online", false), json!({"interpretation_language": "zz"}));
    let response = register(&app, &organiser, event, body).await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        response.field_errors(),
        [("interpretation_language".to_owned(), "invalid_language".to_owned())]
    );
}

/// `10.0` is the integer 10 to JSON Schema: the server takes it as 10.
#[actix_web::test]
async fn whole_numbers_written_with_a_fraction_are_taken_as_integers() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let body =
        with(roundtable(org), json!({"onsite": {"capacity": 10.0, "reserved_for_physical_space_need": 3.0}}));
    let response = app.post("/api/v1/events", Some(&organiser), body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["onsite"]["capacity"], 10);
    assert_eq!(response.body["onsite"]["reserved_for_physical_space_need"], 3);
    let body = with(roundtable(org), json!({"onsite": {"capacity": 10.5}}));
    let response = app.post("/api/v1/events", Some(&organiser), body).await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(response.field_errors(), [("onsite.capacity".to_owned(), "invalid_type".to_owned())]);
}
