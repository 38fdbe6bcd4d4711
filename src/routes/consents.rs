//! Consent purposes of an organisation, with their versioned texts per language.

use actix_web::{get, post, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::consents as use_case;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::pagination::{next_cursor, page_request};
use crate::routes::organisations::PageQuery;
use crate::state::AppState;
use crate::views::consents::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(define_consent_purpose)
        .service(list_consent_purposes)
        .service(get_consent_purpose)
        .service(publish_consent_version);
}

/// Define a consent purpose.
///
/// Define a consent purpose with the texts of its version 1 (admin, organiser of the
/// organisation). Every organisation starts with `data_processing` (required) and `contact`
/// (optional), version 1 in English: publish a new version of their texts rather than define
/// them (409 `consent_purpose_exists`).
#[utoipa::path(tag = "consent", security(("bearer" = [])), request_body = CreateConsentPurpose,
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
    (status = 201, description = "Defined, at version 1", body = ConsentPurpose),
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
#[post("/organisations/{id}/consent-purposes")]
pub async fn define_consent_purpose(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<CreateConsentPurpose>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let body = body.0;
    let organisation_id = path.into_inner();
    let defined =
        use_case::define(&mut conn, &caller, organisation_id, &body.purpose, body.required, &body.texts)
            .await?;
    let defined = ConsentPurpose::try_from(defined)?;
    Ok(HttpResponse::Created().insert_header(purpose_location(organisation_id, &defined)).json(defined))
}

/// List consent purposes.
///
/// List an organisation's consent purposes by key, each with every version of its texts
/// (admin, organisers of the organisation, and the partners that may register people for its
/// events: its own, and those of organisations it trusts; their front-ends show the texts).
#[utoipa::path(tag = "consent", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id"), PageQuery),
    responses(
    (status = 200, description = "A page of consent purposes", body = ConsentPurposeList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/organisations/{id}/consent-purposes")]
pub async fn list_consent_purposes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<ConsentPurposeList>> {
    let organisation_id = path.into_inner();
    let list = format!("consent-purposes:{organisation_id}");
    let page = page_request::<String>(&state.signer, &list, query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let mut rows = use_case::list(&mut conn, &caller, organisation_id, page.after, page.limit + 1).await?;
    let next_cursor = next_cursor(&state.signer, &list, &mut rows, page.limit, |r| r.purpose.purpose.clone());
    let items = rows.into_iter().map(ConsentPurpose::try_from).collect::<AppResult<_>>()?;
    Ok(web::Json(ConsentPurposeList { items, next_cursor }))
}

/// Read a consent purpose.
///
/// Read one consent purpose with every version of its texts (as the list).
#[utoipa::path(tag = "consent", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id"),
           ("purpose" = String, Path, description = "The purpose's key, e.g. `contact`")),
    responses(
    (status = 200, description = "The purpose", body = ConsentPurpose),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/organisations/{id}/consent-purposes/{purpose}")]
pub async fn get_consent_purpose(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
) -> AppResult<web::Json<ConsentPurpose>> {
    let (organisation_id, purpose) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let found = use_case::find(&mut conn, &caller, organisation_id, &purpose).await?;
    Ok(web::Json(ConsentPurpose::try_from(found)?))
}

/// Publish a version of consent texts.
///
/// Publish a new version of a purpose's texts (admin, organiser of the organisation): it
/// becomes `current_version`, the one front-ends show. Versions are never changed: what
/// someone accepted stays readable, and registrations may still name an older version.
#[utoipa::path(tag = "consent", security(("bearer" = [])), request_body = PublishConsentTexts,
    params(("id" = Uuid, Path, description = "Organisation id"),
           ("purpose" = String, Path, description = "The purpose's key, e.g. `contact`")),
    responses(
    (status = 201, description = "Published: the purpose with its new current version", body = ConsentPurpose),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/organisations/{id}/consent-purposes/{purpose}/versions")]
pub async fn publish_consent_version(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
    body: Json<PublishConsentTexts>,
) -> AppResult<HttpResponse> {
    let (organisation_id, purpose) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let published = use_case::publish(&mut conn, &caller, organisation_id, &purpose, &body.texts).await?;
    let published = ConsentPurpose::try_from(published)?;
    // A version has no address of its own: the purpose, which lists its versions, is where
    // the new one is read.
    Ok(HttpResponse::Created().insert_header(purpose_location(organisation_id, &published)).json(published))
}

/// `Location` of a purpose (its key percent-encoded as a path segment).
fn purpose_location(organisation_id: Uuid, purpose: &ConsentPurpose) -> (&'static str, String) {
    let key = percent_encoding::utf8_percent_encode(&purpose.purpose, percent_encoding::NON_ALPHANUMERIC);
    ("Location", format!("/api/v1/organisations/{organisation_id}/consent-purposes/{key}"))
}
