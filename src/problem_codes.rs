//! The problem `code`s each operation can answer, written into the OpenAPI document: every
//! error response of every operation names its codes, so front-ends know what to switch on.
//!
//! Handlers refer to the shared problem responses (`crate::openapi::Conflict`…); here each
//! reference becomes a copy of that response whose description ends with the codes this
//! operation can give with that status.

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
        &["validation_failed", "no_attendance_mode", "unknown_organisation", "invalid_characters"],
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
        &["validation_failed", "no_attendance_mode", "unknown_organisation", "invalid_characters"],
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
    ("DELETE", "/api/v1/events/{id}/places/{place_id}", 409, &["place_in_use", "event_cancelled"]),
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
        ],
    ),
    ("POST", "/api/v1/events/{id}/registrations", 429, &["rate_limited", "too_many_duplicates"]),
    ("PATCH", "/api/v1/registrations/{id}", 400, BODY_400),
    (
        "PATCH",
        "/api/v1/registrations/{id}",
        409,
        &["capacity_full", "already_registered", "personal_data_erased"],
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
        ],
    ),
    ("POST", "/api/v1/registrations/{id}/check-in", 400, BODY_400),
    ("POST", "/api/v1/registrations/{id}/check-in", 409, &["not_confirmed", "check_in_window"]),
    ("POST", "/api/v1/registrations/{id}/check-in", 422, BODY_422),
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

/// Every (method, path, status, reference) of the document's problem responses.
fn problem_responses(
    document: &mut OpenApi,
) -> Vec<(String, String, u16, &mut RefOr<utoipa::openapi::Response>)> {
    let mut found = Vec::new();
    for (path, item) in document.paths.paths.iter_mut() {
        let operations = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, operation) in operations {
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

/// Replaces each reference to a shared problem response by a copy that names the codes.
pub fn document_codes(document: &mut OpenApi) {
    let shared = document.components.as_ref().map(|c| c.responses.clone()).unwrap_or_default();
    for (method, path, status, response) in problem_responses(document) {
        let (RefOr::Ref(reference), Some(codes)) = (&*response, codes(&method, &path, status)) else {
            continue;
        };
        let name = reference.ref_location.rsplit('/').next().unwrap_or_default();
        let Some(RefOr::T(base)) = shared.get(name) else { continue };
        let mut inline = base.clone();
        let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
        inline.description = format!("{} Codes: {}.", base.description.trim_end(), listed.join(", "));
        *response = RefOr::T(inline);
    }
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
