//! Organisations, users and API clients.

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::{managed_organisation, trusts};
use crate::auth::{password, Caller};
use crate::db::accounts::{self, ApiClientRow, ClientRef, NewUser, OrganisationRow};
use crate::domain::contact::Email;
use crate::domain::text::Problems;
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::pagination::{next_cursor, page_request};
use crate::state::AppState;
use crate::views::accounts::*;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_organisation)
        .service(list_organisations)
        .service(get_organisation)
        .service(patch_organisation)
        .service(create_user)
        .service(create_api_client)
        .service(list_api_clients)
        .service(revoke_api_client)
        .service(list_trusted_organisations)
        .service(trust_organisation)
        .service(withdraw_trust);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Create an organisation.
///
/// Create an organisation (admin).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = CreateOrganisation, responses(
    (status = 201, description = "Created", body = Organisation),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateOrganisation>,
) -> AppResult<HttpResponse> {
    caller.require_admin()?;
    let mut problems = Problems::default();
    let name = problems.one_line("name", &body.name, 200);
    if !problems.is_empty() {
        return Err(AppError::validation(problems.0));
    }
    let mut conn = state.pool.get().await?;
    let row = accounts::insert_organisation(
        &mut conn,
        OrganisationRow {
            id: Uuid::now_v7(),
            name,
            kind: body.kind.as_str().to_owned(),
            created_at: Utc::now(),
            report_suppress_below: None,
            retention_days: crate::domain::privacy::DEFAULT_RETENTION_DAYS as i32,
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/organisations/{}", row.id)))
        .json(Organisation::from(row)))
}

/// List organisations.
///
/// List organisations, newest first (admin, organiser).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(PageQuery), responses(
    (status = 200, description = "A page of organisations", body = OrganisationList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<OrganisationList>> {
    caller.require_staff()?;
    let page = page_request::<(DateTime<Utc>, Uuid)>(
        &state.signer,
        "organisations",
        query.limit,
        query.cursor.as_deref(),
    )?;
    let mut conn = state.pool.get().await?;
    let mut rows = accounts::list_organisations(&mut conn, page.after, page.limit + 1).await?;
    let next_cursor =
        next_cursor(&state.signer, "organisations", &mut rows, page.limit, |r| (r.created_at, r.id));
    Ok(web::Json(OrganisationList { items: rows.into_iter().map(Organisation::from).collect(), next_cursor }))
}

/// Read an organisation.
///
/// Read an organisation with its privacy settings (admin, organiser of that organisation).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Organisation id")), responses(
    (status = 200, description = "The organisation", body = Organisation),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Organisation>> {
    let mut conn = state.pool.get().await?;
    let row = crate::app::organisations::find(&mut conn, &caller, path.into_inner()).await?;
    Ok(web::Json(Organisation::from(row)))
}

/// Change an organisation's privacy settings.
///
/// Change an organisation's privacy settings (admin, organiser of that organisation):
/// `report_suppress_below`, the default small-count threshold of its event reports (1 to
/// 1000; null clears it), and `retention_days`, how many days after an event ends its
/// participants' personal data is purged (1 to 36500; an event may set its own). A bad value
/// is 422 naming the field, and changes nothing.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = PatchOrganisation,
    params(("id" = Uuid, Path, description = "Organisation id")), responses(
    (status = 200, description = "The organisation with its settings", body = Organisation),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[patch("/organisations/{id}")]
pub async fn patch_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<PatchOrganisation>,
) -> AppResult<web::Json<Organisation>> {
    let Json(PatchOrganisation { report_suppress_below, retention_days }) = body;
    let change = crate::app::organisations::SettingsChange { report_suppress_below, retention_days };
    let mut conn = state.pool.get().await?;
    let row =
        crate::app::organisations::change_settings(&mut conn, &caller, path.into_inner(), change).await?;
    Ok(web::Json(Organisation::from(row)))
}

/// Create a user.
///
/// Create a user: an admin, or an organiser of one organisation (admin).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = CreateUser, responses(
    (status = 201, description = "Created", body = User),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 409, response = crate::openapi::Conflict),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUser>,
) -> AppResult<HttpResponse> {
    caller.require_admin()?;
    let Json(CreateUser { email, password, role, organisation_id }) = body;
    if let Err(message) = crate::domain::check_password(&password) {
        return Err(AppError::invalid("weak_password", "password", message));
    }
    let mut problems = Problems::default();
    let email = match Email::parse(&email) {
        Ok(email) => Some(email),
        Err(message) => {
            problems.add("email", "invalid_email", message);
            None
        }
    };
    if role == UserRole::Organiser && organisation_id.is_none() {
        problems.add("organisation_id", "required", "is required for organisers");
    }
    let (Some(email), true) = (email, problems.is_empty()) else {
        return Err(AppError::validation(problems.0));
    };
    if let Some(organisation_id) = organisation_id {
        let mut conn = state.pool.get().await?;
        if accounts::find_organisation(&mut conn, organisation_id).await?.is_none() {
            return Err(AppError::invalid("unknown_organisation", "organisation_id", "no such organisation"));
        }
    }
    let hash = password::hash(password).await?;
    let mut conn = state.pool.get().await?;
    let user = accounts::insert_user(
        &mut conn,
        NewUser {
            id: Uuid::now_v7(),
            email: email.as_str(),
            password_hash: &hash,
            role: role.into(),
            organisation_id,
        },
    )
    .await?;
    tracing::info!(user_id = %user.id, role = role.as_str(), "created a user");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(User::from(user)))
}

/// Create an API client.
///
/// Create an API client for a partner front-end (admin, organiser of the organisation).
/// The secret is shown only in this answer and stored only as an Argon2id hash.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = CreateApiClient,
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
    (status = 201, description = "Created; the secret is shown only here", body = ApiClientCreated),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/organisations/{id}/api-clients")]
pub async fn create_api_client(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<CreateApiClient>,
) -> AppResult<HttpResponse> {
    let organisation_id = path.into_inner();
    {
        let mut conn = state.pool.get().await?;
        managed_organisation(&mut conn, &caller, organisation_id).await?;
    }
    let mut problems = Problems::default();
    let name = problems.one_line("name", &body.name, 200);
    if !problems.is_empty() {
        return Err(AppError::validation(problems.0));
    }
    let client_id = format!("hec_{}", random_hex(12));
    let client_secret = random_hex(32);
    let secret_hash = password::hash(client_secret.clone()).await?;
    let mut conn = state.pool.get().await?;
    let row = accounts::insert_api_client(
        &mut conn,
        ApiClientRow {
            id: Uuid::now_v7(),
            organisation_id,
            name,
            client_id,
            secret_hash,
            created_by: Some(caller.id),
            created_at: Utc::now(),
            revoked_at: None,
        },
    )
    .await?;
    tracing::info!(api_client = %row.id, organisation = %organisation_id, "created an API client");
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/organisations/{organisation_id}/api-clients/{}", row.id),
        ))
        .json(ApiClientCreated {
            id: row.id,
            name: row.name,
            organisation_id: row.organisation_id,
            client_id: row.client_id,
            client_secret,
        }))
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// List API clients.
///
/// List an organisation's API clients, newest first, revoked ones included (admin,
/// organiser of the organisation).
#[utoipa::path(tag = "organisations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id"), PageQuery),
    responses(
    (status = 200, description = "A page of API clients", body = ApiClientList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/organisations/{id}/api-clients")]
pub async fn list_api_clients(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<ApiClientList>> {
    let organisation_id = path.into_inner();
    caller.require_staff()?;
    let page = page_request::<(DateTime<Utc>, Uuid)>(
        &state.signer,
        "api-clients",
        query.limit,
        query.cursor.as_deref(),
    )?;
    let mut conn = state.pool.get().await?;
    managed_organisation(&mut conn, &caller, organisation_id).await?;
    let mut rows = accounts::list_api_clients(&mut conn, organisation_id, page.after, page.limit + 1).await?;
    let next_cursor =
        next_cursor(&state.signer, "api-clients", &mut rows, page.limit, |r| (r.created_at, r.id));
    Ok(web::Json(ApiClientList { items: rows.into_iter().map(ApiClient::from).collect(), next_cursor }))
}

/// Revoke an API client.
///
/// Revoke an API client; its tokens stop working at once, and the webhook deliveries still
/// waiting for it are cancelled (admin, organiser of the organisation). Revoking a revoked
/// client is harmless.
#[utoipa::path(tag = "organisations", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("client_id" = String, Path, description = "The API client's `id`, or its public `client_id`"),
    ),
    responses(
    (status = 204, description = "Revoked"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[delete("/organisations/{id}/api-clients/{client_id}")]
pub async fn revoke_api_client(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, String)>,
) -> AppResult<HttpResponse> {
    let (organisation_id, client) = path.into_inner();
    let mut conn = state.pool.get().await?;
    managed_organisation(&mut conn, &caller, organisation_id).await?;
    let client = match client.parse::<Uuid>() {
        Ok(id) => ClientRef::Id(id),
        Err(_) => ClientRef::ClientId(&client),
    };
    let id = accounts::revoke_api_client(&mut conn, organisation_id, client).await?;
    tracing::info!(api_client = %id, "revoked an API client");
    Ok(HttpResponse::NoContent().finish())
}

/// List trusted organisations.
///
/// List the organisations this organisation trusts, newest trust first (admin, organiser of
/// the organisation). The partners of a trusted organisation may register people for this
/// organisation's events; other organisations' partners get 403 `partner_not_allowed`.
#[utoipa::path(tag = "organisations", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id"), PageQuery),
    responses(
    (status = 200, description = "A page of trusted organisations", body = TrustedOrganisationList),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/organisations/{id}/trusted-organisations")]
pub async fn list_trusted_organisations(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<TrustedOrganisationList>> {
    let organisation_id = path.into_inner();
    caller.require_staff()?;
    let page = page_request::<(DateTime<Utc>, Uuid)>(
        &state.signer,
        &format!("trusted-organisations:{organisation_id}"),
        query.limit,
        query.cursor.as_deref(),
    )?;
    let mut conn = state.pool.get().await?;
    let mut rows = trusts::list(&mut conn, &caller, organisation_id, page.after, page.limit + 1).await?;
    let next_cursor = next_cursor(
        &state.signer,
        &format!("trusted-organisations:{organisation_id}"),
        &mut rows,
        page.limit,
        |r| (r.trust.created_at, r.trust.trusted_organisation_id),
    );
    Ok(web::Json(TrustedOrganisationList {
        items: rows.into_iter().map(TrustedOrganisation::from).collect(),
        next_cursor,
    }))
}

/// Trust an organisation.
///
/// Trust another organisation: its partners may then register people for this
/// organisation's events, as this organisation's own partners do (admin, organiser of the
/// organisation). Idempotent: 201 with the trust when this request gives it, 204 when it was
/// given already (it keeps who gave it, and when).
#[utoipa::path(tag = "organisations", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Organisation id: the one that trusts"),
        ("other" = Uuid, Path, description = "The organisation to trust"),
    ),
    responses(
    (status = 201, description = "Trusted from now on", body = TrustedOrganisation),
    (status = 204, description = "Trusted already; nothing changed"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[put("/organisations/{id}/trusted-organisations/{other}")]
pub async fn trust_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (organisation_id, other) = path.into_inner();
    let mut conn = state.pool.get().await?;
    Ok(match trusts::trust(&mut conn, &caller, organisation_id, other).await? {
        Some(created) => HttpResponse::Created()
            .insert_header((
                "Location",
                format!("/api/v1/organisations/{organisation_id}/trusted-organisations/{other}"),
            ))
            .json(TrustedOrganisation::from(created)),
        None => HttpResponse::NoContent().finish(),
    })
}

/// Withdraw trust in an organisation.
///
/// Withdraw the trust in another organisation: its partners can no longer register people
/// for this organisation's events (403 `partner_not_allowed`); the registrations they made
/// stay, and they still read, change and cancel them (admin, organiser of the
/// organisation). Idempotent: 204 whether or not the trust was given.
#[utoipa::path(tag = "organisations", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Organisation id: the one that trusts"),
        ("other" = Uuid, Path, description = "The trusted organisation"),
    ),
    responses(
    (status = 204, description = "Not trusted (any more)"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[delete("/organisations/{id}/trusted-organisations/{other}")]
pub async fn withdraw_trust(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (organisation_id, other) = path.into_inner();
    let mut conn = state.pool.get().await?;
    trusts::withdraw(&mut conn, &caller, organisation_id, other).await?;
    Ok(HttpResponse::NoContent().finish())
}
