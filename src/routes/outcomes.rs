//! An event's outcome and its follow-up actions; a series' actions. Each handler parses,
//! calls its use case (`app::outcomes`), and renders.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::outcomes as use_case;
use crate::auth::Caller;
use crate::db::idempotency::Replay;
use crate::db::outcomes::SeriesKey;
use crate::domain::actors::{ActionId, EventId};
use crate::domain::outcomes::parse_statuses;
use crate::error::{AppError, AppResult};
use crate::http::idempotency;
use crate::http::json::Json;
use crate::http::pagination::{next_cursor, page_request};
use crate::state::AppState;
use crate::views::outcomes::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record_outcome)
        .service(get_outcome)
        .service(list_series_actions)
        .service(get_action)
        .service(patch_action);
}

/// Record an event's outcome.
///
/// What the meeting decided (admin, organisers of the event's organisation): the topics
/// discussed (the vocabulary of registrations' `interests`), a summary, and follow-up
/// actions. `topics` and `summary` replace what was recorded when given (absent: kept; a
/// null summary: cleared), so the record can be corrected when the minutes are; `actions`
/// are added to the event's actions, each `open` unless said (change one with `PATCH
/// /actions/{id}`). 201 the first time the event's outcome is recorded, 200 after; both with
/// the whole outcome and every action of the event, and `Location`. A bad field, or an
/// owner organisation that does not exist (`unknown_organisation`), is 422 naming it and
/// changes nothing; a cancelled event is 409 `event_cancelled`. Each new action sends
/// `action.created` to the organisation's subscriptions; the event's history records the
/// outcome (`outcome_recorded`) and each action (`action_created`). With an
/// `Idempotency-Key` header, a retry with the same body for the same event within 24 hours
/// gets the first answer again (its status and body, with `Idempotent-Replayed: true`) and
/// adds nothing; the same key with another body or event is 422 `idempotency_key_reused`.
#[utoipa::path(tag = "outcomes", security(("bearer" = [])), request_body = RecordOutcome,
    params(("id" = Uuid, Path, description = "Event id"),
           ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Makes retries safe: 1 to 255 printable ASCII characters")),
    responses(
    (status = 200, description = "The outcome, corrected or with actions added", body = Outcome,
        headers(("Location" = String, description = "The outcome's URL"))),
    (status = 201, description = "The outcome, recorded for the first time", body = Outcome,
        headers(("Location" = String, description = "The outcome's URL"))),
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
#[post("/events/{id}/outcomes")]
pub async fn record_outcome(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<RecordOutcome>,
) -> AppResult<HttpResponse> {
    let event_id = path.into_inner();
    let key = idempotency::key_of(req.headers())?;
    // The event is part of the fingerprint: the same key and body sent for another event is
    // another request (422 `idempotency_key_reused`), not a retry.
    let hash = key.as_ref().map(|_| idempotency::fingerprint(&(event_id, &body.0)));
    let idempotent = key.as_deref().zip(hash.as_deref());
    let location = ("Location", format!("/api/v1/events/{event_id}/outcomes"));
    let mut conn = state.pool.get().await?;
    let render = |recorded: &use_case::Recorded| {
        Outcome::of(event_id, Some(recorded.outcome.clone()), recorded.actions.clone())
    };
    let answered = use_case::record_outcome(
        &mut conn,
        &caller,
        EventId(event_id),
        body.0.into_draft(),
        idempotent,
        |recorded| serde_json::to_value(render(recorded)).expect("views serialise"),
    )
    .await?;
    match answered {
        use_case::Answered::Recorded(recorded) => {
            let mut response = if recorded.created { HttpResponse::Created() } else { HttpResponse::Ok() };
            Ok(response.insert_header(location).json(render(&recorded)))
        }
        use_case::Answered::Replay(Replay { status, body, .. }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let body = body.ok_or_else(|| {
                AppError::Unexpected(anyhow::anyhow!("an outcome's stored answer is never erased"))
            })?;
            Ok(HttpResponse::build(status)
                .insert_header(location)
                .insert_header(("Idempotent-Replayed", "true"))
                .json(body))
        }
    }
}

/// Read an event's outcome.
///
/// The topics, summary and actions of the event (admin, organisers of the event's
/// organisation); empty when nothing was recorded.
#[utoipa::path(tag = "outcomes", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id")), responses(
    (status = 200, description = "The outcome", body = Outcome),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events/{id}/outcomes")]
pub async fn get_outcome(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Outcome>> {
    let event_id = path.into_inner();
    let mut conn = state.pool.get().await?;
    let (outcome, actions) = use_case::read_outcome(&mut conn, &caller, EventId(event_id)).await?;
    Ok(web::Json(Outcome::of(event_id, outcome, actions)))
}

/// List a series' actions.
///
/// The follow-up actions of every event of the series (admin, organisers of its
/// organisation), by due date, then by their event's start; `status` keeps those of the
/// statuses listed (`open,in_progress`: what is still to do).
#[utoipa::path(tag = "outcomes", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Series id"), SeriesActionsQuery),
    responses(
    (status = 200, description = "A page of actions", body = ActionList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/series/{id}/actions")]
pub async fn list_series_actions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<SeriesActionsQuery>,
) -> AppResult<web::Json<ActionList>> {
    let series_id = path.into_inner();
    caller.require_staff()?;
    let statuses = match query.status.as_deref() {
        None => Vec::new(),
        Some(list) => parse_statuses(list).ok_or_else(|| {
            AppError::invalid(
                "validation_failed",
                "status",
                "statuses are open, in_progress, done and dropped",
            )
        })?,
    };
    // A cursor is good for the series' list it came from only.
    let list = format!("actions:{series_id}");
    let page = page_request::<SeriesKey>(&state.signer, &list, query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let mut rows =
        use_case::series_actions(&mut conn, &caller, series_id, &statuses, page.after, page.limit + 1)
            .await?;
    let next_cursor =
        next_cursor(&state.signer, &list, &mut rows, page.limit, |r| (r.due_on, r.event_starts_at, r.id));
    Ok(web::Json(ActionList { items: rows.into_iter().map(Action::from).collect(), next_cursor }))
}

/// Read an action.
///
/// One follow-up action (admin, organisers of its event's organisation).
#[utoipa::path(tag = "outcomes", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Action id")), responses(
    (status = 200, description = "The action", body = Action),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/actions/{id}")]
pub async fn get_action(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Action>> {
    let mut conn = state.pool.get().await?;
    let row = use_case::find_action(&mut conn, &caller, ActionId(path.into_inner())).await?;
    Ok(web::Json(Action::from(row)))
}

/// Change an action.
///
/// Change a follow-up action's status, title, owner or due date (admin, organisers of its
/// event's organisation). Absent fields stay; an owner given replaces the owner (both
/// `owner_organisation_id` and `owner_name` is 422); the result is checked as a new action
/// is (422 naming each bad field, changing nothing). A change sends `action.updated` to the
/// organisation's subscriptions, naming the fields changed, and is recorded in the event's
/// history (`action_updated`); a PATCH that changes nothing does neither.
#[utoipa::path(tag = "outcomes", security(("bearer" = [])), request_body = PatchAction,
    params(("id" = Uuid, Path, description = "Action id")), responses(
    (status = 200, description = "The action as it is now", body = Action),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[patch("/actions/{id}")]
pub async fn patch_action(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<PatchAction>,
) -> AppResult<web::Json<Action>> {
    let mut conn = state.pool.get().await?;
    let row =
        use_case::change_action(&mut conn, &caller, ActionId(path.into_inner()), body.0.into_patch()).await?;
    Ok(web::Json(Action::from(row)))
}
