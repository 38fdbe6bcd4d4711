//! Events: create, list, read, update, publish, cancel, and an iCalendar entry.

use actix_web::{get, patch, post, web, HttpResponse};
use diesel_async::AsyncConnection;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{may_see_event, Caller, MaybeCaller, Role};
use crate::db::events::{self, Actor, EventFilter, EventRow, Visibility};
use crate::db::{accounts, registrations};
use crate::domain::events::{validate, EventDraft, EventStatus};
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::pagination::{next_cursor, page_request};
use crate::state::AppState;
use crate::views::events::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_event)
        .service(list_events)
        .service(get_event)
        .service(patch_event)
        .service(publish_event)
        .service(cancel_event)
        .service(calendar);
}

pub fn actor(caller: &Caller) -> Actor {
    Actor { id: caller.id, kind: caller.kind.as_str() }
}

fn view(row: EventRow, caller: Option<&Caller>) -> Event {
    let organiser = caller.is_some_and(|c| c.manages_organisation(row.organisation_id));
    Event::from_row(row, organiser)
}

async fn checked(state: &AppState, draft: EventDraft) -> AppResult<EventDraft> {
    let draft = validate(draft).map_err(|errors| {
        let code = if errors.iter().any(|e| e.code == "no_attendance_mode") && errors.len() == 1 {
            "no_attendance_mode"
        } else {
            "validation_failed"
        };
        AppError::Validation { code, detail: "The event has invalid fields; see `errors`.".into(), errors }
    })?;
    let mut conn = state.pool.get().await?;
    if accounts::find_organisation(&mut conn, draft.organisation_id).await?.is_none() {
        return Err(AppError::invalid("unknown_organisation", "organisation_id", "no such organisation"));
    }
    Ok(draft)
}

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
    let row = events::insert(&mut conn, draft).await?;
    tracing::info!(event_id = %row.id, "created an event");
    Ok(HttpResponse::Created().json(view(row, Some(&caller))))
}

/// List events by `starts_at` ascending. Anonymous callers and partners see published events
/// only; organisers also see their organisation's drafts and cancelled events.
#[utoipa::path(tag = "events", params(EventQuery), responses(
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
) -> AppResult<web::Json<EventList>> {
    let caller = caller.0;
    let page = page_request(&state.signer, "events", query.limit, query.cursor.as_deref())?;
    let visibility = match &caller {
        Some(c) if c.role == Role::Admin => Visibility::All,
        Some(Caller { role: Role::Organiser, organisation_id: Some(org), .. }) => {
            Visibility::PublishedOrOwn(*org)
        }
        _ => Visibility::PublishedOnly,
    };
    let status = query.status.map(|s| match s {
        EventStatusView::Draft => EventStatus::Draft,
        EventStatusView::Published => EventStatus::Published,
        EventStatusView::Cancelled => EventStatus::Cancelled,
    });
    let filter = EventFilter {
        status,
        region: query.region.clone(),
        series: query.series.clone(),
        organisation_id: query.organisation_id,
        from: query.from.map(|t| t.to_utc()),
        to: query.to.map(|t| t.to_utc()),
        online: (query.mode == Some(ModeFilter::Online)).then_some(true),
        onsite: (query.mode == Some(ModeFilter::Onsite)).then_some(true),
    };
    let mut conn = state.pool.get().await?;
    let mut rows = events::list(&mut conn, visibility, &filter, page.after, page.limit + 1).await?;
    let next_cursor = next_cursor(&state.signer, "events", &mut rows, page.limit, |r| (r.starts_at, r.id));
    let items = rows.into_iter().map(|row| view(row, caller.as_ref())).collect();
    Ok(web::Json(EventList { items, next_cursor }))
}

/// Read an event. A draft is 404 to anyone but its organisers and admins.
#[utoipa::path(tag = "events", params(("id" = Uuid, Path, description = "Event id")), responses(
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
) -> AppResult<web::Json<Event>> {
    let mut conn = state.pool.get().await?;
    let row = find_visible(&mut conn, path.into_inner(), caller.0.as_ref()).await?;
    Ok(web::Json(view(row, caller.0.as_ref())))
}

/// The event, when the caller may know it exists: a draft is 404 to anyone but its
/// organisers and admins.
pub async fn find_visible(
    conn: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
    caller: Option<&Caller>,
) -> AppResult<EventRow> {
    let row = events::find(conn, id).await?.ok_or(AppError::NotFound)?;
    if !may_see_event(caller, row.organisation_id, row.status() == EventStatus::Draft) {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

/// The locked event, when the caller may manage it: 404 if they may not know it exists,
/// 403 if they may only look.
async fn lock_managed(
    conn: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
    caller: &Caller,
) -> AppResult<EventRow> {
    let row = events::lock_as(conn, id, actor(caller)).await?.ok_or(AppError::NotFound)?;
    if !may_see_event(Some(caller), row.organisation_id, row.status() == EventStatus::Draft) {
        return Err(AppError::NotFound);
    }
    caller.require_manages_organisation(row.organisation_id)?;
    Ok(row)
}

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
    let id = path.into_inner();
    caller.require_staff()?;
    let patch = body.0;
    // Validate against the current event before taking any lock (the organisation lookup
    // needs its own connection), then re-check the seats under the lock.
    let draft = {
        let mut conn = state.pool.get().await?;
        let current = events::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
        if !may_see_event(Some(&caller), current.organisation_id, current.status() == EventStatus::Draft) {
            return Err(AppError::NotFound);
        }
        caller.require_manages_organisation(current.organisation_id)?;
        current.to_draft()
    };
    let mut merged = patch.apply(draft.clone());
    merged = checked(&state, merged).await?;
    caller.require_manages_organisation(merged.organisation_id)?;
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction::<_, AppError, _>(async move |conn| {
            {
                let current = lock_managed(conn, id, &caller).await?;
                if current.status() == EventStatus::Cancelled {
                    return Err(AppError::conflict("event_cancelled", "A cancelled event cannot be changed."));
                }
                if current.to_draft() != draft {
                    return Err(AppError::conflict("concurrent_update", "The event changed meanwhile; try again."));
                }
                events::check_draft_against_seats(&current, &merged)?;
                events::store(conn, id, merged).await?;
                announce(conn, &current, "event.updated", "updated").await?;
                let promoted = registrations::promote_waitlist(conn, id).await?;
                if !promoted.is_empty() {
                    tracing::info!(event_id = %id, promoted = promoted.len(), "promoted waitlisted registrations");
                }
                events::find(conn, id).await?.ok_or(AppError::NotFound)
            }
        })
        .await?;
    Ok(web::Json(Event::from_row(row, true)))
}

/// Tells webhook subscribers about a change to the event, in the caller's transaction. An
/// event's cancellation is announced before anything else changes, so partners with
/// registrations still hear it.
async fn announce(
    conn: &mut diesel_async::AsyncPgConnection,
    event: &EventRow,
    event_type: &'static str,
    what: &str,
) -> AppResult<()> {
    crate::db::outbox::enqueue(
        conn,
        &crate::db::outbox::Change {
            event_type,
            event_id: event.id,
            organisation_id: event.organisation_id,
            registration_id: None,
            registration_created_by: None,
            data: serde_json::json!({"change": what, "previous_status": event.status}),
        },
    )
    .await
}

async fn transition(state: &AppState, caller: &Caller, id: Uuid, next: EventStatus) -> AppResult<EventRow> {
    caller.require_staff()?;
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let current = lock_managed(conn, id, caller).await?;
        if !current.status().may_become(next) {
            return Err(AppError::conflict(
                "invalid_transition",
                format!("A {} event cannot become {}.", current.status, next.as_str()),
            ));
        }
        events::set_status(conn, id, next).await
    })
    .await
}

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
    let row = transition(&state, &caller, path.into_inner(), EventStatus::Published).await?;
    tracing::info!(event_id = %row.id, "published an event");
    Ok(web::Json(Event::from_row(row, true)))
}

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
    let row = transition(&state, &caller, path.into_inner(), EventStatus::Cancelled).await?;
    tracing::info!(event_id = %row.id, "cancelled an event");
    Ok(web::Json(Event::from_row(row, true)))
}

/// An iCalendar (RFC 5545) entry for "add to calendar": the venue for onsite attendance,
/// never the join link. Drafts, as with the event itself, only for their organisers.
#[utoipa::path(tag = "events", params(("id" = Uuid, Path, description = "Event id")), responses(
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
    let mut conn = state.pool.get().await?;
    let row = find_visible(&mut conn, path.into_inner(), caller.0.as_ref()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"event-{}.ics\"", row.id)))
        .body(crate::views::calendar::render(&row)))
}
