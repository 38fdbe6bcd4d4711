//! One event's report as JSON, and its attendance list as a streamed CSV.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpResponse};
use chrono::Utc;
use chrono_tz::Tz;
use futures_util::stream::{self, Stream};
use uuid::Uuid;

use super::{authorise, bom, data_as_of_header, event_report_read, suppress_below, CsvQuery, SuppressQuery};
use crate::auth::Caller;
use crate::db::replica::{self, Reads, Scope, Source};
use crate::db::reports;
use crate::domain::report::event_zone;
use crate::error::{AppError, AppResult};
use crate::http::caching::Volatile;
use crate::state::AppState;
use crate::views::reports::{attendance_csv as csv_lines, csv_start, EventReport};

/// Attendance report of an event.
///
/// Attendance report of one event (admin, organisers of the event's organisation). Counts
/// cover non-cancelled registrations unless named `cancelled`; erased registrations still
/// count; `no_show` is confirmed minus attended once the event has ended (database clock),
/// else 0.
#[utoipa::path(tag = "reports", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id"), SuppressQuery),
    responses(
    (status = 200, description = "The event's report", body = EventReport),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events/{id}/report")]
pub async fn event_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<SuppressQuery>,
) -> AppResult<HttpResponse> {
    let event_id = path.into_inner();
    let mut conn = state.pool.get().await?;
    authorise(&mut conn, &caller, event_id).await?;
    let asked = suppress_below(query.suppress_below)?;
    let (data_as_of, data) = state
        .reads
        .answer(conn, Scope::Event(event_id), async |conn, source| {
            event_report_read(conn, source, event_id).await
        })
        .await?;
    let counts = &data.counts;
    let below = asked.max(counts.organisation_suppress_below.map(i64::from));
    let mut report = EventReport::build(&data, below);
    if let Some(data_as_of) = data_as_of {
        report.data_as_of = data_as_of;
    }
    // Counted anew at each read: an unchanged report differs only in when it was counted
    // and how fresh its data was.
    let time = |at| serde_json::to_string(at).expect("a time serialises");
    let volatile = Volatile(vec![time(&report.generated_at), time(&report.data_as_of)]);
    let mut response = HttpResponse::Ok().json(report);
    response.extensions_mut().insert(volatile);
    Ok(response)
}

/// Rows fetched from PostgreSQL per chunk of the CSV.
const CSV_PAGE_ROWS: i64 = 1000;

/// Attendance list as CSV.
///
/// The attendance list of one event as CSV (admin, organisers of the event's organisation):
/// a header row, then one row per registration (cancelled ones included) in arrival order.
/// UTF-8 with a byte-order mark (unless `bom=false`), so that Excel reads names in any script;
/// RFC 4180 quoting; cells a spreadsheet would run as a formula start with `'`; a name erased
/// on request is an empty cell; `checked_in_at` is RFC 3339 at the offset of the event's time
/// zone. Streamed: the list is read from the database page by page while it is sent.
#[utoipa::path(tag = "reports", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id"), CsvQuery),
    responses(
    (status = 200, description = "Header `registration_id,full_name,stakeholder_category,attendance_mode,status,\
needs_physical_space,needs_transport,interpretation_language,checked_in_at,place,check_in_source,minutes,no_show_reason`, \
then one row per registration (`place`: the name of the place, or of the main venue, where an onsite registration \
attends; empty online; `check_in_source`: `onsite`, `online_import` or `manual`, empty when not checked in; \
`minutes`: of online attendance, when known; `no_show_reason`: when one was recorded)",
        body = String, content_type = "text/csv",
        headers(("Content-Disposition" = String, description = "attachment; filename=\"attendance-<event id>.csv\""),
            ("Data-As-Of" = String, description = "How fresh the list is (RFC 3339): every change committed up \
to this time is in it (it is read in pages, so later pages may show later changes too)"))),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events/{id}/attendance.csv")]
pub async fn attendance_csv(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<CsvQuery>,
) -> AppResult<HttpResponse> {
    let event_id = path.into_inner();
    let bom = bom(query.bom.as_deref())?;
    let (zone, source) = {
        let mut conn = state.pool.get().await?;
        let zone = event_zone(&authorise(&mut conn, &caller, event_id).await?.timezone);
        (zone, state.reads.source(&mut conn, Scope::Event(event_id)).await?)
    };
    let data_as_of = match source {
        Source::Primary => Utc::now(),
        Source::Replica => {
            let mut conn = state.reads.pool(source).get().await?;
            replica::data_as_of(&mut conn, source).await?.unwrap_or_else(Utc::now)
        }
    };
    // An export of personal data: worth a line in the log (ids only).
    tracing::info!(event_id = %event_id, caller = %caller.id, "attendance list exported");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"attendance-{event_id}.csv\""),
        ))
        .insert_header(data_as_of_header(data_as_of))
        .streaming(csv_stream(state.reads.clone(), source, event_id, bom, zone)))
}

/// The CSV in chunks of `CSV_PAGE_ROWS` rows, each read by keyset after the previous one, so
/// only one page is ever in memory. actix asks for the next chunk only when the client has
/// taken the previous ones.
fn csv_stream(
    reads: Reads,
    source: Source,
    event_id: Uuid,
    bom: bool,
    zone: Tz,
) -> impl Stream<Item = Result<Bytes, AppError>> {
    // `Some((after_seq, first))` while pages remain.
    stream::unfold(Some((i64::MIN, true)), move |state| {
        let reads = reads.clone();
        async move {
            let (after, first) = state?;
            let page = match next_page(&reads, source, event_id, after).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(event_id = %event_id, %error, "attendance list stopped");
                    return Some((Err(error), None));
                }
            };
            if page.is_empty() && !first {
                return None;
            }
            let next = match page.last() {
                Some(last) if page.len() as i64 == CSV_PAGE_ROWS => Some((last.seq, false)),
                _ => None,
            };
            let lines = csv_lines(&page, first, zone);
            let chunk = if first { csv_start(bom, lines) } else { lines };
            Some((Ok(Bytes::from(chunk)), next))
        }
    })
}

/// One page of the list, from `source`, or from the primary when the replica could not
/// answer (a page read after a later change shows it, as `Data-As-Of` says).
async fn next_page(
    reads: &Reads,
    source: Source,
    event_id: Uuid,
    after: i64,
) -> AppResult<Vec<reports::AttendanceRow>> {
    reads
        .run_on(source, async |conn, _| reports::attendance_page(conn, event_id, after, CSV_PAGE_ROWS).await)
        .await
}
