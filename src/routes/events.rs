//! Events: create, list, read, update, publish, cancel, their history, and an iCalendar
//! entry. Each handler parses, calls its use case (`app::events`), and renders.

use actix_web::{delete, get, patch, post, web, CustomizeResponder, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::events as use_case;
use crate::auth::{Caller, MaybeCaller, Role};
use crate::db::accounts;
use crate::db::events::{self, EventFilter, EventRow, Visibility};
use crate::db::places;
use crate::domain::actors::EventId;
use crate::domain::events::{validate, EventDraft, EventStatus};
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::languages;
use crate::http::pagination::{next_cursor, page_request};
use crate::state::AppState;
use crate::views::calendar as ics;
use crate::views::events::*;
use diesel_async::AsyncPgConnection;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_event)
        .service(list_events)
        .service(get_event)
        .service(patch_event)
        .service(publish_event)
        .service(cancel_event)
        .service(event_history)
        .service(erase_event_personal_data)
        .service(calendar);
}

/// The events as `caller` may see them, with the places they offer (read in one query).
async fn views(
    conn: &mut AsyncPgConnection,
    rows: Vec<EventRow>,
    caller: Option<&Caller>,
) -> AppResult<Vec<Event>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let offered = places::offered_by(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let organiser = caller.is_some_and(|c| c.manages_organisation(row.organisation_id));
            Event::from_row(row, organiser, &offered)
        })
        .collect())
}

async fn view(conn: &mut AsyncPgConnection, row: EventRow, caller: Option<&Caller>) -> AppResult<Event> {
    Ok(views(conn, vec![row], caller).await?.remove(0))
}

async fn checked(state: &AppState, draft: EventDraft) -> AppResult<EventDraft> {
    let draft = validate(draft).map_err(|errors| {
        let code = if errors.iter().any(|e| e.code == "no_attendance_mode") && errors.len() == 1 {
            "no_attendance_mode"
        } else {
            crate::error::validation_code(&errors)
        };
        AppError::Validation { code, detail: "The event has invalid fields; see `errors`.".into(), errors }
    })?;
    let mut conn = state.pool.get().await?;
    if accounts::find_organisation(&mut conn, draft.organisation_id).await?.is_none() {
        return Err(AppError::invalid("unknown_organisation", "organisation_id", "no such organisation"));
    }
    Ok(draft)
}

/// Create an event.
///
/// Create an event, in status `draft` (admin, organiser of `organisation_id`).
#[utoipa::path(tag = "events", security(("bearer" = [])), request_body = CreateEvent, responses(
    (status = 201, description = "Created, as a draft", body = Event),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/events")]
pub async fn create_event(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateEvent>,
) -> AppResult<HttpResponse> {
    caller.require_staff()?;
    let draft = body.0.into_draft();
    caller.require_manages_organisation(draft.organisation_id)?;
    let draft = checked(&state, draft).await?;
    let mut conn = state.pool.get().await?;
    let created = use_case::create(&mut conn, &caller, draft).await?;
    tracing::info!(event_id = %created.event.id, "created an event");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/events/{}", created.event.id)))
        .json(view(&mut conn, created.event, Some(&caller)).await?))
}

/// List events.
///
/// List events by `starts_at` ascending. Anonymous callers and partners see published events
/// only; organisers also see their organisation's drafts and cancelled events.
#[utoipa::path(tag = "events", security((), ("bearer" = [])), params(EventQuery), responses(
    (status = 200, description = "A page of events", body = EventList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    query: web::Query<EventQuery>,
    req: HttpRequest,
) -> AppResult<CustomizeResponder<web::Json<EventList>>> {
    let caller = caller.0;
    let page = page_request(&state.signer, "events", query.limit, query.cursor.as_deref())?;
    let visibility = match &caller {
        Some(c) if c.role == Role::Admin => Visibility::All,
        Some(Caller { role: Role::Organiser, organisation_id: Some(org), .. }) => {
            Visibility::PublishedOrOwn(*org)
        }
        _ => Visibility::PublishedOnly,
    };
    let status = query.status.map(EventStatus::from);
    let filter = EventFilter {
        status,
        region: query.region.clone(),
        series: query.series.clone(),
        series_id: query.series_id,
        organisation_id: query.organisation_id,
        from: query.from.map(|t| t.to_utc()),
        to: query.to.map(|t| t.to_utc()),
        online: (query.mode == Some(ModeFilter::Online)).then_some(true),
        onsite: (query.mode == Some(ModeFilter::Onsite)).then_some(true),
    };
    let (mut items, next_cursor) = read_events(&state, caller.as_ref(), async |conn| {
        let mut rows = events::list(conn, visibility, &filter, page.after, page.limit + 1).await?;
        let next_cursor =
            next_cursor(&state.signer, "events", &mut rows, page.limit, |r| (r.starts_at, r.id));
        Ok((views(conn, rows, caller.as_ref()).await?, next_cursor))
    })
    .await?;
    let wanted = languages::wanted(&req);
    items.iter_mut().for_each(|event| event.localise(&wanted));
    Ok(languages::localised_answer(EventList { items, next_cursor }, None))
}

/// Read an event.
///
/// Read an event. A draft is 404 to anyone but its organisers and admins.
#[utoipa::path(tag = "events", security((), ("bearer" = [])), params(("id" = Uuid, Path, description = "Event id")), responses(
    (status = 200, description = "The event", body = Event),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events/{id}")]
pub async fn get_event(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> AppResult<CustomizeResponder<web::Json<Event>>> {
    let id = EventId(path.into_inner());
    let mut event = read_events(&state, caller.0.as_ref(), async |conn| {
        let row = use_case::find_visible(conn, caller.0.as_ref(), id).await?;
        view(conn, row, caller.0.as_ref()).await
    })
    .await?;
    event.localise(&languages::wanted(&req));
    let language = event.language.clone();
    Ok(languages::localised_answer(event, language))
}

/// Change an event.
///
/// Change an event (organisers of it, admin). Absent fields stay; `null` clears. Lowering a
/// capacity below the confirmed seats is 409 `capacity_below_confirmed`; raising one, or
/// lowering the reserved seats, confirms waitlisted registrations in the same transaction.
#[utoipa::path(tag = "events", security(("bearer" = [])), request_body = PatchEvent,
    params(("id" = Uuid, Path, description = "Event id")), responses(
    (status = 200, description = "The updated event", body = Event),
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
#[patch("/events/{id}")]
pub async fn patch_event(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<PatchEvent>,
) -> AppResult<web::Json<Event>> {
    let id = EventId(path.into_inner());
    caller.require_staff()?;
    // Validate against the current event before taking any lock (the organisation lookup
    // needs its own connection); the use case checks under the lock that it did not change.
    let read = {
        let mut conn = state.pool.get().await?;
        use_case::find_managed(&mut conn, &caller, id).await?.to_draft()
    };
    let merged = body.0.apply(read.clone()).map_err(|error| AppError::validation(vec![error]))?;
    let merged = checked(&state, merged).await?;
    let mut conn = state.pool.get().await?;
    let changed = use_case::change(&mut conn, &caller, id, read, merged).await?;
    Ok(web::Json(view(&mut conn, changed.event, Some(&caller)).await?))
}

/// Publish an event.
///
/// Publish a draft (organisers of it, admin); 409 `invalid_transition` otherwise.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Event id")), responses(
    (status = 200, description = "The published event", body = Event),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/events/{id}/publish")]
pub async fn publish_event(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Event>> {
    caller.require_staff()?;
    let mut conn = state.pool.get().await?;
    let published = use_case::publish(&mut conn, &caller, EventId(path.into_inner())).await?;
    tracing::info!(event_id = %published.event.id, "published an event");
    Ok(web::Json(view(&mut conn, published.event, Some(&caller)).await?))
}

/// Cancel an event.
///
/// Cancel a draft or published event (organisers of it, admin); its registrations stay
/// readable.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Event id")), responses(
    (status = 200, description = "The cancelled event", body = Event),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/events/{id}/cancel")]
pub async fn cancel_event(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Event>> {
    caller.require_staff()?;
    let mut conn = state.pool.get().await?;
    let cancelled = use_case::cancel(&mut conn, &caller, EventId(path.into_inner())).await?;
    tracing::info!(event_id = %cancelled.event.id, "cancelled an event");
    Ok(web::Json(view(&mut conn, cancelled.event, Some(&caller)).await?))
}

/// History of an event.
///
/// The audit trail of an event, oldest first (organisers of it, admin): who changed which
/// fields (capacities, reserved seats, times, status) from what to what. It holds no
/// personal data.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Event id")), responses(
    (status = 200, description = "Every change, oldest first", body = EventHistory),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events/{id}/history")]
pub async fn event_history(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<EventHistory>> {
    let mut conn = state.pool.get().await?;
    let rows = use_case::history(&mut conn, &caller, EventId(path.into_inner())).await?;
    let items = rows
        .into_iter()
        .map(EventHistoryEntry::try_from)
        .collect::<Result<_, _>>()
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("reading an event's history")))?;
    Ok(web::Json(EventHistory { items }))
}

/// Erase an event's personal data.
///
/// Erase the personal data of every registration of an ended event at once (organisers of
/// it, admin): names, emails, phones, organisation names and notes read back null, and the
/// idempotency fingerprints and stored answers that held them are forgotten, as with
/// `DELETE /registrations/{id}/personal-data`. Mode, status, needs and category stay, so
/// reports still count every registration. 409 `event_not_ended` before the event ends.
/// Idempotent. The event's history records how many were erased (`personal_data_erased`),
/// nothing more.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Event id")), responses(
    (status = 204, description = "Erased (or nothing was left to erase)"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[delete("/events/{id}/personal-data")]
pub async fn erase_event_personal_data(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let erased = crate::app::erasure::erase_event(&mut conn, &caller, EventId(path.into_inner())).await?;
    tracing::info!(event_id = %erased.event.0, registrations = erased.registrations, "erased an event's personal data");
    Ok(HttpResponse::NoContent().finish())
}

/// Calendar entry of an event.
///
/// An iCalendar (RFC 5545) entry for "add to calendar": the venue for onsite attendance,
/// never the join link. Drafts, as with the event itself, only for their organisers.
/// SEQUENCE grows with each change of the event's time or place (and its cancellation), and
/// LAST-MODIFIED is the event's last change, so calendars that import the entry again take the
/// new time; URL is the event's API address.
#[utoipa::path(tag = "events", security((), ("bearer" = [])), params(("id" = Uuid, Path, description = "Event id")), responses(
    (status = 200, description = "text/calendar", body = String, content_type = "text/calendar"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events/{id}/calendar.ics")]
pub async fn calendar(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let id = EventId(path.into_inner());
    let (row, sequence) = read_events(&state, caller.0.as_ref(), async |conn| {
        let row = use_case::find_visible(conn, caller.0.as_ref(), id).await?;
        let sequence = use_case::schedule_sequence(conn, EventId(row.id)).await?;
        Ok((row, sequence))
    })
    .await?;
    let event_url = ics::event_url(&state.public_base_url, &row);
    let ics = ics::render(&row, ics::Revision { sequence, event_url: &event_url });
    Ok(super::calendar_download(format!("event-{}", row.id), ics))
}

/// Runs `read` where events are read: on the replica for an anonymous caller when it may be
/// used (only published events are visible to them, and they changed none of them), and on
/// the primary when the replica could not answer; on the primary for a signed-in caller, who
/// may have just changed what they read.
async fn read_events<T>(
    state: &AppState,
    caller: Option<&Caller>,
    mut read: impl AsyncFnMut(&mut crate::db::DbConn) -> AppResult<T>,
) -> AppResult<T> {
    match caller {
        None => state.reads.answer_anonymous(async |conn, _| read(conn).await).await,
        Some(_) => read(&mut state.pool.get().await?).await,
    }
}
