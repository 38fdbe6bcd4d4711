//! Attendance from the video platform and from the door: importing a participant list,
//! resolving the people it could not match, and checking in many registrations at once.
//! Each handler parses, calls its use case (`app::online_attendance`, `app::check_ins`), and
//! renders.

use actix_multipart::Multipart;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::{Stream, StreamExt};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::check_ins::{self, MAX_CHECK_INS};
use crate::app::online_attendance::{self as use_case, ImportRequest};
use crate::auth::Caller;
use crate::domain::actors::{EventId, RegistrationId};
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::state::AppState;
use crate::views::online_attendance::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(import_participant_list).service(resolve_row).service(check_in_many);
}

/// The content types a participant list may come as: the file itself (CSV, or the tab-
/// separated text Teams and Excel write), or a form with the file in it.
enum Upload {
    File,
    Form,
}

fn upload_of(req: &HttpRequest) -> AppResult<Upload> {
    let essence = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match essence.as_str() {
        "text/csv"
        | "text/plain"
        | "text/tab-separated-values"
        | "application/vnd.ms-excel"
        | "application/octet-stream" => Ok(Upload::File),
        "multipart/form-data" => Ok(Upload::Form),
        _ => Err(AppError::UnsupportedMediaType { expected: "text/csv, or multipart/form-data with a file" }),
    }
}

/// The bytes of `stream`, refused with 422 `file_too_large` (nothing written) past `limit`.
async fn read_limited<S, E>(mut stream: S, limit: usize) -> AppResult<Vec<u8>>
where
    S: Stream<Item = Result<web::Bytes, E>> + Unpin,
{
    let mut file = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest {
            code: "unreadable_body",
            detail: "The body could not be read.".into(),
        })?;
        if file.len() + chunk.len() > limit {
            return Err(AppError::invalid(
                "file_too_large",
                "body",
                &format!("The file is larger than {limit} bytes (MAX_IMPORT_BYTES)."),
            ));
        }
        file.extend_from_slice(&chunk);
    }
    Ok(file)
}

/// The participant list of the request: the body, or the form's part named `file` (else its
/// first part with a file name).
async fn read_upload(req: &HttpRequest, payload: web::Payload, limit: usize) -> AppResult<Vec<u8>> {
    match upload_of(req)? {
        Upload::File => read_limited(payload, limit).await,
        Upload::Form => {
            let mut form = Multipart::new(req.headers(), payload);
            while let Some(field) = form.next().await {
                let field = field.map_err(|_| AppError::BadRequest {
                    code: "unreadable_body",
                    detail: "The form could not be read.".into(),
                })?;
                let is_file = field.name() == Some("file")
                    || field.content_disposition().and_then(|d| d.get_filename()).is_some();
                if is_file {
                    return read_limited(field, limit).await;
                }
            }
            Err(AppError::invalid("no_file", "file", "the form has no file (send it as the part `file`)"))
        }
    }
}

/// Import a participant list.
///
/// Import the video platform's participant list of an event (organisers of it, admin), once
/// the event has started (409 `event_not_started` before; no end: exports are often
/// downloaded days later; 409 `event_cancelled` for a cancelled event).
///
/// The body is the file as the platform exports it (`text/csv`; Teams' UTF-16 tab-separated
/// report too), or a form with the file as its part `file`, at most MAX_IMPORT_BYTES (422
/// `file_too_large`). People are matched only against the event's confirmed online
/// registrations and those seated at its hosted places: by email (case-folded), then by the
/// phone's digits, then by the full name (case, accents and word order ignored) when it names
/// exactly one of them. A person's rows (rejoins) are summed. Those matched who stayed
/// `min_minutes` or more are checked in (source `online_import`, with their minutes); one
/// checked in before keeps that check-in. Nothing is guessed: a name that fits several
/// registrations is `ambiguous`, anyone else `unmatched`, each waiting for the organiser
/// (`POST .../{import_id}/resolve`); the platform's names of those are kept only until then.
///
/// A file the product cannot read is 422 naming the problem and its line: `empty_file`,
/// `unsupported_encoding` (UTF-8, or UTF-16 with a BOM), `no_header`, `wrong_format`,
/// `missing_columns`, `invalid_duration`, `unreadable_file`; nothing is written. The same file
/// imported again changes nothing: 200 with that import as it stands.
#[utoipa::path(tag = "attendance", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id"), ImportQuery),
    request_body(content((String = "text/csv"), (ParticipantListForm = "multipart/form-data")),
        description = "The participant list as exported (CSV with commas, semicolons or tabs; UTF-8 or UTF-16 with a BOM), or a form with it as the part `file`"),
    responses(
    (status = 201, description = "Imported", body = AttendanceImport),
    (status = 200, description = "This file was imported before: that import, as it stands", body = AttendanceImport),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/events/{id}/online-attendance")]
pub async fn import_participant_list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    if let Some(minutes) = query.min_minutes.filter(|m| !(1..=1440).contains(m)) {
        return Err(AppError::invalid(
            "validation_failed",
            "min_minutes",
            &format!("must be from 1 to 1440, not {minutes}"),
        ));
    }
    let file = read_upload(&req, payload, state.settings.max_import_bytes).await?;
    let request = ImportRequest {
        format: query.format.unwrap_or_default().format(),
        min_minutes: query.min_minutes,
        file,
    };
    let mut conn = state.pool.get().await?;
    let imported = use_case::import(&mut conn, &caller, EventId(path.into_inner()), request).await?;
    tracing::info!(
        import_id = %imported.import.id, rows = imported.import.file_rows, new = imported.new,
        "participant list imported"
    );
    let answer = AttendanceImport::from(&imported);
    Ok(if imported.new {
        // Its people are resolved at `…/online-attendance/{import_id}/resolve`.
        HttpResponse::Created()
            .insert_header((
                "Location",
                format!("/api/v1/events/{}/online-attendance/{}", answer.event_id, answer.import_id),
            ))
            .json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    })
}

/// Resolve a line of an import.
///
/// Say who a person of an import is (organisers of the event, admin): an ambiguous or
/// unmatched `row` becomes the registration named (checked in, source `online_import`, when
/// the minutes of every row of the import counted for it reach the import's minimum and it
/// was not checked in yet), or nobody (`registration_id: null`). The platform's name, email
/// and phone of the row are forgotten either way. 422 `unknown_row`, 422
/// `registration_not_eligible` for a registration that is not a confirmed online one of the
/// event nor seated at a hosted place; 409 `already_resolved`.
#[utoipa::path(tag = "attendance", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id"), ("import_id" = Uuid, Path, description = "Import id")),
    request_body = ResolveRow,
    responses(
    (status = 200, description = "The import as it now stands", body = AttendanceImport),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/events/{id}/online-attendance/{import_id}/resolve")]
pub async fn resolve_row(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<ResolveRow>,
) -> AppResult<web::Json<AttendanceImport>> {
    let (event, import) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let resolved = use_case::resolve(
        &mut conn,
        &caller,
        EventId(event),
        import,
        body.row,
        body.registration_id.map(RegistrationId),
    )
    .await?;
    Ok(web::Json(AttendanceImport::from(&resolved)))
}

/// Check in many registrations.
///
/// Check in many registrations of an event at once (organisers of it, admin), within the
/// check-in window (2 hours before the start to 24 hours after the end; 409
/// `check_in_window`): 1 to 500 ids, in one transaction. Each confirmed registration not
/// checked in yet is checked in (source `onsite` for onsite seats, `manual` online); the
/// others are left as they are, and each id gets its outcome: `checked_in`,
/// `already_checked_in`, `not_confirmed`, or `not_found` (not a registration of the event).
#[utoipa::path(tag = "attendance", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id")),
    request_body = CheckInsRequest,
    responses(
    (status = 200, description = "The outcome of each registration", body = CheckInsResult),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/events/{id}/check-ins")]
pub async fn check_in_many(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<CheckInsRequest>,
) -> AppResult<web::Json<CheckInsResult>> {
    let ids = &body.registration_ids;
    if ids.is_empty() || ids.len() > MAX_CHECK_INS {
        return Err(AppError::invalid(
            "validation_failed",
            "registration_ids",
            &format!("must hold 1 to {MAX_CHECK_INS} ids"),
        ));
    }
    let mut conn = state.pool.get().await?;
    let outcomes = check_ins::check_in_many(&mut conn, &caller, EventId(path.into_inner()), ids).await?;
    let checked_in = outcomes.iter().filter(|(_, o)| *o == check_ins::CheckInOutcome::CheckedIn).count();
    Ok(web::Json(CheckInsResult {
        checked_in,
        results: outcomes
            .into_iter()
            .map(|(registration_id, outcome)| CheckInResult { registration_id, outcome })
            .collect(),
    }))
}
