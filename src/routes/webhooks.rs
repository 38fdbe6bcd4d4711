//! Webhook subscriptions: partners subscribe for themselves, organisers for their
//! organisation's events; each subscription's delivery log is readable.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use rand::Rng;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::config::Environment;
use crate::db::webhooks::{self as subscriptions, Owner, SubscriptionRow};
use crate::db::{accounts, outbox};
use crate::domain::text::Problems;
use crate::domain::webhooks::EventType;
use crate::domain::webhooks::{check_target_url, new_secret, UrlPolicy, SECRET_BYTES};
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::pagination::{next_cursor, page_request};
use crate::routes::organisations::PageQuery;
use crate::state::AppState;
use crate::views::webhooks::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(delete_webhook)
        .service(list_deliveries);
}

/// Subscribe to changes.
///
/// A partner subscribes for itself; an admin or an organiser for an organisation's events.
///
/// A partner's subscription hears `registration.*` for the registrations that partner created,
/// and `event.*` for events where it holds a registration that is not cancelled. An
/// organisation's subscription hears every change to that organisation's events.
///
/// **Delivery.** Each change is posted as JSON (`WebhookMessage`) to `url`, at least once:
/// an answer other than 2xx (or none within 10 s) is retried with exponential backoff
/// (10 s, 20 s, 40 s… at most an hour apart) for at least 24 hours, then the delivery is
/// marked failed. Messages may arrive out of order and more than once: ignore an `id` seen
/// before and order by `occurred_at`. Redirects are not followed. Every delivery and its
/// last result are listed by `GET /api/v1/webhooks/{id}/deliveries`.
///
/// **Signature.** Each post is signed by the Standard Webhooks specification
/// (<https://www.standardwebhooks.com>), so its libraries verify it with the `secret` as
/// given (`standardwebhooks.Webhook(secret).verify(body, headers)`): `webhook-id` (the message's
/// `id`, the same on every retry), `webhook-timestamp` (unix seconds) and
/// `webhook-signature: v1,<base64>`, the HMAC-SHA256 of `<id>.<timestamp>.<body>` keyed with
/// the base64 decoding of what follows `whsec_` in `secret`. The older
/// `X-Signature: t=<unix seconds>,v1=<hex>` stays on every post: the HMAC-SHA256, keyed with
/// the whole `secret` as UTF-8, of `<t>.<body>`. Either way compute it over the bytes
/// received, compare in constant time, and refuse a timestamp more than five minutes old.
/// `X-Webhook-Id` and `X-Webhook-Type` repeat the message's `id` and `type`.
///
/// **Target.** `url` must be `https` to a public name or a global unicast address: loopback,
/// private and reserved addresses are refused (422, field code `url_not_public`) unless the
/// server allows private targets, and a name that resolves to one is not posted to (the
/// delivery log says `the target address is not public`).
///
/// The answer shows the `secret` once; it is never shown again.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), request_body = CreateWebhook, responses(
    (status = 201, description = "Created; the secret is shown only here", body = WebhookCreated),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateWebhook>,
) -> AppResult<HttpResponse> {
    let Json(CreateWebhook { url, event_types, organisation_id }) = body;
    let policy = UrlPolicy::new(
        state.settings.app_env == Environment::Development,
        state.settings.webhook_allow_private_targets,
    );
    let mut problems = Problems::default();
    let url = match check_target_url(&url, policy) {
        Ok(url) => url.to_string(),
        Err((code, message)) => {
            problems.add("url", code, message);
            String::new()
        }
    };
    let mut types: Vec<EventType> = Vec::new();
    for event_type in event_types.into_iter().map(EventType::from) {
        if !types.contains(&event_type) {
            types.push(event_type);
        }
    }
    if types.is_empty() {
        problems.add("event_types", "empty", "must name at least one event type");
    }
    let owner = match (caller.role, organisation_id) {
        (Role::Partner, Some(_)) => {
            problems.add("organisation_id", "not_allowed", "partners subscribe for themselves: leave it out");
            None
        }
        (Role::Partner, None) => caller.organisation_id.map(|org| (Some(caller.id), org)),
        (Role::Admin, None) => {
            problems.add("organisation_id", "required", "is required for admins");
            None
        }
        (Role::Organiser, None) => caller.organisation_id.map(|org| (None, org)),
        (_, Some(org)) => Some((None, org)),
    };
    let (Some((api_client_id, organisation_id)), true) = (owner, problems.is_empty()) else {
        return Err(AppError::validation(problems.0));
    };
    let mut conn = state.pool.get().await?;
    if api_client_id.is_none() {
        if accounts::find_organisation(&mut conn, organisation_id).await?.is_none() {
            return Err(AppError::invalid("unknown_organisation", "organisation_id", "no such organisation"));
        }
        caller.require_manages_organisation(organisation_id)?;
    }
    let row = subscriptions::insert_subscription(
        &mut conn,
        SubscriptionRow {
            id: Uuid::now_v7(),
            owner_kind: if api_client_id.is_some() { "api_client" } else { "organisation" }.to_owned(),
            api_client_id,
            organisation_id,
            url,
            event_types: types,
            secret: new_secret(random_bytes()),
            created_by: Some(caller.id),
            created_at: Utc::now(),
            deleted_at: None,
        },
    )
    .await?;
    tracing::info!(subscription = %row.id, owner_kind = %row.owner_kind, organisation = %organisation_id,
        "created a webhook subscription");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/webhooks/{}", row.id)))
        .json(WebhookCreated::new(&row)))
}

fn random_bytes() -> [u8; SECRET_BYTES] {
    let mut buffer = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut buffer);
    buffer
}

/// Whether `caller` may know the subscription exists.
fn visible_to(caller: &Caller, row: &SubscriptionRow) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Partner => row.api_client_id == Some(caller.id),
        Role::Organiser => row.api_client_id.is_none() && caller.organisation_id == Some(row.organisation_id),
    }
}

/// The active subscription `id`, if `caller` may see it; 404 otherwise.
async fn visible_subscription(state: &AppState, caller: &Caller, id: Uuid) -> AppResult<SubscriptionRow> {
    let mut conn = state.pool.get().await?;
    match subscriptions::find_subscription(&mut conn, id).await? {
        Some(row) if visible_to(caller, &row) => Ok(row),
        _ => Err(AppError::NotFound),
    }
}

/// List webhook subscriptions.
///
/// List subscriptions, newest first: a partner's own, an organiser's organisation's, or all
/// (admin).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(PageQuery), responses(
    (status = 200, description = "A page of subscriptions", body = WebhookList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<WebhookList>> {
    let owner = match (caller.role, caller.organisation_id) {
        (Role::Admin, _) => Owner::Anyone,
        (Role::Partner, _) => Owner::ApiClient(caller.id),
        (Role::Organiser, Some(org)) => Owner::Organisation(org),
        (Role::Organiser, None) => return Err(AppError::Forbidden),
    };
    let page = page_request::<(DateTime<Utc>, Uuid)>(
        &state.signer,
        "webhooks",
        query.limit,
        query.cursor.as_deref(),
    )?;
    let mut conn = state.pool.get().await?;
    let mut rows = subscriptions::list_subscriptions(&mut conn, owner, page.after, page.limit + 1).await?;
    let next_cursor = next_cursor(&state.signer, "webhooks", &mut rows, page.limit, |r| (r.created_at, r.id));
    Ok(web::Json(WebhookList { items: rows.iter().map(Webhook::from).collect(), next_cursor }))
}

/// Read a webhook subscription.
///
/// Read a subscription (its owner, an admin). The secret is not shown.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
    (status = 200, description = "The subscription", body = Webhook),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Webhook>> {
    let row = visible_subscription(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(Webhook::from(&row)))
}

/// Delete a webhook subscription.
///
/// Delete a subscription (its owner, an admin): it hears nothing more, and deliveries still
/// waiting are marked failed.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
    (status = 204, description = "Deleted"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let row = visible_subscription(&state, &caller, path.into_inner()).await?;
    let mut conn = state.pool.get().await?;
    subscriptions::delete_subscription(&mut conn, row.id).await?;
    tracing::info!(subscription = %row.id, "deleted a webhook subscription");
    Ok(HttpResponse::NoContent().finish())
}

/// List a subscription's deliveries.
///
/// A subscription's delivery log, newest first (its owner, an admin).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id"), PageQuery),
    responses(
    (status = 200, description = "A page of deliveries", body = WebhookDeliveryList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<WebhookDeliveryList>> {
    let row = visible_subscription(&state, &caller, path.into_inner()).await?;
    let page =
        page_request::<i64>(&state.signer, "webhook-deliveries", query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let mut rows = outbox::list_deliveries(&mut conn, row.id, page.after, page.limit + 1).await?;
    let next_cursor = next_cursor(&state.signer, "webhook-deliveries", &mut rows, page.limit, |r| r.seq);
    Ok(web::Json(WebhookDeliveryList {
        items: rows.into_iter().map(WebhookDelivery::from).collect(),
        next_cursor,
    }))
}
