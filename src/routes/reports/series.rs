//! Who took part over a series, as JSON or CSV.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{bom, data_as_of_header, suppress_below, wants_csv};
use crate::auth::Caller;
use crate::db::replica::{self, Scope};
use crate::db::series_report::series_report_data;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::reports::csv_start;
use crate::views::series_report::SeriesReport;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesReportQuery {
    /// Small-count protection (1 to 1000): every count from 1 to N-1 is null, with other
    /// counts hidden too so that none can be worked out from the events' and the series'
    /// sums. The organisation's `report_suppress_below` is a floor.
    #[param(minimum = 1, maximum = 1000)]
    pub suppress_below: Option<i64>,
    /// CSV only: `false` for programs, no UTF-8 byte-order mark before the header row.
    #[param(value_type = Option<bool>, default = true)]
    pub bom: Option<String>,
}

/// Who took part over a series.
///
/// Who took part over a series (admin, organisers of its organisation): per event in order,
/// the participants (confirmed and attended), new and returning among those linked across
/// events (`person_code`, with the `link_across_events` consent) and those not linked, by
/// mode, room and stakeholder category, with the share of migrants and refugees; and the
/// cohorts: of the people first seen at each event, how many came to each later one. With
/// `Accept: text/csv`, one row per event (a hidden count is an empty cell).
#[utoipa::path(tag = "reports", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Series id"), SeriesReportQuery),
    responses(
    (status = 200, description = "The series report; one row per event as CSV with `Accept: text/csv`",
        headers(("Vary" = String, description = "Accept"),
            ("Data-As-Of" = String, description = "With `Accept: text/csv`: what `data_as_of` says in \
JSON (RFC 3339): every change committed up to this time is counted")),
        content(
            (SeriesReport = "application/json"),
            (String = "text/csv"),
        )),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/series/{id}/report")]
pub async fn series_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<SeriesReportQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    caller.require_staff()?;
    let asked = suppress_below(query.suppress_below)?;
    let bom = bom(query.bom.as_deref())?;
    let series_id = path.into_inner();
    let conn = state.pool.get().await?;
    let (data_as_of, data) = state
        .reads
        .answer(conn, Scope::Series(series_id), async |conn, source| {
            let data_as_of = replica::data_as_of(conn, source).await?;
            let data = series_report_data(conn, series_id).await?.ok_or(AppError::NotFound)?;
            Ok((data_as_of, data))
        })
        .await?;
    caller.require_manages_organisation(data.series.organisation_id)?;
    let below = asked.max(data.series.organisation_suppress_below.map(i64::from));
    let mut report = SeriesReport::build(&data, below, Utc::now());
    if let Some(data_as_of) = data_as_of {
        report.data_as_of = data_as_of;
    }
    let mut response = HttpResponse::Ok();
    response.insert_header((header::VARY, "Accept"));
    Ok(if wants_csv(&req) {
        response
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"series-report.csv\""))
            .insert_header(data_as_of_header(report.data_as_of))
            .body(csv_start(bom, report.csv()))
    } else {
        response.json(report)
    })
}
