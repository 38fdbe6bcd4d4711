//! The OpenAPI document. Paths come from the handlers themselves (utoipa-actix-web collects
//! each `.service(...)`), so no route escapes the document; this file adds what is shared.

use actix_web::App;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Paths, Ref, Required, Response};
use utoipa::{Modify, OpenApi, ToResponse};
use utoipa_actix_web::AppExt;

use crate::domain::webhooks::EventType;
use crate::error::Problem;

pub mod conventions;
pub mod field_rules;

/// A path item's operations by method, in the document's order: the one list every walk over
/// the document's operations takes.
pub fn operations(item: &PathItem) -> [(&'static str, &Option<Operation>); 5] {
    [
        ("GET", &item.get),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
    ]
}

/// [`operations`], to change them.
pub fn operations_mut(item: &mut PathItem) -> [(&'static str, &mut Option<Operation>); 5] {
    [
        ("GET", &mut item.get),
        ("POST", &mut item.post),
        ("PUT", &mut item.put),
        ("PATCH", &mut item.patch),
        ("DELETE", &mut item.delete),
    ]
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hybrid-events",
        description = "Registration for hybrid meetings, where each participant attends online or onsite, \
with protected onsite seats for people who have no device or internet, waitlists, and attendance reports. \
Errors are `application/problem+json` (RFC 9457) with a stable `code`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    servers((url = "/", description = "This server")),
    components(
        schemas(Problem, crate::error::FieldError),
        // Not in any request or response: the body of webhook posts (see POST /webhooks).
        schemas(crate::views::webhooks::WebhookMessage),
        responses(BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge,
                  UnsupportedMediaType, Unprocessable, TooManyRequests, ServiceUnavailable, InternalError),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness, metrics"),
        (name = "auth", description = "Tokens for people and partner programs"),
        (name = "organisations", description = "Organisations, their users and API clients"),
        (name = "consent", description = "Consent purposes of an organisation, with versioned texts per language"),
        (name = "events", description = "Hybrid events: online, onsite or both"),
        (name = "places", description = "Venues and hosted places of an organisation, and the places an event offers, each with its own seats"),
        (name = "series", description = "Series of an organisation: the sessions of one platform, which its events belong to"),
        (name = "outcomes", description = "What a meeting decided: the topics discussed and the follow-up actions, listed across a series"),
        (name = "registrations", description = "Registrations and seat rules"),
        (name = "attendance", description = "Who attended: the video platform's participant list, and many check-ins at once"),
        (name = "reports", description = "Attendance reports"),
        (name = "outreach", description = "What participants must be told, in their language, for the partners who can reach them"),
        (name = "webhooks", description = "Signed notifications of registration and event changes"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from POST /api/v1/auth/login or /auth/token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "report_link",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "token",
                "The `token` of a link from POST /api/v1/events/{id}/report-links: it opens that one \
                 event's report page (GET /api/v1/events/{id}/report.html) for 15 minutes, without a \
                 bearer token. The whole `url` of the link carries it.",
            ))),
        );
        components.add_security_scheme(
            "metrics_bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("METRICS_BEARER_TOKEN, when the server sets one (GET /metrics only)"))
                    .build(),
            ),
        );
    }
}

/// The request body is malformed JSON, or a parameter is unreadable.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(pub Problem);

/// A valid bearer token is required, or the credentials are wrong.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unauthorized(pub Problem);

/// Authenticated, but not allowed.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(pub Problem);

/// No such resource, or one the caller may not know exists.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(pub Problem);

/// The request conflicts with the current state.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(pub Problem);

/// The body is larger than MAX_BODY_BYTES.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(pub Problem);

/// The body is not `application/json`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(pub Problem);

/// The request does not fit the schema or the rules; `errors` names each field.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unprocessable(pub Problem);

/// Too many requests; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(
    ("Retry-After" = u64, description = "Seconds to wait"),
    ("RateLimit-Limit" = u64, description = "Requests allowed in the limit's window"),
    ("RateLimit-Remaining" = u64, description = "Requests left in the current window: 0"),
    ("RateLimit-Reset" = u64, description = "Seconds until the current window ends"),
))]
pub struct TooManyRequests(pub Problem);

/// The database is not answering, or too slowly; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait")))]
pub struct ServiceUnavailable(pub Problem);

/// Something went wrong on the server.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct InternalError(pub Problem);

/// The whole document, built from the routes without a database or a running server.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut api = routes_document();
    complete(&mut api);
    api
}

/// What the routes' annotations cannot say: the problem codes of each error response, the
/// checks of each string field (`field_rules`), the bodies that may be left out, and the HTTP
/// conventions (`conventions`). Applied to the served document and the checked-in one.
pub fn complete(api: &mut utoipa::openapi::OpenApi) {
    crate::problem_codes::document_codes(api);
    field_rules::document(api);
    bodies_that_may_be_left_out(api);
    conventions::document(api);
    api.webhooks = Some(webhook_messages());
}

/// The `webhooks` section: one entry per message type, the post a subscriber receives (its
/// signing headers and its body). The derive of `ApiDoc` has no attribute for it.
fn webhook_messages() -> Paths {
    let mut webhooks = Paths::new();
    for event_type in EventType::ALL {
        let name = event_type.as_str();
        // The body's `type` is `name` (as is the X-Webhook-Type header, whose enum says so).
        let body = Ref::from_schema_name("WebhookMessage");
        let operation = OperationBuilder::new()
            .operation_id(Some(format!("webhook_{}", name.replace('.', "_"))))
            .tag("webhooks")
            // Sent by this server, not called on it: no credentials (the signature says who).
            .securities(Some(Vec::<utoipa::openapi::security::SecurityRequirement>::new()))
            .summary(Some(format!("`{name}` posted to a subscription")))
            .description(Some(format!(
                "{} The body's `type` is `{name}`. Posted to every subscription that asked for `{name}` (see `POST /api/v1/webhooks`), \
                 signed by the Standard Webhooks specification (<https://www.standardwebhooks.com>) and \
                 with `X-Signature`.",
                message_description(event_type)
            )))
            .parameters(Some(signature_header_parameters(name)))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content("application/json", ContentBuilder::new().schema(Some(body)).build())
                    .build(),
            ))
            .response(
                "2XX",
                Response::new("Received. Any other answer, or none within 10 s, is retried with backoff."),
            );
        webhooks.paths.insert(name.to_owned(), PathItem::new(HttpMethod::Post, operation));
    }
    webhooks
}

/// What a message of `event_type` announces, in the words of the webhooks section.
fn message_description(event_type: EventType) -> &'static str {
    match event_type {
        EventType::RegistrationConfirmed => "A registration got a seat or an online place.",
        EventType::RegistrationWaitlisted => "A registration is waiting for a seat.",
        EventType::RegistrationPromoted => "A waiting registration got a seat that became free.",
        EventType::RegistrationCancelled => "A registration was cancelled.",
        EventType::RegistrationModeChanged => "A registration changed between online and onsite.",
        EventType::RegistrationConsentChanged => {
            "A consent was granted or withdrawn: stop sending messages when `contact` is withdrawn."
        }
        EventType::RegistrationPlaceChanged => "A registration moved between the places of its event.",
        EventType::EventUpdated => "An event's details changed (time, place, title…).",
        EventType::EventCancelled => "An event was cancelled.",
        EventType::OutreachCreated => {
            "A participant must be told about a change: `GET /outreach` has the item and its message."
        }
        EventType::ActionCreated => {
            "A follow-up action of an event was recorded (`POST /events/{id}/outcomes`). Only the \
             subscriptions of the event's organisation hear it."
        }
        EventType::ActionUpdated => {
            "A follow-up action changed (`PATCH /actions/{id}`): `data.fields` names what, \
             `data.status` and `data.previous_status` where it stands. Only the subscriptions of \
             the event's organisation hear it."
        }
        EventType::RegistrationOffered => {
            "A waiting registration is offered a seat that became free, until `offer_expires_at`: \
             `POST /registrations/{id}/accept-offer` or `/decline-offer`."
        }
    }
}

/// The headers that sign a post (`domain::webhooks::signature_headers`) and those that name it.
fn signature_header_parameters(event_type: &str) -> Vec<Parameter> {
    let text = |pattern: &str| ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern));
    let uuid = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
    };
    let header = |name: &str, description: &str, schema: ObjectBuilder| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(schema))
            .build()
    };
    vec![
        header(
            "webhook-id",
            "The message's `id`, as in the body: the same on every retry and for every subscriber.",
            uuid(),
        ),
        header(
            "webhook-timestamp",
            "When this attempt was signed, in unix seconds. Refuse one more than five minutes away.",
            text("^[0-9]+$"),
        ),
        header(
            "webhook-signature",
            "`v1,` and the base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`, keyed with \
             the base64 decoding of what follows `whsec_` in the subscription's secret. A Standard \
             Webhooks library checks it: `Webhook(secret).verify(body, headers)`.",
            text("^v1,[A-Za-z0-9+/]{43}=$"),
        ),
        header(
            "X-Signature",
            "The older signature, kept: `t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">`, keyed \
             with the whole secret as UTF-8.",
            text("^t=[0-9]+,v1=[0-9a-f]{64}$"),
        ),
        header("X-Webhook-Id", "The message's `id` again, as before the Standard Webhooks headers.", uuid()),
        header(
            "X-Webhook-Type",
            "The message's `type`.",
            ObjectBuilder::new().schema_type(Type::String).enum_values(Some([event_type])),
        ),
    ]
}

/// Actions whose body is `{}` also take none (`http::json::OptionalJson`); utoipa marks every
/// declared body required, so these are corrected here.
fn bodies_that_may_be_left_out(api: &mut utoipa::openapi::OpenApi) {
    const OPTIONAL: &[&str] = &["/api/v1/registrations/{id}/check-in"];
    for path in OPTIONAL {
        let body = api.paths.paths.get_mut(*path).and_then(|item| item.post.as_mut()?.request_body.as_mut());
        match body {
            Some(utoipa::openapi::RefOr::T(body)) => body.required = Some(utoipa::openapi::Required::False),
            _ => panic!("POST {path} declares its body inline"),
        }
    }
}

/// The document as the routes declare it, before the problem codes are written in.
pub fn routes_document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    api
}

/// The document as checked in at `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
