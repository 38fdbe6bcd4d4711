//! The places an event offers beside its main venue, each with its own seats: offer one,
//! read it, change its seats, withdraw it. Each handler parses, calls its use case
//! (`app::event_places`), and renders.

use actix_web::{delete, get, patch, post, web, CustomizeResponder, HttpRequest, HttpResponse};
use diesel_async::AsyncPgConnection;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::event_places as use_case;
use crate::app::events::find_visible;
use crate::auth::{Caller, MaybeCaller};
use crate::db::places;
use crate::domain::actors::{EventId, PlaceId};
use crate::domain::event_places::OfferDraft;
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::languages;
use crate::state::AppState;
use crate::views::events::{EventPlaceView, OfferPlace, PatchEventPlace};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(offer_place).service(get_event_place).service(patch_event_place).service(withdraw_place);
}

/// The place as the event offers it now.
async fn read(conn: &mut AsyncPgConnection, event: EventId, place: PlaceId) -> AppResult<EventPlaceView> {
    let offered = places::offered_by(conn, &[event.0]).await?;
    offered.iter().find(|o| o.place.id == place.0).map(EventPlaceView::from).ok_or(AppError::NotFound)
}

/// Offer a place at an event.
///
/// Offer one of the organisation's places at the event, with its own seats (organisers of
/// the event, admin). A hosted place seats at most its `devices` (422
/// `capacity_exceeds_devices`); 422 `unknown_place` for a place of another organisation; 409
/// `place_already_offered`, `event_cancelled`.
#[utoipa::path(tag = "places", security(("bearer" = [])), request_body = OfferPlace,
    params(("id" = Uuid, Path, description = "Event id")), responses(
    (status = 201, description = "Offered", body = EventPlaceView,
        headers(("Location" = String, description = "The place as the event offers it"))),
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
#[post("/events/{id}/places")]
pub async fn offer_place(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<OfferPlace>,
) -> AppResult<HttpResponse> {
    caller.require_staff()?;
    let (event, place) = (EventId(path.into_inner()), PlaceId(body.place_id));
    let draft = OfferDraft {
        capacity: body.capacity,
        reserved_for_physical_space_need: body.reserved_for_physical_space_need,
    };
    let mut conn = state.pool.get().await?;
    use_case::offer(&mut conn, &caller, event, place, draft).await?;
    tracing::info!(event_id = %event, place_id = %place, "offered a place at an event");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/events/{event}/places/{place}")))
        .json(read(&mut conn, event, place).await?))
}

/// Read a place an event offers.
///
/// A place the event offers, with its seats (whoever may see the event); its `name` in the
/// translation the `Accept-Language` header prefers, when the place has one.
#[utoipa::path(tag = "places", security((), ("bearer" = [])), params(("id" = Uuid, Path, description = "Event id"),
    ("place_id" = Uuid, Path, description = "Place id")), responses(
    (status = 200, description = "The place with its seats", body = EventPlaceView,
        headers(("Vary" = String, description = "Accept-Language"))),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events/{id}/places/{place_id}")]
pub async fn get_event_place(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<(Uuid, Uuid)>,
    req: HttpRequest,
) -> AppResult<CustomizeResponder<web::Json<EventPlaceView>>> {
    let (event, place) = path.into_inner();
    let mut conn = state.pool.get().await?;
    find_visible(&mut conn, caller.0.as_ref(), EventId(event)).await?;
    let mut view = read(&mut conn, EventId(event), PlaceId(place)).await?;
    view.localise(&languages::wanted(&req));
    Ok(languages::localised_answer(view, None))
}

/// Change the seats of an offered place.
///
/// Change the seats of a place the event offers (organisers of the event, admin). Lowering
/// them below the people confirmed there is 409 `capacity_below_confirmed` and changes
/// nothing; raising them confirms people waiting for the place (or accepting it) in the same
/// transaction.
#[utoipa::path(tag = "places", security(("bearer" = [])), request_body = PatchEventPlace,
    params(("id" = Uuid, Path, description = "Event id"), ("place_id" = Uuid, Path, description = "Place id")),
    responses(
    (status = 200, description = "The place with its new seats", body = EventPlaceView),
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
#[patch("/events/{id}/places/{place_id}")]
pub async fn patch_event_place(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<PatchEventPlace>,
) -> AppResult<web::Json<EventPlaceView>> {
    caller.require_staff()?;
    let (event, place) = path.into_inner();
    let (event, place) = (EventId(event), PlaceId(place));
    let patch = body.0;
    let mut conn = state.pool.get().await?;
    use_case::change(&mut conn, &caller, event, place, move |current| patch.apply(current)).await?;
    Ok(web::Json(read(&mut conn, event, place).await?))
}

/// Withdraw a place from an event.
///
/// Withdraw a place from the event (organisers of the event, admin): 409 `place_in_use`
/// while anyone is confirmed or waiting there. Registrations that listed it as acceptable no
/// longer do. The place itself stays with the organisation.
#[utoipa::path(tag = "places", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id"), ("place_id" = Uuid, Path, description = "Place id")),
    responses(
    (status = 204, description = "Withdrawn"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[delete("/events/{id}/places/{place_id}")]
pub async fn withdraw_place(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    caller.require_staff()?;
    let (event, place) = path.into_inner();
    let mut conn = state.pool.get().await?;
    use_case::withdraw(&mut conn, &caller, EventId(event), PlaceId(place)).await?;
    tracing::info!(event_id = %event, place_id = %place, "withdrew a place from an event");
    Ok(HttpResponse::NoContent().finish())
}
