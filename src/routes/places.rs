//! Places of an organisation: create, list, read, change. Each handler parses, calls its use
//! case (`app::places`), and renders.

use actix_web::{get, patch, post, web, CustomizeResponder, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::places as use_case;
use crate::auth::Caller;
use crate::db::places::PlaceRow;
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::languages;
use crate::http::pagination::{next_cursor, page_request};
use crate::routes::organisations::PageQuery;
use crate::state::AppState;
use crate::views::places::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_place).service(list_places).service(get_place).service(patch_place);
}

/// Create a place.
///
/// Create a place of the organisation: a `venue`, or a `hosted` place where people without
/// a device follow meetings on a provided screen (admin, organiser of the organisation).
/// Places are reused across the events of a series. A bad field is 422 naming it, and
/// creates nothing.
#[utoipa::path(tag = "places", security(("bearer" = [])), request_body = CreatePlace,
    params(("id" = Uuid, Path, description = "Organisation id")), responses(
    (status = 201, description = "Created", body = Place,
        headers(("Location" = String, description = "The place's URL"))),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/organisations/{id}/places")]
pub async fn create_place(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<CreatePlace>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = use_case::create(&mut conn, &caller, path.into_inner(), body.0.into_draft()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/places/{}", row.id)))
        .json(Place::from(row)))
}

/// List an organisation's places.
///
/// List the organisation's places, newest first (admin, organiser of the organisation).
/// Each place's `name` and `notes` are in the translation the `Accept-Language` header
/// prefers, when it has one (`language` says which).
#[utoipa::path(tag = "places", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id"), PageQuery),
    responses(
    (status = 200, description = "A page of places", body = PlaceList,
        headers(("Vary" = String, description = "Accept-Language"))),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/organisations/{id}/places")]
pub async fn list_places(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> AppResult<CustomizeResponder<web::Json<PlaceList>>> {
    let organisation_id = path.into_inner();
    caller.require_staff()?;
    // A cursor is good for the organisation's list it came from only.
    let list = format!("places:{organisation_id}");
    let page = page_request::<Uuid>(&state.signer, &list, query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let mut rows = use_case::list(&mut conn, &caller, organisation_id, page.after, page.limit + 1).await?;
    let next_cursor = next_cursor(&state.signer, &list, &mut rows, page.limit, |r| r.id);
    let wanted = languages::wanted(&req);
    let items = rows.into_iter().map(|row| localised(row, &wanted)).collect();
    Ok(languages::localised_answer(PlaceList { items, next_cursor }, None))
}

/// Read a place.
///
/// Read a place (admin, organiser of its organisation). `name` and `notes` are in the
/// translation the `Accept-Language` header prefers, when the place has one: `language` and
/// `Content-Language` say which.
#[utoipa::path(tag = "places", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Place id")), responses(
    (status = 200, description = "The place", body = Place, headers(
        ("Vary" = String, description = "Accept-Language"),
        ("Content-Language" = String, description = "The translation's language, when one was chosen"))),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/places/{id}")]
pub async fn get_place(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> AppResult<CustomizeResponder<web::Json<Place>>> {
    let mut conn = state.pool.get().await?;
    let row = use_case::find(&mut conn, &caller, path.into_inner()).await?;
    let place = localised(row, &languages::wanted(&req));
    let language = place.language.clone();
    Ok(languages::localised_answer(place, language))
}

/// The place as a reader who ranks languages as `wanted` reads it.
fn localised(row: PlaceRow, wanted: &[String]) -> Place {
    let mut place = Place::from(row);
    place.localise(wanted);
    place
}

/// Change a place.
///
/// Change a place (admin, organiser of its organisation). Absent fields stay; `null` clears
/// an optional one; the result is checked as a new place is (422 naming each bad field,
/// changing nothing). Lowering a hosted place's `devices` under the seats an event that has
/// not ended offers there is 409 `devices_below_capacity`.
#[utoipa::path(tag = "places", security(("bearer" = [])), request_body = PatchPlace,
    params(("id" = Uuid, Path, description = "Place id")), responses(
    (status = 200, description = "The changed place", body = Place),
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
#[patch("/places/{id}")]
pub async fn patch_place(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<PatchPlace>,
) -> AppResult<web::Json<Place>> {
    let mut conn = state.pool.get().await?;
    let row = use_case::change(&mut conn, &caller, path.into_inner(), body.0.into_patch()).await?;
    Ok(web::Json(Place::from(row)))
}
