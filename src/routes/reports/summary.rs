//! Attendance over many events, as JSON or CSV.

use actix_web::http::header::{self, Accept, Header};
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::suppress_below;
use crate::auth::{Caller, Role};
use crate::db::reports::{self, SummaryFilter};
use crate::domain::events::EventStatus;
use crate::domain::report::Suppressor;
use crate::error::AppResult;
use crate::state::AppState;
use crate::views::reports::AttendanceSummary;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatusFilter {
    Draft,
    Published,
    Cancelled,
}

impl From<EventStatusFilter> for EventStatus {
    fn from(status: EventStatusFilter) -> Self {
        match status {
            EventStatusFilter::Draft => EventStatus::Draft,
            EventStatusFilter::Published => EventStatus::Published,
            EventStatusFilter::Cancelled => EventStatus::Cancelled,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Only events of this region (exact match).
    pub region: Option<String>,
    /// Only events of this series (exact match).
    pub series: Option<String>,
    /// Only events of this organisation. Organisers only ever see their own organisation's.
    pub organisation_id: Option<Uuid>,
    /// Only events in this status (any status by default).
    #[param(inline)]
    pub status: Option<EventStatusFilter>,
    /// Only events starting at or after this time (RFC 3339; encode `+` as `%2B`).
    pub from: Option<DateTime<Utc>>,
    /// Only events starting before this time (RFC 3339; encode `+` as `%2B`).
    pub to: Option<DateTime<Utc>>,
    /// Small-count protection: every count from 1 to N-1 is answered as null (1 to 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub suppress_below: Option<i64>,
}

/// Attendance over many events (admin; organisers see their organisation's events only):
/// one row per event, ordered by `starts_at`, and totals that are the sums of the rows. With
/// `Accept: text/csv`, the rows as CSV (a suppressed count is an empty cell).
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(SummaryQuery), responses(
    (status = 200, description = "One row per event and the totals; CSV rows with `Accept: text/csv`",
        headers(("Vary" = String, description = "Accept")),
        content(
            (AttendanceSummary = "application/json"),
            (String = "text/csv"),
        )),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/reports/attendance")]
pub async fn attendance_report(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SummaryQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    caller.require_staff()?;
    let below = suppress_below(query.suppress_below)?;
    let query = query.into_inner();
    let filter = SummaryFilter {
        region: query.region,
        series: query.series,
        organisation_id: query.organisation_id,
        // An organiser without an organisation (the schema forbids it) would see nothing.
        visible_to: match caller.role {
            Role::Admin => None,
            _ => Some(caller.organisation_id.unwrap_or(Uuid::nil())),
        },
        status: query.status.map(Into::into),
        from: query.from,
        to: query.to,
    };
    let mut conn = state.pool.get().await?;
    let rows = reports::attendance_summary(&mut conn, &filter).await?;
    let summary = AttendanceSummary::build(&rows, &Suppressor::new(below));
    let mut response = HttpResponse::Ok();
    response.insert_header((header::VARY, "Accept"));
    if wants_csv(&req) {
        Ok(response
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"attendance-report.csv\""))
            .body(summary.to_csv()))
    } else {
        Ok(response.json(summary))
    }
}

/// True when the client prefers CSV to JSON (by q-value, then by the order it listed them).
fn wants_csv(req: &HttpRequest) -> bool {
    let Ok(accept) = Accept::parse(req) else { return false };
    accept
        .ranked()
        .into_iter()
        .find_map(|mime| match mime.essence_str() {
            "text/csv" => Some(true),
            "application/json" | "application/*" | "*/*" => Some(false),
            _ => None,
        })
        .unwrap_or(false)
}
