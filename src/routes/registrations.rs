//! Registrations: create (with the seat rules and idempotency), list, read, update, cancel,
//! check in and undo it, erase personal data, and the audit trail. Each handler parses,
//! calls its use case (`app::registrations`), and renders.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, CustomizeResponder, HttpRequest, HttpResponse};
use std::collections::HashMap;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::registrations::{self as use_case, Registered, Request};
use crate::auth::{note_caller, Caller, Token};
use crate::db::consents;
use crate::db::events::EventRow;
use crate::db::history as audit;
use crate::db::idempotency::Replay;
use crate::db::places::{self, PlaceRow};
use crate::db::registrations::{self, RegistrationFilter, RegistrationRow};
use crate::domain::actors::{EventId, RegistrationId};
use crate::domain::outreach::message_language;
use crate::domain::rate_limit::RateLimit;
use crate::domain::registrations::short_code;
use crate::domain::registrations::RegistrationStatus as Status;
use crate::error::{AppError, AppResult};
use crate::http::json::{Json, OptionalJson};
use crate::http::languages;
use crate::http::pagination::{next_cursor, page_request};
use crate::state::AppState;
use crate::views::attendance::CheckInRequest;
use crate::views::calendar;
use crate::views::card;
use crate::views::messages::{self, CardFacts, Whereabouts};
use crate::views::registrations::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_registration)
        .service(list_registrations)
        .service(get_registration)
        .service(registration_calendar)
        .service(registration_card)
        .service(patch_registration)
        .service(cancel_registration)
        .service(accept_offer)
        .service(decline_offer)
        .service(check_in)
        .service(undo_check_in)
        .service(erase_personal_data)
        .service(history);
}

/// The registration as answered, with its consents and its place (when it is at one) read
/// afresh.
pub(crate) async fn view(
    conn: &mut diesel_async::AsyncPgConnection,
    row: RegistrationRow,
    position: Option<i64>,
    event: &EventRow,
) -> AppResult<Registration> {
    let consents = consents::of_registration(conn, row.id).await?;
    let place = place_of(conn, &row).await?;
    Ok(Registration::from_row(row, position, event, place.as_ref(), consents))
}

/// The place a registration is at, when not the main venue (one query, only then).
async fn place_of(
    conn: &mut diesel_async::AsyncPgConnection,
    row: &RegistrationRow,
) -> AppResult<Option<PlaceRow>> {
    match row.place_id {
        Some(id) => places::find(conn, id).await,
        None => Ok(None),
    }
}

/// Register a participant.
///
/// Who may: partners, organisers of the event, admins.
///
/// A partner registers people only for the events of its own organisation and of
/// organisations that trust its organisation (`PUT
/// /organisations/{id}/trusted-organisations/{other}`); for any other event it gets 403
/// `partner_not_allowed`.
///
/// The seat rules of the contract are decided in one transaction with the event locked, so
/// they hold under any number of concurrent requests and server processes. With an
/// `Idempotency-Key` header, a retry with the same body within 24 hours gets the first
/// answer again and creates nothing. One caller may create at most
/// REGISTRATION_RATE_LIMIT_PER_MINUTE registrations a minute (429 `rate_limited` beyond).
///
/// 409 `already_registered` carries its code and nothing more (no id, status or mode). A
/// partner gets it at most DUPLICATE_PROBE_LIMIT_PER_HOUR times an hour for people it did
/// not register itself; after that every registration it sends is 429 `too_many_duplicates`
/// (with `Retry-After`) until the hour ends. Each such answer is counted in the event's
/// history (`duplicates_refused`, one entry per partner and hour), never the email or phone.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), request_body = CreateRegistration,
    params(("id" = Uuid, Path, description = "Event id"),
           ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Makes retries safe: 1 to 255 printable ASCII characters")),
    responses(
    (status = 201, description = "Created: confirmed or waitlisted", body = Registration),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 429, response = crate::openapi::TooManyRequests),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/events/{id}/registrations")]
pub async fn create_registration(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: Token,
    path: Result<web::Path<Uuid>, actix_web::Error>,
    body: Result<Json<CreateRegistration>, AppError>,
) -> AppResult<HttpResponse> {
    let request = match read_request(&req, path, body) {
        Ok(request) => request,
        // Who calls is settled before what was sent is judged (401 before 400, 404 or 422),
        // as on every endpoint that extracts a `Caller`.
        Err(error) => {
            token.load(&req).await?;
            return Err(error);
        }
    };
    let limits = use_case::Limits {
        per_minute: state.settings.registration_rate_limit_per_minute,
        duplicates_per_hour: state.settings.duplicate_probe_limit_per_hour,
        group_lock_wait_ms: state.settings.registration_group_lock_wait_ms,
    };
    let event_id = request.event_id;
    let registered = if request.idempotent.is_none() {
        // Written with the registrations that reach its writer at the same time
        // (`group_commit`); one with a key is written alone, with its answer.
        let answered = state.writers.register(token, request).await;
        if let Some(caller) = &answered.caller {
            note_caller(&req, caller);
        }
        answered.registered?
    } else {
        let mut conn = state.pool.get().await?;
        use_case::register(
            &mut conn,
            token,
            &request,
            limits,
            |caller| note_caller(&req, caller),
            |row, position, event, place, consents| {
                serde_json::to_value(Registration::from_row(
                    row.clone(),
                    position,
                    event,
                    place,
                    consents.to_vec(),
                ))
                .expect("views serialise")
            },
        )
        .await?
    };
    match registered {
        Registered::New { outcome, waitlist_position, place, consents, rate_limit } => {
            let view = Registration::from_row(
                outcome.registration,
                waitlist_position,
                &outcome.event,
                place.as_deref(),
                consents,
            );
            let label = match (view.status, view.fallback_applied) {
                (RegistrationStatus::Confirmed, true) => "fallback",
                (RegistrationStatus::Confirmed, false) => "confirmed",
                _ => "waitlisted",
            };
            state.metrics.registrations.with_label_values(&[label]).inc();
            tracing::info!(registration_id = %view.id, event_id = %event_id, outcome = label, "registered");
            let mut created = HttpResponse::Created();
            created.insert_header((header::LOCATION, format!("/api/v1/registrations/{}", view.id)));
            for field in rate_limit.iter().flat_map(RateLimit::fields) {
                created.insert_header(field);
            }
            Ok(created.json(view))
        }
        Registered::Replay(Replay { status, body: Some(body), registration_id }) => {
            Ok(replay(status, registration_id, body))
        }
        Registered::Replay(Replay { status, body: None, registration_id }) => {
            // The stored answer was erased with the personal data: answer the registration
            // as it is now.
            let id = registration_id.ok_or(AppError::NotFound)?;
            let mut conn = state.pool.get().await?;
            let row = registrations::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
            let event = crate::db::events::find(&mut conn, row.event_id).await?.ok_or(AppError::NotFound)?;
            let position = position_of(&mut conn, &row).await?;
            let answer = view(&mut conn, row, position, &event).await?;
            Ok(replay(status, Some(id), serde_json::to_value(answer).expect("views serialise")))
        }
    }
}

/// Reads a registration request: every check that needs no database.
fn read_request(
    req: &HttpRequest,
    path: Result<web::Path<Uuid>, actix_web::Error>,
    body: Result<Json<CreateRegistration>, AppError>,
) -> AppResult<Request> {
    // Any malformed id is 404, as `http::query::path_config` answers elsewhere.
    let event_id = EventId(path.map_err(|_| AppError::NotFound)?.into_inner());
    let key = crate::http::idempotency::key_of(req.headers())?;
    let input = body?.0;
    let valid = crate::domain::registrations::validate(input.to_draft()?)?;
    // Only a request that may be replayed needs its fingerprint.
    let idempotent = key.map(|key| (key, crate::http::idempotency::fingerprint(&input)));
    Ok(Request {
        event_id,
        valid,
        stakeholder_category: input.participant.stakeholder_category.as_str(),
        idempotent,
    })
}

/// The first answer again, with the `Location` of the registration it created.
fn replay(status: u16, registration_id: Option<Uuid>, body: serde_json::Value) -> HttpResponse {
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::CREATED);
    let mut answer = HttpResponse::build(status);
    answer.insert_header(("Idempotent-Replayed", "true"));
    if let (actix_web::http::StatusCode::CREATED, Some(id)) = (status, registration_id) {
        answer.insert_header((header::LOCATION, format!("/api/v1/registrations/{id}")));
    }
    answer.json(body)
}

pub(crate) async fn position_of(
    conn: &mut diesel_async::AsyncPgConnection,
    row: &RegistrationRow,
) -> AppResult<Option<i64>> {
    Ok(if row.status == Status::Waitlisted {
        Some(registrations::waitlist_position(conn, row).await?)
    } else {
        None
    })
}

/// List an event's registrations.
///
/// List an event's registrations, oldest first: all of them for its organisers and admins,
/// its own for a partner. Each `place.name` is in the translation the `Accept-Language`
/// header prefers, when the place has one.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id"), RegistrationQuery), responses(
    (status = 200, description = "A page of registrations", body = RegistrationList,
        headers(("Vary" = String, description = "Accept-Language"))),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events/{id}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<RegistrationQuery>,
    req: HttpRequest,
) -> AppResult<CustomizeResponder<web::Json<RegistrationList>>> {
    let event_id = path.into_inner();
    let page = page_request::<i64>(
        &state.signer,
        &format!("registrations:{event_id}"),
        query.limit,
        query.cursor.as_deref(),
    )?;
    let mut conn = state.pool.get().await?;
    let event = crate::app::events::find_visible(&mut conn, Some(&caller), EventId(event_id)).await?;
    let created_by = use_case::may_list(&caller, &event)?;
    let filter = RegistrationFilter {
        status: query.status.map(Status::from),
        mode: query.mode.map(Into::into),
        needs_physical_space: query.needs_physical_space,
        place_id: query.place_id,
        created_by,
    };
    let mut rows = registrations::list(&mut conn, event_id, &filter, page.after, page.limit + 1).await?;
    let next_cursor =
        next_cursor(&state.signer, &format!("registrations:{event_id}"), &mut rows, page.limit, |r| r.seq);
    let waitlisted: Vec<Uuid> =
        rows.iter().filter(|r| r.status == Status::Waitlisted).map(|r| r.id).collect();
    let positions = registrations::waitlist_positions(&mut conn, event_id, &waitlisted).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut consents = consents::of_registrations(&mut conn, &ids).await?;
    let mut place_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.place_id).collect();
    place_ids.sort_unstable();
    place_ids.dedup();
    let places: HashMap<Uuid, PlaceRow> =
        places::by_ids(&mut conn, &place_ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let wanted = languages::wanted(&req);
    let items = rows
        .into_iter()
        .map(|row| {
            let position = positions.get(&row.id).copied();
            let held = consents.remove(&row.id).unwrap_or_default();
            let place = row.place_id.and_then(|id| places.get(&id));
            let mut registration = Registration::from_row(row, position, &event, place, held);
            registration.localise(&wanted);
            registration
        })
        .collect();
    Ok(languages::localised_answer(RegistrationList { items, next_cursor }, None))
}

/// Read a registration.
///
/// Read a registration (organisers of its event, admin, the partner that created it).
/// `place.name` is in the translation the `Accept-Language` header prefers, when the place
/// has one (`place.language` says which).
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The registration", body = Registration,
        headers(("Vary" = String, description = "Accept-Language"))),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/registrations/{id}")]
pub async fn get_registration(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> AppResult<CustomizeResponder<web::Json<Registration>>> {
    let mut conn = state.pool.get().await?;
    let (row, event) = use_case::find_readable(&mut conn, &caller, RegistrationId(path.into_inner())).await?;
    let position = position_of(&mut conn, &row).await?;
    let mut registration = view(&mut conn, row, position, &event).await?;
    registration.localise(&languages::wanted(&req));
    Ok(languages::localised_answer(registration, None))
}

/// Calendar entry of a registration.
///
/// The person's own iCalendar (RFC 5545) entry for the event (same readers as `GET
/// /registrations/{id}`): LOCATION is where they go (the place's name, address and
/// municipality unless the address names it, or the main venue's name and address), or once confirmed online the join
/// link (also as URL and in DESCRIPTION), exactly when the registration shows `join_url`.
/// STATUS is `TENTATIVE` while waitlisted and `CANCELLED` once the registration or the
/// event is cancelled. The entry never names the person: it may be forwarded. SEQUENCE grows
/// with each change of the event's time or place and of the registration's place, mode or
/// seat; URL is the join link when shown, else the event's API address.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "text/calendar", body = String, content_type = "text/calendar"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/registrations/{id}/calendar.ics")]
pub async fn registration_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let (row, event) = use_case::find_readable(&mut conn, &caller, RegistrationId(path.into_inner())).await?;
    let place = place_of(&mut conn, &row).await?;
    let place = RegistrationPlace::of(&row, &event, place.as_ref());
    let sequence = use_case::calendar_sequence(&mut conn, &row).await?;
    let event_url = calendar::event_url(&state.public_base_url, &event);
    let revision = calendar::Revision { sequence, event_url: &event_url };
    let body = calendar::render_registration(&row, &event, place.as_ref(), join_url(&row, &event), revision);
    Ok(super::calendar_download(format!("registration-{}", row.id), body))
}

/// The participant's card.
///
/// What the person needs to take part, in their language (their `preferred_language` when
/// there are messages in it, else the event's, else English): the event, when (in its time
/// zone), whether they have a place or wait, where to go (or that the organisation that
/// registered them sends the join link), whom to call, and the registration's short code for
/// a volunteer to read out. `Accept: text/html` gives a printable A6 page (right to left for
/// Arabic); otherwise `text/plain`, at most 320 characters, for a text message (a long title
/// is shortened first). Never the person's name: a card may be handed on. To whoever may read
/// the registration.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The card: a text message, or a printable page with `Accept: text/html`",
        headers(("Vary" = String, description = "Accept")),
        content((String = "text/plain"), (String = "text/html"))),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/registrations/{id}/card")]
pub async fn registration_card(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let (row, event) = use_case::find_readable(&mut conn, &caller, RegistrationId(path.into_inner())).await?;
    let language =
        message_language(row.preferred_language.as_deref(), &event.languages, &messages::languages());
    let place = place_of(&mut conn, &row).await?;
    let mut place = RegistrationPlace::of(&row, &event, place.as_ref());
    if let Some(place) = place.as_mut() {
        place.localise(&[language.to_owned()]);
    }
    let address = place.as_ref().and_then(RegistrationPlace::full_address);
    let whereabouts = match &place {
        Some(place) => Whereabouts::Onsite {
            place: place.name.as_deref().unwrap_or(&event.title),
            address: address.as_deref(),
        },
        None => Whereabouts::Online,
    };
    let code = short_code(row.id);
    let title = event.title_in(language);
    let card = messages::card(
        language,
        &CardFacts {
            status: row.status,
            title: &title,
            starts_at: event.starts_at,
            timezone: &event.timezone,
            whereabouts,
            phone: event.contact_phone.as_deref().or(place.as_ref().and_then(|p| p.contact_phone.as_deref())),
            code: &code,
            offer_expires_at: row.offer_expires_at,
            person_code: row.person_code.as_deref(),
        },
    );
    let mut response = HttpResponse::Ok();
    response.insert_header((header::VARY, "Accept"));
    Ok(if prefers_html(&req) {
        response.content_type("text/html; charset=utf-8").body(card::html(&card))
    } else {
        response.content_type("text/plain; charset=utf-8").body(card.text())
    })
}

/// True when the client ranks HTML above plain text.
fn prefers_html(req: &HttpRequest) -> bool {
    crate::http::accept::prefers(req, "text/html", &["text/plain", "text/*", "*/*"])
}

/// Change a registration.
///
/// Change a registration (organisers of its event, admin, the partner that created it).
/// A change of mode needs a free seat in the new mode: 409 `capacity_full` otherwise, and
/// nothing changes. A seat it frees goes to the waitlist.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), request_body = PatchRegistration,
    params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The updated registration", body = Registration),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[patch("/registrations/{id}")]
pub async fn patch_registration(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<PatchRegistration>,
) -> AppResult<web::Json<Registration>> {
    let mut patch = body.0;
    let touches_fields = patch.touches_fields();
    let asked = patch.take_consents()?;
    let merge = touches_fields.then_some(move |row: &RegistrationRow| patch.merge(row));
    let mut conn = state.pool.get().await?;
    let changed =
        use_case::change(&mut conn, &caller, RegistrationId(path.into_inner()), merge, asked).await?;
    let position = position_of(&mut conn, &changed.registration).await?;
    Ok(web::Json(view(&mut conn, changed.registration, position, &changed.event).await?))
}

/// Cancel a registration.
///
/// Cancel a registration (idempotent); its seat goes to the first waitlisted registration
/// that may take it, in the same transaction.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The cancelled registration", body = Registration),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/registrations/{id}/cancel")]
pub async fn cancel_registration(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Registration>> {
    let mut conn = state.pool.get().await?;
    let cancelled = use_case::cancel(&mut conn, &caller, RegistrationId(path.into_inner())).await?;
    Ok(web::Json(view(&mut conn, cancelled.registration, None, &cancelled.event).await?))
}

/// Accept an offered seat.
///
/// Confirm the seat a registration is offered (`status: offered`, an event with
/// `waitlist_promotion: offer`), before `offer_expires_at`: the partner that created the
/// registration, the event's organisers, admins. Idempotent: a confirmed registration is
/// answered as it is. 409 `offer_expired` from the deadline on (the seat goes to the next
/// person), `not_offered` when the registration holds no offer.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The registration, confirmed", body = Registration),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/registrations/{id}/accept-offer")]
pub async fn accept_offer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Registration>> {
    let mut conn = state.pool.get().await?;
    let accepted = use_case::accept_offer(&mut conn, &caller, RegistrationId(path.into_inner())).await?;
    Ok(web::Json(view(&mut conn, accepted.registration, None, &accepted.event).await?))
}

/// Decline an offered seat.
///
/// The person does not want the seat they are offered: the registration is cancelled and
/// the seat goes to the next person waiting, in the same transaction (as a cancellation of
/// an offered registration does). Idempotent: a cancelled registration is answered as it is.
/// 409 `not_offered` when the registration is confirmed or waiting.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The registration, cancelled", body = Registration),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/registrations/{id}/decline-offer")]
pub async fn decline_offer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Registration>> {
    let mut conn = state.pool.get().await?;
    let declined = use_case::decline_offer(&mut conn, &caller, RegistrationId(path.into_inner())).await?;
    Ok(web::Json(view(&mut conn, declined.registration, None, &declined.event).await?))
}

/// Check in a registration.
///
/// Record that a confirmed participant arrived (organisers of the event, admin), from 2 hours
/// before the event starts until 24 hours after it ends (409 `check_in_window` otherwise). The
/// body is `{}`, or none; it may say how the check-in was made (`source`: `onsite` or
/// `manual`; default `onsite` for onsite registrations, `manual` for online ones) and, for
/// online attendance, the `minutes` attended. `online_import` is the participant-list
/// import's own (422). Idempotent: the first check-in (time, source, minutes) is kept. A
/// no-show reason recorded before is cleared. 409 `not_confirmed` unless confirmed.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), request_body(content = CheckInRequest, description = "`{}`, no body at all, or `{source, minutes}`"),
    params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The registration, with `checked_in_at` and `check_in`", body = Registration),
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
#[post("/registrations/{id}/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: OptionalJson<CheckInRequest>,
) -> AppResult<web::Json<Registration>> {
    let asked = body.0.unwrap_or_default().parse()?;
    let mut conn = state.pool.get().await?;
    let checked_in = use_case::check_in(&mut conn, &caller, RegistrationId(path.into_inner()), asked).await?;
    Ok(web::Json(view(&mut conn, checked_in.registration, None, &checked_in.event).await?))
}

/// Undo a check-in.
///
/// Undo a check-in made by mistake (organisers of the event, admin): `checked_in_at` and
/// `check_in` (its source and minutes) are null again, and the history keeps both. Idempotent.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The registration, with `checked_in_at` null", body = Registration),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[delete("/registrations/{id}/check-in")]
pub async fn undo_check_in(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Registration>> {
    let mut conn = state.pool.get().await?;
    let undone = use_case::undo_check_in(&mut conn, &caller, RegistrationId(path.into_inner())).await?;
    let position = position_of(&mut conn, &undone.registration).await?;
    Ok(web::Json(view(&mut conn, undone.registration, position, &undone.event).await?))
}

/// Erase a participant's personal data.
///
/// Erase a participant's personal data (organisers of the event, admin): name, email,
/// phone, organisation and notes read back null. Mode, status, needs and category stay, so
/// reports still count the registration; no seat is freed.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 204, description = "Erased"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[delete("/registrations/{id}/personal-data")]
pub async fn erase_personal_data(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let id = RegistrationId(path.into_inner());
    let mut conn = state.pool.get().await?;
    use_case::erase(&mut conn, &caller, id).await?;
    tracing::info!(registration_id = %id, "erased personal data");
    Ok(HttpResponse::NoContent().finish())
}

/// History of a registration.
///
/// The audit trail of a registration, oldest first (organisers of the event, admin). It
/// holds no personal data.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "Every change, oldest first", body = History),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/registrations/{id}/history")]
pub async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<History>> {
    let mut conn = state.pool.get().await?;
    let (row, event) = use_case::find_readable(&mut conn, &caller, RegistrationId(path.into_inner())).await?;
    caller.registration_access(&event, row.created_by).require_manage()?;
    let items =
        audit::of_registration(&mut conn, row.id).await?.into_iter().map(HistoryEntry::from).collect();
    Ok(web::Json(History { items }))
}
