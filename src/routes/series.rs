//! Series of an organisation: create, list, read, change. Each handler parses, calls its use
//! case (`app::series`), and renders.

use actix_web::{get, patch, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::series as use_case;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::pagination::{next_cursor, page_request};
use crate::routes::organisations::PageQuery;
use crate::state::AppState;
use crate::views::series::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_series).service(list_series).service(get_series).service(patch_series);
}

/// Create a series.
///
/// Create a series of the organisation: the sessions of one platform, which its events join
/// by `series_id` or by naming it in `series` (admin, organiser of the organisation). A bad
/// field is 422 naming it; a name the organisation has, whatever its case, is 409
/// `series_name_taken`; neither creates anything.
#[utoipa::path(tag = "series", security(("bearer" = [])), request_body = CreateSeries,
    params(("id" = Uuid, Path, description = "Organisation id")), responses(
    (status = 201, description = "Created", body = Series,
        headers(("Location" = String, description = "The series' URL"))),
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
#[post("/organisations/{id}/series")]
pub async fn create_series(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<CreateSeries>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = use_case::create(&mut conn, &caller, path.into_inner(), body.0.into_draft()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/series/{}", row.id)))
        .json(Series::from(row)))
}

/// List an organisation's series.
///
/// List the organisation's series by name (admin, organiser of the organisation).
#[utoipa::path(tag = "series", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id"), PageQuery),
    responses(
    (status = 200, description = "A page of series", body = SeriesList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/organisations/{id}/series")]
pub async fn list_series(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<SeriesList>> {
    let organisation_id = path.into_inner();
    caller.require_staff()?;
    // A cursor is good for the organisation's list it came from only.
    let list = format!("series:{organisation_id}");
    let page = page_request::<(String, Uuid)>(&state.signer, &list, query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let mut rows = use_case::list(&mut conn, &caller, organisation_id, page.after, page.limit + 1).await?;
    let next_cursor = next_cursor(&state.signer, &list, &mut rows, page.limit, |r| (r.name.clone(), r.id));
    let items = rows.into_iter().map(Series::from).collect();
    Ok(web::Json(SeriesList { items, next_cursor }))
}

/// Read a series.
///
/// Read a series (admin, organiser of its organisation).
#[utoipa::path(tag = "series", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Series id")), responses(
    (status = 200, description = "The series", body = Series),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/series/{id}")]
pub async fn get_series(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Series>> {
    let mut conn = state.pool.get().await?;
    let row = use_case::find(&mut conn, &caller, path.into_inner()).await?;
    Ok(web::Json(Series::from(row)))
}

/// Change a series.
///
/// Change a series (admin, organiser of its organisation). Absent fields stay; `null` clears
/// an optional one; the result is checked as a new series is (422 naming each bad field,
/// changing nothing). A new name is written on the `series` of its events in the same
/// transaction; another series' name in the organisation is 409 `series_name_taken`.
#[utoipa::path(tag = "series", security(("bearer" = [])), request_body = PatchSeries,
    params(("id" = Uuid, Path, description = "Series id")), responses(
    (status = 200, description = "The changed series", body = Series),
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
#[patch("/series/{id}")]
pub async fn patch_series(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<PatchSeries>,
) -> AppResult<web::Json<Series>> {
    let mut conn = state.pool.get().await?;
    let row = use_case::change(&mut conn, &caller, path.into_inner(), body.0.into_patch()).await?;
    Ok(web::Json(Series::from(row)))
}
