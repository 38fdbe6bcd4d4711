//! Outreach: what participants must be told, for the partners who can reach them. Each
//! handler parses, calls `app::outreach`, and renders.

use actix_web::{get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::outreach as use_case;
use crate::auth::Caller;
use crate::domain::text::Problems;
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::pagination::{next_cursor, page_request};
use crate::state::AppState;
use crate::views::outreach::{
    OutreachItem, OutreachList, OutreachQuery, OutreachResultRequest, MAX_NOTE_CHARS,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_outreach).service(get_outreach).service(report_outreach_result);
}

/// List outreach items.
///
/// What participants must be told, oldest first: every change that matters to a person
/// (a seat confirmed or given, a waitlist, a move online or to another place, a cancelled
/// registration, an event moved or cancelled) makes an item in the transaction of the change,
/// with its message in the person's language, for whoever can reach them. A partner sees the
/// items of the registrations it made; organisers see every item of their organisation's
/// events (`assigned_to` says whose it is: the partner's, or theirs for the people they
/// registered themselves); admins see all. A registration has at most one open item: a newer
/// one closes the older as `superseded`, and its message says what holds now.
#[utoipa::path(tag = "outreach", security(("bearer" = [])), params(OutreachQuery), responses(
    (status = 200, description = "A page of outreach items", body = OutreachList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/outreach")]
pub async fn list_outreach(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OutreachQuery>,
) -> AppResult<web::Json<OutreachList>> {
    let page = page_request::<i64>(&state.signer, "outreach", query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let mut rows = use_case::list(&mut conn, &caller, query.filter(), page.after, page.limit + 1).await?;
    let next_cursor = next_cursor(&state.signer, "outreach", &mut rows, page.limit, |r| r.seq);
    let items = rows.into_iter().map(OutreachItem::from_row).collect();
    Ok(web::Json(OutreachList { items, next_cursor }))
}

/// Read an outreach item.
///
/// One item, to whoever may list it.
#[utoipa::path(tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Outreach item id")), responses(
    (status = 200, description = "The item", body = OutreachItem),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/outreach/{id}")]
pub async fn get_outreach(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<OutreachItem>> {
    let mut conn = state.pool.get().await?;
    let row = use_case::find(&mut conn, &caller, path.into_inner()).await?;
    Ok(web::Json(OutreachItem::from_row(row)))
}

/// Report how reaching the person went.
///
/// `{result, note}`: `reached` (done), `no_answer` (stays open, to try again), `declined`
/// (done: the person does not want the seat, so the registration is cancelled and its seat
/// goes to the next person waiting, in the same transaction), `wrong_contact` (failed). The
/// partner of the registration, the event's organisers and admins may report; 409
/// `outreach_closed` once the item is done, failed or superseded.
#[utoipa::path(tag = "outreach", security(("bearer" = [])), request_body = OutreachResultRequest,
    params(("id" = Uuid, Path, description = "Outreach item id")), responses(
    (status = 200, description = "The item with its result", body = OutreachItem),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/outreach/{id}/result")]
pub async fn report_outreach_result(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<OutreachResultRequest>,
) -> AppResult<web::Json<OutreachItem>> {
    let Json(body) = body;
    let mut problems = Problems::default();
    let note = problems.optional_text("note", body.note.as_deref(), MAX_NOTE_CHARS);
    if !problems.is_empty() {
        return Err(AppError::validation(problems.0));
    }
    let mut conn = state.pool.get().await?;
    let (item, _) = use_case::report(&mut conn, &caller, path.into_inner(), body.result, note).await?;
    Ok(web::Json(OutreachItem::from_row(item)))
}
