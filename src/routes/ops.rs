//! Operations endpoints: liveness, readiness and metrics.

use actix_web::{get, web, HttpResponse};
use prometheus::Encoder;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

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
}

/// Liveness: 200 while the process runs. Touches no database.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: 200 when the database answers, 503 when it does not (and 200 again as soon as
/// it does, without a restart).
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "The database answers", body = Health),
    (status = 503, description = "The database does not answer", body = Health),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if crate::db::ping(&state.pool).await {
        HttpResponse::Ok().json(Health { status: "ok" })
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", crate::error::UNAVAILABLE_RETRY_AFTER_SECONDS.to_string()))
            .json(Health { status: "unavailable" })
    }
}

/// Prometheus metrics: requests by route and status, latency histograms, pool use,
/// registrations by outcome.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"),
))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.observe_pools();
    let mut buffer = Vec::new();
    let encoder = prometheus::TextEncoder::new();
    if let Err(error) = encoder.encode(&state.metrics.registry.gather(), &mut buffer) {
        tracing::error!(%error, "encoding metrics");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok().content_type(encoder.format_type()).body(buffer)
}
