//! Registrations: create (with the seat rules and idempotency), list, read, update, cancel,
//! check in, erase personal data, and the audit trail.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use diesel_async::AsyncConnection;
use futures_util::future::join3;
use sha2::{Digest, Sha256};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{may_see_event, note_caller, Caller, RegistrationAccess, Role, Token};
use crate::db::events::{self, Actor, EventRow};
use crate::db::idempotency::{self, Replay};
use crate::db::pipelined::PipelinedTransaction;
use crate::db::rate_limits;
use crate::db::registrations::{self, RegistrationFilter, RegistrationRow};
use crate::domain::events::EventStatus;
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::pagination::{next_cursor, page_request};
use crate::routes::events::{actor, find_visible};
use crate::state::AppState;
use crate::views::registrations::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_registration)
        .service(list_registrations)
        .service(get_registration)
        .service(patch_registration)
        .service(cancel_registration)
        .service(check_in)
        .service(erase_personal_data)
        .service(history);
}

fn access(caller: &Caller, registration: &RegistrationRow, event: &EventRow) -> RegistrationAccess {
    caller.registration_access(event.organisation_id, registration.created_by)
}

fn render(row: RegistrationRow, position: Option<i64>, event: &EventRow) -> Registration {
    Registration::from_row(row, position, event.online_join_url.as_deref())
}

/// Register a participant (partner, organiser of the event, admin).
///
/// The seat rules of the contract are decided in one transaction with the event locked, so
/// they hold under any number of concurrent requests and server processes. With an
/// `Idempotency-Key` header, a retry with the same body within 24 hours gets the first
/// answer again and creates nothing. One caller may create at most
/// REGISTRATION_RATE_LIMIT_PER_MINUTE registrations a minute (429 `rate_limited` beyond).
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
    let request = match NewRegistration::read(&req, path, body) {
        Ok(request) => request,
        // Who calls is settled before what was sent is judged (401 before 400, 404 or 422),
        // as on every endpoint that extracts a `Caller`.
        Err(error) => {
            token.load(&req).await?;
            return Err(error);
        }
    };
    let mut conn = state.pool.get().await?;
    let mut tx = PipelinedTransaction::open(&mut conn)?;
    let outcome =
        register(&mut tx, &req, token, &request, state.settings.registration_rate_limit_per_minute).await;
    match tx.finish(outcome).await? {
        Registered::New(view) => {
            let outcome = match (view.status, view.fallback_applied) {
                (RegistrationStatus::Confirmed, true) => "fallback",
                (RegistrationStatus::Confirmed, false) => "confirmed",
                _ => "waitlisted",
            };
            state.metrics.registrations.with_label_values(&[outcome]).inc();
            tracing::info!(registration_id = %view.id, event_id = %request.event_id, outcome, "registered");
            Ok(HttpResponse::Created().json(view))
        }
        Registered::Replay(Replay { status, body: Some(body), .. }) => Ok(replay(status, body)),
        Registered::Replay(Replay { status, body: None, registration_id }) => {
            // The stored answer was erased with the personal data: answer the registration
            // as it is now.
            let id = registration_id.ok_or(AppError::NotFound)?;
            let (row, event) = load(&mut conn, id).await?;
            let position = position_of(&mut conn, &row).await?;
            Ok(replay(status, serde_json::to_value(render(row, position, &event)).expect("views serialise")))
        }
    }
}

/// A registration request that passed every check that needs no database.
struct NewRegistration {
    event_id: Uuid,
    input: CreateRegistration,
    valid: crate::domain::registrations::ValidRegistration,
    /// The `Idempotency-Key` and the request's fingerprint, when the request may be replayed.
    idempotent: Option<(String, Vec<u8>)>,
}

impl NewRegistration {
    fn read(
        req: &HttpRequest,
        path: Result<web::Path<Uuid>, actix_web::Error>,
        body: Result<Json<CreateRegistration>, AppError>,
    ) -> AppResult<Self> {
        // Any malformed id is 404, as `http::query::path_config` answers elsewhere.
        let event_id = path.map_err(|_| AppError::NotFound)?.into_inner();
        let key = match req.headers().get("idempotency-key") {
            None => None,
            Some(value) => {
                let key = value.to_str().map_err(|_| {
                    AppError::invalid("invalid_idempotency_key", "Idempotency-Key", "must be printable ASCII")
                })?;
                idempotency::check_key(key)?;
                Some(key.to_owned())
            }
        };
        let input = body?.0;
        let valid = crate::domain::registrations::validate(input.to_draft())?;
        // Only a request that may be replayed needs its fingerprint.
        let idempotent = key.map(|key| {
            let hash = Sha256::digest(serde_json::to_vec(&input).expect("requests serialise")).to_vec();
            (key, hash)
        });
        Ok(Self { event_id, input, valid, idempotent })
    }
}

enum Registered {
    New(Box<Registration>),
    Replay(Replay),
}

/// The registration's transaction, in two round trips when nothing needs remembering or
/// counting: (1) BEGIN, the `Idempotency-Key` claimed, the event locked together with the
/// caller's standing (a revoked partner is refused here, not by a statement of its own);
/// then the seat decision; (2) the writes and the COMMIT (`db::pipelined`).
async fn register(
    tx: &mut PipelinedTransaction<'_>,
    req: &HttpRequest,
    token: Token,
    request: &NewRegistration,
    per_minute: u32,
) -> AppResult<Registered> {
    let actor = Actor { id: token.id(), kind: token.kind().as_str() };
    let claim = async {
        match &request.idempotent {
            Some((key, hash)) => idempotency::try_claim(tx.shared(), token.id(), key, hash).await.map(Some),
            None => Ok(None),
        }
    };
    // All three are answered before any result is looked at, and looked at in the order
    // sent, so the first failure in that order is the one answered.
    let (begun, claimed, locked) =
        join3(tx.begin(), claim, events::lock_as_standing(tx.shared(), request.event_id, actor)).await;
    begun?;
    let claimed = claimed?;
    let (caller, event) = match locked? {
        Some((event, standing)) => (token.caller_of(standing)?, Some(event)),
        // No such event: who is asking still decides between 401 and 404.
        None => (token.caller(tx.shared()).await?, None),
    };
    note_caller(req, &caller);
    if let (Some((key, hash)), Some(false)) = (&request.idempotent, claimed) {
        return Ok(Registered::Replay(idempotency::stored(tx.conn(), caller.id, key, hash).await?));
    }
    let event = event.ok_or(AppError::NotFound)?;
    may_register(&caller, &event)?;
    // With nothing to remember or count after the writes, nothing can refuse the
    // registration once they succeed, so the COMMIT goes with them.
    let commit_with_writes = request.idempotent.is_none() && per_minute == 0;
    let created = registrations::create(
        tx,
        event,
        actor,
        &request.valid,
        request.input.participant.stakeholder_category.as_str(),
        request.input.consent.contact,
        commit_with_writes,
    )
    .await?;
    let view = render(created.registration, created.waitlist_position, &created.event);
    if let Some((key, _)) = &request.idempotent {
        let body = serde_json::to_value(&view).expect("views serialise");
        idempotency::remember(tx.conn(), caller.id, key, 201, &body, view.id).await?;
    }
    rate_limits::count_registration(tx.conn(), caller.id, per_minute).await?;
    Ok(Registered::New(Box::new(view)))
}

fn replay(status: u16, body: serde_json::Value) -> HttpResponse {
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::CREATED);
    HttpResponse::build(status).insert_header(("Idempotent-Replayed", "true")).json(body)
}

/// Who may register for an event: its organisers and admins (drafts included, so they can
/// be tried out; they are still closed), and partners for events they can see.
fn may_register(caller: &Caller, event: &EventRow) -> AppResult<()> {
    if !may_see_event(Some(caller), event.organisation_id, event.status() == EventStatus::Draft) {
        return Err(AppError::NotFound);
    }
    match caller.role {
        Role::Admin | Role::Partner => Ok(()),
        Role::Organiser if caller.manages_organisation(event.organisation_id) => Ok(()),
        Role::Organiser => Err(AppError::Forbidden),
    }
}

async fn load(
    conn: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
) -> AppResult<(RegistrationRow, EventRow)> {
    let row = registrations::find(conn, id).await?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, row.event_id).await?.ok_or(AppError::NotFound)?;
    Ok((row, event))
}

async fn position_of(
    conn: &mut diesel_async::AsyncPgConnection,
    row: &RegistrationRow,
) -> AppResult<Option<i64>> {
    Ok(if row.status == "waitlisted" {
        Some(registrations::waitlist_position(conn, row).await?)
    } else {
        None
    })
}

/// List an event's registrations, oldest first: all of them for its organisers and admins,
/// its own for a partner.
#[utoipa::path(tag = "registrations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id"), RegistrationQuery), responses(
    (status = 200, description = "A page of registrations", body = RegistrationList),
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
) -> AppResult<web::Json<RegistrationList>> {
    let event_id = path.into_inner();
    let page = page_request::<i64>(
        &state.signer,
        &format!("registrations:{event_id}"),
        query.limit,
        query.cursor.as_deref(),
    )?;
    let mut conn = state.pool.get().await?;
    let event = find_visible(&mut conn, event_id, Some(&caller)).await?;
    let created_by = if caller.manages_organisation(event.organisation_id) {
        None
    } else if caller.is_partner() {
        Some(caller.id)
    } else {
        return Err(AppError::Forbidden);
    };
    let filter = RegistrationFilter {
        status: query.status.map(|s| match s {
            RegistrationStatus::Confirmed => "confirmed",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::Cancelled => "cancelled",
        }),
        mode: query.mode.map(Into::into),
        needs_physical_space: query.needs_physical_space,
        created_by,
    };
    let mut rows = registrations::list(&mut conn, event_id, &filter, page.after, page.limit + 1).await?;
    let next_cursor =
        next_cursor(&state.signer, &format!("registrations:{event_id}"), &mut rows, page.limit, |r| r.seq);
    let waitlisted: Vec<Uuid> = rows.iter().filter(|r| r.status == "waitlisted").map(|r| r.id).collect();
    let positions = registrations::waitlist_positions(&mut conn, event_id, &waitlisted).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let position = positions.get(&row.id).copied();
            render(row, position, &event)
        })
        .collect();
    Ok(web::Json(RegistrationList { items, next_cursor }))
}

/// Read a registration (organisers of its event, admin, the partner that created it).
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The registration", body = Registration),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/registrations/{id}")]
pub async fn get_registration(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Registration>> {
    let mut conn = state.pool.get().await?;
    let (row, event) = load(&mut conn, path.into_inner()).await?;
    access(&caller, &row, &event).require_read()?;
    let position = position_of(&mut conn, &row).await?;
    Ok(web::Json(render(row, position, &event)))
}

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
    let id = path.into_inner();
    let patch = body.0;
    let caller_ref = &caller;
    let mut conn = state.pool.get().await?;
    let changed = conn
        .transaction::<_, AppError, _>(async move |conn| {
            registrations::update(
                conn,
                id,
                actor(caller_ref),
                |row, event| access(caller_ref, row, event).require_read(),
                |row| patch.merge(row),
            )
            .await
        })
        .await?;
    let position = position_of(&mut conn, &changed.registration).await?;
    Ok(web::Json(render(changed.registration, position, &changed.event)))
}

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
    let id = path.into_inner();
    let caller_ref = &caller;
    let mut conn = state.pool.get().await?;
    let changed = conn
        .transaction::<_, AppError, _>(async move |conn| {
            registrations::cancel(conn, id, actor(caller_ref), |row, event| {
                access(caller_ref, row, event).require_read()
            })
            .await
        })
        .await?;
    if !changed.promotions.is_empty() {
        tracing::info!(registration_id = %id, promoted = changed.promotions.len(), "cancellation promoted the waitlist");
    }
    Ok(web::Json(render(changed.registration, None, &changed.event)))
}

/// Record that a confirmed participant arrived (organisers of the event, admin). The body
/// is `{}`. Idempotent; 409 `not_confirmed` unless confirmed.
#[utoipa::path(tag = "registrations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Registration id")), responses(
    (status = 200, description = "The registration, with `checked_in_at`", body = Registration),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/registrations/{id}/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Registration>> {
    let id = path.into_inner();
    let caller_ref = &caller;
    let mut conn = state.pool.get().await?;
    let (row, event) = conn
        .transaction::<_, AppError, _>(async move |conn| {
            registrations::check_in(conn, id, actor(caller_ref), |row, event| {
                access(caller_ref, row, event).require_manage()
            })
            .await
        })
        .await?;
    Ok(web::Json(render(row, None, &event)))
}

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
    let id = path.into_inner();
    let caller_ref = &caller;
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        registrations::erase(conn, id, actor(caller_ref), |row, event| {
            access(caller_ref, row, event).require_manage()
        })
        .await
    })
    .await?;
    tracing::info!(registration_id = %id, "erased personal data");
    Ok(HttpResponse::NoContent().finish())
}

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
    let id = path.into_inner();
    let mut conn = state.pool.get().await?;
    let (row, event) = load(&mut conn, id).await?;
    access(&caller, &row, &event).require_manage()?;
    let items = registrations::history(&mut conn, id).await?.into_iter().map(HistoryEntry::from).collect();
    Ok(web::Json(History { items }))
}
