//! The problem `code`s each operation can answer, written into the OpenAPI document once,
//! here: every error response of every operation names its codes, and its body is a named
//! schema whose `code` is the enum of exactly those codes, so that generated clients can
//! switch on them exhaustively.
//!
//! Handlers refer to the shared problem responses (`crate::openapi::Conflict`…); here each
//! reference becomes a copy of that response whose description ends with the codes and whose
//! schema is `<Code>Problem` (one code) or `<Operation><Status>Problem` (several).
//!
//! The table is checked against what the server answers: `observe` (called for every answer
//! by `http::middleware::request_context`) logs and records any problem whose code, or
//! status, the document does not list for its operation; the test harness fails a test whose
//! server answered one, and `scripts/fuzz` fails on the log line.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

const BODY_400: &[&str] = &["malformed_json", "unreadable_body"];
const LIST_400: &[&str] = &["invalid_cursor"];
const LIST_422: &[&str] = &["validation_failed"];
const BODY_422: &[&str] = &["validation_failed", "invalid_characters"];

/// Codes that depend on the operation: (method, path, status, codes).
const BY_OPERATION: &[(&str, &str, u16, &[&str])] = &[
    ("POST", "/api/v1/auth/login", 400, BODY_400),
    ("POST", "/api/v1/auth/login", 401, &["invalid_credentials"]),
    ("POST", "/api/v1/auth/login", 422, BODY_422),
    ("POST", "/api/v1/auth/login", 429, &["too_many_attempts"]),
    ("POST", "/api/v1/auth/token", 400, BODY_400),
    ("POST", "/api/v1/auth/token", 401, &["invalid_credentials"]),
    ("POST", "/api/v1/auth/token", 422, BODY_422),
    ("POST", "/api/v1/auth/token", 429, &["too_many_attempts"]),
    ("GET", "/api/v1/events", 400, LIST_400),
    ("GET", "/api/v1/events", 422, LIST_422),
    ("POST", "/api/v1/events", 400, BODY_400),
    (
        "POST",
        "/api/v1/events",
        422,
        &[
            "validation_failed",
            "no_attendance_mode",
            "unknown_organisation",
            "unknown_series",
            "invalid_characters",
        ],
    ),
    ("PATCH", "/api/v1/events/{id}", 400, BODY_400),
    (
        "PATCH",
        "/api/v1/events/{id}",
        409,
        &["capacity_below_confirmed", "mode_in_use", "event_cancelled", "concurrent_update"],
    ),
    (
        "PATCH",
        "/api/v1/events/{id}",
        422,
        &[
            "validation_failed",
            "no_attendance_mode",
            "unknown_organisation",
            "unknown_series",
            "invalid_characters",
        ],
    ),
    ("POST", "/api/v1/events/{id}/publish", 409, &["invalid_transition"]),
    ("DELETE", "/api/v1/events/{id}/personal-data", 409, &["event_not_ended"]),
    ("POST", "/api/v1/events/{id}/cancel", 409, &["invalid_transition"]),
    ("POST", "/api/v1/events/{id}/places", 400, BODY_400),
    ("POST", "/api/v1/events/{id}/places", 409, &["place_already_offered", "event_cancelled"]),
    (
        "POST",
        "/api/v1/events/{id}/places",
        422,
        &["validation_failed", "unknown_place", "invalid_characters"],
    ),
    ("PATCH", "/api/v1/events/{id}/places/{place_id}", 400, BODY_400),
    ("PATCH", "/api/v1/events/{id}/places/{place_id}", 409, &["capacity_below_confirmed", "event_cancelled"]),
    ("PATCH", "/api/v1/events/{id}/places/{place_id}", 422, BODY_422),
    (
        "DELETE",
        "/api/v1/events/{id}/places/{place_id}",
        409,
        &["place_in_use", "place_in_group_reservation", "event_cancelled"],
    ),
    ("GET", "/api/v1/events/{id}/registrations", 400, LIST_400),
    ("GET", "/api/v1/events/{id}/registrations", 422, LIST_422),
    ("POST", "/api/v1/events/{id}/registrations", 400, BODY_400),
    ("POST", "/api/v1/events/{id}/registrations", 403, &["forbidden", "partner_not_allowed"]),
    ("POST", "/api/v1/events/{id}/registrations", 409, &["registration_closed", "already_registered"]),
    (
        "POST",
        "/api/v1/events/{id}/registrations",
        422,
        &[
            "validation_failed",
            "consent_required",
            "physical_space_required",
            "place_requires_onsite",
            "place_not_offered",
            "idempotency_key_reused",
            "invalid_idempotency_key",
            "invalid_characters",
            "unknown_consent_purpose",
            "unknown_consent_version",
            "duplicate_consent",
            "link_consent_required",
            "unknown_person_code",
            "barriers_contradict_needs",
        ],
    ),
    ("POST", "/api/v1/events/{id}/registrations", 429, &["rate_limited", "too_many_duplicates"]),
    ("PATCH", "/api/v1/registrations/{id}", 400, BODY_400),
    (
        "PATCH",
        "/api/v1/registrations/{id}",
        409,
        &["capacity_full", "already_registered", "personal_data_erased", "offer_pending"],
    ),
    (
        "PATCH",
        "/api/v1/registrations/{id}",
        422,
        &[
            "validation_failed",
            "physical_space_required",
            "place_requires_onsite",
            "place_not_offered",
            "invalid_characters",
            "unknown_consent_purpose",
            "unknown_consent_version",
            "barriers_contradict_needs",
        ],
    ),
    ("POST", "/api/v1/registrations/{id}/accept-offer", 409, &["not_offered", "offer_expired"]),
    ("POST", "/api/v1/registrations/{id}/decline-offer", 409, &["not_offered"]),
    ("POST", "/api/v1/registrations/{id}/check-in", 400, BODY_400),
    ("POST", "/api/v1/registrations/{id}/check-in", 409, &["not_confirmed", "check_in_window"]),
    ("POST", "/api/v1/registrations/{id}/check-in", 422, BODY_422),
    ("GET", "/api/v1/outreach", 400, LIST_400),
    ("GET", "/api/v1/outreach", 422, LIST_422),
    ("POST", "/api/v1/outreach/{id}/result", 400, BODY_400),
    ("POST", "/api/v1/outreach/{id}/result", 409, &["outreach_closed"]),
    ("POST", "/api/v1/outreach/{id}/result", 422, BODY_422),
    ("PUT", "/api/v1/registrations/{id}/no-show", 400, BODY_400),
    ("PUT", "/api/v1/registrations/{id}/no-show", 409, &["event_not_ended", "not_confirmed", "checked_in"]),
    ("PUT", "/api/v1/registrations/{id}/no-show", 422, &["validation_failed"]),
    ("POST", "/api/v1/events/{id}/online-attendance", 400, &["unreadable_body"]),
    ("POST", "/api/v1/events/{id}/online-attendance", 409, &["event_not_started", "event_cancelled"]),
    (
        "POST",
        "/api/v1/events/{id}/online-attendance",
        422,
        &[
            "validation_failed",
            "file_too_large",
            "no_file",
            "empty_file",
            "unsupported_encoding",
            "no_header",
            "wrong_format",
            "missing_columns",
            "invalid_duration",
            "unreadable_file",
        ],
    ),
    ("POST", "/api/v1/events/{id}/online-attendance/{import_id}/resolve", 400, BODY_400),
    ("POST", "/api/v1/events/{id}/online-attendance/{import_id}/resolve", 409, &["already_resolved"]),
    (
        "POST",
        "/api/v1/events/{id}/online-attendance/{import_id}/resolve",
        422,
        &["validation_failed", "unknown_row", "registration_not_eligible"],
    ),
    ("POST", "/api/v1/events/{id}/check-ins", 400, BODY_400),
    ("POST", "/api/v1/events/{id}/check-ins", 409, &["check_in_window"]),
    ("POST", "/api/v1/events/{id}/check-ins", 422, BODY_422),
    ("GET", "/api/v1/organisations", 400, LIST_400),
    ("GET", "/api/v1/organisations", 422, LIST_422),
    ("POST", "/api/v1/organisations", 400, BODY_400),
    ("POST", "/api/v1/organisations", 409, &["organisation_exists"]),
    ("POST", "/api/v1/organisations", 422, BODY_422),
    ("PATCH", "/api/v1/organisations/{id}", 400, BODY_400),
    ("PATCH", "/api/v1/organisations/{id}", 422, &["validation_failed"]),
    ("GET", "/api/v1/organisations/{id}/api-clients", 400, LIST_400),
    ("GET", "/api/v1/organisations/{id}/api-clients", 422, LIST_422),
    ("POST", "/api/v1/organisations/{id}/api-clients", 400, BODY_400),
    ("POST", "/api/v1/organisations/{id}/api-clients", 422, BODY_422),
    ("GET", "/api/v1/organisations/{id}/trusted-organisations", 400, LIST_400),
    ("GET", "/api/v1/organisations/{id}/trusted-organisations", 422, LIST_422),
    ("PUT", "/api/v1/organisations/{id}/trusted-organisations/{other}", 422, &["cannot_trust_itself"]),
    ("GET", "/api/v1/organisations/{id}/places", 400, LIST_400),
    ("GET", "/api/v1/organisations/{id}/places", 422, LIST_422),
    ("POST", "/api/v1/organisations/{id}/places", 400, BODY_400),
    (
        "POST",
        "/api/v1/organisations/{id}/places",
        422,
        &["validation_failed", "unknown_organisation", "invalid_characters"],
    ),
    ("PATCH", "/api/v1/places/{id}", 400, BODY_400),
    ("PATCH", "/api/v1/places/{id}", 409, &["devices_below_capacity"]),
    (
        "PATCH",
        "/api/v1/places/{id}",
        422,
        &["validation_failed", "unknown_organisation", "invalid_characters"],
    ),
    ("GET", "/api/v1/organisations/{id}/series", 400, LIST_400),
    ("GET", "/api/v1/organisations/{id}/series", 422, LIST_422),
    ("POST", "/api/v1/organisations/{id}/series", 400, BODY_400),
    ("POST", "/api/v1/organisations/{id}/series", 409, &["series_name_taken"]),
    ("POST", "/api/v1/organisations/{id}/series", 422, BODY_422),
    ("PATCH", "/api/v1/series/{id}", 400, BODY_400),
    ("PATCH", "/api/v1/series/{id}", 409, &["series_name_taken"]),
    ("PATCH", "/api/v1/series/{id}", 422, BODY_422),
    ("GET", "/api/v1/series/{id}/actions", 400, LIST_400),
    ("GET", "/api/v1/series/{id}/actions", 422, LIST_422),
    ("POST", "/api/v1/events/{id}/outcomes", 400, BODY_400),
    ("POST", "/api/v1/events/{id}/outcomes", 409, &["event_cancelled"]),
    (
        "POST",
        "/api/v1/events/{id}/outcomes",
        422,
        &[
            "validation_failed",
            "invalid_characters",
            "unknown_organisation",
            "idempotency_key_reused",
            "invalid_idempotency_key",
        ],
    ),
    ("PATCH", "/api/v1/actions/{id}", 400, BODY_400),
    (
        "PATCH",
        "/api/v1/actions/{id}",
        422,
        &["validation_failed", "invalid_characters", "unknown_organisation"],
    ),
    ("GET", "/api/v1/organisations/{id}/consent-purposes", 400, LIST_400),
    ("GET", "/api/v1/organisations/{id}/consent-purposes", 422, LIST_422),
    ("POST", "/api/v1/organisations/{id}/consent-purposes", 400, BODY_400),
    ("POST", "/api/v1/organisations/{id}/consent-purposes", 409, &["consent_purpose_exists"]),
    (
        "POST",
        "/api/v1/organisations/{id}/consent-purposes",
        422,
        &[
            "validation_failed",
            "invalid_consent_purpose",
            "consent_purpose_required",
            "consent_purpose_optional",
            "invalid_characters",
        ],
    ),
    ("POST", "/api/v1/organisations/{id}/consent-purposes/{purpose}/versions", 400, BODY_400),
    ("POST", "/api/v1/organisations/{id}/consent-purposes/{purpose}/versions", 422, BODY_422),
    ("POST", "/api/v1/users", 400, BODY_400),
    ("POST", "/api/v1/users", 409, &["email_taken"]),
    (
        "POST",
        "/api/v1/users",
        422,
        &["validation_failed", "weak_password", "unknown_organisation", "invalid_characters"],
    ),
    ("GET", "/api/v1/events/{id}/report", 422, LIST_422),
    ("GET", "/api/v1/events/{id}/report.html", 422, LIST_422),
    ("GET", "/api/v1/events/{id}/attendance.csv", 422, LIST_422),
    ("GET", "/api/v1/reports/attendance", 400, LIST_400),
    ("GET", "/api/v1/reports/attendance", 422, LIST_422),
    ("GET", "/api/v1/series/{id}/report", 422, LIST_422),
    ("POST", "/api/v1/events/{id}/report-links", 400, BODY_400),
    ("POST", "/api/v1/events/{id}/report-links", 422, BODY_422),
    ("GET", "/api/v1/webhooks", 400, LIST_400),
    ("GET", "/api/v1/webhooks", 422, LIST_422),
    ("POST", "/api/v1/webhooks", 400, BODY_400),
    ("POST", "/api/v1/webhooks", 409, &["too_many_subscriptions"]),
    ("POST", "/api/v1/webhooks", 422, &["validation_failed", "unknown_organisation", "invalid_characters"]),
    ("GET", "/api/v1/webhooks/{id}/deliveries", 400, LIST_400),
    ("GET", "/api/v1/webhooks/{id}/deliveries", 422, LIST_422),
];

/// Codes that are the same wherever the status appears.
fn by_status(status: u16) -> Option<&'static [&'static str]> {
    Some(match status {
        401 => &["unauthorized"],
        403 => &["forbidden"],
        404 => &["not_found"],
        413 => &["payload_too_large"],
        415 => &["unsupported_media_type"],
        500 => &["internal_error"],
        503 => &["service_unavailable"],
        _ => return None,
    })
}

pub fn codes(method: &str, path: &str, status: u16) -> Option<&'static [&'static str]> {
    BY_OPERATION
        .iter()
        .find(|(m, p, s, _)| *m == method && *p == path && *s == status)
        .map(|(_, _, _, codes)| *codes)
        .or_else(|| by_status(status))
}

/// What each code means, for the page at `/problems/{code}` (the problem's `type`).
pub const EXPLANATIONS: &[(&str, &str)] = &[
    ("already_registered", "This person is already registered for the event (the same email or phone). A partner sees this only for people it may know about."),
    ("already_resolved", "This line of the participant-list import was resolved before; its answer stands."),
    ("bad_request", "The request could not be read."),
    ("barriers_contradict_needs", "The barriers listed contradict the first contract's needs: a `transport` barrier with `needs_transport: false`, or no `digital_gap` barrier while `needs_physical_space` stays true."),
    ("cannot_trust_itself", "An organisation cannot trust itself: its own partners need no trust."),
    ("capacity_below_confirmed", "The new capacity is below the seats already confirmed. Cancel or move registrations first."),
    ("capacity_full", "No seat is free in the attendance mode or place asked for."),
    ("check_in_window", "Check-in is open from 2 hours before the start until 24 hours after the end of the event."),
    ("checked_in", "The person was checked in: undo the check-in before recording a no-show."),
    ("concurrent_update", "Someone changed the same resource at the same time; read it again and retry."),
    ("consent_purpose_exists", "The organisation already has a consent purpose with this key."),
    ("consent_purpose_optional", "The `contact` and `link_across_events` purposes are always optional."),
    ("consent_purpose_required", "The `data_processing` purpose is always required."),
    ("consent_required", "The participant must consent to the processing of their data (`consent.data_processing`)."),
    ("devices_below_capacity", "A hosted place cannot have fewer devices than the seats an event offers there."),
    ("duplicate_consent", "The same consent purpose is given twice."),
    ("email_taken", "A user with this email exists."),
    ("empty_file", "The uploaded file is empty."),
    ("event_cancelled", "The event is cancelled: it cannot be changed any more."),
    ("event_not_ended", "This is possible only after the event has ended (`ends_at`)."),
    ("event_not_started", "The participant list can be imported only once the event has started."),
    ("file_too_large", "The file is larger than MAX_IMPORT_BYTES."),
    ("forbidden", "You are authenticated but may not do this."),
    ("idempotency_key_reused", "This `Idempotency-Key` was used for a different request."),
    ("internal_error", "Something went wrong on the server. The `instance` names the request in the server's log."),
    ("invalid_characters", "A text holds control characters (a pasted line break, a NUL) where none may be; `errors` names the fields."),
    ("invalid_consent_purpose", "A consent purpose key is lower-case letters, digits and `_`."),
    ("invalid_credentials", "The email and password, or the client id and secret, are not valid."),
    ("invalid_cursor", "The cursor is not one this server handed out (in `next_cursor`) for this list."),
    ("invalid_duration", "A duration in the file cannot be read; the problem names its line."),
    ("invalid_idempotency_key", "An `Idempotency-Key` is 1 to 255 visible ASCII characters."),
    ("invalid_transition", "The event's status does not allow this (publish a draft, cancel a draft or published event)."),
    ("link_consent_required", "A `person_ref` links a person across events only with the `link_across_events` consent."),
    ("malformed_json", "The body is not well-formed JSON."),
    ("method_not_allowed", "This resource does not support that method."),
    ("missing_columns", "The file lacks a column the import needs (a name, and the minutes or join and leave times)."),
    ("mode_in_use", "An attendance mode cannot be removed while registrations use it."),
    ("no_attendance_mode", "An event offers online or onsite attendance, or both."),
    ("no_file", "The form has no part named `file`."),
    ("no_header", "The file has no header line of a known participant-list export."),
    ("not_confirmed", "Only a confirmed registration can be checked in or marked as a no-show."),
    ("not_found", "No such resource, or one you may not know exists."),
    ("not_offered", "The registration holds no offer of a seat to accept or decline."),
    ("offer_expired", "The offer of a seat passed its deadline (`offer_expires_at`): the seat goes to the next person waiting."),
    ("offer_pending", "The registration holds an offer of a seat: accept or decline it before moving it."),
    ("organisation_exists", "An organisation with this name exists."),
    ("outreach_closed", "The outreach item is done, failed or superseded by a newer one: it takes no more results."),
    ("partner_not_allowed", "This partner may not register people for this organisation's events (it is not trusted)."),
    ("payload_too_large", "The body is larger than MAX_BODY_BYTES."),
    ("personal_data_erased", "The participant's personal data was erased; the registration cannot be changed."),
    ("physical_space_required", "A registration that needs a physical space must attend onsite."),
    ("place_already_offered", "The event offers this place already."),
    ("place_in_group_reservation", "A place cannot be withdrawn while a group reservation holds seats there."),
    ("place_in_use", "A place cannot be withdrawn while registrations are seated there."),
    ("place_not_offered", "The event does not offer this place."),
    ("place_requires_onsite", "A place is for onsite attendance only."),
    ("rate_limited", "Too many registrations from you in a minute; retry after `Retry-After` seconds."),
    ("registration_closed", "The event does not take registrations (a draft, cancelled or over)."),
    ("registration_not_eligible", "That registration cannot be checked in from the import: it is not a confirmed online one of the event, nor seated at a hosted place."),
    ("series_name_taken", "The organisation has a series with this name (whatever its case)."),
    ("service_unavailable", "The database is not answering, or too slowly; retry after `Retry-After` seconds."),
    ("too_many_attempts", "Too many failed logins; retry after `Retry-After` seconds."),
    ("too_many_duplicates", "Too many `already_registered` answers for people you did not register; retry after `Retry-After` seconds."),
    ("too_many_subscriptions", "The owner has as many webhook subscriptions as allowed."),
    ("unauthorized", "A valid bearer token is required (or a report link's token)."),
    ("unknown_consent_purpose", "The organisation has no consent purpose with this key."),
    ("unknown_consent_version", "The consent purpose has no such version."),
    ("unknown_organisation", "No organisation has this id."),
    ("unknown_person_code", "No participant of the event's organisation has this person code."),
    ("unknown_place", "The organisation has no place with this id."),
    ("unknown_row", "The import has no line with this number."),
    ("unknown_series", "The event's organisation has no series with this id."),
    ("unreadable_body", "The body, or a part of a form, cannot be read."),
    ("unreadable_file", "The file cannot be read as a participant list; the problem names its line."),
    ("unsupported_encoding", "The file is neither UTF-8 nor UTF-16 with a byte-order mark."),
    ("unsupported_media_type", "The body has a content type this operation does not take."),
    ("validation_failed", "The request was read but some fields are not acceptable; `errors` names each field with its own code."),
    ("weak_password", "The password is too short (12 characters or more) or too common."),
    ("wrong_format", "The file is the export of another platform than the `format` asked for."),
];

/// What `code` means, when it is one of the API's codes.
pub fn explanation(code: &str) -> Option<&'static str> {
    EXPLANATIONS.iter().find(|(c, _)| *c == code).map(|(_, text)| *text)
}

/// The codes each (method, path) of the document lists per error status, built once.
type Listed = HashMap<(String, String), BTreeMap<u16, &'static [&'static str]>>;

fn listed() -> &'static Listed {
    static LISTED: OnceLock<Listed> = OnceLock::new();
    LISTED.get_or_init(|| {
        let mut document = crate::openapi::routes_document();
        let mut listed = Listed::new();
        for (method, path, status, _) in problem_responses(&mut document) {
            if let Some(codes) = codes(&method, &path, status) {
                listed.entry((method, path)).or_default().insert(status, codes);
            }
        }
        listed
    })
}

/// Problems answered that the document does not list, as `(port, what)`.
static UNDOCUMENTED: Mutex<Vec<(u16, String)>> = Mutex::new(Vec::new());

/// Checks one answer against the document: a problem `code` (or an error status) that the
/// document does not list for the operation `method route` is logged as an error and kept
/// for [`take_undocumented`]. Answers of routes outside the document (the docs, unknown
/// paths) are not checked.
pub fn observe(port: u16, method: &str, route: &str, status: u16, code: Option<&str>) {
    if status < 400 {
        return;
    }
    let method = if method == "HEAD" { "GET" } else { method };
    let Some(statuses) = listed().get(&(method.to_owned(), route.to_owned())) else { return };
    let what = match (statuses.get(&status), code) {
        (None, _) => format!("{method} {route} answered {status}, a status it does not document"),
        (Some(codes), Some(code)) if !codes.contains(&code) => {
            format!("{method} {route} answered {status} `{code}`, a code it does not document")
        }
        _ => return,
    };
    tracing::error!(problem = %what, "undocumented problem: add it to src/problem_codes.rs");
    UNDOCUMENTED.lock().unwrap_or_else(|e| e.into_inner()).push((port, what));
}

/// The undocumented problems the server on `port` answered since the last call.
pub fn take_undocumented(port: u16) -> Vec<String> {
    let mut all = UNDOCUMENTED.lock().unwrap_or_else(|e| e.into_inner());
    let (mine, others): (Vec<_>, Vec<_>) = all.drain(..).partition(|(p, _)| *p == port);
    *all = others;
    mine.into_iter().map(|(_, what)| what).collect()
}

/// Every (method, path, status, reference) of the document's problem responses.
fn problem_responses(
    document: &mut OpenApi,
) -> Vec<(String, String, u16, &mut RefOr<utoipa::openapi::Response>)> {
    let mut found = Vec::new();
    for (path, item) in document.paths.paths.iter_mut() {
        for (method, operation) in crate::openapi::operations_mut(item) {
            let Some(operation) = operation else { continue };
            for (status, response) in operation.responses.responses.iter_mut() {
                let Ok(status) = status.parse::<u16>() else { continue };
                if status >= 400 && matches!(response, RefOr::Ref(_)) {
                    found.push((method.to_owned(), path.clone(), status, response));
                }
            }
        }
    }
    found
}

/// Replaces each reference to a shared problem response by a copy that names the codes and
/// whose body is a schema with the enum of those codes; the shared responses, now unused,
/// leave the document.
pub fn document_codes(document: &mut OpenApi) {
    let components = document.components.clone().unwrap_or_default();
    let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get("Problem").cloned() else {
        panic!("the document has the Problem schema");
    };
    let operation_ids = operation_ids(document);
    let mut schemas = BTreeMap::new();
    for (method, path, status, response) in problem_responses(document) {
        let (RefOr::Ref(reference), Some(codes)) = (&*response, codes(&method, &path, status)) else {
            continue;
        };
        let name = reference.ref_location.rsplit('/').next().unwrap_or_default();
        let Some(RefOr::T(base)) = components.responses.get(name) else { continue };
        let schema_name = match codes {
            [code] => format!("{}Problem", camel(code)),
            _ => format!(
                "{}{}Problem",
                camel(&operation_ids[&(method.clone(), path.clone())]),
                status_name(status)
            ),
        };
        schemas.entry(schema_name.clone()).or_insert_with(|| {
            let mut schema = problem.clone();
            schema.description = Some(match codes {
                [code] => format!("A problem whose `code` is `{code}`."),
                _ => format!("A problem of `{method} {path}` with status {status}."),
            });
            let code = ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "Stable snake_case code for programs to switch on: one of these (see `type`).",
                ))
                .enum_values(Some(codes.iter().copied()));
            schema.properties.insert("code".to_owned(), code.into());
            set_example(&mut schema, status, codes[0]);
            schema
        });
        let mut inline = base.clone();
        let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
        inline.description = format!("{} Codes: {}.", base.description.trim_end(), listed.join(", "));
        for content in inline.content.values_mut() {
            if let RefOr::T(content) = content {
                content.schema = Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(&schema_name)));
            }
        }
        *response = RefOr::T(inline);
    }
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.insert(name, RefOr::T(Schema::Object(schema)));
    }
    components.responses.clear();
}

/// A problem with `code` and `status` as the schema's example.
#[allow(deprecated)] // `example`: what the other schemas of the document have (utoipa's derive)
fn set_example(schema: &mut utoipa::openapi::schema::Object, status: u16, code: &str) {
    let reason = actix_web::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason());
    schema.example = Some(serde_json::json!({
        "type": crate::error::problem_type(code),
        "title": reason.unwrap_or("Error"),
        "status": status,
        "detail": explanation(code).unwrap_or_default(),
        "code": code,
        "instance": "urn:hybrid-events:request:0193a5d0-7777-7abc-8def-6a6b6c6d6e6f",
    }));
}

/// The operation id of each (method, path).
fn operation_ids(document: &mut OpenApi) -> HashMap<(String, String), String> {
    let mut ids = HashMap::new();
    for (path, item) in document.paths.paths.iter() {
        for (method, operation) in crate::openapi::operations(item) {
            if let Some(id) = operation.as_ref().and_then(|o| o.operation_id.clone()) {
                ids.insert((method.to_owned(), path.clone()), id);
            }
        }
    }
    ids
}

/// `invalid_cursor` → `InvalidCursor`.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn status_name(status: u16) -> String {
    let reason = actix_web::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    reason.split(|c: char| !c.is_ascii_alphanumeric()).map(|w| camel(&w.to_ascii_lowercase())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_response_of_every_operation_names_its_codes() {
        let mut document = crate::openapi::routes_document();
        let missing: Vec<String> = problem_responses(&mut document)
            .into_iter()
            .filter(|(method, path, status, _)| codes(method, path, *status).is_none())
            .map(|(method, path, status, _)| format!("{method} {path} {status}"))
            .collect();
        assert!(missing.is_empty(), "add their codes to src/problem_codes.rs: {missing:?}");
    }

    #[test]
    fn every_code_has_an_explanation_in_order() {
        let mut document = crate::openapi::routes_document();
        for (method, path, status, _) in problem_responses(&mut document) {
            for code in codes(&method, &path, status).unwrap_or_default() {
                assert!(explanation(code).is_some(), "explain `{code}` in EXPLANATIONS");
            }
        }
        let names: Vec<&str> = EXPLANATIONS.iter().map(|(code, _)| *code).collect();
        assert!(
            names.windows(2).all(|pair| pair[0] < pair[1]),
            "EXPLANATIONS in alphabetical order, once each"
        );
    }

    #[test]
    fn each_error_response_has_the_enum_of_its_codes() {
        let document = crate::openapi::document();
        let json = serde_json::to_value(&document).unwrap();
        let response = &json["paths"]["/api/v1/events"]["post"]["responses"]["422"];
        let reference = response["content"]["application/problem+json"]["schema"]["$ref"].as_str().unwrap();
        assert_eq!(reference, "#/components/schemas/CreateEventUnprocessableEntityProblem");
        let code =
            &json["components"]["schemas"]["CreateEventUnprocessableEntityProblem"]["properties"]["code"];
        let codes: Vec<&str> = code["enum"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert_eq!(codes, codes_of("POST", "/api/v1/events", 422));
        let not_found = &json["paths"]["/api/v1/events/{id}"]["get"]["responses"]["404"];
        assert_eq!(
            not_found["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/NotFoundProblem"
        );
    }

    fn codes_of(method: &str, path: &str, status: u16) -> Vec<&'static str> {
        codes(method, path, status).unwrap().to_vec()
    }

    #[test]
    fn an_undocumented_code_or_status_is_kept_for_its_server_only() {
        observe(1, "POST", "/api/v1/events", 422, Some("validation_failed"));
        observe(1, "POST", "/api/v1/events", 409, Some("event_cancelled"));
        observe(1, "GET", "/api/v1/events/{id}", 404, Some("not_found"));
        observe(2, "POST", "/api/v1/events", 422, Some("weak_password"));
        observe(2, "GET", "/no/such/route", 418, None);
        assert_eq!(take_undocumented(1), ["POST /api/v1/events answered 409, a status it does not document"]);
        assert_eq!(
            take_undocumented(2),
            ["POST /api/v1/events answered 422 `weak_password`, a code it does not document"]
        );
        assert!(take_undocumented(1).is_empty());
    }

    #[test]
    fn every_listed_operation_exists_with_that_status() {
        let mut document = crate::openapi::routes_document();
        let present: Vec<(String, String, u16)> =
            problem_responses(&mut document).into_iter().map(|(m, p, s, _)| (m, p, s)).collect();
        for (method, path, status, _) in BY_OPERATION {
            assert!(
                present.contains(&(method.to_string(), path.to_string(), *status)),
                "{method} {path} does not document {status}"
            );
        }
    }
}
