//! Operations endpoints: liveness, readiness and metrics.

use std::net::SocketAddr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{get, web, HttpRequest, HttpResponse, ResponseError};
use prometheus::Encoder;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::caller::bearer_token;
use crate::config::Settings;
use crate::db::replica::{Measurement, ReplicaHealth};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// The reference page lives at `/docs/`; `/docs` leads there.
pub fn docs_redirect() -> actix_web::Resource {
    web::resource("/docs")
        .to(|| async { HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish() })
}

/// Whether the process (liveness) or its database (readiness) answers.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok`, or `unavailable` when the database does not answer (readiness only).
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Readiness with DATABASE_REPLICA_URL only: where reports and anonymous reads go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica: Option<ReplicaReadiness>,
}

/// Where this process sends stale-tolerant reads (reports, anonymous event reads), and why.
/// A replica that lags or does not answer does not make the process unready: those reads go
/// to the primary meanwhile.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"reads": "replica", "state": "streaming", "lag_seconds": 0.12, "max_lag_seconds": 5.0}))]
pub struct ReplicaReadiness {
    /// `replica`, or `primary` while the replica may not be used.
    #[schema(example = "replica")]
    pub reads: &'static str,
    /// `streaming` (within the limit), `lagging` (beyond `max_lag_seconds`), `down` (it did
    /// not answer) or `unknown` (not measured yet, or nothing replayed since it started).
    #[schema(example = "streaming")]
    pub state: &'static str,
    /// How far behind the primary it was at its last answer; null when not known.
    #[schema(example = 0.12)]
    pub lag_seconds: Option<f64>,
    /// REPLICA_MAX_LAG_MS, in seconds.
    #[schema(example = 5.0)]
    pub max_lag_seconds: f64,
}

impl ReplicaReadiness {
    fn of(health: &ReplicaHealth) -> Self {
        let verdict = health.verdict();
        let (state, lag_seconds) = match verdict.measurement {
            Measurement::Lag(lag) if verdict.in_use => ("streaming", Some(lag.as_secs_f64())),
            Measurement::Lag(lag) => ("lagging", Some(lag.as_secs_f64())),
            Measurement::Down => ("down", None),
            Measurement::Unknown => ("unknown", None),
        };
        Self {
            reads: if verdict.in_use { "replica" } else { "primary" },
            state,
            lag_seconds,
            max_lag_seconds: health.max_lag().as_secs_f64(),
        }
    }
}

/// Liveness.
///
/// Liveness: 200 while the process runs. Touches no database.
#[utoipa::path(tag = "operations", security(), responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok", replica: None })
}

/// Readiness.
///
/// Readiness: 200 when the database answers, 503 when it does not (and 200 again as soon as
/// it does, without a restart). With a replica (DATABASE_REPLICA_URL), `replica` says
/// whether reports and anonymous reads go to it or, while it lags or is down, to the primary.
#[utoipa::path(tag = "operations", security(), responses(
    (status = 200, description = "The database answers", body = Health),
    (status = 503, description = "The database does not answer", body = Health),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let replica = state.replica.as_deref().map(ReplicaReadiness::of);
    if crate::db::ping(&state.pool).await {
        HttpResponse::Ok().json(Health { status: "ok", replica })
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", crate::error::UNAVAILABLE_RETRY_AFTER_SECONDS.to_string()))
            .json(Health { status: "unavailable", replica })
    }
}

/// Prometheus metrics.
///
/// Prometheus metrics: requests by route and status, latency histograms, pool use,
/// registrations by outcome. When the server sets METRICS_BEARER_TOKEN, a scrape must send
/// `Authorization: Bearer <that token>`; when it sets METRICS_BIND_ADDR, the metrics are served
/// only on that separate listener, and this path answers 404 here.
#[utoipa::path(tag = "operations", security((), ("metrics_bearer" = [])), responses(
    (status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 404, response = crate::openapi::NotFound),
))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    // Requests on the metrics listener never get here (see `metrics_listener`).
    if state.settings.metrics_bind_addr.is_some() {
        return Err(AppError::NotFound);
    }
    scrape(&state, &req).await
}

/// The metrics, for a caller that shows METRICS_BEARER_TOKEN when one is set.
async fn scrape(state: &AppState, req: &HttpRequest) -> AppResult<HttpResponse> {
    authorise_scrape(&state.settings, req)?;
    state.metrics.observe_pools();
    observe_outbox(state).await;
    let mut buffer = Vec::new();
    let encoder = prometheus::TextEncoder::new();
    encoder
        .encode(&state.metrics.registry.gather(), &mut buffer)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("encoding metrics: {e}")))?;
    Ok(HttpResponse::Ok().content_type(encoder.format_type()).body(buffer))
}

/// Sets the outbox gauges from the database. Without an answer within a second they keep
/// their last values (and the failure is logged): the scrape itself must neither fail nor
/// hang with the database, whose state `/readyz` and the pool gauges already tell.
async fn observe_outbox(state: &AppState) {
    let backlog = async {
        let mut conn = state.pool.get().await?;
        crate::db::outbox::backlog(&mut conn).await
    };
    match actix_web::rt::time::timeout(std::time::Duration::from_secs(1), backlog).await {
        Ok(Ok(backlog)) => {
            state.metrics.outbox_pending.set(backlog.pending);
            state.metrics.outbox_oldest_pending_age.set(backlog.oldest_age_seconds.max(0.0));
        }
        Ok(Err(error)) => tracing::warn!(%error, "metrics: could not read the webhook outbox"),
        Err(_) => tracing::warn!("metrics: the webhook outbox was not read within a second"),
    }
}

/// 401 unless METRICS_BEARER_TOKEN is unset or the request's bearer token is that token. The
/// comparison takes the same time wherever the tokens differ (and whatever their lengths:
/// digests of both are compared), so timing does not reveal the token a byte at a time.
fn authorise_scrape(settings: &Settings, req: &HttpRequest) -> AppResult<()> {
    let Some(expected) = settings.metrics_bearer_token.as_deref() else { return Ok(()) };
    let given = bearer_token(req)?.ok_or(AppError::Unauthorized)?;
    let (given, expected) = (Sha256::digest(given.as_bytes()), Sha256::digest(expected.as_bytes()));
    let same: bool = given.as_slice().ct_eq(expected.as_slice()).into();
    if same {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}

/// The address of the separate metrics listener (METRICS_BIND_ADDR, as bound), when there is
/// one; app data for [`metrics_listener`].
#[derive(Debug, Clone, Copy)]
pub struct MetricsListener(pub Option<SocketAddr>);

/// Middleware: a request that came in on the metrics listener gets the metrics (`GET
/// /metrics`) or 404, and never reaches the API; others pass through.
pub async fn metrics_listener(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let listener = req.app_data::<web::Data<MetricsListener>>().and_then(|l| l.0);
    if listener.is_none_or(|addr| req.app_config().local_addr() != addr) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let answer = if req.path() == "/metrics" && *req.method() == Method::GET {
        match req.app_data::<web::Data<AppState>>().cloned() {
            Some(state) => scrape(&state, req.request()).await,
            None => Err(AppError::Unexpected(anyhow::anyhow!("no application state"))),
        }
    } else {
        Err(AppError::NotFound)
    };
    let response = answer.unwrap_or_else(|error| error.error_response());
    Ok(req.into_response(response))
}
