//! No-show reasons: why a confirmed participant did not come, recorded after the event and
//! cleared when recorded by mistake. Each handler parses, calls `app::no_show`, and renders.

use actix_web::{delete, put, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::no_show as use_case;
use crate::app::registrations::Outcome;
use crate::auth::Caller;
use crate::domain::actors::RegistrationId;
use crate::error::AppResult;
use crate::http::json::Json;
use crate::routes::registrations::{position_of, view};
use crate::state::AppState;
use crate::views::attendance::NoShowRequest;
use crate::views::registrations::Registration;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record_no_show).service(clear_no_show);
}

/// Record a no-show reason.
///
/// Record why a confirmed participant did not attend (organisers of the event, admin, and
/// the partner that created the registration, which often knows why), once the event has
/// ended: `{reason}`, one of `transport`, `connection`, `device`, `schedule`, `illness`,
/// `care_duties`, `language`, `not_informed`, `other`, `unknown`. Idempotent; another reason
/// replaces the first, and the history keeps both. 409 `event_not_ended` before the end,
/// `not_confirmed` unless confirmed, `checked_in` for someone checked in (undo the check-in
/// first). A later check-in clears the reason.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), request_body = NoShowRequest,
    params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The registration, with `no_show_reason`", body = Registration),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[put("/registrations/{id}/no-show")]
pub async fn record_no_show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<NoShowRequest>,
) -> AppResult<web::Json<Registration>> {
    let mut conn = state.pool.get().await?;
    let outcome =
        use_case::record(&mut conn, &caller, RegistrationId(path.into_inner()), body.reason).await?;
    render(&mut conn, outcome).await
}

/// Clear a no-show reason.
///
/// Clear a no-show reason recorded by mistake (the same callers): `no_show_reason` is null
/// again, and the history keeps both. Idempotent. An addition to the contract: a mistake can
/// be undone, as a check-in can.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The registration, with `no_show_reason` null", body = Registration),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[delete("/registrations/{id}/no-show")]
pub async fn clear_no_show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Registration>> {
    let mut conn = state.pool.get().await?;
    let outcome = use_case::clear(&mut conn, &caller, RegistrationId(path.into_inner())).await?;
    render(&mut conn, outcome).await
}

async fn render(
    conn: &mut diesel_async::AsyncPgConnection,
    outcome: Outcome,
) -> AppResult<web::Json<Registration>> {
    let position = position_of(conn, &outcome.registration).await?;
    Ok(web::Json(view(conn, outcome.registration, position, &outcome.event).await?))
}
