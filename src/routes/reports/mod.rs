//! Attendance reports for organisers: per event (JSON, CSV list, HTML page) and over many
//! events. Admins and organisers of the event's organisation may read them.

mod event;
mod page;
mod series;
mod summary;

use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::events::EventRow;
use crate::db::replica::{self, Source};
use crate::db::reports::{self, EventReportData};
use crate::db::DbConn;
use crate::domain::actors::EventId;
use crate::domain::report::{check_suppress_below, csv_bom};
use crate::error::{AppError, AppResult, FieldError};

pub use event::{attendance_csv, event_report};
pub use page::{create_report_link, report_page};
pub use series::series_report;
pub use summary::attendance_report;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(event_report)
        .service(attendance_csv)
        .service(create_report_link)
        .service(report_page)
        .service(attendance_report)
        .service(series_report);
}

/// The header that tells how fresh a CSV report is: what `data_as_of` says in JSON, as a CSV
/// file has no place for it. Every change committed on the primary up to this time is in it.
pub const DATA_AS_OF: &str = "Data-As-Of";

/// The value of [`DATA_AS_OF`]: RFC 3339 in UTC, as the JSON reports write times.
fn data_as_of_header(at: chrono::DateTime<chrono::Utc>) -> (&'static str, String) {
    (DATA_AS_OF, at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// An event's report data as read at `source`, and how fresh that is (`None`: now, on the
/// primary); 404 when there is no such event.
async fn event_report_read(
    conn: &mut DbConn,
    source: Source,
    event_id: Uuid,
) -> AppResult<(Option<chrono::DateTime<chrono::Utc>>, EventReportData)> {
    let data_as_of = replica::data_as_of(conn, source).await?;
    let data = reports::event_report_data(conn, event_id, reports::CountedFrom::Tallies)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((data_as_of, data))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuppressQuery {
    /// Small-count protection (1 to 1000): every count from 1 to N-1 is null, with other
    /// counts hidden too so that none can be worked out from the totals; small categories
    /// are pooled as `other, suppressed`. The organisation's `report_suppress_below` is a floor.
    #[param(minimum = 1, maximum = 1000)]
    pub suppress_below: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// `false` for programs: no UTF-8 byte-order mark before the header row. By default the
    /// file starts with one, so that Excel reads it as UTF-8.
    #[param(value_type = Option<bool>, default = true)]
    pub bom: Option<String>,
}

/// Whether the CSV starts with a byte-order mark, from the `bom` query parameter (read as
/// text so that a bad value is refused naming the parameter).
pub(crate) fn bom(value: Option<&str>) -> AppResult<bool> {
    csv_bom(value)
        .map_err(|message| AppError::validation(vec![FieldError::new("bom", "invalid_query", message)]))
}

/// The `suppress_below` of a query or body, checked.
pub(crate) fn suppress_below(value: Option<i64>) -> AppResult<Option<i64>> {
    check_suppress_below(value).map_err(|message| {
        AppError::validation(vec![FieldError::new("suppress_below", "out_of_range", message)])
    })
}

/// Lets the caller read the event's reports, or says why not: 404 for an unknown event or one
/// never published that the caller may not know exists, 403 for an event the caller may see but
/// not report on. The event, when the caller may.
pub(crate) async fn authorise(conn: &mut DbConn, caller: &Caller, event_id: Uuid) -> AppResult<EventRow> {
    crate::app::events::find_managed(conn, caller, EventId(event_id)).await
}

/// True when the client prefers CSV to JSON.
pub(crate) fn wants_csv(req: &actix_web::HttpRequest) -> bool {
    crate::http::accept::prefers(req, "text/csv", &["application/json", "application/*", "*/*"])
}
