//! Tokens for people (`/auth/login`) and partner programs (`/auth/token`), and `/me`.

use actix_web::{get, post, web, HttpRequest};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::throttle::{LoginThrottle, Principal};
use crate::auth::{password, Caller, PrincipalKind, Role};
use crate::db::accounts;
use crate::error::{AppError, AppResult};
use crate::http::client_address::client_address;
use crate::http::json::Json;
use crate::state::AppState;
use crate::views::accounts::{LoginRequest, Me, TokenRequest, TokenResponse};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(token).service(me);
}

/// Log in with email and password.
///
/// A wrong password and an unknown email give the same answer in about the same time.
/// Repeated failures for one account from one address, from one address for any accounts,
/// or for one account from many addresses are answered 429 with a delay in `Retry-After`
/// that grows with each further failure.
#[utoipa::path(tag = "auth", security(), request_body = LoginRequest, responses(
    (status = 200, description = "An access token", body = TokenResponse),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 429, response = crate::openapi::TooManyRequests),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> AppResult<web::Json<TokenResponse>> {
    let Json(LoginRequest { email, password }) = body;
    let user = verified(
        &state,
        &req,
        password,
        |u: &accounts::UserRow| u.password_hash.clone(),
        |u: Option<&accounts::UserRow>| {
            u.map_or_else(|| Principal::unknown_email(&email), |u| Principal::user(u.id))
        },
        async |conn| accounts::find_user_by_email(conn, email.trim()).await,
    )
    .await?;
    let role = user.role;
    tracing::info!(user_id = %user.id, "logged in");
    issue(&state, user.id, role, user.organisation_id)
}

/// The principal `find` returns when `secret` matches its hash, counted by the login
/// throttle either way. An unknown principal is checked against a dummy hash, so it takes as
/// long as a wrong secret and gets the same answer.
///
/// The principal is looked up before the attempt is counted, so that the counters are those
/// of the account the lookup found (`principal_of`), whichever spelling reached it.
async fn verified<T>(
    state: &AppState,
    req: &HttpRequest,
    secret: String,
    hash_of: impl Fn(&T) -> String,
    principal_of: impl FnOnce(Option<&T>) -> Principal,
    find: impl AsyncFnOnce(&mut diesel_async::AsyncPgConnection) -> AppResult<Option<T>>,
) -> AppResult<T> {
    let address = client_address(req, &state.settings);
    let (found, throttle, attempt) = {
        let mut conn = state.pool.get().await?;
        let found = find(&mut conn).await?;
        let throttle = LoginThrottle::new(principal_of(found.as_ref()), address, &state.settings);
        let attempt = throttle.begin(&mut conn).await?;
        (found, throttle, attempt)
    };
    // No connection is held while Argon2 runs.
    let valid = password::verify(secret, found.as_ref().map(&hash_of)).await?;
    let mut conn = state.pool.get().await?;
    match found.filter(|_| valid) {
        Some(found) => {
            throttle.succeeded(&mut conn, attempt).await?;
            Ok(found)
        }
        None => {
            throttle.failed(&mut conn, attempt).await?;
            Err(AppError::InvalidCredentials)
        }
    }
}

fn issue(
    state: &AppState,
    id: uuid::Uuid,
    role: Role,
    org: Option<uuid::Uuid>,
) -> AppResult<web::Json<TokenResponse>> {
    let issued = state.tokens.issue(id, role, org)?;
    Ok(web::Json(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer",
        expires_in: issued.expires_in,
    }))
}

/// Get a partner token.
///
/// Exchange an API client's id and secret for a partner token.
#[utoipa::path(tag = "auth", security(), request_body = TokenRequest, responses(
    (status = 200, description = "An access token with role `partner`", body = TokenResponse),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 429, response = crate::openapi::TooManyRequests),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/auth/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<TokenRequest>,
) -> AppResult<web::Json<TokenResponse>> {
    let Json(TokenRequest { client_id, client_secret }) = body;
    let client = verified(
        &state,
        &req,
        client_secret,
        |c: &accounts::ApiClientRow| c.secret_hash.clone(),
        |c: Option<&accounts::ApiClientRow>| {
            c.map_or_else(|| Principal::unknown_client(&client_id), |c| Principal::client(c.id))
        },
        async |conn| accounts::find_active_client(conn, client_id.trim()).await,
    )
    .await?;
    issue(&state, client.id, Role::Partner, Some(client.organisation_id))
}

/// Read the caller.
///
/// Who the token belongs to.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 200, description = "The caller", body = Me),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> AppResult<web::Json<Me>> {
    let email = match caller.kind {
        PrincipalKind::User => {
            let mut conn = state.pool.get().await?;
            accounts::find_user(&mut conn, caller.id).await?.map(|u| u.email)
        }
        PrincipalKind::ApiClient => None,
    };
    Ok(web::Json(Me {
        id: caller.id,
        kind: caller.kind,
        role: caller.role,
        organisation_id: caller.organisation_id,
        email,
    }))
}
